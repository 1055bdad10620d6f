"""Push: dirty rows become a batch, stored with its Idempotency-Key before the first send.

A batch lives in ``sync_outbox`` from before its first send until its answer is applied, so a
lost answer (or a crash) is followed by a resend of exactly the same batch with the same key:
the server answers it from its idempotency store and applies nothing twice.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import Any, cast

import orjson
import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.dialects import sqlite

from labeler.store import database, models, work
from labeler.sync.engine import conflicts, prefetch, records
from labeler.sync.wire import errors as sync_errors
from labeler.sync.wire import protocol

Kind = protocol.RecordKind
Outcome = protocol.PushOutcome


@dataclasses.dataclass(frozen=True, slots=True)
class Rejection:
    record_id: str
    kind: str
    reason: str


@dataclasses.dataclass
class Pushed:
    """What pushing did."""

    applied: int = 0
    conflicts: int = 0
    rejected: list[Rejection] = dataclasses.field(default_factory=list)
    batches: int = 0
    annotations: set[str] = dataclasses.field(default_factory=set)


def _candidates(session: orm.Session) -> list[protocol.Record]:
    """Every dirty row as a record, schema first (the server checks classes of annotations)."""
    out: list[protocol.Record] = []
    for cls in session.execute(
        sa.select(models.LabelClassRow).where(models.LabelClassRow.dirty.is_(True))
    ).scalars():
        out.append(records.label_class(cls))
    for attr in session.execute(
        sa.select(models.AttributeDefRow).where(models.AttributeDefRow.dirty.is_(True))
    ).scalars():
        out.append(records.attribute_def(attr))
    a, i = models.AnnotationRow, models.ImageRow
    # Column values, not objects: a first sync collects tens of thousands of labels, and making
    # an ORM object of each was a good part of its cost.
    rows = session.execute(
        sa.select(
            a.id, a.class_id, a.kind, a.geometry, a.attributes, a.revision, a.deleted,
            a.updated_at, i.sha256,
        )
        .join(i, i.id == a.image_id)
        .where(a.dirty.is_(True), i.sha256.is_not(None))
        .order_by(a.updated_at, a.id)
    ).all()  # fmt: skip
    never_left: list[str] = []
    for key, class_id, kind, geometry, attributes, revision, deleted, at, sha in rows:
        if revision is None and deleted and records.shadow(session, key) is None:
            never_left.append(key)  # made and deleted here before it ever left: nothing to tell
            continue
        out.append(
            records.annotation_values(
                key, class_id, kind, geometry, attributes, revision, deleted, at, str(sha)
            )
        )
    for start in range(0, len(never_left), prefetch.CHUNK):
        chunk = never_left[start : start + prefetch.CHUNK]
        session.execute(sa.update(a).where(a.id.in_(chunk)).values(dirty=False))
    seen: set[str] = set()
    for image in session.execute(
        sa.select(i)
        .where(i.dirty.is_(True), i.sha256.is_not(None))
        .order_by(i.root_order, i.sort_key)
    ).scalars():
        if image.sha256 in seen or (image.revision is None and image.status == "new"):
            continue
        seen.add(image.sha256 or "")
        out.append(records.image_status(image))
    r = models.ReviewActionRow
    for review, sha in session.execute(
        sa.select(r, i.sha256)
        .join(i, i.id == r.image_id)
        .where(r.dirty.is_(True), i.sha256.is_not(None))
    ).all():
        wire = records.review_action(review, str(sha))
        if wire is None:
            review.dirty = False  # a plain status change: the image's status record says it
        else:
            out.append(wire)
    return out


def collect(session: orm.Session) -> list[protocol.Record]:
    """Everything to push: dirty rows not waiting on a conflict or a refusal, really changed."""
    candidates = _candidates(session)
    c = models.SyncConflictRow
    waiting = set(
        session.execute(sa.select(c.annotation_id).where(c.resolution.is_(None))).scalars()
    )
    refused = {
        r.record_id: r.content
        for r in session.execute(sa.select(models.SyncRejectionRow)).scalars()
    }
    agreed: dict[str, models.SyncShadowRow] = {}
    keys = [str(rec.id) for rec in candidates]
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        s = models.SyncShadowRow
        agreed.update(
            (row.record_id, row)
            for row in session.execute(sa.select(s).where(s.record_id.in_(chunk))).scalars()
        )
    out: list[protocol.Record] = []
    for rec in candidates:
        key = str(rec.id)
        if key in waiting:
            continue
        content = records.record_content(rec)
        if refused.get(key) == content:
            continue
        shadow = agreed.get(key)
        if shadow is not None and shadow.content == content:
            _mark_clean(session, rec, shadow.revision)  # changed and changed back
            continue
        out.append(rec)
    return out


def _mark_clean(session: orm.Session, rec: protocol.Record, revision: int) -> None:
    """Take ``revision`` as the row's base; clear its dirty mark if it still holds ``rec``."""
    if rec.kind is Kind.IMAGE_STATUS:
        for image in records.images_with_sha(session, str(rec.data["image_sha256"])):
            image.revision = revision
            if image.status == rec.data["status"]:
                image.dirty = False
        return
    model: Any = {
        Kind.ANNOTATION: models.AnnotationRow,
        Kind.REVIEW_ACTION: models.ReviewActionRow,
        Kind.LABEL_CLASS: models.LabelClassRow,
        Kind.ATTRIBUTE_DEF: models.AttributeDefRow,
    }[rec.kind]
    row = prefetch.get(session, model, str(rec.id))
    if row is not None:
        unchanged = _content_now(session, rec) == records.record_content(rec)
        row.revision = revision
        if unchanged:
            row.dirty = False


def _content_now(session: orm.Session, rec: protocol.Record) -> records.Content | None:
    now = records.local_record(session, rec.kind, str(rec.id), rec.data)
    return records.record_content(now) if now is not None else None


def store_batches(db: database.Database) -> list[models.SyncOutboxRow]:
    """Collect everything to push and store it as batches, each with a fresh Idempotency-Key,
    in a transaction of its own (before any of them is sent)."""
    stored: list[models.SyncOutboxRow] = []
    with db.write() as session:
        found = [r.model_dump(mode="json") for r in collect(session)]
        now = records.now()
        for n, batch in enumerate(_batches(found)):
            row = models.SyncOutboxRow(
                batch_id=str(uuid.uuid4()),
                idempotency_key=f"labeler-{uuid.uuid4()}",
                records=batch,
                # Batches go out in this order (schema before the labels that use it).
                created_at=now + dt.timedelta(microseconds=n),
            )
            session.add(row)
            stored.append(row)
    return stored


def _batches(found: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    """``found`` in order, in batches within the protocol's count and byte limits."""
    batch: list[dict[str, Any]] = []
    size = 0
    for record in found:
        grows = len(orjson.dumps(record)) + 1
        if batch and (
            len(batch) >= protocol.MAX_PUSH_RECORDS or size + grows > protocol.MAX_PUSH_BYTES
        ):
            yield batch
            batch, size = [], 0
        batch.append(record)
        size += grows
    if batch:
        yield batch


def pending(db: database.Database) -> list[models.SyncOutboxRow]:
    """Batches stored but not yet answered (a crash or a lost answer), oldest first."""
    o = models.SyncOutboxRow
    with db.read() as session:
        return list(session.execute(sa.select(o).order_by(o.created_at)).scalars())


def send(
    db: database.Database,
    batch: models.SyncOutboxRow,
    push: Callable[[list[protocol.Record], str], protocol.PushResponse],
    out: Pushed,
) -> None:
    """Send a stored batch (``push`` retries as it must) and apply its answer in one transaction."""
    sent = [protocol.Record.model_validate(r) for r in batch.records]
    try:
        response = push(sent, batch.idempotency_key)
    except sync_errors.ApiError as exc:
        if exc.status == 0 or exc.status >= 500:
            raise
        # Refused as a whole (422, 413, ...): the rows are still dirty, so the next round
        # builds a new batch with a new key; keeping this one would block every later push.
        with db.write() as session:
            session.execute(
                sa.delete(models.SyncOutboxRow).where(
                    models.SyncOutboxRow.batch_id == batch.batch_id
                )
            )
        where = f" (request id {exc.request_id})" if exc.request_id else ""
        raise sync_errors.SyncError(
            f"the service refused a batch of {len(sent)} changes ({exc.status}: "
            f"{exc.message}){where}"
        ) from exc
    with work.unit_of_work(db) as (session, _):
        by_id = {str(r.id): r for r in sent}
        answered = [(by_id[str(x.id)], x) for x in response.results if str(x.id) in by_id]
        rest = _settle_applied_labels(session, answered, out)
        prefetch.records(session, [rec for rec, _ in rest])  # one query per kind of row
        for rec, result in rest:
            _apply_result(session, rec, result, out)
        session.execute(
            sa.delete(models.SyncOutboxRow).where(models.SyncOutboxRow.batch_id == batch.batch_id)
        )
    out.batches += 1


def _table(model: Any) -> sa.Table:
    return cast(sa.Table, model.__table__)


def _settle_applied_labels(
    session: orm.Session,
    answered: list[tuple[protocol.Record, protocol.PushResult]],
    out: Pushed,
) -> list[tuple[protocol.Record, protocol.PushResult]]:
    """Settle the applied annotations of a batch with three statements, and return the other
    answers (conflicts, refusals, statuses, schema) for :func:`_apply_result`.

    The same bookkeeping as :func:`_apply_result`, without an object per row (most of a first
    sync's cost): the shadow takes the sent content, a refusal is forgotten, the new revision
    becomes the row's base, and the dirty mark goes only when the row was not edited since it
    was collected (its ``updated_at`` is unchanged: every edit stamps it).
    """
    fast: list[tuple[protocol.Record, int]] = []
    rest: list[tuple[protocol.Record, protocol.PushResult]] = []
    for rec, result in answered:
        if (
            rec.kind is Kind.ANNOTATION
            and result.outcome is Outcome.APPLIED
            and result.revision is not None
        ):
            fast.append((rec, result.revision))
        else:
            rest.append((rec, result))
    if not fast:
        return rest
    conn = session.connection()
    shadow = _table(models.SyncShadowRow)
    upsert = sqlite.insert(shadow)
    conn.execute(
        upsert.on_conflict_do_update(
            index_elements=[shadow.c.record_id],
            set_={"revision": upsert.excluded.revision, "content": upsert.excluded.content},
            where=upsert.excluded.revision >= shadow.c.revision,
        ),
        [
            {"record_id": str(rec.id), "kind": rec.kind.value, "revision": revision,
             "content": records.record_content(rec)}
            for rec, revision in fast
        ],
    )  # fmt: skip
    keys = [str(rec.id) for rec, _ in fast]
    refused = _table(models.SyncRejectionRow)
    for start in range(0, len(keys), prefetch.CHUNK):
        chunk = keys[start : start + prefetch.CHUNK]
        conn.execute(sa.delete(refused).where(refused.c.record_id.in_(chunk)))
    a = _table(models.AnnotationRow)
    conn.execute(
        sa.update(a)
        .where(a.c.id == sa.bindparam("key"))
        .values(
            revision=sa.bindparam("new_revision"),
            dirty=sa.case((a.c.updated_at == sa.bindparam("collected_at"), False), else_=a.c.dirty),
        ),
        [
            {"key": str(rec.id), "new_revision": revision, "collected_at": rec.updated_at}
            for rec, revision in fast
        ],
    )
    out.applied += len(fast)
    out.annotations.update(keys)
    return rest


def _apply_result(
    session: orm.Session, rec: protocol.Record, result: protocol.PushResult, out: Pushed
) -> None:
    key = str(rec.id)
    sent = records.record_content(rec)
    if result.outcome is Outcome.APPLIED and result.revision is not None:
        records.set_shadow(session, key, rec.kind, result.revision, sent)
        refused = prefetch.get(session, models.SyncRejectionRow, key)
        if refused is not None:
            session.delete(refused)
        # The new revision is the base of any later edit; the dirty mark goes only when the
        # row still holds what was sent (an edit made meanwhile is pushed next time).
        _mark_clean(session, rec, result.revision)
        out.applied += 1
        if rec.kind is Kind.ANNOTATION:
            out.annotations.add(key)
    elif result.outcome is Outcome.CONFLICT and result.server is not None:
        server = result.server
        if records.record_content(server) == sent:
            records.set_shadow(session, key, rec.kind, server.revision, sent)
            _mark_clean(session, rec, server.revision)  # both sides made the same edit
            return
        local = records.local_record(session, rec.kind, key, rec.data) or rec
        if conflicts.record(session, local, server):
            out.conflicts += 1
    elif result.outcome is Outcome.REJECTED:
        reason = result.reason or "refused by the server"
        refused = prefetch.get(session, models.SyncRejectionRow, key)
        if refused is None:
            refused = models.SyncRejectionRow(record_id=key, kind=rec.kind.value)
            session.add(refused)
        refused.reason = reason
        refused.content = sent
        refused.at = records.now()
        out.rejected.append(Rejection(key, rec.kind.value, reason))


def forget_rejections(db: database.Database, record_ids: Sequence[str]) -> None:
    """Let these refused records go out again at the next push (what refused them is fixed)."""
    keys = list(record_ids)
    with db.write() as session:
        for start in range(0, len(keys), prefetch.CHUNK):
            chunk = keys[start : start + prefetch.CHUNK]
            session.execute(
                sa.delete(models.SyncRejectionRow).where(
                    models.SyncRejectionRow.record_id.in_(chunk)
                )
            )


def rejections(db: database.Database) -> list[Rejection]:
    """Records the server refused and that have not changed since."""
    with db.read() as session:
        rows = session.execute(sa.select(models.SyncRejectionRow)).scalars()
        return [Rejection(r.record_id, r.kind, r.reason) for r in rows]


def pending_count(db: database.Database) -> int:
    """How many edits wait to be pushed: dirty rows, an image's status counted once per hash.

    A COUNT over the label rows, and a look at the images marked dirty since the last sync
    (every edit marks its image, so the status itself is compared with the server's). Rows the
    server refused and nobody changed since, and rows held by an open conflict, wait for the
    user rather than for a push, so they are not counted. Cheap enough for every refresh of the
    status bar; close to what the next push collects (that one also drops a label changed
    back to what the server has).
    """
    a, i, r = models.AnnotationRow, models.ImageRow, models.ReviewActionRow
    c, rej = models.SyncConflictRow, models.SyncRejectionRow

    def waiting(model: Any) -> sa.ColumnElement[bool]:
        in_conflict = sa.exists().where(c.annotation_id == model.id, c.resolution.is_(None))
        refused = sa.exists().where(rej.record_id == model.id, rej.at >= model.updated_at)
        return sa.and_(model.dirty.is_(True), ~in_conflict, ~refused)

    def count(model: Any, *where: sa.ColumnElement[bool]) -> sa.ScalarSelect[int]:
        return sa.select(sa.func.count()).select_from(model).where(*where).scalar_subquery()

    has_sha = sa.exists().where(i.id == a.image_id, i.sha256.is_not(None))
    review_sha = sa.exists().where(i.id == r.image_id, i.sha256.is_not(None))
    # Made and deleted here before it ever left: nothing to tell the server.
    never_sent = sa.and_(a.revision.is_(None), a.deleted.is_(True))
    # As ``records.review_action``: approvals, rejections and comments go out; a plain status
    # change is said by the image's status record.
    reviews_sent = sa.or_(
        sa.and_(r.action == "status", r.to_status.in_(("approved", "rejected"))),
        sa.func.coalesce(r.comment, "") != "",
    )
    total = (
        count(a, waiting(a), has_sha, ~never_sent)
        + count(r, waiting(r), review_sha, reviews_sent)
        + count(models.LabelClassRow, waiting(models.LabelClassRow))
        + count(models.AttributeDefRow, waiting(models.AttributeDefRow))
    )
    with db.read() as session:
        return int(session.execute(sa.select(total)).scalar_one()) + _pending_statuses(session)


def _pending_statuses(session: orm.Session) -> int:
    """Image statuses to push: per hash, the first dirty image's status when it differs from
    the one agreed with the server (and is neither refused unchanged nor in a conflict)."""
    i = models.ImageRow
    first: dict[str, tuple[str, dt.datetime | None]] = {}
    for sha, status, revision, at in session.execute(
        sa.select(i.sha256, i.status, i.revision, sa.func.coalesce(i.status_at, i.updated_at))
        .where(i.dirty.is_(True), i.sha256.is_not(None))
        .order_by(i.root_order, i.sort_key)
    ).all():
        if sha in first or (revision is None and status == "new"):
            continue
        first[str(sha)] = (str(status), at)
    if not first:
        return 0
    keys = {str(protocol.image_status_id(sha)): sha for sha in first}
    agreed = prefetch.values(session, models.SyncShadowRow, keys, "content")
    refused = prefetch.values(session, models.SyncRejectionRow, keys, "at")
    c = models.SyncConflictRow
    held = prefetch.values(session, c, keys, "id", column=c.annotation_id, open_only=True)
    pending = 0
    for key, sha in keys.items():
        status, changed = first[sha]
        shadow = agreed.get(key)
        if shadow is not None and (shadow.get("data") or {}).get("status") == status:
            continue
        when = refused.get(key)
        if key in held or (when is not None and not _after(changed, when)):
            continue
        pending += 1
    return pending


def _after(changed: Any, refused_at: dt.datetime) -> bool:
    if not isinstance(changed, dt.datetime):
        return False
    if changed.tzinfo is None:
        changed = changed.replace(tzinfo=dt.UTC)
    if refused_at.tzinfo is None:
        refused_at = refused_at.replace(tzinfo=dt.UTC)
    return bool(changed > refused_at)
