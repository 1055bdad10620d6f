"""Opening a project file: engine, pragmas, transactions, schema upgrades.

SQLite in WAL mode with ``synchronous=FULL``: an edit is durable when its call returns (power loss
included) for about 0.6 ms of fsync. Foreign keys on. A busy timeout lets the app and the command line
use one project at once. Write transactions start with ``BEGIN IMMEDIATE`` so two writers queue on the
busy timeout instead of failing when a read lock cannot be upgraded.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import event, orm

from labeler import errors

#: The newest schema revision this labeler knows. A test checks it equals Alembic's head, and opening a
#: project compares against it without loading the migration scripts (they cost ~100 ms to import).
SCHEMA_HEAD = "0005"

BUSY_TIMEOUT_MS = 15_000

_MIGRATIONS = Path(__file__).with_name("migrations")


class StoreError(errors.UserError):
    """A project file that cannot be used, with a message a user can act on."""


class NewerSchemaError(StoreError):
    """The file was written by a newer labeler; it is left untouched."""


def alembic_config(connection: sa.Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def known_revisions() -> set[str]:
    script = ScriptDirectory.from_config(alembic_config())
    return {rev.revision for rev in script.walk_revisions()}


def alembic_head() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


class Database:
    """One open project file. Thread-safe: every unit of work opens its own session."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.engine = sa.create_engine(
            f"sqlite:///{path}",
            connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
        )
        event.listen(self.engine, "connect", _on_connect)
        event.listen(self.engine, "begin", _on_begin)
        self._sessions = orm.sessionmaker(self.engine, expire_on_commit=False)
        self._write_engine = self.engine.execution_options(labeler_write=True)
        self._write_sessions = orm.sessionmaker(self._write_engine, expire_on_commit=False)

    @contextlib.contextmanager
    def read(self) -> Iterator[orm.Session]:
        """A read-only unit of work (a consistent snapshot in WAL mode)."""
        with self._sessions() as session, session.begin():
            yield session

    @contextlib.contextmanager
    def write(self) -> Iterator[orm.Session]:
        """A write unit of work: committed (and fsynced) when the block ends, rolled back on error."""
        with self._write_sessions() as session, session.begin():
            yield session

    def schema_revision(self) -> str | None:
        with self.engine.connect() as conn:
            if not sa.inspect(conn).has_table("alembic_version"):
                return None
            return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()

    def upgrade(self) -> bool:
        """Bring the file to the newest schema, in place and with its data.

        Returns:
            True when a migration ran.

        Raises:
            NewerSchemaError: for a file made by a newer labeler (left untouched).
        """
        current = self.schema_revision()
        if current == SCHEMA_HEAD:
            return False
        if current is not None and current not in known_revisions():
            raise NewerSchemaError(
                f"{self.path} was made by a newer labeler (schema revision {current}; this labeler "
                f"knows up to {SCHEMA_HEAD}). Upgrade labeler to open it; the file was not changed."
            )
        with self._write_engine.begin() as conn:
            command.upgrade(alembic_config(conn), "head")
        return True

    def check(self) -> str:
        """Run SQLite's integrity check; returns "ok" or the first problem."""
        with self.engine.connect() as conn:
            return str(conn.exec_driver_sql("PRAGMA integrity_check").scalar())

    def backup_to(self, target: Path) -> None:
        """A consistent copy while the project is in use (SQLite's online backup API)."""
        with (
            contextlib.closing(
                sqlite3.connect(str(self.path), timeout=BUSY_TIMEOUT_MS / 1000)
            ) as src,
            contextlib.closing(sqlite3.connect(str(target))) as dst,
        ):
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")

    def dispose(self) -> None:
        self.engine.dispose()


def _on_connect(dbapi_conn: Any, _record: Any) -> None:
    # pysqlite's own transaction handling defers BEGIN and breaks SAVEPOINT; take it over
    # (SQLAlchemy's documented recipe) and emit BEGIN ourselves in _on_begin.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cur.close()


def _on_begin(conn: sa.Connection) -> None:
    immediate = conn.get_execution_options().get("labeler_write", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
