"""Declared columns sample with the promised dtypes, bounds and distributions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import pytest_synthdata as sd

N = 20_000


def sample(columns, n=N, seed=3, **kwargs):
    return sd.Schema("t", columns, **kwargs).sample(n, seed=seed)


def test_sample_returns_exactly_n_rows_with_declared_dtypes():
    schema = sd.Schema(
        "customers",
        {
            "id": sd.Id(),
            "code": sd.Id("CUST-{:06d}"),
            "uuid": sd.Id("uuid"),
            "age": sd.Integer(low=18, high=90),
            "kids": sd.Integer(lam=1.2, null_rate=0.1),
            "income": sd.Float(median=50_000, sigma=0.4, decimals=2),
            "plan": sd.Category({"free": 0.7, "pro": 0.3}),
            "vip": sd.Boolean(p=0.1),
            "opt_in": sd.Boolean(p=0.5, null_rate=0.2),
            "signup": sd.Date(),
            "seen": sd.Datetime(),
            "name": sd.Faker("name"),
        },
    )
    df = schema.sample(1234, seed=1)
    assert len(df) == 1234
    assert list(df.columns) == schema.columns
    assert {c: str(t) for c, t in df.dtypes.items()} == schema.dtypes
    assert schema.dtypes == {
        "id": "int64",
        "code": "string",
        "uuid": "string",
        "age": "int64",
        "kids": "Int64",
        "income": "float64",
        "plan": "category",
        "vip": "bool",
        "opt_in": "boolean",
        "signup": "datetime64[ns]",
        "seen": "datetime64[ns]",
        "name": "string",
    }


def test_zero_rows_keep_dtypes():
    schema = sd.Schema(
        "t", {"a": sd.Integer(low=0, high=3, null_rate=0.5), "b": sd.Faker("name"), "c": sd.Category(["x", "y"])}
    )
    df = schema.sample(0, seed=1)
    assert len(df) == 0
    assert {c: str(t) for c, t in df.dtypes.items()} == schema.dtypes


def test_integer_uniform_bounds_are_inclusive_and_fair():
    df = sample({"die": sd.Integer(low=1, high=6)})
    counts = df["die"].value_counts(normalize=True).sort_index()
    assert list(counts.index) == [1, 2, 3, 4, 5, 6]
    assert np.allclose(counts.to_numpy(), 1 / 6, atol=0.015)


def test_normal_truncated_to_bounds_never_leaves_them():
    df = sample({"age": sd.Integer(mean=30, std=20, low=18, high=65), "x": sd.Float(mean=0, std=1, low=-0.5, high=2)})
    assert df["age"].between(18, 65).all()
    assert df["x"].between(-0.5, 2).all()
    assert df["age"].min() == 18  # truncation keeps mass at the edge, it does not vanish


def test_lognormal_mean_std_form_matches_moments():
    df = sample({"v": sd.Float(distribution="lognormal", mean=100.0, std=30.0)}, n=100_000)
    assert df["v"].mean() == pytest.approx(100.0, rel=0.02)
    assert df["v"].std() == pytest.approx(30.0, rel=0.05)
    assert (df["v"] > 0).all()


def test_lognormal_median_sigma_form():
    df = sample({"income": sd.Float(median=52_000, sigma=0.5)}, n=50_000)
    assert df["income"].median() == pytest.approx(52_000, rel=0.03)


def test_exponential_and_poisson_means():
    df = sample({"wait": sd.Float(distribution="exponential", scale=2.0), "visits": sd.Integer(lam=3.5)}, n=50_000)
    assert df["wait"].mean() == pytest.approx(2.0, rel=0.03)
    assert df["wait"].min() >= 0
    assert df["visits"].mean() == pytest.approx(3.5, rel=0.03)
    assert df["visits"].var() == pytest.approx(3.5, rel=0.06)


def test_quantiles_list_and_dict():
    df = sample({"q": sd.Float(quantiles=[0, 10, 100]), "r": sd.Float(quantiles={0.0: 5, 0.9: 6, 1.0: 100})})
    assert df["q"].between(0, 100).all()
    assert df["q"].median() == pytest.approx(10, rel=0.1)
    assert (df["r"] <= 6).mean() == pytest.approx(0.9, abs=0.01)


def test_decimals_round_values():
    df = sample({"price": sd.Float(low=0, high=100, decimals=2)}, n=2000)
    cents = df["price"].to_numpy() * 100
    assert np.allclose(cents, np.round(cents))


def test_category_frequencies_and_order():
    df = sample({"plan": sd.Category(["free", "pro", "enterprise"], [0.7, 0.25, 0.05])})
    assert list(df["plan"].cat.categories) == ["free", "pro", "enterprise"]
    freq = df["plan"].value_counts(normalize=True)
    assert freq["free"] == pytest.approx(0.7, abs=0.015)
    assert freq["enterprise"] == pytest.approx(0.05, abs=0.01)


def test_category_normalize_turns_counts_into_probabilities():
    df = sample({"c": sd.Category({"a": 3, "b": 1}, normalize=True)})
    assert (df["c"] == "a").mean() == pytest.approx(0.75, abs=0.015)


def test_boolean_rate_and_extremes():
    df = sample({"b": sd.Boolean(p=0.2), "never": sd.Boolean(p=0.0), "always": sd.Boolean(p=1.0)})
    assert df["b"].mean() == pytest.approx(0.2, abs=0.015)
    assert not df["never"].any()
    assert df["always"].all()


def test_null_rates_are_respected_for_every_kind():
    df = sample(
        {
            "i": sd.Integer(low=0, high=10, null_rate=0.3),
            "f": sd.Float(null_rate=0.3),
            "c": sd.Category(["a", "b"], null_rate=0.3),
            "b": sd.Boolean(null_rate=0.3),
            "d": sd.Date(null_rate=0.3),
            "n": sd.Faker("name", null_rate=0.3),
        }
    )
    rates = df.isna().mean()
    assert np.allclose(rates.to_numpy(), 0.3, atol=0.015), rates


def test_datetime_bounds_resolution_and_dates_at_midnight():
    df = sample(
        {
            "d": sd.Date(low="1960-02-01", high="1960-03-01"),
            "t": sd.Datetime(low="2024-01-01 08:00", high="2024-01-01 09:00", resolution="min"),
            "n": sd.Datetime(distribution="normal", mean="2022-06-01", std="30D", low="2022-01-01", high="2022-12-31"),
        },
        n=5000,
    )
    assert df["d"].between(pd.Timestamp("1960-02-01"), pd.Timestamp("1960-03-01")).all()
    assert (df["d"] == df["d"].dt.normalize()).all()
    assert (df["t"].dt.second == 0).all()
    assert df["t"].between(pd.Timestamp("2024-01-01 08:00"), pd.Timestamp("2024-01-01 09:00")).all()
    assert abs(df["n"].mean() - pd.Timestamp("2022-06-01")) < pd.Timedelta("3D")


def test_id_kinds():
    df = sample({"id": sd.Id(start=100), "code": sd.Id("CUST-{:06d}"), "u": sd.Id("uuid"), "p": sd.Id("x{}y")}, n=5000)
    assert df["id"].tolist() == list(range(100, 5100))
    assert df["code"].iloc[0] == "CUST-000001"
    assert df["p"].iloc[9] == "x10y"
    assert df["u"].is_unique
    assert df["u"].str.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}").all()


def test_columns_accept_kind_names_and_dicts():
    schema = sd.Schema("t", {"b": "boolean", "i": {"kind": "integer", "low": 1, "high": 3}})
    df = schema.sample(100, seed=1)
    assert df["i"].between(1, 3).all()
    assert str(df["b"].dtype) == "bool"


def test_less_than_constraint_holds_in_every_row():
    schema = sd.Schema(
        "users",
        {
            "signup_date": sd.Date(low="2020-01-01", high="2024-12-31"),
            "last_login": sd.Datetime(low="2020-01-01", high="2024-12-31"),
            "lo": sd.Integer(low=0, high=10),
            "hi": sd.Float(low=0, high=10, decimals=1),
        },
        constraints=["signup_date < last_login", sd.LessThan("lo", "hi")],
    )
    df = schema.sample(20_000, seed=5)
    assert (df["signup_date"] < df["last_login"]).all()
    assert (df["lo"] < df["hi"]).all()
    assert df["lo"].between(0, 10).all() and df["hi"].between(0, 10).all()
    assert df["signup_date"].between(pd.Timestamp("2020-01-01"), pd.Timestamp("2024-12-31")).all()


def test_constraint_strings_parse_all_operators():
    assert sd.LessThan.parse("a < b") == sd.LessThan("a", "b")
    assert sd.LessThan.parse("a <= b") == sd.LessThan("a", "b", strict=False)
    assert sd.LessThan.parse("b > a") == sd.LessThan("a", "b")
    assert sd.LessThan.parse("b >= a") == sd.LessThan("a", "b", strict=False)


def test_non_strict_constraint_allows_ties_but_not_inversions():
    schema = sd.Schema("t", {"a": sd.Integer(low=0, high=3), "b": sd.Integer(low=0, high=3)}, constraints=["a <= b"])
    df = schema.sample(5000, seed=2)
    assert (df["a"] <= df["b"]).all()
    assert (df["a"] == df["b"]).any()


def test_faker_locale_per_schema_and_column():
    schema = sd.Schema(
        "t",
        {"name": sd.Faker("name"), "city": sd.Faker("city", locale="ja_JP")},
        locale="de_DE",
    )
    df = schema.sample(200, seed=1)
    from faker import Faker

    german_names = set()
    fake = Faker("de_DE")
    fake.seed_instance(1)
    for _ in range(2000):
        german_names.add(fake.last_name())
    assert df["name"].map(lambda s: s.split()[-1] in german_names).mean() > 0.5
    assert df["city"].map(lambda s: any("\u3040" <= ch <= "\u9fff" for ch in s)).all()


def test_faker_kwargs_reach_the_provider():
    df = sample({"n": sd.Faker("pyint", min_value=5, max_value=9)}, n=500)
    assert df["n"].between(5, 9).all()


def test_unique_faker_column_is_unique_or_raises_pool_exhausted():
    schema = sd.Schema("t", {"user": sd.Faker("user_name", unique=True, pool_size=300)})
    df = schema.sample(250, seed=1)
    assert df["user"].is_unique
    with pytest.raises(sd.errors.PoolExhausted, match=r"column 'user'.*pool ran out.*pool_size="):
        schema.sample(5000, seed=1)


def test_a_unique_email_column_numbers_the_rows_past_its_pool_by_plus_addressing():
    schema = sd.Schema("t", {"email": sd.Faker("email", unique=True, pool_size=300)})
    small = schema.sample(250, seed=1)
    assert small["email"].is_unique and not small["email"].str.contains("+", regex=False).any()
    df = schema.sample(5000, seed=1)  # (it raised PoolExhausted)
    assert df["email"].is_unique and df["email"].str.fullmatch(r"[^@\s]+@[^@\s]+\.[a-z]+").all()
    assert (df["email"].iloc[:250] == small["email"]).all()  # (the rows within the pool are as before)
    later = df["email"][df["email"].str.contains("+", regex=False)]
    assert len(later) > 4000 and later.str.fullmatch(r"[^@+\s]+\+\d+@[^@\s]+").all()


def test_faker_values_are_faker_output_for_the_locale():
    from faker import Faker

    fake = Faker("en_US")
    fake.seed_instance(0)
    df = sample({"email": sd.Faker("email")}, n=1000)
    assert df["email"].str.fullmatch(r"[^@\s]+@[^@\s]+\.[a-z]+").all()
    assert df["email"].nunique() > 300  # drawn from a pool, not one value


def test_seed_is_recorded_in_attrs():
    df = sample({"a": sd.Integer(low=0, high=9)}, n=3, seed=None)
    assert isinstance(df.attrs["synthdata"]["seed"], int)
    assert df.attrs["synthdata"]["dataset"] == "t"


def test_numpy_integer_seeds_and_row_counts_are_accepted():
    schema = sd.Schema("t", {"a": sd.Integer(low=0, high=9)})
    assert schema.sample(np.int64(5), seed=np.int32(3)).equals(schema.sample(5, seed=3))


def test_repr_and_equality_of_declarations():
    assert sd.Integer(low=1, high=2) == sd.Integer(low=1, high=2)
    assert sd.Integer(low=1, high=2) != sd.Integer(low=1, high=3)
    assert "low=1" in repr(sd.Integer(low=1, high=2))
    assert "Schema('t'" in repr(sd.Schema("t", {"a": "boolean"}))


def test_constraint_between_decimal_columns_keeps_the_grid_and_bounds():
    schema = sd.Schema(
        "t",
        {"a": sd.Float(low=0, high=1, decimals=1), "b": sd.Float(low=0, high=0.95, decimals=1)},
        constraints=["a < b"],
    )
    df = schema.sample(20_000, seed=1)
    assert (df["a"] < df["b"]).all()
    for col in "ab":
        tenths = df[col].to_numpy() * 10
        assert np.allclose(tenths, np.round(tenths))
    assert df["b"].max() == 0.9  # 0.95 is not a 1-decimal value


def test_chained_constraints_hold_and_narrow_the_bounds_they_imply():
    schema = sd.Schema("t", {k: sd.Integer(low=0, high=2) for k in "abc"}, constraints=["a < b", "b < c"])
    df = schema.sample(5_000, seed=0)
    assert (df["a"] == 0).all() and (df["b"] == 1).all() and (df["c"] == 2).all()
    mixed = sd.Schema(
        "m",
        {"a": sd.Float(low=6, high=23), "b": sd.Integer(low=5, high=21), "c": sd.Float(low=8, high=21)},
        constraints=["a < b", "c > b"],
    )
    df = mixed.sample(20_000, seed=3)
    assert ((df["a"] < df["b"]) & (df["b"] < df["c"])).all()
    assert df["a"].min() >= 6 and df["c"].max() <= 21


def test_constraints_redraw_rather_than_clip_so_no_spike_forms_at_a_bound():
    schema = sd.Schema("t", {"a": sd.Float(low=0, high=100), "b": sd.Float(low=40, high=60)}, constraints=["a < b"])
    df = schema.sample(100_000, seed=7)
    assert (df["a"] < df["b"]).all()
    assert (df["b"] == 60.0).mean() < 0.001
    assert df["a"].max() < 60  # a is truncated below b's upper bound, not piled on it


def test_float_decimals_give_each_grid_value_a_full_cell():
    df = sd.Schema("t", {"x": sd.Float(low=0.01, high=0.99, decimals=1)}).sample(100_000, seed=2)
    freq = df["x"].value_counts(normalize=True)
    assert sorted(freq.index) == pytest.approx([0.1 * k for k in range(1, 10)])
    assert np.allclose(freq.to_numpy(), 1 / 9, atol=0.01)


def test_far_upper_tail_truncation_keeps_full_precision():
    df = sample({"x": sd.Float(mean=0, std=1, low=7), "e": sd.Float(distribution="exponential", scale=1.0)}, n=50_000)
    assert df["x"].nunique() == 50_000  # no quantisation near CDF = 1
    assert df["x"].mean() == pytest.approx(7.1378, abs=0.01)  # E[X | X > 7] for a standard normal
    assert df["e"].max() > 8  # the exponential's tail is not capped
