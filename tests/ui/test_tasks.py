"""The background task runner: answers on the GUI thread, writes in order, cancel and shutdown."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from PySide6 import QtCore

from ui import tasks


@pytest.fixture
def runner(qtbot: QtBot) -> Iterator[tasks.TaskRunner]:
    r = tasks.TaskRunner()
    yield r
    r.shutdown()


def test_write_lane_runs_in_order_and_answers_on_the_gui_thread(
    qtbot: QtBot, runner: tasks.TaskRunner
) -> None:
    gui = threading.get_ident()
    ran: list[tuple[int, int]] = []
    answered: list[tuple[int, int]] = []

    def write(i: int) -> int:
        # Later writes are quicker: a pool of several threads would finish them first.
        threading.Event().wait(0.002 * (10 - i) / 10)
        ran.append((i, threading.get_ident()))
        return i

    for i in range(10):
        runner.run(
            write, i, lane="write", on_done=lambda r: answered.append((r, threading.get_ident()))
        )
    qtbot.waitUntil(lambda: len(answered) == 10)

    assert [i for i, _ in ran] == list(range(10))
    assert len({t for _, t in ran}) == 1 and ran[0][1] != gui  # one worker thread, not the GUI's
    assert answered == [(i, gui) for i in range(10)]


def test_errors_are_delivered_on_the_gui_thread(qtbot: QtBot, runner: tasks.TaskRunner) -> None:
    gui = threading.get_ident()
    errors: list[tuple[BaseException, int]] = []
    done: list[object] = []

    def broken() -> None:
        raise ValueError("disk is full")

    runner.run(
        broken, on_done=done.append, on_error=lambda e: errors.append((e, threading.get_ident()))
    )
    qtbot.waitUntil(lambda: bool(errors))

    ((error, thread),) = errors
    assert isinstance(error, ValueError) and str(error) == "disk is full"
    assert thread == gui and not done


def test_an_error_nobody_handles_is_reported(qtbot: QtBot, runner: tasks.TaskRunner) -> None:
    def broken() -> None:
        raise RuntimeError("database is locked")

    with qtbot.waitSignal(runner.taskFailed) as blocker:
        runner.run(broken)
    assert blocker.args == ["RuntimeError: database is locked"]


def test_a_cancelled_task_neither_runs_nor_answers(qtbot: QtBot, runner: tasks.TaskRunner) -> None:
    release = threading.Event()
    ran: list[str] = []
    done: list[str] = []

    def blocker(name: str) -> str:
        release.wait(5)
        ran.append(name)
        return name

    runner.run(blocker, "a", on_done=done.append)
    runner.run(blocker, "b", on_done=done.append)  # both read threads are now busy
    token = runner.run(blocker, "c", on_done=done.append)
    token.cancel()
    late = runner.run(blocker, "d", on_done=done.append)
    assert runner.pending == 4

    with qtbot.waitSignal(runner.idle):
        release.set()
    assert sorted(done) == ["a", "b", "d"] and "c" not in ran
    assert not late.cancelled and runner.pending == 0


def test_read_tasks_run_two_at_a_time(qtbot: QtBot, runner: tasks.TaskRunner) -> None:
    both = threading.Barrier(2, timeout=5)
    done: list[int] = []
    for i in range(2):
        runner.run(both.wait, on_done=lambda _r, i=i: done.append(i))
    qtbot.waitUntil(lambda: len(done) == 2)  # a single thread would break the barrier


def test_shutdown_waits_and_delivers_nothing_more(qtbot: QtBot) -> None:
    runner = tasks.TaskRunner()
    started = threading.Event()
    finished: list[bool] = []
    done: list[object] = []

    def slow() -> None:
        started.set()
        threading.Event().wait(0.05)
        finished.append(True)

    runner.run(slow, on_done=done.append)
    runner.run(slow, on_done=done.append, lane="write")
    assert started.wait(5)
    runner.shutdown()

    assert finished  # the running work completed before shutdown returned
    QtCore.QCoreApplication.processEvents()  # let any queued delivery through: there must be none
    assert not done
    after = runner.run(slow, on_done=done.append)
    assert after.cancelled
