"""A tiny piece of "application code" for the example tests to exercise."""

from __future__ import annotations

import pandas as pd

DISCOUNTS = {"SPRING10": 0.10, "VIP20": 0.20}


def order_totals(orders: pd.DataFrame) -> pd.Series:
    """Return each order's total after its coupon, rounded to cents."""
    gross = orders["quantity"] * orders["unit_price"]
    rate = orders["coupon"].astype("object").map(DISCOUNTS).fillna(0.0).astype(float)
    return (gross * (1 - rate)).round(2)


def retention_by_plan(customers: pd.DataFrame) -> pd.Series:
    """Return the share of customers who did not churn, per plan."""
    return (~customers["churned"]).groupby(customers["plan"], observed=False).mean()


def days_active(customers: pd.DataFrame) -> pd.Series:
    """Return whole days between signup and the last login."""
    return (customers["last_login"] - customers["signup_date"]).dt.days
