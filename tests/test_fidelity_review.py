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


# -- 4. and 5. bad frames get InvalidArgument, never a bare pandas error ---------------------------------------------


def _twice(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.concat([frame, frame[["x"]]], axis=1)


def test_model_validate_rejects_duplicate_column_names(table):
    model = sd.fit(table, name="t")
    with pytest.raises(InvalidArgument, match="more than one column named 'x'"):
        model.validate(_twice(table))


@pytest.mark.parametrize("side", ["real", "synthetic"])
def test_assert_no_copies_rejects_duplicate_column_names(table, side):
    frames = {"real": table, "synthetic": table.assign(x=table.x + 1)}
    frames[side] = _twice(frames[side])
    with pytest.raises(InvalidArgument, match=f"{side} has more than one column named 'x'"):
        sd.assert_no_copies(frames["real"], frames["synthetic"])


def test_assert_no_copies_refuses_frames_that_share_no_column(table):
    with pytest.raises(InvalidArgument, match=r"share no columns.*columns=\[\.\.\.\]"):
        sd.assert_no_copies(table, table.rename(columns=str.upper))


@pytest.mark.parametrize(
    ("holdout", "message"),
    [
        (lambda t: t.drop(columns="c"), "holdout has no column 'c'"),
        (lambda t: t.iloc[:0], "holdout has no rows"),
        (lambda t: _twice(t), "holdout has more than one column named 'x'"),
    ],
)
def test_fidelity_report_checks_the_holdout(table, holdout, message):
    with pytest.raises(InvalidArgument, match=message):
        sd.fidelity_report(table.iloc[:300], table.iloc[300:], holdout=holdout(table.iloc[:100]))


# -- 7. a synthetic column with no values scores 0, not NaN ----------------------------------------------------------


@pytest.mark.parametrize("column", ["x", "c"])
def test_a_synthetic_column_that_is_all_missing_scores_zero(table, column):
    syn = table.copy()
    syn[column] = np.nan if column == "x" else None
    report = sd.fidelity_report(table, syn)
    row = report.columns.set_index("column").loc[column]
    assert row["score"] == 0.0
    assert row["note"] == "every synthetic value is missing"
    assert report.score < 0.9
    with pytest.raises(
        FidelityError, match=f"column '{column}'.* 0.000 < 0.750 \\(every synthetic value is missing\\)"
    ):
        sd.assert_marginals_close(table, syn)


# -- 3. a lost category (or a collapsed range) fails the marginals -----------------------------------------------------


def test_a_vanished_category_fails_assert_marginals_close_naming_it(table):
    syn = table.assign(c=table.c.replace("b", "a"))
    with pytest.raises(FidelityError, match=r"column 'c': CategoryCoverage 0.667 < 0.800 \(.*missing.*'b'\)"):
        sd.assert_marginals_close(table, syn, tolerances={"c": 0.5})
    sd.assert_marginals_close(table, syn, tolerances={"c": 0.5, "CategoryCoverage": 0.6})


def test_a_vanished_category_fails_against_a_models_profile(table):
    model = sd.fit(table, name="t")
    syn = model.sample(600, seed=1)
    syn["c"] = syn["c"].replace("b", "a")
    with pytest.raises(FidelityError, match=r"column 'c': CategoryCoverage .*'b'"):
        sd.assert_fidelity(model, syn, tolerances={"c": 0.5}, min_score=0.5)


def test_a_collapsed_range_fails(table):
    syn = table.assign(x=table.x.clip(-0.1, 0.1))
    with pytest.raises(FidelityError, match=r"column 'x': RangeCoverage 0.0\d\d < 0.250 \(real range"):
        sd.assert_marginals_close(table, syn, tolerances={"x": 0.0})


# -- 9. assert_no_copies hashes codes, not reprs ---------------------------------------------------------------------


def test_assert_no_copies_finds_copies_whatever_the_category_dtype():
    real = pd.DataFrame({"size": pd.Categorical([1, 2, 3]), "c": pd.Series(["a", "b", "c"], dtype="category")})
    # the same values held as numpy scalars in object columns (their reprs differ: np.int64(1) is not 1)
    syn = pd.DataFrame(
        {"size": np.array([np.int64(1), np.int64(5)], dtype=object), "c": np.array([np.str_("a"), "b"], dtype=object)}
    )
    with pytest.raises(FidelityError, match=r"1 of 2 synthetic rows \(50.00%\) equal a real row"):
        sd.assert_no_copies(real, syn)
    holdout = real.iloc[:1]
    assert sd.assert_no_copies(real, syn, holdout=holdout, max_copy_rate=0.0) == 0.5


# -- 8. time zones are not compared silently -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def stamps() -> pd.DataFrame:
    rng = np.random.default_rng(5)
    t = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 10**6, 400), unit="s")
    return pd.DataFrame({"t": t, "c": rng.choice(["a", "b"], 400)})


@pytest.mark.parametrize("aware", ["real", "synthetic"])
def test_a_time_zone_on_one_side_only_is_refused(stamps, aware):
    frames = {"real": stamps, "synthetic": stamps.copy()}
    frames[aware] = frames[aware].assign(t=frames[aware].t.dt.tz_localize("Europe/Berlin"))
    with pytest.raises(InvalidArgument, match=r"column 't': the \w+ timestamps are in time zone Europe/Berlin"):
        sd.fidelity_report(frames["real"], frames["synthetic"])


def test_a_time_zone_mismatch_against_a_models_profile_is_refused(stamps):
    model = sd.fit(stamps.assign(t=stamps.t.dt.tz_localize("UTC")), name="s")
    with pytest.raises(InvalidArgument, match=r"column 't'.*time zone UTC"):
        sd.fidelity_report(model, stamps)


def test_schema_validate_refuses_a_time_zone_the_schema_does_not_declare(stamps):
    schema = sd.Schema("s", {"t": sd.Datetime(low="2024-01-01", high="2024-02-01")})
    schema.validate(stamps[["t"]])
    with pytest.raises(FidelityError, match=r"t: 400 of 400 rows .*expected timestamps without a time zone"):
        schema.validate(stamps[["t"]].assign(t=stamps.t.dt.tz_localize("UTC")))


# -- 2. columns numpy cannot bin get a score or a clear error, never numpy's ValueError -------------------------------


def test_a_constant_datetime_column_pairs_with_a_category():
    real = pd.DataFrame({"t": [pd.Timestamp("2024-01-01")] * 60, "c": ["a", "b", "c"] * 20})
    syn = real.assign(t=real.t + pd.to_timedelta(np.arange(60) % 2, unit="D"))
    assert sd.fidelity_report(real, real.copy()).score == 1.0
    pair = sd.fidelity_report(real, syn).pairs.iloc[0]
    assert 0.0 <= pair["score"] < 1.0


@pytest.mark.parametrize("side", ["real", "synthetic"])
@pytest.mark.parametrize("value", [np.inf, -np.inf])
def test_an_infinite_value_is_refused_naming_the_column(table, side, value):
    frames = {"real": table, "synthetic": table.copy()}
    frames[side] = frames[side].assign(y=frames[side].y.where(frames[side].index != 3, value))
    with pytest.raises(InvalidArgument, match="column 'y' holds infinite values"):
        sd.assert_fidelity(frames["real"], frames["synthetic"], min_score=0.0)


# -- 10. drift is measured on fixed-seed samples of the recorded size ------------------------------------------------

PEOPLE_CONFTEST = """
import pytest_synthdata as sd
sd.register(sd.Schema("people", {"age": sd.Integer(low=18, high=90), "plan": sd.Category(["a", "b"])}))
"""
PER_RUN_TESTS = """
import pytest, pytest_synthdata as sd

def test_fixture(synth_people):
    sd.assert_no_drift(synth_people, baseline="a", update=True)

def test_factory(synth_people_factory):
    sd.assert_no_drift(synth_people_factory(100), baseline="b", update=True)

@pytest.mark.synthdata(seed=3)
def test_marked(synth_people):
    sd.assert_no_drift(synth_people, baseline="c", update=True)

def test_factory_seeded(synth_people_factory):
    sd.assert_no_drift(synth_people_factory(100, seed=1), baseline="d", update=True)
"""


def test_assert_no_drift_refuses_a_fixture_frame_drawn_with_the_runs_seed(pytester):
    pytester.makeconftest(PEOPLE_CONFTEST)
    pytester.makepyfile(test_drift=PER_RUN_TESTS)
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=2, failed=2)
    result.stdout.fnmatch_lines(["*FAILED*test_fixture*", "*FAILED*test_factory - *"])
    result.stdout.fnmatch_lines(["*sampled with this test run's seed*Draw it with a fixed seed*"])
    pytester.runpytest("-p", "no:randomly", "--synthdata-seed=5").assert_outcomes(passed=4)


def test_assert_no_drift_refuses_a_sample_of_another_size(tmp_path):
    people = sd.Schema("people", {"age": sd.Integer(low=18, high=90)})
    sd.assert_no_drift(people.sample(500, seed=1), "p", against=people, directory=tmp_path, update=True)
    with pytest.raises(InvalidArgument, match="recorded from 500 synthetic rows but this frame has 100"):
        sd.assert_no_drift(people.sample(100, seed=1), "p", against=people, directory=tmp_path)


# -- 6. generated and id-like columns are left out of real-frame comparisons ------------------------------------------


@pytest.fixture(scope="module")
def with_ids(table) -> pd.DataFrame:
    names = [f"person {i}" for i in range(len(table))]
    return table.assign(id=np.arange(1, len(table) + 1), name=names)


def test_a_models_sample_passes_against_the_real_rows_despite_id_and_name_columns(with_ids):
    model = sd.fit(with_ids, name="people")
    synthetic = model.sample(600, seed=1)
    assert synthetic.attrs["synthdata"]["generated"] == ["id", "name"]
    report = sd.assert_fidelity(with_ids, synthetic)
    assert report.skipped == {"id": "generated by the model", "name": "generated by the model"}
    assert "not scored: 'id' (generated by the model), 'name' (generated by the model)" in report.summary()


def test_id_like_columns_of_plain_frames_are_left_out_and_said_so(with_ids):
    synthetic = with_ids.sample(frac=1.0, random_state=2).assign(
        id=lambda d: np.arange(5000, 5000 + len(d)), name=lambda d: d["name"] + "!"
    )
    report = sd.fidelity_report(with_ids, synthetic)
    assert set(report.columns["column"]) == {"x", "y", "c", "d"}
    assert report.skipped == {
        "id": "real values count up without gaps or repeats: id-like",
        "name": "every real value is distinct: id-like",
    }
    assert report.score == 1.0
    named = sd.fidelity_report(with_ids, synthetic, columns=["x", "id"])
    assert named.skipped == {} and set(named.columns["column"]) == {"x", "id"}


def _id_table(n: int, seed: int = 0) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    return pd.DataFrame({"x": x}), {
        "random ids": rng.choice(10**9, n, replace=False).astype(np.int64),
        "wide random ids": rng.choice(2**62, n, replace=False).astype(np.int64),
        "unsigned ids": rng.choice(10**12, n, replace=False).astype(np.uint64),
        "nullable ids": pd.array(rng.choice(10**9, n, replace=False), dtype="Int64"),
    }


@pytest.mark.parametrize("n", [100, 600, 20_000])
@pytest.mark.parametrize("kind", ["random ids", "wide random ids", "unsigned ids", "nullable ids"])
def test_random_integer_ids_are_id_like(n, kind):
    real, ids = _id_table(n)
    real = real.assign(uid=ids[kind])
    synthetic = real.assign(uid=ids[kind][::-1])
    report = sd.fidelity_report(real, synthetic)
    assert report.skipped == {"uid": "real values are distinct integers spread evenly over a wide range: id-like"}
    assert list(report.columns["column"]) == ["x"]


@pytest.mark.parametrize(
    "values",
    [
        pytest.param(lambda rng, n: np.unique(np.round(np.exp(rng.normal(10, 1.5, 3 * n)) * 100))[:n], id="cents"),
        pytest.param(lambda rng, n: 1_700_000_000 + rng.choice(3 * 10**7, n, replace=False), id="unix-seconds"),
        pytest.param(lambda rng, n: rng.choice(3 * n, n, replace=False), id="dense-distinct"),
        pytest.param(lambda rng, n: rng.choice(10**9, n, replace=False) + 0.5, id="distinct-floats"),
        pytest.param(lambda rng, n: rng.choice(10**9, 99, replace=False)[np.arange(n) % 99], id="repeats"),
    ],
)
def test_distinct_numeric_measurements_are_scored(values):
    rng = np.random.default_rng(4)
    n = 2000
    column = np.asarray(values(rng, n))
    column = column.astype(np.int64) if column.dtype.kind in "iu" or np.all(column == np.round(column)) else column
    real = pd.DataFrame({"x": rng.normal(size=len(column)), "m": column})
    report = sd.fidelity_report(real, real.copy())
    assert report.skipped == {} and "m" in set(report.columns["column"])


def test_fewer_than_a_hundred_random_ids_are_scored():
    """Below 100 values a measurement's shape cannot be told from random ids: only counting up is id-like there."""
    real, ids = _id_table(99)
    report = sd.fidelity_report(real.assign(uid=ids["random ids"]), real.assign(uid=ids["random ids"]))
    assert report.skipped == {}


# -- 7. the HTML page shows what was not scored, and the notes ---------------------------------------------------------


def test_the_html_page_lists_skipped_columns_and_notes(tmp_path):
    pytest.importorskip("matplotlib")
    rng = np.random.default_rng(0)
    real = pd.DataFrame(
        {
            "x": rng.normal(size=300),
            "y": rng.normal(size=300),
            "k": np.ones(300),
            "c": rng.choice(["a", "b"], 300),
            "name": [f"person {i}" for i in range(300)],
        }
    )
    report = sd.fidelity_report(real, real.assign(x=np.nan))
    page = report.to_html(tmp_path / "r.html").read_text()
    assert "<h2>Not scored</h2>" in page and "<b>name</b>: every real value is distinct: id-like" in page
    assert "<h2>Notes</h2>" in page and "<b>x</b>: every synthetic value is missing" in page
    assert 'x: KSComplement 0.000 <span class="note">(every synthetic value is missing)</span>' in page
    assert "no score: a column is constant" in page  # (k is constant: its correlations are undefined)
    assert "not counted in Column Pair Trends" in page


def test_the_html_page_of_a_clean_report_has_no_empty_sections(tmp_path):
    pytest.importorskip("matplotlib")
    rng = np.random.default_rng(1)
    real = pd.DataFrame({"x": rng.normal(size=200), "c": rng.choice(["a", "b"], 200)})
    page = sd.fidelity_report(real, real.copy()).to_html(tmp_path / "r.html").read_text()
    assert "Not scored" not in page and "<h2>Notes</h2>" not in page


# -- 11. the default pair thresholds pass our own fits and fail removed dependence ------------------------------------


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_example_penguins_model_passes_the_default_assertion(seed):
    penguins = pytest.importorskip("palmerpenguins").load_penguins()
    from pathlib import Path

    model = sd.load(Path(__file__).parent.parent / "examples" / "synthdata" / "penguins.synth.json")
    sd.assert_fidelity(penguins, model.sample(2000, seed=seed))


def test_the_default_pair_thresholds_fail_a_pair_whose_dependence_was_removed():
    penguins = pytest.importorskip("palmerpenguins").load_penguins()
    model = sd.fit(penguins, name="penguins")
    synthetic = model.sample(len(penguins), seed=1)
    for column, message in [
        ("flipper_length_mm", r"pair \('bill_length_mm', 'flipper_length_mm'\): CorrelationSimilarity .* < 0.850"),
        ("island", r"pair \('species', 'island'\): ContingencySimilarity .* < 0.650"),
    ]:
        broken = synthetic.assign(**{column: synthetic[column].sample(frac=1, random_state=0).to_numpy()})
        with pytest.raises(FidelityError, match=message):
            sd.assert_correlations_close(penguins, broken)


def test_dates_fitted_from_text_are_scored_as_dates_against_the_profile_and_the_text_frame(tmp_path):
    """A frame read by pd.read_csv holds dates as text; fit parses them, but the stored profile recorded them as
    categories, and a report scored them NaN (against the profile) or ~0 (against the text frame)."""
    import io

    rng = np.random.default_rng(0)
    n = 400
    day = pd.Timestamp("2022-01-01") + pd.to_timedelta(rng.integers(0, 700, n), unit="D")
    at = pd.Timestamp("2022-01-01", tz="UTC") + pd.to_timedelta(rng.integers(0, 10**7, n), unit="s")
    frame = pd.DataFrame({"signup": day.strftime("%Y-%m-%d"), "ts": at.strftime("%Y-%m-%d %H:%M:%S+00:00")})
    real = pd.read_csv(io.StringIO(frame.assign(x=rng.normal(size=n)).to_csv(index=False)))
    model = sd.fit(real, name="c")
    sample = model.sample(n, seed=1)
    for reference in (model, sd.load(model.save(tmp_path / "c.synth.json")), real):
        scored = sd.fidelity_report(reference, sample).columns.set_index("column")
        assert scored.loc[["signup", "ts"], "sdtype"].tolist() == ["datetime", "datetime"]
        assert (scored.loc[["signup", "ts"], "score"] > 0.9).all()
    sd.assert_fidelity(real, sample)
