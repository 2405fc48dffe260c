"""Faster fit paths (segments, rank cells, privacy moves) give the numbers of their plain forms, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special

from pytest_synthdata._marginals import ATOM_MIN_PROB, GAP_PIECE, MAX_EXACT_CELLS, rank_cells_from_probs


@pytest.mark.parametrize("seed", range(40))
def test_every_candidates_eta_squared_found_at_once_is_its_own(seed):
    """Candidates of 1 to 12 groups and 1 to 9 other columns: each one's eta squared is its own table's."""
    from pytest_synthdata._fit.segments import _candidate_etas, _eta_squared

    rng = np.random.default_rng(seed)
    widths = rng.integers(1, 13, int(rng.integers(1, 7))).tolist()
    at = np.cumsum([0, *widths]).tolist()
    columns = int(rng.integers(2, 11))
    cnt = rng.integers(0, 40, (at[-1], columns)).astype(np.float64)
    total = rng.standard_normal((at[-1], columns)) * cnt
    square = np.abs(rng.standard_normal((at[-1], columns))) * cnt + total * total / np.maximum(cnt, 1)
    if rng.random() < 0.3:
        total[:, 0] = -0.0  # (signed zeros sum alike)
    own = rng.integers(-1, columns, len(widths))  # (each candidate's own column, or none)
    others = [np.array([j for j in range(columns) if j != o], dtype=np.intp) for o in own.tolist()]
    for c, etas in enumerate(_candidate_etas(cnt, total, square, at, others)):
        rows = slice(at[c], at[c + 1])
        alone = _eta_squared(cnt[rows][:, others[c]], total[rows][:, others[c]], square[rows][:, others[c]])
        assert etas.tobytes() == alone.tobytes()


def _rank_cells_plainly(probs):
    """Rank cells of a table, written as they were before the faster form: the reference (cuts, midranks, probs)."""
    upper = np.asarray(probs).cumsum()
    upper[-1] = 1.0
    lower = np.concatenate([[0.0], upper[:-1]])
    if len(probs) <= MAX_EXACT_CELLS:
        edges = np.concatenate([[0.0], lower + (upper - lower)])
    else:
        tie = np.asarray(probs) >= ATOM_MIN_PROB
        starts = np.ones(len(tie), dtype=bool)
        starts[1:] = tie[1:] | tie[:-1]
        first = np.flatnonzero(starts)
        last = np.concatenate([first[1:], [len(tie)]]) - 1
        lo, hi, tie = lower[first], upper[last], tie[first]
        if not tie.any():
            return None
        pieces = np.where(tie, 1, np.maximum(1, np.ceil((hi - lo) / GAP_PIECE))).astype(np.int64)
        which = np.repeat(np.arange(len(lo)), pieces)
        step = np.arange(len(which)) - np.repeat(np.cumsum(pieces) - pieces, pieces) + 1
        span = hi - lo
        edges = np.concatenate([[0.0], lo[which] + span[which] * step / pieces[which]])
    edges[-1] = 1.0
    widths = edges[1:] - edges[:-1]
    keep = widths > 0
    lower, upper = edges[:-1][keep], edges[1:][keep]
    return special.ndtri(upper[:-1]), (lower + upper) / 2.0, upper - lower


@pytest.mark.parametrize("seed", range(40))
def test_rank_cells_of_a_table_are_those_of_the_plain_form(seed):
    """Tables of 2 to 400 outcomes, with ties, near-continuous stretches and empty outcomes."""
    rng = np.random.default_rng(seed)
    k = int(rng.integers(2, 400))
    probs = rng.random(k) ** rng.choice([1.0, 4.0, 12.0])
    probs[rng.random(k) < 0.05] = 0.0
    probs[0] = max(probs[0], 1e-3)
    probs /= probs.sum()
    got, want = rank_cells_from_probs(probs), _rank_cells_plainly(probs)
    assert (got is None) == (want is None)
    if got is not None:
        assert want is not None
        for mine, theirs in zip((got.cuts, got.midranks, got.probs), want, strict=True):
            assert mine.tobytes() == theirs.tobytes()


@pytest.mark.parametrize("seed", range(30))
def test_groups_sharing_one_columns_values_to_avoid_move_as_each_alone(seed):
    """A column's segment groups share its rare values (one unsorted array): moved at once, each as alone."""
    from pytest_synthdata._fit.private import unheld, unheld_groups

    rng = np.random.default_rng(seed)
    min_count = int(rng.choice([2, 5, 10]))
    step = [None, 1.0, 0.5][int(rng.integers(0, 3))]
    grid = 1.0 if step is None else step
    shared = rng.permutation(np.round(rng.normal(0, 20, 12) / grid) * grid)  # (unsorted, one array for all)
    groups = []
    for _ in range(int(rng.integers(8, 14))):
        u = np.unique(np.concatenate([np.round(rng.normal(0, 20, int(rng.integers(3, 40))) / grid) * grid, shared[:3]]))
        c = rng.choice([1, 2, 3, 5, 8, 20], len(u)).astype(np.int64)
        values = np.sort(rng.choice(u, int(rng.integers(2, 10))))
        bounds = (float(values[0]) - grid, float(values[-1]) + grid)
        groups.append((values, bounds, u, c, shared if rng.random() < 0.8 else None))
    ends = np.cumsum([len(g[2]) for g in groups])
    out, moved = unheld_groups(
        np.concatenate([g[0] for g in groups]),
        [len(g[0]) for g in groups],
        [g[1] for g in groups],
        np.concatenate([g[2] for g in groups]),
        np.concatenate([g[3] for g in groups]),
        [(int(e - len(g[2])), int(e)) for g, e in zip(groups, ends, strict=True)],
        min_count=min_count,
        steps=[step] * len(groups),
        public=[False] * len(groups),
        also=[g[4] for g in groups],
    )
    at = 0
    for (values, bounds, u, c, also), got in zip(groups, moved, strict=True):
        alone, alone_bounds = unheld(values, bounds, u, c, min_count=min_count, step=step, also=also)
        assert out[at : at + len(values)].tobytes() == np.asarray(alone).tobytes()
        assert got == alone_bounds
        at += len(values)
