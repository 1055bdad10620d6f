"""Exporting a project as a training dataset (the formats do the writing; this gathers samples)."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from pathlib import Path

from labeler.formats import base, export
from labeler.services import annotate, images, schema
from labeler.services import project as project_mod


def samples(
    project: project_mod.Project, statuses: frozenset[images.S], report: base.Report
) -> Iterator[base.Sample]:
    """The project's images with the given statuses and their live labels, in natural order.

    Missing files and files with problems cannot be exported with pixels; they are reported and
    left out. When images come from more than one folder, paths are prefixed with the folder's
    name so two ``img1.jpg`` never collide.
    """
    classes = {c.id: c.name for c in schema.get_schema(project).classes}
    flt = images.ImageFilter(statuses=statuses)
    roots = {i.root_path for i in images.list_images(project, flt, limit=1_000_000)}
    prefix = len(roots) > 1
    offset = 0
    while True:
        page = images.list_images(project, flt, offset=offset, limit=500)
        if not page:
            return
        offset += len(page)
        # One query per page of images, not one per image (100,000 annotations export in seconds).
        by_image = annotate.annotations_of_images(project, [i.id for i in page])
        for image in page:
            if (
                image.missing
                or image.problem is not None
                or image.width is None
                or image.height is None
            ):
                why = "missing" if image.missing else (image.problem_detail or "not indexed yet")
                report.add("image_skipped", image.abs_path, f"not exported: {why}")
                continue
            labels = [
                base.Label(classes[a.class_id], a.kind, a.geometry, dict(a.attributes))
                for a in by_image.get(image.id, ())
                if a.class_id in classes
            ]
            rel = image.rel_path
            if prefix:
                rel = f"{os.path.basename(image.root_path.rstrip('/'))}/{rel}"
            yield base.Sample(
                image=base.DatasetImage(
                    key=image.id,
                    rel_path=rel,
                    width=image.width,
                    height=image.height,
                    source=image.abs_path,
                    sha256=image.sha256,
                    orientation=image.orientation,
                    status=image.status,
                ),
                labels=tuple(labels),
            )


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
    result = export.export_dataset(
        samples(project, options.statuses, skipped),
        format=format,
        out=out,
        options=options,
        project_classes=[c.name for c in current.classes],
        progress=progress,
    )
    result.report.entries.extend(skipped.entries)
    return result


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
