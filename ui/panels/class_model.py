"""The list model behind the class panel: one row per class, in schema order."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6 import QtCore, QtGui

from labeler.domain import schema as schema_mod

_Idx = QtCore.QModelIndex | QtCore.QPersistentModelIndex
R = QtCore.Qt.ItemDataRole

ClassIdRole = R.UserRole + 1
HotkeyRole = R.UserRole + 2
CountRole = R.UserRole + 3
CurrentRole = R.UserRole + 4
ColorRole = R.UserRole + 5


class ClassListModel(QtCore.QAbstractListModel):
    """Classes with their colour, hotkey and annotation count; the drawing class is marked."""

    def __init__(self, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self._classes: tuple[schema_mod.LabelClass, ...] = ()
        self._counts: dict[str, int] = {}
        self._current: str | None = None

    def set_schema(self, schema: schema_mod.LabelSchema) -> None:
        self.beginResetModel()
        self._classes = schema.classes
        self.endResetModel()

    def set_counts(self, counts: Mapping[str, int]) -> None:
        self._counts = dict(counts)
        if self._classes:
            self.dataChanged.emit(
                self.index(0), self.index(len(self._classes) - 1), [R.DisplayRole, CountRole]
            )

    def set_current(self, class_id: str | None) -> None:
        rows = [self.row_of(c) for c in (self._current, class_id)]
        self._current = class_id
        for row in rows:
            if row is not None:
                idx = self.index(row)
                self.dataChanged.emit(idx, idx, [CurrentRole, R.FontRole])

    def row_of(self, class_id: str | None) -> int | None:
        return next((i for i, c in enumerate(self._classes) if c.id == class_id), None)

    def class_at(self, row: int) -> schema_mod.LabelClass:
        return self._classes[row]

    def rowCount(self, parent: _Idx = QtCore.QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._classes)

    def data(self, index: _Idx, role: int = R.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._classes):
            return None
        c = self._classes[index.row()]
        count = self._counts.get(c.id, 0)
        match role:
            case R.DisplayRole:
                return c.name
            case R.DecorationRole:
                return QtGui.QColor(c.color)
            case R.ToolTipRole:
                key = f", key {c.hotkey.upper()}" if c.hotkey else ""
                return f"{c.name}: {count:,} annotations{key}"
            case R.FontRole:
                font = QtGui.QFont()
                font.setBold(c.id == self._current)
                return font
            case _ if role == ClassIdRole:
                return c.id
            case _ if role == HotkeyRole:
                return c.hotkey.upper() if c.hotkey else ""
            case _ if role == CountRole:
                return count
            case _ if role == CurrentRole:
                return c.id == self._current
            case _ if role == ColorRole:
                return c.color
        return None

    def flags(self, index: _Idx) -> QtCore.Qt.ItemFlag:
        if not index.isValid():
            return QtCore.Qt.ItemFlag.NoItemFlags
        return QtCore.Qt.ItemFlag.ItemIsEnabled | QtCore.Qt.ItemFlag.ItemIsSelectable
