"""VOC datasets written by other tools (datumaro's test assets, Roboflow), and our VOC export as
datumaro reads it."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from labeler.domain import status as status_mod
from labeler.formats import base, voc
from tests.formats import _helpers_tabular as h
from tests.formats import loaders


def test_datumaro_voc_with_parts_actions_and_masks(tmp_path: Path) -> None:
    report = base.Report()
    result = h.reader(voc).read(h.conformance("datumaro", "voc_dataset", "voc_dataset1"), report)

    assert h.class_counts(result.samples) == {"cat": 1, "person": 1}
    by_path = {s.image.rel_path: s for s in result.samples}
    assert sorted(by_path) == ["2007_000001.jpg", "2007_000002.jpg"]
    first = by_path["2007_000001.jpg"]
    assert (first.split, first.image.width, first.image.height) == ("train", 20, 10)
    # Whole numbers from 1 and no label map: read as the devkit's 1-based pixels.
    assert h.comparable([first])["2007_000001.jpg"][1] == [
        ("cat", "box", (0.0, 1.0, 3.0, 3.0), (("truncated", True),)),
        ("person", "box", (3.0, 4.0, 3.0, 3.0), ()),
    ]
    # Listed in test.txt without an annotation file: imported, but not as "labelled, empty".
    second = by_path["2007_000002.jpg"]
    assert (second.split, second.labels, second.image.status) == (
        "test",
        (),
        status_mod.ImageStatus.NEW,
    )
    counts = report.counts()
    assert counts["voc_parts_not_taken"] == 1
    assert counts["voc_actions_not_taken"] == 1
    assert counts["voc_masks_not_taken"] == 2  # SegmentationClass and SegmentationObject
    assert counts["voc_image_sets_not_taken"] == 3  # Layout, Action, Segmentation
    assert counts["voc_class_lists_not_taken"] == 1


def test_datumaro_voc_read_as_continuous_gives_datumaros_boxes() -> None:
    reader = voc.reader_with({"voc_coordinates": "continuous"})
    result = reader.read(h.conformance("datumaro", "voc_dataset", "voc_dataset1"), base.Report())
    first = next(s for s in result.samples if s.image.rel_path == "2007_000001.jpg")
    assert h.comparable([first])["2007_000001.jpg"][1] == [
        ("cat", "box", (1.0, 2.0, 2.0, 2.0), (("truncated", True),)),
        ("person", "box", (4.0, 5.0, 2.0, 2.0), ()),
    ]


def test_datumaro_voc_with_a_comment_in_the_image_list() -> None:
    result = h.reader(voc).read(
        h.conformance("datumaro", "voc_dataset", "voc_dataset3"), base.Report()
    )
    assert [(s.image.rel_path, s.split) for s in result.samples] == [("2007_000001.jpg", "train")]
    assert h.class_counts(result.samples) == {"cat": 1}


def test_datumaro_voc_without_sizes_or_images_is_refused_by_name() -> None:
    # Its annotations carry no <size> and no image is shipped: nothing gives the image size.
    with pytest.raises(base.FormatError) as info:
        h.reader(voc).read(h.conformance("datumaro", "voc_dataset", "voc_dataset2"), base.Report())
    assert info.value.path.endswith("@.xml")
    assert info.value.where == "size"


def test_roboflow_voc_export() -> None:
    result = h.reader(voc).read(h.conformance("datumaro", "roboflow_dataset", "voc"), base.Report())

    assert result.classes == ("label_0", "label_1")
    assert h.class_counts(result.samples) == {"label_0": 2, "label_1": 2}
    assert sorted((s.split, s.image.rel_path) for s in result.samples) == [
        ("train", "train_001.jpg"),
        ("train", "train_002.jpg"),
        ("val", "val_001.jpg"),
    ]
    val = next(s for s in result.samples if s.split == "val")
    assert h.comparable([val])["val_001.jpg"][1] == [
        ("label_0", "box", (0.0, 0.0, 1.0, 2.0), ()),
        ("label_1", "box", (0.0, 0.0, 9.0, 1.0), ()),
    ]
    assert all(s.image.source and Path(s.image.source).is_file() for s in result.samples)


_DATUMARO_SCRIPT = """
import json, sys
import datumaro as dm
ds = dm.Dataset.import_from(sys.argv[1], "voc_detection")
names = [c.name for c in ds.categories()[dm.AnnotationType.label]]
boxes = []
for item in ds:
    for ann in item.annotations:
        if ann.type == dm.AnnotationType.bbox:
            flags = sorted(k for k in ("difficult", "truncated", "occluded") if ann.attributes.get(k))
            boxes.append([item.subset, item.id, names[ann.label], [round(v, 6) for v in ann.get_bbox()], flags])
print(json.dumps({"labels": names, "boxes": sorted(boxes)}))
"""


@pytest.mark.loaders
def test_datumaro_reads_our_export_as_we_wrote_it(tmp_path: Path) -> None:
    python = loaders.python_of("datumaro")
    a = h.make_image(tmp_path / "src" / "a.jpg")
    b = h.make_image(tmp_path / "src" / "b.jpg")
    samples = [
        base.Sample(
            h.image(a, "a.jpg"),
            # datumaro keeps two decimals of a coordinate, so these are exact for it too.
            (h.box("car", 1.5, 2.25, 10, 20.25, difficult=True), h.box("sign", 0, 0, 64, 48)),
            "train",
        ),
        base.Sample(h.image(b, "b.jpg"), (h.box("car", 3, 4, 5, 6, occluded=True),), "val"),
    ]
    out = tmp_path / "out"
    # datumaro reads the values as they stand: the continuous convention.
    options = base.WriteOptions(
        classes=("car", "sign"), format_options={"voc_coordinates": "continuous"}
    )
    h.writer(voc).write(samples, out, options, base.Report())

    run = subprocess.run(
        [python, "-c", _DATUMARO_SCRIPT, str(out)], capture_output=True, text=True, check=False
    )
    assert run.returncode == 0, run.stderr[-2000:]
    seen = json.loads(run.stdout.strip().splitlines()[-1])

    assert seen["labels"] == ["car", "sign"]  # our class order is datumaro's label order
    assert seen["boxes"] == [
        ["train", "a", "car", [1.5, 2.25, 10.0, 20.25], ["difficult"]],
        ["train", "a", "sign", [0.0, 0.0, 64.0, 48.0], []],
        ["val", "b", "car", [3.0, 4.0, 5.0, 6.0], ["occluded"]],
    ]
