"""Order relations kept by a gap: a later column modelled as an earlier one plus a gap fitted apart."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from edited_files import assert_refused
from hypothesis import HealthCheck, given, settings

import pytest_synthdata as sd
from pytest_synthdata import strategies as sst
from pytest_synthdata._fit import gaps
from pytest_synthdata._fit.sums import _ks, ks_sorted
from pytest_synthdata._marginals import rank_cells_from_probs
from pytest_synthdata.errors import ConditionError, FidelityError, InvalidConstraint


def _stays(n: int = 3_000, seed: int = 1, tz: str | None = None) -> pd.DataFrame:
    """Hotel stays: check-in dates over five years, a few nights each, the price per night by room."""
    rng = np.random.default_rng(seed)
    checkin = pd.Timestamp("2019-01-01", tz=tz) + pd.to_timedelta(rng.integers(0, 5 * 365, n), unit="D")
    room = rng.choice(["single", "double", "suite"], n, p=[0.5, 0.4, 0.1])
    nights = np.where(room == "suite", rng.geometric(0.15, n), rng.geometric(0.45, n))
    rate = np.select([room == "single", room == "double"], [80.0, 120.0], 300.0)
    return pd.DataFrame(
        {
            "room": room,
            "checkin": checkin,
            "checkout": checkin + pd.to_timedelta(nights, unit="D"),
            "price": np.round(rate * nights * rng.lognormal(0, 0.1, n), 2),
        }
    )


def _nights(df: pd.DataFrame) -> np.ndarray:
    return (df.checkout - df.checkin).dt.days.to_numpy(dtype=np.float64)


def test_a_later_date_is_the_earlier_plus_a_gap_fitted_apart():
    """Before, checkout was modelled on its own and redrawn where it fell before checkin: the stays came out a
    median 15 nights against 2 (KS 0.64). Now the stay is the column's own marginal and coordinate."""
    real = _stays()
    model = sd.fit(real, name="stays")
    assert "'checkin' plus a gap" in model.info["columns"]["checkout"]["why"]
    assert model.column("checkout").after == "checkin"
    assert "checkin < checkout" in model.info["constraints"]["detected"]  # (still what the data says)
    s = model.sample(20_000, seed=3)
    assert (s.checkout > s.checkin).all()
    assert _ks(_nights(s), _nights(real)) < 0.03
    assert _ks(s.checkout.astype("int64").to_numpy(), real.checkout.astype("int64").to_numpy()) < 0.03
    # the gap's coordinate is in the copula: suites are booked for longer, and cost more
    suites = s.room == "suite"
    assert _nights(s)[suites].mean() > 2.5 * _nights(s)[~suites].mean()
    assert np.corrcoef(_nights(s), s.price)[0, 1] > 0.6
    model.validate(s)
    assert model.sample(500, seed=3).equals(s.iloc[:500])


def test_an_event_time_equal_to_its_intervals_start_in_most_rows_keeps_its_ties():
    """lifelines' diabetes: ``left <= right``, equal in 81% of rows. The copula cannot give ties, and the
    redraw pushed ``right`` up (KS 0.16, Spearman 0.58 -> 0.81)."""
    rng = np.random.default_rng(4)
    n = 2_000
    left = rng.integers(0, 40, n)
    right = left + np.where(rng.random(n) < 0.8, 0, rng.integers(1, 15, n))
    real = pd.DataFrame({"left": left, "right": right, "sex": rng.choice(["f", "m"], n)})
    model = sd.fit(real, name="intervals")
    assert model.column("right").after == "left"
    s = model.sample(20_000, seed=1)
    assert (s.right >= s.left).all()
    assert abs((s.right == s.left).mean() - 0.8) < 0.02
    assert _ks(s.right.to_numpy(np.float64), right.astype(np.float64)) < 0.03


def test_columns_whose_order_their_copula_keeps_stay_modelled_on_their_own():
    """The lesser and the greater of two draws: the copula of the two keeps both and their gaps about as well as
    a gap would, so nothing changes (the choice compares the two ways on draws of the fitted marginals)."""
    rng = np.random.default_rng(5)
    n = 2_000
    p, q = rng.normal(size=n), rng.normal(size=n)
    real = pd.DataFrame({"a": np.minimum(p, q), "b": np.maximum(p, q), "c": rng.normal(size=n)})
    model = sd.fit(real, name="apart")
    assert "a < b" in model.info["constraints"]["detected"]
    assert model.column("b").after is None


def _samples(rng: np.random.Generator) -> list[np.ndarray]:
    """Samples of a few sizes: continuous, few values (ties), constant, signed zeros, empty."""
    out = [np.array([]), np.array([1.0]), np.full(7, 2.5), np.array([0.0, -0.0, 0.0, 1.0]), np.array([0.1] * 5)]
    for n in (2, 3, 40, 512, 700):
        out += [rng.normal(size=n), rng.integers(0, 4, n).astype(np.float64), np.round(rng.normal(size=n), 1)]
    return out


def test_the_comparisons_shortcuts_give_numpys_numbers_to_the_bit():
    """The choice reads its KS distances off one merge, its correlations with ``np.corrcoef``'s arithmetic but
    not its call, each column's ties and median from one sort: each the same float as the plain way (a last-bit
    change could flip a choice, and a choice changes the model)."""
    rng = np.random.default_rng(11)
    samples = _samples(rng)
    for drawn in samples:
        for real in samples:
            assert gaps._ks_to(drawn, np.sort(real)) == ks_sorted(np.sort(drawn), np.sort(real))
        if len(drawn) >= 3:
            for other in (rng.normal(size=len(drawn)), np.round(rng.normal(size=len(drawn)), 1), drawn[::-1]):
                plain = 0.0 if drawn.std() == 0 or other.std() == 0 else np.corrcoef(drawn, other)[0, 1]
                assert gaps._pearson(np.stack((drawn, other))) == plain
        if len(drawn):
            values, counts = np.unique(drawn, return_counts=True)
            quantiles, cells = gaps._empirical(np.sort(drawn))
            assert np.array_equal(quantiles, gaps._sorted(drawn))
            if len(values) > 8:
                assert cells is None
            else:
                expected = rank_cells_from_probs(counts / len(drawn))
                assert (cells is None) == (expected is None)
                if cells is not None and expected is not None:
                    assert np.array_equal(cells.cuts, expected.cuts)
                    assert np.array_equal(cells.midranks, expected.midranks)
    grades = rng.random((2, 50))
    grades[0, 3] = grades[1, 7] = np.nan
    kept = np.isfinite(grades).all(axis=0)
    assert gaps._grade_correlation(*grades) == np.corrcoef(grades[0, kept], grades[1, kept])[0, 1]
    for n in (5, 6, 3000):  # (odd, even, and more rows than the comparison reads)
        low = np.round(rng.normal(size=n), 1)
        compare = gaps._Comparison(low, low + 1, low, low, False)
        assert compare.middle == np.median(compare.real_a)


def test_conditions_on_a_gap_column_keep_the_rows_that_meet_them_exactly():
    """A gap column's values have no latent region of their own: its conditions keep the rows that meet them
    (redrawn rows given the other conditions), which gives the model's conditional distribution exactly."""
    real = _stays()
    model = sd.fit(real, name="stays")
    window = ("2021-06-01", "2021-08-31")
    s = model.sample(4_000, seed=2, conditions={"checkout": window, "room": ["single", "double"]})
    assert s.checkout.between(*window).all() and s.room.isin(["single", "double"]).all()
    assert (s.checkout > s.checkin).all()
    assert model.sample(1_000, seed=2, conditions={"checkout": window, "room": ["single", "double"]}).equals(
        s.iloc[:1_000]
    )
    # the same distribution as a rejection sample of the unconditioned model
    plain = model.sample(200_000, seed=9)
    kept = plain[plain.checkout.between(*window) & plain.room.isin(["single", "double"])]
    assert len(kept) > 3_000
    for column in ("price",):
        assert _ks(s[column].to_numpy(), kept[column].to_numpy()) < 0.05
    assert _ks(_nights(s), _nights(kept)) < 0.05
    assert abs((s.room == "single").mean() - (kept.room == "single").mean()) < 0.04
    # per-row conditions: NaN leaves a row unconditioned
    per_row = pd.DataFrame({"checkout": [("2020-02-01", "2020-02-29"), np.nan] * 50})
    r = model.sample(100, seed=4, conditions=per_row)
    assert r.checkout.iloc[::2].between("2020-02-01", "2020-02-29").all()
    assert r.checkout.iloc[1::2].nunique() > 20


def test_impossible_and_too_rare_conditions_on_a_gap_column_raise():
    model = sd.fit(_stays(), name="stays")
    with pytest.raises(ConditionError, match="'checkin <= checkout' cannot hold"):
        model.sample(10, seed=1, conditions={"checkin": ("2022-06-01", None), "checkout": (None, "2021-01-01")})
    with pytest.raises(ConditionError, match="never missing"):
        model.sample(10, seed=1, conditions={"checkout": None})
    with pytest.raises(
        ConditionError, match=r"too rare.*columns=\{'checkout': 'datetime'\}\) \(then the order .* near, not exactly"
    ):  # (the way out it offers is said to be approximate, not steered to in silence)
        model.sample(100, seed=1, conditions={"checkout": "2020-03-15"})  # (one day of five years, each row)
    with pytest.raises(InvalidConstraint, match="plus a gap"):
        model.replaced(order_constraints=[("checkin", "checkout", False)])


def test_validate_checks_a_gap_columns_gaps():
    real = _stays()
    model = sd.fit(real, name="stays")
    s = model.sample(300, seed=1)
    s.loc[5, "checkout"] = s.loc[5, "checkin"] - pd.Timedelta(days=1)
    with pytest.raises(
        FidelityError,
        match=r"checkout - checkin: 1 of 300 rows .*gaps in \[1 days .* days .*\], found gaps outside; e\.g\. -1 days",
    ):
        model.validate(s)  # (the gaps as durations, not as times from 1970)


def test_edge_rows_and_hypothesis_rows_of_a_gap_column():
    real = _stays(tz="Europe/Paris")
    model = sd.fit(real, name="stays")
    assert model.column("checkout").after == "checkin"
    edgy = model.sample(2_000, seed=1, edge_cases=0.5)
    assert (edgy.checkout > edgy.checkin).all() and str(edgy.checkout.dt.tz) == "Europe/Paris"
    model.validate(edgy)
    longest = model.sample(200, seed=1, edge_cases=1.0, edge_columns=["checkout"], edge_kinds=["tail"])
    # (the gap's tails: the shortest stays, and stays longer than nine in ten real ones)
    assert (_nights(longest) == 1).mean() > 0.4 and np.percentile(_nights(longest), 75) > np.percentile(
        _nights(real), 90
    )

    @settings(max_examples=30, database=None, deadline=None, suppress_health_check=list(HealthCheck))
    @given(sst.frames(model, max_size=10))
    def check(frame):
        assert (frame.checkout > frame.checkin).all()

    check()


def test_a_gap_column_in_a_model_file_is_checked(tmp_path):
    model = sd.fit(_stays(), name="stays")
    path = model.save(tmp_path / "stays.synth.json")
    data = json.loads(path.read_text())
    assert data["version"] >= 5  # (a gap column needs 5; its profile's binned tables, 6)
    checkout = next(c for c in data["columns"] if c["name"] == "checkout")
    assert checkout["after"] == "checkin"
    assert sd.load(path).sample(300, seed=1).equals(model.sample(300, seed=1))

    def entry(d, name):
        return next(c for c in d["columns"] if c["name"] == name)

    assert_refused(
        tmp_path,
        data,
        [
            (lambda d: d.update(version=4), "needs format version 5"),
            (lambda d: entry(d, "checkout").update(after="nope"), "gap above 'nope'"),
            (lambda d: entry(d, "checkout").update(after="checkout"), "lies above another column"),
            (lambda d: entry(d, "checkout").update(after="price"), "not of its kind"),
            (lambda d: entry(d, "room").update(after="checkin"), "only a number or date column"),
            (lambda d: entry(d, "checkout").update(after=3), "after"),
        ],
    )


def test_a_column_named_in_columns_keeps_its_own_marginal():
    real = _stays()
    model = sd.fit(real, name="stays", columns={"checkout": "datetime"})
    assert model.column("checkout").after is None
    assert "checkin < checkout" in model.info["constraints"]["detected"]
    assert sd.fit(real, name="stays", detect_constraints=False).column("checkout").after is None


def test_review_cases_sums_under_gaps_per_row_conditions_edges_and_precision():
    """The first review's cases: a gap above a column a sum derives (fit crashed; then the sum's redraws left
    the gap behind); per-row conditions checked against other rows' (false 'cannot hold', quadratic time); edge
    rows pinned where a kept condition rests (never met); float32 and 1e10-sized floats (validate refused the
    model's own rows, and rounding put b below a)."""
    rng = np.random.default_rng(1)
    n = 4_000
    a = rng.integers(0, 50, n)
    b = (rng.random(n) * (51 - a)).astype(int)
    real = pd.DataFrame(
        {"a": a, "b": b, "total": a + b, "ahi": a + np.where(rng.random(n) < 0.8, 0, rng.integers(1, 4, n))}
    )
    model = sd.fit(real, name="t")  # (a is a sum's column here: no gap above it)
    s = model.sample(20_000, seed=1, edge_cases=0.3)
    assert (s.ahi >= s.a).all() and (s.total == s.a + s.b).all()
    model.validate(s)

    stays = sd.fit(_stays(), name="stays")
    cond = pd.DataFrame(
        {"checkin": [np.nan, ("2023-02-01", "2023-02-10")], "checkout": [("2019-02-05", "2019-02-20"), np.nan]}
    )
    both = stays.sample(2, seed=1, conditions=cond)  # (each row's conditions are possible: no error)
    assert both.checkout.iloc[0] <= pd.Timestamp("2019-02-20") and both.checkin.iloc[1] >= pd.Timestamp("2023-02-01")
    window = {"checkout": ("2021-06-01", "2021-08-31")}
    edgy = stays.sample(400, seed=5, conditions=window, edge_cases=0.3)
    assert edgy.checkout.between(*window["checkout"]).all()
    assert not set(edgy.attrs["synthdata"]["edges"].frame["column"]) & {"checkin", "checkout"}

    x = rng.lognormal(3, 1, 3_000)
    y = x + np.where(rng.random(3_000) < 0.5, 0.0, rng.exponential(0.5, 3_000))
    for frame in (
        pd.DataFrame({"x": x.astype("float32"), "y": y.astype("float32")}),
        pd.DataFrame({"x": x * 1e9, "y": y * 1e9, "g": rng.choice(["a", "b"], 3_000)}),
    ):
        frame = frame[frame.y >= frame.x]
        fitted = sd.fit(frame, name="t")
        assert fitted.column("y").after == "x"
        for sample in (
            fitted.sample(3_000, seed=1),
            fitted.sample(3_000, seed=1, edge_cases=1.0, edge_columns=["y"], edge_kinds=["bound"]),
        ):
            assert (sample.y >= sample.x).all()
            fitted.validate(sample)


def test_validate_without_the_column_below_and_conditions_that_cannot_hold_on_a_sum():
    real = _stays()
    model = sd.fit(real, name="stays")
    sample = model.sample(300, seed=1)[["checkout", "price"]]
    model.validate(sample, columns=["checkout", "price"])  # (without checkin its gaps are unknown: not checked)
    rng = np.random.default_rng(2)
    qty, free = rng.integers(1, 10, 2_000), rng.integers(0, 3, 2_000)
    summed = sd.fit(pd.DataFrame({"qty": qty, "free": free, "units": qty + free}), name="units")
    with pytest.raises(ConditionError, match=r"never gives such a value in column 'units'.*\[1 \.\. 11\]"):
        summed.sample(10_000, seed=1, conditions={"units": 40})  # (at once, not after the redraws)
    with pytest.raises(ConditionError, match="rows drawn"):  # (none of 20,000 draws met it: early)
        summed.sample(10_000, seed=1, conditions={"units": (5, 6), "qty": 9})


def test_a_value_set_for_the_column_below_moves_the_gap_column_with_it(pytester):
    """A factory's ``set=`` on ``checkin`` moved the check-in alone: check-outs then fell before it. Now the row
    keeps its gap (its nights), so the order holds and the stays keep their distribution."""
    pytester.makeconftest(
        """
        import numpy as np, pandas as pd
        import pytest_synthdata as sd

        rng = np.random.default_rng(1)
        n = 3_000
        checkin = pd.Timestamp("2019-01-01") + pd.to_timedelta(rng.integers(0, 5 * 365, n), unit="D")
        nights = rng.geometric(0.45, n)
        low = rng.integers(0, 100, n).astype("int16")
        sd.register(sd.fit(pd.DataFrame(
            {"checkin": checkin, "checkout": checkin + pd.to_timedelta(nights, unit="D"),
             "low": low, "high": (low + rng.geometric(0.3, n)).astype("int16")}), name="stays"))
        """
    )
    pytester.makepyfile(
        """
        import pandas as pd
        import pytest
        from pytest_synthdata.errors import InvalidArgument

        def test_set_the_check_in(synth_stays_factory):
            plain = synth_stays_factory(2_000, seed=4)
            df = synth_stays_factory(2_000, seed=4, set={"checkin": "2030-01-01"})
            assert (df.checkin == pd.Timestamp("2030-01-01")).all()
            assert (df.checkout - df.checkin).equals(plain.checkout - plain.checkin)  # (each row's own nights)
            assert str(df.checkout.dtype) == str(plain.checkout.dtype)
            numbers, before = synth_stays_factory(500, seed=4, set={"low": 7}), synth_stays_factory(500, seed=4)
            assert (numbers.high - numbers.low).equals(before.high - before.low)
            assert (numbers.high > 7).all() and str(numbers.high.dtype) == "int16"

        def test_set_both_or_a_missing_value(synth_stays_factory):
            df = synth_stays_factory(50, seed=4, set={"checkin": "2030-01-01", "checkout": "2020-01-01"})
            assert (df.checkout == pd.Timestamp("2020-01-01")).all()
            plain = synth_stays_factory(50, seed=4)
            missing = synth_stays_factory(50, seed=4, set={"checkin": None})
            assert missing.checkin.isna().all() and missing.checkout.equals(plain.checkout)

        def test_a_value_beyond_the_dtype_is_refused(synth_stays_factory):
            with pytest.raises(InvalidArgument, match="'high' is 'low' plus a gap.*beyond its dtype int16"):
                synth_stays_factory(50, seed=4, set={"low": 32_760})
        """
    )
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=3)
