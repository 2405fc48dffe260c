"""Fixes from the sixteenth session's new-user reviews: balance= on columns fitted per segment group."""

from __future__ import annotations

import numpy as np
import pytest

import pytest_synthdata as sd
from pytest_synthdata._columns import ConditionalColumn

penguins = pytest.importorskip("palmerpenguins").load_penguins()


@pytest.fixture(scope="module")
def model() -> sd.Model:
    return sd.fit(penguins, name="penguins")


def test_balance_names_a_category_fitted_per_segment_group(model):
    assert model.info["segments"]["column"] == "species"
    assert isinstance(model.column("island"), ConditionalColumn)  # (the case that raised)
    df = model.sample(999, seed=1, balance="island")
    assert df["island"].value_counts().to_dict() == {"Biscoe": 333, "Dream": 333, "Torgersen": 333}


def test_balance_names_a_number_fitted_per_segment_group(model):
    assert isinstance(model.column("body_mass_g"), ConditionalColumn)
    from pytest_synthdata._edges import _numeric_bins

    bins = list(_numeric_bins(model.column("body_mass_g")))  # (the whole column's percentiles: its base's)
    df = model.sample(1_000, seed=2, balance="body_mass_g")
    x = df["body_mass_g"].to_numpy(dtype=float)
    counts = [
        int(np.count_nonzero((x >= (-np.inf if lo is None else lo)) & (x <= (np.inf if hi is None else hi))))
        for lo, hi in bins
    ]
    assert len(bins) > 2 and max(counts) - min(counts) <= 1, (bins, counts)  # every class an equal share


def test_balance_names_a_category_that_fit_looks_up_from_another():
    import pandas as pd

    from pytest_synthdata._columns import DerivedColumn

    rng = np.random.default_rng(4)
    models = [f"m{i}" for i in range(12)]
    make_of = {m: ["audi", "ford", "kia"][i % 3] for i, m in enumerate(models)}
    car = rng.choice(models, 600, p=np.linspace(1, 3, 12) / np.linspace(1, 3, 12).sum())
    real = pd.DataFrame({"model": car, "make": [make_of[c] for c in car], "price": rng.gamma(3, 1e4, 600).round()})
    model = sd.fit(real, name="cars")
    assert isinstance(model.column("make"), DerivedColumn)  # (the case that raised)
    df = model.sample(900, seed=3, balance="make")
    assert df["make"].value_counts().to_dict() == {"audi": 300, "ford": 300, "kia": 300}
    assert (df["make"] == df["model"].map(make_of)).all()  # (each row keeps the real pairing)


def test_a_tail_edge_of_a_column_fitted_per_group_leaves_its_order_constraint_room():
    """low <= high, 'high' fitted per group of a segment: its tails stop where every group's values leave 'low'
    room (Schooling's ed76 tail pushed ed66 below its range: the room was computed for plain columns only)."""
    import pandas as pd
    from scipy import special

    from pytest_synthdata._edges import _order_room

    rng = np.random.default_rng(5)
    n = 3_000
    g = rng.choice(["yes", "no"], n)
    low = np.where(g == "yes", rng.integers(1, 14, n), rng.integers(6, 18, n))
    high = low + rng.integers(0, 6, n)
    real = pd.DataFrame({"g": g, "low": low, "high": high, "w": np.where(g == "yes", 1.0, 3.0) + rng.normal(size=n)})
    model = sd.fit(real, name="school", public={"low": (1, 20)})
    assert "low <= high" in model.info["constraints"]["detected"], model.info["constraints"]
    column = model.column("high")
    assert isinstance(column, ConditionalColumn), model.info.get("segments")
    least = 4.0  # ('low' reaching no lower than 4: 'high' must not go below it)
    model.__dict__["_order_ends"] = {"low": [least, 17.0], "high": [least, 22.0]}
    room, _ = _order_room(model, column)
    assert np.isfinite(room)  # (it was unbounded for a column fitted per group)
    for level in column.levels:  # every group's values above the room's edge leave 'low' room
        assert level.from_latent(np.array([room + 1e-9, 0.0, special.ndtri(0.999)])).min() >= least
    df = model.sample(3_000, seed=11, edge_cases=1.0, edge_kinds="tail", edge_columns="high")
    assert (df["high"] >= least).all()
