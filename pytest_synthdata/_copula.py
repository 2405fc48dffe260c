"""The Gaussian copula: calibration, PSD repair, Cholesky and correlated draws.

Users declare *rank* (Spearman) correlations between columns. For two
continuous columns the latent Pearson correlation that produces Spearman rho is
``2 sin(pi rho / 6)``. When either column is discrete (categories, booleans,
small integers) ties shrink the achieved Spearman, so we compute Spearman as a
function of the latent correlation exactly, by quadrature over the bivariate
normal, and invert it with a root finder.

The math, with references: ``docs/explanation/math.md`` (calibration §2-5,
completion §6, repair §7).
"""

from __future__ import annotations

import functools
import itertools
import math
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import optimize, special
from scipy.linalg import lapack

from . import _linalg

if TYPE_CHECKING:
    from collections.abc import Callable

    from numpy.typing import NDArray

    from ._marginals import RankCells

    _Floats = NDArray[np.float64]

__all__ = [
    "complete_correlation",
    "latent_for_spearman_pairs",
    "latent_for_spearman",
    "spearman_of_latent",
]

R_MAX = 0.9999
_Z_LIM = 8.5
_GL_X, _GL_W = np.polynomial.legendre.leggauss(24)
_GL_X6, _GL_W6 = np.polynomial.legendre.leggauss(6)


def _outer_nodes(breaks: list[float]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Return Gauss-Legendre nodes/weights on [-Z_LIM, Z_LIM] split at ``breaks``."""
    pts = sorted({-_Z_LIM, _Z_LIM, *(b for b in breaks if -_Z_LIM < b < _Z_LIM)})
    refined: list[float] = [pts[0]]
    for a, b in itertools.pairwise(pts):
        pieces = max(1, math.ceil((b - a) / 0.5))
        refined.extend(a + (b - a) * (i + 1) / pieces for i in range(pieces))
    edges = np.array(refined)
    lo, hi = edges[:-1, None], edges[1:, None]
    # the integrand is smooth inside each piece: short pieces need few nodes
    short = (hi - lo).ravel() < 0.1
    parts = []
    for mask, x, w in ((~short, _GL_X, _GL_W), (short, _GL_X6, _GL_W6)):
        a, b = lo[mask], hi[mask]
        parts.append((((a + b) / 2 + (b - a) / 2 * x[None, :]).ravel(), ((b - a) / 2 * w[None, :]).ravel()))
    return np.concatenate([parts[0][0], parts[1][0]]), np.concatenate([parts[0][1], parts[1][1]])


def _clip(x: NDArray[Any], lo: float, hi: float) -> NDArray[Any]:
    """``np.clip(x, lo, hi)``'s numbers (NaN stays NaN, a zero keeps its sign) for a fraction of its wrapper's cost:
    the fit's solves call it on small arrays, many times."""
    return np.minimum(np.maximum(x, lo), hi)


def _rank_function(cells: RankCells | None, z: NDArray[np.float64]) -> NDArray[np.float64]:
    if cells is None:
        return special.ndtr(z)
    return cells.midranks[np.searchsorted(cells.cuts, z, side="right")]


def _variance(cells: RankCells | None) -> float:
    if cells is None:
        return 1.0 / 12.0
    return float((1.0 - (cells.probs**3).sum()) / 12.0)


def spearman_of_latent(r: float, a: RankCells | None, b: RankCells | None) -> float:
    """Return the population Spearman correlation of two columns whose latent correlation is ``r``.

    ``None`` stands for a continuous column (no ties).
    """
    if a is None and b is None:
        return 6.0 / math.pi * math.asin(r / 2.0)
    if _variance(a) <= 1e-15 or _variance(b) <= 1e-15:
        return 0.0  # a constant column has no ranks to correlate
    if a is None:  # put the discrete column first so the outer integral has steps
        a, b = b, a
    assert a is not None
    s = math.sqrt(max(1.0 - r * r, 1e-300))
    breaks = list(a.cuts)
    if b is not None and abs(r) > 1e-3:
        breaks.extend(c / r for c in b.cuts)
    z, w = _outer_nodes(breaks)
    g = _rank_function(a, z)
    if b is None:
        inner = special.ndtr(r * z / math.sqrt(2.0 - r * r))
    else:
        jumps = np.diff(b.midranks)
        inner = b.midranks[0] + special.ndtr((r * z[:, None] - b.cuts[None, :]) / s) @ jumps
    e_gh = float(np.sum(w * g * inner * np.exp(-0.5 * z * z)) / math.sqrt(2.0 * math.pi))
    return (e_gh - 0.25) / math.sqrt(_variance(a) * _variance(b))


def latent_for_spearman(
    target: float, a: RankCells | None, b: RankCells | None, *, slack: float = 0.0
) -> tuple[float, float]:
    """Return (latent r, achieved Spearman) closest to ``target``.

    When the ties of discrete columns make ``target`` unattainable the latent
    correlation is clamped and the achieved value is the closest attainable.
    With ``slack`` (fitted targets) the target is first clamped to the
    attainable range and pulled ``slack`` toward 0: the least extreme r that
    comes within ``slack`` of it (see ``_TARGET_SLACK``).
    """
    if a is None and b is None:
        r = float(np.clip(2.0 * math.sin(math.pi * target / 6.0), -R_MAX, R_MAX))
        return r, spearman_of_latent(r, a, b)
    if target == 0.0 or _variance(a) <= 1e-15 or _variance(b) <= 1e-15:
        return 0.0, 0.0
    lo, hi = spearman_of_latent(-R_MAX, a, b), spearman_of_latent(R_MAX, a, b)
    if slack:  # (fitted targets: see _TARGET_SLACK)
        target = math.copysign(max(abs(min(max(target, lo), hi)) - slack, 0.0), target)
        if target == 0.0:
            return 0.0, 0.0
    if target >= hi:
        return R_MAX, hi
    if target <= lo:
        return -R_MAX, lo
    r = optimize.brentq(lambda x: spearman_of_latent(x, a, b) - target, -R_MAX, R_MAX, xtol=1e-7)
    return float(r), target


def _logdet_and_factor(y: NDArray[np.float64]) -> tuple[float, NDArray[np.float64] | None]:
    """Return (log det ``y``, its lower Cholesky factor), or -inf and None outside the positive definite cone."""
    chol = _linalg.cholesky(y)
    if chol is None:
        return -math.inf, None
    return _linalg.logdet(chol), chol


def _logdet(y: NDArray[np.float64]) -> float:
    """Return log det ``y``, or -inf when ``y`` is not positive definite."""
    return _logdet_and_factor(y)[0]


def _psd_floor(y: NDArray[np.float64], floor: float) -> tuple[NDArray[np.float64], float]:
    """Return ``y`` with eigenvalues raised to at least ``floor``, and ``y``'s smallest eigenvalue."""
    vals, vecs = _linalg.eigh((y + y.T) / 2.0)
    return (vecs * np.maximum(vals, floor)) @ vecs.T, float(vals.min())


def complete_correlation(a: NDArray[np.float64], fixed: NDArray[np.bool_]) -> tuple[NDArray[np.float64], bool]:
    """Return (a valid correlation matrix, whether it keeps every fixed entry of ``a``).

    ``fixed`` marks declared pairs; the other off-diagonal entries are free.

    1. Alternating projections between the positive-definite matrices and the
       matrices holding the fixed entries find a valid matrix with those entries
       when one exists. When none exists they converge to the valid matrix
       nearest to the fixed entries in least squares (free entries cost
       nothing), which becomes the repair.
    2. :func:`max_determinant_completion` over the free entries (the step
       fits take too): columns are as independent as the fixed pairs allow
       (for a~b and b~c fixed, a and c are independent given b; columns not
       linked through fixed pairs stay uncorrelated).

    Fits repair with :func:`nearest_correlation` instead: declared targets
    should hold exactly whenever some valid matrix holds them, which the
    projections find (up to thousands of eigendecompositions, fine for a
    handful of declared pairs), while fitted pairs are estimates whose
    sampling error dwarfs the 1e-3 eigenvalue floor, and a fit of hundreds
    of columns must not pay for the projections.
    """
    d = len(a)
    keep = fixed | np.eye(d, dtype=bool)
    free = ~keep
    n_free = int(np.count_nonzero(free & _linalg.above_diagonal(d)))
    if n_free > _NEWTON_MAX_FREE and not _primal_is_smaller(d, n_free):
        # wide and sparsely declared: the dual finds the completion (when one exists) without the
        # projections' eigendecompositions; small schemas keep the path below, and their bytes, and so do
        # densely declared ones, whose free pairs are the fewer unknowns (max_determinant_completion's primal)
        completed = covariance_selection(a, keep, floor=5e-7)  # (the projections' last floor accepts as little)
        if completed is not None and _linalg.cholesky(completed) is not None:
            y = np.round((completed + completed.T) / 2.0, 12)
            np.fill_diagonal(y, 1.0)
            return y, True
    target = a.copy()
    y, x, kept = a.copy(), a.copy(), False
    for floor in (1e-3, 1e-6):
        y, previous = a.copy(), math.inf
        for _ in range(20_000):
            x, smallest = _psd_floor(y, floor)
            if smallest >= floor / 2:
                kept = True
                break
            moved = float(np.abs(x[keep] - a[keep]).max())
            y = x.copy()
            y[keep] = a[keep]
            if _ > 100 and abs(moved - previous) < 1e-12:
                break  # converged to the closest pair: the fixed entries cannot all hold
            previous = moved
        if kept:
            break
    if not kept:  # no valid matrix holds the fixed entries: keep the nearest valid one
        scale = np.sqrt(np.diag(x))
        y = x / scale[:, None] / scale[None, :]
        target = y.copy()
    y = (y + y.T) / 2.0
    np.fill_diagonal(y, 1.0)
    y = max_determinant_completion(y, free)
    y[keep] = target[keep]
    y = np.round((y + y.T) / 2.0, 12)  # symmetric, and stable in the last bits across BLAS builds
    np.fill_diagonal(y, 1.0)
    return y, kept


# fast inversion for fitting: Hermite (Mehler) series ---------------------------------

#: Terms of the Mehler series, and the largest |r| it is used for: the remainder is below
#: _SERIES_MAX ** _TERMS (Cauchy-Schwarz on unit-variance coefficients), 5e-5 here; beyond
#: it, pairs are solved exactly from orthant probabilities.
_TERMS = 120
_SERIES_MAX = 0.92
_ORDERS = [np.array(float(j)) for j in range(_TERMS)]  # (0-d arrays: the multiplier a ufunc takes most cheaply)
#: 1 / sqrt(j!), j = 0.._TERMS-1: what turns He_j into the normalised h_j.
_NORMS = np.cumprod([1.0] + [1.0 / math.sqrt(j) for j in range(1, _TERMS)])


@functools.cache
def _continuous_coefficients() -> NDArray[np.float64]:
    """Return a_k = E[Phi(Z) h_k(Z)] for the normalised Hermite polynomials h_k, k = 1.._TERMS."""
    x, w = np.polynomial.legendre.leggauss(400)
    z = 12.0 * x  # on [-12, 12]; integrand is Phi'(z) h_{k-1}(z) phi(z) / sqrt(k) by parts
    w = 12.0 * w
    phi = np.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)
    k = np.arange(1, _TERMS + 1)
    return _psi_sums(z, phi * w, np.zeros(1, dtype=np.intp))[:, 0] / np.sqrt(k)


#: Terms of the Hermite recurrence held at once before they are summed (the whole table would take
#: _TERMS x cuts doubles: fresh memory that a cold cache pays for line by line).
_PSI_BLOCK = 24


def _psi_sums(c: NDArray[np.float64], weights: NDArray[np.float64], starts: NDArray[np.intp]) -> NDArray[np.float64]:
    """Return ``sum psi_j(c) * weights`` over each run of ``c`` beginning at ``starts`` (terms x runs).

    ``psi_j(c) = h_j(c) phi(c)`` for the normalised Hermite polynomials ``h_j = He_j / sqrt(j!)``,
    j = 0.._TERMS-1, for all points at once. The recurrence runs on ``He_j(c) phi(c)``
    (``He_{j+1} = c He_j - j He_{j-1}``: three array operations a term, and the same relative rounding as
    the normalised form; below 1e130 for |c| <= 12), summed every _PSI_BLOCK terms, then normalised.
    """
    c = np.asarray(c, dtype=np.float64)
    finite = np.abs(c) <= 12.0  # beyond, a cut has below 1e-32 of mass on its far side: it adds nothing
    cc = np.where(finite, c, 0.0)
    # the terms are written into one block of _PSI_BLOCK rows (no fresh array per term), weighted and
    # summed when it is full; the last two unweighted terms carry the recurrence into the next block
    block = np.empty((_PSI_BLOCK, len(cc)))
    scratch, carry = np.empty(len(cc)), np.empty((2, len(cc)))
    rows, (carry_before, carry_now) = list(block), carry  # (the rows' views, made once)
    multiply, subtract = np.multiply, np.subtract
    before = rows[0]
    before[...] = np.where(finite, np.exp(-0.5 * cc * cc) / math.sqrt(2.0 * math.pi), 0.0)
    now = multiply(cc, before, out=rows[1])
    filled = 2
    out = np.empty((_TERMS, len(starts)))
    done = 0
    for j in range(1, _TERMS - 1):
        row = multiply(cc, now, rows[filled])  # (outputs passed by position: the cheapest call)
        subtract(row, multiply(_ORDERS[j], before, scratch), row)
        before, now = now, row
        filled += 1
        if filled == _PSI_BLOCK or j == _TERMS - 2:
            carry_before[...], carry_now[...] = before, now
            before, now = carry_before, carry_now
            part = block[:filled]
            part *= weights
            out[done : done + filled] = np.add.reduceat(part, starts, axis=1)
            done += filled
            filled = 0
    return out * _NORMS[:, None]


def hermite_coefficients(all_cells: list[RankCells | None]) -> NDArray[np.float64]:
    """Return the Hermite coefficients of each column's rank function, scaled to unit variance (one row each).

    The Spearman correlation of two columns at latent correlation ``r`` is then
    ``sum_k a_k b_k r**k`` (Mehler's formula), exact up to the series' remainder.
    For a step function with jumps ``J_c`` at latent cuts ``c``,
    ``a_k = sum_c J_c h_{k-1}(c) phi(c) / sqrt(k)``, so all columns' cuts go
    through one Hermite recurrence.
    """
    out = np.zeros((len(all_cells), _TERMS))
    k = np.arange(1, _TERMS + 1)
    continuous = [row for row, cells in enumerate(all_cells) if cells is None]
    out[continuous] = _continuous_coefficients() / math.sqrt(_variance(None))
    # (a column of one cell has no cuts and no variance: its row stays 0)
    tied = [(row, cells) for row, cells in enumerate(all_cells) if cells is not None and len(cells.cuts)]
    if tied:
        sizes = [len(cells.cuts) for _, cells in tied]
        starts = np.cumsum([0, *sizes[:-1]])
        jumps = np.concatenate([cells.midranks[1:] - cells.midranks[:-1] for _, cells in tied])  # (np.diff's numbers)
        sums = _psi_sums(np.concatenate([cells.cuts for _, cells in tied]), jumps, starts)
        var = np.array([_variance(cells) for _, cells in tied])
        ok = var > 1e-15
        rows = np.array([row for row, _ in tied])
        out[rows[ok]] = sums[:, ok].T / np.sqrt(k)[None, :] / np.sqrt(var[ok])[:, None]
    return out


def latent_for_spearman_batch(
    targets: NDArray[np.float64],
    coef_a: NDArray[np.float64],
    coef_b: NDArray[np.float64],
    cells_a: list[RankCells | None],
    cells_b: list[RankCells | None],
    *,
    slack: float | None = None,
) -> NDArray[np.float64]:
    """Return the latent correlation whose Spearman correlation is each target, for many pairs at once.

    ``coef_a``/``coef_b`` hold one row of :func:`hermite_coefficients` per
    pair. The series is evaluated on a grid of latent correlations in one
    matrix product, inverted by interpolation and polished by Newton steps.
    Near |r| = 1 the series converges slowly, so there the exact quadrature
    (:func:`latent_for_spearman`) takes over, as it does for two continuous
    columns (closed form). Targets beyond a pair's attainable range are
    clamped to it, and pulled ``slack`` toward 0 (fitted targets, the
    default: see ``_TARGET_SLACK``; declared targets pass 0).
    """
    slack = _TARGET_SLACK if slack is None else slack
    out = np.zeros(len(targets))
    if not len(targets):
        return out
    continuous = np.array([a is None and b is None for a, b in zip(cells_a, cells_b, strict=True)])
    if continuous.any():  # the closed form; the series and its solves only for the other pairs (each on its own)
        out[continuous] = _clip(2.0 * np.sin(np.pi * targets[continuous] / 6.0), -R_MAX, R_MAX)
        rest = np.flatnonzero(~continuous)
        if len(rest):
            out[rest] = latent_for_spearman_batch(
                targets[rest],
                coef_a[rest],
                coef_b[rest],
                [cells_a[p] for p in rest.tolist()],
                [cells_b[p] for p in rest.tolist()],
                slack=slack,
            )
        return out
    pulled = np.sign(targets) * np.maximum(np.abs(targets) - slack, 0.0)
    grid, powers = _power_grid()
    poly = coef_a * coef_b
    poly[np.abs(poly) < 1e-150] = 0.0  # subnormal numbers make the matrix product 50x slower
    per = max(1, _BLAS_ONE_THREAD // powers.size)  # (pairs at a time)
    curves = np.hstack([powers @ poly[i : i + per].T for i in range(0, len(poly), per)])  # (grid, pairs)
    # interpolate each pair's target on its curve (monotone in r), all pairs at once
    above = _clip((curves < pulled[None, :]).sum(axis=0), 1, len(grid) - 1)
    cols = np.arange(len(targets))
    lo, hi = curves[above - 1, cols], curves[above, cols]
    frac = _clip((pulled - lo) / np.where(hi > lo, hi - lo, 1.0), 0.0, 1.0)
    out[:] = grid[above - 1] + frac * (grid[above] - grid[above - 1])
    use_exact = ~((curves[0] < pulled) & (pulled < curves[-1]))
    batch: list[int] = []
    for p in np.flatnonzero(use_exact):
        a, b, target = cells_a[p], cells_b[p], float(targets[p])
        if not poly[p].any():
            out[p] = 0.0  # a constant column: no rank correlation to reproduce
        elif _cut_count(a) * _cut_count(b) > _ORTHANT_POINTS:
            out[p] = latent_for_spearman(target, a, b, slack=slack)[0]  # too many cells for orthants
        else:
            batch.append(int(p))
    if batch:
        idx = np.array(batch)
        # start a series Newton step (in arcsin r) beyond the grid end the target lies past: near where the
        # exact solve's first step would go, for the price of the series instead of orthants
        end = np.where(pulled[idx] > 0, len(grid) - 1, 0)
        r0 = grid[end]
        slope = _series(poly[idx], r0)[1] * math.sqrt(1.0 - _SERIES_MAX**2)  # (dr / d arcsin r = cos)
        with np.errstate(divide="ignore", invalid="ignore"):
            reach = (pulled[idx] - curves[end, idx]) / slope
        theta0 = np.arcsin(r0)
        theta = _clip(theta0 + np.where(np.isfinite(reach), reach, 0.0), -math.asin(R_MAX), math.asin(R_MAX))
        start = np.sin(np.where(np.sign(theta - theta0) == np.sign(r0), theta, theta0))
        out[idx] = _orthant_solve(
            targets[idx], [cells_a[p] for p in batch], [cells_b[p] for p in batch], start, slack=slack
        )
    inside = ~use_exact & (np.abs(out) < _SERIES_MAX)
    r = out[inside]
    c = poly[inside]
    ck = c * _POWERS  # (the slope's coefficients, the same for every step)
    t = pulled[inside]
    for _ in range(3):  # Newton steps from the interpolated start, all pairs at once
        value, slope = _series(c, r, ck)
        step = np.where(slope > 0, (value - t) / np.where(slope > 0, slope, 1.0), 0.0)
        r = _clip(r - step, -_SERIES_MAX, _SERIES_MAX)
    out[inside] = r
    return out


def latent_for_spearman_pairs(
    targets: NDArray[np.float64], pairs: list[tuple[RankCells | None, RankCells | None]]
) -> NDArray[np.float64]:
    """Return the latent correlation whose Spearman correlation is each target, for pairs of columns' rank cells.

    :func:`latent_for_spearman_batch` with each distinct column's Hermite
    coefficients computed once and no slack: the calibration path of declared
    targets, which should hold exactly.
    """
    cells_a = [a for a, _ in pairs]
    cells_b = [b for _, b in pairs]
    distinct: dict[int, RankCells] = {id(c): c for c in cells_a + cells_b if c is not None}
    rows = dict(zip(distinct, hermite_coefficients(list(distinct.values())), strict=True))
    continuous = hermite_coefficients([None])[0]
    coef_a = np.array([continuous if c is None else rows[id(c)] for c in cells_a]).reshape(len(pairs), -1)
    coef_b = np.array([continuous if c is None else rows[id(c)] for c in cells_b]).reshape(len(pairs), -1)
    return latent_for_spearman_batch(np.asarray(targets, dtype=np.float64), coef_a, coef_b, cells_a, cells_b, slack=0.0)


#: The powers k = 1.._TERMS of the Mehler series (as floats: what ``c * k`` turns them into).
_POWERS = np.arange(1, _TERMS + 1, dtype=np.float64)


def _series(
    c: NDArray[np.float64], r: NDArray[np.float64], ck: NDArray[np.float64] | None = None
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Return the value and the slope in r of ``sum_k c[p, k] r[p]**k`` (k = 1.._TERMS) for each row p.

    ``ck`` is ``c * k`` if the caller has it (Newton steps on the same pairs).
    """
    below = np.empty((len(r), _TERMS))  # r ** (k - 1), by running products (no pow: subnormals make it slow)
    below[:, 0] = 1.0
    below[:, 1:] = r[:, None]
    below.cumprod(axis=1, out=below)
    return r * np.einsum("ij,ij->i", c, below), np.einsum("ij,ij->i", c * _POWERS if ck is None else ck, below)


#: Matrix products of at most this many multiply-adds run on the calling thread in OpenBLAS (its threshold
#: for threads): waking BLAS threads costs more than such a product, so the Mehler curves go in blocks of pairs.
_BLAS_ONE_THREAD = 4 * 65_536
#: Fitted Spearman targets are clamped to the attainable range and pulled this much toward 0 before the
#: inversion: the least extreme latent r that comes within it is chosen. Where one column's ties nest in the
#: other's (a rare flag that only occurs with one category), the curve flattens near its end, and every r from
#: 0.9 to 1 reproduces the target to 1e-12; without the slack, rounding (another BLAS) swings r across
#: that range. It is far below any sampling error (1e-3 at a million rows).
_TARGET_SLACK = 1e-6
#: A target clamped to the attainable end takes the one Newton step back from the end when that step reproduces
#: it this closely (see :func:`_orthant_solve`).
_END_STEP_TOL = 1e-10
#: The orthant search stops on a Newton step (in arcsin r) shorter than this, taking it: it leaves an error of about
#: its square times the curvature.
_SHORT_STEP = 1e-4
#: Above this many (cut, cut) pairs a pair is inverted by quadrature instead of orthant probabilities.
_ORTHANT_POINTS = 20_000
_BVN_X, _BVN_W = np.polynomial.legendre.leggauss(12)  # |r| < 0.925: error below 1e-10
_BVN_X1 = _BVN_X + 1.0
_BVN_XH, _BVN_WH = np.polynomial.legendre.leggauss(6)  # |r| >= 0.925: error below 1e-10
_BVN_XH1 = _BVN_XH + 1.0


def _cut_count(cells: RankCells | None) -> int:
    return 1 if cells is None else len(cells.cuts)


def bvn_upper(h: NDArray[np.float64], k: NDArray[np.float64], r: NDArray[np.float64]) -> NDArray[np.float64]:
    """Return P(X > h, Y > k) for standard bivariate normals with correlation r, elementwise.

    Genz (2004), "Numerical computation of rectangular bivariate and trivariate
    normal and t probabilities", Statistics and Computing 14: Plackett's
    integral in arcsin r for |r| < 0.925, Drezner and Wesolowsky's expansion
    about |r| = 1 above; 12- and 6-point Gauss-Legendre, below 1e-10 absolute error
    (checked against SciPy in the tests), far below what a Spearman target needs.
    """
    if not (
        isinstance(h, np.ndarray)
        and isinstance(k, np.ndarray)
        and isinstance(r, np.ndarray)
        and h.ndim == 1
        and h.shape == k.shape == r.shape
        and h.dtype == k.dtype == r.dtype == np.float64
    ):  # (points as the orthant solve passes them need no broadcasting)
        h, k, r = (np.asarray(v, dtype=np.float64).ravel() for v in np.broadcast_arrays(h, k, r))
    out = np.empty(h.shape)
    low = np.abs(r) < 0.925
    any_low = bool(low.any())
    if any_low:
        every_low = bool(low.all())  # (then the arrays as they are, not copies)
        hh, kk, rr = (h, k, r) if every_low else (h[low], k[low], r[low])
        plackett = _in_blocks(_plackett, hh, kk, rr)
        if every_low:
            return plackett  # type: ignore[no-any-return]
        out[low] = plackett
    high = ~low
    if not any_low or high.any():
        every = not any_low  # all of them: the arrays as they are, not copies
        hh, rr = (h, r) if every else (h[high], r[high])
        kk = np.where(rr < 0, -k if every else -k[high], k if every else k[high])
        hk = hh * kk
        bvn = np.zeros(len(hh))
        inner = np.abs(rr) < 1.0
        if inner.any():
            whole = bool(inner.all())
            h1, k1, r1, hk1 = (hh, kk, rr, hk) if whole else (hh[inner], kk[inner], rr[inner], hk[inner])
            inside = _in_blocks(_drezner, h1, k1, r1, hk1)
            if whole:
                bvn = inside
            else:
                bvn[inner] = inside
        # r > 0: bvn + P(X > max(h, k)); r < 0: -bvn, or P(h < X < -k) - bvn where h < -k (r = -1)
        pos = rr > 0
        if pos.all():
            res = bvn + special.ndtr(-np.maximum(hh, kk))
        else:
            res = -bvn
            if pos.any():
                res[pos] = bvn[pos] + special.ndtr(-np.maximum(hh[pos], kk[pos]))
            need = ~pos & ~(hh >= kk)
            if need.any():
                hn, kn = hh[need], kk[need]
                between = np.where(hn < 0, special.ndtr(kn) - special.ndtr(hn), special.ndtr(-hn) - special.ndtr(-kn))
                res[need] = between - bvn[need]
        if every:
            out = res
        else:
            out[high] = res
    return out


#: :func:`bvn_upper` computes the rows of its Gauss-Legendre nodes for this many points at a time: the
#: temporaries of a block (a dozen arrays of 6 or 12 values a point) stay in the caches. A multiple of 64, and
#: blocks are cut from the same arrays an unblocked call reads, so the matrix-vector products run every row
#: through the kernels it would go through in one call (the same bits).
_BVN_BLOCK = 1 << 14


def _in_blocks(compute: Callable[..., _Floats], *points: _Floats) -> _Floats:
    """``compute(*points)`` for points (equal-length arrays) :data:`_BVN_BLOCK` at a time, elementwise."""
    n = len(points[0])
    if n <= _BVN_BLOCK:
        return compute(*points)
    out = np.empty(n)
    for at in range(0, n, _BVN_BLOCK):
        out[at : at + _BVN_BLOCK] = compute(*(p[at : at + _BVN_BLOCK] for p in points))
    return out


def _plackett(hh: _Floats, kk: _Floats, rr: _Floats) -> _Floats:
    """:func:`bvn_upper` of points with |r| < 0.925: Plackett's integral in arcsin r, 12 nodes."""
    hk, hs, asr = hh * kk, (hh * hh + kk * kk) / 2.0, np.arcsin(rr)
    # exp((sn hk - hs) / (1 - sn^2)) with sn = sin(asr (x + 1) / 2), in place (the same operations)
    sn = np.multiply(asr[:, None], _BVN_X1[None, :])
    sn /= 2.0
    np.sin(sn, out=sn)
    f = np.subtract(1.0, sn * sn)
    sn *= hk[:, None]
    sn -= hs[:, None]
    np.divide(sn, f, out=f)
    with np.errstate(under="ignore"):
        np.exp(f, out=f)
    return (f @ _BVN_W) * asr / (4.0 * math.pi) + special.ndtr(-hh) * special.ndtr(-kk)  # type: ignore[no-any-return]


def _drezner(h1: _Floats, k1: _Floats, r1: _Floats, hk1: _Floats) -> _Floats:
    """The part of :func:`bvn_upper` of points with 0.925 <= |r| < 1 (``k`` flipped where r < 0) that Drezner and
    Wesolowsky's expansion about |r| = 1 integrates (6 nodes); the caller adds the orthant of ``max(h, k)``."""
    as_ = (1.0 - r1) * (1.0 + r1)
    a = np.sqrt(as_)
    bs = (h1 - k1) ** 2
    c, d = (4.0 - hk1) / 8.0, (12.0 - hk1) / 16.0
    with np.errstate(under="ignore", over="ignore", divide="ignore", invalid="ignore"):
        e = 1.0 - d * bs / 5.0  # (in both terms below)
        v = a * np.exp(-(bs / as_ + hk1) / 2.0) * (1.0 - c * (bs - as_) * e / 3.0 + c * d * as_ * as_ / 5.0)
        b = np.sqrt(bs)
        tail = np.exp(-hk1 / 2.0) * math.sqrt(2.0 * math.pi) * special.ndtr(-b / a) * b * (1.0 - c * bs * e / 3.0)
        v = v - np.where(hk1 > -160.0, tail, 0.0)
        half = a / 2.0
        far = None
        if len(bs) >= _BVN_FAR_MIN:
            # both exponentials at every node are below exp(-bs / (2 xs_max) + max(-hk, 0)), xs_max the
            # largest node's xs: past exp(-1000) they underflow to 0.0 and so does the point's row
            # (a NaN, where 1 - r**2 rounds to 0 and so does bs, is not far)
            far = bs / (2.0 * (half * _BVN_XH1_BOUND) ** 2) - np.maximum(-hk1, 0.0) > 1000.0
            if not far.any():
                far = None
        if far is None:
            f = _drezner_rows(bs, hk1, c, d, half)
        else:  # the rows of the other points, computed alone (each row on its own: the same numbers)
            near = ~far
            f = np.zeros((len(bs), len(_BVN_XH1)))
            if near.any():
                f[near] = _drezner_rows(bs[near], hk1[near], c[near], d[near], half[near])
    return -(v + half * (f @ _BVN_WH)) / (2.0 * math.pi)  # type: ignore[no-any-return]


#: Points from which :func:`bvn_upper` looks for those whose Drezner-Wesolowsky rows underflow to 0.0.
_BVN_FAR_MIN = 64
#: At least the largest of the 6 nodes' ``x + 1`` (1.932...): a bound on every node's ``xs`` from it.
_BVN_XH1_BOUND = 1.94


def _drezner_rows(bs: _Floats, hk: _Floats, c: _Floats, d: _Floats, half: _Floats) -> _Floats:
    """Return the integrand of Drezner and Wesolowsky's expansion at the 6 nodes, a row per point (see :func:`bvn_upper`).

    ``exp(-bs / (2 xs) - hk / (1 + rs)) / rs - exp(-(bs / xs + hk) / 2) (1 + c xs (1 + d xs))``, in place, with
    ``xs`` the squared nodes scaled by ``half`` and ``rs = sqrt(1 - xs)``; every row depends on its point alone.
    Called in ``errstate`` that ignores underflow and overflow.
    """
    # the nodes depend on r alone: one row when every point shares it (one pair), broadcast
    nodes = half[:1] if (half == half[0]).all() else half
    xs = (nodes[:, None] * _BVN_XH1[None, :]) ** 2
    rs = np.sqrt(1.0 - xs)
    f = np.divide(-bs[:, None], 2.0 * xs)
    f -= hk[:, None] / (1.0 + rs)
    np.exp(f, out=f)
    f /= rs
    g = np.divide(bs[:, None], xs)
    g += hk[:, None]
    np.negative(g, out=g)
    g /= 2.0
    np.exp(g, out=g)
    poly = np.multiply(d[:, None], xs)
    poly += 1.0
    poly *= c[:, None] * xs
    poly += 1.0
    g *= poly
    f -= g
    return f


def _weighted_density(h: _Floats, k: _Floats, h2: _Floats, k2: _Floats, rho: _Floats, w: _Floats) -> _Floats:
    """``w`` times the bivariate normal density at ``(h, k)`` with correlation ``rho`` (``h2 = h * h``, ``k2``)."""
    q = np.maximum(1.0 - rho * rho, 1e-300)
    with np.errstate(under="ignore"):
        dens = np.exp(-(h2 - 2.0 * rho * h * k + k2) / (2.0 * q)) / (2.0 * math.pi * np.sqrt(q))
    return w * dens  # type: ignore[no-any-return]


def _orthant_solve(
    targets: NDArray[np.float64],
    cells_a: list[RankCells | None],
    cells_b: list[RankCells | None],
    start: NDArray[np.float64],
    *,
    slack: float = 0.0,
) -> NDArray[np.float64]:
    """Return the latent r whose exact Spearman correlation is each target, all pairs at once.

    Targets are clamped to the attainable range (``+-R_MAX``) and pulled
    ``slack`` toward 0 (see ``_TARGET_SLACK``).

    A column's rank function is a step function ``m_0 + sum_i J_i 1[Z > c_i]``,
    so the covariance of two columns' ranks is
    ``sum_ij J_i J_j (P(X > c_i, Y > c_j; r) - P(X > c_i) P(Y > c_j))``, with
    derivative ``sum_ij J_i J_j phi2(c_i, c_j; r)`` in r. A continuous column's
    rank Phi(Y) is ``P(W > 0)`` for ``W = (Y - Z') / sqrt(2)`` with independent
    Z': one cut at 0 whose correlation with the other column is ``r / sqrt(2)``.
    Safeguarded Newton steps (bisection when a step leaves the bracket) run for
    every pair together; one pass of bivariate-normal orthants per step.
    """
    hs, ks, js, pid, scale, norm = [], [], [], [], [], []
    for p, (a, b) in enumerate(zip(cells_a, cells_b, strict=True)):
        s = 1.0
        if a is None:
            a, b = b, a
        if b is None:
            cb, jb, s = np.zeros(1), np.ones(1), 1.0 / math.sqrt(2.0)
        else:
            cb, jb = b.cuts, b.midranks[1:] - b.midranks[:-1]  # (np.diff's numbers)
        assert a is not None
        ca, ja = a.cuts, a.midranks[1:] - a.midranks[:-1]
        hs.append(np.repeat(_clip(ca, -30.0, 30.0), len(cb)))
        ks.append(np.tile(_clip(cb, -30.0, 30.0), len(ca)))
        js.append(np.outer(ja, jb).ravel())
        pid.append(np.full(len(ca) * len(cb), p))
        scale.append(s)
        norm.append(1.0 / math.sqrt(_variance(a) * _variance(b)))
    h, k, jj, ids = (np.concatenate(x) for x in (hs, ks, js, pid))
    sc, nm = np.array(scale), np.array(norm)
    base = jj * special.ndtr(-h) * special.ndtr(-k)
    h2, k2 = h * h, k * k  # (the same products every step)
    n = len(targets)

    def spearman(
        r: NDArray[np.float64], which: NDArray[np.bool_], *, value: bool = True
    ) -> tuple[NDArray[np.float64] | None, NDArray[np.float64]]:
        """The Spearman correlations at latent ``r`` (unless not ``value``) and their slopes in r, of pairs ``which``."""
        if which.all():  # (every pair: the points as they are, not copies)
            i, hh, kk, w, b, hh2, kk2 = ids, h, k, jj, base, h2, k2
        else:
            pts = which[ids]
            i, hh, kk, w, b, hh2, kk2 = ids[pts], h[pts], k[pts], jj[pts], base[pts], h2[pts], k2[pts]
        rho = _clip(sc * r, -1.0, 1.0)[i]
        cov = np.bincount(i, w * bvn_upper(hh, kk, rho) - b, minlength=n) if value else None
        slope = np.bincount(i, _in_blocks(_weighted_density, hh, kk, hh2, kk2, rho, w), minlength=n) * sc
        return None if cov is None else cov * nm, slope * nm

    # the attainable end on the target's side; the target is clamped to it and pulled ``slack`` toward 0
    sign = np.where(targets >= 0.0, 1.0, -1.0)
    end = np.bincount(ids, jj * bvn_upper(h, k, sc[ids] * sign[ids] * R_MAX) - base, minlength=n) * nm
    beyond = sign * targets >= sign * end  # a target at or past the attainable end
    targets = sign * np.maximum(np.minimum(sign * targets, np.maximum(sign * end, 0.0)) - slack, 0.0)
    solve = targets != 0.0
    out = np.zeros(n)
    # Newton in theta = arcsin(r): near |r| = 1 the curve goes like sqrt(1 - |r|), which is about linear in theta
    edge = math.asin(R_MAX)
    lo, hi = np.where(sign > 0, 0.0, -edge), np.where(sign > 0, edge, 0.0)  # S(0) = 0: r has the target's sign
    theta = np.arcsin(_clip(start, -R_MAX, R_MAX))
    active = solve.copy()
    if (beyond & solve).any():
        # a target clamped to the end (pulled ``slack`` in) lies within ``slack`` of it, where the curve is
        # mostly about linear in theta: one Newton step back from the end then lands within about slack**2 of
        # the root, nearer than the search below stops (its last step under 1e-4). Kept where the curve there
        # says so (within _END_STEP_TOL of the target). Else the Newton step from there, which the same pass
        # gives, is taken where it is as short as the step the search stops on (under 1e-4, inside the
        # bracket): what the search would end with, without its passes from ``start``. Elsewhere (a curve that
        # flattens at its end, where ties nest: a long or outward step) the search below runs as it would have.
        _, slope = spearman(sign * R_MAX, beyond & solve, value=False)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            back = sign * edge - (end - targets) / (slope * math.cos(edge))
        stepped = beyond & solve & np.isfinite(back) & (lo <= back) & (back <= hi)
        if stepped.any():
            value, at_back = spearman(np.sin(np.where(stepped, back, 0.0)), stepped)
            assert value is not None
            close = stepped & (np.abs(value - targets) < _END_STEP_TOL)
            below = value < targets
            low_end, high_end = np.where(below, back, lo), np.where(below, hi, back)
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                again = back - (value - targets) / (at_back * np.cos(back))
            short = (
                stepped & ~close & np.isfinite(again) & (low_end < again) & (again < high_end)
                & (np.abs(again - back) < _SHORT_STEP)
            )  # fmt: skip
            theta = np.where(close, back, np.where(short, again, theta))
            active &= ~(close | short)
    for _ in range(60):
        if not active.any():
            break
        value, slope = spearman(np.sin(theta), active)
        assert value is not None
        slope = slope * np.cos(theta)
        below = value < targets
        lo = np.where(active & below, theta, lo)
        hi = np.where(active & ~below, theta, hi)
        miss = value - targets
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            step = theta - miss / slope
        hit = np.abs(miss) < 1e-12
        bad = ~np.isfinite(step) | (step <= lo) | (step >= hi)
        new = np.where(hit, theta, np.where(bad, (lo + hi) / 2.0, step))
        # a Newton step this short leaves an error of about its square (S is nearly linear in theta): take it, stop
        done = active & (hit | (~bad & (np.abs(step - theta) < _SHORT_STEP)) | (hi - lo < 1e-10))
        theta = np.where(active, new, theta)
        active &= ~done
    r = np.sin(theta)
    out = np.where(solve, r, out)
    return out


@functools.cache
def _power_grid() -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    grid = np.linspace(-_SERIES_MAX, _SERIES_MAX, 77)  # coarse: Newton steps do the rest
    powers = grid[:, None] ** np.arange(1, _TERMS + 1)[None, :]
    powers[np.abs(powers) < 1e-150] = 0.0  # subnormal numbers make the matrix product 50x slower
    return grid, powers


def nearest_correlation(a: NDArray[np.float64], free: NDArray[np.bool_], *, floor: float = 1e-6) -> NDArray[np.float64]:
    """Return a valid correlation matrix near ``a``, with the ``free`` entries at their max-determinant values.

    Eigenvalues below ``floor`` are raised to it and the result rescaled to a
    unit diagonal (a congruence, so it stays positive definite). Free entries
    (pairs never observed together) are then set to the values that maximise
    the determinant: the columns are as independent as the observed pairs allow.
    """
    y = np.where(free, 0.0, (a + a.T) / 2.0)
    np.fill_diagonal(y, 1.0)
    vals, vecs = _linalg.eigh(y)
    if vals.min() < floor:
        x = (vecs * np.maximum(vals, floor)) @ vecs.T
        s = np.sqrt(np.diag(x))
        y = x / s[:, None] / s[None, :]
        y = np.where(free, 0.0, y)  # zeroing free entries can only be undone by the ascent below
        vals = _linalg.eigvalsh(y)
        if vals.min() < floor / 2:
            y = x / s[:, None] / s[None, :]
    y = max_determinant_completion(y, free)
    y = np.round((y + y.T) / 2.0, 12)
    np.fill_diagonal(y, 1.0)
    return y


def max_determinant_completion(y: NDArray[np.float64], free: NDArray[np.bool_]) -> NDArray[np.float64]:
    """Return the positive definite ``y`` with its ``free`` entries moved to maximise log det (the others kept).

    Damped Newton steps on all free entries at once (:func:`_max_determinant`),
    or one entry at a time when there are too many for Newton's Hessian. The
    one completion step of schemas and fits.
    """
    d = len(free)
    iu, ju = np.nonzero(free & _linalg.above_diagonal(d))
    if len(iu) > _NEWTON_MAX_FREE:
        # Newton on whichever side has fewer unknowns: the free pairs (primal), or the diagonal and kept pairs
        # (the dual, whose number grows with d and the fixed pairs rather than d**2); one entry at a time when
        # both are too many. A step costs about (unknowns)**3 / 3: 891 free pairs against 2,595 dual unknowns
        # (83 columns with gaps where rows are missing) took 0.13 s by the primal and 6.5 s by the dual.
        if _primal_is_smaller(d, len(iu)):
            return _max_determinant(y, iu, ju)
        completed = covariance_selection(y, ~free)
        if completed is not None:
            return completed
        return _max_determinant_by_coordinates(y, iu, ju)
    if len(iu):
        return _max_determinant(y, iu, ju)
    return y


#: Up to this many free pairs the maximum-determinant completion is the primal Newton of :func:`_max_determinant`.
_NEWTON_MAX_FREE = 300
#: ... and up to this many when the dual of :func:`covariance_selection` has more unknowns (its Hessian holds
#: this number squared: 50 MB at 2,500, built a block of rows at a time; a step solves it in about 0.15 s).
_PRIMAL_MAX_FREE = 2_500


def _primal_is_smaller(d: int, n_free: int) -> bool:
    """Whether the primal Newton (an unknown per free pair) takes on ``n_free`` free pairs of ``d`` coordinates:
    at most ``_PRIMAL_MAX_FREE`` of them, and fewer than the dual's unknowns (the diagonal and the kept pairs)."""
    return n_free <= _PRIMAL_MAX_FREE and n_free < d + d * (d - 1) // 2 - n_free


#: Most variables (diagonal plus kept pairs) the dual Newton of :func:`covariance_selection` takes on.
_DUAL_MAX_VARIABLES = 3000


def covariance_selection(
    a: NDArray[np.float64], keep: NDArray[np.bool_], *, floor: float = 0.0, tol: float = 1e-12, max_iter: int = 60
) -> NDArray[np.float64] | None:
    """Return the maximum-determinant completion of ``a``'s ``keep`` entries (and diagonal), or None.

    The dual of the completion (Dempster's covariance selection): the
    completion ``X`` maximising log det is the one whose inverse ``K`` is zero
    on every free entry, so ``K`` is found by damped Newton on the convex
    ``-log det K + tr(K A)`` over matrices supported on the kept entries; at
    its minimum ``K^-1`` equals ``a`` there. Its variables are the diagonal
    and the kept pairs, not the free ones, so a wide schema with a few
    declared pairs costs a few Cholesky factors of ``d x d`` instead of one
    update per free pair. None when there are too many kept entries for its
    Hessian, when the search does not converge (the kept entries have no
    positive definite completion, or are too close to having none), or when
    the completion's smallest eigenvalue is below ``floor``: the caller then
    takes the primal route. See ``docs/explanation/math.md`` §6.
    """
    d = len(a)
    pu, pv = np.nonzero(keep & _linalg.above_diagonal(d))
    vi = np.concatenate([np.arange(d), pu])  # variable k is the entry (vi[k], vj[k]) of K and its mirror
    vj = np.concatenate([np.arange(d), pv])
    m = len(vi)
    if m > _DUAL_MAX_VARIABLES or not np.isfinite(a[vi, vj]).all():
        return None
    s = np.where(vi == vj, 0.5, 1.0)  # K = sum theta_k s_k (e_i e_j^T + e_j e_i^T)
    target = a[vi, vj]
    weight = 2.0 * s  # tr(K A) = sum_k theta_k 2 s_k A_k, so d f / d theta_k = 2 s_k (A - K^-1)_k
    theta = _forest_start(a, pu, pv)

    def dual_matrix(t: NDArray[np.float64]) -> NDArray[np.float64]:
        k = np.zeros((d, d))
        k[vi, vj] = t
        k[vj, vi] = t
        return k

    def objective(t: NDArray[np.float64]) -> tuple[float, NDArray[np.float64] | None]:
        logdet, chol = _logdet_and_factor(dual_matrix(t))
        if chol is None:
            return math.inf, None
        return float(weight @ (t * target)) - logdet, chol

    value, chol = objective(theta) if np.isfinite(theta).all() else (math.inf, None)
    if chol is None:  # the pairs form cycles and the forest's answer is no start: the diagonal one is
        theta = np.where(vi == vj, 1.0 / np.maximum(a[vi, vi], 1e-300), 0.0)
        value, chol = objective(theta)
        if chol is None:  # pragma: no cover - a positive diagonal is positive definite
            return None
    for _ in range(max_iter):
        inv = _linalg.inverse_from_cholesky(chol)
        grad = weight * (target - inv[vi, vj])
        if float(np.abs(grad).max()) < 1e-13:  # (a forest of pairs starts at the answer: no Hessian needed)
            return _with_kept(inv, vi, vj, target) if _above_floor(dual_matrix(theta), floor) else None
        # Hessian of -log det K: tr(K^-1 E_k K^-1 E_l) = 2 s_k s_l (S_ik S_jl + S_il S_jk), S = K^-1
        hess = (
            2.0
            * np.outer(s, s)
            * (inv[np.ix_(vi, vi)] * inv[np.ix_(vj, vj)] + inv[np.ix_(vi, vj)] * inv[np.ix_(vj, vi)])
        )
        _c, step, info = lapack.dposv(hess, -grad, lower=1)
        if info != 0:  # pragma: no cover - a singular Hessian: no reliable Newton step
            return None
        decrement = float(-grad @ step)
        if not decrement >= 0 or not np.isfinite(decrement):  # pragma: no cover
            return None
        if decrement < tol:
            return _with_kept(inv, vi, vj, target) if _above_floor(dual_matrix(theta), floor) else None
        t = 1.0
        while True:
            cand_value, cand_chol = objective(theta + t * step)
            if cand_chol is not None and cand_value <= value - 0.25 * t * decrement:
                break
            t /= 2.0
            if t < 1e-10:
                return None  # no descent: rounding, or an unbounded dual (no positive definite completion)
        theta, value, chol = theta + t * step, cand_value, cand_chol
    return None


def _above_floor(k: NDArray[np.float64], floor: float) -> bool:
    """Whether the smallest eigenvalue of ``k``'s inverse is at least ``floor`` (Gershgorin first, then LAPACK)."""
    if floor <= 0.0 or float(np.abs(k).sum(axis=1).max()) * floor <= 1.0:
        return True
    return float(_linalg.eigvalsh(k)[-1]) * floor <= 1.0


def _with_kept(
    x: NDArray[np.float64], vi: NDArray[np.intp], vj: NDArray[np.intp], target: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Return ``x`` holding the kept entries exactly (they already match to the search's tolerance)."""
    x[vi, vj] = target
    x[vj, vi] = target
    return x


def _forest_start(a: NDArray[np.float64], pu: NDArray[np.intp], pv: NDArray[np.intp]) -> NDArray[np.float64]:
    """Return the dual variables (diagonal, then pairs) of the completion's inverse when the pairs form a forest.

    For a decomposable pattern the inverse of the maximum-determinant
    completion is the sum of its cliques' inverses less its separators'
    (Lauritzen, *Graphical Models*, 1996, §5.3): with pairs as cliques and
    shared columns as separators, each pair adds its 2 x 2 inverse and each
    column subtracts ``(degree - 1) / a_ii``. Exact for a chain or any
    forest of pairs; for pairs with cycles it is only a start, used when
    positive definite.
    """
    d = len(a)
    di, dj, r = a[pu, pu], a[pv, pv], a[pu, pv]
    det = di * dj - r * r
    with np.errstate(divide="ignore", invalid="ignore"):
        pairs = np.bincount(pu, weights=dj / det, minlength=d) + np.bincount(pv, weights=di / det, minlength=d)
        degree = np.bincount(pu, minlength=d) + np.bincount(pv, minlength=d)
        return np.concatenate([pairs - (degree - 1) / np.diag(a), -r / det])


def _max_determinant_by_coordinates(
    y: NDArray[np.float64], iu: NDArray[np.intp], ju: NDArray[np.intp], *, sweeps: int = 50
) -> NDArray[np.float64]:
    """Return ``y`` with entries ``(iu, ju)`` moved toward the maximum of log det, one entry at a time.

    Each entry is set to the value that maximises the determinant given the
    others (closed form: it zeroes that entry of the inverse), and the inverse
    follows by a rank-two Woodbury update. Used when there are too many free
    entries for Newton's Hessian; sweeps stop once no entry moves by 1e-4.
    """
    y = y.copy()
    inv = _linalg.inverse(y)
    pairs = list(zip(iu.tolist(), ju.tolist(), strict=True))
    for _ in range(sweeps):
        moved = 0.0
        for i, j in pairs:
            b_ij, b_ii, b_jj = inv[i, j], inv[i, i], inv[j, j]
            t = b_ij / (b_ii * b_jj - b_ij * b_ij)
            if abs(t) < 1e-13:
                continue
            y[i, j] += t
            y[j, i] = y[i, j]
            # Woodbury: (Y + U C U^T)^-1 with U = [e_i e_j], C = [[0, t], [t, 0]]
            bu = inv[:, [i, j]]
            m00, m01, m11 = bu[i, 0], bu[i, 1] + 1.0 / t, bu[j, 1]
            m10 = bu[j, 0] + 1.0 / t
            det = m00 * m11 - m01 * m10
            inv = inv - (bu @ np.array([[m11, -m01], [-m10, m00]]) / det) @ bu.T
            moved = max(moved, abs(t))
        if moved < 1e-4:
            break
    return y


#: Entries of the Hessian :func:`_max_determinant` builds at once (8 MB a table of them); more go a block of rows
#: at a time.
_HESSIAN_BLOCK = 2**20


def _hessian_positions(
    iu: NDArray[np.intp], ju: NDArray[np.intp], d: int, rows: slice
) -> tuple[NDArray[np.intp], NDArray[np.intp], NDArray[np.intp], NDArray[np.intp]]:
    """The flat positions of ``B_ik, B_jl, B_il, B_jk`` for the free pairs ``rows`` against every free pair."""
    i, j = iu[rows, None] * d, ju[rows, None] * d
    return i + iu[None, :], j + ju[None, :], i + ju[None, :], j + iu[None, :]


def _max_determinant(
    y: NDArray[np.float64], iu: NDArray[np.intp], ju: NDArray[np.intp], *, tol: float = 1e-9
) -> NDArray[np.float64]:
    """Return ``y`` (positive definite) with entries ``(iu, ju)`` moved to maximise log det, by damped Newton.

    log det is concave in the free entries, with gradient ``2 B_ij`` and
    Hessian ``-2 (B_ik B_jl + B_il B_jk)`` where ``B`` is the inverse. Each
    Newton step is scaled by a line search that keeps ``y`` positive definite
    and the determinant rising; far from the top (a near-singular start, where
    a Newton step only doubles the smallest eigenvalue) it also tries longer
    steps. Stops when the predicted rise of log det is below ``tol``.
    """
    y = y.copy()
    if not len(iu):
        return y
    # the entries read and moved, as positions in the flattened (C-ordered) matrices: one take or put each,
    # the same numbers as indexing by rows and columns
    d = len(y)
    at, mirror = iu * d + ju, ju * d + iu
    # the Hessian's rows a block at a time (a block's positions, kept when one block holds every row): its
    # memory stays the Hessian's own plus a block whatever the number of free pairs
    f = len(iu)
    block = max(1, _HESSIAN_BLOCK // f)
    blocks = [slice(start, min(f, start + block)) for start in range(0, f, block)]
    kept = _hessian_positions(iu, ju, d, blocks[0]) if len(blocks) == 1 else None
    logdet_at = _logdet_and_factor  # (LAPACK through _linalg: one thread, none of numpy.linalg's checks)

    def moved(t: float, step: NDArray[np.float64]) -> NDArray[np.float64]:
        cand = y.copy()
        flat = cand.reshape(-1)  # (a view: the copy is C-ordered)
        flat[at] += t * step
        flat[mirror] = flat[at]
        return cand

    logdet, chol = logdet_at(y)
    if chol is None:  # pragma: no cover - callers raise the eigenvalues first
        raise np.linalg.LinAlgError("the start of the maximum-determinant search is not positive definite")
    for _ in range(100):
        assert chol is not None  # (every accepted step has a factor)
        b = _linalg.inverse_from_cholesky(chol).reshape(
            -1
        )  # (not dpotri: OpenBLAS runs it on every thread, see _linalg)
        grad = 2.0 * b[at]
        hess = np.empty((f, f), order="F")  # -Hessian (positive), in LAPACK's order: solved in place, not copied
        for rows in blocks:
            ii, jj, ij, ji = kept if kept is not None else _hessian_positions(iu, ju, d, rows)
            hess[rows] = 2.0 * (b[ii] * b[jj] + b[ij] * b[ji])  # (each entry the same products as at once)
            del ii, jj, ij, ji
        _c, step, info = lapack.dposv(hess, grad, lower=1, overwrite_a=1)
        del hess, _c
        if info != 0:  # pragma: no cover - a singular Hessian: climb the gradient instead
            step = grad
        rise = float(grad @ step)
        if not rise > 0:  # pragma: no cover - rounding made Newton's step no ascent: climb the gradient
            step, rise = grad, float(grad @ grad)
        if rise < tol:
            break
        t, cand = 1.0, moved(1.0, step)
        best, best_chol = logdet_at(cand)
        if best >= logdet + 0.5 * rise:  # a full step did well: far from the top, longer ones may do better
            while t < 64.0:
                cand_l = moved(2.0 * t, step)
                longer, longer_chol = logdet_at(cand_l)
                if not longer > best:
                    break
                t, best, best_chol, cand = 2.0 * t, longer, longer_chol, cand_l
        else:
            while not best >= logdet + 1e-4 * t * rise and t > 1e-10:
                t /= 2.0
                cand = moved(t, step)
                best, best_chol = logdet_at(cand)
            if not best > logdet:
                break  # no step improves on y: it is the maximum to working precision
        y, logdet, chol = cand, best, best_chol
    return y
