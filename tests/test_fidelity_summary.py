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
