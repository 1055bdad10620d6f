"""Importing labels from other tools' datasets: all or nothing, matched by path or content hash.

The whole dataset is read and checked by its format's reader first (an error names the file and the
place in it); then every change is applied in one transaction, so a failed import changes nothing.
Importing the same dataset twice adds nothing the second time: labels already on an image are
recognised and skipped.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import hashlib
import os
import threading
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from labeler import errors
from labeler.domain import annotation as ann_mod
from labeler.domain import geometry as geo
from labeler.domain import image as image_mod
from labeler.domain import kinds
from labeler.domain import schema as schema_mod
from labeler.domain import status as status_mod
from labeler.domain.changes import Changes
from labeler.formats import base, registry
from labeler.services import annotate, images
from labeler.services import project as project_mod
from labeler.store import annotations as store_annotations
from labeler.store import images as store_images
from labeler.store import models, types, work
from labeler.store import schema as store_schema

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
    #: Images that lost an object on import (the reader could not import it) and were marked
    #: ``needs_review`` so that they are never taken for finished.
    images_marked_needs_review: int
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

    An image the dataset gives a status (labeled, or not all of its objects imported) takes that
    status if nobody gave it one yet (new or in progress): done, or needs review when the reader
    could not import one of its objects — such an image is never marked done. Status changes
    reach the team like statuses set by hand. An import that changes nothing leaves the project's
    data revision as it was.

    ``options`` are the format's import options (``registry.Format.import_options``).

    Raises:
        labeler.formats.base.FormatError: the dataset is malformed (names the file and place).
        labeler.formats.registry.FormatUnavailable: unknown format, or one labeler cannot read.
        ImportFailed: unknown classes with ``create_classes=False``; nothing is changed.
    """
    with _collector_paused():
        return _import(project, format, Path(path), mapping, create_classes, dry_run, options)


def _import(
    project: project_mod.Project,
    format: str,
    path: Path,
    mapping: Mapping[str, str] | None,
    create_classes: bool,
    dry_run: bool,
    options: Mapping[str, str] | None,
) -> ImportPlan:
    reader = registry.reader(format, options)
    report = base.Report()
    dataset = reader.read(path, report)
    mapping = dict(mapping or {})
    author = project.author
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

    with work.unit_of_work(project.db, changes_data=False) as (session, _):
        classes = _resolve_classes(session, dataset, matches, mapping, create_classes, author, now)
        sizes = _sizes(session, [image_id for _, image_id, _ in matches])
        have = _signatures(session, list(sizes))
        added = existing = 0
        rescaled: list[str] = []
        to_insert: dict[str, list[ann_mod.NewShape]] = {}
        wanted: dict[str, S] = {}  # the status each image's sample asks for
        for sample, image_id, _how in matches:
            scale = _scale(sample.image, sizes[image_id], report)
            if scale is None:
                continue
            if scale != (1.0, 1.0):
                rescaled.append(sample.image.rel_path)
            seen = have.setdefault(image_id, set())
            for label in sample.labels:
                shape = ann_mod.NewShape(
                    classes.ids[label.class_name],
                    label.kind,
                    _scaled(label.geometry, scale),
                    dict(label.attributes),
                )
                sig = _signature(shape.class_id, shape.kind, shape.geometry)
                if sig in seen:
                    existing += 1
                    continue
                seen.add(sig)
                to_insert.setdefault(image_id, []).append(shape)
                added += 1
            asked = sample.image.status
            if asked is not S.NEW and wanted.get(image_id) is not S.NEEDS_REVIEW:
                wanted[image_id] = asked  # an image that lost an object anywhere needs review
        _warn_truncated(session, report, matches, to_insert)
        made = annotate.insert_shapes(session, to_insert, author, now) if to_insert else []
        marked: dict[S, list[str]] = {}
        for status in dict.fromkeys(wanted.values()):
            marked[status] = store_images.set_status(
                session, [i for i, s in wanted.items() if s is status], status, author=author,
                at=now, comment="imported", only_from=(S.NEW, S.IN_PROGRESS),
            )  # fmt: skip
        touched_images = set(to_insert) | {i for ids in marked.values() for i in ids}
        changed = bool(made or touched_images or classes.created)
        revision = work.bump_data_revision(session) if changed else work.data_revision(session)
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
            images_marked_done=len(marked.get(S.DONE, ())),
            images_marked_needs_review=len(marked.get(S.NEEDS_REVIEW, ())),
            rescaled=tuple(rescaled),
            report=tuple(report.entries),
            dry_run=dry_run,
            changes=Changes(
                images=frozenset(touched_images),
                annotations=frozenset(made),
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


class _CollectorPause:
    """Python's cycle collector paused while imports run (process-wide, counted, so that
    imports on two threads give it back only when both are done).

    A big dataset is millions of parsed objects, which every full collection walks again while
    the import makes its rows: 40% of a 100,000-box import went there. An import makes no
    garbage cycles worth collecting meanwhile; reference counting still frees the rest at once.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running = 0
        self._was_enabled = True

    @contextlib.contextmanager
    def __call__(self) -> Iterator[None]:
        with self._lock:
            if self._running == 0:
                self._was_enabled = gc.isenabled()
                gc.disable()
            self._running += 1
        try:
            yield
        finally:
            with self._lock:
                self._running -= 1
                if self._running == 0 and self._was_enabled:
                    gc.enable()


_collector_paused = _CollectorPause()


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
            row = store_schema.add_class(
                session, name=schema_mod.check_class_name(target),
                color=schema_mod.PALETTE[order % len(schema_mod.PALETTE)], hotkey=key,
                sort_order=order, author=author, at=now,
            )  # fmt: skip
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
        store_schema.bump_version(session)
    session.flush()
    return result


def _sizes(
    session: sa.orm.Session, image_ids: Sequence[str]
) -> dict[str, tuple[int | None, int | None]]:
    """(width, height) of these project images in their displayed frame, by id."""
    img = models.ImageRow
    out: dict[str, tuple[int | None, int | None]] = {}
    wanted = sorted(set(image_ids))
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        rows = session.execute(sa.select(img.id, img.width, img.height).where(img.id.in_(chunk)))
        out.update((str(i), (w, h)) for i, w, h in rows.all())
    return out


def _warn_truncated(
    session: sa.orm.Session,
    report: base.Report,
    matches: Sequence[tuple[base.Sample, str, str]],
    to_insert: Mapping[str, Sequence[ann_mod.NewShape]],
) -> None:
    """Report labels put on images whose files are truncated: the labels may describe pixels
    nobody can see any more."""
    img = models.ImageRow
    wanted = sorted(to_insert)
    truncated: dict[str, str | None] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        rows = session.execute(
            sa.select(img.id, img.problem_detail).where(
                img.id.in_(chunk), img.problem == image_mod.Problem.TRUNCATED.value
            )
        )
        truncated.update((str(i), detail) for i, detail in rows.all())
    for sample, image_id, _how in matches:
        if image_id in truncated:
            report.add(
                "truncated_image",
                sample.image.rel_path,
                f"{len(to_insert[image_id])} labels imported onto an image whose file is "
                f"truncated ({truncated[image_id] or 'it cannot be decoded to the end'})",
            )


def _scale(
    ds: base.DatasetImage, size: tuple[int | None, int | None], report: base.Report
) -> tuple[float, float] | None:
    """Factor from the dataset's frame to the project image's displayed frame, or None to skip."""
    width, height = size
    if width is None or height is None or not ds.width or not ds.height:
        return 1.0, 1.0
    if (ds.width, ds.height) == (width, height):
        return 1.0, 1.0
    sx, sy = width / ds.width, height / ds.height
    if abs(sx - sy) / max(sx, sy) < 0.01:  # the same picture at another resolution
        return sx, sy
    report.add(
        "size_mismatch",
        ds.rel_path,
        f"the dataset says {ds.width}×{ds.height} but the image is {width}×{height} "
        "(rotated or cropped?); its labels were not imported",
    )
    return None


def _scaled(geometry: geo.Geometry, scale: tuple[float, float]) -> geo.Geometry:
    sx, sy = scale
    if geometry is None or scale == (1.0, 1.0):
        return geometry
    return geometry.scaled(sx, sy)


def _signature(
    class_id: str | None, kind: geo.ShapeKind, geometry: geo.Geometry
) -> tuple[Any, ...]:
    # Rounded to 1/1000 px: the same label read back from a text format compares equal.
    values = () if geometry is None else geometry.coords()
    return (class_id, kind.value, tuple(round(v, 3) for v in values))


def _signatures(
    session: sa.orm.Session, image_ids: Sequence[str]
) -> dict[str, set[tuple[Any, ...]]]:
    """The signatures of the live annotations of these images, by image (one chunked query)."""
    out: dict[str, set[tuple[Any, ...]]] = {}
    for image_id, class_id, kind_name, geometry in store_annotations.live_of_images(
        session, image_ids
    ):
        kind = geo.ShapeKind(kind_name)
        sig = _signature(class_id, kind, kinds.parse(kind, geometry))
        out.setdefault(image_id, set()).add(sig)
    return out
