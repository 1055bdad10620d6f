"""A model's suggestions: reading them and settling them (accept, reject).

Suggestions are stored apart from labels (``suggestion`` rows): they never change the project's
data revision, counts, exports or sync. Accepting writes an annotation through the annotation
layer, its history naming the model, its hash and the score; a rejected suggestion stays, so the
same prediction is not brought back (:mod:`labeler.services.prelabel` makes suggestions).

This module loads no model code (numpy, OpenCV, onnxruntime): the app shows and settles
suggestions on every image switch, and opening a project must not pay for pre-labeling.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from labeler import errors
from labeler.domain import annotation as ann_mod
from labeler.domain import geometry as geo
from labeler.domain import kinds as shape_kinds
from labeler.domain.changes import Changes
from labeler.services import annotate, images
from labeler.services import project as project_mod
from labeler.services import schema as schema_svc
from labeler.store import models, types
from labeler.store import suggestions as store

OPEN, ACCEPTED, REJECTED = store.OPEN, store.ACCEPTED, store.REJECTED


class SuggestionError(errors.UserError):
    """A suggestion that cannot be settled (unknown, already settled, no project class)."""


@dataclasses.dataclass(frozen=True, slots=True)
class Suggestion:
    """One stored prediction, as the app and the command line show it."""

    id: str
    image_id: str
    model_name: str
    model_sha256: str
    label: str
    class_id: str | None
    geometry: geo.Box | geo.Polygon
    score: float
    state: str
    created_at: dt.datetime
    decided_at: dt.datetime | None = None
    decided_by: str | None = None
    annotation_id: str | None = None

    @property
    def kind(self) -> geo.ShapeKind:
        return geo.ShapeKind.BOX if isinstance(self.geometry, geo.Box) else geo.ShapeKind.POLYGON


def _to_domain(row: models.SuggestionRow) -> Suggestion:
    g = shape_kinds.parse(geo.ShapeKind(row.kind), row.geometry)
    assert isinstance(g, geo.Box | geo.Polygon)
    return Suggestion(
        row.id, row.image_id, row.model_name, row.model_sha256, row.label, row.class_id, g,
        row.score, row.state, row.created_at, row.decided_at, row.decided_by, row.annotation_id,
    )  # fmt: skip


# -- reading ------------------------------------------------------------------------------------


def of_image(
    project: project_mod.Project, image_id: str, states: Collection[str] = (OPEN,)
) -> list[Suggestion]:
    """An image's suggestions, best first."""
    with project.read() as session:
        return [_to_domain(r) for r in store.of_images(session, [image_id], states)]


def find(
    project: project_mod.Project,
    *,
    states: Collection[str] = (OPEN,),
    min_score: float | None = None,
    max_score: float | None = None,
    class_names: Sequence[str] | None = None,
    model: str | None = None,
    image_ids: Collection[str] | None = None,
) -> list[Suggestion]:
    """Suggestions matching the filters, in image order (best first on an image)."""
    class_ids = None
    if class_names is not None:
        class_ids = [schema_svc.find_class(project, n).id for n in class_names]
    with project.read() as session:
        rows = store.select(
            session, states=states, min_score=min_score, max_score=max_score,
            class_ids=class_ids, model_name=model, image_ids=image_ids,
        )  # fmt: skip
        return [_to_domain(r) for r in rows]


# -- settling -----------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class Settled:
    """What accepting, rejecting or reopening did: the labels made or taken back and the images
    whose suggestions changed (as ``Changes``), and how many suggestions."""

    changes: Changes
    images: frozenset[str]
    count: int


def accept(
    project: project_mod.Project,
    suggestion_ids: Sequence[str],
    *,
    geometry: Mapping[str, geo.Box | geo.Polygon] | None = None,
) -> Settled:
    """Make labels of open suggestions, in one transaction; each label's history names the
    model, its hash and the score. ``geometry`` replaces a suggestion's shape (fixed first).
    A suggestion accepted before and reopened (an undo) brings back the very label it made.

    Raises:
        SuggestionError: a suggestion is unknown, settled already, or has no project class.
    """
    author = project.author
    now = types.utcnow()
    made: list[str] = []
    touched: set[str] = set()
    with project.write() as (session, revision):
        for row in _rows(session, suggestion_ids, opened=True):
            if row.class_id is None:
                raise SuggestionError(f"suggestion {row.id} ({row.label}) has no project class")
            if row.annotation_id is not None and not geometry:
                annotate.set_deleted_in(
                    session, [row.annotation_id], deleted=False, author=author, now=now
                )
                annotation_id = row.annotation_id
            else:
                shape = geometry.get(row.id) if geometry else None
                shape = shape or _to_domain(row).geometry
                kind = geo.ShapeKind.BOX if isinstance(shape, geo.Box) else geo.ShapeKind.POLYGON
                source = {"model": row.model_name, "sha256": row.model_sha256,
                          "score": row.score, "suggestion": row.id}  # fmt: skip
                new = ann_mod.NewShape(row.class_id, kind, shape)
                (annotation_id,) = annotate.insert_shapes(
                    session, {row.image_id: [new]}, author, now, source
                )
            store.decide(row, ACCEPTED, author, now, annotation_id)
            made.append(annotation_id)
            touched.add(row.image_id)
    changes = Changes(
        annotations=frozenset(made), annotation_images=frozenset(touched),
        suggestion_images=frozenset(touched), data_revision=revision,
    )  # fmt: skip
    return Settled(changes, frozenset(touched), len(made))


def reject(project: project_mod.Project, suggestion_ids: Sequence[str]) -> Settled:
    """Turn suggestions down; they are kept, so the model's next run does not bring them back."""
    author = project.author
    now = types.utcnow()
    touched: set[str] = set()
    with project.db.write() as session:
        rows = _rows(session, suggestion_ids, opened=True)
        for row in rows:
            store.decide(row, REJECTED, author, now, row.annotation_id)
            touched.add(row.image_id)
    return Settled(Changes(suggestion_images=frozenset(touched)), frozenset(touched), len(rows))


def reopen(project: project_mod.Project, suggestion_ids: Sequence[str]) -> Settled:
    """Take back accepting or rejecting (undo): the suggestions are open again, and the label an
    accepted one made is deleted (a tombstone that accepting again brings back), in one
    transaction.

    Raises:
        SuggestionError: a suggestion is unknown or open already.
    """
    author = project.author
    now = types.utcnow()

    def take_back(session: Any) -> tuple[list[str], set[str], set[str]]:
        taken: list[str] = []
        touched: set[str] = set()
        for row in _rows(session, suggestion_ids, opened=False):
            if row.state == ACCEPTED and row.annotation_id is not None:
                taken.append(row.annotation_id)
            # The label's id stays on the row: accepting again restores that very label.
            store.decide(row, OPEN, author, now, row.annotation_id)
            touched.add(row.image_id)
        labels = annotate.set_deleted_in(session, taken, deleted=True, author=author, now=now)
        return taken, labels, touched

    with project.read() as session:
        labels_made = any(r.state == ACCEPTED for r in store.get(session, suggestion_ids))
    revision = 0
    if labels_made:  # labels go: the project's data changes
        with project.write() as (session, revision):
            taken, labels, touched = take_back(session)
    else:  # only suggestions change: not the project's data
        with project.db.write() as session:
            taken, labels, touched = take_back(session)
    changes = Changes(
        annotations=frozenset(taken), annotation_images=frozenset(labels),
        suggestion_images=frozenset(touched), data_revision=revision,
    )  # fmt: skip
    return Settled(changes, frozenset(touched), len(suggestion_ids))  # each one, or refused


def _rows(
    session: Any, suggestion_ids: Sequence[str], *, opened: bool
) -> list[models.SuggestionRow]:
    """The rows, all open (``opened``) or all decided; anything else is refused."""
    rows = store.get(session, suggestion_ids)
    found = {r.id for r in rows}
    missing = [i for i in suggestion_ids if i not in found]
    if missing:
        raise SuggestionError(f"no suggestion {missing[0]}")
    wrong = [r for r in rows if (r.state != OPEN) == opened]
    if wrong and opened:
        raise SuggestionError(f"suggestion {wrong[0].id} was {wrong[0].state} already")
    if wrong:
        raise SuggestionError(f"suggestion {wrong[0].id} is open: nothing to take back")
    return rows


# -- review by confidence -----------------------------------------------------------------------


def least_certain(
    project: project_mod.Project, model: str | None = None
) -> list[tuple[str, float]]:
    """Images with open suggestions, least certain first (by their lowest open score)."""
    with project.read() as session:
        return store.least_certain(session, model)


def to_check(project: project_mod.Project, flt: images.ImageFilter | None = None) -> list[str]:
    """Ids of the images with open suggestions (matching ``flt``), least certain first."""
    order = [image_id for image_id, _ in least_certain(project)]
    if flt is None or flt == images.ImageFilter():
        return order
    keep = set(images.list_image_ids(project, flt))
    return [i for i in order if i in keep]


def next_to_check(
    project: project_mod.Project, current: str | None, model: str | None = None
) -> str | None:
    """The image to check next: the least certain one other than ``current``."""
    order = [image_id for image_id, _ in least_certain(project, model)]
    return next((i for i in order if i != current), None)


@dataclasses.dataclass
class Outcome:
    """How a class's suggestions fared."""

    open: int = 0
    accepted: int = 0  # accepted, and the label unchanged since
    edited: int = 0  # accepted, then changed
    rejected: int = 0  # rejected, or accepted and deleted since

    @property
    def decided(self) -> int:
        return self.accepted + self.edited + self.rejected


def outcomes(project: project_mod.Project, model: str | None = None) -> dict[str, Outcome]:
    """Per project class (by name; the model's label where it has none): how many suggestions are
    open, accepted unchanged, edited after accepting, or rejected."""
    names = {c.id: c.name for c in schema_svc.get_schema(project).classes}
    result: dict[str, Outcome] = {}
    with project.read() as session:
        for class_id, label, state, version, deleted in store.outcomes(session, model):
            o = result.setdefault(names.get(class_id or "", label), Outcome())
            if state == OPEN:
                o.open += 1
            elif state == REJECTED or deleted:
                o.rejected += 1
            elif (version or 1) > 1:
                o.edited += 1
            else:
                o.accepted += 1
    return result
