"""``synthdata report`` and ``audit`` read real dates as fit did, and take dataset files; empty real columns show."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import pytest_synthdata as sd
from pytest_synthdata._audit import audit_held
from pytest_synthdata.cli import main
from pytest_synthdata.errors import FidelityError


@pytest.fixture
def day_first(tmp_path):
    """A CSV whose dates are written day first, every day 1 to 12 (so only the declared format says which), and
    the model file ``synthdata fit --column 'signup=datetime:%d/%m/%Y'`` writes for it."""
    rng = np.random.default_rng(0)
    days = pd.Timestamp("2022-01-01") + pd.to_timedelta(rng.integers(0, 12, 300) * 31, unit="D")
    days = days.map(lambda d: d.replace(day=int(rng.integers(1, 13))))
    frame = pd.DataFrame({"signup": days.strftime("%d/%m/%Y"), "amount": rng.gamma(2.0, 30.0, 300).round(2)})
    csv = tmp_path / "messy.csv"
    frame.to_csv(csv, index=False)
    model = tmp_path / "messy.synth.json"
    assert main(["fit", str(csv), "--column", "signup=datetime:%d/%m/%Y", "-o", str(model)]) == 0
    return csv, model


def test_report_reads_a_date_column_in_the_format_it_was_fitted_in(day_first, capsys):
    csv, model = day_first
    capsys.readouterr()
    assert main(["report", str(model), str(csv)]) == 0
    out = capsys.readouterr().out
    row = next(line.split() for line in out.splitlines() if line.split()[:1] == ["signup"])
    assert row[1] == "KSComplement" and float(row[2]) > 0.8  # (scored as dates, not dropped as all missing)


def test_audit_real_reads_a_date_column_in_the_format_it_was_fitted_in(day_first, capsys):
    csv, model = day_first
    capsys.readouterr()
    code = main(["audit", str(model), "--real", str(csv), "--splits", "1"])
    captured = capsys.readouterr()
    assert code in (0, 1), captured.err
    assert "internal error" not in captured.err
    assert "--real" in captured.out


def test_report_names_the_file_and_column_whose_dates_do_not_read_in_the_fitted_format(day_first, tmp_path, capsys):
    csv, model = day_first
    other = tmp_path / "other.csv"
    pd.read_csv(csv).assign(signup="2022-13-45").to_csv(other, index=False)
    capsys.readouterr()
    assert main(["report", str(model), str(other)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert "'signup'" in err and "'%d/%m/%Y'" in err and str(other) in err


def test_audit_held_names_a_real_column_without_values_instead_of_crashing(day_first):
    csv, model = day_first
    real = pd.read_csv(csv).assign(signup=pd.Series([pd.NaT] * 300, dtype="datetime64[ns]"), amount=np.nan)
    report = audit_held(str(model), real)
    where = {f.where for f in report.findings if f.check == "not-compared"}
    assert where == {"columns.signup", "columns.amount"}
    assert report.passed


def test_a_real_column_without_values_is_scored_on_missing_values_not_dropped():
    real = pd.DataFrame(
        {
            "a": np.random.default_rng(0).normal(size=500),
            "d": pd.Series([pd.NaT] * 500, dtype="datetime64[ns]"),
        }
    )
    synthetic = real.copy()
    synthetic["d"] = pd.date_range("2020-01-01", periods=500)
    report = sd.fidelity_report(real, synthetic)
    row = report.columns.set_index("column").loc["d"]
    assert row["missing_similarity"] == 0.0 and row["note"] == "every real value is missing"
    with pytest.raises(FidelityError, match=r"column 'd': MissingValueSimilarity 0\.000"):
        sd.assert_fidelity(real, synthetic)
    both = sd.fidelity_report(real, real.copy())
    assert both.skipped == {"d": "every value is missing, in the real data and in the synthetic"}
    assert "'d' (every value is missing" in both.summary()


@pytest.fixture
def shop(tmp_path):
    """Two linked tables as CSV files and the dataset file ``synthdata fit`` writes for them."""
    rng = np.random.default_rng(1)
    customers = pd.DataFrame(
        {"id": np.arange(1, 201), "age": rng.integers(18, 80, 200), "plan": rng.choice(["free", "pro"], 200)}
    )
    orders = pd.DataFrame({"customer_id": rng.integers(1, 201, 600), "total": rng.gamma(2.0, 20.0, 600).round(2)})
    paths = [tmp_path / "customers.csv", tmp_path / "orders.csv"]
    customers.to_csv(paths[0], index=False)
    orders.to_csv(paths[1], index=False)
    model = tmp_path / "shop.synth.json"
    args = ["fit", *map(str, paths), "--relation", "orders.customer_id=customers.id", "-o", str(model)]
    assert main(args) == 0
    return model, paths


def test_report_of_a_dataset_file_scores_each_table_against_its_profile(shop, capsys):
    model, _ = shop
    capsys.readouterr()
    assert main(["report", str(model), "-n", "100"]) == 0
    out = capsys.readouterr().out
    assert "table 'customers': fidelity" in out and "table 'orders': fidelity" in out
    assert "profile stored in model 'orders'" in out


def test_report_of_a_dataset_file_with_a_file_per_table_scores_the_relations(shop, capsys):
    model, paths = shop
    capsys.readouterr()
    code = main(["report", str(model), *map(str, paths)])
    out = capsys.readouterr().out
    assert code == 0
    assert "of linked tables" in out and "ReferentialIntegrity" in out and "table 'orders'" in out


def test_report_of_a_dataset_file_asks_for_every_table_in_one_line(shop, capsys):
    model, paths = shop
    capsys.readouterr()
    assert main(["report", str(model), str(paths[0])]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "missing 'orders'" in err and "orders.csv" in err
    assert "customer_id" not in err  # (no frame's repr)


def test_a_model_of_one_table_takes_one_real_file(shop, tmp_path, capsys):
    _, paths = shop
    single = tmp_path / "customers.synth.json"
    assert main(["fit", str(paths[0]), "-o", str(single)]) == 0
    capsys.readouterr()
    assert main(["report", str(single), *map(str, paths)]) == 2
    assert "give one real data file (got 2)" in capsys.readouterr().err


def test_audit_of_a_dataset_file_audits_each_tables_model(shop, capsys):
    model, paths = shop
    capsys.readouterr()
    assert main(["audit", str(model)]) in (0, 1)
    out = capsys.readouterr().out
    assert "tables.customers.columns.age" in out and "tables.orders.columns.total" in out
    code = main(["audit", str(model), "--real", str(paths[1]), "--splits", "1"])
    captured = capsys.readouterr()
    assert code in (0, 1), captured.err
    assert f"--real {paths[1]}" in captured.out
    data = json.loads(model.read_text())
    assert data["format"] == "pytest-synthdata dataset"  # (the file itself, not a model file)
