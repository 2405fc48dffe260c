"""Property tests: any valid schema samples frames that keep every declared promise."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pytest_synthdata as sd
from pytest_synthdata.errors import CorrelationRepairedWarning

N = 3000
null_rates = st.sampled_from([0.0, 0.0, 0.1, 0.3])


@st.composite
def integer_columns(draw):
    low = draw(st.integers(-1000, 1000))
    high = low + draw(st.integers(1, 5000))
    kind = draw(st.sampled_from(["uniform", "normal", "poisson"]))
    if kind == "poisson":
        return sd.Integer(lam=draw(st.floats(0.2, 30)), null_rate=draw(null_rates))
    if kind == "normal":
        mean = draw(st.floats(low, high))
        return sd.Integer(mean=mean, std=draw(st.floats(1, 2000)), low=low, high=high, null_rate=draw(null_rates))
    return sd.Integer(low=low, high=high, null_rate=draw(null_rates))


@st.composite
def float_columns(draw):
    kind = draw(st.sampled_from(["uniform", "normal", "lognormal", "exponential"]))
    decimals = draw(st.none() | st.integers(0, 4))
    if kind == "lognormal":
        return sd.Float(
            median=draw(st.floats(0.01, 1e6)),
            sigma=draw(st.floats(0.05, 2)),
            decimals=decimals,
            null_rate=draw(null_rates),
        )
    if kind == "exponential":
        return sd.Float(
            distribution="exponential", scale=draw(st.floats(0.1, 100)), decimals=decimals, null_rate=draw(null_rates)
        )
    low = draw(st.floats(-1e6, 1e6))
    high = low + draw(st.floats(1, 1e6))
    if kind == "normal":
        return sd.Float(
            mean=(low + high) / 2,
            std=(high - low) / draw(st.floats(0.5, 8)),
            low=low,
            high=high,
            decimals=decimals,
            null_rate=draw(null_rates),
        )
    return sd.Float(low=low, high=high, decimals=decimals, null_rate=draw(null_rates))


@st.composite
def category_columns(draw):
    k = draw(st.integers(1, 6))
    weights = draw(st.lists(st.floats(0.05, 1), min_size=k, max_size=k))
    return sd.Category({f"v{i}": w for i, w in enumerate(weights)}, normalize=True, null_rate=draw(null_rates))


@st.composite
def date_columns(draw):
    start = pd.Timestamp("1950-01-01") + pd.Timedelta(days=draw(st.integers(0, 30_000)))
    end = start + pd.Timedelta(days=draw(st.integers(1, 5000)))
    cls = draw(st.sampled_from([sd.Date, sd.Datetime]))
    return cls(low=start, high=end, null_rate=draw(null_rates))


modelled_columns = st.one_of(
    integer_columns(),
    float_columns(),
    category_columns(),
    st.builds(sd.Boolean, p=st.floats(0.05, 0.95), null_rate=null_rates),
    date_columns(),
)


@st.composite
def schemas(draw):
    k = draw(st.integers(1, 5))
    columns = {f"c{i}": draw(modelled_columns) for i in range(k)}
    if draw(st.booleans()):
        columns["who"] = sd.Faker(draw(st.sampled_from(["name", "email", "city"])), null_rate=draw(null_rates))
    if draw(st.booleans()):
        columns["key"] = sd.Id(draw(st.sampled_from(["sequential", "uuid", "K{:05d}"])))
    names = [f"c{i}" for i in range(k)]
    pairs = [(a, b) for i, a in enumerate(names) for b in names[i + 1 :]]
    chosen = draw(st.lists(st.sampled_from(pairs), unique=True, max_size=len(pairs))) if pairs else []
    correlations = {p: draw(st.floats(-0.8, 0.8).map(lambda x: round(x, 2))) for p in chosen}
    constraints = []
    if draw(st.booleans()):
        columns["start"] = sd.Date(low="2020-01-01", high="2022-12-31")
        columns["end"] = sd.Datetime(low="2020-06-01", high="2023-12-31")
        constraints.append("start < end")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CorrelationRepairedWarning)
        return sd.Schema("prop", columns, correlations=correlations, constraints=constraints)


def _bounds(decl):
    low = getattr(decl, "low", None)
    high = getattr(decl, "high", None)
    if isinstance(decl, sd.Datetime):
        return pd.Timestamp(low), pd.Timestamp(high)
    return low, high


def _ranks(series: pd.Series) -> pd.Series:
    if isinstance(series.dtype, pd.CategoricalDtype):
        return series.cat.codes.where(series.notna())
    if series.dtype.kind == "M":
        return series.astype("int64").where(series.notna())
    return series.astype("float64")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(schema=schemas(), seed=st.integers(0, 2**32))
def test_random_schemas_keep_dtypes_bounds_nulls_constraints_and_correlations(schema, seed):
    df = schema.sample(N, seed=seed)
    assert len(df) == N
    assert {c: str(t) for c, t in df.dtypes.items()} == schema.dtypes

    for name, decl in schema.declarations.items():
        values = df[name].dropna()
        low, high = _bounds(decl)
        if (
            isinstance(decl, (sd.Integer, sd.Float, sd.Datetime))
            and low is not None
            and high is not None
            and len(values)
        ):
            assert values.min() >= low and values.max() <= high, name
        if isinstance(decl, sd.Float) and decl.decimals is not None and len(values):
            scaled = values.to_numpy() * 10**decl.decimals
            assert np.allclose(scaled, np.round(scaled), atol=1e-6 * np.maximum(1, np.abs(scaled))), name
        rate = decl.null_rate
        observed = df[name].isna().mean()
        tolerance = 5 * math.sqrt(rate * (1 - rate) / N) + 1 / N
        assert abs(observed - rate) <= tolerance, (name, observed, rate)

    for c in schema.constraints:
        both = df[[c.low, c.high]].dropna()
        assert (both[c.low] < both[c.high]).all()

    for (a, b), target in schema.correlations.items():
        pair = pd.DataFrame({"a": _ranks(df[a]), "b": _ranks(df[b])}).dropna()
        if pair["a"].nunique() < 2 or pair["b"].nunique() < 2:
            continue
        achieved = pair["a"].corr(pair["b"], method="spearman")
        tolerance = 5 / math.sqrt(len(pair)) + 0.01
        assert abs(achieved - target) <= tolerance, ((a, b), achieved, target)


@settings(max_examples=25, deadline=None)
@given(schema=schemas(), n=st.integers(0, 300), extra=st.integers(1, 5000), seed=st.integers(0, 2**63 - 1))
def test_sampling_is_row_stable_for_any_schema(schema, n, extra, seed):
    pd.testing.assert_frame_equal(schema.sample(n, seed=seed), schema.sample(n + extra, seed=seed).iloc[:n])
