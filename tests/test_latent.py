"""Latent sources: a row is a pure function of the inputs its source supplies."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import pytest_synthdata as sd
from pytest_synthdata._latent import (
    IndependentRows,
    Restricted,
    SpreadRows,
    SuppliedRows,
    correlate,
    truncated_normal,
    truncated_uniform,
)
from pytest_synthdata.errors import InvalidArgument


def _everything_schema():
    return sd.Schema(
        "everything",
        {
            "id": sd.Id(),
            "key": sd.Id("uuid"),
            "age": sd.Integer(mean=40, std=12, low=18, high=90, null_rate=0.1),
            "income": sd.Float(median=50_000, sigma=0.5, decimals=2),
            "plan": sd.Category({"free": 0.6, "pro": 0.3, "team": 0.1}, null_rate=0.05),
            "churned": sd.Boolean(p=0.2),
            "signup": sd.Date(low="2020-01-01", high="2024-12-31"),
            "last_seen": sd.Date(low="2020-01-01", high="2025-06-30"),
            "email": sd.Faker("email", unique=True),
            "name": sd.Faker("name", null_rate=0.2),
        },
        correlations={("age", "income"): 0.5, ("plan", "churned"): -0.3},
        constraints=["signup < last_seen"],
    )


def _penguins_model():
    rng = np.random.default_rng(3)
    n = 400
    species = rng.choice(["Adelie", "Gentoo", "Chinstrap"], n, p=[0.45, 0.35, 0.2])
    mass = np.where(species == "Gentoo", 5000, 3700) + rng.normal(0, 400, n)
    flipper = 150 + mass / 100 + rng.normal(0, 5, n)
    bill = np.where(rng.random(n) < 0.05, np.nan, 40 + rng.normal(0, 3, n))
    df = pd.DataFrame({"species": species, "mass": mass.round(), "flipper": flipper.round(1), "bill": bill})
    return sd.fit(df, name="birds")


def _inputs(model, source, n):
    """The inputs ``source`` gives the model's rows, as row-major arrays a SuppliedRows takes."""
    z, u = source.noise(model.latent_space, 0, n)
    return z.T.copy(), u.copy()


@pytest.mark.parametrize("make", [_everything_schema, _penguins_model])
@pytest.mark.parametrize("independent", [False, True])
def test_rows_are_a_pure_function_of_the_supplied_inputs(make, independent):
    """Feeding a seeded source's inputs back from outside gives the seeded sample, byte for byte.

    So no stage (Faker picks, UUID bytes, null flags, unique permutations,
    constraints) reads a random stream of its own.
    """
    model = make()
    n = 300
    seeded = (IndependentRows if independent else SpreadRows)(7)
    z, u = _inputs(model, seeded, n)
    expected = model.sample(n, seed=7, independent=independent)
    got = model.sample_from(SuppliedRows(z, u, key=7), n)
    pd.testing.assert_frame_equal(got, expected)
    assert got.attrs["synthdata"]["seed"] is None  # rows from outside carry no seed


def test_changing_one_rows_inputs_changes_only_that_row():
    model = _everything_schema()
    n = 50
    z, u = _inputs(model, SpreadRows(1), n)
    before = model.sample_from(SuppliedRows(z, u, key=1), n)
    z[17] = -z[17]
    u[17] = 1.0 - u[17] - 1e-12
    after = model.sample_from(SuppliedRows(z, u, key=1), n)
    changed = [
        not before.iloc[[i]].reset_index(drop=True).equals(after.iloc[[i]].reset_index(drop=True)) for i in range(n)
    ]
    assert changed == [i == 17 for i in range(n)]


def test_all_zero_inputs_give_the_most_typical_row():
    schema = sd.Schema(
        "typical",
        {
            "age": sd.Integer(mean=40, std=12, low=18, high=90, null_rate=0.1),
            "plan": sd.Category({"free": 0.3, "pro": 0.4, "team": 0.3}),
            "churned": sd.Boolean(p=0.2),
            "name": sd.Faker("name"),
        },
        correlations={("age", "plan"): 0.4},
    )
    space = schema.latent_space
    row = schema.sample_from(SuppliedRows(np.zeros((1, space.dims)), np.zeros((1, space.aux))), 1).iloc[0]
    assert row["age"] == 40  # the median
    assert row["plan"] == "pro"  # the category holding the median
    assert not row["churned"]  # the more common value
    assert not pd.isna(row["age"])  # a flag at its median is far below a 10% null rate's cut


def test_null_flags_are_latent_coordinates_spread_like_the_values():
    """A declared null rate comes out exactly in every power-of-two prefix of spread rows (it was a coin per row)."""
    schema = sd.Schema("gaps", {"x": sd.Float(mean=0, std=1, null_rate=0.25), "y": sd.Faker("name", null_rate=0.5)})
    assert schema.latent_space.labels == ("x", "x is null", "y is null")
    for seed in range(20):
        df = schema.sample(64, seed=seed)
        for rows in (4, 8, 16, 64):
            assert df["x"].head(rows).isna().sum() == rows // 4
            assert df["y"].head(rows).isna().sum() == rows // 2


def test_a_fitted_models_rare_null_flags_join_the_latent_space_uncorrelated():
    df = pd.DataFrame({"a": np.arange(200.0) % 37, "b": np.arange(200) % 3 == 0})
    df.loc[[5, 90], "a"] = np.nan  # missing in fewer rows than min_count: not correlated with anything
    model = sd.fit(df, name="rare")
    space = model.latent_space
    assert "a is null" in space.labels
    j = space.coordinate("a is null")
    others = [i for i in range(space.dims) if i != j]
    assert np.all(space.correlation[j, others] == 0.0)
    # (2 missing values are stored as 2.5 rows' worth: every count below min_count reads the same)
    assert model.sample(5000, seed=1)["a"].isna().sum() == pytest.approx(5000 * 2.5 / 200, abs=2)


def test_correlate_equals_the_matrix_product():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(6, 6))
    corr = a @ a.T + 6 * np.eye(6)
    d = np.sqrt(np.diag(corr))
    chol = np.linalg.cholesky(corr / d[:, None] / d[None, :])
    z = rng.standard_normal((6, 1000))
    np.testing.assert_allclose(correlate(z, chol), chol @ z, rtol=0, atol=1e-12)


@pytest.mark.parametrize("rows", [1, 2, 229, 1024, 1025, 3000])
def test_correlate_sums_each_coordinates_terms_in_order_whatever_the_rows(rows):
    """Few rows (all outputs at once) and many (one output at a time) give the bits of a plain ordered sum."""
    rng = np.random.default_rng(rows)
    d = 13
    a = rng.normal(size=(d, d))
    chol = np.linalg.cholesky(a @ a.T / d + 0.3 * np.eye(d))
    chol[rng.random((d, d)) < 0.3] = 0.0  # skipped terms
    chol = np.tril(chol)
    np.fill_diagonal(chol, np.abs(np.diag(chol)) + 0.1)
    chol[4] = 0.0  # a coordinate of its own: copied
    chol[4, 4] = 1.0
    z = rng.standard_normal((d, rows))
    want = np.empty_like(z)
    for j in range(d):
        terms = [z[i] * chol[j, i] for i in range(j + 1) if chol[j, i] != 0.0]
        want[j] = terms[0]
        for term in terms[1:]:
            want[j] += term
    assert np.array_equal(correlate(z, chol).view(np.int64), want.view(np.int64))


def test_correlate_copies_independent_coordinates_exactly():
    chol = np.eye(3)
    chol[1, 0], chol[1, 1] = 0.6, 0.8
    z = np.random.default_rng(1).standard_normal((3, 100))
    x = correlate(z, chol)
    assert np.array_equal(x[0], z[0]) and np.array_equal(x[2], z[2])


@given(
    lo=st.floats(-12, 12),
    width=st.floats(0, 10),
    z=st.lists(st.floats(-8, 8), min_size=1, max_size=20),
)
@settings(max_examples=200, deadline=None)
def test_truncated_normal_stays_in_its_interval(lo, width, z):
    hi = lo + width
    out = truncated_normal(np.array(z), np.full(len(z), lo), np.full(len(z), hi))
    assert np.isfinite(out).all()
    assert ((out >= lo) & (out <= hi)).all()
    assert np.all(np.diff(out[np.argsort(z)]) >= 0)  # monotone in the row's score


@pytest.mark.parametrize(("lo", "hi"), [(-np.inf, -1.5), (0.3, 1.2), (2.5, np.inf), (-0.5, 0.5), (6.0, np.inf)])
def test_truncated_normal_has_the_truncated_distribution(lo, hi):
    z = np.random.default_rng(2).standard_normal(20_000)
    out = truncated_normal(z, np.full_like(z, lo), np.full_like(z, hi))
    assert stats.kstest(out, stats.truncnorm(lo, hi).cdf).pvalue > 1e-3


def test_restricted_coordinate_keeps_its_interval_and_the_others_follow_conditionally():
    r = 0.7
    schema = sd.Schema(
        "pair", {"a": sd.Float(mean=0, std=1), "b": sd.Float(mean=0, std=1)}, correlations={("a", "b"): 0.0}
    )
    schema.latent_correlation[:] = [[1.0, r], [r, 1.0]]
    schema.__dict__.pop("latent_space", None)
    schema._chol = np.linalg.cholesky(schema.latent_correlation)
    space = schema.latent_space
    source = Restricted(IndependentRows(3), {"a": (1.0, 2.0)})
    x = source.rows(space, 0, 50_000).x
    assert ((x[0] >= 1.0) & (x[0] <= 2.0)).all()
    # b | a ~ N(r a, 1 - r**2)
    resid = (x[1] - r * x[0]) / np.sqrt(1 - r * r)
    assert stats.kstest(resid, "norm").pvalue > 1e-3
    fixed = Restricted(IndependentRows(3), {0: (1.5, 1.5)}).rows(space, 0, 20_000).x
    assert np.all(fixed[0] == 1.5)
    assert fixed[1].mean() == pytest.approx(r * 1.5, abs=0.03)
    assert fixed[1].std() == pytest.approx(np.sqrt(1 - r * r), abs=0.02)


def test_restricted_rows_are_row_stable_and_take_per_row_bounds():
    schema = _everything_schema()
    space = schema.latent_space
    j = space.coordinate("age")
    low = np.linspace(-1, 1, 5000)
    source = Restricted(SpreadRows(5), {j: (low, np.inf)})
    long = schema.sample_from(source, 5000)
    short = schema.sample_from(Restricted(SpreadRows(5), {j: (low, np.inf)}), 4100)
    pd.testing.assert_frame_equal(long.head(4100), short)
    x = source.rows(space, 0, 5000).x
    assert (x[j] >= low).all()


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (lambda: SuppliedRows(np.zeros((3, 2))), "latent coordinates"),
        (lambda: SuppliedRows(np.zeros((3, 1)), np.zeros((4, 0))), "as many rows"),
        (lambda: SuppliedRows(np.full((3, 1), np.nan)), "finite"),
        (lambda: SuppliedRows(np.zeros((3, 1)), np.ones((3, 1))), r"\[0, 1\)"),
        (lambda: SuppliedRows(np.zeros((2, 1))), "holds 2 rows"),
        (lambda: Restricted(SpreadRows(1), {"nope": (0, 1)}), "no latent coordinate 'nope'"),
        (lambda: Restricted(SpreadRows(1), {0: (1, 0)}), "low > high"),
        (lambda: Restricted(SpreadRows(1), {0: (np.zeros(2), 1)}), "one per row"),
    ],
)
def test_a_source_that_cannot_give_the_rows_says_why(source, message):
    schema = sd.Schema("one", {"x": sd.Float(mean=0, std=1)})
    with pytest.raises(InvalidArgument, match=message):
        schema.sample_from(source(), 3)


def test_sampling_a_loaded_model_imports_no_optimizer(tmp_path):
    path = _penguins_model().save(tmp_path / "birds.synth.json")
    code = (
        "import sys, pytest_synthdata as sd\n"
        f"sd.load({str(path)!r}).sample(100, seed=1)\n"
        "print(sorted(m for m in sys.modules if m.startswith('scipy.optimize')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@given(
    probs=st.lists(st.floats(1e-12, 1.0), min_size=1, max_size=700),
    z=st.lists(st.floats(-40, 40), min_size=1, max_size=50),
)
@settings(max_examples=300, deadline=None)
def test_category_codes_equal_a_binary_search_of_the_cuts(probs, z):
    from pytest_synthdata._marginals import Discrete

    table = Discrete(np.array(probs))
    scores = np.array([*z, 0.0, -np.inf, np.inf, *table.cuts[np.isfinite(table.cuts)].tolist()])
    scores = np.tile(scores, 1024 // len(scores) + 1)  # enough scores for the vectorised paths
    assert np.array_equal(table.codes_latent(scores), np.searchsorted(table.cuts, scores, side="right"))


def test_a_fit_runs_its_linear_algebra_on_one_blas_thread_and_restores_the_setting(monkeypatch):
    """OpenBLAS threads woken for small matrices cost milliseconds on a busy machine (see _linalg)."""
    threadpoolctl = pytest.importorskip("threadpoolctl")
    from pytest_synthdata._fit import dependence, native

    def blas_threads():
        return [lib["num_threads"] for lib in threadpoolctl.threadpool_info() if lib["user_api"] == "blas"]

    before = blas_threads()
    if not before or max(before) < 2:
        pytest.skip("BLAS runs on one thread here anyway")
    seen = []
    original = dependence.latent_correlation

    def spy(*args, **kwargs):
        seen.append(blas_threads())
        return original(*args, **kwargs)

    monkeypatch.setattr(native, "latent_correlation", spy)
    sd.fit(_penguins_frame(), name="birds")
    assert seen and all(max(threads) == 1 for threads in seen)
    assert blas_threads() == before


def _penguins_frame():
    rng = np.random.default_rng(3)
    n = 300
    species = rng.choice(["Adelie", "Gentoo"], n)
    return pd.DataFrame({"species": species, "mass": np.where(species == "Gentoo", 5000, 3700) + rng.normal(0, 400, n)})


@pytest.mark.parametrize(
    ("lo", "hi"), [(-38.4, -38.3), (-40.0, -39.0), (40.0, np.inf), (-np.inf, -45.0), (30.0, 30.5), (-1e3, -999.0)]
)
def test_truncated_normal_keeps_intervals_far_in_a_tail(lo, hi):
    """Phi underflows beyond about -38: the draw must still land inside, spread like the truncated normal."""
    z = np.array([-3.0, 0.0, 3.0])
    out = truncated_normal(z, np.full(3, lo), np.full(3, hi))
    assert np.isfinite(out).all() and ((out >= lo) & (out <= hi)).all()
    assert out[0] < out[1] < out[2] or hi - lo < 1e-12
    median = stats.truncnorm(lo, hi).ppf(0.5)
    if np.isfinite(median):
        assert out[1] == pytest.approx(median, abs=1e-6)


def test_a_restricted_source_follows_each_model_it_is_used_with():
    """A plan cached for one model's space must never serve another (ids of freed objects are reused)."""
    import gc

    source = Restricted(IndependentRows(1), {"b": (1.0, 1.0)})
    for i in range(20):
        r = 0.8 if i % 2 else -0.8
        schema = sd.Schema(
            "pair", {"a": sd.Float(mean=0, std=1), "b": sd.Float(mean=0, std=1)}, correlations={("a", "b"): r}
        )
        x = source.rows(schema.latent_space, 0, 4000).x
        assert np.sign(x[0].mean()) == np.sign(schema.latent_correlation[0, 1]), i
        del schema, x
        gc.collect()


@pytest.mark.parametrize(
    ("intervals", "message"),
    [
        ({0: (0.5, 0.6), "x": (-3, -2.9)}, "given twice"),
        ({True: (0, 1)}, "neither a coordinate's label nor an index"),
        ({5: (0, 1)}, "neither a coordinate's label nor an index"),
        ({0: (np.zeros(3), np.ones(4))}, "same length"),
    ],
)
def test_restricted_coordinates_are_named_once_and_clearly(intervals, message):
    schema = sd.Schema("one", {"x": sd.Float(mean=0, std=1), "y": sd.Float(mean=0, std=1)})
    with pytest.raises(InvalidArgument, match=message):
        schema.sample_from(Restricted(SpreadRows(1), intervals), 3)
    assert len(schema.sample_from(Restricted(SpreadRows(1), {np.int64(1): (0, 1)}), 3)) == 3


def test_supplied_rows_need_a_key_and_copy_their_inputs():
    with pytest.raises(InvalidArgument, match="key=None"):
        SuppliedRows(np.zeros((2, 1)), key=None)
    z = np.zeros((2, 1))
    source = SuppliedRows(z)
    z[:] = 5.0
    assert np.all(source.z == 0.0)


def test_conformance_checks_take_the_largest_seed():
    from pytest_synthdata.testing import check_model

    check_model(sd.Schema("people", {"age": sd.Integer(low=18, high=90)}), seed=2**63 - 1)


@pytest.mark.parametrize(
    ("lo", "hi"),
    [
        (-np.inf, np.inf),
        (1.64, np.inf),
        (-np.inf, -1.64),
        (0.3, 0.9),
        (-0.5, 2.0),
        (0.0, 3.0),
        (-2.0, 0.0),
        (5.0, 40.0),
        (-40.0, -30.0),
        (2.0, 2.0),
        (-1.0, -1.0),
        (38.0, np.inf),
    ],
)
def test_one_interval_for_every_row_gives_the_bits_of_per_row_intervals(lo, hi):
    """The one-interval path (single in-place passes) must give exactly what per-row intervals give."""
    z = np.concatenate([np.random.default_rng(3).standard_normal(500), [0.0, -0.0, 40.0, -40.0, 37.5, -37.5, 8.0]])
    with np.errstate(divide="ignore"):  # (the whole line: an extreme score's log1p(-1))
        per_row = truncated_normal(z, np.full(len(z), lo), np.full(len(z), hi))
        one = truncated_normal(z, lo, hi)
        broadcast = truncated_normal(z, np.broadcast_to(lo, z.shape), np.broadcast_to(hi, z.shape))
    assert one.tobytes() == per_row.tobytes() == broadcast.tobytes()
    assert one is not z and np.array_equal(z[:3], np.random.default_rng(3).standard_normal(500)[:3])  # z untouched


_INTERVALS = [
    (-np.inf, np.inf),
    (1.64, np.inf),
    (-np.inf, -1.64),
    (0.3, 0.9),
    (-0.5, 2.0),
    (-2.0, 0.0),
    (5.0, 40.0),
    (-40.0, -30.0),
    (2.0, 2.0),
    (38.0, np.inf),
]


@pytest.mark.parametrize(("lo", "hi"), _INTERVALS)
def test_truncated_uniform_is_truncated_normal_of_the_uniforms_scores(lo, hi):
    """A row's uniform mapped straight through the restricted inverse CDF lands where its normal score would
    (up to the last bits of a score taken and given back), inside the interval, monotone; one interval for
    every row gives the bits of per-row intervals."""
    from scipy import special

    v = np.concatenate([np.random.default_rng(4).random(500), [2.0**-64, 0.5, 1.0 - 2.0**-53, 1e-30]])
    one = truncated_uniform(v, lo, hi)
    per_row = truncated_uniform(v, np.full(len(v), lo), np.full(len(v), hi))
    broadcast = truncated_uniform(v, np.broadcast_to(lo, v.shape), np.broadcast_to(hi, v.shape))
    assert one.tobytes() == per_row.tobytes() == broadcast.tobytes()
    assert np.isfinite(one).all() and ((one >= lo) & (one <= hi)).all()
    assert np.all(np.diff(one[np.argsort(v)]) >= 0)
    # (at the extreme uniforms the scores' own tail loses digits that the uniform keeps: compared where it does not)
    through_scores = truncated_normal(special.ndtri(v[:500]), lo, hi)
    assert np.abs(one[:500] - through_scores).max() <= 1e-12 * max(1.0, np.abs(through_scores).max())


@pytest.mark.parametrize(("lo", "hi"), [(-np.inf, -1.5), (0.3, 1.2), (2.5, np.inf), (-0.5, 0.5), (6.0, np.inf)])
def test_truncated_uniform_has_the_truncated_distribution(lo, hi):
    v = np.random.default_rng(2).random(20_000)
    out = truncated_uniform(v, np.full_like(v, lo), np.full_like(v, hi))
    assert stats.kstest(out, stats.truncnorm(lo, hi).cdf).pvalue > 1e-3
    assert stats.kstest(truncated_uniform(v, lo, hi), stats.truncnorm(lo, hi).cdf).pvalue > 1e-3


@pytest.mark.parametrize(
    ("lo", "hi"), [(-38.4, -38.3), (-40.0, -39.0), (40.0, np.inf), (-np.inf, -45.0), (30.0, 30.5), (-1e3, -999.0)]
)
def test_truncated_uniform_keeps_intervals_far_in_a_tail(lo, hi):
    v = np.array([0.001, 0.5, 0.999])
    out = truncated_uniform(v, np.full(3, lo), np.full(3, hi))
    assert np.isfinite(out).all() and ((out >= lo) & (out <= hi)).all()
    assert out[0] < out[1] < out[2] or hi - lo < 1e-12
    median = stats.truncnorm(lo, hi).ppf(0.5)
    if np.isfinite(median):
        assert out[1] == pytest.approx(median, abs=1e-6)


def test_only_spread_rows_hand_out_their_uniforms():
    """uniform_noise gives spread rows' coordinates before their normal scores (the other coordinates as noise
    gives them); sources whose scores are drawn as normals have none."""
    from pytest_synthdata._qmc import spread_uniforms
    from pytest_synthdata._seeding import generator

    space = _everything_schema().latent_space
    z, _ = SpreadRows(5).noise(space, 0, 300)
    got = SpreadRows(5).uniform_noise(space, 0, 300, [1, 3])
    assert got is not None
    uniforms = spread_uniforms(generator(5, 1, 0), 300, space.dims)
    assert got[0][[1, 3]].tobytes() == uniforms[[1, 3]].tobytes()
    keep = [j for j in range(space.dims) if j not in (1, 3)]
    assert got[0][keep].tobytes() == z[keep].tobytes()
    assert IndependentRows(5).uniform_noise(space, 0, 300, [1]) is None
    assert SuppliedRows(np.zeros((3, space.dims))).uniform_noise(space, 0, 3, [1]) is None
