"""The annotations on the canvas: one item per shape, selection, hover and hit tests."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from PySide6 import QtCore, QtWidgets

from labeler.domain import annotation as ann
from labeler.domain import geometry as geo
from labeler.domain import schema
from ui.canvas import items, kinds, shapes
from ui.canvas import style as st

#: Tag text for shapes without a class (or with a class the schema no longer has).
NO_CLASS_LABEL = "?"


class ShapeLayer:
    """Keeps the shape items in step with the annotations it is given.

    Updates are incremental: an annotation that did not change keeps its item, so redrawing after
    each edit costs little even with hundreds of shapes.
    """

    def __init__(self, scene: QtWidgets.QGraphicsScene, canvas_style: st.CanvasStyle) -> None:
        self._scene = scene
        self.style = canvas_style
        self.items: dict[str, items.ShapeItem] = {}
        self._appearance: dict[str, tuple[str, str]] = {}
        self._order: list[str] = []
        self._selection: set[str] = set()
        self._labels_visible = True
        self._visible = True
        self._px = 1.0
        self.hover_id: str | None = None
        self.hover_vertex: int | None = None

    # -- content ---------------------------------------------------------------------------------

    def set_annotations(
        self, annotations: Sequence[ann.Annotation], classes: Mapping[str, schema.LabelClass]
    ) -> None:
        wanted: dict[str, ann.Annotation] = {}
        for a in annotations:
            if not a.deleted and a.geometry is not None:
                wanted[a.id] = a
        for aid in [k for k in self.items if k not in wanted]:
            self._remove(aid)
        for aid, a in wanted.items():
            cls = classes.get(a.class_id) if a.class_id is not None else None
            colour = cls.color if cls is not None else st.NO_CLASS_COLOUR
            label = cls.name if cls is not None else NO_CLASS_LABEL
            assert a.geometry is not None
            item = self.items.get(aid)
            if item is not None and self._appearance[aid] == (colour, label):
                item.set_geometry(a.geometry)
                continue
            if item is not None:
                self._remove(aid)
            self._add(aid, a.geometry, colour, label)
        self._order = list(wanted)
        self._selection &= set(wanted)
        if self.hover_id not in wanted:
            self.hover_id, self.hover_vertex = None, None

    def _add(self, aid: str, g: geo.Shape, colour: str, label: str) -> None:
        spots = kinds.of(g).spots
        item = items.ShapeItem(aid, g, st.class_colour(colour), label, self.style, self._px, spots)
        item.set_label_visible(self._labels_visible)
        item.set_selected(aid in self._selection)
        item.setVisible(self._visible)
        self._scene.addItem(item)
        self.items[aid] = item
        self._appearance[aid] = (colour, label)

    def _remove(self, aid: str) -> None:
        item = self.items.pop(aid)
        self._appearance.pop(aid, None)
        self._scene.removeItem(item)

    def set_style(self, canvas_style: st.CanvasStyle) -> None:
        """Draw with ``canvas_style`` from now on (the shapes shown are drawn again)."""
        self.style = canvas_style
        for aid in list(self.items):
            geometry, (colour, label) = self.items[aid].geometry, self._appearance[aid]
            self._remove(aid)
            self._add(aid, geometry, colour, label)

    def clear(self) -> None:
        for aid in list(self.items):
            self._remove(aid)
        self._order = []
        self._selection.clear()
        self.hover_id, self.hover_vertex = None, None

    def set_visible(self, visible: bool) -> None:
        """Show or hide every shape (hidden ones are never hit)."""
        if visible != self._visible:
            self._visible = visible
            for item in self.items.values():
                item.setVisible(visible)

    def geometry(self, aid: str) -> geo.Shape | None:
        item = self.items.get(aid)
        return None if item is None else item.geometry

    def set_px(self, px: float) -> None:
        self._px = px
        for item in self.items.values():
            item.set_px(px)

    # -- selection -------------------------------------------------------------------------------

    def selection(self) -> list[str]:
        """Selected ids in drawing order (stable for callers and tests)."""
        return [aid for aid in self._order if aid in self._selection]

    def set_selection(self, ids: Iterable[str]) -> bool:
        """Select exactly ``ids`` (unknown ones are ignored). Returns whether anything changed."""
        new = {aid for aid in ids if aid in self.items}
        if new == self._selection:
            return False
        for aid in self._selection ^ new:
            self.items[aid].set_selected(aid in new)
        self._selection = new
        return True

    def is_selected(self, aid: str) -> bool:
        return aid in self._selection

    def all_ids(self) -> list[str]:
        return list(self._order)

    # -- labels and hover ------------------------------------------------------------------------

    def set_labels_visible(self, visible: bool) -> None:
        self._labels_visible = visible
        for item in self.items.values():
            item.set_label_visible(visible)

    @property
    def labels_visible(self) -> bool:
        return self._labels_visible

    def set_hover(self, aid: str | None, vertex: int | None = None) -> None:
        if self.hover_id is not None and self.hover_id != aid and self.hover_id in self.items:
            self.items[self.hover_id].set_hovered(False)
        self.hover_id, self.hover_vertex = aid, vertex
        if aid is not None and aid in self.items:
            self.items[aid].set_hovered(True, vertex)

    # -- hit tests (p in image pixels, px = image pixels per screen pixel) -----------------------

    def _near(self, p: shapes.Point, slack: float) -> list[items.ShapeItem]:
        area = QtCore.QRectF(p[0] - slack, p[1] - slack, 2 * slack, 2 * slack)
        mode = QtCore.Qt.ItemSelectionMode.IntersectsItemBoundingRect
        return [i for i in self._scene.items(area, mode) if isinstance(i, items.ShapeItem)]

    def shape_at(self, p: shapes.Point, px: float) -> str | None:
        """The smallest shape under ``p`` (so nested boxes stay reachable)."""
        slack = self.style.hit_px * px
        hits = [i for i in self._near(p, slack) if shapes.geometry_hit(i.geometry, p, slack)]
        if not hits:
            return None
        return min(
            hits, key=lambda i: (shapes.geometry_area(i.geometry), -i.zValue())
        ).annotation_id

    def handle_at(self, p: shapes.Point, px: float) -> tuple[str, shapes.Spot] | None:
        """A handle of a selected shape under ``p`` (a box's side, a vertex, a rotate knob)."""
        slack = self.style.hit_px * px
        for item in self._near(p, slack):
            if item.selected:
                spot = shapes.spot_at(item.spots(), p, slack)
                if spot is not None:
                    return (item.annotation_id, spot)
        return None

    def vertex_at(self, p: shapes.Point, px: float) -> tuple[str, int] | None:
        """A vertex of a selected polygon under ``p``."""
        slack = max(self.style.hit_px, self.style.vertex_px) * px
        for item in self._near(p, slack):
            g = item.geometry
            if item.selected and isinstance(g, geo.Polygon):
                i = shapes.vertex_at(g.points, p, slack)
                if i is not None:
                    return (item.annotation_id, i)
        return None

    def edge_at(self, p: shapes.Point, px: float) -> tuple[str, int, shapes.Point] | None:
        """A selected polygon's edge under ``p``: (id, index of its first vertex, point on it)."""
        slack = self.style.hit_px * px
        for item in self._near(p, slack):
            g = item.geometry
            if item.selected and isinstance(g, geo.Polygon):
                hit = shapes.edge_at(g.points, p, slack)
                if hit is not None:
                    return (item.annotation_id, hit[0], hit[1])
        return None

    def inside(self, rect: geo.Box) -> list[str]:
        """Shapes lying entirely within ``rect`` (rubber-band selection)."""
        return [aid for aid in self._order if shapes.inside(self.items[aid].geometry, rect)]
