"""Shapes in absolute pixel coordinates of the displayed (EXIF-corrected) frame.

Every shape answers the same questions (its enclosing box, its outline, its area, moved, scaled,
its stored form), so code that handles "a shape" never asks which kind it is. What a kind *is*
(its name, its geometry type, how it is parsed and approximated) is registered once in
:mod:`labeler.domain.kinds`.
"""

from __future__ import annotations

import dataclasses
import enum
import math
from collections.abc import Mapping, Sequence
from typing import Any

from labeler import errors

Point = tuple[float, float]


class ShapeKind(enum.StrEnum):
    """What an annotation is."""

    TAG = "tag"  # an image-level class, no geometry
    BOX = "box"
    POLYGON = "polygon"
    ROTATED_BOX = "rotated_box"


class GeometryError(errors.UserError, ValueError):
    """A geometry that cannot be stored or drawn (wrong shape, NaN, too few points)."""


def _number(data: Mapping[str, Any], key: str) -> float:
    value = data[key]
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise GeometryError(f"{key} is not a number: {value!r}")
    return float(value)


def _finite(shape: str, **values: float) -> None:
    for name, value in values.items():
        if not math.isfinite(value):
            raise GeometryError(f"{shape} {name} is not a finite number")


@dataclasses.dataclass(frozen=True, slots=True)
class Box:
    """An axis-aligned box: top-left corner and size, floats, pixels."""

    x: float
    y: float
    w: float
    h: float

    def __post_init__(self) -> None:
        _finite("box", x=self.x, y=self.y, w=self.w, h=self.h)
        if self.w < 0 or self.h < 0:
            raise GeometryError(f"box has negative size ({self.w} × {self.h})")

    @classmethod
    def from_corners(cls, x0: float, y0: float, x1: float, y1: float) -> Box:
        """Build a box from any two opposite corners."""
        return cls(min(x0, x1), min(y0, y1), abs(x1 - x0), abs(y1 - y0))

    @classmethod
    def around(cls, points: Sequence[Point]) -> Box:
        """The smallest box holding every point."""
        xs = [p[0] for p in points]
        ys = [p[1] for p in points]
        return cls.from_corners(min(xs), min(ys), max(xs), max(ys))

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Box:
        return cls(_number(data, "x"), _number(data, "y"), _number(data, "w"), _number(data, "h"))

    @property
    def x1(self) -> float:
        return self.x + self.w

    @property
    def y1(self) -> float:
        return self.y + self.h

    @property
    def area(self) -> float:
        return self.w * self.h

    @property
    def bounds(self) -> Box:
        return self

    def outline(self) -> tuple[Point, ...]:
        """The corners clockwise on screen from the top-left (y points down)."""
        return ((self.x, self.y), (self.x1, self.y), (self.x1, self.y1), (self.x, self.y1))

    def translated(self, dx: float, dy: float) -> Box:
        return Box(self.x + dx, self.y + dy, self.w, self.h)

    def scaled(self, sx: float, sy: float) -> Box:
        return Box(self.x * sx, self.y * sy, self.w * sx, self.h * sy)

    def clipped(self, width: float, height: float) -> Box:
        """This box cut to the image ``width`` × ``height``."""
        x0, y0 = min(max(self.x, 0.0), width), min(max(self.y, 0.0), height)
        x1, y1 = min(max(self.x1, 0.0), width), min(max(self.y1, 0.0), height)
        return Box(x0, y0, x1 - x0, y1 - y0)

    def coords(self) -> tuple[float, ...]:
        return (self.x, self.y, self.w, self.h)

    def to_json(self) -> dict[str, Any]:
        return {"x": self.x, "y": self.y, "w": self.w, "h": self.h}


@dataclasses.dataclass(frozen=True, slots=True)
class Polygon:
    """A simple polygon given by at least three vertices, floats, pixels."""

    points: tuple[Point, ...]

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

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Polygon:
        points = data["points"]
        if not isinstance(points, list | tuple):
            raise GeometryError("polygon points are not a list")
        return cls(tuple((float(p[0]), float(p[1])) for p in points))

    def flat(self) -> list[float]:
        return [c for p in self.points for c in p]

    @property
    def bounds(self) -> Box:
        return Box.around(self.points)

    @property
    def area(self) -> float:
        """Area by the shoelace formula (absolute, whatever the winding)."""
        pts = self.points
        s = 0.0
        for (x0, y0), (x1, y1) in zip(pts, pts[1:] + pts[:1], strict=True):
            s += x0 * y1 - x1 * y0
        return abs(s) / 2.0

    def outline(self) -> tuple[Point, ...]:
        return self.points

    def translated(self, dx: float, dy: float) -> Polygon:
        return Polygon(tuple((x + dx, y + dy) for x, y in self.points))

    def scaled(self, sx: float, sy: float) -> Polygon:
        return Polygon(tuple((x * sx, y * sy) for x, y in self.points))

    def coords(self) -> tuple[float, ...]:
        return tuple(self.flat())

    def to_json(self) -> dict[str, Any]:
        return {"points": [[x, y] for x, y in self.points]}


@dataclasses.dataclass(frozen=True, slots=True)
class RotatedBox:
    """A rectangle turned about its centre (an oriented bounding box).

    ``cx``, ``cy`` is the centre; ``w`` the length of the side the angle is measured along and
    ``h`` the other side; ``angle`` is in degrees from the image's x axis to the ``w`` side,
    clockwise on screen (image y points down), kept within (-180, 180]. The angle is kept as
    drawn rather than reduced to a canonical range: its direction says which end the first
    drawn edge started from, which formats such as DOTA record as the object's "head".
    """

    cx: float
    cy: float
    w: float
    h: float
    angle: float = 0.0

    def __post_init__(self) -> None:
        _finite("rotated box", cx=self.cx, cy=self.cy, w=self.w, h=self.h, angle=self.angle)
        if self.w < 0 or self.h < 0:
            raise GeometryError(f"rotated box has negative size ({self.w} × {self.h})")
        # IEEE remainder is exact, so a stored angle reads back as the same float.
        angle = math.remainder(self.angle, 360.0)
        object.__setattr__(self, "angle", 180.0 if angle == -180.0 else angle + 0.0)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RotatedBox:
        return cls(
            _number(data, "cx"),
            _number(data, "cy"),
            _number(data, "w"),
            _number(data, "h"),
            _number(data, "angle"),
        )

    @classmethod
    def from_box(cls, box: Box) -> RotatedBox:
        """The same rectangle, not turned."""
        return cls(box.x + box.w / 2, box.y + box.h / 2, box.w, box.h, 0.0)

    @classmethod
    def from_edge(cls, a: Point, b: Point, c: Point) -> RotatedBox:
        """The box with side ``a``–``b`` reaching out to the line through ``c`` parallel to it.

        This is how it is drawn: two clicks along one edge of the object, one for its width.
        """
        ux, uy = b[0] - a[0], b[1] - a[1]
        length = math.hypot(ux, uy)
        if length == 0:
            return cls(a[0], a[1], 0.0, 0.0, 0.0)
        ux, uy = ux / length, uy / length
        nx, ny = -uy, ux  # the w side turned a quarter clockwise on screen
        depth = (c[0] - a[0]) * nx + (c[1] - a[1]) * ny
        mx, my = (a[0] + b[0]) / 2, (a[1] + b[1]) / 2
        angle = math.degrees(math.atan2(uy, ux))
        return cls(mx + nx * depth / 2, my + ny * depth / 2, length, abs(depth), angle)

    @classmethod
    def from_corners(
        cls, corners: Sequence[Point], tolerance: float = 1.0
    ) -> tuple[RotatedBox, bool]:
        """The rotated box with these four corners (in order, either winding), its ``w`` side
        along the first edge; and whether they form a rectangle within ``tolerance`` pixels.

        Four points that are no rectangle give their least enclosing rotated box instead.
        """
        if len(corners) != 4:
            raise GeometryError(f"a rotated box has 4 corners, got {len(corners)}")
        (x1, y1), (x2, y2), (x3, y3), (x4, y4) = corners
        cx, cy = (x1 + x2 + x3 + x4) / 4, (y1 + y2 + y3 + y4) / 4
        w = (math.hypot(x2 - x1, y2 - y1) + math.hypot(x3 - x4, y3 - y4)) / 2
        h = (math.hypot(x3 - x2, y3 - y2) + math.hypot(x4 - x1, y4 - y1)) / 2
        angle = math.degrees(math.atan2(y2 - y1, x2 - x1)) if w else 0.0
        fitted = cls(cx, cy, w, h, angle)
        ours = fitted.corners()
        # Clockwise corners are ours; counter-clockwise ones (as Ultralytics writes them) are
        # ours in reverse, the first edge running along the far w side.
        for candidate in (ours, ours[::-1]):
            if all(math.dist(a, b) <= tolerance for a, b in zip(candidate, corners, strict=True)):
                return fitted, True
        return cls.enclosing(corners), False

    @classmethod
    def enclosing(cls, points: Sequence[Point]) -> RotatedBox:
        """The rotated box of least area around ``points`` (rotating calipers on the hull)."""
        hull = convex_hull(points)
        if len(hull) < 3:
            b = Box.around(hull or list(points))
            if len(hull) == 2:  # a segment: a flat box along it
                return cls.from_edge(hull[0], hull[1], hull[0])
            return cls.from_box(b)
        best: tuple[float, RotatedBox] | None = None
        for (x0, y0), (x1, y1) in zip(hull, hull[1:] + hull[:1], strict=True):
            length = math.hypot(x1 - x0, y1 - y0)
            if length == 0:
                continue
            ux, uy = (x1 - x0) / length, (y1 - y0) / length
            us = [x * ux + y * uy for x, y in hull]
            vs = [-x * uy + y * ux for x, y in hull]
            u0, u1, v0, v1 = min(us), max(us), min(vs), max(vs)
            area = (u1 - u0) * (v1 - v0)
            if best is None or area < best[0] - 1e-9:
                um, vm = (u0 + u1) / 2, (v0 + v1) / 2
                cx, cy = um * ux - vm * uy, um * uy + vm * ux
                angle = math.degrees(math.atan2(uy, ux))
                best = (area, cls(cx, cy, u1 - u0, v1 - v0, angle))
        assert best is not None
        return best[1]

    @property
    def axes(self) -> tuple[Point, Point]:
        """Unit vectors along the ``w`` side and along the ``h`` side."""
        t = math.radians(self.angle)
        c, s = math.cos(t), math.sin(t)
        return ((c, s), (-s, c))

    def corners(self) -> tuple[Point, Point, Point, Point]:
        """The corners clockwise on screen, starting at the start of the first drawn edge."""
        (ux, uy), (vx, vy) = self.axes
        hw, hh = self.w / 2, self.h / 2

        def at(su: int, sv: int) -> Point:
            return (self.cx + su * hw * ux + sv * hh * vx, self.cy + su * hw * uy + sv * hh * vy)

        return (at(-1, -1), at(1, -1), at(1, 1), at(-1, 1))

    def outline(self) -> tuple[Point, ...]:
        return self.corners()

    def to_local(self, p: Point) -> Point:
        """``p`` in the box's own frame: (along w, along h) from the centre."""
        (ux, uy), (vx, vy) = self.axes
        dx, dy = p[0] - self.cx, p[1] - self.cy
        return (dx * ux + dy * uy, dx * vx + dy * vy)

    def to_image(self, u: float, v: float) -> Point:
        """The image point at (u, v) in the box's own frame."""
        (ux, uy), (vx, vy) = self.axes
        return (self.cx + u * ux + v * vx, self.cy + u * uy + v * vy)

    def contains(self, p: Point, slack: float = 0.0) -> bool:
        u, v = self.to_local(p)
        return abs(u) <= self.w / 2 + slack and abs(v) <= self.h / 2 + slack

    @property
    def bounds(self) -> Box:
        return Box.around(self.corners())

    @property
    def area(self) -> float:
        return self.w * self.h

    def translated(self, dx: float, dy: float) -> RotatedBox:
        return RotatedBox(self.cx + dx, self.cy + dy, self.w, self.h, self.angle)

    def rotated(self, degrees: float) -> RotatedBox:
        """Turned about its centre, clockwise on screen."""
        return RotatedBox(self.cx, self.cy, self.w, self.h, self.angle + degrees)

    def scaled(self, sx: float, sy: float) -> RotatedBox:
        """Scaled about the image origin. Unequal factors skew a turned rectangle into a
        parallelogram: the result keeps its centre, the direction and length of the ``w`` side,
        and its area."""
        if sx == sy:
            return RotatedBox(self.cx * sx, self.cy * sy, self.w * sx, self.h * sy, self.angle)
        (ux, uy), (vx, vy) = self.axes
        ex, ey = ux * self.w * sx, uy * self.w * sy
        fx, fy = vx * self.h * sx, vy * self.h * sy
        w = math.hypot(ex, ey)
        h = abs(ex * fy - ey * fx) / w if w else math.hypot(fx, fy)
        angle = math.degrees(math.atan2(ey, ex)) if w else self.angle
        return RotatedBox(self.cx * sx, self.cy * sy, w, h, angle)

    def coords(self) -> tuple[float, ...]:
        return (self.cx, self.cy, self.w, self.h, self.angle)

    def to_json(self) -> dict[str, Any]:
        return {"cx": self.cx, "cy": self.cy, "w": self.w, "h": self.h, "angle": self.angle}


def convex_hull(points: Sequence[Point]) -> list[Point]:
    """The convex hull, counter-clockwise in x-right/y-up terms (Andrew's monotone chain)."""
    pts = sorted(set(points))
    if len(pts) <= 2:
        return pts

    def cross(o: Point, a: Point, b: Point) -> float:
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list[Point] = []
    upper: list[Point] = []
    for p in pts:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    for p in reversed(pts):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return lower[:-1] + upper[:-1]


#: A shape with a geometry (every kind but the tag).
Shape = Box | Polygon | RotatedBox
Geometry = Shape | None


def geometry_to_json(geometry: Geometry) -> dict[str, Any] | None:
    """The stored (and wire) form of a geometry."""
    return None if geometry is None else geometry.to_json()
