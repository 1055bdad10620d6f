"""Annotation rows and their history: the one place either is written.

The rules kept here, once:

- **History is append-only.** Inserting a row writes its first version; every update, tombstone and
  restore writes the next one (who, when, what). History rows are only ever inserted.
- **Deletes are tombstones:** the row stays, marked deleted, and can be restored as it was.
- **A change made here is synced:** a row written without a server revision is marked dirty (the
  outbox pushes it); a row taken from the server carries the server's revision and is clean.

Every function works inside the caller's unit of work (:mod:`labeler.store.work`) and never commits.
Image counters follow annotation changes through :mod:`labeler.store.images`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy import orm

from labeler.domain import ids
from labeler.store import bulk, models, types

A = models.AnnotationRow
H = models.AnnotationHistoryRow

_ROW = (
    "id", "image_id", "class_id", "kind", "geometry", "attributes", "version", "created_at",
    "updated_at", "author", "revision", "dirty", "deleted",
)  # fmt: skip
_HISTORY = (
    "id", "annotation_id", "image_id", "version", "op", "class_id", "kind", "geometry",
    "attributes", "deleted", "author", "at", "source",
)  # fmt: skip

#: Ids per ``IN (...)`` list (SQLite allows many more; this keeps statements small).
CHUNK = 500


Keep = types.Keep
KEEP = types.KEEP


@dataclasses.dataclass(frozen=True, slots=True)
class New:
    """An annotation row to insert, with the stamp of its first version.

    Attributes:
        geometry: in the stored JSON form (``labeler.domain.geometry.geometry_to_json``).
        revision: the server's revision of a row that came from the server (stored clean);
            None for a row made here (stored dirty, to be pushed).
    """

    id: str
    image_id: str
    class_id: str | None
    kind: str
    geometry: Any
    attributes: Mapping[str, Any]
    author: str
    at: dt.datetime
    deleted: bool = False
    revision: int | None = None
    #: What made it when not a person's hand (an accepted suggestion: model, hash, score).
    source: Mapping[str, Any] | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class Version:
    """One version of an annotation as its history keeps it."""

    annotation_id: str
    image_id: str
    version: int
    op: str  # create | update | delete | restore | conflict
    class_id: str | None
    kind: str
    geometry: Any
    attributes: Mapping[str, Any]
    deleted: bool
    author: str
    at: dt.datetime


def insert(session: orm.Session, rows: Sequence[New], *, op: str | None = None) -> None:
    """Insert annotation rows and their first history versions, in two bulk statements
    (:mod:`labeler.store.bulk`): the same code stores one shape drawn in the app and 100,000
    boxes of an import.

    Args:
        op: the first version's operation; by default ``create``, or ``delete`` for a row that
            arrives as a tombstone.
    """
    if not rows:
        return
    # Classes and images added through the ORM in this unit must be in the database before
    # rows that refer to them.
    session.flush()
    values: list[list[Any]] = []
    versions: list[list[Any]] = []
    for new, history_id in zip(rows, ids.new_ids(len(rows)), strict=True):
        attributes = dict(new.attributes)
        values.append(
            [
                new.id, new.image_id, new.class_id, new.kind, new.geometry, attributes, 1, new.at,
                new.at, new.author, new.revision, new.revision is None, new.deleted,
            ]
        )  # fmt: skip
        versions.append(
            [
                history_id, new.id, new.image_id, 1, op or ("delete" if new.deleted else "create"),
                new.class_id, new.kind, new.geometry, attributes, new.deleted, new.author, new.at,
                dict(new.source) if new.source else None,
            ]
        )  # fmt: skip
    bulk.insert(session, (_table(A), _ROW, values), (_table(H), _HISTORY, versions))


def update(
    session: orm.Session,
    row: models.AnnotationRow,
    *,
    author: str,
    at: dt.datetime,
    revision: int | None = None,
    class_id: str | Keep | None = KEEP,
    kind: str | Keep = KEEP,
    geometry: Any = KEEP,
    attributes: Mapping[str, Any] | Keep = KEEP,
    deleted: bool | Keep = KEEP,
) -> str:
    """Change an annotation row and append the new version to its history.

    Args:
        revision: the server's revision when the change comes from the server (the row is then
            clean); None for a change made here (the row is marked dirty).

    Returns:
        The history operation written: ``update``, ``delete`` or ``restore``.
    """
    was_deleted = row.deleted
    if not isinstance(class_id, Keep):
        row.class_id = class_id
    if not isinstance(kind, Keep):
        row.kind = kind
    if not isinstance(geometry, Keep):
        row.geometry = geometry
    if not isinstance(attributes, Keep):
        row.attributes = dict(attributes)
    if not isinstance(deleted, Keep):
        row.deleted = deleted
    row.version += 1
    row.updated_at = at
    row.author = author
    if revision is None:
        row.dirty = True
    else:
        row.revision = revision
        row.dirty = False
    op = "update"
    if row.deleted != was_deleted:
        op = "delete" if row.deleted else "restore"
    append_history(session, [version_of(row, op, author, at)])
    return op


def tombstone(
    session: orm.Session, row: models.AnnotationRow, *, author: str, at: dt.datetime
) -> str:
    """Delete an annotation made here (the row stays, marked deleted)."""
    return update(session, row, author=author, at=at, deleted=True)


def restore(
    session: orm.Session, row: models.AnnotationRow, *, author: str, at: dt.datetime
) -> str:
    """Bring a deleted annotation back exactly as it was."""
    return update(session, row, author=author, at=at, deleted=False)


def version_of(row: models.AnnotationRow, op: str, author: str, at: dt.datetime) -> Version:
    """The row as it stands now, as a history version."""
    return Version(
        row.id, row.image_id, row.version, op, row.class_id, row.kind, row.geometry,
        row.attributes or {}, row.deleted, author, at,
    )  # fmt: skip


def append_history(session: orm.Session, versions: Iterable[Version]) -> None:
    """Append versions to the annotations' history (the only write history rows ever get)."""
    batch = list(versions)
    values = [
        [
            history_id, v.annotation_id, v.image_id, v.version, v.op, v.class_id, v.kind,
            v.geometry, dict(v.attributes), v.deleted, v.author, v.at, None,
        ]
        for history_id, v in zip(ids.new_ids(len(batch)), batch, strict=True)
    ]  # fmt: skip
    bulk.insert(session, (_table(H), _HISTORY, values))


def existing(session: orm.Session, annotation_ids: Collection[str]) -> set[str]:
    """Which of these ids name an annotation row (live or deleted)."""
    found: set[str] = set()
    wanted = sorted(set(annotation_ids))
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        found.update(session.execute(sa.select(A.id).where(A.id.in_(chunk))).scalars())
    return found


def live_of_images(
    session: orm.Session, image_ids: Collection[str]
) -> list[tuple[str, str | None, str, Any]]:
    """(image id, class id, kind, geometry JSON) of the live annotations of these images, in
    chunked column queries (no ORM objects)."""
    out: list[tuple[str, str | None, str, Any]] = []
    wanted = sorted(set(image_ids))
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        out.extend(
            (str(image_id), class_id, str(kind), geometry)
            for image_id, class_id, kind, geometry in session.execute(
                sa.select(A.image_id, A.class_id, A.kind, A.geometry).where(
                    A.image_id.in_(chunk), A.deleted.is_(False)
                )
            ).all()
        )
    return out


def rekey_class(session: orm.Session, old: str, new: str) -> None:
    """Point every annotation of class ``old`` at ``new``, the same class under the id the team
    knows it by (joining a server project). Not an edit: no version, no history, no sync mark —
    the labels say what they said, and were never pushed under the old id."""
    session.execute(sa.update(A).where(A.class_id == old).values(class_id=new))


def _table(model: Any) -> sa.Table:
    return cast(sa.Table, model.__table__)
