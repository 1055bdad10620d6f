"""Checks a pushed record must pass before it is applied (else it is ``rejected``)."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

import pydantic

from labeler.domain import geometry as geo
from labeler.domain import schema as schema_mod
from labeler.domain import status as status_mod
from labeler.server import principal as principal_mod
from labeler.server.storage import rows as rows_mod
from labeler.sync.wire import fields, protocol, shapes

Role = principal_mod.Role
Kind = protocol.RecordKind

#: Statuses only a reviewer may set.
REVIEW_STATUSES = frozenset({status_mod.ImageStatus.APPROVED, status_mod.ImageStatus.REJECTED})


class Rejected(Exception):
    """The record cannot be applied; the message is the reason the client sees."""


@dataclasses.dataclass(slots=True)
class SchemaState:
    """The project's classes and attribute definitions as a batch changes them, and the frames
    (width, height) of the manifest's images the batch's annotations are on."""

    classes: dict[str, protocol.LabelClassData]
    attributes: dict[str, protocol.AttributeDefData]
    frames: dict[str, tuple[int, int]] = dataclasses.field(default_factory=dict)

    @classmethod
    def load(cls, class_rows: list[rows_mod.Row], attr_rows: list[rows_mod.Row]) -> SchemaState:
        return cls(
            classes={
                r.id: protocol.LabelClassData.model_validate(r.data)
                for r in class_rows
                if not r.deleted
            },
            attributes={
                r.id: protocol.AttributeDefData.model_validate(r.data)
                for r in attr_rows
                if not r.deleted
            },
        )


def parse(record: protocol.Record, role: Role) -> protocol.RecordData:
    """The checks that need nothing from the database (done before the project is locked).

    Raises:
        Rejected: with the reason when the record cannot be applied.
    """
    try:
        data = protocol.parse_data(record.kind, record.data)
    except pydantic.ValidationError as exc:
        raise Rejected(f"{record.kind.value} data: {fields.first_error(exc)}") from None
    # An annotation's geometry needs no more here (the wire model says all of it); its image
    # and frame are checked in ``check``.
    if isinstance(data, protocol.ImageStatusData):
        _status(record, data, role)
    elif isinstance(data, protocol.ReviewActionData):
        if data.action is not protocol.ReviewKind.COMMENT and role.rank < Role.REVIEWER.rank:
            raise Rejected(f"{data.action.value} needs the reviewer role")
    elif (
        isinstance(data, protocol.LabelClassData | protocol.AttributeDefData)
        and role is not Role.ADMIN
    ):
        raise Rejected("changing the schema needs the admin role")
    return data


def check(
    record: protocol.Record, data: protocol.RecordData, state: SchemaState
) -> tuple[dict[str, Any], bool]:
    """The checks against the project's schema as it stands (inside the locked write);
    ``state`` follows the schema records of the batch.

    Returns:
        The record's data in its canonical form, and whether it changes the schema.

    Raises:
        Rejected: with the reason when the record cannot be applied.
    """
    if isinstance(data, protocol.AnnotationData):
        _annotation(record, data, state)
    elif isinstance(data, protocol.LabelClassData):
        _label_class(record, data, state)
    elif isinstance(data, protocol.AttributeDefData):
        _attribute(record, data, state)
    schema = record.kind in (Kind.LABEL_CLASS, Kind.ATTRIBUTE_DEF)
    return data.model_dump(mode="json"), schema


def _annotation(record: protocol.Record, data: protocol.AnnotationData, state: SchemaState) -> None:
    if record.deleted:
        return  # a tombstone may name a class deleted since (or an image of an older server)
    frame = state.frames.get(data.image_sha256)
    if frame is None:
        raise Rejected(protocol.not_in_manifest(data.image_sha256))
    outside = shapes.outside_frame(data.kind, data.geometry, *frame)
    if outside is not None:
        raise Rejected(outside)
    if data.class_id is None:
        if data.kind is geo.ShapeKind.TAG:
            raise Rejected("a tag needs a class")
    elif str(data.class_id) not in state.classes:
        raise Rejected(f"class {data.class_id} is not in the project's schema")


def _status(record: protocol.Record, data: protocol.ImageStatusData, role: Role) -> None:
    expected = protocol.image_status_id(data.image_sha256)
    if record.id != expected:
        raise Rejected(f"the status record of image {data.image_sha256} has the id {expected}")
    if data.status in REVIEW_STATUSES and role.rank < Role.REVIEWER.rank:
        raise Rejected(f"setting the status {data.status.value} needs the reviewer role")


def _label_class(
    record: protocol.Record, data: protocol.LabelClassData, state: SchemaState
) -> None:
    key = str(record.id)
    if record.deleted:
        state.classes.pop(key, None)
        return
    try:
        name = schema_mod.check_class_name(data.name)
        schema_mod.check_hotkey(data.hotkey)
    except schema_mod.SchemaError as exc:
        raise Rejected(str(exc)) from None
    for other_id, other in state.classes.items():
        if other_id == key:
            continue
        if other.name.casefold() == name.casefold():
            raise Rejected(f"class name {name!r} is already used by class {other_id}")
        if data.hotkey and other.hotkey and other.hotkey.lower() == data.hotkey.lower():
            raise Rejected(f"hotkey {data.hotkey!r} is already used by class {other.name!r}")
    state.classes[key] = data


def _attribute(
    record: protocol.Record, data: protocol.AttributeDefData, state: SchemaState
) -> None:
    key = str(record.id)
    if record.deleted:
        state.attributes.pop(key, None)
        return
    if data.kind is schema_mod.AttributeKind.CHOICE and not data.choices:
        raise Rejected(f"choice attribute {data.name!r} needs choices")
    for other_id, other in state.attributes.items():
        if other_id != key and other.name.casefold() == data.name.casefold():
            raise Rejected(f"attribute name {data.name!r} is already used")
    state.attributes[key] = data


def schema_records(
    update: protocol.SchemaUpdate, state: SchemaState
) -> list[tuple[uuid.UUID, Kind, bool, dict[str, Any]]]:
    """The label_class and attribute_def records that turn ``state`` into ``update``.

    Returns:
        (id, kind, deleted, data) for every class or attribute added, changed or removed.
    """
    out: list[tuple[uuid.UUID, Kind, bool, dict[str, Any]]] = []
    wanted_c = {
        str(c.id): protocol.LabelClassData(**c.model_dump(exclude={"id"})) for c in update.classes
    }
    wanted_a = {
        str(a.id): protocol.AttributeDefData(**a.model_dump(exclude={"id"}))
        for a in update.attributes
    }
    for kind, have, want in (
        (
            Kind.LABEL_CLASS,
            dict[str, pydantic.BaseModel](state.classes),
            dict[str, pydantic.BaseModel](wanted_c),
        ),
        (
            Kind.ATTRIBUTE_DEF,
            dict[str, pydantic.BaseModel](state.attributes),
            dict[str, pydantic.BaseModel](wanted_a),
        ),
    ):
        for key, value in want.items():
            if have.get(key) != value:
                out.append((uuid.UUID(key), kind, False, value.model_dump(mode="json")))
        for key, value in have.items():
            if key not in want:
                out.append((uuid.UUID(key), kind, True, value.model_dump(mode="json")))
    return out
