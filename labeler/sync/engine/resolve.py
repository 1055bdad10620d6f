"""Resolving a conflict: ``mine`` (push the local version, based on the server's), ``theirs`` (take
the server's) or ``both`` (an annotation only: keep the server's, and the local one as a new
annotation). Resolution sits above applying: taking the server's version applies it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import orm

from labeler.domain import ids
from labeler.store import annotations as store_annotations
from labeler.store import models
from labeler.sync.engine import apply, conflicts, records
from labeler.sync.wire import protocol

Kind = protocol.RecordKind
Choice = conflicts.Choice
ConflictError = conflicts.ConflictError


def resolve(
    session: orm.Session, row: models.SyncConflictRow, choice: Choice, out: Any
) -> str | None:
    """Resolve one conflict inside the caller's transaction.

    Returns:
        The id of the annotation ``both`` made from the local version, else None.
    """
    remote = protocol.ChangeRecord.model_validate(row.remote)
    kind = Kind(row.kind)
    if choice is Choice.BOTH and kind is not Kind.ANNOTATION:
        raise ConflictError(f"'both' keeps two annotations; a {kind.value} takes mine or theirs")
    made = None
    if choice is Choice.MINE:
        # Based on the server's revision now, the local version pushes as an ordinary edit.
        _rebase(session, kind, row.annotation_id, remote)
        records.set_shadow(
            session, row.annotation_id, kind, remote.revision, records.record_content(remote)
        )
    else:
        if choice is Choice.BOTH:
            made = _copy_as_new(session, row.annotation_id)
        row.resolution = choice.value  # before apply, which closes open conflicts itself
        apply.apply_change(session, remote, out, force=True)
        apply.recount_pending(session, out)
    row.resolution = choice.value
    row.resolved_at = records.now()
    return made


def _rebase(session: orm.Session, kind: Kind, key: str, remote: protocol.ChangeRecord) -> None:
    if kind is Kind.IMAGE_STATUS:
        for image in records.images_with_sha(session, str(remote.data["image_sha256"])):
            image.revision = remote.revision
            image.dirty = True
        return
    model: Any = {
        Kind.ANNOTATION: models.AnnotationRow,
        Kind.REVIEW_ACTION: models.ReviewActionRow,
        Kind.LABEL_CLASS: models.LabelClassRow,
        Kind.ATTRIBUTE_DEF: models.AttributeDefRow,
    }[kind]
    local = session.get(model, key)
    if local is None:
        raise ConflictError(f"the local version of {key} is gone; resolve with 'theirs'")
    local.revision = remote.revision
    local.dirty = True


def _copy_as_new(session: orm.Session, key: str) -> str:
    ann = session.get(models.AnnotationRow, key)
    if ann is None:
        raise ConflictError(f"the local version of {key} is gone; resolve with 'theirs'")
    copy = store_annotations.New(
        id=ids.new_id(), image_id=ann.image_id, class_id=ann.class_id, kind=ann.kind,
        geometry=ann.geometry, attributes=ann.attributes or {}, author=ann.author,
        at=records.now(), deleted=ann.deleted,
    )  # fmt: skip
    # Its first version says "create" even for a deleted local version: a copy is made.
    store_annotations.insert(session, [copy], op="create")
    return copy.id
