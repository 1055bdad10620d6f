"""The label schema: classes, attribute definitions and the task kinds a project uses."""

from __future__ import annotations

import dataclasses
import enum
import re
from collections.abc import Mapping
from typing import Any

from labeler import errors
from labeler.domain import geometry as geo
from labeler.domain import kinds as kinds_mod


class TagMode(enum.StrEnum):
    """How image-level tags work in a project."""

    NONE = "none"
    SINGLE = "single"  # one class per image (classification)
    MULTI = "multi"  # any number of classes per image (multi-label)


class AttributeKind(enum.StrEnum):
    BOOL = "bool"
    TEXT = "text"
    CHOICE = "choice"


#: Attributes every shape has; formats write them where they have a place (VOC, COCO).
COMMON_ATTRIBUTES: tuple[str, ...] = ("difficult", "truncated", "occluded", "crowd")

#: Colours given to new classes in turn: distinct, readable on photos.
PALETTE: tuple[str, ...] = (
    "#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#46f0f0", "#f032e6",
    "#bcf60c", "#fabebe", "#008080", "#e6beff", "#9a6324", "#fffac8", "#800000",
    "#aaffc3", "#808000", "#ffd8b1", "#000075", "#808080", "#ffe119",
)  # fmt: skip

_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


class SchemaError(errors.UserError, ValueError):
    """An edit to the schema that would leave it inconsistent (duplicate name, hotkey clash...)."""


@dataclasses.dataclass(frozen=True, slots=True)
class LabelClass:
    """One class. Its ``id`` is stable: rename and merge are edits, not new classes."""

    id: str
    name: str
    color: str
    hotkey: str | None
    order: int


@dataclasses.dataclass(frozen=True, slots=True)
class AttributeDef:
    """An attribute the schema defines on shapes, beyond the common ones."""

    id: str
    name: str
    kind: AttributeKind
    choices: tuple[str, ...] = ()
    default: Any = None
    order: int = 0


@dataclasses.dataclass(frozen=True, slots=True)
class TaskKinds:
    """Which kinds of labels a project uses: one setting, the tag mode and a set of shape kinds.

    A kind that is off has no tool in the app and its labels are not shown there; they are kept,
    synced and exported all the same (turning the kind on again shows them).
    """

    tags: TagMode = TagMode.NONE
    shapes: frozenset[geo.ShapeKind] = frozenset({geo.ShapeKind.BOX})

    def __post_init__(self) -> None:
        shapes = frozenset(self.shapes)
        if geo.ShapeKind.TAG in shapes:
            raise SchemaError("tags are turned on by their mode (single or multi), not as a shape")
        object.__setattr__(self, "shapes", shapes)

    @classmethod
    def of(cls, *kinds: geo.ShapeKind | str, tags: TagMode = TagMode.NONE) -> TaskKinds:
        """``TaskKinds.of("box", "rotated_box", tags=TagMode.MULTI)``."""
        return cls(tags, kinds_mod.parse_kinds([str(k) for k in kinds]))

    @property
    def enabled(self) -> frozenset[geo.ShapeKind]:
        """Every kind that is on, tags included when their mode is not none."""
        tag = {geo.ShapeKind.TAG} if self.tags is not TagMode.NONE else set()
        return self.shapes | tag

    def shows(self, kind: geo.ShapeKind) -> bool:
        """Whether labels of ``kind`` are on in this project."""
        return kind in self.enabled

    def to_json(self) -> dict[str, Any]:
        """The stored (and wire) form: ``{"tags": "multi", "shapes": ["box", "polygon"]}``."""
        return {
            "tags": self.tags.value,
            "shapes": [k.value for k in kinds_mod.ordered(self.shapes)],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TaskKinds:
        """Read the stored form back; the older form with one flag per kind
        (``{"tags": ..., "boxes": true, "polygons": false}``) reads as the same setting.

        Raises:
            SchemaError: for a tag mode or kind name that names none.
        """
        try:
            tags = TagMode(data.get("tags", TagMode.NONE.value))
            if "shapes" in data:
                shapes = kinds_mod.parse_kinds(list(data["shapes"]))
            else:
                legacy = (
                    ("boxes", geo.ShapeKind.BOX, True),
                    ("polygons", geo.ShapeKind.POLYGON, False),
                )
                shapes = frozenset(k for key, k, default in legacy if data.get(key, default))
        except (ValueError, TypeError) as exc:
            raise SchemaError(f"unreadable label kinds {dict(data)!r}: {exc}") from None
        return cls(tags, shapes)


@dataclasses.dataclass(frozen=True, slots=True)
class LabelSchema:
    """The whole schema as the app shows it: classes in their order."""

    classes: tuple[LabelClass, ...]
    attributes: tuple[AttributeDef, ...]
    tasks: TaskKinds
    version: int = 0

    def by_id(self) -> dict[str, LabelClass]:
        return {c.id: c for c in self.classes}

    def by_name(self) -> dict[str, LabelClass]:
        return {c.name: c for c in self.classes}


def check_class_name(name: str) -> str:
    """Return ``name`` stripped, or raise SchemaError if it is unusable."""
    clean = name.strip()
    if not clean:
        raise SchemaError("a class name cannot be empty")
    if len(clean) > 200:
        raise SchemaError("a class name is limited to 200 characters")
    if any(ch in clean for ch in "\n\r\t"):
        raise SchemaError(f"class name {clean!r} contains a line break or tab")
    return clean


def check_colour(colour: str) -> str:
    if not _COLOUR.match(colour):
        raise SchemaError(f"colour {colour!r} is not of the form #rrggbb")
    return colour.lower()


def check_hotkey(hotkey: str | None) -> str | None:
    """Hotkeys for classes are single characters (digits and letters); None means none."""
    if hotkey is None or hotkey == "":
        return None
    if len(hotkey) != 1 or not hotkey.isalnum():
        raise SchemaError(f"hotkey {hotkey!r} must be a single letter or digit")
    return hotkey.lower()
