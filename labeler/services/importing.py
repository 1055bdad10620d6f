"""Importing labels from other tools' datasets: all or nothing, matched by path or content hash.

The whole dataset is read and checked by its format's reader first (an error names the file and the
place in it); then every change is applied in one transaction, so a failed import changes nothing.
Importing the same dataset twice adds nothing the second time: labels already on an image are
recognised and skipped.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from labeler import errors
from labeler.domain import annotation as ann_mod
from labeler.domain import geometry as geo
from labeler.domain import ids
from labeler.domain import image as image_mod
from labeler.domain import schema as schema_mod
from labeler.domain import status as status_mod
from labeler.domain.changes import Changes
from labeler.formats import base, registry
from labeler.services import annotate, identity, images
from labeler.services import project as project_mod
from labeler.store import models, types

S = status_mod.ImageStatus


class ImportFailed(errors.UserError, ValueError):
    """An import that cannot be applied; nothing was changed."""


@dataclasses.dataclass(frozen=True, slots=True)
class ImportPlan:
    """What an import adds, matches and creates (all of it, or with ``dry_run`` what it would)."""

    format: str
    path: str
    dataset_images: int
    matched_by_path: int
    matched_by_hash: int
    unmatched: tuple[str, ...]
    classes_created: tuple[str, ...]
    classes_mapped: dict[str, str]
    annotations_added: int
    annotations_already_there: int
    images_marked_done: int
    rescaled: tuple[str, ...]
    report: tuple[tuple[str, str, str], ...]
    dry_run: bool
    changes: Changes = dataclasses.field(default_factory=Changes)

    def to_json(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out.pop("changes")
        out["report"] = [{"code": c, "where": w, "message": m} for c, w, m in self.report]
        return out


def parse_mapping(pairs: Sequence[str]) -> dict[str, str]:
    """``["old=new", ...]`` as typed on the command line."""
    out: dict[str, str] = {}
    for pair in pairs:
        old, sep, new = pair.partition("=")
        if not sep or not old.strip() or not new.strip():
            raise ImportFailed(f"--map {pair!r}: expected OLD=NEW")
        out[old.strip()] = new.strip()
    return out


def import_dataset(
    project: project_mod.Project,
    *,
    format: str,
    path: Path,
    mapping: Mapping[str, str] | None = None,
    create_classes: bool = True,
    dry_run: bool = False,
    options: Mapping[str, str] | None = None,
) -> ImportPlan:
    """Import the labels of the dataset at ``path`` into the project's images.

    ``options`` are the format's import options (``registry.Format.import_options``).

    Raises:
        labeler.formats.base.FormatError: the dataset is malformed (names the file and place).
        labeler.formats.registry.FormatUnavailable: unknown format, or one labeler cannot read.
        ImportFailed: unknown classes with ``create_classes=False``; nothing is changed.
    """
    reader = registry.reader(format, options)
    report = base.Report()
    dataset = reader.read(Path(path), report)
    mapping = dict(mapping or {})
    author = identity.current_author()
    now = types.utcnow()
    matcher = _Matcher(project)
    matches: list[tuple[base.Sample, str, str]] = []  # sample, image id, how
    unmatched: list[str] = []
    for sample in dataset.samples:
        found = matcher.find(sample.image)
        if found is None:
            unmatched.append(sample.image.rel_path)
        else:
            matches.append((sample, *found))

    with project.write() as (session, revision):
        classes = _resolve_classes(session, dataset, matches, mapping, create_classes, author, now)
        added = existing = done = 0
        rescaled: list[str] = []
        touched_images: set[str] = set()
        touched_anns: set[str] = set()
        for sample, image_id, _how in matches:
            image = session.get(models.ImageRow, image_id)
            assert image is not None
            scale = _scale(sample.image, image, report)
            if scale is None:
                continue
            if scale != (1.0, 1.0):
                rescaled.append(sample.image.rel_path)
            have = _signatures(session, image_id)
            shapes = []
            for label in sample.labels:
                shape = ann_mod.NewShape(
                    classes.ids[label.class_name],
                    label.kind,
                    _scaled(label.geometry, scale),
                    dict(label.attributes),
                )
                sig = _signature(shape.class_id, shape.kind, shape.geometry)
                if sig in have:
                    existing += 1
                    continue
                have.add(sig)
                shapes.append(shape)
            if shapes and image.problem == image_mod.Problem.TRUNCATED.value:
                # The file ends early: the labels may describe pixels nobody can see any more.
                report.add(
                    "truncated_image",
                    sample.image.rel_path,
                    f"{len(shapes)} labels imported onto an image whose file is truncated "
                    f"({image.problem_detail or 'it cannot be decoded to the end'})",
                )
            if shapes:
                touched_anns.update(annotate.insert_shapes(session, image, shapes, author, now))
                touched_images.add(image_id)
                added += len(shapes)
            if sample.image.status is not S.NEW and image.status in (
                S.NEW.value,
                S.IN_PROGRESS.value,
            ):
                _mark_done(session, image, author, now)
                touched_images.add(image_id)
                done += 1
        plan = ImportPlan(
            format=reader.name,
            path=str(path),
            dataset_images=len(dataset.samples),
            matched_by_path=sum(1 for m in matches if m[2] == "path"),
            matched_by_hash=sum(1 for m in matches if m[2] == "hash"),
            unmatched=tuple(unmatched),
            classes_created=tuple(classes.created),
            classes_mapped=classes.mapped,
            annotations_added=added,
            annotations_already_there=existing,
            images_marked_done=done,
            rescaled=tuple(rescaled),
            report=tuple(report.entries),
            dry_run=dry_run,
            changes=Changes(
                images=frozenset(touched_images),
                annotations=frozenset(touched_anns),
                annotation_images=frozenset(touched_images),
                schema=bool(classes.created),
                data_revision=revision,
            ),
        )
        if dry_run:
            # Everything was worked out inside the transaction; undo it all.
            raise _DryRun(plan)
    return plan


def dry_run(project: project_mod.Project, **kwargs: Any) -> ImportPlan:
    """What :func:`import_dataset` would do, without changing the project."""
    try:
        import_dataset(project, dry_run=True, **kwargs)
    except _DryRun as done:
        return dataclasses.replace(done.plan, changes=Changes())
    raise AssertionError("a dry run always rolls back")


class _DryRun(Exception):
    def __init__(self, plan: ImportPlan) -> None:
        super().__init__("dry run")
        self.plan = plan


class _Matcher:
    """Finds the project image for a dataset image: by path first, then by content hash."""

    def __init__(self, project: project_mod.Project) -> None:
        self.by_abs: dict[str, str] = {}
        self.by_rel: dict[str, str] = {}
        self.by_name: dict[str, list[str]] = {}
        self.by_hash: dict[str, str] = {}
        for image in images.list_images(project, limit=10_000_000):
            if image.missing:
                continue
            self.by_abs[os.path.normpath(image.abs_path)] = image.id
            self.by_rel.setdefault(image.rel_path, image.id)
            self.by_name.setdefault(image.name, []).append(image.id)
            if image.sha256:
                self.by_hash.setdefault(image.sha256, image.id)

    def find(self, image: base.DatasetImage) -> tuple[str, str] | None:
        if image.source and os.path.normpath(image.source) in self.by_abs:
            return self.by_abs[os.path.normpath(image.source)], "path"
        if image.rel_path in self.by_rel:
            return self.by_rel[image.rel_path], "path"
        digest = image.sha256
        if digest is None and image.source and os.path.isfile(image.source):
            with open(image.source, "rb") as fh:
                digest = hashlib.file_digest(fh, "sha256").hexdigest()
        if digest and digest in self.by_hash:
            return self.by_hash[digest], "hash"
        named = self.by_name.get(os.path.basename(image.rel_path), [])
        if len(named) == 1:  # a unique file name is as good as a path
            return named[0], "path"
        return None


@dataclasses.dataclass
class _Classes:
    ids: dict[str, str]
    created: list[str]
    mapped: dict[str, str]


def _resolve_classes(
    session: sa.orm.Session,
    dataset: base.ReadResult,
    matches: Sequence[tuple[base.Sample, str, str]],
    mapping: Mapping[str, str],
    create: bool,
    author: str,
    now: Any,
) -> _Classes:
    live = {
        row.name: row
        for row in session.execute(
            sa.select(models.LabelClassRow).where(models.LabelClassRow.deleted.is_(False))
        ).scalars()
    }
    folded = {name.casefold(): row for name, row in live.items()}
    used = list(
        dict.fromkeys(
            [*dataset.classes, *(lb.class_name for s, _, _ in matches for lb in s.labels)]
        )
    )
    result = _Classes({}, [], {})
    unknown: list[str] = []
    order = max((r.sort_order for r in live.values()), default=-1)
    hotkeys = {r.hotkey for r in live.values() if r.hotkey}
    for name in used:
        target = mapping.get(name, name)
        if target != name:
            result.mapped[name] = target
        row = live.get(target) or folded.get(target.casefold())
        if row is None:
            if not create:
                unknown.append(target)
                continue
            order += 1
            key = next((str(d) for d in range(1, 10) if str(d) not in hotkeys), None)
            if key:
                hotkeys.add(key)
            row = models.LabelClassRow(
                id=ids.new_id(), name=schema_mod.check_class_name(target),
                color=schema_mod.PALETTE[order % len(schema_mod.PALETTE)], hotkey=key, sort_order=order,
                created_at=now, updated_at=now, author=author, dirty=True, deleted=False,
            )  # fmt: skip
            session.add(row)
            live[row.name] = row
            folded[row.name.casefold()] = row
            result.created.append(row.name)
        result.ids[name] = row.id
    if unknown:
        raise ImportFailed(
            "classes not in the project: "
            + ", ".join(sorted(set(unknown)))
            + " (map them with --map OLD=NEW or let the import create them)"
        )
    if result.created:
        session.execute(
            sa.update(models.ProjectMeta).values(
                schema_version=models.ProjectMeta.schema_version + 1
            )
        )
    session.flush()
    return result


def _scale(
    ds: base.DatasetImage, image: models.ImageRow, report: base.Report
) -> tuple[float, float] | None:
    """Factor from the dataset's frame to the project image's displayed frame, or None to skip."""
    if image.width is None or image.height is None or not ds.width or not ds.height:
        return 1.0, 1.0
    if (ds.width, ds.height) == (image.width, image.height):
        return 1.0, 1.0
    sx, sy = image.width / ds.width, image.height / ds.height
    if abs(sx - sy) / max(sx, sy) < 0.01:  # the same picture at another resolution
        return sx, sy
    report.add(
        "size_mismatch",
        ds.rel_path,
        f"the dataset says {ds.width}×{ds.height} but the image is {image.width}×{image.height} "
        "(rotated or cropped?); its labels were not imported",
    )
    return None


def _scaled(geometry: geo.Geometry, scale: tuple[float, float]) -> geo.Geometry:
    sx, sy = scale
    if geometry is None or scale == (1.0, 1.0):
        return geometry
    if isinstance(geometry, geo.Box):
        return geo.Box(geometry.x * sx, geometry.y * sy, geometry.w * sx, geometry.h * sy)
    return geo.Polygon(tuple((x * sx, y * sy) for x, y in geometry.points))


def _signature(
    class_id: str | None, kind: geo.ShapeKind, geometry: geo.Geometry
) -> tuple[Any, ...]:
    # Rounded to 1/1000 px: the same label read back from a text format compares equal.
    values: tuple[float, ...] = ()
    if isinstance(geometry, geo.Box):
        values = (geometry.x, geometry.y, geometry.w, geometry.h)
    elif isinstance(geometry, geo.Polygon):
        values = tuple(geometry.flat())
    return (class_id, kind.value, tuple(round(v, 3) for v in values))


def _signatures(session: sa.orm.Session, image_id: str) -> set[tuple[Any, ...]]:
    a = models.AnnotationRow
    rows = session.execute(
        sa.select(a).where(a.image_id == image_id, a.deleted.is_(False))
    ).scalars()
    out = set()
    for row in rows:
        kind = geo.ShapeKind(row.kind)
        out.add(_signature(row.class_id, kind, geo.geometry_from_json(kind, row.geometry)))
    return out


def _mark_done(session: sa.orm.Session, image: models.ImageRow, author: str, now: Any) -> None:
    session.add(
        models.ReviewActionRow(
            id=ids.new_id(), image_id=image.id, action="status", from_status=image.status,
            to_status=S.DONE.value, comment="imported", created_at=now, updated_at=now,
            author=author, dirty=True, deleted=False,
        )
    )  # fmt: skip
    image.status = S.DONE.value
    image.status_by = author
    image.status_at = now
