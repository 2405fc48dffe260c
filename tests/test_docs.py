"""Every Python block in the docs site runs, so no example rots.

A page's blocks run in order in one namespace, in a temporary directory. A
block whose first line is a file-name comment (``# conftest.py``,
``# tests/test_penguins.py``) is written to that file instead, and once the
page's other blocks have run, its test files run under pytest (they must pass).
``<!-- docs-test: requires MODULE -->`` before a block skips the page's remaining
blocks when MODULE is not installed; ``<!-- docs-test: skip REASON -->`` skips
one block. The reference pages must also name every option the CLI and the
pytest plugin define.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = sorted(p for p in DOCS.rglob("*.md") if "_ext" not in p.parts)

_BLOCK = re.compile(r"(?:<!-- docs-test: (?P<directive>[^>]*?) -->\n)?```python\n(?P<code>.*?)```", re.S)
_FILE = re.compile(r"# (?P<path>[\w/]+\.py)\n")


@dataclass
class Block:
    code: str
    line: int
    directive: str | None

    @property
    def file(self) -> str | None:
        match = _FILE.match(self.code)
        return match["path"] if match else None


def blocks(page: Path) -> list[Block]:
    text = page.read_text()
    return [Block(m["code"], text.count("\n", 0, m.start("code")) + 1, m["directive"]) for m in _BLOCK.finditer(text)]


def _missing(module: str) -> bool:
    """Whether ``module`` cannot be imported (a dotted name whose package is absent too)."""
    try:
        return importlib.util.find_spec(module) is None
    except ModuleNotFoundError:  # (find_spec imports the parent package of a dotted name)
        return True


def test_the_directive_parser_sees_every_block():
    """A fenced python block the parser misses would go untested."""
    for page in PAGES:
        assert len(blocks(page)) == page.read_text().count("```python\n"), page


@pytest.mark.parametrize("page", [p for p in PAGES if blocks(p)], ids=lambda p: str(p.relative_to(DOCS)))
def test_the_page_runs(page, request, tmp_path, monkeypatch):
    import pytest_synthdata as sd
    from pytest_synthdata.errors import SynthdataWarning

    # pytester only for pages with files to run: it restores sys.modules afterwards, and an extension module
    # (torch, under SDV) imported by a page's code cannot be imported a second time
    pytester = request.getfixturevalue("pytester") if any(b.file for b in blocks(page)) else None
    workdir = pytester.path if pytester is not None else tmp_path
    monkeypatch.chdir(workdir)
    plugins_before = set(map(id, sd.plugin_manager().get_plugins()))
    _without_example_database(request)
    namespace: dict = {"__name__": "__docs__"}
    test_files: list[str] = []
    try:
        for block in blocks(page):
            if block.directive and block.directive.startswith("skip"):
                continue
            if block.directive and block.directive.startswith("requires "):
                module = block.directive.split(None, 1)[1]
                if _missing(module):
                    pytest.skip(f"{page.name}:{block.line} needs {module}, which is not installed")
            if block.file:
                target = workdir / block.file
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(block.code)
                if Path(block.file).name.startswith("test_"):
                    test_files.append(block.file)
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("default", SynthdataWarning)  # a page may show a warning on purpose
                code = compile(block.code, f"{page.relative_to(ROOT)}:{block.line}", "exec")
                exec(code, namespace)
    finally:
        for plugin in list(sd.plugin_manager().get_plugins()):
            if id(plugin) not in plugins_before:
                sd.plugin_manager().unregister(plugin)
    if test_files:
        assert pytester is not None
        result = pytester.runpytest("-p", "no:randomly", *test_files)
        outcomes = result.parseoutcomes()
        assert result.ret == 0, result.stdout.str()
        assert outcomes.get("passed", 0) > 0 and not outcomes.get("failed")


def _without_example_database(request: pytest.FixtureRequest) -> None:
    """Run a page's Hypothesis calls without the example database (the profile is restored after the test).

    A page's ``find(...)`` is keyed by its condition's source: an entry another test saved under that key
    (``lambda row: True``) would replay first and the page would show that test's example, not its own.
    """
    from hypothesis import settings

    current = getattr(settings, "get_current_profile_name", None)
    if current is None:  # (an older Hypothesis: pages keep the database)
        return
    name = current()
    settings.register_profile("synthdata-docs-page", settings.get_profile(name), database=None)
    settings.load_profile("synthdata-docs-page")
    request.addfinalizer(lambda: settings.load_profile(name))


def _options(text: str) -> set[str]:
    return set(re.findall(r"(?<![\w-])(--[a-z][a-z-]+)", text))


@pytest.mark.parametrize("command", ["fit", "sample", "inspect", "report"])
def test_the_cli_reference_names_every_option(command):
    out = subprocess.run(
        [sys.executable, "-m", "pytest_synthdata.cli", command, "--help"], capture_output=True, text=True, check=True
    ).stdout
    page = (DOCS / "reference" / "cli.md").read_text()
    section = page.split(f"## synthdata {command}", 1)[1].split("\n## ", 1)[0]
    missing = _options(out) - {"--help"} - _options(section)
    assert not missing, f"docs/reference/cli.md, synthdata {command}: document {sorted(missing)}"


def test_the_pytest_reference_names_every_option_ini_and_marker_key(pytester):
    result = pytester.runpytest("--help")
    text = result.stdout.str()
    group = text.split("synthetic test data (pytest-synthdata):", 1)[1].split("\n\n", 1)[0]
    page = (DOCS / "reference" / "pytest.md").read_text()
    missing = _options(group) - _options(page)
    ini = set(re.findall(r"^\s+(synthdata_\w+)", text, re.M))
    assert ini, "no synthdata ini option found in pytest --help"
    missing |= {name for name in ini if f"`{name}`" not in page}
    from pytest_synthdata._fixtures import _MARKER_KEYS as MARKER_KEYS

    missing |= {key for key in MARKER_KEYS if f"`{key}=" not in page}
    assert not missing, f"docs/reference/pytest.md: document {sorted(missing)}"


def _sentences(entry: str) -> int:
    prose = re.sub(r"`[^`]*`", "code", entry)  # code spans hold dots of their own
    prose = re.sub(r"\b(?:e\.g|i\.e|i\.i\.d|etc|vs)\.", "abbr", prose)
    return len([s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z(])", prose.strip()) if s])


def test_changelog_entries_are_one_or_two_sentences():
    text = (ROOT / "CHANGELOG.md").read_text()
    entries = re.findall(r"^- (.*?)(?=\n- |\n\n|\n#|\Z)", text, re.S | re.M)
    assert entries
    long = [entry[:80] for entry in entries if _sentences(entry) > 2]
    assert not long, f"CHANGELOG entries of more than two sentences: {long}"
