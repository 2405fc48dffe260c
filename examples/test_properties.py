"""Property-based tests: Hypothesis draws realistic rows, and a failure shrinks to the most typical row.

``frames(customers)`` draws whole DataFrames (the model's columns, dtypes and
correlations), ``rows(orders)`` single rows as dicts. A failing example prints
the smallest frame that still fails: one row, every column at its typical
value (median age, the most common plan, ...) except the one that breaks the
code. Keep ``synth_*`` fixtures out of ``@given`` tests: a fixture is one frame
for the whole test, so Hypothesis could neither vary nor shrink it.
"""

import pandas as pd
from billing import DISCOUNTS, days_active, order_totals, retention_by_plan
from conftest import customers, orders
from hypothesis import given, settings

from pytest_synthdata.strategies import frames, rows


@settings(max_examples=25, deadline=None)
@given(frames(customers, max_size=20))
def test_nobody_logs_in_before_signing_up(df):
    assert (days_active(df) >= 0).all()


@settings(max_examples=25, deadline=None)
@given(frames(customers, min_size=1, max_size=20, conditions={"plan": ["pro", "enterprise"]}))
def test_retention_is_a_share_for_paying_plans(df):
    retention = retention_by_plan(df).dropna()
    assert retention.between(0, 1).all()


@settings(max_examples=50, deadline=None)
@given(rows(orders))
def test_a_coupon_never_raises_the_total(order):
    frame = pd.DataFrame([order])
    full = round(order["quantity"] * order["unit_price"], 2)
    assert order_totals(frame).iloc[0] <= full
    assert pd.isna(order["coupon"]) or order["coupon"] in DISCOUNTS
