"""Your name in the app: asked once on the first start, kept in the settings, changed with
Edit → Your name…, and the name every change made in the app is signed with."""

from __future__ import annotations

from pathlib import Path

import pytest

from PySide6 import QtWidgets

from labeler.domain import annotation as ann_mod
from labeler.domain import geometry as geo
from labeler.services import annotate
from tests.ui.helpers import projects, workbench
from ui import app as app_mod
from ui import settings as settings_mod
from ui.dialogs import author_dialog


def test_the_first_start_asks_once_and_keeps_the_answer(
    qtbot: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LABELER_USER", "mlopez")
    name, first = author_dialog.startup_author()
    assert (name, first) == ("mlopez", True)  # the suggestion: LABELER_USER, else the OS user
    asked: list[str] = []

    def answer(_parent: object, suggested: str) -> str:
        asked.append(suggested)
        return "María López"

    assert author_dialog.ask_first(None, name, answer) == "María López"
    assert asked == ["mlopez"]
    assert author_dialog.startup_author() == ("María López", False)  # never asked again
    # --author signs one session without changing what is kept.
    assert author_dialog.startup_author("Guest  Reviewer") == ("Guest Reviewer", False)
    assert settings_mod.author() == "María López"


def test_cancelling_the_first_question_keeps_the_suggestion(qtbot: object) -> None:
    assert author_dialog.ask_first(None, "mlopez", lambda _p, _s: None) == "mlopez"
    assert author_dialog.startup_author() == ("mlopez", False)


def test_the_dialog_takes_a_name_and_refuses_a_blank_one(qtbot, tmp_path: Path) -> None:
    dialog = author_dialog.AuthorDialog(None, "mlopez", first=True)
    qtbot.addWidget(dialog)
    dialog.show()
    ok = dialog.findChild(QtWidgets.QDialogButtonBox).button(
        QtWidgets.QDialogButtonBox.StandardButton.Ok
    )
    assert dialog.edit.text() == "mlopez" and ok.isEnabled()
    dialog.edit.setText("   ")
    assert not ok.isEnabled()
    dialog.edit.setText("  María   López ")
    assert ok.isEnabled() and dialog.name() == "María López"
    dialog.grab().save(str(tmp_path / "author_dialog.png"))


def test_your_name_in_the_edit_menu_signs_the_next_changes(
    qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = projects.make_project(tmp_path, images=1)
    monkeypatch.setattr(author_dialog, "ask", lambda _parent, current: f"{current} (night shift)")
    with workbench.open_workbench(qtbot, project) as bench:
        w = bench.window
        before = project.author
        w.action_set["set_author"].trigger()
        assert project.author == f"{before} (night shift)"
        assert settings_mod.author() == project.author
        assert "now signed" in w.statusBar().currentMessage()
        w.canvas.shapeDrawn.emit(ann_mod.NewShape(None, geo.ShapeKind.BOX, geo.Box(5, 5, 9, 9)))
        (made,) = annotate.list_annotations(project, w.current.image_id or "")
        assert made.author == f"{before} (night shift)"


def test_a_project_opened_from_the_app_is_signed_with_the_apps_name(qtbot, tmp_path: Path) -> None:
    first = projects.make_project(tmp_path, images=1)
    other = first.path
    first.close()
    desktop = app_mod.Desktop(author="Ana")
    try:
        assert desktop.open(other)
        assert desktop.bench is not None and desktop.bench.project.author == "Ana"
        qtbot.waitUntil(lambda: desktop.bench.window.current.image_id is not None)
    finally:
        desktop.close()
