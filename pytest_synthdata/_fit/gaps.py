"""Fit step: order relations kept by a gap (``checkout`` is ``checkin`` plus a stay fitted apart).

A detected order ``a <= b`` is kept by redrawing the rows that break it
(``constraints.py``), which leaves ``b``'s own distribution in place but not the
distribution of ``b - a``: the copula couples ``a`` and ``b`` through one
latent correlation, and where ``b`` is ``a`` plus a short gap (hotel stays of a
few nights on dates spread over years, an event time equal to its interval's
start in most rows) even a correlation of 0.999 spreads the gaps far wider
than the data's. The other way is to model the gap: ``b``'s coordinate is
the gap's, its marginal the gap's (fitted like any number column, so the
privacy rules hold), and each sampled ``b`` is ``a``'s value plus its gap, so
the order holds by construction. That keeps the gaps and, through the
copula of ``a`` and the gap, ``b``'s own distribution only as well as that
copula describes them.

:func:`choose_gaps` asks the fitted marginals which way loses less: from the
same 4,096 draws of two latent scores (a fixed seed), correlated as the fit's
copula would correlate them (the latent correlation that gives the real
Spearman correlation, ties included), it samples both ways, and takes the gap
when the worst of its errors (the Kolmogorov-Smirnov distances to the real
values of the gaps, of ``b``, and of ``b`` within each half of ``a`` split at
its median, and how far Spearman's correlation of ``a`` and ``b`` strays from
the real one) is smaller than the worst of the redraw's (the
rows in order, read as the rows a redraw keeps) by more than the two-sample
test's 5% critical value, ``1.36 * sqrt(1/4096 + 1/n)``: where both ways keep
the data, the column stays as it is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from .._columns import NumericColumn
from .._copula import latent_for_spearman
from .._marginals import RankCells
from ..errors import InvalidArgument
from .dependence import correlation_cells
from .numeric import Marginal, MarginalFit, Numbers, fit_marginals, marginal_column
from .sums import _ks

__all__ = ["Gap", "choose_gaps"]

#: Draws each way of modelling one relation is sampled with to compare them (a fixed seed: the same choice on
#: the same data).
_DRAWS = 4096
_SEED = 7919


@dataclass(frozen=True)
class Gap:
    """Column ``column`` modelled as ``after`` plus a gap: its refitted numbers (the gaps), their fit and column."""

    column: str
    after: str
    strict: bool
    numbers: Numbers
    fit: MarginalFit
    marginal: NumericColumn


def choose_gaps(
    relations: Sequence[tuple[str, str, bool]],
    numbers: Mapping[str, Numbers],
    columns: Mapping[str, object],
    grades: Mapping[str, tuple[NDArray[np.float64], RankCells | None]],
    *,
    taken: set[str],
    held: set[str],
    min_count: int,
    knots: int,
    rows: NDArray[np.int64] | None,
) -> list[Gap]:
    """Return the order relations ``a <= b`` (``a < b`` when strict) better kept by modelling ``b`` as ``a`` plus
    its gap (see the module docstring).

    A candidate ``b`` is a number or date column of ``numbers`` without missing or infinite values, not in
    ``taken``, in no other relation, above an ``a`` not in ``held`` (a sum's column or a follower's, which another
    step may compute from others), and of ``a``'s kind (dates of the same unit; whole numbers above whole
    numbers). Its gaps are fitted like any column's, and the gap is kept only when the fitted gaps never reach
    below 0 (never down to 0 for a strict relation). ``grades`` are each column's mid-rank grades (the fit's
    rows) and the tie structure of its marginal, ``columns`` their fitted marginals.
    """
    count: dict[str, int] = {}
    for a, b, _ in relations:
        count[a] = count.get(a, 0) + 1
        count[b] = count.get(b, 0) + 1
    out: list[Gap] = []
    used: set[str] = set()
    for a, b, strict in relations:
        if b in taken or a in held or count[b] != 1 or b in used or a in used or a not in numbers or b not in numbers:
            continue
        low, high = numbers[a], numbers[b]
        col_a, col_b = columns.get(a), columns.get(b)
        if not (isinstance(col_a, NumericColumn) and isinstance(col_b, NumericColumn)) or type(col_a) is not type(
            col_b
        ):
            continue
        if col_a.offset or col_b.offset:
            continue
        if (
            low.unit != high.unit
            or (high.integer and not low.integer)
            or not (low.present.all() and high.present.all())
        ):
            continue
        if not (np.isfinite(low.values).all() and np.isfinite(high.values).all()):
            continue
        gap = _gap_fit(a, low, high, min_count=min_count, knots=knots, rows=rows)
        if gap is None:
            continue
        numbers_b, fit, marginal = gap
        least = min(float(marginal.bounds[0]), float(marginal.value_range()[0]))
        if least < 0 or (strict and least <= 0):
            continue
        gap_grades = (fit.grades, correlation_cells(marginal))
        if _gap_loses_less(col_a, col_b, marginal, grades[a], grades[b], gap_grades, low.values, high.values, strict):
            out.append(Gap(b, a, strict, numbers_b, fit, marginal))
            used.update((a, b))
    return out


def _gap_fit(
    a: str, low: Numbers, high: Numbers, *, min_count: int, knots: int, rows: NDArray[np.int64] | None
) -> tuple[Numbers, MarginalFit, NumericColumn] | None:
    """The gaps ``high - low`` as numbers of ``high``'s column, their fit and their marginal (None: no fit)."""
    gaps = Numbers(
        high.column,
        high.values - low.values,
        high.present,
        integer=high.integer,
        cast=high.cast,
        unit=high.unit,
        note=f"the gaps above {a!r}",
    )
    (fit,) = fit_marginals([gaps], None, 1, min_count=min_count, knots=knots, public={}, rows=rows)
    (fitted,) = fit.marginals
    if not isinstance(fitted, Marginal):  # (an InvalidArgument: nothing to learn)
        return None
    try:
        return gaps.with_ranks(fit.ranks), fit, marginal_column(gaps, fitted)
    except InvalidArgument:  # pragma: no cover - a marginal its own fit gave builds
        return None


def _halves(
    drawn_a: NDArray[np.float64],
    drawn_b: NDArray[np.float64],
    real_a: NDArray[np.float64],
    real_b: NDArray[np.float64],
    middle: float,
) -> float:
    """The Kolmogorov-Smirnov distance of ``b``'s draws to its real values overall and within each half of ``a``
    (at or below ``middle``, above it), the worst of them; a half either side lacks is left out."""
    worst = _ks(drawn_b, real_b)
    for side in (np.less_equal, np.greater):
        here, there = side(drawn_a, middle), side(real_a, middle)
        if here.any() and there.any():
            worst = max(worst, _ks(drawn_b[here], real_b[there]))
    return worst


def _rank_correlation(x: NDArray[np.float64], y: NDArray[np.float64]) -> float:
    """Spearman's correlation of two columns (ties ranked at their mean; rows missing in either left out)."""
    ok = np.isfinite(x) & np.isfinite(y)
    if ok.sum() < 3:
        return 0.0
    rx, ry = stats.rankdata(x[ok]), stats.rankdata(y[ok])
    if rx.std() == 0 or ry.std() == 0:
        return 0.0
    return float(np.corrcoef(rx, ry)[0, 1])


def _gap_loses_less(
    col_a: NumericColumn,
    col_b: NumericColumn,
    gap: NumericColumn,
    ranked_a: tuple[NDArray[np.float64], RankCells | None],
    ranked_b: tuple[NDArray[np.float64], RankCells | None],
    ranked_gap: tuple[NDArray[np.float64], RankCells | None],
    real_a: NDArray[np.float64],
    real_b: NDArray[np.float64],
    strict: bool,
) -> bool:
    """Whether modelling the gap keeps ``b`` and ``b - a`` nearer the real ones than redrawing the rows out of order
    (see the module docstring). Each pair's latent correlation is the one that gives its real Spearman
    correlation (ties included), as the fit's copula does."""
    (grades_a, cells_a), (grades_b, cells_b), (grades_gap, cells_gap) = ranked_a, ranked_b, ranked_gap
    rho_b = latent_for_spearman(_rank_correlation(grades_a, grades_b), cells_a, cells_b)[0]
    rho_gap = latent_for_spearman(_rank_correlation(grades_a, grades_gap), cells_a, cells_gap)[0]
    z, e = np.random.default_rng(_SEED).standard_normal((2, _DRAWS))
    drawn_a = col_a.from_latent(z).astype(np.float64)
    drawn_b = col_b.from_latent(rho_b * z + np.sqrt(1.0 - rho_b**2) * e).astype(np.float64)
    drawn_gap = gap.from_latent(rho_gap * z + np.sqrt(1.0 - rho_gap**2) * e).astype(np.float64)
    real_gap = real_b - real_a
    kept = drawn_b > drawn_a if strict else drawn_b >= drawn_a
    if kept.sum() < 2:  # (the copula all but never gives the order: the redraw moves nearly every row)
        return True
    # the worst of: b's distribution, the gaps', b's within each half of a (a gap above a 0/1 column shifts b by
    # 1 where it is 1), and how b ranks with a
    together = _rank_correlation(grades_a, grades_b)
    middle = float(np.median(real_a))
    redraw = max(
        _ks(drawn_b[kept] - drawn_a[kept], real_gap),
        _halves(drawn_a[kept], drawn_b[kept], real_a, real_b, middle),
        abs(_rank_correlation(drawn_a[kept], drawn_b[kept]) - together),
    )
    drawn_sum = drawn_a + drawn_gap
    gapped = max(
        _ks(drawn_gap, real_gap),
        _halves(drawn_a, drawn_sum, real_a, real_b, middle),
        abs(_rank_correlation(drawn_a, drawn_sum) - together),
    )
    # (by more than the two-sample test's 5% critical value: where both ways keep the data, noise never decides)
    return gapped < redraw - 1.36 * np.sqrt(1.0 / _DRAWS + 1.0 / len(real_b))
