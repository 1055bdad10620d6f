"""The annotation list of the current image, its selection kept in step with the canvas."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6 import QtCore, QtGui, QtWidgets

from labeler.domain import annotation as ann_mod
from labeler.domain import schema as schema_mod
from ui.panels import annotation_model as model_mod

_Idx = QtCore.QModelIndex | QtCore.QPersistentModelIndex
SEL = QtCore.QItemSelectionModel.SelectionFlag


class ClassComboDelegate(QtWidgets.QStyledItemDelegate):
    """Edits the class column with a drop-down of the schema's classes."""

    def createEditor(
        self, parent: QtWidgets.QWidget, option: QtWidgets.QStyleOptionViewItem, index: _Idx
    ) -> QtWidgets.QWidget:
        combo = QtWidgets.QComboBox(parent)
        model = index.model()
        assert isinstance(model, model_mod.AnnotationTableModel)
        for cls in model.classes:
            combo.addItem(_swatch(cls.color), cls.name, cls.id)
        return combo

    def setEditorData(self, editor: QtWidgets.QWidget, index: _Idx) -> None:
        assert isinstance(editor, QtWidgets.QComboBox)
        editor.setCurrentIndex(max(0, editor.findData(index.data(QtCore.Qt.ItemDataRole.EditRole))))

    def setModelData(
        self, editor: QtWidgets.QWidget, model: QtCore.QAbstractItemModel, index: _Idx
    ) -> None:
        assert isinstance(editor, QtWidgets.QComboBox)
        model.setData(index, editor.currentData(), QtCore.Qt.ItemDataRole.EditRole)


def _swatch(colour: str) -> QtGui.QIcon:
    pixmap = QtGui.QPixmap(12, 12)
    pixmap.fill(QtGui.QColor(colour))
    return QtGui.QIcon(pixmap)


class AnnotationPanel(QtWidgets.QWidget):
    """A table of the shapes on the current image.

    Signals:
        selectionChanged(list): annotation ids the user selected in the list.
    """

    selectionChanged = QtCore.Signal(list)

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model_mod.AnnotationTableModel(self)
        self.view = QtWidgets.QTableView()
        self.view.setObjectName("annotationList")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setItemDelegateForColumn(model_mod.CLASS_COLUMN, ClassComboDelegate(self.view))
        self.view.setEditTriggers(
            QtWidgets.QAbstractItemView.EditTrigger.DoubleClicked
            | QtWidgets.QAbstractItemView.EditTrigger.EditKeyPressed
        )
        self.view.verticalHeader().setVisible(False)
        self.view.horizontalHeader().setStretchLastSection(False)
        self.view.horizontalHeader().setMinimumSectionSize(24)
        self.view.setAlternatingRowColors(True)
        self.view.selectionModel().selectionChanged.connect(self._on_view_selection)
        self.model.modelReset.connect(self._fit_columns)
        self._echo = False
        self._wanted: list[str] = []
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)

    def set_schema(self, schema: schema_mod.LabelSchema) -> None:
        self.model.set_schema(schema)

    def set_annotations(self, annotations: Sequence[ann_mod.Annotation]) -> None:
        shapes = [a for a in annotations if a.kind.value != "tag"]
        self.model.set_annotations(shapes)
        self.select(self._wanted)

    def selected_ids(self) -> list[str]:
        rows = sorted({i.row() for i in self.view.selectionModel().selectedRows()})
        return [self.model.annotation_at(r).id for r in rows]

    def select(self, ids: Sequence[str]) -> None:
        """Select these annotations without announcing it back (it came from the canvas)."""
        self._wanted = list(ids)
        selection = QtCore.QItemSelection()
        for annotation_id in ids:
            row = self.model.row_of(annotation_id)
            if row is not None:
                left = self.model.index(row, 0)
                right = self.model.index(row, self.model.columnCount() - 1)
                selection.select(left, right)
        self._echo = True
        try:
            self.view.selectionModel().select(selection, SEL.ClearAndSelect | SEL.Rows)
        finally:
            self._echo = False

    def _on_view_selection(self, *_: object) -> None:
        if self._echo:
            return
        self._wanted = self.selected_ids()
        self.selectionChanged.emit(self._wanted)

    def _fit_columns(self) -> None:
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(
            model_mod.CLASS_COLUMN, QtWidgets.QHeaderView.ResizeMode.Stretch
        )
        for col in range(model_mod.KIND_COLUMN, self.model.columnCount()):
            header.setSectionResizeMode(col, QtWidgets.QHeaderView.ResizeMode.ResizeToContents)
