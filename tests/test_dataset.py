"""Linked tables (issue 20): declared and fitted Datasets, keys, child counts, conditioning on parents."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from shop_data import RELATIONS, shop

import pytest_synthdata as sd
from pytest_synthdata.errors import ConditionError, InvalidArgument


def declared_shop() -> sd.Dataset:
    return sd.Dataset(
        "shop",
        tables={
            "customers": sd.Schema("customers", {"id": sd.Id(), "age": sd.Integer(low=18, high=90)}),
            "products": sd.Schema("products", {"sku": sd.Id(style="P{:04d}"), "price": sd.Float(low=1, high=50)}),
            "orders": sd.Schema("orders", {"id": sd.Id(), "total": sd.Float(low=1, high=500)}),
            "lines": sd.Schema("lines", {"qty": sd.Integer(low=1, high=5)}),
        },
        relations=RELATIONS,
        children={"orders": sd.Integer(low=0, high=4), "lines": sd.Integer(low=1, high=3)},
    )


@pytest.fixture(scope="module")
def real() -> dict[str, pd.DataFrame]:
    return shop()


@pytest.fixture(scope="module")
def fitted(real: dict[str, pd.DataFrame]) -> sd.Dataset:
    return sd.fit(real, name="shop", relations=RELATIONS)


def assert_intact(frames: dict[str, pd.DataFrame]) -> None:
    """Primary keys unique and present, every foreign key refers to an existing parent row."""
    assert frames["customers"]["id"].is_unique and frames["orders"]["id"].is_unique
    assert frames["products"]["sku"].is_unique
    assert frames["orders"]["customer_id"].isin(frames["customers"]["id"]).all()
    assert frames["lines"]["order_id"].isin(frames["orders"]["id"]).all()
    assert frames["lines"]["sku"].isin(frames["products"]["sku"]).all()


def test_declared_dataset_samples_parents_first_with_valid_keys():
    frames = declared_shop().sample(50, seed=1, sizes={"products": 10})
    assert list(frames) == ["customers", "products", "orders", "lines"]
    assert len(frames["customers"]) == 50 and len(frames["products"]) == 10
    assert_intact(frames)
    per_customer = frames["orders"].groupby("customer_id").size()
    assert per_customer.max() <= 4


def test_fitted_dataset_keeps_referential_integrity_in_every_row(fitted):
    frames = fitted.sample(400, seed=2)
    assert_intact(frames)
    assert list(frames["orders"].columns) == ["id", "customer_id", "total", "placed"]


@pytest.mark.parametrize("make", [declared_shop, None])
def test_same_seed_same_bytes_and_root_rows_are_stable(make, fitted):
    dataset = make() if make else fitted
    sizes = {"products": 12}
    small, again = dataset.sample(30, seed=5, sizes=sizes), dataset.sample(30, seed=5, sizes=sizes)
    big = dataset.sample(60, seed=5, sizes=sizes)
    for table in small:
        pd.testing.assert_frame_equal(small[table], again[table])
        pd.testing.assert_frame_equal(small[table], big[table].iloc[: len(small[table])])


def test_child_counts_follow_the_data(real, fitted):
    frames = fitted.sample(len(real["customers"]), seed=3)
    counts = frames["orders"].groupby("customer_id").size().reindex(frames["customers"]["id"], fill_value=0)
    real_counts = real["orders"].groupby("customer_id").size().reindex(real["customers"]["id"], fill_value=0)
    assert stats.ks_2samp(counts, real_counts).pvalue > 0.01


def test_a_parent_attribute_that_drives_its_children_is_reproduced(real, fitted):
    frames = fitted.sample(len(real["customers"]), seed=4)
    joined = frames["orders"].merge(frames["customers"], left_on="customer_id", right_on="id")
    mean = joined.groupby("tier")["total"].mean()
    counts = frames["orders"].groupby("customer_id").size().reindex(frames["customers"]["id"], fill_value=0)
    per_tier = counts.groupby(frames["customers"].set_index("id")["tier"]).mean()
    assert mean["premium"] > 2 * mean["basic"]  # real data: about 5 times
    assert per_tier["premium"] > 2.5 * per_tier["basic"]  # real data: 4 times


def test_link_table_keys_point_at_the_second_parent(fitted):
    frames = fitted.sample(100, seed=6, sizes={"products": 7})
    assert set(frames["lines"]["sku"]) <= set(frames["products"]["sku"])
    assert len(frames["products"]) == 7


def test_fitted_other_roots_default_to_the_real_ratio(real, fitted):
    frames = fitted.sample(300, seed=6)
    assert len(frames["products"]) == round(300 * len(real["products"]) / len(real["customers"]))


def test_root_conditions_work_through_the_same_machinery(fitted):
    frames = fitted.sample(100, seed=7, conditions={"customers": {"tier": "premium"}})
    assert (frames["customers"]["tier"] == "premium").all()
    assert frames["orders"]["customer_id"].isin(frames["customers"]["id"]).all()


def test_zero_rows_gives_empty_tables(fitted):
    frames = fitted.sample(0, seed=1, sizes={"products": 0})
    assert all(len(f) == 0 for f in frames.values())


def test_nullable_second_foreign_key_stays_null_only_where_the_data_had_nulls():
    real = shop(200)
    real["lines"].loc[real["lines"].index[::10], "sku"] = None
    frames = sd.fit(real, name="shop", relations=RELATIONS).sample(200, seed=1)
    skus = frames["lines"]["sku"]
    assert 0.05 < skus.isna().mean() < 0.15
    assert skus.dropna().isin(frames["products"]["sku"]).all()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"relations": [("orders.customer_id",)]}, "is not a relation"),
        ({"relations": [("orders", "customers.id")]}, "must be 'table.column'"),
        ({"relations": [("orders.customer_id", "clients.id")]}, "'clients', which is not a table"),
        ({"relations": [("orders.customer_id", "customers.id"), ("customers.id", "orders.id")]}, "form a cycle"),
        ({"children": {}}, "Pass children="),
        ({"children": {"orders": sd.Integer(low=0, high=3), "customers": sd.Integer(low=0, high=3)}}, "not a child"),
        ({"children": {"orders": "n_orders"}}, "names no column"),
    ],
)
def test_bad_declarations_raise_clear_errors(kwargs, message):
    tables = {
        "customers": sd.Schema("customers", {"id": sd.Id()}),
        "orders": sd.Schema("orders", {"id": sd.Id()}),
    }
    arguments = {
        "relations": [("orders.customer_id", "customers.id")],
        "children": {"orders": sd.Integer(low=0, high=3)},
    }
    with pytest.raises(InvalidArgument, match=message):
        sd.Dataset("shop", tables=tables, **{**arguments, **kwargs})


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda d: d.sample(5, seed=1, sizes={"orders": 3}), "not a root table"),
        (lambda d: d.sample(seed=1), "how many rows of"),
        (lambda d: d.sample(-1, seed=1), "n=-1"),
        (lambda d: d.sample(5, seed=1, sizes={"customers": 3}), "give the root's rows once"),
    ],
)
def test_bad_sample_arguments_raise_clear_errors(call, message):
    with pytest.raises(InvalidArgument, match=message):
        call(declared_shop())


def test_conditions_on_a_declared_child_table_hold_in_every_row():
    frames = declared_shop().sample(40, seed=1, sizes={"products": 5}, conditions={"orders": {"total": (1, 10)}})
    assert frames["orders"]["total"].between(1, 10).all() and len(frames["orders"])
    assert_intact(frames)


def test_fit_checks_that_the_parent_key_is_a_key(real):
    broken = dict(real, customers=pd.concat([real["customers"], real["customers"].iloc[:1]]))
    with pytest.raises(InvalidArgument, match=r"customers\.id must be a primary key"):
        sd.fit(broken, name="shop", relations=RELATIONS)


def test_fit_names_a_missing_column(real):
    with pytest.raises(InvalidArgument, match="has no column 'client_id'"):
        sd.fit(real, name="shop", relations=[("orders.client_id", "customers.id")])


def test_a_declared_primary_key_must_be_unique():
    dataset = sd.Dataset(
        "shop",
        tables={
            "customers": sd.Schema("customers", {"id": sd.Integer(low=1, high=3)}),
            "orders": sd.Schema("orders", {"total": sd.Float(low=1, high=5)}),
        },
        relations=[("orders.customer_id", "customers.id")],
        children={"orders": sd.Integer(low=0, high=2)},
    )
    with pytest.raises(InvalidArgument, match=r"sd\.Id"):
        dataset.sample(50, seed=1)


def test_counts_may_be_a_column_of_the_parent_schema_so_its_correlations_apply():
    customers = sd.Schema(
        "customers",
        {"id": sd.Id(), "income": sd.Float(low=1, high=100), "n_orders": sd.Integer(low=0, high=8)},
        correlations={("income", "n_orders"): 0.9},
    )
    dataset = sd.Dataset(
        "shop",
        tables={"customers": customers, "orders": sd.Schema("orders", {"total": sd.Float(low=1, high=5)})},
        relations=[("orders.customer_id", "customers.id")],
        children={"orders": "n_orders"},
    )
    frames = dataset.sample(300, seed=1)
    counts = frames["orders"].groupby("customer_id").size().reindex(frames["customers"]["id"], fill_value=0)
    assert (counts.to_numpy() == frames["customers"]["n_orders"].to_numpy()).all()
    assert np.corrcoef(counts, frames["customers"]["income"])[0, 1] > 0.7


@pytest.mark.parametrize("make", [declared_shop, None])
def test_a_saved_dataset_loads_and_samples_the_same_bytes(make, fitted, tmp_path):
    dataset = make() if make else fitted
    path = dataset.save(tmp_path / "shop.synth.json")
    loaded = sd.load(path)
    assert isinstance(loaded, sd.Dataset) and loaded.order == dataset.order
    want, got = dataset.sample(40, seed=9, sizes={"products": 5}), loaded.sample(40, seed=9, sizes={"products": 5})
    for table in want:
        pd.testing.assert_frame_equal(want[table], got[table])


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d.update(version=2), "version 2"),
        (lambda d: d["plan"]["orders"].update(context=["nope"]), "not a coordinate of the parent"),
        (lambda d: d["plan"]["orders"].update(hidden=["nope"]), "names columns the table's model does not have"),
        (lambda d: d.update(relations=[["orders.customer_id", "clients.id"]]), "not a table"),
        (lambda d: d["tables"]["orders"].update(columns="x"), "tables.orders"),
    ],
)
def test_an_edited_dataset_file_is_refused_with_where(edit, message, fitted, tmp_path):
    import json

    path = fitted.save(tmp_path / "shop.synth.json")
    data = json.loads(path.read_text())
    edit(data)
    path.write_text(json.dumps(data))
    with pytest.raises(sd.errors.ModelFileError, match=message):
        sd.load(path)


def test_cli_fits_several_files_with_relations_then_inspects_and_samples(real, tmp_path, capsys):
    from pytest_synthdata.cli import main

    paths = []
    for table in ("customers", "orders"):
        paths.append(str(tmp_path / f"{table}.csv"))
        real[table].to_csv(paths[-1], index=False)
    output = tmp_path / "shop.synth.json"
    assert main(["fit", *paths, "--relation", "orders.customer_id=customers.id", "-o", str(output)]) == 0
    assert "orders.customer_id -> customers.id" in capsys.readouterr().out
    assert main(["inspect", str(output)]) == 0
    shown = capsys.readouterr().out
    assert "table 'orders': 4 columns" in shown and "rows of 'orders' per row" in shown
    assert main(["sample", str(output), "-n", "20", "--seed", "1", "-o", str(tmp_path / "out")]) == 0
    written = {p.name: pd.read_csv(p) for p in (tmp_path / "out").iterdir()}
    assert sorted(written) == ["customers.csv", "orders.csv"]
    assert written["orders.csv"]["customer_id"].isin(written["customers.csv"]["id"]).all()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--relation", "orders.customer_id"], "is not a relation"),
        (["--column", "total=float"], "TABLE.COLUMN=KIND"),
        (["--constraint", "total < 5"], "apply to one table"),
    ],
)
def test_cli_dataset_fit_errors_are_one_line(real, tmp_path, capsys, extra, message):
    from pytest_synthdata.cli import main

    paths = []
    for table in ("customers", "orders"):
        paths.append(str(tmp_path / f"{table}.csv"))
        real[table].to_csv(paths[-1], index=False)
    assert main(["fit", *paths, *extra, "-o", str(tmp_path / "shop.synth.json")]) != 0
    assert message in capsys.readouterr().err


def test_an_order_across_tables_found_in_every_real_row_is_kept(real, fitted):
    assert ("customers.signup", "placed", True) in fitted._plan["orders"].cross
    frames = fitted.sample(600, seed=8)
    joined = frames["orders"].merge(frames["customers"], left_on="customer_id", right_on="id")
    assert (joined["placed"] > joined["signup"]).all()


def test_an_order_across_tables_can_be_declared_in_the_same_language(real):
    dataset = sd.fit(
        real,
        name="shop",
        relations=RELATIONS,
        detect_constraints=False,
        constraints={"orders": ["placed >= customers.signup"]},
    )
    assert dataset._plan["orders"].cross == [("customers.signup", "placed", False)]
    frames = dataset.sample(300, seed=2)
    joined = frames["orders"].merge(frames["customers"], left_on="customer_id", right_on="id")
    assert (joined["placed"] >= joined["signup"]).all()


@pytest.mark.parametrize(
    ("constraint", "message"),
    [
        ("placed < customers.signup", "the data break it in"),
        ("customers.signup < customers.income", "compare one column of 'orders'"),
        ("customers.joined < placed", "has no column 'joined'"),
    ],
)
def test_a_bad_constraint_across_tables_says_why(real, constraint, message):
    with pytest.raises(InvalidArgument, match=message):
        sd.fit(real, name="shop", relations=RELATIONS, constraints={"orders": [constraint]})


def test_edge_cases_and_balance_on_a_root_table_and_children_follow_them(fitted):
    frames = fitted.sample(200, seed=3, edge_cases={"customers": {"balance": "tier", "edge_cases": 0.1}})
    tiers = frames["customers"]["tier"].value_counts()
    assert tiers["premium"] == tiers["basic"] == 100
    assert len(frames["customers"].attrs["synthdata"]["edges"]) == 20
    per_customer = frames["orders"].groupby("customer_id").size().reindex(frames["customers"]["id"], fill_value=0)
    by_tier = per_customer.groupby(frames["customers"].set_index("id")["tier"]).mean()
    assert by_tier["premium"] > 2.5 * by_tier["basic"]
    assert_intact(frames)


def test_edge_cases_with_unknown_keys_are_refused(fitted):
    with pytest.raises(InvalidArgument, match=r"has \['edges'\]"):
        fitted.sample(10, seed=1, edge_cases={"customers": {"edges": 0.2}})


def test_conditions_on_a_fitted_child_table_hold_in_every_row_with_parents_and_keys_intact(fitted):
    plain = fitted.sample(300, seed=4)
    frames = fitted.sample(300, seed=4, conditions={"orders": {"total": (None, 50)}})
    assert (frames["orders"]["total"] <= 50).all()
    for table in ("customers", "products"):
        pd.testing.assert_frame_equal(frames[table], plain[table])
    assert frames["orders"]["customer_id"].equals(plain["orders"]["customer_id"])
    assert_intact(frames)
    again = fitted.sample(300, seed=4, conditions={"orders": {"total": (None, 50)}})
    for table in frames:
        pd.testing.assert_frame_equal(frames[table], again[table])


def test_a_conditioned_child_still_follows_its_parent(fitted):
    """Within the condition, each order is drawn given its own customer: premium customers' orders stay bigger."""
    frames = fitted.sample(600, seed=6, conditions={"orders": {"total": (40, 120)}})
    orders = frames["orders"].merge(frames["customers"], left_on="customer_id", right_on="id")
    means = orders.groupby("tier")["total"].mean()
    assert orders["total"].between(40, 120).all()
    assert means["premium"] > means["basic"] + 10


@pytest.mark.parametrize("condition", [{"total": (None, 120)}, {"total": (80, None), "placed": ("2021-06-01", None)}])
@pytest.mark.parametrize("tier", ["basic", "premium"])
def test_a_conditioned_child_matches_rejection_from_its_parents_unconditioned_children(fitted, condition, tier):
    """Many orders of one customer: drawn under the condition, or drawn freely and kept when they meet it."""
    customers, orders = fitted._plan["customers"], fitted._plan["orders"]
    parent, latent, _ = fitted._draw(customers, 400, 5, {"tier": tier}, {})
    parent_rows = np.zeros(40_000, dtype=np.int64) + int(np.argmax(parent["income"].to_numpy() > 0))
    pins = fitted._pins(orders, parent_rows, latent)
    drawn, _, _ = fitted._draw(
        orders, 4000, 1, condition, {}, pins={k: (v[:4000], v[:4000]) for k, (v, _) in pins.items()}
    )
    free, _, _ = fitted._draw(orders, 40_000, 2, None, {}, pins=pins)
    keep = np.ones(len(free), dtype=bool)
    for column, (low, high) in condition.items():
        values = free[column]
        keep &= values.ge(pd.Timestamp(low) if column == "placed" else low).to_numpy() if low is not None else True
        keep &= values.le(high).to_numpy() if high is not None else True
    kept = free[keep]
    assert len(kept) > 300
    for column in ("total", "placed", "#lines"):
        a, b = drawn[column], kept[column]
        if column == "placed":
            a, b = a.astype("int64"), b.astype("int64")
        assert stats.ks_2samp(a, b).pvalue > 1e-3, column


def test_edge_cases_on_a_child_table_are_in_its_own_columns_and_keep_parents(fitted):
    plain = fitted.sample(200, seed=3)
    frames = fitted.sample(
        200, seed=3, edge_cases={"orders": 0.2, "lines": {"edge_cases": 0.1, "edge_kinds": ["tail"]}}
    )
    pd.testing.assert_frame_equal(frames["customers"], plain["customers"])
    assert frames["orders"]["customer_id"].equals(plain["orders"]["customer_id"])
    edges = frames["orders"].attrs["synthdata"]["edges"].frame
    assert len(edges) == round(0.2 * len(frames["orders"]))
    assert set(edges["column"]) == {"total"}  # (placed is bound by its customer's signup: no edge cases there)
    total = fitted.model("orders").column("total")
    p01, p99 = (float(v) for v in total.from_latent(np.array([-2.3263478740408408, 2.3263478740408408])))
    tails = edges[edges["kind"] == "tail"]
    low = frames["orders"]["total"].to_numpy()[tails["row"][tails["detail"] == "low"]]
    high = frames["orders"]["total"].to_numpy()[tails["row"][tails["detail"] == "high"]]
    assert len(low) and len(high) and (low <= p01 + 0.01).all() and (high >= p99 - 0.01).all()
    assert set(frames["lines"].attrs["synthdata"]["edges"].frame["column"]) == {"qty"}
    assert_intact(frames)


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        ({"conditions": {"orders": {"customers.tier": 0.5}}}, ConditionError, "not a column of 'orders'"),
        ({"conditions": {"orders": {"#lines": 2}}}, ConditionError, "not a column of 'orders'"),
        ({"edge_cases": {"orders": {"edge_columns": ["#lines"]}}}, InvalidArgument, "not a column of 'orders'"),
        ({"edge_cases": {"orders": {"balance": "customers.tier"}}}, InvalidArgument, "not a column of 'orders'"),
        ({"conditions": {"orders": pd.DataFrame({"total": [1.0]})}}, InvalidArgument, "give a dict"),
    ],
)
def test_a_child_tables_bookkeeping_columns_cannot_be_conditioned(fitted, options, error, message):
    with pytest.raises(error, match=message):
        fitted.sample(20, seed=1, **options)


def test_row_constraints_of_a_fitted_child_table_hold_in_every_row(real):
    """Unique and Predicate given for a child through constraints=: failing rows are redrawn with the same parent."""
    orders = real["orders"].copy()
    cents = np.round(orders["total"].to_numpy() * 100).astype(np.int64)
    cents += cents % 2  # even cents only...
    order = np.argsort(cents, kind="stable")
    cents[order] += 2 * np.arange(len(cents))  # ...and all distinct
    orders["total"] = cents / 100
    frames = dict(real, orders=orders)
    even = sd.Predicate(lambda df: np.round(df["total"] * 100) % 2 == 0, name="even cents")
    dataset = sd.fit(frames, name="shop", relations=RELATIONS, constraints={"orders": [sd.Unique("total"), even]})
    plain = dataset.sample(400, seed=3)
    assert plain["orders"]["total"].is_unique
    assert (np.round(plain["orders"]["total"] * 100) % 2 == 0).all()
    assert_intact(plain)
    conditioned = dataset.sample(400, seed=3, conditions={"orders": {"total": (None, 100)}})
    assert conditioned["orders"]["total"].is_unique and (conditioned["orders"]["total"] <= 100).all()
    assert (np.round(conditioned["orders"]["total"] * 100) % 2 == 0).all()
    for table in ("customers", "products"):
        pd.testing.assert_frame_equal(conditioned[table], plain[table])


def correlated_shop(correlations) -> sd.Dataset:
    return sd.Dataset(
        "shop",
        tables={
            "customers": sd.Schema(
                "customers",
                {
                    "id": sd.Id(),
                    "plan": sd.Category({"basic": 0.7, "premium": 0.3}),
                    "age": sd.Integer(low=18, high=90),
                },
            ),
            "orders": sd.Schema(
                "orders",
                {"id": sd.Id(), "amount": sd.Float(low=1, high=500), "qty": sd.Integer(low=1, high=9)},
                correlations={("amount", "qty"): 0.5},
            ),
            "lines": sd.Schema("lines", {"price": sd.Float(low=1, high=50)}),
        },
        relations=[("orders.customer_id", "customers.id"), ("lines.order_id", "orders.id")],
        children={"orders": sd.Integer(low=1, high=5), "lines": sd.Integer(low=1, high=3)},
        correlations=correlations,
    )


def test_a_declared_parent_column_drives_its_children(tmp_path):
    """correlations={("customers.plan", "orders.amount"): 0.4}: premium customers place bigger orders."""
    shop = correlated_shop({("customers.plan", "orders.amount"): 0.4, ("orders.qty", "lines.price"): -0.3})
    frames = shop.sample(3000, seed=1)
    assert list(frames["orders"].columns) == ["id", "amount", "qty", "customer_id"]
    orders = frames["orders"].merge(frames["customers"], left_on="customer_id", right_on="id")
    premium = (orders["plan"] == "premium").astype(int)
    assert stats.spearmanr(premium, orders["amount"])[0] == pytest.approx(0.4, abs=0.04)
    assert stats.spearmanr(orders["qty"], orders["amount"])[0] == pytest.approx(0.5, abs=0.04)  # (its own kept)
    lines = frames["lines"].merge(frames["orders"], left_on="order_id", right_on="id")
    assert stats.spearmanr(lines["qty"], lines["price"])[0] == pytest.approx(-0.3, abs=0.04)
    assert_declared_intact(frames)
    shop.save(tmp_path / "shop.synth.json")
    again = sd.load(tmp_path / "shop.synth.json")
    for table, frame in again.sample(40, seed=3).items():
        pd.testing.assert_frame_equal(frame, shop.sample(40, seed=3)[table])


def assert_declared_intact(frames: dict[str, pd.DataFrame]) -> None:
    assert frames["orders"]["customer_id"].isin(frames["customers"]["id"]).all()
    assert frames["lines"]["order_id"].isin(frames["orders"]["id"]).all()


@pytest.mark.parametrize(
    ("correlations", "message"),
    [
        ({("customers.plan", "lines.price"): 0.4}, "must pair a child table's column with one of its parent's"),
        ({("customers.plan", "orders.nope"): 0.4}, "names orders.nope, which is not a modelled column"),
        ({("customers.id", "orders.amount"): 0.4}, "names customers.id, which is not a modelled column"),
        ({("customers.plan", "orders.amount"): 1.5}, "must be a number in"),
        ({("plan", "orders.amount"): 0.4}, "must be 'table.column'"),
        ({("customers.plan", "orders.amount"): 0.99, ("customers.plan", "orders.qty"): -0.99}, "cannot hold"),
    ],
)
def test_bad_declared_correlations_across_tables_say_why(correlations, message):
    with pytest.raises(InvalidArgument, match=message):
        correlated_shop(correlations)


def test_a_condition_on_a_column_tied_to_its_parent_keeps_the_constraint_across_tables(fitted):
    """placed >= 2021-06-01 and placed > customers.signup: each row's condition narrowed to its own parent's."""
    frames = fitted.sample(300, seed=4, conditions={"orders": {"placed": ("2021-06-01", None)}})
    orders = frames["orders"].merge(frames["customers"], left_on="customer_id", right_on="id")
    assert (orders["placed"] >= pd.Timestamp("2021-06-01")).all()
    assert (orders["placed"] > orders["signup"]).all()
    late = orders[orders["signup"] > pd.Timestamp("2021-06-01")]
    assert len(late) > 50  # (rows whose parent, not the condition, decides the lower end)
    with pytest.raises(ConditionError, match=r"no value that keeps the constraint across tables 'customers\.signup"):
        fitted.sample(300, seed=4, conditions={"orders": {"placed": (None, "2020-03-01")}})


def test_children_follow_the_parent_row_a_row_constraint_kept():
    """A parent row redrawn by its Predicate passes its own latent coordinates (not the failed draw's) to its children."""
    real = shop(customers=1500)
    keep = real["customers"]["signup"].dt.day_of_week < 3
    customers = real["customers"][keep]
    orders = real["orders"][real["orders"]["customer_id"].isin(customers["id"])]
    lines = real["lines"][real["lines"]["order_id"].isin(orders["id"])]
    early = sd.Predicate(lambda df: df["signup"].dt.day_of_week < 3, name="early in the week")
    dataset = sd.fit(
        dict(real, customers=customers, orders=orders, lines=lines),
        name="shop",
        relations=RELATIONS,
        constraints={"customers": [early]},
    )
    frames = dataset.sample(3000, seed=5)
    assert (frames["customers"]["signup"].dt.day_of_week < 3).all()
    joined = frames["orders"].merge(frames["customers"], left_on="customer_id", right_on="id")
    means = joined.groupby("tier")["total"].mean()
    assert means["premium"] > 2.2 * means["basic"]  # (children of a stale draw follow the wrong tier: about 1.6)


def test_a_child_redrawn_past_its_parent_follows_the_rest_of_its_row():
    """Orders placed 1-30 days after signup: a child value that breaks the order across tables was redrawn from
    its whole marginal above the parent's (the sampled gap's 90th percentile was 284 days); drawn given the rest of
    its row, the parent's coordinates included, it stays near the real gap."""
    real = shop(customers=600, seed=1)
    rng = np.random.default_rng(5)
    orders, customers = real["orders"], real["customers"].set_index("id")
    signup = customers.loc[orders["customer_id"], "signup"].to_numpy()
    orders["placed"] = signup + pd.to_timedelta(rng.integers(1, 30, len(orders)), unit="D")
    dataset = sd.fit(real, name="shop", relations=RELATIONS)
    assert ("customers.signup", "placed", True) in dataset._plan["orders"].cross
    out = dataset.sample(sizes={"customers": 600, "products": 40}, seed=3)
    placed, owners = out["orders"], out["customers"].set_index("id")
    gap = (placed["placed"] - owners.loc[placed["customer_id"], "signup"].to_numpy()).dt.days
    assert gap.min() >= 1
    assert gap.quantile(0.9) < 60  # (real: 27 days)
