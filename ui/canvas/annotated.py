"""The canvas's state: image, shapes, selection, drafts; the requests it sends.

:class:`AnnotationView` holds what the canvas shows and the edits it can request;
:class:`ui.canvas.canvas.Canvas` adds what mouse and keys do with it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6 import QtCore, QtGui, QtWidgets

from labeler.domain import annotation as ann
from labeler.domain import geometry as geo
from labeler.domain import schema
from ui.canvas import interactions as ia
from ui.canvas import items, kinds, layer, nudge, shapes, view
from ui.canvas import style as st

TOOLS: tuple[str, ...] = kinds.TOOLS

Qt = QtCore.Qt


class AnnotationView(view.ZoomView):
    """One image and its shapes; sends requests, never edits annotations itself.

    Signals:
        shapeDrawn(object): a :class:`labeler.domain.annotation.NewShape` of the current class.
        shapesEdited(object): ``dict[str, ShapeEdit]``, once per finished drag, resize, vertex
            move/insert/delete or nudge burst (one undo step each).
        deleteRequested(list): annotation ids the user asked to delete.
        selectionChanged(list): the selected annotation ids, after any change.
    """

    shapeDrawn = QtCore.Signal(object)
    shapesEdited = QtCore.Signal(object)
    deleteRequested = QtCore.Signal(list)
    selectionChanged = QtCore.Signal(list)

    def __init__(
        self, parent: QtWidgets.QWidget | None = None, canvas_style: st.CanvasStyle | None = None
    ) -> None:
        super().__init__(parent)
        self._style = canvas_style or st.CanvasStyle()
        self._layer = layer.ShapeLayer(self._scene, self._style)
        self._image_id: str | None = None
        self._image_item: items.ImageItem | None = None
        self._message = ""
        self._tool = "select"
        self._class_id: str | None = None
        self._classes: dict[str, schema.LabelClass] = {}
        self._drag: ia.Drag | None = None
        self._drag_button = Qt.MouseButton.NoButton
        self._drag_draft: items.DraftItem | None = None
        self._clicks: ia.ClickDraft | None = None  # a polygon or rotated box being clicked in
        self._click_view: shapes.Point = (0.0, 0.0)  # where its last click was, in the viewport
        self._space = False
        self._space_used = False  # Space was held for a pan, so its release is not a tap
        self._nudge = nudge.NudgeBurst(self._show_geometries, self)
        self._nudge.finished.connect(self.shapesEdited)
        self._set_cursor(Qt.CursorShape.ArrowCursor)

    # -- image -----------------------------------------------------------------------------------

    def set_image(
        self, image_id: str, image: QtGui.QImage, full_size: QtCore.QSize | QtCore.QSizeF
    ) -> None:
        """Show ``image`` drawn over a ``full_size`` frame (the QImage may be smaller).

        Called again for the same id and size with a sharper picture, it keeps the view, the
        shapes and any drag. A new image ends a nudge burst (reported), cancels a drag or a
        shape being clicked in (nothing reported), clears the shapes and fits the view.
        """
        w, h = max(float(full_size.width()), 0.0), max(float(full_size.height()), 0.0)
        pixmap = QtGui.QPixmap() if image.isNull() else QtGui.QPixmap.fromImage(image)
        if (
            image_id == self._image_id
            and self._image_item is not None
            and self.image_size() == (w, h)
        ):
            self._image_item.set_pixmap(pixmap)
            return
        self._reset_content()
        self._image_id = image_id
        self._message = ""
        self.set_frame(w, h)
        self._image_item = items.ImageItem(pixmap, QtCore.QSizeF(w, h))
        self._scene.addItem(self._image_item)
        self._layer.set_visible(True)
        self.fit()
        self.viewport().update()

    def clear_image(self, message: str = "") -> None:
        """Show no image, only ``message`` (for example why it could not be opened)."""
        self._reset_content()
        self._image_id = None
        self._message = message
        # Shapes given while no picture is up (e.g. during loading) wait unseen for it.
        self._layer.set_visible(False)
        self.set_frame(0.0, 0.0)
        self.viewport().update()

    def image_id(self) -> str | None:
        return self._image_id

    def _reset_content(self) -> None:
        self._nudge.flush()
        self._cancel_drag()
        self._end_clicks()
        had_selection = bool(self._layer.selection())
        self._layer.clear()
        if self._image_item is not None:
            self._scene.removeItem(self._image_item)
            self._image_item = None
        if had_selection:
            self.selectionChanged.emit([])

    # -- annotations -----------------------------------------------------------------------------

    def set_annotations(
        self, annotations: Sequence[ann.Annotation], classes: Mapping[str, schema.LabelClass]
    ) -> None:
        """Redraw from the stored annotations of the current image (tags are not drawn)."""
        before = self._layer.selection()
        self._classes = dict(classes)
        self._layer.set_annotations(annotations, classes)
        if self._drag is not None and not self._drag.refresh():
            self._cancel_drag()
        if self._nudge.active:
            self._nudge.forget(set(self._layer.items))
            self._show_geometries(self._nudge.current())
        if self._layer.selection() != before:
            self.selectionChanged.emit(self._layer.selection())

    def set_tool(self, tool: str) -> None:
        """``"select"`` or a kind's tool (``"box"``, ``"rotated_box"``, ``"polygon"``); ends
        whatever was being drawn."""
        if tool not in TOOLS:
            raise ValueError(f"unknown canvas tool {tool!r}; expected one of {', '.join(TOOLS)}")
        self._nudge.flush()
        self._cancel_drag()
        self._end_clicks()
        self._tool = tool
        self._set_cursor(
            Qt.CursorShape.ArrowCursor if tool == "select" else Qt.CursorShape.CrossCursor
        )

    def tool(self) -> str:
        return self._tool

    def set_current_class(self, class_id: str | None) -> None:
        """The class new shapes get (also a shape already being clicked in)."""
        self._class_id = class_id
        if self._clicks is not None:
            self._clicks.class_id = class_id

    def selected_ids(self) -> list[str]:
        return self._layer.selection()

    def select(self, ids: Sequence[str]) -> None:
        self._set_selection(ids)

    def set_labels_visible(self, visible: bool) -> None:
        self._layer.set_labels_visible(visible)

    def set_fill_opacity(self, percent: float) -> None:
        """Fill shapes with their class colour at ``percent`` % opacity (0: outlines only)."""
        self._style = st.with_fill_opacity(self._style, percent)
        self._layer.set_style(self._style)

    def fill_alpha(self) -> int:
        return self._style.fill_alpha

    def labels_visible(self) -> bool:
        return self._layer.labels_visible

    def finish_edits(self) -> None:
        """Report a running nudge burst now (call before switching images or saving state)."""
        self._nudge.flush()

    def shape_item(self, annotation_id: str) -> items.ShapeItem | None:
        return self._layer.items.get(annotation_id)

    def _set_selection(self, ids: Sequence[str] | set[str]) -> None:
        if self._layer.set_selection(ids):
            self.selectionChanged.emit(self._layer.selection())

    def _show_geometries(self, geometries: Mapping[str, geo.Shape]) -> None:
        for aid, g in geometries.items():
            item = self._layer.items.get(aid)
            if item is not None:
                item.set_geometry(g)

    def _zoom_changed(self, z: float) -> None:
        px = 1.0 / z
        self._layer.set_px(px)
        for draft in (self._drag_draft, self._clicks.draft if self._clicks else None):
            if draft is not None:
                draft.set_px(px)

    # -- drags -----------------------------------------------------------------------------------

    def _new_draft(self, *, rubber_band: bool = False) -> items.DraftItem:
        colour = QtGui.QColor("#ffffff")
        if not rubber_band:
            cls = self._classes.get(self._class_id) if self._class_id else None
            colour = st.class_colour(cls.color if cls else None)
        draft = items.DraftItem(colour, rubber_band=rubber_band)
        draft.set_px(self.px())
        self._scene.addItem(draft)
        return draft

    def _start(
        self, drag: ia.Drag, button: Qt.MouseButton, draft: items.DraftItem | None = None
    ) -> None:
        self._drag = drag
        self._drag_button = button
        self._drag_draft = draft

    def _cancel_drag(self) -> None:
        if self._drag is not None:
            self._drag.cancel()
        self._drag = None
        self._drag_button = Qt.MouseButton.NoButton
        if self._drag_draft is not None:
            self._scene.removeItem(self._drag_draft)
            self._drag_draft = None

    def _end_clicks(self) -> None:
        if self._clicks is not None:
            self._scene.removeItem(self._clicks.draft)
            self._clicks = None

    def _close_clicks(self) -> bool:
        """Finish the shape being clicked in (Enter, a double click); False if it is none yet."""
        if self._clicks is None:
            return False
        return self._finish_clicks(self._clicks.close())

    def _finish_clicks(self, shape: ann.NewShape | None) -> bool:
        if shape is None:
            return False
        self._end_clicks()
        self.shapeDrawn.emit(shape)
        return True

    def _edit_vertices(self, aid: str, points: list[shapes.Point]) -> None:
        polygon = geo.Polygon(tuple(points))
        item = self._layer.items[aid]
        item.set_geometry(polygon)
        self._layer.set_hover(aid, None)
        self.shapesEdited.emit({aid: ann.ShapeEdit(geometry=polygon)})

    def _delete_vertex(self, aid: str, index: int) -> bool:
        g = self._layer.geometry(aid)
        if not isinstance(g, geo.Polygon) or len(g.points) <= 3:
            return False  # a polygon never goes below three vertices
        pts = list(g.points)
        del pts[index]
        self._edit_vertices(aid, pts)
        return True

    def _insert_vertex(self, aid: str, after: int, p: shapes.Point) -> None:
        g = self._layer.geometry(aid)
        if not isinstance(g, geo.Polygon):
            return
        pts = list(g.points)
        pts.insert(after + 1, shapes.clamp_point(p, *self.image_size()))
        self._edit_vertices(aid, pts)

    def _set_cursor(self, shape: Qt.CursorShape) -> None:
        if self._space and self._drag is None:
            shape = Qt.CursorShape.OpenHandCursor
        self.viewport().setCursor(shape)

    # -- painting --------------------------------------------------------------------------------

    def drawForeground(self, painter: QtGui.QPainter, rect: QtCore.QRectF | QtCore.QRect) -> None:
        if not self._message or self._image_item is not None:
            return
        painter.save()
        painter.resetTransform()
        painter.setPen(QtGui.QColor("#d0d0d0"))
        flags = int(Qt.AlignmentFlag.AlignCenter) | int(Qt.TextFlag.TextWordWrap)
        painter.drawText(self.viewport().rect().adjusted(16, 16, -16, -16), flags, self._message)
        painter.restore()
