"""Fidelity metrics, report and assertions (issue 19, items 1-3 and 7); the SDMetrics comparison is in
test_fidelity_sdmetrics.py."""

from __future__ import annotations

import re
import sys

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import ks_2samp
from tables_for_tests import customers

import pytest_synthdata as sd
from pytest_synthdata._fidelity import metrics
from pytest_synthdata._fidelity.frame import FrameReference
from pytest_synthdata._fidelity.reference import Reference, bin_codes, numeric_values, reference_for, sdtype_of
from pytest_synthdata.errors import FidelityError, InvalidArgument

COLUMNS = ["age", "income", "plan", "churned", "signup", "visits"]


@pytest.fixture(scope="module")
def real() -> pd.DataFrame:
    return customers(3000, seed=1)[COLUMNS]


@pytest.fixture(scope="module")
def synthetic(real: pd.DataFrame) -> pd.DataFrame:
    return sd.fit(real, name="customers").sample(3000, seed=2)


# -- metric definitions ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_ks_complement_is_one_minus_scipys_ks_statistic(seed):
    rng = np.random.default_rng(seed)
    real = pd.DataFrame({"x": np.round(rng.normal(size=300), 1)})
    syn = pd.Series(np.round(rng.normal(0.2, 1.1, size=500), 1))
    expected = 1 - ks_2samp(real["x"], syn).statistic
    ref = FrameReference(real)
    assert ref.ks_complement("x", ref.prepare(pd.DataFrame({"x": syn}))) == pytest.approx(expected, abs=1e-12)


def _ks_sorted(real: np.ndarray, synthetic: np.ndarray) -> float:
    return metrics.ks_from_counts(metrics.distinct_counts(real), metrics.distinct_counts(synthetic))


_samples = st.one_of(
    st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=300).map(np.array),
    st.lists(st.sampled_from([0.0, -0.0, 0.5, 1.0, 1.5, 2.0, 1e-300, 7.25]), min_size=1, max_size=300).map(np.array),
    st.lists(st.integers(-(2**63), 2**63 - 1), min_size=1, max_size=300).map(lambda v: np.array(v, dtype=np.int64)),
    st.lists(st.integers(-3, 40), min_size=1, max_size=300).map(lambda v: np.array(v, dtype=np.int64)),
)


@settings(max_examples=300, deadline=None)
@given(real=_samples, synthetic=_samples, repeat=st.integers(1, 30))
def test_the_ks_statistic_from_buckets_is_the_sorted_ones_bit_for_bit(real, synthetic, repeat):
    """Buckets sort only where the gap can be: the same float as comparing both whole ECDFs (ties, -0.0, extremes)."""
    synthetic = np.tile(synthetic, repeat)  # (repeats: buckets holding a single value, and samples of many values)
    if real.dtype != synthetic.dtype:
        synthetic = synthetic.astype(real.dtype) if real.dtype.kind == "f" else synthetic.round().astype(np.int64)
    expected = _ks_sorted(real, synthetic)  # (rounds the floats itself)
    real, synthetic = metrics.ks_values(real), metrics.ks_values(synthetic)
    found = metrics.ks_by_buckets(real, synthetic)
    assert found is None or found == expected
    assert metrics.ks_statistic(real, synthetic) == expected


@pytest.mark.parametrize(("seed", "scale", "decimals"), [(0, 1.0, 3), (1, 1e-9, 14), (2, 1e9, 0), (3, 1e16, None)])
def test_the_ks_statistic_of_large_mostly_distinct_samples_is_the_sorted_one_and_scipys(seed, scale, decimals):
    rng = np.random.default_rng(seed)
    real = rng.normal(size=20_000) * scale
    synthetic = rng.normal(0.02, 1.05, size=20_003) * scale
    if decimals is None:  # datetimes: int64 nanoseconds, some of them in both samples
        real, synthetic = (x.astype(np.int64) + 1_600_000_000 * 10**9 for x in (real, synthetic))
        synthetic[:500] = real[:500]
    else:
        real, synthetic = np.round(real, decimals), np.round(synthetic, decimals)
    expected = _ks_sorted(real, synthetic)
    real, synthetic = metrics.ks_values(real), metrics.ks_values(synthetic)
    assert metrics.ks_by_buckets(real, synthetic) == expected
    assert metrics.ks_statistic(real, synthetic) == expected == pytest.approx(ks_2samp(real, synthetic).statistic)


def test_tv_complement_counts_values_only_the_synthetic_side_has():
    real = pd.DataFrame({"c": ["a"] * 6 + ["b"] * 4})
    syn = pd.Series(["a"] * 5 + ["c"] * 5)
    # |0.5 - 0.6| + |0 - 0.4| + |0.5 - ~0| = 1.0, halved
    ref = FrameReference(real)
    assert ref.tv_complement("c", ref.prepare(pd.DataFrame({"c": syn}))) == pytest.approx(0.5, abs=1e-6)


def test_nans_are_dropped_for_shapes_and_a_category_of_their_own_for_pairs():
    real = pd.DataFrame({"c": ["a", "b", None, "a"], "d": ["x", "y", "x", None]})
    ref = FrameReference(real)
    syn = ref.prepare(pd.DataFrame({"c": ["a", "a", "a", None, None], "d": ["x"] * 5}))
    assert ref.tv_complement("c", syn) == pytest.approx(1 - 0.5 * (1 / 3 + 1 / 3))
    same = ref.contingency_similarity("c", "d", ref.prepare(real))
    assert same.score == 1.0
    moved = ref.contingency_similarity("c", "d", ref.prepare(real.fillna("z")))
    assert moved.score == pytest.approx(0.5)


def test_correlation_similarity_drops_rows_with_a_missing_value_in_either_column():
    real = pd.DataFrame({"x": [1.0, 2.0, 3.0, np.nan, 5.0], "y": [2.0, 4.0, 6.0, 1.0, np.nan]})
    ref = FrameReference(real)
    pair = ref.correlation_similarity("x", "y", ref.prepare(real.assign(y=[6.0, 4.0, 2.0, 0.0, -2.0])))
    assert (pair.real, pair.synthetic, pair.score) == (pytest.approx(1.0), pytest.approx(-1.0), pytest.approx(0.0))


def test_a_constant_column_has_no_correlation_score():
    real = pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": [5.0, 5.0, 5.0]})
    ref = FrameReference(real)
    assert np.isnan(ref.correlation_similarity("x", "y", ref.prepare(real)).score)


def test_continuous_columns_are_binned_on_their_own_histogram_edges_top_edge_and_nan_in_bin_11():
    codes = bin_codes(np.array([0.0, 1.0, 5.0, 10.0, np.nan]))
    assert codes.tolist() == [1, 2, 6, 11, 11]


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.lists(st.floats(-1e300, 1e300) | st.just(np.nan), min_size=1, max_size=200).map(np.array),
        st.lists(st.sampled_from([0.1, 0.2, 0.3, 1e-9, np.nan, 7.0]), min_size=1, max_size=200).map(np.array),
        st.lists(st.floats(1e9, 1e9 + 1e-6), min_size=1, max_size=200).map(np.array),  # bins a few ulps wide
        st.lists(st.sampled_from([0.0, 3e-315, 1e-310, 2e-310]), min_size=1, max_size=50).map(np.array),
        st.lists(st.integers(-(2**63), 2**63 - 1), min_size=1, max_size=200).map(lambda v: np.array(v, dtype=np.int64)),
    )
)
def test_bin_codes_are_numpy_digitize_on_the_histogram_edges(values):
    finite = values[~np.isnan(values)] if values.dtype.kind == "f" else values
    try:
        edges = np.histogram_bin_edges(finite, bins=10)
    except ValueError:  # (numpy cannot cut a huge constant into 10 bins)
        return
    assert bin_codes(values).tolist() == np.digitize(values, bins=edges).tolist()


@settings(max_examples=150, deadline=None)
@given(data=st.data(), widths=st.lists(st.integers(1, 40), min_size=1, max_size=8), rows=st.integers(1, 2000))
def test_joint_tables_are_the_contingency_table_of_each_pair(data, widths, rows):
    """Blocks of columns counted together give every asked pair's table, as counting the pair alone does."""
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    codes = [rng.integers(0, w, rows) for w in widths]
    everything = [(i, j) for i in range(len(widths)) for j in range(len(widths)) if i != j]
    pairs = data.draw(st.lists(st.sampled_from(everything), unique=True)) if everything else []
    for few_cells in (0, 10**9):  # blocks, and every pair side by side
        tables = metrics.joint_tables(codes, widths, pairs, few_cells=few_cells)
        assert set(tables) == {(min(p), max(p)) for p in pairs}
        for (i, j), table in tables.items():
            expected = metrics.joint_counts(codes[i], codes[j], (widths[i], widths[j]))
            assert table.dtype == expected.dtype and table.flags.c_contiguous
            assert table.tolist() == expected.tolist()


@settings(max_examples=150, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    shapes=st.lists(st.tuples(st.integers(1, 14), st.integers(1, 14)), min_size=1, max_size=10),
    rows=st.tuples(st.integers(1, 400), st.integers(1, 400)),
)
def test_contingency_scores_of_many_tables_are_each_tables_own_bit_for_bit(seed, shapes, rows):
    rng = np.random.default_rng(seed)
    real, syn = [], []
    for (h, w), sparse in zip(shapes, rng.integers(1, 4, len(shapes)), strict=True):
        a, b = rng.integers(0, max(1, h // sparse), rows[0]), rng.integers(0, w, rows[0])  # (some empty rows)
        real.append(metrics.joint_counts(a, b, (h, w)))
        syn.append(metrics.joint_counts(rng.integers(0, h, rows[1]), rng.integers(0, w, rows[1]), (h, w)))
    found = metrics.contingency_scores(real, syn, rows[0], rows[1])
    for (score, v), r, s in zip(found, real, syn, strict=True):
        assert score == 1.0 - metrics.contingency_tvd(r, s)
        expected = metrics.cramers_v(r)
        assert v == expected or (np.isnan(v) and np.isnan(expected))


def test_datetimes_become_integer_nanoseconds_whatever_their_unit():
    s = pd.Series(pd.to_datetime(["2020-01-01", "2021-06-01"])).astype("datetime64[s]")
    values = numeric_values(s)
    assert values.dtype == np.int64
    assert values[1] - values[0] == (pd.Timestamp("2021-06-01") - pd.Timestamp("2020-01-01")).value


@pytest.mark.parametrize(
    ("values", "kind"),
    [
        ([1, 2], "numerical"),
        ([1.5, None], "numerical"),
        (["a", "b"], "categorical"),
        ([True, False], "boolean"),
        ([True, None], "boolean"),
        (pd.to_datetime(["2020-01-01"]), "datetime"),
        ([None, None], None),
    ],
)
def test_sdtypes_follow_the_dtype(values, kind):
    assert sdtype_of(pd.Series(values)) == kind


def test_frame_reference_implements_the_reference_protocol(real):
    assert isinstance(FrameReference(real), Reference)
    assert reference_for(real).exact


# -- the report --------------------------------------------------------------------------------------------------------


def test_identical_data_scores_one(real):
    report = sd.fidelity_report(real, real.copy())
    assert report.score == 1.0
    assert (report.columns["score"] == 1.0).all()
    assert (report.columns["coverage"] == 1.0).all()


def test_report_has_a_row_per_column_and_per_pair(real, synthetic):
    report = sd.fidelity_report(real, synthetic)
    assert report.columns["column"].tolist() == COLUMNS
    assert len(report.pairs) == len(COLUMNS) * (len(COLUMNS) - 1) // 2
    assert set(report.pairs["metric"]) == {"CorrelationSimilarity", "ContingencySimilarity"}
    frame = report.to_frame()
    assert set(frame["property"]) == {"Column Shapes", "Column Pair Trends", "Missing Values", "Coverage"}
    assert 0.85 < report.score <= 1.0
    assert "against the real data (3000 rows)" in str(report)


def test_column_pair_trends_average_only_pairs_with_a_real_correlation_or_association(real, synthetic):
    report = sd.fidelity_report(real, synthetic)
    counted = report.pairs[report.pairs["contributes"]]
    assert 0 < len(counted) < len(report.pairs)
    assert report.column_pair_trends == pytest.approx(counted["score"].mean())
    assert report.score == pytest.approx((report.column_shapes + report.column_pair_trends) / 2)


def test_report_is_deterministic(real, synthetic):
    a, b = sd.fidelity_report(real, synthetic), sd.fidelity_report(real, synthetic)
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())


def test_column_names_need_not_be_text(tmp_path):
    real = pd.DataFrame({0: [1.0, 2.0, 3.0], 1: ["a", "b", "a"], 2: [3.0, 1.0, 2.0]})
    report = sd.fidelity_report(real, real.copy())
    assert report.score == 1.0
    pytest.importorskip("matplotlib")
    assert report.to_html(tmp_path / "r.html").read_text().count('<figure class="column">') == 3


def test_columns_restricts_the_comparison(real, synthetic):
    report = sd.fidelity_report(real, synthetic[["age", "plan"]], columns=["age", "plan"])
    assert report.columns["column"].tolist() == ["age", "plan"]
    assert len(report.pairs) == 1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"synthetic": [1, 2]}, "synthetic=[1, 2] (list) is not a pandas DataFrame"),
        ({"synthetic": pd.DataFrame({"age": [1]})}, "synthetic has no column 'income' (and 4 more)"),
        ({"columns": ["nope"]}, "columns names 'nope'"),
        (
            {
                "synthetic": pd.DataFrame(
                    {
                        "age": ["x"],
                        "income": [1.0],
                        "plan": ["a"],
                        "churned": [True],
                        "signup": [pd.Timestamp(0)],
                        "visits": [1],
                    }
                )
            },
            "column 'age' is numerical in the real data (3000 rows) but synthetic['age'] has dtype",
        ),
        (
            {
                "synthetic": pd.DataFrame(
                    {
                        "age": [1],
                        "income": [1.0],
                        "plan": ["a"],
                        "churned": [True],
                        "signup": ["2020-01-01"],
                        "visits": [1],
                    }
                )
            },
            "column 'signup' is datetime in the real data (3000 rows) but synthetic['signup'] has dtype",
        ),
        ({"columns": "age"}, "must be a list of column names"),
        ({"real_or_model": {"age": [1]}}, "is not real data"),
        ({"real_or_model": pd.DataFrame({"a": []})}, "has no rows"),
        ({"real_or_model": pd.DataFrame([[1, 2]], columns=["a", "a"])}, "more than one column named 'a'"),
        (
            {"synthetic": pd.DataFrame([[1] * 7], columns=[*COLUMNS, "age"])},
            "synthetic has more than one column named 'age'",
        ),
    ],
)
def test_bad_report_arguments_say_what_to_do(real, synthetic, kwargs, message):
    args = {"real_or_model": real, "synthetic": synthetic} | kwargs
    with pytest.raises(InvalidArgument, match=re.escape(message)):
        sd.fidelity_report(args.pop("real_or_model"), args.pop("synthetic"), **args)


def test_a_model_as_the_real_side_scores_against_its_profile(real, synthetic):
    model = sd.fit(real, name="customers")
    report = sd.fidelity_report(model, synthetic)
    assert not report.exact and "profile stored in model 'customers'" in report.reference


# -- assertions on broken generators -------------------------------------------------------------------------------------


def test_a_good_generator_passes_every_assertion(real, synthetic):
    sd.assert_fidelity(real, synthetic)
    sd.assert_marginals_close(real, synthetic)
    sd.assert_correlations_close(real, synthetic)


def test_a_shifted_column_fails_and_is_named(real, synthetic):
    broken = synthetic.assign(age=synthetic["age"] + 15)
    with pytest.raises(FidelityError) as info:
        sd.assert_fidelity(real, broken)
    lines = str(info.value).splitlines()
    assert lines[1].startswith("  column 'age': KSComplement 0.")
    assert "relax with tolerances={'age': 0." in lines[1]
    assert [f.where for f in info.value.failures] == ["column 'age'"]


def test_a_removed_correlation_fails_and_names_the_pair(real, synthetic):
    rng = np.random.default_rng(0)
    broken = synthetic.assign(income=rng.permutation(synthetic["income"].to_numpy()))
    with pytest.raises(FidelityError, match=r"pair \('age', 'income'\): CorrelationSimilarity 0\.\d+ < 0\.850"):
        sd.assert_correlations_close(real, broken)
    with pytest.raises(FidelityError, match=r"pair \('age', 'income'\)"):
        sd.assert_fidelity(real, broken)


def test_a_dropped_category_fails_and_names_the_column(real, synthetic):
    broken = synthetic.assign(plan=synthetic["plan"].replace({"free": "pro"}))
    with pytest.raises(FidelityError, match=r"column 'plan': TVComplement 0\.\d+ < 0\.750"):
        sd.assert_marginals_close(real, broken)


def test_a_changed_missing_rate_fails(real, synthetic):
    broken = synthetic.assign(income=synthetic["income"].where(synthetic.index % 3 > 0))
    with pytest.raises(FidelityError, match=r"column 'income': MissingValueSimilarity .* \(missing: real"):
        sd.assert_marginals_close(real, broken)


def test_failures_are_listed_worst_first(real, synthetic):
    broken = synthetic.assign(age=synthetic["age"] + 15, visits=synthetic["visits"] + 1)
    with pytest.raises(FidelityError) as info:
        sd.assert_marginals_close(real, broken)
    shortfalls = [f.shortfall for f in info.value.failures]
    assert shortfalls == sorted(shortfalls, reverse=True)
    assert info.value.failures[0].where == "column 'age'"


def test_tolerances_relax_one_column_pair_or_metric(real, synthetic):
    broken = synthetic.assign(age=synthetic["age"] + 15)
    score = sd.fidelity_report(real, broken).columns.set_index("column").loc["age", "score"]
    sd.assert_marginals_close(real, broken, tolerances={"age": float(score) - 0.01})
    sd.assert_marginals_close(real, broken, tolerances={"KSComplement": float(score) - 0.01})
    with pytest.raises(FidelityError, match="age"):
        sd.assert_marginals_close(real, broken, tolerances={"TVComplement": 0.0})


def test_an_explicit_pair_is_checked_even_when_its_real_correlation_is_weak():
    rng = np.random.default_rng(0)
    x = rng.normal(size=2000)
    real = pd.DataFrame({"x": x, "y": 0.3 * x + rng.normal(size=2000)})
    syn = pd.DataFrame({"x": x, "y": -0.9 * x + 0.3 * rng.normal(size=2000)})
    sd.assert_correlations_close(real, syn)  # |r| = 0.29 does not count in SDMetrics' trends
    with pytest.raises(FidelityError, match=r"pair \('x', 'y'\): CorrelationSimilarity .*Pearson r: real 0\.2"):
        sd.assert_correlations_close(real, syn, pairs=[("x", "y")])


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda r, s: sd.assert_fidelity(r, s, min_score=1.5), "min_score=1.5 must be a score from 0 to 1"),
        (lambda r, s: sd.assert_fidelity(r, s, min_score=True), "min_score=True must be a score"),
        (lambda r, s: sd.assert_fidelity(r, s, tolerances=[0.5]), "tolerances=[0.5] must be a dict"),
        (lambda r, s: sd.assert_fidelity(r, s, tolerances={"agee": 0.5}), "tolerances names 'agee'"),
        (lambda r, s: sd.assert_fidelity(r, s, tolerances={1: 0.5}), "tolerances has key 1"),
        (lambda r, s: sd.assert_fidelity(r, s, tolerances={"age": "x"}), "tolerances['age']='x' must be a score"),
        (lambda r, s: sd.assert_correlations_close(r, s, pairs=["age"]), "pairs=['age'] must be a list of"),
        (lambda r, s: sd.assert_correlations_close(r, s, pairs=[("age", "x")]), "columns names 'x'"),
        (lambda r, s: sd.assert_no_copies(r, s, max_copy_rate=-1), "max_copy_rate=-1 must be a score"),
        (lambda r, s: sd.assert_no_copies(r, s, columns=["zz"]), "real has no column 'zz'"),
        (lambda r, s: sd.assert_no_copies(r, "s"), "synthetic='s' (str) is not a pandas DataFrame"),
    ],
)
def test_bad_assertion_arguments_are_errors_not_failures(real, synthetic, call, message):
    with pytest.raises(InvalidArgument, match=re.escape(message)):
        call(real, synthetic)


# -- exact copies ------------------------------------------------------------------------------------------------------


def test_assert_no_copies_finds_copied_rows_across_dtypes(real, synthetic):
    synthetic = synthetic.dropna().reset_index(drop=True)
    assert sd.assert_no_copies(real, synthetic, columns=["age", "income", "signup"]) == 0.0
    leaked = pd.concat([synthetic.iloc[:95], real.iloc[:5].astype({"age": "float64"})], ignore_index=True)
    with pytest.raises(FidelityError, match=r"5 of 100 synthetic rows \(5\.00%\) equal a real row .* index \[95, 96"):
        sd.assert_no_copies(real, leaked)
    assert sd.assert_no_copies(real, leaked, max_copy_rate=0.05) == 0.05


def test_assert_no_copies_allows_what_a_holdout_also_matches():
    real = pd.DataFrame({"a": [True, False] * 50, "b": ["x", "y", "z", "w"] * 25})
    holdout = real.copy()
    syn = real.sample(40, random_state=0)
    with pytest.raises(FidelityError):
        sd.assert_no_copies(real, syn)
    assert sd.assert_no_copies(real, syn, holdout=holdout) == 1.0


# -- pytest shows a failure, not an error ----------------------------------------------------------------------------------


def test_a_failed_fidelity_assertion_is_a_test_failure_with_the_diff(pytester):
    pytester.makepyfile(
        """
        import pandas as pd
        import pytest_synthdata as sd

        def test_shifted():
            real = pd.DataFrame({"x": [float(i) for i in range(100)], "c": ["a", "b"] * 50})
            sd.assert_fidelity(real, real.assign(x=real.x + 60))
        """
    )
    result = pytester.runpytest_inprocess("-p", "no:randomly")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*FidelityError: fidelity of 100 synthetic rows against the real data (100 rows): * failed, worst first:",
            "*column 'x': KSComplement 0.400 < 0.750 (noise floor 0.731); relax with tolerances={'x': 0.4}",
        ]
    )


# -- the HTML page ---------------------------------------------------------------------------------------------------------


def test_html_report_has_one_figure_per_column_and_is_self_contained(real, synthetic, tmp_path):
    pytest.importorskip("matplotlib")
    path = sd.fidelity_report(real, synthetic).to_html(tmp_path / "report.html")
    page = path.read_text(encoding="utf-8")
    assert page.count('<figure class="column">') == len(COLUMNS)
    assert page.count('src="data:image/png;base64,') == len(COLUMNS) + 1  # and the heatmaps
    assert not re.search(r"(src|href)=\"(https?:|//)", page)


def test_html_report_without_matplotlib_says_what_to_install(real, synthetic, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match=re.escape("pip install pytest-synthdata[report]")):
        sd.fidelity_report(real, synthetic).to_html(tmp_path / "report.html")


# -- detection, utility, privacy -----------------------------------------------------------------------------------------


def test_detection_tells_a_shifted_column_apart_and_is_seeded(real, synthetic):
    pytest.importorskip("sklearn")
    real, synthetic = real.iloc[:600], synthetic.iloc[:600]
    good = sd.fidelity_report(real, synthetic, detection=True, seed=3).detection
    again = sd.fidelity_report(real, synthetic, detection=True, seed=3).detection
    bad = sd.fidelity_report(real, synthetic.assign(age=synthetic["age"] + 30), detection=True, seed=3).detection
    assert good == again
    assert bad is not None and good is not None
    assert bad.auc > 0.85 and bad.score < 0.3
    assert good.score > bad.score + 0.3


def test_utility_trains_on_synthetic_and_tests_on_real(real, synthetic):
    pytest.importorskip("sklearn")
    real, synthetic = real.iloc[:1000], synthetic.iloc[:500]
    report = sd.fidelity_report(real, synthetic, target="plan", seed=1)
    assert report.utility is not None
    assert report.utility.metric == "accuracy"
    assert 0.0 <= report.utility.score <= 1.0
    assert report.utility.trtr > 0.5


def test_privacy_against_a_holdout(real, synthetic):
    train, holdout = real.iloc[:1500], real.iloc[1500:]
    report = sd.fidelity_report(train, synthetic, holdout=holdout)
    assert report.privacy is not None
    assert report.privacy.copy_rate < 0.05
    leaked = sd.fidelity_report(train, train.iloc[:500], holdout=holdout).privacy
    assert leaked is not None
    assert leaked.copy_rate == 1.0 and leaked.dcr_share > 0.9


def test_detection_without_scikit_learn_says_what_to_install(real, synthetic, monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)
    with pytest.raises(ImportError, match=re.escape("pip install pytest-synthdata[fidelity]")):
        sd.fidelity_report(real, synthetic, detection=True)


def test_a_non_frame_is_named_in_one_line():
    """A dict of frames put its frames' repr (tens of lines) into the one-line error."""
    from pytest_synthdata.errors import InvalidArgument

    frames = {"a": pd.DataFrame({"x": range(50)}), "b": pd.DataFrame({"y": range(3)})}
    with pytest.raises(InvalidArgument) as caught:
        sd.fidelity_report(pd.DataFrame({"x": [1.0, 2.0]}), frames)
    assert "\n" not in str(caught.value)
    assert "synthetic={2 entries: 'a', 'b' -> DataFrame} (dict) is not a pandas DataFrame" in str(caught.value)
    with pytest.raises(InvalidArgument, match=r"synthetic=<list: \[0, 1, 2"):
        sd.fidelity_report(pd.DataFrame({"x": [1.0, 2.0]}), list(range(100)))
