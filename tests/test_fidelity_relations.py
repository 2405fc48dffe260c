"""Fidelity of linked tables (issue 20 item 5): each table, child counts, parent-child pairs, referential integrity."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from shop_data import RELATIONS, shop

import pytest_synthdata as sd
from pytest_synthdata.errors import FidelityError, InvalidArgument


@pytest.fixture(scope="module")
def real() -> dict[str, pd.DataFrame]:
    return shop()


@pytest.fixture(scope="module")
def dataset(real: dict[str, pd.DataFrame]) -> sd.Dataset:
    return sd.fit(real, name="shop", relations=RELATIONS)


@pytest.fixture(scope="module")
def synthetic(dataset: sd.Dataset, real: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    return dataset.sample(len(real["customers"]), seed=1)


def shuffled(frames: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """A broken generator: every table as before, but each order given to a random customer."""
    orders = frames["orders"].copy()
    rng = np.random.default_rng(0)
    orders["customer_id"] = rng.choice(frames["customers"]["id"].to_numpy(), len(orders))
    return dict(frames, orders=orders)


def test_the_report_of_linked_tables_scores_each_table_and_each_relation(real, dataset, synthetic):
    report = sd.fidelity_report(real, synthetic, relations=dataset)
    assert set(report.tables) == set(real)
    assert "id" not in set(report.tables["customers"].columns["column"])  # (keys are not scored)
    assert "customer_id" not in set(report.tables["orders"].columns["column"])
    assert report.integrity == 1.0
    assert report.cardinality > 0.85 and report.parent_child_trends > 0.8 and report.score > 0.85
    assert set(report.relations["relation"]) == {str(r) for r in dataset.relations}
    contributing = report.pairs[report.pairs["contributes"]]
    assert ("customers.tier", "orders.total") in set(
        zip(contributing["column_1"], contributing["column_2"], strict=True)
    )
    assert "cardinality" in report.summary() and len(report.to_frame())
    same = sd.fidelity_report(real, synthetic, relations=RELATIONS)
    pd.testing.assert_frame_equal(same.relations, report.relations)


def test_children_shuffled_across_parents_fail_the_relation_checks(real, dataset, synthetic):
    good = sd.fidelity_report(real, synthetic, relations=dataset)
    bad = sd.fidelity_report(real, shuffled(synthetic), relations=dataset)
    assert bad.tables["orders"].score == good.tables["orders"].score  # (each table alone looks as good)
    key = ("orders.customer_id -> customers.id", "Cardinality")
    good_counts = good.relations.set_index(["relation", "metric"])["score"][key]
    bad_counts = bad.relations.set_index(["relation", "metric"])["score"][key]
    assert good_counts > 0.85 and bad_counts < good_counts - 0.1
    assert bad.parent_child_trends < good.parent_child_trends - 0.15
    checks = {"min_score": 0.8, "min_column_score": 0.6, "tolerances": {"orders.customer_id -> customers.id": 0.9}}
    sd.assert_fidelity(real, synthetic, relations=dataset, min_pair_score=0.6, **checks)
    with pytest.raises(FidelityError, match=r"parent-child pair \('customers.tier', 'orders.total'\)") as info:
        sd.assert_fidelity(real, shuffled(synthetic), relations=dataset, **checks)
    assert "relation orders.customer_id -> customers.id: Cardinality" in str(info.value)


def test_foreign_keys_to_missing_parents_lower_referential_integrity(real, dataset, synthetic):
    broken = dict(synthetic, orders=synthetic["orders"].assign(customer_id=synthetic["orders"]["customer_id"] + 10**6))
    report = sd.fidelity_report(real, broken, relations=dataset)
    integrity = report.relations.set_index(["relation", "metric"])["score"]
    assert integrity[("orders.customer_id -> customers.id", "ReferentialIntegrity")] == 0.0
    with pytest.raises(FidelityError, match=r"ReferentialIntegrity 0\.000 < 1\.000"):
        sd.assert_fidelity(real, broken, relations=dataset, min_score=0, min_column_score=0, min_pair_score=0)
    sd.assert_fidelity(
        real,
        broken,
        relations=dataset,
        min_score=0,
        min_column_score=0,
        min_pair_score=0,
        tolerances={"ReferentialIntegrity": 0.0},
    )


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda r, s: sd.fidelity_report(r, s), "needs relations="),
        (lambda r, s: sd.fidelity_report(r, s["orders"], relations=RELATIONS), "must be a dict of table name"),
        (lambda r, s: sd.fidelity_report(r, {"orders": s["orders"]}, relations=RELATIONS), "differ"),
        (lambda r, s: sd.fidelity_report(r, s, relations=[("orders.client", "customers.id")]), "orders.client"),
        (lambda r, s: sd.fidelity_report(r, s, relations=RELATIONS, detection=True), "takes relations= only"),
        (lambda r, s: sd.assert_fidelity(r, s, relations=RELATIONS, tolerances={"orders.nope": 0.5}), "orders.nope"),
    ],
)
def test_bad_arguments_for_linked_tables_say_what_to_pass(real, synthetic, call, message):
    with pytest.raises(InvalidArgument, match=message):
        call(real, synthetic)


def test_each_tables_report_treats_id_like_and_empty_columns_as_a_single_table_report_does():
    """A child's own row id (1, 2, 3, ...) was scored (0.79), and a real column with every value missing dropped
    out unseen: the tables' reports passed columns= and skipped neither rule."""
    rng = np.random.default_rng(3)
    parents = pd.DataFrame({"pid": np.arange(1, 41), "size": rng.integers(1, 9, 40)})
    children = pd.DataFrame(
        {
            "row_id": np.arange(1, 201),
            "pid": rng.integers(1, 41, 200),
            "amount": rng.gamma(2.0, 10.0, 200),
            "note": pd.Series([None] * 200, dtype=object),
        }
    )
    real = {"parents": parents, "children": children}
    synthetic = {"parents": parents.copy(), "children": children.assign(note="x", row_id=np.arange(501, 701))}
    report = sd.fidelity_report(real, synthetic, relations=[("children.pid", "parents.pid")])
    child = report.tables["children"]
    assert "row_id" in child.skipped and "row_id" not in set(child.columns["column"])
    note = child.columns[child.columns["column"] == "note"]
    assert len(note) == 1
