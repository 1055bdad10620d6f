"""Geometry helpers for the canvas: handles, hit tests, clamping. Plain Python, no Qt.

All coordinates are floats in the full-resolution displayed frame. Tolerances that the user feels
in screen pixels arrive here already converted to image pixels (``px`` = image pixels per screen
pixel), so these functions work the same at any zoom.
"""

from __future__ import annotations

import dataclasses
import enum
import math
from collections.abc import Callable, Sequence

from labeler.domain import geometry as geo

Point = tuple[float, float]


class SpotStyle(enum.Enum):
    """How a handle looks and what it does."""

    RESIZE = "resize"  # a square outside the shape; moves a side or a corner
    VERTEX = "vertex"  # a square on a polygon's vertex; grows under the pointer; can be deleted
    ROTATE = "rotate"  # a round knob on a stem; turns the shape about its centre


@dataclasses.dataclass(frozen=True, slots=True)
class Spot:
    """One handle of a selected shape, in image pixels.

    Attributes:
        key: which handle, as the shape's kind numbers them (a vertex index, a side).
        anchor: the point it moves.
        square: where it is drawn and grabbed.
        style: how it looks and what it does.
        direction: outward direction from the shape (chooses the resize cursor); (0, 0) if none.
        stem: for a rotate knob, the point on the shape its stem starts from.
    """

    key: int
    anchor: Point
    square: geo.Box
    style: SpotStyle
    direction: Point = (0.0, 0.0)
    stem: Point | None = None


def centred_square(p: Point, size: float) -> geo.Box:
    return geo.Box(p[0] - size / 2, p[1] - size / 2, size, size)


def spot_at(spots: Sequence[Spot], p: Point, slack: float) -> Spot | None:
    """The handle under ``p``: on its square (grown by ``slack``) or near the point it moves;
    the nearest one when several are."""
    best: tuple[float, Spot] | None = None
    for spot in spots:
        r = spot.square
        on_square = (r.x - slack <= p[0] <= r.x1 + slack) and (r.y - slack <= p[1] <= r.y1 + slack)
        dist = math.hypot(p[0] - spot.anchor[0], p[1] - spot.anchor[1])
        if (on_square or dist <= slack) and (best is None or dist < best[0]):
            best = (dist, spot)
    return None if best is None else best[1]


def largest_step(
    make: Callable[[float], geo.Shape], fits: Callable[[geo.Shape], bool]
) -> geo.Shape:
    """``make(1.0)``, or ``make(t)`` for the largest ``t`` in [0, 1] that still ``fits`` when the
    whole step does not (found by bisection; ``make(0.0)`` is the shape before the step)."""
    full = make(1.0)
    if fits(full) or not fits(make(0.0)):
        return full  # a shape already past an edge (imported so) is not held back
    low, high = 0.0, 1.0
    for _ in range(24):  # well under a thousandth of a pixel on any image
        mid = (low + high) / 2
        if fits(make(mid)):
            low = mid
        else:
            high = mid
    return make(low)


def fits_image(shape: geo.Shape, width: float, height: float) -> bool:
    """Whether every point of ``shape``'s outline lies in the image (a hair of rounding allowed)."""
    eps = 1e-6
    return all(-eps <= x <= width + eps and -eps <= y <= height + eps for x, y in shape.outline())


class Handle(enum.IntEnum):
    """The eight resize handles of a box, clockwise from the top-left corner."""

    TOP_LEFT = 0
    TOP = 1
    TOP_RIGHT = 2
    RIGHT = 3
    BOTTOM_RIGHT = 4
    BOTTOM = 5
    BOTTOM_LEFT = 6
    LEFT = 7

    @property
    def is_corner(self) -> bool:
        return self.value % 2 == 0


# Which side of the box each handle lies on: -1 left/top, 0 middle, +1 right/bottom.
_SIDES: dict[Handle, tuple[int, int]] = {
    Handle.TOP_LEFT: (-1, -1),
    Handle.TOP: (0, -1),
    Handle.TOP_RIGHT: (1, -1),
    Handle.RIGHT: (1, 0),
    Handle.BOTTOM_RIGHT: (1, 1),
    Handle.BOTTOM: (0, 1),
    Handle.BOTTOM_LEFT: (-1, 1),
    Handle.LEFT: (-1, 0),
}


def handle_sides(handle: Handle) -> tuple[int, int]:
    return _SIDES[handle]


def clamp(value: float, low: float, high: float) -> float:
    return low if value < low else high if value > high else value


def clamp_point(p: Point, width: float, height: float) -> Point:
    return (clamp(p[0], 0.0, width), clamp(p[1], 0.0, height))


def handle_rects(box: geo.Box, size: float, *, mids: bool = True) -> dict[Handle, geo.Box]:
    """Where the handles of ``box`` are drawn, in image pixels.

    Handles sit *outside* the box, touching it, so they never cover the pixels being labeled.
    ``size`` is the handle edge in image pixels (a constant number of screen pixels).
    Mid-edge handles are left out when ``mids`` is false (a box too small on screen).
    """
    out: dict[Handle, geo.Box] = {}
    for handle, (sx, sy) in _SIDES.items():
        if not mids and not handle.is_corner:
            continue
        hx = {-1: box.x - size, 0: box.x + box.w / 2 - size / 2, 1: box.x1}[sx]
        hy = {-1: box.y - size, 0: box.y + box.h / 2 - size / 2, 1: box.y1}[sy]
        out[handle] = geo.Box(hx, hy, size, size)
    return out


def resize_box(
    box: geo.Box, handle: Handle, dx: float, dy: float, width: float, height: float
) -> geo.Box:
    """``box`` with the side(s) under ``handle`` moved by (dx, dy), clamped to the image.

    Dragging a side past the opposite one flips the box instead of giving it a negative size.
    """
    sx, sy = _SIDES[handle]
    x0, y0, x1, y1 = box.x, box.y, box.x1, box.y1
    if sx < 0:
        x0 = clamp(x0 + dx, 0.0, width)
    elif sx > 0:
        x1 = clamp(x1 + dx, 0.0, width)
    if sy < 0:
        y0 = clamp(y0 + dy, 0.0, height)
    elif sy > 0:
        y1 = clamp(y1 + dy, 0.0, height)
    return geo.Box.from_corners(x0, y0, x1, y1)


def bounds_of(geometries: Sequence[geo.Geometry]) -> geo.Box | None:
    """The box around every shape given (tags have none)."""
    boxes = [g.bounds for g in geometries if g is not None]
    if not boxes:
        return None
    return geo.Box.from_corners(
        min(b.x for b in boxes),
        min(b.y for b in boxes),
        max(b.x1 for b in boxes),
        max(b.y1 for b in boxes),
    )


def clamp_offset(
    geometries: Sequence[geo.Geometry], dx: float, dy: float, width: float, height: float
) -> Point:
    """The part of (dx, dy) that keeps every shape inside the image (they move together)."""
    b = bounds_of(geometries)
    if b is None:
        return (0.0, 0.0)
    # A shape already past an edge (imported that way) may move, but never further out.
    dx = clamp(dx, min(0.0, -b.x), max(0.0, width - b.x1)) if b.w <= width else 0.0
    dy = clamp(dy, min(0.0, -b.y), max(0.0, height - b.y1)) if b.h <= height else 0.0
    return (dx, dy)


def vertex_at(points: Sequence[Point], p: Point, slack: float) -> int | None:
    """Index of the vertex nearest ``p`` within ``slack``, if any."""
    best: tuple[float, int] | None = None
    for i, (x, y) in enumerate(points):
        d = math.hypot(p[0] - x, p[1] - y)
        if d <= slack and (best is None or d < best[0]):
            best = (d, i)
    return None if best is None else best[1]


def distance_to_segment(p: Point, a: Point, b: Point) -> tuple[float, Point]:
    """Distance from ``p`` to segment ``ab`` and the nearest point on it."""
    ax, ay = a
    vx, vy = b[0] - ax, b[1] - ay
    length2 = vx * vx + vy * vy
    t = 0.0 if length2 == 0 else clamp(((p[0] - ax) * vx + (p[1] - ay) * vy) / length2, 0.0, 1.0)
    q = (ax + t * vx, ay + t * vy)
    return (math.hypot(p[0] - q[0], p[1] - q[1]), q)


def edge_at(points: Sequence[Point], p: Point, slack: float) -> tuple[int, Point] | None:
    """The closed-polygon edge near ``p``: (index of the vertex it starts at, nearest point)."""
    best: tuple[float, int, Point] | None = None
    n = len(points)
    for i in range(n):
        d, q = distance_to_segment(p, points[i], points[(i + 1) % n])
        if d <= slack and (best is None or d < best[0]):
            best = (d, i, q)
    return None if best is None else (best[1], best[2])


def box_contains(box: geo.Box, p: Point, slack: float = 0.0) -> bool:
    return box.x - slack <= p[0] <= box.x1 + slack and box.y - slack <= p[1] <= box.y1 + slack


def polygon_contains(points: Sequence[Point], p: Point) -> bool:
    """Even-odd rule point-in-polygon test."""
    inside = False
    n = len(points)
    x, y = p
    for i in range(n):
        x0, y0 = points[i]
        x1, y1 = points[(i + 1) % n]
        if (y0 > y) != (y1 > y):
            xi = x0 + (y - y0) * (x1 - x0) / (y1 - y0)
            if x < xi:
                inside = not inside
    return inside


def geometry_hit(geometry: geo.Geometry, p: Point, slack: float) -> bool:
    """Whether a click at ``p`` lands on the shape: inside it or within ``slack`` of its outline."""
    if geometry is None:
        return False
    if isinstance(geometry, geo.Box):  # the common case, without building its outline
        return box_contains(geometry, p, slack)
    pts = geometry.outline()
    return polygon_contains(pts, p) or edge_at(pts, p, slack) is not None


def geometry_area(geometry: geo.Geometry) -> float:
    return 0.0 if geometry is None else geometry.area


def inside(geometry: geo.Geometry, rect: geo.Box) -> bool:
    """Whether the shape lies entirely inside ``rect`` (rubber-band selection)."""
    if geometry is None:
        return False
    b = geometry.bounds
    return rect.x <= b.x and rect.y <= b.y and b.x1 <= rect.x1 and b.y1 <= rect.y1


# --------------------------------------------------------------------------- handles per kind


def box_spots(box: geo.Box, size: float, *, mids: bool) -> list[Spot]:
    """The resize handles of a box (see :func:`handle_rects`), keyed by :class:`Handle`."""
    out = []
    for handle, r in handle_rects(box, size, mids=mids).items():
        sx, sy = _SIDES[handle]
        ax = {-1: box.x, 0: box.x + box.w / 2, 1: box.x1}[sx]
        ay = {-1: box.y, 0: box.y + box.h / 2, 1: box.y1}[sy]
        out.append(Spot(handle.value, (ax, ay), r, SpotStyle.RESIZE, (float(sx), float(sy))))
    return out


def drag_box_handle(
    box: geo.Box, key: int, start: Point, p: Point, width: float, height: float
) -> geo.Box:
    return resize_box(box, Handle(key), p[0] - start[0], p[1] - start[1], width, height)


def polygon_spots(polygon: geo.Polygon, size: float) -> list[Spot]:
    """A handle on every vertex, keyed by the vertex's index."""
    return [
        Spot(i, pt, centred_square(pt, size), SpotStyle.VERTEX)
        for i, pt in enumerate(polygon.points)
    ]


def drag_vertex(
    polygon: geo.Polygon, key: int, start: Point, p: Point, width: float, height: float
) -> geo.Polygon:
    """``polygon`` with vertex ``key`` moved with the pointer, kept inside the image."""
    x0, y0 = polygon.points[key]
    pts = list(polygon.points)
    pts[key] = clamp_point((x0 + p[0] - start[0], y0 + p[1] - start[1]), width, height)
    return geo.Polygon(tuple(pts))
