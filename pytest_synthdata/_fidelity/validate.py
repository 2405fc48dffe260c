"""``model.validate(df)``: check any frame against what a model declares or stores.

Each column is checked against its marginal (dtype family, bounds, grid, categories), its null rate
(within a tolerance) and the model's constraints (order constraints, ``Unique``, ``Predicate``).
Every problem becomes one :class:`Problem` naming the column, what was expected, what was found,
in how many rows, and a few example values; they are raised together, worst first, as one
`pytest_synthdata.errors.FidelityError` (an AssertionError, so a test fails rather than errors).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._columns import (
    BooleanColumn,
    CategoryColumn,
    DatetimeColumn,
    FakerColumn,
    IdColumn,
    NullColumn,
    NumericColumn,
    ProductColumn,
    SumColumn,
    identity_tolerance,
)
from .._constraints import LessThan, Predicate, Unique
from .._validate import check_frame
from ..errors import FidelityError, InvalidArgument

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from .._columns import ModelColumn
    from .._model import Model

__all__ = ["DEFAULT_NULL_TOLERANCE", "Problem", "validate"]

#: How far a column's share of missing values may stray from the model's null rate, beyond sampling noise.
DEFAULT_NULL_TOLERANCE = 0.02
#: Standard errors of a binomial share allowed on top of ``null_tolerance`` (a frame of n rows varies so much).
_NOISE_SIGMAS = 4.0
#: Example values a problem shows.
_EXAMPLES = 5


@dataclass
class Problem:
    """One failing check: ``subject`` (a column or constraint), what was expected and found, in how many rows."""

    subject: str
    expected: str
    found: str
    rows: int = 0
    examples: list[str] = field(default_factory=list)
    fix: str = ""
    #: How bad it is, for ordering (the share of rows, or 1 for a whole column).
    severity: float = 1.0

    def line(self, total: int) -> str:
        """Return the problem as one line of the failure message."""
        count = f"{self.rows} of {total} rows ({self.rows / total:.1%}): " if self.rows and total else ""
        shown = f"; e.g. {', '.join(self.examples)}" if self.examples else ""
        fix = f" ({self.fix})" if self.fix else ""
        return f"{self.subject}: {count}expected {self.expected}, found {self.found}{shown}{fix}"


def validate(
    model: Model,
    df: Any,
    *,
    null_tolerance: float = DEFAULT_NULL_TOLERANCE,
    strict: bool = False,
    columns: Any = None,
) -> None:
    """Raise FidelityError listing every way ``df`` departs from ``model``; return None when it conforms."""
    if not isinstance(df, pd.DataFrame):
        raise InvalidArgument(f"validate() needs a pandas DataFrame, got {type(df).__name__}.")
    if isinstance(df.columns, pd.MultiIndex):
        raise InvalidArgument(
            f"validate() needs one level of column names, got a MultiIndex of {df.columns.nlevels} levels (e.g. "
            f"{df.columns[0]!r}) for dataset {model.name!r}; flatten the columns first, e.g. "
            "df.columns = df.columns.get_level_values(0), or ['_'.join(map(str, c)) for c in df.columns]."
        )
    check_frame(df, argument="df", where="validate()")
    if (
        not isinstance(null_tolerance, (int, float))
        or isinstance(null_tolerance, bool)
        or not (0.0 <= null_tolerance <= 1.0)
    ):
        raise InvalidArgument(
            f"validate(null_tolerance={null_tolerance!r}): expected a share from 0 to 1 that a column's null rate "
            "may stray from the model's, such as 0.05."
        )
    names = model.columns
    chosen = names if columns is None else _chosen(model, columns)
    # a sample of this model drawn given conditions or edge cases: other null rates by design, not checked
    made = df.attrs.get("synthdata")
    rates = not (isinstance(made, dict) and made.get("dataset") == model.name and made.get("conditioned") is True)
    problems: list[Problem] = []
    for name in chosen:
        if name not in df.columns:
            problems.append(Problem(name, f"a column ({model.dtypes[name]})", "no such column", fix="add it"))
            continue
        col, series, label, slack, check_values = model.column(name), df[name], None, 0.0, True
        if col.after is not None and col.after in df.columns:  # (a gap column: its gaps are what the model draws)
            gaps = _gaps(series, df[col.after])
            if gaps is not None:
                series, label = gaps, f"{name} - {col.after}"
                slack = _gap_slack(model, col, df[name])
        elif col.after is not None:  # (without the column below, its values say nothing of its gaps: nulls only)
            check_values = False
        problems += _column_problems(
            col,
            series,
            null_tolerance,
            bool(model.withheld),
            "privacy" in model.info,
            rates=rates,
            model=model,
            label=label,
            slack=slack,
            check_values=check_values,
        )
    if strict and columns is None:
        extra = [str(c) for c in df.columns if c not in set(names)]
        if extra:
            problems.append(
                Problem(
                    ", ".join(extra),
                    f"only the model's columns {names}",
                    "columns it does not have",
                    fix="drop them, or pass strict=False",
                )
            )
    present = set(chosen) & set(df.columns)
    for constraint in model.constraints:
        problems += _constraint_problems(model, constraint, df, present)
    for scol in model._sums:
        if scol.name in present and set(scol.parts) <= set(df.columns):
            problems += _sum_problems(scol, df)
    if problems:
        problems.sort(key=lambda p: -p.severity)
        head = (
            f"dataset {model.name!r}: {len(df)} rows do not match the model in "
            f"{len(problems)} way{'s' if len(problems) != 1 else ''}:"
        )
        raise FidelityError("\n".join([head, *(f"  {p.line(len(df))}" for p in problems)]), problems)


def _chosen(model: Model, columns: Any) -> list[str]:
    """The columns to check (``columns=``), each a column of the model."""
    given = [columns] if isinstance(columns, str) else list(columns)
    unknown = [c for c in given if c not in model.columns]
    if unknown:
        raise InvalidArgument(
            f"validate(columns=...) names {unknown}, which dataset {model.name!r} does not have; its columns are "
            f"{model.columns}."
        )
    return [str(c) for c in given]


def _show(value: Any) -> str:
    if isinstance(value, (float, np.floating)):
        return f"{float(value):g}"
    if isinstance(value, (pd.Timestamp, np.datetime64)):
        return str(pd.Timestamp(value))
    return repr(value.item() if isinstance(value, np.generic) else value)


def _examples(values: Any) -> list[str]:
    """Up to five distinct example values, in order of first appearance."""
    out: list[str] = []
    for v in pd.unique(np.asarray(values, dtype=object))[:_EXAMPLES]:
        out.append(_show(v))
    return out


def _column_problems(
    col: ModelColumn,
    series: pd.Series,
    null_tolerance: float,
    withheld: bool,
    fitted: bool,
    *,
    rates: bool = True,
    model: Model | None = None,
    label: str | None = None,
    slack: float = 0.0,
    check_values: bool = True,
) -> list[Problem]:
    """The column's problems: missing values at a rate the model does not give (unless not ``rates``: then only
    missing values where it has none, or values where it has only missing ones), then its values. A sum's values
    may reach what its parts' ranges add up to (``model`` holds the parts). ``label`` names the values in problems
    when they are not the column's own (a gap column's gaps: ``checkout - checkin``), and ``slack`` widens the
    range they may take (gaps of numbers are read back from values rounded to their decimals)."""
    name = col.name if label is None else label
    n = len(series)
    missing = series.isna().to_numpy()
    problems: list[Problem] = []
    p = float(col.null_rate)
    seen = int(missing.sum())
    if n and p <= 0.0 and seen:
        problems.append(Problem(name, "no missing values", "missing values", seen, severity=seen / n))
    elif n and p >= 1.0 and seen < n:
        problems.append(Problem(name, "only missing values", "values", n - seen, severity=(n - seen) / n))
    elif n and 0.0 < p < 1.0 and rates:
        allowed = null_tolerance + _NOISE_SIGMAS * math.sqrt(p * (1 - p) / n)
        rate = seen / n
        if abs(rate - p) > allowed:
            problems.append(
                Problem(
                    name,
                    f"a null rate of {p:.1%} (+- {allowed:.1%})",
                    f"{rate:.1%} missing",
                    fix="raise null_tolerance to allow more",
                    severity=abs(rate - p),
                )
            )
    if isinstance(col, NullColumn) or seen == n or not check_values:
        return problems
    values = series[~missing]
    if isinstance(col, IdColumn) or (isinstance(col, FakerColumn) and col.unique):
        problems += _repeated(name, values, "ids" if isinstance(col, IdColumn) else "values (unique=True)")
    span = None
    if isinstance(col, SumColumn) and model is not None:  # its grid and dtype are its own; its range, its parts'
        span = _sum_span(model, col)
    if hasattr(col, "leader") or isinstance(col, SumColumn):  # a follower: checked as the column of its own
        col = col.base  # type: ignore[attr-defined]  # marginals it reads through
    base = getattr(col, "base", col)
    found: list[Problem] = []
    if isinstance(base, DatetimeColumn):
        found = _datetime_problems(base, name, values, getattr(col, "levels", [base]))
    elif isinstance(base, NumericColumn):
        found = _numeric_problems(base, name, values, getattr(col, "levels", [base]), span=span, slack=slack)
    elif isinstance(base, CategoryColumn):
        found = _category_problems(base, name, values, withheld)
    elif isinstance(base, BooleanColumn):
        found = _boolean_problems(name, values)
    if label is not None and isinstance(base, DatetimeColumn):  # (a date gap column's gaps: shown as durations)
        for problem in found:
            problem.expected = _as_durations(problem.expected.replace("timestamps", "gaps"))
            problem.found = problem.found.replace("timestamps", "gaps")
            problem.examples = [_as_durations(example) for example in problem.examples]
    for problem in found:
        problem.severity = problem.rows / n
        if fitted and problem.found.endswith("outside"):
            problem.fix = "a fitted model's bounds stop short of rare real extremes (min_count, see model.withheld)"
    return problems + found


def _repeated(name: str, values: pd.Series, what: str) -> list[Problem]:
    """The rows of a column of distinct values (an id, a unique Faker column) that repeat an earlier row's value."""
    try:
        again = values.duplicated(keep="first").to_numpy(dtype=bool)
    except TypeError:  # (unhashable values, such as lists: not ids; the dtype check says so where it applies)
        return []
    if not again.any():
        return []
    count = int(again.sum())
    return [
        Problem(
            name,
            f"distinct {what}",
            "repeated ones",
            count,
            _examples(values.to_numpy()[again]),
            fix="a key must name one row",
            severity=count / max(len(values), 1),
        )
    ]


_STAMP = re.compile(r"\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}:\d{2}(?:\.\d+)?)?(?:[+-]\d{2}:\d{2})?")


def _as_durations(text: str) -> str:
    """``text`` with each timestamp (a gap shown as a time from the epoch) written as the duration it stands for."""

    def duration(match: re.Match[str]) -> str:
        stamp = pd.Timestamp(match.group(0))
        epoch = pd.Timestamp(0, tz="UTC") if stamp.tzinfo is not None else pd.Timestamp(0)
        return str(stamp - epoch)

    return _STAMP.sub(duration, text)


def _gaps(values: pd.Series, below: pd.Series) -> pd.Series | None:
    """A gap column's gaps above the column below it, as the values its marginal gives: numbers, or timestamps
    from the epoch (in the column's time zone) for dates; None when the two cannot be subtracted (the column's
    own checks then say what is wrong with it)."""
    try:
        if pd.api.types.is_datetime64_any_dtype(values.dtype) and pd.api.types.is_datetime64_any_dtype(below.dtype):
            zone = values.dt.tz
            delta = values - below if (zone is None) == (below.dt.tz is None) else None
            if delta is None:
                return None
            stamps = pd.Timestamp(0, tz="UTC" if zone is not None else None) + delta
            return stamps.dt.tz_convert(zone) if zone is not None else stamps
        if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
            if pd.api.types.is_numeric_dtype(below.dtype) and not pd.api.types.is_bool_dtype(below.dtype):
                return values - below
    except (TypeError, ValueError, OverflowError):
        return None
    return None


def _gap_slack(model: Model, col: Any, values: pd.Series) -> float:
    """How far a number gap column's gaps, read back as its values minus the column below's, may stray from the
    gaps drawn: half a unit of the decimals the sum was rounded to, and a few rounding steps of the values."""
    from .._model import _gap_decimals

    if not pd.api.types.is_float_dtype(values.dtype):
        return 0.0  # (whole numbers and dates add up exactly)
    decimals = _gap_decimals(col, model.column(str(col.after)))
    magnitude = float(np.nanmax(np.abs(values.to_numpy(dtype=np.float64, na_value=np.nan)), initial=0.0))
    stored = getattr(values.dtype, "numpy_dtype", values.dtype)  # (float32 rounds at 6e-8 of the values)
    eps = float(np.finfo(stored).eps) if isinstance(stored, np.dtype) and stored.kind == "f" else 2.0**-52
    return (0.5 * 10.0**-decimals if decimals is not None else 0.0) + 8.0 * eps * magnitude


def _dtype_problem(name: str, values: pd.Series, expected: str) -> Problem:
    return Problem(
        name,
        expected,
        f"dtype {values.dtype}",
        len(values),
        _examples(values),
        fix="convert the column (astype) or fix what produces it",
    )


def _numeric_problems(
    col: NumericColumn,
    name: str,
    values: pd.Series,
    levels: list[Any],
    *,
    span: tuple[float, float] | None = None,
    slack: float = 0.0,
) -> list[Problem]:
    """Problems of a numeric column: values that are not numbers, infinities, off its grid, beyond its range.

    ``levels`` are the marginals the column draws from (a column fitted per segment group has one per group);
    ``span`` widens the range they give (a sum: what its parts' ranges add up to).
    """
    api = pd.api.types
    problems: list[Problem] = []
    if api.is_bool_dtype(values.dtype):
        return [_dtype_problem(name, values, f"numbers (dtype {col.dtype})")]
    if not api.is_numeric_dtype(values.dtype):
        objects = values.to_numpy(dtype=object)
        numbers = np.array(
            [
                isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))
                for v in objects
            ],
            dtype=bool,
        )
        if not numbers.all():
            problems.append(_dtype_problem(name, values[~numbers], f"numbers (dtype {col.dtype})"))
        values = values[numbers]
    x = values.to_numpy(dtype=np.float64, na_value=np.nan)
    finite = np.isfinite(x)
    ranges = _value_ranges(levels)
    lowest, highest = float(ranges[:, 0].min()), float(ranges[:, 1].max())
    low_inf, high_inf = col.inf_rates
    bad_inf = (x == -np.inf) & (low_inf <= 0) | (x == np.inf) & (high_inf <= 0)
    if bad_inf.any():  # (an infinity is outside any range: said with the range it should have been in)
        within = f" in [{_bound(col, lowest, col.offset)} .. {_bound(col, highest, col.offset)}]"
        problems.append(
            Problem(name, f"finite numbers{within}", "infinities", int(bad_inf.sum()), _examples(x[bad_inf]))
        )
    if col.integer:
        fractional = finite & (np.floor(x) != x)
        if fractional.any():
            problems.append(
                Problem(name, "whole numbers", "fractions", int(fractional.sum()), _examples(values[fractional]))
            )
    elif col.decimals is not None:
        scale = 10.0**col.decimals
        with np.errstate(invalid="ignore", over="ignore"):  # (infinities: reported above, and never off the grid)
            scaled = x * scale
            off = finite & (np.abs(np.round(scaled) - scaled) > 1e-6 * np.maximum(1.0, np.abs(scaled)))
        if off.any():
            problems.append(
                Problem(
                    name,
                    f"at most {col.decimals} decimals",
                    "more decimals",
                    int(off.sum()),
                    _examples(values[off]),
                )
            )
    if span is not None:
        lowest, highest = min(lowest, span[0] - col.offset), max(highest, span[1] - col.offset)
    exact = _whole_numbers(col, values, slack)
    if exact is not None:  # whole numbers: compared exactly, as integers (a float64 holds 53 bits of an int64)
        outside = _outside_exactly(exact, lowest, highest, col.offset)
    else:
        lowest, highest = lowest + col.offset, highest + col.offset
        stored = _float_dtype(col.cast or col.dtype)
        if stored is not None and stored.itemsize < 8:  # (a sampled value in range is rounded to the frame's dtype,
            # to nearest: a bound between two float32 values may round past it, never past the bound rounded too)
            with np.errstate(over="ignore"):
                lowest, highest = float(stored.type(lowest)), float(stored.type(highest))
        outside = finite & ((x < lowest - slack) | (x > highest + slack))
    if outside.any():
        shift = col.offset if exact is not None else 0
        problems.append(
            Problem(
                name,
                f"values in [{_bound(col, lowest, shift)} .. {_bound(col, highest, shift)}]",
                "values outside",
                int(outside.sum()),
                _examples(values[outside]),
            )
        )
    return problems


def _whole_numbers(col: NumericColumn, values: pd.Series, slack: float) -> NDArray[Any] | None:
    """A whole-number column's values as integers (int64 or uint64) to compare exactly, or None when they are
    not stored as integers (floats, objects) or may stray by a slack (then compared as floats)."""
    dtype = getattr(values.dtype, "numpy_dtype", values.dtype)  # (pandas' Int64 holds int64)
    if not col.integer or slack or not isinstance(dtype, np.dtype) or dtype.kind not in "iu":
        return None
    return values.to_numpy(dtype=dtype)


def _outside_exactly(x: NDArray[Any], lowest: float, highest: float, offset: int) -> NDArray[np.bool_]:
    """Which integers ``x`` lie outside ``[offset + lowest, offset + highest]`` (raw ends, whole or not, maybe
    infinite), compared exactly: the ends as Python integers, rounded inwards."""
    info = np.iinfo(x.dtype)
    outside = np.zeros(len(x), dtype=bool)
    if math.isfinite(lowest):
        low = offset + math.ceil(lowest)
        if low > info.max:
            return np.ones(len(x), dtype=bool)
        if low > info.min:
            outside |= x < low
    if math.isfinite(highest):
        high = offset + math.floor(highest)
        if high < info.min:
            return np.ones(len(x), dtype=bool)
        if high < info.max:
            outside |= x > high
    return outside


def _bound(col: NumericColumn, raw: float, offset: int = 0) -> str:
    """A range's end as the column writes its values: a whole-number column's in full (``offset + raw``)."""
    if not math.isfinite(raw):
        return col.show(raw)
    if col.integer and raw.is_integer():
        return str(offset + int(raw))
    return col.show(offset + raw)


def _float_dtype(dtype: Any) -> np.dtype[Any] | None:
    """``dtype`` as a numpy floating dtype (a nullable one's values), or None when it is not one (or no dtype)."""
    try:
        found = pd.api.types.pandas_dtype(dtype)
    except TypeError:
        return None
    found = getattr(found, "numpy_dtype", found)  # (pandas' Float32 holds float32)
    return found if isinstance(found, np.dtype) and found.kind == "f" else None


def _value_ranges(levels: list[Any]) -> NDArray[np.float64]:
    """Each level's lowest and highest value: what its marginal gives, and its finite stored bounds, which a bound
    edge case holds exactly (a continuous marginal reaches them only in the limit)."""
    ranges = np.array([level.value_range() for level in levels], dtype=np.float64)
    # an end past what the column's dtype holds (an integer column's highest latent score) wraps around when cast:
    # an upper end not above the lower one, or at int64's least value, is open
    wrapped = (ranges[:, 1] < ranges[:, 0]) | ((ranges[:, 1] <= -(2.0**63)) & (ranges[:, 0] > -(2.0**63)))
    ranges[:, 1] = np.where(wrapped, np.inf, ranges[:, 1])
    bounds = np.array([level.bounds for level in levels], dtype=np.float64)
    ranges[:, 0] = np.where(np.isfinite(bounds[:, 0]), np.minimum(ranges[:, 0], bounds[:, 0]), ranges[:, 0])
    ranges[:, 1] = np.where(np.isfinite(bounds[:, 1]), np.maximum(ranges[:, 1], bounds[:, 1]), ranges[:, 1])
    return ranges


def _sum_span(model: Model, col: SumColumn) -> tuple[float, float]:
    """The least and greatest value a sum (product) takes: its parts' ranges (over their segment groups) combined,
    rounded as the column rounds its values (a product of parts near 0 rounds to 0: rounding keeps the order)."""
    spans = []
    for part in col.parts:
        inner = model.column(part)
        if isinstance(inner, SumColumn):  # (a product a sum adds up: what its own parts give)
            spans.append(_sum_span(model, inner))
            continue
        inner = getattr(inner, "base", inner) if hasattr(inner, "leader") else inner
        ranges = _value_ranges(getattr(inner, "levels", [getattr(inner, "base", inner)]))
        spans.append((float(ranges[:, 0].min()), float(ranges[:, 1].max())))
    low, high = col.span(spans)
    ends = col._rounded(np.array([low, high]))
    return min(low, float(ends[0])), max(high, float(ends[1]))


def _sum_problems(col: SumColumn, df: pd.DataFrame) -> list[Problem]:
    """Rows where a sum column is not the sum of its parts (to the last of its decimals; rows with a gap skipped)."""
    try:
        total = df[col.name].to_numpy(dtype=np.float64, na_value=np.nan)
        parts = [df[p].to_numpy(dtype=np.float64, na_value=np.nan) for p in col.parts]
    except (TypeError, ValueError):
        return []  # (a dtype problem of one of the columns, reported there)
    added = col.combined(parts)
    base = col.base
    # (to its last decimal, as the data rounded it; a sum of whole numbers is exact, a product is rounded)
    if base.integer:
        tolerance = 0.5 if isinstance(col, ProductColumn) else 0.0
    else:
        tolerance = 0.5 * 10.0**-base.decimals if base.decimals is not None else 0.0
    scale = np.abs(total) + np.sum(np.abs(parts), axis=0)
    share = identity_tolerance(df[c].dtype for c in (col.name, *col.parts))
    with np.errstate(invalid="ignore"):
        failing = np.abs(total - added) > tolerance + share * scale
    failing &= np.isfinite(total) & np.isfinite(added)
    if not failing.any():
        return []
    rows = np.flatnonzero(failing)
    columns = [col.name, *col.parts]
    examples = [
        "(" + ", ".join(f"{c}={_show(v)}" for c, v in zip(columns, row, strict=True)) + ")"
        for row in df.iloc[rows[:_EXAMPLES]][columns].itertuples(index=False)
    ]
    kind = "product" if isinstance(col, ProductColumn) else "sum"
    return [
        Problem(
            f"{kind} {col.name!r} = {col.formula}",
            f"every row's value to be that {kind} of its parts",
            "other values",
            len(rows),
            examples,
            fix=f"compute {col.name!r} from its parts, or fit without detect_constraints",
            severity=len(rows) / len(df),
        )
    ]


def _datetime_problems(col: DatetimeColumn, name: str, values: pd.Series, levels: list[Any]) -> list[Problem]:
    # (what the column samples as: a fitted column keeps its source's dtype, time zone included)
    dtype = col.cast if col.cast is not None else col.dtype
    if not pd.api.types.is_datetime64_any_dtype(values.dtype):
        return [_dtype_problem(name, values, f"timestamps (dtype {dtype})")]
    expected_tz = getattr(pd.api.types.pandas_dtype(dtype), "tz", None)
    if (expected_tz is None) != (values.dt.tz is None):
        zone = f"in time zone {expected_tz}" if expected_tz is not None else "without a time zone"
        problem = _dtype_problem(name, values, f"timestamps {zone} (dtype {dtype})")
        problem.fix = (
            "localise the column (.dt.tz_localize(...))"
            if expected_tz is not None
            else "drop the zone (.dt.tz_convert('UTC').dt.tz_localize(None))"
        )
        return [problem]
    stamps = values.dt.tz_convert("UTC").dt.tz_localize(None) if values.dt.tz is not None else values
    ns = stamps.to_numpy(dtype="datetime64[ns]").astype(np.int64)
    problems: list[Problem] = []
    if col.unit_ns > 1:
        off = ns % col.unit_ns != 0
        if off.any():
            unit = "dates (no time of day)" if col.is_date else f"whole units of {col.unit_ns} ns"
            problems.append(Problem(name, unit, "finer times", int(off.sum()), _examples(values[off])))
    ranges = _value_ranges(levels)
    lowest, highest = float(ranges[:, 0].min()), float(ranges[:, 1].max())
    outside = (ns < lowest * col.unit_ns) | (ns > highest * col.unit_ns)
    if outside.any():
        shown = values[outside]
        if expected_tz is not None:  # (bounds and values both in the column's time zone)
            shown = shown.dt.tz_convert(expected_tz)
        problems.append(
            Problem(
                name,
                f"timestamps in [{_stamp(col, lowest, expected_tz)} .. {_stamp(col, highest, expected_tz)}]",
                "timestamps outside",
                int(outside.sum()),
                _examples(shown),
            )
        )
    return problems


def _stamp(col: DatetimeColumn, raw: float, zone: Any) -> str:
    """A datetime column's range end (raw: units from the epoch, UTC) as a timestamp in the column's time zone."""
    if zone is None or not math.isfinite(raw):
        return col.show(raw)
    return str(pd.Timestamp(int(raw) * col.unit_ns, tz="UTC").tz_convert(zone))


def _category_problems(col: CategoryColumn, name: str, values: pd.Series, withheld: bool) -> list[Problem]:
    known = pd.Index(col.categories if col.dtype_order is None else col.dtype_order, dtype=object)
    plain = values.astype(object) if isinstance(values.dtype, pd.CategoricalDtype) else values
    unknown = ~np.asarray(pd.Index(plain.to_numpy(dtype=object), dtype=object).isin(known))
    if not unknown.any():
        return []
    listed = ", ".join(_show(c) for c in list(known)[:8]) + (f" (+{len(known) - 8} more)" if len(known) > 8 else "")
    return [
        Problem(
            name,
            f"one of {listed}",
            "other values",
            int(unknown.sum()),
            _examples(plain[unknown]),
            fix="fit() left out rare values: see model.withheld" if withheld else "",
        )
    ]


def _boolean_problems(name: str, values: pd.Series) -> list[Problem]:
    if pd.api.types.is_bool_dtype(values.dtype):
        return []
    objects = values.to_numpy(dtype=object)
    bad = np.array([not isinstance(v, (bool, np.bool_)) for v in objects], dtype=bool)
    if not bad.any():
        return []
    return [_dtype_problem(name, values[bad], "True or False (dtype bool)")]


def _constraint_problems(model: Model, constraint: Any, df: pd.DataFrame, present: set[str]) -> list[Problem]:
    """Rows that break ``constraint`` (checked when the frame has its columns)."""
    failing: NDArray[np.bool_] | None = None
    if isinstance(constraint, LessThan):
        if not {constraint.low, constraint.high} <= present:
            return []
        a, b = df[constraint.low], df[constraint.high]
        with np.errstate(invalid="ignore"):
            try:
                ok = (a < b) if constraint.strict else (a <= b)
            except TypeError:
                return []  # (a dtype problem of one of the columns, reported there)
        failing = np.asarray(~ok & a.notna() & b.notna(), dtype=bool)
        columns = [constraint.low, constraint.high]
    elif isinstance(constraint, Unique):
        if constraint.column not in present:
            return []
        failing = np.asarray(constraint.failing(df), dtype=bool)
        columns = [constraint.column]
    elif isinstance(constraint, Predicate):
        if not set(model.columns) <= set(df.columns):
            return []
        failing = np.asarray(constraint.failing(df, model.name), dtype=bool)
        columns = []
    else:
        return []
    if not failing.any():
        return []
    rows = np.flatnonzero(failing)
    shown = df.iloc[rows[:_EXAMPLES]]
    if columns:
        examples = [
            "(" + ", ".join(f"{c}={_show(v)}" for c, v in zip(columns, row, strict=True)) + ")"
            for row in shown[columns].itertuples(index=False)
        ]
    else:
        examples = [f"row {i!r}" for i in shown.index]
    return [
        Problem(
            f"constraint '{constraint}'",
            "every row to satisfy it",
            "rows that break it",
            int(failing.sum()),
            examples,
            severity=float(failing.mean()),
        )
    ]
