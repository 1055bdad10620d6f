"""Asks once where a model's classes go in this project (kept for the model)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6 import QtWidgets

LEAVE_OUT = "__leave_out__"
ADD = "__add__"


class ClassMapDialog(QtWidgets.QDialog):
    """One row per model class the project has no class of that name for.

    Attributes:
        answers: after OK, model class → project class name (None: leave it out).
    """

    def __init__(
        self,
        model: str,
        unknown: Sequence[str],
        classes: Sequence[str],
        parent: QtWidgets.QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("classMapDialog")
        self.setWindowTitle(f"Classes of {model}")
        self.answers: dict[str, str | None] = {}
        self._combos: dict[str, QtWidgets.QComboBox] = {}
        form = QtWidgets.QFormLayout()
        for label in unknown:
            combo = QtWidgets.QComboBox()
            combo.addItem("Leave out", LEAVE_OUT)
            combo.addItem(f"Add class “{label}”", ADD)
            for name in classes:
                combo.addItem(name, name)
            self._combos[label] = combo
            form.addRow(label, combo)
        note = QtWidgets.QLabel(
            f"{model} names classes this project does not have. Choose where each goes; the "
            "answers are kept for this model."
        )
        note.setWordWrap(True)
        buttons = QtWidgets.QDialogButtonBox(
            QtWidgets.QDialogButtonBox.StandardButton.Ok
            | QtWidgets.QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(note)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def choose(self, label: str, value: str) -> None:
        """Pick an answer for ``label`` (a class name, LEAVE_OUT or ADD); for tests and keys."""
        combo = self._combos[label]
        combo.setCurrentIndex(combo.findData(value))

    def accept(self) -> None:
        for label, combo in self._combos.items():
            value = combo.currentData()
            self.answers[label] = None if value == LEAVE_OUT else label if value == ADD else value
        super().accept()
