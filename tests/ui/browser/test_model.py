"""The image list model: lazy rows, roles for status and problems, 100,000 ids."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import pytest
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from PySide6 import QtCore, QtGui

from labeler.domain import image as image_mod
from labeler.domain import status
from tests.ui.browser import fakes
from ui.browser import model as model_mod

Qt = QtCore.Qt
S = status.ImageStatus


def test_model_passes_the_qt_model_tester(qtmodeltester: ModelTester) -> None:
    store = fakes.FakeImages(300)
    store.change("id3", status=S.NEEDS_REVIEW)
    store.change("id4", problem=image_mod.Problem.CORRUPT, problem_detail="JPEG data is damaged")
    model = model_mod.ImageListModel(store.fetch)
    model.set_ids(store.ids)
    qtmodeltester.check(model)

    model.set_ids(store.ids[:10])
    model.set_thumbnails_visible(True)
    qtmodeltester.check(model)


def test_rows_are_fetched_only_when_asked_for() -> None:
    store = fakes.FakeImages(1000)
    model = model_mod.ImageListModel(store.fetch, block_size=50)
    model.set_ids(store.ids)

    assert model.rowCount() == 1000 and store.fetched == []
    assert model.data(model.index(0), model_mod.ID_ROLE) == "id0"
    assert store.fetched == []  # the id needs no fetch

    # The list shows the path below the image folder, so sub-folders read as such.
    assert model.data(model.index(120)) == "sub/img_00120.jpg"
    assert store.fetched == [f"id{i}" for i in range(100, 150)]  # one block
    model.data(model.index(149), Qt.ItemDataRole.ToolTipRole)
    assert model.rows_fetched == 50


def test_status_and_problem_roles() -> None:
    store = fakes.FakeImages(3)
    store.change("id1", status=S.APPROVED)
    store.change("id2", problem=image_mod.Problem.TRUNCATED, problem_detail="The file ends early.")
    model = model_mod.ImageListModel(store.fetch)
    model.set_ids(store.ids)

    def data(row: int, role: int) -> object:
        return model.data(model.index(row), role)

    assert data(1, model_mod.STATUS_ROLE) == "approved"
    assert data(1, model_mod.BADGE_COLOR_ROLE) == QtGui.QColor(model_mod.STATUS_COLOURS[S.APPROVED])
    assert data(1, Qt.ItemDataRole.DecorationRole) == QtGui.QColor(
        model_mod.STATUS_COLOURS[S.APPROVED]
    )
    assert "Approved" in str(data(1, Qt.ItemDataRole.ToolTipRole))
    assert data(2, model_mod.PROBLEM_ROLE) == "The file ends early."
    assert "The file ends early." in str(data(2, Qt.ItemDataRole.ToolTipRole))
    assert data(2, model_mod.BADGE_COLOR_ROLE) == QtGui.QColor(model_mod.PROBLEM_COLOUR)
    assert data(0, model_mod.PROBLEM_ROLE) is None


def test_refresh_repaints_changed_rows_with_fresh_records(qtbot: QtBot) -> None:
    store = fakes.FakeImages(200)
    model = model_mod.ImageListModel(store.fetch)
    model.set_ids(store.ids)
    assert model.data(model.index(70), model_mod.STATUS_ROLE) == "new"

    store.change("id70", status=S.DONE)
    store.change("id71", status=S.SKIPPED)
    assert model.data(model.index(70), model_mod.STATUS_ROLE) == "new"  # cached until told
    with qtbot.waitSignal(model.dataChanged) as changed:
        model.refresh_ids(["id71", "id70", "unknown"])

    first, last = changed.args[0], changed.args[1]
    assert (first.row(), last.row()) == (70, 71)
    assert model.data(model.index(70), model_mod.STATUS_ROLE) == "done"
    assert model.data(model.index(71), model_mod.STATUS_ROLE) == "skipped"

    spans: list[tuple[int, int]] = []
    model.dataChanged.connect(lambda a, b, _roles=(): spans.append((a.row(), b.row())))
    model.refresh_ids(["id9", "id3", "id4", "id5", "id150"])
    assert spans == [(3, 5), (9, 9), (150, 150)]


def test_an_image_removed_meanwhile_shows_as_removed() -> None:
    store = fakes.FakeImages(5)
    model = model_mod.ImageListModel(store.fetch)
    model.set_ids([*store.ids, "gone"])
    assert model.data(model.index(5)) == "(removed)"
    assert model.data(model.index(5), model_mod.STATUS_ROLE) is None


def test_a_failing_fetch_leaves_readable_placeholders(caplog: pytest.LogCaptureFixture) -> None:
    store = fakes.FakeImages(5)
    broken = True

    def fetch(ids: Sequence[str]) -> list[image_mod.Image]:
        if broken:
            raise OSError("database is locked")
        return store.fetch(ids)

    model = model_mod.ImageListModel(fetch)
    model.set_ids(store.ids)
    with caplog.at_level(logging.ERROR):
        assert model.data(model.index(1)) == "(unreadable)"
        assert model.data(model.index(2)) == "(unreadable)"
    assert len(caplog.records) == 1 and "database is locked" in caplog.text  # once per block

    broken = False
    model.refresh_ids(["id1"])
    assert model.data(model.index(1)) == "sub/img_00001.jpg"


def test_row_cache_is_bounded() -> None:
    store = fakes.FakeImages(10_000)
    model = model_mod.ImageListModel(store.fetch, block_size=10, cached_blocks=4)
    model.set_ids(store.ids)
    for row in range(0, 10_000, 10):
        model.data(model.index(row))
    store.fetched.clear()
    model.data(model.index(9_995))  # in one of the last blocks: cached
    assert store.fetched == []
    model.data(model.index(5))  # long evicted
    assert len(store.fetched) == 10
