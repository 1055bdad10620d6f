"""A new folder shows its first image while the rest of its names are still being stored."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from labeler.services import indexing
from tests.ui.helpers import projects, workbench
from ui import app as app_mod


def test_a_new_folder_shows_its_first_page_before_all_its_names_are_stored(
    qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "survey"
    projects.make_images(folder, 8)
    monkeypatch.setattr(indexing, "FIRST_PAGE", 3)
    # The names after the first page wait until the test has looked at the window.
    rest_may_go = threading.Event()
    store = indexing._insert_names
    calls: list[int] = []

    def slow_rest(session: Any, root_row: Any, names: Any, *rest: Any) -> None:
        calls.append(len(names))
        if len(calls) > 1:
            rest_may_go.wait(10)
        store(session, root_row, names, *rest)

    monkeypatch.setattr(indexing, "_insert_names", slow_rest)
    desktop = app_mod.Desktop(show_error=lambda _parent, text: None)
    try:
        assert desktop.open(folder)
        bench = desktop.bench
        assert bench is not None
        workbench.wait_shown(qtbot, bench)
        # The first image is up, listed from the first page, while the rest waits to be stored.
        assert calls[0] == 3
        current = bench.window.current
        assert len(current.ids) == 3
        assert bench.window.canvas.image_id() == current.ids[0]
        rest_may_go.set()
        qtbot.waitUntil(lambda: len(current.ids) == 8, timeout=5000)
        assert bench.window.current.image_id == current.ids[0]  # still the same first image
    finally:
        rest_may_go.set()
        desktop.close()
