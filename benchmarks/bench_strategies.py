"""Hypothesis strategies: ``frames(model, max_size=50)`` against ``hypothesis.extra.pandas.data_frames``, one run.

What it measures, in one process:

* a 10-column model (4 floats, 2 integers, 2 categories, a boolean and a date,
  3 correlations) as ``pytest_synthdata.strategies.frames(model, max_size=50)``
  with its default edge cases, and the same strategy with ``edge_cases=0``;
* the anchor: ``hypothesis.extra.pandas.data_frames`` with equivalent columns
  (the same names, dtypes and ranges: ``floats``/``integers`` between the
  columns' bounds, ``sampled_from`` the categories, ``booleans``,
  ``datetimes`` between the date bounds) and ``range_indexes(max_size=50)``;
* each under the same ``@given`` settings (the generate phase only, no
  database, no deadline, health checks off, the same derandomized seed), the
  same number of examples: examples/s and rows/s (the rows of every frame
  Hypothesis drew, over the wall time of the whole ``@given`` run), best of 3.

Targets are printed as PASS/MISS, never asserted. Target: >= 5x the rows/s of
``hypothesis.extra.pandas``.

Run:  python benchmarks/bench_strategies.py [--quick] [--examples N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import time
from collections.abc import Callable
from typing import Any

import hypothesis
import numpy as np
import pandas as pd
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.extra.pandas import column, data_frames, range_indexes

import pytest_synthdata as sd
from pytest_synthdata.strategies import frames, row_bytes

TARGET = 5.0
W = 78


def model() -> sd.Schema:
    return sd.Schema(
        "bench",
        {
            "age": sd.Integer(mean=41, std=13, low=18, high=95),
            "visits": sd.Integer(lam=4.0, low=0, high=200),
            "income": sd.Float(median=52_000, sigma=0.55, low=0, high=1e6, decimals=2),
            "score": sd.Float(mean=0.0, std=1.0, low=-5, high=5),
            "balance": sd.Float(mean=1_000.0, std=400.0, low=-2_000, high=10_000),
            "ratio": sd.Float(mean=0.5, std=0.15, low=0, high=1),
            "plan": sd.Category({"free": 0.62, "pro": 0.30, "enterprise": 0.08}),
            "region": sd.Category({"north": 0.4, "south": 0.3, "east": 0.2, "west": 0.1}),
            "churned": sd.Boolean(p=0.18),
            "signup": sd.Date(low="2020-01-01", high="2024-12-31"),
        },
        correlations={("age", "income"): 0.45, ("income", "plan"): 0.4, ("plan", "churned"): -0.25},
    )


def anchor() -> Any:
    """``data_frames`` with the model's columns: names, dtypes and ranges."""
    return data_frames(
        columns=[
            column("age", elements=st.integers(18, 95), dtype="int64"),
            column("visits", elements=st.integers(0, 200), dtype="int64"),
            column("income", elements=st.floats(0, 1e6), dtype="float64"),
            column("score", elements=st.floats(-5, 5), dtype="float64"),
            column("balance", elements=st.floats(-2_000, 10_000), dtype="float64"),
            column("ratio", elements=st.floats(0, 1), dtype="float64"),
            column("plan", elements=st.sampled_from(["free", "pro", "enterprise"]), dtype=object),
            column("region", elements=st.sampled_from(["north", "south", "east", "west"]), dtype=object),
            column("churned", elements=st.booleans(), dtype=bool),
            column(
                "signup",
                elements=st.datetimes(dt.datetime(2020, 1, 1), dt.datetime(2024, 12, 31)),
                dtype="datetime64[ns]",
            ),
        ],
        index=range_indexes(min_size=0, max_size=50),
    )


def run(strategy: Any, examples: int) -> tuple[float, int, int]:
    """Return (seconds, examples run, rows drawn) of one ``@given`` run over ``strategy``."""
    sizes: list[int] = []

    @settings(
        max_examples=examples,
        database=None,
        deadline=None,
        derandomize=True,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def test(df: pd.DataFrame) -> None:
        sizes.append(len(df))

    start = time.perf_counter()
    test()
    return time.perf_counter() - start, len(sizes), sum(sizes)


def best(fn: Callable[[], tuple[float, int, int]], repeats: int) -> tuple[float, int, int]:
    runs = [fn() for _ in range(repeats)]
    return max(runs, key=lambda r: r[2] / r[0])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smoke run: 100 examples, best of 1")
    ap.add_argument("--examples", type=int, default=None, help="examples per run (default 500; --quick: 100)")
    args = ap.parse_args(argv)
    examples = args.examples or (100 if args.quick else 500)
    if examples < 1:
        ap.error("--examples must be positive")
    repeats = 1 if args.quick else 3
    m = model()

    print("=" * W)
    print("pytest-synthdata Hypothesis strategies benchmark")
    print("=" * W)
    print(f"python {platform.python_version()} on {platform.platform()}")
    print(
        f"numpy {np.__version__}, pandas {pd.__version__}, hypothesis {hypothesis.__version__}, "
        f"pytest_synthdata {sd.__version__}"
    )
    print(f"{examples} examples per run (generate phase only, derandomized), best of {repeats} by rows/s")
    print(
        f"10-column model, {row_bytes(m)} bytes of Hypothesis choices per row ({row_bytes(m, edge_cases=0)} without edges)"
    )
    print("-" * W)

    # warm-up outside the timings: pools, cached factors, Hypothesis' own imports
    run(frames(m, max_size=50), 5)
    run(anchor(), 5)

    results = {
        "frames(model, max_size=50)": best(lambda: run(frames(m, max_size=50), examples), repeats),
        "frames(model, max_size=50, edge_cases=0)": best(
            lambda: run(frames(m, max_size=50, edge_cases=0), examples), repeats
        ),
        "hypothesis.extra.pandas.data_frames": best(lambda: run(anchor(), examples), repeats),
    }
    print(f"{'strategy':<44}{'examples/s':>12}{'rows/s':>12}{'rows/example':>14}")
    for name, (seconds, n_examples, n_rows) in results.items():
        print(f"{name:<44}{n_examples / seconds:>12,.0f}{n_rows / seconds:>12,.0f}{n_rows / max(n_examples, 1):>14.1f}")
    print("-" * W)
    ours = results["frames(model, max_size=50)"]
    theirs = results["hypothesis.extra.pandas.data_frames"]
    ratio = (ours[2] / ours[0]) / (theirs[2] / theirs[0])
    verdict = "PASS" if ratio >= TARGET else "MISS"
    print(f"{verdict}: frames() rows/s = {ratio:.1f}x hypothesis.extra.pandas (target >= {TARGET:g}x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
