"""Review actions (status changes and comments on an image): the one place their rows are written.

A status change made here writes its action through :func:`labeler.store.images.set_status`, with
the image's new status and its sync mark; a comment alone is an action of its own. Actions from the
server are taken with :func:`take_remote`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from typing import cast

import sqlalchemy as sa
from sqlalchemy import orm

from labeler.domain import ids
from labeler.store import bulk, models

R = models.ReviewActionRow
_COLUMNS = (
    "id", "image_id", "action", "from_status", "to_status", "comment", "created_at",
    "updated_at", "author", "revision", "dirty", "deleted",
)  # fmt: skip


@dataclasses.dataclass(frozen=True, slots=True)
class NewAction:
    """A review action made here: ``status`` (from → to, with an optional comment) or
    ``comment`` (the status stays)."""

    image_id: str
    action: str
    from_status: str | None
    to_status: str | None
    comment: str | None
    author: str
    at: dt.datetime


def add(session: orm.Session, actions: Sequence[NewAction]) -> None:
    """Insert review actions made here (marked for sync), in one bulk statement."""
    if not actions:
        return
    session.flush()  # their images may have been added through the ORM in this unit
    values = [
        [
            action_id, a.image_id, a.action, a.from_status, a.to_status, a.comment, a.at, a.at,
            a.author, None, True, False,
        ]
        for action_id, a in zip(ids.new_ids(len(actions)), actions, strict=True)
    ]  # fmt: skip
    bulk.insert(session, (cast(sa.Table, R.__table__), _COLUMNS, values))


def take_remote(
    session: orm.Session,
    row: models.ReviewActionRow | None,
    *,
    record_id: str,
    image_id: str,
    action: str,
    to_status: str | None,
    comment: str | None,
    author: str,
    at: dt.datetime,
    revision: int,
    deleted: bool,
) -> models.ReviewActionRow:
    """Store a review action as the server holds it (``row``: the local copy, if any), clean.

    ``image_id``, ``action`` and ``to_status`` are used only for a new row: what an action was
    about never changes.
    """
    if row is None:
        row = R(
            id=record_id, image_id=image_id, action=action, from_status=None,
            to_status=to_status, created_at=at,
        )  # fmt: skip
        session.add(row)
    row.comment = comment
    row.updated_at = at
    row.author = author
    row.revision = revision
    row.dirty = False
    row.deleted = deleted
    return row
