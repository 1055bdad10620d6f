"""Projects, their label schema (versioned) and review actions."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from typing import Any

import sqlalchemy as sa

from labeler.domain import schema as schema_mod
from labeler.server.storage import db, errors, records, tables, validate
from labeler.server.storage import rows as rows_mod
from labeler.sync.wire import protocol

Kind = protocol.RecordKind


def _project(conn: sa.Connection, row: sa.Row[Any]) -> protocol.Project:
    i = tables.images
    count = conn.execute(
        sa.select(sa.func.count()).select_from(i).where(i.c.project == row.name)
    ).scalar_one()
    created = (
        row.created_at
        if row.created_at.tzinfo
        else row.created_at.replace(tzinfo=rows_mod.now().tzinfo)
    )
    return protocol.Project(
        name=row.name,
        title=row.title,
        created_at=created,
        head=row.head,
        schema_version=row.schema_version,
        images=count,
    )


def create(engine: sa.Engine, new: protocol.ProjectCreate, author: str) -> protocol.Project:
    """Raises errors.AlreadyExists when the name is taken."""
    with db.write(engine) as conn:
        p = tables.projects
        if conn.execute(sa.select(p.c.name).where(p.c.name == new.name)).first() is not None:
            raise errors.AlreadyExists(f"project {new.name!r} exists")
        conn.execute(
            sa.insert(p).values(
                name=new.name,
                title=new.title,
                created_at=rows_mod.now(),
                head=0,
                min_revision=0,
                epoch=uuid.uuid4().hex,
                schema_version=0,
                tasks=protocol.TaskKinds().model_dump_json(),
            )
        )
        row = conn.execute(sa.select(p).where(p.c.name == new.name)).one()
        return _project(conn, row)


def list_projects(engine: sa.Engine, only: Collection[str] | None) -> list[protocol.Project]:
    with db.read(engine) as conn:
        p = tables.projects
        q = sa.select(p).order_by(p.c.name)
        if only is not None:
            q = q.where(p.c.name.in_(list(only)))
        return [_project(conn, r) for r in conn.execute(q).all()]


def get(engine: sa.Engine, name: str) -> protocol.Project:
    with db.read(engine) as conn:
        p = tables.projects
        row = conn.execute(sa.select(p).where(p.c.name == name)).first()
        if row is None:
            raise errors.NotFound(f"no project {name!r}")
        return _project(conn, row)


def _state(conn: sa.Connection, name: str) -> validate.SchemaState:
    return validate.SchemaState.load(
        rows_mod.of_kind(conn, name, Kind.LABEL_CLASS),
        rows_mod.of_kind(conn, name, Kind.ATTRIBUTE_DEF),
    )


def get_schema(engine: sa.Engine, name: str) -> protocol.LabelSchema:
    with db.read(engine) as conn:
        p = tables.projects
        row = conn.execute(sa.select(p).where(p.c.name == name)).first()
        if row is None:
            raise errors.NotFound(f"no project {name!r}")
        return records.schema_snapshot(_state(conn, name), row.tasks, int(row.schema_version))


def _check_schema(update: protocol.SchemaUpdate) -> None:
    names: set[str] = set()
    hotkeys: set[str] = set()
    ids: set[uuid.UUID] = set()
    try:
        for c in update.classes:
            name = schema_mod.check_class_name(c.name).casefold()
            if name in names:
                raise schema_mod.SchemaError(f"class name {c.name!r} is used twice")
            if c.hotkey and c.hotkey.lower() in hotkeys:
                raise schema_mod.SchemaError(f"hotkey {c.hotkey!r} is used twice")
            if c.id in ids:
                raise schema_mod.SchemaError(f"class id {c.id} is used twice")
            names.add(name)
            ids.add(c.id)
            if c.hotkey:
                hotkeys.add(c.hotkey.lower())
        attr_names: set[str] = set()
        for a in update.attributes:
            if a.name.casefold() in attr_names or a.id in ids:
                raise schema_mod.SchemaError(f"attribute {a.name!r} is defined twice")
            if a.kind is schema_mod.AttributeKind.CHOICE and not a.choices:
                raise schema_mod.SchemaError(f"choice attribute {a.name!r} needs choices")
            attr_names.add(a.name.casefold())
            ids.add(a.id)
    except schema_mod.SchemaError as exc:
        raise errors.Invalid(str(exc)) from None


def put_schema(
    engine: sa.Engine, name: str, update: protocol.SchemaUpdate, author: str
) -> protocol.LabelSchema:
    """Replace the schema; classes and attributes change as records in the feed.

    Raises:
        errors.StaleSchema: ``update.base_version`` is not the current version (409).
        errors.Invalid: duplicate names, hotkeys or ids.
    """
    _check_schema(update)
    with db.write(engine) as conn:
        proj = rows_mod.lock_project(conn, name)
        if update.base_version != proj.schema_version:
            raise errors.StaleSchema(
                f"the schema changed (version {proj.schema_version}, edit based on "
                f"{update.base_version}); reload it and edit again"
            )
        state = _state(conn, name)
        have = {
            r.id: r
            for kind in (Kind.LABEL_CLASS, Kind.ATTRIBUTE_DEF)
            for r in rows_mod.of_kind(conn, name, kind)
        }
        at = rows_mod.now()
        new_rows: list[rows_mod.Row] = []
        for rid, kind, deleted, data in validate.schema_records(update, state):
            old = have.get(str(rid))
            if old is not None and old.kind is not kind:
                raise errors.Invalid(f"id {rid} belongs to a {old.kind.value} record")
            row = rows_mod.Row(
                id=str(rid),
                kind=kind,
                deleted=deleted,
                updated_at=at.isoformat(),
                data=data,
                author=author,
                server_time=at,
                base_revision=old.revision if old is not None else None,
            )
            new_rows.append(row)
        tasks_json = update.tasks.model_dump_json()
        rows_mod.append(conn, name, int(proj.head), new_rows)
        new_state = validate.SchemaState(
            classes={
                str(c.id): protocol.LabelClassData(**c.model_dump(exclude={"id"}))
                for c in update.classes
            },
            attributes={
                str(a.id): protocol.AttributeDefData(**a.model_dump(exclude={"id"}))
                for a in update.attributes
            },
        )
        version = records.bump_schema(conn, name, author, new_state, tasks_json)
        return records.schema_snapshot(new_state, tasks_json, version)


def review(
    engine: sa.Engine, name: str, sha256: str, request: protocol.ReviewRequest, author: str
) -> protocol.ReviewResponse:
    """Record a review action; approve and reject also set the image's status."""
    with db.write(engine) as conn:
        proj = rows_mod.lock_project(conn, name)
        i = tables.images
        known = conn.execute(
            sa.select(i.c.sha256).where(i.c.project == name, i.c.sha256 == sha256)
        ).first()
        if known is None:
            raise errors.NotFound(f"no image {sha256} in project {name!r}")
        at = rows_mod.now()
        data = protocol.ReviewActionData(
            image_sha256=sha256, action=request.action, comment=request.comment
        )
        new_rows = [
            rows_mod.Row(
                id=str(uuid.uuid4()),
                kind=Kind.REVIEW_ACTION,
                deleted=False,
                updated_at=at.isoformat(),
                data=data.model_dump(mode="json"),
                author=author,
                server_time=at,
            )
        ]
        if request.action is not protocol.ReviewKind.COMMENT:
            status_id = str(protocol.image_status_id(sha256))
            old = rows_mod.current(conn, name, [status_id]).get(status_id)
            status = "approved" if request.action is protocol.ReviewKind.APPROVE else "rejected"
            new_rows.append(
                rows_mod.Row(
                    id=status_id,
                    kind=Kind.IMAGE_STATUS,
                    deleted=False,
                    updated_at=at.isoformat(),
                    data={"image_sha256": sha256, "status": status},
                    author=author,
                    server_time=at,
                    base_revision=old.revision if old is not None else None,
                )
            )
        rows_mod.append(conn, name, int(proj.head), new_rows)
        changes = [r.change() for r in new_rows]
        return protocol.ReviewResponse(
            review=changes[0], status=changes[1] if len(changes) > 1 else None
        )
