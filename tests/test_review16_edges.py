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
