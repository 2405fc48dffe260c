"""Regression tests for the fidelity review (defects in pytest_synthdata/_fidelity found after issue 19)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import pytest_synthdata as sd
from pytest_synthdata.errors import FidelityError, InvalidArgument


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    x = rng.normal(size=600)
    return pd.DataFrame(
        {
            "x": x,
            "y": x * 2 + rng.normal(size=600),
            "c": rng.choice(["a", "b", "c"], size=600),
            "d": np.where(x > 0, "hi", "lo"),
        }
    )


# -- 1. drift baselines do not depend on the real frame's column order -----------------------------------------------


def test_a_baseline_reads_the_same_whatever_the_real_frames_column_order(table, tmp_path):
    syn = table.sample(frac=1.0, random_state=1).reset_index(drop=True)
    sd.assert_no_drift(syn, "q", against=table, directory=tmp_path, update=True)
    sd.assert_no_drift(syn, "q", against=table[table.columns[::-1]], directory=tmp_path)


def test_a_baseline_written_with_unsorted_pair_keys_still_reads(table, tmp_path):
    syn = table.sample(frac=1.0, random_state=1).reset_index(drop=True)
    sd.assert_no_drift(syn, "q", against=table, directory=tmp_path, update=True)
    path = tmp_path / "q.baseline.json"
    data = json.loads(path.read_text())
    data["pairs"] = {" | ".join(reversed(k.split(" | "))): v for k, v in data["pairs"].items()}
    path.write_text(json.dumps(data))
    sd.assert_no_drift(syn, "q", against=table, directory=tmp_path)
