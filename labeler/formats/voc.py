"""Pascal VOC: one XML file per image, image lists per split, and a datumaro-style label map.

Layout written::

    Annotations/<id>.xml          folder, filename, size (with depth), object*
    JPEGImages/<id><ext>          the image (original extension kept)
    ImageSets/Main/<split>.txt    one image id per line
    labelmap.txt                  "# label:color_rgb:parts:actions", one class per line

``<id>`` is the image's path without its extension (sub-folders kept, as datumaro does).

Pixel convention: box corners are written as continuous pixel coordinates of the displayed frame,
the image spanning ``[0, width] × [0, height]``: ``xmin = x``, ``xmax = x + w``, with no 1-based
shift. The original devkit counted pixels from 1; datumaro and Roboflow read and write the values
as they stand, and so does labeler, so a round trip is exact and datumaro sees the same boxes.
Whole numbers are written without a decimal point (``int()``-based loaders keep working).

Attributes: ``difficult`` and ``truncated`` are always written (0/1), ``occluded`` when the label
carries it, ``pose`` (default ``Unspecified``); other attributes go to datumaro's
``<attributes><attribute><name/><value/></attribute></attributes>`` block as text (booleans as
``true``/``false``). The reader records difficult/truncated/occluded only when they are 1.
Polygons are written as their bounding boxes and tags have no place in VOC detection; both are
reported. The reader also takes Roboflow's VOC export (XML files beside the images, one folder per
split) and reports what it does not take: object parts (layouts), actions, segmentation masks, the
Layout/Action/Segmentation image sets and per-class classification lists.
"""

from __future__ import annotations

import dataclasses
import math
import os
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from pathlib import Path, PurePosixPath
from typing import Any

from PIL import Image

from labeler.domain import geometry as geo
from labeler.domain import status as status_mod
from labeler.formats import base, imagefiles, kindmap

LABELMAP_HEADER = "# label:color_rgb:parts:actions"
_COMMON_FLAGS = ("difficult", "truncated", "occluded")
_IMAGE_EXTS = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp", ".jpe", ".jfif")
_SPLITS_WITH_LISTS = ("Layout", "Action", "Segmentation")
_SPLIT_NAMES = {"valid": "val", "validation": "val"}  # Roboflow names its validation split "valid"
# Boxes may touch the border; this absorbs float noise from tools that compute corners.
_EPS = 1e-6


def voc_color(index: int) -> tuple[int, int, int]:
    """The VOC/datumaro colormap entry ``index`` (0 is black, the mask background)."""
    r = g = b = 0
    c = index
    for j in range(7, -1, -1):
        r |= (c & 1) << j
        g |= ((c >> 1) & 1) << j
        b |= ((c >> 2) & 1) << j
        c >>= 3
    return r, g, b


def fmt_number(value: float) -> str:
    """Shortest text that reads back to ``value``; whole numbers without a decimal point."""
    if float(value).is_integer():
        return str(int(value))
    return repr(float(value))


# ---------------------------------------------------------------------------------------------
# Writer


class VocWriter:
    """Writes Pascal VOC detection datasets (see the module docstring for conventions)."""

    name = "voc"

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
        ids_by_split: dict[str, list[str]] = {}
        used_ids: set[str] = set()
        for done, sample in enumerate(items):
            image = sample.image
            item_id = _unique_id(image.rel_path, used_ids, report)
            ext = PurePosixPath(image.rel_path).suffix
            image_rel = f"JPEGImages/{item_id}{ext}"
            try:
                if imagefiles.place_image(image, out / image_rel, options.images, report):
                    written.append(image_rel)
            except FileNotFoundError as exc:
                report.add("image_missing", image.rel_path, str(exc))
            root = _annotation_xml(sample, item_id + ext, known, options, report)
            xml_rel = f"Annotations/{item_id}.xml"
            (out / xml_rel).parent.mkdir(parents=True, exist_ok=True)
            ET.indent(root)
            ET.ElementTree(root).write(out / xml_rel, encoding="utf-8", xml_declaration=True)
            written.append(xml_rel)
            ids_by_split.setdefault(sample.split, []).append(item_id)
            if progress is not None:
                progress(done + 1, len(items))
        for split, ids in ids_by_split.items():
            rel = f"ImageSets/Main/{split}.txt"
            (out / rel).parent.mkdir(parents=True, exist_ok=True)
            (out / rel).write_text("".join(f"{i}\n" for i in ids), encoding="utf-8")
            written.append(rel)
        lines = [LABELMAP_HEADER]
        # Colours start at index 1 so no class is painted black, the background of VOC masks.
        lines += [
            f"{n}:{','.join(map(str, voc_color(i + 1)))}::" for i, n in enumerate(options.classes)
        ]
        (out / "labelmap.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
        written.append("labelmap.txt")
        return written


def _unique_id(rel_path: str, used: set[str], report: base.Report) -> str:
    path = PurePosixPath(rel_path)
    item_id = str(path.with_suffix(""))
    if item_id in used:
        # a.jpg and a.png would share Annotations/a.xml: keep the extension in the id.
        base_id = f"{item_id}_{path.suffix.lstrip('.')}"
        item_id, n = base_id, 1
        while item_id in used:
            n += 1
            item_id = f"{base_id}_{n}"
        report.add("renamed", rel_path, f"another image has the same name; written as {item_id}")
    used.add(item_id)
    return item_id


def _sub(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    elem = ET.SubElement(parent, tag)
    if text is not None:
        elem.text = text
    return elem


def _annotation_xml(
    sample: base.Sample,
    filename: str,
    known: set[str],
    options: base.WriteOptions,
    report: base.Report,
) -> ET.Element:
    image = sample.image
    root = ET.Element("annotation")
    _sub(root, "folder", "JPEGImages")
    _sub(root, "filename", filename)
    if options.images is base.ImageMode.NONE and image.source:
        _sub(root, "path", os.path.abspath(image.source))
    size = _sub(root, "size")
    for tag, value in (("width", image.width), ("height", image.height), ("depth", 3)):
        _sub(size, tag, str(value))
    _sub(root, "segmented", "0")
    for index, label in enumerate(sample.labels, start=1):
        where = f"{image.rel_path}: label {index}"
        if label.class_name not in known:
            report.add("class_not_exported", where, f"class {label.class_name!r} is not exported")
            continue
        box = _box_of(label, where, report)
        if box is None:
            continue
        _object_xml(root, label, clip(box, image, where, report), where, report)
    return root


def clip(box: geo.Box, image: base.DatasetImage, where: str, report: base.Report) -> geo.Box:
    """``box`` cut to the image, reported when it reached outside (readers refuse such boxes)."""
    if box.x >= 0 and box.y >= 0 and box.x1 <= image.width and box.y1 <= image.height:
        return box  # untouched: recomputing the size could change its last bit
    report.add("box_clipped", where, "box reached outside the image; cut to its edges")
    return box.clipped(image.width, image.height)


def _box_of(label: base.Label, where: str, report: base.Report) -> geo.Box | None:
    if kindmap.written_as("voc", None, label.kind) is None or label.geometry is None:
        message = f"VOC detection has no place for tag {label.class_name!r}"
        report.add("tag_not_written", where, message)
        return None
    box = kindmap.shape_for(label, geo.ShapeKind.BOX, report, where)
    assert isinstance(box, geo.Box)
    return box


def _object_xml(
    root: ET.Element, label: base.Label, box: geo.Box, where: str, report: base.Report
) -> None:
    attrs = dict(label.attributes)
    obj = _sub(root, "object")
    _sub(obj, "name", label.class_name)
    pose = attrs.pop("pose", None)
    _sub(obj, "pose", str(pose) if pose else "Unspecified")
    _sub(obj, "truncated", "1" if attrs.pop("truncated", False) else "0")
    _sub(obj, "difficult", "1" if attrs.pop("difficult", False) else "0")
    if "occluded" in attrs:
        _sub(obj, "occluded", "1" if attrs.pop("occluded") else "0")
    bnd = _sub(obj, "bndbox")
    for tag, value in (("xmin", box.x), ("ymin", box.y), ("xmax", box.x1), ("ymax", box.y1)):
        _sub(bnd, tag, fmt_number(value))
    extra: list[tuple[str, str]] = []
    for key, value in attrs.items():
        if isinstance(value, bool):
            extra.append((key, "true" if value else "false"))
        elif isinstance(value, str | int | float):
            extra.append((key, str(value)))
        else:
            report.add("attribute_not_written", where, f"attribute {key!r} is not text or a number")
    block = _sub(obj, "attributes") if extra else obj
    for key, text in extra:
        attr = _sub(block, "attribute")
        _sub(attr, "name", key)
        _sub(attr, "value", text)


# ---------------------------------------------------------------------------------------------
# Reader


class VocReader:
    """Reads Pascal VOC (``Annotations/`` + ``ImageSets/``) and Roboflow's VOC export."""

    name = "voc"

    def read(self, path: Path, report: base.Report) -> base.ReadResult:
        path = Path(path)
        if not path.is_dir():
            raise base.FormatError(path, "", "a VOC dataset is a folder")
        labelmap = _read_labelmap(path / "labelmap.txt")
        if (path / "Annotations").is_dir():
            entries = _standard_entries(path, report)
        else:
            entries = _roboflow_entries(path)
        if not entries:
            raise base.FormatError(path, "", "no Annotations/ folder and no VOC XML files found")
        samples: list[base.Sample] = []
        seen: list[str] = []
        for entry in entries:
            sample = _read_entry(path, entry, labelmap, report)
            for label in sample.labels:
                if label.class_name not in seen:
                    seen.append(label.class_name)
            samples.append(sample)
        _report_unsupported_files(path, report)
        if labelmap is None:
            classes = tuple(seen)
        else:
            classes = tuple(
                n for n in labelmap if n != "background" or labelmap[n] != "0,0,0" or n in seen
            )
        return base.ReadResult(classes=classes, samples=tuple(samples))


@dataclasses.dataclass(frozen=True, slots=True)
class _Entry:
    """An image of the dataset: its XML (None when only listed), split, and ``images_root``,
    the folder image names are relative to (JPEGImages/ or a Roboflow split folder)."""

    item_id: str  # the image's name under images_root, without extension
    xml: Path | None
    images_root: Path
    split: str


def _read_labelmap(path: Path) -> dict[str, str] | None:
    """Class name → colour text from datumaro's ``labelmap.txt``, or None when absent."""
    if not path.is_file():
        return None
    out: dict[str, str] = {}
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        fields = line.split(":")
        if len(fields) != 4:
            raise base.FormatError(path, f"line {number}", "expected name:r,g,b:parts:actions")
        name = fields[0].strip()
        if not name or name in out:
            raise base.FormatError(path, f"line {number}", f"empty or repeated class {name!r}")
        out[name] = fields[1].replace(" ", "")
    return out


def _split_lists(main: Path) -> tuple[dict[str, list[str]], int]:
    """Split name → image ids from ImageSets/Main, and the number of per-class lists skipped."""
    lists: dict[str, list[str]] = {}
    class_lists = 0
    for txt in sorted(main.glob("*.txt")) if main.is_dir() else []:
        lines = [ln.split() for ln in txt.read_text(encoding="utf-8").splitlines()]
        lines = [ln for ln in lines if ln and not ln[0].startswith("#")]
        if "_" in txt.stem and all(len(ln) == 2 for ln in lines):
            class_lists += 1  # <class>_<split>.txt: "id 1|0|-1", image-level presence
        else:
            lists[txt.stem] = [ln[0] for ln in lines]
    if "trainval" in lists and ("train" in lists or "val" in lists):
        del lists["trainval"]  # the union of train and val, not a split of its own
    return lists, class_lists


def _standard_entries(root: Path, report: base.Report) -> list[_Entry]:
    lists, class_lists = _split_lists(root / "ImageSets" / "Main")
    if class_lists:
        report.add(
            "voc_class_lists_not_taken",
            "ImageSets/Main",
            f"{class_lists} per-class image lists (<class>_<split>.txt) are not imported; "
            "the objects in Annotations/ carry the classes",
        )
    annotations = root / "Annotations"
    on_disk = {
        p.relative_to(annotations).with_suffix("").as_posix(): p
        for p in sorted(annotations.rglob("*.xml"))
    }
    order: list[str] = [s for s in ("train", "val", "test") if s in lists]
    order += [s for s in lists if s not in order]
    entries: list[_Entry] = []
    listed: set[str] = set()
    for split in order:
        for item_id in lists[split]:
            if item_id not in listed:
                listed.add(item_id)
                xml = on_disk.get(item_id)
                entries.append(_Entry(item_id, xml, root / "JPEGImages", split))
    for item_id, xml in on_disk.items():
        if item_id not in listed:
            report.add("voc_not_in_image_set", item_id, "in no ImageSets/Main list: put in train")
            entries.append(_Entry(item_id, xml, root / "JPEGImages", "train"))
    return entries


def _roboflow_entries(root: Path) -> list[_Entry]:
    folders = [root, *sorted(p for p in root.iterdir() if p.is_dir())]
    entries: list[_Entry] = []
    for folder in folders:
        split = _SPLIT_NAMES.get(folder.name, folder.name) if folder != root else "train"
        for xml in sorted(folder.glob("*.xml")):
            entries.append(_Entry(xml.stem, xml, folder, split))
    return entries


def _report_unsupported_files(root: Path, report: base.Report) -> None:
    for folder in ("SegmentationClass", "SegmentationObject"):
        if count := len(list((root / folder).glob("*.png"))):
            report.add("voc_masks_not_taken", folder, f"{count} segmentation masks not imported")
    for task in _SPLITS_WITH_LISTS:
        if count := len(list((root / "ImageSets" / task).glob("*.txt"))):
            report.add(
                "voc_image_sets_not_taken", f"ImageSets/{task}", f"{count} lists not imported"
            )


def _find_image(entry: _Entry, filename: str | None) -> Path | None:
    if filename:
        candidate = entry.images_root / filename
        if candidate.is_file():
            return candidate
    stem = entry.images_root / entry.item_id
    for ext in _IMAGE_EXTS:
        for candidate in (stem.with_name(stem.name + ext), stem.with_name(stem.name + ext.upper())):
            if candidate.is_file():
                return candidate
    return None


def header_size(path: Path) -> tuple[int, int, int]:
    """Width and height in the displayed frame, and the EXIF orientation, from the header.

    Raises:
        FormatError: naming the file when Pillow cannot read it as an image.
    """
    try:
        with Image.open(path) as im:
            width, height = im.size
            orientation = 1
            # Only formats that keep EXIF in the header: PNG's getexif() decodes the whole file.
            if im.format in ("JPEG", "TIFF", "WEBP", "MPO"):
                orientation = int(im.getexif().get(0x0112, 1) or 1)
    except (OSError, ValueError) as exc:  # UnidentifiedImageError is an OSError
        raise base.FormatError(path, "", f"not an image labeler can read ({exc})") from None
    if orientation in (5, 6, 7, 8):
        width, height = height, width
    return width, height, orientation


def _read_entry(
    root: Path, entry: _Entry, labelmap: Mapping[str, str] | None, report: base.Report
) -> base.Sample:
    xml_root: ET.Element | None = None
    if entry.xml is not None:
        try:
            xml_root = ET.parse(entry.xml).getroot()
        except ET.ParseError as exc:
            line, column = exc.position  # expat counts columns from 0
            raise base.FormatError(
                entry.xml, f"line {line}, column {column + 1}", "not well-formed XML"
            ) from None
        if xml_root.tag != "annotation":
            raise base.FormatError(entry.xml, "root element", "expected <annotation>")
    filename = _text(xml_root, "filename") if xml_root is not None else None
    filename = filename.replace("\\", "/") if filename else None  # written on Windows
    image_path = _find_image(entry, filename)
    linked = _text(xml_root, "path") if xml_root is not None else None
    if image_path is None and linked and Path(linked).is_file():
        image_path = Path(linked)  # an export that left the images where they were
    where_file: Path = entry.xml if entry.xml is not None else entry.images_root / entry.item_id
    width = _int_or_none(xml_root, "size/width", where_file)
    height = _int_or_none(xml_root, "size/height", where_file)
    orientation = 1
    if image_path is not None:
        hw, hh, orientation = header_size(image_path)
        width, height = width or hw, height or hh
    if not width or not height:
        raise base.FormatError(
            where_file, "size", "no <size> in the annotation and no image file to read it from"
        )
    if image_path is not None and image_path.is_relative_to(entry.images_root):
        rel_path = image_path.relative_to(entry.images_root).as_posix()
    else:
        rel_path = filename or f"{entry.item_id}.jpg"
    key = (entry.images_root / rel_path).relative_to(root).as_posix()
    image = base.DatasetImage(
        key=key,
        rel_path=rel_path,
        width=width,
        height=height,
        source=str(image_path.resolve()) if image_path is not None else None,
        orientation=orientation,
        # Listed but never annotated: nobody said "no objects" here, so it is not done.
        status=status_mod.ImageStatus.DONE if xml_root is not None else status_mod.ImageStatus.NEW,
    )
    if xml_root is None:
        report.add(
            "voc_no_annotation_file", entry.item_id, "listed without an XML: imported as new"
        )
        return base.Sample(image=image, split=entry.split)
    assert entry.xml is not None
    labels = tuple(
        _read_object(entry.xml, index, obj, image, labelmap, report)
        for index, obj in enumerate(xml_root.iterfind("object"), start=1)
    )
    return base.Sample(image=image, labels=labels, split=entry.split)


def _text(elem: ET.Element | None, path: str) -> str | None:
    if elem is None:
        return None
    found = elem.find(path)
    if found is None or found.text is None:
        return None
    return found.text.strip()


def _int_or_none(elem: ET.Element | None, path: str, file: Path) -> int | None:
    text = _text(elem, path)
    if not text:
        return None
    try:
        return int(float(text))
    except ValueError:
        raise base.FormatError(file, path, f"{text!r} is not a number") from None


def _read_object(
    file: Path,
    index: int,
    obj: ET.Element,
    image: base.DatasetImage,
    labelmap: Mapping[str, str] | None,
    report: base.Report,
) -> base.Label:
    where = f"object {index}"
    name = _text(obj, "name")
    if not name:
        raise base.FormatError(file, f"{where}: name", "missing class name")
    if labelmap is not None and name not in labelmap:
        raise base.FormatError(file, f"{where}: name", f"class {name!r} is not in labelmap.txt")
    x0, y0, x1, y1 = (
        _coordinate(file, where, obj, tag) for tag in ("xmin", "ymin", "xmax", "ymax")
    )
    if x1 < x0 or y1 < y0:
        raise base.FormatError(file, f"{where}: bndbox", "xmax/ymax is smaller than xmin/ymin")
    if x0 < -_EPS or y0 < -_EPS or x1 > image.width + _EPS or y1 > image.height + _EPS:
        raise base.FormatError(
            file,
            f"{where}: bndbox",
            f"box ({fmt_number(x0)}, {fmt_number(y0)})–({fmt_number(x1)}, {fmt_number(y1)}) "
            f"is outside the {image.width}×{image.height} image",
        )
    attributes = _read_attributes(file, where, obj)
    for tag, code in (("part", "voc_parts_not_taken"), ("actions", "voc_actions_not_taken")):
        if obj.find(tag) is not None:
            report.add(code, f"{file.name}: {where}", f"<{tag}> of the object is not imported")
    box = geo.Box.from_corners(x0, y0, x1, y1)
    return base.Label(name, geo.ShapeKind.BOX, box, attributes)


def _coordinate(file: Path, where: str, obj: ET.Element, tag: str) -> float:
    text = _text(obj, f"bndbox/{tag}")
    try:
        value = float(text) if text is not None else math.nan
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise base.FormatError(file, f"{where}: bndbox/{tag}", f"missing or not a number: {text!r}")
    return value


def _read_attributes(file: Path, where: str, obj: ET.Element) -> dict[str, Any]:
    attributes: dict[str, Any] = {}
    for flag in _COMMON_FLAGS:
        text = _text(obj, flag)
        if text is None or text == "":
            continue
        if text not in ("0", "1"):
            raise base.FormatError(file, f"{where}: {flag}", f"expected 0 or 1, got {text!r}")
        if text == "1":
            attributes[flag] = True
    pose = _text(obj, "pose")
    if pose and pose != "Unspecified":
        attributes["pose"] = pose
    for attr in obj.iterfind("attributes/attribute"):
        key = _text(attr, "name")
        if not key:
            raise base.FormatError(file, f"{where}: attributes", "attribute without a name")
        value = _text(attr, "value") or ""
        attributes[key] = {"true": True, "false": False}.get(value, value)
    return attributes


WRITER: base.Writer | None = VocWriter()
READER: base.Reader | None = VocReader()
