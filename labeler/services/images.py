"""Listing, counting and reading images with filters and paging."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from labeler import errors
from labeler.domain import annotation as ann_mod
from labeler.domain import image as image_mod
from labeler.domain import status as status_mod
from labeler.services import annotate, review
from labeler.services import project as project_mod
from labeler.store import models

S = status_mod.ImageStatus


@dataclasses.dataclass(frozen=True, slots=True)
class ImageFilter:
    """Which images to list. Every field left None matches everything.

    Attributes:
        statuses: only these statuses.
        class_id: only images with a live annotation (tag or shape) of this class.
        text: only images whose relative path contains this text (case-insensitive).
        problems: True for images with a problem or missing file only; False for usable ones only.
        labeled: True for labeled statuses (done, needs review, approved, rejected); False for new,
            in progress and skipped.
    """

    statuses: frozenset[status_mod.ImageStatus] | None = None
    class_id: str | None = None
    text: str | None = None
    problems: bool | None = None
    labeled: bool | None = None


class ImageNotFound(errors.UserError, KeyError):
    """An image id the project does not have."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


def _where(flt: ImageFilter | None) -> list[sa.ColumnElement[bool]]:
    img = models.ImageRow
    if flt is None:
        return []
    conds: list[sa.ColumnElement[bool]] = []
    if flt.statuses is not None:
        conds.append(img.status.in_([s.value for s in flt.statuses]))
    if flt.labeled is not None:
        labeled = img.status.in_([s.value for s in status_mod.LABELED])
        conds.append(labeled if flt.labeled else ~labeled)
    if flt.problems is not None:
        bad = sa.or_(img.problem.is_not(None), img.missing.is_(True))
        conds.append(bad if flt.problems else ~bad)
    if flt.text:
        needle = flt.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        conds.append(img.rel_path.ilike(f"%{needle}%", escape="\\"))
    if flt.class_id is not None:
        ann = models.AnnotationRow
        conds.append(
            sa.exists().where(
                ann.image_id == img.id, ann.class_id == flt.class_id, ann.deleted.is_(False)
            )
        )
    return conds


def list_image_ids(project: project_mod.Project, flt: ImageFilter | None = None) -> list[str]:
    """Ids of the matching images in natural order (ids only: cheap even for 100,000 images)."""
    img = models.ImageRow
    with project.read() as session:
        return list(
            session.execute(
                sa.select(img.id).where(*_where(flt)).order_by(img.root_order, img.sort_key)
            ).scalars()
        )


def list_images(
    project: project_mod.Project, flt: ImageFilter | None = None, offset: int = 0, limit: int = 100
) -> list[image_mod.Image]:
    """One page of matching images, in natural order."""
    img = models.ImageRow
    with project.read() as session:
        rows = session.execute(
            _select_images()
            .where(*_where(flt))
            .order_by(img.root_order, img.sort_key)
            .offset(offset)
            .limit(limit)
        ).all()
    return [_to_image(r) for r in rows]


def count_images(project: project_mod.Project, flt: ImageFilter | None = None) -> int:
    with project.read() as session:
        return int(
            session.execute(
                sa.select(sa.func.count(models.ImageRow.id)).where(*_where(flt))
            ).scalar_one()
        )


def get_images(project: project_mod.Project, image_ids: Sequence[str]) -> list[image_mod.Image]:
    """The images with these ids, in the same order (unknown ids are left out)."""
    img = models.ImageRow
    found: dict[str, image_mod.Image] = {}
    with project.read() as session:
        for start in range(0, len(image_ids), 500):
            chunk = list(image_ids[start : start + 500])
            for row in session.execute(_select_images().where(img.id.in_(chunk))):
                found[row.id] = _to_image(row)
    return [found[i] for i in image_ids if i in found]


def get_image(project: project_mod.Project, image_id: str) -> image_mod.Image:
    """One image.

    Raises:
        ImageNotFound: for an id the project does not have (it may have been removed by a scan).
    """
    images = get_images(project, [image_id])
    if not images:
        raise ImageNotFound(f"no image {image_id} in {project.path}")
    return images[0]


@dataclasses.dataclass(frozen=True, slots=True)
class ImageView:
    """What the workbench shows of one image, read together.

    Attributes:
        image: the image record.
        annotations: its live annotations (tags included), oldest first.
        review: its status changes and comments, oldest first.
    """

    image: image_mod.Image
    annotations: tuple[ann_mod.Annotation, ...]
    review: tuple[review.ReviewEntry, ...]


def image_views(project: project_mod.Project, image_ids: Sequence[str]) -> dict[str, ImageView]:
    """The views of these images by id (unknown ids are left out).

    One query per kind of row for all of them: the app reads the images around the one in view
    ahead of time with this, so that going to the next image reads nothing.
    """
    images = get_images(project, image_ids)
    ids = [im.id for im in images]
    annotations = annotate.annotations_of_images(project, ids)
    logs = review.review_logs(project, ids)
    return {
        im.id: ImageView(im, tuple(annotations.get(im.id, ())), tuple(logs.get(im.id, ())))
        for im in images
    }


def next_image_id(
    project: project_mod.Project, after_id: str | None, flt: ImageFilter
) -> str | None:
    """The first matching image after ``after_id`` in natural order (wrapping to the start)."""
    img = models.ImageRow
    with project.read() as session:
        base = sa.select(img.id).where(*_where(flt)).order_by(img.root_order, img.sort_key)
        if after_id is not None:
            pos = session.execute(
                sa.select(img.root_order, img.sort_key).where(img.id == after_id)
            ).one_or_none()
            if pos is not None:
                later = session.execute(
                    base.where(
                        sa.tuple_(img.root_order, img.sort_key) > sa.tuple_(pos[0], pos[1])
                    ).limit(1)
                ).scalar_one_or_none()
                if later is not None:
                    return str(later)
        first = session.execute(base.limit(1)).scalar_one_or_none()
        return None if first is None or first == after_id else str(first)


@functools.cache
def _select_images() -> sa.Select[*tuple[Any, ...]]:
    """The columns of an image record (built once: statements are immutable, and building this
    one costs more than running it for a few ids)."""
    img = models.ImageRow
    return sa.select(
        img.id,
        img.root_id,
        img.rel_path,
        img.status,
        img.sha256,
        img.width,
        img.height,
        img.orientation,
        img.format,
        img.bytes,
        img.mtime,
        img.problem,
        img.problem_detail,
        img.missing,
        img.indexed,
        img.annotation_count,
        models.ImageRootRow.path.label("root_path"),
    ).join(models.ImageRootRow, models.ImageRootRow.id == img.root_id)


def _to_image(row: sa.Row[Any]) -> image_mod.Image:
    m = row._mapping
    return image_mod.Image(
        id=m["id"],
        root_id=m["root_id"],
        rel_path=m["rel_path"],
        status=S(m["status"]),
        sha256=m["sha256"],
        width=m["width"],
        height=m["height"],
        orientation=m["orientation"] or 1,
        format=m["format"],
        bytes=m["bytes"],
        mtime=m["mtime"],
        problem=image_mod.Problem(m["problem"]) if m["problem"] else None,
        problem_detail=m["problem_detail"],
        missing=bool(m["missing"]),
        indexed=bool(m["indexed"]),
        annotation_count=m["annotation_count"] or 0,
        root_path=m["root_path"],
    )
