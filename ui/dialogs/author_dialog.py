"""Your name: the author every change made in the app is signed with.

Asked once, on the app's first start (suggesting the operating-system user name), and changed later
with Edit → Your name…. Kept in the app's settings; a linked sync server signs what it accepts with
its own caller's name, so this is the name edits carry before they reach the team.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6 import QtWidgets

from labeler import authors
from ui import settings as settings_mod

#: Shows the dialog over a parent with a suggested name; the name given, or None when cancelled.
Asker = Callable[[QtWidgets.QWidget | None, str], str | None]


class AuthorDialog(QtWidgets.QDialog):
    """A line edit for the name and OK/Cancel; OK is enabled only for a name that is not blank."""

    def __init__(self, parent: QtWidgets.QWidget | None, name: str, *, first: bool) -> None:
        super().__init__(parent)
        self.setObjectName("authorDialog")
        self.setWindowTitle("Your name")
        self.setMinimumWidth(360)
        text = (
            "Your changes are signed with your name, so the team can see who labeled what."
            if first
            else "The name your changes are signed with from now on:"
        )
        self.edit = QtWidgets.QLineEdit(name, self)
        self.edit.setObjectName("authorName")
        self.edit.setMaxLength(200)
        self.edit.selectAll()
        buttons = QtWidgets.QDialogButtonBox(
            QtWidgets.QDialogButtonBox.StandardButton.Ok
            | QtWidgets.QDialogButtonBox.StandardButton.Cancel,
            self,
        )
        self._ok = buttons.button(QtWidgets.QDialogButtonBox.StandardButton.Ok)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.edit.textChanged.connect(lambda t: self._ok.setEnabled(bool(t.strip())))
        layout = QtWidgets.QVBoxLayout(self)
        label = QtWidgets.QLabel(text, self)
        label.setWordWrap(True)
        layout.addWidget(label)
        layout.addWidget(self.edit)
        layout.addWidget(buttons)

    def name(self) -> str:
        return " ".join(self.edit.text().split())


def ask(parent: QtWidgets.QWidget | None, name: str, *, first: bool = False) -> str | None:
    """Ask for the name (``name`` filled in); the name given, or None when cancelled."""
    dialog = AuthorDialog(parent, name, first=first)
    try:
        accepted = dialog.exec() == QtWidgets.QDialog.DialogCode.Accepted
        return dialog.name() if accepted and dialog.name() else None
    finally:
        dialog.deleteLater()


def startup_author(explicit: str | None = None) -> tuple[str, bool]:
    """The name the app starts signing changes with, and whether this is the first start (the
    user has never been asked): ``explicit`` (the command line's ``--author``) for this session,
    else the name in the settings, else the suggestion (``LABELER_USER``, else the
    operating-system user name)."""
    if explicit and explicit.strip():
        return " ".join(explicit.split()), False
    saved = settings_mod.author()
    if saved is not None:
        return saved, False
    return authors.default_author(), True


def ask_first(
    parent: QtWidgets.QWidget | None, suggested: str, ask_name: Asker | None = None
) -> str:
    """The first start's question, asked once over the window: the answer is kept in the
    settings, and cancelling keeps the suggestion, so the question does not come back."""
    asked = (ask_name or _ask_first)(parent, suggested)
    name = asked or suggested
    settings_mod.set_author(name)
    return name


def _ask_first(parent: QtWidgets.QWidget | None, name: str) -> str | None:
    return ask(parent, name, first=True)


def change_author(
    parent: QtWidgets.QWidget | None, current: str, ask_name: Asker | None = None
) -> str | None:
    """Edit → Your name…: ask, keep the answer in the settings; the new name or None."""
    name = (ask_name or ask)(parent, current)
    if name is None or name == current:
        return None
    settings_mod.set_author(name)
    return name
