"""Pascal VOC: one XML file per image, image lists per split, and a datumaro-style label map.

Layout written (flat folders, as the VOC devkit, supervision and datumaro read them)::

    Annotations/<id>.xml          folder, filename, size (with depth), object*
    JPEGImages/<id><ext>          the image (original extension kept)
    ImageSets/Main/<split>.txt    one image id per line (the whole line: ids may hold spaces)
    labelmap.txt                  "# label:color_rgb:parts:actions", one class per line

``<id>`` is the image's file name without its extension. The project's sub-folders are not
kept: images whose names clash (``a/x.jpg`` and ``b/x.jpg``, or ``x.jpg`` and ``x.png``, whose
annotation files would clash) are named by their whole path (``a__x``), reported, and the
manifest maps every image to its file.

Pixel convention (``voc_coordinates``, recorded in the manifest and in a comment of
``labelmap.txt``):

* ``devkit`` (default): the VOC devkit's 1-based whole pixels. A box covering the displayed
  frame's ``[x, x + w]`` is written ``xmin = round(x) + 1``, ``xmax = round(x + w)``; readers that
  follow the devkit (supervision, torchvision, detectron2) take ``x = xmin - 1``. Coordinates
  are rounded to whole pixels (at most half a pixel off).
* ``continuous``: 0-based fractional pixel coordinates, ``xmin = x``, ``xmax = x + w``, as
  datumaro and Roboflow read and write them; exact.

A class name holding ``:`` cannot be written in ``labelmap.txt`` (its fields are separated by
``:``, and datumaro splits on every one): such a class is written as the name with ``_`` for
``:``, in the label map and in every ``<name>``, reported, and recorded in the manifest so
labeler's reader restores the name.

Attributes: ``difficult`` and ``truncated`` are always written (0/1), ``occluded`` when the label
carries it, ``pose`` (default ``Unspecified``); other attributes go to datumaro's
``<attributes><attribute><name/><value/></attribute></attributes>`` block as text (booleans as
``true``/``false``). Polygons are written as their bounding boxes and tags have no place in VOC
detection; both are reported. Reading is :mod:`labeler.formats.voc_read`.
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from labeler.domain import geometry as geo
from labeler.formats import base, imagefiles, kindmap, voc_read, writing

LABELMAP_HEADER = voc_read.LABELMAP_HEADER


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


def class_names_in_file(classes: Sequence[str], report: base.Report) -> dict[str, str]:
    """The name each class is written under: ``:`` becomes ``_`` (made unique), reported."""
    out: dict[str, str] = {}
    taken = {c for c in classes if ":" not in c}
    for name in classes:
        written = name
        if ":" in name:
            written = candidate = name.replace(":", "_")
            n = 1
            while written in taken:
                n += 1
                written = f"{candidate}_{n}"
            taken.add(written)
            report.add(
                "class_renamed", name, f"written as {written!r}: labelmap.txt cannot hold ':'"
            )
        out[name] = written
    return out


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
        convention = options.format_options.get("voc_coordinates", "devkit")
        if convention not in voc_read.CONVENTIONS:
            raise base.OptionError(f"VOC coordinates are devkit or continuous, not {convention!r}")
        names = class_names_in_file(options.classes, report)
        report.conventions["voc_coordinates"] = convention
        report.conventions["voc_coordinates_meaning"] = voc_read.CONVENTIONS[convention]
        if any(k != v for k, v in names.items()):
            report.conventions["voc_class_names"] = {k: v for k, v in names.items() if k != v}
        rels = [writing.safe_rel_path(s.image.rel_path) for s in items]
        flat = writing.flat_names(rels, True, report)
        written: list[str] = []
        ids_by_split: dict[str, list[str]] = {}
        for folder in ("Annotations", "ImageSets/Main"):
            (out / folder).mkdir(parents=True, exist_ok=True)
        for done, (sample, file_name) in enumerate(zip(items, flat, strict=True)):
            image = sample.image
            item_id = writing.split_ext(file_name)[0]
            image_rel = f"JPEGImages/{file_name}"
            report.image_files[image.key] = image_rel
            try:
                if imagefiles.place_image(image, out / image_rel, options.images, report):
                    written.append(image_rel)
            except FileNotFoundError as exc:
                report.add("image_missing", image.rel_path, str(exc))
            root = _annotation_xml(sample, file_name, names, convention, options, report)
            xml_rel = f"Annotations/{item_id}.xml"
            ET.indent(root)
            ET.ElementTree(root).write(out / xml_rel, encoding="utf-8", xml_declaration=True)
            written.append(xml_rel)
            ids_by_split.setdefault(sample.split, []).append(item_id)
            if progress is not None:
                progress(done + 1, len(items))
        for split, ids in ids_by_split.items():
            rel = f"ImageSets/Main/{split}.txt"
            (out / rel).write_text("".join(f"{i}\n" for i in ids), encoding="utf-8")
            written.append(rel)
        lines = [LABELMAP_HEADER, f"{voc_read.LABELER_COMMENT} voc_coordinates={convention}"]
        # Colours start at index 1 so no class is painted black, the background of VOC masks.
        lines += [
            f"{names[n]}:{','.join(map(str, voc_color(i + 1)))}::"
            for i, n in enumerate(options.classes)
        ]
        (out / "labelmap.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
        written.append("labelmap.txt")
        return written


def _sub(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    elem = ET.SubElement(parent, tag)
    if text is not None:
        elem.text = text
    return elem


def _annotation_xml(
    sample: base.Sample,
    filename: str,
    names: Mapping[str, str],
    convention: str,
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
        if label.class_name not in names:
            report.add("class_not_exported", where, f"class {label.class_name!r} is not exported")
            continue
        box = _box_of(label, where, report)
        if box is None:
            continue
        box = writing.clip_box(box, image, where, report)
        _object_xml(root, label, names[label.class_name], box, convention, where, report)
    return root


def _box_of(label: base.Label, where: str, report: base.Report) -> geo.Box | None:
    if kindmap.written_as("voc", None, label.kind) is None or label.geometry is None:
        message = f"VOC detection has no place for tag {label.class_name!r}"
        report.add("tag_not_written", where, message)
        return None
    box = kindmap.shape_for(label, geo.ShapeKind.BOX, report, where)
    assert isinstance(box, geo.Box)
    return box


def _object_xml(
    root: ET.Element,
    label: base.Label,
    name: str,
    box: geo.Box,
    convention: str,
    where: str,
    report: base.Report,
) -> None:
    attrs: dict[str, Any] = dict(label.attributes)
    obj = _sub(root, "object")
    _sub(obj, "name", name)
    pose = attrs.pop("pose", None)
    _sub(obj, "pose", str(pose) if pose else "Unspecified")
    _sub(obj, "truncated", "1" if attrs.pop("truncated", False) else "0")
    _sub(obj, "difficult", "1" if attrs.pop("difficult", False) else "0")
    if "occluded" in attrs:
        _sub(obj, "occluded", "1" if attrs.pop("occluded") else "0")
    bnd = _sub(obj, "bndbox")
    values = voc_read.to_file(box, convention)
    for tag, value in zip(("xmin", "ymin", "xmax", "ymax"), values, strict=True):
        _sub(bnd, tag, voc_read.fmt_number(value))
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


def reader_with(options: Mapping[str, str]) -> base.Reader:
    """The VOC reader with its import options (``voc_coordinates``)."""
    return voc_read.VocReader(options.get("voc_coordinates", "auto"))


WRITER: base.Writer | None = VocWriter()
READER: base.Reader | None = voc_read.VocReader()
