"""``fidelity_report``: per-column and per-pair scores of synthetic data against a reference, and their summary."""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload

import numpy as np

from ..errors import InvalidArgument
from . import metrics
from .reference import CONTINUOUS, Prepared, Reference, reference_for

if TYPE_CHECKING:
    import pandas as pd

    from .._dataset import Dataset
    from .relations import DatasetFidelityReport

__all__ = ["FidelityReport", "fidelity_report"]

COLUMN_FIELDS = [
    "column",
    "sdtype",
    "metric",
    "score",
    "missing_real",
    "missing_synthetic",
    "missing_similarity",
    "coverage_metric",
    "coverage",
    "note",
]
PAIR_FIELDS = ["column_1", "column_2", "metric", "score", "real", "synthetic", "contributes"]
#: SDMetrics 0.32's QualityReport averages only pairs whose real |Pearson r| is above this ...
REAL_CORRELATION_THRESHOLD = 0.5
#: ... or whose real Cramér's V is above this (the other pairs are scored, but do not count in Column Pair Trends).
REAL_ASSOCIATION_THRESHOLD = 0.3


def _nanmean(values: Any) -> float:
    finite = [float(v) for v in values if not math.isnan(float(v))]
    return float(np.mean(finite)) if finite else float("nan")


@dataclass
class FidelityReport:
    """Scores of one synthetic frame against a reference, in SDMetrics QualityReport terms.

    ``score`` is the mean of ``column_shapes`` (mean KS/TV complement over the
    columns) and ``column_pair_trends`` (mean correlation/contingency
    similarity over the pairs), NaN scores skipped, as SDMetrics' overall
    quality score. ``columns`` and ``pairs`` are the per-column and per-pair
    tables; ``detection``, ``utility`` and ``privacy`` are filled when asked for.
    """

    columns: pd.DataFrame
    pairs: pd.DataFrame
    reference: str
    exact: bool
    rows: int
    detection: metrics.DetectionResult | None = None
    utility: metrics.UtilityResult | None = None
    privacy: metrics.PrivacyResult | None = None
    _reference: Reference | None = field(default=None, repr=False, compare=False)
    _synthetic: pd.DataFrame | None = field(default=None, repr=False, compare=False)

    @property
    def column_shapes(self) -> float:
        """Column Shapes: mean KSComplement / TVComplement over the columns (NaN skipped)."""
        return _nanmean(self.columns["score"])

    @property
    def column_pair_trends(self) -> float:
        """Column Pair Trends: mean CorrelationSimilarity / ContingencySimilarity over the contributing pairs.

        As in SDMetrics 0.32, a pair contributes when its real |r| is above
        0.5 (two continuous columns) or its real Cramér's V above 0.3 (others);
        NaN when no pair does.
        """
        return _nanmean(self.pairs.loc[self.pairs["contributes"].astype(bool), "score"])

    @property
    def score(self) -> float:
        """The overall score: the mean of Column Shapes and Column Pair Trends (NaN skipped), in [0, 1]."""
        return _nanmean([self.column_shapes, self.column_pair_trends])

    def to_frame(self) -> pd.DataFrame:
        """Every score in one long table: ``property``, ``column_1``, ``column_2`` (empty for a column), ``metric``, ``score``."""
        import pandas as pd

        cols = self.columns
        parts = [
            pd.DataFrame(
                {"property": "Column Shapes", "column_1": cols["column"], "column_2": None, "metric": cols["metric"]}
                | {"score": cols["score"]}
            ),
            pd.DataFrame(
                {
                    "property": "Column Pair Trends",
                    "column_1": self.pairs["column_1"],
                    "column_2": self.pairs["column_2"],
                    "metric": self.pairs["metric"],
                    "score": self.pairs["score"],
                }
            ),
            pd.DataFrame(
                {
                    "property": "Missing Values",
                    "column_1": cols["column"],
                    "column_2": None,
                    "metric": "MissingValueSimilarity",
                    "score": cols["missing_similarity"],
                }
            ),
            pd.DataFrame(
                {
                    "property": "Coverage",
                    "column_1": cols["column"],
                    "column_2": None,
                    "metric": cols["coverage_metric"],
                    "score": cols["coverage"],
                }
            ),
        ]
        parts = [p for p in parts if len(p)]
        if not parts:
            return pd.DataFrame(columns=["property", "column_1", "column_2", "metric", "score"])
        return pd.concat(parts, ignore_index=True)

    def summary(self) -> str:
        """One line: the overall score and its two parts, against what."""
        text = (
            f"fidelity {self.score:.3f} (column shapes {self.column_shapes:.3f}, pair trends "
            f"{self.column_pair_trends:.3f}) of {self.rows} synthetic rows against {self.reference}"
        )
        if self.detection is not None:
            text += f"; detection {self.detection.score:.3f} (AUC {self.detection.auc:.3f})"
        return text

    def __str__(self) -> str:
        return self.summary()

    def to_html(self, path: str | Path) -> Path:
        """Write a self-contained HTML page with a figure per column and correlation heatmaps; return its path.

        Needs matplotlib (``pip install pytest-synthdata[report]``).
        """
        from .html import write_html

        return write_html(self, Path(path))


def _check_synthetic(synthetic: Any, reference: Reference, kinds: dict[str, str]) -> pd.DataFrame:
    import pandas as pd

    if not isinstance(synthetic, pd.DataFrame):
        raise InvalidArgument(
            f"synthetic={synthetic!r} ({type(synthetic).__name__}) is not a pandas DataFrame; pass the sampled frame."
        )
    duplicated = synthetic.columns[synthetic.columns.duplicated()].unique().tolist()
    if duplicated:
        raise InvalidArgument(
            f"synthetic has more than one column named {duplicated[0]!r}; give every column its own name."
        )
    missing = [c for c in kinds if c not in synthetic.columns]
    if missing:
        raise InvalidArgument(
            f"synthetic has no column {missing[0]!r}{' (and ' + str(len(missing) - 1) + ' more)' if len(missing) > 1 else ''}, "
            f"which {reference.describe()} has; sample every column, or pass columns=[...] to compare fewer."
        )
    if not len(synthetic):
        raise InvalidArgument("synthetic has no rows; sample at least one row to compare.")
    for col, kind in kinds.items():
        dtype = synthetic[col].dtype
        if synthetic[col].notna().any() and (
            (
                kind == "numerical"
                and not (pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype))
            )
            or (kind == "datetime" and not pd.api.types.is_datetime64_any_dtype(dtype))
        ):
            raise InvalidArgument(
                f"column {col!r} is {kind} in {reference.describe()} but synthetic[{col!r}] has dtype {dtype}; "
                f"convert it (pd.to_numeric / pd.to_datetime) before comparing."
            )
        if kind == "datetime":
            _check_time_zone(col, _real_dtype(reference, col), dtype, reference)
    return synthetic


def _real_dtype(reference: Reference, column: str) -> Any:
    """The real column's dtype, when the reference knows it (real rows, or the model's recorded dtypes)."""
    real = getattr(reference, "real", None)
    if real is not None:
        return real[column].dtype
    dtypes = getattr(getattr(reference, "model", None), "dtypes", None)
    if isinstance(dtypes, dict) and column in dtypes:
        import pandas as pd

        try:
            return pd.api.types.pandas_dtype(dtypes[column])
        except (TypeError, ValueError):
            return None
    return None


def _check_time_zone(column: str, real: Any, synthetic: Any, reference: Reference) -> None:
    """Raise InvalidArgument when one side's timestamps carry a time zone and the other's do not."""
    if real is None:
        return
    real_tz, syn_tz = getattr(real, "tz", None), getattr(synthetic, "tz", None)
    if (real_tz is None) != (syn_tz is None):
        aware, naive = ("real", "synthetic") if real_tz is not None else ("synthetic", "real")
        zone = real_tz if real_tz is not None else syn_tz
        raise InvalidArgument(
            f"column {column!r}: the {aware} timestamps are in time zone {zone} but the {naive} ones have none "
            f"({reference.describe()}); naive times cannot be placed on the same clock. Localise the naive side "
            f"(.dt.tz_localize({str(zone)!r})) or drop the zone (.dt.tz_convert('UTC').dt.tz_localize(None))."
        )


def _pick_columns(reference: Reference, columns: Any) -> dict[str, str]:
    kinds = reference.columns()
    if columns is None:
        return kinds
    if isinstance(columns, str) or not all(isinstance(c, str) for c in columns):
        raise InvalidArgument(f"columns={columns!r} must be a list of column names, such as ['age', 'income'].")
    unknown = [c for c in columns if c not in kinds]
    if unknown:
        raise InvalidArgument(
            f"columns names {unknown[0]!r}, which {reference.describe()} does not score; use some of {list(kinds)}."
        )
    return {c: kinds[c] for c in columns}


def _frame(table: dict[str, list[Any]], dtypes: dict[str, Any]) -> pd.DataFrame:
    """A result table from its columns: numbers as numpy arrays of their dtype, names as objects (no copies)."""
    import pandas as pd

    return pd.DataFrame(
        {name: np.array(values, dtype=dtypes.get(name, object)) for name, values in table.items()}, copy=False
    )


def column_scores(reference: Reference, synthetic: Prepared) -> pd.DataFrame:
    """The per-column table: shape score, missing-value similarity and coverage of every compared column."""

    table: dict[str, list[Any]] = {name: [] for name in COLUMN_FIELDS}
    for col, kind in synthetic.kinds.items():
        continuous = kind in CONTINUOUS
        miss_real = reference.missing_rate(col)
        miss_syn = synthetic.missing_rate(col)
        table["column"].append(col)
        table["sdtype"].append(kind)
        table["metric"].append("KSComplement" if continuous else "TVComplement")
        score = reference.ks_complement(col, synthetic) if continuous else reference.tv_complement(col, synthetic)
        note = ""
        if math.isnan(score) and miss_syn == 1.0 and miss_real < 1.0:
            # the metric is undefined without synthetic values, but a column that lost every value is the worst fit
            score, note = 0.0, "every synthetic value is missing"
        table["score"].append(score)
        table["note"].append(note)
        table["missing_real"].append(miss_real)
        table["missing_synthetic"].append(miss_syn)
        table["missing_similarity"].append(1.0 - abs(miss_real - miss_syn))
        table["coverage_metric"].append("RangeCoverage" if continuous else "CategoryCoverage")
        table["coverage"].append(reference.coverage(col, synthetic))
    return _frame(
        table,
        {
            "score": np.float64,
            "missing_real": np.float64,
            "missing_synthetic": np.float64,
            "missing_similarity": np.float64,
            "coverage": np.float64,
        },
    )


def pair_scores(
    reference: Reference,
    synthetic: Prepared,
    *,
    correlation_threshold: float = REAL_CORRELATION_THRESHOLD,
    association_threshold: float = REAL_ASSOCIATION_THRESHOLD,
) -> pd.DataFrame:
    """The per-pair table: correlation similarity (both continuous) or contingency similarity, every pair once.

    ``contributes`` says whether the pair counts in Column Pair Trends (its
    real correlation or association is above the threshold).
    """

    table: dict[str, list[Any]] = {name: [] for name in PAIR_FIELDS}
    kinds = synthetic.kinds
    for a, b in itertools.combinations(kinds, 2):
        both = kinds[a] in CONTINUOUS and kinds[b] in CONTINUOUS
        pair = (
            reference.correlation_similarity(a, b, synthetic)
            if both
            else reference.contingency_similarity(a, b, synthetic)
        )
        table["column_1"].append(a)
        table["column_2"].append(b)
        table["metric"].append(pair.metric)
        table["score"].append(pair.score)
        table["real"].append(pair.real)
        table["synthetic"].append(pair.synthetic)
        threshold = correlation_threshold if both else association_threshold
        table["contributes"].append(bool(abs(pair.real) > threshold) and not math.isnan(pair.score))
    return _frame(table, {"score": np.float64, "real": np.float64, "synthetic": np.float64, "contributes": bool})


def _tables_of_frames(value: Any) -> bool:
    """Whether ``value`` is linked tables: a non-empty dict of DataFrames."""
    import pandas as pd

    return isinstance(value, Mapping) and bool(value) and all(isinstance(f, pd.DataFrame) for f in value.values())


@overload
def fidelity_report(
    real_or_model: Any,
    synthetic: pd.DataFrame,
    *,
    columns: list[str] | None = None,
    detection: bool = False,
    target: str | None = None,
    holdout: pd.DataFrame | None = None,
    seed: int = 0,
    relations: None = None,
) -> FidelityReport: ...


@overload
def fidelity_report(
    real_or_model: Mapping[str, pd.DataFrame],
    synthetic: Mapping[str, pd.DataFrame],
    *,
    relations: Sequence[Any] | Dataset,
) -> DatasetFidelityReport: ...


def fidelity_report(
    real_or_model: Any,
    synthetic: Any,
    *,
    columns: list[str] | None = None,
    detection: bool = False,
    target: str | None = None,
    holdout: pd.DataFrame | None = None,
    seed: int = 0,
    relations: Sequence[Any] | Dataset | None = None,
) -> FidelityReport | DatasetFidelityReport:
    """Score ``synthetic`` against the real rows (or a model's profile): a :class:`FidelityReport`.

    ``columns`` restricts the comparison to some columns. ``detection=True``
    adds a classifier two-sample test, ``target=`` a train-synthetic-test-real
    utility score, ``holdout=`` (real rows the generator never saw) the privacy
    checks; those three need the real rows, and detection and utility need
    scikit-learn. ``seed`` seeds them (the similarity scores use no randomness).

    Linked tables: dicts of frames on both sides and ``relations=`` (the
    Dataset that made them, or its list of foreign keys) give a
    ``DatasetFidelityReport``: each table's report, plus child counts per
    parent, parent-child column pairs and referential integrity
    (``docs/how-to/linked-tables.md``).

    >>> import pandas as pd
    >>> import pytest_synthdata as sd
    >>> real = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "c": ["a", "b", "a", "b"]})
    >>> report = sd.fidelity_report(real, real.copy())
    >>> report.score
    1.0
    """
    if relations is not None or _tables_of_frames(real_or_model):
        from .relations import dataset_report

        if columns is not None or detection or target is not None or holdout is not None:
            raise InvalidArgument(
                "fidelity_report of linked tables takes relations= only; score one table with columns=, detection=, "
                "target= or holdout= by passing its two frames."
            )
        return dataset_report(real_or_model, synthetic, relations=relations)
    reference = reference_for(real_or_model)
    kinds = _pick_columns(reference, columns)
    synthetic = _check_synthetic(synthetic, reference, kinds)
    prepared = Prepared(synthetic, kinds)
    report = FidelityReport(
        columns=column_scores(reference, prepared),
        pairs=pair_scores(reference, prepared),
        reference=reference.describe(),
        exact=reference.exact,
        rows=len(synthetic),
        _reference=reference,
        _synthetic=synthetic,
    )
    if detection or target is not None or holdout is not None:
        real = getattr(reference, "real", None)
        if real is None:
            raise InvalidArgument(
                f"detection, target= and holdout= need the real rows, but the reference is {reference.describe()}; "
                "pass the real DataFrame, or drop those arguments."
            )
        cols = list(kinds)
        if detection:
            report.detection = metrics.detection(real, synthetic, columns=cols, seed=seed)
        if target is not None:
            report.utility = metrics.utility(real[cols], synthetic[cols], target, seed=seed)
        if holdout is not None:
            from .._validate import check_frame

            check_frame(holdout, argument="holdout", where="fidelity_report()", rows=True)
            absent = [c for c in cols if c not in holdout.columns]
            if absent:
                raise InvalidArgument(
                    f"fidelity_report(): holdout has no column {absent[0]!r}, which the report compares; give the "
                    "holdout the real data's columns, or pass columns=[...] to compare fewer."
                )
            report.privacy = metrics.privacy(real, synthetic, holdout, columns=cols, seed=seed)
    return report
