"""Edge cases and class balancing of ``Model.sample``: which rows are what, as per-row conditions.

``sample(n, edge_cases=r)`` makes exactly ``round(r * n)`` rows edge cases,
each of one kind in one column:

* ``tail``: a numeric or date value at or beyond the column's 1st or 99th
  percentile (its latent score in the outer 1% on that side);
* ``bound``: the value on the column's declared or stored bound (drawn with the
  column's score in its outer 0.1% on that side, then moved onto the bound);
* ``rare``: a category (or boolean) of the column, rare ones first (below);
* ``null``: a missing value, in a column that is sometimes missing;
* ``text``: the shortest, longest or first non-ASCII value of a Faker
  column's pool (not ``unique`` ones: every row there is a distinct value).

A column in an order constraint takes tails and bounds only where its neighbours' ranges leave room
(``Model._order_ends``): an edge value never forces a neighbour outside its own range.

Every edge row except ``text`` is a row with a per-row condition
(``_conditions``): its other columns follow the copula *given* the edge value,
exactly, so an extreme age comes with a plausible income. Rows that are not
edge rows are the very rows ``sample(n)`` gives. Under ``conditions=`` or
``balance=`` the slots and variants are only those possible under every edge
row's conditions (:func:`possible_slots`); with none, edge rows are ordinary rows.

Which rows (``docs/explanation/math.md`` §14): an edge-row pattern that is
exact (``round(r * n)`` edge rows among the first ``n``) for *every* ``n`` and
also row-stable (``sample(n)`` a prefix of ``sample(m)``) is unique: row ``i``
must be an edge row exactly when ``round(r * (i + 1)) > round(r * i)``. So the
rows are that Beatty pattern of ``r`` (every fifth row at ``r = 0.2``), the same
for every seed; the seed decides the kind and column of each: the ``j``-th
edge row takes the slot (kind, column) that ``frac(phi + j * g)`` falls in
(``g`` the golden ratio's fraction, ``phi`` a hash of the seed), the slots
sharing [0, 1) evenly by kind and, within a kind, evenly by column. A slot's
``m``-th row takes the slot's variants in turn: tails and bounds alternate low
and high, text goes shortest, longest, non-ASCII; ``rare`` shows each of the
column's ``K`` categories once (rarest first), then cycles through its rare
ones (probability below ``1 / (2K)``; all of them when none is). So with at
least ``K`` rare edge rows in a column every category appears.

``balance=`` conditions every row on one class of a column: the classes'
counts are their shares of ``n`` by largest remainder, and class ``k``'s
``c``-th row sits where ``(c + 0.5) / share_k`` falls among all classes'
(ties by class order), so classes are interleaved evenly.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import special

from ._conditions import FLOOR, Condition, _monotone_intervals, conditioned_rows, parse, possible, row_conditions
from ._latent import Pin, Pinned
from ._tmvn import counter_uniforms
from ._validate import check_share
from .errors import InvalidArgument

if TYPE_CHECKING:
    import pandas as pd
    from numpy.typing import NDArray

    from ._latent import LatentSource
    from ._model import Model

__all__ = ["KINDS", "EdgeCases", "RowPlan", "edge_plan", "edge_rows", "edge_slots", "plan_rows", "possible_slots"]

#: The edge-case kinds, in the order the default mix lists them.
KINDS = ("tail", "bound", "rare", "null", "text")
#: A tail edge lies beyond this share of the column's marginal on its side (the 1st / 99th percentile).
TAIL = 0.01
#: A bound edge is drawn with the column's latent score in this outer share on its side, then put on the bound.
BOUND_TAIL = 1e-3
#: A category is rare when its probability is below this share of an even split (1 / K).
RARE_SHARE = 0.5
#: ``balance="<numeric column>"``: equal-width bins between the 1st and 99th percentile (the outer two open).
NUMERIC_BINS = 4
#: Counter-based stream of the edge slots' phase (see ``_latent``'s streams 1 - 3).
STREAM_EDGES = 4
#: The golden ratio's fraction: j * g mod 1 spreads any prefix of slots evenly (a Weyl sequence).
_GOLDEN = (math.sqrt(5.0) - 1.0) / 2.0
#: Latent scores at the ends of every column (as in ``_conditions``).
_EDGE = 37.5


class EdgeCases(dict):  # type: ignore[type-arg]
    """The edge rows of a sample (``df.attrs["synthdata"]["edges"]``): row, column, kind and detail of each.

    A read-only dict of four equally long tuples, ``row`` (ints), ``column``,
    ``kind`` and ``detail`` (e.g. ``"high"``, ``"'enterprise'"``,
    ``"longest"``), so ``pd.DataFrame(edges)`` is the table and it survives
    whatever keeps a frame's ``attrs`` (JSON in a Parquet file, pickle);
    ``.frame`` gives that DataFrame. pandas copies a frame's ``attrs`` with
    every operation: this one is shared, never copied.
    """

    def __init__(self, row: NDArray[np.int64], column: NDArray[Any], kind: NDArray[Any], detail: NDArray[Any]) -> None:
        super().__init__(
            row=tuple(row.tolist()),
            column=tuple(column.tolist()),
            kind=tuple(kind.tolist()),
            detail=tuple(detail.tolist()),
        )

    def __len__(self) -> int:
        return len(self["row"])

    def _read_only(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError("the edge-case record of a sample is read-only; copy it with dict(...) to change it.")

    __setitem__ = __delitem__ = update = pop = popitem = clear = setdefault = __ior__ = _read_only  # type: ignore[assignment]

    def __copy__(self) -> EdgeCases:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> EdgeCases:
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (_edge_cases, (dict(self),))

    @property
    def frame(self) -> pd.DataFrame:
        """The edge rows as a DataFrame: ``row`` (int64), ``column``, ``kind`` and ``detail`` (str)."""
        import pandas as pd

        frame = pd.DataFrame({"row": np.array(self["row"], dtype=np.int64)})
        for key in ("column", "kind", "detail"):
            frame[key] = np.array(self[key], dtype=object)
        return frame.astype({"column": str, "kind": str, "detail": str})  # (str: pandas 3's text dtype, else object)

    def __repr__(self) -> str:
        counts: dict[str, int] = {}
        for k in self["kind"]:
            counts[k] = counts.get(k, 0) + 1
        return f"EdgeCases({len(self)} rows: {', '.join(f'{k} {c}' for k, c in counts.items()) or 'none'})"


def _edge_cases(fields: dict[str, Any]) -> EdgeCases:
    """Rebuild a pickled EdgeCases."""
    return EdgeCases(*(np.asarray(fields[k]) for k in ("row", "column", "kind", "detail")))


def edge_rows(rate: float, n: int) -> NDArray[np.bool_]:
    """Return which of ``n`` rows are edge rows at ``rate``: row ``i`` when ``round(rate * (i + 1)) > round(rate * i)``.

    Every prefix of ``k`` rows holds exactly ``round(rate * k)`` of them (numpy's
    and Python's ``round``: half to even), the only pattern with that property.

    >>> edge_rows(0.2, 10).nonzero()[0].tolist()
    [2, 7]
    """
    counts = np.rint(rate * np.arange(n + 1, dtype=np.float64))
    return np.diff(counts) > 0


@dataclass(frozen=True)
class _Variant:
    """One way a slot makes an edge row: a condition on the row, and a pin (coordinate interval or uniform)."""

    detail: str
    condition: Condition | None = None
    coord: int | None = None
    low: float = -math.inf
    high: float = math.inf
    aux: int | None = None
    value: float = 0.0


@dataclass(frozen=True)
class _Slot:
    """A (kind, column) an edge row can be, its variants and, for ``rare``, the rare variants cycled after one round."""

    kind: str
    column: str
    variants: tuple[_Variant, ...]
    rare: tuple[int, ...] = ()

    def pick(self, m: NDArray[np.int64]) -> NDArray[np.int64]:
        """The variant of the slot's ``m``-th edge rows."""
        k = len(self.variants)
        if self.kind != "rare" or not self.rare or len(self.rare) == k:
            return m % k
        cycle = np.asarray(self.rare, dtype=np.int64)
        return np.where(m < k, m, cycle[np.maximum(m - k, 0) % len(cycle)])


@dataclass(frozen=True)
class RowPlan:
    """What ``sample()`` draws each row under: condition sets, pins, and the edge rows' record."""

    keys: list[tuple[Condition, ...]]
    which: NDArray[np.intp]
    pins: list[Pin]
    edges: EdgeCases | None

    def source(self, model: Model, inner: LatentSource, n: int, *, floor: float = FLOOR) -> LatentSource:
        """Return ``inner`` with every row drawn under its conditions and pins (``floor``: see ``conditioned_rows``)."""
        source = inner
        if any(self.keys):
            source = conditioned_rows(model, inner, self.keys, self.which, n, floor=floor)
        if self.pins:
            source = Pinned(source, self.pins)
        return source


# arguments -------------------------------------------------------------------------------------------


def _names(value: Any, argument: str, allowed: Sequence[str], what: str) -> list[str]:
    """``value`` (a name or a list of names) as a list of names from ``allowed``; else raise InvalidArgument."""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, (list, tuple, set, frozenset)) or not all(isinstance(v, str) for v in items):
        raise InvalidArgument(
            f"{argument}={value!r} ({type(value).__name__}) is not a list of {what}; pass e.g. "
            f"{argument}={list(allowed[:2])!r}."
        )
    if not items:
        raise InvalidArgument(f"{argument}=[] selects nothing; leave it out for all, or name some of {list(allowed)}.")
    unknown = [v for v in items if v not in allowed]
    if unknown:
        raise InvalidArgument(f"{argument}={value!r} names {unknown}, which are not {what}; they are {list(allowed)}.")
    ordered = sorted(items, key=list(allowed).index) if isinstance(items, (set, frozenset)) else list(items)
    return list(dict.fromkeys(ordered))


# slots -----------------------------------------------------------------------------------------------


def _numeric(col: Any) -> bool:
    """Whether a column has tails and bounds to give edge rows: a modelled number or date column of more than
    one value (a constant one would list edge rows whose value is the same as every other row's)."""
    from ._columns import ConditionalColumn, NumericColumn

    base = col.base if isinstance(col, ConditionalColumn) else col
    if not (col.modelled and isinstance(base, NumericColumn)):
        return False
    ranges = [level.value_range() for level in getattr(col, "levels", [base])]
    return not all(math.isfinite(lo) and lo == hi for lo, hi in ranges)


def _tail_slot(model: Model, col: Any) -> _Slot | None:
    if not _numeric(col):
        return None
    low, high = float(special.ndtri(TAIL)), float(special.ndtri(1.0 - TAIL))
    pct = f"{TAIL:.0%}"
    # a column in an order constraint: its tails end where its neighbours' ranges leave room (an at-bat count
    # in its lowest 1% below a chain of strict inequalities would push the counts under it below 0)
    lowest, highest = _order_room(model, col)
    variants = tuple(
        _Variant(name, Condition(col.name, "latent", low=lo, high=hi, label=f"{side} {pct} tail"))
        for name, side, lo, hi in (("low", "lower", lowest, low), ("high", "upper", high, highest))
        if lo < hi
    )
    return _Slot("tail", col.name, variants) if variants else None


def _order_room(model: Model, col: Any) -> tuple[float, float]:
    """The latent scores between which a plain numeric column's values leave its order constraints room (every
    score when it has none, or is of another kind)."""
    from ._columns import ConditionalColumn, NumericColumn

    # (a column fitted per segment group reads one coordinate through each group's marginal: the room is the
    # latent scores every group's values leave it)
    levels = list(col.levels) if isinstance(col, ConditionalColumn) else [col]
    if any(type(level) is not NumericColumn or level.offset for level in levels) or not any(
        col.name in (a, b) for a, b, _ in model._order_constraints
    ):
        return -math.inf, math.inf
    least, greatest = model._order_ends[col.name]
    low, high = -math.inf, math.inf
    for level in levels:
        if math.isfinite(least):
            at = _monotone_intervals(level.from_latent, np.array([least]), np.array([math.inf]))[0][0]
            low = max(low, float(at))
        if math.isfinite(greatest):
            at = _monotone_intervals(level.from_latent, np.array([-math.inf]), np.array([greatest]))[1][0]
            high = min(high, float(at))
    return low, high


def _unique(model: Model, col: Any) -> bool:
    """Whether a row constraint keeps the column's values distinct (edges that repeat one value would break it)."""
    from ._constraints import Unique

    return any(isinstance(c, Unique) and c.column == col.name for c in model._row_constraints)


def _bound_slot(model: Model, col: Any) -> _Slot | None:
    from ._columns import ConditionalColumn, NumericColumn

    if isinstance(col, ConditionalColumn):
        return _group_bound_slot(model, col)
    if not (_numeric(col) and isinstance(col, NumericColumn)) or col.offset or any(col.inf_rates):
        return None
    if _unique(model, col):
        return None
    j = model.latent_space.coordinate(col.name)
    values = col.value_range()
    variants = []
    for side, (declared, value) in enumerate(zip(col.bounds, values, strict=True)):
        if not math.isfinite(declared) or not math.isfinite(value):
            continue
        if not _bound_keeps_order(model, col.name, side, value):
            continue
        lo, hi = _monotone_intervals(col.from_latent, np.array([value]), np.array([value]))
        a, b = float(lo[0]), float(hi[0])
        if a > b:  # pragma: no cover - the end of the column's range is one of its values
            continue
        name = ("low", "high")[side]
        if side:
            region = (min(a, float(special.ndtri(1.0 - BOUND_TAIL))), b)
        else:
            region = (a, max(b, float(special.ndtri(BOUND_TAIL))))
        cond = Condition(col.name, "latent", low=region[0], high=region[1], label=f"{name} bound {col.show(value)}")
        variants.append(_Variant(name, cond, coord=j, low=a, high=b))
    return _Slot("bound", col.name, tuple(variants)) if variants else None


def _bound_keeps_order(model: Model, column: str, side: int, value: float) -> bool:
    """Whether ``column`` at ``value``, its low (``side`` 0) or high bound, leaves its order constraints room: every
    lower neighbour can go below it (side 0), every upper one above it (side 1), within their own ranges. A bound
    edge that cannot would push a neighbour past its range (a negative count below a count held at 0)."""
    near = (
        [(a, strict) for a, b, strict in model._order_constraints if b == column]
        if side == 0
        else [(b, strict) for a, b, strict in model._order_constraints if a == column]
    )
    if not near:
        return True
    ends = model._order_ends
    for other, strict in near:
        reach = ends[other][side]
        if side == 0 and (reach > value or (strict and reach >= value)):
            return False
        if side == 1 and (reach < value or (strict and reach <= value)):
            return False
    return True


def _group_bound_slot(model: Model, col: Any) -> _Slot | None:
    """Bound edges of a column fitted per segment group: each row on its own group's bound.

    The row is drawn with the column's score in its outer :data:`BOUND_TAIL` share on that side (within its
    group, where the value map is monotone), and the sample puts the value on its group's stored bound
    (``Model._exact_bounds``): a group's end has probability 0 under its continuous marginal.
    """
    from ._columns import NumericColumn

    levels = col.levels
    if not col.modelled or _unique(model, col) or not all(type(level) is NumericColumn for level in levels):
        return None
    if any(level.offset or any(level.inf_rates) for level in levels):
        return None
    variants = []
    for side, name in enumerate(("low", "high")):
        if not all(math.isfinite(level.bounds[side]) for level in levels):
            continue
        # (every group's bound must leave the order constraints room: the outermost one decides)
        outermost = max(level.bounds[side] for level in levels) if side else min(level.bounds[side] for level in levels)
        if not _bound_keeps_order(model, col.name, side, outermost):
            continue
        if side:
            region = (float(special.ndtri(1.0 - BOUND_TAIL)), math.inf)
        else:
            region = (-math.inf, float(special.ndtri(BOUND_TAIL)))
        label = f"{name} bound of its {col.given!r} group"
        variants.append(_Variant(name, Condition(col.name, "latent", low=region[0], high=region[1], label=label)))
    return _Slot("bound", col.name, tuple(variants)) if variants else None


def _rare_slot(model: Model, col: Any) -> _Slot | None:
    from ._columns import BooleanColumn, CategoryColumn, ConditionalColumn

    base = col.base if isinstance(col, ConditionalColumn) else col  # (fitted per group: its overall frequencies)
    if not (col.modelled and isinstance(base, (CategoryColumn, BooleanColumn))):
        return None
    values = [False, True] if isinstance(base, BooleanColumn) else list(base.categories)
    probs = np.asarray(base.discrete.probs, dtype=np.float64)
    if isinstance(col, ConditionalColumn):  # (a value no group keeps, each having seen it too rarely: none)
        levels: list[Any] = list(col.levels)  # (category levels, as the base: each holds its discrete probabilities)
        given = [np.asarray(level.discrete.probs, dtype=np.float64) for level in levels]
        if all(len(p) == len(probs) for p in given):
            probs = np.where(np.max(given, axis=0) >= FLOOR, probs, 0.0)
    kept = [k for k in np.argsort(probs, kind="stable") if probs[k] >= FLOOR]  # (rarer: conditioning refuses it)
    if len(kept) < 2:
        return None
    variants = tuple(_Variant(repr(values[k]), Condition(col.name, "values", values=(values[k],))) for k in kept)
    share = RARE_SHARE / len(probs)
    rare = tuple(i for i, k in enumerate(kept) if probs[k] < share)
    return _Slot("rare", col.name, variants, rare)


def _null_slot(model: Model, col: Any) -> _Slot | None:
    if not 0.0 < col.null_rate < 1.0 or getattr(col, "computed", False):
        return None
    return _Slot("null", col.name, (_Variant("missing", Condition(col.name, "null")),))


#: Per pool (by identity; pools are cached per process): the indices of its shortest, longest and first non-ASCII value.
_TEXT_PICKS: dict[int, tuple[Any, dict[str, int]]] = {}


def _text_picks(pool: Any) -> dict[str, int]:
    cached = _TEXT_PICKS.get(id(pool))
    if cached is not None and cached[0] is pool:
        return cached[1]
    lengths = np.fromiter((len(v) for v in pool), dtype=np.int64, count=len(pool))
    picks = {"shortest": int(np.argmin(lengths)), "longest": int(np.argmax(lengths))}
    other = next((i for i, v in enumerate(pool) if not v.isascii()), None)
    if other is not None:
        picks["non-ASCII"] = other
    _TEXT_PICKS[id(pool)] = (pool, picks)
    return picks


def _text_slot(model: Model, col: Any) -> _Slot | None:
    from ._columns import FakerColumn

    if not isinstance(col, FakerColumn) or col.unique or col.hidden or _unique(model, col):
        return None
    pool = col._pool()
    if not isinstance(pool, np.ndarray) or not len(pool) or not all(isinstance(v, str) for v in pool[:1]):
        return None
    aux = 0
    for other in model._generated:
        if other is col:
            break
        aux += other.aux
    present = Condition(col.name, "present") if col.null_rate > 0 else None
    size = len(pool)
    picks = _text_picks(pool)
    seen: set[int] = set()
    variants = []
    for detail, index in picks.items():
        if index in seen:
            continue
        seen.add(index)
        variants.append(_Variant(detail, present, aux=aux, value=(index + 0.5) / size))
    return _Slot("text", col.name, tuple(variants))


_SLOTS = {"tail": _tail_slot, "bound": _bound_slot, "rare": _rare_slot, "null": _null_slot, "text": _text_slot}


def edge_slots(model: Model, kinds: list[str], columns: list[str], named: bool) -> list[_Slot]:
    """The (kind, column) slots of edge rows among ``columns``; ``named``: raise for a column without one."""
    from ._columns import SumColumn

    out = []
    for name in columns:
        col = model.column(name)
        found = [slot for kind in kinds if (slot := _SLOTS[kind](model, col)) is not None]
        if named and not found and hasattr(col, "leader"):
            raise InvalidArgument(
                f"edge_columns names {name!r}, which follows {col.leader!r} (a monotone function of it in the data): "
                f"its tails and bounds are those of {col.leader!r}; name {col.leader!r} in edge_columns instead."
            )
        if named and not found and isinstance(col, SumColumn):
            raise InvalidArgument(
                f"edge_columns names {name!r}, which equals {col.formula} in every row (found "
                f"by fit): its values come from its parts; name them in edge_columns instead."
            )
        if named and not found:
            raise InvalidArgument(
                f"edge_columns names {name!r} ({col.kind}), which has no edge case of the kinds {kinds}: tail and "
                "bound need a numeric or date column of more than one value, rare a category or boolean, null a column that is sometimes "
                "missing, text a Faker column that is not unique."
            )
        out += found
    return out


def _order_sides(model: Model, slots: Sequence[_Slot], bases: Sequence[tuple[Condition, ...]]) -> list[_Slot]:
    """The slots without the tails and bounds of a column across an order constraint from a conditioned one.

    Under ``a < b`` and ``b`` in ``(None, 20)``, an edge row would hold ``a`` at its low tail (``a <= 10``, say)
    while ``b`` is drawn within its own condition, which need not stay above it (``b = 5``); the row would break
    the constraint between two held values. Its facing tail or bound (``a``'s high ones) never fits; its other one
    fits only where the two ranges leave room, which the drawn values do not promise. So both go, in the columns
    along every chain above and below a conditioned one; their nulls and the other columns' edges stay.
    """
    if not model._order_constraints:
        return list(slots)
    from ._constraints import order_below

    named = {c.column for base in bases for c in base if c.kind in ("values", "range")}
    if not named:
        return list(slots)
    below = order_below(model._order_constraints)
    across = {x for x, lows in below.items() if lows & named} | {low for c in named for low in below.get(c, ())}
    return [slot for slot in slots if slot.kind not in ("tail", "bound") or slot.column not in across]


def possible_slots(model: Model, slots: Sequence[_Slot], bases: Sequence[tuple[Condition, ...]]) -> list[_Slot]:
    """The slots, with only their variants a row can take under every condition set of ``bases`` (the edge rows').

    A variant the conditions exclude (``species="Gentoo"`` leaves island ``"Torgersen"`` no chance) is dropped,
    a slot left without variants too, and so is a ``rare`` slot left with one category (then no edge at all).
    """
    if not any(bases) or not slots:
        return list(slots)
    slots = _order_sides(model, slots, bases)
    keys = [
        base + ((variant.condition,) if variant.condition is not None else ())
        for slot in slots
        for variant in slot.variants
        for base in bases
    ]
    ok: NDArray[np.bool_] = np.asarray(possible(model, keys).reshape(-1, len(bases)).all(axis=1))
    out = []
    start = 0
    for slot in slots:
        mask = ok[start : start + len(slot.variants)]
        start += len(slot.variants)
        if mask.all():
            out.append(slot)
            continue
        kept = np.flatnonzero(mask).tolist()
        if not kept or (slot.kind == "rare" and len(kept) < 2):
            continue
        new = {old: i for i, old in enumerate(kept)}
        rare = tuple(new[k] for k in slot.rare if k in new)
        out.append(_Slot(slot.kind, slot.column, tuple(slot.variants[k] for k in kept), rare))
    return out


# the plan --------------------------------------------------------------------------------------------


def _condition_columns(keys: list[tuple[Condition, ...]]) -> set[str]:
    return {c.column for key in keys for c in key}


def _edge_bases(
    parts: list[tuple[list[tuple[Condition, ...]], NDArray[np.intp]]], rows: NDArray[np.int64]
) -> list[tuple[Condition, ...]]:
    """The distinct condition sets (of ``parts``: the user's, the balance class) that the edge ``rows`` have."""
    code = np.zeros(len(rows), dtype=np.int64)
    radix = 1
    for keys, which in parts:
        code += which[rows].astype(np.int64) * radix
        radix *= len(keys)
    out = []
    for c in np.unique(code).tolist():
        key: list[Condition] = []
        for keys, _ in parts:
            key += keys[c % len(keys)]
            c //= len(keys)
        out.append(tuple(key))
    return out


def _edges(
    model: Model,
    n: int,
    seed: int,
    rate: float,
    kinds: list[str],
    columns: list[str],
    named: bool,
    parts: list[tuple[list[tuple[Condition, ...]], NDArray[np.intp]]],
) -> tuple[list[tuple[Condition, ...]], NDArray[np.intp], list[Pin], EdgeCases]:
    """The edge rows' condition sets, each row's set, the pins and the record (see the module docstring).

    ``parts`` are the rows' other condition sets (the user's, the balance class): an edge row takes only the
    slots and variants possible under every set an edge row has (:func:`possible_slots`); with none possible the
    edge rows are ordinary rows.
    """
    rows = np.flatnonzero(edge_rows(rate, n)).astype(np.int64)
    slots = edge_slots(model, kinds, columns, named) if len(rows) or named else []
    empty = np.array([], dtype=object)
    none: tuple[list[tuple[Condition, ...]], NDArray[np.intp], list[Pin], EdgeCases] = (
        [()],
        np.zeros(n, dtype=np.intp),
        [],
        EdgeCases(rows[:0], empty, empty.copy(), empty.copy()),
    )
    if not len(rows):
        return none
    if not slots:
        raise InvalidArgument(
            f"edge_cases={rate!r}: dataset {model.name!r} has no column with an edge case of the kinds {kinds} "
            f"among {columns}; choose other edge_kinds= or edge_columns=, or leave edge_cases at 0."
        )
    slots = possible_slots(model, slots, _edge_bases(parts, rows))
    if not slots:
        return none
    per_kind: dict[str, int] = {}
    for slot in slots:
        per_kind[slot.kind] = per_kind.get(slot.kind, 0) + 1
    weights = np.array([1.0 / (len(per_kind) * per_kind[s.kind]) for s in slots])
    cum = np.cumsum(weights)
    cum[-1] = math.inf
    phase = float(counter_uniforms(seed, STREAM_EDGES, np.zeros(1, dtype=np.int64), 0, 1)[0, 0])
    t = np.mod(phase + np.arange(len(rows), dtype=np.float64) * _GOLDEN, 1.0)
    slot_of = np.searchsorted(cum, t, side="right")
    order = np.argsort(slot_of, kind="stable")
    ranked = slot_of[order]
    m = np.empty(len(rows), dtype=np.int64)
    m[order] = np.arange(len(rows)) - np.searchsorted(ranked, ranked, side="left")
    variant_of = np.empty(len(rows), dtype=np.int64)
    for s, slot in enumerate(slots):
        mine = slot_of == s
        variant_of[mine] = slot.pick(m[mine])
    return edge_plan(n, rows, slots, slot_of, variant_of)


def edge_plan(
    n: int,
    rows: NDArray[np.int64],
    slots: Sequence[_Slot],
    slot_of: NDArray[np.int64],
    variant_of: NDArray[np.int64],
) -> tuple[list[tuple[Condition, ...]], NDArray[np.intp], list[Pin], EdgeCases]:
    """The condition sets, each of ``n`` rows' set, the pins and the record of edge rows ``rows`` (sorted).

    Edge row ``rows[i]`` is variant ``variant_of[i]`` of slot ``slots[slot_of[i]]``; ``sample()`` picks them
    by the module docstring's pattern, the Hypothesis strategies (``strategies``) by drawn choices.
    """
    keys: list[tuple[Condition, ...]] = [()]
    which = np.zeros(n, dtype=np.intp)
    pins: list[Pin] = []
    aux_rows: dict[int, list[tuple[NDArray[np.int64], float]]] = {}
    width = max(len(s.variants) for s in slots)
    combo = slot_of * width + variant_of
    column, kind, detail = (np.empty(len(rows), dtype=object) for _ in range(3))
    for code in np.unique(combo):
        slot, variant = slots[int(code) // width], slots[int(code) // width].variants[int(code) % width]
        mine = combo == code
        these = rows[mine]
        column[mine], kind[mine], detail[mine] = slot.column, slot.kind, variant.detail
        if variant.condition is not None:
            which[these] = len(keys)
            keys.append((variant.condition,))
        if variant.coord is not None:
            pins.append(Pin(these, coord=variant.coord, low=variant.low, high=variant.high))
        if variant.aux is not None:
            aux_rows.setdefault(variant.aux, []).append((these, variant.value))
    for aux, parts in aux_rows.items():
        at = np.concatenate([r for r, _ in parts])
        values = np.concatenate([np.full(len(r), v) for r, v in parts])
        sort = np.argsort(at, kind="stable")
        pins.append(Pin(at[sort], aux=aux, value=values[sort]))
    return keys, which, pins, EdgeCases(rows, column.astype(str), kind.astype(str), detail.astype(str))


def _shares(column: str, spec: Any) -> dict[Any, float]:
    if not isinstance(spec, Mapping) or not spec:
        raise InvalidArgument(
            f"balance={{{column!r}: {spec!r}}}: give each class its share, e.g. balance={{{column!r}: {{True: 0.5, "
            "False: 0.5}}}."
        )
    out = {}
    for key, share in spec.items():
        if isinstance(share, bool) or not isinstance(share, numbers.Real) or not 0 <= float(share) <= 1:
            raise InvalidArgument(
                f"balance={{{column!r}: ...}}: the share of class {key!r} is {share!r}; give each class a share "
                "from 0 to 1."
            )
        out[key] = float(share)
    total = math.fsum(out.values())
    if not math.isclose(total, 1.0, rel_tol=0, abs_tol=1e-9):
        raise InvalidArgument(
            f"balance={{{column!r}: ...}}: the shares add up to {total:g}; make them add up to 1 (one share a class)."
        )
    return out


def _numeric_bins(col: Any) -> dict[Any, float]:
    """Equal shares of :data:`NUMERIC_BINS` equal-width bins between the column's 1st and 99th percentile."""
    from ._columns import ConditionalColumn, DatetimeColumn, NumericColumn

    if isinstance(col, ConditionalColumn):  # (fitted per segment group: its base is the whole column's marginal)
        col = col.base
    if hasattr(col, "leader"):
        raise InvalidArgument(
            f"balance={col.name!r}: it follows {col.leader!r} (a monotone function of it in the data), so its "
            f"classes are {col.leader!r}'s: balance={col.leader!r}, or give them as ranges, e.g. "
            f"balance={{{col.name!r}: {{(None, <value>): 0.5, (<value>, None): 0.5}}}}."
        )
    if hasattr(col, "parts"):
        raise InvalidArgument(
            f"balance={col.name!r}: it equals {col.formula} in every row (found by "
            "fit), so it has no coordinate of its own to balance; balance one of its parts, or fit it as a column "
            f"of its own: sd.fit(..., columns={{{col.name!r}: {col.kind!r}}})."
        )
    if not isinstance(col, NumericColumn) or isinstance(col, DatetimeColumn) or col.offset:
        raise InvalidArgument(
            f"balance={col.name!r}: {'an' if col.kind[0] in 'aeiou' else 'a'} {col.kind} column has no automatic "
            "classes; give them, e.g. "
            f"balance={{{col.name!r}: {{(None, <value>): 0.5, (<value>, None): 0.5}}}} with ranges as keys."
        )
    p01, p99 = (float(v) for v in col.from_latent(special.ndtri(np.array([TAIL, 1.0 - TAIL]))))
    edges = np.linspace(p01, p99, NUMERIC_BINS + 1)[1:-1]
    if col.integer:
        edges = np.unique(np.rint(edges))
    bins: list[tuple[Any, Any]] = []
    low: Any = None
    for e in edges:
        top = float(e) - 1 if col.integer else float(np.nextafter(e, -math.inf))
        if low is None or top >= low:
            bins.append((low, int(top) if col.integer else top))
            low = int(e) if col.integer else float(e)
    bins.append((low, None))
    return {b: 1.0 / len(bins) for b in bins}


def _balance(
    model: Model, n: int, balance: Any, taken: set[str]
) -> tuple[str, list[tuple[Condition, ...]], NDArray[np.intp]]:
    """The balanced column, its classes' condition sets and each row's class (see the module docstring)."""
    from ._columns import BooleanColumn, CategoryColumn, ConditionalColumn, DerivedColumn

    if isinstance(balance, str):
        column, spec = balance, None
    elif isinstance(balance, Mapping) and len(balance) == 1:
        column, spec = next(iter(balance.items()))
    else:
        raise InvalidArgument(
            f"balance={balance!r} ({type(balance).__name__}): pass a column name for equal classes, or "
            "{column: {class: share, ...}} for one column."
        )
    if not isinstance(column, str) or column not in model.columns:
        raise InvalidArgument(
            f"balance names {column!r}, which is not a column of dataset {model.name!r}; its columns are "
            f"{model.columns}."
        )
    if column in taken:
        raise InvalidArgument(
            f"balance={column!r}: conditions= already conditions {column!r}; balance a column or condition it, not both."
        )
    col = model.column(column)
    if isinstance(col, ConditionalColumn):  # (a column fitted per segment group: its classes are its base's, the
        col = col.base  # marginal of every row)
    if spec is None and isinstance(col, DerivedColumn):  # (looked up from another column: the values it reaches)
        reached = sorted({int(code) for code in col._lookup.tolist()})
        base = col.base
        values = (
            [base.categories[i] for i in reached] if isinstance(base, CategoryColumn) else [bool(i) for i in reached]
        )
        shares = {v: 1.0 / len(values) for v in values}
    elif spec is None:
        if isinstance(col, BooleanColumn):
            shares = {False: 0.5, True: 0.5}
        elif isinstance(col, CategoryColumn):
            kept = [c for c, p in zip(col.categories, col.probs, strict=True) if p > 0]
            shares = {c: 1.0 / len(kept) for c in kept}
        else:
            shares = _numeric_bins(col)
    else:
        shares = _shares(column, spec)
    conds = [parse(column, key) for key in shares]
    share = np.array(list(shares.values()))
    quota = share * n
    counts = np.floor(quota).astype(np.int64)
    left = n - int(counts.sum())
    if left:  # largest remainder, ties to the earlier class
        counts[np.argsort(-(quota - counts), kind="stable")[:left]] += 1
    cls = np.concatenate([np.full(c, k, dtype=np.intp) for k, c in enumerate(counts)] or [np.zeros(0, np.intp)])
    position = np.concatenate([(np.arange(c) + 0.5) / share[k] for k, c in enumerate(counts)] or [np.zeros(0)])
    which = cls[np.lexsort((cls, position))]
    return column, [(c,) for c in conds], which


def plan_rows(
    model: Model,
    n: int,
    seed: int,
    *,
    edge_cases: Any = 0.0,
    edge_kinds: Any = None,
    edge_columns: Any = None,
    balance: Any = None,
    conditions: Any = None,
    among: Sequence[str] | None = None,
) -> RowPlan:
    """Return what each of ``n`` rows is drawn under: the user's conditions, its class and its edge case.

    ``among`` narrows the columns edge cases may be in (all the model's columns by default; a linked table
    leaves out its bookkeeping columns).
    """
    rate = check_share(edge_cases, argument="edge_cases")
    kinds = list(KINDS) if edge_kinds is None else _names(edge_kinds, "edge_kinds", KINDS, "edge-case kinds")
    allowed = model.columns if among is None else [c for c in model.columns if c in among]
    columns = allowed if edge_columns is None else _names(edge_columns, "edge_columns", allowed, "columns")
    user_keys, user_which = row_conditions(conditions, n)
    taken = _condition_columns(user_keys)
    parts = [(user_keys, user_which)]
    if balance is not None:
        column, class_keys, class_which = _balance(model, n, balance, taken)
        taken.add(column)
        parts.append((class_keys, class_which))
    clash = [c for c in columns if c in taken] if edge_columns is not None else []
    if clash:
        raise InvalidArgument(
            f"edge_columns names {clash}, which conditions= or balance= already fix; leave them out of edge_columns."
        )
    edges = None
    if rate > 0 or edge_kinds is not None or edge_columns is not None:
        free = [c for c in columns if c not in taken]
        edge_keys, edge_which, pins, edges = _edges(
            model, n, seed, rate, kinds, free, edge_columns is not None, list(parts)
        )
        parts.append((edge_keys, edge_which))
    else:
        pins = []
    if len(parts) == 1:
        return RowPlan(user_keys, user_which, pins, edges)
    # each row's combination as one mixed-radix code, renumbered in code order (O(n): no sort of n rows)
    code = np.zeros(n, dtype=np.int64)
    radix = 1
    for k, w in parts:
        code += w.astype(np.int64) * radix
        radix *= len(k)
    if radix <= 4 * n + 1024:
        seen = np.zeros(radix, dtype=bool)
        seen[code] = True
        codes = np.flatnonzero(seen)
        number = np.cumsum(seen) - 1
    else:  # (many distinct per-row conditions: sort the codes instead)
        codes, inverse = np.unique(code, return_inverse=True)
        number, code = inverse.reshape(-1), np.arange(n)
    keys = []
    for c in codes.tolist():
        key: list[Condition] = []
        for k, _ in parts:
            key += k[c % len(k)]
            c //= len(k)
        keys.append(tuple(key))
    return RowPlan(keys, number[code].astype(np.intp), pins, edges)
