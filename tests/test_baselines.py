"""Drift baselines: sd.assert_no_drift() and --synthdata-update-baselines."""

from __future__ import annotations

import json

import pytest

import pytest_synthdata as sd
from pytest_synthdata.errors import FidelityError, InvalidArgument

PEOPLE = sd.Schema(
    "people",
    {"age": sd.Integer(low=18, high=90), "income": sd.Float(low=0, high=1e5), "plan": sd.Category(["a", "b", "c"])},
    correlations={("age", "income"): 0.7},
)


def drift(tmp_path, frame, **options):
    return sd.assert_no_drift(frame, "people", against=PEOPLE, directory=tmp_path, **options)


def test_a_missing_baseline_fails_once_and_is_written(tmp_path):
    frame = PEOPLE.sample(2000, seed=1)
    with pytest.raises(FidelityError, match=r"baseline 'people' did not exist: wrote .*people.baseline.json"):
        drift(tmp_path, frame)
    data = json.loads((tmp_path / "people.baseline.json").read_text())
    assert data["format"] == "pytest-synthdata baseline" and data["rows"] == 2000
    assert set(data["columns"]) == {"age", "income", "plan"}
    assert set(data["columns"]["age"]) == {"KSComplement", "MissingValueSimilarity"}
    assert "age | income" in data["pairs"]
    drift(tmp_path, frame)  # the second run compares, and passes
    drift(tmp_path, PEOPLE.sample(2000, seed=2))  # another sample is within the tolerance


def test_a_broken_generator_fails_naming_the_column_and_the_pair(tmp_path):
    drift(tmp_path, PEOPLE.sample(2000, seed=1), update=True)
    frame = PEOPLE.sample(2000, seed=1)
    broken = frame.assign(income=frame["income"].sample(frac=1, random_state=0).to_numpy(), age=frame["age"] + 10)
    with pytest.raises(FidelityError) as info:
        drift(tmp_path, broken)
    message = str(info.value)
    assert message.startswith("drift of 2000 synthetic rows from baseline 'people'")
    assert "column 'age': KSComplement" in message
    assert "pair ('age', 'income'): CorrelationSimilarity" in message
    assert "--synthdata-update-baselines" in message
    drift(tmp_path, broken, tolerance=1.0)  # relaxed: passes
    with pytest.raises(FidelityError, match="column 'age'"):
        drift(tmp_path, broken, tolerances={("income", "age"): 1.0, "income": 1.0})


def test_update_refreshes_a_baseline(tmp_path):
    drift(tmp_path, PEOPLE.sample(500, seed=1), update=True)
    first = (tmp_path / "people.baseline.json").read_text()
    drift(tmp_path, PEOPLE.sample(500, seed=2), update=True)
    assert (tmp_path / "people.baseline.json").read_text() != first


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"tolerance": 2}, "tolerance=2: expected how far a score may fall"),
        ({"tolerances": [1]}, r"tolerances=\[1\] must be a dict"),
        ({"tolerances": {3: 0.1}}, "tolerances has key 3"),
    ],
)
def test_bad_arguments(tmp_path, options, message):
    with pytest.raises(InvalidArgument, match=message):
        drift(tmp_path, PEOPLE.sample(50, seed=1), **options)


def test_a_bad_name_or_an_unknown_reference_is_invalid(tmp_path):
    with pytest.raises(InvalidArgument, match="name the baseline with letters"):
        sd.assert_no_drift(PEOPLE.sample(50, seed=1), "../x", against=PEOPLE, directory=tmp_path)
    with pytest.raises(InvalidArgument, match="pass against= the real DataFrame or the model"):
        sd.assert_no_drift(PEOPLE.sample(50, seed=1), "people", directory=tmp_path)


def test_a_hand_edited_baseline_fails_clearly(tmp_path):
    (tmp_path / "people.baseline.json").write_text(
        '{"format": "pytest-synthdata baseline", "version": 1, "columns": {"age": {"KS": 2}}, "pairs": {}}'
    )
    with pytest.raises(InvalidArgument, match=r"columns\['age'\] must map metric names"):
        drift(tmp_path, PEOPLE.sample(50, seed=1))


CONFTEST = """
import pytest_synthdata as sd
sd.register(sd.Schema("people", {"age": sd.Integer(low=18, high=90), "plan": sd.Category(["a", "b"])}))
"""
TESTS = """
import pytest_synthdata as sd

def test_people(synth_people_factory):
    sd.assert_no_drift(synth_people_factory(1000, seed=1), baseline="people")
"""


def test_in_pytest_the_dataset_and_the_model_directory_are_found(pytester):
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_drift=TESTS)
    first = pytester.runpytest("-p", "no:randomly")
    first.assert_outcomes(failed=1)
    first.stdout.fnmatch_lines(["*baseline 'people' did not exist: wrote *tests/synthdata/people.baseline.json*"])
    assert (pytester.path / "tests" / "synthdata" / "people.baseline.json").is_file()
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=1)
    pytester.makepyfile(test_drift=TESTS.replace("seed=1)", "seed=1).assign(plan='a')"))
    broken = pytester.runpytest("-p", "no:randomly")
    broken.assert_outcomes(failed=1)
    broken.stdout.fnmatch_lines(["*column 'plan': TVComplement*"])
    pytester.runpytest("-p", "no:randomly", "--synthdata-update-baselines").assert_outcomes(passed=1)
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=1)


def test_baselines_are_written_safely_under_xdist(pytester):
    pytest.importorskip("xdist")
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(
        test_drift="\n".join(
            [TESTS]
            + [
                f"def test_{i}(synth_people_factory):\n    sd.assert_no_drift(synth_people_factory(500, seed=1), baseline='people')\n"
                for i in range(4)
            ]
        )
    )
    pytester.runpytest("-p", "no:randomly", "-n", "2", "--synthdata-update-baselines").assert_outcomes(passed=5)
    data = json.loads((pytester.path / "tests" / "synthdata" / "people.baseline.json").read_text())
    assert data["baseline"] == "people"
