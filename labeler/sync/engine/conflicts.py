"""Conflicts: a record changed here and on the server. Both versions are kept (recorded here, as
the change feed is applied) until the user chooses how to resolve them (:mod:`resolve`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm

from labeler import errors
from labeler.domain import ids
from labeler.store import annotations as store_annotations
from labeler.store import database, models
from labeler.sync import names
from labeler.sync.engine import records
from labeler.sync.wire import protocol

Kind = protocol.RecordKind


Choice = names.Choice


class ConflictError(errors.UserError, ValueError):
    """A resolution that cannot be made (unknown or resolved conflict, ``both`` on a status)."""


@dataclasses.dataclass(frozen=True, slots=True)
class Conflict:
    """One open conflict, as ``labeler conflicts`` shows it."""

    id: str
    record_id: str
    kind: str
    image_path: str | None
    local_class: str | None
    remote_class: str | None
    local: dict[str, Any]
    remote: dict[str, Any]
    local_author: str
    local_at: dt.datetime | None
    remote_author: str
    remote_at: dt.datetime | None
    remote_revision: int
    detected_at: dt.datetime


def record(session: orm.Session, local: protocol.Record, remote: protocol.ChangeRecord) -> bool:
    """Keep both versions of a conflicting record. Returns True for a new conflict (False when
    an open one for this record only got the server's newer version)."""
    key = str(local.id)
    existing = records.open_conflict(session, key)
    if existing is not None:
        if remote.revision <= existing.remote_revision:
            return False
        existing.remote = remote.model_dump(mode="json")
        existing.remote_revision = remote.revision
        existing.remote_author = remote.author
    else:
        session.add(
            models.SyncConflictRow(
                id=ids.new_id(), annotation_id=key, kind=local.kind.value,
                local=local.model_dump(mode="json"), remote=remote.model_dump(mode="json"),
                remote_revision=remote.revision, remote_author=remote.author,
                detected_at=records.now(), resolution=None, resolved_at=None,
            )
        )  # fmt: skip
    if local.kind is Kind.ANNOTATION:
        _remote_in_history(session, key, remote)
    return existing is None


def _remote_in_history(session: orm.Session, key: str, remote: protocol.ChangeRecord) -> None:
    """The server's version joins the annotation's history (op ``conflict``)."""
    row = session.get(models.AnnotationRow, key)
    if row is None:
        return
    data = remote.data
    store_annotations.append_history(
        session,
        [
            store_annotations.Version(
                annotation_id=key, image_id=row.image_id, version=row.version, op="conflict",
                class_id=data.get("class_id"), kind=str(data.get("kind", row.kind)),
                geometry=data.get("geometry"), attributes=data.get("attributes") or {},
                deleted=remote.deleted, author=remote.author, at=records.now(),
            )
        ],
    )  # fmt: skip


def list_open(db: database.Database) -> list[Conflict]:
    """Open conflicts, oldest first, with the local version as it stands now."""
    c = models.SyncConflictRow
    with db.read() as session:
        rows = session.execute(
            sa.select(c).where(c.resolution.is_(None)).order_by(c.detected_at, c.id)
        ).scalars()
        return [_describe(session, row) for row in rows]


def _class_name(session: orm.Session, class_id: Any) -> str | None:
    if not class_id:
        return None
    row = session.get(models.LabelClassRow, str(class_id))
    return row.name if row is not None else str(class_id)


def _describe(session: orm.Session, row: models.SyncConflictRow) -> Conflict:
    remote = protocol.ChangeRecord.model_validate(row.remote)
    stored = protocol.Record.model_validate(row.local)
    local = records.local_record(session, Kind(row.kind), row.annotation_id, remote.data) or stored
    local_author, local_at = "", local.updated_at
    image_path = None
    if row.kind == Kind.ANNOTATION.value:
        ann = session.get(models.AnnotationRow, row.annotation_id)
        if ann is not None:
            local_author = ann.author
            image = session.get(models.ImageRow, ann.image_id)
            image_path = image.rel_path if image is not None else None
    else:
        sha = remote.data.get("image_sha256")
        found = records.images_with_sha(session, str(sha)) if sha else []
        if found:
            image_path = found[0].rel_path
            local_author = found[0].status_by or found[0].author
    return Conflict(
        id=row.id, record_id=row.annotation_id, kind=row.kind, image_path=image_path,
        local_class=_class_name(session, local.data.get("class_id")),
        remote_class=_class_name(session, remote.data.get("class_id")),
        local={"deleted": local.deleted, **local.data},
        remote={"deleted": remote.deleted, **remote.data},
        local_author=local_author, local_at=local_at, remote_author=remote.author,
        remote_at=remote.updated_at, remote_revision=remote.revision, detected_at=row.detected_at,
    )  # fmt: skip


def find(db: database.Database, conflict_id: str) -> models.SyncConflictRow:
    """An open conflict by id or by a unique prefix of its id (as the list shows it)."""
    c = models.SyncConflictRow
    with db.read() as session:
        found = (
            session.execute(
                sa.select(c).where(c.resolution.is_(None), c.id.startswith(conflict_id))
            )
            .scalars()
            .all()
        )
    if len(found) != 1:
        what = "no open conflict" if not found else "more than one open conflict"
        raise ConflictError(f"{what} with id {conflict_id!r} (labeler conflicts lists them)")
    return found[0]
