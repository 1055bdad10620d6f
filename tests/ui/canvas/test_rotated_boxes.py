"""Rotated boxes on the canvas: drawn with three clicks, resized and turned with handles and keys."""

import math
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

from PySide6 import QtCore, QtGui, QtWidgets

from labeler.domain import geometry as geo
from tests.ui.canvas import helpers as h
from ui.canvas import rotated

Qt = QtCore.Qt
K = geo.ShapeKind


@pytest.fixture
def drawing(canvas):
    h.show_at(canvas, 1.0, 500.0, 400.0)
    canvas.set_tool("rotated_box")
    canvas.set_current_class("dog")
    return canvas


def _corners_close(box: geo.RotatedBox, want: geo.RotatedBox, tol: float = 1.5) -> bool:
    return all(math.dist(a, b) <= tol for a, b in zip(box.corners(), want.corners(), strict=True))


def test_two_clicks_along_an_edge_and_one_for_the_width_draw_a_rotated_box(
    qtbot, drawing, recorder
):
    a, b, c = h.at(drawing, 400, 300), h.at(drawing, 500, 400), h.at(drawing, 440, 400)
    h.click(qtbot, drawing, a)
    h.move(qtbot, drawing, b)
    h.click(qtbot, drawing, b)
    assert recorder.drawn == []  # two clicks make an edge, not yet a box
    h.move(qtbot, drawing, c)
    h.click(qtbot, drawing, c)
    (shape,) = recorder.drawn
    assert shape.kind is K.ROTATED_BOX and shape.class_id == "dog"
    want = geo.RotatedBox.from_edge(h.scene(drawing, a), h.scene(drawing, b), h.scene(drawing, c))
    assert shape.geometry == want
    assert shape.geometry.angle == pytest.approx(45.0, abs=0.5)
    # The third click was 60/√2 px beyond the edge: that is the box's width.
    assert shape.geometry.h == pytest.approx(60 / math.sqrt(2), abs=1.0)


def test_the_first_edge_can_be_dragged_out(qtbot, drawing, recorder):
    h.drag(qtbot, drawing, h.at(drawing, 300, 300), h.at(drawing, 500, 300))
    assert recorder.drawn == []
    h.move(qtbot, drawing, h.at(drawing, 400, 250))
    h.click(qtbot, drawing, h.at(drawing, 400, 250))
    (shape,) = recorder.drawn
    assert shape.geometry.coords() == pytest.approx((400, 275, 200, 50, 0), abs=1.0)


def test_backspace_takes_back_a_click_and_escape_gives_up(qtbot, drawing, recorder):
    h.click(qtbot, drawing, h.at(drawing, 300, 300))
    h.click(qtbot, drawing, h.at(drawing, 400, 300))
    qtbot.keyClick(drawing, Qt.Key.Key_Backspace)
    h.click(qtbot, drawing, h.at(drawing, 300, 400))  # the edge now goes down
    h.move(qtbot, drawing, h.at(drawing, 350, 350))
    h.click(qtbot, drawing, h.at(drawing, 350, 350))
    (shape,) = recorder.drawn
    assert shape.geometry.angle == pytest.approx(90.0, abs=0.5)
    h.click(qtbot, drawing, h.at(drawing, 100, 100))
    qtbot.keyClick(drawing, Qt.Key.Key_Escape)
    h.click(qtbot, drawing, h.at(drawing, 120, 100))
    h.click(qtbot, drawing, h.at(drawing, 200, 100))
    assert len(recorder.drawn) == 1  # the Esc'd box never came; a new edge was started


def test_the_width_stops_at_the_image_edge(qtbot, drawing, recorder):
    h.show_at(drawing, 0.5, 500.0, 400.0)
    h.click(qtbot, drawing, h.at(drawing, 100, 700))
    h.click(qtbot, drawing, h.at(drawing, 300, 700))
    h.move(qtbot, drawing, h.at(drawing, 200, 900))  # 200 px below the edge, past the image
    h.click(qtbot, drawing, h.at(drawing, 200, 900))
    (shape,) = recorder.drawn
    assert shape.geometry.bounds.y1 == pytest.approx(800.0)


@pytest.fixture
def turned(canvas):
    h.show_at(canvas, 1.0, 500.0, 400.0)
    canvas.set_annotations([h.rotated("r", 500, 400, 200, 80, 30)], h.CLASSES)
    canvas.set_tool("select")
    canvas.select(["r"])
    return canvas


def test_the_rotate_knob_turns_the_box_about_its_centre(qtbot, turned, recorder):
    box = geo.RotatedBox(500, 400, 200, 80, 30)
    knob = next(
        s for s in rotated.spots(box, turned._style, turned.px()) if s.key == rotated.ROTATE
    )
    start = h.at(turned, *knob.anchor)
    # A quarter turn clockwise around the centre.
    dx, dy = knob.anchor[0] - 500, knob.anchor[1] - 400
    end = h.at(turned, 500 - dy, 400 + dx)
    h.drag(qtbot, turned, start, end, steps=8)
    (edit,) = recorder.edited
    g = edit["r"].geometry
    assert (g.cx, g.cy, g.w, g.h) == pytest.approx((500, 400, 200, 80))
    assert g.angle == pytest.approx(120.0, abs=1.0)


def test_shift_snaps_the_knob_to_fifteen_degrees(qtbot, turned, recorder):
    box = geo.RotatedBox(500, 400, 200, 80, 30)
    knob = next(
        s for s in rotated.spots(box, turned._style, turned.px()) if s.key == rotated.ROTATE
    )
    start = h.at(turned, *knob.anchor)
    end = start + QtCore.QPoint(40, 0)
    shift = Qt.KeyboardModifier.ShiftModifier
    h.press(qtbot, turned, start, shift)
    for i in range(1, 5):  # QTest moves carry no modifiers: send them as a held Shift makes them
        _move_with(turned, start + (end - start) * (i / 4), shift)
    h.release(qtbot, turned, end, shift)
    g = recorder.edited[0]["r"].geometry
    assert g.angle % 15 == pytest.approx(0.0, abs=1e-6) and g.angle != 30


def test_a_side_handle_resizes_along_the_boxs_own_axis(qtbot, turned, recorder):
    box = geo.RotatedBox(500, 400, 200, 80, 30)
    right = next(s for s in rotated.spots(box, turned._style, turned.px()) if s.key == 3)
    (ux, uy), _ = box.axes
    square = right.square
    start = h.at(turned, square.x + square.w / 2, square.y + square.h / 2)
    end = h.at(turned, square.x + square.w / 2 + 40 * ux, square.y + square.h / 2 + 40 * uy)
    h.drag(qtbot, turned, start, end)
    g = recorder.edited[0]["r"].geometry
    assert g.angle == pytest.approx(30.0) and g.h == pytest.approx(80.0)
    assert g.w == pytest.approx(240.0, abs=1.5)
    # The opposite side stayed where it was: the centre moved half the growth along the axis.
    assert _corners_close(g, geo.RotatedBox(500 + ux * 20, 400 + uy * 20, 240, 80, 30))


def test_brackets_turn_the_selection_as_one_edit(qtbot, turned, recorder):
    for _ in range(3):
        qtbot.keyClick(turned, Qt.Key.Key_BracketRight)
    qtbot.keyClick(turned, Qt.Key.Key_BracketLeft)
    qtbot.keyClick(turned, Qt.Key.Key_Right)
    turned.finish_edits()
    (edit,) = recorder.edited
    g = edit["r"].geometry
    assert g.angle == pytest.approx(32.0) and (g.cx, g.cy) == pytest.approx((501, 400))


def test_brackets_are_left_to_the_window_without_a_rotated_box_selected(qtbot, canvas):
    canvas.set_annotations([h.box("b", 10, 10, 50, 50)], h.CLASSES)
    canvas.select(["b"])
    event = QtGui_key(Qt.Key.Key_BracketRight)
    assert canvas._key_action(event) is None


def QtGui_key(key: Qt.Key):
    return QtGui.QKeyEvent(QtCore.QEvent.Type.KeyPress, key, Qt.KeyboardModifier.NoModifier)


def _move_with(canvas, p: QtCore.QPoint, modifiers: Qt.KeyboardModifier) -> None:
    vp = canvas.viewport()
    local = QtCore.QPointF(p)
    event = QtGui.QMouseEvent(
        QtCore.QEvent.Type.MouseMove, local, QtCore.QPointF(vp.mapToGlobal(p)),
        Qt.MouseButton.NoButton, Qt.MouseButton.LeftButton, modifiers,
    )  # fmt: skip
    QtWidgets.QApplication.sendEvent(vp, event)


def test_a_rotated_box_is_hit_inside_its_turned_outline_only(qtbot, turned):
    turned.select([])
    # The box's own corner region of its bounds lies outside the turned rectangle.
    b = geo.RotatedBox(500, 400, 200, 80, 30).bounds
    assert turned._layer.shape_at((b.x + 3, b.y + 3), turned.px()) is None
    assert turned._layer.shape_at((500, 400), turned.px()) == "r"
