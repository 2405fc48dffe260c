"""The ``synthdata`` console script.

``synthdata fit data.csv -o customers.synth.json`` fits a model file to real
data. ``synthdata sample TARGET -n 1000 --seed 7 -o out.csv`` samples a
dataset, where TARGET is a model file (``*.synth.json``) or names a Schema or
Model as ``package.module:attribute`` or ``path/to/file.py:attribute``;
``synthdata inspect TARGET`` summarises it. ``synthdata report TARGET [data.csv]`` scores a sample against
the real data or the stored profile. ``synthdata audit model.synth.json
[--real data.csv]`` lists what a model file reveals and exits 1 when it
breaks the policy (a commit gate). A dataset file (linked tables) takes one
data file per table, named after it.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import importlib.util
import os
import re
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from . import __version__
from ._validate import (
    check_independent,
    check_memory,
    check_name,
    check_partition_rows,
    rows_from_text,
    seed_from_text,
    suggest_name,
)
from .errors import InvalidArgument, SynthdataError, UnsupportedFeature

__all__ = ["main"]

#: Set to 1 (or pass ``--traceback``) to see the Python traceback of an unexpected error.
TRACEBACK_ENV = "SYNTHDATA_TRACEBACK"
#: The exit status of an unexpected error (a bug): sysexits' EX_SOFTWARE, apart from ``audit``'s 1 (policy broken).
INTERNAL_ERROR = 70


#: The module name a target loaded from a file path gets (its stem follows).
_TARGET_MODULE = "_synthdata_target_"


def _load_target(target: str, *, trust: bool = False) -> Any:
    if Path(target).is_dir():
        raise SynthdataError(
            f"target {target!r} is a directory; give a model file (*.synth.json) or package.module:name "
            "or path/to/file.py:name of a Schema or Model."
        )
    if target.endswith((".json", ".pkl")) and ":" not in Path(target).name:
        from ._model import load as load_file

        return load_file(target, trust=trust)
    module_ref, sep, attr = target.rpartition(":")
    if not sep or not module_ref or not attr:
        raise SynthdataError(f"target {target!r} must look like 'package.module:name' or 'path/to/file.py:name'.")
    if module_ref.endswith(".py") or "/" in module_ref:
        path = Path(module_ref)
        if path.is_dir():
            raise SynthdataError(f"target {target!r}: {module_ref!r} is a directory; name a .py file.")
        if not path.is_file():
            raise SynthdataError(f"target {target!r}: file {module_ref!r} does not exist.")
        spec = importlib.util.spec_from_file_location(f"{_TARGET_MODULE}{path.stem}", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.path.insert(0, str(path.parent.resolve()))
        loader = spec.loader
        sys.modules[spec.name] = module  # dataclasses and pickling look their module up here

        def load() -> Any:
            try:
                loader.exec_module(module)
            except BaseException:
                sys.modules.pop(spec.name, None)
                raise
            return module

    else:
        sys.path.insert(0, str(Path.cwd()))

        def load() -> Any:
            return importlib.import_module(module_ref)

    try:
        loaded = load()
    except SynthdataError:
        raise
    except SystemExit as exc:
        raise SynthdataError(f"target {target!r}: importing {module_ref!r} called sys.exit({exc.code!r}).") from None
    except ModuleNotFoundError as exc:
        raise SynthdataError(
            f"target {target!r}: cannot import {module_ref!r} ({exc}); check the module path."
        ) from None
    except Exception as exc:
        raise SynthdataError(
            f"target {target!r}: importing {module_ref!r} raised {type(exc).__name__}: {exc}"
        ) from None
    module = loaded
    try:
        model = getattr(module, attr)
    except AttributeError:
        raise SynthdataError(f"target {target!r}: {module_ref!r} has no attribute {attr!r}.") from None
    if not callable(getattr(model, "sample", None)):
        raise SynthdataError(f"target {target!r} is {type(model).__name__}, not a Schema or Model.")
    return model


def _cmd_sample(args: argparse.Namespace) -> int:
    out = args.output
    if args.target.endswith(".json") and Path(args.target).is_file():
        from ._registry import _is_dataset_file

        if _is_dataset_file(args.target):  # linked tables: one file per table
            from ._dataset_cli import sample_dataset

            return sample_dataset(args, _load_target(args.target))
    if args.workers is not None or args.scheduler is not None:
        return _sample_on_dask(args)
    if args.partition_rows is not None:
        raise SynthdataError("--partition-rows sets the Parquet files of --workers N or --scheduler ADDRESS; add one.")
    kind = args.format or ("csv" if out is None or out == "-" else Path(out).suffix.lower().lstrip("."))
    if kind not in ("csv", "parquet"):
        raise SynthdataError(f"output {out!r}: use a .csv or .parquet file name, or '-' for CSV on stdout.")
    if kind == "parquet" and out in (None, "-"):
        raise SynthdataError("--format parquet writes a file: give its name with -o (stdout takes CSV only).")
    if kind == "parquet" and importlib.util.find_spec("pyarrow") is None:
        raise SynthdataError("writing .parquet needs pyarrow: pip install pyarrow (or write .csv).")
    if out not in (None, "-") and not Path(out).resolve().parent.is_dir():
        raise SynthdataError(f"output {out!r}: directory {str(Path(out).parent)!r} does not exist.")
    rows = rows_from_text(args.n, argument="-n")
    seed: int | None = None  # left out: a fresh random seed, printed below
    if args.seed is not None:
        seed = seed_from_text(args.seed, argument="--seed", others="leave it out for a fresh random seed")
    model = _load_target(args.target, trust=args.trust)
    options = {"independent": True} if args.independent else {}
    if options:
        check_independent(model, argument="--independent", fix="drop the flag")
    dtypes = getattr(model, "dtypes", None)
    if isinstance(dtypes, Mapping):  # before sampling, so the message names -n
        check_memory(rows, dtypes, dataset=str(getattr(model, "name", args.target)), argument="-n")
    frame = model.sample(rows, seed=seed, **options)
    try:
        if out is None or out == "-":
            frame.to_csv(sys.stdout, index=False)
        elif kind == "parquet":
            frame.to_parquet(out, index=False)
        else:
            frame.to_csv(out, index=False)
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise SynthdataError(f"output {out!r}: {exc}") from None
    seed = frame.attrs["synthdata"]["seed"]
    print(f"synthdata: {len(frame)} rows of {model.name!r}, seed {seed}", file=sys.stderr)
    return 0


def _sample_on_dask(args: argparse.Namespace) -> int:
    """``sample --workers N`` / ``--scheduler ADDRESS``: partitioned Parquet written by Dask tasks, with progress."""
    out = args.output
    if args.workers is not None and args.scheduler is not None:
        raise SynthdataError("--workers starts a local cluster and --scheduler uses another one: pass only one.")
    flag = "--workers" if args.workers is not None else "--scheduler"
    if out in (None, "-"):
        raise SynthdataError(f"{flag} writes Parquet files into a directory: name it with -o, e.g. -o out/.")
    if args.format == "csv" or (args.format is None and Path(out).suffix.lower() == ".csv"):
        raise SynthdataError(f"{flag} writes Parquet files, one a partition: pass --format parquet and -o DIRECTORY.")
    directory = Path(out)
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise SynthdataError(
            f"output {out!r} exists and is not an empty directory; {flag} writes its files into a new or empty one."
        )
    if not directory.resolve().parent.is_dir():
        raise SynthdataError(f"output {out!r}: directory {str(directory.parent)!r} does not exist.")
    from . import _dask

    _dask.import_dask()
    if importlib.util.find_spec("distributed") is None or importlib.util.find_spec("pyarrow") is None:
        raise SynthdataError(f"{_dask.INSTALL_HINT} (dask.distributed and pyarrow write the files).")
    rows = rows_from_text(args.n, argument="-n")
    seed: int | None = None
    if args.seed is not None:
        seed = seed_from_text(args.seed, argument="--seed", others="leave it out for a fresh random seed")
    partition_rows = None
    if args.partition_rows is not None:
        partition_rows = check_partition_rows(
            rows_from_text(args.partition_rows, argument="--partition-rows"), argument="--partition-rows"
        )
    model = _load_target(args.target, trust=args.trust)
    from ._latent import latent_model

    latent_model(model, f"Parquet files written with {flag}")
    options = {"independent": True} if args.independent else {}
    _by_value(model)
    directory.mkdir(exist_ok=True)
    with _dask_client(args) as client:
        seed = _dask.write_parquet(
            model,
            rows,
            str(directory),
            client=client,
            seed=seed,
            partition_rows=partition_rows,
            progress=_Progress(sys.stderr),
            **options,
        )
    files = len(list(directory.glob("part.*.parquet")))
    print(f"synthdata: {rows} rows of {model.name!r} in {files} Parquet files in {out}, seed {seed}", file=sys.stderr)
    return 0


def _by_value(model: Any) -> None:
    """Send the computed columns' functions of a target loaded from a file path by value: workers cannot import it."""
    import cloudpickle

    for column in getattr(model, "_computed", ()):
        module = sys.modules.get(getattr(getattr(column, "function", None), "__module__", None) or "")
        if module is not None and module.__name__.startswith(_TARGET_MODULE):
            cloudpickle.register_pickle_by_value(module)


@contextlib.contextmanager
def _dask_client(args: argparse.Namespace) -> Iterator[Any]:
    """A ``dask.distributed`` Client: of a local cluster of ``--workers`` processes, or of ``--scheduler``."""
    from distributed import Client

    if args.scheduler is not None:
        try:
            client = Client(args.scheduler, timeout=30)
        except (OSError, TimeoutError, ValueError) as exc:
            raise SynthdataError(
                f"--scheduler {args.scheduler!r}: cannot connect ({type(exc).__name__}: {exc})."
            ) from None
        with client:
            yield client
        return
    from ._dask import local_cluster

    with local_cluster(args.workers) as cluster, Client(cluster) as client:
        yield client


class _Progress:
    """A progress bar on ``stream``: redrawn in place on a terminal, a line every tenth of the way otherwise."""

    def __init__(self, stream: Any, width: int = 30) -> None:
        self.stream, self.width = stream, width
        self.start = time.perf_counter()
        self.live = bool(getattr(stream, "isatty", lambda: False)())
        self.shown = -1

    def __call__(self, done: int, total: int, rows: int) -> None:
        tenth = 10 * done // total
        if not self.live and tenth == self.shown:
            return
        self.shown = tenth
        seconds = time.perf_counter() - self.start
        bar = "#" * (self.width * done // total)
        line = (
            f"synthdata: [{bar:<{self.width}}] {done}/{total} partitions, {rows:,} rows, "
            f"{rows / max(seconds, 1e-9):,.0f} rows/s"
        )
        end = "\n" if not self.live or done == total else ""
        print(("\r" if self.live else "") + line, end=end, file=self.stream, flush=True)


def _delimiter(source: Path) -> str:
    """The field separator of a CSV file: ',' unless its header line clearly uses ';', tab or '|'."""
    with source.open(encoding="utf-8", errors="replace") as handle:
        header = handle.readline()
    counts = {sep: header.count(sep) for sep in (",", ";", "\t", "|")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] > counts[","] else ","


def _read_table(path: str) -> Any:
    """Read a CSV or Parquet file (fit turns CSV columns that hold only ISO dates into timestamps)."""
    import pandas as pd

    source = Path(path)
    if source.is_dir():
        raise SynthdataError(f"input {path!r} is a directory; give a .csv or .parquet file.")
    if not source.is_file():
        raise SynthdataError(f"input {path!r} does not exist.")
    kind = source.suffix.lower().lstrip(".")
    try:
        if kind == "parquet":
            if importlib.util.find_spec("pyarrow") is None:
                raise SynthdataError("reading .parquet needs pyarrow: pip install pyarrow (or export a .csv).")
            return pd.read_parquet(source)
        if kind not in ("csv", "tsv", "txt"):
            raise SynthdataError(f"input {path!r}: give a .csv or .parquet file.")
        sep = "\t" if kind == "tsv" else _delimiter(source)
        _refuse_duplicate_names(path, source, sep)
        frame = pd.read_csv(source, sep=sep)
    except SynthdataError:
        raise
    except Exception as exc:  # pandas raises many types for a bad file
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise SynthdataError(f"input {path!r} cannot be read: {type(exc).__name__}: {first}") from None
    return frame  # (columns of ISO dates stay strings: fit parses them, as it does for any frame)


def _refuse_duplicate_names(path: str, source: Path, sep: str) -> None:
    """Raise SynthdataError naming a column name the CSV's header row holds twice.

    pandas' ``read_csv`` would rename the second ``score`` to ``score.1`` and fit it as a column of its own; the
    header is read here as ``read_csv`` reads it (UTF-8, a byte order mark dropped, blank lines skipped, the
    separator ``sep``). Empty names are left to pandas (``Unnamed: 2``).
    """
    import csv

    with source.open(encoding="utf-8-sig", errors="replace", newline="") as handle:
        header = next((row for row in csv.reader(handle, delimiter=sep) if row), [])
    seen: set[str] = set()
    for name in header:
        if name in seen and name.strip():
            raise SynthdataError(
                f"input {path!r}: the header names column {name!r} more than once; give each column its own name "
                "(pandas would rename the copy, and fit would model it as another column)."
            )
        seen.add(name)


def _cmd_fit(args: argparse.Namespace) -> int:
    from ._fit import KINDS, fit

    overrides: dict[str, Any] = {}
    for item in args.column or ():
        col, sep, kind = item.partition("=")
        dated = kind.startswith("datetime:") and "%" in kind  # (dates written in a format: datetime:%d/%m/%Y)
        if not sep or not col or (kind not in KINDS and not dated):
            raise SynthdataError(
                f"--column {item!r}: write NAME=KIND with KIND one of {', '.join(KINDS)} (or datetime:%d/%m/%Y for "
                "dates written in that format)."
            )
        overrides[col] = kind
    public = _public_option(args.public or ())
    output = Path(args.output)
    if not output.name.endswith(".synth.json"):
        raise SynthdataError(f"output {args.output!r}: name model files '<name>.synth.json'.")
    from ._registry import model_file_problem, suggested_file

    problem = model_file_problem(output)  # (the plugin's own rule: what it loads, fit writes)
    if problem:
        raise SynthdataError(
            f"output {args.output!r}: pytest would not load this model file: {problem}. Name it e.g. "
            f"-o {suggested_file(args.output)}."
        )
    stem = output.name[: -len(".synth.json")]
    if args.name is not None:
        name = check_name(args.name, argument="--name")
    else:
        name = stem
        try:
            check_name(stem)
        except InvalidArgument:
            raise SynthdataError(
                f"output {args.output!r}: {stem!r} loads as the pytest fixture synth_{stem}, but cannot be the "
                f"dataset name stored in the file (a Python identifier, not a keyword); pass --name, e.g. "
                f"--name {suggest_name(stem)}."
            ) from None
    if len(args.data) > 1 or args.relation:  # linked tables: one dataset file
        from ._dataset_cli import fit_dataset

        return fit_dataset(args, name, output, _read_table)
    frame = _read_table(args.data[0])
    started = time.perf_counter()

    def progress(message: str) -> None:
        if time.perf_counter() - started > 1.0:  # quiet for quick fits
            print(f"synthdata: fitting {name!r}: {message}", file=sys.stderr, flush=True)

    model = fit(
        frame,
        name=name,
        columns=overrides,
        min_count=args.min_count,
        locale=args.locale,
        progress=progress,
        public=public or None,
        constraints=args.constraint,
        detect_constraints=not args.no_detect_constraints,
        **({} if args.epsilon is None and args.delta is None else {"epsilon": args.epsilon, "delta": args.delta}),
    )
    try:
        model.save(output)
    except (OSError, InvalidArgument) as exc:  # (a path under a file is an InvalidArgument)
        raise SynthdataError(f"output {args.output!r} cannot be written: {exc}") from None
    elapsed = time.perf_counter() - started
    fixture = f" (pytest names its fixture after the file: synth_{stem})" if stem != name else ""
    print(f"fitted {name!r} on {len(frame)} rows x {frame.shape[1]} columns in {elapsed:.2f} s -> {output}{fixture}")
    for col, about in model.info["columns"].items():
        print(f"  {col:<24} {about['kind']:<9} {about['why']}")
    for text in model.info.get("constraints", {}).get("detected", []):
        print(f"  keeps {text} (holds in every real row; --no-detect-constraints to drop)")
    for line in model.withheld:
        print(f"withheld: {line}")
    _print_account(model)
    return 0


def _print_account(model: Any) -> None:
    """Print a differentially private fit's account: its budget, and each release with its loss and noise."""
    privacy = getattr(model, "info", {}).get("privacy") or {}
    if not isinstance(privacy.get("epsilon"), (int, float)):
        return
    spent = privacy.get("spent") or {}
    print(
        f"differentially private fit: epsilon={privacy['epsilon']:g}, delta={privacy.get('delta')} "
        f"(spent {spent.get('epsilon', 0):.6g}, {spent.get('delta', 0):.3g}; neighbours: {privacy.get('neighbours')})"
    )
    for entry in privacy.get("ledger") or []:
        columns = ", ".join(entry.get("columns") or []) or "-"
        noise = f"scale {entry['scale']:.4g}" if "scale" in entry else ""
        if "threshold" in entry:
            noise += f", threshold {entry['threshold']}"
        print(
            f"  {entry['step']:<10} {columns[:40]:<40} {entry['mechanism']:<18} "
            f"epsilon {entry['epsilon']:.4g} delta {entry['delta']:.3g} {noise}"
        )


def _public_option(items: Any) -> dict[str, Any]:
    """``--public age=0:120`` (bounds: numbers, or dates) and ``--public plan=free,pro,team`` (categories)."""
    public: dict[str, Any] = {}
    for item in items:
        col, sep, text = item.partition("=")
        if sep and col and "," in text:
            public[col] = [v for v in text.split(",") if v != ""]
            continue
        low, colon, high = text.partition(":")
        if not (sep and col and colon and low and high and ":" not in high):
            raise SynthdataError(
                f"--public {item!r}: write NAME=LOW:HIGH for bounds (--public age=0:120, "
                "--public signup=2015-01-01:2030-12-31) or NAME=A,B,C for the categories (--public plan=free,pro)."
            )
        try:
            public[col] = (float(low), float(high))
        except ValueError:
            public[col] = (low, high)  # (timestamps: fit reads them)
    return public


def _cmd_inspect(args: argparse.Namespace) -> int:
    model = _load_target(args.target, trust=args.trust)
    if getattr(type(model), "linked_tables", False):
        from ._dataset_cli import inspect_dataset

        return inspect_dataset(model)
    from ._columns import column_role, percent

    print(f"dataset {model.name!r}: {len(model.columns)} columns")
    if not hasattr(model, "column"):  # another backend: only the protocol is known
        for name, dtype in model.dtypes.items():
            print(f"  {name:<24} {dtype}")
        return 0
    source = getattr(model, "info", {}).get("source")
    if source:
        print(f"fitted on {source['rows']} rows x {source['columns']} columns")
    for name, dtype in model.dtypes.items():
        col = model.column(name)
        role = column_role(col)
        nulls = f", {percent(col.null_rate)} null" if col.null_rate else ""
        print(f"  {name:<24} {col.kind:<9} {dtype:<15} {role}{nulls}  {col.describe()}")
    segments = getattr(model, "info", {}).get("segments")
    if segments:
        print(
            f"segments: the other columns are fitted per group of {segments['column']!r} "
            f"({segments['groups']} groups); correlations below are within groups"
        )
    for together in _null_flags(model).values():
        if len(together) > 1:
            print(f"missing together (one null flag): {', '.join(together)}")
    for line in model.withheld:
        print(f"withheld: {line}")
    _print_account(model)
    about = getattr(model, "info", {}).get("constraints")
    detected = set(about.get("detected", [])) if isinstance(about, dict) else set()
    texts = [str(c) for c in getattr(model, "constraints", [])]
    if isinstance(about, dict):  # ranges and fixed combinations of a fit live in its columns: the info names them
        texts += [t for t in about.get("declared", []) if isinstance(t, str) and t not in texts]
    if texts:
        print("constraints (hold in every row):")
        for text in texts:
            print(f"  {text}{'  (found in every real row)' if text in detected else ''}")
    pairs = getattr(model, "correlations", None)
    if pairs is None:
        pairs = _model_correlations(model)
    if pairs:
        strongest = sorted(pairs.items(), key=lambda kv: -abs(kv[1]))[: args.top]
        print(f"strongest rank correlations (Spearman, {len(strongest)} of {len(pairs)} pairs):")
        for (a, b), value in strongest:
            print(f"  {a} ~ {b}: {value:+.3f}")
    return 0


def _null_flags(model: Any) -> dict[str, list[str]]:
    """The columns behind each latent null flag: {flag's column: [it, then the columns that share it]}."""
    follows = getattr(model, "null_follows", {})
    return {c: [c, *(f for f, leader in follows.items() if leader == c)] for c in getattr(model, "latent_nulls", [])}


def _model_correlations(model: Any) -> dict[tuple[str, str], float]:
    """Spearman correlations the model gives each pair of latent coordinates (columns and null flags)."""
    import numpy as np

    from ._copula import spearman_of_latent
    from ._marginals import Discrete

    cols = [model.column(c) for c in model.modelled_columns]
    together = _null_flags(model)
    labels = [c.name for c in cols] + [
        f"{', '.join(together[c])} {'are' if len(together[c]) > 1 else 'is'} null" for c in model.latent_nulls
    ]
    cells = [c.rank_cells() for c in cols] + [
        Discrete(np.array([1 - model.column(c).null_rate, model.column(c).null_rate])).rank_cells()
        for c in model.latent_nulls
    ]
    # a column and its own (or shared) null flag are never seen together: their entry is a fill-in, not a finding
    owners = [{c.name} for c in cols] + [set(together[c]) for c in model.latent_nulls]
    corr = model.latent_correlation
    out = {}
    for i in range(len(labels)):
        for j in range(i + 1, len(labels)):
            if abs(corr[i, j]) > 1e-9 and not owners[i] & owners[j]:
                out[(labels[i], labels[j])] = spearman_of_latent(float(corr[i, j]), cells[i], cells[j])
    return out


def _cmd_audit(args: argparse.Namespace) -> int:
    from ._audit import audit_file, audit_held
    from ._dataset_cli import tripwires

    if args.k < 1:
        raise SynthdataError(f"--k {args.k}: pass a whole number of rows, 1 or more, such as --k 5.")
    report, model = audit_file(args.model, k=args.k, max_epsilon=args.max_epsilon, allow_pii=args.allow_pii)
    if args.real and getattr(type(model), "linked_tables", False):
        from ._dataset_cli import audit_dataset_real

        audit_dataset_real(args, model, report, _read_real)
    elif args.real:
        if len(args.real) > 1:
            raise SynthdataError(
                f"{args.model!r} is the model of one table: give one --real data file (got {len(args.real)}); "
                "several are for a dataset file's tables."
            )
        frame = _read_real(args.real[0], model)
        audit_held(args.model, frame, k=args.k, report=report)
        tripwires(args, frame, model, report)
    print(report.render())
    return 0 if report.passed else 1


def _cmd_report(args: argparse.Namespace) -> int:
    from ._fidelity.report import fidelity_report

    if args.output and importlib.util.find_spec("matplotlib") is None:  # (before the sampling, not after)
        raise SynthdataError(
            f"-o {args.output!r} writes the HTML report, which needs matplotlib: pip install "
            "pytest-synthdata[report] (or leave -o out)."
        )
    if args.output and not Path(args.output).resolve().parent.is_dir():
        raise SynthdataError(f"output {args.output!r}: directory {str(Path(args.output).parent)!r} does not exist.")
    model = _load_target(args.target, trust=args.trust)
    if getattr(type(model), "linked_tables", False):
        from ._dataset_cli import report_dataset

        return report_dataset(args, model, _read_real)
    if len(args.real) > 1:
        raise SynthdataError(
            f"target {args.target!r} is the model of one table: give one real data file (got {len(args.real)}); "
            "several are for a dataset file's tables."
        )
    real = _read_real(args.real[0], model) if args.real else None
    rows = args.n if args.n is not None else (len(real) if real is not None else 2000)
    seed = 0 if args.seed is None else seed_from_text(args.seed, argument="--seed")
    synthetic = model.sample(rows, seed=seed)
    try:
        report = fidelity_report(real if real is not None else model, synthetic)
    except UnsupportedFeature:
        if real is not None:
            raise
        raise SynthdataError(
            f"target {args.target!r} ({type(model).__name__}) stores no fidelity profile to score against; give the "
            f"real data file too: synthdata report {args.target} REAL.csv"
        ) from None
    print(report.summary())
    print(report.columns[["column", "metric", "score"]].to_string(index=False, float_format="%.3f"))
    if args.output:
        print(f"wrote {report.to_html(args.output)}")
    return 0


def _read_real(path: str, model: Any) -> Any:
    """Read the real data ``model`` is compared with (``report``, ``audit --real``) as ``synthdata fit`` read it.

    ``fit`` reads a CSV with :func:`_read_table` and turns the text of each column it models as timestamps into
    dates: in the format the column was given in (``--column 'signup=datetime:%d/%m/%Y'``, which the model file
    records in ``info.columns``), else ISO 8601 (``_fit.dates.read_date_text``: values with a UTC offset become UTC
    timestamps), else the one format that reads every value (``_fit.dates.text_format``: ``21/03/2020`` is day
    first). The same steps read the real columns here, and each is put in the model's time zone, so the real and
    the sampled timestamps are on one clock.
    """
    import pandas as pd

    real = _read_table(path)
    kinds = _model_kinds(model)
    for name, kind in kinds.items():
        if name in real.columns and kind in ("boolean", "integer", "float"):
            real[name] = _real_values(path, name, real[name], kind)
    for name, dtype in getattr(model, "dtypes", {}).items():
        if name not in real.columns or not str(dtype).startswith("datetime64"):
            continue
        column = real[name]
        if not pd.api.types.is_datetime64_any_dtype(column):
            column = _real_dates(path, name, column, _declared_format(model, name))
        zone = getattr(pd.api.types.pandas_dtype(dtype), "tz", None)
        if column.dt.tz is not None:  # fit stores zoned timestamps in UTC: a model without a zone holds UTC times
            column = (
                column.dt.tz_convert(zone) if zone is not None else column.dt.tz_convert("UTC").dt.tz_localize(None)
            )
        real[name] = column
    return real


def _model_kinds(model: Any) -> dict[str, str]:
    """Each column's kind as the model's ``info["columns"]`` records it (``boolean``, ``float``, ...)."""
    info = getattr(model, "info", None)
    columns = info.get("columns") if isinstance(info, Mapping) else None
    if not isinstance(columns, Mapping):
        return {}
    return {
        str(name): about["kind"]
        for name, about in columns.items()
        if isinstance(about, Mapping) and isinstance(about.get("kind"), str)
    }


def _real_values(path: str, name: str, column: Any, kind: str) -> Any:
    """Column ``name`` of the real data file ``path`` read as fit read a column of ``kind`` boolean, integer or float.

    A boolean column of text (``--column active=boolean`` over ``Yes``/``no``) is read by fit's own
    ``read_booleans``, so ``no`` is False as it was in the fit; numbers written as text are read with
    ``pd.to_numeric``, as fit reads a column given a numeric kind. Raises SynthdataError, naming the file and the
    column, when the values do not read that way.
    """
    import numpy as np
    import pandas as pd

    if kind == "boolean":
        if pd.api.types.is_bool_dtype(column.dtype):
            return column
        from ._fit.categories import read_booleans

        present = column.notna().to_numpy()
        try:
            read = read_booleans(name, column, present)
        except InvalidArgument as exc:
            raise SynthdataError(
                f"input {path!r}: column {name!r} was fitted as booleans, but its values do not read as them: "
                f"{str(exc).split('but the column holds ', 1)[-1].split(';', 1)[0]}; compare the model with data "
                "written as the data it was fitted on."
            ) from None
        if present.all():
            return pd.Series(read, index=column.index, name=column.name)
        values = np.full(len(column), None, dtype=object)
        values[present] = read
        return pd.Series(values, index=column.index, name=column.name, dtype="boolean")
    if pd.api.types.is_numeric_dtype(column.dtype) and not pd.api.types.is_bool_dtype(column.dtype):
        return column
    try:
        return pd.to_numeric(column)
    except (TypeError, ValueError):
        bad = column[column.notna() & pd.to_numeric(column, errors="coerce").isna()]
        raise SynthdataError(
            f"input {path!r}: column {name!r} was fitted as numbers ({kind}), but {len(bad)} value(s) do not read "
            f"as numbers, e.g. {str(bad.iloc[0])!r}; compare the model with data written as the data it was fitted "
            "on."
        ) from None


def _declared_format(model: Any, name: str) -> str | None:
    """The ``strftime`` format column ``name`` was fitted in (``datetime:%d/%m/%Y``), as the model's info records it.

    ``fit`` records it as ``info["columns"][name]["format"]``; files written before that hold it only in the
    column's reason, ``"given in columns= (format '%d/%m/%Y')"`` (``_fit.infer``).
    """
    import ast

    info = getattr(model, "info", None)
    about = info.get("columns", {}).get(name) if isinstance(info, Mapping) else None
    stated = about.get("format") if isinstance(about, Mapping) else None
    if isinstance(stated, str) and "%" in stated:
        return stated
    why = about.get("why") if isinstance(about, Mapping) else None
    found = re.search(r"\(format ('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")\)", why) if isinstance(why, str) else None
    if found is None:
        return None
    try:
        text = ast.literal_eval(found[1])
    except (ValueError, SyntaxError):
        return None
    return text if isinstance(text, str) and "%" in text else None


def _real_dates(path: str, name: str, column: Any, declared: str | None) -> Any:
    """Column ``name`` of the real data file ``path`` read as timestamps the way fit read it (see :func:`_read_real`).

    Raises SynthdataError, naming the file and the column, when its values do not read as the model's dates.
    """
    import pandas as pd

    from ._fit.dates import parse_format, read_date_text, text_format

    if not column.notna().any():  # (nothing to read: missing timestamps)
        return pd.to_datetime(column, errors="coerce")
    if not _all_text(column):  # (numbers: fit reads them with pd.to_datetime too)
        parsed = pd.to_datetime(column, errors="coerce", utc=_zoned(column))
    else:
        date_format = declared
        if date_format is None:
            dates = read_date_text(name, column)
            if dates is not None and dates.parsed is not None:
                return dates.parsed
            try:
                date_format = text_format(name, column)
            except InvalidArgument:  # (day or month first: the model does not say which)
                example = str(column.dropna().iloc[0])
                raise SynthdataError(
                    f"input {path!r}: column {name!r} holds dates written like {example!r}, which read day or month "
                    "first, and the model file does not record which; write them as ISO 8601 dates (2021-03-04) "
                    f"in {path!r}, or refit with --column '{name}=datetime:%d/%m/%Y' (or %m/%d/%Y)."
                ) from None
        if date_format is not None:
            try:
                return parse_format(name, column, date_format)
            except InvalidArgument:
                bad = column[column.notna() & pd.to_datetime(column, format=date_format, errors="coerce").isna()]
                raise SynthdataError(
                    f"input {path!r}: column {name!r} was fitted as dates written in format {date_format!r}, but "
                    f"{len(bad)} value(s) do not read that way, e.g. {str(bad.iloc[0])!r}; compare the model with "
                    "data written as the data it was fitted on."
                ) from None
        parsed = pd.to_datetime(column, errors="coerce", format="ISO8601", utc=_zoned(column))
    if not parsed.notna().any():
        example = str(column.dropna().iloc[0])
        raise SynthdataError(
            f"input {path!r}: column {name!r} holds dates in the model, but none of its values read as dates (e.g. "
            f"{example!r}); write them as ISO 8601 dates (2021-03-04), or compare with the data the model was "
            "fitted on."
        )
    return parsed


def _all_text(column: Any) -> bool:
    """Whether every present value of a column is a string (what ``read_date_text`` reads, like fit)."""
    return all(isinstance(v, str) for v in column.dropna().tolist())


def _zoned(column: Any) -> bool:
    """Whether a text column's first value ends in a UTC offset (``Z``, ``+01:00``): read it as UTC timestamps."""
    first = column.dropna().astype(str).head(1).tolist()
    return bool(first) and re.search(r"(?:Z|[+-]\d{2}(?::?\d{2})?)$", first[0].strip()) is not None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``synthdata`` command line; return its exit code."""
    parser = argparse.ArgumentParser(prog="synthdata", description="Sample and inspect pytest-synthdata datasets.")
    parser.add_argument("--version", action="version", version=f"pytest-synthdata {__version__}")
    parser.add_argument(
        "--traceback",
        action="store_true",
        help=f"show the Python traceback of an unexpected error (or set {TRACEBACK_ENV}=1)",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    target_help = "a model file (*.synth.json), or package.module:name or path/to/file.py:name of a Schema or Model"
    p_fit = sub.add_parser("fit", help="fit a model file to real data (CSV or Parquet)")
    p_fit.add_argument(
        "data", nargs="+", help="the real data: a .csv or .parquet file; several (one per table) for linked tables"
    )
    p_fit.add_argument(
        "--relation",
        action="append",
        metavar="CHILD.COL=PARENT.COL",
        help="a foreign key between two of the data files (table = file name), e.g. --relation "
        "orders.customer_id=customers.id (repeatable; writes one dataset file)",
    )
    p_fit.add_argument("-o", "--output", required=True, help="the model file to write, <name>.synth.json")
    p_fit.add_argument("--name", help="dataset name (default: from the output file name)")
    p_fit.add_argument(
        "--column", action="append", metavar="NAME=KIND", help="override a column's kind, e.g. --column email=pii"
    )
    p_fit.add_argument("--min-count", type=int, default=5, help="no stored number is held by fewer rows (default 5)")
    p_fit.add_argument(
        "--public",
        action="append",
        metavar="NAME=LOW:HIGH|NAME=A,B,..",
        help="declare what is not secret, stored as given: bounds (--public age=0:120) or all categories "
        "(--public plan=free,pro,team)",
    )
    p_fit.add_argument("--locale", default="en_US", help="Faker locale for regenerated columns (default en_US)")
    p_fit.add_argument(
        "--constraint",
        action="append",
        metavar="'A < B'",
        help="an order constraint every sampled row keeps, 'a < b' or 'a <= b' (repeatable; the data must hold it)",
    )
    p_fit.add_argument(
        "--no-detect-constraints",
        action="store_true",
        help="do not keep the order relations (a <= b) that hold in every real row, nor model 0/1 columns never "
        "set together as one category, nor let a column follow another it is a monotone function of",
    )
    p_fit.add_argument(
        "--epsilon",
        type=float,
        help="fit under differential privacy with this budget (needs the dp extra; --min-count is then unused)",
    )
    p_fit.add_argument(
        "--delta",
        type=float,
        help="the DP budget's delta, for categories chosen privately (e.g. 1e-6; needs --epsilon)",
    )
    p_fit.set_defaults(func=_cmd_fit)
    p_sample = sub.add_parser("sample", help="write synthetic rows as CSV or Parquet")
    p_sample.add_argument("target", help=target_help)
    p_sample.add_argument(
        "--trust",
        action="store_true",
        help="let the model file run code: a pickled (SDV) model, a derived column's function",
    )
    p_sample.add_argument("-n", default="100", help="number of rows (default 100)")
    p_sample.add_argument("--seed", default=None, help="seed for exactly reproducible rows")
    p_sample.add_argument(
        "--independent",
        action="store_true",
        help="draw rows independently of each other (default: spread evenly over the model, each row exact)",
    )
    p_sample.add_argument(
        "-o",
        "--output",
        default=None,
        help="output .csv or .parquet file (default: CSV on stdout); a directory with --workers or --scheduler",
    )
    p_sample.add_argument(
        "--format", choices=("csv", "parquet"), default=None, help="output format (default: from the -o file name)"
    )
    p_sample.add_argument(
        "--workers",
        type=_positive,
        metavar="N",
        help="write partitioned Parquet into the -o directory with Dask, on a local cluster of N worker processes "
        '(needs pip install "pytest-synthdata[dask]")',
    )
    p_sample.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="like --workers, on the running dask.distributed cluster at ADDRESS (e.g. tcp://10.0.0.5:8786)",
    )
    p_sample.add_argument(
        "--partition-rows",
        metavar="ROWS",
        help="rows a Parquet file (a Dask partition) holds with --workers or --scheduler (default: about 100 MB each)",
    )
    p_sample.set_defaults(func=_cmd_sample)
    p_inspect = sub.add_parser("inspect", help="summarise a dataset's columns and correlations")
    p_inspect.add_argument("target", help=target_help)
    p_inspect.add_argument(
        "--top", type=_positive, default=10, metavar="N", help="how many correlations to list (default 10)"
    )
    p_inspect.add_argument(
        "--trust",
        action="store_true",
        help="let the model file run code: a pickled (SDV) model, a derived column's function",
    )
    p_inspect.set_defaults(func=_cmd_inspect)
    p_report = sub.add_parser(
        "report", help="score a sample against real data or the model's stored profile; write the HTML report"
    )
    p_report.add_argument("target", help=target_help)
    p_report.add_argument(
        "real",
        nargs="*",
        help="the real data (.csv or .parquet); for a dataset file one per table, named after it (orders.csv); "
        "default: the profile the model file stores",
    )
    p_report.add_argument(
        "-o", "--output", help="write the visual report here (.html; needs pip install pytest-synthdata[report])"
    )
    p_report.add_argument(
        "-n", type=_positive, default=None, help="rows to sample (default: as many as the real data, else 2000)"
    )
    p_report.add_argument("--seed", default=None, help="seed of the sample (default 0)")
    p_report.add_argument(
        "--trust",
        action="store_true",
        help="let the model file run code: a pickled (SDV) model, a derived column's function",
    )
    p_report.set_defaults(func=_cmd_report)
    p_audit = sub.add_parser("audit", help="list what a model file reveals; exit 1 if it breaks the policy")
    p_audit.add_argument("model", help="the model file to audit, *.synth.json (a dataset file: each table's model)")
    p_audit.add_argument(
        "--real",
        action="append",
        help="the real data (.csv or .parquet): also run the tripwires on it; for a dataset file, repeat it for each "
        "table to check, the file named after the table (orders.csv)",
    )
    p_audit.add_argument("--k", type=int, default=5, help="fewest rows a stored value may stand for (default 5)")
    p_audit.add_argument("--max-epsilon", type=float, help="require a differentially private fit with this epsilon")
    p_audit.add_argument("--allow-pii", action="store_true", help="report personal-looking strings without failing")
    p_audit.add_argument("--seed", type=int, default=0, help="seed of the tripwires' split and samples (default 0)")
    p_audit.add_argument(
        "--splits", type=_positive, default=5, help="random halvings the row-level wires average over (default 5)"
    )
    p_audit.add_argument(
        "--max-copy-excess", type=float, default=0.01, help="exact copies of training rows allowed beyond held-out"
    )
    p_audit.add_argument("--max-dcr-share", type=float, default=0.6, help="share of rows closer to training (0.6)")
    p_audit.add_argument("--max-auc", type=float, default=0.6, help="membership-inference AUC allowed (default 0.6)")
    p_audit.set_defaults(func=_cmd_audit)
    args = parser.parse_args(argv)
    try:
        with _cli_warnings():
            return int(args.func(args))
    except BrokenPipeError:  # e.g. `synthdata sample ... | head`: the reader left, which is fine
        sys.stderr.close()
        return 0
    except SynthdataError as exc:
        return _error(_cli_message(str(exc)))
    except KeyboardInterrupt:
        print("synthdata: interrupted", file=sys.stderr)
        return 130
    except MemoryError:
        return _error(f"{_subject(args)}: not enough memory; ask for fewer rows (-n) or free some memory.")
    except RecursionError:
        return _error(f"{_subject(args)}: nested too deeply to read (a file of nested brackets?).")
    except OSError as exc:
        return _error(f"{_subject(args)}: {exc}")
    except Exception as exc:
        if args.traceback or os.environ.get(TRACEBACK_ENV, "") not in ("", "0"):
            raise
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        print(
            f"synthdata: internal error: {type(exc).__name__}: {first}\n"
            f"This is a bug in pytest-synthdata (or a plugin): please report it with the command and the output "
            f"of the same command with --traceback.",
            file=sys.stderr,
        )
        return INTERNAL_ERROR


@contextlib.contextmanager
def _cli_warnings() -> Iterator[None]:
    """Show each warning a command raises as one ``synthdata: warning: ...`` line on stderr, once.

    Python would print the file, line and source line of the ``warnings.warn`` call, once per distinct text, so
    ``audit --real`` (which fits the real data once per tripwire) repeated a warning about one column with each
    fit's example value. Here a warning about a column is shown once per kind of warning and column, and a fix
    written for Python (``columns={'d': 'datetime:%d/%m/%Y'}``) as the option that does it
    (``--column 'd=datetime:%d/%m/%Y'``).
    """
    import warnings

    shown: set[tuple[str, str]] = set()

    def show(message: Any, category: Any, filename: str, lineno: int, file: Any = None, line: Any = None) -> None:
        text = _cli_message(str(message))
        named = re.search(r"column ('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")", text)
        key = (getattr(category, "__name__", str(category)), named[1] if named else text)
        if key in shown:
            return
        shown.add(key)
        stream = sys.stderr if file is None else file
        with contextlib.suppress(OSError, ValueError):  # (stderr closed: the warning is lost, not the command)
            print(f"synthdata: warning: {text}", file=stream, flush=True)

    with warnings.catch_warnings():
        warnings.showwarning = show
        yield


def _cli_message(text: str) -> str:
    """A warning's text with a fix written for Python, ``columns={'x': 'kind'}``, written as ``--column 'x=kind'``.

    A message that already names the command line form after it (``columns={...} (synthdata fit --column ...)``)
    keeps that once.
    """
    text = re.sub(r"columns=\{'([^'\\]*)': '([^'\\]*)'\}", r"--column '\1=\2'", text)
    text = re.sub(r"columns=\{'([^'\\]*)': None\}", r"--column '\1=ignore'", text)
    # (declared bounds and categories: --public NAME=LOW:HIGH, --public NAME=A,B,C)
    text = re.sub(r"public=\{'([^'\\]*)': \(low, high\)\}", r"--public '\1=LOW:HIGH'", text)
    text = re.sub(r"public=\{'([^'\\]*)': \[\.\.\.\]\}", r"--public '\1=A,B,C'", text)
    return re.sub(r"(--column '[^']*') \((?:synthdata fit )?\1\)", r"\1", text)


def _error(message: str) -> int:
    """Print a usage error the way argparse's do (one line on stderr) and return its exit code, 2."""
    print(f"synthdata: error: {message}", file=sys.stderr)
    return 2


def _subject(args: argparse.Namespace) -> str:
    """What the command was working on, to name it in an error: its target or input file."""
    thing = getattr(args, "target", None) or getattr(args, "data", None) or getattr(args, "model", None)
    return f"{args.command} {thing!r}" if thing else args.command


def _positive(text: str) -> int:
    """An argparse type: a whole number, 1 or more."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number; pass 1 or more, e.g. 10") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not 1 or more; pass 1 or more, e.g. 10")
    return value


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
