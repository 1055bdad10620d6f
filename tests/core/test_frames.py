"""Shapes live in their image's displayed frame: phone photos are measured before they are shown,
shapes outside the frame are cut (a little) or refused (a lot), and a scan lists old ones."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
import sqlalchemy as sa

from labeler.domain import annotation as ann_mod
from labeler.domain import frame
from labeler.domain import geometry as geo
from labeler.services import annotate, images, indexing, schema, stats
from labeler.services import project as project_mod
from labeler.store import models
from tests.helpers import images as img_files
from tests.helpers import readonly


def test_a_shape_inside_the_frame_is_kept_as_drawn() -> None:
    box = geo.Box(10, 10, 100, 50)
    assert frame.fit(box, 480, 640) is box


def test_a_shape_a_little_past_an_edge_is_cut_to_the_frame() -> None:
    assert frame.fit(geo.Box(-0.5, 630, 100, 13), 480, 640) == geo.Box(0, 630, 99.5, 10)
    poly = geo.Polygon(((0, 0), (484, 10), (20, 645)))  # 1 % of 480 is 4.8 px
    assert frame.fit(poly, 480, 640) == geo.Polygon(((0, 0), (480, 10), (20, 640)))


def test_a_shape_far_past_an_edge_is_refused_with_the_frame_it_missed() -> None:
    # What the issue saw: a box drawn on a sideways picture, stored in a frame 480 wide.
    with pytest.raises(frame.OutsideFrameError, match=r"x 433–610.*480 × 640"):
        frame.fit(geo.Box(433, 300, 177, 120), 480, 640)
    with pytest.raises(frame.OutsideFrameError):
        frame.fit(geo.Polygon(((0, 0), (10, 0), (10, 700))), 480, 640)


def test_nothing_is_checked_while_the_frame_is_unknown() -> None:
    box = geo.Box(433, 300, 177, 120)
    assert frame.fit(box, None, None) is box
    assert frame.fit(None, 480, 640) is None


def _first(project: project_mod.Project) -> tuple[str, str]:
    return images.list_image_ids(project)[0], schema.find_class(project, "cat").id


def test_the_service_refuses_a_box_outside_the_image_and_cuts_one_just_past_it(
    indexed: project_mod.Project,
) -> None:
    image_id, cat = _first(indexed)  # 160 × 120
    far = ann_mod.NewShape(cat, geo.ShapeKind.BOX, geo.Box(100, 10, 150, 20))
    with pytest.raises(frame.OutsideFrameError, match="160 × 120"):
        annotate.add_annotations(indexed, image_id, [far])
    assert annotate.list_annotations(indexed, image_id) == []
    near = ann_mod.NewShape(cat, geo.ShapeKind.BOX, geo.Box(100, 10, 61, 20))
    (made,) = annotate.add_annotations(indexed, image_id, [near]).annotations
    (stored,) = annotate.list_annotations(indexed, image_id)
    assert stored.geometry == geo.Box(100, 10, 60, 20)
    with pytest.raises(frame.OutsideFrameError):
        annotate.update_annotations(
            indexed, {made: ann_mod.ShapeEdit(geometry=geo.Box(0, 100, 10, 80))}
        )
    assert annotate.list_annotations(indexed, image_id)[0].geometry == geo.Box(100, 10, 60, 20)


@pytest.fixture
def phone_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "phone"
    for o in (6, 1, 8, 3):
        img_files.phone_photo(folder / f"IMG_{o}.jpg", (48, 64), o)
    return folder


def test_measuring_reads_the_orientation_of_images_not_indexed_yet(
    project: project_mod.Project, phone_folder: Path
) -> None:
    indexing.add_folder(project, phone_folder)  # names only, as `labeler open FOLDER` starts
    ids = images.list_image_ids(project)
    assert {images.get_image(project, i).width for i in ids} == {None}
    found, changes = indexing.measure(project, ids)
    assert [(im.width, im.height) for im in found] == [(48, 64)] * 4
    assert [im.orientation for im in found] == [1, 3, 6, 8]
    assert changes.images == frozenset(ids)
    stored = images.get_images(project, ids)
    assert stored == found  # recorded, so everything else agrees
    assert not any(im.indexed or im.sha256 for im in stored)  # hashing stays with the indexer
    assert indexing.measure(project, ids)[1].images == frozenset()  # nothing to read again
    indexing.index_pending(project)
    assert [(im.width, im.height, im.orientation) for im in images.get_images(project, ids)] == [
        (im.width, im.height, im.orientation) for im in found
    ]


def test_measuring_a_read_only_project_still_gives_the_frame(
    tmp_path: Path, phone_folder: Path
) -> None:
    path = tmp_path / "ro.labeler"
    with project_mod.create_project(path, author="tester") as project:
        indexing.add_folder(project, phone_folder)
    with readonly.immutable(path), project_mod.open_project(path, author="tester") as project:
        ids = images.list_image_ids(project)
        found, changes = indexing.measure(project, ids)
        assert [(im.width, im.height) for im in found] == [(48, 64)] * 4
        assert not changes


def _store_raw_box(project: project_mod.Project, image_id: str, box: geo.Box) -> None:
    """A shape written by an older labeler, before the frame was checked."""
    with project.db.write() as session:
        session.execute(
            sa.text(
                "INSERT INTO annotation (id, image_id, class_id, kind, geometry, attributes, "
                "version, created_at, updated_at, author, dirty, deleted) VALUES "
                "(:id, :image, NULL, 'box', :g, '{}', 1, '2026-01-01T00:00:00.000000Z', "
                "'2026-01-01T00:00:00.000000Z', 'old', 1, 0)"
            ),
            {"id": f"old-{box.x}", "image": image_id, "g": orjson.dumps(box.to_json()).decode()},
        )


def test_scan_lists_shapes_stored_outside_their_image(
    project: project_mod.Project, phone_folder: Path
) -> None:
    indexing.add_folder(project, phone_folder)
    indexing.index_pending(project)
    sideways = images.list_image_ids(project)[2]  # IMG_6.jpg: stored 64 × 48, shown 48 × 64
    # Drawn on the picture shown sideways (64 wide, 48 high), stored as it was.
    _store_raw_box(project, sideways, geo.Box(40, 30, 20, 15))
    _store_raw_box(project, sideways, geo.Box(5, 5, 10, 10))  # inside: not listed
    project.close()
    out = subprocess.run(
        [sys.executable, "-m", "labeler.cli", "scan", str(project.path), "--json"],
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    (listed,) = json.loads(out.stdout)["shapes_outside_frame"]
    assert listed["path"].endswith("IMG_6.jpg") and listed["frame"] == [48, 64]
    assert listed["bounds"] == [40, 30, 60, 45] and listed["sideways"] is True
    text = subprocess.run(
        [sys.executable, "-m", "labeler.cli", "scan", str(project.path)],
        capture_output=True, text=True, check=False, timeout=120,
    ).stdout  # fmt: skip
    assert "1 shapes reach outside their image" in text
    assert "IMG_6.jpg: box (no class) at x 40–60, y 30–45 in a 48 × 64 image" in text
    assert "turned sideways" in text


def test_shapes_of_images_not_measured_yet_are_not_listed(
    project: project_mod.Project, phone_folder: Path
) -> None:
    indexing.add_folder(project, phone_folder)
    image_id = images.list_image_ids(project)[0]
    _store_raw_box(project, image_id, geo.Box(400, 300, 20, 15))
    assert stats.shapes_outside_frames(project) == []
    with project.read() as session:
        assert session.execute(sa.select(sa.func.count(models.AnnotationRow.id))).scalar() == 1
