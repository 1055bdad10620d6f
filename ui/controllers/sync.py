"""Team sync in the app: background rounds, the state in the status bar, linking and conflicts.

Every round runs ``sync.sync_once`` on the task runner's write lane (one writer at a time, never
the GUI thread) and announces the changes it pulled through the project document, exactly like a
local edit, so the browser, the canvas and the panels refresh wherever the user is. A server that
cannot be reached is retried with growing waits; a configuration error (wrong key, no permission,
wrong URL) stops the rounds until the user links again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from typing import Any

from PySide6 import QtCore

from labeler.services import annotate, sync
from labeler.services import images as images_svc
from ui import document as document_mod
from ui import settings as settings_mod
from ui import tasks as tasks_mod

#: Milliseconds between rounds while everything goes well.
DEFAULT_INTERVAL_MS = 5000
#: The longest wait between rounds while the server cannot be reached.
MAX_OFFLINE_MS = 120_000

#: Quick retries inside a round; longer waits happen between rounds, where the status bar says so.
#: (Backoffs stay under a second, so a wait of a second or more is the server's Retry-After.)
APP_POLICY = dataclasses.replace(sync.Options().policy, attempts=3, base_delay=0.2, max_delay=0.8)

LOCAL_ONLY = "local only"
SYNCED = "synced"
OFFLINE = "offline — retrying"


def with_pending(state: str, pending: int) -> str:
    """The status bar text: the state, and how many edits wait to be pushed when any do."""
    return f"{state} · {pending:,} pending" if pending > 0 else state


@dataclasses.dataclass(frozen=True, slots=True)
class RoundResult:
    """What a background round brings back to the GUI thread."""

    report: sync.SyncReport
    conflicts: list[sync.Conflict]
    pending: int = 0  # edits made during the round, still to push


class _Pause:
    """The engine's sleep: says how long it waits (rate limits), and ends early on shutdown."""

    def __init__(self, paused: QtCore.SignalInstance) -> None:
        self._paused = paused
        self.stop = threading.Event()

    def __call__(self, seconds: float) -> None:
        if seconds >= 1.0:  # short backoffs are not worth a message
            self._paused.emit(seconds)
        if self.stop.wait(seconds):
            raise sync.OfflineError("sync stopped: the project was closed")


class SyncController(QtCore.QObject):
    """Keeps the open project in step with its team's server.

    Args:
        doc: the open project.
        runner: the background task runner (rounds use its write lane).
        options: how to reach the server (key, timeout, retry policy); the key defaults to
            ``LABELER_KEY`` or the keyring.
        interval_ms: time between rounds.

    Signals:
        stateChanged(str): the text for the status bar ("synced", "offline — retrying", ...),
            with "· N pending" when edits wait to be pushed.
        conflictsChanged(list): the open conflicts (``sync.Conflict``) after a round or a choice.
        linkFinished(bool, str): a link attempt ended; the text says how.
        paused(float): the server asked to wait this many seconds (emitted from the worker).
        othersChanged(object): ``Changes`` that arrived from the server (teammates' edits, or
            a conflict resolved in their favour), after they were announced to the views.
        signInPrompt(str): Entra ID's device-code instructions, to show until the user is done
            (emitted from the worker that waits for the sign-in).
        notice(str): something the user should read once (a schema clash settled or to settle).
        imagesArrived(int): linking fetched this many image files into the project's folders
            (the browser lists its images again).
    """

    stateChanged = QtCore.Signal(str)
    conflictsChanged = QtCore.Signal(list)
    linkFinished = QtCore.Signal(bool, str)
    paused = QtCore.Signal(float)
    imagesArrived = QtCore.Signal(int)
    othersChanged = QtCore.Signal(object)
    notice = QtCore.Signal(str)
    signInPrompt = QtCore.Signal(str)

    def __init__(
        self,
        doc: document_mod.ProjectDocument,
        runner: tasks_mod.TaskRunner,
        *,
        options: sync.Options | None = None,
        interval_ms: int = DEFAULT_INTERVAL_MS,
        parent: QtCore.QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._doc = doc
        self._runner = runner
        self.options = options or self._default_options()
        self.interval_ms = interval_ms
        self.state = LOCAL_ONLY
        self.conflicts: list[sync.Conflict] = []
        self.remote: tuple[str, str] | None = None
        self._pause = _Pause(self.paused)
        self._running = False
        self._again = False
        self._blocked = False  # a configuration error: no rounds until the user links again
        self._offline_rounds = 0
        self._last_notes: list[str] = []
        self._timer = QtCore.QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.sync_now)
        self.paused.connect(self._on_paused)

    def _default_options(self) -> sync.Options:
        """The app's retry policy, and Entra ID sign-in when the environment sets it up (a
        device code, where no browser can open, is shown as a notice)."""
        options = sync.Options(timeout=15.0, policy=APP_POLICY)
        try:
            source = sync.entra_sign_in(self.signInPrompt.emit, self.notice.emit)
        except sync.SignInError as exc:
            message = str(exc)  # said once the window is up
            QtCore.QTimer.singleShot(0, lambda: self.notice.emit(message))
            return options
        return dataclasses.replace(options, token_source=source)

    # --- public ------------------------------------------------------------------------------

    def start(self) -> None:
        """Sync now if the project is linked; else say it is local only."""
        self.remote = sync.remote(self._doc.project)
        if self.remote is None:
            self._set_state(LOCAL_ONLY)
            return
        stored = settings_mod.entra_for(self.remote[0])
        if stored is not None:  # signed in with Entra ID when this project was linked
            client_id, tenant, scopes = stored
            self.use_entra(
                sync.EntraSettings(client_id, tuple(scopes.split()), tenant or "organizations")
            )
        self.sync_now()

    def stop(self) -> None:
        """No more rounds; a round waiting on the server gives up at once."""
        self._timer.stop()
        self._pause.stop.set()

    def sync_now(self) -> None:
        """One round in the background (a second request while one runs makes one more)."""
        if self.remote is None or self._blocked:
            return
        if self._running:
            self._again = True
            return
        self._timer.stop()
        self._running = True
        self._runner.run(
            self._round, on_done=self._on_round, on_error=self._on_error, lane=tasks_mod.WRITE
        )

    def use_entra(self, settings: sync.EntraSettings | None) -> None:
        """Sign in with Entra ID with ``settings`` from now on (None: as the environment says)."""
        try:
            source = sync.entra_sign_in(self.signInPrompt.emit, self.notice.emit, settings)
        except sync.SignInError as exc:
            self.notice.emit(str(exc))
            return
        self.options = dataclasses.replace(self.options, token_source=source)

    def link(
        self,
        url: str,
        remote_project: str,
        key: str | None,
        upload_images: bool = False,
        entra: sync.EntraSettings | None = None,
    ) -> None:
        """Publish the project on ``url`` as ``remote_project`` (or join it), in the background.

        ``key`` is used for this session whether or not the keyring could keep it. Server images
        missing here are fetched into the project's first image folder; ``upload_images`` also
        sends the image files the server lacks.
        """
        if key:
            self.options = dataclasses.replace(self.options, key=key)
        self.use_entra(entra)
        self._timer.stop()
        self._runner.run(
            self._link,
            url,
            remote_project,
            upload_images,
            key,
            on_done=self._on_linked,
            on_error=self._on_link_error,
            lane=tasks_mod.WRITE,
        )

    def resolve(self, conflict_id: str, choice: sync.Choice) -> None:
        """Resolve one conflict in the background and announce what changed."""
        self._runner.run(
            self._resolve, conflict_id, choice,
            on_done=self._on_resolved, on_error=self._on_resolve_error, lane=tasks_mod.WRITE,
        )  # fmt: skip

    def image_of(self, conflict: sync.Conflict) -> str | None:
        """The id of the image a conflict is about (None when it is not in this project)."""
        project = self._doc.project
        if conflict.kind == "annotation":
            found = annotate.get_annotations(project, [conflict.record_id])
            if found:
                return found[0].image_id
        if conflict.image_path:
            flt = images_svc.ImageFilter(text=conflict.image_path)
            for image in images_svc.list_images(project, flt):
                if image.rel_path == conflict.image_path:
                    return image.id
        return None

    # --- worker side -------------------------------------------------------------------------

    def _options(self) -> sync.Options:
        return dataclasses.replace(self.options, sleep=self._pause)

    def _round(self) -> RoundResult:
        project = self._doc.project
        report = sync.sync_once(project, self._options())
        return RoundResult(report, sync.list_conflicts(project), sync.pending_count(project))

    def _link(
        self, url: str, remote_project: str, upload_images: bool, key: str | None
    ) -> tuple[Any, RoundResult, sync.KeyStorage | None]:
        project = self._doc.project
        images = sync.ImageTransfer(upload=upload_images)
        result, report = sync.link_project(project, url, remote_project, self._options(), images)
        # As the command line does: only a key the service accepted is kept, and here, off the
        # GUI thread (the OS keyring may take a while, or ask to be unlocked).
        storage = sync.store_key(url, key) if key else None
        return (
            result,
            RoundResult(report, sync.list_conflicts(project), sync.pending_count(project)),
            storage,
        )

    def _resolve(self, conflict_id: str, choice: sync.Choice) -> tuple[Any, list[sync.Conflict]]:
        changes = sync.resolve_conflict(self._doc.project, conflict_id, choice)
        return changes, sync.list_conflicts(self._doc.project)

    # --- GUI side ----------------------------------------------------------------------------

    def _set_state(self, text: str) -> None:
        self.state = text
        self.stateChanged.emit(text)

    def _set_conflicts(self, conflicts: list[sync.Conflict]) -> None:
        self.conflicts = conflicts
        self.conflictsChanged.emit(conflicts)

    def _next_round(self, delay_ms: int) -> None:
        if self._pause.stop.is_set():
            return
        if self._again:
            self._again = False
            delay_ms = 0
        self._timer.start(delay_ms)

    def _on_round(self, result: RoundResult) -> None:
        self._running = False
        self._offline_rounds = 0
        self._doc.announce(result.report.changes)
        if result.report.changes:
            self.othersChanged.emit(result.report.changes)
        notes = [
            f"{n.what} — move them in Edit → Classes…" if n.cli_fix else n.what
            for n in result.report.schema_notes
        ]
        if notes and notes != self._last_notes:  # said once, not every five seconds
            self.notice.emit("; ".join(notes))
        self._last_notes = notes
        self._set_conflicts(result.conflicts)
        self._set_state(with_pending(SYNCED, result.pending))
        self._next_round(self.interval_ms)

    def _on_error(self, exc: BaseException) -> None:
        self._running = False
        if isinstance(exc, sync.NotLinked):
            self.remote = None
            self._set_state(LOCAL_ONLY)
        elif isinstance(exc, sync.ConfigurationError):
            self._blocked = True
            self._set_state(f"sync stopped: {exc}")
        elif isinstance(exc, sync.OfflineError):
            self._offline_rounds += 1
            # One COUNT query: what the user has waiting while the server is away.
            self._set_state(with_pending(OFFLINE, sync.pending_count(self._doc.project)))
            wait = min(self.interval_ms * 2 ** min(self._offline_rounds, 10), MAX_OFFLINE_MS)
            self._next_round(wait)
        else:
            self._set_state(f"sync failed: {exc}")
            self._next_round(self.interval_ms)

    def _on_linked(self, value: tuple[Any, RoundResult, sync.KeyStorage | None]) -> None:
        result, round_, storage = value
        self._blocked = False
        self.remote = sync.remote(self._doc.project)
        action = "Published" if result.published else "Joined"
        where = f"{result.remote_project!r} on {self.remote[0]}" if self.remote else "the server"
        classes = (
            f"{result.classes_matched} classes created there"
            if result.published
            else f"{result.classes_matched} classes matched"
        )
        text = (
            f"{action} {where}: {result.images_sent} images sent, {classes}, "
            f"{round_.report.pulled} changes pulled"
        )
        if storage is not None:
            kept = "The key is kept in the keyring."
            text = (
                (
                    kept
                    if storage.stored
                    else f"Not stored: {storage.why}. It is used until the app closes."
                )
                + " "
                + text
            )
        if result.upload is not None:
            text += f"; {result.upload.uploaded} image files uploaded"
            if result.upload.skipped:
                path, why = result.upload.skipped[0]
                text += f" ({len(result.upload.skipped)} not sent, e.g. {path}: {why})"
        fetched = len(result.download.downloaded) if result.download is not None else 0
        if fetched:
            text += f"; {fetched} image files fetched into {result.images_dir}"
        if result.missing_here:
            text += f"; {len(result.missing_here)} server images are not in this project"
        self.linkFinished.emit(True, text)
        if fetched:
            self.imagesArrived.emit(fetched)
        self._on_round(round_)

    def _on_link_error(self, exc: BaseException) -> None:
        self.linkFinished.emit(False, str(exc))
        if self.remote is not None and not self._blocked:
            self._next_round(self.interval_ms)

    def _on_resolved(self, value: tuple[Any, list[sync.Conflict]]) -> None:
        changes, conflicts = value
        self._doc.announce(changes)
        if changes:
            self.othersChanged.emit(changes)
        self._set_conflicts(conflicts)
        self.sync_now()  # "mine" goes out at the next round: make it now

    def _on_resolve_error(self, exc: BaseException) -> None:
        self._doc.errorOccurred.emit(f"The conflict was not resolved: {exc}")

    @QtCore.Slot(float)
    def _on_paused(self, seconds: float) -> None:
        until = dt.datetime.now() + dt.timedelta(seconds=seconds)
        self._set_state(f"paused until {until:%H:%M} (rate-limited)")
