"""Graphics items of the canvas. They only paint; the view decides what a click means.

Shapes hold their geometry in image pixels (the scene's units) and are told how many image pixels
one screen pixel spans (``px``), so outlines, handles and tags keep a constant screen size.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6 import QtCore, QtGui, QtWidgets

from labeler.domain import geometry as geo
from ui.canvas import shapes, tags
from ui.canvas import style as st

# Stacking order: image below everything, shapes, then what is being drawn.
Z_IMAGE = 0.0
Z_SHAPE = 10.0
Z_SELECTED = 20.0
Z_DRAFT = 40.0


def _cosmetic_pen(
    colour: QtGui.QColor, width: float, style: QtCore.Qt.PenStyle | None = None
) -> QtGui.QPen:
    pen = QtGui.QPen(colour)
    pen.setWidthF(width)
    pen.setCosmetic(True)
    pen.setJoinStyle(QtCore.Qt.PenJoinStyle.MiterJoin)
    if style is not None:
        pen.setStyle(style)
    return pen


def _fill(colour: QtGui.QColor, alpha: int) -> QtGui.QBrush:
    if alpha <= 0:
        return QtGui.QBrush(QtCore.Qt.BrushStyle.NoBrush)
    fill = QtGui.QColor(colour)
    fill.setAlpha(alpha)
    return QtGui.QBrush(fill)


def _rect(box: geo.Box) -> QtCore.QRectF:
    return QtCore.QRectF(box.x, box.y, box.w, box.h)


class ImageItem(QtWidgets.QGraphicsItem):
    """The picture, drawn scaled to the full-resolution frame whatever its own size."""

    def __init__(self, pixmap: QtGui.QPixmap, full_size: QtCore.QSizeF) -> None:
        super().__init__()
        self._pixmap = pixmap
        self._full = QtCore.QRectF(QtCore.QPointF(0.0, 0.0), full_size)
        self.setZValue(Z_IMAGE)
        self.setAcceptedMouseButtons(QtCore.Qt.MouseButton.NoButton)

    def set_pixmap(self, pixmap: QtGui.QPixmap) -> None:
        self._pixmap = pixmap
        self.update()

    def boundingRect(self) -> QtCore.QRectF:
        return QtCore.QRectF(self._full)

    def paint(
        self,
        painter: QtGui.QPainter,
        option: QtWidgets.QStyleOptionGraphicsItem,
        widget: QtWidgets.QWidget | None = None,
    ) -> None:
        if self._pixmap.isNull() or self._full.isEmpty():
            return
        # Smooth when the picture is shrunk; nearest-neighbour when zoomed in, so a labeler
        # sees the real pixels at a boundary.
        screen_per_pixel = (
            painter.worldTransform().m11() * self._full.width() / self._pixmap.width()
        )
        painter.setRenderHint(
            QtGui.QPainter.RenderHint.SmoothPixmapTransform, screen_per_pixel < 2.0
        )
        painter.drawPixmap(self._full, self._pixmap, QtCore.QRectF(self._pixmap.rect()))


#: A shape's handles when selected, at ``px`` image pixels per screen pixel (its kind's rule).
SpotsFn = Callable[[geo.Shape, st.CanvasStyle, float], list[shapes.Spot]]


class ShapeItem(QtWidgets.QGraphicsItem):
    """One annotation with a shape (any kind: its outline is a rectangle or a polygon).

    Pens, brushes, the outline and the bounding rectangle are computed when something changes,
    not on every frame: painting hundreds of shapes in Python is otherwise the bottleneck.

    Attributes:
        annotation_id: the annotation this item draws.
        geometry: the geometry shown (the stored one, or a preview while it is being edited).
    """

    def __init__(
        self,
        annotation_id: str,
        geometry: geo.Shape,
        colour: QtGui.QColor,
        label: str,
        canvas_style: st.CanvasStyle,
        px: float,
        spots: SpotsFn,
    ) -> None:
        super().__init__()
        self.annotation_id = annotation_id
        self.geometry: geo.Shape = geometry
        self._spots_fn = spots
        self._style = canvas_style
        self._px = px
        self._selected = False
        self._hovered = False
        self._hover_key: int | None = None
        self._label = label
        self._colour_name = colour.name()
        self._labels_visible = True
        self._tag_size = tags.tag_size(label, canvas_style.label_point_size)
        self._pens = (
            _cosmetic_pen(colour, canvas_style.line_width),
            _cosmetic_pen(colour, canvas_style.selected_line_width),
        )
        self._brushes = (
            _fill(colour, canvas_style.fill_alpha),
            _fill(colour, canvas_style.selected_fill_alpha),
        )
        self._outline: QtCore.QRectF | QtGui.QPolygonF = QtCore.QRectF()
        self._bounding = QtCore.QRectF()
        self.setZValue(Z_SHAPE)
        self.setAcceptedMouseButtons(QtCore.Qt.MouseButton.NoButton)
        self._update_outline()

    # -- state the view sets -------------------------------------------------------------------

    @property
    def selected(self) -> bool:
        return self._selected

    def set_selected(self, selected: bool) -> None:
        if selected != self._selected:
            self.prepareGeometryChange()
            self._selected = selected
            self.setZValue(Z_SELECTED if selected else Z_SHAPE)
            self._update_bounding()

    def set_hovered(self, hovered: bool, vertex: int | None = None) -> None:
        """Hovered, and which vertex handle (if any) is under the pointer (drawn larger)."""
        if hovered != self._hovered or vertex != self._hover_key:
            self._hovered = hovered
            self._hover_key = vertex
            self.update()

    def set_px(self, px: float) -> None:
        """Image pixels per screen pixel changed (zoom): resize handles and margins."""
        if px != self._px:
            self.prepareGeometryChange()
            self._px = px
            self._update_bounding()

    def set_geometry(self, geometry: geo.Shape) -> None:
        if geometry != self.geometry:
            self.prepareGeometryChange()
            self.geometry = geometry
            self._update_outline()

    def set_label_visible(self, visible: bool) -> None:
        if visible != self._labels_visible:
            self.prepareGeometryChange()
            self._labels_visible = visible
            self._update_bounding()

    @property
    def label_visible(self) -> bool:
        return self._labels_visible

    @property
    def label(self) -> str:
        return self._label

    @property
    def bounds(self) -> geo.Box:
        return self.geometry.bounds

    def spots(self) -> list[shapes.Spot]:
        """The handles this shape shows when selected, as its kind places them."""
        return self._spots_fn(self.geometry, self._style, self._px)

    # -- painting ------------------------------------------------------------------------------

    def _update_outline(self) -> None:
        g = self.geometry
        if isinstance(g, geo.Box):  # the common case: Qt draws a rectangle fastest
            self._outline = _rect(g)
        else:
            self._outline = QtGui.QPolygonF([QtCore.QPointF(x, y) for x, y in g.outline()])
        self._update_bounding()

    def _update_bounding(self) -> None:
        margin = (self._style.handle_px + 2 if self._selected else 3) * self._px
        rect = _rect(self.bounds).adjusted(-margin, -margin, margin, margin)
        if self._selected:  # handles reach beyond the shape (a rotate knob further still)
            pad = 2 * self._px
            for spot in self.spots():
                rect = rect.united(_rect(spot.square).adjusted(-pad, -pad, pad, pad))
        self._bounding = rect.united(self.tag_rect()) if self._labels_visible else rect

    def tag_rect(self) -> QtCore.QRectF:
        """Where the class name goes, in image pixels: above the shape when the image has room
        there, otherwise just inside its top edge."""
        b = self.bounds
        w, h = self._tag_size[0] * self._px, self._tag_size[1] * self._px
        return QtCore.QRectF(b.x, b.y - h if b.y >= h else b.y, w, h)

    def boundingRect(self) -> QtCore.QRectF:
        return self._bounding

    def paint(
        self,
        painter: QtGui.QPainter,
        option: QtWidgets.QStyleOptionGraphicsItem,
        widget: QtWidgets.QWidget | None = None,
    ) -> None:
        painter.setPen(self._pens[self._selected or self._hovered])
        painter.setBrush(self._brushes[self._selected])
        outline = self._outline
        if isinstance(outline, QtCore.QRectF):
            painter.drawRect(outline)
        else:
            painter.drawPolygon(outline)
        if self._selected:
            self._paint_handles(painter)
        if self._labels_visible:
            self._paint_tag(painter)

    def _paint_tag(self, painter: QtGui.QPainter) -> None:
        # Blit in device pixels so the tag stays sharp and the same size at any zoom.
        device = painter.device()
        dpr = device.devicePixelRatioF() if device is not None else 1.0
        pixmap = tags.tag_pixmap(self._label, self._colour_name, self._style.label_point_size, dpr)
        transform = painter.worldTransform()
        top_left = transform.map(self.tag_rect().topLeft())
        painter.setWorldTransform(QtGui.QTransform())
        painter.drawPixmap(QtCore.QPointF(round(top_left.x()), round(top_left.y())), pixmap)
        painter.setWorldTransform(transform)

    def _paint_handles(self, painter: QtGui.QPainter) -> None:
        dark = _cosmetic_pen(QtGui.QColor("#202020"), 1.0)
        painter.setPen(dark)
        painter.setBrush(QtGui.QColor("#ffffff"))
        for spot in self.spots():
            r = _rect(spot.square)
            if spot.style is shapes.SpotStyle.ROTATE:
                if spot.stem is not None:
                    painter.setPen(self._pens[1])
                    painter.drawLine(QtCore.QPointF(*spot.stem), QtCore.QPointF(*spot.anchor))
                    painter.setPen(dark)
                painter.drawEllipse(r)
            elif spot.style is shapes.SpotStyle.VERTEX and spot.key == self._hover_key:
                grow = r.width() * 0.3
                painter.drawRect(r.adjusted(-grow, -grow, grow, grow))
            else:
                painter.drawRect(r)


class DraftItem(QtWidgets.QGraphicsItem):
    """What is being drawn right now: a box, a polygon or rotated box in progress, or a
    selection rectangle."""

    def __init__(self, colour: QtGui.QColor, *, rubber_band: bool = False) -> None:
        super().__init__()
        self.setZValue(Z_DRAFT)
        self.setAcceptedMouseButtons(QtCore.Qt.MouseButton.NoButton)
        self._colour = colour
        self._rubber_band = rubber_band
        self._rect: geo.Box | None = None
        self._points: tuple[shapes.Point, ...] = ()
        self._outline_points: tuple[shapes.Point, ...] = ()
        self._cursor: shapes.Point | None = None
        self._closing = False
        self._px = 1.0
        self._vertex_px = 6

    def set_px(self, px: float) -> None:
        self.prepareGeometryChange()
        self._px = px

    def set_rect(self, rect: geo.Box) -> None:
        self.prepareGeometryChange()
        self._rect = rect

    def set_polyline(
        self, points: Sequence[shapes.Point], cursor: shapes.Point | None, closing: bool
    ) -> None:
        self.prepareGeometryChange()
        self._points = tuple(points)
        self._cursor = cursor
        self._closing = closing

    def set_outline(self, points: Sequence[shapes.Point]) -> None:
        """A closed outline drawn dashed (the shape a click would make now); () for none."""
        self.prepareGeometryChange()
        self._outline_points = tuple(points)

    def _all_points(self) -> list[shapes.Point]:
        pts = list(self._points) + list(self._outline_points)
        if self._cursor is not None:
            pts.append(self._cursor)
        if self._rect is not None:
            pts += [(self._rect.x, self._rect.y), (self._rect.x1, self._rect.y1)]
        return pts

    def boundingRect(self) -> QtCore.QRectF:
        pts = self._all_points()
        if not pts:
            return QtCore.QRectF()
        margin = (self._vertex_px * 2 + 2) * self._px
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        return QtCore.QRectF(min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)).adjusted(
            -margin, -margin, margin, margin
        )

    def paint(
        self,
        painter: QtGui.QPainter,
        option: QtWidgets.QStyleOptionGraphicsItem,
        widget: QtWidgets.QWidget | None = None,
    ) -> None:
        dash = QtCore.Qt.PenStyle.DashLine
        if self._rect is not None:
            painter.setPen(_cosmetic_pen(self._colour, 1.0, dash))
            if self._rubber_band:
                fill = QtGui.QColor(self._colour)
                fill.setAlpha(24)
                painter.setBrush(fill)
            painter.drawRect(_rect(self._rect))
        if self._outline_points:
            painter.setPen(_cosmetic_pen(self._colour, 1.0, dash))
            painter.setBrush(QtCore.Qt.BrushStyle.NoBrush)
            painter.drawPolygon(
                QtGui.QPolygonF([QtCore.QPointF(x, y) for x, y in self._outline_points])
            )
        if not self._points:
            return
        qpts = [QtCore.QPointF(x, y) for x, y in self._points]
        painter.setPen(_cosmetic_pen(self._colour, 1.5))
        painter.drawPolyline(QtGui.QPolygonF(qpts))
        if self._cursor is not None:
            painter.setPen(_cosmetic_pen(self._colour, 1.0, dash))
            painter.drawLine(qpts[-1], QtCore.QPointF(*self._cursor))
        painter.setPen(_cosmetic_pen(QtGui.QColor("#202020"), 1.0))
        painter.setBrush(QtGui.QColor("#ffffff"))
        size = self._vertex_px * self._px
        for i, p in enumerate(qpts):
            k = 2.0 if i == 0 and self._closing else 1.0
            half = size * k / 2
            painter.drawRect(QtCore.QRectF(p.x() - half, p.y() - half, 2 * half, 2 * half))
