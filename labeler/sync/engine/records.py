"""Local rows as wire records, and the content that decides whether two versions differ.

The *content* of a record is its tombstone flag and its data in the protocol's canonical form
(``parse_data(...).model_dump(mode="json")``), the form the server stores. Two versions with equal
content are the same edit, whoever made them: such a "conflict" is no conflict at all.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pydantic
import sqlalchemy as sa
from sqlalchemy import orm

from labeler.store import models, types
from labeler.sync.engine import prefetch
from labeler.sync.wire import protocol

Kind = protocol.RecordKind
Content = dict[str, Any]


def content_of(kind: Kind, deleted: bool, data: dict[str, Any]) -> Content:
    """Canonical content; data that does not fit the protocol is compared as it is."""
    try:
        canonical = protocol.parse_data(kind, data).model_dump(mode="json")
    except pydantic.ValidationError:
        canonical = dict(data)
    return {"deleted": bool(deleted), "data": canonical}


def record_content(record: protocol.Record) -> Content:
    return content_of(record.kind, record.deleted, record.data)


def _record(
    record_id: str, kind: Kind, base: int | None, deleted: bool, at: dt.datetime, data: Any
) -> protocol.Record:
    return protocol.Record(
        id=uuid.UUID(record_id),
        kind=kind,
        base_revision=base,
        deleted=deleted,
        updated_at=at,
        data=data,
    )


def annotation(row: models.AnnotationRow, sha256: str) -> protocol.Record:
    return annotation_values(
        row.id, row.class_id, row.kind, row.geometry, row.attributes, row.revision, row.deleted,
        row.updated_at, sha256,
    )  # fmt: skip


def annotation_values(
    record_id: str,
    class_id: str | None,
    kind: str,
    geometry: Any,
    attributes: Any,
    revision: int | None,
    deleted: bool,
    updated_at: dt.datetime,
    sha256: str,
) -> protocol.Record:
    """An annotation's wire record from its column values (no ORM object needed)."""
    data = {
        "image_sha256": sha256,
        "class_id": class_id,
        "kind": kind,
        "geometry": geometry,
        "attributes": dict(attributes or {}),
    }
    return _record(record_id, Kind.ANNOTATION, revision, deleted, updated_at, data)


def image_status(row: models.ImageRow) -> protocol.Record:
    assert row.sha256 is not None
    data = {"image_sha256": row.sha256, "status": row.status}
    record_id = str(protocol.image_status_id(row.sha256))
    at = row.status_at or row.updated_at
    return _record(record_id, Kind.IMAGE_STATUS, row.revision, False, at, data)


_REVIEW_KINDS = {"approved": protocol.ReviewKind.APPROVE, "rejected": protocol.ReviewKind.REJECT}


def review_action(row: models.ReviewActionRow, sha256: str) -> protocol.Record | None:
    """The wire form of a review action, or None for a plain status change without a comment
    (the image's status record carries that)."""
    action: protocol.ReviewKind | None = None
    if row.action == "status":
        action = _REVIEW_KINDS.get(row.to_status or "")
    if action is None and row.comment:
        action = protocol.ReviewKind.COMMENT
    if action is None:
        return None
    data = {"image_sha256": sha256, "action": action.value, "comment": row.comment or ""}
    return _record(row.id, Kind.REVIEW_ACTION, row.revision, row.deleted, row.updated_at, data)


def label_class(row: models.LabelClassRow) -> protocol.Record:
    data = {"name": row.name, "color": row.color, "hotkey": row.hotkey, "order": row.sort_order}
    return _record(row.id, Kind.LABEL_CLASS, row.revision, row.deleted, row.updated_at, data)


def attribute_def(row: models.AttributeDefRow) -> protocol.Record:
    data = {
        "name": row.name,
        "kind": row.kind,
        "choices": list(row.choices or []),
        "default": row.default,
        "order": row.sort_order,
    }
    return _record(row.id, Kind.ATTRIBUTE_DEF, row.revision, row.deleted, row.updated_at, data)


def local_record(
    session: orm.Session, kind: Kind, record_id: str, data: dict[str, Any]
) -> protocol.Record | None:
    """The record as the local row stands now (None when there is no such row here).

    ``data`` is another version of the record (sent or received): it names the image of a
    status record, whose id derives from the image's hash.
    """
    if kind is Kind.ANNOTATION:
        ann = prefetch.get(session, models.AnnotationRow, record_id)
        if ann is None:
            return None
        image = prefetch.get(session, models.ImageRow, ann.image_id)
        return annotation(ann, image.sha256) if image is not None and image.sha256 else None
    if kind is Kind.IMAGE_STATUS:
        found = images_with_sha(session, str(data.get("image_sha256", "")))
        return image_status(found[0]) if found else None
    if kind is Kind.REVIEW_ACTION:
        review = prefetch.get(session, models.ReviewActionRow, record_id)
        if review is None:
            return None
        image = prefetch.get(session, models.ImageRow, review.image_id)
        return review_action(review, image.sha256) if image and image.sha256 else None
    if kind is Kind.LABEL_CLASS:
        cls = prefetch.get(session, models.LabelClassRow, record_id)
        return label_class(cls) if cls is not None else None
    attr = prefetch.get(session, models.AttributeDefRow, record_id)
    return attribute_def(attr) if attr is not None else None


def images_with_sha(session: orm.Session, sha256: str) -> list[models.ImageRow]:
    cached = prefetch.images(session, sha256)
    if cached is not None:
        return cached
    i = models.ImageRow
    return list(
        session.execute(
            sa.select(i).where(i.sha256 == sha256).order_by(i.root_order, i.sort_key)
        ).scalars()
    )


# --- bookkeeping rows ------------------------------------------------------------------------


def shadow(session: orm.Session, record_id: str) -> models.SyncShadowRow | None:
    return prefetch.get(session, models.SyncShadowRow, record_id)


def set_shadow(
    session: orm.Session, record_id: str, kind: Kind, revision: int, content: Content
) -> None:
    row = prefetch.get(session, models.SyncShadowRow, record_id)
    if row is None:
        session.add(
            models.SyncShadowRow(
                record_id=record_id, kind=kind.value, revision=revision, content=content
            )
        )
    elif revision >= row.revision:
        row.revision = revision
        row.content = content


def locally_changed(session: orm.Session, record: protocol.Record) -> bool:
    """True when the local version differs from the content last agreed with the server."""
    agreed = shadow(session, str(record.id))
    return agreed is None or agreed.content != record_content(record)


def open_conflict(session: orm.Session, record_id: str) -> models.SyncConflictRow | None:
    if prefetch.no_open_conflict(session, record_id):
        return None
    c = models.SyncConflictRow
    return session.execute(
        sa.select(c).where(c.annotation_id == record_id, c.resolution.is_(None))
    ).scalar_one_or_none()


def now() -> dt.datetime:
    return types.utcnow()
