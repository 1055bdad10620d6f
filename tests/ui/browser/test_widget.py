"""The image browser widget: 100,000 images, current image, filters, list and grid modes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image as PILImage
from pytestqt.qtbot import QtBot

from PySide6 import QtCore, QtGui, QtWidgets

from tests.ui.browser import fakes
from ui import tasks
from ui.browser import filters, widget
from ui.browser import model as model_mod
from ui.images import thumbnails as thumbs_mod

Qt = QtCore.Qt


@pytest.fixture
def runner(qtbot: QtBot) -> Iterator[tasks.TaskRunner]:
    r = tasks.TaskRunner()
    yield r
    r.shutdown()


def make_browser(qtbot: QtBot, store: fakes.FakeImages, **kwargs: object) -> widget.ImageBrowser:
    browser = widget.ImageBrowser(store.fetch, **kwargs)  # type: ignore[arg-type]
    qtbot.addWidget(browser)
    browser.resize(300, 600)
    return browser


def test_showing_100k_images_fetches_only_what_is_visible(qtbot: QtBot) -> None:
    store = fakes.FakeImages(100_000)
    browser = make_browser(qtbot, store)

    browser.set_ids(store.ids)
    browser.show()
    qtbot.waitExposed(browser)
    browser.view.viewport().repaint()

    assert browser.model.rowCount() == 100_000
    assert browser.findChild(QtWidgets.QLabel, "imageCount").text() == "100,000 images"
    # The first screen of rows and little more: never the whole project.
    assert 0 < browser.model.rows_fetched <= 2 * model_mod.BLOCK_SIZE

    browser.select_id("id99999")  # the end of the list, without fetching what lies between
    browser.view.viewport().repaint()
    assert browser.model.rows_fetched <= 4 * model_mod.BLOCK_SIZE

    browser.set_view_mode("grid")
    browser.view.viewport().repaint()
    assert browser.model.rows_fetched <= 6 * model_mod.BLOCK_SIZE

    # Keys typed on the list (class hotkeys, letters) do not search through every row.
    browser.view.setFocus()
    qtbot.keyClicks(browser.view, "z9")
    assert browser.model.rows_fetched <= 6 * model_mod.BLOCK_SIZE
    assert browser.current_id() == "id99999"


def test_current_image_follows_the_user_and_next_previous(qtbot: QtBot) -> None:
    store = fakes.FakeImages(5)
    browser = make_browser(qtbot, store)
    browser.set_ids(store.ids)
    browser.show()

    with qtbot.waitSignal(browser.currentImageChanged) as got:
        browser.view.setFocus()
        qtbot.keyClick(browser.view, Qt.Key.Key_Down)
    assert got.args == [browser.current_id()]

    assert browser.select_id("id2")
    with qtbot.waitSignal(browser.currentImageChanged) as got:
        assert browser.next() == "id3"
    assert got.args == ["id3"] and browser.current_id() == "id3"
    assert browser.neighbour_ids(before=1, after=2) == ["id4", "id2"]
    assert browser.previous() == "id2"
    browser.select_id("id4")
    assert browser.next() is None and browser.current_id() == "id4"
    assert not browser.select_id("not-listed")

    with qtbot.assertNotEmitted(browser.currentImageChanged):
        browser.select_id("id0", notify=False)
    assert browser.current_id() == "id0"


def test_new_ids_keep_the_current_image_when_still_listed(qtbot: QtBot) -> None:
    store = fakes.FakeImages(10)
    browser = make_browser(qtbot, store)
    browser.set_ids(store.ids)
    browser.select_id("id6")

    with qtbot.assertNotEmitted(browser.currentImageChanged):
        browser.set_ids(["id1", "id6", "id9"])
    assert browser.current_id() == "id6"
    assert browser.view.currentIndex().row() == 1

    with qtbot.waitSignal(browser.currentImageChanged) as got:
        browser.set_ids(["id1", "id9"])
    assert got.args == [""] and browser.current_id() is None


def test_filter_combo_and_search_box_emit_a_filter(qtbot: QtBot) -> None:
    browser = make_browser(qtbot, fakes.FakeImages(3))
    combo = browser.findChild(QtWidgets.QComboBox, "imageFilter")
    search = browser.findChild(QtWidgets.QLineEdit, "imageSearch")
    assert [combo.itemData(i) for i in range(combo.count())] == [k for k, _ in filters.CHOICES]

    with qtbot.waitSignal(browser.filterChanged) as got:
        combo.setCurrentIndex(combo.findData("needs_review"))
    assert got.args == [filters.BrowserFilter("needs_review", "")]

    with qtbot.waitSignal(browser.filterChanged) as got:
        qtbot.keyClicks(search, "cat")
    assert got.args == [filters.BrowserFilter("needs_review", "cat")]
    with qtbot.assertNotEmitted(browser.filterChanged):
        qtbot.keyClick(search, Qt.Key.Key_Return)  # nothing new to ask for

    browser.set_filter(filters.BrowserFilter("problems", "dog"))
    assert combo.currentData() == "problems" and search.text() == "dog"
    assert browser.filter() == filters.BrowserFilter("problems", "dog")


def test_grid_mode_shows_thumbnails_of_visible_rows_only(
    qtbot: QtBot, tmp_path: Path, runner: tasks.TaskRunner
) -> None:
    folder = tmp_path / "pictures" / "sub"
    folder.mkdir(parents=True)
    store = fakes.FakeImages(400, root=str(tmp_path / "pictures"))
    for i in range(400):
        colour = (i * 37 % 256, i * 91 % 256, 160)
        PILImage.new("RGB", (96, 64), colour).save(folder / f"img_{i:05d}.jpg", quality=80)
    store.change("id1", status=model_mod.S.APPROVED)
    store.change("id2", status=model_mod.S.REJECTED)
    cache = tmp_path / "thumbs"
    loader = thumbs_mod.ThumbnailLoader(runner, cache_dir=cache)
    browser = make_browser(qtbot, store, thumbnails=loader)
    browser.resize(480, 400)
    browser.set_ids(store.ids)
    browser.show()
    qtbot.waitExposed(browser)

    with qtbot.waitSignal(browser.viewModeChanged):
        browser.findChild(QtWidgets.QToolButton, "gridMode").click()
    assert browser.view_mode() == "grid"
    browser.view.viewport().repaint()
    qtbot.waitUntil(lambda: runner.pending == 0)
    first = browser.model.index(0)
    qtbot.waitUntil(
        lambda: isinstance(browser.model.data(first, model_mod.THUMBNAIL_ROLE), QtGui.QImage)
    )
    qtbot.waitUntil(lambda: runner.pending == 0)

    made = list(cache.rglob("*.jpg"))
    assert 0 < len(made) < 100  # a screenful, not the 400 images of the list

    # The first cell shows its picture (dark blue); every cell has room for a whole thumbnail
    # even though the view measured only one row, before any thumbnail was made.
    browser.view.viewport().repaint()
    shot = browser.view.viewport().grab().toImage()
    cell = browser.view.visualRect(first)
    assert cell.height() > browser.view.iconSize().height()
    assert browser.view.visualRect(browser.model.index(5)).size() == cell.size()
    colours = {
        shot.pixelColor(x, y).getRgb()[:3]
        for x in range(cell.left(), cell.right(), 4)
        for y in range(cell.top(), cell.bottom(), 4)
    }
    assert any(abs(r) < 20 and abs(g) < 20 and abs(b - 160) < 20 for r, g, b in colours)
