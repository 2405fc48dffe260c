"""Conformance checks for Model implementations (fitting backends, third-party models).

A backend passes when :func:`check_model` returns without raising::

    from pytest_synthdata.testing import check_model
    check_model(sd.fit(df, backend="my-backend"))

It checks the protocol every feature relies on: an identifier ``name``,
``columns`` and ``dtypes`` that match what ``sample`` returns, exactly ``n``
rows for any ``n`` (0 included), the same rows for the same seed, the seed
recorded in ``df.attrs["synthdata"]``, and a clear error for a bad ``n``.
"""

from __future__ import annotations

from typing import Any

from ._validate import check_name
from .errors import InvalidArgument

__all__ = ["check_model"]


def check_model(model: Any, *, rows: int = 50, seed: int = 12345) -> None:
    """Raise AssertionError naming the first way ``model`` breaks the Model protocol."""
    import pandas as pd

    name = getattr(model, "name", None)
    try:
        check_name(name, argument=f"{type(model).__name__}.name")
    except InvalidArgument as exc:
        raise AssertionError(str(exc)) from None
    columns = list(model.columns)
    assert columns and all(isinstance(c, str) for c in columns), f"columns must be non-empty strings: {columns!r}"
    frame = model.sample(rows, seed=seed)
    assert isinstance(frame, pd.DataFrame), f"sample() returned {type(frame).__name__}, not a DataFrame"
    assert len(frame) == rows, f"sample({rows}) returned {len(frame)} rows"
    assert list(frame.columns) == columns, f"sample() columns {list(frame.columns)} differ from {columns}"
    assert isinstance(frame.index, pd.RangeIndex) and frame.index.start == 0, "sample() must return a 0..n-1 index"
    dtypes = dict(model.dtypes)
    sampled = frame.dtypes.astype(str).to_dict()
    assert dtypes == sampled, f"dtypes {dtypes} differ from the sampled {sampled}"
    again = model.sample(rows, seed=seed)
    pd.testing.assert_frame_equal(frame, again, obj=f"{name}: the same seed must give the same rows")
    other = model.sample(rows, seed=seed + 1)
    assert not frame.equals(other), "a different seed gave the same rows"
    assert frame.attrs.get("synthdata", {}).get("seed") == seed, "the seed must be recorded in df.attrs['synthdata']"
    empty = model.sample(0, seed=seed)
    assert len(empty) == 0 and list(empty.columns) == columns, "sample(0) must return no rows and every column"
    for bad in (-1, 1.5, "3"):
        try:
            model.sample(bad, seed=seed)
        except InvalidArgument:
            continue
        raise AssertionError(f"sample({bad!r}) must raise InvalidArgument")
