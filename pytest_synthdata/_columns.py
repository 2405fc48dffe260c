"""Sampled columns: turn latent scores (or auxiliary uniforms) into typed pandas arrays.

A *modelled* column owns a marginal and consumes one coordinate of the copula
(``from_latent``). A *generated* column (Faker, Id) consumes auxiliary
uniforms or its own stream (``generate``). Both build their final pandas array
in ``finalize`` once all rows are drawn, applying the null mask there, so the
hot path is numpy on whole arrays and never Python per row.

Each kind also describes itself: ``to_spec`` gives its JSON description in a
model file, ``from_spec`` rebuilds it from one (validating every value, since
files are untrusted), and ``describe`` is its line in ``synthdata inspect``.
:data:`SPEC_TYPES` maps a file's ``"type"`` to the class that reads it.
"""

from __future__ import annotations

import copy
import functools
import json
import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd
from scipy import special

from . import _pii
from ._marginals import (
    Continuous,
    Discrete,
    RankCells,
    grid_quantiles,
    grid_without_ties,
    poisson_table,
    rank_cells_from_grid,
    rank_cells_of_grid_values,
    tabulate_grid,
)
from ._seeding import derive_seed
from ._validate import check_id_pattern
from .errors import InvalidArgument, PoolExhausted

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    from numpy.typing import NDArray

    from ._artifact import SpecReader

__all__ = [
    "BooleanColumn",
    "CategoryColumn",
    "ComputedColumn",
    "ConditionalColumn",
    "DatetimeColumn",
    "DerivedColumn",
    "FollowerColumn",
    "FakerColumn",
    "IdColumn",
    "ModelColumn",
    "NullColumn",
    "NumericColumn",
    "ProductColumn",
    "SINGLE_TOLERANCE",
    "SPEC_TYPES",
    "SUM_MAX_PARTS",
    "SUM_TOLERANCE",
    "SumColumn",
    "column_role",
    "identity_tolerance",
    "percent",
    "product_span",
    "resolve_function",
    "signed_span",
]

_NAT = np.iinfo(np.int64).min
#: The longest time unit a datetime column counts in (a day, for dates).
_MAX_UNIT_NS = 86_400 * 10**9
_DISTS = frozenset({"normal", "lognormal", "uniform", "exponential", "quantiles", "table", "poisson"})


@dataclass(frozen=True)
class RowLatent:
    """Rows' latent scores of one column, ``z``, and their normal distribution given the rest of each row: mean
    ``mean``, standard deviation ``sd`` (the copula's conditional; an order-constraint redraw draws from it).

    A violating row's place in that distribution beyond the threshold is its place among the violating scores,
    so the redraw is exactly the conditional distribution on the allowed side given the rest of the row.
    """

    z: NDArray[np.float64]
    mean: NDArray[np.float64]
    sd: float

    def __getitem__(self, rows: Any) -> RowLatent:
        return RowLatent(self.z[rows], self.mean[rows], self.sd)

    def _redrawn(self, t: NDArray[np.float64]) -> NDArray[np.float64]:
        """Each score redrawn above the score ``t`` from its conditional normal, at its place among the scores
        below ``t`` (a violating score lies there)."""
        from ._latent import truncated_normal

        a = (t - self.mean) / self.sd
        s = np.minimum((self.z - self.mean) / self.sd, a)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            place = np.exp(special.log_ndtr(s) - special.log_ndtr(a))
        place = np.clip(np.nan_to_num(place, nan=0.5), 1e-300, 1.0 - 1e-16)
        return self.mean + self.sd * truncated_normal(special.ndtri(place), a, np.full(len(a), np.inf))  # type: ignore[no-any-return]

    def above(self, t: NDArray[np.float64]) -> NDArray[np.float64]:
        """The quantile (in the column's marginal) of each score redrawn above the score ``t``."""
        return special.ndtr(self._redrawn(t))  # type: ignore[no-any-return]

    def below(self, t: NDArray[np.float64]) -> NDArray[np.float64]:
        """The quantile of each score redrawn below the score ``t`` (the mirror of :meth:`above`)."""
        return special.ndtr(-RowLatent(-self.z, -self.mean, self.sd)._redrawn(-t))  # type: ignore[no-any-return]


class ModelColumn:
    """Base class: one output column of a Model."""

    kind: str = "column"
    modelled: bool = True
    #: Auxiliary uniforms this column reads per row (besides its null flag).
    aux: int = 0
    #: Whether its values depend on the sample's key as well as the rows' inputs (a unique column's permutation).
    keyed: bool = False
    #: "numeric" or "datetime" for columns that order-constraints may compare.
    family: str | None = None
    #: Values per row in the raw buffer beyond the first axis (a UUID is 16 bytes), or None.
    raw_width: int | None = None
    #: The dtype the sampled column is converted to at the end (a fitted column keeps its source
    #: dtype, e.g. ``"int32"`` or ``"datetime64[us, UTC]"``), or None for :attr:`dtype` as is.
    cast: str | None = None
    #: A modelled column that the frame leaves out: the joint category of a fit's fixed combinations,
    #: which its member columns look their values up from.
    hidden: bool = False
    #: A number or date column that always lies at or above another (fitted models: ``checkout`` after
    #: ``checkin``) may be modelled by its gap: its marginal and coordinate are those of the difference, and each
    #: sampled value is that gap added to the value of the column named here (see ``Model._add_gaps``).
    after: str | None = None

    def __init__(self, name: str, *, null_rate: float = 0.0) -> None:
        self.name = name
        self.null_rate = float(null_rate)

    @property
    def dtype(self) -> str:
        """The pandas dtype of the sampled column, as a string."""
        raise NotImplementedError

    @property
    def raw_dtype(self) -> np.dtype[Any]:
        """The numpy dtype of the raw buffer filled before ``finalize``."""
        raise NotImplementedError

    def rank_cells(self) -> RankCells | None:
        """Return the latent tie structure (None for columns without noticeable ties).

        Found by evaluating the column on a fine latent grid: runs of equal
        values holding at least 1/256 of the probability are ties that the
        Spearman calibration must account for. Computed once: columns do not change.
        """
        if "_grid_cells" not in self.__dict__:
            self._grid_cells = rank_cells_from_grid(self.from_latent)
        return self._grid_cells

    def from_latent(self, z: NDArray[np.float64]) -> NDArray[Any]:
        """Return raw values for latent scores ``z`` (modelled columns)."""
        raise NotImplementedError

    def generate(self, u: NDArray[np.float64], key: int, start: int, stop: int) -> NDArray[Any]:
        """Return raw values for rows ``start:stop`` (generated columns) from their uniforms ``u`` (rows, aux).

        ``key`` keys what must be shared by the rows of one sample (the
        permutation that keeps a unique column's values distinct); nothing
        else may be random.
        """
        raise NotImplementedError

    def check_rows(self, n: int) -> None:
        """Raise before any drawing if ``n`` rows cannot be produced."""

    def finalize(self, raw: NDArray[Any], nulls: NDArray[np.bool_] | None) -> Any:
        """Return the pandas array (or numpy array) for the whole column."""
        raise NotImplementedError

    # order constraints -----------------------------------------------------
    #: Lowest and highest representable raw values.
    bounds: tuple[float, float] = (-math.inf, math.inf)

    def to_common(self, raw: NDArray[Any]) -> NDArray[Any]:
        """Return raw values in the unit shared by the family (float64, or int64 ns)."""
        raise NotImplementedError

    def show(self, raw: float) -> str:
        """Return a raw value as a user would write it (a date for date columns)."""
        return f"{raw:g}"

    def least_above(self, t: NDArray[Any], *, strict: bool) -> NDArray[np.float64]:
        """Return the smallest representable raw value ``> t`` (or ``>= t``), ``t`` in common units."""
        raise NotImplementedError

    def greatest_below(self, t: NDArray[Any], *, strict: bool) -> NDArray[np.float64]:
        """Return the largest representable raw value ``< t`` (or ``<= t``), ``t`` in common units."""
        raise NotImplementedError

    def draw_at_least(
        self, v_min: NDArray[np.float64], u: NDArray[np.float64], given: RowLatent | None = None
    ) -> NDArray[Any]:
        """Return raw values drawn from the marginal conditioned on ``value >= v_min``, using uniforms ``u`` (or,
        with ``given``, from the column's latent score given the rest of each row: see :class:`RowLatent`)."""
        raise NotImplementedError

    def draw_at_most(
        self, v_max: NDArray[np.float64], u: NDArray[np.float64], given: RowLatent | None = None
    ) -> NDArray[Any]:
        """The mirror of :meth:`draw_at_least`: values conditioned on ``value <= v_max``."""
        raise NotImplementedError

    def with_bounds(self, low: float, high: float) -> ModelColumn:
        """Return this column truncated to the representable bounds ``[low, high]``."""
        raise NotImplementedError

    # model files and inspect -------------------------------------------------
    #: The column's ``"type"`` in a model file (see :data:`SPEC_TYPES`); None for a kind files cannot hold.
    spec_type: ClassVar[str | None] = None
    #: Whether a model file holds the column's ``null_rate`` (not for Id and all-null columns).
    spec_null_rate: ClassVar[bool] = True

    def to_spec(self) -> dict[str, Any]:
        """Return the JSON-ready description of this column in a model file: name, type, its fields, null_rate, cast."""
        if self.spec_type is None:
            raise InvalidArgument(
                f"column {self.name!r}: {type(self).__name__} columns cannot be saved to a model file yet."
            )
        spec: dict[str, Any] = {"name": self.name, "type": self.spec_type, **self._spec_fields()}
        if self.spec_null_rate:
            spec["null_rate"] = self.null_rate
        spec["cast"] = self.cast
        if self.hidden:  # (written only when set, so other files keep their bytes)
            spec["hidden"] = True
        if self.after is not None:  # (the same: format version 5 only where a column has it)
            spec["after"] = self.after
        return spec

    def _spec_fields(self) -> dict[str, Any]:
        """Return the fields of this kind, in the order the file lists them."""
        raise NotImplementedError

    @classmethod
    def from_spec(cls, spec: dict[str, Any], reader: SpecReader, where: str | None = None) -> ModelColumn:
        """Return the column that ``spec`` (one entry of a model file's columns) describes.

        Model files are untrusted: every value is checked, and a wrong one raises
        ``ModelFileError`` naming the file, ``where`` (default ``column '<name>'``)
        and the field.
        """
        name = reader.get(spec, "name", str, where or "column")
        where = where or f"column {name!r}"
        cast = reader.get(spec, "cast", str, where, optional=True)
        null_rate = reader.probability(spec, "null_rate", where) if cls.spec_null_rate else 0.0
        column = cls._from_fields(name, spec, reader, where, null_rate)
        if cast is not None:
            problem = column.cast_problem(cast)
            if problem is not None:
                raise reader.fail(f"{where}.cast", problem)
        column.cast = cast
        if reader.get(spec, "hidden", bool, where, optional=True):
            if not column.modelled:
                raise reader.fail(f"{where}.hidden", "only a modelled column can be hidden")
            column.hidden = True
        column.after = _read_after(column, spec, reader, where)
        return column

    @classmethod
    def _from_fields(
        cls, name: str, spec: dict[str, Any], reader: SpecReader, where: str, null_rate: float
    ) -> ModelColumn:
        """Return the column from the fields of this kind in ``spec`` (``from_spec`` reads the shared ones)."""
        raise NotImplementedError

    def cast_problem(self, cast: str) -> str | None:
        """Return why the sampled values cannot take the dtype ``cast`` (and their missing values), or None."""
        try:
            target = pd.api.types.pandas_dtype("object" if cast == "str" else cast)
        except (TypeError, ValueError, ImportError) as exc:
            return f"{cast!r} is not a pandas dtype here ({exc})"
        if isinstance(target, pd.SparseDtype):  # (fit models a sparse column as its values' dtype)
            return f"{cast!r} is sparse, which model files do not hold; use its values' dtype {str(target.subtype)!r}"
        return self._cast_problem(cast, target)

    def _cast_problem(self, cast: str, target: Any) -> str | None:
        """Return why ``cast`` (parsed as the pandas dtype ``target``) does not fit, or None; text by default."""
        api = pd.api.types
        return None if api.is_object_dtype(target) or api.is_string_dtype(target) else self._misfit(cast)

    def _misfit(self, cast: str) -> str:
        return f"{cast!r} does not fit a {self.kind} column"

    def _int_nulls(self, cast: str, target: Any) -> str | None:
        """A numpy integer dtype cannot hold missing values: a column that has them needs the nullable one."""
        if self.null_rate > 0 and isinstance(target, np.dtype) and target.kind in "iu":
            return f"{cast!r} cannot hold the column's missing values; use {cast.capitalize()!r}"
        return None

    def describe(self) -> str:
        """Return one line about the column's marginal or generator (``synthdata inspect``)."""
        return ""


class NumericColumn(ModelColumn):
    """Numbers on an optional grid (``step``): integers, floats with decimals, or plain floats.

    The marginal is truncated to ``[low - step/2, high + step/2]`` so that every
    grid value inside the bounds owns a full cell of probability, and tabulated
    exactly when the grid has few values in the distribution's bulk.
    """

    family = "numeric"
    spec_type = "numeric"

    def __init__(
        self,
        name: str,
        *,
        dist: str,
        params: dict[str, Any],
        integer: bool,
        step: float | None = None,
        decimals: int | None = None,
        bounds: tuple[float, float] = (-math.inf, math.inf),
        null_rate: float = 0.0,
        inf_rates: tuple[float, float] = (0.0, 0.0),
        offset: int = 0,
    ) -> None:
        super().__init__(name, null_rate=null_rate)
        self._arguments: dict[str, Any] = {
            "dist": dist, "params": params, "integer": integer, "step": step, "decimals": decimals, "null_rate": null_rate,
        }  # fmt: skip
        #: Integers beyond +-2**52 (where float64 stops holding every half step) are modelled as their
        #: distance from ``offset``, added back in int64 arithmetic: ``params`` and ``bounds`` are then
        #: relative to it, so whole numbers near 2**62 are drawn as exactly as small ones.
        self.offset = int(offset)
        if self.offset:
            if not integer:
                raise InvalidArgument(f"column {name!r}: only integer columns take an offset.")
            self._arguments["offset"] = self.offset
        #: Shares of -inf and +inf (fitted float columns): the lowest and highest latent scores give them.
        self.inf_rates = (float(inf_rates[0]), float(inf_rates[1]))
        if any(self.inf_rates):
            self._arguments["inf_rates"] = self.inf_rates
        self.kind = "integer" if integer else "float"
        self.dist, self.params = dist, params
        self.integer = integer
        self.step = (step or 1.0) if integer else step
        self.decimals = decimals
        self.bounds = bounds
        self.marginal: Continuous | None = None
        self.values: NDArray[Any] | None = None
        self.discrete: Discrete | None = None
        lo, hi = bounds
        if dist == "poisson" and float(params["lam"]) > 1000:
            # a table would hold millions of values; the normal approximation is exact to < 1%
            lam = float(params["lam"])
            dist, params = "normal", {"loc": lam, "scale": math.sqrt(lam)}
            self.dist, self.params = dist, params
            lo = max(lo, 0.0)
            self.bounds = bounds = (lo, hi)
        if dist == "poisson":
            values, probs = poisson_table(float(params["lam"]), lo, hi)
            self._set_table(values.astype(np.float64), probs, name)
            if self.offset:
                self._check_offset_reach(name)
            return
        if dist == "table":  # fitted: observed values and their frequencies
            observed = np.asarray(params["values"], dtype=np.float64)
            weights = np.asarray(params["probs"], dtype=np.float64)
            inside = (observed >= lo) & (observed <= hi)
            self._set_table(observed[inside], weights[inside], name)
            if self.offset:
                self._check_offset_reach(name)
            return
        half = self.step / 2 if self.step else 0.0
        marginal = Continuous(
            dist, params, low=lo - half if math.isfinite(lo) else None, high=hi + half if math.isfinite(hi) else None
        )
        if not marginal.mass > 1e-12:
            raise InvalidArgument(
                f"column {name!r}: bounds [{lo}, {hi}] contain none of the {dist} distribution's probability "
                f"({_describe(params)}); widen the bounds or move the distribution inside them."
            )
        self.marginal = marginal
        if integer:
            lo_q, hi_q = marginal.support()
            if max(abs(lo_q), abs(hi_q)) > 2.0**53:
                raise InvalidArgument(
                    f"column {name!r}: the {dist} distribution ({_describe(params)}) reaches {max(abs(lo_q), abs(hi_q)):.3g}, "
                    "beyond +-2**53 where whole numbers stop being exact; add low=/high= bounds or narrow it."
                )
        if self.step:
            table = tabulate_grid(marginal, self.step)
            if table is not None:
                self._set_table(table[0], table[1], name)
        if self.offset:
            self._check_offset_reach(name)

    def _check_offset_reach(self, name: str) -> None:
        """Raise InvalidArgument unless every value ``offset + x`` the column can draw is an int64."""
        lo, hi = self.bounds
        if self.values is not None:
            lo, hi = max(lo, float(self.values[0])), min(hi, float(self.values[-1]))
        elif self.marginal is not None:
            q_lo, q_hi = self.marginal.support()
            lo, hi = max(lo, q_lo), min(hi, q_hi)
        if not (math.isfinite(lo) and math.isfinite(hi) and max(abs(lo), abs(hi)) <= 2.0**52) or not (
            -(2**63) <= self.offset + math.floor(lo) and self.offset + math.ceil(hi) <= MAX_INT64
        ):
            raise InvalidArgument(
                f"column {name!r}: the {self.dist} distribution ({_describe(self.params)}) placed at {self.offset} "
                "reaches beyond int64 (-2**63 .. 2**63 - 1) or more than 2**52 from it; add low=/high= bounds "
                "or narrow it."
            )

    def _set_table(self, values: NDArray[np.float64], probs: NDArray[np.float64], name: str) -> None:
        total = float(probs.sum()) if values.size else 0.0
        if not 0.0 < total < math.inf:  # (NaN and infinite probabilities make the sum so too)
            raise InvalidArgument(
                f"column {name!r}: bounds {list(self.bounds)} leave no values of the {self.dist} distribution "
                f"({_describe(self.params)}); widen the bounds."
            )
        if self.integer:
            self.values = values.astype(np.int64)
        elif self.decimals is not None:
            self.values = values.round(self.decimals)
        else:
            self.values = values
        self.discrete = Discrete(probs)

    @functools.cached_property
    def _cum(self) -> NDArray[np.float64]:
        assert self.discrete is not None
        return np.cumsum(self.discrete.probs)

    @property
    def dtype(self) -> str:
        if self.integer:
            return "Int64" if self.null_rate > 0 else "int64"
        return "float64"

    @property
    def raw_dtype(self) -> np.dtype[Any]:
        return np.dtype(np.int64 if self.integer else np.float64)

    def rank_cells(self) -> RankCells | None:
        if self.discrete is not None:
            return self.discrete.rank_cells()
        if "_grid_cells" not in self.__dict__ and self._plain_on_grid():
            assert self.marginal is not None
            resolution = self._grid_resolution()
            if resolution is not None and grid_without_ties(self.marginal, resolution, self.bounds):
                self._grid_cells = None  # (what the grid would give: no run of equal values long enough to tie)
            else:
                on_grid = grid_quantiles(self.marginal)
                if on_grid is not None:  # (what from_latent gives on the grid, without the sampling guide)
                    self._grid_cells = rank_cells_of_grid_values(self._snap(on_grid))
        return super().rank_cells()

    def _grid_resolution(self) -> float | None:
        """How far apart two draws must be for :meth:`_snap` to keep them apart: a step (when rounding to the
        decimals keeps its multiples apart, and an integer column's step is whole), or 0.0 without one; None
        when that is not so."""
        if not self.step:
            return None if self.integer else 0.0
        step = float(self.step)
        if self.integer and not step.is_integer():
            return None
        if self.decimals is not None:  # (rounding to the decimals keeps two multiples apart when they are whole
            # units of the last decimal apart, each near its own decimal, or at least two units apart)
            units = step * 10.0**self.decimals
            if not (units >= 2.0 or (round(units) >= 1 and abs(units - round(units)) < 1e-6)):
                return None
        return step

    def _plain_on_grid(self) -> bool:
        """Whether :meth:`from_latent` is the marginal's ``ppf_latent``, snapped (no infinities, no offset)."""
        cls = type(self)
        return (
            self.marginal is not None
            and not any(self.inf_rates)
            and not self.offset
            and cls.from_latent is NumericColumn.from_latent
            and cls._finite is NumericColumn._finite
        )

    def _snap(self, x: NDArray[np.float64]) -> NDArray[Any]:
        """Round continuous draws to the grid and keep them inside the bounds."""
        if self.step:
            x = np.rint(x / self.step) * self.step
            if self.decimals is not None:
                x = np.round(x, self.decimals)
        lo, hi = self.bounds
        x = np.clip(x, lo, hi)
        return x.astype(np.int64) if self.integer else x

    def from_latent(self, z: NDArray[np.float64]) -> NDArray[Any]:
        if any(self.inf_rates):
            return self._with_infinities(z)
        if self.offset:
            return self._finite(z) + np.int64(self.offset)  # bounds keep the sum inside int64
        return self._finite(z)

    def _finite(self, z: NDArray[np.float64]) -> NDArray[Any]:
        if self.discrete is not None:
            assert self.values is not None
            return self.values.take(self.discrete.codes_latent(z))  # (take: cheaper than fancy indexing)
        assert self.marginal is not None
        return self._snap(self.marginal.ppf_latent(z))

    def _with_infinities(self, z: NDArray[np.float64]) -> NDArray[Any]:
        """Lowest latent scores give -inf, highest +inf; the rest map onto the finite marginal."""
        neg, pos = self.inf_rates
        lo_cut, hi_cut = special.ndtri(neg), special.ndtri(1.0 - pos)
        u = special.ndtr(z)
        finite = (z >= lo_cut) & (z <= hi_cut)
        inner = np.clip((u - neg) / max(1.0 - neg - pos, 1e-300), 1e-300, 1.0 - 1e-16)
        out = self._finite(special.ndtri(inner)).astype(np.float64)
        out[~finite] = np.where(z[~finite] < lo_cut, -np.inf, np.inf)
        return out

    def finalize(self, raw: NDArray[Any], nulls: NDArray[np.bool_] | None) -> Any:
        if nulls is None:
            return raw
        if self.integer:
            return pd.arrays.IntegerArray(raw, nulls)
        raw[nulls] = np.nan
        return raw

    # order constraints -----------------------------------------------------
    def to_common(self, raw: NDArray[Any]) -> NDArray[Any]:
        return raw.astype(np.float64)

    def _grid_value(self, k: NDArray[np.float64]) -> NDArray[np.float64]:
        assert self.step
        out = k * self.step
        return np.round(out, self.decimals) if self.decimals is not None else out

    def _grid_search(self, x: NDArray[np.float64], *, up: bool, strict: bool) -> NDArray[np.float64]:
        """Return the first grid value beyond ``x`` (above if ``up``), compared in value space.

        ``x / step`` is inexact (1e9 + 0.07 over 0.01), so neighbouring grid
        points are tried in order rather than trusting one division.
        """
        assert self.step
        sign = 1 if up else -1
        base = (np.floor(x / self.step) - 1) if up else (np.ceil(x / self.step) + 1)
        out = np.full_like(x, np.nan)
        for offset in range(4):
            v = self._grid_value(base + sign * offset)
            ok = (v > x if strict else v >= x) if up else (v < x if strict else v <= x)
            out = np.where(np.isnan(out) & ok, v, out)
        return out

    def least_above(self, t: NDArray[Any], *, strict: bool) -> NDArray[np.float64]:
        x = np.asarray(t, dtype=np.float64)
        if not self.step:
            return np.nextafter(x, np.inf) if strict else x
        return self._grid_search(x, up=True, strict=strict)

    def greatest_below(self, t: NDArray[Any], *, strict: bool) -> NDArray[np.float64]:
        x = np.asarray(t, dtype=np.float64)
        if not self.step:
            return np.nextafter(x, -np.inf) if strict else x
        return self._grid_search(x, up=False, strict=strict)

    def _below(self, v_min: NDArray[np.float64]) -> NDArray[np.float64]:
        """Return P(value < v_min) under the column's (truncated) marginal."""
        if self.discrete is not None:
            assert self.values is not None
            first = np.searchsorted(self.values, v_min, side="left")
            return np.where(first > 0, self._cum[np.maximum(first - 1, 0)], 0.0)
        m = self.marginal
        assert m is not None
        edge = v_min - (self.step / 2 if self.step else 0.0)
        return np.clip((m.cdf(edge) - m._f_low) / m.mass, 0.0, 1.0)

    def draw_at_least(
        self, v_min: NDArray[np.float64], u: NDArray[np.float64], given: RowLatent | None = None
    ) -> NDArray[Any]:
        """Redraw values ``>= v_min`` from the marginal conditioned there.

        ``u`` is each row's quantile in the full marginal (below ``P(value < v_min)``
        for a violating row); rescaled to the violating region it becomes the
        row's quantile above ``v_min``, so "late stays late" and independent
        columns get exactly the conditional distribution. With ``given`` (the
        row's latent score and its normal distribution given the rest of the
        row), the score is drawn from that distribution above the threshold's
        score instead: a correlated neighbour's value says where (just above it,
        mostly), as the copula does.
        """
        below = self._below(v_min)
        if given is None:
            rel = np.clip(u / np.maximum(below, 1e-300), 0.0, 1.0 - 1e-16)
            q = below + (1.0 - below) * rel
        else:  # (where no value is at or above v_min, the top: then v_min and the upper bound, below)
            some = below < 1.0
            q = np.where(some, given.above(special.ndtri(np.where(some, below, 0.5))), 1.0)
            q = np.clip(q, below, 1.0 - 1e-16)
            rel = np.clip((q - below) / np.maximum(1.0 - below, 1e-300), 0.0, 1.0 - 1e-16)  # (the quantile above v_min)
        out = np.empty(len(v_min), dtype=np.float64)
        tail = np.zeros(len(v_min), dtype=bool)
        if self.discrete is not None:
            assert self.values is not None
            tail = v_min > self.values[-1]  # beyond the tabulated bulk
            idx = np.searchsorted(self._cum, q, side="right")
            first = np.searchsorted(self.values, v_min, side="left")
            out[:] = self.values[np.clip(np.maximum(idx, first), 0, len(self.values) - 1)]
        if self.discrete is None or tail.any():
            if self.marginal is not None:
                m = self.marginal
                rows = slice(None) if self.discrete is None else tail
                qq = np.clip(m._f_low + m.mass * q[rows], 1e-15, 1.0 - 1e-15)
                out[rows] = self._snap(m._ppf(qq))
            elif self.dist == "poisson":  # beyond its table: the tail is close to geometric with ratio lam / (k + 1)
                ratio = np.minimum(float(self.params["lam"]) / (v_min[tail] + 1.0), 0.999)
                extra = np.floor(np.log1p(-rel[tail]) / np.log(ratio))
                out[tail] = v_min[tail] + extra
            # (a fitted frequency table has no values beyond its largest: those rows take v_min, its least
            # value allowed, below)
        out = np.maximum(out, v_min)
        out = np.minimum(out, self.bounds[1])
        return out.astype(np.int64) if self.integer else out

    def draw_at_most(
        self, v_max: NDArray[np.float64], u: NDArray[np.float64], given: RowLatent | None = None
    ) -> NDArray[Any]:
        """Redraw values ``<= v_max`` from the marginal conditioned there (the mirror of :meth:`draw_at_least`).

        ``u`` is each row's quantile in the full marginal (above ``P(value <= v_max)``
        for a violating row); rescaled to the allowed region it becomes the
        row's quantile below ``v_max``, so "late stays late" among the redrawn.
        ``given``: as in :meth:`draw_at_least`, below the threshold's score.
        """
        v_max = np.asarray(v_max, dtype=np.float64)
        upto = self._below(self.least_above(v_max, strict=True))  # P(value <= v_max)
        if given is None:
            rel = np.clip((u - upto) / np.maximum(1.0 - upto, 1e-300), 0.0, 1.0 - 1e-16)
            q = upto * rel
        else:  # (where no value is at or below v_max, the bottom: then v_max and the lower bound, below)
            some = upto > 0.0
            q = np.clip(np.where(some, given.below(special.ndtri(np.where(some, upto, 0.5))), 0.0), 0.0, upto)
        out = np.empty(len(v_max), dtype=np.float64)
        if self.discrete is not None:
            assert self.values is not None
            idx = np.searchsorted(self._cum, q, side="right")
            last = np.searchsorted(self.values, v_max, side="right") - 1
            out[:] = self.values[np.clip(np.minimum(idx, last), 0, len(self.values) - 1)]
        else:
            m = self.marginal
            assert m is not None
            qq = np.clip(m._f_low + m.mass * q, 1e-15, 1.0 - 1e-15)
            out[:] = self._snap(m._ppf(qq))
        out = np.minimum(out, v_max)
        out = np.maximum(out, self.bounds[0])
        return out.astype(np.int64) if self.integer else out

    def with_bounds(self, low: float, high: float) -> ModelColumn:
        out = type(self)(self.name, **{**self._arguments, "bounds": (low, high)})
        out.cast = self.cast  # (a fitted column's source dtype, set after it was made)
        return out

    def with_offset(self, offset: int) -> NumericColumn:
        """Return this column (its parameters and bounds relative to ``offset``) drawing ``offset + value``."""
        out = type(self)(self.name, **{**self._arguments, "bounds": self.bounds, "offset": offset})
        out.cast = self.cast
        return out

    # model files and inspect -------------------------------------------------
    def _spec_fields(self) -> dict[str, Any]:
        args = self._arguments
        fields = {
            **self._grid_fields(),
            "dist": args["dist"],
            "params": _params(args["params"]),
            "bounds": [_number(self.bounds[0]), _number(self.bounds[1])],
            "inf_rates": list(self.inf_rates),
        }
        if self.offset:  # written only when set, so other files keep their bytes
            fields["offset"] = self.offset
        return fields

    def _grid_fields(self) -> dict[str, Any]:
        """Return the fields saying which numbers the column holds (they come first in the file)."""
        args = self._arguments
        return {"integer": bool(args["integer"]), "step": args["step"], "decimals": args["decimals"]}

    @classmethod
    def _from_fields(
        cls, name: str, spec: dict[str, Any], reader: SpecReader, where: str, null_rate: float
    ) -> ModelColumn:
        r = reader
        dist = r.get(spec, "dist", str, where)
        if dist not in _DISTS:
            raise r.fail(f"{where}.dist", f"unknown distribution {dist!r}; expected one of {sorted(_DISTS)}")
        params = _read_params(dist, r.get(spec, "params", dict, where), r, f"{where}.params")
        bounds = r.get(spec, "bounds", list, where)
        if len(bounds) != 2 or not all(
            b is None or (isinstance(b, (int, float)) and not isinstance(b, bool)) for b in bounds
        ):
            raise r.fail(f"{where}.bounds", "expected [low, high] (null for unbounded)")
        low, high = (
            (-math.inf if bounds[0] is None else float(r.numbers({"bounds": [bounds[0]]}, "bounds", where)[0])),
            (math.inf if bounds[1] is None else float(r.numbers({"bounds": [bounds[1]]}, "bounds", where)[0])),
        )
        if not low <= high:
            raise r.fail(f"{where}.bounds", f"low {low} is above high {high}")
        grid = cls._read_grid(spec, r, where)
        inf_rates = [0.0, 0.0]
        if "inf_rates" in spec:
            inf_rates = r.probabilities(spec, "inf_rates", where, size=2).tolist()
            if any(inf_rates) and grid["integer"]:
                raise r.fail(f"{where}.inf_rates", f"{inf_rates} must be 0 for whole numbers (they hold no infinity)")
            if sum(inf_rates) >= 1.0:
                raise r.fail(f"{where}.inf_rates", f"{inf_rates} must leave room for finite values (sum below 1)")
        common: dict[str, Any] = {"dist": dist, "params": params, "bounds": (low, high), "null_rate": null_rate}
        if any(inf_rates):
            common["inf_rates"] = (float(inf_rates[0]), float(inf_rates[1]))
        step = r.get(spec, "step", (int, float), where, optional=True)
        if step is not None and not step > 0:
            raise r.fail(f"{where}.step", f"{step} is not a positive grid step")
        offset = spec.get("offset", 0)  # (read by hand: it may pass the reader's +-2**62 limit for ints)
        if not isinstance(offset, int) or isinstance(offset, bool) or not -(2**63) <= offset <= MAX_INT64:
            raise r.fail(f"{where}.offset", f"{json.dumps(offset)[:80]} is not an int64 offset")
        if offset:
            if spec.get("integer") is not True:
                raise r.fail(f"{where}.offset", "only integer columns take an offset")
            common["offset"] = offset  # the column checks that its values stay inside int64
        column = cls(name, step=None if step is None else float(step), **grid, **common)
        assert isinstance(column, NumericColumn)
        lowest, highest = column.value_range()
        if not (math.isfinite(lowest) and math.isfinite(highest)):
            raise r.fail(
                f"{where}.params", f"the values reach {lowest:g} .. {highest:g}, beyond what a float holds; narrow them"
            )
        return column

    def value_range(self) -> tuple[float, float]:
        """Return the lowest and highest finite raw values the column can give (whatever its latent score).

        With an ``offset`` the values are ``offset + raw``; the range is of the raw part, which is what a float
        must hold (the offset is added in int64 arithmetic).
        """
        with np.errstate(over="ignore", invalid="ignore"):  # an overflow is what the callers look for
            raw = self._finite(np.array([-_LATENT_EDGE, _LATENT_EDGE]))
        return float(raw[0]), float(raw[1])

    @classmethod
    def _read_grid(cls, spec: dict[str, Any], r: SpecReader, where: str) -> dict[str, Any]:
        """Return the constructor arguments that :meth:`_grid_fields` wrote (besides the step), validated."""
        integer = r.get(spec, "integer", bool, where)
        decimals = r.get(spec, "decimals", int, where, optional=True)
        if decimals is not None and not 0 <= decimals <= 15:
            raise r.fail(f"{where}.decimals", f"{decimals} is not between 0 and 15")
        return {"integer": integer, "decimals": decimals}

    def _cast_problem(self, cast: str, target: Any) -> str | None:
        api = pd.api.types
        fits = api.is_numeric_dtype(target) and not api.is_bool_dtype(target)
        if fits and (problem := self._int_nulls(cast, target)):
            return problem
        if fits and self.integer is False and api.is_integer_dtype(target):
            fits = False
        if fits and (problem := self._range_problem(cast, target)):
            return problem
        return None if fits else self._misfit(cast)

    def _range_problem(self, cast: str, target: Any) -> str | None:
        """Return why values of the column would not survive the numeric dtype ``target`` (wrap, overflow), or None."""
        kind = np.dtype(getattr(target, "numpy_dtype", target))  # nullable, pyarrow: their numpy kin
        if kind.kind not in "iuf":
            return None
        info: Any = np.iinfo(kind) if kind.kind in "iu" else np.finfo(kind)
        lowest, highest = self.value_range()
        lowest, highest = lowest + self.offset, highest + self.offset  # (values are offset + raw)
        if float(info.min) <= lowest and highest <= float(info.max):
            return None
        return (
            f"{cast!r} cannot hold the column's values ({self.show(lowest)} .. {self.show(highest)}; it holds "
            f"{info.min} .. {info.max}), they would wrap or overflow; use a wider dtype or narrow the bounds"
        )

    def describe(self) -> str:
        lo, hi = self.bounds
        if self.offset:
            return f"[{self.offset + int(lo)} .. {self.offset + int(hi)}]"
        return f"[{self.show(lo)} .. {self.show(hi)}]" if lo > float("-inf") and hi < float("inf") else self.dist


class DatetimeColumn(NumericColumn):
    """Timestamps modelled as whole numbers of ``unit`` since the epoch (day for dates)."""

    family = "datetime"
    spec_type = "datetime"

    def __init__(self, name: str, *, unit_ns: int, is_date: bool, **kwargs: Any) -> None:
        self.unit_ns = unit_ns
        self.is_date = is_date
        kwargs.setdefault("integer", True)
        super().__init__(name, **kwargs)
        self._arguments.update(unit_ns=unit_ns, is_date=is_date)
        self.kind = "date" if is_date else "datetime"

    @property
    def dtype(self) -> str:
        return "datetime64[ns]"

    def show(self, raw: float) -> str:
        if not math.isfinite(raw):
            return str(raw)
        return str(pd.Timestamp(int(raw) * self.unit_ns))

    def finalize(self, raw: NDArray[Any], nulls: NDArray[np.bool_] | None) -> Any:
        ns = raw * self.unit_ns
        if nulls is not None:
            ns[nulls] = _NAT
        return ns.view("M8[ns]")

    def to_common(self, raw: NDArray[Any]) -> NDArray[Any]:
        return raw.astype(np.int64) * self.unit_ns

    # thresholds arrive in int64 nanoseconds: divide exactly, never through float64
    def least_above(self, t: NDArray[Any], *, strict: bool) -> NDArray[np.float64]:
        t = np.asarray(t, dtype=np.int64)
        k = t // self.unit_ns + 1 if strict else -((-t) // self.unit_ns)
        return k.astype(np.float64)

    def greatest_below(self, t: NDArray[Any], *, strict: bool) -> NDArray[np.float64]:
        t = np.asarray(t, dtype=np.int64)
        k = -((-t) // self.unit_ns) - 1 if strict else t // self.unit_ns
        return k.astype(np.float64)

    # model files -------------------------------------------------------------
    def _grid_fields(self) -> dict[str, Any]:
        return {"unit_ns": self.unit_ns, "is_date": self.is_date, "step": self._arguments["step"]}

    @classmethod
    def _read_grid(cls, spec: dict[str, Any], r: SpecReader, where: str) -> dict[str, Any]:
        unit_ns = r.get(spec, "unit_ns", int, where)
        if not 1 <= unit_ns <= _MAX_UNIT_NS:
            raise r.fail(f"{where}.unit_ns", f"{unit_ns} is not a time unit from 1 ns to a day ({_MAX_UNIT_NS} ns)")
        return {"unit_ns": unit_ns, "is_date": r.get(spec, "is_date", bool, where)}

    @classmethod
    def _from_fields(
        cls, name: str, spec: dict[str, Any], reader: SpecReader, where: str, null_rate: float
    ) -> ModelColumn:
        column = super()._from_fields(name, spec, reader, where, null_rate)
        assert isinstance(column, DatetimeColumn)
        lowest, highest = column.value_range()
        # timestamps are int64 nanoseconds, the lowest of which means "missing" (NaT)
        if not (_NAT < lowest * column.unit_ns and highest * column.unit_ns < -float(_NAT)):
            raise reader.fail(
                f"{where}.params",
                f"the values reach {lowest:g} .. {highest:g} units of {column.unit_ns} ns, beyond the timestamps "
                "pandas holds (years 1678 to 2261); narrow them",
            )
        return column

    def _cast_problem(self, cast: str, target: Any) -> str | None:
        return None if pd.api.types.is_datetime64_any_dtype(target) else self._misfit(cast)


#: No latent score reaches this far (a standard normal beyond 40 has probability below 1e-348).
_LATENT_EDGE = 40.0

#: The numbers each distribution needs in a model file, and which of them must be positive.
_DIST_PARAMS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "normal": (("loc", "scale"), ("scale",)),
    "lognormal": (("mu", "sigma"), ("sigma",)),
    "uniform": (("low", "high"), ()),
    "exponential": (("loc", "scale"), ("scale",)),
    "poisson": (("lam",), ("lam",)),
}


def _read_params(dist: str, raw: dict[str, Any], r: SpecReader, where: str) -> dict[str, Any]:
    """Return a numeric column's validated distribution parameters (``where`` is their field in the file)."""
    if dist in ("quantiles", "table"):
        values = np.asarray(r.numbers(raw, "values", where), dtype=np.float64)
        probs = r.probabilities(raw, "probs", where, size=len(values), total=1.0 if dist == "table" else None)
        if len(values) == 0:
            raise r.fail(f"{where}.values", "expected at least one value")
        if dist == "quantiles":
            if len(values) < 2 or probs[0] != 0.0 or probs[-1] != 1.0 or np.any(np.diff(probs) < 0):
                raise r.fail(f"{where}.probs", "quantile levels must rise from 0 to 1")
            if np.any(np.diff(values) < 0):
                raise r.fail(f"{where}.values", "quantile knots must be a non-empty ascending list")
        elif np.any(np.diff(values) <= 0):
            raise r.fail(f"{where}.values", "table values must be distinct and ascending")
        names: tuple[str, ...] = ("probs", "values")
        read: dict[str, Any] = {"probs": probs, "values": values}
    else:
        names, positive = _DIST_PARAMS[dist]
        read = {
            key: r.positive(raw, key, where) if key in positive else float(r.get(raw, key, (int, float), where))
            for key in names
        }
        if dist == "uniform" and not read["low"] < read["high"]:
            raise r.fail(where, f"uniform low {read['low']} must be below high {read['high']}")
    unknown = sorted(set(raw) - set(names))
    if unknown:
        raise r.fail(f"{where}.{unknown[0]}", f"a {dist} distribution takes only {list(names)}")
    return {key: read[key] for key in raw}  # in the file's order, so a loaded model saves the same bytes


def percent(rate: float) -> str:
    """Return ``rate`` as a percentage for ``synthdata inspect``: whole percents, but never a rounded 0% or 100%.

    >>> percent(0.1), percent(0.0004), percent(0.9996), percent(1.0)
    ('10%', '0.04%', '99.96%', '100%')
    """
    text = f"{rate:.0%}"
    if 0 < rate < 1 and text in ("0%", "100%"):
        digits = max(0, -math.floor(math.log10(min(rate, 1 - rate) * 100)))  # one significant digit of the gap
        text = f"{rate * 100:.{digits}f}%"
    return text


def _describe(params: dict[str, Any]) -> str:
    return ", ".join(
        f"{k}={v:g}" if isinstance(v, float) else f"{k}={v!r}"
        for k, v in params.items()
        if not isinstance(v, np.ndarray)
    )


def _number(x: float) -> float | None:
    """Infinite bounds are written as null."""
    return None if math.isinf(x) else float(x)


def _array(a: Any) -> list[Any]:
    return [v.item() if isinstance(v, np.generic) else v for v in np.asarray(a).tolist()]


def _params(params: dict[str, Any]) -> dict[str, Any]:
    return {k: _array(v) if hasattr(v, "__len__") and not isinstance(v, str) else float(v) for k, v in params.items()}


def _json_values(column: str, values: list[Any]) -> list[Any]:
    out = []
    for v in values:
        v = v.item() if hasattr(v, "item") and not isinstance(v, (str, bytes)) else v
        if not (isinstance(v, (str, int, bool)) or (isinstance(v, float) and math.isfinite(v))):
            raise InvalidArgument(
                f"column {column!r}: category {v!r} ({type(v).__name__}) cannot be written as JSON; model files "
                "hold string, whole-number, decimal and boolean categories."
            )
        out.append(v)
    return out


def _category_index(values: list[Any]) -> pd.Index:
    """Categories as an Index of their natural dtype (str, int64, bool), or object when the types are mixed."""
    kinds = {type(v) for v in values}
    if len(kinds) == 1 and kinds <= {str, int, float, bool}:
        return pd.Index(values)
    return pd.Index(values, dtype=object)


def _read_categories(values: list[Any], r: SpecReader, where: str) -> None:
    """Raise ModelFileError unless ``values`` are distinct strings, whole numbers, finite decimals or booleans."""
    for i, c in enumerate(values):
        if not isinstance(c, (str, int, float)) or (isinstance(c, float) and not math.isfinite(c)):
            raise r.fail(
                f"{where}[{i}]", f"categories must be strings, numbers or booleans, found {json.dumps(c)[:80]}"
            )
        if isinstance(c, int) and not isinstance(c, bool) and abs(c) >= 2**63:
            raise r.fail(f"{where}[{i}]", f"{c} is out of range")
    if len({json.dumps(c) for c in values}) != len(values):
        raise r.fail(where, "categories repeat")


class CategoryColumn(ModelColumn):
    """Categories with probabilities; a higher latent score picks a later category."""

    kind = "category"
    spec_type = "category"

    def __init__(
        self,
        name: str,
        *,
        categories: list[Any],
        probs: NDArray[np.float64],
        ordered: bool = False,
        null_rate: float = 0.0,
        dtype_order: list[Any] | None = None,
    ) -> None:
        super().__init__(name, null_rate=null_rate)
        self.categories = categories
        self.probs = np.asarray(probs, dtype=np.float64)
        self.discrete = Discrete(self.probs)
        self.ordered = ordered
        #: Categories in the order the output dtype lists them, when that differs from the latent order.
        self.dtype_order = dtype_order
        self._recode: NDArray[np.int64] | None = None
        if dtype_order is not None:
            if not {repr(c) for c in categories} <= {repr(c) for c in dtype_order} or len(
                {repr(c) for c in dtype_order}
            ) != len(dtype_order):
                raise InvalidArgument(
                    f"column {name!r}: dtype_order must list every category once (and may add unused ones)."
                )
            position = {repr(c): i for i, c in enumerate(dtype_order)}
            self._recode = np.array([position[repr(c)] for c in categories], dtype=np.int64)

    @property
    def dtype(self) -> str:
        return "category"

    @property
    def raw_dtype(self) -> np.dtype[Any]:
        return np.dtype(np.int64)

    def rank_cells(self) -> RankCells | None:
        return self.discrete.rank_cells()

    def from_latent(self, z: NDArray[np.float64]) -> NDArray[Any]:
        return self.discrete.codes_latent(z)

    def finalize(self, raw: NDArray[Any], nulls: NDArray[np.bool_] | None) -> Any:
        if self._recode is not None:
            raw = self._recode[raw]
        if nulls is not None:
            raw[nulls] = -1
        return pd.Categorical.from_codes(raw, dtype=self._dtype, validate=False)  # (codes index it by construction)

    @functools.cached_property
    def _dtype(self) -> pd.CategoricalDtype:
        """The output dtype, built once (when first sampled: fits build many columns)."""
        index = _category_index(self.categories if self.dtype_order is None else self.dtype_order)
        return pd.CategoricalDtype(index, ordered=self.ordered)

    @functools.cached_property
    def _objects(self) -> NDArray[Any]:
        """The categories as Python objects in latent order, then NaN for a missing value (code -1)."""
        return np.array([*self.categories, np.nan], dtype=object)

    def finalize_typed(self, raw: NDArray[Any], dtype: str) -> NDArray[Any] | None:
        """Return the column (no missing values) as a numpy array of ``dtype`` without a Categorical, or None
        when the categories are not already of that dtype (then the cast goes through pandas)."""
        if dtype not in self._typed:
            values = np.array(self.categories)
            self._typed[dtype] = values if values.dtype == np.dtype(dtype) and values.ndim == 1 else None
        typed = self._typed[dtype]
        return None if typed is None else typed.take(raw)

    @functools.cached_property
    def _typed(self) -> dict[str, NDArray[Any] | None]:
        """The categories as a numpy array per output dtype they already have (None: they do not)."""
        return {}

    def finalize_objects(self, raw: NDArray[Any], nulls: NDArray[np.bool_] | None) -> NDArray[Any]:
        """Return the column as an object array (a fitted column cast back to objects), without a Categorical."""
        if nulls is not None:
            raw = np.where(nulls, -1, raw)
        return self._objects.take(raw)

    # model files and inspect -------------------------------------------------
    def _spec_fields(self) -> dict[str, Any]:
        fields = {
            "categories": _json_values(self.name, self.categories),
            "probs": _array(self.probs),
            "ordered": self.ordered,
        }
        if self.dtype_order is not None:
            fields["dtype_order"] = _json_values(self.name, self.dtype_order)
        return fields

    @classmethod
    def _from_fields(
        cls, name: str, spec: dict[str, Any], reader: SpecReader, where: str, null_rate: float
    ) -> ModelColumn:
        r = reader
        categories = r.get(spec, "categories", list, where)
        probs = np.asarray(r.numbers(spec, "probs", where), dtype=np.float64)
        if len(categories) == 0 or len(categories) != len(probs):
            raise r.fail(where, f"{len(categories)} categories but {len(probs)} probabilities")
        probs = r.probabilities(spec, "probs", where, total=1.0)
        _read_categories(categories, r, f"{where}.categories")
        dtype_order = r.get(spec, "dtype_order", list, where, optional=True)
        if dtype_order is not None:
            _read_categories(dtype_order, r, f"{where}.dtype_order")
        return cls(
            name,
            categories=categories,
            probs=probs,
            ordered=r.get(spec, "ordered", bool, where),
            null_rate=null_rate,
            dtype_order=dtype_order,
        )

    def _cast_problem(self, cast: str, target: Any) -> str | None:
        api = pd.api.types
        if not api.is_numeric_dtype(target) or api.is_bool_dtype(target):
            return super()._cast_problem(cast, target)
        # integer codes modelled as categories (school numbers): every category must be a number of that kind
        whole = api.is_integer_dtype(target)
        kind: Any = np.dtype(getattr(target, "numpy_dtype", target))  # nullable, pyarrow: their numpy kin
        info: Any = np.iinfo(kind) if whole else np.finfo(kind)
        lo, hi = (int(info.min), int(info.max)) if whole else (float(info.min), float(info.max))
        fits = all(
            isinstance(v, (int, float))
            and not isinstance(v, bool)
            and (not whole or float(v).is_integer())
            and lo <= v <= hi  # the value must fit the dtype, or it would wrap (300 as uint8 is 44)
            for v in self.categories
        )
        if fits and (problem := self._int_nulls(cast, target)):
            return problem
        return None if fits else self._misfit(cast)

    def describe(self) -> str:
        top = sorted(zip(self.probs, self.categories, strict=True), key=lambda pc: -pc[0])[:3]
        more = f" +{len(self.categories) - 3} more" if len(self.categories) > 3 else ""
        return ", ".join(f"{c!r} {p:.0%}" for p, c in top) + more


class BooleanColumn(ModelColumn):
    """True with probability ``p``; True sits at the high end of the latent scale."""

    kind = "boolean"
    spec_type = "boolean"

    def __init__(self, name: str, *, p: float, null_rate: float = 0.0) -> None:
        super().__init__(name, null_rate=null_rate)
        self.p = p
        self.discrete = Discrete(np.array([1.0 - p, p]))

    @property
    def dtype(self) -> str:
        return "boolean" if self.null_rate > 0 else "bool"

    @property
    def raw_dtype(self) -> np.dtype[Any]:
        return np.dtype(np.bool_)

    def rank_cells(self) -> RankCells | None:
        return self.discrete.rank_cells()

    def from_latent(self, z: NDArray[np.float64]) -> NDArray[Any]:
        return self.discrete.codes_latent(z).astype(np.bool_)

    def finalize(self, raw: NDArray[Any], nulls: NDArray[np.bool_] | None) -> Any:
        return raw if nulls is None else pd.arrays.BooleanArray(raw, nulls)

    # model files -------------------------------------------------------------
    def _spec_fields(self) -> dict[str, Any]:
        return {"p": self.p}

    @classmethod
    def _from_fields(
        cls, name: str, spec: dict[str, Any], reader: SpecReader, where: str, null_rate: float
    ) -> ModelColumn:
        return cls(name, p=reader.probability(spec, "p", where), null_rate=null_rate)

    def _cast_problem(self, cast: str, target: Any) -> str | None:
        return None if pd.api.types.is_bool_dtype(target) else self._misfit(cast)

    def describe(self) -> str:
        return f"True in {percent(self.p)} of {'non-null ' if self.null_rate else ''}rows"


class ConditionalColumn(ModelColumn):
    """A column whose marginal depends on the group of another column (fitted models).

    ``given`` names a category or boolean column; ``groups[code]`` maps its
    latent code to one of ``levels``, each a column of the same kind fitted on
    that group's rows. The copula coordinate is the row's grade *within its
    group*, so penguins of each species keep their own body-mass distribution
    while one correlation matrix still joins all columns. ``base`` (the column
    fitted on all rows) fixes the dtype, categories and null handling.
    """

    spec_type = "conditional"

    def __init__(
        self, name: str, *, base: ModelColumn, given: str, groups: list[int], levels: list[ModelColumn]
    ) -> None:
        super().__init__(name, null_rate=base.null_rate)
        self.base = base
        self.given = given
        self.groups = list(groups)
        self.levels = list(levels)
        self._group_of = np.asarray(groups, dtype=np.int64)
        self.kind = base.kind
        self.cast = base.cast
        self.raw_width = base.raw_width
        self.family = base.family  # (order constraints compare it as its base)
        self.bounds = base.bounds
        if not levels or min(groups) < 0 or max(groups) >= len(levels):
            raise InvalidArgument(f"column {name!r}: groups must index its {len(levels)} levels.")
        for level in levels:
            if type(level) is not type(base) or level.raw_dtype != base.raw_dtype:
                raise InvalidArgument(f"column {name!r}: every level must be a {type(base).__name__} like its base.")
            if getattr(level, "categories", None) != getattr(base, "categories", None):
                raise InvalidArgument(
                    f"column {name!r}: every level must have the categories of its base, in the same order."
                )

    @property
    def dtype(self) -> str:
        return self.base.dtype

    @property
    def raw_dtype(self) -> np.dtype[Any]:
        return self.base.raw_dtype

    def rank_cells(self) -> RankCells | None:
        return self.base.rank_cells()

    def from_latent(self, z: NDArray[np.float64]) -> NDArray[Any]:
        return self.base.from_latent(z)

    @property
    def partition_key(self) -> tuple[str, bytes, int]:
        """Columns with equal keys split rows into levels the same way (one partition serves them all)."""
        return self.given, self._group_of.tobytes(), len(self.levels)

    def partition(self, codes: NDArray[Any]) -> tuple[NDArray[np.intp] | None, NDArray[np.intp]]:
        """Return (rows ordered by level, where each level starts and ends in that order) for ``codes``.

        When every row is in one level (a condition on the given column), the order is None: the rows as they are.
        """
        group = self._small_group_of[codes.astype(np.int64, copy=False)]
        if len(group) and not (group != group[0]).any():
            return None, np.searchsorted(group[:1], np.arange(len(self.levels) + 1)) * len(group)
        order = np.argsort(group, kind="stable")  # (a small unsigned type sorts by radix: one pass, same order)
        return order, np.searchsorted(group[order], np.arange(len(self.levels) + 1))

    @functools.cached_property
    def _small_group_of(self) -> NDArray[Any]:
        """:attr:`_group_of` in the smallest unsigned type that holds every level (numpy sorts those by radix)."""
        levels = len(self.levels)
        return self._group_of.astype(np.uint8 if levels <= 256 else np.uint16 if levels <= 65536 else np.int64)

    def from_latent_given(
        self,
        z: NDArray[np.float64],
        codes: NDArray[Any],
        partition: tuple[NDArray[np.intp] | None, NDArray[np.intp]] | None = None,
    ) -> NDArray[Any]:
        """Return raw values for latent scores ``z`` of rows whose ``given`` column has latent ``codes``.

        ``partition`` is ``self.partition(codes)``, computed once for every column with the same key.
        """
        order, bounds = self.partition(codes) if partition is None else partition
        if order is None:  # every row in one level (the first whose end is the last row)
            one = self.levels[int(np.searchsorted(bounds, len(z), side="left")) - 1]
            return one.from_latent(z)
        ordered = z[order]
        values = np.empty(len(z), dtype=self.raw_dtype)
        for k, level in enumerate(self.levels):
            a, b = int(bounds[k]), int(bounds[k + 1])
            if b > a:
                values[a:b] = level.from_latent(ordered[a:b])
        out = np.empty_like(values)
        out[order] = values
        return out

    def finalize(self, raw: NDArray[Any], nulls: NDArray[np.bool_] | None) -> Any:
        return self.base.finalize(raw, nulls)

    # order constraints: values and thresholds as its base's, redraws from each row's group -------------
    def to_common(self, raw: NDArray[Any]) -> NDArray[Any]:
        return self.base.to_common(raw)

    def show(self, raw: float) -> str:
        return self.base.show(raw)

    def least_above(self, t: NDArray[Any], *, strict: bool) -> NDArray[np.float64]:
        return self.base.least_above(t, strict=strict)

    def greatest_below(self, t: NDArray[Any], *, strict: bool) -> NDArray[np.float64]:
        return self.base.greatest_below(t, strict=strict)

    def draw_at_least_given(
        self, v_min: NDArray[np.float64], u: NDArray[np.float64], codes: NDArray[Any], given: RowLatent | None = None
    ) -> NDArray[Any]:
        """:meth:`ModelColumn.draw_at_least` for rows whose ``given`` column has latent ``codes``: each row
        redraws from its own group's marginal."""
        return self._per_level("draw_at_least", v_min, u, codes, given)

    def draw_at_most_given(
        self, v_max: NDArray[np.float64], u: NDArray[np.float64], codes: NDArray[Any], given: RowLatent | None = None
    ) -> NDArray[Any]:
        """:meth:`ModelColumn.draw_at_most` for rows whose ``given`` column has latent ``codes``."""
        return self._per_level("draw_at_most", v_max, u, codes, given)

    def _per_level(
        self,
        method: str,
        limit: NDArray[np.float64],
        u: NDArray[np.float64],
        codes: NDArray[Any],
        given: RowLatent | None = None,
    ) -> NDArray[Any]:
        order, bounds = self.partition(codes)
        if order is None:
            order = np.arange(len(limit))
        out = np.empty(len(limit), dtype=self.raw_dtype)
        for k, level in enumerate(self.levels):
            rows = order[int(bounds[k]) : int(bounds[k + 1])]
            if rows.size:
                out[rows] = getattr(level, method)(limit[rows], u[rows], None if given is None else given[rows])
        return out

    # model files and inspect: the base and levels carry null_rate and cast -----
    def to_spec(self) -> dict[str, Any]:
        spec: dict[str, Any] = {
            "name": self.name,
            "type": self.spec_type,
            "given": self.given,
            "groups": list(self.groups),
            "base": self.base.to_spec(),
            "levels": [level.to_spec() for level in self.levels],
        }
        if self.hidden:  # (a joint category refitted per segment group; written only when set, as for any column)
            spec["hidden"] = True
        if self.after is not None:  # (a gap fitted per segment group)
            spec["after"] = self.after
        return spec

    @classmethod
    def from_spec(cls, spec: dict[str, Any], reader: SpecReader, where: str | None = None) -> ModelColumn:
        r = reader
        name = r.get(spec, "name", str, where or "column")
        where = where or f"column {name!r}"
        given = r.get(spec, "given", str, where)
        groups = r.get(spec, "groups", list, where)
        if not all(isinstance(g, int) and not isinstance(g, bool) for g in groups):
            raise r.fail(f"{where}.groups", "expected a list of whole numbers")
        base = r.column(r.get(spec, "base", dict, where), f"{where}.base")
        raw_levels = r.get(spec, "levels", list, where)
        levels = [r.column(level, f"{where}.levels[{i}]") for i, level in enumerate(raw_levels)]
        if any(level.name != name for level in [base, *levels]):
            raise r.fail(where, "base and levels must carry the column's own name")
        if base.cast is not None:  # the levels draw the values, the base's cast converts them
            for i, level in enumerate(levels):
                if (problem := level.cast_problem(base.cast)) is not None:
                    raise r.fail(f"{where}.levels[{i}]", f"the base's cast: {problem}")
        column = cls(name, base=base, given=given, groups=groups, levels=levels)
        column.hidden = bool(r.get(spec, "hidden", bool, where, optional=True))
        column.after = _read_after(column, spec, r, where)
        return column

    def describe(self) -> str:
        return f"per group of {self.given!r}; overall " + self.base.describe()


def _read_after(column: ModelColumn, spec: dict[str, Any], r: SpecReader, where: str) -> str | None:
    """A model file's ``after`` of a column (the column it is a gap above), checked against the column's kind."""
    after = r.get(spec, "after", str, where, optional=True)
    if after is None:
        return None
    numbers = column.base if isinstance(column, ConditionalColumn) else column
    if type(column) not in (NumericColumn, DatetimeColumn, ConditionalColumn) or not isinstance(numbers, NumericColumn):
        raise r.fail(
            f"{where}.after", "only a number or date column with a coordinate of its own can be a gap above another"
        )
    if column.null_rate > 0 or any(numbers.inf_rates) or after == column.name:
        raise r.fail(f"{where}.after", "a gap column has no missing or infinite values, and lies above another column")
    return after


def _named_base(spec: dict[str, Any], r: SpecReader, where: str | None) -> tuple[str, str, ModelColumn]:
    """A wrapping column's name, where its fields are (for errors), and its ``base`` column, which carries the name."""
    name = r.get(spec, "name", str, where or "column")
    where = where or f"column {name!r}"
    base = r.column(r.get(spec, "base", dict, where), f"{where}.base")
    if base.name != name:
        raise r.fail(where, "base must carry the column's own name")
    return name, where, base


class _OnBase(ModelColumn):
    """A column whose values come out of another column, ``base``, which fixes its dtype and finishes it."""

    base: ModelColumn

    @property
    def dtype(self) -> str:
        return self.base.dtype

    @property
    def raw_dtype(self) -> np.dtype[Any]:
        return self.base.raw_dtype

    def finalize(self, raw: NDArray[Any], nulls: NDArray[np.bool_] | None) -> Any:
        return self.base.finalize(raw, nulls)


class DerivedColumn(_OnBase):
    """A category or boolean column that another category determines (model -> manufacturer, zip -> city).

    ``given`` names the determining category; ``lookup[code]`` is this
    column's raw value (category code, or bool) for the given column's latent
    ``code``. ``base`` fixes dtype, categories and null handling. The value is
    looked up, never drawn, so every row keeps the real pairing.
    """

    modelled = False
    spec_type = "derived"

    def __init__(self, name: str, *, base: ModelColumn, given: str, lookup: list[Any]) -> None:
        super().__init__(name, null_rate=base.null_rate)
        if not isinstance(base, (CategoryColumn, BooleanColumn)):
            raise InvalidArgument(f"column {name!r}: only category and boolean columns can be derived.")
        self.base = base
        self.given = given
        self.lookup = list(lookup)
        self._lookup = np.asarray(lookup, dtype=base.raw_dtype)
        size = len(base.categories) if isinstance(base, CategoryColumn) else 2
        if isinstance(base, CategoryColumn) and (
            self._lookup.min(initial=0) < 0 or self._lookup.max(initial=0) >= size
        ):
            raise InvalidArgument(f"column {name!r}: lookup codes must index its {size} categories.")
        self.kind = base.kind
        self.cast = base.cast

    def derive(self, given_raw: NDArray[Any]) -> NDArray[Any]:
        """Return raw values for rows whose ``given`` column has latent codes ``given_raw``."""
        return self._lookup[given_raw.astype(np.int64)]

    # model files and inspect: the base carries null_rate and cast ----------------
    def to_spec(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.spec_type,
            "given": self.given,
            "lookup": _array(self.lookup),
            "base": self.base.to_spec(),
        }

    @classmethod
    def from_spec(cls, spec: dict[str, Any], reader: SpecReader, where: str | None = None) -> ModelColumn:
        r = reader
        name, where, base = _named_base(spec, r, where)
        given = r.get(spec, "given", str, where)
        lookup = r.get(spec, "lookup", list, where)
        wanted = bool if isinstance(base, BooleanColumn) else int
        if not all(isinstance(v, wanted) and (wanted is bool or not isinstance(v, bool)) for v in lookup):
            raise r.fail(f"{where}.lookup", f"expected a list of {wanted.__name__} values")
        return cls(name, base=base, given=given, lookup=lookup)

    def describe(self) -> str:
        return f"looked up from {self.given!r}"


class FollowerColumn(_OnBase):
    """A number or date column that a monotone function of another one gives in every row (fitted models:
    ``log_wage`` of ``wage``, ``awake`` of ``asleep``).

    It has no latent coordinate of its own: it reads its ``leader``'s (negated
    when ``decreasing``) through its own marginal ``base``. Every sampled pair
    keeps the order the data has, and each column keeps its own distribution;
    a copula could only come near it (a latent correlation of 0.999 leaves
    thousands of rows out of order). A leader fitted per segment group has a
    follower fitted in the same groups (``base`` a ``ConditionalColumn``): it
    reads the leader's score within the row's group, and the order holds
    within every group.
    """

    modelled = False
    spec_type = "follower"
    family = None  # (no order constraint reads it: it has no coordinate to redraw)

    def __init__(self, name: str, *, base: ModelColumn, leader: str, decreasing: bool = False) -> None:
        numbers = base.base if isinstance(base, ConditionalColumn) else base
        if not isinstance(numbers, NumericColumn) or base.null_rate > 0:
            raise InvalidArgument(f"column {name!r}: only number and date columns without missing values can follow.")
        super().__init__(name, null_rate=0.0)
        self.base = base
        self.leader = str(leader)
        self.decreasing = bool(decreasing)
        self.kind = base.kind
        self.cast = base.cast
        self.bounds = base.bounds
        #: The segment column whose groups its marginals (and its leader's) are fitted in, or None.
        self.given: str | None = base.given if isinstance(base, ConditionalColumn) else None

    def from_leader(
        self, z: NDArray[np.float64], codes: NDArray[Any] | None = None, partition: Any = None
    ) -> NDArray[Any]:
        """Return raw values for the leader's latent scores ``z`` (within the rows' segment groups, whose ``codes``
        and ``partition`` a follower fitted per group reads, as its leader does)."""
        z = -z if self.decreasing else z
        if isinstance(self.base, ConditionalColumn):
            assert codes is not None, "a follower fitted per group reads the rows' group codes"
            return self.base.from_latent_given(z, codes, partition)
        return self.base.from_latent(z)

    def to_spec(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.spec_type,
            "leader": self.leader,
            "decreasing": self.decreasing,
            "base": self.base.to_spec(),
        }

    @classmethod
    def from_spec(cls, spec: dict[str, Any], reader: SpecReader, where: str | None = None) -> ModelColumn:
        r = reader
        name, where, base = _named_base(spec, r, where)
        leader = r.get(spec, "leader", str, where)
        decreasing = r.get(spec, "decreasing", bool, where)
        return cls(name, base=base, leader=leader, decreasing=decreasing)  # (which checks the base)

    def describe(self) -> str:
        return f"{'decreasing' if self.decreasing else 'increasing'} in {self.leader!r}; " + self.base.describe()


#: The most columns a detected sum adds (``total = a + b + c``).
SUM_MAX_PARTS = 3


class SumColumn(_OnBase):
    """A number column that the signed sum of two or three others gives in every real row (fitted models:
    ``medicines = prescribed + over_the_counter``, ``late = number - early``).

    It has no latent coordinate of its own: after the constraint stage, each
    row's value is its ``parts``' values times their ``signs`` (+1 or -1),
    added (rounded to the column's own decimals, a whole number in an integer
    column), so every sampled row keeps the identity. ``base`` is the column's
    own fitted marginal: it fixes the dtype and the range the sampler keeps
    the sum in (see ``Model._keep_sum_range``), and the fidelity profile and
    ``describe`` read it.
    """

    modelled = False
    spec_type = "sum"
    family = None  # (no order constraint reads it: it has no coordinate to redraw)
    #: Whether its parts carry signs (a model file writes them): a sum's do, a product's do not.
    signed: ClassVar[bool] = True

    def __init__(
        self, name: str, *, base: ModelColumn, parts: Sequence[str], signs: Sequence[int] | None = None
    ) -> None:
        if (
            not isinstance(base, NumericColumn)
            or isinstance(base, DatetimeColumn)
            or base.null_rate > 0
            or base.offset
            or any(base.inf_rates)
        ):
            raise InvalidArgument(
                f"column {name!r}: only number columns (not dates) without missing values, infinities or whole "
                "numbers beyond 2**52 can be sums or products."
            )
        parts = [str(p) for p in parts]
        signs = [1] * len(parts) if signs is None else list(signs)
        if not 2 <= len(parts) <= SUM_MAX_PARTS or len(set(parts)) != len(parts) or name in parts:
            raise InvalidArgument(
                f"column {name!r}: a sum adds 2 to {SUM_MAX_PARTS} other columns, each once; got {parts!r}."
            )
        if len(signs) != len(parts) or any(type(sign) is not int or sign not in (1, -1) for sign in signs):
            raise InvalidArgument(f"column {name!r}: a sum has a sign, 1 or -1, for each of its parts; got {signs!r}.")
        super().__init__(name, null_rate=0.0)
        self.base: NumericColumn = base
        self.parts = parts
        self.signs = signs
        self.kind = base.kind
        self.cast = base.cast
        self.bounds = base.bounds

    def to_common(self, raw: NDArray[Any]) -> NDArray[Any]:
        return self.base.to_common(raw)

    @property
    def formula(self) -> str:
        """The sum as written: ``'number' - 'early'``."""
        text = ("-" if self.signs[0] < 0 else "") + repr(self.parts[0])
        for part, sign in zip(self.parts[1:], self.signs[1:], strict=True):
            text += f" {'+' if sign > 0 else '-'} {part!r}"
        return text

    def combined(self, parts: Sequence[NDArray[Any]]) -> NDArray[Any]:
        """The parts' values (one array each, in order) combined, before rounding: their signed sum (added exactly,
        as int64, where every part holds whole numbers: below 2**50 each, as detection requires)."""
        whole = all(v.dtype.kind in "iu" for v in parts)
        out = np.zeros(len(parts[0]), dtype=np.int64 if whole else np.float64)
        for v, sign in zip(parts, self.signs, strict=True):
            out = out + v if sign > 0 else out - v
        return out

    def span(self, ranges: Sequence[tuple[float, float]]) -> tuple[float, float]:
        """The least and greatest value of the column when each part lies in its range (in order)."""
        return signed_span(self.signs, ranges)

    def part_interval(
        self, part: str, common: Mapping[str, NDArray[np.float64]], lo: float, hi: float
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Per row, the least and greatest value of ``part`` that puts the column in ``[lo, hi]`` given the other
        parts' values (``common``: every part's values as floats)."""
        sign = self.signs[self.parts.index(part)]
        others = np.zeros(len(common[part]))
        for p, s in zip(self.parts, self.signs, strict=True):
            if p != part:
                others = others + s * common[p]
        ends = sign * (lo - others), sign * (hi - others)
        return np.minimum(*ends), np.maximum(*ends)

    def add(self, raws: Mapping[str, NDArray[Any]]) -> NDArray[Any]:
        """Return the raw values of the rows whose parts' raw values are ``raws`` (each a part's name -> values)."""
        total = self.combined([raws[p] for p in self.parts])
        if total.dtype.kind == "i":  # (whole numbers, added exactly)
            return self._held(total) if self.base.integer else self._rounded(total.astype(np.float64))
        return self._rounded(total)

    def _rounded(self, out: NDArray[np.float64]) -> NDArray[Any]:
        """Values rounded as the column stores them: whole numbers, or its decimals."""
        if self.base.integer:  # (clipped first: a float beyond int64 would turn into its least value)
            return self._held(np.clip(np.rint(out), -(2.0**62), 2.0**62).astype(np.int64))
        return np.round(out, self.base.decimals) if self.base.decimals is not None else out

    def _held(self, values: NDArray[np.int64]) -> NDArray[np.int64]:
        """Whole numbers kept within what the column's integer dtype holds (``int16``: +-32,767), so none wraps
        around when cast: a row whose parts add up beyond it (which the parts' ranges and the sampler's redraws
        all but rule out) breaks the identity there, and ``validate`` says so."""
        kind = _integer_dtype(self.cast)
        if kind is None or kind.itemsize >= 8:
            return values
        info = np.iinfo(kind)
        return np.clip(values, info.min, info.max)

    def add_frame(self, frame: pd.DataFrame, dataset: str) -> pd.Series:
        """Return the signed sum of the parts' columns of ``frame`` (a factory's frame after ``set=`` gave a part
        values), rounded as :meth:`add` rounds; missing where a part is."""
        try:
            total = self._combined_frame([frame[p].astype("Float64") for p in self.parts])
        except (TypeError, ValueError) as exc:
            raise InvalidArgument(
                f"dataset {dataset!r}: column {self.name!r} equals {self.formula} in every row, and the values set for "
                f"its parts do not add up ({exc}); set numbers, or set {self.name!r} too."
            ) from None
        if self.base.integer:
            total = total.round()
        elif self.base.decimals is not None:
            total = total.round(self.base.decimals)
        dtype = self.cast or self.dtype
        kind = _integer_dtype(dtype)
        if kind is not None:
            info = np.iinfo(kind)
            beyond = (total < info.min) | (total > info.max)
            if bool(beyond.fillna(False).any()):
                raise InvalidArgument(
                    f"dataset {dataset!r}: column {self.name!r} equals {self.formula} in every row, and the values "
                    f"set for its parts give {int(beyond.fillna(False).sum())} values beyond its dtype {dtype} "
                    f"({info.min} .. {info.max}); set smaller values, or set {self.name!r} too."
                )
            if total.isna().any():  # (a part set to None: the nullable dtype of the same width)
                dtype = dtype.capitalize() if dtype.startswith(("int", "uint")) else dtype
                dtype = "UInt" + dtype[4:] if dtype.startswith("Uint") else dtype
        return total.astype(pd.api.types.pandas_dtype(dtype))

    def _combined_frame(self, parts: list[pd.Series]) -> pd.Series:
        """:meth:`combined` of nullable columns (missing where a part is)."""
        total = parts[0] * self.signs[0]
        for part, sign in zip(parts[1:], self.signs[1:], strict=True):
            total = total + part * sign
        return total

    def to_spec(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.spec_type,
            "parts": list(self.parts),
            **({"signs": list(self.signs)} if self.signed else {}),
            "base": self.base.to_spec(),
        }

    @classmethod
    def from_spec(cls, spec: dict[str, Any], reader: SpecReader, where: str | None = None) -> ModelColumn:
        r = reader
        name, where, base = _named_base(spec, r, where)
        parts = r.get(spec, "parts", list, where)
        if not all(isinstance(p, str) for p in parts):
            raise r.fail(f"{where}.parts", "expected a list of column names")
        if not cls.signed and "signs" in spec:
            raise r.fail(f"{where}.signs", f"a {cls.spec_type} column has no signs (its parts are multiplied)")
        signs = r.get(spec, "signs", list, where) if cls.signed else None
        return cls(name, base=base, parts=parts, signs=signs)  # (which checks the base, the parts and the signs)

    def describe(self) -> str:
        return f"= {self.formula} in every row; " + self.base.describe()


#: The share of the magnitudes within which columns add up (adding decimals errs by 1e-16) ...
SUM_TOLERANCE = 1e-9
#: ... and ``float32`` columns, which add up in single precision (6e-8) before a frame stores them.
SINGLE_TOLERANCE = 1e-6


def identity_tolerance(dtypes: Iterable[Any]) -> float:
    """The share of the magnitudes within which columns of these dtypes (or dtype names) add up:
    :data:`SINGLE_TOLERANCE` where one holds single-precision floats, else :data:`SUM_TOLERANCE`."""
    return SINGLE_TOLERANCE if any(str(dtype) == "float32" for dtype in dtypes) else SUM_TOLERANCE


def signed_span(signs: Sequence[int], ranges: Sequence[tuple[float, float]]) -> tuple[float, float]:
    """The least and greatest signed sum of parts that each lie in their range (in order)."""
    low = sum(lo if sign > 0 else -hi for (lo, hi), sign in zip(ranges, signs, strict=True))
    high = sum(hi if sign > 0 else -lo for (lo, hi), sign in zip(ranges, signs, strict=True))
    return float(low), float(high)


def product_span(ranges: Sequence[tuple[float, float]]) -> tuple[float, float]:
    """The least and greatest product of two parts that each lie in their range: two of its corners."""
    corners = [a * b for a in ranges[0] for b in ranges[1]]
    return float(min(corners)), float(max(corners))


def _integer_dtype(dtype: str | None) -> np.dtype[Any] | None:
    """The numpy integer dtype named ``dtype`` (``"int16"``, ``"Int32"``), or None for any other."""
    if dtype is None:
        return None
    try:
        found = pd.api.types.pandas_dtype(dtype)
    except (TypeError, ValueError):
        return None
    kind = getattr(found, "numpy_dtype", found)  # (a nullable Int32's numpy dtype is int32)
    return kind if isinstance(kind, np.dtype) and kind.kind in "iu" else None


class ProductColumn(SumColumn):
    """A number column that the product of two others gives in every real row, to its own decimals (fitted
    models: ``line_total = quantity * unit_price``).

    As a :class:`SumColumn`, with the two ``parts`` multiplied instead of
    added (and rounded to the column's decimals, as the data has it).
    """

    spec_type = "product"
    signed = False

    def __init__(
        self, name: str, *, base: ModelColumn, parts: Sequence[str], signs: Sequence[int] | None = None
    ) -> None:
        super().__init__(name, base=base, parts=parts, signs=signs)
        if len(self.parts) != 2 or self.signs != [1, 1]:
            raise InvalidArgument(f"column {name!r}: a product multiplies 2 other columns; got {self.parts!r}.")

    @property
    def formula(self) -> str:
        return f"{self.parts[0]!r} * {self.parts[1]!r}"

    def combined(self, parts: Sequence[NDArray[Any]]) -> NDArray[np.float64]:
        out: NDArray[np.float64] = np.asarray(parts[0], dtype=np.float64) * parts[1]
        return out

    def span(self, ranges: Sequence[tuple[float, float]]) -> tuple[float, float]:
        return product_span(ranges)

    def part_interval(
        self, part: str, common: Mapping[str, NDArray[np.float64]], lo: float, hi: float
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        other = common[self.parts[1] if part == self.parts[0] else self.parts[0]]
        # (where the other part is 0 no value of this one changes the product: any will do, and nothing moves)
        ends = np.where(other != 0.0, lo / other, -np.inf), np.where(other != 0.0, hi / other, np.inf)
        return np.where(other < 0.0, ends[1], ends[0]), np.where(other < 0.0, ends[0], ends[1])

    def _combined_frame(self, parts: list[pd.Series]) -> pd.Series:
        return parts[0] * parts[1]


class NullColumn(ModelColumn):
    """A column with no values at all (fitted from an all-null column): every row is missing."""

    kind = "null"
    modelled = False
    spec_type = "null"
    spec_null_rate = False

    def __init__(self, name: str, *, dtype: str = "object") -> None:
        super().__init__(name, null_rate=1.0)
        self._dtype = dtype

    @property
    def dtype(self) -> str:
        return self._dtype

    @property
    def raw_dtype(self) -> np.dtype[Any]:
        return np.dtype(np.int8)

    def generate(self, u: NDArray[np.float64], key: int, start: int, stop: int) -> NDArray[Any]:
        return np.zeros(stop - start, dtype=np.int8)

    def finalize(self, raw: NDArray[Any], nulls: NDArray[np.bool_] | None) -> Any:
        if self._dtype == "object" or (self._dtype == "str" and int(pd.__version__.split(".")[0]) < 3):
            return np.full(len(raw), None, dtype=object)
        return pd.Series(np.full(len(raw), np.nan)).astype(self._dtype).array

    # model files -------------------------------------------------------------
    def _spec_fields(self) -> dict[str, Any]:
        return {"dtype": self.dtype}

    @classmethod
    def _from_fields(
        cls, name: str, spec: dict[str, Any], reader: SpecReader, where: str, null_rate: float
    ) -> ModelColumn:
        dtype = reader.get(spec, "dtype", str, where)
        if dtype not in ("object", "str"):  # ("str": pandas 3's strings; objects on pandas 2)
            try:
                pd.api.types.pandas_dtype(dtype)
            except (TypeError, ValueError, ImportError) as exc:
                raise reader.fail(f"{where}.dtype", f"{dtype!r} is not a pandas dtype here ({exc})") from None
            try:
                holds_nulls = bool(pd.Series([np.nan]).astype(dtype).isna().all())
            except (TypeError, ValueError):
                holds_nulls = False
            if not holds_nulls:
                raise reader.fail(
                    f"{where}.dtype",
                    f"{dtype!r} cannot hold missing values, and every value of a null column is missing; use "
                    "'object', 'float64' or a nullable dtype such as 'Int64' or 'boolean'",
                )
        return cls(name, dtype=dtype)


#: Faker's e-mail providers: a unique column of one goes on past its pool (``FakerColumn.grows``).
_PLUS_ADDRESSED = frozenset(
    f"{ascii_}{kind}email" for ascii_ in ("", "ascii_") for kind in ("", "safe_", "free_", "company_")
)


def _string_array(values: NDArray[Any], nulls: NDArray[np.bool_] | None) -> Any:
    if nulls is not None:
        values[nulls] = None
    return pd.array(values, dtype=pd.StringDtype())


class FakerColumn(ModelColumn):
    """Values of a Faker provider, drawn from a seeded pool with numpy indices."""

    kind = "faker"
    modelled = False
    spec_type = "faker"

    def __init__(
        self,
        name: str,
        *,
        provider: str,
        locale: str,
        kwargs: dict[str, Any],
        pool_size: int,
        pool_seed: int,
        unique: bool,
        null_rate: float = 0.0,
    ) -> None:
        super().__init__(name, null_rate=null_rate)
        self.provider = provider
        self.locale = locale
        self.kwargs = kwargs
        self.pool_size = pool_size
        self.pool_seed = pool_seed
        self.unique = unique
        self.aux = 0 if unique else 1
        self.keyed = unique

    #: A stand-in (``placeholder()``): its pool holds the numbers 0 .. 63 as text, built without Faker.
    _placeholder: bool = False

    def placeholder(self) -> FakerColumn:
        """Return a copy whose pool is a few digit strings: it samples like this column without building its pool.

        Loading a model file samples a few rows to prove the model works; with
        this stand-in that costs nothing, and the real pool (up to
        ``MAX_POOL_SIZE`` Faker calls) waits for the first real sample.
        """
        clone = copy.copy(self)
        clone._placeholder = True
        return clone

    def _pool(self) -> Any:
        if self._placeholder:
            return np.array([str(i) for i in range(min(self.pool_size, 64))], dtype=object)
        return _pii.pool(self.provider, self.locale, self.kwargs, self.pool_size, self.pool_seed, unique=self.unique)

    @property
    def dtype(self) -> str:
        pool = self._pool()
        return "string" if isinstance(pool, np.ndarray) else str(pool.dtype)

    @property
    def raw_dtype(self) -> np.dtype[Any]:
        return np.dtype(np.int64)

    @property
    def grows(self) -> bool:
        """Whether a unique column goes on past its pool: e-mail addresses, numbered by plus addressing."""
        return self.unique and self.provider in _PLUS_ADDRESSED and not self._placeholder

    def check_rows(self, n: int) -> None:
        if not self.unique or self.grows:
            return
        have = len(self._pool())
        if n > have:
            head = (
                f"column {self.name!r}: unique=True needs {n} distinct values of Faker provider "
                f"{self.provider!r} but its pool ran out at {have} (pool_size={self.pool_size} calls)."
            )
            if have < self.pool_size / 2:  # most calls repeat: the provider's value space is small
                raise PoolExhausted(
                    f"{head} The provider seems to have only about {have} distinct values, so no pool size helps: "
                    "drop unique=True, or use an Id column for unique keys."
                )
            suggested = math.ceil(n * self.pool_size / have * 1.1)
            if suggested > _pii.MAX_POOL_SIZE:
                raise PoolExhausted(
                    f"{head} It would need a pool of about {suggested:,} calls, above the cap of "
                    f"{_pii.MAX_POOL_SIZE:,} (MAX_POOL_SIZE): use an Id column for this many unique values, "
                    "or sample fewer rows."
                )
            raise PoolExhausted(
                f"{head} Enlarge the pool, e.g. Faker({self.provider!r}, unique=True, pool_size={suggested}) "
                f"(built once per process, about {suggested // 12_000 + 1} s of Faker time), or sample fewer rows."
            )

    def generate(self, u: NDArray[np.float64], key: int, start: int, stop: int) -> NDArray[Any]:
        size = len(self._pool())
        if not self.unique:
            return np.minimum((u[:, 0] * size).astype(np.int64), size - 1)
        # An affine permutation of the pool keyed by the sample: row i -> (a + i*c) mod size,
        # distinct for i < size and independent of how many rows were asked for.
        a, c = _affine_key(key, self.name, size)
        rows = np.arange(start, stop, dtype=np.int64)
        if self.grows and stop > size:  # past the pool: its permutation again, each round numbered (finalize)
            return (a + rows * c) % size + size * (rows // size)
        return (a + rows * c) % size

    def finalize(self, raw: NDArray[Any], nulls: NDArray[np.bool_] | None) -> Any:
        pool = self._pool()
        if self.grows and len(raw) and int(raw.max()) >= len(pool):
            return self._numbered(pool, raw, nulls)
        if isinstance(pool, np.ndarray):
            return _string_array(pool[raw], nulls)
        if nulls is not None:
            raw = np.where(nulls, -1, raw)
            return pool.take(raw, allow_fill=True)
        return pool.take(raw)

    def _numbered(self, pool: Any, raw: NDArray[Any], nulls: NDArray[np.bool_] | None) -> Any:
        """Values of rows past a unique e-mail pool: round ``r`` of the pool gives ``name+r@domain`` (plus
        addressing: Faker writes no '+', so they are distinct from the pool and from each other)."""
        size = len(pool)
        values = np.asarray(pool, dtype=object)[raw % size]
        later = np.flatnonzero(raw >= size)
        rounds = (raw[later] // size).tolist()
        values[later] = [v.replace("@", f"+{r}@", 1) for v, r in zip(values[later].tolist(), rounds, strict=True)]
        return _string_array(values, nulls)

    # model files and inspect -------------------------------------------------
    def _spec_fields(self) -> dict[str, Any]:
        try:
            json.dumps(self.kwargs, allow_nan=False)
        except (TypeError, ValueError):
            raise InvalidArgument(
                f"column {self.name!r}: Faker keyword arguments {self.kwargs!r} cannot be written as JSON; "
                "use strings, numbers, booleans, lists and dicts."
            ) from None
        return {
            "provider": self.provider,
            "locale": self.locale,
            "kwargs": self.kwargs,
            "pool_size": self.pool_size,
            "pool_seed": self.pool_seed,
            "unique": self.unique,
        }

    @classmethod
    def _from_fields(
        cls, name: str, spec: dict[str, Any], reader: SpecReader, where: str, null_rate: float
    ) -> ModelColumn:
        r = reader
        provider = r.get(spec, "provider", str, where)
        locale = r.get(spec, "locale", str, where)
        kwargs = r.get(spec, "kwargs", dict, where)
        if (too_big := _pii.check_kwargs(kwargs)) is not None:
            raise r.fail(f"{where}.kwargs.{too_big[0]}", too_big[1])
        pool_size = r.get(spec, "pool_size", int, where)
        if (problem := _pii.check_pool_size(name, pool_size)) is not None:
            raise r.fail(f"{where}.pool_size", problem)
        pool_seed = r.get(spec, "pool_seed", int, where)
        # the provider is called once, with arguments bounded above; its pool waits for the first sample
        _pii.check_provider(name, provider, locale, kwargs)
        return cls(
            name,
            provider=provider,
            locale=locale,
            kwargs=kwargs,
            pool_size=pool_size,
            pool_seed=pool_seed,
            unique=r.get(spec, "unique", bool, where),
            null_rate=null_rate,
        )

    def _cast_problem(self, cast: str, target: Any) -> str | None:
        if self.provider != "numerify":
            return super()._cast_problem(cast, target)
        api = pd.api.types  # digits, e.g. a numeric phone column
        fits = (api.is_numeric_dtype(target) and not api.is_bool_dtype(target)) or api.is_string_dtype(target)
        if fits and (problem := self._int_nulls(cast, target)):
            return problem
        return None if fits else self._misfit(cast)

    def describe(self) -> str:
        return f"Faker {self.provider}" + (f" {self.kwargs}" if self.kwargs else "")


_SIMPLE_PATTERN = re.compile(r"^(?P<pre>[^{}]*)\{(?::(?P<zero>0?)(?P<width>\d*)d)?\}(?P<post>[^{}]*)$")
_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


#: The largest sequential id (int64 holds them).
MAX_INT64 = 2**63 - 1


class IdColumn(ModelColumn):
    """Identifiers: sequential integers, UUID4 strings, or a pattern like ``CUST-{:06d}``."""

    kind = "id"
    modelled = False
    spec_type = "id"
    spec_null_rate = False

    def __init__(self, name: str, *, style: str, pattern: str | None, start: int) -> None:
        super().__init__(name, null_rate=0.0)
        self.style = style
        self.pattern = pattern
        self.start = start
        self.raw_width = 16 if style == "uuid" else None
        self.aux = 3 if style == "uuid" else 0  # 3 x 53 random bits hold a UUID4's 122

    @property
    def dtype(self) -> str:
        return "int64" if self.style == "sequential" else "string"

    @property
    def raw_dtype(self) -> np.dtype[Any]:
        return np.dtype(np.uint8) if self.style == "uuid" else np.dtype(np.int64)

    def check_rows(self, n: int) -> None:
        last = self.start + n - 1
        if self.style != "uuid" and n > 0 and last > MAX_INT64:
            raise InvalidArgument(
                f"column {self.name!r}: {n} ids from start={self.start} would reach {last}, beyond int64's "
                f"2**63 - 1 = {MAX_INT64} (they never wrap to negative numbers); sample at most "
                f"{MAX_INT64 - self.start + 1} rows or declare a smaller start."
            )

    def generate(self, u: NDArray[np.float64], key: int, start: int, stop: int) -> NDArray[Any]:
        if self.style == "uuid":
            return _uuid_bytes(u)
        return np.arange(self.start + start, self.start + stop, dtype=np.int64)

    def finalize(self, raw: NDArray[Any], nulls: NDArray[np.bool_] | None) -> Any:
        if self.style == "sequential":
            return raw
        if self.style == "uuid":
            return _string_array(_uuid_strings(raw), None)
        assert self.pattern is not None
        return _string_array(_format_ids(self.pattern, raw), None)

    # model files and inspect -------------------------------------------------
    def _spec_fields(self) -> dict[str, Any]:
        return {"style": self.style, "pattern": self.pattern, "start": self.start}

    @classmethod
    def _from_fields(
        cls, name: str, spec: dict[str, Any], reader: SpecReader, where: str, null_rate: float
    ) -> ModelColumn:
        r = reader
        style = r.get(spec, "style", str, where)
        if style not in ("sequential", "uuid", "pattern"):
            raise r.fail(f"{where}.style", f"{style!r} is not 'sequential', 'uuid' or 'pattern'")
        pattern = r.get(spec, "pattern", str, where, optional=True)
        if style == "pattern":
            try:
                check_id_pattern(pattern, argument="pattern")
            except InvalidArgument as exc:
                raise r.fail(f"{where}.pattern", str(exc)) from None
        elif pattern is not None:
            raise r.fail(f"{where}.pattern", f"a {style} id has no pattern (null)")
        start = r.get(spec, "start", int, where)
        if not 0 <= start <= MAX_INT64:
            raise r.fail(f"{where}.start", f"{start} is not an int from 0 to 2**63 - 1")
        return cls(name, style=style, pattern=pattern, start=start)

    def _cast_problem(self, cast: str, target: Any) -> str | None:
        if self.style != "sequential":
            return super()._cast_problem(cast, target)
        if not pd.api.types.is_integer_dtype(target):
            return self._misfit(cast)
        highest = np.iinfo(np.dtype(getattr(target, "numpy_dtype", target))).max
        if self.start > highest:
            return f"{cast!r} cannot hold the first id {self.start} (it holds up to {highest}); use a wider dtype"
        return None

    def describe(self) -> str:
        return self.pattern or self.style


#: An importable function reference, ``package.module:function`` (``:Class.method`` too).
_FUNCTION_REF = re.compile(
    r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*:[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$"
)


def resolve_function(ref: str, where: str) -> Any:
    """Import ``package.module:function`` and return the function (a clear error if it is not there)."""
    import importlib

    if not isinstance(ref, str) or not _FUNCTION_REF.match(ref):
        raise InvalidArgument(f"{where}: {ref!r} is not a function reference like 'package.module:function'.")
    module_name, _, qualname = ref.partition(":")
    try:
        target: Any = importlib.import_module(module_name)
        for part in qualname.split("."):
            target = getattr(target, part)
    except (ImportError, AttributeError) as exc:
        raise InvalidArgument(f"{where}: cannot import {ref!r} ({type(exc).__name__}: {exc}).") from None
    if not callable(target):
        raise InvalidArgument(f"{where}: {ref!r} is a {type(target).__name__}, not a function.")
    return target


def _no_values(frame: pd.DataFrame) -> None:
    return None


def _same_labels(found: pd.Index, rows: pd.Index) -> bool:
    """Whether ``found`` holds each label of ``rows`` once, in some order."""
    return len(found) == len(rows) and found.is_unique and bool(found.isin(rows).all())


class ComputedColumn(ModelColumn):
    """A column computed from the other columns' final values by a vectorised function (``sd.Derived``).

    ``function(frame)`` gets the sampled frame (the columns declared before
    this one and all non-computed ones) and returns one value per row (a
    Series, an array, or one scalar for every row). It runs after every other
    stage, so ``set=`` values and conditions are what it reads. ``ref``
    (``"package.module:function"``) is what a model file stores: a plain
    Python callable cannot be saved, and a loaded file imports ``ref`` only
    when loaded with ``trust=True``.
    """

    modelled = False
    computed = True
    spec_type = "computed"
    spec_null_rate = False

    def __init__(self, name: str, *, function: Any = None, ref: str | None = None, dtype: str | None = None) -> None:
        super().__init__(name)
        self.function = function
        self.ref = ref
        self.cast = dtype
        self.kind = "computed"

    @property
    def dtype(self) -> str:
        return self.cast or "object"

    @property
    def raw_dtype(self) -> np.dtype[Any]:
        return np.dtype(object)

    def placeholder(self) -> ComputedColumn:
        """A stand-in that computes nothing (the smoke sample of a loaded file runs no code)."""
        return ComputedColumn(self.name, function=_no_values, ref=self.ref)

    def trust(self) -> None:
        """Import the stored function reference (a loaded model file, with ``trust=True``)."""
        if self.function is None and self.ref is not None:
            self.function = resolve_function(self.ref, f"column {self.name!r}")

    def compute(self, frame: pd.DataFrame, dataset: str) -> Any:
        """Return the column's values for ``frame`` (one per row), checked."""
        if self.function is None:
            raise InvalidArgument(
                f"dataset {dataset!r}: column {self.name!r} is computed by {self.ref!r}, and a model file runs no "
                "code unless trusted: load it with sd.load(path, trust=True) (CLI: --trust), or declare the dataset "
                "with sd.Schema in Python."
            )
        label = self.ref or getattr(self.function, "__qualname__", repr(self.function))
        try:
            values = self.function(frame)
        except Exception as exc:
            raise InvalidArgument(
                f"dataset {dataset!r}: column {self.name!r}: its function {label} raised {type(exc).__name__}: {exc}"
            ) from exc
        n = len(frame)
        if np.ndim(values) == 0:
            values = pd.Series([values] * n, index=frame.index)  # (one value for every row)
        elif len(values) != n:
            raise InvalidArgument(
                f"dataset {dataset!r}: column {self.name!r}: its function {label} returned {len(values)} values "
                f"for {n} rows; return one value per row (a Series, an array, or a scalar)."
            )
        if not isinstance(values, pd.Series):
            out = pd.Series(values, index=frame.index)
        elif values.index.equals(frame.index) or not _same_labels(values.index, frame.index):
            out = values.set_axis(frame.index)  # (an index of its own, e.g. a fresh RangeIndex: by position)
        else:  # (the frame's rows in another order, e.g. df["a"].sort_values(): by label, as pandas aligns)
            out = values.reindex(frame.index)
        if self.cast is not None:
            try:
                out = out.astype(self.cast)
            except (TypeError, ValueError) as exc:
                raise InvalidArgument(
                    f"dataset {dataset!r}: column {self.name!r}: its values cannot take dtype={self.cast!r} ({exc})."
                ) from None
        return out

    def to_spec(self) -> dict[str, Any]:
        if self.ref is None:
            raise InvalidArgument(
                f"column {self.name!r} is computed by a Python function, which a model file cannot hold (a file "
                "never carries code). Declare it with an importable reference, sd.Derived('package.module:function'), "
                "to save the reference, or keep the dataset declared in Python."
            )
        return {"name": self.name, "type": self.spec_type, "function": self.ref, "cast": self.cast}

    @classmethod
    def from_spec(cls, spec: dict[str, Any], reader: SpecReader, where: str | None = None) -> ModelColumn:
        name = reader.get(spec, "name", str, where or "column")
        where = where or f"column {name!r}"
        ref = reader.get(spec, "function", str, where)
        if not _FUNCTION_REF.match(ref):
            raise reader.fail(f"{where}.function", "expected a reference like 'package.module:function'")
        cast = reader.get(spec, "cast", str, where, optional=True)
        if cast is not None:
            try:
                pd.api.types.pandas_dtype("object" if cast == "str" else cast)
            except (TypeError, ValueError, ImportError) as exc:
                raise reader.fail(f"{where}.cast", f"{cast!r} is not a pandas dtype here ({exc})") from None
        return cls(name, ref=ref, dtype=cast)  # (imported only when the caller trusts the file)

    def describe(self) -> str:
        return f"computed by {self.ref or getattr(self.function, '__qualname__', 'a function')}"


#: The class that reads each column ``"type"`` of a model file.
def column_role(col: ModelColumn) -> str:
    """How a column gets its values, as ``inspect`` says it: from its own latent coordinate (``"modelled"``), from
    another column (``"derived"``: a lookup, or a follower reading another's coordinate), or from a generator
    (``"generated"``: Faker, id, computed)."""
    if col.modelled:
        return "modelled"
    return "derived" if isinstance(col, _OnBase) else "generated"


SPEC_TYPES: dict[str, type[ModelColumn]] = {
    cls.spec_type: cls
    for cls in (
        NumericColumn,
        DatetimeColumn,
        CategoryColumn,
        BooleanColumn,
        FakerColumn,
        IdColumn,
        NullColumn,
        ConditionalColumn,
        DerivedColumn,
        FollowerColumn,
        SumColumn,
        ProductColumn,
        ComputedColumn,
    )
    if cls.spec_type is not None
}


def _affine_key(key: int, name: str, size: int) -> tuple[int, int]:
    """Return (offset, stride coprime to ``size``) of a unique column's permutation, from the sample's key."""
    a = derive_seed(key, "unique", name) % max(size, 1)
    c = derive_seed(key, "stride", name) % max(size - 1, 1) + 1
    while size > 1 and math.gcd(c, size) != 1:
        c = c % (size - 1) + 1
    return a, c


def _uuid_bytes(u: NDArray[np.float64]) -> NDArray[np.uint8]:
    """Return 16 random bytes a row from its 3 uniforms: the top 48, 48 and 32 of their 53 bits."""
    bits = (u * 2.0**53).astype(np.uint64)  # each uniform is k / 2**53 for an integer k
    out = np.empty((len(u), 16), dtype=np.uint8)
    for first, (col, count) in zip((0, 6, 12), ((0, 6), (1, 6), (2, 4)), strict=True):
        for b in range(count):
            out[:, first + b] = (bits[:, col] >> np.uint64(45 - 8 * b)) & np.uint64(0xFF)
    return out


def _uuid_strings(b: NDArray[np.uint8]) -> NDArray[Any]:
    """Return UUID4 strings for an (n, 16) array of random bytes, without a Python loop."""
    b = b.copy()
    b[:, 6] = (b[:, 6] & 0x0F) | 0x40
    b[:, 8] = (b[:, 8] & 0x3F) | 0x80
    hexed = np.empty((len(b), 32), dtype=np.uint8)
    hexed[:, 0::2] = _HEX[b >> 4]
    hexed[:, 1::2] = _HEX[b & 0x0F]
    out = np.full((len(b), 36), ord("-"), dtype=np.uint8)
    for src, dst in (
        (slice(0, 8), slice(0, 8)),
        (slice(8, 12), slice(9, 13)),
        (slice(12, 16), slice(14, 18)),
        (slice(16, 20), slice(19, 23)),
        (slice(20, 32), slice(24, 36)),
    ):
        out[:, dst] = hexed[:, src]
    return np.ascontiguousarray(out).view("S36").ravel().astype("U36").astype(object)


def _format_ids(pattern: str, ints: NDArray[np.int64]) -> NDArray[Any]:
    """Return ``pattern.format(i)`` for each int; vectorised for ``PRE{:0Nd}POST`` patterns."""
    if len(ints) == 0:
        return np.empty(0, dtype=object)
    m = _SIMPLE_PATTERN.match(pattern)
    if m is None:
        out = np.empty(len(ints), dtype=object)
        out[:] = [pattern.format(int(i)) for i in ints]
        return out
    digits = ints.astype(str)
    width = int(m["width"] or 0)
    if width:
        digits = np.char.zfill(digits, width) if m["zero"] else np.char.rjust(digits, width)
    return np.char.add(np.char.add(m["pre"], digits), m["post"]).astype(object)
