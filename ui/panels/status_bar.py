"""The permanent part of the status bar: position, progress, what is counted apart, sync state,
and whether the project can store edits."""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from labeler.services import stats

#: Width of the progress bar: wide enough for "12,345 / 12,345 labeled (100 %)".
PROGRESS_WIDTH = 200


class StatusBar(QtWidgets.QStatusBar):
    """A status bar whose notes wrap onto a second line instead of being cut off.

    ``showMessage`` (as the app calls it) puts the note in a word-wrapping label beside the
    permanent widgets; Qt's own status tips (menus, hovering an action) still show the usual way.
    """

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.note = QtWidgets.QLabel("")
        self.note.setObjectName("statusNote")
        self.note.setWordWrap(True)
        self.note.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        self.note.setSizePolicy(
            QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Preferred
        )
        self.addWidget(self.note, 1)
        self._timer = QtCore.QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.clearMessage)

    def showMessage(self, text: str, timeout: int | None = 0) -> None:
        self.note.setText(text)
        self.note.setToolTip(text)
        if timeout:
            self._timer.start(timeout)
        else:
            self._timer.stop()
        self.messageChanged.emit(text)

    def clearMessage(self) -> None:
        self._timer.stop()
        if self.note.text():
            self.note.clear()
            self.note.setToolTip("")
            self.messageChanged.emit("")

    def currentMessage(self) -> str:
        return self.note.text()


class StatusWidgets(QtWidgets.QWidget):
    """Position (n / N), progress (labeled / labelable), images counted apart, the sync state,
    and a read-only mark when the project cannot store edits."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 4, 0)
        self.position = QtWidgets.QLabel("– / –")
        self.position.setObjectName("position")
        self.progress = QtWidgets.QProgressBar()
        self.progress.setObjectName("progress")
        self.progress.setFixedWidth(PROGRESS_WIDTH)
        self.progress.setTextVisible(True)
        # Centred inside the bar: some styles otherwise draw the text beside a too-short bar.
        self.progress.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        self.progress.setFormat("counting…")
        self.apart = QtWidgets.QLabel("")
        self.apart.setObjectName("apart")
        self.apart.setVisible(False)
        self.apart.setToolTip(
            "Files that cannot be labeled (empty, truncated, not an image, too large) and missing "
            "files are not counted in the progress; the Problems filter lists them"
        )
        self.sync = QtWidgets.QLabel("local only")
        self.sync.setObjectName("sync")
        self.sync.setToolTip("Labels are stored in this project file only (not linked to a server)")
        self.read_only = QtWidgets.QLabel("read-only")
        self.read_only.setObjectName("readOnly")
        self.read_only.setStyleSheet("color: white; background: #b00020; padding: 0 6px;")
        self.read_only.setVisible(False)
        for w in (self.position, self.progress, self.apart, self.sync, self.read_only):
            layout.addWidget(w)

    def set_position(self, n: int, total: int) -> None:
        self.position.setText(f"{n:,} / {total:,}")

    def set_progress(self, done: stats.Progress) -> None:
        self.progress.setRange(0, max(done.labelable, 1))
        self.progress.setValue(done.labeled)
        self.progress.setFormat(
            f"{done.labeled:,} / {done.labelable:,} labeled ({done.percent:.0f} %)"
        )
        apart = done.apart()
        self.apart.setText(apart)
        self.apart.setVisible(bool(apart))

    def set_sync_state(self, text: str) -> None:
        self.sync.setText(text)

    def set_read_only(self, reason: str | None, label: str = "read-only") -> None:
        """Show (or with None hide) the mark that edits are not stored, ``reason`` as its tip."""
        self.read_only.setText(label)
        self.read_only.setToolTip(reason or "")
        self.read_only.setVisible(reason is not None)
