"""Review 14: the audit's canary and date columns, model file names pytest loads, and real CSVs read as fit reads them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import pytest_synthdata as sd
from pytest_synthdata import _audit
from pytest_synthdata._audit import AuditReport
from pytest_synthdata._registry import model_file_problem, suggested_file
from pytest_synthdata.cli import _read_real, main


def _with_dates(n: int = 200, seed: int = 1) -> pd.DataFrame:
    """Amounts, a plan and ISO dates as a CSV holds them (text)."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "amount": np.round(rng.gamma(2.0, 40.0, n), 2),
            "plan": rng.choice(["free", "pro", "team"], n),
            "day": (pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 700, n), unit="D")).strftime(
                "%Y-%m-%d"
            ),
        }
    )


def _with_zones(n: int = 200, seed: int = 2) -> pd.DataFrame:
    """Ages, a plan and timestamps written with a UTC offset (``2019-01-15 16:40:37+00:00``)."""
    rng = np.random.default_rng(seed)
    ts = pd.Timestamp("2019-01-01", tz="UTC") + pd.to_timedelta(rng.integers(0, 10**7, n), unit="s")
    return pd.DataFrame({"age": rng.integers(18, 90, n), "plan": rng.choice(["a", "b"], n), "ts": ts.astype(str)})


# 1. the canary and date columns -------------------------------------------------------------------------------


def test_audit_real_passes_the_canary_on_a_model_with_a_date_column(tmp_path, capsys):
    csv = tmp_path / "withdate.csv"
    _with_dates().to_csv(csv, index=False)
    model = tmp_path / "withdate.synth.json"
    assert main(["fit", str(csv), "-o", str(model)]) == 0
    capsys.readouterr()
    assert main(["audit", str(model), "--real", str(csv), "--splits", "2"]) == 0
    out = capsys.readouterr().out
    canaries = [line for line in out.splitlines() if "[canary]" in line]
    assert len(canaries) == 2 and all("neither the planted category nor the value" in line for line in canaries)
    assert out.rstrip().endswith("PASSED")


def test_a_canary_value_in_the_planted_column_is_still_caught_next_to_a_date_column():
    df = _with_dates()
    df["day"] = pd.to_datetime(df["day"])
    report = AuditReport("withdate")
    # min_count=1 stores the exact extremes: the planted value is the amount column's upper bound
    _audit._canary(report, df, np.random.default_rng(0), copies=1, rows=1_000, settings={"min_count": 1})
    (finding,) = report.findings
    assert finding.fails
    assert "planted in 'amount' is in the file (column 'amount')" in finding.message
    assert "column 'day'" not in finding.message


def test_the_canary_is_looked_for_where_it_could_leak():
    baseline = {
        "columns": [
            {"name": "amount", "bounds": [1.0, 100.0], "params": {"values": [1.0, 50.0, 100.0]}},
            {"name": "day", "type": "datetime", "unit_ns": 86_400_000_000_000, "bounds": [18_200.0, 18_990.0]},
            {"name": "copy", "params": {"values": [1.0, 99.0]}},
        ],
        "profile": {"rows": 200, "columns": {"amount": {"quantiles": [10.0, 90.0]}}},
    }
    halfway = (100.0 + 1_000.0) / 2
    # the same fit with the canary: the dates and the row count move a little, nothing leaks
    quiet = {
        "columns": [
            {"name": "amount", "bounds": [1.0, 101.0], "params": {"values": [1.0, 50.0, 101.0]}},
            {"name": "day", "type": "datetime", "unit_ns": 86_400_000_000_000, "bounds": [18_200.0, 18_991.0]},
            {"name": "copy", "params": {"values": [1.0, 99.0]}},
        ],
        "profile": {"rows": 201, "columns": {"amount": {"quantiles": [10.0, 90.0]}}},
    }
    assert _audit._canary_numbers(quiet, baseline, "amount", halfway) == []
    # the canary in the planted column's spec, in its profile, or copied into another column: each is found
    in_spec = {**quiet, "columns": [{**quiet["columns"][0], "bounds": [1.0, 1_000.0]}, *quiet["columns"][1:]]}
    assert _audit._canary_numbers(in_spec, baseline, "amount", halfway) == ["column 'amount'"]
    in_profile = {**quiet, "profile": {"rows": 201, "columns": {"amount": {"quantiles": [10.0, 990.0]}}}}
    assert _audit._canary_numbers(in_profile, baseline, "amount", halfway) == ["column 'amount'"]
    copied = {**quiet, "columns": [*quiet["columns"][:2], {"name": "copy", "params": {"values": [1.0, 1_000.0]}}]}
    assert _audit._canary_numbers(copied, baseline, "amount", halfway) == ["column 'copy'"]
    # a bound the fit without the canary stores too (declared public) is no leak
    public = {**baseline, "columns": [{**baseline["columns"][0], "bounds": [0.0, 5_000.0]}, *baseline["columns"][1:]]}
    assert _audit._canary_numbers(public, public, "amount", halfway) == []


def test_a_small_planted_column_is_not_failed_for_the_row_count_the_file_stores():
    """Amounts below 1: the old check found the profile's row count (200) above the planted value (about 4)."""
    df = _with_dates()
    df["day"] = pd.to_datetime(df["day"])
    df["amount"] = df["amount"] / 1_000
    report = AuditReport("small")
    _audit._canary(report, df, np.random.default_rng(0), copies=3, rows=1_000)
    (finding,) = report.findings
    assert not finding.fails, finding.message


# 2. model file names ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("file", "loads"),
    [
        ("customers.synth.json", True),
        ("2024_sales.synth.json", True),
        ("class.synth.json", True),
        ("café.synth.json", True),
        ("my-customers.synth.json", False),
        ("my customers.synth.json", False),
        (".synth.json", False),
    ],
)
def test_a_model_file_loads_when_its_fixture_name_is_a_python_name(file, loads):
    assert (model_file_problem(f"tests/synthdata/{file}") == "") is loads


def test_the_suggested_file_name_loads():
    suggested = suggested_file("tests/synthdata/my-customers.synth.json")
    assert suggested.replace("\\", "/") == "tests/synthdata/my_customers.synth.json"
    assert model_file_problem(suggested) == ""


@pytest.fixture(scope="module")
def model_text(tmp_path_factory) -> str:
    path = sd.fit(_with_dates(300), name="sales").save(tmp_path_factory.mktemp("m") / "sales.synth.json")
    return path.read_text()


def _place(pytester, text: str, name: str) -> None:
    folder = pytester.path / "tests" / "synthdata"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text)


def test_files_named_with_a_leading_digit_or_a_keyword_are_fixtures(pytester, model_text):
    _place(pytester, model_text, "2024_sales.synth.json")
    _place(pytester, model_text, "class.synth.json")
    pytester.makeini("[pytest]\nsynthdata_rows = 20\n")
    pytester.makepyfile(
        """
        def test_uses(synth_2024_sales, synth_class_factory):
            assert len(synth_2024_sales) == 20
            assert len(synth_class_factory(7)) == 7
        """
    )
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=1)


def test_a_misnamed_file_is_left_out_with_a_warning_and_other_tests_run(pytester, model_text):
    _place(pytester, model_text, "my-customers.synth.json")
    pytester.makepyfile(
        """
        def test_other():
            pass

        def test_uses(synth_my_customers):
            pass
        """
    )
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=1, errors=1, warnings=1)
    result.stdout.fnmatch_lines(
        [
            "*PytestConfigWarning: model file '*my-customers.synth.json' is left out: its fixture would be "
            "'synth_my-customers', which is not a Python name*rename it to my_customers.synth.json.",
        ]
    )
    # the test asking for the fixture the file name suggests is told why it is missing
    result.stdout.fnmatch_lines(["*synthdata*", "*my-customers.synth.json' is left out*rename it to my_customers*"])


def test_fit_refuses_an_output_name_pytest_would_not_load(tmp_path, capsys):
    csv = tmp_path / "customers.csv"
    _with_dates().to_csv(csv, index=False)
    out = tmp_path / "synthdata" / "my-customers.synth.json"
    out.parent.mkdir()
    assert main(["fit", str(csv), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "pytest would not load this model file: its fixture would be 'synth_my-customers'" in err
    assert f"Name it e.g. -o {out.parent / 'my_customers.synth.json'}." in err
    assert not out.exists()


def test_fit_writes_a_file_named_with_a_leading_digit_given_a_dataset_name(tmp_path, capsys):
    csv = tmp_path / "sales.csv"
    _with_dates().to_csv(csv, index=False)
    out = tmp_path / "2024_sales.synth.json"
    assert main(["fit", str(csv), "-o", str(out)]) == 2  # a dataset name cannot start with a digit
    err = capsys.readouterr().err
    assert "loads as the pytest fixture synth_2024_sales" in err and "--name data_2024_sales" in err
    assert main(["fit", str(csv), "-o", str(out), "--name", "sales"]) == 0
    assert "(pytest names its fixture after the file: synth_2024_sales)" in capsys.readouterr().out
    assert sd.load(out).name == "sales"


# 3. real CSVs read as fit reads them ---------------------------------------------------------------------------


def test_report_reads_a_csv_with_utc_offsets_as_fit_did(tmp_path, capsys):
    csv = tmp_path / "customers.csv"
    _with_zones().to_csv(csv, index=False)
    model = tmp_path / "m.synth.json"
    assert main(["fit", str(csv), "-o", str(model)]) == 0
    capsys.readouterr()
    assert main(["report", str(model), str(csv)]) == 0
    out = capsys.readouterr().out
    assert "against the real data (200 rows)" in out
    assert any(line.split()[:1] == ["ts"] for line in out.splitlines())


def test_the_real_data_gets_the_models_dtypes_and_zones(tmp_path):
    zoned, dated = tmp_path / "zoned.csv", tmp_path / "dated.csv"
    _with_zones().to_csv(zoned, index=False)
    _with_dates().to_csv(dated, index=False)
    for csv in (zoned, dated):
        model = sd.fit(pd.read_csv(csv), name="m")
        real = _read_real(str(csv), model)
        for column, dtype in model.dtypes.items():
            if str(dtype).startswith("datetime64"):
                assert isinstance(real[column].dtype, type(pd.api.types.pandas_dtype(dtype))), column
                assert str(real[column].dt.tz) == str(getattr(pd.api.types.pandas_dtype(dtype), "tz", None))
                assert real[column].notna().all()


def test_audit_real_counts_the_rows_holding_stored_dates(tmp_path, capsys):
    """With min_count=1 the file stores the exact extreme dates: read as dates, one row holds each."""
    csv = tmp_path / "withdate.csv"
    _with_dates().to_csv(csv, index=False)
    model = tmp_path / "exact.synth.json"
    assert main(["fit", str(csv), "-o", str(model), "--min-count", "1"]) == 0
    capsys.readouterr()
    assert main(["audit", str(model), "--real", str(csv), "--splits", "1"]) == 1
    out = capsys.readouterr().out
    assert "[held-by-few] columns.day:" in out
