"""File → Import labels: check a dataset against the project, map its classes, then import it.

"Check" reads the dataset and runs a dry run in the background: it lists the dataset's classes
(each can be mapped to a project class or created) and what would be added, matched and left
out. "Import" applies it in one transaction in the service and announces what changed, so every
view refreshes. A malformed dataset changes nothing and its file and place are shown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from PySide6 import QtCore, QtWidgets

from labeler.formats import base, registry
from labeler.services import importing
from labeler.services import project as project_svc
from ui import document as document_mod
from ui import tasks as tasks_mod
from ui.dialogs import export_dialog, format_options, open_dialogs

#: The combo entry meaning "a class of the same name: the project's, or a new one".
SAME_NAME = ""


def readable_formats() -> list[str]:
    """Format names labeler can import, in the command line's order."""
    return [f.name for f in registry.readable()]


def dataset_classes(
    format_name: str, path: Path, options: Mapping[str, str] | None = None
) -> tuple[str, ...]:
    """The classes a dataset names or uses, in its own order (runs off the GUI thread).

    Raises:
        labeler.formats.base.FormatError: the dataset is malformed.
    """
    found = registry.reader(format_name, options).read(path, base.Report())
    used = (label.class_name for sample in found.samples for label in sample.labels)
    return tuple(dict.fromkeys([*found.classes, *used]))


def check(
    project: project_svc.Project,
    format_name: str,
    path: Path,
    mapping: dict[str, str],
    create_classes: bool,
    options: Mapping[str, str] | None = None,
) -> tuple[tuple[str, ...], importing.ImportPlan | None, str]:
    """Dataset classes, the dry-run plan (None when it cannot be applied) and why not."""
    classes = dataset_classes(format_name, path, options)
    try:
        plan = importing.dry_run(
            project,
            format=format_name,
            path=path,
            mapping=mapping,
            create_classes=create_classes,
            options=options,
        )
    except importing.ImportFailed as exc:
        return classes, None, str(exc)
    return classes, plan, ""


def describe_error(exc: BaseException) -> str:
    """An import error for the user: a malformed file names the file and the place in it."""
    if isinstance(exc, base.FormatError):
        where = f", {exc.where}" if exc.where else ""
        return f"The dataset cannot be read — {exc.path}{where}: {exc.reason}"
    return export_dialog.describe_error(exc)


def summary(plan: importing.ImportPlan) -> str:
    verb = "Would add" if plan.dry_run else "Added"
    lines = [
        f"{plan.dataset_images:,} images in the dataset: {plan.matched_by_path:,} matched by path, "
        f"{plan.matched_by_hash:,} by content, {len(plan.unmatched):,} not in the project.",
        f"{verb} {plan.annotations_added:,} labels ({plan.annotations_already_there:,} already "
        f"there); {plan.images_marked_done:,} images marked done.",
    ]
    if plan.images_marked_needs_review:
        lines.append(
            f"{plan.images_marked_needs_review:,} images marked needs review: some of their "
            "objects were not imported (listed below)."
        )
    if plan.classes_created:
        created = "Classes to create" if plan.dry_run else "Classes created"
        lines.append(f"{created}: {', '.join(plan.classes_created)}")
    if plan.classes_mapped:
        lines.append(
            "Mapped: " + ", ".join(f"{old} → {new}" for old, new in plan.classes_mapped.items())
        )
    if plan.rescaled:
        lines.append(f"Rescaled to the project's image size: {len(plan.rescaled):,} images")
    if plan.report or plan.unmatched:
        lines.append(f"Not taken: {len(plan.report) + len(plan.unmatched):,} (listed below)")
    if not plan.dry_run:
        lines.append("Nothing was imported." if not plan.changes else "The project is updated.")
    return "\n".join(lines)


class ImportDialog(QtWidgets.QDialog):
    """The import form: format, dataset, class mapping, check and import.

    Args:
        doc: the open project; the import's changes are announced to it.
        runner: runs the check and the import off the GUI thread (write lane: one at a time).
        choose_file, choose_folder: ask for the dataset's file or folder.

    Attributes:
        plan: the last plan shown (a dry run, or the import done), or None.

    Signals:
        checked(object): a dry run finished (the plan, or None when it cannot be applied).
        imported(object): the import was applied (the plan).
        failed(str): a check or an import failed; the text is what the dialog shows.
    """

    checked = QtCore.Signal(object)
    imported = QtCore.Signal(object)
    failed = QtCore.Signal(str)

    def __init__(
        self,
        doc: document_mod.ProjectDocument,
        runner: tasks_mod.TaskRunner,
        *,
        choose_file: open_dialogs.PathPicker = open_dialogs.choose_dataset_file,
        choose_folder: open_dialogs.PathPicker = open_dialogs.choose_folder,
        parent: QtWidgets.QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("importDialog")
        self.setWindowTitle("Import labels")
        self._doc = doc
        self._runner = runner
        self._choose_file = choose_file
        self._choose_folder = choose_folder
        self._token: tasks_mod.CancelToken | None = None
        self.running = False
        self.plan: importing.ImportPlan | None = None
        self._build()

    def _build(self) -> None:
        self.format = QtWidgets.QComboBox()
        for described in registry.readable():
            self.format.addItem(described.title, described.name)
        self.path = QtWidgets.QLineEdit()
        self.path.setPlaceholderText("the dataset's file (instances.json, data.yaml…) or folder")
        self.path.setMinimumWidth(380)  # a dataset path is long: it is read, not guessed
        file_button = QtWidgets.QPushButton("File…")
        folder_button = QtWidgets.QPushButton("Folder…")
        file_button.clicked.connect(lambda: self._browse(self._choose_file))
        folder_button.clicked.connect(lambda: self._browse(self._choose_folder))
        path_row = QtWidgets.QHBoxLayout()
        path_row.addWidget(self.path, 1)
        path_row.addWidget(file_button)
        path_row.addWidget(folder_button)
        self.create_classes = QtWidgets.QCheckBox("Create classes the project does not have")
        self.create_classes.setChecked(True)
        self.mapping = QtWidgets.QTableWidget(0, 2)
        self.mapping.setObjectName("classMapping")
        self.mapping.setHorizontalHeaderLabels(["Dataset class", "Becomes"])
        self.mapping.horizontalHeader().setStretchLastSection(True)
        self.mapping.verticalHeader().setVisible(False)
        self.mapping.setMinimumHeight(180)
        self.mapping.horizontalHeader().setMinimumSectionSize(160)
        self.mapping.setToolTip("Check the dataset to list its classes")
        self.format_options = format_options.widgets(registry.options("import"))
        form = QtWidgets.QFormLayout()
        form.addRow("Format", self.format)
        form.addRow("Dataset", path_row)
        for option in registry.options("import"):
            form.addRow(option.label or option.name, self.format_options[option.name])
        self._form = form
        form.addRow("Classes", self.mapping)
        form.addRow("", self.create_classes)
        self._build_outcome(form)

    def _build_outcome(self, form: QtWidgets.QFormLayout) -> None:
        self.progress = QtWidgets.QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.setVisible(False)
        self.message = QtWidgets.QLabel("Choose the dataset, then Check to see what it would add.")
        self.message.setObjectName("importMessage")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        self.report = export_dialog.ReportTree()
        self.report.setVisible(False)
        box = QtWidgets.QDialogButtonBox()
        self.check_button = box.addButton("Check", QtWidgets.QDialogButtonBox.ButtonRole.ActionRole)
        self.import_button = box.addButton(
            "Import", QtWidgets.QDialogButtonBox.ButtonRole.ActionRole
        )
        self.close_button = box.addButton(QtWidgets.QDialogButtonBox.StandardButton.Close)
        self.check_button.setDefault(True)
        self.import_button.setEnabled(False)
        self.check_button.clicked.connect(self.start_check)
        self.import_button.clicked.connect(self.start_import)
        self.close_button.clicked.connect(self.reject)
        # A different dataset or format needs a new check before it can be imported.
        self.path.textChanged.connect(self._on_input_changed)
        self.format.currentIndexChanged.connect(self._on_input_changed)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.message)
        layout.addWidget(self.report)
        layout.addWidget(box)
        self._on_input_changed()
        self.resize(720, 560)

    # --- the form's values ------------------------------------------------------------------

    def format_name(self) -> str:
        return str(self.format.currentData())

    def set_format(self, name: str) -> None:
        self.format.setCurrentIndex(self.format.findData(name))

    def _browse(self, picker: open_dialogs.PathPicker) -> None:
        current = self.path.text().strip()
        chosen = picker(self, Path(current) if current else None)
        if chosen is not None:
            self.path.setText(str(chosen))

    def set_dataset_classes(self, classes: Sequence[str]) -> None:
        """List the dataset's classes, each with its choice (kept for classes listed before)."""
        before = self.class_mapping()
        project = [c.name for c in self._doc.schema.classes]
        folded = {name.casefold(): name for name in project}
        self.mapping.setRowCount(len(classes))
        for row, name in enumerate(classes):
            item = QtWidgets.QTableWidgetItem(name)
            item.setFlags(item.flags() & ~QtCore.Qt.ItemFlag.ItemIsEditable)
            self.mapping.setItem(row, 0, item)
            combo = QtWidgets.QComboBox()
            same = folded.get(name.casefold())
            combo.addItem(f"{same} (same name)" if same else f"new class “{name}”", SAME_NAME)
            for other in project:
                if other != same:
                    combo.addItem(other, other)
            if name in before:
                combo.setCurrentIndex(max(0, combo.findData(before[name])))
            self.mapping.setCellWidget(row, 1, combo)
        self.mapping.resizeColumnToContents(0)

    def map_class(self, dataset_class: str, project_class: str | None) -> None:
        """Use ``project_class`` for ``dataset_class`` (None: the same name, made if missing)."""
        for row in range(self.mapping.rowCount()):
            item = self.mapping.item(row, 0)
            if item is not None and item.text() == dataset_class:
                combo = self.mapping.cellWidget(row, 1)
                assert isinstance(combo, QtWidgets.QComboBox)
                combo.setCurrentIndex(max(0, combo.findData(project_class or SAME_NAME)))
                return
        raise KeyError(dataset_class)

    def class_mapping(self) -> dict[str, str]:
        """Dataset class → project class, for the classes the user mapped to another name."""
        out = {}
        for row in range(self.mapping.rowCount()):
            combo = self.mapping.cellWidget(row, 1)
            item = self.mapping.item(row, 0)
            if item is not None and isinstance(combo, QtWidgets.QComboBox) and combo.currentData():
                out[item.text()] = str(combo.currentData())
        return out

    @QtCore.Slot()
    def _on_input_changed(self) -> None:
        self.import_button.setEnabled(False)
        self.mapping.setRowCount(0)
        taken = {o.name for o in registry.get(self.format_name()).import_options}
        for name, widget in self.format_options.items():
            widget.setEnabled(name in taken)
            self._form.setRowVisible(widget, name in taken)

    # --- running ----------------------------------------------------------------------------

    def _inputs(self) -> tuple[str, Path, dict[str, str], bool, dict[str, str]] | None:
        text = self.path.text().strip()
        if not text:
            self._show_error("Choose the dataset's file or folder.")
            return None
        taken = {o.name for o in registry.get(self.format_name()).import_options}
        options = {
            k: v for k, v in format_options.values(self.format_options).items() if k in taken
        }
        return (
            self.format_name(),
            Path(text).expanduser(),
            self.class_mapping(),
            self.create_classes.isChecked(),
            options,
        )

    @QtCore.Slot()
    def start_check(self) -> bool:
        """Dry-run the import in the background; the outcome is shown when it is done."""
        inputs = None if self.running else self._inputs()
        if inputs is None:
            return False
        self._set_running(True, "Checking the dataset…")
        self._token = self._runner.run(
            check, self._doc.project, *inputs,
            on_done=self._on_checked, on_error=self._on_error, lane=tasks_mod.WRITE,
        )  # fmt: skip
        return True

    @QtCore.Slot()
    def start_import(self) -> bool:
        """Apply the import in the background (one transaction); views refresh when it is done."""
        inputs = None if self.running else self._inputs()
        if inputs is None:
            return False
        fmt, path, mapping, create, options = inputs
        self._set_running(True, "Importing…")
        self._token = self._runner.run(
            _import, self._doc.project, fmt, path, mapping, create, options,
            on_done=self._on_imported, on_error=self._on_error, lane=tasks_mod.WRITE,
        )  # fmt: skip
        return True

    def _set_running(self, running: bool, text: str = "") -> None:
        self.running = running
        self.progress.setVisible(running)
        self.check_button.setEnabled(not running)
        self.import_button.setEnabled(False)
        self.close_button.setEnabled(not running)
        if text:
            self.message.setText(text)

    def _show_plan(self, plan: importing.ImportPlan) -> None:
        self.plan = plan
        self.message.setText(summary(plan))
        entries = [
            ("not in the project", path, "no project image matches it") for path in plan.unmatched
        ]
        entries += list(plan.report)
        self.report.set_entries(entries)
        self.report.setVisible(bool(entries))

    def _on_checked(
        self, outcome: tuple[tuple[str, ...], importing.ImportPlan | None, str]
    ) -> None:
        classes, plan, problem = outcome
        self._set_running(False)
        self.set_dataset_classes(classes)
        if plan is None:
            self.plan = None
            self.report.setVisible(False)
            self._show_error(f"This import cannot be applied: {problem}")
        else:
            self._show_plan(plan)
            self.import_button.setEnabled(True)
        self.checked.emit(plan)

    def _on_imported(self, plan: importing.ImportPlan) -> None:
        self._set_running(False)
        self._show_plan(plan)
        self._doc.announce(plan.changes)
        self.imported.emit(plan)

    def _on_error(self, exc: BaseException) -> None:
        self._set_running(False)
        self._show_error(f"{describe_error(exc)}\nNothing was imported; the project is unchanged.")

    def _show_error(self, text: str) -> None:
        self.message.setText(text)
        self.failed.emit(text)

    def reject(self) -> None:
        if self.running:
            # A check or an import is one short transaction; its outcome must reach the views,
            # so the dialog stays until it is done.
            self.message.setText("Please wait: the dataset is being read…")
            return
        super().reject()


def _import(
    project: project_svc.Project,
    format_name: str,
    path: Path,
    mapping: dict[str, str],
    create_classes: bool,
    options: dict[str, str],
) -> importing.ImportPlan:
    return importing.import_dataset(
        project,
        format=format_name,
        path=path,
        mapping=mapping,
        create_classes=create_classes,
        options=options,
    )
