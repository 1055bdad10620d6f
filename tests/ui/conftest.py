"""GUI test setup: offscreen Qt, isolated settings, and a check for leaked windows and threads."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from PySide6 import QtCore, QtWidgets


@pytest.fixture(autouse=True)
def _isolated_settings(
    qapp: QtWidgets.QApplication, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Path]:
    """Each test reads and writes its own QSettings (shortcuts, window layout), never the user's."""
    folder = tmp_path_factory.mktemp("qsettings")
    fmt = QtCore.QSettings.Format.IniFormat
    QtCore.QSettings.setDefaultFormat(fmt)
    QtCore.QSettings.setPath(fmt, QtCore.QSettings.Scope.UserScope, str(folder))
    QtCore.QCoreApplication.setOrganizationName("labeler")
    QtCore.QCoreApplication.setApplicationName("labeler")
    yield folder


@pytest.fixture(autouse=True)
def _no_leaks(qapp: QtWidgets.QApplication) -> Iterator[None]:
    """Fail a test that leaves a window open or a thread running behind it."""
    before_widgets = {id(w) for w in qapp.topLevelWidgets() if w.isVisible()}
    before_threads = {t.ident for t in threading.enumerate()}
    yield
    QtCore.QThreadPool.globalInstance().waitForDone(5000)
    QtCore.QCoreApplication.sendPostedEvents(None, QtCore.QEvent.Type.DeferredDelete)
    qapp.processEvents()
    leaked = [w for w in qapp.topLevelWidgets() if w.isVisible() and id(w) not in before_widgets]
    names = [f"{type(w).__name__}({w.objectName()!r})" for w in leaked]
    for w in leaked:
        w.close()
    # Qt pool threads that ran Python show up as "dummy" threads that never report ending;
    # the pools are checked through Qt instead (waitForDone above, activeThreadCount below).
    threads = [
        t.name
        for t in threading.enumerate()
        if t.ident not in before_threads and t.is_alive() and type(t).__name__ != "_DummyThread"
    ]
    if QtCore.QThreadPool.globalInstance().activeThreadCount():
        threads.append("Qt global thread pool still busy")
    assert not names, f"windows left open: {names}"
    assert not threads, f"threads left running: {threads}"
