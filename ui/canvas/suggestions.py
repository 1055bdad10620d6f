"""Model suggestions on the canvas: dashed outlines with the class and the score, apart from the
labels. One suggestion may be *current*: the one the accept and reject keys act on.

The layer lives in the canvas's scene but owns its items; the canvas itself is not changed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6 import QtCore, QtGui, QtWidgets

from labeler.domain import geometry as geo
from labeler.domain import schema
from labeler.services import suggestions as suggestions_svc
from ui.canvas import style as st
from ui.canvas import tags

#: Above labels, below what is being drawn.
Z_SUGGESTION = 30.0
LABEL_POINT_SIZE = 8.0


def caption(name: str, score: float) -> str:
    return f"{name} {score:.2f}"


class SuggestionItem(QtWidgets.QGraphicsItem):
    """One suggestion: a dashed outline (thicker when current) and a "class 0.87" tag."""

    def __init__(
        self, suggestion: suggestions_svc.Suggestion, colour: QtGui.QColor, name: str, px: float
    ) -> None:
        super().__init__()
        self.suggestion = suggestion
        self.geometry = suggestion.geometry
        self.text = caption(name, suggestion.score)
        self._colour = colour
        self._px = px
        self._current = False
        self._pens = tuple(self._pen(w) for w in (1.5, 3.0))
        g = self.geometry
        self._outline: QtCore.QRectF | QtGui.QPolygonF = (
            QtCore.QRectF(g.x, g.y, g.w, g.h)
            if isinstance(g, geo.Box)
            else QtGui.QPolygonF([QtCore.QPointF(x, y) for x, y in g.points])
        )
        self._tag = tags.tag_size(self.text, LABEL_POINT_SIZE)
        self.setZValue(Z_SUGGESTION)
        self.setAcceptedMouseButtons(QtCore.Qt.MouseButton.NoButton)

    def _pen(self, width: float) -> QtGui.QPen:
        pen = QtGui.QPen(self._colour)
        pen.setWidthF(width)
        pen.setCosmetic(True)
        pen.setStyle(QtCore.Qt.PenStyle.DashLine)
        return pen

    @property
    def bounds(self) -> geo.Box:
        g = self.geometry
        return g if isinstance(g, geo.Box) else g.bounds

    def set_current(self, current: bool) -> None:
        if current != self._current:
            self._current = current
            self.update()

    def set_px(self, px: float) -> None:
        if px != self._px:
            self.prepareGeometryChange()
            self._px = px

    def tag_rect(self) -> QtCore.QRectF:
        b = self.bounds
        w, h = self._tag[0] * self._px, self._tag[1] * self._px
        # Below the shape, so it never covers the class tag of a label drawn on the same object.
        return QtCore.QRectF(b.x, b.y1, w, h)

    def boundingRect(self) -> QtCore.QRectF:
        b = self.bounds
        m = 4 * self._px
        return QtCore.QRectF(b.x - m, b.y - m, b.w + 2 * m, b.h + 2 * m).united(self.tag_rect())

    def paint(
        self,
        painter: QtGui.QPainter,
        option: QtWidgets.QStyleOptionGraphicsItem,
        widget: QtWidgets.QWidget | None = None,
    ) -> None:
        painter.setPen(self._pens[self._current])
        painter.setBrush(QtCore.Qt.BrushStyle.NoBrush)
        if isinstance(self._outline, QtCore.QRectF):
            painter.drawRect(self._outline)
        else:
            painter.drawPolygon(self._outline)
        device = painter.device()
        dpr = device.devicePixelRatioF() if device is not None else 1.0
        pixmap = tags.tag_pixmap(self.text, self._colour.name(), LABEL_POINT_SIZE, dpr)
        transform = painter.worldTransform()
        corner = transform.map(self.tag_rect().topLeft())
        painter.setWorldTransform(QtGui.QTransform())
        if not self._current:
            painter.setOpacity(0.8)
        painter.drawPixmap(QtCore.QPointF(round(corner.x()), round(corner.y())), pixmap)
        painter.setWorldTransform(transform)


class SuggestionLayer(QtCore.QObject):
    """The suggestions of the image in view, kept in step with what the controller gives it.

    Signals:
        currentChanged(object): the current suggestion's id, or None.
    """

    currentChanged = QtCore.Signal(object)

    def __init__(
        self, scene: QtWidgets.QGraphicsScene, parent: QtCore.QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._scene = scene
        self.items: dict[str, SuggestionItem] = {}
        self._order: list[str] = []
        self._current: str | None = None
        self._px = 1.0
        self._visible = True

    def set_suggestions(
        self,
        shown: Sequence[suggestions_svc.Suggestion],
        classes: Mapping[str, schema.LabelClass],
    ) -> None:
        """Show exactly ``shown`` (best first); the current one stays current if it is there."""
        for sid in list(self.items):
            self._scene.removeItem(self.items.pop(sid))
        for s in shown:
            cls = classes.get(s.class_id or "")
            colour = st.class_colour(cls.color if cls else None)
            item = SuggestionItem(s, colour, cls.name if cls else s.label, self._px)
            item.setVisible(self._visible)
            self._scene.addItem(item)
            self.items[s.id] = item
        self._order = [s.id for s in shown]
        current = self._current if self._current in self.items else None
        if current is None and self._order:
            current = self._order[0]
        self._set(current)

    def clear(self) -> None:
        self.set_suggestions([], {})

    def set_px(self, px: float) -> None:
        self._px = px
        for item in self.items.values():
            item.set_px(px)

    def set_visible(self, visible: bool) -> None:
        self._visible = visible
        for item in self.items.values():
            item.setVisible(visible)

    @property
    def current(self) -> str | None:
        return self._current

    def ids(self) -> list[str]:
        return list(self._order)

    def select(self, sid: str | None) -> None:
        self._set(sid if sid in self.items else None)

    def step(self, forward: bool = True) -> str | None:
        """Make the next (or previous) suggestion current, wrapping; returns it."""
        if not self._order:
            return None
        i = self._order.index(self._current) if self._current in self._order else -1
        i = (i + (1 if forward else -1)) % len(self._order)
        self._set(self._order[i])
        return self._current

    def at(self, x: float, y: float) -> str | None:
        """The smallest suggestion containing the point (image pixels)."""
        hits = [
            (item.bounds.area, sid)
            for sid, item in self.items.items()
            if item.bounds.x <= x <= item.bounds.x1 and item.bounds.y <= y <= item.bounds.y1
        ]
        return min(hits)[1] if hits else None

    def _set(self, sid: str | None) -> None:
        changed = sid != self._current
        if self._current in self.items:
            self.items[self._current].set_current(False)
        self._current = sid
        if sid is not None:
            self.items[sid].set_current(True)
        if changed:
            self.currentChanged.emit(sid)
