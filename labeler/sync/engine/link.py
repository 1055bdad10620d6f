"""Linking a project to a server project: publish it (the server has no such project) or join.

Publishing creates the project, puts the schema and upserts the image manifest (keyed by
SHA-256); the annotations, statuses and review actions follow in the first push. Joining matches
local classes to the server's by id, then by name (a local class is re-keyed to the server's
id), and local images by hash; server images missing here are listed.
"""

from __future__ import annotations

import dataclasses
import functools
import uuid
from collections.abc import Collection, Sequence

import sqlalchemy as sa
from sqlalchemy import orm

from labeler.domain import schema as schema_mod
from labeler.store import annotations as store_annotations
from labeler.store import database, models, work
from labeler.store import schema as store_schema
from labeler.sync.engine import blobs, outbox, records
from labeler.sync.wire import client as client_mod
from labeler.sync.wire import errors as sync_errors
from labeler.sync.wire import protocol, retry


@dataclasses.dataclass(frozen=True, slots=True)
class LinkResult:
    published: bool
    remote_project: str
    images_sent: int
    classes_matched: int
    missing_here: tuple[str, ...]  # rel paths of server images this workstation lacks
    missing: tuple[blobs.Wanted, ...] = ()  # the same, with their hashes (to download them)
    upload: blobs.UploadResult | None = None  # image bytes sent, when asked for
    download: blobs.DownloadResult | None = None  # images fetched, when the server had them
    images_dir: str | None = None  # where fetched images went


def current(db: database.Database) -> models.SyncLinkRow | None:
    with db.read() as session:
        return session.execute(sa.select(models.SyncLinkRow)).scalar_one_or_none()


def _manifest(session: orm.Session, only: Collection[str] | None = None) -> list[protocol.ImageIn]:
    i = models.ImageRow
    out: dict[str, protocol.ImageIn] = {}
    q = sa.select(i).where(i.sha256.is_not(None), i.width.is_not(None), i.height.is_not(None))
    if only is not None:
        q = q.where(i.sha256.in_(sorted(only)))
    rows = session.execute(q.order_by(i.root_order, i.sort_key)).scalars()
    for img in rows:
        assert img.sha256 is not None and img.width and img.height
        out.setdefault(
            img.sha256,
            protocol.ImageIn(
                sha256=img.sha256, rel_path=img.rel_path, width=img.width, height=img.height,
                orientation=img.orientation if 1 <= img.orientation <= 8 else 1,
                format=img.format, bytes=img.bytes,
            ),
        )  # fmt: skip
    return list(out.values())


def _local_schema(session: orm.Session, base_version: int) -> protocol.SchemaUpdate:
    c, a = models.LabelClassRow, models.AttributeDefRow
    meta = session.execute(sa.select(models.ProjectMeta)).scalar_one()
    classes = session.execute(sa.select(c).where(c.deleted.is_(False))).scalars()
    attrs = session.execute(sa.select(a).where(a.deleted.is_(False))).scalars()
    return protocol.SchemaUpdate(
        base_version=base_version,
        classes=[
            protocol.LabelClass(
                id=uuid.UUID(x.id), name=x.name, color=x.color, hotkey=x.hotkey, order=x.sort_order
            )
            for x in classes
        ],
        attributes=[
            protocol.AttributeDef(
                id=uuid.UUID(x.id),
                name=x.name,
                kind=schema_mod.AttributeKind(x.kind),
                choices=list(x.choices or []),
                default=x.default,
                order=x.sort_order,
            )
            for x in attrs
        ],
        tasks=protocol.TaskKinds.model_validate(meta.label_kinds),
    )


def _send_manifest(
    client: client_mod.SyncClient, retrier: retry.Retrier, project: str,
    images: list[protocol.ImageIn],
) -> int:  # fmt: skip
    for start in range(0, len(images), protocol.MAX_PUSH_RECORDS):
        chunk = images[start : start + protocol.MAX_PUSH_RECORDS]
        retrier.call(functools.partial(client.upsert_images, project, chunk))
    return len(images)


def send_missing_images(
    db: database.Database,
    client: client_mod.SyncClient,
    retrier: retry.Retrier,
    project: str,
    rejected: Sequence[outbox.Rejection],
) -> bool:
    """Add to the server's manifest the images of labels it refused for lacking them (images
    added here after the project was linked), and clear those refusals so the labels go again.

    Returns:
        Whether any image was sent (then push again).
    """
    waiting = {r.record_id: protocol.missing_image(r.reason) for r in rejected}
    shas = {sha for sha in waiting.values() if sha is not None}
    if not shas:
        return False
    with db.read() as session:
        images = _manifest(session, shas)
    if not images:
        return False
    try:
        _send_manifest(client, retrier, project, images)
    except sync_errors.ApiError:
        return False  # a reader may not add images (nor push labels)
    sent = {img.sha256 for img in images}
    outbox.forget_rejections(db, [rid for rid, sha in waiting.items() if sha in sent])
    return True


def _store_link(db: database.Database, url: str, project: str, schema_version: int) -> None:
    with db.write() as session:
        existing = session.execute(sa.select(models.SyncLinkRow)).scalar_one_or_none()
        if existing is not None:  # linked again to the same place: keep the cursor
            existing.schema_version = schema_version
            return
        session.add(
            models.SyncLinkRow(
                id=1, remote_url=url, remote_project=project, cursor=None,
                schema_version=schema_version, linked_at=records.now(), last_sync_at=None,
            )
        )  # fmt: skip


def link(
    db: database.Database, client: client_mod.SyncClient, retrier: retry.Retrier, url: str,
    project: str,
) -> LinkResult:  # fmt: skip
    """Publish or join ``project`` on the service; ``retrier`` runs each request.

    Raises:
        sync_errors.SyncError: the project is linked to another server or project already.
    """
    existing = current(db)
    if existing is not None and (existing.remote_url, existing.remote_project) != (url, project):
        raise sync_errors.SyncError(
            f"{db.path} is linked to {existing.remote_project} on {existing.remote_url} "
            "already; its revisions belong to that server (make a copy to link elsewhere)"
        )
    names = {p.name for p in retrier.call(client.list_projects)}
    with db.read() as session:
        images = _manifest(session)
    if project not in names:
        retrier.call(lambda: client.create_project(project))
        with db.read() as session:
            update = _local_schema(session, 0)
        schema = retrier.call(lambda: client.put_schema(project, update))
        sent = _send_manifest(client, retrier, project, images)
        _store_link(db, url, project, schema.version)
        return LinkResult(True, project, sent, len(update.classes), ())
    remote = retrier.call(lambda: client.get_schema(project))
    matched = _join_schema(db, remote)
    on_server = blobs.server_images(client, retrier, project)
    local_shas = {img.sha256 for img in images}
    extra = [img for img in images if img.sha256 not in on_server]
    sent = 0
    if extra:
        try:
            sent = _send_manifest(client, retrier, project, extra)
        except sync_errors.ApiError:
            sent = 0  # a reader may not add images; their labels still sync by hash
    missing = sorted(
        (
            blobs.Wanted(sha, img.rel_path, img.blob_present)
            for sha, img in on_server.items()
            if sha not in local_shas
        ),
        key=lambda w: w.rel_path,
    )
    _store_link(db, url, project, remote.version)
    return LinkResult(
        False, project, sent, matched, tuple(w.rel_path for w in missing), tuple(missing)
    )


def _join_schema(db: database.Database, remote: protocol.LabelSchema) -> int:
    """Re-key local classes that match a server class by name; take the server's tasks.

    Returns:
        How many local classes matched a server class (by id or by name).
    """
    c = models.LabelClassRow
    matched = 0
    with work.unit_of_work(db) as (session, _):
        local = list(session.execute(sa.select(c).where(c.deleted.is_(False))).scalars())
        by_id = {str(k.id): k for k in remote.classes}
        by_name = {k.name.casefold(): k for k in remote.classes}
        for row in local:
            if row.id in by_id:
                matched += 1
                continue
            theirs = by_name.get(row.name.casefold())
            if theirs is None:
                continue
            matched += 1
            new_id = str(theirs.id)
            if session.get(c, new_id) is None:
                # The team's class under its own id, not pushed back (the server has it).
                store_schema.add_class(
                    session, class_id=new_id, name=theirs.name, color=theirs.color,
                    hotkey=theirs.hotkey, sort_order=theirs.order, author=row.author,
                    at=row.updated_at, created_at=row.created_at, dirty=False,
                )  # fmt: skip
                session.flush()
            store_annotations.rekey_class(session, row.id, new_id)
            # Never on the server under its local id: a tombstone nobody needs to hear about.
            store_schema.retire_class(session, row, None)
        store_schema.set_tasks(
            session, schema_mod.TaskKinds.from_json(remote.tasks.model_dump(mode="json"))
        )
    return matched
