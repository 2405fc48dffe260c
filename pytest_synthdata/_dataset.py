"""Dataset: linked tables (foreign keys) sampled from one engine, parents first.

A :class:`Dataset` is a set of tables (each a :class:`~pytest_synthdata.Model`)
and the relations between them (``"orders.customer_id" -> "customers.id"``).
Sampling walks the tables in dependency order:

1. a root table (no parent) samples its rows like any model;
2. each parent row's number of children is a column of the parent's copula
   (``"#<child>"``, hidden from the output), so it correlates with the
   parent's attributes;
3. the child table samples ``sum(counts)`` rows, row ``i`` belonging to the
   parent row it was counted for. A fitted child's copula holds the parent's
   latent coordinates as extra (hidden) columns, ``"<parent>.<column>"``; they
   are fixed at the parent row's own coordinates (the conditional Gaussian
   given them, :class:`~pytest_synthdata._latent.Restricted` with ``low ==
   high``), so a child follows its parent as the data did;
4. keys: a parent's primary key is its row number from 1 (fitted), or the
   declared schema's own column (declared, checked unique); a child's foreign
   key is its parent row's key. A second foreign key (a link table, many to
   many) picks a row of that parent by the child row's own uniform.

Every random number comes from the table's seed, ``derive_seed(seed, "table",
name)``, in row-stable blocks, and child rows follow their parents' order, so
``sample(n)`` is a prefix of ``sample(m)`` in every table for ``n < m`` and
one root.

How the latent coordinates of real parent rows are found for fitting (the
distributional transform) is in ``_fit/relations.py``.
"""

from __future__ import annotations

import os
import pathlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ._seeding import derive_seed, draw_blocks, normalize_seed
from ._validate import check_name, check_rows
from .errors import InvalidArgument

if TYPE_CHECKING:
    import pandas as pd
    from numpy.typing import NDArray

    from ._model import Model

__all__ = ["Dataset", "Relation", "count_column", "context_column", "parse_relation"]

#: Block stream of the uniforms that pick a second parent (a link table's other foreign key).
STREAM_LINKS = 11
#: Latent scores are searched for within this many standard deviations (the edge of every fitted marginal).
_REACH = 8.5
#: A child's parent coordinates are pinned within this many standard deviations (see ``_latent_of``).
_PIN = 4.0


def count_column(child: str) -> str:
    """The hidden column of a parent's model that holds its number of ``child`` rows."""
    return f"#{child}"


def context_column(parent: str, label: str) -> str:
    """The hidden column of a child's model that holds its parent's latent coordinate ``label``."""
    return f"{parent}.{label}"


@dataclass(frozen=True)
class Relation:
    """A foreign key: ``child.column`` refers to ``parent.key``."""

    child: str
    column: str
    parent: str
    key: str

    def __str__(self) -> str:
        return f"{self.child}.{self.column} -> {self.parent}.{self.key}"


def _split(text: object, where: str, side: str) -> tuple[str, str]:
    if not isinstance(text, str) or text.count(".") < 1 or not all(text.split(".", 1)):
        raise InvalidArgument(
            f"{where}: the {side} {text!r} must be 'table.column', e.g. ('orders.customer_id', 'customers.id')."
        )
    table, column = text.split(".", 1)
    return table, column


def parse_relation(item: object, *, where: str = "relations") -> Relation:
    """Return the Relation of ``("child.col", "parent.col")`` or ``"child.col=parent.col"``.

    >>> parse_relation(("orders.customer_id", "customers.id"))
    Relation(child='orders', column='customer_id', parent='customers', key='id')
    >>> str(parse_relation("lines.order_id=orders.id"))
    'lines.order_id -> orders.id'
    """
    if isinstance(item, Relation):
        return item
    if isinstance(item, str) and item.count("=") == 1:
        item = tuple(item.split("="))
    if not isinstance(item, (tuple, list)) or len(item) != 2:
        raise InvalidArgument(
            f"{where}: {item!r} is not a relation; give ('child.column', 'parent.column') or "
            "'child.column=parent.column'."
        )
    child, column = _split(item[0], where, "child column")
    parent, key = _split(item[1], where, "parent column")
    if child == parent:
        raise InvalidArgument(
            f"{where}: {item!r} relates table {child!r} to itself; self-references are not supported yet."
        )
    return Relation(child, column, parent, key)


@dataclass
class _Table:
    """How one table is sampled: its model, keys and where its rows come from."""

    name: str
    model: Model
    key: str | None = None  # primary key column (the parent side of a relation)
    fitted: bool = False  # keys generated (fitted) or read from the model's own column (declared)
    key_text: bool = False  # fitted: the real key was text, so the generated one is too
    parent: Relation | None = None  # the relation whose parent's rows this table's rows belong to
    links: list[Relation] = field(default_factory=list)  # further foreign keys (link tables)
    link_nulls: dict[str, float] = field(default_factory=dict)  # link column -> share of missing keys
    context: list[str] = field(default_factory=list)  # parent latent labels held as hidden columns
    counts: dict[str, Any] = field(default_factory=dict)  # declared: child -> count declaration / column name
    hidden: set[str] = field(default_factory=set)  # the model's bookkeeping columns (counts, parent coordinates)
    output: list[str] = field(default_factory=list)  # fitted: the real table's column order
    #: Order constraints across tables, (low, high, strict), one side "<parent>.<column>" ("customers.signup <= placed").
    cross: list[tuple[str, str, bool]] = field(default_factory=list)


class Dataset:
    """Linked tables: sample them together, parents first, with valid keys (see the module docstring).

    Declared: ``tables`` maps a name to its Schema, ``relations`` lists the
    foreign keys and ``children`` gives each child table's number of rows per
    parent row, a declaration (``sd.Integer(low=0, high=5)``) or the name of a
    column of the parent's schema (so its correlations apply).
    ``correlations`` pairs a parent column with a child column,
    ``{("customers.plan", "orders.amount"): 0.4}``: Spearman rank correlations
    over (child row, its parent row) pairs, carried as the child's copula over
    its parent's latent coordinates. ``sd.fit`` with a dict of frames returns a
    fitted Dataset, which learns all of this from the data.

    >>> import pytest_synthdata as sd
    >>> shop = sd.Dataset(
    ...     "shop",
    ...     tables={
    ...         "customers": sd.Schema("customers", {"id": sd.Id(), "age": sd.Integer(low=18, high=90)}),
    ...         "orders": sd.Schema("orders", {"id": sd.Id(), "total": sd.Float(low=1, high=500)}),
    ...     },
    ...     relations=[("orders.customer_id", "customers.id")],
    ...     children={"orders": sd.Integer(low=0, high=4)},
    ... )
    >>> frames = shop.sample(10, seed=1)
    >>> sorted(frames), frames["orders"]["customer_id"].isin(frames["customers"]["id"]).all()
    (['customers', 'orders'], np.True_)
    """

    #: Tells the fixture builders (which import nothing heavy) that this is a Dataset.
    linked_tables = True

    def __init__(
        self,
        name: str,
        tables: Mapping[str, Model],
        relations: Sequence[Any] = (),
        children: Mapping[str, Any] | None = None,
        *,
        correlations: Mapping[tuple[str, str], float] | None = None,
        sizes: Mapping[str, float] | None = None,
        info: Mapping[str, Any] | None = None,
    ) -> None:
        self.name = check_name(name, where="Dataset")
        self._tables = _check_tables(name, tables)
        self.relations = [parse_relation(r, where=f"Dataset {name!r}: relations") for r in relations]
        self.info: dict[str, Any] = dict(info or {})
        self._plan = {t: _Table(t, m) for t, m in self._tables.items()}
        self._own: dict[str, tuple[Model, Model]] = {}  # table -> (its model, that model on its own)
        _plan_relations(self.name, self._plan, self.relations)
        self.order = _dependency_order(self.name, self._plan)
        #: Default rows of other roots per row of the first root (fitted: the real tables' ratio).
        self.sizes = {str(k): float(v) for k, v in (sizes or {}).items()}
        self._declare_children(dict(children or {}))
        if correlations:
            self._declare_correlations(correlations)

    # building ----------------------------------------------------------------
    def _declare_correlations(self, correlations: Mapping[Any, Any]) -> None:
        """``correlations={("customers.plan", "orders.amount"): 0.4}``: a parent column drives a child column.

        Each value is a Spearman rank correlation over (child row, its parent row) pairs, calibrated to a
        latent correlation as a Schema's are. The child's model gets the parent's latent coordinates as
        hidden columns (``"customers.plan"``, a standard normal each, at the parent's own correlations) and
        its copula correlates them with the child's columns; the pairs not declared are completed by maximum
        determinant. Sampling then fixes them at the parent row's coordinates, as for a fitted child.
        """
        where = f"Dataset {self.name!r}: correlations"
        if not isinstance(correlations, Mapping):
            raise InvalidArgument(f"{where} must be a dict {{('customers.plan', 'orders.amount'): 0.4}}.")
        per_child: dict[str, dict[tuple[str, str], float]] = {}
        for pair, value in correlations.items():
            if not (isinstance(pair, tuple) and len(pair) == 2):
                raise InvalidArgument(f"{where}: key {pair!r} must be a pair ('parent.column', 'child.column').")
            (ta, ca), (tb, cb) = (_split(side, where, "column") for side in pair)
            for table in (ta, tb):
                self._table(table)
            if self._plan[tb].parent is not None and self._plan[tb].parent.parent == ta:  # type: ignore[union-attr]
                parent, child = (ta, ca), (tb, cb)
            elif self._plan[ta].parent is not None and self._plan[ta].parent.parent == tb:  # type: ignore[union-attr]
                parent, child = (tb, cb), (ta, ca)
            else:
                raise InvalidArgument(
                    f"{where}: {pair!r} must pair a child table's column with one of its parent's (the table its "
                    "first foreign key refers to); for two columns of one table use its Schema's correlations."
                )
            for table, column in (parent, child):
                model = self._plan[table].model
                if column not in model.modelled_columns or column in self._plan[table].hidden:
                    raise InvalidArgument(
                        f"{where}: {pair!r} names {table}.{column}, which is not a modelled column of {table!r}; "
                        f"those are {[c for c in model.modelled_columns if c not in self._plan[table].hidden]}."
                    )
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not -1.0 <= float(value) <= 1.0:
                raise InvalidArgument(
                    f"{where}: {pair!r}={value!r} must be a number in [-1, 1] (a Spearman correlation)."
                )
            if self._plan[child[0]].context:
                raise InvalidArgument(f"{where}: table {child[0]!r} already follows its parent's coordinates.")
            per_child.setdefault(child[0], {})[(parent[1], child[1])] = float(value)
        for table, pairs in per_child.items():
            self._correlate(table, pairs)

    def _correlate(self, child: str, pairs: dict[tuple[str, str], float]) -> None:
        """Give ``child``'s model its parent's coordinates as hidden columns, correlated as ``pairs`` declare."""
        from ._copula import complete_correlation, latent_for_spearman_pairs
        from ._schema import Float, Schema

        plan = self._plan[child]
        assert plan.parent is not None
        parent_name = plan.parent.parent
        pm, cm = self._plan[parent_name].model, plan.model
        p_space = pm.latent_space
        labels = sorted({p for p, _ in pairs}, key=p_space.labels.index)
        own = cm.modelled_columns
        m, k, d = len(own), len(labels), cm.latent_space.dims
        old = [*range(m), *range(m + k, d + k)]  # the child's coordinates: its columns, then its null flags
        ctx = list(range(m, m + k))
        latent = np.eye(d + k)
        latent[np.ix_(old, old)] = cm.latent_correlation
        at = [p_space.coordinate(label) for label in labels]
        latent[np.ix_(ctx, ctx)] = pm.latent_correlation[np.ix_(at, at)]
        fixed = np.zeros((d + k, d + k), dtype=bool)
        fixed[np.ix_(old, old)] = fixed[np.ix_(ctx, ctx)] = True
        cells = [(pm.column(p).rank_cells(), cm.column(c).rank_cells()) for p, c in pairs]
        rs = latent_for_spearman_pairs(np.array(list(pairs.values())), cells)
        for (p, c), r in zip(pairs, rs, strict=True):
            i, j = m + labels.index(p), own.index(c)
            latent[i, j] = latent[j, i] = float(r)
            fixed[i, j] = fixed[j, i] = True
        latent, kept = complete_correlation(latent, fixed)
        if not kept:
            raise InvalidArgument(
                f"Dataset {self.name!r}: correlations {pairs!r} between {parent_name!r} and {child!r} cannot hold "
                f"together with {child!r}'s own correlations and {parent_name!r}'s; weaken them."
            )
        names = [context_column(parent_name, label) for label in labels]
        for column in names:
            if column in {c.name for c in cm._columns}:
                raise InvalidArgument(
                    f"Dataset {self.name!r}: table {child!r} has a column {column!r}, a name the dataset keeps for "
                    f"its parent's coordinates (correlations={{({column!r}, ...): ...}}); rename the column."
                )
        unit = Schema(f"{child}_context", {name: Float(mean=0.0, std=1.0) for name in names})
        model = cm.replaced(columns=[*cm._columns, *(unit.column(name) for name in names)], latent_correlation=latent)
        plan.model = self._tables[child] = model
        plan.context = labels
        plan.hidden |= set(names)

    def _declare_children(self, children: dict[str, Any]) -> None:
        for child, spec in children.items():
            plan = self._plan.get(child)
            if plan is None or plan.parent is None:
                raise InvalidArgument(
                    f"Dataset {self.name!r}: children names {child!r}, which is not a child table; child tables are "
                    f"{[t for t, p in self._plan.items() if p.parent is not None]}."
                )
            parent = self._plan[plan.parent.parent]
            if isinstance(spec, str):
                if spec not in parent.model.columns:
                    raise InvalidArgument(
                        f"Dataset {self.name!r}: children[{child!r}] = {spec!r} names no column of "
                        f"{plan.parent.parent!r}; its columns are {parent.model.columns}."
                    )
                parent.counts[child] = spec
            elif _is_counter(spec):  # (a dataset file's count model)
                parent.counts[child] = spec
            else:  # one column sampled on its own, a draw per parent row
                from ._schema import Schema

                try:
                    parent.counts[child] = Schema(f"{plan.parent.parent}_{child}_count", {"n": spec})
                except InvalidArgument as exc:
                    raise InvalidArgument(f"Dataset {self.name!r}: children[{child!r}]: {exc}") from None
        for child, plan in self._plan.items():
            if plan.parent is None or plan.fitted:
                continue
            parent = self._plan[plan.parent.parent]
            if child not in parent.counts and count_column(child) not in parent.model.modelled_columns:
                raise InvalidArgument(
                    f"Dataset {self.name!r}: how many {child!r} rows does each {plan.parent.parent!r} row have? "
                    f"Pass children={{{child!r}: sd.Integer(low=0, high=5)}} (or the name of a column of "
                    f"{plan.parent.parent!r})."
                )

    # introspection -----------------------------------------------------------
    @property
    def tables(self) -> dict[str, Model]:
        """The model of each table on its own (see :meth:`model`), in dependency order (parents first)."""
        return {t: self.model(t) for t in self.order}

    @property
    def roots(self) -> list[str]:
        """The tables without a parent, whose sizes ``sample`` is given."""
        return [t for t in self.order if self._plan[t].parent is None]

    def columns(self, table: str) -> list[str]:
        """The output columns of ``table``: keys included, hidden count and context columns left out."""
        return _output_columns(self._table(table))

    def __repr__(self) -> str:
        return f"Dataset({self.name!r}, tables={self.order!r}, relations={[str(r) for r in self.relations]!r})"

    def _table(self, table: str) -> _Table:
        try:
            return self._plan[table]
        except KeyError:
            raise InvalidArgument(
                f"dataset {self.name!r} has no table {table!r}; its tables are {self.order}."
            ) from None

    def model(self, table: str) -> Model:
        """Return the model of ``table`` on its own: its columns, without the dataset's bookkeeping or keys.

        The dataset's own model of a table also holds its children's counts
        (``"#orders"``) and its parent's coordinates (``"customers.plan"``);
        here they stay in the copula but out of every frame (hidden columns),
        so ``model(table).validate(frames[table])`` checks a sampled table,
        and ``model(table).sample(n)`` draws rows of that table alone: a
        child's rows over all parents, as the data had them, without keys
        (sample the dataset for those).
        """
        plan = self._table(table)
        cached = self._own.get(table)
        if cached is None or cached[0] is not plan.model:
            cached = (plan.model, _own_model(self.name, plan))
            self._own[table] = cached
        return cached[1]

    def validate(self, frames: Mapping[str, pd.DataFrame], *, null_tolerance: float = 0.02) -> None:
        """Check that ``frames`` fit this dataset; raise FidelityError (an AssertionError) listing what does not.

        Each table is checked against its own model (:meth:`model`, as
        ``Model.validate`` does), then the keys: every primary key unique and
        never missing, every foreign key missing or found among its parent's keys.

        >>> import pytest_synthdata as sd
        >>> shop = sd.Dataset(
        ...     "shop",
        ...     tables={
        ...         "customers": sd.Schema("customers", {"id": sd.Id()}),
        ...         "orders": sd.Schema("orders", {"total": sd.Float(low=1, high=500)}),
        ...     },
        ...     relations=[("orders.customer_id", "customers.id")],
        ...     children={"orders": sd.Integer(low=0, high=4)},
        ... )
        >>> shop.validate(shop.sample(20, seed=1))
        """
        from .errors import FidelityError

        if not isinstance(frames, Mapping):
            raise InvalidArgument(
                f"dataset {self.name!r}: validate takes a dict of table name -> DataFrame; got {type(frames).__name__}."
            )
        missing = [t for t in self.order if t not in frames]
        unknown = [str(t) for t in frames if t not in self._plan]
        if missing or unknown:
            raise InvalidArgument(
                f"dataset {self.name!r}: validate got the tables {[str(t) for t in frames]}; expected {self.order}"
                + (f" (missing {missing})" if missing else "")
                + (f" (not tables of it: {unknown})" if unknown else "")
                + "."
            )
        problems: list[str] = []
        for table in self.order:
            frame, plan = frames[table], self._plan[table]
            try:
                self.model(table).validate(frame, null_tolerance=null_tolerance)
            except FidelityError as exc:
                problems.append(f"table {table!r}: " + str(exc).replace("\n", "\n  "))
            if plan.key is not None:
                if plan.key not in frame.columns:
                    problems.append(f"table {table!r}: no primary key column {plan.key!r}")
                elif frame[plan.key].isna().any() or not frame[plan.key].is_unique:
                    problems.append(
                        f"table {table!r}: primary key {plan.key!r} has {int(frame[plan.key].isna().sum())} missing "
                        f"and {int(frame[plan.key].duplicated().sum())} repeated values; it must be unique"
                    )
            for rel in ([plan.parent] if plan.parent else []) + plan.links:
                parent = frames[rel.parent]
                if rel.column not in frame.columns or rel.key not in parent.columns:
                    problems.append(f"relation {rel}: {table!r} or {rel.parent!r} lacks the key column")
                    continue
                keys = frame[rel.column]
                dangling = keys.notna() & ~keys.isin(parent[rel.key])
                if dangling.any():
                    problems.append(
                        f"relation {rel}: {int(dangling.sum())} of {len(frame)} rows refer to no row of "
                        f"{rel.parent!r}; e.g. {keys[dangling].iloc[0]!r}"
                    )
        if problems:
            raise FidelityError(
                f"dataset {self.name!r}: the tables do not match the dataset in {len(problems)} way"
                + ("s" if len(problems) > 1 else "")
                + ":\n"
                + "\n".join(f"  {p}" for p in problems)
            )

    def save(self, path: str | os.PathLike[str]) -> pathlib.Path:
        """Write the dataset to ``path`` as one versioned JSON model file (``*.synth.json``); return the path."""
        from ._relations_file import save

        return save(self, path)

    def to_dask(self, n: int | None = None, **options: Any) -> Any:
        """Raise UnsupportedFeature: linked tables are sampled together, in one process.

        A child table's rows follow its parents' rows, counts and keys, so no range of one table's rows can be
        drawn on its own; one table's model (:meth:`model`) samples on Dask, without keys.
        """
        from .errors import UnsupportedFeature

        table = self.order[-1]
        raise UnsupportedFeature(
            f"dataset {self.name!r} ({len(self.order)} linked tables) cannot be sampled on Dask: a child table's rows "
            f"follow its parents' rows, counts and keys, so the tables are drawn together in one process. Use "
            f"{self.name}.sample(n, seed=...) for the linked tables, or {self.name}.model({table!r}).to_dask(n, "
            f"seed=...) for the rows of one table on their own (without keys)."
        )

    # sampling ----------------------------------------------------------------
    def _root_sizes(self, n: int | None, sizes: Mapping[str, Any] | None) -> dict[str, int]:
        roots = self.roots
        given = dict(sizes or {})
        for table in given:
            if table not in roots:
                raise InvalidArgument(
                    f"dataset {self.name!r}: sizes names {table!r}, which is not a root table (one without a parent); "
                    f"roots are {roots}. A child table's size follows from its parents' rows."
                )
        out: dict[str, int] = {t: check_rows(v, argument=f"sizes[{t!r}]") for t, v in given.items()}
        if n is not None:
            n = check_rows(n)
            first = roots[0]
            if first in out:
                raise InvalidArgument(
                    f"dataset {self.name!r}: got n={n} and sizes[{first!r}]; give the root's rows once."
                )
            out[first] = n
            for table in roots[1:]:
                if table not in out and table in self.sizes:
                    out[table] = max(1, round(n * self.sizes[table])) if n else 0
        missing = [t for t in roots if t not in out]
        if missing:
            raise InvalidArgument(
                f"dataset {self.name!r}: how many rows of {missing}? Pass sizes={{{missing[0]!r}: 50, ...}} for every "
                f"root table ({roots})" + ("" if n is not None else f", or n for {roots[0]!r}") + "."
            )
        return out

    def sample(
        self,
        n: int | None = None,
        *,
        seed: int | None = None,
        sizes: Mapping[str, int] | None = None,
        conditions: Mapping[str, Any] | None = None,
        edge_cases: float | Mapping[str, Any] | None = None,
    ) -> dict[str, pd.DataFrame]:
        """Return a dict of DataFrames, one per table (parents first), with valid primary and foreign keys.

        ``n`` is the number of rows of the (first) root table; ``sizes`` gives
        root tables' rows by name (``{"customers": 50, "products": 20}``).
        Children's rows follow from their parents' counts. The same ``seed``
        gives the same bytes, recorded in each frame's
        ``attrs["synthdata"]["seed"]``. ``conditions`` maps a table to its
        ``Model.sample(conditions=...)`` (a dict for a child table), and
        ``edge_cases`` a table to its edge-case share (``{"customers": 0.2}``)
        or a dict of ``Model.sample``'s ``edge_cases``, ``edge_kinds``,
        ``edge_columns`` and ``balance``; a share alone (``edge_cases=0.2``)
        goes to every table that has an edge case. The children of those rows
        follow them as usual. On a child table they hold in every one of its rows,
        each drawn from the model given its parent row *and* them (exactly:
        the Gaussian conditional on the parent's coordinates, truncated), with
        its keys and its parents untouched.
        """
        roots = self._root_sizes(n, sizes)
        seed = normalize_seed(seed)
        conditions = dict(self._by_table("conditions", conditions) or {})
        if edge_cases is not None and not isinstance(edge_cases, Mapping):
            edge_cases = self._share_for_all(edge_cases, conditions)
        shaping = {
            t: _shaping(self.name, t, v) for t, v in dict(self._by_table("edge_cases", edge_cases) or {}).items()
        }
        for table in [*conditions, *shaping]:
            self._check_shaping(table, conditions.get(table), shaping.get(table, {}))
        frames: dict[str, pd.DataFrame] = {}
        latents: dict[str, tuple[tuple[str, ...], NDArray[np.float64]]] = {}
        counts: dict[str, NDArray[np.int64]] = {}
        for table in self.order:
            plan = self._plan[table]
            own = derive_seed(seed, "table", table)
            if plan.parent is None:
                frame, x, _ = self._draw(plan, roots[table], own, conditions.get(table), shaping.get(table, {}))
                parent_rows = None
            else:
                parent_rows = np.repeat(np.arange(len(frames[plan.parent.parent])), counts[table])
                pins = self._pins(plan, parent_rows, latents[plan.parent.parent])
                frame, x, held = self._draw(
                    plan,
                    len(parent_rows),
                    own,
                    conditions.get(table),
                    shaping.get(table, {}),
                    pins=pins,
                    parent=(frames[plan.parent.parent], parent_rows),
                )
                if plan.cross and len(frame):
                    _enforce_cross(plan, frame, frames[plan.parent.parent], parent_rows, x, held)
            latents[table] = x
            for child, how in self._children_counts(table).items():
                counts[child] = self._counts(frame, how, derive_seed(seed, "count", child))
            frames[table] = self._finish(table, plan, frame, frames, parent_rows, own, seed)
        return frames

    def _by_table(self, argument: str, value: Any, *, where: str = "") -> Any:
        """Return ``value`` (a dict of table -> option, or None); raise InvalidArgument when a key is not a table.

        A key that is a column of a table (``conditions={"plan": "premium"}``) gets a message that says to key
        the option by table, with the dict to pass. ``where`` says what was called (default ``dataset <name>:``);
        one that ends in ``(`` (``synth_shop_factory(``) gets the argument and a closing parenthesis.
        """
        if value is None:
            return None
        where = where or f"dataset {self.name!r}: "
        shown = f"{where}{argument}={_show(value)}" + (")" if where.endswith("(") else "")
        if not isinstance(value, Mapping):
            raise InvalidArgument(
                f"{shown} must be a dict of table -> that table's {argument}, e.g. "
                f"{argument}={{{self.order[0]!r}: ...}}; the tables are {self.order}."
            )
        strays = [key for key in value if key not in self._plan]
        if not strays:
            return value
        owners = {key: [t for t in self.order if key in self.columns(t)] for key in strays}
        if all(owners.values()) and argument != "edge_cases":  # (a table's edge_cases is a share, not columns)
            keyed: dict[str, dict[Any, Any]] = {}
            for key in strays:
                keyed.setdefault(owners[key][0], {})[key] = value[key]
            where_from = "; ".join(f"{key!r} is a column of {' and '.join(map(repr, t))}" for key, t in owners.items())
            raise InvalidArgument(
                f"{shown}: {where_from}, not a table; dataset {self.name!r} holds linked tables, so key "
                f"{argument} by table: pass {argument}={_show(keyed)}."
            )
        raise InvalidArgument(
            f"{shown}: {strays[0]!r} is not a table of dataset {self.name!r} (its tables are "
            f"{self.order}); key {argument} by table, e.g. {argument}={{{self.order[0]!r}: ...}}."
        )

    def _edge_tables(self, kinds: Any = None, fixed: Mapping[str, Any] | None = None) -> list[str]:
        """The tables that have an edge case (of ``kinds``, default all) in a column that may get one.

        ``fixed`` maps a table to the columns its conditions or balance already fix (they get no edge cases).
        """
        from ._edges import KINDS, edge_slots

        wanted = list(KINDS) if kinds is None else [kinds] if isinstance(kinds, str) else list(kinds)
        wanted = [k for k in wanted if k in KINDS]  # (an unknown kind is Model.sample's to refuse, naming it)
        out = []
        for table in self.order:
            plan = self._plan[table]
            taken = _columns_of((fixed or {}).get(table))
            free = [c for c in self._edge_among(plan, {}) if c not in taken]
            if edge_slots(plan.model, wanted, free, False):
                out.append(table)
        return out

    def _share_for_all(self, share: Any, conditions: Mapping[str, Any]) -> dict[str, Any]:
        """``edge_cases=<share>``: that share for every table with an edge case left beside its ``conditions``."""
        from ._validate import check_share

        rate = check_share(share, argument="edge_cases", where=f"dataset {self.name!r}")
        if not rate:
            return {}
        tables = self._edge_tables(fixed=conditions)
        if not tables:
            raise InvalidArgument(
                f"edge_cases={share!r}: no table of dataset {self.name!r} has a column with an edge case (tail, bound, "
                "rare, null or text) that its conditions leave free; leave edge_cases at 0."
            )
        return dict.fromkeys(tables, rate)

    def _edge_among(self, plan: _Table, shaping: Mapping[str, Any]) -> list[str]:
        """The columns of ``plan``'s model that may get edge cases: a child leaves out its bookkeeping columns and
        those a constraint across tables binds (their range is the parent row's), unless ``edge_columns`` names them.
        """
        model = plan.model
        if plan.parent is None:
            return list(model.columns)
        bound = set() if shaping.get("edge_columns") is not None else {c for a, b, _ in plan.cross for c in (a, b)}
        return [c for c in model.columns if c not in plan.hidden and c not in bound]

    def _children_counts(self, table: str) -> dict[str, Any]:
        plan = self._plan[table]
        out: dict[str, Any] = {}
        for child, cplan in self._plan.items():
            if cplan.parent is not None and cplan.parent.parent == table:
                out[child] = plan.counts.get(child, count_column(child))
        return out

    @staticmethod
    def _counts(frame: pd.DataFrame, how: Any, seed: int) -> NDArray[np.int64]:
        if isinstance(how, str):
            values = frame[how]
        else:  # a declared count, one draw per parent row (row-stable like any sample)
            values = how.sample(len(frame), seed=seed)["n"]
        counts = values.to_numpy(dtype=np.float64, na_value=0.0)
        return np.maximum(np.nan_to_num(np.round(counts)), 0).astype(np.int64)

    def _check_shaping(self, table: str, conditions: Any, shaping: dict[str, Any]) -> None:
        """Refuse conditions and edge cases that name a table's hidden columns (its counts, its parent's coordinates)."""
        from .errors import ConditionError

        plan = self._table(table)
        if plan.parent is not None and conditions is not None and not isinstance(conditions, Mapping):
            raise InvalidArgument(
                f"dataset {self.name!r}: conditions[{table!r}] is {type(conditions).__name__}; a child table's rows "
                "are known only when its parents are sampled, so give a dict of column -> condition."
            )
        visible = self.columns(table)
        for column in conditions or {}:
            if column in plan.hidden:
                raise ConditionError(
                    f"dataset {self.name!r}: conditions[{table!r}] names {column!r}, which is not a column of "
                    f"{table!r} (it is the dataset's own bookkeeping); its columns are {visible}. Condition the "
                    "parent table to choose parents."
                )
        named = shaping.get("edge_columns")
        names = [named] if isinstance(named, str) else list(named or [])
        balance = shaping.get("balance")
        for column in [*names, *([balance] if isinstance(balance, str) else balance or [])]:
            if column in plan.hidden:
                raise InvalidArgument(
                    f"dataset {self.name!r}: edge_cases[{table!r}] names {column!r}, which is not a column of "
                    f"{table!r}; its columns are {visible}."
                )

    def _pins(
        self, plan: _Table, parent_rows: NDArray[np.int64], parent_latent: tuple[tuple[str, ...], NDArray[np.float64]]
    ) -> dict[int | str, tuple[Any, Any]]:
        """A child's hidden parent coordinates, fixed at its parent row's own (``low == high``: the conditional Gaussian)."""
        labels, x = parent_latent
        pins: dict[int | str, tuple[Any, Any]] = {}
        for label in plan.context:
            assert plan.parent is not None
            name = context_column(plan.parent.parent, label)
            value = x[labels.index(label)][parent_rows]
            z = _latent_of(plan.model.column(name), value)
            pins[name] = (z, z)
        return pins

    def _needs_latent(self, plan: _Table) -> bool:
        """Whether a table's latent coordinates are needed after its rows: its children or its cross constraints."""
        return self._children_counts_need_latent(plan) or bool(plan.cross)

    def _draw(
        self,
        plan: _Table,
        n: int,
        seed: int,
        conditions: Any,
        shaping: dict[str, Any],
        *,
        pins: Mapping[int | str, tuple[Any, Any]] | None = None,
        parent: tuple[pd.DataFrame, NDArray[np.int64]] | None = None,
    ) -> tuple[pd.DataFrame, tuple[tuple[str, ...], NDArray[np.float64]], dict[str, NDArray[np.bool_]]]:
        """A table's rows, their latent coordinates, and per column the rows a condition or edge case holds.

        A child's ``pins`` fix its parent coordinates (:class:`~pytest_synthdata._latent.Restricted`);
        its conditions and edge cases are then boxes of the Gaussian conditional on them
        (:class:`~pytest_synthdata._latent.Regions`), and its row constraints redraw a failing row from
        the row's own redraw stream with the same parent coordinates.
        """
        from ._conditions import FLOOR
        from ._latent import LatentSource, Restricted, SpreadRows
        from ._model import _edges_requested

        model = plan.model
        own_path = not pins and not self._needs_latent(plan) and not (shaping and plan.parent and plan.hidden)
        if own_path:  # (nothing reads the coordinates, no bookkeeping column to keep edge cases out of)
            frame = model.sample(n, seed=seed, conditions=conditions, **shaping)
            return frame, ((), np.empty((0, n))), {}

        row_plan = keys = which = None
        if _edges_requested(
            shaping.get("edge_cases", 0.0),
            shaping.get("edge_kinds"),
            shaping.get("edge_columns"),
            shaping.get("balance"),
        ):
            from ._edges import plan_rows

            among = self._edge_among(plan, shaping) if plan.parent else None
            row_plan = plan_rows(model, n, seed, conditions=conditions, among=among, **shaping)
            if pins:  # (probable enough over all parents; a row given an unusual parent: its own far tail)
                row_plan.source(model, SpreadRows(seed), n)
        elif conditions is not None:
            from ._conditions import conditioned_rows, row_conditions

            keys, which = row_conditions(conditions, n)
            if pins:
                conditioned_rows(model, SpreadRows(seed), keys, which, n)

        def build(seeded: LatentSource) -> LatentSource:
            """The rows of a seeded source under the parent pins, conditions, edge cases and cross bounds."""
            from ._conditions import conditioned_rows

            source = base = Restricted(seeded, pins) if pins else seeded
            if row_plan is not None:
                source = row_plan.source(model, source, n, floor=0.0 if pins else FLOOR)
            elif keys is not None and which is not None:
                source = conditioned_rows(model, source, keys, which, n, floor=0.0 if pins else FLOOR)
            if parent is not None and plan.cross and source is not base:
                source = _with_cross_bounds(plan, source, *parent)
            return source

        source = build(SpreadRows(seed))
        frame = model.sample_from(source, n)
        space = model.latent_space
        x = source.rows(space, 0, n).x if n else np.empty((space.dims, 0))
        if model._row_constraints and n:
            frame = model._keep_rows(
                frame, n, seed, False, conditions, None, row_plan, source_for=lambda s: build(SpreadRows(s)), latent=x
            )
        if row_plan is not None and row_plan.edges is not None:
            model._exact_bounds(frame, row_plan.edges)
            frame.attrs["synthdata"]["edges"] = row_plan.edges
        fixed = set(source.given(space)) if pins else set()
        held = {space.labels[j]: mask for j, mask in source.held(space, n).items() if j not in fixed}
        return frame, (space.labels, x), held

    def _children_counts_need_latent(self, plan: _Table) -> bool:
        """Whether a child of this table is conditioned on its latent coordinates."""
        return any(p.context and p.parent is not None and p.parent.parent == plan.name for p in self._plan.values())

    def _finish(
        self,
        table: str,
        plan: _Table,
        frame: pd.DataFrame,
        frames: Mapping[str, pd.DataFrame],
        parent_rows: NDArray[np.int64] | None,
        own: int,
        seed: int,
    ) -> pd.DataFrame:
        import pandas as pd

        n = len(frame)
        out = frame.drop(columns=[c for c in frame.columns if c in plan.hidden])
        if plan.key is not None:
            if plan.fitted:
                keys = np.arange(1, n + 1, dtype=np.int64)
                # (text keys in pandas' own text dtype, as the children's copies of them infer it: str on pandas 3)
                values: Any = pd.Series(keys.astype(str).astype(object)).infer_objects() if plan.key_text else keys
                out.insert(0, plan.key, values)
            elif not out[plan.key].is_unique:
                raise InvalidArgument(
                    f"dataset {self.name!r}: the primary key {table}.{plan.key} of the sample repeats values; "
                    f"declare it so that it is unique, e.g. {plan.key!r}: sd.Id()."
                )
        if plan.parent is not None:
            assert parent_rows is not None
            _put(out, plan.parent.column, _key_copy(frames[plan.parent.parent][plan.parent.key], parent_rows))
        for r, link in enumerate(plan.links):
            linked = frames[link.parent][link.key]
            u = draw_blocks(own, STREAM_LINKS + r, 0, n, lambda rng, m: rng.random((m, 2))) if n else np.empty((0, 2))
            if n and len(linked) == 0:
                raise InvalidArgument(
                    f"dataset {self.name!r}: {link} needs rows of {link.parent!r}, which the sample has none of; "
                    f"give it rows with sizes={{{link.parent!r}: ...}}."
                )
            at = np.minimum((u[:, 0] * len(linked)).astype(np.int64), max(len(linked) - 1, 0))
            rate = plan.link_nulls.get(link.column, 0.0)
            _put(out, link.column, _key_copy(linked, at if len(linked) else at[:0], u[:, 1] < rate if rate else None))
        out.index = pd.RangeIndex(n)
        if plan.output:
            out = out[[c for c in plan.output if c in out.columns]]
        edges = frame.attrs.get("synthdata", {}).get("edges")  # (a root sampled with edge cases lists them)
        out.attrs["synthdata"] = {"dataset": self.name, "table": table, "seed": seed}
        if edges is not None:
            out.attrs["synthdata"]["edges"] = edges
        return out


def _common(values: pd.Series) -> tuple[NDArray[Any], NDArray[np.bool_]]:
    """A column's values in the units order constraints compare (int64 ns for times, float otherwise), and nulls."""
    import pandas as pd

    missing = values.isna().to_numpy()
    if pd.api.types.is_datetime64_any_dtype(values):
        ns = values.dt.tz_localize(None) if isinstance(values.dtype, pd.DatetimeTZDtype) else values
        return ns.to_numpy("datetime64[ns]").astype(np.int64), missing
    return values.to_numpy(dtype=np.float64, na_value=np.nan), missing


def _enforce_cross(
    plan: _Table,
    frame: pd.DataFrame,
    parent: pd.DataFrame,
    parent_rows: NDArray[np.int64],
    latent: tuple[tuple[str, ...], NDArray[np.float64]],
    held: Mapping[str, NDArray[np.bool_]] | None = None,
) -> None:
    """Make every constraint across tables hold, moving the child's value (never the parent's).

    A violating value is redrawn beyond its parent's value from the child
    column's latent distribution given the rest of its row, the parent's
    coordinates included (truncation, as ``Model._enforce_order`` does within
    a table); the child's own order
    constraints that start from a moved column then hold again the same way.
    A value that a condition or edge case of the child fixes (``held``) never
    moves: where it breaks the constraint, the conditions conflict with it,
    which raises ConditionError.
    """
    from .errors import ConditionError

    assert plan.parent is not None
    held = held or {}
    prefix = f"{plan.parent.parent}."
    for low, high, strict in plan.cross:
        up = low.startswith(prefix)  # the child's column must lie above its parent's
        mine, theirs = (high, low[len(prefix) :]) if up else (low, high[len(prefix) :])
        bound, bound_missing = _common(parent[theirs])
        bound, bound_missing = bound[parent_rows], bound_missing[parent_rows]
        fixed = held.get(mine)
        if fixed is not None and fixed.any():
            values, missing = _common(frame[mine])
            broken = fixed & ~missing & ~bound_missing
            broken &= (
                (values <= bound if strict else values < bound)
                if up
                else (values >= bound if strict else values > bound)
            )
            if broken.any():
                raise ConditionError(
                    f"table {plan.name!r}: the conditions or edge cases on {mine!r} leave {int(broken.sum())} of "
                    f"{len(frame)} rows where the constraint across tables '{low} {'<' if strict else '<='} {high}' "
                    f"cannot hold (their parent rows' {theirs!r} lies beyond); condition {plan.parent.parent!r} "
                    f"as well, or leave {mine!r} out of them."
                )
            bound_missing = bound_missing | fixed  # (held values already keep it)
        _move(plan, frame, mine, bound, bound_missing, strict, up, latent, 0)


def _with_cross_bounds(plan: _Table, source: Any, parent: pd.DataFrame, parent_rows: NDArray[np.int64]) -> Any:
    """``source`` with each conditioned row's box narrowed to what its constraints across tables allow.

    A condition (or edge case) on a child column that a constraint ties to its parent (``placed >=
    customers.signup``) is a box on the column's coordinate; the constraint is the per-row bound "at
    least the parent's value", the least latent score whose value is beyond it. Their intersection is
    again a box per row, so the row is drawn exactly given its parent, its condition *and* the
    constraint. A row whose intersection is empty raises ConditionError.
    """
    from ._columns import NumericColumn
    from ._conditions import _monotone_intervals
    from ._latent import BoxRows, Pinned, Regions
    from .errors import ConditionError

    regions = source.inner if isinstance(source, Pinned) else source
    if not isinstance(regions, Regions):
        return source
    assert plan.parent is not None
    model, prefix = plan.model, f"{plan.parent.parent}."
    space = model.latent_space
    groups = []
    for group in regions.groups:
        low, high = group.low, group.high
        for low_side, high_side, strict in plan.cross:
            up = low_side.startswith(prefix)
            mine, theirs = (high_side, low_side[len(prefix) :]) if up else (low_side, high_side[len(prefix) :])
            col = model.column(mine)
            j = space.coordinate(mine)
            if not isinstance(col, NumericColumn) or j not in group.coords:
                continue
            t = group.coords.index(j)
            bound, missing = _common(parent[theirs])
            bound, missing = bound[parent_rows][group.rows], missing[parent_rows][group.rows]
            low = np.array(np.broadcast_to(low, (len(group.rows), *low.shape[1:])))
            high = np.array(np.broadcast_to(high, (len(group.rows), *high.shape[1:])))
            present = ~missing
            if up:
                edge = col.least_above(bound[present], strict=strict)
                z, _ = _monotone_intervals(col.from_latent, edge, np.full(len(edge), np.inf))
                low[present, :, t] = np.maximum(low[present, :, t], z[:, None])
            else:
                edge = col.greatest_below(bound[present], strict=strict)
                _, z = _monotone_intervals(col.from_latent, np.full(len(edge), -np.inf), edge)
                high[present, :, t] = np.minimum(high[present, :, t], z[:, None])
            empty = np.all(np.any(low > high, axis=2), axis=1)
            if empty.any():
                row = int(group.rows[np.argmax(empty)])
                raise ConditionError(
                    f"table {plan.name!r}: the conditions or edge cases on {mine!r} leave {int(empty.sum())} rows "
                    f"(the first is row {row}) no value that keeps the constraint across tables "
                    f"'{low_side} {'<' if strict else '<='} {high_side}' (their parent rows' {theirs!r} lies beyond "
                    f"them); condition {plan.parent.parent!r} as well, or widen them."
                )
        groups.append(
            group if low is group.low and high is group.high else BoxRows(group.rows, group.coords, low, high)
        )
    narrowed = Regions(regions.inner, groups)
    return Pinned(narrowed, source.pins) if isinstance(source, Pinned) else narrowed


def _move(
    plan: _Table,
    frame: pd.DataFrame,
    column: str,
    bound: NDArray[Any],
    bound_missing: NDArray[np.bool_],
    strict: bool,
    up: bool,
    latent: tuple[tuple[str, ...], NDArray[np.float64]],
    depth: int,
) -> None:
    import pandas as pd
    from scipy import special

    model = plan.model
    col = model.column(column)
    values, missing = _common(frame[column])
    bad = ~missing & ~bound_missing
    bad &= (values <= bound if strict else values < bound) if up else (values >= bound if strict else values > bound)
    if not bad.any() or depth > len(model._order_constraints) + 1:
        return
    labels, x = latent
    u = special.ndtr(x[labels.index(column)][bad]) if column in labels else np.full(int(bad.sum()), 0.5)
    # (drawn from the column's latent distribution given the rest of its row, its parent's coordinates included)
    given = model.row_latent(column, x, np.flatnonzero(bad)) if column in labels else None
    if up:
        raw = col.draw_at_least(col.least_above(bound[bad], strict=strict), u, given)
    else:
        raw = col.draw_at_most(col.greatest_below(bound[bad], strict=strict), u, given)
    new = col.finalize(np.asarray(raw), None)
    j = int(frame.columns.get_loc(column))  # type: ignore[arg-type]
    values = pd.Series(np.asarray(new), copy=False).astype(frame[column].dtype)  # type: ignore[arg-type]
    frame.iloc[np.flatnonzero(bad), j] = values.array  # type: ignore[index]
    moved, _ = _common(frame[column])
    for a, b, s in model._order_constraints:  # the table's own constraints that the move may break
        if up and a == column:
            _move(plan, frame, b, moved, missing, s, True, latent, depth + 1)
        elif not up and b == column:
            _move(plan, frame, a, moved, missing, s, False, latent, depth + 1)


def _shaping(name: str, table: str, value: Any) -> dict[str, Any]:
    """``edge_cases={table: ...}`` of ``Dataset.sample``: a share, or a dict of Model.sample's shaping options."""
    keys = ("edge_cases", "edge_kinds", "edge_columns", "balance")
    if isinstance(value, Mapping):
        unknown = sorted(set(value) - set(keys))
        if unknown:
            raise InvalidArgument(
                f"dataset {name!r}: edge_cases[{table!r}] has {unknown}; it takes {list(keys)} (as Model.sample does)."
            )
        return dict(value)
    return {"edge_cases": value}


def _key_copy(keys: pd.Series, rows: NDArray[np.int64], missing: NDArray[np.bool_] | None = None) -> pd.Series:
    """A foreign key column: the parent's ``keys`` at ``rows``, in the key's own dtype (a text key's copy is the
    same text dtype on pandas 2 and 3, so merges and comparisons see one type); ``missing`` rows hold no key
    (whole-number keys then in their nullable dtype, ``int64`` -> ``Int64``)."""
    picked = keys.take(rows).reset_index(drop=True)
    if missing is None or not missing.any():
        return picked
    dtype = picked.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "iub":
        picked = picked.astype("boolean" if dtype.kind == "b" else dtype.name.capitalize().replace("Uint", "UInt"))
    return picked.where(~missing, None)


def _columns_of(given: Any) -> set[str]:
    """The columns a table's conditions (a dict, or a per-row DataFrame) or balance (a name or dict) name."""
    if given is None:
        return set()
    if isinstance(given, str):
        return {given}
    names = given.columns if hasattr(given, "columns") else given
    return {str(c) for c in names}


def _show(value: Any) -> str:
    """``repr(value)`` cut to one short line, for messages."""
    text = " ".join(repr(value).split())
    return text if len(text) <= 100 else f"{text[:97]}..."


def _is_counter(spec: object) -> bool:
    """Whether ``spec`` is a built count model: a Model with the one column ``n``."""
    from ._model import Model

    return isinstance(spec, Model) and spec.columns == ["n"]


def _put(frame: pd.DataFrame, column: str, values: pd.Series) -> None:
    """Set (or add at the end) a key column, aligned with the frame's rows."""
    values.index = frame.index
    frame[column] = values


def _output_columns(plan: _Table) -> list[str]:
    if plan.output:
        return [c for c in plan.output if c in plan.model.columns or c in _keys(plan)]
    cols = [c for c in plan.model.columns if c not in plan.hidden]
    if plan.key is not None and plan.key not in cols:
        cols.insert(0, plan.key)
    for r in ([plan.parent] if plan.parent else []) + plan.links:
        if r.column not in cols:
            cols.append(r.column)
    return cols


def _keys(plan: _Table) -> list[str]:
    return [c for c in [plan.key, *(r.column for r in ([plan.parent] if plan.parent else []) + plan.links)] if c]


def _latent_of(col: Any, values: NDArray[np.float64]) -> NDArray[np.float64]:
    """Return the latent scores at which ``col``'s (non-decreasing) marginal reaches ``values``: vectorised bisection.

    ``col`` is a context column: its values are the parent's coordinates over the real child rows. Its fitted
    marginal flattens beyond the range they covered, so a parent row beyond it would be pinned far out (up to
    the search's edge ``+-_REACH``), where the child's conditional Gaussian is an extrapolation that makes
    even ordinary conditions on the child impossible; scores are kept within ``+-_PIN`` instead.
    """
    lo = np.full(len(values), -_REACH)
    hi = np.full(len(values), _REACH)
    target = np.asarray(values, dtype=np.float64)
    for _ in range(56):  # (the bracket shrinks to 17 / 2**56: below a double's resolution near any score)
        mid = 0.5 * (lo + hi)
        below = np.asarray(col.to_common(col.from_latent(mid)), dtype=np.float64) < target
        lo = np.where(below, mid, lo)
        hi = np.where(below, hi, mid)
    return np.clip(0.5 * (lo + hi), -_PIN, _PIN)


def _own_model(name: str, plan: _Table) -> Model:
    """``plan``'s model with the dataset's bookkeeping columns hidden: modelled still, never in a frame.

    Hidden rather than dropped, so the copula, and every column that reads one of them, stays as fitted; the
    stored profile keeps the table's own columns.
    """
    import copy
    import dataclasses

    model = plan.model
    if not any(c in plan.hidden and not model.column(c).hidden for c in model.modelled_columns):
        return model
    columns = []
    for col in model._columns:
        if col.name in plan.hidden and not col.hidden:
            col = copy.copy(col)
            col.hidden = True
        columns.append(col)
    try:
        own = model.replaced(columns=columns)
    except InvalidArgument as exc:
        raise InvalidArgument(
            f"dataset {name!r}: table {plan.name!r} cannot be separated from the dataset's own columns "
            f"({sorted(plan.hidden)}): {exc} Sample the dataset, and validate with Dataset.validate."
        ) from None
    profile = model.profile
    if profile is not None:
        own.profile = dataclasses.replace(
            profile,
            columns={c: p for c, p in profile.columns.items() if c not in plan.hidden},
            correlations={k: v for k, v in profile.correlations.items() if not set(k) & plan.hidden},
            pairs={k: v for k, v in profile.pairs.items() if not set(k) & plan.hidden},
        )
    return own


def _check_tables(name: str, tables: object) -> dict[str, Model]:
    from ._model import Model

    if not isinstance(tables, Mapping) or not tables:
        raise InvalidArgument(f"Dataset {name!r}: tables must be a non-empty dict of table name -> Schema or Model.")
    out: dict[str, Model] = {}
    for table, model in tables.items():
        check_name(table, argument="table name", where=f"Dataset {name!r}")
        if not isinstance(model, Model):
            raise InvalidArgument(
                f"Dataset {name!r}: table {table!r} is {type(model).__name__}; give an sd.Schema or fitted Model."
            )
        out[str(table)] = model
    return out


def _plan_relations(name: str, plan: dict[str, _Table], relations: list[Relation]) -> None:
    """Give each table its key, its parent (the first relation naming it as child) and its further links."""
    where = f"Dataset {name!r}"
    for rel in relations:
        for table in (rel.child, rel.parent):
            if table not in plan:
                raise InvalidArgument(
                    f"{where}: relation {rel} names {table!r}, which is not a table; tables are {list(plan)}."
                )
        parent = plan[rel.parent]
        if parent.key not in (None, rel.key):
            raise InvalidArgument(
                f"{where}: table {rel.parent!r} is referred to by {parent.key!r} and by {rel.key!r}; a table has one "
                "primary key."
            )
        parent.key = rel.key
        child = plan[rel.child]
        if rel.column in {r.column for r in ([child.parent] if child.parent else []) + child.links}:
            raise InvalidArgument(f"{where}: {rel.child}.{rel.column} is a foreign key twice.")
        if child.parent is None:
            child.parent = rel
        else:
            child.links.append(rel)


def _dependency_order(name: str, plan: dict[str, _Table]) -> list[str]:
    """Tables parents first (every foreign key's table after the table it refers to); raise on a cycle."""
    needs = {t: {r.parent for r in ([p.parent] if p.parent else []) + p.links} for t, p in plan.items()}
    order: list[str] = []
    while len(order) < len(plan):
        ready = [t for t in plan if t not in order and needs[t] <= set(order)]
        if not ready:
            stuck = sorted(t for t in plan if t not in order)
            raise InvalidArgument(
                f"Dataset {name!r}: the relations among {stuck} form a cycle; every chain of foreign keys must end "
                "at a table without one."
            )
        order.extend(ready)
    return order
