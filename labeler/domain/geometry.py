"""Shapes in absolute pixel coordinates of the displayed (EXIF-corrected) frame."""

from __future__ import annotations

import dataclasses
import enum
import math
from collections.abc import Mapping, Sequence
from typing import Any

from labeler import errors


class ShapeKind(enum.StrEnum):
    """What an annotation is."""

    TAG = "tag"  # an image-level class, no geometry
    BOX = "box"
    POLYGON = "polygon"


class GeometryError(errors.UserError, ValueError):
    """A geometry that cannot be stored or drawn (wrong shape, NaN, too few points)."""


@dataclasses.dataclass(frozen=True, slots=True)
class Box:
    """An axis-aligned box: top-left corner and size, floats, pixels."""

    x: float
    y: float
    w: float
    h: float

    def __post_init__(self) -> None:
        for name in ("x", "y", "w", "h"):
            if not math.isfinite(getattr(self, name)):
                raise GeometryError(f"box {name} is not a finite number")
        if self.w < 0 or self.h < 0:
            raise GeometryError(f"box has negative size ({self.w} × {self.h})")

    @classmethod
    def from_corners(cls, x0: float, y0: float, x1: float, y1: float) -> Box:
        """Build a box from any two opposite corners."""
        return cls(min(x0, x1), min(y0, y1), abs(x1 - x0), abs(y1 - y0))

    @property
    def x1(self) -> float:
        return self.x + self.w

    @property
    def y1(self) -> float:
        return self.y + self.h

    @property
    def area(self) -> float:
        return self.w * self.h

    def clipped(self, width: float, height: float) -> Box:
        """This box cut to the image ``width`` × ``height``."""
        x0, y0 = min(max(self.x, 0.0), width), min(max(self.y, 0.0), height)
        x1, y1 = min(max(self.x1, 0.0), width), min(max(self.y1, 0.0), height)
        return Box(x0, y0, x1 - x0, y1 - y0)

    def to_json(self) -> dict[str, Any]:
        return {"x": self.x, "y": self.y, "w": self.w, "h": self.h}


@dataclasses.dataclass(frozen=True, slots=True)
class Polygon:
    """A simple polygon given by at least three vertices, floats, pixels."""

    points: tuple[tuple[float, float], ...]

    def __post_init__(self) -> None:
        if len(self.points) < 3:
            raise GeometryError(f"polygon needs at least 3 points, got {len(self.points)}")
        for i, (px, py) in enumerate(self.points):
            if not (math.isfinite(px) and math.isfinite(py)):
                raise GeometryError(f"polygon point {i} is not a finite number")

    @classmethod
    def from_flat(cls, values: Sequence[float]) -> Polygon:
        """Build from ``[x0, y0, x1, y1, ...]`` as COCO and YOLO write them."""
        if len(values) % 2:
            raise GeometryError(f"polygon has an odd number of values ({len(values)})")
        it = iter(float(v) for v in values)
        return cls(tuple(zip(it, it, strict=True)))

    def flat(self) -> list[float]:
        return [c for p in self.points for c in p]

    @property
    def bounds(self) -> Box:
        xs = [p[0] for p in self.points]
        ys = [p[1] for p in self.points]
        return Box.from_corners(min(xs), min(ys), max(xs), max(ys))

    @property
    def area(self) -> float:
        """Area by the shoelace formula (absolute, whatever the winding)."""
        pts = self.points
        s = 0.0
        for (x0, y0), (x1, y1) in zip(pts, pts[1:] + pts[:1], strict=True):
            s += x0 * y1 - x1 * y0
        return abs(s) / 2.0

    def to_json(self) -> dict[str, Any]:
        return {"points": [[x, y] for x, y in self.points]}


Geometry = Box | Polygon | None


def geometry_to_json(geometry: Geometry) -> dict[str, Any] | None:
    """The stored (and wire) form of a geometry."""
    return None if geometry is None else geometry.to_json()


def geometry_from_json(kind: ShapeKind, data: Mapping[str, Any] | None) -> Geometry:
    """Parse the stored form back, checking it fits ``kind``.

    Raises:
        GeometryError: when the data does not describe a valid shape of that kind.
    """
    try:
        if kind is ShapeKind.TAG:
            if data:
                raise GeometryError("a tag has no geometry")
            return None
        if data is None:
            raise GeometryError(f"a {kind.value} needs a geometry")
        if kind is ShapeKind.BOX:
            return Box(float(data["x"]), float(data["y"]), float(data["w"]), float(data["h"]))
        pts = tuple((float(p[0]), float(p[1])) for p in data["points"])
        return Polygon(pts)
    except (KeyError, TypeError, IndexError) as exc:
        raise GeometryError(f"malformed {kind.value} geometry: {exc!r}") from exc


def check_kind(kind: ShapeKind, geometry: Geometry) -> None:
    """Raise GeometryError when ``geometry`` is not what ``kind`` requires."""
    expected: type | None = {ShapeKind.TAG: None, ShapeKind.BOX: Box, ShapeKind.POLYGON: Polygon}[
        kind
    ]
    if expected is None:
        if geometry is not None:
            raise GeometryError("a tag has no geometry")
    elif not isinstance(geometry, expected):
        raise GeometryError(f"a {kind.value} needs a {expected.__name__} geometry")
