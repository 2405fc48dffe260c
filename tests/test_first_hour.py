"""What a new user meets in their first hour: missing fixtures, failing tests, --fixtures (through pytester)."""

from __future__ import annotations

import sys

import pytest

import pytest_synthdata as sd

USES_CUSTOMERS = "def test_x(synth_customers):\n    pass\n"


def test_a_missing_fixture_names_the_default_model_directory_it_searched(pytester):
    pytester.makepyfile(USES_CUSTOMERS)
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(errors=1)
    searched = pytester.path / "tests" / "synthdata"
    result.stdout.fnmatch_lines(
        [
            "'synth_customers' is not a registered dataset here: register it in a conftest.py that covers this test, "
            "sd.register(sd.Schema('customers', ...)), or add a model file.",
            f"Model files: synthdata_models (default tests/synthdata) searched {searched} (does not exist), "
            "and found no customers.synth.json.",
            f"Add one with `synthdata fit data.csv -o {searched / 'customers.synth.json'}`*",
        ]
    )


def test_a_missing_fixture_names_the_configured_directories_and_their_files(pytester):
    models = pytester.mkdir("models")
    pytester.mkdir("empty")
    sd.Schema("orders", {"total": sd.Float(low=0, high=100)}).save(models / "orders.synth.json")
    pytester.makeini("[pytest]\nsynthdata_models =\n    models\n    empty\n")
    pytester.makepyfile(USES_CUSTOMERS)
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            f"Model files: ini option synthdata_models searched {models} (orders.synth.json); "
            f"{pytester.path / 'empty'} (no model files), and found no customers.synth.json.",
            "Global datasets: orders.",
        ]
    )


def test_fixtures_listing_shows_the_columns_of_model_file_datasets(pytester):
    models = pytester.mkdir("models")
    schema = sd.Schema("orders", {"total": sd.Float(low=0, high=100), "paid": sd.Boolean(), "when": sd.Date()})
    schema.save(models / "orders.synth.json")
    (models / "broken.synth.json").write_text("{not json")
    pytester.makeini("[pytest]\nsynthdata_models = models\n")
    result = pytester.runpytest("-p", "no:randomly", "--fixtures")
    assert result.ret == 0
    result.stdout.fnmatch_lines(
        [
            "synth_orders -- *",
            f"    DataFrame of synthetic 'orders' rows (total, paid, when) from {models / 'orders.synth.json'}; *",
        ]
    )
    result.stdout.fnmatch_lines([f"    DataFrame of synthetic 'broken' rows from {models / 'broken.synth.json'}; *"])


FAILING = """
def test_boom(synth_customers, synth_customers_factory):
    synth_customers_factory(7)
    assert synth_customers["age"].max() > 1000
"""


def _reproduce_section(result) -> dict[str, list[str]]:
    lines = result.stdout.lines
    start = next(i for i, line in enumerate(lines) if "synthdata: reproduce" in line)
    section: dict[str, list[str]] = {}
    for line in lines[start + 1 :]:
        if line.startswith("=") or line.startswith("_"):
            break
        key, _, value = line.partition(": ")
        section.setdefault(key, []).append(value)
    return section


def _run_python(pytester, source: str) -> None:
    result = pytester.run(sys.executable, "-c", source)
    assert result.ret == 0, result.stderr.str()


@pytest.mark.parametrize("where", ["conftest", "module", "model file"])
def test_the_failure_section_prints_runnable_python_and_writes_the_frames(pytester, where):
    schema = (
        "sd.Schema('customers', {'age': sd.Integer(low=18, high=90), 'plan': sd.Category(['free', 'pro']),"
        " 'joined': sd.Date(), 'score': sd.Float(low=0, high=1, null_rate=0.3)})"
    )
    if where == "conftest":
        pytester.makeconftest(f"import pytest_synthdata as sd\ncustomers = sd.register({schema})\n")
    elif where == "module":  # a plugin module registers a global dataset
        pytester.makepyfile(shop_data=f"import pytest_synthdata as sd\nshop_customers = sd.register({schema})\n")
        pytester.makeconftest("pytest_plugins = ['shop_data']\n")
    else:
        pytester.mkdir("models")
        exec(f"import pytest_synthdata as sd\n{schema}.save('models/customers.synth.json')", {})
        pytester.makeini("[pytest]\nsynthdata_models = models\n")
    pytester.makepyfile(test_fails=FAILING)
    result = pytester.runpytest_subprocess("-p", "no:randomly", "--synthdata-seed=5")
    result.assert_outcomes(failed=1)
    section = _reproduce_section(result)
    python = section["same rows in Python"]
    expected_source = {
        "conftest": "import runpy; runpy.run_path('conftest.py')['customers']",
        "module": "from shop_data import shop_customers; shop_customers",
        "model file": "import pytest_synthdata as sd; sd.load('models/customers.synth.json')",
    }[where]
    assert [line.split(".sample(")[0] for line in python] == [expected_source] * 2
    assert python[1].endswith(".sample(7, seed=" + python[1].rsplit("seed=", 1)[1])
    (frames,) = section["frames"]
    folder = frames.split("/  (read one with pandas.read_json(path, orient='table'))")[0]
    assert folder == ".pytest_cache/d/synthdata/failures/test_fails.py_test_boom"
    files = sorted(p.name for p in (pytester.path / folder).iterdir())
    assert files == ["0-synth_customers.json", "1-synth_customers_factory.json"]
    for line, file in zip(python, files, strict=True):
        setup, _, call = line.rpartition("; ")
        _run_python(
            pytester,
            f"import pandas as pd\n{setup.replace('; ', chr(10))}\n"
            f"frame = {call}\n"
            f"back = pd.read_json({str(pytester.path / folder / file)!r}, orient='table')\n"
            "pd.testing.assert_frame_equal(frame, back)\n",
        )


def test_the_frames_folder_is_emptied_before_a_new_failure_is_written(pytester):
    pytester.makeconftest(
        "import pytest_synthdata as sd\ncustomers = sd.register(sd.Schema('customers', {'age': sd.Integer(low=18, high=90)}))\n"
    )
    pytester.makepyfile(test_fails=FAILING)
    pytester.runpytest("-p", "no:randomly").assert_outcomes(failed=1)
    pytester.makepyfile(test_fails="def test_boom(synth_customers):\n    assert False\n")
    pytester.runpytest("-p", "no:randomly").assert_outcomes(failed=1)
    folder = pytester.path / ".pytest_cache/d/synthdata/failures/test_fails.py_test_boom"
    assert sorted(p.name for p in folder.iterdir()) == ["0-synth_customers.json"]


def test_without_the_cache_the_section_says_no_frames_were_written(pytester):
    pytester.makeconftest(
        "import pytest_synthdata as sd\ncustomers = sd.register(sd.Schema('customers', {'age': sd.Integer(low=18, high=90)}))\n"
    )
    pytester.makepyfile(test_fails="def test_boom(synth_customers):\n    assert False\n")
    result = pytester.runpytest("-p", "no:randomly", "-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["frames not written: pytest's cacheprovider plugin is disabled"])


@pytest.mark.parametrize("register", ["import", "runpy"])
def test_the_python_line_runs_for_a_model_in_a_module_beside_the_conftest(pytester, register):
    """The layout property-based-tests.md recommends: tests/models.py holds the model, tests/conftest.py imports and
    registers it. The line ran the conftest, whose import fails from the rootdir (ModuleNotFoundError: models):
    now the conftest's directory goes on the path first."""
    tests = pytester.mkdir("tests")
    (tests / "models.py").write_text(
        "import pytest_synthdata as sd\n"
        "birds = sd.Schema('birds', {'kind': sd.Category(['a', 'b']), 'mass': sd.Float(low=1, high=9)})\n"
    )
    if register == "import":
        (tests / "conftest.py").write_text(
            "import pytest_synthdata as sd\nfrom models import birds\nsd.register(birds)\n"
        )
    else:  # (a conftest that registers what it builds from an imported helper: runpy, with its directory on the path)
        (tests / "helpers.py").write_text("SIZE = 9\n")
        (tests / "conftest.py").write_text(
            "import pytest_synthdata as sd\nfrom helpers import SIZE\n"
            "birds = sd.register(sd.Schema('birds', {'mass': sd.Float(low=1, high=SIZE)}))\n"
        )
    (tests / "test_birds.py").write_text("def test_boom(synth_birds):\n    assert synth_birds['mass'].max() > 100\n")
    result = pytester.runpytest_subprocess("-p", "no:randomly", "--synthdata-seed=5")
    result.assert_outcomes(failed=1)
    (line,) = _reproduce_section(result)["same rows in Python"]
    expected = "import sys; sys.path.insert(0, 'tests'); import runpy; runpy.run_path('tests/conftest.py')['birds']"
    assert line.split(".sample(")[0] == expected
    setup, _, call = line.rpartition("; ")
    _run_python(pytester, f"{setup.replace('; ', chr(10))}\nframe = {call}\nassert len(frame) == 100\n")
