"""The sample's last step: a DataFrame from its finished columns, without pandas' per-column checks.

``pd.DataFrame(dict_of_arrays, copy=False)`` sanitises every column (type
inference, shape and index checks), then builds one block per column: about
0.15 ms for ten columns with cold caches, a sixth of a small table's whole
sample. The columns here are already final (one array each, of its final
dtype, on the frame's own index), so :func:`frame_from_columns` hands them to
pandas as blocks: through pandas 3's public ``pandas.api.internals``
``create_dataframe_from_blocks``, or on pandas 2 through the same steps with
the block maker pandas 2 offers downstream libraries
(``pandas.core.internals.api.make_block``). Both give the frame
``pd.DataFrame(dict, copy=False)`` gives: one block per column, the arrays
themselves, no copy.

Only columns that need no inference take that way: numpy arrays of booleans,
integers or floats (and objects where pandas keeps them as objects), and
Series on the frame's own index (their arrays: categories, dates, nullable
numbers, strings). Anything else, a pandas whose internals differ, or a
first frame built both ways that does not match sends the frame (every
frame, for the last two) through ``pd.DataFrame``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["frame_from_columns", "objects_stay_objects"]

_PANDAS_MAJOR = int(pd.__version__.split(".")[0])

#: dtypes a numpy column may have to skip pandas' inference (pandas keeps them as they are)
_PLAIN = frozenset(
    np.dtype(t) for t in ("bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64")
) | frozenset(np.dtype(t) for t in ("float32", "float64"))
_OBJECT = np.dtype(object)

#: columns Indexes of recent frames, by their names (at most ``_COLUMNS_KEPT``; see :func:`_columns`)
_COLUMNS: dict[tuple[Any, ...], pd.Index] = {}
_COLUMNS_KEPT = 256

#: the block builder: None until first used, then a callable or False (pd.DataFrame for every frame)
_builder: Callable[[Sequence[Any], pd.Index, pd.RangeIndex], pd.DataFrame] | bool | None = None


def frame_from_columns(names: Sequence[str], values: Sequence[Any], index: pd.RangeIndex) -> pd.DataFrame:
    """Return ``pd.DataFrame(dict(zip(names, values)), index=index, copy=False)``, built from blocks when it can be.

    ``names`` are distinct; ``values`` are 1-D arrays or Series of ``len(index)`` values each.
    """
    build = _builder if _builder is not None else _choose_builder()
    if build is not False and names:
        blocks = _blocks(values, index)
        if blocks is not None:
            return build(blocks, _columns(names), index)  # type: ignore[operator]
    return pd.DataFrame(dict(zip(names, values, strict=True)), index=index, copy=False)


def _columns(names: Sequence[str]) -> pd.Index:
    """A new columns Index of ``names`` (pd.DataFrame's: inferred from the names), from a copy of a cached one.

    Inferring an Index's dtype costs as much as the rest of the frame; a shallow copy shares the cached one's
    values (immutable) but not its name, which a caller may set.
    """
    # (pandas 2's string inference option sets the Index's dtype: part of the key)
    key = (_PANDAS_MAJOR < 3 and bool(pd.get_option("future.infer_string")), *names)
    cached = _COLUMNS.get(key)
    if cached is None:
        if len(_COLUMNS) >= _COLUMNS_KEPT:
            _COLUMNS.clear()
        cached = _COLUMNS[key] = pd.Index(list(names))
    return cached.copy()


def objects_stay_objects() -> bool:
    """Whether ``pd.DataFrame`` keeps a numpy object array as objects (pandas 2 without string inference)."""
    return _PANDAS_MAJOR < 3 and not pd.get_option("future.infer_string")


def _blocks(values: Sequence[Any], index: pd.RangeIndex) -> list[Any] | None:
    """Each column as a block's values (a (1, rows) numpy view or a 1-D extension array), or None if one of
    them needs ``pd.DataFrame``'s inference."""
    rows = len(index)
    objects = None
    out: list[Any] = []
    for v in values:
        if isinstance(v, pd.Series):
            if v.index is not index:
                return None
            array = v.array
            if type(array) is pd.arrays.NumpyExtensionArray:  # (not its subclass StringArray)
                v = array.to_numpy()
                if v.dtype not in _PLAIN and v.dtype != _OBJECT:  # (a Series of objects stays objects)
                    return None
                out.append(v.reshape(1, -1))
            else:
                out.append(array)
            continue
        if type(v) is not np.ndarray or v.ndim != 1 or len(v) != rows:
            return None
        if v.dtype not in _PLAIN:
            if v.dtype != _OBJECT:
                return None
            if objects is None:
                objects = objects_stay_objects()
            if not objects:
                return None
        out.append(v.reshape(1, -1))
    return out


def _choose_builder() -> Any:
    """Find this pandas' block builder and check it once against ``pd.DataFrame``; remember the outcome."""
    global _builder
    build: Any = False
    try:
        build = _pandas3_builder() if _PANDAS_MAJOR >= 3 else _pandas2_builder()
        if not _same_as_pandas(build):
            build = False
    except Exception:  # (any change in pandas' internals: the public constructor for every frame)
        build = False
    _builder = build
    return build


def _pandas3_builder() -> Any:
    from pandas.api.internals import create_dataframe_from_blocks

    def build(blocks: Sequence[Any], columns: pd.Index, index: pd.RangeIndex) -> pd.DataFrame:
        return create_dataframe_from_blocks(
            [(b, np.array([j])) for j, b in enumerate(blocks)], index=index, columns=columns
        )

    return build


def _pandas2_builder() -> Any:
    from pandas._libs.internals import BlockPlacement
    from pandas.api.extensions import ExtensionDtype
    from pandas.core.internals import BlockManager
    from pandas.core.internals.api import make_block  # (the block maker pandas 2 offers downstream libraries)
    from pandas.core.internals.blocks import new_block_2d

    def block(values: Any, at: int) -> Any:
        place = BlockPlacement(slice(at, at + 1))
        if isinstance(values, np.ndarray):
            return new_block_2d(values, place)
        # what pandas 3's _make_block does: extension arrays that a block holds in 2-D take that shape
        dtype = values.dtype
        two_d = isinstance(dtype, ExtensionDtype) and getattr(dtype, "_supports_2d", False)
        if two_d or isinstance(values, (pd.arrays.DatetimeArray, pd.arrays.TimedeltaArray)):
            values = values.reshape(1, -1)
        return make_block(values, place, ndim=2)

    def build(blocks: Sequence[Any], columns: pd.Index, index: pd.RangeIndex) -> pd.DataFrame:
        made = tuple(block(b, j) for j, b in enumerate(blocks))
        manager = BlockManager(made, [columns, index], verify_integrity=False)
        return pd.DataFrame._from_mgr(manager, axes=manager.axes)  # type: ignore[attr-defined,no-any-return]

    return build


def _same_as_pandas(build: Any) -> bool:
    """Whether ``build`` gives what ``pd.DataFrame`` does for a small frame of every kind of column it takes."""
    index = pd.RangeIndex(3, 6)
    values: list[Any] = [
        np.array([True, False, True]),
        np.array([1, -2, 3], dtype=np.int64),
        np.array([7, 8, 9], dtype=np.uint8),
        np.array([0.5, np.nan, -1.0]),
        np.array([1.5, 2.5, np.nan], dtype=np.float32),
    ]
    if objects_stay_objects():
        values.append(np.array(["a", None, 3], dtype=object))
    values += [
        pd.Series(pd.Categorical(["p", "q", None]), index=index),
        pd.Series(pd.to_datetime(["2020-01-01", "NaT", "2021-06-30"]), index=index),
        pd.Series(pd.to_datetime(["2020-01-01", "NaT", "2021-06-30"]).tz_localize("UTC"), index=index),
        pd.Series(pd.to_timedelta(["1D", "NaT", "3h"]), index=index),
        pd.Series([1, None, 3], index=index, dtype="Int64"),
        pd.Series([True, None, False], index=index, dtype="boolean"),
        pd.Series([0.5, None, 2.0], index=index, dtype="Float64"),
        pd.Series(["o", 1, None], index=index, dtype=object),
        pd.Series([1.5, 2.5, 3.5], index=index),
    ]
    if _PANDAS_MAJOR >= 3 or not objects_stay_objects():
        values.append(pd.Series(["x", None, "z"], index=index, dtype="str"))
    names = [f"c{j}" for j in range(len(values))]
    blocks = _blocks(values, index)
    if blocks is None or len(blocks) != len(values):
        return False
    fast = build(blocks, pd.Index(names), index)
    slow = pd.DataFrame(dict(zip(names, values, strict=True)), index=index, copy=False)
    return (
        fast.columns.equals(slow.columns)
        and fast.columns.dtype == slow.columns.dtype
        and fast.index.equals(slow.index)
        and list(fast.dtypes) == list(slow.dtypes)
        and fast.equals(slow)
        and fast.shape == slow.shape
    )
