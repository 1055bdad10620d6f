"""The table model behind the annotation list: the current image's shapes, one row each.

Columns: class, kind, then one column per attribute (the common ones, then the schema's own).
The model only adapts: an edit in the table is turned into a request signal, and the table shows
the new value once the edit is stored and the annotations come back through ``set_annotations``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6 import QtCore, QtGui

from labeler.domain import annotation as ann_mod
from labeler.domain import kinds
from labeler.domain import schema as schema_mod

_Idx = QtCore.QModelIndex | QtCore.QPersistentModelIndex
R = QtCore.Qt.ItemDataRole
F = QtCore.Qt.ItemFlag

AnnotationIdRole = R.UserRole + 1
ATTRIBUTE_NAME_ROLE = R.UserRole + 2  # header data: the attribute's name
CLASS_COLUMN = 0
KIND_COLUMN = 1
FIRST_ATTRIBUTE_COLUMN = 2


class AnnotationTableModel(QtCore.QAbstractTableModel):
    """Shapes of the current image with class, kind and attributes.

    Signals:
        classChangeRequested(str, str): annotation id, new class id.
        attributesChangeRequested(str, dict): annotation id, attribute values to set.
    """

    classChangeRequested = QtCore.Signal(str, str)
    attributesChangeRequested = QtCore.Signal(str, dict)

    def __init__(self, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[ann_mod.Annotation] = []
        self._schema = schema_mod.LabelSchema((), (), schema_mod.TaskKinds())
        self._classes: dict[str, schema_mod.LabelClass] = {}
        self._attrs: list[tuple[str, schema_mod.AttributeKind]] = []
        self.set_schema(self._schema)

    def set_schema(self, schema: schema_mod.LabelSchema) -> None:
        self.beginResetModel()
        self._schema = schema
        self._classes = schema.by_id()
        common = [(n, schema_mod.AttributeKind.BOOL) for n in schema_mod.COMMON_ATTRIBUTES]
        own = [(a.name, a.kind) for a in schema.attributes if a.name not in dict(common)]
        self._attrs = common + own
        self.endResetModel()

    def set_annotations(self, annotations: Sequence[ann_mod.Annotation]) -> None:
        self.beginResetModel()
        self._rows = list(annotations)
        self.endResetModel()

    @property
    def classes(self) -> tuple[schema_mod.LabelClass, ...]:
        return self._schema.classes

    def annotation_at(self, row: int) -> ann_mod.Annotation:
        return self._rows[row]

    def row_of(self, annotation_id: str) -> int | None:
        return next((i for i, a in enumerate(self._rows) if a.id == annotation_id), None)

    def attribute_names(self) -> list[str]:
        return [name for name, _ in self._attrs]

    def rowCount(self, parent: _Idx = QtCore.QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Idx = QtCore.QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else FIRST_ATTRIBUTE_COLUMN + len(self._attrs)

    def headerData(
        self, section: int, orientation: QtCore.Qt.Orientation, role: int = R.DisplayRole
    ) -> Any:
        if orientation != QtCore.Qt.Orientation.Horizontal:
            return None
        if section in (CLASS_COLUMN, KIND_COLUMN):
            return (
                ("Class" if section == CLASS_COLUMN else "Kind") if role == R.DisplayRole else None
            )
        i = section - FIRST_ATTRIBUTE_COLUMN
        if not 0 <= i < len(self._attrs):
            return None
        name = self._attrs[i][0].replace("_", " ")
        if role == R.ToolTipRole:
            return name
        if role == R.DisplayRole:
            # The common yes/no attributes get one-letter headers so the list fits a side panel;
            # the full name is the tooltip (and on the attributes panel).
            return name[:1].upper() if name in schema_mod.COMMON_ATTRIBUTES else name
        if role == ATTRIBUTE_NAME_ROLE:
            return self._attrs[i][0]
        return None

    def data(self, index: _Idx, role: int = R.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        a = self._rows[index.row()]
        col = index.column()
        if role == AnnotationIdRole:
            return a.id
        if col == CLASS_COLUMN:
            cls = self._classes.get(a.class_id or "")
            if role in (R.DisplayRole, R.ToolTipRole):
                return cls.name if cls else "(no class)"
            if role == R.EditRole:
                return a.class_id
            if role == R.DecorationRole and cls is not None:
                return QtGui.QColor(cls.color)
            return None
        if col == KIND_COLUMN:
            return kinds.spec(a.kind).name if role == R.DisplayRole else None
        i = col - FIRST_ATTRIBUTE_COLUMN
        if not 0 <= i < len(self._attrs):
            return None
        name, kind = self._attrs[i]
        value = a.attributes.get(name)
        if kind is schema_mod.AttributeKind.BOOL:
            if role == R.CheckStateRole:
                return QtCore.Qt.CheckState.Checked if value else QtCore.Qt.CheckState.Unchecked
            return None
        if role in (R.DisplayRole, R.EditRole):
            return "" if value is None else str(value)
        return None

    def flags(self, index: _Idx) -> F:
        if not index.isValid():
            return F.NoItemFlags
        base = F.ItemIsEnabled | F.ItemIsSelectable
        col = index.column()
        if col == CLASS_COLUMN:
            return base | F.ItemIsEditable
        i = col - FIRST_ATTRIBUTE_COLUMN
        if 0 <= i < len(self._attrs):
            if self._attrs[i][1] is schema_mod.AttributeKind.BOOL:
                return base | F.ItemIsUserCheckable
            return base | F.ItemIsEditable
        return base

    def setData(self, index: _Idx, value: Any, role: int = R.EditRole) -> bool:
        if not index.isValid():
            return False
        a = self._rows[index.row()]
        col = index.column()
        if col == CLASS_COLUMN and role == R.EditRole:
            if isinstance(value, str) and value in self._classes and value != a.class_id:
                self.classChangeRequested.emit(a.id, value)
                return True
            return False
        i = col - FIRST_ATTRIBUTE_COLUMN
        if not 0 <= i < len(self._attrs):
            return False
        name, kind = self._attrs[i]
        if kind is schema_mod.AttributeKind.BOOL and role == R.CheckStateRole:
            checked = QtCore.Qt.CheckState(value) == QtCore.Qt.CheckState.Checked
            self.attributesChangeRequested.emit(a.id, {name: checked})
            return True
        if kind is not schema_mod.AttributeKind.BOOL and role == R.EditRole:
            self.attributesChangeRequested.emit(a.id, {name: str(value)})
            return True
        return False
