"""Image tags for classification projects: one (single-label) or several (multi-label) classes."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6 import QtCore, QtGui, QtWidgets

from labeler.domain import schema as schema_mod
from ui import actions as actions_mod

_ID = QtCore.Qt.ItemDataRole.UserRole + 1


class TagsPanel(QtWidgets.QWidget):
    """The classes as check boxes; checking one in a single-label project replaces the tag.

    Signals:
        tagsRequested(list): the class ids the image should be tagged with.
    """

    tagsRequested = QtCore.Signal(list)

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.mode = schema_mod.TagMode.NONE
        self.list = QtWidgets.QListWidget()
        self.list.setObjectName("tagList")
        self.list.itemChanged.connect(self._on_item_changed)
        self.hint = QtWidgets.QLabel("")
        self.hint.setWordWrap(True)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.hint)
        layout.addWidget(self.list)
        self._updating = False

    def set_schema(self, schema: schema_mod.LabelSchema) -> None:
        self.mode = schema.tasks.tags
        role = next((r for r in actions_mod.class_key_roles(schema.tasks) if r.tags), None)
        how = "One class per image" if self.mode is schema_mod.TagMode.SINGLE else "Any classes"
        if role is None:
            self.hint.setText(f"{how}.")
        else:
            keys = f"{role.modifier.rstrip('+')} + its key" if role.modifier else "Its key"
            self.hint.setText(f"{how}. {keys}: {role.text}.")
        modifier = role.modifier if role is not None else ""
        self._updating = True
        try:
            self.list.clear()
            for cls in schema.classes:
                key = f"{modifier}{cls.hotkey.upper()}  " if cls.hotkey else "    "
                item = QtWidgets.QListWidgetItem(f"{key}{cls.name}")
                pixmap = QtGui.QPixmap(12, 12)
                pixmap.fill(QtGui.QColor(cls.color))
                item.setIcon(QtGui.QIcon(pixmap))
                item.setData(_ID, cls.id)
                item.setFlags(item.flags() | QtCore.Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(QtCore.Qt.CheckState.Unchecked)
                self.list.addItem(item)
        finally:
            self._updating = False

    def set_tags(self, class_ids: Sequence[str]) -> None:
        wanted = set(class_ids)
        self._updating = True
        try:
            for row in range(self.list.count()):
                item = self.list.item(row)
                on = item.data(_ID) in wanted
                item.setCheckState(
                    QtCore.Qt.CheckState.Checked if on else QtCore.Qt.CheckState.Unchecked
                )
        finally:
            self._updating = False

    def checked(self) -> list[str]:
        return [
            str(self.list.item(r).data(_ID))
            for r in range(self.list.count())
            if self.list.item(r).checkState() == QtCore.Qt.CheckState.Checked
        ]

    def _on_item_changed(self, item: QtWidgets.QListWidgetItem) -> None:
        if self._updating:
            return
        if self.mode is schema_mod.TagMode.SINGLE:
            on = item.checkState() == QtCore.Qt.CheckState.Checked
            self.tagsRequested.emit([str(item.data(_ID))] if on else [])
        else:
            self.tagsRequested.emit(self.checked())
