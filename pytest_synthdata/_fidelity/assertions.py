"""Assertions that fail a test when synthetic data drifts from the real data, with a readable diff.

Each check is "score >= threshold". ``tolerances`` lowers (or raises) the
threshold for one column (``{"income": 0.6}``), one pair
(``{("age", "income"): 0.7}``) or one metric (``{"TVComplement": 0.85}``);
the most specific key wins. A failure raises
:class:`~pytest_synthdata.errors.FidelityError` (an AssertionError) listing
each failing column or pair with its metric, value, threshold and the argument
that relaxes it, worst first.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, overload

import numpy as np

from ..errors import FidelityError, InvalidArgument
from .noise import (
    Noise,
    correlation_floor,
    coverage_floor,
    ks_floor,
    missing_floor,
    resampled_floor,
    share_floor,
)
from .report import FidelityReport, _tables_of_frames, fidelity_report

if TYPE_CHECKING:
    import pandas as pd

    from .._dataset import Dataset
    from .relations import DatasetFidelityReport

__all__ = [
    "Failure",
    "assert_correlations_close",
    "assert_fidelity",
    "assert_marginals_close",
    "assert_no_copies",
]

#: A score this close below its threshold passes: the suggested relaxation (the score rounded down) must pass.
SLACK = 1e-9
#: Default thresholds: a column's shape score, a column's missing-value similarity.
MIN_COLUMN_SCORE = 0.75
#: Default pair thresholds, per metric, measured on our own fits of six public tables and on generators with the
#: pair's dependence removed (docs/explanation/fidelity.md, "Default thresholds"): fits' correlation similarity
#: stayed >= 0.95 and shuffled pairs' <= 0.72; contingency similarity of fits reaches down to 0.67 on small tables
#: (sampling noise over many cells), so its default is lower and it catches only gross losses.
MIN_CORRELATION_SIMILARITY = 0.85
MIN_CONTINGENCY_SIMILARITY = 0.65
_PAIR_DEFAULTS = {
    "CorrelationSimilarity": MIN_CORRELATION_SIMILARITY,
    "ContingencySimilarity": MIN_CONTINGENCY_SIMILARITY,
}
MIN_MISSING_SIMILARITY = 0.95
#: Default coverage thresholds: the share of the real categories the synthetic column has (one lost category of
#: three fails, one of ten passes), and the share of the real value range it spans (a column collapsed into a
#: narrow band fails; heavy tails are not reached by small samples, so this one is low).
MIN_CATEGORY_COVERAGE = 0.8
MIN_RANGE_COVERAGE = 0.25
_COVERAGE_DEFAULTS = {"CategoryCoverage": MIN_CATEGORY_COVERAGE, "RangeCoverage": MIN_RANGE_COVERAGE}

Key = Any  # a column name, a (column, column) pair or a metric name


@dataclass(frozen=True)
class Failure:
    """One failed check: what (``where``), which ``metric``, its ``value``, the ``threshold`` and how to relax it."""

    where: str
    metric: str
    value: float
    threshold: float
    relax: str
    detail: str = ""

    @property
    def shortfall(self) -> float:
        return self.threshold - self.value

    def line(self) -> str:
        detail = f" ({self.detail})" if self.detail else ""
        return f"{self.where}: {self.metric} {self.value:.3f} < {self.threshold:.3f}{detail}; relax with {self.relax}"


def _floor(value: float) -> float:
    """Two decimals, rounded down (0.39999999999999997 is 0.4: checks allow SLACK)."""
    return math.floor(value * 100 + 1e-9) / 100


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in r.items()} for r in frame.to_dict("records")]


def _check_threshold(value: Any, argument: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= float(value) <= 1.0:
        raise InvalidArgument(f"{argument}={value!r} must be a score from 0 to 1, such as 0.8.")
    return float(value)


def _check_tolerances(tolerances: Any) -> dict[Key, float]:
    if tolerances is None:
        return {}
    if not isinstance(tolerances, dict):
        raise InvalidArgument(
            f"tolerances={tolerances!r} must be a dict of minimum scores by column, pair or metric, "
            "such as {'income': 0.6, ('age', 'income'): 0.7, 'TVComplement': 0.85}."
        )
    out: dict[Key, float] = {}
    for key, value in tolerances.items():
        if isinstance(key, tuple) and len(key) == 2 and all(isinstance(k, str) for k in key):
            out[tuple(sorted(key))] = _check_threshold(value, f"tolerances[{key!r}]")
        elif isinstance(key, str):
            out[key] = _check_threshold(value, f"tolerances[{key!r}]")
        else:
            raise InvalidArgument(
                f"tolerances has key {key!r}; use a column name, a (column, column) pair or a metric name."
            )
    return out


def _known_keys(tolerances: dict[Key, float], report: FidelityReport) -> None:
    columns = set(report.columns["column"])
    metrics = {
        "KSComplement",
        "TVComplement",
        "CorrelationSimilarity",
        "ContingencySimilarity",
        "MissingValueSimilarity",
        "CategoryCoverage",
        "RangeCoverage",
    }
    for key in tolerances:
        names = key if isinstance(key, tuple) else (key,)
        if isinstance(key, str) and key in metrics:
            continue
        unknown = [n for n in names if n not in columns]
        if unknown:
            raise InvalidArgument(
                f"tolerances names {unknown[0]!r}, which is neither a compared column ({sorted(columns)}) nor a metric "
                f"({sorted(metrics)}); fix the name."
            )


def _threshold(tolerances: dict[Key, float], key: Key, metric: str, default: float) -> float:
    if key in tolerances:
        return tolerances[key]
    return tolerances.get(metric, default)


def _relax(key: Key, value: float) -> str:
    return f"tolerances={{{key!r}: {_floor(value)}}}"


def _present(row: dict[str, Any], noise: Noise) -> tuple[int, int]:
    """The real and synthetic rows with a value in a column's row of ``report.columns`` (what its shape, coverage
    and correlations score)."""
    real = float(row.get("missing_real", 0.0) or 0.0)
    synthetic = float(row.get("missing_synthetic", 0.0) or 0.0)
    return max(round(noise.n * (1.0 - real)), 1), max(round(noise.m * (1.0 - synthetic)), 1)


def _pair_sizes(present: Mapping[str, tuple[float, float]], pair: tuple[str, str], noise: Noise) -> tuple[int, int]:
    """The rows where both columns of a pair have a value, on each side (as if they were missing apart), from each
    column's share of rows with a value (:func:`_present_shares`)."""
    (ra, sa), (rb, sb) = (present.get(column, (1.0, 1.0)) for column in pair)
    return max(round(noise.n * ra * rb), 4), max(round(noise.m * sa * sb), 4)


def _present_shares(report: FidelityReport) -> dict[str, tuple[float, float]]:
    """Each compared column's share of rows with a value, real and synthetic."""
    columns = report.columns
    return {
        str(c): (1.0 - float(r), 1.0 - float(s))
        for c, r, s in zip(columns["column"], columns["missing_real"], columns["missing_synthetic"], strict=True)
    }


def _noise(
    report: FidelityReport, enabled: bool, *, pairs: bool = True, missing: bool = True, named: int = 0
) -> Noise | None:
    """The noise model of an assertion over ``report`` (None when turned off or the sizes are unknown): its
    share of the false alarm rate is split over its checks (3 per column with ``missing``, 1 otherwise, one per
    counted pair with ``pairs``, and the overall score)."""
    rows = getattr(report._reference, "real_rows", None)
    if not enabled or rows is None:
        return None
    checks = (len(report.columns) * 3 + 1 if missing else 0) + named
    if pairs and len(report.pairs):
        checks += int(report.pairs["contributes"].sum())
    noise = Noise(int(rows), int(report.rows), checks)
    return noise if noise.usable else None


def _below_noise(limit: float, floor: float | None) -> str:
    """The failure's note on its noise floor, where the floor lies below the threshold (sampling noise could
    explain scores down to it, and the score is lower still); empty otherwise."""
    return "" if floor is None or floor >= limit else f"noise floor {floor:.3f}"


def _join(*parts: str) -> str:
    return "; ".join(p for p in parts if p)


def _shape_floor(report: FidelityReport, row: dict[str, Any], noise: Noise | None) -> float | None:
    """The noise floor of a column's shape score (KSComplement, TVComplement), or None."""
    if noise is None:
        return None
    if float(row.get("missing_synthetic", 0.0) or 0.0) >= 1.0:
        return None  # (no synthetic value at all: no sampling noise explains that)
    n, m = _present(row, noise)  # (the metrics score the values present)
    if row["metric"] == "KSComplement":
        return ks_floor(n, m, noise.alpha)
    assert report._reference is not None
    shares = report._reference.frequencies(str(row["column"])).to_numpy(dtype=np.float64)
    return share_floor(shares, n, m, noise.alpha)


def _column_failures(
    report: FidelityReport,
    tolerances: dict[Key, float],
    min_column_score: float,
    *,
    missing: bool,
    noise: Noise | None = None,
) -> list[Failure]:
    """The failing column checks of ``report``: a score below its threshold, and (with ``noise``) below what two
    samples of the real distribution of these sizes score by chance (``noise.py``)."""
    out = []
    for row in _records(report.columns):
        col = str(row["column"])
        limit = _threshold(tolerances, col, str(row["metric"]), min_column_score)
        if not math.isnan(row["score"]) and row["score"] < limit - SLACK:
            floor = _shape_floor(report, row, noise)
            if floor is None or row["score"] < floor - SLACK:
                out.append(
                    Failure(
                        f"column {col!r}",
                        str(row["metric"]),
                        float(row["score"]),
                        limit,
                        _relax(col, row["score"]),
                        _join(str(row.get("note") or ""), _below_noise(limit, floor)),
                    )
                )
        if missing:
            out += _coverage_failures(report, row, tolerances, noise)
            limit = tolerances.get("MissingValueSimilarity", MIN_MISSING_SIMILARITY)
            if row["missing_similarity"] < limit - SLACK:
                floor = None
                if noise is not None:
                    floor = missing_floor(float(row["missing_real"]), noise.n, noise.m, noise.alpha)
                if floor is None or row["missing_similarity"] < floor - SLACK:
                    out.append(
                        Failure(
                            f"column {col!r}",
                            "MissingValueSimilarity",
                            float(row["missing_similarity"]),
                            limit,
                            _relax("MissingValueSimilarity", row["missing_similarity"]),
                            _join(
                                f"missing: real {row['missing_real']:.1%}, synthetic {row['missing_synthetic']:.1%}",
                                _below_noise(limit, floor),
                            ),
                        )
                    )
    return out


def _lost_categories(report: FidelityReport, column: str) -> list[Any]:
    """The real categories of ``column`` that the synthetic frame never shows, most frequent first."""
    reference, synthetic = report._reference, report._synthetic
    if reference is None or synthetic is None:
        return []
    real = reference.frequencies(column).sort_values(ascending=False, kind="stable")
    present = set(synthetic[column].dropna().unique().tolist())
    return [v for v in real.index if v not in present]


def _as_number(value: float) -> str:
    return f"{value:.6g}"


def _as_dates(value: float) -> str:
    """A date column's value on the metrics' scale (nanoseconds since 1970, UTC) as a timestamp."""
    import pandas as pd

    return str(pd.Timestamp(int(value), unit="ns"))


def _coverage_failures(
    report: FidelityReport, row: dict[str, Any], tolerances: dict[Key, float], noise: Noise | None = None
) -> list[Failure]:
    """CategoryCoverage / RangeCoverage below its threshold (set only by metric name in ``tolerances``) and, for
    CategoryCoverage with ``noise``, below the share of categories ``m`` rows of the real distribution show."""
    metric, value = str(row["coverage_metric"]), float(row["coverage"])
    limit = tolerances.get(metric, _COVERAGE_DEFAULTS[metric])
    if math.isnan(value) or value >= limit - SLACK:
        return []
    col = str(row["column"])
    floor = None
    if noise is not None and report._reference is not None:
        if metric == "CategoryCoverage":
            shares = report._reference.frequencies(col).to_numpy(dtype=np.float64)
            floor = coverage_floor(shares, *_present(row, noise), noise.alpha)
        else:  # (RangeCoverage: where the real rows are at hand, how much of their range m of them span)
            floor = _lower(1.0, report, metric, (col,), noise)
            floor = None if floor >= 1.0 else floor
        if floor is not None and value >= floor - SLACK:
            return []
    if metric == "CategoryCoverage":
        lost = _lost_categories(report, col)
        shown = ", ".join(repr(v) for v in lost[:5]) + (f" and {len(lost) - 5} more" if len(lost) > 5 else "")
        detail = f"real categories missing from synthetic: {shown}" if lost else ""
    else:
        real, syn = report._reference, report._synthetic
        bounds = real.value_range(col) if real is not None else None
        number = _as_dates if row.get("sdtype") == "datetime" else _as_number
        detail = f"real range {number(bounds[0])} to {number(bounds[1])}" if bounds is not None else ""
        if syn is not None and bounds is not None:
            from .reference import numeric_values

            present = numeric_values(syn[col])
            present = present[~np.isnan(present)] if present.dtype.kind == "f" else present
            if len(present):
                detail += f", synthetic {number(present.min())} to {number(present.max())}"
    return [
        Failure(
            f"column {col!r}", metric, value, limit, _relax(metric, value), _join(detail, _below_noise(limit, floor))
        )
    ]


def _pair_floor(report: FidelityReport | None, row: dict[str, Any], noise: Noise | None) -> float | None:
    """The noise floor of a pair's score (CorrelationSimilarity, ContingencySimilarity), or None."""
    if noise is None or report is None or report._reference is None:
        return None
    pair = (str(row["column_1"]), str(row["column_2"]))
    if row["metric"] == "CorrelationSimilarity":
        n, m = _pair_sizes(_present_shares(report), pair, noise)  # (Pearson's r: rows where both are present)
        floor = correlation_floor(float(row["real"]), float(row["synthetic"]), n, m, noise.alpha)
    else:
        table = report._reference.real_table(*pair)
        floor = share_floor(table, noise.n, noise.m, noise.alpha) if len(table) else 1.0
    return _lower(floor, report, str(row["metric"]), pair, noise)


def _lower(floor: float, report: FidelityReport, metric: str, columns: tuple[str, ...], noise: Noise) -> float:
    """``floor``, or the check's resampling floor where the real rows give a lower one (``noise.py``)."""
    found = _resampled(report, metric, columns, noise)
    return floor if found is None else min(floor, resampled_floor(found, noise.alpha))


def _resampled(
    report: FidelityReport, metric: str, columns: tuple[str, ...], noise: Noise
) -> tuple[float, float, float] | None:
    """The check's deficit over resamples of the real rows (mean, variance), where they are at hand."""
    resampled = getattr(report._reference, "resampled", None)
    return resampled(metric, columns, noise.m) if resampled is not None else None


def _on_real_bins(report: FidelityReport | None, row: dict[str, Any], limit: float, noise: Noise | None) -> str | None:
    """A category-by-number contingency table scored again with both sides on shared bins: the real side's
    (``FrameReference``) or the profile's own (``ProfileReference``, files of format version 6); "" where that
    score passes (its threshold, or its noise floor), else what it is; None where there is none.

    The report bins each side on its own edges, as SDMetrics' QualityReport does, so one synthetic value past
    the real extremes re-bins every value; both sides on the same edges (SDMetrics' ContingencySimilarity
    metric cuts on the real ones) measure the joint distribution without that artefact.
    """
    if row["metric"] != "ContingencySimilarity" or report is None:
        return None
    scorer = getattr(report._reference, "on_real_bins", None)
    if scorer is None or report._synthetic is None:
        return None
    found = scorer(str(row["column_1"]), str(row["column_2"]), _prepared(report))
    if found is None:
        return None
    score, table = found
    if score >= limit - SLACK:
        return ""
    floor = None
    if noise is not None:
        floor = share_floor(table, noise.n, noise.m, noise.alpha) if table.sum() else 1.0
        if score >= floor - SLACK:
            return ""
    where = getattr(report._reference, "shared_bins", "shared bins")
    return f"{score:.3f} with both sides on {where}" + ("" if floor is None else f" (noise floor {floor:.3f})")


def _prepared(report: FidelityReport) -> Any:
    """The report's synthetic frame, prepared for its reference's scores."""
    from .reference import Prepared

    reference, synthetic = report._reference, report._synthetic
    assert reference is not None and synthetic is not None  # (the callers checked)
    kinds = {str(c): k for c, k in reference.columns().items() if c in synthetic.columns}
    return Prepared(synthetic, kinds)


def _pair_failures(
    scored: pd.DataFrame,
    tolerances: dict[Key, float],
    min_pair_score: float | None,
    pairs: list[tuple[str, str]] | None,
    *,
    label: str = "pair",
    noise: Noise | None = None,
    report: FidelityReport | None = None,
) -> list[Failure]:
    """The failing rows of a pair table (``report.pairs``; a linked-tables report's parent-child pairs, ``label``);
    with ``noise`` (and the ``report`` of ``scored``), only those also below their noise floor."""
    out = []
    wanted = {tuple(sorted(p)) for p in pairs} if pairs is not None else None
    for row in _records(scored):
        key = tuple(sorted((str(row["column_1"]), str(row["column_2"]))))
        named = key in tolerances or (wanted is not None and key in wanted)
        if wanted is not None and key not in wanted:
            continue
        if not (row["contributes"] or named) or math.isnan(row["score"]):
            continue
        metric = str(row["metric"])
        default = _PAIR_DEFAULTS[metric] if min_pair_score is None else min_pair_score
        limit = _threshold(tolerances, key, metric, default)
        if row["score"] < limit - SLACK:
            floor = _pair_floor(report, row, noise)
            if floor is not None and row["score"] >= floor - SLACK:
                continue
            binned = _on_real_bins(report, row, limit, noise)
            if binned == "":
                continue
            if row["metric"] == "CorrelationSimilarity":
                # (a profile's r is of the real values with the k outermost on each side winsorized: said so)
                real = "real" if report is None or report.exact else "real (winsorized, as profiled)"
                detail = f"Pearson r: {real} {row['real']:.3f}, synthetic {row['synthetic']:.3f}"
            else:
                detail = f"real Cramér's V {row['real']:.3f}"
            detail = _join(detail, _below_noise(limit, floor), binned or "")
            pair = (str(row["column_1"]), str(row["column_2"]))
            out.append(
                Failure(
                    f"{label} {pair!r}",
                    str(row["metric"]),
                    float(row["score"]),
                    limit,
                    _relax(pair, row["score"]),
                    detail,
                )
            )
    return out


def _named_pairs(report: FidelityReport, tolerances: dict[Key, float]) -> int:
    """How many pairs ``tolerances`` names that do not count in Column Pair Trends (checked all the same)."""
    named = {k for k in tolerances if isinstance(k, tuple)}
    if not named or not len(report.pairs):
        return 0
    pairs = report.pairs
    keys = [tuple(sorted((str(a), str(b)))) for a, b in zip(pairs["column_1"], pairs["column_2"], strict=True)]
    return sum(1 for key, counts in zip(keys, pairs["contributes"], strict=True) if key in named and not counts)


def _overall_floor(report: FidelityReport, noise: Noise | None) -> float | None:
    """The noise floor of the overall score: the expected deficits of its columns and counted pairs, averaged
    as the score averages them (``Noise.overall_floor``), or None."""
    if noise is None or report._reference is None:
        return None
    reference = report._reference
    for row in _records(report.columns):
        if math.isnan(row["score"]):
            continue
        if row["metric"] == "KSComplement":
            noise.add_ks("column", _present(row, noise))
        else:
            shares = reference.frequencies(str(row["column"])).to_numpy(dtype=np.float64)
            noise.add_shares("column", shares, _present(row, noise))
    present = _present_shares(report)
    for row in _records(report.pairs):
        if not row["contributes"] or math.isnan(row["score"]):
            continue
        pair = (str(row["column_1"]), str(row["column_2"]))
        if row["metric"] == "CorrelationSimilarity":
            noise.add_correlation("pair", float(row["real"]), _pair_sizes(present, pair, noise))
        else:
            noise.add_shares("pair", reference.real_table(*pair))
        noise.replace_last("pair", _resampled(report, str(row["metric"]), pair, noise))
    return noise.overall_floor()


def _raise(report: FidelityReport, failures: list[Failure], what: str) -> None:
    if not failures:
        return
    failures = sorted(failures, key=lambda f: -f.shortfall)
    head = (
        f"{what} of {report.rows} synthetic rows against {report.reference}: "
        f"{len(failures)} check{'s' if len(failures) > 1 else ''} failed, worst first"
    )
    if not report.exact:
        head += " (scores against a profile are approximate)"
    raise FidelityError("\n".join([head + ":", *("  " + f.line() for f in failures)]), failures)


def _report(real_or_model: Any, synthetic: Any, columns: Any) -> FidelityReport:
    if isinstance(real_or_model, FidelityReport):
        return real_or_model
    return fidelity_report(real_or_model, synthetic, columns=columns)


@overload
def assert_fidelity(
    real_or_model: Any,
    synthetic: pd.DataFrame,
    *,
    min_score: float = 0.9,
    columns: list[str] | None = None,
    tolerances: dict[Any, float] | None = None,
    min_column_score: float = MIN_COLUMN_SCORE,
    min_pair_score: float | None = None,
    relations: None = None,
    noise: bool = True,
) -> FidelityReport: ...


@overload
def assert_fidelity(
    real_or_model: Mapping[str, pd.DataFrame],
    synthetic: Mapping[str, pd.DataFrame],
    *,
    min_score: float = 0.9,
    tolerances: dict[Any, float] | None = None,
    min_column_score: float = MIN_COLUMN_SCORE,
    min_pair_score: float | None = None,
    relations: Sequence[Any] | Dataset,
    noise: bool = True,
) -> DatasetFidelityReport: ...


def assert_fidelity(
    real_or_model: Any,
    synthetic: Any,
    *,
    min_score: float = 0.9,
    columns: list[str] | None = None,
    tolerances: dict[Any, float] | None = None,
    min_column_score: float = MIN_COLUMN_SCORE,
    min_pair_score: float | None = None,
    relations: Sequence[Any] | Dataset | None = None,
    noise: bool = True,
) -> FidelityReport | DatasetFidelityReport:
    """Fail (FidelityError) unless ``synthetic`` resembles the real data overall, column by column and pair by pair.

    Checks the overall score (``min_score``), every column's shape score
    (``min_column_score``), missing-value similarity (0.95) and coverage
    (CategoryCoverage 0.8, RangeCoverage 0.25; set with ``tolerances`` by
    metric name), and every pair
    that counts in Column Pair Trends (``min_pair_score``, by default 0.85
    for CorrelationSimilarity and 0.65 for ContingencySimilarity); ``tolerances``
    adjusts single columns, pairs or metrics. Returns the report when it passes.

    A check fails only when its score is below its threshold *and* below its
    noise floor: what two samples of the real distribution, of the real and
    the synthetic sizes, score by chance (all the checks of one call together
    raise on such samples in at most 1% of draws; ``noise.py``). Small and
    wide tables score well below 1 by sampling alone; ``noise=False`` checks
    the thresholds alone.

    Linked tables: dicts of frames and ``relations=`` (a Dataset or its
    foreign keys) check every table as above (``"table.column"`` in
    ``tolerances``), each relation's child counts per parent
    (``min_column_score``, tolerance key ``"Cardinality"`` or the relation's
    text), referential integrity (1.0) and the parent-child pairs that count
    (``min_pair_score``); it returns the ``DatasetFidelityReport``.

    >>> import pandas as pd
    >>> import pytest_synthdata as sd
    >>> real = pd.DataFrame({"x": [float(i) for i in range(100)]})
    >>> sd.assert_fidelity(real, real.assign(x=real.x + 60))
    Traceback (most recent call last):
    ...
    pytest_synthdata.errors.FidelityError: fidelity of 100 synthetic rows against the real data (100 rows): 2 checks failed, worst first:
      overall: score 0.400 < 0.900 (column shapes 0.400, pair trends nan; noise floor 0.774); relax with min_score=0.4
      column 'x': KSComplement 0.400 < 0.750 (noise floor 0.741); relax with tolerances={'x': 0.4}
    """
    min_score = _check_threshold(min_score, "min_score")
    min_column_score = _check_threshold(min_column_score, "min_column_score")
    if min_pair_score is not None:
        min_pair_score = _check_threshold(min_pair_score, "min_pair_score")
    tol = _check_tolerances(tolerances)
    if relations is not None or _tables_of_frames(real_or_model):
        from .relations import check_dataset, dataset_report

        if columns is not None:
            raise InvalidArgument("assert_fidelity of linked tables takes no columns=; use tolerances= per column.")
        linked = dataset_report(real_or_model, synthetic, relations=relations)
        check_dataset(
            linked,
            min_score=min_score,
            min_column_score=min_column_score,
            min_pair_score=min_pair_score,
            tolerances=tol,
            noise=noise,
        )
        return linked
    report = _report(real_or_model, synthetic, columns)
    _known_keys(tol, report)
    checks = _noise(report, noise, named=_named_pairs(report, tol))
    failures = _column_failures(report, tol, min_column_score, missing=True, noise=checks)
    failures += _pair_failures(report.pairs, tol, min_pair_score, None, noise=checks, report=report)
    if report.score < min_score - SLACK:
        floor = _overall_floor(report, checks)
        binned = _overall_on_real_bins(report)
        if (floor is None or report.score < floor - SLACK) and (binned is None or binned[0] < min_score - SLACK):
            failures.append(
                Failure(
                    "overall",
                    "score",
                    report.score,
                    min_score,
                    f"min_score={_floor(report.score)}",
                    _join(
                        f"column shapes {report.column_shapes:.3f}, pair trends {report.column_pair_trends:.3f}",
                        "" if binned is None else f"pair trends {binned[1]:.3f} on the real bins",
                        _below_noise(min_score, floor),
                    ),
                )
            )
    _raise(report, failures, "fidelity")
    return report


def _overall_on_real_bins(report: FidelityReport) -> tuple[float, float] | None:
    """The overall score and pair trends with each counted category-by-number table scored the better of its
    two ways (its own bins, the real bins: :func:`_on_real_bins`); None where no such table counts."""
    scorer = getattr(report._reference, "on_real_bins", None)
    if scorer is None or report._synthetic is None:
        return None
    prepared, scores, changed = None, [], False
    for row in _records(report.pairs):
        if not row["contributes"] or math.isnan(row["score"]):
            continue
        score = float(row["score"])
        if row["metric"] == "ContingencySimilarity":
            prepared = prepared or _prepared(report)
            found = scorer(str(row["column_1"]), str(row["column_2"]), prepared)
            if found is not None and found[0] > score:
                score, changed = found[0], True
        scores.append(score)
    if not changed:
        return None
    trends = float(np.mean(scores))
    shapes = report.column_shapes
    return (trends if math.isnan(shapes) else (shapes + trends) / 2.0), trends


def assert_marginals_close(
    real_or_model: Any,
    synthetic: pd.DataFrame,
    *,
    min_score: float = MIN_COLUMN_SCORE,
    columns: list[str] | None = None,
    tolerances: dict[Any, float] | None = None,
    noise: bool = True,
) -> FidelityReport:
    """Fail unless every column's distribution (KS/TV complement >= ``min_score``), missing share and coverage match.

    Coverage: a column must show 80% of the real categories (CategoryCoverage)
    or span 25% of the real range (RangeCoverage); ``tolerances`` sets either
    by metric name, such as ``{"CategoryCoverage": 0.5}``. A score within the
    sampling noise passes (``noise=False``: the thresholds alone), as in
    :func:`assert_fidelity`.

    >>> import pandas as pd
    >>> import pytest_synthdata as sd
    >>> real = pd.DataFrame({"c": ["a", "b"] * 50})
    >>> sd.assert_marginals_close(real, pd.DataFrame({"c": ["a"] * 100}))
    Traceback (most recent call last):
    ...
    pytest_synthdata.errors.FidelityError: marginals of 100 synthetic rows against the real data (100 rows): 2 checks failed, worst first:
      column 'c': CategoryCoverage 0.500 < 0.800 (real categories missing from synthetic: 'b'); relax with tolerances={'CategoryCoverage': 0.5}
      column 'c': TVComplement 0.500 < 0.750; relax with tolerances={'c': 0.5}
    """
    min_score = _check_threshold(min_score, "min_score")
    tol = _check_tolerances(tolerances)
    report = _report(real_or_model, synthetic, columns)
    _known_keys(tol, report)
    checks = _noise(report, noise, pairs=False)
    _raise(report, _column_failures(report, tol, min_score, missing=True, noise=checks), "marginals")
    return report


def assert_correlations_close(
    real_or_model: Any,
    synthetic: pd.DataFrame,
    *,
    min_score: float | None = None,
    pairs: list[tuple[str, str]] | None = None,
    columns: list[str] | None = None,
    tolerances: dict[Any, float] | None = None,
    noise: bool = True,
) -> FidelityReport:
    """Fail unless each pair's trend (correlation or contingency similarity) scores at least ``min_score``.

    By default the pairs SDMetrics counts (real |r| > 0.5 or Cramér's V >
    0.3) and any pair named in ``tolerances``; ``pairs=[("a", "b"), ...]``
    checks exactly those, however weak their real correlation. ``min_score``
    defaults to 0.85 for CorrelationSimilarity and 0.65 for
    ContingencySimilarity. A score within the sampling noise passes
    (``noise=False``: the thresholds alone), as in :func:`assert_fidelity`.
    """
    if min_score is not None:
        min_score = _check_threshold(min_score, "min_score")
    tol = _check_tolerances(tolerances)
    if pairs is not None:
        if isinstance(pairs, (str, tuple)) or not all(
            isinstance(p, (tuple, list)) and len(p) == 2 and all(isinstance(c, str) for c in p) for p in pairs
        ):
            raise InvalidArgument(
                f"pairs={pairs!r} must be a list of (column, column) pairs, such as [('age', 'income')]."
            )
        pairs = [(str(p[0]), str(p[1])) for p in pairs]
        if columns is None:
            columns = list(dict.fromkeys(c for p in pairs for c in p))
    report = _report(real_or_model, synthetic, columns)
    _known_keys(tol, report)
    if pairs is not None:
        known = {tuple(sorted((a, b))) for a, b in zip(report.pairs["column_1"], report.pairs["column_2"], strict=True)}
        for p in pairs:
            if tuple(sorted(p)) not in known:
                raise InvalidArgument(f"pairs names {p!r}, which is not a pair of compared columns; fix the names.")
    checks = _noise(report, noise, pairs=pairs is None, missing=False, named=len(pairs or []) + 1)
    _raise(report, _pair_failures(report.pairs, tol, min_score, pairs, noise=checks, report=report), "correlations")
    return report


def _row_hashes(frames: list[pd.DataFrame], columns: list[str]) -> list[np.ndarray]:
    """One 64-bit hash per row of each frame over ``columns``, equal for rows with equal values whatever the dtypes.

    Continuous columns hash as float64 (datetimes as nanoseconds); other
    columns by their code in one vocabulary factorised over all the frames at
    once, so the same category hashes the same in every frame without a
    Python call per value.
    """
    import pandas as pd

    from .reference import numeric_values, sdtype_of

    sizes = np.cumsum([len(f) for f in frames])[:-1]
    parts: dict[str, np.ndarray] = {}
    for i, col in enumerate(columns):
        kinds = [sdtype_of(f[col]) for f in frames]
        if all(k in ("numerical", "datetime") for k in kinds if k is not None):
            parts[str(i)] = np.concatenate([numeric_values(f[col]).astype(np.float64) for f in frames])
        else:
            # factorise each frame (fast for categorical and string dtypes), then unify the small vocabularies
            factors = [pd.factorize(f[col], use_na_sentinel=True) for f in frames]
            vocabulary = np.concatenate([np.asarray(u, dtype=object) for _, u in factors])
            joint = np.append(pd.factorize(vocabulary, use_na_sentinel=True)[0], -1)  # code -1 stays missing
            offsets = np.cumsum([0] + [len(u) for _, u in factors])
            parts[str(i)] = np.concatenate(
                [
                    joint[np.where(codes >= 0, codes + offset, -1)]
                    for (codes, _), offset in zip(factors, offsets, strict=False)
                ]
            )
    hashes = pd.util.hash_pandas_object(pd.DataFrame(parts, copy=False), index=False).to_numpy()
    return np.split(hashes, sizes)


def assert_no_copies(
    real: pd.DataFrame,
    synthetic: pd.DataFrame,
    *,
    max_copy_rate: float = 0.0,
    holdout: pd.DataFrame | None = None,
    columns: list[str] | None = None,
) -> float:
    """Fail unless at most ``max_copy_rate`` of the synthetic rows equal a real row (over ``columns``); return the rate.

    With a ``holdout`` (real rows the generator never saw) the allowance is
    the holdout's own copy rate plus ``max_copy_rate``: in a table of few
    discrete columns equal rows happen by chance.

    >>> import pandas as pd
    >>> import pytest_synthdata as sd
    >>> real = pd.DataFrame({"x": [1.5, 2.5, 3.5], "c": ["a", "b", "c"]})
    >>> sd.assert_no_copies(real, pd.DataFrame({"x": [9.0, 8.0], "c": ["a", "b"]}))
    0.0
    """

    max_copy_rate = _check_threshold(max_copy_rate, "max_copy_rate")
    from .._validate import check_frame

    for argument, frame in (("real", real), ("synthetic", synthetic), ("holdout", holdout)):
        if frame is not None:
            check_frame(frame, argument=argument, where="assert_no_copies()")
    cols = list(columns) if columns is not None else [c for c in real.columns if c in synthetic.columns]
    if not cols:
        raise InvalidArgument(
            f"assert_no_copies(): real and synthetic share no columns (real has {list(real.columns)[:5]}, "
            f"synthetic {list(synthetic.columns)[:5]}); pass columns=[...] naming the columns to compare."
        )
    for col in cols:
        for argument, frame in (("real", real), ("synthetic", synthetic), ("holdout", holdout)):
            if frame is not None and col not in frame.columns:
                raise InvalidArgument(f"{argument} has no column {col!r}; pass columns=[...] naming shared columns.")
    if not cols or not len(synthetic):
        return 0.0
    hashes = _row_hashes([real, synthetic] if holdout is None else [real, synthetic, holdout], cols)
    copied = np.isin(hashes[1], hashes[0])
    rate = float(copied.mean())
    allowed = max_copy_rate
    detail = ""
    if holdout is not None and len(holdout):
        base = float(np.isin(hashes[1], hashes[2]).mean())
        allowed = min(base + max_copy_rate, 1.0)
        detail = f"; {base:.2%} equal a holdout row"
    if rate > allowed:
        rows = np.flatnonzero(copied)[:5].tolist()
        labels = synthetic.index[rows].tolist()  # (Python values: the message shows 141, not np.int64(141))
        raise FidelityError(
            f"{copied.sum()} of {len(synthetic)} synthetic rows ({rate:.2%}) equal a real row over {len(cols)} columns "
            f"(allowed {allowed:.2%}{detail}); first copied rows at index {labels}; "
            f"relax with max_copy_rate={math.ceil(rate * 1000) / 1000}, or compare fewer columns=[...]",
            [Failure("rows", "exact copies", rate, allowed, f"max_copy_rate={math.ceil(rate * 1000) / 1000}")],
        )
    return rate
