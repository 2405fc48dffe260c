"""Boxes over fixed coordinates: a linked table's child rows conditioned on their parent *and* on conditions.

``Regions`` over a ``Restricted`` source that fixes coordinates draws each box from the Gaussian
conditional on them (per-row mean, one conditional covariance); checked against rejection sampling.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from pytest_synthdata._latent import BoxRows, LatentSpace, Regions, Restricted, SpreadRows
from pytest_synthdata._linalg import sampling_factor
from pytest_synthdata.errors import UnsupportedFeature

# coordinates: 0, 1 fixed (a parent's), 2, 3, 4 free (a child's own); strongly correlated across the two groups
R = np.array(
    [
        [1.0, 0.3, 0.6, 0.4, 0.2],
        [0.3, 1.0, 0.2, 0.5, 0.1],
        [0.6, 0.2, 1.0, 0.5, 0.3],
        [0.4, 0.5, 0.5, 1.0, 0.4],
        [0.2, 0.1, 0.3, 0.4, 1.0],
    ]
)
SPACE = LatentSpace(("p0", "p1", "a", "b", "c"), R, sampling_factor(R), 0)


def box(rows: np.ndarray, coords: tuple[int, ...], low: list[float], high: list[float]) -> BoxRows:
    return BoxRows(rows, coords, np.array([[low]], dtype=float), np.array([[high]], dtype=float))


def pinned(values: dict[int, np.ndarray], seed: int) -> Restricted:
    return Restricted(SpreadRows(seed), {j: (v, v) for j, v in values.items()})


def rejection(values: dict[int, float], keep, n: int = 400_000) -> np.ndarray:
    """Rows of N(0, R) given the fixed values, drawn plainly, that ``keep`` accepts (coordinate-major)."""
    x = pinned({j: np.full(n, v) for j, v in values.items()}, 99).rows(SPACE, 0, n).x
    return x[:, keep(x)]


@pytest.mark.parametrize(
    ("coords", "low", "high"),
    [
        ((2,), [1.0], [math.inf]),  # one coordinate: the line
        ((2, 3), [-math.inf, 0.5], [-0.2, math.inf]),  # two correlated ones: minimax tilting
    ],
)
def test_boxes_over_fixed_coordinates_follow_the_conditional_gaussian_exactly(coords, low, high):
    n = 20_000
    values = {0: 1.2, 1: -0.7}
    inner = pinned({j: np.full(n, v) for j, v in values.items()}, 3)
    x = Regions(inner, [box(np.arange(n), coords, low, high)]).rows(SPACE, 0, n).x
    assert np.array_equal(x[0], np.full(n, 1.2)) and np.array_equal(x[1], np.full(n, -0.7))
    for t, j in enumerate(coords):
        assert ((x[j] >= low[t]) & (x[j] <= high[t])).all()

    def inside(rows: np.ndarray) -> np.ndarray:
        return np.all([(rows[j] >= low[t]) & (rows[j] <= high[t]) for t, j in enumerate(coords)], axis=0)

    reference = rejection(values, inside)
    assert reference.shape[1] > 2_000
    for j in (2, 3, 4):
        assert stats.ks_2samp(x[j], reference[j]).pvalue > 1e-3, j
    assert abs(np.corrcoef(x[3], x[4])[0, 1] - np.corrcoef(reference[3], reference[4])[0, 1]) < 0.04


def test_each_row_is_conditioned_on_its_own_fixed_values():
    n = 20_000
    first = np.arange(n) < n // 2
    p0 = np.where(first, 2.0, -2.0)
    inner = pinned({0: p0, 1: np.zeros(n)}, 5)
    x = Regions(inner, [box(np.arange(n), (2,), [0.0], [math.inf])]).rows(SPACE, 0, n).x
    assert (x[2] >= 0).all() and np.array_equal(x[0], p0)
    for where, value in ((first, 2.0), (~first, -2.0)):
        reference = rejection({0: value, 1: 0.0}, lambda rows: rows[2] >= 0)
        for j in (2, 3):
            assert stats.ks_2samp(x[j][where], reference[j]).pvalue > 1e-3


def test_rows_outside_every_box_are_the_fixed_sources_own_rows_and_ranges_stay_stable():
    n = 3000
    values = {0: np.linspace(-2, 2, n), 1: np.linspace(1, -1, n)}
    inner = pinned(values, 8)
    rows = np.arange(0, n, 3)
    source = Regions(inner, [box(rows, (2, 3), [0.0, -math.inf], [math.inf, 0.0])])
    whole = source.rows(SPACE, 0, n).x
    plain = inner.rows(SPACE, 0, n).x
    free = np.ones(n, dtype=bool)
    free[rows] = False
    assert np.array_equal(whole[:, free], plain[:, free])
    assert np.array_equal(source.rows(SPACE, 1000, 2000).x, whole[:, 1000:2000])
    assert (whole[2, rows] >= 0).all() and (whole[3, rows] <= 0).all()


def test_boxes_do_not_compose_with_intervals_that_are_not_points():
    inner = Restricted(SpreadRows(1), {0: (0.0, 1.0)})
    with pytest.raises(UnsupportedFeature, match="kept in an interval, not fixed"):
        Regions(inner, [box(np.arange(10), (2,), [0.0], [1.0])]).rows(SPACE, 0, 10)


def test_tilting_many_boxes_at_once_equals_tilting_each():
    from pytest_synthdata import _tmvn

    chol = sampling_factor(R[2:, 2:])
    rng = np.random.default_rng(0)
    boxes = 300
    low = np.stack([rng.normal(0, 1.5, boxes), np.full(boxes, -np.inf), rng.normal(-1, 1, boxes)], axis=1)
    high = np.stack([low[:, 0] + rng.uniform(0.1, 3, boxes), rng.normal(0.5, 1, boxes), np.full(boxes, np.inf)], 1)
    low[0], high[0] = [4.0, 3.0, 5.0], [4.5, 6.0, 9.0]  # (far in the tails)
    mu, psi = _tmvn.tilts(chol, low, high)
    for b in range(boxes):
        one = _tmvn.tilt(chol, low[b], high[b])
        np.testing.assert_allclose(mu[b], one.mu, rtol=0, atol=1e-9)
        assert psi[b] == pytest.approx(one.psi, abs=1e-9)
