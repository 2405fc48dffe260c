"""The sample's frame, built from blocks (``_frame.frame_from_columns``): the same frame ``pd.DataFrame`` gives."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pytest_synthdata as sd
from pytest_synthdata import _frame

PANDAS3 = int(pd.__version__.split(".")[0]) >= 3


def _reference(names, values, index):
    return pd.DataFrame(dict(zip(names, values, strict=True)), index=index, copy=False)


def _same(fast: pd.DataFrame, slow: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(fast, slow, check_exact=True)
    assert fast.columns.dtype == slow.columns.dtype
    assert list(fast.dtypes) == list(slow.dtypes)


def test_this_pandas_builds_frames_from_blocks():
    """pandas 2.2+ and 3.x: the block builder passes its check against pd.DataFrame (else every frame is slow)."""
    _frame._choose_builder()
    assert callable(_frame._builder)


_DTYPES = ["bool", "int8", "int32", "int64", "uint8", "uint64", "float32", "float64"]


@settings(max_examples=60, deadline=None)
@given(
    kinds=st.lists(st.sampled_from([*_DTYPES, "object"]), min_size=1, max_size=8),
    rows=st.integers(0, 7),
    start=st.integers(0, 5),
    seed=st.integers(0, 2**32 - 1),
)
def test_blocks_give_what_pd_dataframe_gives(kinds, rows, start, seed):
    rng = np.random.default_rng(seed)
    index = pd.RangeIndex(start, start + rows)
    values = []
    for kind in kinds:
        if kind == "object":
            values.append(np.array([rng.choice(["a", "b", None]) for _ in range(rows)], dtype=object))
        elif kind == "bool":
            values.append(rng.random(rows) < 0.5)
        else:
            values.append((rng.standard_normal(rows) * 50).astype(kind))
    names = [f"col {j}" for j in range(len(kinds))]
    _same(_frame.frame_from_columns(names, values, index), _reference(names, values, index))


def _extension_series(index):
    return [
        pd.Series(pd.Categorical(["p", "q", None]), index=index),
        pd.Series(pd.to_datetime(["2020-01-01", "NaT", "2021-06-30"]), index=index),
        pd.Series(pd.to_datetime(["2020-01-01", "NaT", "2021-06-30"]).tz_localize("Europe/Paris"), index=index),
        pd.Series(pd.to_timedelta(["1D", "NaT", "3h"]), index=index),
        pd.Series([1, None, 3], index=index, dtype="Int64"),
        pd.Series([True, None, False], index=index, dtype="boolean"),
        pd.Series(["o", 1, None], index=index, dtype=object),
        np.array([1.0, 2.0, 3.0]),
    ]


def test_series_of_extension_arrays():
    index = pd.RangeIndex(2, 5)
    values = _extension_series(index)
    if PANDAS3:
        values.append(pd.Series(["x", None, "z"], index=index, dtype="str"))
    names = [f"c{j}" for j in range(len(values))]
    assert _frame._blocks(values, index) is not None
    _same(_frame.frame_from_columns(names, values, index), _reference(names, values, index))


@pytest.mark.skipif(PANDAS3, reason="pandas 2's string inference option")
def test_pandas_2_string_inference(monkeypatch):
    """With future.infer_string, objects are inferred (pd.DataFrame's way) and str Series keep their dtype."""
    with pd.option_context("future.infer_string", True):
        monkeypatch.setattr(_frame, "_builder", None)
        assert callable(_frame._choose_builder())
        index = pd.RangeIndex(0, 3)
        strings = pd.Series(["x", None, "z"], index=index, dtype="str")
        objects = np.array(["a", "b", None], dtype=object)
        assert _frame._blocks([objects], index) is None
        names = ["s", "o", "n"]
        values = [strings, objects, np.arange(3)]
        frame = _frame.frame_from_columns(names, values, index)
        _same(frame, _reference(names, values, index))
        assert frame.columns.dtype == pd.Index(["s"]).dtype


def test_columns_that_need_inference_go_through_pd_dataframe():
    """A Series on another index (aligned), a datetime array, a 2-D array: pd.DataFrame's own rules."""
    index = pd.RangeIndex(0, 3)
    other = pd.Series([1.0, 2.0, 3.0], index=pd.RangeIndex(1, 4))
    for odd in (other, np.array(["2020-01-01", "2020-01-02", "NaT"], dtype="datetime64[ns]"), [1, 2, 3]):
        values = [np.arange(3), odd]
        assert _frame._blocks(values, index) is None
        _same(_frame.frame_from_columns(["a", "b"], values, index), _reference(["a", "b"], values, index))
    if PANDAS3:  # (pandas 3 infers strings from a numpy array of objects)
        assert _frame._blocks([np.array(["a", "b", "c"], dtype=object)], index) is None


def test_a_frames_columns_are_its_own():
    """The columns Index is cached by name: setting one frame's columns' name must not reach the next frame."""
    model = sd.Schema("people", {"age": sd.Integer(low=18, high=90), "score": sd.Float(low=0, high=1)})
    first = model.sample(5, seed=1)
    first.columns.name = "renamed"
    first.loc[:, "age"] = 0
    second = model.sample(5, seed=1)
    assert second.columns.name is None
    assert (second["age"] >= 18).all()
    pd.testing.assert_frame_equal(second, model.sample(5, seed=1))


def test_a_failed_check_falls_back(monkeypatch):
    """A builder that does not match pd.DataFrame (a changed pandas) is never used."""
    monkeypatch.setattr(_frame, "_builder", None)
    monkeypatch.setattr(_frame, "_same_as_pandas", lambda build: False)
    assert _frame._choose_builder() is False
    index = pd.RangeIndex(0, 2)
    frame = _frame.frame_from_columns(["a"], [np.array([1, 2])], index)
    assert frame["a"].tolist() == [1, 2]


def test_a_broken_builder_falls_back(monkeypatch):
    def broken():
        raise ImportError("pandas moved its internals")

    monkeypatch.setattr(_frame, "_builder", None)
    monkeypatch.setattr(_frame, "_pandas3_builder" if PANDAS3 else "_pandas2_builder", broken)
    assert _frame._choose_builder() is False
