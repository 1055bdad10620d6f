"""A first run that guides: a project without classes asks for them, a class key without a class
says how to add one, drawing without a class asks what it is, an empty project offers images."""

from __future__ import annotations

from pathlib import Path

from PySide6 import QtCore

from labeler.domain import annotation as ann_mod
from labeler.domain import geometry as geo
from labeler.services import annotate, schema
from labeler.services import project as project_svc
from tests.ui.helpers import projects, workbench


def _box() -> ann_mod.NewShape:
    return ann_mod.NewShape(None, geo.ShapeKind.BOX, geo.Box(10, 10, 40, 30))


def test_an_empty_classes_panel_invites_a_typed_list_of_classes(qtbot, tmp_path):
    project = projects.make_project(tmp_path, classes=(), images=2)
    with workbench.open_workbench(qtbot, project) as bench:
        w = bench.window
        panel = w.class_panel
        assert panel.invite.isVisible() and "No classes yet" in panel.invite.text()
        assert not panel.view.isVisible()
        panel.new_names.setFocus()
        qtbot.keyClicks(panel.new_names, "crack, rust ,dent")
        first = w.current.image_id
        qtbot.keyClick(panel.new_names, QtCore.Qt.Key.Key_Return)
        assert w.current.image_id == first  # Enter added the classes, it did not finish the image
        classes = schema.get_schema(project).classes
        assert [(c.name, c.hotkey) for c in classes] == [
            ("crack", "1"),
            ("rust", "2"),
            ("dent", "3"),
        ]
        assert panel.view.isVisible() and not panel.invite.isVisible()
        assert panel.new_names.text() == ""
        assert w.labeling.current_class == classes[0].id
        assert "Added 3 classes (keys 1, 2, 3)" in w.statusBar().currentMessage()
        qtbot.waitUntil(lambda: w.canvas.hasFocus())  # back to labeling
        workbench.press(qtbot, bench, "2")
        assert w.labeling.current_class == classes[1].id


def test_a_class_key_without_a_class_says_how_to_add_one(qtbot, tmp_path):
    project = projects.make_project(tmp_path, classes=("cat",), images=1)
    with workbench.open_workbench(qtbot, project) as bench:
        workbench.press(qtbot, bench, "4")
        message = bench.window.statusBar().currentMessage()
        assert "No class has the key 4" in message and "Classes panel" in message
        assert "Ctrl+Shift+K" in message


def test_drawing_without_a_class_asks_what_it_is(qtbot, tmp_path):
    project = projects.make_project(tmp_path, classes=(), images=1)
    with workbench.open_workbench(qtbot, project) as bench:
        w = bench.window
        image_id = w.current.image_id or ""
        asked: list[bool] = []

        def answer() -> str:
            asked.append(True)
            return "pothole, crack"

        w.labeling.ask_classes = answer
        w.canvas.shapeDrawn.emit(_box())
        assert asked == [True]
        (stored,) = annotate.list_annotations(project, image_id)
        classes = {c.name: c.id for c in schema.get_schema(project).classes}
        assert set(classes) == {"pothole", "crack"}
        assert stored.class_id == classes["pothole"]
        # With classes there, drawing asks nothing.
        w.canvas.shapeDrawn.emit(_box())
        assert asked == [True] and len(annotate.list_annotations(project, image_id)) == 2


def test_drawing_without_a_class_and_no_answer_stores_nothing(qtbot, tmp_path):
    project = projects.make_project(tmp_path, classes=(), images=1)
    with workbench.open_workbench(qtbot, project) as bench:
        w = bench.window
        w.labeling.ask_classes = lambda: None  # the user cancelled
        w.canvas.shapeDrawn.emit(_box())
        assert annotate.list_annotations(project, w.current.image_id or "") == []
        assert "a shape needs a class" in w.statusBar().currentMessage()
        assert not w.undo.group.canUndo()


def test_an_empty_project_offers_images_and_no_review(qtbot, tmp_path: Path):
    project = project_svc.create_project(
        tmp_path / "empty.labeler", classes=["cat"], author="tester"
    )
    with workbench.open_workbench_empty(qtbot, project) as bench:
        w = bench.window
        add = w.browser.findChild(QtCore.QObject, "addImages")
        assert add is not None and add.isVisible()
        assert not w.review_panel.approve.isEnabled() and not w.review_panel.reject.isEnabled()
        chosen: list[bool] = []
        bench.projects.choose_folder = lambda *_: chosen.append(True)  # type: ignore[assignment]
        add.click()
        assert chosen == [True]
    project.close()
