"""File and folder pickers the app's dialogs use, kept apart so tests can replace them.

Each picker is a plain function ``(parent, start) -> Path | None`` (None when the user cancels);
dialogs and controllers take one as an argument and fall back to these.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets

from labeler.services import project as project_svc

#: Asks for a path; returns None when the user cancels.
PathPicker = Callable[[QtWidgets.QWidget | None, Path | None], "Path | None"]
#: Shows a folder in the system's file manager.
FolderOpener = Callable[[Path], None]


def _start(start: Path | None) -> str:
    return str(start) if start is not None else str(Path.home())


def choose_folder(parent: QtWidgets.QWidget | None, start: Path | None = None) -> Path | None:
    """A folder chosen by the user (it may be new: the export creates it)."""
    text = QtWidgets.QFileDialog.getExistingDirectory(parent, "Choose a folder", _start(start))
    return Path(text) if text else None


def choose_dataset_file(parent: QtWidgets.QWidget | None, start: Path | None = None) -> Path | None:
    """A dataset file (COCO JSON, data.yaml, JSONL, CSV ...)."""
    text, _ = QtWidgets.QFileDialog.getOpenFileName(
        parent,
        "Choose the dataset file",
        _start(start),
        "Dataset files (*.json *.jsonl *.yaml *.yml *.csv *.xml *.data *.names *.txt);;All files (*)",
    )
    return Path(text) if text else None


class ProjectOrFolderDialog(QtWidgets.QFileDialog):
    """Chooses a ``.labeler`` project file or a folder of images in one dialog.

    The folder mode accepts folders with "Choose"; a project file is taken when the user picks it
    (double-click or Choose), which the plain folder mode of QFileDialog would refuse.
    """

    def __init__(self, parent: QtWidgets.QWidget | None, start: Path | None = None) -> None:
        super().__init__(parent, "Open a project or a folder of images", _start(start))
        self.setOption(QtWidgets.QFileDialog.Option.DontUseNativeDialog, True)
        self.setFileMode(QtWidgets.QFileDialog.FileMode.Directory)
        self.setNameFilter(f"labeler projects (*{project_svc.PROJECT_SUFFIX})")
        self.chosen: Path | None = None

    def accept(self) -> None:
        files = self.selectedFiles()
        picked = Path(files[0]) if files else None
        if picked is not None and picked.is_file():
            if picked.suffix != project_svc.PROJECT_SUFFIX:
                return  # only project files and folders can be opened
            self.chosen = picked
            QtWidgets.QDialog.accept(self)  # QFileDialog's folder mode would refuse a file
            return
        self.chosen = picked
        super().accept()


def choose_project(parent: QtWidgets.QWidget | None, start: Path | None = None) -> Path | None:
    """A project file or an image folder chosen by the user."""
    dialog = ProjectOrFolderDialog(parent, start)
    if dialog.exec() != QtWidgets.QDialog.DialogCode.Accepted:
        return None
    return dialog.chosen


def open_folder(folder: Path) -> None:
    """Show ``folder`` in the system's file manager."""
    QtGui.QDesktopServices.openUrl(QtCore.QUrl.fromLocalFile(str(folder)))
