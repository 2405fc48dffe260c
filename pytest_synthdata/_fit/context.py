"""FitContext: what every step of a native fit reads and none changes; the defaults of its settings."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
    from numpy.typing import NDArray

__all__ = ["DEFAULT_KNOTS", "DEFAULT_MIN_COUNT", "FitContext"]

#: Values (categories, repeated numbers) seen fewer times than this are not stored.
DEFAULT_MIN_COUNT = 5
#: Most quantile knots kept per numeric column.
DEFAULT_KNOTS = 256


@dataclass(frozen=True)
class FitContext:
    """The frame being fitted and the settings of the fit, shared read-only by its steps."""

    frame: pd.DataFrame
    name: str
    #: ``columns=``: a kind, a declaration or None per column
    overrides: Mapping[str, Any]
    #: values (and rows behind a knot) seen fewer times than this are not stored
    min_count: int
    #: ``public=``, checked: declared bounds (numbers or timestamps) or category lists per column
    public: Mapping[str, Any]
    knots: int
    locale: str
    segments: bool
    #: ``fit(constraints=...)``, checked: order constraints the model must keep
    constraints: tuple[Any, ...]
    #: whether to look for order relations that hold in every row
    detect_constraints: bool
    progress: Callable[[str], None] | None
    #: rows used to estimate correlations, category orders and segments: all, or a fixed random subset of
    #: MAX_CORRELATION_ROWS (the sampling error of a correlation is then about 0.002)
    rows: NDArray[np.int64]

    @cached_property
    def n(self) -> int:
        """The number of rows."""
        return len(self.frame)

    def say(self, message: str) -> None:
        """Report progress, if the caller asked for it."""
        if self.progress is not None:
            self.progress(message)
