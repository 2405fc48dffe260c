"""Segments: marginals, category frequencies and null rates within the groups of one telling category.

A Gaussian copula joins columns through one latent axis each, so a category
that splits the data into clusters (species, product lines) is blurred: each
cluster's own shape is lost. When one category explains enough of the other
columns (their mean correlation ratio, eta squared, across its groups), every
other modelled column it says something about is refitted within each of its
groups, and the copula then carries the within-group correlations.
"""

from __future__ import annotations

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
    choice = _choose_segment(cats, dims, cat_dims, ctx.n, ctx.min_count, ctx.rows)
    if choice is None:
        return None
    seg, groups, row_group, explained = choice.category, choice.groups, choice.row_group, choice.explained
    n_groups = max(groups) + 1
    sub_group = row_group[ctx.rows]  # (grades are those of the correlation rows)
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
        position = np.empty(len(cat.values), dtype=np.int64)
        position[cat.order] = np.arange(len(cat.order))
        pos = np.where(cat.codes >= 0, position[np.maximum(cat.codes, 0)], -1)
        # the frequencies within every group in one table (group x category, in latent order)
        k_cat = len(cat.values)
        valid = (pos >= 0) & (row_group >= 0)
        table = np.bincount(row_group[valid] * k_cat + pos[valid], minlength=n_groups * k_cat)
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
        valid = valid[ctx.rows]
        at_g, at_pos = sub_group[valid], pos[ctx.rows][valid]
        grades = np.full(len(ctx.rows), np.nan)
        withheld = probs[at_g, at_pos] == 0  # (withheld in the group)
        grades[valid] = np.where(withheld, np.nan, mid[at_g, at_pos])
        normal = np.full(len(ctx.rows), np.nan)  # (their normal scores from the table: the same bits)
        normal[valid] = np.where(withheld, np.nan, scores(mid)[at_g, at_pos])
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
    n: int,
    min_count: int,
    sub: NDArray[np.int64],
) -> _Choice | None:
    """Return the best splitting category, its groups and what it explains, or None if none splits well enough.

    Categories with enough rows are groups of their own; the rest share one
    group. The score is the mean correlation ratio (eta squared) of the other
    columns' normal scores across the groups.
    """
    min_rows = max(SEGMENT_MIN_ROWS, 10 * min_count)
    best: _Choice | None = None
    labels = [d.label for d in dims] + list(cat_dims)
    # (-1, missing or withheld, counts in a slot of its own; int32 halves them, the sums are int64 as before)
    shifted = {id(cat): (cat.codes + 1).astype(np.int32) for cat in cats}
    # each candidate's groups, and its rows' groups on the scored rows only (the best one's all rows, later)
    splits: list[tuple[Categorical, NDArray[np.int64], NDArray[np.int64], int]] = []
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
        row_group = _row_groups(cat, groups, n)
        if not _segment_hides_too_much(cat, cats, row_group, n_big, min_count, shifted):
            splits.append((cat, groups, row_group[sub], n_big))
        del row_group
    del shifted
    scored = [sub_scores(d, sub) for d in [*dims, *cat_dims.values()]]
    everywhere = not any(np.isnan(z).any() for z in scored)
    for cat, groups, sub_group, k in splits:
        others = [z for label, z in zip(labels, scored, strict=True) if label != cat.name]
        # the other columns' scores, missing ones 0.0: built column by column (Fortran order, as a selection
        # of columns of one matrix is laid out), one candidate's at a time
        z = np.empty((len(sub), len(others)), order="F")
        for j, column in enumerate(others):
            z[:, j] = column
        valid = ~np.isnan(z)
        z[~valid] = 0.0
        sums = _GroupSums(z, valid, sub_group, k, everywhere)  # (z is sums' own)
        del z, valid
        etas = sums.eta_squared()
        score = float(etas.mean()) if len(etas) else 0.0
        if score >= SEGMENT_MIN_SCORE and (best is None or score > best.score):
            # what the segment explains of each column: its level (mean scores) or its spread (mean squares)
            spread = sums.spread_eta_squared()
            shares = np.maximum(etas, spread).tolist()
            explained = dict(zip([lab for lab in labels if lab != cat.name], shares, strict=True))
            best = _Choice(cat, [int(g) for g in groups], _row_groups(cat, groups, n), score, explained)
        del sums  # (before the next candidate's: one set of per-candidate buffers at a time)
    return best


def _row_groups(cat: Categorical, groups: NDArray[np.int64], n: int) -> NDArray[np.int64]:
    """Each row's segment group, given each value's (in latent order); -1 for rows without a stored value."""
    position = np.empty(len(cat.values), dtype=np.int64)
    position[cat.order] = np.arange(len(cat.order))
    row_group = np.full(n, -1, dtype=np.int64)
    ok = cat.codes >= 0
    row_group[ok] = groups[position[cat.codes[ok]]]
    return row_group


def _segment_hides_too_much(
    seg: Categorical,
    cats: list[Categorical],
    row_group: NDArray[np.int64],
    k: int,
    min_count: int,
    shifted: Mapping[int, NDArray[np.int32]],
) -> bool:
    """Whether splitting by ``seg`` would leave another category's values too rare to store within groups.

    ``shifted`` holds each category's codes plus one, so that rows without a group or a stored value
    count in row and column 0 of one (group, value) table, left out after.
    """
    group_at = row_group + 1
    k = max(k, int(row_group.max()) + 1)  # (every group a row is in, as the cells are counted)
    for cat in cats:
        if cat is seg:
            continue
        width = len(cat.values) + 1
        cells = np.bincount(group_at * width + shifted[id(cat)], minlength=(k + 1) * width)
        cells = cells.reshape(k + 1, width)[1:, 1:]
        hidden = cells[(cells > 0) & (cells < min_count)].sum()
        if hidden > SEGMENT_MAX_HIDDEN * cells.sum():
            return True
    return False


class _GroupSums:
    """Per-group counts, sums and sums of squares of normal scores ``z`` (rows x columns) over ``valid`` cells.

    Rows outside every group (-1) and cells not ``valid`` are left out; each is one matrix product over
    all columns. The level's squares are the spread's sums (``z * z``), found once for both. ``z`` is
    the caller's copy, squared in place (twice for the spread): one buffer of scores per candidate.
    """

    def __init__(
        self, z: NDArray[np.float64], valid: NDArray[np.bool_], group: NDArray[np.int64], k: int, everywhere: bool
    ) -> None:
        rows = np.flatnonzero((group >= 0) & (group < k))
        self.member = np.zeros((len(group), k))  # rows x groups
        self.member[rows, group[rows]] = 1.0
        if everywhere:  # every cell valid: the counts are the group sizes (whole numbers, the same bits)
            size = np.bincount(group[rows], minlength=k).astype(np.float64)
            self.cnt = np.repeat(size[:, None], z.shape[1], axis=1)
        else:  # counts of valid cells per group and column: whole numbers, the same bits however summed
            self.cnt = np.empty((k, z.shape[1]))
            in_group = group[rows]
            for j in range(z.shape[1]):
                self.cnt[:, j] = np.bincount(in_group[valid[rows, j]], minlength=k)
        self.sums = self.member.T @ z
        self.z2 = np.multiply(z, z, out=z)  # (the same bits as z * z)
        self.squares = self.member.T @ self.z2
        self.spread: NDArray[np.float64] | None = None

    def eta_squared(self) -> NDArray[np.float64]:
        """Share of the variance of each column explained by the group means (eta squared)."""
        return _eta_squared(self.cnt, self.sums, self.squares)

    def spread_eta_squared(self) -> NDArray[np.float64]:
        """Eta squared of the squared scores: how much of each column's spread the groups explain."""
        if self.spread is None:  # (the fourth powers replace the squares, which are summed already)
            self.spread = self.member.T @ np.multiply(self.z2, self.z2, out=self.z2)
        return _eta_squared(self.cnt, self.squares, self.spread)


def _eta_squared(
    cnt: NDArray[np.float64], sums: NDArray[np.float64], squares: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Eta squared of each column from its per-group counts, sums and sums of squares (groups x columns)."""
    n, total_sum = cnt.sum(axis=0), sums.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = total_sum / n
        total = squares.sum(axis=0) - n * mean * mean
        between = np.where(cnt > 0, sums * sums / np.maximum(cnt, 1), 0.0).sum(axis=0) - n * mean * mean
        eta = between / total
    return np.where((n >= 3) & (total > 1e-12 * np.maximum(n, 1)) & np.isfinite(eta), np.clip(eta, 0.0, 1.0), 0.0)
