"""Opens the export and import dialogs for the open project and binds them to its services."""

from __future__ import annotations

from pathlib import Path

from PySide6 import QtCore, QtWidgets

from labeler.formats import base, export
from labeler.services import exporting
from ui import document as document_mod
from ui import tasks as tasks_mod
from ui.dialogs import export_dialog, import_dialog, open_dialogs


class Datasets(QtCore.QObject):
    """File → Export dataset and File → Import labels.

    Args:
        window: parent of the dialogs.
        doc: the open project.
        runner: runs exports, checks and imports in the background.
        choose_folder, choose_file: file pickers (tests pass their own).
        open_folder: shows a finished export in the file manager.

    Attributes:
        open_dialog: the dialog shown last, while it is open.
    """

    def __init__(
        self,
        window: QtWidgets.QWidget,
        doc: document_mod.ProjectDocument,
        runner: tasks_mod.TaskRunner,
        *,
        choose_folder: open_dialogs.PathPicker = open_dialogs.choose_folder,
        choose_file: open_dialogs.PathPicker = open_dialogs.choose_dataset_file,
        open_folder: open_dialogs.FolderOpener = open_dialogs.open_folder,
        parent: QtCore.QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._window = window
        self._doc = doc
        self._runner = runner
        self.choose_folder = choose_folder
        self.choose_file = choose_file
        self.open_folder = open_folder
        self.open_dialog: QtWidgets.QDialog | None = None

    def _show(self, dialog: QtWidgets.QDialog) -> None:
        dialog.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(self._forget)
        self.open_dialog = dialog
        dialog.open()

    @QtCore.Slot()
    def _forget(self) -> None:
        self.open_dialog = None

    def _export(
        self, format_name: str, out: Path, options: export.ExportOptions, progress: base.ProgressFn
    ) -> export.ExportResult:
        return exporting.export_project(
            self._doc.project, format=format_name, out=out, options=options, progress=progress
        )

    @QtCore.Slot()
    def export_dialog(self) -> export_dialog.ExportDialog:
        """Show the export dialog (the last export's folder is offered again)."""
        dialog = export_dialog.ExportDialog(
            [c.name for c in self._doc.schema.classes],
            self._doc.schema.tasks,
            self._runner,
            self._export,
            start_folder=self._doc.project.path.parent,
            choose_folder=self.choose_folder,
            open_folder=self.open_folder,
            parent=self._window,
        )
        self._show(dialog)
        return dialog

    @QtCore.Slot()
    def import_dialog(self) -> import_dialog.ImportDialog:
        """Show the import dialog."""
        dialog = import_dialog.ImportDialog(
            self._doc,
            self._runner,
            choose_file=self.choose_file,
            choose_folder=self.choose_folder,
            parent=self._window,
        )
        self._show(dialog)
        return dialog

    def close_dialog(self) -> None:
        """Close the dialog still open (the project is being closed)."""
        if self.open_dialog is not None:
            self.open_dialog.reject()
