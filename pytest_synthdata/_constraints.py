"""Constraints: order between columns (``a < b``), ranges (``18 <= age <= 65``), and their order of enforcement.

Schemas declare them; fitted models detect order relations in the data or
take constraints from ``fit(constraints=...)``. Order constraints are stored
as ``(low, high, strict)`` triples, enforced by the model's constraint stage
(``_model``) in an order where every column comes after the columns it must
exceed; a range narrows its column's bounds (truncation, like a declared
``low``/``high``). :func:`parse_constraint` reads the string form, a chain of
comparisons between columns and values: ``"signup < last_login"``,
``"a <= b <= c"``, ``"18 <= age <= 65"``, ``"signup >= '2020-01-01'"``.
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Sequence
from typing import Any

from .errors import InvalidConstraint

__all__ = [
    "LessThan",
    "Range",
    "dependency_order",
    "order_below",
    "order_by_dependency",
    "apply_range",
    "parse_constraint",
    "range_end",
]


class LessThan:
    """Cross-column constraint ``low < high`` (or ``<=`` with ``strict=False``), true in every row.

    Built by construction: where a row's draw violates it, ``high`` is redrawn
    from its own distribution conditioned to lie above ``low``; rows are never
    dropped. Rows where either value is null satisfy it vacuously. Schemas also accept the strings
    ``"a < b"``, ``"a <= b"``, ``"b > a"`` and ``"b >= a"``.

    >>> LessThan("signup_date", "last_login")
    LessThan('signup_date', 'last_login', strict=True)
    """

    _PATTERN = re.compile(r"^\s*(\w+)\s*(<=|>=|<|>)\s*(\w+)\s*$")

    def __init__(self, low: str, high: str, *, strict: bool = True) -> None:
        self.low = low
        self.high = high
        self.strict = strict

    @classmethod
    def parse(cls, text: str) -> LessThan:
        """Return the constraint written as ``"a < b"`` (also ``<=``, ``>``, ``>=``)."""
        m = cls._PATTERN.match(text)
        if m is None:
            raise InvalidConstraint(
                f"constraint {text!r} is not of the form 'a < b' (or <=, >, >=) with two column names."
            )
        a, op, b = m.groups()
        if op in (">", ">="):
            a, b = b, a
        return cls(a, b, strict=op in ("<", ">"))

    def __repr__(self) -> str:
        return f"LessThan({self.low!r}, {self.high!r}, strict={self.strict})"

    def __str__(self) -> str:
        return f"{self.low} {'<' if self.strict else '<='} {self.high}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LessThan) and (self.low, self.high, self.strict) == (
            other.low,
            other.high,
            other.strict,
        )

    __hash__ = None  # type: ignore[assignment]


class Range:
    """Every value of ``column`` lies between ``low`` and ``high`` (inclusive; ``None`` leaves an end open).

    A number for a numeric column, a date (ISO string, ``datetime`` or
    Timestamp) for a date column. The column's distribution is truncated to
    the range, as declared bounds are: no value is clipped onto an end. Nulls
    satisfy it. Also written as a string, ``"18 <= age <= 65"`` or
    ``"age < 100"`` (a strict end excludes its value).

    >>> Range("age", 18, 65)
    Range('age', low=18, high=65)
    >>> str(Range("age", 18, None))
    '18 <= age'
    """

    def __init__(self, column: str, low: Any = None, high: Any = None) -> None:
        self.column = column
        self.low = low
        self.high = high
        #: whether an end excludes its value (only the string form writes ``<``)
        self.low_strict = False
        self.high_strict = False

    def __repr__(self) -> str:
        return f"Range({self.column!r}, low={self.low!r}, high={self.high!r})"

    def __str__(self) -> str:
        text = self.column
        if self.low is not None:
            text = f"{_show(self.low)} {'<' if self.low_strict else '<='} {text}"
        if self.high is not None:
            text = f"{text} {'<' if self.high_strict else '<='} {_show(self.high)}"
        return text

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Range) and str(self) == str(other)

    __hash__ = None  # type: ignore[assignment]


class FixedCombinations:
    """The values of ``columns`` (category or boolean columns of a fit) come only in combinations the data has.

    ``sd.fit(df, constraints=[sd.FixedCombinations(["city", "country"])])``:
    fit models the combinations as one joint category (those seen in at least
    ``min_count`` rows; rarer ones join the most alike), correlated with the
    other columns like any category, and each listed column looks its value
    up from it, so no sampled row pairs a city with another country. The
    columns may not have missing values. Schemas have no data to take
    combinations from: declare a category of combinations and derive the
    columns from it instead.

    >>> FixedCombinations(["city", "country"])
    FixedCombinations(['city', 'country'])
    """

    def __init__(self, columns: Sequence[str]) -> None:
        if isinstance(columns, str) or not isinstance(columns, Sequence) or len(columns) < 2:
            raise InvalidConstraint(
                f"FixedCombinations({columns!r}) needs a list of two or more column names, such as "
                "FixedCombinations(['city', 'country'])."
            )
        if len(set(columns)) != len(columns) or not all(isinstance(c, str) and c for c in columns):
            raise InvalidConstraint(f"FixedCombinations({columns!r}): name each column once, as a string.")
        self.columns = list(columns)

    def __repr__(self) -> str:
        return f"FixedCombinations({self.columns!r})"

    def __str__(self) -> str:
        return f"fixed combinations of {', '.join(self.columns)}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FixedCombinations) and self.columns == other.columns

    __hash__ = None  # type: ignore[assignment]


class Unique:
    """Every non-null value of ``column`` differs from the others in a sample.

    Enforced after sampling: a row whose value repeats an earlier row's takes
    that row of a fresh draw instead (up to :data:`MAX_REDRAWS` rounds), so a
    row depends only on the rows before it. A column that cannot hold ``n``
    distinct values (a category of 3 values, integers in 1..10) raises up front
    when it can tell, and after the redraws otherwise. Id and ``Faker(...,
    unique=True)`` columns are unique by construction and need no constraint.

    >>> Unique("invoice_no")
    Unique('invoice_no')
    """

    def __init__(self, column: str) -> None:
        if not isinstance(column, str) or not column:
            raise InvalidConstraint(f"Unique({column!r}) needs a column name, such as Unique('invoice_no').")
        self.column = column

    def __repr__(self) -> str:
        return f"Unique({self.column!r})"

    def __str__(self) -> str:
        return f"{self.column} is unique"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Unique) and self.column == other.column

    __hash__ = None  # type: ignore[assignment]

    def failing(self, frame: Any) -> Any:
        """Rows whose value repeats an earlier row's (nulls never do)."""
        col = frame[self.column]
        return (col.duplicated(keep="first") & col.notna()).to_numpy()

    def to_spec(self) -> dict[str, Any]:
        return {"type": "unique", "column": self.column}


class Predicate:
    """Rows satisfy ``function(df)``: a vectorised check returning one True (keep) or False per row.

    Enforced after sampling (after derived columns): a failing row takes that
    row of a fresh draw instead, up to :data:`MAX_REDRAWS` rounds, then the
    sample fails with the number of rows still failing. Each row's redraws are
    its own (row ``i`` of the ``r``-th fresh draw), so rows stay seeded and
    row-stable. ``function`` may be a callable or an importable reference
    ``"package.module:function"``: only a reference can be saved to a model
    file, and a loaded file imports it only with ``sd.load(path, trust=True)``.

    >>> Predicate(lambda df: df["discount"] <= df["price"], name="discount <= price")
    Predicate('discount <= price')
    """

    def __init__(self, function: Any, *, name: str | None = None) -> None:
        if isinstance(function, str):
            self.ref: str | None = function
            self.function: Any = None
        elif callable(function):
            self.ref, self.function = None, function
        else:
            raise InvalidConstraint(
                f"Predicate({function!r}) needs a function of the frame returning one bool per row, such as "
                "sd.Predicate(lambda df: df['discount'] <= df['price']), or a reference 'package.module:function'."
            )
        self.name = name or self.ref or getattr(function, "__name__", "predicate")

    def resolve(self, where: str) -> None:
        """Import the reference (a schema in code, or a trusted model file)."""
        if self.function is None and self.ref is not None:
            from ._columns import resolve_function

            self.function = resolve_function(self.ref, where)

    def __repr__(self) -> str:
        return f"Predicate({self.name!r})"

    def __str__(self) -> str:
        return f"predicate {self.name}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Predicate) and (self.ref, self.function, self.name) == (
            other.ref,
            other.function,
            other.name,
        )

    __hash__ = None  # type: ignore[assignment]

    def failing(self, frame: Any, dataset: str = "") -> Any:
        """Rows the function rejects, checked: one bool per row."""
        import numpy as np

        from .errors import InvalidArgument

        if self.function is None:
            raise InvalidArgument(
                f"dataset {dataset!r}: {self} is {self.ref!r}, and a model file runs no code unless trusted: load "
                "it with sd.load(path, trust=True) (CLI: --trust), or declare the dataset in Python."
            )
        try:
            keep = self.function(frame)
        except Exception as exc:
            raise InvalidArgument(f"dataset {dataset!r}: {self} raised {type(exc).__name__}: {exc}") from exc
        values = np.asarray(keep)
        missing = _missing_in_booleans(keep, len(frame))
        if missing:
            raise InvalidArgument(
                f"dataset {dataset!r}: {self} returned a boolean Series with {missing} missing value"
                f"{'s' if missing != 1 else ''} (a comparison with a missing value is missing, not False); return "
                "one True or False per row: fill them, e.g. (df['a'] > 3).fillna(False)."
            )
        if values.shape != (len(frame),) or values.dtype != bool:
            raise InvalidArgument(
                f"dataset {dataset!r}: {self} returned {values.dtype} of shape {values.shape}; return one bool per "
                f"row ({len(frame)}), such as df['a'] <= df['b']."
            )
        return ~values

    def to_spec(self) -> dict[str, Any]:
        from .errors import InvalidArgument

        if self.ref is None:
            raise InvalidArgument(
                f"{self} is a Python function, which a model file cannot hold (a file never carries code); declare "
                "it with an importable reference, sd.Predicate('package.module:function'), or keep the dataset in "
                "Python."
            )
        return {"type": "predicate", "function": self.ref, "name": self.name}


def _missing_in_booleans(keep: Any, rows: int) -> int:
    """How many missing values a nullable boolean result (pandas' "boolean" or pyarrow's bool) of one value per
    row holds; 0 for any other result (checked as it is)."""
    import pandas as pd

    dtype = getattr(keep, "dtype", None)
    if dtype is None or not pd.api.types.is_bool_dtype(dtype) or getattr(keep, "shape", None) != (rows,):
        return 0
    try:
        return int(pd.isna(keep).sum())
    except (TypeError, ValueError):
        return 0


#: Rounds of redraws a row gets to satisfy the row constraints (Unique, Predicate) before the sample fails.
MAX_REDRAWS = 100


def _show(value: Any) -> str:
    if isinstance(value, str):
        return repr(value)
    if hasattr(value, "isoformat"):
        return repr(value.isoformat())
    return f"{value:g}" if isinstance(value, float) else str(value)


_COMPARISON = re.compile(r"\s*(<=|>=|<|>)\s*")
_NAME = re.compile(r"^[A-Za-z_]\w*$")
_QUOTED = re.compile(r"""^(['"])(.*)\1$""")


def parse_constraint(text: str) -> list[LessThan | Range]:
    """Return the constraints a chain of comparisons writes: ``"a < b <= c"``, ``"18 <= age < 65"``.

    Operands are column names, numbers, or quoted dates; the comparisons all
    point the same way. Between two columns a comparison is a
    :class:`LessThan`; between a column and a value, one end of a :class:`Range`.

    >>> parse_constraint("a <= b < c")
    [LessThan('a', 'b', strict=False), LessThan('b', 'c', strict=True)]
    >>> [str(c) for c in parse_constraint("65 >= age >= 18")]
    ['18 <= age <= 65']
    """
    parts = _COMPARISON.split(text.strip()) if isinstance(text, str) else []
    ops = parts[1::2]
    if len(parts) < 3 or any(not p for p in parts[::2]) or len({op[0] for op in ops}) != 1:
        raise InvalidConstraint(
            f"constraint {text!r} is not a chain of comparisons all pointing the same way between column names, "
            "numbers and quoted dates, such as 'a < b', 'a <= b <= c' or '18 <= age < 65'."
        )
    operands = [_operand(p, text) for p in parts[::2]]
    if ops[0][0] == ">":
        operands, ops = operands[::-1], ops[::-1]
    out: list[LessThan | Range] = []
    ranges: dict[str, Range] = {}
    for a, op, b in zip(operands, ops, operands[1:], strict=False):
        strict = op in ("<", ">")
        if isinstance(a, _Column) and isinstance(b, _Column):
            out.append(LessThan(a.name, b.name, strict=strict))
        elif isinstance(a, _Column) or isinstance(b, _Column):
            column = a.name if isinstance(a, _Column) else b.name  # type: ignore[union-attr]
            if column not in ranges:
                ranges[column] = Range(column)
                out.append(ranges[column])
            r = ranges[column]
            if isinstance(b, _Column):  # value < column: the low end
                r.low, r.low_strict = a, strict
            else:
                r.high, r.high_strict = b, strict
        else:
            raise InvalidConstraint(f"constraint {text!r} compares two values; compare a column with a value.")
    return out


class _Column:
    def __init__(self, name: str) -> None:
        self.name = name


def _operand(part: str, text: str) -> Any:
    if _NAME.match(part):
        return _Column(part)
    quoted = _QUOTED.match(part)
    if quoted:
        return quoted.group(2)
    try:
        value = float(part)
    except ValueError:
        raise InvalidConstraint(
            f"constraint {text!r}: {part!r} is neither a column name, a number nor a quoted date."
        ) from None
    if not math.isfinite(value):
        raise InvalidConstraint(f"constraint {text!r}: {part!r} is not a finite number.")
    return int(value) if value.is_integer() and re.fullmatch(r"[+-]?\d+", part) else value


def apply_range(column: Any, r: Range, where: str) -> Any:
    """Return ``column`` (a ModelColumn) truncated to the range ``r``; a segmented column's every group too."""
    from ._columns import ConditionalColumn
    from .errors import InvalidArgument

    if column.family is None:
        raise InvalidConstraint(
            f"{where}: constraint '{r}' bounds a {column.kind} column; ranges bound numbers or dates."
        )
    low, high = -math.inf, math.inf
    if r.low is not None:
        low = float(column.least_above(_common(column, r.low, r, f"{where}: "), strict=r.low_strict)[0])
    if r.high is not None:
        high = float(column.greatest_below(_common(column, r.high, r, f"{where}: "), strict=r.high_strict)[0])

    def narrowed(col: Any) -> Any:
        lo, hi = max(col.bounds[0], low), min(col.bounds[1], high)
        if not lo <= hi:
            raise InvalidConstraint(
                f"{where}: constraint '{r}' leaves column {r.column!r} no value: it would have to be at least "
                f"{col.show(lo)} and at most {col.show(hi)}."
            )
        return col if (lo, hi) == col.bounds else col.with_bounds(lo, hi)

    try:
        if isinstance(column, ConditionalColumn):
            return ConditionalColumn(
                column.name,
                base=narrowed(column.base),
                given=column.given,
                groups=column.groups,
                levels=[narrowed(level) for level in column.levels],
            )
        return narrowed(column)
    except InvalidConstraint:
        raise
    except InvalidArgument as exc:
        raise InvalidConstraint(
            f"{where}: constraint '{r}' confines column {r.column!r} where it has no values ({exc})."
        ) from None


def _common(column: Any, value: Any, r: Range, where: str) -> Any:
    """A range's end in the column's common unit: a one-value array of float64, or of int64 UTC nanoseconds."""
    import numpy as np

    return np.array([range_end(column.family, value, r, where)])


def range_end(family: str, value: Any, r: Range, where: str) -> Any:
    """A range's end in the common unit of a ``"numeric"`` (float) or ``"datetime"`` (int64 UTC ns) column."""
    import numpy as np

    if family == "numeric":
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise InvalidConstraint(
                f"{where}constraint '{r}' bounds numeric column {r.column!r} with {value!r}; give a number."
            )
        return float(value)
    import pandas as pd

    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError):
        stamp = None
    if stamp is None or isinstance(value, numbers.Real) or pd.isna(stamp):
        raise InvalidConstraint(
            f"{where}constraint '{r}' bounds date column {r.column!r} with {value!r}; give a date such as '2020-01-01'."
        )
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    return np.int64(stamp.value)


def dependency_order(constraints: Sequence[tuple[str, str, bool]], *, where: str) -> list[str]:
    """Return the constrained columns in an order where each comes after the columns it must exceed.

    Kahn's topological sort of the graph low -> high; a cycle (``a < b`` and
    ``b <= a``) can never hold and raises :class:`InvalidConstraint` naming its
    columns (``where`` says whose constraints they are).
    """
    succs: dict[str, list[str]] = {}
    indegree: dict[str, int] = {}
    for low, high, _ in constraints:
        succs.setdefault(low, []).append(high)
        indegree.setdefault(low, 0)
        indegree[high] = indegree.get(high, 0) + 1
    topo = [n for n, d in indegree.items() if d == 0]
    for n in topo:  # (topo grows while we iterate)
        for m in succs.get(n, []):
            indegree[m] -= 1
            if indegree[m] == 0:
                topo.append(m)
    if len(topo) < len(indegree):
        cycle = [n for n, d in indegree.items() if d > 0]
        raise InvalidConstraint(
            f"{where}: constraints between {cycle} form a cycle (e.g. a < b and b < a) and can never hold."
        )
    return topo


def order_below(constraints: Sequence[tuple[str, str, bool]]) -> dict[str, set[str]]:
    """Return each constrained column's lower columns along every chain of order constraints (in ``a < b < c``,
    ``c``'s are ``a`` and ``b``; ``a``'s none): the columns whose values its own is drawn above."""
    below: dict[str, set[str]] = {}
    for low, high, _ in constraints:
        below.setdefault(low, set())
        below.setdefault(high, set()).add(low)
    for _ in range(len(below)):  # (a pass a link of the longest chain, until nothing grows)
        grown = False
        for lows in below.values():
            reach = set().union(*(below[c] for c in lows)) - lows
            if reach:
                lows |= reach
                grown = True
        if not grown:
            break
    return below


def order_by_dependency(constraints: Sequence[tuple[str, str, bool]], *, where: str) -> list[tuple[str, str, bool]]:
    """Return ``(low, high, strict)`` constraints sorted by :func:`dependency_order` of their ``high`` column."""
    rank = {n: i for i, n in enumerate(dependency_order(constraints, where=where))}
    return sorted(constraints, key=lambda c: rank[c[1]])


def propagate_order_ends(
    columns: Any, constraints: Sequence[tuple[str, str, bool]], ends: dict[str, list[float]]
) -> dict[str, list[float]]:
    """Narrow each column's ``[least, greatest]`` raw value in ``ends`` (in place) to what order constraints leave.

    In ``a < b``, ``b`` is at least the least value of ``b`` above ``a``'s least (one grid step up for a strict
    order) and ``a`` at most the greatest below ``b``'s greatest, along every chain (a pass a link, until nothing
    moves). ``columns`` maps a name to its ModelColumn (``least_above``, ``greatest_below``, ``to_common``).
    Fit narrows a model's bounds by it; sampling reads it to keep edges and redraws inside their neighbours' room.
    """
    import numpy as np

    for _ in range(len(constraints) + 1):
        moved = False
        for a, b, strict in constraints:
            ca, cb = columns[a], columns[b]
            if math.isfinite(ends[a][0]):
                least = float(cb.least_above(ca.to_common(np.array([ends[a][0]])), strict=strict)[0])
                if least > ends[b][0]:
                    ends[b][0], moved = least, True
            if math.isfinite(ends[b][1]):
                greatest = float(ca.greatest_below(cb.to_common(np.array([ends[b][1]])), strict=strict)[0])
                if greatest < ends[a][1]:
                    ends[a][1], moved = greatest, True
        if not moved:
            break
    return ends
