"""labelme JSON: files labelme opens as they are, and imports of labelme folders."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from labeler.formats import base, labelme
from tests.formats import _helpers_tabular as h

CLASSES = ("crack", "rust", "ok")


def _export(
    tmp_path: Path, samples: list[base.Sample], images: base.ImageMode = base.ImageMode.COPY
) -> tuple[Path, base.Report]:
    out = tmp_path / "out"
    report = base.Report()
    options = base.WriteOptions(classes=CLASSES, images=images)
    written = h.writer(labelme).write(samples, out, options, report)
    assert sorted(written) == sorted(
        p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()
    )
    return out, report


def _read(path: Path, report: base.Report | None = None) -> base.ReadResult:
    return h.reader(labelme).read(path, base.Report() if report is None else report)


def _samples(tmp_path: Path) -> list[base.Sample]:
    a = h.make_image(tmp_path / "src" / "a.jpg", size=(80, 60))
    b = h.make_image(tmp_path / "src" / "bridge" / "b.jpg")
    return [
        base.Sample(
            h.image(a, "a.jpg", 80, 60),
            (
                h.box("crack", 10.5, 20, 30, 15.25, occluded=True, difficult=False),
                h.polygon("rust", [(1, 1), (40, 2), (20, 50)], description="near the bolt"),
                h.tag("ok"),
            ),
            "train",
        ),
        base.Sample(h.image(b, "bridge/b.jpg"), (), "val"),
    ]


def test_document_has_every_field_labelme_writes(tmp_path: Path) -> None:
    out, report = _export(tmp_path, _samples(tmp_path))

    assert not report
    doc: dict[str, Any] = json.loads((out / "train" / "a.json").read_text())
    assert doc == {
        "version": labelme.LABELME_VERSION,
        "flags": {"ok": True},
        "shapes": [
            {
                "label": "crack",
                "points": [[10.5, 20.0], [40.5, 35.25]],
                "group_id": None,
                "description": "",
                "shape_type": "rectangle",
                "flags": {"occluded": True, "difficult": False},
            },
            {
                "label": "rust",
                "points": [[1.0, 1.0], [40.0, 2.0], [20.0, 50.0]],
                "group_id": None,
                "description": "near the bolt",
                "shape_type": "polygon",
                "flags": {},
            },
        ],
        "imagePath": "a.jpg",
        "imageData": None,
        "imageHeight": 60,
        "imageWidth": 80,
    }
    assert (out / "train" / "a.jpg").is_file()
    nested = json.loads((out / "val" / "bridge" / "b.json").read_text())
    assert nested["imagePath"] == "b.jpg"  # relative to the JSON file, as labelme resolves it
    assert (out / "val" / "bridge" / nested["imagePath"]).is_file()


def test_round_trip_keeps_shapes_tags_attributes_and_splits(tmp_path: Path) -> None:
    samples = _samples(tmp_path)
    out, _ = _export(tmp_path, samples)

    result = _read(out)

    assert h.comparable(result.samples) == h.comparable(samples)
    assert set(result.classes) == set(CLASSES)
    assert all(s.image.source and Path(s.image.source).is_file() for s in result.samples)


def test_other_json_files_in_the_folder_are_skipped_and_reported(tmp_path: Path) -> None:
    out, _ = _export(tmp_path, _samples(tmp_path))
    (out / "manifest.json").write_text('{"labeler": "0.1.0"}')
    report = base.Report()
    assert len(_read(out, report).samples) == 2
    assert report.counts() == {"not_labelme_json": 1}


def test_unexpressible_attributes_are_reported(tmp_path: Path) -> None:
    a = h.make_image(tmp_path / "a.jpg")
    sample = base.Sample(h.image(a, "a.jpg"), (h.box("crack", 1, 1, 2, 2, severity=3),))
    _, report = _export(tmp_path, [sample])
    assert report.counts() == {"attribute_not_written": 1}


# --- reading files labelme wrote -------------------------------------------------------------


def _write_doc(tmp_path: Path, shapes: list[dict[str, Any]], **extra: Any) -> Path:
    root = tmp_path / "ds"
    h.make_image(root / "img.jpg", size=(100, 50))
    doc = {"version": "5.4.1", "flags": {}, "shapes": shapes, "imagePath": "img.jpg",
           "imageData": None, "imageHeight": 50, "imageWidth": 100} | extra  # fmt: skip
    (root / "img.json").write_text(json.dumps(doc, indent=2))
    return root


def _shape(kind: str, points: list[list[Any]], label: str = "crack") -> dict[str, Any]:
    return {"label": label, "points": points, "group_id": None, "description": "",
            "shape_type": kind, "flags": {}}  # fmt: skip


def test_circles_lines_and_points_are_reported_not_taken(tmp_path: Path) -> None:
    root = _write_doc(
        tmp_path,
        [
            _shape("rectangle", [[90, 40], [10, 5]]),
            _shape("circle", [[10, 10], [15, 10]]),
            _shape("line", [[1, 1], [9, 9]]),
            _shape("point", [[3, 3]]),
        ],
        flags={"ok": True, "rust": False},
    )
    report = base.Report()
    result = _read(root, report)

    assert h.comparable(result.samples)["img.jpg"][1] == [
        ("crack", "box", (10.0, 5.0, 80.0, 35.0), ()),
        ("ok", "tag", None, ()),
    ]
    assert report.counts() == {
        "labelme_circle_not_taken": 1,
        "labelme_line_not_taken": 1,
        "labelme_point_not_taken": 1,
    }


@pytest.mark.parametrize(
    ("shapes", "where", "words"),
    [
        ([_shape("polygon", [[1, 1], [5, 5]])], "shapes[0]: points", "3 points"),
        ([_shape("rectangle", [[1, 1], [101, 5]])], "shapes[0]: points", "outside"),
        ([_shape("polygon", [[1, 1], [5, 5], [-3, 4]])], "shapes[0]: points", "outside"),
        ([_shape("rectangle", [[1, 1]])], "shapes[0]: points", "2 points"),
        ([_shape("polygon", [[1, 1], [5, "x"], [3, 4]])], "shapes[0]: points[1]", "[x, y]"),
        ([_shape("ellipse", [[1, 1], [5, 5]])], "shapes[0]: shape_type", "ellipse"),
        ([{"points": [[1, 1], [5, 5]]}], "shapes[0]", "label"),
    ],
)
def test_malformed_shapes_name_the_file_and_shape(
    tmp_path: Path, shapes: list[dict[str, Any]], where: str, words: str
) -> None:
    with pytest.raises(base.FormatError) as info:
        _read(_write_doc(tmp_path, shapes))
    assert (Path(info.value.path).name, info.value.where) == ("img.json", where)
    assert words in info.value.reason


def test_bad_json_gives_line_and_column(tmp_path: Path) -> None:
    root = _write_doc(tmp_path, [])
    (root / "img.json").write_text('{\n  "shapes": [,]\n}\n')
    with pytest.raises(base.FormatError) as info:
        _read(root)
    assert info.value.where == "line 2, column 14"


def test_labeler_export_reads_back_with_the_same_labels_and_splits(tmp_path: Path) -> None:
    samples = [
        base.Sample(
            s.image,
            (*s.labels, h.polygon("rust", [(1, 1), (9, 2), (5, 8)]), h.tag("ok")),
        )
        for s in h.rich_samples(tmp_path / "src")
    ]
    classes = ("car", "person", "sign", "rust", "ok")
    splits, result = h.export_and_read("labelme", samples, tmp_path / "lm", classes)

    assert h.comparable(result.samples) == {
        k: (splits[k], labels) for k, (_, labels) in h.comparable(samples).items()
    }


def test_images_left_in_place_keep_their_folder_in_the_name(tmp_path: Path) -> None:
    a = h.make_image(tmp_path / "photos" / "a.jpg")
    sample = base.Sample(h.image(a, "site 1/a.jpg"), (h.box("crack", 1, 1, 2, 2),))
    out, _ = _export(tmp_path, [sample], images=base.ImageMode.NONE)

    assert json.loads((out / "train" / "site 1" / "a.json").read_text())["imagePath"] == str(
        a.resolve()
    )
    (found,) = _read(out).samples
    assert (found.image.rel_path, found.image.source) == ("site 1/a.jpg", str(a.resolve()))


def test_two_images_with_one_stem_get_separate_annotation_files(tmp_path: Path) -> None:
    a = h.make_image(tmp_path / "x.jpg")
    b = h.make_image(tmp_path / "x.png", size=(20, 10))
    samples = [
        base.Sample(h.image(a, "x.jpg"), (h.box("crack", 1, 1, 2, 2),)),
        base.Sample(h.image(b, "x.png", 20, 10), (h.box("rust", 1, 1, 3, 3),)),
    ]
    out, report = _export(tmp_path, samples)

    assert report.counts() == {"renamed": 1}
    assert h.comparable(_read(out).samples) == h.comparable(samples)
