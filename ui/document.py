"""The open project as the app sees it: the one place service calls are made and changes announced.

Edits are made synchronously on the GUI thread. A single edit is one SQLite transaction in WAL mode
with ``synchronous=FULL`` (≈ 0.6–2.5 ms here, well inside a frame), and doing it in place means the
edit is on disk when the key press returns: a SIGKILL a moment later loses nothing, and there is no
queue of pending writes to lose or order. Long work (indexing, exports, sync) goes through the task
runner instead.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from PySide6 import QtCore

from labeler import errors
from labeler.domain import changes as changes_mod
from labeler.domain import image as image_mod
from labeler.domain import schema as schema_mod
from labeler.services import indexing
from labeler.services import project as project_svc
from labeler.services import schema as schema_svc

log = logging.getLogger(__name__)

T = TypeVar("T")


class ProjectDocument(QtCore.QObject):
    """An open project, its schema, and the broadcast of what every edit changed.

    Attributes:
        project: the service-layer project handle.
        schema: the current label schema (refreshed when a change touches it).

    Signals:
        changed(Changes): after every successful edit, with what the service reported.
        schemaChanged(LabelSchema): after the schema changed (classes, hotkeys, tasks).
        errorOccurred(str): an edit was refused, or hit a bug; the text is for the user.
        writeRefused(str): the project file could not store an edit (read-only, disk full, locked);
            also emitted after ``errorOccurred`` for such edits.

    Attributes:
        write_problem: why the project cannot store edits, as found when it was opened (None when
            it can); the app says so at once and can still browse and export.
        last_error: the refusal of the last edit that failed, or None.
    """

    changed = QtCore.Signal(object)
    schemaChanged = QtCore.Signal(object)
    errorOccurred = QtCore.Signal(str)
    writeRefused = QtCore.Signal(str)

    def __init__(self, project: project_svc.Project, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.project = project
        self.schema: schema_mod.LabelSchema = schema_svc.get_schema(project)
        self._write_error = project_svc.write_problem(project)
        self.write_problem: str | None = (
            None if self._write_error is None else str(self._write_error)
        )
        self.last_error: errors.UserError | None = None

    def edit(self, fn: Callable[..., changes_mod.Changes], *args: Any, **kwargs: Any) -> bool:
        """Run one writing service call ``fn(project, *args, **kwargs)`` and announce its changes.

        Returns:
            True when the edit was stored; False when the service refused it (the reason is
            emitted on ``errorOccurred``).
        """
        self.last_error = None
        try:
            result = fn(self.project, *args, **kwargs)
        except errors.WriteRefused as exc:
            log.info("edit not stored: %s", exc)
            self.last_error = exc
            self.errorOccurred.emit(f"Not stored: {exc}")
            self.writeRefused.emit(str(exc))
            return False
        except errors.UserError as exc:
            log.info("edit refused: %s", exc)
            self.last_error = exc
            self.errorOccurred.emit(str(exc))
            return False
        except Exception as exc:
            # Not something the user can fix: say it is a bug, keep the traceback in the log.
            errors.log_bug(log, exc, getattr(fn, "__name__", "an edit"))
            self.errorOccurred.emit(errors.bug_message(exc))
            return False
        self.announce(result)
        return True

    def read(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run one reading service call ``fn(project, *args, **kwargs)``."""
        return fn(self.project, *args, **kwargs)

    def refusal_label(self) -> str:
        """A word or two for why edits are not stored (the status bar's mark)."""
        error = self.last_error if isinstance(self.last_error, errors.WriteRefused) else None
        error = error or self._write_error
        if isinstance(error, errors.DiskFull):
            return "disk full"
        if isinstance(error, errors.ProjectLocked):
            return "locked: not stored"
        return "read-only"

    def measure(self, image_ids: list[str]) -> list[image_mod.Image]:
        """The images with their frame (size, EXIF orientation) known: headers the background
        indexer has not read yet are read now, stored and announced (see ``indexing.measure``)."""
        found, changes = indexing.measure(self.project, image_ids)
        self.announce(changes)
        return found

    def announce(self, result: changes_mod.Changes) -> None:
        """Tell every view what changed (also used for changes that arrive from sync)."""
        if result.schema:
            self.schema = schema_svc.get_schema(self.project)
            self.schemaChanged.emit(self.schema)
        if result:
            self.changed.emit(result)

    @property
    def tasks(self) -> schema_mod.TaskKinds:
        return self.schema.tasks

    def tag_only(self) -> bool:
        """True for image-classification projects (tags, and no kind of shape)."""
        t = self.schema.tasks
        return t.tags is not schema_mod.TagMode.NONE and not t.shapes

    def class_by_hotkey(self, key: str) -> schema_mod.LabelClass | None:
        key = key.lower()
        return next((c for c in self.schema.classes if c.hotkey == key), None)

    def get_state(self, key: str) -> Any:
        return project_svc.get_state(self.project, key)

    def set_state(self, key: str, value: Any) -> bool:
        """Remember a small value in the project (where the user is); False when the project
        cannot store it (read-only): that is no reason to interrupt anyone."""
        try:
            project_svc.set_state(self.project, key, value)
        except errors.WriteRefused as exc:
            log.info("app state not stored: %s", exc)
            return False
        return True
