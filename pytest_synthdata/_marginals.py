"""Per-column marginals: maps from a latent standard-normal score to a value.

Every modelled column turns one coordinate ``z ~ N(0, 1)`` of the Gaussian
copula into a value through its inverse CDF. Working from ``z`` rather than
``u = Phi(z)`` keeps the common cases exact and fast: a normal column is
``mean + std * z``, a categorical column is a ``searchsorted`` of ``z`` against
latent cut points, and nothing loses precision in the tails.

Discrete marginals also describe their *rank cells* (latent cut points and the
mid-rank of each cell) so the copula can calibrate latent correlations that
reproduce a declared Spearman correlation despite ties. The math, with
references: ``docs/explanation/math.md`` §1.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import special

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = [
    "Continuous",
    "Discrete",
    "RankCells",
    "poisson_table",
    "grid_quantiles",
    "rank_cells_from_grid",
    "rank_cells_from_probs",
    "rank_cells_of_grid_values",
    "tabulate_grid",
]

#: Integer marginals with at most this many values in their bulk are tabulated
#: exactly (so their probabilities and tie structure are exact).
MAX_TABULATED = 2048

_TINY = 1e-300
_NDTR_MINUS_6 = float(special.ndtr(-6.0))


@dataclass(frozen=True)
class RankCells:
    """Latent cut points ``cuts`` (ascending) and the mid-rank of each of the ``len(cuts)+1`` cells."""

    cuts: NDArray[np.float64]
    midranks: NDArray[np.float64]
    probs: NDArray[np.float64]


class Continuous:
    """A continuous distribution, optionally truncated to ``[low, high]``.

    ``dist`` is one of ``normal`` (loc, scale), ``lognormal`` (mu, sigma of the
    log), ``uniform`` (low, high), ``exponential`` (loc, scale) or ``quantiles``
    (probs, values: piecewise-linear inverse CDF).
    """

    def __init__(
        self,
        dist: str,
        params: dict[str, Any],
        *,
        low: float | None = None,
        high: float | None = None,
    ) -> None:
        self.dist = dist
        self.params = params
        if dist == "quantiles":  # (arrays once: np.interp would convert lists on every call)
            self._knot_probs = np.asarray(params["probs"], dtype=np.float64)
            self._knot_values = np.asarray(params["values"], dtype=np.float64)
        self.low = -math.inf if low is None else float(low)
        self.high = math.inf if high is None else float(high)
        ends = (-math.inf, math.inf)
        if dist == "quantiles":  # outside the knots the CDF is 0 or 1 (what np.interp gives there, quickly)
            values = params["values"]
            ends = (float(values[0]), float(values[-1]))
        if low is None or self.low < ends[0]:
            self._f_low = 0.0
        else:
            self._f_low = self._cdf_below(self.low)
        if high is None or self.high > ends[1]:
            self._f_high = 1.0
        else:
            self._f_high = float(self.cdf(np.array([self.high]))[0])
        if low is None:
            self._s_low = 1.0
        elif dist == "quantiles":
            self._s_low = 1.0 - self._f_low
        else:
            self._s_low = float(self.sf(np.array([self.low]))[0])
        if high is None:
            self._s_high = 0.0
        elif dist == "quantiles":  # its survival function is 1 - CDF
            self._s_high = 1.0 - self._f_high
        else:
            self._s_high = float(self.sf(np.array([self.high]))[0])

    def _cdf_below(self, x: float) -> float:
        """Return P(X < x): the bounds are inclusive, so an atom at the lower bound stays in."""
        if self.dist == "quantiles":
            values = np.asarray(self.params["values"], dtype=np.float64)
            at = int(np.searchsorted(values, x, side="left"))
            if at < len(values) and values[at] == x:
                return float(np.asarray(self.params["probs"], dtype=np.float64)[at])
        return float(self.cdf(np.array([x]))[0])

    @property
    def mass(self) -> float:
        """Probability mass of the untruncated distribution inside ``[low, high]``."""
        if self._f_low > 0.5:  # an upper-tail window: survival values keep the digits
            return self._s_low - self._s_high
        return self._f_high - self._f_low

    def sf(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        """Return the untruncated survival function ``1 - CDF`` at ``x``, accurate in the upper tail."""
        with np.errstate(over="ignore"):  # a tiny (even subnormal) scale sends far points to +-inf: 0 or 1
            return self._sf(x)

    def _sf(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        p = self.params
        if self.dist == "normal":
            return special.ndtr(-(x - p["loc"]) / p["scale"])
        if self.dist == "lognormal":
            with np.errstate(divide="ignore", invalid="ignore"):
                lx = np.log(np.where(x > 0, x, np.nan))
            return np.where(x > 0, special.ndtr(-(lx - p["mu"]) / p["sigma"]), 1.0)
        if self.dist == "exponential":
            t = (x - p["loc"]) / p["scale"]
            return np.where(t > 0, np.exp(-np.maximum(t, 0.0)), 1.0)
        return 1.0 - self.cdf(x)

    def _isf(self, r: NDArray[np.float64]) -> NDArray[np.float64]:
        """Return the value whose survival probability is ``r`` (for ``r <= 0.5``)."""
        p = self.params
        if self.dist == "normal":
            return p["loc"] - p["scale"] * special.ndtri(r)
        if self.dist == "lognormal":
            return np.exp(p["mu"] - p["sigma"] * special.ndtri(r))
        if self.dist == "exponential":
            return p["loc"] - p["scale"] * np.log(r)
        if self.dist == "uniform":
            return p["high"] - (p["high"] - p["low"]) * r
        return self._ppf(1.0 - r)

    def cdf(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        """Return the untruncated CDF at ``x``."""
        with np.errstate(over="ignore"):  # a tiny (even subnormal) scale or width sends far points to +-inf
            return self._cdf(x)

    def _cdf(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        p = self.params
        if self.dist == "normal":
            return special.ndtr((x - p["loc"]) / p["scale"])
        if self.dist == "lognormal":
            with np.errstate(divide="ignore", invalid="ignore"):
                lx = np.log(np.where(x > 0, x, np.nan))
            out = special.ndtr((lx - p["mu"]) / p["sigma"])
            return np.where(x > 0, out, 0.0)
        if self.dist == "uniform":
            lo, hi = p["low"], p["high"]
            return np.clip((x - lo) / (hi - lo), 0.0, 1.0)
        if self.dist == "exponential":
            t = (x - p["loc"]) / p["scale"]
            return np.where(t > 0, -np.expm1(-np.maximum(t, 0.0)), 0.0)
        if self.dist == "quantiles":
            probs, values = p["probs"], p["values"]
            return np.interp(x, values, probs, left=0.0, right=1.0)
        raise AssertionError(self.dist)  # pragma: no cover - validated by the schema

    def ppf_latent(self, z: NDArray[np.float64]) -> NDArray[np.float64]:
        """Return values for latent scores ``z`` (the inverse CDF of ``Phi(z)``)."""
        p = self.params
        truncated = self._f_low > 0.0 or self._f_high < 1.0
        if not truncated and self.dist == "normal":
            return p["loc"] + p["scale"] * z
        if not truncated and self.dist == "lognormal":
            return np.exp(p["mu"] + p["sigma"] * z)
        grid = z is _grid_scores()  # (every column's tie structure reads the same grid: its tails are known)
        if not truncated and self.dist == "quantiles":
            # what the general path below gives, bit for bit, with one ndtr and one interpolation: the
            # nearer tail's probability ndtr(-|z|), taken as 1 - it above the median
            if grid:
                q = _grid_nearer_tail().copy()
            else:
                q = np.abs(z)
                np.negative(q, out=q)
                special.ndtr(q, out=q)
                # (three whole passes cost less than a masked subtraction, whose runs of signs are short)
                q = np.where(z > 0.0, np.subtract(1.0, q), q)
            np.maximum(q, _TINY, out=q)
            guide = self._knot_guide if len(q) >= _GUIDED_INTERP else None
            if guide is None or np.isnan(np.sum(q)):  # (a sum is NaN where a value is: one pass, no mask)
                return np.interp(q, self._knot_probs, self._knot_values)
            return guide.interp(q)
        # Work from whichever tail is nearer: CDF coordinates below the median,
        # survival coordinates above it, so neither tail is rounded to 1.0.
        q, r = _grid_tails() if grid else (special.ndtr(z), special.ndtr(-z))
        if truncated:
            mass = self.mass
            q = self._f_low + mass * q
            r = self._s_high + mass * r
        lower = q <= 0.5
        x = np.empty_like(q)
        x[lower] = self._ppf(np.maximum(q[lower], _TINY))
        x[~lower] = self._isf(np.maximum(r[~lower], _TINY))
        if truncated:
            np.minimum(np.maximum(x, self.low, out=x), self.high, out=x)
        return x

    @functools.cached_property
    def _knot_guide(self) -> _KnotGuide | None:
        """The guide table of the quantile knots (built when first sampled; None when it would not pay)."""
        return _KnotGuide.build(self._knot_probs, self._knot_values)

    def _ppf(self, u: NDArray[np.float64]) -> NDArray[np.float64]:
        p = self.params
        if self.dist == "normal":
            return p["loc"] + p["scale"] * special.ndtri(u)
        if self.dist == "lognormal":
            return np.exp(p["mu"] + p["sigma"] * special.ndtri(u))
        if self.dist == "uniform":
            return p["low"] + (p["high"] - p["low"]) * u
        if self.dist == "exponential":
            return p["loc"] - p["scale"] * np.log1p(-u)
        if self.dist == "quantiles":
            return np.interp(u, p["probs"], p["values"])
        raise AssertionError(self.dist)  # pragma: no cover

    def support(self) -> tuple[float, float]:
        """Return the 1e-9 and 1-1e-9 quantiles (the bulk of the distribution)."""
        if self.dist == "quantiles" and not (self._f_low > 0.0 or self._f_high < 1.0):
            # ppf_latent at -6 and 6 without its general machinery: the same two interpolations
            tail = max(_NDTR_MINUS_6, _TINY)
            lo, hi = np.interp((tail, 1.0 - tail), self.params["probs"], self.params["values"])
            return float(lo), float(hi)
        lo, hi = self.ppf_latent(np.array([-6.0, 6.0]))
        return float(lo), float(hi)


#: From this many probabilities on, quantile knots are found through a guide table rather than np.interp's search.
_GUIDED_INTERP = 512


@dataclass(frozen=True)
class _KnotGuide:
    """np.interp through quantile knots ``xp`` (0 to 1, ascending) and ``fp``, with the knot found by a guide table.

    np.interp bisects the knots for every probability, and its branches are
    unpredictable for random input (about 50 ns a value at 240 knots). Here
    ``start[cell]`` is the last knot at or below the left edge of each of
    ``cells`` equal cells of [0, 1] (a power of two: ``q * cells`` is exact),
    and at most ``steps`` comparisons move it to the last knot at or below
    ``q``: the one np.interp picks. The value is then np.interp's own
    arithmetic, ``slope[j] * (q - xp[j]) + fp[j]`` with the same slope, and
    ``fp[j]`` where ``q`` is a knot, so the bits are np.interp's.
    """

    cells: int
    start: NDArray[np.intp]
    padded: NDArray[np.float64]
    steps: int
    fp: NDArray[np.float64]
    slopes: NDArray[np.float64]

    @classmethod
    def build(cls, xp: NDArray[np.float64], fp: NDArray[np.float64]) -> _KnotGuide | None:
        """Return the guide of knots ``xp`` -> ``fp``, or None unless they span [0, 1] with few knots to a cell."""
        if len(xp) < 2 or xp[0] != 0.0 or xp[-1] != 1.0:
            return None  # (every probability then lies between the knots: no left or right values)
        cells = 1 << max((4 * len(xp) - 1).bit_length(), 4)
        edges = np.arange(cells + 1, dtype=np.float64) / cells  # (exact)
        last = np.searchsorted(xp, edges, side="right") - 1  # the last knot at or below each edge
        steps = int((last[1:] - last[:-1]).max())
        if steps > 3:
            return None
        with np.errstate(divide="ignore", invalid="ignore"):  # (repeated knots: never picked, a knot above is)
            slopes = (fp[1:] - fp[:-1]) / (xp[1:] - xp[:-1])  # np.interp's slopes, the same expression
        return cls(cells, last[:-1].astype(np.intp), np.append(xp, np.inf), steps, fp, np.append(slopes, 0.0))

    def interp(self, q: NDArray[np.float64]) -> NDArray[np.float64]:
        """Return ``np.interp(q, xp, fp)`` for probabilities ``q`` in [0, 1] (no NaN)."""
        # the cell of each probability (q = 1 lands on the extra cell, which starts where the last one does), then
        # the last knot at or below it: gathers by take, cheaper than fancy indexing
        cell = q * self.cells
        j = self.starts.take(cell.astype(np.intp))
        for _ in range(self.steps):
            j += self.following.take(j) <= q
        knot = self.padded.take(j)
        out = q - knot
        out *= self.slopes.take(j)
        out += self.fp.take(j)
        exact = knot == q  # (np.interp returns the knot's value there, not a product with a zero)
        if exact.any():
            out[exact] = self.fp[j[exact]]
        return out

    @functools.cached_property
    def starts(self) -> NDArray[np.intp]:
        """:attr:`start` and one more cell for q = 1 (as the last cell starts)."""
        return np.append(self.start, self.start[-1])

    @functools.cached_property
    def following(self) -> NDArray[np.float64]:
        """The knot after each knot (``padded[j + 1]`` without the sum)."""
        return np.append(self.padded[1:], np.inf)


#: Tables with at most this many cuts are coded by comparing each score with each cut.
_COMPARED_CUTS = 4
#: Below this many scores, one binary-search call costs less than the several passes of the others.
_FEW_SCORES = 1024


@dataclass(frozen=True)
class _Guide:
    """A guide table over latent scores: ``start[cell]`` cuts lie below a cell, ``steps`` more may lie in it."""

    low: float
    scale: float
    cells: int
    start: NDArray[np.intp]
    padded: NDArray[np.float64]
    steps: int


class Discrete:
    """A finite table of outcomes with probabilities; ``codes_latent`` returns indices.

    Outcome ``i`` is produced for latent scores between cut ``i-1`` and cut ``i``,
    so a higher latent score gives a later outcome (this is what carries the
    sign of a correlation for categories and booleans).
    """

    def __init__(self, probs: NDArray[np.float64]) -> None:
        probs = np.asarray(probs, dtype=np.float64)
        self.probs = probs / probs.sum()

    @functools.cached_property
    def cuts(self) -> NDArray[np.float64]:
        """Latent cut points between outcomes (computed when first sampled: fits build many tables)."""
        cum = self.probs.cumsum()[:-1]
        return special.ndtri(np.minimum(np.maximum(cum, 0.0), 1.0))  # ndtri(0) is -inf, quietly

    def codes_latent(self, z: NDArray[np.float64]) -> NDArray[np.intp]:
        """Return the outcome index for each latent score: the number of cuts at or below it.

        A few cuts are compared one by one; many go through a guide table (a
        uniform grid over the scores that says where each cell's count
        starts, corrected by one or two comparisons: Chen and Asau's method),
        so no value takes a binary search; under ``_FEW_SCORES`` scores one
        binary-search call is cheaper than their passes. All give the same codes.
        """
        cuts = self.cuts
        if len(z) < _FEW_SCORES:  # a handful of rows: one call costs less than the passes below
            return np.searchsorted(cuts, z, side="right")
        if len(cuts) <= _COMPARED_CUTS:
            out = np.zeros(len(z), dtype=np.intp)
            for c in cuts:
                out += z >= c
            return out
        guide = self._guide
        if guide is None:
            return np.searchsorted(cuts, z, side="right")
        cell = z - guide.low
        cell *= guide.scale
        np.clip(cell, 0.0, guide.cells - 1, out=cell)
        idx = guide.start.take(np.asarray(cell, dtype=np.intp))  # (take: cheaper than fancy indexing)
        for _ in range(guide.steps):
            idx += guide.padded.take(idx) <= z
        return idx

    @functools.cached_property
    def _guide(self) -> _Guide | None:
        """The guide table of the cuts, with the fewest cells that need at most two corrections (None: too many)."""
        cuts = self.cuts
        finite = cuts[np.isfinite(cuts)]
        low = min(-8.5, float(finite.min(initial=0.0))) - 1.0
        high = max(8.5, float(finite.max(initial=0.0))) + 1.0
        for cells in (256, 1024, 4096, 16384, 65536):
            width = (high - low) / cells
            edges = low + width * np.arange(cells + 1)
            # a cell's count starts below its left edge and may end above its right one by rounding: widen both
            start = np.searchsorted(cuts, edges[:-1] - width / 4, side="right")
            end = np.searchsorted(cuts, edges[1:] + width / 4, side="right")
            steps = int((end - start).max())
            if steps <= 2:
                padded = np.append(cuts, np.nan)  # (NaN <= z is False: a count never passes the last cut)
                return _Guide(low, cells / (high - low), cells, start.astype(np.intp), padded, steps)
        return None

    def rank_cells(self) -> RankCells | None:
        """Return latent cuts and mid-ranks used for Spearman calibration (computed once)."""
        if not hasattr(self, "_cells"):
            self._cells = rank_cells_from_probs(self.probs)
        return self._cells


def tabulate_grid(marginal: Continuous, step: float) -> tuple[NDArray[np.float64], NDArray[np.float64]] | None:
    """Return (values, probs) of ``X`` rounded to multiples of ``step`` when few enough, else None.

    The caller truncates ``X`` to ``[low - step/2, high + step/2]``, so each grid
    value ``v`` inside the bounds gets the mass of ``[v - step/2, v + step/2)``.
    """
    lo, hi = marginal.support()
    lo = max(lo, marginal.low)
    hi = min(hi, marginal.high)
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return None
    k_lo, k_hi = math.floor(lo / step + 0.5), math.ceil(hi / step - 0.5)
    if k_hi - k_lo + 1 > MAX_TABULATED:
        return None
    ks = np.arange(k_lo, max(k_lo, k_hi) + 2, dtype=np.float64)  # (one more: the last cell's upper edge)
    edges = (ks - 0.5) * step
    ks = ks[:-1]
    if marginal.dist == "quantiles" and marginal._f_low == 0.0 and marginal.mass == 1.0:
        # untruncated fitted knots: their CDF as ``marginal.cdf`` interpolates it, without its dispatch
        cdf = np.interp(edges, marginal._knot_values, marginal._knot_probs, left=0.0, right=1.0)
    elif marginal._f_low == 0.0 and marginal.mass == 1.0:  # untruncated: the CDF as it is
        cdf = marginal.cdf(edges)
    else:
        cdf = np.minimum(np.maximum((marginal.cdf(edges) - marginal._f_low) / marginal.mass, 0.0), 1.0)
    cdf[0], cdf[-1] = 0.0, 1.0
    probs = cdf[1:] - cdf[:-1]
    keep = probs > 0
    if keep.all():  # (the common case: every grid value holds some probability)
        return ks * step, probs
    if not keep.any():
        return None
    return ks[keep] * step, probs[keep]


#: Ties holding at least this much probability are modelled exactly in the
#: Spearman calibration; smaller ones change a rank correlation by < 1e-4.
ATOM_MIN_PROB = 1.0 / 256
#: Tables with at most this many outcomes are calibrated cell by cell.
MAX_EXACT_CELLS = 64
#: Continuous stretches are approximated by rank steps of at most this width.
GAP_PIECE = 1.0 / 64
_GRID = 4096
#: The fewest grid points in a row on one value that make a tie (``ATOM_MIN_PROB`` of the grid).
_TIE_RUN = math.ceil(ATOM_MIN_PROB * _GRID)


def _cells(lo: NDArray[np.float64], hi: NDArray[np.float64], tie: NDArray[np.bool_] | None) -> RankCells | None:
    """Return rank cells for a partition of [0, 1] into intervals ``[lo, hi)``, ties marked by ``tie``.

    A tie is one cell; a continuous stretch is cut into pieces of at most ``GAP_PIECE``. ``tie`` None: every
    interval is a tie (a table).
    """
    if tie is None or tie.all():  # a table: one cell per outcome
        edges = np.empty(len(lo) + 1)
        edges[0] = 0.0
        np.subtract(hi, lo, out=edges[1:])
        edges[1:] += lo  # (``lo + (hi - lo)``: addition commutes, the same bits)
    elif not tie.any():
        return None
    else:
        span = hi - lo
        pieces = np.ceil(span / GAP_PIECE)
        np.maximum(pieces, 1.0, out=pieces)
        pieces[tie] = 1.0
        pieces = pieces.astype(np.int64)
        which = np.arange(len(lo)).repeat(pieces)  # (array methods: np.repeat's results without its dispatch)
        step = np.arange(len(which)) - (pieces.cumsum() - pieces)[which] + 1
        # each piece's upper edge ``lo + span * step / pieces`` of its interval, in that order (the same bits),
        # after the first edge, 0.0
        edges = np.empty(len(which) + 1)
        edges[0] = 0.0
        upper = span[which]
        upper *= step
        upper /= pieces[which]
        np.add(lo[which], upper, out=edges[1:])
    edges[-1] = 1.0
    probs = edges[1:] - edges[:-1]
    keep = probs > 0
    if keep.all():  # (the common case: every cell holds some probability, and its width is ``probs``)
        lower, upper = edges[:-1], edges[1:]
    else:
        lower, upper = edges[:-1][keep], edges[1:][keep]
        probs = upper - lower
    cuts = special.ndtri(upper[:-1])  # strictly inside (0, 1): finite
    return RankCells(cuts=cuts, midranks=(lower + upper) / 2.0, probs=probs)


def _merge_runs(
    lower: NDArray[np.float64], upper: NDArray[np.float64], tie: NDArray[np.bool_]
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.bool_]]:
    """Join consecutive non-tie intervals into one continuous stretch."""
    starts = np.empty(len(tie), dtype=bool)
    starts[:1] = True
    np.logical_or(tie[1:], tie[:-1], out=starts[1:])
    first = starts.nonzero()[0]
    last = np.empty_like(first)  # (the run before each next one's start; the last runs to the end)
    np.subtract(first[1:], 1, out=last[:-1])
    last[-1:] = len(tie) - 1
    return lower[first], upper[last], tie[first]


def rank_cells_from_probs(probs: NDArray[np.float64]) -> RankCells | None:
    """Return rank cells for a table of outcome probabilities (in latent order)."""
    probs = np.asarray(probs)
    upper = probs.cumsum()
    upper[-1] = 1.0
    lower = np.empty(len(upper))
    lower[:1] = 0.0
    lower[1:] = upper[:-1]
    if len(probs) <= MAX_EXACT_CELLS:
        return _cells(lower, upper, None)
    return _cells(*_merge_runs(lower, upper, probs >= ATOM_MIN_PROB))


def rank_cells_from_grid(values_of: Callable[[NDArray[np.float64]], NDArray[Any]]) -> RankCells | None:
    """Return rank cells found by evaluating a column on a fine grid of latent scores.

    Runs of equal values covering at least ``ATOM_MIN_PROB`` of the grid are
    ties (their probability is known to within 1/4096); the rest is treated as
    continuous.
    """
    return rank_cells_of_grid_values(np.asarray(values_of(_grid_scores())))  # (a column never writes to its input)


def rank_cells_of_grid_values(values: NDArray[Any]) -> RankCells | None:
    """:func:`rank_cells_from_grid` of a column's values at the grid's latent scores, in order."""
    if values.dtype.kind in "iuf" and len(values) >= _TIE_RUN:
        # sorted values (a numeric column's, monotone in its score) hold a tie exactly where a value equals the
        # one ``_TIE_RUN - 1`` places on: where none does, no tie, no cells (what the runs below find, in two passes)
        ahead = values[_TIE_RUN - 1 :]
        if not (ahead == values[: len(ahead)]).any() and bool((values[1:] >= values[:-1]).all()):
            return None
    change = np.flatnonzero(values[1:] != values[:-1]) + 1
    starts = np.concatenate([[0], change])
    ends = np.concatenate([change, [_GRID]])
    tie = ends - starts >= _TIE_RUN
    return _cells(*_merge_runs(starts / _GRID, ends / _GRID, tie))


def grid_without_ties(marginal: Continuous, resolution: float, bounds: tuple[float, float]) -> bool:
    """Whether :func:`grid_quantiles` of ``marginal``, snapped to steps of ``resolution`` and clipped to
    ``bounds``, is sure to hold no tie (:func:`rank_cells_of_grid_values` then gives None), without evaluating it.

    The quantile function rises at least its knots' least slope times the probability between grid points, and
    a tie needs ``_TIE_RUN`` grid points on one value: where that many points always rise by
    more than one step (with a margin far above rounding), no two of them snap to one value; the bounds hold
    the knots, so clipping moves fewer points than that. False whenever this cannot be shown (a plateau, a
    truncated or other marginal): the caller then evaluates the grid.
    """
    if marginal.dist != "quantiles" or marginal._f_low > 0.0 or marginal._f_high < 1.0:
        return False
    probs, values = marginal._knot_probs, marginal._knot_values
    if len(values) < 2 or not (bounds[0] <= values[0] and values[-1] <= bounds[1]):
        return False
    dp, dv = probs[1:] - probs[:-1], values[1:] - values[:-1]
    span = dp > 0.0
    if not span.any() or not bool((dv[span] > 0.0).all()):
        return False
    # (0.999: the grid's spacing is 1/_GRID to within 1e-15)
    rise = float((dv[span] / dp[span]).min()) * (_TIE_RUN - 1) / _GRID * 0.999
    return rise > resolution + 64.0 * float(np.spacing(np.abs(values).max()))


def grid_quantiles(marginal: Continuous) -> NDArray[np.float64] | None:
    """``marginal.ppf_latent`` at the grid's latent scores (:func:`rank_cells_from_grid`) by one ``np.interp``.

    For untruncated quantile knots: the values ppf_latent gives there, bit for bit (its guide table
    reproduces np.interp), without building the guide that only a sample of many rows pays for.
    None for other marginals.
    """
    if marginal.dist != "quantiles" or marginal._f_low > 0.0 or marginal._f_high < 1.0:
        return None
    q = _grid_nearer_tail().copy()
    np.maximum(q, _TINY, out=q)
    out: NDArray[np.float64] = np.interp(q, marginal._knot_probs, marginal._knot_values)
    return out


@functools.cache
def _grid_scores() -> NDArray[np.float64]:
    scores = special.ndtri((np.arange(_GRID) + 0.5) / _GRID)
    scores.flags.writeable = False
    return scores


@functools.cache
def _grid_tails() -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """``ndtr`` of the grid scores and of their negatives (read-only): what every column's tie structure needs."""
    z = _grid_scores()
    q, r = special.ndtr(z), special.ndtr(-z)
    q.flags.writeable = r.flags.writeable = False
    return q, r


@functools.cache
def _grid_nearer_tail() -> NDArray[np.float64]:
    """The grid scores' nearer-tail probabilities as :meth:`Continuous.ppf_latent` finds them (read-only)."""
    z = _grid_scores()
    q = np.abs(z)
    np.negative(q, out=q)
    special.ndtr(q, out=q)
    np.subtract(1.0, q, out=q, where=z > 0.0)
    q.flags.writeable = False
    return q


def poisson_table(lam: float, low: float, high: float) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Return (values, probs) of a Poisson(lam) truncated to ``[low, high]`` (possibly empty)."""
    k_lo = 0 if not math.isfinite(low) else max(0, math.ceil(low))
    k_bulk = int(special.pdtrik(1.0 - 1e-12, lam)) + 2
    # beyond the bulk the pmf falls faster than geometrically; 60 + 10 sqrt(lam) terms suffice
    k_end = max(k_bulk, k_lo + 60 + int(10 * math.sqrt(lam)))
    k_hi = k_end if not math.isfinite(high) else min(k_end, math.floor(high))
    if k_hi < k_lo:
        return np.empty(0, dtype=np.int64), np.empty(0)
    values = np.arange(k_lo, k_hi + 1, dtype=np.int64)
    logp = values * math.log(lam) - lam - special.gammaln(values + 1.0)
    probs = np.exp(logp - np.max(logp))
    return values, probs / probs.sum()
