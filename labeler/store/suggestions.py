"""The query layer of suggestions: every read and write of the ``suggestion`` and
``suggestion_pass`` rows goes through here. Functions take the caller's session and never commit.

Suggestions are not labels: these rows never change the project's data revision, image counters
or sync state. Accepting one writes an annotation through the annotation layer; this module only
records the decision.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm

from labeler.store import models

S = models.SuggestionRow
P = models.SuggestionPassRow

OPEN, ACCEPTED, REJECTED = "open", "accepted", "rejected"
STATES = (OPEN, ACCEPTED, REJECTED)


def insert(session: orm.Session, rows: Sequence[Mapping[str, Any]]) -> None:
    """Add suggestions (dicts of ``SuggestionRow`` columns)."""
    if rows:
        session.execute(sa.insert(S), [dict(r) for r in rows])


def mark_pass(
    session: orm.Session, image_id: str, model_sha256: str, model_name: str, found: int,
    at: dt.datetime,
) -> None:  # fmt: skip
    """Record that a model looked at an image (and how many suggestions it left)."""
    session.merge(
        P(image_id=image_id, model_sha256=model_sha256, model_name=model_name, found=found, at=at)
    )


def passed(session: orm.Session, model_sha256: str, image_ids: Collection[str]) -> set[str]:
    """Which of ``image_ids`` the model has looked at already."""
    done: set[str] = set()
    ids = list(image_ids)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        done.update(
            session.execute(
                sa.select(P.image_id).where(P.model_sha256 == model_sha256, P.image_id.in_(chunk))
            ).scalars()
        )
    return done


def drop_open(session: orm.Session, image_id: str, model_sha256: str) -> int:
    """Delete a model's open suggestions on an image (before it looks again); returns how many."""
    result = session.execute(
        sa.delete(S).where(S.image_id == image_id, S.model_sha256 == model_sha256, S.state == OPEN)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def of_images(
    session: orm.Session, image_ids: Collection[str], states: Collection[str] = STATES
) -> list[models.SuggestionRow]:
    """Suggestions on these images, best score first within an image."""
    found: list[models.SuggestionRow] = []
    ids = list(image_ids)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        found += session.execute(
            sa.select(S)
            .where(S.image_id.in_(chunk), S.state.in_(list(states)))
            .order_by(S.image_id, S.score.desc(), S.id)
        ).scalars()
    return found


def select(
    session: orm.Session,
    *,
    states: Collection[str] = (OPEN,),
    min_score: float | None = None,
    max_score: float | None = None,
    class_ids: Collection[str] | None = None,
    model_name: str | None = None,
    image_ids: Collection[str] | None = None,
) -> list[models.SuggestionRow]:
    """Suggestions matching every filter given, in image order, best score first on an image."""
    img = models.ImageRow
    stmt = sa.select(S).join(img, img.id == S.image_id).where(S.state.in_(list(states)))
    if min_score is not None:
        stmt = stmt.where(S.score >= min_score)
    if max_score is not None:
        stmt = stmt.where(S.score < max_score)
    if class_ids is not None:
        stmt = stmt.where(S.class_id.in_(list(class_ids)))
    if model_name is not None:
        stmt = stmt.where(S.model_name == model_name)
    if image_ids is not None:
        stmt = stmt.where(S.image_id.in_(list(image_ids)))
    stmt = stmt.order_by(img.root_order, img.sort_key, S.score.desc(), S.id)
    return list(session.execute(stmt).scalars())


def get(session: orm.Session, ids: Iterable[str]) -> list[models.SuggestionRow]:
    wanted = list(ids)
    rows = {r.id: r for r in session.execute(sa.select(S).where(S.id.in_(wanted))).scalars()}
    return [rows[i] for i in wanted if i in rows]


def decide(
    row: models.SuggestionRow, state: str, who: str, at: dt.datetime,
    annotation_id: str | None = None,
) -> None:  # fmt: skip
    """Record an accept or reject (or reopen, with ``state`` open) on a row of the session."""
    row.state = state
    row.decided_at = None if state == OPEN else at
    row.decided_by = None if state == OPEN else who
    row.annotation_id = annotation_id


def least_certain(
    session: orm.Session, model_name: str | None = None, max_score: float | None = None
) -> list[tuple[str, float]]:
    """Images with open suggestions and their lowest open score, least certain first."""
    stmt = (
        sa.select(S.image_id, sa.func.min(S.score).label("low"))
        .where(S.state == OPEN)
        .group_by(S.image_id)
        .order_by(sa.func.min(S.score), S.image_id)
    )
    if model_name is not None:
        stmt = stmt.where(S.model_name == model_name)
    if max_score is not None:
        stmt = stmt.where(S.score < max_score)
    return [(r[0], float(r[1])) for r in session.execute(stmt)]


def outcomes(session: orm.Session, model_name: str | None = None) -> list[tuple[Any, ...]]:
    """Per decided or open suggestion: class id, model label, state, and — for accepted ones —
    whether the annotation made from it was changed since (its version, deleted flag)."""
    ann = models.AnnotationRow
    stmt = sa.select(S.class_id, S.label, S.state, ann.version, ann.deleted).outerjoin(
        ann, ann.id == S.annotation_id
    )
    if model_name is not None:
        stmt = stmt.where(S.model_name == model_name)
    return [tuple(r) for r in session.execute(stmt)]
