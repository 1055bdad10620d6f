"""Push and pull: conflict checks, revisions, the change feed and its cursors, idempotency."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import uuid
from collections.abc import Sequence
from typing import Any

import orjson
import sqlalchemy as sa

from labeler.server import principal as principal_mod
from labeler.server.storage import db, errors, tables, validate
from labeler.server.storage import images as images_mod
from labeler.server.storage import rows as rows_mod
from labeler.sync.wire import fields, protocol

Kind = protocol.RecordKind
REJECTED = protocol.PushOutcome.REJECTED


class KeyReused(errors.Invalid):
    """The Idempotency-Key was already used for a different request."""


# --- cursors ---------------------------------------------------------------------------------


def encode_cursor(project: str, revision: int, epoch: str) -> str:
    raw = json.dumps({"p": project, "r": revision, "e": epoch}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[str, int, str]:
    """Raises errors.Invalid for anything that is not a cursor this service wrote."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value = json.loads(raw)
        project, revision, epoch = value["p"], value["r"], value["e"]
    except (binascii.Error, ValueError, TypeError, KeyError, UnicodeDecodeError):
        raise errors.Invalid("cursor is not one this service issued") from None
    if not (isinstance(project, str) and isinstance(revision, int) and isinstance(epoch, str)):
        raise errors.Invalid("cursor is not one this service issued")
    return project, revision, epoch


# --- pull ------------------------------------------------------------------------------------


def changes_json(engine: sa.Engine, project: str, cursor: str | None, limit: int) -> bytes:
    """One page of the feed after ``cursor`` (None: from the start, a full resync), as the
    JSON of a ``protocol.ChangePage``.

    The page is written straight from the rows: ``data`` is stored as JSON text and goes out
    as it is, without a round trip through the models (pulling is the hot path of sync).

    Raises:
        errors.NotFound: no such project.
        errors.Invalid: a malformed cursor or one of another project.
        errors.Gone: a cursor older than the retention horizon or of another epoch (410).
    """
    with db.read(engine) as conn:
        p = tables.projects
        proj = conn.execute(sa.select(p).where(p.c.name == project)).first()
        if proj is None:
            raise errors.NotFound(f"no project {project!r}")
        after = 0
        if cursor:
            c_project, after, epoch = decode_cursor(cursor)
            if c_project != project:
                raise errors.Invalid("cursor belongs to another project")
            if epoch != proj.epoch or after > proj.head:
                raise errors.Gone("cursor is from an earlier life of this project; resync")
            if after < proj.min_revision:
                raise errors.Gone(
                    f"cursor is older than the oldest change kept ({proj.min_revision}); resync"
                )
        t = tables.changes
        mine = sa.and_(t.c.project == project, t.c.revision > after)
        # Sizes first (the data is not materialised), then the rows that fit in one page.
        sizes = [
            (int(revision), int(size or 0))
            for revision, size in conn.execute(
                sa.select(t.c.revision, sa.func.length(t.c.data))
                .where(mine)
                .order_by(t.c.revision)
                .limit(limit + 1)
            )
        ]
        last_fitting, has_more = _fitting(sizes, limit)
        found = (
            conn.execute(
                sa.select(t).where(mine, t.c.revision <= last_fitting).order_by(t.c.revision)
            ).all()
            if last_fitting is not None
            else []
        )
    last = int(found[-1].revision) if found else after
    page = {
        "records": [_feed_record(r) for r in found],
        "next_cursor": encode_cursor(project, last, proj.epoch),
        "has_more": has_more,
    }
    try:
        return orjson.dumps(page)
    except orjson.JSONEncodeError:
        # An author stored by an older server with text JSON cannot carry: escaped here (the
        # data itself is stored escaped, see ``rows.dumps``).
        page["records"] = [_feed_record(r, fields.printable(r.author, 400)) for r in found]
        return orjson.dumps(page)


def _feed_record(r: sa.Row[Any], author: str | None = None) -> dict[str, Any]:
    return {
        "id": r.id,
        "kind": r.kind,
        "base_revision": r.base_revision,
        "deleted": bool(r.deleted),
        "updated_at": r.updated_at,
        "data": orjson.Fragment(r.data),
        "revision": r.revision,
        "author": r.author if author is None else author,
        "server_time": rows_mod.utc_text(r.server_time),
    }


#: What a record adds to a page besides its data (id, kind, times, author, punctuation).
_RECORD_OVERHEAD = 300


def _fitting(sizes: Sequence[tuple[int, int]], limit: int) -> tuple[int | None, bool]:
    """The last revision of a page of at most ``limit`` records and ``MAX_PAGE_BYTES`` (always
    one record, however large), and whether more follow it."""
    used = 0
    last: int | None = None
    for n, (revision, size) in enumerate(sizes):
        used += size + _RECORD_OVERHEAD
        if n == limit or (last is not None and used > protocol.MAX_PAGE_BYTES):
            return last, True
        last = revision
    return last, False


def compact(engine: sa.Engine, project: str, below: int) -> int:
    """Drop superseded versions older than revision ``below``; cursors before it get 410.

    Returns:
        The number of feed rows removed.
    """
    with db.write(engine) as conn:
        proj = rows_mod.lock_project(conn, project)
        below = min(below, int(proj.head))
        t, r = tables.changes, tables.records
        latest = sa.select(r.c.revision).where(r.c.project == project, r.c.id == t.c.id)
        done = conn.execute(
            sa.delete(t).where(
                t.c.project == project,
                t.c.revision < below,
                t.c.revision != latest.scalar_subquery(),
            )
        )
        p = tables.projects
        conn.execute(
            sa.update(p)
            .where(p.c.name == project)
            .values(
                min_revision=sa.func.max(p.c.min_revision, below)
                if conn.dialect.name == "sqlite"
                else sa.func.greatest(p.c.min_revision, below)
            )
        )
        return int(done.rowcount)


def expire_keys(engine: sa.Engine, before: Any) -> int:
    """Forget Idempotency-Keys first used before ``before`` (a datetime); returns how many.

    A client retries a batch within minutes, so keys need not be kept for long; without this
    the table grows with every push.
    """
    with db.write(engine) as conn:
        i = tables.idempotency
        return int(conn.execute(sa.delete(i).where(i.c.created_at < before)).rowcount)


# --- push ------------------------------------------------------------------------------------


def body_hash(project: str, body: bytes) -> str:
    return hashlib.sha256(project.encode() + b"\n" + body).hexdigest()


def push(
    engine: sa.Engine,
    project: str,
    caller: principal_mod.Principal,
    request: protocol.PushRequest,
    idempotency: tuple[str, str] | None = None,
) -> protocol.PushResponse:
    """Apply a batch in one transaction; one result per record (see ``push_json``)."""
    return protocol.PushResponse.model_validate_json(
        push_json(engine, project, caller, request, idempotency)
    )


def push_json(
    engine: sa.Engine,
    project: str,
    caller: principal_mod.Principal,
    request: protocol.PushRequest,
    idempotency: tuple[str, str] | None = None,
) -> bytes:
    """Apply a batch in one transaction; the answer as the JSON of a ``protocol.PushResponse``.

    The answer is written straight to JSON, not built as models first: a batch of 500 records
    answers 500 results, and pushing is the hot path of sync.

    Args:
        idempotency: (Idempotency-Key, hash of the request) when the client sent a key: a
            retry gets the stored answer, the same key with another request ``KeyReused``.
    """
    try:
        return _push(engine, project, caller, request, idempotency)
    except sa.exc.IntegrityError:
        # Two first sends of one key raced (on different projects); the winner's row is there.
        if idempotency is None:
            raise
        with db.read(engine) as conn:
            stored = _stored(conn, caller.scope, idempotency)
        if stored is None:
            raise
        return stored


def _stored(conn: sa.Connection, caller: str, idempotency: tuple[str, str]) -> bytes | None:
    key, digest = idempotency
    i = tables.idempotency
    row = conn.execute(
        sa.select(i.c.body_hash, i.c.response).where(i.c.caller == caller, i.c.key == key)
    ).first()
    if row is None:
        return None
    if row.body_hash != digest:
        raise KeyReused("this Idempotency-Key was used for a different request")
    return str(row.response).encode()


Result = dict[str, Any]


def _answer(results: list[Result], head: int) -> bytes:
    """The JSON of ``PushResponse(results=results, head=head)``."""
    page = {"results": results, "head": head}
    try:
        return orjson.dumps(page, default=_server_copy)
    except orjson.JSONEncodeError:
        # A reason quoting a lone surrogate from the request (or data past orjson's integers):
        # the standard library escapes what orjson refuses.
        return json.dumps(page, default=lambda m: m.model_dump(mode="json")).encode()


def _server_copy(value: Any) -> Any:
    if isinstance(value, protocol.ChangeRecord):
        return orjson.Fragment(value.model_dump_json())
    raise TypeError(type(value).__name__)


def _push(
    engine: sa.Engine,
    project: str,
    caller: principal_mod.Principal,
    request: protocol.PushRequest,
    idempotency: tuple[str, str] | None,
) -> bytes:
    # Checks that need no database run before the lock, so writers hold it for less time.
    parsed: list[protocol.RecordData | str] = []
    for record in request.records:
        try:
            parsed.append(validate.parse(record, caller.role))
        except validate.Rejected as exc:
            parsed.append(str(exc))
    keys = [str(r.id) for r in request.records]
    with db.write(engine) as conn:
        proj = rows_mod.lock_project(conn, project)
        if idempotency is not None:
            stored = _stored(conn, caller.scope, idempotency)
            if stored is not None:
                return stored
        have = rows_mod.current(conn, project, list(dict.fromkeys(keys)))
        state = validate.SchemaState.load(
            rows_mod.of_kind(conn, project, Kind.LABEL_CLASS),
            rows_mod.of_kind(conn, project, Kind.ATTRIBUTE_DEF),
        )
        on = {d.image_sha256 for d in parsed if isinstance(d, protocol.AnnotationData)}
        state.frames = images_mod.frames(conn, project, on)
        at = rows_mod.now()
        next_rev = int(proj.head)
        applied: list[rows_mod.Row] = []
        results: list[Result] = []
        schema_changed = False
        for key, record, data in zip(keys, request.records, parsed, strict=True):
            result, row, schema = _one(key, record, data, have, state, caller, at, next_rev + 1)
            results.append(result)
            if row is not None:
                next_rev += 1
                applied.append(row)
                have[key] = row
                schema_changed = schema_changed or schema
        head = rows_mod.append(conn, project, int(proj.head), applied)
        if schema_changed:
            _bump_schema(conn, project, caller.name, state, proj.tasks, at)
        answer = _answer(results, head)
        if idempotency is not None:
            conn.execute(
                sa.insert(tables.idempotency).values(
                    caller=caller.scope,
                    key=idempotency[0],
                    body_hash=idempotency[1],
                    status_code=200,
                    response=answer.decode(),
                    created_at=at,
                )
            )
        return answer


def _result(
    key: str,
    outcome: protocol.PushOutcome,
    revision: int | None = None,
    server: protocol.ChangeRecord | None = None,
    reason: str | None = None,
) -> Result:
    """One ``PushResult`` as JSON-ready values (fields in the model's order)."""
    return {
        "id": key,
        "outcome": outcome.value,
        "revision": revision,
        "server": server,
        "reason": reason,
    }


def _rejected(key: str, reason: str) -> tuple[Result, None, bool]:
    # A reason may quote what the caller sent: escaped, so the answer is valid UTF-8 JSON.
    return _result(key, REJECTED, reason=fields.printable(reason)), None, False


def _one(
    key: str,
    record: protocol.Record,
    parsed: protocol.RecordData | str,
    have: dict[str, rows_mod.Row],
    state: validate.SchemaState,
    caller: principal_mod.Principal,
    at: Any,
    revision: int,
) -> tuple[Result, rows_mod.Row | None, bool]:
    """The outcome of one record of a batch, and the row to write when it applies."""
    if isinstance(parsed, str):
        return _rejected(key, parsed)
    current = have.get(key)
    if current is not None and current.kind is not record.kind:
        return _rejected(key, f"record {key} is a {current.kind.value}, not a {record.kind.value}")
    if current is None and record.base_revision is not None:
        return _rejected(
            key, f"record {key} is not on the server; a new record has base_revision null"
        )
    if current is not None and record.base_revision != current.revision:
        copy = current.readable_change()
        if copy is None:  # stored by an older server in a form no client reads
            return _rejected(
                key,
                f"the server's copy of record {key} cannot be read by clients; whoever runs "
                "the service repairs it with labeler maintain",
            )
        conflict = _result(key, protocol.PushOutcome.CONFLICT, server=copy)
        return conflict, None, False
    try:
        data, schema = validate.check(record, parsed, state)
    except validate.Rejected as exc:
        return _rejected(key, str(exc))
    row = rows_mod.from_wire(record, data, caller.name, at, key)
    if len(row.data_text) > protocol.MAX_RECORD_BYTES:
        return _rejected(
            key,
            f"record {key} takes {len(row.data_text)} bytes as stored; the limit is "
            f"{protocol.MAX_RECORD_BYTES}",
        )
    row.revision = revision
    return _result(key, protocol.PushOutcome.APPLIED, revision=revision), row, schema


def _bump_schema(
    conn: sa.Connection,
    project: str,
    author: str,
    state: validate.SchemaState,
    tasks_json: str,
    at: Any,
) -> int:
    """Record a new schema version (after label_class or attribute_def records changed)."""
    p = tables.projects
    version = conn.execute(
        sa.update(p)
        .where(p.c.name == project)
        .values(schema_version=p.c.schema_version + 1, tasks=tasks_json)
        .returning(p.c.schema_version)
    ).scalar_one()
    snapshot = schema_snapshot(state, tasks_json, int(version))
    conn.execute(
        sa.insert(tables.schema_versions).values(
            project=project,
            version=version,
            schema=snapshot.model_dump_json(),
            author=author,
            created_at=at,
        )
    )
    return int(version)


def schema_snapshot(
    state: validate.SchemaState, tasks_json: str, version: int
) -> protocol.LabelSchema:
    classes = [
        protocol.LabelClass(id=uuid.UUID(k), **v.model_dump()) for k, v in state.classes.items()
    ]
    attributes = [
        protocol.AttributeDef(id=uuid.UUID(k), **v.model_dump())
        for k, v in state.attributes.items()
    ]
    return protocol.LabelSchema(
        classes=sorted(classes, key=lambda c: (c.order, c.name)),
        attributes=sorted(attributes, key=lambda a: (a.order, a.name)),
        tasks=protocol.TaskKinds.model_validate_json(tasks_json),
        version=version,
    )


def bump_schema(
    conn: sa.Connection, project: str, author: str, state: validate.SchemaState, tasks_json: str
) -> int:
    """Public form of the schema bump for the schema editor."""
    return _bump_schema(conn, project, author, state, tasks_json, rows_mod.now())
