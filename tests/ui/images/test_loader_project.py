"""The loader shows a real project's images in the frame the project's coordinates use."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image as PILImage
from pytestqt.qtbot import QtBot

from PySide6 import QtCore

from labeler.services import images, indexing
from labeler.services import project as project_mod
from ui import tasks
from ui.images import loader as loader_mod


@pytest.fixture
def runner(qtbot: QtBot) -> Iterator[tasks.TaskRunner]:
    r = tasks.TaskRunner()
    yield r
    r.shutdown()


def test_displayed_size_matches_the_indexed_size(
    qtbot: QtBot, tmp_path: Path, runner: tasks.TaskRunner
) -> None:
    folder = tmp_path / "photos"
    folder.mkdir()
    for orientation in (1, 3, 6, 8):
        exif = PILImage.Exif()
        exif[0x0112] = orientation
        PILImage.new("RGB", (300, 200), (10, 200, 30)).save(
            folder / f"o{orientation}.jpg", exif=exif.tobytes()
        )
    project = project_mod.create_project(tmp_path / "p.labeler", author="tester")
    indexing.add_folder(project, folder)
    indexing.index_pending(project)
    loader = loader_mod.ImageLoader(runner)

    for image in images.get_images(project, images.list_image_ids(project)):
        with qtbot.waitSignal(loader.loaded) as got:
            loader.request(image)
        image_id, picture, full = got.args
        assert image_id == image.id
        assert full == QtCore.QSize(image.width or 0, image.height or 0)
        assert picture.size() == full  # small enough to decode whole
        assert (full.width() < full.height()) == (image.orientation in (6, 8))
