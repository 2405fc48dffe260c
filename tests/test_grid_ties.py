"""A numeric column's tie structure (its rank cells for the Spearman calibration) is answered without evaluating it
on the latent grid only where the answer is sure: the grid would hold no tie."""

from __future__ import annotations

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from pytest_synthdata._columns import NumericColumn
from pytest_synthdata._marginals import grid_quantiles, grid_without_ties, rank_cells_of_grid_values


def _column(values, rises, *, integer=False, step=None, decimals=None, pad=0.0):
    probs = np.concatenate([[0.0], np.cumsum(rises)])
    probs /= probs[-1]
    values = np.asarray(values, dtype=np.float64)
    return NumericColumn(
        "x",
        dist="quantiles",
        params={"probs": probs.tolist(), "values": values.tolist()},
        integer=integer,
        step=step,
        decimals=decimals,
        bounds=(float(values[0]) - pad, float(values[-1]) + pad),
    )


def _evaluated(column):
    """The rank cells found by evaluating the column on the grid (what the shortcut must agree with)."""
    return rank_cells_of_grid_values(column._snap(grid_quantiles(column.marginal)))


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.integers(-(10**6), 10**6), min_size=2, max_size=12),
    st.lists(st.floats(1e-4, 1.0), min_size=11, max_size=11),
    st.sampled_from([1e-3, 0.37, 1.0, 250.0]),
    st.sampled_from([None, 1, 2, 5, 25, 100, 10_000]),
    st.sampled_from([None, 0, 1, 2, 3]),
    st.booleans(),
    st.sampled_from([0.0, 5.0]),
)
def test_a_grid_shown_free_of_ties_holds_none(knots, rises, scale, units, decimals, integer, pad):
    """Wherever the shortcut says "no tie", evaluating the grid finds none, and the column's cells are the same."""
    values = np.sort(np.array(knots, dtype=np.float64)) * scale
    assume(values[-1] > values[0])
    step = None if units is None else units * (10.0**-decimals if decimals is not None else 1.0)
    column = _column(values, rises[: len(values) - 1], integer=integer, step=step, decimals=decimals, pad=pad)
    assume(column.discrete is None and column._plain_on_grid())
    evaluated = _evaluated(column)
    resolution = column._grid_resolution()
    if resolution is not None and grid_without_ties(column.marginal, resolution, column.bounds):
        assert evaluated is None
    cells = column.rank_cells()
    if evaluated is None:
        assert cells is None
    else:
        assert cells is not None
        assert np.array_equal(cells.cuts, evaluated.cuts) and np.array_equal(cells.probs, evaluated.probs)


def test_a_fine_column_skips_the_grid_and_a_coarse_one_does_not():
    """The shortcut answers a continuous column of fine steps; steps coarse enough to tie are evaluated (and tie)."""
    fine = _column([0.0, 200.0, 900.0, 1000.0], [0.3, 0.5, 0.2], step=0.01, decimals=2)
    assert grid_without_ties(fine.marginal, fine._grid_resolution(), fine.bounds)
    assert fine.rank_cells() is None
    coarse = _column([0.0, 200.0, 900.0, 1000.0], [0.3, 0.5, 0.2], step=100.0, decimals=0)
    assert not grid_without_ties(coarse.marginal, coarse._grid_resolution(), coarse.bounds)
    assert coarse.rank_cells() is not None and _evaluated(coarse) is not None
    flat = _column([0.0, 500.0, 500.0, 1000.0], [0.3, 0.5, 0.2])  # a plateau: a tie the shortcut must not hide
    assert not grid_without_ties(flat.marginal, 0.0, flat.bounds)
    assert flat.rank_cells() is not None
