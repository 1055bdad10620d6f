"""The label schema of a project (versioned)."""

from __future__ import annotations

import fastapi

from labeler.server import deps
from labeler.server.routes import docs
from labeler.server.storage import projects as store
from labeler.sync.wire import protocol

router = fastapi.APIRouter(tags=["schema"])
Role = deps.Role

SCHEMA_EXAMPLE = {
    "classes": [
        {
            "id": "3d0f4a8e-1b2c-4d5e-8f9a-0b1c2d3e4f5a",
            "name": "stop sign",
            "color": "#e6194b",
            "hotkey": "1",
            "order": 0,
        }
    ],
    "attributes": [
        {
            "id": "5a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
            "name": "faded",
            "kind": "bool",
            "choices": [],
            "default": False,
            "order": 0,
        }
    ],
    "tasks": {"tags": "none", "shapes": ["box"]},
    "version": 3,
}


@router.get(
    "/projects/{project}/schema",
    operation_id="getSchema",
    summary="Get the label schema",
    description="Classes (with stable ids), attribute definitions, task kinds and the version.",
    response_model=protocol.LabelSchema,
    responses={**docs.example(SCHEMA_EXAMPLE), **docs.errors(404)},
)
def get_schema(
    project: docs.ProjectPath, svc: deps.Service, who: deps.Caller
) -> protocol.LabelSchema:
    deps.require(who, Role.READER, project)
    return store.get_schema(svc.engine, project)


@router.put(
    "/projects/{project}/schema",
    operation_id="putSchema",
    summary="Replace the label schema",
    description=(
        "Replaces the schema edited from ``base_version``; answers 409 when someone changed it "
        "since. Each class or attribute added, changed or removed becomes a record in the change "
        "feed. Needs the admin role."
    ),
    response_model=protocol.LabelSchema,
    responses={**docs.example(SCHEMA_EXAMPLE), **docs.errors(404, 409, 413)},
)
def put_schema(
    project: docs.ProjectPath,
    update: protocol.SchemaUpdate,
    svc: deps.Service,
    who: deps.Caller,
) -> protocol.LabelSchema:
    deps.require(who, Role.ADMIN, project)
    return store.put_schema(svc.engine, project, update, who.name)
