"""Fitting a Model to real data: column kinds, empirical marginals, one Gaussian copula.

``fit(df)`` runs in five steps, all vectorised:

1. **Kinds.** Each column is inferred as float, integer, category, boolean,
   datetime, id, pii, text or pattern from its dtype, its name and its
   cardinality (or taken from ``columns=`` overrides).
2. **Marginals.** Numbers and timestamps get quantile knots (at most one knot per
   ``min_count`` rows) with their grid (integers, decimals, time units) and
   observed bounds; values repeated at least ``min_count`` times become exact
   atoms. Low-cardinality numbers become exact frequency tables. Categories
   keep the frequencies of the values seen at least ``min_count`` times.
   PII, id and free-text columns keep a generator (a Faker provider, an id
   pattern, a character shape), never values.
3. **Category order.** A nominal category's position on its latent axis is
   chosen by optimal scaling: categories are ordered along the first
   principal axis of their mean normal scores on the other columns, so the
   one-dimensional copula coordinate carries as much of the association as a
   single axis can.
4. **Correlation.** Every latent coordinate (modelled columns, plus one per
   column with missing values, so missingness is correlated with the rest)
   gets per-row grades (mid-ranks); pairwise-complete Spearman correlations of
   the grades are turned into latent Gaussian correlations by the same
   tie-aware inversion the schemas use, so the sampled data reproduces them.
5. **Completion.** Pairs never observed together (a value and its own null
   flag) are completed by maximum determinant, and an estimate that is not a
   valid correlation matrix is moved to the nearest one.

No row is stored: the quantile knots pool ``min_count`` rows each, rare
categories and values are left out and reported in ``model.withheld``. The
observed minimum and maximum of numbers and dates are kept as bounds.
"""

from __future__ import annotations

import collections
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy.linalg import lapack

from .._columns import (
    BooleanColumn,
    CategoryColumn,
    ConditionalColumn,
    DerivedColumn,
    ModelColumn,
    NullColumn,
    NumericColumn,
)
from .._model import Model
from .._validate import check_name
from ..errors import InvalidArgument
from .dependence import (
    Dim,
    correlation_cells,
    correlation_rows,
    grouped_null_dim,
    latent_correlation,
    missing_together,
    null_dim,
    rare_flag,
    scores,
    sub_scores,
)
from .generated import fit_generated
from .infer import KINDS, Factorized, dtype_name, infer_kind, null_dtype, override, plain
from .numeric import Numbers, fit_marginals, marginal_column, read_numbers, read_timestamps, round_probs

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = ["DEFAULT_KNOTS", "DEFAULT_MIN_COUNT", "KINDS", "fit"]

#: Values (categories, repeated numbers) seen fewer times than this are not stored.
DEFAULT_MIN_COUNT = 5
#: Most quantile knots kept per numeric column.
DEFAULT_KNOTS = 256


@dataclass
class _Categorical:
    """A category or boolean column before its latent order is chosen."""

    name: str
    codes: NDArray[np.int64]  # index into values, -1 for missing or withheld
    values: list[Any]
    counts: NDArray[np.float64]  # rows per stored value (withheld rows they absorbed included)
    null_rate: float
    ordered: bool
    is_boolean: bool = False
    cast: str | None = None
    dtype_order: list[Any] | None = None
    order: NDArray[np.int64] = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    #: the raw value index of each row (-1 missing) and the stored index of each raw value (-1 withheld);
    #: ``codes`` gives a withheld value's rows to the stored value that absorbs them
    raw_codes: NDArray[np.int64] | None = None
    raw_to_stored: NDArray[np.int64] | None = None
    #: whether the column may split the data into segments
    segmentable: bool = True
    #: what was withheld, for ``model.withheld``
    note: str = ""

    def __post_init__(self) -> None:
        if not len(self.order):
            self.order = np.arange(len(self.values))  # stored order until optimal scaling chooses one


class _Fitter:
    def __init__(
        self,
        df: pd.DataFrame,
        *,
        name: str,
        columns: Mapping[str, Any],
        min_count: int,
        knots: int,
        locale: str,
        progress: Callable[[str], None] | None,
        segments: bool = True,
    ) -> None:
        self.df = df
        self.segments = segments
        self.segment_note: tuple[str, int, float] | None = None
        self.row_group: NDArray[np.int64] | None = None
        #: Rows used to estimate correlations, category orders and segments: all, or a fixed random
        #: subset of MAX_CORRELATION_ROWS (the sampling error of a correlation is then about 0.002).
        self.sub = correlation_rows(len(df))
        self.segment_groups: list[int] | None = None
        self.name = name
        self.overrides = columns
        self.min_count = min_count
        self.knots = knots
        self.locale = locale
        self.progress = progress
        self.n = len(df)
        self.withheld: list[str] = []
        self.kinds: dict[str, dict[str, str]] = {}
        self._present: dict[str, NDArray[np.bool_]] = {}  # infer() found them; the fits reuse them

    def say(self, message: str) -> None:
        if self.progress is not None:
            self.progress(message)

    def categorical(
        self, col: str, s: pd.Series, *, boolean: bool, factorized: Factorized | None = None
    ) -> _Categorical:
        present = self._present[col] if col in self._present else s.notna().to_numpy()
        null_rate = 1.0 - present.mean()
        if boolean:
            b = s[present].astype(bool).to_numpy()
            codes = np.full(self.n, -1, dtype=np.int64)
            codes[present] = b.astype(np.int64)
            counts = np.array([float((~b).sum()), float(b.sum())])
            cast = "boolean" if isinstance(s.dtype, pd.BooleanDtype) else None
            return _Categorical(
                col,
                codes,
                [False, True],
                counts,
                null_rate,
                ordered=True,
                is_boolean=True,
                cast=cast,
                raw_codes=codes,
                raw_to_stored=np.arange(2),
            )
        dtype = s.dtype
        ordered = isinstance(dtype, pd.CategoricalDtype) and bool(dtype.ordered)
        if factorized is None:
            codes_all, uniques = pd.factorize(s, sort=False, use_na_sentinel=True)
        else:
            codes_all, uniques = factorized.codes, factorized.uniques
        counts = np.bincount(codes_all[codes_all >= 0], minlength=len(uniques))
        values = list(uniques)
        if isinstance(dtype, pd.CategoricalDtype):
            rank = {v: i for i, v in enumerate(dtype.categories)}
            first = np.array([rank[v] for v in values]) if values else np.empty(0, dtype=np.int64)
        else:
            first = np.argsort(-counts, kind="stable")  # most frequent first until optimal scaling orders them
            first = np.argsort(first, kind="stable")
        keep = counts >= self.min_count
        if not keep.any():
            raise InvalidArgument(
                f"column {col!r}: none of its {len(values)} values is seen {self.min_count} times or more, so "
                "storing any would reveal single rows; treat it as generated text with "
                f"columns={{{col!r}: 'pattern'}} (or 'text', 'pii'), or lower min_count if the data is not sensitive."
            )
        note = ""
        if not keep.all():
            rows = int(counts[~keep].sum())
            note = (
                f"column {col!r}: {int((~keep).sum())} categories seen fewer than {self.min_count} times "
                f"({rows} rows, {rows / self.n:.1%}) were not stored; their rows went to the most alike stored ones"
            )
        kept_idx = np.flatnonzero(keep)
        kept_idx = kept_idx[np.argsort(first[kept_idx], kind="stable")]
        remap = np.full(len(values) + 1, -1, dtype=np.int64)
        remap[kept_idx] = np.arange(len(kept_idx))
        codes = remap[codes_all]  # -1 stays -1 (NA sentinel indexes the last slot)
        kept_values = [plain(values[i]) for i in kept_idx]
        cast = None if isinstance(dtype, pd.CategoricalDtype) else dtype_name(dtype)
        dtype_order = None
        if isinstance(dtype, pd.CategoricalDtype) and not ordered:
            # the dtype keeps its unused categories (they are schema, not data) but not the withheld ones
            seen = {repr(plain(v)) for v in values}
            stored = {repr(v) for v in kept_values}
            dtype_order = [plain(c) for c in dtype.categories if repr(plain(c)) in stored or repr(plain(c)) not in seen]
        return _Categorical(
            col,
            codes,
            kept_values,
            counts[kept_idx].astype(np.float64),
            null_rate,
            ordered=ordered,
            cast=cast,
            dtype_order=dtype_order,
            raw_codes=codes_all,
            raw_to_stored=remap[:-1],
            note=note,
        )

    # the whole fit ------------------------------------------------------------------
    def run(self) -> Model:
        columns: dict[str, ModelColumn] = {}
        dims: list[Dim] = []
        cats: list[_Categorical] = []
        order: list[str] = []
        null_dims: list[str] = []
        numbers: list[Numbers] = []  # numeric and datetime columns, fitted together after this pass
        notes: dict[str, list[str]] = {}  # what each column withholds (listed in column order)
        started = time.perf_counter()
        for i, col in enumerate(self.df.columns):
            s = self.df[col]
            self.say(f"column {i + 1}/{len(self.df.columns)}: {col}")
            if col in self.overrides:
                inferred = override(col, self.overrides[col])
            else:
                inferred = infer_kind(col, s, min_count=self.min_count)
            kind, why = inferred.kind, inferred.why
            if kind == "ignore":
                self.kinds[col] = {"kind": "ignored", "why": why}
                continue
            order.append(col)
            notes[col] = []
            if inferred.declared is not None:
                columns[col] = inferred.declared.build(col, locale=self.locale)
                self.kinds[col] = {"kind": columns[col].kind, "why": "declared in columns="}
                continue
            self.kinds[col] = {"kind": kind, "why": why}
            if inferred.present is None:  # infer_kind() found it, unless the kind was given
                self._present[col] = s.notna().to_numpy()
            else:
                self._present[col] = inferred.present
            present = self._present[col]
            if kind == "null":
                columns[col] = NullColumn(col, dtype=null_dtype(s))
                continue
            if kind in ("integer", "float"):
                read = read_numbers(col, s, present, integer=kind == "integer")
                if present.any() and not read.present.any():  # every present value was NaN
                    columns[col] = NullColumn(col, dtype=null_dtype(s))
                    self.kinds[col] = {"kind": "null", "why": "every value is missing (null or NaN)"}
                    continue
                present = self._present[col] = read.present
                numbers.append(read)
            elif kind == "datetime":
                numbers.append(read_timestamps(col, s))
                if numbers[-1].note:
                    notes[col].append(numbers[-1].note)
            elif kind in ("category", "boolean"):
                cats.append(self.categorical(col, s, boolean=kind == "boolean", factorized=inferred.factorized))
                if cats[-1].note:
                    notes[col].append(cats[-1].note)
            else:
                columns[col] = fit_generated(col, s, kind, min_count=self.min_count, locale=self.locale)
            if 0 < (~present).sum() < self.n:
                null_dims.append(col)
        if numbers:
            self.say("fitting numeric columns")
            fits = fit_marginals(numbers, None, 1, min_count=self.min_count, knots=self.knots)
            for read, fit in zip(numbers, fits, strict=True):
                (fitted,) = fit.marginals
                if isinstance(fitted, InvalidArgument):
                    raise fitted
                column = marginal_column(read, fitted)
                columns[read.column] = column
                dims.append(Dim(read.column, fit.grades, correlation_cells(column), read.column))
                if fitted.note:
                    notes[read.column].append(f"column {read.column!r}: {fitted.note}")
        self.withheld.extend(note for col in order for note in notes[col])
        refit = {read.column: read for read in numbers}  # what a per-group refit needs
        self.say("ordering categories")
        self._nominal_integers(columns, dims, cats, refit)
        _absorb_withheld(cats)
        rare: dict[str, int] = {}
        for col in list(null_dims):
            if rare_flag(self._present[col], self.min_count):
                # too few rows to learn anything reliable from, and a correlation would tell about them
                null_dims.remove(col)
                rare[col] = int(np.count_nonzero(~self._present[col]))
        if rare:
            seen = ", ".join(f"{c!r} ({m} of {self.n} rows missing)" for c, m in rare.items())
            self.withheld.append(
                f"missing values seen in (or absent from) fewer than {self.min_count} rows: {seen}; whether a "
                "value is missing is drawn independently of the other columns"
            )
        null_follows = missing_together(null_dims, self._present)
        null_dims = [col for col in null_dims if col not in null_follows]  # the first of each shares its flag
        for col, first in null_follows.items():
            self.kinds[col]["why"] += f"; missing on the same rows as {first!r}"
        null_rate = {c: 1.0 - float(self._present[c].mean()) for c in null_dims}
        flag_dims = [null_dim(c, self._present[c], null_rate[c]) for c in null_dims]
        _order_categories(cats, dims + flag_dims, self.sub)
        for cat in cats:
            probs = cat.counts[cat.order].astype(np.float64)
            probs = round_probs(probs / probs.sum())
            values = [cat.values[i] for i in cat.order]
            if cat.is_boolean:
                column_b: ModelColumn = BooleanColumn(cat.name, p=float(probs[1]), null_rate=cat.null_rate)
                column_b.cast = cat.cast
            else:
                column_b = CategoryColumn(
                    cat.name,
                    categories=values,
                    probs=probs,
                    ordered=cat.ordered,
                    null_rate=cat.null_rate,
                    dtype_order=cat.dtype_order,
                )
                column_b.cast = cat.cast
            columns[cat.name] = column_b
        for derived, source, lookup in _functional_dependencies(cats):
            base = columns[derived.name]
            columns[derived.name] = DerivedColumn(derived.name, base=base, given=source.name, lookup=lookup)
            self.kinds[derived.name]["why"] += f"; determined by {source.name!r}"
            cats.remove(derived)
            if derived.name in null_dims:  # pragma: no cover - only columns without missing values are derived
                null_dims.remove(derived.name)
        cat_dims = {cat.name: _category_dim(cat, columns[cat.name]) for cat in cats}
        if self.segments:
            self.say("choosing a segment column")
            self.condition(columns, cats, dims, cat_dims, refit)
        ordered_cols = [columns[c] for c in order]
        by_label = {d.label: d for d in dims} | cat_dims
        model_dims = [by_label[c.name] for c in ordered_cols if c.modelled and c.name in by_label]
        null_groups: dict[str, list[float]] = {}
        if self.row_group is not None:  # null rates per segment group too
            for i, dim in enumerate(flag_dims):
                flag_dims[i], null_groups[dim.column] = grouped_null_dim(
                    dim.column, self._present[dim.column], self.row_group
                )
        flags = {d.column: d for d in flag_dims}
        all_dims = model_dims + [flags[c] for c in null_dims]
        self.say("estimating correlations")
        latent = latent_correlation(
            all_dims,
            [c.name for c in ordered_cols if c.modelled],
            rows=self.sub,
            row_group=self.row_group,
            n=self.n,
            min_count=self.min_count,
        )
        info: dict[str, Any] = {
            "source": {"rows": self.n, "columns": len(self.df.columns)},
            "columns": self.kinds,
            "withheld": self.withheld,
            "fit_seconds": round(time.perf_counter() - started, 3),
        }
        if self.segment_note is not None:
            seg, groups, score = self.segment_note
            info["segments"] = {"column": seg, "groups": groups, "score": round(score, 3)}
        return Model(
            self.name,
            ordered_cols,
            latent_correlation=latent,
            latent_nulls=null_dims,
            null_groups=null_groups,
            segment=None if self.segment_groups is None else (self.segment_note[0], self.segment_groups),  # type: ignore[index]
            info=info,
            null_follows=null_follows,
        )

    def _nominal_integers(
        self,
        columns: dict[str, ModelColumn],
        dims: list[Dim],
        cats: list[_Categorical],
        refit: dict[str, Numbers],
    ) -> None:
        """Turn integer columns that are codes (school or branch numbers) into categories.

        A Gaussian copula joins a column to the others through its order. For
        a code the numeric order means nothing: school 17 is not "between"
        schools 16 and 18, so a strong link (each school's own mix of pupils)
        looks like none. An integer column with 3 to 100 values, each seen at
        least ``min_count`` times and none missing, is a code when the order
        of its values that best separates the other columns (optimal scaling)
        explains a real share of them and has little to do with the numeric
        order. It is then modelled as a category (samples keep its dtype).
        """
        numeric = [d for d in dims if self.kinds[d.column]["kind"] in ("integer", "float")]
        others_all = [d for d in numeric] + [c for c in cats if len(c.values) == 2]
        if len(others_all) < 2:
            return
        sub = self.sub
        candidates = []
        for dim in dims:
            col = dim.column
            if self.kinds[col]["kind"] != "integer" or col in self.overrides:
                continue
            x, present = refit[col].values, refit[col].present
            fitted = columns[col]
            table = fitted.values if isinstance(fitted, NumericColumn) and fitted.dist == "table" else None
            if not present.all() or table is None or not 3 <= len(table) <= 100:
                continue  # few distinct values make a frequency table: look no further otherwise
            uniq, codes = np.unique(x[sub], return_inverse=True)  # codes in numeric order
            counts = np.bincount(codes, minlength=len(uniq))
            if 3 <= len(uniq) <= 100 and counts.min() >= self.min_count:
                candidates.append((dim, len(uniq), codes.ravel()))
        if not candidates:
            return
        z_all = np.column_stack(
            [sub_scores(o, sub) if isinstance(o, Dim) else scores(_category_grades(o)[sub]) for o in others_all]
        )
        for dim, k, g in candidates:
            cols = np.array([o is not dim for o in others_all])
            means = _group_means(g, z_all[:, cols], k)
            w = np.bincount(g, minlength=k) / len(g)
            means -= w @ means
            _, sing, vt = np.linalg.svd(np.sqrt(w)[:, None] * means, full_matrices=False)
            between = float(sing[0] ** 2)  # variance of the group means along the best axis
            projected = means @ vt[0]
            order_agreement = abs(_weighted_corr(np.arange(k, dtype=np.float64), projected, w))
            if between >= max(0.05, 3.0 * (k - 1) / len(g)) and order_agreement < 0.5:
                col = dim.column
                s = self.df[col]
                cat = self.categorical(col, s, boolean=False)
                cat.segmentable = False  # a code with many values: not a segment
                if cat.note:
                    self.withheld.append(cat.note)
                cats.append(cat)
                dims.remove(dim)
                del refit[col]
                columns[col] = None  # type: ignore[assignment]  # built with the other categories
                self.kinds[col] = {
                    "kind": "category",
                    "why": f"{k} whole numbers used as codes (their order says little about the other columns)",
                }

    # segments: marginals conditional on one category ------------------------------------
    def condition(
        self,
        columns: dict[str, ModelColumn],
        cats: list[_Categorical],
        dims: list[Dim],
        cat_dims: dict[str, Dim],
        refit: dict[str, Numbers],
    ) -> None:
        """Fit the other columns' marginals per group of the most telling category, when one is telling enough.

        A Gaussian copula joins columns through one latent axis each, so a
        category that splits the data into clusters (species, product lines)
        is blurred: each cluster's own shape is lost. Refitting every other
        modelled column within each group of that category keeps the clusters,
        and the copula then carries the within-group correlations.
        """
        choice = _choose_segment(cats, dims, cat_dims, self.n, self.min_count, self.sub)
        if choice is None:
            return
        seg, groups, row_group, score, explained = choice
        n_groups = max(groups) + 1
        self.row_group = row_group
        self.segment_groups = groups
        self.segment_note = (seg.name, n_groups, score)
        before = len(self.withheld)
        telling = [i for i, dim in enumerate(dims) if explained.get(dim.label, 1.0) >= SEGMENT_MIN_ETA]
        # (a column the segment says nothing about keeps one marginal for every group)
        refits = [refit[dims[i].column] for i in telling]
        fitted_groups = (
            fit_marginals(refits, row_group, n_groups, min_count=self.min_count, knots=self.knots) if refits else []
        )
        for i, fit in zip(telling, fitted_groups, strict=True):
            fits, grades = fit.marginals, fit.grades
            dim = dims[i]
            base = columns[dim.column]
            levels: list[ModelColumn] = []
            for g, fitted in enumerate(fits):
                level: ModelColumn = base  # a group with nothing to learn from (no finite values) keeps the base
                if not isinstance(fitted, InvalidArgument):
                    try:
                        level = marginal_column(refit[dim.column], fitted)
                    except InvalidArgument:
                        level = base
                    else:
                        if fitted.note:
                            self.withheld.append(f"column {dim.column!r}: {fitted.note}")
                if level is base:
                    in_group = row_group == g
                    grades[in_group] = dim.grades[in_group]
                levels.append(level)
            columns[dim.column] = ConditionalColumn(dim.column, base=base, given=seg.name, groups=groups, levels=levels)
            dims[i] = Dim(
                dim.label, grades, dim.cells, dim.column, group_cells=[correlation_cells(lv) for lv in levels]
            )
        for cat in cats:
            if cat is seg or explained.get(cat.name, 1.0) < SEGMENT_MIN_ETA:
                continue
            base = columns[cat.name]
            position = np.empty(len(cat.values), dtype=np.int64)
            position[cat.order] = np.arange(len(cat.order))
            pos = np.where(cat.codes >= 0, position[np.maximum(cat.codes, 0)], -1)
            # the frequencies within every group in one table (group x category, in latent order)
            k_cat = len(cat.values)
            valid = (pos >= 0) & (row_group >= 0)
            table = np.bincount(row_group[valid] * k_cat + pos[valid], minlength=n_groups * k_cat)
            table = table.reshape(n_groups, k_cat).astype(np.float64)
            hidden = int(np.count_nonzero((table > 0) & (table < self.min_count)))
            table[table < self.min_count] = 0.0
            sums = table.sum(axis=1)
            with np.errstate(invalid="ignore"):  # (a group with nothing stored takes the base frequencies)
                probs = round_probs(table / sums[:, None])
            levels = []
            for g in range(n_groups):
                if sums[g] == 0:
                    levels.append(base)
                    probs[g] = cat.counts[cat.order] / cat.counts.sum()
                else:
                    levels.append(_category_like(base, probs[g].copy()))
            mid = np.cumsum(probs, axis=1) - probs / 2.0
            at_g, at_pos = row_group[valid], pos[valid]
            grades = np.full(self.n, np.nan)
            grades[valid] = np.where(probs[at_g, at_pos] == 0, np.nan, mid[at_g, at_pos])  # (withheld in the group)
            if hidden:
                self.withheld.append(
                    f"column {cat.name!r}: {hidden} (group, category) combinations seen fewer than {self.min_count} "
                    f"times within groups of {seg.name!r} were not stored"
                )
            columns[cat.name] = ConditionalColumn(cat.name, base=base, given=seg.name, groups=groups, levels=levels)
            cat_dims[cat.name] = Dim(
                cat.name,
                grades,
                correlation_cells(base),
                cat.name,
                group_cells=[correlation_cells(lv) for lv in levels],
            )
        # a note per group and column would drown the report: keep one line per column
        notes = self.withheld[before:]
        del self.withheld[before:]
        self.withheld.extend(dict.fromkeys(notes))


# helpers ----------------------------------------------------------------------------


def _category_dim(cat: _Categorical, column: ModelColumn) -> Dim:
    """The latent coordinate of a category column, in its chosen order."""
    return Dim(cat.name, _category_grades(cat), correlation_cells(column), cat.name)


def _category_grades(cat: _Categorical) -> NDArray[np.float64]:
    """Per-row mid-rank grades of a category column in its current latent order (NaN where missing)."""
    position = np.empty(len(cat.values), dtype=np.int64)
    position[cat.order] = np.arange(len(cat.order))
    counts = cat.counts[cat.order].astype(np.float64)
    probs = counts / counts.sum()
    mid = probs.cumsum() - probs / 2.0
    g = np.full(len(cat.codes), np.nan)
    ok = cat.codes >= 0
    g[ok] = mid[position[cat.codes[ok]]]
    return g


def _order_categories(cats: list[_Categorical], dims: list[Dim], sub: NDArray[np.int64]) -> None:
    """Choose each nominal category's latent order by optimal scaling (see the module docstring), on rows ``sub``."""
    for cat in cats:
        cat.order = np.arange(len(cat.values))
    nominal = [c for c in cats if not c.ordered and len(c.values) > 2]
    if not nominal:
        return
    z_dims = np.column_stack([sub_scores(d, sub) for d in dims] or [np.empty((len(sub), 0))])
    for second in (False, True):
        # the second pass also sees the other categories, in the order the first pass gave them
        extra = [scores(_category_grades(c)[sub]) for c in cats] if second else []
        z = np.column_stack([z_dims, *extra]) if extra else z_dims
        for cat in nominal:
            keep = np.ones(z.shape[1], dtype=bool)
            if second:
                keep[z_dims.shape[1] + cats.index(cat)] = False
            if keep.any():
                cat.order = _scaling_order(cat, z[:, keep], cat.codes[sub])


def _group_means(codes: NDArray[np.int64], z: NDArray[np.float64], k: int) -> NDArray[np.float64]:
    """Return the mean of each column of ``z`` (NaN: missing) per code 0..k-1; rows with code -1 are left out."""
    ok = codes >= 0
    c, zz = codes[ok], z[ok]
    valid = ~np.isnan(zz)
    m = zz.shape[1]
    at = (c[:, None] * m + np.arange(m)[None, :]).ravel()  # (code, column) cells, summed in row order
    sums = np.bincount(at, weights=np.where(valid, zz, 0.0).ravel(), minlength=k * m).reshape(k, m)
    cnt = np.bincount(at, weights=valid.ravel(), minlength=k * m).reshape(k, m)
    return np.where(cnt > 0, sums / np.maximum(cnt, 1), 0.0)


def _scaling_order(cat: _Categorical, z: NDArray[np.float64], codes: NDArray[np.int64]) -> NDArray[np.int64]:
    k = len(cat.values)
    means = _group_means(codes, z, k)
    w = cat.counts / cat.counts.sum()
    means -= w @ means
    _, _, vt, info = lapack.dgesdd(np.sqrt(w)[:, None] * means, compute_uv=1, full_matrices=0)
    if info != 0:  # pragma: no cover - LAPACK did not converge: numpy raises the usual error
        _, _, vt = np.linalg.svd(np.sqrt(w)[:, None] * means, full_matrices=False)
    axis = vt[0]
    axis = axis * (1.0 if axis[np.argmax(np.abs(axis))] >= 0 else -1.0)
    score = np.round(means @ axis, 9)  # rounded: tiny BLAS differences must not reorder categories
    return np.argsort(score, kind="stable")


#: Share of rows that may disagree with a source value's usual derived value (rows lost to the lookup).
FD_MAX_EXCEPTIONS = 0.03


def _functional_dependencies(cats: list[_Categorical]) -> list[tuple[_Categorical, _Categorical, list[Any]]]:
    """Return (derived, source, lookup) for categories that another category determines in every row.

    ``model -> manufacturer`` or ``zip -> city``: each stored value of the
    source goes with one value of the derived column, so sampling looks it up
    instead of drawing it (a copula would pair them at random). Up to
    ``FD_MAX_EXCEPTIONS`` of the rows may break the rule (a model sold in two
    classes in different years); they take the source value's usual one. Only columns
    without missing values take part; a derived column's source is never
    derived itself, and among several sources the one with fewest categories
    is used.
    """
    found: list[tuple[_Categorical, _Categorical, list[Any]]] = []
    derived: set[str] = set()
    candidates = [c for c in cats if c.null_rate == 0 and len(c.values) >= 2]
    stored = {id(c): _stored(c) for c in candidates}
    for target in sorted(candidates, key=lambda c: len(c.values)):
        best: tuple[_Categorical, list[Any]] | None = None
        for source in candidates:
            if source is target or source.name in derived or len(source.values) < len(target.values):
                continue
            if len(source.values) == len(target.values) and candidates.index(source) > candidates.index(target):
                continue  # a one-to-one pair: the earlier column determines the later one
            source_codes, target_codes = stored[id(source)], stored[id(target)]
            kept = source_codes >= 0  # rows of source values the model stores
            ok = kept & (target_codes >= 0)
            if ok.sum() < kept.sum():  # a stored source value goes with a withheld target value
                continue
            s_pos = _latent_positions(source)[source_codes[ok]]
            t_pos = _latent_positions(target)[target_codes[ok]]
            table = np.bincount(s_pos * len(target.values) + t_pos, minlength=len(source.values) * len(target.values))
            table = table.reshape(len(source.values), len(target.values))
            if (table.sum(axis=1) == 0).any():
                continue  # a stored source value never appears with a stored target value
            agree = int(table.max(axis=1).sum())
            if agree < len(s_pos) - FD_MAX_EXCEPTIONS * len(s_pos):
                continue  # too many source values go with two target values
            lookup = table.argmax(axis=1)
            if len(np.unique(lookup)) < len(target.values):
                continue  # a stored target value would never be drawn (a 2% flag is no lookup of anything)
            if best is None or len(source.values) < len(best[0].values):
                best = (source, lookup.tolist())
        if best is not None and target.name not in {s.name for _, s, _ in found}:
            values = best[1] if not target.is_boolean else [bool(v) for v in best[1]]
            found.append((target, best[0], values))
            derived.add(target.name)
    return found


def _stored(cat: _Categorical) -> NDArray[np.int64]:
    """Codes with withheld values as -1 (before they were absorbed)."""
    raw, to_stored = cat.raw_codes, cat.raw_to_stored
    if raw is None or to_stored is None:
        return cat.codes
    return np.where(raw >= 0, to_stored[np.maximum(raw, 0)], -1)


def _absorb_withheld(cats: list[_Categorical]) -> None:
    """Give each withheld category's rows to the stored category of the same column most like it.

    Alike means: the same most common value in as many of the other category
    columns as possible, each weighted by how much of it this column explains
    (Theil's U), so a rare car model goes to the stored models of the same maker,
    drive and class, in proportion to their frequencies. Their
    frequencies grow by those rows, so columns they determine or go with keep
    their shares; no withheld value is stored. A withheld category like no
    stored one leaves its share to all of them in proportion.
    """
    for cat in cats:
        raw, to_stored = cat.raw_codes, cat.raw_to_stored
        if raw is None or to_stored is None or not (to_stored < 0).any():
            continue
        k_raw = len(to_stored)
        withheld = np.flatnonzero(to_stored < 0)
        kept = np.flatnonzero(to_stored >= 0)
        modes, weights = [], []
        for other in cats:
            if other is cat or other.raw_codes is None:
                continue
            mode, weight = _mode_and_explained(raw, other.raw_codes, k_raw)
            if weight > 0:
                modes.append(mode)
                weights.append(weight)  # columns this one determines (a car model's maker) count most
        raw_counts = np.bincount(raw[raw >= 0], minlength=k_raw).astype(np.float64)
        absorbed = to_stored.copy()
        counts = cat.counts.astype(np.float64)
        chunk = max(1, 2_000_000 // max(len(kept), 1))  # agreement in blocks: withheld x stored can be large
        for start in range(0, len(withheld) if modes else 0, chunk):
            rows = withheld[start : start + chunk]
            agree = np.zeros((len(rows), len(kept)))
            for mode, weight in zip(modes, weights, strict=True):
                agree += ((mode[rows][:, None] == mode[kept][None, :]) & (mode[rows][:, None] >= 0)) * weight
            best = agree.max(axis=1, initial=0.0)
            for i, w in enumerate(rows):
                if best[i] <= 0:
                    continue  # nothing alike: the stored categories share its rows in proportion
                tied = to_stored[kept[agree[i] == best[i]]]  # the most alike: they share its rows
                share = counts[tied] / counts[tied].sum()
                counts[tied] += share * raw_counts[w]
                absorbed[w] = tied[np.argmax(share)]
        cat.counts = counts
        cat.codes = np.where(raw >= 0, absorbed[np.maximum(raw, 0)], -1)


def _mode_and_explained(
    raw: NDArray[np.int64], other: NDArray[np.int64], k_raw: int
) -> tuple[NDArray[np.int64], float]:
    """Return each raw value's most common value of ``other`` (-1 if never seen together), and Theil's U.

    U(other | raw) is the share of ``other``'s entropy that ``raw`` explains. Both come from the sparse
    table of the pairs that occur, so two columns of many values cost memory in rows, not in values squared.
    """
    ok = (raw >= 0) & (other >= 0)
    if not ok.any():
        return np.full(k_raw, -1, dtype=np.int64), 0.0
    k_other = int(other[ok].max()) + 1
    pairs, counts = np.unique(raw[ok].astype(np.int64) * k_other + other[ok], return_counts=True)
    r, o = pairs // k_other, pairs % k_other
    order = np.lexsort((-counts, r))  # per raw value, its most common partner first
    first = np.ones(len(order), dtype=bool)
    first[1:] = r[order][1:] != r[order][:-1]
    mode = np.full(k_raw, -1, dtype=np.int64)
    mode[r[order][first]] = o[order][first]
    total = float(counts.sum())
    p = counts / total
    p_row = np.bincount(r, weights=counts, minlength=k_raw) / total
    p_col = np.bincount(o, weights=counts, minlength=k_other) / total
    p_col = p_col[p_col > 0]
    h_col = float(-np.sum(p_col * np.log(p_col)))
    h_given = float(-np.sum(p * np.log(p / p_row[r])))
    return mode, 0.0 if h_col <= 1e-12 else max(0.0, (h_col - h_given) / h_col)


def _weighted_corr(a: NDArray[np.float64], b: NDArray[np.float64], w: NDArray[np.float64]) -> float:
    a, b = a - w @ a, b - w @ b
    denom = math.sqrt(float(w @ (a * a)) * float(w @ (b * b)))
    return 0.0 if denom <= 1e-15 else float(w @ (a * b)) / denom


def _latent_positions(cat: _Categorical) -> NDArray[np.int64]:
    """Map a category's value index to its position in the latent order."""
    position = np.empty(len(cat.values), dtype=np.int64)
    position[cat.order] = np.arange(len(cat.order))
    return position


def _category_like(base: ModelColumn, probs: NDArray[np.float64]) -> ModelColumn:
    """Return a copy of a category or boolean column with other frequencies (same categories and order)."""
    if isinstance(base, BooleanColumn):
        column_b = BooleanColumn(base.name, p=float(probs[1]), null_rate=base.null_rate)
        column_b.cast = base.cast
        return column_b
    assert isinstance(base, CategoryColumn)
    column = CategoryColumn(
        base.name,
        categories=base.categories,
        probs=probs,
        ordered=base.ordered,
        null_rate=base.null_rate,
        dtype_order=base.dtype_order,
    )
    column.cast = base.cast
    return column


#: A group of a segment column needs this many rows (and 10 x min_count) to get its own marginals.
SEGMENT_MIN_ROWS = 50
#: ... and the segment column must explain this share of the other columns' variation (mean eta squared).
SEGMENT_MIN_SCORE = 0.05
#: A column whose level and spread the segment explains less of (eta squared) keeps one marginal for every group.
SEGMENT_MIN_ETA = 0.01


def _choose_segment(
    cats: list[_Categorical],
    dims: list[Dim],
    cat_dims: dict[str, Dim],
    n: int,
    min_count: int,
    sub: NDArray[np.int64],
) -> tuple[_Categorical, list[int], NDArray[np.int64], float, dict[str, float]] | None:
    """Return (column, code -> group, each row's group, score, eta squared by column) of the best splitting category.

    Categories with enough rows are groups of their own; the rest share one
    group. The score is the mean correlation ratio (eta squared) of the other
    columns' normal scores across the groups.
    """
    min_rows = max(SEGMENT_MIN_ROWS, 10 * min_count)
    best: tuple[_Categorical, list[int], NDArray[np.int64], float, dict[str, float]] | None = None
    labels = [d.label for d in dims] + list(cat_dims)
    z = np.column_stack([sub_scores(d, sub) for d in [*dims, *cat_dims.values()]] or [np.empty((len(sub), 0))])
    valid = ~np.isnan(z)
    z = np.where(valid, z, 0.0)
    for cat in cats:
        if cat.null_rate > 0 or len(cat.values) < 2 or not cat.segmentable:
            continue
        counts = cat.counts[cat.order]  # in latent order
        big = counts >= min_rows
        groups = np.where(big, np.cumsum(big) - 1, -1)
        n_big = int(big.sum())
        rest = int(counts[~big].sum())
        if rest:
            if rest >= min_rows:
                groups[~big] = n_big
                n_big += 1
            elif n_big:
                groups[~big] = int(np.argmin(np.where(big, counts, np.inf)))  # the smallest group takes them in
        if n_big < 2:
            continue
        position = np.empty(len(cat.values), dtype=np.int64)
        position[cat.order] = np.arange(len(cat.order))
        row_group = np.full(n, -1, dtype=np.int64)
        ok = cat.codes >= 0
        row_group[ok] = groups[position[cat.codes[ok]]]
        if _segment_hides_too_much(cat, cats, row_group, n_big, min_count):
            continue
        others = np.array([label != cat.name for label in labels], dtype=bool)
        etas = _eta_squared(z[:, others], valid[:, others], row_group[sub], n_big)
        score = float(etas.mean()) if len(etas) else 0.0
        if score >= SEGMENT_MIN_SCORE and (best is None or score > best[3]):
            # what the segment explains of each column: its level (mean scores) or its spread (mean squares)
            spread = _eta_squared(z[:, others] ** 2, valid[:, others], row_group[sub], n_big)
            shares = np.maximum(etas, spread).tolist()
            explained = dict(zip([lab for lab, o in zip(labels, others, strict=True) if o], shares, strict=True))
            best = (cat, [int(g) for g in groups], row_group, score, explained)
    return best


#: A segment may not withhold more than this share of another category column's rows.
SEGMENT_MAX_HIDDEN = 0.02


def _segment_hides_too_much(
    seg: _Categorical, cats: list[_Categorical], row_group: NDArray[np.int64], k: int, min_count: int
) -> bool:
    """Whether splitting by ``seg`` would leave another category's values too rare to store within groups."""
    for cat in cats:
        if cat is seg:
            continue
        ok = (cat.codes >= 0) & (row_group >= 0)
        cells = np.bincount(row_group[ok] * len(cat.values) + cat.codes[ok], minlength=k * len(cat.values))
        hidden = cells[(cells > 0) & (cells < min_count)].sum()
        if hidden > SEGMENT_MAX_HIDDEN * ok.sum():
            return True
    return False


def _eta_squared(
    z: NDArray[np.float64], valid: NDArray[np.bool_], group: NDArray[np.int64], k: int
) -> NDArray[np.float64]:
    """Share of the variance of each column's normal scores ``z`` (rows x columns) explained by the group means.

    Rows outside every group (-1) and cells not ``valid`` are left out; all columns in one matrix product.
    """
    member = (group[:, None] == np.arange(k)[None, :]).astype(np.float64)  # rows x groups
    w = valid.astype(np.float64)
    cnt = member.T @ w  # groups x columns
    sums = member.T @ z
    squares = member.T @ (z * z)
    n, total_sum = cnt.sum(axis=0), sums.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = total_sum / n
        total = squares.sum(axis=0) - n * mean * mean
        between = np.where(cnt > 0, sums * sums / np.maximum(cnt, 1), 0.0).sum(axis=0) - n * mean * mean
        eta = between / total
    return np.where((n >= 3) & (total > 1e-12 * np.maximum(n, 1)) & np.isfinite(eta), np.clip(eta, 0.0, 1.0), 0.0)


# public entry point --------------------------------------------------------------------


def fit(
    df: pd.DataFrame,
    *,
    name: str | None = None,
    columns: Mapping[str, Any] | None = None,
    min_count: int = DEFAULT_MIN_COUNT,
    knots: int = DEFAULT_KNOTS,
    locale: str = "en_US",
    segments: bool = True,
    backend: str = "native",
    progress: Callable[[str], None] | None = None,
    **options: Any,
) -> Any:
    """Fit a Model to a DataFrame of real data; see the module docstring for how.

    ``columns`` overrides a column's kind (``"category"``, ``"pii"``, ...), gives
    a declaration (``sd.Faker("email", unique=True)``), or ``None`` to leave it
    out. ``min_count`` is the privacy threshold: values seen fewer times are
    not stored. ``backend`` picks another engine (``"sdv-gaussian-copula"``,
    ...) provided through the ``synthdata_backends`` hook.

    >>> import pandas as pd, pytest_synthdata as sd
    >>> df = pd.DataFrame({"age": [23, 35, 41, 52, 29, 33, 61, 45, 38, 27] * 3,
    ...                    "plan": ["free", "pro", "pro", "team", "free", "pro", "team", "pro", "free", "free"] * 3})
    >>> model = sd.fit(df, name="users")
    >>> {col: about["kind"] for col, about in model.info["columns"].items()}
    {'age': 'integer', 'plan': 'category'}
    >>> model.sample(5, seed=1).shape
    (5, 2)
    """
    if backend != "native":
        from .._manager import fit_backend

        engine = fit_backend(backend)  # an unknown backend is the first thing to say
        given = {
            key: value
            for key, value, default in (
                ("min_count", min_count, DEFAULT_MIN_COUNT),
                ("knots", knots, DEFAULT_KNOTS),
                ("locale", locale, "en_US"),
                ("segments", segments, True),
                ("progress", progress, None),
            )
            if value is not default and value != default
        }
        if given:
            raise InvalidArgument(
                f"fit(backend={backend!r}) got {', '.join(sorted(given))}, which only the native engine uses (it "
                "would be ignored, and min_count is what keeps rare values out of a native model). Drop them, or "
                "pass the backend's own options as keywords."
            )
        return engine(df, name=name, columns=columns, **options)
    if options:
        raise InvalidArgument(
            f"fit() got unknown options {sorted(options)}; the native engine takes name, columns, min_count, knots, "
            "locale, segments, progress and backend."
        )
    if not isinstance(df, pd.DataFrame):
        raise InvalidArgument(f"fit() needs a pandas DataFrame; got {type(df).__name__}.")
    name = check_name(name if name is not None else df.attrs.get("name", "data"))
    if not isinstance(min_count, int) or isinstance(min_count, bool) or min_count < 1:
        raise InvalidArgument(
            f"min_count={min_count!r} must be a positive int (values seen fewer times are not stored)."
        )
    if not isinstance(knots, int) or isinstance(knots, bool) or knots < 2:
        raise InvalidArgument(f"knots={knots!r} must be an int of at least 2.")
    if df.shape[1] == 0:
        raise InvalidArgument("fit() got a DataFrame with no columns; there is nothing to learn.")
    bad_names = [c for c in df.columns if not isinstance(c, str) or not c]
    if bad_names:
        raise InvalidArgument(
            f"fit() needs non-empty string column names; got {bad_names[:5]!r}. Rename them, e.g. "
            "df.columns = [f'col{i}' for i in range(df.shape[1])]."
        )
    dupes = sorted(c for c, n in collections.Counter(df.columns).items() if n > 1)
    if dupes:
        raise InvalidArgument(
            f"fit() got duplicate column names {dupes}; a model needs one column per name. Rename or drop the copies."
        )
    if len(df) == 0:
        raise InvalidArgument("fit() got a DataFrame with no rows; there is nothing to learn from.")
    if len(df) < min_count:
        raise InvalidArgument(
            f"fit() got {len(df)} row{'s' if len(df) != 1 else ''} but min_count={min_count}: every value would come from fewer than "
            f"{min_count} rows and reveal them. Fit on more rows, declare the dataset with sd.Schema, or pass "
            "min_count=1 if the data is not sensitive."
        )
    overrides = dict(columns or {})
    unknown = [c for c in overrides if c not in df.columns]
    if unknown:
        raise InvalidArgument(
            f"columns= names {unknown}, which the DataFrame does not have; it has {list(df.columns)}."
        )
    plain = isinstance(df.index, pd.RangeIndex) and df.index.start == 0 and df.index.step == 1
    fitter = _Fitter(
        df if plain else df.reset_index(drop=True),  # (the fit only reads the frame)
        name=name,
        columns=overrides,
        min_count=min_count,
        knots=knots,
        locale=locale,
        progress=progress,
        segments=bool(segments),
    )
    model = fitter.run()
    if not model.columns:
        raise InvalidArgument("fit(): every column was left out (columns=... None or 'ignore'); nothing to model.")
    return model
