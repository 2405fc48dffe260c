"""sd.fit: kind inference, marginals, correlations, missingness, privacy, bad input."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from tables_for_tests import customers

import pytest_synthdata as sd
from pytest_synthdata._artifact import to_dict
from pytest_synthdata.errors import InvalidArgument

PANDAS_3 = int(pd.__version__.split(".")[0]) >= 3


@pytest.fixture(scope="module")
def real() -> pd.DataFrame:
    return customers()


@pytest.fixture(scope="module")
def model(real: pd.DataFrame) -> sd.Model:
    return sd.fit(real, name="customers")


def test_kinds_are_inferred_from_dtype_name_and_cardinality(model):
    kinds = {col: about["kind"] for col, about in model.info["columns"].items()}
    assert kinds == {
        "customer_id": "id",
        "email": "pii",
        "age": "integer",
        "income": "float",
        "plan": "category",
        "churned": "boolean",
        "signup": "datetime",
        "visits": "integer",
    }


def test_sample_has_exact_rows_and_the_source_dtypes(real, model):
    df = model.sample(1234, seed=3)
    assert len(df) == 1234
    expected = real.dtypes.astype(str).to_dict()
    assert df.dtypes.astype(str).to_dict() == expected
    assert df["customer_id"].is_unique
    assert df["email"].str.contains("@").all()
    assert not df["email"].isin(real["email"]).any()  # regenerated, never copied


def test_marginals_match_the_real_columns(real, model):
    df = model.sample(20_000, seed=1)
    for col in ("age", "income", "visits"):
        ks = stats.ks_2samp(real[col].dropna(), df[col].dropna()).statistic
        assert ks < 0.03, (col, ks)
    for col in ("plan", "churned"):
        r = real[col].value_counts(normalize=True)
        s = df[col].value_counts(normalize=True)
        assert np.abs(r - s.reindex(r.index)).max() < 0.02, col
    # grids and bounds: whole numbers stay whole, cents stay cents, the tails reach a little past the bulk
    cents = df["income"].dropna() * 100
    assert np.allclose(cents, np.round(cents), rtol=0, atol=1e-6)
    assert df["age"].between(real["age"].min() - 10, real["age"].max() + 10).all()
    assert (df["signup"].dt.normalize() == df["signup"]).all()


def test_correlations_are_reproduced_including_categories():
    real = customers(missing=False)
    df = sd.fit(real).sample(20_000, seed=2)
    codes = {"free": 0, "pro": 1, "enterprise": 2}
    for frame in (real, df):
        frame["plan_code"] = frame["plan"].map(codes).astype(float)
        frame["churn_code"] = frame["churned"].astype(float)
    pairs = [("age", "income"), ("age", "churn_code"), ("income", "plan_code"), ("age", "plan_code")]
    for a, b in pairs:
        want = real[[a, b]].corr(method="spearman").iloc[0, 1]
        got = df[[a, b]].corr(method="spearman").iloc[0, 1]
        assert abs(want - got) < 0.03, (a, b, want, got)


@pytest.mark.parametrize("eps", [1e-12, -1e-12])
def test_rounding_in_the_spearman_sums_does_not_move_the_model(monkeypatch, eps):
    """Flags nested in another column saturate their Spearman curve: a 1e-12 change (another BLAS) used to
    move latent correlations by 0.01-0.03; the fit must be as reproducible as its arithmetic."""
    from pytest_synthdata._fit import dependence

    rng = np.random.default_rng(0)
    n = 600
    x = rng.normal(size=n)
    a = x + rng.normal(size=n) * 0.5 > 0.3
    c = rng.choice(["p", "q", "r"], n, p=[0.5, 0.3, 0.2])
    df = pd.DataFrame(
        {
            "x": x,
            "a": a,
            "b": a & (rng.random(n) < 0.25),  # only ever true where a is
            "c": c,
            "d": (c == "r") & (rng.random(n) < 0.4),  # only ever true in one category
            "y": 2 * x + rng.normal(size=n),
        }
    )
    base = sd.fit(df, name="t", segments=False).latent_correlation
    exact = dependence._pairwise_spearman

    def rounded_differently(grades, normal, at=None):
        rho, ratio = exact(grades, normal, at)
        noise = np.random.default_rng(1).standard_normal(rho.shape) * eps
        return np.clip(rho + (noise + noise.T) / 2, -1, 1), ratio

    monkeypatch.setattr(dependence, "_pairwise_spearman", rounded_differently)
    moved = sd.fit(df, name="t", segments=False).latent_correlation
    assert np.abs(moved - base).max() < 1e-6


def test_correlation_seen_through_missing_values_is_corrected_for_selection(real, model):
    # income is missing mostly for the young: the complete rows understate age ~ income,
    # and sampling removes the same rows again; the fit undoes the first attenuation
    df = model.sample(40_000, seed=2)
    want = real[["age", "income"]].corr(method="spearman").iloc[0, 1]
    got = df[["age", "income"]].corr(method="spearman").iloc[0, 1]
    assert abs(want - got) < 0.06, (want, got)


def test_missingness_is_modelled_jointly_with_other_columns(real, model):
    df = model.sample(20_000, seed=4)
    real_young = real.loc[real["age"] < 30, "income"].isna().mean()
    real_old = real.loc[real["age"] >= 30, "income"].isna().mean()
    young = df.loc[df["age"] < 30, "income"].isna().mean()
    old = df.loc[df["age"] >= 30, "income"].isna().mean()
    assert abs(df["income"].isna().mean() - real["income"].isna().mean()) < 0.015
    assert young > 3 * old  # independent coin flips would give young == old
    assert abs(young - real_young) < 0.12 and abs(old - real_old) < 0.05


def test_missing_together_stays_together():
    # "a" and "b" came from one source (a left join): missing on the same rows, more often when c is high
    rng = np.random.default_rng(5)
    n = 3000
    df = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n), "c": rng.normal(size=n)})
    df["label"] = rng.choice(["x", "y", "z"], n)
    gone = rng.random(n) < np.where(df["c"] > 1, 0.4, 0.05)
    df.loc[gone, ["a", "b", "label"]] = None
    model = sd.fit(df)
    assert model.latent_nulls == ["a"] and model.null_follows == {"b": "a", "label": "a"}
    assert "missing on the same rows as 'a'" in model.info["columns"]["label"]["why"]
    out = model.sample(20_000, seed=0)
    assert out["a"].isna().equals(out["b"].isna()) and out["a"].isna().equals(out["label"].isna())
    assert abs(out["a"].isna().mean() - gone.mean()) < 0.015
    assert out.loc[out["c"] > 1, "a"].isna().mean() > 3 * out.loc[out["c"] <= 1, "a"].isna().mean()  # still joint
    assert out["c"].notna().all()


def test_missingness_seen_in_fewer_than_min_count_rows_is_not_correlated():
    # "a" and "b" are missing in the 3 rows with the largest c: too few rows to learn (or to tell) anything from
    rng = np.random.default_rng(8)
    df = pd.DataFrame({"a": rng.normal(size=600), "b": rng.normal(size=600), "c": rng.normal(size=600)})
    df.loc[df["c"].nlargest(3).index, ["a", "b"]] = np.nan
    model = sd.fit(df, segments=False)
    assert model.latent_nulls == [] and model.null_follows == {}  # not tied to c, nor to each other
    # (the exact count, 3, is not told: every count below min_count reads the same)
    assert any("'a' (fewer than 5 of 600 rows missing), 'b' (fewer than 5" in line for line in model.withheld)
    assert model.column("a").null_rate == pytest.approx(2.5 / 600)
    out = model.sample(60_000, seed=0)
    assert abs(out["a"].isna().mean() - 0.005) < 0.002 and (out["a"].isna() != out["b"].isna()).any()
    learned = sd.fit(df, segments=False, min_count=2)  # with enough rows it is learned
    dims = learned.modelled_columns + [f"{c} is null" for c in learned.latent_nulls]
    assert learned.null_follows == {"b": "a"}
    assert learned.latent_correlation[dims.index("a is null"), dims.index("c")] > 0.5


def test_nan_values_in_a_pyarrow_float_column_are_missing_values():
    pa = pytest.importorskip("pyarrow")
    values = list(np.linspace(0.0, 1.0, 50))
    values[3] = float("nan")  # a NaN value (0/0), which arrow keeps apart from nulls
    df = pd.DataFrame({"v": pd.Series(pa.array(values, from_pandas=False), dtype=pd.ArrowDtype(pa.float64()))})
    model = sd.fit(df, min_count=1)  # (exact rates and extremes: min_count=1 says the data is not sensitive)
    assert model.column("v").null_rate == pytest.approx(1 / 50)
    assert model.column("v").bounds == (0.0, 1.0)
    assert model.sample(100, seed=1)["v"].dtype == df["v"].dtype


def test_huge_values_fit_without_warnings():
    df = pd.DataFrame({"v": [0.5, 1e303, -2e303, 3.25] * 10})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sd.fit(df).sample(10, seed=0)


def test_slightly_tied_columns_keep_their_correlation():
    # 5-10% of rows on one value: close to continuous, yet the ties must not bias the correlation
    rng = np.random.default_rng(7)
    n = 40_000
    z = rng.multivariate_normal([0, 0], [[1, 0.8], [0.8, 1]], size=n)
    b = np.where(z[:, 1] < np.quantile(z[:, 1], 0.1), 0.0, np.exp(z[:, 1]))
    a = np.where(z[:, 0] > np.quantile(z[:, 0], 0.92), 100.0, z[:, 0])
    df = pd.DataFrame({"a": a, "b": b})
    out = sd.fit(df, segments=False).sample(200_000, seed=1)
    assert out.corr("spearman").iloc[0, 1] == pytest.approx(df.corr("spearman").iloc[0, 1], abs=0.004)


def test_many_pairs_never_seen_together_fit_in_little_memory():
    # three sections of a form, each answered by different people: 300+ pairs never observed together
    rng = np.random.default_rng(4)
    n, per = 900, 10
    data = {}
    for section in range(3):
        answered = np.arange(n) % 3 == section
        base = rng.normal(size=n)
        for j in range(per):
            data[f"s{section}_{j}"] = np.where(answered, base + rng.normal(size=n), np.nan)
    model = sd.fit(pd.DataFrame(data), segments=False)
    out = model.sample(3000, seed=2)
    assert out.shape == (3000, 3 * per)
    assert out["s0_0"].corr(out["s0_1"], method="spearman") > 0.3  # within a section: learned


def test_columns_missing_on_different_rows_keep_their_own_flags():
    rng = np.random.default_rng(6)
    df = pd.DataFrame({"a": rng.normal(size=500), "b": rng.normal(size=500)})
    df.loc[:19, "a"] = np.nan
    df.loc[10:29, "b"] = np.nan  # overlapping, not the same rows
    model = sd.fit(df)
    assert model.latent_nulls == ["a", "b"] and model.null_follows == {}


def test_fit_is_deterministic(real):
    first = sd.fit(real, name="customers")
    second = sd.fit(real, name="customers")
    first.info.pop("fit_seconds")
    second.info.pop("fit_seconds")
    from pytest_synthdata._artifact import dumps

    assert dumps(first) == dumps(second)


def test_same_seed_same_rows_and_prefix_stability(model):
    a = model.sample(500, seed=11)
    pd.testing.assert_frame_equal(a, model.sample(500, seed=11))
    pd.testing.assert_frame_equal(a.iloc[:100], model.sample(100, seed=11))


# privacy ------------------------------------------------------------------------------


def test_model_file_holds_no_rows(real, model, tmp_path):
    text = model.save(tmp_path / "customers.synth.json").read_text()
    for email in real["email"].head(50):
        assert email not in text
    data = json.loads(text)
    income = next(c for c in data["columns"] if c["name"] == "income")
    fits = [income] if income["type"] != "conditional" else [income["base"], *income["levels"]]
    assert sum(len(f["params"]["values"]) for f in fits) < real["income"].nunique() / 2
    for f in fits:  # at most one knot per min_count rows of the fit it comes from
        assert len(f["params"]["values"]) <= len(real) // 5 + 2


def test_rare_categories_are_withheld_and_reported():
    rng = np.random.default_rng(0)
    city = rng.choice(["Berlin", "Paris", "Rome"], 1000).astype(object)
    city[:3] = ["Secretville", "Secretville", "Hiddenburg"]
    m = sd.fit(pd.DataFrame({"city_name": city, "x": rng.normal(size=1000)}), name="c")
    from pytest_synthdata._artifact import dumps

    text = dumps(m)
    assert "Secretville" not in text and "Hiddenburg" not in text
    assert any("2 categories seen fewer than 5 times" in line for line in m.withheld)
    assert set(m.sample(5000, seed=0)["city_name"]) == {"Berlin", "Paris", "Rome"}


def test_withheld_categories_give_their_rows_to_the_most_alike_stored_ones():
    """A rare car model's rows go to stored models of the same maker, so the maker keeps its share."""
    rng = np.random.default_rng(1)
    makers = {"corolla": "toyota", "camry": "toyota", "civic": "honda", "accord": "honda", "f150": "ford"}
    rows = [m for m in makers for _ in range(60)]  # 300 rows of stored models
    rows += ["prius"] * 3 + ["supra"] * 4 + ["yaris"] * 4 + ["celica"] * 4  # rare toyotas: 15 rows
    rows += ["fit"] * 2  # a rare honda
    makers |= dict.fromkeys(["prius", "supra", "yaris", "celica"], "toyota") | {"fit": "honda"}
    model = np.array(rows, dtype=object)[rng.permutation(len(rows))]
    df = pd.DataFrame({"model": model, "maker": [makers[m] for m in model], "x": rng.normal(size=len(model))})
    m = sd.fit(df, name="cars")
    from pytest_synthdata._artifact import dumps

    text = dumps(m)
    assert not {"prius", "supra", "yaris", "celica", "fit"} & set(m.column("model").categories)
    assert all(f'"{name}"' not in text for name in ("prius", "supra", "yaris", "celica", "fit"))
    assert any("their rows went to the most alike stored ones" in line for line in m.withheld)
    out = m.sample(40_000, seed=0)
    real = df["maker"].value_counts(normalize=True)
    got = out["maker"].value_counts(normalize=True)
    # proportional sharing would give toyota 120/300 of the rows (0.40); it has 135/317 (0.426)
    assert got["toyota"] == pytest.approx(real["toyota"], abs=0.008)
    assert got["honda"] == pytest.approx(real["honda"], abs=0.008)
    assert (out.groupby("model")["maker"].nunique() == 1).all()  # still determined by the model


def test_a_withheld_category_like_no_stored_one_shares_in_proportion():
    df = pd.DataFrame({"c": ["a"] * 600 + ["b"] * 300 + ["z"] * 4})
    out = sd.fit(df, name="t").sample(90_000, seed=0)["c"].value_counts(normalize=True)
    assert out["a"] == pytest.approx(2 / 3, abs=0.006) and out["b"] == pytest.approx(1 / 3, abs=0.006)


def test_rare_numeric_values_merge_into_neighbours():
    values = np.array([0] * 400 + [1] * 300 + [2] * 200 + [3] * 97 + [17, 17, 41])
    m = sd.fit(pd.DataFrame({"children": values}), name="kids")
    out = m.sample(100_000, seed=0)["children"]
    # 17 and the lone maximum 41 are rare and join 3: no single row's value is stored, not even as a bound
    assert set(out.unique()) == {0, 1, 2, 3}
    assert m.column("children").bounds == (0.0, 3.0)
    assert any("2 values seen fewer than 5 times (fewer than 5 rows) were not stored" in line for line in m.withheld)


def test_rare_extremes_of_a_tabulated_column_are_not_stored():
    """Rare extremes of a few-valued column are merged like any rare value: they are neither stored nor sampled."""
    rng = np.random.default_rng(4)
    weeks = np.concatenate([rng.integers(30, 53, 3000), [5, 9, 14, 19]])  # a thin lower tail
    m = sd.fit(pd.DataFrame({"wks": weeks}), name="w")
    out = m.sample(200_000, seed=1)["wks"]
    assert out.min() == 30 and out.max() == 52
    assert 5 not in to_dict(m)["columns"][0]["params"]["values"]
    exact = sd.fit(pd.DataFrame({"wks": weeks}), name="w", min_count=1).sample(200_000, seed=1)["wks"]
    assert exact.min() == 5 and exact.max() == 52  # (min_count=1: the data is not sensitive)


def test_lone_extremes_of_a_continuous_column_are_neither_stored_nor_sampled():
    """Two lone extremes: the tails reach past the 5th order statistics, never to the lone rows' values."""
    rng = np.random.default_rng(6)
    wage = np.round(np.concatenate([rng.lognormal(6.5, 0.4, 4000), [4.6, 9.0e4]]), 3)  # two lone extremes
    m = sd.fit(pd.DataFrame({"wage": wage}), name="w")
    text = json.dumps(to_dict(m))
    assert "90000" not in text and "4.6," not in text
    out = m.sample(200_000, seed=2)["wage"]
    fifth = np.sort(wage)[[4, -5]]
    assert out.min() < fifth[0] and out.max() > fifth[1]  # the tails reach past the bulk
    assert out.min() > 4.6 and out.max() < 2 * np.sort(wage)[-2]  # but not to the lone values
    exact = sd.fit(pd.DataFrame({"wage": wage}), name="w", min_count=1).sample(200_000, seed=2)["wage"]
    assert exact.min() == wage.min() and exact.max() == wage.max()  # (min_count=1: not sensitive)


def test_min_count_is_configurable():
    df = pd.DataFrame({"c": ["a"] * 10 + ["b"] * 3})
    assert set(sd.fit(df, min_count=3).column("c").categories) == {"a", "b"}
    assert set(sd.fit(df, min_count=5).column("c").categories) == {"a"}


# overrides ----------------------------------------------------------------------------


def test_column_overrides(real):
    m = sd.fit(
        real,
        name="customers",
        columns={"plan": "pattern", "visits": "category", "signup": None, "email": sd.Faker("email", unique=True)},
    )
    assert "signup" not in m.columns
    assert m.column("plan").kind == "faker"
    assert m.column("visits").kind == "category"
    assert m.sample(2000, seed=0)["email"].is_unique


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        ({"nope": "category"}, "does not have"),
        ({"age": "colour"}, "give a kind"),
        ({"age": 3}, "give a kind"),
    ],
)
def test_bad_overrides(real, columns, message):
    with pytest.raises(InvalidArgument, match=message):
        sd.fit(real, columns=columns)


def test_text_pattern_and_id_generators():
    rng = np.random.default_rng(1)
    n = 600
    df = pd.DataFrame(
        {
            "order_code": [f"ORD-{i:06d}" for i in range(n)],
            "token": [f"{rng.integers(10, 99)}-{''.join(rng.choice(list('ABCXYZ'), 3))}" for _ in range(n)],
            "comment": [" ".join(rng.choice(["good", "bad", "slow", "fast", "ok"], 8)) + f" #{i}" for i in range(n)],
            "uid": [f"{rng.integers(16**8):08x}-0000-4000-8000-{rng.integers(16**12):012x}" for _ in range(n)],
        }
    )
    m = sd.fit(df, name="orders")
    kinds = {c: a["kind"] for c, a in m.info["columns"].items()}
    assert kinds == {"order_code": "id", "token": "pattern", "comment": "text", "uid": "id"}
    out = m.sample(50, seed=0)
    assert out["order_code"].str.fullmatch(r"ORD-\d{6}").all()
    assert out["token"].str.fullmatch(r"\d\d-[A-Z]{3}").all()
    assert (out["comment"].str.split().str.len() >= 2).all()
    assert out["uid"].str.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}").all()


def test_numbers_named_like_personal_data_are_regenerated_in_their_dtype(tmp_path):
    """An int64 phone or a float ssn column is personal: random digits of the usual length, never a real value."""
    rng = np.random.default_rng(0)
    df = pd.DataFrame(
        {
            "phone": rng.integers(2_000_000_000, 9_999_999_999, 300),
            "ssn": rng.integers(100_000_000, 899_999_999, 300).astype(float),
            "mobile": rng.integers(0, 2, 300),  # a 0/1 flag named like a phone: stays a number
        }
    )
    df.loc[:9, "ssn"] = np.nan
    m = sd.fit(df, name="people")
    kinds = {c: about["kind"] for c, about in m.info["columns"].items()}
    assert kinds == {"phone": "pii", "ssn": "pii", "mobile": "integer"}
    out = m.sample(2000, seed=3)
    assert out["phone"].dtype == np.int64 and out["ssn"].dtype == np.float64
    assert (out["phone"].astype(str).str.len() == 10).all()
    assert out["ssn"].isna().mean() == pytest.approx(10 / 300, abs=0.02)
    assert not set(out["phone"]) & set(df["phone"]) and not set(out["ssn"].dropna()) & set(df["ssn"].dropna())
    from pytest_synthdata._artifact import dumps

    assert str(df["phone"].max()) not in dumps(m)  # not even the bounds are stored
    loaded = sd.load(m.save(tmp_path / "people.synth.json"))
    pd.testing.assert_frame_equal(loaded.sample(50, seed=1), m.sample(50, seed=1))


def _schools(n=4000, seed=2):
    rng = np.random.default_rng(seed)
    school = rng.integers(1, 41, n)  # 40 schools, numbered in no meaningful order
    share_b = np.random.default_rng(99).uniform(0.0, 1.0, 41)  # each school's own mix of pupils
    group = np.where(rng.random(n) < share_b[school], "b", "a")
    years = rng.integers(8, 19, n)  # years of schooling: an ordinal number
    score = 50 + 2.0 * years + 10 * np.sin(school) + rng.normal(0, 5, n)
    return pd.DataFrame(
        {"school": school, "group": group, "years": years, "score": score, "noise": rng.integers(0, 30, n)}
    )


def test_integer_codes_are_modelled_as_categories(tmp_path):
    """School numbers: the order of the codes means nothing, each school's own level a lot."""
    df = _schools()
    m = sd.fit(df, name="schools", segments=False)
    kinds = {c: about["kind"] for c, about in m.info["columns"].items()}
    assert kinds["school"] == "category" and "used as codes" in m.info["columns"]["school"]["why"]
    assert kinds["years"] == "integer" and kinds["noise"] == "integer"  # an ordinal number; unrelated codes
    out = m.sample(40_000, seed=0)
    assert out["school"].dtype == np.int64 and set(out["school"]) <= set(df["school"])

    def school_means(frame):
        return frame.groupby("school")["score"].mean().reindex(range(1, 41))

    real = school_means(df)
    # each school keeps its own level; as a number the copula could only give a trend along the codes
    assert np.corrcoef(real, school_means(out))[0, 1] > 0.9
    loaded = sd.load(m.save(tmp_path / "schools.synth.json"))
    pd.testing.assert_frame_equal(loaded.sample(100, seed=4), m.sample(100, seed=4))
    forced = sd.fit(df, name="schools", segments=False, columns={"school": "integer"})
    assert forced.info["columns"]["school"]["kind"] == "integer"
    assert np.corrcoef(real, school_means(forced.sample(40_000, seed=0)))[0, 1] < 0.5


def test_progress_callback_reports_stages(real):
    said: list[str] = []
    sd.fit(real, progress=said.append)
    assert said[0].startswith("column 1/8") and "estimating correlations" in said


# bad input (issue 3, deliverable 8) ----------------------------------------------------------


def test_empty_frame():
    with pytest.raises(InvalidArgument, match="no rows"):
        sd.fit(pd.DataFrame({"a": pd.Series([], dtype=float)}))
    with pytest.raises(InvalidArgument, match="no columns"):
        sd.fit(pd.DataFrame(index=range(10)))


def test_all_null_columns_stay_all_null_with_their_dtype():
    df = pd.DataFrame({"x": np.arange(10.0), "gone": [None] * 10, "nan": np.nan})
    out = sd.fit(df).sample(20, seed=0)
    assert out["gone"].isna().all() and out["nan"].isna().all()
    assert out["nan"].dtype == np.float64


def test_constant_columns():
    df = pd.DataFrame({"x": np.arange(20.0), "k": 7, "s": "same", "f": 2.5, "b": True})
    out = sd.fit(df).sample(100, seed=0)
    assert (out["k"] == 7).all() and (out["s"] == "same").all() and (out["f"] == 2.5).all() and out["b"].all()


def test_mixed_types_in_one_object_column_are_kept_as_categories():
    df = pd.DataFrame({"m": pd.Series([1, "a", 2.5, "b"] * 10, dtype=object)})
    m = sd.fit(df)
    assert "mixed value types" in m.info["columns"]["m"]["why"]
    out = m.sample(200, seed=0)["m"]
    assert set(map(repr, out.unique())) == {"1", "'a'", "2.5", "'b'"}


def test_unmodellable_objects_fail_naming_the_column():
    df = pd.DataFrame({"blob": [b"x", b"y"] * 10})
    with pytest.raises(InvalidArgument, match="column 'blob' holds bytes"):
        sd.fit(df)


def test_infinities_are_kept_at_their_rate():
    x = np.random.default_rng(0).normal(size=1000)
    x[:30], x[30:40] = np.inf, -np.inf
    out = sd.fit(pd.DataFrame({"x": x})).sample(50_000, seed=0)["x"]
    assert abs((out == np.inf).mean() - 0.03) < 0.005
    assert abs((out == -np.inf).mean() - 0.01) < 0.003
    assert np.isfinite(out[np.isfinite(out)]).all()
    with pytest.raises(InvalidArgument, match="column 'y': every present value is infinite"):
        sd.fit(pd.DataFrame({"y": [np.inf] * 10}))


def test_timezone_aware_datetimes_keep_their_zone():
    t = pd.date_range("2024-03-01", periods=500, freq="37min", tz="Europe/Berlin")
    out = sd.fit(pd.DataFrame({"t": t})).sample(1000, seed=0)["t"]
    assert str(out.dt.tz) == "Europe/Berlin"
    # (the tails reach a little past the data: its first and last minutes are single rows' values)
    assert out.min() >= t.min() - pd.Timedelta(days=1) and out.max() <= t.max() + pd.Timedelta(days=1)
    assert (out.dt.second == 0).all()  # minutes resolution learned


@pytest.mark.skipif(not PANDAS_3, reason="the str dtype is pandas 3's default")
def test_pandas3_string_dtype():
    df = pd.DataFrame({"s": pd.Series(["a", "b", "c", None] * 10, dtype="str")})
    out = sd.fit(df).sample(100, seed=0)["s"]
    assert str(out.dtype) == "str" and out.isna().any()


def test_nullable_string_dtype():
    df = pd.DataFrame({"s": pd.Series(["a", "b", "c", None] * 10, dtype="string")})
    out = sd.fit(df).sample(100, seed=0)["s"]
    assert str(out.dtype) == "string"


def test_pyarrow_backed_dtypes():
    pytest.importorskip("pyarrow")
    rng = np.random.default_rng(0)
    df = pd.DataFrame(
        {
            "i": pd.Series(rng.integers(0, 100, 300), dtype="int64[pyarrow]"),
            "f": pd.Series(rng.normal(size=300), dtype="double[pyarrow]"),
            "s": pd.Series(rng.choice(["x", "y"], 300), dtype="string[pyarrow]"),
            "t": pd.Series(pd.date_range("2024-01-01", periods=300, freq="D")).astype("timestamp[us][pyarrow]"),
            # (bool[pyarrow] came back as numpy bool; with missing values, it holds them)
            "b": pd.Series([True, False, None] * 100, dtype="bool[pyarrow]"),
        }
    )
    out = sd.fit(df).sample(50, seed=0)
    assert out.dtypes.astype(str).to_dict() == df.dtypes.astype(str).to_dict()
    assert out.b.isna().any() and out.b.dropna().isin([True, False]).all()


def test_duplicate_column_names():
    df = pd.DataFrame(np.zeros((10, 2)), columns=["a", "a"])
    with pytest.raises(InvalidArgument, match=r"duplicate column names \['a'\]"):
        sd.fit(df)


def test_non_string_column_names():
    with pytest.raises(InvalidArgument, match="string column names"):
        sd.fit(pd.DataFrame(np.zeros((10, 2))))


def test_ten_thousand_categories():
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"sku": [f"sku{i}" for i in rng.integers(0, 10_000, 100_000)]})
    m = sd.fit(df)
    assert m.column("sku").kind == "category"
    assert len(m.column("sku").categories) > 9_000
    out = m.sample(100_000, seed=0)["sku"]
    top_real = df["sku"].value_counts(normalize=True)
    assert abs(out.value_counts(normalize=True).reindex(top_real.index[:50]).fillna(0) - top_real[:50]).max() < 0.002


def test_ten_thousand_distinct_strings_are_not_categories():
    rng = np.random.default_rng(0)
    words = np.array(["red", "blue", "small", "large", "lamp", "chair", "desk", "shelf", "oak", "steel"])
    df = pd.DataFrame({"label": [" ".join(rng.choice(words, 4)) + f" {i}" for i in range(10_000)]})
    m = sd.fit(df)
    assert m.column("label").kind == "faker"  # every value is unique: nothing can be stored
    assert not set(m.sample(100, seed=0)["label"]) & set(df["label"])


def test_one_row_frame():
    df = pd.DataFrame({"a": [1.0], "b": ["x"]})
    with pytest.raises(InvalidArgument, match="1 row but min_count=5"):
        sd.fit(df)
    out = sd.fit(df, min_count=1).sample(3, seed=0)
    assert out["a"].tolist() == [1.0] * 3 and out["b"].tolist() == ["x"] * 3


def test_durations_fail_with_advice():
    df = pd.DataFrame({"took": pd.to_timedelta(np.arange(10), unit="s")})
    with pytest.raises(InvalidArgument, match=r"column 'took': durations.*total_seconds"):
        sd.fit(df)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "not valid"}, "Python identifier"),
        ({"min_count": 0}, "min_count=0"),
        ({"knots": 1}, "knots=1"),
        ({"backend": "nope"}, "backend='nope' is not a known"),
        ({"colour": "red"}, "unknown options"),
    ],
)
def test_bad_arguments(real, kwargs, message):
    with pytest.raises(InvalidArgument, match=message):
        sd.fit(real, **kwargs)


def test_not_a_dataframe():
    with pytest.raises(InvalidArgument, match="needs a pandas DataFrame; got list"):
        sd.fit([[1, 2]])


def test_real_dataset_penguins():
    penguins = pytest.importorskip("palmerpenguins").load_penguins()
    m = sd.fit(penguins, name="penguins")
    out = m.sample(len(penguins), seed=0)
    assert out.dtypes.astype(str).to_dict() == penguins.dtypes.astype(str).to_dict()
    for col in ("bill_length_mm", "flipper_length_mm", "body_mass_g"):
        assert stats.ks_2samp(penguins[col].dropna(), out[col].dropna()).statistic < 0.12
    big = m.sample(20_000, seed=0)
    # species is the segment column: each species keeps its own sizes and islands
    assert m.info["segments"]["column"] == "species"
    for col in ("body_mass_g", "flipper_length_mm", "bill_depth_mm"):
        want = penguins.groupby("species")[col].mean()
        got = big.groupby("species")[col].mean()
        assert (abs(got - want) / want).max() < 0.02, col
    islands = pd.crosstab(big["species"], big["island"], normalize=True)
    real_islands = pd.crosstab(penguins["species"], penguins["island"], normalize=True)
    assert (abs(islands - real_islands) < 0.01).all().all()
    flat = sd.fit(penguins, name="penguins", segments=False).sample(20_000, seed=0)
    assert pd.crosstab(flat["species"], flat["island"]).loc["Chinstrap", "Biscoe"] > 500  # one axis blurs clusters


def test_fitting_columns_in_batches_changes_nothing(monkeypatch):
    """Small tables fit all numeric columns (and their segment levels) in one batch, large ones a few at a time:
    the model must not depend on how the columns were batched."""
    from pytest_synthdata import _artifact
    from pytest_synthdata._fit import numeric

    penguins = pytest.importorskip("palmerpenguins").load_penguins()
    penguins["when"] = pd.Timestamp("2007-11-01") + pd.to_timedelta(penguins["body_mass_g"].fillna(0) // 10, unit="D")
    together = sd.fit(penguins, name="penguins")
    assert together.info["segments"]["column"] == "species"  # so the segment levels are batched too
    monkeypatch.setattr(numeric, "BATCH_VALUES", 1)  # one column per batch
    alone = sd.fit(penguins, name="penguins")
    for model in (together, alone):
        model.info.pop("fit_seconds")
    assert _artifact.dumps(alone) == _artifact.dumps(together)


def test_scoring_segment_candidates_in_batches_changes_nothing(monkeypatch):
    """Candidate segment columns are scored together on small tables, one at a time on large ones: the model
    must not depend on how they were batched."""
    from pytest_synthdata import _artifact
    from pytest_synthdata._fit import segments

    penguins = pytest.importorskip("palmerpenguins").load_penguins()
    together = sd.fit(penguins, name="penguins")
    monkeypatch.setattr(segments, "_BATCH_CELLS", 1)  # one candidate (and one category's slots) per batch
    alone = sd.fit(penguins, name="penguins")
    for model in (together, alone):
        model.info.pop("fit_seconds")
    assert together.info["segments"]["column"] == "species"
    assert _artifact.dumps(alone) == _artifact.dumps(together)


def test_columns_the_segment_says_nothing_about_keep_one_marginal():
    rng = np.random.default_rng(8)
    kind = rng.choice(["small", "large"], 3000)
    df = pd.DataFrame(
        {
            "kind": kind,
            "size": np.where(kind == "large", rng.normal(50, 5, 3000), rng.normal(10, 2, 3000)).round(1),
            "noise": rng.normal(0, 1, 3000).round(2),
            "flag": rng.random(3000) < 0.3,
        }
    )
    m = sd.fit(df, name="things")
    assert m.info["segments"]["column"] == "kind"
    assert hasattr(m.column("size"), "given")  # its own marginal per kind
    assert not hasattr(m.column("noise"), "given") and not hasattr(m.column("flag"), "given")
    out = m.sample(20_000, seed=0)
    assert out.groupby("kind")["size"].mean().to_dict() == pytest.approx({"large": 50, "small": 10}, rel=0.02)


def test_each_row_gets_its_own_groups_level_whatever_the_row_order():
    """Conditional columns sort rows by group once per sample; every row must still get its own group's level."""
    rng = np.random.default_rng(8)
    kind = rng.choice(["small", "medium", "large"], 3000)
    centre = {"small": 10.0, "medium": 30.0, "large": 50.0}
    df = pd.DataFrame({"kind": kind, "size": np.array([centre[k] for k in kind]) + rng.normal(0, 2, 3000).round(1)})
    m = sd.fit(df, name="things")
    col = m.column("size")
    codes = rng.integers(0, 3, 5000)
    z = rng.standard_normal(5000)
    got = col.from_latent_given(z, codes)
    for code in range(3):
        rows = col._group_of[codes] == code
        np.testing.assert_array_equal(got[rows], col.levels[code].from_latent(z[rows]))
    np.testing.assert_array_equal(col.from_latent_given(z, codes, col.partition(codes)), got)


def test_columns_split_by_one_segment_share_a_partition_only_when_they_have_as_many_levels(tmp_path):
    """A hand-made file may give one conditional column an extra (unused) level: sampling must not mix them up."""
    import json

    rng = np.random.default_rng(8)
    kind = rng.choice(["small", "medium", "large"], 3000)
    centre = np.select([kind == "small", kind == "medium"], [10.0, 30.0], 50.0)
    df = pd.DataFrame({"kind": kind, "size": centre + rng.normal(0, 2, 3000).round(1), "w": 2 * centre})
    df["w"] += rng.normal(0, 3, 3000).round(1)
    path = sd.fit(df, name="things").save(tmp_path / "things.synth.json")
    data = json.loads(path.read_text())
    w = next(c for c in data["columns"] if c["name"] == "w")
    w["levels"].append(w["levels"][0])
    path.write_text(json.dumps(data))
    model = sd.load(path)
    out = model.sample(2000, seed=1)
    col = model.column("w")
    assert len(col.levels) == 4 and len(model.column("size").levels) == 3
    assert out.groupby("kind")["w"].mean().to_dict() == pytest.approx(
        {"small": 20, "medium": 60, "large": 100}, rel=0.05
    )


def test_no_segment_when_no_category_explains_the_rest():
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"x": rng.normal(size=2000), "c": rng.choice(["a", "b", "c"], 2000)})
    m = sd.fit(df)
    assert "segments" not in m.info
    assert all(not hasattr(m.column(c), "given") for c in m.columns)


def test_a_category_determined_by_another_is_looked_up_not_drawn(tmp_path):
    rng = np.random.default_rng(3)
    models = {"civic": "honda", "accord": "honda", "camry": "toyota", "corolla": "toyota", "golf": "vw", "polo": "vw"}
    model = rng.choice(list(models), 2000)
    df = pd.DataFrame(
        {
            "model": model,
            "make": [models[m] for m in model],
            "premium": np.isin(model, ["accord", "camry", "golf"]),
            "price": rng.normal(20_000, 3_000, 2000).round(),
        }
    )
    m = sd.fit(df, name="cars")
    assert "determined by 'model'" in m.info["columns"]["make"]["why"]
    assert "determined by 'model'" in m.info["columns"]["premium"]["why"]
    out = m.sample(5000, seed=0)
    assert (out["make"] == out["model"].map(models)).all()  # a copula alone pairs them at random
    assert (out["premium"] == out["model"].isin(["accord", "camry", "golf"])).all()
    assert out.dtypes.astype(str).to_dict() == df.dtypes.astype(str).to_dict()
    loaded = sd.load(m.save(tmp_path / "cars.synth.json"))
    pd.testing.assert_frame_equal(out, loaded.sample(5000, seed=0))


def test_a_loose_relation_is_not_treated_as_a_lookup():
    rng = np.random.default_rng(4)
    a = rng.choice(["x", "y", "z"], 1000)
    b = np.where(rng.random(1000) < 0.9, np.where(a == "x", "p", "q"), "r")
    m = sd.fit(pd.DataFrame({"a": a, "b": b}))
    assert not any("determined" in about["why"] for about in m.info["columns"].values())


def test_a_lookup_may_have_a_few_exceptions():
    """A model sold in another class in a few rows is still a lookup (a copula would scramble model x class)."""
    rng = np.random.default_rng(5)
    models = rng.choice(["a4", "a6", "civic", "accord", "f150", "tahoe"], 2000)
    cls = {"a4": "compact", "a6": "midsize", "civic": "compact", "accord": "midsize", "f150": "pickup", "tahoe": "suv"}
    klass = np.array([cls[m] for m in models], dtype=object)
    klass[np.flatnonzero(models == "accord")[:30]] = "compact"  # 1.5% of the rows break the rule
    m = sd.fit(pd.DataFrame({"model": models, "class": klass, "x": rng.normal(size=2000)}), name="cars")
    assert "determined by 'model'" in m.info["columns"]["class"]["why"]
    out = m.sample(5000, seed=0)
    assert (out.groupby("model")["class"].nunique() == 1).all()
    assert dict(zip(out["model"], out["class"], strict=True))["accord"] == "midsize"


# regressions found in review --------------------------------------------------------------------


def test_a_lookup_from_a_category_that_also_has_segments(tmp_path):
    rng = np.random.default_rng(1)
    n = 600
    g = rng.choice(["a", "b", "c"], n)
    df = pd.DataFrame({"species": g, "w": pd.Series(g).map({"a": 0, "b": 10, "c": 30}) + rng.normal(size=n)})
    df["model"] = rng.choice(["m1", "m2", "m3"], n)
    df["maker"] = df["model"].map({"m1": "Acme", "m2": "Acme", "m3": "Zeta"})
    m = sd.fit(df)
    assert m.info["segments"]["column"] == "species"
    out = sd.load(m.save(tmp_path / "m.synth.json")).sample(2000, seed=0)
    assert (out["maker"] == out["model"].map({"m1": "Acme", "m2": "Acme", "m3": "Zeta"})).all()


@pytest.mark.parametrize(
    "values",
    [
        np.array(["1500-01-01", "1501-05-05"] * 50, dtype="datetime64[s]"),
        [pd.Timestamp("2000-01-01").date().replace(year=3000), pd.Timestamp("2000-01-01").date().replace(year=2999)]
        * 50,
    ],
)
def test_dates_beyond_nanosecond_range_fail_naming_the_column(values):
    with pytest.raises(InvalidArgument, match="column 'd': its dates reach beyond 1677-2262"):
        sd.fit(pd.DataFrame({"d": values}))


@pytest.mark.parametrize(
    "values",
    [
        pd.Series([2**70 + k for k in range(200)], dtype=object),
        np.array([2**63 + 10 * k for k in range(200)], dtype=np.uint64),
    ],
)
def test_integers_beyond_float_precision_fail_instead_of_rounding(values):
    with pytest.raises(InvalidArgument, match=r"column 'c': whole numbers beyond \+-2\*\*53"):
        sd.fit(pd.DataFrame({"c": values}))


def test_complex_numbers_fail_naming_the_column():
    with pytest.raises(InvalidArgument, match="column 'z': complex numbers"):
        sd.fit(pd.DataFrame({"z": np.array([1 + 2j] * 10)}))


def test_categoricals_of_timestamps_fail_at_fit_not_at_save():
    with pytest.raises(InvalidArgument, match="column 'c': a categorical of Timestamp values"):
        sd.fit(pd.DataFrame({"c": pd.Categorical(pd.to_datetime(["2024-01-01", "2024-01-02"] * 10))}))


@pytest.mark.parametrize(
    "series",
    [
        pd.Series(pd.array([True, False] * 10, dtype="boolean")),
        pd.Series(pd.Categorical(["a", "b", "c"] * 10, categories=["a", "b", "c", "unused"])),
        pd.Series(pd.Categorical([3, 1, 2] * 10, categories=[3, 1, 2])),
        pd.Series(pd.Categorical([True, False] * 30)),
        pd.Series(["a", "b"] * 10, dtype="string[python]"),
        pd.Series(np.arange(1, 101, dtype=np.int32)),  # an id column
    ],
)
def test_sampled_dtypes_equal_the_source_dtypes(series, tmp_path):
    src = pd.DataFrame({"c": series})
    loaded = sd.load(sd.fit(src, name="src").save(tmp_path / "src.synth.json"))
    assert loaded.sample(5, seed=0)["c"].dtype == src["c"].dtype


def test_emails_are_regenerated_whatever_the_column_is_called():
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"contact": rng.choice([f"john.doe{k}@corp.com" for k in range(10)], 300)})
    m = sd.fit(df)
    assert m.info["columns"]["contact"]["kind"] == "pii"
    from pytest_synthdata._artifact import dumps

    assert "john.doe" not in dumps(m)


def test_numeric_ids_continue_from_the_observed_first_id():
    df = pd.DataFrame({"user_id": 10**12 + 1000 * np.arange(100)})
    out = sd.fit(df).sample(3, seed=0)["user_id"]
    assert out.tolist() == [10**12, 10**12 + 1, 10**12 + 2]


# regressions found in review of the withheld, lookup, bounds, codes and numeric-PII changes -------------


def test_repeated_numeric_phone_numbers_are_not_stored():
    rng = np.random.default_rng(0)
    phones = rng.integers(2_000_000_000, 9_999_999_999, 100)
    df = pd.DataFrame({"phone": np.repeat(phones, 6), "amount": rng.normal(size=600)})
    m = sd.fit(df, name="calls")
    assert m.info["columns"]["phone"]["kind"] == "pii"
    from pytest_synthdata._artifact import dumps

    text = dumps(m)
    assert not any(str(p) in text for p in phones)


def test_a_rare_value_is_no_lookup_of_anything():
    """A 2% flag is 'determined' by any column if exceptions are allowed: it must keep its share instead."""
    rng = np.random.default_rng(1)
    df = pd.DataFrame(
        {"color": rng.choice(["red", "green", "blue"], 500), "flag": np.where(np.arange(500) < 10, "yes", "no")}
    )
    m = sd.fit(df, name="t")
    assert "determined" not in m.info["columns"]["flag"]["why"]
    assert (m.sample(20_000, seed=0)["flag"] == "yes").mean() == pytest.approx(0.02, abs=0.005)


def test_withheld_categories_of_two_wide_columns_fit_in_little_memory():
    import tracemalloc

    rng = np.random.default_rng(0)
    n = 20_000

    def wide(prefix):
        v = rng.choice(["A", "B", "C"], n).astype(object)
        rare = rng.random(n) < 0.45
        v[rare] = [f"{prefix}{i}" for i in range(rare.sum())]
        return v

    df = pd.DataFrame({"alpha": wide("s"), "beta": wide("p"), "x": rng.normal(size=n)})
    tracemalloc.start()
    try:
        sd.fit(df, name="wide")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 300 * 2**20  # a dense table of distinct values squared took gigabytes


def test_a_segment_keeps_a_column_whose_spread_differs_by_group():
    rng = np.random.default_rng(2)
    g = rng.choice(list("abc"), 3000)
    scale = pd.Series(g).map({"a": 0.1, "b": 1.0, "c": 10.0}).to_numpy()
    shift = pd.Series(g).map({"a": 0.0, "b": 5.0, "c": 10.0}).to_numpy()
    df = pd.DataFrame({"g": g, "size": shift + rng.normal(size=3000), "spread": rng.normal(size=3000) * scale})
    m = sd.fit(df, name="t")
    assert m.info["segments"]["column"] == "g" and hasattr(m.column("spread"), "given")
    sd_by_group = m.sample(30_000, seed=0).groupby("g")["spread"].std()
    assert sd_by_group.to_dict() == pytest.approx({"a": 0.1, "b": 1.0, "c": 10.0}, rel=0.1)


@pytest.mark.parametrize(("dtype", "top"), [("int8", 127), ("uint16", 65_535), ("int32", 2**31 - 1)])
def test_regenerated_phone_digits_fit_the_dtype(dtype, top, tmp_path):
    rng = np.random.default_rng(3)
    df = pd.DataFrame({"phone": rng.integers(top // 2, top, 300).astype(dtype), "x": rng.normal(size=300)})
    m = sd.fit(df, name="t", columns={"phone": "pii"})
    out = m.sample(2000, seed=0)
    assert out["phone"].dtype == np.dtype(dtype) and (out["phone"] >= 0).all()
    loaded = sd.load(m.save(tmp_path / "t.synth.json"))
    pd.testing.assert_frame_equal(loaded.sample(20, seed=1), m.sample(20, seed=1))


def test_samples_reach_the_exact_extremes_of_a_plain_float_column_only_with_min_count_1():
    rng = np.random.default_rng(4)
    x = rng.normal(size=3000)  # no common decimals: a plain float column
    private = sd.fit(pd.DataFrame({"x": x}), name="t").sample(300_000, seed=0)["x"]
    assert not (private == x.min()).any() and not (private == x.max()).any()
    out = sd.fit(pd.DataFrame({"x": x}), name="t", min_count=1).sample(300_000, seed=0)["x"]
    assert (out == x.min()).any() and (out == x.max()).any()
    assert out.min() == x.min() and out.max() == x.max()


def test_awkward_input_to_regenerated_columns_fails_or_fits_clearly():
    out = sd.fit(pd.DataFrame({"phone": [np.inf, -np.inf, np.nan] * 3}), min_count=1, columns={"phone": "pii"})
    assert len(out.sample(5, seed=0)) == 5
    with pytest.raises(InvalidArgument, match="column 'flag': kind 'pii' regenerates strings or numbers"):
        sd.fit(pd.DataFrame({"flag": [True, False] * 10}), columns={"flag": "pii"})
    with pytest.raises(InvalidArgument, match="backend='nope' is not a known fitting engine"):
        sd.fit(pd.DataFrame({"x": range(20)}), backend="nope", min_count=3)


@pytest.mark.parametrize("categories", [["a", "b", "c"], [1, 2, 3], [True, False], [1.5, 2.5, 3.5]])
def test_categories_cast_to_objects_as_astype_would(categories):
    """A column fitted from an object column samples as objects: the fast path must equal astype(object)."""
    from pytest_synthdata._model import _cast

    values = pd.Categorical.from_codes(np.array([0, 1, -1, 2 % len(categories), 0]), categories=categories)
    want = pd.Series(values).astype(object)
    got = _cast(values, "object")
    pd.testing.assert_series_equal(got, want)
    assert [type(v) for v in got] == [type(v) for v in want]


@pytest.mark.parametrize(
    "values",
    [
        ["ORD-001", "ORD-002", "ORD-103"],
        ["ORD-1", "ORD-22", "ORD-333"],
        ["A1x", "A22x", "A3x"],
        ["12", "7", "0099"],
        ["{x}01", "{x}02"],
        ["ORD-1", "ORX-2"],
        ["ORD-1", "ORD-2a"],
        ["ORD-1", "ORD-"],
        ["ORD-1", "ORD-1-2"],
        ["ab", "cd"],
        ["1a", "2b"],
        ["x\u0663", "x\u00b2"],  # an Arabic-Indic digit is \d; a superscript two is not
        ["x\u0663", "x\u0664"],
    ],
)
def test_id_pattern_answers_as_the_regular_expression_did(values):
    from pytest_synthdata._fit.infer import _id_pattern_by_regex, id_pattern

    text = pd.Series(values, dtype=object)
    assert id_pattern(text) == _id_pattern_by_regex(text)
    assert id_pattern(text.astype("str")) == _id_pattern_by_regex(text)


@pytest.mark.parametrize("seed", range(40))
def test_decimals_from_a_head_bound_answer_as_reading_every_value_at_every_count(seed):
    from pytest_synthdata._fit.numeric import _decimals_by_group, _fewest_decimals

    rng = np.random.default_rng(seed)
    parts = []
    for _ in range(int(rng.integers(1, 6))):
        n = int(rng.choice([1, 5, 600, 3000]))
        d = int(rng.integers(0, 9))
        v = np.round(rng.normal(0, 10 ** rng.integers(0, 8), n), d) if d < 8 else rng.normal(size=n)
        if rng.random() < 0.5:  # one value with more decimals, late in the group (past the head)
            v[-1] = np.round(rng.normal(), int(rng.integers(0, 8)))
        if rng.random() < 0.2:
            v[-1] = 1e300
        parts.append(v)
    uniq = np.concatenate(parts)
    sizes = np.array([len(p) for p in parts])
    starts = np.cumsum(sizes) - sizes
    assert _decimals_by_group(uniq, starts) == _fewest_decimals(uniq, starts)


_SPACES = "".join(chr(c) for c in range(0x3001) if chr(c).isspace())


@pytest.mark.parametrize("few", [4096, 0], ids=["in-python", "vectorised"])
@pytest.mark.parametrize("dtype", [object, "str"])
def test_words_per_value_count_whitespace_runs_as_the_regular_expression_does(dtype, few, monkeypatch):
    from pytest_synthdata._fit import infer
    from pytest_synthdata._fit.infer import whitespace_runs

    monkeypatch.setattr(infer, "_FEW_STRINGS", few)  # (a few strings are counted in Python, more by pyarrow)

    values = ["a b", "  lead", "trail  ", "", " ", "x" + _SPACES + "y", "a\u200bb", "a\u180eb", "é à  ü", "a\tb\nc"]
    values += list(_SPACES) + [f"q{c}r{c}" for c in _SPACES]
    text = pd.Series(values, dtype=dtype)
    runs = whitespace_runs(text)
    np.testing.assert_array_equal(runs, text.str.count(r"\s+").to_numpy(dtype=np.int64))
    assert float(runs.mean()) == float(text.str.count(r"\s+").mean())
    assert float(np.median(runs + 1)) == float((text.str.count(r"\s+") + 1).median())


@pytest.mark.parametrize("seed", range(20))
def test_distinct_ranks_by_sorting_answer_as_the_hash_table_does(seed):
    from pytest_synthdata._fit.numeric import _distinct_ranks_by_sorting

    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 3000))
    values = np.round(rng.normal(0, 10, n), int(rng.integers(0, 6)))
    special = rng.choice(np.array([0.0, -0.0, np.inf, -np.inf]), int(rng.integers(0, 20)))
    values[rng.integers(0, n, len(special))] = special  # signed zeros: the first seen names the value
    codes, distinct = pd.factorize(values)
    order = distinct.argsort()
    rank = np.empty(len(distinct), dtype=np.intp)
    rank[order] = np.arange(len(distinct))
    got_distinct, got_rank = _distinct_ranks_by_sorting(values)
    assert got_distinct.tobytes() == distinct[order].tobytes()
    np.testing.assert_array_equal(got_rank, rank[codes])


@pytest.mark.parametrize("seed", range(30))
def test_distinct_ranks_by_counting_answer_as_the_hash_table_does(seed):
    """Whole numbers in a narrow span are counted in a table: the hash table's distinct values, signed zeros too."""
    from pytest_synthdata._fit.numeric import _distinct_ranks_by_counting, distinct_ranks

    rng = np.random.default_rng(seed)
    n = int(rng.integers(64, 3000))
    values = np.round(rng.normal(int(rng.integers(-50, 50)), 10.0 ** rng.integers(0, 3), n))
    if seed % 3 == 0:  # signed zeros: the first seen names the value
        special = rng.choice(np.array([0.0, -0.0]), int(rng.integers(1, 20)))
        values[rng.integers(0, n, len(special))] = special
    codes, distinct = pd.factorize(values)
    order = distinct.argsort()
    rank = np.empty(len(distinct), dtype=np.intp)
    rank[order] = np.arange(len(distinct))
    counted = _distinct_ranks_by_counting(values)
    assert counted is not None
    for got_distinct, got_rank in (counted, distinct_ranks(values)):
        assert got_distinct.tobytes() == distinct[order].tobytes()
        np.testing.assert_array_equal(got_rank, rank[codes])


@pytest.mark.parametrize(
    "values",
    [
        np.arange(100) + 0.5,  # fractions
        np.r_[np.arange(100.0), np.inf],  # an infinity
        np.r_[np.arange(100.0), 1e9],  # a span far wider than the values
        np.r_[np.arange(100.0), 2.0**60],  # beyond exact whole numbers
        np.r_[np.arange(100.0), 0.25],  # a fraction after the first values
        np.arange(10.0),  # few values: any way is quick
    ],
)
def test_distinct_ranks_by_counting_leaves_other_values_to_the_hash_table(values):
    from pytest_synthdata._fit.numeric import _distinct_ranks_by_counting

    assert _distinct_ranks_by_counting(values) is None


@pytest.mark.skipif(int(pd.__version__.split(".")[0]) >= 3, reason="pandas 3 always infers strings (the Series path)")
@pytest.mark.parametrize("infer_string", [False, True])
def test_object_columns_sample_as_the_model_says_whatever_pandas_infers(infer_string):
    """pandas 2 keeps a bare object array as objects, unless string inference is on: then the Series path holds."""
    df = pd.DataFrame({"city": pd.Series(["Berlin", "Paris", "Rome"] * 40, dtype=object), "x": np.arange(120.0)})
    model = sd.fit(df, name="cities")
    with pd.option_context("future.infer_string", infer_string):
        out = model.sample(50, seed=2)
    assert {c: str(t) for c, t in out.dtypes.items()} == model.dtypes
    assert out["city"].isin(["Berlin", "Paris", "Rome"]).all()


@pytest.mark.parametrize(
    ("categories", "cast"),
    [([3, 1, 7], "int64"), ([0.5, 2.5], "float64"), ([False, True], "bool"), ([3, 1, 7], "float64"), ([1, 2], "int32")],
)
def test_categories_cast_to_numbers_as_pandas_would(categories, cast):
    """A category column of numbers cast back to its source's dtype: straight from its categories, or through
    pandas when they are of another dtype; the same values either way."""
    from pytest_synthdata._columns import CategoryColumn
    from pytest_synthdata._model import _cast, _finish

    col = CategoryColumn("n", categories=categories, probs=np.full(len(categories), 1 / len(categories)))
    col.cast = cast
    raw = np.array([0, 1, len(categories) - 1, 0, 1])
    got = _finish(col, raw.copy(), None, pd.RangeIndex(5))
    want = _cast(col.finalize(raw.copy(), None), cast, pd.RangeIndex(5))
    assert np.asarray(got).dtype == want.dtype
    assert np.array_equal(np.asarray(got), want.to_numpy())
