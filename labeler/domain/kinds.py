"""The kinds of labels, registered once: what each one is and how it relates to the others.

A kind's entry names it for people (singular and plural), says which geometry type it has (a tag
has none), how its stored form is read back, and how any other shape is approximated by one of
it (a polygon as its enclosing box, say). Everything that stores, sends, checks, counts or
converts labels asks this registry instead of testing kinds one by one; adding a kind means a
geometry type in :mod:`labeler.domain.geometry` and one entry here.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from labeler.domain import geometry as geo

ShapeKind = geo.ShapeKind


@dataclasses.dataclass(frozen=True, slots=True)
class KindSpec:
    """What one kind of label is.

    Attributes:
        kind: its stable name (stored, sent, written in manifests).
        name: what a user reads (``"rotated box"``).
        plural: the same for many (``"rotated boxes"``).
        geometry: its geometry type; None for tags.
        parse: its stored form (JSON object) back into a geometry; raises on malformed data.
        enclose: a shape of this kind around (or equal to) any other shape; None for tags.
    """

    kind: ShapeKind
    name: str
    plural: str
    geometry: type[geo.Shape] | None
    parse: Callable[[Mapping[str, Any]], geo.Shape] | None
    enclose: Callable[[geo.Shape], geo.Shape] | None

    def count(self, n: int) -> str:
        """``"1 rotated box"``, ``"3 rotated boxes"``."""
        return f"{n} {self.name if n == 1 else self.plural}"


def _enclosing_box(shape: geo.Shape) -> geo.Shape:
    return shape.bounds


def _as_polygon(shape: geo.Shape) -> geo.Shape:
    return shape if isinstance(shape, geo.Polygon) else geo.Polygon(shape.outline())


def _enclosing_rotated_box(shape: geo.Shape) -> geo.Shape:
    if isinstance(shape, geo.RotatedBox):
        return shape
    if isinstance(shape, geo.Box):
        return geo.RotatedBox.from_box(shape)
    return geo.RotatedBox.enclosing(shape.outline())


#: Every kind, in the order people see them (menus, settings, counts).
KINDS: dict[ShapeKind, KindSpec] = {
    spec.kind: spec
    for spec in (
        KindSpec(ShapeKind.TAG, "tag", "tags", None, None, None),
        KindSpec(ShapeKind.BOX, "box", "boxes", geo.Box, geo.Box.from_json, _enclosing_box),
        KindSpec(
            ShapeKind.ROTATED_BOX,
            "rotated box",
            "rotated boxes",
            geo.RotatedBox,
            geo.RotatedBox.from_json,
            _enclosing_rotated_box,
        ),
        KindSpec(
            ShapeKind.POLYGON,
            "polygon",
            "polygons",
            geo.Polygon,
            geo.Polygon.from_json,
            _as_polygon,
        ),
    )
}

#: Kinds drawn on the image (every kind with a geometry), in display order.
SHAPE_KINDS: tuple[ShapeKind, ...] = tuple(k for k, s in KINDS.items() if s.geometry is not None)

_BY_TYPE: dict[type, ShapeKind] = {s.geometry: k for k, s in KINDS.items() if s.geometry}


class KindError(geo.GeometryError):
    """A kind name that names no kind."""


def spec(kind: ShapeKind) -> KindSpec:
    return KINDS[kind]


def kind_of(shape: geo.Shape) -> ShapeKind:
    """The kind whose geometry ``shape`` is."""
    return _BY_TYPE[type(shape)]


def parse(kind: ShapeKind, data: Mapping[str, Any] | None) -> geo.Geometry:
    """The stored (and wire) form of a geometry back as a shape, checked to fit ``kind``.

    Raises:
        geo.GeometryError: when the data does not describe a valid shape of that kind.
    """
    entry = KINDS[kind]
    if entry.parse is None:
        if data:
            raise geo.GeometryError(f"a {entry.name} has no geometry")
        return None
    if data is None:
        raise geo.GeometryError(f"a {entry.name} needs a geometry")
    if not isinstance(data, Mapping):
        raise geo.GeometryError(f"malformed {entry.name} geometry: not an object")
    try:
        return entry.parse(data)
    except geo.GeometryError:
        raise
    except (KeyError, TypeError, IndexError, ValueError) as exc:
        raise geo.GeometryError(f"malformed {entry.name} geometry: {exc!r}") from exc


def check(kind: ShapeKind, geometry: geo.Geometry) -> None:
    """Raise GeometryError when ``geometry`` is not what ``kind`` requires."""
    entry = KINDS[kind]
    if entry.geometry is None:
        if geometry is not None:
            raise geo.GeometryError(f"a {entry.name} has no geometry")
    elif not isinstance(geometry, entry.geometry):
        raise geo.GeometryError(f"a {entry.name} needs a {entry.geometry.__name__} geometry")


def convert(shape: geo.Shape, target: ShapeKind) -> tuple[geo.Shape, bool]:
    """``shape`` as a shape of kind ``target``, and whether nothing was lost.

    A shape of another kind becomes the ``target`` shape around it (a polygon's enclosing box,
    a polygon's least rotated box); a box or rotated box becomes the polygon of its corners and
    a box the rotated box of angle 0, both exactly.
    """
    enclose = KINDS[target].enclose
    if enclose is None:
        raise KindError(f"a {KINDS[target].name} has no geometry to convert to")
    out = enclose(shape)
    if out is shape or isinstance(out, geo.Polygon):
        return out, True  # a polygon of the outline loses nothing
    # An enclosing shape as large as the shape is the shape (a polygon that is a rectangle).
    return out, math.isclose(out.area, shape.area, rel_tol=1e-9, abs_tol=1e-9)


def parse_kind(text: str) -> ShapeKind:
    """A kind as a user types it: ``rotated_box``, ``rotated-box``, ``Rotated box``, ``boxes``.

    Raises:
        KindError: listing the kinds when ``text`` names none.
    """
    key = text.strip().lower().replace("-", " ").replace("_", " ")
    for kind, entry in KINDS.items():
        if key in (kind.value.replace("_", " "), entry.name, entry.plural):
            return kind
    names = ", ".join(k.value for k in KINDS)
    raise KindError(f"unknown label kind {text!r}; expected one of: {names}")


def parse_kinds(text: str | Iterable[str]) -> frozenset[ShapeKind]:
    """Comma-separated kinds (or an iterable of names) as a set; empty items are ignored."""
    parts = text.split(",") if isinstance(text, str) else list(text)
    return frozenset(parse_kind(p) for p in parts if p.strip())


def ordered(kinds: Iterable[ShapeKind]) -> list[ShapeKind]:
    """``kinds`` in the registry's display order."""
    wanted = set(kinds)
    return [k for k in KINDS if k in wanted]
