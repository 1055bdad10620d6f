"""Running an export: status and class filters, stable splits, the manifest, all-or-nothing output."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import orjson
import pytest
import yaml
from PIL import Image

import labeler
from labeler.domain import geometry as geo
from labeler.domain import status as status_mod
from labeler.formats import base, coco, export, imagefiles, registry
from tests.formats.conftest import MakeImage

S = status_mod.ImageStatus
CLASSES = ("cat", "dog", "bird")


def _sample(
    n: int,
    status: status_mod.ImageStatus = S.DONE,
    labels: tuple[base.Label, ...] = (),
    source: Path | None = None,
) -> base.Sample:
    image = base.DatasetImage(
        key=f"id-{n}",
        rel_path=f"img_{n:04d}.jpg",
        width=64,
        height=48,
        source=str(source) if source else None,
        sha256=hashlib.sha256(f"bytes {n}".encode()).hexdigest(),
        status=status,
    )
    return base.Sample(image, labels)


def _box(name: str, x: float = 8, y: float = 6, w: float = 16, h: float = 12) -> base.Label:
    return base.Label(name, geo.ShapeKind.BOX, geo.Box(x, y, w, h))


def _run(
    samples: list[base.Sample], out: Path, fmt: str = "coco", **options: Any
) -> export.ExportResult:
    options.setdefault("images", base.ImageMode.NONE)
    return export.export_dataset(
        samples,
        format=fmt,
        out=out,
        options=export.ExportOptions(**options),
        project_classes=CLASSES,
    )


def _manifest(out: Path) -> dict[str, Any]:
    doc: dict[str, Any] = orjson.loads((out / "manifest.json").read_bytes())
    return doc


def test_only_finished_images_are_exported(tmp_path: Path) -> None:
    samples = [_sample(i, status) for i, status in enumerate(S)]
    result = _run(samples, tmp_path / "out")
    exported = {img["rel_path"] for img in _manifest(tmp_path / "out")["images"]}
    assert exported == {s.image.rel_path for s in samples if s.image.status in (S.DONE, S.APPROVED)}
    assert result.counts["images"] == 2
    assert result.counts["not_exported"]["status"] == len(S) - 2

    chosen = _run(samples, tmp_path / "review", statuses=frozenset({S.NEEDS_REVIEW}))
    assert chosen.counts["images"] == 1


def test_an_image_keeps_its_split_when_images_are_added(tmp_path: Path) -> None:
    first = [_sample(i) for i in range(200)]
    _run(first, tmp_path / "a", seed=7)
    _run([*first, *(_sample(i) for i in range(200, 500))], tmp_path / "b", seed=7)
    before = {img["key"]: img["split"] for img in _manifest(tmp_path / "a")["images"]}
    after = {img["key"]: img["split"] for img in _manifest(tmp_path / "b")["images"]}
    assert {k: after[k] for k in before} == before
    shares = {
        split: list(after.values()).count(split) / len(after) for split in ("train", "val", "test")
    }
    assert (
        0.72 < shares["train"] < 0.88
        and 0.05 < shares["val"] < 0.15
        and 0.05 < shares["test"] < 0.15
    )
    # Another seed gives another, equally stable, assignment.
    _run(first, tmp_path / "c", seed=8)
    assert {img["key"]: img["split"] for img in _manifest(tmp_path / "c")["images"]} != before


def test_class_subset_is_renumbered_in_project_order(tmp_path: Path) -> None:
    samples = [_sample(1, labels=(_box("cat"), _box("dog"), _box("bird", 0, 0, 64, 48)))]
    out = tmp_path / "out"
    result = _run(samples, out, fmt="yolo", classes=("bird", "cat"), ratios=(1.0,))

    doc = yaml.safe_load((out / "data.yaml").read_text())
    assert doc["names"] == {0: "cat", 1: "bird"}
    assert (
        (out / "labels/train/img_0001.txt").read_text()
        == "0 0.250000 0.250000 0.250000 0.250000\n1 0.500000 0.500000 1.000000 1.000000\n"
    )
    assert result.class_ids == {"cat": 0, "bird": 1} == _manifest(out)["class_ids"]
    assert result.counts["labels_per_class"] == {"cat": 1, "bird": 1}
    assert result.counts["not_exported"]["labels_of_other_classes"] == 1

    coco_out = tmp_path / "coco"
    _run(samples, coco_out, classes=("bird", "cat"), ratios=(1.0,))
    doc = orjson.loads((coco_out / "annotations/instances_train.json").read_bytes())
    assert [(c["id"], c["name"]) for c in doc["categories"]] == [(1, "cat"), (2, "bird")]
    assert sorted(a["category_id"] for a in doc["annotations"]) == [1, 2]
    assert _manifest(coco_out)["class_ids"] == {"cat": 1, "bird": 2}


def test_build_class_map() -> None:
    assert export.build_class_map(CLASSES, None) == CLASSES
    assert export.build_class_map(CLASSES, ["bird", "cat", "bird"]) == ("cat", "bird")
    with pytest.raises(export.ExportError, match="no such class: 'fish', 'cow'"):
        export.build_class_map(CLASSES, ["fish", "cat", "cow"])


def test_manifest_records_what_is_needed_to_repeat_the_export(
    tmp_path: Path, make_image: MakeImage
) -> None:
    src = make_image("src/a.jpg")
    samples = [_sample(1, labels=(_box("dog"),), source=src), _sample(2, S.APPROVED, source=src)]
    out = tmp_path / "out"
    _run(
        samples,
        out,
        images=base.ImageMode.COPY,
        seed=3,
        data_revision=42,
        project_name="Weeds",
        task=None,
    )

    doc = _manifest(out)
    assert doc["labeler_version"] == labeler.__version__
    assert doc["format"] == "coco" and doc["data_revision"] == 42
    assert doc["options"]["seed"] == 3 and doc["options"]["ratios"] == pytest.approx(
        [0.8, 0.1, 0.1]
    )
    assert doc["options"]["statuses"] == ["approved", "done"]
    assert doc["coordinate_frame"]["coordinates"] == "pixels, displayed (EXIF-applied) frame"
    assert "upright" in doc["coordinate_frame"]["images"]
    assert doc["class_ids"] == {"cat": 1, "dog": 2, "bird": 3}
    assert {img["sha256"] for img in doc["images"]} == {s.image.sha256 for s in samples}
    on_disk = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()} - {
        "manifest.json"
    }
    assert set(doc["files"]) == on_disk
    for rel, digest in doc["files"].items():
        assert hashlib.sha256((out / rel).read_bytes()).hexdigest() == digest

    again = tmp_path / "again"
    _run(samples, again, images=base.ImageMode.COPY, seed=3, data_revision=42, project_name="Weeds")
    assert _manifest(again)["files"] == doc["files"]  # the same export, byte for byte


def test_linked_images_keep_their_orientation_and_the_manifest_says_so(
    tmp_path: Path, make_image: MakeImage
) -> None:
    src = make_image("src/a.jpg", orientation=6)
    _run([_sample(1, source=src)], tmp_path / "out", images=base.ImageMode.SYMLINK)
    assert (
        "keep their EXIF orientation tag"
        in _manifest(tmp_path / "out")["coordinate_frame"]["images"]
    )


def test_refuses_a_non_empty_folder_unless_told(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with pytest.raises(export.ExportError, match="not empty"):
        _run([_sample(1)], out)
    with pytest.raises(export.ExportError, match="holds no labeler export"):
        _run([_sample(1)], out, overwrite=True)
    assert (out / "notes.txt").read_text() == "mine"

    previous = tmp_path / "previous"
    _run([_sample(1)], previous)
    _run([_sample(2)], previous, overwrite=True)
    assert [img["key"] for img in _manifest(previous)["images"]] == ["id-2"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "previous"]  # nothing left over


def test_a_failed_or_cancelled_export_leaves_nothing(tmp_path: Path, make_image: MakeImage) -> None:
    src = make_image("src/a.jpg")
    samples = [_sample(i, source=src) for i in range(5)]

    def cancel(done: int, total: int) -> None:
        if done == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        export.export_dataset(
            samples,
            format="yolo",
            out=tmp_path / "out",
            options=export.ExportOptions(images=base.ImageMode.COPY),
            project_classes=CLASSES,
            progress=cancel,
        )
    missing = _sample(9, source=tmp_path / "gone.jpg")
    with pytest.raises(FileNotFoundError):
        _run([missing], tmp_path / "out", images=base.ImageMode.COPY)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["src"]


def test_same_bytes_under_two_paths_are_exported_once(tmp_path: Path) -> None:
    a, b = _sample(1), _sample(2)
    twin = base.Sample(
        base.DatasetImage(
            key="id-x", rel_path="copy.jpg", width=64, height=48, sha256=a.image.sha256
        ),
        (),
    )
    result = _run([a, b, twin], tmp_path / "out", ratios=(1.0,))
    assert result.counts["images"] == 2
    assert result.report.counts() == {"duplicate_image": 1}
    assert result.report.entries[0][1] == "copy.jpg"


def test_bad_requests_fail_before_anything_is_written(tmp_path: Path) -> None:
    with pytest.raises(registry.FormatUnavailable):
        _run([_sample(1)], tmp_path / "out", fmt="tfrecord")
    with pytest.raises(export.ExportError, match="ratios"):
        _run([_sample(1)], tmp_path / "out", ratios=(-1.0, 2.0))
    with pytest.raises(
        export.ExportError, match="yolo format's tasks are detect, segment, obb, classify; 'pose'"
    ):
        _run([_sample(1)], tmp_path / "out", fmt="yolo", task="pose")
    with pytest.raises(export.ExportError, match="'fish' is not in the project"):
        _run([_sample(1, labels=(_box("fish"),))], tmp_path / "out")
    assert list(tmp_path.iterdir()) == []


def _rotated_source(path: Path) -> Image.Image:
    """A JPEG stored a quarter turn off (EXIF orientation 6); displayed it is 40×20 with a red
    left quarter and blue elsewhere."""
    displayed = Image.new("RGB", (40, 20), "blue")
    displayed.paste((255, 0, 0), (0, 0, 10, 20))
    stored = displayed.transpose(Image.Transpose.ROTATE_90)  # orientation 6 turns it back
    exif = Image.Exif()
    exif[0x0112] = 6
    stored.save(path, format="JPEG", quality=98, exif=exif.tobytes())
    return displayed


@pytest.mark.parametrize("fmt", ["coco", "yolo"])
def test_exif_rotated_image_is_copied_upright_with_coordinates_right(
    tmp_path: Path, fmt: str
) -> None:
    src = tmp_path / "r.jpg"
    _rotated_source(src)
    image = base.DatasetImage(
        key="r", rel_path="r.jpg", width=40, height=20, source=str(src), orientation=6
    )
    sample = base.Sample(image, (_box("cat", 0, 0, 10, 20),))
    out = tmp_path / "out"
    _run([sample], out, fmt=fmt, images=base.ImageMode.COPY, ratios=(1.0,))

    with Image.open(out / "images/train/r.jpg") as written:
        assert written.size == (40, 20)
        assert written.getexif().get(0x0112, 1) == 1
        rgb = written.convert("RGB")
        red, blue = rgb.getpixel((5, 10)), rgb.getpixel((30, 10))
    assert isinstance(red, tuple) and isinstance(blue, tuple)
    assert red[0] > 200 and red[2] < 60 and blue[2] > 200 and blue[0] < 60

    reader = registry.reader(fmt)
    (back,) = reader.read(out, base.Report()).samples
    assert (back.image.width, back.image.height) == (40, 20)
    box = back.labels[0].geometry
    assert isinstance(box, geo.Box)
    assert (box.x, box.y, box.w, box.h) == pytest.approx((0, 0, 10, 20))
    assert imagefiles.header_size(out / "images/train/r.jpg") == (40, 20, 1)


def test_coco_export_through_export_dataset_is_loadable_by_the_reader(tmp_path: Path) -> None:
    samples = [_sample(i, labels=(_box("cat"), _box("bird"))) for i in range(20)]
    result = _run(samples, tmp_path / "out")
    back = coco.READER.read(tmp_path / "out", base.Report())  # type: ignore[union-attr]
    assert len(back.samples) == 20 and back.classes == CLASSES
    splits_back = {s.image.rel_path: s.split for s in back.samples}
    assert splits_back == {img["rel_path"]: img["split"] for img in _manifest(result.out)["images"]}


def test_a_requested_split_left_empty_is_reported(tmp_path: Path) -> None:
    result = _run([_sample(i) for i in range(3)], tmp_path / "out")
    per_split = result.counts["images_per_split"]
    empty = sorted(name for name, n in per_split.items() if n == 0)
    assert set(per_split) == {"train", "val", "test"} and empty
    assert (
        sorted(where for code, where, _ in result.report.entries if code == "empty_split") == empty
    )


def test_yolo_export_has_train_and_val_for_ultralytics(
    tmp_path: Path, make_image: MakeImage
) -> None:
    src = make_image("src/a.jpg")
    samples = [_sample(i, labels=(_box("dog"),), source=src) for i in range(40)]
    out = tmp_path / "out"
    result = _run(samples, out, fmt="yolo", images=base.ImageMode.COPY, ratios=(0.5, 0.5))
    assert not result.report
    doc = yaml.safe_load((out / "data.yaml").read_text())
    assert doc["path"] == str(out) and doc["train"] == "images/train" and doc["val"] == "images/val"
    for split, n in result.counts["images_per_split"].items():
        assert len(list((out / "images" / split).iterdir())) == n > 0
        assert len(list((out / "labels" / split).iterdir())) == n
