"""Review 15: a table's own model, key mismatches at fit, reserved column names, database keys."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import pytest_synthdata as sd
from pytest_synthdata.errors import FidelityError, InvalidArgument, SynthdataWarning

RELATION = [("orders.customer_id", "customers.id")]


def frames(seed: int = 0, customers: int = 120) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    premium = rng.random(customers) < 0.4
    people = pd.DataFrame(
        {
            "id": np.arange(1, customers + 1),
            "tier": np.where(premium, "premium", "basic"),
            "age": rng.integers(18, 80, customers),
        }
    )
    owner = np.repeat(np.arange(customers), rng.poisson(np.where(premium, 4.0, 1.5)))
    orders = pd.DataFrame(
        {
            "id": np.arange(1, len(owner) + 1),
            "customer_id": people["id"].to_numpy()[owner],
            "total": np.round(np.where(premium[owner], 200.0, 50.0) * rng.lognormal(0, 0.3, len(owner)), 2),
        }
    )
    return {"customers": people, "orders": orders}


@pytest.fixture(scope="module")
def fitted() -> sd.Dataset:
    return sd.fit(frames(), name="shop", relations=RELATION)


def plans() -> sd.Dataset:
    return sd.Dataset(
        "plans",
        tables={
            "customers": sd.Schema("customers", {"id": sd.Id(), "plan": sd.Category({"basic": 0.7, "premium": 0.3})}),
            "orders": sd.Schema("orders", {"amount": sd.Float(low=1, high=500)}),
        },
        relations=RELATION,
        children={"orders": sd.Integer(low=1, high=5)},
        correlations={("customers.plan", "orders.amount"): 0.4},
    )


# a table's own model -----------------------------------------------------------------------------------------------


def test_a_fitted_tables_own_samples_validate_against_its_model(fitted):
    sample = fitted.sample(100, seed=1)
    fitted.model("orders").validate(sample["orders"])
    fitted.model("customers").validate(sample["customers"])
    assert fitted.tables["orders"].columns == fitted.model("orders").columns


def test_a_declared_childs_own_samples_validate_with_cross_table_correlations():
    dataset = plans()
    sample = dataset.sample(100, seed=1)
    dataset.model("orders").validate(sample["orders"])
    dataset.model("customers").validate(sample["customers"])


def test_a_tables_own_model_samples_only_its_own_columns(fitted):
    assert list(fitted.model("orders").sample(50, seed=1).columns) == ["id", "total"]
    assert list(fitted.model("customers").sample(50, seed=1).columns) == ["tier", "age"]
    assert list(plans().model("orders").sample(20, seed=1).columns) == ["amount"]


def test_the_datasets_own_sampling_is_unchanged_by_the_tables_models(fitted):
    before = fitted.sample(60, seed=3)
    fitted.model("orders")
    after = fitted.sample(60, seed=3)
    for table in before:
        pd.testing.assert_frame_equal(before[table], after[table])


def test_dataset_validate_passes_a_sample_and_names_a_dangling_key(fitted):
    sample = fitted.sample(80, seed=2)
    fitted.validate(sample)
    broken = dict(sample)
    broken["orders"] = sample["orders"].copy()
    broken["orders"].loc[0, "customer_id"] = 10**6
    with pytest.raises(FidelityError, match=r"orders.customer_id -> customers.id: 1 of \d+ rows refer to no row"):
        fitted.validate(broken)


# keys that do not match at fit ----------------------------------------------------------------------------------


def test_fit_names_the_relation_and_both_dtypes_when_no_child_key_matches():
    customers = pd.DataFrame({"id": range(1, 51), "x": [1.0, 2.0] * 25})
    orders = pd.DataFrame({"customer_id": [str(i % 50 + 1) for i in range(200)], "amt": range(200)})
    with pytest.raises(InvalidArgument) as info:
        sd.fit({"customers": customers, "orders": orders}, name="s", relations=RELATION)
    message = str(info.value)
    assert "orders.customer_id -> customers.id" in message and "no key of orders.customer_id matches" in message
    assert "int64" in message and "'1'" in message and "astype" in message


def test_fit_warns_with_the_count_of_child_rows_whose_key_has_no_parent():
    data = frames(customers=60)
    data["orders"].loc[:9, "customer_id"] = 10**6
    with pytest.warns(SynthdataWarning, match=r"10 of \d+ rows of 'orders' refer to no row of 'customers'"):
        dataset = sd.fit(data, name="shop", relations=RELATION)
    assert dataset.info["tables"]["orders"]["rows_left_out"] == 10


def test_fit_does_not_warn_when_every_child_key_matches():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sd.fit(frames(customers=60), name="shop", relations=RELATION)


# reserved column names ----------------------------------------------------------------------------------------------


def test_fit_refuses_a_child_column_named_like_a_parent_coordinate():
    data = frames(customers=60)
    data["orders"] = data["orders"].rename(columns={"total": "customers.age"})
    with pytest.raises(InvalidArgument, match=r"'customers.age', a name reserved .* rename it"):
        sd.fit(data, name="shop", relations=RELATION)


def test_fit_refuses_a_parent_column_named_like_a_child_count():
    data = frames(customers=60)
    data["customers"] = data["customers"].assign(**{"#orders": 3})
    with pytest.raises(InvalidArgument, match=r"'#orders', a name reserved .* 'n_orders'"):
        sd.fit(data, name="shop", relations=RELATION)


def test_a_declared_child_column_named_like_a_parent_coordinate_is_refused():
    with pytest.raises(InvalidArgument, match=r"'customers.plan', a name the dataset keeps"):
        sd.Dataset(
            "plans",
            tables={
                "customers": sd.Schema("customers", {"id": sd.Id(), "plan": sd.Category({"a": 0.5, "b": 0.5})}),
                "orders": sd.Schema(
                    "orders", {"amount": sd.Float(low=1, high=500), "customers.plan": sd.Float(low=0, high=1)}
                ),
            },
            relations=RELATION,
            children={"orders": sd.Integer(low=1, high=5)},
            correlations={("customers.plan", "orders.amount"): 0.4},
        )


# database keys ------------------------------------------------------------------------------------------------------


def shop() -> sd.Dataset:
    return sd.Dataset(
        "shop",
        tables={
            "customers": sd.Schema("customers", {"id": sd.Id(), "vip": sd.Boolean(p=0.2)}),
            "orders": sd.Schema("orders", {"id": sd.Id(), "total": sd.Float(low=1, high=500)}),
        },
        relations=RELATION,
        children={"orders": sd.Integer(low=1, high=3)},
    )


def test_the_database_declares_a_childs_own_id_its_primary_key_and_enforces_foreign_keys(tmp_path):
    sa = pytest.importorskip("sqlalchemy")
    from pytest_synthdata._db import fresh_database, load_frames

    dataset = shop()
    for engine in fresh_database(None, tmp_path, "shop"):
        load_frames(engine, dataset, dataset.sample(10, seed=1))
        assert sa.inspect(engine).get_pk_constraint("orders")["constrained_columns"] == ["id"]
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
            conn.exec_driver_sql("insert into orders (id, total, customer_id) values (999, 1.0, 123456)")


def test_the_db_fixtures_engine_refuses_orphan_rows(pytester):
    pytest.importorskip("sqlalchemy")
    pytester.makeconftest(
        """
        import pytest_synthdata as sd

        sd.register(sd.Dataset(
            "shop",
            tables={
                "customers": sd.Schema("customers", {"id": sd.Id()}),
                "orders": sd.Schema("orders", {"id": sd.Id(), "total": sd.Float(low=1, high=500)}),
            },
            relations=[("orders.customer_id", "customers.id")],
            children={"orders": sd.Integer(low=1, high=3)},
        ))
        """
    )
    pytester.makepyfile(
        """
        import pytest
        import sqlalchemy as sa

        def test_orphans(synth_shop_db):
            assert sa.inspect(synth_shop_db).get_pk_constraint("orders")["constrained_columns"] == ["id"]
            with pytest.raises(sa.exc.IntegrityError), synth_shop_db.begin() as conn:
                conn.execute(sa.text("insert into orders (id, total, customer_id) values (999, 1.0, 123456)"))
        """
    )
    pytester.runpytest("-p", "no:randomly", "-p", "no:xdist").assert_outcomes(passed=1)


def test_a_text_parent_key_has_the_childrens_dtype():
    """The parent's generated text keys were object while the children's copies of them inferred str (pandas 3):
    equal values, unequal frames after a Parquet round trip."""
    parents = pd.DataFrame({"pid": [f"p{i}" for i in range(40)], "x": range(40)})
    children = pd.DataFrame({"pid": [f"p{i % 40}" for i in range(200)], "y": range(200)})
    ds = sd.fit({"p": parents, "c": children}, relations=[("c.pid", "p.pid")], name="s")
    frames = ds.sample(10, seed=1)
    assert frames["p"]["pid"].dtype == frames["c"]["pid"].dtype == pd.Series(["a"]).dtype
