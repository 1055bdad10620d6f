"""Class panel model, annotation list and attributes, kept in step with the canvas."""

from __future__ import annotations

from PySide6 import QtCore

from labeler.domain import annotation as ann_mod
from labeler.domain import geometry as geo
from labeler.domain import schema as schema_mod
from labeler.services import annotate
from tests.ui.helpers import projects, workbench
from ui.panels import annotation_model, class_model

R = QtCore.Qt.ItemDataRole


def _schema(names: list[str]) -> schema_mod.LabelSchema:
    classes = tuple(
        schema_mod.LabelClass(f"id-{n}", n, schema_mod.PALETTE[i], str(i + 1), i)
        for i, n in enumerate(names)
    )
    return schema_mod.LabelSchema(classes, (), schema_mod.TaskKinds())


def test_class_model_passes_the_model_tester(qtmodeltester):
    model = class_model.ClassListModel()
    model.set_schema(_schema(["cat", "dog", "bird"]))
    model.set_counts({"id-dog": 12})
    model.set_current("id-cat")
    qtmodeltester.check(model)


def test_class_model_shows_counts_hotkeys_and_the_current_class(qtbot):
    model = class_model.ClassListModel()
    model.set_schema(_schema(["cat", "dog"]))
    with qtbot.waitSignal(model.dataChanged):
        model.set_counts({"id-dog": 12})
    dog = model.index(1)
    assert dog.data(R.DisplayRole) == "dog"
    assert dog.data(class_model.CountRole) == 12
    assert dog.data(class_model.HotkeyRole) == "2"
    assert "12 annotations" in dog.data(R.ToolTipRole)
    assert dog.data(R.DecorationRole).name() == schema_mod.PALETTE[1]
    model.set_current("id-dog")
    assert dog.data(class_model.CurrentRole) is True
    assert dog.data(R.FontRole).bold()
    assert model.index(0).data(class_model.CurrentRole) is False


def test_annotation_model_passes_the_model_tester(qtmodeltester):
    import datetime as dt

    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    model = annotation_model.AnnotationTableModel()
    model.set_schema(_schema(["cat", "dog"]))
    model.set_annotations(
        [
            ann_mod.Annotation(
                f"a{i}", "img", "id-cat" if i else "id-dog", geo.ShapeKind.BOX,
                geo.Box(i, i, 5, 5), {"difficult": bool(i)}, "tester", now, now,
            )
            for i in range(3)
        ]
    )  # fmt: skip
    assert model.rowCount() == 3
    assert model.index(0, annotation_model.CLASS_COLUMN).data() == "dog"
    qtmodeltester.check(model)


def _draw(bench, x: float) -> str:
    shape = ann_mod.NewShape(None, geo.ShapeKind.BOX, geo.Box(x, 10, 20, 20))
    bench.window.canvas.shapeDrawn.emit(shape)
    return bench.window.current.annotations[-1].id


def test_selection_is_shared_by_canvas_and_list(qtbot, tmp_path):
    project = projects.make_project(tmp_path, images=1)
    with workbench.open_workbench(qtbot, project) as bench:
        w = bench.window
        a, b = _draw(bench, 5), _draw(bench, 60)
        assert w.annotation_panel.model.rowCount() == 2
        w.canvas.select([b])
        qtbot.waitUntil(lambda: w.annotation_panel.selected_ids() == [b])
        w.annotation_panel.view.selectRow(0)
        assert w.canvas.selected_ids() == [a]
        assert w.attributes_panel.widget("difficult").isEnabled()


def test_attributes_toggle_from_keys_the_list_and_the_panel(qtbot, tmp_path):
    project = projects.make_project(tmp_path, images=1)
    with workbench.open_workbench(qtbot, project) as bench:
        w = bench.window
        image_id = w.current.image_id
        a = _draw(bench, 5)
        w.canvas.select([a])
        workbench.press(qtbot, bench, "Alt+1")
        assert annotate.list_annotations(project, image_id)[0].attributes["difficult"] is True
        assert w.attributes_panel.widget("difficult").isChecked()
        model = w.annotation_panel.model
        col = annotation_model.FIRST_ATTRIBUTE_COLUMN + 2  # occluded
        horizontal = QtCore.Qt.Orientation.Horizontal
        assert model.headerData(col, horizontal, annotation_model.ATTRIBUTE_NAME_ROLE) == "occluded"
        assert model.headerData(col, horizontal, R.ToolTipRole) == "occluded"
        model.setData(model.index(0, col), QtCore.Qt.CheckState.Checked.value, R.CheckStateRole)
        attrs = annotate.list_annotations(project, image_id)[0].attributes
        assert attrs["occluded"] is True and attrs["difficult"] is True
        w.attributes_panel.widget("crowd").click()
        assert annotate.list_annotations(project, image_id)[0].attributes["crowd"] is True
        w.action_set["undo"].trigger()
        w.action_set["undo"].trigger()
        attrs = annotate.list_annotations(project, image_id)[0].attributes
        assert attrs == {"difficult": True}


def test_class_change_of_a_selection_is_one_undo_step(qtbot, tmp_path):
    project = projects.make_project(tmp_path, images=1)
    with workbench.open_workbench(qtbot, project) as bench:
        w = bench.window
        image_id = w.current.image_id
        ids = [_draw(bench, 5), _draw(bench, 40), _draw(bench, 80)]
        cat = bench.doc.schema.by_name()["cat"].id
        bird = bench.doc.schema.by_name()["bird"].id
        w.canvas.select(ids[:2])
        workbench.press(qtbot, bench, "3")
        classes = {a.id: a.class_id for a in annotate.list_annotations(project, image_id)}
        assert classes == {ids[0]: bird, ids[1]: bird, ids[2]: cat}
        w.action_set["undo"].trigger()
        classes = {a.id: a.class_id for a in annotate.list_annotations(project, image_id)}
        assert set(classes.values()) == {cat}
        # The list's class column offers the same change, for one annotation.
        model = w.annotation_panel.model
        model.setData(model.index(2, annotation_model.CLASS_COLUMN), bird, R.EditRole)
        assert annotate.list_annotations(project, image_id)[2].class_id == bird
        assert model.index(2, annotation_model.CLASS_COLUMN).data() == "bird"


def test_class_counts_reach_the_class_panel(qtbot, tmp_path):
    project = projects.make_project(tmp_path, images=1)
    with workbench.open_workbench(qtbot, project) as bench:
        w = bench.window
        _draw(bench, 5)
        _draw(bench, 40)
        model = w.class_panel.model
        qtbot.waitUntil(lambda: model.index(0).data(class_model.CountRole) == 2)


def test_the_drawing_class_is_marked_and_survives_schema_changes(qtbot, tmp_path):
    from labeler.services import schema

    project = projects.make_project(tmp_path, images=1)
    with workbench.open_workbench(qtbot, project) as bench:
        w = bench.window
        model = w.class_panel.model
        by_name = bench.doc.schema.by_name()
        assert w.labeling.current_class == by_name["cat"].id
        assert model.index(0).data(class_model.CurrentRole) is True
        w.class_panel.view.clicked.emit(model.index(2))
        assert w.labeling.current_class == by_name["bird"].id
        bench.doc.edit(schema.delete_class, by_name["bird"].id)
        # The class drawn with is gone: drawing falls back to the first class.
        assert w.labeling.current_class == by_name["cat"].id
        assert [model.index(r).data() for r in range(model.rowCount())] == ["cat", "dog"]
        assert model.index(0).data(class_model.CurrentRole) is True
