"""Fit step: number columns that add up (``total = a + b [+ c]``) or multiply (``t = a * b``) in every real row.

Detection (:func:`detect_sums`, :func:`detect_products`) finds each sum in its
all-plus form (a difference ``d = a - b`` as ``a = b + d``). A Gaussian copula
cannot keep an identity (a latent correlation near 1 between a sum and its
parts leaves nearly every row off it), so one column of each becomes a
``SumColumn`` or ``ProductColumn``: no coordinate of its own, its value
computed from the others after the constraint stage. Which one
(:func:`plan_derived`) is decided by the fitted model itself, among the
columns whose derivation loses nothing the real rows keep (order relations,
signs, decimals): the copula models the others, and the column whose sum of
them comes closest to its real distribution is derived (the total of
``medicines = prescribed + over_the_counter``; ``late = number - early``
where a farm's ``number`` of attacks is at least 1 and mostly all one of
``early`` and ``late``); a product is its product column. An identity is a
statement about all rows, never one row's value, so storing it follows the
privacy rule.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .._columns import identity_tolerance, product_span, signed_span
from .constraints import COINCIDENCE

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from .numeric import Numbers

__all__ = [
    "Derived",
    "Found",
    "Sum",
    "detect_products",
    "detect_sums",
    "plan_derived",
]


@dataclass(frozen=True)
class Sum:
    """A number column that the sum of ``parts`` gives in every real row."""

    column: str
    parts: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.column} = {' + '.join(self.parts)}"


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
    whole numbers, within ``_columns.identity_tolerance`` of the magnitudes otherwise: 1e-9, or 1e-6 for
    ``float32`` columns). A sum is kept when each part is nonzero in at least ``min_count`` rows (``t = a + 0`` is no sum), and it is no coincidence: were the total
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
    # (t = a + b to a relative tolerance in every row makes t's own weighted magnitude at most the parts' (the
    # triangle inequality), so the projections differ by at most about twice the tolerance times the parts'; a
    # window set by the largest column instead let a pair of small columns match every other small one)
    tol = 8.0 * identity_tolerance(num.cast for num in cands) * bound
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
        bound = identity_tolerance([total.cast, *(part.cast for part in parts)]) * np.sum(
            [np.abs(v) for v in values], axis=0
        )
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
#: The seed of those rows.
_CHOICE_SEED = 7_919


Relation = tuple[str, str, bool]


@dataclass(frozen=True)
class Found:
    """What :func:`plan_derived` reads of a fit: the identities found, the order relations (``(low, high,
    strict)``), each column's least and greatest value in the model (``ranges``), the followers' leaders, each
    column's marginal (``columns``), the latent correlation over ``labels``, and each column's ``real`` values."""

    sums: Sequence[Sum]
    products: Sequence[Derived]
    relations: Sequence[Relation]
    ranges: Mapping[str, tuple[float, float]]
    leaders: set[str]
    columns: Mapping[str, Any]
    latent: NDArray[np.float64]
    labels: Sequence[str]
    real: Mapping[str, NDArray[np.float64]]


def _plan_once(facts: Found, banned: frozenset[str]) -> tuple[list[Derived], set[Relation], Limits]:
    """Which column of each identity the others give (none of ``banned``), the order relations that go with it,
    and the limits (least and greatest values) of columns those relations then rest on; an identity without such
    a column is not kept.

    A column may be derived only when nothing is lost:

    * every order relation it is in follows from an identity and limits on its columns that their real values
      keep: a part below its total where the other parts are never negative (limited to 0 and above), a part
      below its product where it is never negative and the other part at least 1 (and the mirror images);
    * it is in no other identity (a product's columns stay modelled for the sums that add it up) and leads no
      follower (``leaders``: a follower reads its leader's coordinate);
    * rounding it to its own last decimal keeps the identity (no other column has finer decimals);
    * the sampler can keep it in its own range, redrawing one of the others (in no kept order relation, no other
      identity, and no leader); or at least on its own side of 0, from the others' ranges alone (a count stays a
      count; its largest values may then pass the largest its own marginal gives). ``ranges`` are each column's
      least and greatest value in the model.

    Products are their product column or nothing. Of a sum's columns that may be, the one whose signed sum of
    the others, drawn from the fitted copula (``latent`` over ``labels``; each column's marginal from
    ``columns``), is nearest its ``real`` values (the Kolmogorov-Smirnov distance; the total on a tie). The
    relations dropped are those the derived columns were in, and an order between the two columns of a
    difference, which the difference's range keeps.
    """
    sums, products, relations, ranges, leaders = (
        facts.sums,
        facts.products,
        facts.relations,
        facts.ranges,
        facts.leaders,
    )
    columns, latent, labels, real = facts.columns, facts.latent, facts.labels, facts.real
    extremes = Extremes.of(real, ranges)
    least, most = extremes.least, extremes.most

    def implied(r: Relation) -> Limits | None:
        """The limits under which relation ``r`` follows from some identity (which must then be kept), or None."""
        for s in sums:
            if (found := _sum_implies(s, r, extremes)) is not None:
                return found
        for d in products:
            if (found := _product_implies(d, r, extremes)) is not None:
                return found
        return None

    uses: dict[str, int] = {}
    for identity in [*((s.column, *s.parts) for s in sums), *((d.column, *d.parts) for d in products)]:
        for c in identity:
            uses[c] = uses.get(c, 0) + 1
    units = {c: float(_units(np.asarray(v, dtype=np.float64)[None, :])[0]) for c, v in real.items()}
    out: list[Derived] = []
    dropped: set[Relation] = set()
    limits: Limits = {}

    def touching(c: str) -> list[Relation]:
        return [r for r in relations if c in r[:2]]

    def limited(c: str, extra: Limits) -> tuple[float, float]:
        low, high = ranges[c]
        for more in (limits, extra):
            if c in more:
                low, high = max(low, more[c][0]), min(high, more[c][1])
        return low, high

    def redrawable(d: Derived, kept: list[Relation]) -> bool:
        """Whether the sampler can redraw one of the column's parts to keep it in its own range."""
        held = {c for r in kept for c in r[:2]}
        return any(uses[p] == 1 and p not in leaders and p not in held for p in d.parts)

    def enforceable(d: Derived, kept: list[Relation], extra: Limits) -> bool:
        """Whether the column stays in bounds: the sampler can redraw a part to keep it in its own range, or its
        parts' ranges alone keep it on its own side of 0 (never negative where no real value is, never positive
        alike) and within its own range widened by its width on each side; and never beyond 2**50 (whole
        numbers there lose their last digits, and an integer column could wrap)."""
        span = _span(d, [limited(p, extra) for p in d.parts])
        if not (abs(span[0]) < _SUM_MAGNITUDE and abs(span[1]) < _SUM_MAGNITUDE):
            return False
        if redrawable(d, kept):
            return True
        low, high = ranges[d.column]
        width = high - low
        low, high = max(low - width, 0.0 if least[d.column] >= 0 else -math.inf), high + width
        high = min(high, 0.0) if most[d.column] <= 0 else high
        room = 1e-9 * max(abs(span[0]), abs(span[1]), 1.0)
        return span[0] >= low - room and span[1] <= high + room

    for d in products:
        near = touching(d.column)
        need = _joined([implied(r) for r in near])
        if d.column in leaders or d.column in banned or need is None:
            continue
        if enforceable(d, [r for r in relations if r not in near and r not in dropped], need):
            out.append(d)
            dropped.update(near)
            limits.update(_joined([limits, need]) or {})
    in_products = {c for d in out for c in (d.column, *d.parts)}
    at = {label: i for i, label in enumerate(labels)}
    for k, s in enumerate(sums):
        members = (s.column, *s.parts)
        allowed: dict[str, tuple[Derived, set[Relation], Limits]] = {}
        for c in members:
            if c in in_products or uses[c] > 1 or c in leaders or c in banned:
                continue
            near = touching(c)
            need = _joined([implied(r) for r in near])
            if need is None:
                continue
            if units[c] > 0 and any(units[o] < units[c] or units[o] == 0 for o in members if o != c):
                continue  # (rounded to its decimals, it would leave the identity where another has finer ones)
            parts, signs = _signed(s, c)
            d = Derived(c, parts, signs)
            # (a difference's range keeps the order of its two columns, where the sampler can redraw a part to
            # keep it: that relation goes, and they can move; else the relation stays, an order constraint)
            sign_of = set()
            if signs == (1, -1) and ranges[c][0] >= 0:
                sign_of = {(parts[1], parts[0], False), *([(parts[1], parts[0], True)] if ranges[c][0] > 0 else [])}
                sign_of &= set(relations)
                if not redrawable(d, [r for r in relations if r not in near and r not in sign_of and r not in dropped]):
                    sign_of = set()
            gone = set(near) | sign_of
            if enforceable(d, [r for r in relations if r not in gone and r not in dropped], need):
                allowed[c] = (d, gone, need)
        if not allowed:
            continue
        idx = [at[c] for c in members]
        factor = np.linalg.cholesky(latent[np.ix_(idx, idx)])
        z = np.random.default_rng([_CHOICE_SEED, k]).standard_normal((len(members), _CHOICE_ROWS))
        x = factor @ z
        drawn = {c: np.asarray(columns[c].from_latent(x[i]), dtype=np.float64) for i, c in enumerate(members)}
        distance = {
            c: _ks(real[c], np.sum([sign * drawn[p] for p, sign in zip(d.parts, d.signs, strict=True)], axis=0))
            for c, (d, _, _) in allowed.items()
        }
        chosen = min(allowed, key=lambda c: (distance[c], members.index(c)))
        d, gone, need = allowed[chosen]
        out.append(d)
        dropped.update(gone)
        limits.update(_joined([limits, need]) or {})
    return out, dropped, limits


def plan_derived(facts: Found) -> tuple[list[Derived], set[Relation], Limits]:
    """:func:`_plan_once`, again without the columns whose dropped relations rest on an identity that was not kept
    (a relation is dropped where some identity implies it: that one must hold in the samples too)."""
    banned: frozenset[str] = frozenset()
    sums, products = facts.sums, facts.products
    extremes = Extremes.of(facts.real, facts.ranges)
    while True:
        found, dropped, limits = _plan_once(facts, banned)
        kept = {d.column: d for d in found}
        holding = [s for s in sums if any(k.column in (s.column, *s.parts) and not k.product for k in found)]
        holding_products = [d for d in products if d.column in kept]
        unjustified = {
            c
            for r in dropped
            if not any(_sum_implies(s, r, extremes) is not None for s in holding)
            and not any(_product_implies(d, r, extremes) is not None for d in holding_products)
            for c in r[:2]
            if c in kept
        }
        if not unjustified:
            return found, dropped, limits
        banned = banned | unjustified


def _span(d: Derived, ranges: Sequence[tuple[float, float]]) -> tuple[float, float]:
    """The least and greatest value of ``d``'s column when each of its parts lies in its range (in order)."""
    return product_span(ranges) if d.product else signed_span(d.signs, ranges)


Limits = dict[str, tuple[float, float]]


@dataclass(frozen=True)
class Extremes:
    """What tells whether an order relation follows from an identity: each column's smallest and largest real
    value, its range in the model, and the shares of its real rows that hold 0 and 1 (``n`` rows)."""

    least: Mapping[str, float]
    most: Mapping[str, float]
    ranges: Mapping[str, tuple[float, float]]
    zeros: Mapping[str, float]
    ones: Mapping[str, float]
    n: int

    @classmethod
    def of(cls, real: Mapping[str, NDArray[np.float64]], ranges: Mapping[str, tuple[float, float]]) -> Extremes:
        return cls(
            {c: float(np.min(v)) for c, v in real.items()},
            {c: float(np.max(v)) for c, v in real.items()},
            ranges,
            {c: float(np.mean(v == 0.0)) for c, v in real.items()},
            {c: float(np.mean(v == 1.0)) for c, v in real.items()},
            min((len(v) for v in real.values()), default=0),
        )

    def strict_by_chance(self, q: float) -> bool:
        """Whether a strict order the model breaks in a share ``q`` of rows (where its columns tie) could have held
        in every real row by chance: its columns tie that often only where the real rows would have shown a tie
        with probability below :data:`COINCIDENCE` otherwise, so the strictness is a coincidence of few ties."""
        return (1.0 - min(q, 1.0)) ** self.n >= COINCIDENCE


def _sum_implies(s: Sum, relation: Relation, extremes: Extremes) -> Limits | None:
    """The limits on columns under which ``low <= high`` (``<``) follows from ``s``, when the real values keep
    them (``extremes``: each column's smallest and largest real value, and its range in the model); None when it
    does not follow. A part is below its total where the other parts are never negative (each limited to 0 and
    above; strictly where one of them is positive in the model too), above it where they are never positive."""
    e = extremes
    low, high, strict = relation
    if high == s.column and low in s.parts:
        others = [p for p in s.parts if p != low]
        ok = all(e.least[p] >= 0 for p in others)
        # (strictly: another part positive in the model too, or its parts all 0 at once too rarely to have shown)
        positive = any(e.ranges[p][0] > 0 for p in others)
        ok = ok and (not strict or positive or e.strict_by_chance(math.prod(e.zeros[p] for p in others)))
        return {p: (0.0, math.inf) for p in others} if ok else None
    if low == s.column and high in s.parts:
        others = [p for p in s.parts if p != high]
        ok = all(e.most[p] <= 0 for p in others)
        negative = any(e.ranges[p][1] < 0 for p in others)
        ok = ok and (not strict or negative or e.strict_by_chance(math.prod(e.zeros[p] for p in others)))
        return {p: (-math.inf, 0.0) for p in others} if ok else None
    return None


def _product_implies(d: Derived, relation: Relation, extremes: Extremes) -> Limits | None:
    """As :func:`_sum_implies` for a product: a part is below its product where it is never negative and the other
    part is at least 1, above it where it is never negative and the other part at most 1 (strictly where the
    model's ranges keep them positive, and the other part above or below 1)."""
    e = extremes
    low, high, strict = relation
    if high == d.column and low in d.parts:
        part, other = low, d.parts[1] if low == d.parts[0] else d.parts[0]
        ok = e.least[part] >= 0 and e.least[other] >= 1
        clear = e.ranges[part][0] > 0 and e.ranges[other][0] > 1
        ok = ok and (not strict or clear or e.strict_by_chance(e.zeros[part] + e.ones[other]))
        return {part: (0.0, math.inf), other: (1.0, math.inf)} if ok else None
    if low == d.column and high in d.parts:
        part, other = high, d.parts[1] if high == d.parts[0] else d.parts[0]
        ok = e.least[part] >= 0 and e.most[other] <= 1
        clear = e.ranges[part][0] > 0 and e.ranges[other][1] < 1
        ok = ok and (not strict or clear or e.strict_by_chance(e.zeros[part] + e.ones[other]))
        return {part: (0.0, math.inf), other: (-math.inf, 1.0)} if ok else None
    return None


def _joined(found: Sequence[Limits | None]) -> Limits | None:
    """The limits every one of ``found`` needs together, or None when one of them does not follow."""
    out: Limits = {}
    for limits in found:
        if limits is None:
            return None
        for c, (low, high) in limits.items():
            was = out.get(c, (-math.inf, math.inf))
            out[c] = (max(was[0], low), min(was[1], high))
    return out


def _signed(s: Sum, column: str) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """The other columns of sum ``s`` and their signs that give ``column``: the parts (all +) for the total, else
    the total less the other parts."""
    if column == s.column:
        return s.parts, (1,) * len(s.parts)
    others = tuple(p for p in s.parts if p != column)
    return (s.column, *others), (1, *(-1 for _ in others))


def _ks(a: NDArray[np.float64], b: NDArray[np.float64]) -> float:
    """The two-sample Kolmogorov-Smirnov statistic: the largest gap between the empirical CDFs of ``a`` and ``b``."""
    return ks_sorted(np.sort(a), np.sort(b))


def ks_sorted(a: NDArray[np.float64], b: NDArray[np.float64]) -> float:
    """:func:`_ks` of two sorted samples (0 when either is empty)."""
    if not len(a) or not len(b):
        return 0.0
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
