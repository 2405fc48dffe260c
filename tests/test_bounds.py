"""Declarations at the edges: no parameter silently defaults, bounds are exact, ranges are checked up front."""

from __future__ import annotations

import pandas as pd
import pytest

import pytest_synthdata as sd
from pytest_synthdata import errors


def _sample(column: sd.Column, n: int = 2_000) -> pd.Series:
    return sd.Schema("t", columns={"x": column}).sample(n, seed=3)["x"]


MISSING_PARAMETERS = [
    (sd.Integer(mean=50), r"column 'x': a normal distribution needs std= \(or both low= and high="),
    (sd.Float(mean=50), r"column 'x': a normal distribution needs std="),
    (sd.Integer(mean=50, low=0), r"needs std= .*low=0, high=None"),
    (sd.Float(std=5), r"column 'x': a normal distribution needs mean="),
    (sd.Float(distribution="normal"), r"needs mean= and std="),
    (sd.Float(median=3), r"column 'x': a lognormal distribution needs both median= and sigma="),
    (sd.Float(distribution="lognormal", mean=100), r"a lognormal distribution needs both mean= and std="),
    (sd.Datetime(mean="2022-06-01"), r"column 'x': a normal Datetime needs std= \(a timedelta"),
]


@pytest.mark.parametrize(("column", "match"), MISSING_PARAMETERS)
def test_a_missing_spread_parameter_is_an_error_not_a_silent_one(column, match):
    with pytest.raises(errors.InvalidArgument, match=match):
        _sample(column)


def test_integer_mean_with_both_bounds_takes_std_from_them():
    x = _sample(sd.Integer(mean=50, low=0, high=120), n=50_000)
    # std = (120 - 0) / 6 = 20 before truncation at the bounds, far from the old silent std=1
    assert 15 < x.std() < 22
    assert x.min() >= 0 and x.max() <= 120


def test_datetime_mean_with_both_bounds_takes_std_from_them():
    x = _sample(sd.Datetime(mean="2022-07-01", low="2022-01-01", high="2022-12-31"), n=20_000)
    assert pd.Timedelta(days=45) < x.std() < pd.Timedelta(days=75)  # (high - low) / 6 = 60 days


DATETIME_RANGE = [
    (sd.Datetime(mean="2022-01-01", std="1000000D"), r"std='1000000D' is beyond pandas' timedelta range"),
    (sd.Datetime(low="1500-01-01", high="2000-01-01"), r"low='1500-01-01' is outside datetime64\[ns\]'s range"),
]


@pytest.mark.parametrize(("column", "match"), DATETIME_RANGE)
def test_datetimes_outside_pandas_range_fail_at_declaration(column, match):
    with pytest.raises(errors.InvalidArgument, match=match):
        sd.Schema("t", columns={"x": column})


@pytest.mark.parametrize(
    "column",
    [
        sd.Datetime(mean="2022-01-01", std="100000D"),  # 8 std reach past both ends of the range
        sd.Datetime(mean="2262-04-01", std="30D"),  # near the last representable day
        sd.Date(mean="1677-09-25", std="30D"),  # near the first
    ],
)
def test_wide_or_edge_normal_datetimes_stop_inside_the_range(column):
    x = _sample(column)
    assert x.notna().all()
    assert pd.Timestamp.min < x.min() <= x.max() < pd.Timestamp.max
