"""Same seed, same bytes; more rows never change the rows already drawn."""

from __future__ import annotations

import hashlib

import pandas as pd
import pytest

import pytest_synthdata as sd
from pytest_synthdata._seeding import BLOCK_ROWS, derive_seed


def everything(*, unique_email: bool = True) -> sd.Schema:
    return sd.Schema(
        "everything",
        {
            "id": sd.Id(),
            "code": sd.Id("C-{:05d}"),
            "uuid": sd.Id("uuid"),
            "age": sd.Integer(mean=40, std=12, low=18, high=90),
            "income": sd.Float(median=50_000, sigma=0.5, decimals=2, null_rate=0.1),
            "visits": sd.Integer(lam=2.0, null_rate=0.05),
            "plan": sd.Category({"free": 0.6, "pro": 0.3, "team": 0.1}, null_rate=0.02),
            "churned": sd.Boolean(p=0.2),
            "signup": sd.Date(low="2020-01-01", high="2023-12-31"),
            "last_login": sd.Datetime(low="2021-01-01", high="2024-12-31"),
            "name": sd.Faker("name"),
            "email": sd.Faker("email", unique=unique_email),
        },
        correlations={("age", "income"): 0.5, ("income", "plan"): 0.4, ("plan", "churned"): -0.3},
        constraints=["signup < last_login"],
    )


def digest(df: pd.DataFrame) -> str:
    h = hashlib.sha256()
    for col in df.columns:
        h.update(col.encode())
        h.update(pd.util.hash_pandas_object(df[col], index=False).to_numpy().tobytes())
    return h.hexdigest()


def test_same_seed_gives_identical_frames():
    schema = everything()
    assert digest(schema.sample(3000, seed=11)) == digest(schema.sample(3000, seed=11))
    # a freshly built, equal schema gives the same bytes too (no hidden state)
    assert digest(everything().sample(3000, seed=11)) == digest(schema.sample(3000, seed=11))


def test_different_seeds_give_different_frames():
    schema = everything()
    a, b = schema.sample(200, seed=1), schema.sample(200, seed=2)
    for col in ["age", "income", "plan", "name", "email", "uuid"]:
        assert not a[col].equals(b[col]), col


@pytest.mark.parametrize("independent", [False, True])
@pytest.mark.parametrize("n", [1, 3, 1000, BLOCK_ROWS - 1, BLOCK_ROWS, BLOCK_ROWS + 1, 16 * BLOCK_ROWS + 3])
def test_fewer_rows_are_a_prefix_of_more_rows(n, independent):
    schema = everything(unique_email=False)
    big = schema.sample(16 * BLOCK_ROWS + 500, seed=5, independent=independent)
    small = schema.sample(n, seed=5, independent=independent)
    pd.testing.assert_frame_equal(small, big.iloc[:n])


@pytest.mark.parametrize("n", [1, BLOCK_ROWS + 1, 9000])
def test_unique_faker_rows_are_a_prefix_too(n):
    schema = sd.Schema("u", {"email": sd.Faker("email", unique=True)})
    big = schema.sample(9500, seed=8)
    assert big["email"].is_unique
    pd.testing.assert_frame_equal(schema.sample(n, seed=8), big.iloc[:n])


def test_known_digest_is_stable_across_runs():
    """Guards the stream layout: if this changes, every user's fixtures change."""
    schema = sd.Schema(
        "golden",
        {"a": sd.Integer(low=0, high=9), "b": sd.Float(mean=0, std=1, decimals=3), "c": sd.Category(["x", "y", "z"])},
        correlations={("a", "b"): 0.3},
    )
    df = schema.sample(5, seed=1234)
    assert df["a"].tolist() == GOLDEN_A
    assert df["c"].astype(str).tolist() == GOLDEN_C
    iid = schema.sample(5, seed=1234, independent=True)  # plain normal draws: the layout of 0.x before spread rows
    assert iid["a"].tolist() == GOLDEN_IID_A
    assert iid["c"].astype(str).tolist() == GOLDEN_IID_C


GOLDEN_A = [7, 1, 5, 2, 4]  # (paired spread rows: rows 2-4 changed with them)
GOLDEN_C = ["y", "y", "z", "x", "z"]
GOLDEN_IID_A = [5, 9, 7, 0, 8]
GOLDEN_IID_C = ["x", "x", "x", "z", "x"]


def test_derive_seed_is_a_pure_function_of_its_parts():
    a = derive_seed(7, "tests/test_x.py::test_a", "customers")
    assert a == derive_seed(7, "tests/test_x.py::test_a", "customers")
    assert a != derive_seed(8, "tests/test_x.py::test_a", "customers")
    assert a != derive_seed(7, "tests/test_x.py::test_b", "customers")
    assert a != derive_seed(7, "tests/test_x.py::test_a", "orders")
    assert 0 <= a < 2**63


def test_partial_blocks_are_prefixes_of_whole_blocks():
    """draw_blocks draws a block only as far as needed: every draw it serves must fill arrays in order."""
    import numpy as np

    from pytest_synthdata._seeding import BLOCK_ROWS, draw_blocks

    draws = [
        lambda rng, m: rng.standard_normal((m, 7)),
        lambda rng, m: rng.random((m, 3)),
        lambda rng, m: rng.integers(0, 256, size=(m, 16), dtype=np.uint8),
    ]
    for draw in draws:
        whole = draw_blocks(11, 1, 0, 2 * BLOCK_ROWS, draw)
        for start, stop in (
            (0, 1),
            (0, 100),
            (5, BLOCK_ROWS - 1),
            (0, BLOCK_ROWS + 1),
            (BLOCK_ROWS + 3, BLOCK_ROWS + 9),
        ):
            np.testing.assert_array_equal(draw_blocks(11, 1, start, stop, draw), whole[start:stop])


@pytest.mark.parametrize("independent", [False, True])
@pytest.mark.parametrize(
    "rows",
    [(0, 0), (0, 9000), (5, 6), (4095, 4097), (BLOCK_ROWS, 2 * BLOCK_ROWS), (65_530, 65_540), (8000, 70_000)],
)
def test_rows_draws_that_range_of_the_sample_alone(rows, independent):
    # (65,536: where the sample path cuts its chunks)
    model = everything(unique_email=False)
    n = 70_000
    full = model.sample(n, seed=21, independent=independent)
    part = model.sample(n, seed=21, independent=independent, rows=rows)
    pd.testing.assert_frame_equal(part, full.iloc[rows[0] : rows[1]], check_exact=True)
    assert part.index.equals(pd.RangeIndex(*rows)) and part.attrs == full.attrs


def test_rows_of_a_unique_column_check_room_for_the_whole_sample():
    model = sd.Schema("u", {"user": sd.Faker("user_name", unique=True), "x": sd.Float(low=0, high=1)})
    with pytest.raises(sd.errors.PoolExhausted, match="unique=True needs 50000 distinct values"):
        model.sample(50_000, seed=1, rows=(0, 10))


def test_a_unique_email_column_goes_on_past_its_pool_row_stably():
    """E-mail pools number their later rounds by plus addressing: distinct, and a row's value is its own."""
    model = everything()
    whole = model.sample(3_000, seed=1)
    assert whole["email"].is_unique
    part = model.sample(3_000, seed=1, rows=(2_000, 2_010))
    assert part["email"].tolist() == whole["email"].iloc[2_000:2_010].tolist()


@pytest.mark.parametrize(
    ("rows", "problem"),
    [
        ((1,), "is not a range of rows"),
        ((1, 2, 3), "is not a range of rows"),
        ("ab", "is not a range of rows"),
        ((1.5, 2), "is not a range of rows"),
        ((True, 2), "is not a range of rows"),
        (5, "is not a range of rows"),
        ((3, 1), "is not a range of rows of a sample of 100"),
        ((-1, 5), "is not a range of rows of a sample of 100"),
        ((0, 101), "is not a range of rows of a sample of 100"),
    ],
)
def test_bad_rows_get_a_clear_error(rows, problem):
    with pytest.raises(sd.errors.InvalidArgument) as raised:
        everything().sample(100, seed=1, rows=rows)
    assert str(raised.value).startswith(f"rows={rows!r} ({type(rows).__name__}) {problem}; pass two ints (start, stop)")
