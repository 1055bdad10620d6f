"""Keeps the progress figures current without doing the counting at start-up or per key press."""

from __future__ import annotations

from PySide6 import QtCore

from labeler.domain import changes as changes_mod
from labeler.services import images as images_svc
from labeler.services import schema as schema_svc
from ui import document as document_mod

_LABELED = images_svc.ImageFilter(labeled=True)


class Progress(QtCore.QObject):
    """Counts labeled images and annotations per class after changes, once per burst of edits.

    Signals:
        progressChanged(int, int): labeled images, all images.
        classCountsChanged(dict): live annotations per class id.
    """

    progressChanged = QtCore.Signal(int, int)
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
        total = self._doc.read(images_svc.count_images)
        labeled = self._doc.read(images_svc.count_images, _LABELED)
        self.progressChanged.emit(labeled, total)
        self.classCountsChanged.emit(self._doc.read(schema_svc.class_counts))
