"""The smaller things seen in a working day: counts apart in the status bar, the class editor's Add,
a Review panel that follows edits, notes that are not cut off, panels that fit a smaller window,
a thumbnail grid with columns and a legend, filled shapes, the export and import dialogs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from PySide6 import QtCore, QtGui, QtWidgets

from labeler.domain import annotation as ann_mod
from labeler.domain import geometry as geo
from labeler.domain import status as status_mod
from labeler.formats import base, export
from labeler.services import images, indexing, schema
from tests.e2e.conftest import Service, running_service
from tests.helpers import images as img_files
from tests.ui.helpers import projects, workbench
from ui import settings as settings_mod
from ui import tasks as tasks_mod
from ui.browser import widget as browser_widget
from ui.dialogs import export_dialog, import_dialog, schema_editor, sync_dialog
from ui.images import loader as loader_mod

S = status_mod.ImageStatus


def _box(x: float = 10) -> ann_mod.NewShape:
    return ann_mod.NewShape(None, geo.ShapeKind.BOX, geo.Box(x, 10, 40, 30))


# --- progress that can reach 100 % ------------------------------------------------------------


def _project_with_problems(tmp_path: Path, **kwargs: Any) -> Any:
    project = projects.make_project(tmp_path, images=3, **kwargs)
    folder = tmp_path / "images"
    (folder / "zz_empty.jpg").write_bytes(b"")
    img_files.truncated_jpeg(folder / "zz_cut.jpg")
    indexing.add_folder(project, folder)
    indexing.index_pending(project)
    return project


def test_files_that_cannot_be_labeled_are_counted_apart_and_passed_by(qtbot, tmp_path):
    project = _project_with_problems(tmp_path)
    with workbench.open_workbench(qtbot, project) as bench:
        w = bench.window
        qtbot.waitUntil(lambda: "0 / 3 labeled (0 %)" in w.status_widgets.progress.format())
        assert w.status_widgets.apart.isVisible()
        assert w.status_widgets.apart.text() == "2 that cannot be labeled"
        usable = images.list_image_ids(project, images.ImageFilter(problems=False))
        # N never lands on a file that cannot be labeled, and the list's Unlabeled filter
        # leaves them to the Problems filter.
        seen = set()
        for _ in range(6):
            workbench.press(qtbot, bench, "N")
            seen.add(w.current.image_id)
        assert seen <= set(usable)
        combo = w.browser.findChild(QtWidgets.QComboBox, "imageFilter")
        combo.setCurrentIndex(combo.findData("unlabeled"))
        assert sorted(w.current.ids) == sorted(usable)
        combo.setCurrentIndex(combo.findData("all"))
        for image_id in usable:
            w.current.go_to(image_id)
            workbench.wait_shown(qtbot, bench)
            workbench.press(qtbot, bench, "Return")
        qtbot.waitUntil(lambda: "3 / 3 labeled (100 %)" in w.status_widgets.progress.format())


def test_the_canvas_refuses_images_by_the_project_s_pixel_limit(qtbot, tmp_path, monkeypatch):
    limits: list[int] = []
    real = loader_mod._decode_job

    def spy(*args: Any) -> Any:
        limits.append(args[-1])
        return real(*args)

    monkeypatch.setattr(loader_mod, "_decode_job", spy)
    project = projects.make_project(tmp_path, images=1)
    with project.db.write() as session:
        session.execute(schema_mod_meta_update(250_000_000))
    with workbench.open_workbench(qtbot, project):
        assert limits and set(limits) == {250_000_000}


def schema_mod_meta_update(max_pixels: int) -> Any:
    import sqlalchemy as sa

    from labeler.store import models

    return sa.update(models.ProjectMeta).values(max_pixels=max_pixels)


# --- the class editor ---------------------------------------------------------------------------


def test_the_class_editor_adds_the_class_its_name_and_key_fields_describe(qtbot, tmp_path):
    project = projects.make_project(tmp_path, images=1)
    with workbench.open_workbench(qtbot, project) as bench:
        editor = schema_editor.SchemaEditor(
            bench.doc, bench.window.action_set.taken_keys(), bench.window
        )
        editor.show()
        editor.activateWindow()
        qtbot.waitUntil(editor.isActiveWindow)
        prompts: list[Any] = []
        QtWidgets.QInputDialog.getText = lambda *a, **k: prompts.append(a) or ("x", False)  # type: ignore[method-assign]
        selected_before = editor.name.text()
        editor.new_name.setText("fish")
        editor.new_key.setText("g")
        qtbot.mouseClick(editor.add_button, QtCore.Qt.MouseButton.LeftButton)
        assert prompts == []  # no second prompt
        fish = schema.find_class(project, "fish")
        assert fish.hotkey == "g"
        assert editor.current_id() == fish.id and editor.new_name.text() == ""
        assert schema.find_class(project, selected_before)  # the selected class was not renamed
        editor.new_name.setText("eel, ray")
        qtbot.keyClick(editor.new_name, QtCore.Qt.Key.Key_Return)
        assert [c.name for c in schema.get_schema(project).classes][-2:] == ["eel", "ray"]
        editor.close()


# --- the review panel ---------------------------------------------------------------------------


def test_the_review_panel_follows_a_status_an_edit_changed(qtbot, tmp_path):
    project = projects.make_project(tmp_path, images=1)
    with workbench.open_workbench(qtbot, project) as bench:
        w = bench.window
        assert "New" in w.review_panel.status.text()
        w.canvas.shapeDrawn.emit(_box())
        assert "In progress" in w.review_panel.status.text()


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    with running_service(tmp_path, 100_000) as svc:
        yield svc


def test_a_synced_status_reaches_the_review_panel_and_the_dialog_knows_the_link(
    qtbot, tmp_path, service
):
    from tests.ui import test_sync_app as linked

    with linked.two_linked(qtbot, tmp_path, service) as (ana, ben):
        # Ana published: her link said it created the project's classes there.
        dialog = ana.open_sync_dialog()
        assert dialog.linked and "linked" in dialog.outcome.text()
        assert "team" in dialog.outcome.text() and dialog.link_button.text() == "&Link again"
        dialog.close()
        workbench.press(qtbot, ana, "Y")  # approve the first image
        linked.sync_round(qtbot, ana)
        assert "New" in ben.window.review_panel.status.text()
        linked.sync_round(qtbot, ben)
        qtbot.waitUntil(lambda: "Approved" in ben.window.review_panel.status.text())


def test_publishing_says_the_classes_were_created(qtbot, tmp_path, service):
    from tests.ui import test_sync_app as linked

    with linked.linked_bench(qtbot, tmp_path, service, "ana") as ana:
        text = linked.link(qtbot, ana, service)
        assert "Published" in text and "3 classes created there" in text


def test_the_sync_dialog_of_a_project_not_linked_says_nothing_of_a_link(qtbot):
    dialog = sync_dialog.SyncDialog()
    qtbot.addWidget(dialog)
    assert not dialog.linked and dialog.link_button.text() == "&Link"


# --- the status bar, the panels, the window -----------------------------------------------------


def test_a_long_note_wraps_in_the_status_bar_instead_of_being_cut_off(qtbot, tmp_path):
    project = projects.make_project(tmp_path, images=1)
    with workbench.open_workbench(qtbot, project) as bench:
        w = bench.window
        w.resize(1000, 700)
        text = (
            "A teammate changed this image: its undo steps were cleared so that undo cannot "
            "overwrite their work"
        )
        w.statusBar().showMessage(text, 10000)
        note = w.statusBar().note

        def fits() -> bool:
            QtWidgets.QApplication.processEvents()
            needed = note.fontMetrics().boundingRect(
                QtCore.QRect(0, 0, note.width(), 10_000), int(QtCore.Qt.TextFlag.TextWordWrap), text
            )
            return note.isVisible() and needed.height() <= note.height()

        qtbot.waitUntil(fits)
        assert w.statusBar().currentMessage() == text


def test_panels_widened_in_a_large_window_give_way_in_a_smaller_one(qtbot, tmp_path):
    project = projects.make_project(tmp_path, images=1)
    with workbench.open_workbench(qtbot, project) as bench:
        w = bench.window
        w.resize(1600, 900)
        qtbot.waitUntil(lambda: w.width() == 1600)
        w.resizeDocks([w.browser_dock, w.class_dock], [450, 450], QtCore.Qt.Orientation.Horizontal)
        QtWidgets.QApplication.processEvents()
        w.resize(900, 700)  # the window made smaller (or the layout taken to a smaller screen)
        qtbot.waitUntil(lambda: w.width() == 900)
        QtWidgets.QApplication.processEvents()
        assert w.canvas.width() >= 240


def test_the_thumbnail_grid_has_columns_and_a_legend(qtbot, tmp_path):
    project = projects.make_project(tmp_path, images=6)
    with workbench.open_workbench(qtbot, project) as bench:
        w = bench.window
        w.browser.set_view_mode(browser_widget.GRID)
        view = w.browser.view
        QtWidgets.QApplication.processEvents()
        lefts = {view.visualRect(w.browser.model.index(r)).left() for r in range(6)}
        assert len(lefts) >= 2, f"one column in a panel {w.browser.width()} px wide"
        legend = w.browser.findChild(QtWidgets.QLabel, "statusLegend")
        assert legend is not None and legend.isVisible()
        for word in ("new", "in progress", "done", "skipped", "approved", "cannot be labeled"):
            assert word in legend.text()


def test_the_grid_is_kept_for_the_next_start(qtbot, tmp_path):
    project = projects.make_project(tmp_path, images=3)
    with workbench.open_workbench(qtbot, project) as bench:
        assert bench.window.browser.view_mode() == browser_widget.LIST
        qtbot.mouseClick(bench.window.browser._grid_button, QtCore.Qt.MouseButton.LeftButton)
        assert bench.window.browser.view_mode() == browser_widget.GRID
    with workbench.open_workbench(qtbot, project) as again:
        assert again.window.browser.view_mode() == browser_widget.GRID
        again.window.browser.set_view_mode(browser_widget.LIST)
    with workbench.open_workbench(qtbot, project) as third:
        assert third.window.browser.view_mode() == browser_widget.LIST
    project.close()


def test_the_image_list_shows_paths_below_the_folder(qtbot, tmp_path):
    project = projects.make_project(tmp_path, images=1)
    img_files.jpeg(tmp_path / "images" / "Garten" / "Pflanze é 1.jpg", (160, 120))
    indexing.add_folder(project, tmp_path / "images")
    indexing.index_pending(project)
    with workbench.open_workbench(qtbot, project) as bench:
        model = bench.window.browser.model
        shown = [model.data(model.index(r)) for r in range(model.rowCount())]
        assert "Garten/Pflanze é 1.jpg" in shown


def test_shapes_are_filled_and_the_fill_follows_the_view_menu(qtbot, tmp_path):
    project = projects.make_project(tmp_path, images=1)
    with workbench.open_workbench(qtbot, project) as bench:
        w = bench.window
        w.canvas.shapeDrawn.emit(_box())
        (drawn,) = w.current.annotations
        item = w.canvas.shape_item(drawn.id)
        assert item is not None and w.canvas.fill_alpha() >= 40  # visible on busy photos
        assert w.canvas._style.selected_line_width >= 3.0
        w.appearance.slider.setValue(60)
        assert w.canvas.fill_alpha() == round(255 * 0.6)
        assert w.canvas.shape_item(drawn.id) is not None  # redrawn, still there
        assert settings_mod.fill_opacity(0) == 60
        w.appearance.slider.setValue(0)
        assert w.canvas.fill_alpha() == 0


# --- export and import dialogs ----------------------------------------------------------------


class _Runner:
    def run(self, *args: Any, **kwargs: Any) -> tasks_mod.CancelToken:
        raise AssertionError("not run here")


def test_the_export_dialog_forgets_the_last_result_when_the_format_changes(qtbot, tmp_path):
    dialog = export_dialog.ExportDialog(
        ["cat"],
        schema_mod_tasks(),
        _Runner(),
        lambda *a: None,  # type: ignore[arg-type]
    )
    qtbot.addWidget(dialog)
    result = export.ExportResult(
        out=tmp_path, format="coco", task=None, class_ids={"cat": 1},
        counts={"images": 1, "kept_out": {"new": 2}}, report=base.Report(),
        manifest_path=tmp_path / "manifest.json", files=(),
    )  # fmt: skip
    dialog._on_done(result)
    assert "Exported 1 image as coco" in dialog.message.text()
    assert "Kept out: 2 new" in dialog.message.text()
    assert dialog.open_button.isVisibleTo(dialog)
    dialog.set_format("yolo")
    assert dialog.message.text() == "" and not dialog.open_button.isVisibleTo(dialog)
    assert dialog.outcome is None


def schema_mod_tasks() -> Any:
    from labeler.domain import schema as schema_mod

    return schema_mod.TaskKinds()


def test_the_import_dialog_gives_its_path_and_classes_room(qtbot, tmp_path):
    project = projects.make_project(tmp_path, images=1)
    with workbench.open_workbench(qtbot, project) as bench:
        dialog = import_dialog.ImportDialog(bench.doc, bench.runner)
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        assert dialog.path.width() >= 380
        assert dialog.mapping.height() >= 180
        dialog.set_dataset_classes(["a rather long class name", "b"])
        assert dialog.mapping.columnWidth(1) >= 160
        dialog.close()


def _grab_colour(widget: QtWidgets.QWidget, x: int, y: int) -> QtGui.QColor:
    return widget.grab().toImage().pixelColor(x, y)


def test_enter_in_a_field_finishes_the_field_and_never_marks_the_image_done(qtbot, tmp_path):
    """Typing a threshold, a search or a class name and pressing Enter stays in that field;
    Enter over the picture is still "done and next"."""
    project = projects.make_project(tmp_path, images=3)
    with workbench.open_workbench(qtbot, project) as bench:
        w = bench.window
        first = w.current.image_id
        w.suggestions_dock.show()
        spin = w.suggestions_panel.thresholds.cellWidget(0, 1)
        search = w.browser.findChild(QtWidgets.QLineEdit, "imageSearch")
        for field in (spin, search, w.class_panel.new_names):
            field.setFocus()
            qtbot.waitUntil(field.hasFocus)
            qtbot.keyClick(field, QtCore.Qt.Key.Key_Return)
            assert w.current.image_id == first, field
            assert images.get_image(project, first).status is status_mod.ImageStatus.NEW
        workbench.press(qtbot, bench, "Return")
        workbench.wait_shown(qtbot, bench)
        assert w.current.image_id != first
        assert images.get_image(project, first).status is status_mod.ImageStatus.DONE
