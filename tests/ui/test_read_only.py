"""A project the app cannot write says so at open, can still be browsed and exported, and a
refused edit says why in the window and leaves the undo stack as it was."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from labeler.domain import annotation as ann_mod
from labeler.domain import geometry as geo
from labeler.services import annotate, images
from labeler.services import project as project_svc
from labeler.store import database
from tests.helpers import readonly
from tests.ui.helpers import projects, workbench


def _box(x: float) -> ann_mod.NewShape:
    return ann_mod.NewShape(None, geo.ShapeKind.BOX, geo.Box(x, 10, 30, 20))


def _closed_project(tmp_path: Path) -> Path:
    project = projects.make_project(tmp_path, images=3)
    path = project.path
    project.close()
    return path


def test_a_read_only_project_says_so_and_can_still_be_browsed_and_exported(qtbot, tmp_path):
    path = _closed_project(tmp_path)
    with (
        readonly.immutable(path),
        project_svc.open_project(path, author="tester") as project,
        workbench.open_workbench(qtbot, project) as bench,
    ):
        w = bench.window
        assert "(read-only)" in w.windowTitle()
        assert w.status_widgets.read_only.isVisible()
        assert "immutable" in w.status_widgets.read_only.toolTip()
        assert "read-only" in w.statusBar().currentMessage()
        first = w.current.image_id

        # Drawing a box: not stored, and the window says why; nothing to undo.
        with qtbot.waitSignal(w.doc.writeRefused):
            w.canvas.shapeDrawn.emit(_box(5))
        assert annotate.list_annotations(project, first or "") == []
        assert not w.undo.group.canUndo()
        assert "Not stored" in w.statusBar().currentMessage()
        assert "immutable" in w.statusBar().currentMessage()

        # Space: the image is not marked done, and the user stays on it.
        workbench.press(qtbot, bench, "Space")
        assert w.current.image_id == first
        assert images.get_image(project, first or "").status.value == "new"

        # Browsing works.
        workbench.press(qtbot, bench, "D")
        workbench.wait_shown(qtbot, bench)
        assert w.current.image_id != first

        # Exporting works (it only reads the project).
        dialog = bench.datasets.export_dialog()
        dialog.set_format("csv")
        for box in dialog.statuses.values():
            box.setChecked(True)
        dialog.out.setText(str(tmp_path / "out"))
        with qtbot.waitSignal(dialog.exported, timeout=10000):
            assert dialog.start_export()
        dialog.close()
        assert (tmp_path / "out" / "manifest.json").is_file()


def test_a_step_the_project_cannot_store_stays_on_the_undo_stack(
    qtbot, tmp_path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(database, "BUSY_TIMEOUT_MS", 200)
    project = projects.make_project(tmp_path, images=1)
    with workbench.open_workbench(qtbot, project) as bench:
        w = bench.window
        image_id = w.current.image_id or ""
        w.canvas.shapeDrawn.emit(_box(5))
        (drawn,) = annotate.list_annotations(project, image_id)
        stack = w.undo.stack_for(image_id)
        assert stack.index() == 1

        holder = sqlite3.connect(project.path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # another program holds the write lock, too long
        try:
            with qtbot.waitSignal(w.doc.writeRefused):
                workbench.press(qtbot, bench, "Ctrl+Z")
            assert "another program" in w.statusBar().currentMessage()
            assert w.status_widgets.read_only.isVisible()
            # Nothing changed: the box is there, and the step can still be undone.
            assert [a.id for a in annotate.list_annotations(project, image_id)] == [drawn.id]
            assert stack.index() == 1 and stack.count() == 1 and stack.canUndo()
        finally:
            holder.execute("ROLLBACK")
            holder.close()

        workbench.press(qtbot, bench, "Ctrl+Z")
        assert annotate.list_annotations(project, image_id) == []
        assert stack.index() == 0
        assert not w.status_widgets.read_only.isVisible()

        # The same for redo.
        holder = sqlite3.connect(project.path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            with qtbot.waitSignal(w.doc.writeRefused):
                workbench.press(qtbot, bench, "Ctrl+Shift+Z")
            assert stack.index() == 0 and stack.canRedo()
            assert annotate.list_annotations(project, image_id) == []
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        workbench.press(qtbot, bench, "Ctrl+Shift+Z")
        assert [a.id for a in annotate.list_annotations(project, image_id)] == [drawn.id]
        assert stack.index() == 1
