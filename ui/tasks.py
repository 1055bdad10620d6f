"""The one entry point for background work: run a function off the GUI thread, get the answer on it.

Reads (decoding, listing, statistics) share a pool of two threads. Writes go to a lane of one
thread, so they run one at a time in the order they were asked for, and the services open their
own sessions there. Results and errors come back through a queued signal, so callbacks always run
on the GUI thread and may touch widgets; the functions themselves never do.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6 import QtCore

log = logging.getLogger(__name__)

READ = "read"
WRITE = "write"
#: Model inference (pre-labeling, embeddings): one thread of its own, so a long batch never
#: holds up decoding, thumbnails or writes.
MODEL = "model"


class CancelToken:
    """Asks a task to stop: a task not started yet is skipped, and a cancelled task's callbacks
    are not called. Long functions may look at ``cancelled`` between steps."""

    __slots__ = ("_event",)

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()


@dataclasses.dataclass(eq=False, slots=True)
class _Job:
    fn: Callable[..., Any]
    args: tuple[Any, ...]
    on_done: Callable[[Any], None] | None
    on_error: Callable[[BaseException], None] | None
    token: CancelToken
    lane: str


class _Relay(QtCore.QObject):
    """Lives on the GUI thread; workers emit, the slot runs there (queued connection)."""

    finished = QtCore.Signal(object, object, object)  # job, result, error


class TaskRunner(QtCore.QObject):
    """Runs functions in the background and delivers their results on the GUI thread.

    Attributes:
        pending: number of tasks asked for whose callbacks have not been delivered yet.

    Signals:
        taskFailed(str): a task without ``on_error`` raised; the text says what went wrong.
        idle(): the last pending task has been delivered.
    """

    taskFailed = QtCore.Signal(str)
    idle = QtCore.Signal()

    def __init__(self, parent: QtCore.QObject | None = None, *, read_threads: int = 2) -> None:
        super().__init__(parent)
        self._pools = {lane: QtCore.QThreadPool(self) for lane in (READ, WRITE, MODEL)}
        self._pools[READ].setMaxThreadCount(read_threads)
        self._pools[WRITE].setMaxThreadCount(1)  # writes run one at a time, in order
        self._pools[MODEL].setMaxThreadCount(1)
        self._relay = _Relay(self)
        self._relay.finished.connect(self._on_finished, QtCore.Qt.ConnectionType.QueuedConnection)
        self._tokens: set[CancelToken] = set()
        self._closed = False
        self.pending = 0

    def run(
        self,
        fn: Callable[..., Any],
        *args: Any,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        lane: str = READ,
        priority: int = 0,
        token: CancelToken | None = None,
    ) -> CancelToken:
        """Run ``fn(*args)`` in the background.

        Args:
            fn: The function; it must not touch widgets.
            args: Its arguments.
            on_done: Called on the GUI thread with the result.
            on_error: Called on the GUI thread with the exception; without it ``taskFailed``
                is emitted.
            lane: ``"read"`` (two threads), ``"write"`` (one thread, in order) or ``"model"``
                (one thread for inference).
            priority: Higher starts first among the read tasks still waiting.
            token: Cancel token to use (one is made when omitted).

        Returns:
            The task's cancel token.
        """
        if lane not in self._pools:
            raise ValueError(f"unknown lane {lane!r}; expected 'read', 'write' or 'model'")
        token = token or CancelToken()
        if self._closed:
            token.cancel()
            return token
        job = _Job(fn, args, on_done, on_error, token, lane)
        self.pending += 1
        self._tokens.add(token)
        # Writes keep their order: one priority for all of them.
        self._pools[lane].start(lambda: self._work(job), 0 if lane == WRITE else priority)
        return token

    def shutdown(self) -> None:
        """Cancel what has not started, wait for what is running, deliver nothing more."""
        self._closed = True
        for token in list(self._tokens):
            token.cancel()
        for pool in self._pools.values():
            pool.clear()
            pool.waitForDone()
        self._tokens.clear()
        self.pending = 0

    def wait(self, msecs: int = -1) -> bool:
        """Block until both lanes have finished their work (tests and shutdown only)."""
        return all(pool.waitForDone(msecs) for pool in self._pools.values())

    # -- worker side -------------------------------------------------------------------------------

    def _work(self, job: _Job) -> None:
        if job.token.cancelled:
            self._relay.finished.emit(job, None, None)
            return
        try:
            result = job.fn(*job.args)
        except Exception as exc:  # delivered to the GUI thread, not lost
            self._relay.finished.emit(job, None, exc)
        else:
            self._relay.finished.emit(job, result, None)

    # -- GUI side ----------------------------------------------------------------------------------

    @QtCore.Slot(object, object, object)
    def _on_finished(self, job: _Job, result: Any, error: BaseException | None) -> None:
        if self._closed:
            return
        self._tokens.discard(job.token)
        self.pending = max(0, self.pending - 1)
        try:
            if job.token.cancelled:
                return
            if error is not None:
                if job.on_error is not None:
                    job.on_error(error)
                else:
                    log.error("background task failed", exc_info=error)
                    self.taskFailed.emit(f"{type(error).__name__}: {error}")
            elif job.on_done is not None:
                job.on_done(result)
        finally:
            if self.pending == 0:
                self.idle.emit()
