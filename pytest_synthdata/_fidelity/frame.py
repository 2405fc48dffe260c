"""FrameReference: the exact :class:`~pytest_synthdata._fidelity.reference.Reference`, over real rows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import InvalidArgument
from . import metrics
from .reference import (
    BIN_CODES,
    CONTINUOUS,
    SDTYPES,
    PairScore,
    Prepared,
    sdtype_and_codes,
    shared_codes,
    value_lookup,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["FrameReference"]


@dataclass(frozen=True)
class _Coded:
    """A discrete column coded over both sides (:meth:`FrameReference._discrete`).

    ``real_counts[i]``: real rows with value i (the real values are 0 ..
    known - 1); ``synthetic_counts[j]``: synthetic rows with value j (the
    values only the synthetic side has follow the real ones);
    ``lookup[j]``: j if the real side has the value, else -1; ``missing``:
    the code of a missing value in the contingency tables.
    """

    real_counts: np.ndarray
    synthetic_counts: np.ndarray
    lookup: np.ndarray
    missing: int


def _plain(series: pd.Series) -> np.ndarray:
    """The column's values as one numpy array (extension arrays as objects, missing values as pandas has them)."""
    values = series.to_numpy()
    return values if isinstance(values, np.ndarray) else np.asarray(values, dtype=object)


class FrameReference:
    """Scores synthetic data against real rows, with SDMetrics 0.32's QualityReport definitions.

    ``sdtypes`` overrides the sdtype inferred from a column's dtype
    (``{"zip": "categorical"}``); a column mapped to None is not scored.

    >>> import pandas as pd
    >>> ref = FrameReference(pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0]}))
    >>> ref.ks_complement("x", ref.prepare(pd.DataFrame({"x": [1.0, 2.0, 3.0, 9.0]})))
    0.75
    """

    exact = True

    def __init__(
        self, real: pd.DataFrame, *, sdtypes: dict[str, str | None] | None = None, argument: str = "real"
    ) -> None:
        import pandas as pd

        if not isinstance(real, pd.DataFrame):
            raise InvalidArgument(f"{argument}={real!r} ({type(real).__name__}) is not a pandas DataFrame; pass one.")
        if not len(real):
            raise InvalidArgument(f"{argument} has no rows; the real data needs at least one row to compare against.")
        duplicated = real.columns[real.columns.duplicated()].unique().tolist()
        if duplicated:
            raise InvalidArgument(
                f"{argument} has more than one column named {duplicated[0]!r}; give every column its own name."
            )
        self.real = real
        self._argument = argument
        kinds: dict[str, str] = {}
        overrides = dict(sdtypes or {})
        for name, kind in overrides.items():
            if name not in real.columns:
                raise InvalidArgument(f"sdtypes names column {name!r}, which {argument} does not have; drop it.")
            if kind is not None and kind not in SDTYPES:
                raise InvalidArgument(
                    f"sdtypes[{name!r}]={kind!r} is not an sdtype; use one of {list(SDTYPES)} or None."
                )
        factors = {}
        for name in real.columns:
            if name in overrides:
                kind = overrides[name]
            else:
                kind, codes = sdtype_and_codes(real[name])
                if codes is not None:
                    factors[name] = codes  # (the hash pass that found the sdtype also coded the column)
            if kind is not None:
                kinds[name] = kind
        self._kinds = kinds
        self._real = Prepared(real, kinds, factors=factors)

    def describe(self) -> str:
        return f"the real data ({len(self.real)} rows)"

    def columns(self) -> dict[str, str]:
        return dict(self._kinds)

    def prepare(self, synthetic: pd.DataFrame) -> Prepared:
        """The synthetic frame prepared for this reference's methods."""
        return Prepared(synthetic, self._kinds)

    # -- per column --------------------------------------------------------------------------------------------------

    def ks_complement(self, column: str, synthetic: Prepared) -> float:
        return 1.0 - metrics.ks_statistic(self._real.ks_values(column), synthetic.ks_values(column))

    def tv_complement(self, column: str, synthetic: Prepared) -> float:
        coded = self._discrete(column, synthetic)
        if coded is None:
            lookup = value_lookup(self._real, synthetic, column)
            return metrics.tv_complement_aligned(self._real.count_array(column), synthetic.count_array(column), lookup)
        return metrics.tv_complement_aligned(coded.real_counts, coded.synthetic_counts, coded.lookup)

    def coverage(self, column: str, synthetic: Prepared) -> float:
        if self._kinds[column] in CONTINUOUS:
            return metrics.range_coverage(self._real.value_range(column), synthetic.value_range(column))
        coded = self._discrete(column, synthetic)
        if coded is None:
            lookup = value_lookup(self._real, synthetic, column)
            return metrics.category_coverage(self._real.count_array(column), synthetic.count_array(column), lookup)
        return metrics.category_coverage(coded.real_counts, coded.synthetic_counts, coded.lookup)

    def _discrete(self, column: str, synthetic: Prepared) -> _Coded | None:
        """A discrete column coded on both sides in one hash pass over the rows of both, or None (one side coded).

        ``pandas.factorize`` of the real values followed by the synthetic
        ones numbers the real values first, in their order of appearance
        (the codes the real side alone gets), then the values only the
        synthetic side has, in theirs: the vocabulary :func:`shared_codes`
        builds from two factorisations. Missing values get the last code.
        Both sides' factors are handed to their :class:`Prepared` frames.
        None when either side is coded already (a report over a reference
        kept for several) or the frame is not a plain column.
        """
        import pandas as pd

        key = ("discrete", column, id(self._real))
        if key in synthetic.cache:
            return synthetic.cache[key]  # type: ignore[no-any-return]
        coded = None
        if not self._real.has_factor(column) and not synthetic.has_factor(column):
            real = _plain(self.real[column])
            syn = _plain(synthetic.frame[column])
            if real.dtype != syn.dtype:
                real, syn = real.astype(object), syn.astype(object)
            pooled = np.concatenate([real, syn])
            uniques: Any
            if pooled.dtype == np.bool_:  # (two values, nothing missing: code 1 for the one unlike the first row's)
                codes = (pooled != pooled[0]).astype(np.int64)
                uniques = [bool(pooled[0]), not pooled[0]] if codes.any() else [bool(pooled[0])]
            else:
                found, uniques = pd.factorize(pooled, use_na_sentinel=True)
                codes = np.asarray(found, dtype=np.int64)
            values = pd.Index(np.asarray(uniques, dtype=object), dtype=object)
            n = len(real)
            real_codes, syn_codes = codes[:n], codes[n:]
            known = int(real_codes.max()) + 1  # (the real values are codes 0 .. known - 1)
            self._real.set_factor(column, real_codes, values[:known])
            synthetic.set_factor(column, syn_codes, values)
            lookup = np.arange(len(values))
            lookup[known:] = -1
            coded = _Coded(
                real_counts=np.bincount(real_codes + 1, minlength=known + 1)[1:],  # (bin 0: missing)
                synthetic_counts=np.bincount(syn_codes + 1, minlength=len(values) + 1)[1:],
                lookup=lookup,
                missing=len(values),
            )
        synthetic.cache[key] = coded
        return coded

    def missing_rate(self, column: str) -> float:
        return self._real.missing_rate(column)

    def value_range(self, column: str) -> tuple[float, float] | None:
        return self._real.value_range(column)

    @property
    def real_rows(self) -> int:
        """How many real rows the scores compare with."""
        return len(self.real)

    def real_table(self, a: str, b: str) -> np.ndarray:
        """The real joint counts of columns ``a`` and ``b`` on the contingency codes (for the noise floors)."""
        coded = []
        for column in (a, b):
            if self._kinds[column] in CONTINUOUS:
                codes = self._real.bins(column)
                coded.append((codes, BIN_CODES))
            else:
                found, uniques = self._real.factor(column)
                coded.append((np.where(found >= 0, found, len(uniques)), len(uniques) + 1))
        (ca, wa), (cb, wb) = coded
        return np.bincount(ca * wb + cb, minlength=wa * wb).astype(np.float64)

    def resampled(self, metric: str, columns: tuple[str, ...], m: int) -> tuple[float, float, float] | None:
        """The mean and variance of a check's deficit over resamples of ``m`` of the real rows (``noise.py``):
        for a contingency table of a discrete and a continuous column, a correlation and a range coverage; None
        for the others."""
        from . import noise

        if int(m) > noise.RESAMPLED_ROWS or len(self.real) > noise.RESAMPLED_ROWS:
            return None  # (the formulas' floor alone: see noise.RESAMPLED_ROWS)
        if metric == "CorrelationSimilarity":
            a, b = (self._real.numeric(c).astype(np.float64) for c in columns)
            return noise.correlation_resampled(a, b, m)
        if metric == "RangeCoverage":
            return noise.range_resampled(self._real.numeric(columns[0]).astype(np.float64), m)
        if metric != "ContingencySimilarity":
            return None
        continuous = [c for c in columns if self._kinds[c] in CONTINUOUS]
        if len(continuous) != 1:
            return None
        (other,) = [c for c in columns if c != continuous[0]]
        found, uniques = self._real.factor(other)
        codes, width = np.where(found >= 0, found, len(uniques)), len(uniques) + 1
        values = self._real.numeric(continuous[0]).astype(np.float64)
        real = np.bincount(codes * BIN_CODES + self._real.bins(continuous[0]), minlength=width * BIN_CODES)
        return noise.contingency_resampled(codes, width, values, real.astype(np.float64), m)

    #: what :meth:`on_real_bins` cuts both sides on, for messages
    shared_bins = "the real bins"

    def on_real_bins(self, a: str, b: str, synthetic: Prepared) -> tuple[float, np.ndarray] | None:
        """ContingencySimilarity of a discrete and a continuous column with both sides binned on the real side's
        edges (SDMetrics' ContingencySimilarity metric: ``numpy.histogram_bin_edges`` of the real values, the end
        edges open), and the real joint counts on those bins; None for another kind of pair.

        The report's score bins each side on its own edges (the QualityReport's rule), so one synthetic value
        past the real extremes moves every edge and re-bins every value: a near-perfect sample then scores low.
        """
        continuous = [c for c in (a, b) if self._kinds[c] in CONTINUOUS]
        if len(continuous) != 1:
            return None
        (other,) = [c for c in (a, b) if c != continuous[0]]
        real_values = self._real.numeric(continuous[0]).astype(np.float64)
        present = real_values[~np.isnan(real_values)]
        if not len(present):
            return None
        edges = np.histogram_bin_edges(present, bins=BIN_CODES - 2)
        edges[0], edges[-1] = -np.inf, np.inf
        real_bins = np.digitize(real_values, edges)  # (1..10; NaN: 11)
        syn_bins = np.digitize(synthetic.numeric(continuous[0]).astype(np.float64), edges)
        real_codes, syn_codes, width = self._codes(other, synthetic)
        real = metrics.joint_counts(real_codes, real_bins, (width, BIN_CODES))
        syn = metrics.joint_counts(syn_codes, syn_bins, (width, BIN_CODES))
        return 1.0 - metrics.contingency_tvd(real, syn), real.ravel().astype(np.float64)

    def frequencies(self, column: str) -> pd.Series:
        counts = self._real.counts(column)
        counts = counts[counts > 0]
        return counts / counts.sum()

    def cdf(self, column: str, points: np.ndarray) -> np.ndarray:
        values, running = self._real.distinct(column)
        if not len(values):
            return np.zeros(len(points))
        return np.concatenate([[0], running])[np.searchsorted(values, points, side="right")] / running[-1]

    # -- per pair ----------------------------------------------------------------------------------------------------

    def correlation(self, a: str, b: str) -> float:
        return self._real.correlation(a, b)

    def correlation_similarity(self, a: str, b: str, synthetic: Prepared) -> PairScore:
        real = self.correlation(a, b)
        syn = synthetic.correlation(a, b)
        return PairScore("CorrelationSimilarity", 1.0 - abs(real - syn) / 2.0, real, syn)

    def contingency_similarity(self, a: str, b: str, synthetic: Prepared) -> PairScore:
        key = ("contingency", id(self._real))
        if key not in synthetic.cache:
            synthetic.cache[key] = self._contingency_scores(synthetic)
        scores = synthetic.cache[key]
        if (a, b) in scores:
            return scores[(a, b)]  # type: ignore[no-any-return]
        # (a pair in the other order, or with a column the synthetic frame's kinds leave out)
        (real_a, syn_a, width_a), (real_b, syn_b, width_b) = self._codes(a, synthetic), self._codes(b, synthetic)
        if metrics.sparse_pair(width_a, width_b):
            score, v = metrics.contingency_scores_sparse((real_a, real_b), (syn_a, syn_b), width_b)
            return PairScore("ContingencySimilarity", score, v)
        real = metrics.joint_counts(real_a, real_b, (width_a, width_b))
        syn = metrics.joint_counts(syn_a, syn_b, (width_a, width_b))
        return PairScore("ContingencySimilarity", 1.0 - metrics.contingency_tvd(real, syn), metrics.cramers_v(real))

    def _codes(self, column: str, synthetic: Prepared) -> tuple[np.ndarray, np.ndarray, int]:
        """A column's contingency codes on the real and the synthetic side, and how many codes there are."""
        if self._kinds[column] in CONTINUOUS:
            return self._real.bins(column), synthetic.bins(column), BIN_CODES
        coded = self._discrete(column, synthetic)
        if coded is not None:
            real_codes, syn_codes = self._real.factor(column)[0], synthetic.factor(column)[0]
            missing = coded.missing
            return (
                np.where(real_codes >= 0, real_codes, missing),
                np.where(syn_codes >= 0, syn_codes, missing),
                missing + 1,
            )
        key = ("shared_codes", column, id(self._real))
        if key not in synthetic.cache:
            synthetic.cache[key] = shared_codes(self._real, synthetic, column)
        real, syn = synthetic.cache[key]
        unseen = int((value_lookup(self._real, synthetic, column) < 0).sum())
        return real, syn, int(self._real.factor(column)[1].size) + unseen + 1

    def _contingency_scores(self, synthetic: Prepared) -> dict[tuple[str, str], PairScore]:
        """ContingencySimilarity of every pair of compared columns that is not two continuous ones.

        All at once (:func:`~pytest_synthdata._fidelity.metrics.joint_tables`,
        :func:`~pytest_synthdata._fidelity.metrics.contingency_scores`), keyed
        in the order of the synthetic frame's kinds, as the report asks.
        """
        names = [c for c in synthetic.kinds if c in self._kinds]
        pairs = [
            (i, j)
            for i, a in enumerate(names)
            for j in range(i + 1, len(names))
            if not (self._kinds[a] in CONTINUOUS and self._kinds[names[j]] in CONTINUOUS)
        ]
        if not pairs:
            return {}
        coded = [self._codes(c, synthetic) for c in names]
        widths = [w for _, _, w in coded]
        wide = [(i, j) for i, j in pairs if metrics.sparse_pair(widths[i], widths[j])]
        pairs = [p for p in pairs if p not in set(wide)]  # (the rest: whole tables, counted together)
        real = metrics.joint_tables([r for r, _, _ in coded], widths, pairs)
        syn = metrics.joint_tables([s for _, s, _ in coded], widths, pairs)
        found = metrics.contingency_scores(
            [real[p] for p in pairs], [syn[p] for p in pairs], len(self._real), len(synthetic)
        )
        found += [
            metrics.contingency_scores_sparse((coded[i][0], coded[j][0]), (coded[i][1], coded[j][1]), widths[j])
            for i, j in wide
        ]
        return {
            (names[i], names[j]): PairScore("ContingencySimilarity", score, v)
            for (i, j), (score, v) in zip(pairs + wide, found, strict=True)
        }
