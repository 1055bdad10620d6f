"""Engine setup and schema upgrades for the service's database (SQLite or PostgreSQL).

SQLite runs in WAL mode with ``synchronous=FULL`` (an acknowledged push survives power loss),
a busy timeout, and ``BEGIN IMMEDIATE`` for writes so concurrent writers queue on the timeout
instead of failing when a read lock cannot be upgraded. Processes keep no state between
requests: several can serve one PostgreSQL database.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy import event

BUSY_TIMEOUT_MS = 30_000
_MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def create_engine(url: str) -> sa.Engine:
    """An engine for ``url`` with labeler's connection settings."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(
            parsed,
            connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
        )
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return sa.create_engine(parsed, pool_pre_ping=True, pool_size=10, max_overflow=10)


def _sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
    # pysqlite's own transaction handling defers BEGIN; take it over (SQLAlchemy's recipe).
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cur.close()


def _sqlite_begin(conn: sa.Connection) -> None:
    write = conn.get_execution_options().get("labeler_write", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


@contextlib.contextmanager
def write(engine: sa.Engine) -> Iterator[sa.Connection]:
    """A write transaction: committed when the block ends, rolled back on error."""
    with engine.execution_options(labeler_write=True).begin() as conn:
        yield conn


@contextlib.contextmanager
def read(engine: sa.Engine) -> Iterator[sa.Connection]:
    """A read transaction (one consistent snapshot on SQLite)."""
    with engine.begin() as conn:
        yield conn


def upgrade(engine: sa.Engine, blobs_dir: Path | None = None) -> None:
    """Bring the database to the newest schema of the service (its own tables only).

    ``blobs_dir``: where the image bytes are, for migrations that look at them.
    """
    with write(engine) as conn:
        if conn.dialect.name == "postgresql":
            # Two processes starting at once would both try to create the tables.
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(7405511)")
        cfg = Config()
        cfg.set_main_option("script_location", str(_MIGRATIONS))
        cfg.attributes["connection"] = conn
        cfg.attributes["blobs_dir"] = blobs_dir
        command.upgrade(cfg, "head")
