"""File → Export dataset: choose the format and options, run it in the background, show the outcome.

The export runs on the task runner's read lane (it only reads the project). Cancel makes the
progress callback raise; the formats write into a hidden folder renamed into place at the end, so
a cancelled or failed export leaves nothing behind.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6 import QtCore, QtWidgets

from labeler.domain import schema as schema_mod
from labeler.domain import status as status_mod
from labeler.formats import base, export, registry
from labeler.services import exporting
from ui import tasks as tasks_mod
from ui.dialogs import format_options, open_dialogs

S = status_mod.ImageStatus

IMAGE_MODES: tuple[tuple[base.ImageMode, str], ...] = (
    (base.ImageMode.COPY, "Copy (upright, orientation applied)"),
    (base.ImageMode.LINK, "Hard link"),
    (base.ImageMode.SYMLINK, "Symbolic link"),
    (base.ImageMode.NONE, "None (reference the original files)"),
)

#: Statuses a user may export; ``new`` is not one of them (nobody looked at those images).
STATUS_CHOICES: tuple[tuple[S, str], ...] = (
    (S.DONE, "Done"),
    (S.APPROVED, "Approved"),
    (S.NEEDS_REVIEW, "Needs review"),
    (S.IN_PROGRESS, "In progress"),
    (S.REJECTED, "Rejected"),
    (S.SKIPPED, "Skipped"),
)

#: ``export(format, out, options, progress)`` → the result; the project is bound already.
ExportFn = Callable[[str, Path, export.ExportOptions, base.ProgressFn], export.ExportResult]


class ExportCancelled(Exception):
    """Raised from the progress callback when the user pressed Cancel."""


def default_task(format_name: str, tasks: schema_mod.TaskKinds) -> str | None:
    """The task a project's label kinds call for in ``format_name`` (None: no task needed),
    by the rule the format's description gives."""
    return registry.get(format_name).default_task(
        tasks.enabled, tasks.tags is schema_mod.TagMode.MULTI
    )


class ReportTree(QtWidgets.QTreeWidget):
    """What could not be expressed exactly: one row per code with its count, entries beneath."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reportTree")
        self.setColumnCount(2)
        self.setHeaderLabels(["What / where", "How many / why"])
        self.setRootIsDecorated(True)
        self.header().setSectionResizeMode(0, QtWidgets.QHeaderView.ResizeMode.ResizeToContents)
        self.setMinimumHeight(110)

    def set_entries(self, entries: Sequence[tuple[str, str, str]]) -> None:
        self.clear()
        groups: dict[str, list[tuple[str, str]]] = {}
        for code, where, message in entries:
            groups.setdefault(code, []).append((where, message))
        for code, items in sorted(groups.items()):
            top = QtWidgets.QTreeWidgetItem([code.replace("_", " "), str(len(items))])
            top.setData(0, QtCore.Qt.ItemDataRole.UserRole, code)
            for where, message in items:
                child = QtWidgets.QTreeWidgetItem([where, message])
                child.setToolTip(0, message)
                child.setToolTip(1, where)
                top.addChild(child)
            self.addTopLevelItem(top)

    def counts(self) -> dict[str, int]:
        """Entries per code, as shown."""
        out = {}
        for i in range(self.topLevelItemCount()):
            item = self.topLevelItem(i)
            assert item is not None
            out[str(item.data(0, QtCore.Qt.ItemDataRole.UserRole))] = item.childCount()
        return out


class ExportDialog(QtWidgets.QDialog):
    """The export form, its progress and its outcome.

    Args:
        classes: the project's class names in schema order.
        tasks: the project's label kinds (they choose the default task).
        runner: runs the export off the GUI thread.
        export_fn: writes the dataset (``exporting.export_project`` bound to the project).
        choose_folder: asks for the output folder.
        open_folder: shows a folder in the file manager.

    Attributes:
        outcome: the last finished export, or None.

    Signals:
        exported(object): an export finished (the ``ExportResult``).
        failed(str): an export failed or was cancelled; the text is what the dialog shows.
    """

    exported = QtCore.Signal(object)
    failed = QtCore.Signal(str)
    _progressed = QtCore.Signal(int, int)  # emitted on the worker, delivered on the GUI thread

    def __init__(
        self,
        classes: Sequence[str],
        tasks: schema_mod.TaskKinds,
        runner: tasks_mod.TaskRunner,
        export_fn: ExportFn,
        *,
        start_folder: Path | None = None,
        choose_folder: open_dialogs.PathPicker = open_dialogs.choose_folder,
        open_folder: open_dialogs.FolderOpener = open_dialogs.open_folder,
        parent: QtWidgets.QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("exportDialog")
        self.setWindowTitle("Export dataset")
        self._tasks = tasks
        self._runner = runner
        self._export_fn = export_fn
        self._choose_folder = choose_folder
        self._open_folder = open_folder
        self._start_folder = start_folder
        self._cancel = threading.Event()
        self._token: tasks_mod.CancelToken | None = None
        self.running = False
        self.outcome: export.ExportResult | None = None
        self._build_form(classes)
        self._build_outcome()
        self._build_buttons()
        self._progressed.connect(self._on_progress)
        self.format.currentIndexChanged.connect(self._on_format_changed)
        # The first format offered writes the project's kinds of labels, not COCO for a tag project.
        self.set_format(registry.suited(tasks.enabled).name)
        self._on_format_changed()

    # --- building ---------------------------------------------------------------------------

    def _build_form(self, classes: Sequence[str]) -> None:
        self.format = QtWidgets.QComboBox()
        for described in registry.writable():
            self.format.addItem(described.title, described.name)
        self.out = QtWidgets.QLineEdit()
        self.out.setPlaceholderText("an empty folder (it is created)")
        browse = QtWidgets.QPushButton("Choose…")
        browse.clicked.connect(self._on_browse)
        out_row = QtWidgets.QHBoxLayout()
        out_row.addWidget(self.out, 1)
        out_row.addWidget(browse)
        split_row = self._build_split()
        status_grid = self._build_statuses()
        self.classes = QtWidgets.QListWidget()
        self.classes.setObjectName("exportClasses")
        self.classes.setMaximumHeight(110)
        for name in classes:
            item = QtWidgets.QListWidgetItem(name)
            item.setFlags(item.flags() | QtCore.Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(QtCore.Qt.CheckState.Checked)
            self.classes.addItem(item)
        self.images = QtWidgets.QComboBox()
        for mode, label in IMAGE_MODES:
            self.images.addItem(label, mode)
        self.task = QtWidgets.QComboBox()
        self.format_options = format_options.widgets(registry.options("export"))
        self.overwrite = QtWidgets.QCheckBox("Replace an earlier export in this folder")
        form = QtWidgets.QFormLayout()
        form.addRow("Format", self.format)
        form.addRow("Output folder", out_row)
        form.addRow("Split", split_row)
        form.addRow("Statuses", status_grid)
        form.addRow("Classes", self.classes)
        form.addRow("Images", self.images)
        form.addRow("Task", self.task)
        for option in registry.options("export"):
            form.addRow(option.label or option.name, self.format_options[option.name])
        form.addRow("", self.overwrite)
        self._form = form
        self._layout = QtWidgets.QVBoxLayout(self)
        self._layout.addLayout(form)

    def _build_split(self) -> QtWidgets.QHBoxLayout:
        self.ratios = []
        split_row = QtWidgets.QHBoxLayout()
        for name, value in (("train", 0.8), ("val", 0.1), ("test", 0.1)):
            spin = QtWidgets.QDoubleSpinBox()
            spin.setObjectName(f"ratio_{name}")
            spin.setRange(0.0, 100.0)
            spin.setDecimals(2)
            spin.setSingleStep(0.05)
            spin.setValue(value)
            self.ratios.append(spin)
            split_row.addWidget(QtWidgets.QLabel(name))
            split_row.addWidget(spin)
        self.seed = QtWidgets.QSpinBox()
        self.seed.setRange(0, 2_000_000_000)
        split_row.addWidget(QtWidgets.QLabel("seed"))
        split_row.addWidget(self.seed)
        return split_row

    def _build_statuses(self) -> QtWidgets.QGridLayout:
        self.statuses: dict[S, QtWidgets.QCheckBox] = {}
        status_grid = QtWidgets.QGridLayout()
        for i, (status, label) in enumerate(STATUS_CHOICES):
            box = QtWidgets.QCheckBox(label)
            box.setChecked(status in status_mod.FINISHED)
            self.statuses[status] = box
            status_grid.addWidget(box, i // 3, i % 3)
        note = QtWidgets.QLabel("Images nobody looked at (new) are never exported.")
        note.setStyleSheet("font-style: italic;")
        status_grid.addWidget(note, 2, 0, 1, 3)
        return status_grid

    def _build_outcome(self) -> None:
        self.progress = QtWidgets.QProgressBar()
        self.progress.setVisible(False)
        self.message = QtWidgets.QLabel()
        self.message.setObjectName("exportMessage")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        self.report = ReportTree()
        self.report.setVisible(False)
        self.open_button = QtWidgets.QPushButton("Open folder")
        self.open_button.setVisible(False)
        self.open_button.clicked.connect(self._on_open_folder)
        self._layout.addWidget(self.progress)
        self._layout.addWidget(self.message)
        self._layout.addWidget(self.report)

    def _build_buttons(self) -> None:
        box = QtWidgets.QDialogButtonBox()
        self.export_button = box.addButton(
            "Export", QtWidgets.QDialogButtonBox.ButtonRole.ActionRole
        )
        self.export_button.setDefault(True)
        self.cancel_button = box.addButton(QtWidgets.QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button.setEnabled(False)
        box.addButton(self.open_button, QtWidgets.QDialogButtonBox.ButtonRole.ActionRole)
        self.close_button = box.addButton(QtWidgets.QDialogButtonBox.StandardButton.Close)
        self.export_button.clicked.connect(self.start_export)
        self.cancel_button.clicked.connect(self.cancel)
        self.close_button.clicked.connect(self.reject)
        self._layout.addWidget(box)

    # --- the form's values ------------------------------------------------------------------

    def format_name(self) -> str:
        return str(self.format.currentData())

    def set_format(self, name: str) -> None:
        self.format.setCurrentIndex(self.format.findData(name))

    def set_class_checked(self, name: str, checked: bool) -> None:
        for item in self.classes.findItems(name, QtCore.Qt.MatchFlag.MatchExactly):
            item.setCheckState(
                QtCore.Qt.CheckState.Checked if checked else QtCore.Qt.CheckState.Unchecked
            )

    def chosen_classes(self) -> tuple[str, ...] | None:
        """The ticked classes; None when all are ticked (every class, as the format numbers them)."""
        items = [self.classes.item(i) for i in range(self.classes.count())]
        ticked = tuple(i.text() for i in items if i.checkState() == QtCore.Qt.CheckState.Checked)
        return None if len(ticked) == len(items) else ticked

    def options(self) -> export.ExportOptions:
        """The export options the form describes.

        Raises:
            ValueError: for a form that cannot be exported (no class or status ticked).
        """
        statuses = frozenset(s for s, box in self.statuses.items() if box.isChecked())
        if not statuses:
            raise ValueError("Tick at least one status to export.")
        classes = self.chosen_classes()
        if classes == ():
            raise ValueError("Tick at least one class to export.")
        task = self.task.currentData() if self.task.isEnabled() else None
        return export.ExportOptions(
            ratios=tuple(spin.value() for spin in self.ratios),
            seed=self.seed.value(),
            statuses=statuses,
            classes=classes,
            images=base.ImageMode(self.images.currentData()),
            task=str(task) if task else None,
            format_options=self.chosen_format_options(),
            overwrite=self.overwrite.isChecked(),
        )

    def chosen_format_options(self) -> dict[str, str]:
        """The current format's options as filled in (empty fields left out)."""
        enabled = {k: w for k, w in self.format_options.items() if w.isEnabled()}
        return format_options.values(enabled)

    @QtCore.Slot()
    def _on_format_changed(self) -> None:
        name = self.format_name()
        self._clear_outcome()  # the outcome shown was another format's
        described = registry.get(name)
        tasks = described.tasks
        self.task.clear()
        for task in tasks:
            self.task.addItem(task, task)
        if not tasks:
            self.task.addItem("(not needed for this format)", None)
        wanted = default_task(name, self._tasks)
        if wanted is not None:
            self.task.setCurrentIndex(max(0, self.task.findData(wanted)))
        self.task.setEnabled(bool(tasks))
        taken = {option.name for option in described.export_options}
        for option_name, widget in self.format_options.items():
            # Only the chosen format's options are shown (and read).
            widget.setEnabled(option_name in taken)
            self._form.setRowVisible(widget, option_name in taken)

    @QtCore.Slot()
    def _on_browse(self) -> None:
        current = self.out.text().strip()
        chosen = self._choose_folder(self, Path(current) if current else self._start_folder)
        if chosen is not None:
            self.out.setText(str(chosen))

    def _clear_outcome(self) -> None:
        if self.running:
            return
        self.outcome = None
        self.message.clear()
        self.report.clear()
        self.report.setVisible(False)
        self.open_button.setVisible(False)

    # --- running ----------------------------------------------------------------------------

    @QtCore.Slot()
    def start_export(self) -> bool:
        """Check the form and start the export in the background; False (with a message) if not."""
        if self.running:
            return False
        text = self.out.text().strip()
        if not text:
            self._show_error("Choose the folder to write the dataset to.")
            return False
        try:
            options = self.options()
        except ValueError as exc:
            self._show_error(str(exc))
            return False
        self._cancel.clear()
        self._set_running(True)
        self.message.setText("Exporting…")
        self.report.setVisible(False)
        self.open_button.setVisible(False)
        self._token = self._runner.run(
            self._export_fn,
            self.format_name(),
            Path(text).expanduser(),
            options,
            self._progress_from_worker,
            on_done=self._on_done,
            on_error=self._on_error,
        )
        return True

    @QtCore.Slot()
    def cancel(self) -> None:
        """Stop the running export at its next image; it leaves nothing behind."""
        if self.running:
            self._cancel.set()
            self.cancel_button.setEnabled(False)
            self.message.setText("Cancelling…")

    def _progress_from_worker(self, done: int, total: int) -> None:
        # Runs on the worker: only a signal crosses to the GUI thread.
        if self._cancel.is_set():
            raise ExportCancelled
        self._progressed.emit(done, total)

    @QtCore.Slot(int, int)
    def _on_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.progress.setFormat(f"{done:,} of {total:,} images")

    def _set_running(self, running: bool) -> None:
        self.running = running
        self.progress.setVisible(running)
        self.progress.setRange(0, 0)  # busy until the first image is counted
        self.export_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        self.close_button.setEnabled(not running)

    def _on_done(self, result: export.ExportResult) -> None:
        self._set_running(False)
        self.outcome = result
        self.message.setText(summary(result))
        self.report.set_entries(result.report.entries)
        self.report.setVisible(bool(result.report.entries))
        self.open_button.setVisible(True)
        self.exported.emit(result)

    def _on_error(self, exc: BaseException) -> None:
        self._set_running(False)
        if isinstance(exc, ExportCancelled):
            text = "Export cancelled; nothing was written."
        else:
            text = f"Export failed: {describe_error(exc)}"
        self._show_error(text)

    def _show_error(self, text: str) -> None:
        self.message.setText(text)
        self.failed.emit(text)

    @QtCore.Slot()
    def _on_open_folder(self) -> None:
        if self.outcome is not None:
            self._open_folder(self.outcome.out)

    # --- closing ----------------------------------------------------------------------------

    def reject(self) -> None:
        if self.running and self._token is not None:
            # Closing stops the export rather than orphaning it; nothing is delivered to a
            # dialog that is gone.
            self._cancel.set()
            self._token.cancel()
            self.running = False
        super().reject()


def describe_error(exc: BaseException) -> str:
    """An error as a sentence for the user (services write ValueError messages for users)."""
    if isinstance(exc, (ValueError, OSError)):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def summary(result: export.ExportResult) -> str:
    """The outcome in a few lines: counts, what was kept out, class ids, where it went."""
    counts: dict[str, Any] = result.counts
    n = counts.get("images", 0)
    lines = [f"Exported {n:,} image{'s' * (n != 1)} as {result.format}"
             + (f" ({result.task})" if result.task else "") + "."]  # fmt: skip
    kept = exporting.kept_out_text(counts)
    tickable = {s.value for s, _ in STATUS_CHOICES} & set(counts.get("kept_out") or {})
    hint = " (tick a status above to export its images)" if tickable else ""
    lines.append(f"Kept out: {kept}{hint}." if kept else "Kept out: none.")
    per_split = counts.get("images_per_split") or {}
    if per_split:
        lines.append("Split: " + ", ".join(f"{k} {v:,}" for k, v in per_split.items()))
    per_class = counts.get("labels_per_class") or {}
    if per_class:
        lines.append("Labels: " + ", ".join(f"{k} {v:,}" for k, v in per_class.items()))
    skipped = {k: v for k, v in (counts.get("not_exported") or {}).items() if v}
    if skipped:
        lines.append(
            "Left out: " + ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in skipped.items())
        )
    if result.class_ids:
        lines.append("Class ids: " + ", ".join(f"{k} = {v}" for k, v in result.class_ids.items()))
    inexact = result.report.counts()
    if inexact:
        lines.append(f"Not expressed exactly: {sum(inexact.values()):,} (listed below)")
    lines.append(f"Written to {result.out}")
    if result.report.next_steps:
        lines.append("Next steps (also in manifest.json):")
        lines += [f"• {step}" for step in result.report.next_steps]
    return "\n".join(lines)
