"""The synthdata PluginManager: hookspecs, built-ins as plugins, entry points."""

from __future__ import annotations

from typing import Any

import pluggy

from . import hookspecs
from .errors import InvalidArgument

__all__ = ["ENTRY_POINT_GROUP", "BuiltinKinds", "column_kinds", "plugin_manager"]

#: Entry point group through which installed packages provide synthdata plugins.
ENTRY_POINT_GROUP = "synthdata"

_PM: pluggy.PluginManager | None = None


class _SynthdataPluginManager(pluggy.PluginManager):
    """Accepts undecorated ``synthdata_*`` functions, so a conftest can implement hooks plainly."""

    def parse_hookimpl_opts(self, plugin: object, name: str) -> Any:
        opts = super().parse_hookimpl_opts(plugin, name)  # type: ignore[arg-type]
        if opts is None and name.startswith("synthdata_") and callable(getattr(plugin, name, None)):
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
        pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
        pm.check_pending()
        _PM = pm
    return _PM


def column_kinds() -> dict[str, type[Any]]:
    """Return every column kind provided by the registered plugins."""
    merged: dict[str, type[Any]] = {}
    owners: dict[str, str] = {}
    pm = plugin_manager()
    for impl in pm.hook.synthdata_column_kinds.get_hookimpls():
        kinds: dict[str, type[Any]] | None = impl.function()  # type: ignore[assignment]
        for kind, cls in (kinds or {}).items():
            if kind in merged and merged[kind] is not cls:
                raise InvalidArgument(
                    f"column kind {kind!r} is provided by two plugins ({owners[kind]!r} and "
                    f"{impl.plugin_name!r}) with different classes; unregister one of them."
                )
            merged[kind] = cls
            owners[kind] = impl.plugin_name
    return merged
