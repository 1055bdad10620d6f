"""Coming back: the image, zoom and pan the user left; the window layout; nothing lost on a kill."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest

from PySide6 import QtWidgets

from labeler.services import annotate, images
from labeler.services import project as project_svc
from tests.ui.helpers import projects, workbench
from ui import app as app_mod


def test_reopening_returns_to_the_image_and_view_left(qtbot, tmp_path):
    project = projects.make_project(tmp_path, images=4, size=(640, 480))
    path = project.path
    with workbench.open_workbench(qtbot, project) as bench:
        w = bench.window
        w.resize(700, 540)
        qtbot.waitUntil(lambda: w.width() == 700)
        size = (w.width(), w.height())
        w.review_dock.close()
        third = w.current.ids[2]
        w.current.go_to(third)
        workbench.wait_shown(qtbot, bench)
        w.canvas.zoom_by(3.0)
        # Let the scroll bars that zooming in brings settle: the view the user sees (and leaves)
        # is the one after that layout pass.
        QtWidgets.QApplication.processEvents()
        zoom = w.canvas.zoom()
        center = w.canvas.visible_center()
        w.close()
    project.close()

    again = project_svc.open_project(path, author="tester")
    with workbench.open_workbench(qtbot, again) as bench:
        w = bench.window
        assert w.current.image_id == third
        assert w.canvas.zoom() == pytest.approx(zoom, rel=1e-3)
        # The restored view settles once the scroll bars it needs are laid out.
        qtbot.waitUntil(
            lambda: w.canvas.visible_center() == pytest.approx(center, abs=2.0), timeout=3000
        )
        assert (w.width(), w.height()) == size
        assert not w.review_dock.isVisible()
    again.close()


def test_a_project_that_cannot_be_opened_says_why_and_exits_1(qtbot, tmp_path, monkeypatch):
    shown = []
    monkeypatch.setattr(QtWidgets.QMessageBox, "critical", lambda *args: shown.append(args[2]) or 0)
    bad = tmp_path / "broken.labeler"
    bad.write_text("not a database")
    assert app_mod.run(bad) == 1
    assert "not a labeler project" in shown[0]


def test_an_edit_survives_a_kill_right_after_it(tmp_path):
    project = projects.make_project(tmp_path, images=1)
    image_id = images.list_image_ids(project)[0]
    project.close()
    script = textwrap.dedent(
        f"""
        import os, signal
        from PySide6 import QtWidgets
        from labeler.domain import annotation as ann_mod, geometry as geo
        from labeler.services import project as project_svc
        from ui import commands
        from ui import document
        from ui.controllers import undo
        app = QtWidgets.QApplication([])
        doc = document.ProjectDocument(project_svc.open_project({str(project.path)!r}, author="tester"))
        history = undo.UndoHistory()
        shape = ann_mod.NewShape(doc.schema.classes[0].id, geo.ShapeKind.BOX, geo.Box(1, 2, 3, 4))
        history.push({image_id!r}, commands.AddShapes(doc, {image_id!r}, [shape]))
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, cwd=os.getcwd(), timeout=60, check=False
    )
    assert done.returncode == -signal.SIGKILL
    reopened = project_svc.open_project(project.path, author="tester")
    try:
        (box,) = annotate.list_annotations(reopened, image_id)
        assert (box.geometry.x, box.geometry.y) == (1, 2)  # type: ignore[union-attr]
    finally:
        reopened.close()
