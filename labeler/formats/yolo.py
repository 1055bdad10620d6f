"""YOLO datasets as Ultralytics reads them (the reader also takes the older Darknet layout).

Layout labeler writes for ``detect`` and ``segment``::

    data.yaml                   path (absolute), train/val/test (only splits present), nc, names
    images/<split>/<rel_path>   the images
    labels/<split>/<rel_path with .txt>   one row per object: ``class cx cy w h`` (detect) or
                                ``class x1 y1 x2 y2 ...`` (segment), normalized to [0, 1]

``names`` lists the exported classes in order (class id i is exported class i). A file never
mixes rows: with ``task="detect"`` polygons become their bounding boxes, with ``"segment"`` boxes
become 4-point polygons — both reported. Finished images without objects get an empty label
file (a deliberate "nothing here"). Ultralytics finds a label by replacing the last ``images``
folder of the image path with ``labels``, so an image path containing an ``images`` folder is
flattened, and images whose label files would collide (``a.jpg`` and ``a.png``) are renamed;
both are reported.

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
from labeler.formats import base, imagefiles, splits, writing, yolo_read

TASKS: tuple[str, ...] = ("detect", "segment", "classify")


def default_task(samples: Iterable[base.Sample]) -> str:
    """The task a project's labels call for when none is given.

    Tags only → classify; polygons without boxes → segment; otherwise detect.
    """
    kinds = {label.kind for sample in samples for label in sample.labels}
    if kinds and kinds <= {geo.ShapeKind.TAG}:
        return "classify"
    if geo.ShapeKind.POLYGON in kinds and geo.ShapeKind.BOX not in kinds:
        return "segment"
    return "detect"


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


def _split_ext(rel: str) -> tuple[str, str]:
    """``("a/b", ".jpg")`` for ``"a/b.jpg"``; string work, as this runs once per image."""
    slash, dot = rel.rfind("/"), rel.rfind(".")
    return (rel[:dot], rel[dot:]) if dot > slash + 1 else (rel, "")


class _Names:
    """Target names inside one folder, renaming (and reporting) on collision."""

    def __init__(self) -> None:
        self._used: set[str] = set()

    def claim(self, rel: str, stem_only: bool, report: base.Report) -> str:
        stem, ext = _split_ext(rel)
        # Label files share a stem across image types; file systems may ignore case.
        key = (stem if stem_only else rel).lower()
        candidate, n = rel, 1
        while key in self._used:
            n += 1
            candidate = f"{stem}_{n}{ext}"
            key = (candidate[: len(candidate) - len(ext)] if stem_only else candidate).lower()
        self._used.add(key)
        if candidate != rel:
            report.add("renamed_image", rel, f"written as {candidate} (its name was taken)")
        return candidate


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
        if label.kind is geo.ShapeKind.TAG or g is None:
            message = f"tag {label.class_name!r}: {task} has no image tags"
            report.add("tag_not_written", f"{where} label {index}", message)
            continue
        if isinstance(g, geo.Polygon) and task == "detect":
            report.add("polygon_to_box", f"{where} label {index}", "polygon written as its box")
            xs, ys = [p[0] for p in g.points], [p[1] for p in g.points]
            x, y = min(xs), min(ys)
            rows.append(_box_row(cid, x, y, max(xs) - x, max(ys) - y, w, h, report, where, index))
        elif isinstance(g, geo.Box) and task == "detect":
            rows.append(_box_row(cid, g.x, g.y, g.w, g.h, w, h, report, where, index))
        else:
            if isinstance(g, geo.Box):
                report.add("box_to_polygon", f"{where} label {index}", "box written as 4 points")
                g = geo.Polygon(((g.x, g.y), (g.x1, g.y), (g.x1, g.y1), (g.x, g.y1)))
            g, clipped = writing.clip_polygon(g, w, h)
            if clipped:
                report.add("clipped_to_image", f"{where} label {index}", "points moved to the edge")
            points = " ".join(f"{x / w + 0.0:.6f} {y / h + 0.0:.6f}" for x, y in g.points)
            rows.append(f"{cid} {points}")
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


def _image_rel(rel: str, report: base.Report) -> str:
    parts = rel.split("/")
    if "images" in parts[:-1]:
        flat = "__".join(parts)
        report.add(
            "renamed_image",
            rel,
            f"written as {flat}: an 'images' folder inside would hide its labels",
        )
        return flat
    return rel


def _data_yaml(root: str, split_names: Iterable[str], classes: Sequence[str]) -> str:
    lines = [f"path: {yaml_string(root)}"]
    lines += [f"{split}: {yaml_string(f'images/{split}')}" for split in split_names]
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
        names: dict[str, _Names] = {}
        written: list[str] = []
        made: set[str] = set()
        root = str(out)
        with writing.gc_paused():
            for done, sample in enumerate(items, 1):
                rel = writing.safe_rel_path(sample.image.rel_path)
                target = names.setdefault(sample.split, _Names()).claim(
                    _image_rel(rel, report), True, report
                )
                rows = _rows(sample, ids, task, report, rel)
                label_rel = f"labels/{sample.split}/{_split_ext(target)[0]}.txt"
                # Plain strings and bytes: this runs once per image of exports of 10,000s.
                label_file = f"{root}/{label_rel}"
                folder = label_file[: label_file.rfind("/")]
                if folder not in made:
                    os.makedirs(folder, exist_ok=True)
                    made.add(folder)
                with open(label_file, "wb") as f:
                    f.write("".join([r + "\n" for r in rows]).encode())
                written.append(label_rel)
                if options.images is not base.ImageMode.NONE:
                    dest = f"images/{sample.split}/{target}"
                    imagefiles.place_image(sample.image, out / dest, options.images, report)
                    written.append(dest)
                if progress is not None:
                    progress(done, len(items))
        root = str(options.extra.get("dataset_root") or out.resolve())
        present = [s for s in splits.SPLIT_NAMES if s in names] + sorted(
            s for s in names if s not in splits.SPLIT_NAMES
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
    folders: dict[str, _Names] = {}
    written: list[str] = []
    for done, sample in enumerate(items, 1):
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
            report.add(
                code, rel, f"left out: a classification image needs exactly one class, it {why}"
            )
            continue
        folder = f"{sample.split}/{class_folder[tags[0]]}"
        name = folders.setdefault(folder, _Names()).claim(rel.replace("/", "__"), False, report)
        if imagefiles.place_image(sample.image, out / folder / name, options.images, report):
            written.append(f"{folder}/{name}")
        if progress is not None:
            progress(done, len(items))
    if options.images is not base.ImageMode.NONE:
        for split in {s.split for s in items}:
            for folder in class_folder.values():
                (out / split / folder).mkdir(parents=True, exist_ok=True)
    return written


WRITER: base.Writer | None = YoloWriter()
READER: base.Reader | None = yolo_read.YoloReader()
