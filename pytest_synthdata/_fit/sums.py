"""Fit step: number columns that add up in every real row (``total = a + b``, ``total = a + b + c``).

Detection (:func:`detect_sums`) finds each identity in its all-plus form, a
difference ``d = a - b`` as ``a = b + d``. A Gaussian copula cannot keep an
identity (a latent correlation near 1 between a sum and its parts leaves
nearly every row off it), so one column of each becomes a ``SumColumn``: no
coordinate of its own, its value the signed sum of the others, added after
the constraint stage. Which one (:func:`choose_derived`) is decided by the
fitted model itself: the copula models the others, and the column whose sum
of them comes closest to its real distribution is derived (the total of
``medicines = prescribed + over_the_counter``; ``late = number - early``
where a farm's ``number`` of attacks is at least 1 and mostly exactly one of
``early`` and ``late``). An identity is a statement about all rows, never one
row's value, so storing it follows the privacy rule.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .constraints import COINCIDENCE

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from .numeric import Numbers

__all__ = ["SUM_TOLERANCE", "Derived", "Sum", "choose_derived", "detect_products", "detect_sums"]


@dataclass(frozen=True)
class Sum:
    """A number column that the sum of ``parts`` gives in every real row."""

    column: str
    parts: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.column} = {' + '.join(self.parts)}"


#: A float total equals its parts' sum within this share of their magnitudes (adding decimals errs by 1e-16).
SUM_TOLERANCE = 1e-9
#: Columns whose values reach this magnitude are not searched (whole numbers below it add exactly in float64).
_SUM_MAGNITUDE = 2.0**50
#: Rows the screen projects (every k-th row of a larger frame).
_SCREEN_ROWS = 4096
#: Sums of three columns are searched among at most this many candidate columns (their count grows as the cube).
_SUM_TRIPLES = 40
#: The seed of the fixed weights that project each column onto one number for the screen.
_SUM_WEIGHTS_SEED = 20240607


def detect_sums(numbers: Sequence[Numbers], *, min_count: int, taken: set[str]) -> list[Sum]:
    """Return the number columns that the sum of two or three others gives in every row.

    Candidates are number columns (not dates) without missing values, finite and below 2**50 in magnitude,
    not in ``taken``. A screen projects each column onto one number (a weighted sum of its values on at most
    4,096 rows, with fixed weights): ``t = a + b`` in every row makes the projections add up too, so only the
    pairs and triples whose projections add up to another column's are checked on every row (exactly for
    whole numbers, within :data:`SUM_TOLERANCE` of the magnitudes otherwise). A sum is kept when each part is
    nonzero in at least ``min_count`` rows (``t = a + 0`` is no sum), and it is no coincidence: were the total
    drawn apart from its parts, it would match in every row with probability below :data:`COINCIDENCE`. A
    column is the total of one sum at most, a total is no part of another sum (no chains), and sums of two
    parts come first, then in the order of the totals' columns. A difference ``d = a - b`` is found as
    ``a = b + d``.
    """
    cands = [num for num in numbers if num.unit is None and num.column not in taken and num.present.all()]
    if len(cands) < 3 or len(cands[0].values) < 2 * min_count:
        return []
    n = len(cands[0].values)
    step = max(1, n // _SCREEN_ROWS)
    m = -(-n // step)
    screen = np.empty((len(cands), m))
    for i, num in enumerate(cands):
        screen[i] = num.values[::step]
    weights = _sum_weights(m)
    with np.errstate(invalid="ignore", over="ignore"):
        p = screen @ weights
        scale = np.abs(screen) @ np.abs(weights)
    # (finite, below the magnitude, and not constant on the screen: a constant is no part, and no total)
    usable = np.isfinite(scale) & (scale < _SUM_MAGNITUDE * float(np.abs(weights).sum()))
    usable &= screen.max(axis=1) > screen.min(axis=1)
    idx = np.flatnonzero(usable)
    d = len(idx)
    if d < 3:
        return []
    p, scale = p[idx], scale[idx]
    order = np.argsort(p, kind="stable")
    sorted_p = p[order]
    members = _sum_members(d)  # (every pair, then every triple when few columns: index arrays, one per place)
    total = p[members[0]] + p[members[1]]
    bound = scale[members[0]] + scale[members[1]]
    if len(members) > 2:
        third = members[2]
        has_third = third >= 0
        total += np.where(has_third, p[third], 0.0)
        bound += np.where(has_third, scale[third], 0.0)
    tol = 4.0 * SUM_TOLERANCE * (bound + float(scale.max()))
    lo = np.searchsorted(sorted_p, total - tol, side="left")
    hi = np.searchsorted(sorted_p, total + tol, side="right")
    found: list[tuple[int, int, tuple[int, ...]]] = []  # (parts, total's place, part places), to check
    for k in np.flatnonzero(hi > lo).tolist():
        parts = tuple(int(a[k]) for a in members if a[k] >= 0)
        for t in order[lo[k] : hi[k]].tolist():
            if t not in parts:
                found.append((len(parts), int(t), parts))
    if not found:
        return []
    out: list[Sum] = []
    totals: set[int] = set()
    used: set[int] = set()
    for _, t, places in sorted(found):
        if t in totals or t in used or any(m in totals for m in places):
            continue
        if _sums_up(cands[idx[t]], [cands[idx[m]] for m in places], min_count):
            out.append(Sum(cands[idx[t]].column, tuple(cands[idx[m]].column for m in places)))
            totals.add(t)
            used.update(places)
    return out


@functools.lru_cache(maxsize=8)
def _sum_weights(m: int) -> NDArray[np.float64]:
    """The fixed weights of :func:`detect_sums`' screen of ``m`` rows (made once per screen length)."""
    out: NDArray[np.float64] = np.random.default_rng(_SUM_WEIGHTS_SEED).standard_normal(m)
    out.flags.writeable = False
    return out


@functools.lru_cache(maxsize=64)
def _pairs(d: int) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """The places of every pair of ``d`` columns (``numpy.triu_indices``, made once per ``d``)."""
    a, b = np.triu_indices(d, 1)
    a.flags.writeable = b.flags.writeable = False
    return a, b


@functools.lru_cache(maxsize=64)
def _sum_members(d: int) -> tuple[NDArray[np.intp], ...]:
    """The places of every pair of ``d`` columns, then (up to :data:`_SUM_TRIPLES` columns) of every triple: two
    or three index arrays, the third -1 for a pair."""
    a, b = _pairs(d)
    if d > _SUM_TRIPLES:
        return a, b
    i, j, k = np.meshgrid(np.arange(d), np.arange(d), np.arange(d), indexing="ij")
    keep = (i < j) & (j < k)
    out = (
        np.concatenate([a, i[keep]]),
        np.concatenate([b, j[keep]]),
        np.concatenate([np.full(len(a), -1), k[keep]]),
    )
    for x in out:
        x.flags.writeable = False
    return out


def _sums_up(total: Numbers, parts: list[Numbers], min_count: int) -> bool:
    """Whether ``total`` is the sum of ``parts`` in every row, and that is no coincidence (see :func:`detect_sums`)."""
    if total.integer and not all(part.integer for part in parts):  # (a sampled sum of fractions is no whole number)
        return False
    values = [total.values, *(part.values for part in parts)]
    if not all(bool(np.isfinite(v).all()) and float(np.abs(v).max()) < _SUM_MAGNITUDE for v in values):
        return False
    added = parts[0].values + parts[1].values
    for part in parts[2:]:
        added = added + part.values
    if all(num.integer for num in (total, *parts)):
        if not np.array_equal(added, total.values):
            return False
    else:
        bound = SUM_TOLERANCE * np.sum([np.abs(v) for v in values], axis=0)
        if not bool((np.abs(total.values - added) <= bound).all()):
            return False
    if any(int(np.count_nonzero(part.values)) < min_count for part in parts):
        return False
    _, counts = np.unique(total.values, return_counts=True)
    share = float(counts.max()) / len(total.values)
    return share ** len(total.values) < COINCIDENCE


@dataclass(frozen=True)
class Derived:
    """A column of a sum that the others give: ``column = sum of signs[i] * parts[i]``; or, with ``product``, the
    product of its two ``parts``."""

    column: str
    parts: tuple[str, ...]
    signs: tuple[int, ...]
    product: bool = False

    def __str__(self) -> str:
        if self.product:
            return f"{self.column} = {self.parts[0]} * {self.parts[1]}"
        terms = "".join(f" {'+' if s > 0 else '-'} {p}" for p, s in zip(self.parts[1:], self.signs[1:], strict=True))
        return f"{self.column} = {'-' if self.signs[0] < 0 else ''}{self.parts[0]}{terms}"


#: Rows of the model drawn to compare the ways of writing a sum (fixed: a fit is deterministic).
_CHOICE_ROWS = 4096


def choose_derived(
    sums: Sequence[Sum],
    columns: Mapping[str, Any],
    latent: NDArray[np.float64],
    labels: Sequence[str],
    real: Mapping[str, NDArray[np.float64]],
    keep: set[str],
) -> list[Derived]:
    """Which column of each sum the others give: the one whose signed sum of the others, drawn from the fitted
    copula (``latent`` over ``labels``; each column's marginal from ``columns``), is nearest its ``real`` values
    (the Kolmogorov-Smirnov distance); the total, unless another comes nearer by more than sampling noise. A column of several sums, or in ``keep`` (an order
    relation with a column outside its sum), stays modelled; a sum with no other column left is not kept.
    """
    count: dict[str, int] = {}
    for s in sums:
        for c in (s.column, *s.parts):
            count[c] = count.get(c, 0) + 1
    at = {label: i for i, label in enumerate(labels)}
    out = []
    for k, s in enumerate(sums):
        members = (s.column, *s.parts)
        candidates = [c for c in members if count[c] == 1 and c not in keep]
        if not candidates:
            continue
        idx = [at[c] for c in members]
        factor = np.linalg.cholesky(latent[np.ix_(idx, idx)])
        z = np.random.default_rng([_CHOICE_SEED, k]).standard_normal((len(members), _CHOICE_ROWS))
        x = factor @ z
        drawn = {c: np.asarray(columns[c].from_latent(x[i]), dtype=np.float64) for i, c in enumerate(members)}
        distance = {}
        for c in candidates:
            parts, signs = _signed(s, c)
            distance[c] = _ks(real[c], np.sum([sign * drawn[p] for p, sign in zip(parts, signs, strict=True)], axis=0))
        chosen = min(candidates, key=lambda c: (distance[c], members.index(c)))
        # the total, unless another column comes nearer by more than the two samples' noise (the KS test's 5%
        # critical value): a sum reads as its parts added up
        noise = _KS_CRITICAL * float(np.sqrt(1.0 / len(real[s.column]) + 1.0 / _CHOICE_ROWS))
        if s.column in distance and distance[s.column] <= distance[chosen] + noise:
            chosen = s.column
        parts, signs = _signed(s, chosen)
        out.append(Derived(chosen, parts, signs))
    return out


#: The two-sample Kolmogorov-Smirnov statistic's 5% critical value, per sqrt(1/n + 1/m).
_KS_CRITICAL = 1.358
#: The seed of the rows :func:`choose_derived` draws.
_CHOICE_SEED = 7_919


def _signed(s: Sum, column: str) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """The other columns of sum ``s`` and their signs that give ``column``: the parts (all +) for the total, else
    the total less the other parts."""
    if column == s.column:
        return s.parts, (1,) * len(s.parts)
    others = tuple(p for p in s.parts if p != column)
    return (s.column, *others), (1, *(-1 for _ in others))


def _ks(a: NDArray[np.float64], b: NDArray[np.float64]) -> float:
    """The two-sample Kolmogorov-Smirnov statistic: the largest gap between the empirical CDFs of ``a`` and ``b``."""
    a, b = np.sort(a), np.sort(b)
    grid = np.concatenate([a, b])
    gap = np.searchsorted(a, grid, side="right") / len(a) - np.searchsorted(b, grid, side="right") / len(b)
    return float(np.abs(gap).max())


#: Rows (spread over the frame) that screen every pair of columns for a product, before all rows are read.
_PRODUCT_SCREEN = 8
#: Products are searched among at most this many candidate columns (pairs times totals grow as the cube).
_PRODUCT_COLUMNS = 40


def detect_products(numbers: Sequence[Numbers], *, min_count: int, taken: set[str]) -> list[Derived]:
    """Return the number columns that the product of two others gives in every row, to their own decimals.

    Candidates as for :func:`detect_sums` (at most :data:`_PRODUCT_COLUMNS` of them). ``t = a * b`` holds
    when ``|t - a * b|`` is at most half a unit of ``t``'s last decimal (the data rounded it: a line total of
    a quantity and a price in cents), within 1e-9 of the magnitudes: on a few rows spread over the frame
    first, then on every row. Kept when neither part is 1 in fewer than ``min_count`` rows (``t = a * 1`` is
    no product), and it is no coincidence (:data:`COINCIDENCE`, as for sums). A column is the product of one
    pair at most, and no product's column is another's part.
    """
    cands = [num for num in numbers if num.unit is None and num.column not in taken and num.present.all()]
    if len(cands) < 3 or len(cands) > _PRODUCT_COLUMNS or len(cands[0].values) < 2 * min_count:
        return []
    n = len(cands[0].values)
    rows = _screen_rows(n)
    screen = np.stack([num.values[rows] for num in cands])
    with np.errstate(invalid="ignore", over="ignore"):
        usable = np.isfinite(screen).all(axis=1) & (np.abs(screen).max(axis=1) < _SUM_MAGNITUDE)
    usable &= screen.max(axis=1) > screen.min(axis=1)
    idx = np.flatnonzero(usable)
    if len(idx) < 3:
        return []
    x = screen[idx]
    half = 0.5 * _units(x)  # (each column's rounding: half its last decimal's unit)
    i, j = _pairs(len(idx))
    product = x[i] * x[j]  # (pairs, rows)
    gap = np.abs(x[None, :, :] - product[:, None, :])  # (pairs, columns, rows)
    bound = half[None, :, None] + 1e-9 * (np.abs(x)[None, :, :] + np.abs(product)[:, None, :])
    pair, total = np.nonzero((gap <= bound).all(axis=2))
    out: list[Derived] = []
    totals: set[int] = set()
    used: set[int] = set()
    for t, k in sorted(zip(total.tolist(), pair.tolist(), strict=True)):
        a, b = int(i[k]), int(j[k])
        if t in (a, b) or t in totals or t in used or a in totals or b in totals:
            continue
        if _multiplies(cands[idx[t]], cands[idx[a]], cands[idx[b]], min_count):
            out.append(Derived(cands[idx[t]].column, (cands[idx[a]].column, cands[idx[b]].column), (1, 1), True))
            totals.add(t)
            used.update((a, b))
    return out


_DECIMALS = 10.0 ** np.arange(7)


@functools.lru_cache(maxsize=8)
def _screen_rows(n: int) -> NDArray[np.intp]:
    """The rows, spread over ``n``, that screen pairs of columns for a product (made once per row count)."""
    out: NDArray[np.intp] = np.unique(np.linspace(0, n - 1, min(n, _PRODUCT_SCREEN)).astype(np.intp))
    out.flags.writeable = False
    return out


def _units(values: NDArray[np.float64]) -> NDArray[np.float64]:
    """Per row of ``values`` (columns x rows), the unit of the last decimal (0-6) that each of its values holds, or
    0.0 when none does."""
    scaled = values[:, None, :] * _DECIMALS[None, :, None]
    held = (np.abs(np.rint(scaled) - scaled) <= 1e-9 * np.maximum(np.abs(scaled), 1.0)).all(axis=2)
    out: NDArray[np.float64] = np.where(held.any(axis=1), 1.0 / _DECIMALS[np.argmax(held, axis=1)], 0.0)
    return out


def _multiplies(total: Numbers, a: Numbers, b: Numbers, min_count: int) -> bool:
    """Whether ``total`` is ``a * b`` in every row to its last decimal, and that is no coincidence (see
    :func:`detect_products`)."""
    values = [total.values, a.values, b.values]
    if not all(bool(np.isfinite(v).all()) and float(np.abs(v).max()) < _SUM_MAGNITUDE for v in values):
        return False
    product = a.values * b.values
    half = 0.5 * float(_units(total.values[None, :])[0])
    if not bool((np.abs(total.values - product) <= half + 1e-9 * (np.abs(total.values) + np.abs(product))).all()):
        return False
    if any(int(np.count_nonzero(part.values != 1.0)) < min_count for part in (a, b)):
        return False
    _, counts = np.unique(total.values, return_counts=True)
    return float(counts.max() / len(total.values)) ** len(total.values) < COINCIDENCE
