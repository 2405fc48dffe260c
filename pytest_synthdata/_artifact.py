"""Model files: versioned, human-readable JSON (``*.synth.json``), validated on load.

A file holds what a Model needs to sample (marginals, generators, the latent
correlation) and what fitting reported, never rows and never pickles. Keys come
in a fixed order and short lists of numbers stay on one line, so a change
reviews as a small diff. Floats are written with ``repr``, so a loaded model
samples bit-identically to the one that was saved.

Layout (version 1)::

    {"format": "pytest-synthdata model", "version": 1, "name": ..., "written_by": ...,
     "columns": [{"name": ..., "type": "numeric" | "datetime" | "category" | "boolean"
                  | "faker" | "id" | "null" | "conditional" | "derived", ...}, ...],
     "latent": {"dims": [...], "correlation": [[...], ...],
                optional "segment", "null_rates_by_group" and "null_follows" (column -> the column
                whose null flag it shares)},
     "order_constraints": [[a, b, strict], ...], "info": {...}}
"""

from __future__ import annotations

import json
import math
import os
import pathlib
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import InvalidArgument, ModelFileError

if TYPE_CHECKING:
    from ._columns import ModelColumn
    from ._model import Model

__all__ = ["FORMAT", "VERSION", "dumps", "load", "loads", "save"]

FORMAT = "pytest-synthdata model"
VERSION = 1
SUFFIX = ".synth.json"
_DISTS = frozenset({"normal", "lognormal", "uniform", "exponential", "quantiles", "table", "poisson"})
#: Rows sampled when a file is loaded, to catch edits that break sampling.
_SMOKE_ROWS = 64


# writing ------------------------------------------------------------------------------


def _number(x: float) -> float | None:
    """Infinite bounds are written as null."""
    return None if math.isinf(x) else float(x)


def _array(a: Any) -> list[Any]:
    import numpy as np

    return [v.item() if isinstance(v, np.generic) else v for v in np.asarray(a).tolist()]


def _params(params: dict[str, Any]) -> dict[str, Any]:
    return {k: _array(v) if hasattr(v, "__len__") and not isinstance(v, str) else float(v) for k, v in params.items()}


def column_spec(col: ModelColumn) -> dict[str, Any]:
    """Return the JSON description of one column."""
    from ._columns import (
        BooleanColumn,
        CategoryColumn,
        ConditionalColumn,
        DatetimeColumn,
        DerivedColumn,
        FakerColumn,
        IdColumn,
        NullColumn,
        NumericColumn,
    )

    spec: dict[str, Any] = {"name": col.name}
    if isinstance(col, DerivedColumn):
        spec.update(type="derived", given=col.given, lookup=_array(col.lookup), base=column_spec(col.base))
        return spec
    if isinstance(col, ConditionalColumn):
        spec.update(
            type="conditional",
            given=col.given,
            groups=list(col.groups),
            base=column_spec(col.base),
            levels=[column_spec(level) for level in col.levels],
        )
        return spec
    if isinstance(col, NumericColumn):
        args = col._arguments
        spec["type"] = "datetime" if isinstance(col, DatetimeColumn) else "numeric"
        if isinstance(col, DatetimeColumn):
            spec.update(unit_ns=col.unit_ns, is_date=col.is_date, step=args["step"])
        else:
            spec.update(integer=bool(args["integer"]), step=args["step"], decimals=args["decimals"])
        spec.update(
            dist=args["dist"],
            params=_params(args["params"]),
            bounds=[_number(col.bounds[0]), _number(col.bounds[1])],
            inf_rates=list(col.inf_rates),
        )
    elif isinstance(col, CategoryColumn):
        spec.update(
            type="category",
            categories=_json_values(col.name, col.categories),
            probs=_array(col.probs),
            ordered=col.ordered,
        )
        if col.dtype_order is not None:
            spec["dtype_order"] = _json_values(col.name, col.dtype_order)
    elif isinstance(col, BooleanColumn):
        spec.update(type="boolean", p=col.p)
    elif isinstance(col, FakerColumn):
        try:
            json.dumps(col.kwargs, allow_nan=False)
        except (TypeError, ValueError):
            raise InvalidArgument(
                f"column {col.name!r}: Faker keyword arguments {col.kwargs!r} cannot be written as JSON; "
                "use strings, numbers, booleans, lists and dicts."
            ) from None
        spec.update(
            type="faker",
            provider=col.provider,
            locale=col.locale,
            kwargs=col.kwargs,
            pool_size=col.pool_size,
            pool_seed=col.pool_seed,
            unique=col.unique,
        )
    elif isinstance(col, IdColumn):
        spec.update(type="id", style=col.style, pattern=col.pattern, start=col.start)
    elif isinstance(col, NullColumn):
        spec.update(type="null", dtype=col.dtype)
    else:
        raise InvalidArgument(f"column {col.name!r}: {type(col).__name__} columns cannot be saved to a model file yet.")
    if not isinstance(col, (IdColumn, NullColumn)):
        spec["null_rate"] = col.null_rate
    spec["cast"] = col.cast
    return spec


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


def to_dict(model: Model) -> dict[str, Any]:
    """Return the JSON-ready description of ``model``."""
    from . import __version__

    dims = list(model.modelled_columns) + [f"{c} is null" for c in model.latent_nulls]
    return {
        "format": FORMAT,
        "version": VERSION,
        "name": model.name,
        "written_by": f"pytest-synthdata {__version__}",
        "columns": [column_spec(model.column(c)) for c in model.columns],
        "latent": {
            "dims": dims,
            "correlation": [_array(row) for row in model.latent_correlation],
            **({"segment": {"column": model.segment[0], "groups": model.segment[1]}} if model.segment else {}),
            **({"null_rates_by_group": model.null_groups} if model.null_groups else {}),
            **({"null_follows": model.null_follows} if model.null_follows else {}),
        },
        "order_constraints": [[a, b, strict] for a, b, strict in model._order_constraints],
        "info": model.info,
    }


def _format(value: Any, indent: int = 0) -> str:
    """JSON with dicts and nested lists indented, and lists of scalars on one line."""
    pad = "  " * (indent + 1)
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = [f"{pad}{json.dumps(str(k))}: {_format(v, indent + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + "  " * indent + "}"
    if isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value):
        items = [f"{pad}{_format(v, indent + 1)}" for v in value]
        return "[\n" + ",\n".join(items) + "\n" + "  " * indent + "]"
    return json.dumps(value, allow_nan=False, ensure_ascii=False)


def dumps(model: Model) -> str:
    """Return the model file text for ``model``."""
    try:
        return _format(to_dict(model)) + "\n"
    except ValueError as exc:  # NaN or infinity where JSON has none
        raise InvalidArgument(f"model {model.name!r} holds a value JSON cannot write ({exc}).") from None


def save(model: Model, path: str | os.PathLike[str]) -> pathlib.Path:
    """Write ``model`` to ``path`` (which should end in ``.synth.json``) atomically."""
    target = pathlib.Path(path)
    if not target.name.endswith(SUFFIX):
        raise InvalidArgument(f"{target}: name model files '<name>{SUFFIX}' so tools and the pytest plugin find them.")
    text = dumps(model)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, target)
    return target


# reading ------------------------------------------------------------------------------


class _Reader:
    """Typed access to a decoded file, with errors that say where in the file a value is wrong."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, message: str) -> ModelFileError:
        return ModelFileError(f"{self.source}: {where}: {message}")

    def get(
        self, obj: dict[str, Any], key: str, kind: type | tuple[type, ...], where: str, *, optional: bool = False
    ) -> Any:
        if key not in obj:
            if optional:
                return None
            raise self.fail(where, f"missing key {key!r}")
        value = obj[key]
        if value is None and optional:
            return None
        ok = isinstance(value, kind) and not (isinstance(value, bool) and bool not in _tuple(kind))
        if not ok:
            names = "/".join(t.__name__ for t in _tuple(kind))
            raise self.fail(f"{where}.{key}", f"expected {names}, found {json.dumps(value)[:80]}")
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 2**62:
            raise self.fail(f"{where}.{key}", f"{value} is out of range")
        if isinstance(value, float) and not math.isfinite(value):
            raise self.fail(f"{where}.{key}", f"{value} is not a finite number")
        return value

    def numbers(self, obj: dict[str, Any], key: str, where: str) -> list[float]:
        values = self.get(obj, key, list, where)
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
            raise self.fail(f"{where}.{key}", "expected a list of numbers")
        return values

    def probability(self, obj: dict[str, Any], key: str, where: str) -> float:
        value = float(self.get(obj, key, (int, float), where))
        if not 0.0 <= value <= 1.0:
            raise self.fail(f"{where}.{key}", f"{value} is not a probability in [0, 1]")
        return value


def _tuple(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def _build_column(r: _Reader, spec: Any, where: str) -> ModelColumn:
    import numpy as np

    from ._columns import (
        BooleanColumn,
        CategoryColumn,
        ConditionalColumn,
        DatetimeColumn,
        DerivedColumn,
        FakerColumn,
        IdColumn,
        NullColumn,
        NumericColumn,
    )

    if not isinstance(spec, dict):
        raise r.fail(where, "expected an object describing a column")
    name = r.get(spec, "name", str, where)
    where = f"column {name!r}" if not where.startswith("column ") else where
    kind = r.get(spec, "type", str, where)
    if kind == "conditional":
        given = r.get(spec, "given", str, where)
        groups = r.get(spec, "groups", list, where)
        if not all(isinstance(g, int) and not isinstance(g, bool) for g in groups):
            raise r.fail(f"{where}.groups", "expected a list of whole numbers")
        base = _build_column(r, r.get(spec, "base", dict, where), f"{where}.base")
        raw_levels = r.get(spec, "levels", list, where)
        levels = [_build_column(r, level, f"{where}.levels[{i}]") for i, level in enumerate(raw_levels)]
        if any(level.name != name for level in [base, *levels]):
            raise r.fail(where, "base and levels must carry the column's own name")
        return ConditionalColumn(name, base=base, given=given, groups=groups, levels=levels)
    if kind == "derived":
        given = r.get(spec, "given", str, where)
        lookup = r.get(spec, "lookup", list, where)
        base = _build_column(r, r.get(spec, "base", dict, where), f"{where}.base")
        if base.name != name:
            raise r.fail(where, "base must carry the column's own name")
        wanted = bool if isinstance(base, BooleanColumn) else int
        if not all(isinstance(v, wanted) and (wanted is bool or not isinstance(v, bool)) for v in lookup):
            raise r.fail(f"{where}.lookup", f"expected a list of {wanted.__name__} values")
        return DerivedColumn(name, base=base, given=given, lookup=lookup)
    if kind not in ("numeric", "datetime", "category", "boolean", "faker", "id", "null"):
        raise r.fail(f"{where}.type", f"unknown column type {kind!r}")
    cast = r.get(spec, "cast", str, where, optional=True)
    null_rate = 0.0 if kind in ("id", "null") else r.probability(spec, "null_rate", where)
    column: ModelColumn
    if kind in ("numeric", "datetime"):
        dist = r.get(spec, "dist", str, where)
        if dist not in _DISTS:
            raise r.fail(f"{where}.dist", f"unknown distribution {dist!r}; expected one of {sorted(_DISTS)}")
        raw_params = r.get(spec, "params", dict, where)
        params: dict[str, Any] = {}
        for key, value in raw_params.items():
            if isinstance(value, list):
                arr = np.asarray(r.numbers(raw_params, key, f"{where}.params"), dtype=np.float64)
                if key in ("probs", "values") and (len(arr) == 0 or (np.any(np.diff(arr) < 0) and dist == "quantiles")):
                    raise r.fail(f"{where}.params.{key}", "quantile knots must be a non-empty ascending list")
                params[key] = arr
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                params[key] = float(value)
            else:
                raise r.fail(f"{where}.params.{key}", f"expected a number or a list, found {json.dumps(value)[:80]}")
        if dist in ("quantiles", "table"):
            probs, values = params.get("probs"), params.get("values")
            if probs is None or values is None or len(probs) != len(values):
                raise r.fail(f"{where}.params", "'probs' and 'values' must be lists of the same length")
            if dist == "quantiles" and (probs[0] != 0.0 or probs[-1] != 1.0):
                raise r.fail(f"{where}.params.probs", "quantile levels must run from 0 to 1")
            if dist == "table" and (np.any(probs < 0) or abs(probs.sum() - 1.0) > 1e-9):
                raise r.fail(
                    f"{where}.params.probs", f"frequencies must be >= 0 and sum to 1 (they sum to {probs.sum():g})"
                )
        bounds = r.get(spec, "bounds", list, where)
        if len(bounds) != 2 or not all(b is None or isinstance(b, (int, float)) for b in bounds):
            raise r.fail(f"{where}.bounds", "expected [low, high] (null for unbounded)")
        low = -math.inf if bounds[0] is None else float(bounds[0])
        high = math.inf if bounds[1] is None else float(bounds[1])
        inf_rates = r.numbers(spec, "inf_rates", where) if "inf_rates" in spec else [0.0, 0.0]
        common = {"dist": dist, "params": params, "bounds": (low, high), "null_rate": null_rate}
        if any(inf_rates):
            common["inf_rates"] = (float(inf_rates[0]), float(inf_rates[1]))
        step = r.get(spec, "step", (int, float), where, optional=True)
        if step is not None and not step > 0:
            raise r.fail(f"{where}.step", f"{step} is not a positive grid step")
        if kind == "datetime":
            unit_ns = r.get(spec, "unit_ns", int, where)
            if unit_ns <= 0:
                raise r.fail(f"{where}.unit_ns", "must be a positive number of nanoseconds")
            is_date = r.get(spec, "is_date", bool, where)
            column = DatetimeColumn(
                name, unit_ns=unit_ns, is_date=is_date, step=None if step is None else float(step), **common
            )
        else:
            integer = r.get(spec, "integer", bool, where)
            decimals = r.get(spec, "decimals", int, where, optional=True)
            if decimals is not None and not 0 <= decimals <= 15:
                raise r.fail(f"{where}.decimals", f"{decimals} is not between 0 and 15")
            column = NumericColumn(
                name,
                integer=integer,
                step=None if step is None else float(step),
                decimals=decimals,
                **common,
            )
    elif kind == "category":
        categories = r.get(spec, "categories", list, where)
        probs = np.asarray(r.numbers(spec, "probs", where), dtype=np.float64)
        if len(categories) == 0 or len(categories) != len(probs):
            raise r.fail(where, f"{len(categories)} categories but {len(probs)} probabilities")
        if np.any(probs < 0) or abs(probs.sum() - 1.0) > 1e-9:
            raise r.fail(f"{where}.probs", f"probabilities must be >= 0 and sum to 1 (they sum to {probs.sum():g})")
        if not all(
            isinstance(c, (str, int, float)) and not (isinstance(c, float) and not math.isfinite(c)) for c in categories
        ):
            raise r.fail(f"{where}.categories", "categories must be strings, numbers or booleans")
        if len({json.dumps(c) for c in categories}) != len(categories):
            raise r.fail(f"{where}.categories", "categories repeat")
        dtype_order = r.get(spec, "dtype_order", list, where, optional=True)
        column = CategoryColumn(
            name,
            categories=categories,
            probs=probs,
            ordered=r.get(spec, "ordered", bool, where),
            null_rate=null_rate,
            dtype_order=dtype_order,
        )
    elif kind == "boolean":
        column = BooleanColumn(name, p=r.probability(spec, "p", where), null_rate=null_rate)
    elif kind == "faker":
        from . import _pii

        provider = r.get(spec, "provider", str, where)
        locale = r.get(spec, "locale", str, where)
        kwargs = r.get(spec, "kwargs", dict, where)
        _pii.check_provider(name, provider, locale, kwargs)
        pool_size = r.get(spec, "pool_size", int, where)
        if pool_size < 1:
            raise r.fail(f"{where}.pool_size", "must be positive")
        column = FakerColumn(
            name,
            provider=provider,
            locale=locale,
            kwargs=kwargs,
            pool_size=pool_size,
            pool_seed=r.get(spec, "pool_seed", int, where),
            unique=r.get(spec, "unique", bool, where),
            null_rate=null_rate,
        )
    elif kind == "id":
        style = r.get(spec, "style", str, where)
        if style not in ("sequential", "uuid", "pattern"):
            raise r.fail(f"{where}.style", f"{style!r} is not 'sequential', 'uuid' or 'pattern'")
        pattern = r.get(spec, "pattern", str, where, optional=True)
        if style == "pattern":
            try:
                (pattern or "").format(1)
                if not pattern:
                    raise ValueError("empty")
            except (ValueError, IndexError, KeyError) as exc:
                raise r.fail(f"{where}.pattern", f"{pattern!r} does not format a number ({exc})") from None
        start = r.get(spec, "start", int, where)
        column = IdColumn(name, style=style, pattern=pattern, start=start)
    elif kind == "null":
        column = NullColumn(name, dtype=r.get(spec, "dtype", str, where))
    else:
        raise r.fail(f"{where}.type", f"unknown column type {kind!r}")
    if cast is not None:
        _check_cast(r, column, cast, f"{where}.cast")
    column.cast = cast
    return column


def _check_int_nulls(r: _Reader, column: ModelColumn, cast: str, target: Any, where: str, fits: bool) -> None:
    """A numpy integer dtype cannot hold missing values: a column that has them needs the nullable one."""
    if fits and column.null_rate > 0 and isinstance(target, np.dtype) and target.kind in "iu":
        raise r.fail(where, f"{cast!r} cannot hold the column's missing values; use {cast.capitalize()!r}")


def _check_cast(r: _Reader, column: ModelColumn, cast: str, where: str) -> None:
    """A cast must be a pandas dtype that fits the column's kind (and its missing values)."""
    import pandas as pd

    from ._columns import BooleanColumn, CategoryColumn, DatetimeColumn, FakerColumn, IdColumn, NumericColumn

    try:
        target = pd.api.types.pandas_dtype("object" if cast == "str" else cast)
    except (TypeError, ValueError, ImportError) as exc:
        raise r.fail(where, f"{cast!r} is not a pandas dtype here ({exc})") from None
    api = pd.api.types
    if isinstance(column, DatetimeColumn):
        fits = api.is_datetime64_any_dtype(target)
    elif isinstance(column, NumericColumn):
        fits = api.is_numeric_dtype(target) and not api.is_bool_dtype(target)
        _check_int_nulls(r, column, cast, target, where, fits)
        if fits and column.integer is False and api.is_integer_dtype(target):
            fits = False
    elif isinstance(column, BooleanColumn):
        fits = api.is_bool_dtype(target)
    elif isinstance(column, IdColumn) and column.style == "sequential":
        fits = api.is_integer_dtype(target)
    elif isinstance(column, CategoryColumn) and api.is_numeric_dtype(target) and not api.is_bool_dtype(target):
        # integer codes modelled as categories (school numbers): every category must be a number of that kind
        whole = api.is_integer_dtype(target)
        target_any: Any = target
        kind: Any = np.dtype(getattr(target_any, "numpy_dtype", target_any))  # nullable, pyarrow: their numpy kin
        info: Any = np.iinfo(kind) if whole else np.finfo(kind)
        lo, hi = (int(info.min), int(info.max)) if whole else (float(info.min), float(info.max))
        fits = all(
            isinstance(v, (int, float))
            and not isinstance(v, bool)
            and (not whole or float(v).is_integer())
            and lo <= v <= hi  # the value must fit the dtype, or it would wrap (300 as uint8 is 44)
            for v in column.categories
        )
        _check_int_nulls(r, column, cast, target, where, fits)
    elif isinstance(column, FakerColumn) and column.provider == "numerify":  # digits, e.g. a numeric phone column
        fits = (api.is_numeric_dtype(target) and not api.is_bool_dtype(target)) or api.is_string_dtype(target)
        _check_int_nulls(r, column, cast, target, where, fits)
    else:
        fits = api.is_object_dtype(target) or api.is_string_dtype(target)
    if not fits:
        raise r.fail(where, f"{cast!r} does not fit a {column.kind} column")


def from_dict(data: Any, source: str = "<model>") -> Model:
    """Build and validate a Model from a decoded model file."""
    import numpy as np

    from ._model import Model

    r = _Reader(source)
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise r.fail("top level", f'not a pytest-synthdata model file (expected "format": {json.dumps(FORMAT)})')
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise r.fail("version", f"expected a positive whole number, found {json.dumps(version)}")
    if version > VERSION:
        raise ModelFileError(
            f"{source}: written in model format version {version} by {data.get('written_by', 'a newer release')}; "
            f"this pytest-synthdata reads version {VERSION} and older. Upgrade pytest-synthdata to load it."
        )
    name = r.get(data, "name", str, "top level")
    if not name.isidentifier():
        raise r.fail("name", f"{name!r} is not a Python identifier")
    specs = r.get(data, "columns", list, "top level")
    if not specs:
        raise r.fail("columns", "a model needs at least one column")
    try:
        columns = [_build_column(r, spec, f"columns[{i}]") for i, spec in enumerate(specs)]
    except ModelFileError:
        raise
    except (InvalidArgument, ValueError, TypeError, KeyError, IndexError, OverflowError, AssertionError) as exc:
        raise ModelFileError(f"{source}: a column is not valid ({type(exc).__name__}: {exc}).") from None
    names = [c.name for c in columns]
    if len(set(names)) != len(names):
        raise r.fail("columns", f"column names repeat: {sorted({n for n in names if names.count(n) > 1})}")
    latent = r.get(data, "latent", dict, "top level")
    dims = r.get(latent, "dims", list, "latent")
    modelled = [c.name for c in columns if c.modelled]
    nulls = [d[: -len(" is null")] for d in dims[len(modelled) :] if isinstance(d, str) and d.endswith(" is null")]
    expected = modelled + [f"{c} is null" for c in nulls]
    if dims != expected:
        raise r.fail(
            "latent.dims", f"expected the modelled columns {modelled} then '<column> is null' flags; found {dims}"
        )
    rows = r.get(latent, "correlation", list, "latent")
    d = len(dims)
    if len(rows) != d or not all(isinstance(row, list) and len(row) == d for row in rows):
        raise r.fail("latent.correlation", f"expected a {d} x {d} matrix (one row and column per latent dim)")
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for row in rows for v in row):
        raise r.fail("latent.correlation", "expected numbers")
    corr = np.array(rows, dtype=np.float64) if d else np.zeros((0, 0))
    if d and (
        not np.allclose(corr, corr.T, atol=1e-12) or not np.allclose(np.diag(corr), 1.0) or np.abs(corr).max() > 1
    ):
        raise r.fail("latent.correlation", "must be symmetric, with ones on the diagonal and entries in [-1, 1]")
    order = r.get(data, "order_constraints", list, "top level", optional=True) or []
    constraints = []
    for i, item in enumerate(order):
        if not (
            isinstance(item, list)
            and len(item) == 3
            and item[0] in names
            and item[1] in names
            and isinstance(item[2], bool)
        ):
            raise r.fail(f"order_constraints[{i}]", "expected [column, column, strict]")
        constraints.append((item[0], item[1], item[2]))
    info = r.get(data, "info", dict, "top level", optional=True) or {}
    segment = None
    raw_segment = r.get(latent, "segment", dict, "latent", optional=True)
    if raw_segment is not None:
        groups = r.get(raw_segment, "groups", list, "latent.segment")
        if not all(isinstance(g, int) and not isinstance(g, bool) and g >= 0 for g in groups):
            raise r.fail("latent.segment.groups", "expected a list of whole numbers")
        segment = (r.get(raw_segment, "column", str, "latent.segment"), groups)
    null_groups = r.get(latent, "null_rates_by_group", dict, "latent", optional=True) or {}
    for col in null_groups:
        r.numbers(null_groups, col, "latent.null_rates_by_group")
    null_follows = r.get(latent, "null_follows", dict, "latent", optional=True) or {}
    for col, leader in null_follows.items():
        if col not in names:
            raise r.fail("latent.null_follows", f"{col!r} is not a column of the model")
        if not isinstance(leader, str) or leader not in names:
            raise r.fail(f"latent.null_follows.{col}", f"expected the name of a column, found {json.dumps(leader)}")
    try:
        model = Model(
            name,
            columns,
            latent_correlation=corr,
            order_constraints=constraints,
            latent_nulls=nulls,
            null_groups=null_groups,
            segment=segment,
            info=info,
            null_follows=null_follows,
        )
    except (InvalidArgument, ValueError, TypeError, IndexError, OverflowError) as exc:
        raise ModelFileError(f"{source}: {exc}") from None
    try:  # a hand edit can pass every check above and still not sample: find out now, not in a test
        model.sample(_SMOKE_ROWS, seed=0)
    except Exception as exc:
        raise ModelFileError(
            f"{source}: the model it describes cannot sample ({type(exc).__name__}: {exc}); was it edited by hand?"
        ) from None
    return model


def loads(text: str, source: str = "<model>") -> Model:
    """Parse model file text."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        hint = "; the file looks truncated: write it again" if not text.rstrip().endswith("}") else ""
        raise ModelFileError(
            f"{source}: not valid JSON at line {exc.lineno}, column {exc.colno} ({exc.msg}){hint}."
        ) from None
    return from_dict(data, source)


def load(path: str | os.PathLike[str], *, trust: bool = False) -> Any:
    """Load a model file: ``*.synth.json`` (native), or an SDV pickle with ``trust=True``."""
    source = pathlib.Path(path)
    if not source.exists():
        raise ModelFileError(f"{source}: no such model file.")
    if source.name.endswith(".pkl") or source.name.endswith(".pickle"):
        from ._backends.sdv import load_pickle

        return load_pickle(source, trust=trust)
    try:
        text = source.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ModelFileError(f"{source}: cannot read it as a model file ({exc}).") from None
    return loads(text, str(source))
