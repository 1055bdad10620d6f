"""Many rows in one statement: the store's bulk writes.

An ``executemany`` through the driver, each value first converted by its column's own type (the
same conversion SQLAlchemy applies: UTC datetimes to text, JSON with orjson, booleans), without
SQLAlchemy's per-row parameter handling — which cost more than SQLite's own work for the 100,000
rows of a big import. Values repeated across rows (the one timestamp of an import) are converted
once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm

_MISSING = object()


def insert(session: orm.Session, table: sa.Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys) into ``table``."""
    if not rows:
        return
    columns = list(rows[0])
    conn = session.connection()
    names = ", ".join(_quote(conn, c) for c in columns)
    marks = ", ".join("?" for _ in columns)
    sql = f"INSERT INTO {_quote(conn, table.name)} ({names}) VALUES ({marks})"
    _executemany(conn, table, sql, columns, [[row[c] for c in columns] for row in rows])


def update_by_id(
    session: orm.Session, table: sa.Table, rows: Sequence[Mapping[str, Any]], key: str = "id"
) -> None:
    """Update rows of ``table`` by ``key``: each of ``rows`` holds the key and the columns to
    set (the same columns in each)."""
    if not rows:
        return
    columns = [c for c in rows[0] if c != key]
    conn = session.connection()
    sets = ", ".join(f"{_quote(conn, c)} = ?" for c in columns)
    sql = f"UPDATE {_quote(conn, table.name)} SET {sets} WHERE {_quote(conn, key)} = ?"
    _executemany(
        conn, table, sql, [*columns, key], [[row[c] for c in (*columns, key)] for row in rows]
    )


def _executemany(
    conn: sa.Connection, table: sa.Table, sql: str, columns: list[str], rows: list[list[Any]]
) -> None:
    # The project store is SQLite (qmark parameters); the conversion is the columns' own.
    assert conn.dialect.paramstyle == "qmark", conn.dialect.paramstyle
    for i, column in enumerate(columns):
        process = _processor(table.c[column].type, conn.dialect)
        if process is None:
            continue
        done: dict[tuple[type, Any], Any] = {}
        for row in rows:
            value = row[i]
            if isinstance(value, dict | list):  # JSON objects: converted each time
                row[i] = process(value)
                continue
            seen = (type(value), value)  # True and 1 are equal, but not the same JSON
            converted = done.get(seen, _MISSING)
            if converted is _MISSING:
                converted = done[seen] = process(value)
            row[i] = converted
    conn.exec_driver_sql(sql, [tuple(row) for row in rows])


def _processor(
    column_type: sa.types.TypeEngine[Any], dialect: sa.Dialect
) -> Callable[[Any], Any] | None:
    process: Callable[[Any], Any] | None = column_type.bind_processor(dialect)
    return process


def _quote(conn: sa.Connection, name: str) -> str:
    return str(conn.dialect.identifier_preparer.quote(name))
