"""The vectorised profile step gives the same bits as its plain definition (one column, one pair at a time).

``plain_profile`` below is the profile as first written (``_fidelity/profile.py`` before it was vectorised):
per column a winsorized copy, a sort and ``bin_codes``; per pair of continuous columns ``metrics.pearson``
(or one ``metrics.pearson_matrix`` for more than two complete columns); per pair of columns a count of their
joint codes. The fast profile must equal it bit for bit, on edge cases too: model files must not change.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import pytest_synthdata as sd
from pytest_synthdata._fidelity import metrics
from pytest_synthdata._fidelity import profile as P
from pytest_synthdata._fidelity.reference import CONTINUOUS, bin_codes, numeric_values, sdtype_of


def _half_k(counts: np.ndarray, k: int) -> np.ndarray:
    counts = np.asarray(counts, dtype=np.float64)
    return counts if k <= 1 else np.where((counts > 0) & (counts < k), k / 2.0, counts)


def plain_profile(frame: pd.DataFrame, k: int) -> P.Profile:
    """The profile's definition, column by column and pair by pair."""
    n = len(frame)
    profiles, numbers, codes, names = {}, {}, {}, []
    for name in frame.columns:
        series = frame[name]
        if P._category_like(series.dtype):
            found, uniques = P._factorized(series)
            used = uniques[np.unique(found[found >= 0])] if len(uniques) else uniques
            if not len(used):
                continue
            boolean = len(used) <= 2 and all(isinstance(v, (bool, np.bool_)) for v in used)
            sdtype, missing_rows = ("boolean" if boolean else "categorical"), int((found < 0).sum())
        else:
            kind = sdtype_of(series)
            if kind is None:
                continue
            sdtype, missing_rows = str(kind), int(series.isna().sum())
            found, uniques = P._factorized(series) if kind not in CONTINUOUS else (None, None)
        names.append(name)
        missing = min(float(_half_k(np.array([missing_rows]), k)[0]) / n, 1.0)
        if sdtype in CONTINUOUS:
            finite = numeric_values(series).astype(np.float64)
            finite[~np.isfinite(finite)] = np.nan
            numbers[name] = P._winsorized(finite, k)
            profiles[name] = P.ColumnProfile(sdtype, missing, quantiles=P._sketch(numbers[name], k))
            codes[name] = P._bins(finite)
            continue
        counts = np.bincount(found[found >= 0], minlength=len(uniques))
        seen = np.flatnonzero(counts)
        kept = seen[counts[seen] >= k] if k > 1 else seen
        kept = kept[np.argsort(-counts[kept], kind="stable")]
        rare = float(_half_k(np.array([counts.sum() - counts[kept].sum()]), k)[0])
        total = float(counts[kept].sum()) + rare
        values = [P._json_value(v) for v in uniques[kept]]
        shares = counts[kept].astype(np.float64) / total if total else np.zeros(0)
        profiles[name] = P.ColumnProfile(
            sdtype, missing, values=values, shares=shares, other=rare / total if total else 0.0
        )
        position = np.full(len(uniques) + 1, len(values) + 1, dtype=np.int64)
        position[kept] = np.arange(len(kept))
        position[-1] = len(values)
        codes[name] = position[found]
    profile = P.Profile(n, k, profiles)
    continuous = [c for c in names if c in numbers]
    whole = [c for c in continuous if not np.isnan(numbers[c]).any()]
    matrix = metrics.pearson_matrix({c: numbers[c] for c in whole}) if len(whole) > 2 else {}
    for i, a in enumerate(continuous):
        for b in continuous[i + 1 :]:
            known = matrix.get(a, {}).get(b)
            if known is None:
                keep = ~(np.isnan(numbers[a]) | np.isnan(numbers[b]))
                known = metrics.pearson(numbers[a][keep], numbers[b][keep])
            profile.correlations[(a, b)] = known
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            size = (len(profile.keys(a)) + 1, len(profile.keys(b)) + 1)
            table = _half_k(metrics.joint_counts(codes[a], codes[b], size), k)
            table = table[1:] if profiles[a].sdtype in CONTINUOUS else table[:-1]
            table = table[:, 1:] if profiles[b].sdtype in CONTINUOUS else table[:, :-1]
            profile.pairs[(a, b)] = P.PairProfile(table / table.sum())
            if (profiles[a].sdtype in CONTINUOUS) != (profiles[b].sdtype in CONTINUOUS):
                # the same pair cut on the profile's own bins: the winsorized values on the stored sketch's edges
                bins = {c: P.stored_bin_codes(numbers[c], profiles[c].quantiles) for c in (a, b) if c in numbers}
                pair = [bins.get(c, codes[c]) for c in (a, b)]
                size = (len(profile.keys(a)), len(profile.keys(b)))
                table = _half_k(metrics.joint_counts(pair[0], pair[1], size), k)
                profile.pairs[(a, b)].binned = table / table.sum()
    return profile


def bits(profile: P.Profile) -> tuple:
    """Everything a profile holds, floats as their exact bits."""
    columns = [
        (
            name,
            c.sdtype,
            float(c.missing).hex(),
            None if c.quantiles is None else c.quantiles.tobytes(),
            repr(c.values),
            None if c.shares is None else c.shares.tobytes(),
            float(c.other).hex(),
        )
        for name, c in profile.columns.items()
    ]
    correlations = [(a, b, float(r).hex()) for (a, b), r in profile.correlations.items()]
    pairs = [
        (a, b, p.table.shape, np.ascontiguousarray(p.table).tobytes())
        + (() if p.binned is None else (p.binned.shape, np.ascontiguousarray(p.binned).tobytes()))
        for (a, b), p in profile.pairs.items()
    ]
    return profile.rows, profile.min_count, columns, correlations, pairs


def edge_frame(n: int, seed: int) -> pd.DataFrame:
    """Columns of every kind the profile reads, with the values that make sorting and binning tricky."""
    r = np.random.default_rng(seed)
    gaps = r.normal(size=n)
    gaps[r.random(n) < 0.1] = np.nan
    infinite = r.normal(size=n) * 1e6
    infinite[r.random(n) < 0.05] = np.inf
    infinite[r.random(n) < 0.05] = -np.inf
    when = pd.Series(pd.to_datetime("2020-01-01") + pd.to_timedelta(r.integers(0, 10**6, n), unit="s"))
    when[r.random(n) < 0.1] = pd.NaT
    frame = {
        "small_int": r.integers(0, 10, n),
        "int8": r.integers(-100, 100, n).astype(np.int8),  # (its span does not fit an int8)
        "uint64": r.integers(0, 1000, n).astype(np.uint64) + np.uint64(2**63),
        "wide_int": r.integers(-(2**62), 2**62, n),
        "constant": np.full(n, 7),
        "gaps": gaps,
        "infinite": infinite,
        "signed_zeros": r.choice([0.0, -0.0, 1.0, -1.0, 2.5], n),
        "whole_signed_zeros": r.choice([0.0, -0.0, 1.0, -3.0], n),
        "whole_floats": np.where(r.random(n) < 0.1, np.nan, r.integers(-5, 40, n).astype(np.float64)),
        "whole_and_infinite": np.where(r.random(n) < 0.1, np.inf, r.integers(0, 4, n).astype(np.float64)),
        "large_whole_floats": r.integers(0, 3, n) * 2.0**60,
        "big_constant": np.full(n, 1.6e18),
        "at_edges": r.integers(0, 11, n) / 10.0 * 3.3,  # (values on the bin edges, the top one included)
        "float32": r.normal(size=n).astype(np.float32),
        "all_missing": np.full(n, np.nan),
        "category": pd.Categorical(r.choice(["a", "b", "c", None], n), categories=["c", "b", "a", "unused"]),
        "text": r.choice(np.array(["x", "y", "z", "w", None], dtype=object), n),
        "many_texts": r.integers(0, 150, n).astype(str).astype(object),  # (more categories than _FEW)
        "mixed": r.choice(np.array([True, 1, "a", False, 0, 2.5], dtype=object), n),
        "bool": r.random(n) > 0.3,
        "nullable_bool": pd.array(r.choice([True, False, None], n), dtype="boolean"),
        "nullable_int": pd.array(r.choice([1, 2, 3, None], n), dtype="Int64"),
        "string": pd.array(r.choice(["u", "v", "w"], n), dtype="string"),
        "when": when,
        "same_day": pd.Series(pd.to_datetime(["2021-05-05"] * n)),
        "zoned": pd.Series(pd.date_range("2020-01-01", periods=n, freq="h", tz="Europe/Paris")),
    }
    for j in range(4):  # (columns missing on different rows: Pearson pair by pair)
        column = r.normal(size=n)
        column[r.random(n) < 0.04 * j] = np.nan
        frame[f"gappy{j}"] = column
    return pd.DataFrame(frame)


@pytest.mark.parametrize("min_count", [1, 2, 5])
@pytest.mark.parametrize(("n", "seed"), [(1, 0), (2, 1), (7, 2), (12, 3), (301, 4), (2000, 5)])
def test_the_fast_profile_has_the_bits_of_its_plain_definition(n, seed, min_count):
    frame = edge_frame(n, seed)
    assert bits(P.compute_profile(frame, min_count=min_count)) == bits(plain_profile(frame, min_count))


@pytest.mark.parametrize("n", [100, 500, 5000])
def test_contingency_tables_of_grouped_columns_have_the_bits_of_pair_by_pair_counts(n):
    # narrow categories are counted in groups (one count gives many pairs' tables): every group layout
    r = np.random.default_rng(n)
    frame = pd.DataFrame({f"c{j}": r.choice(list("abcdefgh"[: 2 + j % 6]), n).astype(object) for j in range(14)})
    for j in range(5):
        frame[f"i{j}"] = r.integers(0, 3 + 20 * j, n)
    frame["wide"] = r.integers(0, 400, n).astype(str).astype(object)  # (one column far wider than the rest)
    for columns in (
        ["c0", "c1"],
        ["c0", "c1", "c2"],
        ["i0", "i1", "c0", "c1"],
        ["wide", "c0", "c1", "c2"],
        list(frame.columns),
    ):
        for k in (1, 5):
            assert bits(P.compute_profile(frame[columns], min_count=k)) == bits(plain_profile(frame[columns], k))


@pytest.mark.parametrize(
    "values",
    [
        [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0],  # on every edge
        [5.0, 5.0, 5.0],  # constant: edges -0.5..0.5
        [0.0, 0.1, 0.2, 0.30000000000000004, 0.7, 1.0],
        [1.6e18, 1.6e18 + 1024, 1.6e18 + 4096],  # nanoseconds
        [0.0, np.nan, 3.0, np.nan, 1.5],
        [-1e300, 1e300, 0.0],
        [0.0, 5e-324 * 40, 5e-324 * 3],  # subnormal spans
    ],
)
def test_bin_codes_from_the_edges_are_sdmetrics_bin_codes(values):
    x = np.asarray(values, dtype=np.float64)
    shifted = x - np.nanmin(x)
    assert np.array_equal(P._bin_codes(shifted, float(np.nanmax(shifted))), bin_codes(shifted) - 1)


def test_a_fit_profiles_its_text_columns_from_the_codes_inference_made(monkeypatch):
    # hashing every text column again cost as much as the rest of the profile
    frame = pd.DataFrame(
        {
            "plan": np.array(["basic", "pro", "basic", "team"] * 50, dtype=object),
            "seats": np.arange(200) % 7,
            "region": np.array(["eu", "us"] * 100, dtype=object),
        }
    )
    expected = bits(sd.fit(frame, name="t").profile)

    def refuse(series: pd.Series) -> tuple:
        if series.name in ("plan", "region"):
            raise AssertionError(f"column {series.name!r} was factorized again")
        return factorize(series)

    factorize = P._factorized
    monkeypatch.setattr(P, "_factorized", refuse)
    assert bits(sd.fit(frame, name="t").profile) == expected


def test_a_mixed_column_is_factorized_again_not_taken_from_inference():
    # inference keeps True apart from 1 in a mixed column; pandas.factorize, which the profile follows, does not
    frame = pd.DataFrame({"flag": np.array([True, 1, "a", 0, False] * 20, dtype=object), "x": np.arange(100) % 9})
    model = sd.fit(frame, name="t", min_count=1)
    assert bits(model.profile) == bits(plain_profile(frame[list(model.profile.columns)], 1))
    assert not math.isnan(model.profile.columns["flag"].missing)


@pytest.mark.parametrize("at_once", [True, False])
@pytest.mark.parametrize("seed", range(6))
def test_pearson_of_pairs_with_gaps_has_the_bits_of_metrics_pearson_both_ways(monkeypatch, at_once, seed):
    # columns missing on their own rows, on shared rows, or on none; constant ones; too few rows in common
    r = np.random.default_rng(seed)
    n = int(r.integers(3, 400))
    frame = {}
    shared = r.random(n) < 0.1
    for j in range(7):
        column = r.normal(size=n) * 10.0 ** r.uniform(-3, 12) + r.uniform(-1e3, 1e3)
        column = np.round(column) if j % 3 == 0 else column
        if j == 5:
            column[:] = 2.5
        gaps = [np.zeros(n, dtype=bool), shared, r.random(n) < 0.2, r.random(n) < 0.97][j % 4]
        column[gaps] = np.nan
        frame[f"x{j}"] = column
    monkeypatch.setattr(P, "_AT_ONCE_CELLS", 1 << 40 if at_once else 0)
    got = P.compute_profile(pd.DataFrame(frame), min_count=1).correlations
    for (a, b), value in got.items():
        keep = ~(np.isnan(frame[a]) | np.isnan(frame[b]))
        want = metrics.pearson(frame[a][keep], frame[b][keep])
        assert float(value).hex() == float(want).hex(), (a, b)


@pytest.mark.parametrize("one_count", [0, 1 << 40])
@pytest.mark.parametrize("n", [30, 400])
def test_pair_tables_counted_at_once_or_column_by_column_have_the_same_bits(monkeypatch, one_count, n):
    monkeypatch.setattr(P, "_ONE_COUNT", one_count)
    frame = edge_frame(n, seed=n)
    assert bits(P.compute_profile(frame, min_count=5)) == bits(plain_profile(frame, 5))


@pytest.mark.parametrize("min_count", [1, 2, 5])
@pytest.mark.parametrize("n", [2, 3, 11, 12, 228, 1024])
def test_number_columns_read_together_have_the_bits_of_one_at_a_time(n, min_count):
    """``_continuous_many`` (the columns side by side: one sort, one clip, one sum of every sketch block) gives
    each column what ``_continuous`` gives it alone, whichever columns come together."""
    r = np.random.default_rng(n)
    gaps = r.normal(size=n)
    gaps[r.random(n) < 0.2] = np.nan
    few = np.full(n, np.nan)
    few[: min(4, n)] = np.arange(min(4, n))
    columns = [
        r.integers(0, 5, n),
        r.integers(-(10**6), 10**6, n),
        r.integers(0, 2**62, n, dtype=np.int64),
        r.integers(0, 200, n).astype(np.uint8),
        r.normal(size=n).round(2),  # (some -0.0: their own way)
        gaps,
        np.full(n, 3.0),
        np.where(r.random(n) < 0.1, np.nan, r.integers(0, 3, n).astype(np.float64)),
        np.full(n, np.nan),
        few,
        r.normal(size=n) * 1e300,
    ]
    for _ in range(6):
        chosen = [columns[i] for i in r.permutation(len(columns))[: r.integers(2, len(columns) + 1)]]
        for raw, got in zip(chosen, P._continuous_many(chosen, n, min_count), strict=True):
            want = P._continuous(raw, "numerical", n, min_count)
            if want is None:
                assert got is None
                continue
            assert got is not None
            assert (got.profile.sdtype, float(got.profile.missing).hex()) == (
                want.profile.sdtype,
                float(want.profile.missing).hex(),
            )
            assert got.profile.quantiles.tobytes() == want.profile.quantiles.tobytes()
            assert (got.codes.dtype, got.codes.tobytes()) == (want.codes.dtype, want.codes.tobytes())
            assert got.values.tobytes() == want.values.tobytes() and got.gaps == want.gaps


def _off_rare_plain(sketch: np.ndarray, ordered: np.ndarray, k: int) -> np.ndarray:
    """``_off_rare_values`` by its definition: each point as the file writes it, moved while that is rare."""

    def rare(x: float) -> bool:
        held = np.searchsorted(ordered, x, side="right") - np.searchsorted(ordered, x, side="left")
        return bool(0 < held < k)

    out = sketch.copy()
    for i, point in enumerate(sketch.tolist()):
        x = float(f"{point:.12g}")
        if not rare(x):
            continue
        for _ in range(8):
            unit = 1e-12 if x == 0.0 else 10.0 ** (math.floor(math.log10(abs(x))) - 11)
            x = float(f"{x + unit:.12g}")
            if not rare(x):
                break
        out[i] = x
    return out


@pytest.mark.parametrize("seed", range(40))
def test_points_moved_off_rare_values_are_those_of_the_plain_definition(seed):
    # tied whole numbers (block means landing on values held by many or by few rows), values a rounding away
    # from a point, and plain floats: the shortcut that skips points held by many rows changes no bit
    rng = np.random.default_rng(seed)
    k = int(rng.integers(2, 6))
    kind = seed % 4
    if kind == 0:
        ordered = np.sort(rng.integers(0, 6, size=int(rng.integers(1, 60))).astype(float))
    elif kind == 1:
        ordered = np.sort(np.repeat(rng.normal(size=8).round(3), rng.integers(1, 2 * k, size=8)))
    elif kind == 2:
        ordered = np.sort(rng.normal(size=50) * 1e3)
    else:
        ordered = np.sort(np.concatenate([rng.integers(0, 3, size=20), [0.1 + 0.2, 7.0]]).astype(float))
    pick = rng.integers(0, len(ordered), size=12)
    sketch = np.concatenate([ordered[pick], ordered[pick] * (1 + 3e-13), rng.normal(size=4)])
    sketch.sort()
    got = P._off_rare_values(sketch.copy(), ordered, k)
    np.testing.assert_array_equal(got, _off_rare_plain(sketch.copy(), ordered, k))


@pytest.mark.parametrize("seed", range(10))
def test_points_moved_off_rare_values_of_many_columns_at_once_are_each_columns_own(seed):
    # _off_rare_many searches every column's points in one array (row + 1j * value): as each column alone,
    # whatever the rows around it hold (NaN, infinities, the same values)
    rng = np.random.default_rng(seed)
    k = int(rng.integers(2, 6))
    width = int(rng.integers(1, 60))
    ordered = np.full((6, width), np.nan)
    for r in range(6):
        kind = int(rng.integers(0, 4))
        if kind == 0:
            values = rng.integers(0, 6, size=width).astype(float)
        elif kind == 1:
            values = np.repeat(rng.normal(size=width).round(3), rng.integers(1, 2 * k, size=width))[:width]
        elif kind == 2:
            values = rng.normal(size=width) * 1e3
        else:
            values = np.concatenate([[-np.inf], rng.integers(-2, 3, size=width), [np.inf]])[:width].astype(float)
        ordered[r, : len(values)] = np.sort(values)
    rows = sorted(rng.choice(6, size=int(rng.integers(1, 7)), replace=False).tolist())
    present = [int(rng.integers(1, width + 1)) for _ in rows]
    sketches = []
    for r, m in zip(rows, present, strict=True):
        ordered[r, m:] = np.nan  # (a column's values, then NaN)
        own = ordered[r, :m][np.isfinite(ordered[r, :m])]
        pick = own[rng.integers(0, len(own), size=8)] if len(own) else np.zeros(0)
        sketch = np.concatenate([pick, pick * (1 + 3e-13), rng.normal(size=3), ordered[(r + 1) % 6, :3]])
        sketches.append(np.sort(sketch[np.isfinite(sketch)]))
    got = P._off_rare_many([s.copy() for s in sketches], ordered, rows, present, k)
    for sketch, r, m, points in zip(sketches, rows, present, got, strict=True):
        np.testing.assert_array_equal(points, P._off_rare_values(sketch.copy(), ordered[r, :m], k))
