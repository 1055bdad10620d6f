"""The review panel: the image's status, who set it and when, comments, approve and reject."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6 import QtCore, QtWidgets

from labeler.domain import status as status_mod
from labeler.services import review as review_svc

S = status_mod.ImageStatus

STATUS_TEXT: dict[S, str] = {
    S.NEW: "New — not looked at",
    S.IN_PROGRESS: "In progress",
    S.DONE: "Done",
    S.SKIPPED: "Skipped",
    S.NEEDS_REVIEW: "Needs review",
    S.APPROVED: "Approved",
    S.REJECTED: "Rejected",
}

STATUS_COLOUR: dict[S, str] = {
    S.NEW: "#808080",
    S.IN_PROGRESS: "#4363d8",
    S.DONE: "#2e8b57",
    S.SKIPPED: "#9a6324",
    S.NEEDS_REVIEW: "#f58231",
    S.APPROVED: "#1b7f3a",
    S.REJECTED: "#c0262d",
}


class ReviewPanel(QtWidgets.QWidget):
    """Status and review history of the current image, with approve / reject / comment.

    Signals:
        approveRequested(): the reviewer approved the image.
        rejectRequested(str): the reviewer rejected it with this comment.
        commentRequested(str): a comment without a status change.
    """

    approveRequested = QtCore.Signal()
    rejectRequested = QtCore.Signal(str)
    commentRequested = QtCore.Signal(str)

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.status = QtWidgets.QLabel("–")
        self.status.setObjectName("reviewStatus")
        self.who = QtWidgets.QLabel("")
        self.who.setObjectName("reviewWho")
        self.who.setWordWrap(True)
        self.log = QtWidgets.QListWidget()
        self.log.setObjectName("reviewLog")
        self.log.setWordWrap(True)
        self.comment = QtWidgets.QPlainTextEdit()
        self.comment.setObjectName("reviewComment")
        self.comment.setPlaceholderText("Comment (required to reject)")
        self.comment.setFixedHeight(60)
        self.approve = QtWidgets.QPushButton("Approve (Y)")
        self.reject = QtWidgets.QPushButton("Reject (X)")
        self.add_comment = QtWidgets.QPushButton("Comment")
        self.approve.clicked.connect(self.approveRequested)
        self.reject.clicked.connect(self._on_reject)
        self.add_comment.clicked.connect(self._on_comment)
        buttons = QtWidgets.QHBoxLayout()
        for b in (self.approve, self.reject, self.add_comment):
            b.setFocusPolicy(QtCore.Qt.FocusPolicy.TabFocus)
            buttons.addWidget(b)
        self._set_actions_enabled(False)  # nothing to approve until an image is shown
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.status)
        layout.addWidget(self.who)
        layout.addWidget(self.log, 1)
        layout.addWidget(self.comment)
        layout.addLayout(buttons)

    def _on_reject(self) -> None:
        text = self.comment.toPlainText().strip()
        if not text:
            self.comment.setFocus()
            self.comment.setPlaceholderText("Say why the image is rejected, then press Reject")
            return
        self.rejectRequested.emit(text)
        self.comment.clear()

    def _on_comment(self) -> None:
        text = self.comment.toPlainText().strip()
        if text:
            self.commentRequested.emit(text)
            self.comment.clear()

    def _set_actions_enabled(self, on: bool) -> None:
        for widget in (self.approve, self.reject, self.add_comment, self.comment):
            widget.setEnabled(on)

    def show_review(self, status: S, entries: Sequence[review_svc.ReviewEntry]) -> None:
        """Show ``status`` and the review log (oldest first) of the current image."""
        self._set_actions_enabled(True)
        colour = STATUS_COLOUR[status]
        self.status.setText(f"<b style='color:{colour}'>{STATUS_TEXT[status]}</b>")
        last = next((e for e in reversed(entries) if e.action == "status"), None)
        self.who.setText(
            f"by {last.author}, {last.at:%Y-%m-%d %H:%M} UTC" if last is not None else ""
        )
        self.log.clear()
        for e in entries:
            what = (
                STATUS_TEXT[e.to_status]
                if e.action == "status" and e.to_status is not None
                else "comment"
            )
            text = f"{e.at:%Y-%m-%d %H:%M}  {e.author}: {what}"
            if e.comment:
                text += f"\n“{e.comment}”"
            self.log.addItem(text)
        self.log.scrollToBottom()
