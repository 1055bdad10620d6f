"""How shapes look on the canvas: the fill opacity control in the View menu, kept in the settings."""

from __future__ import annotations

from typing import Any

from PySide6 import QtCore, QtWidgets

from ui import settings as settings_mod
from ui.canvas import style as style_mod

#: The most opaque fill the control offers: beyond it the object under a shape is hidden.
MAX_FILL_PERCENT = 80


class Appearance(QtCore.QObject):
    """The View menu's "Shape fill" slider, applied to the canvas and remembered.

    Attributes:
        slider: the slider (0 % = outlines only).
        action: the menu entry holding it.
    """

    def __init__(self, canvas: Any, parent: QtWidgets.QWidget) -> None:
        super().__init__(parent)
        self._canvas = canvas
        box = QtWidgets.QWidget(parent)
        row = QtWidgets.QHBoxLayout(box)
        row.setContentsMargins(24, 4, 12, 4)
        row.addWidget(QtWidgets.QLabel("Shape fill"))
        self.slider = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal)
        self.slider.setObjectName("fillOpacity")
        self.slider.setRange(0, MAX_FILL_PERCENT)
        self.slider.setSingleStep(5)
        self.slider.setPageStep(10)
        self.slider.setMinimumWidth(120)
        self.slider.setToolTip(
            "How strongly shapes are filled with their class colour (0: outlines)"
        )
        self.value = QtWidgets.QLabel()
        self.value.setMinimumWidth(36)
        row.addWidget(self.slider, 1)
        row.addWidget(self.value)
        self.action = QtWidgets.QWidgetAction(parent)
        self.action.setDefaultWidget(box)
        self.action.setObjectName("fillOpacityAction")
        percent = settings_mod.fill_opacity(style_mod.DEFAULT_FILL_PERCENT)
        self.slider.setValue(min(percent, MAX_FILL_PERCENT))
        self._apply(self.slider.value())
        self.slider.valueChanged.connect(self._on_changed)

    def add_to(self, menu: QtWidgets.QMenu) -> None:
        menu.addSeparator()
        menu.addAction(self.action)

    @QtCore.Slot(int)
    def _on_changed(self, percent: int) -> None:
        self._apply(percent)
        settings_mod.set_fill_opacity(percent)

    def _apply(self, percent: int) -> None:
        self.value.setText(f"{percent} %")
        if hasattr(self._canvas, "set_fill_opacity"):
            self._canvas.set_fill_opacity(percent)
