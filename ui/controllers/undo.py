"""Per-image undo: one unlimited QUndoStack per image in a QUndoGroup, kept across image switches."""

from __future__ import annotations

from collections.abc import Callable

from PySide6 import QtCore, QtGui

from ui import commands


class UndoHistory(QtCore.QObject):
    """The undo stacks of every image visited in this session.

    Switching images makes that image's stack active, so Ctrl+Z always undoes the last change on
    the image in view, and coming back to an image finds its steps still there.

    Attributes:
        group: the QUndoGroup the undo/redo actions follow.

    Signals:
        stepped(str): an undo or redo was stored ("Undone: delete"), for the status bar.
    """

    stepped = QtCore.Signal(str)

    def __init__(self, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.group = QtGui.QUndoGroup(self)
        self._stacks: dict[str, QtGui.QUndoStack] = {}

    def stack_for(self, image_id: str) -> QtGui.QUndoStack:
        """The stack of ``image_id`` (made on first use, no limit on its length)."""
        stack = self._stacks.get(image_id)
        if stack is None:
            stack = QtGui.QUndoStack(self.group)
            stack.setUndoLimit(0)  # 0 means unlimited
            self._stacks[image_id] = stack
        return stack

    def activate(self, image_id: str | None) -> None:
        """Make ``image_id``'s stack the one undo and redo act on."""
        stack = None if image_id is None else self.stack_for(image_id)
        self.group.setActiveStack(stack)  # type: ignore[arg-type]  # None is valid: no stack

    def push(self, image_id: str, command: QtGui.QUndoCommand) -> None:
        """Do ``command`` and keep it on ``image_id``'s stack."""
        self.stack_for(image_id).push(command)

    def undo(self) -> None:
        self._step(QtGui.QUndoStack.undo, -1, "Undone")

    def redo(self) -> None:
        self._step(QtGui.QUndoStack.redo, 0, "Redone")

    def _step(self, step: Callable[[QtGui.QUndoStack], None], offset: int, done: str) -> None:
        """Undo or redo on the active stack; a step the project file refused to store leaves the
        stack where it was (the user can try again once the file can be written)."""
        stack: QtGui.QUndoStack | None = self.group.activeStack()
        if stack is None:
            return
        before = stack.index()
        command = stack.command(before + offset)
        text = command.text() if command is not None else ""
        step(stack)
        if stack.index() != before and commands.refused(command):
            stack.setIndex(before)  # the refused command lets this call pass without running
        elif stack.index() != before and commands.stored(command):
            # Otherwise the status bar would still show what the step said when it was made.
            self.stepped.emit(f"{done}: {text}")

    def steps(self, image_id: str) -> int:
        """How many steps ``image_id``'s stack holds (undoable and redoable)."""
        stack = self._stacks.get(image_id)
        return 0 if stack is None else stack.count()

    def drop(self, image_id: str) -> bool:
        """Forget an image's steps (a teammate's change made them unsafe to replay: undoing
        would silently overwrite it). Returns whether there were any."""
        stack = self._stacks.pop(image_id, None)
        if stack is None:
            return False
        had = stack.count() > 0
        active = self.group.activeStack() is stack
        self.group.removeStack(stack)
        stack.deleteLater()
        if active:
            # The image stays in view: its new, empty stack takes over Ctrl+Z.
            self.activate(image_id)
        return had
