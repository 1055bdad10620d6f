"""The Attributes tab of the schema editor: the project's own shape attributes (yes/no, choice,
text), beyond the difficult, truncated, occluded and crowd every shape has."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6 import QtCore, QtWidgets

from labeler.domain import schema as schema_mod
from labeler.services import schema as schema_svc
from ui import document as document_mod

_NAME = QtCore.Qt.ItemDataRole.UserRole + 1


class AttributesTab(QtWidgets.QWidget):
    """Lists the attributes; a form adds one, a button removes the selected one.

    Args:
        doc: the open project (the list follows its schema).
        edit: stores a change through the document, showing a refusal where the editor does.
    """

    def __init__(self, doc: document_mod.ProjectDocument, edit: Callable[..., bool]) -> None:
        super().__init__()
        self._doc = doc
        self._edit = edit
        self.attributes = QtWidgets.QListWidget()
        self.attributes.setObjectName("schemaAttributes")
        self.attr_name = QtWidgets.QLineEdit()
        self.attr_name.setObjectName("attributeName")
        self.attr_kind = QtWidgets.QComboBox()
        self.attr_kind.setObjectName("attributeKind")
        for kind, text in (
            (schema_mod.AttributeKind.BOOL, "yes / no"),
            (schema_mod.AttributeKind.CHOICE, "one of several choices"),
            (schema_mod.AttributeKind.TEXT, "free text"),
        ):
            self.attr_kind.addItem(text, kind)
        self.attr_choices = QtWidgets.QLineEdit()
        self.attr_choices.setObjectName("attributeChoices")
        self.attr_choices.setPlaceholderText("comma-separated, e.g. red, green, blue")
        self.attr_default = QtWidgets.QLineEdit()
        self.attr_default.setObjectName("attributeDefault")
        self.attr_default.setPlaceholderText("optional")
        self.attr_kind.currentIndexChanged.connect(lambda _index: self._on_kind_changed())
        self._on_kind_changed()
        add = QtWidgets.QPushButton("Add attribute")
        add.setAutoDefault(False)
        add.clicked.connect(self._on_add_attribute)
        remove = QtWidgets.QPushButton("Remove selected")
        remove.setAutoDefault(False)
        remove.clicked.connect(self._on_remove_attribute)
        form = QtWidgets.QFormLayout()
        form.addRow("Name", self.attr_name)
        form.addRow("Kind", self.attr_kind)
        form.addRow("Choices", self.attr_choices)
        form.addRow("Default", self.attr_default)
        form.addRow("", add)
        form.addRow("", remove)
        note = QtWidgets.QLabel(
            "Every shape also has difficult, truncated, occluded and crowd. Removing an attribute "
            "keeps the values already given in the shapes' history."
        )
        note.setWordWrap(True)
        layout = QtWidgets.QHBoxLayout(self)
        layout.addWidget(self.attributes, 1)
        right = QtWidgets.QVBoxLayout()
        right.addLayout(form)
        right.addWidget(note)
        right.addStretch(1)
        layout.addLayout(right)

    def _kind(self) -> schema_mod.AttributeKind:
        # Qt hands the item data back as plain text: make it the enum again.
        return schema_mod.AttributeKind(str(self.attr_kind.currentData()))

    def _on_kind_changed(self) -> None:
        self.attr_choices.setEnabled(self._kind() is schema_mod.AttributeKind.CHOICE)
        self.attr_default.setEnabled(self._kind() is not schema_mod.AttributeKind.BOOL)

    def _on_add_attribute(self) -> None:
        kind = self._kind()
        choices = [c for c in self.attr_choices.text().split(",") if c.strip()]
        default = self.attr_default.text().strip() if self.attr_default.isEnabled() else ""
        if self.add_attribute(self.attr_name.text(), kind, choices, default):
            self.attr_name.clear()
            self.attr_choices.clear()
            self.attr_default.clear()

    def _on_remove_attribute(self) -> None:
        # Qt's stubs say currentItem() always returns an item; it is None when nothing is selected.
        item: QtWidgets.QListWidgetItem | None = self.attributes.currentItem()
        if item is None:
            self._doc.errorOccurred.emit("Select the attribute to remove")
            return
        self.remove_attribute(str(item.data(_NAME)))

    def fill(self, schema: schema_mod.LabelSchema) -> None:
        """Show the schema's attributes."""
        self.attributes.clear()
        for attr in schema.attributes:
            kind = {"bool": "yes / no", "choice": "choice", "text": "text"}[attr.kind.value]
            extra = f": {', '.join(attr.choices)}" if attr.choices else ""
            default = f" (default {attr.default})" if attr.default not in (None, "") else ""
            item = QtWidgets.QListWidgetItem(f"{attr.name} — {kind}{extra}{default}")
            item.setData(_NAME, attr.name)
            self.attributes.addItem(item)

    def add_attribute(
        self,
        name: str,
        kind: schema_mod.AttributeKind,
        choices: Sequence[str] = (),
        default: str | None = None,
    ) -> bool:
        return self._edit(
            schema_svc.add_attribute, name, kind, choices=list(choices), default=default or None
        )

    def remove_attribute(self, name: str) -> bool:
        return self._edit(schema_svc.remove_attribute, name)
