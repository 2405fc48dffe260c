"""Fitting linked tables: ``sd.fit({"customers": c, "orders": o}, relations=[...])`` -> Dataset.

Tables are fitted parents first, each with the native (or chosen) engine:

* a parent's frame gets one integer column per child table, ``"#<child>"``:
  how many child rows each of its rows has (so the count is a column of the
  parent's copula, correlated with its attributes);
* a child's frame gets its parent row's latent coordinates, one float column
  ``"<parent>.<column>"`` per modelled column of the parent. A real parent
  row's coordinate is found by the *distributional transform*
  (Rüschendorf 2009, "On the distributional transform, Sklar's theorem, and
  the empirical copula process"): ``Phi^-1(F(v-) + W (F(v) - F(v-)))`` with
  ``W`` uniform, ``F`` the column's empirical distribution (numbers, dates)
  or, for categories and booleans, the model's own interval of the value. The
  coordinates are then standard normal over the parent's rows, exactly as the
  coordinates a sampled parent row has, so the child's copula learns how its
  columns depend on them and ``Dataset.sample`` conditions on them;
* keys are left out of every fit: primary keys are regenerated (row numbers)
  and foreign keys point at the sampled parent rows.

Order relations that fit detects between a child's own columns and the hidden
parent coordinates mean nothing and are dropped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import special

from .._dataset import (
    Dataset,
    Relation,
    _dependency_order,
    _plan_relations,
    _Table,
    context_column,
    count_column,
    parse_relation,
)
from .._seeding import derive_seed, generator
from .._validate import check_name
from ..errors import InvalidArgument

if TYPE_CHECKING:
    import pandas as pd
    from numpy.typing import NDArray

    from .._model import Model

__all__ = ["fit_dataset", "latent_scores"]

#: Grades of the distributional transform stay this far inside (0, 1), so every coordinate is finite.
_GRADE_EDGE = 1e-9


def _per_table(option: Any, tables: Sequence[str], argument: str) -> dict[str, Any]:
    """``columns=`` / ``constraints=`` of a dataset fit: a dict of table -> the single-table argument."""
    if option is None:
        return {}
    if not isinstance(option, Mapping) or not set(option) <= set(tables):
        raise InvalidArgument(
            f"fit(dict of frames): {argument}= must map table names to that table's {argument} (tables are "
            f"{list(tables)}); got {option!r}."
        )
    return dict(option)


def fit_dataset(
    frames: Mapping[str, pd.DataFrame],
    *,
    name: str | None,
    relations: Sequence[Any],
    columns: Mapping[str, Any] | None = None,
    constraints: Mapping[str, Any] | None = None,
    public: Mapping[str, Any] | None = None,
    fit_table: Any,
    **options: Any,
) -> Dataset:
    """Fit each table of ``frames`` parents first and return the Dataset (see the module docstring).

    ``fit_table(df, name=..., columns=..., constraints=..., **options)`` fits one table.
    """
    import pandas as pd

    if name is None:
        raise InvalidArgument("fit(dict of frames) needs name= for the dataset, e.g. name='shop'.")
    name = check_name(name, where="fit")
    if not isinstance(frames, Mapping) or not frames:
        raise InvalidArgument("fit: a dataset is a non-empty dict of table name -> DataFrame.")
    for table, df in frames.items():
        check_name(table, argument="table name", where=f"fit({name!r})")
        if not isinstance(df, pd.DataFrame):
            raise InvalidArgument(f"fit({name!r}): table {table!r} is {type(df).__name__}; give a pandas DataFrame.")
    if isinstance(relations, (str, tuple)) or not isinstance(relations, Sequence):
        raise InvalidArgument(
            f"fit({name!r}): relations= must be a list, e.g. [('orders.customer_id', 'customers.id')]; got {relations!r}."
        )
    rels = [parse_relation(r, where=f"fit({name!r}): relations") for r in relations]
    plan = {t: _Table(t, None) for t in frames}  # type: ignore[arg-type]
    _plan_relations(name, plan, rels)
    order = _dependency_order(name, plan)
    for rel in rels:
        _check_relation(name, frames, rel)
    columns = _per_table(columns, list(frames), "columns")
    constraints = _per_table(constraints, list(frames), "constraints")
    public = _per_table(public, list(frames), "public")

    positions: dict[Relation, NDArray[np.int64]] = {}
    for rel in rels:
        index = pd.Index(frames[rel.parent][rel.key])
        positions[rel] = index.get_indexer(frames[rel.child][rel.column]).astype(np.int64)

    models: dict[str, Model] = {}
    scores: dict[str, dict[str, NDArray[np.float64]]] = {}
    info_tables: dict[str, Any] = {}
    for table in order:
        t = plan[table]
        df = frames[table]
        keep = np.ones(len(df), dtype=bool)
        if t.parent is not None:
            keep = positions[t.parent] >= 0  # rows without a parent row (a missing key) are left out
        drop = [c for c in [t.key, *(r.column for r in ([t.parent] if t.parent else []) + t.links)] if c is not None]
        data = df.loc[keep, [c for c in df.columns if c not in drop]].reset_index(drop=True)
        kinds: dict[str, Any] = dict(columns.get(table) or {})
        for child, cplan in plan.items():
            if cplan.parent is not None and cplan.parent.parent == table:
                pos = positions[cplan.parent]
                data[count_column(child)] = np.bincount(pos[pos >= 0], minlength=len(df)).astype(np.int64)
                kinds[count_column(child)] = "integer"
                t.hidden.add(count_column(child))
        context: list[str] = []
        if t.parent is not None:
            parent_scores = scores[t.parent.parent]
            pos = positions[t.parent][keep]
            for label, values in parent_scores.items():
                ctx = context_column(t.parent.parent, label)
                data[ctx] = values[pos]
                kinds[ctx] = "float"
                t.hidden.add(ctx)
                context.append(label)
        for link in t.links:
            missing = float(frames[table][link.column].isna().mean()) if len(df) else 0.0
            if missing > 0:
                t.link_nulls[link.column] = missing
        model = fit_table(
            data, name=table, columns=kinds, constraints=constraints.get(table), public=public.get(table), **options
        )
        model = _without_context_constraints(model, t.hidden)
        t.model = model
        # a hidden coordinate the fitter modelled given a category cannot be set on its own: left free
        t.context = [
            label
            for label in context
            if type(model.column(context_column(t.parent.parent, label))).__name__ == "NumericColumn"  # type: ignore[union-attr]
        ]
        t.output = [c for c in df.columns]
        t.fitted = True
        t.key_text = t.key is not None and not pd.api.types.is_numeric_dtype(df[t.key])
        models[table] = model
        info_tables[table] = {"rows_left_out": int((~keep).sum())} if (~keep).any() else {}
        if any(c.parent is not None and c.parent.parent == table for c in plan.values()):
            rng = generator(derive_seed(0, "distributional transform", name, table))
            scores[table] = latent_scores(model, data, rng, skip=t.hidden - {count_column(c) for c in plan})
    roots = [t for t in order if plan[t].parent is None]
    sizes = {t: len(frames[t]) / max(len(frames[roots[0]]), 1) for t in roots[1:]}
    dataset = Dataset(name, models, rels, sizes=sizes, info={"tables": info_tables})
    for table, t in plan.items():
        mine = dataset._plan[table]
        mine.fitted, mine.key_text, mine.hidden = True, t.key_text, set(t.hidden)
        mine.context, mine.link_nulls, mine.output = list(t.context), dict(t.link_nulls), list(t.output)
    return dataset


def _check_relation(name: str, frames: Mapping[str, pd.DataFrame], rel: Relation) -> None:
    where = f"fit({name!r}): relation {rel}"
    for table, column in ((rel.child, rel.column), (rel.parent, rel.key)):
        if column not in frames[table].columns:
            raise InvalidArgument(
                f"{where}: table {table!r} has no column {column!r}; its columns are {list(frames[table].columns)}."
            )
    key = frames[rel.parent][rel.key]
    if key.isna().any() or not key.is_unique:
        raise InvalidArgument(
            f"{where}: {rel.parent}.{rel.key} must be a primary key (unique, never missing); it has "
            f"{int(key.isna().sum())} missing and {int(key.duplicated().sum())} repeated values."
        )


def _without_context_constraints(model: Model, hidden: set[str]) -> Model:
    """``model`` without the order constraints fit found that involve hidden columns."""
    from .._model import Model

    kept = [c for c in model._order_constraints if c[0] not in hidden and c[1] not in hidden]
    if len(kept) == len(model._order_constraints):
        return model
    return Model(
        model.name,
        model._columns,
        latent_correlation=model.latent_correlation,
        order_constraints=kept,
        row_constraints=model._row_constraints,
        latent_nulls=model.latent_nulls,
        null_groups=model.null_groups,
        segment=model.segment,
        info=model.info,
        null_follows=model.null_follows,
    )


def latent_scores(
    model: Model,
    frame: pd.DataFrame,
    rng: np.random.Generator,
    *,
    skip: set[str] = frozenset(),  # type: ignore[assignment]
) -> dict[str, NDArray[np.float64]]:
    """Return each real row's latent coordinate per modelled column of ``model`` (the distributional transform).

    A column fitted per segment group is ranked within its row's group;
    columns in ``skip`` are left out; a missing value gets an independent
    coordinate.
    """
    import pandas as pd

    from .._conditions import Condition, _Resolver
    from ..errors import ConditionError

    out: dict[str, NDArray[np.float64]] = {}
    space = model.latent_space
    resolver = None
    n = len(frame)
    for label in model.modelled_columns:
        col = model.column(label)
        given = getattr(col, "given", None)
        if label in skip or label not in frame.columns or (given is not None and given not in frame.columns):
            continue
        s = frame[label]
        present = s.notna().to_numpy().copy()
        w = rng.random(n)
        low, high = np.zeros(n), np.ones(n)
        if hasattr(col, "categories") or col.kind == "boolean":
            if resolver is None:
                resolver = _Resolver(model)
            j = space.coordinate(label)
            codes, uniques = pd.factorize(s)
            for k, value in enumerate(uniques):
                try:
                    boxes = resolver.region(Condition(label, "values", (value,)))
                except ConditionError:
                    continue  # a value the model withheld: an independent coordinate
                if len(boxes) != 1 or j not in boxes[0]:
                    continue
                lo, hi = boxes[0][j]
                rows = codes == k
                low[rows], high[rows] = special.ndtr(lo), special.ndtr(hi)
        else:
            try:
                if isinstance(s.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(s):
                    values = pd.to_datetime(s).dt.tz_localize(None).to_numpy("datetime64[ns]").astype(np.int64)
                    values = values.astype(np.float64)
                else:
                    values = pd.to_numeric(s).to_numpy(dtype=np.float64, na_value=np.nan)
            except (TypeError, ValueError):
                continue  # (a column fit parsed from text: its coordinate stays free)
            present &= ~np.isnan(values)
            # a column fitted per segment group maps its coordinate through its group's marginal: rank within it
            groups = np.zeros(n, dtype=np.int64) if given is None else pd.factorize(frame[given])[0]
            for g in np.unique(groups[present]):
                rows = present & (groups == g)
                seen = np.sort(values[rows])
                low[rows] = np.searchsorted(seen, values[rows], side="left") / len(seen)
                high[rows] = np.searchsorted(seen, values[rows], side="right") / len(seen)
        grade = np.clip(low + w * (high - low), _GRADE_EDGE, 1.0 - _GRADE_EDGE)
        out[label] = special.ndtri(grade)
    return out
