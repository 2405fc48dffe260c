"""The public surface is frozen here: changing it must be a deliberate act."""

from __future__ import annotations

import pytest_synthdata as sd
from pytest_synthdata import errors

PUBLIC = [
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


def test_all_is_frozen_and_sorted():
    assert sd.__all__ == PUBLIC
    assert sorted(sd.__all__) == sd.__all__


def test_every_exported_name_resolves():
    for name in sd.__all__:
        assert getattr(sd, name) is not None, name


def test_unknown_attribute_raises_attribute_error():
    try:
        sd.does_not_exist  # noqa: B018
    except AttributeError as exc:
        assert "does_not_exist" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("expected AttributeError")


def test_error_tree_is_also_builtin_exceptions():
    assert issubclass(errors.InvalidArgument, ValueError)
    assert issubclass(errors.UnknownColumnKind, errors.InvalidArgument)
    assert issubclass(errors.DuplicateDataset, errors.SynthdataError)
    assert issubclass(errors.PoolExhausted, ValueError)
    assert issubclass(errors.ModelFileError, errors.InvalidArgument)
    assert issubclass(errors.CorrelationRepairedWarning, UserWarning)
    assert issubclass(errors.UnsupportedFeature, NotImplementedError)
    assert issubclass(errors.FidelityError, AssertionError)
    assert issubclass(errors.FidelityError, errors.SynthdataError)
    assert sorted(errors.__all__) == errors.__all__
