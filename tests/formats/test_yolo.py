"""YOLO (Ultralytics): what a trainer finds in the export, and what an import takes."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from labeler.domain import geometry as geo
from labeler.domain import status as status_mod
from labeler.formats import base, yolo, yolo_read
from tests.formats.conftest import MakeImage

CLASSES = ("cat", "dog", "bird")


def _box(name: str, x: float, y: float, w: float, h: float) -> base.Label:
    return base.Label(name, geo.ShapeKind.BOX, geo.Box(x, y, w, h))


def _poly(name: str, *points: tuple[float, float]) -> base.Label:
    return base.Label(name, geo.ShapeKind.POLYGON, geo.Polygon(points))


def _tag(name: str) -> base.Label:
    return base.Label(name, geo.ShapeKind.TAG)


def _image(src: Path, rel: str, w: int = 64, h: int = 48) -> base.DatasetImage:
    return base.DatasetImage(key=rel, rel_path=rel, width=w, height=h, source=str(src))


def _write(
    out: Path, samples: list[base.Sample], classes: tuple[str, ...] = CLASSES, **kw: Any
) -> tuple[list[str], base.Report]:
    report = base.Report()
    assert yolo.WRITER is not None
    written = yolo.WRITER.write(samples, out, base.WriteOptions(classes=classes, **kw), report)
    assert sorted(written) == sorted(
        p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()
    )
    return written, report


def _read(path: Path, report: base.Report | None = None) -> base.ReadResult:
    assert yolo.READER is not None
    return yolo.READER.read(path, report if report is not None else base.Report())


def check_ultralytics_rules(
    data_yaml: Path, required: tuple[str, ...] = ("train", "val")
) -> dict[str, Any]:
    """The checks Ultralytics makes before training, on a dataset labeler wrote."""
    doc = yaml.safe_load(data_yaml.read_text(encoding="utf-8"))
    names = doc["names"]
    assert sorted(names) == list(range(len(names)))  # ids 0..n-1
    root = Path(doc["path"])
    assert root.is_absolute() and root.is_dir()
    for split in required:
        assert split in doc, f"{split} missing from data.yaml"
    for split in ("train", "val", "test"):
        if split not in doc:
            continue
        images = [p for p in (root / doc[split]).rglob("*") if p.is_file()]
        assert images
        for image in images:
            label = Path(yolo_read.label_path(image))
            assert label.is_file(), f"no label beside {image}"
            for line in label.read_text().splitlines():
                cls, *values = line.split()
                assert 0 <= int(cls) < len(names)
                assert all(0.0 <= float(v) <= 1.0 for v in values)
    return dict(doc)


def _samples(make_image: MakeImage) -> list[base.Sample]:
    a = make_image("src/a.jpg")
    b = make_image("src/sub/b.png", size=(30, 20))
    c = make_image("src/c.jpg")
    return [
        base.Sample(
            _image(a, "a.jpg"), (_box("cat", 8, 6, 16, 12), _box("bird", 0, 0, 64, 48)), "train"
        ),
        base.Sample(_image(b, "sub/b.png", 30, 20), (_box("dog", 3, 4, 6, 8),), "val"),
        base.Sample(_image(c, "c.jpg"), (), "train"),
    ]


def _comparable(samples: Any, digits: int = 3) -> dict[str, tuple[str, list[Any]]]:
    out = {}
    for s in samples:
        labels = []
        for lb in s.labels:
            g = lb.geometry
            if isinstance(g, geo.Box):
                geom: Any = tuple(round(v, digits) for v in (g.x, g.y, g.w, g.h))
            elif isinstance(g, geo.Polygon):
                geom = tuple((round(x, digits), round(y, digits)) for x, y in g.points)
            else:
                geom = None
            labels.append((lb.class_name, lb.kind.value, geom))
        out[Path(s.image.rel_path).name] = (s.split, sorted(labels))
    return out


def test_detect_export_follows_ultralytics_rules(make_image: MakeImage, tmp_path: Path) -> None:
    out = tmp_path / "out"
    _, report = _write(out, _samples(make_image), task="detect")
    assert not report

    doc = check_ultralytics_rules(out / "data.yaml")
    assert doc["names"] == {0: "cat", 1: "dog", 2: "bird"}
    assert doc["train"] == "images/train" and doc["val"] == "images/val" and "test" not in doc
    assert (
        (out / "labels/train/a.txt").read_text()
        == "0 0.250000 0.250000 0.250000 0.250000\n2 0.500000 0.500000 1.000000 1.000000\n"
    )
    # Flat folders, as Ultralytics, supervision and datumaro read them: sub/ is not kept.
    assert (out / "labels/val/b.txt").read_text() == "1 0.200000 0.400000 0.200000 0.400000\n"
    assert (out / "images/val/b.png").is_file()
    # A finished image with no objects gets an empty label file: a deliberate "nothing here".
    assert (out / "labels/train/c.txt").read_text() == ""


def test_detect_round_trip(make_image: MakeImage, tmp_path: Path) -> None:
    samples = _samples(make_image)
    out = tmp_path / "out"
    _write(out, samples, task="detect")
    result = _read(out)
    assert result.classes == CLASSES
    assert _comparable(result.samples) == _comparable(samples)
    sizes = {s.image.rel_path: (s.image.width, s.image.height) for s in result.samples}
    assert sizes == {"a.jpg": (64, 48), "b.png": (30, 20), "c.jpg": (64, 48)}


def test_polygons_become_boxes_for_detect_and_it_is_reported(
    make_image: MakeImage, tmp_path: Path
) -> None:
    src = make_image("a.jpg")
    sample = base.Sample(
        _image(src, "a.jpg"), (_poly("dog", (8, 6), (24, 6), (16, 18)), _tag("cat")), "train"
    )
    out = tmp_path / "out"
    _, report = _write(out, [sample], task="detect")
    assert (out / "labels/train/a.txt").read_text() == "1 0.250000 0.250000 0.250000 0.250000\n"
    assert report.counts() == {"polygon_as_box": 1, "tag_not_written": 1}
    assert report.entries[0][1] == "a.jpg label 0"


def test_segment_writes_only_polygons_and_reports_boxes(
    make_image: MakeImage, tmp_path: Path
) -> None:
    src = make_image("a.jpg")
    samples = [
        base.Sample(
            _image(src, "a.jpg"),
            (_poly("dog", (8, 6), (24, 6), (16, 18)), _box("cat", 0, 0, 32, 24)),
            "train",
        ),
    ]
    out = tmp_path / "out"
    _, report = _write(out, samples, task="segment")
    rows = (out / "labels/train/a.txt").read_text().splitlines()
    assert rows == [
        "1 0.125000 0.125000 0.375000 0.125000 0.250000 0.375000",
        "0 0.000000 0.000000 0.500000 0.000000 0.500000 0.500000 0.000000 0.500000",
    ]
    assert report.counts() == {"box_as_polygon": 1}
    back = _read(out)
    assert [lb.kind for lb in back.samples[0].labels] == [geo.ShapeKind.POLYGON] * 2
    assert back.samples[0].labels[0].geometry == geo.Polygon(((8, 6), (24, 6), (16, 18)))


def test_default_task_follows_the_labels() -> None:
    img = base.DatasetImage(key="k", rel_path="a.jpg", width=1, height=1)
    poly = _poly("dog", (0, 0), (1, 0), (1, 1))
    assert yolo.default_task([base.Sample(img, (_tag("cat"),))]) == "classify"
    assert yolo.default_task([base.Sample(img, (poly,))]) == "segment"
    assert yolo.default_task([base.Sample(img, (poly, _box("cat", 0, 0, 1, 1)))]) == "detect"
    assert yolo.default_task([base.Sample(img, ())]) == "detect"


@pytest.mark.parametrize(
    "name",
    [
        "traffic: light",
        'say "hi"',
        "it's",
        "naïve 猫 🐱",
        "- dash",
        "#hash",
        "yes",
        "1.5",
        "back\\slash",
        "tab\there",
    ],
)
def test_names_survive_yaml(make_image: MakeImage, tmp_path: Path, name: str) -> None:
    src = make_image("a.jpg")
    out = tmp_path / "out"
    _write(
        out,
        [base.Sample(_image(src, "a.jpg"), (_box(name, 1, 1, 2, 2),), "train")],
        classes=("cat", name),
    )
    assert yaml.safe_load((out / "data.yaml").read_text(encoding="utf-8"))["names"] == {
        0: "cat",
        1: name,
    }
    assert _read(out).classes == ("cat", name)


def test_yaml_string_escapes_line_breaks_and_controls() -> None:
    text = "a\nb\u2028c\x00d\ufeff"
    assert yaml.safe_load(yolo.yaml_string(text)) == text
    assert "\n" not in yolo.yaml_string(text)


def test_label_files_never_collide(make_image: MakeImage, tmp_path: Path) -> None:
    a_jpg, a_png = make_image("a.jpg"), make_image("a.png")
    nested = make_image("images/x.jpg")
    samples = [
        base.Sample(_image(a_jpg, "a.jpg"), (_box("cat", 0, 0, 8, 8),), "train"),
        base.Sample(_image(a_png, "a.png"), (_box("dog", 0, 0, 8, 8),), "train"),
        base.Sample(_image(nested, "images/x.jpg"), (_box("bird", 0, 0, 8, 8),), "train"),
    ]
    out = tmp_path / "out"
    _, report = _write(out, samples, task="detect")
    assert report.counts() == {"renamed_image": 1}
    check_ultralytics_rules(out / "data.yaml", required=("train",))
    back = {
        Path(s.image.rel_path).name: [lb.class_name for lb in s.labels] for s in _read(out).samples
    }
    assert back == {"a.jpg": ["cat"], "a_2.png": ["dog"], "x.jpg": ["bird"]}


def test_same_name_in_two_folders_is_written_flat_under_unique_names(
    make_image: MakeImage, tmp_path: Path
) -> None:
    one, two = make_image("batch0/x.jpg"), make_image("batch1/X.jpg", size=(30, 20))
    alone = make_image("batch1/y.jpg")
    samples = [
        base.Sample(_image(one, "batch0/x.jpg"), (_box("cat", 0, 0, 8, 8),), "train"),
        base.Sample(_image(two, "batch1/X.jpg", 30, 20), (_box("dog", 0, 0, 8, 8),), "train"),
        base.Sample(_image(alone, "batch1/y.jpg"), (), "train"),
    ]
    out = tmp_path / "out"
    _, report = _write(out, samples, task="detect")

    assert sorted(p.name for p in (out / "images/train").iterdir()) == [
        "batch0__x.jpg",
        "batch1__X.jpg",
        "y.jpg",
    ]
    assert sorted(p.name for p in (out / "labels/train").iterdir()) == [
        "batch0__x.txt",
        "batch1__X.txt",
        "y.txt",
    ]
    assert report.counts() == {"renamed_image": 2}
    assert report.image_files == {
        "batch0/x.jpg": "images/train/batch0__x.jpg",
        "batch1/X.jpg": "images/train/batch1__X.jpg",
        "batch1/y.jpg": "images/train/y.jpg",
    }


def test_data_yaml_names_val_even_when_no_image_fell_into_it(
    make_image: MakeImage, tmp_path: Path
) -> None:
    a = make_image("a.jpg")
    out = tmp_path / "out"
    _write(out, [base.Sample(_image(a, "a.jpg"), (_box("cat", 0, 0, 8, 8),), "train")])

    doc = check_ultralytics_rules(out / "data.yaml")  # Ultralytics requires train and val
    assert doc["val"] == "images/train"
    assert "no image fell into val" in (out / "data.yaml").read_text()


def test_classification_layout(make_image: MakeImage, tmp_path: Path) -> None:
    srcs = [make_image(f"{n}.jpg") for n in "abcd"]
    samples = [
        base.Sample(_image(srcs[0], "a.jpg"), (_tag("dog"),), "train"),
        base.Sample(_image(srcs[1], "b.jpg"), (_tag("cat"), _box("cat", 0, 0, 1, 1)), "val"),
        base.Sample(_image(srcs[2], "c.jpg"), (_tag("cat"), _tag("dog")), "train"),
        base.Sample(_image(srcs[3], "d.jpg"), (), "train"),
    ]
    out = tmp_path / "out"
    written, report = _write(out, samples, task="classify")
    assert sorted(written) == ["train/dog/a.jpg", "val/cat/b.jpg"]
    # Every class folder exists in every split, so sorted-folder ids agree between splits.
    for split in ("train", "val"):
        assert sorted(p.name for p in (out / split).iterdir()) == ["bird", "cat", "dog"]
    assert report.counts() == {"object_not_written": 1, "multi_label_image": 1, "no_class": 1}
    assert yolo.class_ids(CLASSES, "classify") == {"bird": 0, "cat": 1, "dog": 2}
    back = _read(out)
    assert back.classes == ("bird", "cat", "dog")
    assert Counter((s.split, s.labels[0].class_name) for s in back.samples) == {
        ("train", "dog"): 1,
        ("val", "cat"): 1,
    }


# --------------------------------------------------------------------------- malformed input


def _dataset(
    tmp_path: Path,
    make_image: MakeImage,
    rows: str,
    yaml_text: str = "names: [cat, dog]\ntrain: images/train\n",
) -> Path:
    make_image("ds/images/train/a.jpg", size=(100, 50))
    (tmp_path / "ds/labels/train").mkdir(parents=True)
    (tmp_path / "ds/labels/train/a.txt").write_text(rows)
    (tmp_path / "ds/data.yaml").write_text(yaml_text)
    return tmp_path / "ds"


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            "0 0.5 0.5 0.2 0.2\n2 0.5 0.5 0.2 0.2\n",
            "class index 2 is beyond names (0..1)",
        ),
        (
            "0 0.5 0.5 0.2 0.2\nx 0.5 0.5 0.2 0.2\n",
            "class index 'x' is not a whole number",
        ),
        (
            "0 0.5 0.5 0.2 0.2\n1 0.1 0.1 0.5 0.1 0.5\n",
            "odd number of polygon values (5)",
        ),
        ("0 0.5 0.5 0.2 0.2\n1 0.95 0.5 0.2 0.2\n", "box is outside the image"),
        ("0 0.5 0.5 0.2 0.2\n1 50 25 20 10\n", "normalized to [0, 1]"),
        ("0 0.5 0.5 0.2 0.2\n1 0.5 0.5 nan 0.2\n", "finite"),
        (
            "0 0.5 0.5 0.2 0.2\n1 0.1 0.1 1.5 0.1 0.5 0.5\n",
            "polygon is outside",
        ),
        ("0 0.5 0.5 0.2 0.2\n1 0.1 0.1\n", "expected 4 box values"),
    ],
)
def test_malformed_label_rows_name_file_and_line(
    tmp_path: Path, make_image: MakeImage, rows: str, message: str
) -> None:
    ds = _dataset(tmp_path, make_image, rows)
    with pytest.raises(base.FormatError) as err:
        _read(ds)
    assert err.value.path == str(ds / "labels/train/a.txt")
    assert err.value.where == "line 2"
    assert message in err.value.reason


@pytest.mark.parametrize(
    ("yaml_text", "where", "message"),
    [
        ("names: {0: cat, 2: dog}\ntrain: images/train\n", "names", "indexes must be 0..1"),
        ("nc: 3\nnames: [cat, dog]\ntrain: images/train\n", "nc", "nc is 3"),
        ("train: images/train\n", "names", "missing"),
        ("names: [cat, dog]\ntrain: pictures/train\n", "train", "'pictures/train' not found"),
        ("names: [cat, dog\ntrain: images/train\n", "line 2, column 6", "not valid YAML"),
    ],
)
def test_malformed_data_yaml(
    tmp_path: Path, make_image: MakeImage, yaml_text: str, where: str, message: str
) -> None:
    ds = _dataset(tmp_path, make_image, "0 0.5 0.5 0.2 0.2\n", yaml_text)
    with pytest.raises(base.FormatError) as err:
        _read(ds)
    assert err.value.where == where
    assert message in err.value.reason


def test_missing_label_file_is_an_unlabeled_image_and_reported(
    tmp_path: Path, make_image: MakeImage
) -> None:
    ds = _dataset(tmp_path, make_image, "0 0.5 0.5 0.2 0.2\n")
    make_image("ds/images/train/b.jpg")
    report = base.Report()
    result = _read(ds, report)
    assert {s.image.rel_path: len(s.labels) for s in result.samples} == {"a.jpg": 1, "b.jpg": 0}
    assert {s.image.rel_path: s.image.status for s in result.samples} == {
        "a.jpg": status_mod.ImageStatus.DONE,
        "b.jpg": status_mod.ImageStatus.NEW,
    }
    assert report.counts() == {"no_label_file": 1}


def test_sizes_come_from_the_header_in_the_displayed_frame(
    tmp_path: Path, make_image: MakeImage
) -> None:
    make_image("ds/images/train/a.jpg", size=(100, 50), orientation=6)
    (tmp_path / "ds/labels/train").mkdir(parents=True)
    (tmp_path / "ds/labels/train/a.txt").write_text("0 0.5 0.5 1 1\n")
    (tmp_path / "ds/data.yaml").write_text("names: [cat]\ntrain: images/train\n")
    (sample,) = _read(tmp_path / "ds").samples
    assert (sample.image.width, sample.image.height, sample.image.orientation) == (50, 100, 6)
    assert sample.labels[0].geometry == geo.Box(0, 0, 50, 100)


def test_an_unknown_folder_says_what_was_looked_for(tmp_path: Path) -> None:
    with pytest.raises(base.FormatError, match=r"no data\.yaml, obj\.data"):
        _read(tmp_path)


# --------------------------------------------------------------------------- third-party samples


def _counts(result: base.ReadResult) -> Counter[tuple[str, str, str]]:
    return Counter(
        (s.split, lb.class_name, lb.kind.value) for s in result.samples for lb in s.labels
    )


LABEL_2_AND_4 = {("train", "label_2", "box"): 1, ("train", "label_4", "box"): 1}


@pytest.mark.parametrize(
    "folder",
    [
        "cvat-datumaro/yolo_dataset/yolov8_detection",
        "cvat-datumaro/yolo_dataset/yolov8_detection_with_list_of_names",
        "cvat-datumaro/yolo_dataset/yolov8_detection_with_list_of_imgs",
        "cvat-datumaro/yolo_dataset/yolov8_detection_with_subset_txt",
        "cvat-datumaro/yolo_dataset/yolo",
        "datumaro/yolo_dataset/strict",
    ],
)
def test_detection_samples(conformance_dir: Path, folder: str) -> None:
    report = base.Report()
    result = _read(conformance_dir / folder, report)
    assert result.classes == tuple(f"label_{i}" for i in range(10))
    assert _counts(result) == LABEL_2_AND_4
    assert not report
    (sample,) = result.samples
    assert (sample.image.width, sample.image.height) == (15, 10)
    box = sample.labels[0].geometry
    assert isinstance(box, geo.Box)
    assert (box.x, box.y, box.w, box.h) == pytest.approx((0.0, 2.0, 4.0, 2.0), abs=1e-4)


def test_obj_names_with_split_folders(conformance_dir: Path) -> None:
    result = _read(conformance_dir / "datumaro/yolo_dataset/labels")
    assert _counts(result) == {
        **LABEL_2_AND_4,
        ("val", "label_2", "box"): 1,
        ("val", "label_4", "box"): 1,
    }


def test_segmentation_sample(conformance_dir: Path) -> None:
    result = _read(conformance_dir / "cvat-datumaro/yolo_dataset/yolov8_segmentation")
    assert _counts(result) == {
        ("train", "label_2", "polygon"): 1,
        ("train", "label_4", "polygon"): 1,
    }
    first = result.samples[0].labels[0].geometry
    assert isinstance(first, geo.Polygon)
    assert first.flat() == pytest.approx([1.5, 1.0, 6.0, 1.0, 6.0, 5.0])


def test_classification_sample(conformance_dir: Path) -> None:
    result = _read(conformance_dir / "cvat-datumaro/yolo_dataset/yolov8_classification")
    assert result.classes == ("label_0", "label_1")
    assert _counts(result) == {("train", "label_0", "tag"): 2, ("train", "label_1", "tag"): 1}


@pytest.mark.parametrize(
    ("folder", "code", "count"),
    [
        ("cvat-datumaro/yolo_dataset/yolov8_pose", "keypoints", 1),
        ("cvat-datumaro/yolo_dataset/yolov8_pose_two_values_per_point", "keypoints", 1),
    ],
)
def test_what_labeler_does_not_take_is_reported_by_name(
    conformance_dir: Path, folder: str, code: str, count: int
) -> None:
    report = base.Report()
    result = _read(conformance_dir / folder, report)
    assert _counts(result) == {}
    assert report.counts()[code] == count
    assert {s.image.status for s in result.samples} == {status_mod.ImageStatus.NEEDS_REVIEW}


def test_a_layout_no_trainer_reads_is_refused_with_the_reason(conformance_dir: Path) -> None:
    with pytest.raises(base.FormatError, match=r"obj\.names without obj\.data or an images/"):
        _read(conformance_dir / "datumaro/yolo_dataset/annotations")


def test_roboflow_yaml_with_paths_off_by_a_folder(conformance_dir: Path) -> None:
    report = base.Report()
    result = _read(conformance_dir / "datumaro/roboflow_dataset/yolo", report)
    assert result.classes == ("label_0", "label_1")
    assert _counts(result) == {
        ("train", "label_0", "box"): 1,
        ("train", "label_1", "box"): 1,
        ("val", "label_0", "box"): 1,
        ("val", "label_1", "box"): 1,
    }
    assert report.counts() == {"path_guessed": 1}  # data.yaml names valid/, the folder is val/


def test_label_path_follows_ultralytics() -> None:
    sep = os.sep
    image = Path(f"{sep}d{sep}images{sep}train{sep}images{sep}a.jpg")
    assert yolo_read.label_path(image) == Path(f"{sep}d{sep}images{sep}train{sep}labels{sep}a.txt")
    assert yolo_read.label_path(Path("obj_train_data/1.jpg")) == Path("obj_train_data/1.txt")


def test_a_symlinked_export_reads_back_through_its_own_layout(
    make_image: MakeImage, tmp_path: Path
) -> None:
    samples = _samples(make_image)
    out = tmp_path / "out"
    _write(out, samples, task="detect", images=base.ImageMode.SYMLINK)
    assert (out / "images/train/a.jpg").is_symlink()
    result = _read(out)
    assert _comparable(result.samples) == _comparable(samples)
    assert {s.image.key for s in result.samples} == {
        "images/train/a.jpg",
        "images/val/b.png",
        "images/train/c.jpg",
    }


def test_class_names_that_cannot_be_folders_get_safe_unique_ones(
    make_image: MakeImage, tmp_path: Path
) -> None:
    classes = ("a/b", "a_b", "..")
    srcs = [make_image(f"{n}.jpg") for n in "xyz"]
    samples = [
        base.Sample(_image(src, src.name), (_tag(name),), "train")
        for src, name in zip(srcs, classes, strict=True)
    ]
    out = tmp_path / "out"
    written, report = _write(out, samples, classes=classes, task="classify")
    assert sorted(written) == ["train/.._2/z.jpg", "train/a_b/x.jpg", "train/a_b_1/y.jpg"]
    assert report.counts() == {"renamed_class_folder": 3}
    assert yolo.class_ids(classes, "classify") == {"..": 0, "a/b": 1, "a_b": 2}
