"""Datasets registered for fixtures: ``register(model)`` in a conftest.

Kept free of heavy imports: the pytest plugin reads it at start-up. Models
registered at import time wait in ``pending`` until the plugin, told that a
conftest or plugin was loaded, turns them into fixtures for that session.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any

from ._validate import check_dataset
from .errors import DuplicateDataset

if TYPE_CHECKING:
    from ._model import Model

__all__ = ["ModelFile", "fixture_name", "register"]

#: Models registered outside conftests (global fixtures) not yet seen by the
#: plugin, in registration order.
pending: list[Any] = []


def fixture_name(model: Any) -> str:
    """Return the fixture name for a dataset: ``synth_<name>``."""
    return f"synth_{model.name}"


def register(model: Model) -> Model:
    """Expose ``model`` as the fixtures ``synth_<name>`` and ``synth_<name>_factory``.

    Call it at import time of a ``conftest.py``: the fixtures are then defined
    in that conftest and visible where its own fixtures are. Called from any
    other module (a plugin), they are global. A deeper conftest may register
    another dataset of the same name, which overrides it there, as pytest
    fixtures do. Registering the same model twice is harmless; registering a
    different model under a name already taken in the same conftest (or
    globally) raises :class:`~pytest_synthdata.errors.DuplicateDataset`. Returns
    ``model`` so it can be used as ``customers = sd.register(sd.Schema(...))``.
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
        from .plugin import fixture_functions

        caller.update(fixture_functions(model, caller.get("__name__")))
        return model
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
            from ._artifact import load

            self._model = load(self.path)
        return self._model

    @property
    def columns(self) -> list[str]:
        return list(self.model.columns)

    @property
    def dtypes(self) -> dict[str, str]:
        return dict(self.model.dtypes)

    def column(self, name: str) -> Any:
        return self.model.column(name)

    def sample(self, n: int, *, seed: int | None = None, **options: Any) -> Any:
        frame = self.model.sample(n, seed=seed, **options)
        frame.attrs["synthdata"]["dataset"] = self.name
        return frame

    def __repr__(self) -> str:
        return f"ModelFile({str(self.path)!r})"
