"""Review 16: Dataset sampling options, fitted keys and relations (library-level tests)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pytest_synthdata as sd
from pytest_synthdata.errors import InvalidArgument, SynthdataWarning


def _shop() -> sd.Dataset:
    return sd.Dataset(
        "shop",
        tables={
            "customers": sd.Schema("customers", {"id": sd.Id(), "plan": sd.Category({"basic": 0.7, "premium": 0.3})}),
            "orders": sd.Schema("orders", {"id": sd.Id(), "total": sd.Float(low=1, high=500)}),
            "notes": sd.Schema("notes", {"id": sd.Id()}),
        },
        relations=[("orders.customer_id", "customers.id"), ("notes.customer_id", "customers.id")],
        children={"orders": sd.Integer(low=0, high=3), "notes": sd.Integer(low=0, high=2)},
    )


def test_an_edge_case_share_goes_to_every_table_that_has_an_edge_case():
    frames = _shop().sample(40, seed=1, edge_cases=0.25)
    assert len(frames["customers"].attrs["synthdata"]["edges"]) == 10
    assert len(frames["orders"].attrs["synthdata"]["edges"]) > 0
    assert "edges" not in frames["notes"].attrs["synthdata"]  # (only ids: no edge case, and no error)


def test_an_edge_case_share_leaves_out_a_table_whose_conditions_fix_its_only_edge_column():
    frames = _shop().sample(40, seed=1, edge_cases=0.25, conditions={"customers": {"plan": "premium"}})
    assert (frames["customers"]["plan"] == "premium").all()
    assert "edges" not in frames["customers"].attrs["synthdata"]
    assert len(frames["orders"].attrs["synthdata"]["edges"]) > 0


def test_a_share_with_no_table_to_take_it_is_refused():
    ids = sd.Dataset(
        "ids",
        tables={"a": sd.Schema("a", {"id": sd.Id()}), "b": sd.Schema("b", {"id": sd.Id()})},
        relations=[("b.a_id", "a.id")],
        children={"b": sd.Integer(low=0, high=2)},
    )
    with pytest.raises(InvalidArgument, match="no table of dataset 'ids' has a column with an edge case"):
        ids.sample(10, seed=1, edge_cases=0.2)


@pytest.mark.parametrize(
    ("conditions", "message"),
    [
        (
            {"plan": "premium"},
            "dataset 'shop': conditions={'plan': 'premium'}: 'plan' is a column of 'customers', not a table; dataset "
            "'shop' holds linked tables, so key conditions by table: pass conditions={'customers': {'plan': 'premium'}}.",
        ),
        ({"plann": "premium"}, "'plann' is not a table of dataset 'shop' (its tables are"),
        (["premium"], "must be a dict of table -> that table's conditions"),
    ],
)
def test_conditions_not_keyed_by_table_say_how_to_key_them(conditions, message):
    with pytest.raises(InvalidArgument) as info:
        _shop().sample(5, seed=1, conditions=conditions)
    assert message in str(info.value)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(allow_nan=True, allow_infinity=True, allow_subnormal=True), min_size=1, max_size=40),
    st.sampled_from(["float64", "Float64"]),
)
def test_a_written_frame_reads_back_with_the_same_float_bits(tmp_path_factory, values, dtype):
    from pytest_synthdata._failures import write_frame

    frame = pd.DataFrame({"x": pd.array(values, dtype=dtype), "i": range(len(values))})
    if dtype == "Float64":  # (a masked float column's missing values are NA: NaN is not kept apart from it)
        frame["x"] = frame["x"].astype(object).where(frame["x"].notna(), None).astype(dtype)
    path = tmp_path_factory.mktemp("frames") / "f.json"
    write_frame(frame, path)
    back = pd.read_json(path, orient="table")
    assert back["x"].dtype == frame["x"].dtype
    got = back["x"].to_numpy(dtype=np.float64, na_value=np.nan)
    want = frame["x"].to_numpy(dtype=np.float64, na_value=np.nan)
    assert np.array_equal(np.isnan(got), np.isnan(want))
    assert np.array_equal(got[~np.isnan(got)].view(np.int64), want[~np.isnan(want)].view(np.int64))


def test_a_written_frame_of_a_sample_reads_back_equal(tmp_path):
    from pytest_synthdata._failures import write_frame

    schema = sd.Schema(
        "m",
        {
            "x": sd.Float(low=0, high=1),
            "big": sd.Float(mean=1e9, std=1e7, null_rate=0.2),
            "t": sd.Datetime(low="2020-01-01", high="2020-01-02"),
            "n": sd.Integer(low=1, high=9, null_rate=0.3),
            "c": sd.Category({"a": 0.5, "b": 0.5}),
            "flag": sd.Boolean(p=0.3),
        },
    )
    frame = schema.sample(300, seed=4)
    write_frame(frame, tmp_path / "f.json")
    back = pd.read_json(tmp_path / "f.json", orient="table")
    pd.testing.assert_frame_equal(back, frame, check_exact=True)
    assert back.equals(frame)


def test_child_rows_with_a_missing_foreign_key_are_counted_and_warned_about_like_orphans():
    rng = np.random.default_rng(0)
    customers = pd.DataFrame({"id": np.arange(1, 201), "age": rng.integers(18, 80, 200)})
    orders = pd.DataFrame({"customer_id": rng.integers(1, 201, 1000).astype(float), "total": rng.lognormal(3, 1, 1000)})
    orders.loc[orders.sample(frac=0.3, random_state=1).index, "customer_id"] = np.nan  # guest orders
    with pytest.warns(SynthdataWarning) as caught:
        shop = sd.fit(
            {"customers": customers, "orders": orders}, name="shop", relations=[("orders.customer_id", "customers.id")]
        )
    assert [str(w.message) for w in caught] == [
        "fit('shop'): relation orders.customer_id -> customers.id: 300 of 1000 rows of 'orders' (30%) have no "
        "customer_id (a missing key); they are left out of the fit, and every sampled 'orders' row belongs to a "
        "'customers' row, so the sample has none of them. To keep them, fit them as a table of their own "
        "(frames['orders'][frames['orders']['customer_id'].isna()], without the relation)."
    ]
    assert caught[0].filename == __file__  # (points at the fit call)
    assert shop.info["tables"]["orders"] == {"rows_left_out": 300}
    assert shop.sample(50, seed=1)["orders"]["customer_id"].notna().all()


def test_to_dask_on_a_dataset_file_says_the_tables_are_sampled_together_and_what_samples_on_dask(tmp_path):
    from pytest_synthdata.errors import UnsupportedFeature

    _shop().save(tmp_path / "shop.synth.json")
    shop = sd.load(tmp_path / "shop.synth.json")
    with pytest.raises(UnsupportedFeature) as info:
        shop.to_dask(100, seed=1)
    assert str(info.value) == (
        "dataset 'shop' (3 linked tables) cannot be sampled on Dask: a child table's rows follow its parents' rows, "
        "counts and keys, so the tables are drawn together in one process. Use shop.sample(n, seed=...) for the "
        "linked tables, or shop.model('notes').to_dask(n, seed=...) for the rows of one table on their own "
        "(without keys)."
    )


def test_a_foreign_key_copy_has_its_primary_keys_dtype_exactly():
    shop = sd.Dataset(
        "shop",
        tables={
            "customers": sd.Schema("customers", {"id": sd.Id("C{:05d}")}),
            "orders": sd.Schema("orders", {"id": sd.Id(), "total": sd.Float(low=1, high=5)}),
        },
        relations=[("orders.customer_id", "customers.id")],
        children={"orders": sd.Integer(low=1, high=2)},
    )
    frames = shop.sample(5, seed=1)
    assert frames["orders"]["customer_id"].dtype == frames["customers"]["id"].dtype
    assert repr(frames["orders"]["customer_id"].dtype) == repr(frames["customers"]["id"].dtype)  # (na_value too)

    c = pd.DataFrame({"cid": [f"K{i}" for i in range(50)], "x": range(50)})
    o = pd.DataFrame({"cid": [f"K{i % 50}" for i in range(120)], "y": [float(i) for i in range(120)]})
    fitted = sd.fit({"c": c, "o": o}, name="t", relations=[("o.cid", "c.cid")]).sample(5, seed=1)
    assert repr(fitted["o"]["cid"].dtype) == repr(fitted["c"]["cid"].dtype)


def test_a_link_tables_second_key_keeps_its_dtype_and_missing_keys_make_it_nullable():
    rng = np.random.default_rng(3)
    customers = pd.DataFrame({"id": np.arange(1, 101), "age": rng.integers(18, 80, 100)})
    products = pd.DataFrame({"sku": np.arange(1, 31), "price": rng.lognormal(2, 0.5, 30)})
    orders = pd.DataFrame(
        {"customer_id": rng.integers(1, 101, 400), "sku": rng.integers(1, 31, 400), "qty": rng.integers(1, 5, 400)}
    )
    relations = [("orders.customer_id", "customers.id"), ("orders.sku", "products.sku")]
    tables = {"customers": customers, "products": products, "orders": orders}
    frames = sd.fit(tables, name="shop", relations=relations).sample(50, seed=2)
    assert frames["orders"]["sku"].dtype == frames["products"]["sku"].dtype == np.int64

    orders["sku"] = orders["sku"].astype(float).where(rng.random(400) >= 0.3)
    frames = sd.fit({**tables, "orders": orders}, name="shop", relations=relations).sample(200, seed=2)
    sku = frames["orders"]["sku"]
    assert sku.dtype == "Int64" and 0.15 < sku.isna().mean() < 0.45
    assert sku.dropna().isin(frames["products"]["sku"]).all()
