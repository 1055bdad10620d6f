"""Review actions on an image."""

from __future__ import annotations

import fastapi

from labeler.server import deps
from labeler.server.routes import docs
from labeler.server.storage import projects as store
from labeler.sync.wire import protocol

router = fastapi.APIRouter(tags=["review"])
Role = deps.Role


@router.post(
    "/projects/{project}/images/{sha256}/review",
    operation_id="reviewImage",
    summary="Approve, reject or comment on an image",
    description=(
        "Records a review action by the caller. Approve and reject also set the image's status "
        "(and need the reviewer role); anyone who may annotate may comment."
    ),
    response_model=protocol.ReviewResponse,
    responses={
        **docs.example(
            {
                "review": {
                    "id": "7c9e6679-7425-40de-944b-e07fc1f90ae7",
                    "kind": "review_action",
                    "base_revision": None,
                    "deleted": False,
                    "updated_at": "2026-11-27T04:00:01Z",
                    "data": {"image_sha256": docs.SHA, "action": "approve", "comment": ""},
                    "revision": 1202,
                    "author": "rev",
                    "server_time": "2026-11-27T04:00:01Z",
                },
                "status": {
                    "id": "0b7f4c1e-3c2a-4f7e-9d0e-6f1c2b3a4d5e",
                    "kind": "image_status",
                    "base_revision": 1190,
                    "deleted": False,
                    "updated_at": "2026-11-27T04:00:01Z",
                    "data": {"image_sha256": docs.SHA, "status": "approved"},
                    "revision": 1203,
                    "author": "rev",
                    "server_time": "2026-11-27T04:00:01Z",
                },
            }
        ),
        **docs.errors(404, 413),
    },
)
def review(
    project: docs.ProjectPath,
    sha256: docs.ShaPath,
    action: protocol.ReviewRequest,
    svc: deps.Service,
    who: deps.Caller,
) -> protocol.ReviewResponse:
    needed = Role.ANNOTATOR if action.action is protocol.ReviewKind.COMMENT else Role.REVIEWER
    deps.require(who, needed, project)
    return store.review(svc.engine, project, sha256, action, who.name)
