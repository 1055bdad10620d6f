"""File → Open project or folder, Open recent, Add image folder.

Opening another project is the app's business (it replaces the whole workbench), so this
controller only chooses the path and hands it to the ``opener`` the app gives it. Adding a folder
stays inside the open project: names are listed off the GUI thread, the browser lists them, and
the background indexer hashes and measures them.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6 import QtCore, QtWidgets

from labeler.services import indexing, recent
from ui import document as document_mod
from ui import tasks as tasks_mod
from ui.controllers import current as current_mod
from ui.controllers import indexer as indexer_mod
from ui.dialogs import open_dialogs

log = logging.getLogger(__name__)

#: Opens a project file or an image folder in place of the open project; False when it failed.
Opener = Callable[[Path], bool]


class Projects(QtCore.QObject):
    """Chooses projects and folders and keeps the "Open recent" menu.

    Args:
        window: parent of the pickers.
        doc: the open project.
        runner: lists added folders in the background.
        indexer: hashes and measures added images.
        current: the image in view (re-lists the browser after a folder is added).
        browser: the image browser (its filter decides what is listed).
        opener: opens another project in place of this one; None disables opening.
        choose_project, choose_folder: the pickers (tests pass their own).

    Signals:
        message(str): something to tell the user in the status bar.
        folderAdded(object): a folder's names were stored (the ``AddResult``).
    """

    message = QtCore.Signal(str)
    folderAdded = QtCore.Signal(object)
    # Emitted from the worker storing a folder's names once the first page of them is stored.
    _firstPageStored = QtCore.Signal()

    def __init__(
        self,
        window: QtWidgets.QWidget,
        doc: document_mod.ProjectDocument,
        runner: tasks_mod.TaskRunner,
        indexer: indexer_mod.BackgroundIndexer,
        current: current_mod.CurrentImage,
        browser: Any,
        opener: Opener | None,
        *,
        choose_project: open_dialogs.PathPicker = open_dialogs.choose_project,
        choose_folder: open_dialogs.PathPicker = open_dialogs.choose_folder,
        parent: QtCore.QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._window = window
        self._doc = doc
        self._runner = runner
        self._indexer = indexer
        self._current = current
        self._browser = browser
        self._opener = opener
        self.choose_project = choose_project
        self.choose_folder = choose_folder
        self._firstPageStored.connect(self._on_first_page)  # queued: it comes from the worker

    @property
    def can_open(self) -> bool:
        return self._opener is not None

    # --- opening another project ------------------------------------------------------------

    @QtCore.Slot()
    def open_project(self) -> None:
        """Ask for a project file or an image folder and open it instead of this project."""
        chosen = self.choose_project(self._window, self._doc.project.path.parent)
        if chosen is not None:
            self.open_path(chosen)

    def open_path(self, path: Path) -> bool:
        """Open ``path`` (a ``.labeler`` file or an image folder) instead of this project."""
        if self._opener is None:
            return False
        return self._opener(Path(path))

    def fill_recent_menu(self, menu: QtWidgets.QMenu) -> None:
        """Rebuild ``menu`` from the recent projects (called each time it is about to show)."""
        menu.clear()
        here = self._doc.project.path.resolve()
        entries = [p for p in recent.list_recent() if p.resolve() != here]
        for path in entries:
            action = menu.addAction(f"{path.stem}  —  {path.parent}")
            action.setToolTip(str(path))
            action.setData(str(path))
            action.setEnabled(self.can_open)
            action.triggered.connect(lambda _=False, p=path: self.open_path(p))
        if not entries:
            menu.addAction("No other recent projects").setEnabled(False)

    # --- adding a folder --------------------------------------------------------------------

    @QtCore.Slot()
    def add_folder(self, folder: Path | None = None) -> bool:
        """Add ``folder`` (asked for when None) to the project in the background."""
        if self._doc.write_problem:
            self.message.emit(f"Cannot add a folder: {self._doc.write_problem}")
            return False
        if folder is None:
            folder = self.choose_folder(self._window, self._doc.project.path.parent)
            if folder is None:
                return False
        self.message.emit(f"Adding {folder}…")
        # A large new folder's first page of names is stored ahead of the rest: it is listed
        # (and its first image shown) then, while the other names are being stored.
        self._runner.run(
            functools.partial(indexing.add_folder, on_first_page=self._firstPageStored.emit),
            self._doc.project, Path(folder),
            on_done=self._on_added, on_error=self._on_add_failed, lane=tasks_mod.WRITE,
        )  # fmt: skip
        return True

    def relist(self) -> None:
        """Images were added: list them again with the browser's filter (and show the first
        when nothing was shown)."""
        self._current.on_filter_changed(self._browser.filter())
        if self._current.image_id is None and self._current.ids:
            self._current.go_to(self._current.ids[0])

    @QtCore.Slot()
    def _on_first_page(self) -> None:
        """Nothing shown yet (a new folder): list what is stored so far and show the first image;
        the whole list follows when all names are stored."""
        if self._current.image_id is None:
            self.relist()

    def _on_added(self, result: indexing.AddResult) -> None:
        self._doc.announce(result.changes)
        # New rows are not in the browser's list yet: list the images again with its filter.
        self.relist()
        if self._indexer.running:
            # The running pass listed its work before these names existed: go again after it.
            self._indexer.finished.connect(
                self._start_indexer, QtCore.Qt.ConnectionType.SingleShotConnection
            )
        else:
            self._indexer.start()
        self.message.emit(_added_text(result))
        self.folderAdded.emit(result)

    @QtCore.Slot()
    def _start_indexer(self, *_: object) -> None:
        self._indexer.start()

    def _on_add_failed(self, exc: BaseException) -> None:
        log.info("adding a folder failed: %s", exc)
        self.message.emit(f"Cannot add the folder: {exc}")


def _added_text(result: indexing.AddResult) -> str:
    """What adding (or rescanning) a folder did, in words."""
    if result.added:
        return f"Added {result.added:,} image{'s' * (result.added != 1)}"
    if result.missing or result.returned or result.changed:
        return (
            f"No new images; {result.missing:,} missing, {result.returned:,} back, "
            f"{result.changed:,} changed"
        )
    return "No new images (JPEG, PNG, BMP, TIFF or WebP files, in sub-folders too)"
