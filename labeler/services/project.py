"""Creating, opening and resolving projects; small per-project app state."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm

import labeler
from labeler import errors, paths
from labeler.domain import ids
from labeler.domain import image as image_mod
from labeler.domain import schema as schema_mod
from labeler.store import database, models, types, work
from labeler.store import schema as store_schema

PROJECT_SUFFIX = ".labeler"

DEFAULT_MAX_PIXELS = image_mod.DEFAULT_MAX_PIXELS


class ProjectError(errors.UserError):
    """A project that cannot be created or opened; the message says why and what to do."""


class Project:
    """An open project. Safe to share between threads: each call opens its own session.

    Attributes:
        author: the name every change made through this handle is signed with, given by whoever
            opened it (the command line's ``--author``, the app's settings). Before a project is
            linked to a server it is the only name its edits carry; the server stamps its own
            caller's name on what it accepts.
    """

    def __init__(self, db: database.Database, meta_id: str, name: str, author: str) -> None:
        self.db = db
        self.id = meta_id
        self.name = name
        self.author = check_author(author)

    @property
    def path(self) -> Path:
        return self.db.path

    @contextlib.contextmanager
    def write(self, *, wait_ms: int | None = None) -> Iterator[tuple[orm.Session, int]]:
        """A write unit of work that also advances the project's data revision.

        Yields the session and the new data revision (recorded in export manifests, so an export
        can say exactly which state of the project it came from). ``wait_ms``: how long to wait
        for another writer (default: the busy timeout).
        """
        with work.unit_of_work(self.db, wait_ms=wait_ms) as (session, revision):
            assert revision is not None
            yield session, revision

    def read(self) -> contextlib.AbstractContextManager[orm.Session]:
        return self.db.read()

    def close(self) -> None:
        self.db.dispose()

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Project({str(self.path)!r})"


def check_author(name: str) -> str:
    """An author name as stored: trimmed, one line, at most 200 characters.

    Raises:
        ProjectError: for an empty name.
    """
    clean = " ".join(str(name).split())
    if not clean:
        raise ProjectError("the author name is empty; give the name your edits are signed with")
    return clean[:200]


def resolve_project_path(target: Path | str) -> Path:
    """The project file for ``target``: itself if it is a project file, else the folder's project.

    A plain image folder's project lives in the user's data directory, named after the folder plus a
    hash of its absolute path (two folders with the same name never share a project).
    """
    path = Path(target).expanduser()
    if path.is_dir():
        folder = path.resolve()
        digest = hashlib.sha256(str(folder).encode()).hexdigest()[:10]
        safe = re.sub(r"[^A-Za-z0-9._-]+", "_", folder.name) or "root"
        projects = paths.data_dir() / "projects"
        projects.mkdir(parents=True, exist_ok=True)
        return projects / f"{safe}-{digest}{PROJECT_SUFFIX}"
    return path


def create_project(
    path: Path | str,
    *,
    name: str | None = None,
    classes: Sequence[str] = (),
    tasks: schema_mod.TaskKinds | None = None,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    author: str,
) -> Project:
    """Create a new, empty project file at ``path`` with the given classes.

    Args:
        author: who signs the changes made through the returned handle (the classes too).

    Raises:
        ProjectError: when the file exists already or cannot be written.
    """
    who = check_author(author)
    path = Path(path)
    if path.exists():
        raise ProjectError(f"{path} exists already; open it instead of creating it")
    if not path.parent.is_dir():
        raise ProjectError(f"cannot create {path}: folder {path.parent} does not exist")
    tasks = tasks or schema_mod.TaskKinds()
    now = types.utcnow()
    names: list[str] = []
    for raw in classes:
        clean = schema_mod.check_class_name(raw)
        if clean in names:
            raise ProjectError(f"class {clean!r} is listed twice")
        names.append(clean)
    db = database.Database(path)
    try:
        db.upgrade()
        meta_id = ids.new_id()
        with work.unit_of_work(db, changes_data=False) as (session, _):
            session.add(
                models.ProjectMeta(
                    id=meta_id,
                    name=name or path.stem,
                    created_at=now,
                    created_by_version=labeler.__version__,
                    label_kinds=tasks.to_json(),
                    schema_version=1,
                    data_revision=0,
                    max_pixels=max_pixels,
                    settings={},
                )
            )
            for order, name in enumerate(names):
                store_schema.add_class(
                    session, name=name, color=schema_mod.PALETTE[order % len(schema_mod.PALETTE)],
                    hotkey=str(order + 1) if order < 9 else None, sort_order=order, author=who,
                    at=now,
                )  # fmt: skip
    except Exception:
        db.dispose()
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(f"{path}{suffix}")
        raise
    return Project(db, meta_id, name or path.stem, who)


def open_project(path: Path | str, *, author: str) -> Project:
    """Open a project file, upgrading an older one in place (with its data).

    Args:
        author: who signs the changes made through the returned handle.

    Raises:
        ProjectError: when the file is missing, not a labeler project, or made by a newer labeler.
    """
    path = Path(path)
    if not path.is_file():
        raise ProjectError(f"no project at {path}")
    with open(path, "rb") as fh:
        if fh.read(16) != b"SQLite format 3\x00":
            raise ProjectError(f"{path} is not a labeler project (not an SQLite file)")
    try:
        db, meta = _open_database(path, read_only=False)
    except sa.exc.OperationalError as exc:
        writable = os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)
        if writable and not database.disk_full(path):
            refused = database.write_refusal(exc, path)
            raise ProjectError(f"{path} cannot be opened: {refused or exc.orig}") from exc
        # Read-only media or a full disk: SQLite cannot make the files a reader of a WAL project
        # needs there, but the project can still be read (and browsed, and exported).
        try:
            db, meta = _open_database(path, read_only=True)
        except sa.exc.OperationalError as again:
            raise ProjectError(f"{path} cannot be opened: {again.orig}") from exc
    if meta is None:
        db.dispose()
        raise ProjectError(f"{path} is not a labeler project (no project record)")
    return Project(db, meta.id, meta.name, author)


def _open_database(path: Path, *, read_only: bool) -> tuple[database.Database, Any]:
    """The project file opened (upgraded first when it is writable) and its project record.

    Raises:
        ProjectError: a newer labeler's file, or a file that is not a labeler project.
        sqlalchemy.exc.OperationalError: SQLite could not open the file for writing.
    """
    db = database.Database(path, read_only=read_only)
    try:
        if read_only and db.schema_revision() != database.SCHEMA_HEAD:
            raise ProjectError(
                f"{path} was made by another labeler version and is read-only here, so it cannot "
                "be upgraded; open a copy of it"
            )
        if not read_only:
            db.upgrade()
        with db.read() as session:
            return db, session.execute(sa.select(models.ProjectMeta)).scalar_one_or_none()
    except database.StoreError as exc:
        db.dispose()
        raise ProjectError(str(exc)) from exc
    except errors.WriteRefused as exc:  # an older file that must be upgraded, on read-only media
        db.dispose()
        raise ProjectError(f"{path} cannot be upgraded: {exc}") from exc
    except sa.exc.OperationalError:
        db.dispose()
        raise
    except sa.exc.DatabaseError as exc:
        db.dispose()
        raise ProjectError(f"{path} cannot be read as a labeler project: {exc.orig}") from exc
    except BaseException:
        db.dispose()
        raise


def write_problem(project: Project) -> errors.WriteRefused | None:
    """Why a change cannot be stored in ``project`` now (read-only, disk full), or None."""
    return project.db.write_problem()


def open_or_create(target: Path | str, *, author: str) -> tuple[Project, bool]:
    """Open the project for ``target`` (a project file or an image folder), creating a folder's
    project on first use. Returns the project and whether it was created."""
    path = resolve_project_path(target)
    if path.exists():
        return open_project(path, author=author), False
    if not Path(target).is_dir():
        raise ProjectError(f"no project at {path}")
    return create_project(path, name=Path(target).resolve().name, author=author), True


def remote(project: Project) -> tuple[str, str] | None:
    """(server URL, server project) when the project is linked to a sync server, else None.

    Here rather than with sync, whose engine and HTTP client need not load to learn that a
    project is not linked (the app starts without them then).
    """
    link = models.SyncLinkRow
    with project.read() as session:
        row = session.execute(sa.select(link.remote_url, link.remote_project)).first()
    return (row[0], row[1]) if row is not None else None


def get_state(project: Project, key: str) -> Any | None:
    """A small JSON value the app keeps per project (the image and view the user left)."""
    with project.read() as session:
        return session.execute(
            sa.select(models.AppStateRow.value).where(models.AppStateRow.key == key)
        ).scalar_one_or_none()


def set_state(project: Project, key: str, value: Any) -> None:
    """Store a small JSON value; not part of the project's data revision."""
    with work.unit_of_work(project.db, changes_data=False) as (session, _):
        session.merge(models.AppStateRow(key=key, value=value))


def meta(project: Project) -> models.ProjectMeta:
    with project.read() as session:
        return session.execute(sa.select(models.ProjectMeta)).scalar_one()
