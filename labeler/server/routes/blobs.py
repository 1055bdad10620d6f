"""Image bytes, addressed by their SHA-256."""

from __future__ import annotations

import fastapi
from fastapi import responses

from labeler.server import deps
from labeler.server.routes import docs
from labeler.server.storage import blobs as blobs_mod
from labeler.server.storage import images as images_store
from labeler.sync.wire import protocol

router = fastapi.APIRouter(tags=["blobs"])
Role = deps.Role
_OCTETS = {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}


def _known(svc: deps.ServiceState, project: str, sha256: str) -> None:
    if not images_store.in_manifest(svc.engine, project, sha256):
        raise fastapi.HTTPException(404, f"no image {sha256} in project {project!r}")


def _held(svc: deps.ServiceState, project: str, sha256: str) -> int:
    """The size of bytes this project holds; 404 alike whether another project has them or
    nobody does, so a hash from an export's manifest tells nothing about other projects."""
    _known(svc, project, sha256)
    size = svc.blobs.size(sha256) if images_store.owns(svc.engine, project, sha256) else None
    if size is None:
        raise fastapi.HTTPException(
            404, f"project {project!r} does not have the bytes of {sha256}; upload them"
        )
    return size


@router.put(
    "/projects/{project}/blobs/{sha256}",
    operation_id="uploadImage",
    summary="Upload an image's bytes",
    description=(
        "Stores the bytes of an image of the manifest. The server checks they have the "
        "SHA-256 of the path (422 if not) and the size limit (413). A project reads only bytes "
        "uploaded to it, even when another project sent the same. Needs the annotator role."
    ),
    response_model=protocol.BlobStored,
    responses={
        **docs.example({"sha256": docs.SHA, "bytes": 612345, "created": True}),
        **docs.errors(404, 413),
    },
    openapi_extra={"requestBody": {"required": True, "content": _OCTETS}},
)
async def upload(
    project: docs.ProjectPath,
    sha256: docs.ShaPath,
    request: fastapi.Request,
    svc: deps.Service,
    who: deps.Caller,
) -> protocol.BlobStored:
    deps.require(who, Role.ANNOTATOR, project)
    await fastapi.concurrency.run_in_threadpool(_known, svc, project, sha256)
    writer = svc.blobs.writer(sha256, svc.settings.max_blob_bytes)
    try:
        async for chunk in request.stream():
            writer.write(chunk)
        writer.finish()
    except blobs_mod.TooLarge as exc:
        writer.abort()
        raise fastapi.HTTPException(413, str(exc)) from None
    except blobs_mod.HashMismatch as exc:
        writer.abort()
        raise fastapi.HTTPException(422, str(exc)) from None
    except BaseException:
        writer.abort()
        raise
    # The bytes are proven (hashed as they arrived): this project may read them from now on.
    created = await fastapi.concurrency.run_in_threadpool(
        images_store.grant, svc.engine, project, sha256
    )
    return protocol.BlobStored(sha256=sha256, bytes=writer.size, created=created)


@router.get(
    "/projects/{project}/blobs/{sha256}",
    operation_id="downloadImage",
    summary="Download an image's bytes",
    description="The bytes of an image of the manifest, as uploaded.",
    response_class=responses.FileResponse,
    responses={200: {"content": _OCTETS, "description": "The image's bytes."}, **docs.errors(404)},
)
def download(
    project: docs.ProjectPath, sha256: docs.ShaPath, svc: deps.Service, who: deps.Caller
) -> responses.FileResponse:
    deps.require(who, Role.READER, project)
    _held(svc, project, sha256)
    return responses.FileResponse(svc.blobs.path(sha256), media_type="application/octet-stream")


@router.head(
    "/projects/{project}/blobs/{sha256}",
    operation_id="checkImage",
    summary="Does the server have an image's bytes",
    description="200 with Content-Length when this project holds them, 404 when it does not.",
    responses={
        200: {"description": "The server has the bytes.", "content": _OCTETS},
        **docs.errors(404),
    },
)
def check(
    project: docs.ProjectPath, sha256: docs.ShaPath, svc: deps.Service, who: deps.Caller
) -> fastapi.Response:
    deps.require(who, Role.READER, project)
    size = _held(svc, project, sha256)
    return fastapi.Response(
        status_code=200,
        headers={"Content-Length": str(size), "Content-Type": "application/octet-stream"},
    )
