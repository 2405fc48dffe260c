"""Model files in ``synthdata_models`` directories become fixtures (pytester runs)."""

from __future__ import annotations

import pytest
from tables_for_tests import customers

import pytest_synthdata as sd


@pytest.fixture(scope="module")
def model_text(tmp_path_factory) -> str:
    path = sd.fit(customers(600), name="customers").save(tmp_path_factory.mktemp("m") / "customers.synth.json")
    return path.read_text()


def place(pytester, text: str, where: str = "tests/synthdata/customers.synth.json") -> None:
    target = pytester.path / where
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)


USES = """
import pandas as pd

def test_data(synth_customers):
    assert len(synth_customers) == 30
    assert list(synth_customers.columns)[:3] == ["customer_id", "email", "age"]

def test_factory(synth_customers_factory):
    a = synth_customers_factory(5, seed=1)
    pd.testing.assert_frame_equal(a, synth_customers_factory(5, seed=1))
    assert synth_customers_factory(7, plan="pro")["plan"].eq("pro").all()
"""


def test_files_in_tests_synthdata_are_fixtures(pytester, model_text):
    place(pytester, model_text)
    pytester.makeini("[pytest]\nsynthdata_rows = 30\n")
    pytester.makepyfile(test_models=USES)
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=2)
    fixtures = pytester.runpytest("--fixtures", "-p", "no:randomly")
    fixtures.stdout.fnmatch_lines(["synth_customers -- *", "*customers.synth.json*"])


def test_ini_synthdata_models_names_the_directories(pytester, model_text):
    place(pytester, model_text, "data/models/customers.synth.json")
    pytester.makeini("[pytest]\nsynthdata_rows = 30\nsynthdata_models = data/models\n")
    pytester.makepyfile(test_models=USES)
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=2)


def test_a_configured_directory_that_is_missing_is_a_usage_error(pytester):
    pytester.makeini("[pytest]\nsynthdata_models = nowhere\n")
    pytester.makepyfile("def test_x():\n    pass\n")
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*synthdata_models names*nowhere*not a directory*"])


def test_a_file_name_that_makes_no_fixture_is_left_out_with_a_warning(pytester, model_text):
    """It stopped the whole session (a usage error) before: now the other tests run."""
    place(pytester, model_text, "tests/synthdata/my-customers.synth.json")
    pytester.makepyfile("def test_x():\n    pass\n")
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=1, warnings=1)
    result.stdout.fnmatch_lines(["*my-customers.synth.json' is left out*rename it to my_customers.synth.json*"])


def test_a_broken_file_fails_the_tests_that_use_it_clearly(pytester, model_text):
    place(pytester, model_text[: len(model_text) // 3])
    pytester.makepyfile(
        """
        def test_uses(synth_customers):
            pass

        def test_other():
            pass
        """
    )
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*customers.synth.json: not valid JSON at line*truncated*"])
    assert "Traceback" not in result.stdout.str()


def test_model_files_load_lazily(pytester, model_text):
    place(pytester, model_text)
    pytester.makepyfile(
        """
        import sys

        def test_light():
            assert [m for m in ("pandas", "scipy", "dask", "distributed") if m in sys.modules] == []
        """
    )
    pytester.runpytest_subprocess("-p", "no:randomly").assert_outcomes(passed=1)


def test_a_register_call_with_the_same_name_clashes(pytester, model_text):
    place(pytester, model_text)
    pytester.makeconftest(
        """
        import pytest_synthdata as sd

        def synthdata_datasets(config):
            return [sd.Schema("customers", {"x": sd.Integer(low=0, high=3)})]
        """
    )
    pytester.makepyfile("def test_x():\n    pass\n")
    result = pytester.runpytest()
    assert result.ret != 0
    result.stderr.fnmatch_lines(["*two different datasets want the global fixture 'synth_customers'*"])


def test_a_files_factory_keeps_sums_and_sets_generated_columns_as_the_model_itself_does(pytester, tmp_path):
    """A file's fixtures are the loaded model's: set= on a part adds the detected sum up again, and a keyword on a
    generated (Faker) column sets it (both were skipped in silence for files: the wrapper hid the model)."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(3)
    a, b = rng.integers(0, 50, 400), rng.integers(0, 50, 400)
    real = pd.DataFrame({"a": a, "b": b, "total": a + b, "email": [f"user{i}@example.org" for i in range(400)]})
    model = sd.fit(real, name="orders")
    assert model.info["columns"]["email"]["kind"] == "pii" and model._sums, model.info["columns"]
    place(pytester, model.save(tmp_path / "orders.synth.json").read_text(), "tests/synthdata/orders.synth.json")
    pytester.makepyfile(
        test_orders="""
def test_set_keeps_the_sum(synth_orders_factory):
    df = synth_orders_factory(200, seed=1, set={"a": 9})
    assert (df["a"] == 9).all() and (df["total"] == df["a"] + df["b"]).all()

def test_a_keyword_on_a_generated_column_sets_it(synth_orders_factory):
    df = synth_orders_factory(3, seed=1, email="x@example.org")
    assert df["email"].tolist() == ["x@example.org"] * 3
"""
    )
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=2)
