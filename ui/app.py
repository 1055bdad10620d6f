"""The desktop app's composition root: makes the application, the project's objects and the window."""

from __future__ import annotations

import gc
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6 import QtCore, QtWidgets

from labeler import authors
from labeler.domain import changes as changes_mod
from labeler.services import images as images_svc
from labeler.services import project as project_svc
from labeler.services import recent
from ui import after_frame, allocator
from ui import document as document_mod
from ui import lifecycle as lifecycle_mod
from ui import main_window as main_window_mod
from ui import settings as settings_mod
from ui import tasks as tasks_mod
from ui.browser import widget as browser_mod
from ui.canvas import canvas as canvas_mod
from ui.controllers import assist as assist_mod
from ui.controllers import datasets as datasets_mod
from ui.controllers import indexer as indexer_mod
from ui.controllers import projects as projects_mod
from ui.dialogs import author_dialog
from ui.images import loader as loader_mod
from ui.images import thumbnails as thumbnails_mod

if TYPE_CHECKING:
    from labeler.services import sync as sync_svc
    from ui.controllers import sync as sync_mod
    from ui.dialogs import sync_dialog

# Team sync (its engine, the HTTP client, pydantic: 0.2 s and 20 MB here) loads when a project
# is linked or the user asks for it, not with every window (see Workbench.sync).

log = logging.getLogger(__name__)


def application(argv: list[str] | None = None) -> QtWidgets.QApplication:
    """The QApplication, made once, named so QSettings find the app's settings."""
    app = QtWidgets.QApplication.instance()
    if app is None:
        app = QtWidgets.QApplication(argv if argv is not None else sys.argv[:1])
    QtCore.QCoreApplication.setOrganizationName(settings_mod.ORGANIZATION)
    QtCore.QCoreApplication.setApplicationName(settings_mod.APPLICATION)
    assert isinstance(app, QtWidgets.QApplication)
    return app


class Workbench(QtCore.QObject):
    """Everything one open project needs in the app, built in dependency order.

    Attributes:
        doc: the open project.
        runner: the background task runner (decoding, thumbnails, exports, imports).
        window: the main window.
        datasets: File → Export dataset / Import labels.
        projects: File → Open project or folder / Open recent / Add image folder.
        sync: team sync (background rounds, linking, conflicts), made on first use.
    """

    def __init__(
        self,
        project: project_svc.Project,
        parent: QtCore.QObject | None = None,
        *,
        opener: projects_mod.Opener | None = None,
    ) -> None:
        super().__init__(parent)
        self.project = project
        self.doc = document_mod.ProjectDocument(project, self)
        self.runner = tasks_mod.TaskRunner(self)
        # The pixel limit is the project's, so the canvas refuses (and quotes) what indexing does.
        max_pixels = project_svc.meta(project).max_pixels
        self.loader = loader_mod.ImageLoader(self.runner, self, max_pixels=max_pixels)
        thumbnails = thumbnails_mod.ThumbnailLoader(self.runner, self)
        browser = browser_mod.ImageBrowser(
            lambda ids: images_svc.get_images(project, ids), thumbnails=thumbnails
        )
        canvas = canvas_mod.Canvas()
        self.window = main_window_mod.MainWindow(self.doc, canvas, browser, self.loader)
        self.lifecycle = lifecycle_mod.Lifecycle(self.window)
        self.indexer = indexer_mod.BackgroundIndexer(
            self.doc, self.runner, self.window.statusBar(), self
        )
        self.datasets = datasets_mod.Datasets(self.window, self.doc, self.runner, parent=self)
        self.projects = projects_mod.Projects(
            self.window, self.doc, self.runner, self.indexer, self.window.current, browser,
            opener, parent=self,
        )  # fmt: skip
        self._sync: sync_mod.SyncController | None = None
        self.sync_dialog: sync_dialog.SyncDialog | None = None
        self.sign_in_prompt: QtWidgets.QMessageBox | None = None
        w = self.window
        self.assist = assist_mod.Assist(
            w, self.doc, self.runner, w.current, canvas, w.undo, w.suggestions_panel,
            lambda: w.labeling.current_class, self,
        )  # fmt: skip
        self._connect_files()
        self._connect_sync_actions()
        self._connect_assist()

    @property
    def sync(self) -> sync_mod.SyncController:
        """Team sync, made on first use: at start for a linked project, else when the user
        syncs or links."""
        if self._sync is None:
            from ui.controllers import sync as sync_mod

            self._sync = sync_mod.SyncController(self.doc, self.runner, parent=self)
            self._connect_sync()
        return self._sync

    def _connect_files(self) -> None:
        """The File menu's project and dataset actions (their controllers need the runner)."""
        a, w = self.window.action_set, self.window
        a["export_dataset"].triggered.connect(lambda: self.datasets.export_dialog())
        a["import_labels"].triggered.connect(lambda: self.datasets.import_dialog())
        a["open_project"].triggered.connect(lambda: self.projects.open_project())
        a["open_project"].setEnabled(self.projects.can_open)
        a["add_folder"].triggered.connect(lambda: self.projects.add_folder())
        a["set_author"].triggered.connect(lambda: self.change_author())
        w.recent_menu.aboutToShow.connect(lambda: self.projects.fill_recent_menu(w.recent_menu))
        self.projects.message.connect(lambda text: w.statusBar().showMessage(text, 6000))

    def change_author(self, ask: author_dialog.Asker | None = None) -> None:
        """Edit → Your name…: changes made from now on are signed with the new name (kept in
        the settings for the next start)."""
        name = author_dialog.change_author(self.window, self.project.author, ask)
        if name is not None:
            self.set_author(name)
            self.window.statusBar().showMessage(f"Your changes are now signed “{name}”", 6000)

    def set_author(self, name: str) -> None:
        """Sign the changes made from now on with ``name``."""
        self.project.author = project_svc.check_author(name)

    def _connect_sync_actions(self) -> None:
        """Sync now / Sync with a server…, and the Conflicts dock's requests (conflicts come
        from sync, so it is there by then)."""
        a, w = self.window.action_set, self.window
        a["sync_now"].triggered.connect(lambda: self.sync.sync_now())
        a["sync_connect"].triggered.connect(lambda: self.open_sync_dialog())
        w.conflicts_panel.resolveRequested.connect(lambda i, c: self.sync.resolve(i, c))
        w.conflicts_panel.conflictSelected.connect(self._show_conflict)

    def _connect_sync(self) -> None:
        """The sync state in the status bar, the Conflicts dock, what sync brings in."""
        w, s = self.window, self.sync
        s.stateChanged.connect(lambda _text: self._show_sync_state())
        s.conflictsChanged.connect(self._on_conflicts)
        s.imagesArrived.connect(lambda _n: self.projects.relist())
        s.othersChanged.connect(self._forget_overtaken_steps)
        s.notice.connect(lambda text: w.statusBar().showMessage(text, 60000))
        s.signInPrompt.connect(self._show_sign_in_prompt)
        w.status_widgets.set_sync_state(s.state)

    def _connect_assist(self) -> None:
        """Suggestions, pre-labeling and click-to-segment (their controller needs the runner)."""
        a, w, x = self.window.action_set, self.window, self.assist
        w.current.imageChanged.connect(x.on_image_changed)
        self.doc.changed.connect(x.on_changed)
        w.canvas.zoomChanged.connect(x.on_zoom_changed)
        a["suggestion_accept"].triggered.connect(x.accept_current)
        a["suggestion_reject"].triggered.connect(x.reject_current)
        a["suggestion_accept_all"].triggered.connect(x.accept_all)
        a["suggestion_next"].triggered.connect(x.next_suggestion)
        a["suggestion_check_next"].triggered.connect(x.next_to_check)
        a["prelabel_image"].triggered.connect(lambda: x.prelabel_image())
        a["prelabel_batch"].triggered.connect(lambda: x.batch_dialog())
        a["tool_segment"].toggled.connect(x.set_segment_tool)
        x.message.connect(lambda text: w.statusBar().showMessage(text, 8000))

    def _forget_overtaken_steps(self, changes: changes_mod.Changes) -> None:
        """Undo steps on an image a teammate changed since could overwrite their work without a
        word: they are dropped, and the user is told when it is the image in view."""
        undo, current = self.window.undo, self.window.current.image_id
        dropped = [i for i in changes.images | changes.annotation_images if undo.drop(i)]
        if current in dropped:
            self.window.statusBar().showMessage(
                "A teammate changed this image: its undo steps were cleared so that undo cannot "
                "overwrite their work",
                10000,
            )

    def _show_sign_in_prompt(self, text: str) -> None:
        """Entra ID's device-code instructions (no browser could open): shown until dismissed,
        the code selectable, while sign-in waits in the background."""
        box = QtWidgets.QMessageBox(self.window)
        box.setObjectName("signInPrompt")
        box.setWindowTitle("Sign in to sync")
        box.setText(text)
        box.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        box.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        box.setModal(False)
        box.show()
        self.sign_in_prompt = box

    def _show_sync_state(self) -> None:
        n = len(self.sync.conflicts)
        note = f" · {n} conflict{'s' if n != 1 else ''}" if n else ""
        self.window.status_widgets.set_sync_state(self.sync.state + note)

    def _on_conflicts(self, conflicts: list[object]) -> None:
        panel, dock = self.window.conflicts_panel, self.window.conflicts_dock
        if conflicts and not panel.count():
            dock.show()  # a new conflict needs the user's choice: show it once
            self.window.resizeDocks([dock], [220], QtCore.Qt.Orientation.Vertical)
        panel.set_conflicts(self.sync.conflicts)
        self._show_sync_state()

    def _show_conflict(self, conflict: object) -> None:
        image_id = self.sync.image_of(conflict)  # type: ignore[arg-type]
        if image_id is not None:
            self.window.current.go_to(image_id)

    def open_sync_dialog(self) -> sync_dialog.SyncDialog:
        """File → Sync with a server…: shows the dialog (filled in when already linked)."""
        from ui.dialogs import sync_dialog

        url, name = self.sync.remote or ("", "")
        entra = settings_mod.entra_for(url) if url else None
        dialog = sync_dialog.SyncDialog(self.window, url=url, remote_project=name, entra=entra)
        dialog.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.linkRequested.connect(self._link)
        self.sync.linkFinished.connect(dialog.show_result)
        dialog.finished.connect(lambda _r: self._forget_sync_dialog(dialog))
        self.sync_dialog = dialog
        dialog.open()
        return dialog

    def _link(
        self, url: str, name: str, key: str, upload: bool, entra: sync_svc.EntraSettings | None
    ) -> None:
        """The connect dialog's Link: remember the sign-in settings for this server (identifiers
        only), then link in the background."""
        settings_mod.set_entra_for(
            url, (entra.client_id, entra.tenant, " ".join(entra.scopes)) if entra else None
        )
        self.sync.link(url, name, key or None, upload, entra)

    def _forget_sync_dialog(self, dialog: sync_dialog.SyncDialog) -> None:
        self.sync.linkFinished.disconnect(dialog.show_result)
        if self.sync_dialog is dialog:
            self.sync_dialog = None

    def start(self) -> None:
        self.lifecycle.restore_layout()
        self.window.show()
        self.lifecycle.start()
        # After the first frame: hashing, header reads and sync never delay it.
        after_frame.after_first_paint(self.window, self.indexer.start)
        after_frame.after_first_paint(self.window, self._start_sync)

    def _start_sync(self) -> None:
        """Sync a linked project; one that is not stays local only (the status bar says so)."""
        if self._sync is not None or project_svc.remote(self.project) is not None:
            self.sync.start()

    def close(self) -> None:
        """Stop background work and close the project (after the window has closed)."""
        self.datasets.close_dialog()
        self.assist.cancel_batch()
        if self._sync is not None:
            self._sync.stop()
        self.indexer.stop()
        self.runner.shutdown()
        self.project.close()


def open_target(target: Path, author: str) -> tuple[project_svc.Project, Path | None]:
    """The project of ``target`` — a ``.labeler`` file, or an image folder (its project is made
    on first use) — and the folder to (re)scan once the window is up, for a folder.

    Listing a folder's names takes seconds at 100,000 files: the window shows first and the
    names are stored in the background (hashing follows in the background indexer).

    Raises:
        project_svc.ProjectError: when it cannot be opened (the message says why).
    """
    if target.is_dir():
        project, _created = project_svc.open_or_create(target, author=author)
        return project, target
    return project_svc.open_project(target, author=author), None


class Desktop(QtCore.QObject):
    """The app with one project open at a time; opening another replaces it in this process.

    Attributes:
        bench: the open project's workbench, or None before the first one opens.
        author: the name projects opened here sign their changes with.

    Signals:
        benchChanged(object): a new workbench is shown (the ``Workbench``).
        openFailed(str): a project could not be opened; the text says why.
    """

    benchChanged = QtCore.Signal(object)
    openFailed = QtCore.Signal(str)

    def __init__(
        self,
        parent: QtCore.QObject | None = None,
        *,
        show_error: Callable[[QtWidgets.QWidget | None, str], None] | None = None,
        author: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.bench: Workbench | None = None
        self.author = author or settings_mod.author() or authors.default_author()
        self._show_error = show_error or _show_error

    def open(self, target: Path) -> bool:
        """Open ``target`` and close the project open before (only once the new one opened)."""
        try:
            # A name changed in the window open now (Edit → Your name…) goes on.
            author = self.bench.project.author if self.bench is not None else self.author
            project, folder = open_target(Path(target), author)
        except (project_svc.ProjectError, OSError) as exc:
            text = f"Cannot open {target}.\n\n{exc}"
            self._show_error(self.bench.window if self.bench is not None else None, text)
            self.openFailed.emit(text)
            return False
        self.show(project, folder)
        return True

    def show(self, project: project_svc.Project, folder: Path | None = None) -> None:
        """Show an opened ``project`` in place of the one open before; ``folder``, an image
        folder of it, is scanned for new and changed files in the background."""
        self._replace(project)
        recent.remember(project.path)
        if folder is not None and self.bench is not None:
            self.bench.projects.add_folder(folder)

    def _replace(self, project: project_svc.Project) -> None:
        app = QtWidgets.QApplication.instance()
        assert isinstance(app, QtWidgets.QApplication)
        # Closing the old window must not end the app: the new one is shown right after.
        quit_on_close = app.quitOnLastWindowClosed()
        app.setQuitOnLastWindowClosed(False)
        try:
            self.close()
            bench = Workbench(project, opener=self.open)
            bench.window.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose, False)
            self.bench = bench
            bench.start()
        finally:
            app.setQuitOnLastWindowClosed(quit_on_close)
        self.benchChanged.emit(bench)

    def close(self) -> None:
        """Close the open project's window (its state is saved) and the project."""
        bench, self.bench = self.bench, None
        if bench is None:
            return
        if bench.window.isVisible():
            bench.window.close()  # the window saves the image in view and its layout
        bench.close()
        bench.window.deleteLater()
        bench.deleteLater()


def _show_error(parent: QtWidgets.QWidget | None, text: str) -> None:
    QtWidgets.QMessageBox.critical(parent, "labeler", text)


def run(
    project_path: Path,
    opened: tuple[project_svc.Project, Path | None] | None = None,
    *,
    author: str | None = None,
) -> int:
    """Open the project at ``project_path`` (a ``.labeler`` file or an image folder) in the app
    and run until the window closes.

    Args:
        project_path: the project file or image folder.
        opened: what :func:`open_target` returned for it, when the caller opened it already.
        author: the name to sign this session's changes with (``--author``); by default the
            name in the app's settings, asked for on the first start.

    Returns:
        The process exit code: 0, or 1 when the project cannot be opened (the reason is shown).
    """
    allocator.keep_from_hoarding()
    app = application()
    name, first_start = author_dialog.startup_author(author)
    desktop = Desktop(author=name)
    if opened is not None:
        opened[0].author = name  # opened before the settings could say who signs
        desktop.show(*opened)
    elif not desktop.open(project_path):
        return 1
    if first_start and desktop.bench is not None:
        # Asked once, over the window, with the suggestion filled in.
        desktop.bench.set_author(author_dialog.ask_first(desktop.bench.window, name))
    # What exists now (modules, classes, the window) lives as long as the app: left out of
    # garbage collection, a full collection scans only what came later, and never stalls a key
    # press for the ~90 ms it takes over all of it. Another project opened drops this again.
    gc.freeze()
    gc.enable()
    desktop.benchChanged.connect(lambda _bench: gc.unfreeze())
    try:
        return app.exec()
    finally:
        desktop.close()
