"""Example datasets: one register() line each turns them into fixtures.

Every test in this folder can ask for ``synth_customers`` (a DataFrame),
``synth_customers_factory`` (a callable), and the same for ``orders``.
"""

import pytest_synthdata as sd

customers = sd.register(
    sd.Schema(
        "customers",
        columns={
            "customer_id": sd.Id("CUST-{:06d}"),
            "name": sd.Faker("name"),
            "email": sd.Faker("email", unique=True),
            "age": sd.Integer(mean=41, std=13, low=18, high=95),
            "income": sd.Float(median=52_000, sigma=0.55, low=0, decimals=2, null_rate=0.04),
            "plan": sd.Category({"free": 0.62, "pro": 0.30, "enterprise": 0.08}),
            "churned": sd.Boolean(p=0.18),
            "signup_date": sd.Date(low="2019-01-01", high="2024-12-31"),
            "last_login": sd.Datetime(low="2019-01-01", high="2025-06-30"),
        },
        correlations={
            ("age", "income"): 0.45,  # older customers earn more
            ("income", "plan"): 0.40,  # ...and buy bigger plans
            ("plan", "churned"): -0.25,  # paying customers churn less
        },
        constraints=["signup_date < last_login"],
    )
)

orders = sd.register(
    sd.Schema(
        "orders",
        columns={
            "order_id": sd.Id("uuid"),
            "quantity": sd.Integer(lam=2.2, low=1, high=50),
            "unit_price": sd.Float(median=19.0, sigma=0.8, low=0.5, high=2_000, decimals=2),
            "coupon": sd.Category({"SPRING10": 0.6, "VIP20": 0.4}, null_rate=0.7),  # most orders have none
            "country": sd.Faker("country_code"),
        },
        correlations={("quantity", "unit_price"): -0.3},  # expensive items sell in ones
    )
)
