"""Fixes from the sixteenth session's new-user reviews: fidelity assertions and reports."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import pytest_synthdata as sd
from pytest_synthdata.errors import FidelityError


def test_copied_rows_are_shown_by_their_plain_index_labels():
    real = pd.DataFrame({"a": np.arange(50), "b": np.arange(50) * 2.0})
    with pytest.raises(FidelityError) as failure:
        sd.assert_no_copies(real, real.iloc[[7, 3, 9]])
    assert "first copied rows at index [7, 3, 9];" in str(failure.value)
    assert "np.int64" not in str(failure.value)
