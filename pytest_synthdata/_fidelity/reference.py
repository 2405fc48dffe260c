"""The real side of every fidelity metric: a :class:`Reference` scores synthetic data against what it knows.

Every metric compares a synthetic DataFrame with *something real*. That
something is either the real rows (:class:`FrameReference`, exact) or, in CI
where the rows are absent, the statistics a model file stores (a profile
reference, approximate). Metrics never look at real rows themselves: they ask
the reference, so one report, one set of assertions and one HTML page serve
both. A reference implements the :class:`Reference` protocol:

``exact``
    True when scores equal SDMetrics' own on the real rows (within 1e-9); False
    for a profile, whose scores agree within a documented tolerance.
``describe()``
    A short noun phrase for messages: ``"real data (344 rows)"``,
    ``"the profile stored in customers.synth.json"``.
``columns()``
    ``{name: sdtype}`` in the real data's column order, with SDMetrics' sdtypes
    ``"numerical"``, ``"datetime"``, ``"categorical"``, ``"boolean"`` (see
    :func:`sdtype_of`). Columns it cannot score (ids, free text) are left out.
``ks_complement(column, synthetic)`` / ``tv_complement(column, synthetic)``
    Column Shapes: 1 - Kolmogorov-Smirnov D (numerical, datetime) or
    1 - total variation distance (categorical, boolean) between the real and the
    given synthetic :class:`pandas.Series`; NaNs dropped on both sides first.
    NaN when a side has no values.
``missing_rate(column)``
    The real share of missing values, in [0, 1].
``value_range(column)``
    ``(low, high)`` of the real non-missing values on the numeric scale of
    :func:`numeric_values` (datetimes as int64 nanoseconds), or None if none.
``frequencies(column)``
    Real shares of each non-missing value (categorical, boolean): a
    :class:`pandas.Series` indexed by value, summing to 1.
``cdf(column, points)``
    The real empirical CDF (share of non-missing values <= each point) at the
    given numeric points; for figures and profile-side KS.
``correlation(a, b)``
    The real Pearson correlation of two continuous columns on the rows where
    both are present (NaN if either is constant).
``correlation_similarity(a, b, synthetic)``
    A :class:`PairScore`: ``1 - |r_real - r_syn| / 2`` with Pearson r, rows
    with a NaN in either column dropped on each side, NaN if a column is
    constant on either side.
``contingency_similarity(a, b, synthetic)``
    A :class:`PairScore` (``real``: the real Cramér's V, for SDMetrics'
    association threshold; ``synthetic``: NaN): ``1 - TVD`` of the two joint distributions, missing
    values a category of their own; a continuous column is first cut into the
    10 bins of ``numpy.histogram_bin_edges`` of its *own side's* values
    (SDMetrics' QualityReport bins real and synthetic columns separately), a
    value equal to the top edge and NaN sharing the eleventh bin
    (``numpy.digitize``), see :func:`bin_codes`.

A profile reference from a model file implements the same methods from stored
marginal quantiles, category frequencies, missing rates, correlations and
binned contingency tables, and sets ``exact = False``. :class:`~pytest_synthdata._fidelity.frame.FrameReference`
is the exact one, over real rows. :func:`reference_for`
turns what a user passed as ``real_or_model`` into a reference.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

import numpy as np

from ..errors import InvalidArgument, UnsupportedFeature

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "SDTYPES",
    "PairScore",
    "Reference",
    "SDType",
    "bin_codes",
    "numeric_values",
    "reference_for",
    "sdtype_of",
]

SDType = Literal["numerical", "datetime", "categorical", "boolean"]
#: The sdtypes a reference reports, as SDMetrics names them.
SDTYPES: tuple[str, ...] = ("numerical", "datetime", "categorical", "boolean")
#: Continuous sdtypes: KSComplement per column, CorrelationSimilarity per pair.
CONTINUOUS = frozenset({"numerical", "datetime"})


@dataclass(frozen=True)
class PairScore:
    """One column pair's score, with the real and synthetic statistics behind it (NaN where not defined).

    For CorrelationSimilarity ``real`` and ``synthetic`` are Pearson's r; for
    ContingencySimilarity ``real`` is the real Cramér's V and ``synthetic`` NaN.
    """

    metric: str
    score: float
    real: float = float("nan")
    synthetic: float = float("nan")


@runtime_checkable
class Reference(Protocol):
    """What every fidelity metric needs from the real side (see the module docstring for each method's contract)."""

    exact: bool

    def describe(self) -> str: ...

    def columns(self) -> dict[str, str]: ...

    def ks_complement(self, column: str, synthetic: pd.Series) -> float: ...

    def tv_complement(self, column: str, synthetic: pd.Series) -> float: ...

    def missing_rate(self, column: str) -> float: ...

    def value_range(self, column: str) -> tuple[float, float] | None: ...

    def frequencies(self, column: str) -> pd.Series: ...

    def cdf(self, column: str, points: np.ndarray) -> np.ndarray: ...

    def correlation(self, a: str, b: str) -> float: ...

    def correlation_similarity(self, a: str, b: str, synthetic: pd.DataFrame) -> PairScore: ...

    def contingency_similarity(self, a: str, b: str, synthetic: pd.DataFrame) -> PairScore: ...


def sdtype_of(series: pd.Series) -> str | None:
    """The SDMetrics sdtype of a column from its dtype, or None for a column no metric scores.

    bool (and nullable boolean) is ``"boolean"``; datetimes ``"datetime"``;
    other numbers ``"numerical"``; categories and text ``"categorical"``.
    An all-missing column gets None.

    >>> import pandas as pd
    >>> sdtype_of(pd.Series([1.5, 2.0])), sdtype_of(pd.Series(["a", "b"])), sdtype_of(pd.Series([True]))
    ('numerical', 'categorical', 'boolean')
    """
    import pandas as pd

    if series.notna().sum() == 0:
        return None
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    if pd.api.types.is_numeric_dtype(dtype):
        return "numerical"
    if (
        isinstance(dtype, pd.CategoricalDtype)
        or pd.api.types.is_object_dtype(dtype)
        or pd.api.types.is_string_dtype(dtype)
    ):
        values = series.dropna()
        if len(values) and all(isinstance(v, (bool, np.bool_)) for v in values.unique()):
            return "boolean"
        return "categorical"
    return None


def numeric_values(series: pd.Series) -> np.ndarray:
    """The column on the numeric scale every continuous metric uses: floats as float64, datetimes as int64 ns.

    Datetimes stay integers (nanoseconds since the epoch, whatever the
    column's unit) because float64 cannot hold every nanosecond of a modern
    date, and ties must stay ties for the KS statistic. Missing values are NaN
    (the array is then float64).
    """
    import pandas as pd

    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        ns = series.astype("datetime64[ns]" if getattr(series.dt, "tz", None) is None else series.dtype)
        if getattr(ns.dt, "tz", None) is not None:
            ns = ns.dt.tz_convert("UTC").dt.tz_localize(None).astype("datetime64[ns]")
        mask = ns.isna().to_numpy()
        ints = ns.to_numpy(dtype="datetime64[ns]").view("int64")
        if mask.any():
            out = ints.astype(np.float64)
            out[mask] = np.nan
            return out
        return ints
    return pd.to_numeric(series, errors="coerce").astype("float64").to_numpy(na_value=np.nan)


def bin_codes(values: np.ndarray, bins: int = 10) -> np.ndarray:
    """SDMetrics' discretisation of a continuous column: ``numpy.digitize`` on its own histogram edges.

    Edges are ``numpy.histogram_bin_edges(non-missing values, bins)``; codes
    run 1..bins for values inside, ``bins + 1`` for the top edge itself and
    for NaN (NaN compares above every edge), which is what SDMetrics 0.32's
    ColumnPairTrends does.
    """
    finite = values[~np.isnan(values)] if values.dtype.kind == "f" else values
    edges = np.histogram_bin_edges(finite, bins=bins)
    return np.digitize(values, bins=edges)


def reference_for(real_or_model: Any, *, argument: str = "real_or_model") -> Reference:
    """The reference for what a user passed as the real side: a DataFrame, a Reference, or a fitted model.

    A Model gives a :class:`~pytest_synthdata._fidelity.profile.ProfileReference`
    over its stored profile (or, for a declared schema, its own distribution).
    """
    import pandas as pd

    from .frame import FrameReference

    if isinstance(real_or_model, pd.DataFrame):
        return FrameReference(real_or_model, argument=argument)
    if isinstance(real_or_model, Reference):
        return real_or_model
    from .._model import Model

    if isinstance(real_or_model, Model):
        from .profile import ProfileReference

        return ProfileReference(real_or_model)
    if hasattr(real_or_model, "sample") and hasattr(real_or_model, "name"):
        raise UnsupportedFeature(
            f"{argument}={real_or_model!r} is not a pytest-synthdata Model, so it has no fidelity profile; "
            "pass the real DataFrame instead."
        )
    raise InvalidArgument(
        f"{argument}={real_or_model!r} ({type(real_or_model).__name__}) is not real data; "
        "pass the real pandas DataFrame, or a model (its stored fidelity profile)."
    )
