"""Rotated boxes in every format: exact in YOLO-OBB and DOTA, approximated (and counted) elsewhere."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import orjson
import pytest
import yaml

from labeler.domain import geometry as geo
from labeler.domain import status as status_mod
from labeler.formats import base, dota, export, registry
from tests.formats.conftest import MakeImage

K = geo.ShapeKind
CLASSES = ("ship", "small vehicle", "plane")
#: A 40 × 10 ship turned 30°, well inside a 200 × 100 image.
SHIP = geo.RotatedBox(100, 50, 40, 10, 30)


def _image(
    src: Path | None, rel: str = "harbour.jpg", w: int = 200, h: int = 100
) -> base.DatasetImage:
    return base.DatasetImage(
        key=rel, rel_path=rel, width=w, height=h, source=str(src) if src else None
    )


def _rotated(name: str, box: geo.RotatedBox = SHIP, **attributes: Any) -> base.Label:
    return base.Label(name, K.ROTATED_BOX, box, attributes)


def _export(samples: list[base.Sample], out: Path, fmt: str, **options: Any) -> export.ExportResult:
    options.setdefault("images", base.ImageMode.NONE)
    options.setdefault("ratios", (1.0,))
    if fmt == "azureml":  # Azure ML needs to know where the images will be
        options.setdefault("format_options", {"image_url_prefix": "file:///data/images/"})
    return export.export_dataset(
        samples,
        format=fmt,
        out=out,
        options=export.ExportOptions(**options),
        project_classes=CLASSES,
    )


def _numbers(line: str) -> list[float]:
    return [float(v) for v in line.split()[1:9]]


def test_every_format_says_what_each_kind_becomes() -> None:
    for fmt in registry.FORMATS:
        # One row per task (or one for a format without tasks), each kind described in words.
        assert set(fmt.written_as) == (set(fmt.tasks) or {None}), fmt.name
        assert {k for row in fmt.written_as.values() for k in row} <= set(fmt.kinds), fmt.name
        for task, row in fmt.written_as.items():
            for kind, target in row.items():
                # A kind is written as itself or as a kind the format writes exactly.
                assert target is kind or row.get(target) is target, (fmt.name, task, kind)


def test_yolo_obb_writes_the_four_corners_normalised(tmp_path: Path) -> None:
    box = geo.Box(20, 10, 40, 20)
    sample = base.Sample(
        _image(None), (_rotated("ship"), base.Label("plane", K.BOX, box), base.Label("ship", K.TAG))
    )
    result = _export([sample], tmp_path / "obb", "yolo", task="obb")
    rows = (tmp_path / "obb/labels/train/harbour.txt").read_text().splitlines()
    assert len(rows) == 2 and rows[0].split()[0] == "0" and rows[1].split()[0] == "2"
    corners = [(x * 200, y * 100) for x, y in zip(*[iter(_numbers(rows[0]))] * 2, strict=True)]
    for got, want in zip(corners, SHIP.corners(), strict=True):
        assert got == pytest.approx(want, abs=1e-3)
    assert _numbers(rows[1]) == pytest.approx([0.1, 0.1, 0.3, 0.1, 0.3, 0.3, 0.1, 0.3])
    assert result.report.counts() == {"box_as_rotated_box": 1, "tag_not_written": 1}
    manifest = orjson.loads((tmp_path / "obb/manifest.json").read_bytes())
    assert manifest["options"]["task"] == "obb"
    assert manifest["counts"]["written_as_another_kind"] == {"box_as_rotated_box": 1}
    doc = yaml.safe_load((tmp_path / "obb/data.yaml").read_text())
    assert doc["names"] == {0: "ship", 1: "small vehicle", 2: "plane"}


def test_a_project_of_rotated_boxes_exports_obb_unless_told_otherwise(tmp_path: Path) -> None:
    samples = [
        base.Sample(
            _image(None), (_rotated("ship"), base.Label("plane", K.BOX, geo.Box(1, 1, 5, 5)))
        )
    ]
    assert _export(samples, tmp_path / "auto", "yolo").task == "obb"
    polygons = [
        base.Sample(_image(None), (base.Label("ship", K.POLYGON, geo.Polygon(SHIP.corners())),))
    ]
    assert _export(polygons, tmp_path / "seg", "yolo").task == "segment"
    mixed = [base.Sample(_image(None), (base.Label("plane", K.BOX, geo.Box(1, 1, 5, 5)),
                                         base.Label("ship", K.POLYGON, geo.Polygon(SHIP.corners()))))]  # fmt: skip
    assert _export(mixed, tmp_path / "det", "yolo").task == "detect"


@pytest.mark.parametrize(
    ("fmt", "task", "code"),
    [
        ("yolo", "detect", "rotated_box_as_box"),
        ("yolo", "segment", "rotated_box_as_polygon"),
        ("coco", None, "rotated_box_as_polygon"),
        ("voc", None, "rotated_box_as_box"),
        ("labelme", None, "rotated_box_as_polygon"),
        ("createml", None, "rotated_box_as_box"),
        ("azureml", "detect", "rotated_box_as_box"),
        ("azureml", "segment", "rotated_box_as_polygon"),
    ],
)
def test_formats_without_rotated_boxes_write_the_box_or_polygon_and_count_it(
    tmp_path: Path, make_image: MakeImage, fmt: str, task: str | None, code: str
) -> None:
    src = make_image("harbour.jpg", size=(200, 100))
    samples = [
        base.Sample(
            _image(src), (_rotated("ship"), _rotated("plane", geo.RotatedBox(30, 30, 10, 10, 0)))
        )
    ]
    result = _export(samples, tmp_path / fmt, fmt, task=task, images=base.ImageMode.COPY)
    assert result.report.counts() == {code: 2}
    manifest = orjson.loads((tmp_path / fmt / "manifest.json").read_bytes())
    assert manifest["counts"]["written_as_another_kind"] == {code: 2}
    assert manifest["report"]["counts"][code] == 2
    # Each entry says whether the shape was kept (corners) or grown (the box around it).
    messages = {m for c, _, m in result.report.entries}
    target = "polygon" if code.endswith("polygon") else "box"
    assert messages == (
        {"rotated box written as the same polygon"}
        if target == "polygon"
        else {"rotated box written as the box around it", "rotated box written as the same box"}
    )


def test_coco_holds_a_rotated_box_as_its_corner_polygon_with_the_box_around_it(
    tmp_path: Path,
) -> None:
    _export([base.Sample(_image(None), (_rotated("ship"),))], tmp_path / "coco", "coco")
    doc = json.loads((tmp_path / "coco/annotations/instances_train.json").read_text())
    (ann,) = doc["annotations"]
    flat = [c for p in SHIP.corners() for c in p]
    assert ann["segmentation"] == [pytest.approx(flat)]
    assert ann["bbox"] == pytest.approx(list(SHIP.bounds.coords()))
    assert ann["area"] == pytest.approx(SHIP.area)


def test_dota_writes_pixel_corners_class_and_difficult(
    tmp_path: Path, make_image: MakeImage
) -> None:
    src = make_image("in/sub/harbour.png", size=(200, 100))
    box = geo.Box(10, 20, 30, 40)
    labels = (
        _rotated("ship"),
        _rotated("small vehicle", geo.RotatedBox(150, 50, 12, 6, -45), difficult=True),
        base.Label("plane", K.BOX, box),
        base.Label("plane", K.TAG),
        base.Label("plane", K.POLYGON, geo.Polygon(((0, 0), (20, 0), (0, 20)))),
    )
    sample = base.Sample(_image(src, "sub/harbour.png"), labels)
    result = _export([sample], tmp_path / "dota", "dota", images=base.ImageMode.COPY)
    # Flat folders: the image keeps its own name (no other image of the split has it).
    assert (tmp_path / "dota/train/images/harbour.png").is_file()
    lines = (tmp_path / "dota/train/labelTxt/harbour.txt").read_text().splitlines()
    assert [ln.split()[8:] for ln in lines] == [
        ["ship", "0"], ["small-vehicle", "1"], ["plane", "0"], ["plane", "0"],
    ]  # fmt: skip
    first = [float(v) for v in lines[0].split()[:8]]
    assert first == pytest.approx([c for p in SHIP.corners() for c in p], abs=1e-3)
    assert lines[2].split()[:8] == ["10", "20", "40", "20", "40", "60", "10", "60"]
    assert result.report.counts() == {
        "renamed_class": 1, "box_as_rotated_box": 1, "polygon_as_rotated_box": 1, "tag_not_written": 1,
    }  # fmt: skip


def test_dota_export_reads_back_as_the_same_rotated_boxes(
    tmp_path: Path, make_image: MakeImage
) -> None:
    src = make_image("harbour.jpg", size=(200, 100))
    boxes = [SHIP, geo.RotatedBox(150, 50, 12, 6, -45), geo.RotatedBox(40, 40, 20, 8, 170)]
    labels = tuple(_rotated("ship", b, difficult=(i == 1)) for i, b in enumerate(boxes))
    _export(
        [base.Sample(_image(src), labels)], tmp_path / "dota", "dota", images=base.ImageMode.COPY
    )
    report = base.Report()
    back = registry.reader("dota").read(tmp_path / "dota", report)
    assert back.classes == ("ship",) and not report
    (sample,) = back.samples
    assert sample.image.rel_path == "harbour.jpg" and (sample.image.width, sample.image.height) == (
        200,
        100,
    )
    for label, want in zip(sample.labels, boxes, strict=True):
        got = label.geometry
        assert isinstance(got, geo.RotatedBox)
        assert got.coords() == pytest.approx(want.coords(), abs=2e-3)
    assert [lb.attributes for lb in sample.labels] == [{}, {"difficult": True}, {}]


def test_the_dota_reader_takes_the_devkits_files(tmp_path: Path, make_image: MakeImage) -> None:
    make_image("DOTA/images/P0706.png", size=(1200, 1200))
    (tmp_path / "DOTA/labelTxt").mkdir(parents=True)
    (tmp_path / "DOTA/labelTxt/P0706.txt").write_text(
        "imagesource:GoogleEarth\ngsd:0.255589285596\n"
        "807 331 800 324 817 309 823 316 ship 0\n"
        "1054 1028 1063 1011 1111 1040 1112 1062 ship 1\n"
        "478 214 488 202 908 628 895 640 harbor 0\n"
    )
    report = base.Report()
    result = dota.DotaReader().read(tmp_path / "DOTA", report)
    assert result.classes == ("harbor", "ship")
    (sample,) = result.samples
    assert [lb.class_name for lb in sample.labels] == ["ship", "ship", "harbor"]
    assert all(lb.kind is K.ROTATED_BOX for lb in sample.labels)
    # Hand-drawn integer corners are seldom exact rectangles: the larger ones are reported.
    assert set(report.counts()) <= {"quadrilateral_as_rotated_box"}
    ship = sample.labels[0].geometry
    assert isinstance(ship, geo.RotatedBox) and math.isclose(ship.cx, 811.75)
    with pytest.raises(base.FormatError, match="line 1"):
        (tmp_path / "DOTA/labelTxt/P0706.txt").write_text("1 2 3 4 ship\n")
        dota.DotaReader().read(tmp_path / "DOTA", base.Report())


def test_yolo_obb_exports_read_back_as_rotated_boxes(tmp_path: Path, make_image: MakeImage) -> None:
    src = make_image("harbour.jpg", size=(200, 100))
    boxes = [SHIP, geo.RotatedBox(150, 50, 12, 6, -45)]
    labels = tuple(_rotated("ship", b) for b in boxes)
    _export(
        [base.Sample(_image(src), labels)],
        tmp_path / "obb",
        "yolo",
        task="obb",
        images=base.ImageMode.COPY,
    )
    report = base.Report()
    back = registry.reader("yolo").read(tmp_path / "obb", report)
    (sample,) = back.samples
    # With no val split, data.yaml's val names the train images (said once, nothing else).
    assert report.counts() == {"split_repeated": 1}
    assert sample.image.status is status_mod.ImageStatus.DONE
    for label, want in zip(sample.labels, boxes, strict=True):
        assert label.kind is K.ROTATED_BOX and isinstance(label.geometry, geo.RotatedBox)
        # Six decimals of a normalised coordinate: well under a hundredth of a pixel here.
        assert sum(label.geometry.corners(), ()) == pytest.approx(sum(want.corners(), ()), abs=1e-3)


@pytest.mark.parametrize(
    ("folder", "expected"),
    [
        ("cvat-datumaro/yolo_dataset/yolov8_oriented_boxes", {("label_2",): 1, ("label_4",): 1}),
        ("datumaro/roboflow_dataset/yolo_obb", {("label_0",): 2, ("label_1",): 2}),
    ],
)
def test_third_party_oriented_box_datasets_import_as_rotated_boxes(
    conformance_dir: Path, folder: str, expected: dict[tuple[str], int]
) -> None:
    report = base.Report()
    result = registry.reader("yolo").read(conformance_dir / folder, report)
    found: dict[tuple[str], int] = {}
    for sample in result.samples:
        assert sample.image.status is status_mod.ImageStatus.DONE
        for label in sample.labels:
            assert label.kind is K.ROTATED_BOX
            found[(label.class_name,)] = found.get((label.class_name,), 0) + 1
    assert found == expected
    assert "oriented_box" not in report.counts()
