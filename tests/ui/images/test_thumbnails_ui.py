"""Thumbnails for the browser: made once in the background, then handed out from memory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from tests.ui.images import files
from ui import tasks
from ui.images import thumbnails as thumbs_mod


@pytest.fixture
def runner(qtbot: QtBot) -> Iterator[tasks.TaskRunner]:
    r = tasks.TaskRunner()
    yield r
    r.shutdown()


def test_a_thumbnail_is_made_once_and_then_served_from_memory(
    qtbot: QtBot, tmp_path: Path, runner: tasks.TaskRunner
) -> None:
    image = files.record(files.photo(tmp_path / "wide.jpg", (1200, 600)))
    cache = tmp_path / "thumbs"
    loader = thumbs_mod.ThumbnailLoader(runner, cache_dir=cache)

    assert loader.get("wide") is None
    with qtbot.waitSignal(loader.ready) as got:
        loader.request(image)
    assert got.args[0] == "wide" and got.args[1].width() == 256 and got.args[1].height() == 128
    assert len(list(cache.glob("*.jpg"))) == 1

    with qtbot.assertNotEmitted(loader.ready):
        loader.request(image)
    assert runner.pending == 0 and loader.get("wide") is not None

    # Another session finds the file on disk: no decode of the photo, same picture.
    again = thumbs_mod.ThumbnailLoader(runner, cache_dir=cache)
    (tmp_path / "wide.jpg").write_bytes(b"")  # the original cannot be decoded any more
    with qtbot.waitSignal(again.ready) as got_again:
        again.request(image)
    assert got_again.args[1].size() == got.args[1].size()


def test_an_unreadable_image_reports_once(
    qtbot: QtBot, tmp_path: Path, runner: tasks.TaskRunner
) -> None:
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"garbage")
    loader = thumbs_mod.ThumbnailLoader(runner, cache_dir=tmp_path / "thumbs")

    with qtbot.waitSignal(loader.unavailable) as got:
        loader.request(files.record(bad))
    assert got.args[0] == "bad" and "not an image" in got.args[1]
    with qtbot.assertNotEmitted(loader.unavailable):
        loader.request(files.record(bad))
    assert runner.pending == 0


def test_memory_holds_a_bounded_number_of_thumbnails(
    qtbot: QtBot, tmp_path: Path, runner: tasks.TaskRunner
) -> None:
    one = 256 * 192 * 4
    loader = thumbs_mod.ThumbnailLoader(runner, cache_dir=tmp_path / "t", memory_bytes=2 * one)
    for i in range(4):
        with qtbot.waitSignal(loader.ready):
            loader.request(files.record(files.photo(tmp_path / f"p{i}.jpg", (400, 300))))
    assert [loader.get(f"p{i}") is not None for i in range(4)] == [False, False, True, True]
