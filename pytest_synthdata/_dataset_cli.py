"""The command line for Datasets: ``synthdata fit`` with several files and ``--relation``; ``sample``, ``inspect``,
``report`` and ``audit`` of a dataset file.

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

__all__ = [
    "audit_dataset_real",
    "fit_dataset",
    "inspect_dataset",
    "read_real_tables",
    "report_dataset",
    "sample_dataset",
]


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
        raise SynthdataError(
            f"--workers, --scheduler and --independent sample single tables; {dataset.name!r} is a dataset, whose "
            "linked tables are sampled together in one process (a child's rows follow its parents'): drop them."
        )
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


def read_real_tables(paths: list[str], dataset: Any, read_real: Any, *, every: bool) -> dict[str, Any]:
    """The real tables of ``dataset`` from their data files, each named after its table as for ``fit``.

    ``read_real(path, model)`` reads one file as the table's model was fitted; ``every`` requires a file per table.
    """
    frames: dict[str, Any] = {}
    named = ", ".join(f"{t}.csv" for t in dataset.order)
    for path in paths:
        table = Path(path).name.split(".")[0]
        if table not in dataset.order:
            raise SynthdataError(
                f"real data file {path!r}: dataset {dataset.name!r} has no table {table!r}; name each file after its "
                f"table, as for fit ({named})."
            )
        if table in frames:
            raise SynthdataError(f"real data file {path!r}: two files give the table {table!r}; pass one.")
        frames[table] = read_real(path, dataset.model(table))
    missing = [t for t in dataset.order if t not in frames]
    if every and missing:
        raise SynthdataError(
            f"dataset {dataset.name!r} has {len(dataset.order)} tables: give one real data file per table, named after "
            f"it ({named}); missing {', '.join(repr(t) for t in missing)}."
        )
    return frames


def report_dataset(args: argparse.Namespace, dataset: Any, read_real: Any) -> int:
    """``synthdata report shop.synth.json [customers.csv orders.csv]``: each table's scores, and the relations'.

    With a real data file per table, the sample is scored against the real tables (``fidelity_report`` of linked
    tables: tables, cardinality, parent-child pairs, referential integrity); without, each table's sample against
    the profile its model stores.
    """
    from ._fidelity.reference import reference_for
    from ._fidelity.report import fidelity_report

    real = read_real_tables(args.real, dataset, read_real, every=True) if args.real else None
    seed = 0 if args.seed is None else seed_from_text(args.seed, argument="--seed")
    if args.n is None and real is not None:  # as many rows as the real root tables
        synthetic = dataset.sample(seed=seed, sizes={t: len(real[t]) for t in dataset.roots})
    else:
        synthetic = dataset.sample(args.n if args.n is not None else 2000, seed=seed)
    if real is not None:
        linked = fidelity_report(real, synthetic, relations=dataset)
        print(linked.summary())
        reports = linked.tables
    else:
        print(
            f"dataset {dataset.name!r}: each table's sample against the profile its model stores (give one real data "
            "file per table to score the relations too)"
        )
        reports = {}
        for table, model in dataset.tables.items():
            # (the profile's own columns: keys are generated, and the model's bookkeeping columns are not sampled)
            columns = [c for c in reference_for(model).columns() if c in synthetic[table].columns]
            reports[table] = fidelity_report(model, synthetic[table], columns=columns or None)
    for table, report in reports.items():
        print(f"table {table!r}: {report.summary()}")
        print(report.columns[["column", "metric", "score"]].to_string(index=False, float_format="%.3f"))
    if real is not None and len(linked.relations):
        print(linked.relations[["relation", "metric", "score"]].to_string(index=False, float_format="%.3f"))
    if args.output:
        out = Path(args.output)
        suffix = out.suffix or ".html"
        for table, report in reports.items():  # (one page a table: report.html -> report.customers.html)
            print(f"wrote {report.to_html(out.with_name(f'{out.stem}.{table}{suffix}'))}")
    return 0


def tripwires(args: argparse.Namespace, frame: Any, model: Any, report: Any) -> Any:
    """``synthdata audit --real``'s tripwires on ``frame`` with the command's settings, into ``report`` (returned);
    a differentially private model's fits run under its own budget."""
    from ._audit import audit_real, dp_settings

    return audit_real(
        frame,
        k=args.k,
        seed=args.seed,
        splits=args.splits,
        max_copy_excess=args.max_copy_excess,
        max_dcr_share=args.max_dcr_share,
        max_auc=args.max_auc,
        report=report,
        **dp_settings(getattr(model, "info", {})),
    )


def audit_dataset_real(args: argparse.Namespace, dataset: Any, report: Any, read_real: Any) -> None:
    """``synthdata audit shop.synth.json --real customers.csv [--real orders.csv]``: each given table's real rows.

    The stored values of the table's model are counted in its real rows, and the tripwires run on its modelled
    columns (key columns are generated, not fitted); findings name the table (``tables.<table>.``) or the file.
    """
    from dataclasses import replace

    from ._audit import AuditReport, audit_held

    paths = {Path(p).name.split(".")[0]: p for p in args.real}
    for table, frame in read_real_tables(args.real, dataset, read_real, every=False).items():
        model = dataset.model(table)
        audit_held(args.model, frame, k=args.k, report=report, table=table)
        wires = tripwires(
            args, frame[[c for c in frame.columns if c in model.columns]], model, AuditReport(report.source)
        )
        report.findings += [
            replace(f, where=f.where.replace("--real", f"--real {paths[table]}", 1)) for f in wires.findings
        ]
