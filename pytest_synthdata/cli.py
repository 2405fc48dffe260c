"""The ``synthdata`` console script.

``synthdata sample TARGET -n 1000 --seed 7 -o out.csv`` samples a dataset,
where TARGET names a Schema or Model as ``package.module:attribute`` or
``path/to/file.py:attribute``; ``synthdata inspect TARGET`` summarises it.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import __version__
from .errors import SynthdataError

__all__ = ["main"]


def _load_target(target: str) -> Any:
    module_ref, sep, attr = target.rpartition(":")
    if not sep or not module_ref or not attr:
        raise SynthdataError(f"target {target!r} must look like 'package.module:name' or 'path/to/file.py:name'.")
    if module_ref.endswith(".py") or "/" in module_ref:
        path = Path(module_ref)
        if not path.is_file():
            raise SynthdataError(f"target {target!r}: file {module_ref!r} does not exist.")
        spec = importlib.util.spec_from_file_location(f"_synthdata_target_{path.stem}", path)
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
    kind = "csv" if out is None or out == "-" else Path(out).suffix.lower().lstrip(".")
    if kind not in ("csv", "parquet"):
        raise SynthdataError(f"output {out!r}: use a .csv or .parquet file name, or '-' for CSV on stdout.")
    if kind == "parquet" and importlib.util.find_spec("pyarrow") is None:
        raise SynthdataError("writing .parquet needs pyarrow: pip install pyarrow (or write .csv).")
    if out not in (None, "-") and not Path(out).resolve().parent.is_dir():
        raise SynthdataError(f"output {out!r}: directory {str(Path(out).parent)!r} does not exist.")
    model = _load_target(args.target)
    frame = model.sample(args.n, seed=args.seed)
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


def _cmd_inspect(args: argparse.Namespace) -> int:
    model = _load_target(args.target)
    print(f"dataset {model.name!r}: {len(model.columns)} columns")
    for name, dtype in model.dtypes.items():
        col = model.column(name)
        role = "modelled" if col.modelled else "generated"
        nulls = f", {col.null_rate:.0%} null" if col.null_rate else ""
        print(f"  {name:<24} {col.kind:<9} {dtype:<15} {role}{nulls}")
    constraints = getattr(model, "constraints", [])
    if constraints:
        print("constraints (hold in every row):")
        for c in constraints:
            print(f"  {c.low} {'<' if c.strict else '<='} {c.high}")
    pairs = getattr(model, "correlations", {})
    if pairs:
        print("rank correlations (Spearman):")
        for (a, b), value in sorted(pairs.items(), key=lambda kv: -abs(kv[1])):
            print(f"  {a} ~ {b}: {value:+.3f}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``synthdata`` command line; return its exit code."""
    parser = argparse.ArgumentParser(prog="synthdata", description="Sample and inspect pytest-synthdata datasets.")
    parser.add_argument("--version", action="version", version=f"pytest-synthdata {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    p_sample = sub.add_parser("sample", help="write synthetic rows as CSV or Parquet")
    p_sample.add_argument("target", help="package.module:name or path/to/file.py:name of a Schema or Model")
    p_sample.add_argument("-n", type=int, default=100, help="number of rows (default 100)")
    p_sample.add_argument("--seed", type=int, default=None, help="seed for exactly reproducible rows")
    p_sample.add_argument("-o", "--output", default=None, help="output .csv or .parquet file (default: CSV on stdout)")
    p_sample.set_defaults(func=_cmd_sample)
    p_inspect = sub.add_parser("inspect", help="summarise a dataset's columns and correlations")
    p_inspect.add_argument("target", help="package.module:name or path/to/file.py:name of a Schema or Model")
    p_inspect.set_defaults(func=_cmd_inspect)
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except BrokenPipeError:  # e.g. `synthdata sample ... | head`: the reader left, which is fine
        sys.stderr.close()
        return 0
    except SynthdataError as exc:
        print(f"synthdata: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
