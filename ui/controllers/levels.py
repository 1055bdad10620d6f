"""Keeps the levels panel and the image loader in step for the image in view."""

from __future__ import annotations

from typing import Any

from PySide6 import QtCore

from ui.panels import levels_panel


class Levels(QtCore.QObject):
    """Routes window/level requests to the loader for the image in view, and back."""

    def __init__(
        self, panel: levels_panel.LevelsPanel, loader: Any, parent: QtCore.QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._panel = panel
        self._loader = loader
        self._image_id: str | None = None

    @QtCore.Slot(str)
    def on_image_changed(self, image_id: str) -> None:
        self._image_id = image_id or None
        level = self._loader.window_level(image_id) if image_id else None
        if level is None:
            self._panel.clear()
        else:
            self._panel.show_levels(*level)

    @QtCore.Slot(str, int, int)
    def on_window_level_changed(self, image_id: str, low: int, high: int) -> None:
        if image_id == self._image_id:
            self._panel.show_levels(low, high)

    @QtCore.Slot(int, int)
    def on_levels_requested(self, low: int, high: int) -> None:
        if self._image_id is not None:
            self._loader.set_window_level(self._image_id, low, high)

    @QtCore.Slot()
    def on_auto_requested(self) -> None:
        if self._image_id is not None:
            self._loader.reset_window_level(self._image_id)
