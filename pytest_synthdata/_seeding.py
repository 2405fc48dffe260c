"""Seed handling: one place that turns user seeds into numpy Generators.

Rules (see DESIGN.md): no global random state; every Generator comes from a
``SeedSequence``; a test's seed is a pure function of (base seed, test node id,
dataset name) so it survives reordering, ``-k`` and xdist; rows are drawn in
fixed-size blocks, each seeded by (seed, stream, block), so ``sample(n)`` is
always a prefix of ``sample(m)`` for ``n < m``.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING

from ._validate import MAX_SEED, check_seed

if TYPE_CHECKING:
    import numpy as np

__all__ = ["BLOCK_ROWS", "MAX_SEED", "block_generators", "derive_seed", "draw_blocks", "new_seed", "normalize_seed"]

#: Rows per latent block. Part of the reproducibility contract: changing it
#: changes every sampled frame.
BLOCK_ROWS = 4096


def new_seed() -> int:
    """Return a fresh random seed from the OS (never from global random state)."""
    return secrets.randbelow(2**32)


def normalize_seed(seed: object, *, argument: str = "seed") -> int:
    """Return ``seed`` as a validated int (see ``_validate``), or a fresh random seed when it is None.

    >>> normalize_seed(7)
    7
    """
    if seed is None:
        return new_seed()
    return check_seed(seed, argument=argument, others="None for a fresh random seed")


def derive_seed(base: int, *parts: str | int) -> int:
    """Return a seed that depends only on ``base`` and ``parts`` (e.g. node id, dataset).

    Uses a cryptographic hash so that it is identical on every platform and
    Python version (``hash()`` is salted per process).

    >>> derive_seed(1, "tests/test_a.py::test_x", "customers") == derive_seed(
    ...     1, "tests/test_a.py::test_x", "customers")
    True
    """
    text = "\x1f".join([str(base), *(str(p) for p in parts)])
    digest = hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") & MAX_SEED


def generator(seed: int, *spawn_key: int) -> np.random.Generator:
    """Return a Generator for ``seed`` and a stream/block path."""
    import numpy as np

    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=spawn_key)))


def block_generators(seed: int, stream: int, start: int, stop: int) -> tuple[list[np.random.Generator], list[int], int]:
    """Return (the Generators of the blocks that hold rows ``start:stop``, each block's rows up to ``stop``, the
    first block's first row): what :func:`draw_blocks` draws from, for a draw that takes several blocks at once."""
    first, last = start // BLOCK_ROWS, (stop - 1) // BLOCK_ROWS
    blocks = range(first, last + 1)
    return (
        [generator(seed, stream, b) for b in blocks],
        [min(BLOCK_ROWS, stop - b * BLOCK_ROWS) for b in blocks],
        first * BLOCK_ROWS,
    )


def draw_blocks(
    seed: int,
    stream: int,
    start: int,
    stop: int,
    draw: Callable[[np.random.Generator, int], np.ndarray],
    *,
    axis: int = 0,
) -> np.ndarray:
    """Return rows ``start:stop`` of a stream drawn block by block.

    ``draw(rng, m)`` must return an array whose ``axis`` has ``m`` rows, and
    whose first rows do not depend on ``m`` (numpy's generators fill arrays in
    order, so ``rng.random((m, k))`` and ``rng.standard_normal((m, k))`` are
    prefixes of the same calls with a larger ``m``). Block ``b`` always uses
    ``generator(seed, stream, b)``, so a row's values never depend on how many
    rows were requested; a block is drawn only as far as the rows needed.
    """
    import numpy as np

    rngs, sizes, offset = block_generators(seed, stream, start, stop)
    parts = [draw(rng, m) for rng, m in zip(rngs, sizes, strict=True)]
    if not parts:
        return np.take(draw(generator(seed, stream, 0), BLOCK_ROWS), np.arange(0), axis=axis)
    block = parts[0] if len(parts) == 1 else np.concatenate(parts, axis=axis)
    rows = slice(start - offset, stop - offset)
    return block[rows] if axis == 0 else block[:, rows]
