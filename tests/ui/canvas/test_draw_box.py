"""Drawing boxes with the box tool: the coordinates a user expects, at any zoom."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

from PySide6 import QtCore

from labeler.domain import geometry as geo
from tests.ui.canvas import helpers as h


@pytest.mark.parametrize("zoom", [None, 0.5, 1.0, 3.0, 8.0, 64.0])
def test_dragging_draws_one_box_at_the_pointer_positions(qtbot, canvas, recorder, zoom):
    if zoom is not None:
        h.show_at(canvas, zoom, 480.0, 390.0)
    canvas.set_tool("box")
    canvas.set_current_class("dog")
    a, b = QtCore.QPoint(250, 180), QtCore.QPoint(610, 470)
    h.drag(qtbot, canvas, a, b)

    assert len(recorder.drawn) == 1 and recorder.edited == []
    shape = recorder.drawn[0]
    assert shape.class_id == "dog"
    assert shape.kind is geo.ShapeKind.BOX
    (x0, y0), (x1, y1) = h.scene(canvas, a), h.scene(canvas, b)
    assert h.coords(shape.geometry) == pytest.approx(h.coords(geo.Box.from_corners(x0, y0, x1, y1)))
    assert all(isinstance(v, float) for v in shape.geometry.to_json().values())


def test_a_drag_of_a_few_screen_pixels_draws_nothing(qtbot, canvas, recorder):
    h.show_at(canvas, 0.25, 500.0, 400.0)  # 3 screen px are 12 image px here
    canvas.set_tool("box")
    h.drag(qtbot, canvas, QtCore.QPoint(300, 300), QtCore.QPoint(303, 302))
    assert recorder.drawn == []


def test_a_box_dragged_past_the_image_is_clamped_to_the_full_size_frame(qtbot, canvas, recorder):
    # The fixture shows a 500×400 decode of a 1000×800 frame: coordinates stay full-size.
    canvas.set_tool("box")
    inside = h.at(canvas, 900.0, 700.0)
    h.drag(qtbot, canvas, inside, QtCore.QPoint(799, 599))
    x0, y0 = h.scene(canvas, inside)
    assert h.coords(recorder.drawn[0].geometry) == pytest.approx(
        h.coords(geo.Box(x0, y0, 1000.0 - x0, 800.0 - y0))
    )


def test_a_smaller_decode_still_gives_full_resolution_coordinates(qtbot, canvas, recorder):
    canvas.set_image("small", h.picture(100, 80), QtCore.QSize(4000, 3200))
    canvas.set_tool("box")
    h.drag(qtbot, canvas, h.at(canvas, 1000.0, 800.0), h.at(canvas, 3000.0, 2400.0))
    g = recorder.drawn[0].geometry
    # One screen pixel spans about 5.4 image pixels at this fit zoom.
    assert h.coords(g) == pytest.approx((1000.0, 800.0, 2000.0, 1600.0), abs=6.0)
    assert g.x1 > 100 and g.y1 > 80  # not in the decode's own pixels


def test_drawing_inside_an_existing_box_makes_a_new_box_with_the_box_tool(qtbot, canvas, recorder):
    canvas.set_annotations([h.box("b", 100, 100, 600, 500)], h.CLASSES)
    canvas.set_tool("box")
    h.drag(qtbot, canvas, h.at(canvas, 200, 200), h.at(canvas, 400, 400))
    assert len(recorder.drawn) == 1 and recorder.edited == []


def test_a_box_drawn_over_an_empty_frame_makes_nothing(qtbot, canvas, recorder):
    canvas.set_image("empty", h.picture(1, 1), QtCore.QSize(0, 0))
    canvas.set_tool("box")
    h.drag(qtbot, canvas, QtCore.QPoint(100, 100), QtCore.QPoint(400, 400))
    assert recorder.drawn == []


def test_an_image_change_during_a_box_drag_cancels_it(qtbot, canvas, recorder):
    canvas.set_tool("box")
    h.press(qtbot, canvas, QtCore.QPoint(200, 200))
    h.move(qtbot, canvas, QtCore.QPoint(400, 400))
    canvas.set_image("next", h.picture(500, 400), h.FULL)
    h.move(qtbot, canvas, QtCore.QPoint(450, 450))
    h.release(qtbot, canvas, QtCore.QPoint(450, 450))
    assert recorder.requests == 0
    # The next drag on the new image draws normally.
    h.drag(qtbot, canvas, QtCore.QPoint(200, 200), QtCore.QPoint(400, 400))
    assert len(recorder.drawn) == 1


def test_the_same_image_arriving_sharper_does_not_cancel_a_drag(qtbot, canvas, recorder):
    canvas.set_tool("box")
    h.press(qtbot, canvas, QtCore.QPoint(200, 200))
    h.move(qtbot, canvas, QtCore.QPoint(400, 400))
    canvas.set_image("img", h.picture(1000, 800), h.FULL)
    h.release(qtbot, canvas, QtCore.QPoint(400, 400))
    assert len(recorder.drawn) == 1


def test_a_click_with_the_box_tool_picks_the_box_to_fix_it(qtbot, canvas, recorder):
    canvas.set_annotations([h.box("b", 100, 100, 300, 200)], h.CLASSES)
    canvas.set_tool("box")
    h.click(qtbot, canvas, h.at(canvas, 200, 200))
    assert canvas.selected_ids() == ["b"] and recorder.drawn == []
    corner = h.at(canvas, 400, 300) + QtCore.QPoint(3, 3)
    h.drag(qtbot, canvas, corner, corner + QtCore.QPoint(20, 0))
    assert recorder.drawn == [] and list(recorder.edited[0]) == ["b"]
    h.click(qtbot, canvas, h.at(canvas, 800, 700))
    assert canvas.selected_ids() == []
