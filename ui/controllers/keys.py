"""Keys that depend on the schema or on what the canvas is doing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6 import QtCore, QtGui, QtWidgets

from labeler.domain import schema as schema_mod
from ui import actions as actions_mod

#: Digits a class may have as its key; one without a class says how to add one.
DIGITS = tuple(str(d) for d in range(1, 10))

NO_CLASS_HINT = (
    "No class has the key {key}. Add classes in the Classes panel (type their names), "
    "or in Edit → Classes… ({editor})"
)


class ClassHotkeys(QtCore.QObject):
    """QActions for the class keys, remade whenever the schema changes.

    Each class key does what :func:`ui.actions.class_key_roles` says for the project's kinds of
    labels: choose the drawing class, or set a tag; in projects with shapes and tags, Shift and
    the key set the tag. A class key that an app action already uses is left out and reported,
    never kept silently. A digit no class has says how to add classes instead of doing nothing.

    Signals:
        classKey(str): the class id whose key was pressed (its plain key).
        tagKey(str): the class id whose tag key (Shift and its key) was pressed.
        clash(str): a class key was left out; the text says why.
        hint(str): a key did nothing; the text says why and what to do.
    """

    classKey = QtCore.Signal(str)
    tagKey = QtCore.Signal(str)
    clash = QtCore.Signal(str)
    hint = QtCore.Signal(str)

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
        self._bindings: list[tuple[str, str, str]] = []

    @QtCore.Slot(object)
    def on_schema_changed(self, schema: schema_mod.LabelSchema) -> None:
        for action in self._actions:
            self._window.removeAction(action)
            action.deleteLater()
        self._actions = []
        self._bindings = []
        taken = self._taken()
        roles = actions_mod.class_key_roles(schema.tasks)
        for cls in schema.classes:
            if not cls.hotkey:
                continue
            for role in roles:
                key = actions_mod.normalise(role.modifier + cls.hotkey.upper())
                if key in taken:
                    owner = actions_mod.BY_NAME[taken[key]].text.replace("&", "")
                    self.clash.emit(f"Class “{cls.name}” keeps no key: {key} is “{owner}”")
                    continue
                signal = self.tagKey if role.modifier else self.classKey
                self._add(key, cls.name, _emit(signal, cls.id))
                self._bindings.append((key, cls.name, role.text))
        used = {c.hotkey for c in schema.classes if c.hotkey}
        editor = ", ".join(k for k, name in taken.items() if name == "edit_schema") or "no key"
        for digit in DIGITS:
            if digit not in used and digit not in taken:
                text = NO_CLASS_HINT.format(key=digit, editor=editor)
                self._add(digit, f"(no class for {digit})", _emit(self.hint, text))

    def _add(self, key: str, text: str, slot: Callable[[], None]) -> None:
        action = QtGui.QAction(text, self._window)
        action.setShortcut(QtGui.QKeySequence(key))
        action.setShortcutContext(QtCore.Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(slot)
        self._window.addAction(action)
        self._actions.append(action)

    def bindings(self) -> list[tuple[str, str, str]]:
        """(key, class name, what it does) for every class key in use, for the shortcut sheet."""
        return list(self._bindings)


def _emit(signal: Any, value: str) -> Callable[[], None]:
    return lambda: signal.emit(value)
