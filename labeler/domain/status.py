"""Image status and review actions."""

from __future__ import annotations

import enum

from labeler import errors


class ImageStatus(enum.StrEnum):
    """Where an image stands in the labeling workflow.

    ``DONE`` with zero annotations is a deliberate answer ("nothing to label here"),
    which is why ``NEW`` exists: an image nobody looked at is never exported as empty.
    """

    NEW = "new"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    SKIPPED = "skipped"
    NEEDS_REVIEW = "needs_review"
    APPROVED = "approved"
    REJECTED = "rejected"


#: Statuses whose labels are exported by default.
FINISHED: frozenset[ImageStatus] = frozenset({ImageStatus.DONE, ImageStatus.APPROVED})

#: Statuses that count as "labeled" in progress figures.
LABELED: frozenset[ImageStatus] = frozenset(
    {ImageStatus.DONE, ImageStatus.APPROVED, ImageStatus.NEEDS_REVIEW, ImageStatus.REJECTED}
)


class StatusError(errors.UserError, ValueError):
    """A status name that names no status."""


def parse_status(text: str) -> ImageStatus:
    """Parse a status name as a user types it (``needs-review``, ``Needs review``...).

    Raises:
        StatusError: with the list of valid names when ``text`` names no status.
    """
    key = text.strip().lower().replace("-", "_").replace(" ", "_")
    try:
        return ImageStatus(key)
    except ValueError:
        names = ", ".join(s.value for s in ImageStatus)
        raise StatusError(f"unknown status {text!r}; expected one of: {names}") from None
