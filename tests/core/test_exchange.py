"""Export from a project and import into one, through the services and the command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from labeler.domain import annotation as ann_mod
from labeler.domain import geometry as geo
from labeler.domain import status as status_mod
from labeler.formats import base, export
from labeler.services import annotate, exporting, images, importing, indexing, review, schema
from labeler.services import project as project_mod


def _label_some(project: project_mod.Project) -> list[str]:
    ids = images.list_image_ids(project)
    cat, dog = schema.find_class(project, "cat").id, schema.find_class(project, "dog").id
    annotate.add_annotations(
        project, ids[0], [ann_mod.NewShape(cat, geo.ShapeKind.BOX, geo.Box(2.5, 3, 20, 10))]
    )
    poly = geo.Polygon(((1, 1), (30, 2), (15, 25)))
    annotate.add_annotations(project, ids[1], [ann_mod.NewShape(dog, geo.ShapeKind.POLYGON, poly)])
    review.set_status(
        project, ids[:3], status_mod.ImageStatus.DONE
    )  # ids[2]: done with nothing on it
    annotate.add_annotations(
        project, ids[4], [ann_mod.NewShape(cat, geo.ShapeKind.BOX, geo.Box(0, 0, 5, 5))]
    )
    return ids


def _shapes(project: project_mod.Project) -> set[tuple[str, str, str, tuple[float, ...]]]:
    names = {c.id: c.name for c in schema.get_schema(project).classes}
    out = set()
    for image in images.list_images(project, limit=1000):
        for a in annotate.list_annotations(project, image.id):
            g = a.geometry
            values = (
                (g.x, g.y, g.w, g.h) if isinstance(g, geo.Box) else tuple(g.flat()) if g else ()
            )
            out.add(
                (
                    image.rel_path,
                    names[a.class_id or ""],
                    a.kind.value,
                    tuple(round(v, 4) for v in values),
                )
            )
    return out


def test_export_then_import_into_a_new_project_gives_the_same_labels(
    indexed: project_mod.Project, image_dir: Path, tmp_path: Path
) -> None:
    _label_some(indexed)
    first = exporting.export_project(
        indexed, format="coco", out=tmp_path / "coco", options=export.ExportOptions()
    )
    assert (
        first.counts["images"] == 3
    )  # only finished images; the labeled but unfinished one stays out
    with project_mod.create_project(tmp_path / "second.labeler") as second:
        indexing.add_folder(second, image_dir)
        indexing.index_pending(second)
        plan = importing.import_dataset(second, format="coco", path=tmp_path / "coco")
        assert plan.annotations_added == 2 and plan.images_marked_done == 3
        assert plan.classes_created == ("cat", "dog", "bird")  # every category, in order
        want = {s for s in _shapes(indexed) if s[0] != "img_0004.jpg"}
        assert _shapes(second) == want
        again = importing.import_dataset(second, format="coco", path=tmp_path / "coco")
        assert again.annotations_added == 0 and again.annotations_already_there == 2
        exporting.export_project(
            second, format="coco", out=tmp_path / "coco2", options=export.ExportOptions()
        )
    one = json.loads(next((tmp_path / "coco" / "annotations").glob("*train*.json")).read_text())
    two = json.loads(next((tmp_path / "coco2" / "annotations").glob("*train*.json")).read_text())
    assert one["annotations"] == two["annotations"] and one["categories"] == two["categories"]


def test_a_malformed_dataset_changes_nothing_and_names_the_place(
    indexed: project_mod.Project, tmp_path: Path
) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "instances.json").write_text('{"images": [], "annotations": [\n  {"id": 1,, }\n]}')
    before = project_mod.meta(indexed).data_revision
    with pytest.raises(base.FormatError) as err:
        importing.import_dataset(indexed, format="coco", path=bad / "instances.json")
    assert "instances.json" in str(err.value) and "line 2" in str(err.value)
    assert project_mod.meta(indexed).data_revision == before


def test_dry_run_and_unknown_classes_change_nothing(
    indexed: project_mod.Project, tmp_path: Path
) -> None:
    _label_some(indexed)
    exporting.export_project(
        indexed, format="yolo", out=tmp_path / "y", options=export.ExportOptions(task="detect")
    )
    schema.delete_class(indexed, schema.find_class(indexed, "dog").id)
    before = project_mod.meta(indexed).data_revision
    plan = importing.dry_run(indexed, format="yolo", path=tmp_path / "y")
    assert plan.dry_run and plan.classes_created == ("dog",)
    with pytest.raises(importing.ImportFailed, match="dog"):
        importing.import_dataset(indexed, format="yolo", path=tmp_path / "y", create_classes=False)
    assert project_mod.meta(indexed).data_revision == before
    mapped = importing.import_dataset(
        indexed, format="yolo", path=tmp_path / "y", mapping={"dog": "bird"}
    )
    assert mapped.classes_mapped == {"dog": "bird"} and mapped.classes_created == ()


def test_missing_images_are_reported_not_exported(
    indexed: project_mod.Project, image_dir: Path, tmp_path: Path
) -> None:
    ids = _label_some(indexed)
    (image_dir / "img_0000.jpg").unlink()
    indexing.scan(indexed)
    result = exporting.export_project(
        indexed, format="voc", out=tmp_path / "voc", options=export.ExportOptions()
    )
    assert result.counts["images"] == 2
    assert any(
        code == "image_skipped" and "img_0000.jpg" in where
        for code, where, _ in result.report.entries
    )
    assert images.get_image(indexed, ids[0]).missing


def test_export_and_import_commands(
    indexed: project_mod.Project, image_dir: Path, tmp_path: Path
) -> None:
    _label_some(indexed)
    path = str(indexed.path)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "labeler.cli", *args],
            capture_output=True,
            text=True,
            check=False,
        )

    out = run(
        "export",
        path,
        "--format",
        "yolo",
        "--out",
        str(tmp_path / "y"),
        "--task",
        "segment",
        "--json",
    )
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["class_ids"] == {"cat": 0, "dog": 1, "bird": 2}
    assert any(e["code"] == "box_to_polygon" for e in data["inexact"])
    again = run("export", path, "--format", "yolo", "--out", str(tmp_path / "y"))
    assert again.returncode == 1 and "labeler: error:" in again.stderr
    sub = run(
        "export",
        path,
        "--format",
        "coco",
        "--out",
        str(tmp_path / "c"),
        "--classes",
        "dog",
        "--json",
    )
    assert json.loads(sub.stdout)["class_ids"] == {"dog": 1}
    dry = run("import", path, str(tmp_path / "y"), "--format", "yolo", "--dry-run", "--json")
    assert dry.returncode == 0, dry.stderr
    assert json.loads(dry.stdout)["dry_run"] is True
    unknown = run("export", path, "--format", "tfrecord", "--out", str(tmp_path / "t"))
    assert unknown.returncode == 1 and "unknown format" in unknown.stderr
