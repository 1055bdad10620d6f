"""Many rows in one statement: the store's bulk writes.

An ``executemany`` through the driver, each value first converted by its column's own type (the
same conversion SQLAlchemy applies: UTC datetimes to text, JSON with orjson, booleans), without
SQLAlchemy's per-row parameter handling — which cost more than SQLite's own work for the 100,000
rows of a big import. A value met again is converted once: the one timestamp of an import, and
the geometry an annotation row shares with its first history version.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm

#: Rows for one table: the table, its column names, and one list of values per row (in the
#: order of the columns; the lists are converted in place).
Batch = tuple[sa.Table, Sequence[str], list[list[Any]]]


def insert(session: orm.Session, *batches: Batch) -> None:
    """Insert each batch of rows into its table, in the order given."""
    conn = session.connection()
    done: dict[Any, Any] = {}
    for table, columns, rows in batches:
        if not rows:
            continue
        names = ", ".join(_quote(conn, c) for c in columns)
        marks = ", ".join("?" for _ in columns)
        sql = f"INSERT INTO {_quote(conn, table.name)} ({names}) VALUES ({marks})"
        _executemany(conn, table, sql, columns, rows, done)


def update_by_id(
    session: orm.Session, table: sa.Table, columns: Sequence[str], rows: list[list[Any]]
) -> None:
    """Set ``columns`` of rows of ``table`` by primary key: each row lists the values of
    ``columns``, then the key."""
    if not rows:
        return
    conn = session.connection()
    (key,) = table.primary_key.columns
    sets = ", ".join(f"{_quote(conn, c)} = ?" for c in columns)
    sql = f"UPDATE {_quote(conn, table.name)} SET {sets} WHERE {_quote(conn, key.name)} = ?"
    _executemany(conn, table, sql, [*columns, key.name], rows, {})


def _executemany(
    conn: sa.Connection,
    table: sa.Table,
    sql: str,
    columns: Sequence[str],
    rows: list[list[Any]],
    done: dict[Any, Any],
) -> None:
    # The project store is SQLite (qmark parameters); the conversion is the columns' own.
    assert conn.dialect.paramstyle == "qmark", conn.dialect.paramstyle
    for i, column in enumerate(columns):
        column_type = table.c[column].type
        process = _processor(column_type, conn.dialect)
        if process is None:
            continue
        kind = type(column_type)
        for row in rows:
            value = row[i]
            # A JSON object by identity (the rows keep it alive meanwhile); anything else by
            # value and type (True and 1 are equal, but not the same JSON).
            seen = (
                (kind, id(value)) if isinstance(value, dict | list) else (kind, type(value), value)
            )
            found = done.get(seen)
            if found is None:
                # The value is kept with its conversion, so its id is not reused meanwhile.
                found = done[seen] = (value, process(value))
            row[i] = found[1]
    conn.exec_driver_sql(sql, list(map(tuple, rows)))


def _processor(
    column_type: sa.types.TypeEngine[Any], dialect: sa.Dialect
) -> Callable[[Any], Any] | None:
    process: Callable[[Any], Any] | None = column_type.bind_processor(dialect)
    return process


def _quote(conn: sa.Connection, name: str) -> str:
    return str(conn.dialect.identifier_preparer.quote(name))
