"""The sync wire protocol: every body the client sends and the server answers.

The server (``labeler.server``) and the client (``labeler.sync.wire.client``) both use these models,
so the two cannot drift: what the server accepts, every client can read. Text anywhere (names,
comments, attribute keys and values) is checked here, numbers are finite and bounded, and a
geometry is exactly a box, a polygon or nothing (``shapes``), so nothing a client sends can reach
the database, or another client, in a form it refuses. The documented size limits live here too.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import re
import uuid
from typing import Annotated, Any, Literal

import pydantic
from pydantic import Field

from labeler.domain import geometry as geo
from labeler.domain import kinds
from labeler.domain import schema as schema_mod
from labeler.domain import status as status_mod
from labeler.sync.wire import fields, shapes

#: Path prefix of this protocol version.
API_PREFIX = "/v1"

#: The protocol's limits (documented in the README's service section; see ``fields``).
MAX_PUSH_RECORDS = fields.MAX_PUSH_RECORDS
MAX_PAGE = fields.MAX_PAGE
DEFAULT_PAGE = fields.DEFAULT_PAGE
MAX_RECORD_BYTES = fields.MAX_RECORD_BYTES
MAX_PAGE_BYTES = fields.MAX_PAGE_BYTES
MAX_PUSH_BYTES = fields.MAX_PUSH_BYTES
MAX_ATTRIBUTES = fields.MAX_ATTRIBUTES
MAX_TEXT = fields.MAX_TEXT
MAX_SAFE_INT = fields.MAX_SAFE_INT
MAX_POLYGON_POINTS = fields.MAX_POLYGON_POINTS

#: Namespace of the ids of image-status records (one record per image, see image_status_id).
_STATUS_NAMESPACE = uuid.UUID("6f1d3c52-8d3e-4d0a-9f55-2a8f4b9f7c10")


class _Model(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid", frozen=True)


_NOT_IN_MANIFEST = re.compile(r"^image ([0-9a-f]{64}) is not in the project's manifest")


def not_in_manifest(sha256: str) -> str:
    """Why a push refuses an annotation on an image the project's manifest lacks (a client
    reads it back with :func:`missing_image`, adds the image and sends the record again)."""
    return f"image {sha256} is not in the project's manifest; add the image first"


def missing_image(reason: str) -> str | None:
    """The SHA-256 a refusal by :func:`not_in_manifest` names, else None."""
    found = _NOT_IN_MANIFEST.match(reason)
    return found.group(1) if found else None


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
    name: fields.ProjectName
    title: Annotated[fields.Text, Field(max_length=500)] = ""


class Project(_Model):
    name: fields.ProjectName
    title: str
    created_at: dt.datetime
    head: fields.Revision = Field(description="Newest revision of the project's change feed.")
    schema_version: fields.Count
    images: fields.Count


class ProjectList(_Model):
    projects: list[Project]


class LabelClass(_Model):
    id: uuid.UUID
    name: fields.Name
    color: fields.Colour
    hotkey: fields.Hotkey | None = None
    order: Annotated[int, pydantic.Strict(), Field(ge=0, le=1_000_000)] = 0


class AttributeDef(_Model):
    id: uuid.UUID
    name: fields.Name
    kind: schema_mod.AttributeKind
    choices: Annotated[list[fields.Name], Field(max_length=200)] = []
    default: fields.Flag | fields.Text | None = None
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
    version: fields.Count = 0


class SchemaUpdate(_Model):
    """A new schema; ``base_version`` is the version it was edited from (409 when stale)."""

    base_version: fields.Count
    classes: Annotated[list[LabelClass], Field(max_length=5000)] = []
    attributes: Annotated[list[AttributeDef], Field(max_length=500)] = []
    tasks: TaskKinds = TaskKinds()


# --- images --------------------------------------------------------------------------------


class ImageIn(_Model):
    """An image of the manifest, recognised by the SHA-256 of its bytes.

    ``width``/``height`` are in the displayed (EXIF-corrected) frame.
    """

    sha256: fields.Sha256
    rel_path: fields.ImagePath
    width: Annotated[int, pydantic.Strict(), Field(ge=1, le=1_000_000)]
    height: Annotated[int, pydantic.Strict(), Field(ge=1, le=1_000_000)]
    orientation: Annotated[int, pydantic.Strict(), Field(ge=1, le=8)] = 1
    format: Annotated[fields.Text, Field(max_length=32)] | None = None
    bytes: fields.Count | None = None


class Image(ImageIn):
    blob_present: fields.Flag = Field(
        description="True when the image's bytes were uploaded to this project."
    )


class ImageBatch(_Model):
    images: Annotated[list[ImageIn], Field(min_length=1, max_length=MAX_PUSH_RECORDS)]


class ImageBatchResult(_Model):
    added: fields.Count
    updated: fields.Count


class ImagePage(_Model):
    images: list[Image]
    next_cursor: str | None = Field(description="Pass as ``after`` for the next page.")
    has_more: bool


class BlobStored(_Model):
    sha256: fields.Sha256
    bytes: fields.Count
    created: fields.Flag = Field(description="False when this project already had these bytes.")


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
    """What every annotation record's data holds; the data itself is one of the kinds below
    (``AnnotationKinds``), told apart by ``kind``. ``geometry`` is in its canonical form (a plain
    dict, see ``shapes``), in pixels of the displayed frame."""

    image_sha256: fields.Sha256
    class_id: uuid.UUID | None = None
    kind: geo.ShapeKind
    geometry: Any = None
    attributes: fields.Attributes = {}


class BoxAnnotationData(AnnotationData):
    """An axis-aligned box."""

    kind: Literal[geo.ShapeKind.BOX]
    geometry: shapes.BoxGeometry


class PolygonAnnotationData(AnnotationData):
    """A polygon of 3 to ``MAX_POLYGON_POINTS`` vertices."""

    kind: Literal[geo.ShapeKind.POLYGON]
    geometry: shapes.PolygonGeometry


class RotatedBoxAnnotationData(AnnotationData):
    """A box turned about its centre."""

    kind: Literal[geo.ShapeKind.ROTATED_BOX]
    geometry: shapes.RotatedBoxGeometry


class TagAnnotationData(AnnotationData):
    """A class on the whole image: no geometry."""

    kind: Literal[geo.ShapeKind.TAG]
    geometry: shapes.NoGeometry = None


#: An annotation's data: one member per shape kind, told apart by ``kind``.
AnnotationKinds = Annotated[
    BoxAnnotationData | RotatedBoxAnnotationData | PolygonAnnotationData | TagAnnotationData,
    Field(discriminator="kind"),
]


class ImageStatusData(_Model):
    """An image's status; the record's id must be ``image_status_id(image_sha256)``."""

    image_sha256: fields.Sha256
    status: status_mod.ImageStatus


class ReviewActionData(_Model):
    image_sha256: fields.Sha256
    action: ReviewKind
    comment: fields.Text = ""


class LabelClassData(_Model):
    name: fields.Name
    color: fields.Colour
    hotkey: fields.Hotkey | None = None
    order: Annotated[int, pydantic.Strict(), Field(ge=0, le=1_000_000)] = 0


class AttributeDefData(_Model):
    name: fields.Name
    kind: schema_mod.AttributeKind
    choices: Annotated[list[fields.Name], Field(max_length=200)] = []
    default: fields.Flag | fields.Text | None = None
    order: Annotated[int, pydantic.Strict(), Field(ge=0, le=1_000_000)] = 0


RecordData = AnnotationData | ImageStatusData | ReviewActionData | LabelClassData | AttributeDefData

#: The type of each kind's data, under the name the OpenAPI document gives it.
DATA_TYPES: dict[RecordKind, tuple[str, Any]] = {
    RecordKind.ANNOTATION: ("AnnotationData", AnnotationKinds),
    RecordKind.IMAGE_STATUS: ("ImageStatusData", ImageStatusData),
    RecordKind.REVIEW_ACTION: ("ReviewActionData", ReviewActionData),
    RecordKind.LABEL_CLASS: ("LabelClassData", LabelClassData),
    RecordKind.ATTRIBUTE_DEF: ("AttributeDefData", AttributeDefData),
}
_ADAPTERS: dict[RecordKind, pydantic.TypeAdapter[Any]] = {
    kind: pydantic.TypeAdapter(kind_type) for kind, (_, kind_type) in DATA_TYPES.items()
}


def parse_data(kind: RecordKind, data: Any) -> RecordData:
    """The typed data of a record of ``kind`` (an annotation's as the class of its shape kind).

    Raises:
        pydantic.ValidationError: when ``data`` does not fit the kind's model.
    """
    parsed: RecordData = _ADAPTERS[kind].validate_python(data)
    return parsed


def data_schemas(ref_template: str) -> dict[str, dict[str, Any]]:
    """The JSON schema of each kind's data by its document name, with the schemas they use."""
    out: dict[str, dict[str, Any]] = {}
    for name, kind_type in DATA_TYPES.values():
        found = pydantic.TypeAdapter(kind_type).json_schema(ref_template=ref_template)
        for sub_name, sub in found.pop("$defs", {}).items():
            out.setdefault(sub_name, sub)
        out[name] = found
    return out


_DATA_DESCRIPTION = (
    "The record's content; its shape depends on ``kind``: AnnotationData (a box, a polygon or "
    "a tag, told apart by its own ``kind``), ImageStatusData, ReviewActionData, LabelClassData "
    "or AttributeDefData. A push answers ``rejected`` (with the reason) for a record whose data "
    f"does not fit, or whose data takes more than {MAX_RECORD_BYTES} bytes as stored."
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
    base_revision: fields.Revision | None = Field(
        default=None,
        description="The server revision this edit was based on; null for a new record.",
    )
    deleted: fields.Flag = False
    updated_at: fields.Timestamp
    data: dict[str, Any] = Field(description=_DATA_DESCRIPTION)


class ChangeRecord(Record):
    """A record as the server stores it: with its revision, its author and the server's time."""

    revision: fields.Revision
    author: fields.Author
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
    revision: fields.Revision | None = Field(
        default=None, description="The new revision (applied)."
    )
    server: ChangeRecord | None = Field(
        default=None, description="The server's copy, which the push was not based on (conflict)."
    )
    reason: str | None = Field(default=None, description="Why the record was refused (rejected).")


class PushResponse(_Model):
    results: list[PushResult]
    head: fields.Revision


@dataclasses.dataclass(frozen=True, slots=True)
class Unreadable:
    """A record of the feed this client cannot read (written by an older server, or by a
    newer labeler): set aside by id, so the records around it still sync.

    Attributes:
        id: the record's id, or None when not even that can be read.
        revision: its revision in the feed, when readable.
        kind: its kind as the server wrote it, when readable.
        reason: what does not fit, in words (printable: never the offending text itself).
    """

    id: str | None
    revision: int | None
    kind: str | None
    reason: str


class ChangePage(_Model):
    """One page of a project's change feed, in the server's gap-free order.

    Read by a client with ``reading.change_page``: records it cannot read are not in
    ``records`` but in :attr:`unreadable` (not part of the answer on the wire).
    """

    records: list[ChangeRecord]
    next_cursor: str = Field(description="Opaque; pass it back to read on from here.")
    has_more: bool
    _unreadable: list[Unreadable] = pydantic.PrivateAttr(default_factory=list)

    @property
    def unreadable(self) -> list[Unreadable]:
        """Records of this page the client set aside (see ``reading.change_page``)."""
        return self._unreadable


class ReviewRequest(_Model):
    model_config = pydantic.ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={"examples": [{"action": "reject", "comment": "box too loose"}]},
    )

    action: ReviewKind
    comment: fields.Text = ""


class ReviewResponse(_Model):
    review: ChangeRecord
    status: ChangeRecord | None = Field(
        default=None, description="The image's new status record (approve and reject)."
    )


# --- stats -----------------------------------------------------------------------------------


class ClassCount(_Model):
    class_id: uuid.UUID | None
    name: str | None
    annotations: fields.Count


class Contributor(_Model):
    author: str
    changes: fields.Count
    last_change: dt.datetime


class Stats(_Model):
    project: fields.ProjectName
    head: fields.Revision
    images: fields.Count
    images_by_status: dict[str, fields.Count]
    annotations_by_class: list[ClassCount]
    contributors: list[Contributor]
