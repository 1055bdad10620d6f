"""16-bit greyscale images get a window/level control that changes the view, never the file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PIL import Image

from labeler.services import indexing
from labeler.services import project as project_svc
from tests.ui.helpers import workbench


def _thermal(path: Path) -> Path:
    """A 16-bit greyscale PNG whose values span 1,000..9,490 (like a thermal camera's)."""
    img = Image.new("I;16", (80, 60))
    img.putdata([1000 + (x * 100) + (y * 10) for y in range(60) for x in range(80)])
    img.save(path)
    return path


def test_levels_follow_the_16_bit_image_and_leave_the_file_alone(
    qtbot: Any, tmp_path: Path
) -> None:
    folder = tmp_path / "thermal"
    folder.mkdir()
    path = _thermal(folder / "a.png")
    before = path.read_bytes()
    with project_svc.create_project(
        tmp_path / "t.labeler", classes=["hot"], author="tester"
    ) as project:
        indexing.add_folder(project, folder)
        indexing.index_pending(project)
        with workbench.open_workbench(qtbot, project) as bench:
            w = bench.window
            panel, image_id = w.levels_panel, w.current.image_id or ""
            qtbot.waitUntil(panel.auto.isEnabled, timeout=5000)
            auto_low, auto_high = panel.low.value(), panel.high.value()
            assert 1000 <= auto_low < auto_high <= 9490
            with qtbot.waitSignal(w.loader.windowLevelChanged, timeout=5000):
                panel.high.setValue(3000)
            assert w.loader.window_level(image_id) == (auto_low, 3000)
            with qtbot.waitSignal(w.loader.windowLevelChanged, timeout=5000):
                panel.auto.click()
            assert (panel.low.value(), panel.high.value()) == (auto_low, auto_high)
    assert path.read_bytes() == before


def test_levels_are_off_for_ordinary_photos(qtbot: Any, tmp_path: Path) -> None:
    from tests.ui.helpers import projects

    project = projects.make_project(tmp_path)
    with workbench.open_workbench(qtbot, project) as bench:
        assert not bench.window.levels_panel.auto.isEnabled()
    project.close()
