"""A differentially private fit: ``fit(df, epsilon=..., delta=...)`` releases every number under one OpenDP account.

What is private, and how (the why, the math and the references are in
``docs/explanation/privacy.md``, "Differentially private fit"):

* **Neighbouring data sets** differ by one added or removed row. The row
  count is therefore itself private and released first, as a noisy count.
* **The account.** The rows enter OpenDP once, as a privacy filter over a
  fully adaptive composition (Rogers et al. 2016; Whitehouse et al. 2023)
  with the requested budget; every release below is a query on it, and the
  filter refuses any query past the budget. Each query is a stable
  transformation (rows -> a vector of counts or sums, with its sensitivity
  as the stability map) chained with an OpenDP mechanism: the discrete
  Laplace mechanism (pure epsilon-DP) or the Laplace threshold mechanism
  over an unknown set of keys (Rogers 2023), which is what delta pays for.
  ``info["privacy"]["ledger"]`` lists every query with the loss OpenDP's
  privacy map gives it; the totals are OpenDP's.
* **What is public**: the column names and dtypes, ``columns=`` overrides and
  ``public=`` declarations. Nothing else is read from the data outside a
  query: kinds come from dtypes and names only; segments, lookups, integer
  codes, value-based PII detection, date-format detection, decimals and
  grids are switched off; a generated (PII, id) column keeps no rate.
* **Numbers and timestamps**: bounds are declared in ``public=``, or the ends
  of the outermost bins of a data-independent signed tenth-of-a-decade grid whose
  noisy count clears a threshold no empty bin is likely to clear; then a noisy
  histogram (missing values one more bin) on bins fixed by those bounds gives
  the quantile knots (an integer column of a narrow range: one bin per value,
  a frequency table) and the null rate. Values beyond the bounds are clamped.
  A datetime column's unit (days or seconds) comes from a noisy count of the
  rows with a time of day.
* **Categories**: declared in ``public=`` (noisy counts of each, missing
  values one more), else the values whose noisy count clears the threshold
  of the Laplace threshold mechanism; their frequencies are those noisy
  counts. Booleans: noisy counts of False, True and missing.
* **Dependence**: each row's centred grade under the released marginals
  (``F(x) - 1/2``, missing or unreleased values 0) is a public function of
  the row, so the sums of the products of every pair of columns have
  sensitivity 1/4 each (released with discrete Gaussian noise, zCDP converted
  by OpenDP at half of delta, when that is less noise than Laplace's: many
  pairs); their noisy sums over the noisy row count estimate
  Spearman's rho (mid-rank, tie-corrected by the marginals' own variance),
  shrunk by their own noise level and turned by the engine's calibration
  into latent correlations, repaired to the nearest valid correlation
  matrix (post-processing).

The noise is OpenDP's, drawn from the operating system's randomness: no
seed reproduces it. Sampling a DP model is seeded and row-stable as usual.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .. import _linalg
from .._columns import _PLUS_ADDRESSED, BooleanColumn, CategoryColumn, DatetimeColumn, ModelColumn, NumericColumn
from .._copula import latent_for_spearman_pairs, nearest_correlation
from .._model import Model
from .._schema import Faker, Id
from .._validate import check_delta, check_epsilon
from ..errors import InvalidArgument, UnsupportedFeature
from .categories import read_booleans
from .context import check_frame
from .infer import KINDS, PII_STRONG, _dtype_family, override, pii_provider, plain
from .infer import _tokens as _name_words
from .numeric import round_probs
from .private import declared_bounds, declared_categories, public_items

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = ["BOUND_GRID", "DP_FEATURES", "SHARES", "fit_dp", "load_opendp"]

#: OpenDP features turned on: "contrib" for its mechanisms and combinators, "honest-but-curious" for the
#: row -> statistic maps of this module, which OpenDP cannot check (each states its stability map).
DP_FEATURES = ("contrib", "honest-but-curious")

#: The signed tenth-of-a-decade grid (1e-3 .. 1e15 either side of 0) whose noisy counts choose private bounds:
#: a bound lies at most 26% beyond the values that chose it.
BOUND_GRID = np.concatenate([-(10.0 ** (np.arange(150, -31, -1) / 10.0)), [0.0], 10.0 ** (np.arange(-30, 151) / 10.0)])

#: Shares of epsilon: the row count, the correlations (when two columns or more are modelled); the rest is
#: split over the columns, and within a column by :data:`_COLUMN_WEIGHTS`.
SHARES = {"rows": 0.02, "dependence": 0.3}
_COLUMN_WEIGHTS = {"bounds": 1.0, "time unit": 0.25, "marginal": 2.0}
#: The chance that any empty bin of a grid clears its threshold, per column.
_EMPTY_BIN_RISK = 1e-3
#: Bounds extend from the fullest bin of the bound grid over cleared bins at most this many bins apart (a
#: factor of 2 for numbers), so a bin cleared by noise alone, away from the values, does not set a bound.
_BOUND_GAP = 3
#: Grade products are summed as integers of this many units per 1 (OpenDP's Laplace is exact on integers).
_SCALE = 2**20
#: The most bins a private histogram uses (fewer when noise would swamp them; see ``_bins``).
_MAX_BINS = 64
_DAY_NS = 86_400 * 10**9
#: Kinds a DP fit can model from queries; the generated kinds keep no number at all.
_MODELLED = ("integer", "float", "datetime", "category", "boolean")

#: Noise scales are this much wider than the budget asks, so OpenDP's outward-rounded privacy map stays within it.
_ROUNDING = 1.0 + 1e-9
_MISSING_KEY = "\x00missing"  # (the missing values' key in a category count: no category is this string)


def load_opendp() -> Any:
    """Return ``opendp.prelude`` with the features this module needs; UnsupportedFeature if it is not installed."""
    try:
        import opendp.prelude as dp
    except ImportError:
        raise UnsupportedFeature(
            "fit(epsilon=...) fits under differential privacy with OpenDP, but the 'opendp' package is not "
            'installed. Install it with `pip install "pytest-synthdata[dp]"`.'
        ) from None
    dp.enable_features(*DP_FEATURES)
    return dp


@dataclass
class _Account:
    """The rows' privacy filter in OpenDP: each release is a query on it, and the ledger records each."""

    dp: Any
    n: int
    epsilon: float
    delta: float
    ledger: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        dp = self.dp
        self.rows_domain = dp.vector_domain(dp.atom_domain(T="i64"))
        self.rows_metric = dp.symmetric_distance()
        odometer = dp.c.make_fully_adaptive_composition(
            self.rows_domain, self.rows_metric, dp.approximate(dp.max_divergence())
        )
        privacy_filter = dp.c.make_privacy_filter(odometer, d_in=1, d_out=(self.epsilon, self.delta))
        # the rows enter OpenDP as their positions: each query's map reads the frame at the positions it is given
        self.queryable = privacy_filter(np.arange(self.n, dtype=np.int64))

    def counts(
        self,
        step: str,
        columns: list[str],
        stat: Callable[[NDArray[np.int64]], NDArray[np.int64]],
        size: int,
        *,
        sensitivity: int,
        epsilon: float,
    ) -> NDArray[np.float64]:
        """Release ``stat(rows)`` (``size`` integers, L1 ``sensitivity`` per row) with discrete Laplace noise."""
        dp = self.dp
        scale = sensitivity / epsilon * _ROUNDING
        query = self._statistic(stat, size, dp.l1_distance(T="i64"), sensitivity) >> dp.m.then_laplace(scale=scale)
        answer = self.queryable(dp.c.make_approximate(query))
        self._record(step, columns, "discrete Laplace", query, scale=scale)
        return np.asarray(answer, dtype=np.float64)

    def _statistic(
        self, stat: Callable[[NDArray[np.int64]], NDArray[np.int64]], size: int, metric: Any, sensitivity: int
    ) -> Any:
        """OpenDP's transformation of the rows into ``stat(rows)``: ``size`` integers, ``sensitivity`` per row in
        ``metric`` (this module's own map, hence the "honest-but-curious" feature)."""
        dp = self.dp
        return dp.t.make_user_transformation(
            self.rows_domain,
            self.rows_metric,
            dp.vector_domain(dp.atom_domain(T="i64"), size=size),
            metric,
            lambda rows: [int(v) for v in stat(np.asarray(rows, dtype=np.int64))],
            lambda d_in: d_in * sensitivity,
        )

    def gaussian_scale(self, stat: Callable[[NDArray[np.int64]], NDArray[np.int64]], size: int, **budget: Any) -> Any:
        """The discrete Gaussian release of ``stat(rows)`` within (epsilon, delta), and its noise scale (not run yet).

        ``budget``: ``l2_sensitivity`` (per row), ``epsilon``, ``delta``. The mechanism is rho-zCDP, turned into
        (epsilon, delta)-DP by OpenDP's conversion at the given delta (Canonne, Kamath and Steinke 2020).
        """
        dp = self.dp
        sensitivity = math.ceil(budget["l2_sensitivity"])
        transform = self._statistic(stat, size, dp.l2_distance(T="i64"), sensitivity)

        def build(scale: float) -> Any:
            gauss = transform >> dp.m.then_gaussian(scale=scale)
            return dp.c.make_fix_delta(dp.c.make_zCDP_to_approxDP(gauss), budget["delta"])

        def within(scale: float) -> bool:
            try:
                eps, dlt = build(scale).map(1)
            except dp.OpenDPException:  # (a scale so small its loss overflows)
                return False
            return bool(eps <= budget["epsilon"] and dlt <= budget["delta"])

        # the classic conversion rho -> (rho + 2 sqrt(rho ln(1/delta)), delta) gives a scale within the budget;
        # OpenDP's tighter conversion allows a smaller one, found by bisection on a log scale
        log = math.log(1.0 / budget["delta"])
        rho = (math.sqrt(log + budget["epsilon"]) - math.sqrt(log)) ** 2
        high = sensitivity / math.sqrt(2.0 * rho) * _ROUNDING
        if not within(high):  # pragma: no cover - the classic bound always holds
            raise InvalidArgument("no Gaussian noise scale is within the budget")
        low = high / 4.0
        for _ in range(40):
            mid = math.sqrt(low * high)
            low, high = (low, mid) if within(mid) else (mid, high)
        scale = high
        return build(scale), float(scale)

    def release(self, step: str, columns: list[str], query: Any, mechanism: str, scale: float) -> NDArray[np.float64]:
        """Run a query built by :meth:`gaussian_scale` and record it."""
        answer = self.queryable(query)
        self._record(step, columns, mechanism, query, scale=scale)
        return np.asarray(answer, dtype=np.float64)

    def keys(
        self,
        step: str,
        column: str,
        stat: Callable[[NDArray[np.int64]], dict[str, int]],
        *,
        epsilon: float,
        delta: float,
    ) -> dict[str, float]:
        """Release the keys of ``stat(rows)`` (a count per key, one key per row) whose noisy count clears a threshold."""
        dp = self.dp
        scale = 1.0 / epsilon * _ROUNDING
        transform = dp.t.make_user_transformation(
            self.rows_domain,
            self.rows_metric,
            dp.map_domain(dp.atom_domain(T=str), dp.atom_domain(T="i64")),
            dp.l01inf_distance(dp.absolute_distance(T="i64")),
            lambda rows: stat(np.asarray(rows, dtype=np.int64)),
            lambda d_in: (d_in, d_in, d_in),  # a row holds one key: d rows change d keys by d at most
        )

        def within(t: int) -> bool:
            eps, dlt = (transform >> dp.m.then_laplace_threshold(scale=scale, threshold=t)).map(1)
            return bool(eps <= epsilon and dlt <= delta)

        # the smallest threshold within the budget (delta falls as the threshold rises; OpenDP's own search
        # compares (epsilon, delta) pairs and refuses the incomparable ones it meets on the way)
        low, high = 1, 2
        while not within(high):
            low, high = high, high * 2
            if high > 2**40:
                raise InvalidArgument(
                    f"column {column!r}: delta={delta:g} is too small for any threshold; raise delta."
                )
        while high - low > 1:
            mid = (low + high) // 2
            low, high = (low, mid) if within(mid) else (mid, high)
        threshold = high
        query = transform >> dp.m.then_laplace_threshold(scale=scale, threshold=threshold)
        answer = self.queryable(query)
        self._record(step, [column], "Laplace threshold", query, scale=scale, threshold=int(threshold))
        return {str(k): float(v) for k, v in answer.items()}

    def _record(self, step: str, columns: list[str], mechanism: str, query: Any, **noise: Any) -> None:
        loss = query.map(1)
        eps, delta = loss if isinstance(loss, tuple) else (loss, 0.0)
        entry = {"step": step, "columns": columns, "mechanism": mechanism, "epsilon": float(eps), "delta": float(delta)}
        entry.update({k: (round(float(v), 12) if isinstance(v, float) else v) for k, v in noise.items()})
        self.ledger.append(entry)

    def spent(self) -> tuple[float, float]:
        """The privacy loss of every release so far, as OpenDP's filter counts it."""
        eps, delta = self.queryable.privacy_loss(1)
        return float(eps), float(delta)


@dataclass
class _Plan:
    """A column to model under DP: its kind, its values as read (no statistic of them), and its budget."""

    name: str
    kind: str
    series: pd.Series
    #: declared bounds (numbers, or timestamps) or categories
    public: Any = None
    epsilon: dict[str, float] = field(default_factory=dict)
    delta: float = 0.0


def fit_dp(
    df: pd.DataFrame,
    *,
    name: str | None,
    columns: Mapping[str, Any] | None,
    public: Mapping[str, Any] | None,
    epsilon: Any,
    delta: Any,
    locale: str,
    progress: Callable[[str], None] | None,
) -> Model:
    """Return a Model fitted to ``df`` under (epsilon, delta)-differential privacy (see the module docstring)."""
    epsilon = check_epsilon(epsilon, where="fit()")
    delta = None if delta is None else check_delta(delta, where="fit()")
    name, overrides = check_frame(df, name, columns)
    dp = load_opendp()
    frame = df.reset_index(drop=True)
    declared = _read_public(public, frame)
    say = progress or (lambda message: None)

    kinds: dict[str, dict[str, str]] = {}
    built: dict[str, ModelColumn] = {}
    plans: list[_Plan] = []
    for col in frame.columns:
        kind, why, column = _kind(col, frame[col], overrides.get(col, ...), locale)
        if kind == "ignore":
            kinds[col] = {"kind": "ignored", "why": why}
            continue
        kinds[col] = {"kind": kind, "why": why}
        if column is not None:
            built[col] = column
        else:
            plans.append(_Plan(col, kind, frame[col], declared.get(col)))
    order = [c for c in frame.columns if c in built or any(p.name == c for p in plans)]
    if not order:
        raise InvalidArgument("fit(): every column was left out (columns=... None or 'ignore'); nothing to model.")

    thresholds = [p for p in plans if p.kind == "category" and p.public is None]
    if thresholds and delta is None:
        shown = ", ".join(repr(p.name) for p in thresholds[:3])
        raise InvalidArgument(
            f"fit(epsilon=...): choosing the categories of {shown} under differential privacy needs delta, the "
            "chance that a rare value gets through; pass delta= (well below 1/rows, such as delta=1e-6), or "
            f'declare every category in public= (public={{{thresholds[0].name!r}: ["a", "b"]}}).'
        )
    dependence_delta = _budget(plans, epsilon, 0.0 if delta is None else delta)
    # (the shares add up to a hair below epsilon, so that rounding never makes the filter refuse the last query)
    account = _Account(dp, len(frame), epsilon, 0.0 if delta is None else delta)
    say("counting rows")
    (noisy_rows,) = account.counts(
        "rows", [], lambda rows: np.array([len(rows)]), 1, sensitivity=1, epsilon=SHARES["rows"] * epsilon * _SAFE
    )
    n_hat = max(float(noisy_rows), 1.0)

    grades: dict[str, Callable[[], NDArray[np.float64]]] = {}
    graded: dict[str, float] = {}  # the share of rows each column grades (the others read as 1/2)
    for plan in plans:
        say(f"column {plan.name}")
        column, grade, share = _fit_column(account, plan, n_hat)
        built[plan.name] = column
        grades[plan.name] = grade
        graded[plan.name] = share

    modelled = [c for c in order if built[c].modelled]
    latent = np.eye(len(modelled))
    dp_cols = [c for c in modelled if c in grades]
    if len(dp_cols) >= 2:
        say("estimating correlations")
        with _linalg.one_thread():
            latent = _dependence(
                account,
                modelled,
                dp_cols,
                built,
                grades,
                graded,
                n_hat,
                SHARES["dependence"] * epsilon * _SAFE,
                dependence_delta,
            )
    spent_eps, spent_delta = account.spent()
    withheld = [
        "differentially private fit: kinds come from dtypes and names; segments, lookups, integer codes, "
        "value-based PII and date-format detection, order-relation detection, decimals and grids are switched "
        "off; numbers beyond the "
        "private (or declared) bounds are clamped to them; missing values are drawn independently of the "
        "other columns; generated columns keep no null rate"
    ]
    for plan in plans:
        if plan.kind == "category" and plan.public is None:
            withheld.append(
                f"column {plan.name!r}: only categories whose noisy count cleared the Laplace threshold are stored"
            )
    privacy = {
        "mechanism": "differential privacy (OpenDP)",
        "epsilon": epsilon,
        "delta": 0.0 if delta is None else delta,
        "spent": {"epsilon": spent_eps, "delta": spent_delta},
        "neighbours": "add or remove one row",
        "noise": "OpenDP's, from the operating system's randomness (not from any seed)",
        "public": _public_info(declared) | {"dtypes and names": list(frame.columns)},
        "switched_off": [
            "segments",
            "lookups",
            "integer codes",
            "value-based kinds and PII",
            "date formats",
            "order relations",
            "decimals and grids",
        ],
        "ledger": account.ledger,
    }
    info: dict[str, Any] = {
        "source": {"rows": round(n_hat), "columns": len(frame.columns)},
        "columns": kinds,
        "privacy": privacy,
        "withheld": withheld,
    }  # (no fit_seconds, unlike the default fit: the time taken grows with the row count)
    return Model(name, [built[c] for c in order], latent_correlation=latent, info=info)


#: The budget is split to add up to this share of epsilon (floating-point sums stay within the filter's budget).
_SAFE = 1.0 - 1e-9


def _budget(plans: list[_Plan], epsilon: float, delta: float) -> float:
    """Give each plan its share of (epsilon, delta); return the dependence's delta.

    The columns' epsilon goes by :data:`_COLUMN_WEIGHTS`; delta goes half to the dependence (when two columns
    or more are modelled: its Gaussian noise needs it) and half evenly to the category sets chosen privately
    (all of it to the one that needs it when the other does not).
    """
    modelled = len(plans)
    left = 1.0 - SHARES["rows"] - (SHARES["dependence"] if modelled >= 2 else 0.0)
    steps = []
    for plan in plans:
        if plan.kind in ("integer", "float", "datetime"):
            wanted = ["marginal"] + ([] if plan.public is not None else ["bounds"])
            wanted += ["time unit"] if plan.kind == "datetime" else []
        else:
            wanted = ["marginal"]
        steps.append(wanted)
    total = sum(_COLUMN_WEIGHTS[s] for wanted in steps for s in wanted) or 1.0
    thresholds = [p for p in plans if p.kind == "category" and p.public is None]
    dependence = 0.0 if modelled < 2 else delta * _SAFE * (0.5 if thresholds else 1.0)
    for plan, wanted in zip(plans, steps, strict=True):
        plan.epsilon = {s: epsilon * left * _SAFE * _COLUMN_WEIGHTS[s] / total for s in wanted}
        if plan in thresholds:
            plan.delta = (delta * _SAFE - dependence) / len(thresholds)
    return dependence


def _kind(col: str, s: pd.Series, given: Any, locale: str) -> tuple[str, str, ModelColumn | None]:
    """A column's kind from its dtype and name (or ``columns=``), never its values; the column if generated."""
    if given is not ...:
        inferred = override(col, given)
        if inferred.kind == "ignore":
            return "ignore", inferred.why, None
        if inferred.declared is not None:
            column = inferred.declared.build(col, locale=locale)
            return column.kind, "declared in columns=", column
        kind, why = inferred.kind, inferred.why
        if kind in ("text", "pattern"):
            raise InvalidArgument(
                f"column {col!r}: kind {kind!r} learns from the values, which a differentially private fit does "
                f"not read outside its account; declare it, e.g. columns={{{col!r}: sd.Faker('sentence')}}, or "
                f"leave it out with columns={{{col!r}: None}}."
            )
    else:
        family = _dtype_family(s.dtype)
        provider = pii_provider(col, PII_STRONG)
        words = _name_words(col)
        if words and words[-1] in ("id", "uuid", "guid") and family in ("integer", "other"):
            # (by its name alone, as the default fit also asks of its values: regenerated, no budget spent)
            kind, why = "id", f"named like an identifier ({col!r}; regenerated, its values never read)"
        elif provider is not None and family in ("other", "category", "integer"):
            kind, why = "pii", f"the name {col!r} asks for {provider} (regenerated with Faker)"
        elif family == "boolean":
            kind, why = "boolean", "bool dtype"
        elif family in ("integer", "float", "datetime"):
            kind, why = family, f"{s.dtype} dtype"
        elif family in ("other", "category"):
            kind, why = "category", f"{s.dtype} dtype (its categories are chosen under the account)"
        else:
            raise InvalidArgument(
                f"column {col!r}: a differentially private fit cannot model {s.dtype} values; convert the column "
                f"(e.g. to float or text) or leave it out with columns={{{col!r}: None}}."
            )
    if kind == "pii":
        provider = pii_provider(col, PII_STRONG)
        if provider is None:
            raise InvalidArgument(
                f"column {col!r}: kind 'pii' would pick a Faker provider from the values, which a differentially "
                f"private fit does not read; declare one, e.g. columns={{{col!r}: sd.Faker('email')}}."
            )
        # (an e-mail column names people, one each, as logins and UNIQUE keys do: distinct in samples of any size,
        # by its name alone, since its values are not read)
        return "pii", why, Faker(provider, unique=provider in _PLUS_ADDRESSED).build(col, locale=locale)
    if kind == "id":
        text = given is ... and _dtype_family(s.dtype) == "other"  # (text ids stay text: "1", "2", ...)
        return "id", why, Id("{:d}" if text else "sequential").build(col, locale=locale)
    if kind not in _MODELLED:  # pragma: no cover - KINDS holds no other kind
        raise InvalidArgument(f"column {col!r}: kind {kind!r} is not one of {KINDS}.")
    if kind in ("integer", "float") and _dtype_family(s.dtype) not in ("integer", "float", "boolean"):
        raise InvalidArgument(
            f"column {col!r}: kind {kind!r} needs a numeric dtype, not {s.dtype}; convert it with pd.to_numeric "
            "first (a differentially private fit does not parse text)."
        )
    return kind, why, None


def _read_public(public: Mapping[str, Any] | None, frame: pd.DataFrame) -> dict[str, Any]:
    """Check the form of ``public=`` (bounds or categories per column) without reading the data.

    Unlike the default fit, the data is not checked against a declaration (whether one row lies outside
    would be told by the error): values beyond declared bounds are clamped, undeclared categories dropped.
    """
    out: dict[str, Any] = {}
    for col, declared in public_items(public, frame):
        family = _dtype_family(frame[col].dtype)
        numbers = family in ("integer", "float", "datetime")
        if isinstance(declared, tuple) and len(declared) == 2 and numbers:
            out[col] = declared_bounds(col, declared, is_time=family == "datetime", utc=True)
        elif isinstance(declared, (list, tuple, set, frozenset)) and not numbers:
            out[col] = declared_categories(col, declared)
        else:
            want = "a (low, high) pair" if numbers else "a list of its categories"
            raise InvalidArgument(
                f"public[{col!r}]={declared!r}: column {col!r} is {frame[col].dtype}, so declare {want}, such as "
                f"public={{{col!r}: {'(0, 120)' if numbers else '[...]'}}}."
            )
    return out


def _public_info(declared: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for col, value in declared.items():
        out[col] = [x.isoformat() if hasattr(x, "isoformat") else x for x in value]
    return out


def _bins(n_hat: float, epsilon: float) -> int:
    """How many histogram bins a marginal gets: about sqrt(rows x epsilon), so a bin's count outweighs its noise."""
    return int(min(max(round(math.sqrt(max(n_hat, 1.0) * epsilon)), 4), _MAX_BINS))


def _edges(lo: float, hi: float, bins: int) -> NDArray[np.float64]:
    """``bins + 1`` edges from ``lo`` to ``hi``, even on an asinh scale: linear near 0, logarithmic far from it."""
    if hi <= lo:
        return np.array([lo, lo], dtype=np.float64)
    c = max(abs(lo), abs(hi)) / 100.0
    edges = np.sinh(np.linspace(math.asinh(lo / c), math.asinh(hi / c), bins + 1)) * c
    edges[0], edges[-1] = lo, hi
    return np.maximum.accumulate(edges)


def _fit_column(
    account: _Account, plan: _Plan, n_hat: float
) -> tuple[ModelColumn, Callable[[], NDArray[np.float64]], float]:
    """The column of ``plan`` from its releases, each row's centred grade under it (0: missing), and the graded share."""
    if plan.kind in ("category", "boolean"):
        return _fit_categories(account, plan, n_hat)
    return _fit_numbers(account, plan, n_hat)


def _fit_numbers(
    account: _Account, plan: _Plan, n_hat: float
) -> tuple[ModelColumn, Callable[[], NDArray[np.float64]], float]:
    col, s = plan.name, plan.series
    unit_ns: int | None = None
    if plan.kind == "datetime":
        times = (
            s if pd.api.types.is_datetime64_any_dtype(s.dtype) else pd.to_datetime(s, errors="coerce", format="ISO8601")
        )
        if getattr(times.dt, "tz", None) is not None:
            times = times.dt.tz_convert("UTC").dt.tz_localize(None)
        present = times.notna().to_numpy()
        ns = np.zeros(len(times), dtype=np.int64)
        ns[present] = times[present].astype("datetime64[ns]").to_numpy().view(np.int64)
        timed = present & (ns % _DAY_NS != 0)
        (noisy,) = account.counts(
            "time unit",
            [col],
            lambda rows: np.array([np.count_nonzero(timed[rows])]),
            1,
            sensitivity=1,
            epsilon=plan.epsilon["time unit"],
        )
        unit_ns = 10**9 if noisy > n_hat / 2 else _DAY_NS  # (most rows have a time of day: seconds)
        x = np.full(len(times), np.nan)
        x[present] = np.floor_divide(ns[present], unit_ns).astype(np.float64)
    else:
        x = pd.to_numeric(s, errors="coerce").astype("float64").to_numpy(na_value=np.nan)
    present = ~np.isnan(x)
    integer = plan.kind in ("integer", "datetime")
    guide: _Guide | None = None
    if plan.public is not None:
        lo, hi = plan.public
        if unit_ns is not None:
            lo, hi = float(lo.value // unit_ns), float(-(-hi.value // unit_ns))
    else:
        lo, hi, guide = _private_bounds(account, plan, x, present, unit_ns)
        # (post-processing: a range reaching near 0 starts at 0, so no values between pile up at the bound)
        if 0 < lo <= hi / 2:
            lo = 0.0
        elif hi < 0 and lo / 2 <= hi:
            hi = 0.0
    if integer:
        lo, hi = float(math.floor(lo)), float(math.ceil(hi))
    clamped = np.clip(x, lo, hi)
    table = integer and hi - lo + 1 <= _MAX_BINS
    if table:
        edges = np.arange(lo, hi + 1.0)
        at = np.where(present, np.rint(np.nan_to_num(clamped, nan=lo)) - lo, 0).astype(np.int64)
    else:
        bins = _bins(n_hat, plan.epsilon["marginal"])
        edges = _edges(lo, hi, bins) if guide is None else _guided_edges(lo, hi, guide, bins)
        at = np.clip(np.searchsorted(edges, np.nan_to_num(clamped, nan=lo), side="right") - 1, 0, len(edges) - 2)
    cells = len(edges) if table else len(edges) - 1
    slot = np.where(present, at + 1, 0)  # slot 0: missing

    noisy = account.counts(
        "marginal",
        [col],
        lambda rows: np.bincount(slot[rows], minlength=cells + 1),
        cells + 1,
        sensitivity=1,
        epsilon=plan.epsilon["marginal"],
    )
    counts = np.maximum(noisy, 0.0)
    # (post-processing: end bins that an empty bin's noise could explain are emptied, so samples keep to the bulk)
    clear = np.flatnonzero(counts[1:] > math.log(cells / _EMPTY_BIN_RISK) / plan.epsilon["marginal"])
    if len(clear):
        counts[1 : clear[0] + 1] = 0.0
        counts[clear[-1] + 2 :] = 0.0
    counts[0] = _beyond_noise(counts[0], plan.epsilon["marginal"])
    body = counts[1:] if counts[1:].sum() > 0 else np.ones(cells)
    null_rate = float(round_probs(np.array([counts[0] / (counts[0] + body.sum())]))[0])
    probs = body / body.sum()
    if table:
        keep = probs > 0
        params = {"values": edges[keep].tolist(), "probs": round_probs(probs[keep] / probs[keep].sum()).tolist()}
        dist = "table"
        mid = np.cumsum(probs) - probs / 2.0
        grade_at = mid[at]
    else:
        cum = round_probs(np.concatenate([[0.0], np.cumsum(probs)]), cumulative=True)
        cum[-1] = 1.0
        params = {"probs": cum.tolist(), "values": [float(f"{v:.12g}") for v in edges]}
        dist = "quantiles"
        grade_at = np.interp(np.nan_to_num(clamped, nan=lo), edges, cum)
    centred = np.where(present, grade_at - 0.5, 0.0)
    column: NumericColumn
    if unit_ns is None:
        column = NumericColumn(
            col,
            dist=dist,
            params=params,
            integer=integer,
            step=1.0 if integer else None,
            bounds=(lo, hi),
            null_rate=null_rate,
        )
        column.cast = _numeric_cast(s, integer=integer, nulls=null_rate > 0)
    else:
        column = DatetimeColumn(
            col,
            unit_ns=unit_ns,
            is_date=unit_ns == _DAY_NS,
            dist=dist,
            params=params,
            integer=True,
            step=1.0,
            bounds=(lo, hi),
            null_rate=null_rate,
        )
        column.cast = _time_cast(s)
    return column, lambda: centred, 1.0 - null_rate


@dataclass(frozen=True)
class _Guide:
    """The released bound-grid counts between the private bounds: where the values lie, for the histogram's bins."""

    edges: NDArray[np.float64]
    weights: NDArray[np.float64]


def _private_bounds(
    account: _Account, plan: _Plan, x: NDArray[np.float64], present: NDArray[np.bool_], unit_ns: int | None
) -> tuple[float, float, _Guide]:
    """Bounds chosen under the account, grown from the fullest bin of the bound grid over the bins that clear the
    empty-bin threshold (at most :data:`_BOUND_GAP` apart); and that grid's noisy counts between them."""
    if unit_ns is None:
        edges = BOUND_GRID
    else:  # timestamps: a yearly grid over the years pandas can hold
        years = pd.date_range("1678-01-01", "2262-01-01", freq="YS").to_numpy().view(np.int64)
        edges = np.floor_divide(years, unit_ns).astype(np.float64)
    bins = len(edges) - 1
    at = np.clip(np.searchsorted(edges, np.where(present, x, 0.0), side="right") - 1, 0, bins - 1)
    epsilon = plan.epsilon["bounds"]
    noisy = account.counts(
        "bounds",
        [plan.name],
        lambda rows: np.bincount(at[rows][present[rows]], minlength=bins),
        bins,
        sensitivity=1,
        epsilon=epsilon,
    )
    threshold = math.log(bins / _EMPTY_BIN_RISK) / epsilon
    clear = noisy > threshold
    if not clear.any():
        raise InvalidArgument(
            f"column {plan.name!r}: at this epsilon its values are too few, or too spread out, to choose its bounds "
            f"privately (no bin of the bounds grid holds clearly more than {threshold:.0f} rows); declare them, "
            f"e.g. public={{{plan.name!r}: (low, high)}}, raise epsilon, or leave the column out with "
            f"columns={{{plan.name!r}: None}}."
        )
    first = last = int(np.argmax(noisy))
    while first > 0 and clear[max(first - _BOUND_GAP, 0) : first].any():
        first -= 1 + int(np.argmax(clear[max(first - _BOUND_GAP, 0) : first][::-1]))
    while last < bins - 1 and clear[last + 1 : last + 1 + _BOUND_GAP].any():
        last += 1 + int(np.argmax(clear[last + 1 : last + 1 + _BOUND_GAP]))
    guide = _Guide(edges[first : last + 2].copy(), np.maximum(noisy[first : last + 1], 0.0))
    return float(edges[first]), float(edges[last + 1]), guide


def _guided_edges(lo: float, hi: float, guide: _Guide, bins: int) -> NDArray[np.float64]:
    """``bins + 1`` edges from ``lo`` to ``hi`` at even quantiles of the released bound-grid counts (post-processing).

    Every stretch keeps a floor of 1% of an even share, so a region the coarse counts missed still gets bins.
    """
    edges, weights = guide.edges, guide.weights
    if lo < edges[0]:
        edges, weights = np.concatenate([[lo], edges]), np.concatenate([[0.0], weights])
    if hi > edges[-1]:
        edges, weights = np.concatenate([edges, [hi]]), np.concatenate([weights, [0.0]])
    weights = weights + 0.01 * max(float(weights.sum()), 1.0) / len(weights)
    cdf = np.concatenate([[0.0], np.cumsum(weights)]) / weights.sum()
    out = np.interp(np.linspace(0.0, 1.0, bins + 1), cdf, edges)
    out[0], out[-1] = lo, hi
    out = np.unique(out)
    return out if len(out) >= 2 else np.array([lo, hi])


def _numeric_cast(s: pd.Series, *, integer: bool, nulls: bool) -> str | None:
    from .numeric import _numeric_cast as cast

    return cast(s, integer=integer, nulls=nulls)


def _time_cast(s: pd.Series) -> str | None:
    dtype = s.dtype
    tz = getattr(dtype, "tz", None)
    if tz is not None:
        return f"datetime64[ns, {tz}]"
    if pd.api.types.is_datetime64_any_dtype(dtype) and str(dtype) != "datetime64[ns]":
        return str(dtype)
    return None


def _beyond_noise(missing: float, epsilon: float) -> float:
    """A noisy count of missing values (Laplace, sensitivity 1), or 0 where the noise of no missing value at all
    could explain it (it clears that at a chance of :data:`_EMPTY_BIN_RISK`): a column without missing values
    keeps none, and its integers their int64 dtype (post-processing: no privacy cost)."""
    return missing if missing > math.log(1.0 / _EMPTY_BIN_RISK) / epsilon else 0.0


def _fit_categories(
    account: _Account, plan: _Plan, n_hat: float
) -> tuple[ModelColumn, Callable[[], NDArray[np.float64]], float]:
    col, s = plan.name, plan.series
    epsilon = plan.epsilon["marginal"]
    if plan.kind == "boolean":
        present = s.notna().to_numpy()
        truth = np.zeros(len(s), dtype=bool)
        truth[present] = read_booleans(col, s, present)  # (yes/no text too; other values refused)
        slot = np.where(present, truth.astype(np.int64) + 1, 0)
        noisy = np.maximum(
            account.counts(
                "marginal", [col], lambda rows: np.bincount(slot[rows], minlength=3), 3, sensitivity=1, epsilon=epsilon
            ),
            0.0,
        )
        noisy[0] = _beyond_noise(noisy[0], epsilon)
        sides = noisy[1:] if noisy[1:].sum() > 0 else np.ones(2)
        p = float(round_probs(np.array([sides[1] / sides.sum()]))[0])
        null_rate = float(round_probs(np.array([noisy[0] / (noisy[0] + sides.sum())]))[0])
        column_b = BooleanColumn(col, p=p, null_rate=null_rate)
        column_b.cast = "boolean" if isinstance(s.dtype, pd.BooleanDtype) else None
        low, high = (1.0 - p) / 2.0 - 0.5, 1.0 - p / 2.0 - 0.5
        centred_b = np.where(present, np.where(truth, high, low), 0.0)
        return column_b, lambda: centred_b, 1.0 - null_rate

    codes, uniques = pd.factorize(s, sort=False, use_na_sentinel=True)
    values = [plain(v) for v in uniques]
    keys = [repr(v) for v in values]
    missing = len(values)  # (the missing values' code)
    codes = np.where(codes < 0, missing, codes)
    dtype = s.dtype
    if plan.public is not None:  # declared: a noisy count of each (undeclared values count nowhere)
        declared = list(plan.public)
        slot_of = {k: i + 1 for i, k in enumerate(repr(c) for c in declared)}
        lookup = np.array([slot_of.get(k, -1) for k in keys] + [0], dtype=np.int64)
        slot = lookup[codes]
        noisy = np.maximum(
            account.counts(
                "marginal",
                [col],
                lambda rows: np.bincount(slot[rows][slot[rows] >= 0], minlength=len(declared) + 1),
                len(declared) + 1,
                sensitivity=1,
                epsilon=epsilon,
            ),
            0.0,
        )
        missing_count, kept_values, kept_counts = _beyond_noise(float(noisy[0]), epsilon), declared, noisy[1:]
        if kept_counts.sum() <= 0:
            kept_counts = np.ones(len(declared))
        row_key = lookup[codes] - 1  # -1: missing or undeclared
    else:
        names = np.array([*keys, _MISSING_KEY], dtype=object)

        def count_keys(rows: NDArray[np.int64]) -> dict[str, int]:
            counts = np.bincount(codes[rows], minlength=len(names))
            seen = np.flatnonzero(counts)
            return {str(names[i]): int(counts[i]) for i in seen}

        released = account.keys("categories", col, count_keys, epsilon=epsilon, delta=plan.delta)
        missing_count = released.pop(_MISSING_KEY, 0.0)
        by_key = dict(zip(keys, values, strict=True))
        chosen = sorted(k for k in keys if k in released)  # (not in order of appearance: ties must not tell it)
        if not chosen:
            raise InvalidArgument(
                f"column {col!r}: no category is held by enough rows to clear the privacy threshold at this epsilon "
                f"and delta; declare its categories, e.g. public={{{col!r}: [...]}}, raise epsilon or delta, give its "
                f"kind if it is not categories (columns={{{col!r}: 'datetime'}} for dates written as text, 'pii' for "
                f"personal data, 'id' for identifiers), or leave the column out with columns={{{col!r}: None}}."
            )
        kept_values = [by_key[k] for k in chosen]
        kept_counts = np.array([released[k] for k in chosen], dtype=np.float64)
        position = {k: i for i, k in enumerate(chosen)}
        row_key = np.array([position.get(k, -1) for k in keys] + [-1], dtype=np.int64)[codes]
    ordered = isinstance(dtype, pd.CategoricalDtype) and bool(dtype.ordered)
    if ordered:
        assert isinstance(dtype, pd.CategoricalDtype)
        rank = {repr(plain(c)): i for i, c in enumerate(dtype.categories)}
        order = np.argsort([rank.get(repr(v), len(rank)) for v in kept_values], kind="stable")
    else:  # the latent order from the noisy counts alone: most frequent first
        order = np.argsort(-kept_counts, kind="stable")
    probs = kept_counts[order] / kept_counts.sum()
    null_rate = float(round_probs(np.array([missing_count / (missing_count + kept_counts.sum())]))[0])
    column = CategoryColumn(
        col,
        categories=[kept_values[i] for i in order],
        probs=round_probs(probs),
        ordered=ordered,
        null_rate=null_rate,
    )
    column.cast = None if isinstance(dtype, pd.CategoricalDtype) else _dtype_name(dtype)
    mid = np.empty(len(order))
    mid[order] = np.cumsum(probs) - probs / 2.0 - 0.5  # each stored value's centred mid-grade in latent order
    centred = np.where(row_key >= 0, mid[np.maximum(row_key, 0)], 0.0)
    share = min(float(kept_counts.sum()) / n_hat, 1.0)
    return column, lambda: centred, share


def _dtype_name(dtype: Any) -> str:
    from .infer import dtype_name

    return dtype_name(dtype)


def _dependence(
    account: _Account,
    modelled: list[str],
    dp_cols: list[str],
    built: Mapping[str, ModelColumn],
    grades: Mapping[str, Callable[[], NDArray[np.float64]]],
    graded: Mapping[str, float],
    n_hat: float,
    epsilon: float,
    delta: float,
) -> NDArray[np.float64]:
    """The latent correlation of the modelled columns from noisy sums of products of centred grades.

    The sums are released with discrete Laplace noise (L1 sensitivity: pairs / 4), or with discrete Gaussian
    noise (L2 sensitivity: sqrt(pairs) / 4) when ``delta`` allows it and that noise is smaller (many pairs).
    """
    g = np.column_stack([grades[c]() for c in dp_cols])  # every row's centred grade, in [-1/2, 1/2]
    i, j = np.triu_indices(len(dp_cols), 1)
    pairs = len(i)
    # each product lies in [-1/4, 1/4]: one row moves each pair's sum of rounded products by SCALE/4 at most
    sensitivity = pairs * (_SCALE // 4)

    def sums(rows: NDArray[np.int64]) -> NDArray[np.int64]:
        out = np.zeros(pairs, dtype=np.int64)
        for start in range(0, len(rows), 1 << 16):
            block = g[rows[start : start + (1 << 16)]]
            out += np.rint(block[:, i] * block[:, j] * _SCALE).astype(np.int64).sum(axis=0)
        return out

    sd = math.sqrt(2.0) * sensitivity / epsilon  # (a Laplace variable of scale b has sd b sqrt 2)
    gaussian = None
    if delta > 0:
        l2 = math.sqrt(pairs) * (_SCALE // 4)
        gaussian = account.gaussian_scale(sums, pairs, l2_sensitivity=l2, epsilon=epsilon, delta=delta)
    if gaussian is not None and gaussian[1] < sd:
        query, sd = gaussian
        noisy = account.release("dependence", list(dp_cols), query, "discrete Gaussian (zCDP)", sd)
    else:
        noisy = account.counts("dependence", list(dp_cols), sums, pairs, sensitivity=sensitivity, epsilon=epsilon)
    cells = [built[c].rank_cells() for c in dp_cols]
    variance = np.array([1.0 / 12.0 if c is None else float((1.0 - (c.probs**3).sum()) / 12.0) for c in cells])
    weight = np.array([graded[c] for c in dp_cols])
    # (post-processing from here: the rho estimates, then each shrunk by its own noise level, the positive-part
    # James-Stein rule rho * max(0, 1 - sd^2 / rho^2), so a pair the noise swamps reads as independent)
    per_rho = _SCALE * n_hat * np.maximum(weight[i] * weight[j], 1e-9) * np.sqrt(variance[i] * variance[j])
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        rho = np.nan_to_num(noisy / per_rho)
        sd_rho = sd / per_rho
        rho = rho * np.maximum(0.0, 1.0 - np.nan_to_num(sd_rho**2 / rho**2, nan=1.0, posinf=1.0))
    rho = np.clip(rho, -1.0, 1.0)
    r = latent_for_spearman_pairs(rho, [(cells[a], cells[b]) for a, b in zip(i, j, strict=True)])
    at = np.array([modelled.index(c) for c in dp_cols])
    a = np.eye(len(modelled))
    fixed = np.zeros_like(a, dtype=bool)
    a[at[i], at[j]] = a[at[j], at[i]] = r
    fixed[at[i], at[j]] = fixed[at[j], at[i]] = True
    return nearest_correlation(a, ~fixed & ~np.eye(len(modelled), dtype=bool), floor=1e-3)
