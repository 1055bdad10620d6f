"""Render the main states of the app to PNG files for the docs.

Run: ``QT_QPA_PLATFORM=offscreen python -m tests.ui.helpers.screenshots docs/screenshots``
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6 import QtCore, QtWidgets

from labeler.domain import annotation as ann_mod
from labeler.domain import geometry as geo
from labeler.domain import schema as schema_mod
from labeler.domain import status as status_mod
from labeler.services import annotate, review
from tests.ui.helpers import projects
from ui import app as app_mod

SIZE = QtCore.QSize(1280, 800)


def _settle(app: QtWidgets.QApplication, bench: app_mod.Workbench) -> None:
    deadline = QtCore.QDeadlineTimer(5000)
    w = bench.window
    while not deadline.hasExpired():
        app.processEvents()
        bench.runner.wait(50)
        if w.current.image_id and w.canvas.image_id() == w.current.image_id:
            break
    for _ in range(5):
        app.processEvents()


def _open(app: QtWidgets.QApplication, project) -> app_mod.Workbench:  # type: ignore[no-untyped-def]
    bench = app_mod.Workbench(project)
    bench.window.resize(SIZE)
    bench.start()
    bench.window.resize(SIZE)
    _settle(app, bench)
    bench.window.resizeDocks(
        [bench.window.browser_dock, bench.window.class_dock],
        [230, 330],
        QtCore.Qt.Orientation.Horizontal,
    )
    _settle(app, bench)
    return bench


def box_project(app: QtWidgets.QApplication, root: Path, out: Path) -> None:
    project = projects.make_project(root, images=12, size=(1280, 960))
    bench = _open(app, project)
    w = bench.window
    schema = bench.doc.schema.by_name()
    image_id = w.current.image_id
    assert image_id is not None
    shapes = [
        ann_mod.NewShape(schema["cat"].id, geo.ShapeKind.BOX, geo.Box(40, 40, 380, 380)),
        ann_mod.NewShape(
            schema["dog"].id, geo.ShapeKind.BOX, geo.Box(700, 300, 420, 520), {"occluded": True}
        ),
        ann_mod.NewShape(
            schema["bird"].id,
            geo.ShapeKind.POLYGON,
            geo.Polygon(((500, 700), (640, 620), (760, 760), (600, 900))),
        ),
    ]
    bench.doc.announce(annotate.add_annotations(project, image_id, shapes))
    for other in w.current.ids[1:5]:
        bench.doc.announce(review.set_status(project, [other], status_mod.ImageStatus.DONE))
    w.canvas.select([w.current.annotations[1].id])
    w.progress.refresh()
    _settle(app, bench)
    w.grab().save(str(out / "main-window-boxes.png"))
    w.action_set["edit_schema"].trigger()
    _settle(app, bench)
    dialog = w.dialogs.open_dialog
    assert dialog is not None
    dialog.grab().save(str(out / "schema-editor.png"))
    dialog.close()
    w.action_set["shortcuts"].trigger()
    _settle(app, bench)
    sheet = w.dialogs.open_dialog
    assert sheet is not None
    sheet.grab().save(str(out / "shortcut-sheet.png"))
    sheet.close()
    w.close()
    bench.close()


def tag_project(app: QtWidgets.QApplication, root: Path, out: Path) -> None:
    tasks = schema_mod.TaskKinds(schema_mod.TagMode.MULTI, frozenset())
    project = projects.make_project(
        root, classes=("sunny", "cloudy", "rain", "night"), tasks=tasks, images=8
    )
    bench = _open(app, project)
    w = bench.window
    schema = bench.doc.schema.by_name()
    image_id = w.current.image_id
    bench.doc.announce(
        annotate.set_tags(project, image_id, [schema["cloudy"].id, schema["rain"].id])
    )
    w.progress.refresh()
    _settle(app, bench)
    w.grab().save(str(out / "main-window-tags.png"))
    w.close()
    bench.close()


def review_state(app: QtWidgets.QApplication, root: Path, out: Path) -> None:
    project = projects.make_project(root, images=6, size=(1280, 960))
    bench = _open(app, project)
    w = bench.window
    image_id = w.current.image_id
    cat = bench.doc.schema.by_name()["cat"].id
    shape = ann_mod.NewShape(cat, geo.ShapeKind.BOX, geo.Box(60, 60, 400, 400))
    bench.doc.announce(annotate.add_annotations(project, image_id, [shape]))
    S = status_mod.ImageStatus
    bench.doc.announce(review.set_status(project, [image_id], S.NEEDS_REVIEW))
    bench.doc.announce(
        review.set_status(project, [image_id], S.REJECTED, "The box misses the cat's tail")
    )
    bench.doc.announce(review.set_status(project, [image_id], S.NEEDS_REVIEW, "Tail included now"))
    w.review_dock.raise_()
    w.progress.refresh()
    _settle(app, bench)
    w.grab().save(str(out / "review.png"))
    w.close()
    bench.close()


def main(argv: list[str]) -> int:
    out = Path(argv[1] if len(argv) > 1 else "docs/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    app = app_mod.application()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["LABELER_DATA_DIR"] = tmp
        os.environ["LABELER_USER"] = "maria"
        fmt = QtCore.QSettings.Format.IniFormat
        QtCore.QSettings.setDefaultFormat(fmt)
        QtCore.QSettings.setPath(fmt, QtCore.QSettings.Scope.UserScope, tmp)
        for i, make in enumerate((box_project, tag_project, review_state)):
            root = Path(tmp) / str(i)
            root.mkdir()
            make(app, root, out)
    print(f"screenshots written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
