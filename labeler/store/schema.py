"""The label schema's rows — classes and attribute definitions — and the schema version: the one
place they are written.

The rules kept here, once: classes and attributes are rows with stable ids (a rename is an edit);
deleting is a tombstone; a change made here is stamped (who, when) and marked for sync, one taken
from the server carries its revision and is clean; the schema version counts schema changes (the
sync service versions them too).

Every function works inside the caller's unit of work and never commits. Checks a user reads
(unique names, hotkeys) belong to the services, which know what the user asked for.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm

from labeler.domain import ids
from labeler.domain import schema as schema_mod
from labeler.store import models, types

C = models.LabelClassRow
D = models.AttributeDefRow


Keep = types.Keep
KEEP = types.KEEP


def live_classes(session: orm.Session) -> list[models.LabelClassRow]:
    """The classes not deleted, in schema order."""
    return list(
        session.execute(sa.select(C).where(C.deleted.is_(False)).order_by(C.sort_order)).scalars()
    )


def live_class_ids(session: orm.Session) -> set[str]:
    return set(session.execute(sa.select(C.id).where(C.deleted.is_(False))).scalars())


def add_class(
    session: orm.Session,
    *,
    name: str,
    color: str,
    hotkey: str | None,
    sort_order: int,
    author: str,
    at: dt.datetime,
    class_id: str | None = None,
    revision: int | None = None,
    dirty: bool | None = None,
    deleted: bool = False,
    created_at: dt.datetime | None = None,
) -> models.LabelClassRow:
    """Add a class row.

    Args:
        revision: the server's revision of a class taken from the server (stored clean).
        dirty: whether the outbox pushes it; by default it does for a class made here (no
            revision) and not for one from the server.
    """
    row = C(
        id=class_id or ids.new_id(), name=name, color=color, hotkey=hotkey,
        sort_order=sort_order, created_at=created_at or at, updated_at=at, author=author,
        revision=revision, dirty=revision is None if dirty is None else dirty, deleted=deleted,
    )  # fmt: skip
    session.add(row)
    return row


def change_class(
    session: orm.Session,
    row: models.LabelClassRow,
    *,
    author: str,
    at: dt.datetime,
    revision: int | None = None,
    name: str | Keep = KEEP,
    color: str | Keep = KEEP,
    hotkey: str | Keep | None = KEEP,
    sort_order: int | Keep = KEEP,
    deleted: bool | Keep = KEEP,
) -> None:
    """Change a class row (a deleted class loses its hotkey, so a new class can take it).

    Args:
        revision: the server's revision when the change comes from the server (stored clean);
            None for a change made here (marked for sync).
    """
    if not isinstance(name, Keep):
        row.name = name
    if not isinstance(color, Keep):
        row.color = color
    if not isinstance(hotkey, Keep):
        row.hotkey = hotkey
    if not isinstance(sort_order, Keep):
        row.sort_order = sort_order
    if not isinstance(deleted, Keep):
        row.deleted = deleted
    if row.deleted:
        row.hotkey = None
    _stamp(row, author, at, revision)


def retire_class(session: orm.Session, row: models.LabelClassRow, at: dt.datetime | None) -> None:
    """Delete a class made here that the team's class of the same name replaces: never on the
    server under its own id, so its tombstone is not pushed (``at``: None keeps its time)."""
    row.deleted = True
    row.hotkey = None
    row.dirty = False
    if at is not None:
        row.updated_at = at


def live_attributes(session: orm.Session) -> list[models.AttributeDefRow]:
    """The attribute definitions not deleted, in schema order."""
    return list(
        session.execute(sa.select(D).where(D.deleted.is_(False)).order_by(D.sort_order)).scalars()
    )


def add_attribute(
    session: orm.Session,
    *,
    name: str,
    kind: str,
    choices: Sequence[str],
    default: Any,
    sort_order: int,
    author: str,
    at: dt.datetime,
    attribute_id: str | None = None,
    revision: int | None = None,
    deleted: bool = False,
) -> models.AttributeDefRow:
    """Add an attribute definition (``revision``: as for :func:`add_class`)."""
    row = D(
        id=attribute_id or ids.new_id(), name=name, kind=kind, choices=list(choices),
        default=default, sort_order=sort_order, created_at=at, updated_at=at, author=author,
        revision=revision, dirty=revision is None, deleted=deleted,
    )  # fmt: skip
    session.add(row)
    return row


def change_attribute(
    session: orm.Session,
    row: models.AttributeDefRow,
    *,
    author: str,
    at: dt.datetime,
    revision: int | None = None,
    name: str | Keep = KEEP,
    kind: str | Keep = KEEP,
    choices: Sequence[str] | Keep = KEEP,
    default: Any = KEEP,
    sort_order: int | Keep = KEEP,
    deleted: bool | Keep = KEEP,
) -> None:
    """Change an attribute definition (``revision``: as for :func:`change_class`)."""
    if not isinstance(name, Keep):
        row.name = name
    if not isinstance(kind, Keep):
        row.kind = kind
    if not isinstance(choices, Keep):
        row.choices = list(choices)
    if not isinstance(default, Keep):
        row.default = default
    if not isinstance(sort_order, Keep):
        row.sort_order = sort_order
    if not isinstance(deleted, Keep):
        row.deleted = deleted
    _stamp(row, author, at, revision)


def bump_version(session: orm.Session) -> None:
    """Count one more change of the schema."""
    session.execute(
        sa.update(models.ProjectMeta).values(schema_version=models.ProjectMeta.schema_version + 1)
    )


def set_tasks(session: orm.Session, tasks: schema_mod.TaskKinds) -> None:
    """The kinds of labels the project uses."""
    meta = session.execute(sa.select(models.ProjectMeta)).scalar_one()
    meta.label_kinds = tasks.to_json()


def _stamp(row: Any, author: str, at: dt.datetime, revision: int | None) -> None:
    row.updated_at = at
    row.author = author
    if revision is None:
        row.dirty = True
    else:
        row.revision = revision
        row.dirty = False
