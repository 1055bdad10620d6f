"""A representative FastAPI app for the converter and the connector: pydantic models, nullable
fields, enums, nested models, lists, path+query+header parameters, bodies, several answers, and a
change feed with a cursor (the shape the sync service's feed has)."""

from __future__ import annotations

import enum
from typing import Annotated, Literal

import fastapi
import pydantic


class Status(enum.StrEnum):
    NEW = "new"
    DONE = "done"
    APPROVED = "approved"


class Box(pydantic.BaseModel):
    kind: Literal["box"] = "box"
    x: float = pydantic.Field(ge=0, description="Left edge, pixels")
    y: float = pydantic.Field(gt=-1)
    corners: tuple[float, float] | None = None


class Annotation(pydantic.BaseModel):
    id: str = pydantic.Field(examples=["3f1c…"])
    label: str
    shape: Box
    attributes: dict[str, str] = {}
    note: str | None = None


class Image(pydantic.BaseModel):
    """An image with its labels."""

    id: str
    status: Status
    annotations: list[Annotation]
    reviewer: str | None = pydantic.Field(default=None, description="Who reviewed it")
    revision: int | None = None


class Change(pydantic.BaseModel):
    kind: Literal["image", "annotation"]
    id: str
    status: Status | None = None
    author: str


class ChangePage(pydantic.BaseModel):
    changes: list[Change]
    next_cursor: str = pydantic.Field(description="Pass back as cursor to continue")
    has_more: bool


class Problem(pydantic.BaseModel):
    detail: str


def make_app() -> fastapi.FastAPI:
    app = fastapi.FastAPI(title="labeler sync (sample)", version="1.2.0")

    @app.get("/v1/health", operation_id="health")
    def health() -> dict[str, bool]:
        return {"ok": True}

    @app.get(
        "/v1/projects/{project}/images/{image_id}",
        summary="Get an image",
        responses={404: {"model": Problem, "description": "No such image"}},
        tags=["images"],
    )
    def get_image(
        project: str,
        image_id: str,
        include: Annotated[list[str] | None, fastapi.Query()] = None,
        if_none_match: Annotated[str | None, fastapi.Header()] = None,
    ) -> Image:
        raise fastapi.HTTPException(404)

    @app.put(
        "/v1/projects/{project}/images/{image_id}",
        responses={409: {"model": Image, "description": "Conflict: the server's copy"}},
    )
    def put_image(project: str, image_id: str, image: Image, status: Status | None = None) -> Image:
        return image

    @app.get("/v1/projects/{project}/changes", summary="Change feed")
    def changes(
        project: str,
        cursor: str | None = None,
        limit: Annotated[int, fastapi.Query(ge=1, le=1000)] = 100,
    ) -> ChangePage:
        return ChangePage(changes=[], next_cursor="c0", has_more=False)

    @app.delete("/v1/projects/{project}", status_code=204, deprecated=True)
    def delete_project(project: str, x_confirm: Annotated[bool, fastapi.Header()]) -> None:
        return None

    return app
