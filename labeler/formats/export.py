"""Running an export: filter, split, write, record — shared by the app, the CLI and the server.

:func:`export_dataset` takes the finished images (by status), keeps the chosen classes
(renumbered 0..k-1 in project order), gives each image its split from its content hash, calls
the format's writer and writes ``manifest.json``. Everything is written into a hidden sibling
folder that is renamed into place at the end, so a failed or cancelled export leaves nothing
half-written.

It also holds the small helpers every writer shares (safe output paths, clipping, pausing the
garbage collector for large outputs); writers import this module, so it loads the YOLO module
only inside the functions that need it.
"""

from __future__ import annotations

import collections
import dataclasses
import shutil
import uuid
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from labeler import errors
from labeler.domain import geometry as geo
from labeler.domain import status as status_mod
from labeler.formats import base, kindmap, manifest, registry, splits

# --------------------------------------------------------------------------- running an export


@dataclasses.dataclass(frozen=True, slots=True)
class ExportOptions:
    """What to export and how.

    Attributes:
        ratios: train, val, test shares (normalized; one to three values).
        seed: changes which images land in which split, stably.
        statuses: image statuses exported (finished images by default: done, approved).
        classes: subset of class names to export (renumbered 0..k-1 in project order);
            None exports every class.
        images: copy upright, hard link, symlink or do not write the image files.
        task: one of the format's tasks (``registry.Format.tasks``); None: chosen from labels.
        format_options: the format's own options (``registry.Format.export_options``), such as
            the Azure ML datastore or the VOC pixel convention; None values are ignored.
        project_name, data_revision: recorded in the output and the manifest.
        overwrite: replace a previous export (or an empty folder) at ``out``.
    """

    ratios: tuple[float, ...] = (0.8, 0.1, 0.1)
    seed: int = 0
    statuses: frozenset[status_mod.ImageStatus] = status_mod.FINISHED
    classes: tuple[str, ...] | None = None
    images: base.ImageMode = base.ImageMode.COPY
    task: str | None = None
    format_options: Mapping[str, str | None] = dataclasses.field(default_factory=dict)
    project_name: str = ""
    data_revision: str | int | None = None
    overwrite: bool = False


@dataclasses.dataclass(frozen=True, slots=True)
class ExportResult:
    """What an export wrote: counts, the report of inexact conversions, the manifest."""

    out: Path
    format: str
    task: str | None
    class_ids: dict[str, int]
    counts: dict[str, Any]
    report: base.Report
    manifest_path: Path
    files: tuple[str, ...]


class ExportError(errors.UserError, ValueError):
    """An export that cannot start (bad options, a folder that must not be replaced)."""


def build_class_map(
    project_classes: Sequence[str], subset: Iterable[str] | None
) -> tuple[str, ...]:
    """The exported classes in project order; position i is class id i.

    Args:
        project_classes: every class of the project, in schema order.
        subset: the classes asked for (any order, repeats ignored); None or empty means all.

    Raises:
        ExportError: naming any asked-for class the project does not have.
    """
    wanted = list(dict.fromkeys(subset or ()))
    if not wanted:
        return tuple(dict.fromkeys(project_classes))
    unknown = [c for c in wanted if c not in project_classes]
    if unknown:
        raise ExportError(f"no such class: {', '.join(map(repr, unknown))}")
    chosen = set(wanted)
    return tuple(c for c in dict.fromkeys(project_classes) if c in chosen)


def _normal_ratios(ratios: Sequence[float]) -> tuple[float, ...]:
    try:
        return splits.parse_ratios(",".join(repr(float(r)) for r in ratios))
    except ValueError as exc:
        raise ExportError(str(exc)) from None


def _check_destination(out: Path, overwrite: bool) -> None:
    if out.exists() and not out.is_dir():
        raise ExportError(f"{out} exists and is not a folder")
    if not out.is_dir() or not any(out.iterdir()):
        return
    if not overwrite:
        raise ExportError(f"{out} is not empty; choose an empty folder or overwrite")
    if manifest.read(out) is None:
        # Overwriting deletes the folder: only do that to something labeler wrote.
        raise ExportError(f"{out} is not empty and holds no labeler export; refusing to replace it")


@dataclasses.dataclass(slots=True)
class _Selection:
    samples: list[base.Sample]
    counts: dict[str, Any]


def _select(
    samples: Iterable[base.Sample],
    options: ExportOptions,
    project_classes: Sequence[str],
    exported: Sequence[str],
    ratios: Sequence[float],
    report: base.Report,
) -> _Selection:
    known, keep = set(project_classes), set(exported)
    seen_hash: dict[str, str] = {}
    seen_path: set[str] = set()
    chosen: list[base.Sample] = []
    label_counts: collections.Counter[str] = collections.Counter()
    not_exported = {"status": 0, "duplicate": 0, "labels_of_other_classes": 0}
    for sample in samples:
        image = sample.image
        if image.status not in options.statuses:
            not_exported["status"] += 1
            continue
        if image.sha256 and image.sha256 in seen_hash:
            report.add(
                "duplicate_image",
                image.rel_path,
                f"same bytes as {seen_hash[image.sha256]}; exported once",
            )
            not_exported["duplicate"] += 1
            continue
        if image.rel_path in seen_path:
            report.add(
                "duplicate_path",
                image.rel_path,
                "two images share this path; the second is left out",
            )
            not_exported["duplicate"] += 1
            continue
        # Set operations in C: this runs once per image of exports of 100,000 labels.
        labels = sample.labels
        names = [lb.class_name for lb in labels]
        if not known.issuperset(names):
            unknown = next(n for n in names if n not in known)
            raise ExportError(f"{image.rel_path}: class {unknown!r} is not in the project")
        if not keep.issuperset(names):
            labels = tuple(lb for lb in labels if lb.class_name in keep)
            not_exported["labels_of_other_classes"] += len(names) - len(labels)
            names = [lb.class_name for lb in labels]
        label_counts.update(names)
        if image.sha256:
            seen_hash[image.sha256] = image.rel_path
        seen_path.add(image.rel_path)
        split = splits.split_of(image.sha256 or image.key, ratios, options.seed)
        chosen.append(base.Sample(image, labels, split))
    per_split = {name: 0 for name, r in zip(splits.SPLIT_NAMES, ratios, strict=False) if r > 0}
    for s in chosen:
        per_split[s.split] = per_split.get(s.split, 0) + 1
    per_class = {name: label_counts[name] for name in exported}
    for name, n in per_split.items():
        if n == 0 and chosen:
            # Trainers need e.g. a val split: say so rather than let them fail later.
            report.add(
                "empty_split", name, f"no image fell into {name}; add images or change ratios"
            )
    counts = {
        "images": len(chosen),
        "images_per_split": per_split,
        "labels_per_class": per_class,
        "not_exported": not_exported,
    }
    return _Selection(chosen, counts)


def _class_ids(
    description: registry.Format, exported: Sequence[str], task: str | None
) -> dict[str, int]:
    if description.name == "yolo" and task == "classify":
        from labeler.formats import yolo  # loaded with the format, as the registry does

        return yolo.class_ids(exported, task)
    first = description.first_class_id or 0
    return {name: i + first for i, name in enumerate(exported)}


def _default_task(description: registry.Format, samples: Sequence[base.Sample]) -> str | None:
    kinds: set[geo.ShapeKind] = set()
    several_tags = False
    for sample in samples:
        kinds.update(lb.kind for lb in sample.labels)
        if not several_tags:
            several_tags = sum(lb.kind is geo.ShapeKind.TAG for lb in sample.labels) > 1
    return description.default_task(kinds, several_tags)


def export_dataset(
    samples: Iterable[base.Sample],
    *,
    format: str,
    out: Path,
    options: ExportOptions,
    project_classes: Sequence[str],
    progress: base.ProgressFn | None = None,
    kept_out: dict[str, int] | None = None,
) -> ExportResult:
    """Export ``samples`` to ``out`` in ``format``; see the module docstring.

    ``kept_out`` (images the caller did not pass, by why: a status not exported, or files that
    cannot be labeled) is recorded in the counts and the manifest as ``kept_out``.

    Raises:
        registry.FormatUnavailable: for an unknown format or one labeler cannot write.
        ExportError: for bad options or a destination that must not be replaced.
        Exception: whatever the writer or ``progress`` raised (a cancel); nothing is left at
            ``out`` in that case.
    """
    description = registry.get(format)
    format_name = description.name
    writer = registry.writer(format_name)
    try:
        task = description.task_of(options.task)
        format_options = description.check_options(options.format_options, "export")
    except base.OptionError as exc:
        raise ExportError(str(exc)) from None
    exported = build_class_map(project_classes, options.classes)
    ratios = _normal_ratios(options.ratios)
    out = Path(out).absolute()
    _check_destination(out, options.overwrite)
    report = base.Report()
    selection = _select(samples, options, project_classes, exported, ratios, report)
    if kept_out is not None:
        selection.counts["kept_out"] = dict(kept_out)
    if task is None:
        task = _default_task(description, selection.samples)
    write_options = base.WriteOptions(
        classes=exported,
        images=options.images,
        task=task,
        extra={
            "project_name": options.project_name,
            "data_revision": options.data_revision,
            "dataset_root": str(out),
        },
        format_options=format_options,
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = out.parent / f".{out.name}.partial-{uuid.uuid4().hex[:12]}"
    staging.mkdir()
    try:
        files = writer.write(selection.samples, staging, write_options, report, progress)
        class_ids = _class_ids(description, exported, task)
        # Labels the format holds only as another kind (a rotated box as its enclosing box).
        selection.counts["written_as_another_kind"] = kindmap.approximated(report)
        document = manifest.build(
            format_name=format_name,
            options=_options_record(options, ratios, exported, task, format_options),
            images=options.images,
            data_revision=options.data_revision,
            counts=selection.counts,
            class_ids=class_ids,
            samples=selection.samples,
            report=report,
            files=manifest.checksums(staging, files),
        )
        manifest.write(staging, document)
        _swap_into_place(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return ExportResult(
        out=out,
        format=format_name,
        task=task,
        class_ids=class_ids,
        counts=selection.counts,
        report=report,
        manifest_path=out / manifest.FILE_NAME,
        files=tuple(files),
    )


def _options_record(
    options: ExportOptions,
    ratios: Sequence[float],
    exported: Sequence[str],
    task: str | None,
    format_options: Mapping[str, str],
) -> dict[str, Any]:
    return {
        "ratios": list(ratios),
        "seed": options.seed,
        "statuses": sorted(str(s) for s in options.statuses),
        "classes": list(options.classes) if options.classes else None,
        "exported_classes": list(exported),
        "images": options.images.value,
        "task": task,
        "format_options": dict(format_options),
        "project_name": options.project_name,
        "split_key": "sha256 of the image bytes (the image id when not yet hashed)",
    }


def _swap_into_place(staging: Path, out: Path) -> None:
    if not out.exists():
        staging.rename(out)
        return
    # ``out`` is empty or a previous labeler export (checked before writing).
    old = out.parent / f".{out.name}.old-{uuid.uuid4().hex[:12]}"
    out.rename(old)
    staging.rename(out)
    shutil.rmtree(old, ignore_errors=True)
