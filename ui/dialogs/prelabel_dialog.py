"""Pre-label many images: which model, which images (by status), the score to keep; progress
and cancel while it runs in the background."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6 import QtCore, QtWidgets

from labeler.domain import status as status_mod

S = status_mod.ImageStatus
_OFFERED = (S.NEW, S.IN_PROGRESS, S.SKIPPED, S.NEEDS_REVIEW, S.DONE)


class PrelabelDialog(QtWidgets.QDialog):
    """Signals:
    startRequested(str, list, float, bool): model, statuses, minimum score, look again.
    cancelRequested(): stop after the images being worked on.
    """

    startRequested = QtCore.Signal(str, list, float, bool)
    cancelRequested = QtCore.Signal()

    def __init__(
        self, models: Sequence[str], chosen: str | None, parent: QtWidgets.QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("prelabelDialog")
        self.setWindowTitle("Pre-label images")
        self.model = QtWidgets.QComboBox()
        for name in models:
            self.model.addItem(name, name)
        self.model.setCurrentIndex(max(self.model.findData(chosen), 0))
        self.statuses: dict[S, QtWidgets.QCheckBox] = {}
        boxes = QtWidgets.QHBoxLayout()
        for status in _OFFERED:
            check = QtWidgets.QCheckBox(status.value.replace("_", " "))
            check.setChecked(status in (S.NEW, S.IN_PROGRESS))
            self.statuses[status] = check
            boxes.addWidget(check)
        self.min_score = QtWidgets.QDoubleSpinBox()
        self.min_score.setRange(0.0, 1.0)
        self.min_score.setSingleStep(0.05)
        self.min_score.setValue(0.25)
        self.again = QtWidgets.QCheckBox("Look again at images this model has seen")
        self.progress = QtWidgets.QProgressBar()
        self.progress.setObjectName("prelabelProgress")
        self.summary = QtWidgets.QLabel("")
        self.summary.setObjectName("prelabelSummary")
        self.summary.setWordWrap(True)
        self.start = QtWidgets.QPushButton("Start")
        self.start.setObjectName("prelabelStart")
        self.cancel = QtWidgets.QPushButton("Cancel")
        self.cancel.setObjectName("prelabelCancel")
        self.cancel.setEnabled(False)
        close = QtWidgets.QPushButton("Close")
        form = QtWidgets.QFormLayout()
        form.addRow("Model", self.model)
        form.addRow("Images", boxes)
        form.addRow("Keep from score", self.min_score)
        buttons = QtWidgets.QHBoxLayout()
        buttons.addStretch(1)
        for b in (self.start, self.cancel, close):
            buttons.addWidget(b)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.again)
        layout.addWidget(self.progress)
        layout.addWidget(self.summary)
        layout.addLayout(buttons)
        self.start.clicked.connect(self._start)
        self.cancel.clicked.connect(self._cancel)
        close.clicked.connect(self.reject)
        self.start.setEnabled(bool(models))
        if not models:
            self.summary.setText("No model to pre-label with: add one with `labeler models add`.")

    def _start(self) -> None:
        chosen = [s.value for s, check in self.statuses.items() if check.isChecked()]
        self.start.setEnabled(False)
        self.cancel.setEnabled(True)
        self.progress.setValue(0)
        self.summary.setText("Starting…")
        self.startRequested.emit(
            self.model.currentData(), chosen, self.min_score.value(), self.again.isChecked()
        )

    def _cancel(self) -> None:
        self.cancel.setEnabled(False)
        self.summary.setText("Stopping after the images being worked on…")
        self.cancelRequested.emit()

    @QtCore.Slot(int, int)
    def on_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.summary.setText(f"{done} of {total} images")

    def finish(self, text: str) -> None:
        self.start.setEnabled(True)
        self.cancel.setEnabled(False)
        self.summary.setText(text)

    def reject(self) -> None:
        self.cancelRequested.emit()
        super().reject()
