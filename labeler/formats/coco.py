"""COCO instances (detection and segmentation) datasets.

Layout labeler writes — one annotation file per split, as COCO 2017 itself is laid out::

    annotations/instances_train.json    images/train/<rel_path>
    annotations/instances_val.json      images/val/<rel_path>
    annotations/instances_test.json     images/test/<rel_path>

Only splits that received images get a file. ``file_name`` is the image's path relative to its
split's image folder (``images/<split>/``). Image, annotation and category ids start at 1 and are
unique across the whole export; category ``i + 1`` is exported class ``i`` and every split file
lists every exported class, so ids mean the same thing in all of them. ``bbox`` is
``[x, y, w, h]`` in pixels; a polygon is written as one flat ``segmentation`` list with its
polygon area and bounding box; a box's ``segmentation`` is its own outline (four corners,
clockwise from the top-left), so every instance has one and segmentation tools and
``COCOeval(iouType="segm")`` take boxes too (an outline gives the box's own area and mask). ``iscrowd`` comes from
the ``crowd`` attribute; other attributes go into an ``attributes`` object (as CVAT and
datumaro write it). Tags are not COCO objects: each one is reported.

The reader takes a COCO JSON file or a folder with ``annotations/*.json`` (also the
MMDetection variant with images in ``<split>/``) or Roboflow's ``<split>/_annotations.coco.json``.
Instance, stuff and image-label files are imported (annotations with neither box nor
segmentation become tags; in a file labeler wrote — ``info.contributor`` says so — an
annotation marked ``"labeler_kind": "box"`` whose segmentation is its bbox's outline is read as
the box it was); RLE masks, keypoints, captions, panoptic segments and image-info lists
are reported by name, one entry per object, and not imported. An image that lost an object this
way gets status ``needs_review``, so it is never taken for a complete, finished image.
"""

from __future__ import annotations

import dataclasses
import math
import operator
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import orjson

import labeler
from labeler.domain import geometry as geo
from labeler.domain import status as status_mod
from labeler.formats import base, imagefiles, kindmap, splits, writing

#: Coordinates may pass the image edge by this much (pixels) before a reader rejects them:
#: tools round to the nearest pixel or float, not to the edge.
EDGE_TOLERANCE = 1.0

_REPORT_ONLY_KINDS = {
    "captions": "coco_captions",
    "person_keypoints": "coco_keypoints",
    "panoptic": "coco_panoptic",
    "image_info": "coco_image_info",
}
_SPLIT_ALIASES = {"valid": "val", "validation": "val", "training": "train", "testing": "test"}


def _split_order(name: str) -> tuple[bool, int, str]:
    known = name in splits.SPLIT_NAMES
    return not known, splits.SPLIT_NAMES.index(name) if known else 0, name


# --------------------------------------------------------------------------- writer


def _json_attributes(attrs: Mapping[str, Any], where: str, report: base.Report) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in attrs.items():
        if value is None or isinstance(value, str | int | float | bool):
            out[str(key)] = value
        else:
            out[str(key)] = str(value)
            report.add("attribute_as_text", where, f"attribute {key!r} written as text")
    return out


def _annotation(
    label: base.Label,
    image: base.DatasetImage,
    ids: tuple[int, int, int],
    report: base.Report,
    where: str,
) -> dict[str, Any] | None:
    """The COCO annotation of ``label`` with ``ids`` (annotation, image, category), or None
    (reported) when it has no place in COCO.

    This runs once per object on exports of 100,000 objects, so it avoids building
    intermediate shapes unless a shape must be cut to the image.
    """
    target = kindmap.written_as("coco", None, label.kind)
    if target is None or label.geometry is None:
        report.add("tag_not_written", where, f"tag {label.class_name!r}: COCO has no image tags")
        return None
    # A rotated box is written as its corner polygon (with the box around it as ``bbox``).
    g = kindmap.shape_for(label, target, report, where)
    width, height = image.width, image.height
    ann: dict[str, Any]
    if isinstance(g, geo.Box):
        x, y, w, h = g.x, g.y, g.w, g.h
        if x < 0 or y < 0 or x + w > width or y + h > height:
            g = g.clipped(width, height)
            x, y, w, h = g.x, g.y, g.w, g.h
            report.add("clipped_to_image", where, "box cut to the image edges")
        ann = {"id": ids[0], "image_id": ids[1], "category_id": ids[2]}
        ann["bbox"], ann["area"] = [x, y, w, h], w * h
        ann["segmentation"] = [_outline(x, y, w, h)]
        ann[BOX_MARK] = "box"
    else:
        flat = [c for p in g.outline() for c in p]
        xs, ys = flat[0::2], flat[1::2]
        x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
        if x0 < 0 or y0 < 0 or x1 > width or y1 > height:
            points, _ = writing.clipped_outline(g, width, height)
            report.add("clipped_to_image", where, "polygon points moved to the image edges")
            flat = [c for p in points for c in p]
            xs, ys = flat[0::2], flat[1::2]
            x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
        ann = {"id": ids[0], "image_id": ids[1], "category_id": ids[2]}
        ann["bbox"], ann["area"] = [x0, y0, x1 - x0, y1 - y0], _shoelace(xs, ys)
        ann["segmentation"] = [flat]
    attrs = label.attributes
    ann["iscrowd"] = 1 if attrs.get("crowd") else 0
    if attrs and attrs.keys() - {"crowd"}:
        rest = {k: v for k, v in attrs.items() if k != "crowd"}
        ann["attributes"] = _json_attributes(rest, where, report)
    return ann


#: The key that marks an annotation labeler wrote from a box: its segmentation is only the box's
#: outline, read back as the box (a polygon that happens to be a rectangle stays a polygon).
#: Loaders ignore keys they do not know.
BOX_MARK = "labeler_kind"


def _outline(x: float, y: float, w: float, h: float) -> list[float]:
    """A box's outline as a COCO polygon, clockwise from the top-left corner."""
    return [x, y, x + w, y, x + w, y + h, x, y + h]


def _box_outline(seg: Any, bbox: Any) -> bool:
    """Whether ``seg`` is just the outline of ``bbox`` (how box annotations are written)."""
    if not (isinstance(seg, list) and len(seg) == 1 and isinstance(bbox, list) and len(bbox) == 4):
        return False
    part = seg[0]
    if not (isinstance(part, list) and len(part) == 8 and all(_number(v) for v in [*part, *bbox])):
        return False
    x, y, w, h = (float(v) for v in bbox)
    expected = _outline(x, y, w, h)
    return all(abs(a - b) <= 1e-6 * max(1.0, abs(b)) for a, b in zip(part, expected, strict=True))


def _shoelace(xs: list[float], ys: list[float]) -> float:
    """Polygon area from its coordinate lists (the same as ``Polygon.area``, with the loops
    in C: it runs once per polygon)."""
    ahead_x, ahead_y = xs[1:] + xs[:1], ys[1:] + ys[:1]
    twice: float = sum(map(operator.mul, xs, ahead_y)) - sum(map(operator.mul, ahead_x, ys))
    return abs(twice) / 2.0


def _sample_annotations(
    sample: base.Sample,
    rel: str,
    image_id: int,
    last_id: int,
    category_ids: Mapping[str, int],
    report: base.Report,
) -> list[dict[str, Any]]:
    """The annotations of one image, numbered from ``last_id + 1``."""
    out: list[dict[str, Any]] = []
    width, height = sample.image.width, sample.image.height
    box_type, polygon_type, polygon_kind = geo.Box, geo.Polygon, geo.ShapeKind.POLYGON
    for index, label in enumerate(sample.labels):
        category_id = category_ids.get(label.class_name)
        if category_id is None:
            raise ValueError(f"{rel} label {index}: class {label.class_name!r} is not exported")
        g = label.geometry
        # The common cases, inlined as they run 100,000s of times: a plain box or polygon inside
        # the image. Anything else (attributes, clipping, tags) takes the full path below.
        if type(g) is box_type and not label.attributes:
            x, y, w, h = g.x, g.y, g.w, g.h
            if x >= 0 and y >= 0 and x + w <= width and y + h <= height:
                last_id += 1
                ann: dict[str, Any] = {
                    "id": last_id,
                    "image_id": image_id,
                    "category_id": category_id,
                    "bbox": [x, y, w, h],
                    "area": w * h,
                    "segmentation": [_outline(x, y, w, h)],
                    "iscrowd": 0,
                    BOX_MARK: "box",
                }
                out.append(ann)
                continue
        elif type(g) is polygon_type and label.kind is polygon_kind and not label.attributes:
            flat = [c for p in g.points for c in p]
            xs, ys = flat[0::2], flat[1::2]
            x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
            if x0 >= 0 and y0 >= 0 and x1 <= width and y1 <= height:
                last_id += 1
                out.append(
                    {
                        "id": last_id,
                        "image_id": image_id,
                        "category_id": category_id,
                        "bbox": [x0, y0, x1 - x0, y1 - y0],
                        "area": _shoelace(xs, ys),
                        "segmentation": [flat],
                        "iscrowd": 0,
                    }
                )
                continue
        ids = (last_id + 1, image_id, category_id)
        full = _annotation(label, sample.image, ids, report, f"{rel} label {index}")
        if full is not None:
            last_id += 1
            out.append(full)
    return out


class CocoWriter:
    """Writes ``annotations/instances_<split>.json`` and ``images/<split>/`` (see module doc)."""

    name = "coco"

    def write(
        self,
        samples: Iterable[base.Sample],
        out: Path,
        options: base.WriteOptions,
        report: base.Report,
        progress: base.ProgressFn | None = None,
    ) -> list[str]:
        items = list(samples)
        ids = {name: i + 1 for i, name in enumerate(options.classes)}
        categories = [
            {"id": i + 1, "name": n, "supercategory": ""} for i, n in enumerate(options.classes)
        ]
        per_split: dict[str, tuple[list[dict[str, Any]], list[dict[str, Any]]]] = {}
        written: list[str] = []
        annotation_id = 0
        with writing.gc_paused():
            for image_id, sample in enumerate(items, 1):
                image = sample.image
                rel = writing.safe_rel_path(image.rel_path)
                images, annotations = per_split.setdefault(sample.split, ([], []))
                images.append(
                    {"id": image_id, "file_name": rel, "width": image.width, "height": image.height}
                )
                anns = _sample_annotations(sample, rel, image_id, annotation_id, ids, report)
                annotation_id += len(anns)
                annotations.extend(anns)
                dest = f"images/{sample.split}/{rel}"
                report.image_files[image.key] = dest
                if options.images is not base.ImageMode.NONE:
                    imagefiles.place_image(image, out / dest, options.images, report)
                    written.append(dest)
                if progress is not None:
                    progress(image_id, len(items))
        info = {"description": str(options.extra.get("project_name", "")), "url": ""}
        info["version"] = str(options.extra.get("data_revision", "") or "")
        info["contributor"] = f"labeler {labeler.__version__}"
        (out / "annotations").mkdir(parents=True, exist_ok=True)
        for split in sorted(per_split, key=_split_order):
            images, annotations = per_split[split]
            doc = {"info": info, "licenses": [], "images": images, "categories": categories}
            doc["annotations"] = annotations
            rel_file = f"annotations/instances_{split}.json"
            (out / rel_file).write_bytes(orjson.dumps(doc))
            written.append(rel_file)
        return written


# --------------------------------------------------------------------------- reader


def load_json(path: Path) -> Any:
    """Parse a JSON file; bad JSON raises FormatError with the line and column."""
    try:
        return orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise base.FormatError(
            path, f"line {exc.lineno}, column {exc.colno}", f"not valid JSON: {exc.msg}"
        ) from None


@dataclasses.dataclass(frozen=True, slots=True)
class _AnnotationFile:
    path: Path
    kind: str  # instances | stuff | labels | captions | person_keypoints | panoptic | image_info
    split: str
    image_dirs: tuple[Path, ...]


@dataclasses.dataclass(slots=True)
class _Draft:
    image: base.DatasetImage
    split: str
    labels: list[base.Label]
    incomplete: bool = False  # an object of this image was not imported

    def sample(self) -> base.Sample:
        # An image missing objects is not "done": it must not be exported as complete later.
        status = status_mod.ImageStatus.NEEDS_REVIEW if self.incomplete else self.image.status
        image = dataclasses.replace(self.image, status=status)
        return base.Sample(image=image, labels=tuple(self.labels), split=self.split)


def _normal_split(raw: str) -> str:
    name = re.sub(r"\d+$", "", raw.lower()) or raw.lower()
    return _SPLIT_ALIASES.get(name, name)


def _describe(path: Path) -> _AnnotationFile:
    stem = path.stem
    if stem == "_annotations.coco":  # Roboflow: <split>/_annotations.coco.json beside the images
        return _AnnotationFile(path, "instances", _normal_split(path.parent.name), (path.parent,))
    kind, _, raw_split = stem.rpartition("_")
    if not kind:
        kind, raw_split = "instances", stem
    split = _normal_split(raw_split)
    if path.parent.name == "annotations":  # COCO's images/<split>/ or MMDetection's <split>/
        top = path.parent.parent
        names = (f"images/{raw_split}", f"images/{split}", raw_split, split, "images", ".")
        dirs = tuple(top / n for n in names)
    else:
        dirs = (path.parent, path.parent / "images")
    return _AnnotationFile(path, kind, split, dirs)


def _find_files(path: Path) -> list[_AnnotationFile]:
    if path.is_file():
        return [_describe(path)]
    found = sorted((path / "annotations").glob("*.json"))
    found += sorted(path.glob("_annotations.coco.json")) + sorted(
        path.glob("*/_annotations.coco.json")
    )
    if not found:
        found = sorted(path.glob("*.json"))
    if not found:
        raise base.FormatError(
            path, "", "no COCO files (annotations/*.json or */_annotations.coco.json)"
        )
    return [_describe(p) for p in found]


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _size(value: Any) -> int | None:
    if _number(value) and float(value).is_integer() and value > 0:
        return int(value)
    return None


def _list_of(doc: Mapping[str, Any], key: str, path: Path, required: bool = True) -> list[Any]:
    value = doc.get(key)
    if value is None and not required:
        return []
    if not isinstance(value, list):
        raise base.FormatError(path, key, "missing or not a list")
    return value


def _inside(xs: Iterable[float], ys: Iterable[float], w: int, h: int) -> bool:
    t = EDGE_TOLERANCE
    return all(-t <= x <= w + t for x in xs) and all(-t <= y <= h + t for y in ys)


class CocoReader:
    """Reads COCO instances files (see module doc); everything is checked before returning."""

    name = "coco"

    def read(self, path: Path, report: base.Report) -> base.ReadResult:
        root = path if path.is_dir() else path.parent
        classes: list[str] = []
        drafts: dict[tuple[str, str], _Draft] = {}
        for file in _find_files(path):
            doc = load_json(file.path)
            if not isinstance(doc, dict):
                raise base.FormatError(file.path, "top level", "expected a JSON object")
            if file.kind in _REPORT_ONLY_KINDS:
                _report_only(file, doc, report)
                continue
            _read_instances(file, doc, root, classes, drafts, report)
        samples = tuple(d.sample() for d in drafts.values())
        return base.ReadResult(classes=tuple(classes), samples=samples)


def _report_only(file: _AnnotationFile, doc: Mapping[str, Any], report: base.Report) -> None:
    code = _REPORT_ONLY_KINDS[file.kind]
    if file.kind == "image_info":  # a list of images to label, no labels
        for i, _ in enumerate(_list_of(doc, "images", file.path)):
            report.add(code, f"{file.path.name} images[{i}]", "image list, not imported")
        return
    for i, ann in enumerate(_list_of(doc, "annotations", file.path)):
        parts = ann.get("segments_info") if isinstance(ann, dict) else None
        for _ in parts if isinstance(parts, list) else [None]:
            report.add(code, f"{file.path.name} annotations[{i}]", f"{code[5:]} not imported")


def _read_images(
    file: _AnnotationFile, doc: Mapping[str, Any], root: Path, drafts: dict[tuple[str, str], _Draft]
) -> dict[int, _Draft]:
    by_id: dict[int, _Draft] = {}
    for i, entry in enumerate(_list_of(doc, "images", file.path)):
        where = f"images[{i}]"
        if not isinstance(entry, dict) or not _int(entry.get("id")):
            raise base.FormatError(file.path, where, "an image needs an integer id")
        name = entry.get("file_name")
        width, height = _size(entry.get("width")), _size(entry.get("height"))
        if not isinstance(name, str) or not name:
            raise base.FormatError(file.path, where, "file_name is missing")
        if width is None or height is None:
            raise base.FormatError(file.path, where, "width and height must be positive integers")
        if entry["id"] in by_id:
            raise base.FormatError(file.path, where, f"image id {entry['id']} is used twice")
        draft = drafts.get((file.split, name))
        if draft is None:
            source = next((d / name for d in file.image_dirs if (d / name).is_file()), None)
            key = (
                source.relative_to(root).as_posix()
                if source and source.is_relative_to(root)
                else f"{file.split}/{name}"
            )
            image = base.DatasetImage(
                key=key,
                rel_path=name,
                width=width,
                height=height,
                source=os.path.abspath(source) if source else None,
            )
            draft = drafts[(file.split, name)] = _Draft(image, file.split, [])
        elif (draft.image.width, draft.image.height) != (width, height):
            raise base.FormatError(file.path, where, f"{name} has another size in another file")
        by_id[entry["id"]] = draft
    return by_id


def _read_categories(
    file: _AnnotationFile, doc: Mapping[str, Any], classes: list[str]
) -> dict[int, str]:
    names: dict[int, str] = {}
    for i, cat in enumerate(_list_of(doc, "categories", file.path, required=False)):
        where = f"categories[{i}]"
        if not isinstance(cat, dict) or not _int(cat.get("id")) or "name" not in cat:
            raise base.FormatError(file.path, where, "a category needs an integer id and a name")
        if cat["id"] in names:
            raise base.FormatError(file.path, where, f"category id {cat['id']} is used twice")
        names[cat["id"]] = str(cat["name"])
    for cid in sorted(names):
        if names[cid] not in classes:
            classes.append(names[cid])
    return names


def _read_instances(
    file: _AnnotationFile,
    doc: Mapping[str, Any],
    root: Path,
    classes: list[str],
    drafts: dict[tuple[str, str], _Draft],
    report: base.Report,
) -> None:
    images = _read_images(file, doc, root, drafts)
    names = _read_categories(file, doc, classes)
    info = doc.get("info")
    contributor = info.get("contributor") if isinstance(info, dict) else None
    from_labeler = isinstance(contributor, str) and contributor.startswith("labeler")
    for i, ann in enumerate(_list_of(doc, "annotations", file.path, required=False)):
        where = f"annotations[{i}]"
        if not isinstance(ann, dict):
            raise base.FormatError(file.path, where, "expected an object")
        draft = images.get(ann.get("image_id"))  # type: ignore[arg-type]
        if draft is None:
            raise base.FormatError(
                file.path, where, f"image_id {ann.get('image_id')!r} is not in images"
            )
        named = f"{file.path.name} {where}"
        if "caption" in ann:
            report.add("coco_captions", named, "caption not imported")
            continue
        cid = ann.get("category_id")
        if cid not in names:
            raise base.FormatError(file.path, where, f"category_id {cid!r} is not in categories")
        if "keypoints" in ann:
            report.add("coco_keypoints", named, "keypoints not imported (the shape is)")
        draft.incomplete |= "keypoints" in ann or isinstance(ann.get("segmentation"), dict)
        seg = ann.get("segmentation")
        if from_labeler and ann.get(BOX_MARK) == "box" and _box_outline(seg, ann.get("bbox")):
            ann = {**ann, "segmentation": []}  # labeler wrote this box with its outline
        draft.labels.extend(_labels(ann, names[cid], draft.image, file.path, where, named, report))


def _labels(
    ann: Mapping[str, Any],
    class_name: str,
    image: base.DatasetImage,
    path: Path,
    where: str,
    named: str,
    report: base.Report,
) -> list[base.Label]:
    attrs: dict[str, Any] = (
        dict(ann["attributes"]) if isinstance(ann.get("attributes"), dict) else {}
    )
    if ann.get("iscrowd") in (1, True):
        attrs["crowd"] = True
    seg, bbox = ann.get("segmentation"), ann.get("bbox")
    if isinstance(seg, dict):
        report.add("rle_mask", named, f"RLE mask of {class_name!r} not imported")
        return []
    if seg:
        if not isinstance(seg, list):
            raise base.FormatError(
                path, f"{where}.segmentation", "expected a list of polygons or RLE"
            )
        polygons = [
            _polygon(part, image, path, f"{where}.segmentation[{j}]") for j, part in enumerate(seg)
        ]
        if len(polygons) > 1:
            message = f"{len(polygons)}-part object imported as {len(polygons)} polygons"
            report.add("polygon_parts_split", named, message)
        return [base.Label(class_name, geo.ShapeKind.POLYGON, p, attrs) for p in polygons]
    if bbox is not None:
        if not isinstance(bbox, list) or len(bbox) != 4 or not all(_number(v) for v in bbox):
            raise base.FormatError(path, f"{where}.bbox", "expected [x, y, w, h] numbers")
        x, y, w, h = (float(v) for v in bbox)
        if w < 0 or h < 0:
            raise base.FormatError(path, f"{where}.bbox", f"negative size {w} × {h}")
        if not _inside((x, x + w), (y, y + h), image.width, image.height):
            size = f"{image.width}×{image.height}"
            raise base.FormatError(path, f"{where}.bbox", f"box {bbox} is outside the {size} image")
        return [base.Label(class_name, geo.ShapeKind.BOX, geo.Box(x, y, w, h), attrs)]
    return [base.Label(class_name, geo.ShapeKind.TAG, None, attrs)]


def _polygon(part: Any, image: base.DatasetImage, path: Path, where: str) -> geo.Polygon:
    if not isinstance(part, list) or not all(_number(v) for v in part):
        raise base.FormatError(path, where, "a polygon is a flat list of numbers")
    if len(part) % 2:
        raise base.FormatError(path, where, f"odd number of polygon values ({len(part)})")
    if len(part) < 6:
        raise base.FormatError(
            path, where, f"a polygon needs at least 3 points, got {len(part) // 2}"
        )
    if not _inside(part[0::2], part[1::2], image.width, image.height):
        raise base.FormatError(
            path, where, f"polygon is outside the {image.width}×{image.height} image"
        )
    return geo.Polygon.from_flat(part)


WRITER: base.Writer | None = CocoWriter()
READER: base.Reader | None = CocoReader()
