"""Review 14: fit's boolean and sparse columns, and the messages of conditions a model cannot meet."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import pytest_synthdata as sd
from pytest_synthdata.cli import main
from pytest_synthdata.errors import ConditionError, InvalidArgument, ModelFileError


def _truthy(rng: np.random.Generator, n: int = 400, p: float = 0.3) -> np.ndarray:
    return rng.random(n) < p


# a column declared boolean -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "true, false",
    [
        ("yes", "no"),
        ("True", "False"),
        ("1", "0"),
        ("Y", "n"),
        (" ON", "off "),
        ("t", "F"),
        (1, 0),
        (1.0, 0.0),
        (True, False),
    ],
)
def test_a_column_declared_boolean_reads_words_and_numbers_that_mean_true_and_false(true, false):
    truth = _truthy(np.random.default_rng(0))
    df = pd.DataFrame({"ans": np.where(truth, np.array(true, dtype=object), np.array(false, dtype=object))})
    model = sd.fit(df, name="q", columns={"ans": "boolean"})
    assert model.column("ans").p == pytest.approx(truth.mean(), abs=1e-9)
    shares = model.sample(4000, seed=1)["ans"].value_counts(normalize=True)
    assert set(shares.index) == {True, False}
    assert shares[True] == pytest.approx(truth.mean(), abs=0.03)


def test_a_text_column_declared_boolean_keeps_its_missing_values_missing():
    rng = np.random.default_rng(1)
    truth = _truthy(rng)
    words = np.where(truth, "Yes", "no").astype(object)
    words[rng.random(len(words)) < 0.2] = None
    df = pd.DataFrame({"ans": words})
    model = sd.fit(df, name="q", columns={"ans": "boolean"})
    present = df["ans"].notna()
    assert model.column("ans").null_rate == pytest.approx(1 - present.mean(), abs=1e-9)
    assert model.column("ans").p == pytest.approx((df["ans"][present] == "Yes").mean(), abs=1e-9)
    assert model.sample(2000, seed=1)["ans"].isna().mean() == pytest.approx(1 - present.mean(), abs=0.04)


@pytest.mark.parametrize(
    "values, shown",
    [
        (["male", "female"], ["'male'", "'female'"]),
        (["yes", "no", "maybe"], ["'maybe'"]),
        (["yes", "y", "no"], ["'y'"]),
        ([0, 1, 2], ["2"]),
    ],
)
def test_a_column_declared_boolean_with_other_values_is_refused_naming_them(values, shown):
    df = pd.DataFrame({"sex": np.random.default_rng(0).choice(np.array(values, dtype=object), 300)})
    with pytest.raises(InvalidArgument) as info:
        sd.fit(df, name="penguins", columns={"sex": "boolean"})
    message = str(info.value)
    assert "column 'sex'" in message
    assert all(v in message for v in shown)
    assert "columns={'sex': 'category'}" in message
    assert "df['sex'].map(" in message


def test_a_private_fit_reads_a_column_declared_boolean_the_same_way():
    pytest.importorskip("opendp")
    df = pd.DataFrame({"ans": np.random.default_rng(0).choice(["yes", "no"], 3_000, p=[0.3, 0.7])})
    model = sd.fit(df, name="q", columns={"ans": "boolean"}, epsilon=1.0)
    assert model.sample(4_000, seed=1).ans.mean() == pytest.approx(0.3, abs=0.05)  # (was 1.0: every value True)
    with pytest.raises(InvalidArgument, match="column 'ans'"):
        sd.fit(
            df.assign(ans=df.ans.map({"yes": "male", "no": "female"})),
            name="q",
            columns={"ans": "boolean"},
            epsilon=1.0,
        )


def test_cli_fit_with_a_yes_no_column_declared_boolean_reads_it(tmp_path, capsys):
    truth = _truthy(np.random.default_rng(2))
    csv = tmp_path / "yn.csv"
    pd.DataFrame({"active": np.where(truth, "yes", "no"), "x": np.arange(len(truth)) % 7}).to_csv(csv, index=False)
    out = tmp_path / "yn.synth.json"
    assert main(["fit", str(csv), "-o", str(out), "--column", "active=boolean"]) == 0
    assert sd.load(out).column("active").p == pytest.approx(truth.mean(), abs=1e-9)
    csv.write_text("active\n" + "\n".join(["male", "female"] * 20) + "\n")
    assert main(["fit", str(csv), "-o", str(out), "--column", "active=boolean"]) == 2
    assert "column 'active'" in capsys.readouterr().err


# sparse columns ------------------------------------------------------------------------------------


def test_a_sparse_column_is_modelled_dense_so_its_model_file_loads(tmp_path):
    rng = np.random.default_rng(0)
    df = pd.DataFrame(
        {
            "s": pd.arrays.SparseArray(rng.choice([0, 0, 0, 1], 300)),
            "f": pd.arrays.SparseArray(rng.choice([0.0, np.nan, 2.5], 300)),
            "b": pd.arrays.SparseArray(rng.choice([False, True], 300)),
        }
    )
    model = sd.fit(df, name="t")
    assert dict(model.dtypes) == {"s": "int64", "f": "float64", "b": "bool"}
    assert "Sparse[int64, 0]" in model.info["columns"]["s"]["why"]
    model.save(tmp_path / "t.synth.json")
    loaded = sd.load(tmp_path / "t.synth.json")
    pd.testing.assert_frame_equal(loaded.sample(50, seed=1), model.sample(50, seed=1))
    assert str(loaded.sample(5, seed=1)["s"].dtype) == "int64"


def test_a_model_file_with_a_sparse_cast_is_refused_naming_the_field(tmp_path):
    df = pd.DataFrame({"s": np.random.default_rng(0).choice([0, 0, 0, 1], 300)})
    path = tmp_path / "t.synth.json"
    sd.fit(df, name="t").save(path)
    spec = json.loads(path.read_text())
    spec["columns"][0]["cast"] = "Sparse[int64, 0]"
    path.write_text(json.dumps(spec))
    with pytest.raises(ModelFileError, match=r"column 's'\.cast: 'Sparse\[int64, 0\]' is sparse.*'int64'"):
        sd.load(path)


# conditions the model cannot meet ------------------------------------------------------------------


@pytest.fixture(scope="module")
def dates():
    rng = np.random.default_rng(0)
    days = pd.to_datetime("2020-01-01") + pd.to_timedelta(rng.integers(0, 30, 300), unit="D")
    return sd.fit(pd.DataFrame({"d": days}), name="t")


def test_a_time_of_day_on_a_date_column_is_not_called_a_reversed_range(dates):
    with pytest.raises(ConditionError) as info:
        dates.sample(5, seed=1, conditions={"d": "2020-01-05 12:00"})
    message = str(info.value)
    assert "swap" not in message and "low is above high" not in message
    assert "condition d='2020-01-05 12:00': column 'd' holds whole days" in message
    assert "{'d': '2020-01-05'}" in message and "('2020-01-05', '2020-01-06')" in message
    assert (dates.sample(5, seed=1, conditions={"d": "2020-01-05"})["d"] == pd.Timestamp("2020-01-05")).all()


def test_a_range_between_two_days_of_a_date_column_says_so(dates):
    with pytest.raises(ConditionError, match="holds whole days, and none lies in this range"):
        dates.sample(5, seed=1, conditions={"d": ("2020-01-05 06:00", "2020-01-05 18:00")})
    with pytest.raises(ConditionError, match="swap its ends"):
        dates.sample(5, seed=1, conditions={"d": ("2020-01-06", "2020-01-05")})


def test_a_rare_value_left_out_by_min_count_is_explained_with_a_range_to_use():
    df = pd.DataFrame({"age": np.random.default_rng(0).integers(18, 90, 300)})
    assert (df["age"] == 46).sum() < 5  # seen in fewer than min_count rows
    model = sd.fit(df, name="t")
    with pytest.raises(ConditionError) as info:
        model.sample(5, seed=1, conditions={"age": 46})
    message = str(info.value)
    assert "never gives such a value in column 'age'" in message
    assert "fewer than min_count=5 rows" in message
    assert "nearest values it gives are 45 and 47" in message
    rows = model.sample(50, seed=1, conditions={"age": (45, 47)})["age"]  # the range it suggests
    assert set(rows) <= {45, 47}


def test_a_value_off_an_integer_columns_grid_says_it_holds_whole_numbers():
    df = pd.DataFrame({"age": np.random.default_rng(0).integers(18, 90, 300)})
    with pytest.raises(ConditionError, match=r"column 'age' holds whole numbers, and 46\.5 is not one"):
        sd.fit(df, name="t").sample(5, seed=1, conditions={"age": 46.5})


def _day_first(rng: np.random.Generator, n: int = 300) -> tuple[pd.DataFrame, pd.Series]:
    days = pd.Series(pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 700, n), unit="D"))
    return pd.DataFrame({"d": days.dt.strftime("%d/%m/%Y"), "x": rng.normal(size=n)}), days


def test_day_first_dates_declared_datetime_read_in_the_one_format_that_reads_them():
    """`columns={"d": "datetime"}` on '21/03/2020' text failed with pandas' own 'doesn't match format %m/%d/%Y'."""
    frame, days = _day_first(np.random.default_rng(3))
    model = sd.fit(frame, name="t", columns={"d": "datetime"})
    sample = model.sample(2_000, seed=1)
    assert str(sample.d.dtype).startswith("datetime64")
    assert abs(sample.d.median() - days.median()) < pd.Timedelta(days=30)  # (read day first: the real dates)
    assert model.profile.columns["d"].sdtype == "datetime"  # (profiled as the dates fit read, not as text)
    assert sd.fidelity_report(model, sample).columns.set_index("column").loc["d", "score"] > 0.9
    assert sample.d.between(days.min() - pd.Timedelta(days=60), days.max() + pd.Timedelta(days=60)).all()


def test_a_date_format_given_as_the_kind_reads_the_dates_from_python_and_the_cli(tmp_path):
    frame, days = _day_first(np.random.default_rng(4))
    model = sd.fit(frame, name="t", columns={"d": "datetime:%d/%m/%Y"})
    assert model.info["columns"]["d"] == {
        "kind": "datetime",
        "why": "given in columns= (format '%d/%m/%Y')",
        "format": "%d/%m/%Y",
    }
    csv, out = tmp_path / "eu.csv", tmp_path / "eu.synth.json"
    frame.to_csv(csv, index=False)
    assert main(["fit", str(csv), "-o", str(out), "--column", "d=datetime:%d/%m/%Y"]) == 0
    assert abs(sd.load(out).sample(500, seed=1).d.median() - days.median()) < pd.Timedelta(days=30)
    with pytest.raises(InvalidArgument, match=r"300 value\(s\) do not read as dates in format '%Y-%m-%d', e.g. '"):
        sd.fit(frame, name="t", columns={"d": "datetime:%Y-%m-%d"})
    with pytest.raises(InvalidArgument, match=r"'datetime:%d/%m/%Y' for dates written in that format"):
        sd.fit(frame, name="t", columns={"d": "datetime:"})


def test_dates_that_read_day_or_month_first_ask_for_the_format():
    frame = pd.DataFrame({"d": ["01/02/2020", "03/04/2021", "05/06/2020"] * 20})
    with pytest.raises(InvalidArgument, match=r"read day or month first .*columns=\{'d': 'datetime:%m/%d/%Y'\}"):
        sd.fit(frame, name="t", columns={"d": "datetime"})
    with pytest.warns(UserWarning, match=r"Give its format, e.g. columns=\{'d': 'datetime:%m/%d/%Y'\}"):
        sd.fit(frame, name="t")


def test_a_dict_of_columns_is_told_to_be_a_dataframe():
    """`sd.fit(df.to_dict("list"))` was read as linked tables: "table 'species' is list" or "needs name=" misled."""
    for name in (None, "p"):
        with pytest.raises(InvalidArgument, match=r"got a dict of list values \('species', 'x', \.\.\.\): fit takes"):
            sd.fit({"species": ["a", "b"], "x": [1, 2]}, name=name)
