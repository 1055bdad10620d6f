"""Work that waits until the frame being prepared, or a new window's first frame, is on screen.

Going to the next image must paint at once; getting ready for the image after it (reading its
rows, decoding its pixels) can wait until that frame is painted, and should: run earlier, it delays
the frame it prepares for. Qt paints widgets from an update request it posts at low priority, and
posted events of one priority are delivered in order, so an event posted at low priority after a
widget asked to be repainted is delivered once that paint is done. A zero-timer would run first.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6 import QtCore, QtWidgets

_EVENT = QtCore.QEvent.Type(QtCore.QEvent.registerEventType())


class AfterFrame(QtCore.QObject):
    """Calls ``callback`` on the GUI thread after the frame being prepared has been painted.

    ``post`` several times before that, and ``callback`` runs once; it should look at the state
    it prepares for then, not at the state when ``post`` was called.
    """

    def __init__(self, callback: Callable[[], None], parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self._callback = callback
        self._posted = False

    def post(self) -> None:
        if self._posted:
            return
        self._posted = True
        QtCore.QCoreApplication.postEvent(
            self, QtCore.QEvent(_EVENT), QtCore.Qt.EventPriority.LowEventPriority.value
        )

    def customEvent(self, event: QtCore.QEvent) -> None:
        if event.type() != _EVENT:
            return
        self._posted = False
        self._callback()


class _FirstPaint(QtCore.QObject):
    def __init__(self, widget: QtWidgets.QWidget, callback: Callable[[], None]) -> None:
        super().__init__(widget)
        self._callback = callback
        widget.installEventFilter(self)

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if event.type() == QtCore.QEvent.Type.Paint:
            watched.removeEventFilter(self)
            # Posted at normal priority: it runs once this frame has been painted and flushed.
            QtCore.QTimer.singleShot(0, self._callback)
            self.deleteLater()
        return False


def after_first_paint(window: QtWidgets.QWidget, callback: Callable[[], None]) -> None:
    """Call ``callback`` once ``window`` (shown, not yet painted) has painted its first frame.

    A window appears when the display server exposes it, after the event loop has already run
    what was queued: work queued with a zero-timer would delay its first frame.
    """
    _FirstPaint(window, callback)
