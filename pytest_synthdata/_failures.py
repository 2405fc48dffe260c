"""What the report of a failing test says about its synthetic data: a runnable line and the frames on disk.

``python_source(used, rootpath)`` returns Python that gets the model a fixture
sampled from: ``sd.load("<file>")`` for a model file, an import for a model
bound to a name in an importable module, ``runpy.run_path("<conftest>")[...]``
for one registered in a conftest (conftests are not importable modules).
``write_frames(config, nodeid, used)`` samples the test's rows again (a
fixture's rows are a pure function of dataset, rows and seed, so nothing is
kept in memory for passing tests) and writes each frame under pytest's cache
directory as pandas' table-oriented JSON, which keeps the dtypes (int64,
Int64, category, datetime64, string) and needs no pickle and no pyarrow:
``pd.read_json(path, orient="table")`` reads it back, value for value
(:func:`write_frame`).

Runs only for failing tests; imports pandas only when it writes a frame.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pytest

    from ._fixtures import Used

__all__ = ["MAX_FRAME_ROWS", "python_source", "write_frames"]

#: Frames with more rows than this are not written (the file would be large and slow to write).
MAX_FRAME_ROWS = 100_000


def _shown_path(path: os.PathLike[str] | str, rootpath: Path) -> str:
    """``path`` relative to the rootdir when inside it (the report says to run from there), else absolute."""
    resolved = Path(path).resolve()
    try:
        return resolved.relative_to(rootpath.resolve()).as_posix()
    except ValueError:
        return str(resolved)


def _bound_name(namespace: dict[str, Any], model: object) -> str | None:
    """The first public name in ``namespace`` bound to ``model`` itself."""
    for key, value in list(namespace.items()):
        if value is model and key.isidentifier() and not key.startswith("_"):
            return key
    return None


def _module_of(model: object, module: str | None) -> Any:
    """The module that holds ``model`` under a name: the registering module first, then any loaded one."""
    first = sys.modules.get(module) if module else None
    if first is not None and _bound_name(vars(first), model):
        return first
    for candidate in list(sys.modules.values()):
        try:
            namespace = getattr(candidate, "__dict__", None)
        except Exception:  # a lazy module may run code on attribute access; it is not where the model is
            continue
        if isinstance(namespace, dict) and _bound_name(namespace, model):
            return candidate
    return None


def _import_root(module: Any) -> str | None:
    """The directory a module is imported from (its top package's parent), or None when unknown."""
    path = getattr(module, "__file__", None)
    if not isinstance(path, str):
        return None
    root = os.path.dirname(os.path.abspath(path))
    depth = module.__name__.count(".") + (os.path.basename(path) == "__init__.py")
    for _ in range(depth):
        root = os.path.dirname(root)
    return root


def _on_path(directory: str | None, rootpath: Path) -> str:
    """``import sys; sys.path.insert(0, <dir>); `` when modules there are not importable from the rootdir, else ""."""
    if directory is None or Path(directory).resolve() == rootpath.resolve():
        return ""
    return f"import sys; sys.path.insert(0, {_shown_path(directory, rootpath)!r}); "


def python_source(used: Used, rootpath: Path) -> tuple[str, str]:
    """Return (setup, expression): Python statements (maybe empty) and an expression that give ``used``'s model.

    When no source is found (a model built inside a hook function), the
    expression is the placeholder ``<customers model>``; the frames file still
    holds the rows.
    """
    from ._registry import DatasetFile, ModelFile

    model = used.model
    if isinstance(model, (ModelFile, DatasetFile)):
        return "import pytest_synthdata as sd", f"sd.load({_shown_path(model.path, rootpath)!r})"
    holder = _module_of(model, used.module) if model is not None else None
    if holder is not None:
        name = _bound_name(vars(holder), model)
        path = getattr(holder, "__file__", None)
        if isinstance(path, str) and os.path.basename(path) == "conftest.py":
            # (the conftest's own imports, of modules beside it, need its directory on the path)
            where = _on_path(os.path.dirname(os.path.abspath(path)), rootpath)
            return f"{where}import runpy", f"runpy.run_path({_shown_path(path, rootpath)!r})[{name!r}]"
        if re.fullmatch(r"[\w.]+", holder.__name__) and holder.__name__ != "__main__":
            return f"{_on_path(_import_root(holder), rootpath)}from {holder.__name__} import {name}", str(name)
    if used.module:
        conftest = getattr(sys.modules.get(used.module), "__file__", None)
        if isinstance(conftest, str) and os.path.basename(conftest) == "conftest.py":
            datasets = "__synthdata_datasets__"  # where register() keeps a conftest's datasets by name
            where = _on_path(os.path.dirname(os.path.abspath(conftest)), rootpath)
            return (
                f"{where}import runpy",
                f"runpy.run_path({_shown_path(conftest, rootpath)!r})[{datasets!r}][{used.dataset!r}]",
            )
    return "", f"<{used.dataset} model>"


def python_line(used: Used, rootpath: Path) -> str:
    """Return one line of Python that samples ``used``'s rows again."""
    setup, model = python_source(used, rootpath)
    iid = ", independent=True" if used.independent else ""
    if used.conditions is not None:
        shown = used.conditions if isinstance(used.conditions, dict) else "<the per-row conditions frame>"
        iid += f", conditions={shown!r}" if isinstance(shown, dict) else f", conditions={shown}"
    iid += "".join(f", {key}={value!r}" for key, value in used.shaping.items())
    call = f"{model}.sample({used.rows}, seed={used.seed}{iid})"
    return f"{setup}; {call}" if setup else call


def write_frame(frame: Any, path: Path) -> None:
    """Write ``frame`` as pandas' table-oriented JSON that ``pd.read_json(path, orient="table")`` reads back exactly.

    pandas writes floats with at most 15 significant digits (10 by default) and its reader's default parser
    is not exact either, so a float column's values are written as the text of their shortest round-trip
    ``repr`` (a JSON string): the reader turns the column into its schema's dtype with Python's exact
    ``float()``. Times are written to the nanosecond (pandas' default is milliseconds).
    """
    import json
    import math

    import numpy as np
    import pandas as pd

    text = frame.to_json(orient="table", index=False, date_unit="ns")
    floats = [
        j
        for j, dtype in enumerate(frame.dtypes)
        if pd.api.types.is_float_dtype(dtype) and not isinstance(dtype, pd.CategoricalDtype)
    ]
    if floats:
        table = json.loads(text)
        fields = table["schema"]["fields"]
        for j in floats:
            values = frame.iloc[:, j].to_numpy(dtype=np.float64, na_value=np.nan).tolist()
            key = fields[j]["name"]
            for row, value in zip(table["data"], values, strict=True):
                row[key] = None if math.isnan(value) else repr(value)
        text = json.dumps(table)
    path.write_text(text, encoding="utf-8")


def _safe(text: str) -> str:
    return re.sub(r"[^\w.-]+", "_", text).strip("_")[:120] or "test"


def write_frames(config: pytest.Config, nodeid: str, used: list[Used]) -> tuple[Path | None, list[str]]:
    """Write each sample ``used`` lists to the cache directory; return (the directory, notes on what was skipped).

    The directory is ``<cache>/d/synthdata/failures/<node id>``, emptied first
    so it holds only this run's frames; files are ``<k>-<fixture>.json``.
    """
    cache = getattr(config, "cache", None)
    if cache is None:
        return None, ["frames not written: pytest's cacheprovider plugin is disabled"]
    folder = cache.mkdir("synthdata") / "failures" / _safe(nodeid)
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.json"):
        old.unlink()
    notes = []
    for k, u in enumerate(used):
        if u.rows > MAX_FRAME_ROWS:
            notes.append(f"{u.how} not written: {u.rows:,} rows is more than {MAX_FRAME_ROWS:,}")
            continue
        try:
            frame = u.model.sample(u.rows, seed=u.seed, **u.options())
            if isinstance(frame, dict):  # a Dataset: one file per table
                for table, part in frame.items():
                    write_frame(part, folder / f"{k}-{u.how}-{table}.json")
                continue
            write_frame(frame, folder / f"{k}-{u.how}.json")
        except Exception as exc:  # the report must not fail; say why the file is missing
            notes.append(f"{u.how} not written: {type(exc).__name__}: {exc}")
    return folder, notes
