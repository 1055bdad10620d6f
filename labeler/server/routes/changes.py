"""The change feed of a project."""

from __future__ import annotations

from typing import Annotated, Literal

import fastapi

from labeler.server import deps
from labeler.server.routes import docs
from labeler.server.storage import errors as storage_errors
from labeler.server.storage import records as store
from labeler.sync.wire import protocol

router = fastapi.APIRouter(tags=["sync"])
Role = deps.Role


@router.get(
    "/projects/{project}/changes",
    operation_id="listChanges",
    summary="Read the change feed",
    description=(
        "Records in the server's gap-free order, tombstones included, a page at a time. Start "
        "without a cursor (a full sync), then pass ``next_cursor`` back. A cursor the server "
        "can no longer serve answers 410: start again without one, or pass "
        "``on_stale_cursor=restart`` to be answered from the start instead (what a polling "
        "trigger wants after a long idle time). A page holds at most ``limit`` records and "
        f"stops before their data passes {protocol.MAX_PAGE_BYTES} bytes (it always holds one)."
    ),
    response_model=protocol.ChangePage,
    responses={
        **docs.example(
            {
                "records": [
                    {
                        "id": "0b7f4c1e-3c2a-4f7e-9d0e-6f1c2b3a4d5e",
                        "kind": "image_status",
                        "base_revision": None,
                        "deleted": False,
                        "updated_at": "2026-11-27T04:00:00Z",
                        "data": {"image_sha256": docs.SHA, "status": "done"},
                        "revision": 1,
                        "author": "ana",
                        "server_time": "2026-11-27T04:00:01Z",
                    }
                ],
                "next_cursor": "eyJwIjoic3RyZWV0LXNpZ25zIiwiciI6MSwiZSI6ImFiIn0",
                "has_more": False,
            }
        ),
        **docs.errors(404, 410),
    },
)
def list_changes(
    project: docs.ProjectPath,
    svc: deps.Service,
    who: deps.Caller,
    cursor: Annotated[
        str | None, fastapi.Query(max_length=1000, description="From a previous page.")
    ] = None,
    limit: Annotated[int, fastapi.Query(ge=1, le=protocol.MAX_PAGE)] = protocol.DEFAULT_PAGE,
    on_stale_cursor: Annotated[
        Literal["fail", "restart"],
        fastapi.Query(
            description="``fail`` (410, the default) or ``restart`` (from the start) when the "
            "cursor is too old to serve."
        ),
    ] = "fail",
) -> fastapi.Response:
    deps.require(who, Role.READER, project)
    # Written straight from the rows; the response model above documents the shape.
    try:
        body = store.changes_json(svc.engine, project, cursor, limit)
    except storage_errors.Gone:
        if on_stale_cursor != "restart":
            raise
        body = store.changes_json(svc.engine, project, None, limit)
    return fastapi.Response(body, media_type="application/json")
