"""synth_<name>_db: the sampled tables in a real database (SQLite by default, PostgreSQL when configured)."""

from __future__ import annotations

import os
import shutil

import pytest

pytest.importorskip("sqlalchemy")

DATASET = """
import pytest_synthdata as sd

shop = sd.register(sd.Dataset(
    "shop",
    tables={
        "customers": sd.Schema("customers", {
            "id": sd.Id(), "age": sd.Integer(low=18, high=90, null_rate=0.2), "vip": sd.Boolean(p=0.3),
            "signup": sd.Datetime(low="2020-01-01", high="2024-01-01"), "name": sd.Faker("name"),
        }),
        "orders": sd.Schema("orders", {"id": sd.Id(), "total": sd.Float(low=1, high=500)}),
    },
    relations=[("orders.customer_id", "customers.id")],
    children={"orders": sd.Integer(low=0, high=3)},
))
"""

TESTS = """
import sqlalchemy as sa

def test_tables_keys_and_types(synth_shop_db, synth_shop):
    inspector = sa.inspect(synth_shop_db)
    assert set(inspector.get_table_names()) == {"customers", "orders"}
    assert inspector.get_pk_constraint("customers")["constrained_columns"] == ["id"]
    (fk,) = inspector.get_foreign_keys("orders")
    assert fk["referred_table"] == "customers" and fk["constrained_columns"] == ["customer_id"]
    kinds = {c["name"]: type(c["type"]).__name__ for c in inspector.get_columns("customers")}
    assert kinds["age"] in ("BIGINT", "BigInteger") and kinds["vip"] in ("BOOLEAN", "Boolean")
    assert kinds["signup"] in ("DATETIME", "TIMESTAMP") and kinds["name"] in ("TEXT", "Text")
    with synth_shop_db.connect() as conn:
        assert conn.execute(sa.text("select count(*) from customers")).scalar() == len(synth_shop["customers"])
        assert conn.execute(sa.text("select count(*) from customers where age is null")).scalar() > 0
        orphans = conn.execute(sa.text(
            "select count(*) from orders o left join customers c on o.customer_id = c.id where c.id is null"
        )).scalar()
        assert orphans == 0

def test_every_test_gets_a_fresh_database(synth_shop_db):
    with synth_shop_db.begin() as conn:
        conn.execute(sa.text("delete from orders"))
        conn.execute(sa.text("create table scratch (x integer)"))

def test_and_the_next_one_does_not_see_it(synth_shop_db):
    with synth_shop_db.connect() as conn:
        assert conn.execute(sa.text("select count(*) from orders")).scalar() > 0
        assert "scratch" not in sa.inspect(synth_shop_db).get_table_names()
"""


def test_the_db_fixture_loads_sqlite_with_keys_and_types(pytester):
    pytester.makeconftest(DATASET)
    pytester.makepyfile(TESTS)
    pytester.runpytest("-p", "no:randomly", "-p", "no:xdist").assert_outcomes(passed=3)


def _postgres_url() -> str | None:
    return os.environ.get("SYNTHDATA_TEST_POSTGRES_URL")


@pytest.mark.skipif(
    not _postgres_url() and not shutil.which("pg_ctl"),
    reason="PostgreSQL: set SYNTHDATA_TEST_POSTGRES_URL (CI starts a server) or install its binaries",
)
def test_the_db_fixture_loads_postgresql_when_a_url_is_configured(pytester):
    url = _postgres_url()
    if url is None:
        pytest.skip("PostgreSQL binaries found but no server URL: set SYNTHDATA_TEST_POSTGRES_URL")
    pytest.importorskip("psycopg")
    pytester.makeconftest(DATASET)
    pytester.makeini(f"[pytest]\nsynthdata_db_url = {url}\n")
    pytester.makepyfile(TESTS)
    pytester.runpytest("-p", "no:randomly", "-p", "no:xdist").assert_outcomes(passed=3)


def test_the_db_fixture_uses_pytest_postgresqls_server_when_configured(pytester):
    """``synthdata_db_url = postgresql_proc`` reads the server from that fixture (here one standing in for it)."""
    url = _postgres_url()
    if url is None:
        pytest.skip("needs a PostgreSQL server: set SYNTHDATA_TEST_POSTGRES_URL")
    pytest.importorskip("psycopg")
    import sqlalchemy as sa

    server = sa.engine.make_url(url)
    pytester.makeconftest(
        DATASET
        + f"""
import types, pytest

@pytest.fixture(scope="session")
def postgresql_proc():
    return types.SimpleNamespace(user={server.username!r}, password={server.password!r}, host={server.host!r},
                                 port={server.port!r}, dbname={server.database!r})
"""
    )
    pytester.makeini("[pytest]\nsynthdata_db_url = postgresql_proc\n")
    pytester.makepyfile(
        """
        def test_on_postgresql(synth_shop_db):
            assert synth_shop_db.dialect.name == "postgresql"
            assert synth_shop_db.url.database.startswith("synth_shop_")
        """
    )
    pytester.runpytest("-p", "no:randomly", "-p", "no:xdist").assert_outcomes(passed=1)
