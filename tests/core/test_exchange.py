"""Export from a project and import into one, through the services and the command line."""

from __future__ import annotations

import json
import sqlite3
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
    with project_mod.create_project(tmp_path / "second.labeler", author="tester") as second:
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
    assert any(e["code"] == "box_as_polygon" for e in data["inexact"])
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


def _reference_samples(
    project: project_mod.Project, statuses: frozenset[status_mod.ImageStatus]
) -> list[tuple[str, str, list[base.Label]]]:
    """What an export must contain, built image by image through the public services."""
    names = {c.id: c.name for c in schema.get_schema(project).classes}
    flt = images.ImageFilter(statuses=statuses)
    out = []
    for image in images.list_images(project, flt, limit=1000):
        labels = [
            base.Label(names[a.class_id], a.kind, a.geometry, dict(a.attributes))
            for a in annotate.list_annotations(project, image.id)
            if a.class_id in names
        ]
        out.append((image.id, image.rel_path, labels))
    return out


def test_an_export_reads_exactly_the_live_labels_of_the_chosen_images(
    indexed: project_mod.Project,
) -> None:
    ids = images.list_image_ids(indexed)
    cls = {c.name: c.id for c in schema.get_schema(indexed).classes}
    box, poly = geo.ShapeKind.BOX, geo.ShapeKind.POLYGON
    triangle = geo.Polygon(((1, 1), (30, 2), (15, 25)))
    annotate.add_annotations(
        indexed,
        ids[0],
        [
            ann_mod.NewShape(cls["cat"], box, geo.Box(2, 3, 20, 10), {"occluded": True}),
            ann_mod.NewShape(cls["dog"], poly, triangle, {"crowd": True, "note": "x"}),
        ],
    )
    gone = annotate.add_annotations(
        indexed, ids[0], [ann_mod.NewShape(cls["cat"], box, geo.Box(0, 0, 4, 4))]
    )
    annotate.delete_annotations(indexed, list(gone.annotations))
    annotate.add_annotations(  # added last: comes last within its image
        indexed, ids[0], [ann_mod.NewShape(cls["dog"], box, geo.Box(5, 5, 1, 1))]
    )
    annotate.add_annotations(
        indexed, ids[1], [ann_mod.NewShape(cls["bird"], box, geo.Box(1, 1, 2, 2))]
    )
    annotate.add_annotations(
        indexed, ids[3], [ann_mod.NewShape(cls["dog"], box, geo.Box(1, 2, 3, 4))]
    )
    annotate.add_annotations(
        indexed, ids[4], [ann_mod.NewShape(cls["cat"], box, geo.Box(1, 2, 3, 4))]
    )
    review.set_status(indexed, ids[:3], status_mod.ImageStatus.DONE)
    review.set_status(indexed, ids[3:4], status_mod.ImageStatus.APPROVED)
    schema.delete_class(indexed, cls["bird"])  # its labels are not exported any more

    finished = status_mod.FINISHED
    read = exporting.read_samples(indexed, finished, base.Report())
    got = [(s.image.key, s.image.rel_path, list(s.labels)) for s in read]
    assert got == _reference_samples(indexed, finished)
    assert [len(s.labels) for s in read] == [3, 0, 0, 1]  # ids[4] is still in progress
    assert read[0].labels[-1].geometry == geo.Box(5, 5, 1, 1)
    by_kind = {label.kind: label for label in read[0].labels[:2]}
    assert by_kind[poly].attributes == {"crowd": True, "note": "x"}
    assert by_kind[poly].geometry == triangle and by_kind[box].attributes == {"occluded": True}
    progress = frozenset({status_mod.ImageStatus.IN_PROGRESS})
    assert [s.image.key for s in exporting.read_samples(indexed, progress, base.Report())] == [
        ids[4]
    ]


def test_images_from_two_folders_are_exported_under_their_folder_names(
    indexed: project_mod.Project, tmp_path: Path
) -> None:
    from tests.helpers import images as image_files

    other = tmp_path / "more"
    image_files.distinct_jpegs(other, 2, prefix="other")
    indexing.add_folder(indexed, other)
    indexing.index_pending(indexed)
    review.set_status(indexed, images.list_image_ids(indexed), status_mod.ImageStatus.DONE)
    paths = [
        s.image.rel_path for s in exporting.samples(indexed, status_mod.FINISHED, base.Report())
    ]
    assert paths[:2] == ["photos/img_0000.jpg", "photos/img_0001.jpg"]
    assert paths[-2:] == ["more/other_0000.jpg", "more/other_0001.jpg"]


def test_a_damaged_stored_shape_stops_the_export_and_says_what_is_wrong(
    indexed: project_mod.Project, tmp_path: Path
) -> None:
    ids = _label_some(indexed)
    with sqlite3.connect(indexed.path) as db:
        db.execute("UPDATE annotation SET geometry = '{\"x\": 1}' WHERE image_id = ?", (ids[0],))
    with pytest.raises(geo.GeometryError, match="malformed box"):
        exporting.export_project(
            indexed, format="coco", out=tmp_path / "c", options=export.ExportOptions()
        )
    assert not (tmp_path / "c").exists()
