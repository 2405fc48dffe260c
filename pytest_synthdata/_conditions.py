"""Conditions of ``Model.sample(conditions=...)``: parse, check against the model, turn into latent boxes.

The condition language, per column:

* a value: ``{"plan": "enterprise"}``;
* any of several values, a list or set: ``{"plan": ["pro", "team"]}``;
* an inclusive range of a numeric or date column, a tuple with ``None`` for
  an open end: ``{"age": (60, None)}``;
* missing: ``{"income": None}`` (a non-missing condition also keeps the value
  present);
* per row: a DataFrame with one row per sampled row, NaN meaning "no
  condition" in that cell.

Each condition is a region of the latent space: a union of boxes over a few
coordinates (``docs/explanation/math.md`` §12). A category's values are
intervals between its cuts; a numeric range is the interval of latent scores
whose value lands in it (found by bisection: every column's value is a
non-decreasing function of its score); missing / present is the null flag's
coordinate above / below its cut. A column whose marginal depends on a segment
(fitted per group), or a null rate that does, is a union over the segment's
values of boxes in two coordinates; a looked-up column is a condition on the
column it is looked up from. Several conditions intersect. The rows are then
drawn by :class:`~pytest_synthdata._latent.Regions`, exactly.

A condition the model cannot meet raises :class:`ConditionError`: an unknown
column, a generated one (Faker, Id: use the factory's ``set=``), a value the
model never gives (the message lists the known values, or the column's
range), an empty range, or a probability below :data:`FLOOR`.
"""

from __future__ import annotations

import math
import numbers
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import ConditionError, UnsupportedFeature

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from ._latent import LatentSource
    from ._model import Model

__all__ = ["FLOOR", "Condition", "conditioned", "conditioned_rows", "parse", "row_conditions"]

#: Conditions (alone, or together for a row) less likely than this under the model raise ConditionError:
#: far beyond it the tails of double precision arithmetic, not the model, would decide the rows.
FLOOR = 1e-12

#: Latent scores beyond this are the ends of every column (the latent sources clip their scores here).
_EDGE = 37.5

Box = dict[int, tuple[float, float]]


@dataclass(frozen=True)
class Condition:
    """One column's condition: ``kind`` is "values" (any of ``values``), "range" (``low``..``high``) or "null".

    Two more kinds are made internally (``sample(edge_cases=)``, never parsed
    from user input): "latent", the column's own latent score in
    ``low``..``high`` (and the value present), and "present", the value not
    missing. ``label`` describes them in messages.
    """

    column: str
    kind: str
    values: tuple[Any, ...] = ()
    low: Any = None
    high: Any = None
    label: str = field(default="", compare=False)

    def __str__(self) -> str:
        if self.label:
            return f"{self.column}: {self.label}"
        if self.kind == "present":
            return f"{self.column} present"
        if self.kind == "null":
            return f"{self.column}=None (missing)"
        if self.kind == "range":
            return f"{self.column}=({self.low!r}, {self.high!r})"
        if len(self.values) == 1:
            return f"{self.column}={self.values[0]!r}"
        return f"{self.column}={list(self.values)!r}"


def _scalar(value: Any) -> Any:
    """A numpy scalar as its Python value (hashable, comparable with the model's categories)."""
    item = getattr(value, "item", None)
    if isinstance(value, np.generic) and item is not None:
        return item()
    return value


def _missing(value: Any) -> bool:
    try:
        import pandas as pd

        return value is None or bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def parse(column: str, spec: Any) -> Condition:
    """Return the :class:`Condition` that ``spec`` states for ``column``, or raise ConditionError.

    >>> str(parse("age", (60, None)))
    'age=(60, None)'
    """
    if not isinstance(column, str):
        raise ConditionError(f"conditions: column names are strings; got {column!r} ({type(column).__name__}).")
    if isinstance(spec, tuple):
        if len(spec) != 2:
            raise ConditionError(
                f"condition {column}={spec!r}: a tuple is an inclusive range (low, high), with None for an open end; "
                f"it has {len(spec)} items. Pass a list for any of several values."
            )
        low, high = (None if _missing(v) else _scalar(v) for v in spec)
        for v in (low, high):
            if isinstance(v, (list, tuple, set, frozenset, dict)):
                raise ConditionError(f"condition {column}={spec!r}: a range's ends are single values or None.")
        return Condition(column, "range", low=low, high=high)
    if isinstance(spec, (list, set, frozenset)) or (hasattr(spec, "__array__") and getattr(spec, "ndim", 0) == 1):
        values = [_scalar(v) for v in spec]
        if not values:
            raise ConditionError(f"condition {column}=[]: an empty list of values matches no row; give at least one.")
        if any(_missing(v) for v in values):
            raise ConditionError(
                f"condition {column}={_short(spec)}: a list of values cannot hold None/NaN; condition on None alone "
                "for missing values."
            )
        if any(isinstance(v, (list, tuple, set, frozenset, dict)) for v in values):
            raise ConditionError(f"condition {column}={_short(spec)}: a list of values holds single values only.")
        if isinstance(spec, (set, frozenset)):
            values = sorted(values, key=repr)  # (a set's order is arbitrary; the rows must not depend on it)
        return Condition(column, "values", values=tuple(dict.fromkeys(values)))
    if isinstance(spec, dict):
        raise ConditionError(f"condition {column}={_short(spec)}: pass a value, a list, a (low, high) tuple or None.")
    if _missing(spec):
        return Condition(column, "null")
    return Condition(column, "values", values=(_scalar(spec),))


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else f"{text[:77]}..."


def _known(values: list[Any]) -> str:
    shown = ", ".join(repr(v) for v in values[:30])
    return f"[{shown}{f', ... {len(values) - 30} more' if len(values) > 30 else ''}]"


# latent intervals of each column kind --------------------------------------------------------------


def _cells(discrete: Any, codes: list[int]) -> list[tuple[float, float]]:
    """The latent intervals of outcome ``codes`` of a Discrete table, consecutive codes merged."""
    cuts = discrete.cuts
    out: list[tuple[float, float]] = []
    for code in sorted(set(codes)):
        low = -math.inf if code == 0 else float(cuts[code - 1])
        high = math.inf if code == len(cuts) else float(np.nextafter(cuts[code], -math.inf))
        if out and code - 1 in codes and out[-1][1] == float(np.nextafter(low, -math.inf)):
            out[-1] = (out[-1][0], high)
        else:
            out.append((low, high))
    return out


def _category_codes(col: Any, cond: Condition) -> list[int]:
    """The latent codes of the values a category or boolean column is conditioned on."""
    from ._columns import BooleanColumn

    if isinstance(col, BooleanColumn):
        known: list[Any] = [False, True]
    else:
        known = list(col.categories)
    if cond.kind == "range":
        raise ConditionError(
            f"condition {cond}: a range needs a numeric or date column, and {cond.column!r} holds categories; pass a "
            f"list of values instead, from {_known(known)}."
        )
    index = {_category_key(c): k for k, c in enumerate(known)}
    codes = []
    for v in cond.values:
        code = index.get(_category_key(v))
        if code is None:
            raise ConditionError(
                f"condition {cond}: the model never gives {v!r} in column {cond.column!r}; its values are "
                f"{_known(known)}. Use set= to put a value the model does not know into the rows."
            )
        codes.append(code)
    return codes


def _category_key(value: Any) -> tuple[str, Any]:
    if isinstance(value, (bool, np.bool_)):
        return ("bool", bool(value))
    if isinstance(value, numbers.Number):
        return ("number", value)
    return (type(value).__name__, value)


def _time_zone(col: Any) -> Any:
    """The time zone of a date column's values (its source's dtype), or None: its dates are stored in UTC."""
    cast = getattr(col, "cast", None)
    if not cast or "," not in str(cast):  # (datetime64[ns, <zone>]: a zone; the rest: none)
        return None
    import pandas as pd

    try:
        return getattr(pd.api.types.pandas_dtype(cast), "tz", None)
    except TypeError:  # pragma: no cover - the model file's dtypes are checked when it loads
        return None


def _raw_bounds(col: Any, cond: Condition, given: Condition | None = None) -> tuple[float, float]:
    """The inclusive range of raw values (the column's own units) that a numeric or date range condition admits.

    ``given`` is the condition as stated, when ``cond`` is one of its values as a range of one value (for messages).
    """
    from ._columns import DatetimeColumn

    stated = cond if given is None else given
    if isinstance(col, DatetimeColumn):
        zone = _time_zone(col)

        def stamp(v: Any) -> int:
            import pandas as pd

            if isinstance(v, numbers.Number) and not isinstance(v, (bool, np.bool_)):  # (pandas: nanoseconds)
                raise ConditionError(_date_number(col, stated, cond.column, v))
            try:
                ts = pd.Timestamp(v)
            except (TypeError, ValueError):
                raise ConditionError(
                    f"condition {stated}: {v!r} is not a date or timestamp; column {cond.column!r} holds "
                    f"{col.kind}s (pass e.g. '2024-01-31' or a pandas Timestamp)."
                ) from None
            if ts.tzinfo is None and zone is not None:  # (a date without a zone is in the column's, as set= reads it)
                ts = ts.tz_localize(zone)
            if ts.tzinfo is not None:
                ts = ts.tz_convert("UTC").tz_localize(None)
            return int(ts.value)

        exact: Callable[[Any], Any] = stamp

        def units(ns: int, up: bool) -> float:
            return float(-((-ns) // col.unit_ns) if up else ns // col.unit_ns)

        convert: Callable[[Any, bool], float] = units
    else:

        def number(v: Any) -> float:
            if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Real):
                raise ConditionError(
                    f"condition {stated}: {v!r} ({type(v).__name__}) is not a number; column {cond.column!r} holds "
                    f"{col.kind}s in {col.describe()}."
                )
            return float(v)

        exact = number

        def same(x: float, up: bool) -> float:
            return x

        convert = same
    if cond.kind == "range":
        exact_low = None if cond.low is None else exact(cond.low)
        exact_high = None if cond.high is None else exact(cond.high)
        low = -math.inf if exact_low is None else convert(exact_low, True)
        high = math.inf if exact_high is None else convert(exact_high, False)
        if low > high:
            if exact_low is not None and exact_high is not None and exact_low <= exact_high:
                # (ends in order, between two of a date column's units: no unit lies in the range)
                raise ConditionError(_between_units(col, stated, cond, high))
            raise ConditionError(f"condition {stated}: the range is empty (low is above high); swap its ends.")
        return low, high
    raise AssertionError("values are handled one by one")  # pragma: no cover


def _date_number(col: Any, stated: Condition, column: str, value: Any) -> str:
    """The message for a number given as a date column's condition: a year (2000) gets that year as a range."""
    whole_days = col.unit_ns % (86_400 * 10**9) == 0
    start = (
        f"condition {stated}: column {column!r} holds {col.kind}s, and a condition on it takes a date or timestamp "
        f"(a pandas Timestamp, a datetime or date, or ISO text such as '2000-01-31'), not a number such as {value!r} "
        "(which pandas would read as nanoseconds since 1970-01-01)"
    )
    first, last = (stated.low, stated.high) if stated.kind == "range" else (value, value)
    if all(v is None or (type(v) is int and 1000 <= v <= 9999) for v in (first, last)):  # (years)
        since = "None" if first is None else f"'{first}-01-01'"
        until = "None" if last is None else f"'{last}-12-31{'' if whole_days else ' 23:59:59.999999999'}'"
        years = (
            f"the year {first}" if first == last else "those years" if None in (first, last) else f"{first} to {last}"
        )
        return f"{start}; for {years}, give a range of dates: {{{column!r}: ({since}, {until})}}."
    return f"{start}; give e.g. {{{column!r}: '2000-01-31'}}, or a range, {{{column!r}: ('2000-01-01', '2000-12-31')}}."


#: Words for the time units of a date or datetime column.
_UNIT_WORDS = {
    86_400 * 10**9: "day",
    3_600 * 10**9: "hour",
    60 * 10**9: "minute",
    10**9: "second",
    10**6: "millisecond",
    10**3: "microsecond",
    1: "nanosecond",
}


def _between_units(col: Any, stated: Condition, cond: Condition, below: float) -> str:
    """The message for a condition on a date column that falls between two of its units (12:00 on a day)."""
    import pandas as pd

    unit = _UNIT_WORDS.get(col.unit_ns)
    holds = f"whole {unit}s" if unit else f"whole multiples of {pd.Timedelta(col.unit_ns, unit='ns')}"

    def show(raw: float) -> str:
        ts = pd.Timestamp(int(raw) * col.unit_ns)
        return ts.strftime("%Y-%m-%d") if col.unit_ns % (86_400 * 10**9) == 0 else str(ts)

    before, after = show(below), show(below + 1)
    if stated.kind == "values":
        return (
            f"condition {stated}: column {cond.column!r} holds {holds}, and {cond.low!r} is not one; condition on "
            f"the {unit or 'unit'} it falls in, {{{cond.column!r}: {before!r}}}, or on a range, "
            f"{{{cond.column!r}: ({before!r}, {after!r})}}."
        )
    return (
        f"condition {stated}: column {cond.column!r} holds {holds}, and none lies in this range; widen it to "
        f"reach one, e.g. {{{cond.column!r}: ({before!r}, {after!r})}}."
    )


def _monotone_intervals(
    f: Any, low: NDArray[np.float64], high: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Return the latent intervals where the non-decreasing ``f`` gives values in ``[low, high]`` (vectorised).

    Bisection to the last bit: the lower end is the least score whose value
    is at least ``low``, the upper the greatest whose value is at most
    ``high``; ``-inf``/``inf`` when the range reaches the column's ends, and
    ``low > high`` when no score gives a value inside.
    """
    edges = np.asarray(f(np.array([-_EDGE, _EDGE])), dtype=np.float64)
    m = len(low)
    # both ends in one search: "value >= low" and "value > high" both switch from False to True once
    target = np.concatenate([low, high])
    strict = np.concatenate([np.zeros(m, dtype=bool), np.ones(m, dtype=bool)])
    below, above = np.full(2 * m, -_EDGE), np.full(2 * m, _EDGE)  # the switch lies in (below, above]
    with np.errstate(invalid="ignore", over="ignore"):
        for _ in range(120):
            mid = 0.5 * (below + above)
            busy = (mid != below) & (mid != above)
            if not busy.any():  # every bracket is down to neighbouring floats
                break
            value = np.asarray(f(mid), dtype=np.float64)
            switched = np.where(strict, value > target, value >= target)
            above = np.where(switched, mid, above)
            below = np.where(switched, below, mid)
    x_low = np.where(edges[0] >= low, -np.inf, np.where(edges[1] < low, np.inf, above[:m]))
    x_high = np.where(edges[1] <= high, np.inf, np.where(edges[0] > high, -np.inf, below[m:]))
    return x_low, x_high


def _numeric_region(
    col: Any, conds: list[Condition], *, strict: bool = False, min_count: int | None = None
) -> list[list[tuple[float, float]]]:
    """The latent intervals of each numeric/date condition on ``col`` (a plain column or a segment's level).

    With ``strict``, every value of an any-of list must be one the column gives (else ConditionError, which
    says why with ``min_count``: see :func:`_absent_value`).
    """
    spans: list[tuple[int, float, float, Any]] = []
    atoms = _atoms(col)
    for i, cond in enumerate(conds):
        if cond.kind == "range":
            low, high = _raw_bounds(col, cond)
            spans.append((i, low, high, None))
        else:
            for v in cond.values:
                low, high = _raw_bounds(col, Condition(cond.column, "range", low=v, high=v), cond)
                low = high = _stored(atoms, low)
                spans.append((i, low, high, v))
    lows = np.array([s[1] for s in spans], dtype=np.float64)
    highs = np.array([s[2] for s in spans], dtype=np.float64)
    x_low, x_high = _monotone_intervals(col.from_latent, lows, highs)
    out: list[list[tuple[float, float]]] = [[] for _ in conds]
    for (i, _, _, value), a, b in zip(spans, x_low, x_high, strict=True):
        if a <= b and not (a == b and math.isinf(a)):  # (a range beyond an end maps to an end: empty)
            out[i].append((float(a), float(b)))
        elif strict and value is not None and len(conds[i].values) > 1:
            raise _absent_value(col, conds[i], value, min_count)
    return [sorted(set(intervals)) for intervals in out]


#: Fitted quantile knots are stored to this many significant digits (``_fit.numeric``): a value of the data is
#: its stored value within half a unit in the last of them.
_STORED_DIGITS = 12


def _atoms(col: Any) -> NDArray[np.float64]:
    """The values a (plain) float column gives with a probability of their own, sorted: its frequency table's, or
    the repeated knots of its quantile marginal; none for a date or integer column (their values are exact)."""
    from ._columns import DatetimeColumn, NumericColumn

    if not isinstance(col, NumericColumn) or isinstance(col, DatetimeColumn) or col.integer:
        return np.empty(0)
    if col.values is not None and col.discrete is not None:
        values = np.asarray(col.values, dtype=np.float64)[np.asarray(col.discrete.probs) > 0]
    elif col.marginal is not None and col.marginal.dist == "quantiles":
        knots, probs = col.marginal._knot_values, col.marginal._knot_probs
        repeated = (knots[1:] == knots[:-1]) & (probs[1:] > probs[:-1])
        values = np.asarray(col._snap(knots[1:][repeated]), dtype=np.float64)
        values = values[(values >= col.bounds[0]) & (values <= col.bounds[1])]
    else:
        return np.empty(0)
    return np.unique(values)


def _precision(x: float) -> float:
    """Half a unit in the last stored significant digit of ``x`` (see :data:`_STORED_DIGITS`)."""
    if x == 0.0 or not math.isfinite(x):
        return 0.0
    return 0.5 * 10.0 ** (math.floor(math.log10(abs(x))) - _STORED_DIGITS + 1)


def _nearest(atoms: NDArray[np.float64], raw: float) -> float | None:
    """The atom nearest to ``raw``, or None when there is none."""
    if not len(atoms) or not math.isfinite(raw):
        return None
    at = int(np.searchsorted(atoms, raw))
    near = [float(atoms[i]) for i in (at - 1, at) if 0 <= i < len(atoms)]
    return min(near, key=lambda a: abs(a - raw))


def _stored(atoms: NDArray[np.float64], raw: float) -> float:
    """``raw``, or the atom it is to the stored precision: a fitted value rounded to 12 significant digits in the
    file (``6.30000019073486`` of the data is ``6.30000019073`` in the model), a table's ``0.30000000000000004``
    given as ``0.3``."""
    near = _nearest(atoms, raw)
    if near is None or near == raw:
        return raw
    # (a few units of the double's own rounding on top, for values computed on the way)
    slack = 4 * math.ulp(max(abs(near), abs(raw)))
    return near if abs(near - raw) <= max(_precision(near), _precision(raw)) + slack else raw


def _absent_value(col: Any, cond: Condition, value: Any, min_count: int | None) -> ConditionError:
    """The error for a value of a numeric or date column that the model never gives: beyond its range, off its
    grid, or (``min_count``: of a fitted column) a value inside its range that got no probability of its own,
    as fit stores no value seen in fewer than ``min_count`` rows on its own."""
    from ._columns import DatetimeColumn

    name = cond.column
    what = "such a value" if len(cond.values) == 1 else repr(value)  # (of a list: which one)
    low, high = col.value_range()
    offset = getattr(col, "offset", 0)  # (value_range is of the raw part)
    where = f"[{col.show(low + offset)} .. {col.show(high + offset)}]"
    raw, _ = _raw_bounds(col, Condition(name, "range", low=value, high=value), cond)
    if not low + offset <= raw <= high + offset:
        return ConditionError(
            f"condition {cond}: the model never gives {what} in column {name!r}; its values lie in {where}."
        )
    if not col.step:
        near = _nearest(_atoms(col), raw)
        if col.discrete is not None and near is not None:  # (a frequency table of floats)
            return ConditionError(
                f"condition {cond}: the model never gives {what} in column {name!r}: it gives the "
                f"{len(_atoms(col))} values of its frequency table, in {where}, and the nearest is {near!r}; "
                f"condition on it, {{{name!r}: {near!r}}}, or on a range, a (low, high) tuple."
            )
        return ConditionError(
            f"condition {cond}: column {name!r} is continuous, so the model gives a single value such as "
            f"{value!r} with probability 0; condition on a range around it instead, a (low, high) tuple within "
            f"{where}{_nearest_atom(col, raw)}."
        )
    # the nearest values the model gives on either side: the ends of the ranges up to and from the value
    x_low, x_high = _monotone_intervals(col.from_latent, np.array([-math.inf, raw]), np.array([raw, math.inf]))
    scores = np.clip(np.array([x_high[0], x_low[1]]), -_EDGE, _EDGE)
    below, above = (
        col.show(v) if isinstance(col, DatetimeColumn) else f"{v:.15g}"  # (show() rounds to 6 digits)
        for v in np.asarray(col.from_latent(scores), dtype=np.float64).tolist()
    )
    example = f"({below!r}, {above!r})" if isinstance(col, DatetimeColumn) else f"({below}, {above})"
    if float(np.asarray(col._snap(np.array([raw - offset], dtype=np.float64)))[0]) != raw - offset:
        import pandas as pd

        step = float(col.step)
        grid = (
            f"timestamps {pd.Timedelta(int(step * col.unit_ns), unit='ns')} apart"
            if isinstance(col, DatetimeColumn)
            else ("whole numbers" if col.integer and step == 1.0 else f"multiples of {step:g}")
        )
        why = f"column {name!r} holds {grid}, and {value!r} is not one"
    elif min_count is not None:
        why = (
            f"fit does not store a value seen in fewer than min_count={min_count} rows of the data on its own (its "
            "rows are pooled with neighbouring values), and this one got no probability"
        )
    else:
        why = "the model gives it no probability"
    return ConditionError(
        f"condition {cond}: the model never gives {what} in column {name!r}, though its values lie in {where}: "
        f"{why}. The nearest values it gives are {below} and {above}; condition on one of them or on a "
        f"range, e.g. {{{name!r}: {example}}}."
    )


def _nearest_atom(col: Any, raw: float) -> str:
    """Words naming the value nearest ``raw`` that a float column gives with a probability of its own, if any."""
    near = _nearest(_atoms(col), raw)
    if near is None:
        return ""
    return f", or condition on the nearest value it gives with a probability of its own, {{{col.name!r}: {near!r}}}"


def _plain_intervals(col: Any, conds: list[Condition], min_count: int | None = None) -> list[list[tuple[float, float]]]:
    """Latent intervals of value conditions on a column read from its own coordinate (category, bool, numeric)."""
    from ._columns import BooleanColumn, CategoryColumn

    if isinstance(col, (CategoryColumn, BooleanColumn)):
        return [_cells(col.discrete, _category_codes(col, cond)) for cond in conds]
    return _numeric_region(col, conds, strict=True, min_count=min_count)


def _mirrored(intervals: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Latent intervals of a coordinate read negated (a decreasing follower's, on its leader's coordinate)."""
    return [(-high, -low) for low, high in intervals]


def _merge_union(intervals: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for low, high in sorted(intervals):
        if out and low <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], high))
        else:
            out.append((low, high))
    return out


#: Each model's resolved conditions (a factory calls sample() with the same conditions again and again).
_RESOLVED: weakref.WeakKeyDictionary[Any, dict[Any, list[Box]]] = weakref.WeakKeyDictionary()


def _typed(cond: Condition) -> tuple[Any, ...]:
    """``cond`` as a cache key with the types of its values: ``1 == True == 1.0`` as keys of a dict, but a
    boolean column gives True and never 1, and an integer column 1 and never True."""
    return (cond, type(cond.low), type(cond.high), tuple(type(v) for v in cond.values))


_RESOLVED_MAX = 4096


class _Resolver:
    """Turns conditions on a model's columns into latent regions (lists of boxes), with a cache per condition."""

    def __init__(self, model: Model) -> None:
        self.model = model
        self.space = model.latent_space
        cache = _RESOLVED.get(model)
        if cache is None or len(cache) > _RESOLVED_MAX:
            cache = _RESOLVED[model] = {}
        self.cache: dict[Any, list[Box]] = cache

    def describe_range(self, col: Any) -> str:
        try:
            low, high = col.value_range()
            return f"its values lie in [{col.show(low)} .. {col.show(high)}]"
        except (AttributeError, TypeError, ValueError):  # pragma: no cover - every numeric column has a range
            return f"it holds {col.describe()}"

    def min_count(self, name: str) -> int | None:
        """The fit's ``min_count`` when column ``name`` was fitted to data (not declared), else None."""
        info = self.model.info
        privacy, kinds = info.get("privacy"), info.get("columns")
        count = privacy.get("min_count") if isinstance(privacy, Mapping) else None
        kind = kinds.get(name) if isinstance(kinds, Mapping) else None
        if not isinstance(count, int) or not isinstance(kind, Mapping):
            return None
        return None if str(kind.get("why", "")).startswith("declared") else count

    def prefetch(self, conds: list[Condition]) -> None:
        """Resolve many conditions at once (numeric bisections are vectorised per column)."""
        from ._columns import ConditionalColumn, NumericColumn

        by_column: dict[str, list[Condition]] = {}
        for cond in dict.fromkeys(conds):
            if _typed(cond) not in self.cache:
                by_column.setdefault(cond.column, []).append(cond)
        for name, group in by_column.items():
            col = self._column(name)
            values = [c for c in group if c.kind in ("values", "range")]
            if (
                values
                and isinstance(col, NumericColumn)
                and not isinstance(col, ConditionalColumn)
                and col.after is None
            ):
                regions = _plain_intervals(col, values, self.min_count(name))
                j = self.space.coordinate(name)
                for cond, intervals in zip(values, regions, strict=True):
                    self._check_values(col, cond, intervals)
                    boxes = [{j: iv} for iv in _merge_union(intervals)]
                    self.cache[_typed(cond)] = _meet_all(boxes, self._null_part(col, cond, null=False))
            for cond in group:
                self.region(cond)

    def _column(self, name: str) -> Any:
        model = self.model
        # (a hidden joint category too: a condition on a member of a fixed combination is one on the joint values
        # that give it)
        if name not in model.columns and not getattr(model._by_name.get(name), "hidden", False):
            raise ConditionError(
                f"condition on {name!r}: dataset {model.name!r} has no such column; its columns are {model.columns}."
            )
        return model.column(name)

    def region(self, cond: Condition) -> list[Box]:
        """Return the latent region of ``cond``: a list of disjoint boxes, each {coordinate: (low, high)}."""
        cached = self.cache.get(_typed(cond))
        if cached is not None:
            return cached
        col = self._column(cond.column)
        if getattr(col, "computed", False):
            raise ConditionError(
                f"condition {cond}: column {cond.column!r} is computed from the others after sampling, so it cannot "
                "be conditioned on; condition on the columns it is computed from."
            )
        if col.after is not None and cond.kind in ("values", "range", "null"):  # its coordinate is its gap's: a
            # range of its values is no box (``sample`` keeps the rows that meet such a condition instead)
            raise ConditionError(
                f"condition {cond}: column {cond.column!r} is {col.after!r} plus a gap fitted apart (found by fit: it "
                f"lies at or above {col.after!r} in every row), so its values have no latent region of their own; "
                f"condition on {col.after!r}, or fit it as a column of its own: "
                f"sd.fit(..., columns={{{cond.column!r}: {fit_kind(col)!r}}})."
            )
        if hasattr(col, "parts"):  # a sum (found by fit): no coordinate of its own
            raise ConditionError(
                f"condition {cond}: column {cond.column!r} equals {col.formula} in every row (found by fit), so it has "
                f"no latent coordinate of its own to condition on; condition on its parts, or fit it as a column of "
                f"its own: sd.fit(..., columns={{{cond.column!r}: {col.kind!r}}})."
            )
        if cond.kind == "null":
            region = self._null_part(col, cond, null=True)
        elif cond.kind == "present":
            region = self._null_part(col, cond, null=False)
        elif cond.kind == "latent":
            box: Box = {self.space.coordinate(cond.column): (float(cond.low), float(cond.high))}
            region = _meet_all([box], self._null_part(col, cond, null=False))
        else:
            region = _meet_all(self._value_part(col, cond), self._null_part(col, cond, null=False))
        self.cache[_typed(cond)] = region
        return region

    def _check_values(self, col: Any, cond: Condition, intervals: list[tuple[float, float]]) -> None:
        from ._tmvn import log_mass

        if not intervals:
            if cond.kind == "values" and len(cond.values) == 1:
                raise _absent_value(col, cond, cond.values[0], self.min_count(cond.column))
            problem = (
                "the model never gives such a value" if cond.kind == "values" else "no value of the model is in it"
            )
            raise ConditionError(f"condition {cond}: {problem} in column {cond.column!r}; {self.describe_range(col)}.")
        lows = np.array([iv[0] for iv in intervals])
        highs = np.array([iv[1] for iv in intervals])
        mass = float(np.exp(log_mass(lows, highs)).sum())
        if mass < FLOOR:
            hint = ""
            if cond.kind == "values":
                raw = cond.values[0] if len(cond.values) == 1 and isinstance(cond.values[0], numbers.Real) else None
                near = "" if raw is None else _nearest_atom(col, float(raw))
                hint = f" (a continuous column takes a value with probability 0: give a range{near})"
            raise ConditionError(
                f"condition {cond}: its probability under the model is {mass:.3g}, below the floor {FLOOR:g}{hint}; "
                f"{self.describe_range(col)}."
            )

    def _value_part(self, col: Any, cond: Condition) -> list[Box]:
        from ._columns import (
            BooleanColumn,
            CategoryColumn,
            ConditionalColumn,
            DerivedColumn,
            NullColumn,
            NumericColumn,
        )

        name = cond.column
        if hasattr(col, "leader") and col.given is not None:  # (a follower fitted per segment group, as its leader)
            return self._segment_part(col.base, cond, coord=col.leader, mirrored=col.decreasing)
        if hasattr(col, "leader"):  # a follower: its values' latent intervals on its leader's coordinate (mirrored)
            intervals = _plain_intervals(col.base, [cond], self.min_count(name))[0]
            self._check_values(col.base, cond, intervals)
            if col.decreasing:
                intervals = _mirrored(intervals)
            j = self.space.coordinate(col.leader)
            return [{j: iv} for iv in _merge_union(intervals)]
        if isinstance(col, DerivedColumn):
            given = self.model.column(col.given)
            wanted = set(_category_codes(col.base, cond))
            source_values = list(getattr(getattr(given, "base", given), "categories", [False, True]))
            matching = [v for code, v in enumerate(source_values) if int(col._lookup[code]) in wanted]
            if not matching:  # pragma: no cover - every looked-up value comes from some value of the given column
                raise ConditionError(f"condition {cond}: no value of {col.given!r} gives it.")
            return self.region(Condition(col.given, "values", values=tuple(matching)))
        if isinstance(col, NullColumn):
            raise ConditionError(f"condition {cond}: column {name!r} is always missing in this model; only None holds.")
        if isinstance(col, ConditionalColumn):
            return self._segment_part(col, cond)
        if isinstance(col, (CategoryColumn, BooleanColumn, NumericColumn)):
            intervals = _plain_intervals(col, [cond], self.min_count(name))[0]
            if isinstance(col, NumericColumn):
                self._check_values(col, cond, intervals)
            else:
                self._check_values_mass(cond, intervals)
            j = self.space.coordinate(name)
            return [{j: iv} for iv in _merge_union(intervals)]
        if not col.modelled:
            raise ConditionError(
                f"condition {cond}: column {name!r} is generated ({col.kind}), not modelled, so nothing can be "
                f"conditioned on it; use set={{{name!r}: ...}} to put values into the rows after sampling."
            )
        raise UnsupportedFeature(  # pragma: no cover - a plugin's column kind
            f"condition {cond}: columns of kind {col.kind!r} cannot be conditioned on yet."
        )

    def _check_values_mass(self, cond: Condition, intervals: list[tuple[float, float]]) -> None:
        from ._tmvn import log_mass

        mass = float(np.exp(log_mass(np.array([a for a, _ in intervals]), np.array([b for _, b in intervals]))).sum())
        if mass < FLOOR:
            raise ConditionError(
                f"condition {cond}: its probability under the model is {mass:.3g}, below the floor {FLOOR:g}."
            )

    def _segment_part(
        self, col: Any, cond: Condition, *, coord: str | None = None, mirrored: bool = False
    ) -> list[Box]:
        """A column fitted per group of ``col.given``: the union over the given column's codes of two-coordinate boxes.

        ``coord`` names the coordinate the column reads when not its own (a follower's leader's), ``mirrored``
        when it reads it negated."""
        from ._columns import BooleanColumn, CategoryColumn

        given: Any = self.model.column(col.given)
        g_coord, j = self.space.coordinate(col.given), self.space.coordinate(coord or col.name)
        per_level = [  # (a value one level never gives may come from another: not strict)
            _cells(level.discrete, _category_codes(level, cond))
            if isinstance(level, (CategoryColumn, BooleanColumn))
            else _numeric_region(level, [cond])[0]
            for level in col.levels
        ]
        if mirrored:
            per_level = [_mirrored(intervals) for intervals in per_level]
        boxes: list[Box] = []
        for code, level in enumerate(col.groups):
            for cell in _cells(given.discrete, [code]):
                for iv in _merge_union(per_level[level]):
                    boxes.append({g_coord: cell, j: iv})
        if not boxes:
            shown = self.describe_range(col.base) if hasattr(col.base, "value_range") else f"it holds {col.describe()}"
            raise ConditionError(
                f"condition {cond}: the model never gives such a value in column {cond.column!r}; {shown}."
            )
        return boxes

    def _null_part(self, col: Any, cond: Condition, *, null: bool) -> list[Box]:
        """The region of the column's null flag: above its cut when ``null``, else below (no box: no condition)."""
        name = col.name
        rate = col.null_rate
        if rate <= 0.0:
            if null:
                raise ConditionError(
                    f"condition {cond}: column {name!r} is never missing in this model (its null rate is 0)."
                )
            return [{}]
        if rate >= 1.0:
            if not null:
                raise ConditionError(f"condition {cond}: column {name!r} is always missing in this model.")
            return [{}]
        leader = self.model.null_follows.get(name, name)
        cuts = {flag: (j, cut) for flag, j, cut in self.model._flag_cuts}
        j, cut = cuts[leader]

        def side(c: float) -> tuple[float, float]:
            return (float(np.nextafter(c, math.inf)), math.inf) if null else (-math.inf, float(c))

        if len(cut) == 1:
            return [{j: side(float(cut[0]))}]
        assert self.model.segment is not None
        segment: Any = self.model.column(self.model.segment[0])
        s_coord = self.space.coordinate(segment.name)
        group_of = self.model._group_of
        boxes = [
            {s_coord: cell, j: side(float(cut[group_of[code]]))}
            for code in range(len(group_of))
            for cell in _cells(segment.discrete, [code])
        ]
        return [box for box in boxes if not _empty(box)]


def _meet(a: Box, b: Box) -> Box | None:
    out = dict(a)
    for j, (low, high) in b.items():
        if j in out:
            low, high = max(low, out[j][0]), min(high, out[j][1])
            if low > high:
                return None
        out[j] = (low, high)
    return out


def _meet_all(first: list[Box], second: list[Box]) -> list[Box]:
    """The intersection of two unions of boxes: the non-empty intersections of their boxes."""
    return [box for a in first for b in second if (box := _meet(a, b)) is not None and not _empty(box)]


def _empty(box: Box) -> bool:
    """Whether a box holds no point (an interval reversed, or pinned at an infinite end: a rate of 0 or 1)."""
    return any(low > high or (low == high and math.isinf(low)) for low, high in box.values())


# sources ---------------------------------------------------------------------------------------------


def _row_conditions(conditions: Any, n: int) -> tuple[list[tuple[Condition, ...]], NDArray[np.intp]]:
    """Return (distinct condition sets, the set of each row) of a mapping or a per-row DataFrame."""
    import pandas as pd

    if isinstance(conditions, Mapping):
        conds = tuple(parse(column, spec) for column, spec in conditions.items())
        return [conds], np.zeros(n, dtype=np.intp)
    if isinstance(conditions, pd.DataFrame):
        if len(conditions) != n:
            raise ConditionError(
                f"conditions: a DataFrame of per-row conditions needs one row per sampled row; it has "
                f"{len(conditions)} rows for n={n}."
            )
        keys: dict[tuple[Condition, ...], int] = {}
        which = np.empty(n, dtype=np.intp)
        columns = [str(c) for c in conditions.columns]
        for c in conditions.columns:
            if not isinstance(c, str):
                raise ConditionError(f"conditions: column names are strings; got {c!r} ({type(c).__name__}).")
        frame = conditions.astype(object)
        for i, row in enumerate(frame.itertuples(index=False, name=None)):
            try:
                key = tuple(parse(col, v) for col, v in zip(columns, row, strict=True) if not _cell_missing(v))
            except ConditionError as exc:
                label = _scalar(conditions.index[i])
                where = f"row {i}" if label == i and type(label) is int else f"row {label!r} (position {i})"
                raise ConditionError(f"per-row conditions, {where}: {exc}") from None
            which[i] = keys.setdefault(key, len(keys))
        return list(keys), which
    raise ConditionError(
        f"conditions={_short(conditions)} ({type(conditions).__name__}): pass a dict of column -> condition, or a "
        "DataFrame with one row of conditions per sampled row."
    )


@dataclass
class GapConditions:
    """Conditions kept by redrawing: on gap columns (a fitted column modelled as another plus a gap: ``checkout``
    after ``checkin``), on sums and products and the parts the sampler redraws to keep one in its range
    (``Model._redrawn_parts``), and on the upper column of an order constraint (``b`` of ``a < b``) whose rows
    condition a column below it too.

    Such a column's values have no latent region of their own (``b`` of ``a < b`` is drawn above ``a``, from its
    distribution given the rest of the row, where its own draw falls below), so ``Model.sample`` keeps only the
    rows that meet these conditions, redrawing the rest (``Model._keep_rows``) from the model given the other
    conditions: exact in distribution, as rejection is, and row-stable. ``keys`` are the distinct condition sets,
    ``which`` each sampled row's (by its row number), and ``ranges`` each condition's inclusive ranges of raw
    values. ``above`` maps each order-constrained column kept this way to the conditioned columns below it.
    """

    model: Model
    keys: list[tuple[Condition, ...]]
    which: NDArray[np.intp]
    ranges: dict[Condition, list[tuple[float, float]]]
    above: dict[str, list[str]] = field(default_factory=dict)
    #: The index of a per-row conditions DataFrame (its rows' labels, for messages), else None.
    labels: Any = None

    def failing(self, frame: Any) -> NDArray[np.bool_]:
        """Whether each row of ``frame`` (rows numbered by its index) breaks its conditions."""
        return np.asarray(self._failing_each(frame).any(axis=0), dtype=bool)

    def _failing_each(self, frame: Any) -> NDArray[np.bool_]:
        """Per condition of :attr:`ranges` (in its order) and row of ``frame``: whether the row is under the
        condition and breaks it."""
        conds = list(self.ranges)
        rows = np.asarray(frame.index, dtype=np.intp)
        key_of = self.which[rows]
        bad = np.zeros((max(len(conds), 1), len(frame)), dtype=bool)
        position = {cond: i for i, cond in enumerate(conds)}
        raws: dict[str, NDArray[np.float64]] = {}
        for k, key in enumerate(self.keys):
            here = key_of == k
            if not key or not here.any():
                continue
            for cond in key:
                if cond.column not in raws:
                    raws[cond.column] = _raw_values(self.model.column(cond.column), frame[cond.column])
                values = raws[cond.column][here]
                inside = np.zeros(len(values), dtype=bool)
                for low, high in self.ranges[cond]:
                    inside |= (values >= low) & (values <= high)
                bad[position[cond], np.flatnonzero(here)[~inside]] = True
        return bad

    def edge_columns(self) -> list[str]:
        """The model's columns but the conditioned ones and those they are computed from or drawn above (the column
        below a gap, a sum's parts, the columns below in order constraints): where edge rows may go without
        pinning what the conditions rest on."""
        from ._constraints import order_below

        below = order_below(self.model._order_constraints) if self.above else {}
        rest_on: set[str] = set()
        for key in self.keys:
            for cond in key:
                col: Any = self.model.column(cond.column)
                if cond.column in self.above:
                    rest_on.update([cond.column, *below.get(cond.column, ())])
                    continue
                rest_on.update([cond.column, *([col.after] if col.after is not None else getattr(col, "parts", []))])
        return [c for c in self.model.columns if c not in rest_on]

    def error(self, frame: Any, rounds: int, drawn: int) -> ConditionError:
        """The error when rows still break their conditions after ``rounds`` redraws each (``drawn`` rows in all)."""
        each = self._failing_each(frame)
        bad = each.any(axis=0)
        conds = sorted({str(c) for key in self.keys for c in key})
        first = list(self.ranges)[int(np.flatnonzero(each[:, np.flatnonzero(bad)[0]])[0])]
        col: Any = self.model.column(first.column)
        start = (
            f"condition {', '.join(conds)}: {int(bad.sum()):,} of {len(frame):,} rows still break it after "
            f"{rounds:,} redraws ({drawn:,} rows drawn)."
        )
        if self.labels is not None and len(self.keys) > 1:  # (per-row conditions: which row, with which)
            pos = int(np.asarray(frame.index)[np.flatnonzero(bad)[0]])
            label = _scalar(self.labels[pos])
            where = f"row {pos}" if label == pos and type(label) is int else f"row {label!r} (position {pos})"
            named = ", ".join(str(c) for c in self.keys[int(self.which[pos])])
            start += f" The first is {where} of the per-row conditions, under {named}."
        if first.column in self.above:
            lows = self.above[first.column]
            named = ", ".join(repr(c) for c in lows)
            links = _order_links(self.model, [*lows, first.column])
            return ConditionError(
                f"{start} Column {first.column!r} is conditioned together with {named} below it in the model's "
                f"constraint{'s' if len(links) > 1 else ''} {', '.join(repr(t) for t in links)}, so it is drawn above "
                f"{'it' if len(lows) == 1 else 'them'} from its distribution given the rest of the row and "
                f"the rows that meet its condition are kept; this one is too rare for that under the condition on "
                f"{named}. Widen it, or condition on only one of the columns (the other then follows the constraint)."
            )
        if col.after is None and not hasattr(col, "parts"):  # (a part of a sum or product that the sampler redraws)
            scol = next(c for c in self.model._sums if col.name in c.parts)
            return ConditionError(
                f"{start} Column {col.name!r} is a part of {scol.name!r} = {scol.formula} (found by fit), which the "
                f"sampler keeps in its own range by redrawing {col.name!r} in the rows where it leaves it, so a "
                f"condition on {col.name!r} keeps the rows that meet it, and this one is too rare for that; widen it, "
                f"or fit {scol.name!r} as a column of its own (then no part is redrawn): "
                f"sd.fit(..., columns={{{scol.name!r}: {fit_kind(scol)!r}}})."
            )
        what, others = (
            (f"is {col.after!r} plus a gap fitted apart", repr(col.after))
            if col.after is not None
            else (f"equals {col.formula} in every row (found by fit)", "its parts")
        )
        caveat = (
            f" (then the order '{col.after} <= {col.name}' is kept by drawing {col.after!r} below it, which is near, "
            "not exactly, the model given a condition on it alone)"
            if col.after is not None
            else ""
        )
        return ConditionError(
            f"{start} Column {col.name!r} {what}, so a condition on it keeps the rows that meet it, and this one is "
            f"too rare for that; widen it, condition on {others} as well, or fit {col.name!r} as a column of its "
            f"own: sd.fit(..., columns={{{col.name!r}: {fit_kind(col)!r}}}){caveat}."
        )


def fit_kind(col: Any) -> str:
    """The ``columns=`` kind of ``sd.fit`` that keeps a number or date column modelled on its own."""
    from ._columns import ConditionalColumn, DatetimeColumn

    inner = col.base if isinstance(col, ConditionalColumn) or hasattr(col, "parts") else col
    if isinstance(inner, DatetimeColumn):
        return "datetime"
    return "integer" if getattr(inner, "integer", False) else "float"


def _raw_values(col: Any, values: Any) -> NDArray[np.float64]:
    """A number or date column's values in its raw units (dates: whole units of the column since the epoch)."""
    import pandas as pd

    from ._columns import ConditionalColumn, DatetimeColumn

    inner = col.base if isinstance(col, ConditionalColumn) or hasattr(col, "parts") else col
    if isinstance(inner, DatetimeColumn):
        stamps = values.dt.tz_convert("UTC").dt.tz_localize(None) if values.dt.tz is not None else values
        ns = stamps.to_numpy(dtype="datetime64[ns]").astype(np.int64)
        return (ns // inner.unit_ns).astype(np.float64)  # type: ignore[no-any-return]
    return pd.to_numeric(values).to_numpy(dtype=np.float64, na_value=np.nan)  # type: ignore[no-any-return]


def _kept_above(key: tuple[Condition, ...], below: Mapping[str, set[str]]) -> dict[str, list[str]]:
    """The columns of ``key`` conditioned on values (not missing) with a column so conditioned below them in an
    order constraint, each with those columns: their conditions are kept by redrawing (:class:`GapConditions`)."""
    valued = {c.column for c in key if c.kind in ("values", "range")}
    return {c: sorted(below[c] & valued) for c in sorted(valued) if below.get(c, set()) & valued}


def split_gap_conditions(model: Model, conditions: Any, n: int) -> tuple[Any, GapConditions | None]:
    """Return ``conditions`` without those kept by redrawing (None when none is left), and those as
    :class:`GapConditions` (None when there are none).

    Kept are the conditions on gap columns, sums and products (no latent region of their own), the values and
    ranges of the parts of a sum or product that the sampler redraws to keep it in its range (a row whose parts add
    up beyond it takes a new value of such a part, so its latent range is not where its final values lie: drawn
    there and held, the part's rows the model moves into the range, or out of it, would be missing), and, in each row,
    those on the upper column of an order constraint whose lower column (along a chain: any below it) is
    conditioned on values too: ``b`` of ``a < b`` is drawn above ``a`` from its distribution given the row, so
    drawing ``a`` under its condition and keeping the rows whose ``b`` meets its own is the model given both,
    exactly, where drawing both from their latent boxes would break the constraint in some rows. A missing value,
    a value of another kind or an empty range of such a column, or conditions that leave no room for an order
    constraint, raise :class:`ConditionError` here.
    """
    import pandas as pd

    from ._columns import ConditionalColumn
    from ._constraints import order_below

    # (gap columns, and sums and products: no latent region of their own either)
    gapped = {c.name for c in model._gaps} | {c.name for c in model._sums}
    # (the parts the sampler may redraw to keep a sum or product in its range: their final values are not where their
    # latent scores put them in every row, so a latent range of theirs is not the model's conditional)
    redrawn = set(model._redrawn_parts)
    below = order_below(model._order_constraints)
    if isinstance(conditions, Mapping):
        given = [c for c in conditions if isinstance(c, str)]
    elif isinstance(conditions, pd.DataFrame):
        given = [c for c in conditions.columns if isinstance(c, str)]
    else:
        return conditions, None  # (the usual error for what is neither)
    # (an order constraint needs a look at each row only where columns on both of its sides are conditioned)
    ordered = any(below.get(c, set()) & set(given) for c in given)
    if not ordered and not any(c in gapped or c in redrawn for c in given):
        return conditions, None
    # (each row's whole set of conditions, once per distinct set: a gap's reach is checked against the conditions
    # of the same rows only)
    full_keys, full_which = _row_conditions(conditions, n)
    mine_of: dict[tuple[Condition, ...], int] = {}
    key_of = np.empty(len(full_keys), dtype=np.intp)
    ranges: dict[Condition, list[tuple[float, float]]] = {}
    above: dict[str, list[str]] = {}
    moved: list[set[str]] = []  # (per full key: the columns whose conditions are kept by redrawing)
    resolver: _Resolver | None = None
    per_row = isinstance(conditions, pd.DataFrame)
    for k, full in enumerate(full_keys):
        kept = _kept_above(full, below) if ordered else {}
        own = tuple(
            c
            for c in full
            if c.column in gapped or c.column in kept or (c.column in redrawn and c.kind in ("values", "range"))
        )
        moved.append({c.column for c in own})
        key_of[k] = mine_of.setdefault(own, len(mine_of))
        for column, lows in kept.items():
            above[column] = sorted({*above.get(column, []), *lows})
        try:
            boxed = [c for c in own if c.column in kept or c.column in redrawn]
            if boxed:
                if resolver is None:
                    resolver = _Resolver(model)
                resolver.prefetch(boxed)
                for cond in boxed:  # (a value the model never gives, an empty range: the usual errors, at once)
                    if not resolver.region(cond):
                        raise ConditionError(
                            f"condition {cond}: no row of the model meets it{_why_never(model, cond)}."
                        )
            if kept:
                _check_order_reach(model, full, below)
            for cond in own:
                if cond not in ranges:
                    col: Any = model.column(cond.column)
                    inner = col.base if isinstance(col, ConditionalColumn) or hasattr(col, "parts") else col
                    if cond.kind == "null":
                        raise ConditionError(
                            f"condition {cond}: column {cond.column!r} is never missing in this model."
                        )
                    ranges[cond] = [_raw_bounds(inner, c, cond) for c in _spans(cond)]
                    if cond.kind == "values" and cond.column in redrawn:  # (a value to the precision the model stores)
                        levels = getattr(col, "levels", [inner])
                        atoms = np.unique(np.concatenate([_atoms(level) for level in levels]))
                        ranges[cond] = [(_stored(atoms, low), _stored(atoms, low)) for low, _ in ranges[cond]]
                if cond.column in gapped:
                    _check_reach(model, cond, ranges[cond], [c for c in full if c.column not in gapped])
                elif cond.column in redrawn:
                    _check_part_reach(model, cond, ranges[cond], [c for c in full if c is not cond])
        except ConditionError as exc:
            if not per_row or len(full_keys) == 1:
                raise
            raise ConditionError(f"{_row_context(conditions.index, full_which, k, full)}: {exc}") from None
    if not ranges:
        return conditions, None
    rest: Any
    if isinstance(conditions, Mapping):
        rest = {c: v for c, v in conditions.items() if c not in moved[0]} or None
    else:
        left = [c for c in conditions.columns if c not in gapped and c not in redrawn]
        rest = conditions[left] if left else None
        gone = {c: np.array([c in m for m in moved], dtype=bool)[full_which] for c in left}
        if rest is not None and any(g.any() for g in gone.values()):
            rest = rest.astype(object)  # (a copy; the rows whose conditions on a column are kept leave it blank there,
            for j, column in enumerate(left):  # the others' stay boxes)
                if gone[column].any():
                    rest.iloc[np.flatnonzero(gone[column]), j] = None
    labels = conditions.index if per_row else None
    return rest, GapConditions(model, list(mine_of), key_of[full_which], ranges, above, labels)


def below_conditioned(model: Model, conditions: Any) -> set[str]:
    """The columns below a column ``conditions`` hold to values (not missing), along order constraints: an edge row
    pinning one (``a`` at its top, under ``a < b`` and ``b`` in (50, 70)) could leave the constraint no room."""
    import pandas as pd

    from ._constraints import order_below

    if not model._order_constraints:
        return set()
    if isinstance(conditions, Mapping):
        named = [c for c, spec in conditions.items() if not _cell_missing(spec)]
    elif isinstance(conditions, pd.DataFrame):
        named = list(conditions.columns)
    else:
        return set()
    below = order_below(model._order_constraints)
    return {low for c in named if isinstance(c, str) for low in below.get(c, ())}


def _order_links(model: Model, columns: list[str]) -> list[str]:
    """The order constraints (as written) on the chains between ``columns``: those whose two columns each are one
    of them or lie between two of them."""
    from ._constraints import order_below

    below = order_below(model._order_constraints)
    named = set(columns)
    between = {c for c, lows in below.items() if c in named or (lows & named and any(c in below[m] for m in named))}
    return [f"{a} {'<' if strict else '<='} {b}" for a, b, strict in model._order_constraints if {a, b} <= between]


def _check_order_reach(model: Model, key: tuple[Condition, ...], below: Mapping[str, set[str]]) -> None:
    """Raise ConditionError at once where the conditions of one row on columns that order constraints link leave
    those constraints no room (``a`` in (60, 70) and ``b`` in (10, 20) beside ``a < b``): each column's least and
    greatest value under its condition, narrowed along every chain as fit narrows bounds."""
    from ._columns import ConditionalColumn
    from ._constraints import propagate_order_ends

    ends = {c: list(v) for c, v in model._order_ends.items()}
    conds = {c.column: c for c in key if c.column in ends and c.kind in ("values", "range")}
    for column, cond in conds.items():
        col: Any = model.column(column)
        inner = col.base if isinstance(col, ConditionalColumn) else col
        spans = [_raw_bounds(inner, c, cond) for c in _spans(cond)]
        ends[column][0] = max(ends[column][0], min(lo for lo, _ in spans))
        ends[column][1] = min(ends[column][1], max(hi for _, hi in spans))
    propagate_order_ends(model._by_name, model._order_constraints, ends)
    for column, (least, greatest) in ends.items():
        if least > greatest:
            col = model.column(column)
            # (the conditions on the column and on those above or below it)
            named = [c for c in conds if c == column or c in below.get(column, ()) or column in below.get(c, ())]
            links = _order_links(model, named)
            raise ConditionError(
                f"conditions {', '.join(str(conds[c]) for c in named)}: the model's constraint"
                f"{'s' if len(links) > 1 else ''} {', '.join(repr(t) for t in links)} cannot hold with them in any "
                f"row (under them {column!r} would lie at or above {col.show(least)} and at or below "
                f"{col.show(greatest)}); condition them consistently with it."
            )


def _spans(cond: Condition) -> list[Condition]:
    """A range condition, or each value of a values condition as a range of one value."""
    return [cond] if cond.kind == "range" else [Condition(cond.column, "range", low=v, high=v) for v in cond.values]


def _level_range(col: Any) -> tuple[float, float]:
    """The least and greatest raw value a number or date column gives (over its segment groups' marginals)."""
    ends = np.array([level.value_range() for level in getattr(col, "levels", [col])], dtype=np.float64)
    return float(ends[:, 0].min()), float(ends[:, 1].max())


def _check_reach(model: Model, cond: Condition, wanted: list[tuple[float, float]], others: list[Condition]) -> None:
    """Raise ConditionError when a condition on a gap column lies beyond what the column below it plus its gap
    can reach (the column below within its own condition among ``others``, the conditions of the same rows), or
    one on a sum or product beyond what its parts' ranges give."""
    from ._columns import ConditionalColumn

    col: Any = model.column(cond.column)
    if col.after is None:  # a sum or product: its parts' ranges combined, rounded as it rounds
        from ._fidelity.validate import _sum_span

        low, high = _sum_span(model, col)
        if not any(lo <= high and hi >= low for lo, hi in wanted):
            raise ConditionError(
                f"condition {cond}: the model never gives such a value in column {cond.column!r}, which equals "
                f"{col.formula} in every row: its values lie in [{col.base.show(low)} .. {col.base.show(high)}]."
            )
        return
    below = model.column(str(col.after))
    low, high = _level_range(below)
    under = "the conditions"
    for other in others:
        if other.column == below.name and other.kind in ("range", "values"):
            inner = below.base if isinstance(below, ConditionalColumn) else below
            bounds = [_raw_bounds(inner, c, other) for c in _spans(other)]
            low, high = max(low, min(b[0] for b in bounds)), min(high, max(b[1] for b in bounds))
            under = f"the condition {other}"
    gap_low, gap_high = _level_range(col)
    reach = (low + gap_low, high + gap_high)
    if not any(lo <= reach[1] and hi >= reach[0] for lo, hi in wanted):
        raise ConditionError(
            f"condition {cond}: {cond.column!r} is {below.name!r} plus a gap fitted apart ('{below.name} <= "
            f"{cond.column}' in every row of the data), so under {under} it lies in "
            f"[{below.show(reach[0])} .. {below.show(reach[1])}]: '{below.name} <= {cond.column}' cannot hold with "
            f"this condition. Widen it, or change the condition on {below.name!r}."
        )


def _check_part_reach(
    model: Model, cond: Condition, wanted: list[tuple[float, float]], others_given: list[Condition]
) -> None:
    """Raise ConditionError when a condition on a part of a sum or product that the sampler redraws lies beyond
    what the sum's own range lets the part take beside its other parts' ranges, each within its own condition among
    ``others_given`` (the conditions of the same rows): ``number`` of ``late = number - early``, ``late`` in 0 .. 8
    and ``early`` in 0 .. 12, is at most 20, where no row would ever meet it."""
    import itertools

    from ._columns import ConditionalColumn

    scol: Any = next(c for c in model._sums if cond.column in c.parts)
    lo, hi = scol.base.value_range()
    others = [p for p in scol.parts if p != cond.column]
    spans = {p: model._part_range(p) for p in others}
    narrowed = False
    for other in others_given:
        if other.column in spans and other.kind in ("range", "values"):
            narrowed = True
            col: Any = model.column(other.column)
            inner = col.base if isinstance(col, ConditionalColumn) or hasattr(col, "parts") else col
            bounds = [_raw_bounds(inner, c, other) for c in _spans(other)]
            a, b = spans[other.column]
            spans[other.column] = (max(a, min(x for x, _ in bounds)), min(b, max(y for _, y in bounds)))
    corners = np.array(list(itertools.product(*(spans[p] for p in others))), dtype=np.float64)
    common = {p: corners[:, i] for i, p in enumerate(others)}
    common[cond.column] = np.zeros(len(corners))
    with np.errstate(divide="ignore", invalid="ignore"):
        least, most = scol.part_interval(cond.column, common, lo, hi)
    own_low, own_high = model._part_range(cond.column)
    low, high = max(own_low, float(np.min(least))), min(own_high, float(np.max(most)))
    if not any(a <= high and b >= low for a, b in wanted):
        part = model.column(cond.column)
        ranges = " and ".join(
            f"{p!r} in [{model.column(p).show(a)} .. {model.column(p).show(b)}]" for p, (a, b) in spans.items()
        )
        raise ConditionError(
            f"condition {cond}: the model never gives such a value in column {cond.column!r}"
            f"{' under the other conditions' if narrowed else ''}: it is a part of {scol.name!r} = "
            f"{scol.formula} (found by fit), which the sampler keeps in [{scol.base.show(lo)} .. "
            f"{scol.base.show(hi)}], and beside {ranges} that leaves {cond.column!r} in "
            f"[{part.show(low)} .. {part.show(high)}]."
        )


def _cell_missing(value: Any) -> bool:
    if isinstance(value, (list, tuple, set, frozenset, np.ndarray)):
        return False
    return _missing(value)


#: Each model's boxes (and their tilts) of conditions shared by every row, per (conditions, rows): a benchmark
#: or a factory samples with the same conditions again and again, and they were checked the first time.
_SHARED: weakref.WeakKeyDictionary[Any, dict[Any, tuple[list[Any], dict[int, Any]] | None]] = (
    weakref.WeakKeyDictionary()
)
_SHARED_MAX = 16
#: Samples larger than this keep no boxes (their row indices take memory).
_SHARED_ROWS = 2**20


def conditioned(model: Model, inner: LatentSource, conditions: Any, n: int) -> LatentSource:
    """Return a latent source drawing ``inner``'s rows under ``conditions`` (see the module docstring)."""
    shared = isinstance(conditions, Mapping) and n <= _SHARED_ROWS and not inner.given(model.latent_space)
    raw = _raw_key(conditions, n) if shared else None
    cache = _SHARED.get(model)
    if raw is not None and cache is not None and raw in cache:
        return _cached_source(inner, cache[raw])
    keys, which = _row_conditions(conditions, n)
    if not shared or len(keys) != 1:
        import pandas as pd

        labels = conditions.index if isinstance(conditions, pd.DataFrame) else None
        return conditioned_rows(model, inner, keys, which, n, labels=labels)
    key: Any = (tuple(_typed(c) for c in keys[0]), n)
    try:
        hash(key)
    except TypeError:  # (a value that is not hashable: resolved every time)
        key = None
    if key is not None and cache is not None and key in cache:
        return _cached_source(inner, cache[key])
    source = conditioned_rows(model, inner, keys, which, n)
    if key is not None:
        from ._latent import Regions

        if cache is None or len(cache) >= _SHARED_MAX:
            cache = _SHARED[model] = {}
        cache[key] = (source.groups, dict(source._tilted)) if isinstance(source, Regions) else None
        if raw is not None:
            cache[raw] = cache[key]
    return source


def _raw_key(conditions: Mapping[Any, Any], n: int) -> Any:
    """A key of ``conditions`` as given (each value with its type), or None when one is not hashable (a list)."""
    try:
        key = (
            tuple((column, type(spec), _typed_values(spec)) for column, spec in conditions.items()),
            n,
        )
        hash(key)
    except TypeError:
        return None
    return key


def _typed_values(spec: Any) -> Any:
    """A condition's value(s) each with its type (``1 == True``, and so are two sets of them)."""
    if isinstance(spec, tuple):
        return tuple((type(v), v) for v in spec)
    if isinstance(spec, frozenset):
        return frozenset((type(v), v) for v in spec)
    return spec


def _cached_source(inner: LatentSource, known: tuple[list[Any], dict[int, Any]] | None) -> LatentSource:
    """The source of cached boxes (and their tilts) over ``inner``; ``inner`` itself when every row meets them."""
    from ._latent import Regions

    if known is None:
        return inner
    groups, tilts = known
    source = Regions(inner, groups)
    source._tilted.update(tilts)
    return source


def row_conditions(conditions: Any, n: int) -> tuple[list[tuple[Condition, ...]], NDArray[np.intp]]:
    """Return (distinct condition sets, the index of each of ``n`` rows' set) of ``sample(conditions=...)``.

    None (no conditions) is one empty set shared by every row.
    """
    if conditions is None:
        return [()], np.zeros(n, dtype=np.intp)
    return _row_conditions(conditions, n)


def conditioned_rows(
    model: Model,
    inner: LatentSource,
    keys: list[tuple[Condition, ...]],
    which: NDArray[np.intp],
    n: int,
    *,
    floor: float = FLOOR,
    labels: Any = None,
) -> LatentSource:
    """Return a latent source drawing row ``i`` of ``inner`` under the conditions ``keys[which[i]]``.

    A row whose conditions are less likely than ``floor`` raises ConditionError; ``floor=0`` refuses only
    rows they leave no room at all (a linked table's child rows: its conditions' probability is checked
    over all parents, and a row given an unusual parent is drawn from its own, far, conditional tail).
    ``labels`` (the index of a per-row conditions DataFrame) names the first row that cannot be met in the
    error, with its conditions.
    """
    from ._latent import Regions

    resolver = _Resolver(model)
    try:
        resolver.prefetch([c for key in keys for c in key])
    except ConditionError:
        if labels is None or len(keys) == 1:
            raise
        # (which row: each set of conditions in the order of its first row, the first that fails named below)
    regions = []
    for k, key in enumerate(keys):
        try:
            region = _key_region(resolver, key)
            if not region:
                if len(key) == 1:
                    raise ConditionError(
                        f"condition {key[0]}: no row of the model meets it{_why_never(model, key[0])}."
                    )
                raise ConditionError(
                    f"conditions {', '.join(str(c) for c in key)}: no row of the model meets them all (they "
                    "exclude each other)."
                )
        except ConditionError as exc:
            if labels is None or len(keys) == 1:
                raise
            raise ConditionError(f"{_row_context(labels, which, k, key)}: {exc}") from None
        regions.append(region)
    box_rows = _box_rows(regions, which, n)
    if not box_rows:
        return inner
    source = Regions(inner, box_rows)
    shared = len(keys) == 1
    first: int | None = None  # (the first row below the floor, over every group)
    for group in box_rows:
        total = _log_mass(model, source, group)
        bad = np.flatnonzero(~(total >= math.log(floor)) if floor > 0 else ~(total > -math.inf))
        if len(bad):
            row = int(group.rows[bad[0]] if len(group.rows) == len(total) else group.rows[0])
            first = row if first is None else min(first, row)
            if shared and len(total) == 1:
                break
    if first is not None:
        k = 0 if shared else int(which[first])
        named = ", ".join(str(c) for c in keys[k])
        why = f"together they have probability below the floor {max(floor, 1e-300):g} under the model; widen them or drop one."
        if labels is not None and not shared:
            raise ConditionError(f"{_row_context(labels, which, k, keys[k])}: conditions {named}: {why}")
        raise ConditionError(f"conditions {named}{'' if shared else f' (row {first})'}: {why}")
    return source


def candidate_source(
    model: Model,
    inner: LatentSource,
    keys: list[tuple[Condition, ...]],
    which: NDArray[np.intp],
    at: NDArray[np.int64],
    per: int,
) -> LatentSource:
    """Return a source of rows ``at`` (sorted) of ``inner``, row ``at[j]`` drawn under the conditions
    ``keys[which[at[j] // per]]`` (sampled row ``at[j] // per``'s): each sampled row's ``per`` candidate rows of a
    redraw round, numbered apart from every other row's, so a row's candidates never depend on which rows redraw.

    Every key was resolved (and checked) when the sample was first drawn.
    """
    from ._latent import BoxRows, Gathered, Regions

    owner = which[at // per]
    used = np.unique(owner)
    resolver = _Resolver(model)
    regions = [_key_region(resolver, keys[int(k)]) for k in used]
    local = np.searchsorted(used, owner)  # (one set for every row: _box_rows shares one box array)
    groups = [BoxRows(at[g.rows], g.coords, g.low, g.high) for g in _box_rows(regions, local.astype(np.intp), len(at))]
    return Gathered(Regions(inner, groups) if groups else inner, at)


def _row_context(labels: Any, which: NDArray[np.intp], k: int, key: tuple[Condition, ...]) -> str:
    """Words naming the first row of a per-row conditions DataFrame (``labels``: its index) whose set of
    conditions is ``keys[k]``, with its conditions (its cells that are not empty)."""
    pos = int(np.argmax(which == k))
    label = _scalar(labels[pos])
    where = f"row {pos}" if label == pos and type(label) is int else f"row {label!r} (position {pos})"
    cells = ", ".join(str(c) for c in key) or "none"
    return f"per-row conditions, {where}, the first that cannot be met (its conditions: {cells})"


def _why_never(model: Model, condition: Condition) -> str:
    """Why no row meets one condition the column's overall values allow: it is fitted per group of a segment
    column, and every group saw the value too rarely to store it."""
    from ._columns import ConditionalColumn

    col = model._by_name.get(condition.column)
    if not isinstance(col, ConditionalColumn):
        return ""
    return (
        f" (column {condition.column!r} is fitted per group of {col.given!r}, and no group keeps such a value: each "
        f"saw it in too few rows to store it); sd.fit(..., segments=False) keeps one marginal of the column"
    )


def possible(model: Model, keys: list[tuple[Condition, ...]]) -> NDArray[np.bool_]:
    """Return which condition sets ``keys`` a row of ``model`` can meet (as :func:`conditioned_rows` would draw it).

    A set is impossible when its conditions exclude each other, one of them alone is not met, or together they
    are less likely than :data:`FLOOR`; where :func:`conditioned_rows` raises ConditionError, this says False.
    """
    from ._latent import Regions, SuppliedRows

    resolver = _Resolver(model)
    ok = np.zeros(len(keys), dtype=bool)
    regions: list[list[Box]] = []
    kept: list[int] = []
    for i, key in enumerate(keys):
        try:
            resolver.prefetch(list(key))
            region = _key_region(resolver, key)
        except ConditionError:
            continue
        if region:
            regions.append(region)
            kept.append(i)
    if not kept:
        return ok
    index = np.asarray(kept, dtype=np.intp)
    ok[index] = True
    if len(kept) == 1:  # (one set is shared by every row: give it two rows so each row has its own)
        regions.append(regions[0])
    which = np.arange(len(regions), dtype=np.intp)
    box_rows = _box_rows(regions, which, len(regions))
    space = model.latent_space
    source = Regions(SuppliedRows(np.zeros((1, space.dims))), box_rows)
    for group in box_rows:
        rows = group.rows[group.rows < len(kept)]
        below = ~(_log_mass(model, source, group)[: len(rows)] >= math.log(FLOOR))
        ok[index[rows[below]]] = False
    return ok


def _key_region(resolver: _Resolver, key: tuple[Condition, ...]) -> list[Box]:
    """The union of latent boxes where a row meets every condition of ``key`` (empty: they exclude each other)."""
    seen: set[str] = set()
    region: list[Box] = [{}]
    for cond in key:
        if cond.column in seen:
            raise ConditionError(f"conditions: column {cond.column!r} is conditioned twice; give it one condition.")
        seen.add(cond.column)
        region = _meet_all(region, resolver.region(cond))
        if not region:
            return []
    return region


def _box_rows(regions: list[list[Box]], which: NDArray[np.intp], n: int) -> list[Any]:
    """The :class:`BoxRows` groups (one per set of constrained coordinates) of ``n`` rows, row ``i`` in ``regions[which[i]]``."""
    from ._latent import BoxRows

    groups: dict[tuple[int, ...], list[int]] = {}
    for i, region in enumerate(regions):
        coords = tuple(
            sorted({j for box in region for j, iv in box.items() if math.isfinite(iv[0]) or math.isfinite(iv[1])})
        )
        if coords:
            groups.setdefault(coords, []).append(i)
    shared = len(regions) == 1
    box_rows = []
    for coords, members in groups.items():
        n_boxes = max(len(regions[i]) for i in members)
        k = len(coords)
        low = np.full((len(members), n_boxes, k), math.inf)
        high = np.full((len(members), n_boxes, k), -math.inf)
        for m, i in enumerate(members):
            for b, box in enumerate(regions[i]):
                for t, j in enumerate(coords):
                    low[m, b, t], high[m, b, t] = box.get(j, (-math.inf, math.inf))
        if shared:
            rows = np.arange(n, dtype=np.int64)
        else:
            position = np.full(len(regions), -1, dtype=np.intp)
            position[members] = np.arange(len(members))
            rows = np.flatnonzero(position[which] >= 0).astype(np.int64)
            low, high = low[position[which[rows]]], high[position[which[rows]]]
        box_rows.append(BoxRows(rows, coords, low, high))
    return box_rows


def _log_mass(model: Model, source: Any, group: Any) -> NDArray[np.float64]:
    """Per row of ``group`` (one row when its rows share one region): an upper bound of its region's log probability."""
    _, psi = source.tilts(model.latent_space, group)
    top = psi.max(axis=1)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        return np.asarray(top + np.log(np.exp(psi - top[:, None]).sum(axis=1)), dtype=np.float64)


def describe(conditions: Any) -> str:
    """Return conditions as one line for messages and the failure report."""
    try:
        import pandas as pd

        if isinstance(conditions, pd.DataFrame):
            return f"per-row conditions on {list(conditions.columns)} ({len(conditions)} rows)"
    except ImportError:  # pragma: no cover - pandas is a dependency
        pass
    if isinstance(conditions, Mapping):
        parts = []
        for column, spec in conditions.items():
            try:
                parts.append(str(parse(column, spec)))
            except ConditionError:
                parts.append(f"{column}={_short(spec)}")
        return ", ".join(parts)
    return _short(conditions)
