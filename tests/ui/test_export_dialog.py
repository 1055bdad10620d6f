"""File → Export dataset: a real project exported from the dialog, cancelled, and refused."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest

from PySide6 import QtCore, QtWidgets

from labeler.domain import annotation as ann_mod
from labeler.domain import geometry as geo
from labeler.domain import schema as schema_mod
from labeler.domain import status as status_mod
from labeler.services import annotate, exporting, images, review
from labeler.services import project as project_svc
from tests.ui.helpers import projects, workbench
from ui import tasks as tasks_mod
from ui.dialogs import export_dialog

LEFT = QtCore.Qt.MouseButton.LeftButton


def _labeled_project(root: Path) -> project_svc.Project:
    """Four images: a box of cat on the first, a polygon of dog on the second, three done."""
    tasks = schema_mod.TaskKinds.of("box", "polygon")
    root.mkdir(parents=True, exist_ok=True)
    project = projects.make_project(root, tasks=tasks)
    ids = images.list_image_ids(project)
    by_name = {c.name: c.id for c in project_schema(project)}
    annotate.add_annotations(
        project,
        ids[0],
        [ann_mod.NewShape(by_name["cat"], geo.ShapeKind.BOX, geo.Box(5, 5, 40, 30))],
    )
    triangle = geo.Polygon(((10, 10), (60, 12), (30, 50)))
    annotate.add_annotations(
        project, ids[1], [ann_mod.NewShape(by_name["dog"], geo.ShapeKind.POLYGON, triangle)]
    )
    review.set_status(project, ids[:3], status_mod.ImageStatus.DONE)
    return project


def project_schema(project: project_svc.Project) -> list[Any]:
    from labeler.services import schema

    return list(schema.get_schema(project).classes)


def _export(qtbot: Any, dialog: export_dialog.ExportDialog) -> None:
    with qtbot.waitSignal(dialog.exported, timeout=10_000):
        qtbot.mouseClick(dialog.export_button, LEFT)


def test_export_to_coco_and_yolo_from_the_dialog_writes_datasets_with_a_manifest(
    qtbot: Any, tmp_path: Path
) -> None:
    with (
        _labeled_project(tmp_path / "p") as project,
        workbench.open_workbench(qtbot, project) as bench,
    ):
        workbench.press(qtbot, bench, "Ctrl+E")
        dialog = bench.datasets.open_dialog
        assert isinstance(dialog, export_dialog.ExportDialog) and dialog.isVisible()
        # The project draws boxes: YOLO's task defaults to detect.
        dialog.set_format("yolo")
        assert dialog.task.currentData() == "detect" and dialog.task.isEnabled()
        dialog.set_format("coco")
        assert not dialog.task.isEnabled()
        assert not any(w.isEnabled() for w in dialog.format_options.values())
        dialog.out.setText(str(tmp_path / "coco"))
        _export(qtbot, dialog)
        manifest = json.loads((tmp_path / "coco" / "manifest.json").read_text())
        assert manifest["counts"]["images"] == 3  # the fourth image is new: never exported
        assert "Exported 3 images as coco" in dialog.message.text()
        assert "cat = 1, dog = 2, bird = 3" in dialog.message.text()
        assert dialog.open_button.isVisible()
        opened: list[Path] = []
        dialog._open_folder = opened.append
        qtbot.mouseClick(dialog.open_button, LEFT)
        assert opened == [tmp_path / "coco"]

        dialog.set_format("yolo")
        dialog.out.setText(str(tmp_path / "yolo"))
        dialog.set_class_checked("bird", False)
        for spin, value in zip(dialog.ratios, (1, 0, 0), strict=True):
            spin.setValue(value)
        _export(qtbot, dialog)
        manifest = json.loads((tmp_path / "yolo" / "manifest.json").read_text())
        assert manifest["format"] == "yolo" and manifest["class_ids"] == {"cat": 0, "dog": 1}
        assert (tmp_path / "yolo" / "data.yaml").is_file()
        # The dog polygon became a box in a detect export: counted per code, listed beneath.
        assert dialog.report.isVisible()
        assert dialog.report.counts() == {"polygon_as_box": 1}
        entry = dialog.report.topLevelItem(0).child(0)
        assert entry.text(1) == "polygon written as the box around it" and "img2" in entry.text(0)
        assert "cat = 0, dog = 1" in dialog.message.text()
        dialog.close()


def test_cancel_leaves_no_folder_behind(qtbot: Any, tmp_path: Path) -> None:
    reached, go_on = threading.Event(), threading.Event()
    with _labeled_project(tmp_path / "p") as project:
        runner = tasks_mod.TaskRunner()

        def held_export(fmt: str, out: Path, options: Any, progress: Any) -> Any:
            def hold_then_report(done: int, total: int) -> None:
                # Hold the export at its first image until the user has pressed Cancel.
                if not reached.is_set():
                    reached.set()
                    go_on.wait(10)
                progress(done, total)

            return exporting.export_project(
                project, format=fmt, out=out, options=options, progress=hold_then_report
            )

        dialog = export_dialog.ExportDialog(
            ["cat", "dog", "bird"], schema_mod.TaskKinds(), runner, held_export
        )
        qtbot.addWidget(dialog)
        dialog.show()
        dialog.out.setText(str(tmp_path / "out"))
        qtbot.mouseClick(dialog.export_button, LEFT)
        qtbot.waitUntil(reached.is_set, timeout=10_000)
        assert dialog.cancel_button.isEnabled() and not dialog.export_button.isEnabled()
        with qtbot.waitSignal(dialog.failed, timeout=10_000) as failed:
            qtbot.mouseClick(dialog.cancel_button, LEFT)
            go_on.set()
        runner.shutdown()
        assert failed.args == ["Export cancelled; nothing was written."]
        assert list(tmp_path.iterdir()) == [tmp_path / "p"]  # no dataset, no hidden staging folder
        assert dialog.export_button.isEnabled()


def test_a_non_empty_folder_and_bad_options_give_a_readable_message(
    qtbot: Any, tmp_path: Path
) -> None:
    with (
        _labeled_project(tmp_path / "p") as project,
        workbench.open_workbench(qtbot, project) as bench,
    ):
        dialog = bench.datasets.export_dialog()
        taken = tmp_path / "taken"
        taken.mkdir()
        (taken / "notes.txt").write_text("mine")
        dialog.out.setText(str(taken))
        with qtbot.waitSignal(dialog.failed, timeout=10_000) as failed:
            qtbot.mouseClick(dialog.export_button, LEFT)
        assert failed.args[0].startswith("Export failed: ")
        assert "is not empty; choose an empty folder or overwrite" in dialog.message.text()
        assert "Traceback" not in dialog.message.text()
        assert [p.name for p in taken.iterdir()] == ["notes.txt"]
        # A labeler export is not there either: overwriting still refuses to delete the folder.
        dialog.overwrite.setChecked(True)
        with qtbot.waitSignal(dialog.failed, timeout=10_000):
            qtbot.mouseClick(dialog.export_button, LEFT)
        assert "holds no labeler export" in dialog.message.text()

        dialog.out.setText(str(tmp_path / "fresh"))
        for spin in dialog.ratios:
            spin.setValue(0)
        with qtbot.waitSignal(dialog.failed, timeout=10_000):
            qtbot.mouseClick(dialog.export_button, LEFT)
        assert "ratios must be non-negative and not all zero" in dialog.message.text()
        dialog.ratios[0].setValue(1)
        for name in ("cat", "dog", "bird"):
            dialog.set_class_checked(name, False)
        with qtbot.waitSignal(dialog.failed, timeout=1000):
            qtbot.mouseClick(dialog.export_button, LEFT)
        assert dialog.message.text() == "Tick at least one class to export."
        assert not (tmp_path / "fresh").exists()
        dialog.close()


def test_azure_ml_export_takes_the_datastore_and_shows_the_upload_step(
    qtbot: Any, tmp_path: Path
) -> None:
    with (
        _labeled_project(tmp_path / "p") as project,
        workbench.open_workbench(qtbot, project) as bench,
    ):
        workbench.press(qtbot, bench, "Ctrl+E")
        dialog = bench.datasets.open_dialog
        assert isinstance(dialog, export_dialog.ExportDialog)
        dialog.set_format("azureml")
        # Its tasks and options come from the format's description.
        tasks = [dialog.task.itemData(i) for i in range(dialog.task.count())]
        assert tasks == ["detect", "segment", "multiclass", "multilabel"]
        assert dialog.format_options["datastore"].isEnabled()
        assert not dialog.format_options["voc_coordinates"].isEnabled()
        dialog.out.setText(str(tmp_path / "aml"))
        # Without a datastore the URLs would open nowhere: refused, saying what to give.
        with qtbot.waitSignal(dialog.failed, timeout=10_000) as failed:
            qtbot.mouseClick(dialog.export_button, LEFT)
        assert "--datastore NAME" in str(failed.args[0])
        fields = {"datastore": "lake", "subscription": "sub", "resource_group": "rg"}
        for name, value in {**fields, "workspace": "ws"}.items():
            widget = dialog.format_options[name]
            assert isinstance(widget, QtWidgets.QLineEdit)
            widget.setText(value)
        _export(qtbot, dialog)
        line = (tmp_path / "aml" / "train" / "train_annotations.jsonl").read_text().splitlines()[0]
        assert json.loads(line)["image_url"].startswith(
            "azureml://subscriptions/sub/resourcegroups/rg/workspaces/ws/datastores/lake/paths/aml/"
        )
        assert "az storage blob upload-batch" in dialog.message.text()
        dialog.close()


@pytest.mark.parametrize(
    ("tasks", "offered", "task"),
    [
        (schema_mod.TaskKinds.of("box", "polygon"), "coco", None),
        (schema_mod.TaskKinds.of(tags=schema_mod.TagMode.SINGLE), "yolo", "classify"),
        (schema_mod.TaskKinds.of("box", tags=schema_mod.TagMode.MULTI), "labelme", None),
        (schema_mod.TaskKinds.of("rotated_box"), "yolo", "obb"),
    ],
)
def test_the_dialog_first_offers_a_format_that_writes_the_projects_labels(
    qtbot: Any, tasks: schema_mod.TaskKinds, offered: str, task: str | None
) -> None:
    """A tag project is not offered COCO (which has no tags): its export would be empty."""
    runner = tasks_mod.TaskRunner()
    dialog = export_dialog.ExportDialog(["cat"], tasks, runner, lambda *a: None)
    qtbot.addWidget(dialog)
    assert dialog.format_name() == offered
    assert dialog.task.currentData() == task
    runner.shutdown()
