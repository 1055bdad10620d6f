"""The image manifest of a project."""

from __future__ import annotations

from typing import Annotated

import fastapi

from labeler.server import deps
from labeler.server.routes import docs
from labeler.server.storage import images as store
from labeler.sync.wire import protocol

router = fastapi.APIRouter(tags=["images"])
Role = deps.Role

IMAGE_EXAMPLE = {
    "sha256": docs.SHA,
    "rel_path": "batch1/IMG_0001.jpg",
    "width": 1920,
    "height": 1080,
    "orientation": 1,
    "format": "JPEG",
    "bytes": 612345,
}


@router.get(
    "/projects/{project}/images",
    operation_id="listImages",
    summary="List the image manifest",
    description="Images by SHA-256, a page at a time; pass ``next_cursor`` as ``after``.",
    response_model=protocol.ImagePage,
    responses={
        **docs.example(
            {
                "images": [{**IMAGE_EXAMPLE, "blob_present": True}],
                "next_cursor": None,
                "has_more": False,
            }
        ),
        **docs.errors(404),
    },
)
def list_images(
    project: docs.ProjectPath,
    svc: deps.Service,
    who: deps.Caller,
    after: Annotated[
        str | None,
        fastapi.Query(pattern=r"^[0-9a-f]{64}$", description="Last SHA-256 of the previous page."),
    ] = None,
    limit: Annotated[int, fastapi.Query(ge=1, le=protocol.MAX_PAGE)] = protocol.DEFAULT_PAGE,
) -> protocol.ImagePage:
    deps.require(who, Role.READER, project)
    return store.page(svc.engine, project, svc.blobs, after, limit)


@router.post(
    "/projects/{project}/images",
    operation_id="upsertImages",
    summary="Add or update images",
    description=(
        "Adds images to the manifest (or updates the entries with the same SHA-256). "
        "Width and height are in the displayed, EXIF-corrected frame. Needs the annotator role."
    ),
    response_model=protocol.ImageBatchResult,
    responses={**docs.example({"added": 1, "updated": 0}), **docs.errors(404, 413)},
    openapi_extra={
        "requestBody": {"content": {"application/json": {"example": {"images": [IMAGE_EXAMPLE]}}}}
    },
)
def upsert_images(
    project: docs.ProjectPath,
    batch: protocol.ImageBatch,
    svc: deps.Service,
    who: deps.Caller,
) -> protocol.ImageBatchResult:
    deps.require(who, Role.ANNOTATOR, project)
    return store.upsert(svc.engine, project, batch)
