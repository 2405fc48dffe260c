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

import re
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
    detect_constraints: bool = True,
    min_count: int = 5,
    fit_table: Any,
    **options: Any,
) -> Dataset:
    """Fit each table of ``frames`` parents first and return the Dataset (see the module docstring).

    ``fit_table(df, name=..., columns=..., constraints=..., **options)`` fits one table.
    """
    import pandas as pd

    if (
        isinstance(frames, Mapping) and frames and not any(isinstance(df, pd.DataFrame) for df in frames.values())
    ):  # (one table's columns, as a dict)
        first = next(iter(frames.values()))
        raise InvalidArgument(
            f"fit(): got a dict of {type(first).__name__} values ({', '.join(map(repr, list(frames)[:3]))}, ...): "
            "fit takes one table as a pandas DataFrame, e.g. sd.fit(pd.DataFrame(data), name=...), or linked "
            "tables as a dict of table name -> DataFrame with relations=."
        )
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
    _check_reserved(name, frames, plan)
    columns = _per_table(columns, list(frames), "columns")
    constraints = _per_table(constraints, list(frames), "constraints")
    public = _per_table(public, list(frames), "public")

    positions: dict[Relation, NDArray[np.int64]] = {}
    for rel in rels:
        index = pd.Index(frames[rel.parent][rel.key])
        positions[rel] = index.get_indexer(frames[rel.child][rel.column]).astype(np.int64)
        _check_matches(name, frames, rel, positions[rel], first=plan[rel.child].parent == rel)

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
        own, cross = _split_constraints(name, table, t.parent, constraints.get(table), df, frames, positions)
        model = fit_table(data, name=table, columns=kinds, constraints=own, public=public.get(table), **options)
        model = _without_context_constraints(model, t.hidden)
        t.model = model
        # a hidden coordinate the fitter modelled given a category cannot be set on its own: left free
        t.context = [
            label
            for label in context
            if type(model.column(context_column(t.parent.parent, label))).__name__ == "NumericColumn"  # type: ignore[union-attr]
        ]
        t.output = [c for c in df.columns]
        if t.parent is not None:
            if detect_constraints:
                cross += _detect_cross(model, models[t.parent.parent], t.parent, df, frames, positions, min_count)
            t.cross = _check_cross(name, model, t.parent.parent, cross)
        t.fitted = True
        t.key_text = t.key is not None and not pd.api.types.is_numeric_dtype(df[t.key])
        models[table] = model
        # (rows of no parent row: a key that finds none, or a missing key)
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
        mine.cross = list(t.cross)
    return dataset


_CROSS = re.compile(r"^\s*(\w+(?:\.\w+)?)\s*(<=|<|>=|>)\s*(\w+(?:\.\w+)?)\s*$")


def _split_constraints(
    name: str,
    table: str,
    parent: Relation | None,
    given: Any,
    df: pd.DataFrame,
    frames: Mapping[str, pd.DataFrame],
    positions: Mapping[Relation, NDArray[np.int64]],
) -> tuple[Any, list[tuple[str, str, bool]]]:
    """Split a table's ``constraints=`` into its own and those across tables (a side ``<parent>.<column>``)."""

    from .._constraints import LessThan

    if given is None:
        return None, []
    items = [given] if isinstance(given, (str, LessThan)) else list(given)
    own, cross = [], []
    for item in items:
        if isinstance(item, LessThan):
            sides: tuple[str, str, bool] | None = (item.low, item.high, item.strict)
        elif isinstance(item, str) and (m := _CROSS.match(item)) is not None:
            a, op, b = m.groups()
            sides = (a, b, op == "<") if op.startswith("<") else (b, a, op == ">")
        else:
            sides = None
        if sides is None or not any("." in side for side in sides[:2]):
            own.append(item)
            continue
        low, high, strict = sides
        where = f"fit({name!r}): constraint {item!r} of table {table!r}"
        if parent is None:
            raise InvalidArgument(f"{where} names another table, but {table!r} has no parent table.")
        prefix = f"{parent.parent}."
        if low.startswith(prefix) == high.startswith(prefix) or "." in (high if low.startswith(prefix) else low):
            raise InvalidArgument(
                f"{where}: compare one column of {table!r} with one of its parent {parent.parent!r}, "
                f"e.g. '{parent.parent}.signup <= placed'."
            )
        mine, theirs = (high, low[len(prefix) :]) if low.startswith(prefix) else (low, high[len(prefix) :])
        for tab, col in ((table, mine), (parent.parent, theirs)):
            if col not in frames[tab].columns:
                raise InvalidArgument(
                    f"{where}: table {tab!r} has no column {col!r}; it has {list(frames[tab].columns)}."
                )
        try:
            a, b = (_numbers(v) for v in _joined(low, high, prefix, df, frames[parent.parent], positions[parent]))
        except (ValueError, TypeError):
            raise InvalidArgument(f"{where}: compare two numeric or two date columns.") from None
        with np.errstate(invalid="ignore"):
            broken = int(np.count_nonzero((a >= b) if strict else (a > b)))
        if broken:
            raise InvalidArgument(f"{where}: the data break it in {broken} rows; every real row must keep it.")
        cross.append((low, high, strict))
    return own, cross


def _joined(
    low: str, high: str, prefix: str, child: pd.DataFrame, parent: pd.DataFrame, pos: NDArray[np.int64]
) -> tuple[pd.Series, pd.Series]:
    """The two sides of a constraint across tables, one value per child row that has a parent row."""
    keep = pos >= 0
    out = []
    for side in (low, high):
        if side.startswith(prefix):
            values = parent[side[len(prefix) :]].iloc[pos[keep]]
        else:
            values = child[side][keep]
        out.append(values.reset_index(drop=True))
    return out[0], out[1]


def _detect_cross(
    child: Model,
    parent: Model,
    rel: Relation,
    df: pd.DataFrame,
    frames: Mapping[str, pd.DataFrame],
    positions: Mapping[Relation, NDArray[np.int64]],
    min_count: int,
) -> list[tuple[str, str, bool]]:
    """Order relations between a child's column and its parent's that hold in every joined real row.

    The rule of single-table detection (``_fit/constraints.py``): the two
    columns' value ranges meet, and independent columns would keep the
    relation in all ``m`` rows with probability below ``COINCIDENCE``.
    """
    from .constraints import COINCIDENCE

    prefix = f"{rel.parent}."
    found = []
    ours = [c for c in child.modelled_columns if c in df.columns and getattr(child.column(c), "given", None) is None]
    theirs = [c for c in parent.modelled_columns if c in frames[rel.parent].columns]
    for c in ours:
        for p in theirs:
            fc, fp = child.column(c).family, parent.column(p).family
            if fc is None or fc != fp:
                continue
            for low, high in ((prefix + p, c), (c, prefix + p)):
                try:
                    a, b = (_numbers(v) for v in _joined(low, high, prefix, df, frames[rel.parent], positions[rel]))
                except (ValueError, TypeError):
                    continue
                both = ~(np.isnan(a) | np.isnan(b))
                m = int(both.sum())
                if m < 2 * min_count:
                    continue
                va, vb = a[both], b[both]
                if bool(np.any(va > vb)) or bool(np.array_equal(va, vb)):
                    continue
                sa, sb = np.sort(va), np.sort(vb)
                q = float(np.searchsorted(sb, sa, side="left").sum()) / (len(sa) * len(sb))
                if q <= 0.0 or m * np.log1p(-min(q, 1.0 - 1e-16)) >= np.log(COINCIDENCE):
                    continue
                found.append((low, high, not bool(np.any(va == vb))))
    return found


def _numbers(values: pd.Series) -> NDArray[np.float64]:
    """Values as comparable floats: numbers, or nanoseconds of timestamps (ISO date text parsed, as fit does); NaN missing.

    Raises ValueError or TypeError for values that are neither.
    """
    import pandas as pd

    if not pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_datetime64_any_dtype(values):
        try:
            values = pd.to_numeric(values)
        except (ValueError, TypeError):
            values = pd.to_datetime(values, format="ISO8601")
    if pd.api.types.is_datetime64_any_dtype(values):
        if isinstance(values.dtype, pd.DatetimeTZDtype):
            values = values.dt.tz_localize(None)
        ns = values.to_numpy("datetime64[ns]")
        return np.where(np.isnat(ns), np.nan, ns.astype(np.int64).astype(np.float64))
    return values.to_numpy(dtype=np.float64, na_value=np.nan)


def _check_cross(
    name: str, model: Model, parent: str, cross: list[tuple[str, str, bool]]
) -> list[tuple[str, str, bool]]:
    """Keep the constraints across tables whose child column can be redrawn on its own (not fitted per group)."""
    prefix = f"{parent}."
    kept = []
    for low, high, strict in cross:
        mine = high if low.startswith(prefix) else low
        if mine in model.modelled_columns and getattr(model.column(mine), "given", None) is None:
            kept.append((low, high, strict))
    return list(dict.fromkeys(kept))


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


def _check_reserved(name: str, frames: Mapping[str, pd.DataFrame], plan: Mapping[str, _Table]) -> None:
    """Refuse columns named as the dataset's own: a parent's ``"#<child>"``, a child's ``"<parent>.<column>"``.

    The fit adds those columns to the tables it fits (the counts, the parent's coordinates), so a real column of
    that name would be overwritten, then left out of every sample as bookkeeping.
    """
    for table, t in plan.items():
        children = [c for c, cp in plan.items() if cp.parent is not None and cp.parent.parent == table]
        prefix = f"{t.parent.parent}." if t.parent is not None else None
        for column in frames[table].columns:
            label = str(column)
            if label in {count_column(c) for c in children}:
                why = f"the dataset's count of {label[1:]!r} rows per {table!r} row"
            elif prefix is not None and label.startswith(prefix):
                why = f"the columns of its parent table {prefix[:-1]!r} ('{prefix}<column>')"
            else:
                continue
            raise InvalidArgument(
                f"fit({name!r}): table {table!r} has a column {label!r}, a name reserved for {why}; rename it, "
                f"e.g. frames[{table!r}].rename(columns={{{label!r}: {label.replace('.', '_').replace('#', 'n_')!r}}})."
            )


def _check_matches(
    name: str, frames: Mapping[str, pd.DataFrame], rel: Relation, pos: NDArray[np.int64], *, first: bool
) -> None:
    """Raise when no child key finds its parent row (usually keys of two dtypes); warn when some do not.

    A missing key of a table's first relation (an order without a customer) is warned about too: sampled rows
    of a child are drawn per parent row, so those rows are left out of the fit, and the sample has no such rows
    (a further relation's missing keys are modelled: a link table's key is missing as often as in the data).
    """
    import warnings

    from ..errors import SynthdataWarning

    keys = frames[rel.child][rel.column]
    present = keys.notna().to_numpy()
    if first and len(keys) and not present.any():
        raise InvalidArgument(
            f"fit({name!r}): relation {rel}: every key of {rel.child}.{rel.column} is missing, so no row of "
            f"{rel.child!r} has a parent row to learn from; give the keys, or fit {rel.child!r} on its own."
        )
    if first and not present.all():
        missing = int((~present).sum())
        warnings.warn(
            f"fit({name!r}): relation {rel}: {missing} of {len(keys)} rows of {rel.child!r} "
            f"({missing / len(keys):.0%}) have no {rel.column} (a missing key); they are left out of the fit, and "
            f"every sampled {rel.child!r} row belongs to a {rel.parent!r} row, so the sample has none of them. To "
            f"keep them, fit them as a table of their own (frames[{rel.child!r}][frames[{rel.child!r}]"
            f"[{rel.column!r}].isna()], without the relation).",
            SynthdataWarning,
            stacklevel=4,
        )
    unmatched = present & (pos < 0)
    if not unmatched.any():
        return
    parent = frames[rel.parent][rel.key]
    child_example = _plain(keys[unmatched].iloc[0])
    parent_example = _plain(parent.iloc[0]) if len(parent) else None
    if not (present & (pos >= 0)).any():
        raise InvalidArgument(
            f"fit({name!r}): relation {rel}: no key of {rel.child}.{rel.column} matches a key of "
            f"{rel.parent}.{rel.key} ({rel.child}.{rel.column} is {keys.dtype}, e.g. {child_example!r}; "
            f"{rel.parent}.{rel.key} is {parent.dtype}, e.g. {parent_example!r}). Give both the same type, e.g. "
            f"frames[{rel.child!r}][{rel.column!r}].astype(frames[{rel.parent!r}][{rel.key!r}].dtype)."
        )
    what = "left out of the fit" if first else "ignored (sampled keys always refer to a row)"
    warnings.warn(
        f"fit({name!r}): relation {rel}: {int(unmatched.sum())} of {len(keys)} rows of {rel.child!r} refer to no "
        f"row of {rel.parent!r} (e.g. {child_example!r}); they are {what}.",
        SynthdataWarning,
        stacklevel=4,
    )


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python value it holds (messages show ``51``, not ``np.int64(51)``)."""
    return value.item() if isinstance(value, np.generic) else value


def _without_context_constraints(model: Model, hidden: set[str]) -> Model:
    """``model`` without the order constraints fit found that involve hidden columns."""

    kept = [c for c in model._order_constraints if c[0] not in hidden and c[1] not in hidden]
    if len(kept) == len(model._order_constraints):
        return model
    return model.replaced(order_constraints=kept)  # (the stored profile stays: the same columns)


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
                values = _numbers(s)
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
