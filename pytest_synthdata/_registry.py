"""Datasets registered for fixtures: ``register(model)`` in a conftest.

Kept free of heavy imports: the pytest plugin reads it at start-up. Models
registered at import time wait in ``pending`` until the plugin, told that a
conftest or plugin was loaded, turns them into fixtures for that session.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import DuplicateDataset, InvalidArgument

if TYPE_CHECKING:
    from ._model import Model

__all__ = ["fixture_name", "register"]

#: Models registered but not yet turned into fixtures, in registration order.
pending: list[Any] = []


def fixture_name(model: Any) -> str:
    """Return the fixture name for a dataset: ``synth_<name>``."""
    return f"synth_{model.name}"


def register(model: Model) -> Model:
    """Expose ``model`` as the fixtures ``synth_<name>`` and ``synth_<name>_factory``.

    Call it at import time of a ``conftest.py``. Registering the same model
    twice is harmless; registering a different model under a name already
    taken raises :class:`~pytest_synthdata.errors.DuplicateDataset`. Returns
    ``model`` so it can be used as ``customers = sd.register(sd.Schema(...))``.
    """
    name = getattr(model, "name", None)
    if not callable(getattr(model, "sample", None)) or not isinstance(name, str) or not name.isidentifier():
        raise InvalidArgument(
            f"register() needs a Schema or Model with a name that is a Python identifier; got {model!r}."
        )
    for other in pending:
        if other is model:
            return model
        if other.name == name:
            raise DuplicateDataset(
                f"two different datasets are registered as {fixture_name(model)!r} ({other!r} and {model!r}); "
                "give one of them another name."
            )
    pending.append(model)
    return model
