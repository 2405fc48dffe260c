"""Latent sources: where every random number of a sampled row comes from.

A row of any model is a pure function of its *inputs*:

* ``z``: one independent standard normal score per latent coordinate (the
  modelled columns, then the null flags), which the copula correlates;
* ``u``: the row's auxiliary uniforms in [0, 1) (a Faker pick, the bytes of a
  UUID), ``LatentSpace.aux`` of them;
* its row index, and the sample's ``key`` (what keys the permutation of a
  unique column, so rows stay distinct).

A :class:`LatentSource` supplies them for any range of rows, and turns ``z``
into the copula's correlated coordinates ``x``. The sample path (see
``_model``) never draws a random number of its own, so whatever controls the
source controls the rows:

* :class:`SpreadRows` (the default) and :class:`IndependentRows` draw them
  from the seed, in fixed blocks of rows (``_seeding.draw_blocks``), so any
  range of rows can be drawn on its own and ``sample(n)`` is a prefix of
  ``sample(m)``;
* :class:`SuppliedRows` takes them from outside (a Hypothesis draw: shrinking
  ``z`` and ``u`` to 0 gives the most typical row);
* :class:`Restricted` wraps another source and keeps chosen coordinates in
  intervals (truncation), or at given values (the conditional Gaussian given
  them), with the other coordinates following the copula conditionally;
* :class:`Regions` wraps another source and keeps chosen coordinates of each
  row in a union of boxes, exactly (the conditions of ``sample(conditions=)``);
* :class:`Pinned` wraps another source and moves chosen coordinates of chosen
  rows into given intervals, and sets chosen uniforms (the bound and text
  edge cases of ``sample(edge_cases=)``);
* :class:`Gathered` hands out chosen rows of another source, in order (the
  candidate rows of a condition kept by redrawing, ``Model._keep_conditioned``).

Arrays of coordinates are coordinate-major, ``(d, rows)``: each column reads
one contiguous row of ``x``. The math of restricted coordinates:
``docs/explanation/math.md`` §10.
"""

from __future__ import annotations

import abc
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import special

from . import _linalg
from ._qmc import spread_blocks, spread_normals
from ._seeding import block_generators, draw_blocks, normalize_seed
from .errors import InvalidArgument, UnsupportedFeature

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray

__all__ = [
    "Gathered",
    "IndependentRows",
    "latent_model",
    "LatentRows",
    "LatentSource",
    "LatentSpace",
    "BoxRows",
    "Pin",
    "Pinned",
    "Regions",
    "Restricted",
    "SpreadRows",
    "SuppliedRows",
    "correlate",
    "truncated_normal",
    "truncated_uniform",
]

#: Up to this many rows, :func:`correlate` adds one coordinate's terms to every output at once.
_FEW_ROWS = 1024

#: Block streams of a seed: latent normals and auxiliary uniforms (part of the reproducibility contract).
STREAM_LATENT = 1
STREAM_AUX = 2
#: Counter-based uniforms of conditioned rows (``_tmvn.counter_uniforms``): box picks and tilted proposals.
STREAM_CONDITIONS = 3


def correlate(
    z: NDArray[np.float64], chol: NDArray[np.float64], terms: Sequence[int] | None = None
) -> NDArray[np.float64]:
    """Return ``chol @ z`` for coordinate-major ``z`` (d, rows), with elementwise numpy operations.

    BLAS may reorder floating-point sums by CPU; elementwise multiply/add in a
    fixed order gives the same bits on every machine. Each output coordinate
    is accumulated over whole contiguous rows of ``z``, and terms whose factor
    is 0 are skipped (a coordinate independent of the others is copied). Up to
    ``_FEW_ROWS`` rows, each coordinate's terms are added to all later outputs
    in one call instead: every output is summed in the same order, and a
    skipped term's exact zero changes no bit (except a sum of -0.0, which
    would come out +0.0: it needs a score of exactly zero).

    ``terms`` is :func:`coupled_coordinates` of ``chol``, when the caller keeps it.
    """
    d = chol.shape[0]
    out = np.empty_like(z)
    if d == 0 or z.shape[1] == 0:
        return out
    if z.shape[1] <= _FEW_ROWS:
        # few rows: a loop over the d (d + 1) / 2 terms would cost more in calls than in work. Adding each
        # coordinate's terms to all later outputs at once sums every output in the same order, i = 0, 1, ...;
        # the skipped terms above add an exact zero instead (only a sum of -0.0 would come out as +0.0)
        np.multiply(z[0], chol[:, :1], out=out)
        for i in coupled_coordinates(chol) if terms is None else terms:
            out[i:] += chol[i:, i : i + 1] * z[i]
        return out
    _correlate_rows(list(z), chol, list(out))
    return out


def coupled_coordinates(chol: NDArray[np.float64]) -> list[int]:
    """The coordinates after the first with a nonzero term below the diagonal of the lower factor ``chol``."""
    return (np.flatnonzero(np.tril(chol)[:, 1:].any(axis=0)) + 1).tolist()  # type: ignore[no-any-return]


def _correlate_rows(
    z: Sequence[NDArray[np.float64]], chol: NDArray[np.float64], out: Sequence[NDArray[np.float64]]
) -> None:
    """:func:`correlate` of more than ``_FEW_ROWS`` rows: ``out[j] = sum_i chol[j, i] z[i]``, each a 1-D array.

    Coordinates come and go as separate arrays, so a caller may read them from, and write them into, rows of
    larger arrays in any order (a reordered factor's coordinates) without gathering them into copies first.
    """
    term = np.empty(len(z[0]))
    for j in range(chol.shape[0]):
        nonzero = np.flatnonzero(chol[j, : j + 1])
        acc = out[j]
        if len(nonzero) == 1 and chol[j, nonzero[0]] == 1.0:
            acc[...] = z[nonzero[0]]
            continue
        if not len(nonzero):  # pragma: no cover - a Cholesky factor has a positive diagonal
            acc[:] = 0.0
            continue
        np.multiply(z[nonzero[0]], chol[j, nonzero[0]], out=acc)
        for i in nonzero[1:]:
            np.multiply(z[i], chol[j, i], out=term)
            acc += term


def latent_model(model: Any, feature: str) -> Any:
    """Return ``model`` if it samples through latent sources (native models), else raise a clear error.

    ``feature`` names what needs the latent space ("conditions", "Hypothesis
    strategies", ...), for the message.
    """
    if callable(getattr(model, "sample_from", None)) and isinstance(getattr(model, "latent_space", None), LatentSpace):
        return model
    kind = type(model).__name__
    raise UnsupportedFeature(
        f"{feature} need a model with a latent space (a Schema, or a model from sd.fit(...) or sd.load(...) of a "
        f"*.synth.json file); {getattr(model, 'name', 'this model')!r} is a {kind}, which samples only through "
        "sample(n, seed=...). Fit it with the native engine (backend='native') to use this."
    )


@dataclass(frozen=True)
class LatentSpace:
    """The inputs a model's rows are made from: latent coordinates and auxiliary uniforms.

    ``labels`` names each coordinate (a modelled column's name, or
    ``"<column> is null"`` for a null flag), ``correlation`` is the copula's
    latent correlation over them and ``cholesky`` its lower factor;
    ``aux`` is the number of auxiliary uniforms per row.
    """

    labels: tuple[str, ...]
    correlation: NDArray[np.float64] = field(repr=False)
    cholesky: NDArray[np.float64] = field(repr=False)
    aux: int

    @property
    def dims(self) -> int:
        """The number of latent coordinates."""
        return len(self.labels)

    def coordinate(self, label: str) -> int:
        """Return the index of the coordinate named ``label``, or raise a clear error."""
        try:
            return self.labels.index(label)
        except ValueError:
            raise InvalidArgument(
                f"the model has no latent coordinate {label!r}; its coordinates are {list(self.labels)}."
            ) from None

    def correlate(self, z: NDArray[np.float64]) -> NDArray[np.float64]:
        """Return the correlated coordinates ``x = L z`` of independent normal scores ``z`` (d, rows)."""
        return correlate(z, self.cholesky, self._coupled)

    @cached_property
    def _coupled(self) -> list[int]:
        """:func:`coupled_coordinates` of the factor, found once (every sample of a few rows reads it)."""
        return coupled_coordinates(self.cholesky)


@dataclass(frozen=True)
class LatentRows:
    """The inputs of a range of rows: correlated coordinates ``x`` (d, rows) and uniforms ``u`` (rows, aux)."""

    x: NDArray[np.float64]
    u: NDArray[np.float64]


class LatentSource(abc.ABC):
    """Supplies the inputs of any range of rows (see the module docstring).

    Subclasses implement :meth:`noise`; :meth:`rows` correlates it, and a
    source that restricts coordinates overrides it.
    """

    #: What keys the permutations of unique columns (the seed, for seeded sources).
    key: int = 0
    #: The seed recorded with the sample (None when the rows did not come from a seed).
    seed: int | None = None

    @abc.abstractmethod
    def noise(self, space: LatentSpace, start: int, stop: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Return (independent normal scores ``z`` (d, rows), uniforms ``u`` (rows, aux)) of rows ``start:stop``."""

    def rows(self, space: LatentSpace, start: int, stop: int) -> LatentRows:
        """Return the inputs of rows ``start:stop``, their coordinates correlated by the copula."""
        z, u = self.noise(space, start, stop)
        return LatentRows(space.correlate(z), u)

    def uniform_noise(
        self, space: LatentSpace, start: int, stop: int, coords: Sequence[int]
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]] | None:
        """Return :meth:`noise` with coordinates ``coords`` as the U(0, 1) values their scores are the normal
        quantiles of, or None when the source has no such values (its scores are drawn as normals).

        A :class:`Regions` that maps a coordinate through the inverse CDF of a restricted normal reads its
        uniform here: the same draw without a normal score taken and given back.
        """
        return None

    def held(self, space: LatentSpace, n: int) -> dict[int, NDArray[np.bool_]]:
        """Return, per restricted coordinate, which of ``n`` rows it restricts (a condition fixes their value)."""
        return {}

    def check(self, space: LatentSpace, n: int) -> None:
        """Raise before any drawing if this source cannot give ``n`` rows of ``space``."""
        return None  # a seeded source gives any number of rows

    def given(self, space: LatentSpace) -> dict[int, NDArray[np.float64]]:
        """Return the coordinates this source fixes in every row, each with its value (one number or one per row).

        A :class:`Regions` over such a source draws its boxes from the
        Gaussian conditional on them (a linked table's child rows given their
        parent rows' coordinates).
        """
        return {}


class _Seeded(LatentSource):
    """Inputs drawn from a seed in fixed blocks of rows, so every range of rows can be drawn on its own."""

    def __init__(self, seed: int | None) -> None:
        self.seed = self.key = normalize_seed(seed)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(seed={self.seed})"

    @abc.abstractmethod
    def _normals(self, rng: np.random.Generator, m: int, d: int) -> NDArray[np.float64]:
        """Return the first ``m`` rows of a block's normal scores, coordinate-major (d, m)."""

    def _scores(self, start: int, stop: int, d: int, uniform: Sequence[int] = ()) -> NDArray[np.float64]:
        """Return the normal scores of rows ``start:stop``, (d, rows): each block's :meth:`_normals`."""
        assert self.seed is not None and not uniform  # (only spread rows hand out uniforms)
        return draw_blocks(self.seed, STREAM_LATENT, start, stop, lambda rng, m: self._normals(rng, m, d), axis=1)

    def noise(
        self, space: LatentSpace, start: int, stop: int, uniform: Sequence[int] = ()
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        assert self.seed is not None
        d, k = space.dims, space.aux
        if d:
            z = self._scores(start, stop, d, uniform)
        else:
            z = np.empty((0, stop - start))
        if k:
            u = draw_blocks(self.seed, STREAM_AUX, start, stop, lambda rng, m: rng.random((m, k)))
        else:
            u = np.empty((stop - start, 0))
        return z, u


class SpreadRows(_Seeded):
    """Rows that together cover each coordinate evenly (a nested Latin hypercube, see ``_qmc``); the default."""

    def _normals(self, rng: np.random.Generator, m: int, d: int) -> NDArray[np.float64]:
        return spread_normals(rng, m, d)

    def _scores(self, start: int, stop: int, d: int, uniform: Sequence[int] = ()) -> NDArray[np.float64]:
        assert self.seed is not None
        rngs, sizes, first = block_generators(self.seed, STREAM_LATENT, start, stop)
        if not rngs:
            return np.empty((d, 0))
        return spread_blocks(rngs, sizes, d, uniform=uniform)[:, start - first : stop - first]

    def uniform_noise(
        self, space: LatentSpace, start: int, stop: int, coords: Sequence[int]
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]] | None:
        z, u = self.noise(space, start, stop, uniform=coords)
        return z, u


class IndependentRows(_Seeded):
    """Independent rows (plain Monte Carlo): ``sample(..., independent=True)``."""

    def _normals(self, rng: np.random.Generator, m: int, d: int) -> NDArray[np.float64]:
        return np.ascontiguousarray(rng.standard_normal((m, d)).T)  # row-major draws: a prefix of a longer block's


class SuppliedRows(LatentSource):
    """Inputs given from outside: ``z`` (rows, d) independent normal scores and ``u`` (rows, aux) uniforms.

    All zeros is the most typical row: every coordinate at its median, every
    pick the first of its pool.
    """

    def __init__(self, z: ArrayLike, u: ArrayLike | None = None, *, key: int = 0) -> None:
        self.z = np.array(z, dtype=np.float64)  # (copies: later changes to the caller's arrays change nothing)
        self.u = np.zeros((len(self.z), 0)) if u is None else np.array(u, dtype=np.float64)
        if key is None:
            raise InvalidArgument("SuppliedRows: key=None would draw a random key; pass an int such as key=0.")
        self.key = normalize_seed(key, argument="key")
        if self.z.ndim != 2 or self.u.ndim != 2 or len(self.u) != len(self.z):
            raise InvalidArgument(
                f"SuppliedRows needs z of shape (rows, dims) and u of shape (rows, aux) with as many rows; got "
                f"{self.z.shape} and {self.u.shape}."
            )
        if not np.isfinite(self.z).all():
            raise InvalidArgument("SuppliedRows: z must be finite normal scores; it holds NaN or infinity.")
        if self.u.size and not ((self.u >= 0.0) & (self.u < 1.0)).all():
            raise InvalidArgument("SuppliedRows: u must hold uniforms in [0, 1).")

    def __repr__(self) -> str:
        return f"SuppliedRows(rows={len(self.z)}, dims={self.z.shape[1]}, aux={self.u.shape[1]}, key={self.key})"

    def check(self, space: LatentSpace, n: int) -> None:
        if self.z.shape[1] != space.dims or self.u.shape[1] < space.aux:
            raise InvalidArgument(
                f"SuppliedRows gives {self.z.shape[1]} latent coordinates and {self.u.shape[1]} uniforms a row; the "
                f"model needs {space.dims} ({list(space.labels)}) and {space.aux}."
            )
        if n > len(self.z):
            raise InvalidArgument(f"SuppliedRows holds {len(self.z)} rows; {n} were asked for.")

    def noise(self, space: LatentSpace, start: int, stop: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        return np.ascontiguousarray(self.z[start:stop].T), self.u[start:stop, : space.aux]


@dataclass(frozen=True)
class _Plan:
    """How :class:`Restricted` draws: restricted coordinates first, then the rest, under the reordered factor."""

    order: NDArray[np.intp]
    chosen: list[int]
    cholesky: NDArray[np.float64]
    #: How many leading coordinates of ``order`` the wrapped source fixes (:meth:`LatentSource.given`).
    fixed: int = 0


class Restricted(LatentSource):
    """Another source's rows with chosen coordinates kept in intervals, the others following the copula.

    ``intervals`` maps a coordinate (index or label) to ``(low, high)`` in
    latent units, each a number or one value per row; ``low == high`` fixes the
    coordinate (the conditional Gaussian given it). Restricted coordinates are
    drawn in the order given, each from its normal distribution conditional on
    the ones before, truncated to its interval (inverse CDF of the row's own
    score, so no draw is rejected and a score of 0 gives the interval's
    median); the free coordinates then follow the conditional Gaussian given
    them. This is exact when one coordinate is restricted, or when the
    restricted ones are fixed to values or independent of each other; for
    several correlated intervals it is the sequential (GHK) draw of Geweke,
    Hajivassiliou and Keane, whose rows all satisfy the intervals.
    """

    def __init__(self, inner: LatentSource, intervals: Mapping[int | str, tuple[Any, Any]]) -> None:
        self.inner = inner
        self.key, self.seed = inner.key, inner.seed
        self.intervals = dict(intervals)
        self._plans: dict[int, tuple[LatentSpace, _Plan]] = {}

    def __repr__(self) -> str:
        return f"Restricted({self.inner!r}, {sorted(self.intervals, key=str)})"

    def check(self, space: LatentSpace, n: int) -> None:
        self.inner.check(space, n)
        self._coordinates(space)
        for key, (low, high) in self.intervals.items():
            try:
                lo, hi = np.broadcast_arrays(np.asarray(low, dtype=np.float64), np.asarray(high, dtype=np.float64))
            except (ValueError, TypeError):
                raise InvalidArgument(
                    f"Restricted: the interval of coordinate {key!r} must be two numbers, or two arrays of one number "
                    "per row of the same length."
                ) from None
            if lo.ndim > 1 or (lo.ndim == 1 and len(lo) < n):
                raise InvalidArgument(
                    f"Restricted: the interval of coordinate {key!r} needs one number, or one per row ({n})."
                )
            if np.isnan(lo).any() or np.isnan(hi).any() or (lo > hi).any():
                raise InvalidArgument(f"Restricted: the interval of coordinate {key!r} has low > high or NaN.")

    def held(self, space: LatentSpace, n: int) -> dict[int, NDArray[np.bool_]]:
        out = self.inner.held(space, n)
        for j in self._coordinates(space):
            out[j] = np.ones(n, dtype=bool)
        return out

    def given(self, space: LatentSpace) -> dict[int, NDArray[np.float64]]:
        """The fixed coordinates (``low == high``); an interval that is not a point cannot be composed with boxes."""
        out = {}
        for j, (low, high) in zip(self._coordinates(space), self.intervals.values(), strict=True):
            lo, hi = np.asarray(low, dtype=np.float64), np.asarray(high, dtype=np.float64)
            if lo.shape != hi.shape or not np.array_equal(lo, hi):
                raise UnsupportedFeature(
                    f"Restricted: coordinate {space.labels[j]!r} is kept in an interval, not fixed at a value; "
                    "conditions (boxes) compose only with fixed coordinates."
                )
            out[j] = lo
        return out

    def _plan(self, space: LatentSpace) -> _Plan:
        cached = self._plans.get(id(space))
        if cached is not None and cached[0] is space:  # (kept with its space, so the id stays the space's)
            return cached[1]
        chosen = self._coordinates(space)
        order = np.array(chosen + [j for j in range(space.dims) if j not in chosen], dtype=np.intp)
        chol = _linalg.sampling_factor(space.correlation[np.ix_(order, order)])
        plan = _Plan(order, chosen, chol)
        self._plans[id(space)] = (space, plan)
        return plan

    def _coordinates(self, space: LatentSpace) -> list[int]:
        """Return the restricted coordinates' indexes, or raise a clear error for an unknown or repeated one."""
        chosen = []
        for key in self.intervals:
            if isinstance(key, str):
                where = space.coordinate(key)
            elif isinstance(key, numbers.Integral) and not isinstance(key, bool) and 0 <= int(key) < space.dims:
                where = int(key)
            else:
                raise InvalidArgument(
                    f"Restricted: coordinate {key!r} is neither a coordinate's label nor an index in 0..{space.dims - 1}."
                )
            if where in chosen:
                raise InvalidArgument(
                    f"Restricted: coordinate {space.labels[where]!r} is given twice; give each coordinate one interval."
                )
            chosen.append(where)
        return chosen

    def noise(self, space: LatentSpace, start: int, stop: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        return self.inner.noise(space, start, stop)

    def rows(self, space: LatentSpace, start: int, stop: int) -> LatentRows:
        z, u = self.inner.noise(space, start, stop)
        plan = self._plan(space)
        order, chosen, chol = plan.order, plan.chosen, plan.cholesky
        e = z[order]
        bounds = []
        for t, key in enumerate(self.intervals):
            low, high = (_rows(np.asarray(v, dtype=np.float64), start, stop) for v in self.intervals[key])
            mean = chol[t, :t] @ e[:t] if t else np.zeros(stop - start)
            scale = chol[t, t]
            e[t] = truncated_normal(e[t], (low - mean) / scale, (high - mean) / scale)
            bounds.append((low, high))
        x = np.empty_like(z)
        x[order] = correlate(e, chol)
        for (low, high), j in zip(bounds, chosen, strict=True):
            np.clip(x[j], low, high, out=x[j])  # (rounding in the sum may step a hair outside)
        return LatentRows(x, u)


@dataclass(frozen=True)
class BoxRows:
    """Rows of a sample whose coordinates ``coords`` must lie in a union of boxes, one union per row.

    ``rows`` (sorted row indices) and ``low``/``high`` of shape (rows, boxes,
    len(coords)) in latent units (or (1, boxes, len(coords)) when all rows share them); a box with ``low > high`` somewhere is empty
    (padding, so rows with fewer boxes share the arrays). Boxes of a row must
    not overlap.
    """

    rows: NDArray[np.int64]
    coords: tuple[int, ...]
    low: NDArray[np.float64] = field(repr=False)
    high: NDArray[np.float64] = field(repr=False)


class Regions(LatentSource):
    """Another source's rows, with chosen coordinates of chosen rows drawn exactly from a union of boxes.

    Each row of a :class:`BoxRows` group follows the copula conditioned on
    its coordinates ``coords`` lying in one of its boxes; the other
    coordinates follow the conditional Gaussian given them. How (``docs/explanation/math.md`` §12):

    * one coordinate: the normal restricted to the union of intervals, at the
      quantile of the row's own score (no rejection; spread rows stay spread);
    * several coordinates that the copula leaves independent, one box: each
      restricted at the quantile of the row's own score;
    * otherwise minimax tilting (``_tmvn``): a box picked with weight
      ``exp(psi*)``, a tilted proposal accepted with probability
      ``exp(psi - psi*)``, every uniform a counter-based hash of (key, row,
      attempt), so a row depends only on its seed, index and conditions. The
      tilting problem is solved once per distinct box, shared by the rows that
      have it (per-row boxes cost one solve each).

    When the wrapped source fixes coordinates (:meth:`LatentSource.given`: a
    child row's parent coordinates), everything above happens in the Gaussian
    conditional on them: ordered fixed coordinates first, the factor ``L`` gives
    the boxed coordinates ``x_C = L_CF e_F + L_CC e_C``, a per-row mean and one
    common conditional factor ``L_CC``, so a box is that row's box shifted by its
    mean (math.md §12, "Given coordinates"). Rows outside every group are the
    wrapped source's own rows.
    """

    def __init__(self, inner: LatentSource, groups: Sequence[BoxRows]) -> None:
        self.inner = inner
        self.key, self.seed = inner.key, inner.seed
        self.groups = list(groups)
        self._tilted: dict[int, tuple[NDArray[np.float64], NDArray[np.float64]]] = {}
        self._fixed: dict[int, tuple[LatentSpace, tuple[list[int], list[NDArray[np.float64]]]]] = {}
        self._shifted: dict[int, tuple[NDArray[np.float64], NDArray[np.float64]]] = {}

    def __repr__(self) -> str:
        return f"Regions({self.inner!r}, groups={len(self.groups)})"

    def check(self, space: LatentSpace, n: int) -> None:
        self.inner.check(space, n)

    def held(self, space: LatentSpace, n: int) -> dict[int, NDArray[np.bool_]]:
        out = self.inner.held(space, n)
        for group in self.groups:
            for j in group.coords:
                mask = out.setdefault(j, np.zeros(n, dtype=bool))
                mask[group.rows[group.rows < n]] = True
        return out

    def given(self, space: LatentSpace) -> dict[int, NDArray[np.float64]]:
        return self.inner.given(space)

    def noise(self, space: LatentSpace, start: int, stop: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        return self.inner.noise(space, start, stop)

    def _given(self, space: LatentSpace) -> tuple[list[int], list[NDArray[np.float64]]]:
        """The wrapped source's fixed coordinates and their values (one number, or one per row of the sample)."""
        cached = self._fixed.get(id(space))
        if cached is not None and cached[0] is space:
            return cached[1]
        given = self.inner.given(space)
        out = (list(given), [np.asarray(v, dtype=np.float64) for v in given.values()])
        self._fixed[id(space)] = (space, out)
        return out

    def _plan(self, space: LatentSpace, coords: tuple[int, ...]) -> _Plan:
        fixed, _ = self._given(space)
        if fixed:
            return self._given_plan(space, fixed, coords)
        # kept with the space (immutable, and a model keeps its one space), so every sample with conditions on
        # the same coordinates reuses the reordered factor
        plans: dict[tuple[int, ...], _Plan] = space.__dict__.setdefault("_region_plans", {})
        plan = plans.get(coords)
        if plan is None:
            chosen = list(coords)
            order = np.array(chosen + [j for j in range(space.dims) if j not in chosen], dtype=np.intp)
            plan = plans[coords] = _Plan(
                order, chosen, _linalg.sampling_factor(space.correlation[np.ix_(order, order)])
            )
        return plan

    @staticmethod
    def _given_plan(space: LatentSpace, fixed: list[int], coords: tuple[int, ...]) -> _Plan:
        """The plan with the fixed coordinates first, then the boxed ones, then the rest."""
        both = sorted(set(fixed) & set(coords))
        if both:
            raise InvalidArgument(
                f"Regions: coordinates {[space.labels[j] for j in both]} are fixed by the wrapped source, so they "
                "cannot also be kept in a box."
            )
        plans: dict[tuple[tuple[int, ...], tuple[int, ...]], _Plan] = space.__dict__.setdefault("_given_plans", {})
        plan = plans.get((tuple(fixed), coords))
        if plan is None:
            chosen = list(coords)
            rest = [j for j in range(space.dims) if j not in chosen and j not in fixed]
            order = np.array(fixed + chosen + rest, dtype=np.intp)
            factor = _linalg.sampling_factor(space.correlation[np.ix_(order, order)])
            plan = plans[(tuple(fixed), coords)] = _Plan(order, chosen, factor, len(fixed))
        return plan

    def _whitened(self, space: LatentSpace, plan: _Plan, rows: NDArray[np.int64]) -> NDArray[np.float64]:
        """The independent scores ``e_F`` (fixed, rows) that give the fixed coordinates' values in ``rows``."""
        _, values = self._given(space)
        chol, p = plan.cholesky, plan.fixed
        e = np.empty((p, len(rows)))
        for t in range(p):  # forward substitution, as Restricted fixes a coordinate
            v = values[t][rows] if values[t].ndim else np.full(len(rows), float(values[t]))
            mean = chol[t, :t] @ e[:t] if t else 0.0
            e[t] = (v - mean) / chol[t, t]
        return e

    def _bounds(self, space: LatentSpace, group: BoxRows) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """The group's boxes for its conditional coordinates ``L_CC e_C``: shifted by each row's mean given fixed ones."""
        plan = self._plan(space, group.coords)
        p, k = plan.fixed, len(group.coords)
        if not p:
            return group.low, group.high
        cached = self._shifted.get(id(group))
        if cached is not None:
            return cached
        mean = (plan.cholesky[p : p + k, :p] @ self._whitened(space, plan, group.rows)).T[:, None, :]
        with np.errstate(invalid="ignore"):  # (an empty padding box stays empty: inf - mean, -inf - mean)
            shifted = (group.low - mean, group.high - mean)
        self._shifted[id(group)] = shifted
        return shifted

    def _method(self, group: BoxRows, plan: _Plan) -> str:
        k, p = len(group.coords), plan.fixed
        if k == 1:
            return "line"
        block = plan.cholesky[p : p + k, p : p + k]
        if group.low.shape[1] == 1 and not np.any(block - np.diag(np.diag(block))):
            return "independent"
        return "tilted"

    def tilts(self, space: LatentSpace, group: BoxRows) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Return (mu (rows, boxes, k), psi (rows, boxes)) of the group's boxes; ``psi`` is -inf for an empty box.

        For one coordinate, or independent ones, ``psi`` is the box's exact log
        probability (and ``mu`` 0); otherwise the minimax tilting's bound (at
        least the log probability).
        """
        from . import _tmvn

        cached = self._tilted.get(id(group))
        if cached is not None:
            return cached
        plan = self._plan(space, group.coords)
        k, p = len(group.coords), plan.fixed
        low, high = self._bounds(space, group)
        r, n_boxes, _ = low.shape
        empty = np.any(group.low > group.high, axis=2)
        if empty.shape[0] != r:
            empty = np.broadcast_to(empty, (r, n_boxes))
        mu = np.zeros((r, n_boxes, k))
        block = plan.cholesky[p : p + k, p : p + k]
        if self._method(group, plan) != "tilted":
            with np.errstate(invalid="ignore"):
                if p:  # (the conditional coordinates' scales: a correlation's own factor has a unit diagonal)
                    psi = _tmvn.log_mass(low / np.diag(block), high / np.diag(block)).sum(axis=2)
                else:
                    psi = _tmvn.log_mass(low, high).sum(axis=2)
            self._tilted[id(group)] = (mu, np.where(empty, -np.inf, psi))
            return self._tilted[id(group)]
        psi = np.full((r, n_boxes), -np.inf)
        flat_low, flat_high = low.reshape(-1, k), high.reshape(-1, k)
        boxes = np.concatenate([flat_low, flat_high], axis=1)
        unique, inverse = np.unique(boxes, axis=0, return_inverse=True)
        inverse = inverse.reshape(-1)
        u_mu, u_psi = np.zeros((len(unique), k)), np.full(len(unique), -np.inf)
        if p:  # (boxes shifted per parent row: as many as parents, solved together)
            open_ = ~np.any(unique[:, :k] > unique[:, k:], axis=1)
            u_mu[open_], u_psi[open_] = _tmvn.tilts(block, unique[open_, :k], unique[open_, k:])
        for i, box in enumerate(unique if not p else ()):
            if np.any(box[:k] > box[k:]):
                continue
            t = _tmvn.cached_tilt(block, box[:k], box[k:])
            u_mu[i], u_psi[i] = t.mu, t.psi
        mu[:] = u_mu[inverse].reshape(r, n_boxes, k)
        psi[:] = u_psi[inverse].reshape(r, n_boxes)
        self._tilted[id(group)] = (mu, psi)  # (the group lives in self.groups, so its id stays its own)
        return mu, psi

    def _lines(self, space: LatentSpace) -> list[int | None]:
        """Per group, the coordinate it draws from the union of intervals of its row's uniform (one coordinate
        boxed, nothing fixed: the inverse CDF of the restricted normal), else None."""
        out: list[int | None] = []
        for group in self.groups:
            plan = self._plan(space, group.coords)
            out.append(group.coords[0] if not plan.fixed and self._method(group, plan) == "line" else None)
        return out

    def _noise(
        self, space: LatentSpace, start: int, stop: int, spans: list[tuple[int, int]]
    ) -> tuple[NDArray[np.float64], NDArray[np.float64], list[bool]]:
        """The wrapped source's noise, and per group whether its line coordinate came as a uniform.

        When the wrapped source has them (spread rows), the line coordinates come as their uniforms, which the
        rows of their groups map straight through the restricted inverse CDF; every other row of such a
        coordinate gets its normal score, as the source would have given it.
        """
        lines = self._lines(space)
        coords = sorted({j for j in lines if j is not None})
        noise = self.inner.uniform_noise(space, start, stop, coords) if coords else None
        if noise is None:
            z, u = self.inner.noise(space, start, stop)
            return z, u, [False] * len(self.groups)
        z, u = noise
        for j in coords:
            covered: Any = None
            for line, group, (first, last) in zip(lines, self.groups, spans, strict=True):
                if line != j or first == last:
                    continue
                if last - first == stop - start:
                    covered = True
                    break
                if covered is None:
                    covered = np.zeros(stop - start, dtype=bool)
                covered[group.rows[first:last] - start] = True
            if covered is True:
                continue
            if covered is None:
                special.ndtri(z[j], out=z[j])
            else:
                rest = np.flatnonzero(~covered)
                z[j, rest] = special.ndtri(z[j, rest])
        return z, u, [line is not None for line in lines]

    def rows(self, space: LatentSpace, start: int, stop: int) -> LatentRows:

        spans = [tuple(int(i) for i in np.searchsorted(group.rows, [start, stop])) for group in self.groups]
        z, u, uniform = self._noise(space, start, stop, spans)  # type: ignore[arg-type]
        x = np.empty_like(z)
        fixed, _ = self._given(space)
        if not any(last - first == stop - start for first, last in spans):  # (else one group holds every row)
            free = np.ones(stop - start, dtype=bool)
            for group, (first, last) in zip(self.groups, spans, strict=True):
                free[group.rows[first:last] - start] = False
            if fixed:
                if free.any():  # (the wrapped source's own rows: its fixed coordinates, the rest given them)
                    x[:, free] = self.inner.rows(space, start, stop).x[:, free]
            elif free.all():
                x = space.correlate(z)
            elif free.any():
                x[:, free] = space.correlate(z[:, free])
        for group, (first, last), given_uniform in zip(self.groups, spans, uniform, strict=True):
            if first == last:
                continue
            take = slice(first, last)
            rows = group.rows[take]
            pos: Any = rows - start
            if len(pos) == stop - start:  # (every row of the range: views instead of copies)
                pos = slice(None)
            plan = self._plan(space, group.coords)
            if plan.fixed:
                xg = self._given_rows(space, group, plan, take, rows, z[np.ix_(plan.order, np.asarray(rows - start))])
                x[np.ix_(plan.order, np.asarray(rows - start))] = xg
                continue
            k = len(group.coords)
            method = self._method(group, plan)
            if method != "tilted" and group.low.shape[:2] == (1, 1):  # one box for every row: its numbers
                low, high = group.low, group.high
            else:
                low, high = _take(group.low, take, len(rows)), _take(group.high, take, len(rows))
            if isinstance(pos, slice) and method != "tilted" and len(rows) > _FEW_ROWS:
                # every row of the range: the reordered coordinates are read from z and written into x row by
                # row, as correlate would sum them, without gathering them into copies
                e_rows = [z[j] for j in plan.order]
                box = _draw_untilted(method, e_rows, k, len(rows), low, high, uniform=given_uniform)
                _correlate_rows(e_rows, plan.cholesky, [x[j] for j in plan.order])
                for t, j in enumerate(plan.chosen):  # (rounding in the sum may step a hair outside)
                    np.clip(x[j], *_box_ends(group, take, box, t), out=x[j])
                continue
            e = z[plan.order] if isinstance(pos, slice) else z[np.ix_(plan.order, pos)]
            if method == "tilted":
                e[:k], box = self._tilted_draws(space, group, plan.cholesky[:k, :k], low, high, take, rows)
            else:
                box = _draw_untilted(method, e, k, len(rows), low, high, uniform=given_uniform)
            xg = correlate(e, plan.cholesky)
            for t in range(k):  # (rounding in the sum may step a hair outside)
                np.clip(xg[t], *_box_ends(group, take, box, t), out=xg[t])
            if isinstance(pos, slice):
                x[plan.order] = xg
            else:
                x[np.ix_(plan.order, pos)] = xg
        return LatentRows(x, u)

    def _tilted_draws(
        self,
        space: LatentSpace,
        group: BoxRows,
        block: NDArray[np.float64],
        low: NDArray[np.float64],
        high: NDArray[np.float64],
        take: slice,
        rows: NDArray[np.int64],
    ) -> tuple[NDArray[np.float64], NDArray[np.intp]]:
        """A group's rows drawn in their boxes by minimax tilting (``block``: the restricted coordinates' Cholesky
        factor): the whitened draws and each row's box."""
        from . import _tmvn

        mu, psi = self.tilts(space, group)
        return _tmvn.sample_boxes(
            block, low, high, _take(mu, take, len(rows)), _take(psi, take, len(rows)), self.key, STREAM_CONDITIONS, rows
        )

    def _given_rows(
        self,
        space: LatentSpace,
        group: BoxRows,
        plan: _Plan,
        take: slice,
        rows: NDArray[np.int64],
        e: NDArray[np.float64],
    ) -> NDArray[np.float64]:
        """The coordinates (in ``plan.order``) of a group's rows over fixed coordinates; ``e`` their own scores."""

        k, p = len(group.coords), plan.fixed
        shifted_low, shifted_high = self._bounds(space, group)
        low, high = _take(shifted_low, take, len(rows)), _take(shifted_high, take, len(rows))
        e[:p] = self._whitened(space, plan, rows)
        block = plan.cholesky[p : p + k, p : p + k]
        method = self._method(group, plan)
        if method == "tilted":
            e[p : p + k], box = self._tilted_draws(space, group, block, low, high, take, rows)
        else:  # (the draws' own coordinates, after the fixed ones: a view of e, written in place)
            box = _draw_untilted(method, e[p:], k, len(rows), low, high, scale=np.diag(block))
        xg = correlate(e, plan.cholesky)
        for t in range(k):  # (rounding in the sum may step a hair outside the row's own box)
            np.clip(xg[p + t], *_box_ends(group, take, box, t), out=xg[p + t])
        _, values = self._given(space)
        for t in range(p):  # (exactly the fixed values, as the wrapped source gives them)
            xg[t] = values[t][rows] if values[t].ndim else float(values[t])
        return xg


def _box_ends(group: BoxRows, take: slice, box: NDArray[np.intp], t: int) -> tuple[Any, Any]:
    """The ends of coordinate ``t`` of each row's box ``box`` (rows ``take`` of ``group``): two numbers when
    every row shares one box, else one per row."""
    if len(group.low) == 1:  # (every row has the same boxes)
        if group.low.shape[1] == 1:
            return group.low[0, 0, t], group.high[0, 0, t]
        return group.low[0, :, t].take(box), group.high[0, :, t].take(box)
    picked = np.arange(len(box))
    return group.low[take][picked, box, t], group.high[take][picked, box, t]


@dataclass(frozen=True)
class Pin:
    """Rows ``rows`` (sorted indices) of one input: latent coordinate ``coord`` clipped into ``low..high``, or
    auxiliary uniform ``aux`` set to ``value`` (one number per row)."""

    rows: NDArray[np.int64]
    coord: int | None = None
    low: float = -np.inf
    high: float = np.inf
    aux: int | None = None
    value: NDArray[np.float64] | None = field(default=None, repr=False)


class Pinned(LatentSource):
    """Another source's rows with chosen inputs of chosen rows moved: a coordinate into an interval, a uniform set.

    A coordinate is clipped after the copula has correlated the row, so the
    other coordinates keep the values they were drawn with (those of the row
    before the move); the wrapped source should already keep the coordinate
    near the interval (a :class:`Regions` tail), so that they follow it.
    """

    def __init__(self, inner: LatentSource, pins: Sequence[Pin]) -> None:
        self.inner = inner
        self.key, self.seed = inner.key, inner.seed
        self.pins = list(pins)

    def __repr__(self) -> str:
        return f"Pinned({self.inner!r}, pins={len(self.pins)})"

    def check(self, space: LatentSpace, n: int) -> None:
        self.inner.check(space, n)

    def given(self, space: LatentSpace) -> dict[int, NDArray[np.float64]]:
        return self.inner.given(space)

    def held(self, space: LatentSpace, n: int) -> dict[int, NDArray[np.bool_]]:
        out = self.inner.held(space, n)
        for pin in self.pins:
            if pin.coord is not None:
                mask = out.setdefault(pin.coord, np.zeros(n, dtype=bool))
                mask[pin.rows[pin.rows < n]] = True
        return out

    def noise(self, space: LatentSpace, start: int, stop: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        return self.inner.noise(space, start, stop)

    def rows(self, space: LatentSpace, start: int, stop: int) -> LatentRows:
        out = self.inner.rows(space, start, stop)
        if any(pin.aux is not None for pin in self.pins):  # (the inner source may hand out a view of its own uniforms)
            out = LatentRows(out.x, out.u.copy())
        for pin in self.pins:
            first, last = (int(i) for i in np.searchsorted(pin.rows, [start, stop]))
            if first == last:
                continue
            pos = pin.rows[first:last] - start
            if pin.coord is not None:
                out.x[pin.coord, pos] = np.clip(out.x[pin.coord, pos], pin.low, pin.high)
            if pin.aux is not None and pin.value is not None:
                out.u[pos, pin.aux] = pin.value[first:last]
        return out


class Gathered(LatentSource):
    """Rows ``at`` (sorted indices, as a sample of ``at[-1] + 1`` rows or more numbers them) of another source, in
    order: row ``j`` of this source is row ``at[j]`` of that one, with the same inputs, so it depends only on its
    index there (its seed, its conditions' boxes and counter-based draws), never on the other rows gathered.

    The wrapped source is drawn block by block (``_seeding.BLOCK_ROWS``: a seeded source draws a block from its
    start), over the span of the rows wanted in each block, so the rows between them cost little.
    """

    def __init__(self, inner: LatentSource, at: NDArray[np.int64]) -> None:
        from ._seeding import BLOCK_ROWS

        self.inner = inner
        self.key, self.seed = inner.key, inner.seed
        self.at = np.asarray(at, dtype=np.int64)
        self._block = BLOCK_ROWS

    def __repr__(self) -> str:
        return f"Gathered({self.inner!r}, rows={len(self.at)})"

    def check(self, space: LatentSpace, n: int) -> None:
        if n > len(self.at):  # pragma: no cover - the sampler asks for the rows it gathered
            raise InvalidArgument(f"Gathered holds {len(self.at)} rows; {n} were asked for.")

    def given(self, space: LatentSpace) -> dict[int, NDArray[np.float64]]:
        return {}  # (the sources it gathers from fix no coordinate: Model.sample's own)

    def held(self, space: LatentSpace, n: int) -> dict[int, NDArray[np.bool_]]:
        if not isinstance(self.inner, Regions):
            return {}
        out: dict[int, NDArray[np.bool_]] = {}
        for group in self.inner.groups:
            pos = np.searchsorted(self.at, group.rows)
            inside = pos < len(self.at)
            inside[inside] = self.at[pos[inside]] == group.rows[inside]
            for j in group.coords:
                mask = out.setdefault(j, np.zeros(n, dtype=bool))
                mask[pos[inside][pos[inside] < n]] = True
        return out

    def _spans(self, start: int, stop: int) -> list[tuple[int, int, NDArray[np.int64]]]:
        """Per block of the wrapped source that holds rows ``start:stop`` of this one: the span of them it draws
        and their offsets in it."""
        wanted = self.at[start:stop]
        blocks = wanted // self._block
        cuts = np.flatnonzero(np.diff(blocks)) + 1
        out = []
        for part in np.split(wanted, cuts):
            if len(part):
                first = int(part[0])
                out.append((first, int(part[-1]) + 1, part - first))
        return out

    def noise(self, space: LatentSpace, start: int, stop: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        spans = self._spans(start, stop)
        pieces = [self.inner.noise(space, a, b) for a, b, _ in spans]
        if not pieces:
            return np.empty((space.dims, 0)), np.empty((0, space.aux))
        z = np.concatenate([p[0][:, off] for p, (_, _, off) in zip(pieces, spans, strict=True)], axis=1)
        u = np.concatenate([p[1][off] for p, (_, _, off) in zip(pieces, spans, strict=True)], axis=0)
        return z, u

    def rows(self, space: LatentSpace, start: int, stop: int) -> LatentRows:
        spans = self._spans(start, stop)
        if not spans:
            return LatentRows(np.empty((space.dims, 0)), np.empty((0, space.aux)))
        pieces = [self.inner.rows(space, a, b) for a, b, _ in spans]
        x = np.concatenate([p.x[:, off] for p, (_, _, off) in zip(pieces, spans, strict=True)], axis=1)
        u = np.concatenate([p.u[off] for p, (_, _, off) in zip(pieces, spans, strict=True)], axis=0)
        return LatentRows(x, u)


def _take(values: NDArray[Any], take: slice, r: int) -> NDArray[Any]:
    """Rows ``take`` of a group's per-row array, or its one row for every row when all rows share it."""
    if len(values) == 1:
        return np.broadcast_to(values, (r, *values.shape[1:]))
    return values[take]


def _draw_untilted(
    method: str,
    e: Any,
    k: int,
    n: int,
    low: NDArray[np.float64],
    high: NDArray[np.float64],
    *,
    scale: NDArray[np.float64] | None = None,
    uniform: bool = False,
) -> NDArray[np.intp]:
    """Draw a group's ``k`` restricted coordinates without tilting, in place in ``e[0 .. k)`` (rows of scores, a
    list or an array), and return each of the ``n`` rows' box: ``"independent"``, each coordinate in its own
    interval; else the first on its union of intervals (``uniform``: ``e[0]`` holds the rows' U(0, 1) values).
    ``scale`` divides the boxes (the Cholesky diagonal of coordinates drawn after fixed ones)."""
    if method == "independent":
        for t in range(k):
            lo, hi = low[:, 0, t], high[:, 0, t]
            if scale is not None:
                lo, hi = lo / scale[t], hi / scale[t]
            e[t] = truncated_normal(e[t], lo, hi)
        return np.zeros(n, dtype=np.intp)
    lo, hi = low[:, :, 0], high[:, :, 0]
    if scale is not None:
        lo, hi = lo / scale[0], hi / scale[0]
    e[0], box = _union_line(e[0], lo, hi, uniform=uniform)
    return box  # type: ignore[no-any-return]


def _union_line(
    score: NDArray[np.float64], low: NDArray[np.float64], high: NDArray[np.float64], *, uniform: bool = False
) -> tuple[NDArray[np.float64], NDArray[np.intp]]:
    """Return (the standard normal restricted to a union of intervals at the quantile of ``score``, the interval).

    ``low``/``high`` (rows, intervals) hold disjoint intervals in increasing
    order (empty ones have low > high). One interval: :func:`truncated_normal`
    (exact in the tails). Several: the row's quantile ``Phi(score)`` of the
    union's mass picks the interval and the quantile within it, so the map is
    the union's inverse CDF. With ``uniform``, ``score`` is that quantile itself
    (a U(0, 1) value, :func:`truncated_uniform`).
    """
    from ._tmvn import log_mass

    if low.shape[1] == 1:
        restricted = truncated_uniform if uniform else truncated_normal
        return restricted(score, low[:, 0], high[:, 0]), np.zeros(len(score), dtype=np.intp)
    with np.errstate(invalid="ignore"):
        lm = np.where(low > high, -np.inf, log_mass(low, high))
    top = lm.max(axis=1, keepdims=True)
    mass = np.exp(lm - top)
    cum = np.cumsum(mass, axis=1)
    t = (score if uniform else special.ndtr(score)) * cum[:, -1]
    last = low.shape[1] - 1 - np.argmax(mass[:, ::-1] > 0, axis=1)  # (Phi(score) may round to 1: stay in the union)
    box = np.minimum((cum <= t[:, None]).sum(axis=1), last)
    picked = np.arange(len(score))
    before = np.where(box > 0, cum[picked, np.maximum(box - 1, 0)], 0.0)
    q = np.clip((t - before) / np.maximum(mass[picked, box], 1e-300), 1e-300, 1.0 - 1e-16)
    if uniform:
        return truncated_uniform(q, low[picked, box], high[picked, box]), box
    inner = truncated_normal(special.ndtri(q), low[picked, box], high[picked, box])
    return inner, box


def _rows(values: NDArray[np.float64], start: int, stop: int) -> NDArray[np.float64]:
    return values[start:stop] if values.ndim else np.full(stop - start, float(values))


def truncated_normal(
    z: NDArray[np.float64], low: NDArray[np.float64], high: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Return the standard normal restricted to ``[low, high]`` at the quantile ``Phi(z)`` of that restriction.

    Works in the tail nearer the interval (the interval is mirrored when it
    lies above 0) and in log probabilities, so an interval any distance into
    a tail keeps its digits (``Phi`` of -40 underflows; its logarithm does
    not); an empty interval (``low == high``) gives ``low``.
    """
    # the ends are worked on in their own shape (one interval for all rows costs two scalars), the scores in full
    z, low, high = (_compact(np.asarray(v, dtype=np.float64)) for v in (z, low, high))
    if z.ndim == 1 and low.size == 1 and high.size == 1 and low.ndim <= 1 and high.ndim <= 1 and len(z) > 1:
        return _truncated_one(z, float(low.flat[0]), float(high.flat[0]))
    low, high = np.broadcast_arrays(low, high)
    flip = low > 0
    a = np.where(flip, -high, low)
    b = np.where(flip, -low, high)
    w = np.clip(np.where(flip, -z, z), -_Z_CLIP, _Z_CLIP)  # (beyond, Phi underflows: the interval's end)
    log_a, log_b = special.log_ndtr(a), special.log_ndtr(b)
    # p = Phi(a) + Phi(w) (Phi(b) - Phi(a)) = Phi(b) (1 - Phi(-w) (1 - Phi(a) / Phi(b)))
    with np.errstate(invalid="ignore"):  # (a = b = -inf: masked below)
        share = -np.expm1(log_a - log_b)
    log_p = log_b + np.log1p(-special.ndtr(-w) * np.nan_to_num(share, nan=0.0))
    return _from_log_p(log_p, a, b, flip, np.broadcast_shapes(z.shape, low.shape))


def _truncated_one(z: NDArray[np.float64], low: float, high: float) -> NDArray[np.float64]:
    """:func:`truncated_normal` of scores ``z`` (rows,) in one interval for every row: the same operations on the
    same values (so the same bits), each a single pass written in place, and the ones that change nothing skipped
    (a product with 1, a clip at an infinite end)."""
    flip = low > 0
    a, b = (-high, -low) if flip else (low, high)
    if a == b:
        return np.full(len(z), -a if flip else a)
    # w = clip(+-z) as the general path has it; it takes ndtr(-w), and -clip(-z) is clip(z) exactly
    t = np.clip(z, -_Z_CLIP, _Z_CLIP)
    if not flip:
        np.negative(t, out=t)
    share, log_b = _share(a, b), special.log_ndtr(np.float64(b))
    p = special.ndtr(t, out=t)
    np.negative(p, out=p)
    if share != 1.0:  # (an interval open below has share 1: a product that changes nothing)
        p *= share
    np.log1p(p, out=p)
    return _one_from_log_p(p, log_b, a, b, flip)


def truncated_uniform(
    v: NDArray[np.float64], low: NDArray[np.float64], high: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Return the standard normal restricted to ``[low, high]`` at its quantile ``v`` (U(0, 1) values).

    :func:`truncated_normal` of the scores whose ``Phi`` is ``v``, by the same
    formula in the same tail (log probabilities), with the row's share of the
    interval read from ``v`` instead of ``Phi`` of a score: its draw without
    the normal score taken and given back (``docs/explanation/math.md`` §10).
    """
    v, low, high = (_compact(np.asarray(a, dtype=np.float64)) for a in (v, low, high))
    if v.ndim == 1 and low.size == 1 and high.size == 1 and low.ndim <= 1 and high.ndim <= 1 and len(v) > 1:
        return _truncated_one_uniform(v, float(low.flat[0]), float(high.flat[0]))
    low, high = np.broadcast_arrays(low, high)
    flip = low > 0
    a = np.where(flip, -high, low)
    b = np.where(flip, -low, high)
    # the row's share of the (mirrored) interval above its value: Phi(-w) of truncated_normal (1 - v is exact
    # where it is small, v >= 1/2)
    above = np.where(flip, v, 1.0 - v)
    log_a, log_b = special.log_ndtr(a), special.log_ndtr(b)
    with np.errstate(invalid="ignore"):  # (a = b = -inf: masked below)
        share = np.nan_to_num(-np.expm1(log_a - log_b), nan=0.0)
    with np.errstate(divide="ignore"):  # (open below, log(1 - (1 - v)) is log(v), also where 1 - v rounds to 1)
        log_p = log_b + np.where(~flip & (share == 1.0), np.log(v), np.log1p(-above * share))
    return _from_log_p(log_p, a, b, flip, np.broadcast_shapes(v.shape, low.shape))


def _truncated_one_uniform(v: NDArray[np.float64], low: float, high: float) -> NDArray[np.float64]:
    """:func:`truncated_uniform` of ``v`` (rows,) in one interval for every row, each step one pass."""
    flip = low > 0
    a, b = (-high, -low) if flip else (low, high)
    if a == b:
        return np.full(len(v), -a if flip else a)
    share, log_b = _share(a, b), special.log_ndtr(np.float64(b))
    # log(1 - share * above), the row's share of the mirrored interval above it being v mirrored, 1 - v else
    if not flip and share == 1.0:  # (open below: log(v) itself, also where 1 - v rounds to 1)
        p = np.log(v)
    else:
        p = np.negative(v) if flip else np.subtract(v, 1.0)  # (v - 1 = -(1 - v), exact where it is small)
        if share != 1.0:  # (an interval open below has share 1)
            p *= share
        np.log1p(p, out=p)
    return _one_from_log_p(p, log_b, a, b, flip)


def _from_log_p(
    log_p: NDArray[np.float64],
    a: NDArray[np.float64],
    b: NDArray[np.float64],
    flip: NDArray[np.bool_],
    shape: tuple[int, ...],
) -> NDArray[np.float64]:
    """The draws of the general paths from their log probabilities in the mirrored intervals ``[a, b]``: clipped
    to them (an empty one, ``a == b``, is its point), mirrored back, and broadcast to ``shape``."""
    out = special.ndtri_exp(log_p)
    out = np.minimum(np.maximum(out, a), b)
    out = np.where(a == b, a, out)
    out = np.where(flip, -out, out)
    return out if out.shape == shape else np.broadcast_to(out, shape).copy()


def _one_from_log_p(p: NDArray[np.float64], log_b: np.float64, a: float, b: float, flip: bool) -> NDArray[np.float64]:
    """:func:`_from_log_p` for one interval: ``log1p(...)`` in ``p`` (overwritten) plus ``log Phi(b)``, each step
    one pass in place, the clips at infinite ends skipped (the same bits)."""
    p += log_b  # (log_b + log1p(...): the same sum)
    out = special.ndtri_exp(p, out=p)
    if a > -np.inf:
        np.maximum(out, a, out=out)
    if b < np.inf:
        np.minimum(out, b, out=out)
    if flip:
        np.negative(out, out=out)
    return out  # type: ignore[no-any-return]


def _share(a: float, b: float) -> np.float64:
    """``1 - Phi(a) / Phi(b)`` of an interval ``a < b`` in the lower half, from log probabilities: the share of
    ``Phi(b)`` that the interval holds (1 when it is open below). No NaN arises: ``log Phi(b)`` is -inf only
    when ``b`` is, and then ``a == b``, which the callers return before."""
    share: np.float64 = -np.expm1(special.log_ndtr(np.float64(a)) - special.log_ndtr(np.float64(b)))
    return share


def _compact(values: NDArray[np.float64]) -> NDArray[np.float64]:
    """``values``, or its first element alone when it is one value broadcast along its only axis."""
    if values.ndim == 1 and len(values) > 1 and values.strides[0] == 0:
        return values[:1]
    return values


#: Scores beyond this many standard deviations are taken as this (Phi of -38 is about 3e-316).
_Z_CLIP = 37.5
