"""Spread latent draws (a nested Latin hypercube built by doubling): exact rows, even coverage, independent columns."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import pytest_synthdata as sd
from pytest_synthdata import _qmc
from pytest_synthdata.errors import InvalidArgument


@given(seed=st.integers(0, 2**32 - 1), k=st.integers(0, 12), d=st.integers(1, 12))
@settings(max_examples=40, deadline=None)
def test_every_power_of_two_prefix_fills_each_interval_once(seed, k, d):
    """The first 2**k values of a coordinate fall one in each 1/2**k interval, for every k at once."""
    u = _qmc.spread_uniforms(np.random.default_rng(seed), 2**k, d).T
    assert ((0.0 < u) & (u < 1.0)).all()
    for level in range(k + 1):
        for j in range(d):
            assert np.array_equal(np.sort(np.floor(u[: 2**level, j] * 2**level)), np.arange(2**level))


def test_each_row_is_exactly_uniform_over_seeds():
    """Across seeds, any one row's values are U(0, 1), not a grid (the jitter) and not tied to each other."""
    rows = np.array([_qmc.spread_uniforms(np.random.default_rng(s), 77, 3).T[[0, 1, 5, 40, 76]] for s in range(3000)])
    for r in range(5):
        for j in range(3):
            assert stats.kstest(rows[:, r, j], "uniform").pvalue > 1e-3, (r, j)
        assert abs(stats.spearmanr(rows[:, r, 0], rows[:, r, 1])[0]) < 0.08


@pytest.mark.parametrize(("n", "inflation"), [(8, 1.127), (16, 1.10), (100, 1.031), (1000, 1.004)])
def test_unrelated_coordinates_stay_nearly_as_unrelated_as_independent_draws(n, inflation):
    """Pairwise Spearman correlations of unrelated coordinates average 0 and spread about like i.i.d. ones.

    With i.i.d. draws their sd is 1/sqrt(n - 1). Stratifying every prefix
    forces some pairs of rows (0 and 1 fall in opposite halves of every
    coordinate), which widens it by the measured ``inflation`` (3,000 seeds;
    12% at 4-16 rows, vanishing with n). The points of a scrambled Sobol' net
    fail this badly: in every 16-row sample some of its pairs pass 0.6.
    """
    d, seeds = 40, 200 if n < 1000 else 40
    pairs = np.triu_indices(d, 1)
    r = np.array(
        [stats.spearmanr(_qmc.spread_normals(np.random.default_rng(s), n, d).T).statistic[pairs] for s in range(seeds)]
    )
    ratio = r.std(axis=0) * np.sqrt(n - 1)  # per pair, up to the noise of the seeds (about 5% with 200)
    assert ratio.mean() == pytest.approx(inflation, abs=0.04), ratio.mean()
    assert ratio.max() < 1.5, ratio.max()
    assert np.abs(r.mean(axis=0)).max() < 4.5 / np.sqrt(seeds * (n - 1))


class _Stub:
    """A generator whose jitter is as close to 1 as a double below 1 gets: the worst rounding case."""

    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)

    def integers(self, *args, **kwargs):
        return self.rng.integers(*args, **kwargs)

    def random(self, shape):
        return np.full(shape, 1.0 - 2.0**-53)


def test_jitter_next_to_one_never_lands_on_the_next_interval():
    """(2c + 1 + jitter) must stay below 2c + 2, or two rows share an interval and the next level breaks."""
    u = _qmc.spread_uniforms(_Stub(5), 4096, 3).T
    assert (u < 1.0).all()
    for level in range(13):
        for j in range(3):
            assert np.array_equal(np.sort(np.floor(u[: 2**level, j] * 2**level)), np.arange(2**level))


def test_declared_correlations_of_later_columns_are_unbiased_in_small_samples():
    columns = {f"f{i}": sd.Float(mean=0.0, std=1.0) for i in range(12)}
    schema = sd.Schema("later", columns, correlations={("f8", "f10"): 0.6})
    spread = [schema.sample(32, seed=s)[["f8", "f10"]].corr("spearman").iloc[0, 1] for s in range(300)]
    iid = [schema.sample(32, seed=s, independent=True)[["f8", "f10"]].corr("spearman").iloc[0, 1] for s in range(300)]
    assert abs(np.mean(spread) - np.mean(iid)) < 0.03
    assert np.std(spread) < 1.3 * np.std(iid)


@pytest.mark.parametrize("d", [3, 5, 1100])
def test_rows_are_a_prefix_of_a_longer_draw(d):
    """(d=5: the short draw lays its partners' positions out once, the long one level by level; same bits.)"""
    short = _qmc.spread_normals(np.random.default_rng(11), 37, d).T
    long = _qmc.spread_normals(np.random.default_rng(11), 4096, d).T
    assert np.array_equal(short, long[:37])
    assert np.isfinite(long).all()


def test_a_block_holds_at_most_its_points():
    with pytest.raises(ValueError, match="at most 4096"):
        _qmc.spread_uniforms(np.random.default_rng(0), 4097, 2)


def _ks(values, cdf):
    x = np.sort(values)
    n = len(x)
    f = cdf(x)
    return max(np.max(np.arange(1, n + 1) / n - f), np.max(f - np.arange(n) / n))


def test_small_samples_match_the_model_far_closer_than_independent_rows():
    """The point of spread rows: 300 of them match each column's distribution more closely than independent ones."""
    schema = sd.Schema(
        "spread",
        {
            "x": sd.Float(mean=0.0, std=1.0),
            "y": sd.Float(mean=10.0, std=2.0),
            "c": sd.Category(["a", "b", "c"], weights=[0.6, 0.3, 0.1]),
        },
        correlations={("x", "y"): 0.6, ("x", "c"): -0.3},
    )
    spread, iid = [], []
    for seed in range(100):
        for independent, out in ((False, spread), (True, iid)):
            df = schema.sample(300, seed=seed, independent=independent)
            share = df["c"].value_counts(normalize=True).reindex(["a", "b", "c"], fill_value=0).to_numpy()
            out.append(
                (
                    _ks(df["x"].to_numpy(), stats.norm.cdf),
                    _ks(df["y"].to_numpy(), stats.norm(10, 2).cdf),
                    0.5 * np.abs(share - [0.6, 0.3, 0.1]).sum(),
                )
            )
    spread_mean, iid_mean = np.mean(spread, axis=0), np.mean(iid, axis=0)
    # x is the first latent coordinate, fully stratified (2.6x closer over 1,000 seeds); y and c mix it with their
    # own coordinates through the Cholesky factor, so they gain less (1.25x and 1.46x)
    assert iid_mean[0] > 2.2 * spread_mean[0], (spread_mean, iid_mean)
    assert (iid_mean[1:] > 1.1 * spread_mean[1:]).all(), (spread_mean, iid_mean)
    # and the joint structure is the model's: the rank correlation is the declared one, as with independent rows
    big = schema.sample(4096, seed=3)
    assert big["x"].corr(big["y"], method="spearman") == pytest.approx(0.6, abs=0.03)


def test_independent_must_be_a_bool():
    schema = sd.Schema("b", {"x": sd.Float(mean=0, std=1)})
    with pytest.raises(InvalidArgument, match="independent='yes'"):
        schema.sample(3, seed=1, independent="yes")


def test_fitted_models_and_their_files_sample_spread_rows_bit_identically(tmp_path):
    rng = np.random.default_rng(0)
    real = pd.DataFrame({"a": rng.normal(size=400), "b": rng.choice(["u", "v", "w"], size=400)})
    model = sd.fit(real, name="spread")
    loaded = sd.load(model.save(tmp_path / "spread.synth.json"))
    for independent in (False, True):
        pd.testing.assert_frame_equal(
            model.sample(500, seed=9, independent=independent), loaded.sample(500, seed=9, independent=independent)
        )
    assert not model.sample(500, seed=9).equals(model.sample(500, seed=9, independent=True))


def test_blocks_drawn_together_give_each_block_its_own_bits():
    """spread_blocks writes the blocks of a range into one array: each block is what spread_normals gives it alone,
    and the coordinates asked for as uniforms are what spread_uniforms gives (the values before their scores)."""
    sizes = [4096, 4096, 1808]
    together = _qmc.spread_blocks([np.random.default_rng(s) for s in range(3)], sizes, 4)
    alone = np.concatenate([_qmc.spread_normals(np.random.default_rng(s), m, 4) for s, m in enumerate(sizes)], axis=1)
    assert together.tobytes() == alone.tobytes()
    mixed = _qmc.spread_blocks([np.random.default_rng(s) for s in range(3)], sizes, 4, uniform=[1, 3])
    uniforms = np.concatenate([_qmc.spread_uniforms(np.random.default_rng(s), m, 4) for s, m in enumerate(sizes)], 1)
    assert mixed[[0, 2]].tobytes() == alone[[0, 2]].tobytes()
    assert mixed[[1, 3]].tobytes() == uniforms[[1, 3]].tobytes()
    assert _qmc.spread_blocks([], [], 3).shape == (3, 0)


@pytest.mark.parametrize(
    ("sizes", "d"),
    [
        ([4096, 1808], 1),  # blocks placed together, the last one short
        ([300, 4096, 7], 3),  # a short block before a long one: the blocks placing rows at a level are not a prefix
        ([4096] * 5 + [1], 2),  # more blocks than go together: several groups, the last of one block
        ([4096, 4096], 40),  # blocks too large to go together: one at a time
        ([1, 1, 2], 5),  # blocks of one and two rows
        ([4096, 4096, 1808], 5),  # the 10,000 rows of one draw
        ([4096, 4096], 5),  # full blocks only
    ],
)
def test_blocks_placed_together_keep_each_blocks_bits(sizes, d):
    """However spread_blocks groups the blocks (together while they fit the cache, else one at a time), each block's
    rows are the bits spread_normals gives that block alone."""
    together = _qmc.spread_blocks([np.random.default_rng(s) for s in range(len(sizes))], sizes, d)
    alone = np.concatenate([_qmc.spread_normals(np.random.default_rng(s), m, d) for s, m in enumerate(sizes)], axis=1)
    same = together.tobytes() == alone.tobytes()  # (a bool: pytest would diff the two byte strings for minutes)
    assert same
    assert together.flags.c_contiguous  # (the rows are correlated by a matrix product: a strided view is slow there)
