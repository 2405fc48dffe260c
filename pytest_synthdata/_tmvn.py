"""Exact draws of a normal vector restricted to a box: minimax tilting (Botev 2017), and counter-based uniforms.

A row conditioned on several correlated latent coordinates needs a draw of
``X ~ N(0, R)`` restricted to a box ``l <= X <= u`` (or to a union of boxes).
With the Cholesky factor ``L`` (``X = L e``, ``e ~ N(0, I)``) the box is
``l <= L e <= u``, and the sequential (GHK) proposal draws each ``e_j`` from a
normal truncated to where the earlier ones leave room. Botev's minimax tilting
shifts each of those normals by ``mu_j``; the ratio of the target to the
proposal is then ``exp(psi(e; mu))`` with

    psi(e; mu) = sum_j ( -e_j mu_j + mu_j**2 / 2 + log P_j ),
    P_j = Phi(b_j - mu_j) - Phi(a_j - mu_j),   [a_j, b_j] the room left for e_j,

and the saddle point ``(e*, mu*)`` of ``psi`` (one convex problem per box,
solved here by Newton's method on its gradient) gives ``psi(e; mu*) <=
psi(e*; mu*)`` for every ``e``: accepting a proposal with probability
``exp(psi(e; mu*) - psi*)`` makes the accepted rows follow the truncated
normal *exactly*, with a high acceptance rate even for boxes far in the tails.
For a union of disjoint boxes, box ``b`` is proposed with weight
``exp(psi*_b)``: the bound of the mixture is the sum of those, so the same
accept step stays exact (``docs/explanation/math.md`` §12).

Reference: Z. I. Botev, "The normal law under linear restrictions: simulation
and estimation via minimax tilting", J. R. Stat. Soc. B 79(1):125-148, 2017.

Every random number comes from :func:`counter_uniforms`, a hash of (key, row,
attempt, slot): a row's draws never depend on other rows or on how many
attempts they needed, so rows stay a pure function of their seed and index.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy import special

from .errors import ConditionError

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = ["Tilt", "cached_tilt", "counter_uniforms", "log_mass", "sample_boxes", "tilt", "tilts"]

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
#: Attempts a row may take before its conditions count as too unlikely to meet (the acceptance rate is
#: usually above one half; below 1e-3 something is badly conditioned).
MAX_ATTEMPTS = 4000


def _mix(x: NDArray[np.uint64]) -> NDArray[np.uint64]:
    """The splitmix64 finaliser (Steele, Lea and Flood 2014): a bijection of uint64 that scrambles every bit."""
    x = (x ^ (x >> np.uint64(30))) * _M1
    x = (x ^ (x >> np.uint64(27))) * _M2
    return x ^ (x >> np.uint64(31))  # type: ignore[no-any-return]


def counter_uniforms(key: int, stream: int, rows: NDArray[np.int64], attempt: int, slots: int) -> NDArray[np.float64]:
    """Return uniforms in (0, 1), shape (len(rows), slots), that depend only on (key, stream, row, attempt, slot).

    A counter-based generator: splitmix64 applied to the counters in uint64
    arithmetic (wrapping), so any row's numbers are computed on their own, in
    any order, identically on every platform.

    >>> u = counter_uniforms(7, 3, np.arange(4), 0, 2)
    >>> bool(np.array_equal(u[2:], counter_uniforms(7, 3, np.arange(2, 4), 0, 2)))
    True
    """
    with np.errstate(over="ignore"):
        base = _mix(np.array([key & 0xFFFFFFFFFFFFFFFF], dtype=np.uint64) + np.uint64(stream) * _GOLDEN)
        per_row = _mix(base ^ (np.asarray(rows, dtype=np.int64).astype(np.uint64) * _GOLDEN + np.uint64(1)))
        counter = np.uint64(attempt) * np.uint64(slots) + np.arange(slots, dtype=np.uint64) + np.uint64(1)
        h = _mix(per_row[:, None] + _mix(counter * _M1)[None, :])
    return ((h >> np.uint64(11)).astype(np.float64) + 0.5) * 2.0**-53


def log_mass(a: NDArray[np.float64], b: NDArray[np.float64]) -> NDArray[np.float64]:
    """Return ``log(Phi(b) - Phi(a))`` for ``a <= b``, accurate in both tails (``-inf`` for an empty interval)."""
    a, b = np.broadcast_arrays(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64))
    # mirror an interval above 0 below it, then log Phi(b) + log(1 - Phi(a) / Phi(b)) keeps the digits
    flip = a > 0
    lo = np.where(flip, -b, a)
    hi = np.where(flip, -a, b)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        log_hi = special.log_ndtr(hi)
        tail = log_hi + np.log1p(-np.exp(special.log_ndtr(lo) - log_hi))
        middle = np.log1p(-special.ndtr(lo) - special.ndtr(-hi))
    out = np.where(hi < 0, tail, np.where(flip, tail, middle))
    return np.where(a >= b, -np.inf, out)


def _psi_terms(
    a: NDArray[np.float64], b: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Return (log P, psi, s) of standard normals truncated to [a, b]: log mass, mean, 1 - variance."""
    lp = log_mass(a, b)
    with np.errstate(over="ignore", invalid="ignore"):
        pa = np.exp(-0.5 * a * a - lp) / math.sqrt(2 * math.pi)
        pb = np.exp(-0.5 * b * b - lp) / math.sqrt(2 * math.pi)
        mean = pa - pb
        a_pa = np.where(np.isfinite(a), a * pa, 0.0)
        b_pb = np.where(np.isfinite(b), b * pb, 0.0)
    return lp, mean, mean * mean + b_pb - a_pa


@dataclass(frozen=True)
class Tilt:
    """The saddle point of one box: the shifts ``mu`` (k,), and ``psi`` there, the log of the acceptance bound."""

    mu: NDArray[np.float64]
    psi: float


def tilt(chol: NDArray[np.float64], low: NDArray[np.float64], high: NDArray[np.float64]) -> Tilt:
    """Return the minimax tilting of the box ``low <= chol @ e <= high`` (``chol`` lower triangular).

    Solves ``grad psi = 0`` over ``(e_1..e_{k-1}, mu_1..mu_{k-1})`` (``mu_k = 0``:
    the last coordinate needs no shift) by Newton's method with a backtracking
    line search on the gradient's norm, from ``0``; the Jacobian is the
    Hessian of ``psi`` in closed form (``docs/explanation/math.md`` §12).
    """
    k = len(low)
    d = np.diag(chol)
    lh = chol / d[:, None] - np.eye(k)  # strictly lower, unit-diagonal factor minus I
    with np.errstate(over="ignore"):  # (a huge finite end over a small pivot is an open end: inf)
        a0, b0 = low / d, high / d
    m = k - 1

    def parts(y: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64], float]:
        x = np.zeros(k)
        mu = np.zeros(k)
        x[:m], mu[:m] = y[:m], y[m:]
        c = lh @ x
        lp, psi_mean, s = _psi_terms(a0 - c - mu, b0 - c - mu)
        grad_x = -mu + lh.T @ psi_mean
        grad_mu = mu - x + psi_mean
        grad = np.concatenate([grad_x[:m], grad_mu[:m]])
        sl = s[:, None] * lh
        jac = np.empty((2 * m, 2 * m))
        jac[:m, :m] = -(lh.T @ sl)[:m, :m]
        jac[:m, m:] = (-np.eye(k) - lh.T * s[None, :])[:m, :m]
        jac[m:, :m] = (-np.eye(k) - sl)[:m, :m]
        jac[m:, m:] = np.diag(1.0 - s[:m])
        value = float(np.sum(-x * mu + 0.5 * mu * mu + lp))
        return grad, jac, value

    y = np.zeros(2 * m)
    grad, jac, value = parts(y)
    for _ in range(200):
        norm = float(np.linalg.norm(grad))
        if norm < 1e-11:
            break
        try:
            step = np.linalg.solve(jac, -grad)
        except np.linalg.LinAlgError:
            step = -grad
        t = 1.0
        while t > 1e-10:
            trial = parts(y + t * step)
            if np.all(np.isfinite(trial[0])) and float(np.linalg.norm(trial[0])) < (1 - 1e-4 * t) * norm:
                break
            t /= 2
        else:  # no step shrinks the gradient: the point is as good as floating point allows
            break
        y = y + t * step
        grad, jac, value = trial
    if not (math.isfinite(value) and float(np.linalg.norm(grad)) < 1e-6):
        raise ConditionError(
            "the conditions' latent box could not be tilted (the minimax problem did not converge); the conditions "
            "are probably too unlikely together: widen them."
        )
    mu = np.zeros(k)
    mu[:m] = y[m:]
    return Tilt(mu, value)


def tilts(
    chol: NDArray[np.float64], low: NDArray[np.float64], high: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Return (mu (B, k), psi (B,)): :func:`tilt` of ``B`` boxes ``low[b] <= chol @ e <= high[b]`` at once.

    The same Newton iteration with backtracking as :func:`tilt`, run on every
    box together (a linked table's child rows: one box per parent row, shifted by
    its mean). A box the batch cannot settle (a singular step, no convergence)
    is solved by :func:`tilt` alone, which raises ConditionError if it fails too.
    """
    boxes, k = low.shape
    if k < 2 or boxes < 2:
        out = [tilt(chol, low[b], high[b]) for b in range(boxes)]
        return np.array([t.mu for t in out]).reshape(boxes, k), np.array([t.psi for t in out])
    d = np.diag(chol)
    lh = chol / d[:, None] - np.eye(k)
    with np.errstate(over="ignore"):
        a0, b0 = low / d, high / d
    m = k - 1
    eye = np.eye(k)[:m, :m]

    def parts(
        y: NDArray[np.float64], rows: NDArray[np.intp]
    ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
        x = np.zeros((len(rows), k))
        mu = np.zeros((len(rows), k))
        x[:, :m], mu[:, :m] = y[:, :m], y[:, m:]
        c = x @ lh.T
        lp, psi_mean, s = _psi_terms(a0[rows] - c - mu, b0[rows] - c - mu)
        grad_x = -mu + psi_mean @ lh
        grad_mu = mu - x + psi_mean
        grad = np.concatenate([grad_x[:, :m], grad_mu[:, :m]], axis=1)
        sl = s[:, :, None] * lh[None]
        jac = np.empty((len(rows), 2 * m, 2 * m))
        jac[:, :m, :m] = -np.einsum("ji,bjl->bil", lh, sl)[:, :m, :m]
        jac[:, :m, m:] = -eye - (lh.T[None] * s[:, None, :])[:, :m, :m]
        jac[:, m:, :m] = -eye - sl[:, :m, :m]
        jac[:, m:, m:] = 0.0
        jac[:, np.arange(m) + m, np.arange(m) + m] = 1.0 - s[:, :m]
        value = np.sum(-x * mu + 0.5 * mu * mu + lp, axis=1)
        return grad, jac, value

    everything = np.arange(boxes)
    y = np.zeros((boxes, 2 * m))
    grad, jac, value = parts(y, everything)
    active = np.ones(boxes, dtype=bool)
    failed = np.zeros(boxes, dtype=bool)
    for _ in range(200):
        norm = np.linalg.norm(grad, axis=1)
        active &= norm >= 1e-11
        rows = np.flatnonzero(active)
        if not len(rows):
            break
        try:
            step = np.linalg.solve(jac[rows], -grad[rows][:, :, None])[:, :, 0]
        except np.linalg.LinAlgError:
            failed[rows] = True
            break
        t = np.ones(len(rows))
        moved = np.zeros(len(rows), dtype=bool)
        trial_grad, trial_jac, trial_value = grad[rows].copy(), jac[rows].copy(), value[rows].copy()
        pending = np.arange(len(rows))
        while len(pending) and t[pending[0]] > 1e-10:
            g, j, v = parts(y[rows[pending]] + t[pending, None] * step[pending], rows[pending])
            gn = np.linalg.norm(g, axis=1)
            good = np.all(np.isfinite(g), axis=1) & (gn < (1 - 1e-4 * t[pending]) * norm[rows[pending]])
            took = pending[good]
            trial_grad[took], trial_jac[took], trial_value[took] = g[good], j[good], v[good]
            moved[took] = True
            pending = pending[~good]
            t[pending] /= 2
        y[rows[moved]] += t[moved, None] * step[moved]
        grad[rows[moved]], jac[rows[moved]], value[rows[moved]] = (
            trial_grad[moved],
            trial_jac[moved],
            trial_value[moved],
        )
        active[rows[~moved]] = False  # (no step shrinks the gradient: as good as floating point allows)
    failed |= ~(np.isfinite(value) & (np.linalg.norm(grad, axis=1) < 1e-6))
    mu = np.zeros((boxes, k))
    mu[:, :m] = y[:, m:]
    psi = value.copy()
    for b in np.flatnonzero(failed):
        one = tilt(chol, low[b], high[b])
        mu[b], psi[b] = one.mu, one.psi
    return mu, psi


@functools.lru_cache(maxsize=4096)
def _tilt_of(chol: bytes, low: bytes, high: bytes, k: int) -> Tilt:
    def read(b: bytes) -> NDArray[np.float64]:
        return np.frombuffer(b, dtype=np.float64)

    return tilt(read(chol).reshape(k, k), read(low), read(high))


def cached_tilt(chol: NDArray[np.float64], low: NDArray[np.float64], high: NDArray[np.float64]) -> Tilt:
    """:func:`tilt`, remembered for the last few thousand boxes (a test samples the same conditions again)."""
    c, lo, hi = (np.ascontiguousarray(a, dtype=np.float64) for a in (chol, low, high))
    return _tilt_of(c.tobytes(), lo.tobytes(), hi.tobytes(), len(lo))


def sample_boxes(
    chol: NDArray[np.float64],
    low: NDArray[np.float64],
    high: NDArray[np.float64],
    tilts_mu: NDArray[np.float64],
    tilts_psi: NDArray[np.float64],
    key: int,
    stream: int,
    rows: NDArray[np.int64],
) -> tuple[NDArray[np.float64], NDArray[np.intp]]:
    """Return (whitened scores ``e`` (k, r), the box each row drew from) for rows restricted to unions of boxes.

    ``low``/``high`` (r, B, k) hold each row's ``B`` disjoint boxes (an empty
    box has ``psi = -inf``), ``tilts_mu`` (r, B, k) and ``tilts_psi`` (r, B)
    their tilts. A row picks box ``b`` with weight ``exp(psi_b)``, draws the
    tilted proposal and accepts it with probability ``exp(psi(e) - psi_b)``;
    its uniforms come from :func:`counter_uniforms` keyed by its row index and
    attempt, so the accepted draw depends on nothing but (key, row, boxes).
    """
    from ._latent import truncated_normal

    r, n_boxes, k = low.shape
    d = np.diag(chol)
    lh = chol / d[:, None] - np.eye(k)
    out = np.empty((k, r))
    chosen = np.zeros(r, dtype=np.intp)
    top = np.max(tilts_psi, axis=1, keepdims=True)
    weights = np.exp(tilts_psi - top)
    cum = np.cumsum(weights, axis=1)
    cum /= cum[:, -1:]
    pending = np.arange(r)
    for attempt in range(MAX_ATTEMPTS):
        if not len(pending):
            break
        u = counter_uniforms(key, stream, rows[pending], attempt, k + 2)
        box = np.minimum((cum[pending] <= u[:, :1]).sum(axis=1), n_boxes - 1)
        with np.errstate(over="ignore"):  # (as in the tilting: an end too far to write is an open end)
            lo = low[pending, box] / d
            hi = high[pending, box] / d
        mu = tilts_mu[pending, box]
        e = np.zeros((len(pending), k))
        log_w = np.zeros(len(pending))
        for j in range(k):
            c = e[:, :j] @ lh[j, :j] if j else 0.0
            a, b = lo[:, j] - c - mu[:, j], hi[:, j] - c - mu[:, j]
            z = special.ndtri(u[:, j + 1])
            e[:, j] = mu[:, j] + truncated_normal(z, a, b)
            log_w += -e[:, j] * mu[:, j] + 0.5 * mu[:, j] ** 2 + log_mass(a, b)
        accept = np.log(u[:, k + 1]) <= log_w - tilts_psi[pending, box]
        done = pending[accept]
        out[:, done] = e[accept].T
        chosen[done] = box[accept]
        pending = pending[~accept]
    if len(pending):
        raise ConditionError(
            f"{len(pending)} rows met their conditions in none of {MAX_ATTEMPTS} tilted proposals: the conditions are "
            "too unlikely together under this model; widen them."
        )
    return out, chosen
