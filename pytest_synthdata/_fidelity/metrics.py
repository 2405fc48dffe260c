"""Metric kernels on arrays: SDMetrics 0.32's definitions, vectorised; plus detection, utility and privacy.

The QualityReport definitions (SDMetrics 0.32, MIT; formulas, no code taken):

- KSComplement = 1 - D, D the two-sample Kolmogorov-Smirnov statistic
  ``max |F_real(x) - F_syn(x)|`` over the pooled values, NaNs dropped, floats
  rounded to 14 decimals first;
- TVComplement = 1 - 1/2 sum |p_real(v) - p_syn(v)| over the values, NaNs
  dropped; a value only the synthetic side has counts 1e-6 on the real side;
- CorrelationSimilarity = 1 - |r_real - r_syn| / 2 with Pearson r on the rows
  where both columns are present;
- ContingencySimilarity = 1 - 1/2 sum |p_real(a, b) - p_syn(a, b)| over the
  joint table, missing a value of its own, continuous columns binned (see
  :func:`~pytest_synthdata._fidelity.reference.bin_codes`);
- MissingValueSimilarity = 1 - |missing share real - missing share synthetic|;
- RangeCoverage = max(0, 1 - (max(0, (min_s - min_r) / (max_r - min_r)) + max(0, (max_r - max_s) / (max_r - min_r))));
  CategoryCoverage = share of the real values that the synthetic data has.

Detection (a classifier two-sample test, see the explanation page) and
train-synthetic-test-real utility need scikit-learn; privacy reuses the
audit's Gower distances.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import InvalidArgument

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "DetectionResult",
    "PrivacyResult",
    "UtilityResult",
    "category_coverage",
    "contingency_tvd",
    "cramers_v",
    "detection",
    "distinct_counts",
    "joint_counts",
    "ks_from_counts",
    "pearson",
    "pearson_all",
    "pearson_matrix",
    "privacy",
    "range_coverage",
    "tv_complement_aligned",
    "tv_complement_counts",
    "utility",
]

#: SDMetrics rounds floats to this many decimals before the KS test (sys.float_info.dig - 1).
KS_DECIMALS = sys.float_info.dig - 1


def distinct_counts(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The sorted distinct non-missing values (rounded as for KSComplement) and the running count up to each.

    Hashing finds the distinct values first: when there are few (prices,
    ages, rounded measurements) only they are sorted; when most values are
    distinct the column is sorted instead. Either way the counts are exact
    integers, so the ECDFs built from them are the same floats.
    """
    import pandas as pd

    if values.dtype.kind == "f":
        values = np.round(values[~np.isnan(values)], KS_DECIMALS)
    if not len(values):
        return values, np.zeros(0, dtype=np.int64)
    codes, uniques = pd.factorize(values, sort=False)
    if len(uniques) <= len(values) // 4:
        order = np.argsort(uniques, kind="stable")
        counts = np.bincount(codes, minlength=len(uniques))[order]
        return np.asarray(uniques)[order], np.cumsum(counts)
    ordered = np.sort(values)
    last = np.append(np.flatnonzero(ordered[1:] != ordered[:-1]), len(ordered) - 1)
    return ordered[last], last + 1


def ks_from_counts(real: tuple[np.ndarray, np.ndarray], synthetic: tuple[np.ndarray, np.ndarray]) -> float:
    """The two-sample KS statistic D from each sample's :func:`distinct_counts`.

    Both ECDFs are compared at every distinct value of both samples, as
    ``scipy.stats.ks_2samp`` compares them at every value (repeats add no
    new point).
    """
    (rv, rc), (sv, sc) = real, synthetic
    if not len(rv) or not len(sv):
        return float("nan")
    if rv.dtype != sv.dtype:
        rv, sv = rv.astype(np.float64), sv.astype(np.float64)
    n, m = rc[-1], sc[-1]
    rc0 = np.concatenate([[0], rc])
    sc0 = np.concatenate([[0], sc])
    at_real = rc / n - sc0[np.searchsorted(sv, rv, side="right")] / m
    at_syn = rc0[np.searchsorted(rv, sv, side="right")] / n - sc / m
    high = max(at_real.max(), at_syn.max())
    low = min(at_real.min(), at_syn.min())
    return float(max(high, min(-low, 1.0), 0.0))


def tv_complement_counts(real: pd.Series, synthetic: pd.Series) -> float:
    """TVComplement from value counts (index: value; zero counts ignored), with SDMetrics' 1e-6 regularisation."""
    real = real[real.to_numpy() > 0]
    synthetic = synthetic[synthetic.to_numpy() > 0]
    lookup = real.index.get_indexer(synthetic.index)
    return tv_complement_aligned(real.to_numpy(), synthetic.to_numpy(), lookup)


def tv_complement_aligned(real: np.ndarray, synthetic: np.ndarray, lookup: np.ndarray) -> float:
    """TVComplement from count arrays: ``lookup[j]`` is the real position of synthetic value j, or -1 if new.

    A value only the synthetic side has counts 1e-6 rows on the real side
    (SDMetrics' regularisation); values with a zero count on both sides do
    not matter.
    """
    real = real.astype(np.float64)
    synthetic = synthetic.astype(np.float64)
    if not real.sum() or not synthetic.sum():
        return float("nan")
    new = (lookup < 0) & (synthetic > 0)
    real_total = real.sum() + 1e-6 * int(new.sum())
    aligned = np.zeros(len(real))
    seen = lookup >= 0
    aligned[lookup[seen]] = synthetic[seen]
    syn_total = synthetic.sum()
    tv = np.abs(aligned / syn_total - real / real_total).sum()
    tv += np.abs(synthetic[new] / syn_total - 1e-6 / real_total).sum()
    return float(1.0 - 0.5 * tv)


def category_coverage(real: np.ndarray, synthetic: np.ndarray, lookup: np.ndarray) -> float:
    """CategoryCoverage from count arrays (as :func:`tv_complement_aligned`): the share of real values sampled."""
    present = np.zeros(len(real), dtype=bool)
    seen = (lookup >= 0) & (synthetic > 0)
    present[lookup[seen]] = True
    observed = real > 0
    return float(present[observed].mean()) if observed.any() else float("nan")


def pearson(x: np.ndarray, y: np.ndarray) -> float:
    """Pearson's r of two equal-length float arrays without NaNs (NaN if either is constant or too short)."""
    if len(x) < 2:
        return float("nan")
    xm = x - x.mean()
    ym = y - y.mean()
    # scale first, as scipy.stats.pearsonr does, so huge values (datetimes in ns) cannot overflow the products
    xs, ys = np.abs(xm).max(), np.abs(ym).max()
    if xs == 0 or ys == 0:
        return float("nan")
    xm, ym = xm / xs, ym / ys
    r = float(np.dot(xm, ym) / (np.sqrt(np.dot(xm, xm)) * np.sqrt(np.dot(ym, ym))))
    return max(min(r, 1.0), -1.0)


def joint_counts(a: np.ndarray, b: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """The contingency table (``shape``) of two coded columns (codes are small non-negative ints)."""
    return np.bincount(a.astype(np.int64) * shape[1] + b, minlength=shape[0] * shape[1]).reshape(shape)


def pearson_matrix(columns: dict[str, np.ndarray]) -> dict[str, dict[str, float]]:
    """Pearson's r of every pair of equal-length NaN-free columns at once (NaN for a constant column).

    One product of the centred columns, on one BLAS thread so that the sums
    (and so the scores) do not depend on the machine's thread count.
    """
    from .._linalg import one_thread

    names = list(columns)
    if not names:
        return {}
    x = np.column_stack([columns[c].astype(np.float64) for c in names])
    if not len(x):  # no row where the columns are all present: r is undefined
        return {a: dict.fromkeys(names, float("nan")) for a in names}
    x -= x.mean(axis=0)  # (no overflow to guard against: squares of datetimes in ns stay below 1e40)
    with one_thread():
        gram = x.T @ x
    norm = np.sqrt(np.diag(gram))
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.clip(gram / np.outer(norm, norm), -1.0, 1.0)
    return {a: {b: float(r[i, j]) for j, b in enumerate(names)} for i, a in enumerate(names)}


def pearson_all(columns: dict[str, np.ndarray]) -> dict[str, dict[str, float]]:
    """Pearson's r of every pair of columns, each pair on the rows where both are present (SDMetrics' rule).

    Columns without a missing value go through one :func:`pearson_matrix`; a
    column with missing values through one more, over its present rows,
    with every complete column; two columns with missing values pair by pair.
    """
    isnan = {c: np.isnan(v) if v.dtype.kind == "f" else None for c, v in columns.items()}
    gaps = {c: m for c, m in isnan.items() if m is not None and m.any()}
    complete = {c: v for c, v in columns.items() if c not in gaps}
    out: dict[str, dict[str, float]] = {c: {} for c in columns}
    for a, row in pearson_matrix(complete).items():
        out[a].update(row)
    for a, missing in gaps.items():
        keep = ~missing
        block = {a: columns[a][keep]} | {c: v[keep] for c, v in complete.items()}
        for b, r in pearson_matrix(block)[a].items():
            out[a][b] = out[b][a] = r
    names = list(gaps)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            keep = ~(gaps[a] | gaps[b])
            out[a][b] = out[b][a] = pearson(columns[a][keep].astype(np.float64), columns[b][keep].astype(np.float64))
    return out


def contingency_tvd(real: np.ndarray, synthetic: np.ndarray) -> float:
    """1/2 sum |p_real - p_syn| over two contingency tables of the same shape (NaN if either is empty)."""
    n_real, n_syn = real.sum(), synthetic.sum()
    if not n_real or not n_syn:
        return float("nan")
    return float(0.5 * np.abs(real / n_real - synthetic / n_syn).sum())


def cramers_v(counts: np.ndarray) -> float:
    """Cramér's V of a contingency table (no continuity correction), over its non-empty rows and columns.

    ``sqrt(chi2 / (n * (min(r, c) - 1)))``; NaN when fewer than two rows or
    columns are non-empty, as SDMetrics' real-association threshold treats it.
    """
    counts = counts[counts.sum(axis=1) > 0][:, counts.sum(axis=0) > 0].astype(np.float64)
    n = counts.sum()
    if not n or min(counts.shape) < 2:
        return float("nan")
    expected = np.outer(counts.sum(axis=1), counts.sum(axis=0)) / n
    chi2 = float(((counts - expected) ** 2 / expected).sum())
    return float(np.sqrt(chi2 / (n * (min(counts.shape) - 1))))


def range_coverage(real: tuple[float, float] | None, synthetic: tuple[float, float] | None) -> float:
    """RangeCoverage of a numeric column: how much of the real (min, max) the synthetic (min, max) spans."""
    if real is None or synthetic is None or real[0] == real[1]:
        return float("nan")
    low, high = real
    span = float(high) - float(low)
    below = max((float(synthetic[0]) - float(low)) / span, 0.0)
    above = max((float(high) - float(synthetic[1])) / span, 0.0)
    return max(1.0 - (below + above), 0.0)


# -- detection, utility, privacy ---------------------------------------------------------------------------------------


def _sklearn(feature: str) -> None:
    try:
        import sklearn  # noqa: F401
    except ImportError:
        raise ImportError(
            f"{feature} needs scikit-learn, which is not installed. "
            "Install it with `pip install pytest-synthdata[fidelity]`."
        ) from None


def _one_thread() -> Any:
    """OpenMP on the calling thread only, for scikit-learn's boosted trees.

    On a shared machine their OpenMP threads spin waiting for busy cores: a
    1,200-row detection took 26 s with the default threads against 0.9 s on
    one (2 cores, 5 other busy processes); one thread also keeps the fits
    reproducible whatever the machine.
    """
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="openmp")


def _features(frames: list[pd.DataFrame], columns: list[str]) -> tuple[list[np.ndarray], list[bool]]:
    """Model inputs per frame: numbers and datetimes as float, other columns as shared integer codes (NaN kept)."""
    import pandas as pd

    from .reference import numeric_values, sdtype_of

    out: list[list[np.ndarray]] = [[] for _ in frames]
    categorical: list[bool] = []
    for col in columns:
        kind = sdtype_of(frames[0][col])
        if kind in ("numerical", "datetime"):
            for i, f in enumerate(frames):
                out[i].append(numeric_values(f[col]).astype(np.float64))
            categorical.append(False)
        else:
            pooled = pd.concat([f[col].astype("object") for f in frames], ignore_index=True)
            codes, uniques = pd.factorize(pooled, use_na_sentinel=True)
            codes = codes.astype(np.float64)
            codes[codes < 0] = np.nan
            start = 0
            for i, f in enumerate(frames):
                out[i].append(codes[start : start + len(f)])
                start += len(f)
            categorical.append(len(uniques) <= 255)
    return [np.column_stack(b) if b else np.zeros((len(f), 0)) for b, f in zip(out, frames, strict=True)], categorical


def _seeded_rows(frame: pd.DataFrame, rows: int, rng: np.random.Generator) -> pd.DataFrame:
    if len(frame) <= rows:
        return frame.reset_index(drop=True)
    return frame.iloc[np.sort(rng.choice(len(frame), rows, replace=False))].reset_index(drop=True)


@dataclass(frozen=True)
class DetectionResult:
    """A classifier two-sample test: ``score = 1 - 2 * max(auc - 0.5, 0)`` (1 when real and synthetic look alike)."""

    score: float
    auc: float
    folds: int
    rows: int


def detection(
    real: pd.DataFrame,
    synthetic: pd.DataFrame,
    *,
    columns: list[str] | None = None,
    seed: int = 0,
    folds: int = 5,
    max_rows: int = 20_000,
) -> DetectionResult:
    """How well a gradient-boosted tree tells real rows from synthetic ones: cross-validated ROC AUC.

    At most ``max_rows`` rows of each side (a seeded subsample), a
    HistGradientBoostingClassifier (seeded) in ``folds`` stratified folds
    (seeded); categorical columns as native categories. Needs scikit-learn.
    """
    _sklearn("The detection score")
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold

    from .._validate import check_seed

    seed = check_seed(seed, where="detection")
    cols = list(columns) if columns is not None else [c for c in real.columns if c in synthetic.columns]
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    parts = [_seeded_rows(real[cols], max_rows, rng), _seeded_rows(synthetic[cols], max_rows, rng)]
    if min(len(p) for p in parts) < folds:
        raise InvalidArgument(
            f"detection needs at least folds={folds} rows on each side; got {[len(p) for p in parts]}."
        )
    (xr, xs), categorical = _features(parts, cols)
    x = np.vstack([xr, xs])
    y = np.concatenate([np.zeros(len(xr)), np.ones(len(xs))])
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=int(rng.integers(2**31)))
    aucs = []
    with _one_thread():
        for train, test in splitter.split(x, y):
            clf = HistGradientBoostingClassifier(
                categorical_features=np.array(categorical, dtype=bool) if any(categorical) else None,
                random_state=int(rng.integers(2**31)),
            )
            clf.fit(x[train], y[train])
            aucs.append(roc_auc_score(y[test], clf.predict_proba(x[test])[:, 1]))
    auc = float(np.mean(aucs))
    return DetectionResult(score=1.0 - 2.0 * max(auc - 0.5, 0.0), auc=auc, folds=folds, rows=len(x))


@dataclass(frozen=True)
class UtilityResult:
    """Train-synthetic-test-real: ``tstr`` of a model trained on synthetic rows, ``trtr`` of one trained on real rows.

    Both are scored on the same held-out real rows: accuracy for a
    categorical or boolean target, R^2 for a numeric one (``metric``).
    ``score = tstr / trtr`` clipped to [0, 1] (NaN when ``trtr <= 0``).
    """

    target: str
    metric: str
    tstr: float
    trtr: float
    score: float


def utility(
    real: pd.DataFrame, synthetic: pd.DataFrame, target: str, *, seed: int = 0, max_rows: int = 20_000
) -> UtilityResult:
    """Train-synthetic-test-real utility for predicting ``target`` from the other shared columns. Needs scikit-learn.

    The real rows are halved at random (seeded): a model trained on one half
    (TRTR) and one trained on the synthetic rows (TSTR) are both scored on the
    other half.
    """
    _sklearn("The utility score")
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
    from sklearn.metrics import accuracy_score, r2_score

    from .._validate import check_seed
    from .reference import sdtype_of

    seed = check_seed(seed, where="utility")
    if target not in real.columns or target not in synthetic.columns:
        raise InvalidArgument(
            f"target={target!r} is not a column of both frames; pick one of {sorted(str(c) for c in set(real) & set(synthetic))}."
        )
    kind = sdtype_of(real[target])
    if kind is None:
        raise InvalidArgument(f"target={target!r} has no values in the real data; pick a column that has.")
    cols = [c for c in real.columns if c in synthetic.columns and c != target]
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    real = real[real[target].notna()]
    synthetic = synthetic[synthetic[target].notna()]
    real = _seeded_rows(real, 2 * max_rows, rng)
    order = rng.permutation(len(real))
    half = len(real) // 2
    train_real, test_real = real.iloc[order[:half]], real.iloc[order[half:]]
    syn = _seeded_rows(synthetic, max_rows, rng)
    (x_tr, x_te, x_sy), categorical = _features([train_real, test_real, syn], cols)
    classify = kind in ("categorical", "boolean")
    if classify:
        (y_tr, y_te, y_sy), _ = _features([train_real[[target]], test_real[[target]], syn[[target]]], [target])
        y_tr, y_te, y_sy = y_tr[:, 0], y_te[:, 0], y_sy[:, 0]
    else:
        from .reference import numeric_values

        y_tr, y_te, y_sy = (numeric_values(f[target]).astype(np.float64) for f in (train_real, test_real, syn))
    scores = []
    for x_train, y_train in ((x_sy, y_sy), (x_tr, y_tr)):
        est_kw = {
            "categorical_features": np.array(categorical, dtype=bool) if any(categorical) else None,
            "random_state": int(rng.integers(2**31)),
        }
        est = HistGradientBoostingClassifier(**est_kw) if classify else HistGradientBoostingRegressor(**est_kw)
        with _one_thread():
            est.fit(x_train, y_train)
            pred = est.predict(x_te)
        scores.append(float(accuracy_score(y_te, pred) if classify else r2_score(y_te, pred)))
    tstr, trtr = scores
    score = float(min(max(tstr / trtr, 0.0), 1.0)) if trtr > 0 else float("nan")
    return UtilityResult(target=target, metric="accuracy" if classify else "r2", tstr=tstr, trtr=trtr, score=score)


@dataclass(frozen=True)
class PrivacyResult:
    """Exact copies and distance to closest record (Gower, as ``synthdata audit`` measures them).

    ``copy_rate``: share of synthetic rows equal to a real (training) row;
    ``holdout_copy_rate``: the same against the holdout (the baseline a fresh
    sample of the population would show); ``dcr_share``: share of synthetic rows
    closer to the training rows than to the holdout (ties count half; 0.5 is
    ideal, near 1 means memorised rows); ``median_dcr``: median distance to the
    closest training row.
    """

    copy_rate: float
    holdout_copy_rate: float
    dcr_share: float
    median_dcr: float
    rows: int


def privacy(
    real: pd.DataFrame,
    synthetic: pd.DataFrame,
    holdout: pd.DataFrame | None = None,
    *,
    columns: list[str] | None = None,
    seed: int = 0,
    max_rows: int = 2_000,
) -> PrivacyResult:
    """Exact-copy rate and distance to closest record of ``synthetic`` against the ``real`` rows it came from.

    With a ``holdout`` (real rows the generator never saw) it also measures
    both against the holdout. At most ``max_rows`` rows of each (seeded).
    """
    from .._audit import _encode, _nearest
    from .._validate import check_seed

    seed = check_seed(seed, where="privacy")
    cols = list(columns) if columns is not None else [c for c in real.columns if c in synthetic.columns]
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    frames = [_seeded_rows(real[cols], max_rows, rng), _seeded_rows(synthetic[cols], max_rows, rng)]
    if holdout is not None:
        frames.append(_seeded_rows(holdout[cols], min(max_rows, len(frames[0])), rng))
    num, cat = _encode(frames, cols)
    syn = (num[1], cat[1])
    d_train = _nearest(syn, (num[0], cat[0]))
    if holdout is not None:
        d_hold = _nearest(syn, (num[2], cat[2]))
        hold_copies = float(np.mean(d_hold == 0))
        share = float(np.mean(d_train < d_hold) + 0.5 * np.mean(d_train == d_hold))
    else:
        hold_copies = share = float("nan")
    return PrivacyResult(
        copy_rate=float(np.mean(d_train == 0)),
        holdout_copy_rate=hold_copies,
        dcr_share=share,
        median_dcr=float(np.median(d_train)),
        rows=len(d_train),
    )
