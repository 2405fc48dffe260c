"""Bad input raises one exception hierarchy with messages that name the column and the fix."""

from __future__ import annotations

import warnings

import pytest

import pytest_synthdata as sd
from pytest_synthdata import errors

BAD_SCHEMAS = [
    # (columns, kwargs, exception, message regex)
    ({"a": "colour"}, {}, errors.UnknownColumnKind, r"column 'a': unknown column kind 'colour'.*Known kinds"),
    ({"a": "integr"}, {}, errors.UnknownColumnKind, r"Did you mean 'integer'"),
    ({"a": "email"}, {}, errors.UnknownColumnKind, r"'email' is a Faker provider: use sd.Faker\('email'\)"),
    ({"a": {"low": 1}}, {}, errors.InvalidArgument, r"column 'a': .* is not a column declaration"),
    ({"a": 42}, {}, errors.InvalidArgument, r"column 'a'"),
    ({"a": sd.Faker("nmae")}, {}, errors.UnknownProvider, r"column 'a'.*no provider 'nmae'.*Did you mean 'name'"),
    ({"a": sd.Faker("name", locale="xx_XX")}, {}, errors.UnknownProvider, r"locale='xx_XX' is not a Faker locale"),
    ({"a": sd.Faker("pyint", colour=3)}, {}, errors.InvalidArgument, r"column 'a'.*rejected kwargs"),
    ({"a": sd.Integer(low=10, high=1)}, {}, errors.InvalidArgument, r"column 'a': low=10 is not below high=1"),
    ({"a": sd.Float(low=5, high=5)}, {}, errors.InvalidArgument, r"column 'a': low=5 is not below high=5"),
    (
        {"a": sd.Integer(low=0, high=10**19)},
        {},
        errors.InvalidArgument,
        r"column 'a': high=10000000000000000000 is beyond int64",
    ),
    ({"a": sd.Float(low=-1.7e308, high=1.7e308)}, {}, errors.InvalidArgument, r"column 'a': .*too far apart"),
    (
        {"a": sd.Integer(lam=3, high=-1)},
        {},
        errors.InvalidArgument,
        r"column 'a': bounds .* leave no values of the poisson",
    ),
    ({"a": sd.Integer(lam=3, low=2.5)}, {}, errors.InvalidArgument, r"column 'a': Integer bounds must be whole"),
    (
        {"a": sd.Date(low="1600-01-01", high="1700-01-01")},
        {},
        errors.InvalidArgument,
        r"column 'a': low='1600-01-01' is outside datetime64\[ns\]'s range",
    ),
    ({"a": sd.Category([1, True])}, {}, errors.InvalidArgument, r"column 'a': Category values must be distinct"),
    (
        {"a": sd.Integer(), "b": sd.Integer()},
        {"constraints": ["a < b", "b < a"]},
        errors.InvalidConstraint,
        r"form a cycle",
    ),
    (
        {k: sd.Float(low=lo, high=hi) for k, lo, hi in [("a", 17, 23), ("b", 12, 18), ("c", 0, 16)]},
        {"constraints": ["a < b", "b < c"]},
        errors.InvalidConstraint,
        r"can never hold: column '.' would have to be at least",
    ),
    (
        {"a": sd.Integer(median=1, sigma=30)},
        {},
        errors.InvalidArgument,
        r"column 'a': the lognormal distribution .* beyond \+-2\*\*53",
    ),
    (
        {"a": sd.Float(low=20, high=70), "b": sd.Float(high=20, decimals=2)},
        {"constraints": ["a <= b"]},
        errors.InvalidConstraint,
        r"confine column 'a' to \[20, 20\], where its distribution has no probability",
    ),
    (
        {"a": sd.Integer(low=0, high=2**53 + 1)},
        {},
        errors.InvalidArgument,
        r"column 'a': low=0 and high=9007199254740993 are more than 2\*\*52 apart",
    ),
    (
        {"a": sd.Integer("uniform", low=0, high=9, mean=3)},
        {},
        errors.InvalidArgument,
        r"column 'a': distribution='uniform' does not use mean=",
    ),
    (
        {"a": sd.Integer(lam=3, mean=2)},
        {},
        errors.InvalidArgument,
        r"column 'a': distribution='poisson' does not use mean=",
    ),
    (
        {"a": sd.Float(median=3, mean=3)},
        {},
        errors.InvalidArgument,
        r"column 'a': give a lognormal either median=/sigma= or mean=/std=",
    ),
    (
        {"a": sd.Float(quantiles=[(0.0, 0), (1.0, 5)])},
        {},
        errors.InvalidArgument,
        r"column 'a': quantiles=.* must be numbers",
    ),
    ({"a": sd.Integer()}, {"constraints": ["a < a"]}, errors.InvalidConstraint, r"compares column 'a' with itself"),
    (
        {"a": sd.Date(low="2024-01-05", high="2024-02-01"), "b": sd.Date(low="2024-01-01", high="2024-01-05")},
        {"constraints": ["a < b"]},
        errors.InvalidConstraint,
        r"column '.' would have to be at least 2024-01-0\d 00:00:00 and at most 2024-01-0\d 00:00:00",
    ),
    ({"a": sd.Integer(low=1.5, high=3)}, {}, errors.InvalidArgument, r"column 'a': Integer bounds must be whole"),
    ({"a": sd.Float(mean=0, std=-1)}, {}, errors.InvalidArgument, r"column 'a': std=-1 must be greater than 0"),
    (
        {"a": sd.Float(mean=0, std=1, low=50, high=60)},
        {},
        errors.InvalidArgument,
        r"column 'a': bounds \[50.0, 60.0\] contain none",
    ),
    (
        {"a": sd.Float(distribution="gamma")},
        {},
        errors.InvalidArgument,
        r"column 'a': distribution='gamma' is not supported",
    ),
    (
        {"a": sd.Float(distribution="poisson")},
        {},
        errors.InvalidArgument,
        r"column 'a': distribution='poisson' is not supported for Float",
    ),
    (
        {"a": sd.Float(distribution="lognormal")},
        {},
        errors.InvalidArgument,
        r"column 'a': a lognormal distribution needs",
    ),
    (
        {"a": sd.Float(quantiles=[3, 1, 2])},
        {},
        errors.InvalidArgument,
        r"column 'a': quantile values must not decrease",
    ),
    (
        {"a": sd.Float(quantiles={0.1: 1, 1.0: 2})},
        {},
        errors.InvalidArgument,
        r"column 'a': quantile probabilities must rise strictly from 0 to 1",
    ),
    ({"a": sd.Float(decimals=-1)}, {}, errors.InvalidArgument, r"column 'a': decimals=-1"),
    (
        {"a": sd.Float(low=0.1, high=0.2, decimals=0)},
        {},
        errors.InvalidArgument,
        r"column 'a': no value with 0 decimals lies between",
    ),
    (
        {"a": sd.Float(null_rate=1.5)},
        {},
        errors.InvalidArgument,
        r"column 'a': null_rate=1.5 must be a number in \[0, 1\)",
    ),
    (
        {"a": sd.Category(["x", "y"], [0.5, -0.5])},
        {},
        errors.InvalidArgument,
        r"column 'a': weights must not be negative.*'y'",
    ),
    (
        {"a": sd.Category(["x", "y"], [0.5, 0.8])},
        {},
        errors.InvalidArgument,
        r"column 'a': weights sum to 1.3, not 1.*normalize=True",
    ),
    ({"a": sd.Category(["x", "y"], [1.0])}, {}, errors.InvalidArgument, r"column 'a': 1 weights for 2 values"),
    ({"a": sd.Category([])}, {}, errors.InvalidArgument, r"column 'a': Category needs at least one value"),
    (
        {"a": sd.Category({"x": 0.5, None: 0.5})},
        {},
        errors.InvalidArgument,
        r"column 'a': Category values must not be None/NaN.*null_rate=",
    ),
    ({"a": sd.Category(["x", "x"])}, {}, errors.InvalidArgument, r"column 'a': Category values must be distinct"),
    ({"a": sd.Boolean(p=1.2)}, {}, errors.InvalidArgument, r"column 'a': p=1.2 must be a probability"),
    ({"a": sd.Date(low="2020-13-45")}, {}, errors.InvalidArgument, r"column 'a': low='2020-13-45' is not a date"),
    (
        {"a": sd.Date(low="yesterday-ish")},
        {},
        errors.InvalidArgument,
        r"column 'a': low='yesterday-ish' is not an ISO date",
    ),
    (
        {"a": sd.Date(low="01.03.2024")},
        {},
        errors.InvalidArgument,
        r"column 'a': low='01.03.2024' is not an ISO date.*ambiguous",
    ),
    (
        {"a": sd.Datetime(high="now")},
        {},
        errors.InvalidArgument,
        r"column 'a': high='now' is not an ISO date.*change every run",
    ),
    ({"a": sd.Date(low=20240301)}, {}, errors.InvalidArgument, r"column 'a': low=20240301 \(int\) is not a date"),
    (
        {"a": sd.Datetime("normal", mean="2022-06-01", std=90)},
        {},
        errors.InvalidArgument,
        r"column 'a': std=90 is not a timedelta; write it with a unit",
    ),
    (
        {"a": sd.Datetime(mean="2022-06-01", quantiles=["2020-01-01", "2021-01-01"])},
        {},
        errors.InvalidArgument,
        r"column 'a': distribution='quantiles' does not use mean=",
    ),
    (
        {"a": sd.Datetime(low="2021-01-01", high="2020-01-01")},
        {},
        errors.InvalidArgument,
        r"column 'a': low='2021-01-01 00:00:00' is not before high",
    ),
    ({"a": sd.Datetime(low="2020-01-01T00:00+02:00")}, {}, errors.InvalidArgument, r"column 'a': .*timezone-aware"),
    ({"a": sd.Datetime(resolution="fortnight")}, {}, errors.InvalidArgument, r"column 'a': resolution='fortnight'"),
    ({"a": sd.Date(resolution="s")}, {}, errors.InvalidArgument, r"column 'a': a Date has resolution 'D'"),
    ({"a": sd.Id("serial")}, {}, errors.InvalidArgument, r"column 'a': Id style 'serial'"),
    (
        {"a": sd.Id("X-{:q}")},
        {},
        errors.InvalidArgument,
        r"column 'a': Id='X-\{:q\}' \(str\) has the format spec 'q', not one for a whole number",
    ),
    (
        {"a": sd.Integer(), "b": sd.Integer()},
        {"correlations": {("a", "b"): 1.5}},
        errors.InvalidCorrelation,
        r"\('a', 'b'\)=1.5 must be a number in \[-1, 1\]",
    ),
    (
        {"a": sd.Integer(), "b": sd.Integer()},
        {"correlations": {("a", "zz"): 0.5}},
        errors.InvalidCorrelation,
        r"unknown column 'zz'",
    ),
    (
        {"a": sd.Integer(), "b": sd.Faker("name")},
        {"correlations": {("a", "b"): 0.5}},
        errors.InvalidCorrelation,
        r"column 'b' is a faker column, which is generated",
    ),
    (
        {"a": sd.Integer()},
        {"correlations": {("a", "a"): 0.5}},
        errors.InvalidCorrelation,
        r"pairs column 'a' with itself",
    ),
    ({"a": sd.Integer()}, {"correlations": {"a": 0.5}}, errors.InvalidCorrelation, r"must be a pair of column names"),
    (
        {"a": sd.Integer(), "b": sd.Integer()},
        {"constraints": ["a << b"]},
        errors.InvalidConstraint,
        r"not a chain of comparisons",
    ),
    (
        {"a": sd.Integer(), "b": sd.Integer()},
        {"constraints": ["a < c"]},
        errors.InvalidConstraint,
        r"unknown column 'c'",
    ),
    (
        {"a": sd.Integer(), "b": sd.Date()},
        {"constraints": ["a < b"]},
        errors.InvalidConstraint,
        r"compares a integer column with a date column",
    ),
    (
        {"a": sd.Integer(low=5, high=9), "b": sd.Integer(low=0, high=5)},
        {"constraints": ["a < b"]},
        errors.InvalidConstraint,
        r"can never hold",
    ),
    ({"a": sd.Integer()}, {"locale": 3}, errors.InvalidArgument, r"locale=3"),
]


@pytest.mark.parametrize(("columns", "kwargs", "exc", "match"), BAD_SCHEMAS)
def test_bad_declarations_raise_clear_errors(columns, kwargs, exc, match):
    with pytest.raises(exc, match=match) as info:
        sd.Schema("t", columns, **kwargs)
    assert isinstance(info.value, errors.SynthdataError)


@pytest.mark.parametrize("name", ["", "my-data", "1st", "class", None])
def test_schema_name_must_be_an_identifier(name):
    with pytest.raises(errors.InvalidArgument, match="must be a Python identifier"):
        sd.Schema(name, {"a": sd.Integer()})


@pytest.mark.parametrize("columns", [{}, None, ["a"]])
def test_schema_needs_a_column_dict(columns):
    with pytest.raises(errors.InvalidArgument, match="columns must be a non-empty dict"):
        sd.Schema("t", columns)


@pytest.mark.parametrize(
    ("n", "match"),
    [
        (-1, r"n=-1 \(int\) is negative; pass an int, 0 or more, such as n=100"),
        (2.5, r"n=2.5 \(float\) is not a row count"),
        ("10", r"n='10' \(str\) is not a row count"),
        (True, r"n=True \(bool\) is not a row count"),
    ],
)
def test_bad_row_counts(n, match):
    schema = sd.Schema("t", {"a": sd.Integer()})
    with pytest.raises(errors.InvalidArgument, match=match):
        schema.sample(n, seed=1)


@pytest.mark.parametrize(
    ("seed", "match"),
    [
        (-1, r"seed=-1 \(int\) is out of range; pass an int from 0 to 2\*\*63 - 1"),
        (2**64, r"seed=18446744073709551616 \(int\) is out of range"),
        (1.5, r"seed=1.5 \(float\) is not a seed.*or None for a fresh random seed"),
        ("7", r"seed='7' \(str\) is not a seed"),
    ],
)
def test_bad_seeds(seed, match):
    schema = sd.Schema("t", {"a": sd.Integer()})
    with pytest.raises(errors.InvalidArgument, match=match):
        schema.sample(3, seed=seed)


def test_infeasible_correlations_are_repaired_with_a_warning_naming_columns():
    cols = {"a": sd.Float(), "b": sd.Float(), "c": sd.Float()}
    with pytest.warns(errors.CorrelationRepairedWarning, match=r"\('a', 'c'\).*->") as record:
        schema = sd.Schema("t", cols, correlations={("a", "b"): 0.9, ("b", "c"): 0.9, ("a", "c"): -0.9})
    assert len(record) == 1
    df = schema.sample(500, seed=1)  # the repaired model samples fine
    assert len(df) == 500


def test_unattainable_correlation_for_discrete_columns_warns_and_clamps():
    with pytest.warns(errors.CorrelationRepairedWarning, match=r"beyond what these columns' ties allow"):
        schema = sd.Schema("t", {"rare": sd.Boolean(p=0.02), "x": sd.Float()}, correlations={("rare", "x"): 0.95})
    assert schema.correlations[("rare", "x")] < 0.95


def test_feasible_correlations_do_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sd.Schema("t", {"a": sd.Float(), "b": sd.Float()}, correlations={("a", "b"): 1.0})


def test_conflicting_duplicate_correlation_is_an_error():
    with pytest.raises(errors.InvalidCorrelation, match="given twice"):
        sd.Schema("t", {"a": sd.Float(), "b": sd.Float()}, correlations={("a", "b"): 0.5, ("b", "a"): -0.5})


def register_from(filename: str, model):
    """Call register() as module ``filename`` would (it looks at its caller's globals)."""
    namespace = {"__file__": filename, "__name__": filename.removesuffix(".py"), "sd": sd, "model": model}
    exec("result = sd.register(model)", namespace)
    return namespace


def test_register_rejects_a_second_dataset_with_the_same_name(monkeypatch):
    from pytest_synthdata import _registry

    monkeypatch.setattr(_registry, "pending", [])
    first = sd.Schema("dup", {"a": sd.Integer()})
    register_from("helpers.py", first)
    register_from("helpers.py", first)  # the same object again is harmless
    with pytest.raises(errors.DuplicateDataset, match=r"'synth_dup'.*give one of them another name"):
        register_from("helpers.py", sd.Schema("dup", {"b": sd.Integer()}))


def test_register_in_a_conftest_defines_the_fixtures_there():
    namespace = register_from("conftest.py", sd.Schema("local", {"a": sd.Integer()}))
    assert {"synth_local", "synth_local_factory"} <= set(namespace)


def test_register_rejects_non_models():
    with pytest.raises(errors.InvalidArgument, match=r"register\(\): got 'customers' \(str\), which is not a dataset"):
        sd.register("customers")


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (
            lambda: sd.Integer(lo=1),
            r"Integer\(\): got an unexpected keyword argument 'lo'\. Did you mean low= instead of lo=\?",
        ),
        (lambda: sd.Float(decimal=2), r"Did you mean decimals= instead of decimal=\?"),
        (lambda: sd.Float(lam=3), r"Float\(\): got an unexpected keyword argument 'lam'.*It takes: distribution, low"),
        (
            lambda: sd.Id(null_rate=0.1),
            r"Id\(\): got an unexpected keyword argument 'null_rate'\. It takes: style, start",
        ),
        (lambda: sd.Category(["a"], wieghts=[1]), r"Did you mean weights= instead of wieghts=\?"),
    ],
)
def test_wrong_keywords_name_the_declaration_and_its_parameters(make, match):
    with pytest.raises(errors.UnknownParameter, match=match) as info:
        make()
    assert isinstance(info.value, TypeError)  # what Python itself would raise
