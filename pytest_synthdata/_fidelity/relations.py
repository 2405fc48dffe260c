"""Fidelity of linked tables: each table's report, plus how the tables hang together.

``fidelity_report(real_tables, synthetic_tables, relations=...)`` (a dict of
frames on each side; ``relations`` a list of ``("child.col", "parent.col")``
or the :class:`~pytest_synthdata.Dataset` that made the synthetic tables)
returns a :class:`DatasetFidelityReport`:

* ``tables``: a :class:`~pytest_synthdata.FidelityReport` per table, key
  columns left out (generated ids resemble nothing);
* ``relations``, per foreign key: **Cardinality**, the KSComplement of the
  number of child rows per parent row (parents without children count 0),
  as SDMetrics' CardinalityShapeSimilarity; **ReferentialIntegrity**, the
  share of the synthetic child rows whose (non-missing) key refers to an
  existing parent row;
* ``pairs``: parent-child column associations, each parent column against
  each child column over the child rows joined to their parent rows:
  CorrelationSimilarity (both continuous) or ContingencySimilarity, with the
  single-table report's rule for which pairs count (real |r| > 0.5 or real
  Cramér's V > 0.3).

``score`` is the mean of four parts (NaN skipped): the tables' mean score,
mean cardinality, mean contributing parent-child pair score, and mean
referential integrity. Children shuffled across parents keep every table's
own score, their integrity and (a permutation keeps each parent's count) their
cardinality; only the parent-child pairs the real data associates strongly
catch the shuffle.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import InvalidArgument
from . import metrics
from .reference import CONTINUOUS
from .report import (
    REAL_ASSOCIATION_THRESHOLD,
    REAL_CORRELATION_THRESHOLD,
    FidelityReport,
    _check_synthetic,
    _frame,
    _nanmean,
    fidelity_report,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["DatasetFidelityReport", "dataset_report"]

RELATION_FIELDS = ["relation", "metric", "score", "real", "synthetic"]
CROSS_FIELDS = ["relation", "column_1", "column_2", "metric", "score", "real", "synthetic", "contributes"]


@dataclass
class DatasetFidelityReport:
    """Scores of synthetic linked tables against the real ones (see the module docstring).

    ``tables`` maps each table to its report; ``relations`` (one row per
    foreign key and metric: Cardinality, ReferentialIntegrity) and ``pairs``
    (parent column, child column) are tables of scores.
    """

    tables: dict[str, FidelityReport]
    relations: pd.DataFrame
    pairs: pd.DataFrame

    @property
    def table_scores(self) -> float:
        """The mean of the tables' overall scores (NaN skipped)."""
        return _nanmean(r.score for r in self.tables.values())

    @property
    def cardinality(self) -> float:
        """The mean Cardinality (KSComplement of children per parent) over the relations."""
        return _nanmean(self.relations.loc[self.relations["metric"] == "Cardinality", "score"])

    @property
    def integrity(self) -> float:
        """The mean ReferentialIntegrity (share of valid foreign keys) over the relations."""
        return _nanmean(self.relations.loc[self.relations["metric"] == "ReferentialIntegrity", "score"])

    @property
    def parent_child_trends(self) -> float:
        """The mean score of the parent-child column pairs that count (NaN when none does)."""
        return _nanmean(self.pairs.loc[self.pairs["contributes"].astype(bool), "score"])

    @property
    def score(self) -> float:
        """The overall score: the mean of the four parts above (NaN skipped), in [0, 1]."""
        return _nanmean([self.table_scores, self.cardinality, self.parent_child_trends, self.integrity])

    def summary(self) -> str:
        """One line: the overall score and its parts."""
        tables = ", ".join(f"{t} {r.score:.3f}" for t, r in self.tables.items())
        return (
            f"fidelity {self.score:.3f} of linked tables (tables {self.table_scores:.3f}: {tables}; cardinality "
            f"{self.cardinality:.3f}, parent-child trends {self.parent_child_trends:.3f}, referential integrity "
            f"{self.integrity:.3f})"
        )

    def __str__(self) -> str:
        return self.summary()

    def to_frame(self) -> pd.DataFrame:
        """Every score in one long table: each table's ``to_frame()`` with a ``table`` column, then the relations'."""
        import pandas as pd

        parts = [r.to_frame().assign(table=t) for t, r in self.tables.items()]
        parts.append(
            pd.DataFrame(
                {
                    "property": "Relations",
                    "column_1": self.relations["relation"],
                    "column_2": None,
                    "metric": self.relations["metric"],
                    "score": self.relations["score"],
                    "table": None,
                }
            )
        )
        parts.append(
            pd.DataFrame(
                {
                    "property": "Parent-Child Trends",
                    "column_1": self.pairs["column_1"],
                    "column_2": self.pairs["column_2"],
                    "metric": self.pairs["metric"],
                    "score": self.pairs["score"],
                    "table": None,
                }
            )
        )
        return pd.concat([p for p in parts if len(p)], ignore_index=True)


def _relations(relations: Any) -> list[Any]:
    from .._dataset import parse_relation

    if getattr(relations, "linked_tables", False):
        return list(relations.relations)
    if relations is None or isinstance(relations, (str, tuple)) or not isinstance(relations, Sequence):
        raise InvalidArgument(
            "fidelity_report of linked tables needs relations=: the Dataset that made the synthetic tables, or a "
            f"list such as [('orders.customer_id', 'customers.id')]; got {relations!r}."
        )
    return [parse_relation(r, where="fidelity_report: relations") for r in relations]


def _tables(real: Any, synthetic: Any, relations: list[Any]) -> None:
    import pandas as pd

    for side, tables in (("real", real), ("synthetic", synthetic)):
        if not isinstance(tables, Mapping) or not all(isinstance(f, pd.DataFrame) for f in tables.values()):
            raise InvalidArgument(
                f"fidelity_report of linked tables: {side} must be a dict of table name -> DataFrame; got "
                f"{type(tables).__name__}."
            )
    if set(real) != set(synthetic):
        raise InvalidArgument(
            f"fidelity_report of linked tables: the real tables {sorted(real)} and the synthetic ones "
            f"{sorted(synthetic)} differ; compare the same tables."
        )
    for rel in relations:
        for table, column in ((rel.child, rel.column), (rel.parent, rel.key)):
            for side, tables in (("real", real), ("synthetic", synthetic)):
                if table not in tables or column not in tables[table].columns:
                    raise InvalidArgument(
                        f"fidelity_report: relation {rel} names {table}.{column}, which the {side} tables lack."
                    )


def _positions(child: pd.DataFrame, rel: Any, parent: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Each child row's parent row (-1: none) and whether its key is present."""
    import pandas as pd

    keys = child[rel.column]
    present = keys.notna().to_numpy()
    index = pd.Index(parent[rel.key])
    if not index.is_unique:
        raise InvalidArgument(
            f"fidelity_report: {rel.parent}.{rel.key} repeats values, so it is not a key; relation {rel} needs one."
        )
    return index.get_indexer(keys).astype(np.int64), present


def _children_per_parent(child: pd.DataFrame, rel: Any, parent: pd.DataFrame) -> np.ndarray:
    pos, _ = _positions(child, rel, parent)
    return np.bincount(pos[pos >= 0], minlength=len(parent)).astype(np.int64)


def _joined(child: pd.DataFrame, rel: Any, parent: pd.DataFrame, keys: set[tuple[str, str]]) -> pd.DataFrame:
    """The child rows with a parent row, each beside its parent row's columns (``parent.col`` / ``child.col``)."""
    import pandas as pd

    pos, _ = _positions(child, rel, parent)
    keep = pos >= 0
    own = child.loc[keep, [c for c in child.columns if (rel.child, c) not in keys]]
    theirs = parent.iloc[pos[keep]][[c for c in parent.columns if (rel.parent, c) not in keys]]
    return pd.concat(
        [
            theirs.set_axis([f"{rel.parent}.{c}" for c in theirs.columns], axis=1).reset_index(drop=True),
            own.set_axis([f"{rel.child}.{c}" for c in own.columns], axis=1).reset_index(drop=True),
        ],
        axis=1,
    )


def dataset_report(
    real: Mapping[str, pd.DataFrame],
    synthetic: Mapping[str, pd.DataFrame],
    *,
    relations: Any,
    correlation_threshold: float = REAL_CORRELATION_THRESHOLD,
    association_threshold: float = REAL_ASSOCIATION_THRESHOLD,
) -> DatasetFidelityReport:
    """Score synthetic linked tables against the real ones: a :class:`DatasetFidelityReport`.

    >>> import pandas as pd
    >>> import pytest_synthdata as sd
    >>> customers = pd.DataFrame({"id": [1, 2, 3], "age": [30, 40, 50]})
    >>> orders = pd.DataFrame({"customer_id": [1, 1, 3], "total": [5.0, 7.0, 9.0]})
    >>> tables = {"customers": customers, "orders": orders}
    >>> report = sd.fidelity_report(tables, tables, relations=[("orders.customer_id", "customers.id")])
    >>> report.cardinality, report.integrity
    (1.0, 1.0)
    """
    from .frame import FrameReference

    rels = _relations(relations)
    _tables(real, synthetic, rels)
    keys = {(r.child, r.column) for r in rels} | {(r.parent, r.key) for r in rels}
    reports = {}
    for table, frame in real.items():
        # (the table's own columns, keys left out; id-like and all-missing columns as a single table's report
        # treats them: skipped with why, or scored)
        columns = [str(c) for c in frame.columns if (table, c) not in keys]
        reports[table] = fidelity_report(frame[columns], synthetic[table])
    rel_table: dict[str, list[Any]] = {name: [] for name in RELATION_FIELDS}
    cross: dict[str, list[Any]] = {name: [] for name in CROSS_FIELDS}
    for rel in rels:
        real_counts = _children_per_parent(real[rel.child], rel, real[rel.parent])
        syn_counts = _children_per_parent(synthetic[rel.child], rel, synthetic[rel.parent])
        ks = metrics.ks_from_counts(metrics.distinct_counts(real_counts), metrics.distinct_counts(syn_counts))
        pos, present = _positions(synthetic[rel.child], rel, synthetic[rel.parent])
        real_pos, real_present = _positions(real[rel.child], rel, real[rel.parent])
        valid = float((pos[present] >= 0).mean()) if present.any() else float("nan")
        real_valid = float((real_pos[real_present] >= 0).mean()) if real_present.any() else float("nan")
        rows = [
            ("Cardinality", 1.0 - ks, float(real_counts.mean()) if len(real_counts) else math.nan),
            ("ReferentialIntegrity", valid, real_valid),
        ]
        for metric, score, real_value in rows:
            rel_table["relation"].append(str(rel))
            rel_table["metric"].append(metric)
            rel_table["score"].append(score)
            rel_table["real"].append(real_value)
            rel_table["synthetic"].append(
                float(syn_counts.mean()) if metric == "Cardinality" and len(syn_counts) else score
            )
        real_joined = _joined(real[rel.child], rel, real[rel.parent], keys)
        if not len(real_joined):
            continue
        reference = FrameReference(real_joined, argument=f"real {rel}")
        kinds = reference.columns()
        parents = [c for c in kinds if c.startswith(f"{rel.parent}.")]
        children = [c for c in kinds if c.startswith(f"{rel.child}.")]
        syn_joined = _joined(synthetic[rel.child], rel, synthetic[rel.parent], keys)
        if not len(syn_joined) or not parents or not children:
            continue
        pair_kinds = {c: kinds[c] for c in parents + children}
        prepared = reference.prepare(_check_synthetic(syn_joined, reference, pair_kinds))
        for a in parents:
            for b in children:
                both = kinds[a] in CONTINUOUS and kinds[b] in CONTINUOUS
                pair = (
                    reference.correlation_similarity(a, b, prepared)
                    if both
                    else reference.contingency_similarity(a, b, prepared)
                )
                threshold = correlation_threshold if both else association_threshold
                cross["relation"].append(str(rel))
                cross["column_1"].append(a)
                cross["column_2"].append(b)
                cross["metric"].append(pair.metric)
                cross["score"].append(pair.score)
                cross["real"].append(pair.real)
                cross["synthetic"].append(pair.synthetic)
                cross["contributes"].append(bool(abs(pair.real) > threshold) and not math.isnan(pair.score))
    floats = {"score": np.float64, "real": np.float64, "synthetic": np.float64}
    return DatasetFidelityReport(
        tables=reports,
        relations=_frame(rel_table, floats),
        pairs=_frame(cross, {**floats, "contributes": bool}),
    )


#: Metric names a tolerance may name besides the single-table ones.
RELATION_METRICS = ("Cardinality", "ReferentialIntegrity")


def check_dataset(
    report: DatasetFidelityReport,
    *,
    min_score: float,
    min_column_score: float,
    min_pair_score: float | None,
    tolerances: dict[Any, float],
    noise: bool = True,
) -> None:
    """Raise FidelityError listing every failed check of linked tables (``assert_fidelity(..., relations=...)``).

    The checks of each table (columns as ``"table.column"`` in messages and ``tolerances``), each relation's
    Cardinality (``min_column_score``; tolerance key: the metric or the relation's text) and
    ReferentialIntegrity (1.0), each contributing parent-child pair (``min_pair_score``; key: the pair of
    ``"parent.column"``, ``"child.column"``), and the overall score.
    """
    from dataclasses import replace

    from ..errors import FidelityError
    from .assertions import SLACK, Failure, _column_failures, _floor, _noise, _pair_failures, _relax, _threshold

    singles = {"KSComplement", "TVComplement", "CorrelationSimilarity", "ContingencySimilarity"}
    singles |= {"MissingValueSimilarity", "CategoryCoverage", "RangeCoverage", *RELATION_METRICS}
    relations = set(report.relations["relation"])
    pairs = zip(report.pairs["column_1"], report.pairs["column_2"], strict=True)
    cross = {tuple(sorted((str(a), str(b)))) for a, b in pairs}
    names = {f"{t}.{c}" for t, r in report.tables.items() for c in r.columns["column"]}
    for key in tolerances:
        parts = key if isinstance(key, tuple) else (key,)
        if key in singles or key in relations or key in cross or all(p in names for p in parts):
            continue
        raise InvalidArgument(
            f"tolerances names {key!r}, which is neither a metric ({sorted(singles)}), a relation "
            f"({sorted(relations)}), a 'table.column' nor a pair of them; fix the name."
        )
    failures: list[Failure] = []
    for table, sub in report.tables.items():
        prefix = f"{table}."
        tol: dict[Any, float] = {k: v for k, v in tolerances.items() if isinstance(k, str) and k in singles}
        for key, value in tolerances.items():
            parts = key if isinstance(key, tuple) else (key,)
            if all(isinstance(p, str) and p.startswith(prefix) for p in parts) and key not in cross:
                inner = tuple(sorted(p[len(prefix) :] for p in parts))
                tol[inner if isinstance(key, tuple) else inner[0]] = value
        checks = _noise(sub, noise)
        for failure in _column_failures(sub, tol, min_column_score, missing=True, noise=checks) + _pair_failures(
            sub.pairs, tol, min_pair_score, None, noise=checks, report=sub
        ):
            failures.append(replace(failure, where=f"table {table!r} {failure.where}"))
    for row in report.relations.to_dict("records"):
        metric, score = str(row["metric"]), float(row["score"])
        default = min_column_score if metric == "Cardinality" else 1.0
        key = str(row["relation"]) if metric == "Cardinality" and str(row["relation"]) in tolerances else metric
        limit = _threshold(tolerances, key, metric, default)
        if not math.isnan(score) and score < limit - SLACK:
            detail = (
                f"children per parent: real mean {row['real']:.2f}, synthetic {row['synthetic']:.2f}"
                if metric == "Cardinality"
                else f"the real data's share: {row['real']:.3f}"
            )
            failures.append(Failure(f"relation {row['relation']}", metric, score, limit, _relax(key, score), detail))
    failures += _pair_failures(report.pairs, tolerances, min_pair_score, None, label="parent-child pair")
    if report.score < min_score - SLACK:
        failures.append(
            Failure("overall", "score", report.score, min_score, f"min_score={_floor(report.score)}", report.summary())
        )
    if failures:
        failures.sort(key=lambda f: -f.shortfall)
        head = f"fidelity of linked tables {sorted(report.tables)}: {len(failures)} check"
        head += f"{'s' if len(failures) > 1 else ''} failed, worst first:"
        raise FidelityError("\n".join([head, *("  " + f.line() for f in failures)]), failures)
