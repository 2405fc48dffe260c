"""FrameReference: the exact :class:`~pytest_synthdata._fidelity.reference.Reference`, over real rows."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from ..errors import InvalidArgument
from . import metrics
from .reference import CONTINUOUS, SDTYPES, PairScore, bin_codes, numeric_values, sdtype_of

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["FrameReference"]


class FrameReference:
    """Scores synthetic data against real rows, with SDMetrics 0.32's QualityReport definitions.

    ``sdtypes`` overrides the sdtype inferred from a column's dtype
    (``{"zip": "categorical"}``); a column mapped to None is not scored.

    >>> import pandas as pd
    >>> ref = FrameReference(pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0]}))
    >>> ref.ks_complement("x", pd.Series([1.0, 2.0, 3.0, 9.0]))
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
        for name in real.columns:
            kind = overrides[name] if name in overrides else sdtype_of(real[name])
            if kind is not None:
                kinds[str(name)] = kind
        self._kinds = kinds

    def describe(self) -> str:
        return f"the real data ({len(self.real)} rows)"

    def columns(self) -> dict[str, str]:
        return dict(self._kinds)

    # -- per column --------------------------------------------------------------------------------------------------

    @cached_property
    def _numeric(self) -> dict[str, np.ndarray]:
        return {c: numeric_values(self.real[c]) for c, k in self._kinds.items() if k in CONTINUOUS}

    @cached_property
    def _sorted(self) -> dict[str, np.ndarray]:
        return {c: metrics.sorted_values(v) for c, v in self._numeric.items()}

    def ks_complement(self, column: str, synthetic: pd.Series) -> float:
        real = self._sorted[column]
        syn = metrics.sorted_values(numeric_values(synthetic))
        return 1.0 - metrics.ks_statistic(real, syn)

    def _counts(self, column: str) -> pd.Series:
        return self.real[column].value_counts(dropna=True, sort=False)

    def tv_complement(self, column: str, synthetic: pd.Series) -> float:
        return metrics.tv_complement_counts(self._counts(column), synthetic.value_counts(dropna=True, sort=False))

    def missing_rate(self, column: str) -> float:
        return float(self.real[column].isna().mean())

    def value_range(self, column: str) -> tuple[float, float] | None:
        values = self._sorted[column]
        return (values[0], values[-1]) if len(values) else None

    def frequencies(self, column: str) -> pd.Series:
        counts = self._counts(column)
        counts = counts[counts > 0]
        return counts / counts.sum()

    def cdf(self, column: str, points: np.ndarray) -> np.ndarray:
        values = self._sorted[column]
        return np.searchsorted(values, points, side="right") / max(len(values), 1)

    # -- per pair ----------------------------------------------------------------------------------------------------

    @cached_property
    def _pearson(self) -> dict[str, dict[str, float]]:
        return metrics.pearson_all(self._numeric)

    def correlation(self, a: str, b: str) -> float:
        return self._pearson[a][b]

    def correlation_similarity(self, a: str, b: str, synthetic: pd.DataFrame) -> PairScore:
        real = self.correlation(a, b)
        view = self._view(synthetic)
        syn = view.correlation(a, b)
        score = 1.0 - abs(real - syn) / 2.0
        return PairScore("CorrelationSimilarity", score, real, syn)

    @cached_property
    def _bins(self) -> dict[str, np.ndarray]:
        return {c: bin_codes(v) for c, v in self._numeric.items()}

    def _view(self, synthetic: pd.DataFrame) -> _Synthetic:
        # every pair of one report passes the same frame: convert each synthetic column once, not once per pair
        if self._last is None or self._last.frame is not synthetic:
            self._last = _Synthetic(synthetic, self.real, self._kinds)
        return self._last

    _last: _Synthetic | None = None

    def contingency_similarity(self, a: str, b: str, synthetic: pd.DataFrame) -> PairScore:
        view = self._view(synthetic)
        real_codes, syn_codes = [], []
        for col in (a, b):
            if self._kinds[col] in CONTINUOUS:
                real_codes.append(self._bins[col])
                syn_codes.append(view.bins(col))
            else:
                r, s = view.codes(col)
                real_codes.append(r)
                syn_codes.append(s)
        shape = (
            int(max(real_codes[0].max(initial=0), syn_codes[0].max(initial=0))) + 1,
            int(max(real_codes[1].max(initial=0), syn_codes[1].max(initial=0))) + 1,
        )
        real = metrics.joint_counts(real_codes[0], real_codes[1], shape)
        syn = metrics.joint_counts(syn_codes[0], syn_codes[1], shape)
        return PairScore("ContingencySimilarity", 1.0 - metrics.contingency_tvd(real, syn), metrics.cramers_v(real))


class _Synthetic:
    """One synthetic frame's columns as the pair metrics need them, each converted once."""

    def __init__(self, frame: pd.DataFrame, real: pd.DataFrame, kinds: dict[str, str]) -> None:
        self.frame = frame
        self._real = real
        self._kinds = kinds
        self._numeric: dict[str, np.ndarray] = {}
        self._bins: dict[str, np.ndarray] = {}
        self._codes: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._pearson: dict[str, dict[str, float]] | None = None

    def correlation(self, a: str, b: str) -> float:
        if self._pearson is None:
            # all continuous columns of the frame that the report compares, converted once
            continuous = [c for c, k in self._kinds.items() if k in CONTINUOUS and c in self.frame.columns]
            self._pearson = metrics.pearson_all({c: self.numeric(c) for c in continuous})
        if a in self._pearson and b in self._pearson[a]:
            return self._pearson[a][b]
        return _pair_pearson(self.numeric(a), self.numeric(b))

    def numeric(self, col: str) -> np.ndarray:
        if col not in self._numeric:
            self._numeric[col] = numeric_values(self.frame[col])
        return self._numeric[col]

    def bins(self, col: str) -> np.ndarray:
        if col not in self._bins:
            self._bins[col] = bin_codes(self.numeric(col))
        return self._bins[col]

    def codes(self, col: str) -> tuple[np.ndarray, np.ndarray]:
        if col not in self._codes:
            self._codes[col] = _shared_codes(self._real[col], self.frame[col])
        return self._codes[col]


def _pair_pearson(x: np.ndarray, y: np.ndarray) -> float:
    """Pearson's r on the rows where both are present (NaN when either column is constant)."""
    x = x.astype(np.float64, copy=False)
    y = y.astype(np.float64, copy=False)
    keep = ~(np.isnan(x) | np.isnan(y))
    if not keep.all():
        x, y = x[keep], y[keep]
    return metrics.pearson(x, y)


def _shared_codes(real: pd.Series, synthetic: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes of two columns over one vocabulary, missing values one code of their own."""
    import pandas as pd

    pooled = pd.concat([real.astype("object"), synthetic.astype("object")], ignore_index=True)
    codes, _ = pd.factorize(pooled, use_na_sentinel=False)
    return codes[: len(real)], codes[len(real) :]
