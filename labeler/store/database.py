"""Opening a project file: engine, pragmas, transactions, schema upgrades.

SQLite in WAL mode with ``synchronous=FULL``: an edit is durable when its call returns (power loss
included) for about 0.6 ms of fsync. Foreign keys on. A busy timeout lets the app and the command line
use one project at once. Write transactions start with ``BEGIN IMMEDIATE`` so two writers queue on the
busy timeout instead of failing when a read lock cannot be upgraded.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import sqlite3
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy import event, orm

from labeler import errors

if TYPE_CHECKING:
    from alembic.config import Config

#: The newest schema revision this labeler knows. A test checks it equals Alembic's head, and opening a
#: project compares against it without loading Alembic or the migration scripts (0.1–0.3 s and
#: 14 MB to import): Alembic is imported only when a file is created or upgraded.
SCHEMA_HEAD = "0005"

BUSY_TIMEOUT_MS = 15_000

#: Less free space than this on the project's disk counts as a full disk when a project is opened
#: (an edit appends a few pages to the write-ahead log; a checkpoint needs more).
MIN_FREE_BYTES = 1 << 20

_MIGRATIONS = Path(__file__).with_name("migrations")


class StoreError(errors.UserError):
    """A project file that cannot be used, with a message a user can act on."""


class NewerSchemaError(StoreError):
    """The file was written by a newer labeler; it is left untouched."""


def alembic_config(connection: sa.Connection | None = None) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    return {rev.revision for rev in script.walk_revisions()}


def alembic_head() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


class Database:
    """One open project file. Thread-safe: every unit of work opens its own session."""

    def __init__(self, path: Path, *, read_only: bool = False) -> None:
        self.path = path
        #: Opened for reading only (a project on read-only media); every write is refused.
        self.read_only = read_only
        self.engine = sa.create_engine(
            _url(path, read_only),
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
    def write(self, *, wait_ms: int | None = None) -> Iterator[orm.Session]:
        """A write unit of work: committed (and fsynced) when the block ends, rolled back on error.

        Args:
            wait_ms: how long to wait for another writer's lock (default: the busy timeout); a
                write that must not hold up the window waits less and is refused instead.

        Raises:
            errors.WriteRefused: SQLite refused to store it (see :func:`write_refusal`).
        """
        sessions = self._write_sessions
        if wait_ms is not None:
            engine = self._write_engine.execution_options(labeler_busy_ms=wait_ms)
            sessions = orm.sessionmaker(engine, expire_on_commit=False)
        try:
            with sessions() as session, session.begin():
                yield session
        except sa.exc.OperationalError as exc:
            refused = write_refusal(exc, self.path)
            if refused is None:
                raise
            raise refused from exc

    def write_problem(self) -> errors.WriteRefused | None:
        """Why a change could not be stored in this project now, or None when it can.

        Tries a write that changes nothing and rolls it back (SQLite opens a file it may not
        write as read-only without a word; only a write tells), then looks at the free space of
        the disk. A lock held by another program is not a problem yet: edits wait for it.
        """
        if self.read_only:
            if disk_full(self.path):
                return errors.DiskFull(_full_text(self.path, _free_bytes(self.path)))
            return errors.ProjectReadOnly(_read_only_text(self.path))
        try:
            with contextlib.closing(
                sqlite3.connect(str(self.path), timeout=0.05, isolation_level=None)
            ) as conn:
                version = conn.execute("PRAGMA user_version").fetchone()[0]
                conn.execute("BEGIN IMMEDIATE")
                try:
                    conn.execute(f"PRAGMA user_version = {int(version)}")
                finally:
                    conn.execute("ROLLBACK")
        except sqlite3.OperationalError as exc:
            refused = write_refusal(exc, self.path)
            if refused is not None and not isinstance(refused, errors.ProjectLocked):
                return refused
        if disk_full(self.path):
            return errors.DiskFull(_full_text(self.path, _free_bytes(self.path)))
        return None

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
        from alembic import command

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


def write_refusal(exc: BaseException, path: Path) -> errors.WriteRefused | None:
    """SQLite's refusal to store a change, as the error a user reads; None for anything else.

    "attempt to write a readonly database" (permissions, an immutable file, a read-only share),
    "database or disk is full" and "database is locked" (another program held the lock past the
    busy timeout) are conditions of the machine, not bugs: each becomes a
    :class:`labeler.errors.WriteRefused` saying what happened and what to do.
    """
    orig = getattr(exc, "orig", None) or exc
    if not isinstance(orig, sqlite3.OperationalError):
        return None
    name = str(getattr(orig, "sqlite_errorname", "") or "")
    text = str(orig).lower()
    full = name == "SQLITE_FULL" or "disk is full" in text
    if not full and (name.startswith("SQLITE_READONLY") or "readonly database" in text):
        if not disk_full(path):
            return errors.ProjectReadOnly(_read_only_text(path))
        full = True  # opened read-only because the disk is full
    if full:
        return errors.DiskFull(_full_text(path, _free_bytes(path)))
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "database is locked" in text:
        return errors.ProjectLocked(
            f"another program has been writing to {path} for more than "
            f"{BUSY_TIMEOUT_MS // 1000} s (a running import, sync or a stuck labeler?); the change "
            "was not stored. Try again when it is done."
        )
    return None


def disk_full(path: Path) -> bool:
    """Whether the disk holding ``path`` has less room than an edit may need."""
    free = _free_bytes(path)
    return free is not None and free < MIN_FREE_BYTES


def _free_bytes(path: Path) -> int | None:
    try:
        return shutil.disk_usage(path.parent).free
    except OSError:
        return None


def read_only_reason(path: Path) -> str:
    """Why ``path`` (or its write-ahead log) cannot be written, in words."""
    for candidate in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        if candidate is not path and not candidate.exists():
            continue
        try:
            os.close(os.open(candidate, os.O_WRONLY))
        except OSError as exc:
            return _OS_REASONS.get(exc.errno or 0, exc.strerror or str(exc))
    if not os.access(path.parent, os.W_OK):
        return f"its folder {path.parent} cannot be written"
    return "SQLite opened it read-only"


_OS_REASONS = {
    errno.EACCES: "you have no permission to write it",
    errno.EPERM: "the file is marked immutable",
    errno.EROFS: "it is on a read-only file system (a read-only share or mount)",
}


def _read_only_text(path: Path) -> str:
    return (
        f"{path} is read-only: {read_only_reason(path)}. You can browse and export it; changes "
        "are not stored."
    )


def _full_text(path: Path, free: int | None) -> str:
    room = f" ({free // 1024:,} KB free)" if free is not None else ""
    return f"the disk holding {path} is full{room}: changes are not stored until space is freed"


def _url(path: Path, read_only: bool) -> str:
    if not read_only:
        return f"sqlite:///{path}"
    # Read-only media cannot hold the shared-memory file WAL readers need: "immutable" reads the
    # file as it is, without one (nothing on this machine can change it anyway).
    quoted = urllib.parse.quote(str(path.absolute()))
    return f"sqlite:///file:{quoted}?mode=ro&immutable=1&uri=true"


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
    options = conn.get_execution_options()
    immediate = options.get("labeler_write", False)
    if immediate:
        # Set for every write: the connection goes back to the pool with what this one needed.
        busy = int(options.get("labeler_busy_ms", BUSY_TIMEOUT_MS))
        conn.exec_driver_sql(f"PRAGMA busy_timeout={busy}")
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
