"""Reading Pascal VOC: ``Annotations/`` + ``ImageSets/Main`` (the devkit's, datumaro's and
labeler's layout) and Roboflow's VOC export (XML files beside the images, one folder per split).

Image lists: each line of ``ImageSets/Main/<split>.txt`` is one image id, the whole line (ids
may hold spaces); ``<class>_<split>.txt`` lists (``<id> 1|0|-1``) are recognised and reported,
not imported. ``labelmap.txt`` lines are ``name:color:parts:actions``; the name is everything
before the last three ``:``.

Pixel convention (the ``voc_coordinates`` import option): ``devkit`` reads ``x = xmin - 1``,
``x + w = xmax`` (1-based whole pixels); ``continuous`` reads the values as they stand
(0-based). ``auto`` (the default) takes what a labeler export says (its manifest or the
comment in its ``labelmap.txt``); else ``continuous`` when a datumaro ``labelmap.txt`` is
present (datumaro writes values as they stand) or when a value is 0 or fractional (1-based
whole pixels cannot be); else ``devkit``. A guessed convention is reported, with its reason.

The reader records difficult/truncated/occluded only when they are 1, and reports what it does
not take: object parts (layouts), actions, segmentation masks, the Layout/Action/Segmentation
image sets and per-class classification lists. Errors name the file and the line or element.
"""

from __future__ import annotations

import dataclasses
import math
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from labeler.domain import geometry as geo
from labeler.domain import status as status_mod
from labeler.formats import base, imagefiles, manifest

LABELMAP_HEADER = "# label:color_rgb:parts:actions"
#: labeler's own line in labelmap.txt (a comment to datumaro), naming the pixel convention.
LABELER_COMMENT = "# labeler:"
#: The pixel conventions, as the manifest explains them.
CONVENTIONS = {
    "devkit": "VOC devkit: 1-based whole pixels; xmin = round(x) + 1, xmax = round(x + w) "
    "(same for y), read back as x = xmin - 1",
    "continuous": "0-based pixel coordinates as they stand: xmin = x, xmax = x + w",
}
_COMMON_FLAGS = ("difficult", "truncated", "occluded")
_IMAGE_EXTS = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp", ".jpe", ".jfif")
_SPLITS_WITH_LISTS = ("Layout", "Action", "Segmentation")
_SPLIT_NAMES = {"valid": "val", "validation": "val"}  # Roboflow names its validation split "valid"
_CLASS_LIST_SPLITS = ("train", "val", "trainval", "test")
# Boxes may touch the border; this absorbs float noise from tools that compute corners.
_EPS = 1e-6


def fmt_number(value: float) -> str:
    """Shortest text that reads back to ``value``; whole numbers without a decimal point."""
    if float(value).is_integer():
        return str(int(value))
    return repr(float(value))


def to_file(box: geo.Box, convention: str) -> tuple[float, float, float, float]:
    """``(xmin, ymin, xmax, ymax)`` as written in ``convention`` (see :data:`CONVENTIONS`)."""
    if convention == "continuous":
        return box.x, box.y, box.x1, box.y1
    xmin, ymin = round(box.x) + 1, round(box.y) + 1
    # A box under a pixel wide still covers one pixel (as supervision writes it).
    return xmin, ymin, max(round(box.x1), xmin), max(round(box.y1), ymin)


def from_file(values: tuple[float, float, float, float], convention: str) -> geo.Box:
    """The box in the displayed frame for file values ``(xmin, ymin, xmax, ymax)``."""
    x0, y0, x1, y1 = values
    if convention == "devkit":
        x0, y0 = x0 - 1, y0 - 1
    return geo.Box.from_corners(x0, y0, x1, y1)


class VocReader:
    """Reads Pascal VOC (``Annotations/`` + ``ImageSets/``) and Roboflow's VOC export.

    Args:
        convention: ``auto``, ``devkit`` or ``continuous`` (see the module docstring).
    """

    name = "voc"

    def __init__(self, convention: str = "auto") -> None:
        if convention not in ("auto", *CONVENTIONS):
            raise base.OptionError(
                f"VOC coordinates are auto, devkit or continuous, not {convention!r}"
            )
        self.convention = convention

    def read(self, path: Path, report: base.Report) -> base.ReadResult:
        path = Path(path)
        if not path.is_dir():
            raise base.FormatError(path, "", "a VOC dataset is a folder")
        labelmap, written_by = _read_labelmap(path / "labelmap.txt")
        if (path / "Annotations").is_dir():
            entries = _standard_entries(path, report)
        else:
            entries = _roboflow_entries(path)
        if not entries:
            raise base.FormatError(path, "", "no Annotations/ folder and no VOC XML files found")
        roots = {id(e): _parse(e.xml) for e in entries if e.xml is not None}
        document = manifest.read(path) or {}
        frame = document.get("coordinate_frame") or {}
        renamed = {v: k for k, v in (frame.get("voc_class_names") or {}).items()}
        convention = self.convention
        if convention == "auto":
            stated = frame.get("voc_coordinates") or written_by.get("voc_coordinates")
            convention = (
                stated
                if stated in CONVENTIONS
                else _guess(roots.values(), labelmap is not None, path, report)
            )
        samples: list[base.Sample] = []
        seen: list[str] = []
        for entry in entries:
            sample = _read_entry(path, entry, roots.get(id(entry)), labelmap, convention, report)
            if renamed:
                sample = _restore_names(sample, renamed)
            for label in sample.labels:
                if label.class_name not in seen:
                    seen.append(label.class_name)
            samples.append(sample)
        _report_unsupported_files(path, report)
        if labelmap is None:
            classes = tuple(seen)
        else:
            classes = tuple(
                renamed.get(n, n)
                for n in labelmap
                if n != "background" or labelmap[n] != "0,0,0" or n in seen
            )
        return base.ReadResult(classes=classes, samples=tuple(samples))


def _guess(roots: Iterable[ET.Element], has_labelmap: bool, path: Path, report: base.Report) -> str:
    """The convention of a dataset that does not say (see the module docstring)."""
    if has_labelmap:
        why = "a datumaro labelmap.txt is present (datumaro writes coordinates as they stand)"
        report.add("voc_coordinates", str(path), f"read as continuous: {why}")
        return "continuous"
    for root in roots:
        for elem in root.iterfind("object/bndbox/*"):
            text = (elem.text or "").strip()
            try:
                value = float(text)
            except ValueError:
                continue  # the object's own check names the file and place
            if (elem.tag in ("xmin", "ymin") and value == 0) or not value.is_integer():
                why = f"a coordinate is {text} (1-based whole pixels cannot be)"
                report.add("voc_coordinates", str(path), f"read as continuous: {why}")
                return "continuous"
    return "devkit"


def _restore_names(sample: base.Sample, renamed: Mapping[str, str]) -> base.Sample:
    labels = tuple(
        dataclasses.replace(lb, class_name=renamed.get(lb.class_name, lb.class_name))
        for lb in sample.labels
    )
    return dataclasses.replace(sample, labels=labels)


@dataclasses.dataclass(frozen=True, slots=True)
class _Entry:
    """An image of the dataset: its XML (None when only listed), split, and ``images_root``,
    the folder image names are relative to (JPEGImages/ or a Roboflow split folder);
    ``listed`` is the image list and line that named it, for errors."""

    item_id: str  # the image's name under images_root, without extension
    xml: Path | None
    images_root: Path
    split: str
    listed: tuple[Path, int] | None = None


def _read_labelmap(path: Path) -> tuple[dict[str, str] | None, dict[str, str]]:
    """Class name → colour text from datumaro's ``labelmap.txt`` (None when absent), and the
    settings of labeler's own comment line."""
    if not path.is_file():
        return None, {}
    out: dict[str, str] = {}
    settings: dict[str, str] = {}
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if line.startswith(LABELER_COMMENT):
            for pair in line.removeprefix(LABELER_COMMENT).split():
                key, _, value = pair.partition("=")
                settings[key] = value
            continue
        if not line or line.startswith("#"):
            continue
        fields = line.rsplit(":", 3)
        if len(fields) != 4:
            raise base.FormatError(path, f"line {number}", "expected name:r,g,b:parts:actions")
        name = fields[0].strip()
        if not name or name in out:
            raise base.FormatError(path, f"line {number}", f"empty or repeated class {name!r}")
        out[name] = fields[1].replace(" ", "")
    return out, settings


def _class_list(txt: Path, lines: list[tuple[int, str]]) -> bool:
    """Whether ``txt`` is a ``<class>_<split>.txt`` presence list (``<id> 1|0|-1`` lines)."""
    stem = txt.stem
    if not any(stem.endswith(f"_{s}") and len(stem) > len(s) + 1 for s in _CLASS_LIST_SPLITS):
        return False
    return bool(lines) and all(
        len(parts := line.rsplit(maxsplit=1)) == 2 and parts[1] in ("1", "0", "-1")
        for _, line in lines
    )


def _split_lists(main: Path) -> tuple[dict[str, list[tuple[str, int]]], dict[str, Path], int]:
    """Split name → (image id, line number) from ImageSets/Main, each list's file, and the
    number of per-class lists skipped."""
    lists: dict[str, list[tuple[str, int]]] = {}
    files: dict[str, Path] = {}
    class_lists = 0
    for txt in sorted(main.glob("*.txt")) if main.is_dir() else []:
        numbered = [
            (n, line.strip())
            for n, line in enumerate(txt.read_text(encoding="utf-8").splitlines(), start=1)
        ]
        numbered = [(n, line) for n, line in numbered if line and not line.startswith("#")]
        if _class_list(txt, numbered):
            class_lists += 1  # image-level presence; the objects carry the classes
        else:
            lists[txt.stem] = [(line, n) for n, line in numbered]
            files[txt.stem] = txt
    if "trainval" in lists and ("train" in lists or "val" in lists):
        del lists["trainval"]  # the union of train and val, not a split of its own
    return lists, files, class_lists


def _standard_entries(root: Path, report: base.Report) -> list[_Entry]:
    lists, files, class_lists = _split_lists(root / "ImageSets" / "Main")
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
        for item_id, line in lists[split]:
            if item_id not in listed:
                listed.add(item_id)
                xml = on_disk.get(item_id)
                where = (files[split], line)
                entries.append(_Entry(item_id, xml, root / "JPEGImages", split, where))
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


def _parse(xml: Path) -> ET.Element:
    try:
        xml_root = ET.parse(xml).getroot()
    except ET.ParseError as exc:
        line, column = exc.position  # expat counts columns from 0
        raise base.FormatError(
            xml, f"line {line}, column {column + 1}", "not well-formed XML"
        ) from None
    if xml_root.tag != "annotation":
        raise base.FormatError(xml, "root element", "expected <annotation>")
    return xml_root


def _read_entry(
    root: Path,
    entry: _Entry,
    xml_root: ET.Element | None,
    labelmap: Mapping[str, str] | None,
    convention: str,
    report: base.Report,
) -> base.Sample:
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
        hw, hh, orientation = imagefiles.header_size(image_path)
        width, height = width or hw, height or hh
    if not width or not height:
        if entry.xml is None and entry.listed is not None:
            list_file, line = entry.listed
            raise base.FormatError(
                list_file,
                f"line {line}",
                f"image {entry.item_id!r} has no annotation in Annotations/ and no file in "
                "JPEGImages/",
            )
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
        _read_object(entry.xml, index, obj, image, labelmap, convention, report)
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
    convention: str,
    report: base.Report,
) -> base.Label:
    where = f"object {index}"
    name = _text(obj, "name")
    if not name:
        raise base.FormatError(file, f"{where}: name", "missing class name")
    if labelmap is not None and name not in labelmap:
        raise base.FormatError(file, f"{where}: name", f"class {name!r} is not in labelmap.txt")
    values = (
        _coordinate(file, where, obj, "xmin"),
        _coordinate(file, where, obj, "ymin"),
        _coordinate(file, where, obj, "xmax"),
        _coordinate(file, where, obj, "ymax"),
    )
    if values[2] < values[0] or values[3] < values[1]:
        raise base.FormatError(file, f"{where}: bndbox", "xmax/ymax is smaller than xmin/ymin")
    box = from_file(values, convention)
    if (
        box.x < -_EPS
        or box.y < -_EPS
        or box.x1 > image.width + _EPS
        or box.y1 > image.height + _EPS
    ):
        shown = ", ".join(fmt_number(v) for v in values)
        raise base.FormatError(
            file,
            f"{where}: bndbox",
            f"box ({shown}) read as {convention} is outside the {image.width}×{image.height} "
            "image (the other pixel convention may fit: --voc-coordinates)",
        )
    attributes = _read_attributes(file, where, obj)
    for tag, code in (("part", "voc_parts_not_taken"), ("actions", "voc_actions_not_taken")):
        if obj.find(tag) is not None:
            report.add(code, f"{file.name}: {where}", f"<{tag}> of the object is not imported")
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


READER: base.Reader | None = VocReader()
