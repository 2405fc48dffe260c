"""The datasets of a session and where they come from; each becomes ``synth_<name>`` fixtures.

Datasets come from ``register(model)`` (in a conftest: fixtures of that
conftest; elsewhere: global), from ``synthdata_datasets`` hooks (conftests and
installed plugins) and from model files in the ``synthdata_models``
directories (``ModelFile``: loaded on first use). Models registered at import
time wait in ``pending`` until the plugin, told that a conftest or plugin was
loaded, turns them into global fixtures of that session (``harvest``).

Imports nothing heavy (pytest is already loaded when the plugin or a conftest
reads it): numpy and pandas load when a fixture samples.
"""

from __future__ import annotations

import os
import sys
import types
from typing import TYPE_CHECKING, Any

import pytest

from ._fixtures import STATE, fixture_functions
from ._validate import check_dataset
from .errors import DuplicateDataset, InvalidArgument

if TYPE_CHECKING:
    from ._model import Model

__all__ = [
    "DEFAULT_MODELS",
    "MODELS_INI",
    "MODEL_SUFFIX",
    "DatasetFile",
    "ModelFile",
    "add_datasets",
    "adopt",
    "fixture_name",
    "harvest",
    "model_file_problem",
    "register",
    "start_session",
]

MODELS_INI = "synthdata_models"
DEFAULT_MODELS = "tests/synthdata"
MODEL_SUFFIX = ".synth.json"

#: Models registered outside conftests (global fixtures) not yet seen by the
#: plugin, in registration order.
pending: list[Any] = []


def fixture_name(model: Any) -> str:
    """Return the fixture name for a dataset: ``synth_<name>``."""
    return f"synth_{model.name}"


#: ``register(model, scope=...)`` of models waiting in ``pending``, by id.
scopes: dict[int, str] = {}


def register(model: Model, *, scope: str = "function") -> Model:
    """Expose ``model`` as the fixtures ``synth_<name>`` and ``synth_<name>_factory``.

    Call it at import time of a ``conftest.py``: the fixtures are then defined
    in that conftest and visible where its own fixtures are. Called from any
    other module (a plugin), they are global. A deeper conftest may register
    another dataset of the same name, which overrides it there, as pytest
    fixtures do. Registering the same model twice is harmless; registering a
    different model under a name already taken in the same conftest (or
    globally) raises :class:`~pytest_synthdata.errors.DuplicateDataset`. Returns
    ``model`` so it can be used as ``customers = sd.register(sd.Schema(...))``.

    ``scope="module"`` (or ``"class"``, ``"package"``, ``"session"``) shares
    one draw of ``synth_<name>`` per scope, seeded from the scope's node id;
    factories stay per test. A :class:`~pytest_synthdata.Dataset` also gets
    ``synth_<name>_db`` (see ``docs/how-to/database-fixtures.md``).
    """
    name = check_dataset(model, where="register()")
    caller = sys._getframe(1).f_globals
    conftest = caller.get("__file__")
    if isinstance(conftest, str) and os.path.basename(conftest) == "conftest.py":
        # Define the fixtures in the conftest itself, so pytest scopes them to
        # its directory (and lets a deeper conftest override them) exactly like
        # fixtures written there by hand.
        local = caller.setdefault("__synthdata_datasets__", {})
        other = local.get(name)
        if other is not None and other is not model:
            raise DuplicateDataset(
                f"{conftest} registers two different datasets as {fixture_name(model)!r} "
                f"({other!r} and {model!r}); give one of them another name."
            )
        local[name] = model
        caller.update(fixture_functions(model, caller.get("__name__"), scope=scope))
        return model
    for other in pending:
        if other is model:
            return model
        if other.name == name:
            raise DuplicateDataset(
                f"two different datasets are registered as {fixture_name(model)!r} ({other!r} and {model!r}); "
                "give one of them another name."
            )
    fixture_functions(model, scope=scope) if scope != "function" else None  # (checks the scope now)
    scopes[id(model)] = scope
    pending.append(model)
    return model


def start_session(config: pytest.Config) -> None:
    """Turn the datasets known at start-up into this session's fixtures.

    They come from conftests and plugin modules already loaded, ``register()``
    calls made so far, model files, and installed plugins'
    ``synthdata_datasets`` hooks; conftests loaded later arrive through
    :func:`adopt` and :func:`harvest`.
    """
    for name, plugin in config.pluginmanager.list_name_plugin():
        adopt(config, plugin, name or "")
    harvest(config)
    discover_models(config)
    if _has_synth_plugins():
        from ._manager import plugin_manager

        state = config.stash[STATE]
        for impl in plugin_manager().hook.synthdata_datasets.get_hookimpls():
            if impl.plugin not in state.synth_plugins:  # installed plugins; conftests were called on adoption
                add_datasets(config, _call_datasets_hook(impl.function, config, impl.plugin_name), impl.plugin_name)


def discover_models(config: pytest.Config) -> None:
    """Register every ``*.synth.json`` in the ``synthdata_models`` directories (loaded on first use)."""
    configured = list(config.getini(MODELS_INI) or [])
    directories = configured or [config.rootpath / DEFAULT_MODELS]
    state = config.stash[STATE]
    state.model_dirs = [(str(d), d.is_dir()) for d in directories]
    state.model_dirs_configured = bool(configured)
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
            problem = model_file_problem(path)
            if problem:
                # (no test can ask for a fixture that is no Python name: the file is left out with a warning, and a
                # test asking for the fixture its name suggests is told why it is missing)
                problem = (
                    f"model file {str(path)!r} is left out: {problem}; rename it to "
                    f"{os.path.basename(suggested_file(path))}."
                )
                config.stash.setdefault(SKIPPED, []).append(problem)
                config.issue_config_time_warning(pytest.PytestConfigWarning(problem), stacklevel=2)
                continue
            name = path.name[: -len(MODEL_SUFFIX)]
            files.append(DatasetFile(path, name) if _is_dataset_file(path) else ModelFile(path, name))
        add_datasets(config, files, f"model files in {directory}")


#: Why the model files the plugin left out of this session make no fixtures (``model_file_problem``).
SKIPPED = pytest.StashKey[list[str]]()


def model_file_problem(path: os.PathLike[str] | str) -> str:
    """Why the model file at ``path`` cannot become fixtures, or "" when it can.

    Its fixtures are ``synth_<stem>`` and ``synth_<stem>_factory``, where the
    stem is the file name without ``.synth.json``, so ``synth_<stem>`` must be
    a Python identifier: the stem is letters, digits and underscores, and may
    start with a digit or be a keyword (``2024_sales``, ``class``), which the
    prefix makes a name. ``synthdata fit -o`` checks its output with this rule.

    >>> model_file_problem("tests/synthdata/2024_sales.synth.json")
    ''
    """
    stem = _stem(path)
    if stem and f"synth_{stem}".isidentifier():
        return ""
    given = f"its fixture would be 'synth_{stem}', which is not a Python name" if stem else "it has no name"
    return (
        f"{given} (the file name before {MODEL_SUFFIX} names the fixtures synth_<name>, so it may hold only letters, "
        "digits and underscores)"
    )


def suggested_file(path: os.PathLike[str] | str) -> str:
    """``path`` with its file renamed to one the plugin loads: ``dir/my-customers.synth.json`` -> ``dir/my_customers...``."""
    stem = _stem(path)
    text = "".join(c if f"synth_{c}".isidentifier() else "_" for c in stem) or "customers"
    return os.path.join(os.path.dirname(os.fspath(path)), f"{text}{MODEL_SUFFIX}")


def _stem(path: os.PathLike[str] | str) -> str:
    file = os.path.basename(os.fspath(path))
    return file[: -len(MODEL_SUFFIX)] if file.endswith(MODEL_SUFFIX) else file


def _has_synth_plugins() -> bool:
    from importlib.metadata import entry_points

    from ._manager import _PM, ENTRY_POINT_GROUP

    if _PM is not None:
        return True
    return bool(list(entry_points(group=ENTRY_POINT_GROUP)))


def adopt(config: pytest.Config, plugin: object, plugin_name: str) -> None:
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
    config.stash[STATE].synth_plugins.append(plugin)
    if "synthdata_datasets" in hooks:
        hook = plugin.synthdata_datasets  # type: ignore[attr-defined]
        add_datasets(config, _call_datasets_hook(hook, config, plugin_name), plugin_name)


def harvest(config: pytest.Config) -> None:
    """Turn models waiting in ``register()``'s queue into fixtures of this session."""
    if pending:
        waiting, pending[:] = list(pending), []
        add_datasets(config, waiting, "register()")


def _call_datasets_hook(function: Any, config: pytest.Config, source: str) -> list[Any]:
    """Call a ``synthdata_datasets`` implementation of plugin ``source``; turn its mistakes into usage errors.

    It must return a list (or tuple) of datasets, or one dataset; anything else,
    ``None`` included (a forgotten ``return``), names the plugin, what it
    returned and what it must return.
    """
    import inspect

    try:
        takes_config = "config" in inspect.signature(function).parameters
        result = function(config=config) if takes_config else function()
    except Exception as exc:
        raise pytest.UsageError(f"synthdata_datasets in {source} raised {type(exc).__name__}: {exc}") from exc
    expected = "return a list of Schemas or Models ([] for none)"
    if isinstance(result, (list, tuple)):
        models = list(result)
        for i, model in enumerate(models):
            problem = _not_a_dataset(model)
            if problem:
                raise pytest.UsageError(
                    f"synthdata_datasets in {source} returned a {type(result).__name__} whose item {i} is "
                    f"{problem}; {expected}."
                )
        return models
    problem = _not_a_dataset(result)
    if problem:
        raise pytest.UsageError(f"synthdata_datasets in {source} returned {problem}; {expected}.")
    return [result]


def _not_a_dataset(model: Any) -> str:
    """What ``model`` is when it cannot be a dataset (for a hook's usage error), else ``""``.

    Only the kind of object is judged here; a dataset's name is checked where
    every dataset's is, in :func:`add_datasets`.
    """
    if model is None:
        return "None (a missing return?)"
    if type(model).__name__ == "DataFrame":  # it has .sample(), but it is data: fit it or declare a Schema
        return "a DataFrame, which is data, not a dataset (use sd.fit(df, name=...) or a Schema)"
    if callable(getattr(model, "sample", None)):
        return ""
    shown = repr(model)
    shown = shown if len(shown) <= 60 and "\n" not in shown else f"a {type(model).__name__}"
    return f"{shown} ({type(model).__name__}), not a dataset"


def add_datasets(config: pytest.Config, models: Any, source: str) -> None:
    """Register global fixtures for datasets from plugins (conftests define their own)."""
    state = config.stash[STATE]
    for model in models or ():
        if isinstance(model, (ModelFile, DatasetFile)):
            name = model.name  # (its file name: checked by model_file_problem, which allows 2024_sales and class)
        else:
            try:
                name = check_dataset(model, where=source)
            except InvalidArgument as exc:
                raise pytest.UsageError(str(exc)) from None
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
        about = f"from {model.path}" if isinstance(model, DatasetFile) else None
        if isinstance(model, ModelFile):
            about = f"from {model.path}"
            if _listing_fixtures(config):  # only then read the file (still without loading the model)
                names = model.column_names()
                about = f"({', '.join(names)}) {about}" if names else about
        for fixture_id, function in fixture_functions(
            model, about=about, scope=scopes.get(id(model), "function")
        ).items():
            setattr(module, fixture_id, function)
        config.pluginmanager.register(module, name=f"synthdata-dataset-{name}")


def _listing_fixtures(config: pytest.Config) -> bool:
    """Whether this run lists fixtures with their docstrings (``--fixtures``, ``--fixtures-per-test``)."""
    return bool(
        getattr(config.option, "showfixtures", False) or getattr(config.option, "show_fixtures_per_test", False)
    )


class ModelFile:
    """A model file found by the pytest plugin, loaded on first use and then kept for the session.

    Its dataset name is the file name without ``.synth.json``, so the fixture a
    file gives is known without reading it (and pytest starts without
    importing numpy or pandas).
    """

    def __init__(self, path: os.PathLike[str] | str, name: str) -> None:
        self.path = path
        self.name = name
        self._model: Any = None

    @property
    def model(self) -> Any:
        if self._model is None:
            from ._model import load

            self._model = load(self.path)
        return self._model

    @property
    def columns(self) -> list[str]:
        return list(self.model.columns)

    def column_names(self) -> list[str] | None:
        """Return the column names the file lists, read as plain JSON (no model is built); None if unreadable.

        For ``pytest --fixtures``: a broken file is reported when a test uses it.
        """
        import json

        try:
            with open(self.path, encoding="utf-8") as f:
                data = json.load(f)
            names = [spec["name"] for spec in data["columns"]]
        except (OSError, ValueError, TypeError, KeyError):
            return None
        return names if all(isinstance(n, str) for n in names) else None

    @property
    def dtypes(self) -> dict[str, str]:
        return dict(self.model.dtypes)

    def column(self, name: str) -> Any:
        return self.model.column(name)

    def sample(self, n: int, *, seed: int | None = None, **options: Any) -> Any:
        frame = self.model.sample(n, seed=seed, **options)
        frame.attrs["synthdata"]["dataset"] = self.name
        return frame

    def __getattr__(self, name: str) -> Any:
        # everything else is the loaded model's (the fixtures' set= steps read its sums, gaps and generated
        # columns: without this they were skipped in silence for a file's fixtures)
        if name.startswith("__") or name in ("path", "name", "_model"):
            raise AttributeError(name)
        return getattr(self.model, name)

    def __repr__(self) -> str:
        return f"ModelFile({str(self.path)!r})"


#: The ``format`` of a dataset file (``_relations_file``), known here so that finding model files at pytest start
#: imports no pandas.
DATASET_FORMAT = "pytest-synthdata dataset"


def is_dataset_text(head: str) -> bool:
    """Whether file text (its first few hundred characters suffice) is a dataset file rather than a model file."""
    return f'"format": "{DATASET_FORMAT}"' in head[:400] or f'"format":"{DATASET_FORMAT}"' in head[:400]


def _is_dataset_file(path: os.PathLike[str] | str) -> bool:
    """Whether a ``*.synth.json`` holds a Dataset (its first bytes say so; nothing is parsed)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return is_dataset_text(f.read(400))
    except OSError:
        return False


class DatasetFile:
    """A dataset file found by the pytest plugin: loaded on first use (like :class:`ModelFile`), then the Dataset."""

    #: The fixture builders give it a Dataset's fixtures without loading it.
    linked_tables = True

    def __init__(self, path: os.PathLike[str] | str, name: str) -> None:
        self.path = path
        self.name = name
        self._dataset: Any = None

    @property
    def dataset(self) -> Any:
        if self._dataset is None:
            from ._model import load

            self._dataset = load(self.path)
        return self._dataset

    def sample(self, n: int | None = None, **options: Any) -> Any:
        return self.dataset.sample(n, **options)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name in ("path", "name", "_dataset"):
            raise AttributeError(name)
        return getattr(self.dataset, name)

    def __repr__(self) -> str:
        return f"DatasetFile({str(self.path)!r})"
