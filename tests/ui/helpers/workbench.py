"""Opening a real project in the real main window, and driving it like a user."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from PySide6 import QtCore, QtGui

from labeler.services import project as project_svc
from ui import app as app_mod


@contextmanager
def open_workbench(qtbot: Any, project: project_svc.Project) -> Iterator[app_mod.Workbench]:
    """The project in a shown main window, first image on the canvas; closed afterwards."""
    bench = app_mod.Workbench(project)
    qtbot.addWidget(bench.window)
    bench.start()
    wait_shown(qtbot, bench)
    try:
        yield bench
    finally:
        bench.window.close()
        bench.runner.shutdown()


def wait_shown(qtbot: Any, bench: app_mod.Workbench) -> None:
    """Wait until the canvas shows the current image's pixels."""
    qtbot.waitUntil(
        lambda: (
            bench.window.current.image_id is not None
            and bench.window.canvas.image_id() == bench.window.current.image_id
        ),
        timeout=5000,
    )


def key(name: str) -> QtCore.Qt.Key:
    return QtGui.QKeySequence(name)[0].key()


def press(qtbot: Any, bench: app_mod.Workbench, keys: str) -> None:
    """Press ``keys`` (e.g. ``"Ctrl+Z"``) over the canvas of the active window, as a user would."""
    window = bench.window
    if not window.isActiveWindow():
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow, timeout=2000)
    window.canvas.setFocus()
    combo = QtGui.QKeySequence(keys)[0]
    qtbot.keyClick(window.canvas, combo.key(), combo.keyboardModifiers())


@contextmanager
def open_workbench_empty(qtbot: Any, project: project_svc.Project) -> Iterator[app_mod.Workbench]:
    """A project without images in a shown main window; closed afterwards."""
    bench = app_mod.Workbench(project)
    qtbot.addWidget(bench.window)
    bench.start()
    qtbot.waitExposed(bench.window)
    try:
        yield bench
    finally:
        bench.window.close()
        bench.runner.shutdown()
