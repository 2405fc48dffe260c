"""pytest plugin: options, ini, seeds, report header, failure sections, xdist; pytest hooks only.

A thin adapter: the fixtures are built in ``_fixtures``, the session's datasets
gathered in ``_registry``, arguments checked in ``_validate``. It imports
nothing heavy at start-up: numpy, pandas, scipy and Faker load only when a test
asks for a synth fixture.

Seeds: one *base seed* per session (``--synthdata-seed``, else pytest-randomly's
seed when that plugin is active, modulo 2**63 when it is negative or too large
for ``--synthdata-seed``, else a fresh random one). Each test's data
uses ``derive_seed(base, node id, dataset)``, so it does not depend on test
order, ``-k`` selection or the xdist worker; xdist workers receive the
controller's base seed.
"""

from __future__ import annotations

import argparse
import shlex
from pathlib import Path
from typing import Any

import pytest

from . import _registry
from ._db import DB_INI
from ._fidelity import baseline, summary
from ._fixtures import DEFAULT_ROWS, EDGES_INI, ROWS_INI, STATE, USED, SessionState, ini_edge_cases, ini_rows
from ._registry import DEFAULT_MODELS, MODEL_SUFFIX, MODELS_INI
from ._seeding import new_seed
from ._validate import seed_from_text, wrap_seed
from .errors import InvalidArgument

SEED_OPTION = "--synthdata-seed"
CACHE_KEY = "synthdata/seed"
WORKER_KEY = "synthdata_seed"
SECTION = "synthdata: reproduce"
UPDATE_BASELINES_OPTION = "--synthdata-update-baselines"


def _seed_arg(value: str) -> str | int:
    if value in ("random", "last"):
        return value
    try:
        return seed_from_text(value, argument=SEED_OPTION, others="'random' or 'last'")
    except InvalidArgument as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("synthdata", "synthetic test data (pytest-synthdata)")
    group.addoption(
        SEED_OPTION,
        action="store",
        dest="synthdata_seed",
        type=_seed_arg,
        default=None,
        metavar="SEED",
        help="Base seed for synth_* fixtures: an integer, 'random' (default; pytest-randomly's "
        "seed when it is active) or 'last' (the previous run's seed).",
    )
    group.addoption(
        UPDATE_BASELINES_OPTION,
        action="store_true",
        dest="synthdata_update_baselines",
        default=False,
        help="Write or refresh the drift baselines that sd.assert_no_drift() compares against, instead of "
        "comparing (files <baseline>.baseline.json in the first synthdata_models directory by default).",
    )
    group.addoption(
        summary.REPORT_OPTION,
        action="store",
        dest="synthdata_report",
        default=None,
        metavar="PATH",
        help="Write the visual fidelity report (HTML, needs matplotlib) of every dataset the tests used: PATH for "
        "one, PATH-<dataset>.html for each of several.",
    )
    parser.addini(
        ROWS_INI, help=f"Rows in each synth_<name> fixture (default {DEFAULT_ROWS}).", default=str(DEFAULT_ROWS)
    )
    parser.addini(
        EDGES_INI,
        help="Share of rows (0 to 1) of each synth_<name> fixture that are edge cases: tails, bounds, rare "
        "categories, nulls, extreme text (default 0: none).",
        default="0",
    )
    parser.addini(
        DB_INI,
        help="SQLAlchemy URL of the database server synth_<name>_db fixtures use (a fresh database per test; "
        "default: a new SQLite file per test).",
        default="",
    )
    parser.addini(
        MODELS_INI,
        type="paths",
        help=f"Directories whose *{MODEL_SUFFIX} model files become synth_<file name> fixtures "
        f"(default: {DEFAULT_MODELS} under the rootdir).",
    )


def _choose_seed(config: pytest.Config) -> tuple[int, str]:
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None and WORKER_KEY in workerinput:
        return int(workerinput[WORKER_KEY]), "xdist controller"
    option = config.getoption("synthdata_seed")
    if isinstance(option, int):
        return option, SEED_OPTION
    if option == "last":
        cache = getattr(config, "cache", None)
        last = cache.get(CACHE_KEY, None) if cache is not None else None
        if not isinstance(last, int):
            raise pytest.UsageError(
                f"{SEED_OPTION}=last: no previous seed is cached (run once without it first, "
                "and keep the cacheprovider plugin enabled)."
            )
        return last, "last run"
    if option is None and config.pluginmanager.hasplugin("randomly"):
        randomly_seed = getattr(config.option, "randomly_seed", None)
        if isinstance(randomly_seed, int):
            seed = wrap_seed(randomly_seed)  # it takes any int; ours must pass --synthdata-seed
            if seed == randomly_seed:
                return seed, "pytest-randomly"
            return seed, f"pytest-randomly's {randomly_seed} modulo 2**63"
    return new_seed(), "random"


@pytest.hookimpl(trylast=True)  # after pytest-randomly has settled its seed
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "synthdata(rows=None, seed=None, independent=False, conditions=None, edge_cases=None, edge_kinds=None, "
        "edge_columns=None, balance=None): rows, exact seed, i.i.d. rows (instead of evenly spread ones), "
        "conditions ({column: value, [values], (low, high) or None}), a share of edge-case rows and/or balanced "
        "classes for the synth_* fixtures of this test.",
    )
    try:
        seed, source = _choose_seed(config)
    except pytest.UsageError:
        _registry.pending.clear()  # this session ends here; do not leak its datasets into the next
        raise
    ini_rows(config)  # a bad value fails at start-up, not in every test
    ini_edge_cases(config)
    config.stash[STATE] = SessionState(seed=seed, seed_source=source)
    if config.pluginmanager.hasplugin("xdist"):
        config.pluginmanager.register(_XdistHooks(), "synthdata-xdist")
    _registry.start_session(config)
    baseline.attach(config)


def pytest_sessionfinish(session: pytest.Session) -> None:
    # Remember the seed for --synthdata-seed=last only when tests ran: a
    # --collect-only or --help run must not replace it.
    config = session.config
    summary.worker_output(config)  # (an xdist worker: tell the controller which datasets its tests used)
    cache = getattr(config, "cache", None)
    state = config.stash.get(STATE, None)
    if state is None or cache is None or getattr(config, "workerinput", None) is not None:
        return
    if config.option.collectonly or not session.testscollected:
        return
    cache.set(CACHE_KEY, state.seed)


def pytest_unconfigure(config: pytest.Config) -> None:
    baseline.detach(config)
    state = config.stash.get(STATE, None)
    if state is None or not state.synth_plugins:
        return
    from ._manager import plugin_manager

    pm = plugin_manager()
    for plugin in state.synth_plugins:
        if pm.is_registered(plugin):
            pm.unregister(plugin)


class _XdistHooks:
    def pytest_configure_node(self, node: Any) -> None:
        node.workerinput[WORKER_KEY] = node.config.stash[STATE].seed

    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        summary.merge_worker(node.config, getattr(node, "workeroutput", None))


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    summary.write_summary(terminalreporter, config)


def pytest_report_header(config: pytest.Config) -> list[str]:
    state = config.stash[STATE]
    return [f"synthdata: base seed {state.seed} ({state.seed_source}); reproduce with {SEED_OPTION}={state.seed}"]


def pytest_plugin_registered(plugin: object, plugin_name: str, manager: pytest.PytestPluginManager) -> None:
    config = manager.get_plugin("pytestconfig")
    if config is None or STATE not in config.stash:
        return  # pytest_configure adopts and harvests whatever was registered before it
    try:
        _registry.adopt(config, plugin, plugin_name)
        _registry.harvest(config)
    except pytest.UsageError as exc:
        state = config.stash[STATE]
        if not state.collecting:
            raise
        # A conftest loaded while collecting a directory: its mistake fails that directory's collection with
        # this message (pytest would print the hook machinery's traceback for a raise here).
        state.late_errors.append(str(exc))


@pytest.hookimpl(wrapper=True)
def pytest_collection(session: pytest.Session) -> Any:
    state = session.config.stash.get(STATE, None)
    if state is not None:
        state.collecting = True
    try:
        result = yield
    finally:
        if state is not None:
            state.collecting = False
    if state is not None and state.late_errors:  # no collector reported them: never drop an error
        errors, state.late_errors[:] = list(state.late_errors), []
        raise pytest.UsageError("\n".join(errors))
    return result


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Any:
    report = yield
    state = collector.config.stash.get(STATE, None)
    if state is not None and state.late_errors:
        report.outcome = "failed"
        report.longrepr = "\n".join(state.late_errors)
        state.late_errors.clear()
    elif isinstance(collector, pytest.Module) and _registry.pending:
        names = ", ".join(f"synth_{m.name}" for m in _registry.pending)
        _registry.pending.clear()
        report.outcome = "failed"
        report.longrepr = (
            f"{collector.nodeid} (or a module it imports) called pytest_synthdata.register() for {names} while "
            "tests were being collected, too late for pytest to see the fixtures everywhere. Call register() "
            "in a conftest.py that covers the tests using them."
        )
    return report


def _describe_conditions(conditions: Any) -> str:
    from ._conditions import describe  # (only for a failing test's report)

    return describe(conditions)


def _missing_dataset(config: pytest.Config, fixture: str) -> str:
    """Why ``fixture`` (``synth_<name>[_factory|_db]``) is not there: where model files were looked for, how to add it."""
    state = config.stash[STATE]
    database = fixture.endswith("_db")
    name = fixture.removeprefix("synth_").removesuffix("_factory").removesuffix("_db")
    source = f"ini option {MODELS_INI}" if state.model_dirs_configured else f"{MODELS_INI} (default {DEFAULT_MODELS})"
    searched = []
    for directory, exists in state.model_dirs:
        if not exists:
            searched.append(f"{directory} (does not exist)")
            continue
        files = sorted(p.name for p in Path(directory).glob(f"*{MODEL_SUFFIX}"))
        searched.append(f"{directory} ({', '.join(files) if files else 'no model files'})")
    first = state.model_dirs[0][0] if state.model_dirs else DEFAULT_MODELS
    headline = (
        f"{fixture!r} is not a registered dataset here: register it in a conftest.py that covers this test, "
        f"sd.register(sd.Schema({name!r}, ...)), or add a model file."
    )
    fit = f"synthdata fit data.csv -o {Path(first) / (name + MODEL_SUFFIX)}"
    if database:  # (only a Dataset has a _db fixture; a single table named so is the likelier mistake)
        single = _single_table(state, name)
        dataset, table = ("shop", name) if single else (name, "customers")
        headline = (
            f"{fixture!r} is not a fixture here: synth_<name>_db (a database of linked tables, keys declared) "
            "exists only for an sd.Dataset"
            + (
                f", and {name!r} is a single table: its fixtures are synth_{name} and synth_{name}_factory"
                if single
                else ""
            )
            + ". Register a Dataset in a conftest.py that covers this test, e.g. "
            f"sd.register(sd.Dataset({dataset!r}, tables={{{table!r}: ..., 'orders': ...}}, "
            f"relations=[('orders.owner_id', '{table}.id')], children={{'orders': sd.Integer(low=0, high=3)}})), "
            f"and use synth_{dataset}_db; or add a dataset file. See the how-to 'Database fixtures'."
        )
        fit = (
            f"synthdata fit {table}.csv orders.csv --relation orders.owner_id={table}.id -o "
            f"{Path(first) / (dataset + MODEL_SUFFIX)}"
        )
        if single:
            return headline
    lines = [
        headline,
        f"Model files: {source} searched {'; '.join(searched) or 'no directory'}, and found no {name}{MODEL_SUFFIX}.",
        *config.stash.get(_registry.SKIPPED, []),  # (files whose names make no fixture: my-customers.synth.json)
        f"Add one with `{fit}`, or point {MODELS_INI} in your pytest ini at the directory that holds it.",
    ]
    if state.datasets:
        lines.append(f"Global datasets: {', '.join(sorted(state.datasets))}.")
    return "\n".join(lines)


def _single_table(state: SessionState, name: str) -> bool:
    """Whether a single-table dataset ``name`` is registered: a global one, or one of a loaded conftest."""
    import sys

    found = [state.datasets.get(name)]
    for module in list(sys.modules.values()):
        try:
            registered = getattr(module, "__dict__", {}).get("__synthdata_datasets__")
        except Exception:  # a lazy module may run code on attribute access; it registered nothing
            continue
        if isinstance(registered, dict):
            found.append(registered.get(name))
    return any(model is not None and not getattr(type(model), "linked_tables", False) for model in found)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.failed and call.excinfo is not None and call.excinfo.typename == "FixtureLookupError":
        missing = getattr(call.excinfo.value, "argname", "") or ""
        if missing.startswith("synth_") and STATE in item.config.stash:
            report.sections.append(("synthdata", _missing_dataset(item.config, missing)))
    used = item.stash.get(USED, None)
    if used:
        summary.note_used(item.config, used)
    if used and report.failed:
        state = item.config.stash[STATE]
        lines = []
        for u in used:
            extra = f", conditions {_describe_conditions(u.conditions)}" if u.conditions is not None else ""
            extra += "".join(f", {key} {value!r}" for key, value in u.shaping.items())
            extra += f", then overrides of {', '.join(u.overrides)}" if u.overrides else ""
            lines.append(f"{u.how}: dataset {u.dataset!r}, {u.rows} rows, seed {u.seed}{extra}")
            lines.extend(f"  {table}" for table in u.tables)
            if u.edge_count:
                more = f" (the first {len(u.edge_lines)})" if u.edge_count > len(u.edge_lines) else ""
                lines.append(f"  {u.edge_count} edge rows{more}:")
                lines.extend(f"    {line}" for line in u.edge_lines)
        lines.append(f"reproduce: pytest {shlex.quote(item.nodeid)} {SEED_OPTION}={state.seed}  (from the rootdir)")
        from ._failures import python_line, write_frames

        for u in used:
            lines.append(f"same rows in Python: {python_line(u, item.config.rootpath)}")
        folder, notes = write_frames(item.config, item.nodeid, used)
        if folder is not None:
            shown = folder.relative_to(item.config.rootpath) if folder.is_relative_to(item.config.rootpath) else folder
            before = " (factory rows before their overrides)" if any(u.overrides for u in used) else ""
            lines.append(f"frames{before}: {shown}/  (read one with pandas.read_json(path, orient='table'))")
        lines.extend(notes)
        text = "\n".join(lines)
        if hasattr(report.longrepr, "addsection"):
            report.longrepr.addsection(SECTION, text)  # shown even with --show-capture=no
        else:
            report.sections.append((SECTION, text))
    return report
