"""A small 'real' shop for the linked-tables tests: customers -> orders -> lines, products <- lines.

Premium customers place more orders, and bigger ones: what a fitted Dataset must reproduce.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def shop(customers: int = 600, seed: int = 0) -> dict[str, pd.DataFrame]:
    """Return {"customers", "products", "orders", "lines"} frames with integer keys (premium: more, bigger orders)."""
    rng = np.random.default_rng(seed)
    premium = rng.random(customers) < 0.3
    signup = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 1000, customers), unit="D")
    c = pd.DataFrame(
        {
            "id": np.arange(100, 100 + customers),
            "tier": np.where(premium, "premium", "basic"),
            "income": np.round(np.where(premium, 90_000, 45_000) * rng.lognormal(0, 0.3, customers), 0),
            "signup": signup,
        }
    )
    n_orders = rng.poisson(np.where(premium, 6.0, 1.5))
    owner = np.repeat(np.arange(customers), n_orders)
    o = pd.DataFrame(
        {
            "id": np.arange(1, len(owner) + 1),
            "customer_id": c["id"].to_numpy()[owner],
            "total": np.round(np.where(premium[owner], 300.0, 60.0) * rng.lognormal(0, 0.4, len(owner)), 2),
            "placed": signup[owner] + pd.to_timedelta(rng.integers(1, 400, len(owner)), unit="D"),
        }
    )
    products = pd.DataFrame({"sku": [f"P{i:03d}" for i in range(40)], "price": np.round(rng.uniform(1, 80, 40), 2)})
    n_lines = 1 + rng.poisson(1.5, len(o))
    order_of = np.repeat(np.arange(len(o)), n_lines)
    lines = pd.DataFrame(
        {
            "order_id": o["id"].to_numpy()[order_of],
            "sku": products["sku"].to_numpy()[rng.integers(0, 40, len(order_of))],
            "qty": 1 + rng.poisson(1.0, len(order_of)),
        }
    )
    return {"customers": c, "products": products, "orders": o, "lines": lines}


RELATIONS = [("orders.customer_id", "customers.id"), ("lines.order_id", "orders.id"), ("lines.sku", "products.sku")]
