"""What a fitted model file gives away, table by table: the audit's file checks and tripwires, with quality beside.

For each of bench_fit.py's six public tables this fits ``sd.fit(df)`` with the
default privacy settings (``min_count=5``) and prints:

- the model file's audit (``synthdata audit``'s checks): failing findings of
  the file alone, and stored values held by fewer than k real rows;
- the tripwires of ``synthdata audit --real`` (means over 5 random halvings: fit on one half, compared
  with both halves): exact copies of training rows against the held-out
  baseline, the share of sampled rows closer to the training half (DCR; 0.5
  is ideal), the membership-inference AUC of a distance attack (0.5 is
  chance), and the planted canaries (a unique category and a value 10x the
  column's largest, in 1 and in 3 rows: in the file or in 100,000 samples?);
- SDMetrics' QualityReport score of the full-data fit (mean of 5 samples),
  the same score bench_fit.py prints, so a privacy rule's cost shows.

Then the same columns for differentially private fits (``sd.fit(df,
epsilon=..., delta=1e-6)``) at epsilon 1 and 3: the audit's file checks pass
by the account there (small noisy counts are reported, not failed), so the
tripwires, canaries and quality are what tell. A table whose DP fit refuses a
column (too few rows to choose its bounds or categories privately at that
epsilon) is refitted with that column's bounds or categories declared public,
taken from the data, and marked ``public``: the benchmark's stand-in for what
a user would declare. No timing is asserted.

    python benchmarks/bench_privacy.py                # the six tables
    python benchmarks/bench_privacy.py --datasets penguins mpg
    python benchmarks/bench_privacy.py --epsilons 1 3 10
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from typing import Any

import bench_fit

import pytest_synthdata as sd
from pytest_synthdata import _audit
from pytest_synthdata.errors import InvalidArgument

K = 5


DELTA = 1e-6


def _with_public(call: Any, df: Any, public: dict[str, Any]) -> Any:
    """``call(public or None)``; where a DP fit refuses a column, again with it declared public (from the data)."""
    for _ in range(df.shape[1] + 1):
        try:
            return call(public or None)
        except InvalidArgument as exc:
            found = re.match(r"column '([^']+)'", str(exc))
            if found is None or found[1] in public:
                raise
            public[found[1]] = _declared(df[found[1]])
    raise AssertionError("unreachable")  # pragma: no cover


def _declared(s: Any) -> Any:
    import pandas as pd

    if pd.api.types.is_datetime64_any_dtype(s) or (
        pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)
    ):
        return (s.min(), s.max())
    return [v for v in pd.unique(s.dropna())]


def run(name: str, epsilon: float | None = None) -> dict[str, object]:
    from sdv.metadata import Metadata

    df, _ = bench_fit.load_dataset(name)
    public: dict[str, Any] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if epsilon is None:
            model = sd.fit(df, name=name, min_count=K)
        else:
            public = {}
            model = _with_public(lambda p: sd.fit(df, name=name, epsilon=epsilon, delta=DELTA, public=p), df, public)
        with tempfile.TemporaryDirectory() as tmp:
            path = str(Path(tmp) / f"{name}.synth.json")
            model.save(path)
            report, _ = _audit.audit_file(path, k=K)
            file_fails = sum(f.fails for f in report.findings)
            held = _audit.audit_held(path, df, k=K)
            held_fails = sum(f.fails for f in held.findings)
        if epsilon is None:
            wires = _audit.audit_real(df, k=K, seed=0)
        else:  # (the tripwires fit half the rows: a column may need declaring there too)
            wires = _with_public(
                lambda p: _audit.audit_real(df, k=K, seed=0, epsilon=epsilon, delta=DELTA, public=p), df, public
            )
        metadata = Metadata.detect_from_dataframes({name: df}).to_dict()["tables"][name]
        samples = [model.sample(len(df), seed=seed) for seed in range(bench_fit.QUALITY_SEEDS)]
        q, shapes, trends, _ = bench_fit.mean_quality(df, samples, metadata)
    by = {f.check: f for f in wires.findings if f.check != "canary"}
    canaries = [f for f in wires.findings if f.check == "canary"]
    return {
        "table": name,
        "rows": len(df),
        "file": file_fails,
        "held": held_fails,
        "copies": _first_numbers(by["exact-copies"].message, 2),
        "dcr": _first_numbers(by["distance-to-closest-record"].message, 1)[0],
        "auc": _first_numbers(by["membership-inference"].message, 1)[0],
        "canary": "/".join("leak" if f.fails else "ok" for f in canaries),
        "quality": (q, shapes, trends),
        "public": sorted(public or {}),
    }


def _first_numbers(text: str, count: int) -> list[float]:
    import re

    return [float(x) for x in re.findall(r"(\d+(?:\.\d+)?)%?", text)[:count]]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--datasets", nargs="+", choices=bench_fit.DATASETS, metavar="NAME")
    ap.add_argument("--epsilons", nargs="*", type=float, default=[1.0, 3.0], metavar="EPSILON")
    args = ap.parse_args(argv)
    bench_fit.import_anchors()
    names = args.datasets or list(bench_fit.DATASETS)
    header = (
        f"{'table':<10} {'rows':>6} | {'file':>4} {'held':>4} | {'copies train/hold %':>19} {'DCR':>5} "
        f"{'AUC':>5} {'canary 1/3':>10} | {'quality':>7} {'shape':>6} {'trend':>6}"
    )
    results: dict[float | None, list[dict[str, object]]] = {}
    for epsilon in [None, *args.epsilons]:
        if epsilon is None:
            print(
                f"default fits (min_count={K}); tripwires: means over 5 random halvings (seed 0), each fit on one half and compared with both"
            )
        else:
            print(f"\ndifferentially private fits, epsilon={epsilon:g}, delta={DELTA:g} (tripwires fit the same way)")
        print(header)
        print("-" * len(header))
        results[epsilon] = []
        for name in names:
            r = run(name, epsilon)
            results[epsilon].append(r)
            copies = r["copies"]
            q, shapes, trends = r["quality"]  # type: ignore[misc]
            public = f"  public: {', '.join(r['public'])}" if r["public"] else ""  # type: ignore[arg-type]
            print(
                f"{r['table']:<10} {r['rows']:>6,} | {r['file']:>4} {r['held']:>4} | "
                f"{copies[0]:>8.2f} / {copies[1]:<8.2f} {r['dcr'] / 100:>5.3f} {r['auc']:>5.3f} {r['canary']:>10} | "  # type: ignore[index,operator]
                f"{q:>7.3f} {shapes:>6.3f} {trends:>6.3f}{public}",
                flush=True,
            )
    print(
        "\nfile: failing findings of `synthdata audit FILE`; held: stored values fewer than k real rows hold;\n"
        "copies: sampled rows equal to a training row / to a held-out row; DCR: share of sampled rows closer to\n"
        "the training half (0.5 ideal; the audit fails a mean clearly above 0.6); AUC: membership inference (0.5\n"
        "chance; the same rule); canary: the planted 1-row / 3-row canary, ok when in neither the file nor 100,000 samples."
    )
    clean = all(r["file"] == 0 and r["held"] == 0 and r["canary"] == "ok/ok" for rs in results.values() for r in rs)
    print(f"[{'PASS' if clean else 'MISS'}] every file (default and DP) passes the audit and its canaries")
    wires = [
        f"{r['table']}" + ("" if eps is None else f" (epsilon={eps:g})")
        for eps, rs in results.items()
        for r in rs
        if r["dcr"] / 100 > 0.6 or r["auc"] > 0.6  # type: ignore[operator]
    ]
    print(
        f"[{'MISS' if wires else 'PASS'}] distance to closest record and membership AUC within the audit's 0.6"
        + (f" (over: {', '.join(map(str, wires))})" if wires else "")
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
