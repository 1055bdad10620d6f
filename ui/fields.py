"""Enter belongs to the field being typed in.

The window's "done and next" answers Enter (and Return) anywhere in the window, docks included, so
a user who types a threshold, a search or new class names and presses Enter would mark the image
done and move on. A line edit or a spin box with focus takes Enter first (it accepts Qt's
ShortcutOverride for it), finishing what was typed; Enter elsewhere still means "done and next".
"""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets


class EnterStaysInFields(QtCore.QObject):
    """Installed on the main window and on each dock (a floating dock is a window of its own):
    ShortcutOverride events of the focus widget reach them on their way up."""

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if (
            event.type() == QtCore.QEvent.Type.ShortcutOverride
            and isinstance(event, QtGui.QKeyEvent)
            # Qt.Key is looked up here, not at import: PySide6 builds that enum class (hundreds
            # of members, ~10 ms) on first use, which must not be during start-up.
            and event.key() in (QtCore.Qt.Key.Key_Return, QtCore.Qt.Key.Key_Enter)
            and isinstance(
                QtWidgets.QApplication.focusWidget(),
                QtWidgets.QLineEdit | QtWidgets.QAbstractSpinBox,
            )
        ):
            event.accept()
            return True
        return False
