"""Attributes of the selected shapes: the common yes/no ones and the schema's own."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6 import QtCore, QtWidgets

from labeler.domain import annotation as ann_mod
from labeler.domain import schema as schema_mod

_COMMON_KEYS = {"difficult": "Alt+1", "truncated": "Alt+2", "occluded": "Alt+3", "crowd": "Alt+4"}


class AttributesPanel(QtWidgets.QWidget):
    """Check boxes and fields for the attributes of the selected shapes.

    A check box is partly checked when the selected shapes disagree; clicking it sets the value
    on all of them.

    Signals:
        attributesRequested(dict): attribute values to set on the selected shapes.
    """

    attributesRequested = QtCore.Signal(dict)

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self._form = QtWidgets.QFormLayout(self)
        self._form.setContentsMargins(6, 6, 6, 6)
        self._widgets: dict[str, QtWidgets.QWidget] = {}
        self._kinds: dict[str, schema_mod.AttributeKind] = {}
        self._updating = False
        self._hint = QtWidgets.QLabel("Select a shape to see its attributes")
        self._hint.setObjectName("hint")
        self.set_schema(schema_mod.LabelSchema((), (), schema_mod.TaskKinds()))

    def set_schema(self, schema: schema_mod.LabelSchema) -> None:
        while self._form.rowCount():
            self._form.removeRow(0)
        self._hint = QtWidgets.QLabel("Select a shape to see its attributes")
        self._form.addRow(self._hint)
        self._widgets = {}
        self._kinds = {}
        for name in schema_mod.COMMON_ATTRIBUTES:
            self._add(name, schema_mod.AttributeKind.BOOL, (), _COMMON_KEYS.get(name))
        for a in schema.attributes:
            if a.name not in self._widgets:
                self._add(a.name, a.kind, a.choices, None)
        self.set_selection([])

    def _add(
        self, name: str, kind: schema_mod.AttributeKind, choices: Sequence[str], key: str | None
    ) -> None:
        label = name.replace("_", " ")
        widget: QtWidgets.QWidget
        if kind is schema_mod.AttributeKind.BOOL:
            box = QtWidgets.QCheckBox(f"{label}  ({key})" if key else label)
            box.clicked.connect(lambda on, n=name: self._request(n, bool(on)))
            self._form.addRow(box)
            widget = box
        elif kind is schema_mod.AttributeKind.CHOICE:
            combo = QtWidgets.QComboBox()
            combo.addItem("", None)
            for choice in choices:
                combo.addItem(choice, choice)
            combo.activated.connect(lambda _i, n=name, c=combo: self._request(n, c.currentData()))
            self._form.addRow(label, combo)
            widget = combo
        else:
            edit = QtWidgets.QLineEdit()
            edit.editingFinished.connect(lambda n=name, e=edit: self._request(n, e.text()))
            self._form.addRow(label, edit)
            widget = edit
        widget.setObjectName(f"attr_{name}")
        self._widgets[name] = widget
        self._kinds[name] = kind

    def widget(self, name: str) -> QtWidgets.QWidget:
        return self._widgets[name]

    def _request(self, name: str, value: Any) -> None:
        if not self._updating:
            self.attributesRequested.emit({name: value})

    def set_selection(self, annotations: Sequence[ann_mod.Annotation]) -> None:
        """Show the attribute values of ``annotations`` (the selected shapes)."""
        self._updating = True
        try:
            self._hint.setVisible(not annotations)
            for name, widget in self._widgets.items():
                widget.setEnabled(bool(annotations))
                values = [a.attributes.get(name) for a in annotations]
                if isinstance(widget, QtWidgets.QCheckBox):
                    on = [bool(v) for v in values]
                    widget.setTristate(bool(on) and any(on) and not all(on))
                    widget.setCheckState(
                        QtCore.Qt.CheckState.PartiallyChecked
                        if widget.isTristate()
                        else QtCore.Qt.CheckState.Checked
                        if on and all(on)
                        else QtCore.Qt.CheckState.Unchecked
                    )
                elif isinstance(widget, QtWidgets.QComboBox):
                    same = values[0] if values and len(set(map(str, values))) == 1 else None
                    widget.setCurrentIndex(max(0, widget.findData(same)))
                elif isinstance(widget, QtWidgets.QLineEdit):
                    same = values[0] if values and len(set(map(str, values))) == 1 else None
                    widget.setText("" if same is None else str(same))
        finally:
            self._updating = False
