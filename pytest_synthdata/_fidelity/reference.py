"""The real side of every fidelity metric: a :class:`Reference` scores synthetic data against what it knows.

Every metric compares a synthetic DataFrame with *something real*. That
something is either the real rows (``FrameReference`` in ``frame.py``, exact) or, in CI
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
    1 - total variation distance (categorical, boolean) between the real
    column and the synthetic one; NaNs dropped on both sides first. NaN when
    a side has no values. ``synthetic`` is always a :class:`Prepared` frame:
    the synthetic columns converted once and shared by every metric of one
    report (``distinct(col)``: sorted distinct values and running counts, the
    synthetic ECDF; ``ks_values(col)``: the values KS compares, unsorted;
    ``factor(col)`` / ``count_array(col)``: category codes and counts;
    ``bins(col)``; ``correlation(a, b)``; ``missing_rate(col)``;
    ``value_range(col)``); its ``.frame`` is the DataFrame itself and
    ``.cache`` a dict for the reference's own per-frame values. A profile's KS
    can be ``max |F_profile(x) - F_syn(x)|`` over the synthetic distinct
    values, with ``F_syn`` from ``distinct``.
``missing_rate(column)``
    The real share of missing values, in [0, 1].
``coverage(column, synthetic)``
    RangeCoverage (numerical, datetime) or CategoryCoverage (categorical,
    boolean) of the synthetic column against the real one.
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
binned contingency tables, and sets ``exact = False``; the report, the
assertions and the HTML page use nothing else. :func:`reference_for` turns
what a user passed as ``real_or_model`` into a reference: the profile helper
adds the model case there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

import numpy as np

from ..errors import InvalidArgument, UnsupportedFeature
from . import metrics

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "SDTYPES",
    "PairScore",
    "Prepared",
    "Reference",
    "SDType",
    "bin_codes",
    "bin_edges",
    "numeric_values",
    "reference_for",
    "factorize",
    "sdtype_and_codes",
    "sdtype_of",
    "shared_codes",
    "value_lookup",
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

    def ks_complement(self, column: str, synthetic: Prepared) -> float: ...

    def tv_complement(self, column: str, synthetic: Prepared) -> float: ...

    def missing_rate(self, column: str) -> float: ...

    def coverage(self, column: str, synthetic: Prepared) -> float: ...

    def value_range(self, column: str) -> tuple[float, float] | None: ...

    def frequencies(self, column: str) -> pd.Series: ...

    def cdf(self, column: str, points: np.ndarray) -> np.ndarray: ...

    def correlation(self, a: str, b: str) -> float: ...

    def correlation_similarity(self, a: str, b: str, synthetic: Prepared) -> PairScore: ...

    def contingency_similarity(self, a: str, b: str, synthetic: Prepared) -> PairScore: ...

    @property
    def real_rows(self) -> int: ...

    def real_table(self, a: str, b: str) -> np.ndarray: ...


def sdtype_of(series: pd.Series) -> str | None:
    """The SDMetrics sdtype of a column from its dtype, or None for a column no metric scores.

    bool (and nullable boolean) is ``"boolean"``; datetimes ``"datetime"``;
    other numbers ``"numerical"``; categories and text ``"categorical"``.
    An all-missing column gets None.

    >>> import pandas as pd
    >>> sdtype_of(pd.Series([1.5, 2.0])), sdtype_of(pd.Series(["a", "b"])), sdtype_of(pd.Series([True]))
    ('numerical', 'categorical', 'boolean')
    """
    return sdtype_and_codes(series)[0]


def sdtype_and_codes(series: pd.Series) -> tuple[str | None, tuple[np.ndarray, pd.Index] | None]:
    """:func:`sdtype_of` the column, and its :func:`factorize` when finding the sdtype took that hash pass.

    A text column whose first present value is not a bool is categorical
    without a look at the rest (it cannot be all bools); others (all bools,
    all missing, pandas categoricals) are factorised.
    """
    import pandas as pd

    dtype = series.dtype
    categorical = isinstance(dtype, pd.CategoricalDtype)
    if categorical or pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype):
        if not categorical:
            head = series.to_numpy()[:_TEXT_PROBE]
            present = head[~pd.isna(head)]
            if len(present) and not isinstance(present[0], (bool, np.bool_)):
                return "categorical", None
        codes, values = factorize(series)
        if not len(values):
            return None, None
        boolean = len(values) <= 2 and all(isinstance(v, (bool, np.bool_)) for v in values)
        return ("boolean" if boolean else "categorical"), (codes, values)
    return _sdtype_of_values(series), None


#: :func:`sdtype_and_codes` looks for a first present value among this many.
_TEXT_PROBE = 64


def _sdtype_of_values(series: pd.Series) -> str | None:
    import pandas as pd

    dtype = series.dtype
    if series.count() == 0:
        return None
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    if pd.api.types.is_numeric_dtype(dtype):
        return "numerical"
    return None


def factorize(series: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Integer codes of a discrete column (-1 for missing) and the distinct values they index, in order of appearance."""
    import pandas as pd

    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    values = np.asarray(uniques, dtype=object) if len(uniques) else np.array([], dtype=object)
    return np.asarray(codes, dtype=np.int64), pd.Index(values, dtype=object)


def numeric_values(series: pd.Series) -> np.ndarray:
    """The column on the numeric scale every continuous metric uses: floats as float64, datetimes as int64 ns.

    Datetimes stay integers (nanoseconds since the epoch, whatever the
    column's unit) because float64 cannot hold every nanosecond of a modern
    date, and ties must stay ties for the KS statistic. Missing values are NaN
    (the array is then float64).
    """
    import pandas as pd

    if isinstance(series.dtype, np.dtype) and series.dtype.kind in "iuf":  # (the common case first)
        return series.to_numpy(dtype=np.float64)
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


#: Bin codes of a continuous column run 0..11 (0 never occurs: the lowest edge is the minimum).
BIN_CODES = 12


def bin_codes(values: np.ndarray, bins: int = 10) -> np.ndarray:
    """SDMetrics' discretisation of a continuous column: ``numpy.digitize`` on its own histogram edges.

    Edges are ``numpy.histogram_bin_edges(non-missing values, bins)``; codes
    run 1..bins for values inside, ``bins + 1`` for the top edge itself and
    for NaN (NaN compares above every edge), which is what SDMetrics 0.32's
    ColumnPairTrends does.
    """
    edges = bin_edges(values, bins)
    if len(values) <= _SEARCHED_MAX:
        # digitize(x, edges) is searchsorted(edges, x, side="right") on increasing edges; NaN sorts past the last
        return np.searchsorted(edges, values, side="right")
    # The equal-width guess is digitize's bin except within rounding error of an edge: only the values that close to
    # one go through searchsorted (the margin is many times the rounding error of the edges and of the guess).
    x = values.astype(np.float64, copy=False)  # (as digitize compares integers with the float edges)
    low, high = float(edges[0]), float(edges[-1])
    scale = bins / (high - low)
    margin = max(64.0 * float(np.spacing(max(abs(low), abs(high)))) * scale, 1e-9)
    if not (np.isfinite(scale) and margin < 0.25):  # (a span of a few ulps: no guess to trust)
        return np.searchsorted(edges, values, side="right")
    guess = x - low
    guess *= scale
    whole = np.floor(guess)
    with np.errstate(invalid="ignore"):  # (NaN casts to some integer: set below)
        codes = whole.astype(np.intp)
    codes += 1
    np.clip(codes, 1, bins + 1, out=codes)
    whole -= guess  # (minus the distance up from the last whole number)
    near = (whole > -margin) | (whole < margin - 1.0)
    if values.dtype.kind == "f":
        missing = np.isnan(values)
        codes[missing] = bins + 1
    at = np.flatnonzero(near)
    if len(at):
        codes[at] = np.searchsorted(edges, x[at], side="right")
    return codes


#: Up to this many values :func:`bin_codes` looks each one up in the edges (numpy.searchsorted), above it guesses.
_SEARCHED_MAX = 16384


def bin_edges(values: np.ndarray, bins: int = 10) -> np.ndarray:
    """``numpy.histogram_bin_edges(non-missing values, bins)``, by numpy's own steps without copying the values.

    The same ``linspace`` from the same minimum and maximum (0.5 either
    side of a single value) in the same dtype, so the same floats; and the
    same ValueError when the span is too small for ``bins`` distinct edges.
    """
    if not len(values):
        return np.histogram_bin_edges(values, bins=bins)
    if values.dtype.kind == "f":
        first, last = np.fmin.reduce(values), np.fmax.reduce(values)  # (NaN skipped)
        if np.isnan(first):
            return np.histogram_bin_edges(values[:0], bins=bins)
    else:
        first, last = values.min(), values.max()
    if not (np.isfinite(first) and np.isfinite(last)):
        raise ValueError(f"autodetected range of [{first}, {last}] is not finite")
    if first == last:
        first, last = first - 0.5, last + 0.5
    kind = np.result_type(first, last, values)
    if np.issubdtype(kind, np.integer):
        kind = np.result_type(kind, float)
    edges = np.linspace(first, last, bins + 1, endpoint=True, dtype=kind)
    if np.any(edges[:-1] >= edges[1:]):
        raise ValueError(f"Too many bins for data range. Cannot create {bins} finite-sized bins.")
    return edges


class Prepared:
    """One frame's columns as the metrics need them, each converted once, on first use.

    ``kinds`` maps the compared columns to their sdtypes. A report prepares
    the synthetic frame once and hands it to every reference method; a
    reference over real rows prepares the real frame the same way, so both
    sides are read by the same code.
    """

    def __init__(
        self,
        frame: pd.DataFrame,
        kinds: dict[str, str],
        *,
        factors: dict[str, tuple[np.ndarray, pd.Index]] | None = None,
    ) -> None:
        self.frame = frame
        self.kinds = kinds
        self._numeric: dict[str, np.ndarray] = {}
        self._bins: dict[str, np.ndarray] = {}
        #: :meth:`factor` of each discrete column; ``factors`` gives some already found (by :func:`sdtype_and_codes`)
        self._factor: dict[str, tuple[np.ndarray, pd.Index]] = dict(factors or {})
        self._pearson: dict[str, dict[str, float]] | None = None
        #: for a reference's own per-frame values (e.g. codes shared with its real side)
        self.cache: dict[Any, Any] = {}

    def __len__(self) -> int:
        return len(self.frame)

    def numeric(self, column: str) -> np.ndarray:
        """The column on the continuous metrics' scale (:func:`numeric_values`)."""
        if column not in self._numeric:
            self._numeric[column] = finite_values(numeric_values(self.frame[column]), column)
        return self._numeric[column]

    def distinct(self, column: str) -> tuple[np.ndarray, np.ndarray]:
        """A continuous column's sorted distinct non-missing values and the running count up to each (its ECDF).

        Values are rounded as SDMetrics' KSComplement rounds them (see
        :func:`~pytest_synthdata._fidelity.metrics.distinct_counts`).
        """
        key = ("distinct", column)
        if key not in self.cache:
            self.cache[key] = metrics.sorted_counts(self.ks_values(column))
        return self.cache[key]  # type: ignore[no-any-return]

    def ks_values(self, column: str) -> np.ndarray:
        """A continuous column's non-missing values, rounded as SDMetrics' KSComplement rounds them (unsorted)."""
        key = ("ks_values", column)
        if key not in self.cache:
            self.cache[key] = metrics.ks_values(self.numeric(column))
        return self.cache[key]  # type: ignore[no-any-return]

    def bins(self, column: str) -> np.ndarray:
        """The continuous column's bin codes on its own histogram edges (:func:`bin_codes`)."""
        if column not in self._bins:
            self._bins[column] = column_bin_codes(self.numeric(column), column)
        return self._bins[column]

    def factor(self, column: str) -> tuple[np.ndarray, pd.Index]:
        """Integer codes of a discrete column (-1 for missing) and the distinct values they index."""
        if column not in self._factor:
            self._factor[column] = factorize(self.frame[column])
        return self._factor[column]

    def set_factor(self, column: str, codes: np.ndarray, uniques: pd.Index) -> None:
        """Use ``(codes, uniques)`` as :meth:`factor` of ``column`` (found by a reference, e.g. over both sides at once).

        ``uniques`` may hold values this frame lacks (they count 0).
        """
        self._factor[column] = (codes, uniques)

    def has_factor(self, column: str) -> bool:
        """Whether :meth:`factor` of ``column`` is known without a hash pass."""
        return column in self._factor

    def count_array(self, column: str) -> np.ndarray:
        """How often each distinct value of :meth:`factor` occurs (missing values not counted)."""
        key = ("count_array", column)
        if key not in self.cache:
            codes, uniques = self.factor(column)
            self.cache[key] = np.bincount(codes[codes >= 0], minlength=len(uniques))
        return self.cache[key]  # type: ignore[no-any-return]

    def counts(self, column: str) -> pd.Series:
        """How often each non-missing value occurs (a discrete column), indexed by value."""
        import pandas as pd

        return pd.Series(self.count_array(column), index=self.factor(column)[1])

    def value_range(self, column: str) -> tuple[float, float] | None:
        """(min, max) of a continuous column's non-missing values (rounded as :meth:`ks_values`), None if it has none."""
        key = ("value_range", column)
        if key not in self.cache:
            values = self.ks_values(column)
            self.cache[key] = (values.min(), values.max()) if len(values) else None
        return self.cache[key]  # type: ignore[no-any-return]

    def missing_rate(self, column: str) -> float:
        """The share of missing values."""
        if not len(self.frame):
            return float("nan")
        if self.kinds.get(column) in CONTINUOUS:
            values = self.numeric(column)
            # (a count over the rows: the same float as the mean of the mask, without the mean's float sum)
            return np.count_nonzero(np.isnan(values)) / len(values) if values.dtype.kind == "f" else 0.0
        return np.count_nonzero(self.factor(column)[0] < 0) / len(self.frame)

    def correlation(self, a: str, b: str) -> float:
        """Pearson's r of two continuous columns on the rows where both are present."""
        if self._pearson is None:
            continuous = [c for c, k in self.kinds.items() if k in CONTINUOUS]
            self._pearson = metrics.pearson_all({c: self.numeric(c) for c in continuous})
        return self._pearson[a][b]


def value_lookup(real: Prepared, synthetic: Prepared, column: str) -> np.ndarray:
    """For each distinct synthetic value of a discrete column, its position among the real ones (-1 if new)."""
    key = ("value_lookup", column, id(real))
    if key not in synthetic.cache:
        synthetic.cache[key] = real.factor(column)[1].get_indexer(synthetic.factor(column)[1])
    return synthetic.cache[key]  # type: ignore[no-any-return]


def shared_codes(real: Prepared, synthetic: Prepared, column: str) -> tuple[np.ndarray, np.ndarray]:
    """Codes of one discrete column on both sides over one vocabulary; missing values one code of their own.

    Real values keep their codes, values only the synthetic side has get the
    next ones, and missing is the last.
    """
    real_codes, real_values = real.factor(column)
    syn_codes, _ = synthetic.factor(column)
    lookup = value_lookup(real, synthetic, column).copy()
    unseen = lookup < 0
    lookup[unseen] = len(real_values) + np.arange(int(unseen.sum()))
    missing = len(real_values) + int(unseen.sum())
    lookup = np.append(lookup, missing)  # code -1 indexes this last entry
    return np.where(real_codes >= 0, real_codes, missing), lookup[syn_codes]


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


def finite_values(values: np.ndarray, column: str) -> np.ndarray:
    """``values`` (a continuous column), or InvalidArgument naming the column if any is infinite.

    An infinite value has no histogram range, correlation or KS distance that
    means anything (SDMetrics' pair metrics fail on it too).
    """
    if values.dtype.kind == "f" and np.isinf(values).any():
        raise InvalidArgument(
            f"column {column!r} holds infinite values, which no fidelity metric can score (SDMetrics fails on "
            "them too); replace them with NaN (df.replace([np.inf, -np.inf], np.nan)) or finite numbers."
        )
    return values


def column_bin_codes(values: np.ndarray, column: str) -> np.ndarray:
    """:func:`bin_codes` of one finite-or-NaN column, also where numpy cannot bin it.

    Values too close for ten float64-sized bins (one timestamp in
    nanoseconds, whose range of +-0.5 around 1.6e18 rounds away; SDMetrics
    0.32 records "Too many bins for data range" and skips the pair) are
    binned from their minimum, as the profile does; wherever numpy can bin,
    its codes are used unchanged.
    """
    try:
        return bin_codes(values)
    except ValueError:  # "Too many bins for data range"
        present = values[~np.isnan(values)] if values.dtype.kind == "f" else values
        return bin_codes(values - present.min())
