"""Imports a user notices: a tag CSV kept apart from the images, labels put on a truncated image,
classes created in the same order every time, and Darknet subsets that are never dropped."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from labeler.domain import schema as schema_mod
from labeler.formats import base, registry, yolo
from labeler.services import importing, indexing
from labeler.services import project as project_mod
from labeler.services import schema as schema_svc
from tests.formats import _helpers_tabular as h
from tests.helpers import images as img_files


@pytest.fixture
def photos(tmp_path: Path) -> Path:
    folder = tmp_path / "photos"
    for name in ("a.jpg", "sub/b.jpg", "c d.jpg"):
        h.make_image(folder / name)
    img_files.truncated_jpeg(folder / "cut.jpg")
    return folder


@pytest.fixture
def project(tmp_path: Path, photos: Path) -> Iterator[project_mod.Project]:
    tasks = schema_mod.TaskKinds.of("box", tags=schema_mod.TagMode.MULTI)
    with project_mod.create_project(tmp_path / "p.labeler", tasks=tasks, author="tester") as p:
        indexing.add_folder(p, photos)
        indexing.index_pending(p)
        yield p


def _classes(project: project_mod.Project) -> list[str]:
    return [c.name for c in schema_svc.get_schema(project).classes]


def test_a_tag_csv_apart_from_the_images_names_them_by_their_project_path(
    project: project_mod.Project, tmp_path: Path
) -> None:
    sheet = tmp_path / "elsewhere" / "labels.csv"
    sheet.parent.mkdir()
    sheet.write_text("path,labels\nsub/b.jpg,ripe;large\nimages/c d.jpg,ripe\na.jpg,\n")

    plan = importing.import_dataset(project, format="csv", path=sheet)

    assert plan.unmatched == ()
    assert plan.matched_by_path == 3
    assert plan.annotations_added == 3
    assert _classes(project) == ["large", "ripe"]  # named only in rows: sorted


def test_labels_on_a_truncated_image_come_with_a_warning(
    project: project_mod.Project, photos: Path
) -> None:
    (photos / "labels.csv").write_text("path,label\ncut.jpg,broken\na.jpg,fine\n")

    plan = importing.import_dataset(project, format="csv", path=photos / "labels.csv")

    assert plan.annotations_added == 2
    warnings = [(w, m) for code, w, m in plan.report if code == "truncated_image"]
    assert [w for w, _ in warnings] == ["cut.jpg"]
    assert "truncated" in warnings[0][1]


def _jsonl(folder: Path, *labels: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    lines = [
        json.dumps({"image_url": f"{n}.jpg", "image_details": {"width": 64, "height": 48},
                    "label": label})
        for n, label in zip(("a", "c d"), labels, strict=False)
    ]  # fmt: skip
    (folder / "train_annotations.jsonl").write_text("\n".join(lines) + "\n")
    return folder


def test_azure_ml_and_labelme_imports_create_classes_in_a_stable_order(
    project: project_mod.Project, tmp_path: Path, photos: Path
) -> None:
    # First seen: zebra, then apple. Sorted: the same ids whichever line comes first.
    folder = _jsonl(tmp_path / "aml", "zebra", "apple")
    for name in ("a.jpg", "c d.jpg"):
        shutil.copy(photos / name, folder / name)
    plan = importing.import_dataset(project, format="azureml", path=folder)
    assert plan.classes_created == ("apple", "zebra")

    document = {
        "shapes": [
            {"label": "yak", "points": [[1, 1], [5, 5]], "shape_type": "rectangle"},
            {"label": "moose", "points": [[1, 1], [5, 5], [1, 5]], "shape_type": "polygon"},
        ],
        "imagePath": "a.jpg",
        "imageWidth": 64,
        "imageHeight": 48,
    }
    labelme = tmp_path / "lm"
    labelme.mkdir()
    shutil.copy(photos / "a.jpg", labelme / "a.jpg")
    (labelme / "a.json").write_text(json.dumps(document))
    plan = importing.import_dataset(project, format="labelme", path=labelme)
    assert plan.classes_created == ("moose", "yak")


def _darknet(tmp_path: Path, obj_data: str) -> Path:
    root = tmp_path / "darknet"
    for split in ("train", "val", "extra"):
        h.make_image(root / f"obj_{split}_data" / f"{split}1.jpg")
        (root / f"obj_{split}_data" / f"{split}1.txt").write_text("0 0.5 0.5 0.2 0.2\n")
        (root / f"{split}.txt").write_text(f"data/obj_{split}_data/{split}1.jpg\n")
    (root / "obj.names").write_text("cat\n")
    (root / "obj.data").write_text(obj_data)
    return root


def test_darknet_val_and_other_listed_subsets_are_read_and_unknown_keys_reported(
    tmp_path: Path,
) -> None:
    # As datumaro writes it: "val = ...", not Darknet's "valid = ...".
    root = _darknet(
        tmp_path,
        "classes = 1\ntrain = data/train.txt\nval = data/val.txt\nextra = data/extra.txt\n"
        "names = data/obj.names\nbackup = backup/\ngpus = 0,1\n",
    )
    report = base.Report()
    assert yolo.READER is not None
    result = yolo.READER.read(root / "obj.data", report)

    assert sorted((s.split, s.image.rel_path) for s in result.samples) == [
        ("extra", "obj_extra_data/extra1.jpg"),
        ("train", "obj_train_data/train1.jpg"),
        ("val", "obj_val_data/val1.jpg"),
    ]
    assert report.counts() == {"darknet_subset": 1, "darknet_key_not_taken": 1}
    assert "gpus" in next(w for c, w, _ in report.entries if c == "darknet_key_not_taken")


def test_every_front_end_reads_the_formats_from_one_description() -> None:
    from labeler.formats import azureml

    # The writers' own task lists are the description's.
    assert registry.get("yolo").tasks == yolo.TASKS
    assert registry.get("azureml").tasks == azureml.TASKS
    assert set(registry.ALL_TASKS) >= {"multiclass", "multilabel", "detect", "classify"}
    for described in registry.FORMATS:
        module = registry.module(described.name)
        assert (module.WRITER is not None) == described.writes, described.name
        assert (module.READER is not None) == described.reads, described.name
        assert described.kinds, f"{described.name} says how it writes each shape kind"
    with pytest.raises(base.OptionError, match="coco format does not take --voc-coordinates"):
        registry.get("coco").check_options({"voc_coordinates": "devkit"}, "export")
    assert registry.get("voc").check_options({}, "export") == {"voc_coordinates": "devkit"}
