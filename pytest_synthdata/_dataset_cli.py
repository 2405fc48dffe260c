"""The command line for Datasets: ``synthdata fit`` with several files and ``--relation``, ``sample`` and ``inspect``.

``cli.py`` hands over here when a command meets linked tables, so that the
single-table commands stay as they are.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from ._validate import check_name, rows_from_text, seed_from_text, suggest_name
from .errors import InvalidArgument, SynthdataError

__all__ = ["fit_dataset", "inspect_dataset", "sample_dataset"]


def _table_name(path: str) -> str:
    stem = Path(path).name.split(".")[0]
    return check_name(
        stem, argument="table name", where=f"data file {path!r}", fix=f"rename the file, e.g. {suggest_name(stem)}.csv"
    )


def fit_dataset(args: argparse.Namespace, name: str, output: Path, read_table: Any) -> int:
    """``synthdata fit a.csv b.csv --relation b.a_id=a.id -o shop.synth.json``: one dataset file."""
    from ._fit import KINDS, fit

    if args.constraint or args.public:
        raise SynthdataError(
            "--constraint and --public apply to one table; with several data files fit each constraint in Python "
            "(sd.fit(frames, constraints={'orders': [...]})) or drop them."
        )
    frames = {}
    for path in args.data:
        table = _table_name(path)
        if table in frames:
            raise SynthdataError(f"data file {path!r}: two files give the table {table!r}; rename one.")
        frames[table] = read_table(path)
    columns: dict[str, dict[str, str]] = {}
    for item in args.column or ():
        col, sep, kind = item.partition("=")
        table, dot, column = col.partition(".")
        if not sep or not dot or table not in frames or not column or kind not in KINDS:
            raise SynthdataError(
                f"--column {item!r}: with several data files write TABLE.COLUMN=KIND, TABLE one of {sorted(frames)} "
                f"and KIND one of {', '.join(KINDS)}."
            )
        columns.setdefault(table, {})[column] = kind
    started = time.perf_counter()
    try:
        dataset = fit(
            frames,
            name=name,
            relations=list(args.relation or ()),
            columns=columns or None,
            min_count=args.min_count,
            locale=args.locale,
            detect_constraints=not args.no_detect_constraints,
            **({} if args.epsilon is None and args.delta is None else {"epsilon": args.epsilon, "delta": args.delta}),
        )
    except InvalidArgument as exc:
        raise SynthdataError(str(exc).replace("relations: ", "--relation: ")) from None
    try:
        dataset.save(output)
    except (OSError, InvalidArgument) as exc:
        raise SynthdataError(f"output {str(output)!r} cannot be written: {exc}") from None
    elapsed = time.perf_counter() - started
    rows = ", ".join(f"{t} {len(frames[t])}" for t in dataset.order)
    print(f"fitted dataset {name!r} on {len(frames)} tables ({rows} rows) in {elapsed:.2f} s -> {output}")
    for relation in dataset.relations:
        print(f"  {relation}")
    return 0


def sample_dataset(args: argparse.Namespace, dataset: Any) -> int:
    """``synthdata sample shop.synth.json -n 100 -o DIR``: one CSV (or Parquet) file per table in DIR."""
    if args.output in (None, "-"):
        raise SynthdataError(
            f"{dataset.name!r} is a dataset of {len(dataset.order)} tables: give a directory with -o, one file per table."
        )
    if args.workers is not None or args.scheduler is not None or args.independent:
        raise SynthdataError("--workers, --scheduler and --independent sample single tables; drop them for a dataset.")
    kind = args.format or "csv"
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    rows = rows_from_text(args.n, argument="-n")
    seed = None if args.seed is None else seed_from_text(args.seed, argument="--seed", others="leave it out")
    frames = dataset.sample(rows, seed=seed)
    for table, frame in frames.items():
        path = out / f"{table}.{kind}"
        if kind == "parquet":
            frame.to_parquet(path, index=False)
        else:
            frame.to_csv(path, index=False)
    first = next(iter(frames.values()))
    shown = ", ".join(f"{t} {len(f)}" for t, f in frames.items())
    print(
        f"synthdata: dataset {dataset.name!r} ({shown} rows), seed {first.attrs['synthdata']['seed']} -> {out}/",
        file=sys.stderr,
    )
    return 0


def inspect_dataset(dataset: Any) -> int:
    """``synthdata inspect shop.synth.json``: the tables, their columns and keys, and the relations."""
    from ._columns import column_role  # (numpy and pandas only when a dataset is inspected)

    print(f"dataset {dataset.name!r}: {len(dataset.order)} tables, {len(dataset.relations)} relations")
    for relation in dataset.relations:
        print(f"  {relation}")
    for table in dataset.order:
        plan = dataset._plan[table]
        model = plan.model
        print(
            f"table {table!r}: {len(dataset.columns(table))} columns"
            + (f", primary key {plan.key!r}" if plan.key else "")
        )
        for column in dataset.columns(table):
            if column in model.columns:
                col = model.column(column)
                print(f"  {column:<24} {col.kind:<9} {column_role(col)}  {col.describe()}")
            else:
                print(f"  {column:<24} key")
        for child, how in plan.counts.items():
            print(f"  rows of {child!r} per row: {how if isinstance(how, str) else how.column('n').describe()}")
        for column in sorted(plan.hidden):
            if column.startswith("#"):
                print(f"  rows of {column[1:]!r} per row: {model.column(column).describe()} (a column of the copula)")
        if plan.context:
            assert plan.parent is not None
            print(f"  conditioned on its {plan.parent.parent!r} row's {', '.join(plan.context)}")
        for low, high, strict in plan.cross:
            print(f"  keeps {low} {'<' if strict else '<='} {high} (across tables)")
    return 0
