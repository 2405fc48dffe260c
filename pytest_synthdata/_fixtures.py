"""The ``synth_<name>`` and ``synth_<name>_factory`` fixtures, and what they read for a test.

``fixture_functions(model)`` builds both fixtures of a dataset; the registry
puts them in a conftest (``register()``) or in a global plugin module. A fixture
reads its test's rows (the ``synthdata`` marker, else the ini option
``synthdata_rows``), its seed (the marker's, else ``derive_seed(base seed, node
id, dataset)``), conditions, edge cases and balance (the marker's; edge cases
else the ini option ``synthdata_edge_cases``), records what it sampled for the
failure report (with the edge rows it gave), and applies a factory's
conditions and ``set=`` values.

A factory's column keyword is a *condition* (``factory(500, plan="enterprise")``
samples enterprise rows from the model's conditional distribution: their
churn and incomes too); a list there gives one condition per row (None/NaN:
none for that row). ``conditions={...}`` takes the whole condition language
of ``Model.sample`` (any-of lists, ranges, None for missing) and any column
name, also one that is a reserved keyword (:data:`RESERVED`). A keyword on a
generated column (Faker, Id), which no other column depends on, sets it.
``set={...}`` sets values after sampling, without conditioning (for values
the model does not know).

Imports nothing heavy: pandas is imported when a factory overrides columns, and
the model's own modules when it samples.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pytest

from ._seeding import derive_seed
from ._validate import (
    check_independent,
    check_memory,
    check_rows,
    check_seed,
    check_share,
    rows_from_text,
    share_from_text,
)
from .errors import InvalidArgument, ModelFileError

if TYPE_CHECKING:
    import pandas as pd

    from ._model import Model

__all__ = [
    "DEFAULT_ROWS",
    "EDGES_INI",
    "ROWS_INI",
    "STATE",
    "USED",
    "Rows",
    "SessionState",
    "Used",
    "fixture_functions",
    "ini_edge_cases",
    "ini_rows",
]

ROWS_INI = "synthdata_rows"
#: The scopes ``register(model, scope=...)`` takes for ``synth_<name>``.
SCOPES = ("function", "class", "module", "package", "session")
DEFAULT_ROWS = 100
EDGES_INI = "synthdata_edge_cases"
#: The failure report lists at most this many edge rows of a sample.
MAX_EDGE_LINES = 20


def _note_per_run_seed(frame: Any, config: pytest.Config, fixed: bool) -> None:
    """Mark ``frame.attrs["synthdata"]["per_run_seed"]`` when its seed changes from run to run.

    It does unless the test fixed it (marker or factory ``seed=``) or the
    session did (``--synthdata-seed=<int>``, forwarded to xdist workers too);
    ``assert_no_drift`` refuses such frames, whose scores move with sampling noise.
    """
    attrs = getattr(frame, "attrs", {}).get("synthdata")
    if fixed or not isinstance(attrs, dict) or isinstance(config.getoption("synthdata_seed", None), int):
        return
    attrs["per_run_seed"] = True


@dataclass
class Used:
    """One sample a fixture gave a test, for the failure report."""

    dataset: str
    rows: int
    seed: int
    how: str
    overrides: tuple[str, ...] = ()
    independent: bool = False
    #: The conditions the rows were sampled under (a dict, or a per-row DataFrame), None for none.
    conditions: Any = field(default=None, repr=False, compare=False)
    #: The dataset sampled (to sample the rows again for the report) and the module that registered it.
    model: Any = field(default=None, repr=False, compare=False)
    module: str | None = None
    #: ``sample()``'s edge-case and balance options (``edge_cases``, ``edge_kinds``, ``edge_columns``, ``balance``).
    shaping: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    #: The edge rows the sample held, one line each (the first MAX_EDGE_LINES), and how many there were.
    edge_lines: tuple[str, ...] = ()
    edge_count: int = 0
    #: A Dataset's sample: each table's rows, one line each ("orders: 240 rows").
    tables: tuple[str, ...] = ()

    def options(self) -> dict[str, Any]:
        """The keyword arguments of ``model.sample(rows, seed=seed, **options)`` that give these rows again."""
        options: dict[str, Any] = {"independent": True} if self.independent else {}
        if self.conditions is not None:
            options["conditions"] = self.conditions
        return {**options, **self.shaping}


@dataclass
class SessionState:
    """The session's base seed and the datasets that became global fixtures (set up by the plugin)."""

    seed: int
    seed_source: str
    datasets: dict[str, Model] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    synth_plugins: list[object] = field(default_factory=list)
    #: The directories ``synthdata_models`` searched for model files, and whether each exists.
    model_dirs: list[tuple[str, bool]] = field(default_factory=list)
    #: Whether those directories came from the ini option (else the default).
    model_dirs_configured: bool = False
    #: True while pytest collects: a conftest loaded then reports its datasets' errors as a collection error.
    collecting: bool = False
    #: Usage errors of conftests loaded during collection, for the collector's report.
    late_errors: list[str] = field(default_factory=list)


#: On ``config.stash``: the session's state.
STATE = pytest.StashKey[SessionState]()
#: On a test item's stash: what its synth fixtures sampled.
USED = pytest.StashKey[list[Used]]()


_MARKER_KEYS = ("rows", "seed", "independent", "conditions", "edge_cases", "edge_kinds", "edge_columns", "balance")
#: Marker keys passed on to ``sample()`` as they are (it checks them).
_SHAPING = ("edge_kinds", "edge_columns", "balance")

#: The factory's keywords that are not column conditions (a column with one of these names goes in ``conditions=``).
RESERVED = ("seed", "conditions", "set", "edge_cases", "edge_kinds", "edge_columns", "balance")


def _marker_value(request: pytest.FixtureRequest, key: str) -> Any:
    """Return ``key`` from the closest ``synthdata`` marker that sets it (function, class, module)."""
    for marker in request.node.iter_markers("synthdata"):
        if marker.args or set(marker.kwargs) - set(_MARKER_KEYS):
            bad = [repr(a) for a in marker.args] + [f"{k}=" for k in marker.kwargs if k not in _MARKER_KEYS]
            pytest.fail(
                f"{request.node.nodeid}: @pytest.mark.synthdata got {', '.join(bad)}; it takes only rows=, seed=, "
                "independent=, conditions=, edge_cases=, edge_kinds=, edge_columns= and balance=.",
                pytrace=False,
            )
        value = marker.kwargs.get(key)
        if value is None:
            continue
        if key == "conditions":
            if not isinstance(value, Mapping):
                pytest.fail(
                    f"{request.node.nodeid}: @pytest.mark.synthdata(conditions={value!r}) must be a dict of column -> "
                    "condition.",
                    pytrace=False,
                )
            return dict(value)
        if key == "independent":
            if not isinstance(value, bool):
                pytest.fail(
                    f"{request.node.nodeid}: @pytest.mark.synthdata(independent={value!r}) must be True or False.",
                    pytrace=False,
                )
            return value
        if key in _SHAPING:
            return value
        where = f"{request.node.nodeid}: @pytest.mark.synthdata"
        try:
            if key == "edge_cases":
                return check_share(value, argument=key, where=where)
            return check_rows(value, argument=key, where=where) if key == "rows" else check_seed(value, where=where)
        except InvalidArgument as exc:
            problem = str(exc)
        pytest.fail(problem, pytrace=False)  # outside the except: one line, no "during handling" chain
    return None


def ini_rows(config: pytest.Config) -> int:
    """Return the ini option ``synthdata_rows``; a bad value is a usage error."""
    try:
        return rows_from_text(config.getini(ROWS_INI), argument=ROWS_INI, where="ini option")
    except InvalidArgument as exc:
        raise pytest.UsageError(str(exc)) from None


def ini_edge_cases(config: pytest.Config) -> float:
    """Return the ini option ``synthdata_edge_cases`` (default 0); a bad value is a usage error."""
    try:
        return share_from_text(config.getini(EDGES_INI), argument=EDGES_INI, where="ini option")
    except InvalidArgument as exc:
        raise pytest.UsageError(str(exc)) from None


def _shaping(request: pytest.FixtureRequest) -> dict[str, Any]:
    """The test's edge-case and balance options: the marker's, else the ini default of edge_cases (0: none)."""
    given = {key: value for key in _SHAPING if (value := _marker_value(request, key)) is not None}
    rate = _marker_value(request, "edge_cases")
    if rate is None:
        rate = ini_edge_cases(request.config)
    out = {"edge_cases": rate} if rate or "edge_kinds" in given or "edge_columns" in given else {}
    return {**out, **given}


def _edge_lines(frame: Any) -> tuple[tuple[str, ...], int]:
    """The first MAX_EDGE_LINES edge rows of a sampled frame as report lines (row, column, kind, value), and the count."""
    attrs = getattr(frame, "attrs", {}).get("synthdata", {})
    edges = attrs.get("edges") if isinstance(attrs, dict) else None
    if edges is None or not len(edges):
        return (), 0
    table = edges.frame.head(MAX_EDGE_LINES)
    lines = []
    for row, column, kind, detail in table.itertuples(index=False, name=None):
        try:
            cell = frame[column].iloc[row]
            value = repr(cell.item() if hasattr(cell, "item") and not hasattr(cell, "tzinfo") else cell)
        except (KeyError, IndexError):  # pragma: no cover - an edge names a column and row of its frame
            value = "?"
        lines.append(f"row {row}: {column} {kind} ({detail}) = {value}")
    return tuple(lines), len(edges)


@dataclass(frozen=True)
class Rows:
    """A fixture's row count and where it was set, for messages (``argument`` as in :mod:`._validate`)."""

    n: int
    argument: str
    where: str


def _rows(request: pytest.FixtureRequest) -> Rows:
    rows = _marker_value(request, "rows")
    if rows is None:
        return Rows(ini_rows(request.config), ROWS_INI, "ini option")
    return Rows(rows, "rows", f"{request.node.nodeid}: @pytest.mark.synthdata")


def _record(request: pytest.FixtureRequest, used: Used) -> None:
    request.node.stash.setdefault(USED, []).append(used)


def _state(request: pytest.FixtureRequest) -> SessionState:
    state = request.config.stash.get(STATE, None)
    if state is None:
        pytest.fail(
            "pytest-synthdata's plugin is disabled (-p no:synthdata?), so synth_* fixtures have no seed; "
            "enable it to use them.",
            pytrace=False,
        )
    return state


def fixture_functions(
    model: Model, module: str | None = None, *, about: str | None = None, scope: str = "function"
) -> dict[str, Any]:
    """Return the fixtures ``synth_<name>`` and ``synth_<name>_factory`` for ``model``.

    ``module`` names the module that defines them (a conftest), as shown by
    ``pytest --fixtures``. ``about`` says where the rows come from in the
    fixture's docstring (default: the columns; a model file passes its path,
    so that listing fixtures does not load it). ``scope`` is ``synth_<name>``'s
    pytest scope (its seed then comes from the scope's node id); a Dataset
    also gets ``synth_<name>_db`` (``_dataset_fixtures``).
    """
    if scope not in SCOPES:
        raise InvalidArgument(f"register(scope={scope!r}): the scope must be one of {list(SCOPES)}.")
    if getattr(type(model), "linked_tables", False):  # a Dataset (no import: a lazy model file stays unloaded)
        from ._dataset_fixtures import dataset_fixtures

        return dataset_fixtures(model, module, scope=scope, about=about)  # type: ignore[arg-type]
    name = model.name

    def data(request: pytest.FixtureRequest) -> pd.DataFrame:
        state = _state(request)
        rows = _rows(request)
        seed = _marker_value(request, "seed")
        if seed is None:
            seed = derive_seed(state.seed, request.node.nodeid, name)
        independent = bool(_marker_value(request, "independent"))
        conditions = _marker_value(request, "conditions")
        used = Used(
            name,
            rows.n,
            seed,
            f"synth_{name}",
            independent=independent,
            model=model,
            module=module,
            conditions=conditions,
            shaping=_shaping(request),
        )
        if request.scope == "function":  # (a module's or session's rows are not one test's)
            _record(request, used)
        try:
            _check_memory(model, rows)
        except InvalidArgument as exc:
            pytest.fail(str(exc), pytrace=False)
        frame = _sample(model, used)
        used.edge_lines, used.edge_count = _edge_lines(frame)
        _note_per_run_seed(frame, request.config, _marker_value(request, "seed") is not None)
        return frame

    if about is None:
        about = f"({', '.join(model.columns)})"
    data.__doc__ = (
        f"DataFrame of synthetic {name!r} rows {about}; "
        f"`{ROWS_INI}` rows (default {DEFAULT_ROWS}), seeded per test from the base seed."
    )

    def factory(request: pytest.FixtureRequest) -> Callable[..., pd.DataFrame]:
        state = _state(request)
        default_rows = _rows(request)
        independent = bool(_marker_value(request, "independent"))
        marked = _marker_value(request, "conditions")
        shaping = _shaping(request)
        calls = [0]

        def make(
            n: int | None = None,
            /,
            *,
            seed: int | None = None,
            conditions: Any = None,
            set: Mapping[str, Any] | None = None,
            edge_cases: float | None = None,
            edge_kinds: Any = None,
            edge_columns: Any = None,
            balance: Any = None,
            **columns: Any,
        ) -> pd.DataFrame:
            """Return ``n`` synthetic rows (default: the fixture's row count), under conditions.

            ``seed`` picks exact rows; by default each call in a test gets its own
            derived seed. A column keyword is a condition (a list: one per row);
            ``conditions={...}`` takes the full condition language; ``set={...}``
            sets values after sampling. ``edge_cases``, ``edge_kinds``,
            ``edge_columns`` and ``balance`` are ``Model.sample``'s (default: the
            marker's, else the ini option ``synthdata_edge_cases``).
            """
            if "n" in columns and "n" not in getattr(model, "columns", ()):  # (a column n stays a condition)
                raise InvalidArgument(factory_rows_message(name, repr(columns["n"]), keyword=True))
            if n is None:
                rows = default_rows
            else:
                try:
                    count = check_rows(n, where=f"synth_{name}_factory()")
                except InvalidArgument as exc:
                    raise InvalidArgument(factory_rows_message(name, str(exc))) from None
                rows = Rows(count, "n", f"synth_{name}_factory()")
            _check_memory(model, rows)
            fixed_seed = seed is not None
            if seed is None:
                seed = derive_seed(state.seed, request.node.nodeid, name, "factory", calls[0])
            else:
                seed = check_seed(seed, where=f"synth_{name}_factory()")
            calls[0] += 1
            setters = dict(_setters(set))
            # the call's own conditions and balance win over the marker's on the same columns (see _call_wins)
            balanced = _balanced_column(balance)
            marker_conditions = {k: v for k, v in (marked or {}).items() if k != balanced} if marked else marked
            spec = _factory_conditions(model, rows.n, marker_conditions, conditions, columns, setters)
            given = {"edge_kinds": edge_kinds, "edge_columns": edge_columns, "balance": balance}
            options = {**shaping, **{key: value for key, value in given.items() if value is not None}}
            if edge_cases is not None:
                options["edge_cases"] = edge_cases
            elif "edge_cases" not in options and (edge_kinds is not None or edge_columns is not None):
                options["edge_cases"] = 0.0
            options = {key: options[key] for key in ("edge_cases", *_SHAPING) if key in options}
            _call_wins(options, given, _called(model, conditions, columns), edge_cases is not None)
            used = Used(
                name,
                rows.n,
                seed,
                f"synth_{name}_factory",
                tuple(setters),
                independent=independent,
                model=model,
                module=module,
                conditions=spec,
                shaping=options,
            )
            frame = _sample(model, used, fail=False)
            used.edge_lines, used.edge_count = _edge_lines(frame)
            _note_per_run_seed(frame, request.config, fixed_seed)
            _record(request, used)
            under = getattr(model, "gaps_under", None)  # (a gap column keeps its gap above a column set)
            gaps = under(frame, {*setters}) if setters and under is not None else {}
            frame = _apply_overrides(model, frame, setters)
            if gaps:
                model.shift_gaps(frame, gaps)  # type: ignore[union-attr]
            frame = _resum(model, frame, setters)
            recompute = getattr(model, "compute_columns", None)  # (computed columns follow the values set)
            if setters and recompute is not None and getattr(model, "_computed", None):
                frame = recompute(frame)
            return frame

        return make

    factory.__doc__ = (
        f"Callable `(n=None, *, seed=None, conditions=None, set=None, edge_cases=None, balance=None, "
        f"**column_conditions)` returning synthetic "
        f"{name!r} rows; each call in a test gets its own reproducible seed."
    )
    for function in (data, factory):
        function.__module__ = module or f"pytest_synthdata.datasets.{name}"
    return {
        f"synth_{name}": pytest.fixture(name=f"synth_{name}", scope=scope)(data),  # type: ignore[call-overload]
        f"synth_{name}_factory": pytest.fixture(name=f"synth_{name}_factory")(factory),
    }


def factory_rows_message(name: str, given: str, *, keyword: bool = False) -> str:
    """A factory's message for a bad row count (``given``: check_rows' message), or for ``n=`` as a keyword
    (``given``: its value's repr): the count is the first argument, without a name."""
    if keyword:
        return (
            f"synth_{name}_factory(n={given}): the number of rows is the first argument, without a name (a keyword "
            f"is a condition on a column, and {name!r} has no column 'n'); pass synth_{name}_factory({given})."
        )
    return given.replace("such as n=100.", f"such as synth_{name}_factory(100) (the first argument, without a name).")


def _check_memory(model: Any, rows: Rows) -> None:
    """Refuse a row count whose frame cannot fit in memory, naming the option that set it."""
    if rows.n < 100_000:  # a frame this small fits anywhere; skip reading every column's dtype
        return
    dtypes = getattr(model, "dtypes", None)
    if isinstance(dtypes, Mapping):
        check_memory(rows.n, dtypes, dataset=model.name, argument=rows.argument, where=rows.where)


def _setters(values: Any) -> Mapping[str, Any]:
    """The factory's ``set=`` mapping, checked."""
    if values is None:
        return {}
    if not isinstance(values, Mapping):
        raise InvalidArgument(f"set={_short(values)}: pass a dict of column -> value (or one value per row).")
    return values


def _generated(model: Any) -> set[str]:
    """Columns of ``model`` that it generates apart from the copula (Faker, Id): setting them is conditioning them."""
    return {c.name for c in getattr(model, "_generated", ())}


def _balanced_column(balance: Any) -> str | None:
    """The column ``balance=`` names (a name, or a one-entry dict), else None."""
    if isinstance(balance, str):
        return balance
    if isinstance(balance, Mapping) and len(balance) == 1:
        return str(next(iter(balance)))
    return None


def _called(model: Any, conditions: Any, columns: Mapping[str, Any]) -> set[str]:
    """The columns a factory call conditions itself: its column keywords (not generated columns) and conditions=."""
    generated = _generated(model)
    out = {str(c) for c in columns if c not in generated}
    if isinstance(conditions, Mapping):
        out |= {str(c) for c in conditions}
    elif conditions is not None and hasattr(conditions, "columns"):
        out |= {str(c) for c in conditions.columns}
    return out


def _call_wins(options: dict[str, Any], given: Mapping[str, Any], called: set[str], rate_given: bool) -> None:
    """Drop the marker's balance and edge columns where the call conditions those columns itself (in place).

    A factory call's own conditions win over the marker's settings: the marker's ``balance=`` on a column the call
    conditions is left out, and so are the marker's ``edge_columns`` the call conditions (no edge rows at all when
    none is left, unless the call gives ``edge_cases=``).
    """
    if given.get("balance") is None and _balanced_column(options.get("balance")) in called:
        del options["balance"]
    if given.get("edge_columns") is None and options.get("edge_columns") is not None:
        marked = options["edge_columns"]
        names = [marked] if isinstance(marked, str) else list(marked)
        kept = [c for c in names if c not in called]
        if len(kept) < len(names):
            if kept:
                options["edge_columns"] = kept
            else:
                del options["edge_columns"]
                if not rate_given:
                    options["edge_cases"] = 0.0


def _factory_conditions(
    model: Any,
    n: int,
    marked: Mapping[str, Any] | None,
    conditions: Any,
    columns: dict[str, Any],
    setters: dict[str, Any],
) -> Any:
    """Return what the factory passes to ``sample(conditions=)``: a dict, a per-row DataFrame, or None.

    Keywords on generated columns move to ``setters``. A list or array keyword
    is one condition per row; a tuple or set there is refused (a range or any-of
    set goes in ``conditions=``).
    """
    from pandas.api.types import is_list_like

    generated = _generated(model)
    per_row: dict[str, list[Any]] = {}
    fixed: dict[str, Any] = dict(marked or {})
    for column, value in columns.items():
        if column in generated and column not in setters:
            setters[column] = value
            continue
        if isinstance(value, (tuple, set, frozenset, dict)):
            raise InvalidArgument(
                f"synth_{model.name}_factory({column}={_short(value)}): a column keyword takes a value, or a list of "
                f"one value per row; pass a range or any-of set as conditions={{{column!r}: {_short(value)}}}."
            )
        if is_list_like(value):
            values = list(value)
            if len(values) != n:
                raise InvalidArgument(
                    f"synth_{model.name}_factory(): column {column!r} has {len(values)} values for {n} rows; pass a "
                    "scalar or one value per row."
                )
            per_row[column] = values
        else:
            fixed[column] = value
    given = conditions
    if given is not None:
        import pandas as pd

        if isinstance(given, pd.DataFrame):
            for column in given.columns:
                if column in per_row or (column in fixed and (column not in (marked or {}) or column in columns)):
                    raise InvalidArgument(f"synth_{model.name}_factory(): column {column!r} is conditioned twice.")
                fixed.pop(column, None)  # (the call's per-row conditions win over the marker's)
            if len(given) != n:
                raise InvalidArgument(
                    f"synth_{model.name}_factory(): conditions has {len(given)} rows for {n} rows; pass one row of "
                    "conditions per sampled row."
                )
            per_row.update({str(c): given[c].astype(object).tolist() for c in given.columns})
        elif isinstance(given, Mapping):
            for column in given:
                if column in per_row or (column in fixed and column not in (marked or {})):
                    raise InvalidArgument(f"synth_{model.name}_factory(): column {column!r} is conditioned twice.")
            fixed.update(given)
        else:
            raise InvalidArgument(
                f"synth_{model.name}_factory(conditions={_short(given)}): pass a dict of column -> condition, or a "
                "DataFrame of one row of conditions per sampled row."
            )
    if not per_row:
        return fixed or None
    import pandas as pd

    data = {column: pd.Series(values, dtype=object) for column, values in per_row.items()}
    for column, value in fixed.items():
        if column not in data:  # (a call's per-row list wins over the marker's condition)
            data[column] = pd.Series([value] * n, dtype=object)
    return pd.DataFrame(data, index=pd.RangeIndex(n))


def _sample(model: Any, used: Used, *, fail: bool = True) -> pd.DataFrame:
    """Sample what ``used`` describes; a broken model file (or, with ``fail``, a bad argument) fails the test in one line."""
    options = used.options()
    try:
        if used.independent or used.conditions is not None:
            check_independent(model, argument="@pytest.mark.synthdata(independent=True)", fix="drop it")
        if used.shaping:
            _check_shaping(model, used.shaping)
    except InvalidArgument as exc:
        problem = str(exc)
    else:
        try:
            return model.sample(used.rows, seed=used.seed, **options)
        except ModelFileError as exc:
            problem = str(exc)
        except InvalidArgument as exc:  # a condition the model cannot meet: raised in a factory call, failed here
            if not fail:
                raise
            problem = str(exc)
    pytest.fail(problem, pytrace=False)  # outside the except: one line, no "during handling" chain


def _check_shaping(model: Any, shaping: dict[str, Any]) -> None:
    """Raise InvalidArgument unless ``model.sample`` takes the edge-case and balance options asked for."""
    import inspect

    params = inspect.signature(model.sample).parameters
    if all(key in params for key in shaping) or any(p.kind is p.VAR_KEYWORD for p in params.values()):
        return
    raise InvalidArgument(
        f"{', '.join(f'{k}=' for k in shaping)}: {type(model).__name__}.sample() of dataset {model.name!r} takes no "
        "edge-case or balance options (they need a native model: a Schema, sd.fit(...) or a *.synth.json file); "
        f"drop them for this dataset (the ini option {EDGES_INI} too)."
    )


#: Inferred value types (pandas.api.types.infer_dtype) an override may have, by dtype kind; "T" is text.
_OVERRIDE_KINDS = {
    "i": {"integer", "floating", "mixed-integer-float", "empty"},
    "u": {"integer", "floating", "mixed-integer-float", "empty"},
    "f": {"integer", "floating", "mixed-integer-float", "decimal", "empty"},
    "b": {"boolean", "empty"},
    "M": {"datetime64", "datetime", "date", "empty"},
    "T": {"string", "empty"},
}


def _parse_dates(given: pd.Series, dtype: Any, where: str, value: Any) -> pd.Series:
    """Text values set for a date column, read as dates (in the column's time zone where it has one)."""
    import pandas as pd

    try:
        parsed = pd.to_datetime(given, errors="raise", format="ISO8601")
    except (TypeError, ValueError) as exc:
        raise InvalidArgument(
            f"{where}: {_short(value)} is text that does not read as a date ({exc}); pass dates such as "
            "'2030-01-31' or pd.Timestamp values."
        ) from None
    tz = getattr(dtype, "tz", None)
    if tz is not None:
        parsed = parsed.dt.tz_localize(tz) if parsed.dt.tz is None else parsed.dt.tz_convert(tz)
    elif parsed.dt.tz is not None:
        raise InvalidArgument(
            f"{where}: {_short(value)} has a time zone, but the column's dates have none; pass dates without one."
        )
    return parsed.astype(object).where(parsed.notna(), None)


def _override_kind(dtype: Any) -> str:
    """The key of ``_OVERRIDE_KINDS`` for a column's dtype: its kind, or "T" for text (strings, string categories)."""
    import pandas as pd

    if isinstance(dtype, pd.CategoricalDtype):
        categories = dtype.categories
        if pd.api.types.infer_dtype(categories, skipna=True) == "string":
            return "T"
        return str(categories.dtype.kind)
    if isinstance(dtype, pd.StringDtype):
        return "T"
    return str(dtype.kind)


def _nullable(dtype: Any) -> Any:
    """The dtype that holds missing values for a numpy bool or integer ``dtype`` (``int8`` -> ``Int8``), else ``dtype``."""
    import numpy as np

    if isinstance(dtype, np.dtype) and dtype.kind == "b":
        return "boolean"
    if isinstance(dtype, np.dtype) and dtype.kind in "iu":
        return dtype.name.capitalize().replace("Uint", "UInt")
    return dtype


def _out_of_range(values: list[Any], dtype: Any) -> list[Any]:
    """The ``values`` (whole or real numbers) that a numeric ``dtype`` cannot hold: they would overflow or wrap."""
    import numpy as np

    numpy_dtype = np.dtype(getattr(dtype, "numpy_dtype", dtype))  # Int64 -> int64
    if numpy_dtype.kind in "iu":
        ints = np.iinfo(numpy_dtype)
        return [v for v in values if not ints.min <= int(v) <= ints.max]
    largest = float(np.finfo(numpy_dtype).max)

    def fits(v: Any) -> bool:
        try:
            x = float(v)
        except OverflowError:  # an int beyond any float
            return False
        return not np.isfinite(x) or abs(x) <= largest  # inf and nan stay what they are

    return [v for v in values if not fits(v)]


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else f"{text[:77]}..."


def _resum(model: Model, frame: pd.DataFrame, overrides: dict[str, Any]) -> pd.DataFrame:
    """Add up again each sum or product (found by fit) a part of which ``set=`` gave values (or a product it adds
    up was computed again from), unless it was set too."""
    recompute = getattr(model, "recompute_sums", None)
    if overrides and recompute is not None:
        recompute(frame, set(overrides))
    return frame


def _apply_overrides(model: Model, frame: pd.DataFrame, overrides: dict[str, Any]) -> pd.DataFrame:
    """Set the factory's column overrides on ``frame``; a value the column cannot hold raises InvalidArgument.

    A scalar fills the column, a 1-D sequence gives one value per row; the
    column keeps its dtype (``None`` makes a bool or int column nullable).
    Refused, naming the column: sets (no order), nested sequences, values of
    another type (a number for a text column), and numbers the dtype cannot
    hold (they would overflow or wrap).
    """
    if not overrides:
        return frame
    import pandas as pd
    from pandas.api.types import is_list_like

    for column, value in overrides.items():
        if column not in frame.columns:
            raise InvalidArgument(
                f"dataset {model.name!r} has no column {column!r} to override; its columns are {list(frame.columns)}."
            )
        where = f"override for column {column!r}"
        if isinstance(value, (set, frozenset)):
            raise InvalidArgument(
                f"{where}: {_short(value)} is a {type(value).__name__}, whose order is arbitrary, so the rows would "
                "be too; pass a list (e.g. sorted(...)) or a scalar."
            )
        if isinstance(value, dict) or getattr(value, "ndim", 1) > 1:
            raise InvalidArgument(f"{where}: pass a scalar or a 1-D sequence, not {type(value).__name__}.")
        sequence = is_list_like(value)
        values = list(value) if sequence else [value] * len(frame)
        if len(values) != len(frame):
            raise InvalidArgument(
                f"{where} has {len(values)} values for {len(frame)} rows; pass a scalar or one value per row."
            )
        if sequence and getattr(getattr(value, "dtype", None), "kind", "O") == "O":  # numeric arrays hold no lists
            nested = [i for i, v in enumerate(values) if is_list_like(v)]
            if nested:
                raise InvalidArgument(
                    f"{where}: value {nested[0]} is {_short(values[nested[0]])} ({type(values[nested[0]]).__name__}), "
                    "not a scalar; pass one scalar per row."
                )
        dtype: Any = frame[column].dtype
        given = pd.Series(values, index=frame.index, dtype=object)
        given = given.where(given.notna(), None)  # pd.NA, NaN and None all mean missing
        present = given.dropna().tolist() if sequence else ([] if given.iloc[:1].isna().all() else [value])
        inferred = pd.api.types.infer_dtype(pd.Series(present, dtype=object), skipna=True)
        kind = _override_kind(dtype)
        if kind == "M" and inferred == "string":  # dates as text ("2030-01-01"), as conditions take them
            given, inferred = _parse_dates(given, dtype, where, value), "datetime64"
        allowed = _OVERRIDE_KINDS.get(kind)
        if allowed is not None and inferred not in allowed:
            fix = "pass values of that type"
            if kind == "T" and present:
                first = present[0]
                fix = f"pass text, e.g. {first.decode(errors='replace') if isinstance(first, bytes) else str(first)!r}"
            raise InvalidArgument(f"{where}: {_short(value)} ({inferred}) does not fit its dtype {dtype}; {fix}.")
        if kind in "iu" and inferred in ("floating", "mixed-integer-float"):
            if not all(float(v).is_integer() for v in present):
                raise InvalidArgument(f"{where}: {_short(value)} has fractions but the column holds whole numbers.")
        if kind in "iuf":
            too_big = _out_of_range(present, dtype)
            if too_big:
                raise InvalidArgument(
                    f"{where}: {_short(too_big[0])} does not fit its dtype {dtype} (it would overflow); "
                    "pass values within the dtype's range."
                )
        if isinstance(dtype, pd.CategoricalDtype):
            extra = [v for v in pd.unique(given.dropna()) if v not in dtype.categories]
            dtype = pd.CategoricalDtype(list(dtype.categories) + extra, ordered=dtype.ordered)
        elif given.isna().any():
            dtype = _nullable(dtype)  # None in a bool/int column becomes <NA>, not False/0
        try:
            frame[column] = given.astype(dtype)
        except (TypeError, ValueError, OverflowError) as exc:
            raise InvalidArgument(
                f"{where}: {_short(value)} does not fit its dtype {dtype} ({exc}); pass values of that type."
            ) from None
    return frame
