"""Private defaults (issue 15 item 1): no stored number is held by fewer than ``min_count`` rows; ``public=``."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from tables_for_tests import customers

import pytest_synthdata as sd
from pytest_synthdata import _audit
from pytest_synthdata._artifact import to_dict
from pytest_synthdata._audit import AuditReport, audit_file
from pytest_synthdata.errors import InvalidArgument


def _mixed(n: int = 1500, seed: int = 3) -> pd.DataFrame:
    """Every kind of marginal a fit stores, with rare values, lone extremes and small counts planted."""
    rng = np.random.default_rng(seed)
    group = rng.choice(["north", "south", "east"], n, p=[0.5, 0.3, 0.2])
    shift = np.select([group == "north", group == "south"], [0.0, 3.0], 6.0)
    df = pd.DataFrame(
        {
            "region": group,
            "score": np.round(rng.normal(50 + 5 * shift, 4, n), 1),
            "spend": np.round(rng.lognormal(3 + shift / 3, 0.7, n), 2),
            "kids": rng.poisson(1.2, n),
            "vip": rng.random(n) < 0.2,
            "joined": pd.Timestamp("2021-01-01") + pd.to_timedelta(rng.integers(0, 900, n), unit="D"),
            "ratio": rng.normal(size=n),
        }
    )
    df.loc[:1, "score"] = np.nan  # 2 missing values
    df.loc[2, "spend"] = 1e7  # a lone extreme
    df.loc[3:5, "kids"] = 40  # a rare extreme held by 3 rows
    df.loc[6, "ratio"] = np.inf  # one infinity
    df.loc[7:8, "vip"] = True
    df["rare_flag"] = np.arange(n) < 2  # a boolean True in 2 rows
    return df


TABLES = {"customers": customers, "mixed": _mixed}


@pytest.mark.parametrize("table", sorted(TABLES))
def test_no_stored_number_is_held_by_fewer_than_k_rows(tmp_path, table):
    path = tmp_path / f"{table}.synth.json"
    sd.fit(TABLES[table](), name=table).save(path)
    report, _ = audit_file(str(path), k=5)
    assert report.passed, report.render()
    assert json.loads(path.read_text())["info"]["privacy"] == {
        "min_count": 5,
        "bounds": "order-statistic",
        "knots": "pooled",
        "small_counts": "half-k",
        "public": {},
    }


def _held_by_few(model: sd.Model, real: pd.DataFrame, k: int) -> list[tuple[str, float, int]]:
    """Stored numbers (bounds, knots, table values) that 1 to k - 1 real rows hold exactly."""
    found = []
    for spec, where, _ in _audit._walk(to_dict(model)):
        column = spec.get("name")
        if spec.get("type") not in ("numeric", "datetime") or column not in real.columns:
            continue
        stored = [*spec["bounds"], *(spec.get("params") or {}).get("values", [])]
        s = real[column]
        if spec["type"] == "datetime":
            values = s.dropna().astype("datetime64[ns]").astype("int64").to_numpy() / spec["unit_ns"]
        else:
            values = pd.to_numeric(s).dropna().to_numpy(dtype=float)
        distinct, counts = np.unique(values, return_counts=True)
        held = dict(zip(distinct.tolist(), counts.tolist(), strict=True))
        found += [(where, v, held[v]) for v in stored if v is not None and 0 < held.get(v, 0) < k]
    return found


@pytest.mark.parametrize("table", sorted(TABLES))
def test_no_stored_number_is_a_value_fewer_than_k_rows_hold(table):
    """Pooled knots and extrapolated bounds never land on a rare row's value, not even another group's."""
    real = TABLES[table]()
    assert _held_by_few(sd.fit(real, name=table), real, 5) == []


@pytest.mark.parametrize("copies", [1, 3])
def test_a_planted_canary_is_neither_in_the_file_nor_in_100000_sampled_rows(copies):
    report = AuditReport("customers")
    _audit._canary(report, customers(), np.random.default_rng(7), copies=copies, k=5, rows=100_000)
    (finding,) = report.findings
    assert not finding.fails, finding.message


def test_tails_reach_past_the_kth_order_statistics_but_not_the_extremes():
    rng = np.random.default_rng(11)
    x = np.round(rng.normal(100, 15, 4000), 3)
    model = sd.fit(pd.DataFrame({"x": x}), name="t")
    low, high = model.column("x").bounds
    s = np.sort(x)
    assert low < s[4] and high > s[-5]  # beyond the 5th order statistics (an extrapolated tail, not the extremes)
    assert low not in s[:4] and high not in s[-4:]
    out = model.sample(200_000, seed=0)["x"].to_numpy()
    assert out.min() < s[4] and out.max() > s[-5]
    # the old fit gave each extreme its own share (1 in 4,000 rows): now it is a value like its neighbours
    assert all(np.mean(out == v) < 1 / 20_000 for v in np.concatenate([s[:4], s[-4:]]))
    stored = json.dumps(to_dict(model))
    assert all(repr(float(v)) not in stored for v in np.concatenate([s[:4], s[-4:]]))


def test_a_never_negative_column_stays_non_negative_and_on_its_grid():
    rng = np.random.default_rng(2)
    spend = np.round(rng.exponential(20.0, 3000), 2)
    spend[:10] = 0.01 * np.arange(1, 11)  # a few tiny values close to zero
    model = sd.fit(pd.DataFrame({"spend": spend}), name="t")
    out = model.sample(100_000, seed=0)["spend"]
    assert out.min() >= 0.0
    assert np.allclose(out, out.round(2))


def test_per_segment_bounds_are_private_too(tmp_path):
    df = _mixed()
    model = sd.fit(df, name="t")
    spec = next(c for c in to_dict(model)["columns"] if c["name"] == "spend")
    assert spec["type"] == "conditional"  # fitted within the region groups
    for level in spec["levels"]:
        assert 1e7 not in level["bounds"]
    out = model.sample(100_000, seed=1)
    assert out["spend"].max() < 1e6


def test_small_counts_read_as_half_k_rows():
    df = _mixed()
    model = sd.fit(df, name="t", segments=False)
    n = len(df)
    assert model.column("score").null_rate == pytest.approx(2.5 / n)
    assert model.column("rare_flag").p == pytest.approx(2.5 / n)
    assert model.column("ratio").inf_rates[1] == pytest.approx(2.5 / n)
    assert not any(f" {c} of {n} rows" in line for line in model.withheld for c in range(1, 5))
    said = "\n".join(model.withheld)  # what was coarsened is said
    assert "column 'score': its missing (or present) values, fewer than 5, are stored as 2.5 rows" in said
    assert "column 'ratio': its infinities, fewer than 5, are stored as 2.5 rows" in said
    assert "column 'rare_flag': one side, seen fewer than 5 times, is stored as 2.5 rows" in said
    assert "bounds are the ends of tails past the order statistics 5 rows in" in said
    assert len(set(model.withheld)) == len(model.withheld)


def test_declared_public_bounds_and_categories_are_stored_as_given(tmp_path):
    df = _mixed()
    model = sd.fit(
        df,
        name="t",
        segments=False,
        public={
            "score": (0, 200),
            "region": ["north", "south", "east", "west"],
            "joined": ("2020-01-01", "2024-12-31"),
        },
    )
    assert model.column("score").bounds == (0.0, 200.0)
    assert model.column("region").categories[-1:] == ["west"] or "west" in model.column("region").categories
    probs = dict(zip(model.column("region").categories, model.column("region").probs, strict=True))
    assert probs["west"] == pytest.approx(2.5 / len(df), rel=0.01)  # an unseen category reads as k/2 rows
    out = model.sample(50_000, seed=0)
    assert out["score"].dropna().between(0, 200).all()
    assert out["joined"].min() >= pd.Timestamp("2020-01-01") and out["joined"].max() <= pd.Timestamp("2024-12-31")
    path = tmp_path / "t.synth.json"
    model.save(path)
    privacy = json.loads(path.read_text())["info"]["privacy"]
    assert privacy["public"]["score"] == [0.0, 200.0] and privacy["public"]["region"][-1] == "west"
    report, _ = audit_file(str(path))
    assert report.passed, report.render()
    assert any(f.where == "columns.score.bounds" and "declared public" in f.message for f in report.findings)


@pytest.mark.parametrize(
    ("public", "match"),
    [
        ({"nope": (0, 1)}, "public= names 'nope', which the DataFrame does not have"),
        ({"score": (0, 10)}, r"public\['score'\].*reaches beyond the declared bounds"),
        ({"score": (100, 0)}, r"public\['score'\].*low is above high"),
        ({"score": ("a", "b")}, r"public\['score'\].*two finite numbers"),
        ({"score": ["a", "b"]}, r"public\['score'\].*declare a \(low, high\) pair"),
        ({"region": ["north", "south"]}, r"public\['region'\].*also holds \['east'\]"),
        ({"region": {"north": 1}}, r"public\['region'\].*declare a list of its categories"),
        ({"joined": ("2022-01-01", "2030-01-01")}, r"public\['joined'\].*reaches beyond"),
        ([("score", (0, 1))], "public=.*pass a dict"),
    ],
)
def test_bad_public_declarations_are_refused_clearly(public, match):
    with pytest.raises(InvalidArgument, match=match):
        sd.fit(_mixed(), name="t", public=public)


def test_public_needs_the_native_engine():
    with pytest.raises(InvalidArgument, match="public"):
        sd.fit(_mixed(), name="t", backend="sdv-gaussian-copula", public={"score": (0, 200)})


def test_a_bound_on_a_rare_value_moves_one_step_at_most():
    """Searching outward until no row holds the bound would tell where the extreme rows are: one step, or none."""
    from pytest_synthdata._fit.private import unheld

    values = np.array([5.0, 7.0, 8.0])
    u, c = np.arange(10.0), np.ones(10, dtype=np.int64)  # every value held by one row
    out, (lo, hi) = unheld(values, (5.0, 8.0), u, c, min_count=5, step=1.0)
    assert lo == -np.inf and out[0] == 4.5  # no bound; the end knot half a step off the grid
    assert hi == np.inf and out[-1] == 8.5
    gap = np.array([0.0, 1.0, 2.0, 3.0, 5.0, 6.0, 7.0, 8.0, 9.0])  # nobody holds 4
    out, (lo, _) = unheld(values, (5.0, 8.0), gap, np.ones(9, dtype=np.int64), min_count=5, step=1.0)
    assert lo == 4.0 and out[0] == 4.0  # one step out, and the end knot with it


def _spaced_one_by_one(probs, values, kinds, gap):
    """The knot-by-knot spacing rule (``private._spaced`` before its runs were kept whole): the reference."""
    from pytest_synthdata._fit.private import _ANCHOR, _START, _STOP

    out_p, out_v, out_k = [], [], []
    last = len(probs) - 1
    for i, (p, v, kind) in enumerate(zip(probs.tolist(), values.tolist(), kinds.tolist(), strict=True)):
        while True:
            if not out_p or p - out_p[-1] <= 0.0 or p - out_p[-1] >= gap:
                out_p.append(p)
                out_v.append(v)
                out_k.append(kind)
                break
            if kind >= _ANCHOR and i != last:
                break
            if out_k[-1] >= _ANCHOR and len(out_p) > 1:
                out_p.pop()
                out_v.pop()
                out_k.pop()
                continue
            if out_k[-1] == _STOP or (out_k[-1] != _START and kind != _START and p >= 1.0):
                out_p[-1] = p
            else:
                p = out_p[-1]
            out_p.append(p)
            out_v.append(v)
            out_k.append(kind)
            break
    return np.asarray(out_p), np.asarray(out_v)


def _unheld_one_group(values, bounds, u, c, *, min_count, step, public=False, also=None):
    """``private.unheld`` of one group, written plainly (every value to avoid in one list; numpy's isin): the reference."""
    import math

    rare = u[(c > 0) & (c < min_count)]
    more = np.empty(0) if also is None else np.sort(also)
    if not rare.size and not more.size:
        return values, bounds

    avoid = np.union1d(rare, more)

    def held(x):
        return bool(np.isin(x, avoid))

    def unit(x):
        if step:
            return step
        return 1e-300 if x == 0.0 else 10.0 ** (math.floor(math.log10(abs(x))) - 11)

    def free(bound, outward, end, inner):
        """The (bound, end knot) of a side whose bound a rare row holds: one step out, else in, else none."""
        for moved in (bound + outward * unit(bound), bound - outward * unit(bound)):
            if not held(moved) and moved * outward >= inner * outward and (moved >= 0 or not nonneg):
                return moved, (moved if end == bound else end)
        shift = outward * (step / 2.0 if step else unit(bound))
        return outward * math.inf, (bound - shift if nonneg and bound + shift < 0.0 else bound + shift)

    lo, hi = bounds
    out = values.copy()
    nonneg = bool(u[0] >= 0)
    if not public and held(lo):
        lo, out[0] = free(lo, -1.0, out[0], float(out[1]) if len(out) > 1 else lo)
    if not public and held(hi):
        hi, out[-1] = free(hi, 1.0, out[-1], float(out[-2]) if len(out) > 1 else hi)
    for _ in range(8):  # every knot on a rare value strictly inside the bounds moves, round after round
        hit = np.flatnonzero(np.isin(out, avoid) & (out != lo) & (out != hi))
        if not hit.size:
            break
        x = out[hit]
        shifts = np.array([step / 2.0 if step else unit(float(v)) for v in x])
        out[hit] = np.where(x + shifts < hi, x + shifts, x - shifts)
    out = np.minimum(np.maximum(np.maximum.accumulate(out), lo), hi)
    return out, (lo, hi)


@pytest.mark.parametrize("seed", range(60))
def test_knots_of_many_groups_moved_off_rare_values_at_once_are_each_groups_own(seed):
    """``unheld_groups`` (every group's knots moved together) gives each group exactly what moving it alone
    gives: its knots and bounds, whether it has a grid or not, declared bounds, values of the whole column to
    avoid too, or nothing to avoid at all."""
    from pytest_synthdata._fit.private import unheld, unheld_groups

    rng = np.random.default_rng(seed)
    min_count = int(rng.choice([2, 5]))
    groups = []
    for _ in range(int(rng.integers(1, 7))):
        step = [None, 1.0, 0.1, 25.0][int(rng.integers(0, 4))]
        grid = 1.0 if step is None else step
        u = np.unique(np.round(rng.normal(rng.normal(0, 30), 10, int(rng.integers(2, 60))) / grid) * grid)
        if rng.random() < 0.3:
            u = np.unique(np.abs(u))  # (never negative)
        if step is None:
            u = u + rng.random(len(u)) * 1e-3  # (no grid)
            u.sort()
        c = rng.choice([1, 2, 3, 5, 8, 20], len(u)).astype(np.int64)
        if rng.random() < 0.15:
            c[:] = 20  # (nothing rare)
        # knots: the group's own values (rare ones too), sorted, inside bounds that may sit on rare values
        values = np.sort(rng.choice(u, int(rng.integers(2, 12))))
        lo, hi = float(values[0]), float(values[-1])
        if rng.random() < 0.5:
            lo, hi = lo - grid, hi + grid
        also = None if rng.random() < 0.5 else np.unique(rng.choice(u, int(rng.integers(0, 6))))
        groups.append((values, (lo, hi), u, c, step, bool(rng.random() < 0.2), also))
    u_all = np.concatenate([g[2] for g in groups])
    c_all = np.concatenate([g[3] for g in groups])
    ends = np.cumsum([len(g[2]) for g in groups])
    spans = [(int(e - len(g[2])), int(e)) for g, e in zip(groups, ends, strict=True)]
    out, bounds = unheld_groups(
        np.concatenate([g[0] for g in groups]),
        [len(g[0]) for g in groups],
        [g[1] for g in groups],
        u_all,
        c_all,
        spans,
        min_count=min_count,
        steps=[g[4] for g in groups],
        public=[g[5] for g in groups],
        also=[g[6] for g in groups],
    )
    at = 0
    for (values, bound, u, c, step, public, also), got in zip(groups, bounds, strict=True):
        want_values, want_bounds = _unheld_one_group(
            values, bound, u, c, min_count=min_count, step=step, public=public, also=also
        )
        assert out[at : at + len(values)].tobytes() == np.asarray(want_values).tobytes()
        assert got == want_bounds
        alone = unheld(values, bound, u, c, min_count=min_count, step=step, public=public, also=also)
        assert alone[0].tobytes() == np.asarray(want_values).tobytes() and alone[1] == want_bounds
        at += len(values)


@pytest.mark.parametrize("at_once", [1, 10**9])
def test_a_fit_moving_its_groups_off_rare_values_at_once_or_one_at_a_time_stores_the_same_model(at_once):
    """Whether a fit's (column, group) marginals move off rare values together or one at a time, the model is
    the same, number for number."""
    from unittest import mock

    from pytest_synthdata._fit import numeric

    def stored(model):  # (the file: it does not hold how long the fit took)
        return json.dumps(to_dict(model), sort_keys=True)

    df = _mixed()
    want = stored(sd.fit(df, name="t"))
    with mock.patch.object(numeric, "UNHELD_AT_ONCE", at_once):
        got = stored(sd.fit(df, name="t"))
    assert got == want


@pytest.mark.parametrize("seed", range(40))
def test_knots_too_close_are_spaced_as_knot_by_knot(seed):
    """Runs of knots far enough apart are kept whole: the knots are exactly those of the knot-by-knot rule."""
    from pytest_synthdata._fit.private import _spaced

    rng = np.random.default_rng(seed)
    size = int(rng.integers(1, 80))
    gap = float(rng.choice([0.01, 0.05, 0.2]))
    probs = np.sort(np.concatenate([[0.0, 1.0], rng.random(size)]))
    probs[rng.random(len(probs)) < 0.2] = 0.5  # (ties)
    probs.sort()
    values = np.sort(rng.normal(size=len(probs)))
    kinds = rng.integers(0, 5, len(probs))
    got, want = _spaced(probs, values, kinds, gap), _spaced_one_by_one(probs, values, kinds, gap)
    assert got[0].tobytes() == want[0].tobytes() and got[1].tobytes() == want[1].tobytes()


@pytest.mark.parametrize("seed", range(30))
def test_private_knots_of_many_groups_at_once_are_each_groups_own(seed):
    """``private_knots_groups`` (every group in one pass) gives each group exactly ``private_knots`` of it alone."""
    from pytest_synthdata._fit.private import private_knots, private_knots_groups

    rng = np.random.default_rng(seed)
    k = int(rng.choice([1, 2, 5, 10]))
    u_parts, c_parts, at = [], [], [0]
    for _ in range(int(rng.integers(6, 20))):
        size = int(rng.choice([1, 2, 3, 8, 40, 300]))
        u_g = np.unique(np.round(rng.normal(rng.normal(0, 50), rng.uniform(0.1, 30), size), int(rng.integers(0, 3))))
        if rng.random() < 0.3:
            u_g = np.abs(u_g)  # (never negative)
        c_g = rng.choice([1, 1, 2, 3, k, 4 * k, 50], len(u_g)).astype(np.int64)
        u_parts.append(u_g)
        c_parts.append(c_g)
        at.append(at[-1] + len(u_g))
    u, c = np.concatenate(u_parts), np.concatenate(c_parts)
    groups = list(range(len(at) - 1))  # every group (one after another), or some of them (with gaps)
    if seed % 2:
        groups = sorted(rng.choice(len(at) - 1, int(rng.integers(6, len(at))), replace=False).tolist())
    steps = [rng.choice([None, 1.0, 0.5, 0.01]) for _ in groups]
    public = [(float(u[at[g]]) - 1.0, float(u[at[g + 1] - 1]) + 1.0) if rng.random() < 0.2 else None for g in groups]
    atoms = [bool(rng.random() < 0.3) for _ in groups]
    knots = int(rng.choice([2, 7, 256]))
    together = private_knots_groups(u, c, at, groups, min_count=k, knots=knots, steps=steps, public=public, atoms=atoms)
    for g, step, declared, flag, (probs, values, bounds) in zip(groups, steps, public, atoms, together, strict=True):
        want = private_knots(
            u[at[g] : at[g + 1]], c[at[g] : at[g + 1]], min_count=k, knots=knots, step=step, public=declared, atoms=flag
        )
        assert probs.tobytes() == want[0].tobytes()
        assert values.tobytes() == want[1].tobytes()
        assert repr(bounds) == repr(want[2])  # (-0.0 is not 0.0 here)
