"""Server-side export: a project's labels as a dataset, zipped."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Annotated

import fastapi
from fastapi import responses
from starlette import background

from labeler.domain import status as status_mod
from labeler.formats import base, registry
from labeler.formats import export as export_mod
from labeler.server import deps
from labeler.server.routes import docs
from labeler.server.storage import exporting

router = fastapi.APIRouter(tags=["export"])
Role = deps.Role

_FORMATS = "|".join(f.name for f in registry.writable())
_TASKS = "|".join(registry.ALL_TASKS)
_VOC = registry.get("voc").export_options[0]
_ZIP = {"application/zip": {"schema": {"type": "string", "format": "binary"}}}


def _names(text: str | None) -> list[str]:
    return [p.strip() for p in (text or "").split(",") if p.strip()]


@router.get(
    "/projects/{project}/export",
    operation_id="exportDataset",
    summary="Export the project as a dataset",
    description=(
        "Writes the project's finished images (done and approved unless ``statuses`` says "
        "otherwise) in a dataset format with reproducible, hash-based splits and a manifest, "
        "and answers it as a zip. With ``images=copy`` the zip holds the image files, written "
        "upright; that needs the bytes of every exported image on the server (409 if not). "
        "A process builds a bounded number of exports at once: past it the answer is 503 "
        "with Retry-After, and 429 with Retry-After for a second export of the same caller."
    ),
    response_class=responses.FileResponse,
    responses={
        200: {"content": _ZIP, "description": "The dataset, zipped."},
        **docs.errors(404, 409),
    },
)
def export_dataset(
    project: docs.ProjectPath,
    svc: deps.Service,
    who: deps.Caller,
    format: Annotated[
        str,
        fastapi.Query(pattern=f"^({_FORMATS})$", description="Dataset format.", examples=["coco"]),
    ],
    images: Annotated[
        str, fastapi.Query(pattern="^(none|copy)$", description="Include the image files.")
    ] = "none",
    task: Annotated[
        str | None,
        fastapi.Query(
            pattern=f"^({_TASKS})$",
            description="The format's task: "
            + "; ".join(f"{f.name}: {', '.join(f.tasks)}" for f in registry.FORMATS if f.tasks),
        ),
    ] = None,
    image_url_prefix: Annotated[
        str | None,
        fastapi.Query(
            max_length=1000,
            description="Azure ML: the URL the export's images/ folder will have "
            "(azureml://subscriptions/…/datastores/…/paths/…/, https://, wasbs://, abfss://).",
        ),
    ] = None,
    voc_coordinates: Annotated[
        str | None,
        fastapi.Query(pattern=f"^({'|'.join(_VOC.choices)})$", description=f"VOC: {_VOC.help}."),
    ] = None,
    classes: Annotated[
        str | None,
        fastapi.Query(max_length=1000, description="Comma-separated class names (default: all)."),
    ] = None,
    statuses: Annotated[
        str | None,
        fastapi.Query(
            pattern=r"^[a-z_]+(,[a-z_]+)*$",
            max_length=200,
            description="Comma-separated image statuses to export (default: done,approved).",
        ),
    ] = None,
    ratios: Annotated[
        str,
        fastapi.Query(
            pattern=r"^\d+(\.\d+)?(,\d+(\.\d+)?){0,2}$",
            max_length=100,
            description="Train, val, test shares.",
        ),
    ] = "0.8,0.1,0.1",
    seed: Annotated[int, fastapi.Query(ge=0, le=2**31)] = 0,
) -> responses.FileResponse:
    deps.require(who, Role.READER, project)
    with svc.exports.taken(who.scope):
        options = {"image_url_prefix": image_url_prefix, "voc_coordinates": voc_coordinates}
        return _export(project, svc, format, images, task, classes, statuses, ratios, seed, options)


def _export(
    project: str,
    svc: deps.ServiceState,
    format: str,
    images: str,
    task: str | None,
    classes: str | None,
    statuses: str | None,
    ratios: str,
    seed: int,
    format_options: dict[str, str | None],
) -> responses.FileResponse:
    data = exporting.load(svc.engine, project, svc.blobs)
    try:
        wanted = (
            frozenset(status_mod.parse_status(s) for s in _names(statuses))
            if statuses
            else status_mod.FINISHED
        )
    except ValueError as exc:
        raise fastapi.HTTPException(422, str(exc)) from None
    mode = base.ImageMode(images)
    if mode is base.ImageMode.COPY:
        lacking = [
            s.image.rel_path
            for s in data.samples
            if s.image.status in wanted and s.image.sha256 in data.missing_bytes
        ]
        if lacking:
            raise fastapi.HTTPException(
                409,
                f"the server lacks the bytes of {len(lacking)} exported images "
                f"(first: {lacking[0]}); upload them or export with images=none",
            )
    options = export_mod.ExportOptions(
        ratios=tuple(float(r) for r in ratios.split(",")),
        seed=seed,
        statuses=wanted,
        classes=tuple(_names(classes)) or None,
        images=mode,
        task=task,
        format_options={k: v for k, v in format_options.items() if v is not None},
        project_name=project,
        data_revision=data.head,
    )
    work = Path(tempfile.mkdtemp(prefix="labeler-export-"))
    try:
        export_mod.export_dataset(
            data.samples,
            format=format,
            out=work / "dataset",
            options=options,
            project_classes=data.classes,
        )
        archive = shutil.make_archive(str(work / "export"), "zip", root_dir=work / "dataset")
    except (registry.FormatUnavailable, export_mod.ExportError, ValueError) as exc:
        shutil.rmtree(work, ignore_errors=True)
        raise fastapi.HTTPException(422, str(exc)) from None
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return responses.FileResponse(
        archive,
        media_type="application/zip",
        filename=f"{project}-{format}-r{data.head}.zip",
        background=background.BackgroundTask(shutil.rmtree, work, ignore_errors=True),
    )
