"""pytest-synthdata: realistic, correlated, reproducible test data as pytest fixtures.

>>> import pytest_synthdata as sd
>>> people = sd.Schema("people", {"age": sd.Integer(low=18, high=90), "name": sd.Faker("name")})
>>> people.sample(2, seed=1).columns.tolist()
['age', 'name']

Names are imported on first use, so that ``import pytest_synthdata`` (done by
pytest at start-up through the plugin) does not import numpy, pandas, scipy or
Faker in a project that never asks for synthetic data.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "Boolean": "._schema",
    "Category": "._schema",
    "Column": "._schema",
    "Date": "._schema",
    "Dataset": "._dataset",
    "DatasetFidelityReport": "._fidelity.relations",
    "Datetime": "._schema",
    "Derived": "._schema",
    "Faker": "._schema",
    "FidelityReport": "._fidelity.report",
    "FixedCombinations": "._constraints",
    "Float": "._schema",
    "Id": "._schema",
    "Integer": "._schema",
    "LessThan": "._schema",
    "Model": "._model",
    "Predicate": "._constraints",
    "Range": "._constraints",
    "Schema": "._schema",
    "Unique": "._constraints",
    "assert_correlations_close": "._fidelity.assertions",
    "assert_fidelity": "._fidelity.assertions",
    "assert_marginals_close": "._fidelity.assertions",
    "assert_no_copies": "._fidelity.assertions",
    "assert_no_drift": "._fidelity.baseline",
    "fidelity_report": "._fidelity.report",
    "fit": "._fit",
    "hookimpl": ".hookspecs",
    "load": "._model",
    "plugin_manager": "._manager",
    "register": "._registry",
}

__all__ = [
    "Boolean",
    "Category",
    "Column",
    "Dataset",
    "DatasetFidelityReport",
    "Date",
    "Datetime",
    "Derived",
    "Faker",
    "FidelityReport",
    "FixedCombinations",
    "Float",
    "Id",
    "Integer",
    "LessThan",
    "Model",
    "Predicate",
    "Range",
    "Schema",
    "Unique",
    "__version__",
    "assert_correlations_close",
    "assert_fidelity",
    "assert_marginals_close",
    "assert_no_copies",
    "assert_no_drift",
    "fidelity_report",
    "fit",
    "hookimpl",
    "load",
    "plugin_manager",
    "register",
]

if TYPE_CHECKING:
    from ._constraints import FixedCombinations, Predicate, Range, Unique
    from ._dataset import Dataset
    from ._fidelity.assertions import (
        assert_correlations_close,
        assert_fidelity,
        assert_marginals_close,
        assert_no_copies,
    )
    from ._fidelity.baseline import assert_no_drift
    from ._fidelity.relations import DatasetFidelityReport
    from ._fidelity.report import FidelityReport, fidelity_report
    from ._fit import fit
    from ._manager import plugin_manager
    from ._model import Model, load
    from ._registry import register
    from ._schema import (
        Boolean,
        Category,
        Column,
        Date,
        Datetime,
        Derived,
        Faker,
        Float,
        Id,
        Integer,
        LessThan,
        Schema,
    )
    from .hookspecs import hookimpl


def __getattr__(name: str) -> Any:
    if name == "errors":  # the submodule, also reachable as an attribute
        return import_module(".errors", __name__)
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'pytest_synthdata' has no attribute {name!r}")
    value = getattr(import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
