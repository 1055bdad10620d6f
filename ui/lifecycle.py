"""Start-up and close of the main window: layout, first image, deferred counts, saved state."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6 import QtCore

from ui import after_frame
from ui import settings as settings_mod

if TYPE_CHECKING:
    from ui import main_window as main_window_mod


class Lifecycle(QtCore.QObject):
    """Brings a built main window to life and puts the user's state away when it closes."""

    def __init__(self, window: main_window_mod.MainWindow) -> None:
        super().__init__(window)
        self._w = window
        window.closing.connect(self.on_closing)

    def restore_layout(self) -> None:
        """Fill the panels and put the window and docks where the user left them (before show)."""
        w = self._w
        # The saved docks first, then the panels the project's kind calls for (a tag project
        # shows its tags even if the last project closed had no tags), then the size: which
        # docks are shown decides the window's minimum size.
        geometry, state = settings_mod.window_layout()
        if state is not None:
            w.restoreState(state, settings_mod.LAYOUT_VERSION)
        w.doc.schemaChanged.emit(w.doc.schema)
        if geometry is not None:
            w.restoreGeometry(geometry)

    def start(self) -> None:
        """Show the image the user left as soon as possible; count things afterwards."""
        w = self._w
        for clash in w.action_set.clashes:
            w.dialogs.notes.append(clash.message())
        if w.action_set.clashes:
            w.statusBar().showMessage(
                "Some keys were set twice: " + "; ".join(c.message() for c in w.action_set.clashes)
            )
        if w.doc.write_problem:
            w.statusBar().showMessage(w.doc.write_problem, 60000)
        if hasattr(w.loader, "set_target_size"):
            # First decodes are made at the size of the canvas, not of the file.
            ratio = w.canvas.devicePixelRatioF()
            w.loader.set_target_size(w.canvas.viewport().size() * ratio)
        w.current.start()
        # Counting labeled images and annotations per class waits until the window is up.
        after_frame.after_first_paint(w, w.progress.schedule)

    @QtCore.Slot()
    def on_closing(self) -> None:
        w = self._w
        w.current.save_resume_state()
        settings_mod.save_window_layout(w.saveGeometry(), w.saveState(settings_mod.LAYOUT_VERSION))
