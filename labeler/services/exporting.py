"""Exporting a project as a training dataset (the formats do the writing; this gathers samples)."""

from __future__ import annotations

import dataclasses
import os
import types
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import orjson
import sqlalchemy as sa

from labeler.domain import geometry as geo
from labeler.domain import kinds
from labeler.formats import base, export, writing
from labeler.services import annotate, images, schema
from labeler.services import project as project_mod
from labeler.store import models


def samples(
    project: project_mod.Project, statuses: frozenset[images.S], report: base.Report
) -> Iterator[base.Sample]:
    """The project's images with the given statuses and their live labels, in natural order.

    Missing files and files with problems cannot be exported with pixels; they are reported and
    left out. When images come from more than one folder, paths are prefixed with the folder's
    name so two ``img1.jpg`` never collide.

    Classes, images and labels are read in one snapshot with three plain queries (no ORM
    objects, no domain annotations): 100,000 labels are read in well under a second.
    """
    # Read on first use, so an export with bad options fails before anything is read.
    yield from read_samples(project, statuses, report)


def read_samples(
    project: project_mod.Project, statuses: frozenset[images.S], report: base.Report
) -> list[base.Sample]:
    """:func:`samples` as a list (all of it is read at once)."""
    wanted = [s.value for s in statuses]
    # 100,000s of rows and labels: without the pause Python rescans the growing heap many times.
    with writing.gc_paused(), project.read() as session:
        # Core statements on the connection: the ORM layer would add per-row work for nothing.
        connection = session.connection()
        live = models.LabelClassRow
        classes: dict[str | None, str] = dict(
            connection.execute(sa.select(live.id, live.name).where(live.deleted.is_(False))).all()
        )
        rows = connection.execute(_image_query(wanted)).all()
        labels = annotate.live_annotation_rows(session, wanted)
        return _build_samples(rows, _labels_by_image(labels, classes), report)


def _build_samples(
    rows: Sequence[Sequence[Any]], by_image: Mapping[str, list[base.Label]], report: base.Report
) -> list[base.Sample]:
    out: list[base.Sample] = []
    prefix = len({row[1] for row in rows}) > 1
    for image_id, root, rel, width, height, sha256, orientation, status, *problem in rows:
        missing, problem_code, detail = problem
        abs_path = f"{root.rstrip('/')}/{rel}" if root else rel
        if missing or problem_code is not None or width is None or height is None:
            why = "missing" if missing else (detail or "not indexed yet")
            report.add("image_skipped", abs_path, f"not exported: {why}")
            continue
        if prefix:
            rel = f"{os.path.basename(root.rstrip('/'))}/{rel}"
        image = base.DatasetImage(
            key=image_id,
            rel_path=rel,
            width=width,
            height=height,
            source=abs_path,
            sha256=sha256,
            orientation=orientation or 1,
            status=_STATUSES.get(status) or images.S(status),
        )
        out.append(base.Sample(image=image, labels=tuple(by_image.get(image_id, ()))))
    return out


def _image_query(statuses: list[str]) -> sa.Select[*tuple[Any, ...]]:
    img, root = models.ImageRow, models.ImageRootRow
    return (
        sa.select(
            img.id,
            root.path,
            img.rel_path,
            img.width,
            img.height,
            img.sha256,
            img.orientation,
            img.status,
            img.missing,
            img.problem,
            img.problem_detail,
        )
        .join(root, root.id == img.root_id)
        .where(img.status.in_(statuses))
        .order_by(img.root_order, img.sort_key)
    )


_KINDS = {kind.value: kind for kind in geo.ShapeKind}
_STATUSES = {status.value: status for status in images.S}
#: Shared by every label without attributes (most of them): read-only, so sharing is safe.
_NO_ATTRIBUTES: Mapping[str, Any] = types.MappingProxyType({})


def _labels_by_image(
    rows: Iterable[annotate.LiveRow], classes: Mapping[str | None, str]
) -> dict[str, list[base.Label]]:
    """Labels by image id from raw rows; labels of deleted classes are left out.

    Runs once per label on large exports: geometry JSON is parsed with orjson straight into
    shapes (boxes inline), and the common empty attributes are not parsed at all.
    """
    out: dict[str, list[base.Label]] = {}
    label, loads, kind_names = base.Label, orjson.loads, _KINDS
    box, box_kind = geo.Box, geo.ShapeKind.BOX
    current_id: str | None = None
    current: list[base.Label] = []
    for image_id, class_id, kind_text, geometry, attributes in rows:
        name = classes.get(class_id)
        if name is None:
            continue
        if image_id != current_id:  # rows come grouped by image
            current_id, current = image_id, out.setdefault(image_id, [])
        kind = kind_names.get(kind_text) or geo.ShapeKind(kind_text)
        attrs = (
            _NO_ATTRIBUTES
            if attributes is None or attributes == "{}"
            else dict(loads(attributes) or {})
        )
        shape: geo.Geometry = None
        if kind is box_kind and geometry is not None:
            d = loads(geometry)
            try:
                shape = box(float(d["x"]), float(d["y"]), float(d["w"]), float(d["h"]))
            except (KeyError, TypeError, ValueError):
                shape = kinds.parse(kind, d)  # names what is wrong
        else:
            shape = _geometry(kind, geometry)
        current.append(label(name, kind, shape, attrs))
    return out


def _geometry(kind: geo.ShapeKind, text: str | None) -> geo.Geometry:
    """The stored geometry as a shape, checked as :func:`kinds.parse` checks it."""
    data: Any = None if text is None else orjson.loads(text)
    if kind is geo.ShapeKind.POLYGON:
        try:
            return geo.Polygon(tuple([(float(x), float(y)) for x, y in data["points"]]))
        except (KeyError, TypeError, ValueError):
            pass  # the domain parser accepts what it accepts and names what is wrong
    return kinds.parse(kind, data)


def export_project(
    project: project_mod.Project,
    *,
    format: str,
    out: Path,
    options: export.ExportOptions,
    progress: base.ProgressFn | None = None,
) -> export.ExportResult:
    """Export the project with :func:`labeler.formats.export.export_dataset`.

    Images left out for being missing or unreadable are added to the export's report.
    """
    current = schema.get_schema(project)
    options = _with_project(options, project)
    skipped = base.Report()
    # The whole export builds 100,000s of short-lived, acyclic objects (rows, labels, output
    # dicts): with the collector running, Python rescans them over and over for nothing.
    with writing.gc_paused():
        result = export.export_dataset(
            samples(project, options.statuses, skipped),
            format=format,
            out=out,
            options=options,
            project_classes=[c.name for c in current.classes],
            progress=progress,
            kept_out=kept_out(project, options.statuses),
        )
    result.report.entries.extend(skipped.entries)
    return result


#: The key of :func:`kept_out` for images whose file cannot be labeled (or is missing).
CANNOT_BE_LABELED = "cannot_be_labeled"


def kept_out(project: project_mod.Project, statuses: frozenset[images.S]) -> dict[str, int]:
    """Images an export with ``statuses`` leaves out, by why: each status not exported (in the
    workflow's order), and files that cannot be labeled or are missing, whatever their status.
    Only reasons that keep an image out are listed."""
    img = models.ImageRow
    bad = sa.or_(img.problem.is_not(None), img.missing.is_(True))
    with project.read() as session:
        rows = session.execute(
            sa.select(img.status, bad, sa.func.count()).group_by(img.status, bad)
        )
        by_status: dict[str, int] = {}
        unusable = 0
        for status, is_bad, n in rows:
            if is_bad:
                unusable += n
            elif images.S(status) not in statuses:
                by_status[status] = by_status.get(status, 0) + n
    out = {s.value: by_status[s.value] for s in images.S if by_status.get(s.value)}
    if unusable:
        out[CANNOT_BE_LABELED] = unusable
    return out


def kept_out_text(counts: Mapping[str, Any]) -> str:
    """What an export's counts say it left out, in words ("12 in progress, 3 new, 2 that cannot
    be labeled"), or "" when it left out nothing. Used by the command line and the app alike."""
    left = counts.get("kept_out") or {}
    parts = []
    for key, n in left.items():
        if not n:
            continue
        what = "that cannot be labeled" if key == CANNOT_BE_LABELED else key.replace("_", " ")
        parts.append(f"{n:,} {what}")
    return ", ".join(parts)


def _with_project(
    options: export.ExportOptions, project: project_mod.Project
) -> export.ExportOptions:
    meta = project_mod.meta(project)
    return dataclasses.replace(
        options,
        project_name=options.project_name or meta.name,
        data_revision=options.data_revision
        if options.data_revision is not None
        else meta.data_revision,
    )
