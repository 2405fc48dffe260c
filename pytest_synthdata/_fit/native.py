"""The native fitting engine: checks its arguments, runs the steps in order, builds the Model.

``fit_native(df)`` (the built-in backend "native" of :func:`pytest_synthdata.fit`)
runs five steps, all vectorised:

1. **Kinds** (``infer.py``). Each column is inferred as float, integer,
   category, boolean, datetime, id, pii, text or pattern from its dtype, its
   name and its cardinality (or taken from ``columns=`` overrides). PII, id and
   free-text columns keep a generator (``generated.py``), never values.
2. **Marginals** (``numeric.py``, ``categories.py``). Numbers and timestamps
   get quantile knots (at most one knot per ``min_count`` rows) with their grid
   and private bounds, or exact frequency tables; categories keep the
   frequencies of the values seen at least ``min_count`` times.
3. **Category order** (``categories.py``). A nominal category's position on its
   latent axis is chosen by optimal scaling; integer columns used as codes
   become categories, and a category another determines is looked up.
4. **Segments** (``segments.py``). When one category splits the data into
   clusters, the other columns get their own marginals within its groups.
5. **Correlation** (``dependence.py``). Pairwise-complete Spearman
   correlations of every latent coordinate (modelled columns, plus a null
   flag per column with missing values) become latent Gaussian correlations,
   completed by maximum determinant into a valid correlation matrix.

No row is stored, and no number held by fewer than ``min_count`` rows
(``private.py``): quantile knots pool ``min_count`` rows each, bounds are the
ends of tails past the order statistics ``min_count`` rows in, small counts
read as ``min_count / 2`` rows, rare categories and values are left out and
reported in ``model.withheld``; ``info["privacy"]`` records the rules.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd

from .. import _linalg
from .._columns import (
    DerivedColumn,
    FollowerColumn,
    ModelColumn,
    NullColumn,
    NumericColumn,
    ProductColumn,
    SumColumn,
)
from .._constraints import FixedCombinations, LessThan, Predicate, Range, Unique, apply_range
from .._model import Model
from ..errors import InvalidArgument
from .categories import (
    Categorical,
    absorb_withheld,
    category_column,
    category_dim,
    functional_dependencies,
    integer_codes,
    order_categories,
    read_categorical,
)
from .combinations import exclusive_indicators, joint_categories, member_columns
from .constraints import (
    Follower,
    check_declared,
    check_rows,
    detect_followers,
    detect_order,
    narrowed,
    order_room,
    read_constraints,
)
from .context import DEFAULT_KNOTS, DEFAULT_MIN_COUNT, FitContext, check_frame
from .dependence import (
    Dim,
    correlation_cells,
    correlation_rows,
    latent_correlation,
    missing_together,
    null_dim,
    rare_flag,
)
from .gaps import Gap, choose_gaps
from .generated import fit_generated
from .infer import infer_kind, null_dtype, override
from .numeric import Numbers, dated_text, fit_marginals, marginal_column, read_numbers, read_timestamps
from .private import privacy_info, public_bounds, public_info, read_public
from .profile import fit_profile
from .segments import fit_segments, grouped_null_flag
from .sums import Derived, Found, Sum, detect_products, detect_sums, plan_derived

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = ["fit_native"]


def fit_native(
    df: pd.DataFrame,
    *,
    name: str | None = None,
    columns: Mapping[str, Any] | None = None,
    min_count: int = DEFAULT_MIN_COUNT,
    knots: int = DEFAULT_KNOTS,
    locale: str = "en_US",
    segments: bool = True,
    public: Mapping[str, Any] | None = None,
    constraints: Any = None,
    detect_constraints: bool = True,
    epsilon: float | None = None,
    delta: float | None = None,
    progress: Callable[[str], None] | None = None,
    **options: Any,
) -> Model:
    """Return the native Model fitted to ``df`` (see :func:`pytest_synthdata.fit` for the arguments)."""
    if options:
        raise InvalidArgument(
            f"fit() got unknown options {sorted(options)}; the native engine takes name, columns, min_count, knots, "
            "locale, segments, public, constraints, detect_constraints, epsilon, delta, progress and backend."
        )
    df, sparse = _dense(df)
    if epsilon is not None or delta is not None:
        model = _fit_private(df, name, columns, min_count, knots, segments, public, epsilon, delta, locale, progress)
        return _said_dense(_with_declared(model, constraints), sparse)
    name, overrides = check_frame(df, name, columns)
    if not isinstance(min_count, int) or isinstance(min_count, bool) or min_count < 1:
        raise InvalidArgument(
            f"min_count={min_count!r} must be a positive int (values seen fewer times are not stored)."
        )
    if not isinstance(knots, int) or isinstance(knots, bool) or knots < 2:
        raise InvalidArgument(f"knots={knots!r} must be an int of at least 2.")
    if len(df) == 0:
        raise InvalidArgument("fit() got a DataFrame with no rows; there is nothing to learn from.")
    if len(df) < min_count:
        raise InvalidArgument(
            f"fit() got {len(df)} row{'s' if len(df) != 1 else ''} but min_count={min_count}: every value would come from fewer than "
            f"{min_count} rows and reveal them. Fit on more rows, declare the dataset with sd.Schema, or pass "
            "min_count=1 if the data is not sensitive."
        )
    declared = read_public(public, df)
    declared_constraints = read_constraints(constraints, df)
    plain = isinstance(df.index, pd.RangeIndex) and df.index.start == 0 and df.index.step == 1
    ctx = FitContext(
        df if plain else df.reset_index(drop=True),  # (the fit only reads the frame)
        name=name,
        overrides=overrides,
        min_count=min_count,
        public=declared,
        knots=knots,
        locale=locale,
        segments=bool(segments),
        constraints=tuple(declared_constraints),
        detect_constraints=bool(detect_constraints),
        progress=progress,
        rows=correlation_rows(len(df)),
    )
    with _linalg.one_thread():  # small matrices: waking BLAS threads costs more than the work (see _linalg)
        model = _fit(ctx)
    ctx.say("profiling the data")
    model.profile = fit_profile(ctx.frame, model, min_count, ctx.factorized, ctx.dates)
    if not model.columns:
        raise InvalidArgument("fit(): every column was left out (columns=... None or 'ignore'); nothing to model.")
    return _said_dense(model, sparse)


def _dense(df: Any) -> tuple[Any, dict[str, str]]:
    """``df`` with its sparse columns made dense, and the sparse columns' dtypes by name.

    A column is modelled, and sampled, as its values' own dtype (``Sparse[int64, 0]``: int64): a model file
    holds no sparse dtype, so ``load`` reads back what ``save`` wrote, and samples say what their values are.
    """
    if not isinstance(df, pd.DataFrame):
        return df, {}  # (check_frame says what it is)
    try:  # (the block manager's own list: ``df.dtypes`` builds a Series, about 0.15 ms a fit)
        dtypes = list(df._mgr.get_dtypes())
    except AttributeError:  # pragma: no cover - pandas without it
        dtypes = list(df.dtypes)
    if len(dtypes) != df.shape[1]:  # pragma: no cover - a manager of another shape: the public route
        dtypes = list(df.dtypes)
    sparse = [i for i, dtype in enumerate(dtypes) if isinstance(dtype, pd.SparseDtype)]
    if not sparse:
        return df, {}
    dense = df.copy(deep=False)
    for i in sparse:
        values = df.iloc[:, i].array
        assert isinstance(values, pd.arrays.SparseArray)
        dense.isetitem(i, values.to_dense())
    return dense, {str(df.columns[i]): str(df.dtypes.iloc[i]) for i in sparse}


def _said_dense(model: Model, sparse: dict[str, str]) -> Model:
    """``model``, its ``info["columns"]`` saying which columns were sparse (:func:`_dense`)."""
    kinds = model.info.get("columns")
    for col, dtype in sparse.items():
        if isinstance(kinds, dict) and isinstance(kinds.get(col), dict):
            kinds[col]["why"] += f"; a {dtype} column, modelled and sampled dense ({model.dtypes.get(col, 'ignored')})"
    return model


def _fit_private(
    df: pd.DataFrame,
    name: str | None,
    columns: Mapping[str, Any] | None,
    min_count: int,
    knots: int,
    segments: bool,
    public: Mapping[str, Any] | None,
    epsilon: float | None,
    delta: float | None,
    locale: str,
    progress: Callable[[str], None] | None,
) -> Model:
    """The differentially private fit (``dp.py``), after refusing the settings it has no use for."""
    from .dp import fit_dp

    if epsilon is None:
        raise InvalidArgument(
            f"fit(delta={delta!r}) without epsilon: delta is part of a differential-privacy budget; pass "
            "epsilon= too (such as epsilon=1.0, delta=1e-6), or neither."
        )
    unused = [
        f"{key}={value!r}"
        for key, value, default in (("min_count", min_count, DEFAULT_MIN_COUNT), ("knots", knots, DEFAULT_KNOTS))
        if value != default
    ] + (["segments=False"] if not segments else [])
    if unused:
        raise InvalidArgument(
            f"fit(epsilon=...) got {', '.join(unused)}, which a differentially private fit does not use (its noise, "
            "not min_count, protects the rows; segments are always off); drop them."
        )
    return fit_dp(
        df, name=name, columns=columns, public=public, epsilon=epsilon, delta=delta, locale=locale, progress=progress
    )


def _with_declared(model: Model, constraints: Any) -> Model:
    """A differentially private model with the declared order constraints and ranges (public: nothing of the
    data is read to keep them, and nothing checks them against it); fixed combinations need the data."""
    declared = read_constraints(constraints, pd.DataFrame(columns=model.columns))
    if any(not isinstance(c, (LessThan, Range, Unique, Predicate)) for c in declared):
        raise InvalidArgument(
            "fit(epsilon=...) cannot keep sd.FixedCombinations: the combinations would be read from the data "
            "outside the privacy account. Drop it, or fit without epsilon."
        )
    info = {**model.info, "constraints": {"declared": [str(c) for c in declared], "detected": []}}
    columns = {c: model.column(c) for c in model.columns}
    for r in (c for c in declared if isinstance(c, Range)):
        columns[r.column] = apply_range(columns[r.column], r, f"fit {model.name!r}")
    return Model(
        model.name,
        [columns[c] for c in model.columns],
        latent_correlation=model.latent_correlation,
        latent_nulls=model.latent_nulls,
        info=info,
        order_constraints=[(c.low, c.high, c.strict) for c in declared if isinstance(c, LessThan)],
        row_constraints=[c for c in declared if isinstance(c, (Unique, Predicate))],
    )


@dataclass
class _Read:
    """What the first pass over the columns found, in column order."""

    #: the columns to model (all but the ignored ones), in frame order
    order: list[str] = field(default_factory=list)
    #: each column's kind and why (``model.info["columns"]``)
    kinds: dict[str, dict[str, str]] = field(default_factory=dict)
    #: columns already final: declared, all-missing and generated ones
    columns: dict[str, ModelColumn] = field(default_factory=dict)
    #: numeric and datetime columns, fitted together next
    numbers: list[Numbers] = field(default_factory=list)
    cats: list[Categorical] = field(default_factory=list)
    #: where each modelled column has a value
    present: dict[str, NDArray[np.bool_]] = field(default_factory=dict)
    #: columns missing in some rows but not all: each may get a latent null flag
    nullable: list[str] = field(default_factory=list)
    #: what each column withholds, for ``model.withheld``
    notes: dict[str, list[str]] = field(default_factory=dict)


def _read_columns(ctx: FitContext) -> _Read:
    """Infer each column's kind and read its values: generated columns are built, the others wait for their fit."""
    read = _Read()
    frame = ctx.frame
    # (items(): each column by position, without frame[col]'s key checks; check_frame made the names distinct
    # strings)
    for i, (label, s) in enumerate(frame.items()):
        col = cast(str, label)
        if ctx.progress is not None:  # (the message is made only for a caller who reads it)
            ctx.say(f"column {i + 1}/{len(frame.columns)}: {col}")
        if col in ctx.overrides:
            inferred = override(col, ctx.overrides[col])
        else:
            inferred = infer_kind(col, s, min_count=ctx.min_count, locale=ctx.locale)
        kind = inferred.kind
        if kind == "ignore":
            read.kinds[col] = {"kind": "ignored", "why": inferred.why}
            continue
        read.order.append(col)
        read.notes[col] = []
        if inferred.declared is not None:
            read.columns[col] = inferred.declared.build(col, locale=ctx.locale)
            read.kinds[col] = {"kind": read.columns[col].kind, "why": "declared in columns="}
            continue
        read.kinds[col] = {"kind": kind, "why": inferred.why}
        if kind == "datetime" and inferred.date_format:  # (what report and audit --real read the real text in)
            read.kinds[col]["format"] = inferred.date_format
        if inferred.factorized is not None and inferred.factorized.counts is not None:
            ctx.factorized[col] = (inferred.factorized.codes, inferred.factorized.uniques, inferred.factorized.counts)
        # infer_kind() found where values are present, unless the kind was given
        present = s.notna().to_numpy() if inferred.present is None else inferred.present
        read.present[col] = present
        if kind == "null":
            read.columns[col] = NullColumn(col, dtype=null_dtype(s))
            continue
        if kind in ("integer", "float"):
            numbers = read_numbers(col, s, present, integer=kind == "integer")
            if numbers.present is not present and not numbers.present.any():  # its values were all NaN
                read.columns[col] = NullColumn(col, dtype=null_dtype(s))
                read.kinds[col] = {"kind": "null", "why": "every value is missing (null or NaN)"}
                continue
            present = read.present[col] = numbers.present
            read.numbers.append(numbers)
        elif kind == "datetime":
            values = inferred.parsed if inferred.parsed is not None else dated_text(col, s, inferred.date_format)
            if values is not s:
                ctx.dates[col] = values  # (the profile scores them as these dates)
            numbers = read_timestamps(col, values)
            read.numbers.append(numbers)
            if numbers.note:
                read.notes[col].append(numbers.note)
        elif kind in ("category", "boolean"):
            cat = read_categorical(
                col,
                s,
                present,
                min_count=ctx.min_count,
                boolean=kind == "boolean",
                factorized=inferred.factorized,
                declared=ctx.public.get(col) if isinstance(ctx.public.get(col), list) else None,
            )
            read.cats.append(cat)
            if cat.note:
                read.notes[col].append(cat.note)
        else:
            read.columns[col] = fit_generated(
                col,
                s,
                kind,
                min_count=ctx.min_count,
                locale=ctx.locale,
                provider=inferred.provider,
                provider_kwargs=inferred.provider_kwargs,
            )
        if 0 < np.count_nonzero(present) < ctx.n:
            read.nullable.append(col)
    return read


def _fit(ctx: FitContext) -> Model:
    """Run the steps on the checked frame and settings of ``ctx``."""
    started = time.perf_counter()
    read = _read_columns(ctx)
    columns, kinds, present = read.columns, read.kinds, read.present

    dims: list[Dim] = []  # the numeric and datetime columns' latent coordinates
    any_numbers = bool(read.numbers)  # (read.numbers is freed before the model's notes are written)
    if read.numbers:
        ctx.say("fitting numeric columns")
        fits = fit_marginals(
            read.numbers,
            None,
            1,
            min_count=ctx.min_count,
            knots=ctx.knots,
            public=public_bounds(ctx, read.numbers),
            rows=ctx.rows,
        )
        # (each column's distinct values and ranks are kept for a segment refit: it need not rank again)
        read.numbers = [numbers.with_ranks(fit.ranks) for numbers, fit in zip(read.numbers, fits, strict=True)]
        for numbers, fit in zip(read.numbers, fits, strict=True):
            (fitted,) = fit.marginals
            if isinstance(fitted, InvalidArgument):
                raise fitted
            column = marginal_column(numbers, fitted)
            columns[numbers.column] = column
            scored = None if fit.scores is None else (ctx.rows, fit.scores)
            dims.append(Dim(numbers.column, fit.grades, correlation_cells(column), numbers.column, scored=scored))
            if fitted.note:
                read.notes[numbers.column].append(f"column {numbers.column!r}: {fitted.note}")
        del fits  # (the grades live on in the dims, the ranks in read.numbers)
    withheld = [note for col in read.order for note in read.notes[col]]

    ctx.say("ordering categories")
    numbers_by_column = {numbers.column: numbers for numbers in read.numbers}  # what a per-group refit needs
    cats = read.cats
    for code in integer_codes(ctx, dims, numbers_by_column, columns, cats):
        col = code.category.name
        if code.category.note:
            withheld.append(code.category.note)
        cats.append(code.category)
        dims = [dim for dim in dims if dim.column != col]
        del numbers_by_column[col], columns[col]  # a category now, built with the others
        kinds[col] = {"kind": "category", "why": code.why}
    found = _exclusive_indicators(ctx, numbers_by_column, columns, cats, kinds) if ctx.detect_constraints else []
    dims = [dim for dim in dims if dim.column in numbers_by_column]  # (0/1 numbers grouped: categories now)
    cats, joints = joint_categories(ctx, cats, [*ctx.constraints, *found], list(ctx.frame.columns))
    for joint in joints:  # the hidden joint column comes where its first member was
        read.order.insert(read.order.index(joint.members[0].name), joint.name)
        read.notes[joint.name] = []
        withheld.extend(cat.note for cat in cats if cat.name == joint.name and cat.note)
    cats = absorb_withheld(cats)
    read.cats = []
    order = _order_constraints(
        ctx, list(numbers_by_column.values())
    )  # (the columns as read, before their withheld rows were absorbed: done with)
    # an order constraint redraws its columns' values, which would leave a follower behind its leader (or move a
    # follower off its leader's order): the columns of one stay columns of their own
    ordered = {col for a, b, _ in order.constraints for col in (a, b)}
    followers = [
        f
        for f in (_followers(ctx, numbers_by_column) if ctx.detect_constraints else [])
        if f.leader not in ordered and f.column not in ordered
    ]
    order.info["detected"] += [str(fc) for fc in found]
    # columns that add up (or multiply) in every row, of columns that read a coordinate of their own: one column
    # of each is derived from the others once the copula is fitted (see _derive_identities); not the columns named
    # by columns= or a declared constraint
    sums: list[Sum] = []
    products: list[Derived] = []
    if ctx.detect_constraints:
        taken, candidates = _named(ctx) | {f.column for f in followers}, list(numbers_by_column.values())
        sums = detect_sums(candidates, min_count=ctx.min_count, taken=taken)
        products = detect_products(candidates, min_count=ctx.min_count, taken=taken)
    in_identities = {c for d in sums for c in (d.column, *d.parts)} | {
        c for d in products for c in (d.column, *d.parts)
    }
    identity_real = {c: numbers_by_column[c].values for c in in_identities}  # (what the choice compares with)
    # order relations better kept by a gap: the later column is the earlier one plus a gap fitted apart (see gaps.py)
    gaps: list[Gap] = []
    if ctx.detect_constraints and order.constraints:
        gaps = choose_gaps(
            order.constraints,
            numbers_by_column,
            columns,
            {dim.column: dim.grades for dim in dims},
            taken=_named(ctx) | set(ctx.public) | in_identities | {c for f in followers for c in (f.column, f.leader)},
            held=in_identities | {c for f in followers for c in (f.column, f.leader)},
            min_count=ctx.min_count,
            knots=ctx.knots,
            rows=ctx.rows,
        )
    for gap in gaps:
        numbers_by_column[gap.column] = gap.numbers  # (a segment refits the gaps per group)
        columns[gap.column] = gap.marginal
        scored = None if gap.fit.scores is None else (ctx.rows, gap.fit.scores)
        dims = [
            Dim(gap.column, gap.fit.grades, correlation_cells(gap.marginal), gap.column, scored=scored)
            if dim.column == gap.column
            else dim
            for dim in dims
        ]
        order.constraints = [c for c in order.constraints if c[:2] != (gap.after, gap.column)]
        kinds[gap.column]["why"] += (
            f"; {gap.after!r} plus a gap fitted apart (it lies {'above' if gap.strict else 'at or above'} "
            f"{gap.after!r} in every row)"
        )

    null_dims, rare = [], {}
    for col in read.nullable:
        if rare_flag(present[col], ctx.min_count):
            # too few rows to learn anything reliable from, and a correlation would tell about them
            rare[col] = int(np.count_nonzero(~present[col]))
        else:
            null_dims.append(col)
    if rare:
        seen = ", ".join(
            f"{c!r} ({'fewer than ' + str(ctx.min_count) if m < ctx.min_count else 'all but fewer than ' + str(ctx.min_count)} of {ctx.n} rows missing)"
            for c, m in rare.items()
        )
        withheld.append(
            f"missing values seen in (or absent from) fewer than {ctx.min_count} rows: {seen}; whether a "
            "value is missing is drawn independently of the other columns"
        )
    null_follows = missing_together(null_dims, present)
    null_dims = [col for col in null_dims if col not in null_follows]  # the first of each shares its flag
    for col, first in null_follows.items():
        kinds[col]["why"] += f"; missing on the same rows as {first!r}"
    flag_dims = [null_dim(c, present[c], 1.0 - float(present[c].mean()), ctx.rows) for c in null_dims]

    cats = order_categories(cats, dims + flag_dims, ctx.rows)
    for cat in cats:
        columns[cat.name] = category_column(cat)
    hidden = {joint.name for joint in joints}
    for joint in joints:
        columns[joint.name].hidden = True
        for member, looked_up in member_columns(joint, columns[joint.name]).items():
            columns[member] = looked_up
            others = ", ".join(repr(m.name) for m in joint.members if m.name != member)
            kinds[member]["why"] += f"; in the combinations with {others} seen in the data"
    for dependency in functional_dependencies(cats):
        col, given = dependency.derived.name, dependency.source.name
        if col in hidden:  # (a joint column stays modelled: its members look their values up from it)
            continue
        columns[col] = DerivedColumn(col, base=columns[col], given=given, lookup=dependency.lookup)
        kinds[col]["why"] += f"; determined by {given!r}"
        cats = [cat for cat in cats if cat is not dependency.derived]
        if col in null_dims:  # pragma: no cover - only columns without missing values are derived
            null_dims.remove(col)
    # the raw codes (before withheld values were absorbed) served the lookups only: freed (in place: every
    # Categorical is this fit's own, and nothing reads its raw codes after the lookups)
    for cat in cats:
        cat.raw_codes = cat.raw_to_stored = None
    cat_dims = {cat.name: category_dim(cat, columns[cat.name], ctx.rows) for cat in cats}

    identity_plain = {c: columns[c] for c in in_identities}  # (each column's own marginal, before any segment refit)
    segmentation = None
    null_groups: dict[str, list[float]] = {}
    if ctx.segments:
        ctx.say("choosing a segment column")
        segmentation = fit_segments(ctx, cats, dims, cat_dims, columns, numbers_by_column)
    # the columns' values, ranks and codes are done with: freed before the correlations' buffers
    read.numbers, read.cats, numbers_by_column, cats = [], [], {}, []
    if segmentation is not None:
        columns.update(segmentation.columns)
        for name in hidden & set(segmentation.columns):  # (a joint column refitted per group stays hidden)
            columns[name].hidden = True
        dims = [segmentation.dims.get(dim.label, dim) for dim in dims]
        cat_dims = {label: segmentation.dims.get(label, dim) for label, dim in cat_dims.items()}
        withheld.extend(segmentation.notes)
        grouped = [
            grouped_null_flag(
                flag, segmentation.row_group, ctx.rows, min_count=ctx.min_count, n_groups=segmentation.n_groups
            )
            for flag in flag_dims
        ]  # null rates per group
        flag_dims = [flag.dim for flag in grouped]
        null_groups = {flag.dim.column: flag.rates for flag in grouped}

    # a follower reads its leader's coordinate through a marginal of its own (followers keep their dims until here:
    # category orders and the segment's choice read every number); where a segment refitted the two, through
    # marginals of its own in each group, from its leader's score within the row's group (not where it refitted one)
    refitted = set() if segmentation is None else set(segmentation.columns)
    for f in followers:
        if (f.leader in refitted) != (f.column in refitted):  # (fitted per group, both or neither)
            continue
        columns[f.column] = FollowerColumn(f.column, base=columns[f.column], leader=f.leader, decreasing=f.decreasing)
        kinds[f.column]["why"] += f"; {'decreases' if f.decreasing else 'increases'} with {f.leader!r} in every row"
        order.info["detected"].append(str(f))
    for r in order.ranges:
        columns[r.column] = apply_range(columns[r.column], r, f"fit {ctx.name!r}")
    for gap in gaps:  # (the column as fitted: one marginal of the gaps, or one per segment group)
        columns[gap.column].after = gap.after
    order_room(columns, order.constraints)
    ordered_cols = [columns[c] for c in read.order]
    by_label = {d.label: d for d in dims} | cat_dims
    model_dims = [by_label[c.name] for c in ordered_cols if c.modelled and c.name in by_label]
    flags = {d.column: d for d in flag_dims}
    ctx.say("estimating correlations")
    latent = latent_correlation(
        model_dims + [flags[c] for c in null_dims],
        [c.name for c in ordered_cols if c.modelled],
        rows=ctx.rows,
        row_group=None if segmentation is None else segmentation.row_group,
        n=ctx.n,
        min_count=ctx.min_count,
        shared_flags=null_follows,
    )
    if sums or products:
        ordered_cols, latent = _derive_identities(
            sums,
            products,
            columns,
            identity_plain,
            identity_real,
            latent,
            order,
            kinds,
            read.order,
            leaders={f.leader for f in followers},
        )
    if ctx.min_count > 1 and any_numbers:
        k = ctx.min_count
        withheld.append(
            f"numbers and dates: bounds are the ends of tails past the order statistics {k} rows in from each end "
            f"(not the observed extremes) unless declared in public=, quantile knots pool {k} rows each, and every "
            f"count below {k} rows (of missing values, infinities, a boolean side) is stored as {k / 2:g} rows"
        )
    info: dict[str, Any] = {
        "source": {"rows": ctx.n, "columns": len(ctx.frame.columns)},
        "columns": kinds,
        "privacy": privacy_info(ctx.min_count, public_info(ctx.public)),
        "constraints": order.info,
        "withheld": list(dict.fromkeys(withheld)),  # (a segment group's note may repeat its column's)
        "fit_seconds": round(time.perf_counter() - started, 3),
    }
    if segmentation is not None:
        info["segments"] = {
            "column": segmentation.column,
            "groups": segmentation.n_groups,
            "score": round(segmentation.score, 3),
        }
    return Model(
        ctx.name,
        ordered_cols,
        latent_correlation=latent,
        latent_nulls=null_dims,
        null_groups=null_groups,
        segment=None if segmentation is None else (segmentation.column, segmentation.groups),
        info=info,
        null_follows=null_follows,
        order_constraints=order.constraints,
        row_constraints=[c for c in ctx.constraints if isinstance(c, (Unique, Predicate))],
    )


def _followers(ctx: FitContext, numbers: dict[str, Numbers]) -> list[Follower]:
    """The number and date columns a monotone function of an earlier one gives in every row (``detect_followers``),
    left out of the columns named by ``columns=`` or by a declared constraint."""
    return detect_followers(list(numbers.values()), min_count=ctx.min_count, taken=_named(ctx))


def _derive_identities(
    sums: list[Sum],
    products: list[Derived],
    columns: dict[str, ModelColumn],
    plain: dict[str, ModelColumn],
    real: dict[str, NDArray[np.float64]],
    latent: NDArray[np.float64],
    order: _Order,
    kinds: dict[str, dict[str, str]],
    names: list[str],
    *,
    leaders: set[str],
) -> tuple[list[ModelColumn], NDArray[np.float64]]:
    """Make one column of each sum a ``SumColumn`` of the others, and each product a ``ProductColumn`` of its
    parts, where nothing is lost (``sums.plan_derived``): it leaves the latent correlation (a Gaussian's margin:
    the rest of the matrix, as it is) and the order relations it implies. Returns the model's columns in order
    and its latent correlation."""
    labels = [c for c in names if columns[c].modelled]
    ranges = {c: plain[c].value_range() for c in plain}  # type: ignore[attr-defined]
    found, dropped, limits = plan_derived(
        Found(sums, products, order.constraints, ranges, leaders, plain, latent, labels, real)
    )
    for c, (low, high) in limits.items():  # (what the relations the identities imply rest on: the real values keep)
        columns[c] = narrowed(columns[c], low, high)
    derived = {d.column for d in found}
    for d in found:
        base = columns[d.column] if type(columns[d.column]) is NumericColumn else plain[d.column]
        kind = ProductColumn if d.product else SumColumn
        columns[d.column] = kind(d.column, base=base, parts=d.parts, signs=d.signs)
        kinds[d.column]["why"] += f"; equals {columns[d.column].formula} in every row"  # type: ignore[attr-defined]
    order.constraints = [c for c in order.constraints if c not in dropped]
    texts = {f"{a} {'<' if strict else '<='} {b}" for a, b, strict in dropped}
    order.info["detected"] = [t for t in order.info["detected"] if t not in texts] + [str(d) for d in found]
    gone = [i for i, c in enumerate(labels) if c in derived]
    latent = np.delete(np.delete(latent, gone, axis=0), gone, axis=1)
    return [columns[c] for c in names], latent


def _named(ctx: FitContext) -> set[str]:
    """The columns overridden in ``columns=`` or named by a declared constraint: detection leaves them alone."""
    taken = set(ctx.overrides)
    for c in ctx.constraints:
        if isinstance(c, LessThan):
            taken.update((c.low, c.high))
        elif isinstance(c, FixedCombinations):
            taken.update(c.columns)
        elif isinstance(c, (Range, Unique)):
            taken.add(c.column)
    return taken


def _exclusive_indicators(
    ctx: FitContext,
    numbers: dict[str, Numbers],
    columns: dict[str, ModelColumn],
    cats: list[Categorical],
    kinds: dict[str, dict[str, str]],
) -> list[FixedCombinations]:
    """The indicator columns of which at most one is set in every row, as detected fixed combinations
    (``combinations.exclusive_indicators``); their 0/1 number columns become categories in ``cats`` (and leave
    ``numbers`` and ``columns``), to be modelled through the joint category."""
    taken = _named(ctx)  # (a column a declared constraint names is left as declared)
    # (0/1 numbers only: a frequency table of the values 0 and 1, what fit makes of them)
    zero_one = [
        num
        for num in numbers.values()
        if (values := getattr(columns[num.column], "values", None)) is not None
        and len(values) == 2
        and values[0] == 0
        and values[1] == 1
    ]
    found = exclusive_indicators(ctx, zero_one, cats, taken)
    for fc in found:
        for col in fc.columns:
            if col in numbers:
                cats.append(
                    read_categorical(
                        col,
                        ctx.frame[col],
                        numbers[col].present,
                        min_count=ctx.min_count,
                        boolean=False,
                        segmentable=False,
                    )
                )
                del numbers[col], columns[col]
                kinds[col] = {"kind": "category", "why": "0/1 values"}
    return found


@dataclass
class _Order:
    """The order constraints of a fit: ``(low, high, strict)`` triples, and what ``info`` says of them."""

    constraints: list[tuple[str, str, bool]]
    info: dict[str, list[str]]
    #: declared ranges, which narrow their columns' bounds once the columns are built
    ranges: list[Range]


def _order_constraints(ctx: FitContext, numbers: list[Numbers]) -> _Order:
    """Check the declared order constraints against the data and add the detected ones (see ``constraints.py``)."""
    check_declared(ctx.constraints, numbers)
    check_rows(ctx.constraints, ctx.frame, ctx.name)
    declared = [(c.low, c.high, c.strict) for c in ctx.constraints if isinstance(c, LessThan)]
    detected = []
    if ctx.detect_constraints:
        ctx.say("finding order constraints")
        detected = [
            (c.low, c.high, c.strict)
            for c in detect_order(numbers, rows=ctx.rows, min_count=ctx.min_count)
            if (c.low, c.high) not in {(a, b) for a, b, _ in declared}
        ]

    def text(items: list[tuple[str, str, bool]]) -> list[str]:
        return [f"{a} {'<' if strict else '<='} {b}" for a, b, strict in items]

    return _Order(
        declared + detected,
        {"declared": [str(c) for c in ctx.constraints], "detected": text(detected)},
        [c for c in ctx.constraints if isinstance(c, Range)],
    )
