"""The fixtures of a registered Dataset: ``synth_<name>``, ``synth_<name>_factory`` and ``synth_<name>_db``.

``synth_<name>`` is the dict of frames (one draw per test, or per module /
session with ``register(dataset, scope=...)``), the factory samples again
(``factory(n, sizes=..., seed=...)``), and ``synth_<name>_db`` is a
SQLAlchemy Engine on a fresh database holding ``synth_<name>``'s tables
(``_db``). Seeds follow the single-table fixtures: ``derive_seed(base seed,
node id, dataset)``, the node being the test's or the scope's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

from ._fixtures import (
    MAX_EDGE_LINES,
    Used,
    _edge_lines,
    _marker_value,
    _record,
    _rows,
    _state,
    factory_rows_message,
    ini_edge_cases,
)
from ._seeding import derive_seed
from ._validate import check_rows, check_seed
from .errors import InvalidArgument

if TYPE_CHECKING:
    import pandas as pd

    from ._dataset import Dataset

__all__ = ["PYTEST_POSTGRESQL", "dataset_fixtures"]

#: ``synthdata_db_url = postgresql_proc``: use the server of pytest-postgresql's fixture of that name.
PYTEST_POSTGRESQL = "postgresql_proc"


def _proc_url(proc: Any) -> str:
    """The SQLAlchemy URL of a pytest-postgresql process fixture's server (its user, host, port, database)."""
    from urllib.parse import quote

    password = getattr(proc, "password", None)
    auth = quote(str(proc.user)) + (f":{quote(str(password))}" if password else "")
    return f"postgresql+psycopg://{auth}@{proc.host}:{proc.port}/{getattr(proc, 'dbname', None) or 'postgres'}"


def _tables(frames: Mapping[str, pd.DataFrame]) -> tuple[str, ...]:
    return tuple(f"{table}: {len(frame)} rows" for table, frame in frames.items())


def _edges(frames: Mapping[str, pd.DataFrame]) -> tuple[tuple[str, ...], int]:
    """Each table's edge rows as report lines (``orders row 3: total tail (...) = 512.0``), the first MAX_EDGE_LINES."""
    lines: list[str] = []
    count = 0
    for table, frame in frames.items():
        some, n = _edge_lines(frame)
        lines += [f"{table} {line}" for line in some]
        count += n
    return tuple(lines[:MAX_EDGE_LINES]), count


def _sample(dataset: Dataset, used: Used) -> dict[str, pd.DataFrame]:
    try:
        frames = dataset.sample(used.rows, seed=used.seed, **used.options())
    except InvalidArgument as exc:
        problem = str(exc)
    else:
        used.tables = _tables(frames)
        used.edge_lines, used.edge_count = _edges(frames)
        return frames
    pytest.fail(problem, pytrace=False)


def _marked(request: pytest.FixtureRequest, key: str) -> Any:
    """The closest ``synthdata`` marker's ``key`` as given (``_marker_value`` has checked the marker's keys)."""
    for marker in request.node.iter_markers("synthdata"):
        value = marker.kwargs.get(key)
        if value is not None:
            return value
    return None


@dataclass
class Marked:
    """What a test's ``synthdata`` marker (and the ini option ``synthdata_edge_cases``) asks of a Dataset's samples."""

    #: ``Dataset.sample(conditions=)``: table -> that table's conditions.
    conditions: dict[str, Any] | None = None
    #: ``Dataset.sample(edge_cases=)``: a share for every table, or table -> share or dict of shaping options.
    edge_cases: Any = None

    def shaping(self) -> dict[str, Any]:
        """The keyword arguments of ``Dataset.sample`` these options give (those that ask for something)."""
        return {
            key: value for key, value in (("conditions", self.conditions), ("edge_cases", self.edge_cases)) if value
        }


def _marker_options(request: pytest.FixtureRequest, dataset: Dataset) -> Marked:
    """Read the marker's options for a Dataset's fixtures; fail the test on one that ``Dataset.sample`` cannot take.

    ``conditions``, ``edge_columns`` and ``balance`` are keyed by table; ``edge_cases`` is a share (every table
    that has an edge case) or keyed by table as ``Dataset.sample`` takes it; ``edge_kinds`` goes to every table.
    """
    where = f"{request.node.nodeid}: @pytest.mark.synthdata"
    if _marker_value(request, "independent"):
        pytest.fail(
            f"{where}(independent=True): Dataset.sample() of dataset {dataset.name!r} takes no independent= option "
            "(linked tables are drawn spread, parents first); drop it for this test.",
            pytrace=False,
        )
    try:
        conditions = dataset._by_table("conditions", _marker_value(request, "conditions"), where=f"{where}(")
        keyed = {
            key: dataset._by_table(key, _marked(request, key), where=f"{where}(") for key in ("edge_columns", "balance")
        }
        given = _marked(request, "edge_cases")
        per_table = dataset._by_table("edge_cases", given, where=f"{where}(") if isinstance(given, Mapping) else None
    except InvalidArgument as exc:
        problem = str(exc)
    else:
        problem = ""
    if problem:
        pytest.fail(problem, pytrace=False)  # outside the except: one line, no "during handling" chain
    rate = None if per_table is not None else _marker_value(request, "edge_cases")
    if rate is None:
        rate = ini_edge_cases(request.config)
    kinds = _marked(request, "edge_kinds")
    if per_table is None and kinds is None and not any(keyed.values()):
        return Marked(conditions, rate or None)
    tables: dict[str, dict[str, Any]] = {}
    if per_table is not None:
        tables = {t: dict(v) if isinstance(v, Mapping) else {"edge_cases": v} for t, v in per_table.items()}
    elif rate or kinds is not None:
        # (the tables with an edge case of those kinds left beside their conditions and balanced column)
        fixed = {t: {*_columns(conditions, t), *_columns(keyed["balance"], t)} for t in dataset.order}
        tables = {t: {"edge_cases": rate} for t in dataset._edge_tables(kinds, fixed)}
    if kinds is not None:
        for options in tables.values():
            options.setdefault("edge_kinds", kinds)
    for table, value in (keyed["edge_columns"] or {}).items():
        tables.setdefault(table, {"edge_cases": rate, **({"edge_kinds": kinds} if kinds is not None else {})})
        tables[table].setdefault("edge_columns", value)
    for table, value in (keyed["balance"] or {}).items():
        tables.setdefault(table, {}).setdefault("balance", value)
    return Marked(conditions, tables or None)


def _columns(by_table: Mapping[str, Any] | None, table: str) -> set[str]:
    """The columns that ``by_table[table]`` (conditions: a dict or a per-row frame; balance: a name or dict) names."""
    from ._dataset import _columns_of

    return _columns_of((by_table or {}).get(table))


def _factory_keywords(dataset: Dataset, where: str, unknown: Mapping[str, Any]) -> InvalidArgument:
    """The error for keywords a Dataset's factory does not take: column keywords, ``set=``, a single table's options."""
    key, value = next(iter(unknown.items()))
    shown = " ".join(repr(value).split())[:60]
    if key == "n":
        return InvalidArgument(
            f"{where[:-1]}n={shown}): the number of rows of {dataset.roots[0]!r} is the first argument, without a "
            f"name; pass {where[:-1]}{shown}), or sizes={{{dataset.roots[0]!r}: {shown}}}."
        )
    if key == "set":
        return InvalidArgument(
            f"{where[:-1]}set=...): a dataset's factory sets no values after sampling; set them on the frames it "
            f"returns (frames = {where[:-1]}...); frames[{dataset.order[0]!r}]['column'] = value), or condition "
            f"them: conditions={{{dataset.order[0]!r}: {{'column': value}}}}."
        )
    if key in ("edge_kinds", "edge_columns", "balance"):
        return InvalidArgument(
            f"{where[:-1]}{key}=...): a dataset's factory takes them per table, inside edge_cases: "
            f"edge_cases={{{dataset.order[0]!r}: {{'edge_cases': 0.2, {key!r}: {shown}}}}}."
        )
    owners = [t for t in dataset.order if key in dataset.columns(t)]
    table = owners[0] if owners else dataset.order[0]
    about = f"{key!r} is a column of {' and '.join(map(repr, owners))}" if owners else f"{key!r} is no column of it"
    return InvalidArgument(
        f"{where[:-1]}{key}={shown}): a dataset's factory takes conditions per table, not column keywords ({about}); "
        f"pass conditions={{{table!r}: {{{key!r}: {shown}}}}}. It takes n, sizes=, seed=, conditions= and "
        "edge_cases=."
    )


def _merged(marked: dict[str, Any] | None, given: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The call's conditions over the marker's, per table and column (a table's per-row frame replaces the marker's)."""
    if not marked:
        return dict(given) if given else None
    out = dict(marked)
    for table, conditions in (given or {}).items():
        before = out.get(table)
        both = isinstance(before, Mapping) and isinstance(conditions, Mapping)
        out[table] = {**before, **conditions} if both else conditions  # type: ignore[dict-item]
    return out


def _call_wins(marked: Any, called: Mapping[str, Any] | None) -> Any:
    """The marker's edge-case options without the balance and edge columns a factory call conditions itself."""
    if not isinstance(marked, Mapping) or not called:
        return marked
    out = {}
    for table, options in marked.items():
        taken = _columns(called, table)
        if isinstance(options, Mapping) and taken:
            options = dict(options)
            balance = options.get("balance")
            if balance is not None and _columns({table: balance}, table) & taken:
                del options["balance"]
            named = options.get("edge_columns")
            if named is not None:
                kept = [c for c in ([named] if isinstance(named, str) else named) if c not in taken]
                if kept:
                    options["edge_columns"] = kept
                else:
                    del options["edge_columns"]
            if not options:
                continue
        out[table] = options
    return out


def dataset_fixtures(
    dataset: Dataset, module: str | None = None, *, scope: str = "function", about: str | None = None
) -> dict[str, Any]:
    """Return the fixtures ``synth_<name>``, ``synth_<name>_factory`` and ``synth_<name>_db`` of ``dataset``.

    ``about`` says where the tables come from (a dataset file passes its path, so it stays unloaded).
    The marker's ``conditions``, edge cases and balance apply to both fixtures (per table, as
    ``Dataset.sample`` takes them; see :func:`_marker_options`).
    """
    name = dataset.name
    if about is None:
        about = f"(tables {', '.join(dataset.order)})"

    def data(request: pytest.FixtureRequest) -> dict[str, pd.DataFrame]:
        state = _state(request)
        rows = _rows(request)
        seed = _marker_value(request, "seed")
        if seed is None:
            seed = derive_seed(state.seed, request.node.nodeid, name)
        marked = _marker_options(request, dataset)
        used = Used(name, rows.n, seed, f"synth_{name}", model=dataset, module=module, shaping=marked.shaping())
        if request.scope == "function":
            _record(request, used)
        return _sample(dataset, used)

    data.__doc__ = (
        f"dict of synthetic DataFrames of dataset {name!r} {about}, keys intact; seeded per test from the base seed."
    )

    def factory(request: pytest.FixtureRequest) -> Callable[..., dict[str, pd.DataFrame]]:
        state = _state(request)
        default_rows = _rows(request)
        marked = _marker_options(request, dataset)
        calls = [0]

        def make(
            n: int | None = None,
            /,
            *,
            sizes: Mapping[str, int] | None = None,
            seed: int | None = None,
            conditions: Mapping[str, Any] | None = None,
            edge_cases: float | Mapping[str, Any] | None = None,
            **unknown: Any,
        ) -> dict[str, pd.DataFrame]:
            """Return a dict of frames: ``n`` rows of the root table (or ``sizes`` by root table), keys intact.

            ``conditions`` and ``edge_cases`` map a table to its conditions and edge cases (``Dataset.sample``),
            over the marker's (the call's conditions win for a column, its edge_cases for the whole sample).
            """
            where = f"synth_{name}_factory()"
            if unknown:
                raise _factory_keywords(dataset, where, unknown)
            sizes = dict(sizes or {})
            first = dataset.roots[0]
            if n is not None:
                try:
                    rows = check_rows(n, where=where)
                except InvalidArgument as exc:
                    raise InvalidArgument(factory_rows_message(name, str(exc))) from None
            elif first in sizes:
                rows = check_rows(sizes.pop(first), argument=f"sizes[{first!r}]", where=where)
            else:
                rows = default_rows.n
            if seed is None:
                seed = derive_seed(state.seed, request.node.nodeid, name, "factory", calls[0])
            else:
                seed = check_seed(seed, where=where)
            calls[0] += 1
            called = dataset._by_table("conditions", conditions, where=where[:-1])
            conditions = _merged(marked.conditions, called)
            used = Used(
                name,
                rows,
                seed,
                f"synth_{name}_factory",
                model=dataset,
                module=module,
                shaping={
                    key: value
                    for key, value in (
                        ("sizes", sizes),
                        ("conditions", conditions),
                        ("edge_cases", _call_wins(marked.edge_cases, called) if edge_cases is None else edge_cases),
                    )
                    if value
                },
            )
            _record(request, used)
            return _sample(dataset, used)

        return make

    factory.__doc__ = (
        f"Callable `(n=None, *, sizes=None, seed=None, conditions=None, edge_cases=None)` returning dicts of "
        f"synthetic {name!r} tables."
    )

    def db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
        from ._db import DB_INI, fresh_database, load_frames, require_sqlalchemy

        try:
            require_sqlalchemy()
        except InvalidArgument as exc:
            problem = str(exc).replace("synth_<name>_db", f"synth_{name}_db")
        else:
            problem = ""
        if problem:
            pytest.fail(problem, pytrace=False)  # outside the except: one line, no "during handling" chain
        frames = request.getfixturevalue(f"synth_{name}")
        url = str(request.config.getini(DB_INI) or "") or None
        if url == PYTEST_POSTGRESQL:  # the server pytest-postgresql's postgresql_proc fixture runs
            url = _proc_url(request.getfixturevalue(PYTEST_POSTGRESQL))
        folder = tmp_path_factory.mktemp(f"synth_{name}_db")
        for engine in fresh_database(url, folder, name):
            load_frames(engine, dataset, frames)
            yield engine

    db.__doc__ = (
        f"SQLAlchemy Engine on a fresh database holding synth_{name}'s tables with their keys (SQLite unless "
        "the ini option synthdata_db_url names a server)."
    )
    for function in (data, factory, db):
        function.__module__ = module or f"pytest_synthdata.datasets.{name}"
    return {
        f"synth_{name}": pytest.fixture(name=f"synth_{name}", scope=scope)(data),  # type: ignore[call-overload]
        f"synth_{name}_factory": pytest.fixture(name=f"synth_{name}_factory")(factory),
        f"synth_{name}_db": pytest.fixture(name=f"synth_{name}_db", scope=scope)(db),  # type: ignore[call-overload]
    }
