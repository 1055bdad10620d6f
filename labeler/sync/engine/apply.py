"""Applying records from the server to the local project, inside the caller's transaction.

Rows are matched by UUID (images by the SHA-256 of their bytes). A remote change to a row that
changed here too is a conflict: both versions are kept (``sync_conflict`` and the annotation's
history), never a silent overwrite. A record about an image or class this workstation does not
have yet is parked and applied once it appears.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from typing import Any, cast

import pydantic
import sqlalchemy as sa
from sqlalchemy import orm

from labeler.domain import status as status_mod
from labeler.store import annotations as store_annotations
from labeler.store import images as store_images
from labeler.store import models
from labeler.store import review as store_review
from labeler.store import schema as store_schema
from labeler.sync.engine import conflicts, prefetch, records
from labeler.sync.wire import protocol

Kind = protocol.RecordKind
A = models.AnnotationRow


@dataclasses.dataclass
class Applied:
    """What applying remote records did, for the sync report and the views."""

    applied: int = 0
    skipped: int = 0
    conflicts: int = 0
    parked: int = 0
    images: set[str] = dataclasses.field(default_factory=set)
    annotations: set[str] = dataclasses.field(default_factory=set)
    annotation_images: set[str] = dataclasses.field(default_factory=set)
    schema: bool = False
    # Images whose annotation count is out of date until :func:`recount_pending` runs.
    uncounted: set[str] = dataclasses.field(default_factory=set)


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def apply_change(
    session: orm.Session, rec: protocol.ChangeRecord, out: Applied, *, force: bool = False
) -> None:
    """Apply one record of the change feed.

    Args:
        force: take the server's version even over a local change (resolving "theirs").
    """
    if not force and _already_here(session, rec):
        out.skipped += 1
        return
    try:
        data = protocol.parse_data(rec.kind, rec.data)
    except pydantic.ValidationError:
        out.skipped += 1  # the server validated it; a newer protocol version may add fields
        return
    remote = records.record_content(rec)
    key = str(rec.id)
    local = records.local_record(session, rec.kind, key, rec.data)
    if local is not None and not force:
        if local.base_revision is not None and local.base_revision >= rec.revision:
            records.set_shadow(session, key, rec.kind, rec.revision, remote)
            out.skipped += 1
            return
        if _changed_here(session, local) and records.record_content(local) != remote:
            if conflicts.record(session, local, rec):
                out.conflicts += 1
            return
    handler = _HANDLERS[rec.kind]
    if not handler(session, rec, data, out):
        park(session, rec)
        out.parked += 1
        return
    records.set_shadow(session, key, rec.kind, rec.revision, remote)
    conflict = records.open_conflict(session, key)
    if conflict is not None and not force:
        conflict.resolution = "merged"  # the local change went away; nothing left to resolve
        conflict.resolved_at = records.now()
    out.applied += 1


def _already_here(session: orm.Session, rec: protocol.ChangeRecord) -> bool:
    """True when the row and its agreed shadow are at this revision or later: this
    workstation's own push coming back in the feed, or a page read again. Nothing to do then;
    checked before the record is parsed because a first sync reads back every record it
    pushed. (The shadow at the same revision already holds the server's canonical content.)"""
    model = prefetch.MODELS.get(rec.kind)
    if model is None:
        return False
    key = str(rec.id)
    row = prefetch.get(session, model, key)
    if row is None or row.revision is None or row.revision < rec.revision:
        return False
    agreed = records.shadow(session, key)
    return agreed is not None and agreed.revision >= rec.revision


def _changed_here(session: orm.Session, local: protocol.Record) -> bool:
    if local.kind is Kind.IMAGE_STATUS:
        images = records.images_with_sha(session, str(local.data["image_sha256"]))
        if not any(i.dirty for i in images):
            return False
        # An image nobody looked at here has no status of its own to defend.
        if local.base_revision is None and local.data["status"] == "new":
            return False
    elif not _row_dirty(session, local):
        return False
    return records.locally_changed(session, local)


def _row_dirty(session: orm.Session, local: protocol.Record) -> bool:
    model: Any = {
        Kind.ANNOTATION: models.AnnotationRow,
        Kind.REVIEW_ACTION: models.ReviewActionRow,
        Kind.LABEL_CLASS: models.LabelClassRow,
        Kind.ATTRIBUTE_DEF: models.AttributeDefRow,
    }[local.kind]
    row = prefetch.get(session, model, str(local.id))
    return bool(row is not None and row.dirty)


def park(session: orm.Session, rec: protocol.ChangeRecord) -> None:
    """Keep a record for later (its image or class is not here yet)."""
    row = session.get(models.SyncParkedRow, str(rec.id))
    if row is None:
        session.add(
            models.SyncParkedRow(
                record_id=str(rec.id), revision=rec.revision, record=rec.model_dump(mode="json")
            )
        )
    elif rec.revision > row.revision:
        row.revision = rec.revision
        row.record = rec.model_dump(mode="json")


def retry_parked(session: orm.Session, out: Applied) -> None:
    """Apply parked records whose image or class has arrived since."""
    parked = session.execute(
        sa.select(models.SyncParkedRow).order_by(models.SyncParkedRow.revision)
    ).scalars()
    for row in list(parked):
        rec = protocol.ChangeRecord.model_validate(row.record)
        session.delete(row)
        session.flush()
        before = out.parked
        apply_change(session, rec, out)
        if out.parked > before:
            out.parked = before  # still waiting: not a new one
    recount_pending(session, out)


def parked_count(session: orm.Session) -> int:
    return int(
        session.execute(sa.select(sa.func.count()).select_from(models.SyncParkedRow)).scalar_one()
    )


# --- one handler per kind: False when the record must wait (image or class missing) ---------


def _annotation(session: orm.Session, rec: protocol.ChangeRecord, data: Any, out: Applied) -> bool:
    assert isinstance(data, protocol.AnnotationData)
    class_id = str(data.class_id) if data.class_id else None
    if class_id is not None and prefetch.get(session, models.LabelClassRow, class_id) is None:
        return False
    at = _aware(rec.updated_at)
    key = str(rec.id)
    row = prefetch.get(session, A, key)
    if row is None:
        images = records.images_with_sha(session, data.image_sha256)
        if not images:
            return False
        image_id = images[0].id
        store_annotations.insert(session, [_new_row(key, image_id, class_id, data, rec, at)])
        prefetch.added(session, A, [key])
    else:
        image_id = row.image_id
        store_annotations.update(
            session, row, author=rec.author, at=at, revision=rec.revision, class_id=class_id,
            kind=data.kind.value, geometry=data.geometry, attributes=data.attributes,
            deleted=rec.deleted,
        )  # fmt: skip
    out.uncounted.add(image_id)  # counted once per page, not once per record
    out.annotations.add(key)
    out.annotation_images.add(image_id)
    return True


def _new_row(
    key: str,
    image_id: str,
    class_id: str | None,
    data: protocol.AnnotationData,
    rec: protocol.ChangeRecord,
    at: dt.datetime,
) -> store_annotations.New:
    """A pulled annotation this workstation does not have, as a row to insert (clean, at the
    server's revision)."""
    return store_annotations.New(
        id=key, image_id=image_id, class_id=class_id, kind=data.kind.value,
        geometry=data.geometry, attributes=data.attributes, author=rec.author, at=at,
        deleted=rec.deleted, revision=rec.revision,
    )  # fmt: skip


def recount_pending(session: orm.Session, out: Applied) -> None:
    """Bring the annotation counts of the images ``out`` touched up to date."""
    if out.uncounted:
        store_images.recount(session, out.uncounted)
        out.uncounted.clear()


def apply_page(session: orm.Session, page: Sequence[protocol.ChangeRecord], out: Applied) -> None:
    """Apply the records of one page (or any batch of records), their local rows loaded at once
    and each image's annotation count set once at the end."""
    page = _not_here_yet(session, page, out)
    prefetch.records(session, page)
    for rec in _insert_new_labels(session, page, out):
        apply_change(session, rec, out)
    recount_pending(session, out)


def _insert_new_labels(
    session: orm.Session, page: Sequence[protocol.ChangeRecord], out: Applied
) -> list[protocol.ChangeRecord]:
    """Insert the annotations this workstation has never seen (no row, no shadow, their image
    and class here) with three bulk inserts — row, first history version, shadow — and return
    the other records for :func:`apply_change`. Joining a project is mostly such records, and
    making an object of each was most of its cost. An id met twice in the page goes the slow way,
    in order."""
    seen: dict[str, int] = {}
    for rec in page:
        seen[str(rec.id)] = seen.get(str(rec.id), 0) + 1
    rows: list[store_annotations.New] = []
    shadows: list[dict[str, Any]] = []
    rest: list[protocol.ChangeRecord] = []
    for rec in page:
        key = str(rec.id)
        if rec.kind is not Kind.ANNOTATION or seen[key] > 1:
            rest.append(rec)
            continue
        try:
            data = protocol.parse_data(rec.kind, rec.data)
        except pydantic.ValidationError:
            rest.append(rec)  # apply_change counts it as skipped
            continue
        assert isinstance(data, protocol.AnnotationData)
        class_id = str(data.class_id) if data.class_id else None
        images = records.images_with_sha(session, data.image_sha256)
        if (
            not images
            or prefetch.get(session, A, key) is not None
            or records.shadow(session, key) is not None
            or (
                class_id is not None
                and prefetch.get(session, models.LabelClassRow, class_id) is None
            )
            or records.open_conflict(session, key) is not None
        ):
            rest.append(rec)  # parks, updates, conflicts: one by one
            continue
        image_id = images[0].id
        rows.append(_new_row(key, image_id, class_id, data, rec, _aware(rec.updated_at)))
        content = {"deleted": bool(rec.deleted), "data": data.model_dump(mode="json")}
        shadows.append(
            {"record_id": key, "kind": rec.kind.value, "revision": rec.revision, "content": content}
        )
        out.uncounted.add(image_id)
        out.annotations.add(key)
        out.annotation_images.add(image_id)
        out.applied += 1
    if rows:
        # Bulk inserts (rows and their first versions through the store, then the shadows): the
        # ORM's bulk insert spends more time per row than SQLite does.
        store_annotations.insert(session, rows)
        prefetch.added(session, A, [row.id for row in rows])
        table = cast(sa.Table, models.SyncShadowRow.__table__)
        session.connection().execute(sa.insert(table), shadows)
    return rest


def _not_here_yet(
    session: orm.Session, page: Sequence[protocol.ChangeRecord], out: Applied
) -> list[protocol.ChangeRecord]:
    """The records of ``page`` that :func:`_already_here` would not pass over, found with two
    plain column queries per kind: a first sync reads back every record it pushed, and loading
    each of those rows (and its shadow) as an object only to skip it was most of its cost."""
    by_kind: dict[Kind, list[str]] = {}
    for rec in page:
        if rec.kind in prefetch.MODELS:
            by_kind.setdefault(rec.kind, []).append(str(rec.id))
    if not by_kind:
        return list(page)
    revisions: dict[str, Any] = {}
    for kind, keys in by_kind.items():
        revisions.update(prefetch.values(session, prefetch.MODELS[kind], keys, "revision"))
    agreed = prefetch.values(
        session, models.SyncShadowRow, [k for keys in by_kind.values() for k in keys], "revision"
    )
    keep: list[protocol.ChangeRecord] = []
    for rec in page:
        key = str(rec.id)
        mine, shadow = revisions.get(key), agreed.get(key)
        if (
            rec.kind in prefetch.MODELS
            and mine is not None
            and shadow is not None
            and mine >= rec.revision
            and shadow >= rec.revision
        ):
            out.skipped += 1
            continue
        keep.append(rec)
    return keep


def _status(session: orm.Session, rec: protocol.ChangeRecord, data: Any, out: Applied) -> bool:
    assert isinstance(data, protocol.ImageStatusData)
    images = [image.id for image in records.images_with_sha(session, data.image_sha256)]
    store_images.take_status(
        session, images, status_mod.ImageStatus(data.status.value), author=rec.author,
        at=_aware(rec.updated_at), revision=rec.revision,
    )  # fmt: skip
    out.images.update(images)
    return bool(images)


_REVIEW_ROWS = {
    protocol.ReviewKind.APPROVE: ("status", "approved"),
    protocol.ReviewKind.REJECT: ("status", "rejected"),
    protocol.ReviewKind.COMMENT: ("comment", None),
}


def _review(session: orm.Session, rec: protocol.ChangeRecord, data: Any, out: Applied) -> bool:
    assert isinstance(data, protocol.ReviewActionData)
    row = prefetch.get(session, models.ReviewActionRow, str(rec.id))
    image_id = row.image_id if row is not None else None
    if image_id is None:
        images = records.images_with_sha(session, data.image_sha256)
        if not images:
            return False
        image_id = images[0].id
    action, to_status = _REVIEW_ROWS[data.action]
    store_review.take_remote(
        session, row, record_id=str(rec.id), image_id=image_id, action=action,
        to_status=to_status, comment=data.comment or None, author=rec.author,
        at=_aware(rec.updated_at), revision=rec.revision, deleted=rec.deleted,
    )  # fmt: skip
    out.images.add(image_id)
    return True


def _label_class(session: orm.Session, rec: protocol.ChangeRecord, data: Any, out: Applied) -> bool:
    assert isinstance(data, protocol.LabelClassData)
    at = _aware(rec.updated_at)
    row = prefetch.get(session, models.LabelClassRow, str(rec.id))
    if row is None:
        store_schema.add_class(
            session, class_id=str(rec.id), name=data.name, color=data.color,
            hotkey=None if rec.deleted else data.hotkey, sort_order=data.order,
            author=rec.author, at=at, revision=rec.revision, deleted=rec.deleted,
        )  # fmt: skip
    else:
        store_schema.change_class(
            session, row, author=rec.author, at=at, revision=rec.revision, name=data.name,
            color=data.color, hotkey=data.hotkey, sort_order=data.order, deleted=rec.deleted,
        )  # fmt: skip
    _schema_changed(session, out)
    return True


def _attribute(session: orm.Session, rec: protocol.ChangeRecord, data: Any, out: Applied) -> bool:
    assert isinstance(data, protocol.AttributeDefData)
    at = _aware(rec.updated_at)
    row = prefetch.get(session, models.AttributeDefRow, str(rec.id))
    if row is None:
        store_schema.add_attribute(
            session, attribute_id=str(rec.id), name=data.name, kind=data.kind.value,
            choices=data.choices, default=data.default, sort_order=data.order,
            author=rec.author, at=at, revision=rec.revision, deleted=rec.deleted,
        )  # fmt: skip
    else:
        store_schema.change_attribute(
            session, row, author=rec.author, at=at, revision=rec.revision, name=data.name,
            kind=data.kind.value, choices=data.choices, default=data.default,
            sort_order=data.order, deleted=rec.deleted,
        )  # fmt: skip
    _schema_changed(session, out)
    return True


def _schema_changed(session: orm.Session, out: Applied) -> None:
    if not out.schema:
        store_schema.bump_version(session)
    out.schema = True


_HANDLERS: dict[Kind, Any] = {
    Kind.ANNOTATION: _annotation,
    Kind.IMAGE_STATUS: _status,
    Kind.REVIEW_ACTION: _review,
    Kind.LABEL_CLASS: _label_class,
    Kind.ATTRIBUTE_DEF: _attribute,
}
