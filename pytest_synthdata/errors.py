"""Exceptions and warnings raised by pytest-synthdata.

Every error is also the builtin a caller would naturally catch, so
``except ValueError`` keeps working around a bad declaration::

    SynthdataError(Exception)
    ├── InvalidArgument(SynthdataError, ValueError)   a bad argument or declaration
    │   ├── UnknownColumnKind                          column kind no plugin provides
    │   ├── UnknownParameter (also TypeError)          a declaration got a keyword it does not take
    │   ├── UnknownProvider                            Faker provider or locale not found
    │   ├── InvalidCorrelation                         target outside [-1, 1] or unknown column
    │   ├── InvalidConstraint                          cross-column constraint that cannot hold
    │   ├── ConditionError                             a sampling condition the model cannot meet
    │   └── ModelFileError                             a model file that is truncated, wrong or too new
    ├── DuplicateDataset(SynthdataError, ValueError)  two datasets want the same fixture name
    ├── PoolExhausted(SynthdataError, ValueError)     a unique column needs more distinct values
    ├── FidelityError(SynthdataError, AssertionError) synthetic data too far from the real data (a test failure)
    └── UnsupportedFeature(SynthdataError, NotImplementedError)
                                                      the model's backend cannot do what was asked

    SynthdataWarning(UserWarning)
    ├── CorrelationRepairedWarning                     targets changed to the nearest feasible ones
    └── DateFormatWarning                              a text column looks like dates fit() does not guess

Messages say what was given, what was expected, how to fix it, and name the
column.
"""

from __future__ import annotations

__all__ = [
    "ConditionError",
    "CorrelationRepairedWarning",
    "DateFormatWarning",
    "DuplicateDataset",
    "FidelityError",
    "InvalidArgument",
    "InvalidConstraint",
    "InvalidCorrelation",
    "ModelFileError",
    "PoolExhausted",
    "SynthdataError",
    "SynthdataWarning",
    "UnknownColumnKind",
    "UnknownParameter",
    "UnknownProvider",
    "UnsupportedFeature",
]


class SynthdataError(Exception):
    """Base class of every error raised by pytest-synthdata."""


class InvalidArgument(SynthdataError, ValueError):
    """An argument or declaration that cannot be used as given."""


class UnknownColumnKind(InvalidArgument):
    """A column kind that neither the built-ins nor any plugin provides."""


class UnknownParameter(InvalidArgument, TypeError):
    """A column declaration called with a keyword it does not take (e.g. ``Integer(lo=1)``)."""


class UnknownProvider(InvalidArgument):
    """A Faker provider or locale that Faker does not have."""


class InvalidCorrelation(InvalidArgument):
    """A correlation target outside [-1, 1] or naming a column that is not modelled."""


class InvalidConstraint(InvalidArgument):
    """A cross-column constraint that names unknown columns or can never hold."""


class ConditionError(InvalidArgument):
    """A sampling condition the model cannot meet: an unknown column or value, an empty range, or too unlikely."""


class ModelFileError(InvalidArgument):
    """A model file that is not valid JSON, not a model, edited into something invalid, or too new."""


class DuplicateDataset(SynthdataError, ValueError):
    """Two different datasets registered under the same fixture name."""


class PoolExhausted(SynthdataError, ValueError):
    """A ``unique=True`` column was asked for more distinct values than its pool holds."""


class FidelityError(SynthdataError, AssertionError):
    """Synthetic data failed a fidelity assertion; the message lists each failing column or pair, worst first.

    An AssertionError, so pytest reports a failed test (not an error).
    ``failures`` holds the failed checks (column or pair, metric, value,
    threshold, and the argument that relaxes it).
    """

    def __init__(self, message: str, failures: list | None = None) -> None:  # type: ignore[type-arg]
        super().__init__(message)
        self.failures = list(failures or [])


class UnsupportedFeature(SynthdataError, NotImplementedError):
    """A model whose backend cannot do what was asked (e.g. an SDV model has no latent space to condition)."""


class SynthdataWarning(UserWarning):
    """Base class of every warning issued by pytest-synthdata."""


class CorrelationRepairedWarning(SynthdataWarning):
    """Declared correlations were infeasible and were moved to the nearest feasible ones."""


class DateFormatWarning(SynthdataWarning):
    """A text column looks like dates that fit() does not parse (not ISO 8601, or mixed); it is modelled as text."""
