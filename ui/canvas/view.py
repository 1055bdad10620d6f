"""Zoom and pan for the canvas: a QGraphicsView over one image frame in full-resolution pixels."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from PySide6 import QtCore, QtGui, QtWidgets

from ui.canvas import shapes

MIN_ZOOM = 1.0 / 64.0
MAX_ZOOM = 64.0
#: One wheel notch (120 units) zooms by this factor.
WHEEL_STEP = 1.2
KEY_STEP = 1.25
#: Screen pixels of room around the image, so handles and tags of shapes on its edge show.
MARGIN_PX = 12


def clamp_zoom(z: float) -> float:
    if not math.isfinite(z):
        return 1.0
    return shapes.clamp(z, MIN_ZOOM, MAX_ZOOM)


class ZoomView(QtWidgets.QGraphicsView):
    """A view with zoom towards a point, fit, 1:1 and a restorable view state.

    Zoom is screen pixels per full-resolution image pixel, kept within 1/64..64.

    Signals:
        zoomChanged(float): the zoom changed (the image pipeline sharpens on zoom).
        viewChanged(): the visible part of the image changed (zoom or scroll).
    """

    zoomChanged = QtCore.Signal(float)
    viewChanged = QtCore.Signal()

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self._scene = QtWidgets.QGraphicsScene(self)
        self.setScene(self._scene)
        self._frame = QtCore.QRectF()
        self._fit_mode = True
        # Antialiasing everything costs ~5× per frame (perf-notes); outlines are axis-aligned.
        self.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, False)
        self.setRenderHint(QtGui.QPainter.RenderHint.TextAntialiasing, True)
        self.setTransformationAnchor(QtWidgets.QGraphicsView.ViewportAnchor.NoAnchor)
        # Resizes keep the centre by hand in resizeEvent (Qt's AnchorViewCenter misses the
        # resizes caused by scroll bars appearing).
        self.setResizeAnchor(QtWidgets.QGraphicsView.ViewportAnchor.NoAnchor)
        self.setDragMode(QtWidgets.QGraphicsView.DragMode.NoDrag)
        self.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        self.setBackgroundBrush(QtGui.QColor("#2b2b2b"))
        self.setFocusPolicy(QtCore.Qt.FocusPolicy.StrongFocus)
        self.viewport().setMouseTracking(True)
        self.horizontalScrollBar().valueChanged.connect(self._on_scrolled)
        self.verticalScrollBar().valueChanged.connect(self._on_scrolled)

    # -- frame -----------------------------------------------------------------------------------

    def set_frame(self, width: float, height: float) -> None:
        """The image frame the scene shows, in full-resolution pixels."""
        self._frame = QtCore.QRectF(0.0, 0.0, max(width, 0.0), max(height, 0.0))
        self._update_scene_rect(self.zoom())

    def _update_scene_rect(self, z: float) -> None:
        # The margin is constant on screen, so it is recomputed for every zoom.
        m = MARGIN_PX / z
        rect = self._frame.adjusted(-m, -m, m, m) if not self._frame.isEmpty() else self._frame
        self._scene.setSceneRect(rect)

    def image_size(self) -> tuple[float, float]:
        return (self._frame.width(), self._frame.height())

    # -- zoom ------------------------------------------------------------------------------------

    def zoom(self) -> float:
        """Screen pixels per full-resolution image pixel."""
        return float(self.transform().m11())

    def px(self) -> float:
        """Image pixels per screen pixel: converts on-screen tolerances to image units."""
        return 1.0 / self.zoom()

    def zoom_by(self, factor: float, anchor: QtCore.QPointF | None = None) -> None:
        """Zoom in (factor > 1) or out, keeping the point under ``anchor`` (viewport px) still."""
        if not math.isfinite(factor) or factor <= 0:
            return
        self._fit_mode = False
        self._set_zoom(self.zoom() * factor, anchor)

    def zoom_actual(self) -> None:
        """One image pixel per screen pixel, around the centre of the view."""
        self._fit_mode = False
        self._set_zoom(1.0, None)

    def fit(self) -> None:
        """Show the whole image; it stays fitted when the view is resized until the user zooms."""
        self._fit_mode = True
        if self._frame.isEmpty():
            return
        vp = self.viewport().rect()
        # A pixel short of the viewport so rounding never brings up scroll bars.
        room = 2 * MARGIN_PX + 2
        z = min(
            (vp.width() - room) / self._frame.width(), (vp.height() - room) / self._frame.height()
        )
        self._set_zoom(z, None)
        self.centerOn(self._frame.center())

    def is_fitted(self) -> bool:
        return self._fit_mode

    def _set_zoom(self, z: float, anchor: QtCore.QPointF | None) -> None:
        z = clamp_zoom(z)
        old = self.zoom()
        if anchor is None:
            anchor = QtCore.QPointF(self.viewport().rect().center())
        before = self.scene_point(anchor)
        self._update_scene_rect(z)
        self.setTransform(QtGui.QTransform.fromScale(z, z))
        after = self.viewportTransform().map(QtCore.QPointF(*before))
        self.scroll_by(after.x() - anchor.x(), after.y() - anchor.y())
        if z != old:
            self._zoom_changed(z)
            self.zoomChanged.emit(z)
            self.viewChanged.emit()

    def _zoom_changed(self, z: float) -> None:
        """Hook for subclasses: items that keep a constant screen size resize here."""

    # -- pan -------------------------------------------------------------------------------------

    def scroll_values(self) -> tuple[int, int]:
        return (self.horizontalScrollBar().value(), self.verticalScrollBar().value())

    def set_scroll_values(self, values: tuple[int, int]) -> None:
        self.horizontalScrollBar().setValue(int(values[0]))
        self.verticalScrollBar().setValue(int(values[1]))

    def scroll_by(self, dx: float, dy: float) -> None:
        h, v = self.scroll_values()
        self.set_scroll_values((round(h + dx), round(v + dy)))

    def _on_scrolled(self, _value: int) -> None:
        self.viewChanged.emit()

    # -- coordinates -----------------------------------------------------------------------------

    def scene_point(self, view_pos: QtCore.QPointF) -> shapes.Point:
        """Viewport pixels (floats) to image pixels, without rounding."""
        inverse, ok = self.viewportTransform().inverted()
        p = inverse.map(QtCore.QPointF(view_pos)) if ok else QtCore.QPointF()
        return (p.x(), p.y())

    def visible_center(self) -> shapes.Point:
        return self.scene_point(QtCore.QPointF(self.viewport().rect().center()))

    # -- view state ------------------------------------------------------------------------------

    def view_state(self) -> dict[str, Any]:
        """Zoom, centre and fit mode as JSON-ready values, to restore later."""
        cx, cy = self.visible_center()
        return {"zoom": self.zoom(), "center": [cx, cy], "fit": self._fit_mode}

    def restore_view_state(self, state: Mapping[str, Any]) -> None:
        """Bring back a :meth:`view_state`; anything malformed falls back to fitting the image."""
        try:
            fit = bool(state.get("fit", False))
            z = float(state["zoom"])
            cx, cy = (float(v) for v in state["center"])
        except (KeyError, TypeError, ValueError):
            fit = True
            z, cx, cy = 1.0, 0.0, 0.0
        if fit or not all(map(math.isfinite, (z, cx, cy))):
            self.fit()
            return
        self._fit_mode = False
        self._set_zoom(z, None)
        self.centerOn(QtCore.QPointF(cx, cy))

    # -- events ----------------------------------------------------------------------------------

    def wheelEvent(self, event: QtGui.QWheelEvent) -> None:
        delta = event.angleDelta().y()
        if delta == 0:
            super().wheelEvent(event)  # a sideways swipe pans instead
            return
        self.zoom_by(WHEEL_STEP ** (delta / 120.0), event.position())
        event.accept()

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        # The image point in the middle before the resize stays in the middle after it (docks
        # restored, scroll bars appearing, the user dragging an edge), so a zoomed-in view
        # never drifts away from what was being labeled.
        old = event.oldSize()
        keep = None
        if not self._fit_mode and old.width() > 0 and old.height() > 0:
            keep = self.scene_point(QtCore.QPointF(old.width() / 2.0, old.height() / 2.0))
        super().resizeEvent(event)
        if self._fit_mode:
            self.fit()
        elif keep is not None:
            self.centerOn(QtCore.QPointF(*keep))
