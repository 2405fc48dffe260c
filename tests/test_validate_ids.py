"""validate(): an id column, and a Faker column declared unique, hold distinct values; a repeat fails, named."""

from __future__ import annotations

import pandas as pd
import pytest

import pytest_synthdata as sd
from pytest_synthdata.errors import FidelityError

orders = sd.Schema(
    "orders",
    {
        "order_id": sd.Id("ORD-{:05d}"),
        "email": sd.Faker("email", unique=True),
        "city": sd.Faker("city"),
        "amount": sd.Float(low=1, high=500, decimals=2),
    },
)


def test_a_sample_of_distinct_ids_passes():
    orders.validate(orders.sample(300, seed=1))


def test_a_repeated_id_fails_naming_the_column_the_rows_and_the_value():
    df = orders.sample(50, seed=1)
    df.loc[7, "order_id"] = df.loc[3, "order_id"]
    df.loc[9, "order_id"] = df.loc[3, "order_id"]
    with pytest.raises(FidelityError) as failure:
        orders.validate(df)
    message = str(failure.value)
    assert "order_id: 2 of 50 rows (4.0%): expected distinct ids, found repeated ones" in message
    assert repr(df.loc[3, "order_id"]) in message
    assert [p.subject for p in failure.value.failures] == ["order_id"]


def test_a_unique_faker_column_must_not_repeat_but_a_plain_one_may():
    df = orders.sample(50, seed=1)
    df["city"] = df.loc[0, "city"]  # (not declared unique: repeats are fine)
    orders.validate(df)
    df.loc[5, "email"] = df.loc[6, "email"]
    with pytest.raises(FidelityError, match=r"email: 1 of 50 rows .*expected distinct values \(unique=True\)"):
        orders.validate(df)


def test_a_fitted_id_column_is_checked_too():
    real = pd.DataFrame({"user": [f"U{i:04d}" for i in range(200)], "x": range(200)})
    model = sd.fit(real, name="users")
    assert model.info["columns"]["user"]["kind"] == "id", model.info["columns"]["user"]
    model.validate(model.sample(100, seed=2))
    bad = model.sample(100, seed=2)
    bad.loc[1, "user"] = bad.loc[0, "user"]
    with pytest.raises(FidelityError, match="user: 1 of 100 rows"):
        model.validate(bad)
