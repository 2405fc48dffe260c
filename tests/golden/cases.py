"""Golden outputs: small committed samples that a change must reproduce, or knowingly update.

Each case is a model (declared in code, or a committed model file) and the
samples it must give. ``python -m tests.golden.cases`` rewrites the committed
files from the current code; do that only for a change meant to give other
rows, and say so in CHANGELOG.md ("the same seed gives different rows ...").
"""

from __future__ import annotations

import json
import math
import pathlib
from typing import Any

import numpy as np
import pandas as pd

import pytest_synthdata as sd

HERE = pathlib.Path(__file__).parent
#: (case, sample arguments) whose rows are committed.
SAMPLES = {
    "spread": {"n": 40, "seed": 20261206},
    "independent": {"n": 40, "seed": 20261206, "independent": True},
}


def declared() -> sd.Schema:
    """A schema with every built-in column kind, a correlation of each kind pair, nulls and a constraint."""
    return sd.Schema(
        "declared",
        {
            "id": sd.Id(),
            "key": sd.Id("uuid"),
            "code": sd.Id("C-{:05d}", start=100),
            "age": sd.Integer(mean=41, std=12, low=18, high=90, null_rate=0.1),
            "visits": sd.Integer(lam=3.5),
            "income": sd.Float(median=52_000, sigma=0.5, decimals=2),
            "score": sd.Float(quantiles={0.0: -3.0, 0.25: -0.5, 0.5: 0.0, 0.9: 1.5, 1.0: 4.0}),
            "plan": sd.Category({"free": 0.6, "pro": 0.3, "team": 0.1}, null_rate=0.05),
            "churned": sd.Boolean(p=0.2),
            "signup": sd.Date(low="2020-01-01", high="2024-12-31"),
            "last_login": sd.Datetime(low="2020-01-01", high="2025-06-30"),
            "email": sd.Faker("email", unique=True),
            "name": sd.Faker("name", null_rate=0.2),
        },
        correlations={
            ("age", "income"): 0.5,
            ("income", "plan"): 0.4,
            ("plan", "churned"): -0.3,
            ("age", "score"): 0.2,
        },
        constraints=["signup < last_login"],
    )


def fitted_frame() -> pd.DataFrame:
    """A small deterministic table with what fitting handles: segments, nulls, dates, codes, text and lookups."""
    rng = np.random.default_rng(7)
    n = 300
    species = rng.choice(np.array(["Adelie", "Gentoo", "Chinstrap"]), n, p=[0.45, 0.35, 0.2])
    mass = np.where(species == "Gentoo", 5000.0, 3700.0) + rng.normal(0, 350, n)
    island = np.where(species == "Gentoo", "Biscoe", rng.choice(np.array(["Dream", "Torgersen"]), n))
    bill = np.round(35 + mass / 400 + rng.normal(0, 2, n), 1)
    bill[rng.random(n) < 0.08] = np.nan
    seen = pd.Timestamp("2021-01-01") + pd.to_timedelta(rng.integers(0, 900, n), unit="D")
    return pd.DataFrame(
        {
            "species": species,
            "island": island,
            "mass": np.round(mass),
            "bill": bill,
            "flag": rng.random(n) < 0.3,
            "seen": seen,
            "email": [f"user{i}@example.org" for i in range(n)],
            "ref": [f"R-{i:04d}" for i in range(n)],
        }
    )


def models() -> dict[str, list[tuple[str, Any]]]:
    """Return the golden models by the samples file they must reproduce: (how it was made, model)."""
    return {
        "declared": [("built from code", declared()), ("loaded from its file", sd.load(HERE / "declared.synth.json"))],
        "fitted": [
            ("loaded from its file", sd.load(HERE / "fitted.synth.json")),
            ("fitted from the frame", sd.fit(fitted_frame(), name="fitted")),
        ],
    }


def plain(frame: pd.DataFrame) -> dict[str, list[Any]]:
    """Return a frame's values as exact JSON-ready lists (floats round-trip through repr)."""
    out: dict[str, list[Any]] = {}
    for col in frame.columns:
        values = []
        for v in frame[col].astype(object).tolist():
            if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and math.isnan(v)):
                values.append(None)
            elif isinstance(v, pd.Timestamp):
                values.append(v.isoformat())
            elif isinstance(v, (bool, np.bool_)):
                values.append(bool(v))
            elif isinstance(v, (int, np.integer)):
                values.append(int(v))
            elif isinstance(v, (float, np.floating)):
                values.append(float(v) if math.isfinite(v) else repr(float(v)))
            else:
                values.append(str(v))
        out[str(col)] = values
    return out


def samples(model: Any) -> dict[str, dict[str, list[Any]]]:
    """Return the golden samples of ``model``, by sample name."""
    return {name: plain(model.sample(**args)) for name, args in SAMPLES.items()}


def regenerate() -> None:  # pragma: no cover - run by hand for a knowing update
    """Rewrite the committed model files and samples from the current code."""
    declared().save(HERE / "declared.synth.json")
    sd.fit(fitted_frame(), name="fitted").save(HERE / "fitted.synth.json")
    for case, made in models().items():
        (HERE / f"{case}.samples.json").write_text(dumps(samples(made[0][1])), encoding="utf-8")


def dumps(found: dict[str, dict[str, list[Any]]]) -> str:
    """Return samples as JSON with one line per column (a changed value shows as a one-line diff)."""
    parts = []
    for name, columns in found.items():
        lines = [f"    {json.dumps(col)}: {json.dumps(values, ensure_ascii=False)}" for col, values in columns.items()]
        parts.append(f"  {json.dumps(name)}: {{\n" + ",\n".join(lines) + "\n  }")
    return "{\n" + ",\n".join(parts) + "\n}\n"


if __name__ == "__main__":  # pragma: no cover
    regenerate()
