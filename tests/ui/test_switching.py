"""Going to the next image: what was read ahead shows at once, and stays true to the project."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from labeler.domain import annotation as ann_mod
from labeler.domain import geometry as geo
from labeler.domain import status as status_mod
from labeler.services import annotate, review
from tests.ui.helpers import projects, workbench
from ui import app as app_mod


def _statements(bench: app_mod.Workbench) -> list[str]:
    """Every SQL statement the project runs from now on."""
    seen: list[str] = []
    sa.event.listen(
        bench.project.db.engine, "before_cursor_execute", lambda *a: seen.append(str(a[2]))
    )
    return seen


def _settled(qtbot: Any, bench: app_mod.Workbench) -> None:
    """The rows and pictures around the current image are read and decoded (after its frame)."""
    current = bench.window.current
    qtbot.waitUntil(
        lambda: (
            current.image_id is not None
            and all(bench.loader.is_cached(i) for i in current._window(current.image_id))
            and bench.runner.pending == 0
        ),
        timeout=5000,
    )


def test_the_next_image_shows_without_reading_the_project(qtbot: Any, tmp_path: Path) -> None:
    with (
        projects.make_project(tmp_path, images=6) as project,
        workbench.open_workbench(qtbot, project) as bench,
    ):
        _settled(qtbot, bench)
        statements = _statements(bench)
        for _ in range(3):
            statements.clear()
            workbench.press(qtbot, bench, "D")
            # Painted from what was read and decoded ahead: no query on the way.
            assert bench.window.canvas.image_id() == bench.window.current.image_id
            assert statements == []
            # The rows of the image coming into reach are read once the frame is painted.
            qtbot.waitUntil(lambda: bool(statements), timeout=2000)
            _settled(qtbot, bench)
        assert bench.window.current.ids.index(bench.window.current.image_id or "") == 3


def test_a_change_to_an_image_read_ahead_shows_when_the_user_gets_there(
    qtbot: Any, tmp_path: Path
) -> None:
    with (
        projects.make_project(tmp_path, images=4) as project,
        workbench.open_workbench(qtbot, project) as bench,
    ):
        _settled(qtbot, bench)
        ids = bench.window.current.ids
        cat = bench.doc.schema.classes[0].id
        # A teammate's changes (or an import) arrive as a changes record, like a local edit.
        bench.doc.edit(review.set_status, [ids[1]], status_mod.ImageStatus.DONE, None)
        box = ann_mod.NewShape(cat, geo.ShapeKind.BOX, geo.Box(10.0, 10.0, 40.0, 30.0))
        bench.doc.edit(annotate.add_annotations, ids[1], [box])

        workbench.press(qtbot, bench, "D")

        current = bench.window.current
        assert current.image_id == ids[1]
        assert current.image is not None and current.image.status is status_mod.ImageStatus.DONE
        assert [a.class_id for a in current.annotations] == [cat]
        assert [e.to_status for e in current.review] == [status_mod.ImageStatus.DONE]
        assert bench.window.annotation_panel.model.rowCount() == 1


def test_an_unlinked_project_opens_without_loading_sync_or_models(tmp_path: Path) -> None:
    """The sync engine and its HTTP client load for a linked project only, and what runs a model
    (numpy, OpenCV, onnxruntime) when the user first runs one: opening costs neither."""
    with projects.make_project(tmp_path, images=2) as project:
        path = project.path
    code = textwrap.dedent(
        f"""
        import os, sys
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        from ui import app
        qapp = app.application()
        desktop = app.Desktop()
        assert desktop.open({str(path)!r})
        w = desktop.bench.window
        while not (w.current.image_id and w.canvas.image_id() == w.current.image_id):
            qapp.processEvents()
        for _ in range(20):
            qapp.processEvents()
        first = w.current.image_id
        w.current.go_next()
        while w.current.image_id == first or w.canvas.image_id() != w.current.image_id:
            qapp.processEvents()
        loaded = [m for m in sys.modules if m.split(".")[0] in ("requests", "pydantic", "alembic",
                  "numpy", "cv2", "onnxruntime") or m.startswith(("labeler.sync.engine",
                  "labeler.assist.loading", "labeler.services.prelabel"))]
        assert w.status_widgets.sync.text() == "local only"
        desktop.close()
        assert not loaded, loaded
        """
    )
    home = str(tmp_path / "home")
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "LABELER_DATA_DIR": home, "XDG_CONFIG_HOME": home},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
