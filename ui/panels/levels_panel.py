"""Window/level (brightness and contrast) for 16-bit greyscale images: changes the view, never the file."""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

_MAX = 65535


class LevelsPanel(QtWidgets.QWidget):
    """Which 16-bit values show as black (low) and white (high).

    Signals:
        levelsRequested(int, int): the user set low and high.
        autoRequested(): the user asked for the automatic window (0.5–99.5 percentiles).
    """

    levelsRequested = QtCore.Signal(int, int)
    autoRequested = QtCore.Signal()

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.note = QtWidgets.QLabel(
            "Levels apply to 16-bit greyscale images (thermal, X-ray, inspection)."
        )
        self.note.setWordWrap(True)
        self.low = QtWidgets.QSpinBox()
        self.high = QtWidgets.QSpinBox()
        for box in (self.low, self.high):
            box.setRange(0, _MAX)
            box.setKeyboardTracking(False)  # apply when the user finishes typing, not per digit
        self.low_slider = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal)
        self.high_slider = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal)
        for slider in (self.low_slider, self.high_slider):
            slider.setRange(0, _MAX)
            slider.setTracking(False)  # one decode per release, not per pixel dragged
        self.auto = QtWidgets.QPushButton("Auto")
        self.auto.setToolTip("Stretch the 0.5–99.5 percentile of the image's values to black–white")
        form = QtWidgets.QFormLayout(self)
        form.addRow(self.note)
        form.addRow("Black at", self.low)
        form.addRow("", self.low_slider)
        form.addRow("White at", self.high)
        form.addRow("", self.high_slider)
        form.addRow(self.auto)
        self.low.valueChanged.connect(self.low_slider.setValue)
        self.high.valueChanged.connect(self.high_slider.setValue)
        self.low_slider.valueChanged.connect(self.low.setValue)
        self.high_slider.valueChanged.connect(self.high.setValue)
        self.low.valueChanged.connect(self._on_edited)
        self.high.valueChanged.connect(self._on_edited)
        self.auto.clicked.connect(self.autoRequested)
        self.clear()

    def show_levels(self, low: int, high: int) -> None:
        """Show the window the image is displayed with (without asking for it again)."""
        for widget in (self.low, self.high, self.low_slider, self.high_slider):
            widget.blockSignals(True)
        self.low.setValue(low)
        self.low_slider.setValue(low)
        self.high.setValue(high)
        self.high_slider.setValue(high)
        for widget in (self.low, self.high, self.low_slider, self.high_slider):
            widget.blockSignals(False)
        self._set_enabled(True)

    def clear(self) -> None:
        """The image in view has no levels (8-bit, or not decoded yet)."""
        self._set_enabled(False)

    def _set_enabled(self, on: bool) -> None:
        for widget in (self.low, self.high, self.low_slider, self.high_slider, self.auto):
            widget.setEnabled(on)

    @QtCore.Slot()
    def _on_edited(self) -> None:
        low, high = self.low.value(), self.high.value()
        if high <= low:
            high = min(_MAX, low + 1)
            self.show_levels(low, high)
        self.levelsRequested.emit(low, high)
