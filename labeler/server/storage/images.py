"""The image manifest of a project, and its statistics."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from labeler.domain import status as status_mod
from labeler.server.storage import blobs as blobs_mod
from labeler.server.storage import db, errors, tables
from labeler.server.storage import rows as rows_mod
from labeler.sync.wire import protocol


def _exists(conn: sa.Connection, project: str) -> None:
    p = tables.projects
    if conn.execute(sa.select(p.c.name).where(p.c.name == project)).first() is None:
        raise errors.NotFound(f"no project {project!r}")


def upsert(
    engine: sa.Engine, project: str, batch: protocol.ImageBatch
) -> protocol.ImageBatchResult:
    """Add images to the manifest, or update their entries (same SHA-256)."""
    latest = {img.sha256: img for img in batch.images}
    with db.write(engine) as conn:
        rows_mod.lock_project(conn, project)
        i = tables.images
        shas = list(latest)
        known: set[str] = set()
        for start in range(0, len(shas), 500):
            q = sa.select(i.c.sha256).where(
                i.c.project == project, i.c.sha256.in_(shas[start : start + 500])
            )
            known.update(conn.execute(q).scalars())
        at = rows_mod.now()
        values = [
            {"project": project, "updated_at": at, **img.model_dump()} for img in latest.values()
        ]
        old = [v["sha256"] for v in values if v["sha256"] in known]
        for start in range(0, len(old), 500):
            conn.execute(
                sa.delete(i).where(i.c.project == project, i.c.sha256.in_(old[start : start + 500]))
            )
        conn.execute(sa.insert(i), values)
    return protocol.ImageBatchResult(added=len(values) - len(known), updated=len(known))


def page(
    engine: sa.Engine, project: str, blobs: blobs_mod.BlobStore, after: str | None, limit: int
) -> protocol.ImagePage:
    with db.read(engine) as conn:
        _exists(conn, project)
        i, o = tables.images, tables.project_blobs
        owned = sa.exists().where(o.c.project == project, o.c.sha256 == i.c.sha256).label("owned")
        q = sa.select(i, owned).where(i.c.project == project).order_by(i.c.sha256).limit(limit + 1)
        if after:
            q = q.where(i.c.sha256 > after)
        found = conn.execute(q).all()
    more = len(found) > limit
    found = found[:limit]
    images = [
        protocol.Image(
            sha256=r.sha256,
            rel_path=r.rel_path,
            width=r.width,
            height=r.height,
            orientation=r.orientation,
            format=r.format,
            bytes=r.bytes,
            # Only bytes sent to this project count, whatever other projects sent.
            blob_present=bool(r.owned) and blobs.exists(r.sha256),
        )
        for r in found
    ]
    return protocol.ImagePage(
        images=images, next_cursor=images[-1].sha256 if more else None, has_more=more
    )


def frames(conn: sa.Connection, project: str, shas: set[str]) -> dict[str, tuple[int, int]]:
    """(width, height) of each of ``shas`` the project's manifest has."""
    i = tables.images
    out: dict[str, tuple[int, int]] = {}
    wanted = sorted(shas)
    columns = (i.c.sha256, i.c.width, i.c.height)
    if conn.dialect.name == "postgresql" and wanted:
        # One array parameter, as in ``rows.current``: PostgreSQL plans 500 parameters slowly.
        param = sa.bindparam("shas", wanted, type_=postgresql.ARRAY(sa.String))
        q = sa.select(*columns).where(i.c.project == project, i.c.sha256 == sa.any_(param))
        return {sha: (int(w), int(h)) for sha, w, h in conn.execute(q)}
    for start in range(0, len(wanted), 500):
        q = sa.select(*columns).where(
            i.c.project == project, i.c.sha256.in_(wanted[start : start + 500])
        )
        out.update((sha, (int(w), int(h))) for sha, w, h in conn.execute(q))
    return out


def in_manifest(engine: sa.Engine, project: str, sha256: str) -> bool:
    """Raises errors.NotFound for an unknown project."""
    with db.read(engine) as conn:
        _exists(conn, project)
        i = tables.images
        q = sa.select(i.c.sha256).where(i.c.project == project, i.c.sha256 == sha256)
        return conn.execute(q).first() is not None


def owns(engine: sa.Engine, project: str, sha256: str) -> bool:
    """Whether the bytes of ``sha256`` were uploaded to ``project`` (or it had them before)."""
    o = tables.project_blobs
    with db.read(engine) as conn:
        q = sa.select(o.c.sha256).where(o.c.project == project, o.c.sha256 == sha256)
        return conn.execute(q).first() is not None


def owned(conn: sa.Connection, project: str) -> set[str]:
    """The hashes whose bytes ``project`` holds."""
    o = tables.project_blobs
    return set(conn.execute(sa.select(o.c.sha256).where(o.c.project == project)).scalars())


def grant(engine: sa.Engine, project: str, sha256: str) -> bool:
    """Record that ``project`` was sent the bytes of ``sha256``; False when it had them."""
    o = tables.project_blobs
    with db.write(engine) as conn:
        q = sa.select(o.c.sha256).where(o.c.project == project, o.c.sha256 == sha256)
        if conn.execute(q).first() is not None:
            return False
        conn.execute(sa.insert(o).values(project=project, sha256=sha256, created_at=rows_mod.now()))
        return True


def stats(engine: sa.Engine, project: str) -> protocol.Stats:
    """Images per status, annotations per class, and who contributed."""
    with db.read(engine) as conn:
        p, i, r, c = tables.projects, tables.images, tables.records, tables.changes
        proj = conn.execute(sa.select(p).where(p.c.name == project)).first()
        if proj is None:
            raise errors.NotFound(f"no project {project!r}")
        total = conn.execute(
            sa.select(sa.func.count()).select_from(i).where(i.c.project == project)
        ).scalar_one()
        live = sa.and_(r.c.project == project, sa.not_(r.c.deleted))
        by_status: dict[str, int] = dict(
            conn.execute(
                sa.select(r.c.status, sa.func.count())
                .where(live, r.c.kind == protocol.RecordKind.IMAGE_STATUS.value)
                .group_by(r.c.status)
            ).all()
        )
        per_class = conn.execute(
            sa.select(r.c.class_id, sa.func.count())
            .where(live, r.c.kind == protocol.RecordKind.ANNOTATION.value)
            .group_by(r.c.class_id)
        ).all()
        names = {
            row.id: rows_mod.from_db(row).data.get("name")
            for row in conn.execute(
                sa.select(r).where(live, r.c.kind == protocol.RecordKind.LABEL_CLASS.value)
            )
        }
        people = conn.execute(
            sa.select(c.c.author, sa.func.count(), sa.func.max(c.c.server_time))
            .where(c.c.project == project)
            .group_by(c.c.author)
            .order_by(sa.func.count().desc(), c.c.author)
        ).all()
    statuses = {s.value: int(by_status.get(s.value, 0)) for s in status_mod.ImageStatus}
    statuses["new"] += max(0, int(total) - sum(statuses.values()))
    return protocol.Stats(
        project=project,
        head=proj.head,
        images=total,
        images_by_status=statuses,
        annotations_by_class=[
            protocol.ClassCount(class_id=cid, name=names.get(cid), annotations=n)
            for cid, n in sorted(per_class, key=lambda x: (-x[1], str(x[0])))
        ],
        contributors=[
            protocol.Contributor(
                author=a,
                changes=n,
                last_change=t if t.tzinfo else t.replace(tzinfo=rows_mod.now().tzinfo),
            )
            for a, n, t in people
        ],
    )
