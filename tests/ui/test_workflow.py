"""Status keys, review, next unlabeled / next to review, and class hotkeys in tag projects."""

from __future__ import annotations

import pytest

from labeler.domain import schema as schema_mod
from labeler.domain import status as status_mod
from labeler.services import annotate, images, review
from tests.ui.helpers import projects, workbench
from ui.panels import class_model

S = status_mod.ImageStatus


def _status(project, image_id):
    return images.get_image(project, image_id).status


def test_enter_marks_done_and_moves_on_and_undo_takes_it_back(qtbot, tmp_path):
    project = projects.make_project(tmp_path, images=3)
    with workbench.open_workbench(qtbot, project) as bench:
        w = bench.window
        first = w.current.image_id
        workbench.press(qtbot, bench, "Return")
        workbench.wait_shown(qtbot, bench)
        assert _status(project, first) is S.DONE  # no objects is a valid, deliberate answer
        assert w.current.image_id == w.current.ids[1]
        assert w.status_widgets.position.text() == "2 / 3"
        qtbot.waitUntil(lambda: "1 / 3 labeled" in w.status_widgets.progress.format())
        w.action_set["previous_image"].trigger()
        workbench.wait_shown(qtbot, bench)
        workbench.press(qtbot, bench, "Ctrl+Z")
        assert _status(project, first) is S.NEW


def test_skip_flag_and_next_unlabeled(qtbot, tmp_path):
    project = projects.make_project(tmp_path, images=5)
    with workbench.open_workbench(qtbot, project) as bench:
        w = bench.window
        ids = list(w.current.ids)
        workbench.press(qtbot, bench, "K")
        workbench.wait_shown(qtbot, bench)
        assert _status(project, ids[0]) is S.SKIPPED
        workbench.press(qtbot, bench, "R")
        assert _status(project, ids[1]) is S.NEEDS_REVIEW
        assert w.current.image_id == ids[1]  # flagging stays on the image
        review.set_status(project, [ids[2]], S.DONE)
        bench.doc.announce(review.set_status(project, [ids[3]], S.DONE))
        workbench.press(qtbot, bench, "N")
        workbench.wait_shown(qtbot, bench)
        # Skipped, flagged and done images are passed over.
        assert w.current.image_id == ids[4]
        workbench.press(qtbot, bench, "Shift+N")
        workbench.wait_shown(qtbot, bench)
        assert w.current.image_id == ids[1]


def test_reviewer_approves_and_rejects_with_a_comment(qtbot, tmp_path):
    project = projects.make_project(tmp_path, images=3)
    with workbench.open_workbench(qtbot, project) as bench:
        w = bench.window
        ids = list(w.current.ids)
        answers = iter([None, "box too loose on the left"])
        w.workflow._ask_comment = lambda: next(answers)
        workbench.press(qtbot, bench, "Y")
        workbench.wait_shown(qtbot, bench)
        assert _status(project, ids[0]) is S.APPROVED
        workbench.press(qtbot, bench, "X")  # the reviewer cancels the comment: nothing happens
        assert _status(project, ids[1]) is S.NEW
        assert "needs a comment" in w.statusBar().currentMessage()
        workbench.press(qtbot, bench, "X")
        workbench.wait_shown(qtbot, bench)
        assert _status(project, ids[1]) is S.REJECTED
        log = review.review_log(project, ids[1])
        assert log[-1].comment == "box too loose on the left"
        w.action_set["previous_image"].trigger()
        workbench.wait_shown(qtbot, bench)
        panel = w.review_panel
        assert "Rejected" in panel.status.text()
        assert "tester" in panel.who.text()
        assert any("box too loose" in panel.log.item(i).text() for i in range(panel.log.count()))


def test_review_panel_rejects_only_with_a_comment(qtbot, tmp_path):
    project = projects.make_project(tmp_path, images=2)
    with workbench.open_workbench(qtbot, project) as bench:
        w = bench.window
        first = w.current.image_id
        w.review_panel.reject.click()
        assert _status(project, first) is S.NEW
        w.review_panel.comment.setPlainText("wrong class")
        w.review_panel.reject.click()
        assert _status(project, first) is S.REJECTED


def _tag_project(tmp_path, mode):
    tasks = schema_mod.TaskKinds(mode, frozenset())
    return projects.make_project(tmp_path, images=3, tasks=tasks)


def test_single_label_key_sets_the_class_and_moves_on(qtbot, tmp_path):
    project = _tag_project(tmp_path, schema_mod.TagMode.SINGLE)
    with workbench.open_workbench(qtbot, project) as bench:
        w = bench.window
        ids = list(w.current.ids)
        dog = bench.doc.schema.by_name()["dog"].id
        cat = bench.doc.schema.by_name()["cat"].id
        assert w.tags_dock.isVisible()
        workbench.press(qtbot, bench, "2")
        workbench.wait_shown(qtbot, bench)
        assert annotate.tags_of(project, ids[0]) == [dog]
        assert w.current.image_id == ids[1]
        w.action_set["previous_image"].trigger()
        workbench.wait_shown(qtbot, bench)
        assert w.tags_panel.checked() == [dog]
        # Another key replaces the class: one class per image.
        workbench.press(qtbot, bench, "1")
        assert annotate.tags_of(project, ids[0]) == [cat]


def test_single_label_can_stay_on_the_image(qtbot, tmp_path):
    from ui import settings

    settings.set_advance_after_tag(False)
    project = _tag_project(tmp_path, schema_mod.TagMode.SINGLE)
    with workbench.open_workbench(qtbot, project) as bench:
        first = bench.window.current.image_id
        workbench.press(qtbot, bench, "3")
        assert bench.window.current.image_id == first
        assert annotate.tags_of(project, first) == [bench.doc.schema.by_name()["bird"].id]


def test_multi_label_keys_toggle_tags_and_undo_restores_them(qtbot, tmp_path):
    project = _tag_project(tmp_path, schema_mod.TagMode.MULTI)
    with workbench.open_workbench(qtbot, project) as bench:
        w = bench.window
        first = w.current.image_id
        by_name = bench.doc.schema.by_name()
        workbench.press(qtbot, bench, "1")
        workbench.press(qtbot, bench, "3")
        assert sorted(annotate.tags_of(project, first)) == sorted(
            [by_name["cat"].id, by_name["bird"].id]
        )
        assert w.current.image_id == first
        workbench.press(qtbot, bench, "1")
        assert annotate.tags_of(project, first) == [by_name["bird"].id]
        assert w.tags_panel.checked() == [by_name["bird"].id]
        workbench.press(qtbot, bench, "Ctrl+Z")
        assert sorted(annotate.tags_of(project, first)) == sorted(
            [by_name["cat"].id, by_name["bird"].id]
        )


def test_tags_panel_sets_tags(qtbot, tmp_path):
    project = _tag_project(tmp_path, schema_mod.TagMode.MULTI)
    with workbench.open_workbench(qtbot, project) as bench:
        w = bench.window
        item = w.tags_panel.list.item(1)
        item.setCheckState(item.checkState().Checked)
        assert annotate.tags_of(project, w.current.image_id) == [
            bench.doc.schema.by_name()["dog"].id
        ]


@pytest.mark.parametrize("key", ["2", "C"])
def test_class_keys_in_box_projects_choose_the_drawing_class(qtbot, tmp_path, key):
    project = projects.make_project(tmp_path, images=1)
    with workbench.open_workbench(qtbot, project) as bench:
        w = bench.window
        dog = bench.doc.schema.by_name()["dog"].id
        if key == "C":
            workbench.press(qtbot, bench, "C")
            picker = w.dialogs.open_dialog
            assert picker is not None
            qtbot.keyClicks(picker.search, "do")
            assert picker.visible_names() == ["dog"]
            qtbot.keyClick(picker.search, workbench.key("Return"))
        else:
            workbench.press(qtbot, bench, key)
        assert w.labeling.current_class == dog
        assert (
            w.class_panel.model.data(w.class_panel.model.index(1), class_model.CurrentRole) is True
        )


def test_a_space_tap_over_the_canvas_marks_done_and_moves_on(qtbot, tmp_path):
    project = projects.make_project(tmp_path, images=3)
    with workbench.open_workbench(qtbot, project) as bench:
        w = bench.window
        ids = list(w.current.ids)
        workbench.press(qtbot, bench, "Space")
        workbench.wait_shown(qtbot, bench)
        assert w.current.image_id == ids[1]
        assert _status(project, ids[0]) is S.DONE
        assert _status(project, ids[1]) is S.NEW  # one tap, one image


def test_the_question_mark_opens_the_shortcut_sheet(qtbot, tmp_path):
    project = projects.make_project(tmp_path, images=1)
    with workbench.open_workbench(qtbot, project) as bench:
        w = bench.window
        w.canvas.setFocus()
        qtbot.keyClick(w.canvas, "?")
        sheet = w.dialogs.open_dialog
        assert sheet is not None and sheet.isVisible()
        sheet.close()


def test_keys_are_changed_in_the_shortcut_sheet_kept_and_clashes_refused(qtbot, tmp_path):
    from PySide6 import QtCore, QtGui

    from ui import actions as actions_mod
    from ui import settings as settings_mod

    project = projects.make_project(tmp_path, images=1)
    with workbench.open_workbench(qtbot, project) as bench:
        w = bench.window
        w.action_set["shortcuts"].trigger()
        sheet = w.dialogs.open_dialog
        export = w.action_set["export_dataset"]
        assert export.shortcut().toString() == "Ctrl+E"

        def record(key):
            sheet.recorder.setKeySequence(QtGui.QKeySequence(key))
            sheet.set_button.click()

        record("Ctrl+Shift+X")
        assert sheet.message.text() == "Select an action's row first."
        sheet.select_action("export_dataset")
        record("Ctrl+Shift+X")
        assert [s.toString() for s in export.shortcuts()] == ["Ctrl+Shift+X"]
        assert ("Ctrl+Shift+X", "Export dataset…") in sheet.rows()
        assert settings_mod.shortcut_overrides()["export_dataset"] == "Ctrl+Shift+X"

        record("Ctrl+Z")  # Undo's
        assert "already “Undo”" in sheet.message.text()
        record("1")  # the first class's hotkey
        assert "hotkey of class “cat”" in sheet.message.text()
        assert [s.toString() for s in export.shortcuts()] == ["Ctrl+Shift+X"]

        sheet.close()
        # The new key works in the window at once.
        w.canvas.setFocus()
        with qtbot.waitSignal(export.triggered, timeout=2000):
            qtbot.keyClick(w.canvas, "X", QtCore.Qt.KeyboardModifier.ControlModifier
                           | QtCore.Qt.KeyboardModifier.ShiftModifier)  # fmt: skip
        bench.datasets.close_dialog()  # the export dialog it opened
        w.action_set["shortcuts"].trigger()
        sheet = w.dialogs.open_dialog
        assert ("Ctrl+Shift+X", "Export dataset…") in sheet.rows()
        sheet.select_action("export_dataset")
        sheet.reset_button.click()
        assert export.shortcut().toString() == "Ctrl+E"
        assert "export_dataset" not in settings_mod.shortcut_overrides()
        sheet.select_action("toggle_labels")
        sheet.clear_button.click()
        assert w.action_set["toggle_labels"].shortcuts() == []
        sheet.close()
    # Kept for the next start.
    owner = QtCore.QObject()
    again = actions_mod.ActionSet(owner, settings_mod.shortcut_overrides())
    assert again["toggle_labels"].shortcuts() == []
    settings_mod.set_shortcut_override("toggle_labels", None)
