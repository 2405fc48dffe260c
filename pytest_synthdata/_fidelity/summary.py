"""The pytest run's fidelity summary: one line per dataset the tests used, and ``--synthdata-report`` pages.

Each test's synth fixtures record the datasets they sampled (``_fixtures.USED``);
the plugin hands them here after every test. Under pytest-xdist each worker
sends the names it saw to the controller (``config.workeroutput``), which
scores them: a fresh sample of :data:`SUMMARY_ROWS` rows at the session's base
seed, scored against the dataset's profile (a fitted model's stored profile, a
declared schema's own distribution). Scoring happens at the end of the run and
only when a synth fixture was used, so pytest's start-up stays light.
"""

from __future__ import annotations

import pathlib
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from .report import FidelityReport

__all__ = ["REPORT_OPTION", "SUMMARY_ROWS", "WORKER_KEY", "merge_worker", "note_used", "worker_output", "write_summary"]

REPORT_OPTION = "--synthdata-report"
#: Rows of the sample each used dataset is scored on.
SUMMARY_ROWS = 2000
#: ``config.workeroutput`` key: the names of the datasets a worker's tests used.
WORKER_KEY = "synthdata_used_datasets"
#: On ``config.stash``: dataset name -> the model (None when only its name came from a worker).
USED_DATASETS = pytest.StashKey[dict[str, Any]]()


def note_used(config: pytest.Config, used: Any) -> None:
    """Remember the datasets a test's fixtures sampled (``Used`` records)."""
    seen = config.stash.setdefault(USED_DATASETS, {})
    for u in used or ():
        if seen.get(u.dataset) is None:
            seen[u.dataset] = u.model


def worker_output(config: pytest.Config) -> None:
    """On an xdist worker: pass the used datasets' names to the controller."""
    output = getattr(config, "workeroutput", None)
    if output is not None:
        used: dict[str, Any] = config.stash.get(USED_DATASETS, {})
        output[WORKER_KEY] = sorted(used)


def merge_worker(config: pytest.Config, output: Any) -> None:
    """On the xdist controller: add the names a finished worker used."""
    names = output.get(WORKER_KEY, []) if isinstance(output, dict) else []
    seen = config.stash.setdefault(USED_DATASETS, {})
    for name in names:
        if isinstance(name, str):
            seen.setdefault(name, None)


def _model(config: pytest.Config, name: str, model: Any) -> Any:
    """The registered Model or Dataset of ``name`` (a model or dataset file registered lazily loads here)."""
    if model is None:
        from .baseline import _session_model

        model = _session_model(name)
    if _is_dataset(model):
        return model
    if getattr(model, "linked_tables", False):  # (a dataset file: its Dataset; Dataset.model is a method)
        return model.dataset
    return getattr(model, "model", model)


def _is_dataset(model: Any) -> bool:
    from .._dataset import Dataset

    return isinstance(model, Dataset)


def _score(model: Any, seed: int) -> FidelityReport | dict[str, FidelityReport]:
    """A model's report on a sample of it; for linked tables, each table's report (against its table's model)."""
    from .reference import reference_for
    from .report import fidelity_report

    if _is_dataset(model):
        frames = model.sample(SUMMARY_ROWS, seed=seed)
        # (each table's own columns: a table's model may also carry its parent's coordinates, which it does not
        # sample as columns of its own)
        out = {}
        for table, frame in frames.items():
            reference = reference_for(model.model(table))  # (built once: a declared table's samples its model)
            scored = reference.columns()
            out[table] = fidelity_report(reference, frame, columns=[c for c in frame.columns if c in scored])
        return out
    return fidelity_report(model, model.sample(SUMMARY_ROWS, seed=seed))


def _shown(score: float) -> str:
    """A score to 3 decimals, or "n/a" (pair trends without a pair that counts)."""
    return "n/a" if score != score else f"{score:.3f}"


def _html_path(base: pathlib.Path, name: str, many: bool) -> pathlib.Path:
    """``report.html`` for one dataset; ``report-<name>.html`` for each of several."""
    return base.with_name(f"{base.stem}-{name}{base.suffix or '.html'}") if many else base


def write_summary(terminal: Any, config: pytest.Config) -> None:
    """Write the ``synthdata fidelity`` section, and the HTML pages ``--synthdata-report`` asks for."""
    if getattr(config, "workerinput", None) is not None:
        return
    used = config.stash.get(USED_DATASETS, {})
    if not used:
        return
    from .._fixtures import STATE

    state = config.stash.get(STATE, None)
    seed = state.seed if state is not None else 0
    target = config.getoption("synthdata_report", None)
    base = pathlib.Path(target) if target else None
    if base is not None and not base.is_absolute():
        base = config.invocation_params.dir / base
    terminal.write_sep("-", "synthdata fidelity")
    names = sorted(used)
    for name in names:
        try:
            model = _model(config, name, used[name])
            if model is None:
                terminal.write_line(f"{name}: no fidelity score (the dataset is not registered on the controller)")
                continue
            report = _score(model, seed)
        except Exception as exc:  # a summary line must never fail the run
            terminal.write_line(f"{name}: no fidelity score ({type(exc).__name__}: {exc})")
            continue
        reports = report if isinstance(report, dict) else {None: report}
        many = len(names) > 1 or len(reports) > 1
        for table, scored in reports.items():
            label = name if table is None else f"{name}.{table}"
            rows = f"{SUMMARY_ROWS} rows" if table is None else f"{SUMMARY_ROWS} root rows"
            terminal.write_line(
                f"{label}: fidelity {_shown(scored.score)} (column shapes {_shown(scored.column_shapes)}, pair "
                f"trends {_shown(scored.column_pair_trends)}) against {scored.reference}; {rows}, seed {seed}"
            )
            _write_html(terminal, scored, base, label, many)


def _write_html(terminal: Any, report: FidelityReport, base: pathlib.Path | None, label: str, many: bool) -> None:
    """Write ``report``'s HTML page where ``--synthdata-report`` asks for one."""
    if base is None:
        return
    path = _html_path(base, label, many)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        written = report.to_html(path)
    except Exception as exc:
        terminal.write_line(f"  report not written: {type(exc).__name__}: {exc}")
    else:
        terminal.write_line(f"  report: {written}")
