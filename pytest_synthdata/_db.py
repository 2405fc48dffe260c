"""Loading a Dataset's frames into a real database (SQLAlchemy Core, the ``db`` extra).

Tables are created parents first with their primary and foreign keys
declared (a table's primary key: the key its children refer to, else its
own ``sd.Id()`` column), columns typed from the frames' dtypes (integers,
nullable integers, floats, booleans, dates and timestamps, text; a category
by its categories), and rows
inserted in bulk: one ``executemany`` per table (PostgreSQL: ``COPY``
through psycopg when it is the driver), never row by row through an ORM.
SQLite connections enforce the foreign keys (``PRAGMA foreign_keys=ON``).

A fresh database per test: SQLite gets a new file in the test's temporary
directory; a server URL (``synthdata_db_url``) gets a new database per test,
created from a template that holds the dataset's empty tables
(``CREATE DATABASE ... TEMPLATE``, PostgreSQL) and dropped afterwards.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from .errors import InvalidArgument

if TYPE_CHECKING:
    import pandas as pd

    from ._dataset import Dataset

__all__ = [
    "DB_INI",
    "enforce_foreign_keys",
    "fresh_database",
    "load_frames",
    "primary_key",
    "require_sqlalchemy",
    "sql_type",
]

DB_INI = "synthdata_db_url"


def require_sqlalchemy() -> Any:
    """Return the sqlalchemy module, or raise a one-line hint to install the extra."""
    try:
        import sqlalchemy
    except ImportError:
        raise InvalidArgument(
            "synth_<name>_db needs SQLAlchemy, which is not installed. Install it with "
            "`pip install pytest-synthdata[db]` (PostgreSQL: `pytest-synthdata[postgresql]`)."
        ) from None
    return sqlalchemy


def sql_type(series: pd.Series) -> Any:
    """Return the SQLAlchemy column type for a sampled column's dtype.

    Whole numbers (nullable ones too) -> BigInteger, floats -> Float, booleans -> Boolean, timestamps ->
    DateTime (with a time zone when they have one), Python dates -> Date, anything else -> Text. A category
    column is typed by its categories (``sd.Category({1: 0.5, 10: 0.5})`` -> BigInteger), so SQL sums, orders
    and compares it as the numbers it holds.
    """
    import pandas as pd
    import sqlalchemy as sa

    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return sql_type(pd.Series(dtype.categories))
    if pd.api.types.is_bool_dtype(dtype):
        return sa.Boolean
    if pd.api.types.is_integer_dtype(dtype):  # int64 and nullable Int64 alike
        return sa.BigInteger
    if pd.api.types.is_float_dtype(dtype):
        return sa.Float
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return sa.DateTime(timezone=isinstance(dtype, pd.DatetimeTZDtype))
    present = series.dropna()
    if len(present) and all(type(v).__name__ == "date" for v in present.iloc[:50]):
        return sa.Date
    if len(present) and all(isinstance(v, bool) for v in present.iloc[:50]):
        return sa.Boolean
    return sa.Text


def primary_key(dataset: Dataset, table: str, frame: pd.DataFrame) -> str | None:
    """The column of ``table`` declared its PRIMARY KEY: the key its children refer to, else its own ``sd.Id()``.

    A table no other refers to (``orders`` below ``customers``) still has its identifiers; the first id
    column that is no foreign key, unique and never missing in ``frame``, is its key.
    """
    from ._columns import IdColumn

    plan = dataset._plan[table]
    if plan.key is not None:
        return plan.key
    foreign = {r.column for r in ([plan.parent] if plan.parent else []) + plan.links}
    for name in frame.columns:
        if name in foreign or name not in plan.model.columns:
            continue
        if isinstance(plan.model.column(name), IdColumn) and frame[name].notna().all() and frame[name].is_unique:
            return str(name)
    return None


def _metadata(dataset: Dataset, frames: Mapping[str, pd.DataFrame]) -> Any:
    """The tables of ``frames`` with their keys declared, parents first."""
    import sqlalchemy as sa

    meta = sa.MetaData()
    for table in dataset.order:
        plan = dataset._plan[table]
        frame = frames[table]
        key = primary_key(dataset, table, frame)
        fks = {r.column: r for r in ([plan.parent] if plan.parent else []) + plan.links}
        cols = []
        for name in frame.columns:
            kind = sql_type(frame[name])
            args: list[Any] = []
            if name in fks:
                rel = fks[name]
                kind = sql_type(frames[rel.parent][rel.key])
                args.append(sa.ForeignKey(f"{rel.parent}.{rel.key}"))
            cols.append(sa.Column(name, kind, *args, primary_key=name == key, nullable=name != key))
        sa.Table(table, meta, *cols)
    return meta


def _column_values(values: pd.Series, *, utc: bool = False) -> list[Any]:
    """A column as plain Python values, None where missing (one vectorised conversion per column).

    A category column gives its categories' values (ints as ints). ``utc``: time-zone-aware timestamps become
    naive UTC ones (for SQLite, which stores no offset: the instant is kept, the zone is not).
    """
    import numpy as np
    import pandas as pd

    if isinstance(values.dtype, pd.CategoricalDtype):
        categories = _column_values(pd.Series(values.cat.categories), utc=utc)
        return [categories[code] if code >= 0 else None for code in values.cat.codes.tolist()]
    if utc and isinstance(values.dtype, pd.DatetimeTZDtype):
        values = values.dt.tz_convert("UTC").dt.tz_localize(None)
    missing = values.isna().to_numpy()
    if pd.api.types.is_datetime64_any_dtype(values):
        import warnings

        with warnings.catch_warnings():  # pandas 2.2 warns that the result will become a Series (same values)
            warnings.simplefilter("ignore", FutureWarning)
            out = list(np.asarray(values.dt.to_pydatetime(), dtype=object))
    elif pd.api.types.is_bool_dtype(values) or pd.api.types.is_integer_dtype(values):
        kind = bool if pd.api.types.is_bool_dtype(values) else int
        out = values.to_numpy(dtype=object).tolist()
        if not missing.any():
            return np.asarray(values, dtype=kind).tolist()  # type: ignore[no-any-return]
    elif pd.api.types.is_float_dtype(values):
        out = values.to_numpy(dtype=np.float64, na_value=np.nan).tolist()
    else:
        out = values.to_numpy(dtype=object).tolist()
    if missing.any():
        for i in np.flatnonzero(missing).tolist():
            out[i] = None
    return out


def _records(frame: pd.DataFrame, *, utc: bool = False) -> list[dict[str, Any]]:
    """The frame's rows as dicts of plain Python values (None where missing), built column by column."""
    names = [str(c) for c in frame.columns]
    columns = [_column_values(frame[c], utc=utc) for c in frame.columns]
    return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]


def load_frames(engine: Any, dataset: Dataset, frames: Mapping[str, pd.DataFrame], *, create: bool = True) -> None:
    """Create the dataset's tables in ``engine`` (parents first, keys declared) and bulk-insert ``frames``."""
    meta = _metadata(dataset, frames)
    with engine.begin() as conn:
        if create:
            meta.create_all(conn)
        for table in dataset.order:
            frame = frames[table]
            if not len(frame):
                continue
            if conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg":
                _copy(conn, table, frame)
            else:
                # (SQLite keeps no offset: aware timestamps go in as UTC; PostgreSQL's timestamptz keeps the instant)
                conn.execute(meta.tables[table].insert(), _records(frame, utc=conn.dialect.name == "sqlite"))


def _copy(conn: Any, table: str, frame: pd.DataFrame) -> None:
    """PostgreSQL: ``COPY table FROM STDIN`` (CSV) through psycopg."""
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, header=False, na_rep="\\N")
    cursor = conn.connection.driver_connection.cursor()
    columns = ", ".join(f'"{c}"' for c in frame.columns)
    with cursor.copy(f"COPY \"{table}\" ({columns}) FROM STDIN WITH (FORMAT csv, NULL '\\N')") as copy:
        copy.write(buffer.getvalue())


def _foreign_keys_on(dbapi_connection: Any, connection_record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()


def enforce_foreign_keys(engine: Any) -> Any:
    """Return ``engine``, its SQLite connections made to enforce foreign keys (SQLite leaves them off by default).

    Every new connection runs ``PRAGMA foreign_keys=ON`` (a connect event), so code under test that inserts a
    row referring to no parent row fails as it would on a server. Other databases enforce them already.
    """
    if engine.dialect.name == "sqlite":
        import sqlalchemy as sa

        sa.event.listen(engine, "connect", _foreign_keys_on)
    return engine


def fresh_database(url: str | None, tmp_dir: Any, name: str) -> Iterator[Any]:
    """Yield an Engine on a new, empty database; dispose (and drop a server database) afterwards.

    ``url`` None: a new SQLite file in ``tmp_dir``. A PostgreSQL URL: a new
    database on that server, dropped after the test. Any other URL is used
    as it is (the caller keeps it isolated).
    """
    sa = require_sqlalchemy()
    if not url:
        engine = enforce_foreign_keys(sa.create_engine(f"sqlite:///{tmp_dir}/{name}.sqlite3"))
        try:
            yield engine
        finally:
            engine.dispose()
        return
    base = sa.engine.make_url(url)
    if base.get_backend_name() != "postgresql":
        engine = enforce_foreign_keys(sa.create_engine(base))
        try:
            yield engine
        finally:
            engine.dispose()
        return
    database = f"synth_{name}_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{database}"')
        engine = sa.create_engine(base.set(database=database))
        try:
            yield engine
        finally:
            engine.dispose()
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    finally:
        admin.dispose()
