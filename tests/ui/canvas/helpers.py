"""Building annotations and driving the canvas with simulated mouse input."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from PySide6 import QtCore, QtGui

from labeler.domain import annotation as ann
from labeler.domain import geometry as geo
from labeler.domain import schema
from ui.canvas import canvas as canvas_mod

Qt = QtCore.Qt
NO_MOD = Qt.KeyboardModifier.NoModifier
LEFT = Qt.MouseButton.LeftButton

FULL = QtCore.QSize(1000, 800)
CLASSES = {
    "cat": schema.LabelClass("cat", "cat", "#e6194b", "1", 0),
    "dog": schema.LabelClass("dog", "dog", "#3cb44b", "2", 1),
}
_NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def box(
    aid: str, x: float, y: float, w: float, h: float, class_id: str | None = "cat"
) -> ann.Annotation:
    return ann.Annotation(
        aid, "img", class_id, geo.ShapeKind.BOX, geo.Box(x, y, w, h), {}, "tester", _NOW, _NOW
    )


def polygon(
    aid: str, points: Sequence[tuple[float, float]], class_id: str | None = "dog"
) -> ann.Annotation:
    return ann.Annotation(
        aid,
        "img",
        class_id,
        geo.ShapeKind.POLYGON,
        geo.Polygon(tuple(points)),
        {},
        "tester",
        _NOW,
        _NOW,
    )


def rotated(
    aid: str,
    cx: float,
    cy: float,
    w: float,
    h: float,
    angle: float,
    class_id: str | None = "cat",
) -> ann.Annotation:
    return annotation(aid, geo.ShapeKind.ROTATED_BOX, geo.RotatedBox(cx, cy, w, h, angle), class_id)


def annotation(
    aid: str, kind: geo.ShapeKind, geometry: geo.Geometry, class_id: str | None = "cat"
) -> ann.Annotation:
    return ann.Annotation(aid, "img", class_id, kind, geometry, {}, "tester", _NOW, _NOW)


def picture(width: int, height: int, colour: str | None = None) -> QtGui.QImage:
    """A picture to label: a flat colour, or a smooth gradient by default."""
    image = QtGui.QImage(width, height, QtGui.QImage.Format.Format_RGB32)
    if colour is not None:
        image.fill(QtGui.QColor(colour))
        return image
    painter = QtGui.QPainter(image)
    gradient = QtGui.QLinearGradient(0, 0, width, height)
    gradient.setColorAt(0.0, QtGui.QColor("#203040"))
    gradient.setColorAt(1.0, QtGui.QColor("#a0b090"))
    painter.fillRect(image.rect(), gradient)
    painter.end()
    return image


def at(canvas: canvas_mod.Canvas, x: float, y: float) -> QtCore.QPoint:
    """The viewport pixel showing image point (x, y)."""
    return canvas.mapFromScene(QtCore.QPointF(x, y))


def scene(canvas: canvas_mod.Canvas, p: QtCore.QPoint) -> tuple[float, float]:
    """The image point Qt itself maps viewport pixel ``p`` to (the expected coordinates)."""
    s = canvas.mapToScene(p)
    return (s.x(), s.y())


def press(qtbot, canvas, p: QtCore.QPoint, modifier=NO_MOD, button=LEFT) -> None:
    qtbot.mousePress(canvas.viewport(), button, modifier, p)


def move(qtbot, canvas, p: QtCore.QPoint) -> None:
    qtbot.mouseMove(canvas.viewport(), p)


def release(qtbot, canvas, p: QtCore.QPoint, modifier=NO_MOD, button=LEFT) -> None:
    qtbot.mouseRelease(canvas.viewport(), button, modifier, p)


def drag(
    qtbot, canvas, a: QtCore.QPoint, b: QtCore.QPoint, modifier=NO_MOD, button=LEFT, steps: int = 4
) -> None:
    """Press at ``a``, move to ``b`` in a few steps, release there."""
    press(qtbot, canvas, a, modifier, button)
    for i in range(1, steps + 1):
        move(qtbot, canvas, a + (b - a) * (i / steps))
    release(qtbot, canvas, b, modifier, button)


def click(qtbot, canvas, p: QtCore.QPoint, modifier=NO_MOD) -> None:
    qtbot.mouseClick(canvas.viewport(), LEFT, modifier, p)


def show_at(canvas: canvas_mod.Canvas, zoom: float, cx: float, cy: float) -> None:
    canvas.restore_view_state({"zoom": zoom, "center": [cx, cy], "fit": False})


class Recorder:
    """Collects every request the canvas sends, in order."""

    def __init__(self, canvas: canvas_mod.Canvas) -> None:
        self.drawn: list[ann.NewShape] = []
        self.edited: list[dict[str, ann.ShapeEdit]] = []
        self.deleted: list[list[str]] = []
        self.selections: list[list[str]] = []
        canvas.shapeDrawn.connect(self.drawn.append)
        canvas.shapesEdited.connect(self.edited.append)
        canvas.deleteRequested.connect(self.deleted.append)
        canvas.selectionChanged.connect(self.selections.append)

    @property
    def requests(self) -> int:
        return len(self.drawn) + len(self.edited) + len(self.deleted)


def coords(g: geo.Geometry) -> tuple[float, ...]:
    """A geometry's numbers, for ``pytest.approx`` comparisons."""
    assert g is not None
    return g.coords()


def double_click(qtbot, canvas, p: QtCore.QPoint) -> None:
    """What a real double click delivers: press, release, double-click, release.

    (``QTest.mouseDClick`` on Qt 6 sends only the double-click event.)
    """
    click(qtbot, canvas, p)
    qtbot.mouseDClick(canvas.viewport(), LEFT, NO_MOD, p)
    release(qtbot, canvas, p)
