"""Marginals' inverse CDFs: faster paths give np.interp's bits exactly."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special

from pytest_synthdata._marginals import Continuous, _KnotGuide


def _knots(seed: int, k: int, repeats: bool) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    probs = np.sort(np.concatenate([[0.0, 1.0], rng.random(k - 2)]))
    values = np.sort(rng.standard_normal(k) * 1000.0)
    if repeats:  # atoms (a repeated probability) and flat stretches (a repeated value)
        probs[rng.integers(1, k - 1, 3)] = probs[rng.integers(1, k - 1, 3)]
        probs.sort()
        values = np.round(values / 200.0) * 200.0
    return probs, values


@given(seed=st.integers(0, 2**32 - 1), k=st.integers(3, 400), repeats=st.booleans())
@settings(max_examples=60, deadline=None)
def test_guided_knot_search_gives_np_interps_bits(seed, k, repeats):
    """Random probabilities, every knot, and its neighbouring floats come out as np.interp's, bit for bit."""
    probs, values = _knots(seed, k, repeats)
    guide = _KnotGuide.build(probs, values)
    if guide is None:  # (knots too clustered for a guide: np.interp is used)
        return
    rng = np.random.default_rng(seed + 1)
    q = np.concatenate([rng.random(3000), probs, np.nextafter(probs, 2.0), np.nextafter(probs, -1.0), [1e-300]])
    q = np.clip(q, 0.0, 1.0)
    assert np.array_equal(guide.interp(q).view(np.int64), np.interp(q, probs, values).view(np.int64))


def test_quantile_marginal_samples_the_same_bits_in_large_and_small_calls():
    """ppf_latent of many scores (guided) equals the same scores taken a few at a time (np.interp)."""
    probs, values = _knots(7, 241, True)
    marginal = Continuous("quantiles", {"probs": probs.tolist(), "values": values.tolist()})
    z = np.random.default_rng(3).standard_normal(5000)
    whole = marginal.ppf_latent(z)
    pieces = np.concatenate([marginal.ppf_latent(z[i : i + 100]) for i in range(0, len(z), 100)])
    assert marginal._knot_guide is not None
    assert np.array_equal(whole.view(np.int64), pieces.view(np.int64))
    # and what the quantile function is: np.interp of the nearer tail's probability
    q = np.where(z > 0, 1.0 - special.ndtr(-np.abs(z)), special.ndtr(-np.abs(z)))
    assert np.array_equal(whole.view(np.int64), np.interp(np.maximum(q, 1e-300), probs, values).view(np.int64))


@pytest.mark.parametrize(
    ("dist", "params", "low", "high"),
    [
        ("quantiles", {"probs": [0.0, 0.3, 1.0], "values": [0.0, 2.0, 9.0]}, None, None),
        ("quantiles", {"probs": [0.0, 0.3, 1.0], "values": [0.0, 2.0, 9.0]}, 0.5, 8.5),
        ("normal", {"loc": 1.0, "scale": 2.0}, -1.0, None),
        ("exponential", {"loc": 0.0, "scale": 3.0}, None, None),
    ],
)
def test_the_tie_structure_grid_maps_as_any_copy_of_it_would(dist, params, low, high):
    """The grid every column's tie structure reads has its tails computed once: the same bits as computing them."""
    from pytest_synthdata._marginals import Continuous, _grid_scores

    marginal = Continuous(
        dist, {k: np.asarray(v) if isinstance(v, list) else v for k, v in params.items()}, low=low, high=high
    )
    grid = _grid_scores()
    assert marginal.ppf_latent(grid).tobytes() == marginal.ppf_latent(grid.copy()).tobytes()
    assert not grid.flags.writeable


@pytest.mark.parametrize("seed", range(30))
def test_rank_cells_of_a_table_are_those_of_its_cumulative_edges(seed):
    """A table's rank cells (its edges written in place, zero-probability outcomes dropped) are, bit for bit,
    those of the edges ``lower + (upper - lower)`` of its cumulative probabilities."""
    from scipy import special

    from pytest_synthdata._marginals import rank_cells_from_probs

    rng = np.random.default_rng(seed)
    probs = rng.random(int(rng.integers(1, 65))) ** 3
    probs[rng.random(len(probs)) < 0.2] = 0.0  # (outcomes of no probability: no cell)
    if not probs.any():
        probs[0] = 1.0
    probs = probs / probs.sum()
    upper = probs.cumsum()
    upper[-1] = 1.0
    lower = np.concatenate([[0.0], upper[:-1]])
    edges = np.concatenate([[0.0], lower + (upper - lower)])
    edges[-1] = 1.0
    keep = edges[1:] - edges[:-1] > 0
    lo, hi = edges[:-1][keep], edges[1:][keep]
    got = rank_cells_from_probs(probs)
    assert got.cuts.tobytes() == special.ndtri(hi[:-1]).tobytes()
    assert got.midranks.tobytes() == ((lo + hi) / 2.0).tobytes()
    assert got.probs.tobytes() == (hi - lo).tobytes()
