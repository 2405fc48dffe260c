"""The fidelity profile: the real data's statistics a model file carries, and a Reference over them.

A fitted model stores a profile of the frame it was fitted on, so that
``assert_fidelity(model, synthetic)`` and ``fidelity_report(model, synthetic)``
work in CI where the real rows are absent. It holds, per scored column, the
missing rate and either a quantile sketch (numbers, datetimes) or category
shares (categories, booleans); per pair of continuous columns Pearson's r; and
per pair of columns the contingency table on SDMetrics' codes (a continuous
column's 10 histogram bins of its own values, a category's values, missing
values a cell of their own). No row is stored, and every number follows the
file's privacy rule (``docs/explanation/privacy.md``, threshold ``min_count = k``):

- a quantile is the mean of at least ``2k`` consecutive sorted values, after the
  ``k`` smallest and the ``k`` largest were replaced by their inner neighbour
  (winsorized: one extreme row moves no number more than a pooled knot);
- a category seen fewer than ``k`` times is not named: its rows pool into one
  "other" share; a count (category, missing values, contingency cell, "other")
  of 1 to ``k - 1`` rows reads as ``k / 2`` rows (the "half-k" small-count rule);
- Pearson correlations are of the winsorized values.

A declared Schema (and a model without a stored profile: a differentially
private fit, whose releases are the model, or a file written before profiles)
has the profile of its own distribution: the same statistics of a seeded
sample of :data:`MODEL_ROWS` rows, which is post-processing of what the model
already is. :class:`ProfileReference` answers the
:class:`~pytest_synthdata._fidelity.reference.Reference` protocol from a
profile; its scores agree with the real rows' within :data:`TOLERANCE` (see
``tests/test_profile.py`` and ``docs/reference/model-file.md``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from . import metrics
from .reference import CONTINUOUS, PairScore, Prepared, bin_codes, numeric_values, sdtype_of

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from .._artifact import SpecReader
    from .._model import Model

__all__ = ["MODEL_ROWS", "QUANTILES", "TOLERANCE", "Profile", "ProfileReference", "compute_profile", "profile_of"]

#: The most quantiles a continuous column's sketch holds (KS error from the sketch is at most about 1/(2 x this)).
QUANTILES = 100
#: Rows sampled from a model to build the profile of its own distribution (declared schemas, DP fits).
MODEL_ROWS = 20_000
#: How far a profile score may lie from the same score against the real rows, per column, per pair and overall.
#: Measured (``tests/test_profile.py``; two samples each of palmerpenguins, Ecdat Wages and Computers, ggplot2
#: mpg, default min_count=5): at most 0.031 per column, 0.055 per pair (mpg: 234 rows, a 38 x 4 table of
#: small cells read as half-k) and 0.0092 overall; on the tables of 4,000+ rows 0.010, 0.002 and 0.0025.
TOLERANCE = {"column": 0.04, "pair": 0.06, "score": 0.015}
#: Codes of a continuous column in a contingency table: ``numpy.digitize`` on 10 bins gives 1..11.
_BIN_KEYS = list(range(1, 12))
_SHARE_DIGITS = 6


@dataclass
class ColumnProfile:
    """One column's statistics: its sdtype, missing rate, and a quantile sketch or category shares."""

    sdtype: str
    missing: float
    #: continuous: sorted sketch points, each standing for an equal share of the present values
    quantiles: NDArray[np.float64] | None = None
    #: categorical, boolean: the values stored and their shares of the present values
    values: list[Any] = field(default_factory=list)
    shares: NDArray[np.float64] | None = None
    #: categorical: the share of present values in categories too rare to name
    other: float = 0.0


@dataclass
class PairProfile:
    """A contingency table of two columns over their keys (shares summing to 1)."""

    table: NDArray[np.float64]


@dataclass
class Profile:
    """What a model knows of its data's statistics (see the module docstring)."""

    rows: int
    min_count: int
    columns: dict[str, ColumnProfile]
    #: Pearson's r of each pair of continuous columns, NaN where a column is constant
    correlations: dict[tuple[str, str], float] = field(default_factory=dict)
    pairs: dict[tuple[str, str], PairProfile] = field(default_factory=dict)
    #: "real" (the rows a fit saw) or "model" (the model's own distribution)
    source: str = "real"

    # keys of a column in a contingency table ---------------------------------------------------------------
    def keys(self, column: str) -> list[Any]:
        """The row (or column) labels of ``column`` in a contingency table: bin codes, or values then missing, other."""
        profile = self.columns[column]
        if profile.sdtype in CONTINUOUS:
            return list(_BIN_KEYS)
        return [*profile.values, _MISSING, _OTHER]

    # model files ---------------------------------------------------------------------------------------------
    def to_spec(self) -> dict[str, Any]:
        """The profile's section of a model file (JSON-ready)."""
        columns: dict[str, Any] = {}
        for name, col in self.columns.items():
            entry: dict[str, Any] = {"sdtype": col.sdtype, "missing": _round(col.missing)}
            if col.quantiles is not None:
                entry["quantiles"] = [_number(v, col.sdtype) for v in col.quantiles]
            else:
                entry["values"] = list(col.values)
                entry["shares"] = [_round(s) for s in (col.shares if col.shares is not None else [])]
                if col.other:
                    entry["other"] = _round(col.other)
            columns[name] = entry
        return {
            "source": self.source,
            "rows": self.rows,
            "min_count": self.min_count,
            "columns": columns,
            "correlations": [[a, b, None if math.isnan(r) else _round(r)] for (a, b), r in self.correlations.items()],
            "contingency": [_cells(a, b, p.table) for (a, b), p in self.pairs.items()],
        }

    @classmethod
    def from_spec(cls, spec: Any, r: SpecReader, names: list[str]) -> Profile:
        """Read and validate a profile section (``names``: the model's columns)."""
        where = "profile"
        if not isinstance(spec, dict):
            raise r.fail(where, "expected an object")
        source = r.get(spec, "source", str, where)
        if source not in ("real", "model"):
            raise r.fail(f"{where}.source", f"expected 'real' or 'model', found {source!r}")
        rows = r.get(spec, "rows", int, where)
        min_count = r.get(spec, "min_count", int, where)
        if rows < 1 or min_count < 1:
            raise r.fail(where, "rows and min_count must be positive whole numbers")
        raw_columns = r.get(spec, "columns", dict, where)
        columns: dict[str, ColumnProfile] = {}
        for name, entry in raw_columns.items():
            at = f"{where}.columns.{name}"
            if name not in names:
                raise r.fail(at, f"{name!r} is not a column of the model")
            if not isinstance(entry, dict):
                raise r.fail(at, "expected an object")
            sdtype = r.get(entry, "sdtype", str, at)
            if sdtype not in ("numerical", "datetime", "categorical", "boolean"):
                raise r.fail(f"{at}.sdtype", f"expected numerical, datetime, categorical or boolean, found {sdtype!r}")
            missing = r.probability(entry, "missing", at)
            if sdtype == "datetime":
                quantiles = _timestamps(r, entry, at)
            elif sdtype in CONTINUOUS:
                quantiles = np.asarray(r.numbers(entry, "quantiles", at), dtype=np.float64)
            if sdtype in CONTINUOUS:
                if len(quantiles) > QUANTILES or np.any(np.diff(quantiles) < 0):
                    raise r.fail(f"{at}.quantiles", f"expected at most {QUANTILES} numbers in increasing order")
                columns[name] = ColumnProfile(sdtype, missing, quantiles=quantiles)
                continue
            values = r.get(entry, "values", list, at)
            if not all(isinstance(v, (str, int, float, bool)) for v in values) or len({repr(v) for v in values}) != len(
                values
            ):
                raise r.fail(f"{at}.values", "expected distinct strings, numbers or booleans")
            shares = r.probabilities(entry, "shares", at, size=len(values))
            other = r.probability(entry, "other", at) if "other" in entry else 0.0
            if values and abs(shares.sum() + other - 1.0) > 1e-4:
                raise r.fail(f"{at}.shares", f"shares and other must sum to 1 (they sum to {shares.sum() + other:g})")
            columns[name] = ColumnProfile(sdtype, missing, values=values, shares=shares, other=other)
        profile = cls(rows, min_count, columns, source=source)
        for i, item in enumerate(r.get(spec, "correlations", list, where)):
            at = f"{where}.correlations[{i}]"
            if not (isinstance(item, list) and len(item) == 3 and all(c in columns for c in item[:2])):
                raise r.fail(at, "expected [column, column, r] naming two profiled columns")
            value = item[2]
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, (int, float)) or not -1.0 <= value <= 1.0
            ):
                raise r.fail(at, f"expected a correlation in [-1, 1] or null, found {value!r}")
            profile.correlations[(item[0], item[1])] = math.nan if value is None else float(value)
        for i, item in enumerate(r.get(spec, "contingency", list, where)):
            at = f"{where}.contingency[{i}]"
            if not isinstance(item, dict):
                raise r.fail(at, "expected an object")
            pair = r.get(item, "columns", list, at)
            if len(pair) != 2 or not all(isinstance(c, str) and c in columns for c in pair):
                raise r.fail(f"{at}.columns", "expected two profiled columns")
            shape = (len(profile.keys(pair[0])), len(profile.keys(pair[1])))
            rows_at = r.get(item, "rows", list, at)
            cols_at = r.get(item, "cols", list, at)
            shares = r.probabilities(item, "shares", at, size=len(rows_at))
            for key, index, size in (("rows", rows_at, shape[0]), ("cols", cols_at, shape[1])):
                if len(index) != len(rows_at) or not all(
                    isinstance(v, int) and not isinstance(v, bool) and 0 <= v < size for v in index
                ):
                    raise r.fail(
                        f"{at}.{key}",
                        f"expected {len(rows_at)} whole numbers from 0 to {size - 1} (the table is {shape})",
                    )
            table = np.zeros(shape)
            table[np.asarray(rows_at, dtype=np.int64), np.asarray(cols_at, dtype=np.int64)] = shares
            if abs(table.sum() - 1.0) > 1e-4:
                raise r.fail(f"{at}.shares", f"shares must sum to 1 (they sum to {table.sum():g})")
            profile.pairs[(pair[0], pair[1])] = PairProfile(table)
        return profile


def _timestamps(r: SpecReader, entry: dict[str, Any], at: str) -> NDArray[np.float64]:
    """A datetime column's sketch: ISO 8601 texts, as nanoseconds since the epoch (float64)."""
    texts = r.get(entry, "quantiles", list, at)
    if not all(isinstance(t, str) for t in texts):
        raise r.fail(f"{at}.quantiles", "expected ISO 8601 timestamps, such as '2024-03-01T12:00:00'")
    try:
        stamps = pd.to_datetime(pd.Series(texts, dtype=object), format="ISO8601")
    except (ValueError, TypeError, OverflowError) as exc:
        raise r.fail(f"{at}.quantiles", f"expected ISO 8601 timestamps ({exc})") from None
    if stamps.dt.tz is not None:
        stamps = stamps.dt.tz_convert("UTC").dt.tz_localize(None)
    return stamps.to_numpy(dtype="datetime64[ns]").astype(np.int64).astype(np.float64)


class _Key:
    """A contingency key that no value equals (missing values; rare categories pooled)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"<{self.name}>"


_MISSING = _Key("missing")
_OTHER = _Key("other")


def _cells(a: str, b: str, table: NDArray[np.float64]) -> dict[str, Any]:
    """A contingency table as the file writes it: its non-empty cells as three parallel lists (one line each)."""
    rows, cols = np.nonzero(table)
    return {
        "columns": [a, b],
        "rows": rows.tolist(),
        "cols": cols.tolist(),
        "shares": [_round(v) for v in table[rows, cols]],
    }


def _round(x: float) -> float:
    return float(round(float(x), _SHARE_DIGITS))


def _number(x: float, sdtype: str) -> float | str:
    """A sketch point as the file writes it: datetimes as ISO 8601 text, numbers to 12 significant digits.

    (Text, not nanoseconds: a reviewer reads a date, and the audit's scan for large stored numbers, where a
    planted extreme would show, is not set off by every timestamp.)
    """
    if sdtype == "datetime":
        return pd.Timestamp(round(float(x))).isoformat()
    return float(f"{x:.12g}")


def _json_value(value: Any) -> Any:
    """A category as a model file can hold it (numpy scalars unwrapped, other objects as text)."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return value
    return str(value)


# building a profile ------------------------------------------------------------------------------------------


def _half_k(counts: NDArray[np.float64], k: int) -> NDArray[np.float64]:
    """Counts of 1 to k - 1 rows read as k / 2 rows (the file's small-count rule)."""
    counts = np.asarray(counts, dtype=np.float64)
    if k <= 1:
        return counts
    return np.where((counts > 0) & (counts < k), k / 2.0, counts)


def _winsorized(values: NDArray[Any], k: int) -> NDArray[np.float64]:
    """Present values with the ``k`` smallest and ``k`` largest replaced by their inner neighbours (float64).

    Keeps the row order; NaN stays NaN. With ``k = 1`` (not sensitive) or too few values, the values as they are.
    """
    x = values.astype(np.float64, copy=True)
    present = np.flatnonzero(~np.isnan(x))
    if k <= 1 or len(present) <= 2 * k + 1:
        return x
    m = len(present)
    order = present[np.argpartition(x[present], [k, m - k - 1])]  # (the k outermost on each side, unordered)
    low, high = x[order[k]], x[order[m - k - 1]]
    x[order[:k]] = low
    x[order[m - k :]] = high
    return x


def _sketch(values: NDArray[np.float64], k: int) -> NDArray[np.float64]:
    """The quantile sketch of winsorized present values: means of equal consecutive blocks of >= 2k values."""
    x = np.sort(values[~np.isnan(values)])
    if not len(x):
        return x
    per_block = 2 * k if k > 1 else 1
    blocks = max(1, min(QUANTILES, len(x) // per_block))
    if k > 1 and len(x) < per_block:  # too few values to pool without revealing them: their mean only
        return np.array([x.mean()])
    edges = np.linspace(0, len(x), blocks + 1).round().astype(np.int64)
    sums = np.add.reduceat(x, edges[:-1])
    return sums / np.diff(edges)


def _category_like(dtype: Any) -> bool:
    """Whether :func:`sdtype_of` reads a column of this dtype by its distinct values (categories, objects, text)."""
    return (
        isinstance(dtype, pd.CategoricalDtype)
        or pd.api.types.is_object_dtype(dtype)
        or pd.api.types.is_string_dtype(dtype)
    )


def _factorized(series: pd.Series) -> tuple[NDArray[np.int64], Any]:
    """A category column's codes (-1 for missing) into its distinct values: categories in their declared order,
    other columns in order of first appearance."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        return series.cat.codes.to_numpy(dtype=np.int64), series.cat.categories
    found, uniques = pd.factorize(series, use_na_sentinel=True)
    return np.asarray(found, dtype=np.int64), uniques


def compute_profile(
    frame: pd.DataFrame, *, min_count: int, columns: list[str] | None = None, source: str = "real"
) -> Profile:
    """Return the profile of ``frame`` (its ``columns``, default all that a metric scores) under ``min_count``."""
    k = int(min_count)
    n = len(frame)
    profiles: dict[str, ColumnProfile] = {}
    numbers: dict[str, NDArray[np.float64]] = {}
    codes: dict[str, NDArray[np.int64]] = {}
    names: list[str] = []
    for name in columns if columns is not None else list(frame.columns):
        series = frame[name]
        factorized = None
        if _category_like(series.dtype):  # one hash pass gives the sdtype, the missing count and the codes
            factorized = _factorized(series)
            found, uniques = factorized
            used = uniques[np.unique(found[found >= 0])] if len(uniques) else uniques
            if not len(used):
                continue  # (all missing: no metric scores it, as sdtype_of says)
            boolean = len(used) <= 2 and all(isinstance(v, (bool, np.bool_)) for v in used)
            sdtype = "boolean" if boolean else "categorical"
            missing_rows = int((found < 0).sum())
        else:
            kind = sdtype_of(series)
            if kind is None:
                continue
            sdtype, missing_rows = str(kind), int(series.isna().sum())
        names.append(name)
        missing_count = float(_half_k(np.array([missing_rows]), k)[0])
        missing = min(missing_count / n, 1.0)
        if sdtype in CONTINUOUS:
            raw = numeric_values(series)
            finite = raw.astype(np.float64)
            finite[~np.isfinite(finite)] = np.nan  # (infinities: outside every sketch; rare in real data)
            numbers[name] = _winsorized(finite, k)
            profiles[name] = ColumnProfile(sdtype, missing, quantiles=_sketch(numbers[name], k))
            codes[name] = _bins(finite)
            continue
        found, uniques = factorized if factorized is not None else _factorized(series)
        counts = np.bincount(found[found >= 0], minlength=len(uniques))
        seen = np.flatnonzero(counts)
        kept = seen[counts[seen] >= k] if k > 1 else seen
        kept = kept[np.argsort(-counts[kept], kind="stable")]  # most frequent first; ties in order of appearance
        rare = float(_half_k(np.array([counts.sum() - counts[kept].sum()]), k)[0])
        total = float(counts[kept].sum()) + rare
        values = [_json_value(v) for v in uniques[kept]]
        shares = counts[kept].astype(np.float64) / total if total else np.zeros(0)
        profiles[name] = ColumnProfile(
            sdtype, missing, values=values, shares=shares, other=rare / total if total else 0.0
        )
        position = np.full(len(uniques) + 1, len(values) + 1, dtype=np.int64)  # unnamed (rare) values: other
        position[kept] = np.arange(len(kept))
        position[-1] = len(values)  # (code -1, missing, reads the last slot)
        codes[name] = position[found]
    profile = Profile(n, k, profiles, source=source)
    continuous = [c for c in names if c in numbers]
    whole = [c for c in continuous if not np.isnan(numbers[c]).any()]
    matrix = metrics.pearson_matrix({c: numbers[c] for c in whole}) if len(whole) > 2 else {}
    for i, a in enumerate(continuous):
        for b in continuous[i + 1 :]:
            known = matrix.get(a, {}).get(b)  # (pairs of complete columns: one product; others pair by pair)
            profile.correlations[(a, b)] = _pearson(numbers[a], numbers[b]) if known is None else known
    pairs = [(a, b) for i, a in enumerate(names) for b in names[i + 1 :]]
    if pairs:
        # every pair's contingency table from one count: pair p's cells sit at offset[p] + code_a * width_b + code_b
        size = {c: len(profile.keys(c)) + 1 for c in names}  # (+1: bin codes start at 1)
        cells = np.array([size[a] * size[b] for a, b in pairs], dtype=np.int64)
        offset = np.concatenate([[0], np.cumsum(cells)[:-1]])
        keys = np.empty((len(pairs), n), dtype=np.int64)
        for p, (a, b) in enumerate(pairs):
            np.multiply(codes[a], size[b], out=keys[p])
            keys[p] += codes[b]
            keys[p] += offset[p]
        counts_all = _half_k(np.bincount(keys.ravel(), minlength=int(cells.sum())).astype(np.float64), k)
        for p, (a, b) in enumerate(pairs):
            table = counts_all[offset[p] : offset[p] + cells[p]].reshape(size[a], size[b])
            table = table[1:] if profiles[a].sdtype in CONTINUOUS else table[:-1]
            table = table[:, 1:] if profiles[b].sdtype in CONTINUOUS else table[:, :-1]
            profile.pairs[(a, b)] = PairProfile(table / table.sum())
    return profile


def _bins(values: NDArray[np.float64]) -> NDArray[np.int64]:
    """SDMetrics' 10 bin codes (1..11) of finite-or-NaN values, measured from their minimum.

    The shift keeps a constant column of large numbers (one timestamp, in nanoseconds) binnable: its range
    of +-0.5 around 1.6e18 has no finite-sized bins in float64. Bins move with the values, so codes do not.
    """
    present = values[~np.isnan(values)]
    shifted = values - present.min() if len(present) else values
    return bin_codes(shifted).astype(np.int64)


def _pearson(x: NDArray[np.float64], y: NDArray[np.float64]) -> float:
    keep = ~(np.isnan(x) | np.isnan(y))
    return metrics.pearson(x[keep], y[keep])


def fit_profile(frame: pd.DataFrame, model: Model, min_count: int) -> Profile:
    """The profile a fit stores: of the real ``frame``'s columns that the model models (never generated ones)."""
    scored = [c for c in model.columns if c in frame.columns and _profiled(model, c)]
    return compute_profile(frame, min_count=min_count, columns=scored)


def _profiled(model: Model, name: str) -> bool:
    """Whether a model column has a profile: modelled, derived or conditional kinds (not Faker, id, computed)."""
    from .._columns import BooleanColumn, CategoryColumn, NumericColumn

    col = model.column(name)
    return isinstance(getattr(col, "base", col), (NumericColumn, CategoryColumn, BooleanColumn))


def profile_of(model: Model) -> Profile:
    """The model's stored profile, or the profile of its own distribution (cached on the model)."""
    stored = getattr(model, "profile", None)
    if stored is not None:
        return stored
    cached = model.__dict__.get("_own_profile")
    if cached is None:
        from ..errors import PoolExhausted

        try:
            sample = model.sample(MODEL_ROWS, seed=0)
        except PoolExhausted:  # a unique Faker column's pool is smaller than the sample: leave generated columns out
            sample = _without_generated(model).sample(MODEL_ROWS, seed=0)
        scored = [c for c in model.columns if _profiled(model, c)]
        cached = compute_profile(sample, min_count=1, columns=scored, source="model")
        model.__dict__["_own_profile"] = cached
    return cached


def _without_generated(model: Model) -> Model:
    """The model without its generated (Faker, id, computed) columns, which a profile never scores anyway."""
    from .._constraints import Unique

    kept = [c for c in model._columns if c.modelled or hasattr(c, "derive")]
    names = {c.name for c in kept}
    return model.replaced(
        columns=kept,
        row_constraints=[c for c in model._row_constraints if isinstance(c, Unique) and c.column in names],
        info={},
        null_follows={c: lead for c, lead in model.null_follows.items() if c in names},
    )


# scoring against a profile -----------------------------------------------------------------------------------


class ProfileReference:
    """Scores synthetic data against a model's profile, approximately (see :data:`TOLERANCE`).

    >>> import pytest_synthdata as sd
    >>> people = sd.Schema("people", {"age": sd.Integer(low=18, high=90)})
    >>> ref = ProfileReference(people)
    >>> ref.columns(), ref.exact
    ({'age': 'numerical'}, False)
    >>> synthetic = Prepared(people.sample(5000, seed=1), ref.columns())
    >>> round(ref.ks_complement("age", synthetic), 1)
    1.0
    """

    exact = False

    def __init__(self, model: Model) -> None:
        self.model = model
        self.profile = profile_of(model)

    def describe(self) -> str:
        if self.profile.source == "real":
            return f"the profile stored in model {self.model.name!r} ({self.profile.rows} real rows)"
        return f"the distribution of model {self.model.name!r} (no stored profile)"

    def columns(self) -> dict[str, str]:
        return {name: col.sdtype for name, col in self.profile.columns.items()}

    def _column(self, column: str) -> ColumnProfile:
        from ..errors import InvalidArgument

        try:
            return self.profile.columns[column]
        except KeyError:
            raise InvalidArgument(
                f"{self.describe()} has no column {column!r}; it profiles {list(self.profile.columns)}."
            ) from None

    def ks_complement(self, column: str, synthetic: Prepared) -> float:
        sketch = self._column(column).quantiles
        if sketch is None or not len(sketch):
            return float("nan")
        return 1.0 - metrics.ks_from_counts(metrics.distinct_counts(sketch), synthetic.distinct(column))

    def tv_complement(self, column: str, synthetic: Prepared) -> float:
        col = self._column(column)
        counts = synthetic.count_array(column).astype(np.float64)
        if not counts.sum() or col.shares is None or not len(col.values):
            return float("nan")
        share = counts / counts.sum()
        at = self._lookup(column, synthetic)
        p_syn = np.zeros(len(col.values))
        np.add.at(p_syn, at[at >= 0], share[at >= 0])
        unknown = float(share[at < 0].sum())
        return float(1.0 - 0.5 * (np.abs(col.shares - p_syn).sum() + unknown + col.other))

    def coverage(self, column: str, synthetic: Prepared) -> float:
        col = self._column(column)
        if col.sdtype in CONTINUOUS:
            return metrics.range_coverage(self.value_range(column), synthetic.value_range(column))
        at = self._lookup(column, synthetic)
        sampled = np.zeros(len(col.values), dtype=bool)
        sampled[at[(at >= 0) & (synthetic.count_array(column) > 0)]] = True
        return float(sampled.mean()) if len(sampled) else float("nan")

    def _lookup(self, column: str, synthetic: Prepared) -> NDArray[np.int64]:
        """For each distinct synthetic value of a discrete column, its position among the profile's (-1: not there)."""
        key = ("profile_lookup", column, id(self))
        if key not in synthetic.cache:
            known = pd.Index(self._column(column).values, dtype=object)
            synthetic.cache[key] = np.asarray(known.get_indexer(synthetic.factor(column)[1]), dtype=np.int64)
        return synthetic.cache[key]  # type: ignore[no-any-return]

    def missing_rate(self, column: str) -> float:
        return self._column(column).missing

    def value_range(self, column: str) -> tuple[float, float] | None:
        sketch = self._column(column).quantiles
        return (float(sketch[0]), float(sketch[-1])) if sketch is not None and len(sketch) else None

    def frequencies(self, column: str) -> pd.Series:
        col = self._column(column)
        shares = col.shares if col.shares is not None else np.zeros(0)
        series = pd.Series(shares, index=pd.Index(col.values, dtype=object), dtype=np.float64)
        return series / series.sum() if series.sum() else series

    def cdf(self, column: str, points: NDArray[Any]) -> NDArray[np.float64]:
        sketch = self._column(column).quantiles
        if sketch is None or not len(sketch):
            return np.zeros(len(points))
        return np.searchsorted(sketch, np.asarray(points, dtype=np.float64), side="right") / len(sketch)

    def correlation(self, a: str, b: str) -> float:
        found = self.profile.correlations.get((a, b), self.profile.correlations.get((b, a)))
        return math.nan if found is None else found

    def correlation_similarity(self, a: str, b: str, synthetic: Prepared) -> PairScore:
        real = self.correlation(a, b)
        syn = synthetic.correlation(a, b)
        return PairScore("CorrelationSimilarity", 1.0 - abs(real - syn) / 2.0, real, syn)

    def contingency_similarity(self, a: str, b: str, synthetic: Prepared) -> PairScore:
        pair = self.profile.pairs.get((a, b))
        if pair is None:
            pair = self.profile.pairs.get((b, a))
            a, b = b, a
        if pair is None:
            return PairScore("ContingencySimilarity", float("nan"))
        real = pair.table
        syn_codes = [self._syn_codes(c, synthetic) for c in (a, b)]
        shape = (
            max(real.shape[0], int(syn_codes[0].max(initial=0)) + 1),
            max(real.shape[1], int(syn_codes[1].max(initial=0)) + 1),
        )
        padded = np.zeros(shape)
        padded[: real.shape[0], : real.shape[1]] = real
        syn = metrics.joint_counts(syn_codes[0], syn_codes[1], shape)
        return PairScore("ContingencySimilarity", 1.0 - metrics.contingency_tvd(padded, syn), metrics.cramers_v(real))

    def _syn_codes(self, column: str, synthetic: Prepared) -> NDArray[np.int64]:
        """Synthetic keys on the profile's axis: bin codes from 0, or category index, missing, then unknown values."""
        key = ("profile_codes", column, id(self))
        if key in synthetic.cache:
            return synthetic.cache[key]  # type: ignore[no-any-return]
        col = self._column(column)
        if col.sdtype in CONTINUOUS:
            values = synthetic.numeric(column).astype(np.float64)
            values[~np.isfinite(values)] = np.nan
            codes = _bins(values) - 1
        else:
            factor, _ = synthetic.factor(column)
            lookup = self._lookup(column, synthetic).copy()
            unseen = lookup < 0
            lookup[unseen] = len(col.values) + 2 + np.arange(int(unseen.sum()))  # each its own key, after "other"
            lookup = np.append(lookup, len(col.values))  # code -1 (missing) indexes this last entry
            codes = lookup[factor]
        synthetic.cache[key] = codes
        return codes
