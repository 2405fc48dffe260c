"""Segments: marginals, category frequencies and null rates within the groups of one telling category.

A Gaussian copula joins columns through one latent axis each, so a category
that splits the data into clusters (species, product lines) is blurred: each
cluster's own shape is lost. When one category explains enough of the other
columns (their mean correlation ratio, eta squared, across its groups), every
other modelled column it says something about is refitted within each of its
groups, and the copula then carries the within-group correlations.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .._columns import ConditionalColumn, ModelColumn
from ..errors import InvalidArgument
from .categories import Categorical, category_like
from .dependence import Dim, correlation_cells, flag_cells, scores, sub_scores
from .numeric import Numbers, fit_marginals, marginal_column, round_probs
from .private import coarse_rate, public_bounds

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from .context import FitContext

__all__ = [
    "SEGMENT_MAX_HIDDEN",
    "SEGMENT_MIN_ETA",
    "SEGMENT_MIN_ROWS",
    "SEGMENT_MIN_SCORE",
    "GroupedNullFlag",
    "Segmentation",
    "fit_segments",
    "grouped_null_flag",
]

#: A group of a segment column needs this many rows (and 10 x min_count) to get its own marginals.
SEGMENT_MIN_ROWS = 50
#: ... and the segment column must explain this share of the other columns' variation (mean eta squared).
SEGMENT_MIN_SCORE = 0.05
#: A column whose level and spread the segment explains less of (eta squared) keeps one marginal for every group.
SEGMENT_MIN_ETA = 0.01
#: A segment may not withhold more than this share of another category column's rows.
SEGMENT_MAX_HIDDEN = 0.02


#: A candidate segment column: its category, each value's group, the scored rows' groups, the number of groups.
_Split = tuple[Categorical, "NDArray[np.int64]", "NDArray[np.int64]", int]


@dataclass(frozen=True, eq=False)
class _Choice:
    """The best splitting category: its groups, and how much it explains of each other column."""

    category: Categorical
    groups: list[int]  # the group of each of its values (stored order)
    row_group: NDArray[np.int64]  # each row's group, -1 for none (a withheld value)
    score: float
    explained: dict[str, float]  # eta squared of each other coordinate, by label


@dataclass(frozen=True, eq=False)
class Segmentation:
    """The segment column, its groups, and the columns and coordinates refitted within them."""

    column: str
    groups: list[int]  # the group of each of its values (stored order)
    row_group: NDArray[np.int64]  # each row's group, -1 for none
    score: float
    columns: dict[str, ModelColumn]  # conditional columns, by name
    dims: dict[str, Dim]  # their coordinates, by label
    notes: list[str]  # for ``model.withheld``, one line per column

    @property
    def n_groups(self) -> int:
        return max(self.groups) + 1


@dataclass(frozen=True, eq=False)
class GroupedNullFlag:
    """A null flag with its rate in each segment group."""

    dim: Dim
    rates: list[float]


def fit_segments(
    ctx: FitContext,
    cats: list[Categorical],
    dims: list[Dim],
    cat_dims: dict[str, Dim],
    columns: Mapping[str, ModelColumn],
    numbers: Mapping[str, Numbers],
) -> Segmentation | None:
    """Fit the other columns' marginals per group of the most telling category, when one is telling enough.

    ``dims`` are the numeric and datetime columns' coordinates (``numbers``
    their values), ``cat_dims`` the categories'; ``columns`` holds every
    column fitted so far. Returns the conditional columns and their
    coordinates, or None when no category splits the data well enough.
    """
    choice = _choose_segment(cats, dims, cat_dims, ctx.min_count, ctx.rows)
    if choice is None:
        return None
    seg, groups, row_group, explained = choice.category, choice.groups, choice.row_group, choice.explained
    n_groups = max(groups) + 1
    everywhere = len(ctx.rows) == ctx.n  # (the correlation rows are every row, in order)
    sub_group = row_group if everywhere else row_group[ctx.rows]  # (grades are those of the correlation rows)
    conditional: dict[str, ModelColumn] = {}
    refitted: dict[str, Dim] = {}
    notes: list[str] = []
    telling = [dim for dim in dims if explained.get(dim.label, 1.0) >= SEGMENT_MIN_ETA]
    # (a column the segment says nothing about keeps one marginal for every group)
    refits = [numbers[dim.column] for dim in telling]
    fitted_groups = (
        fit_marginals(
            refits,
            row_group,
            n_groups,
            min_count=ctx.min_count,
            knots=ctx.knots,
            public=public_bounds(ctx, refits),
            rows=ctx.rows,
        )
        if refits
        else []
    )
    for dim, fit in zip(telling, fitted_groups, strict=True):
        fits, grades, normal = fit.marginals, fit.grades, fit.scores
        base = columns[dim.column]
        levels: list[ModelColumn] = []
        for g, fitted in enumerate(fits):
            level: ModelColumn = base  # a group with nothing to learn from (no finite values) keeps the base
            if not isinstance(fitted, InvalidArgument):
                try:
                    level = marginal_column(numbers[dim.column], fitted)
                except InvalidArgument:
                    level = base
                else:
                    if fitted.note:
                        notes.append(f"column {dim.column!r}: {fitted.note}")
            if level is base:
                in_group = sub_group == g
                grades[in_group] = dim.grades[in_group]
                if normal is not None:
                    normal[in_group] = sub_scores(dim, ctx.rows)[in_group]
            levels.append(level)
        conditional[dim.column] = ConditionalColumn(dim.column, base=base, given=seg.name, groups=groups, levels=levels)
        refitted[dim.label] = Dim(
            dim.label,
            grades,
            dim.cells,
            dim.column,
            group_cells=[correlation_cells(lv) for lv in levels],
            scored=None if normal is None else (ctx.rows, normal),
        )
    for cat in cats:
        if cat is seg or explained.get(cat.name, 1.0) < SEGMENT_MIN_ETA:
            continue
        base = columns[cat.name]
        k_cat = len(cat.values)
        n_cells = n_groups * k_cat
        # each row's (group, value in latent order) cell of one table, read from a small table by its group and
        # code: n_cells for a row in no group (group -1 reads the last row) or withheld or missing (code -1
        # reads the last column)
        cell_of = np.full((n_groups + 1, k_cat + 1), n_cells, dtype=np.intp)
        cell_of[:n_groups, cat.order] = np.arange(n_cells).reshape(n_groups, k_cat)
        cell = cell_of[row_group, cat.codes]
        # the frequencies within every group in one table (group x category, in latent order)
        table = np.bincount(cell, minlength=n_cells + 1)[:n_cells]
        table = table.reshape(n_groups, k_cat).astype(np.float64)
        hidden = int(np.count_nonzero((table > 0) & (table < ctx.min_count)))
        table[table < ctx.min_count] = 0.0
        sums = table.sum(axis=1)
        with np.errstate(invalid="ignore"):  # (a group with nothing stored takes the base frequencies)
            probs = round_probs(table / sums[:, None])
        levels = []
        for g in range(n_groups):
            if sums[g] == 0:
                levels.append(base)
                probs[g] = cat.counts[cat.order] / cat.counts.sum()
            else:
                levels.append(category_like(base, probs[g].copy()))
        mid = np.cumsum(probs, axis=1) - probs / 2.0
        # each (group, value) cell's grade and normal score (NaN where withheld in the group, and in the last
        # cell, of rows without one), read by the rows
        withheld = probs == 0
        cell_grades = np.append(np.where(withheld, np.nan, mid), np.nan)
        cell_normal = np.append(np.where(withheld, np.nan, scores(mid)), np.nan)  # (from the table: the same bits)
        if not everywhere:
            cell = cell[ctx.rows]
        grades = cell_grades[cell]
        normal = cell_normal[cell]
        if hidden:
            notes.append(
                f"column {cat.name!r}: {hidden} (group, category) combinations seen fewer than {ctx.min_count} "
                f"times within groups of {seg.name!r} were not stored"
            )
        conditional[cat.name] = ConditionalColumn(cat.name, base=base, given=seg.name, groups=groups, levels=levels)
        refitted[cat.name] = Dim(
            cat.name,
            grades,
            correlation_cells(base),
            cat.name,
            group_cells=[correlation_cells(lv) for lv in levels],
            scored=(ctx.rows, normal),
        )
    # a note per group and column would drown the report: keep one line per column
    return Segmentation(seg.name, groups, row_group, choice.score, conditional, refitted, list(dict.fromkeys(notes)))


def grouped_null_flag(
    flag: Dim,
    row_group: NDArray[np.int64],
    rows: NDArray[np.int64],
    *,
    min_count: int = 1,
    n_groups: int | None = None,
) -> GroupedNullFlag:
    """A null flag with its own rate in each segment group: grades (of the correlation ``rows``) and tie
    structure within the group."""
    assert flag.present is not None, "a null flag carries its column's presence"
    col, present = flag.column, flag.present
    k = int(row_group.max()) + 1 if n_groups is None else n_groups  # (a declared category may hold no rows)
    grouped = row_group >= 0  # rows whose segment value was withheld belong to no group
    nulls = np.bincount(row_group[grouped & ~present], minlength=k)
    sizes = np.bincount(row_group[grouped], minlength=k)
    rates = round_probs(
        np.array([coarse_rate(int(m), int(size), min_count) for m, size in zip(nulls, sizes, strict=True)])
    ).tolist()
    rate = np.array(rates)[np.maximum(row_group[rows], 0)]
    g = np.where(present[rows], (1.0 - rate) / 2.0, 1.0 - rate / 2.0)
    g[~grouped[rows]] = np.nan
    cells = [flag_cells(r) for r in rates]
    overall = 1.0 - float(present.mean())
    dim = Dim(f"{col} is null", g, flag_cells(overall), col, present=present, group_cells=cells)
    return GroupedNullFlag(dim, rates)


def _choose_segment(
    cats: list[Categorical],
    dims: list[Dim],
    cat_dims: dict[str, Dim],
    min_count: int,
    sub: NDArray[np.int64],
) -> _Choice | None:
    """Return the best splitting category, its groups and what it explains, or None if none splits well enough.

    Categories with enough rows are groups of their own; the rest share one
    group. The score is the mean correlation ratio (eta squared) of the other
    columns' normal scores across the groups.
    """
    min_rows = max(SEGMENT_MIN_ROWS, 10 * min_count)
    labels = [d.label for d in dims] + list(cat_dims)
    # each category that splits the rows into two groups or more: its groups, and each value's (``_group_of``)
    candidates: list[tuple[Categorical, NDArray[np.int64], NDArray[np.int64], int]] = []
    for cat in cats:
        if cat.null_rate > 0 or len(cat.values) < 2 or not cat.segmentable:
            continue
        counts = cat.counts[cat.order]  # in latent order
        big = counts >= min_rows
        groups = np.where(big, np.cumsum(big) - 1, -1)
        n_big = int(big.sum())
        rest = int(counts[~big].sum())
        if rest:
            if rest >= min_rows:
                groups[~big] = n_big
                n_big += 1
            elif n_big:
                groups[~big] = int(np.argmin(np.where(big, counts, np.inf)))  # the smallest group takes them in
        if n_big < 2:
            continue
        candidates.append((cat, groups, _group_of(cat, groups), n_big))
    # ... but not one that would hide too much of another category; then its rows' groups on the scored rows only
    # (the best one's on all rows, later)
    hides = (
        _segments_hiding_too_much(
            [(cat, group_of, k) for cat, _, group_of, k in candidates], _value_slots(cats), min_count
        )
        if candidates
        else []
    )
    splits: list[_Split] = [
        (cat, groups, group_of[cat.codes[sub]], k)
        for (cat, groups, group_of, k), hidden in zip(candidates, hides, strict=True)
        if not hidden
    ]
    if not splits:
        return None
    scored = [sub_scores(d, sub) for d in [*dims, *cat_dims.values()]]
    # every column's scores, missing ones 0.0, once for all candidates (Fortran order: a column at a time);
    # then squared in place for the spread, and squared again for the winner's spread: one buffer throughout
    z = np.empty((len(sub), len(scored)), order="F")
    for j, column in enumerate(scored):
        z[:, j] = column
    valid = ~np.isnan(z)
    everywhere = bool(valid.all())
    if not everywhere:
        z[~valid] = 0.0
    own = {label: j for j, label in enumerate(labels)}
    others = [
        np.array([j for j in range(len(labels)) if j != own.get(cat.name, -1)], dtype=np.intp) for cat, *_ in splits
    ]
    batches = _candidate_batches(splits, len(sub))
    groupings = [[(sub_group, k) for _, _, sub_group, k in batch] for batch in batches]
    tallies: list[NDArray[np.float64]] = []
    sums: list[NDArray[np.float64]] = []
    for grouping in groupings:  # per-group counts and sums of every candidate's groups
        member, size = _membership(grouping, len(sub))
        # (counts of valid cells: whole numbers, the same bits however summed)
        tallies.append(np.repeat(size[:, None], z.shape[1], axis=1) if everywhere else member @ valid.astype(float))
        sums.append(member @ z)
    del valid
    np.multiply(z, z, out=z)
    # (one batch, the common case: its table serves again; else each is built again, one at a time)
    squares = [(member if len(groupings) == 1 else _membership(grouping, len(sub))[0]) @ z for grouping in groupings]
    if len(groupings) > 1:  # (one batch: its table holds the winner's rows too, kept for its spread below)
        del member
    cnt, total, square = (np.concatenate(parts) for parts in (tallies, sums, squares))
    del tallies, sums, squares
    at = np.cumsum([0] + [k for *_, k in splits]).tolist()
    best_at, best_score, best_etas = -1, 0.0, np.zeros(0)
    for c, etas in enumerate(_candidate_etas(cnt, total, square, at, others)):
        score = float(etas.mean()) if len(etas) else 0.0
        if score >= SEGMENT_MIN_SCORE and (best_at < 0 or score > best_score):
            best_at, best_score, best_etas = c, score, etas
    if best_at < 0:
        return None
    # what the segment explains of each column: its level (mean scores) or its spread (mean squares)
    cat, groups, sub_group, k = splits[best_at]
    np.multiply(z, z, out=z)
    rows, columns = slice(at[best_at], at[best_at + 1]), others[best_at]
    # (its rows of the one batch's table are the table it alone would get: the same 0/1 cells, the same products)
    member = member[rows] if len(groupings) == 1 else _membership([(sub_group, k)], len(sub))[0]
    spread = _eta_squared(cnt[rows][:, columns], square[rows][:, columns], (member @ z)[:, columns])
    shares = np.maximum(best_etas, spread).tolist()
    explained = dict(zip([labels[j] for j in columns.tolist()], shares, strict=True))
    return _Choice(cat, [int(g) for g in groups], _row_groups(cat, groups), best_score, explained)


def _row_groups(cat: Categorical, groups: NDArray[np.int64]) -> NDArray[np.int64]:
    """Each row's segment group, given each value's (in latent order); -1 for rows without a stored value."""
    row_group: NDArray[np.int64] = _group_of(cat, groups)[cat.codes]
    return row_group


def _group_of(cat: Categorical, groups: NDArray[np.int64]) -> NDArray[np.int64]:
    """Each stored value's segment group (given in latent order), then -1: what code -1 (no stored value) reads."""
    group_of = np.empty(len(cat.values) + 1, dtype=np.int64)
    group_of[cat.order] = groups
    group_of[-1] = -1
    return group_of


@dataclass(frozen=True, eq=False)
class _ValueSlots:
    """Some categories' values as slots of one table, over the distinct combinations of every category's value
    that the rows hold: category c's value v (code + 1; 0: withheld or missing) is slot ``start[c] + v``;
    ``slot`` holds each category's slot in each combination (categories x combinations), ``rows`` how many
    rows hold each combination and ``first`` a row holding it (every such row holds the same codes)."""

    cats: list[Categorical]
    start: NDArray[np.int64]
    slot: NDArray[np.int64]
    #: slots of a stored value (not a category's slot 0)
    stored: NDArray[np.bool_]
    rows: NDArray[np.float64]
    first: NDArray[np.intp]


def _value_slots(cats: list[Categorical]) -> list[_ValueSlots]:
    """The categories' :class:`_ValueSlots`, a few categories at a time (at most _BATCH_CELLS slots each).

    Rows holding the same value of every category count alike in any split, so they are counted once, as
    one combination: real tables hold few combinations of their categories (tens to hundreds), however
    many rows they have.
    """
    first, rows = _combinations([cat.codes for cat in cats])
    out = []
    per = max(1, _BATCH_CELLS // max(len(first), 1))
    for at in range(0, len(cats), per):
        chunk = cats[at : at + per]
        widths = np.array([len(cat.values) + 1 for cat in chunk], dtype=np.int64)
        start = np.cumsum(widths) - widths
        slot = np.empty((len(chunk), len(first)), dtype=np.int64)
        for row, (cat, begin) in enumerate(zip(chunk, start.tolist(), strict=True)):
            np.add(cat.codes[first], begin + 1, out=slot[row])
        stored = np.ones(int(widths.sum()), dtype=bool)
        stored[start] = False
        out.append(_ValueSlots(chunk, start, slot, stored, rows, first))
    return out


def _combinations(codes: list[NDArray[np.integer]]) -> tuple[NDArray[np.intp], NDArray[np.float64]]:
    """The distinct combinations of the codes (-1 and up) rows hold: a row holding each, and how many hold it.

    Each row's combination is one integer (mixed radix), listed in the order of the keys: the codes'
    lexicographic order. While the keys' range is small (:data:`_COUNTED_KEYS`) they are counted in a
    table of every key, and made dense again through that table whenever the next radix would widen the
    range beyond it (the common case: a handful of categories, a few of them wide); otherwise one sort
    finds the distinct ones, and the keys are made dense again by a sort whenever the next radix could
    overflow them.
    """
    n = len(codes[0])
    limit = _COUNTED_KEYS * n + _COUNTED_SPAN
    key = np.zeros(n, dtype=np.int64)
    bound = 1
    for code in codes:
        width = int(code.max(initial=-1)) + 2
        if bound <= limit < bound * width:  # (number the combinations so far densely, in order: fewer than the rows)
            seen = np.zeros(bound, dtype=bool)
            seen[key] = True
            dense = seen.cumsum()
            dense -= 1
            key = dense[key]
            bound = int(dense[-1]) + 1
        elif bound * width >= 2**62:  # (re-number the combinations so far: fewer than the rows)
            _, key = np.unique(key, return_inverse=True)
            key = key.astype(np.int64).ravel()
            bound = int(key.max(initial=0)) + 1
        key *= width
        key += code
        key += 1
        bound *= width
    if bound <= limit:  # (a table of every key costs less than the sort)
        tally = np.bincount(key, minlength=bound)
        seen_at = tally.nonzero()[0]
        holder = np.empty(bound, dtype=np.intp)
        holder[key] = np.arange(n)  # (whichever row of a combination lands last: its codes are the combination's)
        return holder[seen_at], tally[seen_at].astype(np.float64)
    _, first, counts = np.unique(key, return_index=True, return_counts=True)
    return first, counts.astype(np.float64)


#: :func:`_combinations` counts the keys in a table while their range is at most this many per row, plus
#: :data:`_COUNTED_SPAN` (a table that small costs less to clear and read than the rows' sort).
_COUNTED_KEYS = 4
_COUNTED_SPAN = 1 << 16


def _segment_hides_too_much(
    seg: Categorical,
    slots: list[_ValueSlots],
    group_of: NDArray[np.int64],
    k: int,
    min_count: int,
) -> bool:
    """Whether splitting by ``seg`` would leave another category's values too rare to store within groups.

    ``group_of`` gives each of its stored values' group, then -1 (code -1: no stored value); ``k`` is its
    number of groups. One candidate of :func:`_segments_hiding_too_much`.
    """
    return _segments_hiding_too_much([(seg, group_of, k)], slots, min_count)[0]


def _segments_hiding_too_much(
    candidates: list[tuple[Categorical, NDArray[np.int64], int]], slots: list[_ValueSlots], min_count: int
) -> list[bool]:
    """:func:`_segment_hides_too_much` of each candidate (segment column, ``group_of``, number of groups).

    Each category's (value, group) counts come from one count of every category's slots in the combinations
    of ``slots``, weighted by their rows: rows without a group or a stored value count in group 0 and each
    category's slot 0, left out after. Several candidates are counted in one table (candidate x slot x group,
    each with room for the most groups any has: the others' extra cells stay empty, and the counts, whole
    numbers, sum alike in any order).
    """
    width = max(max(k, int(group_of.max()) + 1) for _, group_of, k in candidates) + 1  # (group + 1 of a cell)
    hides = np.zeros(len(candidates), dtype=bool)
    for chunk in slots:
        size = len(chunk.stored)
        per = max(1, _BATCH_CELLS // max(chunk.slot.size, 1))  # (candidates counted together)
        for at in range(0, len(candidates), per):
            batch = candidates[at : at + per]
            keys = np.empty((len(batch), *chunk.slot.shape), dtype=np.int64)
            for c, (seg, group_of, _) in enumerate(batch):
                np.multiply(chunk.slot, width, out=keys[c])
                keys[c] += group_of[seg.codes[chunk.first]] + (1 + c * size * width)
            weights = np.broadcast_to(chunk.rows, keys.shape).ravel()
            cells = np.bincount(keys.ravel(), weights=weights, minlength=len(batch) * size * width)
            cells = cells.reshape(len(batch), size, width)[:, :, 1:]
            cells[:, ~chunk.stored] = 0
            hidden = np.add.reduceat(np.where(cells < min_count, cells, 0).sum(axis=2), chunk.start, axis=1)
            total = np.add.reduceat(cells.sum(axis=2), chunk.start, axis=1)
            others = np.array([[cat is not seg for cat in chunk.cats] for seg, _, _ in batch])
            hides[at : at + len(batch)] |= (others & (hidden > SEGMENT_MAX_HIDDEN * total)).any(axis=1)
    found: list[bool] = hides.tolist()
    return found


#: Candidate segment columns are scored together while their rows x groups membership table holds at most
#: this many cells (else one at a time): one matrix product for all of them.
_BATCH_CELLS = 1 << 21


def _candidate_batches(splits: list[_Split], rows: int) -> list[list[_Split]]:
    """The candidates in order, in batches whose membership tables (rows x their groups) stay within _BATCH_CELLS."""
    batches: list[list[_Split]] = []
    width = 0
    for split in splits:
        k = split[3]
        if not batches or width + k > max(1, _BATCH_CELLS // max(rows, 1)):
            batches.append([])
            width = 0
        batches[-1].append(split)
        width += k
    return batches


def _membership(splits: list[tuple[NDArray[np.int64], int]], n: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The 0/1 table (candidate, group) x rows of several candidates' groupings, and each group's size.

    ``splits`` holds each candidate's rows' groups (-1: none) and number of groups; a statistic of every
    candidate's groups is then one matrix product.
    """
    starts = np.cumsum([0] + [k for _, k in splits]).tolist()
    member = np.empty((starts[-1], n))
    for (group, k), start in zip(splits, starts, strict=False):
        # (each of its groups' row of the table in one comparison, written as 0.0 / 1.0: no row indices)
        np.equal(np.arange(k)[:, None], group, out=member[start : start + k])
    return member, member.sum(axis=1)  # (sums of 0s and 1s: whole numbers, exact)


#: numpy sums fewer than this many numbers along an axis one after another (more: in a pairwise order).
_ADDED_IN_ORDER = 8


def _candidate_etas(
    cnt: NDArray[np.float64],
    total: NDArray[np.float64],
    square: NDArray[np.float64],
    at: list[int],
    others: list[NDArray[np.intp]],
) -> list[NDArray[np.float64]]:
    """Each candidate's eta squared of its ``others`` columns, from the per-group tables of every candidate
    (groups x columns; candidate c's groups are rows ``at[c]:at[c + 1]``).

    Found for every candidate and column in one pass when no candidate has more than 7 groups: numpy adds
    fewer than 8 numbers one after another, as the padded table's sums do, but more in a pairwise order. A
    candidate of more groups gets its own pass, so every sum has the bits it has alone.
    """
    if max(end - start for start, end in itertools.pairwise(at)) < _ADDED_IN_ORDER:
        every = _eta_squared(*_by_candidate((cnt, total, square), at))
        return [every[c, columns] for c, columns in enumerate(others)]
    return [
        _eta_squared(
            cnt[at[c] : at[c + 1]][:, columns],
            total[at[c] : at[c + 1]][:, columns],
            square[at[c] : at[c + 1]][:, columns],
        )
        for c, columns in enumerate(others)
    ]


def _by_candidate(tables: tuple[NDArray[np.float64], ...], at: list[int]) -> list[NDArray[np.float64]]:
    """The tables' rows (groups x columns, candidate after candidate: candidate c's are ``at[c]:at[c + 1]``) as
    candidates x groups x columns, each candidate's groups padded to the most any has with empty ones.

    An empty group has no rows and zero sums: it adds 0.0 to each sum over the groups (after the candidate's
    own groups, in their order), which leaves its bits as they are (but a -0.0 sum's sign, which
    :func:`_eta_squared` never reads: it squares the sums), and its cells are read no more.
    """
    starts = np.array(at[:-1], dtype=np.intp)
    widths = np.array(at[1:], dtype=np.intp) - starts
    slot = np.arange(int(widths.max()))
    pick = np.where(slot < widths[:, None], starts[:, None] + slot, at[-1])  # (row at[-1]: the empty group)
    return [np.concatenate([table, np.zeros((1, table.shape[1]))])[pick] for table in tables]


def _eta_squared(
    cnt: NDArray[np.float64], sums: NDArray[np.float64], squares: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Eta squared of each column from its per-group counts, sums and sums of squares (groups x columns; or
    candidates x groups x columns, for every candidate at once)."""
    n, total_sum = cnt.sum(axis=-2), sums.sum(axis=-2)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = total_sum / n
        total = squares.sum(axis=-2) - n * mean * mean
        between = np.where(cnt > 0, sums * sums / np.maximum(cnt, 1), 0.0).sum(axis=-2) - n * mean * mean
        eta = between / total
    return np.where((n >= 3) & (total > 1e-12 * np.maximum(n, 1)) & np.isfinite(eta), np.clip(eta, 0.0, 1.0), 0.0)
