"""Shapes on the wire: what the geometry of each kind of annotation is, exactly.

One member per :class:`labeler.domain.geometry.ShapeKind`: its geometry as a typed object (finite
numbers only, no strings for numbers, no booleans, no extra keys) and its extent, which the
server checks against the image's frame. A new kind is one more geometry, one more
``*AnnotationData`` class in ``protocol`` and one more entry in :data:`EXTENTS`.

Geometries are ``TypedDict``s, so a parsed annotation's ``geometry`` is a plain dict in its
canonical form (what the server stores and every client compares), not an object.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Annotated, Any

import pydantic
from pydantic import Field
from typing_extensions import TypedDict

from labeler.domain import geometry as geo

#: Most vertices a polygon may have (a 10,000-point outline is far finer than any hand or model
#: draws; the limit keeps one record from filling a feed page).
MAX_POLYGON_POINTS = 10_000

#: How far (pixels) a shape may reach past the image's edges before the server refuses it: the
#: rounding of formats that write integers or normalised values, never a real miss.
FRAME_TOLERANCE = 1.0

# Strict: a JSON number, never "12" or true; integers are taken as floats (10 → 10.0).
Coordinate = Annotated[float, pydantic.Strict(), Field(allow_inf_nan=False)]
Length = Annotated[float, pydantic.Strict(), Field(allow_inf_nan=False, ge=0)]
Point = tuple[Coordinate, Coordinate]

_FORBID = pydantic.ConfigDict(extra="forbid")


@pydantic.with_config(_FORBID)
class BoxGeometry(TypedDict):
    """An axis-aligned box: its top-left corner and its size, in pixels."""

    x: Coordinate
    y: Coordinate
    w: Length
    h: Length


@pydantic.with_config(_FORBID)
class RotatedBoxGeometry(TypedDict):
    """A box turned about its centre: centre, size, and the angle in degrees from the image's x
    axis to the ``w`` side, clockwise on screen."""

    cx: Coordinate
    cy: Coordinate
    w: Length
    h: Length
    angle: Coordinate


@pydantic.with_config(_FORBID)
class PolygonGeometry(TypedDict):
    """A polygon: at least three ``[x, y]`` vertices, in pixels."""

    points: Annotated[list[Point], Field(min_length=3, max_length=MAX_POLYGON_POINTS)]


def _no_geometry(value: Any) -> Any:
    # Older clients wrote a tag's geometry as {}; it means the same as null.
    return None if value == {} else value


#: A tag has no geometry: null (``{}`` is read as null).
NoGeometry = Annotated[None, pydantic.BeforeValidator(_no_geometry)]

Extent = tuple[float, float, float, float]


def _box_extent(g: Mapping[str, Any]) -> Extent:
    return (g["x"], g["y"], g["x"] + g["w"], g["y"] + g["h"])


def _polygon_extent(g: Mapping[str, Any]) -> Extent:
    xs = [p[0] for p in g["points"]]
    ys = [p[1] for p in g["points"]]
    return (min(xs), min(ys), max(xs), max(ys))


def _rotated_box_extent(g: Mapping[str, Any]) -> Extent:
    # The domain's rotated box knows its corners (and keeps its angle in (-180, 180]).
    box = geo.RotatedBox.from_json(g).bounds
    return (box.x, box.y, box.x + box.w, box.y + box.h)


#: The smallest box holding a parsed geometry of each kind (kinds without geometry: absent).
EXTENTS: dict[geo.ShapeKind, Callable[[Mapping[str, Any]], Extent]] = {
    geo.ShapeKind.BOX: _box_extent,
    geo.ShapeKind.POLYGON: _polygon_extent,
    geo.ShapeKind.ROTATED_BOX: _rotated_box_extent,
}


def outside_frame(
    kind: geo.ShapeKind, geometry: Mapping[str, Any] | None, width: int, height: int
) -> str | None:
    """Why a parsed geometry reaches outside a ``width`` × ``height`` image, or None when it
    stays within it (give or take :data:`FRAME_TOLERANCE`)."""
    extent = EXTENTS.get(kind)
    if extent is None or geometry is None:
        return None
    x0, y0, x1, y1 = extent(geometry)
    t = FRAME_TOLERANCE
    if x0 < -t or y0 < -t or x1 > width + t or y1 > height + t:
        # The sum of two finite coordinates may overflow to infinity: say so plainly.
        span = ", ".join(f"{v:g}" if math.isfinite(v) else "beyond any image" for v in (x0, y0))
        far = ", ".join(f"{v:g}" if math.isfinite(v) else "beyond any image" for v in (x1, y1))
        return (
            f"the {kind.value} reaches from ({span}) to ({far}), outside the {width}×{height} image"
        )
    return None
