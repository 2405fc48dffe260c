"""The CLI reads real data as fit did (booleans, numbers as text), refuses duplicate column names, and shows
warnings once as ``synthdata: warning:`` lines with the command line's fix."""

from __future__ import annotations

import importlib.util

import numpy as np
import pandas as pd
import pytest

from pytest_synthdata.cli import main


def _score(out: str, column: str) -> float:
    row = next(line.split() for line in out.splitlines() if line.split()[:1] == [column])
    return float(row[2])


def test_report_reads_a_boolean_column_of_yes_no_text_as_fit_did(tmp_path, capsys):
    plans, spellings = ["p0", "p1", "p2"], ["Yes", "no", "YES", "No"]
    frame = pd.DataFrame({"plan": [plans[i % 3] for i in range(200)], "active": [spellings[i % 4] for i in range(200)]})
    csv, model = tmp_path / "flags.csv", tmp_path / "flags.synth.json"
    frame.to_csv(csv, index=False)
    assert main(["fit", str(csv), "-o", str(model), "--column", "active=boolean"]) == 0
    capsys.readouterr()
    assert main(["report", str(model), str(csv)]) == 0
    assert _score(capsys.readouterr().out, "active") > 0.9  # ("no" is False, as in the fit; not every text True)


def test_report_refuses_a_boolean_column_whose_values_are_not_booleans(tmp_path, capsys):
    frame = pd.DataFrame({"active": ["yes", "no"] * 50})
    csv, model = tmp_path / "flags.csv", tmp_path / "flags.synth.json"
    frame.to_csv(csv, index=False)
    assert main(["fit", str(csv), "-o", str(model), "--column", "active=boolean"]) == 0
    other = tmp_path / "other.csv"
    pd.DataFrame({"active": ["maybe", "perhaps"] * 50}).to_csv(other, index=False)
    capsys.readouterr()
    assert main(["report", str(model), str(other)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "'active'" in err and "other.csv" in err and "maybe" in err


@pytest.mark.skipif(importlib.util.find_spec("pyarrow") is None, reason="needs pyarrow")
def test_report_reads_numbers_stored_as_text_as_fit_did(tmp_path, capsys):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"amount": [f"{v:.2f}" for v in rng.gamma(2.0, 30.0, 300)]})
    data, model = tmp_path / "money.parquet", tmp_path / "money.synth.json"
    frame.to_parquet(data)
    assert main(["fit", str(data), "-o", str(model), "--column", "amount=float"]) == 0
    capsys.readouterr()
    assert main(["report", str(model), str(data)]) == 0
    out = capsys.readouterr().out
    row = next(line.split() for line in out.splitlines() if line.split()[:1] == ["amount"])
    assert row[1] == "KSComplement" and float(row[2]) > 0.8


@pytest.mark.parametrize("sep", [",", ";"])
def test_fit_refuses_a_csv_whose_header_names_a_column_twice(tmp_path, capsys, sep):
    csv = tmp_path / "dup.csv"
    csv.write_text(
        sep.join(["id_a", "score", "score"]) + "\n" + "\n".join(sep.join(["1", "2", "3"]) for _ in range(20))
    )
    assert main(["fit", str(csv), "-o", str(tmp_path / "dup.synth.json")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "'score'" in err and "dup.csv" in err
    assert not (tmp_path / "dup.synth.json").exists()


def test_fit_reads_a_header_with_a_byte_order_mark_and_distinct_names(tmp_path, capsys):
    csv = tmp_path / "bom.csv"
    csv.write_bytes("\ufeffa,b\n".encode() + b"".join(b"%d,%d\n" % (i, i % 3) for i in range(30)))
    assert main(["fit", str(csv), "-o", str(tmp_path / "bom.synth.json")]) == 0


@pytest.fixture
def us_dates(tmp_path):
    """A CSV of month-first dates (which fit models as text, warning) and amounts."""
    rng = np.random.default_rng(1)
    days = pd.Timestamp("1990-01-01") + pd.to_timedelta(np.sort(rng.choice(4000, 200, replace=False)), unit="D")
    frame = pd.DataFrame({"date": days.strftime("%m/%d/%Y"), "amount": rng.gamma(2.0, 30.0, 200).round(2)})
    csv = tmp_path / "econ.csv"
    frame.to_csv(csv, index=False)
    return csv


@pytest.mark.filterwarnings("default")  # (the suite makes warnings errors; a user's Python shows them)
def test_fit_shows_a_warning_once_as_a_synthdata_line_with_the_option_that_fixes_it(us_dates, tmp_path, capsys):
    assert main(["fit", str(us_dates), "-o", str(tmp_path / "econ.synth.json")]) == 0
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("synthdata: warning: column 'date' looks like dates")
    assert "--column 'date=datetime:%m/%d/%Y'" in err and "columns={" not in err
    assert "Warning:" not in err and ".py:" not in err  # (no file, line and source line of the warn call)


@pytest.mark.filterwarnings("default")
def test_audit_real_shows_a_warning_about_a_column_once(us_dates, tmp_path, capsys):
    model = tmp_path / "econ.synth.json"
    assert main(["fit", str(us_dates), "-o", str(model)]) == 0
    capsys.readouterr()
    main(["audit", str(model), "--real", str(us_dates), "--splits", "3"])
    err = capsys.readouterr().err
    assert err.count("synthdata: warning: column 'date'") == 1, err
    assert ".py:" not in err
