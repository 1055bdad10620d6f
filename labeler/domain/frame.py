"""The frame every shape of an image lives in: its displayed picture, ``width`` × ``height`` pixels
(EXIF orientation applied, so a phone photo taken upright is taller than wide).

One rule, used wherever a shape is stored and by ``labeler scan``: a shape may reach a little past
an edge (rounding, a tool's pixel convention) and is then cut to the frame; a shape reaching
further was drawn in another frame (a photo shown sideways, an image of another size) and is
refused, because cutting it would store a wrong shape without a word.
"""

from __future__ import annotations

import dataclasses

from labeler.domain import geometry as geo

#: How far past an edge a shape may reach and still be cut to the frame: this share of the
#: frame's side, and never less than :data:`MIN_TOLERANCE_PX`.
TOLERANCE_SHARE = 0.01
MIN_TOLERANCE_PX = 1.0


class OutsideFrameError(geo.GeometryError):
    """A shape that reaches well outside its image."""


@dataclasses.dataclass(frozen=True, slots=True)
class Overshoot:
    """How far a shape reaches past each edge of a frame (0 where it stays inside), in pixels."""

    left: float
    top: float
    right: float
    bottom: float

    def beyond(self, width: float, height: float) -> bool:
        """True when the shape reaches further than the tolerance past any edge."""
        tx, ty = tolerance(width), tolerance(height)
        return max(self.left, self.right) > tx or max(self.top, self.bottom) > ty

    def __bool__(self) -> bool:
        return any(v > 0 for v in (self.left, self.top, self.right, self.bottom))


def tolerance(side: float) -> float:
    """How far past an edge of a frame ``side`` pixels long a shape may reach and be cut."""
    return max(MIN_TOLERANCE_PX, TOLERANCE_SHARE * side)


def overshoot(geometry: geo.Geometry, width: float, height: float) -> Overshoot:
    """How far ``geometry`` reaches past the edges of a ``width`` × ``height`` frame."""
    if geometry is None:
        return Overshoot(0.0, 0.0, 0.0, 0.0)
    b = _bounds(geometry)
    return Overshoot(
        max(0.0, -b.x), max(0.0, -b.y), max(0.0, b.x1 - width), max(0.0, b.y1 - height)
    )


def fit(geometry: geo.Geometry, width: float | None, height: float | None) -> geo.Geometry:
    """``geometry`` inside its image's frame: cut to it when it reaches only a little past an edge.

    Args:
        geometry: the shape (None for a tag: returned as it is).
        width, height: the image's displayed frame; None when it is not known yet (the image is
            not indexed), in which case nothing can be checked and the shape is returned.

    Raises:
        OutsideFrameError: the shape reaches further than the tolerance past an edge, saying
            how far and in which frame.
    """
    if geometry is None or not width or not height:
        return geometry
    over = overshoot(geometry, width, height)
    if not over:
        return geometry
    if over.beyond(width, height):
        b = _bounds(geometry)
        raise OutsideFrameError(
            f"the shape (x {b.x:.0f}–{b.x1:.0f}, y {b.y:.0f}–{b.y1:.0f}) reaches outside the "
            f"image, which is {width:.0f} × {height:.0f} pixels; it was not stored"
        )
    if isinstance(geometry, geo.Box):
        cut = geometry.clipped(width, height)
        if cut.area <= 0 < geometry.area:
            raise OutsideFrameError(
                f"the box lies outside the image, which is {width:.0f} × {height:.0f} pixels; "
                "it was not stored"
            )
        return cut
    if isinstance(geometry, geo.RotatedBox):
        # A rotated box cut by an edge is no longer a rectangle: one reaching within the
        # tolerance (rounding, a tool's pixel convention) is kept as drawn; exports move its
        # corners onto the edge and say so.
        return geometry
    # A new shape kind says here how it is cut to the frame.
    return geo.Polygon(
        tuple((min(max(x, 0.0), width), min(max(y, 0.0), height)) for x, y in geometry.points)
    )


def _bounds(geometry: geo.Shape) -> geo.Box:
    return geometry if isinstance(geometry, geo.Box) else geometry.bounds
