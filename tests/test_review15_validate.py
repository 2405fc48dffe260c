"""validate() accepts a schema's own samples and says clearly what is wrong; SDV models refuse native options."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import pytest_synthdata as sd
from pytest_synthdata.errors import FidelityError, InvalidArgument, UnsupportedFeature

BIG = 2**62


def failure(model, df) -> str:
    with pytest.raises(FidelityError) as info:
        model.validate(df)
    return str(info.value)


# bounds ----------------------------------------------------------------------------------------------------


def test_an_unbounded_lognormal_integer_validates_its_own_sample():
    schema = sd.Schema("s", {"x": sd.Integer(median=3, sigma=2)})
    schema.validate(schema.sample(2000, seed=1))


def test_an_unbounded_integer_still_reports_values_below_its_low_end():
    schema = sd.Schema("s", {"x": sd.Integer(median=3, sigma=2)})
    df = schema.sample(50, seed=1)
    df.loc[0, "x"] = -4
    assert "expected values in [0 .. inf]" in failure(schema, df)


def test_integers_near_two_to_the_62_are_compared_exactly_and_shown_in_full():
    schema = sd.Schema("s", {"big": sd.Integer(low=BIG, high=BIG + 1000)})
    df = schema.sample(1000, seed=1)
    schema.validate(df)
    df.loc[0, "big"] = BIG + 1001
    df.loc[1, "big"] = BIG - 1
    text = failure(schema, df)
    assert f"2 of 1000 rows (0.2%): expected values in [{BIG} .. {BIG + 1000}]" in text
    assert str(BIG + 1001) in text and str(BIG - 1) in text


def test_nullable_integers_near_two_to_the_62_are_compared_exactly():
    schema = sd.Schema("s", {"big": sd.Integer(low=BIG, high=BIG + 1000, null_rate=0.1)})
    df = schema.sample(500, seed=3)
    assert str(df["big"].dtype) == "Int64"
    schema.validate(df)
    df.loc[df["big"].notna().idxmax(), "big"] = BIG + 1001
    assert "1 of 500 rows" in failure(schema, df)


# messages --------------------------------------------------------------------------------------------------


def test_a_predicate_returning_missing_values_says_so_and_how_to_fill_them():
    schema = sd.Schema("s", {"a": sd.Integer(null_rate=0.3)}, constraints=[sd.Predicate(lambda df: df.a > 3)])
    with pytest.raises(InvalidArgument, match=r"returned a boolean Series with \d+ missing values.*fillna\(False\)"):
        schema.sample(100, seed=1)


def test_a_predicate_returning_nullable_booleans_without_missing_values_is_accepted():
    schema = sd.Schema(
        "s", {"a": sd.Integer(low=0, high=9)}, constraints=[sd.Predicate(lambda df: df.a.astype("Int64") >= 0)]
    )
    assert len(schema.sample(20, seed=1)) == 20


def test_validate_asks_to_flatten_multiindex_columns():
    schema = sd.Schema("s", {"p": sd.Float(low=0, high=1)})
    df = schema.sample(10, seed=1)
    df.columns = pd.MultiIndex.from_tuples([(c, "x") for c in df.columns])
    with pytest.raises(InvalidArgument, match=r"MultiIndex.*flatten the columns"):
        schema.validate(df)


def test_an_infinity_is_reported_against_the_bounds_without_a_numpy_warning():
    schema = sd.Schema("s", {"price": sd.Float(low=0, high=500, decimals=2)})
    df = schema.sample(50, seed=1)
    df.loc[0, "price"] = np.inf
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        text = failure(schema, df)
    assert "expected finite numbers in [0 .. 500], found infinities" in text


def test_a_time_zone_aware_fitted_column_shows_its_bounds_in_its_zone():
    rng = np.random.default_rng(0)
    start = pd.Timestamp("2024-01-01", tz="Europe/Paris")
    real = pd.DataFrame({"ts": start + pd.to_timedelta(rng.integers(0, 10**6, 300), "s")})
    model = sd.fit(real, name="c")
    bad = real.copy()
    bad["ts"] = bad["ts"].dt.tz_convert("UTC")  # (shown in the column's zone all the same)
    bad.loc[0, "ts"] = pd.Timestamp("2030-01-01", tz="Europe/Paris")
    text = failure(model, bad)
    assert "+01:00 .. " in text and "+01:00]" in text
    assert "e.g. 2030-01-01 00:00:00+01:00" in text


# SDV models ------------------------------------------------------------------------------------------------

NATIVE_ONLY = [
    {"rows": (2, 5)},
    {"edge_cases": 0.2},
    {"edge_kinds": ["null"]},
    {"edge_columns": ["a"]},
    {"balance": "a"},
    {"conditions": {"a": 1}},
]


@pytest.mark.parametrize("options", NATIVE_ONLY, ids=lambda o: next(iter(o)))
def test_an_sdv_model_refuses_native_only_sample_options_by_name(options):
    from pytest_synthdata._backends.sdv import SDVModel

    model = SDVModel.__new__(SDVModel)
    model.name, model.backend = "x", "sdv-gaussian-copula"
    option = next(iter(options))
    with pytest.raises(UnsupportedFeature, match=rf"\({option}=.*fit it with the native engine"):
        model.sample(10, seed=1, **options)


@pytest.mark.parametrize("options", NATIVE_ONLY[:2], ids=lambda o: next(iter(o)))
def test_a_fitted_sdv_model_raises_unsupported_feature_for_native_options(options):
    pytest.importorskip("sdv")
    rng = np.random.default_rng(0)
    real = pd.DataFrame({"a": rng.integers(0, 5, 50), "b": rng.normal(size=50)})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = sd.fit(real, name="t", backend="sdv-gaussian-copula")
        assert len(model.sample(10, seed=1, independent=False)) == 10
    with pytest.raises(UnsupportedFeature, match=next(iter(options))):
        model.sample(10, seed=1, **options)


def test_unique_on_a_faker_pool_smaller_than_the_rows_raises_at_once():
    """It redrew 100 rounds, then said to condition the sample; the pool (1,000 values) can never give 2,000."""
    import pytest_synthdata as sd
    from pytest_synthdata.errors import InvalidConstraint

    s = sd.Schema(
        "s",
        {"name": sd.Faker("first_name", pool_size=1000), "x": sd.Integer(low=0, high=9)},
        constraints=[sd.Unique("name")],
    )
    with pytest.raises(InvalidConstraint, match=r"at most 1,000 distinct values.*unique=True"):
        s.sample(2000, seed=1)
