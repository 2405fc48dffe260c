"""What a new user meets in their first hour: missing fixtures, failing tests, --fixtures (through pytester)."""

from __future__ import annotations

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
