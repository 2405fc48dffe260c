"""Dataset files: one versioned JSON file per Dataset (``*.synth.json``), validated on load like model files.

Layout (version 1)::

    {"format": "pytest-synthdata dataset", "version": 1, "name": ..., "written_by": ...,
     "relations": [["orders.customer_id", "customers.id"], ...],
     "tables": {"customers": {<a model file's object>}, ...},
     "plan": {"customers": {"fitted": true, "key_text": false, "hidden": [...], "context": [...],
                            "link_nulls": {...}, "output": [...],
                            "counts": {"orders": {"column": "n_orders"} | {"model": {<model object>}}}}, ...},
     "sizes": {"products": 0.07}, "info": {...}}

Each table is a model file's object, read by the same checks (``_artifact.read``);
the file holds no rows, and the same privacy rules apply, because every number
in it is in one of those models (the hidden count and parent-coordinate
columns included) or a table-size ratio.
"""

from __future__ import annotations

import json
import os
import pathlib
from typing import TYPE_CHECKING, Any

from . import __version__, _artifact
from ._registry import DATASET_FORMAT as FORMAT
from ._registry import is_dataset_text
from .errors import InvalidArgument, ModelFileError

if TYPE_CHECKING:
    from ._dataset import Dataset

__all__ = ["FORMAT", "VERSION", "is_dataset_text", "loads", "save"]

VERSION = 1


def to_dict(dataset: Dataset) -> dict[str, Any]:
    """Return the JSON-ready description of ``dataset``."""
    from ._model import Model

    plan: dict[str, Any] = {}
    for table in dataset.order:
        p = dataset._plan[table]
        counts: dict[str, Any] = {}
        for child, how in p.counts.items():
            counts[child] = {"column": how} if isinstance(how, str) else {"model": _artifact.to_dict(how)}
            assert isinstance(how, (str, Model))
        plan[table] = {
            "fitted": p.fitted,
            "key_text": p.key_text,
            "hidden": sorted(p.hidden),
            "context": list(p.context),
            "link_nulls": dict(p.link_nulls),
            "output": list(p.output),
            "counts": counts,
            "cross_constraints": [[low, high, strict] for low, high, strict in p.cross],
        }
    return {
        "format": FORMAT,
        "version": VERSION,
        "name": dataset.name,
        "written_by": f"pytest-synthdata {__version__}",
        "relations": [[f"{r.child}.{r.column}", f"{r.parent}.{r.key}"] for r in dataset.relations],
        "tables": {table: _artifact.to_dict(dataset._tables[table]) for table in dataset.order},
        "plan": plan,
        "sizes": dict(dataset.sizes),
        "info": dataset.info,
    }


def dumps(dataset: Dataset) -> str:
    """Return the dataset file text."""
    try:
        return _artifact._format(to_dict(dataset)) + "\n"
    except ValueError as exc:
        raise InvalidArgument(f"dataset {dataset.name!r} holds a value JSON cannot write ({exc}).") from None


def save(dataset: Dataset, path: str | os.PathLike[str]) -> pathlib.Path:
    """Write ``dataset`` to ``path`` (ending in ``.synth.json``) atomically; return the path."""
    target = pathlib.Path(path)
    if not target.name.endswith(_artifact.SUFFIX):
        raise InvalidArgument(
            f"{target}: name dataset files '<name>{_artifact.SUFFIX}' so tools and the pytest plugin find them."
        )
    text = dumps(dataset)
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.is_dir():
        raise InvalidArgument(f"{target}: is a directory; save to a file path ending in {_artifact.SUFFIX!r}.")
    _artifact._write_atomically(target, text.encode("utf-8"))
    return target


def _strings(r: _artifact.SpecReader, obj: dict[str, Any], key: str, where: str) -> list[str]:
    values = r.get(obj, key, list, where)
    if not all(isinstance(v, str) for v in values):
        raise r.fail(f"{where}.{key}", "expected a list of strings")
    return list(values)


def loads(text: str, source: str = "<dataset>") -> Dataset:
    """Return the Dataset that dataset file text describes (validated; each table's model sampled once, as on load)."""
    from ._dataset import Dataset
    from ._model import Model

    if len(text) > _artifact.MAX_FILE_BYTES or _artifact.nesting_depth(text) > _artifact.MAX_DEPTH:
        raise ModelFileError(f"{source}: too large or too deeply nested for a dataset file; is it one?")
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ModelFileError(f"{source}: not valid JSON for a dataset file ({exc}).") from None
    r = _artifact.SpecReader(source)
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise r.fail("top level", f'not a pytest-synthdata dataset file (expected "format": {json.dumps(FORMAT)})')
    version = r.get(data, "version", int, "top level")
    if version < 1 or version > VERSION:
        raise ModelFileError(
            f"{source}: dataset file version {version}; this pytest-synthdata reads version {VERSION}. "
            "Upgrade pytest-synthdata to load it."
        )
    name = r.get(data, "name", str, "top level")
    tables_data = r.get(data, "tables", dict, "top level")
    plan_data = r.get(data, "plan", dict, "top level")
    relations = r.get(data, "relations", list, "top level")
    models = {}
    for table, spec in tables_data.items():
        models[table] = Model.from_parts(_artifact.read(spec, f"{source}: tables.{table}"), f"{source}: tables.{table}")
    children: dict[str, Any] = {}
    for table, p in plan_data.items():
        where = f"plan.{table}"
        if table not in models or not isinstance(p, dict):
            raise r.fail(where, f"names no table of the file ({sorted(models)}) or is not an object")
        for child, how in r.get(p, "counts", dict, where).items():
            if not isinstance(how, dict) or len(how) != 1 or not {"column", "model"} & set(how):
                raise r.fail(f"{where}.counts.{child}", 'expected {"column": name} or {"model": {...}}')
            if "column" in how:
                children[child] = r.get(how, "column", str, f"{where}.counts.{child}")
            else:
                counter = f"{source}: {where}.counts.{child}"
                children[child] = Model.from_parts(_artifact.read(how["model"], counter), counter)
    sizes = r.get(data, "sizes", dict, "top level")
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0 for v in sizes.values()):
        raise r.fail("sizes", "expected non-negative numbers")
    try:
        dataset = Dataset(
            name,
            models,
            [tuple(x) if isinstance(x, list) else x for x in relations],
            children or None,
            sizes=sizes,
            info=r.get(data, "info", dict, "top level"),
        )
    except InvalidArgument as exc:
        raise ModelFileError(f"{source}: {exc}") from None
    for table, p in plan_data.items():
        where = f"plan.{table}"
        mine = dataset._plan[table]
        mine.fitted = r.get(p, "fitted", bool, where)
        mine.key_text = r.get(p, "key_text", bool, where)
        mine.hidden = set(_strings(r, p, "hidden", where))
        mine.context = _strings(r, p, "context", where)
        mine.output = _strings(r, p, "output", where)
        nulls = r.get(p, "link_nulls", dict, where)
        links = {link.column for link in mine.links}
        for column, rate in nulls.items():
            if column not in links or not isinstance(rate, (int, float)) or not 0 <= rate <= 1:
                raise r.fail(f"{where}.link_nulls.{column}", "expected a share in [0, 1] of a link table's key")
        mine.link_nulls = {str(k): float(v) for k, v in nulls.items()}
        cross = r.get(p, "cross_constraints", list, where, optional=True) or []
        mine.cross = []
        for item in cross:
            prefix = f"{mine.parent.parent}." if mine.parent else "\0"
            ok = isinstance(item, list) and len(item) == 3 and all(isinstance(v, str) for v in item[:2])
            ok = ok and isinstance(item[2], bool) and item[0].startswith(prefix) != item[1].startswith(prefix)
            mine_col = (item[1] if item[0].startswith(prefix) else item[0]) if ok else None
            if not ok or mine_col not in mine.model.modelled_columns:
                raise r.fail(
                    f"{where}.cross_constraints",
                    f"expected [low, high, strict], one side '<parent>.<column>'; found {item!r}",
                )
            theirs = (item[0] if item[0].startswith(prefix) else item[1])[len(prefix) :]
            assert mine.parent is not None
            if theirs not in dataset._plan[mine.parent.parent].model.columns:
                raise r.fail(f"{where}.cross_constraints", f"{theirs!r} is not a column of {mine.parent.parent!r}")
            mine.cross.append((item[0], item[1], item[2]))
        columns = set(mine.model.columns)
        if not mine.hidden <= columns:
            raise r.fail(
                f"{where}.hidden", f"names columns the table's model does not have: {sorted(mine.hidden - columns)}"
            )
        if mine.context:
            if mine.parent is None:
                raise r.fail(f"{where}.context", "a table without a parent has no parent coordinates")
            from ._dataset import context_column

            parent_labels = set(dataset._plan[mine.parent.parent].model.latent_space.labels)
            for label in mine.context:
                if label not in parent_labels or context_column(mine.parent.parent, label) not in columns:
                    raise r.fail(f"{where}.context", f"{label!r} is not a coordinate of the parent and a column here")
    return dataset
