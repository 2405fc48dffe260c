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
from typing import TYPE_CHECKING, Any

import pytest

from ._fixtures import Used, _marker_value, _record, _rows, _state
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


def _sample(dataset: Dataset, used: Used) -> dict[str, pd.DataFrame]:
    try:
        frames = dataset.sample(used.rows, seed=used.seed, **used.options())
    except InvalidArgument as exc:
        problem = str(exc)
    else:
        used.tables = _tables(frames)
        return frames
    pytest.fail(problem, pytrace=False)


def dataset_fixtures(
    dataset: Dataset, module: str | None = None, *, scope: str = "function", about: str | None = None
) -> dict[str, Any]:
    """Return the fixtures ``synth_<name>``, ``synth_<name>_factory`` and ``synth_<name>_db`` of ``dataset``.

    ``about`` says where the tables come from (a dataset file passes its path, so it stays unloaded).
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
        used = Used(name, rows.n, seed, f"synth_{name}", model=dataset, module=module)
        if request.scope == "function":
            _record(request, used)
        return _sample(dataset, used)

    data.__doc__ = (
        f"dict of synthetic DataFrames of dataset {name!r} {about}, keys intact; seeded per test from the base seed."
    )

    def factory(request: pytest.FixtureRequest) -> Callable[..., dict[str, pd.DataFrame]]:
        state = _state(request)
        default_rows = _rows(request)
        calls = [0]

        def make(
            n: int | None = None,
            /,
            *,
            sizes: Mapping[str, int] | None = None,
            seed: int | None = None,
            conditions: Mapping[str, Any] | None = None,
            edge_cases: Mapping[str, Any] | None = None,
        ) -> dict[str, pd.DataFrame]:
            """Return a dict of frames: ``n`` rows of the root table (or ``sizes`` by root table), keys intact.

            ``conditions`` and ``edge_cases`` map a table to its conditions and edge cases (``Dataset.sample``).
            """
            where = f"synth_{name}_factory()"
            sizes = dict(sizes or {})
            first = dataset.roots[0]
            if n is not None:
                rows = check_rows(n, where=where)
            elif first in sizes:
                rows = check_rows(sizes.pop(first), argument=f"sizes[{first!r}]", where=where)
            else:
                rows = default_rows.n
            if seed is None:
                seed = derive_seed(state.seed, request.node.nodeid, name, "factory", calls[0])
            else:
                seed = check_seed(seed, where=where)
            calls[0] += 1
            used = Used(
                name,
                rows,
                seed,
                f"synth_{name}_factory",
                model=dataset,
                module=module,
                shaping={
                    key: value
                    for key, value in (("sizes", sizes), ("conditions", conditions), ("edge_cases", edge_cases))
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
