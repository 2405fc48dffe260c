"""Hypothesis strategies over a model: realistic, correlated rows that shrink to the most typical row.

:func:`rows` gives dict rows and :func:`frames` DataFrames with the model's
dtypes. Every random choice comes from Hypothesis, so examples replay from its
example database and shrink; a row is a pure function of its choices
(``_latent.SuppliedRows``), drawn through the model's one sample path, so
conditions and edge cases mean what they mean in ``Model.sample``.

How a row is drawn (``docs/explanation/math.md`` §15). Each row is one fixed-size
``st.binary`` choice (Hypothesis draws its bytes uniformly and shrinks each
byte toward 0):

* two bytes per latent coordinate: a 16-bit number ``v`` that picks one of the ``2**16`` equal-probability
  cells of the coordinate's independent score (``_Grid``). ``v = 0`` is the score ``s_j`` of the most typical
  row, and the other cells are ranked by their distance from it, the cells below and the cells above
  interleaved in proportion to their number, so on either side a smaller ``v`` is a nearer cell: a byte shrunk
  toward 0 moves the score toward the typical one from above and from below alike (a failure past a threshold
  shrinks to just past it). Every cell has exactly one ``v``, so undirected rows follow the model exactly (on
  the grid of cell midpoints). The typical scores are ``s = L^-1 x*`` for the typical point ``x*``: numbers at
  0 (their median), categories and booleans at the middle of their mode's interval (of tied modes the one
  nearest the median), null flags anywhere in the lower three quarters of their non-null region; ``x*`` is the
  most likely such point (least ``|L^-1 x|``, a bounded least-squares problem), and ``v = 0`` gives ``s``
  itself, not a clipped quantile, so the all-zero row *is* the typical row however far ``s`` lies. A column
  fitted per segment group (fitted models) has its group's marginal, so its number sits at its median *given*
  the row's category (the conditional median, e.g. the modal species' bill length), and a category fitted
  per group reads the overall mode's point through its group's table (the overall mode where the group has
  it);
* three bytes per auxiliary uniform (Faker and Id picks): ``w / 2**24``, so 0
  is the first value of the pool. A UUID id's second uniform also holds the
  row's position in the frame in bits its drawn bytes leave free (scrambled by
  an odd multiplier, a bijection mod ``2**24``), so the ids of a frame are
  distinct even where Hypothesis repeats a row's choices, as sequential and
  pattern ids (the row's position) are;
* with ``edge_cases > 0``, four bytes first: the row is an edge row when the
  first is at least ``256 (1 - edge_cases)`` (0 is a plain row), the next two
  pick the edge slot (kinds evenly, then columns) and the last its variant;
  the rest of an edge row follows the model given its edge value, as in
  ``sample(edge_cases=)``; under ``conditions`` only the slots and variants
  they leave possible (none: no edge byte, every row a plain conditioned row).
  An edge that keeps a coordinate in a region away from the typical row (a
  tail, the outer part at a bound, the null region) reads that coordinate's
  two bytes from the region's end nearest the typical row inward, so shrinking
  an edge row moves its value to the edge's least unusual one (a low tail's
  1st percentile). Shrinking lowers the first byte to 0, a plain row, whenever
  the failure holds there; it cannot when every value of the edge shows the
  failure (``income < 15_000`` and a 1st percentile of 14,466): a plain row
  would need the edge coordinate's bytes raised at the same time, a move
  Hypothesis' shrinker does not make, so such a failure may end on the edge
  row at its least unusual value.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from . import errors

if TYPE_CHECKING:
    import pandas as pd
    from hypothesis.strategies import SearchStrategy
    from numpy.typing import NDArray

    from ._edges import _Slot
    from ._latent import LatentSource

__all__ = ["DEFAULT_EDGE_CASES", "DEFAULT_MAX_SIZE", "frames", "row_bytes", "rows"]

#: ``frames()``'s largest frame when ``max_size`` is not given (fewer when a row's choices are many: see
#: :func:`row_bytes` and :data:`BUDGET`).
DEFAULT_MAX_SIZE = 50
#: Share of drawn rows that are edge cases by default: about Hypothesis' own 5-15% for boundary values.
DEFAULT_EDGE_CASES = 0.1
#: Bytes of choices a default ``frames()`` may use (of Hypothesis' 8 KiB per example; the rest is headroom).
BUDGET = 6144
#: Bytes per latent coordinate, per auxiliary uniform, and of a row's edge choice.
_COORD_BYTES, _AUX_BYTES, _EDGE_BYTES = 2, 3, 4
#: Hypothesis' choice budget per example (``BUFFER_SIZE``), and the bytes a row adds beside its own choices.
_HYPOTHESIS_BUFFER, _ROW_OVERHEAD = 8192, 4
#: Redraws of a row that breaks a row constraint before the example is rejected.
_REDRAWS = 5
#: Equal-probability cells of a coordinate's score: one per value of its two bytes.
_CELLS = 2**16
#: A UUID id's second uniform gets ``(row * _ID_SPREAD mod 2**24) * 2**-48``: bits 5 - 28 of its 53, which the
#: drawn 24 bits (the top ones) leave at 0 and which become bytes 9 - 11 of the UUID (``_columns._uuid_bytes``).
_ID_SPREAD, _ID_BITS, _ID_SCALE = 0x9E3779, 2**24, 2.0**-48


def _invalid(message: str) -> Exception:
    from hypothesis.errors import InvalidArgument

    return InvalidArgument(message)


@dataclass(frozen=True)
class _Edges:
    """The edge slots rows may take, their cumulative weights (kinds evenly, then columns) and the cut byte.

    ``coord`` and ``side`` (one per slot and variant, ``slot * width + variant``): the coordinate an edge variant
    keeps in a region away from the typical row (a tail, the outer part at a bound, the null region) and the
    region's end nearest it, +1 its low end, -1 its high end (0: none). Such an edge row reads that coordinate's
    choice from that end inward, so its smallest choice is the least unusual edge value (a tail's 1st percentile).
    """

    slots: tuple[_Slot, ...]
    cum: NDArray[np.float64]
    cut: int
    coord: NDArray[np.int64]
    side: NDArray[np.int64]
    width: int


@dataclass(frozen=True)
class _Grid:
    """How a coordinate's 16-bit choice ``v`` picks its score: one cell of ``2**16`` equal-probability cells each.

    ``v = 0`` is the typical score ``typical`` (in cell ``centre``); the other cells are ranked by distance from
    it, the ``below`` - 1 cells under the centre and the rest above interleaved in proportion to their number
    (block ``v >> 8`` holds the next ``n_k`` cells below, then the next cells above, ``n_k`` its share of
    ``below`` rounded up), so a smaller ``v`` is never farther on its side and a byte shrunk toward 0 moves
    the score toward ``typical`` on either side. Every cell has one ``v``: uniform ``v`` give a standard
    normal score (on the grid of cell midpoints).
    """

    typical: NDArray[np.float64]
    centre: NDArray[np.int64]
    below: NDArray[np.int64]

    @classmethod
    def around(cls, typical: NDArray[np.float64]) -> _Grid:
        from scipy import special

        centre = np.minimum(np.floor(special.ndtr(typical) * _CELLS), _CELLS - 1).astype(np.int64)
        return cls(np.asarray(typical, dtype=np.float64), centre, centre + 1)

    def scores(self, v: NDArray[np.int64]) -> NDArray[np.float64]:
        """Return the scores of choices ``v`` (rows, coordinates)."""
        from scipy import special

        k, lo = v >> 8, v & 255
        start = (k * 256 * self.below + _CELLS - 1) // _CELLS  # cells below (centre included) before block k
        n_k = ((k + 1) * 256 * self.below + _CELLS - 1) // _CELLS - start
        low = lo < n_k
        cell = np.where(low, self.centre - start - lo, self.centre + 1 + k * 256 - start + lo - n_k)
        z = special.ndtri((cell + 0.5) / _CELLS)
        return np.where(low & (start + lo == 0), self.typical, z)


@dataclass
class _Plan:
    """What a strategy draws per row and how it turns the drawn bytes into rows of ``model``."""

    model: Any
    dims: int
    aux: int
    grid: _Grid
    conditions: tuple[Any, ...]
    edges: _Edges | None
    #: The auxiliary uniform of each UUID id column that carries the row's position (see the module docstring).
    id_aux: tuple[int, ...] = ()
    #: Whether frames record their edge rows (``edge_cases > 0``, even where the conditions leave no edge case
    #: possible): ``df.attrs["synthdata"]["edges"]``, empty when no row is one, as ``sample()`` records it.
    records_edges: bool = False

    @property
    def row_bytes(self) -> int:
        return (_EDGE_BYTES if self.edges is not None else 0) + _COORD_BYTES * self.dims + _AUX_BYTES * self.aux

    def frame(self, blobs: list[bytes]) -> pd.DataFrame:
        """Return the rows the drawn ``blobs`` make (one blob a row)."""
        from scipy import special

        n, width = len(blobs), self.row_bytes
        raw = np.frombuffer(b"".join(blobs), dtype=np.uint8).reshape(n, width).astype(np.int64)
        e = _EDGE_BYTES if self.edges is not None else 0
        v = raw[:, e : e + _COORD_BYTES * self.dims : 2] * 256 + raw[:, e + 1 : e + _COORD_BYTES * self.dims : 2]
        z = self.grid.scores(v)
        a = raw[:, e + _COORD_BYTES * self.dims :]
        u = (a[:, 0::3] * 65536 + a[:, 1::3] * 256 + a[:, 2::3]) / 16777216.0
        if self.id_aux:
            u[:, list(self.id_aux)] += ((np.arange(n, dtype=np.int64) * _ID_SPREAD) % _ID_BITS * _ID_SCALE)[:, None]
        if self.edges is None:
            return self.rows(z, u)
        edges = self.edges
        hit = np.flatnonzero(raw[:, 0] >= edges.cut).astype(np.int64)
        pick = (raw[hit, 1] * 256 + raw[hit, 2] + 0.5) / 65536.0
        slot_of = np.searchsorted(edges.cum, pick, side="right").astype(np.int64)
        sizes = np.array([len(s.variants) for s in edges.slots], dtype=np.int64)
        variant_of = raw[hit, 3] % sizes[slot_of]
        code = slot_of * edges.width + variant_of
        inward = edges.side[code] != 0
        at, j = hit[inward], edges.coord[code][inward]
        z[at, j] = edges.side[code][inward] * special.ndtri((v[at, j] + 0.5) / _CELLS)
        return self.rows(z, u, hit, slot_of, variant_of)

    def rows(
        self,
        z: NDArray[np.float64],
        u: NDArray[np.float64],
        hit: NDArray[np.int64] | None = None,
        slot_of: NDArray[np.int64] | None = None,
        variant_of: NDArray[np.int64] | None = None,
    ) -> pd.DataFrame:
        """Return the rows of scores ``z``, uniforms ``u`` and edge rows ``hit`` (variant of slot each)."""
        from ._conditions import conditioned_rows
        from ._latent import Pinned, SuppliedRows

        n = len(z)
        source: LatentSource = SuppliedRows(z, u, key=0)
        record = None
        keys: list[tuple[Any, ...]] = [self.conditions]
        which = np.zeros(n, dtype=np.intp)
        pins: list[Any] = []
        if self.edges is not None and hit is not None and len(hit):
            from ._edges import edge_plan

            assert slot_of is not None and variant_of is not None
            edge_keys, which, pins, record = edge_plan(n, hit, self.edges.slots, slot_of, variant_of)
            keys = [self.conditions + key for key in edge_keys]
        if any(keys):
            source = conditioned_rows(self.model, source, keys, which, n)
        if pins:
            source = Pinned(source, pins)
        frame = self.model.sample_from(source, n)
        if record is not None:
            self.model._exact_bounds(frame, record)
            frame.attrs["synthdata"]["edges"] = record
        elif self.records_edges:
            from ._edges import EdgeCases

            empty = np.array([], dtype=object)
            frame.attrs["synthdata"]["edges"] = EdgeCases(np.zeros(0, dtype=np.int64), empty, empty, empty)
        return frame


def _mode_interval(probs: NDArray[np.float64]) -> tuple[int, float, float]:
    """The mode of a table (of tied modes, the one nearest the latent median) and its cumulative probabilities."""
    cum = np.concatenate([[0.0], np.cumsum(probs)])
    cum /= cum[-1]
    top = np.flatnonzero(probs >= probs.max() * (1.0 - 1e-9))
    # (tied modes, such as 40 equally likely states: the one whose interval is nearest 1/2, so a correlated
    # number's median is not pushed into its tail)
    k = int(top[np.argmin(np.maximum(cum[top] - 0.5, 0.0) + np.maximum(0.5 - cum[top + 1], 0.0))])
    return k, float(cum[k]), float(cum[k + 1])


def _typical_scores(model: Any) -> NDArray[np.float64]:
    """The independent scores ``s`` (``x = L s``) of the model's most typical row.

    Every number at its median (``x = 0``), every category and boolean at the middle of its mode's interval,
    every null flag anywhere in the lower three quarters of its non-null region: of those points ``x`` the most
    likely, the least ``|L^-1 x|`` (a bounded least-squares problem over the flags). ``s`` may lie far out
    where correlations tie a number to a mode far from the median (mpg's modal model and its city mileage:
    ``s`` about 6); the strategies read it exactly, never as a clipped quantile (math.md §15).
    """
    from scipy import linalg, optimize, special

    from ._columns import BooleanColumn, CategoryColumn, ConditionalColumn

    space = model.latent_space
    low, high = np.zeros(space.dims), np.zeros(space.dims)
    segment: tuple[str, list[int]] | None = getattr(model, "segment", None)
    null_groups = getattr(model, "null_groups", {}) or {}
    for j, label in enumerate(space.labels):
        if label.endswith(" is null") and label not in model.columns:
            name = label[: -len(" is null")]
            rate = model.column(name).null_rate
            table = getattr(model.column(segment[0]), "discrete", None) if segment and name in null_groups else None
            if segment and table is not None:  # (fitted per segment group: the rate of the typical row's group)
                rate = null_groups[name][segment[1][_mode_interval(np.asarray(table.probs))[0]]]
            # (a group always missing leaves its flag free: no typical value there)
            low[j], high[j] = -math.inf, float(special.ndtri(0.75 * (1.0 - rate))) if rate < 1.0 else math.inf
            continue
        col = model.column(label)
        base = col.base if isinstance(col, ConditionalColumn) else col
        if isinstance(base, (CategoryColumn, BooleanColumn)) and base.discrete is not None:
            _, below, above = _mode_interval(np.asarray(base.discrete.probs, dtype=np.float64))
            low[j] = high[j] = float(special.ndtri((below + above) / 2.0))
    chol = space.cholesky
    inv = linalg.solve_triangular(chol, np.eye(space.dims), lower=True)
    free = np.flatnonzero(low < high)
    x = np.where(low < high, 0.0, low)
    if len(free):
        fixed = np.flatnonzero(low == high)
        fit = optimize.lsq_linear(
            inv[:, free], -inv[:, fixed] @ x[fixed], bounds=(low[free], high[free]), method="bvls"
        )
        x[free] = np.clip(fit.x, low[free], high[free])
    scores = np.zeros(space.dims)
    for j in range(space.dims):  # forward substitution: L scores = x
        scores[j] = (x[j] - chol[j, :j] @ scores[:j]) / chol[j, j]
    return scores


def _id_aux(model: Any) -> tuple[int, ...]:
    """The auxiliary uniform of each UUID id column that carries a row's position in its frame."""
    from ._columns import IdColumn

    out, a = [], 0
    for col in model._generated:
        if isinstance(col, IdColumn) and col.style == "uuid":
            out.append(a + 1)
        a += col.aux
    return tuple(out)


def _check_model(model: Any) -> Any:
    """Return ``model`` if the strategies can draw it; Hypothesis' InvalidArgument for what is not a model."""
    import os
    import reprlib

    import pandas as pd

    from ._dataset import Dataset
    from ._latent import latent_model

    if isinstance(model, (str, os.PathLike)):
        path = os.fspath(model)
        raise _invalid(
            f"model={path!r} is a path ({type(model).__name__}), not a model; load the model file first: "
            f"rows(sd.load({path!r})), frames(sd.load({path!r}))."
        )
    if isinstance(model, (pd.DataFrame, pd.Series)):
        shape = (
            f"{len(model)} rows, {len(model.columns)} columns"
            if isinstance(model, pd.DataFrame)
            else f"{len(model)} rows"
        )
        df = "df" if isinstance(model, pd.DataFrame) else "series.to_frame()"
        raise _invalid(
            f"model=<a {type(model).__name__} of {shape}> is data, not a model; fit it first: model = sd.fit({df}, "
            "name='...'), then rows(model) or frames(model) (model.save('<name>.synth.json') keeps the fitted model "
            "for later runs)."
        )
    if isinstance(model, Dataset):
        raise _invalid(
            f"model=Dataset({model.name!r}) holds the linked tables {model.order}; the strategies draw the rows of one "
            f"table: pass dataset.model({model.order[0]!r})."
        )
    if not callable(getattr(model, "sample", None)):
        raise _invalid(
            f"model={reprlib.repr(model)} ({type(model).__name__}) is not a model; pass a Schema, a model from "
            "sd.fit(df, name=...) or one from sd.load('<name>.synth.json')."
        )
    return latent_model(model, "Hypothesis strategies")


def _check_edge_cases(edge_cases: Any, where: str = "strategies") -> float:
    from ._validate import check_share

    try:
        return check_share(edge_cases, argument="edge_cases", where=where)
    except errors.InvalidArgument as exc:
        raise _invalid(str(exc)) from None


def _plan(model: Any, conditions: Any, edge_cases: Any, where: str) -> _Plan:
    """Validate the arguments and return the plan (Hypothesis' InvalidArgument for impossible ones)."""
    from ._conditions import parse

    model = _check_model(model)
    rate = _check_edge_cases(edge_cases, where)
    conds: tuple[Any, ...] = ()
    if conditions is not None:
        if not isinstance(conditions, Mapping):
            raise _invalid(
                f"conditions={conditions!r} ({type(conditions).__name__}): pass a dict of column -> condition, as "
                "in model.sample(conditions=...); per-row conditions (a DataFrame) need a fixed number of rows."
            )
        try:
            conds = tuple(parse(column, spec) for column, spec in conditions.items())
        except errors.SynthdataError as exc:
            raise _invalid(str(exc)) from exc
        _check_order_sides(model, conditions)
    space = model.latent_space
    grid = _Grid.around(_typical_scores(model))
    edges = None
    if rate > 0:
        from ._edges import KINDS, edge_slots, possible_slots

        taken = {c.column for c in conds}
        slots = tuple(edge_slots(model, list(KINDS), [c for c in model.columns if c not in taken], False))
        try:  # (only the variants possible under the conditions; a condition impossible by itself fails below)
            slots = tuple(possible_slots(model, slots, [conds]))
        except errors.SynthdataError as exc:
            raise _invalid(f"{type(exc).__name__}: {exc}") from exc
        if slots:
            per_kind: dict[str, int] = {}
            for slot in slots:
                per_kind[slot.kind] = per_kind.get(slot.kind, 0) + 1
            cum = np.cumsum([1.0 / (len(per_kind) * per_kind[s.kind]) for s in slots])
            cum[-1] = math.inf
            coord, side, width = _inner_ends(space, slots, space.cholesky @ grid.typical)
            edges = _Edges(slots, cum, min(255, round(256 * (1.0 - rate))), coord, side, width)
    plan = _Plan(model, space.dims, space.aux, grid, conds, edges, _id_aux(model), records_edges=rate > 0)
    try:  # the most typical row, and an edge row of every variant of every slot: impossible conditions fail here
        sizes = [len(slot.variants) for slot in edges.slots] if edges is not None else []
        slot_of = np.repeat(np.arange(len(sizes), dtype=np.int64), sizes)
        variant_of = np.concatenate([np.arange(k, dtype=np.int64) for k in sizes]) if sizes else slot_of
        n = 1 + len(slot_of)
        plan.rows(np.zeros((n, space.dims)), np.zeros((n, space.aux)), np.arange(1, n), slot_of, variant_of)
    except errors.SynthdataError as exc:
        raise _invalid(f"{type(exc).__name__}: {exc}") from exc
    return plan


def _inner_ends(
    space: Any, slots: tuple[_Slot, ...], typical: NDArray[np.float64]
) -> tuple[NDArray[np.int64], NDArray[np.int64], int]:
    """Per slot and variant, the coordinate an edge keeps away from the ``typical`` point and the end of its region
    nearest that point (see :class:`_Edges`)."""
    width = max(len(slot.variants) for slot in slots)
    coord = np.zeros(len(slots) * width, dtype=np.int64)
    side = np.zeros(len(slots) * width, dtype=np.int64)
    for i, slot in enumerate(slots):
        for k, variant in enumerate(slot.variants):
            cond, at = variant.condition, i * width + k
            if cond is None:
                continue
            if cond.kind == "latent" and cond.column in space.labels:  # (a tail, the outer part at a bound)
                coord[at] = j = space.labels.index(cond.column)
                side[at] = -1 if cond.high <= typical[j] else 1 if cond.low >= typical[j] else 0
            elif cond.kind == "null" and f"{cond.column} is null" in space.labels:  # (missing above the flag's cut)
                coord[at], side[at] = space.labels.index(f"{cond.column} is null"), 1
    return coord, side, width


def _check_order_sides(model: Any, conditions: Mapping[str, Any]) -> None:
    """Refuse conditions on both columns of an order constraint: ``sample`` keeps the rows that meet the upper
    one and redraws the others, which a strategy cannot do row by row (Hypothesis shrinks what it draws)."""
    from ._conditions import below_conditioned

    under = below_conditioned(model, conditions)
    both = [c for c in conditions if c in under]
    if both:
        above = next(c for c in conditions if c != both[0] and both[0] in below_conditioned(model, {c: conditions[c]}))
        raise _invalid(
            f"conditions on {both[0]!r} and {above!r}: both columns of an order constraint between them are "
            f"conditioned; Model.sample meets such conditions by redrawing rows, which a strategy cannot do. "
            f"Condition one of them and filter on the other, e.g. "
            f"rows(model, conditions={{{both[0]!r}: ...}}).filter(lambda row: <{above!r} in its range>)."
        )


@dataclass(frozen=True)
class _Room:
    """The most rows a frame of the model can hold (a ``Unique`` rule, a ``unique=True`` Faker pool) and why."""

    rows: int
    why: Callable[[int], str]


def _room(model: Any) -> _Room | None:
    """The tightest limit on a frame's rows, as ``sample()`` would refuse more (None: no limit)."""
    from ._columns import FakerColumn
    from ._constraints import Unique

    rooms = []
    for c in model._row_constraints:
        k = model._distinct_values(c.column) if isinstance(c, Unique) else math.inf
        if math.isfinite(k):
            rooms.append(_Room(int(k), functools.partial(_too_few_values, c, int(k))))
    for col in model._generated:
        if isinstance(col, FakerColumn) and col.unique:  # (a pool that runs out: e-mails go on past theirs)
            have = len(col._pool())
            try:
                col.check_rows(have + 1)
            except errors.PoolExhausted:
                rooms.append(_Room(have, functools.partial(_exhausted, col)))
    return min(rooms, key=lambda room: room.rows) if rooms else None


def _too_few_values(rule: Any, most: int, n: int) -> str:
    return f"{rule!r} cannot hold in {n:,} rows: column {rule.column!r} takes at most {most:,} distinct values"


def _exhausted(col: Any, n: int) -> str:
    try:
        col.check_rows(n)
    except errors.PoolExhausted as exc:
        return str(exc).rstrip(".")
    return f"column {col.name!r}: unique=True has {n} distinct values"  # pragma: no cover - n is beyond the pool


def _check_sizes(min_size: Any, max_size: Any, row_bytes: int, room: _Room | None = None) -> tuple[int, int]:
    from ._validate import check_rows

    try:
        low = check_rows(min_size, argument="min_size", where="frames")
        high = check_rows(max_size, argument="max_size", where="frames") if max_size is not None else None
    except errors.InvalidArgument as exc:
        raise _invalid(str(exc)) from None
    if room is not None:  # (sample() refuses more rows than a unique column has values, saying why)
        for argument, size in (("min_size", low), ("max_size", high)):
            if size is not None and size > room.rows:
                raise _invalid(
                    f"{argument}={size!r}: {room.why(size)}, so no frame of {size:,} rows could be drawn; pass "
                    f"{argument} <= {room.rows:,}."
                )
    if high is None:
        high = max(low, 1, min(DEFAULT_MAX_SIZE, BUDGET // (row_bytes + _ROW_OVERHEAD)))
        if room is not None:
            high = max(low, min(high, room.rows))
    if high < low:
        raise _invalid(f"min_size={min_size!r} is larger than max_size={max_size!r}; pass min_size <= max_size.")
    if low * (row_bytes + _ROW_OVERHEAD) * 2 > _HYPOTHESIS_BUFFER:
        most = _HYPOTHESIS_BUFFER // (2 * (row_bytes + _ROW_OVERHEAD))
        raise _invalid(
            f"min_size={min_size!r}: the smallest frame would take {low} rows x {row_bytes + _ROW_OVERHEAD} bytes of "
            f"Hypothesis choices, more than half its {_HYPOTHESIS_BUFFER}-byte budget per example (its "
            f"large_base_example health check); pass min_size <= {most} for this model."
        )
    if max_size is not None and high * (row_bytes + _ROW_OVERHEAD) > _HYPOTHESIS_BUFFER:
        most = _HYPOTHESIS_BUFFER // (row_bytes + _ROW_OVERHEAD)
        raise _invalid(
            f"max_size={max_size!r}: a frame of {high} rows x {row_bytes + _ROW_OVERHEAD} bytes of Hypothesis choices "
            f"would not fit its {_HYPOTHESIS_BUFFER}-byte budget per example, so larger frames could never be drawn; "
            f"pass max_size <= {most} for this model (or leave it out: the default fits), or model fewer columns."
        )
    return low, high


def row_bytes(model: Any, *, edge_cases: float = DEFAULT_EDGE_CASES) -> int:
    """Return the bytes of Hypothesis choices one drawn row of ``model`` uses (of 8 KiB per example).

    >>> import pytest_synthdata as sd
    >>> people = sd.Schema("people", {"age": sd.Integer(low=18, high=90), "name": sd.Faker("name")})
    >>> row_bytes(people), row_bytes(people, edge_cases=0)
    (9, 5)
    """
    space = _check_model(model).latent_space
    edge = _EDGE_BYTES if _check_edge_cases(edge_cases) > 0 else 0
    return edge + _COORD_BYTES * space.dims + _AUX_BYTES * space.aux


def _draw_frame(draw: Any, plan: _Plan, min_size: int, max_size: int) -> pd.DataFrame:
    from hypothesis import reject
    from hypothesis import strategies as st

    one = st.binary(min_size=plan.row_bytes, max_size=plan.row_bytes)
    # the size as hypothesis.extra.pandas.range_indexes draws it (shrinking toward min_size), then one choice a row
    n = draw(st.integers(min_size, max_size)) if max_size > min_size else min_size
    blobs = [draw(one) for _ in range(n)]
    frame = plan.frame(blobs)
    if not plan.model._row_constraints or not len(frame):
        return frame
    for _ in range(_REDRAWS):  # rows that break a row constraint take fresh choices (as sample() redraws them)
        failing = np.flatnonzero(plan.model._failing(frame))
        if not len(failing):
            return frame
        for i in failing.tolist():
            blobs[i] = draw(one)
        frame = plan.frame(blobs)
    if plan.model._failing(frame).any():
        reject()
    return frame


def _repr_width_bounds(frame: pd.DataFrame) -> tuple[int, int]:
    """The least and most characters a line of ``frame``'s repr takes with every column shown (a column is as wide
    as its name or its widest value, plus one space)."""
    import pandas as pd

    colwidth = pd.get_option("display.max_colwidth") or 10**6
    index = int(frame.index.astype(str).str.len().max())
    low = high = index
    for name, values in frame.items():
        head = len(str(name)) + (values.dtype.kind in "biufc")  # (pandas puts a space before a number's name)
        low += 1 + max(head, 1)
        high += 1 + max(head, _cell_width(values, colwidth))
    return low, high


def _cell_width(values: pd.Series, colwidth: int) -> int:
    """The most characters pandas' repr gives a value of ``values`` (a sign and a leading space included)."""
    kind, present = values.dtype.kind, values.dropna()
    if kind == "b":
        return 6
    if kind in "iuf":  # (a float: the integer digits, a point and six decimals, or scientific notation)
        digits = len(str(int(abs(present).max()))) if len(present) else 1
        return max(5, digits + 2) if kind in "iu" else max(15, digits + 9)
    if kind in "Mm":
        return 36
    if kind == "O":  # (text, categories, objects: as str, cut to display.max_colwidth)
        return max(4, min(int(present.astype(str).str.len().max()) if len(present) else 0, colwidth)) + 2
    return 10**6  # (another type: no bound, so the repr is formatted)


class _EveryColumn:
    """A drawn frame for Hypothesis' ``note``: its repr shows every column (pandas hides some of a wide frame).

    ``note`` formats it only when Hypothesis reports the failing example (at draw time, before the test runs),
    so drawing costs nothing, and a test that changes the frame does not change what is printed.
    """

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame

    @staticmethod
    def hidden(frame: pd.DataFrame) -> bool:
        """Whether pandas' repr of ``frame`` hides columns, by pandas' own rule.

        More columns than ``display.max_columns``; or, when that is 0 (pandas' default in scripts and pytest:
        "fit the terminal"), more columns than the terminal is wide, or, with ``display.expand_frame_repr``, a
        repr one character wider than the terminal with more than two columns (pandas keeps two). The repr's
        width is bounded from the column names and the values' types first; the repr is formatted only when the
        bounds straddle the terminal's width (formatting costs more than drawing the frame).
        """
        import shutil

        import pandas as pd

        limit, ncols = pd.get_option("display.max_columns"), frame.shape[1]
        if limit is None:
            return False
        if limit > 0:
            return bool(ncols > limit)
        width = shutil.get_terminal_size().columns  # (what pandas measures the terminal with)
        if ncols > width:
            return True
        if ncols <= 2 or frame.empty or not pd.get_option("display.expand_frame_repr"):
            return False
        low, high = _repr_width_bounds(frame)
        if high + 1 <= width or low + 1 > width:
            return bool(low + 1 > width)
        try:  # (borderline: pandas' own formatter, as DataFrame.__repr__ runs it, says whether it cut columns)
            from pandas.io.formats import format as fmt
            from pandas.io.formats.string import StringFormatter

            params = fmt.get_dataframe_repr_params()  # type: ignore[attr-defined]
            line_width = params.pop("line_width")
            with pd.option_context("display.max_colwidth", params.pop("max_colwidth")):
                formatter = fmt.DataFrameFormatter(frame, **params)  # type: ignore[attr-defined]
                StringFormatter(formatter, line_width=line_width).to_string()
            return bool(formatter.is_truncated_horizontally)
        except (ImportError, AttributeError, TypeError):  # pragma: no cover - pandas' internals moved: by width
            text = frame.to_string(
                max_rows=pd.get_option("display.max_rows"),
                min_rows=pd.get_option("display.min_rows"),
                max_colwidth=pd.get_option("display.max_colwidth"),
            )
            return max(map(len, text.split("\n"))) + 1 > width

    def __repr__(self) -> str:
        import pandas as pd

        with pd.option_context("display.max_columns", None, "display.width", None, "display.expand_frame_repr", False):
            return f"frames(): every column of the frame (pandas' repr hides some):\n{self.frame!r}"


def frames(
    model: Any,
    *,
    min_size: int = 0,
    max_size: int | None = None,
    conditions: Mapping[str, Any] | None = None,
    edge_cases: float = DEFAULT_EDGE_CASES,
) -> SearchStrategy[pd.DataFrame]:
    """Return a Hypothesis strategy for DataFrames of ``model``'s rows (its columns and dtypes).

    Between ``min_size`` and ``max_size`` rows (default: up to
    :data:`DEFAULT_MAX_SIZE`, fewer for models so wide that 50 rows would not
    fit Hypothesis' per-example budget, see :func:`row_bytes`; an explicit
    ``max_size`` beyond that budget raises InvalidArgument), the number
    drawn as one integer choice. Rows are drawn
    from the model (correlations included), under ``conditions`` as in
    ``model.sample`` (a dict); ``edge_cases`` (default
    :data:`DEFAULT_EDGE_CASES`) is the chance that a row is an edge case (a
    tail, bound, rare category, null or extreme text, the rest of the row
    given it). A failing example shrinks toward fewer rows, each the model's
    most typical row except where the failure needs otherwise. When pandas'
    repr would hide columns of the failing frame, Hypothesis' report also
    notes the frame with every column.

    >>> import pytest_synthdata as sd
    >>> people = sd.Schema("people", {"age": sd.Integer(low=18, high=90)})
    >>> frames(people, max_size=5)
    frames(Schema('people', columns=['age']), max_size=5)
    """
    from hypothesis import strategies as st

    plan = _plan(model, conditions, edge_cases, "frames")
    low, high = _check_sizes(min_size, max_size, plan.row_bytes, _room(plan.model))

    @st.composite
    def frames(  # (named and signed like the public function: Hypothesis shows the call in its reports)
        draw: st.DrawFn,
        model: Any,
        *,
        min_size: int = 0,
        max_size: int | None = None,
        conditions: Mapping[str, Any] | None = None,
        edge_cases: float = DEFAULT_EDGE_CASES,
    ) -> pd.DataFrame:
        from hypothesis import note

        frame = _draw_frame(draw, plan, low, high)
        if _EveryColumn.hidden(frame):
            note(_EveryColumn(frame))
        return frame

    return frames(model, min_size=min_size, max_size=max_size, conditions=conditions, edge_cases=edge_cases)


def rows(
    model: Any,
    *,
    conditions: Mapping[str, Any] | None = None,
    edge_cases: float = DEFAULT_EDGE_CASES,
) -> SearchStrategy[dict[str, Any]]:
    """Return a Hypothesis strategy for single rows of ``model`` as dicts (column -> value).

    Arguments as in :func:`frames`; a value is what a one-row frame of the
    model holds (a numpy or pandas scalar; ``NaN``, ``NaT`` or ``pd.NA`` when
    missing).

    >>> import pytest_synthdata as sd
    >>> from hypothesis import given
    >>> people = sd.Schema("people", {"age": sd.Integer(low=18, high=90)})
    >>> @given(rows(people))
    ... def test_adults(row):
    ...     assert 18 <= row["age"] <= 90
    >>> test_adults()
    """
    from hypothesis import strategies as st

    plan = _plan(model, conditions, edge_cases, "rows")

    @st.composite
    def rows(
        draw: st.DrawFn,
        model: Any,
        *,
        conditions: Mapping[str, Any] | None = None,
        edge_cases: float = DEFAULT_EDGE_CASES,
    ) -> dict[str, Any]:
        frame = _draw_frame(draw, plan, 1, 1)
        return {c: frame[c].iloc[0] for c in frame.columns}

    return rows(model, conditions=conditions, edge_cases=edge_cases)
