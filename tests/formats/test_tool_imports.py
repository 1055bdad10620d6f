"""Datasets written by the tools ML engineers use — datumaro, supervision, labelme, Ultralytics —
imported into a project of the same photos: exactly (within the format's rounding), or refused
naming the file, the place and the reason, with the project unchanged.

Each tool writes its dataset from labeler's COCO (or labelme) export of the conformance project;
the import goes into a second, unlabelled project over the same photos, and what it gets is
compared with the first project's labels.
"""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from labeler.domain import status as status_mod
from labeler.formats import base
from labeler.services import exporting, importing, indexing, stats
from labeler.services import project as project_mod
from tests.formats import _loader_project as lp
from tests.formats import loaders

#: Every test here runs an independent loader in its own environment.
pytestmark = pytest.mark.loaders


@dataclasses.dataclass
class Setting:
    source: Path  # the labelled project
    coco: Path  # its COCO export
    yolo: Path  # its YOLO (detect) export
    labelme: Path  # its labelme export
    root: Path


@pytest.fixture(scope="module")
def setting(tmp_path_factory: pytest.TempPathFactory) -> Setting:
    root = tmp_path_factory.mktemp("tool-imports")
    source = lp.build(root)
    lp.export_to(source, "coco", root / "coco")
    lp.export_to(source, "labelme", root / "labelme")
    lp.export_to(source, "yolo", root / "yolo", task="detect")
    return Setting(source, root / "coco", root / "yolo", root / "labelme", root)


@pytest.fixture
def target(setting: Setting, tmp_path: Path) -> Iterator[project_mod.Project]:
    """A project of the same photos, without classes or labels."""
    with project_mod.create_project(tmp_path / "target.labeler", author="tester") as project:
        indexing.add_folder(project, setting.root / "photos")
        indexing.index_pending(project)
        yield project


def _labels(project: project_mod.Project) -> dict[str, list[tuple[str, str, Any]]]:
    every = frozenset(status_mod.ImageStatus)
    samples = exporting.read_samples(project, every, base.Report())
    return {
        s.image.rel_path: [(lb.class_name, lb.kind.value, lb.geometry) for lb in s.labels]
        for s in samples
        if s.labels
    }


def _assert_imported(
    project: project_mod.Project, tolerance: float, boxes_only: bool, images: set[str] | None = None
) -> None:
    """The project now holds the conformance labels (polygons as their boxes if ``boxes_only``)."""
    got = _labels(project)
    wanted = {
        rel: labels
        for rel, (_, _, _, labels) in lp.IMAGES.items()
        if labels and (images is None or rel in images)
    }
    assert sorted(got) == sorted(wanted)
    for rel, labels in wanted.items():
        if boxes_only:
            found = [(name, lp.corners(g)) for name, kind, g in got[rel] if kind == "box"]
            assert len(found) == len(got[rel]), f"{rel}: only boxes expected"
            lp.assert_boxes_match(
                [(n, lp.corners(g)) for n, g in labels], found, tolerance, f"{rel}"
            )
            continue
        for (name, g), (got_name, _, got_g) in zip(
            sorted(labels, key=str), sorted(got[rel], key=str), strict=True
        ):
            assert name == got_name
            lp.assert_boxes_match(
                [(name, lp.corners(g))], [(name, lp.corners(got_g))], tolerance, rel
            )


def _import(project: project_mod.Project, fmt: str, path: Path, **kw: Any) -> Any:
    return importing.import_dataset(project, format=fmt, path=path, **kw)


# --- datumaro -------------------------------------------------------------------------------


@pytest.mark.parametrize(("to_format", "ours"), [("voc_detection", "voc"), ("yolo", "yolo")])
def test_datasets_datumaro_writes_import_exactly(
    setting: Setting, target: project_mod.Project, tmp_path: Path, to_format: str, ours: str
) -> None:
    out = tmp_path / "datumaro"
    loaders.run(
        "datumaro", "read_with_datumaro.py", "convert", "coco_instances", setting.coco,
        to_format, out,
    )  # fmt: skip
    plan = _import(target, ours, out)
    assert not plan.unmatched
    # datumaro writes VOC values as they stand (its labelmap.txt says it is datumaro's): exact.
    _assert_imported(target, 1e-3, boxes_only=True)


# --- supervision ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "ours", "tolerance"),
    # supervision writes VOC in the devkit's whole pixels: within its rounding.
    [("yolo", "yolo", 1e-3), ("voc", "voc", 0.5), ("coco", "coco", 1e-3)],
)
def test_datasets_supervision_writes_import_exactly(
    setting: Setting,
    target: project_mod.Project,
    tmp_path: Path,
    kind: str,
    ours: str,
    tolerance: float,
) -> None:
    out = tmp_path / "supervision"
    # supervision reads labeler's YOLO export (its flat folders keep file names unique, as
    # supervision requires) and writes one folder of images: one split at a time.
    yolo = setting.yolo
    for split in ("train", "val"):
        loaders.run(
            "supervision", "read_with_supervision.py", f"write-{kind}", "yolo",
            yolo / "images" / split, yolo / "labels" / split, yolo / "data.yaml", out / split,
        )  # fmt: skip
        plan = _import(target, ours, out / split)
        assert not plan.unmatched, plan.unmatched
    _assert_imported(target, tolerance, boxes_only=True)


# --- labelme --------------------------------------------------------------------------------


def test_files_labelme_saves_import_exactly_with_classes_in_a_stable_order(
    setting: Setting, target: project_mod.Project, tmp_path: Path
) -> None:
    out = tmp_path / "labelme"
    shutil.copytree(setting.labelme, out)
    (out / "manifest.json").unlink()
    loaders.run("labelme", "read_with_labelme.py", "resave", out)

    plan = _import(target, "labelme", out)

    assert not plan.unmatched
    # Sorted, not first-seen: the same files give the same class order on every import.
    assert plan.classes_created == tuple(sorted(lp.CLASSES))
    _assert_imported(target, 1e-9, boxes_only=False)


# --- Ultralytics ----------------------------------------------------------------------------


@pytest.mark.ultralytics
def test_labels_ultralytics_converts_from_coco_import_exactly(
    setting: Setting, target: project_mod.Project, tmp_path: Path
) -> None:
    out = tmp_path / "ultralytics"
    loaders.run("ultralytics", "convert_with_ultralytics.py", setting.coco / "annotations", out)
    # Ultralytics writes labels only: the images and data.yaml sit where it expects them.
    for split in ("train", "val"):
        shutil.copytree(setting.coco / "images" / split, out / "images" / split)
    names = dict(enumerate(lp.CLASSES))
    (out / "data.yaml").write_text(
        yaml.safe_dump(
            {"path": str(out), "train": "images/train", "val": "images/val", "names": names}
        )
    )

    plan = _import(target, "yolo", out)

    assert not plan.unmatched
    _assert_imported(target, 1e-3, boxes_only=True)


# --- refused: the file, the place, the reason; nothing changed -------------------------------


def test_a_broken_tool_written_dataset_is_refused_and_changes_nothing(
    setting: Setting, target: project_mod.Project, tmp_path: Path
) -> None:
    out = tmp_path / "datumaro"
    loaders.run(
        "datumaro", "read_with_datumaro.py", "convert", "coco_instances", setting.coco,
        "yolo", out,
    )  # fmt: skip
    labels = sorted(out.glob("obj_*_data/**/*.txt"))  # datumaro writes Darknet's layout
    broken = next(p for p in labels if p.read_text().strip())
    broken.write_text(broken.read_text() + "7 0.5 0.5 0.1 0.1\n")
    before = stats.statistics(target).data_revision

    with pytest.raises(base.FormatError) as info:
        _import(target, "yolo", out)

    assert info.value.path == str(broken)
    assert info.value.where.startswith("line ")
    assert "class index 7" in info.value.reason
    assert stats.statistics(target).data_revision == before
    assert _labels(target) == {}
