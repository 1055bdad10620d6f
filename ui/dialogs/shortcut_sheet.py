"""The shortcut sheet (``?``): every key, grouped by menu, with any clash found at start."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6 import QtCore, QtWidgets

from ui import actions as actions_mod


class ShortcutSheet(QtWidgets.QDialog):
    """A read-only table of actions and their keys."""

    def __init__(
        self,
        actions: actions_mod.ActionSet,
        class_keys: Sequence[tuple[str, str]] = (),
        notes: Sequence[str] = (),
        parent: QtWidgets.QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.table = QtWidgets.QTableWidget(0, 3)
        self.table.setObjectName("shortcutTable")
        self.table.setHorizontalHeaderLabels(["Keys", "Action", "What it does"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.NoSelection)
        for menu in actions_mod.MENUS:
            self._add_section(menu)
            for spec in actions_mod.ACTIONS:
                if spec.menu == menu:
                    keys = ", ".join(actions.keys_of(spec.name)) or "—"
                    self._add_row(keys, spec.text.replace("&", ""), spec.tip)
        self._add_section("Classes")
        for key, name in class_keys:
            self._add_row(key, name, "Use this class (tag projects: set or switch the tag)")
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QtWidgets.QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QtWidgets.QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        layout = QtWidgets.QVBoxLayout(self)
        for note in notes:
            label = QtWidgets.QLabel(note)
            label.setWordWrap(True)
            label.setStyleSheet("color: #b00020;")
            layout.addWidget(label)
        arrows = QtWidgets.QLabel(
            "← and → change image while no shape is selected; with a selection they move it."
        )
        arrows.setWordWrap(True)
        layout.addWidget(arrows)
        layout.addWidget(self.table)
        close = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout.addWidget(close)
        self.resize(640, 720)

    def _add_section(self, title: str) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        item = QtWidgets.QTableWidgetItem(title)
        font = item.font()
        font.setBold(True)
        item.setFont(font)
        self.table.setItem(row, 0, item)
        self.table.setSpan(row, 0, 1, 3)

    def _add_row(self, keys: str, name: str, tip: str) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        for col, text in enumerate((keys, name, tip)):
            item = QtWidgets.QTableWidgetItem(text)
            item.setFlags(QtCore.Qt.ItemFlag.ItemIsEnabled)
            self.table.setItem(row, col, item)

    def rows(self) -> list[tuple[str, str]]:
        """(keys, action) pairs as shown, for checks."""
        out = []
        for r in range(self.table.rowCount()):
            k, a = self.table.item(r, 0), self.table.item(r, 1)
            if k is not None and a is not None:
                out.append((k.text(), a.text()))
        return out
