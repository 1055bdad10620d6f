"""Annotations: a class on an image, as a tag, a box or a polygon, with attributes."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from typing import Any

from labeler.domain import geometry as geo
from labeler.domain import kinds


@dataclasses.dataclass(frozen=True, slots=True)
class Annotation:
    """One annotation as stored. Coordinates are pixels in the displayed frame."""

    id: str
    image_id: str
    class_id: str | None
    kind: geo.ShapeKind
    geometry: geo.Geometry
    attributes: Mapping[str, Any]
    author: str
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int = 1
    revision: int | None = None  # server revision, None until pushed
    dirty: bool = True
    deleted: bool = False


@dataclasses.dataclass(frozen=True, slots=True)
class NewShape:
    """What a caller gives to create an annotation."""

    class_id: str | None
    kind: geo.ShapeKind
    geometry: geo.Geometry = None
    attributes: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    id: str | None = None  # a caller may choose the id (undo/redo re-creates the same row)

    def __post_init__(self) -> None:
        kinds.check(self.kind, self.geometry)


@dataclasses.dataclass(frozen=True, slots=True)
class ShapeEdit:
    """A change to an existing annotation; fields left ``None`` stay as they are.

    ``no_class`` takes the class away (the shape becomes "no class", as drawn before any class
    existed): undoing a class given to such a shape needs it, since ``class_id=None`` keeps.
    """

    class_id: str | None = None
    geometry: geo.Geometry = None
    attributes: Mapping[str, Any] | None = None
    no_class: bool = False

    def __post_init__(self) -> None:
        if self.no_class and self.class_id is not None:
            raise ValueError("a shape edit either gives a class or takes it away, not both")


@dataclasses.dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One version of an annotation in its append-only history."""

    annotation_id: str
    version: int
    op: str  # create | update | delete | restore | conflict
    class_id: str | None
    kind: geo.ShapeKind
    geometry: geo.Geometry
    attributes: Mapping[str, Any]
    deleted: bool
    author: str
    at: dt.datetime
    source: Mapping[str, Any] | None = None  # an accepted suggestion: model, sha256, score
