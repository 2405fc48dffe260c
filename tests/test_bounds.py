"""Declarations at the edges: no parameter silently defaults, bounds are exact, ranges are checked up front."""

from __future__ import annotations

import re

import pandas as pd
import pytest

import pytest_synthdata as sd
from pytest_synthdata import errors
from pytest_synthdata._validate import rows_from_text
from pytest_synthdata.cli import main


def _sample(column: sd.Column, n: int = 2_000) -> pd.Series:
    return sd.Schema("t", columns={"x": column}).sample(n, seed=3)["x"]


MISSING_PARAMETERS = [
    (sd.Integer(mean=50), r"column 'x': a normal distribution needs std= \(or both low= and high="),
    (sd.Float(mean=50), r"column 'x': a normal distribution needs std="),
    (sd.Integer(mean=50, low=0), r"needs std= .*low=0, high=None"),
    (sd.Float(std=5), r"column 'x': a normal distribution needs mean="),
    (sd.Float(distribution="normal"), r"needs mean= and std="),
    (sd.Float(median=3), r"column 'x': a lognormal distribution needs both median= and sigma="),
    (sd.Float(distribution="lognormal", mean=100), r"a lognormal distribution needs both mean= and std="),
    (sd.Datetime(mean="2022-06-01"), r"column 'x': a normal Datetime needs std= \(a timedelta"),
]


@pytest.mark.parametrize(("column", "match"), MISSING_PARAMETERS)
def test_a_missing_spread_parameter_is_an_error_not_a_silent_one(column, match):
    with pytest.raises(errors.InvalidArgument, match=match):
        _sample(column)


def test_integer_mean_with_both_bounds_takes_std_from_them():
    x = _sample(sd.Integer(mean=50, low=0, high=120), n=50_000)
    # std = (120 - 0) / 6 = 20 before truncation at the bounds, far from the old silent std=1
    assert 15 < x.std() < 22
    assert x.min() >= 0 and x.max() <= 120


def test_datetime_mean_with_both_bounds_takes_std_from_them():
    x = _sample(sd.Datetime(mean="2022-07-01", low="2022-01-01", high="2022-12-31"), n=20_000)
    assert pd.Timedelta(days=45) < x.std() < pd.Timedelta(days=75)  # (high - low) / 6 = 60 days


DATETIME_RANGE = [
    (sd.Datetime(mean="2022-01-01", std="1000000D"), r"std='1000000D' is beyond pandas' timedelta range"),
    (sd.Datetime(low="1500-01-01", high="2000-01-01"), r"low='1500-01-01' is outside datetime64\[ns\]'s range"),
]


@pytest.mark.parametrize(("column", "match"), DATETIME_RANGE)
def test_datetimes_outside_pandas_range_fail_at_declaration(column, match):
    with pytest.raises(errors.InvalidArgument, match=match):
        sd.Schema("t", columns={"x": column})


@pytest.mark.parametrize(
    "column",
    [
        sd.Datetime(mean="2022-01-01", std="100000D"),  # 8 std reach past both ends of the range
        sd.Datetime(mean="2262-04-01", std="30D"),  # near the last representable day
        sd.Date(mean="1677-09-25", std="30D"),  # near the first
        sd.Datetime(low="2262-04-11"),  # a uniform's default high (low + 1 day) would pass the last
        sd.Datetime(high="1680-01-01"),  # its default low (high - 6 years) would pass the first
    ],
)
def test_wide_or_edge_normal_datetimes_stop_inside_the_range(column):
    x = _sample(column)
    assert x.notna().all()
    assert pd.Timestamp.min < x.min() <= x.max() < pd.Timestamp.max


@pytest.mark.parametrize("style", ["sequential", "ID-{:d}"])
def test_ids_up_to_int64_max_are_exact(style):
    ids = sd.Schema("t", columns={"i": sd.Id(style, start=2**63 - 2)}).sample(2, seed=1)["i"]
    assert [int(str(v).removeprefix("ID-")) for v in ids] == [2**63 - 2, 2**63 - 1]


@pytest.mark.parametrize("style", ["sequential", "ID-{:d}"])
def test_ids_that_would_pass_int64_max_raise_instead_of_wrapping(style):
    schema = sd.Schema("t", columns={"i": sd.Id(style, start=2**63 - 2)})
    with pytest.raises(errors.InvalidArgument, match=r"column 'i': 3 ids from start=\d+ would reach .* at most 2 rows"):
        schema.sample(3, seed=1)


def test_an_id_start_beyond_int64_fails_at_declaration():
    with pytest.raises(errors.InvalidArgument, match=r"column 'i': start=9223372036854775808 is beyond int64"):
        sd.Schema("t", columns={"i": sd.Id(start=2**63)})


def test_a_model_file_with_a_negative_id_start_is_rejected(tmp_path):
    path = tmp_path / "t.synth.json"
    sd.Schema("t", columns={"i": sd.Id(start=5)}).save(path)
    path.write_text(path.read_text().replace('"start": 5', '"start": -5'))
    with pytest.raises(errors.ModelFileError, match=r"start.*is not an int from 0 to 2\*\*63 - 1"):
        sd.load(path)


CUSTOMERS = {
    "id": sd.Id(),
    "age": sd.Integer(low=18, high=90),
    "income": sd.Float(mean=5e4, std=1e4),
    "name": sd.Faker("name"),
}


def test_sampling_more_rows_than_memory_holds_says_how_much_it_would_need():
    customers = sd.Schema("customers", CUSTOMERS)
    with pytest.raises(errors.InvalidArgument) as info:
        customers.sample(10**12, seed=1)
    message = str(info.value)
    assert (
        "Schema.sample: n=1000000000000 (int) is too many rows: sampling 1,000,000,000,000 rows of 'customers'"
        in message
    )
    assert re.search(
        r"\(4 columns, about 74 bytes a row\) needs about 74 TB of memory, more than the .* this machine has", message
    )
    assert "sample fewer rows (at most about" in message


def test_a_huge_row_count_on_the_command_line_parses_and_names_the_memory(tmp_path, capsys):
    path = tmp_path / "customers.synth.json"
    sd.Schema("customers", CUSTOMERS).save(path)
    assert main(["sample", str(path), "-n", "1e11", "-o", str(tmp_path / "out.csv")]) != 0
    err = capsys.readouterr().err
    assert "-n 100000000000 (int) is too many rows: sampling 100,000,000,000 rows of 'customers'" in err
    assert "needs about 7.4 TB of memory" in err
    assert "Traceback" not in err and "MemoryError" not in err


@pytest.mark.parametrize(("text", "rows"), [("1e3", 1000), ("2.5E3", 2500), ("1e+2", 100), ("7", 7)])
def test_row_counts_as_text_may_use_an_exponent(text, rows):
    assert rows_from_text(text, argument="-n") == rows


@pytest.mark.parametrize("text", ["1.5e0", "1e-3", "1e", "e3", "1e1000"])
def test_row_counts_with_fractions_or_bad_exponents_are_not_row_counts(text):
    with pytest.raises(errors.InvalidArgument, match=r"is not a row count"):
        rows_from_text(text, argument="-n")


def test_a_huge_ini_row_count_fails_each_test_with_the_memory_it_would_need(pytester):
    pytester.makeconftest(
        "import pytest_synthdata as sd\n"
        "sd.register(sd.Schema('customers', {'age': sd.Integer(low=18, high=90), 'name': sd.Faker('name')}))\n"
    )
    pytester.makeini("[pytest]\nsynthdata_rows = 1e11\n")
    pytester.makepyfile("def test_one(synth_customers):\n    pass\n")
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ini option: synthdata_rows=100000000000 (int) is too many rows: sampling 100,000,000,000 rows of "
            "'customers' (2 columns, about 58 bytes a row) needs about 5.8 TB of memory*"
        ]
    )
    result.stdout.no_fnmatch_line("*MemoryError*")


@pytest.mark.parametrize(
    ("low", "high"),
    [(2**53 - 10, 2**53), (2**63 - 11, 2**63 - 1), (-(2**63), -(2**63) + 10), (2**60 - 5, 2**60 + 5)],
)
def test_integers_near_the_ends_of_int64_draw_every_value_exactly(low, high):
    x = _sample(sd.Integer(low=low, high=high), n=1_000)
    assert x.dtype == "int64"
    assert sorted({int(v) - low for v in x}) == list(range(high - low + 1))


def test_a_huge_integer_normal_keeps_its_mean_and_spread_to_the_unit():
    x = _sample(sd.Integer(mean=2**62 + 5, std=3, low=2**62 - 100, high=2**62 + 100), n=20_000)
    offsets = pd.Series([int(v) - 2**62 for v in x])
    assert offsets.mean() == pytest.approx(5, abs=0.1)
    assert offsets.std() == pytest.approx(3, abs=0.1)


def test_huge_integers_round_trip_through_a_model_file_with_nulls(tmp_path):
    schema = sd.Schema(
        "t",
        {
            "a": sd.Integer(low=2**62, high=2**62 + 5, null_rate=0.1),
            "b": sd.Integer(quantiles=[-(2**61), -(2**61) + 10, -(2**61) + 1000], low=-(2**61)),
        },
    )
    loaded = sd.load(schema.save(tmp_path / "t.synth.json"))
    pd.testing.assert_frame_equal(loaded.sample(500, seed=4), schema.sample(500, seed=4))
    assert loaded.column("a").describe() == f"[{2**62} .. {2**62 + 5}]"


HUGE_INTEGERS = [
    (sd.Integer(low=0, high=10**19), r"column 'x': high=10000000000000000000 is beyond int64"),
    (sd.Integer(low=-(2**63) - 1, high=0), r"column 'x': low=-9223372036854775809 is beyond int64"),
    (sd.Integer(low=0, high=2**53 + 1), r"low=0 and high=9007199254740993 are more than 2\*\*52 apart"),
    (sd.Integer(low=2**63 - 10), r"placed at 9223372036854775798 reaches beyond int64"),
    (sd.Integer(median=2**60, sigma=0.1, low=2**60), r"a lognormal distribution cannot be placed beyond \+-2\*\*52"),
    (sd.Integer(high=-(2**60), distribution="exponential", scale=3), r"exponential .* needs low="),
]


@pytest.mark.parametrize(("column", "match"), HUGE_INTEGERS)
def test_integers_outside_what_int64_or_float64_draws_hold_are_refused(column, match):
    with pytest.raises(errors.InvalidArgument, match=match):
        sd.Schema("t", columns={"x": column})


def test_order_constraints_on_huge_integers_are_refused():
    columns = {"a": sd.Integer(low=2**60, high=2**60 + 5), "b": sd.Integer(low=2**60, high=2**60 + 9)}
    with pytest.raises(errors.InvalidConstraint, match=r"orders column 'a', whose integers lie beyond \+-2\*\*52"):
        sd.Schema("t", columns=columns, constraints=["a < b"])
