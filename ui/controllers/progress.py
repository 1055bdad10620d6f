"""Keeps the progress figures current without doing the counting at start-up or per key press."""

from __future__ import annotations

from PySide6 import QtCore

from labeler.domain import changes as changes_mod
from labeler.services import schema as schema_svc
from labeler.services import stats
from ui import document as document_mod


class Progress(QtCore.QObject):
    """Counts labeled images and annotations per class after changes, once per burst of edits.

    Files that cannot be labeled are counted apart (``stats.Progress``), so progress can reach
    100 %.

    Signals:
        progressChanged(object): the ``stats.Progress``.
        classCountsChanged(dict): live annotations per class id.
    """

    progressChanged = QtCore.Signal(object)
    classCountsChanged = QtCore.Signal(dict)

    def __init__(
        self, doc: document_mod.ProjectDocument, parent: QtCore.QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._doc = doc
        # Edits come in bursts (done-and-next, pasting); count once after the burst, off the
        # path of the key press that caused it.
        self._timer = QtCore.QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self.refresh)

    def schedule(self) -> None:
        self._timer.start()

    @QtCore.Slot(object)
    def on_changed(self, changes: changes_mod.Changes) -> None:
        if changes.images or changes.annotations or changes.images_added or changes.schema:
            self.schedule()

    @QtCore.Slot()
    def refresh(self) -> None:
        self.progressChanged.emit(self._doc.read(stats.progress))
        self.classCountsChanged.emit(self._doc.read(schema_svc.class_counts))
