"""Adding, editing and deleting annotations; image tags; annotation history.

Every call is one transaction: the annotation rows, their append-only history and the image's
counters change together or not at all, and are durable when the call returns. The rows are
written by the store's query layer (``labeler.store.annotations`` and ``labeler.store.images``);
this module checks what the user asked for and says what changed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm

from labeler import errors
from labeler.domain import annotation as ann_mod
from labeler.domain import frame, ids, kinds
from labeler.domain import geometry as geo
from labeler.domain import schema as schema_mod
from labeler.domain import status as status_mod
from labeler.domain.changes import Changes
from labeler.services import project as project_mod
from labeler.store import annotations as store_annotations
from labeler.store import images as store_images
from labeler.store import models, types
from labeler.store import schema as store_schema

A = models.AnnotationRow


class AnnotationError(errors.UserError, ValueError):
    """An edit that cannot be applied (unknown image, class or annotation; wrong geometry)."""


def list_annotations(project: project_mod.Project, image_id: str) -> list[ann_mod.Annotation]:
    """The live (not deleted) annotations of an image, oldest first."""
    with project.read() as session:
        rows = session.execute(
            sa.select(A)
            .where(A.image_id == image_id, A.deleted.is_(False))
            .order_by(A.created_at, A.id)
        ).scalars()
        return [to_domain(r) for r in rows]


def annotations_of_images(
    project: project_mod.Project, image_ids: Sequence[str]
) -> dict[str, list[ann_mod.Annotation]]:
    """Live annotations of many images at once, by image id (oldest first within an image)."""
    out: dict[str, list[ann_mod.Annotation]] = {}
    with project.read() as session:
        for start in range(0, len(image_ids), 500):
            chunk = list(image_ids[start : start + 500])
            rows = session.execute(
                sa.select(A)
                .where(A.image_id.in_(chunk), A.deleted.is_(False))
                .order_by(A.created_at, A.id)
            ).scalars()
            for row in rows:
                out.setdefault(row.image_id, []).append(to_domain(row))
    return out


#: A live annotation as :func:`live_annotation_rows` reads it: image id, class id, kind, and the
#: stored JSON text of the geometry and the attributes (parsed by the caller, only where needed).
LiveRow = tuple[str, str | None, str, str | None, str | None]


def live_annotation_rows(session: orm.Session, statuses: Collection[str]) -> list[LiveRow]:
    """Every live annotation of the images with these statuses, in one query, for exports.

    Rows come grouped by image in natural image order, oldest first within an image (the
    order of :func:`list_annotations`). No ORM objects and no parsing: 100,000 rows read in a
    fraction of a second. Runs in the caller's read, so images and labels are one snapshot.
    """
    wanted = list(statuses)
    if not wanted:
        return []
    marks = ", ".join("?" * len(wanted))
    # CROSS JOIN makes SQLite walk the images in their order index and fetch each image's
    # annotations by index, sorting only within an image (a third faster than letting it scan
    # the annotations and sort all of them).
    sql = (
        "SELECT a.image_id, a.class_id, a.kind, a.geometry, a.attributes"
        " FROM image AS i CROSS JOIN annotation AS a ON a.image_id = i.id"
        f" WHERE a.deleted = 0 AND i.status IN ({marks})"
        " ORDER BY i.root_order, i.sort_key, i.id, a.created_at, a.id"
    )
    return list(session.connection().exec_driver_sql(sql, tuple(wanted)).all())


def get_annotations(
    project: project_mod.Project, annotation_ids: Sequence[str]
) -> list[ann_mod.Annotation]:
    """Annotations by id, deleted ones included, in the order given."""
    with project.read() as session:
        rows = {
            r.id: r
            for r in session.execute(sa.select(A).where(A.id.in_(list(annotation_ids)))).scalars()
        }
    return [to_domain(rows[i]) for i in annotation_ids if i in rows]


def add_annotations(
    project: project_mod.Project, image_id: str, shapes: Sequence[ann_mod.NewShape]
) -> Changes:
    """Create annotations on an image. A shape may bring its own id (redo re-creates the same row)."""
    with project.write() as (session, revision):
        made = insert_shapes(session, {image_id: shapes}, project.author, types.utcnow())
    return Changes(
        annotations=frozenset(made), annotation_images=frozenset({image_id}), data_revision=revision
    )


def insert_shapes(
    session: orm.Session,
    shapes: Mapping[str, Sequence[ann_mod.NewShape]],
    author: str,
    now: dt.datetime,
    source: Mapping[str, Any] | None = None,
) -> list[str]:
    """Insert shapes on images (``shapes``: by image id) inside the caller's unit of work, with
    their history and the images' counters, in a few bulk statements (an import of 100,000 boxes
    goes through here as one drawn box does). ``source`` goes into the first history version
    when the shapes were not drawn by hand (an accepted suggestion: its model, hash and score).

    Raises:
        AnnotationError: an unknown image or class, or an id that exists already.
    """
    frames = store_images.frames(session, list(shapes))
    missing = [image_id for image_id in shapes if image_id not in frames]
    if missing:
        raise AnnotationError(f"no image {missing[0]}")
    live_classes = store_schema.live_class_ids(session)
    fresh = iter(ids.new_ids(sum(1 for s in shapes.values() for shape in s if not shape.id)))
    rows: list[store_annotations.New] = []
    for image_id, on_image in shapes.items():
        for shape in on_image:
            if shape.class_id is not None and shape.class_id not in live_classes:
                raise AnnotationError(f"unknown class {shape.class_id}")
            geometry = frame.fit(shape.geometry, *frames[image_id])
            rows.append(
                store_annotations.New(
                    id=shape.id or next(fresh), image_id=image_id, class_id=shape.class_id,
                    kind=shape.kind.value, geometry=geo.geometry_to_json(geometry),
                    attributes=shape.attributes, author=author, at=now, source=source,
                )
            )  # fmt: skip
    # Ids a caller chose (redo does) must be new; fresh ones are new by construction.
    chosen = [s.id for on_image in shapes.values() for s in on_image if s.id]
    taken = store_annotations.existing(session, chosen) if chosen else set()
    twice = {i for i in chosen if chosen.count(i) > 1} if len(set(chosen)) < len(chosen) else set()
    if taken or twice:
        raise AnnotationError(f"annotation {sorted(taken | twice)[0]} exists already")
    store_annotations.insert(session, rows)
    store_images.annotations_changed(session, shapes, author=author, at=now)
    return [row.id for row in rows]


def update_annotations(
    project: project_mod.Project, edits: Mapping[str, ann_mod.ShapeEdit]
) -> Changes:
    """Apply edits (class, geometry, attributes) to live annotations, one history entry each."""
    author, now = project.author, types.utcnow()
    images: set[str] = set()
    with project.write() as (session, revision):
        live_classes = store_schema.live_class_ids(session)
        for ann_id, edit in edits.items():
            row = _live(session, ann_id)
            if edit.class_id is not None and edit.class_id not in live_classes:
                raise AnnotationError(f"unknown class {edit.class_id}")
            if edit.geometry is not None:
                kinds.check(geo.ShapeKind(row.kind), edit.geometry)
                (size,) = store_images.frames(session, [row.image_id]).values()
                geometry = frame.fit(edit.geometry, *size)
            store_annotations.update(
                session, row, author=author, at=now,
                class_id=(
                    None
                    if edit.no_class
                    else store_annotations.KEEP if edit.class_id is None else edit.class_id
                ),
                geometry=(
                    store_annotations.KEEP
                    if edit.geometry is None
                    else geo.geometry_to_json(geometry)
                ),
                attributes=store_annotations.KEEP if edit.attributes is None else edit.attributes,
            )  # fmt: skip
            images.add(row.image_id)
        store_images.annotations_changed(session, images, author=author, at=now)
    return Changes(
        annotations=frozenset(edits), annotation_images=frozenset(images), data_revision=revision
    )


def delete_annotations(project: project_mod.Project, annotation_ids: Sequence[str]) -> Changes:
    """Delete annotations (tombstones: the rows stay, marked deleted, with a history entry)."""
    return _set_deleted(project, annotation_ids, deleted=True)


def restore_annotations(project: project_mod.Project, annotation_ids: Sequence[str]) -> Changes:
    """Bring deleted annotations back exactly as they were (undo of a delete)."""
    return _set_deleted(project, annotation_ids, deleted=False)


def set_deleted_in(
    session: orm.Session,
    annotation_ids: Sequence[str],
    *,
    deleted: bool,
    author: str,
    now: dt.datetime,
) -> set[str]:
    """Delete or restore annotations in a unit of work; returns the images whose labels changed.

    Raises:
        AnnotationError: an annotation does not exist.
    """
    images: set[str] = set()
    for ann_id in annotation_ids:
        row = session.get(models.AnnotationRow, ann_id)
        if row is None:
            raise AnnotationError(f"no annotation {ann_id}")
        if row.deleted == deleted:
            continue
        store_annotations.update(session, row, author=author, at=now, deleted=deleted)
        images.add(row.image_id)
    store_images.annotations_changed(session, images, author=author, at=now)
    return images


def _set_deleted(
    project: project_mod.Project, annotation_ids: Sequence[str], *, deleted: bool
) -> Changes:
    author, now = project.author, types.utcnow()
    with project.write() as (session, revision):
        images = set_deleted_in(session, annotation_ids, deleted=deleted, author=author, now=now)
    return Changes(
        annotations=frozenset(annotation_ids),
        annotation_images=frozenset(images),
        data_revision=revision,
    )


def set_tags(
    project: project_mod.Project,
    image_id: str,
    class_ids: Sequence[str],
    status: status_mod.ImageStatus | None = None,
) -> Changes:
    """Make the image's tags exactly ``class_ids`` (one at most in single-label projects).

    With ``status``, the image takes that status in the same unit of work: in a single-label
    tag project the tag is the answer for the image, so setting it by key finishes the image.
    """
    author, now = project.author, types.utcnow()
    wanted = list(dict.fromkeys(class_ids))
    touched: list[str] = []
    with project.write() as (session, revision):
        meta = session.execute(sa.select(models.ProjectMeta)).scalar_one()
        tasks = schema_mod.TaskKinds.from_json(meta.label_kinds)
        if tasks.tags is schema_mod.TagMode.SINGLE and len(wanted) > 1:
            raise AnnotationError("this project takes one tag per image (single-label)")
        live_classes = store_schema.live_class_ids(session)
        for class_id in wanted:
            if class_id not in live_classes:
                raise AnnotationError(f"unknown class {class_id}")
        _image(session, image_id)
        current = (
            session.execute(
                sa.select(A).where(A.image_id == image_id, A.kind == "tag", A.deleted.is_(False))
            )
            .scalars()
            .all()
        )
        have = {r.class_id for r in current}
        for row in current:
            if row.class_id not in wanted:
                store_annotations.tombstone(session, row, author=author, at=now)
                touched.append(row.id)
        new = [
            store_annotations.New(
                id=ids.new_id(), image_id=image_id, class_id=class_id, kind="tag", geometry=None,
                attributes={}, author=author, at=now,
            )
            for class_id in wanted
            if class_id not in have
        ]  # fmt: skip
        store_annotations.insert(session, new)
        touched += [row.id for row in new]
        store_images.annotations_changed(session, [image_id], author=author, at=now)
        if status is not None:
            store_images.set_status(session, [image_id], status, author=author, at=now)
    return Changes(
        images=frozenset({image_id}) if status is not None else frozenset(),
        annotations=frozenset(touched),
        annotation_images=frozenset({image_id}),
        data_revision=revision,
    )


def tags_of(project: project_mod.Project, image_id: str) -> list[str]:
    """Class ids of the image's live tags."""
    with project.read() as session:
        found = session.execute(
            sa.select(A.class_id).where(
                A.image_id == image_id, A.kind == "tag", A.deleted.is_(False)
            )
        ).scalars()
        return [c for c in found if c is not None]


def history(project: project_mod.Project, image_id: str) -> list[ann_mod.HistoryEntry]:
    """Every version of every annotation of an image, oldest first (append-only)."""
    h = models.AnnotationHistoryRow
    with project.read() as session:
        rows = session.execute(
            sa.select(h).where(h.image_id == image_id).order_by(h.at, h.annotation_id, h.version)
        ).scalars()
        return [
            ann_mod.HistoryEntry(
                annotation_id=r.annotation_id,
                version=r.version,
                op=r.op,
                class_id=r.class_id,
                kind=geo.ShapeKind(r.kind),
                geometry=kinds.parse(geo.ShapeKind(r.kind), r.geometry),
                attributes=r.attributes or {},
                deleted=r.deleted,
                author=r.author,
                at=r.at,
                source=r.source,
            )
            for r in rows
        ]


def to_domain(row: models.AnnotationRow) -> ann_mod.Annotation:
    kind = geo.ShapeKind(row.kind)
    return ann_mod.Annotation(
        id=row.id,
        image_id=row.image_id,
        class_id=row.class_id,
        kind=kind,
        geometry=kinds.parse(kind, row.geometry),
        attributes=dict(row.attributes or {}),
        author=row.author,
        created_at=row.created_at,
        updated_at=row.updated_at,
        version=row.version,
        revision=row.revision,
        dirty=row.dirty,
        deleted=row.deleted,
    )


def _image(session: orm.Session, image_id: str) -> models.ImageRow:
    image = session.get(models.ImageRow, image_id)
    if image is None:
        raise AnnotationError(f"no image {image_id}")
    return image


def _live(session: orm.Session, ann_id: str) -> models.AnnotationRow:
    row = session.get(models.AnnotationRow, ann_id)
    if row is None or row.deleted:
        raise AnnotationError(f"no annotation {ann_id}")
    return row
