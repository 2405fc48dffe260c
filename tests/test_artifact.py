"""Model files: JSON layout, bit-identical round trips, validation of broken files."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from tables_for_tests import customers

import pytest_synthdata as sd
from pytest_synthdata._artifact import VERSION, dumps
from pytest_synthdata.errors import InvalidArgument, ModelFileError


@pytest.fixture(scope="module")
def fitted() -> sd.Model:
    return sd.fit(customers(), name="customers", segments=False)


@pytest.fixture(scope="module")
def segmented() -> sd.Model:
    model = sd.fit(customers(), name="customers")
    assert model.info["segments"]["column"] == "plan"
    return model


def declared() -> sd.Schema:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sd.Schema(
            "orders",
            {
                "order_id": sd.Id("ORD-{:05d}"),
                "token": sd.Id("uuid"),
                "customer": sd.Faker("name", locale="de_DE"),
                "placed": sd.Date(low="2024-01-01", high="2024-12-31"),
                "shipped": sd.Date(low="2024-01-01", high="2025-02-28"),
                "amount": sd.Float(median=40, sigma=0.6, decimals=2, low=1, null_rate=0.1),
                "items": sd.Integer(lam=2.5, distribution="poisson", low=1),
                "status": sd.Category({"new": 0.2, "paid": 0.5, "shipped": 0.3}),
                "gift": sd.Boolean(p=0.1),
            },
            correlations={("amount", "items"): 0.6, ("status", "amount"): 0.2},
            constraints=["placed <= shipped"],
        )


@pytest.mark.parametrize("make", ["fitted", "segmented", "declared"])
def test_loaded_model_samples_bit_identically(make, fitted, segmented, tmp_path):
    model = {"fitted": fitted, "segmented": segmented}.get(make) or declared()
    path = model.save(tmp_path / f"{model.name}.synth.json")
    loaded = sd.load(path)
    for n, seed in ((0, 1), (7, 2), (70_000, 3)):
        pd.testing.assert_frame_equal(model.sample(n, seed=seed), loaded.sample(n, seed=seed))
    assert loaded.columns == model.columns and loaded.dtypes == model.dtypes
    # saving the loaded model writes the same bytes
    assert dumps(loaded) == path.read_text()


def test_file_is_versioned_readable_json_with_stable_key_order(fitted, tmp_path):
    text = fitted.save(tmp_path / "customers.synth.json").read_text()
    data = json.loads(text)
    assert list(data)[:4] == ["format", "version", "name", "written_by"]
    assert data["format"] == "pytest-synthdata model" and data["version"] == 6  # (a profile with tables on its bins)
    assert [c["name"] for c in data["columns"]] == fitted.columns
    plan = next(c for c in data["columns"] if c["name"] == "plan")
    assert list(plan) == ["name", "type", "categories", "probs", "ordered", "null_rate", "cast"]
    # lists of numbers stay on one line, so a changed knot is a one-line diff
    assert '"categories": [' in text and any(line.strip().startswith('"probs": [0') for line in text.splitlines())
    assert "pickle" not in text and "\\u" not in text
    assert data["info"]["withheld"] == fitted.withheld


def test_model_file_name_and_pickles(fitted, tmp_path):
    with pytest.raises(InvalidArgument, match=r"name model files '<name>.synth.json'"):
        fitted.save(tmp_path / "customers.json")
    assert not list(tmp_path.iterdir())
    pkl = tmp_path / "x.synth.pkl"
    pkl.write_bytes(b"pytest-synthdata/sdv-model\n\x80\x04N.")
    with pytest.raises(InvalidArgument, match=r"is a pickle .* trust=True"):
        sd.load(pkl)


def good_file(fitted: sd.Model) -> dict:
    return json.loads(dumps(fitted))


def edit(data: dict, path: tuple, value: object) -> dict:
    target = data
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return data


def column_index(data: dict, name: str) -> int:
    return next(i for i, c in enumerate(data["columns"]) if c["name"] == name)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: edit(d, ("version",), VERSION + 1), r"format version \d+ .* Upgrade pytest-synthdata"),
        (lambda d: edit(d, ("version",), "1"), r"version: expected a positive whole number"),
        (lambda d: edit(d, ("format",), "something else"), "not a pytest-synthdata model file"),
        (lambda d: edit(d, ("name",), "not valid"), "is not a dataset name"),
        (
            lambda d: edit(d, ("name",), "class"),
            r"'class' is not a dataset name \(a Python identifier, not a keyword\)",
        ),
        (lambda d: edit(d, ("columns",), []), "at least one column"),
        (
            lambda d: edit(d, ("columns", column_index(d, "plan"), "probs"), [0.5, 0.4, 0.3]),
            r"column 'plan'.probs: probabilities must be >= 0 and sum to 1 \(they sum to 1.2\)",
        ),
        (
            lambda d: edit(d, ("columns", column_index(d, "plan"), "categories"), ["a", "b"]),
            r"column 'plan': 2 categories but 3 probabilities",
        ),
        (
            lambda d: edit(d, ("columns", column_index(d, "age"), "type"), "colour"),
            r"column 'age'.type: unknown column type 'colour'",
        ),
        (lambda d: edit(d, ("columns", column_index(d, "age"), "bounds"), [1]), r"column 'age'.bounds: expected"),
        (
            lambda d: edit(d, ("columns", column_index(d, "churned"), "p"), 1.5),
            r"column 'churned'.p: 1.5 is not a probability",
        ),
        (lambda d: edit(d, ("columns", column_index(d, "email"), "provider"), "emial"), "has no provider 'emial'"),
        (lambda d: edit(d, ("columns", column_index(d, "age"), "dist"), KeyError), r"column 'age': missing key 'dist'"),
        (
            lambda d: edit(d, ("columns", column_index(d, "income"), "null_rate"), "high"),
            r"column 'income'.null_rate: expected int/float",
        ),
        (lambda d: edit(d, ("latent", "correlation"), [[1.0]]), r"latent.correlation: expected a \d+ x \d+ matrix"),
        (lambda d: edit(d, ("latent", "dims"), ["age"]), "latent.dims: expected the modelled columns"),
        (
            lambda d: edit(d, ("latent", "correlation", 0, 1), 0.5),
            "must be symmetric, with ones on the diagonal",
        ),
        (lambda d: edit(d, ("columns", column_index(d, "income"), "cast"), "nonsense"), r"cast: 'nonsense' is not"),
    ],
)
def test_hand_edited_files_fail_clearly(fitted, tmp_path, change, message):
    path = tmp_path / "customers.synth.json"
    path.write_text(json.dumps(change(good_file(fitted))))
    with pytest.raises(ModelFileError, match=message) as info:
        sd.load(path)
    assert str(path) in str(info.value)


def test_not_positive_definite_correlation(fitted, tmp_path):
    data = good_file(fitted)
    d = len(data["latent"]["dims"])
    data["latent"]["correlation"] = [[1.0 if i == j else -0.9 for j in range(d)] for i in range(d)]
    path = tmp_path / "customers.synth.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ModelFileError, match="not positive definite"):
        sd.load(path)


def test_truncated_and_non_json_files(fitted, tmp_path):
    path = tmp_path / "customers.synth.json"
    text = dumps(fitted)
    path.write_text(text[: len(text) // 2])
    with pytest.raises(ModelFileError, match=r"not valid JSON at line \d+.*truncated"):
        sd.load(path)
    path.write_text("hello")
    with pytest.raises(ModelFileError, match="not valid JSON"):
        sd.load(path)
    with pytest.raises(ModelFileError, match="no such model file"):
        sd.load(tmp_path / "missing.synth.json")


def test_unsaveable_values_fail_naming_the_column(tmp_path):
    schema = sd.Schema("s", {"when": sd.Category({pd.Timestamp("2024-01-01"): 0.5, pd.Timestamp("2024-01-02"): 0.5})})
    with pytest.raises(InvalidArgument, match="column 'when': category Timestamp"):
        schema.save(tmp_path / "s.synth.json")


def test_small_file(fitted, segmented):
    assert len(dumps(fitted)) < 60_000
    assert len(dumps(segmented)) < 100_000
    assert np.isfinite(fitted.latent_correlation).all()


def test_coarse_grids_are_learned_and_saved(tmp_path):
    rng = np.random.default_rng(0)
    weeks = pd.Timestamp("2024-01-01") + pd.to_timedelta(7 * rng.integers(0, 200, 2000), unit="D")
    df = pd.DataFrame(
        {"week": weeks, "price": 5 * rng.integers(20, 400, 2000), "mass": 0.25 * rng.integers(0, 400, 2000)}
    )
    model = sd.fit(df, name="grid")
    out = model.sample(5000, seed=0)
    assert (out["week"].dt.day_of_week == 0).all()  # every Monday, like the real rows
    assert (out["price"] % 5 == 0).all() and (out["mass"] * 4 == np.round(out["mass"] * 4)).all()
    loaded = sd.load(model.save(tmp_path / "grid.synth.json"))
    pd.testing.assert_frame_equal(out, loaded.sample(5000, seed=0))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda spec: spec.update(groups=[0, 7, 1]), "groups must index its"),
        (lambda spec: spec.update(given="nope"), "depends on 'nope', which is not a modelled column"),
        (lambda spec: spec["levels"][0].update(type="boolean", p=0.5), "every level must be a"),
        (lambda spec: spec["levels"][1].update(name="other"), "must carry the column's own name"),
    ],
)
def test_hand_edited_segmented_files_fail_clearly(segmented, tmp_path, change, message):
    data = json.loads(dumps(segmented))
    change(data["columns"][column_index(data, "age")])
    path = tmp_path / "customers.synth.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ModelFileError, match=message):
        sd.load(path)


def joined() -> sd.Model:
    rng = np.random.default_rng(2)
    df = pd.DataFrame({"a": rng.normal(size=400), "b": rng.normal(size=400), "c": rng.normal(size=400)})
    df.loc[df["c"] > 0.8, ["a", "b"]] = np.nan
    model = sd.fit(df, name="joined")
    assert model.null_follows == {"b": "a"}
    return model


def test_columns_missing_together_round_trip(tmp_path):
    model = joined()
    path = model.save(tmp_path / "joined.synth.json")
    assert json.loads(path.read_text())["latent"]["null_follows"] == {"b": "a"}
    loaded = sd.load(path)
    pd.testing.assert_frame_equal(model.sample(3000, seed=1), loaded.sample(3000, seed=1))
    assert dumps(loaded) == path.read_text()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda data: data["latent"]["null_follows"].update(b="nope"), "expected the name of a column"),
        (lambda data: data["latent"]["null_follows"].update(zz="a"), "'zz' is not a column of the model"),
        (lambda data: data["latent"]["null_follows"].update(b="c"), "not a latent null flag of another column"),
        (lambda data: data["latent"]["null_follows"].update(b="b"), "not a latent null flag of another column"),
        (lambda data: data["columns"][1].update(null_rate=0.5), "its null_rate must equal 'a'"),
    ],
)
def test_hand_edited_null_follows_fail_clearly(tmp_path, change, message):
    data = json.loads(dumps(joined()))
    assert data["columns"][1]["name"] == "b"
    change(data)
    path = tmp_path / "joined.synth.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ModelFileError, match=message):
        sd.load(path)


def test_hand_edited_lookup_fails_clearly(tmp_path):
    df = pd.DataFrame({"model": ["civic", "camry", "golf"] * 20, "make": ["honda", "toyota", "vw"] * 20})
    data = json.loads(dumps(sd.fit(df, name="cars")))
    spec = data["columns"][column_index(data, "make")]
    assert spec["type"] == "derived"
    spec["lookup"] = [0, 1, 9]
    path = tmp_path / "cars.synth.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ModelFileError, match="lookup codes must index its 3 categories"):
        sd.load(path)
    spec["lookup"] = ["a", "b", "c"]
    path.write_text(json.dumps(data))
    with pytest.raises(ModelFileError, match=r"column 'make'.lookup: expected a list of int"):
        sd.load(path)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["columns"][column_index(d, "plan")].update(cast="Int64"), r"'Int64' does not fit a category"),
        (lambda d: d["columns"][column_index(d, "signup")].update(cast="int64"), r"'int64' does not fit a date column"),
        (lambda d: d["columns"][column_index(d, "churned")].update(cast="float64"), "does not fit a boolean column"),
        (lambda d: d["columns"][column_index(d, "income")].update(integer=True, cast="int32"), "missing values"),
        (lambda d: d["columns"][column_index(d, "plan")].update(categories=[["a"], None, "x"]), "strings, numbers"),
        (lambda d: d["columns"][column_index(d, "signup")].update(unit_ns=10**30), "out of range"),
        (lambda d: d["columns"][column_index(d, "customer_id")].update(start=2**70), "out of range"),
    ],
)
def test_hand_edits_that_would_break_sampling_fail_on_load(fitted, tmp_path, change, message):
    data = good_file(fitted)
    change(data)
    path = tmp_path / "customers.synth.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ModelFileError, match=message):
        sd.load(path)


def test_group_and_lookup_tables_must_cover_every_value(segmented, tmp_path):
    data = json.loads(dumps(segmented))
    data["columns"][column_index(data, "age")]["groups"] = [0, 1]
    path = tmp_path / "customers.synth.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ModelFileError, match=r"column 'age' has 2 entries for the 3 values of 'plan'"):
        sd.load(path)
    data = json.loads(dumps(segmented))
    data["latent"]["segment"]["groups"] = [0, 1]
    path.write_text(json.dumps(data))
    with pytest.raises(ModelFileError, match=r"(one group per value of 'plan'|for each of the 2 groups)"):
        sd.load(path)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["columns"][column_index(d, "age")].update(dist=""), "unknown distribution ''"),
        (
            lambda d: d["latent"]["correlation"][0].__setitem__(1, ""),
            r"latent.correlation\[0\]\[1\]: expected a number",
        ),
        (
            lambda d: d["latent"]["correlation"][0].__setitem__(1, {}),
            r"latent.correlation\[0\]\[1\]: expected a number",
        ),
        (lambda d: d["columns"][column_index(d, "income")].update(decimals=10**30), "out of range"),
        (lambda d: d["columns"][column_index(d, "income")].update(decimals=40), "not between 0 and 15"),
    ],
)
def test_edits_raise_model_file_errors_only(fitted, tmp_path, change, message):
    data = good_file(fitted)
    change(data)
    path = tmp_path / "customers.synth.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ModelFileError, match=message):
        sd.load(path)


def test_integer_codes_round_trip_and_a_text_code_fails_clearly(tmp_path):
    """Codes modelled as categories keep an int64 cast; a category that is no whole number cannot take it."""
    rng = np.random.default_rng(3)
    school = rng.integers(1, 31, 3000)
    level = np.random.default_rng(1).normal(0, 10, 31)[school]
    df = pd.DataFrame({"school": school, "score": level + rng.normal(0, 2, 3000), "x": rng.normal(size=3000)})
    model = sd.fit(df, name="schools")
    data = json.loads(dumps(model))
    spec = data["columns"][column_index(data, "school")]
    base = spec.get("base", spec)
    assert base["type"] == "category" and base["cast"] == "int64"
    path = tmp_path / "schools.synth.json"
    model.save(path)
    pd.testing.assert_frame_equal(sd.load(path).sample(50, seed=1), model.sample(50, seed=1))
    base["categories"][0] = "north"
    path.write_text(json.dumps(data))
    with pytest.raises(ModelFileError, match=r"column 'school'.*cast: 'int64' does not fit a category column"):
        sd.load(path)


@pytest.mark.parametrize(("value", "cast"), [(300, "uint8"), (-1, "uint8"), (1e300, "float32")])
def test_hand_edited_codes_that_do_not_fit_their_dtype_fail(value, cast, tmp_path):
    rng = np.random.default_rng(3)
    school = rng.integers(1, 31, 3000)
    df = pd.DataFrame(
        {"school": school, "score": np.random.default_rng(1).normal(0, 10, 31)[school] + rng.normal(size=3000)}
    )
    data = json.loads(dumps(sd.fit(df, name="schools")))
    spec = data["columns"][column_index(data, "school")]
    base = spec.get("base", spec)
    base["categories"][0] = value
    base["cast"] = cast
    path = tmp_path / "schools.synth.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ModelFileError, match=f"'{cast}' does not fit a category column"):
        sd.load(path)
