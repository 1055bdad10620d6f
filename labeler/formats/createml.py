"""Apple Create ML object detection JSON (export only).

Layout written, as Roboflow does::

    <split>/<rel_path>                      the images (unless the image mode is "none")
    <split>/_annotations.createml.json      [{"image": ..., "annotations": [...]}, ...]

Each annotation is ``{"label": name, "coordinates": {"x", "y", "width", "height"}}`` in pixels,
with ``x``/``y`` the **centre** of the box, as Create ML documents it. ``image`` is the image's
path relative to the JSON file (absolute when images are not written). Polygons are written as
their bounding boxes; tags and attributes have no place; all three are reported. Images with no
objects are listed with an empty ``annotations`` list.

labeler does not read Create ML files: ``READER`` is None, so an import in this format is refused
by name.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from labeler.domain import geometry as geo
from labeler.formats import base, imagefiles, kindmap

ANNOTATIONS_FILE = "_annotations.createml.json"


class CreateMlWriter:
    """Writes one Create ML annotations file per split, beside the split's images."""

    name = "createml"

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
        by_split: dict[str, list[dict[str, Any]]] = {}
        for done, sample in enumerate(items):
            image = sample.image
            image_rel = f"{sample.split}/{image.rel_path}"
            name = image.rel_path
            if options.images is base.ImageMode.NONE and image.source:
                name = Path(image.source).resolve().as_posix()
            report.image_files[image.key] = image_rel
            try:
                if imagefiles.place_image(image, out / image_rel, options.images, report):
                    written.append(image_rel)
            except FileNotFoundError as exc:
                report.add("image_missing", image.rel_path, str(exc))
            annotations = [
                entry
                for index, label in enumerate(sample.labels, start=1)
                if (entry := _annotation(sample, index, label, known, report)) is not None
            ]
            by_split.setdefault(sample.split, []).append(
                {"image": name, "annotations": annotations}
            )
            if progress is not None:
                progress(done + 1, len(items))
        for split, entries in by_split.items():
            rel = f"{split}/{ANNOTATIONS_FILE}"
            (out / split).mkdir(parents=True, exist_ok=True)
            (out / rel).write_text(
                json.dumps(entries, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
            )
            written.append(rel)
        return written


def _annotation(
    sample: base.Sample, index: int, label: base.Label, known: set[str], report: base.Report
) -> dict[str, Any] | None:
    where = f"{sample.image.rel_path}: label {index}"
    if label.class_name not in known:
        report.add("class_not_exported", where, f"class {label.class_name!r} not exported")
        return None
    target = kindmap.written_as("createml", None, label.kind)
    if target is None or label.geometry is None:
        report.add(
            "tag_not_written", where, f"Create ML detection has no tags ({label.class_name})"
        )
        return None
    box = kindmap.shape_for(label, target, report, where)
    assert isinstance(box, geo.Box)
    if any(label.attributes.values()):
        report.add("attribute_not_written", where, f"no place for {sorted(label.attributes)}")
    return {
        "label": label.class_name,
        "coordinates": {
            "x": box.x + box.w / 2,
            "y": box.y + box.h / 2,
            "width": box.w,
            "height": box.h,
        },
    }


WRITER: base.Writer | None = CreateMlWriter()
READER: base.Reader | None = None
