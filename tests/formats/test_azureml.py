"""Azure ML AutoML JSONL + MLTable: the schema AutoML documents, and imports of the same files."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings

from labeler.formats import azureml, azureml_urls, base
from tests.formats import _helpers_tabular as h

CLASSES = ("can", "carton", "milk_bottle")
PREFIX = (
    "azureml://subscriptions/sub-1/resourcegroups/rg/workspaces/ws/datastores/images/paths/fridge/"
)


def _export(
    tmp_path: Path, samples: list[base.Sample], task: str, prefix: str = PREFIX, **azure: str
) -> tuple[Path, base.Report]:
    out = tmp_path / "out"
    report = base.Report()
    chosen = {"image_url_prefix": prefix, **azure} if prefix else azure
    options = base.WriteOptions(classes=CLASSES, task=task, format_options=chosen)
    written = h.writer(azureml).write(samples, out, options, report)
    assert sorted(written) == sorted(
        p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()
    )
    return out, report


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def _read(path: Path, report: base.Report | None = None) -> base.ReadResult:
    return h.reader(azureml).read(path, base.Report() if report is None else report)


def _detection_samples(tmp_path: Path) -> list[base.Sample]:
    a = h.make_image(tmp_path / "src" / "a.jpg", size=(200, 100))
    b = h.make_image(tmp_path / "src" / "shelf" / "b.png", size=(50, 40))
    return [
        base.Sample(
            h.image(a, "a.jpg", 200, 100),
            (h.box("can", 20, 10, 50, 30), h.box("carton", 0, 0, 200, 100, crowd=True)),
            "train",
        ),
        base.Sample(h.image(b, "shelf/b.png", 50, 40), (h.box("milk_bottle", 5, 4, 10, 8),), "val"),
    ]


def test_detection_lines_follow_the_automl_schema(tmp_path: Path) -> None:
    out, report = _export(tmp_path, _detection_samples(tmp_path), "detect", PREFIX)

    assert not report
    (line,) = _lines(out / "train" / "train_annotations.jsonl")
    assert line == {
        "image_url": PREFIX + "images/a.jpg",
        "image_details": {"format": "jpg", "width": 200, "height": 100},
        "label": [
            {
                "label": "can",
                "topX": 0.1,
                "topY": 0.1,
                "bottomX": 0.35,
                "bottomY": 0.4,
                "isCrowd": 0,
            },
            {
                "label": "carton",
                "topX": 0.0,
                "topY": 0.0,
                "bottomX": 1.0,
                "bottomY": 1.0,
                "isCrowd": 1,
            },
        ],
    }
    (val,) = _lines(out / "val" / "val_annotations.jsonl")
    assert val["image_url"] == PREFIX + "images/shelf/b.png"
    assert val["image_details"]["format"] == "png"
    assert (out / "images" / "shelf" / "b.png").is_file()


def test_each_split_gets_an_mltable_reading_its_jsonl(tmp_path: Path) -> None:
    out, _ = _export(tmp_path, _detection_samples(tmp_path), "detect")

    for split in ("train", "val"):
        table = yaml.safe_load((out / split / "MLTable").read_text())
        assert table == {
            "paths": [{"file": f"./{split}_annotations.jsonl"}],
            "transformations": [
                {
                    "read_json_lines": {
                        "encoding": "utf8",
                        "invalid_lines": "error",
                        "include_path_column": False,
                    }
                },
                {"convert_column_types": [{"columns": "image_url", "column_type": "stream_info"}]},
            ],
        }
        assert (out / split / table["paths"][0]["file"]).is_file()


@pytest.mark.parametrize("prefix", ["file:///data/fridge/", PREFIX])
def test_detection_round_trip_with_each_kind_of_prefix(tmp_path: Path, prefix: str) -> None:
    samples = _detection_samples(tmp_path)
    out, _ = _export(tmp_path, samples, "detect", prefix)

    result = _read(out)

    assert h.comparable(result.samples) == h.comparable(samples)
    assert {s.image.rel_path: s.image.source is not None for s in result.samples} == {
        "a.jpg": True,
        "shelf/b.png": True,
    }


def test_segmentation_writes_normalized_polygons_and_reads_them_back(tmp_path: Path) -> None:
    a = h.make_image(tmp_path / "a.jpg", size=(100, 50))
    samples = [
        base.Sample(
            h.image(a, "a.jpg", 100, 50),
            (h.polygon("can", [(10, 5), (60, 5), (35, 45)]), h.box("carton", 0, 0, 50, 25)),
        )
    ]
    out, report = _export(tmp_path, samples, "segment")

    assert report.counts() == {"box_as_polygon": 1}
    (line,) = _lines(out / "train" / "train_annotations.jsonl")
    assert line["label"][0] == {
        "label": "can",
        "isCrowd": 0,
        "polygon": [[0.1, 0.1, 0.6, 0.1, 0.35, 0.9]],
    }
    assert line["label"][1]["polygon"] == [[0.0, 0.0, 0.5, 0.0, 0.5, 0.5, 0.0, 0.5]]
    back = h.comparable(_read(out).samples)["a.jpg"][1]
    assert back == [
        ("can", "polygon", ((10.0, 5.0), (60.0, 5.0), (35.0, 45.0)), ()),
        ("carton", "polygon", ((0.0, 0.0), (50.0, 0.0), (50.0, 25.0), (0.0, 25.0)), ()),
    ]


def test_multiclass_and_multilabel_round_trip(tmp_path: Path) -> None:
    a = h.make_image(tmp_path / "a.jpg")
    b = h.make_image(tmp_path / "b.jpg")
    c = h.make_image(tmp_path / "c.jpg")
    samples = [
        base.Sample(h.image(a, "a.jpg"), (h.tag("can"),)),
        base.Sample(h.image(b, "b.jpg"), (h.tag("carton"), h.tag("milk_bottle")), "val"),
        base.Sample(h.image(c, "c.jpg"), (), "val"),
    ]
    out, report = _export(tmp_path, samples, "multiclass")
    assert report.counts() == {"not_single_label": 2}  # two tags, and none
    assert _lines(out / "train" / "train_annotations.jsonl")[0]["label"] == "can"
    assert not (out / "val").exists()

    out2, report2 = _export(tmp_path / "multi", samples, "multilabel")
    assert not report2
    assert [x["label"] for x in _lines(out2 / "val" / "val_annotations.jsonl")] == [
        ["carton", "milk_bottle"],
        [],
    ]
    assert h.comparable(_read(out2).samples) == h.comparable(samples)


def test_shapes_and_tags_outside_the_task_are_reported(tmp_path: Path) -> None:
    a = h.make_image(tmp_path / "a.jpg")
    sample = base.Sample(
        h.image(a, "a.jpg"),
        (
            h.tag("can"),
            h.polygon("carton", [(1, 1), (5, 1), (3, 4)]),
            h.box("milk_bottle", 1, 1, 2, 2, difficult=True),
        ),
    )
    _, report = _export(tmp_path, [sample], "detect")
    assert report.counts() == {
        "tag_not_written": 1,
        "polygon_as_box": 1,
        "attribute_not_written": 1,
    }
    _, report = _export(tmp_path / "2", [sample], "multilabel")
    assert report.counts() == {"shape_not_written": 1}


def test_task_and_prefix_are_checked_before_writing(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="detect, segment, multiclass, multilabel"):
        _export(tmp_path, [], "keypoints")
    with pytest.raises(ValueError, match="full form"):
        _export(tmp_path, [], "detect", "azureml://datastores/images/paths/fridge/")
    with pytest.raises(ValueError, match="not a URL Azure ML opens"):
        _export(tmp_path, [], "detect", "images/")
    assert not (tmp_path / "out").exists()


def test_an_export_without_a_datastore_is_refused_with_the_advice(tmp_path: Path) -> None:
    # Relative URLs become nulls in mltable and AutoML cannot open them: refuse, saying how.
    with pytest.raises(base.OptionError, match=r"--datastore NAME.*--image-url-prefix"):
        _export(tmp_path, _detection_samples(tmp_path), "detect", prefix="")
    assert not (tmp_path / "out").exists()


def test_a_datastore_needs_the_workspace(tmp_path: Path) -> None:
    with pytest.raises(base.OptionError, match="--subscription, --resource-group, --workspace"):
        _export(tmp_path, _detection_samples(tmp_path), "detect", prefix="", datastore="lake")


def test_a_datastore_with_the_workspace_config_writes_full_urls_and_the_upload_steps(
    tmp_path: Path,
) -> None:
    config = tmp_path / "ws" / "config.json"
    config.parent.mkdir()
    config.write_text(
        json.dumps({"subscription_id": "sub-1", "resource_group": "rg one", "workspace_name": "ws"})
    )
    a = h.make_image(tmp_path / "src" / "ph oto é#1.jpg", size=(20, 10))
    samples = [base.Sample(h.image(a, "shelf/ph oto é#1.jpg", 20, 10), (h.box("can", 1, 1, 5, 5),))]

    out, report = _export(
        tmp_path, samples, "detect", prefix="", datastore="lake", azureml_config=str(config)
    )

    (line,) = _lines(out / "train" / "train_annotations.jsonl")
    assert line["image_url"] == (
        "azureml://subscriptions/sub-1/resourcegroups/rg one/workspaces/ws/datastores/lake/"
        "paths/out/images/shelf/ph%20oto%20%C3%A9%231.jpg"
    )
    assert azureml_urls.find_config(tmp_path / "ws" / "deeper") == config
    upload, register = report.next_steps
    assert upload.startswith("Upload the images to the datastore: az storage blob upload-batch")
    assert "--destination-path out/images" in upload and f"--source {out}/images" in upload
    assert "az ml datastore show --name lake --resource-group 'rg one'" in upload
    assert register.startswith("Register the train table as a data asset for AutoML: az ml data")
    assert f"--type mltable --path {out}/train" in register
    # labeler reads the encoded URL back to the image's own name.
    assert [s.image.rel_path for s in _read(out).samples] == ["shelf/ph oto é#1.jpg"]


# --- reading files written by hand or by other tools -------------------------------------------


def _jsonl(tmp_path: Path, *lines: str, image: bool = True) -> Path:
    root = tmp_path / "ds"
    root.mkdir(parents=True, exist_ok=True)
    if image:
        h.make_image(root / "image_data" / "Image_01.jpg", size=(499, 666))
    (root / "train_annotations.jsonl").write_text("\n".join(lines) + "\n")
    return root


def test_documented_example_line_is_read(tmp_path: Path) -> None:
    # The object detection example of the AutoML schema page, with "px" sizes and a full URL.
    line = (
        '{"image_url": "azureml://subscriptions/my-subscription-id/resourcegroups/my-resource-group'
        '/workspaces/my-workspace/datastores/my-datastore/paths/image_data/Image_01.jpg", '
        '"image_details": {"format": "jpg", "width": "499px", "height": "666px"}, "label": '
        '[{"label": "can", "topX": 0.260, "topY": 0.406, "bottomX": 0.735, "bottomY": 0.701, "isCrowd": 0}]}'
    )
    result = _read(_jsonl(tmp_path, line))

    (sample,) = result.samples
    assert (sample.image.rel_path, sample.image.width, sample.image.height) == (
        "image_data/Image_01.jpg",
        499,
        666,
    )
    assert sample.image.source is not None
    assert h.comparable(result.samples, digits=3)["image_data/Image_01.jpg"][1] == [
        ("can", "box", (129.74, 270.396, 237.025, 196.47), ())
    ]


def _error(root: Path) -> base.FormatError:
    with pytest.raises(base.FormatError) as info:
        _read(root)
    return info.value


GOOD = '{"image_url": "image_data/Image_01.jpg", "label": "can"}'


@pytest.mark.parametrize(
    ("line", "where"),
    [
        ('{"image_url": "image_data/Image_01.jpg", "label": ', "line 2, column 51"),
        ('{"label": "can"}', "line 2: image_url"),
        ('{"image_url": "image_data/Image_01.jpg"}', "line 2: label"),
        (
            '{"image_url": "image_data/Image_01.jpg", "label": [{"label": "can", "topX": 0.5, '
            '"topY": 0.1, "bottomX": 1.2, "bottomY": 0.3}]}',
            "line 2: label 1: bottomX",
        ),
        (
            '{"image_url": "image_data/Image_01.jpg", "label": [{"label": "can", "topX": 0.5, '
            '"topY": 0.1, "bottomX": 0.2, "bottomY": 0.3}]}',
            "line 2: label 1",
        ),
        (
            '{"image_url": "image_data/Image_01.jpg", "label": [{"label": "can", '
            '"polygon": [[0.1, 0.1, 0.5, 0.5, 0.2]]}]}',
            "line 2: label 1: polygon part 1",
        ),
        (
            '{"image_url": "image_data/Image_01.jpg", "label": [{"label": "can", '
            '"polygon": [[0.1, 0.1, 0.5, 0.5]]}]}',
            "line 2: label 1: polygon part 1",
        ),
    ],
)
def test_malformed_lines_name_the_file_and_line(tmp_path: Path, line: str, where: str) -> None:
    err = _error(_jsonl(tmp_path, GOOD, line))
    assert (Path(err.path).name, err.where) == ("train_annotations.jsonl", where)


def test_image_without_size_or_file_is_refused(tmp_path: Path) -> None:
    err = _error(_jsonl(tmp_path, GOOD, image=False))
    assert err.where == "line 1: image_details"


def test_multi_part_polygons_are_split_and_reported(tmp_path: Path) -> None:
    line = (
        '{"image_url": "image_data/Image_01.jpg", "label": [{"label": "can", "isCrowd": 1, '
        '"polygon": [[0, 0, 0.5, 0, 0.5, 0.5], [0.6, 0.6, 1, 0.6, 1, 1]]}]}'
    )
    report = base.Report()
    result = _read(_jsonl(tmp_path, line), report)
    assert [lb.attributes for lb in result.samples[0].labels] == [{"crowd": True}] * 2
    assert report.counts() == {"polygon_parts_split": 1}


def test_labeler_export_chooses_detect_for_boxes_and_reads_back(tmp_path: Path) -> None:
    samples = h.rich_samples(tmp_path / "src")
    classes = ("car", "person", "sign")
    splits, result = h.export_and_read(
        "azureml", samples, tmp_path / "aml", classes, format_options={"image_url_prefix": PREFIX}
    )

    # AutoML has no place for difficult/truncated: compare classes and boxes only.
    assert h.comparable(result.samples, attributes=False) == {
        k: (splits[k], labels) for k, (_, labels) in h.comparable(samples, attributes=False).items()
    }
    first = _lines(tmp_path / "aml" / "train" / "train_annotations.jsonl")[0]
    assert set(first["label"][0]) == {"label", "topX", "topY", "bottomX", "bottomY", "isCrowd"}


@pytest.mark.parametrize(
    ("labels", "task"),
    [
        ([h.tag("can")], "multiclass"),
        ([h.tag("can"), h.tag("carton")], "multilabel"),
        ([h.polygon("can", [(1, 1), (5, 1), (3, 4)])], "segment"),
        ([h.polygon("can", [(1, 1), (5, 1), (3, 4)]), h.box("can", 1, 1, 2, 2)], "detect"),
    ],
)
def test_default_task_follows_the_labels(labels: list[base.Label], task: str) -> None:
    sample = base.Sample(base.DatasetImage("k", "a.jpg", 10, 10), tuple(labels))
    assert azureml.default_task([sample]) == task
    assert azureml.parse_task(None, [sample]) == task


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(boxes=h.boxes_strategy(640, 480))
def test_any_boxes_survive_normalization_within_rounding(
    tmp_path: Path, boxes: list[tuple[str, float, float, float, float]]
) -> None:
    src = tmp_path / "a.png"
    if not src.exists():
        h.make_image(src, size=(640, 480))
    labels = tuple(h.box(*b) for b in boxes)
    sample = base.Sample(h.image(src, "a.png", 640, 480), labels)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        report = base.Report()
        options = base.WriteOptions(
            classes=("car", "person", "sign"),
            task="detect",
            format_options={"image_url_prefix": PREFIX},
        )
        h.writer(azureml).write([sample], out, options, report)
        assert not report
        (found,) = h.reader(azureml).read(out, base.Report()).samples
    h.assert_same_boxes(labels, found.labels, tolerance=1e-9)


def test_fields_outside_the_schema_are_reported_by_name(tmp_path: Path) -> None:
    line = '{"image_url": "image_data/Image_01.jpg", "label": "can", "label_confidence": [1.0]}'
    report = base.Report()
    _read(_jsonl(tmp_path, line, line.replace("can", "carton")), report)
    assert report.counts() == {"azureml_label_confidence_not_taken": 2}


def test_images_left_in_place_are_found_by_their_file_url(tmp_path: Path) -> None:
    a = h.make_image(tmp_path / "photos" / "a.jpg", size=(40, 20))
    sample = base.Sample(h.image(a, "a.jpg", 40, 20), (h.tag("can"),))
    out = tmp_path / "out"
    options = base.WriteOptions(
        classes=CLASSES,
        task="multiclass",
        images=base.ImageMode.NONE,
        format_options={"image_url_prefix": f"file://{tmp_path}/photos/"},
    )
    h.writer(azureml).write([sample], out, options, base.Report())

    url = _lines(out / "train" / "train_annotations.jsonl")[0]["image_url"]
    assert url == f"file://{tmp_path}/photos/images/a.jpg"
    (tmp_path / "photos" / "images").mkdir()
    a.rename(tmp_path / "photos" / "images" / "a.jpg")
    a = tmp_path / "photos" / "images" / "a.jpg"
    (found,) = _read(out).samples
    assert (found.image.rel_path, found.image.source) == ("a.jpg", str(a.resolve()))
