"""Polygons: click vertices in, close, undo a vertex, cancel; edit vertices of a selected one."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

from PySide6 import QtCore

from labeler.domain import geometry as geo
from tests.ui.canvas import helpers as h

Qt = QtCore.Qt
ALT = Qt.KeyboardModifier.AltModifier
SQUARE = [(200.0, 200.0), (400.0, 200.0), (400.0, 400.0), (200.0, 400.0)]
CLICKS = [(100.0, 100.0), (300.0, 120.0), (320.0, 300.0), (110.0, 280.0)]


def click_points(qtbot, canvas, points):
    views = [h.at(canvas, x, y) for x, y in points]
    for p in views:
        h.click(qtbot, canvas, p)
    return [h.scene(canvas, p) for p in views]


@pytest.fixture
def square(canvas):
    canvas.set_annotations([h.polygon("sq", SQUARE)], h.CLASSES)
    canvas.set_tool("select")
    canvas.select(["sq"])
    return canvas


def test_clicking_the_first_vertex_closes_the_polygon(qtbot, canvas, recorder):
    canvas.set_tool("polygon")
    canvas.set_current_class("cat")
    expected = click_points(qtbot, canvas, CLICKS)
    assert recorder.drawn == []
    h.click(qtbot, canvas, h.at(canvas, *CLICKS[0]) + QtCore.QPoint(2, 1))
    assert len(recorder.drawn) == 1
    shape = recorder.drawn[0]
    assert shape.kind is geo.ShapeKind.POLYGON and shape.class_id == "cat"
    assert h.coords(shape.geometry) == pytest.approx([c for p in expected for c in p])


def test_enter_closes_and_backspace_removes_the_last_vertex(qtbot, canvas, recorder):
    canvas.set_tool("polygon")
    expected = click_points(qtbot, canvas, CLICKS)
    qtbot.keyClick(canvas, Qt.Key.Key_Backspace)
    qtbot.keyClick(canvas, Qt.Key.Key_Return)
    assert h.coords(recorder.drawn[0].geometry) == pytest.approx(
        [c for p in expected[:3] for c in p]
    )
    assert recorder.deleted == []  # Backspace while drawing is not a delete request


def test_enter_with_fewer_than_three_vertices_keeps_drawing(qtbot, canvas, recorder):
    canvas.set_tool("polygon")
    click_points(qtbot, canvas, CLICKS[:2])
    qtbot.keyClick(canvas, Qt.Key.Key_Return)
    assert recorder.drawn == []
    click_points(qtbot, canvas, CLICKS[2:3])
    qtbot.keyClick(canvas, Qt.Key.Key_Enter)
    assert len(recorder.drawn[0].geometry.points) == 3


def test_escape_cancels_the_polygon_being_drawn(qtbot, canvas, recorder):
    canvas.set_tool("polygon")
    click_points(qtbot, canvas, CLICKS)
    qtbot.keyClick(canvas, Qt.Key.Key_Escape)
    qtbot.keyClick(canvas, Qt.Key.Key_Return)
    assert recorder.drawn == []
    # The next click starts a fresh polygon.
    expected = click_points(qtbot, canvas, CLICKS[1:])
    qtbot.keyClick(canvas, Qt.Key.Key_Return)
    assert h.coords(recorder.drawn[0].geometry) == pytest.approx([c for p in expected for c in p])


def test_an_image_change_cancels_the_polygon_being_drawn(qtbot, canvas, recorder):
    canvas.set_tool("polygon")
    click_points(qtbot, canvas, CLICKS)
    canvas.set_image("other", h.picture(10, 10), QtCore.QSize(1000, 800))
    qtbot.keyClick(canvas, Qt.Key.Key_Return)
    assert recorder.requests == 0


def test_double_clicking_an_edge_inserts_a_vertex(qtbot, square, recorder):
    h.show_at(square, 1.0, 300.0, 300.0)
    h.double_click(qtbot, square, h.at(square, 300, 200))
    assert len(recorder.edited) == 1
    points = recorder.edited[0]["sq"].geometry.points
    assert points == (SQUARE[0], (300.0, 200.0), *SQUARE[1:])


def test_alt_click_inserts_on_an_edge_and_deletes_a_vertex(qtbot, square, recorder):
    h.show_at(square, 1.0, 300.0, 300.0)
    h.click(qtbot, square, h.at(square, 400, 300), ALT)
    assert recorder.edited[0]["sq"].geometry.points == (*SQUARE[:2], (400.0, 300.0), *SQUARE[2:])
    h.click(qtbot, square, h.at(square, 200, 400), ALT)
    assert recorder.edited[1]["sq"].geometry.points == (*SQUARE[:2], (400.0, 300.0), SQUARE[2])


def test_delete_over_a_vertex_removes_it_but_never_below_three(qtbot, square, recorder):
    square.set_annotations([h.polygon("sq", SQUARE)], h.CLASSES)
    h.move(qtbot, square, h.at(square, 400, 400))
    qtbot.keyClick(square, Qt.Key.Key_Delete)
    assert recorder.edited[0]["sq"].geometry.points == (*SQUARE[:2], SQUARE[3])
    assert recorder.deleted == []

    square.set_annotations([h.polygon("sq", SQUARE[:3])], h.CLASSES)
    h.click(qtbot, square, h.at(square, 400, 200), ALT)
    h.move(qtbot, square, h.at(square, 400, 200))
    qtbot.keyClick(square, Qt.Key.Key_Delete)
    assert len(recorder.edited) == 1
    assert len(square.shape_item("sq").geometry.points) == 3
    # Away from a vertex, Delete asks to delete the selected shape.
    h.move(qtbot, square, h.at(square, 320, 250))
    qtbot.keyClick(square, Qt.Key.Key_Delete)
    assert recorder.deleted == [["sq"]]


def test_dragging_a_vertex_moves_only_that_vertex(qtbot, square, recorder):
    h.show_at(square, 2.0, 300.0, 300.0)
    h.drag(qtbot, square, h.at(square, 200, 200), h.at(square, 180, 170))
    assert recorder.edited[0]["sq"].geometry.points == ((180.0, 170.0), *SQUARE[1:])


def test_a_vertex_dragged_off_the_image_stays_on_its_edge(qtbot, square, recorder):
    h.drag(qtbot, square, h.at(square, 200, 200), QtCore.QPoint(-300, -300))
    assert recorder.edited[0]["sq"].geometry.points[0] == (0.0, 0.0)


def test_a_double_click_on_the_last_vertex_closes_the_polygon(qtbot, canvas, recorder):
    canvas.set_tool("polygon")
    expected = click_points(qtbot, canvas, CLICKS[:3])
    last = h.at(canvas, *CLICKS[3])
    h.double_click(qtbot, canvas, last)
    assert len(recorder.drawn) == 1
    flat = [c for p in [*expected, h.scene(canvas, last)] for c in p]
    assert h.coords(recorder.drawn[0].geometry) == pytest.approx(flat)
