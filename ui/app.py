"""The desktop app's composition root: makes the application, the project's objects and the window."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from PySide6 import QtCore, QtWidgets

from labeler.services import images as images_svc
from labeler.services import project as project_svc
from ui import main_window as main_window_mod
from ui import settings as settings_mod
from ui import tasks as tasks_mod
from ui.browser import widget as browser_mod
from ui.canvas import canvas as canvas_mod
from ui.controllers import document as document_mod
from ui.controllers import indexer as indexer_mod
from ui.controllers import lifecycle as lifecycle_mod
from ui.images import loader as loader_mod
from ui.images import thumbnails as thumbnails_mod

log = logging.getLogger(__name__)


def application(argv: list[str] | None = None) -> QtWidgets.QApplication:
    """The QApplication, made once, named so QSettings find the app's settings."""
    app = QtWidgets.QApplication.instance()
    if app is None:
        app = QtWidgets.QApplication(argv if argv is not None else sys.argv[:1])
    QtCore.QCoreApplication.setOrganizationName(settings_mod.ORGANIZATION)
    QtCore.QCoreApplication.setApplicationName(settings_mod.APPLICATION)
    assert isinstance(app, QtWidgets.QApplication)
    return app


class Workbench(QtCore.QObject):
    """Everything one open project needs in the app, built in dependency order.

    Attributes:
        doc: the open project.
        runner: the background task runner (decoding, thumbnails).
        window: the main window.
    """

    def __init__(self, project: project_svc.Project, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.project = project
        self.doc = document_mod.ProjectDocument(project, self)
        self.runner = tasks_mod.TaskRunner(self)
        self.loader = loader_mod.ImageLoader(self.runner, self)
        thumbnails = thumbnails_mod.ThumbnailLoader(self.runner, self)
        browser = browser_mod.ImageBrowser(
            lambda ids: images_svc.get_images(project, ids), thumbnails=thumbnails
        )
        canvas = canvas_mod.Canvas()
        self.window = main_window_mod.MainWindow(self.doc, canvas, browser, self.loader)
        self.lifecycle = lifecycle_mod.Lifecycle(self.window)
        self.indexer = indexer_mod.BackgroundIndexer(
            self.doc, self.runner, self.window.statusBar(), self
        )

    def start(self) -> None:
        self.lifecycle.restore_layout()
        self.window.show()
        self.lifecycle.start()
        # After the first image: hashing and header reads never delay it.
        QtCore.QTimer.singleShot(0, self.indexer.start)

    def close(self) -> None:
        """Stop background work and close the project (after the window has closed)."""
        self.indexer.stop()
        self.runner.shutdown()
        self.project.close()


def run(project_path: Path) -> int:
    """Open the project at ``project_path`` in the app and run until the window closes.

    Returns:
        The process exit code: 0, or 1 when the project cannot be opened (the reason is shown).
    """
    app = application()
    try:
        project = project_svc.open_project(project_path)
    except project_svc.ProjectError as exc:
        QtWidgets.QMessageBox.critical(None, "labeler", f"Cannot open the project.\n\n{exc}")
        return 1
    bench = Workbench(project)
    bench.window.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose, False)
    bench.start()
    try:
        return app.exec()
    finally:
        bench.close()
        bench.window.deleteLater()
