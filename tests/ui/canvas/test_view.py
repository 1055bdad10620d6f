"""Zoom, pan, fit, view state, labels and odd images: what the user sees stays right."""

import json
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

from PySide6 import QtCore, QtGui, QtWidgets

from tests.ui.canvas import helpers as h
from ui.canvas import canvas as canvas_mod
from ui.canvas import view

Qt = QtCore.Qt
CTRL = Qt.KeyboardModifier.ControlModifier


def wheel(canvas, pos: QtCore.QPoint, notches: float) -> None:
    event = QtGui.QWheelEvent(
        QtCore.QPointF(pos),
        QtCore.QPointF(canvas.viewport().mapToGlobal(pos)),
        QtCore.QPoint(0, 0),
        QtCore.QPoint(0, int(120 * notches)),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QtWidgets.QApplication.sendEvent(canvas.viewport(), event)


def visible(canvas) -> QtCore.QRectF:
    return canvas.mapToScene(canvas.viewport().rect()).boundingRect()


def fit_zoom(canvas, image_w: float = 1000.0, image_h: float = 800.0) -> float:
    room = 2 * view.MARGIN_PX + 2
    vp = canvas.viewport()
    return min((vp.width() - room) / image_w, (vp.height() - room) / image_h)


def test_the_image_is_fitted_when_shown(canvas):
    assert visible(canvas).contains(QtCore.QRectF(0, 0, 1000, 800))
    assert canvas.zoom() == pytest.approx(fit_zoom(canvas))


def test_the_wheel_zooms_towards_the_pointer(qtbot, canvas):
    h.show_at(canvas, 1.0, 500.0, 400.0)
    pos = QtCore.QPoint(600, 200)
    before = h.scene(canvas, pos)
    with qtbot.waitSignal(canvas.zoomChanged) as zoomed:
        wheel(canvas, pos, 1)
    assert zoomed.args == [pytest.approx(view.WHEEL_STEP)]
    assert h.scene(canvas, pos) == pytest.approx(before, abs=1.0)
    wheel(canvas, pos, -1)
    assert canvas.zoom() == pytest.approx(1.0)
    assert h.scene(canvas, pos) == pytest.approx(before, abs=1.5)


def test_keys_zoom_fit_and_show_actual_pixels(qtbot, canvas):
    fitted = canvas.zoom()
    qtbot.keyClick(canvas, Qt.Key.Key_Plus)
    assert canvas.zoom() == pytest.approx(fitted * view.KEY_STEP)
    qtbot.keyClick(canvas, Qt.Key.Key_Minus)
    qtbot.keyClick(canvas, Qt.Key.Key_Minus)
    assert canvas.zoom() == pytest.approx(fitted / view.KEY_STEP)
    qtbot.keyClick(canvas, Qt.Key.Key_1, CTRL)
    assert canvas.zoom() == 1.0
    qtbot.keyClick(canvas, Qt.Key.Key_0, CTRL)
    assert canvas.zoom() == pytest.approx(fitted)
    assert canvas.is_fitted()


def test_a_fitted_image_stays_fitted_when_the_view_is_resized(qtbot, canvas):
    canvas.resize(400, 600)
    qtbot.waitUntil(lambda: canvas.viewport().width() == 400)
    assert canvas.zoom() == pytest.approx(fit_zoom(canvas))
    assert visible(canvas).contains(QtCore.QRectF(0, 0, 1000, 800))


@pytest.mark.parametrize("factor", [1e9, 1e-9, float("inf"), float("nan"), 0.0, -3.0])
def test_zoom_extremes_are_clamped_and_drawing_still_works(qtbot, canvas, recorder, factor):
    canvas.zoom_by(factor)
    assert view.MIN_ZOOM <= canvas.zoom() <= view.MAX_ZOOM
    canvas.restore_view_state({"zoom": factor, "center": [500, 400]})
    assert view.MIN_ZOOM <= canvas.zoom() <= view.MAX_ZOOM
    canvas.set_tool("box")
    h.drag(qtbot, canvas, QtCore.QPoint(300, 200), QtCore.QPoint(500, 400))
    canvas.grab()
    for g in [s.geometry for s in recorder.drawn]:
        assert g.x >= 0 and g.x1 <= 1000 and g.y >= 0 and g.y1 <= 800


def test_the_view_state_round_trips_through_json(canvas):
    h.show_at(canvas, 3.0, 320.0, 210.0)
    state = json.loads(json.dumps(canvas.view_state()))
    canvas.fit()
    canvas.restore_view_state(state)
    assert canvas.zoom() == pytest.approx(3.0)
    assert canvas.visible_center() == pytest.approx((320.0, 210.0), abs=1.0)
    assert not canvas.is_fitted()

    canvas.fit()
    fitted = canvas.view_state()
    h.show_at(canvas, 5.0, 100.0, 100.0)
    canvas.restore_view_state(fitted)
    assert canvas.is_fitted() and canvas.zoom() == pytest.approx(fit_zoom(canvas))


def test_a_malformed_view_state_falls_back_to_fit(canvas):
    h.show_at(canvas, 5.0, 100.0, 100.0)
    canvas.restore_view_state({"zoom": "big", "center": None})
    assert canvas.is_fitted()


def test_middle_button_and_space_drag_pan_the_view(qtbot, canvas, recorder):
    h.show_at(canvas, 2.0, 500.0, 400.0)
    before = canvas.visible_center()
    h.drag(
        qtbot,
        canvas,
        QtCore.QPoint(400, 300),
        QtCore.QPoint(300, 250),
        button=Qt.MouseButton.MiddleButton,
    )
    assert canvas.visible_center() == pytest.approx((before[0] + 50, before[1] + 25), abs=1.0)

    canvas.set_tool("box")
    qtbot.keyPress(canvas, Qt.Key.Key_Space)
    h.drag(qtbot, canvas, QtCore.QPoint(300, 250), QtCore.QPoint(400, 300))
    qtbot.keyRelease(canvas, Qt.Key.Key_Space)
    assert canvas.visible_center() == pytest.approx(before, abs=1.0)
    assert recorder.drawn == []  # panning with Space never draws


def test_a_sharper_picture_for_the_same_image_keeps_view_shapes_and_selection(canvas, recorder):
    canvas.set_annotations([h.box("a", 10, 10, 50, 50)], h.CLASSES)
    canvas.select(["a"])
    h.show_at(canvas, 4.0, 250.0, 150.0)
    state = canvas.view_state()
    canvas.set_image("img", h.picture(1000, 800), h.FULL)
    assert canvas.view_state() == state
    assert canvas.selected_ids() == ["a"]
    assert canvas.shape_item("a") is not None


def test_a_new_image_clears_shapes_and_selection(canvas, recorder):
    canvas.set_annotations([h.box("a", 10, 10, 50, 50)], h.CLASSES)
    canvas.select(["a"])
    canvas.set_image("other", h.picture(100, 100), QtCore.QSize(100, 100))
    assert canvas.selected_ids() == [] and recorder.selections[-1] == []
    assert canvas.shape_item("a") is None
    assert canvas.image_id() == "other"


def tag_pixel(canvas) -> QtGui.QColor:
    """A pixel where the class tag of box ``a`` is drawn: just above its top-left corner."""
    p = h.at(canvas, 300, 300) + QtCore.QPoint(3, -4)
    return canvas.grab().toImage().pixelColor(p)


def test_class_name_tags_show_above_the_box_and_hide_on_request(canvas):
    canvas.set_image("flat", h.picture(100, 80, "#3060a0"), h.FULL)
    canvas.set_annotations([h.box("a", 300, 300, 200, 200)], h.CLASSES)
    background = QtGui.QColor("#3060a0")
    assert tag_pixel(canvas) != background
    canvas.set_labels_visible(False)
    assert not canvas.labels_visible()
    assert tag_pixel(canvas) == background
    # New shapes follow the setting too.
    canvas.set_annotations([h.box("a", 300, 300, 200, 200, "dog")], h.CLASSES)
    assert tag_pixel(canvas) == background


def test_the_fill_inside_a_box_is_faint_so_the_pixels_stay_visible(canvas):
    canvas.set_image("flat", h.picture(100, 80, "#808080"), h.FULL)
    canvas.set_annotations([h.box("a", 300, 300, 200, 200)], h.CLASSES)
    canvas.select(["a"])
    inside = canvas.grab().toImage().pixelColor(h.at(canvas, 400, 400))
    for channel in (inside.red(), inside.green(), inside.blue()):
        assert abs(channel - 0x80) <= 40


def test_odd_images_and_shapes_do_not_break_the_canvas(qtbot, canvas, recorder):
    canvas.set_image("null", QtGui.QImage(), QtCore.QSize(640, 480))
    canvas.set_annotations([h.box("zero", 10, 10, 0, 0), h.box("line", 20, 20, 100, 0)], h.CLASSES)
    canvas.select(["zero", "line"])
    canvas.grab()
    canvas.set_image("nothing", QtGui.QImage(), QtCore.QSize(0, 0))
    canvas.fit()
    canvas.zoom_by(2.0)
    canvas.grab()
    canvas.clear_image("This image could not be read.")
    canvas.set_tool("polygon")
    h.click(qtbot, canvas, QtCore.QPoint(100, 100))
    qtbot.keyClick(canvas, Qt.Key.Key_Return)
    canvas.grab()
    assert canvas.image_id() is None
    assert recorder.requests == 0


def test_unknown_tools_are_refused(canvas):
    with pytest.raises(ValueError, match="unknown canvas tool"):
        canvas.set_tool("lasso")


def test_the_window_keeps_f_and_the_class_hotkeys(qtbot):
    window = QtWidgets.QWidget()
    qtbot.addWidget(window)
    canvas = canvas_mod.Canvas(window)
    canvas.resize(400, 300)
    canvas.set_image("img", h.picture(50, 40), h.FULL)
    canvas.set_annotations([h.box("a", 10, 10, 50, 50)], h.CLASSES)
    canvas.select(["a"])
    fired: list[str] = []
    for key in ("F", "1", "9"):
        shortcut = QtGui.QShortcut(QtGui.QKeySequence(key), window)
        shortcut.activated.connect(lambda key=key: fired.append(key))
    window.show()
    qtbot.waitExposed(window)
    canvas.setFocus()
    qtbot.waitUntil(canvas.hasFocus)
    for key in (Qt.Key.Key_F, Qt.Key.Key_1, Qt.Key.Key_9):
        qtbot.keyClick(canvas, key)
    assert fired == ["F", "1", "9"]
    assert canvas.selected_ids() == ["a"]


def test_many_void_qt_calls_do_not_abort_the_interpreter(canvas):
    # PySide6 6.12.0 on Python 3.11 aborts after a few thousand calls to void methods.
    item = canvas.scene().addRect(QtCore.QRectF(0, 0, 10, 10))
    for i in range(20_000):
        item.setPos(float(i % 100), 0.0)
    assert item.pos().x() == 99.0


def test_canvas_keys_win_over_window_shortcuts_only_when_they_mean_something(qtbot):
    window = QtWidgets.QWidget()
    qtbot.addWidget(window)
    canvas = canvas_mod.Canvas(window)
    canvas.resize(400, 300)
    canvas.set_image("img", h.picture(50, 40), h.FULL)
    canvas.set_annotations([h.box("a", 10, 10, 50, 50)], h.CLASSES)
    recorder = h.Recorder(canvas)
    fired: list[str] = []
    for key in ("Delete", "Esc"):
        shortcut = QtGui.QShortcut(QtGui.QKeySequence(key), window)
        shortcut.activated.connect(lambda key=key: fired.append(key))
    window.show()
    qtbot.waitExposed(window)
    canvas.setFocus()
    qtbot.waitUntil(canvas.hasFocus)

    qtbot.keyClick(canvas, Qt.Key.Key_Delete)  # nothing selected: the window's action
    qtbot.keyClick(canvas, Qt.Key.Key_Escape)
    assert fired == ["Delete", "Esc"] and recorder.deleted == []
    canvas.select(["a"])
    qtbot.keyClick(canvas, Qt.Key.Key_Delete)
    qtbot.keyClick(canvas, Qt.Key.Key_Escape)
    assert fired == ["Delete", "Esc"]
    assert recorder.deleted == [["a"]] and canvas.selected_ids() == []


def test_a_space_tap_reaches_the_window_but_space_drag_only_pans(qtbot):
    window = QtWidgets.QWidget()
    qtbot.addWidget(window)
    canvas = canvas_mod.Canvas(window)
    canvas.resize(400, 300)
    canvas.set_image("img", h.picture(50, 40), h.FULL)
    fired: list[str] = []
    action = QtGui.QAction("Done and next", window)
    action.setShortcut(QtGui.QKeySequence(Qt.Key.Key_Space))
    action.triggered.connect(lambda: fired.append("space"))
    window.addAction(action)
    window.show()
    qtbot.waitExposed(window)
    canvas.setFocus()
    qtbot.waitUntil(canvas.hasFocus)

    qtbot.keyClick(canvas, Qt.Key.Key_Space)
    assert fired == ["space"]
    h.show_at(canvas, 2.0, 500.0, 400.0)
    before = canvas.visible_center()
    qtbot.keyPress(canvas, Qt.Key.Key_Space)
    h.drag(qtbot, canvas, QtCore.QPoint(200, 150), QtCore.QPoint(100, 100))
    qtbot.keyRelease(canvas, Qt.Key.Key_Space)
    assert fired == ["space"]
    assert canvas.visible_center() == pytest.approx((before[0] + 50, before[1] + 25), abs=1.0)


def test_shapes_given_while_loading_appear_only_with_the_picture(qtbot, canvas, recorder):
    canvas.clear_image("Loading…")
    canvas.set_annotations([h.box("a", 100, 100, 200, 200)], h.CLASSES)
    canvas.select(["a"])
    qtbot.keyClick(canvas, Qt.Key.Key_Delete)
    assert recorder.deleted == []
    assert not canvas.shape_item("a").isVisible()
    canvas.set_image("img", h.picture(500, 400), h.FULL)
    canvas.set_annotations([h.box("a", 100, 100, 200, 200)], h.CLASSES)
    assert canvas.shape_item("a").isVisible()
