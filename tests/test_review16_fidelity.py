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


def test_a_synthetic_column_the_real_data_lacks_is_named_in_skipped():
    rng = np.random.default_rng(0)
    real = pd.DataFrame({"x": rng.normal(size=300), "c": rng.choice(["a", "b"], 300)})
    model = sd.fit(real, name="t")
    sample = model.sample(300, seed=1).assign(leaked_row=np.arange(300), const=3.0)
    for reference in (real, model):
        report = sd.fidelity_report(reference, sample)
        assert report.skipped == {"leaked_row": "only in the synthetic data", "const": "only in the synthetic data"}
        assert "not scored: 'leaked_row' (only in the synthetic data)" in report.summary()
        assert set(report.columns["column"]) == {"x", "c"}


def test_a_pair_failure_against_a_profile_says_its_real_r_is_the_winsorized_one():
    rng = np.random.default_rng(1)
    x = rng.normal(size=600)
    real = pd.DataFrame({"x": x, "y": x + 0.3 * rng.normal(size=600)})
    model = sd.fit(real, name="t")
    broken = model.sample(600, seed=2)
    broken["y"] = broken["y"].sample(frac=1.0, random_state=0).to_numpy()  # (the correlation gone)
    with pytest.raises(FidelityError, match=r"Pearson r: real \(winsorized, as profiled\) 0\.9"):
        sd.assert_correlations_close(model, broken)
    with pytest.raises(FidelityError, match=r"Pearson r: real 0\.9"):
        sd.assert_correlations_close(real, broken)


def test_a_column_drifting_on_two_metrics_is_offered_one_tolerance_that_passes_both(tmp_path):
    import re

    rng = np.random.default_rng(3)
    x = rng.normal(50, 10, 600)
    x[rng.random(600) < 0.3] = np.nan
    real = pd.DataFrame({"x": x, "y": rng.normal(size=600)})
    model = sd.fit(real, name="t")
    good = model.sample(600, seed=1)
    sd.assert_no_drift(good, "t", against=model, directory=tmp_path, update=True)
    drifted = good.assign(x=good["x"].fillna(80.0))  # (no missing value left, and a lump at 80: two metrics fall)
    with pytest.raises(FidelityError) as failure:
        sd.assert_no_drift(drifted, "t", against=model, directory=tmp_path)
    offers = re.findall(r"column 'x': \w+ .*relax with tolerances=\{'x': ([0-9.]+)\}", str(failure.value))
    assert len(offers) == 2 and offers[0] == offers[1], str(failure.value)
    sd.assert_no_drift(drifted, "t", against=model, directory=tmp_path, tolerances={"x": float(offers[0])}, tolerance=1)
