"""Private defaults: turn a group of values into numbers that no fewer than ``min_count`` rows stand behind.

A fitted model file must not store a value that one row (or a handful)
gave away. The rules, applied to every numeric and datetime marginal (and
to each segment group's) and to every stored rate; the why and the math are
in ``docs/explanation/privacy.md``:

* **Bounds.** The lower anchor is the order statistic at rank ``k + 1/2``
  (halfway between the k-th and (k+1)-th smallest values, ``k = min_count``),
  the upper one at rank ``n - k + 1/2``: at least ``k`` rows lie beyond each.
  Beyond an anchor the quantile function continues as a tail holding the
  ``k/n`` outermost share of the rows: uniform over twice the scale b of an
  exponential tail fitted to the spacing between the anchor and the order
  statistic at rank ``2k + 1/2`` (that spacing is b ln 2; ``TAIL_SPACINGS``),
  so with the exponential tail's mean excess, capped at half the distance
  between the anchors. The tail's end,
  rounded outward onto the column's grid, is the stored bound: a function of
  the ``2k`` outermost rows' ranks, never an observed extreme. A column that
  is never negative stays so. A smallest (largest) value held by at least
  ``k`` rows is kept exactly, without a tail.
* **Knots.** Each interior knot is the mean of ``k`` consecutive order
  statistics around its level, never reaching into the ``k`` outermost rows;
  values held by at least ``k`` rows stay exact plateaus. Consecutive knots
  are at least ``k`` rows apart (a knot too close to another is dropped, and
  the few rows between two plateaus join the nearer plateau).
* **Small counts.** A rate whose count is between 1 and ``k - 1`` rows (a null
  rate, an infinity rate) is stored as ``k/2`` rows' worth: every small count
  reads the same.
* **Declared bounds** (``fit(public={"age": (0, 120)})``) are not secret: they
  are stored as given, and the tails reach them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import InvalidArgument

if TYPE_CHECKING:
    import pandas as pd
    from numpy.typing import NDArray

    from .context import FitContext
    from .numeric import Numbers

__all__ = [
    "SMALL_COUNTS",
    "TAIL_SPACINGS",
    "UNHELD_AT_ONCE",
    "coarse_rate",
    "coarsened",
    "declared_bounds",
    "declared_categories",
    "keyed",
    "private_knots",
    "private_knots_groups",
    "privacy_info",
    "public_bounds",
    "public_info",
    "public_items",
    "rare_values",
    "read_public",
    "running_max",
    "unheld",
    "unheld_groups",
]

#: A tail beyond an anchor reaches this many times the spacing between the anchor and the order statistic
#: ``min_count`` rows further in: for an exponential tail of scale b that spacing is b ln 2, so the tail is
#: uniform over 2b, with the exponential tail's mean excess b.
TAIL_SPACINGS = 2.0 / math.log(2.0)

#: How a count below ``min_count`` is stored (recorded in ``info["privacy"]["small_counts"]``).
SMALL_COUNTS = "half-k"

_END, _START, _STOP, _ANCHOR, _LEVEL = 0, 1, 2, 3, 4  # knot kinds: ends, plateau start/stop, anchors, levels
#: The kinds of the knots of :func:`private_knots` in the order it lists them (ends and anchors, then runs).
_KINDS = np.array([_END, _ANCHOR, _ANCHOR, _END, _START, _STOP, _LEVEL], dtype=np.int64)


def privacy_info(min_count: int, public: dict[str, Any]) -> dict[str, Any]:
    """The ``info["privacy"]`` block of a fitted model: the rules its numbers follow."""
    return {
        "min_count": min_count,
        "bounds": "order-statistic",
        "knots": "pooled",
        "small_counts": SMALL_COUNTS,
        "public": public,
    }


def coarse_rate(count: int | float, n: int | float, min_count: int) -> float:
    """``count / n``, except a count (or its complement) of 1 to ``min_count - 1`` rows reads as ``min_count / 2``.

    Fewer than ``min_count`` rows in all hide nothing either way: their rate is exact (a group that
    small is itself what ``min_count`` forbids, and the audit says so).
    """
    if n <= 0:
        return 0.0
    if n >= min_count:
        half = min_count / 2.0
        if 0 < count < min_count:
            count = half
        elif 0 < count and n - count < min_count and count < n:
            count = n - half
    return float(count) / float(n)


def coarsened(count: int | float, n: int | float, min_count: int) -> bool:
    """Whether :func:`coarse_rate` stores this count as ``min_count / 2`` rows (or its complement so)."""
    return n >= min_count and min_count > 1 and (0 < count < min_count or (0 < count < n and n - count < min_count))


def private_knots(
    u: NDArray[np.float64],
    c: NDArray[np.int64],
    *,
    min_count: int,
    knots: int,
    step: float | None,
    public: tuple[float, float] | None = None,
    atoms: bool = False,
) -> tuple[NDArray[np.float64], NDArray[np.float64], tuple[float, float]]:
    """Private quantile knots of one group's distinct finite values ``u`` (ascending), seen ``c`` times.

    Returns (probs, values, bounds): a piecewise-linear inverse CDF whose every
    value depends on at least ``min_count`` rows (see the module docstring),
    and the bounds samples stay within. ``public`` bounds are used as given. With ``atoms``
    (a column of few distinct values) every value held by ``min_count`` rows is a plateau: the
    bulk is its exact frequency table, and the rare values beyond it become the tails.
    """
    k = min_count
    nonneg = bool(u[0] >= 0)
    running = c.cumsum()  # (array methods: the same results as the np.* functions, without their dispatch)
    n = int(running[-1])  # (whole numbers: the sum however added)
    csum = (u * c).cumsum()

    def at(*ranks: float) -> list[float]:
        """The order statistics at (fractional, 1-based) ``ranks``, interpolated.

        A few numbers: Python's float arithmetic is the IEEE arithmetic numpy's elementwise
        ``a + (b - a) * (r - low)`` does, so the bits are the same without an array per step.
        """
        r = [min(max(rank, 1.0), float(n)) for rank in ranks]
        low = [math.floor(x) for x in r]
        found = u[running.searchsorted(low + [min(x + 1, n) for x in low], side="left")].tolist()
        m = len(r)
        return [a + (b - a) * (x - lo) for a, b, x, lo in zip(found[:m], found[m:], r, low, strict=True)]

    def total(r: NDArray[np.int64]) -> NDArray[np.float64]:
        """The sum of the ``r`` smallest values."""
        i = np.minimum(running.searchsorted(r, side="left"), len(u) - 1)
        out: NDArray[np.float64] = np.where(r > 0, csum[i] - (running[i] - r) * u[i], 0.0)
        return out

    if n < 2 * k + 2 or len(u) == 1:  # too few rows for anchors: a uniform with the rows' mean and spread
        mean = float(csum[-1]) / n
        spread = math.sqrt(3.0 * max(float(np.dot(c, (u - mean) ** 2)) / n, 0.0))
        lo, hi = mean - spread, mean + spread
        if nonneg:
            lo = max(lo, 0.0)
        if public is not None:
            lo, hi = max(lo, public[0]), min(hi, public[1])
        lo, hi = _outward(lo, hi, step)
        values = np.array([lo, hi]) if hi > lo else np.array([lo, lo])
        return np.array([0.0, 1.0]), values, (lo, hi)

    low_exact, high_exact = bool(c[0] >= k), bool(c[-1] >= k)
    # (the four order statistics the anchors and tails use, in one call: ``at`` is elementwise)
    at_lo, at_hi, at_lo2, at_hi2 = at(k + 0.5, n - k + 0.5, 2 * k + 0.5, n - 2 * k + 0.5)
    a_lo = float(u[0]) if low_exact else at_lo
    a_hi = float(u[-1]) if high_exact else at_hi
    p_lo, p_hi = (0.0 if low_exact else k / n), (1.0 if high_exact else 1.0 - k / n)
    cap = 0.5 * (a_hi - a_lo)
    if low_exact:
        lo = a_lo
    else:
        lo = a_lo - min(TAIL_SPACINGS * (at_lo2 - a_lo), cap)
        if nonneg:
            lo = max(lo, 0.0)
    if high_exact:
        hi = a_hi
    else:
        hi = a_hi + min(TAIL_SPACINGS * (a_hi - at_hi2), cap)
    if public is not None:  # declared, not secret: the tails reach them
        lo, hi = float(public[0]), float(public[1])
    else:
        lo, hi = _outward(lo, hi, step)
    # the knots: ends, anchors, plateaus of values held by >= k rows and a share of a level, pooled levels
    m = max(2, min(knots, n // k))
    share = c / n
    big_mask = (c >= k) & ((share >= 1.0 / m) | atoms)
    big_mask[0] |= low_exact  # a smallest (largest) value held by >= k rows keeps its own share, as in the data
    big_mask[-1] |= high_exact
    big = big_mask.nonzero()[0]
    before, cum = (running[big] - c[big]) / n, running[big] / n
    levels = np.arange(1, m) / m
    levels = levels[(levels >= p_lo + k / n) & (levels <= p_hi - k / n)]
    if len(big):  # a level inside a plateau is the plateau's
        at_plateau = cum.searchsorted(levels, side="left")
        inside = (at_plateau < len(big)) & (before[np.minimum(at_plateau, len(big) - 1)] <= levels)
        levels = levels[~inside]
    if levels.size:
        first = np.minimum(np.maximum(np.rint(levels * n - k / 2.0).astype(np.int64), k), max(k, n - 2 * k))
        sums = total(np.concatenate([first + k, first]))  # (one call: ``total`` is elementwise)
        level_values = (sums[: len(first)] - sums[len(first) :]) / k
    else:
        level_values = np.zeros(0)
    probs = np.concatenate([[0.0, p_lo, p_hi, 1.0], before, cum, levels])
    values = np.concatenate([[lo, a_lo, a_hi, hi], u[big], u[big], level_values])
    kinds = _KINDS.repeat([1, 1, 1, 1, len(big), len(big), len(levels)])
    if low_exact:
        kinds[1] = _LEVEL  # (the anchor is the lower end itself)
    if high_exact:
        kinds[2] = _LEVEL
    order = np.lexsort((kinds, values, probs))
    probs, values = _spaced(probs[order], values[order], kinds[order], (k - 1e-6) / n)
    values = np.minimum(np.maximum(np.maximum.accumulate(values), lo), hi)
    return probs, values, (lo, hi)


#: From this many groups on, :func:`private_knots_groups` finds their knots at once rather than one at a time.
_GROUPS_AT_ONCE = 6


def private_knots_groups(
    u: NDArray[np.float64],
    c: NDArray[np.int64],
    at: Sequence[int],
    groups: Sequence[int],
    *,
    min_count: int,
    knots: int,
    steps: Sequence[float | None],
    public: Sequence[tuple[float, float] | None],
    atoms: Sequence[bool],
) -> list[tuple[NDArray[np.float64], NDArray[np.float64], tuple[float, float]]]:
    """:func:`private_knots` of several groups at once: group g's distinct values are ``u[at[g]:at[g + 1]]``.

    Returns, for each of ``groups`` (with its ``steps``, ``public`` bounds and ``atoms`` flag, in the same
    order), exactly what :func:`private_knots` returns for it: the order statistics, plateaus, levels and
    their pooled sums of every group are found in one pass each (each group's sums run over its own values
    in order, as they do alone), and only the spacing of each group's knots goes group by group.
    """
    k = min_count
    if len(groups) < _GROUPS_AT_ONCE:  # (a few groups: one at a time costs less than setting up the batch)
        return [
            private_knots(
                u[at[g] : at[g + 1]],
                c[at[g] : at[g + 1]],
                min_count=k,
                knots=knots,
                step=step,
                public=declared,
                atoms=flag,
            )
            for g, step, declared, flag in zip(groups, steps, public, atoms, strict=True)
        ]
    out: list[Any] = [None] * len(groups)
    starts = np.asarray([at[g] for g in groups], dtype=np.intp)
    ends = np.asarray([at[g + 1] for g in groups], dtype=np.intp)
    running_all = c.cumsum()
    base = running_all[starts] - c[starts]  # rows before each group's first value
    n = running_all[ends - 1] - base
    few = (n < 2 * k + 2) | (ends - starts == 1)
    for i in np.flatnonzero(few).tolist():  # too few rows for anchors (rare): one at a time
        s, e = int(starts[i]), int(ends[i])
        out[i] = private_knots(
            u[s:e], c[s:e], min_count=k, knots=knots, step=steps[i], public=public[i], atoms=atoms[i]
        )
    todo = np.flatnonzero(~few)
    if not len(todo):
        return out
    starts, ends, base, n = starts[todo], ends[todo], base[todo], n[todo]
    sizes = ends - starts
    if (starts[1:] == ends[:-1]).all():  # (the groups one after another, the common case: views)
        pick: Any = slice(int(starts[0]), int(ends[-1]))
        shift = int(starts[0])  # (a value's place in ``uu`` is its place in ``u`` less this)
    else:
        pick = np.concatenate([np.arange(s, e) for s, e in zip(starts.tolist(), ends.tolist(), strict=True)])
        shift = -1
    uu, cc = u[pick], c[pick]
    owner = np.repeat(np.arange(len(todo)), sizes)  # each value's group (among ``todo``)
    first_at = np.cumsum(sizes) - sizes  # each group's first value in ``uu``
    last_at = first_at + sizes - 1
    running = running_all[pick]  # (counts up to each value over every group: ``base`` before each group)
    # each group's running sum of value x count over its own values, in order (as one group's cumsum)
    csum = np.concatenate([(uu[s:e] * cc[s:e]).cumsum() for s, e in zip(first_at, last_at + 1, strict=True)])
    n_rep = n[owner]

    def order_stat(rank: NDArray[np.float64], g: NDArray[np.intp]) -> NDArray[np.float64]:
        """The order statistic at (fractional, 1-based) ``rank`` within group ``g``, interpolated."""
        r = np.minimum(np.maximum(rank, 1.0), n[g].astype(np.float64))
        low = np.floor(r)
        a = u[running_all.searchsorted(low + base[g], side="left")]
        b = u[running_all.searchsorted(np.minimum(low + 1.0, n[g]) + base[g], side="left")]
        found: NDArray[np.float64] = a + (b - a) * (r - low)
        return found

    every = np.arange(len(todo))
    ranks = np.concatenate([np.full(len(n), k + 0.5), n - k + 0.5, np.full(len(n), 2 * k + 0.5), n - 2 * k + 0.5])
    stats = order_stat(ranks, np.tile(every, 4)).reshape(4, len(todo)).T.tolist()
    low_exact = (cc[first_at] >= k).tolist()
    high_exact = (cc[last_at] >= k).tolist()
    u_first, u_last = uu[first_at].tolist(), uu[last_at].tolist()
    ends_of: list[tuple[float, float, float, float, float, float]] = []  # (lo, a_lo, a_hi, hi, p_lo, p_hi)
    for i, (n_g, (at_lo, at_hi, at_lo2, at_hi2)) in enumerate(zip(n.tolist(), stats, strict=True)):
        j = int(todo[i])  # (its place among ``groups``)
        nonneg = u_first[i] >= 0
        a_lo = u_first[i] if low_exact[i] else at_lo
        a_hi = u_last[i] if high_exact[i] else at_hi
        p_lo, p_hi = (0.0 if low_exact[i] else k / n_g), (1.0 if high_exact[i] else 1.0 - k / n_g)
        cap = 0.5 * (a_hi - a_lo)
        if low_exact[i]:
            lo = a_lo
        else:
            lo = a_lo - min(TAIL_SPACINGS * (at_lo2 - a_lo), cap)
            if nonneg:
                lo = max(lo, 0.0)
        if high_exact[i]:
            hi = a_hi
        else:
            hi = a_hi + min(TAIL_SPACINGS * (a_hi - at_hi2), cap)
        declared = public[j]
        if declared is not None:  # declared, not secret: the tails reach them
            lo, hi = float(declared[0]), float(declared[1])
        else:
            lo, hi = _outward(lo, hi, steps[j])
        ends_of.append((lo, a_lo, a_hi, hi, p_lo, p_hi))
    # the knots of every group: ends, anchors, plateaus of values held by >= k rows and a share of a level,
    # pooled levels
    m = np.maximum(2, np.minimum(knots, n // k))
    flags = np.array([atoms[g] for g in todo.tolist()], dtype=bool)
    big_mask = (cc >= k) & ((cc / n_rep >= (1.0 / m)[owner]) | flags[owner])
    big_mask[first_at] |= np.array(low_exact, dtype=bool)
    big_mask[last_at] |= np.array(high_exact, dtype=bool)
    big = big_mask.nonzero()[0]
    local = running - base[owner]  # counts up to each value within its group
    before, cum = (local[big] - cc[big]) / n_rep[big], local[big] / n_rep[big]
    big_owner = owner[big]
    per_level = m - 1
    level_owner = np.repeat(every, per_level)
    levels = (np.arange(len(level_owner)) - np.repeat(np.cumsum(per_level) - per_level, per_level) + 1) / m[level_owner]
    kn = k / n
    p_lo_all = np.array([e[4] for e in ends_of])
    p_hi_all = np.array([e[5] for e in ends_of])
    keep = (levels >= (p_lo_all + kn)[level_owner]) & (levels <= (p_hi_all - kn)[level_owner])
    levels, level_owner = levels[keep], level_owner[keep]
    if len(big) and len(levels):  # a level inside a plateau is the plateau's (each group's own plateaus)
        # each level's first plateau of its group ending at or above it: the group's plateaus ending below it,
        # counted in one sort of both by (group, value, a level before a plateau ending at the same value)
        keys = np.concatenate([level_owner, big_owner]), np.concatenate([levels, cum])
        is_end = np.concatenate([np.zeros(len(levels), dtype=bool), np.ones(len(big), dtype=bool)])
        order = np.lexsort((is_end, keys[1], keys[0]))
        ends_before = np.cumsum(is_end[order]) - is_end[order]  # plateau ends sorted before each entry
        below = np.empty(len(order), dtype=np.intp)
        below[order] = ends_before
        first_big = np.searchsorted(big_owner, every)  # each group's first plateau
        n_big = np.searchsorted(big_owner, every, side="right") - first_big
        at_plateau = below[: len(levels)] - first_big[level_owner]
        n_own = n_big[level_owner]
        # (a group without plateaus reads any plateau's start, then ignores it)
        start_at = np.minimum(first_big[level_owner] + np.minimum(at_plateau, n_own - 1), len(big) - 1)
        inside = (at_plateau < n_own) & (before[np.maximum(start_at, 0)] <= levels)
        levels, level_owner = levels[~inside], level_owner[~inside]
    if len(levels):
        n_l = n[level_owner]
        first = np.minimum(np.maximum(np.rint(levels * n_l - k / 2.0).astype(np.int64), k), np.maximum(k, n_l - 2 * k))
        r = np.concatenate([first + k, first])
        o = np.concatenate([level_owner, level_owner])
        where = running_all.searchsorted(r + base[o], side="left")  # (into ``u``; then into ``uu``)
        where = where - shift if shift >= 0 else where - (starts - first_at)[o]
        sums = csum[where] - (local[where] - r) * uu[where]
        level_values = (sums[: len(first)] - sums[len(first) :]) / k
    else:
        level_values = np.zeros(0)
    # every group's knots in one sort (group first), then spaced group by group
    head = np.array(ends_of)
    probs = np.concatenate([np.zeros(len(todo)), head[:, 4], head[:, 5], np.ones(len(todo)), before, cum, levels])
    values = np.concatenate([head[:, 0], head[:, 1], head[:, 2], head[:, 3], uu[big], uu[big], level_values])
    kinds = np.concatenate(
        [
            np.full(len(todo), _END),
            np.where(low_exact, _LEVEL, _ANCHOR),  # (an exact end is its own anchor)
            np.where(high_exact, _LEVEL, _ANCHOR),
            np.full(len(todo), _END),
            np.full(len(big), _START),
            np.full(len(big), _STOP),
            np.full(len(levels), _LEVEL),
        ]
    ).astype(np.int64)
    whose = np.concatenate([every, every, every, every, big_owner, big_owner, level_owner])
    order = np.lexsort((kinds, values, probs, whose))
    probs, values, kinds = probs[order], values[order], kinds[order]
    cuts = np.searchsorted(whose[order], np.arange(len(todo) + 1)).tolist()
    for i, (lo, _, _, hi, _, _) in enumerate(ends_of):
        s, e = cuts[i], cuts[i + 1]
        p, v = _spaced(probs[s:e], values[s:e], kinds[s:e], (k - 1e-6) / int(n[i]))
        v = np.minimum(np.maximum(np.maximum.accumulate(v), lo), hi)
        out[int(todo[i])] = (p, v, (lo, hi))
    return out


def _spaced(
    probs: NDArray[np.float64], values: NDArray[np.float64], kinds: NDArray[np.int64], gap: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Keep knots at least ``gap`` apart in probability (or at the same one): drop levels and anchors that are
    too close, and stretch a plateau over the few rows between it and its neighbour.

    Knot by knot against the last one kept; a run of knots each far enough from the one before it (found at
    once) is kept whole whenever the last one kept is the knot before the run, as the knot by knot test would.
    The knots kept are a subsequence of the input: their places are listed, with the few probabilities that
    move, and the arrays are gathered once at the end.
    """
    step = probs[1:] - probs[:-1]  # (np.diff's arithmetic, without its overhead)
    near = (((step > 0.0) & (step < gap)).nonzero()[0] + 1).tolist()  # knots too close to the one before them
    if not near:  # (every knot far enough from the one before it: all kept, as they are)
        return probs, values
    p_in, k_in = probs.tolist(), kinds.tolist()
    # each knot's probability as moved (read only for knots kept, whose moves it holds): a list, read and written
    # in place, rather than a table of the moves looked up at every step
    now = p_in.copy()
    kept: list[int] = []  # the places of the knots kept, in order
    moved = False
    last = len(p_in) - 1
    i, at = 0, 0  # ``near[at]`` is the first close knot at or after i
    while i <= last:
        # (i > 0 here whenever a knot is kept)
        if not kept or now[kept[-1]] == p_in[i - 1]:
            while at < len(near) and near[at] < i:
                at += 1
            stop = near[at] if at < len(near) else last + 1
            if stop > i:  # knots i .. stop - 1 are each far enough from the one before: all kept
                kept.extend(range(i, stop))
                i = stop
                continue
        p, kind = p_in[i], k_in[i]
        while True:
            if not kept:
                kept.append(i)
                break
            top = kept[-1]
            top_p = now[top]
            if p - top_p <= 0.0 or p - top_p >= gap:
                kept.append(i)
                break
            if kind >= _ANCHOR and i != last:
                break  # drop this knot
            if k_in[top] >= _ANCHOR and len(kept) > 1:
                kept.pop()  # (dropped: its probability is never read again)
                continue
            if k_in[top] == _STOP or (k_in[top] != _START and kind != _START and p >= 1.0):
                now[top] = p  # the plateau below takes the rows up to here
            else:
                now[i] = top_p  # this plateau (or the end) starts where the last knot is
            moved = True
            kept.append(i)
            break
        i += 1
    where = np.array(kept, dtype=np.intp)
    out_p = np.array(now)[where] if moved else probs[where]
    return out_p, values[where]


def _outward(lo: float, hi: float, step: float | None) -> tuple[float, float]:
    """Round ``lo`` down and ``hi`` up onto the grid of ``step`` (if any)."""
    if step:
        lo = math.floor(lo / step) * step
        hi = math.ceil(hi / step) * step
        digits = max(0, -math.floor(math.log10(step))) + 1 if step < 1 else 0
        lo, hi = round(lo, digits), round(hi, digits)
    return lo, hi


def public_items(public: Mapping[str, Any] | None, frame: pd.DataFrame) -> list[tuple[str, Any]]:
    """``public=``'s (column, declaration) pairs, after checking it is a mapping of the frame's columns."""
    if public is None:
        return []
    if not isinstance(public, Mapping):
        raise InvalidArgument(
            f"public={public!r}: pass a dict of column -> (low, high) bounds or a list of categories, "
            'such as public={"age": (0, 120), "plan": ["free", "pro"]}.'
        )
    for col in public:
        if col not in frame.columns:
            raise InvalidArgument(
                f"public= names {col!r}, which the DataFrame does not have; it has {list(frame.columns)}."
            )
    return list(public.items())


def read_public(public: Mapping[str, Any] | None, frame: pd.DataFrame) -> dict[str, Any]:
    """Check ``fit(public=...)`` against the frame; return it as {column: (low, high) or [categories]}.

    A pair of numbers (or of timestamps, for a datetime column) declares a
    column's bounds; a list, tuple of other length, or set declares its
    categories. The data must lie inside what is declared: a declaration the
    data contradicts is refused, since storing it would be wrong.
    """
    import pandas as pd

    out: dict[str, Any] = {}
    for col, declared in public_items(public, frame):
        s = frame[col]
        is_time = pd.api.types.is_datetime64_any_dtype(s.dtype)
        is_number = pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype)
        if not (is_time or is_number) and isinstance(declared, tuple) and len(declared) == 2:
            parsed = _as_timestamps(s, declared)  # (a text column of ISO dates, which fit parses)
            if parsed is not None:
                s, is_time = parsed, True
        if isinstance(declared, tuple) and len(declared) == 2 and (is_time or is_number):
            out[col] = _declared_bounds(col, s, declared, is_time=is_time)
        elif isinstance(declared, (list, tuple, set, frozenset)) and not (is_time or is_number):
            out[col] = _declared_categories(col, s, declared)
        else:
            want = "a (low, high) pair" if is_time or is_number else "a list of its categories"
            raise InvalidArgument(
                f"public[{col!r}]={declared!r}: column {col!r} is {'datetime' if is_time else s.dtype}, so declare "
                f"{want}, such as public={{{col!r}: {'(0, 120)' if is_number else '[...]'}}}."
            )
    return out


def _as_timestamps(s: pd.Series, declared: tuple[Any, Any]) -> pd.Series | None:
    """The column as timestamps, when it and both declared ends are dates written as text; else None."""
    import pandas as pd

    if not all(isinstance(end, (str, pd.Timestamp)) for end in declared):
        return None
    try:
        pd.Timestamp(declared[0]), pd.Timestamp(declared[1])
        return pd.to_datetime(s)
    except (ValueError, TypeError, OverflowError):
        return None


def declared_bounds(
    col: str, declared: tuple[Any, Any], *, is_time: bool, tz: Any = None, utc: bool = False
) -> tuple[Any, Any]:
    """Read ``public[col]``'s ``(low, high)``: two finite numbers, or two timestamps (naive ones taken in ``tz``;
    with ``utc``, both as naive UTC), low first; else raise InvalidArgument saying how to write them."""
    import pandas as pd

    lo, hi = declared
    try:
        if is_time:
            low, high = pd.Timestamp(lo), pd.Timestamp(hi)
            if tz is not None:
                low = low.tz_localize(tz) if low.tzinfo is None else low
                high = high.tz_localize(tz) if high.tzinfo is None else high
            if utc:
                low, high = (t.tz_convert("UTC").tz_localize(None) if t.tzinfo is not None else t for t in (low, high))
        else:
            if isinstance(lo, bool) or isinstance(hi, bool):
                raise TypeError
            low, high = float(lo), float(hi)
            if not (math.isfinite(low) and math.isfinite(high)):
                raise TypeError
    except (TypeError, ValueError):
        kind = "timestamps" if is_time else "finite numbers"
        raise InvalidArgument(
            f"public[{col!r}]={declared!r}: the bounds must be two {kind}, low then high, such as "
            f"public={{{col!r}: {'(' + repr('2020-01-01') + ', ' + repr('2030-12-31') + ')' if is_time else '(0, 120)'}}}."
        ) from None
    if not low <= high:
        raise InvalidArgument(f"public[{col!r}]={declared!r}: low is above high; give (low, high).")
    return (low, high)


def _declared_bounds(col: str, s: pd.Series, declared: tuple[Any, Any], *, is_time: bool) -> tuple[Any, Any]:
    """:func:`declared_bounds`, which the data must lie within (a declaration the data contradicts is wrong)."""
    import pandas as pd

    low, high = declared_bounds(col, declared, is_time=is_time, tz=getattr(s.dt, "tz", None) if is_time else None)
    if is_time:
        data_lo, data_hi = s.min(), s.max()
    else:
        values = pd.to_numeric(s, errors="coerce").astype("float64")
        values = values[np.isfinite(values)]
        data_lo, data_hi = values.min(), values.max()
    if pd.notna(data_lo) and (data_lo < low or data_hi > high):
        raise InvalidArgument(
            f"public[{col!r}]={declared!r}: the data reaches beyond the declared bounds, which are meant to hold "
            f"every possible value; widen them (or leave {col!r} out of public= to let the fit choose private bounds)."
        )
    return (low, high)


def declared_categories(col: str, declared: Any) -> list[Any]:
    """Read ``public[col]``'s categories: each once, at least one; else raise InvalidArgument."""
    from .infer import plain

    categories = [plain(c) for c in declared]
    if not categories or len({repr(c) for c in categories}) != len(categories):
        raise InvalidArgument(
            f"public[{col!r}]={declared!r}: declare each category once, at least one, such as "
            f'public={{{col!r}: ["free", "pro"]}}.'
        )
    return categories


def _declared_categories(col: str, s: pd.Series, declared: Any) -> list[Any]:
    """:func:`declared_categories`, which must list every category the data holds."""
    from .infer import plain

    categories = declared_categories(col, declared)
    known = {repr(c) for c in categories}
    unknown = [plain(v) for v in s.dropna().unique() if repr(plain(v)) not in known]
    if unknown:
        raise InvalidArgument(
            f"public[{col!r}] lists {len(categories)} categories, but the data also holds {unknown[:3]!r}"
            f"{' and more' if len(unknown) > 3 else ''}; declare every category the column can take."
        )
    return categories


def public_info(public: Mapping[str, Any]) -> dict[str, Any]:
    """What ``info["privacy"]["public"]`` records of the declarations (JSON: timestamps as ISO text)."""
    out: dict[str, Any] = {}
    for col, declared in public.items():
        if isinstance(declared, tuple):
            out[col] = [x.isoformat() if hasattr(x, "isoformat") else x for x in declared]
        else:
            out[col] = list(declared)
    return out


def public_bounds(ctx: FitContext, numbers: Sequence[Numbers]) -> dict[str, tuple[float, float]]:
    """The declared bounds of these numeric and datetime columns, in the units their values are read in."""
    out: dict[str, tuple[float, float]] = {}
    for column in numbers:
        declared = ctx.public.get(column.column)
        if not isinstance(declared, tuple):
            continue
        if column.unit is None:
            out[column.column] = (float(declared[0]), float(declared[1]))
        else:  # timestamps: UTC nanoseconds in the column's unit, outward
            ns = [int(t.tz_convert("UTC").value if t.tzinfo is not None else t.value) for t in declared]
            out[column.column] = (float(ns[0] // column.unit.ns), float(-(-ns[1] // column.unit.ns)))
    return out


def rare_values(values: NDArray[np.float64], min_count: int) -> NDArray[np.float64]:
    """The finite values among ``values`` (NaN where missing) that 1 to ``min_count - 1`` rows hold."""
    distinct, counts = np.unique(values[np.isfinite(values)], return_counts=True)
    out: NDArray[np.float64] = distinct[counts < min_count]
    return out


def unheld(
    values: NDArray[np.float64],
    bounds: tuple[float, float],
    u: NDArray[np.float64],
    c: NDArray[np.int64],
    *,
    min_count: int,
    step: float | None,
    public: bool = False,
    also: NDArray[np.float64] | None = None,
) -> tuple[NDArray[np.float64], tuple[float, float]]:
    """Move stored numbers off the values that 1 to ``min_count - 1`` rows hold (``u`` seen ``c`` times).

    A pooled knot or an extrapolated bound may land on a rare row's value by chance (an anchor between two
    equal order statistics, a bound rounded onto the grid): then the file would store a number that a
    handful of rows hold. A bound moves one grid step (or one unit in the 12th significant digit) outward,
    or else inward, when that step is held by no such row; it never searches further, since how far it
    went would tell where the rows are. Knots move half a step (off the grid, where no row can be)
    or one unit in the 12th digit. A bound that neither step frees is dropped (infinite): the end knot,
    half a step off the grid, then ends the tail, and samples round onto the grid as everywhere.
    Declared (``public``) bounds stay as given. ``also``: more values to avoid (a segment group's
    marginal avoids the whole column's rare values, not only its group's).
    """
    rare = u[(c > 0) & (c < min_count)]  # (ascending, as ``u``)
    more = np.empty(0) if also is None else also
    if more.size > 1 and not bool((more[1:] >= more[:-1]).all()):
        more = np.sort(more)
    if not rare.size and not more.size:
        return values, bounds

    def held(x: NDArray[np.float64]) -> NDArray[np.bool_]:
        # (``np.isin(x, rare or more)`` by binary search in the two sorted lists: the stored numbers are few,
        # the whole column's rare values may be nearly every row's)
        return _among_sorted(x, rare) | _among_sorted(x, more)

    out = values.copy()
    lo, hi = bounds
    if not public:  # one step outward, else inward (never a search: how far it went would tell the extremes)
        lo, hi = _unhold_bounds(out, bounds, (rare, more), step, bool(u[0] >= 0))
    moved = False
    for _ in range(8):
        moving = held(out)
        if not moving.any():  # (the common case: no knot on a value to avoid, bounds or not)
            break
        moving &= (out != lo) & (out != hi)
        if not moving.any():
            break
        moved = True
        for i in moving.nonzero()[0].tolist():
            shift = step / 2.0 if step else _digit_unit(out[i])
            out[i] = out[i] + shift if out[i] + shift < hi else out[i] - shift
    if not moved and (lo, hi) == tuple(bounds):
        # nothing moved: the knots are as given, already running maxima within these bounds (what the line below
        # would give them again)
        return values, (lo, hi)
    out = np.minimum(np.maximum(np.maximum.accumulate(out), lo), hi)
    return out, (lo, hi)


#: From this many groups with values to avoid on, :func:`unheld_groups` moves them at once (fewer: one at a time).
UNHELD_AT_ONCE = 8


def unheld_groups(
    values: NDArray[np.float64],
    lengths: Sequence[int],
    bounds: Sequence[tuple[float, float]],
    u: NDArray[np.float64],
    c: NDArray[np.int64],
    spans: Sequence[tuple[int, int]],
    *,
    min_count: int,
    steps: Sequence[float | None],
    public: Sequence[bool],
    also: Sequence[NDArray[np.float64] | None],
) -> tuple[NDArray[np.float64], list[tuple[float, float]]]:
    """:func:`unheld` of several groups at once: group i's knots are the next ``lengths[i]`` of ``values``, its
    distinct values ``u[start:end]`` (seen ``c`` times) for its ``spans[i]`` (start, end), with its ``bounds``,
    ``steps``, ``public`` flag and ``also`` values. Returns every group's knots (one after another) and bounds,
    each exactly what :func:`unheld` gives the group alone. From :data:`UNHELD_AT_ONCE` groups to move on, this
    costs less than moving them one at a time (the tables below cost more than a few groups' own searches).

    The bounds that need a move (rare) go group by group; the knots move together, round after round: a
    knot's moves depend only on its own value and its group's values to avoid, so each knot takes the steps
    it takes alone (at most 8). A group with nothing to avoid keeps its knots and bounds as they are.
    """
    k = len(lengths)
    ends = np.cumsum(lengths).tolist()
    starts = [end - length for end, length in zip(ends, lengths, strict=True)]
    # each group's rare values (ascending, as ``u``): the rare ones among all values, found once, then each
    # group's run of them (its values are ``u[first:last]``)
    rare_at = ((c > 0) & (c < min_count)).nonzero()[0]
    rare_all = u[rare_at]
    cuts = rare_at.searchsorted([end for span in spans for end in span]).tolist()
    avoided: list[tuple[NDArray[np.float64], NDArray[np.float64]]] = []  # each group's (rare, more) values
    ordered: dict[int, NDArray[np.float64]] = {}  # (segment groups of one column share its values to avoid)
    nothing = np.empty(0)
    for i in range(k):
        more = also[i]
        if more is None:
            more = nothing
        elif id(more) in ordered:
            more = ordered[id(more)]
        else:
            given = more
            if more.size > 1 and not bool((more[1:] >= more[:-1]).all()):
                more = np.sort(more)
            ordered[id(given)] = more
        avoided.append((rare_all[cuts[2 * i] : cuts[2 * i + 1]], more))
    touched = [bool(rare.size or more.size) for rare, more in avoided]
    if not any(touched):
        return values, list(bounds)
    # every group's rare values, and its more values, as (group, value) pairs: each list sorted by group, then
    # value, as built (each group's values ascending); a binary search in each finds whether a knot is held
    tables = [
        keyed(np.repeat(np.arange(k), [len(part) for part in parts]), np.concatenate(parts))
        for parts in zip(*avoided, strict=True)
    ]

    def held(owner: NDArray[np.intp], x: NDArray[np.float64]) -> NDArray[np.bool_]:
        # (``np.isin(x, its group's values to avoid)``)
        key = keyed(owner, x)
        return _among_sorted(key, tables[0]) | _among_sorted(key, tables[1])  # type: ignore[arg-type]

    out = values.copy()
    new_bounds = list(bounds)
    lows, highs = [float(b[0]) for b in bounds], [float(b[1]) for b in bounds]
    on_bounds = held(np.arange(k).repeat(2), np.array([x for pair in zip(lows, highs, strict=True) for x in pair]))
    ends_held = on_bounds.reshape(k, 2).tolist()
    busy = [i for i in range(k) if (ends_held[i][0] or ends_held[i][1]) and touched[i] and not public[i]]
    # where a held bound may step (one step out, one in), every group's searched at once: their answers, by value
    known: list[dict[float, bool]] = [{lows[i]: ends_held[i][0], highs[i]: ends_held[i][1]} for i in range(k)]
    probes = [
        (i, bound + sign * (steps[i] or _digit_unit(bound)))
        for i in busy
        for bound, outward, side in ((lows[i], -1.0, 0), (highs[i], 1.0, 1))
        if ends_held[i][side]
        for sign in (outward, -outward)
    ]
    if probes:
        found = held(np.array([i for i, _ in probes]), np.array([x for _, x in probes])).tolist()
        for (i, x), flag in zip(probes, found, strict=True):
            known[i][x] = flag
    for i in busy:  # one step outward, else inward (never a search)
        nonneg = bool(u[spans[i][0]] >= 0)  # (a never-negative column stays so)
        new_bounds[i] = _unhold_bounds(out[starts[i] : ends[i]], bounds[i], avoided[i], steps[i], nonneg, known[i])
    # the knots: round after round, every held knot strictly inside its group's bounds moves
    owner = np.repeat(np.arange(k), lengths)
    lo = np.repeat([b[0] for b in new_bounds], lengths)
    hi = np.repeat([b[1] for b in new_bounds], lengths)
    half = np.repeat([step / 2.0 if step else math.nan for step in steps], lengths)
    for _ in range(8):
        moving = held(owner, out) & (out != lo) & (out != hi)
        if not moving.any():
            break
        which = moving.nonzero()[0]
        x = out[which]
        shift = half[which]
        for j in np.flatnonzero(np.isnan(shift)).tolist():  # (no grid: one unit in the 12th digit, its own)
            shift[j] = _digit_unit(float(x[j]))
        up = x + shift
        out[which] = np.where(up < hi[which], up, x - shift)
    out = np.minimum(np.maximum(running_max(out, lengths), lo), hi)
    if not all(touched):  # (a group with nothing to avoid: its knots as they were)
        for i in range(k):
            if not touched[i]:
                out[starts[i] : ends[i]] = values[starts[i] : ends[i]]
    return out, new_bounds


def _unhold_bounds(
    out: NDArray[np.float64],
    bounds: tuple[float, float],
    avoided: tuple[NDArray[np.float64], NDArray[np.float64]],
    step: float | None,
    nonneg: bool,
    known: Mapping[float, bool] | None = None,
) -> tuple[float, float]:
    """:func:`unheld`'s move of a group's bounds off its values to avoid (``avoided``: its rare values and
    more); moves the end knots ``out`` along. Returns the bounds. ``known``: whether some values are held,
    found already (the rest are searched here)."""
    rare, more = avoided

    def held_one(x: float) -> bool:
        flag = None if known is None else known.get(x)
        return (_among_sorted_one(x, rare) or _among_sorted_one(x, more)) if flag is None else flag

    def unit(x: float) -> float:
        return step if step else _digit_unit(x)

    lo, hi = bounds
    for side, bound, outward in ((0, lo, -1.0), (-1, hi, 1.0)):
        if not held_one(bound):
            continue
        inner = float(out[1] if side == 0 else out[-2]) if len(out) > 1 else bound  # (the anchor)
        for moved in (bound + outward * unit(bound), bound - outward * unit(bound)):
            if not held_one(moved) and moved * outward >= inner * outward and (moved >= 0 or not nonneg):
                if out[side] == bound:  # (the end knot is the bound: it moves along)
                    out[side] = moved
                break
        else:  # still on a rare value: no bound; the end knot half a step off the grid marks the tail's end
            shift = outward * (step / 2.0 if step else unit(bound))
            moved = outward * math.inf
            out[side] = bound - shift if nonneg and bound + shift < 0.0 else bound + shift
        if side == 0:
            lo = moved
        else:
            hi = moved
    return lo, hi


def _digit_unit(x: float) -> float:
    """One unit in the 12th significant digit of ``x`` (of 1e-300 for 0.0)."""
    return 10.0 ** (math.floor(math.log10(abs(x))) - 11) if x != 0.0 else 1e-300


def keyed(owner: NDArray[np.intp], x: NDArray[np.float64]) -> NDArray[np.complex128]:
    """(owner, value) pairs as complex numbers, which numpy sorts and searches by owner, then value.

    Values compare as ``==`` compares floats (-0.0 equals 0.0); the parts are set one by one, so an
    infinite value stays one (``owner + 1j * inf`` would make the owner NaN).
    """
    out = np.empty(len(x), dtype=np.complex128)
    out.real = owner
    out.imag = x
    return out


def running_max(values: NDArray[np.float64], lengths: Sequence[int]) -> NDArray[np.float64]:
    """``np.maximum.accumulate`` within each group of ``values`` (the next ``lengths[i]`` of them), all at once.

    The groups are the rows of one padded table, accumulated along its rows: each element is the running
    maximum, bit for bit, that its group's own ``np.maximum.accumulate`` gives.
    """
    if len(lengths) == 1:
        alone: NDArray[np.float64] = np.maximum.accumulate(values)
        return alone
    widths = np.asarray(lengths, dtype=np.intp)
    row = np.repeat(np.arange(len(widths)), widths)
    column = np.arange(len(values)) - np.repeat(np.cumsum(widths) - widths, widths)
    table = np.zeros((len(widths), int(widths.max(initial=0))))
    table[row, column] = values
    np.maximum.accumulate(table, axis=1, out=table)
    out: NDArray[np.float64] = table[row, column]
    return out


def _among_sorted(x: NDArray[np.float64], sorted_values: NDArray[np.float64]) -> NDArray[np.bool_]:
    """``np.isin(x, sorted_values)`` for ascending, NaN-free ``sorted_values``: a binary search per ``x``."""
    if not sorted_values.size:
        return np.zeros(np.shape(x), dtype=bool)
    at = np.minimum(sorted_values.searchsorted(x), len(sorted_values) - 1)
    found: NDArray[np.bool_] = sorted_values[at] == x
    return found


def _among_sorted_one(x: float, sorted_values: NDArray[np.float64]) -> bool:
    """:func:`_among_sorted` of one number."""
    size = len(sorted_values)
    if not size:
        return False
    return bool(sorted_values[min(int(sorted_values.searchsorted(x)), size - 1)] == x)
