"""Hypothesis strategies over a model: realistic, correlated rows that shrink to the most typical row.

:func:`rows` gives dict rows and :func:`frames` DataFrames with the model's
dtypes. Every random choice comes from Hypothesis, so examples replay from its
example database and shrink; a row is a pure function of its choices
(``_latent.SuppliedRows``), drawn through the model's one sample path, so
conditions and edge cases mean what they mean in ``Model.sample``.

How a row is drawn (``docs/explanation/math.md`` §15). Each row is one fixed-size
``st.binary`` choice (Hypothesis draws its bytes uniformly and shrinks each
byte toward 0):

* two bytes per latent coordinate: a 16-bit number ``v``; ``m = v >> 1`` and
  the low bit give an offset ``o = ±m / 65536`` in (-1/2, 1/2), and the
  coordinate's independent score is ``ndtri(frac(c + o))`` for its *centre*
  quantile ``c``. A rotation of the uniform preserves it, so undirected rows
  follow the model exactly (on a grid of 2**-16); all bytes 0 give the centre.
  The centres are ``Phi`` of ``L^-1 t`` for the typical point ``t`` of the
  correlated coordinates (0 for numbers, the middle of the most frequent
  category's interval, the middle of the non-null region of a null flag), so
  the shrunk row is the most typical row: numbers at their median, categories
  at their mode, non-null. A column fitted per segment group (fitted models)
  has its group's marginal, so its number sits at its median *given* the
  row's category (the conditional median, e.g. the modal species' bill
  length), and a category fitted per group reads the overall mode's point
  through its group's table (the overall mode where the group has it);
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
"""

from __future__ import annotations

import math
from collections.abc import Mapping
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
#: Quantiles stay this far inside (0, 1) (a rotation may land on 0).
_Q_FLOOR = 2.0**-18
#: A UUID id's second uniform gets ``(row * _ID_SPREAD mod 2**24) * 2**-48``: bits 5 - 28 of its 53, which the
#: drawn 24 bits (the top ones) leave at 0 and which become bytes 9 - 11 of the UUID (``_columns._uuid_bytes``).
_ID_SPREAD, _ID_BITS, _ID_SCALE = 0x9E3779, 2**24, 2.0**-48


def _invalid(message: str) -> Exception:
    from hypothesis.errors import InvalidArgument

    return InvalidArgument(message)


@dataclass(frozen=True)
class _Edges:
    """The edge slots rows may take, their cumulative weights (kinds evenly, then columns) and the cut byte."""

    slots: tuple[_Slot, ...]
    cum: NDArray[np.float64]
    cut: int


@dataclass
class _Plan:
    """What a strategy draws per row and how it turns the drawn bytes into rows of ``model``."""

    model: Any
    dims: int
    aux: int
    centres: NDArray[np.float64]
    conditions: tuple[Any, ...]
    edges: _Edges | None
    #: The auxiliary uniform of each UUID id column that carries the row's position (see the module docstring).
    id_aux: tuple[int, ...] = ()

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
        offset = np.where(v & 1, -1.0, 1.0) * (v >> 1) / 65536.0  # (a rotation of the uniform: see the docstring)
        q = np.mod(self.centres + offset, 1.0)
        z = special.ndtri(np.clip(q, _Q_FLOOR, 1.0 - _Q_FLOOR))
        a = raw[:, e + _COORD_BYTES * self.dims :]
        u = (a[:, 0::3] * 65536 + a[:, 1::3] * 256 + a[:, 2::3]) / 16777216.0
        if self.id_aux:
            u[:, list(self.id_aux)] += ((np.arange(n, dtype=np.int64) * _ID_SPREAD) % _ID_BITS * _ID_SCALE)[:, None]
        if self.edges is None:
            return self.rows(z, u)
        hit = np.flatnonzero(raw[:, 0] >= self.edges.cut).astype(np.int64)
        pick = (raw[hit, 1] * 256 + raw[hit, 2] + 0.5) / 65536.0
        slot_of = np.searchsorted(self.edges.cum, pick, side="right").astype(np.int64)
        sizes = np.array([len(s.variants) for s in self.edges.slots], dtype=np.int64)
        return self.rows(z, u, hit, slot_of, raw[hit, 3] % sizes[slot_of])

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
        return frame


def _centres(model: Any) -> NDArray[np.float64]:
    """The quantiles of each coordinate's independent score that make the model's most typical row."""
    from scipy import special

    from ._columns import BooleanColumn, CategoryColumn, ConditionalColumn

    space = model.latent_space
    target = np.zeros(space.dims)
    for j, label in enumerate(space.labels):
        if label.endswith(" is null") and label not in model.columns:
            rate = model.column(label[: -len(" is null")]).null_rate
            if rate >= 0.5:  # (null above ndtri(1 - rate): the middle of the non-null region)
                target[j] = float(special.ndtri((1.0 - rate) / 2.0))
            continue
        col = model.column(label)
        base = col.base if isinstance(col, ConditionalColumn) else col
        if isinstance(base, (CategoryColumn, BooleanColumn)) and base.discrete is not None:
            probs = np.asarray(base.discrete.probs, dtype=np.float64)
            k = int(np.argmax(probs))
            below = float(probs[:k].sum())
            target[j] = float(special.ndtri(below + probs[k] / 2.0))
    chol = space.cholesky
    scores = np.zeros(space.dims)
    for j in range(space.dims):  # forward substitution: L scores = target
        scores[j] = (target[j] - chol[j, :j] @ scores[:j]) / chol[j, j]
    return np.asarray(special.ndtr(scores), dtype=np.float64)


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
    from ._latent import latent_model

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
            edges = _Edges(slots, cum, min(255, round(256 * (1.0 - rate))))
    plan = _Plan(model, space.dims, space.aux, _centres(model), conds, edges, _id_aux(model))
    try:  # the most typical row, and an edge row of every variant of every slot: impossible conditions fail here
        sizes = [len(slot.variants) for slot in edges.slots] if edges is not None else []
        slot_of = np.repeat(np.arange(len(sizes), dtype=np.int64), sizes)
        variant_of = np.concatenate([np.arange(k, dtype=np.int64) for k in sizes]) if sizes else slot_of
        n = 1 + len(slot_of)
        plan.rows(np.zeros((n, space.dims)), np.zeros((n, space.aux)), np.arange(1, n), slot_of, variant_of)
    except errors.SynthdataError as exc:
        raise _invalid(f"{type(exc).__name__}: {exc}") from exc
    return plan


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


def _check_sizes(min_size: Any, max_size: Any, row_bytes: int) -> tuple[int, int]:
    from ._validate import check_rows

    try:
        low = check_rows(min_size, argument="min_size", where="frames")
        high = check_rows(max_size, argument="max_size", where="frames") if max_size is not None else None
    except errors.InvalidArgument as exc:
        raise _invalid(str(exc)) from None
    if high is None:
        high = max(low, 1, min(DEFAULT_MAX_SIZE, BUDGET // (row_bytes + _ROW_OVERHEAD)))
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


class _EveryColumn:
    """A drawn frame for Hypothesis' ``note``: its repr shows every column (pandas hides some of a wide frame).

    ``note`` formats it only when Hypothesis reports the failing example (at draw time, before the test runs),
    so drawing costs nothing, and a test that changes the frame does not change what is printed.
    """

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame

    @staticmethod
    def hidden(frame: pd.DataFrame) -> bool:
        """Whether pandas' repr may hide columns of ``frame`` (more than ``display.max_columns``; 0: the terminal's)."""
        import pandas as pd

        limit = pd.get_option("display.max_columns")
        return limit is not None and (limit == 0 or frame.shape[1] > limit)

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
    low, high = _check_sizes(min_size, max_size, plan.row_bytes)

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
