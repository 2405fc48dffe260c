"""Conditions on both columns of an order constraint (``a < b``): met in every row, together with the constraint.

``b`` of ``a < b`` is drawn above ``a`` from its distribution given the rest of the row, so its values have no latent
box of their own once ``a`` is conditioned too: ``a`` is drawn under its condition and the rows whose ``b`` meets its
own are kept. The reference for "exact" is a large sample of the unconditioned model, filtered to the rows that meet
the conditions (rejection).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import pytest_synthdata as sd
from pytest_synthdata._fit.sums import _ks
from pytest_synthdata.errors import ConditionError, CorrelationRepairedWarning

BOTH = {"a": 55, "b": (50, 70)}
OVERLAP = {"a": (40, 60), "b": (50, 70)}


def _pair() -> sd.Schema:
    return sd.Schema("t", {"a": sd.Integer(low=0, high=100), "b": sd.Integer(low=0, high=100)}, constraints=["a < b"])


def _correlated() -> sd.Schema:
    """``a < b`` where ``b`` is tied to ``a`` and to a third column: the conditional given the row matters."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CorrelationRepairedWarning)
        return sd.Schema(
            "t",
            {
                "a": sd.Integer(low=0, high=100),
                "b": sd.Integer(low=0, high=100),
                "x": sd.Float(mean=0, std=1),
            },
            constraints=["a < b"],
            correlations={("a", "b"): 0.3, ("b", "x"): 0.5},
        )


def _stays(n: int = 3_000, seed: int = 1) -> pd.DataFrame:
    """Hotel stays: check-in dates over five years, a few nights each."""
    rng = np.random.default_rng(seed)
    checkin = pd.Timestamp("2019-01-01") + pd.to_timedelta(rng.integers(0, 5 * 365, n), unit="D")
    nights = rng.geometric(0.4, n)
    return pd.DataFrame(
        {
            "checkin": checkin,
            "checkout": checkin + pd.to_timedelta(nights, unit="D"),
            "price": np.round(90.0 * nights * rng.lognormal(0, 0.1, n), 2),
        }
    )


@pytest.fixture(scope="module")
def hotel() -> sd.Model:
    """A fitted model where ``checkin < checkout`` is a detected order constraint (``checkout`` its own column)."""
    model = sd.fit(_stays(), name="stays", columns={"checkout": "datetime"})
    assert "checkin < checkout" in model.info["constraints"]["detected"]
    assert model.column("checkout").after is None  # (an order constraint, not a gap)
    return model


def _holds(df: pd.DataFrame, conditions: dict[str, object]) -> None:
    for column, spec in conditions.items():
        if isinstance(spec, tuple):
            assert df[column].between(*spec).all(), column
        else:
            assert (df[column] == spec).all(), column


@pytest.mark.parametrize("conditions", [BOTH, OVERLAP], ids=["value-and-range", "two-ranges"])
def test_conditions_on_both_columns_of_an_order_constraint_hold_in_every_row(conditions):
    s = _pair()
    for n in (1, 200, 5_000):
        df = s.sample(n, seed=1, conditions=conditions)
        assert len(df) == n
        _holds(df, conditions)
        assert (df.a < df.b).all()


def test_given_a_value_b_is_drawn_from_above_it_within_its_condition():
    df = _pair().sample(5_000, seed=2, conditions=BOTH)
    assert set(df.b.unique()) == set(range(56, 71))


@pytest.mark.parametrize(
    "conditions",
    [
        {"checkin": ("2022-06-01", "2022-06-05"), "checkout": ("2022-06-03", "2022-06-08")},
        {"checkin": "2022-06-03", "checkout": ("2022-06-01", "2022-06-06")},
    ],
    ids=["two-ranges", "value-and-range"],
)
def test_a_fitted_model_meets_conditions_on_both_dates_of_a_detected_order(hotel, conditions):
    df = hotel.sample(500, seed=1, conditions=conditions)
    for column, spec in conditions.items():
        low, high = spec if isinstance(spec, tuple) else (spec, spec)
        assert df[column].between(low, high).all()
    assert (df.checkin < df.checkout).all()
    hotel.validate(df)


def test_a_fitted_model_with_a_gap_column_meets_them_too():
    model = sd.fit(_stays(), name="stays")
    assert model.column("checkout").after == "checkin"
    conditions = {"checkin": ("2022-06-01", "2022-06-05"), "checkout": ("2022-06-03", "2022-06-08")}
    df = model.sample(300, seed=1, conditions=conditions)
    assert df.checkin.between("2022-06-01", "2022-06-05").all()
    assert df.checkout.between("2022-06-03", "2022-06-08").all()
    assert (df.checkin < df.checkout).all()


def test_b_given_a_value_follows_the_unconditioned_model_restricted_to_the_conditions():
    s = _correlated()
    conditioned = s.sample(20_000, seed=3, conditions=BOTH)
    plain = s.sample(2_000_000, seed=11, independent=True)
    kept = plain[(plain.a == 55) & plain.b.between(50, 70)]
    assert len(kept) > 5_000
    assert _ks(conditioned.b.to_numpy(np.float64), kept.b.to_numpy(np.float64)) < 0.03
    assert _ks(conditioned.x.to_numpy(), kept.x.to_numpy()) < 0.03  # (the rest of the row follows b)
    # two ranges: a, b and the rest of the row all as in the rejection sample
    conditioned = s.sample(20_000, seed=4, conditions=OVERLAP)
    kept = plain[plain.a.between(40, 60) & plain.b.between(50, 70)]
    for column in ("a", "b", "x"):
        assert _ks(conditioned[column].to_numpy(np.float64), kept[column].to_numpy(np.float64)) < 0.02, column


def test_a_fitted_model_follows_its_rejection_sample_under_both_conditions(hotel):
    conditions = {"checkin": ("2021-01-01", "2021-06-30"), "checkout": ("2021-03-01", "2021-07-31")}
    conditioned = hotel.sample(5_000, seed=5, conditions=conditions)
    plain = hotel.sample(400_000, seed=6, independent=True)
    kept = plain[plain.checkin.between(*conditions["checkin"]) & plain.checkout.between(*conditions["checkout"])]
    assert len(kept) > 5_000
    for column in ("checkin", "checkout", "price"):
        got, want = conditioned[column].astype("int64" if column != "price" else "float64"), kept[column]
        assert _ks(got.to_numpy(np.float64), want.astype(got.dtype).to_numpy(np.float64)) < 0.04, column


@pytest.mark.parametrize(
    ("conditions", "match"),
    [
        ({"a": (60, 70), "b": (10, 20)}, r"a=\(60, 70\), b=\(10, 20\): the model's constraint 'a < b' cannot hold"),
        ({"a": 70, "b": 70}, r"a=70, b=70: the model's constraint 'a < b' cannot hold"),
        ({"a": 70, "b": [10, 20, 70]}, r"constraint 'a < b' cannot hold"),
        ({"a": 55, "b": 300}, r"never gives such a value in column 'b'"),
        ({"a": 55, "b": (70, 60)}, r"the range is empty"),
    ],
)
def test_conditions_that_can_never_hold_with_the_constraint_raise_at_once(conditions, match):
    with pytest.raises(ConditionError, match=match):
        _pair().sample(10, seed=1, conditions=conditions)


def test_conditions_across_a_chain_are_checked_and_met_along_it():
    s = sd.Schema("c", {k: sd.Integer(low=0, high=100) for k in "abc"}, constraints=["a < b < c"])
    df = s.sample(1_000, seed=2, conditions={"a": (20, 30), "c": (25, 40)})
    assert df.a.between(20, 30).all() and df.c.between(25, 40).all()
    assert ((df.a < df.b) & (df.b < df.c)).all()
    with pytest.raises(ConditionError, match="constraints 'a < b', 'b < c' cannot hold"):
        s.sample(10, seed=2, conditions={"a": (20, 30), "c": (10, 21)})


def test_a_hotel_condition_that_can_never_hold_names_the_detected_constraint(hotel):
    with pytest.raises(ConditionError, match="'checkin < checkout' cannot hold"):
        hotel.sample(10, seed=1, conditions={"checkin": ("2022-06-01", None), "checkout": (None, "2021-01-01")})


def test_a_condition_too_rare_beside_the_other_raises_saying_what_to_do():
    s = sd.Schema("f", {"a": sd.Float(low=0, high=100), "b": sd.Float(low=0, high=100)}, constraints=["a < b"])
    with pytest.raises(ConditionError, match=r"'a < b'.*too rare.*condition on only one"):
        s.sample(100, seed=1, conditions={"a": (0, 99), "b": (99.999999, 100)})


def test_rows_stay_seeded_and_row_stable():
    s = _correlated()
    whole = s.sample(600, seed=7, conditions=OVERLAP)
    assert s.sample(600, seed=7, conditions=OVERLAP).equals(whole)
    assert s.sample(250, seed=7, conditions=OVERLAP).equals(whole.iloc[:250])
    assert s.sample(600, seed=7, conditions=OVERLAP, rows=(120, 480)).equals(whole.iloc[120:480])
    assert not s.sample(600, seed=8, conditions=OVERLAP).equals(whole)


def test_per_row_conditions_keep_rows_conditioning_both_and_draw_the_others_exactly():
    per_row = pd.DataFrame({"a": [55, None, 40, None] * 50, "b": [(50, 70), (50, 70), None, 3] * 50})
    s = _pair()
    df = s.sample(200, seed=3, conditions=per_row)
    assert (df.a < df.b).all()
    assert (df.a.iloc[::4] == 55).all() and df.b.iloc[::4].between(56, 70).all()
    assert df.b.iloc[1::4].between(50, 70).all() and (df.a.iloc[2::4] == 40).all() and (df.b.iloc[3::4] == 3).all()
    assert s.sample(200, seed=3, conditions=per_row, rows=(37, 151)).equals(df.iloc[37:151])


def test_edge_rows_leave_out_the_tails_and_bounds_across_an_order_from_a_conditioned_column():
    """Under a < b, a condition on one side drops the other side's tails and bounds: the facing ones never fit, and
    the others need not (a's low tail up to ~1 beside b drawn in (None, 20) raised "conditions on 'a' and 'b'
    leave 3 rows where ... cannot hold"). The other columns' edges stay."""
    s = sd.Schema(
        "e",
        {"a": sd.Integer(low=0, high=100), "b": sd.Integer(low=0, high=100), "x": sd.Float(mean=0, std=1)},
        constraints=["a < b"],
    )
    for conditions in ({"b": (50, 70)}, {"a": 55}, OVERLAP, {"b": (0, 20)}, {"a": (95, 100)}):
        df = s.sample(400, seed=5, conditions=conditions, edge_cases=0.3)
        _holds(df, conditions)
        assert (df.a < df.b).all()
        edges = df.attrs["synthdata"]["edges"].frame
        assert set(edges.column) == {"x"}
    wide = sd.Schema("w", {"a": sd.Integer(low=0, high=1000), "b": sd.Integer(low=0, high=1000)}, constraints=["a < b"])
    for seed in range(5):
        for conditions in ({"b": (0, 20)}, {"a": (980, 1000)}):
            df = wide.sample(200, seed=seed, conditions=conditions, edge_cases=0.2)
            assert (df.a < df.b).all()
            _holds(df, conditions)


def test_strategies_keep_one_side_conditioned_and_refuse_both_with_advice():
    """A strategy's edge rows under a condition on one side stay on the free side (they raised the constraint
    conflict); conditions on both sides, which sample meets by redrawing rows, are refused saying what to do."""
    from hypothesis import HealthCheck, given, settings

    from pytest_synthdata import strategies as sst

    s = sd.Schema("e", {"a": sd.Integer(low=0, high=100), "b": sd.Integer(low=0, high=100)}, constraints=["a < b"])

    @settings(max_examples=40, database=None, deadline=None, suppress_health_check=list(HealthCheck))
    @given(sst.frames(s, max_size=6, conditions={"a": 55}, edge_cases=0.5))
    def one_side(frame):
        assert (frame.a == 55).all() and (frame.a < frame.b).all()

    one_side()

    @settings(max_examples=40, database=None, deadline=None, suppress_health_check=list(HealthCheck))
    @given(sst.rows(s, conditions={"b": (None, 20)}))
    def low_b(row):  # (the default edge_cases: a's low tail beside b drawn low raised the constraint conflict)
        assert row["b"] <= 20 and row["a"] < row["b"]

    low_b()
    with pytest.raises(Exception, match=r"both columns of an order constraint .* Condition one of them and filter"):
        sst.frames(s, max_size=6, conditions={"a": 55, "b": (50, 70)}).validate()
