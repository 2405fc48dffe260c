"""Large fits: what a fit keeps in memory, and the shortcuts it takes, never change the model."""

from __future__ import annotations

from unittest import mock

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tables_for_tests import customers

import pytest_synthdata as sd
from pytest_synthdata._fit import dependence, native
from pytest_synthdata._fit.numeric import BATCH_VALUES, Numbers, _grouped_unique, fit_marginals


def _zeros_and_values(n: int, seed: int) -> np.ndarray:
    """Mostly distinct values with -0.0 and 0.0 both present (-0.0 first), a few repeats and infinities."""
    rng = np.random.default_rng(seed)
    x = np.round(rng.normal(0, 50, n), 3)
    x[rng.integers(0, n, n // 20)] = 0.0
    x[rng.integers(0, n, n // 20)] = -0.0
    x[: n // 2][x[: n // 2] == 0.0] = -0.0  # the first zeros are negative
    x[7::501] = np.inf
    return x


@pytest.mark.parametrize(("n", "k"), [(3000, 5), (3000, 32), (40_000, 5), (40_000, 8)])
def test_few_groups_of_many_distinct_values_count_like_np_unique(n, k):
    """Groups of mostly distinct values are counted group by group, or sorted when that is cheaper (many groups
    of few values): either way exactly np.unique's answer in each group, and both ways the same arrays."""
    from pytest_synthdata._fit.numeric import _count_by_group, distinct_ranks

    v = _zeros_and_values(n, k)
    g = np.random.default_rng(k).integers(0, k, n).astype(np.intp)
    assert k * len(np.unique(v)) > 4 * n + 64  # (the case counted group by group when counting is cheaper)
    uniq, owner, inverse, counts = _grouped_unique(v, g, k)
    assert np.array_equal(uniq[inverse], v)
    assert np.array_equal(owner[inverse], g)
    for group in range(k):
        want_uniq, want_counts = np.unique(v[g == group], return_counts=True)
        assert np.array_equal(uniq[owner == group], want_uniq)
        assert np.array_equal(counts[owner == group], want_counts)
    distinct, rank = distinct_ranks(v)
    counted = _count_by_group(distinct, rank, g, k)
    for got, want in zip(counted, (uniq, owner, inverse, counts), strict=True):
        assert got.dtype == want.dtype and np.array_equal(got, want)


def test_the_cheaper_way_groups_the_keys():
    """Many groups of a small table's values are sorted; few groups of a large column's values are counted."""
    from pytest_synthdata._fit.numeric import _counting_wins

    assert not _counting_wins(3_624, 32)  # (8 columns x 4 segments of 453 rows: a sort takes a tenth of the time)
    assert not _counting_wins(1_376, 12)
    assert _counting_wins(25_000, 15)
    assert _counting_wins(300_000, 12)


def test_refit_from_kept_ranks_is_the_refit_from_scratch():
    """A large column's ranks, kept from its first fit, give its per-group refit exactly, -0.0 and 0.0 included."""
    n = BATCH_VALUES  # large enough for the ranks to be kept
    x = _zeros_and_values(n, 1)
    x[::11] = np.nan
    present = ~np.isnan(x)
    rng = np.random.default_rng(2)
    group = rng.integers(-1, 4, n)
    group[: n // 3][group[: n // 3] >= 0] = 3  # the first zeros of groups 0-2 come later than the column's first
    rows = np.sort(rng.choice(n, n // 3, replace=False))
    plain = Numbers("x", x, present, False, None)
    (first,) = fit_marginals([plain], None, 1, min_count=3, knots=64, rows=rows)
    assert first.ranks is not None
    kept = Numbers("x", x, present, False, None, ranks=first.ranks)
    (fresh,) = fit_marginals([plain], group, 4, min_count=3, knots=64)
    (quick,) = fit_marginals([kept], group, 4, min_count=3, knots=64, rows=rows)
    assert np.array_equal(quick.grades, fresh.grades[rows], equal_nan=True)
    for a, b in zip(quick.marginals, fresh.marginals, strict=True):
        assert not isinstance(a, Exception) and not isinstance(b, Exception)
        assert (a.dist, a.step, a.decimals, a.null_rate, a.inf_rates) == (
            b.dist,
            b.step,
            b.decimals,
            b.null_rate,
            b.inf_rates,
        )
        assert [np.signbit(v) for v in a.bounds] == [np.signbit(v) for v in b.bounds]
        assert a.bounds == b.bounds
        for key in b.params:
            assert np.array_equal(a.params[key], b.params[key]), key
            assert np.array_equal(np.signbit(a.params[key]), np.signbit(b.params[key])), key
    assert np.array_equal(
        first.grades, fit_marginals([plain], None, 1, min_count=3, knots=64)[0].grades[rows], equal_nan=True
    )


def test_large_fits_keep_grades_of_the_correlation_rows_only(monkeypatch):
    """Beyond MAX_CORRELATION_ROWS, every latent coordinate holds the grades of the correlation rows only."""
    monkeypatch.setattr(dependence, "MAX_CORRELATION_ROWS", 1500)
    seen = {}
    estimate = native.latent_correlation

    def spy(dims, modelled, **kwargs):
        seen["dims"], seen["rows"] = dims, kwargs["rows"]
        return estimate(dims, modelled, **kwargs)

    monkeypatch.setattr(native, "latent_correlation", spy)
    df = customers(4000)
    df["segment"] = np.where(df["plan"] == "free", "a", "b")  # (a segment column, so segments are refitted)
    model = sd.fit(df, name="big")
    assert len(seen["rows"]) == 1500
    assert seen["dims"] and all(len(d.grades) == 1500 for d in seen["dims"])
    assert model.sample(50, seed=1).shape == (50, df.shape[1])


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.sampled_from([0.0, -0.0, 1.5, -2.0, 3.25, np.inf, -np.inf, np.nan]) | st.integers(-9, 9).map(float)),
    st.lists(st.sampled_from([0.0, -0.0, 1.5, np.inf, np.nan]) | st.integers(-9, 9).map(float), max_size=12),
    st.integers(1, 4),
)
def test_rare_values_from_kept_ranks_and_sorted_lookups_match_unique_and_isin(values, probes, min_count):
    """The whole column's rare values counted from its kept ranks, and the lookups ``unheld`` makes by binary
    search, are those of ``np.unique`` and ``np.isin``."""
    from dataclasses import replace

    from pytest_synthdata._fit.numeric import Numbers, Ranks, _rare_values, distinct_ranks
    from pytest_synthdata._fit.private import _among_sorted, rare_values

    x = np.array(values, dtype=np.float64)
    column = Numbers("a", x, ~np.isnan(x), False, None)
    distinct, rank = distinct_ranks(x[column.present])
    kept = replace(column, ranks=Ranks(rank.astype(np.int32), len(distinct)))
    want = rare_values(x, min_count)
    assert np.array_equal(_rare_values(kept, min_count), want)
    assert np.array_equal(_rare_values(column, min_count), want)
    p = np.array(probes, dtype=np.float64)
    assert np.array_equal(_among_sorted(p, want), np.isin(p, want))


def test_rare_values_kept_from_the_columns_fit_are_those_of_np_unique():
    """A column's rare values, counted by its own fit and kept with its ranks for the segment refits, are
    ``private.rare_values`` of its values: what the refit would count again."""
    from pytest_synthdata._fit.numeric import _rare_values
    from pytest_synthdata._fit.private import rare_values

    x = _zeros_and_values(3000, 4)
    x[::13] = np.nan
    ints = np.random.default_rng(5).integers(0, 40, 3000).astype(np.float64)
    columns = [Numbers("x", x, ~np.isnan(x), False, None), Numbers("i", ints, np.ones(3000, bool), True, None)]
    for min_count in (1, 3, 5):
        fits = fit_marginals(columns, None, 1, min_count=min_count, knots=64)
        for column, fit in zip(columns, fits, strict=True):
            assert fit.ranks is not None and fit.ranks.rare is not None
            want = rare_values(column.values, min_count)
            assert fit.ranks.rare[0] == min_count
            assert np.array_equal(fit.ranks.rare[1], want)
            assert np.array_equal(_rare_values(column, min_count, fit.ranks), want)
            assert np.array_equal(
                _rare_values(column, min_count + 1, fit.ranks), rare_values(column.values, min_count + 1)
            )


def _brute_hides_too_much(seg, cats, row_group, min_count):
    """The segment check counted row by row: another category's rows in (value, group) cells of 1 to
    ``min_count - 1`` rows exceed SEGMENT_MAX_HIDDEN of its rows in a group and with a stored value."""
    from pytest_synthdata._fit.segments import SEGMENT_MAX_HIDDEN

    for cat in cats:
        if cat is seg:
            continue
        keep = (row_group >= 0) & (cat.codes >= 0)
        cells = np.zeros((len(cat.values), int(row_group.max()) + 1))
        np.add.at(cells, (cat.codes[keep], row_group[keep]), 1.0)
        if cells[(cells > 0) & (cells < min_count)].sum() > SEGMENT_MAX_HIDDEN * cells.sum():
            return True
    return False


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**31), st.integers(30, 400), st.integers(2, 5), st.integers(1, 6))
def test_segment_check_over_value_combinations_counts_like_every_row(seed, n, n_cats, min_count):
    """Whether a candidate segment hides too much of another category is found from the distinct combinations of
    the categories' values, weighted by their rows: the answer of counting every row."""
    from pytest_synthdata._fit import segments
    from pytest_synthdata._fit.categories import Categorical
    from pytest_synthdata._fit.segments import (
        _group_of,
        _segment_hides_too_much,
        _segments_hiding_too_much,
        _value_slots,
    )

    rng = np.random.default_rng(seed)
    cats = []
    for c in range(n_cats):
        width = int(rng.integers(2, 9))
        codes = (
            rng.integers(-1, width, n)
            if c % 2
            else rng.choice(width, n, p=np.linspace(1, 3, width) / np.linspace(1, 3, width).sum())
        )
        cats.append(
            Categorical(
                f"c{c}",
                codes.astype(np.int64),
                list(range(width)),
                np.bincount(codes[codes >= 0], minlength=width).astype(float),
                0.0,
                False,
            )
        )
    slots = _value_slots(cats)
    candidates, want = [], []
    for seg in cats:
        groups = rng.integers(-1, int(rng.integers(2, 5)), len(seg.values))
        groups[:2] = [0, 1]  # (at least two groups)
        group_of = _group_of(seg, groups)
        row_group = group_of[seg.codes]
        if row_group.max() < 0:
            continue
        got = _segment_hides_too_much(seg, slots, group_of, int(groups.max()) + 1, min_count)
        assert got == _brute_hides_too_much(seg, cats, row_group, min_count)
        candidates.append((seg, group_of, int(groups.max()) + 1))
        want.append(got)
    # every candidate at once (each with its own number of groups), and a few at a time in small tables
    assert _segments_hiding_too_much(candidates, slots, min_count) == want
    with mock.patch.object(segments, "_BATCH_CELLS", max(1, 2 * slots[0].slot.size)):
        assert _segments_hiding_too_much(candidates, slots, min_count) == want


@pytest.mark.parametrize(
    ("widths", "n"),
    [
        ((3, 2, 2, 4), 500),
        ((1,), 40),
        ((7, 5), 3),
        ((40, 40, 40), 2000),
        ((60, 70, 3, 80), 3000),
        ((300,) * 3, 9000),
        ((3,) * 10, 200),
    ],
)
def test_segment_combinations_counted_in_a_table_are_those_sorted(widths, n):
    """Narrow categories' combinations are counted in a table of every key (wide ones sorted): either way the
    distinct combinations in lexicographic order of the codes, a row holding each, and how many rows do."""
    from pytest_synthdata._fit.segments import _combinations

    rng = np.random.default_rng(len(widths) + n)
    codes = [rng.integers(-1, width, n) for width in widths]
    first, rows = _combinations(codes)
    table = np.stack(codes, axis=1)
    want, counts = np.unique(table, axis=0, return_counts=True)
    np.testing.assert_array_equal(table[first], want)
    np.testing.assert_array_equal(rows, counts.astype(float))


def test_segment_combinations_renumber_before_their_key_overflows():
    """Many wide categories: the combination key is made dense again before it could overflow int64."""
    from pytest_synthdata._fit.segments import _combinations

    rng = np.random.default_rng(3)
    codes = [rng.integers(-1, 200, 5000) for _ in range(12)]  # (201**12 is far beyond 2**62)
    first, rows = _combinations(codes)
    table = np.stack(codes, axis=1)
    want, counts = np.unique(table, axis=0, return_counts=True)
    assert len(first) == len(want) and rows.sum() == 5000
    assert sorted(map(tuple, table[first].tolist())) == sorted(map(tuple, want.tolist()))
    assert sorted(rows.tolist()) == sorted(counts.astype(float).tolist())


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**31), st.sampled_from([None, 0.5, 1.0, 250.0]), st.integers(3, 300), st.booleans())
def test_tie_structure_on_the_latent_grid_by_interpolation_is_from_latents(seed, step, n_knots, plateaus):
    """A plain quantile column's tie structure, read from one np.interp at the grid's scores, is what
    evaluating the column itself on the grid gives (its sampling guide table included)."""
    from pytest_synthdata._columns import ModelColumn, NumericColumn

    rng = np.random.default_rng(seed)
    values = np.sort(rng.normal(0, 1e5, n_knots)).round(1)
    if plateaus:  # (repeated knot values: ties the cells must find)
        values[n_knots // 3 : n_knots // 2] = values[n_knots // 3]
    probs = np.linspace(0.0, 1.0, n_knots)
    lo, hi = float(values[0]), float(values[-1])

    def column() -> NumericColumn:
        return NumericColumn(
            "x", dist="quantiles", params={"probs": probs, "values": values}, integer=False, step=step, bounds=(lo, hi)
        )

    quick, slow = column(), column()
    if quick.discrete is not None:  # (a narrow grid is a table: no grid evaluation at all)
        return
    got, want = quick.rank_cells(), ModelColumn.rank_cells(slow)
    assert (got is None) == (want is None)
    if got is not None and want is not None:
        for field in ("cuts", "midranks", "probs"):
            assert np.array_equal(getattr(got, field), getattr(want, field)), field


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**31), st.integers(1, 7), st.integers(1, 6))
def test_frequency_tables_of_all_groups_at_once_are_each_groups_own(seed, k, min_count):
    """Every group's exact frequency table, found at once (rare values merged into their nearest stored
    neighbour, the lower one on a tie), is what the group gives on its own."""
    from pytest_synthdata._fit.numeric import _frequency_tables, round_probs

    rng = np.random.default_rng(seed)
    parts, owners, tallies = [], [], []
    for g in range(k):
        values = np.unique(rng.integers(-6, 7, int(rng.integers(1, 9))) * 0.5)  # (ties at equal distance)
        values[values == 0.0] = -0.0 if g % 2 else 0.0
        parts.append(values)
        owners.append(np.full(len(values), g))
        tallies.append(rng.integers(1, 2 * min_count + 1, len(values)))
    uniq, owner, counts = np.concatenate(parts), np.concatenate(owners), np.concatenate(tallies)
    atoms = counts >= min_count
    at = np.searchsorted(owner, np.arange(k + 1))
    tabled = np.array([bool(atoms[at[g]] and atoms[at[g + 1] - 1]) for g in range(k)])
    tabled[rng.integers(0, k)] = False  # (a group that is not tabled)
    got = _frequency_tables(uniq, counts, owner, atoms, tabled, k)
    for g in range(k):
        if not tabled[g]:
            assert got.values[g] is None and got.probs[g] is None
            continue
        u, c, a = uniq[at[g] : at[g + 1]], counts[at[g] : at[g + 1]], atoms[at[g] : at[g + 1]]
        kept, probs = u[a], c[a].astype(np.float64)
        if (~a).any():
            nearest = np.clip(np.searchsorted(kept, u[~a]), 0, len(kept) - 1)
            below = np.clip(nearest - 1, 0, len(kept) - 1)
            closer = np.abs(kept[below] - u[~a]) <= np.abs(kept[nearest] - u[~a])
            np.add.at(probs, np.where(closer, below, nearest), c[~a])
        assert np.array_equal(got.values[g], kept)
        assert np.array_equal(np.signbit(got.values[g]), np.signbit(kept))
        assert np.array_equal(got.probs[g], round_probs(probs / probs.sum()))
        assert got.merged[g] == int((~a).sum())


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.sampled_from([0.0, -0.0, 1.5, -2.0, 3.25, -np.inf, np.inf]), min_size=1), min_size=1))
def test_running_max_of_all_groups_at_once_is_each_groups_own(groups):
    """The running maximum within every group at once is, bit for bit, each group's own np.maximum.accumulate."""
    from pytest_synthdata._fit.private import running_max

    got = running_max(np.concatenate([np.array(g, dtype=np.float64) for g in groups]), [len(g) for g in groups])
    want = np.concatenate([np.maximum.accumulate(np.array(g, dtype=np.float64)) for g in groups])
    assert np.array_equal(got, want) and np.array_equal(np.signbit(got), np.signbit(want))


def test_pairs_calibrated_a_block_at_a_time_are_those_calibrated_at_once(monkeypatch):
    """Wide fits calibrate their pairs a block at a time (the Hermite tables stay small): every latent
    correlation has the same bits as with every pair at once, tied, continuous and exactly solved pairs alike."""
    rng = np.random.default_rng(12)
    n = 400
    shared = rng.normal(size=(n, 1))
    z = shared * np.array([[1.0, 1.0, 0.8, 0.5, 0.3, 1.0, 1.0, 0.2]]) + rng.normal(size=(n, 8)) * 0.1
    frame = pd.DataFrame({f"x{i}": z[:, i] for i in range(4)})
    frame["tied"] = np.round(z[:, 4] * 2)  # few values: rank ties
    frame["steps"] = np.round(z[:, 5] * 2)  # tied and nearly a function of x0, x1: the exact (orthant) solve
    frame["near"] = np.round(z[:, 6] * 3)
    frame["gappy"] = pd.Series(z[:, 7]).mask(rng.random(n) < 0.3)  # a null flag's pairs too
    whole = np.asarray(sd.fit(frame, name="t").latent_correlation)
    monkeypatch.setattr(dependence, "PAIRS_AT_ONCE", 5)
    np.testing.assert_array_equal(np.asarray(sd.fit(frame, name="t").latent_correlation), whole)
