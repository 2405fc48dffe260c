"""The pytest terminal summary of fidelity per dataset used, and --synthdata-report."""

from __future__ import annotations

import pytest

CONFTEST = """
import pytest_synthdata as sd
sd.register(sd.Schema("people", {"age": sd.Integer(low=18, high=90), "plan": sd.Category(["a", "b"])}))
sd.register(sd.Schema("unused", {"x": sd.Float(low=0, high=1)}))
"""
TESTS = """
def test_one(synth_people):
    assert len(synth_people)

def test_two(synth_people_factory):
    assert len(synth_people_factory(10))
"""


def test_the_summary_has_one_line_per_dataset_used(pytester):
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_a=TESTS)
    result = pytester.runpytest("-p", "no:randomly", "--synthdata-seed=3")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        [
            "*- synthdata fidelity -*",
            "people: fidelity 0.9* (column shapes *, pair trends *) against the distribution of model 'people' "
            "(no stored profile); 2000 rows, seed 3",
        ]
    )
    assert "unused:" not in result.stdout.str()


def test_no_summary_when_no_dataset_was_used(pytester):
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_a="def test_plain():\n    pass\n")
    result = pytester.runpytest("-p", "no:randomly")
    assert "synthdata fidelity" not in result.stdout.str()


def test_a_fitted_model_file_is_scored_against_its_stored_profile(pytester):
    import pytest_synthdata as sd
    from tests.tables_for_tests import customers

    folder = pytester.path / "tests" / "synthdata"
    sd.fit(customers(1000), name="customers").save(folder / "customers.synth.json")
    pytester.makepyfile(test_a="def test_c(synth_customers):\n    assert len(synth_customers)\n")
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        ["customers: fidelity 0.* against the profile stored in model 'customers' (1000 real rows)*"]
    )


def test_the_summary_is_collected_from_xdist_workers(pytester):
    pytest.importorskip("xdist")
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_a=TESTS)
    result = pytester.runpytest("-p", "no:randomly", "-n", "2")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["people: fidelity 0.9* against the distribution of model 'people'*"])


def test_synthdata_report_writes_a_page_per_dataset(pytester):
    pytest.importorskip("matplotlib")
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_a=TESTS)
    result = pytester.runpytest("-p", "no:randomly", "--synthdata-report=out/fidelity.html")
    result.assert_outcomes(passed=2)
    page = pytester.path / "out" / "fidelity.html"
    assert page.is_file() and "<html" in page.read_text()
    result.stdout.fnmatch_lines(["  report: *out/fidelity.html"])


DATASET_CONFTEST = """
import pytest_synthdata as sd
sd.register(sd.Dataset(
    "shop",
    tables={
        "customers": sd.Schema("customers", {"id": sd.Id(), "age": sd.Integer(low=18, high=90)}),
        "orders": sd.Schema("orders", {"customer_id": sd.Integer(low=0, high=1), "total": sd.Float(low=1, high=99)}),
    },
    relations=[("orders.customer_id", "customers.id")],
    children={"orders": sd.Integer(low=0, high=4)},
))
"""


def test_linked_tables_get_a_line_per_table(pytester):
    """A Dataset's fixture (Dataset.model is a method, not a Model) is scored table by table."""
    pytester.makeconftest(DATASET_CONFTEST)
    pytester.makepyfile(test_a="def test_shop(synth_shop):\n    assert set(synth_shop) == {'customers', 'orders'}\n")
    result = pytester.runpytest("-p", "no:randomly", "--synthdata-seed=3")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        [
            "shop.customers: fidelity * against the distribution of model 'customers'*; 2000 root rows, seed 3",
            "shop.orders: fidelity * against the distribution of model 'orders'*",
        ]
    )
    assert "no fidelity score" not in result.stdout.str()


def test_a_dataset_file_is_scored_table_by_table(pytester):
    import pandas as pd

    import pytest_synthdata as sd

    customers = pd.DataFrame({"id": range(1, 61), "age": [20 + (i * 7) % 50 for i in range(60)]})
    orders = pd.DataFrame(
        {"customer_id": [1 + (i * 13) % 60 for i in range(200)], "total": [5.0 + i % 37 for i in range(200)]}
    )
    folder = pytester.path / "tests" / "synthdata"
    shop = sd.fit(
        {"customers": customers, "orders": orders}, relations=[("orders.customer_id", "customers.id")], name="shop"
    )
    shop.save(folder / "shop.synth.json")
    pytester.makepyfile(test_a="def test_shop(synth_shop):\n    assert len(synth_shop['orders'])\n")
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        ["shop.customers: fidelity 0.* against the profile stored in model *", "shop.orders: fidelity 0.*"]
    )
    assert "no fidelity score" not in result.stdout.str()
