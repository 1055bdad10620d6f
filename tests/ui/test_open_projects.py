"""File → Open project or folder, Open recent, Add image folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6 import QtWidgets

from labeler.services import images, indexing, recent
from labeler.services import project as project_svc
from tests.ui.helpers import projects, workbench
from ui import app as app_mod
from ui.dialogs import open_dialogs


def _main_windows() -> list[Any]:
    app = QtWidgets.QApplication.instance()
    assert isinstance(app, QtWidgets.QApplication)
    return [w for w in app.topLevelWidgets() if w.objectName() == "mainWindow" and w.isVisible()]


def _browser_names(bench: app_mod.Workbench) -> list[str]:
    ids = list(bench.window.browser.model.ids())
    return [im.name for im in images.get_images(bench.project, ids)]


def test_opening_another_project_from_the_file_menu_replaces_the_open_one(
    qtbot: Any, tmp_path: Path
) -> None:
    (tmp_path / "first").mkdir()
    with projects.make_project(tmp_path / "first", images=3) as first:
        first_path = first.path
    folder = tmp_path / "holiday"
    projects.make_images(folder, 2)
    errors: list[str] = []
    desktop = app_mod.Desktop(show_error=lambda _parent, text: errors.append(text))
    try:
        assert desktop.open(first_path)
        one = desktop.bench
        assert one is not None
        workbench.wait_shown(qtbot, one)
        assert one.window.windowTitle() == "test — labeler"
        assert len(_browser_names(one)) == 3

        one.window.current.go_next()  # the user moves on to img2 before leaving
        assert one.window.current.image is not None
        assert one.window.current.image.name == "img2.jpg"

        # Open a plain image folder: its project is made on first use.
        one.projects.choose_project = lambda _parent, _start: folder
        with qtbot.waitSignal(desktop.benchChanged, timeout=5000):
            one.window.action_set["open_project"].trigger()
        two = desktop.bench
        assert two is not None and two is not one
        workbench.wait_shown(qtbot, two)
        assert two.window.windowTitle() == "holiday — labeler"
        assert _main_windows() == [two.window]  # the first project's window is gone
        assert _browser_names(two) == ["img1.jpg", "img2.jpg"]
        second_path = two.project.path
        assert [p.resolve() for p in recent.list_recent()] == [
            second_path.resolve(),
            first_path.resolve(),
        ]

        # Open recent lists the other project; choosing it switches back.
        two.window.recent_menu.aboutToShow.emit()
        entries = [a for a in two.window.recent_menu.actions() if a.data()]
        assert [Path(a.data()).resolve() for a in entries] == [first_path.resolve()]
        with qtbot.waitSignal(desktop.benchChanged, timeout=5000):
            entries[0].trigger()
        three = desktop.bench
        assert three is not None
        workbench.wait_shown(qtbot, three)
        assert three.window.windowTitle() == "test — labeler"
        # Closing saved where the user was: the project reopens on the image they left.
        assert three.window.current.image is not None
        assert three.window.current.image.name == "img2.jpg"
        assert recent.list_recent()[0].resolve() == first_path.resolve()

        # A file that is not a project is refused; the open project stays.
        junk = tmp_path / "notes.labeler"
        junk.write_text("not a project")
        assert not desktop.open(junk)
        assert desktop.bench is three and "not a labeler project" in errors[0]
    finally:
        desktop.close()


def test_adding_a_folder_shows_its_images(qtbot: Any, tmp_path: Path) -> None:
    (tmp_path / "p").mkdir()
    with (
        projects.make_project(tmp_path / "p", images=2) as project,
        workbench.open_workbench(qtbot, project) as bench,
    ):
        more = tmp_path / "more"
        projects.make_images(more, 3, size=(90, 70))
        bench.projects.choose_folder = lambda _parent, _start: more
        with qtbot.waitSignal(bench.projects.folderAdded, timeout=5000) as added:
            bench.window.action_set["add_folder"].trigger()
        assert added.args[0].added == 3
        assert len(_browser_names(bench)) == 5
        assert bench.window.current.image is not None  # the image in view stays in view
        assert bench.window.current.image.name == "img1.jpg"
        qtbot.waitUntil(lambda: indexing.pending_count(project) == 0, timeout=10_000)
        qtbot.waitUntil(lambda: not bench.indexer.running, timeout=10_000)
        new = [im for im in images.list_images(project, limit=100) if more.name in im.root_path]
        assert sorted((im.width, im.height) for im in new) == [(90, 70)] * 3


def test_adding_a_folder_to_an_empty_project_shows_its_first_image(
    qtbot: Any, tmp_path: Path
) -> None:
    with project_svc.create_project(
        tmp_path / "empty.labeler", classes=["a"], author="tester"
    ) as project:
        bench = app_mod.Workbench(project)
        qtbot.addWidget(bench.window)
        bench.start()
        try:
            qtbot.waitUntil(lambda: bench.window.current.ids == [], timeout=2000)
            projects.make_images(tmp_path / "imgs", 2)
            with qtbot.waitSignal(bench.projects.folderAdded, timeout=5000):
                assert bench.projects.add_folder(tmp_path / "imgs")
            workbench.wait_shown(qtbot, bench)
            assert bench.window.current.image is not None
            assert bench.window.current.image.name == "img1.jpg"
            assert not bench.window.action_set["open_project"].isEnabled()  # no app to open in
            qtbot.waitUntil(lambda: not bench.indexer.running, timeout=10_000)
        finally:
            bench.window.close()
            bench.runner.shutdown()


def test_the_project_picker_takes_a_project_file_or_a_folder(qtbot: Any, tmp_path: Path) -> None:
    (tmp_path / "p").mkdir()
    with projects.make_project(tmp_path / "p", images=1) as project:
        path = project.path
    (tmp_path / "p" / "readme.txt").write_text("not a project")
    for chosen, expected in (
        (path, path),
        (tmp_path / "p" / "images", tmp_path / "p" / "images"),
        (tmp_path / "p" / "readme.txt", None),
    ):
        dialog = open_dialogs.ProjectOrFolderDialog(None, tmp_path / "p")
        qtbot.addWidget(dialog)
        dialog.open()
        dialog.selectFile(str(chosen))
        dialog.accept()
        assert dialog.chosen == expected
        assert dialog.isVisible() == (expected is None)  # other files are not taken
        dialog.close()


def test_a_folder_opens_its_window_first_and_lists_its_names_in_the_background(
    qtbot: Any, tmp_path: Path
) -> None:
    folder = tmp_path / "holiday"
    projects.make_images(folder, 3)
    desktop = app_mod.Desktop(show_error=lambda _parent, text: None)
    try:
        assert desktop.open(folder)
        bench = desktop.bench
        assert bench is not None and bench.window.isVisible()
        # Nothing listed yet: the names are stored on a worker while the window is up.
        assert _browser_names(bench) == []
        workbench.wait_shown(qtbot, bench)
        assert _browser_names(bench) == ["img1.jpg", "img2.jpg", "img3.jpg"]
        # Reopening the folder rescans it in the background too: a new file shows up.
        projects.make_images(tmp_path / "later", 4)
        (tmp_path / "later" / "img4.jpg").rename(folder / "img4.jpg")
        with qtbot.waitSignal(desktop.benchChanged, timeout=5000):
            assert desktop.open(folder)
        again = desktop.bench
        assert again is not None and again is not bench
        qtbot.waitUntil(lambda: len(_browser_names(again)) == 4, timeout=5000)
    finally:
        desktop.close()
