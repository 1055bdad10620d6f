"""Keys that depend on the schema or on what the canvas is doing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6 import QtCore, QtGui, QtWidgets

from labeler.domain import schema as schema_mod
from ui import actions as actions_mod


class ClassHotkeys(QtCore.QObject):
    """One QAction per class hotkey (1–9 or a letter), remade whenever the schema changes.

    A class key that an app action already uses is left out and reported, never kept silently.

    Signals:
        classKey(str): the class id whose key was pressed.
        clash(str): a class key was left out; the text says why.
    """

    classKey = QtCore.Signal(str)
    clash = QtCore.Signal(str)

    def __init__(
        self,
        window: QtWidgets.QWidget,
        taken: Callable[[], dict[str, str]],
        parent: QtCore.QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._window = window
        self._taken = taken
        self._actions: list[QtGui.QAction] = []

    @QtCore.Slot(object)
    def on_schema_changed(self, schema: schema_mod.LabelSchema) -> None:
        for action in self._actions:
            self._window.removeAction(action)
            action.deleteLater()
        self._actions = []
        taken = self._taken()
        for cls in schema.classes:
            if not cls.hotkey:
                continue
            key = actions_mod.normalise(cls.hotkey.upper())
            if key in taken:
                owner = actions_mod.BY_NAME[taken[key]].text.replace("&", "")
                self.clash.emit(f"Class “{cls.name}” keeps no key: {key} is “{owner}”")
                continue
            action = QtGui.QAction(cls.name, self._window)
            action.setShortcut(QtGui.QKeySequence(key))
            action.setShortcutContext(QtCore.Qt.ShortcutContext.WindowShortcut)
            action.triggered.connect(_emit(self.classKey, cls.id))
            self._window.addAction(action)
            self._actions.append(action)

    def bindings(self) -> list[tuple[str, str]]:
        """(key, class name) pairs in use, for the shortcut sheet."""
        return [(a.shortcut().toString(), a.text()) for a in self._actions]


def _emit(signal: Any, value: str) -> Callable[[], None]:
    return lambda: signal.emit(value)
