"""Rotated boxes on the canvas: their handles, what dragging one does, and how one is drawn.

Drawing takes three clicks, as aerial-image labelers are used to (DOTA-style tools, roLabelImg's
successors): two along one edge of the object — which sets the angle and the length — and a
third for the width, on either side of that edge. The first edge can also be dragged out (press,
drag, release) before the width click. While drawing, a dashed outline follows the pointer;
Backspace takes back the last click and Esc gives up.

A selected rotated box has eight resize handles in its own frame (corners and, when big enough on
screen, mid-sides) and a round rotate knob on a stem beyond the side the box was drawn from.
Resizing moves one side (or two at a corner) along the box's own axes; the knob turns it about its
centre. Both keep the box inside the image; ``[`` and ``]`` turn the selection by a degree
(``Shift``: ten), which the canvas merges into one edit like arrow-key nudges.

Plain Python but for the draft, which paints through a :class:`ui.canvas.items.DraftItem`.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from labeler.domain import annotation as ann
from labeler.domain import geometry as geo
from ui.canvas import items, shapes
from ui.canvas import style as st

#: The rotate knob's key among the handles (0..7 are the sides, as :class:`shapes.Handle`).
ROTATE = 8
#: How far beyond the box the rotate knob sits, in handle sizes.
KNOB_GAP = 3.0
#: The knob turns in steps of this many degrees while Shift is held.
SNAP_DEGREES = 15.0


def spots(box: geo.RotatedBox, canvas_style: st.CanvasStyle, px: float) -> list[shapes.Spot]:
    """The handles of a selected rotated box at ``px`` image pixels per screen pixel."""
    size = canvas_style.handle_px * px
    mids = min(box.w, box.h) >= 3 * size
    (ux, uy), (vx, vy) = box.axes
    out: list[shapes.Spot] = []
    for handle in shapes.Handle:
        if not mids and not handle.is_corner:
            continue
        sx, sy = shapes.handle_sides(handle)
        anchor = box.to_image(sx * box.w / 2, sy * box.h / 2)
        # Outside the box, touching it, as a box's handles are.
        dx, dy = (sx * ux + sy * vx), (sx * uy + sy * vy)
        centre = (anchor[0] + dx * size / 2, anchor[1] + dy * size / 2)
        out.append(
            shapes.Spot(
                handle.value, anchor, shapes.centred_square(centre, size),
                shapes.SpotStyle.RESIZE, (dx, dy),
            )
        )  # fmt: skip
    stem = box.to_image(0.0, -box.h / 2)
    knob = box.to_image(0.0, -box.h / 2 - KNOB_GAP * size)
    out.append(
        shapes.Spot(
            ROTATE, knob, shapes.centred_square(knob, size * 1.3), shapes.SpotStyle.ROTATE,
            stem=stem,
        )
    )  # fmt: skip
    return out


def drag_handle(
    box: geo.RotatedBox,
    key: int,
    start: shapes.Point,
    p: shapes.Point,
    width: float,
    height: float,
    *,
    snap: bool = False,
) -> geo.RotatedBox:
    """``box`` with handle ``key`` dragged from ``start`` to ``p``, kept inside the image.

    With ``snap`` (Shift held) the rotate knob turns the box to whole multiples of 15°, as in
    CVAT."""
    if key == ROTATE:
        before = math.atan2(start[1] - box.cy, start[0] - box.cx)
        now = math.atan2(p[1] - box.cy, p[0] - box.cx)
        turn = math.degrees(now - before)
        if snap:
            turn = round((box.angle + turn) / SNAP_DEGREES) * SNAP_DEGREES - box.angle
        return _kept(lambda t: box.rotated(turn * t), width, height)
    (ux, uy), (vx, vy) = box.axes
    dx, dy = p[0] - start[0], p[1] - start[1]
    du, dv = dx * ux + dy * uy, dx * vx + dy * vy
    sx, sy = shapes.handle_sides(shapes.Handle(key))

    def resized(t: float) -> geo.RotatedBox:
        u0, u1, v0, v1 = -box.w / 2, box.w / 2, -box.h / 2, box.h / 2
        if sx < 0:
            u0 += du * t
        elif sx > 0:
            u1 += du * t
        if sy < 0:
            v0 += dv * t
        elif sy > 0:
            v1 += dv * t
        # Past the opposite side the box flips over, as a box does, keeping its angle.
        cx, cy = box.to_image((u0 + u1) / 2, (v0 + v1) / 2)
        return geo.RotatedBox(cx, cy, abs(u1 - u0), abs(v1 - v0), box.angle)

    return _kept(resized, width, height)


def rotate(box: geo.RotatedBox, degrees: float, width: float, height: float) -> geo.RotatedBox:
    """``box`` turned clockwise by ``degrees`` about its centre, as far as the image allows."""
    return _kept(lambda t: box.rotated(degrees * t), width, height)


def _kept(make: Callable[[float], geo.RotatedBox], width: float, height: float) -> geo.RotatedBox:
    out = shapes.largest_step(make, lambda g: shapes.fits_image(g, width, height))
    assert isinstance(out, geo.RotatedBox)
    return out


def fit_depth(a: shapes.Point, b: shapes.Point, depth: float, width: float, height: float) -> float:
    """``depth`` (signed, towards the right of ``a``→``b`` on screen) cut so the box drawn from
    edge ``a``–``b`` stays inside the image (``a`` and ``b`` are inside)."""
    length = math.hypot(b[0] - a[0], b[1] - a[1])
    if length == 0:
        return 0.0
    nx, ny = -(b[1] - a[1]) / length, (b[0] - a[0]) / length
    low, high = -math.inf, math.inf
    for qx, qy in (a, b):
        for q, n, limit in ((qx, nx, width), (qy, ny, height)):
            if n > 1e-12:
                low, high = max(low, -q / n), min(high, (limit - q) / n)
            elif n < -1e-12:
                low, high = max(low, (limit - q) / n), min(high, -q / n)
    return shapes.clamp(depth, min(low, 0.0), max(high, 0.0))


class RotatedBoxDraft:
    """A rotated box being drawn: an edge (two clicks, or a drag), then its width (a click)."""

    def __init__(
        self, draft: items.DraftItem, class_id: str | None, size: tuple[float, float]
    ) -> None:
        self.draft = draft
        self.class_id = class_id
        self.size = size
        self.points: list[shapes.Point] = []
        self.cursor: shapes.Point | None = None

    def _box(self, c: shapes.Point) -> geo.RotatedBox:
        a, b = self.points
        box = geo.RotatedBox.from_edge(a, b, c)
        length = math.hypot(b[0] - a[0], b[1] - a[1])
        nx, ny = -(b[1] - a[1]) / length, (b[0] - a[0]) / length
        depth = (c[0] - a[0]) * nx + (c[1] - a[1]) * ny
        fitted = fit_depth(a, b, depth, *self.size)
        if fitted == depth:
            return box
        return geo.RotatedBox.from_edge(a, b, (a[0] + nx * fitted, a[1] + ny * fitted))

    def click(self, p: shapes.Point, slack: float) -> ann.NewShape | None:
        """A click: the next point, or the finished box when it sets the width."""
        if self.points and math.dist(p, self.points[-1]) < slack / 4:
            return None  # the second click of a double click adds nothing
        if len(self.points) < 2:
            self.points.append(p)
            self.show(slack)
            return None
        self.cursor = p
        return self.close()

    def release(self, p: shapes.Point, moved: bool, slack: float) -> ann.NewShape | None:
        """The button came up at ``p``: a drag from the first point makes the edge."""
        if moved and len(self.points) == 1:
            self.points.append(p)
            self.show(slack)
        return None

    def close(self) -> ann.NewShape | None:
        """The box as it stands (Enter, or the width click); None when it would be flat."""
        if len(self.points) < 2 or self.cursor is None or math.dist(*self.points) <= 0:
            return None
        box = self._box(self.cursor)
        if box.w <= 0 or box.h <= 0:
            return None
        return ann.NewShape(class_id=self.class_id, kind=geo.ShapeKind.ROTATED_BOX, geometry=box)

    def pop(self, slack: float) -> None:
        if self.points:
            self.points.pop()
        self.show(slack)

    def hover(self, p: shapes.Point, slack: float) -> None:
        self.cursor = p
        self.show(slack)

    def show(self, slack: float) -> None:
        if len(self.points) == 2 and self.cursor is not None and math.dist(*self.points) > 0:
            self.draft.set_polyline(self.points, None, False)
            self.draft.set_outline(self._box(self.cursor).corners())
        else:
            self.draft.set_outline(())
            self.draft.set_polyline(self.points, self.cursor, False)
