"""Fit step: order constraints (``a < b``, ``a <= b``) declared in ``fit(constraints=...)`` or found in the data.

A relation is *detected* between two numeric (or two date) columns when it
holds in every real row where both have a value, and it is not a
coincidence of the two marginals:

* at least ``2 * min_count`` rows hold both values (support);
* were the two columns independent, all those rows would satisfy it with
  probability below :data:`COINCIDENCE` (``(1 - q)^m``, with ``q`` the share of
  pairs of their values that break it): ``age < 120`` next to ``height_cm``
  is not a relation between the two, ``signup <= last_login`` is;
* ``a == b`` in every row is an identity, not an order, and is left out.

Relations implied by two others (``a <= c`` given ``a <= b`` and ``b <= c``)
are dropped, so ``inspect`` lists a chain once. The model stores them as it
stores a schema's, and every sampled row satisfies them (the constraint
stage in ``_model``). A relation is a statement about all rows, never one
row's value, so storing it follows the privacy rule. Declared constraints must
hold in the data (a constraint the real rows break is refused, naming how many).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .._columns import ConditionalColumn
from .._constraints import (
    FixedCombinations,
    LessThan,
    Predicate,
    Range,
    Unique,
    parse_constraint,
    propagate_order_ends,
    range_end,
)
from ..errors import InvalidArgument, InvalidConstraint

if TYPE_CHECKING:
    import pandas as pd
    from numpy.typing import NDArray

    from .numeric import Numbers

__all__ = [
    "COINCIDENCE",
    "Follower",
    "check_declared",
    "detect_followers",
    "detect_order",
    "narrowed",
    "read_constraints",
]

#: A relation that independent columns would satisfy in every row with at least this probability is a
#: coincidence of their ranges, not a relation (and is not kept).
COINCIDENCE = 1e-3

#: Rows (of the fit's correlation rows) the first pass screens every pair of columns on.
_SCREEN_ROWS = 4096
#: Values per column that estimate how often independent draws of two columns break a relation.
_SORT_ROWS = 1024


def read_constraints(constraints: Any, frame: pd.DataFrame) -> list[Any]:
    """Check ``fit(constraints=...)``: ``sd.LessThan``, ``sd.Range``, ``sd.FixedCombinations`` or strings, on the frame."""
    if constraints is None:
        return []
    if isinstance(constraints, (str, LessThan, Range, FixedCombinations, Unique, Predicate)):
        constraints = [constraints]
    if not isinstance(constraints, Sequence):
        raise InvalidConstraint(
            f"constraints={constraints!r}: pass a list of sd.LessThan('a', 'b'), sd.Range('age', 18, 65) or strings "
            "such as 'a < b' or '18 <= age <= 65'."
        )
    out: list[Any] = []
    for item in constraints:
        if isinstance(item, str):
            out.extend(parse_constraint(item))
        elif isinstance(item, (LessThan, Range, FixedCombinations, Unique, Predicate)):
            out.append(item)
        else:
            raise InvalidConstraint(
                f"constraint {item!r}: fit() takes sd.LessThan('a', 'b'), sd.Range('age', 18, 65) or strings such as "
                "'a < b' or '18 <= age <= 65'."
            )
    for constraint in out:
        if isinstance(constraint, Predicate):
            constraint.resolve(str(constraint))
            continue
        if isinstance(constraint, FixedCombinations):
            names = constraint.columns
        elif isinstance(constraint, Unique):
            names = [constraint.column]
        elif isinstance(constraint, Range):
            names = [constraint.column]
        else:
            names = [constraint.low, constraint.high]
        for col in names:
            if col not in frame.columns:
                raise InvalidConstraint(
                    f"constraint '{constraint}' names {col!r}, which the DataFrame does not have; it has "
                    f"{list(frame.columns)}."
                )
        if isinstance(constraint, LessThan) and constraint.low == constraint.high:
            raise InvalidConstraint(f"constraint '{constraint}' compares column {constraint.low!r} with itself.")
    return out


def _comparable(numbers: Numbers) -> NDArray[Any]:
    """The column's values in a unit shared by its family: floats (NaN missing), or int64 nanoseconds."""
    if numbers.unit is None:
        return numbers.values
    out = np.zeros(len(numbers.values), dtype=np.int64)
    present = numbers.present
    out[present] = numbers.values[present].astype(np.int64) * numbers.unit.ns
    return out


def check_declared(constraints: Sequence[Any], numbers: Sequence[Numbers]) -> None:
    """Raise if a declared order constraint or range names the wrong kinds of column, or if real rows break it."""
    by_column = {n.column: n for n in numbers}
    for c in constraints:
        if isinstance(c, (FixedCombinations, Unique, Predicate)):
            continue  # (combinations hold in the data by construction; row rules: :func:`check_rows`)
        if isinstance(c, Range):
            column = by_column.get(c.column)
            if column is None:
                raise InvalidConstraint(
                    f"constraint '{c}': ranges bound numeric or date columns; check the kind fit found "
                    "(model.info['columns']) or declare it with columns=."
                )
            values = _comparable(column)[column.present]
            broken = np.zeros(len(values), dtype=bool)
            for end, strict, low in ((c.low, c.low_strict, True), (c.high, c.high_strict, False)):
                if end is not None:
                    t = range_end("numeric" if column.unit is None else "datetime", end, c, "")
                    broken |= (
                        (values <= t if strict else values < t) if low else (values >= t if strict else values > t)
                    )
            count, total = int(broken.sum()), len(values)
        else:
            a, b = by_column.get(c.low), by_column.get(c.high)
            if a is None or b is None or (a.unit is None) != (b.unit is None):
                raise InvalidConstraint(
                    f"constraint '{c}': order constraints compare two numeric columns or two date columns; check the "
                    "kinds fit found (model.info['columns']) or declare them with columns=."
                )
            both = a.present & b.present
            va, vb = _comparable(a)[both], _comparable(b)[both]
            count, total = int(np.count_nonzero(va >= vb if c.strict else va > vb)), int(both.sum())
        if count:
            raise InvalidConstraint(
                f"constraint '{c}' does not hold in {count:,} of the {total:,} real rows where it applies; a model "
                "cannot promise what the data breaks. Fix or drop those rows, or leave the constraint out."
            )


def check_rows(constraints: Sequence[Any], frame: pd.DataFrame, name: str) -> None:
    """Raise if the real rows break a declared Unique or Predicate (a model cannot promise what the data breaks)."""
    for c in constraints:
        if isinstance(c, Unique):
            broken = int(c.failing(frame).sum())
        elif isinstance(c, Predicate):
            broken = int(c.failing(frame, name).sum())
        else:
            continue
        if broken:
            raise InvalidConstraint(
                f"constraint {c!r} does not hold in {broken:,} of the {len(frame):,} real rows; a model cannot "
                "promise what the data breaks. Fix or drop those rows, or leave the constraint out."
            )


def detect_order(numbers: Sequence[Numbers], *, rows: NDArray[np.int64], min_count: int) -> list[LessThan]:
    """Return the order relations that hold in every row (see the module docstring), implied ones left out."""
    found: list[LessThan] = []
    for family in (
        [n for n in numbers if n.unit is None],
        [n for n in numbers if n.unit is not None],
    ):
        if len(family) >= 2:
            found.extend(_detect(family, rows=rows, min_count=min_count))
    return _reduce(found)


def _detect(family: Sequence[Numbers], *, rows: NDArray[np.int64], min_count: int) -> list[LessThan]:
    values = [_comparable(n) for n in family]
    present = [n.present for n in family]
    everywhere = [bool(p.all()) for p in present]
    n = len(values[0])
    screen = rows if len(rows) <= _SCREEN_ROWS else rows[:: math.ceil(len(rows) / _SCREEN_ROWS)]
    sub = np.stack([v[screen] for v in values]).astype(np.float64)  # (d, s): the screen, NaN where missing
    if all(everywhere):  # (no NaN: numpy's min and max are nanmin's and nanmax's)
        sub_present = np.ones(sub.shape, dtype=bool)
        low, high = sub.min(axis=1), sub.max(axis=1)
        full_screen: list[bool] = everywhere
    else:
        sub_present = np.stack([p[screen] for p in present])
        sub[~sub_present] = np.nan
        # (numpy's nanmin and nanmax of an array, without their warning for an all-missing screen, which gives
        # NaN: pruned by nothing; fmin and fmax skip NaN and raise nothing, so no warning filter is set up)
        low, high = np.fmin.reduce(sub, axis=1), np.fmax.reduce(sub, axis=1)
        full_screen = np.all(sub_present, axis=1).tolist()
    ordered: dict[int, NDArray[np.float64]] = {}  # screened values sorted, for the columns that need them

    def sorted_values(i: int) -> NDArray[np.float64]:
        if i not in ordered:
            seen = sub[i][sub_present[i]]
            ordered[i] = np.sort(seen[:: math.ceil(seen.size / _SORT_ROWS)] if seen.size > _SORT_ROWS else seen)
        return ordered[i]

    least = math.log(COINCIDENCE)
    out = []
    for i, j in _candidates(sub, low, high, full_screen):
        ai, bj = sorted_values(i), sorted_values(j)
        if not ai.size or not bj.size:
            continue
        # q: the share of pairs of their (screened) values that break a_i <= b_j; 0 when the ranges do not meet
        q = float(np.searchsorted(bj, ai, side="left").sum()) / (ai.size * bj.size)
        if q <= 0.0:
            continue
        if everywhere[i] and everywhere[j]:
            a, b, m = values[i], values[j], n
        else:
            both = present[i] & present[j]
            a, b, m = values[i][both], values[j][both], int(np.count_nonzero(both))
        # (1 - q)^m: how likely independent columns keep the relation in all m rows
        if m < 2 * min_count or m * math.log1p(-min(q, 1.0 - 1e-16)) >= least:
            continue
        if bool(np.any(a > b)) or bool(np.array_equal(a, b)):
            continue
        out.append(LessThan(family[i].column, family[j].column, strict=not bool(np.any(a == b))))
    return out


def _candidates(
    sub: NDArray[np.float64], low: NDArray[np.float64], high: NDArray[np.float64], full: list[bool]
) -> list[tuple[int, int]]:
    """Pairs (i, j), i != j, with ``a_i <= b_j`` in every screened row where both are present (vectorised)."""
    d = len(sub)
    ok = np.ones((d, d), dtype=bool)
    np.fill_diagonal(ok, False)
    complete = np.array(full, dtype=bool)
    both = complete[:, None] & complete[None, :]
    ok &= ~(both & ((low[:, None] > low[None, :]) | (high[:, None] > high[None, :])))  # min/max must agree
    with np.errstate(invalid="ignore"):
        ok &= ~(high[:, None] <= low[None, :])  # ranges that do not meet: a coincidence, never kept
    # the pairs the ranges left, compared row by row (a few at a time: at most ~4e6 comparisons per pass)
    left, right = np.nonzero(ok)
    step = max(1, 4_000_000 // max(sub.shape[1], 1))
    with np.errstate(invalid="ignore"):  # (NaN compares False: a missing value breaks nothing)
        for first in range(0, len(left), step):
            i, j = left[first : first + step], right[first : first + step]
            ok[i, j] = ~(sub[i] > sub[j]).any(axis=1)
    return [(int(i), int(j)) for i, j in zip(*np.nonzero(ok), strict=True)]


def _reduce(found: list[LessThan]) -> list[LessThan]:
    """Drop relations implied by two others (a <= b and b <= c imply a <= c; strict if either is)."""
    edge = {(c.low, c.high): c.strict for c in found}
    keep = []
    for c in found:
        implied = any(
            (c.low, mid) in edge
            and (mid, c.high) in edge
            and (edge[(c.low, mid)] or edge[(mid, c.high)] or not c.strict)
            for mid in {h for (lo, h) in edge if lo == c.low}
        )
        if not implied:
            keep.append(c)
    return keep


def order_room(columns: dict[str, Any], constraints: Sequence[tuple[str, str, bool]]) -> None:
    """Narrow the bounds of order-constrained columns (in ``columns``, in place) to what their neighbours leave.

    The private bounds of two columns come from each one's own tail, so in ``a < b`` the upper bound of ``a`` may
    lie above that of ``b`` (or the lower bound of ``b`` below that of ``a``), and a row drawn near it could only
    keep the constraint with a value outside the other column's range. Every real row keeps the constraint, so
    the real values lie inside the narrowed bounds: each column's least value is raised to one above its lower
    neighbours' least, and its greatest lowered to one below its upper neighbours' greatest (on its grid, one step
    for a strict order), along every chain. A column that would be left no value keeps its bounds.
    """
    if not constraints:
        return
    names = list(dict.fromkeys(name for a, b, _ in constraints for name in (a, b)))

    def envelope(col: Any) -> tuple[float, float]:
        levels = col.levels if isinstance(col, ConditionalColumn) else [col]
        return min(float(lv.bounds[0]) for lv in levels), max(float(lv.bounds[1]) for lv in levels)

    ends = propagate_order_ends(columns, constraints, {name: list(envelope(columns[name])) for name in names})

    for name in names:
        col, (low, high) = columns[name], ends[name]
        if not low <= high or (low, high) == envelope(col):
            continue  # (no room, or nothing to narrow)
        try:
            columns[name] = narrowed(col, low, high)
        except InvalidArgument:  # pragma: no cover - a group left no value of its own: the column keeps its bounds
            continue


def narrowed(col: Any, low: float, high: float) -> Any:
    """``col`` (a number column, or one fitted per segment group: each group's and its base's) with its bounds
    narrowed to ``[low, high]`` where they reach beyond; as it is where nothing is narrowed or no value is left."""
    if isinstance(col, ConditionalColumn):
        levels = [narrowed(level, low, high) for level in col.levels]
        base = narrowed(col.base, low, high)
        if base is col.base and all(a is b for a, b in zip(levels, col.levels, strict=True)):
            return col
        return ConditionalColumn(col.name, base=base, given=col.given, groups=col.groups, levels=levels)
    lo, hi = max(float(col.bounds[0]), low), min(float(col.bounds[1]), high)
    return col if (lo, hi) == tuple(col.bounds) or lo > hi else col.with_bounds(lo, hi)


#: A follower and its leader have at least this many distinct values (two values: one-hot and dummy columns).
FOLLOWER_MIN_VALUES = 3


@dataclass(frozen=True)
class Follower:
    """A number or date column that a monotone function of ``leader`` gives in every real row."""

    column: str
    leader: str
    decreasing: bool

    def __str__(self) -> str:
        return f"{self.column} {'decreases' if self.decreasing else 'increases'} with {self.leader}"


def detect_followers(numbers: Sequence[Numbers], *, min_count: int, taken: set[str]) -> list[Follower]:
    """Return the columns whose values a monotone function of an earlier column gives in every row.

    Two columns without missing values, each of at least :data:`FOLLOWER_MIN_VALUES` distinct values in
    at least ``2 * min_count`` rows, where sorting the rows by one sorts the other (ascending or descending,
    ties where the other has ties): their ranks among their own distinct values are equal, or mirrored
    (``log_wage`` and ``wage``, ``awake`` and ``asleep`` as ``24 - asleep``, a date and its year's count of
    days). The first such column in frame order leads; every later one follows it. Columns in ``taken``
    (overridden, or in a declared constraint) are left alone. Ranks kept by the marginal fit are read
    (:class:`~pytest_synthdata._fit.numeric.Ranks`): one pass over each column.
    """
    seen: dict[tuple[int, bytes], str] = {}  # each leader's ranks (and its mirrored ranks): its name
    mirrored: dict[tuple[int, bytes], str] = {}
    out: list[Follower] = []
    for num in numbers:
        if num.column in taken or not num.present.all() or len(num.values) < 2 * min_count:
            continue
        if num.ranks is not None and len(num.ranks.rank) == len(num.values):
            held = np.zeros(num.ranks.m, dtype=bool)
            held[num.ranks.rank] = True
            k = int(np.count_nonzero(held))
            dense = (np.cumsum(held, dtype=np.int64) - 1)[num.ranks.rank]
        else:
            distinct, dense = np.unique(num.values, return_inverse=True)
            k = len(distinct)
        if k < FOLLOWER_MIN_VALUES:
            continue
        dense = dense.astype(np.int64, copy=False)
        key = (k, dense.tobytes())
        if key in seen:
            out.append(Follower(num.column, seen[key], decreasing=False))
        elif key in mirrored:
            out.append(Follower(num.column, mirrored[key], decreasing=True))
        else:
            seen[key] = num.column
            mirrored[(k, (k - 1 - dense).tobytes())] = num.column
    return out
