"""File → Import labels: check, map classes, import into the open project, refuse bad datasets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6 import QtCore

from labeler.domain import annotation as ann_mod
from labeler.domain import geometry as geo
from labeler.domain import status as status_mod
from labeler.formats import export
from labeler.services import annotate, exporting, images, indexing, review, schema
from labeler.services import project as project_svc
from tests.ui.helpers import projects, workbench
from ui.dialogs import import_dialog

LEFT = QtCore.Qt.MouseButton.LeftButton


def _dataset(root: Path, fmt: str = "coco", classes: tuple[str, ...] = ("cat", "dog")) -> Path:
    """A dataset exported from another project over ``root/images``: one box on img1 (last class)."""
    source = root / "source"
    source.mkdir(parents=True)
    with projects.make_project(source, classes=classes) as project:
        ids = images.list_image_ids(project)
        cls = schema.find_class(project, classes[-1]).id
        box = ann_mod.NewShape(cls, geo.ShapeKind.BOX, geo.Box(10, 12, 50, 40))
        annotate.add_annotations(project, ids[0], [box])
        review.set_status(project, ids[:2], status_mod.ImageStatus.DONE)
        task = "detect" if fmt == "yolo" else None
        exporting.export_project(
            project, format=fmt, out=root / fmt, options=export.ExportOptions(task=task)
        )
    return source / "images"


def _project_over(root: Path, images_dir: Path, classes: tuple[str, ...]) -> project_svc.Project:
    project = project_svc.create_project(root / "target.labeler", classes=classes, author="tester")
    indexing.add_folder(project, images_dir)
    indexing.index_pending(project, workers=1)
    return project


def _check(qtbot: Any, dialog: import_dialog.ImportDialog) -> Any:
    with qtbot.waitSignal(dialog.checked, timeout=10_000) as done:
        qtbot.mouseClick(dialog.check_button, LEFT)
    return done.args[0]


def test_import_after_a_dry_run_adds_labels_the_current_image_shows(
    qtbot: Any, tmp_path: Path
) -> None:
    images_dir = _dataset(tmp_path)
    with (
        _project_over(tmp_path, images_dir, ("cat", "dog")) as project,
        workbench.open_workbench(qtbot, project) as bench,
    ):
        w = bench.window
        w.action_set["import_labels"].trigger()
        dialog = bench.datasets.open_dialog
        assert isinstance(dialog, import_dialog.ImportDialog) and dialog.isVisible()
        assert "createml" not in [dialog.format.itemData(i) for i in range(dialog.format.count())]
        dialog.set_format("coco")
        dialog.path.setText(str(tmp_path / "coco"))
        assert not dialog.import_button.isEnabled()  # check first
        plan = _check(qtbot, dialog)
        assert plan.dry_run and plan.annotations_added == 1 and plan.matched_by_path == 2
        assert "Would add 1 labels" in dialog.message.text()
        assert "2 matched by path" in dialog.message.text()
        # The dry run changed nothing: the image in view still has no labels.
        assert w.annotation_panel.model.rowCount() == 0
        rows = dialog.mapping.rowCount()
        assert [dialog.mapping.item(r, 0).text() for r in range(rows)] == ["cat", "dog"]
        assert dialog.mapping.cellWidget(1, 1).currentText() == "dog (same name)"

        with qtbot.waitSignal(dialog.imported, timeout=10_000):
            qtbot.mouseClick(dialog.import_button, LEFT)
        assert "Added 1 labels" in dialog.message.text()
        assert w.current.image is not None and w.current.image.name == "img1.jpg"
        assert w.annotation_panel.model.rowCount() == 1  # announced: the list shows the label
        assert w.current.image.status is status_mod.ImageStatus.DONE
        # The class panel's counts follow (dog is the second class).
        model = w.class_panel.model
        tip = QtCore.Qt.ItemDataRole.ToolTipRole
        qtbot.waitUntil(lambda: model.data(model.index(1, 0), tip).startswith("dog: 1 annotations"))

        # The same dataset again adds nothing.
        plan = _check(qtbot, dialog)
        assert plan.annotations_added == 0 and plan.annotations_already_there == 1
        dialog.close()


def test_a_malformed_dataset_names_the_file_and_place_and_changes_nothing(
    qtbot: Any, tmp_path: Path
) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "instances.json").write_text('{"images": [], "annotations": [\n  {"id": 1,, }\n]}')
    (tmp_path / "p").mkdir()
    with (
        projects.make_project(tmp_path / "p") as project,
        workbench.open_workbench(qtbot, project) as bench,
    ):
        before = project_svc.meta(project).data_revision
        dialog = bench.datasets.import_dialog()
        dialog.set_format("coco")
        picked: list[Any] = []

        def pick(parent: Any, start: Any) -> Path:
            picked.append(start)
            return bad / "instances.json"

        dialog._choose_file = pick
        file_button = next(
            b for b in dialog.findChildren(type(dialog.check_button)) if b.text() == "File…"
        )
        qtbot.mouseClick(file_button, LEFT)
        assert dialog.path.text() == str(bad / "instances.json")
        with qtbot.waitSignal(dialog.failed, timeout=10_000):
            qtbot.mouseClick(dialog.check_button, LEFT)
        text = dialog.message.text()
        assert "instances.json" in text and "line 2" in text
        assert "the project is unchanged" in text
        assert not dialog.import_button.isEnabled()
        with qtbot.waitSignal(dialog.failed, timeout=10_000):
            assert dialog.start_import()
        assert project_svc.meta(project).data_revision == before
        dialog.close()


def test_a_dataset_class_mapped_to_a_project_class(qtbot: Any, tmp_path: Path) -> None:
    images_dir = _dataset(tmp_path, "yolo", classes=("cat", "dog"))
    with (
        _project_over(tmp_path, images_dir, ("cat", "bird")) as project,
        workbench.open_workbench(qtbot, project) as bench,
    ):
        w = bench.window
        dialog = bench.datasets.import_dialog()
        dialog.set_format("yolo")
        dialog.path.setText(str(tmp_path / "yolo" / "data.yaml"))
        dialog.create_classes.setChecked(False)
        assert _check(qtbot, dialog) is None  # dog is not in the project and may not be created
        assert "classes not in the project: dog" in dialog.message.text()
        assert dialog.mapping.cellWidget(1, 1).currentText() == "new class “dog”"
        dialog.map_class("dog", "bird")
        plan = _check(qtbot, dialog)
        assert plan.classes_mapped == {"dog": "bird"} and plan.classes_created == ()
        assert "Mapped: dog → bird" in dialog.message.text()
        with qtbot.waitSignal(dialog.imported, timeout=10_000):
            qtbot.mouseClick(dialog.import_button, LEFT)
        bird = schema.find_class(project, "bird").id
        assert [a.class_id for a in w.current.annotations] == [bird]
        assert [c.name for c in bench.doc.schema.classes] == ["cat", "bird"]
        dialog.close()


def test_the_result_says_how_many_images_lost_an_object_and_need_review(
    qtbot: Any, tmp_path: Path
) -> None:
    import json

    project = projects.make_project(tmp_path, classes=("cat",), images=2)
    circle = {"label": "cat", "points": [[20, 20], [30, 20]], "shape_type": "circle"}
    box = {"label": "cat", "points": [[10, 10], [50, 40]], "shape_type": "rectangle"}
    for name, shapes in (("img1", [box, circle]), ("img2", [box])):
        doc = {"shapes": shapes, "imagePath": f"{name}.jpg", "imageWidth": 160, "imageHeight": 120}
        (tmp_path / "images" / f"{name}.json").write_text(json.dumps(doc))
    with project, workbench.open_workbench(qtbot, project) as bench:
        bench.window.action_set["import_labels"].trigger()
        dialog = bench.datasets.open_dialog
        assert isinstance(dialog, import_dialog.ImportDialog)
        dialog.set_format("labelme")
        dialog.path.setText(str(tmp_path / "images"))
        _check(qtbot, dialog)
        with qtbot.waitSignal(dialog.imported, timeout=10_000):
            qtbot.mouseClick(dialog.import_button, LEFT)
        text = dialog.message.text()
        assert "1 images marked done" in text
        assert "1 images marked needs review: some of their objects were not imported" in text
