"""Hypothesis strategies: rows() and frames() draw the model's rows through Hypothesis and shrink to the typical row."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, find, given, seed, settings
from hypothesis import errors as hypothesis_errors
from hypothesis.database import InMemoryExampleDatabase
from scipy import stats

import pytest_synthdata as sd
from pytest_synthdata.strategies import DEFAULT_MAX_SIZE, frames, row_bytes, rows

CUSTOMERS = sd.Schema(
    "customers",
    columns={
        "customer_id": sd.Id("CUST-{:06d}"),
        "name": sd.Faker("name"),
        "age": sd.Integer(mean=41, std=13, low=18, high=95),
        "income": sd.Float(median=52_000, sigma=0.55, low=0, decimals=2, null_rate=0.04),
        "plan": sd.Category({"free": 0.62, "pro": 0.30, "enterprise": 0.08}),
        "churned": sd.Boolean(p=0.18),
        "signup": sd.Date(low="2019-01-01", high="2024-12-31"),
        "last_login": sd.Date(low="2019-01-01", high="2025-06-30"),
    },
    correlations={("age", "income"): 0.45, ("income", "plan"): 0.40, ("plan", "churned"): -0.25},
    constraints=["signup < last_login"],
)

#: The mode of a category is not its median category: "b" is the median of these frequencies, "c" the mode.
SKEWED = sd.Schema(
    "skewed",
    columns={
        "tier": sd.Category({"a": 0.3, "b": 0.25, "c": 0.45}),
        "score": sd.Float(mean=10.0, std=2.0),
        "flag": sd.Boolean(p=0.7),
        "note": sd.Category({"x": 0.5, "y": 0.5}, null_rate=0.6),
    },
    correlations={("tier", "score"): 0.6},
)

QUIET = settings(database=None, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _typical(model: Any) -> dict[str, Any]:
    return find(rows(model), lambda row: True, settings=settings(database=None))


def _last_failure(test: Any, seen: list[Any]) -> Any:
    with pytest.raises(AssertionError):
        test()
    return seen[-1]


# the shrink target -------------------------------------------------------------------------------------


def test_the_simplest_row_is_the_most_typical_row():
    row = _typical(CUSTOMERS)
    sample = CUSTOMERS.sample(4000, seed=1)
    assert row["plan"] == "free"  # the mode
    assert not row["churned"]
    assert row["age"] == np.median(sample["age"])
    assert abs(row["income"] / sample["income"].median() - 1.0) < 0.01
    assert row["customer_id"] == "CUST-000001"


def test_shrinking_reaches_the_mode_of_a_category_not_its_median_category():
    row = _typical(SKEWED)
    assert row["tier"] == "c"  # latent 0 alone would give "b", the median category
    assert bool(row["flag"]) is True
    assert row["note"] in ("x", "y")  # missing 60% of the time, yet the typical row is not missing
    assert row["score"] == 10.0  # a number at its median, though the tier's latent score is not 0


def test_a_failing_property_shrinks_to_the_typical_row_but_for_the_value_it_needs():
    typical, seen = _typical(CUSTOMERS), []

    @QUIET
    @given(rows(CUSTOMERS))
    def prop(row):
        seen.append(row)
        assert not row["income"] > 100_000

    row = _last_failure(prop, seen)
    assert 100_000 < row["income"] < 101_000  # just over the threshold
    for column in ("customer_id", "name", "age", "plan", "churned", "signup", "last_login"):
        assert row[column] == typical[column], column


def test_a_failing_frame_shrinks_to_one_typical_row():
    typical, seen = _typical(CUSTOMERS), []

    @QUIET
    @given(frames(CUSTOMERS))
    def prop(df):
        seen.append(df)
        assert not (df["plan"] == "enterprise").any()

    df = _last_failure(prop, seen)
    assert len(df) == 1
    assert df["plan"].iloc[0] == "enterprise"
    assert df["customer_id"].iloc[0] == typical["customer_id"] and df["name"].iloc[0] == typical["name"]
    assert df["signup"].iloc[0] == typical["signup"]  # not correlated with the plan: at its median


def test_a_saved_failure_replays_the_same_example():
    db, seen = InMemoryExampleDatabase(), []

    # (derandomize=False: CI=true loads Hypothesis' derandomized profile, which never replays a database)
    @settings(database=db, derandomize=False, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(frames(CUSTOMERS))
    def prop(df):
        seen.append(df)
        assert not (df["age"] > 70).any()

    first = _last_failure(prop, seen)
    seen.clear()
    again = _last_failure(prop, seen)
    pd.testing.assert_frame_equal(seen[0], first)  # the first example of the second run is the saved one
    pd.testing.assert_frame_equal(again, first)


def _fitted() -> Any:
    from tables_for_tests import customers

    return sd.fit(customers(1000), name="fitted")


@pytest.mark.parametrize("load", [lambda: sd.load("examples/synthdata/penguins.synth.json"), _fitted])
def test_fitted_models_shrink_to_their_modes_and_draw_their_dtypes(load):
    model = load()
    row = _typical(model)
    sample = model.sample(3000, seed=1)
    for column in sample.columns:
        if sample[column].dtype.kind in "OUbT" or str(sample[column].dtype) in ("category", "str", "string"):
            if sample[column].nunique() < 10:
                assert row[column] == sample[column].mode().iloc[0], column
    dtypes = sample.dtypes.to_dict()

    @settings(QUIET, max_examples=25)
    @given(frames(model, max_size=10, edge_cases=0.5))
    def prop(df):
        assert df.dtypes.to_dict() == dtypes

    prop()


def test_numbers_fitted_per_segment_shrink_to_their_median_given_the_modal_category():
    """The documented shrink target of fitted models: the conditional median, not the overall one."""
    penguins = sd.load("examples/synthdata/penguins.synth.json")
    row = _typical(penguins)
    assert row["species"] == "Adelie"
    given = penguins.sample(20_000, seed=1, conditions={"species": "Adelie"})
    overall = penguins.sample(20_000, seed=1)
    for column in ("bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"):
        spread = overall[column].std()
        assert abs(row[column] - given[column].median()) < 0.05 * spread, column
    assert abs(row["bill_length_mm"] - overall["bill_length_mm"].median()) > 0.5 * overall["bill_length_mm"].std()


# what is drawn -----------------------------------------------------------------------------------------


@settings(QUIET, max_examples=60)
@given(frames(CUSTOMERS, max_size=30))
def test_frames_always_have_the_models_dtypes_bounds_and_constraints(df):
    assert list(df.columns) == CUSTOMERS.columns
    assert df.dtypes.to_dict() == CUSTOMERS.sample(1, seed=1).dtypes.to_dict()
    assert df["age"].between(18, 95).all()
    assert (df["income"].dropna() >= 0).all()
    assert set(df["plan"]) <= {"free", "pro", "enterprise"}
    assert (df["signup"] < df["last_login"]).all()
    assert df["customer_id"].is_unique


@settings(QUIET, max_examples=30)
@given(frames(CUSTOMERS, min_size=1, max_size=5, conditions={"plan": "pro", "age": (60, None)}))
def test_conditions_hold_in_every_drawn_row(df):
    assert (df["plan"] == "pro").all() and (df["age"] >= 60).all()


IDS = sd.Schema(
    "ids",
    columns={
        "cid": sd.Id("uuid"),
        "seq": sd.Id(),
        "code": sd.Id("C-{:04d}"),
        "other": sd.Id("uuid"),
        "plan": sd.Category({"free": 0.9, "pro": 0.1}),
    },
)


def test_ids_of_every_kind_are_unique_within_each_drawn_frame():
    """Hypothesis repeats a row's choices (and shrinks rows to the same choices): the ids stay distinct."""
    seen = []

    @settings(QUIET, max_examples=150)
    @given(frames(IDS, max_size=30))
    def check(df):
        seen.append(len(df))
        for column in ("cid", "seq", "code", "other"):
            assert df[column].is_unique, column
        assert df["cid"].str.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}").all()

    check()
    assert max(seen) >= 20
    typical = find(frames(IDS, min_size=5, max_size=5), lambda df: True, settings=settings(database=None))
    assert typical["cid"].is_unique and typical["other"].is_unique


def test_rows_without_edge_bias_follow_the_models_marginals_and_rank_correlations():
    drawn: list[dict[str, Any]] = []

    @seed(18)
    @settings(database=None, max_examples=1500, deadline=None, suppress_health_check=list(HealthCheck))
    @given(rows(CUSTOMERS, edge_cases=0))
    def collect(row):
        drawn.append(row)

    collect()
    df = pd.DataFrame(drawn)
    assert len(df) == 1500
    ref = CUSTOMERS.sample(8000, seed=2)
    for column in ("age", "income", "signup", "last_login"):
        a, b = df[column].dropna(), ref[column].dropna()
        if column in ("signup", "last_login"):
            a, b = a.astype("int64"), b.astype("int64")
        assert stats.ks_2samp(a, b).pvalue > 1e-3, column
    counts = df["plan"].value_counts().reindex(["free", "pro", "enterprise"]).to_numpy()
    assert stats.chisquare(counts, np.array([0.62, 0.30, 0.08]) * len(df)).pvalue > 1e-3
    assert abs(df["churned"].mean() - 0.18) < 0.04
    assert abs(df["income"].isna().mean() - 0.04) < 0.02

    def ranks(d: pd.DataFrame) -> pd.DataFrame:
        codes = d["plan"].map({"free": 0, "pro": 1, "enterprise": 2})
        return pd.DataFrame({"age": d["age"], "income": d["income"], "plan": codes, "churned": d["churned"]})

    gap = (ranks(df).corr("spearman") - ranks(ref).corr("spearman")).abs().to_numpy()
    assert gap.max() < 0.1


def test_edge_bias_puts_some_rows_in_tails_bounds_nulls_and_rare_categories():
    found: list[pd.DataFrame] = []

    @seed(3)
    @settings(database=None, max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
    @given(frames(CUSTOMERS, max_size=10))
    def collect(df):
        edges = df.attrs["synthdata"].get("edges")
        if edges is not None:
            found.append(edges.frame)

    collect()
    edges = pd.concat(found)
    assert {"tail", "bound", "rare", "null", "text"} <= set(edges["kind"])


def test_a_bound_edge_row_holds_the_bound_and_the_rest_of_the_row_is_drawn_given_it():
    seen: list[pd.DataFrame] = []

    @settings(QUIET, max_examples=300)
    @given(frames(CUSTOMERS, max_size=5, edge_cases=0.9))
    def prop(df):
        seen.append(df)
        assert not (df["age"] == 95).any()

    df = _last_failure(prop, seen)
    assert (df["age"] == 95).sum() == 1
    assert "bound" in set(df.attrs["synthdata"]["edges"]["kind"])


# the budget and the arguments --------------------------------------------------------------------------


def _wide(columns: int = 30) -> sd.Schema:
    cols: dict[str, Any] = {}
    for i in range(columns - 6):
        if i % 3 == 0:
            cols[f"x{i}"] = sd.Float(median=100.0 + i, sigma=0.5, low=0, null_rate=0.1 if i % 2 else 0.0)
        elif i % 3 == 1:
            cols[f"x{i}"] = sd.Integer(mean=40, std=10, low=0, high=120)
        else:
            cols[f"x{i}"] = sd.Category({"a": 0.5, "b": 0.3, "c": 0.15, "d": 0.05}, null_rate=0.05)
    for i in range(3):
        cols[f"flag{i}"] = sd.Boolean(p=0.2)
    cols["day"] = sd.Date(low="2020-01-01", high="2024-12-31")
    cols["name"] = sd.Faker("name")
    cols["email"] = sd.Faker("email")
    return sd.Schema("wide", columns=cols, correlations={("x0", "x1"): 0.5, ("x2", "x3"): 0.3})


def test_a_30_column_model_fits_50_rows_in_hypothesis_budget_without_health_check_failures():
    wide = _wide()
    assert len(wide.columns) == 30
    used = 50 * (row_bytes(wide) + 4)  # a row's choices, its blob's header and the list's "one more" choice
    assert used <= 6144  # of Hypothesis' 8 KiB per example
    sizes: list[int] = []

    @settings(deadline=None)  # otherwise Hypothesis' defaults: every health check on (no deadline: a shared CI box)
    @given(frames(wide, max_size=50))
    def prop(df):
        sizes.append(len(df))

    prop()
    assert sizes

    @settings(database=None, max_examples=20, deadline=None)
    @given(frames(wide, min_size=35, max_size=50))
    def large(df):
        assert len(df) >= 35

    large()


def test_default_max_size_is_50_rows_or_what_fits_the_budget():
    assert re.search(r"max_size", repr(frames(CUSTOMERS))) is None
    assert DEFAULT_MAX_SIZE == 50
    columns = {f"c{i}": sd.Float(mean=0.0, std=1.0) for i in range(120)}
    huge = sd.Schema("huge", columns=columns)
    sizes: list[int] = []

    @settings(database=None, max_examples=50, deadline=None)
    @given(frames(huge, min_size=1))
    def prop(df):
        sizes.append(len(df))

    prop()
    assert max(sizes) <= 6144 // (row_bytes(huge) + 4)


def test_an_explicit_max_size_beyond_the_budget_raises_and_names_the_largest_that_fits():
    """60 nullable floats: 248 bytes a row, so 33 rows fill Hypothesis' 8 KiB; max_size=50 used to stop at 33."""
    nullable = sd.Schema("nullable", {f"f{i}": sd.Float(mean=0.0, std=1.0, null_rate=0.1) for i in range(60)})
    most = 8192 // (row_bytes(nullable) + 4)
    assert most == 33
    with pytest.raises(hypothesis_errors.InvalidArgument, match=rf"max_size=50: .* pass max_size <= {most} "):
        frames(nullable, max_size=50)
    with pytest.raises(hypothesis_errors.InvalidArgument, match=rf"max_size={most + 1}: "):
        frames(nullable, max_size=most + 1, min_size=2)
    sizes: list[int] = []

    @settings(database=None, max_examples=60, deadline=None)
    @given(frames(nullable, max_size=most))
    def prop(df):
        sizes.append(len(df))

    prop()
    assert max(sizes) <= most


def test_the_repr_shows_how_the_strategy_was_built():
    people = sd.Schema("people", {"age": sd.Integer(low=18, high=90)})
    assert repr(frames(people, max_size=5)) == "frames(Schema('people', columns=['age']), max_size=5)"
    assert repr(rows(people, edge_cases=0)) == "rows(Schema('people', columns=['age']), edge_cases=0)"


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"min_size": -1}, r"frames: min_size=-1 \(int\) is negative"),
        ({"max_size": 2.5}, r"max_size=2.5 \(float\) is not a row count"),
        ({"min_size": 5, "max_size": 2}, r"min_size=5 is larger than max_size=2"),
        ({"min_size": 400}, r"min_size=400: the smallest frame would take 400 rows"),
        ({"edge_cases": 1.5}, r"edge_cases=1.5 \(float\) is not between 0 and 1"),
        ({"edge_cases": True}, r"edge_cases=True \(bool\)"),
        ({"conditions": pd.DataFrame({"plan": ["pro"]})}, r"per-row conditions \(a DataFrame\)"),
        ({"conditions": {"tier": "gold"}}, r"ConditionError: condition on 'tier': dataset 'customers' has no such"),
        ({"conditions": {"plan": "gold"}}, r"gold"),
        ({"conditions": {"age": (200, 300)}}, r"no value of the model is in it in column 'age'"),
    ],
)
def test_impossible_arguments_raise_hypothesis_invalid_argument(kwargs, match):
    with pytest.raises(hypothesis_errors.InvalidArgument, match=match):
        frames(CUSTOMERS, **kwargs)


def test_conditions_with_default_edge_cases_draw_only_the_edge_rows_they_allow():
    """Gentoo live only on Biscoe: rare-island edge rows (Torgersen, Dream) are skipped, not a ConditionError."""
    penguins = sd.load("examples/synthdata/penguins.synth.json")
    gentoo = {"species": "Gentoo"}

    @settings(QUIET, max_examples=40)
    @given(frames(penguins, max_size=10, conditions=gentoo), rows(penguins, conditions=gentoo))
    def check(df, row):
        assert (df["species"] == "Gentoo").all() and (df["island"] == "Biscoe").all()
        assert row["species"] == "Gentoo" and row["island"] == "Biscoe"

    check()
    with pytest.raises(hypothesis_errors.InvalidArgument, match="no row of the model meets them all"):
        frames(penguins, conditions={**gentoo, "island": "Torgersen"})


def test_rows_rejects_the_same_arguments():
    with pytest.raises(hypothesis_errors.InvalidArgument, match=r"rows: edge_cases=-0\.1"):
        rows(CUSTOMERS, edge_cases=-0.1)


def test_a_model_without_latent_space_fails_with_unsupported_feature():
    class Opaque:
        name = "opaque"

        def sample(self, n: int, seed: int | None = None) -> pd.DataFrame:  # pragma: no cover - never called
            return pd.DataFrame({"x": np.zeros(n)})

    with pytest.raises(sd.errors.UnsupportedFeature, match="Hypothesis strategies need a model with a latent space"):
        frames(Opaque())
    with pytest.raises(sd.errors.UnsupportedFeature, match="'opaque' is a Opaque"):
        rows(Opaque())


def test_row_constraints_hold_in_drawn_frames():
    priced = sd.Schema(
        "priced",
        {"price": sd.Float(median=20.0, sigma=0.5, low=1.0), "discount": sd.Float(median=5.0, sigma=1.0, low=0.0)},
        constraints=[sd.Predicate(lambda df: df["discount"] <= df["price"] / 2, name="fair")],
    )

    @settings(QUIET, max_examples=40)
    @given(frames(priced, max_size=20))
    def prop(df):
        assert (df["discount"] <= df["price"] / 2).all()

    prop()


# pytest ------------------------------------------------------------------------------------------------


def test_a_failing_given_test_prints_an_example_that_reproduces(pytester):
    pytester.makepyfile(
        """
        import pytest_synthdata as sd
        from hypothesis import given, settings
        from pytest_synthdata.strategies import frames

        people = sd.Schema("people", {"age": sd.Integer(low=18, high=90), "name": sd.Faker("name")})

        @settings(database=None, print_blob=True, deadline=None)
        @given(frames(people))
        def test_nobody_is_over_80(df):
            assert not (df["age"] > 80).any()
        """
    )
    result = pytester.runpytest("-p", "no:randomly", "-p", "no:cacheprovider", "--synthdata-seed=7")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*Failing test case: test_nobody_is_over_80(*", "*df=*", "*@reproduce_failure(*"])
    output = result.stdout.str()
    blob = re.search(r"@reproduce_failure\([^)]*\)", output)
    assert blob is not None
    lines = [line.removeprefix("E").strip() for line in output.splitlines()]
    at = next(i for i, line in enumerate(lines) if line.startswith("Failing test case"))
    shown = lines[at : at + 4]  # the call, the frame's header, its row, the closing parenthesis
    source = pytester.path / "test_a_failing_given_test_prints_an_example_that_reproduces.py"
    text = source.read_text().replace("from hypothesis import given", "from hypothesis import given, reproduce_failure")
    source.write_text(text.replace("@given(", f"{blob.group(0)}\n@given("))
    again = pytester.runpytest("-p", "no:randomly", "-p", "no:cacheprovider", "--synthdata-seed=8")
    again.assert_outcomes(failed=1)
    assert [line.removeprefix("E").strip() for line in again.outlines if "Failing test case" in line] == [shown[0]]
    for line in shown[1:]:
        assert line in again.stdout.str()


def test_a_failing_wide_frame_prints_every_column(pytester):
    """pandas' repr hides the middle columns of a frame wider than display.max_columns (20): the report shows them."""
    pytester.makepyfile(
        """
        import pytest_synthdata as sd
        from hypothesis import given, settings
        from pytest_synthdata.strategies import frames

        columns = {f"c{i:02d}": sd.Integer(low=0, high=100) for i in range(30)}
        columns["c15"] = sd.Category({"MIDDLE_VALUE": 0.6, "OTHER_VALUE": 0.4})
        wide = sd.Schema("wide", columns)

        @settings(database=None, deadline=None)
        @given(frames(wide, min_size=1, max_size=3))
        def test_fails(df):
            assert len(df) == 0
        """
    )
    result = pytester.runpytest("-p", "no:randomly", "-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*every column of the frame*", "*c14*c15*c16*", "*MIDDLE_VALUE*", "*Failing test case*"]
    )


_SEEDS = """
    import json, pathlib
    import pytest_synthdata as sd
    from hypothesis import given, settings
    from pytest_synthdata.strategies import frames

    people = sd.Schema("people", {"age": sd.Integer(low=18, high=90), "score": sd.Float(mean=0.0, std=1.0)})
    seen = []

    @settings(database=None, max_examples=10, derandomize=False)  # CI=true would load Hypothesis' derandomized profile
    @given(frames(people, min_size=3, max_size=3, edge_cases=0))
    def test_draws(df):
        seen.append(df["score"].round(6).tolist())
        pathlib.Path("drawn.json").write_text(json.dumps(seen))
"""


def _drawn(pytester: pytest.Pytester, *args: str) -> list[Any]:
    import json

    # (a subprocess: --hypothesis-seed sets Hypothesis' process-wide forced seed, which would switch off the
    # example database for every later test of an in-process run)
    result = pytester.runpytest_subprocess("-p", "no:randomly", "-p", "no:cacheprovider", *args)
    result.assert_outcomes(passed=1)
    return json.loads((pytester.path / "drawn.json").read_text())


def test_synthdata_seed_leaves_hypothesis_seeding_alone(pytester):
    pytester.makepyfile(_SEEDS)
    first, second = _drawn(pytester, "--synthdata-seed=5"), _drawn(pytester, "--synthdata-seed=5")
    assert first != second  # Hypothesis draws a fresh seed per run, whatever --synthdata-seed says
    assert _drawn(pytester, "--synthdata-seed=5", "--hypothesis-seed=3") == _drawn(
        pytester, "--synthdata-seed=6", "--hypothesis-seed=3"
    )  # and its own seed (or derandomize=True, a CI profile) alone decides the examples
