"""The shortcut sheet (``?``): every key, grouped by menu, with any clash found at start; a row's
keys can be changed there (kept in the app's settings, applied at once, clashes refused)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6 import QtCore, QtWidgets

from ui import actions as actions_mod
from ui import settings as settings_mod

_NAME_ROLE = QtCore.Qt.ItemDataRole.UserRole


class ShortcutSheet(QtWidgets.QDialog):
    """A table of actions and their keys; select an action's row to give it other keys.

    Signals:
        keysChanged(): an action's keys changed (stored and applied already).
    """

    keysChanged = QtCore.Signal()

    def __init__(
        self,
        actions: actions_mod.ActionSet,
        class_keys: Sequence[tuple[str, str, str]] = (),
        notes: Sequence[str] = (),
        parent: QtWidgets.QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._actions = actions
        self._class_keys = {actions_mod.normalise(k): name for k, name, _ in class_keys if k}
        self.setWindowTitle("Keyboard shortcuts")
        self.table = QtWidgets.QTableWidget(0, 3)
        self.table.setObjectName("shortcutTable")
        self.table.setHorizontalHeaderLabels(["Keys", "Action", "What it does"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self._fill(class_keys)
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
        layout.addLayout(self._editor())
        close = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout.addWidget(close)
        self.resize(640, 720)

    def _fill(self, class_keys: Sequence[tuple[str, str, str]]) -> None:
        self.table.setRowCount(0)
        for menu in actions_mod.MENUS:
            self._add_section(menu)
            for spec in actions_mod.ACTIONS:
                if spec.menu == menu:
                    keys = ", ".join(self._actions.keys_of(spec.name)) or "—"
                    self._add_row(keys, spec.text.replace("&", ""), spec.tip, spec.name)
        self._add_section("Classes (change their keys in Edit → Classes…)")
        if not class_keys:
            self._add_row("1–9", "(no classes yet)", "add classes in the Classes panel first")
        for key, name, what in class_keys:
            self._add_row(key, name, what)

    def _editor(self) -> QtWidgets.QHBoxLayout:
        """Under the table: record a key for the selected action, set it, or reset it."""
        self.recorder = QtWidgets.QKeySequenceEdit()
        self.recorder.setObjectName("keyRecorder")
        self.recorder.setMaximumSequenceLength(1)
        self.recorder.setToolTip("Select an action above, press the keys, then Set")
        self.set_button = QtWidgets.QPushButton("&Set")
        self.set_button.setObjectName("setKeys")
        self.set_button.clicked.connect(self._on_set)
        self.clear_button = QtWidgets.QPushButton("&No key")
        self.clear_button.setObjectName("clearKeys")
        self.clear_button.clicked.connect(lambda: self._store(""))
        self.reset_button = QtWidgets.QPushButton("&Default")
        self.reset_button.setObjectName("resetKeys")
        self.reset_button.clicked.connect(lambda: self._store(None))
        self.message = QtWidgets.QLabel("")
        self.message.setObjectName("keyMessage")
        self.message.setWordWrap(True)
        row = QtWidgets.QHBoxLayout()
        row.addWidget(QtWidgets.QLabel("New key:"))
        for widget in (self.recorder, self.set_button, self.clear_button, self.reset_button):
            row.addWidget(widget)
        row.addWidget(self.message, 1)
        return row

    def selected_action(self) -> str | None:
        """The name of the action whose row is selected (None: a section or a class)."""
        rows = self.table.selectionModel().selectedRows(1)
        if not rows:
            return None
        item = self.table.item(rows[0].row(), 1)
        name = item.data(_NAME_ROLE) if item is not None else None
        return str(name) if name else None

    def select_action(self, name: str) -> None:
        for r in range(self.table.rowCount()):
            item = self.table.item(r, 1)
            if item is not None and item.data(_NAME_ROLE) == name:
                self.table.selectRow(r)
                return

    def _on_set(self) -> None:
        key = actions_mod.normalise(self.recorder.keySequence().toString())
        if not key:
            self._say("Press the new keys in the box first.", error=True)
            return
        self._store(key)

    def _store(self, key: str | None) -> None:
        """Give the selected action ``key`` ("" no key, None its default), unless taken."""
        name = self.selected_action()
        if name is None:
            self._say("Select an action's row first.", error=True)
            return
        if key:
            owner = self._actions.taken_keys().get(key)
            if owner is not None and owner != name:
                taken = actions_mod.BY_NAME[owner].text.replace("&", "")
                self._say(f"{key} is already “{taken}”: give that action another key first.", True)
                return
            if key in self._class_keys:
                self._say(f"{key} is the hotkey of class “{self._class_keys[key]}”.", error=True)
                return
        settings_mod.set_shortcut_override(name, key)
        clashes = self._actions.apply_keys(settings_mod.shortcut_overrides())
        if clashes:  # a default brought back may collide with a key given to another action
            self._say(" ".join(c.message() for c in clashes), error=True)
        else:
            what = "default keys" if key is None else (key or "no key")
            text = actions_mod.BY_NAME[name].text.replace("&", "")
            self._say(f"“{text}”: {what}.")
        self._refresh_keys()
        self.keysChanged.emit()

    def _refresh_keys(self) -> None:
        for r in range(self.table.rowCount()):
            item = self.table.item(r, 1)
            name = item.data(_NAME_ROLE) if item is not None else None
            keys_item = self.table.item(r, 0)
            if name and keys_item is not None:
                keys_item.setText(", ".join(self._actions.keys_of(str(name))) or "—")

    def _say(self, text: str, error: bool = False) -> None:
        self.message.setStyleSheet("color: #b00020;" if error else "")
        self.message.setText(text)

    def _add_section(self, title: str) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        item = QtWidgets.QTableWidgetItem(title)
        item.setFlags(QtCore.Qt.ItemFlag.ItemIsEnabled)
        font = item.font()
        font.setBold(True)
        item.setFont(font)
        self.table.setItem(row, 0, item)
        self.table.setSpan(row, 0, 1, 3)

    def _add_row(self, keys: str, name: str, tip: str, action: str | None = None) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        flags = QtCore.Qt.ItemFlag.ItemIsEnabled
        if action is not None:  # only actions' rows are selectable: their keys can change
            flags |= QtCore.Qt.ItemFlag.ItemIsSelectable
        for col, text in enumerate((keys, name, tip)):
            item = QtWidgets.QTableWidgetItem(text)
            item.setFlags(flags)
            if col == 1 and action is not None:
                item.setData(_NAME_ROLE, action)
            self.table.setItem(row, col, item)

    def rows(self) -> list[tuple[str, str]]:
        """(keys, action) pairs as shown, for checks."""
        out = []
        for r in range(self.table.rowCount()):
            k, a = self.table.item(r, 0), self.table.item(r, 1)
            if k is not None and a is not None:
                out.append((k.text(), a.text()))
        return out
