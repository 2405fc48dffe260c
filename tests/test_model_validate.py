"""schema.validate(df) and model.validate(df): any frame checked against what a model declares or stores."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import pytest_synthdata as sd
from pytest_synthdata.errors import FidelityError, InvalidArgument, SynthdataError
from tests.tables_for_tests import customers

SHOP = sd.Schema(
    "shop",
    {
        "age": sd.Integer(low=18, high=90),
        "price": sd.Float(low=0, high=500, decimals=2),
        "plan": sd.Category(["free", "pro", "team"]),
        "active": sd.Boolean(0.7),
        "start": sd.Date(low="2020-01-01", high="2021-01-01"),
        "end": sd.Date(low="2020-01-01", high="2022-01-01"),
        "note": sd.Float(low=0, high=1, null_rate=0.3),
        "email": sd.Faker("email"),
    },
    constraints=["start < end"],
)


def failure(model, df, **options) -> str:
    with pytest.raises(AssertionError) as info:
        model.validate(df, **options)
    assert isinstance(info.value, SynthdataError)
    return str(info.value)


def test_a_schema_accepts_its_own_samples():
    assert SHOP.validate(SHOP.sample(2000, seed=3)) is None


def test_conditioned_and_edge_case_samples_are_checked_without_the_null_rates_they_change():
    """A sample given ``note=None`` is all missing, and edge cases oversample nulls: both validated against the
    model's own null rates failed ("expected a null rate of 30.0%, found 100.0% missing"). Their values still
    count, and another frame's null rates still do."""
    given = SHOP.sample(500, seed=1, conditions={"note": None})
    assert given.attrs["synthdata"]["conditioned"] is True
    assert SHOP.validate(given) is None
    edgy = SHOP.sample(500, seed=2, edge_cases=0.5, edge_kinds=["null"])
    assert edgy["note"].isna().mean() > 0.5
    assert SHOP.validate(edgy) is None
    assert "conditioned" not in SHOP.sample(10, seed=1).attrs["synthdata"]
    plain = given.copy()
    plain.attrs = {}  # (not known to be a conditioned sample: its rates count)
    assert "note: expected a null rate of 30.0%" in failure(SHOP, plain)
    other = sd.Schema("other", {"note": sd.Float(low=0, high=1, null_rate=0.3)})
    assert "note: expected a null rate of 30.0%" in failure(other, given[["note"]])  # (another model's sample)
    broken = given.copy()
    broken.loc[0, "age"] = 200
    assert "age: 1 of 500 rows" in failure(SHOP, broken)


def test_a_fitted_model_accepts_its_own_samples_and_a_saved_copy_does_too(tmp_path):
    model = sd.fit(customers(2000), name="customers")
    model.validate(model.sample(3000, seed=1))
    sd.load(model.save(tmp_path / "customers.synth.json")).validate(model.sample(500, seed=2))


def edited(**changes) -> pd.DataFrame:
    df = SHOP.sample(200, seed=5)
    df["plan"] = df["plan"].astype(object)
    for column, (row, value) in changes.items():
        if column in ("age", "active"):
            df[column] = df[column].astype(object)
        df.loc[row, column] = value
    return df


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"age": (3, 120)}, "age: 1 of 200 rows (0.5%): expected values in [18 .. 90], found values outside; e.g. 120"),
        ({"age": (3, 20.5)}, "age: 1 of 200 rows (0.5%): expected whole numbers, found fractions; e.g. 20.5"),
        (
            {"price": (7, 1.234)},
            "price: 1 of 200 rows (0.5%): expected at most 2 decimals, found more decimals; e.g. 1.234",
        ),
        (
            {"price": (7, -3.0)},
            "price: 1 of 200 rows (0.5%): expected values in [0 .. 500], found values outside; e.g. -3",
        ),
        (
            {"plan": (4, "gold")},
            "plan: 1 of 200 rows (0.5%): expected one of 'free', 'pro', 'team', found other values; e.g. 'gold'",
        ),
        ({"plan": (4, None)}, "plan: 1 of 200 rows (0.5%): expected no missing values, found missing values"),
        (
            {"age": (3, "old")},
            "age: 1 of 200 rows (0.5%): expected numbers (dtype int64), found dtype object; e.g. 'old'",
        ),
        (
            {"active": (2, "yes")},
            "active: 1 of 200 rows (0.5%): expected True or False (dtype bool), found dtype object; e.g. 'yes'",
        ),
        ({"end": (5, pd.Timestamp("2019-06-01"))}, "constraint 'start < end': 1 of 200 rows (0.5%)"),
        (
            {"start": (6, pd.Timestamp("2020-03-01 12:00"))},
            "start: 1 of 200 rows (0.5%): expected dates (no time of day), found finer times",
        ),
    ],
)
def test_each_departure_is_named_with_its_column_what_was_expected_and_the_rows(changes, expected):
    assert expected in failure(SHOP, edited(**changes))


def test_a_missing_column_and_with_strict_an_extra_column_fail():
    df = SHOP.sample(50, seed=1).drop(columns="email").assign(extra=1)
    message = failure(SHOP, df, strict=True)
    assert "email: expected a column (" in message
    assert "extra: expected only the model's columns" in message
    assert "extra" not in failure(SHOP, df)


def test_null_rates_are_checked_with_a_tolerance_that_can_be_raised():
    df = SHOP.sample(2000, seed=2)
    df.loc[: len(df) // 2, "note"] = np.nan  # about 65% missing where the schema gives 30%
    message = failure(SHOP, df)
    assert "note: expected a null rate of 30.0% (+- " in message and "raise null_tolerance" in message
    SHOP.validate(df, null_tolerance=0.5)


def test_failures_come_worst_first():
    df = edited(age=(3, 120))
    df.loc[:99, "plan"] = "gold"
    lines = failure(SHOP, df).splitlines()
    assert lines[0] == "dataset 'shop': 200 rows do not match the model in 2 ways:"
    assert lines[1].lstrip().startswith("plan: 100 of 200") and lines[2].lstrip().startswith("age: 1 of 200")


def test_a_fitted_model_checks_real_rows_against_what_its_file_stores():
    real = customers(2000)
    exact = sd.fit(real, name="customers", min_count=1)
    exact.validate(real)
    shifted = real.assign(age=real["age"] + 200)
    assert "age: 2000 of 2000 rows (100.0%): expected values in [" in failure(exact, shifted)
    private = sd.fit(real, name="customers")  # its bounds stop short of the few oldest customers
    assert "a fitted model's bounds stop short of rare real extremes" in failure(private, real)


def test_unique_and_predicate_constraints_are_checked():
    model = sd.Schema(
        "t",
        {"a": sd.Integer(low=0, high=10**6), "b": sd.Integer(low=0, high=10**6)},
        constraints=[sd.Unique("a"), sd.Predicate(lambda df: df["a"] != 7, name="a is not 7")],
    )
    df = pd.DataFrame({"a": [1, 1, 7], "b": [0, 0, 0]})
    message = failure(model, df)
    assert "constraint 'a is unique': 1 of 3 rows" in message
    assert "constraint 'predicate a is not 7': 1 of 3 rows" in message


@pytest.mark.parametrize(
    ("df", "options", "expected"),
    [
        ([1, 2], {}, "validate() needs a pandas DataFrame, got list"),
        (pd.DataFrame({"age": [20]}), {"null_tolerance": 2}, "validate(null_tolerance=2)"),
        (pd.DataFrame({"age": [20]}), {"null_tolerance": "x"}, "validate(null_tolerance='x')"),
        (pd.DataFrame({"age": [20]}), {"columns": ["agee"]}, "validate(columns=...) names ['agee']"),
    ],
)
def test_bad_arguments_are_invalid_argument(df, options, expected):
    with pytest.raises(InvalidArgument) as info:
        SHOP.validate(df, **options)
    assert expected in str(info.value)


def test_a_fitted_column_in_a_time_zone_validates_its_own_samples():
    """A fitted datetime column keeps its source's zone when sampled; validate expected no zone and refused every
    sample of such a model."""
    rng = np.random.default_rng(0)
    stamps = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 10**8, 300), unit="s")
    real = pd.DataFrame({"at": pd.Series(stamps).dt.tz_localize("UTC").dt.tz_convert("Europe/Berlin")})
    model = sd.fit(real, name="zoned")
    model.validate(model.sample(500, seed=1))
    with pytest.raises(FidelityError, match="expected timestamps in time zone Europe/Berlin"):
        model.validate(real.assign(at=real["at"].dt.tz_localize(None)))
