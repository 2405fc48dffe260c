"""Throughput and memory benchmark for ``Schema.sample``, with Faker (and Hypothesis) as anchors.

What it measures, all in one process and one run:

* rows/s of ``Schema.sample(n, seed=1)`` for a 7-column schema (no Faker columns)
  and the same schema plus 3 Faker columns (name, email, address), best of 3
  ``time.perf_counter`` runs per size; every repeat calls ``sample`` again (no
  frame is reused). Faker pools are built once per process, so a small warm-up
  sample runs first and its time is reported separately as "pool warm-up".
* Faker's own per-call rate for ``name``/``email``/``address`` (seeded
  ``faker.Faker("en_US")``), and the rows/s a row-by-row Faker loop would reach.
* Optionally, rows/s of ``hypothesis.extra.pandas.data_frames`` for comparable columns.
* Peak traced memory (tracemalloc) of the largest 10-column sample vs the frame's size.
* The numpy floor: a schema of 10 quantile-defined Float columns with 5 correlations, 1,000,000
  rows (``sample(n, seed=1)`` with spread rows, and with ``independent=True``), against the least
  plain numpy can do for the same frame, in the same run: ``standard_normal((n, 10)) @ chol.T``
  on one BLAS thread (threadpoolctl), ``ndtr``, one ``np.interp`` per column through the same
  knots, into a DataFrame. Best of 5 each.

Targets are printed as PASS/MISS, never asserted.

Run:  python benchmarks/bench_schema.py            # 100k and 1M rows, best of 3
      python benchmarks/bench_schema.py --quick    # 100k rows, best of 1 (smoke run)
      python benchmarks/bench_schema.py --rows 50000 200000
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import sys
import time
import tracemalloc

import faker
import numpy as np
import pandas as pd

import pytest_synthdata as sd

TARGET_7 = 1_000_000  # rows/s, 7 non-Faker columns
TARGET_10 = 300_000  # rows/s, with 3 Faker columns
TARGET_MEM = 3.0  # peak traced memory / output frame size
TARGET_FLOOR_INDEPENDENT = 1.5  # sample(independent=True) time / the numpy floor's
TARGET_FLOOR_SPREAD = 2.0  # sample() time (spread rows) / the numpy floor's
FLOOR_ROWS = 1_000_000
FAKER_CALLS = 5_000
W = 78


def build_schemas():
    base = {
        "id": sd.Id(),
        "age": sd.Integer(mean=41, std=12, low=18, high=90),
        "income": sd.Float(median=52_000, sigma=0.5, decimals=2),
        "plan": sd.Category({"free": 0.7, "pro": 0.25, "enterprise": 0.05}),
        "churned": sd.Boolean(p=0.2),
        "signup": sd.Date(low="2020-01-01", high="2024-12-31"),
        "score": sd.Float(mean=0, std=1, null_rate=0.05),
    }
    corr = {("age", "income"): 0.5, ("income", "plan"): 0.4, ("plan", "churned"): -0.3}
    fakers = {"name": sd.Faker("name"), "email": sd.Faker("email"), "address": sd.Faker("address")}
    return sd.Schema("bench7", base, correlations=corr), sd.Schema("bench10", {**base, **fakers}, correlations=corr)


def best_of(schema, n, repeats):
    """Return the fastest of ``repeats`` fresh ``schema.sample(n, seed=1)`` calls (nothing reused)."""
    times = []
    for _ in range(repeats):
        gc.collect()
        t0 = time.perf_counter()
        df = schema.sample(n, seed=1)
        times.append(time.perf_counter() - t0)
        if len(df) != n:
            print(f"!! {schema.name}.sample({n}) returned {len(df)} rows")
        del df
    return min(times)


def faker_anchor(calls):
    fake = faker.Faker("en_US")
    fake.seed_instance(1)
    per_call = {}
    for provider in ("name", "email", "address"):
        method = getattr(fake, provider)
        method()  # keep any first-call set-up out of the timing
        t0 = time.perf_counter()
        for _ in range(calls):
            method()
        per_call[provider] = (time.perf_counter() - t0) / calls
    return per_call


def hypothesis_anchor(examples=200, rows=20):
    """Return (rows/s, note) for hypothesis.extra.pandas.data_frames, or (None, reason)."""
    try:
        import datetime as dt

        import hypothesis.strategies as st
        from hypothesis import HealthCheck, Phase, given, settings
        from hypothesis.extra.pandas import column, data_frames, range_indexes
    except ImportError as exc:
        return None, f"skipped: {exc}"
    strategy = data_frames(
        columns=[
            column("id", elements=st.integers(0, 10**9), dtype="int64"),
            column("age", elements=st.integers(18, 90), dtype="int64"),
            column("income", elements=st.floats(0, 1e6), dtype="float64"),
            column("plan", elements=st.sampled_from(["free", "pro", "enterprise"])),
            column("churned", elements=st.booleans(), dtype=bool),
            column("signup", elements=st.dates(dt.date(2020, 1, 1), dt.date(2024, 12, 31))),
            column("score", elements=st.floats(-5, 5), dtype="float64"),
        ],
        index=range_indexes(min_size=rows, max_size=rows),
    )
    produced = [0]

    @settings(
        max_examples=examples,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def consume(df):
        produced[0] += len(df)

    try:
        t0 = time.perf_counter()
        consume()
        elapsed = time.perf_counter() - t0
    except Exception as exc:  # an anchor only: never let it break the run
        return None, f"skipped: {type(exc).__name__}: {exc}"
    return produced[0] / elapsed, f"{produced[0]:,} rows in {examples} examples of {rows} rows, @given"


def floor_schema():
    """Return (a schema of 10 quantile Floats with 5 correlations, each column's (probs, values) knots)."""
    rng = np.random.default_rng(0)
    probs = np.linspace(0.0, 1.0, 65)
    knots, columns = [], {}
    for i in range(10):
        values = np.abs(rng.normal(size=65)).cumsum() + 50.0 * i  # strictly increasing: no ties
        knots.append((probs, values))
        columns[f"x{i}"] = sd.Float(quantiles=dict(zip(probs.tolist(), values.tolist(), strict=True)))
    pairs = {(f"x{i}", f"x{i + 1}"): 0.5 for i in range(0, 9, 2)}
    return sd.Schema("floor10", columns, correlations=pairs), knots


def numpy_floor(chol, knots, n):
    """The least plain numpy does for the same frame: correlated normals, their CDF, one interp per column."""
    from scipy import special
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(1)
    with threadpool_limits(1):
        x = rng.standard_normal((n, len(knots))) @ chol.T
    u = special.ndtr(x)
    return pd.DataFrame({f"x{j}": np.interp(u[:, j], *knots[j]) for j in range(len(knots))}, copy=False)


def best_time(fn, repeats):
    times = []
    for _ in range(repeats):
        gc.collect()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def peak_memory(schema, n):
    gc.collect()
    tracemalloc.start()
    df = schema.sample(n, seed=1)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak, int(df.memory_usage(deep=False).sum()), int(df.memory_usage(deep=True).sum())


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="best of 1, skip 1M rows (smoke run)")
    ap.add_argument("--rows", type=int, nargs="+", help="row counts to time (default 100000 1000000)")
    ap.add_argument("--no-hypothesis", action="store_true", help="skip the hypothesis anchor")
    args = ap.parse_args(argv)
    if args.rows and min(args.rows) < 1:
        ap.error("--rows must be positive")
    repeats = 1 if args.quick else 3
    sizes = args.rows or ([100_000] if args.quick else [100_000, 1_000_000])

    print("=" * W)
    print("pytest-synthdata Schema.sample benchmark")
    print("=" * W)
    print(f"python {platform.python_version()} on {platform.platform()}, os.cpu_count()={os.cpu_count()}")
    print(f"numpy {np.__version__}, pandas {pd.__version__}, faker {faker.VERSION}, pytest_synthdata {sd.__version__}")
    print(f"sizes {sizes}, best of {repeats}, seed=1 on every repeat (no frame reused)")

    t0 = time.perf_counter()
    sd.Schema  # noqa: B018 - the package imports numpy/pandas/scipy lazily; keep that out of the build time
    t_import = time.perf_counter() - t0
    t0 = time.perf_counter()
    s7, s10 = build_schemas()
    t_build = time.perf_counter() - t0
    t0 = time.perf_counter()
    s10.sample(1_000, seed=1)  # builds the three Faker pools (once per process)
    t_warm = time.perf_counter() - t0
    s7.sample(1_000, seed=1)
    t_after = best_of(s10, 1_000, 3)
    print()
    for label, t in [
        ("first use of sd.Schema (lazy import of the engine)", t_import),
        ("building both schemas (Faker init, calibration)", t_build),
        ("pool warm-up: first bench10.sample(1_000)", t_warm),
        ("  same call once pools exist (best of 3)", t_after),
    ]:
        print(f"{label:<56}{t * 1e3:>10.1f} ms")

    print(f"\n{'schema':<10}{'rows':>12}{'best s':>12}{'rows/s':>16}{'ns/row':>10}")
    print("-" * W)
    rate = {}
    for schema in (s7, s10):
        for n in sizes:
            t = best_of(schema, n, repeats)
            rate[schema.name, n] = n / t
            print(f"{schema.name:<10}{n:>12,}{t:>12.4f}{n / t:>16,.0f}{t / n * 1e9:>10.0f}")

    print(f"\nFaker anchor: faker.Faker('en_US'), seed_instance(1), {FAKER_CALLS:,} calls each")
    print(f"{'provider':<10}{'us/call':>12}{'calls/s':>16}")
    print("-" * W)
    per_call = faker_anchor(FAKER_CALLS)
    for provider, t in per_call.items():
        print(f"{provider:<10}{t * 1e6:>12.2f}{1 / t:>16,.0f}")
    faker_row = 1 / sum(per_call.values())
    print(
        f"{'per row':<10}{sum(per_call.values()) * 1e6:>12.2f}{faker_row:>16,.0f}  rows/s (name+email+address per row)"
    )

    if args.no_hypothesis:
        hyp, note = None, "skipped: --no-hypothesis"
    else:
        hyp, note = hypothesis_anchor()
    print("\nHypothesis anchor: hypothesis.extra.pandas.data_frames, 7 comparable columns")
    print(f"  {hyp:,.0f} rows/s ({note})" if hyp else f"  {note}")

    n_big = max(sizes)
    print(f"\nMemory: tracemalloc peak during bench10.sample({n_big:,}) (pools already built)")
    print("-" * W)
    peak, shallow, deep = peak_memory(s10, n_big)
    print(f"peak traced             {peak / 2**20:>10,.1f} MiB")
    print(f"frame size, deep=False  {shallow / 2**20:>10,.1f} MiB   peak/shallow = {peak / shallow:5.2f}x")
    print(f"frame size, deep=True   {deep / 2**20:>10,.1f} MiB   peak/deep    = {peak / deep:5.2f}x")
    print("  (deep=True counts every string once per row although rows share the pool's")
    print("   string objects, so it overstates real memory; peak/shallow is the honest ratio)")

    floor_n = FLOOR_ROWS if not args.quick else 100_000
    schema, knots = floor_schema()
    chol = np.linalg.cholesky(schema.latent_correlation)
    t_floor = best_time(lambda: numpy_floor(chol, knots, floor_n), 5)
    t_spread = best_time(lambda: schema.sample(floor_n, seed=1), 5)
    t_iid = best_time(lambda: schema.sample(floor_n, seed=1, independent=True), 5)
    print(f"\nThe numpy floor: 10 quantile Floats, 5 correlations, {floor_n:,} rows, best of 5")
    print("-" * W)
    for label, t in [
        ("numpy floor (normals @ chol on 1 BLAS thread, ndtr, interp)", t_floor),
        ("floor10.sample(seed=1), spread rows", t_spread),
        ("floor10.sample(seed=1, independent=True)", t_iid),
    ]:
        print(f"{label:<62}{t:>8.3f} s{t / t_floor:>7.2f}x")

    r7, r10 = rate["bench7", n_big], rate["bench10", n_big]
    print(f"\nRatios (at {n_big:,} rows)")
    print("-" * W)
    ratios = [("bench10 / Faker row-by-row (3 Faker calls per row)", r10 / faker_row)]
    if hyp:
        ratios.append(("bench7  / Hypothesis data_frames", r7 / hyp))
    ratios += [
        (f"bench7  / target {TARGET_7:,} rows/s", r7 / TARGET_7),
        (f"bench10 / target {TARGET_10:,} rows/s", r10 / TARGET_10),
        ("bench10 / bench7 (cost of the 3 Faker columns)", r10 / r7),
    ]
    for label, value in ratios:
        print(f"{label:<56}{value:>12,.2f}x")

    print(f"\nTargets (at {n_big:,} rows; printed, not asserted)")
    print("=" * W)
    for ok, label, value in [
        (r7 >= TARGET_7, f"7 non-Faker columns  >= {TARGET_7:,} rows/s", f"{r7:,.0f} rows/s"),
        (r10 >= TARGET_10, f"with 3 Faker columns >= {TARGET_10:,} rows/s", f"{r10:,.0f} rows/s"),
        (
            peak <= TARGET_MEM * shallow,
            f"peak memory <= {TARGET_MEM:g}x frame size (shallow)",
            f"{peak / shallow:.2f}x",
        ),
        (
            t_iid <= TARGET_FLOOR_INDEPENDENT * t_floor,
            f"independent rows <= {TARGET_FLOOR_INDEPENDENT:g}x the numpy floor",
            f"{t_iid / t_floor:.2f}x",
        ),
        (
            t_spread <= TARGET_FLOOR_SPREAD * t_floor,
            f"spread rows <= {TARGET_FLOOR_SPREAD:g}x the numpy floor",
            f"{t_spread / t_floor:.2f}x",
        ),
    ]:
        print(f"[{'PASS' if ok else 'MISS'}] {label:<46}{value:>22}")
    if n_big < 1_000_000:
        print("  note: targets are stated for 1,000,000 rows; this run's largest size is smaller")
    return 0


if __name__ == "__main__":
    sys.exit(main())
