"""Sampled columns: turn latent scores (or auxiliary uniforms) into typed pandas arrays.

A *modelled* column owns a marginal and consumes one coordinate of the copula
(``from_latent``). A *generated* column (Faker, Id) consumes auxiliary
uniforms or its own stream (``generate``). Both build their final pandas array
in ``finalize`` once all rows are drawn, applying the null mask there, so the
hot path is numpy on whole arrays and never Python per row.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from . import _pii
from ._marginals import Continuous, Discrete, RankCells
from ._seeding import draw_blocks, generator, stream_key
from .errors import PoolExhausted

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = [
    "BooleanColumn",
    "CategoryColumn",
    "DatetimeColumn",
    "FakerColumn",
    "IdColumn",
    "ModelColumn",
    "NumericColumn",
]

_NAT = np.iinfo(np.int64).min


class ModelColumn:
    """Base class: one output column of a Model."""

    kind: str = "column"
    modelled: bool = True
    #: Auxiliary uniforms this column reads per row (besides its null flag).
    aux: int = 0
    #: "numeric" or "datetime" for columns that order-constraints may compare.
    family: str | None = None

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
        """Return the latent tie structure (None for continuous columns)."""
        return None

    def from_latent(self, z: NDArray[np.float64]) -> NDArray[Any]:
        """Return raw values for latent scores ``z`` (modelled columns)."""
        raise NotImplementedError

    def generate(self, u: NDArray[np.float64], seed: int, start: int, stop: int) -> NDArray[Any]:
        """Return raw values for rows ``start:stop`` (generated columns)."""
        raise NotImplementedError

    def check_rows(self, n: int) -> None:
        """Raise before any drawing if ``n`` rows cannot be produced."""

    def finalize(self, raw: NDArray[Any], nulls: NDArray[np.bool_] | None, seed: int) -> Any:
        """Return the pandas array (or numpy array) for the whole column."""
        raise NotImplementedError

    # order constraints -----------------------------------------------------
    #: Inclusive bounds of the raw values.
    bounds: tuple[float, float] = (-math.inf, math.inf)

    def to_common(self, raw: NDArray[Any]) -> NDArray[Any]:
        """Return raw values in the unit shared by the family (float64, or int64 ns)."""
        raise NotImplementedError

    def from_common(self, x: NDArray[Any], *, up: bool) -> NDArray[Any]:
        """Return raw values for common-unit ``x``, rounding up or down to representable values."""
        raise NotImplementedError

    def step(self, raw: NDArray[Any]) -> NDArray[Any]:
        """Return the smallest raw increment above ``raw`` this column can represent."""
        raise NotImplementedError


class NumericColumn(ModelColumn):
    """Integer or float values from a continuous marginal or an exact integer table."""

    family = "numeric"

    def __init__(
        self,
        name: str,
        *,
        marginal: Continuous | None,
        table: tuple[NDArray[np.int64], NDArray[np.float64]] | None = None,
        integer: bool,
        decimals: int | None = None,
        null_rate: float = 0.0,
        bounds: tuple[float, float] = (-math.inf, math.inf),
    ) -> None:
        super().__init__(name, null_rate=null_rate)
        self.kind = "integer" if integer else "float"
        self.marginal = marginal
        self.integer = integer
        self.decimals = decimals
        self.bounds = bounds
        self.values: NDArray[Any] | None = None
        self.discrete: Discrete | None = None
        if table is not None:
            self.values, probs = table
            self.discrete = Discrete(probs)

    @property
    def dtype(self) -> str:
        if self.integer:
            return "Int64" if self.null_rate > 0 else "int64"
        return "float64"

    @property
    def raw_dtype(self) -> np.dtype[Any]:
        return np.dtype(np.int64 if self.integer else np.float64)

    def rank_cells(self) -> RankCells | None:
        return None if self.discrete is None else self.discrete.rank_cells()

    def from_latent(self, z: NDArray[np.float64]) -> NDArray[Any]:
        if self.discrete is not None:
            assert self.values is not None
            return self.values[self.discrete.codes_latent(z)]
        assert self.marginal is not None
        x = self.marginal.ppf_latent(z)
        if self.integer:
            lo, hi = self.bounds
            return np.clip(np.rint(x), max(lo, -(2.0**62)), min(hi, 2.0**62)).astype(np.int64)
        if self.decimals is not None:
            x = np.round(x, self.decimals)
            # rounding may step past a bound (1.75 -> 2 with high=1.75); keep to representable values inside
            lo, hi = self.rounded_bounds()
            np.clip(x, lo, hi, out=x)
        return x

    def rounded_bounds(self) -> tuple[float, float]:
        """Return the lowest and highest values representable at ``decimals`` within the bounds."""
        lo, hi = self.bounds
        if self.decimals is None:
            return lo, hi
        f = 10.0**self.decimals
        return (
            math.ceil(round(lo * f, 6)) / f if math.isfinite(lo) else lo,
            math.floor(round(hi * f, 6)) / f if math.isfinite(hi) else hi,
        )

    def finalize(self, raw: NDArray[Any], nulls: NDArray[np.bool_] | None, seed: int) -> Any:
        if nulls is None:
            return raw
        if self.integer:
            return pd.arrays.IntegerArray(raw, nulls)
        raw[nulls] = np.nan
        return raw

    def to_common(self, raw: NDArray[Any]) -> NDArray[Any]:
        return raw.astype(np.float64)

    def from_common(self, x: NDArray[Any], *, up: bool) -> NDArray[Any]:
        rnd = np.ceil if up else np.floor
        if self.integer:
            return rnd(x)
        if self.decimals is None:
            return x
        f = 10.0**self.decimals
        return np.round(rnd(np.round(x * f, 6)) / f, self.decimals)

    def step(self, raw: NDArray[Any]) -> NDArray[Any]:
        if self.integer:
            return np.ones_like(raw)
        if self.decimals is not None:
            return np.full_like(raw, 10.0 ** (-self.decimals))
        return np.nextafter(raw, np.inf) - raw


class DatetimeColumn(ModelColumn):
    """Timestamps modelled as a number of ``unit`` since the epoch (day for dates)."""

    family = "datetime"

    def __init__(
        self,
        name: str,
        *,
        marginal: Continuous,
        unit_ns: int,
        is_date: bool,
        null_rate: float = 0.0,
        bounds: tuple[float, float],
    ) -> None:
        super().__init__(name, null_rate=null_rate)
        self.kind = "date" if is_date else "datetime"
        self.marginal = marginal
        self.unit_ns = unit_ns
        self.bounds = bounds

    @property
    def dtype(self) -> str:
        return "datetime64[ns]"

    @property
    def raw_dtype(self) -> np.dtype[Any]:
        return np.dtype(np.int64)

    def from_latent(self, z: NDArray[np.float64]) -> NDArray[Any]:
        x = np.rint(self.marginal.ppf_latent(z))
        return np.clip(x, self.bounds[0], self.bounds[1]).astype(np.int64)

    def finalize(self, raw: NDArray[Any], nulls: NDArray[np.bool_] | None, seed: int) -> Any:
        ns = raw * self.unit_ns
        if nulls is not None:
            ns[nulls] = _NAT
        return ns.view("M8[ns]")

    def to_common(self, raw: NDArray[Any]) -> NDArray[Any]:
        return raw.astype(np.int64) * self.unit_ns

    def from_common(self, x: NDArray[Any], *, up: bool) -> NDArray[Any]:
        x = x.astype(np.int64)
        return -((-x) // self.unit_ns) if up else x // self.unit_ns

    def step(self, raw: NDArray[Any]) -> NDArray[Any]:
        return np.ones_like(raw)


class CategoryColumn(ModelColumn):
    """Categories with probabilities; a higher latent score picks a later category."""

    kind = "category"

    def __init__(
        self,
        name: str,
        *,
        categories: list[Any],
        probs: NDArray[np.float64],
        ordered: bool = False,
        null_rate: float = 0.0,
    ) -> None:
        super().__init__(name, null_rate=null_rate)
        self.categories = categories
        self.discrete = Discrete(probs)
        self.ordered = ordered
        self._index = pd.Index(categories)

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

    def finalize(self, raw: NDArray[Any], nulls: NDArray[np.bool_] | None, seed: int) -> Any:
        if nulls is not None:
            raw[nulls] = -1
        return pd.Categorical.from_codes(raw, dtype=pd.CategoricalDtype(self._index, ordered=self.ordered))


class BooleanColumn(ModelColumn):
    """True with probability ``p``; True sits at the high end of the latent scale."""

    kind = "boolean"

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

    def finalize(self, raw: NDArray[Any], nulls: NDArray[np.bool_] | None, seed: int) -> Any:
        return raw if nulls is None else pd.arrays.BooleanArray(raw, nulls)


def _string_array(values: NDArray[Any], nulls: NDArray[np.bool_] | None) -> Any:
    if nulls is not None:
        values[nulls] = None
    return pd.array(values, dtype=pd.StringDtype())


class FakerColumn(ModelColumn):
    """Values of a Faker provider, drawn from a seeded pool with numpy indices."""

    kind = "faker"
    modelled = False

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

    def _pool(self) -> Any:
        return _pii.pool(self.provider, self.locale, self.kwargs, self.pool_size, self.pool_seed, unique=self.unique)

    @property
    def dtype(self) -> str:
        pool = self._pool()
        return "string" if isinstance(pool, np.ndarray) else str(pool.dtype)

    @property
    def raw_dtype(self) -> np.dtype[Any]:
        return np.dtype(np.int64)

    def check_rows(self, n: int) -> None:
        if not self.unique:
            return
        have = len(self._pool())
        if n > have:
            raise PoolExhausted(
                f"column {self.name!r}: unique=True needs {n} distinct values of Faker provider "
                f"{self.provider!r} but its pool ran out at {have} (pool_size={self.pool_size}). "
                f"Enlarge the pool, e.g. Faker({self.provider!r}, unique=True, pool_size={max(2 * n, 2 * self.pool_size)}), "
                "or sample fewer rows."
            )

    def generate(self, u: NDArray[np.float64], seed: int, start: int, stop: int) -> NDArray[Any]:
        size = len(self._pool())
        if not self.unique:
            return np.minimum((u[:, 0] * size).astype(np.int64), size - 1)
        # A seeded affine permutation of the pool: row i -> (a + i*c) mod size,
        # distinct for i < size and independent of how many rows were asked for.
        rng = generator(seed, stream_key("unique:" + self.name))
        a = int(rng.integers(0, size))
        c = int(rng.integers(1, max(size, 2)))
        while math.gcd(c, size) != 1:
            c = c % (size - 1) + 1 if size > 1 else 1
        rows = np.arange(start, stop, dtype=np.int64)
        return (a + rows * c) % size

    def finalize(self, raw: NDArray[Any], nulls: NDArray[np.bool_] | None, seed: int) -> Any:
        pool = self._pool()
        if isinstance(pool, np.ndarray):
            return _string_array(pool[raw], nulls)
        if nulls is not None:
            raw = np.where(nulls, -1, raw)
            return pool.take(raw, allow_fill=True)
        return pool.take(raw)


_SIMPLE_PATTERN = re.compile(r"^(?P<pre>[^{}]*)\{(?::(?P<zero>0?)(?P<width>\d*)d)?\}(?P<post>[^{}]*)$")
_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


class IdColumn(ModelColumn):
    """Identifiers: sequential integers, UUID4 strings, or a pattern like ``CUST-{:06d}``."""

    kind = "id"
    modelled = False

    def __init__(self, name: str, *, style: str, pattern: str | None, start: int) -> None:
        super().__init__(name, null_rate=0.0)
        self.style = style
        self.pattern = pattern
        self.start = start

    @property
    def dtype(self) -> str:
        return "int64" if self.style == "sequential" else "string"

    @property
    def raw_dtype(self) -> np.dtype[Any]:
        return np.dtype(np.uint8) if self.style == "uuid" else np.dtype(np.int64)

    def generate(self, u: NDArray[np.float64], seed: int, start: int, stop: int) -> NDArray[Any]:
        if self.style == "uuid":
            key = stream_key("uuid:" + self.name)
            return draw_blocks(
                seed, key, start, stop, lambda rng, m: rng.integers(0, 256, size=(m, 16), dtype=np.uint8)
            )
        return np.arange(self.start + start, self.start + stop, dtype=np.int64)

    def finalize(self, raw: NDArray[Any], nulls: NDArray[np.bool_] | None, seed: int) -> Any:
        if self.style == "sequential":
            return raw
        if self.style == "uuid":
            return _string_array(_uuid_strings(raw), None)
        assert self.pattern is not None
        return _string_array(_format_ids(self.pattern, raw), None)


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
