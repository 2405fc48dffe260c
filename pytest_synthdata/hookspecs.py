"""Hook specifications for pytest-synthdata plugins (pluggy project ``synthdata``).

A plugin is any object or module with functions named like these hooks and
decorated with :data:`hookimpl`. Plugins are found three ways:

* installed packages declaring an entry point in the ``synthdata`` group;
* ``conftest.py`` files (and pytest plugins) that define ``synthdata_*`` hooks;
* :func:`pytest_synthdata.plugin_manager` ``().register(obj)``.

The built-in column kinds are registered the same way, as a plugin.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import pytest

    from ._model import Model

__all__ = ["hookimpl", "hookspec", "synthdata_backends", "synthdata_column_kinds", "synthdata_datasets"]

hookspec = pluggy.HookspecMarker("synthdata")
hookimpl = pluggy.HookimplMarker("synthdata")


@hookspec
def synthdata_column_kinds() -> dict[str, type[Any]]:
    """Return column kinds this plugin provides, as ``{kind_name: ColumnClass}``.

    ``ColumnClass`` is a subclass of :class:`pytest_synthdata.Column` (usually of
    a built-in kind such as ``Float`` or ``Category`` with new defaults). Schemas
    then accept ``"kind_name"`` or ``{"kind": "kind_name", **params}`` as a
    column. Two plugins providing the same kind name with different classes is
    an error.
    """
    raise NotImplementedError  # a specification, never called


@hookspec
def synthdata_datasets(config: pytest.Config) -> list[Model]:
    """Return datasets (Schemas or Models) to expose as pytest fixtures.

    ``config`` is the pytest config of the session. Each dataset becomes
    ``synth_<name>`` and ``synth_<name>_factory``, exactly as if
    ``pytest_synthdata.register(model)`` had been called. Called once per
    session for installed plugins, and for a conftest when pytest loads it.
    Return ``[]`` for none: anything but a list (or tuple) of datasets, or
    one dataset, is a usage error naming the plugin (``None`` included).
    """
    raise NotImplementedError  # a specification, never called


@hookspec
def synthdata_backends() -> dict[str, Any]:
    """Return fitting engines this plugin provides, as ``{backend_name: fit_function}``.

    ``pytest_synthdata.fit(df, backend="backend_name", **options)`` calls
    ``fit_function(df, name=..., columns=..., **options)``, which returns a
    model: an object with ``name``, ``columns``, ``dtypes``,
    ``sample(n, *, seed=None)`` returning exactly ``n`` rows (the same rows
    for the same seed) and ``save(path)``. ``pytest_synthdata.testing``
    checks that protocol. The built-in engines are provided this way too: the
    native one (``native``, the default) and the optional SDV ones
    (``sdv-gaussian-copula``, ``sdv-ctgan``, ``sdv-tvae``). The engines
    are asked for once and kept until a plugin is registered or
    unregistered: return the same engines on every call.
    """
    raise NotImplementedError  # a specification, never called
