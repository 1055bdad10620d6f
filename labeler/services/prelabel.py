"""Pre-labeling with a model: images decoded upright, run in chunks, predictions kept as
suggestions (see :mod:`labeler.services.suggestions` for reading and settling them).

Pre-labeling records each image a model has looked at, so it resumes where it stopped; a
prediction overlapping a label, or a decided suggestion, of its class is not suggested again.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import sqlalchemy as sa

from labeler.assist import frames, kinds, loading, predictions
from labeler.domain import geometry as geo
from labeler.domain import ids
from labeler.domain import image as image_mod
from labeler.domain import kinds as shape_kinds
from labeler.imaging import decode
from labeler.services import assist as assist_svc
from labeler.services import images
from labeler.services import project as project_mod
from labeler.store import models, types
from labeler.store import suggestions as store

OPEN, ACCEPTED, REJECTED = store.OPEN, store.ACCEPTED, store.REJECTED

#: A prediction overlapping a label or a rejected suggestion of its class this much is dropped.
SAME_OBJECT_IOU = 0.5
#: Images decoded and run together, and written in one transaction.
CHUNK = 8


# -- pictures -----------------------------------------------------------------------------------


def frame_of(image: image_mod.Image, target: tuple[int, int] | None = None) -> frames.Frame:
    """The image decoded upright (EXIF applied), at least ``target`` large when it is bigger.

    Raises:
        DecodeError: the file cannot be decoded.
    """
    im, (w, h) = decode.open_upright(
        image.abs_path, target=target, orientation=image.known_orientation
    )
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
