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
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._columns import DerivedColumn, ModelColumn, NullColumn
from .._model import Model
from .._validate import check_name
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
from .context import FitContext
from .dependence import (
    Dim,
    correlation_cells,
    correlation_rows,
    latent_correlation,
    missing_together,
    null_dim,
    rare_flag,
)
from .generated import fit_generated
from .infer import KINDS, infer_kind, null_dtype, override
from .numeric import Numbers, fit_marginals, marginal_column, read_numbers, read_timestamps
from .segments import fit_segments, grouped_null_flag

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = ["DEFAULT_KNOTS", "DEFAULT_MIN_COUNT", "KINDS", "fit"]

#: Values (categories, repeated numbers) seen fewer times than this are not stored.
DEFAULT_MIN_COUNT = 5
#: Most quantile knots kept per numeric column.
DEFAULT_KNOTS = 256


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
        #: Rows used to estimate correlations, category orders and segments: all, or a fixed random
        #: subset of MAX_CORRELATION_ROWS (the sampling error of a correlation is then about 0.002).
        self.sub = correlation_rows(len(df))
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
        self.ctx = FitContext(
            df,
            name=name,
            overrides=columns,
            min_count=min_count,
            knots=knots,
            locale=locale,
            segments=segments,
            progress=progress,
            rows=self.sub,
        )

    def say(self, message: str) -> None:
        if self.progress is not None:
            self.progress(message)

    # the whole fit ------------------------------------------------------------------
    def run(self) -> Model:
        columns: dict[str, ModelColumn] = {}
        dims: list[Dim] = []
        cats: list[Categorical] = []
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
                cats.append(
                    read_categorical(
                        col,
                        s,
                        present,
                        min_count=self.min_count,
                        boolean=kind == "boolean",
                        factorized=inferred.factorized,
                    )
                )
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
        for code in integer_codes(self.ctx, dims, refit, columns, cats):
            col = code.category.name
            if code.category.note:
                self.withheld.append(code.category.note)
            cats.append(code.category)
            dims = [dim for dim in dims if dim.column != col]
            del refit[col], columns[col]  # a category now, built with the others
            self.kinds[col] = {"kind": "category", "why": code.why}
        cats = absorb_withheld(cats)
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
        cats = order_categories(cats, dims + flag_dims, self.sub)
        for cat in cats:
            columns[cat.name] = category_column(cat)
        for dependency in functional_dependencies(cats):
            col, given = dependency.derived.name, dependency.source.name
            columns[col] = DerivedColumn(col, base=columns[col], given=given, lookup=dependency.lookup)
            self.kinds[col]["why"] += f"; determined by {given!r}"
            cats = [cat for cat in cats if cat is not dependency.derived]
            if col in null_dims:  # pragma: no cover - only columns without missing values are derived
                null_dims.remove(col)
        cat_dims = {cat.name: category_dim(cat, columns[cat.name]) for cat in cats}
        segmentation = None
        if self.segments:
            self.say("choosing a segment column")
            segmentation = fit_segments(self.ctx, cats, dims, cat_dims, columns, refit)
        if segmentation is not None:
            columns.update(segmentation.columns)
            dims = [segmentation.dims.get(dim.label, dim) for dim in dims]
            cat_dims = {label: segmentation.dims.get(label, dim) for label, dim in cat_dims.items()}
            self.withheld.extend(segmentation.notes)
        ordered_cols = [columns[c] for c in order]
        by_label = {d.label: d for d in dims} | cat_dims
        model_dims = [by_label[c.name] for c in ordered_cols if c.modelled and c.name in by_label]
        null_groups: dict[str, list[float]] = {}
        if segmentation is not None:  # null rates per segment group too
            grouped = [grouped_null_flag(flag, segmentation.row_group) for flag in flag_dims]
            flag_dims = [flag.dim for flag in grouped]
            null_groups = {flag.dim.column: flag.rates for flag in grouped}
        flags = {d.column: d for d in flag_dims}
        all_dims = model_dims + [flags[c] for c in null_dims]
        self.say("estimating correlations")
        latent = latent_correlation(
            all_dims,
            [c.name for c in ordered_cols if c.modelled],
            rows=self.sub,
            row_group=None if segmentation is None else segmentation.row_group,
            n=self.n,
            min_count=self.min_count,
        )
        info: dict[str, Any] = {
            "source": {"rows": self.n, "columns": len(self.df.columns)},
            "columns": self.kinds,
            "withheld": self.withheld,
            "fit_seconds": round(time.perf_counter() - started, 3),
        }
        if segmentation is not None:
            info["segments"] = {
                "column": segmentation.column,
                "groups": segmentation.n_groups,
                "score": round(segmentation.score, 3),
            }
        return Model(
            self.name,
            ordered_cols,
            latent_correlation=latent,
            latent_nulls=null_dims,
            null_groups=null_groups,
            segment=None if segmentation is None else (segmentation.column, segmentation.groups),
            info=info,
            null_follows=null_follows,
        )

    # segments: marginals conditional on one category ------------------------------------


# helpers ----------------------------------------------------------------------------


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
