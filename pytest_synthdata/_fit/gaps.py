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

:func:`choose_gaps` asks the real values which way loses less: from the same
512 draws of two latent scores (a fixed seed) through each column's real
distribution (at most 2,048 rows spread over the frame), correlated as the
fit's copula would correlate them (the latent correlation that gives the real
Spearman correlation, ties included for a column of at most 8 values), it
samples both ways, and takes the gap when the worst of its errors (the
Kolmogorov-Smirnov distances to the real values of the gaps, of ``b``, and of
``b`` within each half of ``a`` split at its median, and how far Spearman's
correlation of ``a`` and ``b`` strays from the real one) is smaller than the
worst of the redraw's (the rows in order, read as the rows a redraw keeps) by
more than the two-sample test's 5% critical value,
``1.36 * sqrt(1/512 + 1/n)`` (``n`` the rows read): where both ways keep the
data, the column stays as it is, and the gap is fitted only when it is kept.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import special

from .._columns import NumericColumn
from .._copula import hermite_coefficients, latent_for_spearman_batch
from .._marginals import RankCells, rank_cells_from_probs
from ..errors import InvalidArgument
from .numeric import Marginal, MarginalFit, Numbers, fit_marginals, marginal_column

__all__ = ["Gap", "choose_gaps"]

#: Draws each way of modelling one relation is sampled with to compare them (a fixed seed: the same choice on
#: the same data).
_DRAWS = 512
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
    grades: Mapping[str, NDArray[np.float64]],
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
    rows), ``columns`` their fitted marginals.
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
        # the redraw's error first: where it is within the noise, no gap can do better
        compare = _Comparison(low.values, high.values, grades[a], grades[b], strict)
        redraw = compare.redraw()
        if redraw <= compare.noise or compare.gapped() >= redraw - compare.noise:
            continue
        gap = _gap_fit(a, low, high, min_count=min_count, knots=knots, rows=rows)
        if gap is None:
            continue
        numbers_b, fit, marginal = gap
        least = min(float(marginal.bounds[0]), float(marginal.value_range()[0]))
        if least < 0 or (strict and least <= 0):
            continue
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


@functools.lru_cache(maxsize=32)
def _spread(n: int, count: int) -> NDArray[np.intp]:
    """``count`` positions among ``n`` evenly spaced, the first and the last included (made once a size)."""
    out = np.linspace(0, n - 1, count).round().astype(np.intp)
    out.flags.writeable = False
    return out


def _quantiles(ordered: NDArray[np.float64]) -> NDArray[np.float64]:
    """Sorted values, or at most :data:`_DRAWS` of their quantiles evenly spaced (a KS distance to them is within
    1/512 of the one to all of them)."""
    return ordered if len(ordered) <= _DRAWS else ordered[_spread(len(ordered), _DRAWS)]


def _sorted(values: NDArray[np.float64]) -> NDArray[np.float64]:
    """``values`` sorted, or at most :data:`_DRAWS` of their quantiles (:func:`_quantiles`)."""
    return _quantiles(np.sort(values))


def _ks_to(drawn: NDArray[np.float64], real: NDArray[np.float64]) -> float:
    """The Kolmogorov-Smirnov distance of ``drawn`` to the sorted ``real`` values (an empty side: 0).

    ``sums.ks_sorted``'s value to the bit: the same count of each side at or below each value, read off one merge
    of the two sorted sides (a stable sort of two runs) in place of a binary search of each value in each side.
    """
    if not len(drawn) or not len(real):
        return 0.0
    both = np.concatenate([np.sort(drawn), real])
    order = np.argsort(both, kind="stable")
    merged = both[order]
    # each value's last place, where the counts at or below it are read (the greatest value's left out: there both
    # sides are whole, a distance of 0)
    last = merged[1:] != merged[:-1]
    drawn_below = np.cumsum(order[:-1] < len(drawn))[last]
    real_below = np.flatnonzero(last) + 1 - drawn_below
    return float(np.abs(drawn_below / len(drawn) - real_below / len(real)).max(initial=0.0))


def _halves(
    drawn_a: NDArray[np.float64], drawn_b: NDArray[np.float64], real: tuple[NDArray[np.float64], ...], middle: float
) -> float:
    """The Kolmogorov-Smirnov distance of ``b``'s draws to its real values (``real``: all of them, those at or
    below ``middle`` of ``a``, those above, each sorted) overall and within each half of ``a``, the worst."""
    low = drawn_a <= middle
    return max(_ks_to(drawn_b, real[0]), _ks_to(drawn_b[low], real[1]), _ks_to(drawn_b[~low], real[2]))


def _pearson(pair: NDArray[np.float64]) -> float:
    """Pearson's correlation of the two rows of ``pair`` (centred in place; 0 for a constant row, whose
    deviations from its mean are all 0): ``np.corrcoef``'s arithmetic, to the bit, without its argument handling
    or its second pass for each row's spread."""
    pair -= pair.mean(axis=1)[:, None]
    products = np.dot(pair, pair.T)
    if products[0, 0] == 0 or products[1, 1] == 0:
        return 0.0
    scale = 1.0 / (pair.shape[1] - 1)
    spread_x, spread_y = math.sqrt(products[0, 0] * scale), math.sqrt(products[1, 1] * scale)
    return min(max(float(products[0, 1] * scale / spread_x / spread_y), -1.0), 1.0)


def _grade_correlation(x: NDArray[np.float64], y: NDArray[np.float64]) -> float:
    """Pearson's correlation of two columns' mid-rank grades, their Spearman correlation (rows missing in either
    left out; 0 for a constant column)."""
    if not np.isfinite(x + y).all():  # (a sum is finite only where both are)
        ok = np.isfinite(x) & np.isfinite(y)
        x, y = x[ok], y[ok]
    return 0.0 if len(x) < 3 else _pearson(np.stack((x, y)))


def _ranks(x: NDArray[np.float64], out: NDArray[np.float64]) -> None:
    """Write each value's rank among ``x`` (0-based), ties at their mean rank (``scipy.stats.rankdata`` less 1),
    into ``out``."""
    order = np.argsort(x)  # (ties get their mean rank whatever their order)
    ordered = x[order]
    starts = np.flatnonzero(np.concatenate([[True], ordered[1:] != ordered[:-1]]))
    ends = np.append(starts[1:], len(x))
    out[order] = np.repeat((starts + ends - 1) / 2.0, ends - starts)


def _rank_correlation(x: NDArray[np.float64], y: NDArray[np.float64]) -> float:
    """Spearman's correlation of two columns of draws (ties at their mean rank; 0 for a constant one)."""
    if len(x) < 3:
        return 0.0
    ranks = np.empty((2, len(x)))
    _ranks(x, ranks[0])
    _ranks(y, ranks[1])
    return _pearson(ranks)


#: The comparison reads at most this many real rows (spread over a larger frame).
_ROWS = 2048
#: A column of at most this many distinct values is drawn with its ties in the comparison (a latent correlation
#: calibrated for them); one of more, as continuous.
_TIED_VALUES = 8


def _empirical(ordered: NDArray[np.float64]) -> tuple[NDArray[np.float64], RankCells | None]:
    """A column's real values (``ordered``: sorted) as the comparison draws them: sorted (at most :data:`_DRAWS`
    quantiles), and the tie structure of its distinct values when they are few."""
    new = ordered[1:] != ordered[:-1]  # (where a distinct value starts, after the first)
    cells = None
    if np.count_nonzero(new) < _TIED_VALUES:
        counts = np.diff(np.flatnonzero(np.concatenate([[True], new, [True]])))  # (np.unique's counts)
        cells = rank_cells_from_probs(counts / len(ordered))
    return _quantiles(ordered), cells


class _Comparison:
    """The two ways of keeping ``a <= b`` (``a < b`` when ``strict``), sampled from the same draws of each column's
    real distribution (see the module docstring): ``real_a`` and ``real_b`` are the real values, ``grades_a`` and
    ``grades_b`` their mid-rank grades (of the fit's rows). Each pair's latent correlation is the one that gives
    its real Spearman correlation, ties included, as the fit's copula does."""

    def __init__(
        self,
        real_a: NDArray[np.float64],
        real_b: NDArray[np.float64],
        grades_a: NDArray[np.float64],
        grades_b: NDArray[np.float64],
        strict: bool,
    ) -> None:
        self.strict = strict
        if len(real_a) > _ROWS:  # (rows spread over a large frame: the comparison reads distributions)
            every = _spread(len(real_a), _ROWS)
            real_a, real_b = real_a[every], real_b[every]
        self.z, self.e, self.u = _draws()
        ordered_a = np.sort(real_a)
        (sorted_a, self.cells_a), self.b = _empirical(ordered_a), _empirical(np.sort(real_b))
        #: ``a``'s Hermite coefficients (see :meth:`_latent`), once the first latent correlation is solved
        self.coef_a: NDArray[np.float64] | None = None
        self.drawn_a = _draw(sorted_a, self.u)
        self.real_a, self.gaps = real_a, real_b - real_a
        self.gap = _empirical(np.sort(self.gaps))
        half = len(ordered_a) // 2  # (the median, np.median's arithmetic on the sorted values)
        self.middle = float(ordered_a[half] if len(ordered_a) % 2 else (ordered_a[half - 1] + ordered_a[half]) / 2)
        below = real_a <= self.middle
        self.halves = (self.b[0], _sorted(real_b[below]), _sorted(real_b[~below]))
        #: by more than the two-sample test's 5% critical value: where both ways keep the data, noise never decides
        self.noise = 1.36 * float(np.sqrt(1.0 / _DRAWS + 1.0 / len(real_b)))
        self.together = _grade_correlation(grades_a, grades_b)  # (the real Spearman correlation: grades are ranks)

    def _latent(self, cells: RankCells | None, target: float) -> float:
        """The latent correlation whose Spearman correlation of ``a`` and a column of rank cells ``cells`` is
        ``target``: ``latent_for_spearman_pairs``' arithmetic, with ``a``'s Hermite coefficients computed once for
        both ways (each column's are its own: the same bits alone or beside another's)."""
        if self.coef_a is None:
            self.coef_a, coef = hermite_coefficients([self.cells_a, cells])
        else:
            (coef,) = hermite_coefficients([cells])
        pair = latent_for_spearman_batch(
            np.array([target]), self.coef_a[None], coef[None], [self.cells_a], [cells], slack=0.0
        )
        return float(pair[0])

    def _other(self, column: tuple[NDArray[np.float64], RankCells | None], target: float) -> NDArray[np.float64]:
        """Draws of a column whose Spearman correlation with ``a`` is ``target``, beside ``a``'s draws."""
        rho = self._latent(column[1], target)
        return _draw(column[0], special.ndtr(rho * self.z + np.sqrt(1.0 - rho**2) * self.e))

    def redraw(self) -> float:
        """The worst error of modelling ``b`` on its own and redrawing the rows out of order (the rows in order,
        read as the rows a redraw keeps): of the gaps, of ``b`` overall and within each half of ``a`` (a gap above
        a 0/1 column shifts ``b`` by 1 where it is 1), and of ``b``'s Spearman correlation with ``a``."""
        drawn_b = self._other(self.b, self.together)
        kept = drawn_b > self.drawn_a if self.strict else drawn_b >= self.drawn_a
        if kept.sum() < 2:  # (the copula all but never gives the order: the redraw moves nearly every row)
            return 1.0
        a, b = self.drawn_a[kept], drawn_b[kept]
        return max(
            _ks_to(b - a, self.gap[0]),
            _halves(a, b, self.halves, self.middle),
            abs(_rank_correlation(a, b) - self.together),
        )

    def gapped(self) -> float:
        """The same errors of modelling ``b`` as ``a`` plus the gap."""
        drawn_gap = self._other(self.gap, _rank_correlation(self.real_a, self.gaps))
        drawn_b = self.drawn_a + drawn_gap
        return max(
            _ks_to(drawn_gap, self.gap[0]),
            _halves(self.drawn_a, drawn_b, self.halves, self.middle),
            abs(_rank_correlation(self.drawn_a, drawn_b) - self.together),
        )


@functools.lru_cache(maxsize=1)
def _draws() -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """The comparison's fixed draws: two latent scores a row, and the first one's quantiles (made once)."""
    z, e = np.random.default_rng(_SEED).standard_normal((2, _DRAWS))
    u = special.ndtr(z)
    for x in (z, e, u):
        x.flags.writeable = False
    return z, e, u


def _draw(ordered: NDArray[np.float64], u: NDArray[np.float64]) -> NDArray[np.float64]:
    """The values at quantiles ``u`` of the sorted values ``ordered`` (their empirical distribution)."""
    return ordered[np.minimum((u * len(ordered)).astype(np.intp), len(ordered) - 1)]
