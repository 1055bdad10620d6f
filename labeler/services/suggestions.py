"""Pre-labeling with a model, and settling its suggestions.

Suggestions are stored apart from labels (``suggestion`` rows): they never change the project's
data revision, counts, exports or sync. Pre-labeling records each image a model has looked at, so
it resumes where it stopped; a rejected suggestion stays, so the same prediction is not brought
back, and a prediction overlapping a label of its class is not suggested again. Accepting writes
an annotation through the annotation layer, its history naming the model, its hash and the score.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import datetime as dt
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

import numpy as np
import sqlalchemy as sa

from labeler import errors
from labeler.assist import frames, kinds, loading, predictions
from labeler.domain import annotation as ann_mod
from labeler.domain import geometry as geo
from labeler.domain import ids
from labeler.domain import image as image_mod
from labeler.domain import kinds as shape_kinds
from labeler.domain.changes import Changes
from labeler.imaging import decode
from labeler.services import annotate, images
from labeler.services import assist as assist_svc
from labeler.services import project as project_mod
from labeler.services import schema as schema_svc
from labeler.store import models, types
from labeler.store import suggestions as store

OPEN, ACCEPTED, REJECTED = store.OPEN, store.ACCEPTED, store.REJECTED

#: A prediction overlapping a label or a rejected suggestion of its class this much is dropped.
SAME_OBJECT_IOU = 0.5
#: Images decoded and run together, and written in one transaction.
CHUNK = 8


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


# -- pictures -----------------------------------------------------------------------------------


def frame_of(image: image_mod.Image, target: tuple[int, int] | None = None) -> frames.Frame:
    """The image decoded upright (EXIF applied), at least ``target`` large when it is bigger.

    Raises:
        DecodeError: the file cannot be decoded.
    """
    im, (w, h) = decode.open_upright(image.abs_path, target=target, orientation=image.orientation)
    if im.mode == "I":  # 16-bit grey: the top 8 bits
        im = im.point(lambda v: v / 256).convert("L")
    rgb = np.asarray(im.convert("RGB"), dtype=np.uint8)
    return frames.Frame(rgb, float(w), float(h))


def decode_target(detector: loading.Detector) -> tuple[int, int] | None:
    """How large a decode the detector can use: nothing beyond its input is ever looked at."""
    width, height = getattr(detector, "width", None), getattr(detector, "height", None)
    if isinstance(width, int) and isinstance(height, int) and width and height:
        side = max(width, height)
        return (side, side) if getattr(detector, "kind", None) in _STRETCHED else (width, height)
    return (1600, 1600)  # endpoints and free-size models: enough for any detector


_STRETCHED = (kinds.Kind.AUTOML_DETECT, kinds.Kind.AUTOML_SEGMENT)


# -- pre-labeling -------------------------------------------------------------------------------


@dataclasses.dataclass
class PredictReport:
    """What a pre-labeling run did."""

    model: str
    looked_at: int = 0
    skipped: int = 0  # looked at by this model before
    suggested: int = 0
    suppressed: int = 0  # already labeled, or rejected before
    unmapped: dict[str, int] = dataclasses.field(default_factory=dict)
    failed: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    stopped: bool = False
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["failed"] = [{"image": p, "reason": r} for p, r in self.failed]
        return data


def predict(
    project: project_mod.Project,
    entry: assist_svc.Entry,
    detector: loading.Detector,
    plan: assist_svc.ClassPlan,
    image_ids: Sequence[str],
    *,
    min_score: float = 0.25,
    again: bool = False,
    progress: Callable[[int, int], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> PredictReport:
    """Pre-label images with a model; each chunk of images is stored as it is done.

    Args:
        project: the project.
        entry: the registered model (its name and hash go on every suggestion).
        detector: the model, loaded.
        plan: which model classes go to which project class (others are counted, not stored).
        image_ids: the images, in the order to do them.
        min_score: predictions below this are not kept.
        again: look again at images the model has seen (their open suggestions are replaced).
        progress: called with (done, total) after each chunk.
        should_stop: asked between chunks; True ends the run (what is done stays).
    """
    started = time.perf_counter()
    report = PredictReport(entry.name)
    with project.read() as session:
        done = set() if again else store.passed(session, entry.sha256, image_ids)
    todo = [i for i in image_ids if i not in done]
    report.skipped = len(image_ids) - len(todo)
    total = len(todo)
    target = decode_target(detector)
    chunk = max(CHUNK, getattr(detector, "batch_size", 1))
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        # Decoding the next chunk overlaps running the model on this one.
        upcoming = pool.submit(_decode_chunk, project, todo[:chunk], target)
        for start in range(0, total, chunk):
            if should_stop is not None and should_stop():
                report.stopped = True
                upcoming.cancel()
                break
            decoded = upcoming.result()
            following = todo[start + chunk : start + 2 * chunk]
            if following:
                upcoming = pool.submit(_decode_chunk, project, following, target)
            ok = [(im, fr) for im, fr in decoded if isinstance(fr, frames.Frame)]
            for im, fr in decoded:
                if not isinstance(fr, frames.Frame):
                    report.failed.append((im.rel_path, str(fr)))
            found = detector.detect([fr for _, fr in ok], min_score) if ok else []
            _store(project, entry, plan, [im for im, _ in ok], found, again, report)
            report.looked_at += len(ok)
            if progress is not None:
                progress(min(start + chunk, total), total)
    report.seconds = time.perf_counter() - started
    return report


def _decode_chunk(
    project: project_mod.Project, chunk: Sequence[str], target: tuple[int, int] | None
) -> list[tuple[image_mod.Image, frames.Frame | str]]:
    out: list[tuple[image_mod.Image, frames.Frame | str]] = []
    for image in images.get_images(project, chunk):
        if not image.usable:
            out.append((image, image.problem_detail or "the file is missing or unusable"))
            continue
        try:
            out.append((image, frame_of(image, target)))
        except decode.DecodeError as exc:
            out.append((image, str(exc)))
    return out


def _store(
    project: project_mod.Project,
    entry: assist_svc.Entry,
    plan: assist_svc.ClassPlan,
    shown: Sequence[image_mod.Image],
    found: Sequence[Sequence[predictions.Prediction]],
    again: bool,
    report: PredictReport,
) -> None:
    now = types.utcnow()
    image_ids = [im.id for im in shown]
    # Suggestions are not labels: no data revision, no counters, no sync marks.
    with project.db.write() as session:
        known = _known_objects(session, image_ids)
        rows: list[dict[str, Any]] = []
        for image, preds in zip(shown, found, strict=True):
            if again:
                store.drop_open(session, image.id, entry.sha256)
            kept = 0
            for p in preds:
                class_id = plan.class_for(p.label)
                if class_id is None:
                    if p.label not in plan.ignored:
                        report.unmapped[p.label] = report.unmapped.get(p.label, 0) + 1
                    continue
                if _seen(known.get(image.id, []), class_id, p.geometry):
                    report.suppressed += 1
                    continue
                kind = (
                    geo.ShapeKind.BOX if isinstance(p.geometry, geo.Box) else geo.ShapeKind.POLYGON
                )
                rows.append({
                    "id": ids.new_id(), "image_id": image.id, "model_name": entry.name,
                    "model_sha256": entry.sha256, "label": p.label, "class_id": class_id,
                    "kind": kind.value, "geometry": p.geometry.to_json(), "score": p.score,
                    "state": OPEN, "created_at": now,
                })  # fmt: skip
                kept += 1
            store.mark_pass(session, image.id, entry.sha256, entry.name, kept, now)
            report.suggested += kept
        store.insert(session, rows)


def _known_objects(
    session: Any, image_ids: Sequence[str]
) -> dict[str, list[tuple[str | None, geo.Box]]]:
    """Per image: (class id, bounds) of its live labels and of suggestions already decided or
    open, so the same object is not suggested twice."""
    known: dict[str, list[tuple[str | None, geo.Box]]] = {}
    for image_id, labels in _live_annotations(session, image_ids).items():
        known.setdefault(image_id, []).extend(labels)
    for row in store.of_images(session, image_ids, (REJECTED, ACCEPTED, OPEN)):
        if row.state == OPEN:
            continue  # open ones of other models may be right or wrong: no say
        g = shape_kinds.parse(geo.ShapeKind(row.kind), row.geometry)
        known.setdefault(row.image_id, []).append((row.class_id, _bounds(g)))
    return known


def _live_annotations(
    session: Any, image_ids: Sequence[str]
) -> dict[str, list[tuple[str | None, geo.Box]]]:
    a = models.AnnotationRow
    out: dict[str, list[tuple[str | None, geo.Box]]] = {}
    rows = session.execute(
        sa.select(a.image_id, a.class_id, a.kind, a.geometry).where(
            a.image_id.in_(list(image_ids)), a.deleted.is_(False), a.kind != "tag"
        )
    )
    for image_id, class_id, kind, geometry in rows:
        g = shape_kinds.parse(geo.ShapeKind(kind), geometry)
        out.setdefault(image_id, []).append((class_id, _bounds(g)))
    return out


def _bounds(g: geo.Geometry) -> geo.Box:
    assert isinstance(g, geo.Box | geo.Polygon)
    return g if isinstance(g, geo.Box) else g.bounds


def iou(a: geo.Box, b: geo.Box) -> float:
    w = min(a.x1, b.x1) - max(a.x, b.x)
    h = min(a.y1, b.y1) - max(a.y, b.y)
    if w <= 0 or h <= 0:
        return 0.0
    inter = w * h
    return inter / (a.area + b.area - inter)


def _seen(known: Sequence[tuple[str | None, geo.Box]], class_id: str, g: geo.Geometry) -> bool:
    box = _bounds(g)
    return any(c == class_id and iou(box, k) >= SAME_OBJECT_IOU for c, k in known)


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
    """What accepting or rejecting did: the labels made (as ``Changes``) and the images whose
    suggestions changed."""

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

    Raises:
        SuggestionError: a suggestion is unknown, settled already, or has no project class.
    """
    author = project.author
    now = types.utcnow()
    made: list[str] = []
    touched: set[str] = set()
    with project.write() as (session, revision):
        for row in _open_rows(session, suggestion_ids):
            if row.class_id is None:
                raise SuggestionError(f"suggestion {row.id} ({row.label}) has no project class")
            shape = geometry.get(row.id) if geometry else None
            shape = shape or _to_domain(row).geometry
            kind = geo.ShapeKind.BOX if isinstance(shape, geo.Box) else geo.ShapeKind.POLYGON
            source = {"model": row.model_name, "sha256": row.model_sha256, "score": row.score,
                      "suggestion": row.id}  # fmt: skip
            new = ann_mod.NewShape(row.class_id, kind, shape)
            (annotation_id,) = annotate.insert_shapes(
                session, {row.image_id: [new]}, author, now, source
            )
            store.decide(row, ACCEPTED, author, now, annotation_id)
            made.append(annotation_id)
            touched.add(row.image_id)
    changes = Changes(
        annotations=frozenset(made), annotation_images=frozenset(touched), data_revision=revision
    )
    return Settled(changes, frozenset(touched), len(made))


def reject(project: project_mod.Project, suggestion_ids: Sequence[str]) -> Settled:
    """Turn suggestions down; they are kept, so the model's next run does not bring them back."""
    author = project.author
    now = types.utcnow()
    touched: set[str] = set()
    with project.db.write() as session:
        rows = _open_rows(session, suggestion_ids)
        for row in rows:
            store.decide(row, REJECTED, author, now)
            touched.add(row.image_id)
    return Settled(Changes(), frozenset(touched), len(rows))


def _open_rows(session: Any, suggestion_ids: Sequence[str]) -> list[models.SuggestionRow]:
    rows = store.get(session, suggestion_ids)
    found = {r.id for r in rows}
    missing = [i for i in suggestion_ids if i not in found]
    if missing:
        raise SuggestionError(f"no suggestion {missing[0]}")
    settled = [r for r in rows if r.state != OPEN]
    if settled:
        raise SuggestionError(f"suggestion {settled[0].id} was {settled[0].state} already")
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
