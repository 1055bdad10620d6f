"""A project's current records as the samples the dataset writers take."""

from __future__ import annotations

import dataclasses
import json
from collections import defaultdict

import pydantic
import sqlalchemy as sa

from labeler.domain import kinds
from labeler.domain import status as status_mod
from labeler.formats import base
from labeler.server.storage import blobs as blobs_mod
from labeler.server.storage import db, errors, tables
from labeler.server.storage import images as images_mod
from labeler.sync.wire import protocol

Kind = protocol.RecordKind


@dataclasses.dataclass(frozen=True, slots=True)
class ProjectData:
    """Everything an export needs, read in one snapshot."""

    samples: list[base.Sample]
    classes: list[str]  # in schema order
    head: int
    missing_bytes: frozenset[str]  # images whose bytes the server does not have


def load(engine: sa.Engine, project: str, blobs: blobs_mod.BlobStore) -> ProjectData:
    """The project's images with their status and annotations, as format samples."""
    with db.read(engine) as conn:
        p, i, r = tables.projects, tables.images, tables.records
        proj = conn.execute(sa.select(p).where(p.c.name == project)).first()
        if proj is None:
            raise errors.NotFound(f"no project {project!r}")
        images = conn.execute(
            sa.select(i).where(i.c.project == project).order_by(i.c.rel_path)
        ).all()
        class_rows = conn.execute(
            sa.select(r.c.id, r.c.data).where(
                r.c.project == project, r.c.kind == Kind.LABEL_CLASS.value, sa.not_(r.c.deleted)
            )
        ).all()
        held = images_mod.owned(conn, project)
        live = conn.execute(
            sa.select(r.c.kind, r.c.data)
            .where(r.c.project == project, sa.not_(r.c.deleted))
            .order_by(r.c.revision)
        ).all()
    classes: dict[str, protocol.LabelClassData] = {}
    statuses: dict[str, status_mod.ImageStatus] = {}
    shapes: dict[str, list[protocol.AnnotationData]] = defaultdict(list)
    for kind, text in live:
        if kind not in (Kind.IMAGE_STATUS.value, Kind.ANNOTATION.value):
            continue
        try:
            data = protocol.parse_data(Kind(kind), json.loads(text))
        except pydantic.ValidationError:
            continue  # stored by an older server in a form no client reads: labeler maintain
        if isinstance(data, protocol.ImageStatusData):
            statuses[data.image_sha256] = data.status
        elif isinstance(data, protocol.AnnotationData):
            shapes[data.image_sha256].append(data)
    for rid, text in class_rows:
        try:
            classes[rid] = protocol.LabelClassData.model_validate(json.loads(text))
        except pydantic.ValidationError:
            continue
    ordered = sorted(classes.items(), key=lambda kv: (kv[1].order, kv[1].name))
    names = {cid: c.name for cid, c in ordered}
    samples: list[base.Sample] = []
    missing: set[str] = set()
    for img in images:
        present = img.sha256 in held and blobs.exists(img.sha256)
        if not present:
            missing.add(img.sha256)
        labels = tuple(
            base.Label(
                class_name=names[str(a.class_id)],
                kind=a.kind,
                geometry=kinds.parse(a.kind, a.geometry),
                attributes=a.attributes,
            )
            for a in shapes.get(img.sha256, ())
            if a.class_id is not None and str(a.class_id) in names
        )
        image = base.DatasetImage(
            key=img.sha256,
            rel_path=img.rel_path,
            width=img.width,
            height=img.height,
            source=str(blobs.path(img.sha256)) if present else None,
            sha256=img.sha256,
            orientation=img.orientation,
            status=statuses.get(img.sha256, status_mod.ImageStatus.NEW),
        )
        samples.append(base.Sample(image=image, labels=labels))
    return ProjectData(
        samples=samples,
        classes=[c.name for _, c in ordered],
        head=int(proj.head),
        missing_bytes=frozenset(missing),
    )
