"""``synthdata audit``: what a model file reveals, the policy gate, and the tripwires on real data."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import pytest_synthdata as sd
from pytest_synthdata import _audit, _pii_detect
from pytest_synthdata._audit import audit_file, audit_real
from pytest_synthdata.cli import main


def _frame(n: int = 400, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "age": rng.integers(18, 90, n),
            "income": np.round(rng.lognormal(10.5, 0.6, n), 2),
            "plan": rng.choice(["free", "pro", "team"], n),
        }
    )


def test_a_declared_schema_reveals_nothing_about_rows(tmp_path):
    path = tmp_path / "people.synth.json"
    sd.Schema("people", {"age": sd.Integer(low=18, high=90), "plan": sd.Category(["a", "b"])}).save(path)
    report, _ = audit_file(str(path))
    assert report.passed, report.render()
    assert main(["audit", str(path)]) == 0


def test_a_default_fit_passes_and_says_how_its_bounds_were_chosen(tmp_path):
    path = tmp_path / "t.synth.json"
    df = _frame()
    sd.fit(df, name="t").save(path)
    report, _ = audit_file(str(path))
    assert report.passed, report.render()
    bounds = [f for f in report.findings if f.check == "bounds" and f.where == "columns.income.bounds"]
    assert bounds and not bounds[0].fails and "order statistics 5 rows in" in bounds[0].message
    assert not audit_file(str(path), k=6)[0].passed  # (its order statistics are 5 rows in, not 6)


def test_a_fit_with_exact_bounds_reports_them_and_fails(tmp_path, capsys):
    path = tmp_path / "t.synth.json"
    df = _frame()
    sd.fit(df, name="t", min_count=1).save(path)  # min_count=1: the exact extremes are stored
    report, _ = audit_file(str(path))
    bounds = [f for f in report.findings if f.check == "bounds" and f.where == "columns.income.bounds"]
    assert bounds and bounds[0].fails
    assert repr(float(df["income"].max())) in bounds[0].message
    assert main(["audit", str(path)]) == 1
    assert "FAILED" in capsys.readouterr().out


def test_small_counts_are_found_in_categories_and_null_rates(tmp_path):
    df = _frame()
    df.loc[:5, "plan"] = "rare"  # 6 rows: stored with k=5, not with k=10
    df["note"] = np.where(np.arange(len(df)) < 3, None, "x")  # 3 missing values
    path = tmp_path / "t.synth.json"
    sd.fit(df, name="t", columns={"note": "category"}).save(path)
    low, _ = audit_file(str(path), k=5)
    high, _ = audit_file(str(path), k=10)
    assert not any('category "rare"' in f.message for f in low.findings)
    assert any(f.where == "columns.plan.probs" and "rare" in f.message and f.fails for f in high.findings)
    assert low.passed, low.render()  # 3 missing values read as 2.5 rows, as every count below 5
    assert not any(f.where.startswith("columns.note") for f in low.findings)
    data = json.loads(path.read_text())
    data["info"]["withheld"].append("column 'note': 3 of 400 rows missing")  # an exact small count in the text
    data["info"]["privacy"]["small_counts"] = "exact"  # and rates not coarsened
    path.write_text(json.dumps(data))
    told, _ = audit_file(str(path), k=5)
    assert any(f.where.startswith("info.withheld") and f.check == "small-count" for f in told.findings)
    assert any(f.where == "columns.note.null_rate" and f.fails for f in told.findings)


def test_a_values_probability_counts_the_rows_holding_a_value_not_every_row(tmp_path):
    """Stored shares are of the present values: in a half-missing column, 3 rows of 200 present ones are 3 rows."""
    rng = np.random.default_rng(0)
    score = rng.choice([10.0, 20.0, 30.0, 40.0], 400)
    score[:3] = 25.0  # held by 3 rows
    score[200:] = np.nan  # half the column missing
    path = tmp_path / "s.synth.json"
    sd.fit(pd.DataFrame({"score": score}), name="s", min_count=1, public={"score": (0, 100)}).save(path)
    report, _ = audit_file(str(path), k=5)
    (found,) = [f for f in report.findings if f.where == "columns.score.params" and "25.0" in f.message]
    assert found.fails and "of 200 present values: about 3.0 row(s)" in found.message, found.message
    assert not report.passed


@pytest.mark.parametrize(
    "names",
    [
        pytest.param(["Maria Garcia", "James Smith", "Linda Johnson", "Robert Brown"], id="full-names"),
        pytest.param(["Garcia", "Smith", "Johnson", "Brown"], id="last-names"),
    ],
)
def test_person_names_under_a_neutral_column_name_are_flagged(tmp_path, names):
    df = _frame()
    df["doctor"] = [names[i % 4] for i in range(len(df))]
    path = tmp_path / "t.synth.json"
    # (fit regenerates these names; kept as categories on request, the audit must see them)
    sd.fit(df, name="t", columns={"doctor": "category"}).save(path)
    assert names[0] in path.read_text()
    report, _ = audit_file(str(path))
    pii = [f for f in report.findings if f.check == "pii"]
    assert pii and pii[0].fails and pii[0].where == "columns.doctor.categories"
    allowed, _ = audit_file(str(path), allow_pii=True)
    assert [f.fails for f in allowed.findings if f.check == "pii"] == [False]


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("ana@example.org", "an e-mail address"),
        ("https://example.org/x", "a URL"),
        ("10.0.0.12", "an IP address"),
        ("+1 (555) 123-4567", "a phone number"),
        ("Maria Garcia", "a person's name"),
        ("12 Main Street", "a street address"),
        ("4111 1111 1111 1111", "a card number"),
        ("DE89 3704 0044 0532 0130 00", "an IBAN"),
        ("078-05-1120", "a social security number"),
        ("Premium plan", None),
        ("3.14159", None),
        ("2024-03-01", None),
    ],
)
def test_pii_kinds(value, kind):
    key = _pii_detect.value_kind(value)
    assert (None if key is None else _pii_detect.KINDS[key].one) == kind


def test_the_audit_and_fit_share_one_detector(tmp_path):
    """A value the audit flags in a stored category is one fit would have regenerated, and the reverse."""
    df = _frame()
    df["doctor"] = [["Maria Garcia", "James Smith", "Linda Johnson", "Robert Brown"][i % 4] for i in range(len(df))]
    assert sd.fit(df, name="t").info["columns"]["doctor"]["kind"] == "pii"
    path = tmp_path / "t.synth.json"
    sd.fit(df, name="t", columns={"doctor": "category"}).save(path)
    assert any(f.check == "pii" and f.where == "columns.doctor.categories" for f in audit_file(str(path))[0].findings)


def test_max_epsilon_needs_a_private_fit(tmp_path):
    path = tmp_path / "people.synth.json"
    sd.Schema("people", {"age": sd.Integer(low=18, high=90)}).save(path)
    report, _ = audit_file(str(path), max_epsilon=1.0)
    assert [f.check for f in report.findings if f.fails] == ["privacy-account"]
    data = json.loads(path.read_text())
    # (a DP account is validated on load: its ledger of releases must add up within the budget)
    ledger = [{"step": "rows", "columns": [], "mechanism": "discrete Laplace", "epsilon": 0.5, "delta": 0.0}]
    data.setdefault("info", {})["privacy"] = {"epsilon": 0.5, "delta": 1e-6, "ledger": ledger}
    path.write_text(json.dumps(data))
    assert audit_file(str(path), max_epsilon=1.0)[0].passed
    assert not audit_file(str(path), max_epsilon=0.1)[0].passed


def test_a_model_that_copies_rows_trips_every_wire(monkeypatch):
    """The tripwires themselves: a 'model' that replays training rows fails copies, DCR and membership."""

    class Replay:
        def __init__(self, frame):
            self.frame = frame.reset_index(drop=True)
            self.modelled_columns = list(frame.columns)

        def sample(self, n, seed=None):
            rng = np.random.default_rng(seed)
            return self.frame.iloc[rng.integers(0, len(self.frame), n)].reset_index(drop=True)

    import pytest_synthdata._fit as fitmod

    monkeypatch.setattr(fitmod, "fit", lambda frame, **kw: Replay(frame))
    report = audit_real(_frame(600), canary_rows=1_000)
    failing = {f.check for f in report.findings if f.fails}
    assert {"exact-copies", "distance-to-closest-record", "membership-inference", "canary"} <= failing


def test_the_native_fit_passes_the_row_level_wires():
    report = audit_real(_frame(600), canary_rows=20_000)
    by = {f.check: f for f in report.findings}
    for check in ("exact-copies", "distance-to-closest-record", "membership-inference"):
        assert not by[check].fails, by[check].message


@pytest.mark.parametrize("seed", [0, 7])
def test_the_row_level_wires_do_not_trip_at_random_on_a_small_real_table(seed):
    """One random halving of 344 penguins put 61-65% of sampled rows nearer the training half (seeds 0, 7):
    the wires average over several halvings and fail only when clearly above the policy."""
    palmerpenguins = pytest.importorskip("palmerpenguins")
    report = audit_real(palmerpenguins.load_penguins(), seed=seed, canary_rows=1_000)
    by = {f.check: f for f in report.findings}
    for check in ("exact-copies", "distance-to-closest-record", "membership-inference"):
        assert not by[check].fails, by[check].message
    assert "mean of 5 random splits" in by["distance-to-closest-record"].message


def test_the_wires_fail_only_clearly_above_the_policy():
    assert _audit._above([0.9, 0.92, 0.91], 0.6)
    assert not _audit._above([0.55, 0.70, 0.58, 0.62, 0.57], 0.6)  # mean 0.604, but not twice its error above
    assert _audit._above([0.61], 0.6)  # one split: no spread to allow for
    with pytest.raises(sd.errors.InvalidArgument, match="splits=0"):
        audit_real(_frame(100), splits=0)


def test_gower_distances_and_auc():
    a = (np.array([[0.0], [np.nan]]), np.array([[1], [2]]))
    b = (np.array([[0.5], [np.nan], [0.0]]), np.array([[1], [2], [3]]))
    d = _audit._nearest(a, b)
    assert d.tolist() == [0.25, 0.0]
    assert _audit._auc(np.array([3.0, 4.0]), np.array([1.0, 2.0])) == 1.0
    assert _audit._auc(np.array([1.0, 2.0]), np.array([1.0, 2.0])) == 0.5


def test_cli_audit_with_real_data_and_errors(tmp_path, capsys):
    df = _frame(300)
    csv = tmp_path / "real.csv"
    df.to_csv(csv, index=False)
    path = tmp_path / "t.synth.json"
    sd.fit(df, name="t").save(path)
    assert main(["audit", str(path), "--real", str(csv), "--splits", "2"]) == 0  # the file and the wires pass
    out = capsys.readouterr().out
    assert "membership-inference" in out and "canary" in out and "PASSED" in out
    assert main(["audit", str(tmp_path / "missing.synth.json")]) == 2
    assert main(["audit", str(path), "--k", "0"]) == 2


def test_values_held_by_fewer_than_k_real_rows_are_found(tmp_path):
    df = _frame(400)
    df["income"] = np.resize([30_000.0, 40_000.0, 50_000.0, 65_000.0], len(df))
    df.loc[0, "income"] = 2_750_000.0  # one person's income
    exact = tmp_path / "exact.synth.json"
    sd.fit(df, name="t", min_count=1).save(exact)  # min_count=1 keeps the exact extremes
    report = _audit.audit_held(str(exact), df, k=5)
    held = [f for f in report.findings if f.check == "held-by-few" and f.where.startswith("columns.income")]
    assert held and held[0].fails and "2750000.0 (1 row)" in held[0].message
    default = tmp_path / "default.synth.json"
    sd.fit(df, name="t").save(default)  # the private defaults store no such value
    assert _audit.audit_held(str(default), df, k=5).passed
    # categories that about a third of the rows hold are no finding
    schema = tmp_path / "s.synth.json"
    sd.Schema("s", {"plan": sd.Category(["free", "pro", "team"])}).save(schema)
    assert _audit.audit_held(str(schema), df, k=5).passed


def test_a_private_tripwire_fit_that_fails_is_reported_not_raised(monkeypatch):
    """audit --real on a DP file refits halves of the rows at the file's epsilon; where that fit fails (too few
    rows for private bounds) the audit says the wires did not run, within the policy, instead of aborting."""
    from pytest_synthdata import _fit
    from pytest_synthdata.errors import InvalidArgument

    def refuse(*args, **settings):
        raise InvalidArgument("column 'x': at this epsilon its values are too few to choose its bounds privately.")

    monkeypatch.setattr(_fit, "fit", refuse)
    report = audit_real(_frame(200), epsilon=1.0, delta=1e-6)
    (found,) = [f for f in report.findings if f.check == "tripwires"]
    assert not found.fails and found.message.startswith("not run: a differentially private fit of half the rows")
    assert "too few to choose its bounds privately" in found.message and report.passed
    with pytest.raises(InvalidArgument, match="too few"):  # (a default fit's failure is no verdict: it is raised)
        audit_real(_frame(200))


def test_profile_points_are_moved_off_and_audited_for_values_few_rows_hold(tmp_path):
    """A sketch point (a block mean) can land on a value one real row holds: the fit moves it one unit in its
    12th significant digit, and audit --real counts the profile's points (a planted one fails)."""
    from palmerpenguins import load_penguins

    real = load_penguins().head(40)
    path = tmp_path / "p.synth.json"
    sd.fit(real, name="p").save(path)
    data = json.loads(path.read_text())
    points = data["profile"]["columns"]["bill_length_mm"]["quantiles"]
    counts = real["bill_length_mm"].value_counts()
    assert all(counts.get(v, 0) == 0 or counts.get(v, 0) >= 5 for v in points), points  # (37.3: one row's)
    assert _audit.audit_held(str(path), real, k=5).passed
    lonely = float(counts[counts == 1].index[0])
    data["profile"]["columns"]["bill_length_mm"]["quantiles"][0] = lonely  # (a point one row holds, planted)
    path.write_text(json.dumps(data))
    report = _audit.audit_held(str(path), real, k=5)
    (found,) = [f for f in report.findings if f.where == "profile.columns.bill_length_mm"]
    assert found.fails and f"{lonely:g} (1 row)" in found.message
