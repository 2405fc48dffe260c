"""Exact conditional sampling: ``Model.sample(conditions=...)``, the factory's conditions, the marker.

The reference for "exact" is a large independent sample of the unconditioned
model, filtered to the rows that meet the conditions (rejection): the
conditioned sample's means, category shares and pairwise correlations must
agree with it within sampling error (z-scores from both sample sizes).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pytest_synthdata as sd
from pytest_synthdata._tmvn import counter_uniforms, sample_boxes, tilt
from pytest_synthdata.errors import ConditionError, CorrelationRepairedWarning, InvalidArgument, UnsupportedFeature

#: |z| above this fails a comparison (many are made; a real bias gives z in the tens at these sizes).
Z_MAX = 5.0


def _customers() -> sd.Schema:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CorrelationRepairedWarning)
        return sd.Schema(
            "customers",
            {
                "age": sd.Integer(mean=41, std=12, low=18, high=90),
                "income": sd.Float(median=52_000, sigma=0.5, decimals=2),
                "plan": sd.Category({"free": 0.6, "pro": 0.25, "team": 0.1, "enterprise": 0.05}),
                "churned": sd.Boolean(p=0.2),
                "score": sd.Float(mean=0, std=1, null_rate=0.1),
                "name": sd.Faker("name"),
            },
            correlations={("age", "income"): 0.5, ("income", "plan"): 0.4, ("plan", "churned"): -0.4},
        )


CUSTOMERS = _customers()


def _computers() -> sd.Model:
    """A Computers-like table: price driven by speed, ram and screen, fitted (no segments)."""
    rng = np.random.default_rng(3)
    n = 4000
    speed = rng.choice([25, 33, 50, 66, 100], n, p=[0.2, 0.3, 0.2, 0.2, 0.1])
    ram = rng.choice([2, 4, 8, 16, 32], n, p=[0.1, 0.4, 0.3, 0.15, 0.05])
    screen = rng.choice([14, 15, 17], n, p=[0.6, 0.3, 0.1])
    premium = rng.random(n) < 0.1 + 0.002 * speed
    price = 800 + 8 * speed + 40 * ram + 90 * (screen - 14) + 300 * premium + rng.normal(0, 250, n)
    frame = pd.DataFrame(
        {"price": price.round(0), "speed": speed, "ram": ram, "screen": screen, "premium": premium,
         "ads": rng.poisson(200, n)}
    )  # fmt: skip
    return sd.fit(frame, name="computers")


COMPUTERS = _computers()


def _penguins() -> sd.Model:
    return sd.load("examples/synthdata/penguins.synth.json")


def _holds(frame: pd.DataFrame, conditions: dict) -> pd.Series:
    ok = pd.Series(True, index=frame.index)
    for column, spec in conditions.items():
        values = frame[column]
        if spec is None:
            ok &= values.isna()
        elif isinstance(spec, tuple):
            low, high = spec
            if low is not None:
                ok &= values.ge(low).fillna(False).astype(bool)
            if high is not None:
                ok &= values.le(high).fillna(False).astype(bool)
        elif isinstance(spec, (list, set)):
            ok &= values.isin(list(spec))
        else:
            ok &= values.eq(spec).fillna(False).astype(bool)
    return ok


def _ids(conditions: dict) -> str:
    """A test id that is the same in every process (a set's str() order is not)."""
    return ",".join(f"{k}={sorted(v) if isinstance(v, set) else v}" for k, v in conditions.items())


def _z(a: pd.Series, b: pd.Series) -> float:
    se = math.sqrt(a.var() / len(a) + b.var() / len(b))
    return 0.0 if se == 0 else abs(a.mean() - b.mean()) / se


def _z_corr(r1: float, n1: int, r2: float, n2: int) -> float:
    """Fisher z-test for two correlations."""
    if not (abs(r1) < 1 and abs(r2) < 1):
        return 0.0
    return abs(np.arctanh(r1) - np.arctanh(r2)) / math.sqrt(1 / (n1 - 3) + 1 / (n2 - 3))


def _compare(model, conditions: dict, reference: pd.DataFrame, n: int = 30_000, seed: int = 5) -> None:
    """Assert the conditioned sample matches the rejection sample of the unconditioned model."""
    sample = model.sample(n, seed=seed, independent=True, conditions=conditions)
    assert len(sample) == n
    assert _holds(sample, conditions).all()
    ref = reference[_holds(reference, conditions)]
    assert len(ref) > 1500, "the reference needs enough accepted rows"
    numeric = [c for c in sample.columns if pd.api.types.is_numeric_dtype(sample[c]) and sample[c].dtype != bool]
    for column in numeric:
        a, b = sample[column].astype(float).dropna(), ref[column].astype(float).dropna()
        if len(a) > 30 and len(b) > 30:
            assert _z(a, b) < Z_MAX, (column, a.mean(), b.mean())
    for column in sample.columns:
        if isinstance(sample[column].dtype, pd.CategoricalDtype) or sample[column].dtype in (bool, "boolean"):
            for value in ref[column].dropna().unique():
                a = sample[column].eq(value).fillna(False).astype(float)
                b = ref[column].eq(value).fillna(False).astype(float)
                assert _z(a, b) < Z_MAX, (column, value, a.mean(), b.mean())
        if sample[column].isna().any() or ref[column].isna().any():
            assert _z(sample[column].isna().astype(float), ref[column].isna().astype(float)) < Z_MAX, column
    for i, x in enumerate(numeric):
        for y in numeric[i + 1 :]:
            a, b = sample[[x, y]].astype(float).dropna(), ref[[x, y]].astype(float).dropna()
            if a[x].std() > 0 and a[y].std() > 0 and b[x].std() > 0 and b[y].std() > 0:
                z = _z_corr(a[x].corr(a[y]), len(a), b[x].corr(b[y]), len(b))
                assert z < Z_MAX, (x, y, a[x].corr(a[y]), b[x].corr(b[y]))


@pytest.fixture(scope="module")
def customers_reference() -> pd.DataFrame:
    return CUSTOMERS.sample(600_000, seed=99, independent=True)


@pytest.fixture(scope="module")
def computers_reference() -> pd.DataFrame:
    return COMPUTERS.sample(600_000, seed=99, independent=True)


@pytest.fixture(scope="module")
def penguins_reference() -> pd.DataFrame:
    return _penguins().sample(400_000, seed=99, independent=True)


# exact in distribution -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "conditions",
    [
        {"plan": "enterprise"},
        {"plan": ["pro", "team"]},
        {"age": (60, None)},
        {"income": (None, 30_000)},
        {"score": None},
        {"plan": {"pro", "enterprise"}, "age": (55, None)},
        {"plan": "free", "churned": True, "income": (60_000, None), "score": (0.5, None)},
    ],
    ids=_ids,
)
def test_a_declared_schema_conditions_like_rejection(customers_reference, conditions):
    _compare(CUSTOMERS, conditions, customers_reference)


@pytest.mark.parametrize(
    "conditions",
    [
        {"ram": 32},
        {"price": (3000, None)},
        {"speed": [66, 100], "screen": 17},
        {"price": (None, 1500), "premium": True},
        {"price": (2500, 3500), "ram": (16, None), "speed": (None, 50)},
    ],
    ids=_ids,
)
def test_a_fitted_correlated_table_conditions_like_rejection(computers_reference, conditions):
    _compare(COMPUTERS, conditions, computers_reference)


@pytest.mark.parametrize(
    "conditions",
    [
        {"species": "Gentoo"},
        {"body_mass_g": (5000, None)},
        {"body_mass_g": (4000, 4500), "sex": "female"},
        {"bill_length_mm": (45, None), "flipper_length_mm": (None, 200), "island": ["Dream", "Torgersen"]},
        {"sex": None},
    ],
    ids=_ids,
)
def test_a_fitted_model_with_segments_and_null_flags_conditions_like_rejection(penguins_reference, conditions):
    _compare(_penguins(), conditions, penguins_reference, n=20_000)


def test_minimax_tilting_draws_the_truncated_normal_exactly():
    corr = np.array([[1.0, 0.8, 0.3], [0.8, 1.0, 0.5], [0.3, 0.5, 1.0]])
    chol = np.linalg.cholesky(corr)
    low, high = np.array([0.5, -np.inf, -1.0]), np.array([np.inf, 0.2, 0.0])
    t = tilt(chol, low, high)
    r = 100_000
    e, _ = sample_boxes(
        chol, np.tile(low, (r, 1, 1)), np.tile(high, (r, 1, 1)), np.tile(t.mu, (r, 1, 1)),
        np.full((r, 1), t.psi), 5, 9, np.arange(r),
    )  # fmt: skip
    x = chol @ e
    assert ((x.T >= low) & (x.T <= high)).all()
    big = np.random.default_rng(1).multivariate_normal(np.zeros(3), corr, size=3_000_000)
    ref = big[((big >= low) & (big <= high)).all(axis=1)]
    assert math.exp(t.psi) >= ((big >= low) & (big <= high)).all(axis=1).mean() * 0.99  # psi* bounds the mass
    for j in range(3):
        assert _z(pd.Series(x[j]), pd.Series(ref[:, j])) < Z_MAX
    for i, j in [(0, 1), (0, 2), (1, 2)]:
        r1 = np.corrcoef(x[i], x[j])[0, 1]
        r2 = np.corrcoef(ref[:, i], ref[:, j])[0, 1]
        assert _z_corr(r1, r, r2, len(ref)) < Z_MAX


def test_counter_uniforms_are_a_function_of_row_and_attempt_only():
    u = counter_uniforms(11, 3, np.arange(1000), 2, 4)
    assert ((u > 0) & (u < 1)).all() and abs(u.mean() - 0.5) < 0.02
    assert np.array_equal(counter_uniforms(11, 3, np.array([500, 7]), 2, 4), u[[500, 7]])
    assert not np.array_equal(counter_uniforms(11, 3, np.arange(10), 3, 4), u[:10])
    assert not np.array_equal(counter_uniforms(12, 3, np.arange(10), 2, 4), u[:10])


# exact n, seeded, row-stable --------------------------------------------------------------------------

SEVERAL = {"plan": ["pro", "team"], "age": (50, 70), "income": (40_000, None)}


@pytest.mark.parametrize("independent", [False, True])
def test_conditioned_rows_are_seeded_and_a_prefix_of_longer_samples(independent):
    a = CUSTOMERS.sample(5000, seed=4, independent=independent, conditions=SEVERAL)
    b = CUSTOMERS.sample(1234, seed=4, independent=independent, conditions=SEVERAL)
    pd.testing.assert_frame_equal(a.iloc[:1234], b)
    pd.testing.assert_frame_equal(a, CUSTOMERS.sample(5000, seed=4, independent=independent, conditions=SEVERAL))
    assert not a.equals(CUSTOMERS.sample(5000, seed=5, independent=independent, conditions=SEVERAL))
    assert len(a) == 5000 and _holds(a, SEVERAL).all()


def test_per_row_conditions_follow_each_row_and_nan_leaves_a_row_free():
    per_row = pd.DataFrame({"plan": ["enterprise", None, "free", "pro"] * 250, "age": [np.nan, 70, 20, np.nan] * 250})
    df = CUSTOMERS.sample(1000, seed=1, conditions=per_row)
    assert (df["plan"].iloc[0::4] == "enterprise").all() and (df["age"].iloc[1::4] == 70).all()
    assert (df["plan"].iloc[2::4] == "free").all() and (df["age"].iloc[2::4] == 20).all()
    assert df["plan"].iloc[1::4].nunique() > 1  # unconditioned plan
    head = CUSTOMERS.sample(10, seed=1, conditions=per_row.iloc[:10])
    pd.testing.assert_frame_equal(df.iloc[:10], head)  # a row depends on its own conditions only


def test_a_row_conditioned_alike_is_the_same_under_a_dict_and_a_frame():
    frame = pd.DataFrame({"plan": ["team"] * 50})
    pd.testing.assert_frame_equal(
        CUSTOMERS.sample(50, seed=2, conditions={"plan": "team"}), CUSTOMERS.sample(50, seed=2, conditions=frame)
    )


def test_no_conditions_sample_the_same_bytes_as_before():
    pd.testing.assert_frame_equal(CUSTOMERS.sample(300, seed=8), CUSTOMERS.sample(300, seed=8, conditions={}))


# impossible and bad conditions -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("conditions", "message"),
    [
        ({"plan": "gold"}, "never gives 'gold' in column 'plan'; its values are ['free', 'pro', 'team', 'enterprise']"),
        ({"plan": ["pro", "gold"]}, "its values are ['free', 'pro', 'team', 'enterprise']"),
        ({"age": (100, None)}, "no value of the model is in it in column 'age'; its values lie in [18 .. 90]"),
        ({"age": (50, 40)}, "the range is empty"),
        ({"age": 17}, "its values lie in [18 .. 90]"),
        ({"age": [30, 17]}, "never gives 17 in column 'age'; its values lie in [18 .. 90]"),
        ({"age": "old"}, "'old' (str) is not a number"),
        ({"income": 50_000.123}, "never gives such a value"),
        ({"plan": (1, 2)}, "a range needs a numeric or date column"),
        ({"nope": 1}, "has no such column; its columns are"),
        ({"name": "Ann"}, "is generated"),
        ({"age": None}, "never missing"),
        ({"age": []}, "empty list"),
        ({"age": (1, 2, 3)}, "a tuple is an inclusive range"),
        ({"age": [1, None]}, "cannot hold None"),
        ({"age": (120, 130)}, "no value of the model is in it"),
        ({"income": (1e12, None)}, "below the floor 1e-12"),
        ({"age": (88, None), "income": (None, 2_000)}, "together they have probability below the floor"),
    ],
    ids=lambda v: str(v)[:40],
)
def test_impossible_conditions_raise_condition_error_naming_them(conditions, message):
    with pytest.raises(ConditionError) as info:
        CUSTOMERS.sample(10, seed=1, conditions=conditions)
    assert message in str(info.value)
    assert isinstance(info.value, InvalidArgument)


def test_bad_condition_containers_raise():
    with pytest.raises(ConditionError, match="one row per sampled row; it has 3 rows for n=5"):
        CUSTOMERS.sample(5, seed=1, conditions=pd.DataFrame({"plan": ["pro"] * 3}))
    with pytest.raises(ConditionError, match="pass a dict of column -> condition"):
        CUSTOMERS.sample(5, seed=1, conditions=[("plan", "pro")])


def test_a_condition_on_a_date_column_takes_dates():
    schema = sd.Schema("events", {"day": sd.Date(low="2020-01-01", high="2024-12-31"), "n": sd.Integer(low=0, high=9)})
    df = schema.sample(500, seed=1, conditions={"day": ("2024-06-01", None)})
    assert (df["day"] >= pd.Timestamp("2024-06-01")).all()
    one = schema.sample(20, seed=1, conditions={"day": "2021-03-04"})
    assert (one["day"] == pd.Timestamp("2021-03-04")).all()


# Hypothesis: every row meets its conditions ------------------------------------------------------------

_PLANS = ["free", "pro", "team", "enterprise"]


@st.composite
def _conditions(draw: st.DrawFn) -> dict:
    out: dict = {}
    if draw(st.booleans()):
        out["plan"] = draw(st.lists(st.sampled_from(_PLANS), min_size=1, max_size=3, unique=True))
    if draw(st.booleans()):
        low = draw(st.integers(18, 80))
        out["age"] = (low, draw(st.one_of(st.none(), st.integers(low + 5, 90))))
    if draw(st.booleans()):
        out["churned"] = draw(st.booleans())
    if draw(st.booleans()):
        low = draw(st.floats(-2, 1.5))
        out["score"] = draw(st.sampled_from([None, (low, None), (None, low), (low, low + 0.5)]))
    if draw(st.booleans()):
        out["income"] = (draw(st.sampled_from([20_000, 40_000, 60_000])), None)
    return out


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_conditions(), st.integers(0, 2**32))
def test_every_row_meets_its_conditions(conditions, seed):
    try:
        df = CUSTOMERS.sample(300, seed=seed, conditions=conditions)
    except ConditionError as exc:  # only "too unlikely together" may refuse a well-formed condition here
        assert "floor" in str(exc)
        return
    assert len(df) == 300
    assert _holds(df, conditions).all()
    pd.testing.assert_frame_equal(df.iloc[:100], CUSTOMERS.sample(100, seed=seed, conditions=conditions))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_conditions(), min_size=1, max_size=6), st.integers(0, 2**32))
def test_every_row_meets_its_own_per_row_conditions(per_row, seed):
    n = 60
    cells = [per_row[i % len(per_row)] for i in range(n)]
    columns = sorted({c for row in cells for c in row})
    frame = pd.DataFrame({c: pd.Series([row.get(c, np.nan) for row in cells], dtype=object) for c in columns})
    frame = frame.reindex(range(n))
    try:
        df = CUSTOMERS.sample(n, seed=seed, conditions=frame)
    except ConditionError as exc:
        assert "floor" in str(exc)
        return
    assert len(df) == n
    for i, row in enumerate(cells):
        met = {k: v for k, v in row.items() if v is not None}  # (None in a frame's cell: no condition)
        assert _holds(df.iloc[[i]], met).all(), (i, row)
    pd.testing.assert_frame_equal(df.iloc[:25], CUSTOMERS.sample(25, seed=seed, conditions=frame.iloc[:25]))


# backends without a latent space -------------------------------------------------------------------


def test_a_model_without_a_latent_space_refuses_conditions_clearly():
    from pytest_synthdata._backends.sdv import SDVModel

    model = SDVModel.__new__(SDVModel)
    model.name, model.backend = "x", "gaussian_copula"
    with pytest.raises(UnsupportedFeature, match="cannot sample exactly under conditions"):
        model.sample(5, seed=1, conditions={"a": 1})


# fixtures ----------------------------------------------------------------------------------------------

CONFTEST = """
import warnings
import pytest_synthdata as sd
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    customers = sd.Schema(
        "customers",
        {
            "age": sd.Integer(mean=41, std=12, low=18, high=90),
            "income": sd.Float(median=52_000, sigma=0.5, decimals=2),
            "plan": sd.Category({"free": 0.6, "pro": 0.25, "team": 0.1, "enterprise": 0.05}),
            "churned": sd.Boolean(p=0.2),
            "seed": sd.Integer(low=0, high=3),
            "name": sd.Faker("name"),
        },
        correlations={("income", "plan"): 0.6, ("plan", "churned"): -0.6},
    )
sd.register(customers)
"""


def test_a_factory_keyword_conditions_the_other_columns(pytester):
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(
        """
        def test_enterprise(synth_customers_factory):
            everyone = synth_customers_factory(20_000)
            enterprise = synth_customers_factory(5_000, plan="enterprise")
            assert (enterprise["plan"] == "enterprise").all()
            overall = everyone["churned"].mean()
            expected = everyone.loc[everyone["plan"] == "enterprise", "churned"].mean()
            assert abs(enterprise["churned"].mean() - expected) < 0.02 < overall - expected
            assert enterprise["income"].median() > 1.3 * everyone["income"].median()

        def test_set_keeps_the_old_meaning(synth_customers_factory):
            df = synth_customers_factory(5_000, set={"plan": "enterprise"})
            assert (df["plan"] == "enterprise").all() and df["churned"].mean() > 0.1

        def test_full_language_and_reserved_names(synth_customers_factory):
            df = synth_customers_factory(
                500, conditions={"plan": ["pro", "team"], "age": (60, None), "seed": 2}, name="Ann"
            )
            assert df["plan"].isin(["pro", "team"]).all() and (df["age"] >= 60).all()
            assert (df["seed"] == 2).all() and (df["name"] == "Ann").all()

        def test_a_list_is_one_condition_per_row(synth_customers_factory):
            df = synth_customers_factory(4, plan=["free", "pro", None, "enterprise"], age=30)
            assert df["plan"].iloc[[0, 1, 3]].tolist() == ["free", "pro", "enterprise"]
            assert (df["age"] == 30).all()
        """
    )
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=4)


def test_factory_keywords_that_cannot_be_conditions_raise(pytester):
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(
        """
        import pytest
        from pytest_synthdata.errors import ConditionError, InvalidArgument

        def test_bad(synth_customers_factory):
            with pytest.raises(ConditionError, match="never gives 'gold'.*Use set="):
                synth_customers_factory(5, plan="gold")
            with pytest.raises(InvalidArgument, match="pass a range or any-of set as conditions="):
                synth_customers_factory(5, age=(60, None))
            with pytest.raises(InvalidArgument, match="conditioned twice"):
                synth_customers_factory(5, age=30, conditions={"age": 40})
            with pytest.raises(InvalidArgument, match="has 2 values for 5 rows"):
                synth_customers_factory(5, age=[30, 40])
        """
    )
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=1)


def test_the_marker_conditions_the_fixture_and_the_failure_section_prints_them(pytester):
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.synthdata(rows=50, conditions={"plan": "team", "age": (30, 40)})
        def test_marked(synth_customers):
            assert (synth_customers["plan"] == "team").all()
            assert synth_customers["age"].between(30, 40).all()
            assert False
        """
    )
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "synth_customers: dataset 'customers', 50 rows, seed *, conditions plan='team', age=(30, 40)",
            "same rows in Python: *.sample(50, seed=*, conditions={'plan': 'team', 'age': (30, 40)})",
        ]
    )
    assert "not written" not in result.stdout.str()  # the frames on disk are sampled under the conditions too


def test_a_marker_condition_the_model_cannot_meet_fails_the_test_in_one_line(pytester):
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.synthdata(conditions={"plan": "gold"})
        def test_marked(synth_customers):
            pass
        """
    )
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*condition plan='gold': the model never gives 'gold'*"])


def test_a_looked_up_column_conditions_the_column_it_comes_from():
    rng = np.random.default_rng(1)
    n = 3000
    maker = {"a1": "A", "a2": "A", "b1": "B", "b2": "B", "c1": "C"}
    model = rng.choice(list(maker), n, p=[0.3, 0.2, 0.2, 0.2, 0.1])
    frame = pd.DataFrame(
        {
            "model": model,
            "maker": [maker[m] for m in model],
            "price": (rng.normal(100, 20, n) + np.where(model == "c1", 80, 0)).round(2),
            "extra": np.where(rng.random(n) < 0.2, np.nan, rng.normal(0, 1, n)),
        }
    )
    cars = sd.fit(frame, name="cars")
    assert type(cars.column("maker")).__name__ == "DerivedColumn"
    c = cars.sample(2000, seed=1, conditions={"maker": "C"})
    assert (c["model"] == "c1").all() and c["price"].mean() > 150
    ab = cars.sample(2000, seed=1, conditions={"maker": ["A", "B"], "extra": None})
    assert ab["maker"].isin(["A", "B"]).all() and ab["extra"].isna().all()
    with pytest.raises(ConditionError, match="never gives 'D'"):
        cars.sample(5, seed=1, conditions={"maker": "D"})


def test_a_plain_sample_imports_nothing_of_conditioning():
    import subprocess
    import sys

    code = (
        "import sys, pytest_synthdata as sd\n"
        "sd.Schema('p', {'a': sd.Integer(low=0, high=9)}).sample(10, seed=1)\n"
        "print(sorted(m for m in sys.modules if m.endswith(('._conditions', '._tmvn'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# the conditioned sample path: what it skips, and what it reuses ------------------------------------------------


def test_spread_rows_draw_a_conditioned_coordinate_from_its_own_uniform():
    """One conditioned coordinate of spread rows is its row's uniform through the restricted inverse CDF: no normal
    score taken and given back (rows outside the condition keep the scores a plain sample gives them)."""
    from pytest_synthdata._conditions import conditioned
    from pytest_synthdata._latent import SpreadRows, truncated_uniform

    schema = sd.Schema("one", {"x": sd.Float(mean=0, std=1), "y": sd.Float(mean=0, std=1)})
    space = schema.latent_space
    source = conditioned(schema, SpreadRows(3), {"x": (1.0, None)}, 5000)
    got = source.rows(space, 0, 5000).x[0]
    uniform = SpreadRows(3).uniform_noise(space, 0, 5000, [0])
    assert uniform is not None
    assert got.tobytes() == np.maximum(truncated_uniform(uniform[0][0], 1.0, np.inf), 1.0).tobytes()
    per_row = pd.DataFrame({"x": [(1.0, None), None] * 50})
    plain, df = schema.sample(100, seed=3), schema.sample(100, seed=3, conditions=per_row)
    pd.testing.assert_frame_equal(df.iloc[1::2], plain.iloc[1::2])  # free rows: their normal scores, as before
    assert (df["x"].iloc[0::2] >= 1.0).all()


def test_the_same_conditions_again_reuse_their_boxes(monkeypatch):
    """A dict of conditions seen before (same model, rows) is not resolved, boxed and checked again."""
    from pytest_synthdata import _conditions

    model = sd.Schema("again", {"plan": sd.Category({"a": 0.9, "b": 0.1}), "x": sd.Float(mean=0, std=1)})
    calls = []
    real = _conditions.conditioned_rows
    monkeypatch.setattr(_conditions, "conditioned_rows", lambda *a, **k: calls.append(1) or real(*a, **k))
    first = model.sample(2000, seed=1, conditions={"plan": "b"})
    pd.testing.assert_frame_equal(first, model.sample(2000, seed=1, conditions={"plan": "b"}))
    pd.testing.assert_frame_equal(first, model.sample(2000, seed=1, conditions={"plan": ["b"]}))
    assert len(calls) == 1
    model.sample(300, seed=1, conditions={"plan": "b"})  # (other rows: other boxes)
    assert len(calls) == 2


def test_a_condition_seen_before_is_not_taken_for_an_equal_value_of_another_type():
    """1 == True as dict keys; a boolean column never gives 1, whatever was conditioned on before."""
    model = sd.Schema("types", {"churned": sd.Boolean(p=0.3), "x": sd.Float(mean=0, std=1)})
    assert model.sample(20, seed=1, conditions={"churned": True})["churned"].all()
    with pytest.raises(ConditionError, match="never gives 1"):
        model.sample(20, seed=1, conditions={"churned": 1})


def test_a_frozenset_condition_seen_before_is_not_taken_for_an_equal_set_of_another_type():
    """frozenset({1}) == frozenset({True}) as dict keys too: the cached resolution of one is not the other's."""
    model = sd.Schema("types", {"churned": sd.Boolean(p=0.3), "x": sd.Float(mean=0, std=1)})
    assert model.sample(20, seed=1, conditions={"churned": frozenset({True})})["churned"].all()
    with pytest.raises(ConditionError, match="never gives 1"):
        model.sample(20, seed=1, conditions={"churned": frozenset({1})})


def test_a_column_fitted_per_segment_maps_rows_of_one_group_as_they_are():
    """Rows all in one group of the segment column (a condition on it) are not sorted into groups: the same bits."""
    rng = np.random.default_rng(0)
    species = rng.choice(["Adelie", "Gentoo", "Chinstrap"], 1500)
    real = pd.DataFrame(
        {"species": species, "mass": np.where(species == "Gentoo", 5000, 3700) + rng.normal(0, 300, 1500)}
    )
    model = sd.fit(real, name="segments")
    mass = model.column("mass")
    assert hasattr(mass, "partition")
    codes = np.full(4000, 1)
    order, bounds = mass.partition(codes)
    assert order is None and bounds[-1] == 4000
    z = np.random.default_rng(1).standard_normal(4000)
    sorted_order = np.argsort(mass._small_group_of[codes], kind="stable")
    sorted_bounds = np.searchsorted(mass._small_group_of[codes][sorted_order], np.arange(len(mass.levels) + 1))
    assert (
        mass.from_latent_given(z, codes).tobytes()
        == mass.from_latent_given(z, codes, (sorted_order, sorted_bounds)).tobytes()
    )
    df = model.sample(3000, seed=2, conditions={"species": "Gentoo"})
    assert (df["species"] == "Gentoo").all() and df["mass"].mean() > 4500


def test_a_date_without_a_zone_is_read_in_the_columns_time_zone():
    """A naive date condition on a zone-aware column meant UTC: 19 of 1,000 rows fell outside the Berlin day."""
    rng = np.random.default_rng(0)
    start = pd.Timestamp("2024-03-01", tz="Europe/Berlin")
    real = pd.DataFrame(
        {"ts": start + pd.to_timedelta(rng.integers(0, 30 * 86400, 500), unit="s"), "x": rng.normal(size=500)}
    )
    model = sd.fit(real, name="events")
    day = (pd.Timestamp("2024-03-10", tz="Europe/Berlin"), pd.Timestamp("2024-03-10 23:59:59", tz="Europe/Berlin"))
    df = model.sample(1000, seed=1, conditions={"ts": ("2024-03-10", "2024-03-10 23:59:59")})
    assert df.ts.between(*day).all()
    assert str(df.ts.dt.tz) == "Europe/Berlin"
    # a stamp with a zone is that instant
    utc = model.sample(200, seed=1, conditions={"ts": (pd.Timestamp("2024-03-10 12:00", tz="UTC"), None)})
    assert (utc.ts >= pd.Timestamp("2024-03-10 13:00", tz="Europe/Berlin")).all()


def test_a_factory_calls_own_conditions_win_over_the_markers_settings(pytester):
    """The marker's balance, conditions and edge columns on a column the call conditions (or balances) gave
    "balance='plan': conditions= already conditions 'plan'", "edge_columns names ['churned'], which conditions=
    ... already fix" and "column 'plan' is conditioned twice"; the call's own settings win."""
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(
        """
        import pandas as pd
        import pytest

        @pytest.mark.synthdata(balance="plan")
        def test_balance_then_a_condition(synth_customers_factory):
            df = synth_customers_factory(99, plan="pro")
            assert (df.plan == "pro").all()
            assert set(synth_customers_factory(400).plan) == {"free", "pro", "team", "enterprise"}

        @pytest.mark.synthdata(conditions={"plan": "team"})
        def test_a_condition_then_balance(synth_customers_factory):
            df = synth_customers_factory(400, balance="plan")
            assert df.plan.value_counts().min() == 100
            assert (synth_customers_factory(20).plan == "team").all()

        @pytest.mark.synthdata(edge_columns=["churned"], edge_kinds=["rare"], edge_cases=0.5)
        def test_edge_columns_the_call_conditions(synth_customers_factory):
            df = synth_customers_factory(10, churned=True)
            assert df.churned.all()
            assert "edges" not in df.attrs["synthdata"] or not len(df.attrs["synthdata"]["edges"])

        @pytest.mark.synthdata(conditions={"plan": "team"})
        def test_per_row_conditions_over_the_markers(synth_customers_factory):
            df = synth_customers_factory(3, conditions=pd.DataFrame({"plan": ["free", None, "pro"]}))
            assert df.plan.iloc[0] == "free" and df.plan.iloc[2] == "pro"
        """
    )
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=4)
