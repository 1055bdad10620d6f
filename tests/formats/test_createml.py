"""Create ML JSON (export only): box centres, Roboflow's layout, and a refused import."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from labeler.formats import azureml, base, createml, csvtags, labelme, registry, voc
from tests.formats import _helpers_tabular as h


def _export(
    tmp_path: Path,
    samples: list[base.Sample],
    classes: tuple[str, ...],
    images: base.ImageMode = base.ImageMode.COPY,
) -> tuple[Path, base.Report]:
    out = tmp_path / "out"
    report = base.Report()
    options = base.WriteOptions(classes=classes, images=images)
    written = h.writer(createml).write(samples, out, options, report)
    assert sorted(written) == sorted(
        p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()
    )
    return out, report


def _load(path: Path) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads(path.read_text())
    return data


def test_coordinates_are_box_centres_in_pixels(tmp_path: Path) -> None:
    a = h.make_image(tmp_path / "a.jpg", size=(200, 100))
    e = h.make_image(tmp_path / "empty.jpg")
    samples = [
        base.Sample(
            h.image(a, "a.jpg", 200, 100),
            (h.box("tetra", 60, 10, 50, 60), h.polygon("bottle", [(5, 5), (50, 5), (50, 60)])),
        ),
        base.Sample(h.image(e, "empty.jpg"), (), "val"),
    ]
    out, report = _export(tmp_path, samples, ("tetra", "bottle"))

    assert report.counts() == {"polygon_as_box": 1}
    assert _load(out / "train" / "_annotations.createml.json") == [
        {
            "image": "a.jpg",
            "annotations": [
                {
                    "label": "tetra",
                    "coordinates": {"x": 85.0, "y": 40.0, "width": 50.0, "height": 60.0},
                },
                {
                    "label": "bottle",
                    "coordinates": {"x": 27.5, "y": 32.5, "width": 45.0, "height": 55.0},
                },
            ],
        }
    ]
    assert _load(out / "val" / "_annotations.createml.json") == [
        {"image": "empty.jpg", "annotations": []}
    ]
    assert (out / "train" / "a.jpg").is_file() and (out / "val" / "empty.jpg").is_file()


def test_tags_and_attributes_have_no_place_and_are_reported(tmp_path: Path) -> None:
    a = h.make_image(tmp_path / "a.jpg")
    sample = base.Sample(
        h.image(a, "a.jpg"), (h.tag("tetra"), h.box("tetra", 1, 1, 4, 4, difficult=True))
    )
    _, report = _export(tmp_path, [sample], ("tetra",))
    assert report.counts() == {"tag_not_written": 1, "attribute_not_written": 1}


def test_createml_import_is_refused_by_name() -> None:
    assert createml.READER is None
    with pytest.raises(registry.FormatUnavailable, match="createml"):
        registry.reader("createml")


def test_matches_roboflow_createml_export_of_the_same_dataset(tmp_path: Path) -> None:
    # Roboflow exported one dataset both as VOC and as Create ML: read the VOC copy, write
    # Create ML, and compare with Roboflow's file.
    source = h.reader(voc).read(h.conformance("datumaro", "roboflow_dataset", "voc"), base.Report())
    theirs_root = h.conformance("datumaro", "roboflow_dataset", "createml")
    out, report = _export(tmp_path, list(source.samples), source.classes)
    assert not report

    for split in ("train", "val"):
        ours = _load(out / split / "_annotations.createml.json")
        theirs = _load(theirs_root / split / "_annotations.createml.json")
        assert sorted(e["image"] for e in ours) == sorted(e["image"] for e in theirs)
        for mine in ours:
            other = next(e for e in theirs if e["image"] == mine["image"])
            assert sorted(
                (a["label"], a["coordinates"]["width"], a["coordinates"]["height"])
                for a in mine["annotations"]
            ) == sorted(
                (a["label"], a["coordinates"]["width"], a["coordinates"]["height"])
                for a in other["annotations"]
            )
            assert (out / split / mine["image"]).is_file()
    # The centre is the VOC box's middle (datumaro's copy of the Roboflow file keeps corners).
    first = _load(out / "train" / "_annotations.createml.json")[0]
    assert first["image"] == "train_001.jpg"
    assert first["annotations"][0]["coordinates"] == {
        "x": 3.5,
        "y": 1.5,
        "width": 3.0,
        "height": 1.0,
    }


def test_labeler_export_lists_every_image_in_its_split(tmp_path: Path) -> None:
    from labeler.formats import export, splits

    samples = h.rich_samples(tmp_path / "src")
    options = export.ExportOptions(ratios=(0.5, 0.5))
    result = export.export_dataset(
        samples, format="createml", out=tmp_path / "cml", options=options,
        project_classes=("car", "person", "sign"),
    )  # fmt: skip

    listed = {
        entry["image"]: (split, len(entry["annotations"]))
        for split in ("train", "val")
        if (tmp_path / "cml" / split / createml.ANNOTATIONS_FILE).is_file()
        for entry in _load(tmp_path / "cml" / split / createml.ANNOTATIONS_FILE)
    }
    assert listed == {
        s.image.rel_path: (splits.split_of(s.image.key, options.ratios, 0), len(s.labels))
        for s in samples
    }
    # Every person is truncated and every other car difficult: Create ML has no place for either.
    assert result.report.counts() == {"attribute_not_written": 8 + 4}


@pytest.mark.parametrize(
    ("name", "module"),
    [
        ("voc", voc),
        ("azureml", azureml),
        ("csv", csvtags),
        ("labelme", labelme),
        ("createml", createml),
    ],
)
def test_formats_are_registered_under_the_names_users_type(name: str, module: Any) -> None:
    assert registry.writer(name) is module.WRITER
    assert registry.writer(name).name == name
    if module.READER is not None:
        assert registry.reader(name) is module.READER


@pytest.mark.parametrize("module", [voc, azureml, csvtags, labelme, createml])
def test_writers_report_progress_to_the_last_image(tmp_path: Path, module: Any) -> None:
    samples = [
        base.Sample(s.image, (h.tag("car"),) if module is csvtags else s.labels)
        for s in h.rich_samples(tmp_path / "src")[:3]
    ]
    calls: list[tuple[int, int]] = []
    options = base.WriteOptions(
        classes=("car", "person", "sign"),
        task=None,
        format_options={"image_url_prefix": "https://example.invalid/data/"}
        if module is azureml
        else {},
    )
    h.writer(module).write(
        samples, tmp_path / "out", options, base.Report(), lambda d, t: calls.append((d, t))
    )
    assert calls == [(1, 3), (2, 3), (3, 3)]
