"""A folder opened in the app is hashed and measured in the background while its first image shows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from labeler.services import images, indexing
from labeler.services import project as project_svc
from tests.ui.helpers import projects, workbench


def test_unindexed_images_are_indexed_in_the_background(qtbot: Any, tmp_path: Path) -> None:
    with project_svc.create_project(
        tmp_path / "p.labeler", classes=["a"], author="tester"
    ) as project:
        projects.make_images(tmp_path / "imgs", 30, size=(90, 70))
        (tmp_path / "imgs" / "zz_broken.jpg").write_text("not a picture")
        indexing.add_folder(project, tmp_path / "imgs")
        assert indexing.pending_count(project) == 31
        with workbench.open_workbench(qtbot, project) as bench:
            # The indexer starts after the first frame and may finish while the first image is
            # being shown: wait until nothing is pending and it has stopped (not running alone:
            # that holds before it starts, too).
            qtbot.waitUntil(
                lambda: indexing.pending_count(project) == 0 and not bench.indexer.running,
                timeout=20_000,
            )
            shown = images.get_image(project, bench.window.current.image_id or "")
            assert (shown.width, shown.height) == (90, 70)
            assert "cannot be labeled" in bench.window.statusBar().currentMessage()
