"""Schema fixes from review 15: building, order constraints within reach, one-sided bounds, lookups."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import pytest_synthdata as sd
from pytest_synthdata._columns import NumericColumn
from pytest_synthdata._model import Model
from pytest_synthdata.errors import InvalidArgument, InvalidConstraint


# 1. measuring constrained correlations draws only the modelled columns ---------------------------------------
def test_schema_with_a_unique_faker_column_and_a_constrained_correlation_builds():
    schema = sd.Schema(
        "users",
        {
            "email": sd.Faker("email", unique=True),
            "signup": sd.Date(low="2020-01-01", high="2024-12-31"),
            "last_login": sd.Date(low="2020-01-01", high="2025-06-30"),
            "age": sd.Integer(low=18, high=90),
        },
        correlations={("age", "signup"): 0.3},
        constraints=["signup < last_login"],
    )
    df = schema.sample(200, seed=1)
    assert df["email"].is_unique
    assert (df["signup"] < df["last_login"]).all()


def test_schema_with_a_unique_rule_on_few_values_and_a_constrained_correlation_builds():
    schema = sd.Schema(
        "seats",
        {"seat": sd.Integer(low=1, high=200), "a": sd.Integer(low=0, high=10), "b": sd.Integer(low=0, high=20)},
        correlations={("a", "seat"): 0.3},
        constraints=[sd.Unique("seat"), "a < b"],
    )
    assert schema.sample(150, seed=1)["seat"].is_unique


@pytest.mark.filterwarnings("ignore::pytest_synthdata.errors.CorrelationRepairedWarning")
def test_building_a_schema_runs_no_derived_function():
    calls = []

    def total(df):
        calls.append(len(df))
        return df["a"] + df["b"]

    schema = sd.Schema(
        "s",
        {"a": sd.Integer(low=0, high=10), "b": sd.Integer(low=0, high=20), "total": sd.Derived(total)},
        correlations={("a", "b"): 0.3},
        constraints=["a < b"],
    )
    assert calls == []
    schema.sample(5, seed=1)
    assert calls == [5]


# 2. a Poisson column raised above a bound (given a correlated row) ----------------------------------------------
def test_poisson_column_redrawn_beyond_its_table_given_the_row():
    a = NumericColumn("a", dist="uniform", params={"low": 0.5, "high": 1000.5}, integer=True, bounds=(1, 1000))
    b = NumericColumn("b", dist="poisson", params={"lam": 3.0}, integer=True)
    df = Model("m", [a, b], order_constraints=[("a", "b", False)]).sample(100, seed=1)
    assert (df["a"] <= df["b"]).all()


def test_poisson_column_in_an_order_constraint_samples():
    schema = sd.Schema("s", {"a": sd.Integer(low=1, high=1000), "b": sd.Integer(lam=3)}, constraints=["a <= b"])
    df = schema.sample(100, seed=1)
    assert (df["a"] <= df["b"]).all()
    schema.validate(df)


# 3. order constraints keep each column inside what its distribution reaches --------------------------------------
def test_order_constraint_keeps_a_quantiles_column_inside_its_ends():
    schema = sd.Schema(
        "s", {"a": sd.Integer(low=0, high=100), "b": sd.Integer(quantiles=[0, 5, 10])}, constraints=["a < b"]
    )
    df = schema.sample(1000, seed=1)
    assert df["b"].between(0, 10).all()
    assert (df["a"] < df["b"]).all()
    schema.validate(df)


@pytest.mark.parametrize(
    "columns",
    [
        {"a": sd.Float(low=100, high=200), "b": sd.Float(quantiles=[0, 1])},
        {"a": sd.Float(mean=100, std=1), "b": sd.Float(mean=0, std=1)},
        {"a": sd.Datetime(mean="2024-01-01", std="10D"), "b": sd.Datetime(mean="2020-01-01", std="10D")},
    ],
)
def test_order_constraint_beyond_the_distributions_reach_can_never_hold(columns):
    with pytest.raises(InvalidConstraint, match="can never hold"):
        sd.Schema("s", columns, constraints=["a < b"])


def test_order_constraint_between_unbounded_normals_samples_valid_rows():
    schema = sd.Schema("s", {"a": sd.Float(mean=0, std=1), "b": sd.Float(mean=1, std=1)}, constraints=["a < b"])
    df = schema.sample(1000, seed=1)
    assert (df["a"] < df["b"]).all()
    schema.validate(df)


# 4. one-sided bounds reach the default span from the declared end ------------------------------------------------
@pytest.mark.parametrize(
    ("column", "low", "high"),
    [
        (sd.Integer(), 0, 100),
        (sd.Integer(high=1), -99, 1),
        (sd.Integer(high=-5), -105, -5),
        (sd.Integer(low=5), 5, 105),
        (sd.Float(low=50), 50, 150),
        (sd.Float(high=0.5), -99.5, 0.5),
    ],
)
def test_one_sided_numeric_bound_reaches_100_toward_the_open_side(column, low, high):
    df = sd.Schema("s", {"x": column}).sample(5000, seed=1)
    assert df["x"].min() >= low and df["x"].max() <= high
    assert df["x"].min() < low + 5 and df["x"].max() > high - 5


SPAN = pd.Timestamp("2025-12-31") - pd.Timestamp("2020-01-01")


@pytest.mark.parametrize(
    ("column", "low", "high"),
    [
        (sd.Date(), "2020-01-01", "2025-12-31"),
        (sd.Date(low="2026-01-01"), "2026-01-01", pd.Timestamp("2026-01-01") + SPAN),
        (sd.Datetime(high="2020-01-02"), pd.Timestamp("2020-01-02") - SPAN, "2020-01-02"),
        (sd.Datetime(high="2019-06-01"), pd.Timestamp("2019-06-01") - SPAN, "2019-06-01"),
        (sd.Datetime(low="2024-06-01"), "2024-06-01", pd.Timestamp("2024-06-01") + SPAN),
    ],
)
def test_one_sided_date_bound_spans_the_default_days_toward_the_open_side(column, low, high):
    x = sd.Schema("s", {"x": column}).sample(5000, seed=1)["x"]
    low, high = pd.Timestamp(low), pd.Timestamp(high)
    assert x.min() >= low and x.max() <= high
    assert x.min() - low < pd.Timedelta(days=10) and high - x.max() < pd.Timedelta(days=10)


# 5. small ones ----------------------------------------------------------------------------------------------
def test_correlations_are_looked_up_in_either_order():
    schema = sd.Schema(
        "s",
        {"age": sd.Integer(low=18, high=90), "cat50": sd.Category(list(range(50)))},
        correlations={("cat50", "age"): 0.3},
    )
    for pairs in (schema.correlations, schema.declared_correlations):
        assert pairs[("cat50", "age")] == pairs[("age", "cat50")]
        assert ("cat50", "age") in pairs and pairs.get(("cat50", "age")) is not None
    assert schema.correlations[("cat50", "age")] == pytest.approx(0.3, abs=0.01)


def test_scale_alone_means_an_exponential_distribution():
    x = sd.Schema("s", {"x": sd.Float(scale=2.0)}).sample(20_000, seed=1)["x"]
    assert x.min() >= 0
    assert x.mean() == pytest.approx(2.0, rel=0.05)
    assert np.all(sd.Schema("s", {"x": sd.Integer(scale=0.01)}).sample(100, seed=1)["x"] == 0)


def test_scale_with_another_distributions_parameter_says_which_is_which():
    with pytest.raises(InvalidArgument, match="scale: exponential"):
        sd.Schema("s", {"x": sd.Float(scale=2.0, std=1.0)})


def test_an_integer_lognormal_in_an_order_constraint_keeps_its_open_end():
    """Its extreme value overflows int64 (value_range's high end comes out negative): that is no reach, and the
    constraint a < b holds on the samples, which validate."""
    s = sd.Schema("s", {"a": sd.Integer(low=0, high=10), "b": sd.Integer(median=3, sigma=2)}, constraints=["a < b"])
    df = s.sample(1000, seed=1)
    assert (df.a < df.b).all()
    s.validate(df)


def test_a_derived_series_in_another_row_order_is_aligned_by_label():
    """``lambda df: df["a"].sort_values()`` was taken by position: t != a in most rows."""
    s = sd.Schema(
        "d",
        {"a": sd.Integer(low=0, high=1000), "t": sd.Derived(lambda df: df["a"].sort_values())},
    )
    df = s.sample(200, seed=1)
    assert (df["t"] == df["a"]).all()
    # an index of its own (a fresh RangeIndex) is still taken by position
    r = sd.Schema("r", {"a": sd.Integer(low=0, high=9), "t": sd.Derived(lambda df: df["a"].reset_index(drop=True) * 2)})
    rows = r.sample(30, seed=2, rows=(10, 30))
    assert (rows["t"] == rows["a"] * 2).all()
