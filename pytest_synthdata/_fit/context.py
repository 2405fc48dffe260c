"""FitContext: what every step of a native fit reads and none changes; the defaults of its settings."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
    from numpy.typing import NDArray

    from .._fidelity.profile import Factorization

__all__ = ["DEFAULT_KNOTS", "DEFAULT_MIN_COUNT", "FitContext", "check_frame"]

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
    #: string columns' ``pandas.factorize`` (codes, values) and each value's count as inference made them, for
    #: the profile step to reuse
    factorized: dict[str, Factorization] = field(default_factory=dict)
    #: text columns read as dates, as the fit read them, for the profile step to score as the dates they are
    dates: dict[str, pd.Series] = field(default_factory=dict)

    @cached_property
    def n(self) -> int:
        """The number of rows."""
        return len(self.frame)

    def say(self, message: str) -> None:
        """Report progress, if the caller asked for it."""
        if self.progress is not None:
            self.progress(message)


def check_frame(df: Any, name: str | None, columns: Mapping[str, Any] | None) -> tuple[str, dict[str, Any]]:
    """Check what every fit reads first: a DataFrame with distinct, non-empty string column names, its dataset
    name and the ``columns=`` overrides; return (name, overrides)."""
    import collections

    import pandas as pd

    from .._validate import check_name
    from ..errors import InvalidArgument

    if not isinstance(df, pd.DataFrame):
        raise InvalidArgument(f"fit() needs a pandas DataFrame; got {type(df).__name__}.")
    name = check_name(name if name is not None else df.attrs.get("name", "data"), where="fit()")
    if df.shape[1] == 0:
        raise InvalidArgument("fit() got a DataFrame with no columns; there is nothing to learn.")
    bad_names = [c for c in df.columns if not isinstance(c, str) or not c]
    if bad_names:
        raise InvalidArgument(
            f"fit() needs non-empty string column names; got {bad_names[:5]!r}. Rename them, e.g. "
            "df.columns = [f'col{i}' for i in range(df.shape[1])]."
        )
    if not df.columns.is_unique:  # (kept on the Index: a frame fitted again is not hashed again)
        dupes = sorted(c for c, n in collections.Counter(df.columns).items() if n > 1)
        raise InvalidArgument(
            f"fit() got duplicate column names {dupes}; a model needs one column per name. Rename or drop the copies."
        )
    overrides = dict(columns or {})
    unknown = [c for c in overrides if c not in df.columns]
    if unknown:
        raise InvalidArgument(
            f"columns= names {unknown}, which the DataFrame does not have; it has {list(df.columns)}."
        )
    return name, overrides
