"""Review 16: Dataset sampling options, fitted keys and relations (library-level tests)."""

from __future__ import annotations

import pytest

import pytest_synthdata as sd
from pytest_synthdata.errors import InvalidArgument


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
