"""Mouse drags on the canvas, one small class each.

A drag previews its effect on the shape items while it runs and, when it ends, returns what the
canvas should *request* (a new shape or edits); it never changes annotations itself. Cancelling a
drag puts the items back as they were and requests nothing.
"""

from __future__ import annotations

import math
from typing import Protocol

from labeler.domain import annotation as ann
from labeler.domain import geometry as geo
from ui.canvas import items, shapes


class Host(Protocol):
    """What a drag needs from the canvas."""

    def image_size(self) -> tuple[float, float]: ...

    def shape_item(self, annotation_id: str) -> items.ShapeItem | None: ...


Result = ann.NewShape | dict[str, ann.ShapeEdit] | None


class Drag:
    """Base: remembers where the press was, in image and screen pixels."""

    def __init__(
        self, host: Host, start: shapes.Point, start_view: shapes.Point, drag_px: float
    ) -> None:
        self.host = host
        self.start = start
        self.start_view = start_view
        self.drag_px = drag_px
        self.moved = False

    def _track(self, view: shapes.Point) -> None:
        if not self.moved:
            dist = max(abs(view[0] - self.start_view[0]), abs(view[1] - self.start_view[1]))
            self.moved = dist >= self.drag_px

    def move(self, p: shapes.Point, view: shapes.Point) -> None:
        self._track(view)

    def finish(self) -> Result:
        return None

    def cancel(self) -> None:
        """Undo the preview; nothing is requested."""

    def refresh(self) -> bool:
        """The shape items were rebuilt: show the preview again. False if the drag cannot go on."""
        return True


class EditDrag(Drag):
    """A drag that edits existing shapes: keeps their original geometry to restore or compare."""

    def __init__(
        self,
        host: Host,
        start: shapes.Point,
        start_view: shapes.Point,
        drag_px: float,
        originals: dict[str, geo.Box | geo.Polygon],
    ) -> None:
        super().__init__(host, start, start_view, drag_px)
        self.originals = originals
        self.current: dict[str, geo.Box | geo.Polygon] = dict(originals)

    def _show(self) -> None:
        for aid, g in self.current.items():
            item = self.host.shape_item(aid)
            if item is not None:
                item.set_geometry(g)

    def finish(self) -> Result:
        changed = {aid: g for aid, g in self.current.items() if g != self.originals[aid]}
        if not self.moved or not changed:
            self.cancel()
            return None
        return {aid: ann.ShapeEdit(geometry=g) for aid, g in changed.items()}

    def cancel(self) -> None:
        self.current = dict(self.originals)
        self._show()

    def refresh(self) -> bool:
        if any(self.host.shape_item(aid) is None for aid in self.originals):
            return False
        self._show()
        return True


class MoveShapes(EditDrag):
    """Drag the selected shapes together, kept inside the image."""

    def move(self, p: shapes.Point, view: shapes.Point) -> None:
        self._track(view)
        if not self.moved:
            return
        w, h = self.host.image_size()
        geoms = list(self.originals.values())
        dx, dy = shapes.clamp_offset(geoms, p[0] - self.start[0], p[1] - self.start[1], w, h)
        self.current = {
            aid: _typed(shapes.translated(g, dx, dy)) for aid, g in self.originals.items()
        }
        self._show()


class ResizeBox(EditDrag):
    """Drag one of the eight handles of a box."""

    def __init__(
        self,
        host: Host,
        start: shapes.Point,
        start_view: shapes.Point,
        drag_px: float,
        annotation_id: str,
        box: geo.Box,
        handle: shapes.Handle,
    ) -> None:
        super().__init__(host, start, start_view, drag_px, {annotation_id: box})
        self.annotation_id = annotation_id
        self.box = box
        self.handle = handle

    def move(self, p: shapes.Point, view: shapes.Point) -> None:
        self._track(view)
        w, h = self.host.image_size()
        dx, dy = p[0] - self.start[0], p[1] - self.start[1]
        self.current = {self.annotation_id: shapes.resize_box(self.box, self.handle, dx, dy, w, h)}
        self._show()

    def finish(self) -> Result:
        new = self.current[self.annotation_id]
        if isinstance(new, geo.Box) and (new.w <= 0 or new.h <= 0):
            # Squashed flat against the opposite side: a zero-size box is never what was meant.
            self.cancel()
            return None
        return super().finish()


class MoveVertex(EditDrag):
    """Drag one vertex of a polygon."""

    def __init__(
        self,
        host: Host,
        start: shapes.Point,
        start_view: shapes.Point,
        drag_px: float,
        annotation_id: str,
        polygon: geo.Polygon,
        index: int,
    ) -> None:
        super().__init__(host, start, start_view, drag_px, {annotation_id: polygon})
        self.annotation_id = annotation_id
        self.polygon = polygon
        self.index = index

    def move(self, p: shapes.Point, view: shapes.Point) -> None:
        self._track(view)
        w, h = self.host.image_size()
        x0, y0 = self.polygon.points[self.index]
        q = shapes.clamp_point((x0 + p[0] - self.start[0], y0 + p[1] - self.start[1]), w, h)
        pts = list(self.polygon.points)
        pts[self.index] = q
        self.current = {self.annotation_id: geo.Polygon(tuple(pts))}
        self._show()


class DrawBox(Drag):
    """Drag out a new box with the box tool."""

    def __init__(
        self,
        host: Host,
        start: shapes.Point,
        start_view: shapes.Point,
        drag_px: float,
        draft: items.DraftItem,
        class_id: str | None,
    ) -> None:
        w, h = host.image_size()
        super().__init__(host, shapes.clamp_point(start, w, h), start_view, drag_px)
        self.draft = draft
        self.class_id = class_id
        self.end = self.start

    def move(self, p: shapes.Point, view: shapes.Point) -> None:
        self._track(view)
        w, h = self.host.image_size()
        self.end = shapes.clamp_point(p, w, h)
        self.draft.set_rect(geo.Box.from_corners(*self.start, *self.end))

    def finish(self) -> Result:
        box = geo.Box.from_corners(*self.start, *self.end)
        if not self.moved or box.w <= 0 or box.h <= 0:
            return None
        return ann.NewShape(class_id=self.class_id, kind=geo.ShapeKind.BOX, geometry=box)


class RubberBand(Drag):
    """Drag a selection rectangle over empty space with the select tool."""

    def __init__(
        self,
        host: Host,
        start: shapes.Point,
        start_view: shapes.Point,
        drag_px: float,
        draft: items.DraftItem,
    ) -> None:
        super().__init__(host, start, start_view, drag_px)
        self.draft = draft
        self.rect = geo.Box(start[0], start[1], 0.0, 0.0)

    def move(self, p: shapes.Point, view: shapes.Point) -> None:
        self._track(view)
        self.rect = geo.Box.from_corners(*self.start, *p)
        if self.moved:
            self.draft.set_rect(self.rect)


class Pan(Drag):
    """Middle button, or Space with the left button: the picture follows the hand."""

    def __init__(self, host: Host, start_view: shapes.Point, scroll: tuple[int, int]) -> None:
        super().__init__(host, (0.0, 0.0), start_view, 0.0)
        self.scroll = scroll

    def target(self, view: shapes.Point) -> tuple[int, int]:
        """Scroll bar values that keep the grabbed point under the pointer (ints, as Qt wants)."""
        return (
            round(self.scroll[0] - (view[0] - self.start_view[0])),
            round(self.scroll[1] - (view[1] - self.start_view[1])),
        )


class PolygonDraft:
    """A polygon being clicked in, vertex by vertex."""

    def __init__(self, draft: items.DraftItem, class_id: str | None) -> None:
        self.draft = draft
        self.class_id = class_id
        self.points: list[shapes.Point] = []
        self.cursor: shapes.Point | None = None

    def near_first(self, p: shapes.Point, slack: float) -> bool:
        if len(self.points) < 3:
            return False
        x, y = self.points[0]
        return math.hypot(p[0] - x, p[1] - y) <= slack

    def add(self, p: shapes.Point, slack: float) -> None:
        # A second click on the same spot (a double click) adds nothing.
        if (
            self.points
            and math.hypot(p[0] - self.points[-1][0], p[1] - self.points[-1][1]) < slack / 4
        ):
            return
        self.points.append(p)
        self.show(slack)

    def pop(self, slack: float) -> None:
        if self.points:
            self.points.pop()
        self.show(slack)

    def hover(self, p: shapes.Point, slack: float) -> None:
        self.cursor = p
        self.show(slack)

    def show(self, slack: float) -> None:
        closing = self.cursor is not None and self.near_first(self.cursor, slack)
        self.draft.set_polyline(self.points, None if closing else self.cursor, closing)

    def shape(self) -> ann.NewShape | None:
        """The finished polygon, or None when it would not be a real area."""
        if len(self.points) < 3:
            return None
        polygon = geo.Polygon(tuple(self.points))
        if polygon.area <= 0:
            return None
        return ann.NewShape(class_id=self.class_id, kind=geo.ShapeKind.POLYGON, geometry=polygon)


def _typed(g: geo.Geometry) -> geo.Box | geo.Polygon:
    assert isinstance(g, geo.Box | geo.Polygon)
    return g
