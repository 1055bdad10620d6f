"""YOLO datasets as Ultralytics reads them (the reader also takes the older Darknet layout).

Layout labeler writes for ``detect``, ``segment`` and ``obb``::

    data.yaml                   path (absolute), train and val (always), test (when present),
                                nc, names
    images/<split>/<file>       the images, flat: one folder per split, as Ultralytics,
                                supervision and datumaro read them
    labels/<split>/<file stem>.txt   one row per object: ``class cx cy w h`` (detect),
                                ``class x1 y1 x2 y2 ...`` (segment) or the four corners
                                ``class x1 y1 x2 y2 x3 y3 x4 y4`` of a rotated box (obb,
                                Ultralytics' OBB layout), normalized to [0, 1]

The project's sub-folders are not kept: an image is written under its own file name, and
images whose names clash within a split (``a/x.jpg`` and ``b/x.jpg``, or ``x.jpg`` and
``x.png``, whose label files would clash) are named by their whole path (``a__x.jpg``), as
:func:`writing.flat_names` says; each renamed image is reported, and the manifest maps every
image to its file. When no image fell into val, ``val`` names the train images (Ultralytics
requires a ``val`` entry), with a comment in the YAML saying so.

``names`` lists the exported classes in order (class id i is exported class i). A file never
mixes rows: each task writes every label kind as :mod:`labeler.formats.kindmap` says (with
``"detect"`` polygons and rotated boxes become their enclosing boxes, with ``"segment"`` boxes and
rotated boxes their corner polygons, with ``"obb"`` boxes rotated boxes of angle 0 and polygons
their least enclosing rotated boxes), each change reported. Corners past the image edge are moved
onto it (reported): Ultralytics refuses coordinates outside [0, 1]. Finished images without objects get an empty label
file (a deliberate "nothing here"). Ultralytics finds a label by replacing the last ``images``
folder of the image path with ``labels``, so an image path containing an ``images`` folder is

For ``task="classify"`` (projects of tags) the layout is ``<split>/<class>/<image>``, with
every class folder present in every split so Ultralytics (which numbers classes by sorted
folder name) gives each class the same id in each split; images with several tags or none are
reported and left out. A class name that cannot be a folder name (``/``, ``..``) gets a
safe folder, reported.

``data.yaml`` is written by hand: names are double-quoted YAML scalars with escapes, so colons,
quotes and any unicode survive. Its ``path`` is the export folder's absolute path, because
Ultralytics resolves a relative ``path`` against its own datasets folder rather than the YAML's;
after moving the folder, edit ``path`` (labeler's reader falls back to the YAML's folder).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from labeler.domain import geometry as geo
from labeler.formats import base, imagefiles, kindmap, registry, splits, writing, yolo_read

FORMAT = registry.get("yolo")
TASKS: tuple[str, ...] = FORMAT.tasks


def default_task(samples: Iterable[base.Sample]) -> str:
    """The task a project's labels call for when none is given (the format's description says
    which: the task writing the most of its kinds as themselves). Tags only → classify; polygons
    without boxes → segment; rotated boxes (with or without boxes) → obb; otherwise detect."""
    kinds = {label.kind for sample in samples for label in sample.labels}
    return FORMAT.default_task(kinds, False) or "detect"


def class_ids(classes: Sequence[str], task: str) -> dict[str, int]:
    """Class id of each exported class as a YOLO trainer will see it.

    Detect and segment use the ``names`` order; classification folders are numbered by
    Ultralytics in sorted folder-name order.
    """
    if task == "classify":
        folders = class_folders(classes)
        return {name: i for i, name in enumerate(sorted(classes, key=folders.__getitem__))}
    return {name: i for i, name in enumerate(classes)}


def yaml_string(text: str) -> str:
    """``text`` as a double-quoted YAML scalar that any YAML 1.1 or 1.2 reader reads back."""
    out = ['"']
    for ch in text:
        code = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif _yaml_printable(code):
            out.append(ch)
        elif code <= 0xFF:
            out.append(f"\\x{code:02x}")
        else:
            out.append(f"\\u{code:04x}")
    out.append('"')
    return "".join(out)


def _yaml_printable(code: int) -> bool:
    # YAML's printable set, less the characters YAML 1.1 treats as line breaks or a BOM.
    if 0x20 <= code <= 0x7E or code >= 0x10000:
        return True
    if 0xA0 <= code <= 0xD7FF:
        return code not in (0x2028, 0x2029)
    return 0xE000 <= code <= 0xFFFD and code != 0xFEFF


def class_folders(classes: Sequence[str]) -> dict[str, str]:
    """The folder of each class in the classification layout: the name with path separators
    replaced, made unique (``a/b`` and ``a_b`` must not share a folder)."""
    folders: dict[str, str] = {}
    for index, name in enumerate(classes):
        folder = name.replace("/", "_").replace("\\", "_").strip()
        if folder in ("", ".", "..") or folder in folders.values():
            folder = f"{folder}_{index}"
        folders[name] = folder
    return folders


def _rows(
    sample: base.Sample, ids: dict[str, int], task: str, report: base.Report, where: str
) -> list[str]:
    """One text row per object. Runs once per object on large exports, so the common case
    (a shape inside the image) builds no intermediate shapes; ``+ 0.0`` turns -0.0 into 0.0."""
    image = sample.image
    w, h = float(image.width), float(image.height)
    rows: list[str] = []
    for index, label in enumerate(sample.labels):
        cid = ids.get(label.class_name)
        if cid is None:
            raise ValueError(f"{where} label {index}: class {label.class_name!r} is not exported")
        g = label.geometry
        target = kindmap.written_as("yolo", task, label.kind)
        if target is None or g is None:
            message = f"tag {label.class_name!r}: {task} has no image tags"
            report.add("tag_not_written", f"{where} label {index}", message)
            continue
        if target is not label.kind:
            g = kindmap.shape_for(label, target, report, f"{where} label {index}")
        if isinstance(g, geo.Box):
            rows.append(_box_row(cid, g.x, g.y, g.w, g.h, w, h, report, where, index))
            continue
        points, clipped = writing.clipped_outline(g, w, h)
        if clipped:
            report.add("clipped_to_image", f"{where} label {index}", "points moved to the edge")
        rows.append(f"{cid} " + " ".join(f"{x / w + 0.0:.6f} {y / h + 0.0:.6f}" for x, y in points))
    return rows


def _box_row(
    cid: int,
    x: float,
    y: float,
    bw: float,
    bh: float,
    w: float,
    h: float,
    report: base.Report,
    where: str,
    index: int,
) -> str:
    if x < 0 or y < 0 or x + bw > w or y + bh > h:
        clipped = geo.Box(x, y, bw, bh).clipped(w, h)
        x, y, bw, bh = clipped.x, clipped.y, clipped.w, clipped.h
        report.add("clipped_to_image", f"{where} label {index}", "box cut to the image")
    cx, cy = (x + bw / 2) / w + 0.0, (y + bh / 2) / h + 0.0
    return f"{cid} {cx:.6f} {cy:.6f} {bw / w + 0.0:.6f} {bh / h + 0.0:.6f}"


def _data_yaml(root: str, split_names: Sequence[str], classes: Sequence[str]) -> str:
    lines = [f"path: {yaml_string(root)}"]
    for split in split_names:
        lines.append(f"{split}: {yaml_string(f'images/{split}')}")
        if split == "train" and "val" not in split_names:
            lines.append("# no image fell into val: validating on the train images")
            lines.append(f"val: {yaml_string('images/train')}")
    lines.append(f"nc: {len(classes)}")  # YOLOv5-era tools want it; Ultralytics checks it
    lines.append("names:")
    lines += [f"  {i}: {yaml_string(name)}" for i, name in enumerate(classes)]
    return "\n".join(lines) + "\n"


class YoloWriter:
    """Writes an Ultralytics dataset (see module doc); ``WriteOptions.task`` picks the layout."""

    name = "yolo"

    def write(
        self,
        samples: Iterable[base.Sample],
        out: Path,
        options: base.WriteOptions,
        report: base.Report,
        progress: base.ProgressFn | None = None,
    ) -> list[str]:
        items = list(samples)
        task = options.task or default_task(items)
        if task not in TASKS:
            raise base.OptionError(
                f"unknown YOLO task {task!r}; expected one of: {', '.join(TASKS)}"
            )
        if task == "classify":
            return _write_classify(items, out, options, report, progress)
        ids = {name: i for i, name in enumerate(options.classes)}
        by_split: dict[str, list[base.Sample]] = {}
        for sample in items:
            by_split.setdefault(sample.split, []).append(sample)
        files: dict[str, str] = {}  # image key -> flat file name in its split
        for group in by_split.values():
            rels = [writing.safe_rel_path(s.image.rel_path) for s in group]
            for sample, name in zip(group, writing.flat_names(rels, True, report), strict=True):
                files[sample.image.key] = name
        written: list[str] = []
        root = str(out)
        for split in by_split:
            os.makedirs(f"{root}/labels/{split}", exist_ok=True)
        with writing.gc_paused():
            for done, sample in enumerate(items, 1):
                rel = sample.image.rel_path
                target = files[sample.image.key]
                rows = _rows(sample, ids, task, report, rel)
                label_rel = f"labels/{sample.split}/{writing.split_ext(target)[0]}.txt"
                # Plain strings and bytes: this runs once per image of exports of 10,000s.
                with open(f"{root}/{label_rel}", "wb") as f:
                    f.write("".join([r + "\n" for r in rows]).encode())
                written.append(label_rel)
                dest = f"images/{sample.split}/{target}"
                report.image_files[sample.image.key] = dest
                if options.images is not base.ImageMode.NONE:
                    imagefiles.place_image(sample.image, out / dest, options.images, report)
                    written.append(dest)
                if progress is not None:
                    progress(done, len(items))
        root = str(options.extra.get("dataset_root") or out.resolve())
        present = [s for s in splits.SPLIT_NAMES if s in by_split] + sorted(
            s for s in by_split if s not in splits.SPLIT_NAMES
        )
        (out / "data.yaml").write_text(_data_yaml(root, present, options.classes), encoding="utf-8")
        written.append("data.yaml")
        return written


def _write_classify(
    items: list[base.Sample],
    out: Path,
    options: base.WriteOptions,
    report: base.Report,
    progress: base.ProgressFn | None,
) -> list[str]:
    class_folder = class_folders(options.classes)
    for name, folder in class_folder.items():
        if folder != name:
            report.add("renamed_class_folder", name, f"class folder named {folder!r}")
    folders: dict[str, list[base.Sample]] = {}
    for sample in items:
        tag = _single_tag(sample, class_folder, report)
        if tag is not None:
            folders.setdefault(f"{sample.split}/{class_folder[tag]}", []).append(sample)
    written: list[str] = []
    done = 0
    for folder, group in folders.items():
        rels = [writing.safe_rel_path(s.image.rel_path) for s in group]
        for sample, name in zip(group, writing.flat_names(rels, False, report), strict=True):
            report.image_files[sample.image.key] = f"{folder}/{name}"
            if imagefiles.place_image(sample.image, out / folder / name, options.images, report):
                written.append(f"{folder}/{name}")
            done += 1
            if progress is not None:
                progress(done, len(items))
    if options.images is not base.ImageMode.NONE:
        for split in {s.split for s in items}:
            for folder in class_folder.values():
                (out / split / folder).mkdir(parents=True, exist_ok=True)
    return written


def _single_tag(
    sample: base.Sample, class_folder: dict[str, str], report: base.Report
) -> str | None:
    """The image's one tag, or None (reported) when it has none or several."""
    rel = writing.safe_rel_path(sample.image.rel_path)
    tags: list[str] = []
    for index, label in enumerate(sample.labels):
        if label.class_name not in class_folder:
            raise ValueError(f"{rel} label {index}: class {label.class_name!r} is not exported")
        if label.kind is geo.ShapeKind.TAG:
            if label.class_name not in tags:
                tags.append(label.class_name)
        else:
            report.add(
                "object_not_written",
                f"{rel} label {index}",
                f"{label.kind.value} has no place in classification",
            )
    if len(tags) != 1:
        code, why = (
            ("no_class", "has no tag")
            if not tags
            else ("multi_label_image", f"has {len(tags)} tags ({', '.join(tags)})")
        )
        report.add(code, rel, f"left out: a classification image needs exactly one class, it {why}")
        return None
    return tags[0]


WRITER: base.Writer | None = YoloWriter()
READER: base.Reader | None = yolo_read.YoloReader()
