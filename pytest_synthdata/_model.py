"""Model: the one engine behind every dataset (marginals + Gaussian copula).

Sampling is a staged path (:meth:`Model.sample_from`):

1. a latent source (``_latent``) supplies each row's inputs: independent
   normal scores (spread evenly over each coordinate by default, see
   ``_qmc``; i.i.d. with ``independent=True``; or given from outside) and
   auxiliary uniforms;
2. correlate: the scores times the Cholesky factor of the latent correlation;
3. columns from latent: each modelled column maps its coordinate through its
   inverse marginal; derived columns are looked up;
4. nulls: every null flag is a coordinate too, set at its high end;
5. generated columns (Faker, Id) read the rows' uniforms, row indices and the
   sample's key;
6. constraints: order constraints redraw violating values from their marginal
   conditioned above the threshold (vectorised, no rows dropped); then each
   product and sum fit found is computed from its parts (a part redrawn where
   a sum would leave its range);
7. frame: each column is finalised and cast to its dtype;
8. computed columns (``sd.Derived``) run on the frame, in declared order.

No stage draws a random number of its own, so a row is a pure function of
its inputs, and whatever controls the source controls the rows.
"""

from __future__ import annotations

import functools
import math
import os
import pathlib
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import special

from . import _artifact, _linalg
from ._backends.sdv import load_pickle
from ._columns import (
    ComputedColumn,
    ConditionalColumn,
    DatetimeColumn,
    DerivedColumn,
    FakerColumn,
    FollowerColumn,
    IdColumn,
    NumericColumn,
    ProductColumn,
    RowLatent,
    SumColumn,
    _integer_dtype,
)
from ._constraints import MAX_REDRAWS, LessThan, Predicate, Unique, order_by_dependency, propagate_order_ends
from ._frame import frame_from_columns, objects_stay_objects
from ._latent import IndependentRows, LatentSource, LatentSpace, SpreadRows
from ._qmc import MAX_POINTS
from ._seeding import BLOCK_ROWS
from ._validate import check_memory, check_row_range, check_rows, may_exceed_memory  # backends import check_rows here
from .errors import (
    ConditionError,
    InvalidArgument,
    InvalidConstraint,
    ModelFileError,
    SynthdataError,
    UnsupportedFeature,
)

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from ._columns import ModelColumn
    from ._conditions import GapConditions
    from ._edges import RowPlan

__all__ = ["Model", "load", "loads"]

#: Rounds of redraws that conditions on gap columns get beside row constraints or edge rows (each draws only the
#: span of the rows still failing).
GAP_REDRAWS = 1_000
#: ... and they fail early when none of this many rows drawn for them met them.
GAP_TRIES = 20_000
#: Without those, each row still failing tries this many candidates at most (1, 2, 4, ... a round, see
#: ``Model._keep_conditioned``: 12 rounds) ...
GAP_MAX_TRIES = 2**12 - 1
#: ... and the sample fails when its rows have drawn this many candidates in all.
GAP_MAX_ROWS = 2 * 10**7
#: Candidate rows drawn at once (a round's rows are drawn in parts of this size).
_CANDIDATE_ROWS = 2**17

#: Rows sampled when a file is loaded, to catch edits that break sampling.
_SMOKE_ROWS = 64

_CHUNK_ROWS = 16 * BLOCK_ROWS
assert BLOCK_ROWS <= MAX_POINTS  # one spread block per latent block


_PANDAS_MAJOR = int(pd.__version__.split(".")[0])


#: numpy's object dtype: pandas parses a dtype given by name on every call (tens of microseconds a column)
_OBJECT = np.dtype(object)

#: Casts that are plain numpy dtypes, which a category column of numbers can give straight from its categories.
_NUMERIC_CASTS = frozenset(
    {"int64", "int32", "int16", "int8", "uint64", "uint32", "uint16", "uint8", "float64", "bool"}
)


@functools.lru_cache(maxsize=64)
def _pandas_dtype(name: str) -> Any:
    """pandas' dtype for ``name`` (as ``pandas_dtype``), parsed once per name."""
    return pd.api.types.pandas_dtype(name)


def _codes(col: ModelColumn) -> int:
    """The number of latent codes of a category (or boolean) column."""
    base = getattr(col, "base", col)  # a conditional column codes like its base
    return len(getattr(base, "categories", (False, True)))


def _final_dtype(col: ModelColumn) -> str:
    """The dtype a sampled column ends up with, after its cast."""
    if col.cast is None:
        return col.dtype
    if col.cast == "str" and _PANDAS_MAJOR < 3:
        return "object"
    return str(pd.api.types.pandas_dtype(col.cast))


def _cast(values: Any, cast: str | None, index: pd.RangeIndex | None = None) -> Any:
    """Convert a finished column to the dtype its source had (fitted models), else return it as is.

    ``index`` is the frame's: Series made here share it, so the frame need not check each one's.
    """
    if cast is None:
        return values
    if cast == "str" and _PANDAS_MAJOR < 3:
        cast = "object"  # a file fitted on pandas 3 strings, sampled on pandas 2: objects there
    if cast == "object" and isinstance(values, pd.Categorical):
        # what astype(object) gives (the categories' values, NaN where missing), without the Series round trip
        out = values.categories.to_numpy(dtype=object).take(np.maximum(values.codes, 0))
        out[values.codes < 0] = np.nan
        return pd.Series(out, index=index, dtype=_OBJECT, copy=False)
    series = pd.Series(values, index=None if isinstance(values, pd.Series) else index, copy=False)
    target = _pandas_dtype(cast)
    if isinstance(target, pd.DatetimeTZDtype):
        series = series.dt.tz_localize("UTC").dt.tz_convert(target.tz)
    return series.astype(target)  # a Series keeps an object dtype that a bare array would lose to "str"


def _finish(
    col: ModelColumn,
    raw: NDArray[Any],
    nulls: NDArray[np.bool_] | None,
    index: pd.RangeIndex | None = None,
    bare_objects: bool = False,
) -> Any:
    """Stage 7 for one column: its final array, in its source's dtype (fitted models) or its own (``index``: see _cast).

    ``bare_objects`` (see :func:`._frame.objects_stay_objects`) returns object columns as numpy arrays: the frame keeps
    them as objects, and skips a Series per column.
    """
    if col.cast == "object" or (col.cast == "str" and _PANDAS_MAJOR < 3):
        objects = getattr(getattr(col, "base", col), "finalize_objects", None)
        if objects is not None:  # categories straight to objects, no Categorical
            values = objects(raw, nulls)
            return values if bare_objects else pd.Series(values, index=index, dtype=_OBJECT, copy=False)
    elif nulls is None and col.cast in _NUMERIC_CASTS:
        typed = getattr(getattr(col, "base", col), "finalize_typed", None)
        values = None if typed is None else typed(raw, col.cast)
        if values is not None:  # categories of the cast's own dtype: their values, no Categorical and no Series
            return values
    return _cast(col.finalize(raw, nulls), col.cast, index)


def _gap_numbers(col: ModelColumn) -> NumericColumn | None:
    """The number (or date) marginal a column draws from: its own, or a column fitted per group's base."""
    inner = col.base if isinstance(col, ConditionalColumn) else col
    return inner if type(inner) in (NumericColumn, DatetimeColumn) else None  # type: ignore[return-value]


def _gap_decimals(gcol: ModelColumn, source: ModelColumn) -> int | None:
    """The decimals of a gap column's values: the most of its own levels' and the column below's, or None when
    either has none (whole numbers: 0)."""
    found = []
    for col in (gcol, source):
        for level in getattr(col, "levels", [col.base if isinstance(col, ConditionalColumn) else col]):
            if getattr(level, "integer", False):
                found.append(0)
            elif getattr(level, "decimals", None) is None:
                return None
            else:
                found.append(int(level.decimals))
    return max(found)


class Model:
    """A dataset generator: per-column marginals joined by a Gaussian copula.

    Schemas and fitted models are both Models; everything that samples,
    registers fixtures or builds strategies works on this class.
    """

    #: The fidelity profile of the data a model was fitted on (``_fidelity/profile.py``), stored in its file;
    #: None for declared schemas, differentially private fits and files written before profiles.
    profile: Any = None

    def __init__(
        self,
        name: str,
        columns: Sequence[ModelColumn],
        *,
        latent_correlation: NDArray[np.float64] | None = None,
        order_constraints: Sequence[tuple[str, str, bool]] = (),
        row_constraints: Sequence[Unique | Predicate] = (),
        latent_nulls: Sequence[str] = (),
        null_groups: Mapping[str, Sequence[float]] | None = None,
        segment: tuple[str, Sequence[int]] | None = None,
        info: dict[str, Any] | None = None,
        null_follows: Mapping[str, str] | None = None,
    ) -> None:
        self.name = name
        self._columns = list(columns)
        self._by_name = {c.name: c for c in self._columns}
        self._modelled = [c for c in self._columns if c.modelled]
        self._computed = [c for c in self._columns if getattr(c, "computed", False)]
        #: Columns that read another modelled column's coordinate (a monotone function of it in the data).
        self._followers = [c for c in self._columns if isinstance(c, FollowerColumn)]
        #: Columns that are the sum or product of others (fitted models: an identity of every real row), computed
        #: after the constraints; products first (a sum may add one up).
        self._sums: list[SumColumn] = [c for c in self._columns if isinstance(c, ProductColumn)]
        self._sums += [c for c in self._columns if isinstance(c, SumColumn) and not isinstance(c, ProductColumn)]
        self._generated = [
            c
            for c in self._columns
            if not c.modelled
            and not hasattr(c, "derive")
            and c not in self._computed
            and c not in self._followers
            and c not in self._sums
        ]
        self._derived = [c for c in self._columns if hasattr(c, "derive")]
        #: Columns modelled by their gap above another (fitted models: ``checkout`` after ``checkin``), added to that
        #: column's values after the constraints.
        self._gaps = [c for c in self._columns if c.after is not None]
        self._below_gaps = {c.after for c in self._gaps}
        #: Columns whose null flag is a coordinate of the copula (fitted models: missingness
        #: correlated with the other columns) rather than an independent draw.
        self.latent_nulls = list(latent_nulls)
        for col in self.latent_nulls:
            if not 0.0 < self.column(col).null_rate < 1.0:
                raise InvalidArgument(f"latent_nulls names {col!r}, whose null_rate is not between 0 and 1.")
        #: Columns missing exactly where another column with a latent null flag is (fitted models:
        #: columns that came from one source, such as a left join, stay missing together).
        self.null_follows = {str(c): str(leader) for c, leader in (null_follows or {}).items()}
        for col, leader in self.null_follows.items():
            if leader not in self.latent_nulls or col in self.latent_nulls or col == leader:
                raise InvalidArgument(
                    f"null_follows[{col!r}] names {leader!r}, which is not a latent null flag of another column."
                )
            own, theirs = self.column(col).null_rate, self.column(leader).null_rate
            if not math.isclose(own, theirs, rel_tol=1e-9, abs_tol=1e-12):
                raise InvalidArgument(
                    f"column {col!r} is missing where {leader!r} is (null_follows), so its null_rate must equal "
                    f"{leader!r}'s: {own} != {theirs}."
                )
        #: Per segment group null rates of latent null flags (fitted models with a segment column).
        self.null_groups = {c: [float(r) for r in rates] for c, rates in (null_groups or {}).items()}
        self.segment = None if segment is None else (segment[0], [int(g) for g in segment[1]])
        if self.null_groups:
            if self.segment is None or self.segment[0] not in self._by_name:
                raise InvalidArgument("null_groups needs segment=(column, groups) naming a column of the model.")
            n_groups = max(self.segment[1]) + 1
            for col, rates in self.null_groups.items():
                if col not in self.latent_nulls or len(rates) != n_groups or not all(0 <= r <= 1 for r in rates):
                    raise InvalidArgument(
                        f"null_groups[{col!r}] must give a rate in [0, 1] for each of the {n_groups} groups of a "
                        "latent null flag."
                    )
        d = len(self._modelled) + len(self.latent_nulls)
        corr = np.eye(d) if latent_correlation is None else np.asarray(latent_correlation, dtype=np.float64)
        if corr.shape != (d, d):
            raise InvalidArgument(
                f"latent_correlation has shape {corr.shape}; expected ({d}, {d}) for the modelled columns "
                "and null flags."
            )
        self.latent_correlation = corr
        try:
            self._chol: NDArray[np.float64] = _linalg.sampling_factor(corr)
        except np.linalg.LinAlgError:
            raise InvalidArgument(
                f"dataset {name!r}: latent_correlation is not positive definite, so it is not a correlation matrix."
            ) from None
        self._check_gaps()
        self._order_constraints = self._check_order(order_constraints)
        #: The order constraints every sampled row satisfies (declared, or detected by fit), as LessThan.
        self._row_constraints = self._check_rows(row_constraints)
        self.constraints: list[Any] = [LessThan(a, b, strict=strict) for a, b, strict in self._order_constraints]
        self.constraints += self._row_constraints
        modelled_names = {c.name for c in self._modelled}
        for mcol in self._modelled:
            given = getattr(mcol, "given", None)
            if given is not None and (given not in modelled_names or getattr(self._by_name[given], "given", None)):
                raise InvalidArgument(
                    f"column {mcol.name!r} depends on {given!r}, which is not a modelled column of its own."
                )
        for dep in self._columns:  # each code of the given column needs a group / a looked-up value
            given = getattr(dep, "given", None)
            source = self._by_name.get(given) if isinstance(given, str) else None
            table = getattr(dep, "groups", None) if hasattr(dep, "groups") else getattr(dep, "lookup", None)
            if source is not None and table is not None and len(table) != _codes(source):
                raise InvalidArgument(
                    f"column {dep.name!r} has {len(table)} entries for the {_codes(source)} values of {given!r}."
                )
        if self.segment is not None and self.segment[0] in self._by_name:
            if len(self.segment[1]) != _codes(self._by_name[self.segment[0]]):
                raise InvalidArgument(f"segment groups must give one group per value of {self.segment[0]!r}.")
        for dcol in self._derived:
            given = getattr(dcol, "given", None)
            source = self._by_name.get(given) if isinstance(given, str) else None
            if (
                source is None
                or not source.modelled
                or (not hasattr(source, "discrete") and not hasattr(source, "base"))
            ):
                raise InvalidArgument(
                    f"column {dcol.name!r} is derived from {given!r}, which is not a modelled category."
                )
        for fcol in self._followers:
            source = self._by_name.get(fcol.leader)
            if (
                source is None
                or not source.modelled
                or not isinstance(getattr(source, "base", source), NumericColumn)
                or getattr(source, "given", None) != fcol.given
            ):
                raise InvalidArgument(
                    f"column {fcol.name!r} follows {fcol.leader!r}, which is not a modelled number or date column "
                    "of its own fitted in the same groups."
                )
        for scol in self._sums:
            for part in scol.parts:
                source = self._by_name.get(part)
                inner = getattr(source, "base", source)
                inner = getattr(inner, "base", inner)  # (a follower fitted per group: its conditional column's base)
                if source is None or source.hidden:
                    raise InvalidArgument(
                        f"column {scol.name!r} = {scol.formula}, but {part!r} is not a column of the model; its "
                        f"columns are {self.columns}."
                    )
                if (
                    (isinstance(source, SumColumn) and not _adds_up_product(scol, source))
                    or not isinstance(inner, NumericColumn)
                    or isinstance(inner, DatetimeColumn)
                    or source.null_rate > 0
                ):
                    raise InvalidArgument(
                        f"column {scol.name!r} = {scol.formula}, but {part!r} is not a number column of the model "
                        "without missing values (a sum may add up a product, but no other sum or product)."
                    )
                if scol.base.integer and not inner.integer and not isinstance(scol, ProductColumn):
                    raise InvalidArgument(
                        f"column {scol.name!r} = {scol.formula} holds whole numbers, but {part!r} does not: a sum "
                        "of whole numbers needs whole-number parts."
                    )
        #: Each follower with the coordinate of its leader.
        self._follows = [(f, self._modelled.index(self._by_name[f.leader])) for f in self._followers]
        self._processing = sorted(range(len(self._modelled)), key=lambda j: hasattr(self._modelled[j], "given"))
        #: Where the model came from and what fitting left out (``fit`` fills it; saved with the model).
        self.info: dict[str, Any] = dict(info or {})

    # introspection -----------------------------------------------------------
    def replaced(self, **changes: Any) -> Model:
        """A new model with some of the constructor's arguments changed and the others as in this one.

        ``changes`` take the constructor's names (``columns``, ``order_constraints``, ...). The fidelity
        profile a fit stored is kept unless ``columns`` change (it describes this model's columns).

        >>> import pytest_synthdata as sd
        >>> m = sd.Schema("t", {"a": sd.Integer(low=0, high=9), "b": sd.Integer(low=0, high=9)})
        >>> m.replaced(order_constraints=[("a", "b", False)])._order_constraints
        [('a', 'b', False)]
        """
        arguments: dict[str, Any] = {
            "name": self.name,
            "columns": self._columns,
            "latent_correlation": self.latent_correlation,
            "order_constraints": self._order_constraints,
            "row_constraints": self._row_constraints,
            "latent_nulls": self.latent_nulls,
            "null_groups": self.null_groups,
            "segment": self.segment,
            "info": self.info,
            "null_follows": self.null_follows,
        }
        unknown = sorted(set(changes) - set(arguments))
        if unknown:
            raise InvalidArgument(
                f"Model.replaced() takes the constructor's arguments {sorted(arguments)}; got {unknown}."
            )
        arguments.update(changes)
        model = Model(arguments.pop("name"), arguments.pop("columns"), **arguments)
        if "columns" not in changes:
            model.profile = self.profile
        return model

    def _check_gaps(self) -> None:
        """Each gap column lies above a modelled number or date column of the same kind (dates of the same unit,
        whole numbers above whole numbers), without missing values, which is no gap column itself, no follower's
        leader and no part of a sum."""
        leaders = {f.leader for f in self._followers}
        parts = {p for s in self._sums for p in s.parts}
        for gcol in self._gaps:
            source = self._by_name.get(gcol.after) if gcol.after is not None else None
            mine, theirs = _gap_numbers(gcol), None if source is None else _gap_numbers(source)
            problem = None
            if mine is None or not gcol.modelled or gcol.null_rate > 0:
                problem = "but only a number or date column with a coordinate of its own and no missing values can be"
            elif source is None or source.hidden or not source.modelled or theirs is None or source.after is not None:
                problem = "which is not a modelled number or date column of the model (nor a gap column itself)"
            elif source.null_rate > 0 or theirs.offset or mine.offset or any(theirs.inf_rates):
                problem = "which has missing or infinite values, or whole numbers beyond 2**52"
            elif isinstance(mine, DatetimeColumn) != isinstance(theirs, DatetimeColumn) or (
                isinstance(mine, DatetimeColumn) and mine.unit_ns != theirs.unit_ns  # type: ignore[attr-defined]
            ):
                problem = "which is not of its kind (numbers above numbers, dates above dates of the same unit)"
            elif mine.integer and not theirs.integer:
                problem = "which does not hold whole numbers as it does"
            elif gcol.name in leaders or gcol.name in parts:
                problem = "but another column follows it or adds it up, which its gap cannot give"
            elif gcol.after in parts:
                problem = "which is part of a sum, whose redraws would leave the gap behind"
            if problem is not None:
                raise InvalidArgument(f"column {gcol.name!r} is a gap above {gcol.after!r}, {problem}.")

    def _add_gaps(self, raws: dict[str, NDArray[Any]]) -> None:
        """Stage 6b: each gap column's values, its gaps (what its coordinate gave) added to the column below it, and
        rounded to the decimals of the two (so ``0.1 + 0.2`` is ``0.3``)."""
        for gcol in self._gaps:
            assert gcol.after is not None
            below = raws[gcol.after]
            total = below + raws[gcol.name]
            decimals = _gap_decimals(gcol, self._by_name[gcol.after])
            # (rounded where the decimals are exact in float64; never below the column under it)
            if total.dtype.kind == "f" and decimals is not None and len(total):
                if float(np.nanmax(np.abs(total))) * 10.0**decimals < 2.0**52:
                    total = np.round(total, decimals)
                total = np.maximum(total, below)
            held = _integer_dtype(gcol.cast)
            if total.dtype.kind in "iu" and held is not None and held.itemsize < 8:  # (int16 never wraps: clipped)
                info = np.iinfo(held)
                total = np.clip(total, info.min, info.max)
            raws[gcol.name] = total

    def _check_order(self, constraints: Sequence[tuple[str, str, bool]]) -> list[tuple[str, str, bool]]:
        """Return the order constraints checked (comparable columns of this model, no cycle), in dependency order."""
        checked = []
        for item in constraints:
            a, b, strict = item
            where = f"dataset {self.name!r}: constraint {a!r} {'<' if strict else '<='} {b!r}"
            for col in (a, b):
                if col not in self._by_name:
                    raise InvalidConstraint(
                        f"{where} names {col!r}, which is not a column; columns are {self.columns}."
                    )
            ca, cb = self._by_name[a], self._by_name[b]
            computed = [c.name for c in (ca, cb) if isinstance(c, (SumColumn, FollowerColumn))]
            if computed:
                raise InvalidConstraint(
                    f"{where}: {computed[0]!r} is computed from other columns (no latent coordinate of its own), so "
                    "an order constraint cannot redraw it; constrain the columns it is computed from."
                )
            gapped = [c.name for c in (ca, cb) if c.after is not None]
            if gapped:
                raise InvalidConstraint(
                    f"{where}: {gapped[0]!r} is {self._by_name[gapped[0]].after!r} plus a gap fitted apart, so an "
                    "order constraint cannot redraw it; constrain the column it lies above."
                )
            if a == b or ca.family is None or ca.family != cb.family:
                raise InvalidConstraint(
                    f"{where}: order constraints compare two different numeric columns or two different date "
                    f"columns; these are {ca.kind} and {cb.kind}."
                )
            if getattr(ca, "offset", 0) or getattr(cb, "offset", 0):
                raise InvalidConstraint(
                    f"{where}: a column's integers lie beyond +-2**52, where order constraints (compared in float64) "
                    "cannot be exact; drop the constraint or rescale the column."
                )
            checked.append((str(a), str(b), bool(strict)))
        return order_by_dependency(checked, where=f"dataset {self.name!r}")

    def _check_rows(self, constraints: Sequence[Unique | Predicate]) -> list[Unique | Predicate]:
        """Return the row constraints checked: Unique names an output column that can hold distinct values."""
        checked: list[Unique | Predicate] = []
        for c in constraints:
            if isinstance(c, Unique):
                col = self._by_name.get(c.column)
                if col is None or col.hidden:
                    raise InvalidConstraint(
                        f"dataset {self.name!r}: {c!r} names {c.column!r}, which is not a column; columns are "
                        f"{self.columns}."
                    )
            elif not isinstance(c, Predicate):
                raise InvalidConstraint(f"dataset {self.name!r}: {c!r} is not a row constraint (Unique, Predicate).")
            checked.append(c)
        return checked

    def _distinct_values(self, name: str) -> float:
        """How many distinct values column ``name`` can take (infinite when many)."""
        col = self._by_name[name]
        base = getattr(col, "base", col)
        if col.null_rate > 0:
            return math.inf  # (missing values are never duplicates)
        if hasattr(base, "categories"):
            return float(len(base.categories))
        if base.kind == "boolean":
            return 2.0
        if isinstance(base, FakerColumn) and not base.unique:  # (its values come from a pool of this many)
            return float(base.pool_size)
        values = getattr(base, "values", None)
        if getattr(base, "discrete", None) is not None and values is not None and not hasattr(col, "levels"):
            return float(len(values))
        return math.inf

    @property
    def columns(self) -> list[str]:
        """Column names, in output order."""
        return [c.name for c in self._columns if not c.hidden]

    @property
    def modelled_columns(self) -> list[str]:
        """Names of the columns joined by the copula (the rest are generated)."""
        return [c.name for c in self._modelled]

    @property
    def dtypes(self) -> dict[str, str]:
        """The pandas dtype each sampled column has, e.g. ``{'age': 'int64'}``."""
        found = {c.name: _final_dtype(c) for c in self._columns if not c.hidden}
        if any(c.cast is None for c in self._computed):  # (known once its function has run: a few rows tell)
            if "_computed_dtypes" not in self.__dict__:
                self._computed_dtypes = {c: str(t) for c, t in self.sample(16, seed=0).dtypes.items()}
            found.update({c.name: self._computed_dtypes[c.name] for c in self._computed if c.cast is None})
        return found

    def column(self, name: str) -> ModelColumn:
        """Return the sampled column ``name``."""
        try:
            return self._by_name[name]
        except KeyError:
            raise InvalidArgument(
                f"dataset {self.name!r} has no column {name!r}; its columns are {self.columns}."
            ) from None

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}, columns={self.columns!r})"

    @property
    def withheld(self) -> list[str]:
        """What fitting did not store, to keep the real rows private (empty for declared schemas)."""
        return list(self.info.get("withheld", []))

    def save(self, path: str | os.PathLike[str]) -> pathlib.Path:
        """Write the model to ``path`` as versioned JSON (``*.synth.json``); return the path.

        The file holds the model only (marginals, correlations, generators),
        never rows, and :func:`pytest_synthdata.load` samples bit-identically
        from it.
        """
        return _artifact.save(self, path)

    @classmethod
    def from_parts(cls, parts: _artifact.ModelParts, source: str = "<model>") -> Model:
        """Return the Model a validated model file describes; raise ModelFileError if it cannot sample."""
        try:
            model = cls(**_model_arguments(parts))
        except (InvalidArgument, ValueError, TypeError, LookupError, ArithmeticError) as exc:
            raise ModelFileError(f"{source}: {exc}") from None
        model.profile = parts.profile
        try:  # a hand edit can pass every check of the reader and still not sample: find out now, not in a test
            # ... with stand-ins for Faker columns, whose pools wait for the first real sample
            stand_ins = [c.placeholder() if isinstance(c, (FakerColumn, ComputedColumn)) else c for c in parts.columns]
            smoke = (
                model
                if stand_ins == parts.columns and not parts.row_constraints
                else cls(**{**_model_arguments(parts), "columns": stand_ins, "row_constraints": ()})
            )
            smoke.sample(_SMOKE_ROWS, seed=0)
        except Exception as exc:
            raise ModelFileError(
                f"{source}: the model it describes cannot sample ({type(exc).__name__}: {exc}); was it edited by hand?"
            ) from None
        return model

    # sampling ----------------------------------------------------------------
    @functools.cached_property
    def latent_space(self) -> LatentSpace:
        """The inputs each row is made from: latent coordinates (modelled columns, then null flags) and uniforms.

        Null flags of fitted models that the copula correlates come first
        (``latent_nulls``), then one independent coordinate for every other
        column that may be missing; a flag is set where its coordinate lies
        above ``ndtri(1 - null_rate)``, the high end like ``True``.
        """
        flags = [f"{c} is null" for c in self.latent_nulls + self._independent_nulls]
        d = len(self.latent_correlation)
        extra = len(self._independent_nulls)
        corr, chol = self.latent_correlation, self._chol
        if extra:  # independent flags: an identity block beside the fitted correlation
            corr, chol = np.eye(d + extra), np.eye(d + extra)
            corr[:d, :d], chol[:d, :d] = self.latent_correlation, self._chol
        aux = sum(c.aux for c in self._generated)
        return LatentSpace(tuple(self.modelled_columns + flags), corr, chol, aux)

    @functools.cached_property
    def _independent_nulls(self) -> list[str]:
        """Columns that may be missing, whose null flag no other coordinate correlates with."""
        return [
            c.name
            for c in self._columns
            if 0.0 < c.null_rate < 1.0 and c.name not in self.latent_nulls and c.name not in self.null_follows
        ]

    def sample(
        self,
        n: int,
        *,
        seed: int | None = None,
        independent: bool = False,
        conditions: Any = None,
        rows: tuple[int, int] | None = None,
        edge_cases: float = 0.0,
        edge_kinds: Sequence[str] | None = None,
        edge_columns: Sequence[str] | None = None,
        balance: Any = None,
    ) -> pd.DataFrame:
        """Return a DataFrame of exactly ``n`` synthetic rows.

        The same ``seed`` gives the same bytes, and ``sample(n, seed=s)`` equals
        the first ``n`` rows of ``sample(m, seed=s)`` for ``n < m``. With
        ``seed=None`` a fresh seed is drawn; either way it is recorded in
        ``df.attrs["synthdata"]["seed"]``.

        Each row has exactly the model's distribution, and by default the rows
        together cover it evenly (each latent coordinate is stratified in every
        prefix of 2**k rows, like a Latin hypercube), so a small sample already
        matches the model's frequencies and quantiles closely.
        ``independent=True`` draws the rows independently of each other
        instead (plain Monte Carlo), for code that needs i.i.d. rows.

        ``conditions`` draws every row from the model's distribution *given*
        them, exactly (no rejection of unconditioned rows): a dict of column ->
        value, list or set of values (any of them), ``(low, high)`` inclusive
        range (``None`` for an open end) or ``None`` (missing); or a DataFrame
        of per-row conditions, one row per sampled row (NaN: no condition).
        Rows stay seeded and row-stable. Where a row conditions both columns of
        an order constraint (``a < b``), ``a`` is drawn under its condition and
        the rows whose ``b`` meets its own are kept (the others redrawn): the
        model given both, exactly. A condition the model cannot meet
        (an unknown value, an empty range, less likely than 1e-12) raises
        :class:`~pytest_synthdata.errors.ConditionError`.

        ``rows=(start, stop)`` returns only rows ``start:stop`` of that
        sample (index ``start`` to ``stop - 1``), drawing nothing else: the
        same bytes as ``sample(n, seed=s).iloc[start:stop]``, in memory for
        those rows only. Dask partitions are drawn this way (:meth:`to_dask`).

        ``edge_cases=r`` makes exactly ``round(r * n)`` rows edge cases (a
        tail, bound, rare category, null or extreme text value in one column,
        the rest of the row drawn given it); ``edge_kinds=`` and
        ``edge_columns=`` choose among them, and
        ``df.attrs["synthdata"]["edges"].frame`` lists them.
        ``balance="churned"`` gives each class of a column an equal share of
        the rows (``balance={"churned": {True: 0.3, False: 0.7}}``: those
        shares), exact to within one row. See ``docs/how-to/edge-cases.md``.

        >>> import pytest_synthdata as sd
        >>> people = sd.Schema("people", {"age": sd.Integer(low=18, high=90)})
        >>> df = people.sample(3, seed=1)
        >>> len(df), df.attrs["synthdata"]["seed"]
        (3, 1)
        >>> people.sample(3, seed=1, conditions={"age": (60, None)})["age"].min() >= 60
        np.True_
        >>> people.sample(3, seed=1, rows=(1, 3)).equals(df.iloc[1:3])
        True
        """
        n = check_rows(n)
        if not isinstance(independent, (bool, np.bool_)):
            raise InvalidArgument(f"independent={independent!r}: pass True (i.i.d. rows) or False (the default, even).")
        gaps, stated = None, conditions
        if conditions is not None and (self._gaps or self._sums or self._order_constraints):  # (conditions on a gap
            # column or a sum, or on both sides of an order constraint: the rows that meet them are kept, below)
            from ._conditions import split_gap_conditions

            conditions, gaps = split_gap_conditions(self, conditions, n)
        source: LatentSource = IndependentRows(seed) if independent else SpreadRows(seed)
        plan = None
        if _edges_requested(edge_cases, edge_kinds, edge_columns, balance):
            from ._edges import plan_rows

            assert source.seed is not None
            # (an edge row pinned in a column a kept condition rests on may never meet it: none by default; the tails
            # and bounds of a column across an order constraint from a conditioned one are left out in possible_slots)
            among = None if gaps is None or edge_columns is not None else gaps.edge_columns()
            plan = plan_rows(
                self,
                n,
                source.seed,
                edge_cases=edge_cases,
                edge_kinds=edge_kinds,
                edge_columns=edge_columns,
                balance=balance,
                conditions=conditions,
                among=among,
            )
            source = plan.source(self, source, n)
        elif conditions is not None:
            from ._conditions import conditioned

            source = conditioned(self, source, conditions, n)
        if rows is not None:
            self._check_range_safe()
        frame = self.sample_from(source, n, rows=rows)
        if (self._row_constraints or gaps is not None) and n:
            frame = self._keep_rows(
                frame, n, source.seed, independent, conditions, rows, plan, gaps=gaps, stated=stated
            )
        if plan is not None and plan.edges is not None:
            self._exact_bounds(frame, plan.edges)
            frame.attrs["synthdata"]["edges"] = plan.edges
        if plan is not None or conditions is not None or gaps is not None:  # (not the model's rates: validate reads it)
            frame.attrs["synthdata"]["conditioned"] = True
        return frame

    def _exact_bounds(self, frame: pd.DataFrame, edges: Any) -> None:
        """Put the bound edges of plain float columns, and of columns fitted per segment group, on the bound.

        A continuous marginal gives its declared (or stored) end with probability 0, so its extreme latent score
        maps a hair inside it (5e-295 for a bound of 0); an edge row at a bound is meant to hold the bound. A
        column fitted per segment group takes its row's own group's bound.
        """
        from ._columns import ConditionalColumn, NumericColumn

        rows, columns = np.asarray(edges["row"], dtype=np.int64), np.asarray(edges["column"], dtype=object)
        high = np.asarray(edges["detail"], dtype=object) == "high"
        bound = np.asarray(edges["kind"], dtype=object) == "bound"
        moved: set[str] = set()
        for column in dict.fromkeys(columns[bound].tolist()):
            col = self._by_name[column]
            if col.after is not None or column in self._below_gaps:  # (a gap's bound lies above another column's
                continue  # value, and a column under a gap carries it: both drawn a hair inside their bounds)
            positions = frame.index.get_indexer(rows[bound & (columns == column)])
            side = high[bound & (columns == column)][positions >= 0]
            positions = positions[positions >= 0]
            if isinstance(col, ConditionalColumn):  # on the bound of the row's own segment group
                groups = col._group_of[self._given_codes(frame, col.given, positions)]
                ends = np.array([level.bounds for level in col.levels], dtype=np.float64)
                values, integer = ends[groups, side.astype(np.int64)], bool(getattr(col.levels[0], "integer", False))
            elif type(col) is NumericColumn and not col.step:
                values, integer = np.where(side, col.bounds[1], col.bounds[0]), False
            else:
                continue
            current = frame[column].to_numpy(dtype=np.float64, na_value=np.nan)[positions]
            keep = np.isfinite(values) & ~np.isnan(current)  # (a null stays null)
            keep &= self._order_allows(frame, column, positions, values)
            if keep.any():
                j = int(frame.columns.get_loc(column))  # type: ignore[arg-type]
                new = values[keep].astype(np.int64) if integer else values[keep]
                held = getattr(frame.dtypes.iloc[j], "numpy_dtype", frame.dtypes.iloc[j])  # (Float32 holds float32)
                if isinstance(held, np.dtype) and held.kind in "fiu":  # (a float32 column stays float32)
                    new = new.astype(held)
                frame.iloc[positions[keep], j] = new
                moved.add(column)
        self.recompute_sums(frame, moved)  # (a sum or product of a column put on its bound follows it)

    def recompute_sums(self, frame: pd.DataFrame, changed: set[str]) -> None:
        """Compute again, in ``frame`` (in place), each sum or product a part of which is in ``changed`` (or is
        such a product itself), unless it is in ``changed`` too: after an edge row's bound or a factory's ``set=``
        value moved a part."""
        changed = set(changed)
        done = set(changed)
        for col in self._sums:  # (products first)
            if col.name not in done and any(p in changed for p in col.parts) and col.name in frame.columns:
                frame[col.name] = col.add_frame(frame, self.name)
                changed.add(col.name)

    def gaps_under(self, frame: pd.DataFrame, changed: set[str]) -> dict[str, pd.Series]:
        """The gaps (``b - a``) in ``frame`` of each gap column ``b`` whose column below (``a``) is in ``changed``
        and ``b`` is not: read before a factory's ``set=`` values go in, so :meth:`shift_gaps` can put them back."""
        return {
            gcol.name: frame[gcol.name] - frame[gcol.after]
            for gcol in self._gaps
            if gcol.after in changed and gcol.name not in changed and {gcol.name, gcol.after} <= set(frame.columns)
        }

    def shift_gaps(self, frame: pd.DataFrame, gaps: Mapping[str, pd.Series]) -> None:
        """Make each gap column ``b`` of ``gaps`` its column below plus its row's gap again, in ``frame`` (in place):
        after a factory's ``set=`` moved the column below, the row keeps its gap (a stay of 3 nights stays 3 nights
        from the check-in set), so ``a <= b`` still holds. Where the value set is missing, ``b`` keeps its value."""
        for name, gap in gaps.items():
            gcol = self._by_name[name]
            assert gcol.after is not None
            below, old = frame[gcol.after], frame[name]
            if old.dtype.kind in "mM":  # (dates and durations: pandas' own arithmetic, to the nanosecond)
                total = below + gap
            else:
                try:
                    total = below.astype("Float64") + gap.astype("Float64")
                except (TypeError, ValueError) as exc:  # pragma: no cover - set= checked the values' type
                    raise InvalidArgument(
                        f"dataset {self.name!r}: column {name!r} is {gcol.after!r} plus a gap in every row, and the "
                        f"values set for {gcol.after!r} are no numbers ({exc}); set {name!r} too."
                    ) from None
                decimals = _gap_decimals(gcol, self._by_name[gcol.after])
                if decimals is not None:
                    total = total.round(decimals)
                kind = _integer_dtype(str(getattr(old.dtype, "numpy_dtype", old.dtype)))
                if kind is not None:
                    info = np.iinfo(kind)
                    beyond = ((total < info.min) | (total > info.max)).fillna(False)
                    if bool(beyond.any()):
                        raise InvalidArgument(
                            f"dataset {self.name!r}: column {name!r} is {gcol.after!r} plus a gap in every row, and "
                            f"the values set for {gcol.after!r} give {int(beyond.sum())} values of {name!r} beyond "
                            f"its dtype {old.dtype} ({info.min} .. {info.max}); set smaller values, or set {name!r} "
                            "too."
                        )
            total = total.where(below.notna(), old)  # (a value set missing: the row keeps its own)
            frame[name] = total.astype(old.dtype) if not total.isna().any() else total

    def _given_codes(self, frame: pd.DataFrame, name: str, positions: NDArray[np.intp]) -> NDArray[np.int64]:
        """The codes of category or boolean column ``name`` in the frame's rows at ``positions``; for a hidden joint
        category (``sd.FixedCombinations``), which the frame leaves out, read from its members' values."""

        def codes(col: Any, column: str) -> NDArray[np.int64]:
            labels = frame[column].to_numpy()[positions]
            if getattr(col, "categories", None) is None:  # (a boolean)
                return labels.astype(bool).astype(np.int64)  # type: ignore[no-any-return]
            code_of = {repr(c): i for i, c in enumerate(col.categories)}
            return np.array([code_of[repr(v)] for v in labels.tolist()], dtype=np.int64)

        given = self._by_name[name]
        if not given.hidden:
            return codes(given, name)
        # each member's raw value (category code, or 0/1) per row, then the joint code of each combination
        members = [c for c in self._columns if isinstance(c, DerivedColumn) and c.given == name]
        raw = [codes(m.base, m.name).tolist() for m in members]
        lookups = [m._lookup.astype(np.int64).tolist() for m in members]
        joint_of = {combo: k for k, combo in enumerate(zip(*lookups, strict=True))}
        return np.array([joint_of[combo] for combo in zip(*raw, strict=True)], dtype=np.int64)

    def _order_allows(
        self, frame: pd.DataFrame, column: str, positions: NDArray[np.intp], values: NDArray[np.float64]
    ) -> NDArray[np.bool_]:
        """Whether each of the rows at ``positions`` keeps every order constraint of ``column`` with ``values`` there.

        A bound edge's value was drawn a hair inside the bound and the constraints made to hold with it; one whose
        neighbour lies beyond the bound (``b`` at its lower bound, ``a < b``, ``a`` already there) stays inside.
        """
        ok = np.ones(len(positions), dtype=bool)
        for a, b, strict in self._order_constraints:
            if column not in (a, b):
                continue
            other = frame[b if column == a else a]
            if other.dtype.kind not in "iufb" and str(other.dtype) not in ("Int64", "Float64", "boolean"):
                continue  # (a date neighbour: not compared with a number)
            them = other.to_numpy(dtype=np.float64, na_value=np.nan)[positions]
            low, high = (values, them) if column == a else (them, values)
            holds = low < high if strict else low <= high
            ok &= holds | np.isnan(them)  # (a missing neighbour constrains nothing)
        return ok

    def _check_range_safe(self) -> None:
        """Raise unless any range of rows can be drawn on its own (a Unique row constraint looks at earlier rows)."""
        for c in self._row_constraints:
            if isinstance(c, Unique):
                raise UnsupportedFeature(
                    f"dataset {self.name!r}: {c!r} redraws a row whose value repeats an earlier row's, so each row "
                    "depends on every row before it and a range of rows (rows=, a Dask partition) cannot be drawn "
                    f"on its own; declare {c.column!r} as an sd.Id or sd.Faker(..., unique=True) column (distinct by "
                    "construction, in any range), or sample the whole frame."
                )

    def _keep_rows(
        self,
        frame: pd.DataFrame,
        n: int,
        seed: int | None,
        independent: bool,
        conditions: Any,
        rows: tuple[int, int] | None = None,
        plan: RowPlan | None = None,
        *,
        source_for: Callable[[int], LatentSource] | None = None,
        latent: NDArray[np.float64] | None = None,
        gaps: GapConditions | None = None,
        stated: Any = None,
    ) -> pd.DataFrame:
        """Stage 9: rows that break a row constraint (Unique, Predicate) take the same row of a fresh draw.

        Round ``r`` samples the model again under seed ``derive_seed(seed, "redraw", r)`` (and the same
        conditions): a failing row ``i`` takes row ``i`` of it, so every row depends only on its seed and
        index (Unique: and on the rows before it). Each round draws only the span of rows still failing
        (``sample_from(rows=...)`` gives the same bytes as that slice of the whole).
        After :data:`MAX_REDRAWS` rounds the sample fails.

        ``source_for`` builds each round's whole source from its seed instead (a linked table's child rows:
        their parent coordinates fixed, then their conditions), and ``latent`` (coordinates, rows), the rows'
        latent coordinates, takes a redrawn row's coordinates too (its children follow the row it kept).

        ``gaps`` are conditions on gap columns (``_conditions.GapConditions``), which have no latent region: a row
        that breaks one is redrawn the same way (the rows of every round drawn given the other conditions, so
        each row kept follows the model given all of them), for up to :data:`GAP_REDRAWS` rounds.
        ``stated`` are the sample's conditions as given (for the message when the constraints still fail: whether
        the conditions or the constraints themselves leave them no room).
        """
        from ._seeding import derive_seed

        for c in self._row_constraints:
            if isinstance(c, Unique) and self._distinct_values(c.column) < n:
                raise InvalidConstraint(
                    f"dataset {self.name!r}: {c!r} cannot hold in {n:,} rows: column {c.column!r} takes at most "
                    f"{int(self._distinct_values(c.column)):,} distinct values; ask for fewer rows"
                    + (
                        ", or give the Faker column unique=True (or a pool_size of at least the rows)."
                        if isinstance(self._by_name[c.column], FakerColumn)
                        else "."
                    )
                )
        assert seed is not None
        if gaps is not None and not self._row_constraints and plan is None and source_for is None and latent is None:
            return self._keep_conditioned(frame, n, seed, conditions, gaps)
        failing = self._failing(frame, gaps)
        rounds = MAX_REDRAWS if gaps is None else GAP_REDRAWS
        drawn, met = len(frame), len(frame) - int(failing.sum())  # (rows drawn, and how many were kept)
        done = 0
        for r in range(1, rounds + 1):
            if not failing.any():
                return frame
            if gaps is not None and not met and drawn >= GAP_TRIES:  # (none of many draws met it: give up early)
                break
            done = r
            alt_seed = derive_seed(seed, "redraw", r)
            source: LatentSource = IndependentRows(alt_seed) if independent else SpreadRows(alt_seed)
            if source_for is not None:
                source = source_for(alt_seed)
            elif plan is not None:  # (the same conditions, classes and edge cases per row)
                source = plan.source(self, source, n)
            elif conditions is not None:
                from ._conditions import conditioned

                source = conditioned(self, source, conditions, n)
            bad = np.flatnonzero(failing)
            first = (0 if rows is None else rows[0]) + int(bad[0])  # (only the span of the failing rows is drawn)
            alt = self.sample_from(source, n, rows=(first, first + int(bad[-1] - bad[0]) + 1))
            at = bad - bad[0]
            for j in range(frame.shape[1]):
                frame.iloc[bad, j] = alt.iloc[at, j].array
            if latent is not None:
                latent[:, bad] = source.rows(self.latent_space, first, first + int(bad[-1] - bad[0]) + 1).x[:, at]
            failing = self._failing(frame, gaps)
            drawn, met = drawn + len(bad), met + int(np.count_nonzero(~failing[bad]))
        if not failing.any():
            return frame
        broken = self._failing(frame)  # (the row constraints' own: those are named first)
        if gaps is not None and gaps.failing(frame).any() and not broken.any():
            raise gaps.error(frame, done, drawn)
        if broken.any():
            counts = ", ".join(
                f"{c}: {int(c.failing(frame).sum()) if isinstance(c, Unique) else int(c.failing(frame, self.name).sum())}"
                for c in self._row_constraints
            )
            also = "" if gaps is None else " together with the conditions on columns without a latent region"
            start = (
                f"dataset {self.name!r}: after {done} redraws, {int(broken.sum()):,} of {n:,} rows still "
                f"break the row constraints ({counts}){also}"
            )
            if stated is None:
                raise InvalidConstraint(
                    f"{start}; loosen them, or condition the sample (conditions=) so they hold more often."
                )
            from ._conditions import describe

            share = self._share_meeting_rows(seed, n)
            if share >= 0.01:  # (the conditions, not the constraints, leave them no room)
                raise InvalidConstraint(
                    f"{start}. Without the conditions ({describe(stated)}) they hold in {share:.0%} of the model's "
                    "rows, so the conditions are the likely cause: they leave the row constraints little or no "
                    "room. Change or widen the conditions so the constraints can hold (or loosen the constraints)."
                )
            raise InvalidConstraint(
                f"{start}; they are rare even without the conditions ({describe(stated)}): "
                f"{share:.2%} of the model's rows meet them. Loosen them."
            )
        return frame

    def _share_meeting_rows(self, seed: int, n: int) -> float:
        """The share of 1,000 unconditioned rows (their own seed, from ``seed``) that meet the row constraints
        (of ``n``, when a unique column has room for no more)."""
        from ._seeding import derive_seed

        source = SpreadRows(derive_seed(seed, "unconditioned"))
        try:
            plain = self.sample_from(source, 1_000)
        except InvalidArgument:  # (a unique generated column with fewer values: as many rows as the sample's)
            plain = self.sample_from(source, n)
        return float(1.0 - self._failing(plain).mean())

    def _keep_conditioned(
        self, frame: pd.DataFrame, n: int, seed: int, conditions: Any, gaps: GapConditions
    ) -> pd.DataFrame:
        """Stage 9 for conditions kept by redrawing (``gaps``), without row constraints: each row that breaks its
        conditions takes the first of its candidate rows that meets them (rejection: exact, given the other
        ``conditions``, which its candidates are drawn under).

        Row ``i``'s candidates of round ``r`` are rows ``i * k .. i * k + k - 1`` of an independent sample of
        ``n * k`` rows under seed ``derive_seed(seed, "redraw", r)`` (``k = 2 ** (r - 1)``, up to
        :data:`GAP_MAX_TRIES` in all), each under row ``i``'s conditions: a row's candidates, and so the row it keeps, depend
        only on its seed, index and conditions (rows stay row-stable), and only the candidates of rows still
        failing are drawn. Independent rows, not spread ones: the first of several candidates that meets a
        condition follows the model given it only when they are drawn independently. A kept row keeps its own
        generated values (Faker, Id: drawn apart from the rest of the row, so unique ones stay unique).
        """
        from ._conditions import candidate_source, row_conditions
        from ._seeding import derive_seed

        failing = gaps.failing(frame)
        if not failing.any():
            return frame
        keys, which = row_conditions(conditions, n)
        index = np.asarray(frame.index, dtype=np.int64)  # (the rows' numbers in the whole sample)
        generated = {c.name for c in self._generated}
        columns = [j for j, c in enumerate(frame.columns) if c not in generated]
        redrawn = failing.copy()
        drawn, met, tried, r = len(frame), len(frame) - int(failing.sum()), 0, 0
        while failing.any():
            r += 1
            k = 2 ** (r - 1)
            bad = np.flatnonzero(failing)
            if tried + k > GAP_MAX_TRIES or drawn + len(bad) * k > GAP_MAX_ROWS or (not met and drawn >= GAP_TRIES):
                raise gaps.error(frame, tried, drawn)
            inner = IndependentRows(derive_seed(seed, "redraw", r))
            step = max(1, _CANDIDATE_ROWS // k)
            for part in range(0, len(bad), step):
                pos = bad[part : part + step]
                at = (index[pos][:, None] * k + np.arange(k)).reshape(-1)
                source = candidate_source(self, inner, keys, which, at, k)
                candidates = self.sample_from(source, len(at), generated=False)
                candidates.index = pd.Index(index[pos].repeat(k))  # (each candidate numbered as its row)
                ok = ~gaps.failing(candidates).reshape(len(pos), k)
                found = np.flatnonzero(ok.any(axis=1))
                if len(found):
                    chosen = found * k + ok[found].argmax(axis=1)
                    for j in columns:
                        frame.iloc[pos[found], j] = candidates.iloc[chosen, j].array
                    failing[pos[found]] = False
                drawn, met = drawn + len(at), met + len(found)
            tried += k
        if self._computed:  # (computed from the kept rows' own generated values, which a computed column may read)
            rows = np.flatnonzero(redrawn)
            fresh = self.compute_columns(frame.iloc[rows])
            for col in self._computed:
                j = int(frame.columns.get_loc(col.name))  # type: ignore[arg-type]
                frame.iloc[rows, j] = fresh[col.name].array
        return frame

    def _failing(self, frame: pd.DataFrame, gaps: GapConditions | None = None) -> NDArray[np.bool_]:
        failing = np.zeros(len(frame), dtype=bool) if gaps is None else gaps.failing(frame)
        for c in self._row_constraints:
            failing |= c.failing(frame) if isinstance(c, Unique) else c.failing(frame, self.name)
        return failing

    def sample_from(
        self, source: LatentSource, n: int, *, rows: tuple[int, int] | None = None, generated: bool = True
    ) -> pd.DataFrame:
        """Return ``n`` rows made from the inputs ``source`` supplies (see ``_latent``), through the staged path.

        The stages: latent source -> correlate -> columns from latent -> nulls
        -> generated columns -> constraints -> frame. Nothing here draws a
        random number: a row is a pure function of its inputs (its latent
        scores and uniforms, its row index and the source's key), so
        ``rows=(start, stop)`` draws only those rows of the ``n`` and gives
        them the bytes they have in the whole sample. ``generated=False`` leaves the generated columns (Faker,
        Id) at their first values (a redraw's candidate rows keep their own row's).
        """
        n = check_rows(n)
        first, last = check_row_range(rows, n)
        m = last - first
        if may_exceed_memory(m, len(self._columns)):  # (the exact estimate reads every column's dtype)
            check_memory(m, self.dtypes, dataset=self.name, where=f"{type(self).__name__}.sample")
        space = self.latent_space
        source.check(space, n)
        for col in self._columns if generated else self._modelled:
            col.check_rows(n)  # the whole sample's rows: a unique column must have room for all of them
        raws = {
            c.name: np.empty(self._raw_shape(c, m), dtype=c.raw_dtype) for c in self._columns if c not in self._computed
        }
        if not generated:
            for col in self._generated:
                raws[col.name][:] = 0
        nulls = {c.name: np.empty(m, dtype=np.bool_) for c in self._columns if c.null_rate > 0}
        # latent scores of constrained columns (a redraw keeps a row high or low among its peers)
        targets = {c: np.empty(m) for c in self._conditionals}
        # ... and their means given the rest of the row (a redraw draws from that conditional normal)
        means = {c: np.empty(m) for c in targets}
        # chunks end where the whole sample's do (multiples of _CHUNK_ROWS), so a range is cut like the whole
        for chunk in range(first // _CHUNK_ROWS, -(-last // _CHUNK_ROWS)):
            start, stop = max(first, chunk * _CHUNK_ROWS), min(last, (chunk + 1) * _CHUNK_ROWS)
            inputs = source.rows(space, start, stop)  # latent source -> correlate
            self._columns_from_latent(inputs.x, raws, targets, start - first, stop - first)
            for c, (_, weights, _) in self._conditionals.items():
                means[c][start - first : stop - first] = weights @ inputs.x
            self._nulls_from_latent(inputs.x, raws, nulls, start - first, stop - first)
            if generated:
                self._generate(inputs.u, source.key, raws, start, stop, first)
        given: dict[str, RowLatent] = {}
        held: dict[str, NDArray[np.bool_]] = {}
        if m and targets:
            held = {space.labels[j]: mask[first:last] for j, mask in source.held(space, n).items()}
            given = {c: RowLatent(targets[c], means[c], self._conditionals[c][2]) for c in targets}
            if self._order_constraints:
                self._enforce_order(raws, given, nulls, held)
        self._add_gaps(raws)  # (after the constraints, which may have moved the column below)
        redraws = {scol.name: parts for scol, parts in self._sum_redraws}
        for scol in self._sums:  # (after the constraints, which may have moved a part; products first)
            for part in redraws.get(scol.name, []) if given else []:  # (a part at the end of its own range leaves
                self._keep_sum_range(scol, part, raws, given, held)  # the rest to the next)
            # (where conditions, edge cases or a strategy fix the parts, it follows them, even beyond its range)
            raws[scol.name] = scol.add(raws)
        # (one index object for the frame and its Series: pandas then skips aligning them)
        index = pd.RangeIndex(first, last)
        bare_objects = objects_stay_objects()
        data = {
            c.name: _finish(c, raws[c.name], nulls.get(c.name), index, bare_objects)
            for c in self._columns
            if c.name in raws and not c.hidden
        }
        frame = frame_from_columns(list(data), list(data.values()), index)
        if self._computed:
            frame = self.compute_columns(frame)
        # which columns are generated (Faker, Id), so fidelity comparisons with real rows leave them out
        names = [c.name for c in self._columns if c.name in data and isinstance(c, (FakerColumn, IdColumn))]
        frame.attrs["synthdata"] = {"dataset": self.name, "seed": source.seed, "generated": names}
        return frame

    def validate(
        self, df: pd.DataFrame, *, null_tolerance: float = 0.02, strict: bool = False, columns: Any = None
    ) -> None:
        """Check that ``df`` fits this model; raise FidelityError (an AssertionError) listing what does not.

        Every column is checked against what the model declares or stores: its
        dtype family, bounds, grid (whole numbers, decimals, dates),
        categories and null rate (within ``null_tolerance`` plus sampling
        noise), then the model's constraints. ``strict=True`` also fails
        columns the model does not have; ``columns`` checks only those named.
        A fitted model checks against its file, so values ``fit`` withheld as
        rare (``model.withheld``) fail. A sample of this model drawn with
        ``conditions=``, ``edge_cases=`` or ``balance=`` (as its
        ``attrs["synthdata"]["conditioned"]`` records) has other null rates by
        design: its values and constraints are checked, not its null rates.

        >>> import pandas as pd, pytest_synthdata as sd
        >>> people = sd.Schema("people", {"age": sd.Integer(low=18, high=90)})
        >>> people.validate(pd.DataFrame({"age": [20, 35, 61]}))
        >>> people.validate(pd.DataFrame({"age": [20, 35, 101]}))
        Traceback (most recent call last):
        ...
        pytest_synthdata.errors.FidelityError: dataset 'people': 3 rows do not match the model in 1 way:
          age: 1 of 3 rows (33.3%): expected values in [18 .. 90], found values outside; e.g. 101
        """
        from ._fidelity.validate import validate

        validate(self, df, null_tolerance=null_tolerance, strict=strict, columns=columns)

    def to_dask(
        self, n: int, *, seed: int | None = None, partition_rows: int | None = None, **sample_options: Any
    ) -> Any:
        """Return ``sample(n, seed=seed, **sample_options)`` as a lazy ``dask.dataframe.DataFrame``, partition by partition.

        Partition ``i`` is exactly rows ``[i * partition_rows, (i + 1) *
        partition_rows)`` of that sample (index included, so the divisions
        are known): computed, the partitions concatenated equal
        ``sample(n, seed=seed, **sample_options)`` byte for byte. Each one is
        drawn on its own (``sample(..., rows=...)``), in memory for its rows
        only. Ids and unique Faker values stay unique across partitions.
        ``seed=None`` draws one seed for the whole frame, recorded like
        :meth:`sample`'s in every partition's ``attrs["synthdata"]``.
        ``partition_rows`` defaults to about 100 MB of frame a partition.

        Workers get the model as its file text (small), and the functions of
        computed columns beside it (by reference when importable). Needs the
        optional extra: ``pip install "pytest-synthdata[dask]"``.

        >>> import pytest_synthdata as sd
        >>> people = sd.Schema("people", {"age": sd.Integer(low=18, high=90)})
        >>> ddf = people.to_dask(10, seed=1, partition_rows=4)  # doctest: +SKIP
        >>> ddf.npartitions, ddf.compute().equals(people.sample(10, seed=1))  # doctest: +SKIP
        (3, True)
        """
        from ._dask import to_dask

        return to_dask(self, n, seed=seed, partition_rows=partition_rows, **sample_options)

    def compute_columns(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Stage 8: the computed columns (``sd.Derived``) from the frame's other columns, in declared order.

        Each function sees the non-computed columns and the computed ones
        declared before it; the frame comes back in the model's column order.
        Factory fixtures call this again after ``set=`` overrides, so computed
        values follow what was set.
        """
        out = frame.drop(columns=[c.name for c in self._computed if c.name in frame.columns])
        for col in self._computed:
            out[col.name] = col.compute(out, self.name)  # type: ignore[attr-defined]
        return out[self.columns]

    @functools.cached_property
    def _precision(self) -> NDArray[np.float64]:
        """The inverse of the latent correlation (the conditional of a coordinate given the rest reads it)."""
        try:
            return _linalg.inverse(self.latent_space.correlation)
        except np.linalg.LinAlgError:  # pragma: no cover - the sampling factor made it positive definite
            return np.eye(self.latent_space.dims)  # (each redraw then follows its marginal alone)

    def _conditional(self, label: str) -> tuple[int, NDArray[np.float64], float]:
        """A coordinate's index, the weights that give its latent mean given the rest of the row (``weights @ x``:
        ``-P[j, k] / P[j, j]`` off the diagonal of the precision ``P``, 0 on it), and its standard deviation given
        them (``1 / sqrt(P[j, j])``)."""
        precision = self._precision
        j = self.latent_space.coordinate(label)
        weights = -precision[j] / precision[j, j]
        weights[j] = 0.0
        return j, weights, float(1.0 / math.sqrt(precision[j, j]))

    @functools.cached_property
    def _conditionals(self) -> dict[str, tuple[int, NDArray[np.float64], float]]:
        """:meth:`_conditional` of every column a constraint may redraw: order-constrained, or a sum's redrawn part."""
        redrawn = [c for a, b, _ in self._order_constraints for c in (a, b)]
        redrawn += [p for _, parts in self._sum_redraws for p in parts]
        return {c: self._conditional(c) for c in redrawn}

    @functools.cached_property
    def _sum_redraws(self) -> list[tuple[SumColumn, list[str]]]:
        """Each sum or product with the parts redrawn, last first, in rows where it leaves its own range: those with
        a coordinate of their own (number columns, plain or fitted per segment group) in no order constraint, no
        other sum or product, and leading no follower. One without such a part keeps every row's value as it
        comes (fit derives such a column only where its parts' ranges keep it in its own)."""
        # (a leader's follower reads its coordinate: redrawing its value would leave the follower behind)
        ordered = {c for a, b, _ in self._order_constraints for c in (a, b)} | {f.leader for f in self._followers}
        counts: dict[str, int] = {}
        for scol in self._sums:
            for part in scol.parts:
                counts[part] = counts.get(part, 0) + 1
        out: list[tuple[SumColumn, list[str]]] = []
        for scol in self._sums:
            parts = []
            for part in reversed(scol.parts):
                col = self._by_name[part]
                inner = col.base if isinstance(col, ConditionalColumn) else col
                if col.modelled and type(inner) is NumericColumn and part not in ordered and counts[part] == 1:
                    parts.append(part)
            if parts:
                out.append((scol, parts))
        return out

    @functools.cached_property
    def _redrawn_parts(self) -> frozenset[str]:
        """The parts of sums and products that :meth:`_keep_sum_range` may redraw (those of :attr:`_sum_redraws`).

        In a row whose parts add up beyond the sum's range such a part takes a new value, so its final values are
        not a function of its own latent score: a condition on one is kept by redrawing rows, as one on the sum is
        (``_conditions.split_gap_conditions``), where a latent range of its own would leave the rows it moves out.
        """
        return frozenset(p for scol, parts in self._sum_redraws if not self._stays_in_range(scol) for p in parts)

    def _part_range(self, name: str) -> tuple[float, float]:
        """The least and greatest value column ``name`` (a part of a sum or product) gives, over its segment groups
        (a product that a sum adds up: what its own parts give, rounded as it rounds)."""
        col: Any = self._by_name[name]
        if isinstance(col, SumColumn):
            low, high = col.span([self._part_range(p) for p in col.parts])
            ends = np.asarray(col._rounded(np.array([low, high])), dtype=np.float64)
            return min(low, float(ends[0])), max(high, float(ends[1]))
        inner = col.base if isinstance(col, FollowerColumn) else col
        levels = getattr(inner, "levels", [getattr(inner, "base", inner)])
        ends = np.array([level.value_range() for level in levels], dtype=np.float64)
        offset = float(getattr(levels[0], "offset", 0))
        return float(ends[:, 0].min()) + offset, float(ends[:, 1].max()) + offset

    def _stays_in_range(self, scol: SumColumn) -> bool:
        """Whether every row's parts add up (multiply) to a value in the sum's own range, whatever their values:
        then :meth:`_keep_sum_range` never moves a part. Whole numbers add up exactly; other sums and products
        are compared with a margin for the rounding of the comparison itself."""
        try:
            low, high = scol.span([self._part_range(p) for p in scol.parts])
            lo, hi = scol.base.value_range()
        except (AttributeError, TypeError, ValueError):  # pragma: no cover - every part is a number column
            return False
        exact = not isinstance(scol, ProductColumn) and all(
            getattr(getattr(self._by_name[p], "base", self._by_name[p]), "integer", False) for p in scol.parts
        )
        margin = 0.0 if exact else 1e-9 * max(abs(lo), abs(hi), abs(low), abs(high), 1e-300)
        return bool(lo + margin <= low and high <= hi - margin)

    def _keep_sum_range(
        self,
        scol: SumColumn,
        part: str,
        raws: dict[str, NDArray[Any]],
        latents: dict[str, RowLatent],
        held: Mapping[str, NDArray[np.bool_]],
    ) -> None:
        """Stage 6, sums and products: where the parts give a value outside the column's own range, redraw
        ``part`` into the interval that brings it back (above its lower end or below its upper one, whichever side
        the part is on), from its distribution given the rest of the row, within its own range (as an order
        constraint redraws; a value a condition fixes never moves)."""
        cp = self._by_name[part]
        lo, hi = scol.base.value_range()
        common = {p: self._by_name[p].to_common(raws[p]) for p in scol.parts}
        with np.errstate(divide="ignore", invalid="ignore"):
            least, most = scol.part_interval(part, common, lo, hi)
        current = common[part]
        fixed = held.get(part)
        given = getattr(cp, "given", None)
        for rows, up in ((current < least, True), (current > most, False)):
            if fixed is not None:
                rows &= ~fixed
            if not rows.any():
                continue
            row = latents[part][rows]
            u = special.ndtr(row.z)
            low = cp.least_above(least[rows], strict=False)
            high = cp.greatest_below(most[rows], strict=False)
            if up:  # the part goes up, at most to the other end of the interval
                if given is None:
                    values = cp.draw_at_least(low, u, row)
                else:
                    values = cp.draw_at_least_given(low, u, raws[given][rows], row)  # type: ignore[attr-defined]
                values = np.where(low <= high, np.minimum(values, high), values)
            else:
                if given is None:
                    values = cp.draw_at_most(high, u, row)
                else:
                    values = cp.draw_at_most_given(high, u, raws[given][rows], row)  # type: ignore[attr-defined]
                values = np.where(low <= high, np.maximum(values, low), values)
            raws[part][rows] = values.astype(raws[part].dtype, copy=False)

    def row_latent(self, label: str, x: NDArray[np.float64], rows: NDArray[Any]) -> RowLatent:
        """The latent scores of coordinate ``label`` in ``rows`` of ``x`` (coordinates x rows), with their normal
        distribution given the rest of each row (what an order-constraint redraw draws from)."""
        j, weights, sd = self._conditionals.get(label) or self._conditional(label)
        picked = x[:, rows]
        return RowLatent(picked[j], weights @ picked, sd)

    def _columns_from_latent(
        self,
        x: NDArray[np.float64],
        raws: dict[str, NDArray[Any]],
        targets: dict[str, NDArray[np.float64]],
        start: int,
        stop: int,
    ) -> None:
        """Stage 3: each modelled column's values from its coordinate; derived columns looked up."""
        partitions: dict[Any, Any] = {}  # rows by segment group, shared by the columns split the same way

        def grouped(col: Any) -> tuple[NDArray[Any], Any]:
            """The rows' codes of the segment column ``col`` is fitted per group of, and the rows by group."""
            codes = raws[col.given][start:stop]
            if col.partition_key not in partitions:
                partitions[col.partition_key] = col.partition(codes)
            return codes, partitions[col.partition_key]

        for j in self._processing:  # columns others depend on come first
            col = self._modelled[j]
            if getattr(col, "given", None) is None:
                raws[col.name][start:stop] = col.from_latent(x[j])
            else:
                raws[col.name][start:stop] = col.from_latent_given(x[j], *grouped(col))  # type: ignore[attr-defined]
            if col.name in targets:
                targets[col.name][start:stop] = x[j]
        for fcol, j in self._follows:  # (one fitted per group reads the groups its leader read)
            raws[fcol.name][start:stop] = fcol.from_leader(x[j], *(grouped(fcol.base) if fcol.given else ()))
        for dcol in self._derived:
            raws[dcol.name][start:stop] = dcol.derive(raws[dcol.given][start:stop])  # type: ignore[attr-defined]

    @functools.cached_property
    def _flag_cuts(self) -> list[tuple[str, int, NDArray[np.float64]]]:
        """(column, coordinate, cut per segment group or one cut) of every null flag."""
        d = len(self._modelled)
        out = []
        for i, name in enumerate(self.latent_nulls + self._independent_nulls):
            rates = np.array(self.null_groups.get(name, [self._by_name[name].null_rate]))
            out.append((name, d + i, special.ndtri(1.0 - rates)))
        return out

    @functools.cached_property
    def _group_of(self) -> NDArray[np.int64]:
        """The segment group of each code of the segment column (one group when there is none)."""
        return np.array(self.segment[1] if self.segment else [0], dtype=np.int64)

    @functools.cached_property
    def _always_null(self) -> list[str]:
        """Columns with no values at all (no flag: every row is missing)."""
        return [c.name for c in self._columns if c.null_rate >= 1.0]

    def _nulls_from_latent(
        self,
        x: NDArray[np.float64],
        raws: dict[str, NDArray[Any]],
        nulls: dict[str, NDArray[np.bool_]],
        start: int,
        stop: int,
    ) -> None:
        """Stage 4: a value is missing where its flag's coordinate is high; followers copy their leader."""
        for name, j, cut in self._flag_cuts:
            if len(cut) > 1:  # a rate per segment group
                assert self.segment is not None
                cut = cut[self._group_of[raws[self.segment[0]][start:stop].astype(np.int64)]]
            np.greater(x[j], cut, out=nulls[name][start:stop])  # a null sits at the high end, like True
        for name, leader in self.null_follows.items():
            nulls[name][start:stop] = nulls[leader][start:stop]
        for name in self._always_null:
            nulls[name][start:stop] = True

    def _generate(
        self, u: NDArray[np.float64], key: int, raws: dict[str, NDArray[Any]], start: int, stop: int, first: int = 0
    ) -> None:
        """Stage 5: generated columns (Faker, Id) from the rows' uniforms, row indices and the sample's key.

        ``start:stop`` are the rows' indices in the whole sample; ``raws`` hold rows from ``first`` on.
        """
        a = 0
        for col in self._generated:
            raws[col.name][start - first : stop - first] = col.generate(u[:, a : a + col.aux], key, start, stop)
            a += col.aux

    @staticmethod
    def _raw_shape(col: ModelColumn, n: int) -> tuple[int, ...]:
        return (n,) if col.raw_width is None else (n, col.raw_width)

    def _enforce_order(
        self,
        raws: dict[str, NDArray[Any]],
        latents: dict[str, RowLatent],
        nulls: dict[str, NDArray[np.bool_]],
        held: Mapping[str, NDArray[np.bool_]] | None = None,
    ) -> None:
        """Stage 6: make every ``a < b`` (or ``<=``) hold, redrawing ``b`` above ``a`` where it does not.

        Constraints come in topological order, so every column's lower
        neighbours are final when it is fixed. A violating value is redrawn
        above the threshold from the column's latent distribution given the
        rest of its row (:class:`RowLatent`: the copula's conditional normal,
        at the row's place among the violating scores): truncation, not
        clipping, and no row is dropped.

        ``held`` marks, per column, the rows whose value a condition fixes
        (``sample(conditions=...)``): such a value never moves. Where ``b`` is
        held, ``a`` is redrawn below it instead (from its marginal conditioned
        there, by its latent score); where both are held and break the
        constraint, the conditions conflict with it, which raises. Lowering
        ``a`` can break a constraint below it, so the passes repeat until every
        constraint holds.
        """
        held = held or {}
        targets = list(dict.fromkeys(b for _, b, _ in self._order_constraints))
        for _ in range(len(self._order_constraints) + 1):
            moved = False
            for b in targets:
                moved |= self._raise_above(b, raws, latents, nulls, held)
            if not held or not moved:
                break
        if held:
            # a held value caps a chain from above (``c < a < b`` with ``b`` held low): ``a`` went below ``b``, and
            # raising ``a``'s own upper neighbours above ``c`` again would undo it; so, from the top of every chain
            # down, each lower neighbour goes below its upper one (raising where it is held too: a conflict)
            for a, b, strict in reversed(self._order_constraints):
                bad = self._broken(a, b, strict, raws, nulls)
                if bad.any():
                    self._lower_below(a, b, strict, bad, raws, latents, nulls, held)
        for a, b, strict in self._order_constraints:
            bad = self._broken(a, b, strict, raws, nulls)
            if bad.any():  # pragma: no cover - prevented by Schema's bound propagation
                raise SynthdataError(
                    f"dataset {self.name!r}: could not make {a!r} {'<' if strict else '<='} {b!r} hold in "
                    f"{int(bad.sum())} rows; widen the columns' bounds so the constraint has room."
                )

    def _broken(
        self, a: str, b: str, strict: bool, raws: dict[str, NDArray[Any]], nulls: dict[str, NDArray[np.bool_]]
    ) -> NDArray[np.bool_]:
        """Rows where ``a < b`` (``<=``) does not hold, both values present."""
        xa, xb = self._by_name[a].to_common(raws[a]), self._by_name[b].to_common(raws[b])
        bad: NDArray[np.bool_] = xa >= xb if strict else xa > xb
        for col in (a, b):
            if col in nulls:
                bad &= ~nulls[col]
        return bad

    def _raise_above(
        self,
        b: str,
        raws: dict[str, NDArray[Any]],
        latents: dict[str, RowLatent],
        nulls: dict[str, NDArray[np.bool_]],
        held: Mapping[str, NDArray[np.bool_]],
    ) -> bool:
        """Make ``b`` exceed its lower neighbours (or them go below a held ``b``); return whether a value moved."""
        cb = self._by_name[b]
        v_min: NDArray[np.float64] | None = None
        for a, target, strict in self._order_constraints:
            if target != b:
                continue
            ca = self._by_name[a]
            need = cb.least_above(ca.to_common(raws[a]), strict=strict)
            if a in nulls:  # a null neighbour constrains nothing
                need = np.where(nulls[a], -np.inf, need)
            v_min = need if v_min is None else np.maximum(v_min, need)
        assert v_min is not None
        rb = raws[b]
        bad = rb < v_min  # exact: values and thresholds are on the same grid
        if b in nulls:
            bad &= ~nulls[b]
        if not bad.any():
            return False
        fixed = held.get(b)
        stuck = bad & fixed if fixed is not None else None
        if stuck is not None and stuck.any():
            bad &= ~fixed  # type: ignore[operator]
        if bad.any():
            row = latents[b][bad]  # (its score and its normal distribution given the rest of its row)
            u = special.ndtr(row.z)
            given = getattr(cb, "given", None)
            if given is None:
                rb[bad] = cb.draw_at_least(v_min[bad], u, row)
            else:  # a column fitted per segment group: each row redraws from its own group's marginal
                rb[bad] = cb.draw_at_least_given(v_min[bad], u, raws[given][bad], row)  # type: ignore[attr-defined]
            # a fitted column's (private) upper bound may lie below its neighbour's value: the least value
            # that holds (declared schemas narrow their bounds so this never happens)
            greatest = self._order_ends[b][1]  # (no higher than leaves b's upper neighbours room, where it can)
            if math.isfinite(greatest):
                rb[bad] = np.minimum(rb[bad], np.maximum(greatest, v_min[bad]))
            short = bad & (rb < v_min)  # (only rows redrawn here: a held value never moves)
            if short.any():
                rb[short] = v_min[short]
        if stuck is not None and stuck.any():
            for a, target, strict in self._order_constraints:
                if target == b:
                    self._lower_below(a, b, strict, stuck, raws, latents, nulls, held)
        return True

    def _lower_below(
        self,
        a: str,
        b: str,
        strict: bool,
        rows: NDArray[np.bool_],
        raws: dict[str, NDArray[Any]],
        latents: dict[str, RowLatent],
        nulls: dict[str, NDArray[np.bool_]],
        held: Mapping[str, NDArray[np.bool_]],
    ) -> None:
        """Redraw ``a`` below the held ``b`` in ``rows`` where ``a < b`` breaks; raise where ``a`` is held too."""
        bad = rows & self._broken(a, b, strict, raws, nulls)
        if not bad.any():
            return
        fixed = held.get(a)
        if fixed is not None and (bad & fixed).any():
            raise ConditionError(
                f"conditions on {a!r} and {b!r} leave {int((bad & fixed).sum())} rows where the model's constraint "
                f"'{a} {'<' if strict else '<='} {b}' cannot hold; condition them consistently with it."
            )
        ca, cb = self._by_name[a], self._by_name[b]
        v_max = ca.greatest_below(cb.to_common(raws[b][bad]), strict=strict)
        row = latents[a][bad]
        u = special.ndtr(row.z)
        given = getattr(ca, "given", None)
        if given is None:
            values = ca.draw_at_most(v_max, u, row)
        else:
            values = ca.draw_at_most_given(v_max, u, raws[given][bad], row)  # type: ignore[attr-defined]
        # (no lower than the least value that leaves a's own lower neighbours room, where v_max allows it)
        least = self._order_ends[a][0]
        if math.isfinite(least):
            values = np.maximum(values, np.minimum(least, v_max))
        raws[a][bad] = np.minimum(values, v_max).astype(raws[a].dtype)

    @functools.cached_property
    def _order_ends(self) -> dict[str, list[float]]:
        """The least and greatest value each order-constrained column can take once every constraint holds: its
        own range (over its segment groups), narrowed by its neighbours' (:func:`propagate_order_ends`); a column
        that is not a plain number is taken as unbounded."""
        ends: dict[str, list[float]] = {}
        for name in dict.fromkeys(c for a, b, _ in self._order_constraints for c in (a, b)):
            col = self._by_name[name]
            levels = col.levels if isinstance(col, ConditionalColumn) else [col]
            numeric = [level for level in levels if type(level) is NumericColumn and not level.offset]
            if len(numeric) == len(levels):
                ranges = [level.value_range() for level in numeric]
                ends[name] = [min(r[0] for r in ranges), max(r[1] for r in ranges)]
            else:
                ends[name] = [-math.inf, math.inf]
        return propagate_order_ends(self._by_name, self._order_constraints, ends)


def _adds_up_product(scol: SumColumn, part: ModelColumn) -> bool:
    """Whether ``part`` of ``scol`` may be derived itself: a sum (not a product) may add a product up."""
    return isinstance(part, ProductColumn) and not isinstance(scol, ProductColumn)


def _edges_requested(edge_cases: Any, edge_kinds: Any, edge_columns: Any, balance: Any) -> bool:
    """Whether ``sample()`` was asked for edge cases or balancing (``edge_cases=0`` alone asks for nothing)."""
    plain_zero = type(edge_cases) in (int, float) and edge_cases == 0
    return not plain_zero or edge_kinds is not None or edge_columns is not None or balance is not None


def _model_arguments(parts: _artifact.ModelParts) -> dict[str, Any]:
    """Return the keyword arguments of the Model that ``parts`` describe."""
    return {
        "name": parts.name,
        "columns": parts.columns,
        "latent_correlation": parts.latent_correlation,
        "order_constraints": parts.order_constraints,
        "row_constraints": parts.row_constraints,
        "latent_nulls": parts.latent_nulls,
        "null_groups": parts.null_groups,
        "segment": parts.segment,
        "info": parts.info,
        "null_follows": parts.null_follows,
    }


def loads(text: str, source: str = "<model>") -> Model:
    """Return the Model that model file text describes (validated, and sampled once to be sure)."""
    return Model.from_parts(_artifact.parse(text, source), source)


def load(path: str | os.PathLike[str], *, trust: bool = False) -> Any:
    """Load a model file: ``*.synth.json`` (native; a Dataset for a dataset file), or an SDV pickle with ``trust=True``.

    A file runs no code unless trusted: with ``trust=True`` a computed
    column's ``package.module:function`` reference is imported; without, that
    column raises a clear error when sampled.

    >>> import pytest_synthdata as sd
    >>> sd.load("examples/synthdata/penguins.synth.json").name
    'penguins'
    """
    name = os.fspath(path)
    if name.endswith((".pkl", ".pickle")):
        if not pathlib.Path(name).exists():
            raise ModelFileError(f"{name}: no such model file.")
        return load_pickle(pathlib.Path(name), trust=trust)
    text, source = _artifact.read_text(path)
    from ._relations_file import is_dataset_text

    if is_dataset_text(text):  # one file per Dataset (linked tables)
        from ._relations_file import loads as load_dataset

        return load_dataset(text, str(source))
    model = loads(text, str(source))
    if trust:
        try:
            for col in model._computed:
                col.trust()  # type: ignore[attr-defined]
            for rule in model._row_constraints:
                if isinstance(rule, Predicate):
                    rule.resolve(str(rule))
        except InvalidArgument as exc:
            raise ModelFileError(f"{source}: {exc}") from None
    return model
