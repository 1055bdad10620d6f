"""labelme JSON: one annotation file beside each image.

Layout written::

    <split>/<rel_path>            the image (unless the image mode is "none")
    <split>/<rel_path stem>.json  version, flags, shapes, imagePath, imageData (null), size

Boxes are ``rectangle`` shapes (top-left and bottom-right corners), polygons ``polygon`` shapes;
``group_id`` is null. Tags become image ``flags`` (``{"class": true}``). Boolean attributes
(difficult, truncated, occluded, crowd, ...) become shape ``flags``; a text ``description``
attribute goes to ``description``; other attributes have no place and are reported.
``imagePath`` is the image's name relative to the JSON file (absolute when images are not
written), as labelme resolves it.

The reader creates the classes it finds in sorted order (labelme keeps no class list, and
first-seen order would shift class ids between imports). It takes rectangles and polygons (a
polygon needs three points), image flags set to true as tags, and reports circles, lines, line
strips, points and masks as not taken; an image that lost a shape this way gets status
``needs_review``, so it is never taken for finished.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from typing import Any

from labeler.domain import geometry as geo
from labeler.domain import status as status_mod
from labeler.formats import base, imagefiles, kindmap

LABELME_VERSION = "5.5.0"
_EPS = 1e-6


class LabelmeWriter:
    """Writes one labelme JSON file per image, beside the image, in one folder per split."""

    name = "labelme"

    def write(
        self,
        samples: Iterable[base.Sample],
        out: Path,
        options: base.WriteOptions,
        report: base.Report,
        progress: base.ProgressFn | None = None,
    ) -> list[str]:
        items = list(samples)
        out.mkdir(parents=True, exist_ok=True)
        known = set(options.classes)
        written: list[str] = []
        used: set[str] = set()
        for done, sample in enumerate(items):
            image = sample.image
            image_rel = f"{sample.split}/{image.rel_path}"
            json_rel = str(PurePosixPath(image_rel).with_suffix(".json"))
            if json_rel in used:
                # a.jpg and a.png side by side: the second JSON keeps the extension in its name.
                suffix = PurePosixPath(image_rel).suffix.lstrip(".")
                json_rel = str(PurePosixPath(image_rel).with_suffix("")) + f"_{suffix}.json"
                report.add("renamed", image.rel_path, f"annotation written as {json_rel}")
            used.add(json_rel)
            image_path = PurePosixPath(image.rel_path).name
            if options.images is base.ImageMode.NONE and image.source:
                image_path = Path(image.source).resolve().as_posix()
            report.image_files[image.key] = image_rel
            try:
                if imagefiles.place_image(image, out / image_rel, options.images, report):
                    written.append(image_rel)
            except FileNotFoundError as exc:
                report.add("image_missing", image.rel_path, str(exc))
            document = _document(sample, image_path, known, report)
            (out / json_rel).parent.mkdir(parents=True, exist_ok=True)
            (out / json_rel).write_text(
                json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
            )
            written.append(json_rel)
            if progress is not None:
                progress(done + 1, len(items))
        return written


def _document(
    sample: base.Sample, image_path: str, known: set[str], report: base.Report
) -> dict[str, Any]:
    flags: dict[str, bool] = {}
    shapes: list[dict[str, Any]] = []
    for index, label in enumerate(sample.labels, start=1):
        where = f"{sample.image.rel_path}: label {index}"
        if label.class_name not in known:
            report.add("class_not_exported", where, f"class {label.class_name!r} not exported")
        elif label.kind is geo.ShapeKind.TAG:
            flags[label.class_name] = True
        else:
            shapes.append(_shape(label, where, report))
    return {
        "version": LABELME_VERSION,
        "flags": flags,
        "shapes": shapes,
        "imagePath": image_path,
        "imageData": None,
        "imageHeight": sample.image.height,
        "imageWidth": sample.image.width,
    }


def _shape(label: base.Label, where: str, report: base.Report) -> dict[str, Any]:
    target = kindmap.written_as("labelme", None, label.kind)
    assert target is not None
    # labelme has no rotated rectangle: a rotated box is written as its corner polygon.
    geometry = kindmap.shape_for(label, target, report, where)
    if isinstance(geometry, geo.Box):
        points = [[geometry.x, geometry.y], [geometry.x1, geometry.y1]]
        shape_type = "rectangle"
    else:
        points = [[x, y] for x, y in geometry.outline()]
        shape_type = "polygon"
    flags: dict[str, bool] = {}
    description = ""
    for key, value in label.attributes.items():
        if isinstance(value, bool):
            flags[key] = value
        elif key == "description" and isinstance(value, str):
            description = value
        else:
            report.add("attribute_not_written", where, f"attribute {key!r} is not true/false")
    return {
        "label": label.class_name,
        "points": points,
        "group_id": None,
        "description": description,
        "shape_type": shape_type,
        "flags": flags,
    }


# ---------------------------------------------------------------------------------------------
# Reader

_NOT_TAKEN = ("circle", "line", "linestrip", "point", "points", "mask")


class LabelmeReader:
    """Reads a folder of labelme JSON files (searched recursively)."""

    name = "labelme"

    def read(self, path: Path, report: base.Report) -> base.ReadResult:
        path = Path(path)
        files = [path] if path.is_file() else sorted(path.rglob("*.json"))
        root = path.parent if path.is_file() else path
        classes: set[str] = set()
        samples: list[base.Sample] = []
        for file in files:
            document = _load(file)
            if not isinstance(document, dict) or "shapes" not in document:
                report.add(
                    "not_labelme_json", file.name, "no 'shapes': not a labelme file, skipped"
                )
                continue
            sample = _read_document(file, document, root, report)
            samples.append(sample)
            classes.update(lb.class_name for lb in sample.labels)
        if not samples:
            raise base.FormatError(path, "", "no labelme JSON file found")
        return base.ReadResult.unlisted(classes, samples)


def _load(file: Path) -> Any:
    try:
        return json.loads(file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise base.FormatError(
            file, f"line {exc.lineno}, column {exc.colno}", f"not valid JSON: {exc.msg}"
        ) from None


def _split_of(file: Path, root: Path) -> str:
    first = file.relative_to(root).parts[0] if file.parent != root else ""
    names = {"train": "train", "val": "val", "test": "test", "valid": "val", "validation": "val"}
    return names.get(first, "train")


def _size(file: Path, document: dict[str, Any], key: str) -> int | None:
    value = document.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise base.FormatError(file, key, f"expected a positive whole number, got {value!r}")
    return value


def _read_document(
    file: Path, document: dict[str, Any], root: Path, report: base.Report
) -> base.Sample:
    image_path = document.get("imagePath")
    if not isinstance(image_path, str) or not image_path:
        raise base.FormatError(file, "imagePath", "missing or not a string")
    source = file.parent / image_path.replace("\\", "/")
    width, height = _size(file, document, "imageWidth"), _size(file, document, "imageHeight")
    orientation = 1
    if source.is_file():
        hw, hh, orientation = imagefiles.header_size(source)
        width, height = width or hw, height or hh
    if width is None or height is None:
        raise base.FormatError(file, "imageWidth", "no image size and no image file to read it")
    split = _split_of(file, root)
    if source.is_file() and source.resolve().is_relative_to(root.resolve()):
        named = PurePosixPath(source.resolve().relative_to(root.resolve()).as_posix())
    else:
        # The image lives elsewhere: name it as the JSON file is placed.
        named = PurePosixPath(file.relative_to(root).as_posix()).parent / source.name
    if named.parts[0] == split and len(named.parts) > 1:
        named = named.relative_to(split)  # the split folder is not part of the image's name
    rel_path = named.as_posix()
    if not source.is_file() and document.get("imageData"):
        report.add("labelme_image_data", file.name, "embedded imageData is not extracted")
    image = base.DatasetImage(
        key=file.relative_to(root).as_posix(),
        rel_path=rel_path,
        width=width,
        height=height,
        source=str(source.resolve()) if source.is_file() else None,
        orientation=orientation,
    )
    labels: list[base.Label] = []
    flags = document.get("flags") or {}
    if not isinstance(flags, dict):
        raise base.FormatError(file, "flags", "expected an object of true/false values")
    labels += [base.Label(str(name), geo.ShapeKind.TAG) for name, on in flags.items() if on is True]
    shapes = document["shapes"]
    if not isinstance(shapes, list):
        raise base.FormatError(file, "shapes", "expected a list")
    for index, shape in enumerate(shapes, start=1):
        label = _read_shape(file, f"shapes[{index - 1}]", shape, image, report)
        if label is not None:
            labels.append(label)
        else:
            # An object was not imported: the image is not "done" (it must not export as complete).
            image = dataclasses.replace(image, status=status_mod.ImageStatus.NEEDS_REVIEW)
    return base.Sample(image=image, labels=tuple(labels), split=split)


def _read_shape(
    file: Path, where: str, shape: Any, image: base.DatasetImage, report: base.Report
) -> base.Label | None:
    if not isinstance(shape, dict) or not isinstance(shape.get("label"), str):
        raise base.FormatError(file, where, "a shape needs a 'label'")
    kind = shape.get("shape_type") or "polygon"
    if kind in _NOT_TAKEN:
        report.add(f"labelme_{kind}_not_taken", f"{file.name}: {where}", f"{kind} shapes not taken")
        return None
    if kind not in ("rectangle", "polygon"):
        raise base.FormatError(file, f"{where}: shape_type", f"unknown shape type {kind!r}")
    points = _points(file, where, shape.get("points"))
    for x, y in points:
        if x < -_EPS or y < -_EPS or x > image.width + _EPS or y > image.height + _EPS:
            raise base.FormatError(
                file, f"{where}: points", f"point ({x}, {y}) is outside the {image.width}×"
                f"{image.height} image"
            )  # fmt: skip
    attributes: dict[str, Any] = {}
    shape_flags = shape.get("flags") or {}
    if isinstance(shape_flags, dict):
        attributes.update({k: v for k, v in shape_flags.items() if isinstance(v, bool)})
    if isinstance(shape.get("description"), str) and shape["description"]:
        attributes["description"] = shape["description"]
    if shape.get("group_id") is not None:
        report.add("labelme_group_id", f"{file.name}: {where}", "group_id is not kept")
    if kind == "rectangle":
        if len(points) != 2:
            raise base.FormatError(file, f"{where}: points", "a rectangle needs 2 points")
        (x0, y0), (x1, y1) = points
        box = geo.Box.from_corners(x0, y0, x1, y1)
        return base.Label(shape["label"], geo.ShapeKind.BOX, box, attributes)
    if len(points) < 3:
        raise base.FormatError(
            file, f"{where}: points", f"a polygon needs 3 points, not {len(points)}"
        )
    return base.Label(shape["label"], geo.ShapeKind.POLYGON, geo.Polygon(tuple(points)), attributes)


def _points(file: Path, where: str, value: Any) -> list[tuple[float, float]]:
    if not isinstance(value, list):
        raise base.FormatError(file, f"{where}: points", "expected a list of [x, y]")
    points: list[tuple[float, float]] = []
    for n, point in enumerate(value):
        if (
            not isinstance(point, list | tuple)
            or len(point) != 2
            or not all(isinstance(c, int | float) and not isinstance(c, bool) for c in point)
            or not all(math.isfinite(c) for c in point)
        ):
            raise base.FormatError(file, f"{where}: points[{n}]", f"expected [x, y], got {point!r}")
        points.append((float(point[0]), float(point[1])))
    return points


WRITER: base.Writer | None = LabelmeWriter()
READER: base.Reader | None = LabelmeReader()
