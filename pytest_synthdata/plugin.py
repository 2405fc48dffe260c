"""pytest plugin: seeds, ``synth_<name>`` fixtures, report header and failure sections.

A thin adapter over the library. It imports nothing heavy at start-up: numpy,
pandas, scipy and Faker load only when a test asks for a synth fixture.

Seeds: one *base seed* per session (``--synthdata-seed``, else pytest-randomly's
seed when that plugin is active, else a fresh random one). Each test's data
uses ``derive_seed(base, node id, dataset)``, so it does not depend on test
order, ``-k`` selection or the xdist worker; xdist workers receive the
controller's base seed.
"""

from __future__ import annotations

import argparse
import shlex
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pytest

from . import _registry
from ._seeding import derive_seed, new_seed
from ._validate import (
    check_dataset,
    check_independent,
    check_name,
    check_rows,
    check_seed,
    rows_from_text,
    seed_from_text,
    suggest_name,
)
from .errors import DuplicateDataset, InvalidArgument

if TYPE_CHECKING:
    import pandas as pd

    from ._model import Model

SEED_OPTION = "--synthdata-seed"
ROWS_INI = "synthdata_rows"
MODELS_INI = "synthdata_models"
DEFAULT_MODELS = "tests/synthdata"
MODEL_SUFFIX = ".synth.json"
DEFAULT_ROWS = 100
CACHE_KEY = "synthdata/seed"
WORKER_KEY = "synthdata_seed"
SECTION = "synthdata: reproduce"


@dataclass
class _Used:
    dataset: str
    rows: int
    seed: int
    how: str
    overrides: tuple[str, ...] = ()
    independent: bool = False


@dataclass
class _State:
    seed: int
    seed_source: str
    datasets: dict[str, Model] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    synth_plugins: list[object] = field(default_factory=list)


_STATE = pytest.StashKey[_State]()
_USED = pytest.StashKey[list[_Used]]()


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
    parser.addini(
        ROWS_INI, help=f"Rows in each synth_<name> fixture (default {DEFAULT_ROWS}).", default=str(DEFAULT_ROWS)
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
            return randomly_seed, "pytest-randomly"
    return new_seed(), "random"


@pytest.hookimpl(trylast=True)  # after pytest-randomly has settled its seed
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "synthdata(rows=None, seed=None, independent=False): rows, exact seed and/or i.i.d. rows (instead of "
        "evenly spread ones) for the synth_* fixtures of this test.",
    )
    try:
        seed, source = _choose_seed(config)
    except pytest.UsageError:
        _registry.pending.clear()  # this session ends here; do not leak its datasets into the next
        raise
    _ini_rows(config)  # a bad value fails at start-up, not in every test
    state = _State(seed=seed, seed_source=source)
    config.stash[_STATE] = state
    if config.pluginmanager.hasplugin("xdist"):
        config.pluginmanager.register(_XdistHooks(), "synthdata-xdist")
    for name, plugin in config.pluginmanager.list_name_plugin():
        _adopt(config, plugin, name or "")
    _harvest(config)
    _discover_models(config)
    if _has_synth_plugins():
        from ._manager import plugin_manager

        for impl in plugin_manager().hook.synthdata_datasets.get_hookimpls():
            if impl.plugin not in state.synth_plugins:  # installed plugins; conftests were called on adoption
                _add_datasets(config, _call_datasets_hook(impl.function, config, impl.plugin_name), impl.plugin_name)


def _discover_models(config: pytest.Config) -> None:
    """Register every ``*.synth.json`` in the ``synthdata_models`` directories (loaded on first use)."""
    configured = list(config.getini(MODELS_INI) or [])
    directories = configured or [config.rootpath / DEFAULT_MODELS]
    for directory in directories:
        if not directory.is_dir():
            if configured:
                raise pytest.UsageError(
                    f"ini option {MODELS_INI} names {str(directory)!r}, which is not a directory; create it "
                    "(synthdata fit ... -o DIR/<name>.synth.json) or fix the path."
                )
            continue
        files = []
        for path in sorted(directory.glob(f"*{MODEL_SUFFIX}")):
            name = path.name[: -len(MODEL_SUFFIX)]
            try:
                check_name(
                    name,
                    where=f"model file {str(path)!r}",
                    fix=f"rename the file, e.g. {suggest_name(name)}{MODEL_SUFFIX}",
                )
            except InvalidArgument as exc:
                raise pytest.UsageError(str(exc)) from None
            files.append(_registry.ModelFile(path, name))
        _add_datasets(config, files, f"model files in {directory}")


def pytest_sessionfinish(session: pytest.Session) -> None:
    # Remember the seed for --synthdata-seed=last only when tests ran: a
    # --collect-only or --help run must not replace it.
    config = session.config
    cache = getattr(config, "cache", None)
    state = config.stash.get(_STATE, None)
    if state is None or cache is None or getattr(config, "workerinput", None) is not None:
        return
    if config.option.collectonly or not session.testscollected:
        return
    cache.set(CACHE_KEY, state.seed)


def pytest_unconfigure(config: pytest.Config) -> None:
    state = config.stash.get(_STATE, None)
    if state is None or not state.synth_plugins:
        return
    from ._manager import plugin_manager

    pm = plugin_manager()
    for plugin in state.synth_plugins:
        if pm.is_registered(plugin):
            pm.unregister(plugin)


def _has_synth_plugins() -> bool:
    from importlib.metadata import entry_points

    from ._manager import _PM, ENTRY_POINT_GROUP

    if _PM is not None:
        return True
    return bool(list(entry_points(group=ENTRY_POINT_GROUP)))


class _XdistHooks:
    def pytest_configure_node(self, node: Any) -> None:
        node.workerinput[WORKER_KEY] = node.config.stash[_STATE].seed


def pytest_report_header(config: pytest.Config) -> list[str]:
    state = config.stash[_STATE]
    return [f"synthdata: base seed {state.seed} ({state.seed_source}); reproduce with {SEED_OPTION}={state.seed}"]


def pytest_plugin_registered(plugin: object, plugin_name: str, manager: pytest.PytestPluginManager) -> None:
    config = manager.get_plugin("pytestconfig")
    if config is None or _STATE not in config.stash:
        return  # pytest_configure adopts and harvests whatever was registered before it
    _adopt(config, plugin, plugin_name)
    _harvest(config)


def _adopt(config: pytest.Config, plugin: object, plugin_name: str) -> None:
    """Register a conftest (or pytest plugin module) that implements synthdata hooks."""
    if not isinstance(plugin, types.ModuleType) or plugin_name.startswith("synthdata-"):
        return
    import difflib
    import inspect

    from ._manager import HOOK_NAMES, plugin_manager

    functions = [n for n, v in vars(plugin).items() if n.startswith("synthdata_") and inspect.isfunction(v)]
    hooks = [n for n in functions if n in HOOK_NAMES]
    for name in set(functions) - set(hooks):  # a near miss is a typo; anything else is the user's own helper
        close = difflib.get_close_matches(name, HOOK_NAMES, n=1, cutoff=0.85)
        if close:
            raise pytest.UsageError(f"{plugin_name}: {name}() looks like the hook {close[0]}(); fix its name.")
    if not hooks:
        return
    pm = plugin_manager()
    if pm.is_registered(plugin):
        return
    pm.register(plugin, name=f"pytest-plugin:{plugin_name}")
    config.stash[_STATE].synth_plugins.append(plugin)
    if "synthdata_datasets" in hooks:
        hook = plugin.synthdata_datasets  # type: ignore[attr-defined]
        _add_datasets(config, _call_datasets_hook(hook, config, plugin_name), plugin_name)


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Any:
    report = yield
    if isinstance(collector, pytest.Module) and _registry.pending:
        names = ", ".join(f"synth_{m.name}" for m in _registry.pending)
        _registry.pending.clear()
        report.outcome = "failed"
        report.longrepr = (
            f"{collector.nodeid} (or a module it imports) called pytest_synthdata.register() for {names} while "
            "tests were being collected, too late for pytest to see the fixtures everywhere. Call register() "
            "in a conftest.py that covers the tests using them."
        )
    return report


def _harvest(config: pytest.Config) -> None:
    """Turn models waiting in ``register()``'s queue into fixtures of this session."""
    if _registry.pending:
        waiting, _registry.pending[:] = list(_registry.pending), []
        _add_datasets(config, waiting, "register()")


def _call_datasets_hook(function: Any, config: pytest.Config, source: str) -> list[Any]:
    """Call a ``synthdata_datasets`` implementation; turn its mistakes into clear usage errors."""
    import inspect

    try:
        takes_config = "config" in inspect.signature(function).parameters
        result = function(config=config) if takes_config else function()
    except Exception as exc:
        raise pytest.UsageError(f"synthdata_datasets in {source} raised {type(exc).__name__}: {exc}") from exc
    if result is None:
        return []
    if callable(getattr(result, "sample", None)):
        return [result]
    if isinstance(result, (list, tuple)):
        return list(result)
    raise pytest.UsageError(
        f"synthdata_datasets in {source} returned {type(result).__name__}; return a list of Schemas or Models."
    )


def _add_datasets(config: pytest.Config, models: Any, source: str) -> None:
    """Register global fixtures for datasets from plugins (conftests define their own)."""
    state = config.stash[_STATE]
    for model in models or ():
        name = check_dataset(model, where=source)
        existing = state.datasets.get(name)
        if existing is model:
            continue
        if existing is not None:
            raise pytest.UsageError(
                f"{DuplicateDataset.__name__}: two different datasets want the global fixture 'synth_{name}': "
                f"{existing!r} from {state.sources[name]} and {model!r} from {source}; rename one of them "
                "(in conftests, register() scopes datasets to the conftest's directory instead)."
            )
        state.datasets[name] = model
        state.sources[name] = source
        module = types.ModuleType(f"pytest_synthdata.datasets.{name}")
        for fixture_id, function in fixture_functions(model).items():
            setattr(module, fixture_id, function)
        config.pluginmanager.register(module, name=f"synthdata-dataset-{name}")


_MARKER_KEYS = ("rows", "seed", "independent")


def _marker_value(request: pytest.FixtureRequest, key: str) -> Any:
    """Return ``key`` from the closest ``synthdata`` marker that sets it (function, class, module)."""
    for marker in request.node.iter_markers("synthdata"):
        if marker.args or set(marker.kwargs) - set(_MARKER_KEYS):
            bad = [repr(a) for a in marker.args] + [f"{k}=" for k in marker.kwargs if k not in _MARKER_KEYS]
            pytest.fail(
                f"{request.node.nodeid}: @pytest.mark.synthdata got {', '.join(bad)}; it takes only rows=, seed= "
                "and independent=.",
                pytrace=False,
            )
        value = marker.kwargs.get(key)
        if value is None:
            continue
        if key == "independent":
            if not isinstance(value, bool):
                pytest.fail(
                    f"{request.node.nodeid}: @pytest.mark.synthdata(independent={value!r}) must be True or False.",
                    pytrace=False,
                )
            return value
        where = f"{request.node.nodeid}: @pytest.mark.synthdata"
        try:
            return check_rows(value, argument=key, where=where) if key == "rows" else check_seed(value, where=where)
        except InvalidArgument as exc:
            pytest.fail(str(exc), pytrace=False)
    return None


def _ini_rows(config: pytest.Config) -> int:
    try:
        return rows_from_text(config.getini(ROWS_INI), argument=ROWS_INI, where="ini option")
    except InvalidArgument as exc:
        raise pytest.UsageError(str(exc)) from None


def _rows(request: pytest.FixtureRequest) -> int:
    rows = _marker_value(request, "rows")
    return _ini_rows(request.config) if rows is None else rows


def _record(request: pytest.FixtureRequest, used: _Used) -> None:
    request.node.stash.setdefault(_USED, []).append(used)


def _state(request: pytest.FixtureRequest) -> _State:
    state = request.config.stash.get(_STATE, None)
    if state is None:
        pytest.fail(
            "pytest-synthdata's plugin is disabled (-p no:synthdata?), so synth_* fixtures have no seed; "
            "enable it to use them.",
            pytrace=False,
        )
    return state


def fixture_functions(model: Model, module: str | None = None) -> dict[str, Any]:
    """Return the fixtures ``synth_<name>`` and ``synth_<name>_factory`` for ``model``.

    ``module`` names the module that defines them (a conftest), as shown by
    ``pytest --fixtures``.
    """
    name = model.name

    def data(request: pytest.FixtureRequest) -> pd.DataFrame:
        state = _state(request)
        rows = _rows(request)
        seed = _marker_value(request, "seed")
        if seed is None:
            seed = derive_seed(state.seed, request.node.nodeid, name)
        independent = bool(_marker_value(request, "independent"))
        _record(request, _Used(name, rows, seed, f"synth_{name}", independent=independent))
        return _sample(model, rows, seed, independent)

    about = f"from {model.path}" if isinstance(model, _registry.ModelFile) else f"({', '.join(model.columns)})"
    data.__doc__ = (
        f"DataFrame of synthetic {name!r} rows {about}; "
        f"`{ROWS_INI}` rows (default {DEFAULT_ROWS}), seeded per test from the base seed."
    )

    def factory(request: pytest.FixtureRequest) -> Callable[..., pd.DataFrame]:
        state = _state(request)
        default_rows = _rows(request)
        independent = bool(_marker_value(request, "independent"))
        calls = [0]

        def make(n: int | None = None, /, *, seed: int | None = None, **overrides: Any) -> pd.DataFrame:
            """Return ``n`` synthetic rows (default: the fixture's row count).

            ``seed`` picks exact rows; by default each call in a test gets its own
            derived seed. Keyword overrides set a column to a value or a sequence.
            """
            rows = default_rows if n is None else check_rows(n, where=f"synth_{name}_factory()")
            if seed is None:
                seed = derive_seed(state.seed, request.node.nodeid, name, "factory", calls[0])
            else:
                seed = check_seed(seed, where=f"synth_{name}_factory()")
            calls[0] += 1
            frame = _sample(model, rows, seed, independent)
            _record(
                request,
                _Used(name, len(frame), seed, f"synth_{name}_factory", tuple(overrides), independent=independent),
            )
            return _apply_overrides(model, frame, overrides)

        return make

    factory.__doc__ = (
        f"Callable `(n=None, *, seed=None, **column_overrides)` returning synthetic {name!r} rows; "
        "each call in a test gets its own reproducible seed."
    )
    for function in (data, factory):
        function.__module__ = module or f"pytest_synthdata.datasets.{name}"
    return {
        f"synth_{name}": pytest.fixture(name=f"synth_{name}")(data),
        f"synth_{name}_factory": pytest.fixture(name=f"synth_{name}_factory")(factory),
    }


def _sample(model: Any, rows: int, seed: int, independent: bool = False) -> pd.DataFrame:
    """Sample for a fixture; a broken model file fails the test with its message, not a traceback."""
    from .errors import ModelFileError

    options = {"independent": True} if independent else {}
    if options:
        try:
            check_independent(model, argument="@pytest.mark.synthdata(independent=True)", fix="drop it")
        except InvalidArgument as exc:
            pytest.fail(str(exc), pytrace=False)
    try:
        return model.sample(rows, seed=seed, **options)
    except ModelFileError as exc:
        pytest.fail(str(exc), pytrace=False)


_NULLABLE = {"bool": "boolean", "int64": "Int64"}
#: Inferred value types (pandas.api.types.infer_dtype) an override may have, by dtype kind.
_OVERRIDE_KINDS = {
    "i": {"integer", "floating", "mixed-integer-float", "empty"},
    "u": {"integer", "floating", "mixed-integer-float", "empty"},
    "f": {"integer", "floating", "mixed-integer-float", "decimal", "empty"},
    "b": {"boolean", "empty"},
    "M": {"datetime64", "datetime", "date", "empty"},
}


def _apply_overrides(model: Model, frame: pd.DataFrame, overrides: dict[str, Any]) -> pd.DataFrame:
    if not overrides:
        return frame
    import pandas as pd
    from pandas.api.types import is_list_like

    for column, value in overrides.items():
        if column not in frame.columns:
            raise InvalidArgument(
                f"dataset {model.name!r} has no column {column!r} to override; its columns are {list(frame.columns)}."
            )
        if isinstance(value, dict) or getattr(value, "ndim", 1) > 1:
            raise InvalidArgument(
                f"override for column {column!r}: pass a scalar or a 1-D sequence, not {type(value).__name__}."
            )
        values = list(value) if is_list_like(value) else [value] * len(frame)
        if len(values) != len(frame):
            raise InvalidArgument(
                f"override for column {column!r} has {len(values)} values for {len(frame)} rows; "
                "pass a scalar or one value per row."
            )
        dtype: Any = frame[column].dtype
        given = pd.Series(values, index=frame.index, dtype=object)
        given = given.where(given.notna(), None)  # pd.NA, NaN and None all mean missing
        inferred = pd.api.types.infer_dtype(given, skipna=True)
        allowed = _OVERRIDE_KINDS.get(dtype.kind if not isinstance(dtype, pd.CategoricalDtype) else "O")
        if allowed is not None and inferred not in allowed:
            raise InvalidArgument(
                f"override for column {column!r}: {value!r} ({inferred}) does not fit its dtype {dtype}; "
                "pass values of that type."
            )
        if dtype.kind in "iu" and inferred in ("floating", "mixed-integer-float"):
            if not all(float(v).is_integer() for v in given.dropna()):
                raise InvalidArgument(
                    f"override for column {column!r}: {value!r} has fractions but the column holds whole numbers."
                )
        if isinstance(dtype, pd.CategoricalDtype):
            extra = [v for v in pd.unique(given.dropna()) if v not in dtype.categories]
            dtype = pd.CategoricalDtype(list(dtype.categories) + extra, ordered=dtype.ordered)
        elif given.isna().any() and str(dtype) in _NULLABLE:
            dtype = _NULLABLE[str(dtype)]  # None in a bool/int column becomes <NA>, not False/0
        try:
            frame[column] = given.astype(dtype)
        except (TypeError, ValueError) as exc:
            raise InvalidArgument(
                f"override for column {column!r}: {value!r} does not fit its dtype {dtype} ({exc}); "
                "pass values of that type."
            ) from None
    return frame


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.failed and call.excinfo is not None and call.excinfo.typename == "FixtureLookupError":
        missing = getattr(call.excinfo.value, "argname", "") or ""
        if missing.startswith("synth_"):
            datasets = sorted(item.config.stash[_STATE].datasets) if _STATE in item.config.stash else []
            report.sections.append(
                (
                    "synthdata",
                    f"{missing!r} is not a registered dataset here. Register it in a conftest.py that covers "
                    f"this test: sd.register(sd.Schema({missing.removeprefix('synth_').removesuffix('_factory')!r}, ...))."
                    + (f" Global datasets: {', '.join(datasets)}." if datasets else ""),
                )
            )
    used = item.stash.get(_USED, None)
    if used and report.failed:
        state = item.config.stash[_STATE]
        lines = []
        for u in used:
            extra = f", then overrides of {', '.join(u.overrides)}" if u.overrides else ""
            lines.append(f"{u.how}: dataset {u.dataset!r}, {u.rows} rows, seed {u.seed}{extra}")
        lines.append(f"reproduce: pytest {shlex.quote(item.nodeid)} {SEED_OPTION}={state.seed}  (from the rootdir)")
        for u in used:
            iid = ", independent=True" if u.independent else ""
            lines.append(f"same rows in Python: <{u.dataset} model>.sample({u.rows}, seed={u.seed}{iid})")
        text = "\n".join(lines)
        if hasattr(report.longrepr, "addsection"):
            report.longrepr.addsection(SECTION, text)  # shown even with --show-capture=no
        else:
            report.sections.append((SECTION, text))
    return report
