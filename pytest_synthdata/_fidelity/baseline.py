"""Drift baselines: ``assert_no_drift(synthetic, baseline="name")`` against scores recorded by an earlier run.

A baseline is a small JSON file of a synthetic frame's fidelity scores (per
column: its shape metric and missing-value similarity; per pair: its trend
metric; and the overall score), rounded to 4 decimals so that a refreshed
baseline reviews as a small diff. A later run fails when a score falls more
than its tolerance below the recorded one: a generator change that drops a
correlation, shifts a column or loses a category shows up by name.

Scores are against a reference: ``against=`` (the real DataFrame or a model,
whose stored profile serves), else, in a pytest session, the registered dataset
that sampled the frame (``df.attrs["synthdata"]["dataset"]``). Files live in
``directory``, by default the first ``synthdata_models`` directory of the
session (``tests/synthdata`` under the rootdir), as ``<baseline>.baseline.json``.
A missing baseline is written and the assertion fails once, saying so;
``--synthdata-update-baselines`` (or ``update=True``) writes or refreshes it
and passes. Writes are atomic (a temporary file renamed over the target), so
pytest-xdist workers never leave half a file.

Imports nothing heavy at module level: the pytest plugin attaches the session here at start-up.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import pathlib
import re
from typing import TYPE_CHECKING, Any

from ..errors import FidelityError, InvalidArgument

if TYPE_CHECKING:
    import pandas as pd
    import pytest

    from .report import FidelityReport

__all__ = ["BASELINE_SUFFIX", "DEFAULT_TOLERANCE", "FORMAT", "assert_no_drift", "attach", "detach"]

FORMAT = "pytest-synthdata baseline"
VERSION = 1
BASELINE_SUFFIX = ".baseline.json"
#: How far a score may fall below its baseline before the assertion fails (scores lie in [0, 1]).
DEFAULT_TOLERANCE = 0.02
_DIGITS = 4
_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
_METRICS = frozenset(
    {"KSComplement", "TVComplement", "CorrelationSimilarity", "ContingencySimilarity", "MissingValueSimilarity"}
)

#: The running pytest session, attached by the plugin: its datasets, model directories and options.
_SESSION: dict[str, Any] = {}


def attach(config: pytest.Config) -> None:
    """Let baselines find the session's datasets, model directory and ``--synthdata-update-baselines``."""
    _SESSION["config"] = config


def detach(config: pytest.Config) -> None:
    if _SESSION.get("config") is config:
        _SESSION.clear()


def _config() -> Any:
    return _SESSION.get("config")


def update_requested() -> bool:
    """Whether this session was asked to write or refresh baselines (``--synthdata-update-baselines``)."""
    config = _config()
    return bool(config is not None and config.getoption("synthdata_update_baselines", False))


def default_directory() -> pathlib.Path:
    """The first ``synthdata_models`` directory of the session, else ``tests/synthdata`` here."""
    from .._registry import DEFAULT_MODELS

    config = _config()
    if config is not None:
        from .._fixtures import STATE

        state = config.stash.get(STATE, None)
        if state is not None and state.model_dirs:
            return pathlib.Path(state.model_dirs[0][0])
        return pathlib.Path(config.rootpath) / DEFAULT_MODELS
    return pathlib.Path(DEFAULT_MODELS)


def _session_model(name: str) -> Any:
    config = _config()
    if config is None:
        return None
    from .._fixtures import STATE

    state = config.stash.get(STATE, None)
    found = [] if state is None or name not in state.datasets else [state.datasets[name]]
    for plugin in config.pluginmanager.get_plugins():  # conftests' own datasets (register() in a conftest)
        local = getattr(plugin, "__synthdata_datasets__", None)
        if isinstance(local, dict) and name in local and all(local[name] is not f for f in found):
            found.append(local[name])
    if len(found) > 1:
        raise InvalidArgument(
            f"assert_no_drift(): {len(found)} conftests register different datasets named {name!r}; pass "
            "against= the model (or real DataFrame) to score against."
        )
    return getattr(found[0], "model", found[0]) if found else None  # (a model file registered lazily loads here)


# the baseline file ---------------------------------------------------------------------------------------------


def _pair_key(a: str, b: str) -> str:
    """The pair's key in a baseline file: the two names sorted, so the real frame's column order does not matter."""
    first, second = sorted((a, b))
    return f"{first} | {second}"


def _scores(report: FidelityReport) -> dict[str, Any]:
    """The baseline's content for ``report``: scores rounded to 4 decimals, NaN as null."""

    def rounded(value: Any) -> float | None:
        value = float(value)
        return None if math.isnan(value) else round(value, _DIGITS)

    columns: dict[str, dict[str, float | None]] = {}
    for row in report.columns.itertuples(index=False):
        columns[str(row.column)] = {str(row.metric): rounded(row.score)}
        if "missing_similarity" in report.columns.columns:
            columns[str(row.column)]["MissingValueSimilarity"] = rounded(row.missing_similarity)
    pairs = {
        _pair_key(str(row.column_1), str(row.column_2)): {str(row.metric): rounded(row.score)}
        for row in report.pairs.itertuples(index=False)
    }
    return {"score": rounded(report.score), "columns": columns, "pairs": pairs}


def _text(name: str, report: FidelityReport) -> str:
    data = {
        "format": FORMAT,
        "version": VERSION,
        "baseline": name,
        "reference": report.reference,
        "rows": report.rows,
        **_scores(report),
    }
    return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def _read(path: pathlib.Path) -> dict[str, Any]:
    """The baseline at ``path``, validated (a file is reviewed and edited by hand)."""
    where = f"baseline {str(path)!r}"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InvalidArgument(
            f"{where} cannot be read ({exc}); delete it and run with --synthdata-update-baselines."
        ) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise InvalidArgument(f'{where} is not a baseline file (expected "format": "{FORMAT}").')
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or not 1 <= version <= VERSION:
        raise InvalidArgument(f"{where}: version {version!r} is not one this pytest-synthdata reads (1 to {VERSION}).")
    for section in ("columns", "pairs"):
        entries = data.get(section)
        if not isinstance(entries, dict):
            raise InvalidArgument(f"{where}: {section!r} must be an object of scores by metric.")
        for key, scores in entries.items():
            if not isinstance(scores, dict) or not all(
                metric in _METRICS
                and (
                    score is None
                    or (isinstance(score, (int, float)) and not isinstance(score, bool) and 0 <= score <= 1)
                )
                for metric, score in scores.items()
            ):
                raise InvalidArgument(
                    f"{where}: {section}[{key!r}] must map metric names ({sorted(_METRICS)}) to scores in [0, 1] "
                    "or null."
                )
    return data


def _write(path: pathlib.Path, text: str) -> None:
    from .._artifact import _write_atomically

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise InvalidArgument(f"cannot write baseline {str(path)!r}: a part of its directory path is a file.") from None
    _write_atomically(path, text.encode("utf-8"))


# the assertion ---------------------------------------------------------------------------------------------------


def _check_tolerances(tolerance: Any, tolerances: Any) -> tuple[float, dict[Any, float]]:
    def share(value: Any, argument: str) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
            raise InvalidArgument(
                f"{argument}={value!r}: expected how far a score may fall below its baseline, from 0 to 1 "
                "(such as 0.05)."
            )
        return float(value)

    default = share(tolerance, "tolerance")
    if tolerances is None:
        return default, {}
    if not isinstance(tolerances, dict):
        raise InvalidArgument(
            f"tolerances={tolerances!r} must be a dict of allowed falls by column, pair or metric, such as "
            "{'income': 0.05, ('age', 'income'): 0.1, 'KSComplement': 0.03}."
        )
    out: dict[Any, float] = {}
    for key, value in tolerances.items():
        if isinstance(key, tuple) and len(key) == 2 and all(isinstance(k, str) for k in key):
            out[frozenset(key)] = share(value, f"tolerances[{key!r}]")
        elif isinstance(key, str):
            out[key] = share(value, f"tolerances[{key!r}]")
        else:
            raise InvalidArgument(
                f"tolerances has key {key!r}; use a column name, a (column, column) pair or a metric."
            )
    return default, out


def _reference(synthetic: Any, against: Any) -> Any:
    if against is not None:
        return against
    attrs = getattr(synthetic, "attrs", {}).get("synthdata", {})
    dataset = attrs.get("dataset") if isinstance(attrs, dict) else None
    model = _session_model(dataset) if isinstance(dataset, str) else None
    if model is None:
        where = f"dataset {dataset!r}, which this session has not registered" if dataset else "no dataset"
        raise InvalidArgument(
            f"assert_no_drift(): the synthetic frame names {where}; pass against= the real DataFrame or the "
            "model whose profile the scores are measured against."
        )
    return model


def _check_fixed_seed(synthetic: Any, baseline: str) -> None:
    """Refuse a fixture's frame drawn with this run's seed: its scores would move by sampling noise alone."""
    attrs = getattr(synthetic, "attrs", {}).get("synthdata", {})
    if not isinstance(attrs, dict) or not attrs.get("per_run_seed"):
        return
    dataset = attrs.get("dataset", "<name>")
    raise InvalidArgument(
        f"assert_no_drift(baseline={baseline!r}): the frame of dataset {dataset!r} was sampled with this test run's "
        f"seed ({attrs.get('seed')}), which changes every run, so its scores would drift by sampling noise alone. "
        f"Draw it with a fixed seed: @pytest.mark.synthdata(seed=1), synth_{dataset}_factory(seed=1), "
        "model.sample(n, seed=1), or run pytest with --synthdata-seed=<int>."
    )


def assert_no_drift(
    synthetic: pd.DataFrame,
    baseline: str,
    *,
    against: Any = None,
    directory: str | os.PathLike[str] | None = None,
    tolerance: float = DEFAULT_TOLERANCE,
    tolerances: dict[Any, float] | None = None,
    update: bool | None = None,
) -> FidelityReport:
    """Fail (FidelityError) when a fidelity score of ``synthetic`` fell below the baseline recorded for it.

    ``baseline`` names the file (``<directory>/<baseline>.baseline.json``).
    Scores are against ``against`` (the real DataFrame or a model's stored
    profile), by default the registered dataset that sampled the frame. Each
    recorded score may fall by ``tolerance``; ``tolerances`` sets it per
    column, per (column, column) pair or per metric name. A missing baseline
    is written and fails once; ``update=True`` (default: the
    ``--synthdata-update-baselines`` option) writes or refreshes it and
    passes. Returns the report.

    Compare like with like: a frame a ``synth_*`` fixture drew with the
    run's own seed is refused (draw it with a fixed seed), and so is a frame
    of another size than the baseline recorded.

    >>> import tempfile, pytest_synthdata as sd
    >>> people = sd.Schema("people", {"age": sd.Integer(low=18, high=90)})
    >>> folder = tempfile.mkdtemp()
    >>> _ = sd.assert_no_drift(people.sample(500, seed=1), "people", against=people, directory=folder, update=True)
    >>> _ = sd.assert_no_drift(people.sample(500, seed=1), "people", against=people, directory=folder)
    """
    from .report import fidelity_report

    if not isinstance(baseline, str) or not _NAME.match(baseline):
        raise InvalidArgument(
            f"assert_no_drift(baseline={baseline!r}): name the baseline with letters, digits, '_', '-' or '.' "
            "(it names the file <baseline>.baseline.json), such as baseline='customers'."
        )
    default, tol = _check_tolerances(tolerance, tolerances)
    _check_fixed_seed(synthetic, baseline)
    folder = pathlib.Path(directory) if directory is not None else default_directory()
    path = folder / f"{baseline}{BASELINE_SUFFIX}"
    report = fidelity_report(_reference(synthetic, against), synthetic)
    if update is None:
        update = update_requested()
    if update:
        _write(path, _text(baseline, report))
        return report
    if not path.exists():
        _write(path, _text(baseline, report))
        raise FidelityError(
            f"baseline {baseline!r} did not exist: wrote {path} from this run (score {report.score:.3f} against "
            f"{report.reference}). Review and commit it; the next run compares against it."
        )
    recorded = _read(path)
    rows = recorded.get("rows")
    if isinstance(rows, int) and not isinstance(rows, bool) and rows != report.rows:
        raise InvalidArgument(
            f"assert_no_drift(baseline={baseline!r}): the baseline ({path}) was recorded from {rows} synthetic rows "
            f"but this frame has {report.rows}; scores of samples of different sizes differ by sampling noise alone. "
            f"Sample {rows} rows, or rewrite the baseline with --synthdata-update-baselines."
        )
    failures = _drift(report, recorded, default, tol)
    if failures:
        failures.sort(key=lambda f: -f.shortfall)
        head = (
            f"drift of {report.rows} synthetic rows from baseline {baseline!r} ({path}; scores against "
            f"{report.reference}): {len(failures)} score{'s' if len(failures) > 1 else ''} fell, worst first"
        )
        lines = [head + ":", *("  " + f.line() for f in failures)]
        lines.append("  (if the change is intended: pytest --synthdata-update-baselines rewrites the baseline)")
        raise FidelityError("\n".join(lines), failures)
    return report


#: A drift failure's relaxation: ``tolerances={<key>: <fall>}``.
_RELAX = re.compile(r"tolerances=\{(.+): ([0-9.e+-]+)\}")


def _drift(report: FidelityReport, recorded: dict[str, Any], default: float, tol: dict[Any, float]) -> list[Any]:
    from .assertions import Failure

    now = _scores(report)
    failures: list[Failure] = []

    def allowed(key: Any, metric: str) -> float:
        if key in tol:
            return tol[key]
        return tol.get(metric, default)

    for section, label in (("columns", "column"), ("pairs", "pair")):
        for key, scores in recorded[section].items():
            names = tuple(key.split(" | ")) if section == "pairs" else (key,)
            tol_key: Any = frozenset(names) if section == "pairs" else key
            where = f"{label} {names[0]!r}" if section == "columns" else f"pair ({names[0]!r}, {names[1]!r})"
            # files written before keys were sorted hold a pair in the real frame's order: read it either way
            current = now[section].get(_pair_key(*names) if section == "pairs" and len(names) == 2 else key)
            for metric, before in scores.items():
                if before is None:
                    continue
                value = None if current is None else current.get(metric)
                fall = allowed(tol_key, metric)
                shown_key = repr(names[0]) if section == "columns" else repr(names)
                if value is None:
                    failures.append(
                        Failure(where, metric, 0.0, before - fall, f"tolerances={{{shown_key}: 1.0}}", "not scored now")
                    )
                elif value < before - fall - 1e-12:
                    failures.append(
                        Failure(
                            where,
                            metric,
                            value,
                            before - fall,
                            f"tolerances={{{shown_key}: {math.ceil((before - value) * 100) / 100:g}}}",
                            f"baseline {before:.3f}, tolerance {fall:g}",
                        )
                    )
    # one column (or pair) failing on several metrics: each line offers the fall that passes them all (a tolerance
    # is by column or pair; the smaller one would leave the others failing)
    need: dict[str, float] = {}
    for failure in failures:
        found = _RELAX.fullmatch(failure.relax)
        if found:
            need[found[1]] = max(need.get(found[1], 0.0), float(found[2]))
    for i, failure in enumerate(failures):
        found = _RELAX.fullmatch(failure.relax)
        if found and need[found[1]] > float(found[2]):
            failures[i] = dataclasses.replace(failure, relax=f"tolerances={{{found[1]}: {need[found[1]]:g}}}")
    before_score = recorded.get("score")
    if isinstance(before_score, (int, float)) and now["score"] is not None and now["score"] < before_score - default:
        failures.append(
            Failure(
                "overall",
                "score",
                now["score"],
                before_score - default,
                f"tolerance={math.ceil((before_score - now['score']) * 100) / 100:g}",
                f"baseline {before_score:.3f}",
            )
        )
    return failures
