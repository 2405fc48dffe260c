"""Numeric and datetime marginals: quantile knots, exact tables, grids and decimals, fitted in batches.

Numbers and timestamps (as whole numbers of their coarsest exact unit) get
quantile knots, at most one knot per ``min_count`` rows, with their grid
(whole numbers, decimals, a common step such as prices in fives) and private
bounds; values repeated at least ``min_count`` times become exact atoms (the
knots and bounds are made private in ``private.py``: no stored number is held
by fewer than ``min_count`` rows). Columns with few distinct values get an
exact frequency table instead, rare values merged into their nearest stored
neighbour; when the rare values include the smallest or largest, the table
becomes plateaus of a quantile function whose tails are private.

Every numeric column of a frame, and every segment group of each (see
``segments.py``), is fitted in one batch: one count of the distinct values,
then decimals, grids and knots for all (column, group) cells at once, each
cell exactly its own fit. The batch's values are ranked once (a counting
table for whole numbers in a narrow span, a hash table otherwise), and each
column keeps its ranks (``Ranks``): the segment refit, the rare values a
group avoids and the integer-code check read them instead of ranking again.
The normal scores the correlations read are found once per distinct grade.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._columns import DatetimeColumn, NumericColumn
from .._marginals import MAX_TABULATED
from ..errors import InvalidArgument
from .dates import parse_format, text_format
from .dependence import scores
from .private import (
    UNHELD_AT_ONCE,
    coarse_rate,
    coarsened,
    keyed,
    private_knots_groups,
    rare_values,
    running_max,
    unheld,
    unheld_groups,
)

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = [
    "BATCH_VALUES",
    "Marginal",
    "MarginalFit",
    "Numbers",
    "TimeUnit",
    "distinct_ranks",
    "fit_marginals",
    "marginal_column",
    "read_numbers",
    "dated_text",
    "read_timestamps",
    "round_probs",
]

#: Numeric columns are fitted together while their values number at most this many (small tables: the
#: batch saves per-call overhead; large ones gain nothing and would hold copies of many columns).
BATCH_VALUES = 1 << 16

_OUT_OF_RANGE = (
    "column {col!r}: its dates reach beyond 1677-2262, the range of nanosecond timestamps that sampling uses; "
    "convert them (e.g. to years) or leave the column out with columns={{{col!r}: 'ignore'}}."
)
_DAY_NS = 86_400 * 10**9
_UNITS = (("D", _DAY_NS), ("h", 3_600 * 10**9), ("min", 60 * 10**9), ("s", 10**9), ("ms", 10**6), ("us", 10**3))


@dataclass(frozen=True)
class TimeUnit:
    """The coarsest unit that writes every timestamp of a column exactly ("D", "h", "min", "s", "ms" or "us")."""

    name: str
    ns: int


@dataclass(frozen=True)
class Numbers:
    """A numeric or datetime column read as floats, ready to fit (segment groups refit from the same values)."""

    column: str
    values: NDArray[np.float64]  # NaN where missing; timestamps as whole numbers of ``unit``
    present: NDArray[np.bool_]
    integer: bool  # an integer column
    cast: str | None  # the dtype samples are cast to, None for the default
    unit: TimeUnit | None = None  # timestamps only
    note: str = ""  # what reading the values changed, for ``model.withheld``
    ranks: Ranks | None = None  # its distinct values and ranks, once a fit found them

    @property
    def whole(self) -> bool:
        """Whether every value is a whole number (integers, and timestamps in their unit)."""
        return self.integer or self.unit is not None

    def with_ranks(self, ranks: Ranks | None) -> Numbers:
        """These numbers with ``ranks`` kept (``dataclasses.replace``'s result, without its field-by-field lookups)."""
        return Numbers(
            self.column,
            self.values,
            self.present,
            integer=self.integer,
            cast=self.cast,
            unit=self.unit,
            note=self.note,
            ranks=ranks,
        )


@dataclass
class Marginal:
    """A numeric column's marginal fitted on one group of rows (see :func:`fit_marginals`)."""

    dist: str
    params: dict[str, Any]
    step: float | None
    decimals: int | None
    note: str
    bounds: tuple[float, float]
    null_rate: float
    inf_rates: tuple[float, float]


@dataclass(frozen=True)
class MarginalFit:
    """A column's marginals, one per group of rows (an error for a group with nothing to learn), and its grades.

    ``grades`` holds every row's mid-rank grade within its group (NaN where missing or in no group).
    """

    marginals: list[Marginal | InvalidArgument]
    grades: NDArray[np.float64]
    #: the column's distinct values and ranks, kept for its refits (segments) and the integer-code check
    ranks: Ranks | None = None
    #: the normal scores of ``grades`` (``dependence.scores``), found from the distinct grades when the rows
    #: are few (None: found from ``grades`` when needed)
    scores: NDArray[np.float64] | None = None
    #: each group's finite values held by 1 to ``min_count - 1`` of its rows, ascending
    rare: list[NDArray[np.float64]] | None = None


@dataclass(frozen=True, eq=False)
class Ranks:
    """Each present value's rank (uint8, uint16 or int32) among ``m`` distinct values (ascending).

    A large column's ranks are among its own distinct present values, which are not kept: one pass over
    the values puts each in its place again. The columns of a batch of small ones (see
    :func:`fit_marginals`) are ranked together: then ``distinct`` holds the batch's distinct values, shared
    by its columns (a column need not hold every one of them).
    """

    rank: NDArray[np.integer[Any]]
    m: int
    distinct: NDArray[np.float64] | None = None
    #: the finite values 1 to ``min_count - 1`` rows hold (``private.rare_values``), once a fit counted them
    rare: tuple[int, NDArray[np.float64]] | None = None  # (min_count, values)

    def among(
        self, present: NDArray[np.float64], keep: NDArray[np.bool_] | None, values: NDArray[np.float64]
    ) -> tuple[NDArray[np.float64], NDArray[np.intp]]:
        """:func:`distinct_ranks` of the ``values`` that ``keep`` picks among the ``present`` ones (None: all).

        Its distinct values are those of every present value (the caller's count drops the ranks never
        seen), in the same order. -0.0 and 0.0 are one value, named by the first of them in ``values``,
        as :func:`distinct_ranks` names it.
        """
        if self.distinct is not None:
            distinct = self.distinct.copy()
        else:
            distinct = np.empty(self.m)
            distinct[self.rank] = present
        rank = (self.rank if keep is None else self.rank[keep]).astype(np.intp)
        _name_zero(distinct, values)
        return distinct, rank


def _name_zero(distinct: NDArray[np.float64], values: NDArray[np.float64]) -> None:
    """Name the zero among ``distinct`` (ascending) by the first of -0.0 and 0.0 in ``values``, as a hash would."""
    zero = int(np.searchsorted(distinct, 0.0))
    if zero < len(distinct) and distinct[zero] == 0.0:
        zeros = values == 0.0
        if zeros.any():
            distinct[zero] = values[int(np.argmax(zeros))]


def read_numbers(col: str, s: pd.Series, present: NDArray[np.bool_], *, integer: bool) -> Numbers:
    """Return a numeric column's values as floats; NaN values (pyarrow keeps them apart from nulls) are missing too.

    The values' ``present`` is ``present`` itself unless NaN values were found.
    Raises InvalidArgument, naming the column, for fractions, infinities or
    magnitudes an integer column cannot hold exactly.
    """
    x = _as_float(col, s, present)
    whole = isinstance(s.dtype, np.dtype) and s.dtype.kind in "iu"  # (numpy integers: no NaN, fraction or infinity)
    values = x if present.all() else x[present]
    if not whole and np.isnan(values).any():  # a NaN value (pyarrow keeps them apart from nulls) is missing too
        present = present & ~np.isnan(x)
        values = x[present]
    if integer and not whole and not np.all((values == np.round(values)) | ~np.isfinite(values)):
        raise InvalidArgument(f"column {col!r}: kind 'integer' was given but it holds fractions.")
    if integer and not whole and not np.isfinite(values).all():
        raise InvalidArgument(f"column {col!r}: an integer column cannot hold infinities.")
    if integer and present.any() and float(np.abs(values).max()) >= 2.0**53:  # (no NaN or infinity left)
        raise InvalidArgument(
            f"column {col!r}: whole numbers beyond +-2**53 cannot be modelled exactly (they would be "
            f"rounded); treat them as ids or categories with columns={{{col!r}: 'id'}} or 'category', "
            "or scale them."
        )
    cast = _numeric_cast(s, integer=integer, nulls=not present.all())
    return Numbers(col, x, present, integer=integer, cast=cast)


def dated_text(col: str, s: pd.Series, date_format: str | None = None) -> pd.Series:
    """A text column of kind datetime read in ``date_format`` when given (``columns={"d": "datetime:%d/%m/%Y"}``),
    else in the one format that reads every value (``dates.text_format``: ``21/03/2020`` is day first); ``s``
    itself when neither applies (timestamps already, or text pandas reads: :func:`read_timestamps`)."""
    dtype = s.dtype
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return s
    if date_format is None and (getattr(dtype, "kind", "") == "O" or isinstance(dtype, pd.StringDtype)):
        date_format = text_format(col, s)
    return s if date_format is None else parse_format(col, s, date_format)


def read_timestamps(col: str, s: pd.Series) -> Numbers:
    """Return a column's timestamps (UTC if they have a time zone) as whole numbers of the coarsest exact unit."""
    dtype = s.dtype
    if not pd.api.types.is_datetime64_any_dtype(dtype):
        try:
            s = pd.to_datetime(s, utc=True) if _has_tz(s) else pd.to_datetime(s)
        except pd.errors.OutOfBoundsDatetime:
            raise InvalidArgument(_OUT_OF_RANGE.format(col=col)) from None
        except (ValueError, TypeError) as exc:
            raise InvalidArgument(
                f"column {col!r}: its timestamps cannot be read as one datetime column ({exc}); convert it with "
                f"pd.to_datetime first, or leave it out with columns={{{col!r}: 'ignore'}}."
            ) from None
    tz = getattr(s.dt, "tz", None)
    if tz is not None:
        s = s.dt.tz_convert("UTC").dt.tz_localize(None)
    present = s.notna().to_numpy()
    try:
        ns = s.astype("datetime64[ns]").to_numpy().view(np.int64)
    except (ValueError, OverflowError):  # OutOfBoundsDatetime
        raise InvalidArgument(_OUT_OF_RANGE.format(col=col)) from None
    vals = ns[present]
    unit, unit_ns, note = "ns", 1, ""
    for u_name, u_ns in _UNITS:
        if np.all(vals % u_ns == 0):
            unit, unit_ns = u_name, u_ns
            break
    if unit == "ns":
        unit, unit_ns = "us", 1_000
        note = f"column {col!r}: nanoseconds were rounded to microseconds"
    x = np.full(len(s), np.nan)
    x[present] = np.round(vals / unit_ns) if unit_ns == 1_000 else vals // unit_ns
    cast = None
    if str(dtype) != "datetime64[ns]":
        cast = str(dtype) if pd.api.types.is_datetime64_any_dtype(dtype) else None
    if tz is not None and cast is None:
        cast = f"datetime64[ns, {tz}]"
    return Numbers(col, x, present, integer=False, cast=cast, unit=TimeUnit(unit, unit_ns), note=note)


def marginal_column(numbers: Numbers, fitted: Marginal) -> NumericColumn:
    """Build the numeric or datetime column of a fitted marginal."""
    column: NumericColumn
    if numbers.unit is None:
        column = NumericColumn(
            numbers.column,
            dist=fitted.dist,
            params=fitted.params,
            integer=numbers.integer,
            step=fitted.step,
            decimals=fitted.decimals,
            bounds=fitted.bounds,
            null_rate=fitted.null_rate,
            inf_rates=fitted.inf_rates,
        )
    else:
        column = DatetimeColumn(
            numbers.column,
            unit_ns=numbers.unit.ns,
            is_date=numbers.unit.name == "D",
            dist=fitted.dist,
            params=fitted.params,
            integer=True,
            step=fitted.step,
            bounds=fitted.bounds,
            null_rate=fitted.null_rate,
        )
    column.cast = numbers.cast
    return column


def fit_marginals(
    numbers: Sequence[Numbers],
    group: NDArray[np.int64] | None,
    k: int,
    *,
    min_count: int,
    knots: int,
    public: Mapping[str, tuple[float, float]] | None = None,
    avoid: Mapping[str, NDArray[np.float64]] | None = None,
    rows: NDArray[np.int64] | None = None,
) -> list[MarginalFit]:
    """Fit several numeric columns' marginals within each of ``k`` groups of rows, all at once.

    ``group`` gives each row's group (-1: none), or is None for one group of
    every row. ``public`` holds declared bounds by column name; ``avoid`` the
    values each column's stored numbers must not equal (default: with groups,
    the values 1 to ``min_count - 1`` of the column's rows hold). Returns per
    column its groups' marginals and the grades (see :func:`_fit_groups`) of
    ``rows`` (distinct, ascending; default: every row; the correlation rows of a
    large frame, so no full-length grades are kept): every (column, group) is a
    group of one fit. A column with ``ranks`` (kept from an earlier fit,
    ``MarginalFit.ranks``) is not ranked again; a batch without them is ranked once.
    """
    n = len(numbers[0].values)
    if rows is not None and len(rows) == n:  # every row (``rows`` are distinct): the grades of all, as they are
        rows = None
    batch = max(1, BATCH_VALUES // max(n, 1))
    if len(numbers) > batch:  # large frames: a few columns at a time (the batch saves calls, not work)
        return [
            fit
            for at in range(0, len(numbers), batch)
            for fit in fit_marginals(
                numbers[at : at + batch],
                group,
                k,
                min_count=min_count,
                knots=knots,
                public=public,
                avoid=avoid,
                rows=rows,
            )
        ]
    if len(numbers) == 1:  # (one column: its own arrays, no copies)
        x, present = numbers[0].values, numbers[0].present
    else:
        x = np.concatenate([column.values for column in numbers])
        present = np.concatenate([column.present for column in numbers])
    if group is None:
        cells = None if len(numbers) == 1 else np.repeat(np.arange(len(numbers)), n)
    else:
        # (each column's rows' cells c * k + group, -1 for none: every column's at once, one after another)
        cells = np.where(group >= 0, np.arange(len(numbers))[:, None] * k + group, -1).ravel()
    # the columns' distinct values and ranks, found once (kept from an earlier fit, or found now for the whole
    # batch and kept for the next): a cell holds one column's values, so ranks among the batch's serve every cell
    if any(column.ranks is None for column in numbers):
        kept, first = _rank_batch(numbers, x, present)
    else:
        kept, first = [column.ranks for column in numbers if column.ranks is not None], None
    ranked = first if first is not None and group is None else _batch_ranks(numbers, kept, group)
    m = n if rows is None else len(rows)
    at = None if rows is None else np.concatenate([rows + c * n for c in range(len(numbers))])
    fitted = _fit_groups(
        x,
        present,
        cells,
        len(numbers) * k,
        integer=[column.whole for column in numbers for _ in range(k)],
        names=[column.column for column in numbers for _ in range(k)],
        min_count=min_count,
        knots=knots,
        public=public or {},
        # (a segment group's numbers avoid the whole column's rare values; a single group is the column)
        avoid=avoid
        if avoid is not None
        else {
            column.column: _rare_values(column, min_count, ranks) for column, ranks in zip(numbers, kept, strict=True)
        }
        if group is not None
        else {},
        at=at,
        ranked=ranked,
    )
    if group is None and fitted.rare is not None:  # (a column's rare values, kept for its segment refits)
        kept = [  # (the constructor: ``dataclasses.replace`` reads every field's definition each time)
            Ranks(ranks.rank, ranks.m, ranks.distinct, rare=(min_count, rare))
            for ranks, rare in zip(kept, fitted.rare, strict=True)
        ]
    return [
        MarginalFit(
            fitted.marginals[c * k : (c + 1) * k],
            fitted.grades[c * m : (c + 1) * m],
            kept[c],
            None if fitted.scores is None else fitted.scores[c * m : (c + 1) * m],
        )
        for c in range(len(numbers))
    ]


def _rank_batch(
    numbers: Sequence[Numbers], x: NDArray[np.float64], present: NDArray[np.bool_]
) -> tuple[list[Ranks], tuple[NDArray[np.float64], NDArray[np.intp]]]:
    """Each column's :class:`Ranks` (in the smallest integers that hold them), and :func:`distinct_ranks` of
    every present value of the batch (``x``: the columns' values one after another)."""
    distinct, rank = distinct_ranks(x if present.all() else x[present])
    m = len(distinct)
    small = np.uint8 if m <= 256 else np.uint16 if m <= 65_536 else np.int32 if m < 2**31 else np.int64
    kept = rank.astype(small)
    # (a batch of small columns keeps its distinct values for every column; a large column is alone, and its
    # distinct values, as many as its rows, are found again from its values when needed)
    shared = distinct if len(numbers) > 1 else None
    ranks, at = [], 0
    for column in numbers:
        size = len(column.values) if column.present.all() else int(np.count_nonzero(column.present))
        ranks.append(Ranks(kept[at : at + size], m, shared))
        at += size
    return ranks, (distinct, rank)


def _batch_ranks(
    numbers: Sequence[Numbers], kept: Sequence[Ranks], group: NDArray[np.int64] | None
) -> tuple[NDArray[np.float64], NDArray[np.intp]]:
    """:func:`distinct_ranks` for the batch of :func:`_fit_groups`: every column's values in a group, one after another.

    Columns ranked together (one batch's ``distinct``) keep their ranks; otherwise column c's distinct
    values follow those of the columns before it, and its ranks are shifted past theirs. Either way the
    values of each (column, group) cell are ranked in order, as one hash of the batch would rank them.
    -0.0 and 0.0 are one value, named by its first among the values of the batch's cells.
    """
    presents, keeps = [], []
    for column in numbers:
        everywhere = column.present.all()
        keep = None if group is None else group >= 0 if everywhere else group[column.present] >= 0
        presents.append(column.values if everywhere else column.values[column.present])
        keeps.append(None if keep is None or keep.all() else keep)
    values = [p if keep is None else p[keep] for p, keep in zip(presents, keeps, strict=True)]
    shared = kept[0].distinct
    if shared is not None and all(ranks.distinct is shared for ranks in kept):
        distinct = shared.copy()
        rank = np.concatenate(
            [ranks.rank if keep is None else ranks.rank[keep] for ranks, keep in zip(kept, keeps, strict=True)]
        ).astype(np.intp)
        _name_zero(distinct, np.concatenate(values))
        return distinct, rank
    parts, ranks_all = [], []
    offset = 0
    for ranks, p, keep, v in zip(kept, presents, keeps, values, strict=True):
        d, r = ranks.among(p, keep, v)
        parts.append(d)
        ranks_all.append(r + offset if offset else r)
        offset += len(d)
    if len(numbers) == 1:
        return parts[0], ranks_all[0]
    distinct = np.concatenate(parts)
    zeros = distinct == 0.0
    if zeros.any():  # (every column's 0.0 named by the batch's first zero, as one hash of the batch names it)
        hits = np.concatenate(values) == 0.0
        if hits.any():
            distinct[zeros] = np.concatenate(values)[int(np.argmax(hits))]
    return distinct, np.concatenate(ranks_all)


def _rare_values(column: Numbers, min_count: int, kept: Ranks | None = None) -> NDArray[np.float64]:
    """``private.rare_values`` of the column's values, counted from its ranks (``kept``, else its own) when known."""
    kept = column.ranks if kept is None else kept
    if kept is None:
        return rare_values(column.values, min_count)
    if kept.rare is not None and kept.rare[0] == min_count:  # (counted by the column's own fit)
        return kept.rare[1]
    if kept.distinct is not None:
        distinct = kept.distinct
    else:
        distinct = np.empty(kept.m)
        distinct[kept.rank] = column.values[column.present]
    counts = np.bincount(kept.rank, minlength=kept.m)
    few = (counts > 0) & (counts < min_count)  # (a batch's values this column never holds: not its)
    out: NDArray[np.float64] = distinct[few & np.isfinite(distinct)]
    return out


def _fit_groups(
    x: NDArray[np.float64],
    present: NDArray[np.bool_],
    group: NDArray[np.int64] | None,
    k: int,
    *,
    integer: list[bool],
    names: list[str],
    min_count: int,
    knots: int,
    public: Mapping[str, tuple[float, float]],
    avoid: Mapping[str, NDArray[np.float64]],
    at: NDArray[np.int64] | None = None,
    ranked: tuple[NDArray[np.float64], NDArray[np.intp]] | None = None,
) -> MarginalFit:
    """Fit numeric marginals within each of ``k`` groups of rows, all groups at once.

    ``group`` gives each row's group (-1: none; None: every row in group 0); group g's values are whole
    numbers when ``integer[g]``, and errors name the column ``names[g]``; ``public`` holds declared bounds
    and ``avoid`` the values a column's stored numbers must not equal (see ``private.unheld``), by column
    name. Returns each group's marginal (or the error its rows give), and the mid-rank grade within its
    group of every row (or of rows ``at``; NaN where missing or in no group). One count serves
    every group, and the decimals, grids and quantile knots of all groups
    are found together: fitting many columns and segments costs little
    more than fitting one. ``ranked`` are the distinct values and ranks (:func:`distinct_ranks`) of the
    values fitted (present, in a group), when the caller has them: they are not found again.
    """
    rows = present if group is None else present & (group >= 0)
    every = bool(rows.all())  # (every row has a value in a group: a row's position among them is its own)
    v = x if every else x[rows]  # (only read)
    gid = np.zeros(len(v), dtype=np.intp) if group is None else group if every else group[rows]
    uniq, ug, inverse, counts = _grouped_unique(v, gid, k, ranked=ranked)
    del ranked
    # (each group's present values: its distinct values' counts, summed - far fewer than its rows)
    n_present = np.bincount(ug, weights=counts, minlength=k).astype(np.int64)
    if group is None:
        sizes = [len(x)]
    else:  # (each group's rows: those with a value, when every row has one)
        sizes = (n_present if every else np.bincount(group[group >= 0], minlength=k)).tolist()
    del gid
    within = counts.cumsum()  # running count within the group
    within -= np.concatenate([[0], within])[np.searchsorted(ug, np.arange(k))][ug]
    entry_grades = (within - counts / 2.0) / n_present[ug]
    # the normal scores the correlations read, from the distinct grades (a small table: one ndtri per value
    # instead of per row; the same bits), when the rows are few enough to keep both at once
    entry_scores = scores(entry_grades) if (len(x) if at is None else len(at)) <= BATCH_VALUES else None
    row_scores = None
    if at is None and every:
        grades = entry_grades[inverse]
        if entry_scores is not None:
            row_scores = entry_scores[inverse]
    elif at is None:
        grades = np.full(len(x), np.nan)
        grades[rows] = entry_grades[inverse]
        if entry_scores is not None:
            row_scores = np.full(len(x), np.nan)
            row_scores[rows] = entry_scores[inverse]
    else:  # only rows ``at``: the positions of their values among the present ones
        if len(v) == len(x):  # every row has a value: a row's position is its own
            found = inverse[at]
            grades = entry_grades[found]
            if entry_scores is not None:
                row_scores = entry_scores[found]
            del found
        else:
            grades = np.full(len(at), np.nan)
            here = rows[at]
            position = np.cumsum(rows) - 1
            found = inverse[position[at[here]]]
            grades[here] = entry_grades[found]
            if entry_scores is not None:
                row_scores = np.full(len(at), np.nan)
                row_scores[here] = entry_scores[found]
            del position, found
    del inverse
    inf_rates = [(0.0, 0.0)] * k
    inf_counts = [(0, 0)] * k
    if not np.isfinite(uniq).all():
        neg = np.bincount(ug[uniq == -np.inf], weights=counts[uniq == -np.inf], minlength=k)
        pos = np.bincount(ug[uniq == np.inf], weights=counts[uniq == np.inf], minlength=k)
        inf_rates = [
            (
                (coarse_rate(neg[g], n_present[g], min_count), coarse_rate(pos[g], n_present[g], min_count))
                if n_present[g]
                else (0.0, 0.0)
            )
            for g in range(k)
        ]
        inf_counts = [(int(neg[g]), int(pos[g])) for g in range(k)]
        finite = np.isfinite(uniq)
        uniq, ug, counts = uniq[finite], ug[finite], counts[finite]
    # group g's distinct finite values are at[g]:at[g+1]
    at = np.searchsorted(ug, np.arange(k + 1))
    n_finite = np.bincount(ug, weights=counts, minlength=k).astype(np.int64)
    ok = at[1:] > at[:-1]
    n_ok = int(np.count_nonzero(ok))
    # (per-group numbers read group by group below: Python's, read once, rather than a numpy scalar at each read)
    spans, ok_of, present_of = at.tolist(), ok.tolist(), n_present.tolist()
    decimals: list[int | None] = [None] * k
    steps: list[float | None] = [1.0 if whole else None for whole in integer]
    fractional = [g for g in range(k) if ok_of[g] and not integer[g]]
    if fractional:
        pick, lengths = _entries(at, fractional, everything=len(fractional) == n_ok)
        for g, d in zip(fractional, _decimals_by_group(uniq[pick], np.cumsum(lengths) - lengths), strict=True):
            decimals[g] = d
            steps[g] = None if d is None else 10.0**-d
    wide = [g for g in range(k) if ok_of[g] and steps[g] is not None and spans[g + 1] - spans[g] >= 20]
    if wide:
        # values on a coarser grid (prices in steps of 5, masses of 25 g): sample on that grid too
        units = [10 ** (decimals[g] or 0) for g in wide]
        pick, lengths = _entries(at, wide, everything=len(wide) == n_ok)
        starts = np.cumsum(lengths) - lengths
        scale = units[0] if len(set(units)) == 1 else np.repeat(np.array(units, dtype=np.float64), lengths)
        ints = np.rint(uniq[pick] * scale)
        small = np.maximum.reduceat(np.abs(ints), starts) < 2.0**53
        with np.errstate(invalid="ignore"):  # (values beyond 2**63 are cast to nonsense, then ignored)
            gcds = np.gcd.reduceat(ints.astype(np.int64), starts)
        for g, unit, fits, divisor in zip(wide, units, small.tolist(), gcds.tolist(), strict=True):
            if fits and divisor > 1:
                steps[g] = divisor / unit if decimals[g] else float(divisor)
    atoms = counts >= min_count  # (the observed minimum and maximum too only when held by min_count rows)
    rare = np.bincount(ug[~atoms], weights=counts[~atoms], minlength=k).astype(np.int64)
    rare_rows, finite_of = rare.tolist(), n_finite.tolist()
    # few distinct values (both ends held by min_count rows, few rows on rare values): an exact frequency table
    lengths = at[1:] - at[:-1]
    if len(uniq):
        ends = atoms[np.minimum(at[:-1], len(uniq) - 1)] & atoms[np.maximum(at[1:] - 1, 0)]
        tabled = ok & (lengths <= MAX_TABULATED) & (rare <= 0.05 * n_finite) & ends
        lows, highs = uniq[np.minimum(at[:-1], len(uniq) - 1)].tolist(), uniq[np.maximum(at[1:] - 1, 0)].tolist()
    else:
        tabled, lows, highs = np.zeros(k, dtype=bool), [0.0] * k, [0.0] * k
    tables = _frequency_tables(uniq, counts, ug, atoms, tabled, k) if tabled.any() else None
    is_table = tabled.tolist()
    out: list[Marginal | InvalidArgument] = []
    quantile_groups = []
    for g in range(k):
        if not ok_of[g]:
            out.append(
                InvalidArgument(
                    f"column {names[g]!r}: every present value is infinite; there is no distribution to learn. "
                    f"Replace the infinities, or leave the column out with columns={{{names[g]!r}: 'ignore'}}."
                )
            )
            continue
        fitted = Marginal(
            "quantiles",
            {},
            steps[g],
            decimals[g],
            "",
            (lows[g], highs[g]),  # (replaced below: private bounds)
            coarse_rate(sizes[g] - present_of[g], sizes[g], min_count),
            inf_rates[g],
        )
        if is_table[g]:
            assert tables is not None
            kept, probs, merged = tables.values[g], tables.probs[g], tables.merged[g]
            assert kept is not None and probs is not None
            if merged:  # (rare values joined their nearest stored neighbour)
                held = f"{rare_rows[g]} rows" if rare_rows[g] >= min_count else f"fewer than {min_count} rows"
                fitted.note = (
                    f"{merged} values seen fewer than {min_count} times ({held}) "
                    "were merged into their nearest stored value"
                )
            fitted.dist = "table"
            fitted.params = {"values": kept, "probs": probs}
            declared = public.get(names[g])
            fitted.bounds = (float(kept[0]), float(kept[-1])) if declared is None else declared
        else:
            quantile_groups.append(g)
        out.append(fitted)
    tails = []  # (per quantile group: a frequency table but for its rare extremes, which become its tails)
    for g in quantile_groups:
        few = spans[g + 1] - spans[g] <= MAX_TABULATED and rare_rows[g] <= 0.05 * finite_of[g]
        tails.append(few)
        if few and rare_rows[g]:
            marginal = out[g]
            assert isinstance(marginal, Marginal)
            held = f"{rare_rows[g]} rows" if rare_rows[g] >= min_count else f"fewer than {min_count} rows"
            marginal.note = (
                f"{int((~atoms[spans[g] : spans[g + 1]]).sum())} values seen fewer than {min_count} times ({held}) "
                "were not stored; their rows went to the tails and the nearest stored values"
            )
    # private knots and bounds, every group's at once (see private.py)
    knotted = private_knots_groups(
        uniq,
        counts,
        spans,
        quantile_groups,
        min_count=min_count,
        knots=knots,
        steps=[steps[g] for g in quantile_groups],
        public=[public.get(names[g]) for g in quantile_groups],
        atoms=tails,
    )
    for g, (_, _, bounds) in zip(quantile_groups, knotted, strict=True):
        marginal = out[g]
        assert isinstance(marginal, Marginal)
        marginal.bounds = bounds
    if knotted:  # (12 significant digits keep the file short; the bounds stay exact) - every group's at once
        knot_counts = [len(values) for _, values, _ in knotted]
        raw = np.concatenate([values for _, values, _ in knotted])
        knot_lows = np.repeat([bounds[0] for _, _, bounds in knotted], knot_counts)
        knot_highs = np.repeat([bounds[1] for _, _, bounds in knotted], knot_counts)
        settled = np.where((raw == knot_lows) | (raw == knot_highs), raw, _significant(raw, 12))
        settled = np.minimum(np.maximum(running_max(settled, knot_counts), knot_lows), knot_highs)
        cumulative = running_max(round_probs(np.concatenate([probs for probs, _, _ in knotted])), knot_counts)
        alsos = [avoid.get(names[g]) for g in quantile_groups]
        # (a group with no value to avoid: ``unheld`` keeps all)
        moving = [
            bool(rare_rows[g]) or (also is not None and bool(also.size))
            for g, also in zip(quantile_groups, alsos, strict=True)
        ]
        if sum(moving) >= UNHELD_AT_ONCE:  # (many groups: moved off rare values at once, the same bits)
            settled, moved = unheld_groups(
                settled,
                knot_counts,
                [bounds for _, _, bounds in knotted],
                uniq,
                counts,
                [(spans[g], spans[g + 1]) for g in quantile_groups],
                min_count=min_count,
                steps=[steps[g] for g in quantile_groups],
                public=[names[g] in public for g in quantile_groups],
                also=alsos,
            )
            for g, bounds in zip(quantile_groups, moved, strict=True):
                marginal = out[g]
                assert isinstance(marginal, Marginal)
                marginal.bounds = bounds
            moving = [False] * len(quantile_groups)
        start = 0
        for g, length, also, move in zip(quantile_groups, knot_counts, alsos, moving, strict=True):
            marginal = out[g]
            assert isinstance(marginal, Marginal)
            values = settled[start : start + length]
            if move:
                values, marginal.bounds = unheld(
                    values,
                    marginal.bounds,
                    uniq[spans[g] : spans[g + 1]],
                    counts[spans[g] : spans[g + 1]],
                    min_count=min_count,
                    step=steps[g],
                    public=names[g] in public,
                    also=also,
                )
            marginal.params = {"probs": cumulative[start : start + length], "values": values}
            start += length
    for g, marginal in enumerate(out):  # say what was coarsened
        if not isinstance(marginal, Marginal):
            continue
        said = [marginal.note] if marginal.note else []
        if coarsened(sizes[g] - present_of[g], sizes[g], min_count):
            said.append(
                f"its missing (or present) values, fewer than {min_count}, are stored as {min_count / 2:g} rows"
            )
        if any(coarsened(count, present_of[g], min_count) for count in inf_counts[g]):
            said.append(f"its infinities, fewer than {min_count}, are stored as {min_count / 2:g} rows")
        marginal.note = "; ".join(said)
    rare_at = np.searchsorted(ug[~atoms], np.arange(k + 1)).tolist()
    rare_values = uniq[~atoms]
    rare_of = [rare_values[rare_at[g] : rare_at[g + 1]] for g in range(k)]
    return MarginalFit(out, grades, scores=row_scores, rare=rare_of)


@dataclass(frozen=True)
class _Tables:
    """Frequency tables of some groups (the others' entries are None): each group's stored values, their
    probabilities, and how many rare values were merged into them."""

    values: list[NDArray[np.float64] | None]
    probs: list[NDArray[np.float64] | None]
    merged: list[int]


def _frequency_tables(
    uniq: NDArray[np.float64],
    counts: NDArray[np.intp],
    owner: NDArray[np.intp],
    atoms: NDArray[np.bool_],
    tabled: NDArray[np.bool_],
    k: int,
) -> _Tables:
    """The exact frequency tables of the ``tabled`` groups among ``k``, every group's at once.

    ``uniq`` holds each group's distinct values (ascending, group after group; ``owner`` says whose), seen
    ``counts`` times; ``atoms`` marks those held by ``min_count`` rows, which are stored. A rare value joins
    its nearest stored neighbour in its group (the lower one on a tie); then each group's counts become
    probabilities, rounded. Each group's numbers are exactly those it would get on its own: counts are whole
    numbers, so their sums do not depend on the order they are added in.
    """
    in_table = tabled[owner]
    keep = in_table & atoms
    values, whose, probs = uniq[keep], owner[keep], counts[keep].astype(np.float64)
    merge = in_table & ~atoms
    merged = [0] * k
    if merge.any():
        x, x_owner, x_counts = uniq[merge], owner[merge], counts[merge]
        first = whose.searchsorted(x_owner, side="left")  # (each rare value's group's stored values)
        last = whose.searchsorted(x_owner, side="right") - 1
        at = keyed(whose, values).searchsorted(keyed(x_owner, x))  # (by group, then value)
        nearest = np.minimum(np.maximum(at, first), last)
        below = np.minimum(np.maximum(nearest - 1, first), last)
        closer = np.abs(values[below] - x) <= np.abs(values[nearest] - x)
        np.add.at(probs, np.where(closer, below, nearest), x_counts)
        merged = np.bincount(x_owner, minlength=k).tolist()
    total = np.bincount(whose, weights=probs, minlength=k)
    probs = round_probs(probs / total[whose])
    bounds = whose.searchsorted(np.arange(k + 1)).tolist()
    stored = tabled.tolist()
    return _Tables(
        [values[bounds[g] : bounds[g + 1]] if stored[g] else None for g in range(k)],
        [probs[bounds[g] : bounds[g + 1]] if stored[g] else None for g in range(k)],
        merged,
    )


def round_probs(p: NDArray[np.float64], *, cumulative: bool = False) -> NDArray[np.float64]:
    """Round probabilities to 15 decimals: the file stays short, and the model is exactly what is saved."""
    out = np.asarray(p, dtype=np.float64).round(15)
    return np.maximum.accumulate(out) if cumulative else out


def _significant(x: NDArray[np.float64], digits: int) -> NDArray[np.float64]:
    """Round finite values to ``digits`` significant digits (a short decimal in the file), all at once."""
    a = np.abs(x)
    shift = digits - 1 - np.floor(np.log10(a, out=np.zeros_like(a), where=a > 0))
    if x.size and 0.0 <= shift.min() and shift.max() <= 22.0:  # the common case: every magnitude within 1e-11 .. 1e12
        scale = 10.0**shift
        out: NDArray[np.float64] = np.round(x * scale) / scale
        return out
    scale = 10.0 ** np.minimum(np.abs(shift), 22.0)  # powers of ten up to 1e22 are exact doubles
    with np.errstate(over="ignore", invalid="ignore"):  # the branch np.where drops may overflow
        out = np.where(shift >= 0, np.round(x * scale) / scale, np.round(x / scale) * scale)
    for i in np.flatnonzero(np.abs(shift) > 22):  # tiny or huge magnitudes (rare): one at a time
        out[i] = float(f"{x[i]:.{digits}g}")
    return out


def _quantiles(
    uniq: NDArray[np.float64],
    running: NDArray[np.int64],
    levels: NDArray[np.float64],
    n: NDArray[np.int64] | int,
    offset: NDArray[np.int64] | int,
) -> NDArray[np.float64]:
    """Return ``np.quantile`` (linear method) of groups of values, bit for bit, without sorting them again.

    ``uniq`` holds each group's distinct values in order, ``running`` the
    running count over all groups; a level's group has ``n`` values and
    ``offset`` values before it (arrays per level, or scalars for one group).
    """
    virtual = (n - 1) * levels
    below = np.floor(virtual)
    gamma = virtual - below
    at = below.astype(np.int64)
    a = uniq[np.searchsorted(running, at + offset, side="right")]
    b = uniq[np.searchsorted(running, np.minimum(at + 1, n - 1) + offset, side="right")]
    d = b - a
    return np.where(gamma >= 0.5, b - d * (1.0 - gamma), a + d * gamma)


def _entries(at: NDArray[np.intp], groups: list[int], *, everything: bool) -> tuple[Any, NDArray[np.intp]]:
    """Return (index of the entries of ``groups``, their lengths); group g's entries are ``at[g]:at[g + 1]``."""
    lengths = (at[1:] - at[:-1])[groups]
    if everything:  # every group with entries: all of them, in order
        return slice(None), lengths
    return np.concatenate([np.arange(at[g], at[g + 1]) for g in groups]), lengths


def _decimals_by_group(uniq: NDArray[np.float64], starts: NDArray[np.intp]) -> list[int | None]:
    """Return for each group of values the fewest decimals (0-6) that write all of them exactly, or None.

    Group i is ``uniq[starts[i]:starts[i + 1]]`` (the last runs to the end; none is empty). The
    first values of each group (at most :data:`_DECIMALS_HEAD`) give a lower bound, since a
    decimal count that fails on some values fails on all; the whole group is then tried from
    that count up, so a column of a million prices is read about once rather than seven times.
    """
    lengths = np.diff(np.append(starts, len(uniq)))
    head = np.minimum(lengths, _DECIMALS_HEAD)
    if int(head.sum()) == len(uniq):  # small groups: every value at once
        return _fewest_decimals(uniq, starts)
    head_starts = np.cumsum(head) - head
    at = np.repeat(starts - head_starts, head) + np.arange(int(head.sum()))
    bound = _fewest_decimals(uniq[at], head_starts)
    found: list[int | None] = [None] * len(starts)
    pending = np.array([b is not None for b in bound])
    low = np.array([7 if b is None else b for b in bound])
    group_of = np.repeat(np.arange(len(starts)), lengths)
    for d in range(7):
        trying = pending & (low <= d)
        if not trying.any():
            continue
        values = uniq if trying.all() else uniq[trying[group_of]]
        sizes = lengths[trying]
        exact = _exact_at(values, d)
        every = np.logical_and.reduceat(exact, np.cumsum(sizes) - sizes).tolist()
        for g, ok in zip(np.flatnonzero(trying).tolist(), every, strict=True):
            if ok:
                found[g] = d
                pending[g] = False
    return found


#: Values per group that bound its decimals before the whole group is read (see :func:`_decimals_by_group`).
_DECIMALS_HEAD = 512


def _exact_at(values: NDArray[np.float64], d: int) -> NDArray[np.bool_]:
    """Whether each value is written exactly with ``d`` decimals (to float64's ~16 digits)."""
    # float64 keeps ~16 digits: a relative tolerance, so tiny (even subnormal) values never pass as 0.0
    tolerance = 1e-12 * np.abs(values)
    if d == 0:
        return np.abs(np.rint(values) - values) <= tolerance  # type: ignore[no-any-return]
    unit = 10.0**d
    with np.errstate(over="ignore", invalid="ignore"):  # huge values overflow here, as in np.round: never exact
        return np.abs(np.rint(values * unit) / unit - values) <= tolerance  # type: ignore[no-any-return]


def _fewest_decimals(uniq: NDArray[np.float64], starts: NDArray[np.intp]) -> list[int | None]:
    """:func:`_decimals_by_group` reading every value at every count (0-6) at once."""
    tolerance = 1e-12 * np.abs(uniq)  # float64 keeps ~16 digits (relative: tiny values are not 0)
    whole = np.abs(np.rint(uniq) - uniq) <= tolerance
    if whole.all():  # the common case, quickly
        return [0] * len(starts)
    unit = 10.0 ** np.arange(1, 7)[:, None]
    with np.errstate(over="ignore", invalid="ignore"):  # huge values overflow here, as in np.round: never exact
        rounded = np.rint(uniq[None, :] * unit) / unit  # what np.round(uniq, d) computes, for d = 1..6 at once
    exact = np.vstack([whole, np.abs(rounded - uniq[None, :]) <= tolerance])
    every = np.logical_and.reduceat(exact, starts, axis=1)  # (decimals 0..6) x groups
    fewest = np.argmax(every, axis=0).tolist()
    found: list[bool] = np.any(every, axis=0).tolist()
    return [d if ok else None for d, ok in zip(fewest, found, strict=True)]


def _grouped_unique(
    values: NDArray[np.float64],
    group: NDArray[np.intp],
    k: int,
    *,
    ranked: tuple[NDArray[np.float64], NDArray[np.intp]] | None = None,
) -> tuple[NDArray[np.float64], NDArray[np.intp], NDArray[np.intp], NDArray[np.intp]]:
    """``np.unique(..., return_inverse=True, return_counts=True)`` of NaN-free values within each of ``k`` groups.

    Returns (distinct values, group of each, each value's index into them, counts): the
    distinct values of group 0 in order, then group 1's, and so on. A hash table
    (``pd.factorize``) finds the distinct values and only they are sorted; each
    value's (group, rank) is then one integer, counted in a table when the
    groups' ranks are few (the common case: a counting sort), counted group by group when
    the groups are few (segments of a large column), and sorted otherwise.
    """
    distinct, key = distinct_ranks(values) if ranked is None else ranked
    m = len(distinct)
    if 1 < k <= _COUNTED_GROUPS and k * m > 4 * len(values) + 64 and _counting_wins(len(values), k):
        return _count_by_group(distinct, key, group, k)
    if k > 1:
        key += group * m
    if k * m <= 4 * len(values) + 64:
        counts = np.bincount(key, minlength=k * m)
        seen = counts > 0
        entries = np.flatnonzero(seen)
        inverse = (np.cumsum(seen) - 1)[key]
        counts = counts[entries]
    else:  # many groups of mostly distinct values: sort the keys
        perm = key.argsort(kind="stable")
        ordered = key[perm]
        first = np.empty(len(ordered), dtype=bool)
        first[:1] = True
        np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
        inverse = np.empty(len(ordered), dtype=np.intp)
        inverse[perm] = first.cumsum() - 1
        starts = np.flatnonzero(first)
        entries = ordered[starts]
        counts = np.empty(len(starts), dtype=np.intp)
        counts[:-1] = starts[1:] - starts[:-1]
        counts[-1:] = len(ordered) - starts[-1:]
    if m == 0:  # (nothing to divide by)
        return distinct, entries, inverse, counts
    return distinct[entries % m], entries // m, inverse, counts


#: Up to this many groups, :func:`_grouped_unique` counts each group's ranks in a table of its own rather than
#: sorting (group, rank) keys: time and memory in values plus groups x distinct values.
_COUNTED_GROUPS = 32


def _counting_wins(n: int, k: int) -> bool:
    """Whether counting ``n`` (group, rank) keys group by group beats one stable sort of them, for ``k`` groups.

    A count per group scans every value and costs a few calls (about 8 us plus 1.5 ns a value); the sort
    costs about 2.5 ns a value per halving (measured with numpy 2 on 300 to 300,000 values): few groups of
    many values are counted, many groups of few values (a small table's segments) sorted.
    """
    return k * (3_200 + 0.6 * n) < n * math.log2(max(n, 2))


def _count_by_group(
    distinct: NDArray[np.float64], rank: NDArray[np.intp], group: NDArray[np.intp], k: int
) -> tuple[NDArray[np.float64], NDArray[np.intp], NDArray[np.intp], NDArray[np.intp]]:
    """:func:`_grouped_unique` from the values' ranks among ``distinct``, one counting table per group.

    The same answer as sorting the (group, rank) keys: each group's ranks seen, in order, group after group.
    """
    m = len(distinct)
    inverse = np.empty(len(rank), dtype=np.intp)
    found, owners, tallies = [], [], []
    offset = 0
    for g in range(k):
        at = np.flatnonzero(group == g)
        r = rank[at]
        counts = np.bincount(r, minlength=m)
        seen = counts > 0
        entries = np.flatnonzero(seen)
        inverse[at] = (np.cumsum(seen) - 1)[r] + offset
        found.append(entries)
        owners.append(np.full(len(entries), g, dtype=np.intp))
        tallies.append(counts[entries])
        offset += len(entries)
    entries = np.concatenate(found)
    return distinct[entries], np.concatenate(owners), inverse, np.concatenate(tallies)


def distinct_ranks(values: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.intp]]:
    """``np.unique(values, return_inverse=True)`` of NaN-free values: a hash table, then a sort of the distinct ones.

    Far quicker than np.unique's sort of every value when values repeat (codes, counts, grids).
    Whole numbers within a range of a few times their count (counts, years, prices) are counted in
    a table instead (:func:`_distinct_ranks_by_counting`). -0.0 and 0.0 are one value, as in np.unique.
    """
    counted = _distinct_ranks_by_counting(values)
    if counted is not None:
        return counted
    head = values[:_PROBE]
    if len(values) > 4 * _PROBE and len(pd.unique(head)) > len(head) // 2:
        return _distinct_ranks_by_sorting(values)  # mostly distinct: a hash table only adds work
    codes, distinct = pd.factorize(values)
    order = distinct.argsort()
    rank = np.empty(len(distinct), dtype=np.intp)
    rank[order] = np.arange(len(distinct))
    return distinct[order], rank[codes]


#: Values whose distinct share decides between a hash table and a sort (:func:`distinct_ranks`).
_PROBE = 4096


def _distinct_ranks_by_counting(
    values: NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.intp]] | None:
    """:func:`distinct_ranks` of whole numbers spanning at most about 4 per value: a table of the span, no hash
    or sort. None for other values (fractions, infinities, a wider span)."""
    n = len(values)
    if n < _COUNTED_MIN:
        return None
    head = values[:_COUNTED_HEAD]
    if not np.array_equal(head, np.rint(head)):  # (a fraction early on: no need to read further)
        return None
    lo, hi = float(values.min()), float(values.max())
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi - lo > 4 * n + 64 or max(-lo, hi) >= 2.0**53:
        return None
    offset = values - lo  # (exact: whole numbers below 2**53)
    at = offset.astype(np.intp)
    if not np.array_equal(at, offset):
        return None
    seen = np.zeros(int(hi - lo) + 1, dtype=bool)
    seen[at] = True
    rank_of = np.cumsum(seen) - 1
    where = np.flatnonzero(seen)
    distinct: NDArray[np.float64] = np.add(where, lo, dtype=np.float64)  # (whole numbers: exactly the values seen)
    if lo <= 0.0 <= hi and seen[int(-lo)]:  # 0.0 is named by the first zero seen (-0.0 or 0.0), as by the hash
        distinct[rank_of[int(-lo)]] = values[int(np.argmax(values == 0.0))]
    rank: NDArray[np.intp] = rank_of[at]
    return distinct, rank


#: :func:`_distinct_ranks_by_counting` takes columns of at least this many values (below, any way is quick) ...
_COUNTED_MIN = 64
#: ... and gives up on the first fraction among this many values before reading the rest.
_COUNTED_HEAD = 64


def _distinct_ranks_by_sorting(values: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.intp]]:
    """:func:`distinct_ranks` by one sort of every value: the same answer, quicker when values rarely repeat."""
    order = values.argsort()
    ordered = values[order]
    first = np.empty(len(ordered), dtype=bool)
    first[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    rank = np.empty(len(values), dtype=np.intp)
    rank[order] = np.cumsum(first) - 1
    distinct = ordered[first]
    zero = np.searchsorted(distinct, 0.0)
    if zero < len(distinct) and distinct[zero] == 0.0:  # -0.0 and 0.0 are one value: the first seen names it
        distinct[zero] = values[int(np.argmax(values == 0.0))]
    return distinct, rank


def _has_tz(s: pd.Series) -> bool:
    sample = s.dropna().head(100)
    return any(getattr(v, "tzinfo", None) is not None for v in sample)


def _as_float(col: str, s: pd.Series, present: NDArray[np.bool_]) -> NDArray[np.float64]:
    if isinstance(s.dtype, np.dtype) and s.dtype.kind in "iuf":  # (to_numpy's na_value handling costs 20x more)
        raw = s.to_numpy()
        x = raw.astype(np.float64, copy=False)  # (a float64 column is read in place, not copied)
        if x is raw:
            x = x.view()
            x.flags.writeable = False  # the caller's frame: nothing downstream may write into it
        return x
    try:
        if s.dtype == object:
            s = pd.to_numeric(s)
        return s.to_numpy(dtype=np.float64, na_value=np.nan)
    except (TypeError, ValueError) as exc:
        written = _written_numbers(s, present)
        if written is not None:
            return written
        raise InvalidArgument(
            f"column {col!r}: cannot read it as numbers ({exc}); convert it first, e.g. with pandas "
            f"df[{col!r}] = pd.to_numeric(df[{col!r}].str.replace(',', ''), errors='coerce') (values that are no "
            "numbers become missing), or pick another kind in columns= (synthdata fit --column "
            f"'{col}=category', or 'pattern')."
        ) from None


def _written_numbers(s: pd.Series, present: NDArray[np.bool_]) -> NDArray[np.float64] | None:
    """A text column declared numeric whose every present value is a number written as text (``"1,999"``,
    ``"12%"``, ``"$1,234.50"``: read without the sign, separators and percent sign) or a missing marker
    (``"."``, ``"NA"``: read as missing); None when some value is neither."""
    from .infer import MISSING_MARKS, number_text

    out = np.full(len(s), np.nan)
    at = np.flatnonzero(present).tolist()
    values = s.to_numpy(dtype=object)
    for i in at:
        v = values[i]
        if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_)):
            out[i] = float(v)
            continue
        if not isinstance(v, str):
            return None
        if v.strip().casefold() in MISSING_MARKS:
            continue
        read = number_text(v)
        if read is None:
            return None
        try:
            out[i] = float(read)
        except ValueError:
            return None
    return out


def _dtype_name(dtype: Any) -> str:
    """``str(dtype)``, found once per dtype (numpy writes a dtype's name in Python code: slow for every column)."""
    try:
        return _dtype_names(dtype)
    except TypeError:  # pragma: no cover - an unhashable extension dtype
        return str(dtype)


_dtype_names = functools.cache(str)


def _numeric_cast(s: pd.Series, *, integer: bool, nulls: bool) -> str | None:
    dtype = s.dtype
    if dtype.kind == "O":
        return "Int64" if integer and nulls else None
    name = _dtype_name(dtype)
    if name in ("int64", "float64") or (name == "Int64" and nulls):
        return None
    if nulls and isinstance(dtype, np.dtype) and dtype.kind in "iu":
        return name.capitalize().replace("Uint", "UInt")  # int32 with missing values -> Int32
    return name
