"""The README's quick start and .ci/run stay in step; its example runs (the docs' blocks: test_docs.py)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def quick_start_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    section = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", section, re.S)
    assert block is not None
    return [line for line in block[1].splitlines() if line.strip()]


def test_quick_start_has_exactly_two_commands():
    commands = quick_start_commands()
    assert len(commands) == 2
    assert "pytest examples" in commands[0]
    assert ".[test]" in commands[1]


def test_ci_runs_the_readme_commands_verbatim():
    ci = (ROOT / ".ci" / "run").read_text()
    for command in quick_start_commands():
        assert f"run '{command}'" in ci


def test_changelog_has_an_unreleased_section():
    assert "## [Unreleased]" in (ROOT / "CHANGELOG.md").read_text()


def test_the_readme_example_runs_as_written(pytester):
    text = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    conftest = next(b for b in blocks if b.startswith("# conftest.py"))
    tests = next(b for b in blocks if b.startswith("# test_billing.py"))
    pytester.makeconftest(conftest)
    pytester.makepyfile(test_billing=tests)
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=2)


def test_the_readme_stays_short():
    """The README is the front door; everything else lives in the docs site."""
    assert len((ROOT / "README.md").read_bytes()) <= 10_240


def test_the_readme_links_resolve():
    text = (ROOT / "README.md").read_text()
    links = re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", text)
    assert links
    missing = [link for link in links if "://" not in link and not (ROOT / link).exists()]
    assert not missing
