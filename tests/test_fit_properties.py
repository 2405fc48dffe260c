"""Property tests: any frame fit() accepts gives a model that keeps fit's promises."""

from __future__ import annotations

from typing import Any
from unittest import mock

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import pytest_synthdata as sd
from pytest_synthdata._artifact import dumps
from pytest_synthdata._model import loads


@st.composite
def real_frames(draw):
    """Random mixed frames: numbers on grids, categories, booleans, dates, nulls, a segment-like category."""
    n = draw(st.integers(5, 400))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    columns = {}
    group = rng.integers(0, draw(st.integers(1, 4)), n)
    for i in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["float", "int", "cat", "bool", "date", "decimal"]))
        shift = group * draw(st.floats(0, 50))
        if kind == "float":
            values = rng.lognormal(draw(st.floats(-2, 8)), draw(st.floats(0.1, 3)), n) + shift
        elif kind == "decimal":
            values = np.round(rng.normal(draw(st.floats(-1e4, 1e4)), draw(st.floats(0.1, 1e3)), n) + shift, 2)
        elif kind == "int":
            values = rng.integers(-5, draw(st.integers(-4, 10_000)), n) + shift.astype(np.int64)
        elif kind == "cat":
            k = draw(st.integers(1, 30))
            values = np.array([f"c{v}" for v in (rng.zipf(1.6, n) % k + group)], dtype=object)
        elif kind == "bool":
            values = rng.random(n) < draw(st.floats(0, 1))
        else:
            values = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 2000, n) + 30 * group, unit="D")
        series = pd.Series(values)
        if draw(st.booleans()) and kind != "bool":
            series = series.mask(rng.random(n) < draw(st.floats(0, 0.5)))
        columns[f"{kind}{i}"] = series
    if draw(st.booleans()):  # some columns from one source: missing on the same rows
        gone = rng.random(n) < draw(st.floats(0, 0.5))
        for name in draw(st.lists(st.sampled_from(sorted(columns)), max_size=4, unique=True)):
            if not name.startswith("bool"):
                columns[name] = columns[name].mask(gone)
    columns["g"] = pd.Series([f"group{v}" for v in group], dtype=object)
    return pd.DataFrame(columns)


def _reach(src: pd.Series, min_count: int) -> tuple[Any, Any]:
    """Where samples may go: the observed range with min_count=1; else tails reach at most one range past it."""
    low, high = src.min(), src.max()
    if min_count == 1:
        return low, high
    if low == high:  # one value, held by too few rows: the stored bounds step off it (private.unheld) by one
        step = _one_step(low)  # step of its grid, or by one unit in its 12th digit
        return low - step, high + step
    return low - (high - low), high + (high - low)


def _one_step(value: Any) -> Any:
    """The most ``private.unheld`` moves a lone value's bound: one step of the grid its value lies on (a day for a
    timestamp; 1 for a whole number; the last decimal's unit), or one unit in its 12th significant digit."""
    if isinstance(value, pd.Timestamp):
        return pd.Timedelta(days=1)
    x = float(value)
    pad = abs(x) * 1e-9 or 1e-300
    if x == round(x):
        return max(1.0, pad)
    text = repr(x)
    decimals = len(text.split(".")[1]) if "." in text and "e" not in text else 12
    return max(10.0 ** -min(decimals, 12), pad)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(real=real_frames(), min_count=st.sampled_from([1, 2, 5]), n=st.integers(0, 300))
def test_fitted_models_keep_their_promises(real, min_count, n):
    if len(real) < min_count:
        return
    model = sd.fit(real, name="real", min_count=min_count)
    out = model.sample(n, seed=7)
    assert len(out) == n and list(out.columns) == list(real.columns)
    assert out.dtypes.astype(str).to_dict() == model.dtypes
    for col in real.columns:
        src, got = real[col], out[col].dropna()
        if src.isna().all():
            assert out[col].isna().all()
            continue
        if pd.api.types.is_numeric_dtype(src) and not pd.api.types.is_bool_dtype(src):
            assert got.between(*_reach(src, min_count)).all(), col  # observed bounds, or private tails past them
            assert src.min() < 0 or (got >= 0).all(), col  # a never-negative column stays so
            if pd.api.types.is_integer_dtype(src) or (src.dropna() == src.dropna().round()).all():
                assert (got == got.round()).all(), col
        elif pd.api.types.is_datetime64_any_dtype(src):
            assert got.between(*_reach(src, min_count)).all(), col
        elif model.info["columns"][col]["kind"] == "boolean":
            assert set(got) <= {True, False}, col  # a rate is stored, so a rare False may still appear
        elif model.info["columns"][col]["kind"] == "category":
            counts = src.value_counts()
            assert set(got) <= set(counts[counts >= min_count].index), col  # nothing rare is stored
        else:  # regenerated (pattern, text, pii, id): the file keeps a generator, not values
            assert model.info["columns"][col]["kind"] in ("pattern", "text", "pii", "id"), col
    for follower, leader in model.null_follows.items():  # missing together in every sampled row
        assert out[follower].isna().equals(out[leader].isna()), (follower, leader)
        assert real[follower].isna().equals(real[leader].isna()) and real[leader].isna().sum() >= min_count
    # prefix stability and the file round trip
    pd.testing.assert_frame_equal(out.iloc[: n // 2], model.sample(n // 2, seed=7))
    text = dumps(model)
    loaded = loads(text)
    pd.testing.assert_frame_equal(out, loaded.sample(n, seed=7))
    assert dumps(loaded) == text


@given(
    st.lists(st.floats(-1e6, 1e6, allow_nan=False).map(lambda x: round(x, 2)), min_size=1, max_size=300),
    st.integers(2, 300),
)
def test_quantiles_from_value_counts_equal_numpy_bit_for_bit(values, m):
    """Knots come from (unique values, running counts) without sorting the column; they must be np.quantile's."""
    from pytest_synthdata._fit.numeric import _quantiles

    v = np.array(values)
    uniq, counts = np.unique(v, return_counts=True)
    levels = np.arange(1, m) / m
    assert np.array_equal(_quantiles(uniq, np.cumsum(counts), levels, len(v), 0), np.quantile(v, levels))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1, max_size=20))
def test_knot_values_are_rounded_to_twelve_significant_digits(values):
    from pytest_synthdata._fit.numeric import _significant

    x = np.array(values)
    out = _significant(x, 12)
    assert np.all(np.abs(out - x) <= 1e-11 * np.abs(x))  # the nearest 12-digit decimal, or x itself
    for v in out:
        digits = repr(abs(float(v))).split("e")[0].replace(".", "").strip("0")
        assert len(digits) <= 12, (v, digits)  # short in the model file


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from([-0.0, 0.0, 1.5, 2.0, -3.25, 1e300, -np.inf, np.inf]), st.integers(0, 3)), max_size=60
    )
)
def test_grouped_unique_matches_numpy_unique_in_every_group(pairs):
    """One sort must give each group exactly np.unique's values, counts and inverse: every grade depends on it."""
    from pytest_synthdata._fit.numeric import _grouped_unique

    for k in (1, 4):
        v = np.array([p[0] for p in pairs], dtype=np.float64)
        g = np.array([p[1] if k > 1 else 0 for p in pairs], dtype=np.intp)
        uniq, owner, inverse, counts = _grouped_unique(v, g, k)
        assert np.array_equal(uniq[inverse], v)
        assert np.array_equal(owner[inverse], g)
        for group in range(k):
            want_uniq, want_counts = np.unique(v[g == group], return_counts=True)
            assert np.array_equal(uniq[owner == group], want_uniq)
            assert np.array_equal(counts[owner == group], want_counts)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(st.floats(-1e4, 1e4, allow_nan=False).map(lambda x: round(x, 1)), st.integers(0, 2)),
        min_size=1,
        max_size=400,
    ),
    st.sampled_from([(5, 256), (1, 2), (2, 16)]),
)
def test_segmented_marginals_are_each_groups_own_fit(pairs, options):
    """Fitting every group of rows at once must give each group exactly the marginal and grades of its rows alone."""
    from pytest_synthdata._fit.numeric import Numbers, fit_marginals
    from pytest_synthdata._fit.private import rare_values

    min_count, knots = options
    x = np.array([p[0] for p in pairs])
    group = np.array([p[1] for p in pairs], dtype=np.int64)
    x[::7] = np.nan  # some missing values, and infinities
    x[3::13] = np.inf
    x[5::17] = -np.inf
    present = ~np.isnan(x)
    options = {"min_count": min_count, "knots": knots}
    (fit,) = fit_marginals([Numbers("x", x, present, False, None)], group, 3, **options)
    together, grades = fit.marginals, fit.grades
    for g in range(3):
        mask = group == g
        # (given the values to avoid: a group's stored numbers avoid the whole column's rare values)
        avoid = {"x": rare_values(x, min_count)}
        (own,) = fit_marginals([Numbers("x", x[mask], present[mask], False, None)], None, 1, avoid=avoid, **options)
        (alone,) = own.marginals
        assert np.array_equal(grades[mask], own.grades, equal_nan=True)
        if isinstance(alone, Exception):
            assert isinstance(together[g], Exception)
            continue
        fitted = together[g]
        assert not isinstance(fitted, Exception)
        assert (fitted.dist, fitted.step, fitted.decimals, fitted.bounds) == (
            alone.dist,
            alone.step,
            alone.decimals,
            alone.bounds,
        )
        assert (fitted.null_rate, fitted.note, fitted.inf_rates) == (alone.null_rate, alone.note, alone.inf_rates)
        for key in alone.params:
            assert np.array_equal(fitted.params[key], alone.params[key]), key


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(-50, 50), st.floats(0, 100).map(lambda v: round(v, 2))), min_size=1, max_size=300)
)
def test_columns_fitted_together_are_each_columns_own_fit(rows):
    """A batch of columns (whole numbers next to decimals) must give each column exactly its own fit."""
    from pytest_synthdata._fit.numeric import Numbers, fit_marginals

    whole = np.array([r[0] for r in rows], dtype=np.float64)
    fraction = np.array([r[1] for r in rows])
    fraction[1::5] = np.nan
    columns = [
        Numbers("whole", whole, ~np.isnan(whole), True, None),
        Numbers("fraction", fraction, ~np.isnan(fraction), False, None),
    ]
    together = fit_marginals(columns, None, 1, min_count=2, knots=64)
    for column, fit in zip(columns, together, strict=True):
        (fitted,) = fit.marginals
        (own,) = fit_marginals([column], None, 1, min_count=2, knots=64)
        (alone,) = own.marginals
        assert np.array_equal(fit.grades, own.grades, equal_nan=True)
        assert (fitted.dist, fitted.step, fitted.decimals, fitted.bounds, fitted.null_rate) == (
            alone.dist,
            alone.step,
            alone.decimals,
            alone.bounds,
            alone.null_rate,
        )
        for key in alone.params:
            assert np.array_equal(fitted.params[key], alone.params[key]), key


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(-50, 50), st.floats(0, 100).map(lambda v: round(v, 2)), st.integers(-1, 2)),
        min_size=1,
        max_size=300,
    ),
    st.sampled_from([None, 0, 3]),
)
def test_segment_refits_in_a_batch_from_kept_ranks_are_the_batchs_fresh_refit(rows, negative_zero_at):
    """Per-group refits of several columns at once, from the ranks their whole-column fit kept (ranked together),
    give the bits of the same refit ranking anew (signed zeros included); and without signed zeros, each column's
    own refit."""
    from dataclasses import replace

    from pytest_synthdata._fit.numeric import Numbers, fit_marginals

    whole = np.array([r[0] for r in rows], dtype=np.float64)
    fraction = np.array([r[1] for r in rows])
    group = np.array([r[2] for r in rows], dtype=np.int64)
    fraction[1::5] = np.nan
    if negative_zero_at is not None and negative_zero_at < len(whole):
        whole[negative_zero_at] = -0.0
    columns = [
        Numbers("whole", whole, ~np.isnan(whole), True, None),
        Numbers("fraction", fraction, ~np.isnan(fraction), False, None),
    ]
    options = {"min_count": 2, "knots": 16}
    first = fit_marginals(columns, None, 1, **options)
    kept = [replace(column, ranks=fit.ranks) for column, fit in zip(columns, first, strict=True)]
    assert all(column.ranks is not None for column in kept)
    together = fit_marginals(kept, group, 3, **options)
    for a, b in zip(together, fit_marginals(columns, group, 3, **options), strict=True):
        _same_fit(a, b)
    if negative_zero_at is None:  # (a batch names 0.0 by its first zero in any column, as one hash of it does)
        for column, fit in zip(columns, together, strict=True):
            (alone,) = fit_marginals([column], group, 3, **options)
            _same_fit(fit, alone)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from([0.0, -0.0, 1.0, 2.0, 3.5]), st.sampled_from([0.0, -0.0, 4.0, 5.0]), st.integers(-1, 2)
        ),
        min_size=1,
        max_size=200,
    )
)
def test_a_refit_batch_of_columns_ranked_apart_names_zero_as_one_hash_of_the_batch(rows):
    """Columns whose ranks were kept from fits of their own, refitted together: the bits of a fresh refit of the
    batch, 0.0 and -0.0 included (named by the batch's first zero)."""
    from dataclasses import replace

    from pytest_synthdata._fit.numeric import Numbers, fit_marginals

    a = np.array([r[0] for r in rows])
    b = np.array([r[1] for r in rows])
    group = np.array([r[2] for r in rows], dtype=np.int64)
    columns = [Numbers("a", a, np.ones(len(a), bool), False, None), Numbers("b", b, np.ones(len(b), bool), False, None)]
    options = {"min_count": 2, "knots": 16}
    kept = [replace(column, ranks=fit_marginals([column], None, 1, **options)[0].ranks) for column in columns]
    for x, y in zip(fit_marginals(kept, group, 3, **options), fit_marginals(columns, group, 3, **options), strict=True):
        _same_fit(x, y)


def _same_fit(a, b) -> None:
    """Two MarginalFits with the same marginals (bit for bit) and grades."""
    assert np.array_equal(a.grades, b.grades, equal_nan=True)
    for x, y in zip(a.marginals, b.marginals, strict=True):
        if isinstance(x, Exception):
            assert type(x) is type(y) and str(x) == str(y)
            continue
        assert (x.dist, x.step, x.decimals, x.bounds, x.null_rate, x.note, x.inf_rates) == (
            y.dist,
            y.step,
            y.decimals,
            y.bounds,
            y.null_rate,
            y.note,
            y.inf_rates,
        )
        assert x.params.keys() == y.params.keys()
        for key in x.params:
            assert np.array_equal(np.asarray(x.params[key]).view(np.int64), np.asarray(y.params[key]).view(np.int64))


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from([0.0, 1.5, -2.0, 3.25, np.inf]) | st.floats(-100, 100).map(lambda v: round(v, 1)),
            st.integers(-5, 5).map(float),
            st.integers(-1, 2),
        ),
        min_size=1,
        max_size=300,
    ),
    st.sampled_from([None, 0, -1]),
)
def test_segment_refits_reusing_the_whole_fits_ranks_match_fresh_ones(rows, negative_zero_at):
    """Per-group refits that reuse a column's kept ranks (``Ranks``) give the bits of a refit that hashes anew."""
    from dataclasses import replace

    from pytest_synthdata._fit.numeric import Numbers, Ranks, distinct_ranks, fit_marginals

    a = np.array([r[0] for r in rows])
    b = np.array([r[1] for r in rows])
    group = np.array([r[2] for r in rows], dtype=np.int64)
    a[::9] = np.nan
    if negative_zero_at is not None:  # pandas keeps the first of 0.0 and -0.0 it meets
        a[negative_zero_at] = -0.0
    options = {"min_count": 2, "knots": 16}

    for column in (Numbers("a", a, ~np.isnan(a), False, None), Numbers("b", b, ~np.isnan(b), True, None)):
        distinct, rank = distinct_ranks(column.values[column.present])
        reused = replace(column, ranks=Ranks(rank.astype(np.int32), len(distinct)))
        for x, y in zip(
            fit_marginals([reused], group, 3, **options), fit_marginals([column], group, 3, **options), strict=True
        ):
            _same_fit(x, y)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 400), k=st.integers(1, 12), missing=st.booleans())
def test_code_means_of_many_columns_are_each_columns_own_sums(seed, n, k, missing):
    """Category means of several columns in one count: each column's bits, as if summed alone in row order."""
    from pytest_synthdata._fit import categories
    from pytest_synthdata._fit.categories import _Columns

    rng = np.random.default_rng(seed)
    scores = [rng.standard_normal(n) * 10.0 ** rng.integers(-3, 4) for _ in range(5)]
    if missing:
        scores[1][rng.random(n) < 0.3] = np.nan
    z = _Columns(scores, n)
    codes = rng.integers(-1, k, n)
    columns = rng.permutation(5)[: rng.integers(0, 6)]
    got = z.code_means(codes, k, columns)
    rows = np.bincount(codes[codes >= 0], minlength=k)  # (each code's rows, as a caller that counted them passes)
    assert np.array_equal(z.code_means(codes, k, columns, counts=rows).view(np.int64), got.view(np.int64))
    one_count, categories._ONE_COUNT = categories._ONE_COUNT, 0  # (and a column at a time, as large frames)
    try:
        assert np.array_equal(z.code_means(codes, k, columns).view(np.int64), got.view(np.int64))
        assert np.array_equal(z.code_means(codes, k, columns, counts=rows).view(np.int64), got.view(np.int64))
    finally:
        categories._ONE_COUNT = one_count
    for out, j in enumerate(columns):
        present = ~np.isnan(scores[j]) & (codes >= 0)
        sums = np.bincount(codes[present], weights=scores[j][present], minlength=k)
        cnt = np.bincount(codes[present], minlength=k)
        want = np.where(cnt > 0, sums / np.maximum(cnt, 1), 0.0)
        assert np.array_equal(got[:, out].view(np.int64), want.view(np.int64))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(-20, 20), st.integers(-1, 2), st.booleans()), min_size=1, max_size=200),
    st.booleans(),
)
def test_normal_scores_from_the_distinct_grades_are_the_scores_of_every_rows_grade(rows, some_rows):
    """A fit's normal scores, found once per distinct grade, are ``dependence.scores`` of its grades, bit for bit."""
    from pytest_synthdata._fit.dependence import scores
    from pytest_synthdata._fit.numeric import Numbers, fit_marginals

    x = np.array([r[0] for r in rows], dtype=np.float64)
    x[[not r[2] for r in rows]] = np.nan
    group = np.array([r[1] for r in rows], dtype=np.int64)
    at = np.flatnonzero(np.arange(len(x)) % 3 != 1) if some_rows else None
    column = Numbers("x", x, ~np.isnan(x), True, None)
    for fit in (
        *fit_marginals([column, column], None, 1, min_count=2, knots=8, rows=at),
        *fit_marginals([column], group, 3, min_count=2, knots=8, rows=at),
    ):
        assert fit.scores is not None
        want = scores(fit.grades)
        assert np.array_equal(np.isnan(fit.scores), np.isnan(want))  # (missing: NaN, whatever its sign bit)
        assert fit.scores[~np.isnan(want)].tobytes() == want[~np.isnan(want)].tobytes()


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(60, 400), min_count=st.integers(1, 6))
def test_hiding_check_counts_each_categorys_cells_as_its_own_table_would(seed, n, min_count):
    """Whether a segment hides too much of another category: every category counted in one table, as if alone."""
    from pytest_synthdata._fit import segments
    from pytest_synthdata._fit.categories import read_categorical

    rng = np.random.default_rng(seed)
    cats = []
    for j in range(4):
        values = pd.Series(rng.choice(list("abcdefg"[: 2 + j]), n, p=None))
        values[rng.random(n) < 0.1] = None
        present = values.notna().to_numpy()
        try:
            cats.append(read_categorical(f"c{j}", values, present, min_count=min_count, boolean=False))
        except sd.errors.InvalidArgument:  # (no value seen min_count times: nothing to store)
            assume(False)

    def alone(seg, row_group):  # each category's own (group, value) table, as counted before
        for cat in cats:
            if cat is seg:
                continue
            width = len(cat.values) + 1
            cells = np.bincount((row_group + 1) * width + cat.codes + 1, minlength=4 * width).reshape(4, width)
            cells = cells[1:, 1:]
            if cells[(cells > 0) & (cells < min_count)].sum() > segments.SEGMENT_MAX_HIDDEN * cells.sum():
                return True
        return False

    for per_chunk in (segments._BATCH_CELLS, 1):  # all categories in one table, or one at a time
        with mock.patch.object(segments, "_BATCH_CELLS", per_chunk):
            slots = segments._value_slots(cats)
        assert len(slots) == (1 if per_chunk > 1 else len(cats))
        for seg in cats:
            groups = rng.integers(-1, 3, len(seg.values))  # (each value's group, in latent order; -1: none)
            group_of = segments._group_of(seg, groups)
            hides = segments._segment_hides_too_much(seg, slots, group_of, 3, min_count)
            assert hides == alone(seg, group_of[seg.codes])


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 3000), k=st.integers(1, 12), missing=st.booleans())
def test_code_means_kept_for_a_second_selection_are_the_bits_counted_again(seed, n, k, missing):
    """The sums a memo keeps for one category's codes serve another selection of columns with the same bits."""
    from pytest_synthdata._fit.categories import _CodeSums, _Columns

    rng = np.random.default_rng(seed)
    scores = [rng.standard_normal(n) * 10.0 ** rng.integers(-3, 4) for _ in range(5)]
    if missing:
        scores[2][rng.random(n) < 0.3] = np.nan
    z = _Columns(scores[:3], n)
    codes = rng.integers(-1, k, n)
    memo = _CodeSums()
    first = z.code_means(codes, k, np.arange(3), memo)
    wider = z.extended(scores[3:])
    columns = rng.permutation(5)
    assert np.array_equal(
        wider.code_means(codes, k, columns, memo).view(np.int64), wider.code_means(codes, k, columns).view(np.int64)
    )
    assert np.array_equal(first.view(np.int64), z.code_means(codes, k, np.arange(3)).view(np.int64))


def _mode_by_sorting(raw, other, k_raw):
    """Each raw value's most common partner (the first of equals), by sorting the pairs seen."""
    ok = (raw >= 0) & (other >= 0)
    k_other = int(other[ok].max()) + 1
    pairs, counts = np.unique(raw[ok].astype(np.int64) * k_other + other[ok], return_counts=True)
    r, o = pairs // k_other, pairs % k_other
    order = np.lexsort((-counts, r))
    first = np.ones(len(order), dtype=bool)
    first[1:] = r[order][1:] != r[order][:-1]
    mode = np.full(k_raw, -1, dtype=np.int64)
    mode[r[order][first]] = o[order][first]
    return mode


@settings(max_examples=80, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 300),
    k_raw=st.integers(1, 40),
    k_other=st.integers(1, 40),
    missing=st.booleans(),
)
def test_most_common_partner_from_the_dense_table_is_the_one_sorting_finds(seed, n, k_raw, k_other, missing):
    from pytest_synthdata._fit.categories import _modes_and_explained

    rng = np.random.default_rng(seed)
    raw = rng.integers(0, k_raw, n)
    other = rng.integers(0, k_other, n)
    if missing:
        raw[rng.random(n) < 0.2] = -1
        other[rng.random(n) < 0.2] = -1
    assume(((raw >= 0) & (other >= 0)).any())
    (mode,), (explained,) = _modes_and_explained(raw, [other], k_raw)
    assert np.array_equal(mode, _mode_by_sorting(raw, other, k_raw))
    assert 0.0 <= explained <= 1.0


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(10, 400), noise=st.sampled_from([0.0, 0.01, 0.03, 0.05, 0.3]))
def test_columns_too_unlike_in_counts_are_never_a_lookup(seed, n, noise):
    """Skipping pairs whose counts rule out a lookup finds the same dependencies as building every table."""
    from pytest_synthdata._fit import categories
    from pytest_synthdata._fit.categories import Categorical, functional_dependencies

    rng = np.random.default_rng(seed)
    base = rng.integers(0, int(rng.integers(2, 5)), n)
    cats = []
    for i in range(5):
        k = int(rng.integers(2, 5))
        codes = (base + i) % k if i % 2 == 0 else rng.integers(0, k, n)
        flip = rng.random(n) < noise
        codes = np.where(flip, rng.integers(0, k, n), codes)
        k = int(codes.max()) + 1
        counts = np.bincount(codes, minlength=k).astype(np.float64)
        assume((counts > 0).all())
        cats.append(Categorical(f"c{i}", codes, list(range(k)), counts, 0.0, ordered=False))
    found = [(d.derived.name, d.source.name, d.lookup) for d in functional_dependencies(cats)]
    far_apart = categories._far_apart
    categories._far_apart = lambda source, target: False
    try:
        every_table = [(d.derived.name, d.source.name, d.lookup) for d in functional_dependencies(cats)]
    finally:
        categories._far_apart = far_apart
    assert found == every_table


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(3, 500), d=st.integers(1, 6), some_rows=st.booleans())
def test_spearman_of_columns_missing_nothing_needs_no_normal_scores(seed, n, d, some_rows):
    from pytest_synthdata._fit.dependence import _pairwise_spearman, scores

    rng = np.random.default_rng(seed)
    grades = [(rng.integers(0, 7, n) + 0.5) / 7 for _ in range(d)]
    at = np.flatnonzero(rng.random(n) < 0.6) if some_rows else None
    rho, ratio = _pairwise_spearman(grades, [scores(g) for g in grades], at)
    rho_alone, ratio_alone = _pairwise_spearman(grades, None, at)
    assert np.array_equal(rho, rho_alone, equal_nan=True)
    assert np.allclose(ratio, 1.0, atol=1e-12) and (ratio_alone == 1.0).all()


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), sizes=st.lists(st.integers(1, 60), min_size=1, max_size=8))
def test_hermite_sums_written_in_blocks_are_those_of_every_term_apart(seed, sizes):
    import math

    from pytest_synthdata import _copula

    rng = np.random.default_rng(seed)
    c = rng.normal(0, 4, sum(sizes))
    c[rng.random(len(c)) < 0.05] = 20.0
    weights = rng.random(len(c))
    starts = np.cumsum([0, *sizes[:-1]])
    finite = np.abs(c) <= 12.0
    cc = np.where(finite, c, 0.0)
    rows = [np.where(finite, np.exp(-0.5 * cc * cc) / math.sqrt(2.0 * math.pi), 0.0)]
    rows.append(cc * rows[0])
    for j in range(1, _copula._TERMS - 1):
        rows.append(cc * rows[-1] - _copula._ORDERS[j] * rows[-2])
    want = np.vstack(
        [
            np.add.reduceat(np.array(rows[i : i + _copula._PSI_BLOCK]) * weights, starts, axis=1)
            for i in range(0, _copula._TERMS, _copula._PSI_BLOCK)
        ]
    )
    got = _copula._psi_sums(c, weights, starts)
    assert np.array_equal(got.view(np.int64), (want * _copula._NORMS[:, None]).view(np.int64))


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(st.sampled_from(["a", "b", "c", "d", None]), min_size=1, max_size=60),
    min_count=st.integers(1, 6),
    boolean=st.booleans(),
)
def test_stored_codes_of_a_category_nothing_withheld_from_are_its_codes(values, min_count, boolean):
    """stored_codes() returns a category's own codes when nothing was withheld: the numbers the rows map to."""
    from pytest_synthdata._fit.categories import absorb_withheld, read_categorical, stored_codes

    s = pd.Series([None if v is None else v in ("a", "b") for v in values] if boolean else values, dtype=object)
    present = s.notna().to_numpy()
    try:
        cat = read_categorical("c", s, present, min_count=min_count, boolean=boolean)
    except sd.errors.InvalidArgument:  # (no value seen min_count times: nothing to store)
        assume(False)
    other_values = pd.Series([f"x{i % 3}" for i in range(len(values))], dtype=object)
    other = read_categorical("o", other_values, np.ones(len(values), dtype=bool), min_count=1, boolean=False)
    for c in (cat, *absorb_withheld([cat, other])[:1]):
        raw, to_stored = c.raw_codes, c.raw_to_stored
        assert raw is not None and to_stored is not None
        want = np.where(raw >= 0, to_stored[np.maximum(raw, 0)], -1)
        assert np.array_equal(stored_codes(c), want)


def _mode_and_explained_alone(
    raw: np.ndarray,
    other: np.ndarray,
    k_raw: int,
) -> tuple[np.ndarray, float]:
    """One pair's mode and Theil's U as fit computed them before the pairs were batched (the reference)."""
    ok = (raw >= 0) & (other >= 0)
    whole = bool(ok.all())
    if whole:  # (no missing value in either: the codes as they are)
        raw_ok, other_ok = raw, other
    elif ok.any():
        raw_ok, other_ok = raw[ok], other[ok]
    else:
        return np.full(k_raw, -1, dtype=np.int64), 0.0
    k_other = int(other_ok.max()) + 1
    keys = raw_ok.astype(np.int64) * k_other + other_ok
    if k_raw * k_other <= 4 * len(keys) + 64:  # a table of every (raw, other) pair: counted, not sorted
        table = np.bincount(keys, minlength=k_raw * k_other)
        pairs = np.flatnonzero(table)
        counts = table[pairs]
        r, o = pairs // k_other, pairs % k_other
        grid = table.reshape(k_raw, k_other)
        # per raw value its most common partner, the first of equals (what the sort below finds)
        mode = np.where(grid.max(axis=1) > 0, grid.argmax(axis=1), -1).astype(np.int64, copy=False)
    else:
        pairs, counts = np.unique(keys, return_counts=True)
        r, o = pairs // k_other, pairs % k_other
        order = np.lexsort((-counts, r))  # per raw value, its most common partner first
        first = np.ones(len(order), dtype=bool)
        first[1:] = r[order][1:] != r[order][:-1]
        mode = np.full(k_raw, -1, dtype=np.int64)
        mode[r[order][first]] = o[order][first]
    total = float(counts.sum())
    p = counts / total
    p_row = np.bincount(r, weights=counts, minlength=k_raw) / total
    p_col = np.bincount(o, weights=counts, minlength=k_other) / total
    p_col = p_col[p_col > 0]
    h_col = float(-np.sum(p_col * np.log(p_col)))
    h_given = float(-np.sum(p * np.log(p / p_row[r])))
    return mode, 0.0 if h_col <= 1e-12 else max(0.0, (h_col - h_given) / h_col)


@settings(max_examples=80, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 300),
    k_raw=st.integers(1, 30),
    widths=st.lists(st.integers(1, 400), min_size=1, max_size=6),
    missing=st.floats(0.0, 1.0),
    cells=st.sampled_from([1, 400, 1 << 22]),
)
def test_theils_u_of_every_pair_at_once_is_each_pair_alone_bit_for_bit(seed, n, k_raw, widths, missing, cells):
    """absorb_withheld() finds the modes and Theil's U of one category with all the others in one set of calls:
    the numbers each pair alone gives, bit for bit (dense and sparse tables, missing values, pairs without a row in
    common)."""
    from unittest import mock

    from pytest_synthdata._fit import categories
    from pytest_synthdata._fit.categories import _modes_and_explained

    rng = np.random.default_rng(seed)
    raw = rng.integers(0, k_raw, n)
    raw[rng.random(n) < missing / 2] = -1
    others = []
    for w in widths:
        other = rng.integers(0, w, n)
        other[rng.random(n) < missing] = -1
        others.append(other)
    with mock.patch.object(categories, "_PAIR_CELLS", cells):  # (the pairs read a group at a time, or all at once)
        modes, explained = _modes_and_explained(raw, others, k_raw)
    assert len(modes) == len(explained) == len(others)
    for other, mode, u in zip(others, modes, explained, strict=True):
        want_mode, want_u = _mode_and_explained_alone(raw, other, k_raw)
        assert np.array_equal(mode, want_mode)
        assert np.float64(u).tobytes() == np.float64(want_u).tobytes()
        assert 0.0 <= u <= 1.0


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.sampled_from(["a", "b", "c", "d", None]), min_size=2, max_size=300),
    st.booleans(),
    st.booleans(),
)
def test_a_category_coordinates_scores_by_value_are_the_scores_of_every_rows_grade(values, some_rows, reorder):
    """A category's coordinate scores each value once and gathers: ``dependence.scores`` of its grades, bit for bit."""
    from pytest_synthdata._fit.categories import category_column, category_dim, category_grades, read_categorical
    from pytest_synthdata._fit.dependence import scores, sub_scores

    series = pd.Series(values, dtype=object)
    present = series.notna().to_numpy()
    assume(present.any())
    cat = read_categorical("c", series, present, min_count=1, boolean=False)
    if reorder:
        cat.order = cat.order[::-1].copy()
    rows = np.flatnonzero(np.arange(len(series)) % 3 != 1) if some_rows else np.arange(len(series))
    dim = category_dim(cat, category_column(cat), rows)
    assert dim.grades.tobytes() == category_grades(cat, rows).tobytes()
    got, want = sub_scores(dim, rows), scores(category_grades(cat, rows))
    assert np.array_equal(np.isnan(got), np.isnan(want))  # (missing: NaN, whatever its sign bit)
    assert got[~np.isnan(want)].tobytes() == want[~np.isnan(want)].tobytes()


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.sampled_from([0.0, -0.0, 3.0, -7.0, 12.0, 2.0**52, 5.0]), min_size=1, max_size=200),
    st.sampled_from(["int64", "int32", "uint8", "float64", "float32", "Int64", "object"]),
)
def test_a_code_columns_factorization_from_its_ranks_is_pandas_own(values, dtype):
    """An integer code column's factorization renumbered from its ranks: ``pandas.factorize``'s codes and values."""
    from pytest_synthdata._fit.categories import _factorized_codes
    from pytest_synthdata._fit.infer import plain
    from pytest_synthdata._fit.numeric import distinct_ranks

    if dtype == "uint8":
        values = [abs(v) % 256 for v in values]
    if dtype in ("int32", "float32"):
        values = [v % 2**20 for v in values]
    s = pd.Series(values).astype(dtype)
    uniq, codes = distinct_ranks(np.asarray(values, dtype=np.float64) if dtype != "uint8" else s.to_numpy(np.float64))
    got = _factorized_codes(s, uniq, codes)
    if dtype in ("Int64", "object"):
        assert got is None  # (pandas factorizes them)
        return
    assert got is not None
    want_codes, want_uniques = pd.factorize(s, sort=False, use_na_sentinel=True)
    assert np.array_equal(got.codes, want_codes)
    assert [repr(plain(v)) for v in got.uniques] == [repr(plain(v)) for v in want_uniques]


def test_a_reordered_category_is_what_dataclasses_replace_gives():
    """``Categorical.reordered`` copies every field as ``dataclasses.replace`` would, the order changed."""
    import dataclasses

    from pytest_synthdata._fit.categories import read_categorical

    s = pd.Series(list("abcabcaad"))
    cat = read_categorical("c", s, s.notna().to_numpy(), min_count=1, boolean=False)
    order = np.array([2, 0, 3, 1])
    got, want = cat.reordered(order), dataclasses.replace(cat, order=order)
    assert got is not cat and got.order is order
    for f in dataclasses.fields(cat):
        assert getattr(got, f.name) is getattr(want, f.name), f.name


def _shape_by_pandas(text: pd.Series, min_count: int) -> tuple[str, dict]:
    """The pattern template as fit found it with regular expressions and pandas (value counts in a stable order)."""
    import re

    clean = text.str.replace(r"[?#{}]", "-", regex=True)
    shapes = clean.str.replace(r"[A-Za-z]", "?", regex=True).str.replace(r"[0-9]", "#", regex=True)
    counts = shapes.value_counts(sort=False).sort_values(ascending=False, kind="stable")
    common = counts[counts >= min_count]
    if common.empty or not str(common.index[0]).strip():
        lengths = text.str.len()
        lo, hi = max(1, int(lengths.quantile(0.1))), max(1, int(lengths.quantile(0.9)))
        return "pystr", {"min_chars": lo, "max_chars": max(lo, hi)}
    shape = str(common.index[0])
    letters = re.sub(r"[^A-Za-z]", "", "".join(clean[shapes == shape].head(1000)))
    # a letter or digit every value of the shape holds at the same place stays itself
    same = clean[shapes == shape].tolist()
    template = "".join(
        same[0][i] if mark in "?#" and all(v[i] == same[0][i] for v in same) else mark for i, mark in enumerate(shape)
    )
    kwargs: dict = {"text": template}
    if letters and letters.isupper():
        kwargs["letters"] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    elif letters and letters.islower():
        kwargs["letters"] = "abcdefghijklmnopqrstuvwxyz"
    return "bothify", kwargs


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.text(alphabet="aZq09?#{}-_ é٣\x00", min_size=0, max_size=6), min_size=1, max_size=60),
    st.integers(1, 4),
)
def test_a_pattern_columns_template_is_the_one_regular_expressions_and_pandas_give(values, min_count):
    """The template of a pattern column (translation tables, counted in Python) is the regular expressions' and
    pandas' (equal counts: the shape seen first), with the letters and digits every value of the shape shares
    kept as themselves."""
    from pytest_synthdata._fit.generated import _shape

    text = pd.Series(values, dtype=object)
    assert _shape(text, min_count) == _shape_by_pandas(text, min_count)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.floats(-1e6, 1e6, allow_nan=False), st.integers(1, 40)), min_size=1, max_size=400),
    st.booleans(),
    st.booleans(),
)
def test_grid_values_without_a_run_of_ties_have_no_cells_found_by_the_quick_check(runs, shuffle, integer):
    """A numeric column's values on the latent grid (sorted) with no run of 16 equal values have no rank cells:
    the quick check answers what the runs give, and unsorted values (a category's codes) still go the long way."""
    from pytest_synthdata import _marginals

    values = np.concatenate([np.full(count, value) for value, count in runs])
    values = np.sort(np.resize(values, _marginals._GRID))  # (a grid's length, the values repeated)
    if shuffle:
        np.random.default_rng(len(runs)).shuffle(values)
    if integer:
        values = np.floor(values).astype(np.int64)
    got = _marginals.rank_cells_of_grid_values(values)
    change = np.flatnonzero(values[1:] != values[:-1]) + 1
    starts, ends = np.concatenate([[0], change]), np.concatenate([change, [len(values)]])
    tie = ends - starts >= 16
    want = _marginals._cells(*_marginals._merge_runs(starts / len(values), ends / len(values), tie))
    if want is None:
        assert got is None
    else:
        assert got is not None
        np.testing.assert_array_equal(got.cuts, want.cuts)
        np.testing.assert_array_equal(got.probs, want.probs)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(["9b2f1c3e-4d5a-4b6c-8d7e-0f1a2b3c4d5e", "A1B2C3D4-E5F6-4A7B-8C9D-0E1F2A3B4C5D",
                                 "9b2f1c3e-4d5a-4b6c-8d7e-0f1a2b3c4d5", "ORD-000123", "", "x"]), max_size=20))  # fmt: skip
def test_the_uuid_check_answers_as_pandas_matching_every_value_does(values):
    """all_uuids() answers from its first value when that is no UUID: what matching every value gives."""
    from pytest_synthdata._fit.infer import UUID, all_uuids

    text = pd.Series(values, dtype=object)
    assert all_uuids(text) == bool(text.str.fullmatch(UUID).all())


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.text(alphabet=st.sampled_from(list("ab \t\n\x0b\x0c\r\x1c\x1f\x85\xa0\u1680\u2003\u2028\u202f\u3000\u200b-é")),
                max_size=12),
        min_size=1,
        max_size=30,
    )
)  # fmt: skip
def test_whitespace_runs_of_a_few_strings_counted_in_python_are_the_regular_expressions(values):
    """A few strings' whitespace runs (words less one, plus a leading and a trailing run) are what ``\\s+`` counts,
    for every kind of whitespace (and U+200B, which is none)."""
    from pytest_synthdata._fit import infer

    text = pd.Series(values, dtype=object)
    want = text.str.count(r"\s+").to_numpy(dtype=np.int64)
    np.testing.assert_array_equal(infer.whitespace_runs(text), want)
