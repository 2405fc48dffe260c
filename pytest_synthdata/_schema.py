"""Column declarations and Schema: a Model whose marginals and correlations are declared.

Declarations follow the scikit-learn rule: ``__init__`` stores the keyword
parameters and does nothing else; ``Schema`` validates them once the column's
name is known, so every error message can name the column.
"""

from __future__ import annotations

import copy
import difflib
import fractions
import functools
import inspect
import math
import re
import warnings
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import numpy as np

from . import _linalg
from ._columns import (
    MAX_INT64,
    BooleanColumn,
    CategoryColumn,
    DatetimeColumn,
    FakerColumn,
    IdColumn,
    ModelColumn,
    NumericColumn,
)
from ._constraints import (
    FixedCombinations,
    LessThan,
    Predicate,
    Range,
    Unique,
    apply_range,
    dependency_order,
    parse_constraint,
)
from ._copula import complete_correlation, latent_for_spearman_pairs, spearman_of_latent
from ._model import Model
from ._validate import check_id_pattern, check_name
from .errors import (
    CorrelationRepairedWarning,
    InvalidArgument,
    InvalidConstraint,
    InvalidCorrelation,
    UnknownColumnKind,
    UnknownParameter,
)

__all__ = [
    "Boolean",
    "Category",
    "Column",
    "Date",
    "Datetime",
    "Faker",
    "Float",
    "Id",
    "Integer",
    "LessThan",
    "Schema",
]

_DISTRIBUTIONS = ("normal", "lognormal", "uniform", "exponential", "poisson", "quantiles")
#: Shape parameters each distribution reads (bounds apply to all).
_USES = {
    "uniform": set(),
    "normal": {"mean", "std"},
    "lognormal": {"median", "sigma", "mean", "std"},
    "exponential": {"scale", "mean"},
    "poisson": {"lam"},
    "quantiles": {"quantiles"},
}
#: Default Faker pool sizes (values generated once per process and column spec).
POOL_SIZE = 1_000
UNIQUE_POOL_SIZE = 10_000
_UNIT_NS = {"D": 86_400 * 10**9, "h": 3_600 * 10**9, "min": 60 * 10**9, "s": 10**9, "ms": 10**6, "us": 10**3}
_MAX_TIMESTAMP_NS = np.iinfo(np.int64).max
#: A uniform column's default range, and how far it reaches from a one-sided bound toward its open side:
#: numbers 0 .. 100 (``low=50``: 50 .. 150; ``high=-5``: -105 .. -5), dates 2020-01-01 .. 2025-12-31 (``low=``
#: or ``high=`` alone: the same 2,191 days from it).
_DEFAULT_SPAN = 100.0
_DEFAULT_DATES = ("2020-01-01", "2025-12-31")


def _is_number(x: object) -> bool:
    return isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, bool)


class Column:
    """Base class of column declarations.

    Subclasses set ``kind`` and implement ``build(name, locale=...)``, which
    validates the stored parameters and returns the sampled column. Plugins
    add kinds by subclassing a built-in with new defaults and returning it from
    the ``synthdata_column_kinds`` hook.
    """

    kind: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        init = cls.__dict__.get("__init__")
        if init is not None and not getattr(init, "_synthdata_checked", False):
            cls.__init__ = _checked_init(init)  # type: ignore[method-assign]

    def __init__(self, *, null_rate: float = 0.0) -> None:
        self.null_rate = null_rate

    def build(self, name: str, *, locale: str) -> ModelColumn:
        """Return the sampled column for this declaration, named ``name``."""
        raise NotImplementedError(f"{type(self).__name__} does not implement build()")

    def _params(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if not k.startswith("_") and v is not None}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self._params().items())
        return f"{type(self).__name__}({args})"

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self._params() == other._params()  # type: ignore[attr-defined]

    __hash__ = None  # type: ignore[assignment]

    # shared validation ---------------------------------------------------------
    def _null_rate(self, name: str) -> float:
        rate = self.null_rate
        if not _is_number(rate) or not 0.0 <= float(rate) < 1.0:
            raise InvalidArgument(
                f"column {name!r}: null_rate={rate!r} must be a number in [0, 1); "
                "e.g. null_rate=0.05 makes about 5% of the values missing."
            )
        return float(rate)


def _checked_init(init: Any) -> Any:
    """Wrap a declaration's ``__init__`` so a wrong keyword names the class and the right ones."""
    signature = inspect.signature(init)
    accepted = [p for p in signature.parameters if p != "self"]

    @functools.wraps(init)
    def checked(self: Column, *args: Any, **kwargs: Any) -> None:
        try:
            signature.bind(self, *args, **kwargs)
        except TypeError as exc:
            unknown = [k for k in kwargs if k not in signature.parameters]
            hint = ""
            for key in unknown:
                close = difflib.get_close_matches(key, accepted, n=1)
                if close:
                    hint += f" Did you mean {close[0]}= instead of {key}=?"
            raise UnknownParameter(f"{type(self).__name__}(): {exc}.{hint} It takes: {', '.join(accepted)}.") from None
        init(self, *args, **kwargs)

    checked._synthdata_checked = True  # type: ignore[attr-defined]
    return checked


def _number(name: str, field: str, value: object, *, positive: bool = False) -> float | None:
    if value is None:
        return None
    if not _is_number(value) or not math.isfinite(float(value)):  # type: ignore[arg-type]
        raise InvalidArgument(f"column {name!r}: {field}={value!r} must be a finite number.")
    if positive and float(value) <= 0:  # type: ignore[arg-type]
        raise InvalidArgument(f"column {name!r}: {field}={value!r} must be greater than 0.")
    return float(value)  # type: ignore[arg-type]


class _Numeric(Column):
    """Shared parameters of Integer and Float."""

    _integer: ClassVar[bool] = False

    def __init__(
        self,
        distribution: str | None = None,
        *,
        low: float | None = None,
        high: float | None = None,
        mean: float | None = None,
        std: float | None = None,
        median: float | None = None,
        sigma: float | None = None,
        scale: float | None = None,
        lam: float | None = None,
        quantiles: Sequence[float] | Mapping[float, float] | None = None,
        null_rate: float = 0.0,
    ) -> None:
        super().__init__(null_rate=null_rate)
        self.distribution = distribution
        self.low = low
        self.high = high
        self.mean = mean
        self.std = std
        self.median = median
        self.sigma = sigma
        self.scale = scale
        self.lam = lam
        self.quantiles = quantiles

    def _infer_distribution(self) -> str:
        if self.distribution is not None:
            return self.distribution
        if self.quantiles is not None:
            return "quantiles"
        if self.lam is not None:
            return "poisson"
        if self.scale is not None:
            return "exponential"
        if self.median is not None or self.sigma is not None:
            return "lognormal"
        if self.mean is not None or self.std is not None:
            return "normal"
        return "uniform"

    def build(self, name: str, *, locale: str) -> ModelColumn:
        null_rate = self._null_rate(name)
        dist = self._infer_distribution()
        if dist not in _DISTRIBUTIONS or (dist == "poisson" and not self._integer):
            allowed = [d for d in _DISTRIBUTIONS if self._integer or d != "poisson"]
            raise InvalidArgument(
                f"column {name!r}: distribution={dist!r} is not supported for {type(self).__name__}; "
                f"use one of {allowed}."
            )
        given = {
            k for k in ("mean", "std", "median", "sigma", "scale", "lam", "quantiles") if getattr(self, k) is not None
        }
        unused = given - _USES[dist]
        if unused:
            raise InvalidArgument(
                f"column {name!r}: distribution={dist!r} does not use {', '.join(f'{k}=' for k in sorted(unused))}; "
                "drop them, or choose the distribution they belong to "
                "(mean/std: normal; median/sigma: lognormal; scale: exponential; lam: poisson)."
            )
        if dist == "lognormal" and {"median", "sigma"} & given and {"mean", "std"} & given:
            raise InvalidArgument(
                f"column {name!r}: give a lognormal either median=/sigma= or mean=/std= of the values, not both."
            )
        decimals = self._decimals(name)
        low = _number(name, "low", self.low)
        high = _number(name, "high", self.high)
        if low is not None and high is not None and not math.isfinite(high - low):
            raise InvalidArgument(
                f"column {name!r}: low={low:g} and high={high:g} are too far apart for float64 arithmetic; "
                "narrow the bounds or rescale the column."
            )
        for field, value in (("low", self.low), ("high", self.high)):
            if self._integer and value is not None and abs(value) > 2**53:  # exact for Python ints
                raise InvalidArgument(
                    f"column {name!r}: {field}={value} is beyond +-2**53, where float64 can no longer hold "
                    "every whole number; rescale the column (e.g. thousands) or use an Id column."
                )
        if self._integer and any(v is not None and not float(v).is_integer() for v in (low, high)):
            raise InvalidArgument(f"column {name!r}: Integer bounds must be whole numbers; got low={low}, high={high}.")
        if low is not None and high is not None and low >= high:
            raise InvalidArgument(
                f"column {name!r}: low={self.low!r} is not below high={self.high!r}; "
                "swap them, or use a Category with one value for a constant column."
            )
        if dist == "uniform":
            # Undeclared ends: 0..100 when neither is given, else 100 from the declared one (see _DEFAULT_SPAN).
            if low is None and high is None:
                low, high = 0.0, _DEFAULT_SPAN
            elif low is None:
                assert high is not None
                low = high - _DEFAULT_SPAN
            elif high is None:
                high = low + _DEFAULT_SPAN
        step = 1.0 if self._integer else (10.0**-decimals if decimals is not None else None)
        lo = -math.inf if low is None else low
        hi = math.inf if high is None else high
        if step is not None and not self._integer:
            lo = _grid_at_least(lo, step, decimals) if math.isfinite(lo) else lo
            hi = _grid_at_most(hi, step, decimals) if math.isfinite(hi) else hi
            if lo > hi:
                raise InvalidArgument(
                    f"column {name!r}: no value with {decimals} decimals lies between low={self.low!r} and "
                    f"high={self.high!r}; widen the bounds or allow more decimals."
                )
        if dist == "poisson":
            lam = _number(name, "lam", self.lam, positive=True)
            if lam is None:
                raise InvalidArgument(f"column {name!r}: distribution='poisson' needs lam=<mean count>, e.g. lam=3.")
            params: dict[str, Any] = {"lam": lam}
        elif dist == "uniform":
            half = step / 2 if step else 0.0
            params = {"low": lo - half, "high": hi + half}
        else:
            params = self._dist_params(name, dist, low, high)
        return NumericColumn(
            name,
            dist=dist,
            params=params,
            integer=self._integer,
            step=step,
            decimals=decimals,
            bounds=(lo, hi),
            null_rate=null_rate,
        )

    def _decimals(self, name: str) -> int | None:
        return None

    def _dist_params(self, name: str, dist: str, low: float | None, high: float | None) -> dict[str, Any]:
        if dist == "normal":
            mean = _number(name, "mean", self.mean)
            std = _number(name, "std", self.std, positive=True)
            both = low is not None and high is not None
            if mean is None or std is None:
                if not both:
                    missing = " and ".join(f"{k}=" for k, v in (("mean", mean), ("std", std)) if v is None)
                    raise InvalidArgument(
                        f"column {name!r}: a normal distribution needs {missing} (or both low= and high=, from "
                        f"which it takes the midpoint as mean and (high - low) / 6 as std); got "
                        f"mean={self.mean!r}, std={self.std!r}, low={self.low!r}, high={self.high!r}. "
                        "Pass e.g. mean=50, std=10."
                    )
                assert low is not None and high is not None
                if mean is None:
                    mean = (low + high) / 2
                if std is None:
                    std = (high - low) / 6  # the bounds sit 3 std either side of the midpoint
            return {"loc": mean, "scale": std}
        if dist == "lognormal":
            median = _number(name, "median", self.median, positive=True)
            sigma = _number(name, "sigma", self.sigma, positive=True)
            mean = _number(name, "mean", self.mean, positive=True)
            std = _number(name, "std", self.std, positive=True)
            if (median is None) != (sigma is None) or (mean is None) != (std is None):
                given_pair = ("median=", "sigma=") if median is not None or sigma is not None else ("mean=", "std=")
                raise InvalidArgument(
                    f"column {name!r}: a lognormal distribution needs both {given_pair[0]} and {given_pair[1]}; got "
                    f"median={self.median!r}, sigma={self.sigma!r}, mean={self.mean!r}, std={self.std!r}. "
                    "Pass e.g. median=52000, sigma=0.6 (or mean= and std= of the values)."
                )
            if median is None and mean is not None and std is not None:
                s2 = math.log1p(std**2 / mean**2)
                return {"mu": math.log(mean) - s2 / 2, "sigma": math.sqrt(s2)}
            if median is None:
                raise InvalidArgument(
                    f"column {name!r}: a lognormal distribution needs median= and sigma= "
                    "(e.g. median=52000, sigma=0.6) or mean= and std= of the values."
                )
            assert sigma is not None
            return {"mu": math.log(median), "sigma": sigma}
        if dist == "exponential":
            scale = _number(name, "scale", self.scale, positive=True)
            mean = _number(name, "mean", self.mean)
            loc = 0.0 if low is None else low
            if scale is None and mean is not None:
                scale = mean - loc
            if scale is None or scale <= 0:
                raise InvalidArgument(
                    f"column {name!r}: an exponential distribution needs scale=<mean above low> "
                    f"(or mean= greater than low={loc}); got scale={self.scale!r}, mean={self.mean!r}."
                )
            return {"loc": loc, "scale": scale}
        assert dist == "quantiles"
        return _quantile_params(name, self.quantiles)


def _relative(value: Any, offset: int) -> Any:
    """``value - offset`` as a float, exact before the one final rounding (None and non-numbers pass through)."""
    if not _is_number(value) or not math.isfinite(value):
        return value
    return float(fractions.Fraction(value) - offset)


def _grid_at_least(x: float, step: float, decimals: int | None) -> float:
    """Return the smallest value on the ``decimals`` grid that is ``>= x`` (exact in float comparison)."""
    base = math.floor(x / step) - 1
    return next(v for v in (round((base + i) * step, decimals) for i in range(4)) if v >= x)


def _grid_at_most(x: float, step: float, decimals: int | None) -> float:
    """Return the largest value on the ``decimals`` grid that is ``<= x``."""
    base = math.ceil(x / step) + 1
    return next(v for v in (round((base - i) * step, decimals) for i in range(4)) if v <= x)


def _quantile_params(name: str, quantiles: object, *, shown: list[str] | None = None) -> dict[str, Any]:
    if isinstance(quantiles, Mapping):
        if not all(_is_number(p) and _is_number(v) for p, v in quantiles.items()):
            raise InvalidArgument(f"column {name!r}: quantiles={quantiles!r} must map probabilities to numbers.")
        probs = np.array([float(p) for p in quantiles.keys()])
        values = np.array([float(v) for v in quantiles.values()])
    elif isinstance(quantiles, (list, tuple, np.ndarray)):
        if not all(_is_number(v) for v in quantiles):
            raise InvalidArgument(
                f"column {name!r}: quantiles={quantiles!r} must be numbers (values at evenly spaced "
                "probabilities, min ... max), or a dict {probability: value} such as {0: 1, 0.9: 10, 1: 100}."
            )
        values = np.asarray(quantiles, dtype=np.float64)
        probs = np.linspace(0.0, 1.0, len(values))
    else:
        raise InvalidArgument(
            f"column {name!r}: quantiles={quantiles!r} must be a list of values at evenly spaced "
            "probabilities (min ... max) or a dict {probability: value} from 0 to 1."
        )
    order = np.argsort(probs, kind="stable")
    probs, values = probs[order], values[order]
    if len(values) < 2 or not (np.isfinite(values).all() and np.isfinite(probs).all()):
        raise InvalidArgument(f"column {name!r}: quantiles needs at least two finite values; got {quantiles!r}.")
    if probs[0] != 0.0 or probs[-1] != 1.0 or np.any(np.diff(probs) <= 0):
        raise InvalidArgument(
            f"column {name!r}: quantile probabilities must rise strictly from 0 to 1; got {probs.tolist()}."
        )
    if np.any(np.diff(values) < 0):
        raise InvalidArgument(
            f"column {name!r}: quantile values must not decrease as the probability rises; "
            f"got {shown if shown is not None else values.tolist()}."
        )
    return {"probs": probs, "values": values}


class Integer(_Numeric):
    """Whole numbers (int64, or nullable Int64 with ``null_rate > 0``).

    ``distribution`` is ``uniform`` (on ``[low, high]``: 0 to 100 by default,
    and a ``low`` or ``high`` alone reaches 100 from it), ``normal`` (mean, std),
    ``lognormal`` (median, sigma; or mean, std), ``exponential`` (scale), ``poisson``
    (lam) or ``quantiles``; it is inferred from the parameters when omitted.
    ``low``/``high`` are inclusive bounds applied by truncation, never clipping.
    A normal with both bounds may leave out ``mean`` (then the midpoint) and
    ``std`` (then ``(high - low) / 6``, so the bounds sit three standard
    deviations from the midpoint and hold 99.7% of the untruncated mass);
    without both bounds each must be given, as must both parameters of a
    lognormal: no parameter silently defaults to 1.

    >>> Integer(low=18, high=90)
    Integer(null_rate=0.0, low=18, high=90)
    """

    kind = "integer"
    _integer = True

    def build(self, name: str, *, locale: str) -> ModelColumn:
        offset = self._offset(name)
        if not offset:
            return super().build(name, locale=locale)
        # Model the distance from ``offset``: every parameter given as a value is shifted exactly
        # (Fractions), so the float64 marginal only sees numbers it holds to the unit.
        shifted = copy.copy(self)
        shifted.low, shifted.high, shifted.mean = (_relative(v, offset) for v in (self.low, self.high, self.mean))
        if isinstance(self.quantiles, Mapping):
            shifted.quantiles = {p: _relative(v, offset) for p, v in self.quantiles.items()}
        elif isinstance(self.quantiles, (list, tuple, np.ndarray)):
            shifted.quantiles = [_relative(v, offset) for v in self.quantiles]
        column = super(Integer, shifted).build(name, locale=locale)
        assert isinstance(column, NumericColumn)
        return column.with_offset(offset)  # which checks that offset + every value is an int64

    def _offset(self, name: str) -> int:
        """Return the offset to model this column from: 0 within +-2**52, else its bounds' midpoint (or its one bound).

        Beyond 2**52 float64 no longer holds every half step, so a grid cell
        ``[k - 0.5, k + 0.5)`` collapses and some integers can never be drawn.
        """
        bounds = {}
        for field, value in (("low", self.low), ("high", self.high)):
            if value is None or not _is_number(value) or not math.isfinite(value) or not float(value).is_integer():
                continue  # the general checks say what is wrong
            whole = int(value)
            if not -(2**63) <= whole <= MAX_INT64:
                raise InvalidArgument(
                    f"column {name!r}: {field}={value} is beyond int64 (-2**63 .. 2**63 - 1), which holds the "
                    "column; rescale it (e.g. thousands) or use an Id or Category column."
                )
            bounds[field] = whole
        if not bounds or max(abs(v) for v in bounds.values()) <= 2**52:
            return 0
        if len(bounds) == 2 and bounds["high"] - bounds["low"] > 2**52:
            raise InvalidArgument(
                f"column {name!r}: low={bounds['low']} and high={bounds['high']} are more than 2**52 apart, "
                "more whole numbers than float64 draws can tell apart; narrow the bounds or rescale the column."
            )
        dist = self._infer_distribution()
        if dist in ("lognormal", "poisson"):
            raise InvalidArgument(
                f"column {name!r}: a {dist} distribution cannot be placed beyond +-2**52 (where float64 stops "
                "holding every whole number); use a uniform, normal, exponential or quantiles distribution."
            )
        if dist == "exponential" and "low" not in bounds:
            raise InvalidArgument(
                f"column {name!r}: an exponential distribution beyond +-2**52 needs low= (where it starts)."
            )
        if len(bounds) == 2:  # the midpoint: values sit within +-2**51 of it
            return (bounds["low"] + bounds["high"]) // 2
        return bounds.get("low", bounds.get("high", 0))


class Float(_Numeric):
    """Real numbers (float64, NaN for nulls), optionally rounded to ``decimals``.

    Same distributions and bounds as :class:`Integer` except ``poisson``.

    >>> Float(mean=50_000, std=12_000, low=0, decimals=2)
    Float(null_rate=0.0, low=0, mean=50000, std=12000, decimals=2)
    """

    kind = "float"
    _integer = False

    def __init__(
        self,
        distribution: str | None = None,
        *,
        low: float | None = None,
        high: float | None = None,
        mean: float | None = None,
        std: float | None = None,
        median: float | None = None,
        sigma: float | None = None,
        scale: float | None = None,
        quantiles: Sequence[float] | Mapping[float, float] | None = None,
        decimals: int | None = None,
        null_rate: float = 0.0,
    ) -> None:
        super().__init__(
            distribution,
            low=low,
            high=high,
            mean=mean,
            std=std,
            median=median,
            sigma=sigma,
            scale=scale,
            quantiles=quantiles,
            null_rate=null_rate,
        )
        self.decimals = decimals

    def _decimals(self, name: str) -> int | None:
        d = self.decimals
        if d is not None and (not isinstance(d, (int, np.integer)) or isinstance(d, bool) or not 0 <= d <= 12):
            raise InvalidArgument(f"column {name!r}: decimals={d!r} must be an int from 0 to 12.")
        return None if d is None else int(d)


class Category(Column):
    """One of ``values``, with probabilities ``weights`` (pandas ``category`` dtype).

    ``values`` may be a dict ``{value: weight}``. Weights must sum to 1; pass
    ``normalize=True`` to divide counts by their sum instead (we never
    normalise silently: a typo in one weight would go unnoticed). The order of
    ``values`` is the latent order, so a positive correlation with a numeric
    column makes later values more likely where that column is high.

    >>> Category({"free": 0.7, "pro": 0.25, "enterprise": 0.05})
    Category(null_rate=0.0, values={'free': 0.7, 'pro': 0.25, 'enterprise': 0.05}, normalize=False, ordered=False)
    """

    kind = "category"

    def __init__(
        self,
        values: Sequence[Any] | Mapping[Any, float],
        weights: Sequence[float] | None = None,
        *,
        normalize: bool = False,
        ordered: bool = False,
        null_rate: float = 0.0,
    ) -> None:
        super().__init__(null_rate=null_rate)
        self.values = values
        self.weights = weights
        self.normalize = normalize
        self.ordered = ordered

    def build(self, name: str, *, locale: str) -> ModelColumn:
        null_rate = self._null_rate(name)
        if isinstance(self.values, Mapping):
            if self.weights is not None:
                raise InvalidArgument(
                    f"column {name!r}: pass weights either in the values dict or as weights=, not both."
                )
            cats, raw_weights = list(self.values.keys()), list(self.values.values())
        elif isinstance(self.values, (list, tuple, np.ndarray)) or (
            hasattr(self.values, "__iter__") and not isinstance(self.values, (str, bytes))
        ):
            cats = list(self.values)
            raw_weights = list(self.weights) if self.weights is not None else [1.0 / max(len(cats), 1)] * len(cats)
        else:
            raise InvalidArgument(
                f"column {name!r}: values={self.values!r} must be a list of categories or a dict {{category: weight}}."
            )
        if not cats:
            raise InvalidArgument(f"column {name!r}: Category needs at least one value.")
        if any(c is None or (isinstance(c, float) and math.isnan(c)) for c in cats):
            raise InvalidArgument(
                f"column {name!r}: Category values must not be None/NaN; declare missing values with null_rate= instead."
            )
        import pandas as pd

        if len(set(map(repr, cats))) != len(cats) or not pd.Index(cats).is_unique:
            raise InvalidArgument(f"column {name!r}: Category values must be distinct; got {cats!r}.")
        if len(raw_weights) != len(cats):
            raise InvalidArgument(
                f"column {name!r}: {len(raw_weights)} weights for {len(cats)} values; pass one weight per value."
            )
        if not all(_is_number(w) and math.isfinite(float(w)) for w in raw_weights):
            raise InvalidArgument(f"column {name!r}: weights must be finite numbers; got {raw_weights!r}.")
        w = np.asarray(raw_weights, dtype=np.float64)
        if (w < 0).any():
            bad = [c for c, x in zip(cats, w, strict=True) if x < 0]
            raise InvalidArgument(
                f"column {name!r}: weights must not be negative; got {raw_weights!r} (negative for {bad!r})."
            )
        total = float(w.sum())
        if total <= 0:
            raise InvalidArgument(f"column {name!r}: weights sum to 0; give at least one value a positive weight.")
        if not self.normalize and abs(total - 1.0) > 1e-6:
            raise InvalidArgument(
                f"column {name!r}: weights sum to {total:g}, not 1. Pass probabilities that sum to 1, "
                "or normalize=True to divide the weights by their sum (they are not normalised silently)."
            )
        return CategoryColumn(name, categories=cats, probs=w / total, ordered=bool(self.ordered), null_rate=null_rate)


class Boolean(Column):
    """True with probability ``p`` (bool, or nullable boolean with ``null_rate > 0``).

    >>> Boolean(p=0.2)
    Boolean(null_rate=0.0, p=0.2)
    """

    kind = "boolean"

    def __init__(self, p: float = 0.5, *, null_rate: float = 0.0) -> None:
        super().__init__(null_rate=null_rate)
        self.p = p

    def build(self, name: str, *, locale: str) -> ModelColumn:
        null_rate = self._null_rate(name)
        if not _is_number(self.p) or not 0.0 <= float(self.p) <= 1.0:
            raise InvalidArgument(f"column {name!r}: p={self.p!r} must be a probability in [0, 1] (the share of True).")
        return BooleanColumn(name, p=float(self.p), null_rate=null_rate)


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$")


def _timestamp(name: str, field: str, value: object) -> Any:
    import datetime as dt

    import pandas as pd

    if isinstance(value, str):
        if not _ISO_DATE.match(value.strip()):
            raise InvalidArgument(
                f"column {name!r}: {field}={value!r} is not an ISO date; write 'YYYY-MM-DD' or "
                "'YYYY-MM-DD HH:MM[:SS]' (other formats are ambiguous, and 'now'/'today' would change every run)."
            )
    elif not isinstance(value, (dt.date, np.datetime64)):
        raise InvalidArgument(
            f"column {name!r}: {field}={value!r} ({type(value).__name__}) is not a date; pass an ISO string "
            "such as '2024-03-01', a datetime/date, or a pandas Timestamp."
        )
    try:
        ts = pd.Timestamp(value)  # type: ignore[arg-type]
    except (ValueError, TypeError, OverflowError) as exc:
        raise InvalidArgument(
            f"column {name!r}: {field}={value!r} is not a date or datetime pandas can parse ({exc}); "
            "use ISO format such as '2024-03-01' or '2024-03-01 12:30'."
        ) from None
    if ts is pd.NaT or ts is None:
        raise InvalidArgument(f"column {name!r}: {field}={value!r} is not a date; use ISO format such as '2024-03-01'.")
    try:
        ts = ts.as_unit("ns")
    except (ValueError, OverflowError):  # OutOfBoundsDatetime is a ValueError
        raise InvalidArgument(
            f"column {name!r}: {field}={value!r} is outside datetime64[ns]'s range "
            "(1677-09-22 to 2262-04-11); use a date inside it."
        ) from None
    if ts.tzinfo is not None:
        raise InvalidArgument(
            f"column {name!r}: {field}={value!r} is timezone-aware; pass a naive timestamp "
            "(e.g. value.tz_convert('UTC').tz_localize(None))."
        )
    return ts


class Datetime(Column):
    """Timestamps (datetime64[ns]) between ``low`` and ``high``, at ``resolution``.

    ``distribution`` is ``uniform`` (default: 2020-01-01 to 2025-12-31; a
    ``low`` or ``high`` alone spans the same 2,191 days from it), ``normal`` (``mean`` a date, ``std`` a timedelta such as
    ``"90D"``; inferred from them) or ``quantiles`` (a list of dates; inferred
    from it). Bounds only truncate when given. Dates are ISO strings,
    datetimes or Timestamps. ``resolution`` is one of ``D h min s ms us``.

    >>> Datetime(low="2021-01-01", high="2024-12-31")
    Datetime(null_rate=0.0, low='2021-01-01', high='2024-12-31', resolution='s')
    """

    kind = "datetime"
    _default_resolution: ClassVar[str] = "s"

    def __init__(
        self,
        distribution: str | None = None,
        *,
        low: Any = None,
        high: Any = None,
        mean: Any = None,
        std: Any = None,
        quantiles: Sequence[Any] | None = None,
        resolution: str | None = None,
        null_rate: float = 0.0,
    ) -> None:
        super().__init__(null_rate=null_rate)
        self.distribution = distribution
        self.low = low
        self.high = high
        self.mean = mean
        self.std = std
        self.quantiles = quantiles
        self.resolution = resolution if resolution is not None else self._default_resolution

    def build(self, name: str, *, locale: str) -> ModelColumn:
        import pandas as pd

        null_rate = self._null_rate(name)
        if self.resolution not in _UNIT_NS:
            raise InvalidArgument(f"column {name!r}: resolution={self.resolution!r} must be one of {list(_UNIT_NS)}.")
        unit = _UNIT_NS[self.resolution]
        dist = self.distribution
        if dist is None:
            dist = (
                "quantiles"
                if self.quantiles is not None
                else "normal"
                if self.mean is not None or self.std is not None
                else "uniform"
            )
        uses = {"uniform": set(), "normal": {"mean", "std"}, "quantiles": {"quantiles"}}
        if dist not in uses:
            raise InvalidArgument(
                f"column {name!r}: distribution={dist!r} is not supported for {type(self).__name__}; "
                "use 'uniform', 'normal' or 'quantiles'."
            )
        given = {k for k in ("mean", "std", "quantiles") if getattr(self, k) is not None}
        if given - uses[dist]:
            raise InvalidArgument(
                f"column {name!r}: distribution={dist!r} does not use {', '.join(sorted(given - uses[dist]))}=; "
                "drop them or choose the distribution that does."
            )
        low = _timestamp(name, "low", self.low) if self.low is not None else None
        high = _timestamp(name, "high", self.high) if self.high is not None else None
        if dist == "uniform":
            # Defaults stay inside datetime64[ns]: the sums are Python ints, clamped to its ends.
            first, last = (pd.Timestamp(d) for d in _DEFAULT_DATES)
            span = last.value - first.value
            if low is None and high is None:
                low, high = first, last
            elif low is None:
                assert high is not None
                low = pd.Timestamp(max(pd.Timestamp.min.value, high.value - span))
            elif high is None:
                high = pd.Timestamp(min(pd.Timestamp.max.value, low.value + span))
            params: dict[str, Any] = {}
        elif dist == "normal":
            if (
                self.std is not None
                and not isinstance(self.std, (str, pd.Timedelta, np.timedelta64))
                and not hasattr(self.std, "total_seconds")
            ):
                raise InvalidArgument(
                    f"column {name!r}: std={self.std!r} is not a timedelta; write it with a unit, e.g. std='90D' or '12h'."
                )
            try:
                std = pd.Timedelta(self.std) if self.std is not None else None
            except (ValueError, TypeError, OverflowError) as exc:
                if isinstance(exc, (OverflowError, pd.errors.OutOfBoundsTimedelta, pd.errors.OutOfBoundsDatetime)):
                    raise InvalidArgument(
                        f"column {name!r}: std={self.std!r} is beyond pandas' timedelta range (about 106,751 days); "
                        "use a std the datetime64[ns] range (1677-09-22 to 2262-04-11) can hold, e.g. std='3650D'."
                    ) from None
                raise InvalidArgument(
                    f"column {name!r}: std={self.std!r} is not a timedelta; use e.g. std='90D'."
                ) from None
            if std is not None and std.value <= 0:
                raise InvalidArgument(f"column {name!r}: std={self.std!r} must be a positive timedelta such as '90D'.")
            if self.mean is not None:
                mean = _timestamp(name, "mean", self.mean)
            elif low is not None and high is not None:
                mean = low + (high - low) / 2
            else:
                raise InvalidArgument(
                    f"column {name!r}: a normal Datetime needs mean= (a date), e.g. mean='2023-06-01'."
                )
            if std is None:
                if low is None or high is None:
                    raise InvalidArgument(
                        f"column {name!r}: a normal Datetime needs std= (a timedelta such as std='90D'), or both "
                        "low= and high=, from which it takes (high - low) / 6."
                    )
                std = (high - low) / 6  # the bounds sit 3 std either side of the midpoint
            params = {"loc": mean.value / unit, "scale": std.value / unit}
            # Unbounded sides stop at 8 standard deviations and inside datetime64[ns] (whole days in from its
            # ends); the sums are Python ints, which cannot overflow where Timestamp arithmetic would.
            first = pd.Timestamp.min.ceil("D") + pd.Timedelta(days=1)
            last = pd.Timestamp.max.floor("D") - pd.Timedelta(days=1)
            if low is None:
                low = pd.Timestamp(max(first.value, mean.value - 8 * std.value))
            if high is None:
                high = pd.Timestamp(min(last.value, mean.value + 8 * std.value))
            if low >= high:
                raise InvalidArgument(
                    f"column {name!r}: mean={str(mean)!r} with std={self.std!r} leaves no room inside "
                    f"datetime64[ns]'s range ({first.date()} to {last.date()}); move the mean inside it."
                )
        else:
            qs = [_timestamp(name, "quantiles", q) for q in (self.quantiles or [])]
            if len(qs) >= 2:
                low = low if low is not None else min(qs)
                high = high if high is not None else max(qs)
            params = _quantile_params(name, [q.value / unit for q in qs], shown=[str(q) for q in qs])
        assert low is not None and high is not None
        if low >= high:
            raise InvalidArgument(f"column {name!r}: low={str(low)!r} is not before high={str(high)!r}; swap them.")
        lo_u, hi_u = math.ceil(low.value / unit), math.floor(high.value / unit)
        if lo_u > hi_u:
            raise InvalidArgument(
                f"column {name!r}: no {self.resolution} step lies between low={str(low)!r} and high={str(high)!r}."
            )
        if dist == "uniform":
            params = {"low": lo_u - 0.5, "high": hi_u + 0.5}
        return DatetimeColumn(
            name,
            unit_ns=unit,
            is_date=self.kind == "date",
            dist=dist,
            params=params,
            bounds=(lo_u, hi_u),
            null_rate=null_rate,
        )


class Date(Datetime):
    """Calendar dates (datetime64[ns] at midnight); same parameters as :class:`Datetime`.

    >>> Date(low="2020-01-01", high="2020-12-31")
    Date(null_rate=0.0, low='2020-01-01', high='2020-12-31', resolution='D')
    """

    kind = "date"
    _default_resolution = "D"

    def build(self, name: str, *, locale: str) -> ModelColumn:
        if self.resolution != "D":
            raise InvalidArgument(
                f"column {name!r}: a Date has resolution 'D'; use Datetime(resolution={self.resolution!r}) instead."
            )
        return super().build(name, locale=locale)


class Faker(Column):
    """Values of a Faker provider (``name``, ``email``, ``address``, ...), per locale.

    Values come from a pool of ``pool_size`` provider outputs (default 1,000;
    10,000 with ``unique=True``; at most ``MAX_POOL_SIZE``, 1,000,000) generated
    once per process with a seeded Faker at the first sample, then picked with
    numpy, so a million rows cost one pool, not a million Faker calls. ``unique=True`` guarantees distinct values (and raises
    :class:`~pytest_synthdata.errors.PoolExhausted` if the pool holds fewer
    distinct values than the rows asked for). Extra keyword arguments go to the
    provider.

    >>> Faker("email", locale="de_DE", unique=True)
    Faker(null_rate=0.0, provider='email', locale='de_DE', unique=True, pool_seed=0, kwargs={})
    """

    kind = "faker"

    def __init__(
        self,
        provider: str,
        *,
        locale: str | None = None,
        unique: bool = False,
        pool_size: int | None = None,
        pool_seed: int = 0,
        null_rate: float = 0.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(null_rate=null_rate)
        self.provider = provider
        self.locale = locale
        self.unique = unique
        self.pool_size = pool_size
        self.pool_seed = pool_seed
        self.kwargs = kwargs

    def build(self, name: str, *, locale: str) -> ModelColumn:
        from . import _pii

        null_rate = self._null_rate(name)
        if not isinstance(self.provider, str):
            raise InvalidArgument(
                f"column {name!r}: provider={self.provider!r} must be the name of a Faker method, e.g. 'email'."
            )
        pool_size = self.pool_size
        if pool_size is None:
            pool_size = UNIQUE_POOL_SIZE if self.unique else POOL_SIZE
        if (problem := _pii.check_pool_size(name, pool_size)) is not None:
            raise InvalidArgument(problem)
        col_locale = self.locale or locale
        _pii.check_provider(name, self.provider, col_locale, self.kwargs)
        return FakerColumn(
            name,
            provider=self.provider,
            locale=col_locale,
            kwargs=dict(self.kwargs),
            pool_size=pool_size,
            pool_seed=int(self.pool_seed),
            unique=bool(self.unique),
            null_rate=null_rate,
        )


class Derived(Column):
    """A column computed from the others by a vectorised function, after every other stage.

    ``function(df)`` receives the sampled frame (every other column, and the
    derived ones declared before this one) and returns one value per row: a
    Series, an array, or a scalar. It runs after constraints, conditions and a
    factory's ``set=`` values, so ``total`` follows a ``price`` that was set.
    ``function`` may be a callable, or an importable reference
    ``"package.module:function"``: only a reference can be saved to a model
    file (a file never holds code), and loading such a file imports it only
    with ``sd.load(path, trust=True)``. ``dtype`` casts the result.

    >>> import pytest_synthdata as sd
    >>> orders = sd.Schema("orders", {
    ...     "qty": sd.Integer(low=1, high=5),
    ...     "price": sd.Float(low=1, high=20, decimals=2),
    ...     "total": sd.Derived(lambda df: (df["qty"] * df["price"]).round(2)),
    ... })
    >>> df = orders.sample(3, seed=1)
    >>> bool(((df["qty"] * df["price"]).round(2) == df["total"]).all())
    True
    """

    kind = "derived"

    def __init__(self, function: Any, *, dtype: str | None = None) -> None:
        super().__init__()
        self.function = function
        self.dtype = dtype

    def build(self, name: str, *, locale: str) -> ModelColumn:
        from ._columns import ComputedColumn, resolve_function

        if isinstance(self.function, str):
            function, ref = resolve_function(self.function, f"column {name!r}"), self.function
        elif callable(self.function):
            function, ref = self.function, None
        else:
            raise InvalidArgument(
                f"column {name!r}: Derived({self.function!r}) needs a function of the frame, such as "
                "sd.Derived(lambda df: df['qty'] * df['price']), or a reference 'package.module:function'."
            )
        if self.dtype is not None:
            try:
                import pandas as pd

                pd.api.types.pandas_dtype(self.dtype)
            except (TypeError, ValueError) as exc:
                raise InvalidArgument(f"column {name!r}: dtype={self.dtype!r} is not a pandas dtype ({exc}).") from None
        return ComputedColumn(name, function=function, ref=ref, dtype=self.dtype)


class Id(Column):
    """Unique identifiers: ``"sequential"`` ints from ``start``, ``"uuid"`` (UUID4 strings), or a pattern.

    A pattern is a ``str.format`` template for the sequence number, such as
    ``"CUST-{:06d}"`` -> ``CUST-000001``. IDs are never null. Sequence numbers
    are int64: ``start`` is at most ``2**63 - 1``, and sampling ``n`` rows
    raises :class:`~pytest_synthdata.errors.InvalidArgument` when
    ``start + n - 1`` would pass it (they never wrap to negative numbers).

    >>> Id("CUST-{:06d}")
    Id(null_rate=0.0, style='CUST-{:06d}', start=1)
    """

    kind = "id"

    def __init__(self, style: str = "sequential", *, start: int = 1) -> None:
        super().__init__(null_rate=0.0)
        self.style = style
        self.start = start

    def build(self, name: str, *, locale: str) -> ModelColumn:
        if not isinstance(self.start, int) or isinstance(self.start, bool) or self.start < 0:
            raise InvalidArgument(f"column {name!r}: start={self.start!r} must be a non-negative int.")
        if self.start > MAX_INT64:
            raise InvalidArgument(
                f"column {name!r}: start={self.start} is beyond int64's 2**63 - 1, where ids are stored; "
                "declare a smaller start (ids never wrap to negative numbers)."
            )
        if self.style in ("sequential", "uuid"):
            return IdColumn(name, style=self.style, pattern=None, start=self.start)
        if isinstance(self.style, str) and "{" in self.style:
            check_id_pattern(self.style, argument="Id", where=f"column {name!r}")
            return IdColumn(name, style="pattern", pattern=self.style, start=self.start)
        raise InvalidArgument(
            f"column {name!r}: Id style {self.style!r} is not 'sequential', 'uuid' or a pattern such as 'CUST-{{:06d}}'."
        )


class _Pairs(dict):  # type: ignore[type-arg]
    """A dict keyed by column pairs whose lookups accept either order: ``d[("b", "a")]`` is ``d[("a", "b")]``."""

    def _key(self, key: Any) -> Any:
        if not dict.__contains__(self, key) and isinstance(key, tuple) and len(key) == 2:
            return key[::-1]
        return key

    def __getitem__(self, key: Any) -> Any:
        return dict.__getitem__(self, self._key(key))

    def __contains__(self, key: object) -> bool:
        return dict.__contains__(self, self._key(key))

    def get(self, key: Any, default: Any = None) -> Any:
        return dict.get(self, self._key(key), default)


def _reach(column: ModelColumn) -> tuple[float, float]:
    """Return the lowest and highest values ``column`` can give: its bounds, narrowed on an open side to what its
    distribution reaches (``value_range``)."""
    low, high = column.bounds
    value_range = getattr(column, "value_range", None)
    if value_range is not None and not (math.isfinite(low) and math.isfinite(high)):
        lowest, highest = value_range()
        if not highest >= lowest:  # (whole numbers whose extreme latent scores overflow int64: no reach to read)
            return low, high
        if math.isfinite(lowest):
            low = max(low, lowest)
        if math.isfinite(highest):
            high = min(high, highest)
    return low, high


def _rank_values(series: Any) -> Any:
    """Return values whose ranks are the column's ranks (category codes, int64 times)."""
    import pandas as pd

    if isinstance(series.dtype, pd.CategoricalDtype):
        return series.cat.codes.where(series.notna())
    if series.dtype.kind == "M":
        return series.astype("int64").where(series.notna())
    return series.astype("float64")


def resolve_column(name: str, spec: object) -> Column:
    """Return the Column declared by ``spec`` (a Column, a kind name, or ``{"kind": ..., **params}``)."""
    if isinstance(spec, Column):
        return spec
    if isinstance(spec, type) and issubclass(spec, Column):
        try:
            return spec()
        except TypeError as exc:
            raise InvalidArgument(
                f"column {name!r}: {spec.__name__}() needs arguments ({exc}); pass an instance."
            ) from None
    from ._manager import column_kinds

    if isinstance(spec, str):
        kind, params = spec, {}
    elif isinstance(spec, Mapping) and "kind" in spec:
        kind, params = spec["kind"], {k: v for k, v in spec.items() if k != "kind"}
    else:
        raise InvalidArgument(
            f"column {name!r}: {spec!r} is not a column declaration; use e.g. sd.Integer(low=0, high=10), "
            "a kind name such as 'boolean', or {'kind': 'integer', 'low': 0, 'high': 10}."
        )
    kinds = column_kinds()
    if kind not in kinds:
        close = difflib.get_close_matches(str(kind), list(kinds), n=3)
        hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
        if isinstance(kind, str) and not close:
            hint += _faker_hint(kind)
        raise UnknownColumnKind(
            f"column {name!r}: unknown column kind {kind!r}.{hint} Known kinds: {sorted(kinds)}. "
            "Plugins add kinds through the synthdata_column_kinds hook."
        )
    try:
        return kinds[kind](**params)  # type: ignore[no-any-return]
    except TypeError as exc:
        raise InvalidArgument(f"column {name!r}: kind {kind!r} does not accept {params!r}: {exc}.") from None


def _faker_hint(kind: str) -> str:
    try:
        from ._pii import faker_for

        if callable(getattr(faker_for("en_US"), kind, None)):
            return f" {kind!r} is a Faker provider: use sd.Faker({kind!r})."
    except Exception:  # pragma: no cover - a hint only
        pass
    return ""


class Schema(Model):
    """A dataset declared column by column, with rank correlations and constraints.

    ``columns`` maps names to declarations (``Integer``, ``Float``, ``Category``,
    ``Boolean``, ``Datetime``, ``Date``, ``Faker``, ``Id`` or a plugin kind).
    ``correlations`` maps column pairs to Spearman rank-correlation targets in
    [-1, 1], between any modelled columns (categories and booleans included).
    Targets that cannot hold together are moved to the nearest feasible ones
    with a :class:`~pytest_synthdata.errors.CorrelationRepairedWarning`.

    >>> import pytest_synthdata as sd
    >>> customers = sd.Schema(
    ...     "customers",
    ...     {"age": sd.Integer(mean=41, std=12, low=18, high=90),
    ...      "income": sd.Float(median=52_000, sigma=0.5, decimals=2),
    ...      "churned": sd.Boolean(p=0.2)},
    ...     correlations={("age", "income"): 0.5, ("income", "churned"): -0.3},
    ... )
    >>> customers.sample(1000, seed=7).shape
    (1000, 3)
    """

    def __init__(
        self,
        name: str,
        columns: Mapping[str, Column | str | Mapping[str, Any]],
        *,
        correlations: Mapping[tuple[str, str], float] | None = None,
        constraints: Sequence[LessThan | Range | Unique | Predicate | str] = (),
        locale: str = "en_US",
    ) -> None:
        check_name(name, where="Schema")
        if not isinstance(columns, Mapping) or not columns:
            raise InvalidArgument(
                f"Schema {name!r}: columns must be a non-empty dict of name -> declaration; got {columns!r}."
            )
        for col_name in columns:
            if not isinstance(col_name, str) or not col_name:
                raise InvalidArgument(f"Schema {name!r}: column names must be non-empty strings; got {col_name!r}.")
        if not isinstance(locale, str):
            raise InvalidArgument(f"Schema {name!r}: locale={locale!r} must be a Faker locale string such as 'en_US'.")
        self.declarations = {col: resolve_column(col, spec) for col, spec in columns.items()}
        built = [decl.build(col, locale=locale) for col, decl in self.declarations.items()]
        self.locale = locale
        by_name = {c.name: c for c in built}
        if isinstance(constraints, (str, LessThan, Range)):
            constraints = [constraints]
        declared: list[Any] = []
        for c in constraints:
            declared.extend(parse_constraint(c) if isinstance(c, str) else [c])
        for c in declared:
            if isinstance(c, FixedCombinations):
                raise InvalidConstraint(
                    f"Schema {name!r}: {c!r} keeps the combinations seen in real data, which a schema does not have: "
                    "use it with sd.fit, or declare a Category of the combinations and sd.Derived columns from it."
                )
        for r in (c for c in declared if isinstance(c, Range)):  # a range narrows its column's bounds
            if r.column not in by_name:
                raise InvalidConstraint(
                    f"Schema {name!r}: constraint '{r}' names unknown column {r.column!r}; columns are {list(by_name)}."
                )
            by_name[r.column] = apply_range(by_name[r.column], r, f"Schema {name!r}")
        rows = [c for c in declared if isinstance(c, (Unique, Predicate))]
        for c in rows:
            if isinstance(c, Predicate):
                c.resolve(f"Schema {name!r}: {c}")
        orders = [
            self._check_constraint(name, c, by_name) for c in declared if not isinstance(c, (Range, Unique, Predicate))
        ]
        order = self._plan_constraints(name, orders, by_name)
        built = [by_name[c.name] for c in built]
        modelled = [c for c in built if c.modelled]
        index = {c.name: i for i, c in enumerate(modelled)}
        self.declared_correlations = _Pairs(self._check_correlations(name, correlations or {}, index, by_name))
        with _linalg.one_thread():
            latent, achieved, notes = self._calibrate(self.declared_correlations, modelled, index)
        #: The Spearman correlation each declared pair gets (measured where order constraints move it); a pair
        #: may be looked up in either order.
        self.correlations = _Pairs(achieved)
        if notes:
            warnings.warn(
                f"Schema {name!r}: declared correlations adjusted to the nearest feasible ones: "
                + "; ".join(notes)
                + ". Check the targets, or loosen the ones that conflict.",
                CorrelationRepairedWarning,
                stacklevel=2,
            )
        super().__init__(name, built, latent_correlation=latent, order_constraints=order, row_constraints=rows)
        self.constraints = declared  # (in the user's order)
        self._measure_constrained_correlations()

    def _measure_constrained_correlations(self) -> None:
        """Report (and warn about) correlations that order constraints change.

        A constraint redraws values, which moves rank correlations of the
        columns it touches in a way no closed form gives; they are measured on
        a fixed 20,000-row sample so ``correlations`` says what the data shows.
        Only the modelled columns are drawn: Faker columns become cheap
        stand-ins without a unique pool (they keep their null flags, so the
        latent scores are the ones a real sample has), Id and Derived columns
        and row rules (``Unique``, predicates) are left out, so a schema that
        samples fewer rows than that still builds and no user code runs here.
        """
        constrained = {c for pair in self._order_constraints for c in pair[:2]}
        pairs = [p for p in self.declared_correlations if constrained.intersection(p)]
        if not pairs:
            return
        import pandas as pd

        columns: list[ModelColumn] = []
        for col in self._columns:
            if isinstance(col, FakerColumn):
                stand_in = col.placeholder()
                stand_in.unique, stand_in.aux, stand_in.keyed = False, 1, False
                columns.append(stand_in)
            elif col.modelled:
                columns.append(col)
        frame = self.replaced(columns=columns, row_constraints=()).sample(20_000, seed=0)
        notes = []
        for a, b in pairs:
            ranks = pd.DataFrame({"a": _rank_values(frame[a]), "b": _rank_values(frame[b])}).dropna()
            measured = float(ranks["a"].corr(ranks["b"], method="spearman"))
            if abs(measured - self.correlations[(a, b)]) > 0.05:
                notes.append(f"({a!r}, {b!r}) {self.correlations[(a, b)]:+.2f} -> about {measured:+.2f}")
            self.correlations[(a, b)] = measured
        if notes:
            warnings.warn(
                f"Schema {self.name!r}: order constraints change declared correlations: " + "; ".join(notes) + ". "
                "A constraint reorders values, which moves the rank correlations of the columns it touches.",
                CorrelationRepairedWarning,
                stacklevel=3,
            )

    @staticmethod
    def _check_correlations(
        name: str, correlations: Mapping[Any, Any], index: dict[str, int], by_name: dict[str, ModelColumn]
    ) -> dict[tuple[str, str], float]:
        if not isinstance(correlations, Mapping):
            raise InvalidCorrelation(
                f"Schema {name!r}: correlations must be a dict {{('a', 'b'): 0.5}}; got {correlations!r}."
            )
        out: dict[tuple[str, str], float] = {}
        for pair, value in correlations.items():
            if not (isinstance(pair, tuple) and len(pair) == 2 and all(isinstance(p, str) for p in pair)):
                raise InvalidCorrelation(
                    f"Schema {name!r}: correlation key {pair!r} must be a pair of column names like ('age', 'income')."
                )
            a, b = pair
            for col in (a, b):
                if col not in by_name:
                    close = difflib.get_close_matches(col, list(by_name), n=1)
                    hint = f" Did you mean {close[0]!r}?" if close else ""
                    raise InvalidCorrelation(
                        f"Schema {name!r}: correlation {pair!r} names unknown column {col!r}.{hint}"
                    )
                if col not in index:
                    raise InvalidCorrelation(
                        f"Schema {name!r}: correlation {pair!r}: column {col!r} is a {by_name[col].kind} column, which is "
                        "generated rather than modelled; correlate Integer, Float, Category, Boolean, Datetime or Date columns."
                    )
            if a == b:
                raise InvalidCorrelation(f"Schema {name!r}: correlation {pair!r} pairs column {a!r} with itself.")
            if not _is_number(value) or not -1.0 <= float(value) <= 1.0:
                raise InvalidCorrelation(
                    f"Schema {name!r}: correlation {pair!r}={value!r} must be a number in [-1, 1] (a Spearman rank correlation)."
                )
            key = (a, b) if index[a] < index[b] else (b, a)
            if key in out and out[key] != float(value):
                raise InvalidCorrelation(
                    f"Schema {name!r}: correlation between {a!r} and {b!r} is given twice with different values."
                )
            out[key] = float(value)
        return out

    @staticmethod
    def _calibrate(
        declared: dict[tuple[str, str], float], modelled: list[ModelColumn], index: dict[str, int]
    ) -> tuple[np.ndarray, dict[tuple[str, str], float], list[str]]:
        """Return (latent correlation, the Spearman correlation each declared pair gets, notes on changed targets).

        The same two steps as a fit's (see ``_copula``): every pair's target
        inverted at once by the tie-aware Mehler series and orthant solve,
        then the undeclared pairs completed by maximum determinant.
        """
        d = len(modelled)
        latent = np.eye(d)
        achieved: dict[tuple[str, str], float] = {}
        notes: list[str] = []
        cells = [c.rank_cells() for c in modelled]
        pairs = [(index[a], index[b]) for a, b in declared]
        if pairs:
            rs = latent_for_spearman_pairs(np.array(list(declared.values())), [(cells[i], cells[j]) for i, j in pairs])
            for ((a, b), target), (i, j), r in zip(declared.items(), pairs, rs, strict=True):
                latent[i, j] = latent[j, i] = r
                got = spearman_of_latent(float(r), cells[i], cells[j])
                achieved[(a, b)] = got
                if abs(got - target) > 0.005:
                    notes.append(
                        f"({a!r}, {b!r}) {target:+.3f} is beyond what these columns' ties allow, using {got:+.3f}"
                    )
        if d < 2:
            return latent, achieved, notes
        declared_mask = np.zeros((d, d), dtype=bool)
        for a, b in declared:
            declared_mask[index[a], index[b]] = declared_mask[index[b], index[a]] = True
        latent, kept = complete_correlation(latent, declared_mask)
        if not kept:
            changed = []
            for (a, b), target in declared.items():
                i, j = index[a], index[b]
                got = spearman_of_latent(float(latent[i, j]), cells[i], cells[j])
                if abs(got - achieved[(a, b)]) > 0.005:
                    changed.append(f"({a!r}, {b!r}) {target:+.3f} -> {got:+.3f}")
                achieved[(a, b)] = got
            notes.append(
                "the targets cannot hold together, moved to the nearest set that can"
                + (": " + ", ".join(changed) if changed else "")
            )
        return latent, achieved, notes

    @staticmethod
    def _check_constraint(name: str, spec: object, by_name: dict[str, ModelColumn]) -> LessThan:
        constraint = spec
        if not isinstance(constraint, LessThan):
            raise InvalidConstraint(
                f"Schema {name!r}: constraint {spec!r} must be sd.LessThan('a', 'b'), sd.Range('age', 18, 65) or a "
                "string such as 'a < b' or '18 <= age <= 65'."
            )
        a, b = constraint.low, constraint.high
        for col in (a, b):
            if col not in by_name:
                raise InvalidConstraint(
                    f"Schema {name!r}: constraint {constraint!r} names unknown column {col!r}; columns are {list(by_name)}."
                )
        if a == b:
            raise InvalidConstraint(f"Schema {name!r}: constraint {constraint!r} compares column {a!r} with itself.")
        ca, cb = by_name[a], by_name[b]
        if ca.family is None or ca.family != cb.family:
            raise InvalidConstraint(
                f"Schema {name!r}: constraint {constraint!r} compares a {ca.kind} column with a {cb.kind} column; "
                "both must be numeric (Integer/Float) or both dates (Datetime/Date)."
            )
        return constraint

    @staticmethod
    def _plan_constraints(
        name: str, constraints: list[LessThan], by_name: dict[str, ModelColumn]
    ) -> list[tuple[str, str, bool]]:
        """Check that the constraints can hold together; tighten bounds they imply; order them.

        Returns the constraints sorted so that every column comes after the
        columns it must exceed (a topological order), and replaces columns in
        ``by_name`` whose bounds the constraints tighten (``a < b`` with
        ``b <= 10`` means ``a < 10`` in every row, so ``a`` is truncated there).
        """
        if not constraints:
            return []
        for c in constraints:
            for column in (c.low, c.high):
                if getattr(by_name.get(column), "offset", 0):
                    raise InvalidConstraint(
                        f"Schema {name!r}: constraint {c!r} orders column {column!r}, whose integers lie beyond "
                        "+-2**52, where order constraints (compared in float64) cannot be exact; drop the "
                        "constraint or rescale the column."
                    )
        preds: dict[str, list[tuple[str, bool]]] = {}
        succs: dict[str, list[tuple[str, bool]]] = {}
        for c in constraints:
            preds.setdefault(c.high, []).append((c.low, c.strict))
            succs.setdefault(c.low, []).append((c.high, c.strict))
        topo = dependency_order([(c.low, c.high, c.strict) for c in constraints], where=f"Schema {name!r}")
        nodes = topo

        def propagate(ends: dict[str, tuple[float, float]]) -> tuple[dict[str, float], dict[str, float]]:
            low = {n: ends[n][0] for n in nodes}
            high = {n: ends[n][1] for n in nodes}
            for n in topo:
                for a, strict in preds.get(n, []):
                    if math.isfinite(low[a]):
                        t = by_name[a].to_common(np.array([low[a]]))
                        low[n] = max(low[n], float(by_name[n].least_above(t, strict=strict)[0]))
            for n in reversed(topo):
                for b, strict in succs.get(n, []):
                    if math.isfinite(high[b]):
                        t = by_name[b].to_common(np.array([high[b]]))
                        high[n] = min(high[n], float(by_name[n].greatest_below(t, strict=strict)[0]))
            return low, high

        # What each column can reach: its declared bounds, and on an open side the values its distribution
        # gives (a quantiles column's ends, a normal's 40 standard deviations): a constraint must not push a
        # column beyond them, so the columns it compares with are bounded there, as by declared bounds.
        reach = {n: _reach(by_name[n]) for n in nodes}
        low_declared, high_declared = propagate({n: by_name[n].bounds for n in nodes})
        low_reach, high_reach = propagate(reach)
        low = {n: low_reach[n] if low_reach[n] > reach[n][0] else low_declared[n] for n in nodes}
        high = {n: high_reach[n] if high_reach[n] < reach[n][1] else high_declared[n] for n in nodes}
        for n in nodes:
            if low_reach[n] > high_reach[n] and not low[n] > high[n]:
                involved = [repr(c) for c in constraints if n in (c.low, c.high)]
                raise InvalidConstraint(
                    f"Schema {name!r}: constraints {', '.join(involved)} can never hold: column {n!r} would have "
                    f"to be at least {by_name[n].show(low_reach[n])} and at most {by_name[n].show(high_reach[n])}, "
                    "given the values the columns' distributions reach; move the distributions or widen them."
                )
        for n in nodes:
            if low[n] > high[n]:
                involved = [repr(c) for c in constraints if n in (c.low, c.high)]
                raise InvalidConstraint(
                    f"Schema {name!r}: constraints {', '.join(involved)} can never hold: column {n!r} would have "
                    f"to be at least {by_name[n].show(low[n])} and at most {by_name[n].show(high[n])}; "
                    "widen the columns' bounds."
                )
            if (low[n], high[n]) != by_name[n].bounds:
                try:
                    by_name[n] = by_name[n].with_bounds(low[n], high[n])
                except InvalidArgument as exc:
                    involved = [repr(c) for c in constraints if n in (c.low, c.high)]
                    raise InvalidConstraint(
                        f"Schema {name!r}: constraints {', '.join(involved)} confine column {n!r} to "
                        f"[{by_name[n].show(low[n])}, {by_name[n].show(high[n])}], where its distribution has no probability; "
                        "widen the bounds or move the distribution."
                    ) from exc
        rank = {n: i for i, n in enumerate(topo)}
        return [(c.low, c.high, c.strict) for c in sorted(constraints, key=lambda c: rank[c.high])]
