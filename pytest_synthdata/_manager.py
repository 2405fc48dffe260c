"""The synthdata PluginManager: hookspecs, built-ins as plugins, entry points."""

from __future__ import annotations

import inspect
from typing import Any

import pluggy

from . import hookspecs
from .errors import InvalidArgument

__all__ = [
    "ENTRY_POINT_GROUP",
    "NATIVE_BACKEND",
    "BuiltinBackends",
    "BuiltinKinds",
    "column_kinds",
    "fit_backend",
    "plugin_manager",
]

#: Entry point group through which installed packages provide synthdata plugins.
ENTRY_POINT_GROUP = "synthdata"
#: The built-in fitting engine, and fit()'s default backend.
NATIVE_BACKEND = "native"

_PM: pluggy.PluginManager | None = None

#: The hooks a plugin may implement (see hookspecs.py).
HOOK_NAMES = frozenset(n for n in dir(hookspecs) if n.startswith("synthdata_"))


class _SynthdataPluginManager(pluggy.PluginManager):
    """Accepts undecorated ``synthdata_*`` functions, so a conftest can implement hooks plainly."""

    def parse_hookimpl_opts(self, plugin: object, name: str) -> Any:
        opts = super().parse_hookimpl_opts(plugin, name)  # type: ignore[arg-type]
        if opts is None and name in HOOK_NAMES and inspect.isfunction(getattr(plugin, name, None)):
            return {}
        return opts


class BuiltinKinds:
    """The built-in column kinds, registered with the plugin manager like any plugin."""

    @hookspecs.hookimpl
    def synthdata_column_kinds(self) -> dict[str, type[Any]]:
        from . import _schema  # imported on use: creating the manager must stay cheap

        return {
            "boolean": _schema.Boolean,
            "category": _schema.Category,
            "date": _schema.Date,
            "datetime": _schema.Datetime,
            "faker": _schema.Faker,
            "float": _schema.Float,
            "id": _schema.Id,
            "integer": _schema.Integer,
        }


class BuiltinBackends:
    """The built-in fitting engines: the native one and the optional SDV ones (sdv is imported only when used)."""

    @hookspecs.hookimpl
    def synthdata_backends(self) -> dict[str, Any]:
        # imported on use: the native engine needs numpy, pandas and scipy, and creating the manager must stay cheap
        from ._backends import sdv
        from ._fit.native import fit_native

        return {NATIVE_BACKEND: fit_native} | {name: sdv.fitter(name) for name in sdv.SYNTHESIZERS}


#: The last ``fit_backend`` lookup: the hook implementations, and the backends they gave (asked again once a
#: plugin is registered or unregistered)
_BACKENDS: tuple[list[Any], dict[str, Any]] | None = None


def fit_backend(name: object) -> Any:
    """Return the fit function of backend ``name``, or raise a clear error listing the known ones."""
    global _BACKENDS
    impls = plugin_manager().hook.synthdata_backends.get_hookimpls()
    if (
        _BACKENDS is not None
        and len(_BACKENDS[0]) == len(impls)
        and all(a is b for a, b in zip(_BACKENDS[0], impls, strict=True))
        and name in _BACKENDS[1]
    ):
        return _BACKENDS[1][name]  # (the same plugins as last time: their backends, not asked again)
    found: dict[str, Any] = {}
    for impl in impls:
        backends = impl.function()
        if not isinstance(backends, dict):
            raise InvalidArgument(
                f"plugin {impl.plugin_name}: synthdata_backends returned {type(backends).__name__}; return a dict "
                "{'backend_name': fit_function}."
            )
        for key, function in backends.items():
            found.setdefault(key, function)
    if name not in found:
        known = [NATIVE_BACKEND, *sorted(key for key in found if key != NATIVE_BACKEND)]
        raise InvalidArgument(
            f"backend={name!r} is not a known fitting engine; known: {', '.join(map(repr, known))} "
            "(plugins add more through the synthdata_backends hook)."
        )
    _BACKENDS = (list(impls), found)
    return found[name]  # type: ignore[index]


def plugin_manager() -> pluggy.PluginManager:
    """Return the process-wide synthdata PluginManager, creating it on first use.

    >>> plugin_manager().project_name
    'synthdata'
    """
    global _PM
    if _PM is None:
        pm = _SynthdataPluginManager("synthdata")
        pm.add_hookspecs(hookspecs)
        pm.register(BuiltinKinds(), name="synthdata-builtin-kinds")
        pm.register(BuiltinBackends(), name="synthdata-builtin-backends")
        pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
        pm.check_pending()
        _PM = pm
    return _PM


def column_kinds() -> dict[str, type[Any]]:
    """Return every column kind provided by the registered plugins."""
    merged: dict[str, type[Any]] = {}
    owners: dict[str, str] = {}
    pm = plugin_manager()
    from ._schema import Column  # (imported on use, like the kinds themselves: the manager stays cheap)

    clashes: dict[str, str] = {}
    for impl in pm.hook.synthdata_column_kinds.get_hookimpls():
        owner = impl.plugin_name if not impl.plugin_name.isdigit() else repr(impl.plugin)
        kinds = impl.function()
        if kinds is None:
            continue
        if not isinstance(kinds, dict):
            raise InvalidArgument(
                f"plugin {owner}: synthdata_column_kinds returned {type(kinds).__name__}; return a dict "
                "{'kind_name': ColumnClass}."
            )
        for kind, cls in kinds.items():
            if not (isinstance(kind, str) and isinstance(cls, type) and issubclass(cls, Column)):
                raise InvalidArgument(
                    f"plugin {owner}: synthdata_column_kinds maps {kind!r} to {cls!r}; map kind names to "
                    "subclasses of pytest_synthdata.Column."
                )
            if kind in merged and merged[kind] is not cls:
                clashes[kind] = (
                    f"column kind {kind!r} is provided by two plugins ({owners[kind]} and {owner}) with different classes; unregister one of them."
                )
                continue
            merged[kind] = cls
            owners[kind] = owner
    for kind, message in clashes.items():
        merged[kind] = _Ambiguous(message)  # type: ignore[assignment]
    return merged


class _Ambiguous:
    """Stands for a kind two plugins claim: fails only when that kind is used."""

    def __init__(self, message: str) -> None:
        self.message = message

    def __call__(self, **params: Any) -> Any:
        raise InvalidArgument(self.message)
