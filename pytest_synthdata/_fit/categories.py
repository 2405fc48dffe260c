"""Categories: category and boolean columns, their latent order, lookups between them, withheld values.

A category column keeps the frequencies of the values seen at least
``min_count`` times; the rows of rarer (withheld) values go to the stored
values most like them. A nominal category's position on its latent axis is
chosen by optimal scaling: categories are ordered along the first principal
axis of their mean normal scores on the other columns, so the one-dimensional
copula coordinate carries as much of the association as a single axis can.
Integer columns used as codes (school numbers) become categories the same
way, and a category determined by another (car model -> maker) is looked up
rather than drawn.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy.linalg import lapack

from .._columns import BooleanColumn, CategoryColumn, ModelColumn, NumericColumn
from ..errors import InvalidArgument
from .dependence import Dim, correlation_cells, on_rows, scores, sub_scores
from .infer import Factorized, _dtype_family, dtype_name, numbers_as_text, plain
from .numeric import Numbers, distinct_ranks, round_probs
from .private import coarse_rate, coarsened

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from .context import FitContext

__all__ = [
    "FD_MAX_EXCEPTIONS",
    "Categorical",
    "Dependency",
    "IntegerCode",
    "absorb_withheld",
    "category_column",
    "category_dim",
    "category_grades",
    "category_scores",
    "category_like",
    "latent_positions",
    "functional_dependencies",
    "integer_codes",
    "order_categories",
    "read_booleans",
    "read_categorical",
]

#: Share of rows that may disagree with a source value's usual derived value (rows lost to the lookup).
FD_MAX_EXCEPTIONS = 0.03


@dataclass(eq=False)
class Categorical:
    """A category or boolean column before its latent order is chosen."""

    name: str
    codes: NDArray[np.int64]  # index into values, -1 for missing or withheld
    values: list[Any]
    counts: NDArray[np.float64]  # rows per stored value (withheld rows they absorbed included)
    null_rate: float
    ordered: bool
    is_boolean: bool = False
    cast: str | None = None
    dtype_order: list[Any] | None = None
    order: NDArray[np.int64] = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    #: the raw value index of each row (-1 missing) and the stored index of each raw value (-1 withheld);
    #: ``codes`` gives a withheld value's rows to the stored value that absorbs them
    raw_codes: NDArray[np.int64] | None = None
    raw_to_stored: NDArray[np.int64] | None = None
    #: whether the column may split the data into segments
    segmentable: bool = True
    #: what was withheld, for ``model.withheld``
    note: str = ""
    #: the normal scores of its grades on some rows, kept by :func:`category_scores` while they hold
    scored: _Scored | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if not len(self.order):
            self.order = np.arange(len(self.values))  # stored order until optimal scaling chooses one

    def reordered(self, order: NDArray[np.int64]) -> Categorical:
        """A copy in latent ``order``: ``dataclasses.replace(self, order=order)`` without its walk over the fields."""
        assert len(order) == len(self.values), "an order places every stored value"
        new = object.__new__(Categorical)
        # every field as it is, as replace passes them (its __post_init__ leaves a full order as it is)
        new.__dict__.update(self.__dict__)
        new.order = order
        return new

    def scores_hold(self) -> _Scored | None:
        """Its kept scores, if its codes, counts and order are still those they were found from."""
        memo = self.scored
        if (
            memo is None
            or memo.codes is not self.codes
            or memo.counts is not self.counts
            or not np.array_equal(memo.order, self.order)
        ):
            return None
        return memo


@dataclass(frozen=True, eq=False)
class _Scored:
    """Normal scores ``z`` of a category's grades on ``rows``, and the codes, counts and order they come from."""

    rows: NDArray[np.int64]
    codes: NDArray[np.int64]
    counts: NDArray[np.float64]
    order: NDArray[np.int64]
    z: NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class Dependency:
    """A category (``derived``) that another (``source``) determines: ``lookup[i]`` is its value for source value i."""

    derived: Categorical
    source: Categorical
    lookup: list[Any]


@dataclass(frozen=True, eq=False)
class IntegerCode:
    """An integer column found to be a code (see :func:`integer_codes`), read as a category of ``levels`` values."""

    category: Categorical
    levels: int

    @property
    def why(self) -> str:
        return f"{self.levels} whole numbers used as codes (their order says little about the other columns)"


#: Text read as a boolean (stripped and case-folded): the words of the pairs yes/no, y/n, true/false, t/f, 1/0, on/off.
_BOOLEAN_WORDS = {
    "yes": True,
    "no": False,
    "y": True,
    "n": False,
    "true": True,
    "false": False,
    "t": True,
    "f": False,
    "1": True,
    "0": False,
    "on": True,
    "off": False,
}


def _boolean_spelling(value: Any) -> tuple[str, bool] | None:
    """A value's spelling (case-folded for text) and the boolean it means, or None when it means none."""
    value = plain(value)
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, (int, float)) and value in (0, 1):
        return ("number", bool(value))
    if isinstance(value, str):
        word = value.strip().casefold()
        if word in _BOOLEAN_WORDS:
            return (word, _BOOLEAN_WORDS[word])
    return None


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:37]}..."


def read_booleans(col: str, s: pd.Series, present: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """Return the present values of a column of kind boolean as bools.

    Bools are read as they are; otherwise the column must hold the numbers 0 and 1, or text of one pair of
    yes/no, y/n, true/false, t/f, 1/0, on/off (any case): ``astype(bool)`` would read every non-empty string,
    "no" and "False" too, as True. Other values raise InvalidArgument naming them.
    """
    values = s[present]
    if _dtype_family(s.dtype) == "boolean":
        return np.asarray(values.to_numpy(dtype=bool), dtype=bool)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    spellings = [_boolean_spelling(v) for v in uniques]
    spelled = {sp for sp in spellings if sp is not None}
    # one spelling per side: "yes"/"no", not "yes"/"y"/"no" (a column of three values is no boolean)
    if all(sp is not None for sp in spellings) and len(spelled) == len({b for _, b in spelled}):
        meaning = np.array([sp[1] for sp in spellings if sp is not None], dtype=bool)
        return np.asarray(meaning[codes], dtype=bool)
    counts = np.bincount(codes, minlength=len(uniques))
    ranked = [plain(uniques[i]) for i in np.argsort(-counts, kind="stable")]
    shown = ", ".join(_short(v) for v in ranked[:6]) + (
        f", ... ({len(ranked)} distinct values)" if len(ranked) > 6 else ""
    )
    mapping = (
        f"{{{ranked[0]!r}: True, {ranked[1]!r}: False}}" if len(ranked) == 2 else "{<value>: True, <value>: False}"
    )
    raise InvalidArgument(
        f"column {col!r}: kind 'boolean' reads bools, the numbers 0 and 1, or text of one pair of yes/no, y/n, "
        f"true/false, t/f, 1/0, on/off (any case), but the column holds {shown}; model it as categories with "
        f"columns={{{col!r}: 'category'}}, or map its values to booleans first, e.g. df[{col!r}].map({mapping})."
    )


def read_categorical(
    col: str,
    s: pd.Series,
    present: NDArray[np.bool_],
    *,
    min_count: int,
    boolean: bool,
    factorized: Factorized | None = None,
    segmentable: bool = True,
    declared: list[Any] | None = None,
) -> Categorical:
    """Return a category or boolean column's codes and stored values (those seen at least ``min_count`` times).

    ``factorized`` is the column's factorization if inference made one already. ``declared`` (from
    ``fit(public=...)``) lists every category, all stored: one seen fewer than ``min_count`` times, or
    never, gets ``min_count / 2`` rows' share.
    """
    n = len(s)
    missing = int(np.count_nonzero(~present))
    null_rate = coarse_rate(missing, n, min_count)
    said = []  # what was coarsened, for model.withheld
    if coarsened(missing, n, min_count):
        said.append(f"its missing (or present) values, fewer than {min_count}, are stored as {min_count / 2:g} rows")
    if boolean:
        b = read_booleans(col, s, present)
        codes = np.full(n, -1, dtype=np.int64)
        codes[present] = b.astype(np.int64)
        trues = int(b.sum())
        p = coarse_rate(trues, len(b), min_count)  # a side seen in fewer than min_count rows reads as min_count / 2
        counts = np.array([(1.0 - p) * len(b), p * len(b)])
        if coarsened(trues, len(b), min_count):
            said.append(f"one side, seen fewer than {min_count} times, is stored as {min_count / 2:g} rows")
        cast = "boolean" if isinstance(s.dtype, pd.BooleanDtype) else None
        if type(s.dtype).__name__ == "ArrowDtype" and pd.api.types.is_bool_dtype(s.dtype):
            cast = str(s.dtype)  # (bool[pyarrow] stays bool[pyarrow], missing values and all)
        return Categorical(
            col,
            codes,
            [False, True],
            counts,
            null_rate,
            ordered=True,
            is_boolean=True,
            cast=cast,
            raw_codes=codes,
            raw_to_stored=np.arange(2),
            segmentable=segmentable,
            note=f"column {col!r}: {'; '.join(said)}" if said else "",
        )
    dtype = s.dtype
    ordered = isinstance(dtype, pd.CategoricalDtype) and bool(dtype.ordered)
    if factorized is None:
        codes_all, uniques = pd.factorize(s, sort=False, use_na_sentinel=True)
    else:
        codes_all, uniques = factorized.codes, factorized.uniques
    counts = np.bincount(codes_all[codes_all >= 0], minlength=len(uniques)).astype(np.float64)
    values = list(uniques)
    public = np.zeros(len(values), dtype=bool)
    if declared is not None:  # every declared category is stored; unseen ones are appended
        observed = {repr(plain(v)) for v in values}
        listed = {repr(c) for c in declared}
        extra = [c for c in declared if repr(c) not in observed]
        public = np.array([repr(plain(v)) in listed for v in values] + [True] * len(extra), dtype=bool)
        values += extra
        counts = np.concatenate([counts, np.zeros(len(extra))])
        counts[public & (counts < min_count)] = min_count / 2.0
    if isinstance(dtype, pd.CategoricalDtype):
        rank = {v: i for i, v in enumerate(dtype.categories)}
        first = (
            np.array([rank.get(v, len(rank) + i) for i, v in enumerate(values)])
            if values
            else np.empty(0, dtype=np.int64)
        )
    else:
        first = np.argsort(-counts, kind="stable")  # most frequent first until optimal scaling orders them
        first = np.argsort(first, kind="stable")
    keep = (counts >= min_count) | public
    if not keep.any():
        raise InvalidArgument(
            f"column {col!r}: none of its {len(values)} values is seen {min_count} times or more, so "
            "storing any would reveal single rows; treat it as generated text with "
            f"columns={{{col!r}: 'pattern'}} (or 'text', 'pii'), or lower min_count if the data is not sensitive."
        )
    note = ""
    if not keep.all():
        rows = int(counts[~keep].sum())
        held = f"{rows} rows, {rows / n:.1%}" if rows >= min_count else f"fewer than {min_count} rows"
        note = (
            f"column {col!r}: {int((~keep).sum())} categories seen fewer than {min_count} times "
            f"({held}) were not stored; their rows went to the most alike stored ones"
        )
        fix = numbers_as_text(col, values) if rows >= 0.1 * n else ""
        if fix:  # (income read as text: a few of its values stand for all)
            note += f"; its values read as numbers (numbers stored as text): {fix}"
    if said:
        note = "; ".join([note, *said]) if note else f"column {col!r}: {'; '.join(said)}"
    kept_idx = np.flatnonzero(keep)
    kept_idx = kept_idx[np.argsort(first[kept_idx], kind="stable")]
    remap = np.full(len(values) + 1, -1, dtype=np.int64)
    remap[kept_idx] = np.arange(len(kept_idx))
    codes = remap[codes_all]  # -1 stays -1 (NA sentinel indexes the last slot)
    kept_values = [plain(values[i]) for i in kept_idx]
    cast = None if isinstance(dtype, pd.CategoricalDtype) else dtype_name(dtype)
    dtype_order = None
    if isinstance(dtype, pd.CategoricalDtype) and not ordered:
        # the dtype keeps its unused categories (they are schema, not data) but not the withheld ones
        seen = {repr(plain(v)) for v in values}
        stored = {repr(v) for v in kept_values}
        dtype_order = [plain(c) for c in dtype.categories if repr(plain(c)) in stored or repr(plain(c)) not in seen]
        in_dtype = {repr(plain(c)) for c in dtype.categories}
        dtype_order += [v for v in kept_values if repr(v) not in in_dtype]  # (declared in public=, never seen)
    return Categorical(
        col,
        codes,
        kept_values,
        counts[kept_idx].astype(np.float64),
        null_rate,
        ordered=ordered,
        cast=cast,
        dtype_order=dtype_order,
        raw_codes=codes_all,
        raw_to_stored=remap[:-1],
        segmentable=segmentable,
        note=note,
    )


def category_column(cat: Categorical) -> ModelColumn:
    """Build the category or boolean column of ``cat``, its values in latent order."""
    probs = cat.counts[cat.order].astype(np.float64)
    probs = round_probs(probs / probs.sum())
    values = [cat.values[i] for i in cat.order]
    if cat.is_boolean:
        column_b: ModelColumn = BooleanColumn(cat.name, p=float(probs[1]), null_rate=cat.null_rate)
        column_b.cast = cat.cast
    else:
        column_b = CategoryColumn(
            cat.name,
            categories=values,
            probs=probs,
            ordered=cat.ordered,
            null_rate=cat.null_rate,
            dtype_order=cat.dtype_order,
        )
        column_b.cast = cat.cast
    return column_b


def category_like(base: ModelColumn, probs: NDArray[np.float64]) -> ModelColumn:
    """Return a copy of a category or boolean column with other frequencies (same categories and order)."""
    if isinstance(base, BooleanColumn):
        column_b = BooleanColumn(base.name, p=float(probs[1]), null_rate=base.null_rate)
        column_b.cast = base.cast
        return column_b
    assert isinstance(base, CategoryColumn)
    column = CategoryColumn(
        base.name,
        categories=base.categories,
        probs=probs,
        ordered=base.ordered,
        null_rate=base.null_rate,
        dtype_order=base.dtype_order,
    )
    column.cast = base.cast
    return column


def category_dim(cat: Categorical, column: ModelColumn, rows: NDArray[np.int64]) -> Dim:
    """The latent coordinate of a category column on the correlation ``rows``, in its chosen order.

    Its normal scores come along, if kept.
    """
    memo = cat.scores_hold()
    scored = None if memo is None or memo.rows is not rows else (memo.rows, memo.z)
    # each value's grade, then a missing one's (last, so code -1 finds it): as category_grades
    values, index = np.append(_value_grades(cat), np.nan), on_rows(cat.codes, rows)
    return Dim(cat.name, values[index], correlation_cells(column), cat.name, scored=scored, by_value=(values, index))


def category_scores(cat: Categorical, sub: NDArray[np.int64]) -> NDArray[np.float64]:
    """Normal scores of a category's grades (:func:`category_grades`) on rows ``sub``, kept on ``cat``.

    Ordering the categories, finding codes and choosing a segment each score the same categories, most of
    them in an order that did not change: the scores are found again only when codes, counts or order did.
    """
    memo = cat.scores_hold()
    if memo is None or memo.rows is not sub:
        memo = _Scored(sub, cat.codes, cat.counts, cat.order.copy(), _value_scores(cat)[on_rows(cat.codes, sub)])
        cat.scored = memo
    return memo.z


def _value_grades(cat: Categorical) -> NDArray[np.float64]:
    """Each value's mid-rank grade in the category's current latent order."""
    position = np.empty(len(cat.values), dtype=np.int64)
    position[cat.order] = np.arange(len(cat.order))
    counts = cat.counts[cat.order].astype(np.float64)
    probs = counts / counts.sum()
    mid = probs.cumsum() - probs / 2.0
    return mid[position]


def _value_scores(cat: Categorical) -> NDArray[np.float64]:
    """Normal scores of each value's grade, then of a missing one (last, so code -1 finds it): a row's is its code's.

    Element for element the scores of the per-row grades (:func:`category_grades`), without the quantile
    function on every row.
    """
    return scores(np.append(_value_grades(cat), np.nan))


def category_grades(cat: Categorical, rows: NDArray[np.int64]) -> NDArray[np.float64]:
    """Mid-rank grades of a category column on ``rows`` (sorted distinct row numbers) in its current latent order.

    NaN where missing.
    """
    # each value's grade, then a missing one's (last, so code -1 finds it)
    return np.append(_value_grades(cat), np.nan)[on_rows(cat.codes, rows)]


def latent_positions(cat: Categorical) -> NDArray[np.int64]:
    """Map a category's value index to its position in the latent order."""
    position = np.empty(len(cat.values), dtype=np.int64)
    position[cat.order] = np.arange(len(cat.order))
    return position


# optimal scaling --------------------------------------------------------------------------


def order_categories(cats: list[Categorical], dims: list[Dim], sub: NDArray[np.int64]) -> list[Categorical]:
    """Return the categories, each nominal one in its latent order by optimal scaling (see the module docstring).

    The categories come in their stored order (as read). The order is chosen on rows ``sub``, from the
    normal scores of ``dims`` and, in a second pass, of the other categories in the order the first pass
    gave them.
    """
    nominal = [i for i, c in enumerate(cats) if not c.ordered and len(c.values) > 2]
    if not nominal:
        return cats
    # scores by column (columns x rows): each column's cells are contiguous for the per-column sums
    scored = _Columns([sub_scores(d, sub) for d in dims], len(sub))
    # (a category's codes stay while its order changes: the first pass's sums of the other columns serve again)
    codes = {i: on_rows(cats[i].codes, sub) for i in nominal}
    memos = {i: _CodeSums() for i in nominal}
    for second in (False, True):
        z = scored.extended([category_scores(c, sub) for c in cats]) if second else scored
        orders = {}
        for i in nominal:
            keep = np.ones(len(z), dtype=bool)
            if second:
                keep[len(scored) + i] = False
            if keep.any():
                orders[i] = _scaling_order(cats[i], z, np.flatnonzero(keep), codes[i], memos[i])
        cats = [cat.reordered(orders[i]) if i in orders else cat for i, cat in enumerate(cats)]
    return cats


#: Up to this many (row, column) cells, and rows, :meth:`_Columns.code_means` counts every column's bins at
#: once; past either, a column at a time (no index array of every cell, and per column sums a memo can keep).
_ONE_COUNT = 1 << 20
_ONE_COUNT_ROWS = 2_000


class _CodeSums:
    """Per-code sums and counts of columns (by their score arrays) for one category's codes, found once."""

    def __init__(self) -> None:
        self._kept: dict[int, tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]] = {}

    def get(self, column: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]] | None:
        kept = self._kept.get(id(column))
        return None if kept is None or kept[0] is not column else (kept[1], kept[2])

    def put(self, column: NDArray[np.float64], sums: NDArray[np.float64], cnt: NDArray[np.float64]) -> None:
        self._kept[id(column)] = (column, sums, cnt)  # (the column is held: its id stays its own)


class _Columns:
    """Normal scores of columns (each over the same rows), missing ones as 0.0 with a 0/1 weight.

    A column without missing scores is kept as it is (no copy) and has no weight: every row counts.
    """

    def __init__(self, columns: list[NDArray[np.float64]], n: int) -> None:
        self.filled: list[NDArray[np.float64]] = []
        self.weight: list[NDArray[np.bool_] | None] = []
        for z in columns:
            assert len(z) == n, "every column scores the same rows"
            present = ~np.isnan(z)
            if present.all():
                self.filled.append(z)
                self.weight.append(None)
            else:
                self.filled.append(np.where(present, z, 0.0))
                self.weight.append(present)
        self.complete: NDArray[np.bool_] = np.array([w is None for w in self.weight], dtype=bool)
        #: every column's filled scores (and weights) end to end, for the one count of :meth:`code_means`
        self._flat: NDArray[np.float64] | None = None
        self._flat_weight: NDArray[np.float64] | None = None

    def __len__(self) -> int:
        return len(self.filled)

    def extended(self, columns: list[NDArray[np.float64]]) -> _Columns:
        """These columns and ``columns`` after them (these are shared, not copied)."""
        out = _Columns(columns, len(self.filled[0]) if self.filled else len(columns[0]) if columns else 0)
        out.filled = self.filled + out.filled
        out.weight = self.weight + out.weight
        out.complete = np.concatenate([self.complete, out.complete])
        return out

    def code_means(
        self,
        codes: NDArray[np.int64],
        k: int,
        columns: NDArray[np.intp],
        memo: _CodeSums | None = None,
        counts: NDArray[np.int64] | None = None,
    ) -> NDArray[np.float64]:
        """Return the mean of each of ``columns`` per code 0..k-1 over its present cells; code -1 rows are left out.

        Each (code, column) cell is summed in row order, one column at a time: the means of a column are
        the same bits in any selection of columns. ``memo`` keeps a column's sums for these same codes, so a
        later call on another selection sharing that column (the second pass of :func:`order_categories`)
        reads them instead of counting again. ``counts`` are the rows of each code, if the caller has them.
        """
        at = codes + 1  # (rows without a code count in bin 0, dropped)
        sums: NDArray[np.float64]
        cnt: NDArray[np.float64]
        if len(at) <= _ONE_COUNT_ROWS and len(self.filled) * len(at) <= _ONE_COUNT:
            # small frames: every column's bins in one count (the calls cost more than the counting)
            c = len(self.filled)
            # every column's bins in one count (all of them: their scores are laid end to end once), column i's
            # codes shifted by i * (k + 1); bincount adds each bin's weights in input order, so each cell is
            # still summed over its column's rows in row order, whatever the other columns
            cells = (at[None, :] + np.arange(0, c * (k + 1), k + 1)[:, None]).ravel()
            if self._flat is None:
                self._flat = np.concatenate(self.filled) if self.filled else np.empty(0)
            sums = np.bincount(cells, weights=self._flat, minlength=c * (k + 1)).astype(np.float64, copy=False)
            sums = sums.reshape(c, k + 1)[columns, 1:].T
            complete = self.complete[columns]
            if complete.all():  # (whole counts: the same numbers as summing the weights)
                rows = np.bincount(at, minlength=k + 1)[1:] if counts is None else counts
                cnt = np.repeat(rows.astype(np.float64)[:, None], len(columns), axis=1)
            else:
                if self._flat_weight is None:
                    ones = np.ones(len(at))
                    self._flat_weight = np.concatenate([ones if w is None else w for w in self.weight])
                weights = np.bincount(cells, weights=self._flat_weight, minlength=c * (k + 1))
                cnt = weights.reshape(c, k + 1)[columns, 1:].T
        else:  # large frames: a column at a time (no index array of every cell; the same sums)
            sums, cnt = np.empty((k, len(columns))), np.empty((k, len(columns)))
            size: NDArray[np.float64] | None = None if counts is None else counts.astype(np.float64)
            for out, j in enumerate(columns.tolist()):
                kept = None if memo is None else memo.get(self.filled[j])
                if kept is not None:
                    sums[:, out], cnt[:, out] = kept
                    continue
                sums[:, out] = np.bincount(at, weights=self.filled[j], minlength=k + 1)[1:]
                if self.complete[j]:  # (whole counts: the same numbers as summing the weights)
                    if size is None:
                        size = np.bincount(at, minlength=k + 1)[1:].astype(np.float64)
                    cnt[:, out] = size
                else:
                    cnt[:, out] = np.bincount(at, weights=self.weight[j], minlength=k + 1)[1:]  # (0/1: the same sums)
                if memo is not None:
                    memo.put(self.filled[j], sums[:, out].copy(), cnt[:, out].copy())
        return np.where(cnt > 0, sums / np.maximum(cnt, 1), 0.0)


def _scaling_order(
    cat: Categorical, z: _Columns, columns: NDArray[np.intp], codes: NDArray[np.int64], memo: _CodeSums | None = None
) -> NDArray[np.int64]:
    k = len(cat.values)
    means = z.code_means(codes, k, columns, memo)
    w = cat.counts / cat.counts.sum()
    means -= w @ means
    _, vt = _svd(np.sqrt(w)[:, None] * means)
    axis = vt[0]
    axis = axis * (1.0 if axis[np.argmax(np.abs(axis))] >= 0 else -1.0)
    score = np.round(means @ axis, 9)  # rounded: tiny BLAS differences must not reorder categories
    return np.argsort(score, kind="stable")


def _svd(a: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The singular values and right singular vectors of ``a`` (as ``np.linalg.svd(a, full_matrices=False)``).

    LAPACK's dgesdd called directly: numpy's wrapper costs more than the decomposition of these small matrices.
    """
    _, sing, vt, info = lapack.dgesdd(a, compute_uv=1, full_matrices=0)
    if info != 0:  # pragma: no cover - LAPACK did not converge: numpy raises the usual error
        _, sing, vt = np.linalg.svd(a, full_matrices=False)
    return sing, vt


def _weighted_corr(a: NDArray[np.float64], b: NDArray[np.float64], w: NDArray[np.float64]) -> float:
    a, b = a - w @ a, b - w @ b
    denom = math.sqrt(float(w @ (a * a)) * float(w @ (b * b)))
    return 0.0 if denom <= 1e-15 else float(w @ (a * b)) / denom


def integer_codes(
    ctx: FitContext,
    dims: list[Dim],
    numbers: Mapping[str, Numbers],
    columns: Mapping[str, ModelColumn],
    cats: list[Categorical],
) -> list[IntegerCode]:
    """Return the integer columns that are codes (school or branch numbers), read as categories.

    A Gaussian copula joins a column to the others through its order. For
    a code the numeric order means nothing: school 17 is not "between"
    schools 16 and 18, so a strong link (each school's own mix of pupils)
    looks like none. An integer column with 3 to 100 values, each seen at
    least ``min_count`` times and none missing, is a code when the order
    of its values that best separates the other columns (optimal scaling)
    explains a real share of them and has little to do with the numeric
    order. It is then modelled as a category (samples keep its dtype), and
    never chosen as a segment. ``dims`` are the numeric and datetime columns'
    coordinates, ``numbers`` their values, ``columns`` their fitted columns.
    """
    numeric = [d for d in dims if numbers[d.column].unit is None]
    others_all = [d for d in numeric] + [c for c in cats if len(c.values) == 2]
    if len(others_all) < 2:
        return []
    sub = ctx.rows
    candidates = []
    for dim in dims:
        col = dim.column
        if not numbers[col].integer or col in ctx.overrides:
            continue
        x, present = numbers[col].values, numbers[col].present
        fitted = columns[col]
        table = fitted.values if isinstance(fitted, NumericColumn) and fitted.dist == "table" else None
        if not present.all() or table is None or not 3 <= len(table) <= 100:
            continue  # few distinct values make a frequency table: look no further otherwise
        kept = numbers[col].ranks if len(sub) == len(x) else None  # (every row, sub is 0..n-1: the fit's ranks)
        uniq, codes = distinct_ranks(x[sub]) if kept is None else kept.among(x, None, x)  # codes in numeric order
        counts = np.bincount(codes, minlength=len(uniq))
        if kept is not None and kept.distinct is not None:  # ranks among a batch's values: the column's own only
            seen = counts > 0
            codes = (np.cumsum(seen) - 1)[codes]
            uniq, counts = uniq[seen], counts[seen]
        if 3 <= len(uniq) <= 100 and counts.min() >= ctx.min_count:
            candidates.append((dim, len(uniq), codes.ravel(), counts, uniq if len(sub) == len(x) else None))
    found: list[IntegerCode] = []
    if not candidates:
        return found
    z = _Columns([sub_scores(o, sub) if isinstance(o, Dim) else category_scores(o, sub) for o in others_all], len(sub))
    for dim, k, g, counts, distinct in candidates:
        cols = np.flatnonzero([o is not dim for o in others_all])
        means = z.code_means(g, k, cols, counts=counts)
        w = counts / len(g)  # (each code's rows, counted above)
        means -= w @ means
        sing, vt = _svd(np.sqrt(w)[:, None] * means)
        between = float(sing[0] ** 2)  # variance of the group means along the best axis
        projected = means @ vt[0]
        order_agreement = abs(_weighted_corr(np.arange(k, dtype=np.float64), projected, w))
        if between >= max(0.05, 3.0 * (k - 1) / len(g)) and order_agreement < 0.5:
            col = dim.column
            s = ctx.frame[col]
            # a code with many values: not a segment
            cat = read_categorical(
                col,
                s,
                numbers[col].present,
                min_count=ctx.min_count,
                boolean=False,
                segmentable=False,
                factorized=None if distinct is None else _factorized_codes(s, distinct, g),
            )
            found.append(IntegerCode(cat, k))
    return found


def _factorized_codes(s: pd.Series, uniq: NDArray[np.float64], codes: NDArray[np.intp]) -> Factorized | None:
    """``pandas.factorize(s)`` of a column without missing values, from its values' ranks ``codes`` among ``uniq``.

    ``codes`` hold every row's rank among the distinct values ``uniq`` (ascending floats, each named by its
    first row); factorizing numbers the values in order of appearance instead. A plain integer or float
    column's values are the floats themselves (as its dtype: exact below 2**53), so renumbering the ranks
    gives the codes and the values pandas would, for a fraction of the time. None for any other column
    (extension and object dtypes, larger values): its caller factorizes it.
    """
    dtype = s.dtype
    if not isinstance(dtype, np.dtype) or dtype.kind not in "iuf" or not len(uniq) or np.abs(uniq).max() >= 2.0**53:
        return None
    appearance = pd.unique(codes)  # the ranks in order of first appearance
    number = np.empty(len(uniq), dtype=np.intp)
    number[appearance] = np.arange(len(appearance))
    return Factorized(number[codes], uniq[appearance].astype(dtype))


# lookups and withheld values ----------------------------------------------------------------


def functional_dependencies(cats: list[Categorical]) -> list[Dependency]:
    """Return the categories that another category determines in every row, and how.

    ``model -> manufacturer`` or ``zip -> city``: each stored value of the
    source goes with one value of the derived column, so sampling looks it up
    instead of drawing it (a copula would pair them at random). Up to
    ``FD_MAX_EXCEPTIONS`` of the rows may break the rule (a model sold in two
    classes in different years); they take the source value's usual one. Only columns
    without missing values take part; a derived column's source is never
    derived itself, and among several sources the one with fewest categories
    is used.
    """
    found: list[Dependency] = []
    derived: set[str] = set()
    candidates = [c for c in cats if c.null_rate == 0 and len(c.values) >= 2]
    # stored codes plus one: a withheld value (-1) counts in slot 0 of one (source, target) table
    # (int32 halves them; the table's keys below are int64, as before)
    shifted = {id(c): (stored_codes(c) + 1).astype(np.int32) for c in candidates}
    # a column with every row stored: its counts, sorted (see _far_apart)
    sorted_counts = {}
    for c in candidates:
        counts = np.bincount(shifted[id(c)], minlength=len(c.values) + 1)
        if counts[0] == 0:
            sorted_counts[id(c)] = np.sort(counts[1:])
    for target in sorted(candidates, key=lambda c: len(c.values)):
        best: tuple[Categorical, list[Any]] | None = None
        for source in candidates:
            if source is target or source.name in derived or len(source.values) < len(target.values):
                continue
            if len(source.values) == len(target.values) and candidates.index(source) > candidates.index(target):
                continue  # a one-to-one pair: the earlier column determines the later one
            if _far_apart(sorted_counts.get(id(source)), sorted_counts.get(id(target))):
                continue  # (what the table below would find, from the columns' counts alone)
            width = len(target.values) + 1
            both = np.bincount(
                shifted[id(source)] * np.int64(width) + shifted[id(target)],
                minlength=(len(source.values) + 1) * width,
            ).reshape(len(source.values) + 1, width)
            if both[1:, 0].any():  # a stored source value goes with a withheld target value
                continue
            table = both[1:, 1:]  # (in stored order: the counts below do not depend on it)
            per_source = table.sum(axis=1)
            if (per_source == 0).any():
                continue  # a stored source value never appears with a stored target value
            agree = int(table.max(axis=1).sum())
            rows = int(per_source.sum())  # rows of stored values in both
            if agree < rows - FD_MAX_EXCEPTIONS * rows:
                continue  # too many source values go with two target values
            lookup = table[source.order][:, target.order].argmax(axis=1)  # in latent order (the first of equals)
            if len(np.unique(lookup)) < len(target.values):
                continue  # a stored target value would never be drawn (a 2% flag is no lookup of anything)
            if best is None or len(source.values) < len(best[0].values):
                best = (source, lookup.tolist())
        if best is not None and target.name not in {d.source.name for d in found}:
            values = best[1] if not target.is_boolean else [bool(v) for v in best[1]]
            found.append(Dependency(target, best[0], values))
            derived.add(target.name)
    return found


def _far_apart(source: NDArray[np.int64] | None, target: NDArray[np.int64] | None) -> bool:
    """Whether two columns of as many values, every row stored, are too unlike in counts for a lookup.

    ``source`` and ``target`` are their sorted counts. A lookup of one onto the other with ``e`` rows
    breaking it is a one-to-one map, each value's count then differing from its image's by that value's
    own exceptions plus those landing on its image: the counts differ by at most ``2 e`` in all, and so
    do the sorted counts (the closest matching of two lists of numbers). Past ``2 FD_MAX_EXCEPTIONS``
    of the rows (with a row to spare), :func:`functional_dependencies` would find too many exceptions.
    """
    if source is None or target is None or len(source) != len(target):
        return False
    rows = int(source.sum())
    return int(np.abs(source - target).sum()) > 2 * FD_MAX_EXCEPTIONS * rows + 1


def stored_codes(cat: Categorical) -> NDArray[np.int64]:
    """Codes with withheld values as -1 (before they were absorbed)."""
    raw, to_stored = cat.raw_codes, cat.raw_to_stored
    if raw is None or to_stored is None:
        return cat.codes
    if int(to_stored.min(initial=0)) >= 0:
        # nothing withheld: the codes are ``to_stored`` of the raw codes (-1 where missing) as read, and
        # :func:`absorb_withheld` changes them only where a value was withheld (the same numbers, no pass over rows)
        return cat.codes
    return np.where(raw >= 0, to_stored[np.maximum(raw, 0)], -1)


def absorb_withheld(cats: list[Categorical]) -> list[Categorical]:
    """Return the categories with each withheld category's rows given to the stored category most like it.

    Alike means: the same most common value in as many of the other category
    columns as possible, each weighted by how much of it this column explains
    (Theil's U), so a rare car model goes to the stored models of the same maker,
    drive and class, in proportion to their frequencies. Their
    frequencies grow by those rows, so columns they determine or go with keep
    their shares; no withheld value is stored. A withheld category like no
    stored one leaves its share to all of them in proportion.
    """
    out = []
    for cat in cats:
        raw, to_stored = cat.raw_codes, cat.raw_to_stored
        if raw is None or to_stored is None or not (to_stored < 0).any():
            out.append(cat)
            continue
        k_raw = len(to_stored)
        withheld = np.flatnonzero(to_stored < 0)
        kept = np.flatnonzero(to_stored >= 0)
        others = [other.raw_codes for other in cats if other is not cat and other.raw_codes is not None]
        modes, weights = [], []
        for mode, weight in zip(*_modes_and_explained(raw, others, k_raw), strict=True):
            if weight > 0:
                modes.append(mode)
                weights.append(weight)  # columns this one determines (a car model's maker) count most
        raw_counts = np.bincount(raw[raw >= 0], minlength=k_raw).astype(np.float64)
        absorbed = to_stored.copy()
        counts = cat.counts.astype(np.float64)
        chunk = max(1, 2_000_000 // max(len(kept), 1))  # agreement in blocks: withheld x stored can be large
        stored = to_stored[kept]
        for start in range(0, len(withheld) if modes else 0, chunk):
            rows = withheld[start : start + chunk]
            agree = np.zeros((len(rows), len(kept)))
            for mode, weight in zip(modes, weights, strict=True):
                seen = mode[rows]  # (-1: never seen with this column; -2 matches no stored value's mode either)
                agree += (np.where(seen >= 0, seen, -2)[:, None] == mode[kept][None, :]) * weight
            best = agree.max(axis=1, initial=0.0)
            most = agree == best[:, None]
            for i, (w, top) in enumerate(zip(rows.tolist(), best.tolist(), strict=True)):
                if top <= 0:
                    continue  # nothing alike: the stored categories share its rows in proportion
                tied = stored[most[i]]  # the most alike: they share its rows
                alike = counts[tied]
                share = alike / alike.sum()
                counts[tied] = alike + share * raw_counts[w]
                absorbed[w] = tied[share.argmax()]
        out.append(replace(cat, counts=counts, codes=np.where(raw >= 0, absorbed[np.maximum(raw, 0)], -1)))
    return out


#: :func:`_modes_and_explained` reads the pairs' codes in (pair, row) arrays of at most about this many values.
_PAIR_CELLS = 1 << 22
#: ... and counts the pairs in a table of every (pair, raw, other) cell when it holds at most this many cells more
#: than four per pair of values (sorting the pairs seen is slower on small tables).
_DENSE_CELLS = 1 << 16


def _modes_and_explained(
    raw: NDArray[np.int64], others: list[NDArray[np.int64]], k_raw: int
) -> tuple[list[NDArray[np.int64]], list[float]]:
    """Return each raw value's most common value of each of ``others`` (-1 if never seen together), and
    Theil's U(other | raw) of each: the share of ``other``'s entropy that ``raw`` explains, over the rows where
    both have a value.

    Every pair's table is a block of one table (each pair's (raw, other) keys after the blocks before it), so
    the pairs seen, their counts, the row sums and each term of the entropies come from one pass over all
    pairs; each sum is still taken over its own pair's terms, in the same order, so every Theil's U has the
    bits the pair alone gives (``tests/test_fit_properties.py`` keeps the one-pair computation to compare). A
    table of many category columns made one set of calls per pair before: 132 sets on a 19-column table, a
    third of its fit. The tables count pairs that occur, so two columns of many values cost memory in rows,
    not in values squared, when they are sparse.
    """
    if not others:
        return [], []
    n_pairs = len(others)
    has_raw = raw >= 0
    # the pairs a group at a time, (pair, row) arrays of at most about _PAIR_CELLS values (a million rows and
    # many columns stay within memory)
    per = max(1, _PAIR_CELLS // max(len(raw), 1))
    groups = [range(g, min(g + per, n_pairs)) for g in range(0, n_pairs, per)]

    def stacked(group: range) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
        codes = np.stack([others[j] for j in group]).astype(np.int64, copy=False)
        return codes, (codes >= 0) & has_raw[None, :]

    one = stacked(groups[0]) if len(groups) == 1 else None  # (one group: read once, for both passes)

    def read(group: range) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
        return one if one is not None else stacked(group)

    sizes, widths = np.zeros(n_pairs, dtype=np.int64), np.ones(n_pairs, dtype=np.int64)
    for group in groups:
        codes, ok = read(group)
        sizes[group.start : group.stop] = np.count_nonzero(ok, axis=1)
        # each pair's other codes seen (at least 1: a pair without a row in common keeps an empty block)
        widths[group.start : group.stop] = np.maximum(np.where(ok, codes, -1).max(axis=1) + 1, 1)
    if not sizes.any():  # (no pair has a row where both have a value)
        return [np.full(k_raw, -1, dtype=np.int64) for _ in others], [0.0] * n_pairs
    # key = (pair, raw, other) in blocks of powers of two, so shifts and masks read them back
    raw_bits, other_bits = max(k_raw - 1, 0).bit_length(), max(int(widths.max()) - 1, 0).bit_length()
    k_pad, w_pad = 1 << raw_bits, 1 << other_bits
    block_bits = raw_bits + other_bits
    keyed = raw.astype(np.int64) << other_bits
    parts = []
    for group in groups:
        codes, ok = read(group)
        part = codes + keyed[None, :]
        part += (np.arange(group.start, group.stop, dtype=np.int64) << block_bits)[:, None]
        parts.append(part[ok])
    everything = parts[0] if len(parts) == 1 else np.concatenate(parts)
    at = n_pairs << block_bits
    if at <= 4 * len(everything) + _DENSE_CELLS:  # tables of every (raw, other) pair: counted, not sorted
        table = np.bincount(everything, minlength=at)
        (pairs,) = (table != 0).nonzero()  # (a mask's nonzero is about 3x quicker than the counts')
        counts = table[pairs]
    else:
        pairs, counts = np.unique(everything, return_counts=True)
    # (the pairs seen, in key order: pair by pair, each by raw value, then by other value)
    pair, o = pairs >> block_bits, pairs & (w_pad - 1)
    row_at = pairs >> other_bits  # (pair, raw value): pair * k_pad + raw
    ends = np.searchsorted(pair, np.arange(n_pairs + 1))  # each pair's run of the pairs seen
    total = np.bincount(pair, weights=counts, minlength=n_pairs)  # (sums of whole numbers: exact)
    p = counts / total[pair]
    p_row = np.bincount(row_at, weights=counts, minlength=n_pairs * k_pad).astype(np.float64, copy=False)
    with np.errstate(divide="ignore", invalid="ignore"):  # (0 / 0 in a pair without rows: never read)
        p_row /= np.repeat(total, k_pad)
    given = p * np.log(p / p_row[row_at])
    # each pair's column shares over the rows it sees, in order; the empty ones dropped, as the pair alone does
    col_starts = np.concatenate([[0], np.cumsum(widths)])  # (each pair's own width: memory in values seen)
    p_col = np.bincount(col_starts[pair] + o, weights=counts, minlength=int(col_starts[-1])).astype(
        np.float64, copy=False
    )
    col_pair = np.repeat(np.arange(n_pairs), widths)
    with np.errstate(divide="ignore", invalid="ignore"):  # (0 / 0 in a pair without rows: dropped below)
        p_col /= total[col_pair]
    filled = p_col > 0
    p_col, col_pair = p_col[filled], col_pair[filled]
    col_ends = np.searchsorted(col_pair, np.arange(n_pairs + 1))
    col_terms = p_col * np.log(p_col)
    # each raw value's most common partner in each pair, the first of equals (the smallest code): the first
    # pair seen at its run's largest count
    new_row = np.empty(len(row_at), dtype=bool)
    new_row[0] = True
    np.not_equal(row_at[1:], row_at[:-1], out=new_row[1:])
    run = np.cumsum(new_row) - 1
    most = np.maximum.reduceat(counts, np.flatnonzero(new_row))
    candidates = np.flatnonzero(counts == most[run])
    first = np.ones(len(candidates), dtype=bool)
    np.not_equal(run[candidates[1:]], run[candidates[:-1]], out=first[1:])
    winners = candidates[first]
    mode_all = np.full(n_pairs * k_pad, -1, dtype=np.int64)
    mode_all[row_at[winners]] = o[winners]
    modes: list[NDArray[np.int64]] = []
    explained: list[float] = []
    add = np.add.reduce  # (np.sum's numbers, without its wrapper)
    for j in range(n_pairs):
        modes.append(mode_all[j * k_pad : j * k_pad + k_raw])
        if not sizes[j]:
            explained.append(0.0)
            continue
        h_col = float(-add(col_terms[col_ends[j] : col_ends[j + 1]]))
        h_given = float(-add(given[ends[j] : ends[j + 1]]))
        explained.append(0.0 if h_col <= 1e-12 else max(0.0, (h_col - h_given) / h_col))
    return modes, explained
