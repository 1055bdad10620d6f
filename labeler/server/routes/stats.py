"""Progress figures of a project."""

from __future__ import annotations

import fastapi

from labeler.server import deps
from labeler.server.routes import docs
from labeler.server.storage import images as store
from labeler.sync.wire import protocol

router = fastapi.APIRouter(tags=["stats"])
Role = deps.Role


@router.get(
    "/projects/{project}/stats",
    operation_id="getStats",
    summary="Project progress",
    description=(
        "Images per status (images without a status record count as new), annotations per "
        "class, and the people who contributed changes."
    ),
    response_model=protocol.Stats,
    responses={
        **docs.example(
            {
                "project": "street-signs",
                "head": 1200,
                "images": 5000,
                "images_by_status": {
                    "new": 4000, "in_progress": 10, "done": 900, "skipped": 5,
                    "needs_review": 50, "approved": 30, "rejected": 5,
                },
                "annotations_by_class": [
                    {"class_id": "3d0f4a8e-1b2c-4d5e-8f9a-0b1c2d3e4f5a", "name": "stop sign",
                     "annotations": 1800}
                ],
                "contributors": [
                    {"author": "ana", "changes": 1100, "last_change": "2026-11-27T04:00:01Z"}
                ],
            }
        ),
        **docs.errors(404),
    },
)  # fmt: skip
def get_stats(project: docs.ProjectPath, svc: deps.Service, who: deps.Caller) -> protocol.Stats:
    deps.require(who, Role.READER, project)
    return store.stats(svc.engine, project)
