"""Project statistics: progress, statuses, classes, problems, duplicates.

Progress is counted over the images that can be labeled: a file that is empty, truncated, not an
image or over the pixel limit can never be finished, so it is counted apart ("120 images, 4 that
cannot be labeled"), and so is a file that went missing. Otherwise progress could never reach 100 %.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Any

import sqlalchemy as sa

from labeler.domain import frame, kinds
from labeler.domain import geometry as geo
from labeler.domain import status as status_mod
from labeler.services import indexing
from labeler.services import project as project_mod
from labeler.services import schema as schema_svc
from labeler.store import models


@dataclasses.dataclass(frozen=True, slots=True)
class ProblemImage:
    path: str
    problem: str
    detail: str


@dataclasses.dataclass(frozen=True, slots=True)
class Progress:
    """How far labeling is, counted over the images that can be labeled.

    Attributes:
        labeled: images that can be labeled and have a labeled status (done, needs review,
            approved, rejected).
        labelable: images whose file is there and can be shown.
        cannot_label: files that are there but cannot be labeled (empty, truncated, not an image,
            over the pixel limit...).
        missing: files that went missing (their labels are kept).
    """

    labeled: int
    labelable: int
    cannot_label: int
    missing: int

    @property
    def total(self) -> int:
        return self.labelable + self.cannot_label + self.missing

    @property
    def percent(self) -> float:
        return 100.0 * self.labeled / self.labelable if self.labelable else 0.0

    def apart(self) -> str:
        """The images counted apart, in words ("4 that cannot be labeled, 1 missing"), or ""."""
        parts = []
        if self.cannot_label:
            parts.append(f"{self.cannot_label:,} that cannot be labeled")
        if self.missing:
            parts.append(f"{self.missing:,} missing")
        return ", ".join(parts)


def progress(project: project_mod.Project) -> Progress:
    """Labeled, labelable, unusable and missing images, in one query."""
    img = models.ImageRow
    labeled = img.status.in_([s.value for s in status_mod.LABELED])
    with project.read() as session:
        rows = session.execute(
            sa.select(img.missing, img.problem.is_not(None), labeled, sa.func.count()).group_by(
                img.missing, img.problem.is_not(None), labeled
            )
        ).all()
    done = usable = bad = gone = 0
    for missing, problem, is_labeled, n in rows:
        if missing:
            gone += n
        elif problem:
            bad += n
        else:
            usable += n
            done += n if is_labeled else 0
    return Progress(labeled=done, labelable=usable, cannot_label=bad, missing=gone)


@dataclasses.dataclass(frozen=True, slots=True)
class ProjectStats:
    """What ``labeler stats`` prints and the app's status bar summarises.

    ``total`` counts every image; ``labeled`` and ``labelable`` only the images that can be
    labeled (see :class:`Progress`); ``cannot_label`` the files that cannot.
    """

    name: str
    path: str
    total: int
    labeled: int
    labelable: int
    cannot_label: int
    per_status: dict[str, int]
    per_class: dict[str, int]
    annotations: int
    pending_index: int
    missing: list[str]
    problems: list[ProblemImage]
    duplicates: list[list[str]]
    data_revision: int
    schema_version: int

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def statistics(project: project_mod.Project) -> ProjectStats:
    img = models.ImageRow
    root = models.ImageRootRow
    schema = schema_svc.get_schema(project)
    counts = schema_svc.class_counts(project)
    done = progress(project)
    with project.read() as session:
        meta = session.execute(sa.select(models.ProjectMeta)).scalar_one()
        per_status = {s.value: 0 for s in status_mod.ImageStatus}
        for value, n in session.execute(
            sa.select(img.status, sa.func.count()).group_by(img.status)
        ):
            per_status[value] = n
        bad = session.execute(
            sa.select(root.path, img.rel_path, img.problem, img.problem_detail, img.missing)
            .join(root, root.id == img.root_id)
            .where(sa.or_(img.problem.is_not(None), img.missing.is_(True)))
            .order_by(img.root_order, img.sort_key)
        ).all()
        pending = session.execute(
            sa.select(sa.func.count()).where(img.indexed.is_(False), img.missing.is_(False))
        ).scalar_one()
    missing = [os.path.join(r, p) for r, p, _, _, m in bad if m]
    problems = [
        ProblemImage(os.path.join(r, p), prob, detail or prob)
        for r, p, prob, detail, m in bad
        if prob and not m
    ]
    return ProjectStats(
        name=meta.name,
        path=str(project.path),
        total=sum(per_status.values()),
        labeled=done.labeled,
        labelable=done.labelable,
        cannot_label=done.cannot_label,
        per_status=per_status,
        per_class={c.name: counts.get(c.id, 0) for c in schema.classes},
        annotations=sum(counts.values()),
        pending_index=int(pending),
        missing=missing,
        problems=problems,
        duplicates=indexing.duplicates(project),
        data_revision=meta.data_revision,
        schema_version=meta.schema_version,
    )


@dataclasses.dataclass(frozen=True, slots=True)
class ShapeOutsideFrame:
    """A stored shape that reaches outside its image's frame (see :mod:`labeler.domain.frame`).

    Attributes:
        path: the image file.
        image_id, annotation_id: where to find it.
        class_name: its class (None: no class).
        kind: box, polygon...
        bounds: x0, y0, x1, y1 of the shape, in pixels.
        frame: the image's width and height (displayed frame).
        sideways: the shape fits the image turned a quarter: it was most likely drawn while the
            photo was shown without its EXIF orientation.
    """

    path: str
    image_id: str
    annotation_id: str
    class_name: str | None
    kind: str
    bounds: tuple[float, float, float, float]
    frame: tuple[int, int]
    sideways: bool

    def describe(self) -> str:
        x0, y0, x1, y1 = self.bounds
        w, h = self.frame
        what = f"{self.kind} {self.class_name or '(no class)'}"
        hint = " — it fits the picture turned sideways" if self.sideways else ""
        return (
            f"{self.path}: {what} at x {x0:.0f}–{x1:.0f}, y {y0:.0f}–{y1:.0f} in a {w} × {h} "
            f"image{hint}"
        )


def shapes_outside_frames(project: project_mod.Project) -> list[ShapeOutsideFrame]:
    """Live shapes that reach outside their image's frame further than the tolerance, in image
    order (images whose size is not known yet are not checked)."""
    img, ann, root, cls = (
        models.ImageRow, models.AnnotationRow, models.ImageRootRow, models.LabelClassRow,
    )  # fmt: skip
    with project.read() as session:
        rows = session.execute(
            sa.select(
                root.path,
                img.rel_path,
                img.id,
                img.width,
                img.height,
                ann.id,
                ann.kind,
                ann.geometry,
                cls.name,
            )
            .join(img, img.id == ann.image_id)
            .join(root, root.id == img.root_id)
            .outerjoin(cls, cls.id == ann.class_id)
            .where(
                ann.deleted.is_(False),
                ann.kind != geo.ShapeKind.TAG.value,
                img.width.is_not(None),
                img.height.is_not(None),
            )
            .order_by(img.root_order, img.sort_key, ann.created_at)
        ).all()
    out: list[ShapeOutsideFrame] = []
    for root_path, rel, image_id, width, height, ann_id, kind, geometry, class_name in rows:
        try:
            shape = kinds.parse(geo.ShapeKind(kind), geometry)
        except (geo.GeometryError, ValueError):
            continue  # unreadable geometry is another problem, reported where it is read
        if not frame.overshoot(shape, width, height).beyond(width, height):
            continue
        assert shape is not None
        b = shape.bounds
        turned = frame.overshoot(shape, height, width)
        out.append(
            ShapeOutsideFrame(
                path=os.path.join(root_path, rel), image_id=image_id, annotation_id=ann_id,
                class_name=class_name, kind=kind, bounds=(b.x, b.y, b.x1, b.y1),
                frame=(width, height), sideways=not turned.beyond(height, width),
            )
        )  # fmt: skip
    return out
