"""Mouse drags on the canvas, one small class each, and the shapes drawn click by click.

A drag previews its effect on the shape items while it runs and, when it ends, returns what the
canvas should *request* (a new shape or edits); it never changes annotations itself. Cancelling a
drag puts the items back as they were and requests nothing. A :class:`ClickDraft` (a polygon,
a rotated box) takes clicks until it makes a shape.
"""

from __future__ import annotations

import math
from collections.abc import Callable
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
        self.snap = False  # Shift held: the canvas sets it before each move

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
        originals: dict[str, geo.Shape],
    ) -> None:
        super().__init__(host, start, start_view, drag_px)
        self.originals = originals
        self.current: dict[str, geo.Shape] = dict(originals)

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
        self.current = {aid: g.translated(dx, dy) for aid, g in self.originals.items()}
        self._show()


#: What dragging a handle does: (shape, handle key, press point, pointer, image width, image
#: height, snap — Shift held: turn in 15° steps).
HandleFn = Callable[[geo.Shape, int, shapes.Point, shapes.Point, float, float, bool], geo.Shape]


class HandleDrag(EditDrag):
    """Drag one handle of a selected shape (a side, a vertex, a rotate knob): its kind's
    ``drag`` says what that does; a result its kind does not ``keep`` (a box squashed flat)
    requests nothing."""

    def __init__(
        self,
        host: Host,
        start: shapes.Point,
        start_view: shapes.Point,
        drag_px: float,
        annotation_id: str,
        shape: geo.Shape,
        key: int,
        drag: HandleFn,
        keep: Callable[[geo.Shape], bool],
    ) -> None:
        super().__init__(host, start, start_view, drag_px, {annotation_id: shape})
        self.annotation_id = annotation_id
        self.shape = shape
        self.key = key
        self._drag = drag
        self._keep = keep

    def move(self, p: shapes.Point, view: shapes.Point) -> None:
        self._track(view)
        w, h = self.host.image_size()
        new = self._drag(self.shape, self.key, self.start, p, w, h, self.snap)
        self.current = {self.annotation_id: new}
        self._show()

    def finish(self) -> Result:
        if not self._keep(self.current[self.annotation_id]):
            self.cancel()
            return None
        return super().finish()


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


class ClickDraft(Protocol):
    """A shape being drawn click by click (a polygon, a rotated box).

    Attributes:
        draft: the item showing it.
        class_id: the class it gets (follows the current class while drawing).
        points: the clicks so far.
    """

    draft: items.DraftItem
    class_id: str | None
    points: list[shapes.Point]

    def click(self, p: shapes.Point, slack: float) -> ann.NewShape | None:
        """A click at ``p``; returns the finished shape when the click completes it."""
        ...

    def release(self, p: shapes.Point, moved: bool, slack: float) -> ann.NewShape | None:
        """The button came up at ``p`` (``moved``: after a drag from the last click)."""
        ...

    def close(self) -> ann.NewShape | None:
        """Finish now (Enter, a double click); None when it is not a shape yet."""
        ...

    def pop(self, slack: float) -> None:
        """Take back the last click."""
        ...

    def hover(self, p: shapes.Point, slack: float) -> None:
        """The pointer moved to ``p``."""
        ...


class PolygonDraft:
    """A polygon being clicked in, vertex by vertex; a click on the first vertex closes it."""

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

    def click(self, p: shapes.Point, slack: float) -> ann.NewShape | None:
        if self.near_first(p, slack):
            return self.close()
        self.add(p, slack)
        return None

    def release(self, p: shapes.Point, moved: bool, slack: float) -> ann.NewShape | None:
        return None

    def close(self) -> ann.NewShape | None:
        return self.shape()

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
