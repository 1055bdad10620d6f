"""Records as an older server stored them, unchecked: written straight into a service's tables."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa

from labeler.server.storage import db, rows, tables
from labeler.sync.wire import protocol


def box_data(sha256: str, class_id: str | None, **changes: Any) -> dict[str, Any]:
    data = {
        "image_sha256": sha256,
        "class_id": class_id,
        "kind": "box",
        "geometry": {"x": 1.0, "y": 2.0, "w": 3.0, "h": 4.0},
        "attributes": {},
    }
    data.update(changes)
    return data


def write(
    db_url: str,
    project: str,
    data: dict[str, Any],
    *,
    record_id: str | None = None,
    base: int | None = None,
    author: str = "mallory",
    kind: protocol.RecordKind = protocol.RecordKind.ANNOTATION,
) -> tuple[str, int]:
    """Append one version of a record as a server before the strict wire model would have
    (no checks), and mark the project's feed unchecked from there. Returns (id, revision)."""
    engine = db.create_engine(db_url)
    try:
        with db.write(engine) as conn:
            proj = rows.lock_project(conn, project)
            at = rows.now()
            row = rows.Row(
                id=record_id or str(uuid.uuid4()),
                kind=kind,
                deleted=False,
                updated_at=at.isoformat(),
                data=data,
                author=author,
                server_time=at,
                base_revision=base,
            )
            head = rows.append(conn, project, int(proj.head), [row])
            p = tables.projects
            checked = min(int(proj.checked_revision), head - 1)
            conn.execute(sa.update(p).where(p.c.name == project).values(checked_revision=checked))
            return row.id, head
    finally:
        engine.dispose()
