"""Click-to-segment on the canvas: clicks and a box as prompts, and the outline found so far.

:class:`PromptInput` watches the canvas's viewport while the segment tool is on (an event filter:
the canvas itself is not changed) and turns mouse and keys into requests; :class:`PromptItem`
draws the clicks, the box and the current outline.

Mouse: a click on the object adds a positive point; Shift+click or a right click a negative one;
a drag draws a box around the object. Keys: Enter keeps the outline as a polygon, Esc drops it,
Backspace or Ctrl+Z takes the last click back.
"""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from labeler.assist import prompts
from labeler.domain import geometry as geo

Qt = QtCore.Qt
DRAG_PX = 4.0
Z_PROMPT = 45.0


class PromptItem(QtWidgets.QGraphicsItem):
    """The prompt being built: clicks (green on, red off), the box, and the outline found."""

    def __init__(self) -> None:
        super().__init__()
        self.setZValue(Z_PROMPT)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.prompt = prompts.Prompt()
        self.outline: geo.Polygon | None = None
        self.drag: geo.Box | None = None
        self._px = 1.0

    def set_px(self, px: float) -> None:
        self.prepareGeometryChange()
        self._px = px

    def set_prompt(self, prompt: prompts.Prompt, outline: geo.Polygon | None) -> None:
        self.prepareGeometryChange()
        self.prompt, self.outline = prompt, outline

    def set_drag(self, box: geo.Box | None) -> None:
        self.prepareGeometryChange()
        self.drag = box

    def boundingRect(self) -> QtCore.QRectF:
        pts = [(c.x, c.y) for c in self.prompt.clicks]
        for b in (self.prompt.box, self.drag, self.outline.bounds if self.outline else None):
            if b is not None:
                pts += [(b.x, b.y), (b.x1, b.y1)]
        if not pts:
            return QtCore.QRectF()
        m = 12 * self._px
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        return QtCore.QRectF(min(xs) - m, min(ys) - m, max(xs) - min(xs) + 2 * m,
                             max(ys) - min(ys) + 2 * m)  # fmt: skip

    def paint(
        self,
        painter: QtGui.QPainter,
        option: QtWidgets.QStyleOptionGraphicsItem,
        widget: QtWidgets.QWidget | None = None,
    ) -> None:
        if self.outline is not None:
            pen = QtGui.QPen(QtGui.QColor("#ffd400"), 2.0)
            pen.setCosmetic(True)
            painter.setPen(pen)
            painter.setBrush(QtGui.QColor(255, 212, 0, 60))
            painter.drawPolygon(
                QtGui.QPolygonF([QtCore.QPointF(x, y) for x, y in self.outline.points])
            )
        for box in (self.prompt.box, self.drag):
            if box is not None:
                pen = QtGui.QPen(QtGui.QColor("#ffffff"), 1.0, Qt.PenStyle.DashLine)
                pen.setCosmetic(True)
                painter.setPen(pen)
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawRect(QtCore.QRectF(box.x, box.y, box.w, box.h))
        r = 5 * self._px
        for c in self.prompt.clicks:
            painter.setPen(QtGui.QPen(QtGui.QColor("#000000"), 0))
            painter.setBrush(QtGui.QColor("#1db954" if c.positive else "#e53935"))
            painter.drawEllipse(QtCore.QPointF(c.x, c.y), r, r)


class PromptInput(QtCore.QObject):
    """Turns the canvas's mouse and keys into prompt requests while it is active.

    Signals:
        clicked(float, float, bool): a point in image pixels, on the object (True) or off it.
        boxed(object): a :class:`~labeler.domain.geometry.Box` drawn around the object.
        keep(): Enter: keep the outline.
        drop(): Esc: drop the prompt.
        back(): Backspace or Ctrl+Z: take the last step back.
    """

    clicked = QtCore.Signal(float, float, bool)
    boxed = QtCore.Signal(object)
    keep = QtCore.Signal()
    drop = QtCore.Signal()
    back = QtCore.Signal()

    def __init__(self, canvas: QtWidgets.QGraphicsView, item: PromptItem) -> None:
        super().__init__(canvas)
        self._canvas = canvas
        self._item = item
        self._press: QtCore.QPointF | None = None
        self._button = Qt.MouseButton.NoButton
        self.active = False
        self.busy = False  # a prompt is being built: Ctrl+Z and Esc are ours

    def set_active(self, active: bool) -> None:
        if active == self.active:
            return
        self.active = active
        viewport = self._canvas.viewport()
        if active:
            viewport.installEventFilter(self)
            self._canvas.installEventFilter(self)
            viewport.setCursor(Qt.CursorShape.CrossCursor)
        else:
            viewport.removeEventFilter(self)
            self._canvas.removeEventFilter(self)
            self._press = None
            self._item.set_drag(None)

    def _scene(self, pos: QtCore.QPointF) -> tuple[float, float]:
        p = self._canvas.mapToScene(pos.toPoint())
        rect = self._canvas.sceneRect()
        return (min(max(p.x(), 0.0), rect.width()), min(max(p.y(), 0.0), rect.height()))

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        kind = event.type()
        if kind in (QtCore.QEvent.Type.ShortcutOverride, QtCore.QEvent.Type.KeyPress):
            assert isinstance(event, QtGui.QKeyEvent)
            return self._key(event, kind == QtCore.QEvent.Type.KeyPress)
        if watched is not self._canvas.viewport():
            return False
        if kind == QtCore.QEvent.Type.MouseButtonPress:
            assert isinstance(event, QtGui.QMouseEvent)
            if event.button() in (Qt.MouseButton.LeftButton, Qt.MouseButton.RightButton):
                self._press, self._button = event.position(), event.button()
                return True
        elif kind == QtCore.QEvent.Type.MouseMove and self._press is not None:
            assert isinstance(event, QtGui.QMouseEvent)
            if self._button == Qt.MouseButton.LeftButton and self._dragged(event.position()):
                self._item.set_drag(self._box(event.position()))
            return True
        elif kind == QtCore.QEvent.Type.MouseButtonRelease and self._press is not None:
            assert isinstance(event, QtGui.QMouseEvent)
            self._release(event)
            return True
        elif kind == QtCore.QEvent.Type.MouseButtonDblClick:
            return True
        return False

    def _dragged(self, pos: QtCore.QPointF) -> bool:
        assert self._press is not None
        d = pos - self._press
        return abs(d.x()) + abs(d.y()) >= DRAG_PX

    def _box(self, pos: QtCore.QPointF) -> geo.Box:
        assert self._press is not None
        (x0, y0), (x1, y1) = self._scene(self._press), self._scene(pos)
        return geo.Box.from_corners(x0, y0, x1, y1)

    def _release(self, event: QtGui.QMouseEvent) -> None:
        pos, button = event.position(), self._button
        self._item.set_drag(None)
        dragged = self._dragged(pos)
        box = self._box(pos)
        self._press = None
        if dragged and button == Qt.MouseButton.LeftButton:
            if box.w > 1 and box.h > 1:
                self.boxed.emit(box)
            return
        negative = button == Qt.MouseButton.RightButton or bool(
            event.modifiers() & Qt.KeyboardModifier.ShiftModifier
        )
        x, y = self._scene(pos)
        self.clicked.emit(x, y, not negative)

    def _key(self, event: QtGui.QKeyEvent, press: bool) -> bool:
        key = event.key()
        ctrl = bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)
        signal = None
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.busy:
            signal = self.keep
        elif key == Qt.Key.Key_Escape and self.busy:
            signal = self.drop
        elif self.busy and (key == Qt.Key.Key_Backspace or (ctrl and key == Qt.Key.Key_Z)):
            signal = self.back
        if signal is None:
            return False
        event.accept()
        if press:
            signal.emit()
        return True
