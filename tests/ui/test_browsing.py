"""Moving through the images: the browser's filter, position in the status bar, arrow keys."""

from __future__ import annotations

from labeler.domain import annotation as ann_mod
from labeler.domain import geometry as geo
from labeler.domain import status as status_mod
from labeler.services import review
from tests.ui.helpers import projects, workbench
from ui import __main__ as main_mod
from ui.browser import filters

S = status_mod.ImageStatus


def test_the_filter_lists_matching_images_and_keys_move_within_them(qtbot, tmp_path):
    project = projects.make_project(tmp_path, images=5)
    with workbench.open_workbench(qtbot, project) as bench:
        w = bench.window
        ids = list(w.current.ids)
        review.set_status(project, [ids[1], ids[3]], S.NEEDS_REVIEW)
        w.browser.set_filter(filters.BrowserFilter("needs_review"), notify=True)
        qtbot.waitUntil(lambda: w.current.ids == [ids[1], ids[3]])
        w.current.go_to(ids[1])
        workbench.wait_shown(qtbot, bench)
        assert w.status_widgets.position.text() == "1 / 2"
        workbench.press(qtbot, bench, "D")
        workbench.wait_shown(qtbot, bench)
        assert w.current.image_id == ids[3]
        assert w.status_widgets.position.text() == "2 / 2"


def test_arrows_change_image_unless_a_shape_is_selected(qtbot, tmp_path):
    project = projects.make_project(tmp_path, images=3)
    with workbench.open_workbench(qtbot, project) as bench:
        w = bench.window
        ids = list(w.current.ids)
        workbench.press(qtbot, bench, "Right")
        workbench.wait_shown(qtbot, bench)
        assert w.current.image_id == ids[1]
        shape = ann_mod.NewShape(None, geo.ShapeKind.BOX, geo.Box(10, 10, 30, 30))
        w.canvas.shapeDrawn.emit(shape)
        (box,) = w.current.annotations
        w.canvas.select([box.id])
        workbench.press(qtbot, bench, "Left")
        w.canvas.finish_edits()  # ends the nudge burst: one stored edit
        assert w.current.image_id == ids[1]
        (moved,) = w.current.annotations
        assert moved.geometry.x == 9  # type: ignore[union-attr]
        w.canvas.select([])
        workbench.press(qtbot, bench, "Left")
        workbench.wait_shown(qtbot, bench)
        assert w.current.image_id == ids[0]


def test_python_m_ui_reports_a_missing_project(qtbot, tmp_path, monkeypatch):
    from PySide6 import QtWidgets

    shown = []
    monkeypatch.setattr(QtWidgets.QMessageBox, "critical", lambda *a: shown.append(a[2]) or 0)
    assert main_mod.main([str(tmp_path / "nowhere.labeler")]) == 1
    assert "no project at" in shown[0]


def test_a_nudge_in_progress_is_stored_on_its_image_when_moving_on(qtbot, tmp_path):
    from labeler.services import annotate

    project = projects.make_project(tmp_path, images=2)
    with workbench.open_workbench(qtbot, project) as bench:
        w = bench.window
        first = w.current.image_id
        w.canvas.shapeDrawn.emit(ann_mod.NewShape(None, geo.ShapeKind.BOX, geo.Box(10, 10, 5, 5)))
        w.canvas.select([w.current.annotations[0].id])
        workbench.press(qtbot, bench, "Down")
        workbench.press(qtbot, bench, "Down")
        w.action_set["next_image"].trigger()  # the burst has not been reported yet
        workbench.wait_shown(qtbot, bench)
        (box,) = annotate.list_annotations(project, first)
        assert box.geometry.y == 12  # type: ignore[union-attr]
        w.action_set["previous_image"].trigger()
        workbench.wait_shown(qtbot, bench)
        w.canvas.select([box.id])
        workbench.press(qtbot, bench, "Up")
        w.action_set["undo"].trigger()  # takes back the latest step: the running nudge
        (box,) = annotate.list_annotations(project, first)
        assert box.geometry.y == 12  # type: ignore[union-attr]


def test_python_m_ui_opens_a_folder_as_a_project(qtbot, tmp_path, monkeypatch):
    from labeler.services import project as project_svc
    from ui import app as app_mod

    projects.make_images(tmp_path / "photos", 3)
    opened = []

    def fake_run(path, already=None):
        # The folder goes to the app (which lists its names once its window is up); its
        # project exists already, made on first use (and handed over open, not opened twice).
        if already is not None:
            already[0].close()
        with project_svc.open_project(
            project_svc.resolve_project_path(path), author="tester"
        ) as project:
            opened.append((path, project.path.suffix))
        return 0

    monkeypatch.setattr(app_mod, "run", fake_run)
    assert main_mod.main([str(tmp_path / "photos")]) == 0
    assert opened == [(tmp_path / "photos", ".labeler")]


def test_home_and_end_go_to_the_first_and_last_image_and_show_them_in_the_list(qtbot, tmp_path):
    project = projects.make_project(tmp_path, images=120, size=(32, 24))
    with workbench.open_workbench(qtbot, project) as bench:
        w = bench.window
        ids = list(w.current.ids)
        view = w.browser.view
        workbench.press(qtbot, bench, "End")
        workbench.wait_shown(qtbot, bench)
        assert w.current.image_id == ids[-1]
        assert w.status_widgets.position.text() == "120 / 120"
        # The list scrolled to it: its row is inside the visible part of the list.
        last = view.visualRect(view.currentIndex())
        assert view.viewport().rect().contains(last.center())
        workbench.press(qtbot, bench, "Home")
        workbench.wait_shown(qtbot, bench)
        assert w.current.image_id == ids[0]
        assert view.viewport().rect().contains(view.visualRect(view.currentIndex()).center())
