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

import contextlib
import functools
import itertools
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from . import metrics
from .reference import CONTINUOUS, PairScore, Prepared, bin_codes, numeric_values, sdtype_of

if TYPE_CHECKING:
    from collections.abc import Mapping

    from numpy.typing import NDArray

    from .._artifact import SpecReader
    from .._model import Model

    #: A string column's ``pandas.factorize`` (codes, values) and each value's count, as the fit's inference made
    #: them: handed to the profile so it does not hash and count the values again.
    Factorization = tuple[NDArray[np.intp], Any, NDArray[np.intp]]

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


def _sum_slack(count: int) -> float:
    """How far from 1 the sum of ``count`` shares written to :data:`_SHARE_DIGITS` digits may lie: each share moves
    by up to half a unit in its last digit, so a table of many small cells (two categories of 40 values: 1,600)
    drifts by more than any fixed tolerance; never tighter than 1e-4 (what files were read with before)."""
    return max(1e-4, count * 0.5 * 10.0**-_SHARE_DIGITS + 1e-9)


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
    """A contingency table of two columns over their keys (shares summing to 1).

    ``binned``: for a discrete and a continuous column, the same table with the continuous column cut on the
    profile's own bins (:func:`stored_edges`) instead of the real values' own histogram edges, or None (files
    before format version 6).
    """

    table: NDArray[np.float64]
    binned: NDArray[np.float64] | None = None


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
            "contingency": [
                {**_cells(a, b, p.table), **({"binned": _cells(a, b, p.binned)} if p.binned is not None else {})}
                for (a, b), p in self.pairs.items()
            ],
        }

    @property
    def has_binned(self) -> bool:
        """Whether a contingency table is also stored on the profile's own bins (model format version 6)."""
        return any(p.binned is not None for p in self.pairs.values())

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
            if values and abs(shares.sum() + other - 1.0) > _sum_slack(len(shares) + ("other" in entry)):
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
            table = _read_table(r, item, at, shape)
            binned = None
            if "binned" in item:
                kinds = [columns[c].sdtype in CONTINUOUS for c in pair]
                if sum(kinds) != 1:
                    raise r.fail(f"{at}.binned", "only a table of a discrete and a continuous column is binned")
                entry = item["binned"]
                if not isinstance(entry, dict) or entry.get("columns") != pair:
                    raise r.fail(f"{at}.binned", f"expected an object with the columns {pair}")
                binned = _read_table(r, entry, f"{at}.binned", shape)
            profile.pairs[(pair[0], pair[1])] = PairProfile(table, binned)
        return profile


def _read_table(r: SpecReader, item: dict[str, Any], at: str, shape: tuple[int, int]) -> NDArray[np.float64]:
    """A contingency table written by :func:`_cells`, checked: whole-number cells inside ``shape``, shares
    summing to 1."""
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
    if abs(table.sum() - 1.0) > _sum_slack(len(shares)):
        raise r.fail(f"{at}.shares", f"shares must sum to 1 (they sum to {table.sum():g})")
    return table


#: The codes of a column cut on the profile's own bins: 10 bins, and missing (:func:`stored_bin_codes`).
_STORED_BINS = 11


def stored_edges(sketch: NDArray[np.float64]) -> NDArray[np.float64]:
    """The profile's own bins of a continuous column: 10 equal widths between its sketch's ends, the outer two
    open (SDMetrics' ContingencySimilarity metric cuts on the real histogram edges that way; the sketch's ends
    are the stored, private ones, not the real extremes). Codes are ``numpy.digitize`` minus 1: 0..9, NaN 10."""
    low, high = (float(sketch[0]), float(sketch[-1])) if len(sketch) else (0.0, 0.0)
    if not high > low:
        low, high = low - 0.5, high + 0.5
    step = (high - low) / 10
    if step == 0:  # (a span of a few subnormal numbers: numpy.linspace's own formula for it)
        edges = np.linspace(low, high, 11)
    else:  # (numpy.linspace(low, high, 11)'s arithmetic, without its overhead; its ends are replaced below)
        edges = _STEPS * step
        edges += low
    edges[0], edges[-1] = -np.inf, np.inf
    return edges


def stored_bin_codes(values: NDArray[np.float64], sketch: NDArray[np.float64]) -> NDArray[np.intp]:
    """Codes 0..10 of finite-or-NaN ``values`` on :func:`stored_edges` of ``sketch`` (NaN: 10)."""
    # (numpy.digitize on increasing edges, without its checks: NaN sorts past every edge)
    return np.searchsorted(stored_edges(sketch), values, side="right") - 1  # type: ignore[no-any-return]


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
        return _off_rare_values(np.array([x.mean()]), x, k)
    edges = np.linspace(0, len(x), blocks + 1).round().astype(np.int64)
    sums = np.add.reduceat(x, edges[:-1])
    return _off_rare_values(sums / np.diff(edges), x, k)


def _category_like(dtype: Any) -> bool:
    """Whether :func:`sdtype_of` reads a column of this dtype by its distinct values (categories, objects, text)."""
    if isinstance(dtype, np.dtype):  # (what the checks below say of numpy's dtypes, without their overhead)
        return dtype.kind in "OSU"
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
    frame: pd.DataFrame,
    *,
    min_count: int,
    columns: list[str] | None = None,
    source: str = "real",
    factorized: Mapping[str, Factorization] | None = None,
) -> Profile:
    """Return the profile of ``frame`` (its ``columns``, default all that a metric scores) under ``min_count``.

    ``factorized`` may hold string columns' ``pandas.factorize`` (codes, distinct values) and how many rows
    hold each value, which the caller made already (a fit's inference does), so that their values are not
    hashed or counted again. The work is
    vectorised across columns and pairs: see :func:`_continuous`, :func:`_correlations` and
    :func:`_pair_tables`.
    """
    k = int(min_count)
    n = len(frame)
    profiles: dict[str, ColumnProfile] = {}
    continuous: dict[str, _Continuous] = {}
    codes: dict[str, NDArray[np.intp]] = {}
    series_of = {name: frame[name] for name in (columns if columns is not None else list(frame.columns))}
    # numpy number columns (sdtype_of's numerical) are read together: their sorts, clips and sketches at once
    numeric = [
        name
        for name, series in series_of.items()
        if n and isinstance(series.dtype, np.dtype) and series.dtype.kind in "iuf"
    ]
    together = dict(zip(numeric, _continuous_many([series_of[c].to_numpy() for c in numeric], n, k), strict=True))
    for name, series in series_of.items():
        column: _Discrete | _Continuous | None
        dtype = series.dtype
        if name in together:
            column = together[name]
        elif _category_like(dtype):  # one hash pass gives the sdtype, the missing count and the codes
            reused = factorized.get(name) if factorized is not None else None
            if reused is not None and len(reused[0]) == n:
                column = _discrete(np.asarray(reused[0], dtype=np.int64), reused[1], None, n, k, reused[2])
            else:
                found, uniques = _factorized(series)
                column = _discrete(found, uniques, None, n, k)
        else:
            kind = sdtype_of(series)
            if kind is None:
                continue
            if kind in CONTINUOUS:
                column = _continuous(numeric_values(series), str(kind), n, k, int(series.isna().sum()))
            else:
                found, uniques = _factorized(series)
                column = _discrete(found, uniques, str(kind), n, k)
        if column is None:
            continue  # (all missing: no metric scores it, as sdtype_of says)
        profiles[name] = column.profile
        codes[name] = column.codes
        if isinstance(column, _Continuous):
            continuous[name] = column
    profile = Profile(n, k, profiles, source=source)
    names = list(profiles)
    if len(names) < 2:
        return profile
    profile.correlations.update(_correlations(continuous))
    widths = [len(profile.keys(c)) for c in names]
    tables = _pair_tables([codes[c] for c in names], widths, n, k)
    pairs = [(a, b) for i, a in enumerate(names) for b in names[i + 1 :]]
    profile.pairs.update({pair: PairProfile(table) for pair, table in zip(pairs, tables, strict=True)})
    discrete = [c for c in names if c not in continuous]
    if discrete and continuous:  # the tables of a discrete and a continuous column again, cut on the profile's bins
        binned = [col.stored_codes() for col in continuous.values()]
        mixed = _mixed_tables([codes[c] for c in discrete], [len(profile.keys(c)) for c in discrete], binned, n, k)
        position = {c: i for i, c in enumerate(discrete)} | {c: i for i, c in enumerate(continuous)}
        for a, b in pairs:
            if (a in continuous) != (b in continuous):
                table = mixed[position[b]][position[a]] if b in continuous else mixed[position[a]][position[b]].T
                profile.pairs[(a, b)].binned = table
    return profile


def _mixed_tables(
    codes: list[NDArray[np.intp]], widths: list[int], binned: list[NDArray[np.intp]], n: int, k: int
) -> list[list[NDArray[np.float64]]]:
    """The table of every continuous column's bins (``binned``: codes 0..10) with every discrete column (``codes``,
    ``widths``), as ``[continuous][discrete]``: shares summing to 1, half-k applied, as :func:`_pair_tables` gives
    them, rows the discrete column's keys. One count of all: the discrete columns joined into groups
    (:func:`_grouped`), each group's joint code (offset by the cells before it) times the 11 bins plus the bin,
    per continuous column (offset by the cells before it); each group's counts are decoded into its columns' as
    in :func:`_pair_tables` (whole numbers: exact)."""
    groups, cells = _grouped(widths, n)
    total = sum(cells)
    start = np.cumsum([0, *cells[:-1]], dtype=np.intp)
    joint = np.stack([_joint(codes, widths, group) for group in groups])
    joint += start[:, None]
    joint *= _STORED_BINS
    bins = np.stack(binned)
    bins += (np.arange(len(binned), dtype=np.intp) * (total * _STORED_BINS))[:, None]
    keys = bins[:, None, :] + joint[None, :, :]  # (continuous, group, row)
    counts = np.bincount(keys.ravel(), minlength=len(binned) * total * _STORED_BINS)
    counts = counts.reshape(len(binned), total, _STORED_BINS)
    table: NDArray[Any] = counts  # (columns each in a group of its own: their counts as they are)
    if len(groups) < len(widths):  # (else each group's counts decoded into its columns')
        parts = []
        for group, at, size in zip(groups, start.tolist(), cells, strict=True):
            block = counts[:, at : at + size]
            if len(group) > 1:
                decode = _decoder(tuple(widths[i] for i in group))
                with _few_threads(decode.size * _STORED_BINS):  # (products of whole numbers: exact on any threads)
                    block = np.matmul(decode.T, block)
            parts.append(block)
        table = np.concatenate(parts, axis=1)
    shares = _half_k_counts(table, k)
    order = [i for group in groups for i in group]  # (the table's rows: each column's keys, in this order)
    first = [0, *itertools.accumulate(widths[i] for i in order[:-1])]
    # (each table's total, of whole and half rows: exact in any order)
    totals = np.add.reduceat(shares.reshape(len(binned), -1), [at * _STORED_BINS for at in first], axis=1)
    shares /= np.repeat(totals, [widths[i] * _STORED_BINS for i in order], axis=1).reshape(shares.shape)
    shares.flags.writeable = False  # (the tables are views of it)
    row = dict(zip(order, first, strict=True))
    return [[shares[c, row[i] : row[i] + w] for i, w in enumerate(widths)] for c in range(len(binned))]


@dataclass
class _Discrete:
    """A categorical or boolean column's profile and contingency codes (its values', then missing, then other)."""

    profile: ColumnProfile
    codes: NDArray[np.intp]


@dataclass
class _Continuous:
    """A numerical or datetime column's profile, contingency codes (its bins, 0..10) and winsorized values."""

    profile: ColumnProfile
    codes: NDArray[np.intp]
    #: in row order, with the ``k`` outermost on each side winsorized; NaN where missing or infinite
    values: NDArray[np.float64]
    #: whether some row has no (finite) value
    gaps: bool
    #: a column of whole numbers counted (:func:`_counted`): its distinct winsorized values in order, then NaN
    #: when some row has none, and each row's place among them (``values`` is ``levels[level_of]``); else None
    levels: NDArray[np.float64] | None = None
    level_of: NDArray[np.intp] | None = None

    def stored_codes(self) -> NDArray[np.intp]:
        """:func:`stored_bin_codes` of the winsorized values on the column's own sketch (counted: of each level)."""
        sketch = np.asarray(self.profile.quantiles)
        if self.levels is None:
            return stored_bin_codes(self.values, sketch)
        return stored_bin_codes(self.levels, sketch)[self.level_of]


def _discrete(
    found: NDArray[np.int64],
    uniques: Any,
    sdtype: str | None,
    n: int,
    k: int,
    value_counts: NDArray[np.intp] | None = None,
) -> _Discrete | None:
    """A category column's profile from its codes (-1: missing) into its distinct values; None if all missing.

    ``sdtype`` None: categorical, or boolean when every value seen is a bool. ``value_counts``: how many rows
    hold each value, when the caller counted them already.
    """
    if value_counts is None:
        tally = np.bincount(found + 1, minlength=len(uniques) + 1)  # (slot 0: the missing values)
    else:
        tally = np.empty(len(value_counts) + 1, dtype=np.intp)
        tally[1:] = value_counts
        tally[0] = n - int(value_counts.sum())
    if len(tally) > _FEW:
        return _discrete_many(found, uniques, sdtype, n, k, tally)
    counts = tally.tolist()[1:]  # (a few values: Python's own numbers are quicker than numpy calls on them)
    seen = [i for i, c in enumerate(counts) if c]
    if not seen:
        return None
    if sdtype is None:
        boolean = len(seen) <= 2 and all(isinstance(uniques[i], (bool, np.bool_)) for i in seen)
        sdtype = "boolean" if boolean else "categorical"
    kept = sorted((i for i in seen if counts[i] >= k or k <= 1), key=lambda i: -counts[i])  # (stable: ties in order)
    named = sum(counts[i] for i in kept)
    rare = _half_k(n - int(tally[0]) - named, k)
    total = float(named) + rare
    values = [_json_value(v) for v in uniques[np.array(kept, dtype=np.intp)]]
    shares = np.array([counts[i] for i in kept], dtype=np.float64) / total if total else np.zeros(0)
    missing = min(_half_k(int(tally[0]), k) / n, 1.0)
    profile = ColumnProfile(sdtype, missing, values=values, shares=shares, other=rare / total if total else 0.0)
    if not tally[0] and kept == list(range(len(counts))):
        return _Discrete(profile, found)  # (codes already in the stored order)
    position = [len(values) + 1] * (len(counts) + 1)  # unnamed (rare) values: other
    for at, i in enumerate(kept):
        position[i] = at
    position[-1] = len(values)  # (code -1, missing, reads the last slot)
    return _Discrete(profile, np.array(position, dtype=np.intp)[found])


#: Categories up to this many are profiled with Python's numbers, more with numpy's.
_FEW = 64


def _discrete_many(
    found: NDArray[np.int64], uniques: Any, sdtype: str | None, n: int, k: int, tally: NDArray[np.intp]
) -> _Discrete | None:
    """:func:`_discrete` of a column of many distinct values."""
    counts = tally[1:]
    seen = np.flatnonzero(counts)
    if not len(seen):
        return None
    if sdtype is None:
        boolean = len(seen) <= 2 and all(isinstance(uniques[i], (bool, np.bool_)) for i in seen)
        sdtype = "boolean" if boolean else "categorical"
    kept = seen[counts[seen] >= k] if k > 1 else seen
    kept = kept[np.argsort(-counts[kept], kind="stable")]  # most frequent first; ties in order of appearance
    named = int(counts[kept].sum())
    rare = _half_k(n - int(tally[0]) - named, k)
    total = float(named) + rare
    values = [_json_value(v) for v in uniques[kept]]
    shares = counts[kept].astype(np.float64) / total if total else np.zeros(0)
    missing = min(_half_k(int(tally[0]), k) / n, 1.0)
    profile = ColumnProfile(sdtype, missing, values=values, shares=shares, other=rare / total if total else 0.0)
    position = np.full(len(uniques) + 1, len(values) + 1, dtype=np.intp)  # unnamed (rare) values: other
    position[kept] = np.arange(len(kept))
    position[-1] = len(values)  # (code -1, missing, reads the last slot)
    return _Discrete(profile, position[found])


def _half_k(count: int, k: int) -> float:
    """A count of 1 to k - 1 rows read as k / 2 rows (the file's small-count rule)."""
    return k / 2.0 if k > 1 and 0 < count < k else float(count)


def _continuous(raw: NDArray[Any], sdtype: str, n: int, k: int, missing_rows: int | None = None) -> _Continuous | None:
    """A numerical or datetime column's profile from its values as :func:`numeric_values` reads them.

    The values are sorted once. The sketch is read off them with the ``k`` outermost on each side replaced
    by their inner neighbours, which is what sorting the winsorized values gives; in row order the
    winsorized values are the values clipped to those neighbours, which is what :func:`_winsorized` gives
    (every value below the ``k + 1``-th smallest is one of the ``k`` smallest). The bins need only the
    smallest and the largest value. Whole numbers over a short span are sorted by counting them (see
    :func:`_counted`) and binned once per distinct value. A column holding a negative zero goes the plain
    way (:func:`_winsorized`, :func:`_sketch`, :func:`_bins`), as does one without a finite value: the sign
    of a zero is not ordered, so two sorts may place it differently.
    """
    if raw.dtype.kind in "iu":  # (no NaN, no infinity)
        missing_rows, bad, known = missing_rows or 0, 0, None
        counted = _counted(raw.astype(np.int64) if raw.dtype.itemsize < 8 else raw, n)  # (no overflow below)
        finite = raw.astype(np.float64) if counted is None else raw  # (counted: floats only where needed)
    else:
        finite = raw.astype(np.float64)
        nonfinite = ~np.isfinite(finite)
        bad = int(np.count_nonzero(nonfinite))
        if missing_rows is None:  # (a numpy float column: NaN is missing, an infinity is not)
            missing_rows = int(np.count_nonzero(np.isnan(finite))) if bad else 0
        if missing_rows == n:
            return None  # (no value: sdtype_of leaves the column out)
        known = None
        if bad:
            if bad > missing_rows:
                finite[nonfinite] = np.nan  # (infinities: outside every sketch; rare in real data)
            known = ~nonfinite
        counted = _counted(finite if known is None else finite[known], n) if bad < n else None
    missing = min(_half_k(missing_rows, k) / n, 1.0)
    if counted is not None:
        distinct, counts, offset = counted
        ordered = np.repeat(distinct, counts)
    else:
        ordered = np.sort(finite, kind="stable")[: n - bad]  # (NaN sorts last; any sort sorts numbers alike)
    m = len(ordered)
    if not m or (counted is None and _negative_zero(ordered)):
        values = _winsorized(finite, k)
        sketch = _sketch(values, k)
        return _Continuous(ColumnProfile(sdtype, missing, quantiles=sketch), _bins(finite) - 1, values, m < n)
    smallest, spread = ordered[0], ordered[-1] - ordered[0]
    wide = k > 1 and m > 2 * k + 1
    if wide:
        lo, hi = ordered[k], ordered[m - k - 1]
        ordered[:k] = lo  # (ordered is this function's own array)
        ordered[m - k :] = hi
    sketch = _off_rare_values(_sketch_sorted(ordered, k), ordered, k)
    profile = ColumnProfile(sdtype, missing, quantiles=sketch)
    if counted is None:
        codes = _bin_codes(finite - smallest, spread)
        values = np.clip(finite, lo, hi) if wide else finite.astype(np.float64, copy=False)
        return _Continuous(profile, codes, values, m < n)
    # (counted: each row's codes and winsorized value read off its level's, one computation per distinct value)
    levels = np.clip(distinct, lo, hi) if wide else distinct  # (whole numbers clipped as floats, as numpy casts)
    level_codes = _bin_codes(distinct - smallest, spread)
    if known is None:
        level_of = offset
    else:
        level_of = np.full(n, len(distinct), dtype=np.intp)  # (no value: a NaN level after the others)
        level_of[known] = offset
        levels = np.append(levels, np.nan)
        level_codes = np.append(level_codes, 10)  # (NaN's code, the eleventh)
    return _Continuous(profile, level_codes[level_of], levels[level_of], m < n, levels, level_of)


def _continuous_many(raws: list[NDArray[Any]], n: int, k: int) -> list[_Continuous | None]:
    """:func:`_continuous` of numpy number columns of ``n`` rows each ("numerical"), the same bits, read together.

    The columns are laid side by side as floats (what :func:`_continuous` reads of them), sorted in one call
    (NaN last), winsorized and clipped in one pass each, and their sketches summed by one
    ``numpy.add.reduceat`` over every column's blocks (a column's last block ends where its values do): each
    block's sum is the same pairwise sum of the same values as alone, and sorting floats without a negative
    zero gives the array counting them does. A column holding an infinity or a -0.0, or too few values for
    a block, goes :func:`_continuous`'s own way, and so does every column of more than :data:`_MANY_ROWS`
    rows (counting and sorting one column at a time then costs less than the calls saved).
    """
    out: list[_Continuous | None] = [None] * len(raws)
    if len(raws) < 2 or not 2 <= n <= _MANY_ROWS:
        return [_continuous(raw, "numerical", n, k) for raw in raws]
    x = np.empty((len(raws), n))
    for i, raw in enumerate(raws):
        x[i] = raw  # (as astype(float64): ints cast by the same rule)
    nan = np.isnan(x)
    missing = np.count_nonzero(nan, axis=1)
    other = np.isinf(x).any(axis=1) | ((x == 0.0) & np.signbit(x)).any(axis=1) | (missing == n)
    ordered = np.sort(x, axis=1)  # (NaN last)
    m = n - missing
    rows = np.arange(len(raws))
    smallest, largest = ordered[:, 0], ordered[rows, np.maximum(m - 1, 0)]
    spread = largest - smallest
    per_block = 2 * k if k > 1 else 1
    keep: list[int] = []
    for i in range(len(raws)):
        if other[i] or (k > 1 and m[i] < per_block):
            out[i] = _continuous(raws[i], "numerical", n, k)  # (the rare cases: as it is)
        else:
            keep.append(i)
    if not keep:
        return out
    # winsorized: the k outermost on each side of a column of more than 2k + 1 values set to their inner neighbours
    wide = (m > 2 * k + 1) if k > 1 else np.zeros(len(raws), dtype=bool)
    lo = ordered[rows, np.where(wide, k, 0)]
    hi = ordered[rows, np.where(wide, m - k - 1, 0)]
    place = np.arange(n)
    if wide.any():
        low_end = wide[:, None] & (place[None, :] < k)
        high_end = wide[:, None] & (place[None, :] >= (m - k)[:, None]) & (place[None, :] < m[:, None])
        ordered = np.where(low_end, lo[:, None], np.where(high_end, hi[:, None], ordered))
        values = np.where(wide[:, None], np.clip(x, lo[:, None], hi[:, None]), x)
    else:
        values = x
    # every kept column's blocks in one sum: block starts at its own offset, and its values' end closes the last
    starts_all: list[NDArray[np.int64]] = []
    sizes_all: list[NDArray[np.int64]] = []
    closed: list[bool] = []  # whether a column's values are followed by a block of their own end (summed, dropped)
    for place_in, i in enumerate(keep):
        starts, sizes = _blocks(int(m[i]), max(1, min(QUANTILES, int(m[i]) // per_block)))
        starts_all.append(starts + i * n)
        sizes_all.append(sizes)
        end = i * n + int(m[i])
        following = keep[place_in + 1] * n if place_in + 1 < len(keep) else x.size
        closed.append(end < following)  # (else the next column's first block, or the array's end, closes it)
        if closed[-1]:
            starts_all.append(np.array([end]))
    sums = np.add.reduceat(ordered.ravel(), np.concatenate(starts_all))
    sketches = []
    used = 0
    for sizes, end_block in zip(sizes_all, closed, strict=True):
        sketches.append(sums[used : used + len(sizes)] / sizes)
        used += len(sizes) + int(end_block)
    sketches = _off_rare_many(sketches, ordered, keep, [int(m[i]) for i in keep], k)
    for i, sketch in zip(keep, sketches, strict=True):
        codes = _bin_codes(x[i] - smallest[i], float(spread[i]))
        rate = min(_half_k(int(missing[i]), k) / n, 1.0)
        out[i] = _Continuous(ColumnProfile("numerical", rate, quantiles=sketch), codes, values[i], bool(m[i] < n))
    return out


#: :func:`_continuous_many` reads columns of up to this many rows together (more: one at a time).
_MANY_ROWS = 1024
#: Whole numbers spanning at most this many values per row (plus 256) are sorted by counting them.
_COUNTING_SPAN = 2
#: Whole numbers up to this size are exact in float64, and so are their differences.
_EXACT = 2.0**52


def _counted(x: NDArray[Any], n: int) -> tuple[NDArray[np.float64], NDArray[np.intp], NDArray[np.intp]] | None:
    """Whole numbers (ints, or floats without NaN) over a short span: their distinct values as floats in
    order, how often each occurs, and each value's place among them; None for other values.

    ``numpy.repeat(distinct, counts)`` is then the sorted values. Floats are counted only when every one is
    a whole number of at most 2**52 and none is -0.0 (counting would give it the sign of 0.0).
    """
    if x.dtype.kind == "f" and not float(x[0]).is_integer():
        return None  # (the first value says it already: a fraction; x holds finite values, at least one)
    low, high = x.min(), x.max()
    if x.dtype.kind == "f":
        if not (-_EXACT <= low and high <= _EXACT and high - low + 1 <= _COUNTING_SPAN * n + 256):
            return None
        gap = x - low  # (exact: whole numbers below 2**52)
        offset = gap.astype(np.intp)
        if not np.array_equal(offset, gap) or (low <= 0 <= high and np.signbit(x[offset == -int(low)]).any()):
            return None
        distinct = low + np.arange(int(high - low) + 1, dtype=np.float64)
    else:
        span = int(high) - int(low) + 1
        if span > _COUNTING_SPAN * n + 256:
            return None
        offset = (x - low).astype(np.intp, copy=False)
        distinct = (low + np.arange(span, dtype=x.dtype)).astype(np.float64)  # (a whole number's float keeps order)
    return distinct, np.bincount(offset, minlength=len(distinct)), offset


def _negative_zero(ordered: NDArray[np.float64]) -> bool:
    """Whether sorted values hold a -0.0 (zeros of both signs sort as equals, in no fixed order)."""
    lo, hi = np.searchsorted(ordered, 0.0, side="left"), np.searchsorted(ordered, 0.0, side="right")
    return bool(lo < hi and np.signbit(ordered[lo:hi]).any())


_STEPS = np.arange(11, dtype=np.float64)


def _bin_codes(shifted: NDArray[np.float64], spread: float) -> NDArray[np.intp]:
    """:func:`bin_codes` minus 1 (0..10) of values shifted by their minimum, given their largest (``spread``).

    The edges are what ``numpy.histogram_bin_edges`` computes from that minimum and maximum (``numpy.linspace``
    from 0, or from -0.5 to 0.5 for a constant column). :func:`bin_codes` gives each value the code ``c``
    with ``edges[c - 1] <= x < edges[c]`` (11: the top edge, or NaN), checked against the edges themselves;
    over non-decreasing edges that ``c`` is the number of edges ``<= x``, which ``searchsorted`` counts
    (NaN sorts after every edge).
    """
    first, last = (0.0, float(spread)) if spread != 0 else (-0.5, 0.5)
    step = (last - first) / 10
    if not math.isfinite(spread) or step == 0:  # (such a range: histogram_bin_edges refuses it or linspace
        return _bins(shifted) - 1  # takes another formula; let them)
    edges = _STEPS * step
    edges += first
    edges[-1] = last
    if not edges[-2] <= edges[-1]:  # (a span of a few subnormal numbers)
        return _bins(shifted) - 1
    return np.searchsorted(edges[1:], shifted, side="right")  # (edges[0] <= every value: one less)


@functools.lru_cache(maxsize=256)
def _blocks(size: int, blocks: int) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Where each of ``blocks`` near-equal consecutive blocks of ``size`` values starts, and their sizes."""
    edges = np.linspace(0, size, blocks + 1).round().astype(np.int64)
    starts, sizes = edges[:-1], np.diff(edges)
    starts.flags.writeable = sizes.flags.writeable = False
    return starts, sizes


def _off_rare_values(sketch: NDArray[np.float64], ordered: NDArray[np.float64], k: int) -> NDArray[np.float64]:
    """``sketch`` with each point that the file would write (12 significant digits) as a value 1 to ``k - 1``
    rows hold (of ``ordered``, the winsorized sorted values) moved up one unit in its 12th significant digit
    (and written as the file writes it); the other points as they are.

    A block mean of ``2k`` rows can land on a rare row's value by chance; the model's knots are moved off such
    values (``_fit/private.unheld``), and so are the profile's points: the file stores no number that fewer than
    ``k`` rows hold. The move is below any score's resolution.
    """
    if k <= 1 or not len(sketch) or not len(ordered):
        return sketch
    # only a point with a value within rounding reach can be written as one; and not when its reach holds one
    # value held by k rows or more (it is written as that value or as none: block means of tied whole numbers)
    reach = np.abs(sketch) * 1e-11
    lo = np.searchsorted(ordered, sketch - reach)
    hi = np.searchsorted(ordered, sketch + reach, side="right")
    maybe = np.flatnonzero(_near(ordered, lo, hi, k))
    return _moved_off(sketch, ordered, k, maybe) if len(maybe) else sketch


def _near(ordered: NDArray[np.float64], lo: NDArray[np.intp], hi: NDArray[np.intp], k: int) -> NDArray[np.bool_]:
    """Which points :func:`_off_rare_values` checks: those whose reach holds values of ``ordered`` (from ``lo`` to
    ``hi``), but not one value held by ``k`` rows or more."""
    last = len(ordered) - 1
    held_by_many = (hi - lo >= k) & (ordered[np.minimum(lo, last)] == ordered[np.maximum(hi - 1, 0)])
    return (hi > lo) & ~held_by_many


def _moved_off(
    sketch: NDArray[np.float64], ordered: NDArray[np.float64], k: int, maybe: NDArray[np.intp]
) -> NDArray[np.float64]:
    """:func:`_off_rare_values` of the points at ``maybe`` (the others as they are)."""

    def rare(points: NDArray[np.float64]) -> NDArray[np.bool_]:
        held = np.searchsorted(ordered, points, side="right") - np.searchsorted(ordered, points, side="left")
        return (held > 0) & (held < k)

    written = np.array([_number(v, "numerical") for v in sketch[maybe].tolist()])  # (as the file writes them)
    moving = rare(written)
    if not moving.any():
        return sketch
    at, x = maybe[moving], written[moving]
    out = sketch.copy()
    for _ in range(8):  # (a step lands on another rare value about never; a few steps at most)
        with np.errstate(divide="ignore"):
            digits = np.floor(np.log10(np.abs(x)))
        unit = np.where(x == 0.0, 1e-12, 10.0 ** (np.where(np.isfinite(digits), digits, 0.0) - 11))
        x = np.array([_number(v, "numerical") for v in (x + unit).tolist()])
        out[at] = x
        again = rare(x)
        if not again.any():
            break
        at, x = at[again], x[again]
    return out


def _off_rare_many(
    sketches: list[NDArray[np.float64]], ordered: NDArray[np.float64], rows: list[int], present: list[int], k: int
) -> list[NDArray[np.float64]]:
    """:func:`_off_rare_values` of several columns' sketches, each of the sorted winsorized values in its row of
    ``ordered`` (``rows``: each sketch's; its first ``present`` entries, NaN after), the points near a value found
    for every column at once.

    Each point is looked up among its own row's values by one search of ``row + 1j * value``: complex numbers
    sort by real part, then by imaginary part, so the rows stay apart and each is searched as alone (NaN, after
    a row's values, searched as infinity: still after them, and no point is infinite).
    """
    if k <= 1:
        return sketches
    flat = np.empty(ordered.shape, dtype=np.complex128)
    flat.real = np.arange(len(ordered))[:, None]
    np.fmin(ordered, np.inf, out=flat.imag)
    points = np.concatenate(sketches)
    row = np.repeat(np.array(rows, dtype=np.intp), [len(sketch) for sketch in sketches])
    reach = np.abs(points)
    reach *= 1e-11  # (as _off_rare_values reaches)
    key = np.empty(len(points), dtype=np.complex128)
    key.real = row
    key.imag = points - reach
    lo = flat.ravel().searchsorted(key)
    key.imag = points + reach
    hi = flat.ravel().searchsorted(key, side="right")
    near = _near(ordered.ravel(), lo, hi, k)  # (a point's lo and hi, when apart, lie in its own row)
    if not near.any():
        return sketches
    out, at = [], 0
    for sketch, r, m in zip(sketches, rows, present, strict=True):
        maybe = np.flatnonzero(near[at : at + len(sketch)])
        at += len(sketch)
        out.append(_moved_off(sketch, ordered[r, :m], k, maybe) if len(maybe) else sketch)
    return out


def _sketch_sorted(x: NDArray[np.float64], k: int) -> NDArray[np.float64]:
    """:func:`_sketch` of values already winsorized, present and sorted."""
    if not len(x):
        return x
    per_block = 2 * k if k > 1 else 1
    if k > 1 and len(x) < per_block:
        return np.array([x.mean()])
    starts, sizes = _blocks(len(x), max(1, min(QUANTILES, len(x) // per_block)))
    return np.add.reduceat(x, starts) / sizes  # type: ignore[no-any-return]


def _correlations(columns: dict[str, _Continuous]) -> dict[tuple[str, str], float]:
    """Pearson's r of each pair of continuous columns (in order) on their winsorized values.

    As before this step was vectorised: the columns without a gap, when more than two, through
    :func:`metrics.pearson_matrix`'s arithmetic; every other pair as :func:`metrics.pearson` computes it
    on the rows where both have a value: all such pairs at once when they hold few values in all
    (:func:`_paired_at_once`), else grouped by the rows they keep (:func:`_paired_by_rows`).
    """
    names = list(columns)
    out: dict[tuple[str, str], float] = {}
    whole = [c for c in names if not columns[c].gaps]
    index = {c: i for i, c in enumerate(whole)} if len(whole) > 2 else {}
    matrix = None
    if index:
        matrix = _pearson_matrix([columns[c].values for c in whole])  # (its sums do not depend on BLAS threads)
    todo: list[tuple[str, str]] = []  # the pairs the matrix does not give
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            if matrix is not None and a in index and b in index:
                out[(a, b)] = float(matrix[index[a], index[b]])
            else:
                out[(a, b)] = math.nan
                todo.append((a, b))
    if not todo:
        return out
    n = len(columns[names[0]].values)
    if len(todo) * (n + 1) <= _AT_ONCE_CELLS:
        out.update(_paired_at_once(columns, todo))
    else:
        out.update(_paired_by_rows(columns, todo))
    return out


#: Pairs holding up to this many values in all (rows plus one, times pairs) are correlated all at once.
_AT_ONCE_CELLS = 1 << 18


def _paired_at_once(columns: dict[str, _Continuous], pairs: list[tuple[str, str]]) -> dict[tuple[str, str], float]:
    """Pearson's r of each pair on the rows where both have a value (absent: undefined), all pairs at once.

    Each column is taken once on each set of rows a pair of it keeps (found from the columns' patterns of
    present rows: columns missing on the same rows share one), into one flat array, each such segment
    after a slot of 0.0; then every step of :func:`metrics.pearson` but the dot
    products is one call over all segments: the sums by ``numpy.add.reduceat``, which adds a segment's
    first value to the pairwise sum of the rest, so the leading 0.0 makes it the pairwise sum
    ``x.mean()`` takes of the values alone; the largest deviations by ``numpy.maximum.reduceat`` (the
    slot, set back to 0.0, is no larger). Each dot product is still one call on a segment's own values, so
    every r has the same bits as there.
    """
    names = list(columns)
    n = len(columns[names[0]].values)
    padded = np.empty((len(names) + 1, n + 1))  # each column's values after a slot of 0.0; last, no gap
    padded[:, 0] = 0.0
    padded[-1] = 0.0
    for i, c in enumerate(names):
        padded[i, 1:] = columns[c].values
    present = ~np.isnan(padded)  # (the slots are present; the last row, index -1, is the pattern of no gap)
    patterns: dict[bytes, int] = {}
    # each column's pattern of present rows, as the first column of that pattern (a column without a gap: none)
    pattern = [patterns.setdefault(present[i].tobytes(), i) if columns[c].gaps else -1 for i, c in enumerate(names)]
    at = {c: i for i, c in enumerate(names)}
    by_rows: dict[tuple[int, int], dict[int, int]] = {}  # each pair of patterns' segments: a column's position
    segment_column: list[int] = []  # each segment's column
    segment_rows: list[tuple[int, int]] = []  # and pair of patterns whose rows it takes (in order; -1: none)
    sides: list[tuple[int, int]] = []  # each pair's two segments
    for a, b in pairs:
        i, j = at[a], at[b]
        p, q = sorted((pattern[i], pattern[j]))
        rows = (q, q) if p < 0 else (p, q)  # (a column without a gap keeps the other's rows)
        segments = by_rows.setdefault(rows, {})
        for column in (i, j):
            if column not in segments:
                segments[column] = len(segment_column)
                segment_column.append(column)
                segment_rows.append(rows)
        sides.append((segments[i], segments[j]))
    first_rows, second_rows = (np.array(side, dtype=np.intp) for side in zip(*segment_rows, strict=True))
    keep = present[first_rows]
    keep &= present[second_rows]
    x = padded[np.array(segment_column, dtype=np.intp)][keep]  # (segment by segment, rows in order)
    sizes = np.count_nonzero(keep, axis=1)
    ends = np.cumsum(sizes)
    starts = ends - sizes
    sizes -= 1  # (the rows each segment keeps)
    with np.errstate(invalid="ignore", divide="ignore"):  # (segments of fewer than two rows are left out below)
        x -= np.repeat(np.add.reduceat(x, starts) / sizes, sizes + 1)
        x[starts] = 0.0
        scale = np.maximum.reduceat(np.abs(x), starts)
        x /= np.repeat(scale, sizes + 1)
    first, stop = (starts + 1).tolist(), ends.tolist()
    # (else r is undefined: too few rows, or a constant column)
    defined = ((sizes >= 2) & (scale != 0)).tolist()
    segment = [x[a:b] for a, b in zip(first, stop, strict=True)]  # (each segment's view, sliced once)
    norms = [math.sqrt(float(np.dot(v, v))) if ok else 0.0 for v, ok in zip(segment, defined, strict=True)]
    out: dict[tuple[str, str], float] = {}
    for pair, (s, t) in zip(pairs, sides, strict=True):
        if defined[s] and defined[t]:
            # (Python's float arithmetic is numpy's float64 arithmetic: the same bits as metrics.pearson)
            r = float(np.dot(segment[s], segment[t])) / (norms[s] * norms[t])
            out[pair] = max(min(r, 1.0), -1.0)
    return out


def _paired_by_rows(columns: dict[str, _Continuous], pairs: list[tuple[str, str]]) -> dict[tuple[str, str], float]:
    """Pearson's r of each pair on the rows where both have a value (absent: undefined), grouped by those rows.

    The pairs are taken by the rows they keep: the columns of one set of rows are centred and scaled
    together (a row-wise sum adds as a column's own does), and each dot product is still one call on two
    rows (on BLAS's own threads, as in :func:`metrics.pearson`), so every r has the same bits.
    """
    names = list(columns)
    out: dict[tuple[str, str], float] = {}
    gaps = {c: np.isnan(columns[c].values) for c in names if columns[c].gaps}
    # the pairs by the rows they leave out (named by the bytes of their mask: b"" for none), with their columns
    batches: dict[bytes, dict[str, int]] = {}
    masks: dict[bytes, NDArray[np.bool_]] = {}  # each set of rows left out
    todo: list[tuple[str, str, bytes]] = []
    for a, b in pairs:
        gap_a, gap_b = gaps.get(a), gaps.get(b)
        mask = gap_a if gap_b is None else gap_b if gap_a is None else gap_a | gap_b
        left_out = b"" if mask is None else mask.tobytes()
        if left_out not in batches:
            batches[left_out] = {}
            if mask is not None:
                masks[left_out] = mask
        batch = batches[left_out]
        batch.setdefault(a, len(batch))
        batch.setdefault(b, len(batch))
        todo.append((a, b, left_out))
    stacked = np.stack([columns[c].values for c in names])  # every column's values, one row each
    row = {c: i for i, c in enumerate(names)}
    # each set of rows' columns, by how many rows they keep: sets of one length are scaled together
    by_length: dict[int, list[tuple[bytes, NDArray[np.float64]]]] = {}
    for left_out, cols in batches.items():
        rows = stacked[[row[c] for c in cols]]
        if left_out:
            # (C order: each column's values contiguous, as dot had them)
            rows = np.compress(~masks[left_out], rows, axis=1)
        by_length.setdefault(rows.shape[1], []).append((left_out, rows))
    scaled: dict[bytes, tuple[NDArray[np.float64], list[float]]] = {}
    for m, sets in by_length.items():
        if m < 2:
            continue  # (fewer than two rows: r is undefined)
        together, norms = _scaled(np.concatenate([rows for _, rows in sets]) if len(sets) > 1 else sets[0][1])
        at = 0
        for left_out, rows in sets:
            scaled[left_out] = together[at : at + len(rows)], norms[at : at + len(rows)]
            at += len(rows)
    for a, b, left_out in todo:
        if left_out not in scaled:
            continue
        rows, norms = scaled[left_out]
        cols = batches[left_out]
        i, j = cols[a], cols[b]
        if math.isnan(norms[i]) or math.isnan(norms[j]):
            continue  # (a constant column: r is undefined)
        # (Python's float arithmetic is numpy's float64 arithmetic: the same bits as metrics.pearson)
        r = float(np.dot(rows[i], rows[j])) / (norms[i] * norms[j])
        out[(a, b)] = max(min(r, 1.0), -1.0)
    return out


def _scaled(rows: NDArray[np.float64]) -> tuple[NDArray[np.float64], list[float]]:
    """Columns (``rows``, this function's own, of at least 2 values) centred and divided by their largest
    deviation, with their norms: the steps of :func:`metrics.pearson` for each column, which a row-wise sum
    takes as a column's own does (NaN norm: a constant column)."""
    m = rows.shape[1]
    mean = np.add.reduce(rows, axis=1)
    mean /= m
    rows -= mean[:, None]
    scale = np.maximum.reduce(np.abs(rows), axis=1)
    if scale.all():
        rows /= scale[:, None]
        return rows, np.sqrt([np.dot(r, r) for r in rows]).tolist()
    with np.errstate(all="ignore"):
        rows /= scale[:, None]
    norms = np.sqrt([np.dot(r, r) for r in rows])
    norms[scale == 0] = np.nan
    return rows, norms.tolist()


def _pearson_matrix(values: list[NDArray[np.float64]]) -> NDArray[np.float64]:
    """:func:`metrics.pearson_matrix`'s r of equal-length NaN-free columns, as a matrix (the same bits)."""
    return metrics._pearson_rows(values)


#: The most cells of a group of columns' joint code in :func:`_pair_tables` (with fewer rows: their square root).
_GROUP_CELLS = 256


def _pair_tables(codes: list[NDArray[np.intp]], widths: list[int], n: int, k: int) -> list[NDArray[np.float64]]:
    """Each pair's contingency table (pairs ``(i, j)``, ``i < j``, in order): shares summing to 1, half-k applied.

    ``codes[i]`` runs over ``range(widths[i])``. Counting every pair over every row is pairs x rows of
    work; here columns are first joined into groups whose joint code has at most about ``sqrt(n)`` cells
    (widest first, each into the first group it fits), so that one count of two groups' joint codes gives
    the tables of all their columns' pairs, and a group's own pairs come from its counts. A group's
    counts are decoded into its columns' by a 0/1 matrix ``D`` (a joint code's digit per column):
    ``D_g.T @ C @ D_h``. The counts are whole numbers, so every sum is exact, in any order.
    """
    groups, cells = _grouped(widths, n)
    squares = sum(w * w for w in widths)
    if all(len(group) == 1 for group in groups) or squares > sum(widths) ** 2 - squares + 4096:
        # one column each (or one column far wider than the others, whose own square the grouped table would
        # hold): the count is every pair's table as it is
        if _on_grid(widths, n):
            shares = _half_k_counts(_grid_counts(codes, max(widths), n), k)
            totals = shares.sum(axis=(2, 3))
            totals[totals == 0] = 1.0  # (blocks no pair uses)
            shares /= totals[:, :, None, None]
            shares.flags.writeable = False  # (the tables are views of it)
            return [shares[i, j, : widths[i], : widths[j]] for i in range(len(codes)) for j in range(i + 1, len(codes))]
        flat = _half_k_counts(_side_by_side(codes, widths, n), k)
        sizes = [widths[i] * widths[j] for i in range(len(codes)) for j in range(i + 1, len(codes))]
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.intp)
        flat /= np.repeat(np.add.reduceat(flat, starts), sizes)
        flat.flags.writeable = False  # (the tables are views of it)
        shapes = [(widths[i], widths[j]) for i in range(len(codes)) for j in range(i + 1, len(codes))]
        return [flat[at : at + size].reshape(shape) for at, size, shape in zip(starts, sizes, shapes, strict=True)]
    joint = [_joint(codes, widths, group) for group in groups]
    if len(groups) == 1:  # (one group of several columns: its own counts)
        decode = _decoder(tuple(widths[i] for i in groups[0]))
        own = decode.T @ (np.bincount(joint[0], minlength=cells[0])[:, None] * decode)
        return _normalized(own, groups, widths, k)
    g_count, wide = len(groups), max(cells)
    size = max(sum(widths[i] for i in group) for group in groups)
    packed = sum(widths) ** 2  # (the cells of every pair's table, twice: what the plain count held)
    if not (_on_grid(cells, n) and g_count * g_count * max(wide, size) ** 2 <= 4 * packed + 4096):
        return _packed_tables(joint, groups, cells, widths, n, k)  # (wide groups: no padding to the widest)
    grid = _grid_counts(joint, wide, n)
    decode = np.zeros((g_count, wide, size))
    for g, group in enumerate(groups):
        decode[g, : cells[g], : sum(widths[i] for i in group)] = _decoder(tuple(widths[i] for i in group))
    upper, lower = _upper(g_count)
    each = np.arange(g_count)
    blocks = np.zeros((g_count, g_count, size, size))  # group g's columns' rows, h's columns'
    with _few_threads(size * wide * wide):  # (products of whole numbers: exact on any number of threads)
        blocks[upper, lower] = np.matmul(np.matmul(decode[upper].transpose(0, 2, 1), grid[upper, lower]), decode[lower])
    marginal = np.empty((g_count, wide))  # each group's counts of its joint codes (its own pairs' tables)
    marginal[:-1] = grid[each[:-1], each[1:]].sum(axis=2)
    marginal[-1] = grid[-2, -1].sum(axis=0)
    blocks[each, each] = np.matmul(decode.transpose(0, 2, 1), marginal[:, :, None] * decode)
    table = blocks.transpose(0, 2, 1, 3).reshape(g_count * size, g_count * size)
    return _normalized(table, groups, widths, k, size)


def _packed_tables(
    joint: list[NDArray[np.intp]], groups: list[list[int]], cells: list[int], widths: list[int], n: int, k: int
) -> list[NDArray[np.float64]]:
    """:func:`_pair_tables` of groups counted and decoded block by block at their own sizes (no padding)."""
    start = np.cumsum([0] + [sum(widths[i] for i in group) for group in groups])
    spans = [slice(int(start[g]), int(start[g + 1])) for g in range(len(groups))]
    table = np.zeros((int(start[-1]), int(start[-1])))  # group g's columns' rows, h's columns'
    counts, at = _side_by_side(joint, cells, n), 0
    for g in range(len(groups)):
        for h in range(g + 1, len(groups)):
            block: NDArray[Any] = counts[at : at + cells[g] * cells[h]].reshape(cells[g], cells[h])
            at += cells[g] * cells[h]
            dg = _decoder(tuple(widths[i] for i in groups[g])) if len(groups[g]) > 1 else None
            dh = _decoder(tuple(widths[i] for i in groups[h])) if len(groups[h]) > 1 else None
            if h == g + 1 and dg is not None:  # (a group's own pairs: from the counts of its codes)
                table[spans[g], spans[g]] = dg.T @ (block.sum(axis=1)[:, None] * dg)
            if h == g + 1 == len(groups) - 1 and dh is not None:
                table[spans[h], spans[h]] = dh.T @ (block.sum(axis=0)[:, None] * dh)
            with _few_threads(block.size * max(dg.shape[1] if dg is not None else 1, 1)):
                if dg is not None:
                    block = dg.T @ block
                if dh is not None:
                    block = block @ dh
            table[spans[g], spans[h]] = block
    return _normalized(table, groups, widths, k)


def _grouped(widths: list[int], n: int) -> tuple[list[list[int]], list[int]]:
    """Columns of these ``widths`` joined into groups whose joint code has at most about ``sqrt(n)`` cells (widest
    first, each into the first group it fits; a group's columns in that order), and each group's cells."""
    limit = max(2, min(_GROUP_CELLS, math.isqrt(max(n, 1))))
    groups: list[list[int]] = []
    cells: list[int] = []
    for i in sorted(range(len(widths)), key=lambda i: -widths[i]):  # (stable: ties in column order)
        for g, group in enumerate(groups):
            if cells[g] * widths[i] <= limit:
                group.append(i)
                cells[g] *= widths[i]
                break
        else:
            groups.append([i])
            cells.append(widths[i])
    return groups, cells


@functools.lru_cache(maxsize=64)
def _upper(size: int) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """``numpy.triu_indices(size, 1)`` (read-only, kept)."""
    upper, lower = np.triu_indices(size, 1)
    upper.flags.writeable = lower.flags.writeable = False
    return upper, lower


def _few_threads(work: int) -> contextlib.AbstractContextManager[Any]:
    """BLAS on the calling thread for a product of ``work`` multiplications per matrix that would wake its
    threads (waking them costs more than such work, see ``_linalg``); smaller products run on one anyway."""
    if work <= 1 << 16:
        return contextlib.nullcontext()
    from .._linalg import one_thread

    return one_thread()


def _normalized(
    table: NDArray[np.float64], groups: list[list[int]], widths: list[int], k: int, size: int = 0
) -> list[NDArray[np.float64]]:
    """Each pair's table, in pair order, from counts of ``groups`` of columns side by side (each group's
    columns in its order, from ``g * size``; none: packed): half-k applied, divided by its total, as views."""
    table = _half_k_counts(table, k)
    member = {i: g for g, group in enumerate(groups) for i in group}
    first: dict[int, int] = {}
    segments = []  # the rows of each column, and of each group's padding
    at = 0
    for g, group in enumerate(groups):
        at = g * size if size else at
        for i in group:
            first[i] = at
            at += widths[i]
            segments.append(widths[i])
        if size > sum(widths[i] for i in group):
            segments.append(size - sum(widths[i] for i in group))
    bounds = np.concatenate([[0], np.cumsum(segments)[:-1]]).astype(np.intp)
    totals = np.add.reduceat(np.add.reduceat(table, bounds, axis=0), bounds, axis=1)
    totals[totals == 0] = 1.0  # (blocks no pair uses)
    table /= np.repeat(np.repeat(totals, segments, axis=0), segments, axis=1)
    table.flags.writeable = False  # (the tables are views of it)
    out = []
    for i in range(len(widths)):
        for j in range(i + 1, len(widths)):
            if member[i] <= member[j]:
                out.append(table[first[i] : first[i] + widths[i], first[j] : first[j] + widths[j]])
            else:
                out.append(table[first[j] : first[j] + widths[j], first[i] : first[i] + widths[i]].T)
    return out


def _on_grid(widths: list[int], n: int) -> bool:
    """Whether :func:`_grid_counts` (one pass to build the keys, padded cells) beats :func:`_side_by_side`."""
    pairs = len(widths) * (len(widths) - 1) // 2
    return len(widths) ** 2 * max(widths) ** 2 <= 2 * pairs * n


#: Pairs times rows up to which :func:`_grid_counts` and :func:`_side_by_side` build every pair's keys at once
#: (more: column by column, each count cache-sized).
_ONE_COUNT = 1 << 16


def _grid_counts(codes: list[NDArray[np.intp]], width: int, n: int) -> NDArray[np.intp]:
    """Every pair's joint counts on a grid: ``[i, j, code_i, code_j]`` for ``i < j`` (codes below ``width``).

    Column i's keys for its pairs (i, j) are ``(j - i - 1) * width**2 + code_i * width + code_j``: its part
    plus j's, so each key takes one addition; they are counted column by column (a cache-sized count).
    """
    c = len(codes)
    cell = width * width
    if c * (c - 1) // 2 * n <= _ONE_COUNT:  # few rows: every pair's keys at once (one count, few calls)
        upper, lower = _upper(c)
        stacked = np.stack(codes)
        keys = stacked[upper] * width
        keys += stacked[lower]
        keys += ((upper * c + lower) * cell)[:, None]
        return np.bincount(keys.ravel(), minlength=c * c * cell).reshape(c, c, width, width)
    grid = np.zeros((c, c, width, width), dtype=np.intp)
    later = np.stack(codes)
    later += (np.arange(c, dtype=np.intp) * cell)[:, None]  # (j's part, plus j * width**2)
    keys = np.empty((c - 1, n), dtype=np.intp)
    for i in range(c - 1):
        own = codes[i] * width
        own -= (i + 1) * cell
        rows = keys[: c - 1 - i]
        np.add(own, later[i + 1 :], out=rows)
        grid[i, i + 1 :] = np.bincount(rows.ravel(), minlength=len(rows) * cell).reshape(len(rows), width, width)
    return grid


def _side_by_side(codes: list[NDArray[np.intp]], widths: list[int], n: int) -> NDArray[np.intp]:
    """One count of every pair's joint codes: pair (i, j)'s cells (in order) at its offset + code_i * width_j + code_j."""
    sizes = [widths[i] * widths[j] for i in range(len(codes)) for j in range(i + 1, len(codes))]
    offset = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.intp)
    stacked = np.stack(codes)
    if len(sizes) * n <= _ONE_COUNT:  # few rows: every pair's keys at once
        upper, lower = _upper(len(codes))
        keys = stacked[upper] * np.array(widths, dtype=np.intp)[lower, None]
        keys += stacked[lower]
        keys += offset[:, None]
        return np.bincount(keys.ravel(), minlength=sum(sizes))
    width = np.array(widths, dtype=np.intp)[:, None]
    keys = np.empty((len(sizes), n), dtype=np.intp)
    p = 0
    for i in range(len(codes) - 1):
        rows = keys[p : p + len(codes) - 1 - i]
        np.multiply(stacked[i], width[i + 1 :], out=rows)
        rows += stacked[i + 1 :]
        rows += offset[p : p + len(rows), None]
        p += len(rows)
    return np.bincount(keys.ravel(), minlength=sum(sizes))


def _half_k_counts(counts: NDArray[Any], k: int) -> NDArray[np.float64]:
    """Counts as floats (this function's own), those of 1 to k - 1 rows as k / 2 rows."""
    counts = counts.astype(np.float64)
    if k > 1:
        counts[(counts > 0) & (counts < k)] = k / 2.0
    return counts


def _joint(codes: list[NDArray[np.intp]], widths: list[int], group: list[int]) -> NDArray[np.intp]:
    """The joint code of a group of columns (the first column's digit most significant)."""
    code = codes[group[0]]
    for i in group[1:]:
        code = code * widths[i] + codes[i]
    return code


@functools.lru_cache(maxsize=256)
def _decoder(widths: tuple[int, ...]) -> NDArray[np.float64]:
    """The 0/1 matrix from a joint code (first column's digit most significant) to each column's code."""
    cells = math.prod(widths)
    decode = np.zeros((cells, sum(widths)))
    code = np.arange(cells)
    stride, at = cells, 0
    for w in widths:
        stride //= w
        decode[code, at + (code // stride) % w] = 1.0
        at += w
    decode.flags.writeable = False  # (shared between calls)
    return decode


def _bins(values: NDArray[np.float64]) -> NDArray[np.int64]:
    """SDMetrics' 10 bin codes (1..11) of finite-or-NaN values, measured from their minimum.

    The shift keeps a constant column of large numbers (one timestamp, in nanoseconds) binnable: its range
    of +-0.5 around 1.6e18 has no finite-sized bins in float64. Bins move with the values, so codes do not.
    """
    present = values[~np.isnan(values)]
    shifted = values - present.min() if len(present) else values
    return bin_codes(shifted).astype(np.int64)


def fit_profile(
    frame: pd.DataFrame,
    model: Model,
    min_count: int,
    factorized: Mapping[str, Factorization] | None = None,
    dates: Mapping[str, pd.Series] | None = None,
) -> Profile:
    """The profile a fit stores: of the real ``frame``'s columns that the model models (never generated ones).

    ``factorized``: string columns' ``pandas.factorize`` and counts the fit made already (see :func:`compute_profile`).
    ``dates``: the text columns the fit read as dates, as it read them: profiled as the dates they are.
    """
    kinds, present = _profiled_kinds(), set(frame.columns)
    # (model.columns and _profiled, read off the model's columns in one pass)
    scored = [c.name for c in model._columns if not c.hidden and c.name in present and isinstance(_innermost(c), kinds)]
    if dates:
        frame = frame.assign(**dates)
        factorized = {k: v for k, v in (factorized or {}).items() if k not in dates}
    return compute_profile(frame, min_count=min_count, columns=scored, factorized=factorized)


def _profiled(model: Model, name: str) -> bool:
    """Whether a model column has a profile: modelled, derived or conditional kinds (not Faker, id, computed)."""
    return isinstance(_innermost(model.column(name)), _profiled_kinds())


def _innermost(col: Any) -> Any:
    """The column a wrapping one reads its values through: a segmented column's base, a lookup's, a follower's (a
    follower fitted per segment group: its conditional column's base)."""
    while hasattr(col, "base"):
        col = col.base
    return col


@functools.cache
def _profiled_kinds() -> tuple[type, ...]:
    """The column kinds a profile scores (imported once: a fit asks per column)."""
    from .._columns import BooleanColumn, CategoryColumn, NumericColumn

    return (NumericColumn, CategoryColumn, BooleanColumn)


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

    kept = [
        c for c in model._columns if c.modelled or hasattr(c, "derive") or hasattr(c, "leader") or hasattr(c, "parts")
    ]
    names = {c.name for c in kept}
    return model.replaced(
        columns=kept,
        row_constraints=[c for c in model._row_constraints if isinstance(c, Unique) and c.column in names],
        info={},
        null_follows={c: lead for c, lead in model.null_follows.items() if c in names},
    )


# scoring against a profile -----------------------------------------------------------------------------------


def _against(real: NDArray[np.float64], syn_codes: list[NDArray[np.int64]]) -> tuple[float, NDArray[np.float64]]:
    """ContingencySimilarity of stored shares ``real`` and the synthetic codes of its two columns, and the stored
    table padded to the synthetic's keys (values the profile never saw take keys after its own)."""
    shape = (
        max(real.shape[0], int(syn_codes[0].max(initial=0)) + 1),
        max(real.shape[1], int(syn_codes[1].max(initial=0)) + 1),
    )
    padded = np.zeros(shape)
    padded[: real.shape[0], : real.shape[1]] = real
    syn = metrics.joint_counts(syn_codes[0], syn_codes[1], shape)
    return 1.0 - metrics.contingency_tvd(padded, syn), padded


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

    @property
    def real_rows(self) -> int:
        """How many rows the profile was made from (the real rows, or the model's sample)."""
        return int(self.profile.rows)

    def real_table(self, a: str, b: str) -> NDArray[np.float64]:
        """The profile's joint shares of columns ``a`` and ``b`` (empty if it has no table for them)."""
        pair = self.profile.pairs.get((a, b), self.profile.pairs.get((b, a)))
        return np.zeros(0) if pair is None else np.asarray(pair.table, dtype=np.float64).ravel()

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
        pair, a, b = self._pair(a, b)
        if pair is None:
            return PairScore("ContingencySimilarity", float("nan"))
        score, _ = _against(pair.table, [self._syn_codes(c, synthetic) for c in (a, b)])
        return PairScore("ContingencySimilarity", score, metrics.cramers_v(pair.table))

    def _pair(self, a: str, b: str) -> tuple[PairProfile | None, str, str]:
        """The stored table of columns ``a`` and ``b``, and the two in the table's order."""
        pair = self.profile.pairs.get((a, b))
        if pair is None:
            return self.profile.pairs.get((b, a)), b, a
        return pair, a, b

    #: what :meth:`on_real_bins` cuts both sides on, for messages
    shared_bins = "the profile's bins"

    def on_real_bins(self, a: str, b: str, synthetic: Prepared) -> tuple[float, NDArray[np.float64]] | None:
        """ContingencySimilarity of a discrete and a continuous column with both sides cut on the profile's own
        bins (:func:`stored_edges`), and the stored table on them; None without one (files before version 6)."""
        pair, a, b = self._pair(a, b)
        if pair is None or pair.binned is None:
            return None
        syn_codes = []
        for column in (a, b):
            col = self._column(column)
            if col.sdtype in CONTINUOUS:
                values = synthetic.numeric(column).astype(np.float64)
                values[~np.isfinite(values)] = np.nan
                syn_codes.append(stored_bin_codes(values, np.asarray(col.quantiles)))
            else:
                syn_codes.append(self._syn_codes(column, synthetic))
        score, padded = _against(pair.binned, syn_codes)
        return score, padded.ravel()

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
