"""The synthdata PluginManager: hookspecs, built-ins as plugins, entry points."""

from __future__ import annotations

from typing import Any

import pluggy

from . import hookspecs
from .errors import InvalidArgument

__all__ = ["ENTRY_POINT_GROUP", "column_kinds", "plugin_manager"]

#: Entry point group through which installed packages provide synthdata plugins.
ENTRY_POINT_GROUP = "synthdata"

_PM: pluggy.PluginManager | None = None


def plugin_manager() -> pluggy.PluginManager:
    """Return the process-wide synthdata PluginManager, creating it on first use.

    >>> plugin_manager().project_name
    'synthdata'
    """
    global _PM
    if _PM is None:
        pm = pluggy.PluginManager("synthdata")
        pm.add_hookspecs(hookspecs)
        from . import _schema

        pm.register(_schema.BuiltinKinds(), name="synthdata-builtin-kinds")
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
        kinds = impl.function()
        for kind, cls in (kinds or {}).items():
            if kind in merged and merged[kind] is not cls:
                raise InvalidArgument(
                    f"column kind {kind!r} is provided by two plugins ({owners[kind]!r} and "
                    f"{impl.plugin_name!r}) with different classes; unregister one of them."
                )
            merged[kind] = cls
            owners[kind] = impl.plugin_name
    return merged
