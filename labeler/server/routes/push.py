"""Pushing a batch of records."""

from __future__ import annotations

from typing import Annotated

import fastapi

from labeler.server import deps
from labeler.server.routes import docs
from labeler.server.storage import records as store
from labeler.sync.wire import protocol

router = fastapi.APIRouter(tags=["sync"])
Role = deps.Role


@router.post(
    "/projects/{project}/push",
    operation_id="pushRecords",
    summary="Push a batch of records",
    description=(
        "Applies a batch in one transaction and answers one result per record: ``applied`` "
        "(with the new revision), ``conflict`` (with the server's copy, when the record's "
        "``base_revision`` is not the server's current revision) or ``rejected`` (with the "
        "reason). The author is the caller. Send an ``Idempotency-Key`` chosen before the "
        "first attempt: a retry with it gets the first answer, the same key with another "
        "body 422. Needs the annotator role; approving, rejecting and schema records need "
        "the reviewer or admin role."
    ),
    response_model=protocol.PushResponse,
    responses={
        **docs.example(
            {
                "results": [
                    {
                        "id": "0b7f4c1e-3c2a-4f7e-9d0e-6f1c2b3a4d5e",
                        "outcome": "applied",
                        "revision": 1201,
                        "server": None,
                        "reason": None,
                    }
                ],
                "head": 1201,
            }
        ),
        **docs.errors(404, 413),
    },
)
def push(
    project: docs.ProjectPath,
    batch: protocol.PushRequest,
    svc: deps.Service,
    who: deps.Caller,
    idempotency_key: Annotated[
        str | None,
        fastapi.Header(
            alias="Idempotency-Key",
            min_length=1,
            max_length=200,
            pattern=r"^[\x21-\x7e]+$",
            description="Chosen by the client before the first attempt; the same on retries.",
        ),
    ] = None,
) -> fastapi.Response:
    deps.require(who, Role.ANNOTATOR, project)
    idem = None
    if idempotency_key is not None:
        # The parsed batch, re-serialized: whitespace or key order does not make a new request.
        idem = (idempotency_key, store.body_hash(project, batch.model_dump_json().encode()))
    answer = store.push_json(svc.engine, project, who, batch, idem)
    # Already the answer's JSON: skip FastAPI's validation and encoding of a model.
    return fastapi.Response(answer, media_type="application/json")
