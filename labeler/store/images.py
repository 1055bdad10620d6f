"""What changes on an image row when its labels or its status change: the one place it is written.

The rules kept here, once:

- **An image's count is right:** ``annotation_count`` is set from the live rows whenever
  annotations of the image change, here or from the server (:func:`recount`).
- **An image someone labels is no longer new:** a change made here to an image's annotations
  puts a new image in progress (:func:`annotations_changed`).
- **A status change made here is synced:** setting a status records its review action (who,
  when, from, to, comment) and marks the image for the outbox (:func:`set_status`); a status
  taken from the server carries the server's revision and is not pushed back
  (:func:`take_status`).

One implementation serves one image and twenty thousand: the rows are written with Core
statements (``executemany``), and copies of them already loaded in the session are updated to
match, so code that holds them (the sync engine's prefetched rows) reads what was written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.orm import attributes as orm_attributes
from sqlalchemy.orm import util as orm_util

from labeler.domain import status as status_mod
from labeler.store import bulk, models, review

Img = models.ImageRow
A = models.AnnotationRow
S = status_mod.ImageStatus
CHUNK = 500


def statuses(session: orm.Session, image_ids: Collection[str]) -> dict[str, S]:
    """The status of each of these images that exists, by id."""
    out: dict[str, S] = {}
    for chunk in _chunks(image_ids):
        out.update(
            (str(image_id), S(status))
            for image_id, status in session.execute(
                sa.select(Img.id, Img.status).where(Img.id.in_(chunk))
            ).all()
        )
    return out


def frames(
    session: orm.Session, image_ids: Collection[str]
) -> dict[str, tuple[int | None, int | None]]:
    """The displayed frame (width, height) of each of these images that exists, by id; None
    where the image is not measured yet."""
    out: dict[str, tuple[int | None, int | None]] = {}
    for chunk in _chunks(image_ids):
        out.update(
            (str(image_id), (width, height))
            for image_id, width, height in session.execute(
                sa.select(Img.id, Img.width, Img.height).where(Img.id.in_(chunk))
            ).all()
        )
    return out


def recount(session: orm.Session, image_ids: Iterable[str]) -> None:
    """Set the annotation count of these images from their live rows (one grouped query and
    one ``executemany`` per chunk of images)."""
    counts = _counts(session, image_ids)
    _write(session, [{"id": image_id, "annotation_count": n} for image_id, n in counts.items()])


def annotations_changed(
    session: orm.Session, image_ids: Iterable[str], *, author: str, at: dt.datetime
) -> None:
    """After annotations of these images were changed here: their counts are set, a new image
    goes in progress (someone is labeling it), and each image is marked for sync (its status
    record goes out if it differs from the server's)."""
    counts = _counts(session, image_ids)
    now = statuses(session, list(counts))
    rows: list[dict[str, Any]] = []
    for image_id, n in counts.items():
        if image_id not in now:
            continue
        row: dict[str, Any] = {
            "id": image_id, "annotation_count": n, "updated_at": at, "dirty": True,
        }  # fmt: skip
        if now[image_id] is S.NEW:
            row.update(status=S.IN_PROGRESS.value, status_by=author, status_at=at)
        rows.append(row)
    _write(session, rows)


def set_status(
    session: orm.Session,
    image_ids: Sequence[str],
    status: S,
    *,
    author: str,
    at: dt.datetime,
    comment: str | None = None,
    only_from: Collection[S] | None = None,
) -> list[str]:
    """Set the status of images, as a change made here.

    Each image whose status changes gets a review action (``status``: from, to, the comment);
    an image that has the status already gets the comment alone (a ``comment`` action), or
    nothing without one. Every image changed is marked for sync, so the team hears of it as of
    any status set by hand.

    Args:
        only_from: change only images whose status is one of these (others are left alone).

    Returns:
        The ids of the images changed (in the order given; unknown ids are left out).
    """
    now = statuses(session, image_ids)
    actions: list[review.NewAction] = []
    rows: list[dict[str, Any]] = []
    for image_id in dict.fromkeys(image_ids):
        old = now.get(image_id)
        if old is None or (only_from is not None and old not in only_from):
            continue
        if old is status and comment is None:
            continue
        actions.append(
            review.NewAction(
                image_id, "status" if old is not status else "comment", old.value, status.value,
                comment, author, at,
            )
        )  # fmt: skip
        rows.append(
            {
                "id": image_id, "status": status.value, "status_by": author, "status_at": at,
                "updated_at": at, "dirty": True,
            }
        )  # fmt: skip
    review.add(session, actions)
    _write(session, rows)
    return [row["id"] for row in rows]


def take_status(
    session: orm.Session,
    image_ids: Sequence[str],
    status: S,
    *,
    author: str,
    at: dt.datetime,
    revision: int,
) -> None:
    """Set the status the server holds for these images (the same bytes under several paths
    are one image to sync): stamped with the server's author, time and revision, and clean."""
    _write(
        session,
        [
            {
                "id": image_id, "status": status.value, "status_by": author, "status_at": at,
                "revision": revision, "dirty": False,
            }
            for image_id in image_ids
        ],
    )  # fmt: skip


def _counts(session: orm.Session, image_ids: Iterable[str]) -> dict[str, int]:
    """Live annotations per image, every image asked for included (0 when it has none)."""
    session.flush()  # annotation changes made through the ORM in this unit count too
    out: dict[str, int] = {}
    for chunk in _chunks(image_ids):
        out.update(dict.fromkeys(chunk, 0))
        out.update(
            (str(image_id), int(n))
            for image_id, n in session.execute(
                sa.select(A.image_id, sa.func.count())
                .where(A.image_id.in_(chunk), A.deleted.is_(False))
                .group_by(A.image_id)
            ).all()
        )
    return out


def _write(session: orm.Session, rows: Sequence[Mapping[str, Any]]) -> None:
    """Update image rows by id (``rows``: the id and the columns to set), one ``executemany``
    per set of columns, and bring copies already loaded in the session up to date."""
    if not rows:
        return
    session.flush()  # changes made through the ORM come first; these values win
    table = cast(sa.Table, Img.__table__)
    by_columns: dict[tuple[str, ...], list[list[Any]]] = {}
    for row in rows:
        columns = tuple(c for c in row if c != "id")
        by_columns.setdefault(columns, []).append([*(row[c] for c in columns), row["id"]])
    for columns, values in by_columns.items():
        bulk.update_by_id(session, table, columns, values)
    for row in rows:
        loaded = session.identity_map.get(orm_util.identity_key(Img, row["id"]))
        if loaded is not None:
            for column, value in row.items():
                if column != "id":
                    orm_attributes.set_committed_value(loaded, column, value)


def _chunks(keys: Iterable[str]) -> Iterable[list[str]]:
    ordered = sorted(set(keys))
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start : start + CHUNK]
