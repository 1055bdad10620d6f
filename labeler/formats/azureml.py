"""Azure Machine Learning AutoML for images: JSON Lines plus an ``MLTable`` file per split.

Layout written::

    images/<rel_path>                    the images (unless the image mode is "none")
    <split>/MLTable                      read_json_lines + image_url as stream_info
    <split>/<split>_annotations.jsonl    one JSON object per image

Without a task, :func:`default_task` chooses one from the labels. Each line follows the AutoML
image schema: ``image_url`` is a URL AutoML and ``mltable`` open — the datastore's
``azureml://subscriptions/…/datastores/<name>/paths/<path>/`` folder (or the given
``image_url_prefix``) followed by ``images/<rel_path>``, percent-encoded; without a datastore or
a prefix the export is refused, saying how to give one (:mod:`labeler.formats.azureml_urls`).
The report's next steps hold the ``az`` commands that upload ``images/`` there and register each
split's table as a data asset. ``image_details`` holds format, width and height in pixels, and
``label`` depends on ``WriteOptions.task``:

* ``multiclass``: the class name (exactly one tag per image; others are left out, reported);
* ``multilabel``: the list of tag class names (possibly empty);
* ``detect``: ``[{"label", "topX", "topY", "bottomX", "bottomY", "isCrowd"}]``, the corners
  divided by the image width and height (polygons written as their boxes, reported);
* ``segment``: ``[{"label", "isCrowd", "polygon": [[x1, y1, x2, y2, ...]]}]``, normalized
  (boxes written as four-corner polygons, reported).

The reader takes the same JSONL, with or without an ``azureml://`` prefix, infers the task of
each line from its ``label`` and resolves images against the dataset folder. Its classes are
sorted by name (JSONL keeps no class list, and first-seen order would shift class ids).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

from labeler.domain import geometry as geo
from labeler.formats import azureml_urls, base, imagefiles, kindmap, registry, writing

FORMAT = registry.get("azureml")
TASKS = FORMAT.tasks
_AUTOML_FORMATS = {"jpg", "jpeg", "png", "jpe", "jfif", "bmp", "tif", "tiff"}
_EPS = 1e-6

MLTABLE_TEMPLATE = """\
paths:
  - file: ./{jsonl}
transformations:
  - read_json_lines:
        encoding: utf8
        invalid_lines: error
        include_path_column: false
  - convert_column_types:
      - columns: image_url
        column_type: stream_info
"""


def default_task(samples: Iterable[base.Sample]) -> str:
    """The task a set of samples calls for when none is given (the format's description says
    which: the task writing the most of their kinds as themselves). Boxes make it ``detect``;
    polygons without boxes ``segment``; tags alone ``multilabel`` as soon as one image has
    several, else ``multiclass``.
    """
    kinds: set[geo.ShapeKind] = set()
    several = False
    for sample in samples:
        kinds.update(lb.kind for lb in sample.labels)
        several = several or sum(lb.kind is geo.ShapeKind.TAG for lb in sample.labels) > 1
    return FORMAT.default_task(kinds, several) or "multiclass"


def parse_task(task: str | None, samples: Sequence[base.Sample] = ()) -> str:
    """The AutoML task named by ``task`` (aliases as ``registry`` lists them); chosen from
    ``samples`` when ``task`` is None.

    Raises:
        base.OptionError: naming the valid tasks when ``task`` is unknown.
    """
    return FORMAT.task_of(task) or default_task(samples)


class AzureMlWriter:
    """Writes AutoML image JSONL files and their MLTable definitions, one pair per split."""

    name = "azureml"

    def write(
        self,
        samples: Iterable[base.Sample],
        out: Path,
        options: base.WriteOptions,
        report: base.Report,
        progress: base.ProgressFn | None = None,
    ) -> list[str]:
        export_folder = Path(str(options.extra.get("dataset_root") or out))
        target = azureml_urls.Target(options.format_options, export_folder)
        items = list(samples)
        task = parse_task(options.task, items)
        out.mkdir(parents=True, exist_ok=True)
        known = set(options.classes)
        written: list[str] = []
        lines_by_split: dict[str, list[str]] = {}
        for done, sample in enumerate(items):
            image = sample.image
            labels = [lb for lb in sample.labels if _known(lb, known, report)]
            label = _label_value(task, sample, labels, report)
            if label is not None:
                image_rel = f"images/{writing.safe_rel_path(image.rel_path)}"
                report.image_files[image.key] = image_rel
                try:
                    if imagefiles.place_image(image, out / image_rel, options.images, report):
                        written.append(image_rel)
                except FileNotFoundError as exc:
                    report.add("image_missing", image.rel_path, str(exc))
                url = azureml_urls.image_url(target.prefix, image_rel)
                fmt = PurePosixPath(image.rel_path).suffix.lstrip(".").lower()
                if fmt not in _AUTOML_FORMATS:
                    report.add("image_format", image.rel_path, f"AutoML does not list {fmt!r}")
                line = {
                    "image_url": url,
                    "image_details": {"format": fmt, "width": image.width, "height": image.height},
                    "label": label,
                }
                lines_by_split.setdefault(sample.split, []).append(
                    json.dumps(line, ensure_ascii=False)
                )
            if progress is not None:
                progress(done + 1, len(items))
        for split, lines in lines_by_split.items():
            jsonl = f"{split}_annotations.jsonl"
            (out / split).mkdir(parents=True, exist_ok=True)
            (out / split / jsonl).write_text("".join(f"{x}\n" for x in lines), encoding="utf-8")
            (out / split / "MLTable").write_text(
                MLTABLE_TEMPLATE.format(jsonl=jsonl), encoding="utf-8"
            )
            written += [f"{split}/{jsonl}", f"{split}/MLTable"]
        name = str(options.extra.get("project_name") or export_folder.name)
        images_written = options.images is not base.ImageMode.NONE
        report.next_steps += target.next_steps(list(lines_by_split), images_written, name)
        return written


def _known(label: base.Label, known: set[str], report: base.Report) -> bool:
    if label.class_name in known:
        return True
    report.add("class_not_exported", label.class_name, "class is not among the exported classes")
    return False


def _label_value(
    task: str, sample: base.Sample, labels: Sequence[base.Label], report: base.Report
) -> Any:
    """The ``label`` field for ``task``, or None when the image cannot be written."""
    where = sample.image.rel_path
    tags = [lb.class_name for lb in labels if lb.kind is geo.ShapeKind.TAG]
    shapes = [lb for lb in labels if lb.kind is not geo.ShapeKind.TAG]
    if task in ("multiclass", "multilabel"):
        if shapes:
            report.add(
                "shape_not_written", where, f"{len(shapes)} boxes/polygons in a {task} export"
            )
        if task == "multilabel":
            return tags
        if len(tags) != 1:
            report.add(
                "not_single_label", where, f"{len(tags)} tags; multiclass needs one: image left out"
            )
            return None
        return tags[0]
    if tags:
        report.add("tag_not_written", where, f"{len(tags)} tags have no place in a {task} export")
    w, h = float(sample.image.width), float(sample.image.height)
    out: list[dict[str, Any]] = []
    for lb in shapes:
        crowd = 1 if lb.attributes.get("crowd") else 0
        extra = set(lb.attributes) - {"crowd"}
        if any(lb.attributes[k] for k in extra):
            report.add("attribute_not_written", where, f"no place for {sorted(extra)}")
        target = kindmap.written_as("azureml", task, lb.kind)
        assert target is not None
        shape = kindmap.shape_for(lb, target, report, where)
        if isinstance(shape, geo.Box):
            box = writing.clip_box(shape, sample.image, where, report)
            out.append(
                {
                    "label": lb.class_name,
                    "topX": box.x / w,
                    "topY": box.y / h,
                    "bottomX": box.x1 / w,
                    "bottomY": box.y1 / h,
                    "isCrowd": crowd,
                }
            )
        else:
            raw = [v for x, y in shape.outline() for v in (x / w, y / h)]
            flat = [_unit(v) for v in raw]
            if flat != raw:
                report.add("polygon_clipped", where, "polygon reached outside the image; cut")
            out.append({"label": lb.class_name, "isCrowd": crowd, "polygon": [flat]})
    return out


def _unit(value: float) -> float:
    return min(max(value, 0.0), 1.0)


# ---------------------------------------------------------------------------------------------
# Reader


class AzureMlReader:
    """Reads AutoML image JSONL files (a file, a folder of them, or MLTable folders)."""

    name = "azureml"

    def read(self, path: Path, report: base.Report) -> base.ReadResult:
        path = Path(path)
        root = path.parent if path.is_file() else path
        files = [path] if path.is_file() else _jsonl_files(path)
        if not files:
            raise base.FormatError(path, "", "no .jsonl file found (nor an MLTable naming one)")
        classes: set[str] = set()
        samples: list[base.Sample] = []
        for file in files:
            split = _split_name(file, root)
            text = file.read_text(encoding="utf-8")
            for number, raw in enumerate(text.splitlines(), start=1):
                if not raw.strip():
                    continue
                where = f"line {number}"
                try:
                    row = json.loads(raw)
                except json.JSONDecodeError as exc:
                    raise base.FormatError(
                        file, f"{where}, column {exc.colno}", f"not valid JSON: {exc.msg}"
                    ) from None
                sample = _read_row(file, where, row, root, split, report)
                samples.append(sample)
                classes.update(lb.class_name for lb in sample.labels)
        return base.ReadResult.unlisted(classes, samples)


def _jsonl_files(root: Path) -> list[Path]:
    named: list[Path] = []
    for mltable in sorted([*root.glob("MLTable"), *root.glob("*/MLTable")]):
        for raw in mltable.read_text(encoding="utf-8").splitlines():
            line = raw.strip()
            if line.startswith("- file:") or line.startswith("file:"):
                target = (mltable.parent / line.split(":", 1)[1].strip()).resolve()
                if target.suffix == ".jsonl" and target.is_file() and target not in named:
                    named.append(target)
    if named:
        return named
    return sorted([*root.glob("*.jsonl"), *root.glob("*/*.jsonl")])


def _split_name(file: Path, root: Path) -> str:
    for name in (file.parent.name if file.parent != root else "", file.stem.split("_")[0]):
        if name in ("train", "val", "test"):
            return name
        if name in ("valid", "validation"):
            return "val"
    return "train"


def _image_path(url: str, root: Path) -> tuple[str, Path | None]:
    """(rel_path, file) for an image URL: the datastore part is dropped, the rest looked up."""
    rest = azureml_urls.path_of_url(url)
    if Path(rest).is_absolute() and Path(rest).is_file():  # e.g. a file:// URL
        return Path(rest).name, Path(rest)
    parts = PurePosixPath(rest.lstrip("/")).parts
    # The datastore folder the export was uploaded to is unknown: try shorter and shorter tails.
    for start in range(len(parts)):
        candidate = root.joinpath(*parts[start:])
        if candidate.is_file():
            inside = candidate.relative_to(root)
            if inside.parts[0] == "images" and len(inside.parts) > 1:
                inside = inside.relative_to("images")
            return inside.as_posix(), candidate
    return rest, None


def _size_value(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lower().removesuffix("px").isdigit():
        return int(value.strip().lower().removesuffix("px"))
    return None


def _read_row(
    file: Path, where: str, row: Any, root: Path, split: str, report: base.Report
) -> base.Sample:
    if not isinstance(row, dict):
        raise base.FormatError(file, where, "each line must be a JSON object")
    url = row.get("image_url")
    if not isinstance(url, str) or not url:
        raise base.FormatError(file, f"{where}: image_url", "missing or not a string")
    rel_path, source = _image_path(url, root)
    details = row.get("image_details") or {}
    if not isinstance(details, dict):
        raise base.FormatError(file, f"{where}: image_details", "must be an object")
    width, height = _size_value(details.get("width")), _size_value(details.get("height"))
    orientation = 1
    if source is not None:
        hw, hh, orientation = imagefiles.header_size(source)
        width, height = width or hw, height or hh
    if not width or not height or width <= 0 or height <= 0:
        raise base.FormatError(
            file, f"{where}: image_details", "no width/height and no image file to read them from"
        )
    if "label" not in row:
        raise base.FormatError(file, f"{where}: label", "missing")
    for field in sorted(set(row) - {"image_url", "image_details", "label"}):
        report.add(f"azureml_{field}_not_taken", f"{file.name}: {where}", f"{field!r} is not kept")
    labels = _read_labels(file, where, row["label"], float(width), float(height), report)
    image = base.DatasetImage(
        key=url,
        rel_path=rel_path,
        width=width,
        height=height,
        source=str(source.resolve()) if source is not None else None,
        orientation=orientation,
    )
    return base.Sample(image=image, labels=tuple(labels), split=split)


def _read_labels(
    file: Path, where: str, value: Any, w: float, h: float, report: base.Report
) -> list[base.Label]:
    if isinstance(value, str):
        return [base.Label(value, geo.ShapeKind.TAG)]
    if not isinstance(value, list):
        raise base.FormatError(file, f"{where}: label", "expected a class name or a list")
    labels: list[base.Label] = []
    for index, item in enumerate(value, start=1):
        at = f"{where}: label {index}"
        if isinstance(item, str):
            labels.append(base.Label(item, geo.ShapeKind.TAG))
            continue
        if not isinstance(item, dict) or not isinstance(item.get("label"), str):
            raise base.FormatError(file, at, "expected a class name or an object with 'label'")
        attrs = {"crowd": True} if _truthy(item.get("isCrowd")) else {}
        if "polygon" in item:
            labels += _read_polygons(file, at, item, attrs, w, h, report)
        elif "topX" in item:
            c = [_coord(file, at, item, k) for k in ("topX", "topY", "bottomX", "bottomY")]
            if c[2] < c[0] or c[3] < c[1]:
                raise base.FormatError(file, at, "bottomX/bottomY is smaller than topX/topY")
            box = geo.Box.from_corners(c[0] * w, c[1] * h, c[2] * w, c[3] * h)
            labels.append(base.Label(item["label"], geo.ShapeKind.BOX, box, attrs))
        else:
            raise base.FormatError(file, at, "an object needs topX/topY/bottomX/bottomY or polygon")
    return labels


def _read_polygons(
    file: Path,
    at: str,
    item: dict[str, Any],
    attrs: dict[str, Any],
    w: float,
    h: float,
    report: base.Report,
) -> list[base.Label]:
    parts = item["polygon"]
    if not isinstance(parts, list) or not parts or not all(isinstance(p, list) for p in parts):
        raise base.FormatError(file, f"{at}: polygon", "expected [[x1, y1, x2, y2, ...], ...]")
    if len(parts) > 1:
        report.add("polygon_parts_split", at, f"{len(parts)} parts imported as separate polygons")
    out: list[base.Label] = []
    for n, part in enumerate(parts, start=1):
        place = f"{at}: polygon part {n}"
        values = [_number(file, place, v) for v in part]
        if len(values) % 2 or len(values) < 6:
            raise base.FormatError(
                file, place, f"{len(values)} values; a polygon needs x,y pairs for 3+ points"
            )
        if any(v < -_EPS or v > 1 + _EPS for v in values):
            raise base.FormatError(file, place, "coordinates outside 0..1 (outside the image)")
        pts = tuple((values[i] * w, values[i + 1] * h) for i in range(0, len(values), 2))
        out.append(base.Label(item["label"], geo.ShapeKind.POLYGON, geo.Polygon(pts), attrs))
    return out


def _number(file: Path, place: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise base.FormatError(file, place, f"{value!r} is not a number")
    try:
        number = float(value)
    except ValueError:
        raise base.FormatError(file, place, f"{value!r} is not a number") from None
    if not math.isfinite(number):
        raise base.FormatError(file, place, f"{value!r} is not a finite number")
    return number


def _coord(file: Path, at: str, item: dict[str, Any], key: str) -> float:
    value = _number(file, f"{at}: {key}", item.get(key))
    if value < -_EPS or value > 1 + _EPS:
        raise base.FormatError(file, f"{at}: {key}", f"{value} is outside 0..1 (outside the image)")
    return min(max(value, 0.0), 1.0)


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes")
    return bool(value)


WRITER: base.Writer | None = AzureMlWriter()
READER: base.Reader | None = AzureMlReader()
