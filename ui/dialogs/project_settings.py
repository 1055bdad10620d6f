"""Edit → Project settings: which kinds of labels the project uses.

One check box per kind of shape (from the domain's kind registry, so a new kind appears here by
itself) and the tag mode. Each kind shows how many labels it has. Turning a kind off never
deletes anything: its labels are hidden in the app (not drawn, not listed, no tool) and kept —
still synced and exported — until the kind is on again. Because hidden labels are easy to forget,
the dialog says how many labels a change would hide, and OK asks once more before hiding any.
The tools and keys follow the new setting at once (the main window listens to the schema).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from PySide6 import QtCore, QtWidgets

from labeler.domain import geometry as geo
from labeler.domain import kinds
from labeler.domain import schema as schema_mod
from labeler.services import schema as schema_svc
from ui import document as document_mod

TAG_MODES: tuple[tuple[schema_mod.TagMode, str], ...] = (
    (schema_mod.TagMode.NONE, "No image tags"),
    (schema_mod.TagMode.SINGLE, "One tag per image (classification)"),
    (schema_mod.TagMode.MULTI, "Any number of tags per image (multi-label)"),
)

#: Asked before labels are hidden: (the text saying what would be hidden) → go ahead?
HideAsker = Callable[[str], bool]


def ask_hide_with_dialog(parent: QtWidgets.QWidget) -> HideAsker:
    """The real question, asked with a message box."""

    def ask(text: str) -> bool:
        box = QtWidgets.QMessageBox(parent)
        box.setWindowTitle("Hide labels")
        box.setIcon(QtWidgets.QMessageBox.Icon.Warning)
        box.setText(text)
        hide = box.addButton("Hide them", QtWidgets.QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QtWidgets.QMessageBox.StandardButton.Cancel)
        box.exec()
        return box.clickedButton() is hide

    return ask


def hidden_text(
    before: schema_mod.TaskKinds,
    after: schema_mod.TaskKinds,
    counts: Mapping[geo.ShapeKind, tuple[int, int]],
) -> str:
    """What turning ``before`` into ``after`` hides, in words ("" when it hides nothing)."""
    parts = []
    for kind in kinds.KINDS:
        labels, images = counts.get(kind, (0, 0))
        if labels and before.shows(kind) and not after.shows(kind):
            spec = kinds.spec(kind)
            where = "1 image" if images == 1 else f"{images:,} images"
            parts.append(f"{spec.count(labels)} on {where}")
    if not parts:
        return ""
    return (
        f"Turning this off hides {', '.join(parts)}. They are kept (and still synced and "
        "exported) and come back when the kind is turned on again."
    )


class ProjectSettings(QtWidgets.QDialog):
    """The project's label kinds, applied with OK.

    Attributes:
        tag_mode: the tag mode choice.
        boxes: one check box per kind of shape, by kind.
        note: says what the change would hide, or which kinds hold hidden labels.
        error: why the setting cannot be applied (nothing on, or the store refused).
        ask_hide: asks before hiding labels (replaceable in tests).
    """

    def __init__(
        self, doc: document_mod.ProjectDocument, parent: QtWidgets.QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Project settings")
        self.setObjectName("projectSettings")
        self._doc = doc
        self._counts = doc.read(schema_svc.kind_counts)
        self.ask_hide: HideAsker = ask_hide_with_dialog(self)
        current = doc.schema.tasks

        self.tag_mode = QtWidgets.QComboBox()
        self.tag_mode.setObjectName("tagMode")
        for mode, text in TAG_MODES:
            self.tag_mode.addItem(text, mode)
        self.tag_mode.setCurrentIndex([m for m, _ in TAG_MODES].index(current.tags))
        self.tag_mode.currentIndexChanged.connect(self._update)

        self.boxes: dict[geo.ShapeKind, QtWidgets.QCheckBox] = {}
        shapes_box = QtWidgets.QGroupBox("Shapes drawn on the image")
        shapes_layout = QtWidgets.QVBoxLayout(shapes_box)
        for kind in kinds.SHAPE_KINDS:
            spec = kinds.spec(kind)
            box = QtWidgets.QCheckBox(f"{spec.plural.capitalize()}{self._count_text(kind)}")
            box.setObjectName(f"kind_{kind.value}")
            box.setChecked(kind in current.shapes)
            box.toggled.connect(self._update)
            shapes_layout.addWidget(box)
            self.boxes[kind] = box

        self.note = QtWidgets.QLabel("")
        self.note.setObjectName("kindsNote")
        self.note.setWordWrap(True)
        self.error = QtWidgets.QLabel("")
        self.error.setObjectName("kindsError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b00020;")
        self.buttons = QtWidgets.QDialogButtonBox(
            QtWidgets.QDialogButtonBox.StandardButton.Ok
            | QtWidgets.QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.apply)
        self.buttons.rejected.connect(self.reject)

        form = QtWidgets.QFormLayout()
        form.addRow(f"Image &tags{self._count_text(geo.ShapeKind.TAG)}:", self.tag_mode)
        layout = QtWidgets.QVBoxLayout(self)
        title = QtWidgets.QLabel("<b>Kinds of labels</b>")
        layout.addWidget(title)
        layout.addLayout(form)
        layout.addWidget(shapes_box)
        layout.addWidget(self.note)
        layout.addWidget(self.error)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        doc.errorOccurred.connect(self._on_error)
        self._update()
        self.resize(520, 360)

    @QtCore.Slot(str)
    def _on_error(self, text: str) -> None:
        self.error.setText(text)

    def _count_text(self, kind: geo.ShapeKind) -> str:
        labels, images = self._counts.get(kind, (0, 0))
        if not labels:
            return ""
        where = "1 image" if images == 1 else f"{images:,} images"
        return f" — {labels:,} on {where}"

    def chosen(self) -> schema_mod.TaskKinds:
        """The setting as the dialog shows it."""
        mode = schema_mod.TagMode(self.tag_mode.currentData())
        return schema_mod.TaskKinds(
            mode, frozenset(k for k, b in self.boxes.items() if b.isChecked())
        )

    def _update(self) -> None:
        before, after = self._doc.schema.tasks, self.chosen()
        text = hidden_text(before, after, self._counts)
        if not text:
            still = [
                kinds.spec(k).count(n)
                for k, (n, _) in self._counts.items()
                if n and not after.shows(k)
            ]
            text = f"Hidden while their kind is off: {', '.join(still)}." if still else ""
        self.note.setText(text)
        empty = not after.enabled
        self.error.setText("Turn on at least one kind of label." if empty else "")
        ok = self.buttons.button(QtWidgets.QDialogButtonBox.StandardButton.Ok)
        assert ok is not None
        ok.setEnabled(not empty)

    @QtCore.Slot()
    def apply(self) -> None:
        """Store the chosen setting (asking first when it hides labels) and close."""
        before, after = self._doc.schema.tasks, self.chosen()
        if after == before:
            self.accept()
            return
        text = hidden_text(before, after, self._counts)
        if text and not self.ask_hide(text):
            return
        if self._doc.edit(schema_svc.set_tasks, after):
            self.accept()  # a refusal stays open, its reason shown by _on_error
