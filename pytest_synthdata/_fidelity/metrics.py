"""Metric kernels on arrays: SDMetrics 0.32's definitions, vectorised; plus detection, utility and privacy.

The QualityReport definitions (SDMetrics 0.32, MIT; formulas, no code taken):

- KSComplement = 1 - D, D the two-sample Kolmogorov-Smirnov statistic
  ``max |F_real(x) - F_syn(x)|`` over the pooled values, NaNs dropped, floats
  rounded to 14 decimals first;
- TVComplement = 1 - 1/2 sum |p_real(v) - p_syn(v)| over the values, NaNs
  dropped; a value only the synthetic side has counts 1e-6 on the real side;
- CorrelationSimilarity = 1 - |r_real - r_syn| / 2 with Pearson r on the rows
  where both columns are present;
- ContingencySimilarity = 1 - 1/2 sum |p_real(a, b) - p_syn(a, b)| over the
  joint table, missing a value of its own, continuous columns binned (see
  :func:`~pytest_synthdata._fidelity.reference.bin_codes`);
- MissingValueSimilarity = 1 - |missing share real - missing share synthetic|;
- RangeCoverage = max(0, 1 - (max(0, (min_s - min_r) / (max_r - min_r)) + max(0, (max_r - max_s) / (max_r - min_r))));
  CategoryCoverage = share of the real values that the synthetic data has.

Detection (a classifier two-sample test, see the explanation page) and
train-synthetic-test-real utility need scikit-learn; privacy reuses the
audit's Gower distances.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import InvalidArgument

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "DetectionResult",
    "PrivacyResult",
    "UtilityResult",
    "category_coverage",
    "contingency_scores",
    "contingency_scores_sparse",
    "contingency_tvd",
    "cramers_v",
    "detection",
    "distinct_counts",
    "joint_counts",
    "joint_tables",
    "sparse_pair",
    "ks_by_buckets",
    "ks_from_counts",
    "ks_statistic",
    "ks_values",
    "pearson",
    "pearson_all",
    "pearson_matrix",
    "privacy",
    "range_coverage",
    "sorted_counts",
    "tv_complement_aligned",
    "tv_complement_counts",
    "utility",
]

#: SDMetrics rounds floats to this many decimals before the KS test (sys.float_info.dig - 1).
KS_DECIMALS = sys.float_info.dig - 1


def distinct_counts(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The sorted distinct non-missing values (rounded as for KSComplement) and the running count up to each.

    Whole numbers of one decimal unit in a short range (ages, prices,
    rounded measurements) are counted value by value (:func:`_counted`).
    Otherwise hashing finds the distinct values of a thousand values or more
    first: when there are few only they are sorted; when most values are
    distinct, or there are few values, the column is sorted instead. Every
    way the counts are exact integers, so the ECDFs built from them are the
    same floats.
    """
    return sorted_counts(ks_values(values))


def sorted_counts(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`distinct_counts` of values that are already :func:`ks_values` (no NaN; not rounded again)."""
    import pandas as pd

    if not len(values):
        return values, np.zeros(0, dtype=np.int64)
    if values.dtype.kind in "iuf" and len(values) >= _COUNTED_MIN:
        found = _counted(values)
        if found is not None:
            return found
    if len(values) >= _HASHED_MIN:
        codes, uniques = pd.factorize(values, sort=False)
        if len(uniques) <= len(values) // 4:
            order = np.argsort(uniques, kind="stable")
            counts = np.bincount(codes, minlength=len(uniques))[order]
            return np.asarray(uniques)[order], np.cumsum(counts)
    ordered = np.sort(values)
    last = np.append(np.flatnonzero(ordered[1:] != ordered[:-1]), len(ordered) - 1)
    return ordered[last], last + 1


#: Below this many values :func:`sorted_counts` sorts them without looking for repeats first.
_HASHED_MIN = 1024
#: From this many values :func:`sorted_counts` first tries counting whole numbers (:func:`_counted`).
_COUNTED_MIN = 256
#: Whole numbers spanning at most this many times their count plus this many are counted value by value.
_COUNTED_SPAN = (4, 1024)
#: :func:`_counted` tries floats as whole numbers of these units (1, 0.1, 0.01, 0.001: prices, rounded measurements).
_DECIMAL_SCALES = (1.0, 10.0, 100.0, 1000.0)
#: ... picking the unit from this many values before it checks them all.
_DECIMAL_PROBE = 64


def _counted(values: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """:func:`sorted_counts` of whole numbers of one unit in a short range, by one count per value (no sort or hash).

    None when the values are not such (:func:`_whole_numbers`).
    """
    found = _whole_numbers(values)
    if found is None:
        return None
    whole, scale, low = found
    counts = np.bincount(whole)
    present = np.flatnonzero(counts)
    if scale is None:
        return (present + low).astype(values.dtype), np.cumsum(counts[present])
    return (present + low) / scale, np.cumsum(counts[present])


def _whole_numbers(values: np.ndarray, scale: float | None = None) -> tuple[np.ndarray, float | None, Any] | None:
    """``(k - min k, scale, min k)``: the values as whole numbers ``k`` of one unit ``1 / scale``, if they are such.

    Integers are their own ``k`` (``scale`` None). Floats are tried as
    multiples of one decimal unit (``_DECIMAL_SCALES``, or the ``scale``
    given): ``k / scale == x`` must hold exactly for every value ``x``, so
    the ``k`` are distinct exactly when the values are, in the same order,
    and ``k / scale`` gives each value back bit for bit. None when the values
    are not such, or span too wide a range for one count per whole number
    (``_COUNTED_SPAN``).
    """
    if values.dtype.kind in "iu":
        low, high = values.min(), values.max()
        if int(high) - int(low) > _COUNTED_SPAN[0] * len(values) + _COUNTED_SPAN[1]:
            return None
        return (values - low).astype(np.intp, copy=False), None, low
    if values.dtype != np.float64:
        return None
    if scale is None:
        head = values[:_DECIMAL_PROBE]
        for scale in _DECIMAL_SCALES:
            if np.array_equal(np.round(head * scale) / scale, head):
                break
        else:
            return None
    whole = values * scale
    np.round(whole, out=whole)
    low, high = whole.min(), whole.max()
    if (
        not (abs(low) < 2.0**52 and abs(high) < 2.0**52)
        or high - low > _COUNTED_SPAN[0] * len(values) + _COUNTED_SPAN[1]
    ):
        return None
    if not np.array_equal(whole / scale, values):
        return None
    whole -= low
    return whole.astype(np.intp), scale, low


def _ks_counted(real: np.ndarray, synthetic: np.ndarray) -> float | None:
    """:func:`ks_statistic` of two samples of whole numbers of one unit in a short range (None if they are not such).

    Both samples are counted on one grid of whole numbers; at each point the
    candidate is ``count_real / n - count_syn / m`` with the same integer
    counts as :func:`ks_from_counts` (points neither sample has repeat the
    point before), so it is the same float.
    """
    found = _whole_numbers(real)
    if found is None:
        return None
    whole_r, scale, low_r = found
    other = _whole_numbers(synthetic, scale)
    if other is None or other[1] != scale:
        return None
    whole_s, _, low_s = other
    start = min(low_r, low_s)
    if low_r != start:
        whole_r += int(low_r - start)
    if low_s != start:
        whole_s += int(low_s - start)
    size = max(int(whole_r.max()) if len(whole_r) else 0, int(whole_s.max()) if len(whole_s) else 0) + 1
    n, m = len(real), len(synthetic)
    gap = np.cumsum(np.bincount(whole_r, minlength=size)) / n
    gap -= np.cumsum(np.bincount(whole_s, minlength=size)) / m
    return float(max(gap.max(), min(-gap.min(), 1.0), 0.0))


def ks_from_counts(real: tuple[np.ndarray, np.ndarray], synthetic: tuple[np.ndarray, np.ndarray]) -> float:
    """The two-sample KS statistic D from each sample's :func:`distinct_counts`.

    Both ECDFs are compared at every distinct value of both samples, as
    ``scipy.stats.ks_2samp`` compares them at every value (repeats add no
    new point).
    """
    (rv, rc), (sv, sc) = real, synthetic
    if not len(rv) or not len(sv):
        return float("nan")
    if rv.dtype != sv.dtype:
        rv, sv = rv.astype(np.float64), sv.astype(np.float64)
    n, m = rc[-1], sc[-1]
    rc0 = np.concatenate([[0], rc])
    sc0 = np.concatenate([[0], sc])
    at_real = rc / n - sc0[np.searchsorted(sv, rv, side="right")] / m
    at_syn = rc0[np.searchsorted(rv, sv, side="right")] / n - sc / m
    high = max(at_real.max(), at_syn.max())
    low = min(at_real.min(), at_syn.min())
    return float(max(high, min(-low, 1.0), 0.0))


def ks_values(values: np.ndarray) -> np.ndarray:
    """The values the KS statistic compares: NaNs dropped, floats rounded as SDMetrics rounds them."""
    if values.dtype.kind == "f":
        return np.round(values[~np.isnan(values)], KS_DECIMALS)
    return values


def ks_statistic(real: np.ndarray, synthetic: np.ndarray) -> float:
    """The two-sample KS statistic D of two samples of :func:`ks_values`: the float :func:`ks_from_counts` gives.

    Large samples of mostly distinct numbers go through :func:`ks_by_buckets`
    (no sort of every value); others through their :func:`sorted_counts`
    (a hash table finds few distinct values quicker).
    """
    n, m = len(real), len(synthetic)
    if not n or not m:
        return float("nan")
    if n + m <= _KS_POOLED_MAX:
        return _ks_pooled(real, synthetic)
    if real.dtype == synthetic.dtype and real.dtype.kind in "iuf" and min(n, m) >= _COUNTED_MIN:
        counted = _ks_counted(real, synthetic)
        if counted is not None:
            return counted
    if real.dtype == synthetic.dtype and real.dtype.kind in "fiu" and n + m >= _KS_BUCKETED_MIN:
        import pandas as pd

        head = real[:_KS_PROBE]
        if len(pd.unique(head)) > len(head) // 2:
            found = ks_by_buckets(real, synthetic)
            if found is not None:
                return found
    return ks_from_counts(sorted_counts(real), sorted_counts(synthetic))


def _ks_pooled(real: np.ndarray, synthetic: np.ndarray) -> float:
    """:func:`ks_statistic` of two small non-empty samples from one sort of both (fewer steps than two).

    The running counts of real and synthetic values at the last of each run
    of equal pooled values are the integer counts :func:`ks_from_counts`
    compares, in the same formula, so the statistic is the same float.
    """
    n, m = len(real), len(synthetic)
    if real.dtype != synthetic.dtype:
        real, synthetic = real.astype(np.float64), synthetic.astype(np.float64)
    both = np.concatenate([real, synthetic])
    order = np.argsort(both)  # (any order within a run of equal values: only each run's last count is read)
    ordered = both[order]
    ends = np.flatnonzero(np.append(ordered[1:] != ordered[:-1], True))  # (the last of each run of equal values)
    from_real = np.cumsum(order < n)[ends]
    gap = from_real / n - (ends + 1 - from_real) / m
    return float(max(gap.max(), min(-gap.min(), 1.0), 0.0))


#: Up to this many values in both samples together :func:`ks_statistic` sorts them together.
_KS_POOLED_MAX = 4096


def ks_by_buckets(real: np.ndarray, synthetic: np.ndarray) -> float | None:
    """:func:`ks_statistic` of two non-empty NaN-free numeric samples of one dtype, sorting only a few values.

    Exactly the float of :func:`ks_from_counts` (every candidate is
    ``count_real / n - count_syn / m`` with the same integer counts); None
    when the values span no finite float range, or when most values would
    need the sort anyway.

    Branch and bound over a histogram: the pooled range is cut into equal
    buckets by a monotone map (ties share a bucket, buckets keep the values'
    order). One count per bucket gives both ECDFs exactly at each bucket's
    last value, and bounds the difference inside it, since each ECDF lies
    between its values at the bucket's two ends. Only buckets whose bound
    beats the largest end value, and which hold more than one distinct value,
    are sorted and scanned value by value: for two samples from similar
    distributions, a few buckets near the largest gap; for identical samples,
    every bucket.
    """
    n, m = len(real), len(synthetic)
    lo = min(real.min(), synthetic.min())
    hi = max(real.max(), synthetic.max())
    if lo == hi:
        return 0.0
    buckets = max(min((n + m) // 4, 1 << 16), 1)
    low = float(lo)
    scale = buckets / (float(hi) - low)
    if not (np.isfinite(low) and np.isfinite(scale) and scale > 0):  # infinities, or a span beyond float64
        return None

    def bucket_of(values: np.ndarray) -> np.ndarray:
        # conversion to float, subtraction, scaling and floor never reverse two values' order
        at = np.subtract(values, low, dtype=np.float64)
        at *= scale
        np.floor(at, out=at)
        out = at.astype(np.intp)
        np.minimum(out, buckets - 1, out=out)
        return out

    real_at, syn_at = bucket_of(real), bucket_of(synthetic)
    real_in = np.bincount(real_at, minlength=buckets)
    syn_in = np.bincount(syn_at, minlength=buckets)
    real_upto, syn_upto = np.cumsum(real_in), np.cumsum(syn_in)
    real_before, syn_before = real_upto - real_in, syn_upto - syn_in
    at_ends = real_upto / n - syn_upto / m  # both ECDFs at each bucket's last pooled value (or the one before)
    high, low_d = at_ends.max(), at_ends.min()
    refine = (real_upto / n - syn_before / m > high) | (real_before / n - syn_upto / m < low_d)
    if refine.any():
        keep_r, keep_s = refine[real_at], refine[syn_at]
        real, real_at, synthetic, syn_at = real[keep_r], real_at[keep_r], synthetic[keep_s], syn_at[keep_s]
        # a bucket holding one value has no point inside but its end: leave it
        some = np.empty(buckets, dtype=real.dtype)
        some[syn_at] = synthetic
        some[real_at] = real
        several = np.zeros(buckets, dtype=bool)
        several[real_at[real != some[real_at]]] = True
        several[syn_at[synthetic != some[syn_at]]] = True
        refine &= several
        if 2 * (int(real_in[refine].sum()) + int(syn_in[refine].sum())) > n + m:
            return None  # (samples alike everywhere, such as a copy: one sort of everything is quicker)
    if refine.any():
        keep_r, keep_s = refine[real_at], refine[syn_at]
        rv, rc = sorted_counts(real[keep_r])
        sv, sc = sorted_counts(synthetic[keep_s])
        # running counts over the kept values -> counts over all values: add what the other buckets before held
        kept_r, kept_s = np.where(refine, real_in, 0), np.where(refine, syn_in, 0)
        before_r = real_before - (np.cumsum(kept_r) - kept_r)
        before_s = syn_before - (np.cumsum(kept_s) - kept_s)
        rb, sb = bucket_of(rv), bucket_of(sv)
        rc0, sc0 = np.concatenate([[0], rc]), np.concatenate([[0], sc])
        at_real = (rc + before_r[rb]) / n - (sc0[np.searchsorted(sv, rv, side="right")] + before_s[rb]) / m
        at_syn = (rc0[np.searchsorted(rv, sv, side="right")] + before_r[sb]) / n - (sc + before_s[sb]) / m
        for found in (at_real, at_syn):
            if len(found):
                high, low_d = max(high, found.max()), min(low_d, found.min())
    return float(max(high, min(-low_d, 1.0), 0.0))


#: :func:`ks_statistic` takes the buckets for samples of this many values together or more ...
_KS_BUCKETED_MIN = 16384
#: ... when more than half of the first this many real values are distinct (else hashing finds the few quicker).
_KS_PROBE = 4096


def tv_complement_counts(real: pd.Series, synthetic: pd.Series) -> float:
    """TVComplement from value counts (index: value; zero counts ignored), with SDMetrics' 1e-6 regularisation."""
    real = real[real.to_numpy() > 0]
    synthetic = synthetic[synthetic.to_numpy() > 0]
    lookup = real.index.get_indexer(synthetic.index)
    return tv_complement_aligned(real.to_numpy(), synthetic.to_numpy(), lookup)


def tv_complement_aligned(real: np.ndarray, synthetic: np.ndarray, lookup: np.ndarray) -> float:
    """TVComplement from count arrays: ``lookup[j]`` is the real position of synthetic value j, or -1 if new.

    A value only the synthetic side has counts 1e-6 rows on the real side
    (SDMetrics' regularisation); values with a zero count on both sides do
    not matter.
    """
    real = real.astype(np.float64)
    synthetic = synthetic.astype(np.float64)
    if not real.sum() or not synthetic.sum():
        return float("nan")
    new = (lookup < 0) & (synthetic > 0)
    real_total = real.sum() + 1e-6 * int(new.sum())
    aligned = np.zeros(len(real))
    seen = lookup >= 0
    aligned[lookup[seen]] = synthetic[seen]
    syn_total = synthetic.sum()
    tv = np.abs(aligned / syn_total - real / real_total).sum()
    tv += np.abs(synthetic[new] / syn_total - 1e-6 / real_total).sum()
    return float(1.0 - 0.5 * tv)


def category_coverage(real: np.ndarray, synthetic: np.ndarray, lookup: np.ndarray) -> float:
    """CategoryCoverage from count arrays (as :func:`tv_complement_aligned`): the share of real values sampled."""
    present = np.zeros(len(real), dtype=bool)
    seen = (lookup >= 0) & (synthetic > 0)
    present[lookup[seen]] = True
    observed = real > 0
    return float(present[observed].mean()) if observed.any() else float("nan")


def pearson(x: np.ndarray, y: np.ndarray) -> float:
    """Pearson's r of two equal-length float arrays without NaNs (NaN if either is constant or too short)."""
    if len(x) < 2:
        return float("nan")
    xm = x - x.mean()
    ym = y - y.mean()
    # scale first, as scipy.stats.pearsonr does, so huge values (datetimes in ns) cannot overflow the products
    xs, ys = np.abs(xm).max(), np.abs(ym).max()
    if xs == 0 or ys == 0:
        return float("nan")
    xm, ym = xm / xs, ym / ys
    r = float(np.dot(xm, ym) / (np.sqrt(np.dot(xm, xm)) * np.sqrt(np.dot(ym, ym))))
    return max(min(r, 1.0), -1.0)


def joint_counts(a: np.ndarray, b: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """The contingency table (``shape``) of two coded columns (codes are small non-negative ints)."""
    return np.bincount(a.astype(np.int64) * shape[1] + b, minlength=shape[0] * shape[1]).reshape(shape)


def joint_tables(
    codes: list[np.ndarray], widths: list[int], pairs: list[tuple[int, int]], *, few_cells: int | None = None
) -> dict[tuple[int, int], np.ndarray]:
    """The contingency table of each pair ``(i, j)`` of coded columns (``codes[i]`` in ``range(widths[i])``).

    The same tables as :func:`joint_counts` pair by pair, from fewer passes
    over the rows. Few cells in all (rows times pairs up to ``few_cells``,
    default 65,536): one count of every pair's codes side by side. Otherwise
    the columns are packed into blocks (each into the first block it fits,
    widest first or narrowest first, whichever makes fewer passes over the
    values by :func:`_passes`) whose joint codes take at most ``sqrt(2 * rows)`` values
    (and at most 316, so that a table of two blocks stays in cache); one
    count of two blocks' joint codes gives every table between their
    columns (sums over the other axes), and one count of a block's own codes
    the tables inside it. Two blocks sharing a single pair count it directly.
    """
    wanted = sorted({(min(p), max(p)) for p in pairs if p[0] != p[1]})
    rows = len(codes[0]) if codes else 0
    out: dict[tuple[int, int], np.ndarray] = {}
    if not wanted:
        return out
    if rows * len(wanted) <= (_JOINT_FEW_CELLS if few_cells is None else few_cells):
        first = np.array([i for i, _ in wanted])
        second = np.array([j for _, j in wanted])
        coded = np.stack([c.astype(np.intp, copy=False) for c in codes])
        width = np.asarray(widths, dtype=np.intp)
        sizes = width[first] * width[second]
        starts = np.cumsum(sizes) - sizes
        joined = coded[first] * width[second][:, None]
        joined += coded[second]
        joined += starts[:, None]
        counts = np.bincount(joined.ravel(), minlength=int(sizes.sum()))
        for (i, j), start, size in zip(wanted, starts.tolist(), sizes.tolist(), strict=True):
            out[(i, j)] = counts[start : start + size].reshape(widths[i], widths[j])
        return out

    cap = min(math.isqrt(2 * rows), _JOINT_BLOCK_CAP)
    used = sorted({i for p in wanted for i in p}, key=lambda i: widths[i])
    packings = [_packed(used[::-1], widths, wanted, cap), _packed(used, widths, wanted, cap)]
    blocks, sizes_of, crosses = min(packings, key=lambda packing: _passes(packing, rows))
    block_of = {i: b for b, block in enumerate(blocks) for i in block}
    block_codes: dict[int, np.ndarray] = {}

    def code_of(b: int) -> np.ndarray:  # the block's joint code of each row (its first column varies slowest)
        if b not in block_codes:
            first, *rest = blocks[b]
            joined = codes[first].astype(np.intp)
            for i in rest:
                joined *= widths[i]
                joined += codes[i]
            block_codes[b] = joined
        return block_codes[b]

    for (p, q), cross in crosses.items():
        if p != q and len(cross) == 1:
            (i, j) = cross[0]
            out[(i, j)] = joint_counts(codes[i], codes[j], (widths[i], widths[j]))
            continue
        if p == q:
            axes = blocks[p]
            table = np.bincount(code_of(p), minlength=sizes_of[p])
        else:
            axes = blocks[p] + blocks[q]
            joined = code_of(p) * sizes_of[q]
            joined += code_of(q)
            table = np.bincount(joined, minlength=sizes_of[p] * sizes_of[q])
        table = table.reshape([widths[k] for k in axes])
        # each pair's table: a sum of the block pair's over the other axes, first over the other columns of the
        # pair's first column's block once for all pairs sharing that column
        at = {k: n for n, k in enumerate(axes)}
        by_first: dict[int, list[tuple[int, int]]] = {}
        for i, j in cross:
            by_first.setdefault(i if at[i] < at[j] else j, []).append((i, j))
        for a, its in by_first.items():
            if p != q and len(blocks[block_of[a]]) > 1:
                drop = {at[k] for k in blocks[block_of[a]] if k != a}
                part = table.sum(axis=tuple(drop))
                kept = {k: n for n, k in enumerate(k for k in axes if at[k] not in drop)}
            else:
                part, kept = table, at
            everything = range(part.ndim)
            for i, j in its:
                at_i, at_j = kept[i], kept[j]
                others = tuple(n for n in everything if n != at_i and n != at_j)
                pair = part.sum(axis=others) if others else part
                out[(i, j)] = pair if at_i < at_j else np.ascontiguousarray(pair.T)
    return out


_Packing = tuple[list[list[int]], list[int], dict[tuple[int, int], list[tuple[int, int]]]]


def _packed(order: list[int], widths: list[int], wanted: list[tuple[int, int]], cap: int) -> _Packing:
    """Columns packed into blocks (each into the first block it fits, in ``order``), and the pairs by block pair."""
    blocks: list[list[int]] = []
    sizes: list[int] = []
    for i in order:
        for b, size in enumerate(sizes):
            if size * widths[i] <= cap:
                blocks[b].append(i)
                sizes[b] = size * widths[i]
                break
        else:
            blocks.append([i])
            sizes.append(widths[i])
    block_of = {i: b for b, block in enumerate(blocks) for i in block}
    crosses: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for i, j in wanted:
        p, q = block_of[i], block_of[j]
        crosses.setdefault((p, q) if p <= q else (q, p), []).append((i, j))
    return blocks, sizes, crosses


def _passes(packing: _Packing, rows: int) -> int:
    """A packing's cost in passes over the values: coding the blocks, then each count and its table's cells."""
    blocks, sizes, crosses = packing
    cost = sum(2 * rows * (len(block) - 1) for block in blocks)
    for (p, q), cross in crosses.items():  # (a count weighs about as much as six plain passes over the rows)
        if p == q:
            cost += 4 * rows + sizes[p] * (1 + len(cross))
        elif len(cross) == 1:
            cost += 6 * rows  # (counted directly)
        else:
            cost += 6 * rows + sizes[p] * sizes[q] * (1 + len(cross))
    return cost


#: :func:`joint_tables` counts every pair in one call when rows times pairs are at most this many.
_JOINT_FEW_CELLS = 65_536
#: ... and otherwise packs columns into blocks of at most this many joint codes (two blocks' table: 100,000 cells).
_JOINT_BLOCK_CAP = 316


def pearson_matrix(columns: dict[str, np.ndarray]) -> dict[str, dict[str, float]]:
    """Pearson's r of every pair of equal-length NaN-free columns at once (NaN for a constant column).

    One product of the centred columns, on one BLAS thread so that the sums
    (and so the scores) do not depend on the machine's thread count.
    """
    names = list(columns)
    if not names:
        return {}
    r = _pearson_rows([columns[c] for c in names])
    return {a: dict(zip(names, row, strict=True)) for a, row in zip(names, r.tolist(), strict=True)}


def _pearson_rows(columns: list[np.ndarray]) -> np.ndarray:
    """The Pearson correlation matrix of equal-length NaN-free columns (NaN where a column is constant).

    The columns become the rows of one C-ordered array, so that each mean
    and each centring runs over contiguous memory.
    """
    from .._linalg import one_thread

    x = np.empty((len(columns), len(columns[0]) if columns else 0))
    if not x.shape[1]:  # no row where the columns are all present: r is undefined
        return np.full((len(columns), len(columns)), np.nan)
    for i, values in enumerate(columns):
        x[i] = values
    x -= x.mean(axis=1, keepdims=True)  # (no overflow to guard against: squares of datetimes in ns stay below 1e40)
    if x.shape[0] ** 2 * x.shape[1] <= _PEARSON_SMALL:
        gram = np.einsum("ij,kj->ik", x, x)  # (numpy's own loops: no BLAS, so no threads to limit)
    else:
        with one_thread():
            gram = x @ x.T
    norm = np.sqrt(np.diag(gram))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.clip(gram / np.outer(norm, norm), -1.0, 1.0)


#: :func:`_pearson_rows` multiplies with numpy's einsum up to this many products (columns squared times rows).
_PEARSON_SMALL = 1 << 15


def pearson_all(columns: dict[str, np.ndarray]) -> dict[str, dict[str, float]]:
    """Pearson's r of every pair of columns, each pair on the rows where both are present (SDMetrics' rule).

    Columns without a missing value go through one correlation matrix.
    Columns with missing values missing on several patterns of rows pair
    with every column at once (:func:`_pearson_paired`) when that is small;
    otherwise they are grouped by the rows they miss (columns of one source
    often miss together): each group through one more matrix, over its
    present rows, with every complete column; columns of two different groups
    pair by pair.
    """
    names = list(columns)
    gaps: dict[str, np.ndarray] = {}
    for c, v in columns.items():
        if v.dtype.kind == "f":
            missing = np.isnan(v)
            if missing.any():
                gaps[c] = missing
    complete = [c for c in names if c not in gaps]
    groups: list[tuple[np.ndarray, list[str]]] = []
    for c, missing in gaps.items():
        for mask, members in groups:
            if np.array_equal(mask, missing):
                members.append(c)
                break
        else:
            groups.append((missing, [c]))
    at = {c: i for i, c in enumerate(names)}
    r = np.full((len(names), len(names)), np.nan)
    if len(complete) > 1:
        idx = [at[c] for c in complete]
        r[np.ix_(idx, idx)] = _pearson_rows([columns[c] for c in complete])
    elif complete:  # (one complete column: only its own r, 1 unless it is constant)
        only = columns[complete[0]]
        r[at[complete[0]], at[complete[0]]] = 1.0 if len(only) > 1 and only.min() != only.max() else np.nan
    if len(groups) > 1 and len(gaps) * len(names) * len(next(iter(gaps.values()))) <= _PEARSON_PAIRED_MAX:
        rows = [at[c] for c in gaps]
        r[rows, :] = _pearson_paired([columns[c] for c in gaps], [columns[c] for c in names])
        r[:, rows] = r[rows, :].T
        return {a: dict(zip(names, row, strict=True)) for a, row in zip(names, r.tolist(), strict=True)}
    for mask, members in groups:
        keep = ~mask
        block = members + complete
        found = _pearson_rows([columns[c][keep] for c in block])[: len(members)]  # (members' rows only)
        rows, cols = [at[c] for c in members], [at[c] for c in block]
        r[np.ix_(rows, cols)] = found
        r[np.ix_(cols, rows)] = found.T
    for g, (mask_a, members_a) in enumerate(groups):
        for mask_b, members_b in groups[g + 1 :]:
            keep = ~(mask_a | mask_b)
            for a in members_a:
                x = columns[a][keep].astype(np.float64)
                for b in members_b:
                    r[at[a], at[b]] = r[at[b], at[a]] = pearson(x, columns[b][keep].astype(np.float64))
    return {a: dict(zip(names, row, strict=True)) for a, row in zip(names, r.tolist(), strict=True)}


def _pearson_paired(first: list[np.ndarray], second: list[np.ndarray]) -> np.ndarray:
    """Pearson's r of each column of ``first`` with each of ``second``, each pair on the rows where both are present.

    :func:`pearson`'s steps (centre on the pair's own rows, scale by the
    largest deviation, normalise the dot product) for every pair at once,
    on arrays of (first, second, row) with absent rows set to 0.
    """
    a = np.stack([v.astype(np.float64, copy=False) for v in first])[:, None, :]
    b = np.stack([v.astype(np.float64, copy=False) for v in second])[None, :, :]
    both = ~(np.isnan(a) | np.isnan(b))
    count = both.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        da = np.where(both, a, 0.0)
        da -= (da.sum(axis=-1) / count)[..., None]
        da[~both] = 0.0
        db = np.where(both, b, 0.0)
        db -= (db.sum(axis=-1) / count)[..., None]
        db[~both] = 0.0
        # (scaled first, as pearson does, so that datetimes in ns cannot overflow the products)
        da /= np.abs(da).max(axis=-1, keepdims=True)
        db /= np.abs(db).max(axis=-1, keepdims=True)
        r = np.einsum("ijk,ijk->ij", da, db) / (
            np.sqrt(np.einsum("ijk,ijk->ij", da, da)) * np.sqrt(np.einsum("ijk,ijk->ij", db, db))
        )
    r[count < 2] = np.nan
    return np.clip(r, -1.0, 1.0)


#: :func:`pearson_all` pairs columns with missing values with every column at once up to this many values in all.
_PEARSON_PAIRED_MAX = 1 << 20


def contingency_tvd(real: np.ndarray, synthetic: np.ndarray) -> float:
    """1/2 sum |p_real - p_syn| over two contingency tables of the same shape (NaN if either is empty)."""
    n_real, n_syn = real.sum(), synthetic.sum()
    if not n_real or not n_syn:
        return float("nan")
    return float(0.5 * np.abs(real / n_real - synthetic / n_syn).sum())


def cramers_v(counts: np.ndarray) -> float:
    """Cramér's V of a contingency table (no continuity correction), over its non-empty rows and columns.

    ``sqrt(chi2 / (n * (min(r, c) - 1)))``; NaN when fewer than two rows or
    columns are non-empty, as SDMetrics' real-association threshold treats it.
    """
    counts = counts[counts.sum(axis=1) > 0][:, counts.sum(axis=0) > 0].astype(np.float64)
    n = counts.sum()
    if not n or min(counts.shape) < 2:
        return float("nan")
    expected = np.outer(counts.sum(axis=1), counts.sum(axis=0)) / n
    chi2 = float(((counts - expected) ** 2 / expected).sum())
    return float(np.sqrt(chi2 / (n * (min(counts.shape) - 1))))


def contingency_scores(
    real: list[np.ndarray], synthetic: list[np.ndarray], real_rows: int, synthetic_rows: int
) -> list[tuple[float, float]]:
    """``(1 - contingency_tvd, cramers_v(real))`` of many pairs of tables at once, the same floats pair by pair.

    Each table counts every row (``real_rows`` or ``synthetic_rows``). The
    cellwise arithmetic runs over all tables together; only the two sums per
    pair run table by table, over the same cells in the same order as
    :func:`contingency_tvd` and :func:`cramers_v`, so no rounding changes.
    """
    if not real:
        return []
    sizes = np.array([t.size for t in real])
    heights = np.array([t.shape[0] for t in real])
    widths = np.array([t.shape[1] for t in real])
    ends = np.cumsum(sizes)
    owner = np.repeat(np.arange(len(real)), sizes)  # the table of each cell
    local = np.arange(int(ends[-1])) - (ends - sizes)[owner]
    row = local // widths[owner] + (np.cumsum(heights) - heights)[owner]  # (rows and columns numbered across tables)
    col = local % widths[owner] + (np.cumsum(widths) - widths)[owner]
    r = np.concatenate([t.ravel() for t in real])
    s = np.concatenate([t.ravel() for t in synthetic])
    gaps = np.abs(r / real_rows - s / synthetic_rows)
    row_sums = np.bincount(row, weights=r, minlength=int(heights.sum()))  # (sums of whole numbers: exact)
    col_sums = np.bincount(col, weights=r, minlength=int(widths.sum()))
    kept = (row_sums[row] > 0) & (col_sums[col] > 0)
    n = float(real_rows)
    expected = row_sums[row[kept]] * col_sums[col[kept]] / n
    terms = (r[kept].astype(np.float64) - expected) ** 2 / expected
    kept_ends = np.cumsum(np.bincount(owner[kept], minlength=len(real)))
    kept_rows = np.bincount(np.repeat(np.arange(len(real)), heights), weights=row_sums > 0, minlength=len(real))
    kept_cols = np.bincount(np.repeat(np.arange(len(real)), widths), weights=col_sums > 0, minlength=len(real))
    out = []
    start = kept_start = 0
    for p in range(len(real)):
        end, kept_end = int(ends[p]), int(kept_ends[p])
        tvd = float(0.5 * gaps[start:end].sum())
        shape = int(min(kept_rows[p], kept_cols[p]))
        if shape < 2 or not real_rows:
            v = float("nan")
        else:
            chi2 = float(terms[kept_start:kept_end].sum())
            v = float(np.sqrt(chi2 / (np.float64(n) * (shape - 1))))
        out.append((1.0 - tvd, v))
        start, kept_start = end, kept_end
    return out


#: A pair of columns whose contingency table would hold more cells than this is scored over its non-empty cells
#: (:func:`contingency_scores_sparse`): two columns of thousands of values each (ids, free text) would otherwise
#: count into a table of millions of cells per pair, most of them empty.
SPARSE_CELLS = 65_536


def sparse_pair(width_a: int, width_b: int) -> bool:
    """Whether a pair of coded columns of these widths is scored over its non-empty cells only."""
    return width_a * width_b > SPARSE_CELLS


def contingency_scores_sparse(
    real: tuple[np.ndarray, np.ndarray], synthetic: tuple[np.ndarray, np.ndarray], width_b: int
) -> tuple[float, float]:
    """:func:`contingency_scores` of one pair from its codes (``(a, b)`` on each side), over the non-empty cells.

    The same numbers as the whole tables give, up to rounding: the total variation distance sums over the cells
    either side holds, and Pearson's chi-square over the real table's non-empty rows and columns is
    ``sum(o**2 / e) - n`` over its non-empty cells (an empty cell adds its expected count, and they all add up to
    ``n``). Memory grows with the rows, not with the product of the widths.
    """
    real_keys, real_counts = np.unique(real[0].astype(np.int64) * width_b + real[1], return_counts=True)
    syn_keys, syn_counts = np.unique(synthetic[0].astype(np.int64) * width_b + synthetic[1], return_counts=True)
    n_real, n_syn = int(real_counts.sum()), int(syn_counts.sum())
    if not n_real or not n_syn:
        return float("nan"), float("nan")
    keys = np.union1d(real_keys, syn_keys)
    shares = np.zeros(len(keys))
    shares[np.searchsorted(keys, real_keys)] = real_counts / n_real
    shares[np.searchsorted(keys, syn_keys)] -= syn_counts / n_syn
    tvd = float(0.5 * np.abs(shares).sum())
    rows, cols = (
        np.unique(real_keys // width_b, return_inverse=True),
        np.unique(real_keys % width_b, return_inverse=True),
    )
    row_sums = np.bincount(rows[1], weights=real_counts)
    col_sums = np.bincount(cols[1], weights=real_counts)
    shape = min(len(row_sums), len(col_sums))
    if shape < 2:
        return 1.0 - tvd, float("nan")
    expected = row_sums[rows[1]] * col_sums[cols[1]] / n_real
    chi2 = max(float((real_counts.astype(np.float64) ** 2 / expected).sum()) - n_real, 0.0)
    return 1.0 - tvd, float(np.sqrt(chi2 / (np.float64(n_real) * (shape - 1))))


def range_coverage(real: tuple[float, float] | None, synthetic: tuple[float, float] | None) -> float:
    """RangeCoverage of a numeric column: how much of the real (min, max) the synthetic (min, max) spans."""
    if real is None or synthetic is None or real[0] == real[1]:
        return float("nan")
    low, high = real
    span = float(high) - float(low)
    below = max((float(synthetic[0]) - float(low)) / span, 0.0)
    above = max((float(high) - float(synthetic[1])) / span, 0.0)
    return max(1.0 - (below + above), 0.0)


# -- detection, utility, privacy ---------------------------------------------------------------------------------------


def _sklearn(feature: str) -> None:
    try:
        import sklearn  # noqa: F401
    except ImportError:
        raise ImportError(
            f"{feature} needs scikit-learn, which is not installed. "
            "Install it with `pip install pytest-synthdata[fidelity]`."
        ) from None


def _one_thread() -> Any:
    """OpenMP on the calling thread only, for scikit-learn's boosted trees.

    On a shared machine their OpenMP threads spin waiting for busy cores: a
    1,200-row detection took 26 s with the default threads against 0.9 s on
    one (2 cores, 5 other busy processes); one thread also keeps the fits
    reproducible whatever the machine.
    """
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="openmp")


def _features(frames: list[pd.DataFrame], columns: list[str]) -> tuple[list[np.ndarray], list[bool]]:
    """Model inputs per frame: numbers and datetimes as float, other columns as shared integer codes (NaN kept)."""
    import pandas as pd

    from .reference import numeric_values, sdtype_of

    out: list[list[np.ndarray]] = [[] for _ in frames]
    categorical: list[bool] = []
    for col in columns:
        kind = sdtype_of(frames[0][col])
        if kind in ("numerical", "datetime"):
            for i, f in enumerate(frames):
                out[i].append(numeric_values(f[col]).astype(np.float64))
            categorical.append(False)
        else:
            pooled = pd.concat([f[col].astype("object") for f in frames], ignore_index=True)
            codes, uniques = pd.factorize(pooled, use_na_sentinel=True)
            codes = codes.astype(np.float64)
            codes[codes < 0] = np.nan
            start = 0
            for i, f in enumerate(frames):
                out[i].append(codes[start : start + len(f)])
                start += len(f)
            categorical.append(len(uniques) <= 255)
    return [np.column_stack(b) if b else np.zeros((len(f), 0)) for b, f in zip(out, frames, strict=True)], categorical


def _seeded_rows(frame: pd.DataFrame, rows: int, rng: np.random.Generator) -> pd.DataFrame:
    if len(frame) <= rows:
        return frame.reset_index(drop=True)
    return frame.iloc[np.sort(rng.choice(len(frame), rows, replace=False))].reset_index(drop=True)


@dataclass(frozen=True)
class DetectionResult:
    """A classifier two-sample test: ``score = 1 - 2 * max(auc - 0.5, 0)`` (1 when real and synthetic look alike)."""

    score: float
    auc: float
    folds: int
    rows: int


def detection(
    real: pd.DataFrame,
    synthetic: pd.DataFrame,
    *,
    columns: list[str] | None = None,
    seed: int = 0,
    folds: int = 5,
    max_rows: int = 20_000,
) -> DetectionResult:
    """How well a gradient-boosted tree tells real rows from synthetic ones: cross-validated ROC AUC.

    At most ``max_rows`` rows of each side (a seeded subsample), a
    HistGradientBoostingClassifier (seeded) in ``folds`` stratified folds
    (seeded); categorical columns as native categories. Needs scikit-learn.
    """
    _sklearn("The detection score")
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold

    from .._validate import check_seed

    seed = check_seed(seed, where="detection")
    cols = list(columns) if columns is not None else [c for c in real.columns if c in synthetic.columns]
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    parts = [_seeded_rows(real[cols], max_rows, rng), _seeded_rows(synthetic[cols], max_rows, rng)]
    if min(len(p) for p in parts) < folds:
        raise InvalidArgument(
            f"detection needs at least folds={folds} rows on each side; got {[len(p) for p in parts]}."
        )
    (xr, xs), categorical = _features(parts, cols)
    x = np.vstack([xr, xs])
    y = np.concatenate([np.zeros(len(xr)), np.ones(len(xs))])
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=int(rng.integers(2**31)))
    aucs = []
    with _one_thread():
        for train, test in splitter.split(x, y):
            clf = HistGradientBoostingClassifier(
                categorical_features=np.array(categorical, dtype=bool) if any(categorical) else None,
                random_state=int(rng.integers(2**31)),
            )
            clf.fit(x[train], y[train])
            aucs.append(roc_auc_score(y[test], clf.predict_proba(x[test])[:, 1]))
    auc = float(np.mean(aucs))
    return DetectionResult(score=1.0 - 2.0 * max(auc - 0.5, 0.0), auc=auc, folds=folds, rows=len(x))


@dataclass(frozen=True)
class UtilityResult:
    """Train-synthetic-test-real: ``tstr`` of a model trained on synthetic rows, ``trtr`` of one trained on real rows.

    Both are scored on the same held-out real rows: accuracy for a
    categorical or boolean target, R^2 for a numeric one (``metric``).
    ``score = tstr / trtr`` clipped to [0, 1] (NaN when ``trtr <= 0``).
    """

    target: str
    metric: str
    tstr: float
    trtr: float
    score: float


def utility(
    real: pd.DataFrame, synthetic: pd.DataFrame, target: str, *, seed: int = 0, max_rows: int = 20_000
) -> UtilityResult:
    """Train-synthetic-test-real utility for predicting ``target`` from the other shared columns. Needs scikit-learn.

    The real rows are halved at random (seeded): a model trained on one half
    (TRTR) and one trained on the synthetic rows (TSTR) are both scored on the
    other half.
    """
    _sklearn("The utility score")
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
    from sklearn.metrics import accuracy_score, r2_score

    from .._validate import check_seed
    from .reference import sdtype_of

    seed = check_seed(seed, where="utility")
    if target not in real.columns or target not in synthetic.columns:
        raise InvalidArgument(
            f"target={target!r} is not a column of both frames; pick one of {sorted(str(c) for c in set(real) & set(synthetic))}."
        )
    kind = sdtype_of(real[target])
    if kind is None:
        raise InvalidArgument(f"target={target!r} has no values in the real data; pick a column that has.")
    cols = [c for c in real.columns if c in synthetic.columns and c != target]
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    real = real[real[target].notna()]
    synthetic = synthetic[synthetic[target].notna()]
    real = _seeded_rows(real, 2 * max_rows, rng)
    order = rng.permutation(len(real))
    half = len(real) // 2
    train_real, test_real = real.iloc[order[:half]], real.iloc[order[half:]]
    syn = _seeded_rows(synthetic, max_rows, rng)
    (x_tr, x_te, x_sy), categorical = _features([train_real, test_real, syn], cols)
    classify = kind in ("categorical", "boolean")
    if classify:
        (y_tr, y_te, y_sy), _ = _features([train_real[[target]], test_real[[target]], syn[[target]]], [target])
        y_tr, y_te, y_sy = y_tr[:, 0], y_te[:, 0], y_sy[:, 0]
    else:
        from .reference import numeric_values

        y_tr, y_te, y_sy = (numeric_values(f[target]).astype(np.float64) for f in (train_real, test_real, syn))
    scores = []
    for x_train, y_train in ((x_sy, y_sy), (x_tr, y_tr)):
        est_kw = {
            "categorical_features": np.array(categorical, dtype=bool) if any(categorical) else None,
            "random_state": int(rng.integers(2**31)),
        }
        est = HistGradientBoostingClassifier(**est_kw) if classify else HistGradientBoostingRegressor(**est_kw)
        with _one_thread():
            est.fit(x_train, y_train)
            pred = est.predict(x_te)
        scores.append(float(accuracy_score(y_te, pred) if classify else r2_score(y_te, pred)))
    tstr, trtr = scores
    score = float(min(max(tstr / trtr, 0.0), 1.0)) if trtr > 0 else float("nan")
    return UtilityResult(target=target, metric="accuracy" if classify else "r2", tstr=tstr, trtr=trtr, score=score)


@dataclass(frozen=True)
class PrivacyResult:
    """Exact copies and distance to closest record (Gower, as ``synthdata audit`` measures them).

    ``copy_rate``: share of synthetic rows equal to a real (training) row;
    ``holdout_copy_rate``: the same against the holdout (the baseline a fresh
    sample of the population would show); ``dcr_share``: share of synthetic rows
    closer to the training rows than to the holdout (ties count half; 0.5 is
    ideal, near 1 means memorised rows); ``median_dcr``: median distance to the
    closest training row.
    """

    copy_rate: float
    holdout_copy_rate: float
    dcr_share: float
    median_dcr: float
    rows: int


def privacy(
    real: pd.DataFrame,
    synthetic: pd.DataFrame,
    holdout: pd.DataFrame | None = None,
    *,
    columns: list[str] | None = None,
    seed: int = 0,
    max_rows: int = 2_000,
) -> PrivacyResult:
    """Exact-copy rate and distance to closest record of ``synthetic`` against the ``real`` rows it came from.

    With a ``holdout`` (real rows the generator never saw) it also measures
    both against the holdout. At most ``max_rows`` rows of each (seeded).
    """
    from .._audit import _encode, _nearest
    from .._validate import check_seed

    seed = check_seed(seed, where="privacy")
    cols = list(columns) if columns is not None else [c for c in real.columns if c in synthetic.columns]
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    frames = [_seeded_rows(real[cols], max_rows, rng), _seeded_rows(synthetic[cols], max_rows, rng)]
    if holdout is not None:
        frames.append(_seeded_rows(holdout[cols], min(max_rows, len(frames[0])), rng))
    num, cat = _encode(frames, cols)
    syn = (num[1], cat[1])
    d_train = _nearest(syn, (num[0], cat[0]))
    if holdout is not None:
        d_hold = _nearest(syn, (num[2], cat[2]))
        hold_copies = float(np.mean(d_hold == 0))
        share = float(np.mean(d_train < d_hold) + 0.5 * np.mean(d_train == d_hold))
    else:
        hold_copies = share = float("nan")
    return PrivacyResult(
        copy_rate=float(np.mean(d_train == 0)),
        holdout_copy_rate=hold_copies,
        dcr_share=share,
        median_dcr=float(np.median(d_train)),
        rows=len(d_train),
    )
