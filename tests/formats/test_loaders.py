"""labeler's exports as the loaders ML engineers train with read them.

One project (sub-folders, two images of the same name, spaces and accents, an EXIF-rotated
photo, boxes, polygons, an empty image) is exported in each format and read by pycocotools,
supervision, datumaro, Ultralytics, labelme and mltable, each in its own environment (see
``tests/formats/loaders``). Every count and coordinate must agree with what labeler wrote within
0.5 px; VOC in the devkit's whole pixels within its rounding (0.5 px too).
"""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pycocotools import mask as mask_utils
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from labeler.domain import geometry as geo
from tests.formats import _loader_project as lp
from tests.formats import loaders

#: Every test here runs an independent loader in its own environment.
pytestmark = pytest.mark.loaders

TOLERANCE = 0.5
AZURE_PREFIX = "azureml://subscriptions/s-1/resourcegroups/rg/workspaces/ws/datastores/lake/paths/"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return lp.build(tmp_path_factory.mktemp("conformance"))


@pytest.fixture(scope="module")
def exports(project: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    root = tmp_path_factory.mktemp("exports")
    made: dict[str, tuple[Path, list[lp.Expected]]] = {}

    def get(key: str) -> tuple[Path, list[lp.Expected]]:
        if key not in made:
            fmt, _, variant = key.partition("-")
            options: dict[str, Any] = {}
            if fmt == "yolo":
                options["task"] = variant
            if fmt == "voc":
                options["format_options"] = {"voc_coordinates": variant}
            if fmt == "azureml":
                options["task"] = variant
                options["format_options"] = {"image_url_prefix": AZURE_PREFIX + "ds"}
            _, expected = lp.export_to(project, fmt, root / key, **options)
            made[key] = (root / key, expected)
        return made[key]

    yield get


def _boxes(expected: lp.Expected) -> list[tuple[str, tuple[float, ...]]]:
    return [(name, lp.corners(g)) for name, _, g in expected.labels]


# --- pycocotools ----------------------------------------------------------------------------


def test_pycocotools_reads_coco_and_scores_it_1_against_itself(exports: Any) -> None:
    out, expected = exports("coco")
    for split in ("train", "val"):
        with contextlib.redirect_stdout(io.StringIO()):
            gt = COCO(str(out / "annotations" / f"instances_{split}.json"))
        images = {img["file_name"]: img for img in gt.loadImgs(gt.getImgIds())}
        wanted = {e.file.removeprefix(f"images/{split}/"): e for e in lp.files_in(expected, split)}
        assert sorted(images) == sorted(wanted)
        names = {c["id"]: c["name"] for c in gt.loadCats(gt.getCatIds())}
        for file_name, img in images.items():
            assert (out / "images" / split / file_name).is_file()
            e = wanted[file_name]
            assert (img["width"], img["height"]) == (e.width, e.height)
            anns = gt.loadAnns(gt.getAnnIds(imgIds=[img["id"]]))
            found = [
                (names[a["category_id"]], (a["bbox"][0], a["bbox"][1],
                 a["bbox"][0] + a["bbox"][2], a["bbox"][1] + a["bbox"][3]))
                for a in anns
            ]  # fmt: skip
            lp.assert_boxes_match(_boxes(e), found, 1e-9, f"coco {file_name}")
            # Every instance carries a segmentation, and its mask is where the shape is.
            for a in anns:
                assert a["segmentation"] and mask_utils.area(gt.annToRLE(a)) > 0
        for kind in ("bbox", "segm"):
            detections = [{**a, "score": 1.0} for a in gt.loadAnns(gt.getAnnIds())]
            with contextlib.redirect_stdout(io.StringIO()):
                dt = gt.loadRes(detections)
                evaluation = COCOeval(gt, dt, iouType=kind)
                evaluation.evaluate()
                evaluation.accumulate()
                evaluation.summarize()
            assert evaluation.stats[0] == pytest.approx(1.0), f"{split} {kind} mAP"


# --- supervision ----------------------------------------------------------------------------


def _supervision_boxes(seen: dict[str, Any]) -> dict[str, list[tuple[str, tuple[float, ...]]]]:
    by_image: dict[str, list[tuple[str, tuple[float, ...]]]] = {i: [] for i in seen["images"]}
    for image, name, *xyxy in seen["boxes"]:
        by_image[image].append((name, tuple(xyxy)))
    return by_image


@pytest.mark.parametrize("fmt", ["coco", "yolo-detect", "voc-devkit"])
def test_supervision_reads_each_export_as_written(exports: Any, fmt: str) -> None:
    out, expected = exports(fmt)
    for split in ("train", "val"):
        wanted = list(lp.files_in(expected, split))
        if fmt == "coco":
            args = ["coco", out / "images" / split, out / "annotations" / f"instances_{split}.json"]
            name_of = {e.file.removeprefix(f"images/{split}/"): e for e in wanted}
        elif fmt == "yolo-detect":
            args = ["yolo", out / "images" / split, out / "labels" / split, out / "data.yaml"]
            name_of = {e.file.removeprefix(f"images/{split}/"): e for e in wanted}
        else:  # supervision reads one VOC folder: all splits at once
            args = ["voc", out / "JPEGImages", out / "Annotations"]
            name_of = {e.file.removeprefix("JPEGImages/"): e for e in expected}
        seen = loaders.run("supervision", "read_with_supervision.py", *map(str, args))
        boxes = _supervision_boxes(seen)
        assert sorted(boxes) == sorted(name_of), f"{fmt} {split}: images"
        for file_name, e in name_of.items():
            # supervision keeps polygons of a COCO file as their boxes (no masks asked for).
            lp.assert_boxes_match(_boxes(e), boxes[file_name], TOLERANCE, f"{fmt} {file_name}")
        if fmt == "voc-devkit":
            break


# --- datumaro -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "datumaro_format"),
    # datumaro reads YOLO detection files only (it checks for five fields a row), and VOC values
    # as they stand: the continuous convention.
    [("coco", "coco_instances"), ("yolo-detect", "yolo"), ("voc-continuous", "voc_detection")],
)
def test_datumaro_reads_each_export_as_written(
    exports: Any, fmt: str, datumaro_format: str
) -> None:
    out, expected = exports(fmt)
    seen = loaders.run("datumaro", "read_with_datumaro.py", "read", datumaro_format, str(out))
    assert sorted(seen["labels"]) == sorted(lp.CLASSES)

    def item_id(e: lp.Expected) -> str:
        stem = e.file.rsplit(".", 1)[0]
        prefix = {"coco": f"images/{e.split}/", "voc-continuous": "JPEGImages/"}
        return stem.removeprefix(prefix.get(fmt, f"images/{e.split}/"))

    by_id = {(e.split, item_id(e)): e for e in expected}
    assert sorted((s, i) for s, i, _ in seen["items"]) == sorted(by_id)
    for split, item, size in seen["items"]:
        e = by_id[(split, item)]
        assert size == [e.height, e.width], f"{fmt} {item}: size"
    boxes: dict[tuple[str, str], list[tuple[str, tuple[float, ...]]]] = {k: [] for k in by_id}
    polygons: dict[tuple[str, str], list[tuple[str, list[float]]]] = {k: [] for k in by_id}
    for split, item, name, *xyxy in seen["boxes"]:
        boxes[(split, item)].append((name, tuple(xyxy)))
    for split, item, name, points in seen["polygons"]:
        polygons[(split, item)].append((name, points))
    # Every label has its box (a polygon's bounds in YOLO detect and VOC). From COCO datumaro
    # also reads each segmentation as a polygon: a box's is its outline.
    for key, e in by_id.items():
        want_boxes = [(n, lp.corners(g)) for n, _, g in e.labels]
        lp.assert_boxes_match(want_boxes, boxes[key], TOLERANCE, f"{fmt} {key}")
        if fmt != "coco":
            assert not polygons[key]
            continue
        want_polygons = [
            (n, g.flat() if isinstance(g, geo.Polygon) else _outline(g)) for n, _, g in e.labels
        ]
        assert sorted(n for n, _ in polygons[key]) == sorted(n for n, _ in want_polygons)
        for name, flat in want_polygons:
            candidates = [p for n, p in polygons[key] if n == name]
            assert any(_same_polygon(flat, p) for p in candidates), f"{fmt} {key} {name}"


def _outline(g: geo.Geometry) -> list[float]:
    x0, y0, x1, y1 = lp.corners(g)
    return [x0, y0, x1, y0, x1, y1, x0, y1]


def _same_polygon(a: list[float], b: list[float]) -> bool:
    try:
        lp.assert_polygon_matches(a, b, TOLERANCE)
    except AssertionError:
        return False
    return True


# --- Ultralytics ----------------------------------------------------------------------------


@pytest.mark.ultralytics
@pytest.mark.parametrize("task", ["detect", "segment"])
def test_ultralytics_checks_and_loads_each_yolo_export(exports: Any, task: str) -> None:
    out, expected = exports(f"yolo-{task}")
    seen = loaders.run("ultralytics", "read_with_ultralytics.py", str(out / "data.yaml"), task)
    names = [seen["names"][str(i)] for i in range(seen["nc"])]
    assert names == list(lp.CLASSES)
    for split in ("train", "val"):
        wanted = {(out / e.file).as_posix(): e for e in lp.files_in(expected, split)}
        rows = {Path(r["file"]).as_posix(): r for r in seen["splits"][split]}
        assert sorted(rows) == sorted(wanted), f"{task} {split}: images"
        for file, row in rows.items():
            e = wanted[file]
            assert row["shape"] == [e.height, e.width], f"{file}: size (EXIF applied)"
            found = [(names[c], tuple(xyxy)) for c, *xyxy in row["boxes"]]
            lp.assert_boxes_match(_boxes(e), found, TOLERANCE, f"ultralytics {task} {file}")
            if task == "segment":
                flat_found = [[v for p in seg for v in p] for seg in row["segments"]]
                for _, _, g in e.labels:
                    flat = g.flat() if isinstance(g, geo.Polygon) else _outline(g)
                    assert any(_same_polygon(flat, f) for f in flat_found), f"{file} polygon"


# --- labelme --------------------------------------------------------------------------------


def test_labelme_reads_every_file_with_its_own_label_file(exports: Any) -> None:
    out, expected = exports("labelme")
    seen = {r["file"]: r for r in loaders.run("labelme", "read_with_labelme.py", "read", out)}
    wanted = {e.file.rsplit(".", 1)[0] + ".json": e for e in expected}
    assert sorted(seen) == sorted(wanted)
    for file, row in seen.items():
        e = wanted[file]
        # labelme decodes the image (EXIF applied) and checks it against imageWidth/Height.
        assert row["size"] == [e.width, e.height]
        assert (out / file).parent.joinpath(row["image"]).resolve() == (out / e.file).resolve()
        shapes = sorted((s[0], s[1], [v for p in s[2] for v in p]) for s in row["shapes"])
        want = sorted(
            (n, "rectangle" if k is lp.BOX else "polygon", _labelme_points(g))
            for n, k, g in e.labels
        )
        assert [(n, k) for n, k, _ in shapes] == [(n, k) for n, k, _ in want]
        for (_, _, a), (_, _, b) in zip(want, shapes, strict=True):
            assert max(abs(x - y) for x, y in zip(a, b, strict=True)) <= 1e-9


def _labelme_points(g: geo.Geometry) -> list[float]:
    if isinstance(g, geo.Box):
        return [g.x, g.y, g.x1, g.y1]
    return g.flat()


# --- mltable --------------------------------------------------------------------------------


@pytest.mark.parametrize("task", ["detect", "segment"])
def test_mltable_resolves_every_image_url_and_label(exports: Any, task: str) -> None:
    out, expected = exports(f"azureml-{task}")
    seen = loaders.run("mltable", "read_with_mltable.py", out, "train", "val")
    for split in ("train", "val"):
        wanted = {
            "lake/ds/" + e.file: e for e in lp.files_in(expected, split)
        }  # datastore/path/images/...
        rows = seen[split]
        assert all(r["stream"] is not None for r in rows), "an image_url mltable cannot open"
        assert sorted(r["stream"] for r in rows) == sorted(wanted)
        for row in rows:
            e = wanted[row["stream"]]
            details = (
                json.loads(row["details"]) if isinstance(row["details"], str) else row["details"]
            )
            assert (details["width"], details["height"]) == (e.width, e.height)
            label = json.loads(row["label"]) if isinstance(row["label"], str) else row["label"]
            if task == "detect":
                found = [
                    (o["label"], (o["topX"] * e.width, o["topY"] * e.height,
                                  o["bottomX"] * e.width, o["bottomY"] * e.height))
                    for o in label
                ]  # fmt: skip
                lp.assert_boxes_match(_boxes(e), found, TOLERANCE, f"mltable {e.file}")
            else:
                assert sorted(o["label"] for o in label) == sorted(n for n, _, _ in e.labels)
                for o in label:
                    pts = o["polygon"][0]
                    pixels = [v * (e.width if i % 2 == 0 else e.height) for i, v in enumerate(pts)]
                    wants = [
                        g.flat() if isinstance(g, geo.Polygon) else _outline(g)
                        for n, _, g in e.labels
                        if n == o["label"]
                    ]
                    assert any(_same_polygon(w, pixels) for w in wants), f"{e.file} polygon"
