"""Image status and review: mark done, skip, flag for review, approve or reject with a comment."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa

from labeler import errors
from labeler.domain import status as status_mod
from labeler.domain.changes import Changes
from labeler.services import project as project_mod
from labeler.store import images as store_images
from labeler.store import models, types

S = status_mod.ImageStatus


class ReviewError(errors.UserError, ValueError):
    """A status change that cannot be made (unknown image, reject without a comment)."""


@dataclasses.dataclass(frozen=True, slots=True)
class ReviewEntry:
    """One status change or comment on an image: who, when, what."""

    id: str
    image_id: str
    action: str  # "status" or "comment"
    from_status: status_mod.ImageStatus | None
    to_status: status_mod.ImageStatus | None
    comment: str | None
    author: str
    at: dt.datetime


def set_status(
    project: project_mod.Project,
    image_ids: Sequence[str],
    status: status_mod.ImageStatus,
    comment: str | None = None,
) -> Changes:
    """Set the status of images, recording who did it, when, and the comment.

    Rejecting requires a comment (the annotator needs to know what to fix). Setting the status an
    image already has records only the comment, if any.
    """
    comment = (comment or "").strip() or None
    if status is S.REJECTED and comment is None:
        raise ReviewError("say why the image is rejected (a comment is required)")
    with project.write() as (session, revision):
        known = store_images.statuses(session, image_ids)
        missing = [image_id for image_id in image_ids if image_id not in known]
        if missing:
            raise ReviewError(f"no image {missing[0]}")
        changed = store_images.set_status(
            session, image_ids, status, author=project.author, at=types.utcnow(), comment=comment
        )
    return Changes(images=frozenset(changed), data_revision=revision)


def add_comment(project: project_mod.Project, image_id: str, comment: str) -> Changes:
    """A comment on an image without changing its status."""
    with project.read() as session:
        image = session.get(models.ImageRow, image_id)
        if image is None:
            raise ReviewError(f"no image {image_id}")
        current = S(image.status)
    if not comment.strip():
        raise ReviewError("the comment is empty")
    return set_status(project, [image_id], current, comment)


def review_log(project: project_mod.Project, image_id: str) -> list[ReviewEntry]:
    """Status changes and comments of an image, oldest first."""
    return review_logs(project, [image_id]).get(image_id, [])


def review_logs(
    project: project_mod.Project, image_ids: Sequence[str]
) -> dict[str, list[ReviewEntry]]:
    """Status changes and comments of many images at once, by image id (oldest first)."""
    r = models.ReviewActionRow
    out: dict[str, list[ReviewEntry]] = {}
    with project.read() as session:
        for start in range(0, len(image_ids), 500):
            chunk = list(image_ids[start : start + 500])
            rows = session.execute(
                sa.select(r)
                .where(r.image_id.in_(chunk), r.deleted.is_(False))
                .order_by(r.created_at)
            ).scalars()
            for row in rows:
                out.setdefault(row.image_id, []).append(
                    ReviewEntry(
                        id=row.id,
                        image_id=row.image_id,
                        action=row.action,
                        from_status=S(row.from_status) if row.from_status else None,
                        to_status=S(row.to_status) if row.to_status else None,
                        comment=row.comment,
                        author=row.author,
                        at=row.created_at,
                    )
                )
    return out
