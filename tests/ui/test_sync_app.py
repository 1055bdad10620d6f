"""Team sync in the app: two workstations' windows linked to one real server on loopback."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from PySide6 import QtCore

from labeler.domain import annotation as ann_mod
from labeler.domain import geometry as geo
from labeler.services import annotate, sync
from tests.e2e.conftest import Service, running_service
from tests.ui.helpers import projects, workbench
from ui import app as app_mod
from ui import commands
from ui.controllers import sync as sync_ctl

#: Rounds in these tests are started by the test (F5), except where the timer is the point.
NEVER_MS = 3_600_000


@pytest.fixture
def calls_per_minute() -> int:
    return 100_000


@pytest.fixture
def service(tmp_path: Path, calls_per_minute: int) -> Iterator[Service]:
    with running_service(tmp_path, calls_per_minute) as svc:
        yield svc


@contextmanager
def linked_bench(
    qtbot: Any,
    root: Path,
    service: Service,
    name: str,
    interval_ms: int = NEVER_MS,
    images: int = 3,
) -> Iterator[app_mod.Workbench]:
    """A workstation's window over the same images as the others' (the first ``images`` of
    them), with its own key."""
    (root / name).mkdir()
    project = projects.make_project(root / name, images=images)
    bench = app_mod.Workbench(project)
    fast = sync.Options().policy.__class__(attempts=2, base_delay=0.01, max_delay=0.02)
    bench.sync.options = sync.Options(key=service.key(name), timeout=5, policy=fast)
    bench.sync.interval_ms = interval_ms
    qtbot.addWidget(bench.window)
    bench.start()
    workbench.wait_shown(qtbot, bench)
    qtbot.waitUntil(lambda: bench.window.status_widgets.sync.text() == "local only")
    try:
        yield bench
    finally:
        bench.window.close()
        bench.close()


def link(qtbot: Any, bench: app_mod.Workbench, service: Service) -> str:
    with qtbot.waitSignal(bench.sync.linkFinished, timeout=15000) as blocker:
        bench.sync.link(service.url, "team", None)
    ok, text = blocker.args
    assert ok, text
    return str(text)


@contextmanager
def two_linked(
    qtbot: Any, root: Path, service: Service
) -> Iterator[tuple[app_mod.Workbench, app_mod.Workbench]]:
    """Ana's and Ben's windows, both linked to the team project on ``service``."""
    with (
        linked_bench(qtbot, root, service, "ana") as ana,
        linked_bench(qtbot, root, service, "ben") as ben,
    ):
        link(qtbot, ana, service)
        link(qtbot, ben, service)
        yield ana, ben


def sync_round(qtbot: Any, bench: app_mod.Workbench, expect: str = sync_ctl.SYNCED) -> None:
    """Press F5 and wait for the round to end with ``expect`` as the state."""
    with qtbot.waitSignal(
        bench.sync.stateChanged, timeout=15000, check_params_cb=lambda t: t.startswith(expect)
    ):
        workbench.press(qtbot, bench, "F5")


def draw(bench: app_mod.Workbench, n: int, x: float) -> str:
    image_id = bench.window.current.ids[n]
    cat = bench.doc.schema.by_name()["cat"].id
    shape = ann_mod.NewShape(cat, geo.ShapeKind.BOX, geo.Box(x, 10.0, 30.0, 20.0))
    assert bench.doc.edit(annotate.add_annotations, image_id, [shape])
    return next(
        a.id for a in annotate.list_annotations(bench.project, image_id) if a.geometry.x == x
    )  # type: ignore[union-attr]


def move(bench: app_mod.Workbench, ann_id: str, x: float) -> None:
    edit = ann_mod.ShapeEdit(geometry=geo.Box(x, 10.0, 30.0, 20.0))
    assert bench.doc.edit(annotate.update_annotations, {ann_id: edit})


def shown_x(bench: app_mod.Workbench) -> dict[str, float]:
    """The boxes on the image in view, as the canvas and the annotation list get them."""
    return {a.id: a.geometry.x for a in bench.window.current.annotations}  # type: ignore[union-attr]


def test_the_connect_dialog_links_and_a_box_drawn_on_one_appears_on_the_other(
    qtbot: Any, tmp_path: Path, service: Service
) -> None:
    with (
        linked_bench(qtbot, tmp_path, service, "ana", interval_ms=50) as ana,
        linked_bench(qtbot, tmp_path, service, "ben", interval_ms=50) as ben,
    ):
        dialog = ana.open_sync_dialog()
        dialog.url.setText(service.url)
        dialog.project.setText("team")
        dialog.key.setText(ana.sync.options.key or "")
        with qtbot.waitSignal(ana.sync.linkFinished, timeout=15000):
            qtbot.mouseClick(dialog.link_button, QtCore.Qt.MouseButton.LeftButton)
        text = dialog.outcome.text()
        assert "Published 'team'" in text
        # No keyring on this machine: the dialog says the key was not stored.
        assert "Not stored" in text and sync.KEY_ENV in text
        dialog.close()
        assert ana.window.status_widgets.sync.text() == "synced"
        link(qtbot, ben, service)
        assert ben.window.status_widgets.sync.text() == "synced"

        box = draw(ana, 0, 40.0)
        # Ana's next background round pushes it, Ben's next one pulls it: no reopening.
        qtbot.waitUntil(lambda: box in shown_x(ben), timeout=15000)
        assert shown_x(ben)[box] == 40.0
        assert ben.window.annotation_panel.model.rowCount() == 1
        assert ben.window.status_widgets.sync.text() == "synced"


def test_a_stopped_server_shows_offline_and_sync_recovers(
    qtbot: Any, tmp_path: Path, service: Service
) -> None:
    with linked_bench(qtbot, tmp_path, service, "ana", interval_ms=100) as ana:
        link(qtbot, ana, service)
        service.stop()
        box = draw(ana, 0, 12.0)
        sync_round(qtbot, ana, expect=sync_ctl.OFFLINE)
        # The box and its image's new status wait to be pushed.
        assert ana.window.status_widgets.sync.text() == "offline — retrying · 2 pending"
        service.restart()
        # The controller retries by itself (growing waits) and the box goes out.
        with qtbot.waitSignal(
            ana.sync.stateChanged, timeout=15000, check_params_cb=lambda t: t == "synced"
        ):
            pass
        assert ana.window.status_widgets.sync.text() == "synced"
    with linked_bench(qtbot, tmp_path, service, "ben") as ben:
        link(qtbot, ben, service)
        assert box in shown_x(ben)


def test_the_status_bar_counts_edits_waiting_for_the_server(
    qtbot: Any, tmp_path: Path, service: Service
) -> None:
    with linked_bench(qtbot, tmp_path, service, "ana") as ana:
        link(qtbot, ana, service)
        assert ana.window.status_widgets.sync.text() == "synced"
        service.stop()
        first = draw(ana, 0, 12.0)
        draw(ana, 0, 50.0)
        draw(ana, 1, 70.0)
        move(ana, first, 20.0)  # the same box again: no new edit to push
        sync_round(qtbot, ana, expect=sync_ctl.OFFLINE)
        # Three boxes, and the two images they put in progress.
        assert ana.window.status_widgets.sync.text() == "offline — retrying · 5 pending"
        assert sync.pending_count(ana.project) == 5
        service.restart()
        sync_round(qtbot, ana)
        assert ana.window.status_widgets.sync.text() == "synced"
        assert sync.pending_count(ana.project) == 0


@pytest.mark.parametrize("calls_per_minute", [40])
def test_a_rate_limited_key_pauses_sync_until_the_time_the_server_gives(
    qtbot: Any, tmp_path: Path, service: Service
) -> None:
    with linked_bench(qtbot, tmp_path, service, "ana") as ana:
        link(qtbot, ana, service)

        def paused() -> bool:
            ana.sync.sync_now()  # one more round each time (the key runs out of calls)
            return ana.window.status_widgets.sync.text().startswith("paused")

        qtbot.waitUntil(paused, timeout=15000)
        text = ana.window.status_widgets.sync.text()
        assert re.fullmatch(r"paused until \d\d:\d\d \(rate-limited\)", text), text
        # Closing the window ends the wait at once (the bench closes when this block ends).


def test_a_wrong_key_stops_sync_with_the_request_id(
    qtbot: Any, tmp_path: Path, service: Service
) -> None:
    with linked_bench(qtbot, tmp_path, service, "ana") as ana:
        link(qtbot, ana, service)
        ana.sync.options = sync.Options(key="not-a-key", timeout=5, policy=ana.sync.options.policy)
        sync_round(qtbot, ana, expect="sync stopped")
        text = ana.window.status_widgets.sync.text()
        assert "401" in text and "request id" in text
        # Not retried: another F5 does nothing until the user links again.
        ana.window.action_set["sync_now"].trigger()
        assert ana.runner.pending == 0


def test_a_conflict_shows_in_the_conflicts_view_and_take_theirs_resolves_it(
    qtbot: Any, tmp_path: Path, service: Service
) -> None:
    with two_linked(qtbot, tmp_path, service) as (ana, ben):
        box = draw(ana, 1, 10.0)
        sync_round(qtbot, ana)
        sync_round(qtbot, ben)
        move(ana, box, 20.0)
        move(ben, box, 30.0)
        sync_round(qtbot, ana)  # Ana's move reaches the server first
        sync_round(qtbot, ben)

        w = ben.window
        panel = w.conflicts_panel
        assert panel.count() == 1 and w.conflicts_dock.isVisible()
        assert w.status_widgets.sync.text() == "synced · 1 conflict"
        row = [panel.table.item(0, c).text() for c in range(panel.table.columnCount())]
        assert row[0] == "img2.jpg" and row[1] == "cat"
        assert row[2].startswith("box 30,10") and row[3].startswith("box 20,10 30×20 — ana")

        # Selecting the conflict shows its image (Ben is on the first one).
        assert w.current.image_id == w.current.ids[0]
        panel.select(0)
        qtbot.waitUntil(lambda: w.current.image_id == w.current.ids[1])
        workbench.wait_shown(qtbot, ben)
        assert shown_x(ben)[box] == 30.0

        shot = tmp_path / "sync-conflicts.png"
        w.resize(1280, 800)
        assert w.grab().save(str(shot))
        if os.environ.get("LABELER_SCREENSHOT_DIR"):
            shutil.copy(shot, Path(os.environ["LABELER_SCREENSHOT_DIR"]) / shot.name)

        qtbot.mouseClick(panel.buttons[sync.Choice.THEIRS], QtCore.Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: panel.count() == 0 and shown_x(ben).get(box) == 20.0)
        assert w.status_widgets.sync.text() == "synced"
        assert sync.list_conflicts(ben.project) == []


def test_joining_from_the_app_fetches_the_team_s_images_into_the_browser(
    qtbot: Any, tmp_path: Path, service: Service
) -> None:
    with (
        linked_bench(qtbot, tmp_path, service, "ana") as ana,
        linked_bench(qtbot, tmp_path, service, "ben", images=1) as ben,
    ):
        box = draw(ana, 2, 40.0)
        dialog = ana.open_sync_dialog()
        dialog.url.setText(service.url)
        dialog.project.setText("team")
        dialog.key.setText(ana.sync.options.key or "")
        dialog.upload.setChecked(True)
        with qtbot.waitSignal(ana.sync.linkFinished, timeout=15000):
            qtbot.mouseClick(dialog.link_button, QtCore.Qt.MouseButton.LeftButton)
        assert "3 image files uploaded" in dialog.outcome.text()
        dialog.close()
        assert len(ben.window.current.ids) == 1
        text = link(qtbot, ben, service)
        assert re.search(r"2 image files fetched into .*ben.images", text), text
        assert "not in this project" not in text
        # The browser lists the fetched images without reopening, with the label made on them.
        qtbot.waitUntil(lambda: len(ben.window.current.ids) == 3, timeout=15000)
        ben.window.current.go_to(ben.window.current.ids[2])
        qtbot.waitUntil(lambda: box in shown_x(ben), timeout=15000)
        assert shown_x(ben)[box] == 40.0
        fetched = sorted(p.name for p in (tmp_path / "ben" / "images").iterdir())
        assert fetched == sorted(p.name for p in (tmp_path / "ana" / "images").iterdir())


def draw_undoable(bench: app_mod.Workbench, n: int, x: float) -> str:
    """Draw a box as the canvas does: through an undo command on the image's stack."""
    image_id = bench.window.current.ids[n]
    cat = bench.doc.schema.by_name()["cat"].id
    shape = ann_mod.NewShape(cat, geo.ShapeKind.BOX, geo.Box(x, 10.0, 30.0, 20.0))
    command = commands.AddShapes(bench.doc, image_id, [shape])
    bench.window.undo.push(image_id, command)
    return command.ids[0]


def test_a_teammate_s_change_clears_the_undo_steps_that_could_overwrite_it(
    qtbot: Any, tmp_path: Path, service: Service
) -> None:
    with two_linked(qtbot, tmp_path, service) as (ana, ben):
        first = ben.window.current.ids[0]
        assert ben.window.current.image_id == first
        theirs = draw_undoable(ana, 0, 10.0)
        mine = draw_undoable(ben, 0, 60.0)
        draw_undoable(ben, 1, 90.0)
        # One's own edits coming back from the server never cost undo steps.
        sync_round(qtbot, ana)
        assert ana.window.undo.steps(ana.window.current.ids[0]) == 1
        sync_round(qtbot, ben)  # pushes Ben's boxes; Ana's arrives on the image he looks at
        qtbot.waitUntil(lambda: theirs in shown_x(ben))
        assert ben.window.undo.steps(first) == 0
        assert "teammate changed this image" in ben.window.statusBar().currentMessage()
        workbench.press(qtbot, ben, "Ctrl+Z")  # nothing left to undo on this image
        assert {theirs, mine} <= set(shown_x(ben))
        # The image only Ben touched keeps its step.
        assert ben.window.undo.steps(ben.window.current.ids[1]) == 1


def test_labels_left_on_a_class_a_teammate_removed_are_moved_in_the_class_editor(
    qtbot: Any, tmp_path: Path, service: Service
) -> None:
    from labeler.services import schema

    with two_linked(qtbot, tmp_path, service) as (ana, ben):
        assert ana.doc.edit(schema.delete_class, ana.doc.schema.by_name()["dog"].id)
        sync_round(qtbot, ana)
        image_id = ben.window.current.ids[0]
        dog = ben.doc.schema.by_name()["dog"].id
        shape = ann_mod.NewShape(dog, geo.ShapeKind.BOX, geo.Box(5.0, 5.0, 20.0, 20.0))
        assert ben.doc.edit(annotate.add_annotations, image_id, [shape])  # drawn "offline"
        with qtbot.waitSignal(ben.sync.notice, timeout=15000) as told:
            workbench.press(qtbot, ben, "F5")
        assert "class 'dog' was deleted on the server by ana" in told.args[0]
        assert "Edit → Classes" in told.args[0]

        ben.window.action_set["edit_schema"].trigger()
        editor = ben.window.dialogs.open_dialog
        assert editor.removed.count() == 1 and editor.removed.item(0).text() == "dog — 1 label"
        assert "dog" not in [c.name for c in ben.doc.schema.classes]
        editor.list.setCurrentRow(0)  # cat
        assert editor.move_removed(
            editor.removed.item(0).data(QtCore.Qt.ItemDataRole.UserRole + 1), editor.current_id()
        )
        assert (
            editor.removed.count() == 0
            and not editor.findChild(QtCore.QObject, "removedClasses").isVisible()
        )
        editor.close()
        sync_round(qtbot, ben)
        assert sync.rejections(ben.project) == []
        sync_round(qtbot, ana)
        cat = ana.doc.schema.by_name()["cat"].id
        same_image = ana.window.current.ids[0]  # the same file: its own id on Ana's side
        assert [a.class_id for a in annotate.list_annotations(ana.project, same_image)] == [cat]
