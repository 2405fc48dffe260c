"""Per-column marginals: maps from a latent standard-normal score to a value.

Every modelled column turns one coordinate ``z ~ N(0, 1)`` of the Gaussian
copula into a value through its inverse CDF. Working from ``z`` rather than
``u = Phi(z)`` keeps the common cases exact and fast: a normal column is
``mean + std * z``, a categorical column is a ``searchsorted`` of ``z`` against
latent cut points, and nothing loses precision in the tails.

Discrete marginals also describe their *rank cells* (latent cut points and the
mid-rank of each cell) so the copula can calibrate latent correlations that
reproduce a declared Spearman correlation despite ties.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import special

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = ["Continuous", "Discrete", "RankCells"]

#: Integer marginals with at most this many values in their bulk are tabulated
#: exactly (so their probabilities and tie structure are exact).
MAX_TABULATED = 2048

_U_EPS = 1e-15


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
        self.low = -math.inf if low is None else float(low)
        self.high = math.inf if high is None else float(high)
        self._f_low = float(self.cdf(np.array([self.low]))[0]) if low is not None else 0.0
        self._f_high = float(self.cdf(np.array([self.high]))[0]) if high is not None else 1.0

    @property
    def mass(self) -> float:
        """Probability mass of the untruncated distribution inside ``[low, high]``."""
        return self._f_high - self._f_low

    def cdf(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        """Return the untruncated CDF at ``x``."""
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
        u = special.ndtr(z)
        if truncated:
            u = self._f_low + (self._f_high - self._f_low) * u
        u = np.clip(u, _U_EPS, 1.0 - _U_EPS)
        x = self._ppf(u)
        if truncated:
            np.clip(x, self.low, self.high, out=x)
        return x

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
        z = np.array([-6.0, 6.0])
        lo, hi = self.ppf_latent(z)
        return float(lo), float(hi)


class Discrete:
    """A finite table of outcomes with probabilities; ``codes_latent`` returns indices.

    Outcome ``i`` is produced for latent scores between cut ``i-1`` and cut ``i``,
    so a higher latent score gives a later outcome (this is what carries the
    sign of a correlation for categories and booleans).
    """

    def __init__(self, probs: NDArray[np.float64]) -> None:
        probs = np.asarray(probs, dtype=np.float64)
        self.probs = probs / probs.sum()
        cum = np.cumsum(self.probs)[:-1]
        with np.errstate(divide="ignore"):
            self.cuts = special.ndtri(np.clip(cum, 0.0, 1.0))

    def codes_latent(self, z: NDArray[np.float64]) -> NDArray[np.intp]:
        """Return the outcome index for each latent score."""
        return np.searchsorted(self.cuts, z, side="right")

    def rank_cells(self) -> RankCells:
        """Return latent cuts and mid-ranks used for Spearman calibration."""
        upper = np.cumsum(self.probs)
        lower = upper - self.probs
        return RankCells(cuts=self.cuts, midranks=(lower + upper) / 2.0, probs=self.probs)


def tabulate_integers(marginal: Continuous) -> tuple[NDArray[np.int64], NDArray[np.float64]] | None:
    """Return (values, probs) of ``round(X)`` when it has few enough values, else None.

    ``X`` is truncated to ``[low - 0.5, high + 0.5]`` by the caller, so each
    integer ``k`` gets the mass of ``[k - 0.5, k + 0.5)``.
    """
    lo, hi = marginal.support()
    lo = max(lo, marginal.low)
    hi = min(hi, marginal.high)
    k_lo, k_hi = math.floor(lo + 0.5), math.ceil(hi - 0.5)
    if not (math.isfinite(k_lo) and math.isfinite(k_hi)) or k_hi - k_lo + 1 > MAX_TABULATED:
        return None
    values = np.arange(k_lo, k_hi + 1, dtype=np.int64)
    edges = np.concatenate([values - 0.5, [values[-1] + 0.5]]).astype(np.float64)
    cdf = marginal.cdf(edges)
    cdf = np.clip((cdf - marginal._f_low) / marginal.mass, 0.0, 1.0)
    cdf[0], cdf[-1] = 0.0, 1.0
    probs = np.diff(cdf)
    keep = probs > 0
    if not keep.any():
        return None
    return values[keep], probs[keep]


def poisson_table(lam: float, low: float | None, high: float | None) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Return (values, probs) of a Poisson(lam) truncated to ``[low, high]``."""
    k_max = int(special.pdtrik(1.0 - 1e-12, lam)) + 2 if lam > 0 else 0
    k_lo = 0 if low is None else max(0, math.ceil(low))
    k_hi = k_max if high is None else min(k_max, math.floor(high))
    values = np.arange(k_lo, max(k_lo, k_hi) + 1, dtype=np.int64)
    logp = (
        values * math.log(lam) - lam - special.gammaln(values + 1.0) if lam > 0 else np.where(values == 0, 0.0, -np.inf)
    )
    probs = np.exp(logp - np.max(logp))
    return values, probs / probs.sum()
