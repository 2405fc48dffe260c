"""Conditional sampling: ``Model.sample(n, conditions=...)`` against SDV's ``sample_from_conditions``, one run.

What it measures, in one process:

* a correlated customers table (age, income, plan, churned, tenure; 5,000 rows
  drawn from a declared schema) fitted once by pytest-synthdata (native) and
  once by SDV's GaussianCopulaSynthesizer (the anchor);
* 10,000 rows conditioned on a rare category (``plan == "enterprise"``, 5% of
  rows) and on a numeric range (``age >= 60``), best of 3 ``perf_counter``
  runs each; SDV gets the same conditions through ``Condition`` objects
  (a rare value) and, for the range, its documented route: conditions on each
  value in the range are not possible, so it samples rows and rejects until
  10,000 are in range (``sample`` + filter, what a user has to write);
* how often the conditions hold in the rows (pytest-synthdata: always;
  SDV: the rows it returned) and how many rows came back;
* ours unconditioned (the floor a conditioned sample cannot beat), and each
  condition's first call (resolving the condition and tilting its boxes;
  later calls with the same conditions reuse both).

Targets are printed as PASS/MISS, never asserted. Target: >= 50x faster.

Run:  /work/benchvenv/bin/python benchmarks/bench_conditions.py [--quick]
"""

from __future__ import annotations

import argparse
import os
import platform
import time
import warnings

import numpy as np
import pandas as pd
from bench_fit import cpu_model  # (a script's own folder is on sys.path)

import pytest_synthdata as sd

ROWS = 10_000
TARGET = 50.0
W = 78


def real_table(n: int) -> pd.DataFrame:
    schema = sd.Schema(
        "customers",
        {
            "age": sd.Integer(mean=41, std=12, low=18, high=90),
            "income": sd.Float(median=52_000, sigma=0.5, decimals=2),
            "plan": sd.Category({"free": 0.7, "pro": 0.25, "enterprise": 0.05}),
            "churned": sd.Boolean(p=0.2),
            "tenure": sd.Integer(mean=30, std=15, low=0, high=120),
        },
        correlations={("age", "income"): 0.5, ("income", "plan"): 0.4, ("plan", "churned"): -0.3,
                      ("age", "tenure"): 0.4},
    )  # fmt: skip
    return schema.sample(n, seed=11, independent=True)


def best(fn, repeats: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="best of 1")
    args = parser.parse_args()
    repeats = 1 if args.quick else 3
    print("=" * W)
    print(f"bench_conditions: {ROWS:,} conditioned rows; python {platform.python_version()}, numpy {np.__version__}")
    print(f"cpu: {cpu_model()}, {os.cpu_count()} cores (the ratios depend on it: see benchmarks/README.md)")
    print("=" * W)
    real = real_table(5_000)
    ours = sd.fit(real, name="customers")
    from sdv.metadata import Metadata
    from sdv.sampling import Condition
    from sdv.single_table import GaussianCopulaSynthesizer

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        metadata = Metadata.detect_from_dataframes({"customers": real})
        anchor = GaussianCopulaSynthesizer(metadata)
        anchor.fit({"customers": real})

    def sdv_rare() -> pd.DataFrame:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = anchor.sample_from_conditions([Condition({"plan": "enterprise"}, num_rows=ROWS)])
        return out["customers"] if isinstance(out, dict) else out  # (SDV 2 returns {table: frame})

    def sdv_range() -> pd.DataFrame:
        kept: list[pd.DataFrame] = []
        got = 0
        while got < ROWS:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                batch = anchor.sample(ROWS)
            batch = batch["customers"] if isinstance(batch, dict) else batch
            batch = batch[batch["age"] >= 60]
            kept.append(batch)
            got += len(batch)
        return pd.concat(kept).iloc[:ROWS]

    cases = [
        ("rare category plan='enterprise'", {"plan": "enterprise"}, sdv_rare, lambda df: df["plan"] == "enterprise"),
        ("numeric range age >= 60", {"age": (60, None)}, sdv_range, lambda df: df["age"] >= 60),
    ]
    ratios = []
    ours.sample(100, seed=0, conditions={"tenure": (1, None)})  # imports (scipy's optimisers are not needed)
    t_plain, _ = best(lambda: ours.sample(ROWS, seed=1), repeats)
    print(f"\nunconditioned sample of {ROWS:,} rows (the floor): {t_plain * 1e3:.1f} ms")
    for label, conditions, anchor_fn, holds in cases:
        t_cold, _ = best(lambda c=conditions: ours.sample(ROWS, seed=1, conditions=c), 1)  # resolves, tilts
        t_ours, df_ours = best(lambda c=conditions: ours.sample(ROWS, seed=1, conditions=c), repeats)
        t_sdv, df_sdv = best(anchor_fn, repeats)
        ratio = t_sdv / t_ours
        ratios.append(ratio)
        print(f"\n{label}")
        print(
            f"  pytest-synthdata {t_ours * 1e3:9.1f} ms  rows {len(df_ours):>6,}  hold {holds(df_ours).mean():.1%}"
            f"  (first call {t_cold * 1e3:.1f} ms)"
        )
        print(f"  SDV anchor       {t_sdv * 1e3:9.1f} ms  rows {len(df_sdv):>6,}  hold {holds(df_sdv).mean():.1%}")
        print(f"  speed-up {ratio:8.1f}x  target >= {TARGET:.0f}x  {'PASS' if ratio >= TARGET else 'MISS'}")
    print("\n" + "-" * W)
    print(f"geometric mean speed-up {float(np.exp(np.mean(np.log(ratios)))):.1f}x")


if __name__ == "__main__":
    main()
