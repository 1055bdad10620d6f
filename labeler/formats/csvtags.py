"""CSV for image tags (classification), one file per split.

Layout written::

    images/<rel_path>    the images (unless the image mode is "none")
    <split>.csv          UTF-8, comma-separated, RFC 4180 quoting, header on the first line

Two shapes, chosen by ``WriteOptions.task`` (``multiclass``/``classify`` or ``multilabel``; when
no task is given, multi-label as soon as one image has more than one tag):

* single-label: header ``path,label``, one row per image with exactly one tag (images with none
  or several are left out and reported);
* multi-label: header ``path,labels``, the image's tags joined with ``;`` in export class order
  (an empty cell means "none of the classes").

``path`` is relative to the CSV file (``images/...``), or the original absolute path when images
are not written. Boxes and polygons have no place here: in an export with tags they are
reported; in an export without a single tag (a box or polygon project) each row lists instead
the classes its image's objects belong to — image-level class presence, multi-label (an empty
cell: no object) — said once in the report.

The reader takes both shapes and Roboflow's multiclass CSV (``filename, <class>, <class>...``
with 0/1 cells, whose header declares the classes). A relative ``path`` is looked up from the
CSV file's folder; when no image is there (a CSV kept apart from the images), the path names the
image by its path in the project — labeler's own ``images/`` prefix dropped — and the import
matches it by that path, or by its file name when that is unique in the project. Errors name the
file and line.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable
from pathlib import Path

from labeler.domain import geometry as geo
from labeler.formats import base, imagefiles

SEPARATOR = ";"
_SINGLE = ("path", "label")
_MULTI = ("path", "labels")
_PATH_COLUMNS = ("path", "filename", "file", "image", "image_path")


class CsvWriter:
    """Writes ``<split>.csv`` files of image paths and their tags."""

    name = "csv"

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
        order = {name: i for i, name in enumerate(options.classes)}
        presence = not any(lb.kind is geo.ShapeKind.TAG for s in items for lb in s.labels)
        if presence and any(s.labels for s in items):
            report.add(
                "objects_as_class_presence",
                "",
                "no image has tags: each row lists the classes of its boxes and polygons",
            )
        tags_of = [_tags(s, order, presence, report) for s in items]
        task = (options.task or "").strip().lower()
        if task in ("", "auto"):
            multi = presence or any(len(t) > 1 for t in tags_of)
        elif task in ("multilabel", "multi-label"):
            multi = True
        elif task in ("multiclass", "classify", "classification"):
            multi = False
        else:
            raise base.OptionError(
                f"CSV export takes the task multiclass or multilabel, not {task!r}"
            )
        rows: dict[str, list[tuple[str, str]]] = {}
        written: list[str] = []
        for done, (sample, tags) in enumerate(zip(items, tags_of, strict=True)):
            where = sample.image.rel_path
            if not multi and len(tags) != 1:
                report.add("not_single_label", where, f"{len(tags)} tags; image left out")
            else:
                cell = SEPARATOR.join(tags) if multi else tags[0]
                rows.setdefault(sample.split, []).append(
                    (self._place(sample, out, options, report, written), cell)
                )
            if progress is not None:
                progress(done + 1, len(items))
        for split, split_rows in rows.items():
            buffer = io.StringIO()
            writer = csv.writer(buffer, lineterminator="\n")
            writer.writerow(_MULTI if multi else _SINGLE)
            writer.writerows(split_rows)
            (out / f"{split}.csv").write_text(buffer.getvalue(), encoding="utf-8")
            written.append(f"{split}.csv")
        return written

    @staticmethod
    def _place(
        sample: base.Sample,
        out: Path,
        options: base.WriteOptions,
        report: base.Report,
        written: list[str],
    ) -> str:
        image = sample.image
        rel = f"images/{image.rel_path}"
        if options.images is base.ImageMode.NONE:
            return os.path.abspath(image.source) if image.source else image.rel_path
        try:
            if imagefiles.place_image(image, out / rel, options.images, report):
                written.append(rel)
                report.image_files[image.key] = rel
        except FileNotFoundError as exc:
            report.add("image_missing", image.rel_path, str(exc))
        return rel


def _tags(
    sample: base.Sample, order: dict[str, int], presence: bool, report: base.Report
) -> list[str]:
    """The image's tags in export class order (with ``presence``: its objects' classes)."""
    where = sample.image.rel_path
    tags: list[str] = []
    for label in sample.labels:
        if label.kind is not geo.ShapeKind.TAG and not presence:
            report.add("shape_not_written", where, f"{label.kind.value} has no place in a CSV")
        elif label.class_name not in order:
            report.add("class_not_exported", where, f"class {label.class_name!r} not exported")
        elif SEPARATOR in label.class_name:
            report.add("class_name_has_separator", where, f"{label.class_name!r} contains ';'")
        elif label.class_name not in tags:
            tags.append(label.class_name)
    return sorted(tags, key=order.__getitem__)


# ---------------------------------------------------------------------------------------------
# Reader


class CsvReader:
    """Reads tag CSVs: a file, or a folder of ``<split>.csv`` / ``<split>/_classes.csv``."""

    name = "csv"

    def read(self, path: Path, report: base.Report) -> base.ReadResult:
        path = Path(path)
        files = [path] if path.is_file() else sorted([*path.glob("*.csv"), *path.glob("*/*.csv")])
        if not files:
            raise base.FormatError(path, "", "no .csv file found")
        classes: list[str] = []
        samples: list[base.Sample] = []
        for file in files:
            file_classes, file_samples = _read_file(file, _split_name(file, path), report)
            classes += [c for c in file_classes if c not in classes]
            samples += file_samples
        return base.ReadResult(classes=tuple(classes), samples=tuple(samples))


def _split_name(file: Path, root: Path) -> str:
    candidates = [file.stem.lower()]
    if file.parent != root:
        candidates.insert(0, file.parent.name.lower())
    for name in candidates:
        if name in ("train", "val", "test"):
            return name
        if name in ("valid", "validation"):
            return "val"
    return "train"


def _read_file(file: Path, split: str, report: base.Report) -> tuple[list[str], list[base.Sample]]:
    text = file.read_text(encoding="utf-8-sig")
    try:
        rows = list(csv.reader(io.StringIO(text), skipinitialspace=True, strict=True))
    except csv.Error as exc:
        raise base.FormatError(file, "", f"not a valid CSV: {exc}") from None
    if not rows:
        raise base.FormatError(file, "line 1", "empty file: expected a header")
    header = [h.strip() for h in rows[0]]
    lowered = [h.lower() for h in header]
    if len(header) < 2 or lowered[0] not in _PATH_COLUMNS:
        raise base.FormatError(
            file, "line 1", "expected a header path,label or path,labels (or filename,<classes>)"
        )
    one_hot = tuple(lowered) not in (_SINGLE, _MULTI, ("filename", "label"), ("filename", "labels"))
    declared = header[1:] if one_hot else []
    if one_hot and len(set(declared)) != len(declared):
        raise base.FormatError(file, "line 1", "a class appears twice in the header")
    multi = lowered[1] == "labels"
    found: set[str] = set()
    samples: list[base.Sample] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        where = f"line {number}"
        if len(row) != len(header):
            raise base.FormatError(file, where, f"{len(row)} columns, the header has {len(header)}")
        name = row[0].strip()
        if not name:
            raise base.FormatError(file, f"{where}: {header[0]}", "empty image path")
        if name in seen:
            raise base.FormatError(
                file, where, f"image {name!r} already listed on line {seen[name]}"
            )
        seen[name] = number
        if one_hot:
            tags = _one_hot(file, where, header, row)
        elif multi:
            tags = [t.strip() for t in row[1].split(SEPARATOR) if t.strip()]
        else:
            tags = [row[1].strip()] if row[1].strip() else []
            if not tags:
                raise base.FormatError(file, f"{where}: label", "empty label")
        found.update(tags)
        samples.append(_sample(file, where, name, tags, split))
    # A one-hot header declares the classes in its order; names found only in the rows come
    # after them sorted, so importing the same file again gives the same class ids.
    return [*declared, *sorted(found - set(declared))], samples


def _one_hot(file: Path, where: str, header: list[str], row: list[str]) -> list[str]:
    tags: list[str] = []
    for column, cell in zip(header[1:], row[1:], strict=True):
        value = cell.strip()
        if value not in ("0", "1"):
            raise base.FormatError(file, f"{where}: {column}", f"expected 0 or 1, got {value!r}")
        if value == "1":
            tags.append(column)
    return tags


def _sample(file: Path, where: str, name: str, tags: list[str], split: str) -> base.Sample:
    source = Path(name) if os.path.isabs(name) else file.parent / name
    rel_path = source.name if os.path.isabs(name) else name.replace("\\", "/")
    if rel_path.startswith("images/"):
        rel_path = rel_path.removeprefix("images/")
    if not source.is_file():
        # Kept apart from the images: the path names the image in the project. Tags need no
        # size, so the import matches it by path (or unique file name) alone.
        image = base.DatasetImage(key=name, rel_path=rel_path, width=0, height=0)
    else:
        width, height, orientation = imagefiles.header_size(source)
        image = base.DatasetImage(
            key=str(source.resolve()),
            rel_path=rel_path,
            width=width,
            height=height,
            source=str(source.resolve()),
            orientation=orientation,
        )
    labels = tuple(base.Label(t, geo.ShapeKind.TAG) for t in tags)
    return base.Sample(image=image, labels=labels, split=split)


WRITER: base.Writer | None = CsvWriter()
READER: base.Reader | None = CsvReader()
