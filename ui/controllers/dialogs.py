"""Opens the app's dialogs and hands their answers to the controllers."""

from __future__ import annotations

from collections.abc import Callable

from PySide6 import QtCore, QtWidgets

from ui import actions as actions_mod
from ui import document as document_mod
from ui.controllers import keys as keys_mod
from ui.dialogs import class_picker, project_settings, schema_editor, shortcut_sheet


class Dialogs(QtCore.QObject):
    """Makes dialogs on demand, parented to the main window.

    Attributes:
        notes: problems found at start (shortcut clashes) that the shortcut sheet lists.
    """

    def __init__(
        self,
        window: QtWidgets.QWidget,
        doc: document_mod.ProjectDocument,
        actions: actions_mod.ActionSet,
        class_keys: keys_mod.ClassHotkeys,
        on_class_picked: Callable[[str], None],
        parent: QtCore.QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._window = window
        self._doc = doc
        self._actions = actions
        self._class_keys = class_keys
        self._on_class_picked = on_class_picked
        self.notes: list[str] = []
        self.open_dialog: QtWidgets.QDialog | None = None

    def _show(self, dialog: QtWidgets.QDialog) -> None:
        dialog.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(self._forget)
        self.open_dialog = dialog
        dialog.open()

    def _forget(self) -> None:
        self.open_dialog = None

    def shortcut_sheet(self) -> None:
        self._show(
            shortcut_sheet.ShortcutSheet(
                self._actions, self._class_keys.bindings(), self.notes, self._window
            )
        )

    def schema_editor(self) -> None:
        self._show(schema_editor.SchemaEditor(self._doc, self._actions.taken_keys(), self._window))

    def project_settings(self) -> None:
        self._show(project_settings.ProjectSettings(self._doc, self._window))

    def class_picker(self) -> None:
        picker = class_picker.ClassPicker(self._doc.schema.classes, self._window)
        picker.classPicked.connect(self._on_class_picked)
        self._show(picker)
        picker.search.setFocus()

    def ask_class_names(self) -> str | None:
        """What the first shape of a project without classes is: one class name, or several
        separated by commas (the first is the shape's). None when the user cancels."""
        text, ok = QtWidgets.QInputDialog.getText(
            self._window,
            "Class of this shape",
            "This project has no classes yet. What did you draw?\n"
            "(Several names separated by commas add them all; the first is this shape's class.)",
        )
        return text if ok and text.strip() else None

    def ask_reject_comment(self) -> str | None:
        text, ok = QtWidgets.QInputDialog.getMultiLineText(
            self._window, "Reject image", "What needs fixing? (the annotator sees this)"
        )
        return text if ok else None
