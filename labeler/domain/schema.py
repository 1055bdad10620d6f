"""The label schema: classes, attribute definitions and the task kinds a project uses."""

from __future__ import annotations

import dataclasses
import enum
import re
from typing import Any

from labeler import errors


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
    """Which kinds of labels a project uses."""

    tags: TagMode = TagMode.NONE
    boxes: bool = True
    polygons: bool = False


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
