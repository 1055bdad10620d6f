"""Undo and redo per image, kept across image switches; every edit stored when made."""

from __future__ import annotations

import logging

from labeler.domain import annotation as ann_mod
from labeler.domain import geometry as geo
from labeler.services import annotate, schema
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


def _classes(bench: object) -> dict[str, str]:
    return {c.name: c.id for c in bench.window.doc.schema.classes}  # type: ignore[attr-defined]


def _draw_cat_and_make_it_a_dog(qtbot, bench) -> str:  # type: ignore[no-untyped-def]
    """Draw a box (class cat), then press dog's key: two undo steps, "add" and "change class"."""
    w = bench.window
    cat = next(c for c in w.doc.schema.classes if c.name == "cat")
    dog = next(c for c in w.doc.schema.classes if c.name == "dog")
    w.labeling.current_class = cat.id
    w.canvas.shapeDrawn.emit(ann_mod.NewShape(cat.id, geo.ShapeKind.BOX, geo.Box(5, 5, 30, 20)))
    (drawn,) = w.current.annotations
    workbench.press(qtbot, bench, dog.hotkey or "")
    assert w.undo.group.undoText() == "change class"
    return drawn.id


def test_a_refused_redo_is_dropped_and_the_user_told_why(qtbot, tmp_path):
    project = projects.make_project(tmp_path, images=1)
    with workbench.open_workbench(qtbot, project) as bench:
        w = bench.window
        box = _draw_cat_and_make_it_a_dog(qtbot, bench)
        w.action_set["undo"].trigger()  # the box is a cat again
        dog = _classes(bench)["dog"]
        assert w.doc.edit(schema.delete_class, dog)  # as the class editor does
        with qtbot.waitSignal(w.doc.errorOccurred) as refused:
            w.action_set["redo"].trigger()  # a dog no more: the store refuses
        assert "unknown class" in refused.args[0]
        assert "unknown class" in w.statusBar().currentMessage()
        # The step that cannot happen is gone; the one before it is still there.
        assert not w.undo.group.canRedo()
        assert w.undo.group.undoText() == "add"
        (stored,) = annotate.get_annotations(project, [box])
        assert stored.class_id == _classes(bench)["cat"]
        assert [a.class_id for a in w.current.annotations] == [stored.class_id]


def test_a_refused_undo_is_reported_and_the_stack_and_picture_stay_true(qtbot, tmp_path):
    project = projects.make_project(tmp_path, images=1)
    with workbench.open_workbench(qtbot, project) as bench:
        w = bench.window
        box = _draw_cat_and_make_it_a_dog(qtbot, bench)
        assert w.doc.edit(schema.delete_class, _classes(bench)["cat"])
        with qtbot.waitSignal(w.doc.errorOccurred) as refused:
            w.action_set["undo"].trigger()  # back to a cat that is no more: refused
        assert "unknown class" in refused.args[0]
        assert "unknown class" in w.statusBar().currentMessage()
        # Qt deletes a command that is obsolete after its undo and steps below it: the
        # change of class stays done (and can no longer be undone), nothing claims otherwise.
        assert not w.undo.group.canRedo()
        assert w.undo.group.undoText() == "add"
        (stored,) = annotate.get_annotations(project, [box])
        dog = _classes(bench)["dog"]
        assert stored.class_id == dog
        assert [a.class_id for a in w.current.annotations] == [dog]
        item = w.canvas.shape_item(box)
        assert item is not None and item.label == "dog"
        # The next undo takes back the step below, as the stack says.
        w.action_set["undo"].trigger()
        assert annotate.list_annotations(project, w.current.image_id or "") == []
        assert w.canvas.shape_item(box) is None


def test_a_bug_in_a_service_is_shown_as_a_bug_and_logged_with_its_traceback(
    qtbot, tmp_path, monkeypatch, caplog
):
    project = projects.make_project(tmp_path, images=1)

    def broken(*_args: object, **_kwargs: object) -> None:
        raise KeyError("geometry")  # not a refusal: a KeyError escaping a service is a bug

    with workbench.open_workbench(qtbot, project) as bench:
        w = bench.window
        w.canvas.shapeDrawn.emit(_box(5))
        (a,) = w.current.annotations
        monkeypatch.setattr(annotate, "update_annotations", broken)
        with caplog.at_level(logging.ERROR), qtbot.waitSignal(w.doc.errorOccurred) as told:
            w.canvas.shapesEdited.emit({a.id: ann_mod.ShapeEdit(geometry=geo.Box(40, 40, 9, 9))})
        assert told.args[0].startswith("labeler hit a bug (KeyError: 'geometry')")
        assert w.statusBar().currentMessage().startswith("labeler hit a bug")
        (record,) = [r for r in caplog.records if r.levelno == logging.ERROR]
        assert record.getMessage().startswith("bug during")
        assert "Traceback (most recent call last)" in record.getMessage()
        assert 'raise KeyError("geometry")' in record.getMessage()
        # The failed edit left no undo step and changed nothing.
        assert w.undo.group.undoText() == "add"
        assert (
            annotate.list_annotations(project, w.current.image_id or "")[0].geometry == a.geometry
        )


def test_undoing_a_class_given_to_a_shape_drawn_without_one_takes_it_away_again(qtbot, tmp_path):
    """A box drawn before the project had classes has none; giving it one is undone to none."""
    project = projects.make_project(tmp_path, images=1)
    first = annotate.list_annotations  # read from the project file
    with workbench.open_workbench(qtbot, project) as bench:
        w = bench.window
        image_id = w.current.image_id
        # Made without a class (an import, or a box drawn before the project had classes).
        assert bench.doc.edit(annotate.add_annotations, image_id, [_box(5)])
        (drawn,) = first(project, image_id)
        assert drawn.class_id is None
        w.canvas.select([drawn.id])
        workbench.press(qtbot, bench, "2")  # give it the second class
        cls = schema.get_schema(project).classes[1].id
        assert [a.class_id for a in first(project, image_id)] == [cls]
        workbench.press(qtbot, bench, "Ctrl+Z")
        assert [a.class_id for a in first(project, image_id)] == [None]
        workbench.press(qtbot, bench, "Ctrl+Shift+Z")
        assert [a.class_id for a in first(project, image_id)] == [cls]


def test_the_status_bar_says_what_was_undone_and_redone(qtbot, tmp_path):
    project = projects.make_project(tmp_path, images=1)
    with workbench.open_workbench(qtbot, project) as bench:
        w = bench.window
        w.canvas.shapeDrawn.emit(_box(5))
        workbench.press(qtbot, bench, "Ctrl+Z")
        assert w.statusBar().currentMessage() == "Undone: add"
        workbench.press(qtbot, bench, "Ctrl+Shift+Z")
        assert w.statusBar().currentMessage() == "Redone: add"
