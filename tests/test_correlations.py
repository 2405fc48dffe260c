"""Declared rank correlations are what the data shows, ties and all."""

from __future__ import annotations

import warnings
from unittest import mock

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pytest_synthdata as sd
from pytest_synthdata.errors import CorrelationRepairedWarning

N = 100_000


def ranks(series: pd.Series) -> pd.Series:
    if isinstance(series.dtype, pd.CategoricalDtype):
        return series.cat.codes.astype(float)
    if series.dtype.kind == "M":
        return series.astype("int64").astype(float)
    return series.astype(float)


def spearman(df: pd.DataFrame, a: str, b: str) -> float:
    return ranks(df[a]).corr(ranks(df[b]), method="spearman")


TIED = {
    "float_3_values": sd.Float(low=0, high=2, decimals=0),
    "date_3_days": sd.Date(low="2020-01-01", high="2020-01-03"),
    "quantile_atom": sd.Float(quantiles={0.0: 0, 0.6: 0, 1.0: 10}),
    "wide_integer_with_ties": sd.Integer(median=1, sigma=3),
    "boolean": sd.Boolean(p=0.3),
    "category": sd.Category({"a": 0.5, "b": 0.3, "c": 0.2}),
    "poisson": sd.Integer(lam=0.7),
    "month_of_dates": sd.Date(low="2020-01-01", high="2020-01-31"),
}


@pytest.mark.parametrize("target", [0.8, -0.5])
@pytest.mark.parametrize("kind", sorted(TIED))
def test_achieved_spearman_matches_target_despite_ties(kind, target):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CorrelationRepairedWarning)  # some targets exceed what ties allow
        schema = sd.Schema("t", {"x": TIED[kind], "y": sd.Float()}, correlations={("x", "y"): target})
    expected = schema.correlations[("x", "y")]
    df = schema.sample(N, seed=11)
    assert spearman(df, "x", "y") == pytest.approx(expected, abs=0.012)


def test_two_discrete_columns_correlate_as_declared():
    schema = sd.Schema(
        "t",
        {"plan": sd.Category({"free": 0.6, "pro": 0.3, "team": 0.1}), "churned": sd.Boolean(p=0.2)},
        correlations={("plan", "churned"): -0.3},
    )
    df = schema.sample(N, seed=2)
    assert schema.correlations[("plan", "churned")] == pytest.approx(-0.3)
    assert spearman(df, "plan", "churned") == pytest.approx(-0.3, abs=0.012)


def test_undeclared_pairs_are_as_independent_as_the_declared_ones_allow():
    schema = sd.Schema(
        "t",
        {"a": sd.Float(), "b": sd.Float(), "c": sd.Float(), "d": sd.Float(), "e": sd.Float()},
        correlations={("a", "b"): 0.5, ("b", "c"): 0.5, ("d", "e"): -0.4},
    )
    r = schema.latent_correlation
    assert r[0, 2] == pytest.approx(r[0, 1] * r[1, 2], abs=1e-6)  # a, c independent given b
    for i in range(3):  # no declared path links {a, b, c} with {d, e}
        for j in (3, 4):
            assert r[i, j] == 0.0
    assert np.allclose(r, r.T)


def test_completion_is_stable_under_tiny_changes_of_the_targets():
    cols = {c: sd.Float() for c in "abcd"}
    corr = {("a", "b"): 0.4, ("a", "d"): 0.8, ("b", "c"): -0.5, ("c", "d"): 0.7}
    one = sd.Schema("t", cols, correlations=corr)
    two = sd.Schema("t", cols, correlations={**corr, ("a", "b"): 0.4 + 1e-15})
    assert np.allclose(one.latent_correlation, one.latent_correlation.T)
    assert np.allclose(one.latent_correlation, two.latent_correlation, atol=1e-9)


def test_a_feasible_but_tight_specification_is_kept_without_warning():
    corr = {
        ("c0", "c2"): -0.692, ("c3", "c5"): -0.992, ("c2", "c5"): 0.819, ("c3", "c4"): 0.969,
        ("c1", "c3"): 0.975, ("c1", "c5"): -0.964, ("c0", "c4"): 0.828, ("c2", "c6"): 0.557,
        ("c4", "c5"): -0.946, ("c4", "c6"): -0.752, ("c0", "c5"): -0.926, ("c2", "c4"): -0.949,
    }  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        schema = sd.Schema("t", {f"c{i}": sd.Float() for i in range(7)}, correlations=corr)
    assert schema.correlations == pytest.approx(corr, abs=1e-6)


def test_a_repair_moves_only_the_conflicting_targets():
    corr = {("c0", f"c{i}"): 0.9 for i in range(1, 6)} | {("c1", "c2"): 0.5}
    with pytest.warns(CorrelationRepairedWarning):
        schema = sd.Schema("t", {f"c{i}": sd.Float() for i in range(6)}, correlations=corr)
    for i in (3, 4, 5):  # not in conflict with c1~c2
        assert schema.correlations[("c0", f"c{i}")] == pytest.approx(0.9, abs=0.02)
    assert schema.correlations[("c1", "c2")] > 0.5


def test_undeclared_pairs_move_only_as_far_as_the_declared_ones_force():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the declared targets can hold, so no repair warning
        schema = sd.Schema(
            "t", {"a": sd.Float(), "b": sd.Float(), "c": sd.Float()}, correlations={("a", "b"): 0.9, ("b", "c"): 0.9}
        )
    assert schema.correlations == {("a", "b"): pytest.approx(0.9), ("b", "c"): pytest.approx(0.9)}
    r = schema.latent_correlation
    # maximum-determinant completion: a and c independent given b
    assert r[0, 2] == pytest.approx(r[0, 1] * r[1, 2], abs=1e-4)
    df = schema.sample(N, seed=4)
    assert spearman(df, "a", "b") == pytest.approx(0.9, abs=0.01)
    assert spearman(df, "b", "c") == pytest.approx(0.9, abs=0.01)


def test_repaired_targets_are_what_the_data_shows():
    with pytest.warns(CorrelationRepairedWarning):
        schema = sd.Schema(
            "t",
            {"a": sd.Float(), "b": sd.Integer(low=0, high=3), "c": sd.Boolean()},
            correlations={("a", "b"): 0.9, ("b", "c"): 0.9, ("a", "c"): -0.9},
        )
    df = schema.sample(N, seed=5)
    for (a, b), value in schema.correlations.items():
        assert spearman(df, a, b) == pytest.approx(value, abs=0.015), (a, b)


def test_latent_correlation_is_a_valid_correlation_matrix():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CorrelationRepairedWarning)
        schema = sd.Schema(
            "t",
            {k: sd.Float() for k in "abcd"},
            correlations={("a", "b"): 0.95, ("b", "c"): 0.95, ("c", "d"): 0.95, ("a", "d"): -0.95},
        )
    r = schema.latent_correlation
    assert np.allclose(np.diag(r), 1.0)
    assert np.allclose(r, r.T)
    assert np.linalg.eigvalsh(r).min() > 0


def test_correlations_of_constrained_columns_are_measured_and_warned_about():
    with pytest.warns(
        CorrelationRepairedWarning, match=r"order constraints change declared correlations: \('a', 'b'\)"
    ):
        schema = sd.Schema(
            "t",
            {"a": sd.Integer(low=0, high=100), "b": sd.Integer(low=0, high=100), "c": sd.Float()},
            correlations={("a", "b"): 0.3, ("b", "c"): 0.6},
            constraints=["a < b"],
        )
    df = schema.sample(N, seed=9)
    for (a, b), value in schema.correlations.items():
        assert spearman(df, a, b) == pytest.approx(value, abs=0.02), (a, b)


def test_batched_series_inversion_matches_the_exact_quadrature():
    """fit() inverts Spearman -> latent r with a Hermite series; it must agree with the exact quadrature."""
    import numpy as np

    from pytest_synthdata._copula import hermite_coefficients, latent_for_spearman_batch, spearman_of_latent
    from pytest_synthdata._marginals import Discrete

    cells = [
        None,
        Discrete(np.array([0.3, 0.7])).rank_cells(),
        Discrete(np.array([0.2, 0.5, 0.3])).rank_cells(),
        Discrete(np.ones(40) / 40).rank_cells(),
        Discrete(np.array([0.02, 0.98])).rank_cells(),
        Discrete(np.array([1.0])).rank_cells(),  # constant: no rank correlation
    ]
    coef = hermite_coefficients(cells)
    targets, truth, a_idx, b_idx = [], [], [], []
    for i in range(len(cells)):
        for j in range(len(cells)):
            for r in (-0.97, -0.6, -0.1, 0.0, 0.3, 0.8, 0.96):
                targets.append(spearman_of_latent(r, cells[i], cells[j]))
                truth.append(r)
                a_idx.append(i)
                b_idx.append(j)
    got = latent_for_spearman_batch(
        np.array(targets), coef[a_idx], coef[b_idx], [cells[i] for i in a_idx], [cells[j] for j in b_idx]
    )
    for t, want, have, i, j in zip(targets, truth, got, a_idx, b_idx, strict=True):
        if i == 5 or j == 5:
            assert have == 0.0
            continue
        # the inversion is exact where the Spearman value pins r down; near saturation check the Spearman
        assert abs(spearman_of_latent(float(have), cells[i], cells[j]) - t) < 5e-4, (
            i,
            j,
            want,
            have,
        )  # the solvers stop within 5e-4
        if abs(want) <= 0.8:
            # the target is pulled 1e-6 toward 0 (_TARGET_SLACK): exact to that, never more extreme
            assert abs(spearman_of_latent(float(have), cells[i], cells[j]) - t) < 1.1e-6, (i, j, want, have)
            assert abs(have) <= abs(want) + 1e-9, (i, j, want, have)


@pytest.mark.parametrize("probs_b", [[0.05, 0.95], [0.9, 0.08, 0.02], [0.3, 0.7]])
def test_saturated_targets_invert_continuously(probs_b):
    """Near the end of the attainable range the Spearman curve is flat: rounding must not swing the latent r.

    Between nested binary columns every r from 0.9 to 1 gives the same Spearman value to 1e-12; a fit on
    another BLAS moved r from 0.92 to 0.9999. Targets a hair apart, and beyond the end, must give nearly
    the same r, the least extreme one that comes within the slack.
    """
    import numpy as np

    from pytest_synthdata._copula import (
        _TARGET_SLACK,
        R_MAX,
        hermite_coefficients,
        latent_for_spearman,
        latent_for_spearman_batch,
        spearman_of_latent,
    )
    from pytest_synthdata._marginals import Discrete

    a, b = Discrete(np.array([0.3, 0.7])).rank_cells(), Discrete(np.array(probs_b)).rank_cells()
    coef = hermite_coefficients([a, b])
    for side in (1.0, -1.0):
        end = spearman_of_latent(side * R_MAX, a, b)
        targets = np.append(end * np.array([1.0 - 1e-12, 1.0, 1.0 + 1e-12]), end + side * 0.01)
        got = latent_for_spearman_batch(targets, coef[[0] * 4], coef[[1] * 4], [a] * 4, [b] * 4)
        assert np.ptp(got[:3]) < 1e-6, (side, got)
        assert abs(got[3] - got[0]) < 1e-3, (side, got)  # beyond reach: clamped to the end first
        assert abs(spearman_of_latent(float(got[0]), a, b) - end) < 2 * _TARGET_SLACK, (side, got)
        assert abs(got[0]) < R_MAX
        # the quadrature path (tables with too many cells for orthants) follows the same rule
        by_quadrature = [latent_for_spearman(float(t), a, b, slack=_TARGET_SLACK)[0] for t in targets]
        assert np.ptp(by_quadrature[:3]) < 1e-5 and abs(by_quadrature[0] - got[0]) < 1e-3, (by_quadrature, got)


def test_bivariate_normal_orthants_match_scipy():
    """bvn_upper (Genz's algorithm) against SciPy's multivariate normal CDF, including |r| near 1 and r < 0."""
    import numpy as np
    from scipy.stats import multivariate_normal

    from pytest_synthdata._copula import bvn_upper

    rng = np.random.default_rng(11)
    h, k = rng.normal(0.0, 1.5, 200), rng.normal(0.0, 1.5, 200)
    r = np.concatenate([rng.uniform(-0.9, 0.9, 100), rng.choice([-1, 1], 100) * rng.uniform(0.93, 0.99999, 100)])
    got = bvn_upper(h, k, r)
    for hi, ki, ri, g in zip(h, k, r, got, strict=True):
        want = multivariate_normal(mean=[0, 0], cov=[[1, ri], [ri, 1]]).cdf([-hi, -ki])  # P(X > h, Y > k)
        assert abs(g - want) < 1e-7, (hi, ki, ri, g, want)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 400), one_r=st.booleans())
def test_bivariate_orthants_skipping_underflowing_rows_are_the_bits_of_every_row(seed, n, one_r):
    """Near |r| = 1 the rows of points far from the diagonal underflow to 0.0; bvn_upper skips them, bit for bit."""
    import numpy as np

    from pytest_synthdata import _copula

    rng = np.random.default_rng(seed)
    h, k = rng.normal(0.0, 2.0, n), rng.normal(0.0, 2.0, n)
    k[rng.random(n) < 0.2] = 30.0  # (cuts clipped to +-30 by the orthant solve)
    h[rng.random(n) < 0.1] = -30.0
    r = rng.choice([-1, 1], n) * (1.0 - 10.0 ** rng.uniform(-9, -1.2, n))  # all past 0.925: Drezner-Wesolowsky
    if one_r:
        r[:] = r[0]
    got = _copula.bvn_upper(h, k, r)
    with mock.patch.object(_copula, "_BVN_FAR_MIN", n + 1):  # (every row computed)
        want = _copula.bvn_upper(h, k, r)
    assert got.tobytes() == want.tobytes()


def _tied_pairs(rng, count, *, continuous, sizes, low, target):
    """Up to ``count`` random pairs of tie structures (None, with probability ``continuous``: a continuous column;
    never both), each with a latent r of either sign in [``low``, 0.9999) and ``target(r, a, b)`` of it."""
    import numpy as np

    from pytest_synthdata._marginals import Discrete

    a_cells, b_cells, targets = [], [], []
    for _ in range(count):
        pair = []
        for _side in range(2):
            if rng.random() < continuous:
                pair.append(None)
            else:
                p = rng.dirichlet(np.ones(int(rng.choice(sizes))))
                pair.append(Discrete(np.maximum(p, 1e-3)).rank_cells())
        if pair[0] is None and pair[1] is None:
            continue
        r = float(rng.choice([-1, 1]) * rng.uniform(low, 0.9999))
        a_cells.append(pair[0])
        b_cells.append(pair[1])
        targets.append(target(r, pair[0], pair[1]))
    return a_cells, b_cells, targets


def test_orthant_inversion_agrees_with_the_quadrature_near_saturation():
    """The batched Newton solve that fit() uses for saturated pairs reaches the Spearman value the quadrature does."""
    import numpy as np

    from pytest_synthdata._copula import _orthant_solve, latent_for_spearman, spearman_of_latent

    rng = np.random.default_rng(3)
    a_cells, b_cells, targets = _tied_pairs(
        rng,
        60,
        continuous=0.2,
        sizes=[2, 3, 6, 25],
        low=0.9,
        target=lambda r, a, b: spearman_of_latent(r, a, b) + float(rng.choice([0.0, 0.02])),
    )
    got = _orthant_solve(np.array(targets), a_cells, b_cells, np.zeros(len(targets)))
    for t, have, a, b in zip(targets, got, a_cells, b_cells, strict=True):
        want = latent_for_spearman(t, a, b)[0]
        # beyond the attainable range both clamp to +-R_MAX; inside both reach the target (the solve stops within 2e-5)
        assert abs(spearman_of_latent(float(have), a, b) - spearman_of_latent(want, a, b)) < 5e-4, (
            t,
            have,
            want,
        )  # the solve stops within 5e-4


def test_the_orthant_solve_in_blocks_of_points_gives_the_bits_of_one_block(monkeypatch):
    """The orthant passes run their (cut, cut) points a block at a time (a 61-column tied table spent 4.8 s in
    passes over 2 million points' temporaries, 2 s in blocks): each point's numbers are its own, and blocks are
    cut at multiples of 64 from the arrays one call reads, so blocks of 64 to 4,096 points (pairs cut across
    them, low and high r, |r| = 1, far points, continuous columns) give the bits of one block."""
    import numpy as np

    from pytest_synthdata import _copula

    rng = np.random.default_rng(11)
    a_cells, b_cells, targets = _tied_pairs(
        rng, 40, continuous=0.15, sizes=[2, 5, 12, 30], low=0.3, target=_copula.spearman_of_latent
    )
    start = np.zeros(len(targets))
    whole = _copula._orthant_solve(np.array(targets), a_cells, b_cells, start)
    assert sum(len(a.cuts) * len(b.cuts) for a, b in zip(a_cells, b_cells, strict=True) if a and b) > 2_000
    h, k = rng.normal(0, 2, 5_000), rng.normal(0, 2, 5_000)
    r = np.concatenate([rng.uniform(-1, 1, 2_000), rng.choice([-1, 1], 2_000) * rng.uniform(0.9, 1, 2_000)])
    r = np.concatenate([r, rng.choice([-1.0, 1.0, 0.93, -0.99999], 1_000)])  # (|r| = 1 too)
    h[::7] = k[::7] + 40.0  # (far points, whose rows underflow)
    one = _copula.bvn_upper(h, k, r)
    for size in (64, 192, 4096):
        monkeypatch.setattr(_copula, "_BVN_BLOCK", size)
        blocked = _copula._orthant_solve(np.array(targets), a_cells, b_cells, start)
        assert blocked.tobytes() == whole.tobytes()
        assert _copula.bvn_upper(h, k, r).tobytes() == one.tobytes()


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_a_target_past_the_attainable_end_lands_just_inside_it(sign):
    """A fitted target past the attainable end (one column nearly a function of the other) is clamped to the end and
    pulled ``slack`` in: the latent r reproduces that, whether one Newton step back from the end found it (many
    cells on both sides: a curve about linear in theta there) or the search did (a curve flattening at its end)."""
    import numpy as np

    from pytest_synthdata._copula import R_MAX, _orthant_solve, spearman_of_latent
    from pytest_synthdata._marginals import Discrete

    rng = np.random.default_rng(11)
    a_cells, b_cells = [], []
    sizes = [(33, 34), (40, 40), (12, 5), (2, 26)]
    for size_a, size_b in sizes:
        a_cells.append(Discrete(rng.dirichlet(np.ones(size_a)) + 1e-3).rank_cells())
        b_cells.append(Discrete(rng.dirichlet(np.ones(size_b)) + 1e-3).rank_cells())
    slack = 1e-6
    targets = np.full(len(a_cells), sign)  # past every pair's end
    got = _orthant_solve(targets, a_cells, b_cells, np.full(len(a_cells), 0.5 * sign), slack=slack)
    for (size_a, _), have, a, b in zip(sizes, got.tolist(), a_cells, b_cells, strict=True):
        end = spearman_of_latent(sign * R_MAX, a, b)
        assert 0.0 < sign * have < R_MAX
        off = abs(spearman_of_latent(have, a, b) - (end - sign * slack))
        # (the quadrature and the orthant sums differ by a few 1e-9 themselves; the search stops within ~1e-6)
        assert off < (2e-8 if size_a >= 33 else 1e-6), (size_a, off)


@pytest.mark.parametrize("sizes", [(33, 34), (56, 58), (20, 20)])
@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_a_target_past_the_end_is_settled_by_the_steps_back_from_the_end(monkeypatch, sizes, sign):
    """A column nearly a function of another (many cells on both sides, as ids and their groups) gives a target
    past the attainable end. The Newton step back from the end and the step after it (one pass of orthants for
    both) settle it: two passes in all with the end's, where a search from the series' start took eleven (a
    403-row table's fit spent 11 of its 17 ms there)."""
    import numpy as np

    import pytest_synthdata._copula as copula
    from pytest_synthdata._marginals import Discrete

    passes = []
    orthants = copula.bvn_upper
    monkeypatch.setattr(copula, "bvn_upper", lambda h, k, r: passes.append(len(h)) or orthants(h, k, r))
    rng = np.random.default_rng(11)
    a = Discrete(rng.dirichlet(np.ones(sizes[0])) + 1e-3).rank_cells()
    b = Discrete(rng.dirichlet(np.ones(sizes[1])) + 1e-3).rank_cells()
    slack = 1e-6
    got = float(copula._orthant_solve(np.array([sign]), [a], [b], np.array([0.5 * sign]), slack=slack)[0])
    assert len(passes) == 2, passes
    end = copula.spearman_of_latent(sign * copula.R_MAX, a, b)
    assert 0.0 < sign * got < copula.R_MAX
    # (the quadrature and the orthant sums differ by a few 1e-9 themselves)
    assert abs(copula.spearman_of_latent(got, a, b) - (end - sign * slack)) < 2e-8


@settings(max_examples=60, deadline=None)
@given(st.integers(3, 9), st.integers(0, 2**32 - 1), st.floats(0.05, 0.6))
def test_free_pairs_take_the_maximum_determinant_completion(d, seed, share):
    from pytest_synthdata._copula import _max_determinant

    rng = np.random.default_rng(seed)
    factors = rng.normal(size=(d, 2))
    a = factors @ factors.T + np.diag(rng.uniform(1e-4, 0.5, d))  # strongly correlated, some nearly singular
    a = a / np.sqrt(np.outer(np.diag(a), np.diag(a)))
    free = np.triu(rng.random((d, d)) < share, 1)
    iu, ju = np.nonzero(free)
    y = _max_determinant(a, iu, ju)
    free = free | free.T
    assert np.linalg.eigvalsh(y).min() > 0 and np.linalg.slogdet(y)[1] >= np.linalg.slogdet(a)[1]
    np.testing.assert_array_equal(y[~free], a[~free])  # observed pairs are kept
    np.testing.assert_array_equal(y, y.T)
    # at the maximum of log det over the free entries, the inverse is zero there
    inv = np.linalg.inv(y)
    scale = np.sqrt(np.outer(np.diag(inv), np.diag(inv)))
    assert np.abs(inv[free] / scale[free]).max(initial=0.0) < 1e-4  # a partial correlation of 0


def _chained_schema(width: int, *, step: float = 0.5) -> sd.Schema:
    columns = {
        f"c{i:03d}": (sd.Float(mean=0, std=1) if i % 3 else sd.Category({"a": 0.5, "b": 0.3, "c": 0.2}))
        for i in range(width)
    }
    names = list(columns)
    corr = {(names[i], names[i + 1]): step * (-1.0 if i % 4 == 3 else 1.0) for i in range(width - 1)}
    return sd.Schema("wide", columns, correlations=corr)


def test_a_wide_schema_completes_undeclared_pairs_at_the_maximum_determinant():
    # 60 columns and 59 declared pairs leave 1,711 free pairs: the completion goes through the dual
    # (covariance selection); before, pair-by-pair sweeps stopped 1e-2 short of the maximum
    width = 60
    schema = _chained_schema(width)
    y = np.asarray(schema.latent_correlation)
    inv = np.linalg.inv(y)
    scale = np.sqrt(np.outer(np.diag(inv), np.diag(inv)))
    chain = np.abs(np.subtract.outer(np.arange(width), np.arange(width))) <= 1
    assert np.abs(inv[~chain] / scale[~chain]).max() < 1e-8  # undeclared: a partial correlation of 0
    # along a chain the maximum-determinant completion is the product of the links
    assert y[0, 2] == pytest.approx(y[0, 1] * y[1, 2], abs=1e-9)
    for (a, b), target in schema.declared_correlations.items():
        assert schema.correlations[(a, b)] == pytest.approx(target, abs=0.005)


def test_a_wide_schema_with_conflicting_targets_is_still_repaired():
    # a, b, c with a~b = b~c = 0.95 and a~c = -0.95 cannot hold together, beside 40 free columns:
    # the dual has no minimum, and the projections repair the targets as for a narrow schema
    columns = {f"c{i:02d}": sd.Float(mean=0, std=1) for i in range(43)}
    corr = {("c00", "c01"): 0.95, ("c01", "c02"): 0.95, ("c00", "c02"): -0.95}
    with pytest.warns(CorrelationRepairedWarning, match="cannot hold together"):
        schema = sd.Schema("conflict", columns, correlations=corr)
    assert np.linalg.eigvalsh(np.asarray(schema.latent_correlation)).min() > 0


def test_covariance_selection_matches_the_primal_completion():
    from pytest_synthdata._copula import _max_determinant, covariance_selection

    rng = np.random.default_rng(5)
    d = 12
    factors = rng.normal(size=(d, 3))
    a = factors @ factors.T + np.diag(rng.uniform(0.2, 1.0, d))
    a = a / np.sqrt(np.outer(np.diag(a), np.diag(a)))
    free = np.triu(rng.random((d, d)) < 0.5, 1)
    iu, ju = np.nonzero(free)
    primal = _max_determinant(a, iu, ju)
    free = free | free.T
    dual = covariance_selection(a, ~free)
    assert dual is not None
    np.testing.assert_allclose(dual, primal, atol=1e-6)  # (the primal stops at a rise of 1e-9)
    np.testing.assert_array_equal(dual[~free], a[~free])


def test_completion_runs_newton_on_the_side_with_fewer_unknowns(monkeypatch: pytest.MonkeyPatch) -> None:
    """Many free pairs and many more kept ones (a wide fit with gaps): the primal Newton, not the dual.

    The dual's Newton has an unknown per kept pair and the diagonal; with 400 free pairs of 1,225 it would
    solve for 875 unknowns where the primal solves for 400 (a step costs about the cube). Both find the
    one maximum; the dual is never called."""
    from pytest_synthdata import _copula

    rng = np.random.default_rng(11)
    d = 50
    factors = rng.normal(size=(d, 4))
    a = factors @ factors.T + np.diag(rng.uniform(0.3, 1.0, d))
    a = a / np.sqrt(np.outer(np.diag(a), np.diag(a)))
    pairs = np.transpose(np.triu_indices(d, 1))
    chosen = pairs[rng.choice(len(pairs), 400, replace=False)]
    free = np.zeros((d, d), dtype=bool)
    free[chosen[:, 0], chosen[:, 1]] = True
    free |= free.T
    reference = _copula.covariance_selection(a, ~free)
    assert reference is not None

    def no_dual(*args: object, **kwargs: object) -> None:
        raise AssertionError("the dual was called where the primal has fewer unknowns")

    monkeypatch.setattr(_copula, "covariance_selection", no_dual)
    completed = _copula.max_determinant_completion(a, free)
    np.testing.assert_allclose(completed, reference, atol=1e-6)
    np.testing.assert_array_equal(completed[~free], a[~free])


def _factor_correlation(d: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    factors = rng.normal(size=(d, 4))
    a = factors @ factors.T + np.diag(rng.uniform(0.3, 1.0, d))
    return a / np.sqrt(np.outer(np.diag(a), np.diag(a)))


def _random_free(d: int, count: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    pairs = np.transpose(np.triu_indices(d, 1))
    chosen = pairs[rng.choice(len(pairs), count, replace=False)]
    free = np.zeros((d, d), dtype=bool)
    free[chosen[:, 0], chosen[:, 1]] = True
    return free | free.T


def test_primal_newton_builds_its_hessian_a_block_of_rows_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Blocks of rows (a large Hessian's memory) give the same bits as the whole table at once."""
    from pytest_synthdata import _copula

    a = _factor_correlation(30, 3)
    iu, ju = np.nonzero(np.triu(_random_free(30, 120, 4), 1))
    at_once = _copula._max_determinant(a, iu, ju)
    monkeypatch.setattr(_copula, "_HESSIAN_BLOCK", 1000)  # (8 rows a block)
    np.testing.assert_array_equal(_copula._max_determinant(a, iu, ju), at_once)


def test_completion_of_many_free_and_many_kept_pairs_converges(monkeypatch: pytest.MonkeyPatch) -> None:
    """1,200 free pairs and 3,850 dual unknowns (100 columns): the primal Newton, not the pair-by-pair sweeps,
    which stop short of the maximum there; the completion's inverse is zero on every free entry."""
    from pytest_synthdata import _copula

    a, free = _factor_correlation(100, 5), _random_free(100, 1200, 6)

    def no_sweeps(*args: object, **kwargs: object) -> None:
        raise AssertionError("the pair-by-pair sweeps were called where the primal Newton fits")

    monkeypatch.setattr(_copula, "_max_determinant_by_coordinates", no_sweeps)
    completed = _copula.max_determinant_completion(a, free)
    inverse = np.linalg.inv(completed)
    assert np.abs(inverse[free]).max() < 1e-6 * np.abs(np.diag(inverse)).max()
    np.testing.assert_array_equal(completed[~free], a[~free])


def test_densely_declared_wide_schema_completes_by_the_primal(monkeypatch: pytest.MonkeyPatch) -> None:
    """A schema declaring most pairs of 40 columns (350 left free, 470 dual unknowns): no dual, whose Newton on
    the larger side took seconds for 80 columns; the fixed entries hold and the inverse is zero on the free ones."""
    from pytest_synthdata import _copula

    d = 40
    a, free = _factor_correlation(d, 7), _random_free(d, 350, 8)
    fixed = ~free & ~np.eye(d, dtype=bool)

    def no_dual(*args: object, **kwargs: object) -> None:
        raise AssertionError("the dual was called where the primal has fewer unknowns")

    monkeypatch.setattr(_copula, "covariance_selection", no_dual)
    completed, kept = _copula.complete_correlation(a, fixed)
    assert kept
    np.testing.assert_allclose(completed[fixed], a[fixed], atol=1e-12)
    inverse = np.linalg.inv(completed)
    assert np.abs(inverse[free]).max() < 1e-5 * np.abs(np.diag(inverse)).max()


def test_covariance_selection_leaves_a_nearly_singular_completion_to_the_repair():
    from pytest_synthdata._copula import covariance_selection

    a = np.eye(3)
    a[0, 1] = a[1, 0] = 1.0 - 1e-7  # smallest eigenvalue of any completion: about 1e-7
    a[1, 2] = a[2, 1] = 0.5
    keep = np.ones((3, 3), dtype=bool)
    keep[0, 2] = keep[2, 0] = False
    loose = covariance_selection(a, keep)
    assert loose is not None and loose[0, 2] == pytest.approx(0.5, abs=1e-6)  # the chain's product
    assert covariance_selection(a, keep, floor=5e-7) is None


def test_a_mostly_missing_column_keeps_its_values_distribution_where_present():
    """A column's value and its own null flag are never seen together; their latent correlation was completed
    from the other columns' (here: both follow x), which shifted the present rows' values: y, seen only where x is
    high, came out KS 0.36 from its real values. It is held at 0 (as near as a valid matrix allows), so present rows
    draw the fitted marginal."""
    from scipy import stats

    rng = np.random.default_rng(2)
    n = 3_000
    x = rng.normal(size=n)
    y = x + rng.normal(0, 0.5, n)
    y[x < 1.2] = np.nan  # (missing in 88% of rows)
    w = np.where(np.isnan(y), np.nan, rng.gamma(2.0, 1.0, n) + x)  # (missing on y's rows: y's flag is its own)
    real = pd.DataFrame({"x": x, "y": y, "z": x * 0.5 + rng.normal(size=n), "w": w})
    model = sd.fit(real, name="t")
    assert "missing on the same rows as 'y'" in model.info["columns"]["w"]["why"]
    labels = model.latent_space.labels
    corr = np.asarray(model.latent_correlation)
    # (held at 0 where the matrix allows it; here x's correlations with both leave no valid matrix with an exact
    # 0, and the repair moves it the least it must: completed, it was -0.53)
    assert abs(corr[labels.index("y"), labels.index("y is null")]) < 0.1
    assert abs(corr[labels.index("w"), labels.index("y is null")]) < 0.1
    sample = model.sample(20_000, seed=1)
    assert stats.ks_2samp(real.y.dropna(), sample.y.dropna()).statistic < 0.1
    assert stats.ks_2samp(real.w.dropna(), sample.w.dropna()).statistic < 0.1
    assert sample.y.isna().mean() == pytest.approx(real.y.isna().mean(), abs=0.02)
    # the missingness still follows x (the flag's own correlations are kept)
    assert sample.x[sample.y.notna()].mean() > sample.x[sample.y.isna()].mean() + 1.0


def test_a_flag_seen_missing_in_a_few_rows_where_another_column_has_a_value_is_not_tied_to_that_column():
    """Two near-identical columns missing mostly together (more often for low values): each one's flag is
    missing in only a row or two where the other has a value. Those rows' correlation was taken as the flag's tie
    to the other column, which contradicted the values' own correlation, and the repair cut r = 0.999 to 0.80
    (statsmodels' fertility rates of 1960 and 1961: to 0.66). On the pair's rows the flag is rare: left free."""
    rng = np.random.default_rng(0)
    n = 300
    x = rng.gamma(4, 1.5, n)
    real = pd.DataFrame({"a": x, "b": x * 0.98 + rng.normal(0, 0.05, n)})
    gone = rng.choice(np.argsort(x)[:80], 30, replace=False)  # (missing mostly among the low values)
    real.loc[gone, ["a", "b"]] = np.nan
    real.loc[gone[:2], "a"] = x[gone[:2]]  # (2 rows where only b is missing)
    real.loc[np.argsort(x)[150:151], "a"] = np.nan  # (1 row where only a is missing)
    model = sd.fit(real, name="t")
    labels = model.latent_space.labels
    corr = np.asarray(model.latent_correlation)
    assert corr[labels.index("a"), labels.index("b")] > 0.99
    sample = model.sample(5_000, seed=1)
    assert sample.a.corr(sample.b) > 0.98
    assert sample.a.isna().mean() == pytest.approx(real.a.isna().mean(), abs=0.02)
    assert sample.b.isna().mean() == pytest.approx(real.b.isna().mean(), abs=0.02)
