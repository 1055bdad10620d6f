"""Hashing and measuring new images in the background while the user already labels.

Adding a folder stores only names; this runs the rest (SHA-256, size, EXIF orientation, problem
files) on the task runner's write lane, shows progress in the status bar and announces what it
learnt so the browser and the image in view refresh. It resumes where it stopped next time.
"""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from labeler.services import indexing
from ui import document as document_mod
from ui import tasks as tasks_mod


class BackgroundIndexer(QtCore.QObject):
    """Runs ``indexing.index_pending`` off the GUI thread.

    Signals:
        progressed(int, int): images done and total (emitted from the worker, delivered queued).
        finished(object): the ``IndexResult``.
    """

    progressed = QtCore.Signal(int, int)
    finished = QtCore.Signal(object)

    def __init__(
        self,
        doc: document_mod.ProjectDocument,
        runner: tasks_mod.TaskRunner,
        status_bar: QtWidgets.QStatusBar,
        parent: QtCore.QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._doc = doc
        self._runner = runner
        self._status = status_bar
        self._cancel = indexing.CancelToken()
        self.running = False
        self.progressed.connect(self._on_progress)

    def start(self) -> None:
        """Index whatever is pending (nothing happens when every image is indexed, or when the
        project cannot store what indexing learns)."""
        if self.running or self._doc.write_problem:
            return
        if indexing.pending_count(self._doc.project) == 0:
            return
        self.running = True
        self._runner.run(
            self._work, on_done=self._on_done, on_error=self._on_error, lane=tasks_mod.WRITE
        )

    def stop(self) -> None:
        """Stop after the current batch (the rest is indexed next time)."""
        self._cancel.cancel()

    def _work(self) -> indexing.IndexResult:
        return indexing.index_pending(
            self._doc.project, progress=self.progressed.emit, cancel=self._cancel
        )

    @QtCore.Slot(int, int)
    def _on_progress(self, done: int, total: int) -> None:
        self._status.showMessage(f"Indexing images: {done:,} of {total:,}", 2000)

    def _on_done(self, result: indexing.IndexResult) -> None:
        self.running = False
        problems = sum(result.problems.values())
        note = f" — {problems} cannot be labeled (see the Problems filter)" if problems else ""
        self._status.showMessage(f"Indexed {result.indexed:,} images{note}", 8000)
        self._doc.announce(result.changes)
        self.finished.emit(result)

    def _on_error(self, exc: BaseException) -> None:
        self.running = False
        self._status.showMessage(f"Indexing stopped: {exc}", 0)
