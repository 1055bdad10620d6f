"""Undo and redo per image, kept across image switches; every edit stored when made."""

from __future__ import annotations

from labeler.domain import annotation as ann_mod
from labeler.domain import geometry as geo
from labeler.services import annotate
from tests.ui.helpers import projects, workbench


def _box(x: float) -> ann_mod.NewShape:
    return ann_mod.NewShape(None, geo.ShapeKind.BOX, geo.Box(x, 10, 30, 20))


def test_undo_and_redo_follow_the_image_in_view(qtbot, tmp_path):
    project = projects.make_project(tmp_path)
    with workbench.open_workbench(qtbot, project) as bench:
        w = bench.window
        first = w.current.image_id
        w.canvas.shapeDrawn.emit(_box(5))
        w.canvas.shapeDrawn.emit(_box(50))
        assert len(annotate.list_annotations(project, first)) == 2
        # The new boxes get the class chosen for drawing and reach the canvas from the store.
        assert {a.class_id for a in w.current.annotations} == {w.labeling.current_class}
        drawn = [a.id for a in w.current.annotations]
        assert all(w.canvas.shape_item(i) is not None for i in drawn)

        w.action_set["next_image"].trigger()
        workbench.wait_shown(qtbot, bench)
        second = w.current.image_id
        assert second != first
        w.canvas.shapeDrawn.emit(_box(70))
        w.action_set["undo"].trigger()
        assert annotate.list_annotations(project, second) == []
        # Undo on the second image left the first image's boxes alone.
        assert len(annotate.list_annotations(project, first)) == 2

        w.action_set["previous_image"].trigger()
        workbench.wait_shown(qtbot, bench)
        assert w.current.image_id == first
        w.action_set["undo"].trigger()
        remaining = annotate.list_annotations(project, first)
        assert [a.geometry.x for a in remaining] == [5]  # type: ignore[union-attr]
        assert [i for i in drawn if w.canvas.shape_item(i) is not None] == [remaining[0].id]

        w.action_set["redo"].trigger()
        again = annotate.list_annotations(project, first)
        assert sorted(a.geometry.x for a in again) == [5, 50]  # type: ignore[union-attr]

        # Back on the second image its redo step is still there.
        w.action_set["next_image"].trigger()
        workbench.wait_shown(qtbot, bench)
        w.action_set["redo"].trigger()
        assert len(annotate.list_annotations(project, second)) == 1


def test_redo_brings_back_the_same_annotation_row(qtbot, tmp_path):
    project = projects.make_project(tmp_path, images=1)
    with workbench.open_workbench(qtbot, project) as bench:
        w = bench.window
        image_id = w.current.image_id
        w.canvas.shapeDrawn.emit(_box(5))
        (made,) = annotate.list_annotations(project, image_id)
        w.action_set["undo"].trigger()
        w.action_set["redo"].trigger()
        (back,) = annotate.list_annotations(project, image_id)
        assert back.id == made.id
        ops = [h.op for h in annotate.history(project, image_id)]
        assert ops == ["create", "delete", "restore"]


def test_edit_and_delete_undo_in_order(qtbot, tmp_path):
    project = projects.make_project(tmp_path, images=1)
    with workbench.open_workbench(qtbot, project) as bench:
        w = bench.window
        image_id = w.current.image_id
        w.canvas.shapeDrawn.emit(_box(5))
        (a,) = annotate.list_annotations(project, image_id)
        moved = geo.Box(40, 40, 30, 20)
        w.canvas.shapesEdited.emit({a.id: ann_mod.ShapeEdit(geometry=moved)})
        assert annotate.list_annotations(project, image_id)[0].geometry == moved
        w.canvas.select([a.id])
        w.action_set["delete"].trigger()
        assert annotate.list_annotations(project, image_id) == []
        w.action_set["undo"].trigger()
        assert annotate.list_annotations(project, image_id)[0].geometry == moved
        w.action_set["undo"].trigger()
        assert annotate.list_annotations(project, image_id)[0].geometry == a.geometry
        assert not w.undo.group.canUndo() or w.undo.group.undoText() == "add"


def test_a_refused_edit_leaves_no_undo_step(qtbot, tmp_path):
    project = projects.make_project(tmp_path, images=1)
    with workbench.open_workbench(qtbot, project) as bench:
        w = bench.window
        bad = ann_mod.NewShape("no-such-class", geo.ShapeKind.BOX, geo.Box(1, 1, 5, 5))
        with qtbot.waitSignal(w.doc.errorOccurred):
            w.canvas.shapeDrawn.emit(bad)
        assert not w.undo.group.canUndo()
        assert "unknown class" in w.statusBar().currentMessage()


def test_pasting_copies_shapes_to_another_image_in_one_step(qtbot, tmp_path):
    project = projects.make_project(tmp_path, images=2)
    with workbench.open_workbench(qtbot, project) as bench:
        w = bench.window
        first = w.current.image_id
        w.canvas.shapeDrawn.emit(_box(5))
        w.canvas.shapeDrawn.emit(_box(60))
        w.canvas.select([a.id for a in w.current.annotations])
        w.action_set["copy"].trigger()
        w.action_set["next_image"].trigger()
        workbench.wait_shown(qtbot, bench)
        second = w.current.image_id
        w.action_set["paste"].trigger()
        pasted = annotate.list_annotations(project, second)
        assert sorted(a.geometry.x for a in pasted) == [5, 60]  # type: ignore[union-attr]
        assert not {a.id for a in pasted} & {
            a.id for a in annotate.list_annotations(project, first)
        }
        w.action_set["undo"].trigger()
        assert annotate.list_annotations(project, second) == []


def test_a_class_key_right_after_drawing_gives_the_new_box_that_class(qtbot, tmp_path):
    project = projects.make_project(tmp_path)
    with workbench.open_workbench(qtbot, project) as bench:
        w = bench.window
        dog = next(c for c in w.doc.schema.classes if c.name == "dog")
        w.canvas.shapeDrawn.emit(_box(5))
        (drawn,) = w.current.annotations
        assert w.canvas.selected_ids() == [drawn.id]
        workbench.press(qtbot, bench, dog.hotkey or "")
        (stored,) = annotate.list_annotations(project, w.current.image_id or "")
        assert stored.id == drawn.id and stored.class_id == dog.id
