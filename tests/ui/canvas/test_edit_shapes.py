"""Selecting, moving, resizing, nudging and deleting shapes: each finished edit is one request."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

from PySide6 import QtCore

from labeler.domain import geometry as geo
from tests.ui.canvas import helpers as h

Qt = QtCore.Qt
SHIFT = Qt.KeyboardModifier.ShiftModifier
CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def two_boxes(canvas):
    canvas.set_annotations(
        [h.box("a", 200, 200, 200, 100), h.box("b", 600, 400, 100, 100, "dog")], h.CLASSES
    )
    canvas.set_tool("select")
    return canvas


@pytest.mark.parametrize("zoom", [0.5, 1.0, 4.0])
def test_dragging_a_corner_handle_resizes_the_box(qtbot, two_boxes, recorder, zoom):
    canvas = two_boxes
    h.show_at(canvas, zoom, 400.0, 300.0)
    canvas.select(["a"])
    # The handle sits just outside the bottom-right corner, a few screen pixels away at any zoom.
    corner = h.at(canvas, 400.0, 300.0) + QtCore.QPoint(3, 3)
    target = corner + QtCore.QPoint(40, 20)
    h.drag(qtbot, canvas, corner, target)

    assert len(recorder.edited) == 1
    edit = recorder.edited[0]["a"]
    (sx, sy), (tx, ty) = h.scene(canvas, corner), h.scene(canvas, target)
    expected = (200.0, 200.0, 200.0 + tx - sx, 100.0 + ty - sy)
    assert h.coords(edit.geometry) == pytest.approx(expected)
    assert edit.class_id is None and edit.attributes is None


def test_dragging_a_mid_handle_moves_one_side_only(qtbot, two_boxes, recorder):
    canvas = two_boxes
    h.show_at(canvas, 1.0, 400.0, 300.0)
    canvas.select(["a"])
    top = h.at(canvas, 300.0, 200.0) + QtCore.QPoint(0, -3)
    h.drag(qtbot, canvas, top, top + QtCore.QPoint(25, -50))
    assert h.coords(recorder.edited[0]["a"].geometry) == pytest.approx((200.0, 150.0, 200.0, 150.0))


def test_a_handle_dragged_past_the_image_edge_stops_at_it(qtbot, two_boxes, recorder):
    canvas = two_boxes
    canvas.select(["b"])
    corner = h.at(canvas, 700.0, 500.0) + QtCore.QPoint(2, 2)
    h.drag(qtbot, canvas, corner, QtCore.QPoint(900, 700))  # past the viewport too
    g = recorder.edited[0]["b"].geometry
    assert (g.x1, g.y1) == pytest.approx((1000.0, 800.0))


def test_dragging_a_box_moves_it_and_keeps_it_inside_the_image(qtbot, two_boxes, recorder):
    canvas = two_boxes
    h.show_at(canvas, 1.0, 400.0, 300.0)
    h.drag(qtbot, canvas, h.at(canvas, 300, 250), h.at(canvas, 330, 270))
    assert recorder.edited == [{"a": recorder.edited[0]["a"]}]
    assert h.coords(recorder.edited[0]["a"].geometry) == pytest.approx((230.0, 220.0, 200.0, 100.0))
    assert canvas.selected_ids() == ["a"]

    h.show_at(canvas, 0.25, 500.0, 400.0)
    h.drag(
        qtbot, canvas, h.at(canvas, 300, 250), h.at(canvas, 300, 250) + QtCore.QPoint(-150, -150)
    )
    assert h.coords(recorder.edited[1]["a"].geometry) == pytest.approx((0.0, 0.0, 200.0, 100.0))


def test_a_click_without_moving_selects_but_edits_nothing(qtbot, two_boxes, recorder):
    h.click(qtbot, two_boxes, h.at(two_boxes, 650, 450))
    assert two_boxes.selected_ids() == ["b"]
    assert recorder.selections == [["b"]]
    assert recorder.edited == []


def test_a_burst_of_arrow_keys_is_one_edit(qtbot, two_boxes, recorder):
    canvas = two_boxes
    canvas.select(["a", "b"])
    with qtbot.waitSignal(canvas.shapesEdited, timeout=3000):
        for _ in range(3):
            qtbot.keyClick(canvas, Qt.Key.Key_Right)
        qtbot.keyClick(canvas, Qt.Key.Key_Down, SHIFT)
        # The shapes follow every key at once.
        assert canvas.shape_item("a").geometry == geo.Box(203.0, 210.0, 200.0, 100.0)
        assert recorder.edited == []
    assert len(recorder.edited) == 1
    edits = recorder.edited[0]
    assert h.coords(edits["a"].geometry) == (203.0, 210.0, 200.0, 100.0)
    assert h.coords(edits["b"].geometry) == (603.0, 410.0, 100.0, 100.0)


def test_nudges_stop_at_the_image_edge(qtbot, canvas, recorder):
    canvas.set_annotations([h.box("edge", 5, 5, 50, 50)], h.CLASSES)
    canvas.select(["edge"])
    qtbot.keyClick(canvas, Qt.Key.Key_Left, SHIFT)
    qtbot.keyClick(canvas, Qt.Key.Key_Left, SHIFT)
    canvas.finish_edits()
    assert h.coords(recorder.edited[0]["edge"].geometry) == (0.0, 5.0, 50.0, 50.0)


def test_a_click_ends_a_nudge_burst_at_once(qtbot, two_boxes, recorder):
    two_boxes.select(["b"])
    qtbot.keyClick(two_boxes, Qt.Key.Key_Up)
    h.click(qtbot, two_boxes, QtCore.QPoint(5, 5))
    assert [list(e) for e in recorder.edited] == [["b"]]
    assert h.coords(recorder.edited[0]["b"].geometry) == (600.0, 399.0, 100.0, 100.0)


def test_ctrl_and_shift_click_add_and_remove_shapes_then_delete_asks_for_both(
    qtbot, two_boxes, recorder
):
    canvas = two_boxes
    h.click(qtbot, canvas, h.at(canvas, 300, 250))
    h.click(qtbot, canvas, h.at(canvas, 650, 450), CTRL)
    assert canvas.selected_ids() == ["a", "b"]
    h.click(qtbot, canvas, h.at(canvas, 300, 250), SHIFT)
    assert canvas.selected_ids() == ["b"]
    h.click(qtbot, canvas, h.at(canvas, 300, 250), SHIFT)
    qtbot.keyClick(canvas, Qt.Key.Key_Delete)
    assert recorder.deleted == [["a", "b"]]
    assert recorder.edited == []


def test_rubber_band_selects_the_shapes_inside_it(qtbot, two_boxes, recorder):
    canvas = two_boxes
    h.drag(qtbot, canvas, h.at(canvas, 550, 350), h.at(canvas, 750, 550))
    assert canvas.selected_ids() == ["b"]
    h.drag(qtbot, canvas, h.at(canvas, 150, 150), h.at(canvas, 450, 350), CTRL)
    assert canvas.selected_ids() == ["a", "b"]
    h.click(qtbot, canvas, h.at(canvas, 900, 100))
    assert canvas.selected_ids() == []
    assert recorder.requests == 0


def test_ctrl_a_selects_everything_and_escape_clears(qtbot, two_boxes, recorder):
    qtbot.keyClick(two_boxes, Qt.Key.Key_A, CTRL)
    assert two_boxes.selected_ids() == ["a", "b"]
    qtbot.keyClick(two_boxes, Qt.Key.Key_Escape)
    assert two_boxes.selected_ids() == []
    assert recorder.selections == [["a", "b"], []]


def test_the_smallest_shape_under_the_pointer_is_picked(qtbot, canvas):
    canvas.set_annotations(
        [h.box("outer", 100, 100, 800, 600), h.box("inner", 400, 300, 50, 50)], h.CLASSES
    )
    h.click(qtbot, canvas, h.at(canvas, 425, 325))
    assert canvas.selected_ids() == ["inner"]
    h.click(qtbot, canvas, h.at(canvas, 200, 200))
    assert canvas.selected_ids() == ["outer"]


def test_a_shape_gone_from_the_annotations_leaves_the_selection(qtbot, two_boxes, recorder):
    two_boxes.select(["a", "b"])
    two_boxes.set_annotations([h.box("b", 600, 400, 100, 100)], h.CLASSES)
    assert two_boxes.selected_ids() == ["b"]
    assert recorder.selections[-1] == ["b"]


def test_an_image_change_during_a_move_cancels_it(qtbot, two_boxes, recorder):
    canvas = two_boxes
    start = h.at(canvas, 300, 250)
    h.press(qtbot, canvas, start)
    h.move(qtbot, canvas, start + QtCore.QPoint(60, 60))
    canvas.set_image("next", h.picture(50, 40), QtCore.QSize(1000, 800))
    h.release(qtbot, canvas, start + QtCore.QPoint(60, 60))
    assert recorder.requests == 0
    assert canvas.shape_item("a") is None


def test_escape_during_a_resize_puts_the_box_back(qtbot, two_boxes, recorder):
    canvas = two_boxes
    canvas.select(["a"])
    corner = h.at(canvas, 400.0, 300.0) + QtCore.QPoint(3, 3)
    h.press(qtbot, canvas, corner)
    h.move(qtbot, canvas, corner + QtCore.QPoint(50, 50))
    assert canvas.shape_item("a").geometry != geo.Box(200, 200, 200, 100)
    qtbot.keyClick(canvas, Qt.Key.Key_Escape)
    h.release(qtbot, canvas, corner + QtCore.QPoint(50, 50))
    assert canvas.shape_item("a").geometry == geo.Box(200, 200, 200, 100)
    assert recorder.requests == 0


def test_selecting_other_shapes_during_nudges_makes_two_edits(qtbot, two_boxes, recorder):
    two_boxes.select(["a"])
    qtbot.keyClick(two_boxes, Qt.Key.Key_Right)
    two_boxes.select(["a", "b"])
    qtbot.keyClick(two_boxes, Qt.Key.Key_Right)
    two_boxes.finish_edits()
    assert [sorted(e) for e in recorder.edited] == [["a"], ["a", "b"]]
    assert h.coords(recorder.edited[0]["a"].geometry) == (201.0, 200.0, 200.0, 100.0)
    assert h.coords(recorder.edited[1]["a"].geometry) == (202.0, 200.0, 200.0, 100.0)
    assert h.coords(recorder.edited[1]["b"].geometry) == (601.0, 400.0, 100.0, 100.0)


def test_a_redraw_during_a_move_keeps_the_move_unless_the_shape_is_gone(qtbot, two_boxes, recorder):
    canvas = two_boxes
    h.show_at(canvas, 1.0, 400.0, 300.0)
    start = h.at(canvas, 300, 250)
    h.press(qtbot, canvas, start)
    h.move(qtbot, canvas, start + QtCore.QPoint(10, 10))
    canvas.set_annotations([h.box("a", 200, 200, 200, 100), h.box("c", 0, 0, 10, 10)], h.CLASSES)
    assert canvas.shape_item("a").geometry == geo.Box(210, 210, 200, 100)
    h.release(qtbot, canvas, start + QtCore.QPoint(10, 10))
    assert h.coords(recorder.edited[0]["a"].geometry) == (210.0, 210.0, 200.0, 100.0)

    h.press(qtbot, canvas, start)
    h.move(qtbot, canvas, start + QtCore.QPoint(30, 0))
    canvas.set_annotations([h.box("c", 0, 0, 10, 10)], h.CLASSES)
    h.release(qtbot, canvas, start + QtCore.QPoint(30, 0))
    assert len(recorder.edited) == 1


def test_the_handles_of_a_box_on_the_image_edge_can_be_grabbed_when_fitted(qtbot, canvas, recorder):
    canvas.set_annotations([h.box("edge", 100, 0, 300, 120)], h.CLASSES)
    canvas.select(["edge"])
    top = h.at(canvas, 250, 0) + QtCore.QPoint(0, -3)
    assert canvas.viewport().rect().contains(top)
    h.drag(qtbot, canvas, top, top + QtCore.QPoint(0, 30))
    g = recorder.edited[0]["edge"].geometry
    assert g.y == pytest.approx(
        h.scene(canvas, top + QtCore.QPoint(0, 30))[1] - h.scene(canvas, top)[1]
    )
    assert g.y1 == 120.0
