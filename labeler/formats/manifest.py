"""The ``manifest.json`` written beside every export: enough to repeat it exactly."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import orjson

import labeler
from labeler.formats import base

FILE_NAME = "manifest.json"
COORDINATE_FRAME = "pixels, displayed (EXIF-applied) frame"

_ORIENTATION = {
    base.ImageMode.COPY: "written upright: EXIF orientation applied to the pixels, tag removed",
    base.ImageMode.LINK: "hard-linked: files keep their EXIF orientation tag",
    base.ImageMode.SYMLINK: "symlinked: files keep their EXIF orientation tag",
    base.ImageMode.NONE: "not written: the original files keep their EXIF orientation tag",
}


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of the file at ``path`` (a symlink is followed to its target's bytes)."""
    # file_digest reads in C with one buffer: 10,000 small label files hash in a blink.
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def checksums(root: Path, files: Iterable[str]) -> dict[str, str]:
    """SHA-256 of each written file, by its path relative to ``root``, sorted by path."""
    return {rel: sha256_file(root / rel) for rel in sorted(set(files))}


def build(
    *,
    format_name: str,
    options: Mapping[str, Any],
    images: base.ImageMode,
    data_revision: str | int | None,
    counts: Mapping[str, Any],
    class_ids: Mapping[str, int],
    samples: Sequence[base.Sample],
    report: base.Report,
    files: Mapping[str, str],
) -> dict[str, Any]:
    """The manifest document (a plain JSON-ready dict)."""
    return {
        "labeler_version": labeler.__version__,
        "format": format_name,
        "options": dict(options),
        "data_revision": data_revision,
        "coordinate_frame": {
            "coordinates": COORDINATE_FRAME,
            "images": _ORIENTATION[images],
            **report.conventions,
        },
        "counts": dict(counts),
        "class_ids": dict(class_ids),
        # ``file``: the image's path in the export (flat layouts rename it; with --images none,
        # where the labels expect it); None when the format left the image out.
        "images": [
            {
                "key": s.image.key,
                "rel_path": s.image.rel_path,
                "sha256": s.image.sha256,
                "split": s.split,
                "file": report.image_files.get(s.image.key),
            }
            for s in samples
        ],
        "next_steps": list(report.next_steps),
        "report": {
            "counts": report.counts(),
            "entries": [{"code": c, "where": w, "message": m} for c, w, m in report.entries],
        },
        "files": dict(files),
    }


def write(folder: Path, document: Mapping[str, Any]) -> Path:
    """Write ``document`` as ``manifest.json`` in ``folder`` and return its path."""
    path = folder / FILE_NAME
    path.write_bytes(orjson.dumps(document, option=orjson.OPT_INDENT_2))
    return path


def read(folder: Path) -> dict[str, Any] | None:
    """The manifest in ``folder``, or None when there is none (or it is not a labeler one)."""
    path = folder / FILE_NAME
    try:
        doc = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None
    return doc if isinstance(doc, dict) and "labeler_version" in doc else None
