"""Dask: a native model sampled partition by partition, identical to the single-process sample.

``model.to_dask(n, seed=s, partition_rows=p)`` is a lazy
``dask.dataframe.DataFrame`` whose partition ``i`` is rows ``[i p, (i + 1) p)``
of ``model.sample(n, seed=s)``. Each partition is ``model.sample(n, seed=s,
rows=(i p, (i + 1) p))``: a row is a pure function of its latent inputs, drawn
in fixed blocks by row index (``_latent``), its row index and the sample's key
(``_model``), so a range of rows drawn on its own has the bytes it has in the
whole sample, and the partitions concatenated are that sample. Ids and unique
Faker values are keyed by the global row index, so they stay unique across
partitions; a unique column without room for all ``n`` rows fails when the
frame is built, not on a worker.

What a task carries (:class:`Partitions`): the model as model-file text (JSON,
small), ``n``, the seed and the sample options, and beside the text the
functions of computed columns (``sd.Derived``), which a file cannot hold. Dask
pickles those with cloudpickle: a function of an importable module by
reference (workers import it), a lambda or a function of ``__main__`` by value.
Never a pickle of the model, whose caches (Faker pools, factors) can be large:
a worker builds the model from the text once per process and keeps the last
few. In the process that made the frame (Dask's local schedulers), the model
itself is used.

Dask is an optional extra (``pytest-synthdata[dask]``), imported only here and
only when asked for.
"""

from __future__ import annotations

import collections
import functools
import hashlib
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ._seeding import BLOCK_ROWS, normalize_seed
from ._validate import check_partition_rows, check_rows, row_bytes
from .errors import InvalidArgument, UnknownParameter

if TYPE_CHECKING:
    import pandas as pd

    from ._model import Model

__all__ = [
    "INSTALL_HINT",
    "PARTITION_BYTES",
    "Partitions",
    "default_partition_rows",
    "local_cluster",
    "to_dask",
    "write_parquet",
]

INSTALL_HINT = 'sampling on Dask needs the optional extra: pip install "pytest-synthdata[dask]"'

#: The frame size a partition aims at when ``partition_rows`` is not given (Dask's advice: about 100 MB).
PARTITION_BYTES = 100 * 10**6

#: The reference a computed column's entry holds when its function travels beside the text.
SHIPPED = "pytest_synthdata._dask:shipped_function"

#: Rows sampled in the calling process for the frame's meta (and a Parquet schema): they check the options first.
_HEAD_ROWS = 64

#: Models a worker process keeps, by content (one per frame being computed, usually).
_KEEP = 8
_MODELS: collections.OrderedDict[str, Model] = collections.OrderedDict()
_LOCK = threading.Lock()


def import_dask() -> tuple[Any, Any]:
    """Return the modules ``dask`` and ``dask.dataframe``, or raise a one-line hint to install the extra."""
    try:
        import dask
        import dask.dataframe as dd
    except ImportError as exc:
        raise InvalidArgument(f"{INSTALL_HINT} ({exc}).") from None
    return dask, dd


def default_partition_rows(dtypes: Mapping[str, str]) -> int:
    """Return rows per partition for about :data:`PARTITION_BYTES` of frame: a multiple of the latent block.

    Whole blocks, so no block of latent draws is drawn twice by two partitions.

    >>> default_partition_rows({f"x{i}": "float64" for i in range(10)})
    1249280
    """
    return max(1, PARTITION_BYTES // max(row_bytes(dtypes), 1) // BLOCK_ROWS) * BLOCK_ROWS


def partition_bounds(n: int, partition_rows: int) -> list[tuple[int, int]]:
    """Return each partition's rows ``(start, stop)``: ``partition_rows`` each, the last one shorter; one if ``n == 0``.

    >>> partition_bounds(10, 4)
    [(0, 4), (4, 8), (8, 10)]
    """
    if n == 0:
        return [(0, 0)]
    return [(start, min(start + partition_rows, n)) for start in range(0, n, partition_rows)]


def divisions(bounds: Sequence[tuple[int, int]]) -> tuple[int | None, ...]:
    """Return Dask's divisions of partitions holding the index ranges ``bounds`` (unknown when they hold no rows).

    >>> divisions([(0, 4), (4, 8), (8, 10)])
    (0, 4, 8, 9)
    """
    if bounds[-1][1] == 0:
        return (None, None)
    return (*(start for start, _ in bounds), bounds[-1][1] - 1)


def _shipped(model: Model) -> tuple[str, dict[str, Callable[..., Any]]]:
    """Return the model's file text and the functions that travel beside it.

    Those of computed columns (``"column <name>"``) and of Predicate row
    constraints (``"rule <index>"``); one held as a plain callable leaves a
    stand-in reference in the text.
    """
    from ._constraints import Predicate

    functions: dict[str, Callable[..., Any]] = {}
    rules = {id(rule): i for i, rule in enumerate(model._row_constraints)}

    def entry(item: Any) -> dict[str, Any]:
        if isinstance(item, Predicate):
            key, shipped = f"rule {rules[id(item)]}", {"type": "predicate", "function": SHIPPED, "name": item.name}
        elif getattr(item, "computed", False):
            key = f"column {item.name}"
            shipped = {"name": item.name, "type": item.spec_type, "function": SHIPPED, "cast": item.cast}
        else:
            return dict(item.to_spec())
        if item.function is not None:
            functions[key] = item.function
        return shipped if item.ref is None else dict(item.to_spec())

    from . import _artifact

    try:
        text = _artifact.dumps(model, entry=entry)
    except InvalidArgument as exc:
        raise InvalidArgument(
            f"dataset {model.name!r} cannot be sampled on Dask: workers receive it as model-file text, and {exc}"
        ) from None
    return text, functions


def _digest(name: str, text: str, functions: Mapping[str, Callable[..., Any]]) -> str:
    """Return the key of a model's content: its text and its computed columns' pickled functions."""
    import cloudpickle

    hasher = hashlib.blake2b(text.encode("utf-8"), digest_size=16)
    for holder, function in sorted(functions.items()):
        try:
            pickled = cloudpickle.dumps(function)
        except Exception as exc:
            what = f"column {holder.split(' ', 1)[1]!r}" if holder.startswith("column ") else f"row constraint {holder}"
            raise InvalidArgument(
                f"dataset {name!r}: {what}: its function cannot be sent to Dask workers "
                f"({type(exc).__name__}: {exc}); define it in an importable module (it then travels by reference), "
                "or let it close over picklable values only."
            ) from None
        hasher.update(holder.encode("utf-8") + b"\0" + pickled)
    return hasher.hexdigest()


def _worker_model(name: str, text: str, functions: Mapping[str, Callable[..., Any]], key: str) -> Model:
    """Return the model ``text`` describes, built once per process (the last :data:`_KEEP` kept, by ``key``)."""
    with _LOCK:
        model = _MODELS.get(key)
        if model is not None:
            _MODELS.move_to_end(key)
            return model
    from ._constraints import Predicate
    from ._model import loads

    model = loads(text, f"<dataset {name!r} on a Dask worker>")
    holders: list[tuple[str, Any]] = [(f"column {c.name}", c) for c in model._computed]
    holders += [(f"rule {i}", r) for i, r in enumerate(model._row_constraints) if isinstance(r, Predicate)]
    for key_, holder in holders:
        holder.function = functions.get(key_)  # type: ignore[attr-defined]
        if holder.ref == SHIPPED:  # type: ignore[attr-defined]
            holder.ref = None  # type: ignore[attr-defined]  # (messages then name the function itself)
    with _LOCK:
        _MODELS[key] = model
        while len(_MODELS) > _KEEP:
            _MODELS.popitem(last=False)
    return model


class Partitions:
    """Draws partitions of one sample, ``model.sample(n, seed=seed, rows=..., **options)``: a Dask task's function.

    Pickled (for workers), it is the model's file text, the computed
    columns' functions, ``n``, the seed and the options; see the module
    docstring.
    """

    def __init__(self, model: Model, n: int, seed: int, options: Mapping[str, Any]) -> None:
        self.name = model.name
        self.text, self.functions = _shipped(model)
        self.key = _digest(model.name, self.text, self.functions)
        self.n, self.seed, self.options = n, seed, dict(options)
        self._model: Model | None = model  # (this process's own; workers build theirs from the text)

    @classmethod
    def _rebuild(
        cls,
        name: str,
        text: str,
        functions: dict[str, Callable[..., Any]],
        key: str,
        n: int,
        seed: int,
        options: dict[str, Any],
    ) -> Partitions:
        self = cls.__new__(cls)
        self.name, self.text, self.functions, self.key = name, text, functions, key
        self.n, self.seed, self.options = n, seed, options
        self._model = None
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (Partitions._rebuild, (self.name, self.text, self.functions, self.key, self.n, self.seed, self.options))

    def __dask_tokenize__(self) -> Any:
        from dask.base import tokenize

        return ("pytest-synthdata", self.key, self.n, self.seed, tokenize(self.options))

    def __repr__(self) -> str:
        return f"Partitions({self.name!r}, n={self.n}, seed={self.seed})"

    @property
    def model(self) -> Model:
        """The model the partitions are drawn from (built from the text once per process)."""
        if self._model is None:
            self._model = _worker_model(self.name, self.text, self.functions, self.key)
        return self._model

    def __call__(self, rows: tuple[int, int]) -> pd.DataFrame:
        """Return rows ``start:stop`` of the sample (index ``start`` to ``stop - 1``)."""
        return self.model.sample(self.n, seed=self.seed, rows=(rows[0], rows[1]), **self.options)

    def write_parquet(self, rows: tuple[int, int], path: str, schema: Any) -> int:
        """Write rows ``start:stop`` of the sample to the Parquet file ``path`` with ``schema``; return how many."""
        frame = self(rows)
        frame.to_parquet(path, index=False, schema=schema)
        return len(frame)


def _check_options(model: Model, options: Mapping[str, Any], where: str) -> dict[str, Any]:
    """Return the sample options, refusing one that ``model.sample`` does not take, or ``rows`` (set per partition)."""
    import inspect

    params = inspect.signature(model.sample).parameters
    takes_any = any(p.kind is p.VAR_KEYWORD for p in params.values())
    for option in options:
        if option == "rows":
            raise InvalidArgument(
                f"{where}: rows={options[option]!r} is set per partition; to draw part of the sample, compute "
                "some partitions (ddf.partitions[i]) or call sample(n, seed=..., rows=(start, stop))."
            )
        if option in ("n", "seed") or (option not in params and not takes_any):
            taken = sorted(p for p, v in params.items() if v.kind is v.KEYWORD_ONLY and p not in ("seed", "rows"))
            raise UnknownParameter(
                f"{where}: {option!r} is not an option of {type(model).__name__}.sample(); the options are {taken}."
            )
    return dict(options)


def _head(model: Model, n: int, seed: int, options: Mapping[str, Any]) -> pd.DataFrame:
    """The sample's first rows, drawn here: every option and column check runs before any task is made."""
    return model.sample(n, seed=seed, rows=(0, min(n, _HEAD_ROWS)), **options)


def _prepare(
    model: Model, n: object, seed: object, partition_rows: object, options: Mapping[str, Any], where: str
) -> tuple[Partitions, list[tuple[int, int]], pd.DataFrame]:
    rows = check_rows(n, where=where)
    chosen = normalize_seed(seed)
    options = _check_options(model, options, where)
    head = _head(model, rows, chosen, options)
    if partition_rows is None:
        step = default_partition_rows({str(c): str(t) for c, t in head.dtypes.items()})
    else:
        step = check_partition_rows(partition_rows, where=where)
    return Partitions(model, rows, chosen, options), partition_bounds(rows, step), head


def to_dask(model: Model, n: int, *, seed: int | None = None, partition_rows: int | None = None, **options: Any) -> Any:
    """Return ``model.sample(n, seed=seed, **options)`` as a lazy Dask DataFrame (see :meth:`Model.to_dask`)."""
    dask, dd = import_dask()
    partitions, bounds, head = _prepare(model, n, seed, partition_rows, options, where=f"{model.name}.to_dask")
    meta = head.iloc[:0]  # (its attrs hold the dataset and the seed, like every partition's)
    # Dask turns object columns into pyarrow strings unless told not to; the option is read when the frame is made
    with dask.config.set({"dataframe.convert-string": False}):
        return dd.from_map(
            partitions,
            bounds,
            meta=meta,
            divisions=divisions(bounds),
            label=f"synthdata-{model.name}",
            enforce_metadata=False,
        )


def _parquet_schema(head: pd.DataFrame) -> Any:
    """The Arrow schema every partition's file is written with: the head's, text where its values were all missing."""
    import pyarrow as pa

    schema = pa.Schema.from_pandas(head, preserve_index=False)
    for i, field in enumerate(schema):
        if pa.types.is_null(field.type):  # (an object column whose first rows were all missing)
            schema = schema.set(i, field.with_type(pa.string()))
    return schema


def write_parquet(
    model: Model,
    n: int,
    directory: str,
    *,
    client: Any,
    seed: int | None = None,
    partition_rows: int | None = None,
    progress: Callable[[int, int, int], None] | None = None,
    **options: Any,
) -> int:
    """Write ``model.sample(n, seed=seed, **options)`` to ``directory`` as Parquet files, one a partition; return the seed.

    Files are ``part.000000.parquet``, ... in row order (a reader that sorts
    file names reads the sample's rows in order). Each Dask task samples one
    partition and writes it, so a worker holds only the partitions it is
    working on (one per thread). ``client`` is a ``dask.distributed`` Client;
    ``progress(partitions done, partitions, rows done)`` is called as each
    partition is written.
    """
    import os

    import_dask()
    from distributed import as_completed

    partitions, bounds, head = _prepare(model, n, seed, partition_rows, options, where="synthdata sample")
    schema = _parquet_schema(head)
    width = max(6, len(str(len(bounds) - 1)))
    paths = [os.path.join(directory, f"part.{i:0{width}d}.parquet") for i in range(len(bounds))]
    write = functools.partial(_write_partition, partitions, schema=schema)
    from dask.base import tokenize

    token = tokenize(partitions, directory)
    futures = client.map(write, bounds, paths, key=[f"synthdata-{model.name}-{token}-{i}" for i in range(len(bounds))])
    done = rows = 0
    for future in as_completed(futures):
        rows += future.result()
        done += 1
        future.release()
        if progress is not None:
            progress(done, len(bounds), rows)
    return partitions.seed


def local_cluster(workers: int) -> Any:
    """Return a ``dask.distributed`` LocalCluster of ``workers`` processes of one thread each (``--workers``).

    One thread a worker: a worker holds the partition it is writing and no
    other. The dashboard listens on a free local port (8787 may be taken).
    distributed sets ``MALLOC_TRIM_THRESHOLD_`` in its workers, which turns
    off glibc's adaptive mmap threshold: every large numpy temporary is then
    a fresh mapping, faulted in again, and sampling runs about 1.5 times
    slower (``benchmarks/bench_dask.py``); a task here frees all it
    allocates, so the workers keep the default allocator.
    """
    import logging

    import_dask()
    import dask
    from distributed import LocalCluster

    with dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}):
        return LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address="127.0.0.1:0",
            silence_logs=logging.ERROR,
        )


def _write_partition(partitions: Partitions, rows: tuple[int, int], path: str, *, schema: Any) -> int:
    return partitions.write_parquet(rows, path, schema)
