"""Reading YOLO datasets: Ultralytics ``data.yaml``, Darknet ``obj.data``, classification folders.

Layouts taken, by what the folder holds:

- ``*.yaml`` (Ultralytics): ``names`` as a list or an ``{index: name}`` mapping; each of
  ``train``/``val``/``test`` an image folder, a ``.txt`` list of images, an image, or a list of
  these. Relative entries resolve against ``path`` (or the YAML's folder). Roboflow's
  ``../train/images`` and ``valid`` folder names are resolved and reported; a YAML naming no
  split at all (supervision writes ``names`` only) takes ``images/<split>/`` beside it, reported.
- ``obj.data`` (Darknet/CVAT/datumaro): ``names`` file, ``train``/``valid``/``val``/``test``
  image lists; the ``data/`` prefix those lists use stands for the dataset folder. Any other key
  naming a ``.txt`` list (datumaro writes every subset as ``<name> = data/<name>.txt``) is read as
  a split of that name and reported; other keys than ``classes``, ``names``, ``backup``,
  ``eval`` and ``results`` are reported as not understood. No listed subset is dropped.
- ``obj.names`` beside ``images/<split>/`` and ``labels/<split>/``.
- ``<split>/<class>/<image>`` folders (Ultralytics classification): each image gets a tag.

Labels sit where Ultralytics looks: the image path with its last ``images`` folder replaced by
``labels`` and the suffix by ``.txt``. An image without a label file is imported without
objects, with status ``new`` (nothing says anyone looked at it), and reported. Oriented boxes
(``task: obb``, rows of four corners that all form rotated rectangles, or Roboflow's DOTA
``labelTxt`` files) are imported as rotated boxes. Pose rows (``kpt_shape`` in the YAML) are
reported by name and not imported; their images get status ``needs_review``. Sizes come from the image header (EXIF orientation applied),
never a full decode.
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import yaml

from labeler.domain import geometry as geo
from labeler.domain import status as status_mod
from labeler.formats import base, dota, imagefiles

IMAGE_SUFFIXES = frozenset(
    {".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp", ".dng", ".mpo", ".pfm"}
)
_SPLIT_KEYS = {"train": "train", "val": "val", "valid": "val", "test": "test"}
#: obj.data settings that say nothing about the images (Darknet's training set-up).
_DARKNET_SETTINGS = frozenset({"classes", "names", "backup", "eval", "results"})


def label_path(image: Path) -> Path:
    """Where Ultralytics looks for the labels of ``image``."""
    text = str(image)
    sa, sb = f"{os.sep}images{os.sep}", f"{os.sep}labels{os.sep}"
    if sa in text:
        text = sb.join(text.rsplit(sa, 1))
    return Path(text).with_suffix(".txt")


def _images_in(folder: Path) -> list[Path]:
    return sorted(
        p for p in folder.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file()
    )


@dataclasses.dataclass(slots=True)
class _Row:
    line: int
    cls: int
    values: list[float]


@dataclasses.dataclass(slots=True)
class _Pending:
    image: base.DatasetImage
    split: str
    label_file: Path | None
    rows: list[_Row]
    obb_file: Path | None = None


class _Collector:
    """Images found so far; labels are parsed, then checked once the layout is known."""

    def __init__(self, root: Path, names: Sequence[str], report: base.Report) -> None:
        self.root, self.names, self.report = root, list(names), report
        self.pending: dict[str, _Pending] = {}

    def add(self, image_path: Path, split: str, base_dir: Path | None) -> None:
        image_path = _abs(image_path)
        key = _rel(image_path, self.root)
        if key in self.pending:
            self.report.add(
                "image_listed_twice",
                key,
                f"also listed in {split}; kept in {self.pending[key].split}",
            )
            return
        width, height, orientation = imagefiles.header_size(image_path)
        rel = _rel(image_path, base_dir) if base_dir is not None else key
        image = base.DatasetImage(
            key=key,
            rel_path=rel,
            width=width,
            height=height,
            source=str(image_path),
            orientation=orientation,
        )
        labels = label_path(image_path)
        pending = _Pending(image, split, labels if labels.is_file() else None, [])
        if pending.label_file is not None:
            pending.rows = _parse_rows(pending.label_file, len(self.names))
        else:  # Roboflow's oriented boxes: DOTA files in labelTxt/ beside images/
            obb = labels.parent.parent / "labelTxt" / labels.name
            pending.obb_file = obb if labels.parent.name == "labels" and obb.is_file() else None
        self.pending[key] = pending

    def result(self, kind: str) -> base.ReadResult:
        if kind == "auto" and _looks_oriented(list(self.pending.values())):
            kind = "obb"
        samples = []
        for p in self.pending.values():
            labels: list[base.Label] = []
            expected = len(p.rows)
            if p.obb_file is not None:
                lines = dota.parse_lines(p.obb_file)
                expected += len(lines)
                for line in lines:
                    labels.append(dota.label_of(line, p.obb_file, self.report))
                    if line.class_name not in self.names:
                        self.names.append(line.class_name)
            elif p.label_file is None:
                message = "no label file: imported as not labeled yet"
                self.report.add("no_label_file", p.image.key, message)
            for row in p.rows:
                where = f"{p.label_file} line {row.line}"
                if kind == "pose":
                    self.report.add("keypoints", where, "pose keypoints not imported")
                elif kind == "obb":
                    labels.append(_oriented(where, row, self.names, p.image, self.report))
                else:
                    labels.append(_label(p.label_file or p.image.key, row, self.names, p.image))
            image = p.image
            if len(labels) < expected:
                # Objects were left out: the image is not "done" (it must not export as complete).
                image = dataclasses.replace(image, status=status_mod.ImageStatus.NEEDS_REVIEW)
            elif p.label_file is None and p.obb_file is None:
                # Trainers read a missing file as "no objects", but nothing says anyone looked;
                # labeler's own exports always write the (empty) file of a finished image.
                image = dataclasses.replace(image, status=status_mod.ImageStatus.NEW)
            samples.append(base.Sample(image=image, labels=tuple(labels), split=p.split))
        return base.ReadResult(classes=tuple(self.names), samples=tuple(samples))


def _abs(path: Path) -> Path:
    # Absolute without following symlinks: a linked export keeps its own layout.
    return Path(os.path.abspath(path))


def _rel(path: Path, folder: Path) -> str:
    try:
        return path.relative_to(_abs(folder)).as_posix()
    except ValueError:
        return path.as_posix()


def _parse_rows(path: Path, class_count: int) -> list[_Row]:
    rows: list[_Row] = []
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise base.FormatError(path, "", f"not UTF-8 text ({exc.reason})") from None
    for n, line in enumerate(text.splitlines(), 1):
        parts = line.split()
        if not parts:
            continue
        try:
            cls = int(parts[0])
        except ValueError:
            raise base.FormatError(
                path, f"line {n}", f"class index {parts[0]!r} is not a whole number"
            ) from None
        if not 0 <= cls < class_count:
            raise base.FormatError(
                path, f"line {n}", f"class index {cls} is beyond names (0..{class_count - 1})"
            )
        try:
            values = [float(v) for v in parts[1:]]
        except ValueError:
            raise base.FormatError(path, f"line {n}", "coordinates must be numbers") from None
        if not all(math.isfinite(v) for v in values):
            raise base.FormatError(path, f"line {n}", "coordinates must be finite numbers")
        rows.append(_Row(n, cls, values))
    return rows


def _pixels(image: base.DatasetImage, values: Sequence[float]) -> list[tuple[float, float]]:
    it = iter(values)
    return [(x * image.width, y * image.height) for x, y in zip(it, it, strict=True)]


def _looks_oriented(pending: list[_Pending]) -> bool:
    """Oriented-box files look like 4-point polygons; every row a rectangle, some turned,
    tells them apart (a segmentation export of boxes has only upright rectangles)."""
    rows = [(p.image, r) for p in pending for r in p.rows]
    return (
        bool(rows)
        and all(_oriented_rectangle(image, r) for image, r in rows)
        and any(_rotated(image, r) for image, r in rows)
    )


def _oriented_rectangle(image: base.DatasetImage, row: _Row) -> bool:
    if len(row.values) != 8:
        return False
    p = _pixels(image, row.values)
    sides = [(p[(i + 1) % 4][0] - p[i][0], p[(i + 1) % 4][1] - p[i][1]) for i in range(4)]
    for (ax, ay), (bx, by) in zip(sides, sides[1:] + sides[:1], strict=True):
        la, lb = math.hypot(ax, ay), math.hypot(bx, by)
        if la == 0 or lb == 0 or abs(ax * bx + ay * by) > 0.02 * la * lb:
            return False
    return True


def _rotated(image: base.DatasetImage, row: _Row) -> bool:
    p = _pixels(image, row.values)
    dx, dy = p[1][0] - p[0][0], p[1][1] - p[0][1]
    return min(abs(dx), abs(dy)) > 0.01 * math.hypot(dx, dy)


def _label(
    path: Path | str, row: _Row, names: Sequence[str], image: base.DatasetImage
) -> base.Label:
    where, v = f"line {row.line}", row.values
    tol_x, tol_y = 1.0 / image.width, 1.0 / image.height  # one pixel
    if len(v) == 4:
        cx, cy, w, h = v
        if w < 0 or h < 0 or not all(-1e-6 <= x <= 1 + 1e-6 for x in v):
            raise base.FormatError(path, where, f"box values must be normalized to [0, 1], got {v}")
        x0, y0, x1, y1 = cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2
        if x0 < -tol_x or y0 < -tol_y or x1 > 1 + tol_x or y1 > 1 + tol_y:
            raise base.FormatError(path, where, "box is outside the image")
        box = geo.Box(x0 * image.width, y0 * image.height, w * image.width, h * image.height)
        return base.Label(names[row.cls], geo.ShapeKind.BOX, box)
    if len(v) % 2:
        raise base.FormatError(path, where, f"odd number of polygon values ({len(v)})")
    if len(v) < 6:
        raise base.FormatError(
            path, where, f"expected 4 box values or at least 3 points, got {len(v)} values"
        )
    if not all(-tol_x <= x <= 1 + tol_x for x in v[0::2]) or not all(
        -tol_y <= y <= 1 + tol_y for y in v[1::2]
    ):
        raise base.FormatError(
            path, where, "polygon is outside the image (values must be in [0, 1])"
        )
    return base.Label(names[row.cls], geo.ShapeKind.POLYGON, geo.Polygon(tuple(_pixels(image, v))))


def _oriented(
    where: str, row: _Row, names: Sequence[str], image: base.DatasetImage, report: base.Report
) -> base.Label:
    """An oriented-box row (four corners) as a rotated box; four corners that are no
    rectangle give the rotated box around them, reported."""
    if len(row.values) != 8:
        raise base.FormatError(where, "", f"an oriented box has 8 values, got {len(row.values)}")
    box, exact = geo.RotatedBox.from_corners(_pixels(image, row.values))
    if not exact:
        message = "four corners that are no rectangle: imported as the rotated box around them"
        report.add("quadrilateral_as_rotated_box", where, message)
    return base.Label(names[row.cls], geo.ShapeKind.ROTATED_BOX, box)


# --------------------------------------------------------------------------- layouts


def _yaml_names(path: Path, doc: dict[str, Any]) -> list[str]:
    names = doc.get("names")
    if isinstance(names, dict):
        if sorted(names) != list(range(len(names))):
            raise base.FormatError(
                path, "names", f"indexes must be 0..{len(names) - 1}, got {sorted(names, key=str)}"
            )
        result = [str(names[i]) for i in range(len(names))]
    elif isinstance(names, list):
        result = [str(n) for n in names]
    else:
        raise base.FormatError(
            path, "names", "missing: expected a list or an {index: name} mapping"
        )
    nc = doc.get("nc")
    if nc is not None and nc != len(result):
        raise base.FormatError(path, "nc", f"nc is {nc} but names lists {len(result)} classes")
    return result


def _find(entry: str, bases: Iterable[Path]) -> Path | None:
    tries = [entry]
    if entry.startswith("../"):  # Roboflow writes paths relative to a folder below the YAML
        tries.append(entry[3:])
    if entry.startswith("data/"):  # CVAT and Darknet lists name the dataset folder "data/"
        tries.append(entry[5:])
    for base_dir in bases:
        for t in tries:
            candidate = base_dir / t
            if candidate.exists():
                return candidate
    return None


def _read_ultralytics(path: Path, report: base.Report) -> base.ReadResult:
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise base.FormatError(
            path, where, f"not valid YAML ({getattr(exc, 'problem', exc)})"
        ) from None
    if not isinstance(doc, dict):
        raise base.FormatError(path, "", "expected a mapping with names and train/val/test")
    names = _yaml_names(path, doc)
    root = path.parent
    if (
        isinstance(doc.get("path"), str)
        and (found := _find(doc["path"], [path.parent])) is not None
    ):
        root = found
    elif isinstance(doc.get("path"), str) and Path(doc["path"]).is_dir():
        root = Path(doc["path"])
    collector = _Collector(_abs(root), names, report)
    seen: dict[str, str] = {}
    for key, split in _SPLIT_KEYS.items():
        value = doc.get(key)
        if value is None:
            continue
        for entry in value if isinstance(value, list) else [value]:
            if not isinstance(entry, str):
                raise base.FormatError(path, key, f"expected a path, got {entry!r}")
            if entry in seen:  # e.g. val naming the train images when no image fell into val
                report.add("split_repeated", f"{path} {key}", f"same images as {seen[entry]}")
                continue
            seen[entry] = key
            _add_entry(collector, entry, split, [root, path.parent], path, key, report)
    if not seen and (root / "images").is_dir():
        # supervision writes a data.yaml with names only: take images/<split>/ beside it.
        report.add("yaml_without_splits", str(path), "no train/val/test: read images/<split>/")
        _add_split_folders(collector, root / "images")
    if not collector.pending:
        raise base.FormatError(path, "", "no images found for train, val or test")
    kind = "pose" if "kpt_shape" in doc else "obb" if doc.get("task") == "obb" else "auto"
    return collector.result(kind)


def _add_entry(
    collector: _Collector,
    entry: str,
    split: str,
    bases: list[Path],
    yaml_path: Path,
    key: str,
    report: base.Report,
) -> None:
    found = _find(entry, bases)
    if found is None and "valid" in entry.split("/"):  # Roboflow names the folder val or valid
        found = _find(entry.replace("valid", "val"), bases)
        if found is not None:
            report.add(
                "path_guessed", f"{yaml_path} {key}", f"{entry!r} does not exist; read {found}"
            )
    if found is None:
        raise base.FormatError(yaml_path, key, f"{entry!r} not found")
    if found.is_dir():
        for image in _images_in(found):
            collector.add(image, split, found)
    elif found.suffix == ".txt":
        _add_list(collector, found, split, bases)
    else:
        collector.add(found, split, None)


def _add_list(collector: _Collector, list_file: Path, split: str, bases: list[Path]) -> None:
    for n, line in enumerate(list_file.read_text(encoding="utf-8").splitlines(), 1):
        entry = line.strip()
        if not entry:
            continue
        found = _find(entry.removeprefix("./"), [list_file.parent, *bases])
        if found is None or not found.is_file():
            raise base.FormatError(list_file, f"line {n}", f"image {entry!r} not found")
        collector.add(found, split, None)


def _read_darknet(path: Path, report: base.Report) -> base.ReadResult:
    folder = path.parent
    settings: dict[str, str] = {}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip() and not line.lstrip().startswith("#"):
            key, sep, value = line.partition("=")
            if not sep:
                raise base.FormatError(path, f"line {n}", "expected key = value")
            settings[key.strip()] = value.strip()
    names_file = _find(settings.get("names", "obj.names"), [folder])
    if names_file is None:
        raise base.FormatError(path, "names", f"{settings.get('names')!r} not found")
    names = [n.strip() for n in names_file.read_text(encoding="utf-8").splitlines() if n.strip()]
    if "classes" in settings and settings["classes"] != str(len(names)):
        raise base.FormatError(
            path,
            "classes",
            f"classes = {settings['classes']} but {names_file.name} lists {len(names)}",
        )
    collector = _Collector(_abs(folder), names, report)
    for key, value in settings.items():
        if key in _DARKNET_SETTINGS:
            continue
        split = _SPLIT_KEYS.get(key)
        list_file = _find(value, [folder]) if value else None
        if split is None and (list_file is None or list_file.suffix != ".txt"):
            report.add(
                "darknet_key_not_taken", f"{path} {key}", f"{key} = {value} is not understood"
            )
            continue
        if list_file is None:
            raise base.FormatError(path, key, f"{value!r} not found")
        if split is None:  # datumaro writes any subset as "<name> = data/<name>.txt"
            split = key
            report.add(
                "darknet_subset", f"{path} {key}", f"image list {value} read as split {key!r}"
            )
        _add_list(collector, list_file, split, [folder])
    return collector.result("auto")


def _read_names_and_folders(folder: Path, report: base.Report) -> base.ReadResult:
    names = [
        n.strip()
        for n in (folder / "obj.names").read_text(encoding="utf-8").splitlines()
        if n.strip()
    ]
    collector = _Collector(_abs(folder), names, report)
    images = folder / "images"
    if not images.is_dir():
        raise base.FormatError(folder, "", "obj.names without obj.data or an images/ folder")
    _add_split_folders(collector, images)
    return collector.result("auto")


def _add_split_folders(collector: _Collector, images: Path) -> None:
    """The images of each ``images/<split>/`` folder, in that split."""
    for split_dir in sorted(p for p in images.iterdir() if p.is_dir()):
        for image in _images_in(split_dir):
            collector.add(image, _SPLIT_KEYS.get(split_dir.name, split_dir.name), split_dir)


def _classification_splits(folder: Path) -> list[Path]:
    return [
        folder / s
        for s in _SPLIT_KEYS
        if (folder / s).is_dir() and any(p.is_dir() for p in (folder / s).iterdir())
    ]


def _read_classification(folder: Path, report: base.Report) -> base.ReadResult:
    split_dirs = _classification_splits(folder)
    names = sorted({p.name for s in split_dirs for p in s.iterdir() if p.is_dir()})
    samples: list[base.Sample] = []
    for split_dir in split_dirs:
        for stray in sorted(p for p in split_dir.iterdir() if p.is_file()):
            report.add(
                "outside_class_folder",
                _rel(_abs(stray), folder),
                "file outside a class folder, not imported",
            )
        for class_dir in sorted(p for p in split_dir.iterdir() if p.is_dir()):
            for image_path in _images_in(class_dir):
                width, height, orientation = imagefiles.header_size(image_path)
                image = base.DatasetImage(
                    key=_rel(_abs(image_path), folder),
                    rel_path=_rel(_abs(image_path), split_dir),
                    width=width,
                    height=height,
                    source=str(_abs(image_path)),
                    orientation=orientation,
                )
                label = base.Label(class_dir.name, geo.ShapeKind.TAG)
                samples.append(base.Sample(image, (label,), _SPLIT_KEYS[split_dir.name]))
    return base.ReadResult(classes=tuple(names), samples=tuple(samples))


class YoloReader:
    """Reads YOLO datasets (see module doc); everything is checked before returning."""

    name = "yolo"

    def read(self, path: Path, report: base.Report) -> base.ReadResult:
        if path.is_file():
            return (
                _read_darknet(path, report)
                if path.suffix == ".data"
                else _read_ultralytics(path, report)
            )
        yamls = sorted(path.glob("*.yaml")) + sorted(path.glob("*.yml"))
        if (path / "data.yaml").is_file():
            return _read_ultralytics(path / "data.yaml", report)
        if yamls:
            return _read_ultralytics(yamls[0], report)
        if (path / "obj.data").is_file():
            return _read_darknet(path / "obj.data", report)
        if (path / "obj.names").is_file():
            return _read_names_and_folders(path, report)
        if _classification_splits(path):
            return _read_classification(path, report)
        raise base.FormatError(
            path, "", "no data.yaml, obj.data, obj.names or <split>/<class>/ folders found"
        )
