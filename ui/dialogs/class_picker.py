"""Type-to-filter class picker, for schemas with more classes than digit keys."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6 import QtCore, QtGui, QtWidgets

from labeler.domain import schema as schema_mod

_ID = QtCore.Qt.ItemDataRole.UserRole + 1


class ClassPicker(QtWidgets.QDialog):
    """A search box over the classes; Enter picks the highlighted one.

    Signals:
        classPicked(str): the class id chosen.
    """

    classPicked = QtCore.Signal(str)

    def __init__(
        self, classes: Sequence[schema_mod.LabelClass], parent: QtWidgets.QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Choose a class")
        self.search = QtWidgets.QLineEdit()
        self.search.setPlaceholderText("Type part of a class name…")
        self.search.setObjectName("classSearch")
        self.list = QtWidgets.QListWidget()
        self.list.setObjectName("classChoices")
        for cls in classes:
            item = QtWidgets.QListWidgetItem(cls.name)
            pixmap = QtGui.QPixmap(12, 12)
            pixmap.fill(QtGui.QColor(cls.color))
            item.setIcon(QtGui.QIcon(pixmap))
            item.setData(_ID, cls.id)
            self.list.addItem(item)
        self.search.textChanged.connect(self._filter)
        self.search.returnPressed.connect(self._pick_current)
        self.list.itemActivated.connect(self._pick)
        self.search.installEventFilter(self)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addWidget(self.list)
        self._filter("")
        self.resize(320, 400)

    def visible_names(self) -> list[str]:
        return [
            self.list.item(r).text()
            for r in range(self.list.count())
            if not self.list.item(r).isHidden()
        ]

    def _filter(self, text: str) -> None:
        needle = text.strip().casefold()
        first: QtWidgets.QListWidgetItem | None = None
        # Names that start with the text come first in attention: pick them before inner matches.
        starts: QtWidgets.QListWidgetItem | None = None
        for r in range(self.list.count()):
            item = self.list.item(r)
            name = item.text().casefold()
            hit = needle in name
            item.setHidden(not hit)
            if hit and first is None:
                first = item
            if hit and starts is None and name.startswith(needle):
                starts = item
        chosen = starts or first
        if chosen is not None:
            self.list.setCurrentItem(chosen)

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        # Up and down in the search box move through the list, so hands stay on the keyboard.
        if watched is self.search and event.type() == QtCore.QEvent.Type.KeyPress:
            assert isinstance(event, QtGui.QKeyEvent)
            if event.key() in (QtCore.Qt.Key.Key_Up, QtCore.Qt.Key.Key_Down):
                self._step(-1 if event.key() == QtCore.Qt.Key.Key_Up else 1)
                return True
        return super().eventFilter(watched, event)

    def _step(self, delta: int) -> None:
        rows = [r for r in range(self.list.count()) if not self.list.item(r).isHidden()]
        if not rows:
            return
        cur = self.list.currentRow()
        pos = rows.index(cur) if cur in rows else -1
        self.list.setCurrentRow(rows[max(0, min(len(rows) - 1, pos + delta))])

    def _pick_current(self) -> None:
        item = self.list.currentItem()
        if item is not None and not item.isHidden():
            self._pick(item)

    def _pick(self, item: QtWidgets.QListWidgetItem) -> None:
        self.classPicked.emit(str(item.data(_ID)))
        self.accept()
