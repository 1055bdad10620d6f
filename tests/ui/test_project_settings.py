"""Project settings: label kinds turned on and off in the app, tools and keys following at once;
a rotated box drawn, turned, undone and redone in the real window."""

from __future__ import annotations

from PySide6 import QtCore

from labeler.domain import annotation as ann_mod
from labeler.domain import geometry as geo
from labeler.domain import schema as schema_mod
from labeler.services import annotate, images, schema
from tests.ui.helpers import projects, workbench
from ui import document
from ui.dialogs import project_settings

K = geo.ShapeKind


def _rotated(class_id: str | None = None) -> ann_mod.NewShape:
    return ann_mod.NewShape(class_id, K.ROTATED_BOX, geo.RotatedBox(60, 50, 40, 16, 20))


def test_the_dialog_turns_kinds_on_and_asks_before_hiding_labels(qtbot, tmp_path):
    project = projects.make_project(tmp_path, images=2)  # boxes only, as `labeler new` makes
    first, second = (i.id for i in images.list_images(project, limit=2))
    annotate.add_annotations(project, first, [ann_mod.NewShape(None, K.BOX, geo.Box(1, 1, 9, 9))])
    annotate.add_annotations(project, second, [ann_mod.NewShape(None, K.BOX, geo.Box(2, 2, 9, 9))])
    doc = document.ProjectDocument(project)
    dialog = project_settings.ProjectSettings(doc)
    qtbot.addWidget(dialog)
    assert dialog.boxes[K.BOX].isChecked() and "2 on 2 images" in dialog.boxes[K.BOX].text()
    assert not dialog.boxes[K.ROTATED_BOX].isChecked() and not dialog.boxes[K.POLYGON].isChecked()

    # Polygons on, in a project made without them: applied at once.
    dialog.boxes[K.POLYGON].setChecked(True)
    with qtbot.waitSignal(doc.schemaChanged):
        dialog.apply()
    assert schema.get_schema(project).tasks.shapes == {K.BOX, K.POLYGON}

    dialog = project_settings.ProjectSettings(doc)
    qtbot.addWidget(dialog)
    asked: list[str] = []
    dialog.ask_hide = lambda text: asked.append(text) or False
    dialog.boxes[K.BOX].setChecked(False)
    assert "hides 2 boxes on 2 images" in dialog.note.text()
    dialog.apply()  # the user says no: nothing changes
    assert asked and "hides 2 boxes on 2 images" in asked[0]
    assert K.BOX in schema.get_schema(project).tasks.shapes
    dialog.ask_hide = lambda text: True
    dialog.apply()
    assert schema.get_schema(project).tasks.shapes == {K.POLYGON}
    assert len(annotate.list_annotations(project, first)) == 1  # kept, only hidden

    dialog = project_settings.ProjectSettings(doc)
    qtbot.addWidget(dialog)
    assert "Hidden while their kind is off: 2 boxes" in dialog.note.text()
    dialog.boxes[K.POLYGON].setChecked(False)
    ok = dialog.buttons.button(dialog.buttons.StandardButton.Ok)
    assert not ok.isEnabled() and "at least one kind" in dialog.error.text()


def test_tools_and_keys_follow_the_kinds_at_once(qtbot, tmp_path):
    project = projects.make_project(tmp_path, images=1)
    with workbench.open_workbench(qtbot, project) as bench:
        w = bench.window
        assert w.canvas.tool() == "box"
        assert not w.action_set["tool_rotated_box"].isEnabled()
        w.doc.edit(schema.set_tasks, schema_mod.TaskKinds.of("rotated_box", "polygon"))
        # Boxes went off: their tool gives way to the first kind that is on.
        assert w.canvas.tool() == "rotated_box"
        assert w.action_set["tool_rotated_box"].isChecked()
        assert not w.action_set["tool_box"].isEnabled()
        workbench.press(qtbot, bench, "P")
        assert w.canvas.tool() == "polygon"
        workbench.press(qtbot, bench, "O")
        assert w.canvas.tool() == "rotated_box"


def test_hidden_kinds_are_not_drawn_and_come_back(qtbot, tmp_path):
    tasks = schema_mod.TaskKinds.of("box", "rotated_box")
    project = projects.make_project(tmp_path, images=1, tasks=tasks)
    with workbench.open_workbench(qtbot, project) as bench:
        w = bench.window
        w.canvas.shapeDrawn.emit(_rotated())
        (rid,) = [a.id for a in w.current.annotations]
        assert w.canvas.shape_item(rid) is not None
        w.doc.edit(schema.set_tasks, schema_mod.TaskKinds.of("box"))
        assert w.canvas.shape_item(rid) is None
        assert w.annotation_panel.model.rowCount() == 0
        w.doc.edit(schema.set_tasks, tasks)
        assert w.canvas.shape_item(rid) is not None


def test_a_rotated_box_is_drawn_turned_undone_and_redone_in_the_window(qtbot, tmp_path):
    project = projects.make_project(
        tmp_path, images=1, tasks=schema_mod.TaskKinds.of("rotated_box"), size=(400, 300)
    )
    with workbench.open_workbench(qtbot, project) as bench:
        w, canvas = bench.window, bench.window.canvas
        image_id = w.current.image_id
        assert canvas.tool() == "rotated_box"
        for x, y in ((100, 100), (250, 160)):
            qtbot.mouseClick(
                canvas.viewport(), QtCore.Qt.MouseButton.LeftButton, pos=canvas.mapFromScene(x, y)
            )
        width = canvas.mapFromScene(150, 200)
        qtbot.mouseMove(canvas.viewport(), width)
        qtbot.mouseClick(canvas.viewport(), QtCore.Qt.MouseButton.LeftButton, pos=width)
        (drawn,) = annotate.list_annotations(project, image_id)
        assert drawn.kind is K.ROTATED_BOX and drawn.class_id == w.labeling.current_class
        before = drawn.geometry
        assert isinstance(before, geo.RotatedBox)

        canvas.select([drawn.id])
        workbench.press(qtbot, bench, "]")
        workbench.press(qtbot, bench, "]")
        canvas.finish_edits()
        (turned,) = annotate.list_annotations(project, image_id)
        assert turned.geometry == before.rotated(2)

        w.action_set["undo"].trigger()
        assert annotate.list_annotations(project, image_id)[0].geometry == before
        w.action_set["redo"].trigger()
        assert annotate.list_annotations(project, image_id)[0].geometry == before.rotated(2)
        w.action_set["undo"].trigger()
        w.action_set["undo"].trigger()
        assert annotate.list_annotations(project, image_id) == []
