"""Phone photos on a first `labeler open FOLDER`: upright from the first paint, boxes stored in the
frame the project records, even before the background indexer has read a single header."""

from __future__ import annotations

from pathlib import Path

import pytest

from PySide6 import QtCore, QtGui

from labeler.domain import annotation as ann_mod
from labeler.domain import geometry as geo
from labeler.services import annotate, images, indexing, schema
from labeler.services import project as project_svc
from tests.helpers import images as img_files
from tests.ui.helpers import workbench
from ui.controllers import indexer as indexer_mod


def _fresh_folder_project(tmp_path: Path) -> project_svc.Project:
    folder = tmp_path / "Fotos Handy"
    for n, o in enumerate((6, 8, 6, 3, 5)):
        img_files.phone_photo(folder / f"IMG_{n + 1:04d}.jpg", (48, 64), o)
    project, created = project_svc.open_or_create(folder, author="tester")
    assert created
    schema.add_class(project, "plant")
    indexing.add_folder(project, folder)  # names only: what the window has at first
    return project


def _seen_at(bench, x: float, y: float) -> QtGui.QColor:
    """The colour on screen at image pixel (x, y)."""
    canvas = bench.window.canvas
    shot = canvas.viewport().grab().toImage()
    pos = canvas.mapFromScene(QtCore.QPointF(x, y))
    return shot.pixelColor(pos)


def _reddish(colour: QtGui.QColor) -> bool:
    return colour.red() > 180 and colour.green() < 90 and colour.blue() < 90


@pytest.fixture
def no_indexer(monkeypatch: pytest.MonkeyPatch) -> None:
    """The background indexer never gets to run: the worst case of a first open."""
    monkeypatch.setattr(indexer_mod.BackgroundIndexer, "start", lambda self: None)


def test_phone_photos_are_upright_and_boxes_land_in_their_frame_before_indexing(
    qtbot, tmp_path, no_indexer
):
    project = _fresh_folder_project(tmp_path)
    with workbench.open_workbench(qtbot, project) as bench:
        w = bench.window
        for step in range(5):
            # Upright: 48 wide and 64 high, the red corner at the top left.
            assert w.canvas.image_size() == (48.0, 64.0), f"image {step + 1}"
            assert _reddish(_seen_at(bench, 4, 4)), f"image {step + 1} is not upright"
            assert not _reddish(_seen_at(bench, 44, 60))
            workbench.press(qtbot, bench, "D")
            if step < 4:
                workbench.wait_shown(qtbot, bench)
        first = images.list_image_ids(project)[0]
        w.current.go_to(first)
        workbench.wait_shown(qtbot, bench)
        # A box at the lower right of the upright photo is stored there.
        w.canvas.shapeDrawn.emit(ann_mod.NewShape(None, geo.ShapeKind.BOX, geo.Box(30, 44, 16, 18)))
        (stored,) = annotate.list_annotations(project, first)
        assert stored.geometry == geo.Box(30, 44, 16, 18)
        recorded = images.get_image(project, first)
        assert (recorded.width, recorded.height, recorded.orientation) == (48, 64, 6)


def test_photos_decoded_ahead_before_their_header_was_read_are_upright(qtbot, tmp_path, no_indexer):
    """The neighbours are decoded ahead while their frame is still unknown: the decode reads the
    orientation from the file, so the picture shown on arrival is upright (it was shown upside
    down when the decode ahead used the placeholder orientation)."""
    project = _fresh_folder_project(tmp_path)
    with workbench.open_workbench(qtbot, project) as bench:
        w = bench.window
        ids = list(w.current.ids)
        for step in range(4):
            # Wait until the images ahead are decoded, as they are when the user looks a while.
            ahead = w.current._window(w.current.image_id)[1:]
            qtbot.waitUntil(lambda ahead=ahead: all(bench.loader.is_cached(i) for i in ahead))
            workbench.press(qtbot, bench, "D")
            workbench.wait_shown(qtbot, bench)
            assert w.current.image_id == ids[step + 1]
            assert w.canvas.image_size() == (48.0, 64.0), f"image {step + 2}"
            assert _reddish(_seen_at(bench, 4, 4)), f"image {step + 2} is not upright"
            assert not _reddish(_seen_at(bench, 44, 60))


def test_a_frame_that_changes_while_shown_is_shown_again_in_the_new_frame(qtbot, tmp_path):
    import sqlalchemy as sa

    from labeler.domain import changes as changes_mod
    from labeler.store import models
    from tests.ui.helpers import projects

    project = projects.make_project(tmp_path, images=2)  # 160 × 120, orientation 1
    with workbench.open_workbench(qtbot, project) as bench:
        w = bench.window
        image_id = w.current.image_id or ""
        assert w.canvas.image_size() == (160.0, 120.0)
        # The file was replaced by a phone photo of the other orientation (a rescan found it).
        photo = img_files.phone_photo(tmp_path / "photo.jpg", (120, 160), 6)
        target = images.get_image(project, image_id).abs_path
        Path(target).write_bytes(photo.read_bytes())
        with project.db.write() as session:
            session.execute(
                sa.update(models.ImageRow)
                .where(models.ImageRow.id == image_id)
                .values(width=120, height=160, orientation=6)
            )
        bench.doc.announce(changes_mod.Changes(images=frozenset({image_id})))
        qtbot.waitUntil(lambda: w.canvas.image_size() == (120.0, 160.0))
        workbench.wait_shown(qtbot, bench)
        assert _reddish(_seen_at(bench, 4, 4))
