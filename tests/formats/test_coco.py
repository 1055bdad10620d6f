"""COCO: what pycocotools and an ML engineer's loader find in the export, and what an import takes."""

from __future__ import annotations

import contextlib
import io
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pytest
from pycocotools.coco import COCO

from labeler.domain import geometry as geo
from labeler.domain import status as status_mod
from labeler.formats import base, coco
from tests.formats.conftest import MakeImage

CLASSES = ("cat", "dog", "traffic: light")
S = status_mod.ImageStatus

# pycocotools' compiled mask decoder predates NumPy 2's copy keyword; NumPy warns on every decode.
pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
)


def _box(name: str, x: float, y: float, w: float, h: float, **attrs: Any) -> base.Label:
    return base.Label(name, geo.ShapeKind.BOX, geo.Box(x, y, w, h), attrs)


def _poly(name: str, *points: tuple[float, float], **attrs: Any) -> base.Label:
    return base.Label(name, geo.ShapeKind.POLYGON, geo.Polygon(points), attrs)


def _image(src: Path, rel: str, w: int = 64, h: int = 48) -> base.DatasetImage:
    return base.DatasetImage(key=rel, rel_path=rel, width=w, height=h, source=str(src))


def _samples(make_image: MakeImage) -> list[base.Sample]:
    a = make_image("src/a.jpg")
    b = make_image("src/sub/b.png", size=(30, 20))
    c = make_image("src/c.jpg")
    return [
        base.Sample(
            _image(a, "a.jpg"),
            (
                _box("cat", 1.5, 2.25, 10, 20.125),
                _poly("dog", (0, 0), (40, 0), (40, 30), (5, 30), crowd=True, color="brown"),
                base.Label("cat", geo.ShapeKind.TAG),
            ),
            "train",
        ),
        base.Sample(_image(b, "sub/b.png", 30, 20), (_box("traffic: light", 3, 4, 5, 6),), "val"),
        base.Sample(_image(c, "c.jpg"), (), "train"),  # done, nothing to label
    ]


def _write(out: Path, samples: list[base.Sample], **kw: Any) -> tuple[list[str], base.Report]:
    report = base.Report()
    options = base.WriteOptions(classes=CLASSES, **kw)
    assert coco.WRITER is not None
    return coco.WRITER.write(samples, out, options, report), report


def _load(path: Path) -> COCO:
    with contextlib.redirect_stdout(io.StringIO()):  # pycocotools prints progress
        return COCO(str(path))


def _comparable(samples: Any) -> dict[str, tuple[str, list[Any]]]:
    out = {}
    for s in samples:
        labels = []
        for lb in s.labels:
            g = lb.geometry
            geom = (
                tuple(round(v, 6) for v in (g.x, g.y, g.w, g.h))
                if isinstance(g, geo.Box)
                else tuple(g.points)
                if isinstance(g, geo.Polygon)
                else None
            )
            labels.append((lb.class_name, lb.kind.value, geom, sorted(lb.attributes.items())))
        out[s.image.rel_path] = (s.split, sorted(labels))
    return out


def test_pycocotools_loads_each_split_with_ids_from_one(
    make_image: MakeImage, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    written, _ = _write(out, _samples(make_image))

    assert sorted(written) == sorted(
        p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()
    )
    train, val = (
        _load(out / "annotations/instances_train.json"),
        _load(out / "annotations/instances_val.json"),
    )
    assert not (out / "annotations/instances_test.json").exists()  # no image fell there
    for ds in (train, val):
        assert [c["id"] for c in ds.loadCats(ds.getCatIds())] == [1, 2, 3]
        assert [c["name"] for c in ds.loadCats(ds.getCatIds())] == list(CLASSES)
        for img in ds.loadImgs(ds.getImgIds()):
            split = "train" if ds is train else "val"
            assert (out / "images" / split / img["file_name"]).is_file()
    image_ids = train.getImgIds() + val.getImgIds()
    ann_ids = train.getAnnIds() + val.getAnnIds()
    assert sorted(image_ids) == [1, 2, 3] and sorted(ann_ids) == [1, 2, 3]
    assert val.loadImgs(val.getImgIds())[0]["file_name"] == "sub/b.png"


def test_boxes_carry_their_outline_and_polygons_rasterize(
    make_image: MakeImage, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    _write(out, _samples(make_image))
    ds = _load(out / "annotations/instances_train.json")
    anns = {ds.loadCats(a["category_id"])[0]["name"]: a for a in ds.loadAnns(ds.getAnnIds())}

    box = anns["cat"]
    # Every instance has a segmentation (segm evaluation needs one): a box's is its outline.
    assert box["segmentation"] == [[1.5, 2.25, 11.5, 2.25, 11.5, 22.375, 1.5, 22.375]]
    assert box["bbox"] == [1.5, 2.25, 10, 20.125] and box["area"] == pytest.approx(201.25)
    assert box["iscrowd"] == 0

    poly = anns["dog"]
    assert poly["segmentation"] == [[0, 0, 40, 0, 40, 30, 5, 30]]
    assert poly["bbox"] == [0, 0, 40, 30]
    assert poly["area"] == pytest.approx((40 + 35) / 2 * 30)  # trapezoid, not its box
    assert poly["iscrowd"] == 1 and poly["attributes"] == {"color": "brown"}
    mask = ds.annToMask(poly)
    assert mask.shape == (48, 64)
    assert abs(int(mask.sum()) - poly["area"]) < 0.1 * poly["area"]
    assert mask[29, 39] == 1 and mask[29, 1] == 0 and mask[40, 10] == 0


def test_tags_are_reported_not_written(make_image: MakeImage, tmp_path: Path) -> None:
    _, report = _write(tmp_path / "out", _samples(make_image))
    assert report.counts() == {"tag_not_written": 1}
    assert report.entries[0][1] == "a.jpg label 2"


def test_round_trip_gives_back_the_same_labels(make_image: MakeImage, tmp_path: Path) -> None:
    samples = _samples(make_image)
    out = tmp_path / "out"
    _write(out, samples)

    result = coco.READER.read(out, base.Report())  # type: ignore[union-attr]

    assert result.classes == CLASSES
    expected = [
        base.Sample(
            s.image, tuple(lb for lb in s.labels if lb.kind is not geo.ShapeKind.TAG), s.split
        )
        for s in samples
    ]
    assert _comparable(result.samples) == _comparable(expected)
    back = {s.image.rel_path: s.image for s in result.samples}
    assert (back["sub/b.png"].width, back["sub/b.png"].height) == (30, 20)
    assert back["sub/b.png"].source == str((out / "images/val/sub/b.png").resolve())
    assert all(img.sha256 is None for img in back.values())


def test_boxes_past_the_edge_are_cut_and_reported(make_image: MakeImage, tmp_path: Path) -> None:
    src = make_image("a.jpg")
    sample = base.Sample(_image(src, "a.jpg"), (_box("cat", 50, 40, 30, 30),), "train")
    out = tmp_path / "out"
    _, report = _write(out, [sample])
    doc = orjson.loads((out / "annotations/instances_train.json").read_bytes())
    assert doc["annotations"][0]["bbox"] == [50, 40, 14, 8]
    assert report.counts() == {"clipped_to_image": 1}


def test_image_mode_none_writes_only_annotations(make_image: MakeImage, tmp_path: Path) -> None:
    out = tmp_path / "out"
    written, _ = _write(out, _samples(make_image), images=base.ImageMode.NONE)
    assert sorted(written) == ["annotations/instances_train.json", "annotations/instances_val.json"]
    assert not (out / "images").exists()


# --------------------------------------------------------------------------- malformed input


def _coco_file(tmp_path: Path, **changes: Any) -> Path:
    doc: dict[str, Any] = {
        "images": [{"id": 1, "file_name": "a.jpg", "width": 10, "height": 8}],
        "categories": [{"id": 3, "name": "cat"}],
        "annotations": [{"id": 1, "image_id": 1, "category_id": 3, "bbox": [1, 1, 4, 4]}],
    }
    doc.update(changes)
    path = tmp_path / "instances_train.json"
    path.write_bytes(orjson.dumps(doc))
    return path


def _ann(**fields: Any) -> list[dict[str, Any]]:
    return [{"id": 1, "image_id": 1, "category_id": 3, **fields}]


@pytest.mark.parametrize(
    ("changes", "where", "message"),
    [
        (
            {"annotations": _ann(bbox=[1, 1, 4, 4], category_id=9)},
            "annotations[0]",
            "category_id 9 is not in categories",
        ),
        (
            {"annotations": _ann(bbox=[1, 1, 4, 4], image_id=2)},
            "annotations[0]",
            "image_id 2 is not in images",
        ),
        (
            {"annotations": _ann(segmentation=[[1, 1, 5, 1, 5]])},
            "annotations[0].segmentation[0]",
            "odd number of polygon values (5)",
        ),
        (
            {"annotations": _ann(segmentation=[[1, 1, 5, 1]])},
            "annotations[0].segmentation[0]",
            "at least 3 points",
        ),
        (
            {"annotations": _ann(segmentation=[[1, 1, "x", 1, 5, 5]])},
            "annotations[0].segmentation[0]",
            "flat list of numbers",
        ),
        ({"annotations": _ann(bbox=[6, 6, 8, 8])}, "annotations[0].bbox", "outside the 10×8 image"),
        ({"annotations": _ann(bbox=[1, 1, -4, 4])}, "annotations[0].bbox", "negative size"),
        (
            {"annotations": _ann(segmentation=[[1, 1, 30, 1, 5, 5]])},
            "annotations[0].segmentation[0]",
            "outside",
        ),
        (
            {"images": [{"id": 1, "file_name": "a.jpg", "width": 0, "height": 8}]},
            "images[0]",
            "positive integers",
        ),
        (
            {"images": [{"id": 1, "file_name": "a.jpg", "width": 1, "height": 8}] * 2},
            "images[1]",
            "used twice",
        ),
        ({"categories": [{"id": 3}]}, "categories[0]", "integer id and a name"),
        ({"images": None}, "images", "missing or not a list"),
    ],
)
def test_malformed_files_name_the_place(
    tmp_path: Path, changes: dict[str, Any], where: str, message: str
) -> None:
    path = _coco_file(tmp_path, **changes)
    with pytest.raises(base.FormatError) as err:
        coco.READER.read(path, base.Report())  # type: ignore[union-attr]
    assert err.value.path == str(path)
    assert err.value.where == where
    assert message in err.value.reason


def test_bad_json_gives_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "instances_val.json"
    path.write_text('{\n  "images": [],\n  "annotations": [,]\n}\n')
    with pytest.raises(base.FormatError, match="not valid JSON") as err:
        coco.READER.read(path, base.Report())  # type: ignore[union-attr]
    assert err.value.where == "line 3, column 19"


def test_a_valid_file_reads_with_its_own_category_ids(tmp_path: Path) -> None:
    path = _coco_file(tmp_path)
    result = coco.READER.read(path, base.Report())  # type: ignore[union-attr]
    assert result.classes == ("cat",)
    (sample,) = result.samples
    assert sample.split == "train" and sample.image.source is None
    assert sample.labels == (_box("cat", 1, 1, 4, 4),)


def test_an_empty_folder_is_not_a_dataset(tmp_path: Path) -> None:
    with pytest.raises(base.FormatError, match="no COCO files"):
        coco.READER.read(tmp_path, base.Report())  # type: ignore[union-attr]


# --------------------------------------------------------------------------- third-party samples


def _counts(result: base.ReadResult) -> Counter[tuple[str, str, str]]:
    return Counter(
        (s.split, lb.class_name, lb.kind.value) for s in result.samples for lb in s.labels
    )


@pytest.mark.parametrize("folder", ["coco_instances", "mmdet_coco", "coco_roboflow"])
def test_datumaro_instances_and_their_variants(conformance_dir: Path, folder: str) -> None:
    report = base.Report()
    result = coco.READER.read(conformance_dir / "datumaro/coco_dataset" / folder, report)  # type: ignore[union-attr]

    # Category ids 1, 2, 4 (not contiguous) become classes in id order.
    assert result.classes == ("a", "b", "c")
    assert _counts(result) == {("train", "b", "box"): 1, ("val", "a", "polygon"): 1}
    # The crowd object is an RLE mask: reported by name, not imported, and the image that lost
    # it needs review rather than passing as complete.
    assert report.counts() == {"rle_mask": 1}
    statuses = {s.image.rel_path: s.image.status for s in result.samples}
    assert statuses == {"a.jpg": S.DONE, "b.jpg": S.NEEDS_REVIEW}
    sizes = {s.image.rel_path: (s.image.width, s.image.height) for s in result.samples}
    assert sizes == {"a.jpg": (10, 5), "b.jpg": (5, 10)}
    assert all(s.image.source and Path(s.image.source).is_file() for s in result.samples)
    polygon = next(
        lb for s in result.samples for lb in s.labels if lb.kind is geo.ShapeKind.POLYGON
    )
    assert polygon.attributes == {"x": 1, "y": "hello"}


def test_roboflow_export_with_zero_annotation_id_and_crowd_box(conformance_dir: Path) -> None:
    report = base.Report()
    result = coco.READER.read(conformance_dir / "datumaro/roboflow_dataset/coco", report)  # type: ignore[union-attr]
    assert result.classes == ("label_0", "label_1")
    assert _counts(result) == {
        ("train", "label_0", "box"): 1,
        ("train", "label_1", "box"): 1,
        ("val", "label_0", "box"): 1,
        ("val", "label_1", "box"): 1,
    }
    crowd = [lb for s in result.samples for lb in s.labels if lb.attributes.get("crowd")]
    assert len(crowd) == 1 and crowd[0].class_name == "label_1"
    assert not report


def test_full_coco_folder_reports_what_labeler_does_not_take(conformance_dir: Path) -> None:
    report = base.Report()
    result = coco.READER.read(conformance_dir / "datumaro/coco_dataset/coco", report)  # type: ignore[union-attr]
    # instances + image labels (tags) are imported, merged per image
    assert _counts(result) == {
        ("train", "b", "box"): 1,
        ("train", "b", "tag"): 1,
        ("val", "a", "polygon"): 1,
        ("val", "a", "tag"): 1,
        ("val", "b", "tag"): 1,
    }
    assert len(result.samples) == 2
    assert report.counts() == {
        "coco_captions": 3,
        "coco_image_info": 2,
        "coco_keypoints": 3,
        "coco_panoptic": 3,
        "rle_mask": 3,  # one crowd instance, two stuff masks
    }


@pytest.mark.parametrize(
    ("folder", "code", "count"),
    [
        ("coco_captions", "coco_captions", 3),
        ("coco_person_keypoints", "coco_keypoints", 3),
        ("coco_panoptic", "coco_panoptic", 3),
    ],
)
def test_annotations_labeler_cannot_take_are_reported_by_name(
    conformance_dir: Path, folder: str, code: str, count: int
) -> None:
    report = base.Report()
    result = coco.READER.read(conformance_dir / "datumaro/coco_dataset" / folder, report)  # type: ignore[union-attr]
    assert result.samples == ()
    assert report.counts() == {code: count}


def test_masks_match_what_pycocotools_draws_for_a_triangle(
    make_image: MakeImage, tmp_path: Path
) -> None:
    src = make_image("t.png", size=(20, 20))
    sample = base.Sample(
        _image(src, "t.png", 20, 20), (_poly("cat", (0, 0), (20, 0), (0, 20)),), "test"
    )
    out = tmp_path / "out"
    _write(out, [sample])
    ds = _load(out / "annotations/instances_test.json")
    mask = ds.annToMask(ds.loadAnns(ds.getAnnIds())[0])
    assert mask[0, 0] == 1 and mask[19, 19] == 0
    assert np.count_nonzero(mask) == pytest.approx(200, rel=0.15)


def test_a_plain_polygon_is_written_as_one_with_attributes_is(tmp_path: Path) -> None:
    points = ((3, 4), (40, 6), (35, 30), (8, 25))
    image = base.DatasetImage(key="k", rel_path="p.jpg", width=64, height=48)
    plain = base.Sample(image, (_poly("dog", *points), _poly("cat", *points, crowd=False)))
    _write(tmp_path / "out", [plain], images=base.ImageMode.NONE)
    doc = orjson.loads((tmp_path / "out/annotations/instances_train.json").read_bytes())
    first, second = doc["annotations"]
    assert first["segmentation"] == [[3, 4, 40, 6, 35, 30, 8, 25]]
    assert first["bbox"] == [3, 4, 37, 26] and first["area"] == pytest.approx(
        geo.Polygon(points).area
    )
    same = {k: v for k, v in second.items() if k not in ("id", "category_id")}
    assert same == {k: v for k, v in first.items() if k not in ("id", "category_id")}
    assert list(first) == [
        "id",
        "image_id",
        "category_id",
        "bbox",
        "area",
        "segmentation",
        "iscrowd",
    ]
