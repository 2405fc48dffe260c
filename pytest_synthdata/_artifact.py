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

Version 2 adds an optional ``"profile"`` (fitted models: the fidelity profile of the real data,
``_fidelity/profile.py``), written before ``"info"``; version 1 files (without it) load as before, and
a model without a profile is still written as version 1. Version 3 adds ``"follower"`` columns (a number or
date column that reads another's latent coordinate: a monotone function of it in every real row); a file
holds version 3 only when it has one. Version 4 adds ``"sum"`` and ``"product"`` columns (a number column that is the signed sum of
two or three others, or the product of two, in every real row, computed after sampling them); a file holds
version 4 only when it has one. Version 5 adds ``"after"`` to a number or date column modelled by its gap
above another column (``checkout`` after ``checkin``: its marginal is the difference's, and each sampled value
is the other column's plus the gap); a file holds version 5 only when a column has it. Version 6 adds
``"binned"`` to the profile's contingency tables of a discrete and a continuous column: the same table with the
continuous column cut on the profile's own bins (its sketch's ends), which ``assert_fidelity`` compares a sample
on; a file holds version 6 only when its profile has one.

Each column kind writes and reads its own entry (``to_spec`` and ``from_spec``
in ``_columns.py``, which validate every field); this module holds the
envelope, the versioning and the checks that span columns.
"""

from __future__ import annotations

import contextlib
import json
import keyword
import math
import os
import pathlib
import re
import stat
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from . import __version__
from ._columns import SPEC_TYPES, ModelColumn
from .errors import InvalidArgument, ModelFileError

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from ._model import Model

__all__ = ["FORMAT", "VERSION", "ModelParts", "SpecReader", "dumps", "parse", "read", "save"]

FORMAT = "pytest-synthdata model"
VERSION = 6
SUFFIX = ".synth.json"


# writing ------------------------------------------------------------------------------


def to_dict(model: Model, *, entry: Callable[[Any], dict[str, Any]] | None = None) -> dict[str, Any]:
    """Return the JSON-ready description of ``model``.

    ``entry`` writes each column's and row constraint's entry instead of its
    own ``to_spec`` (Dask workers get functions beside the text, ``_dask``).
    """
    spec = entry or (lambda item: item.to_spec())
    dims = list(model.modelled_columns) + [f"{c} is null" for c in model.latent_nulls]
    return {
        "format": FORMAT,
        # the oldest format that holds what is written, so a file without a profile stays readable by
        # releases before version 2 (and keeps its bytes), one without follower columns by those before 3, and
        # one without sum columns by those before 4, one without gap columns by those before 5, one without
        # contingency tables on the profile's own bins by those before 6
        "version": (
            6
            if model.profile is not None and model.profile.has_binned
            else 5
            if model._gaps
            else 4
            if model._sums
            else 3
            if model._followers
            else 2
            if model.profile is not None
            else 1
        ),
        "name": model.name,
        "written_by": f"pytest-synthdata {__version__}",
        "columns": [spec(c) for c in model._columns],  # (hidden ones too)
        "latent": {
            "dims": dims,
            "correlation": [row.tolist() for row in model.latent_correlation],
            **({"segment": {"column": model.segment[0], "groups": model.segment[1]}} if model.segment else {}),
            **({"null_rates_by_group": model.null_groups} if model.null_groups else {}),
            **({"null_follows": model.null_follows} if model.null_follows else {}),
        },
        "order_constraints": [[a, b, strict] for a, b, strict in model._order_constraints],
        **({"row_constraints": [spec(c) for c in model._row_constraints]} if model._row_constraints else {}),
        **({"profile": model.profile.to_spec()} if model.profile is not None else {}),
        # (the fit's duration stays in memory: a refit of the same data writes the same bytes, so it diffs empty)
        "info": {key: value for key, value in model.info.items() if key != "fit_seconds"},
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


def dumps(model: Model, *, entry: Callable[[Any], dict[str, Any]] | None = None) -> str:
    """Return the model file text for ``model`` (``entry``: see :func:`to_dict`)."""
    data = to_dict(model, entry=entry)  # (a column that cannot be saved says why itself)
    try:
        return _format(data) + "\n"
    except ValueError as exc:  # NaN or infinity where JSON has none
        raise InvalidArgument(f"model {model.name!r} holds a value JSON cannot write ({exc}).") from None


def save(model: Model, path: str | os.PathLike[str]) -> pathlib.Path:
    """Write ``model`` to ``path`` (which should end in ``.synth.json``) atomically; return the path.

    The text goes to a temporary file of its own in the same directory, is
    flushed and fsynced, then renamed over the target, so a reader sees the old
    file or the new one, never half of one, however many processes save at
    once. An existing file keeps its permission bits; a symlink keeps pointing
    where it did (its target is rewritten). Missing parent directories are
    created; a path under a file raises InvalidArgument, an I/O failure its
    OSError.
    """
    target = pathlib.Path(path)
    if not target.name.endswith(SUFFIX):
        raise InvalidArgument(f"{target}: name model files '<name>{SUFFIX}' so tools and the pytest plugin find them.")
    text = dumps(model)
    if target.is_symlink():
        target = target.resolve()  # write through the link, rather than replacing it with a file
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise InvalidArgument(
            f"{target}: cannot save here, a part of the directory path is a file, not a directory; "
            "save to a path inside a directory."
        ) from None
    if target.is_dir():
        raise InvalidArgument(f"{target}: is a directory; save to a file path ending in {SUFFIX!r}.")
    _write_atomically(target, text.encode("utf-8"))
    return target


def _write_atomically(target: pathlib.Path, data: bytes) -> None:
    """Write ``data`` to ``target`` through a unique temporary file, fsync and rename; keep the file's mode.

    An I/O failure (no space, no permission) raises its OSError, after removing the temporary file.
    """
    try:
        mode: int | None = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        mode = None
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~_umask() if mode is None else mode)  # mkstemp made it 0o600
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_directory(target.parent)


def _umask() -> int:
    """Return the process umask: read from /proc where it is there, since setting it to read it races threads."""
    with contextlib.suppress(OSError, ValueError):
        for line in pathlib.Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    umask = os.umask(0o022)
    os.umask(umask)
    return umask


def _fsync_directory(directory: pathlib.Path) -> None:
    """Make the rename itself durable where the platform allows it (POSIX; not Windows)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# reading ------------------------------------------------------------------------------


class SpecReader:
    """Typed access to a decoded file, with errors that say where in the file a value is wrong.

    Column classes read their own fields through it (``ModelColumn.from_spec``).
    """

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

    def numbers(self, obj: dict[str, Any], key: str, where: str, *, size: int | None = None) -> list[float]:
        """Return the list of finite numbers at ``obj[key]`` (of length ``size`` if given)."""
        values = self.get(obj, key, list, where)
        field = f"{where}.{key}"
        for i, v in enumerate(values):
            if not isinstance(v, (int, float)) or isinstance(v, bool):
                raise self.fail(f"{field}[{i}]", f"expected a number, found {json.dumps(v)[:80]}")
        try:
            arr = np.asarray(values, dtype=np.float64)
        except OverflowError:  # a whole number beyond float's range
            arr = np.array([float(v) if abs(v) < 2**1000 else math.inf for v in values])
        bad = np.flatnonzero(~np.isfinite(arr))
        if bad.size:
            raise self.fail(f"{field}[{bad[0]}]", f"{values[bad[0]]} is not a finite number")
        if size is not None and len(values) != size:
            raise self.fail(field, f"expected {size} numbers, found {len(values)}")
        return values

    def probability(self, obj: dict[str, Any], key: str, where: str) -> float:
        """Return the probability (a number in [0, 1]) at ``obj[key]``."""
        value = float(self.get(obj, key, (int, float), where))
        if not 0.0 <= value <= 1.0:
            raise self.fail(f"{where}.{key}", f"{value} is not a probability in [0, 1]")
        return value

    def probabilities(
        self, obj: dict[str, Any], key: str, where: str, *, size: int | None = None, total: float | None = None
    ) -> NDArray[np.float64]:
        """Return the probabilities at ``obj[key]``: each in [0, 1] and, with ``total``, summing to it."""
        arr = np.asarray(self.numbers(obj, key, where, size=size), dtype=np.float64)
        bad = np.flatnonzero((arr < 0.0) | (arr > 1.0))
        if bad.size:
            raise self.fail(f"{where}.{key}[{bad[0]}]", f"{arr[bad[0]]} is not a probability in [0, 1]")
        if total is not None and abs(arr.sum() - total) > 1e-9:
            raise self.fail(
                f"{where}.{key}", f"probabilities must be >= 0 and sum to {total:g} (they sum to {arr.sum():g})"
            )
        return arr

    def positive(self, obj: dict[str, Any], key: str, where: str) -> float:
        """Return the positive finite number at ``obj[key]``."""
        value = float(self.get(obj, key, (int, float), where))
        if not value > 0.0:
            raise self.fail(f"{where}.{key}", f"{value} is not a positive number")
        return value

    def column(self, spec: Any, where: str) -> ModelColumn:
        """Return the column ``spec`` describes, read by the class its ``"type"`` names."""
        if not isinstance(spec, dict):
            raise self.fail(where, "expected an object describing a column")
        name = self.get(spec, "name", str, where)
        where = f"column {name!r}" if not where.startswith("column ") else where
        kind = self.get(spec, "type", str, where)
        cls = SPEC_TYPES.get(kind)
        if cls is None:
            raise self.fail(f"{where}.type", f"unknown column type {kind!r}")
        try:
            return cls.from_spec(spec, self, where)
        except ModelFileError:
            raise
        except _COLUMN_ERRORS as exc:
            # a check of the column's own constructor (declarations share them): name the file and the column
            detail = str(exc) if isinstance(exc, InvalidArgument) else f"{type(exc).__name__}: {exc}"
            if detail.startswith(f"{where}: "):  # (a constructor names the column too: once is enough)
                detail = detail[len(where) + 2 :]
            raise self.fail(where, detail) from None


#: What a column's constructor may raise on values the reader let through.
_COLUMN_ERRORS = (InvalidArgument, ValueError, TypeError, LookupError, ArithmeticError, AssertionError)


def _tuple(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


@dataclass
class ModelParts:
    """What a validated model file describes: the arguments of a Model (``Model(**vars(parts))``)."""

    name: str
    columns: list[ModelColumn]
    latent_correlation: NDArray[np.float64]
    order_constraints: list[tuple[str, str, bool]] = field(default_factory=list)
    latent_nulls: list[str] = field(default_factory=list)
    null_groups: dict[str, list[float]] = field(default_factory=dict)
    segment: tuple[str, list[int]] | None = None
    info: dict[str, Any] = field(default_factory=dict)
    null_follows: dict[str, str] = field(default_factory=dict)
    row_constraints: list[Any] = field(default_factory=list)
    #: the fidelity profile (format version 2), or None
    profile: Any = None


def read(data: Any, source: str = "<model>") -> ModelParts:
    """Validate a decoded model file and return what it describes (``_model.Model.from_parts`` builds it)."""
    r = SpecReader(source)
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
    if not name.isidentifier() or keyword.iskeyword(name):
        raise r.fail("name", f"{name!r} is not a dataset name (a Python identifier, not a keyword)")
    specs = r.get(data, "columns", list, "top level")
    if not specs:
        raise r.fail("columns", "a model needs at least one column")
    try:
        columns = [r.column(spec, f"columns[{i}]") for i, spec in enumerate(specs)]
    except ModelFileError:
        raise
    except _COLUMN_ERRORS as exc:
        raise ModelFileError(f"{source}: a column is not valid ({type(exc).__name__}: {exc}).") from None
    if version < 3 and any(c.spec_type == "follower" for c in columns):
        raise r.fail("columns", f"a follower column needs format version 3; the file says {version}")
    if version < 4 and any(c.spec_type in ("sum", "product") for c in columns):
        raise r.fail("columns", f"a sum or product column needs format version 4; the file says {version}")
    if version < 5 and any(c.after is not None for c in columns):
        raise r.fail("columns", f"a column with a gap above another needs format version 5; the file says {version}")
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
    for i in range(d):
        r.numbers({f"correlation[{i}]": rows[i]}, f"correlation[{i}]", "latent")
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
    withheld = info.get("withheld", [])
    if not (isinstance(withheld, list) and all(isinstance(w, str) for w in withheld)):
        raise r.fail("info.withheld", f"expected a list of strings, found {json.dumps(withheld)[:80]}")
    privacy = info.get("privacy")
    if isinstance(privacy, dict) and "epsilon" in privacy:
        _read_account(r, privacy)
    segment = None
    raw_segment = r.get(latent, "segment", dict, "latent", optional=True)
    if raw_segment is not None:
        groups = r.get(raw_segment, "groups", list, "latent.segment")
        if not all(isinstance(g, int) and not isinstance(g, bool) and 0 <= g < len(groups) for g in groups):
            raise r.fail("latent.segment.groups", "expected a list of group numbers, each from 0 to its length - 1")
        column = r.get(raw_segment, "column", str, "latent.segment")
        if column not in names:
            raise r.fail("latent.segment.column", f"{column!r} is not a column of the model")
        segment = (column, groups)
    null_groups = r.get(latent, "null_rates_by_group", dict, "latent", optional=True) or {}
    for col in null_groups:
        if col not in nulls:
            raise r.fail(f"latent.null_rates_by_group.{col}", f"{col!r} is not a latent null flag of the model")
        r.probabilities(null_groups, col, "latent.null_rates_by_group")
    null_follows = r.get(latent, "null_follows", dict, "latent", optional=True) or {}
    for col, leader in null_follows.items():
        if col not in names:
            raise r.fail("latent.null_follows", f"{col!r} is not a column of the model")
        if not isinstance(leader, str) or leader not in names:
            raise r.fail(f"latent.null_follows.{col}", f"expected the name of a column, found {json.dumps(leader)}")
    rules = _row_constraints(r, data, names)
    profile = None
    if data.get("profile") is not None:
        from ._fidelity.profile import Profile

        profile = Profile.from_spec(data["profile"], r, names)
        if version < 6 and profile.has_binned:
            raise r.fail(
                "profile.contingency",
                f"a table on the profile's own bins needs format version 6; the file says {version}",
            )
    return ModelParts(name, columns, corr, constraints, nulls, null_groups, segment, info, null_follows, rules, profile)


def _row_constraints(r: SpecReader, data: dict[str, Any], names: list[str]) -> list[Any]:
    """The file's row constraints: ``{"type": "unique", "column": c}`` or ``{"type": "predicate", "function":
    "package.module:function", "name": ...}`` (imported only when the file is trusted)."""
    from ._columns import _FUNCTION_REF
    from ._constraints import Predicate, Unique

    out: list[Any] = []
    for i, spec in enumerate(r.get(data, "row_constraints", list, "top level", optional=True) or []):
        where = f"row_constraints[{i}]"
        if not isinstance(spec, dict):
            raise r.fail(where, 'expected {"type": "unique" or "predicate", ...}')
        kind = r.get(spec, "type", str, where)
        if kind == "unique":
            column = r.get(spec, "column", str, where)
            if column not in names:
                raise r.fail(f"{where}.column", f"{column!r} is not a column of the model")
            out.append(Unique(column))
        elif kind == "predicate":
            ref = r.get(spec, "function", str, where)
            if not _FUNCTION_REF.match(ref):
                raise r.fail(f"{where}.function", "expected a reference like 'package.module:function'")
            out.append(Predicate(ref, name=r.get(spec, "name", str, where)))
        else:
            raise r.fail(f"{where}.type", f"expected 'unique' or 'predicate', found {json.dumps(kind)}")
    return out


#: The largest model file ``load`` reads. Files hold marginals, never rows, so real ones are far smaller
#: (kilobytes; a few megabytes with very many categories).
MAX_FILE_BYTES = 64 * 2**20
#: The deepest nesting of lists and objects a model file may have (real ones nest about 8 deep).
MAX_DEPTH = 64

_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_BRACKETS = np.zeros(256, dtype=np.int8)
_BRACKETS[[ord("["), ord("{")]] = 1
_BRACKETS[[ord("]"), ord("}")]] = -1


def nesting_depth(text: str) -> int:
    """Return how deeply lists and objects nest in JSON ``text`` (brackets inside strings do not count).

    Counted with numpy before parsing, so that a hostile file cannot make the
    parser (or anything walking its result) recurse without bound.

    >>> nesting_depth('{"a": [[1], "]]]"]}')
    3
    """
    data = np.frombuffer(_STRING.sub("", text).encode("utf-8", "surrogatepass"), dtype=np.uint8)
    depth, deepest, chunk = 0, 0, 1 << 20
    for start in range(0, len(data), chunk):
        steps = np.cumsum(_BRACKETS[data[start : start + chunk]], dtype=np.int64)
        if steps.size:
            deepest = max(deepest, depth + int(steps.max()))
            depth += int(steps[-1])
    return deepest


def parse(text: str, source: str = "<model>") -> ModelParts:
    """Parse and validate model file text."""
    if len(text) > MAX_FILE_BYTES:
        raise ModelFileError(
            f"{source}: {len(text)} characters is more than a model file may hold ({MAX_FILE_BYTES // 2**20} MiB); "
            "is it a model file?"
        )
    depth = nesting_depth(text)
    if depth > MAX_DEPTH:
        raise ModelFileError(
            f"{source}: lists and objects nest {depth} deep, more than a model file may ({MAX_DEPTH}); "
            "is it a model file?"
        )
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        hint = "; the file looks truncated: write it again" if not text.rstrip().endswith("}") else ""
        raise ModelFileError(
            f"{source}: not valid JSON at line {exc.lineno}, column {exc.colno} ({exc.msg}){hint}."
        ) from None
    except (ValueError, RecursionError) as exc:  # e.g. a whole number of more than 4300 digits
        raise ModelFileError(f"{source}: not valid JSON for a model file ({exc}).") from None
    return read(data, source)


def read_text(path: str | os.PathLike[str]) -> tuple[str, pathlib.Path]:
    """Return (the text of the model file at ``path``, its path), or raise ModelFileError.

    Only a regular file is read (a symlink to one is followed), and at most
    :data:`MAX_FILE_BYTES` of it: a FIFO would block and a device never end.
    """
    source = pathlib.Path(path)
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer (it is refused just below)
        fd = os.open(source, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise ModelFileError(f"{source}: no such model file.") from None
    except OSError as exc:
        raise ModelFileError(f"{source}: cannot read it as a model file ({exc}).") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            os.close(fd)
            kind = "a directory" if stat.S_ISDIR(info.st_mode) else "not a regular file (a FIFO, device or socket)"
            raise ModelFileError(f"{source}: is {kind}; a model file must be a regular file.")
        with os.fdopen(fd, "rb") as handle:
            if info.st_size > MAX_FILE_BYTES:
                raise ModelFileError(_too_big(source, info.st_size))
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ModelFileError(f"{source}: cannot read it as a model file ({exc}).") from None
    if len(data) > MAX_FILE_BYTES:  # it grew while we read it
        raise ModelFileError(_too_big(source, len(data)))
    try:
        return data.decode("utf-8"), source
    except UnicodeDecodeError as exc:
        raise ModelFileError(f"{source}: cannot read it as a model file ({exc}).") from None


def _too_big(source: pathlib.Path, size: int) -> str:
    return (
        f"{source}: {size} bytes is more than a model file may hold ({MAX_FILE_BYTES // 2**20} MiB); model files "
        "hold marginals, never rows: is it a model file?"
    )


def _read_account(r: SpecReader, privacy: dict[str, Any]) -> None:
    """Check a differentially private fit's account (``info.privacy``): its budget and every release in its ledger.

    The audit and ``synthdata inspect`` read these numbers; a file edited into a budget it never had, or a
    ledger that does not add up, is refused.
    """
    where = "info.privacy"

    def loss(obj: dict[str, Any], key: str, at: str, *, below_one: bool = False) -> float:
        value = obj.get(key)
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not math.isfinite(value)
            or value < 0
            or (below_one and value >= 1)
        ):
            raise r.fail(
                f"{at}.{key}",
                f"expected a number {'in [0, 1)' if below_one else '0 or more'}, found {json.dumps(value)[:40]}",
            )
        return float(value)

    epsilon = loss(privacy, "epsilon", where)
    if epsilon <= 0:
        raise r.fail(f"{where}.epsilon", "expected a number above 0")
    delta = loss(privacy, "delta", where, below_one=True)
    ledger = privacy.get("ledger")
    if not isinstance(ledger, list) or not all(isinstance(e, dict) for e in ledger):
        raise r.fail(f"{where}.ledger", "expected a list of releases, each an object")
    total_eps = total_delta = 0.0
    for i, entry in enumerate(ledger):
        at = f"{where}.ledger[{i}]"
        for key in ("step", "mechanism"):
            if not isinstance(entry.get(key), str):
                raise r.fail(f"{at}.{key}", "expected a string")
        columns = entry.get("columns")
        if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
            raise r.fail(f"{at}.columns", "expected a list of column names")
        total_eps += loss(entry, "epsilon", at)
        total_delta += loss(entry, "delta", at, below_one=True)
        if "scale" in entry:
            loss(entry, "scale", at)
    # (a hair of slack: the releases' losses are floating-point sums of shares of the budget)
    if total_eps > epsilon * (1 + 1e-6) or total_delta > delta * (1 + 1e-6) + 1e-300:
        raise r.fail(
            f"{where}.ledger",
            f"its releases spend epsilon {total_eps:.6g}, delta {total_delta:.3g}: more than the budget "
            f"(epsilon {epsilon:g}, delta {delta:g}) the file claims",
        )
