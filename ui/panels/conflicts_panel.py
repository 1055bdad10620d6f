"""The Conflicts panel: labels changed here and on the server at once, and the three ways out."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from PySide6 import QtCore, QtWidgets

from labeler.sync import names

if TYPE_CHECKING:  # the sync engine loads only once a project is linked
    from labeler.services import sync

COLUMNS = ("Image", "Class", "Mine", "Theirs", "Who", "Found")


def _shape(version: dict[str, Any]) -> str:
    """One short line for a version: deleted, a box, a polygon, or a status."""
    if version.get("deleted"):
        return "deleted"
    geometry = version.get("geometry")
    if isinstance(geometry, dict):
        if {"x", "y", "w", "h"} <= geometry.keys():
            g = geometry
            return f"box {g['x']:.0f},{g['y']:.0f} {g['w']:.0f}×{g['h']:.0f}"
        points = geometry.get("points")
        if isinstance(points, list):
            return f"polygon, {len(points)} points"
    if "status" in version:
        return str(version["status"])
    return json.dumps(version.get("geometry", version), default=str)[:60]


def _when(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value is not None else "?"


class ConflictsPanel(QtWidgets.QWidget):
    """A table of open conflicts with keep mine / take theirs / keep both.

    Signals:
        resolveRequested(str, object): conflict id and the ``names.Choice``.
        conflictSelected(object): the ``sync.Conflict`` the user selected (to show its image).
    """

    resolveRequested = QtCore.Signal(str, object)
    conflictSelected = QtCore.Signal(object)

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self._conflicts: list[sync.Conflict] = []
        self.table = QtWidgets.QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("conflictsTable")
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.empty = QtWidgets.QLabel("No conflicts: every label agrees with the server.")
        self.empty.setWordWrap(True)
        self.buttons: dict[names.Choice, QtWidgets.QPushButton] = {}
        row = QtWidgets.QHBoxLayout()
        for choice, text, tip in (
            (names.Choice.MINE, "Keep &mine", "Keep this workstation's version (sent at the next sync)"),
            (names.Choice.THEIRS, "Take &theirs", "Take the server's version"),
            (names.Choice.BOTH, "Keep &both", "Keep the server's version and mine as a new label"),
        ):  # fmt: skip
            button = QtWidgets.QPushButton(text)
            button.setObjectName(f"resolve_{choice.value}")
            button.setToolTip(tip)
            button.clicked.connect(lambda _=False, c=choice: self._resolve(c))
            row.addWidget(button)
            self.buttons[choice] = button
        row.addStretch(1)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.empty)
        layout.addWidget(self.table, 1)
        layout.addLayout(row)
        self.table.itemSelectionChanged.connect(self._on_selection)
        self.set_conflicts([])

    def set_conflicts(self, conflicts: list[sync.Conflict]) -> None:
        """Show ``conflicts``, keeping the selection on the same conflict where it still exists."""
        kept = self.selected()
        self._conflicts = list(conflicts)
        self.table.blockSignals(True)
        self.table.setRowCount(len(conflicts))
        for r, c in enumerate(conflicts):
            cls = c.local_class or c.remote_class or c.kind.replace("_", " ")
            if c.local_class and c.remote_class and c.local_class != c.remote_class:
                cls = f"{c.local_class} / {c.remote_class}"
            cells = (
                c.image_path or "(not in this project)",
                cls,
                f"{_shape(c.local)} — {c.local_author or 'me'}, {_when(c.local_at)}",
                f"{_shape(c.remote)} — {c.remote_author}, {_when(c.remote_at)}",
                f"{c.local_author or 'me'} / {c.remote_author}",
                _when(c.detected_at),
            )
            for col, text in enumerate(cells):
                item = QtWidgets.QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(r, col, item)
        self.table.resizeColumnsToContents()
        if kept is not None:
            rows = [r for r, c in enumerate(conflicts) if c.id == kept.id]
            if rows:
                self.table.selectRow(rows[0])
        self.table.blockSignals(False)
        self.empty.setVisible(not conflicts)
        self._update_buttons()

    def count(self) -> int:
        return len(self._conflicts)

    def selected(self) -> sync.Conflict | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows or rows[0].row() >= len(self._conflicts):
            return None
        return self._conflicts[rows[0].row()]

    def select(self, row: int) -> None:
        self.table.selectRow(row)

    def _update_buttons(self) -> None:
        chosen = self.selected()
        for choice, button in self.buttons.items():
            # "both" keeps two labels: it only means something for an annotation.
            ok = chosen is not None and (
                choice is not names.Choice.BOTH or chosen.kind == "annotation"
            )
            button.setEnabled(ok)

    def _on_selection(self) -> None:
        self._update_buttons()
        chosen = self.selected()
        if chosen is not None:
            self.conflictSelected.emit(chosen)

    def _resolve(self, choice: names.Choice) -> None:
        chosen = self.selected()
        if chosen is not None:
            self.resolveRequested.emit(chosen.id, choice)
