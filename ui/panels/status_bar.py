"""The permanent part of the status bar: progress, position, sync state."""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets


class StatusWidgets(QtWidgets.QWidget):
    """Progress (labeled / total), position (n / N) and the sync state, right-aligned."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 4, 0)
        self.position = QtWidgets.QLabel("– / –")
        self.position.setObjectName("position")
        self.progress = QtWidgets.QProgressBar()
        self.progress.setObjectName("progress")
        self.progress.setFixedWidth(240)
        self.progress.setTextVisible(True)
        # Centred inside the bar: some styles otherwise draw the text beside a too-short bar.
        self.progress.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        self.progress.setFormat("counting…")
        self.sync = QtWidgets.QLabel("local only")
        self.sync.setObjectName("sync")
        self.sync.setToolTip("Labels are stored in this project file only (not linked to a server)")
        for w in (self.position, self.progress, self.sync):
            layout.addWidget(w)

    def set_position(self, n: int, total: int) -> None:
        self.position.setText(f"{n:,} / {total:,}")

    def set_progress(self, labeled: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(labeled)
        pct = 100.0 * labeled / total if total else 0.0
        self.progress.setFormat(f"{labeled:,} / {total:,} labeled ({pct:.0f} %)")

    def set_sync_state(self, text: str) -> None:
        self.sync.setText(text)
