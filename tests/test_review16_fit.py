"""Fixes from the sixteenth session's new-user reviews: fitting."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import pytest_synthdata as sd
from pytest_synthdata._artifact import to_dict
from pytest_synthdata._fit.generated import id_start


def _spec(model: sd.Model, column: str) -> dict:
    return next(c for c in to_dict(model)["columns"] if c["name"] == column)


def test_a_numeric_id_column_starts_at_a_round_number_not_the_smallest_real_id():
    rng = np.random.default_rng(0)
    ids = rng.choice(10**9, 500, replace=False) + 10**6
    model = sd.fit(pd.DataFrame({"account_id": ids, "x": rng.normal(size=500)}), name="accounts")
    spec = _spec(model, "account_id")
    assert spec["type"] == "id" and spec["start"] not in set(ids.tolist())
    assert spec["start"] == 10 ** (len(str(int(np.sort(ids)[4]))) - 1)
    assert model.sample(3, seed=0)["account_id"].tolist() == [spec["start"] + i for i in range(3)]


@pytest.mark.parametrize(
    ("ids", "start"),
    [
        (np.arange(0, 300), 0),  # numbered from 0
        (np.arange(1, 301), 1),  # numbered from 1
        (np.arange(1000, 1300), 1000),
        (np.array([7, *range(2_738_498, 2_738_798)]), 1_000_000),  # one odd small id is not the start
    ],
)
def test_id_starts(ids, start):
    assert id_start(ids, 5) == start


def test_a_refit_of_the_same_data_writes_the_same_bytes(tmp_path):
    """A model file is reviewed as a diff: refitting unchanged data must give none (the fit's duration stays in
    memory, in ``model.info``, and is not written)."""
    from palmerpenguins import load_penguins

    df = load_penguins()
    first, second = tmp_path / "a.synth.json", tmp_path / "b.synth.json"
    sd.fit(df, name="penguins").save(first)
    model = sd.fit(df, name="penguins")
    model.save(second)
    assert first.read_bytes() == second.read_bytes()
    assert "fit_seconds" in model.info and "fit_seconds" not in first.read_text()


def test_distinct_real_emails_stay_distinct_in_samples_of_any_size():
    rng = np.random.default_rng(0)
    n = 600
    real = pd.DataFrame({"email": [f"p{i}@example.com" for i in rng.permutation(n)], "x": rng.normal(size=n)})
    model = sd.fit(real, name="users")
    assert _spec(model, "email")["unique"] is True
    assert model.sample(5_000, seed=1)["email"].is_unique  # (past the pool of 1,000: plus addressing)
    shared = real.assign(email=[f"p{i % 50}@example.com" for i in range(n)])  # (50 addresses, shared)
    assert _spec(sd.fit(shared, name="users"), "email")["unique"] is False
