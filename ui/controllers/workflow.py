"""Status keys: done and next, skip, flag for review, approve, reject; next unlabeled / to review."""

from __future__ import annotations

from collections.abc import Callable

from PySide6 import QtCore

from labeler.domain import status as status_mod
from labeler.services import images as images_svc
from labeler.services import review as review_svc
from ui import commands
from ui import document as document_mod
from ui.controllers import current as current_mod
from ui.controllers import undo as undo_mod

S = status_mod.ImageStatus

#: "Unlabeled" for the N key: images nobody finished, that can be labeled (skipped ones are a
#: deliberate answer and are not offered again).
UNLABELED = images_svc.ImageFilter(statuses=frozenset({S.NEW, S.IN_PROGRESS}), problems=False)
NEEDS_REVIEW = images_svc.ImageFilter(statuses=frozenset({S.NEEDS_REVIEW}))

#: Asks the user why an image is rejected; returns None when they cancel.
CommentAsker = Callable[[], "str | None"]


class Workflow(QtCore.QObject):
    """Changes the current image's status as an undoable step, then moves on where that makes sense.

    Signals:
        message(str): something to tell the user in the status bar.
    """

    message = QtCore.Signal(str)

    def __init__(
        self,
        doc: document_mod.ProjectDocument,
        current: current_mod.CurrentImage,
        undo: undo_mod.UndoHistory,
        ask_comment: CommentAsker,
        parent: QtCore.QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._doc = doc
        self._current = current
        self._undo = undo
        self._ask_comment = ask_comment

    def _set(self, status: status_mod.ImageStatus, comment: str | None = None) -> bool:
        self._current.finish_edits()
        image = self._current.image
        if image is None:
            return False
        if image.status is status and comment is None:
            return True
        command = commands.SetStatus(self._doc, image.id, image.status, status, comment)
        self._undo.push(image.id, command)
        return command.stored

    def done_and_next(self) -> None:
        if self._set(S.DONE):
            self._current.go_next()

    def skip(self) -> None:
        if self._set(S.SKIPPED):
            self._current.go_next()

    def flag_review(self) -> None:
        if self._set(S.NEEDS_REVIEW):
            self.message.emit("Flagged for review")

    def approve(self) -> None:
        if self._set(S.APPROVED):
            self._current.go_next()

    def reject(self, comment: str | None = None) -> None:
        """Send the image back; asks for the reason when none is given."""
        if self._current.image is None:
            return
        if comment is None:
            comment = self._ask_comment()
        if comment is None or not comment.strip():
            self.message.emit("Not rejected: a rejection needs a comment")
            return
        if self._set(S.REJECTED, comment.strip()):
            self._current.go_next()

    def next_unlabeled(self) -> None:
        if not self._current.go_next_matching(UNLABELED):
            self.message.emit("Every image is labeled")

    def next_review(self) -> None:
        if not self._current.go_next_matching(NEEDS_REVIEW):
            self.message.emit("No image needs review")

    def comment(self, text: str) -> None:
        """A review comment without a status change (not an undo step: nothing to take back)."""
        image = self._current.image
        if image is not None and text.strip():
            self._doc.edit(review_svc.add_comment, image.id, text.strip())
