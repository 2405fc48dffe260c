"""Realistic tables shared by the tests (built with numpy; no downloads)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def customers(n: int = 4000, seed: int = 0, *, missing: bool = True) -> pd.DataFrame:
    """A realistic mixed table with known structure."""
    rng = np.random.default_rng(seed)
    z = rng.multivariate_normal([0, 0, 0], [[1, 0.7, -0.4], [0.7, 1, -0.3], [-0.4, -0.3, 1]], size=n)
    age = np.clip(np.round(40 + 12 * z[:, 0]), 18, 90).astype(np.int64)
    income = np.round(np.exp(10.5 + 0.5 * z[:, 1]), 2)
    plan = np.where(z[:, 1] > 0.8, "enterprise", np.where(z[:, 1] > -0.2, "pro", "free"))
    churned = z[:, 2] > 0.8
    signup = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 1500, n), unit="D")
    df = pd.DataFrame(
        {
            "customer_id": np.arange(1, n + 1),
            "email": [f"user{i}@example.com" for i in range(n)],
            "age": age,
            "income": income,
            "plan": plan,
            "churned": churned,
            "signup": signup,
            "visits": rng.poisson(4, n),
        }
    )
    # income is missing for young customers more often: missingness depends on another column
    if missing:
        gone = rng.random(n) < np.where(age < 30, 0.4, 0.02)
        df.loc[gone, "income"] = np.nan
    return df
