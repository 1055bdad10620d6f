"""DOTA datasets: oriented boxes, one text file per image, in pixels.

Layout labeler writes (the devkit's ``images``/``labelTxt`` pair, one per split, as datumaro
reads it)::

    <split>/images/<name>           the images, flat: an image keeps its file name unless another
                                    image of the split has it too (then a__b.jpg, reported)
    <split>/labelTxt/<stem>.txt     one line per object: ``x1 y1 x2 y2 x3 y3 x4 y4 class difficult``

The four corners are pixels in the displayed frame, clockwise on screen from where the first drawn
edge starts (DOTA's "head" of the object); ``difficult`` is 1 when the label's ``difficult``
attribute is set, else 0. Rotated boxes are written exactly; boxes as rotated boxes of angle 0
and polygons as their least enclosing rotated boxes (both reported, see
:mod:`labeler.formats.kindmap`); tags have no place. Corners past the image edge are moved onto
it (reported). DOTA separates fields by spaces, so a class name with spaces is written with
hyphens (``small vehicle`` → ``small-vehicle``, as DOTA's own classes are spelled), reported.
Finished images without objects get an empty file. No ``imagesource``/``gsd`` header lines are
written (readers skip them; labeler knows neither).

The reader takes a folder holding ``labelTxt`` folders (at the top or one level down, one per
split) with the images in the sibling ``images`` folder, found by file stem. Header lines are
skipped; four corners forming a rectangle (within a pixel) become a rotated box along the first
edge, any other quadrilateral its least enclosing rotated box (reported). ``difficult`` 1 sets
the ``difficult`` attribute; a line's 11th field and beyond are reported and not kept.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from labeler.domain import geometry as geo
from labeler.formats import base, imagefiles, kindmap, splits, writing

LABEL_DIR = "labelTxt"
IMAGE_DIR = "images"
_IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp"})
_SPACE = re.compile(r"\s+")


def class_names(classes: Sequence[str]) -> dict[str, str]:
    """The name each class is written with: spaces as hyphens, made unique."""
    out: dict[str, str] = {}
    for index, name in enumerate(classes):
        written = _SPACE.sub("-", name.strip()) or f"class-{index}"
        if written in out.values():
            written = f"{written}-{index}"
        out[name] = written
    return out


def _number(value: float) -> str:
    # Three decimals at most, no trailing zeros: integer pixels read as DOTA's own files do.
    text = f"{value + 0.0:.3f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _lines(
    sample: base.Sample, names: dict[str, str], report: base.Report, where: str
) -> list[str]:
    image = sample.image
    w, h = float(image.width), float(image.height)
    lines: list[str] = []
    for index, label in enumerate(sample.labels):
        at = f"{where} label {index}"
        if label.class_name not in names:
            raise ValueError(f"{at}: class {label.class_name!r} is not exported")
        target = kindmap.written_as("dota", None, label.kind)
        if target is None or label.geometry is None:
            report.add("tag_not_written", at, f"tag {label.class_name!r}: DOTA has no image tags")
            continue
        shape = kindmap.shape_for(label, target, report, at)
        corners, clipped = writing.clipped_outline(shape, w, h)
        if clipped:
            report.add("clipped_to_image", at, "corners moved to the image edge")
        coords = " ".join(f"{_number(x)} {_number(y)}" for x, y in corners)
        difficult = 1 if label.attributes.get("difficult") else 0
        lines.append(f"{coords} {names[label.class_name]} {difficult}")
    return lines


class DotaWriter:
    """Writes a DOTA dataset (see module doc)."""

    name = "dota"

    def write(
        self,
        samples: Iterable[base.Sample],
        out: Path,
        options: base.WriteOptions,
        report: base.Report,
        progress: base.ProgressFn | None = None,
    ) -> list[str]:
        items = list(samples)
        names = class_names(options.classes)
        for name, spelled in names.items():
            if spelled != name:
                report.add(
                    "renamed_class",
                    name,
                    f"written as {spelled!r} (DOTA fields are split on spaces)",
                )
        # One flat folder per split, names made unique as every flat layout does.
        files: dict[str, str] = {}
        by_split: dict[str, list[base.Sample]] = {}
        for sample in items:
            by_split.setdefault(sample.split, []).append(sample)
        for group in by_split.values():
            rels = [writing.safe_rel_path(s.image.rel_path) for s in group]
            for sample, name in zip(group, writing.flat_names(rels, True, report), strict=True):
                files[sample.image.key] = name
        written: list[str] = []
        made: set[str] = set()
        root = str(out)
        with writing.gc_paused():
            for done, sample in enumerate(items, 1):
                rel = sample.image.rel_path
                target = files[sample.image.key]
                label_rel = f"{sample.split}/{LABEL_DIR}/{writing.split_ext(target)[0]}.txt"
                label_file = f"{root}/{label_rel}"
                folder = label_file[: label_file.rfind("/")]
                if folder not in made:
                    os.makedirs(folder, exist_ok=True)
                    made.add(folder)
                lines = _lines(sample, names, report, rel)
                with open(label_file, "wb") as f:
                    f.write("".join(line + "\n" for line in lines).encode())
                written.append(label_rel)
                if options.images is not base.ImageMode.NONE:
                    dest = f"{sample.split}/{IMAGE_DIR}/{target}"
                    imagefiles.place_image(sample.image, out / dest, options.images, report)
                    written.append(dest)
                if progress is not None:
                    progress(done, len(items))
        return written


# --------------------------------------------------------------------------- reading


@dataclasses.dataclass(frozen=True, slots=True)
class Line:
    """One object line of a DOTA file."""

    number: int
    corners: tuple[geo.Point, geo.Point, geo.Point, geo.Point]
    class_name: str
    difficult: bool
    extra: tuple[str, ...]


def parse_lines(path: Path) -> list[Line]:
    """The object lines of a DOTA label file; header lines (``imagesource:``, ``gsd:``) and
    blank lines are skipped.

    Raises:
        base.FormatError: naming the file and line of anything else that is not an object.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise base.FormatError(path, "", f"not UTF-8 text ({exc.reason})") from None
    out: list[Line] = []
    for number, raw in enumerate(text.splitlines(), 1):
        parts = raw.split()
        if not parts or (len(parts) == 1 and ":" in parts[0]):
            continue  # blank, or a header such as imagesource:GoogleEarth
        if len(parts) < 9:
            raise base.FormatError(
                path,
                f"line {number}",
                f"expected 8 coordinates and a class, got {len(parts)} fields",
            )
        try:
            values = [float(v) for v in parts[:8]]
        except ValueError:
            raise base.FormatError(path, f"line {number}", "coordinates must be numbers") from None
        if not all(v == v and abs(v) != float("inf") for v in values):
            raise base.FormatError(path, f"line {number}", "coordinates must be finite numbers")
        difficult = len(parts) > 9 and parts[9] not in ("0", "false", "False")
        x1, y1, x2, y2, x3, y3, x4, y4 = values
        corners = ((x1, y1), (x2, y2), (x3, y3), (x4, y4))
        out.append(Line(number, corners, parts[8], difficult, tuple(parts[10:])))
    return out


def label_of(line: Line, path: Path, report: base.Report) -> base.Label:
    """The rotated box of one DOTA line (a non-rectangle reported as approximated)."""
    box, exact = geo.RotatedBox.from_corners(line.corners)
    where = f"{path} line {line.number}"
    if not exact:
        message = "four corners that are no rectangle: imported as the rotated box around them"
        report.add("quadrilateral_as_rotated_box", where, message)
    if line.extra:
        report.add(
            "dota_extra_fields", where, f"fields after 'difficult' not kept: {' '.join(line.extra)}"
        )
    attributes = {"difficult": True} if line.difficult else {}
    return base.Label(line.class_name, geo.ShapeKind.ROTATED_BOX, box, attributes)


def _label_folders(root: Path) -> list[Path]:
    found = [root / LABEL_DIR] if (root / LABEL_DIR).is_dir() else []
    found += sorted(p for p in root.glob(f"*/{LABEL_DIR}") if p.is_dir())
    return found


def _split_of(label_dir: Path, root: Path) -> str:
    if label_dir.parent == root:
        return "train"
    name = label_dir.parent.name.lower()
    return {"valid": "val", "validation": "val"}.get(
        name, name if name in splits.SPLIT_NAMES else "train"
    )


class DotaReader:
    """Reads DOTA datasets (see module doc); everything is checked before returning."""

    name = "dota"

    def read(self, path: Path, report: base.Report) -> base.ReadResult:
        root = path.parent.parent if path.is_file() else path
        folders = [path.parent] if path.is_file() else _label_folders(path)
        if not folders:
            raise base.FormatError(
                path, "", f"no {LABEL_DIR} folder found (at the top or one level down)"
            )
        classes: dict[str, None] = {}
        samples: list[base.Sample] = []
        for folder in folders:
            split = _split_of(folder, root)
            images = {
                p.stem: p
                for p in sorted((folder.parent / IMAGE_DIR).rglob("*"))
                if p.suffix.lower() in _IMAGE_SUFFIXES and p.is_file()
            }
            for label_file in sorted(folder.glob("*.txt")):
                image_path = images.get(label_file.stem)
                if image_path is None:
                    report.add(
                        "image_missing",
                        str(label_file),
                        f"no image named {label_file.stem}.* in {IMAGE_DIR}",
                    )
                    continue
                labels = [label_of(line, label_file, report) for line in parse_lines(label_file)]
                classes.update(dict.fromkeys(lb.class_name for lb in labels))
                width, height, orientation = imagefiles.header_size(image_path)
                rel = image_path.relative_to(folder.parent / IMAGE_DIR).as_posix()
                image = base.DatasetImage(
                    key=str(image_path), rel_path=rel, width=width, height=height,
                    source=str(image_path), orientation=orientation,
                )  # fmt: skip
                samples.append(base.Sample(image, tuple(labels), split))
        if not samples:
            raise base.FormatError(path, "", "no label file with a matching image found")
        return base.ReadResult(classes=tuple(sorted(classes)), samples=tuple(samples))


WRITER: base.Writer | None = DotaWriter()
READER: base.Reader | None = DotaReader()
