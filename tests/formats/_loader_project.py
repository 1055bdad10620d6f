"""The project the loader conformance tests export: sub-folders, two images of the same name,
spaces and accents, an EXIF-rotated photo, boxes (one at the image's corner, one reaching its
far edges), polygons, an empty finished image and an image nobody looked at."""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from labeler.domain import annotation as ann_mod
from labeler.domain import geometry as geo
from labeler.domain import schema as schema_mod
from labeler.domain import status as status_mod
from labeler.formats import base, export
from labeler.services import annotate, exporting, images, indexing, review
from labeler.services import project as project_mod
from labeler.services import schema as schema_svc
from tests.formats import conftest

CLASSES = ("car", "traffic sign", "piéton")
BOX, POLYGON = geo.ShapeKind.BOX, geo.ShapeKind.POLYGON

#: rel path → (stored size, EXIF orientation, colour, labels in the displayed frame)
IMAGES: dict[str, tuple[tuple[int, int], int, str, list[tuple[str, geo.Geometry]]]] = {
    "field A/Café crème.jpg": (
        (80, 60),
        1,
        "red",
        [
            ("car", geo.Box(3.25, 4.5, 20.5, 10.75)),
            ("piéton", geo.Polygon(((40.5, 10.25), (70.75, 12.5), (60.25, 50.5)))),
        ],
    ),
    "field B/Café crème.jpg": (
        (80, 60),
        1,
        "blue",
        [
            ("traffic sign", geo.Box(0, 0, 15.5, 12.25)),
            ("car", geo.Box(50.4, 30.6, 29.6, 29.4)),
        ],
    ),
    "field C/Café crème.jpg": ((80, 60), 1, "purple", [("car", geo.Box(1.5, 2.5, 60, 40))]),
    # Stored 60×40 with orientation 6: displayed, and labelled, as 40×60.
    "field B/rotated.jpg": ((60, 40), 6, "green", [("car", geo.Box(5.5, 30.25, 20, 25.5))]),
    "empty space.png": ((64, 48), 1, "gray", []),
    "ñandú/ünïcode 2.jpg": (
        (64, 48),
        1,
        "yellow",
        [("car", geo.Polygon(((5.5, 5.5), (30.25, 8), (20, 40.5), (4, 30))))],
    ),
    "plain.jpg": (
        (64, 48),
        1,
        "white",
        [("piéton", geo.Box(10, 10, 20, 20)), ("car", geo.Box(30.5, 5.5, 12, 30))],
    ),
}
NOT_LOOKED_AT = "new.jpg"


@dataclasses.dataclass(frozen=True)
class Expected:
    """An exported image as labeler wrote it: its file, split, displayed size and labels."""

    file: str
    rel_path: str
    split: str
    width: int
    height: int
    labels: tuple[tuple[str, geo.ShapeKind, geo.Geometry], ...]


def build(root: Path) -> Path:
    """The project file of a new project over ``root/photos`` (labelled, statuses set)."""
    photos = root / "photos"
    for rel, (size, orientation, colour, _) in IMAGES.items():
        conftest.write_image(photos / rel, size, colour, orientation)
    conftest.write_image(photos / NOT_LOOKED_AT, (64, 48), "black")
    path = root / "conformance.labeler"
    tasks = schema_mod.TaskKinds.of("box", "polygon")
    with project_mod.create_project(
        path, classes=list(CLASSES), tasks=tasks, author="tester"
    ) as project:
        indexing.add_folder(project, photos)
        indexing.index_pending(project)
        ids = {img.rel_path: img.id for img in images.list_images(project, limit=1000)}
        class_ids = {c.name: c.id for c in schema_svc.get_schema(project).classes}
        for rel, (_, _, _, labels) in IMAGES.items():
            shapes = [
                ann_mod.NewShape(class_ids[name], BOX if isinstance(g, geo.Box) else POLYGON, g)
                for name, g in labels
            ]
            if shapes:
                annotate.add_annotations(project, ids[rel], shapes)
        review.set_status(project, [ids[rel] for rel in IMAGES], status_mod.ImageStatus.DONE)
    return path


def export_to(
    project_path: Path, fmt: str, out: Path, **options: Any
) -> tuple[export.ExportResult, list[Expected]]:
    """Export the project and say what each written image holds, by its file in the export."""
    # Ratios that put images in both splits: the split rule is the image hash's.
    options.setdefault("ratios", (0.5, 0.5))
    with project_mod.open_project(project_path, author="tester") as project:
        result = exporting.export_project(
            project, format=fmt, out=out, options=export.ExportOptions(**options)
        )
        samples = exporting.read_samples(project, status_mod.FINISHED, base.Report())
    by_key = {s.image.key: s for s in samples}
    document = json.loads(result.manifest_path.read_text(encoding="utf-8"))
    expected = []
    for entry in document["images"]:
        sample = by_key[entry["key"]]
        labels = tuple((lb.class_name, lb.kind, lb.geometry) for lb in sample.labels)
        expected.append(
            Expected(
                file=entry["file"],
                rel_path=sample.image.rel_path,
                split=entry["split"],
                width=sample.image.width,
                height=sample.image.height,
                labels=labels,
            )
        )
    assert {e.split for e in expected} == {"train", "val"}, "both splits must be exercised"
    return result, expected


def corners(g: geo.Geometry) -> tuple[float, float, float, float]:
    """(x0, y0, x1, y1) of a box, or of a polygon's bounds."""
    box = g.bounds if isinstance(g, geo.Polygon) else g
    assert isinstance(box, geo.Box)
    return box.x, box.y, box.x1, box.y1


def assert_boxes_match(
    expected: Sequence[tuple[str, Sequence[float]]],
    found: Sequence[tuple[str, Sequence[float]]],
    tolerance: float,
    where: str,
) -> None:
    """The same classes with the same corners (within ``tolerance`` px), in any order."""
    want = sorted(expected, key=lambda e: (e[0], *[round(v, 3) for v in e[1]]))
    have = sorted(found, key=lambda e: (e[0], *[round(v, 3) for v in e[1]]))
    assert [c for c, _ in have] == [c for c, _ in want], f"{where}: classes differ"
    for (name, a), (_, b) in zip(want, have, strict=True):
        worst = max(abs(x - y) for x, y in zip(a, b, strict=True))
        assert worst <= tolerance, f"{where}: {name} {list(a)} read as {list(b)}"


def assert_polygon_matches(a: Sequence[float], b: Sequence[float], tolerance: float) -> None:
    """Two flat point lists describe the same polygon (same points, maybe another start)."""
    assert len(a) == len(b)
    pa = list(zip(a[0::2], a[1::2], strict=True))
    pb = list(zip(b[0::2], b[1::2], strict=True))
    for shift in range(len(pb)):
        rolled = pb[shift:] + pb[:shift]
        if all(math.dist(p, q) <= tolerance for p, q in zip(pa, rolled, strict=True)):
            return
    raise AssertionError(f"polygon {pa} read as {pb}")


def files_in(expected: Sequence[Expected], split: str | None = None) -> Iterator[Expected]:
    yield from (e for e in expected if split is None or e.split == split)
