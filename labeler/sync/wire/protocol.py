"""The sync wire protocol: every body the client sends and the server answers.

The server (``labeler.server``) and the client (``labeler.sync.wire.client``) both use these models,
so the two cannot drift. Numbers are bounded and strings are checked here so that nothing a
client sends can reach the database in a form it refuses (that would be a 5xx, not a 4xx).
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import Annotated, Any, Literal

import pydantic
from pydantic import Field

from labeler.domain import geometry as geo
from labeler.domain import kinds
from labeler.domain import schema as schema_mod
from labeler.domain import status as status_mod

#: Path prefix of this protocol version.
API_PREFIX = "/v1"

#: Largest revision, count or size the protocol carries (fits a signed 64-bit column).
MAX_INT = 2**62

#: Records one push may carry, and records one feed page may hold.
MAX_PUSH_RECORDS = 1000
MAX_PAGE = 1000
DEFAULT_PAGE = 500

#: Namespace of the ids of image-status records (one record per image, see image_status_id).
_STATUS_NAMESPACE = uuid.UUID("6f1d3c52-8d3e-4d0a-9f55-2a8f4b9f7c10")


def _clean_text(value: str) -> str:
    # PostgreSQL refuses NUL in text and UTF-8 cannot carry lone surrogates: refuse both here.
    if "\x00" in value:
        raise ValueError("text may not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("text is not valid Unicode (lone surrogate)") from None
    return value


def _timestamp_text(value: Any) -> Any:
    # Lax validation would read a number as seconds since 1970; the protocol sends ISO 8601.
    if isinstance(value, (int, float)):  # the tuple form: faster per call than int | float
        raise ValueError("a timestamp is an ISO 8601 string")
    return value


Timestamp = Annotated[dt.datetime, pydantic.BeforeValidator(_timestamp_text)]
Text = Annotated[str, Field(max_length=10_000), pydantic.AfterValidator(_clean_text)]
Name = Annotated[str, Field(min_length=1, max_length=200), pydantic.AfterValidator(_clean_text)]
ProjectName = Annotated[
    str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", examples=["street-signs"])
]
Sha256 = Annotated[
    str,
    Field(
        pattern=r"^[0-9a-f]{64}$",
        examples=["9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"],
    ),
]
# Strict: a JSON body must say 5 and true, not "5" or 1 (the OpenAPI document says so).
Flag = Annotated[bool, pydantic.Strict()]
Revision = Annotated[int, pydantic.Strict(), Field(ge=0, le=MAX_INT)]
Count = Annotated[int, pydantic.Strict(), Field(ge=0, le=MAX_INT)]
Colour = Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$", examples=["#e6194b"])]
Hotkey = Annotated[str, Field(pattern=r"^[0-9A-Za-z]$")]


class _Model(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid", frozen=True)


def image_status_id(sha256: str) -> uuid.UUID:
    """The id of an image's status record: one per image, so concurrent changes conflict."""
    return uuid.uuid5(_STATUS_NAMESPACE, sha256)


# --- errors, health -------------------------------------------------------------------------


class ErrorBody(_Model):
    """Every error answer, in the shape Azure API Management uses."""

    model_config = pydantic.ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={"examples": [{"statusCode": 404, "message": "no project 'x'"}]},
    )

    statusCode: int  # APIM spells it so
    message: str


class Health(_Model):
    status: Literal["ok"] = "ok"
    version: str


class Ready(_Model):
    status: Literal["ok"] = "ok"
    database: str


# --- projects and schema ------------------------------------------------------------------


class ProjectCreate(_Model):
    name: ProjectName
    title: Annotated[Text, Field(max_length=500)] = ""


class Project(_Model):
    name: ProjectName
    title: str
    created_at: dt.datetime
    head: Revision = Field(description="Newest revision of the project's change feed.")
    schema_version: Count
    images: Count


class ProjectList(_Model):
    projects: list[Project]


class LabelClass(_Model):
    id: uuid.UUID
    name: Name
    color: Colour
    hotkey: Hotkey | None = None
    order: Annotated[int, pydantic.Strict(), Field(ge=0, le=1_000_000)] = 0


class AttributeDef(_Model):
    id: uuid.UUID
    name: Name
    kind: schema_mod.AttributeKind
    choices: Annotated[list[Name], Field(max_length=200)] = []
    default: Flag | Text | None = None
    order: Annotated[int, pydantic.Strict(), Field(ge=0, le=1_000_000)] = 0


class TaskKinds(_Model):
    """The label kinds a project uses, as ``labeler.domain.schema.TaskKinds`` stores them."""

    tags: schema_mod.TagMode = schema_mod.TagMode.NONE
    shapes: Annotated[list[geo.ShapeKind], Field(max_length=16)] = [geo.ShapeKind.BOX]

    @pydantic.model_validator(mode="before")
    @classmethod
    def _one_flag_per_kind(cls, data: Any) -> Any:
        # Clients from before the rotated box send a flag per kind: the same setting.
        if isinstance(data, dict) and "shapes" not in data and {"boxes", "polygons"} & set(data):
            rest = {k: v for k, v in data.items() if k not in ("boxes", "polygons")}
            return {**rest, "shapes": schema_mod.TaskKinds.from_json(data).to_json()["shapes"]}
        return data

    @pydantic.field_validator("shapes")
    @classmethod
    def _shape_kinds(cls, value: list[geo.ShapeKind]) -> list[geo.ShapeKind]:
        if geo.ShapeKind.TAG in value:
            raise ValueError("tags are turned on by their mode, not listed as a shape")
        return kinds.ordered(value)


class LabelSchema(_Model):
    """The project's label schema. ``version`` grows by one with every change."""

    classes: Annotated[list[LabelClass], Field(max_length=5000)] = []
    attributes: Annotated[list[AttributeDef], Field(max_length=500)] = []
    tasks: TaskKinds = TaskKinds()
    version: Count = 0


class SchemaUpdate(_Model):
    """A new schema; ``base_version`` is the version it was edited from (409 when stale)."""

    base_version: Count
    classes: Annotated[list[LabelClass], Field(max_length=5000)] = []
    attributes: Annotated[list[AttributeDef], Field(max_length=500)] = []
    tasks: TaskKinds = TaskKinds()


# --- images --------------------------------------------------------------------------------


class ImageIn(_Model):
    """An image of the manifest, recognised by the SHA-256 of its bytes.

    ``width``/``height`` are in the displayed (EXIF-corrected) frame.
    """

    sha256: Sha256
    rel_path: Annotated[Text, Field(min_length=1, max_length=4000)]
    width: Annotated[int, pydantic.Strict(), Field(ge=1, le=1_000_000)]
    height: Annotated[int, pydantic.Strict(), Field(ge=1, le=1_000_000)]
    orientation: Annotated[int, pydantic.Strict(), Field(ge=1, le=8)] = 1
    format: Annotated[Text, Field(max_length=32)] | None = None
    bytes: Count | None = None


class Image(ImageIn):
    blob_present: Flag = Field(description="True when the server holds the image's bytes.")


class ImageBatch(_Model):
    images: Annotated[list[ImageIn], Field(min_length=1, max_length=MAX_PUSH_RECORDS)]


class ImageBatchResult(_Model):
    added: Count
    updated: Count


class ImagePage(_Model):
    images: list[Image]
    next_cursor: str | None = Field(description="Pass as ``after`` for the next page.")
    has_more: bool


class BlobStored(_Model):
    sha256: Sha256
    bytes: Count
    created: Flag = Field(description="False when the server already had these bytes.")


# --- records ---------------------------------------------------------------------------------


class RecordKind(enum.StrEnum):
    ANNOTATION = "annotation"
    IMAGE_STATUS = "image_status"
    REVIEW_ACTION = "review_action"
    LABEL_CLASS = "label_class"
    ATTRIBUTE_DEF = "attribute_def"


class ReviewKind(enum.StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    COMMENT = "comment"


class AnnotationData(_Model):
    """An annotation record's data; ``geometry`` as ``labeler.domain.geometry`` writes it."""

    image_sha256: Sha256
    class_id: uuid.UUID | None = None
    kind: geo.ShapeKind
    geometry: dict[str, Any] | None = None
    attributes: dict[str, Any] = {}


class ImageStatusData(_Model):
    """An image's status; the record's id must be ``image_status_id(image_sha256)``."""

    image_sha256: Sha256
    status: status_mod.ImageStatus


class ReviewActionData(_Model):
    image_sha256: Sha256
    action: ReviewKind
    comment: Text = ""


class LabelClassData(_Model):
    name: Name
    color: Colour
    hotkey: Hotkey | None = None
    order: Annotated[int, pydantic.Strict(), Field(ge=0, le=1_000_000)] = 0


class AttributeDefData(_Model):
    name: Name
    kind: schema_mod.AttributeKind
    choices: Annotated[list[Name], Field(max_length=200)] = []
    default: Flag | Text | None = None
    order: Annotated[int, pydantic.Strict(), Field(ge=0, le=1_000_000)] = 0


RecordData = AnnotationData | ImageStatusData | ReviewActionData | LabelClassData | AttributeDefData

DATA_MODELS: dict[RecordKind, type[RecordData]] = {
    RecordKind.ANNOTATION: AnnotationData,
    RecordKind.IMAGE_STATUS: ImageStatusData,
    RecordKind.REVIEW_ACTION: ReviewActionData,
    RecordKind.LABEL_CLASS: LabelClassData,
    RecordKind.ATTRIBUTE_DEF: AttributeDefData,
}


def parse_data(kind: RecordKind, data: dict[str, Any]) -> RecordData:
    """The typed data of a record of ``kind``.

    Raises:
        pydantic.ValidationError: when ``data`` does not fit the kind's model.
    """
    return DATA_MODELS[kind].model_validate(data)


_DATA_DESCRIPTION = (
    "The record's content; its shape depends on ``kind``: AnnotationData, ImageStatusData, "
    "ReviewActionData, LabelClassData or AttributeDefData. A push answers ``rejected`` (with "
    "the reason) for data that does not fit."
)


class Record(_Model):
    """One syncable row as a client pushes it. The author is never taken from the body."""

    model_config = pydantic.ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={
            "examples": [
                {
                    "id": "0b7f4c1e-3c2a-4f7e-9d0e-6f1c2b3a4d5e",
                    "kind": "annotation",
                    "base_revision": None,
                    "deleted": False,
                    "updated_at": "2026-11-27T04:00:00Z",
                    "data": {
                        "image_sha256": "9f86d081884c7d659a2feaa0c55ad015"
                        "a3bf4f1b2b0b822cd15d6c15b0f00a08",
                        "class_id": "3d0f4a8e-1b2c-4d5e-8f9a-0b1c2d3e4f5a",
                        "kind": "box",
                        "geometry": {"x": 10.0, "y": 20.0, "w": 30.0, "h": 40.0},
                        "attributes": {"occluded": False},
                    },
                }
            ]
        },
    )

    id: uuid.UUID
    kind: RecordKind
    base_revision: Revision | None = Field(
        default=None,
        description="The server revision this edit was based on; null for a new record.",
    )
    deleted: Flag = False
    updated_at: Timestamp
    data: dict[str, Any] = Field(description=_DATA_DESCRIPTION)


class ChangeRecord(Record):
    """A record as the server stores it: with its revision, its author and the server's time."""

    revision: Revision
    author: str
    server_time: dt.datetime


class PushRequest(_Model):
    records: Annotated[list[Record], Field(min_length=1, max_length=MAX_PUSH_RECORDS)]


class PushOutcome(enum.StrEnum):
    APPLIED = "applied"
    CONFLICT = "conflict"
    REJECTED = "rejected"


class PushResult(_Model):
    """What happened to one pushed record."""

    id: uuid.UUID
    outcome: PushOutcome
    revision: Revision | None = Field(default=None, description="The new revision (applied).")
    server: ChangeRecord | None = Field(
        default=None, description="The server's copy, which the push was not based on (conflict)."
    )
    reason: str | None = Field(default=None, description="Why the record was refused (rejected).")


class PushResponse(_Model):
    results: list[PushResult]
    head: Revision


class ChangePage(_Model):
    """One page of a project's change feed, in the server's gap-free order."""

    records: list[ChangeRecord]
    next_cursor: str = Field(description="Opaque; pass it back to read on from here.")
    has_more: bool


class ReviewRequest(_Model):
    model_config = pydantic.ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={"examples": [{"action": "reject", "comment": "box too loose"}]},
    )

    action: ReviewKind
    comment: Text = ""


class ReviewResponse(_Model):
    review: ChangeRecord
    status: ChangeRecord | None = Field(
        default=None, description="The image's new status record (approve and reject)."
    )


# --- stats -----------------------------------------------------------------------------------


class ClassCount(_Model):
    class_id: uuid.UUID | None
    name: str | None
    annotations: Count


class Contributor(_Model):
    author: str
    changes: Count
    last_change: dt.datetime


class Stats(_Model):
    project: ProjectName
    head: Revision
    images: Count
    images_by_status: dict[str, Count]
    annotations_by_class: list[ClassCount]
    contributors: list[Contributor]
