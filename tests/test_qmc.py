"""Spread (randomized quasi-Monte Carlo) latent draws: exact rows, even coverage, row stability."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from scipy.stats import qmc

import pytest_synthdata as sd
from pytest_synthdata import _qmc
from pytest_synthdata._sobol_table import DIMS
from pytest_synthdata.errors import InvalidArgument


@pytest.mark.parametrize("d", [1, 2, 7, DIMS])
def test_unscrambled_points_are_scipys_sobol_sequence(d):
    """The stored direction numbers and the Gray-code doubling give scipy's points exactly."""
    expected = qmc.Sobol(d, scramble=False, bits=32).random_base2(12)
    for m in (1, 2, 3, 5, 100, 4096):
        assert np.array_equal(_qmc.sobol_points(m, d) / 2**32, expected[:m])


@given(seed=st.integers(0, 2**32 - 1), k=st.integers(0, 12), d=st.integers(1, 12))
@settings(max_examples=40, deadline=None)
def test_every_power_of_two_prefix_fills_each_interval_once(seed, k, d):
    """The scramble keeps the net: the first 2**k values of a coordinate fall one in each 1/2**k interval."""
    u = _qmc.spread_uniforms(np.random.default_rng(seed), 2**k, d)
    assert ((0.0 < u) & (u < 1.0)).all()
    for j in range(d):
        assert np.array_equal(np.sort(np.floor(u[:, j] * 2**k)), np.arange(2**k))


@given(seed=st.integers(0, 2**32 - 1), k=st.integers(1, 10))
@settings(max_examples=25, deadline=None)
def test_first_two_coordinates_stay_a_zero_net_after_scrambling(seed, k):
    """Sobol' coordinates 0 and 1 form a (0, k, 2)-net: every 2**-i x 2**-(k-i) box holds exactly one point."""
    u = _qmc.spread_uniforms(np.random.default_rng(seed), 2**k, 2)
    for i in range(k + 1):
        box = np.floor(u[:, 0] * 2**i).astype(np.int64) * 2 ** (k - i) + np.floor(u[:, 1] * 2 ** (k - i)).astype(
            np.int64
        )
        assert np.array_equal(np.sort(box), np.arange(2**k))


def test_each_row_is_exactly_uniform_over_scrambles():
    """Across seeds, any one row's coordinates are U(0, 1) and unrelated (the scramble randomises every point)."""
    rows = np.array([_qmc.spread_uniforms(np.random.default_rng(s), 6, 3)[5] for s in range(3000)])
    for j in range(3):
        assert stats.kstest(rows[:, j], "uniform").pvalue > 1e-3
    assert abs(stats.spearmanr(rows[:, 0], rows[:, 1])[0]) < 0.08


@pytest.mark.parametrize("d", [3, DIMS + 6])
def test_rows_are_a_prefix_of_a_longer_draw(d):
    """Also beyond the stored dimensions, where the coordinates are plain uniforms."""
    short = _qmc.spread_normals(np.random.default_rng(11), 37, d)
    long = _qmc.spread_normals(np.random.default_rng(11), 4096, d)
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
    """The point of spread rows: 300 of them match each column's distribution like thousands of independent ones."""
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
    for seed in range(20):
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
    assert (iid_mean > 2 * spread_mean).all(), (spread_mean, iid_mean)
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
