"""Model assistance in the app: suggestions of the image in view, pre-labeling one image or many,
and click-to-segment. Inference never runs on the GUI thread (the task runner's model lane)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6 import QtCore, QtWidgets

from labeler import errors
from labeler.assist import prompts as prompts_mod
from labeler.domain import annotation as ann_mod
from labeler.domain import changes as changes_mod
from labeler.domain import geometry as geo
from labeler.domain import status as status_mod
from labeler.services import assist as assist_svc
from labeler.services import images as images_svc
from labeler.services import suggestions as suggestions_svc
from ui import after_frame, commands
from ui import document as document_mod
from ui import tasks as tasks_mod
from ui.canvas import prompts as prompts_ui
from ui.canvas import suggestions as layer_mod
from ui.controllers import current as current_mod
from ui.controllers import undo as undo_mod
from ui.dialogs import class_map_dialog, prelabel_dialog
from ui.panels import suggestions_panel

if TYPE_CHECKING:
    from labeler.services import prelabel as prelabel_svc
    from labeler.services import segment as segment_svc

# Pre-labeling and segmenting (numpy, OpenCV, onnxruntime) are imported when the user first runs
# a model, on the thread that runs it: opening a project and switching images never load them.

log = logging.getLogger(__name__)

STATE_KEY = "assist"
DEFAULT_THRESHOLD = 0.5
#: Images after the current one whose embeddings are computed ahead while segmenting.
EMBED_AHEAD = 2


def _threads() -> int:
    """onnxruntime threads in the app: every core but one, which the GUI keeps."""
    from labeler.assist import runtime

    return max(1, runtime.default_threads() - 1)


class _Progress(QtCore.QObject):
    """Carries a batch's progress from the model thread to the GUI thread (queued signal)."""

    moved = QtCore.Signal(int, int)


class Assist(QtCore.QObject):
    """Suggestions, pre-labeling and click-to-segment for the open project.

    Signals:
        message(str): something to tell the user in the status bar.
    """

    message = QtCore.Signal(str)

    def __init__(
        self,
        window: QtWidgets.QWidget,
        doc: document_mod.ProjectDocument,
        runner: tasks_mod.TaskRunner,
        current: current_mod.CurrentImage,
        canvas: Any,
        undo: undo_mod.UndoHistory,
        panel: suggestions_panel.SuggestionsPanel,
        current_class: Callable[[], str | None],
        parent: QtCore.QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._window, self._doc, self._runner = window, doc, runner
        self._current, self._canvas, self._undo = current, canvas, undo
        self._panel = panel
        self._current_class = current_class
        self.layer = layer_mod.SuggestionLayer(canvas.scene(), self)
        self._reload_after_frame = after_frame.AfterFrame(self.reload, self)
        self.prompt_item = prompts_ui.PromptItem()
        canvas.scene().addItem(self.prompt_item)
        self.prompt_input = prompts_ui.PromptInput(canvas, self.prompt_item)
        state = doc.get_state(STATE_KEY) or {}
        self.model: str | None = state.get("model")
        self.segment_model: str | None = state.get("segment_model")
        self.auto: bool = bool(state.get("auto", False))
        self.thresholds: dict[str, float] = dict(state.get("thresholds", {}))
        self.shown: list[suggestions_svc.Suggestion] = []
        self.prompt = prompts_mod.Prompt()
        self.outline: geo.Polygon | None = None
        self._embeddings: segment_svc.Embeddings | None = None
        self._batch: tasks_mod.CancelToken | None = None
        self.dialog: prelabel_dialog.PrelabelDialog | None = None
        self._progress = _Progress(self)
        self._connect()
        self.refresh_panel()

    def _connect(self) -> None:
        p, i = self._panel, self.prompt_input
        p.modelChosen.connect(self.set_model)
        p.segmentModelChosen.connect(self.set_segment_model)
        p.autoChanged.connect(self.set_auto)
        p.thresholdChanged.connect(self.set_threshold)
        i.clicked.connect(self.on_click)
        i.boxed.connect(self.on_box)
        i.keep.connect(self.keep_outline)
        i.drop.connect(self.drop_prompt)
        i.back.connect(self.step_back)

    # --- settings ----------------------------------------------------------------------------

    def _save(self) -> None:
        self._doc.set_state(STATE_KEY, {
            "model": self.model, "segment_model": self.segment_model, "auto": self.auto,
            "thresholds": self.thresholds,
        })  # fmt: skip

    def refresh_panel(self) -> None:
        self._panel.set_models(
            [e.name for e in assist_svc.detect_models()],
            [e.name for e in assist_svc.segment_models()],
            self.model,
            self.segment_model,
        )
        self._panel.set_auto(self.auto)
        self._panel.set_thresholds(self._doc.schema.classes, self.thresholds, DEFAULT_THRESHOLD)
        self._panel.set_outcomes(self._doc.read(suggestions_svc.outcomes))

    def set_model(self, name: str | None) -> None:
        self.model = name
        self._save()

    def set_segment_model(self, name: str | None) -> None:
        self.segment_model = name
        self._embeddings = None
        self._save()

    def set_auto(self, on: bool) -> None:
        self.auto = on
        self._save()
        if on:
            self.prelabel_image(quiet=True)

    def set_threshold(self, class_id: str, value: float) -> None:
        self.thresholds[class_id] = value
        self._save()
        self.reload()

    def threshold(self, class_id: str | None) -> float:
        return self.thresholds.get(class_id or "", DEFAULT_THRESHOLD)

    # --- the image in view -------------------------------------------------------------------

    @QtCore.Slot(str)
    def on_image_changed(self, image_id: str) -> None:
        self.drop_prompt()
        # The previous image's suggestions go at once; this image's are read once its picture is
        # painted, so switching images never waits on them.
        self.layer.clear()
        self.shown = []
        self._reload_after_frame.post()
        if self.auto:
            self.prelabel_image(quiet=True)
        if self.prompt_input.active:
            self._embed_ahead()

    @QtCore.Slot(object)
    def on_changed(self, changes: changes_mod.Changes) -> None:
        image_id = self._current.image_id
        if changes.schema:
            self._panel.set_thresholds(self._doc.schema.classes, self.thresholds, DEFAULT_THRESHOLD)
        touched = changes.annotation_images | changes.suggestion_images
        if image_id is not None and (image_id in touched or changes.schema):
            self.reload()
        # A label made from a suggestion may have been edited; suggestions settled or reopened.
        if changes.annotations or changes.suggestion_images:
            self._panel.set_outcomes(self._doc.read(suggestions_svc.outcomes))

    @QtCore.Slot(float)
    def on_zoom_changed(self, zoom: float) -> None:
        px = 1.0 / zoom if zoom > 0 else 1.0
        self.layer.set_px(px)
        self.prompt_item.set_px(px)

    def show_panel(self) -> None:
        """The Suggestions dock, in front (it stays hidden until a model is used)."""
        dock = self._panel.parentWidget()
        while dock is not None and not isinstance(dock, QtWidgets.QDockWidget):
            dock = dock.parentWidget()
        if dock is not None and not dock.isVisible():
            dock.show()
            dock.raise_()

    def reload(self) -> None:
        """Show the current image's open suggestions that reach their class's threshold."""
        image_id = self._current.image_id
        if image_id is None:
            self.layer.clear()
            self.shown = []
            return
        found = self._doc.read(suggestions_svc.of_image, image_id)
        if found:
            self.show_panel()
        self.shown = [s for s in found if s.score >= self.threshold(s.class_id)]
        self.layer.set_suggestions(self.shown, self._doc.schema.by_id())
        hidden = len(found) - len(self.shown)
        text = f"{len(self.shown)} suggestion{'s' if len(self.shown) != 1 else ''} on this image"
        self._panel.set_status(
            text + (f" ({hidden} below their class's threshold)" if hidden else "")
        )

    # --- settling ----------------------------------------------------------------------------

    def _settle(self, accept: bool, ids: list[str]) -> None:
        if not ids:
            self.message.emit("No suggestion here" if not self.shown else "No suggestion chosen")
            return
        image_id = self._current.image_id
        if image_id is None:
            return
        following = self._following(ids)
        # One undo step on the image's stack: Ctrl+Z opens the suggestions again.
        command = commands.SettleSuggestions(self._doc, ids, accept=accept)
        self._undo.push(image_id, command)
        if command.stored:
            verb = "Accepted" if accept else "Rejected"
            self.message.emit(
                f"{verb} {len(ids)} suggestion{'s' if len(ids) != 1 else ''} (Ctrl+Z undoes it)"
            )
        if following is not None:
            self.layer.select(following)

    def _following(self, ids: list[str]) -> str | None:
        order = self.layer.ids()
        if not ids or ids[-1] not in order:
            return None
        rest = order[order.index(ids[-1]) + 1 :] + order
        return next((i for i in rest if i not in ids), None)

    def accept_current(self) -> None:
        self._settle(True, [self.layer.current] if self.layer.current else [])

    def reject_current(self) -> None:
        self._settle(False, [self.layer.current] if self.layer.current else [])

    def accept_all(self) -> None:
        self._settle(True, self.layer.ids())

    def next_suggestion(self) -> None:
        if self.layer.step() is None:
            self.message.emit("No suggestion on this image")

    def next_to_check(self) -> None:
        target = self._doc.read(suggestions_svc.next_to_check, self._current.image_id, None)
        if target is None:
            self.message.emit("No open suggestions left to check")
            return
        self._current.go_to(target)

    # --- pre-labeling ------------------------------------------------------------------------

    def _plan(self, entry: assist_svc.Entry) -> assist_svc.ClassPlan | None:
        """The class plan, asking once about classes the project lacks (None: the user cancelled)."""
        plan = assist_svc.plan_classes(self._doc.schema, entry)
        if not plan.unknown:
            return plan
        dialog = class_map_dialog.ClassMapDialog(
            entry.name, plan.unknown, [c.name for c in self._doc.schema.classes], self._window
        )
        if dialog.exec() != QtWidgets.QDialog.DialogCode.Accepted:
            return None
        entry = assist_svc.remember_classes(entry.name, dialog.answers)
        added = [v for v in dialog.answers.values() if v is not None]
        if added:
            assist_svc.create_classes(self._doc.project, added)
            self._doc.announce(changes_mod.Changes(schema=True))
        return assist_svc.plan_classes(self._doc.schema, entry)

    def _entry(self) -> assist_svc.Entry | None:
        if self.model is None:
            self.message.emit("Choose a model to pre-label with in the Suggestions panel")
            return None
        try:
            return assist_svc.get_model(self.model)
        except errors.UserError as exc:
            self.message.emit(str(exc))
            return None

    def prelabel_image(self, quiet: bool = False) -> None:
        """Run the chosen model on the image in view (off the GUI thread)."""
        if not quiet:
            self.show_panel()  # where the model is chosen and its suggestions counted
        image_id = self._current.image_id
        entry = None if image_id is None else self._entry()
        if entry is None or image_id is None:
            return
        plan = self._plan(entry)
        if plan is None:
            return
        project, name = self._doc.project, entry.name

        def work() -> prelabel_svc.PredictReport:
            from labeler.services import prelabel as prelabel_svc

            found, detector = assist_svc.cached_detector(name, threads=_threads())
            return prelabel_svc.predict(
                project, found, detector, plan, [image_id], min_score=0.05, again=not quiet
            )

        def done(report: prelabel_svc.PredictReport) -> None:
            if image_id == self._current.image_id:
                self.reload()
            if not quiet:
                self.message.emit(f"{name}: {report.suggested} suggestions on this image")

        self._runner.run(work, on_done=done, on_error=self._failed, lane=tasks_mod.MODEL)

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, errors.UserError):
            self.message.emit(str(exc))
        else:
            errors.log_bug(log, exc, "model assistance")
            self.message.emit(errors.bug_message(exc))

    def batch_dialog(self) -> prelabel_dialog.PrelabelDialog:
        self.show_panel()
        names = [e.name for e in assist_svc.detect_models()]
        dialog = prelabel_dialog.PrelabelDialog(names, self.model, self._window)
        dialog.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.startRequested.connect(self._start_batch)
        dialog.cancelRequested.connect(self.cancel_batch)
        self._progress.moved.connect(dialog.on_progress)
        dialog.finished.connect(lambda _r: self._forget_dialog(dialog))
        self.dialog = dialog
        dialog.open()
        return dialog

    def _forget_dialog(self, dialog: prelabel_dialog.PrelabelDialog) -> None:
        self._progress.moved.disconnect(dialog.on_progress)
        if self.dialog is dialog:
            self.dialog = None

    def _start_batch(self, name: str, statuses: list[str], min_score: float, again: bool) -> None:
        try:
            entry = assist_svc.get_model(name)
        except errors.UserError as exc:
            self._finish_batch(str(exc))
            return
        plan = self._plan(entry)
        if plan is None:
            self._finish_batch("Cancelled: the model's classes were not mapped")
            return
        if self.model is None:  # the model just used is the one to pre-label single images with
            self.set_model(name)
            self.refresh_panel()
        flt = images_svc.ImageFilter(
            statuses=frozenset(status_mod.ImageStatus(s) for s in statuses), problems=False
        )
        ids = self._doc.read(images_svc.list_image_ids, flt)
        project, token, progress = self._doc.project, tasks_mod.CancelToken(), self._progress
        self._batch = token

        def work() -> prelabel_svc.PredictReport:
            from labeler.services import prelabel as prelabel_svc

            found, detector = assist_svc.cached_detector(name, threads=_threads())
            return prelabel_svc.predict(
                project, found, detector, plan, ids, min_score=min_score, again=again,
                progress=progress.moved.emit, should_stop=lambda: token.cancelled,
            )  # fmt: skip

        def done(report: prelabel_svc.PredictReport) -> None:
            self._batch = None
            self._finish_batch(
                f"{'Stopped: ' if report.stopped else ''}{report.looked_at} images looked at "
                f"({report.skipped} done before), {report.suggested} suggestions, "
                f"{report.suppressed} already labeled or rejected"
                + (
                    f"; no project class for {', '.join(report.unmapped)}"
                    if report.unmapped
                    else ""
                )
            )
            self.reload()
            self._panel.set_outcomes(self._doc.read(suggestions_svc.outcomes))

        def failed(exc: BaseException) -> None:
            self._batch = None
            self._failed(exc)
            self._finish_batch(str(exc))

        # Not the runner's token: a cancelled batch still reports what it did (see close()).
        self._runner.run(work, on_done=done, on_error=failed, lane=tasks_mod.MODEL)

    def _finish_batch(self, text: str) -> None:
        if self.dialog is not None:
            self.dialog.finish(text)
        self.message.emit(text)

    def cancel_batch(self) -> None:
        """Stop a running batch after the images being worked on (also when the project closes,
        so closing never waits for a whole batch)."""
        if self._batch is not None:
            self._batch.cancel()

    # --- click-to-segment --------------------------------------------------------------------

    def set_segment_tool(self, on: bool) -> None:
        if on:
            self._canvas.set_tool("select")
        self.prompt_input.set_active(on)
        if not on:
            self.drop_prompt()
        else:
            self._embed_ahead()
            what = self.segment_model or "the built-in segmenter (no model)"
            self.message.emit(
                f"Segment with {what}: click the object (Shift+click: not the object; drag: a "
                "box), Enter keeps it, Esc drops it, Backspace takes a click back"
            )

    def _segmenter(self) -> segment_svc.Embeddings:
        from labeler.services import segment as segment_svc

        if self._embeddings is None or self._embeddings.model != self.segment_model:
            self._embeddings = segment_svc.Embeddings(self.segment_model, threads=_threads())
        return self._embeddings

    def _embed_ahead(self) -> None:
        """Compute the embeddings of this image and the next ones in the background."""
        image = self._current.image
        if image is None:
            return
        ids = self._current.ids
        at = ids.index(image.id) if image.id in ids else -1
        wanted = [image.id] + (ids[at + 1 : at + 1 + EMBED_AHEAD] if at >= 0 else [])
        found = self._doc.read(images_svc.get_images, wanted)
        try:
            embeddings = self._segmenter()
        except errors.UserError as exc:
            self.message.emit(str(exc))
            return
        for im in found:
            if im.usable and not embeddings.ready(im):
                self._runner.run(embeddings.get, im, on_error=self._failed, lane=tasks_mod.MODEL)

    def _ask(self) -> None:
        """Segment with the prompt as it is now; a newer prompt wins over an older answer."""
        image = self._current.image
        self.prompt_input.busy = bool(self.prompt)
        self.prompt_item.set_prompt(self.prompt, self.outline)
        if image is None or not self.prompt:
            return
        try:
            embeddings = self._segmenter()
        except errors.UserError as exc:
            self.message.emit(str(exc))
            return
        asked, image_id = self.prompt, image.id

        def done(segment: prompts_mod.Segment) -> None:
            if asked is self.prompt and image_id == self._current.image_id:
                self.outline = segment.polygon
                self.prompt_item.set_prompt(self.prompt, self.outline)
                if segment.polygon is None:
                    self.message.emit("Nothing found there: click elsewhere or draw a box")

        # Clicks go to the read lane: a batch on the model lane never makes a click wait.
        self._runner.run(
            embeddings.segment, image, asked, on_done=done, on_error=self._failed, priority=10
        )

    def on_click(self, x: float, y: float, positive: bool) -> None:
        self.prompt = self.prompt.with_click(prompts_mod.Click(x, y, positive))
        self._ask()

    def on_box(self, box: geo.Box) -> None:
        self.prompt = prompts_mod.Prompt(box=box)
        self._ask()

    def step_back(self) -> None:
        self.prompt = self.prompt.without_last()
        if not self.prompt:
            self.outline = None
        self._ask()

    def drop_prompt(self) -> None:
        self.prompt = prompts_mod.Prompt()
        self.outline = None
        self.prompt_input.busy = False
        self.prompt_item.set_prompt(self.prompt, None)

    def keep_outline(self) -> None:
        """Enter: the outline becomes a label of the current class (one undo step)."""
        image_id, outline = self._current.image_id, self.outline
        if image_id is None or outline is None:
            self.message.emit("No outline yet: click the object first")
            return
        shape: ann_mod.NewShape
        if geo.ShapeKind.POLYGON in self._doc.tasks.shapes:
            shape = ann_mod.NewShape(self._current_class(), geo.ShapeKind.POLYGON, outline)
        else:
            shape = ann_mod.NewShape(self._current_class(), geo.ShapeKind.BOX, outline.bounds)
        command = commands.AddShapes(self._doc, image_id, [shape], "segment")
        self._undo.push(image_id, command)
        self.drop_prompt()
        self._canvas.select(command.ids)
