"""Each kind of shape on the canvas, registered once: its tool, its handles, how it is drawn.

The canvas, the shape layer and the items ask this registry instead of testing kinds: which
handles a selected shape shows and what dragging one does, whether a shape can be turned, and
what a press with the kind's tool starts (a drag for a box, clicks for a polygon or a rotated
box). A new kind adds an entry here (and its module, like :mod:`ui.canvas.rotated`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from labeler.domain import geometry as geo
from labeler.domain import kinds as domain_kinds
from ui.canvas import interactions as ia
from ui.canvas import items, rotated, shapes
from ui.canvas import style as st

K = geo.ShapeKind

#: What a press with a kind's tool starts: (host, press point, press in the viewport, drag
#: threshold, the draft item to paint on, the class to draw) → a drag or a click-by-click draft.
StartFn = Callable[
    [ia.Host, shapes.Point, shapes.Point, float, items.DraftItem, str | None],
    ia.Drag | ia.ClickDraft,
]


@dataclasses.dataclass(frozen=True, slots=True)
class CanvasKind:
    """How one kind of shape behaves on the canvas.

    Attributes:
        kind: the kind (its value is also the name of its drawing tool).
        spots: the handles a selected shape shows.
        drag: what dragging one of them does (kept inside the image).
        keep: whether an edited shape is worth requesting (a box squashed flat is not).
        start: what a press with the kind's tool starts.
        turn: the shape turned by some degrees within the image; None for kinds that do not turn.
    """

    kind: geo.ShapeKind
    spots: items.SpotsFn
    drag: ia.HandleFn
    keep: Callable[[geo.Shape], bool]
    start: StartFn
    turn: Callable[[geo.Shape, float, float, float], geo.Shape] | None = None

    @property
    def tool(self) -> str:
        return self.kind.value


def _box_spots(g: geo.Shape, canvas_style: st.CanvasStyle, px: float) -> list[shapes.Spot]:
    assert isinstance(g, geo.Box)
    size = canvas_style.handle_px * px
    # Mid-edge handles only when the box is big enough on screen to tell them apart.
    return shapes.box_spots(g, size, mids=min(g.w, g.h) >= 3 * size)


def _box_drag(
    g: geo.Shape, key: int, a: shapes.Point, b: shapes.Point, w: float, h: float, snap: bool
) -> geo.Shape:
    assert isinstance(g, geo.Box)
    return shapes.drag_box_handle(g, key, a, b, w, h)


def _start_box(
    host: ia.Host, p: shapes.Point, vp: shapes.Point, drag_px: float, draft: items.DraftItem,
    class_id: str | None,
) -> ia.Drag:  # fmt: skip
    return ia.DrawBox(host, p, vp, drag_px, draft, class_id)


def _polygon_spots(g: geo.Shape, canvas_style: st.CanvasStyle, px: float) -> list[shapes.Spot]:
    assert isinstance(g, geo.Polygon)
    return shapes.polygon_spots(g, canvas_style.vertex_px * px)


def _polygon_drag(
    g: geo.Shape, key: int, a: shapes.Point, b: shapes.Point, w: float, h: float, snap: bool
) -> geo.Shape:
    assert isinstance(g, geo.Polygon)
    return shapes.drag_vertex(g, key, a, b, w, h)


def _start_polygon(
    host: ia.Host, p: shapes.Point, vp: shapes.Point, drag_px: float, draft: items.DraftItem,
    class_id: str | None,
) -> ia.ClickDraft:  # fmt: skip
    return ia.PolygonDraft(draft, class_id)


def _rotated_spots(g: geo.Shape, canvas_style: st.CanvasStyle, px: float) -> list[shapes.Spot]:
    assert isinstance(g, geo.RotatedBox)
    return rotated.spots(g, canvas_style, px)


def _rotated_drag(
    g: geo.Shape, key: int, a: shapes.Point, b: shapes.Point, w: float, h: float, snap: bool
) -> geo.Shape:
    assert isinstance(g, geo.RotatedBox)
    return rotated.drag_handle(g, key, a, b, w, h, snap=snap)


def _start_rotated(
    host: ia.Host, p: shapes.Point, vp: shapes.Point, drag_px: float, draft: items.DraftItem,
    class_id: str | None,
) -> ia.ClickDraft:  # fmt: skip
    return rotated.RotatedBoxDraft(draft, class_id, host.image_size())


def _turn_rotated(g: geo.Shape, degrees: float, w: float, h: float) -> geo.Shape:
    assert isinstance(g, geo.RotatedBox)
    return rotated.rotate(g, degrees, w, h)


def _has_area(g: geo.Shape) -> bool:
    return g.area > 0


#: Every kind drawn on the canvas, in the order of the domain's registry (tools, menus).
KINDS: dict[geo.ShapeKind, CanvasKind] = {
    entry.kind: entry
    for entry in sorted(
        (
            CanvasKind(K.BOX, _box_spots, _box_drag, _has_area, _start_box),
            CanvasKind(K.POLYGON, _polygon_spots, _polygon_drag, lambda g: True, _start_polygon),
            CanvasKind(
                K.ROTATED_BOX, _rotated_spots, _rotated_drag, _has_area, _start_rotated,
                _turn_rotated,
            ),
        ),
        key=lambda e: domain_kinds.SHAPE_KINDS.index(e.kind),
    )
}  # fmt: skip

#: The canvas tools: selecting, and one per kind.
TOOLS: tuple[str, ...] = ("select", *(entry.tool for entry in KINDS.values()))

_BY_TOOL = {entry.tool: entry for entry in KINDS.values()}


def of(shape: geo.Shape) -> CanvasKind:
    """The entry of ``shape``'s kind."""
    return KINDS[domain_kinds.kind_of(shape)]


def for_tool(tool: str) -> CanvasKind | None:
    """The kind a tool draws (None for the select tool)."""
    return _BY_TOOL.get(tool)
