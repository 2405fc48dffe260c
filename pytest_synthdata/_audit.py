"""``synthdata audit``: what a model file reveals about the rows it was fitted on, and tripwires against real data.

Two parts:

* :func:`audit_file` reads a model file (validated like any load) and lists
  what it stores that a single real row, or a handful, could have given away:
  numeric and date bounds (the exact observed extremes unless the file records
  that they were coarsened or declared public), values and knot intervals whose
  stored probabilities multiply back into counts below ``k`` rows (a table
  value, a category, a boolean side, a null or infinity rate, a segment group),
  strings that look like personal data (e-mail addresses, URLs, IP addresses,
  phone numbers, person names, street addresses, card numbers, IBANs, social security numbers, as
  ``fit`` finds them: one detector, ``_pii_detect``) and the differential-privacy account, if any.
* :func:`audit_held` counts, in the real data, the rows that hold each value
  the file stores (bounds, knots, table values, categories) and flags values
  held by fewer than ``k`` rows (a real column without values is named, not compared).
* :func:`audit_real` runs tripwires on the real data with the same fit
  settings (``min_count = k``): the rows are split in half at random, a model
  is fitted on one half, and its samples are compared with both halves
  (exact copies, distance to the closest record, a distance-based membership
  inference attack); then canary rows (a unique category and a value ten times
  the column's largest magnitude, in 1 and in 3 rows) are planted in the
  training half, and neither the fitted file nor 100,000 sampled rows may
  contain them (the value is looked for in the planted column's fields, and
  in other fields beyond what the same fit without the canary stores there:
  :func:`_canary_numbers`). These check the fitting procedure on this data, not the
  given file's bytes (that was fitted on every row, so there is no holdout).

Every finding names the field (``columns.income.bounds``) and says whether it
breaks the policy. Distances are Gower's (mean over columns of the absolute
difference divided by the column's range in the training half, or 0/1 for a
category), on at most ``max_rows`` rows of each set; the thresholds are
parameters, documented in the CLI reference.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import InvalidArgument

if TYPE_CHECKING:
    import pandas as pd
    from numpy.typing import NDArray

__all__ = ["AuditReport", "Finding", "audit_file", "audit_held", "audit_real"]


@dataclass(frozen=True)
class Finding:
    """One thing the audit found: ``check`` kind, the field ``where`` it is, the ``message``, and whether it ``fails``."""

    check: str
    where: str
    message: str
    fails: bool


@dataclass
class AuditReport:
    """The findings of one audit, in the order found."""

    source: str
    findings: list[Finding] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """True when no finding breaks the policy."""
        return not any(f.fails for f in self.findings)

    def add(self, check: str, where: str, message: str, *, fails: bool) -> None:
        self.findings.append(Finding(check, where, message, fails))

    def render(self) -> str:
        """The report as text: failures first, then what the file reveals within the policy, then a verdict."""
        lines = [f"audit of {self.source}"]
        for title, failing in (("breaks the policy", True), ("reveals, within the policy", False)):
            chosen = [f for f in self.findings if f.fails is failing]
            if chosen:
                lines.append(f"{title}:")
                lines += [f"  [{f.check}] {f.where}: {f.message}" for f in chosen]
        failures = sum(f.fails for f in self.findings)
        lines.append(f"FAILED: {failures} finding(s) break the policy" if failures else "PASSED")
        return "\n".join(lines)


# -- the file --------------------------------------------------------------------------------------------------------


def _pii(report: AuditReport, where: str, values: list[Any], *, allow: bool) -> None:
    """Report the strings among ``values`` that look like personal data (fit's own detector, ``_pii_detect``)."""
    from . import _pii_detect

    strings = [v for v in values if isinstance(v, str)]
    hits = [(v, _pii_detect.KINDS[k].one) for v in strings if (k := _pii_detect.value_kind(v)) is not None]
    # single names ("Smith", "Maria") under a neutral column name: when most values are names
    column = _pii_detect.detect(list(dict.fromkeys(s.strip() for s in strings if s.strip())))
    if column is not None and column.key in ("first_name", "last_name"):
        first, last = _pii_detect.names()
        known, seen = first | last, {h for h, _ in hits}
        hits += [(v, "a person's name") for v in strings if v not in seen and v.strip().lower() in known]
    if hits:
        shown = ", ".join(f"{json.dumps(v)} ({k})" for v, k in hits[:3])
        more = f" and {len(hits) - 3} more" if len(hits) > 3 else ""
        report.add(
            "pii",
            where,
            f"stores strings that look like personal data: {shown}{more}. Refit with this column regenerated "
            f"(columns={{...: 'pii'}}) or dropped (None).",
            fails=not allow,
        )


def _small(
    report: AuditReport,
    where: str,
    what: str,
    p: float,
    n: float | None,
    k: int,
    coarse: float = 0.0,
    *,
    dp: bool = False,
    of: str = "rows",
) -> None:
    if n is None or not 0.0 < p < 1.0:
        return
    c = p * n
    if coarse and abs(c - coarse) < 0.01:  # every count below the fit's min_count reads as this many rows
        return
    if c < k - 0.5:
        noisy = " (a noisy count under the privacy account)" if dp else ""
        report.add(
            "small-count",
            where,
            f"{what} has probability {p:.6g} of {n:.0f} {of}: about {c:.1f} row(s), fewer than k={k}{noisy}",
            fails=not dp,
        )


def _numbers(
    spec: dict[str, Any], where: str, n: float | None, k: int, policy: _Policy, report: AuditReport, of: str = "rows"
) -> None:
    """The stored numbers of a numeric or datetime column's spec; ``n`` the rows holding a value (``of`` names them)."""
    name = str(spec.get("name"))
    bounds = spec.get("bounds")
    if isinstance(bounds, list) and len(bounds) == 2 and n is not None and name in policy.public:
        report.add("bounds", f"{where}.bounds", f"declared public: {bounds}", fails=False)
    elif isinstance(bounds, list) and len(bounds) == 2 and n is not None and policy.dp:
        shown = [_show(spec, b) for b in bounds]
        report.add(
            "bounds",
            f"{where}.bounds",
            f"{shown[0]} and {shown[1]}: chosen under the privacy account (edges of a data-independent grid)",
            fails=False,
        )
    elif isinstance(bounds, list) and len(bounds) == 2 and n is not None and policy.bounds >= k:
        shown = [_show(spec, b) for b in bounds]
        report.add(
            "bounds",
            f"{where}.bounds",
            f"{shown[0]} and {shown[1]}: the ends of tails beyond the order statistics {policy.bounds} rows in "
            "from each end (the fit's rule), not observed extremes",
            fails=False,
        )
    elif isinstance(bounds, list) and len(bounds) == 2 and n is not None:
        shown = [_show(spec, b) for b in bounds]
        report.add(
            "bounds",
            f"{where}.bounds",
            f"stores the observed minimum {shown[0]} and maximum {shown[1]}: each may be a single row's value",
            fails=True,
        )
    params = spec.get("params") or {}
    probs, values = params.get("probs"), params.get("values")
    if isinstance(probs, list) and isinstance(values, list) and len(probs) == len(values) and n is not None:
        if spec.get("dist") == "table":
            for v, p in zip(values, probs, strict=False):
                if isinstance(p, (int, float)):
                    _small(
                        report,
                        f"{where}.params",
                        f"value {_show(spec, v)}",
                        float(p),
                        n,
                        k,
                        policy.coarse,
                        dp=policy.dp,
                        of=of,
                    )
        else:  # quantile knots: the rows between consecutive knots
            steps = np.diff(np.asarray([p for p in probs if isinstance(p, (int, float))], dtype=float))
            rows = steps * n
            thin = np.flatnonzero((rows > 0) & (rows < k - 0.5))
            if thin.size:
                i = int(thin[0])
                report.add(
                    "small-count",
                    f"{where}.params",
                    f"{thin.size} knot interval(s) pool fewer than k={k} rows (the first, {_show(spec, values[i])} "
                    f"to {_show(spec, values[i + 1])}, about {rows[i]:.1f}): "
                    + (
                        "noisy counts between data-independent knots, under the privacy account"
                        if policy.dp
                        else "their knots may be single rows' values"
                    ),
                    fails=not policy.dp,
                )
    for side, p in zip(("-inf", "inf"), spec.get("inf_rates") or (), strict=False):
        if isinstance(p, (int, float)):
            _small(
                report, f"{where}.inf_rates", f"the rate of {side}", float(p), n, k, policy.coarse, dp=policy.dp, of=of
            )


def _show(spec: dict[str, Any], value: Any) -> str:
    if spec.get("type") == "datetime" and isinstance(value, (int, float)) and math.isfinite(value):
        import pandas as pd

        unit = spec.get("unit_ns")
        if isinstance(unit, int) and unit > 0:
            try:
                return str(pd.Timestamp(int(value * unit)))
            except (OverflowError, ValueError):
                pass
    return repr(value)


@dataclass(frozen=True)
class _Policy:
    """What a fitted file's ``info["privacy"]`` block says its numbers follow.

    ``public``: columns whose bounds (and categories) were declared public;
    ``bounds``: the fit's ``min_count`` when its bounds are ends of tails past
    the order statistics that many rows in (0: exact extremes, as before);
    ``coarse``: the number of rows every count below ``min_count`` is stored as
    (0: counts are exact).
    """

    public: frozenset[str] = frozenset()
    bounds: int = 0
    coarse: float = 0.0
    #: a differentially private fit: every stored number is a noisy release under its account, so small
    #: counts and values few rows hold are reported, not failed (the account, and --max-epsilon, are the policy)
    dp: bool = False

    @classmethod
    def of(cls, privacy: dict[str, Any]) -> _Policy:
        public = privacy.get("public")
        min_count = privacy.get("min_count")
        k = min_count if isinstance(min_count, int) and not isinstance(min_count, bool) and min_count > 0 else 0
        return cls(
            public=frozenset(map(str, public)) if isinstance(public, (list, dict)) else frozenset(),
            bounds=k if privacy.get("bounds") == "order-statistic" else 0,
            coarse=k / 2.0 if privacy.get("small_counts") == "half-k" else 0.0,
            dp=_epsilon(privacy) is not None,
        )


def _epsilon(privacy: dict[str, Any]) -> float | None:
    """The epsilon of a differentially private fit's ``info["privacy"]``, None for any other file."""
    epsilon = privacy.get("epsilon")
    return float(epsilon) if isinstance(epsilon, (int, float)) and not isinstance(epsilon, bool) else None


def _column(
    spec: Any, where: str, n: float | None, k: int, policy: _Policy, report: AuditReport, *, allow_pii: bool
) -> None:
    if not isinstance(spec, dict):
        return
    kind = spec.get("type")
    null_rate = spec.get("null_rate")
    if isinstance(null_rate, (int, float)):
        _small(report, f"{where}.null_rate", "a missing value", float(null_rate), n, k, policy.coarse, dp=policy.dp)
        _small(
            report, f"{where}.null_rate", "a present value", 1.0 - float(null_rate), n, k, policy.coarse, dp=policy.dp
        )
    # a value's probability is its share of the rows holding a value: counts are of those (about n less the missing)
    present = n
    if n is not None and isinstance(null_rate, (int, float)) and 0.0 < float(null_rate) < 1.0:
        present = n * (1.0 - float(null_rate))
    of = "rows" if present is n else "present values"
    if kind in ("numeric", "datetime"):
        _numbers(spec, where, present, k, policy, report, of=of)
    elif kind == "category":
        categories, probs = spec.get("categories") or [], spec.get("probs") or []
        for c, p in zip(categories, probs, strict=False):
            if isinstance(p, (int, float)):
                _small(
                    report,
                    f"{where}.probs",
                    f"category {json.dumps(c)}",
                    float(p),
                    present,
                    k,
                    policy.coarse,
                    dp=policy.dp,
                    of=of,
                )
        _pii(report, f"{where}.categories", list(categories), allow=allow_pii)
    elif kind == "boolean":
        p = spec.get("p")
        if isinstance(p, (int, float)):
            _small(report, f"{where}.p", "True", float(p), present, k, policy.coarse, dp=policy.dp, of=of)
            _small(report, f"{where}.p", "False", 1.0 - float(p), present, k, policy.coarse, dp=policy.dp, of=of)
    elif kind == "id" and isinstance(spec.get("pattern"), str):
        _pii(report, f"{where}.pattern", [spec["pattern"].replace("{", "").replace("}", "")], allow=allow_pii)


def _group_rows(data: dict[str, Any], n: float) -> dict[int, float]:
    latent = data.get("latent") or {}
    segment = latent.get("segment") or {}
    groups, column = segment.get("groups"), segment.get("column")
    spec = next((c for c in data.get("columns", []) if isinstance(c, dict) and c.get("name") == column), None)
    if not isinstance(groups, list) or spec is None:
        return {}
    probs = spec.get("probs") or (spec.get("base") or {}).get("probs") or []
    out: dict[int, float] = {}
    for g, p in zip(groups, probs, strict=False):
        if isinstance(g, int) and isinstance(p, (int, float)):
            out[g] = out.get(g, 0.0) + float(p) * n
    return out


def _same_marginal(level: dict[str, Any], base: Any) -> bool:
    if not isinstance(base, dict):
        return False
    return {k: v for k, v in level.items() if k != "name"} == {k: v for k, v in base.items() if k != "name"}


def _walk(data: dict[str, Any]) -> Iterator[tuple[dict[str, Any], str, int | None]]:
    """Yield (column spec, field path, segment group or None) for every marginal a file stores."""
    for spec in data.get("columns", []):
        if isinstance(spec, dict):
            yield from _marginals(spec, f"columns.{spec.get('name')}")


#: Column types that wrap the marginal they store in ``base`` (a lookup, a follower, a sum, a product).
_WRAPPING = ("derived", "follower", "sum", "product")


def _marginals(spec: dict[str, Any], where: str) -> Iterator[tuple[dict[str, Any], str, int | None]]:
    """:func:`_walk` of one column spec (a wrapping column's ``base`` in turn, which may be fitted per group)."""
    if spec.get("type") == "conditional":
        yield spec.get("base") or {}, f"{where}.base", None
        groups = spec.get("groups") or []
        for g, level in enumerate(spec.get("levels") or []):  # levels[g] is group g's (groups maps codes to g)
            # (a group with nothing to learn from keeps the base: fitted on every row, not the group's)
            own = g in groups and not (isinstance(level, dict) and _same_marginal(level, spec.get("base")))
            yield level, f"{where}.levels[{g}]", g if own else None
    elif spec.get("type") in _WRAPPING:
        base = spec.get("base")
        yield from _marginals(base if isinstance(base, dict) else {}, f"{where}.base")
    else:
        yield spec, where, None


def audit_file(
    path: str, *, k: int = 5, max_epsilon: float | None = None, allow_pii: bool = False
) -> tuple[AuditReport, Any]:
    """Audit the model file at ``path``; return the report and the loaded model.

    A dataset file (linked tables) is audited table by table, its findings under ``tables.<table>.``, and the
    loaded Dataset returned.

    ``k`` is the smallest number of rows a stored value may stand for (fit's
    ``min_count``); ``max_epsilon`` requires a differentially private fit with
    at most that epsilon; ``allow_pii`` reports personal-looking strings
    without failing.
    """
    from ._artifact import read_text
    from ._model import loads
    from ._relations_file import is_dataset_text

    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise InvalidArgument(f"k={k!r}: pass a whole number of rows, 1 or more, such as k=5.")
    text, source = read_text(path)
    report = AuditReport(str(source))
    if is_dataset_text(text):  # linked tables: each table's model, its fields under tables.<table>.
        from ._relations_file import loads as load_dataset

        dataset = load_dataset(text, str(source))  # validates every field first
        tables = json.loads(text)["tables"]
        for table in dataset.order:
            part = AuditReport(str(source))
            _audit_model(tables[table], part, k=k, max_epsilon=max_epsilon, allow_pii=allow_pii)
            report.findings += [replace(f, where=f"tables.{table}.{f.where}") for f in part.findings]
        return report, dataset
    model = loads(text, str(source))  # validates every field first
    _audit_model(json.loads(text), report, k=k, max_epsilon=max_epsilon, allow_pii=allow_pii)
    return report, model


def _audit_model(
    data: dict[str, Any], report: AuditReport, *, k: int, max_epsilon: float | None, allow_pii: bool
) -> None:
    """Add to ``report`` what one model's validated file data reveals (see :func:`audit_file`)."""
    info: dict[str, Any] = data["info"] if isinstance(data.get("info"), dict) else {}
    rows = info["source"].get("rows") if isinstance(info.get("source"), dict) else None
    privacy: dict[str, Any] = info["privacy"] if isinstance(info.get("privacy"), dict) else {}
    policy = _Policy.of(privacy)
    n = float(rows) if isinstance(rows, int) and not isinstance(rows, bool) and rows > 0 else None
    if n is None:
        report.add(
            "source", "info.source.rows", "no row count: a declared schema, or a file without fit info", fails=False
        )
    groups = _group_rows(data, n) if n is not None else {}
    for spec, where, group in _walk(data):
        rows_here = n if group is None else groups.get(group, n)
        _column(spec, where, rows_here, k, policy, report, allow_pii=allow_pii)
    for g, size in sorted(groups.items()):
        if size < k - 0.5:
            report.add("small-count", "latent.segment", f"segment group {g} holds about {size:.1f} rows", fails=True)
    epsilon = _epsilon(privacy)
    if epsilon is not None:
        delta = privacy.get("delta")
        ledger: list[Any] = privacy["ledger"] if isinstance(privacy.get("ledger"), list) else []
        report.add(
            "privacy-account",
            "info.privacy",
            f"differentially private fit: epsilon={epsilon:g}, delta={delta} over {len(ledger)} releases "
            "(info.privacy.ledger)",
            fails=max_epsilon is not None and epsilon > max_epsilon,
        )
    elif max_epsilon is not None:
        report.add(
            "privacy-account",
            "info.privacy",
            f"not a differentially private fit (the policy asks for epsilon <= {max_epsilon})",
            fails=True,
        )
    for i, line in enumerate(info.get("withheld") or []):
        if not isinstance(line, str):
            continue
        small = [int(m[1]) for m in re.finditer(r"\b(\d+) of (\d+) rows", line) if 0 < int(m[1]) < k]
        if small:
            report.add("small-count", f"info.withheld[{i}]", f"gives exact counts below k={k}: {line}", fails=True)
        else:
            report.add("withheld", f"info.withheld[{i}]", line, fails=False)


# -- stored values against the real rows --------------------------------------------------------------------------


def _stored_numbers(spec: dict[str, Any]) -> list[float]:
    """The numbers a numeric or datetime marginal stores as values (bounds, knots, table values), finite only."""
    out: list[Any] = list(spec.get("bounds") or [])
    params = spec.get("params") or {}
    if isinstance(params.get("values"), list):
        out += params["values"]
    return [float(v) for v in out if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)]


def audit_held(
    path: str, real: pd.DataFrame, *, k: int = 5, report: AuditReport | None = None, table: str | None = None
) -> AuditReport:
    """Count, in ``real``, the rows holding each value the model file at ``path`` stores; flag those below ``k``.

    Numbers (bounds, quantile knots, table values) of numeric and date columns and the categories of category
    columns are compared exactly with the real column of the same name. A stored value held by 1 to ``k - 1``
    real rows gives that value away; one held by none (an interpolated knot) or by ``k`` or more does not. A real
    column without a value is not compared, and the report says so. ``table`` names the table of a dataset file
    (linked tables) that ``real`` holds.
    """
    import pandas as pd

    from ._artifact import read_text

    text, source = read_text(path)
    data = json.loads(text)
    report = report if report is not None else AuditReport(str(source))
    prefix = ""
    if table is not None:
        tables = data.get("tables") if isinstance(data, dict) else None
        if not isinstance(tables, dict) or not isinstance(tables.get(table), dict):
            raise InvalidArgument(
                f"table={table!r}: {source} holds no such table; pass one of its tables "
                f"({sorted(tables) if isinstance(tables, dict) else 'it is not a dataset file'})."
            )
        data, prefix = tables[table], f"tables.{table}."
    info = data.get("info") if isinstance(data.get("info"), dict) else {}
    dp = _epsilon(info["privacy"] if isinstance(info.get("privacy"), dict) else {}) is not None
    for spec, where, _group in _walk(data):
        name = spec.get("name")
        if not isinstance(name, str) or name not in real.columns:
            continue
        column = real[name]
        kind = spec.get("type")
        where = prefix + where
        if kind in ("numeric", "datetime", "category") and not column.notna().any():
            report.add(
                "not-compared",
                where,
                f"the real column {name!r} has no values (every one is missing), yet the file stores "
                "values for it; is this the data it was fitted on?",
                fails=False,
            )
            continue
        if kind in ("numeric", "datetime"):
            stored = np.unique(np.asarray(_stored_numbers(spec), dtype=np.float64))
            if kind == "datetime":
                unit = spec.get("unit_ns")
                if not isinstance(unit, int) or unit <= 0 or not pd.api.types.is_datetime64_any_dtype(column):
                    continue
                present = column.dropna()
                ns = present.dt.tz_convert("UTC").dt.tz_localize(None) if present.dt.tz is not None else present
                values = ns.astype("datetime64[ns]").astype("int64").to_numpy().astype(np.float64) / unit
            else:
                values = _as_float(column)
                values = values[np.isfinite(values)]
            if not len(values):  # (values, but none finite: nothing a stored number could match)
                continue
            few = _few_numbers(stored, values, k)
            shown = ", ".join(f"{_show(spec, v)} ({c} row{'s' if c > 1 else ''})" for v, c in few[:3])
        elif kind == "category":
            few = _few_values(spec.get("categories") or [], column, k)
            shown = ", ".join(f"{json.dumps(v)} ({c} row{'s' if c > 1 else ''})" for v, c in few[:3])
        else:
            continue
        if few:
            more = f" and {len(few) - 3} more" if len(few) > 3 else ""
            report.add(
                "held-by-few",
                where,
                f"stores {len(few)} value(s) that fewer than k={k} real rows hold: {shown}{more}"
                + (" (edges of a data-independent grid, kept by noisy counts under the privacy account)" if dp else ""),
                fails=not dp,
            )
    _profile_held(data, real, k, report, prefix)
    return report


def _few_numbers(stored: NDArray[np.float64], values: NDArray[np.float64], k: int) -> list[tuple[float, int]]:
    """The ``stored`` numbers that 1 to ``k - 1`` of ``values`` (finite) equal, each with how many."""
    distinct, counts = np.unique(values, return_counts=True)
    if not len(distinct) or not len(stored):
        return []
    at = np.minimum(np.searchsorted(distinct, stored), len(distinct) - 1)
    held = np.where(distinct[at] == stored, counts[at], 0)
    return [(v, int(c)) for v, c in zip(stored.tolist(), held.tolist(), strict=True) if 0 < c < k]


def _few_values(stored: list[Any], column: pd.Series, k: int) -> list[tuple[Any, int]]:
    """The ``stored`` categories that 1 to ``k - 1`` rows of ``column`` hold (compared by ``repr``), with how many."""
    counts = column.dropna().astype("object").map(repr).value_counts()
    return [(v, c) for v in stored if 0 < (c := int(counts.get(repr(v), 0))) < k]


def _profile_held(data: dict[str, Any], real: pd.DataFrame, k: int, report: AuditReport, prefix: str) -> None:
    """:func:`audit_held` of the profile section: its numeric sketch points and its named categories."""
    profile = data.get("profile")
    columns = profile.get("columns") if isinstance(profile, dict) else None
    if not isinstance(columns, dict):
        return
    for name, entry in columns.items():
        if not isinstance(entry, dict) or name not in real.columns:
            continue
        column = real[name]
        where = f"{prefix}profile.columns.{name}"
        few: list[tuple[Any, int]] = []
        if entry.get("sdtype") == "numerical" and isinstance(entry.get("quantiles"), list):
            points = [v for v in entry["quantiles"] if isinstance(v, (int, float)) and not isinstance(v, bool)]
            values = _as_float(column)
            few = _few_numbers(np.asarray(points, dtype=np.float64), values[np.isfinite(values)], k)
            shown = ", ".join(f"{v:g} ({c} row{'s' if c > 1 else ''})" for v, c in few[:3])
        elif isinstance(entry.get("values"), list):
            few = _few_values(entry["values"], column, k)
            shown = ", ".join(f"{json.dumps(v)} ({c} row{'s' if c > 1 else ''})" for v, c in few[:3])
        if few:
            more = f" and {len(few) - 3} more" if len(few) > 3 else ""
            report.add(
                "held-by-few",
                where,
                f"the fidelity profile stores {len(few)} value(s) that fewer than k={k} real rows hold: {shown}{more}",
                fails=True,
            )


# -- tripwires on real data ------------------------------------------------------------------------------------------


def _encode(frames: list[pd.DataFrame], columns: list[str]) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Per frame: numeric block scaled by the first frame's range (NaN kept) and category codes (-1 for missing)."""
    import pandas as pd

    nums: list[list[np.ndarray]] = [[] for _ in frames]
    cats: list[list[np.ndarray]] = [[] for _ in frames]
    for col in columns:
        first = frames[0][col]
        numeric = pd.api.types.is_numeric_dtype(first) and not pd.api.types.is_bool_dtype(first)
        if numeric or pd.api.types.is_datetime64_any_dtype(first):
            values = [_as_float(f[col]) for f in frames]
            finite = values[0][np.isfinite(values[0])]
            span = float(finite.max() - finite.min()) if finite.size else 1.0
            for i, v in enumerate(values):
                nums[i].append(v / (span or 1.0))
        else:
            # one vocabulary across frames, as strings, so equal values get equal codes
            keys = [f[col].astype("object").where(f[col].notna(), None).map(repr) for f in frames]
            vocab = pd.Index(pd.unique(pd.concat(keys, ignore_index=True)))
            for i, s in enumerate(keys):
                cats[i].append(vocab.get_indexer(s.to_numpy()))
    num = [np.column_stack(b) if b else np.zeros((len(f), 0)) for b, f in zip(nums, frames, strict=False)]
    cat = [
        np.column_stack(b) if b else np.zeros((len(f), 0), dtype=np.int64) for b, f in zip(cats, frames, strict=False)
    ]
    return num, cat


def _as_float(s: pd.Series) -> np.ndarray:
    import pandas as pd

    if pd.api.types.is_datetime64_any_dtype(s):
        out = s.astype("int64").to_numpy(dtype=float) / 86_400e9
        out[s.isna().to_numpy()] = np.nan
        return out
    return pd.to_numeric(s, errors="coerce").astype("float64").to_numpy(na_value=np.nan)


def _nearest(a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray], chunk: int = 256) -> np.ndarray:
    """Gower distance from each row of ``a`` to its nearest row of ``b`` (NaN vs NaN is 0, NaN vs a value is 1)."""
    (an, ac), (bn, bc) = a, b
    width = an.shape[1] + ac.shape[1]
    out = np.empty(len(an))
    for s in range(0, len(an), chunk):
        d = np.zeros((min(chunk, len(an) - s), len(bn)))
        for j in range(an.shape[1]):
            x, y = an[s : s + chunk, j][:, None], bn[:, j][None, :]
            diff = np.abs(x - y)
            nan = np.isnan(x) | np.isnan(y)
            d += np.where(nan, (np.isnan(x) != np.isnan(y)).astype(float), np.minimum(diff, 1.0))
        for j in range(ac.shape[1]):
            d += ac[s : s + chunk, j][:, None] != bc[:, j][None, :]
        out[s : s + chunk] = d.min(axis=1) / max(width, 1)
    return out


def _auc(members: np.ndarray, others: np.ndarray) -> float:
    """P(a member scores above a non-member), ties counting half (the Mann-Whitney statistic)."""
    from scipy.stats import rankdata

    ranks = rankdata(np.concatenate([members, others]))
    return float((ranks[: len(members)].sum() - len(members) * (len(members) + 1) / 2) / (len(members) * len(others)))


def audit_real(
    real: pd.DataFrame,
    *,
    k: int = 5,
    seed: int = 0,
    splits: int = 5,
    max_rows: int = 2_000,
    canary_rows: int = 100_000,
    max_copy_excess: float = 0.01,
    max_dcr_share: float = 0.6,
    max_auc: float = 0.6,
    epsilon: float | None = None,
    delta: float | None = None,
    public: dict[str, Any] | None = None,
    columns: dict[str, Any] | None = None,
    report: AuditReport | None = None,
) -> AuditReport:
    """Run the tripwires on ``real`` with fit settings ``min_count=k``; add their findings to ``report``.

    With ``epsilon`` (and ``delta``, ``public``, ``columns``: see :func:`dp_settings`) the fits are
    differentially private ones instead (``min_count`` unused).

    The row-level wires (exact copies, distance to closest record, membership
    inference) are averaged over ``splits`` random halvings of the rows (at
    most ``4 * max_rows`` of them): on a small table one split's share moves
    by ten points with the split alone. A wire fails when its mean is above
    the policy by more than twice its standard error over the splits, so a
    model that is merely near the limit does not fail at random, while one
    that copies rows fails every split.
    """
    from . import _fit

    report = report if report is not None else AuditReport("<real data>")
    if isinstance(splits, bool) or not isinstance(splits, int) or splits < 1:
        raise InvalidArgument(f"splits={splits!r}: pass a whole number of random halvings, 1 or more, such as 5.")
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    n = len(real)
    if n < 4 * k:
        report.add("tripwires", "--real", f"{n} rows are too few to split into halves of at least {2 * k}", fails=False)
        return report
    used = min(n, 4 * max_rows)
    settings: dict[str, Any] = (
        {"min_count": k}
        if epsilon is None
        else {"epsilon": epsilon, "delta": delta or None, "public": public, "columns": columns}
    )
    copies_train, copies_hold, shares, aucs = [], [], [], []
    modelled: list[str] = []
    train = real
    for _ in range(splits):
        order = rng.permutation(n)[:used]
        half = used // 2
        train, hold = real.iloc[order[:half]].reset_index(drop=True), real.iloc[order[half:]]
        hold = hold.reset_index(drop=True).iloc[: len(train)]
        try:
            model = _fit.fit(train, name="audit", **settings)
        except InvalidArgument as exc:
            if epsilon is None:
                raise
            # (a private fit of half the rows can fail where the file's fit of all of them did: a verdict on
            # what could run, not an abort; the file's guarantee is its account)
            report.add(
                "tripwires",
                "--real",
                f"not run: a differentially private fit of half the rows (epsilon={epsilon:g}, as the file's) "
                f"failed: {exc} The file's own findings above stand; its guarantee is its privacy account.",
                fails=False,
            )
            return report
        modelled = [c for c in model.modelled_columns if c in real.columns]
        take = min(max_rows, len(train))
        syn = model.sample(max_rows, seed=int(rng.integers(2**63)))
        parts = [f.iloc[rng.permutation(len(f))[:take]].reset_index(drop=True) for f in (train, hold)] + [syn]
        num, cat = _encode(parts, modelled)
        tr, ho, sy = ((num[i], cat[i]) for i in range(3))
        d_train, d_hold = _nearest(sy, tr), _nearest(sy, ho)
        copies_train.append(float(np.mean(d_train == 0)))
        copies_hold.append(float(np.mean(d_hold == 0)))
        shares.append(float(np.mean(d_train < d_hold) + 0.5 * np.mean(d_train == d_hold)))
        aucs.append(_auc(-_nearest(tr, sy), -_nearest(ho, sy)))
    over = f"mean of {splits} random split{'s' if splits > 1 else ''}"
    excess = [a - b for a, b in zip(copies_train, copies_hold, strict=True)]
    report.add(
        "exact-copies",
        "--real",
        f"{np.mean(copies_train):.2%} of sampled rows equal a training row, {np.mean(copies_hold):.2%} a held-out "
        f"row (over {len(modelled)} modelled columns, {over}; the policy allows {max_copy_excess:.0%} more)",
        fails=_above(excess, max_copy_excess),
    )
    report.add(
        "distance-to-closest-record",
        "--real",
        f"{np.mean(shares):.1%} of sampled rows are closer to the training half than to the held-out half "
        f"({over}{_spread(shares, percent=True)}; 0.5 is ideal; the policy allows {max_dcr_share:.0%})",
        fails=_above(shares, max_dcr_share),
    )
    report.add(
        "membership-inference",
        "--real",
        f"a distance-based attack tells training rows from held-out ones with AUC {np.mean(aucs):.3f} "
        f"({over}{_spread(aucs, percent=False)}; 0.5 is chance; the policy allows {max_auc})",
        fails=_above(aucs, max_auc),
    )
    without = _numbers_and_strings(model)  # (the last split's model: the same fit of the same half, no canary)
    for copies in (1, 3):
        try:
            _canary(report, train, rng, copies=copies, rows=canary_rows, k=k, settings=settings, baseline=without)
        except InvalidArgument as exc:
            if epsilon is None:
                raise
            report.add("canary", "--real", f"not run: its differentially private fit failed: {exc}", fails=False)
            break
    return report


def _above(values: list[float], limit: float) -> bool:
    """Whether the mean of ``values`` is above ``limit`` by more than twice its standard error."""
    mean = float(np.mean(values))
    se = float(np.std(values, ddof=1) / np.sqrt(len(values))) if len(values) > 1 else 0.0
    return mean - 2.0 * se > limit


def _spread(values: list[float], *, percent: bool) -> str:
    if len(values) < 2:
        return ""
    lo, hi = min(values), max(values)
    return f", each {lo:.1%} to {hi:.1%}" if percent else f", each {lo:.3f} to {hi:.3f}"


def dp_settings(info: Any) -> dict[str, Any]:
    """The fit settings of a differentially private fit's ``info`` (epsilon, delta, public, columns), else {}.

    So ``synthdata audit FILE --real DATA`` runs the tripwires with the fit that made the file: declared bounds
    (as pairs) and categories, and the kinds given in ``columns=`` (values are not read for kinds under DP).
    """
    privacy = info.get("privacy") if isinstance(info, dict) else None
    if not isinstance(privacy, dict) or _epsilon(privacy) is None:
        return {}
    kinds: dict[str, Any] = info["columns"] if isinstance(info.get("columns"), dict) else {}
    public: dict[str, Any] = {}
    declared: dict[str, Any] = privacy["public"] if isinstance(privacy.get("public"), dict) else {}
    for col, value in declared.items():
        if col == "dtypes and names" or not isinstance(value, list):
            continue
        about: dict[str, Any] = kinds[col] if isinstance(kinds.get(col), dict) else {}
        numbers = about.get("kind") in ("integer", "float", "datetime", "date")
        public[col] = tuple(value) if numbers and len(value) == 2 else value
    given = {
        col: kind["kind"]
        for col, kind in kinds.items()
        if isinstance(kind, dict) and kind.get("why") == "given in columns=" and isinstance(kind.get("kind"), str)
    }
    ignored = {col: None for col, kind in kinds.items() if isinstance(kind, dict) and kind.get("kind") == "ignored"}
    delta = privacy.get("delta")
    return {
        "epsilon": _epsilon(privacy),
        "delta": float(delta)
        if isinstance(delta, (int, float)) and not isinstance(delta, bool) and delta > 0
        else None,
        "public": public or None,
        "columns": (given | ignored) or None,
    }


def _canary(
    report: AuditReport,
    train: pd.DataFrame,
    rng: np.random.Generator,
    *,
    copies: int,
    rows: int,
    k: int = 5,
    settings: dict[str, Any] | None = None,
    baseline: Any = None,
) -> None:
    """Plant a canary in ``copies`` rows of ``train``, fit, and report whether the file or a sample gives it back.

    ``baseline`` is the model file data (:func:`_numbers_and_strings`) of the same fit of ``train`` without the
    canary (fitted here when None): what it stores explains the numbers of fields the canary was not planted in.
    """
    import pandas as pd

    from . import _fit

    fit_settings = settings if settings is not None else {"min_count": k}

    planted = train.iloc[rng.integers(0, len(train), copies)].copy()
    token = f"canary-{int(rng.integers(16**8)):08x}"
    numeric = [
        c
        for c in train.columns
        if pd.api.types.is_numeric_dtype(train[c])
        and not pd.api.types.is_bool_dtype(train[c])
        and train[c].notna().any()
    ]
    texts = [c for c in train.columns if train[c].dtype == object or isinstance(train[c].dtype, pd.CategoricalDtype)]
    magnitude = {c: float(np.nanmax(np.abs(_as_float(train[c])))) for c in numeric}
    num_col = max(numeric, key=magnitude.__getitem__) if numeric else None
    txt_col = texts[0] if texts else None
    top = magnitude[num_col] if num_col else 0.0
    value = 10.0 * top if top > 0 else 1e6
    if num_col:
        kind = train[num_col].dtype
        planted[num_col] = pd.Series([value] * copies, index=planted.index).astype(
            kind if pd.api.types.is_float_dtype(kind) else "float64"
        )
    if txt_col:
        if isinstance(planted[txt_col].dtype, pd.CategoricalDtype):
            planted[txt_col] = planted[txt_col].cat.add_categories([token])
        planted[txt_col] = token
    frame = pd.concat([train, planted], ignore_index=True)
    model = _fit.fit(frame, name="audit", **fit_settings)
    data = _numbers_and_strings(model)
    text = json.dumps(data)
    where = f"--real (canary in {copies} row{'s' if copies > 1 else ''})"
    leaks = []
    if txt_col and token in text:
        leaks.append(f"the category {token!r} planted in {txt_col!r} is in the file")
    halfway = (top + value) / 2
    if num_col:
        if baseline is None:
            baseline = _numbers_and_strings(_fit.fit(train, name="audit", **fit_settings))
        places = _canary_numbers(data, baseline, num_col, halfway)
        if places:
            leaks.append(
                f"a number near the value {value:g} planted in {num_col!r} is in the file ({', '.join(places)})"
            )
    sample = model.sample(rows, seed=int(rng.integers(2**63)))
    if txt_col and txt_col in sample and (sample[txt_col].astype("object") == token).any():
        leaks.append(f"{token!r} comes back in {rows:,} sampled rows")
    if num_col and num_col in sample and (np.abs(_as_float(sample[num_col])) >= halfway).any():
        leaks.append(f"values beyond {halfway:g} (the planted {value:g}) come back in {rows:,} sampled rows")
    report.add(
        "canary",
        where,
        "; ".join(leaks)
        if leaks
        else f"neither the planted category nor the value {value:g} is in the file or samples",
        fails=bool(leaks),
    )


def _numbers_and_strings(model: Any) -> Any:
    """What ``model`` would write to a model file (nothing for a model of another backend)."""
    from ._artifact import to_dict
    from ._model import Model

    return to_dict(model) if isinstance(model, Model) else {}


#: Fields whose numbers are no values of the data: the latent correlations, the fit's notes, and a datetime
#: column's ``unit_ns`` (its time unit in nanoseconds).
_NOT_VALUES = frozenset({"correlation", "info", "unit_ns"})


def _stored_magnitudes(data: Any) -> dict[str, list[float]]:
    """The magnitudes of the finite numbers a model file's data stores, by the place that stores them.

    A column's place (``"column 'income'"``) holds its spec in ``columns`` and its entry in ``profile.columns``
    (a wrapping column's base and per-group levels included); any other number is placed by its top-level field
    (``"field 'latent'"``). Fields in ``_NOT_VALUES`` are left out.
    """
    out: dict[str, list[float]] = {}

    def walk(x: Any, place: str) -> None:
        if isinstance(x, dict):
            for key, value in x.items():
                if key in _NOT_VALUES:
                    continue
                if key == "columns" and isinstance(value, list):  # column specs, each naming its column
                    for spec in value:
                        name = spec.get("name") if isinstance(spec, dict) else None
                        walk(spec, f"column {name!r}" if isinstance(name, str) else place)
                elif key == "columns" and isinstance(value, dict):  # the profile's columns, by name
                    for name, about in value.items():
                        walk(about, f"column {name!r}")
                else:
                    walk(value, place or f"field {key!r}")
        elif isinstance(x, list):
            for v in x:
                walk(v, place)
        elif isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x):
            out.setdefault(place, []).append(abs(float(x)))

    walk(data, "")
    return out


def _canary_numbers(data: Any, baseline: Any, column: str, threshold: float) -> list[str]:
    """The places of ``data`` storing a number of magnitude ``threshold`` or more that only the canary explains.

    ``threshold`` is halfway from ``column``'s largest magnitude to the planted value. In ``column``'s own place
    nothing fitted without the canary reaches it, so every such number counts, unless ``baseline`` (the same fit
    without the canary) stores it there too (a bound declared public). Any other place counts when it stores
    such a number above twice its largest number in ``baseline``: a date column's days since 1970 (about 19,000
    for 2022) are large but the same with or without the canary, while the canary copied into another column
    (a follower of it, a profile) multiplies that column's largest number.
    """
    found = []
    before = _stored_magnitudes(baseline)
    own = f"column {column!r}"
    for place, numbers in _stored_magnitudes(data).items():
        known = before.get(place, [])
        if place == own:
            stored = set(known)
            leaked = any(x >= threshold and x not in stored for x in numbers)
        else:
            ceiling = 2.0 * max(known, default=0.0)
            leaked = any(x >= threshold and x > ceiling for x in numbers)
        if leaked:
            found.append(place)
    return found


def _stores_at_least(data: Any, threshold: float) -> bool:
    """Whether a model file's data (``_numbers_and_strings``) stores a number of magnitude ``threshold`` or more."""
    return any(x >= threshold for numbers in _stored_magnitudes(data).values() for x in numbers)
