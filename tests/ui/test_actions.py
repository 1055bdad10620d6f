"""The action table: keys, user overrides, clash detection, the shortcut sheet."""

from __future__ import annotations

from PySide6 import QtWidgets

from tests.ui.helpers import projects, workbench
from ui import actions, settings


def test_default_keys_do_not_clash():
    keys, clashes = actions.resolve_keys(actions.ACTIONS, {})
    assert clashes == []
    assert keys["undo"] == ("Ctrl+Z",)
    assert keys["redo"] == ("Ctrl+Shift+Z", "Ctrl+Y")
    assert keys["next_image"] == ("D", "Right")


def test_a_user_key_that_clashes_is_reported_and_not_kept():
    keys, clashes = actions.resolve_keys(actions.ACTIONS, {"skip": "D; ctrl+k"})
    # next_image comes first in the table and keeps D; skip keeps its other key.
    assert keys["next_image"] == ("D", "Right")
    assert keys["skip"] == ("Ctrl+K",)
    assert [(c.key, c.kept, c.loser) for c in clashes] == [("D", "next_image", "skip")]
    assert "Next image" in clashes[0].message() and "Skip" in clashes[0].message()


def test_keys_taken_by_something_else_are_reserved():
    _keys, clashes = actions.resolve_keys(actions.ACTIONS, {}, reserved={"K": "class dog"})
    assert [(c.key, c.loser) for c in clashes] == [("K", "skip")]


def test_clash_in_settings_is_shown_at_start_and_on_the_sheet(qtbot, tmp_path):
    settings.set_shortcut_override("fit", "B")
    project = projects.make_project(tmp_path, images=1)
    with workbench.open_workbench(qtbot, project) as bench:
        w = bench.window
        assert "B is set for both" in w.statusBar().currentMessage()
        assert w.action_set.keys_of("tool_box") == ["B"]
        assert w.action_set.keys_of("fit") == []
        w.action_set["shortcuts"].trigger()
        sheet = w.dialogs.open_dialog
        assert sheet is not None
        labels = [lab.text() for lab in sheet.findChildren(QtWidgets.QLabel)]
        assert any("B is set for both" in t for t in labels)
        rows = {a: k for k, a in sheet.rows()}
        assert rows["Undo"] == "Ctrl+Z"
        assert rows["cat"] == "1"  # class keys are on the sheet too
        sheet.close()


def test_a_changed_key_works(qtbot, tmp_path):
    settings.set_shortcut_override("skip", "J")
    project = projects.make_project(tmp_path, images=2)
    with workbench.open_workbench(qtbot, project) as bench:
        first = bench.window.current.image_id
        workbench.press(qtbot, bench, "J")
        workbench.wait_shown(qtbot, bench)
        assert bench.window.current.image_id != first


def test_class_letter_key_clashing_with_an_action_is_reported(qtbot, tmp_path):
    from labeler.services import schema

    project = projects.make_project(tmp_path, images=1)
    # Made outside the app (e.g. the command line), so the editor's check never saw it.
    schema.add_class(project, "kite", hotkey="k")
    with workbench.open_workbench(qtbot, project) as bench:
        assert "kite" in bench.window.statusBar().currentMessage()
        assert not [b for b in bench.window.class_keys.bindings() if b[1] == "kite"]
