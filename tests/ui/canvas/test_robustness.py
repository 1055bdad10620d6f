"""Random sequences of mouse, keys, zoom, tools and image changes never break the canvas.

A tiny store applies every request the canvas sends and redraws it, as the app does, so the
sequences also exercise editing shapes the canvas itself created.
"""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from PySide6 import QtCore, QtGui, QtWidgets

from labeler.domain import annotation as ann
from labeler.domain import geometry as geo
from tests.ui.canvas import helpers as h
from ui.canvas import canvas as canvas_mod

Qt = QtCore.Qt
W, H = 300, 200
MODS = [Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.ControlModifier,
        Qt.KeyboardModifier.ShiftModifier, Qt.KeyboardModifier.AltModifier]  # fmt: skip
KEYS = [Qt.Key.Key_Delete, Qt.Key.Key_Backspace, Qt.Key.Key_Return, Qt.Key.Key_Escape,
        Qt.Key.Key_Left, Qt.Key.Key_Up, Qt.Key.Key_Plus, Qt.Key.Key_Minus, Qt.Key.Key_A,
        Qt.Key.Key_0, Qt.Key.Key_1, Qt.Key.Key_Space, Qt.Key.Key_BracketRight]  # fmt: skip
points = st.builds(QtCore.QPoint, st.integers(-40, 440), st.integers(-40, 340))
drags = st.tuples(st.just("drag"), points, points, st.sampled_from(MODS), st.booleans())
clicks = st.tuples(st.just("click"), points, st.sampled_from(MODS))
actions = st.one_of(
    drags,
    drags,
    drags,
    clicks,
    clicks,
    st.tuples(st.just("dclick"), points),
    st.tuples(st.just("hover"), points),
    st.tuples(st.just("key"), st.sampled_from(KEYS), st.sampled_from(MODS)),
    st.tuples(st.just("key"), st.sampled_from(KEYS), st.sampled_from(MODS)),
    st.tuples(st.just("wheel"), points, st.integers(-3, 3)),
    st.tuples(st.just("tool"), st.sampled_from(canvas_mod.TOOLS)),
    st.tuples(st.just("image"), st.sampled_from(["same", "sharper", "other", "none"])),
    st.tuples(st.just("flush")),
)


class Store:
    """Applies the canvas's requests to a dict of annotations and redraws, like the app."""

    def __init__(self, canvas: canvas_mod.Canvas) -> None:
        self.canvas = canvas
        self.shapes: dict[str, ann.Annotation] = {}
        self._ids = itertools.count()
        canvas.shapeDrawn.connect(self.on_drawn)
        canvas.shapesEdited.connect(self.on_edited)
        canvas.deleteRequested.connect(self.on_deleted)

    def check(self, g: geo.Geometry) -> None:
        assert isinstance(g, geo.Box | geo.Polygon | geo.RotatedBox)
        w, h = self.canvas.image_size()
        eps = 1e-6  # a turned box's corners carry rounding
        b = g.bounds
        assert b.x >= -eps and b.x1 <= w + eps and b.y >= -eps and b.y1 <= h + eps, (g, w, h)

    def on_drawn(self, shape: ann.NewShape) -> None:
        self.check(shape.geometry)
        if isinstance(shape.geometry, geo.Box | geo.RotatedBox):
            assert shape.geometry.w > 0 and shape.geometry.h > 0
        aid = f"s{next(self._ids)}"
        self.shapes[aid] = h.annotation(aid, shape.kind, shape.geometry, shape.class_id)
        self.redraw()

    def on_edited(self, edits: dict[str, ann.ShapeEdit]) -> None:
        for aid, edit in edits.items():
            assert aid in self.shapes
            self.check(edit.geometry)
            old = self.shapes[aid]
            self.shapes[aid] = ann.Annotation(aid, old.image_id, old.class_id, old.kind,
                                              edit.geometry, {}, "t", old.created_at, old.updated_at)  # fmt: skip
        self.redraw()

    def on_deleted(self, ids: list[str]) -> None:
        assert ids and all(aid in self.shapes for aid in ids)
        for aid in ids:
            del self.shapes[aid]
        self.redraw()

    def redraw(self) -> None:
        self.canvas.set_annotations(list(self.shapes.values()), h.CLASSES)


def run(qtbot, canvas: canvas_mod.Canvas, store: Store, action: tuple) -> None:
    vp = canvas.viewport()
    kind = action[0]
    if kind == "drag":
        _, a, b, mod, middle = action
        button = (
            Qt.MouseButton.MiddleButton if middle and mod == MODS[0] else Qt.MouseButton.LeftButton
        )
        h.drag(qtbot, canvas, a, b, mod, button, steps=2)
    elif kind == "click":
        h.click(qtbot, canvas, action[1], action[2])
    elif kind == "dclick":
        h.double_click(qtbot, canvas, action[1])
    elif kind == "hover":
        h.move(qtbot, canvas, action[1])
    elif kind == "key":
        qtbot.keyClick(canvas, action[1], action[2])
    elif kind == "wheel":
        event = QtGui.QWheelEvent(QtCore.QPointF(action[1]), QtCore.QPointF(action[1]), QtCore.QPoint(),
                                  QtCore.QPoint(0, 120 * action[2]), Qt.MouseButton.NoButton,
                                  Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)  # fmt: skip
        QtWidgets.QApplication.sendEvent(vp, event)
    elif kind == "tool":
        canvas.set_tool(action[1])
    elif kind == "image":
        which = action[1]
        if which == "none":
            canvas.clear_image("gone")
        else:
            image_id = "other" if which == "other" else "img"
            size = 300 if which == "sharper" else 60
            canvas.set_image(image_id, h.picture(size, size * 2 // 3), QtCore.QSize(W, H))
        store.shapes.clear() if which in ("other", "none") else None
        store.redraw()
    else:
        canvas.finish_edits()


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.sampled_from(canvas_mod.TOOLS), st.lists(actions, min_size=5, max_size=30))
def test_random_use_never_breaks_the_canvas(qtbot, tool, sequence):
    canvas = canvas_mod.Canvas()
    qtbot.addWidget(canvas)
    canvas.resize(400, 300)
    canvas.show()
    canvas.set_image("img", h.picture(60, 40), QtCore.QSize(W, H))
    canvas.set_current_class("cat")
    canvas.set_tool(tool)
    store = Store(canvas)
    store.shapes = {
        "p": h.polygon("p", [(20, 20), (120, 30), (60, 150)]),
        "b": h.box("b", 150, 50, 100, 80),
    }
    store.redraw()
    for action in sequence:
        run(qtbot, canvas, store, action)
    canvas.finish_edits()
    canvas.grab()
    assert set(canvas.selected_ids()) <= set(store.shapes)
    canvas.close()
