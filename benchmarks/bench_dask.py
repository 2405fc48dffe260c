"""Partitioned Parquet on Dask against one process writing the same chunks: rows/s and memory per worker.

What it measures, in one run:

* a 10-column model fitted (``sd.fit``) to a 50,000-row frame built with numpy
  from a fixed seed: 4 correlated floats, 2 integers, 2 categories, a boolean
  and a datetime, some nulls;
* the anchor, one process: ``model.sample(n, seed=1, rows=(start, stop))``
  then ``frame.to_parquet(part_i)``, partition after partition (the rows a
  Dask partition gets, written the same way);
* Dask: ``_dask.write_parquet`` on ``_dask.local_cluster`` (what ``synthdata
  sample --workers N`` runs) of 1 and of 2 worker processes of one thread each.
  Cluster start-up and a warm-up write of a few blocks (each worker imports
  the engine and builds the model from its text) are timed apart (``start``)
  and not counted in rows/s;
* peak memory: each process's peak RSS (Linux ``VmHWM``, reset through
  ``/proc/self/clear_refs`` before the write) beside the partition frame's
  size (``memory_usage(deep=True)``) and the process's RSS before the write;
* the load: ``os.getloadavg()`` before and after each run, since other
  processes on the machine take cores from the workers;
* that the files read back equal: the Dask output of the first and last
  partitions against the single-process files (byte-equal frames).

Targets (printed as PASS/MISS, never asserted): 2 workers >= 1.5x the
single-process rows/s; each worker's peak RSS growth at most 8x the partition
frame, whatever the number of rows: while one partition is written, the
sampler's buffers and chunk temporaries, the frame (its text columns built
through Python objects), its Arrow table and the Parquet encoder each hold
about one partition, and nothing of another partition is held. The single
process's growth for the same partition is printed beside it.

Run:  python benchmarks/bench_dask.py                      # 10**8 rows, partitions of 2**20 rows
      python benchmarks/bench_dask.py --rows 20000000      # fewer rows
      python benchmarks/bench_dask.py --rows 1e6 --partition-rows 131072   # smoke run
Writes into a temporary directory (``--dir`` to choose), removed after each
variant; 10**8 rows of this model take about 4.5 GB of Parquet.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

import pytest_synthdata as sd
from pytest_synthdata import _dask
from pytest_synthdata._seeding import BLOCK_ROWS as BLOCK


def real_frame(n: int = 50_000, seed: int = 0) -> pd.DataFrame:
    """Ten mixed columns with known correlations and some nulls."""
    rng = np.random.default_rng(seed)
    cov = 0.5 * np.eye(6) + 0.5
    z = rng.multivariate_normal(np.zeros(6), cov, size=n)
    frame = pd.DataFrame(
        {
            "income": np.round(np.exp(10.5 + 0.5 * z[:, 0]), 2),
            "spend": np.round(np.exp(7 + 0.8 * z[:, 1]), 2),
            "score": np.round(600 + 80 * z[:, 2], 1),
            "ratio": 1 / (1 + np.exp(-z[:, 3])),
            "age": np.clip(np.round(40 + 12 * z[:, 4]), 18, 90).astype(np.int64),
            "visits": rng.poisson(np.exp(1 + 0.3 * z[:, 5])),
            "plan": np.where(z[:, 0] > 0.8, "enterprise", np.where(z[:, 0] > -0.2, "pro", "free")),
            "region": rng.choice(["north", "south", "east", "west", "central"], n, p=[0.3, 0.25, 0.2, 0.15, 0.1]),
            "churned": z[:, 1] + rng.normal(0, 1, n) > 1.2,
            "signup": pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 1500 * 86400, n), unit="s"),
        }
    )
    frame.loc[rng.random(n) < 0.05, "spend"] = np.nan
    return frame


def _peak_reset() -> int:
    """Reset this process's peak RSS (Linux) and return its RSS now, in bytes (0 where unknown)."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")
    return _status("VmRSS")


def _status(field: str) -> int:
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    return 0


def _peak() -> int:
    return _status("VmHWM")


def _load() -> str:
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


def anchor(model: sd.Model, n: int, step: int, out: Path) -> tuple[float, float]:
    """One process: each partition's rows sampled and written in turn; return (seconds, CPU seconds)."""
    out.mkdir()
    start, cpu = time.perf_counter(), time.process_time()
    for i, (a, b) in enumerate(_dask.partition_bounds(n, step)):
        model.sample(n, seed=1, rows=(a, b)).to_parquet(out / f"part.{i:06d}.parquet", index=False)
    return time.perf_counter() - start, time.process_time() - cpu


def on_dask(model: sd.Model, n: int, step: int, out: Path, workers: int) -> dict[str, object]:
    """Dask workers write the partitions; return start-up and write seconds and each worker's memory."""
    from distributed import Client

    began = time.perf_counter()
    with _dask.local_cluster(workers) as cluster, Client(cluster) as client:
        # warm-up: the workers import the engine, pandas and pyarrow and build the model from its text once
        warm = out.with_name(out.name + "-warm-up")
        warm.mkdir()
        _dask.write_parquet(model, 2 * workers * BLOCK, str(warm), client=client, seed=1, partition_rows=BLOCK)
        shutil.rmtree(warm)
        before = client.run(_peak_reset)
        cpu = client.run(time.process_time)
        started, own = time.perf_counter(), time.process_time()
        out.mkdir()
        _dask.write_parquet(model, n, str(out), client=client, seed=1, partition_rows=step)
        done, own = time.perf_counter(), time.process_time() - own
        workers_cpu = sum(t - cpu[w] for w, t in client.run(time.process_time).items())
        peaks = client.run(_peak)
    return {
        "start": started - began,
        "write": done - started,
        "cpu": workers_cpu,
        "client_cpu": own,
        "before": before,
        "peaks": peaks,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="1e8", help="rows to write (default 1e8)")
    parser.add_argument("--partition-rows", type=int, default=2**20, help="rows a partition (default 2**20)")
    parser.add_argument("--dir", default=None, help="where to write (default: a temporary directory)")
    args = parser.parse_args()
    n = int(float(args.rows))
    step = args.partition_rows
    root = Path(tempfile.mkdtemp(prefix="bench_dask_", dir=args.dir))
    try:
        model = sd.fit(real_frame(), name="bench")
        probe = model.sample(n, seed=1, rows=(0, min(n, step)))
        frame_bytes = int(probe.memory_usage(deep=True).sum())
        free = shutil.disk_usage(root).free
        print(f"model: {len(model.columns)} columns {list(model.columns)}")
        print(
            f"rows: {n:,} in partitions of {step:,} ({-(-n // step)} partitions, {frame_bytes / 1e6:.0f} MB frame each)"
        )
        print(f"cores: {os.cpu_count()}; disk free under {root}: {free / 1e9:.0f} GB")

        results: dict[str, float] = {}
        print(f"\nload before: {_load()}")
        rss = _peak_reset()
        seconds, cpu = anchor(model, n, step, root / "anchor")
        results["1 process"] = seconds
        print(
            f"1 process (sample + to_parquet per partition): {seconds:.1f} s, {n / seconds:,.0f} rows/s, "
            f"{cpu:.1f} CPU s ({n / cpu:,.0f} rows per CPU s); peak RSS growth {(_peak() - rss) / 1e6:.0f} MB; "
            f"load after {_load()}"
        )
        worker_growth: list[float] = []
        for workers in (1, 2):
            out = root / f"dask{workers}"
            print(f"load before: {_load()}")
            run = on_dask(model, n, step, out, workers)
            write = float(run["write"])  # type: ignore[arg-type]
            results[f"{workers} worker(s)"] = write
            growth = [
                (run["peaks"][w] - run["before"][w]) / 1e6  # type: ignore[index]
                for w in run["peaks"]  # type: ignore[union-attr]
            ]
            worker_growth += growth
            cpu = float(run["cpu"])  # type: ignore[arg-type]
            print(
                f"Dask, {workers} worker(s): {write:.1f} s, {n / write:,.0f} rows/s (cluster start {run['start']:.1f} s); "
                f"workers {cpu:.1f} CPU s ({n / cpu:,.0f} rows per CPU s), client {float(run['client_cpu']):.1f} CPU s; "
                f"peak RSS growth per worker {', '.join(f'{g:.0f}' for g in growth)} MB; load after {_load()}"
            )
            if workers == 2:
                last = len(_dask.partition_bounds(n, step)) - 1
                for i in {0, last}:
                    name = f"part.{i:06d}.parquet"
                    got, expected = pd.read_parquet(out / name), pd.read_parquet(root / "anchor" / name)
                    pd.testing.assert_frame_equal(got, expected, check_exact=True)
                print("files: the Dask files read back equal to the single-process ones (first and last)")
            shutil.rmtree(out)
        shutil.rmtree(root / "anchor")

        speedup = results["1 process"] / results["2 worker(s)"]
        print(f"\nspeed-up, 2 workers over 1 process: {speedup:.2f}x")
        print(f"{'PASS' if speedup >= 1.5 else 'MISS'}: 2 workers >= 1.5x one process ({speedup:.2f}x)")
        worst = max(worker_growth) * 1e6 / frame_bytes
        print(
            f"{'PASS' if worst <= 8 else 'MISS'}: peak RSS growth per worker <= 8x a partition's frame "
            f"(worst {worst:.1f}x of {frame_bytes / 1e6:.0f} MB)"
        )
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
