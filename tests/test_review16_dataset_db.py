"""Review 16: column types and time zones of a Dataset's tables in the database (``synth_<name>_db``)."""

from __future__ import annotations

import os

import pandas as pd
import pytest

import pytest_synthdata as sd
from pytest_synthdata._db import fresh_database, load_frames

sa = pytest.importorskip("sqlalchemy")


def _shop() -> sd.Dataset:
    return sd.Dataset(
        "shop",
        tables={
            "customers": sd.Schema(
                "customers",
                {
                    "id": sd.Id(),
                    "tier": sd.Category({1: 0.5, 2: 0.3, 3: 0.2}),
                    "rate": sd.Category({0.5: 0.5, 1.25: 0.5}),
                    "vip": sd.Category({True: 0.3, False: 0.7}),
                    "plan": sd.Category({"basic": 0.5, "premium": 0.5}),
                },
            ),
            "orders": sd.Schema("orders", {"id": sd.Id(), "qty": sd.Category({2: 0.7, 10: 0.3})}),
        },
        relations=[("orders.customer_id", "customers.id")],
        children={"orders": sd.Integer(low=1, high=3)},
    )


def _engines(tmp_path):
    yield from fresh_database(None, tmp_path, "shop")
    url = os.environ.get("SYNTHDATA_TEST_POSTGRES_URL")
    if url:
        pytest.importorskip("psycopg")
        yield from fresh_database(url, tmp_path, "shop")


def test_a_category_column_is_typed_by_its_categories_in_the_database(tmp_path):
    shop = _shop()
    frames = shop.sample(60, seed=1)
    for engine in _engines(tmp_path):
        load_frames(engine, shop, frames)
        types = {c["name"]: type(c["type"]) for c in sa.inspect(engine).get_columns("customers")}
        assert issubclass(types["tier"], sa.BigInteger)
        assert issubclass(types["rate"], sa.Float)
        assert issubclass(types["vip"], sa.Boolean)
        assert issubclass(types["plan"], sa.Text)
        with engine.connect() as conn:
            total, top = conn.execute(sa.text("select sum(qty), max(qty) from orders")).one()
            back = pd.read_sql_table("customers", conn)
        qty = frames["orders"]["qty"].astype(int)
        assert (int(total), top) == (qty.sum(), qty.max()) and top == 10  # (as text, max() was '2')
        assert back["tier"].tolist() == frames["customers"]["tier"].astype(int).tolist()
        assert back["rate"].tolist() == frames["customers"]["rate"].astype(float).tolist()
        assert back["vip"].tolist() == frames["customers"]["vip"].astype(bool).tolist()


def test_time_zone_aware_timestamps_keep_their_instant_in_the_database(tmp_path):
    users = pd.DataFrame(
        {"id": range(1, 101), "created": pd.date_range("2021-10-30", periods=100, freq="37min", tz="Europe/Berlin")}
    )
    events = pd.DataFrame({"user_id": [i % 100 + 1 for i in range(300)], "v": [float(i) for i in range(300)]})
    app = sd.fit({"users": users, "events": events}, name="app", relations=[("events.user_id", "users.id")])
    frames = app.sample(50, seed=1)
    created = frames["users"]["created"]
    assert str(created.dt.tz) == "Europe/Berlin"
    for engine in _engines(tmp_path):
        load_frames(engine, app, frames)
        with engine.connect() as conn:
            raw = conn.execute(sa.text("select created from users order by id")).scalars().all()
        back = pd.to_datetime(pd.Series(raw, dtype=object), utc=True)  # SQLite: naive UTC; PostgreSQL: aware
        assert (back.to_numpy() == created.dt.tz_convert("UTC").to_numpy()).all()
