"""Review 15 (fit): small missing counts of generated columns, Faker's placeholder characters in patterns,
numbers written as text, dates in several formats."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest

import pytest_synthdata as sd
from pytest_synthdata.errors import DateFormatWarning, InvalidArgument, SynthdataWarning


def _codes(n: int = 200) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    letters = rng.integers(0, 26, size=(n, 2))
    code = [
        f"{chr(65 + a)}{chr(65 + b)}-{int(d):04d}"
        for (a, b), d in zip(letters, rng.integers(0, 10_000, n), strict=True)
    ]
    df = pd.DataFrame({"code": code, "amount": rng.normal(50, 10, n).round(2)})
    df.loc[[3, 77], "code"] = np.nan
    return df


def test_a_pattern_columns_few_missing_values_are_stored_as_half_min_count_rows():
    model = sd.fit(_codes(), min_count=5)
    column = model.column("code")
    assert column.kind == "faker"
    assert column.null_rate == pytest.approx(2.5 / 200)


def test_a_pattern_column_with_few_present_values_reads_the_same_from_the_other_side():
    df = _codes()
    df.loc[4:, "code"] = np.nan  # 2 of 200 present (rows 0..3 less the two missing ones)
    df["code"] = df["code"].astype(object)
    model = sd.fit(df, min_count=5, columns={"code": "pattern"})
    assert model.column("code").null_rate == pytest.approx(1 - 2.5 / 200)


def test_a_fitted_pattern_column_with_few_missing_values_passes_the_audit(tmp_path):
    path = sd.fit(_codes(), min_count=5, name="codes").save(tmp_path / "codes.synth.json")
    text = path.read_text()
    assert "0.010000000000000009" not in text and '"null_rate": 0.01,' not in text
    from pytest_synthdata.cli import main

    assert main(["audit", str(path)]) == 0


def test_a_price_pattern_keeps_its_dollar_sign_and_number_of_digits():
    rng = np.random.default_rng(1)
    price = [f"${x:,.2f}" for x in rng.uniform(1000, 9999, 300)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SynthdataWarning)
        model = sd.fit(pd.DataFrame({"price": price}), min_count=5)
    got = model.sample(200, seed=3)["price"]
    assert got.str.fullmatch(r"\$\d,\d{3}\.\d{2}").all(), got.head().tolist()


@pytest.mark.parametrize("mark", ["%", "!", "@", "$"])
def test_every_numerify_placeholder_in_the_data_stays_itself(mark):
    rng = np.random.default_rng(2)
    values = [f"{int(x):03d}{mark}" for x in rng.integers(0, 1000, 200)]
    model = sd.fit(pd.DataFrame({"v": values}), min_count=5, columns={"v": "pattern"})
    got = model.sample(100, seed=1)["v"]
    assert got.str.fullmatch(r"\d{3}" + re.escape(mark)).all(), got.head().tolist()


def test_a_template_with_letters_and_a_placeholder_mark_never_samples_digits_there():
    rng = np.random.default_rng(4)
    values = [
        f"{chr(65 + int(a))}{int(d):02d}%"
        for a, d in zip(rng.integers(0, 26, 200), rng.integers(0, 99, 200), strict=True)
    ]
    model = sd.fit(pd.DataFrame({"v": values}), min_count=5, columns={"v": "pattern"})
    got = model.sample(100, seed=1)["v"]
    assert got.str.fullmatch(r"[A-Z]\d{2}\D").all(), got.head().tolist()


def _income(n: int = 300) -> pd.DataFrame:
    rng = np.random.default_rng(5)
    income = [f"{x:.1f}" for x in rng.uniform(1000, 9999, n)]
    for i in range(0, n, 40):
        income[i] = "."
    return pd.DataFrame({"region": rng.choice(list("NSEW"), n), "income": income})


def test_numbers_stored_as_text_fitted_as_a_pattern_are_named_with_the_fix():
    with pytest.warns(SynthdataWarning, match=r"column 'income'.*numbers written as text.*pd\.to_numeric"):
        model = sd.fit(_income(), min_count=5)
    assert model.column("income").kind == "faker"


@pytest.mark.parametrize(
    ("write", "example"),
    [
        (lambda x: f"{x:,.0f}", "1,999"),
        (lambda x: f"{x / 10_000:.2f}%", "12.34%"),
        (lambda x: f"${x:,.2f}", "$1,234.50"),
    ],
)
def test_formatted_numbers_as_text_are_named_and_read_when_declared_float(write, example):
    rng = np.random.default_rng(6)
    df = pd.DataFrame({"v": [write(x) for x in rng.uniform(1000, 999_999, 400)]})
    with pytest.warns(SynthdataWarning, match=r"column 'v'.*numbers written as text.*columns=\{'v': 'float'\}"):
        sd.fit(df, min_count=5)
    model = sd.fit(df, min_count=5, columns={"v": "float"})
    assert model.column("v").kind == "float"
    assert pd.api.types.is_float_dtype(model.sample(10, seed=0)["v"])


def test_text_declared_float_that_is_no_number_says_how_to_convert_it():
    df = pd.DataFrame({"v": ["1,5 kg", "2 kg", "n/a?"] * 10})
    with pytest.raises(InvalidArgument, match=r"pd\.to_numeric\(df\['v'\]\.str\.replace"):
        sd.fit(df, min_count=5, columns={"v": "float"})


def test_dates_written_in_several_formats_warn_naming_the_formats():
    days = pd.date_range("2001-01-01", periods=120, freq="7D")
    when = [
        d.strftime("%Y-%m-%d") if i % 3 == 0 else d.strftime("%m/%d/%Y") if i % 3 == 1 else d.strftime("%b %d %Y")
        for i, d in enumerate(days)
    ]
    df = pd.DataFrame({"when": when, "amount": np.arange(120) * 1.5})
    with pytest.warns(DateFormatWarning, match=r"column 'when'.*ISO 8601.*day-month-year.*month name"):
        sd.fit(df, min_count=5)
