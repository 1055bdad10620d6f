"""Runs a Qt app in this process, reports when the user could see and use it, and drives it.

    PROBE_OUT=FILE PROBE_T0=SECONDS python benchmarks/app_probe.py BINDING APP \
        [--switches N | --browse N] [--pace S] [--screenshots DIR] -- (-m MODULE | SCRIPT) ARGS...

``BINDING`` is the app's own Qt binding (``PySide6`` or ``PyQt5``); ``APP`` is ``labeler``,
``labelme`` or ``viewer`` (``bare_window.py``), and says what "its picture is shown" means and
where its canvas is. The app runs as ``__main__``, exactly as its command runs it; the probe looks
at it each time its event loop is about to wait for events (no per-event hook that would slow the
app down) and writes one JSON line to ``PROBE_OUT``, times in seconds since ``PROBE_T0`` (the
parent's ``time.time()`` just before it spawned this process):

- ``idle``: the main window is exposed, so its first frame is painted (Qt paints an exposed
  window before it returns to the event loop), and the event loop waits for the user;
- ``picture``: the same, with the app's image painted on its canvas;
- ``rss_mb``: resident memory then.

Then, as a user would, with the app's own keys (D next, A previous, in all three apps):

- ``--switches N``: N times "next image", each pressed ``--pace`` seconds after the previous
  image was painted (the user looks at it; an app decodes ahead meanwhile); ``switch_ms`` lists
  each key press → painted frame time, measured from just before the key event is sent to the
  first queued event handled after the frame in which the canvas painted the new image (Qt
  flushes a frame before it takes the next event from its queue);
- ``--browse N``: N-1 times next, then N-1 times previous, at the same pace; ``rss_mb`` and
  ``peak_rss_mb`` are read at the end, a second after the last image was painted.

With ``--screenshots`` the screen is saved at ``idle`` and ``picture`` (``idle.png``,
``picture.png``), to look at what was measured. Standard library and the Qt binding only: it runs
in labelme's environment too.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import json
import os
import resource
import runpy
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

T0 = float(os.environ.get("PROBE_T0", time.time()))
TIMEOUT_S = 120.0


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


@dataclasses.dataclass(frozen=True)
class AppKind:
    """Where an app keeps what the probe looks at."""

    ready: Callable[[Any], bool]  # its picture is on the canvas
    ident: Callable[[Any], object]  # which image is current
    canvas: Callable[[Any], Any]  # the widget the picture is painted on


def _labeler_ready(window: Any) -> bool:
    current, canvas = window.current, window.canvas
    return current.image_id is not None and canvas.image_id() == current.image_id


def _labelme_ready(window: Any) -> bool:
    pixmap = window._canvas_widgets.canvas.pixmap
    return pixmap is not None and not pixmap.isNull()


APPS = {
    "labeler": AppKind(_labeler_ready, lambda w: w.current.image_id, lambda w: w.canvas.viewport()),
    "labelme": AppKind(_labelme_ready, lambda w: w._image_path, lambda w: w._canvas_widgets.canvas),
    "viewer": AppKind(lambda w: w.ready, lambda w: w.index, lambda w: w.picture),
}


class Probe:
    """Looks at the app each time its event loop is about to block, then drives it."""

    def __init__(self, binding: str, app: str, args: argparse.Namespace) -> None:
        self.qt_core = importlib.import_module(f"{binding}.QtCore")
        self.qt_widgets = importlib.import_module(f"{binding}.QtWidgets")
        self.qt_test = importlib.import_module(f"{binding}.QtTest")
        self.kind = APPS[app]
        self.args = args
        self.marks: dict[str, Any] = {}
        self.window: Any = None
        self.driving = False
        keys = getattr(self.qt_core.Qt, "Key", self.qt_core.Qt)
        self.next_key, self.previous_key = keys.Key_D, keys.Key_A
        types = getattr(self.qt_core.QEvent, "Type", self.qt_core.QEvent)
        self.paint = types.Paint
        # Events that come from the event queue, never from inside a paint: the first of them
        # after the canvas painted the new image comes after its frame was flushed.
        self.queued = {
            types.MetaCall, types.Timer, types.UpdateRequest, types.LayoutRequest,
            types.DeferredDelete,
        }  # fmt: skip

    def install(self) -> None:
        """Make every QApplication the app creates report to this probe."""
        probe, base = self, self.qt_widgets.QApplication

        class ProbedApplication(base):  # type: ignore[misc, valid-type]
            def __init__(self, *args: Any) -> None:
                super().__init__(*args)
                dispatcher = probe.qt_core.QAbstractEventDispatcher.instance()
                dispatcher.aboutToBlock.connect(probe.look)
                # A window that never shows must not hang the benchmark.
                self._probe_timer = probe.qt_core.QTimer()
                self._probe_timer.timeout.connect(probe.look)
                self._probe_timer.start(1000)

        # The binding is chosen at run time (PySide6 or PyQt5): a module attribute set by name.
        setattr(self.qt_widgets, "QApplication", ProbedApplication)  # noqa: B010

    @property
    def app(self) -> Any:
        return self.qt_widgets.QApplication.instance()

    # -- watching ---------------------------------------------------------------------------------

    def look(self) -> None:
        if self.driving:
            return  # each switch has its own time limit
        if time.time() - T0 > TIMEOUT_S:
            self.marks["timed_out"] = True
            self.finish()
        if self.window is None:
            self.window = self._main_window()
            if self.window is None:
                return
        if "idle" not in self.marks:
            handle = self.window.windowHandle()
            if handle is None or not handle.isExposed():
                return
            self.mark("idle")
        if "picture" not in self.marks and self.kind.ready(self.window):
            self.mark("picture")
            self.marks["rss_mb"] = _rss_mb()
            if self.args.switches or self.args.browse:
                self.driving = True
                self.qt_core.QTimer.singleShot(0, self.drive)
            else:
                self.finish()

    def _main_window(self) -> Any:
        shown = [w for w in self.app.topLevelWidgets() if w.isVisible() and w.isWindow()]
        mains = [w for w in shown if isinstance(w, self.qt_widgets.QMainWindow)]
        return (mains or [None])[0]

    def mark(self, name: str) -> None:
        self.marks[name] = time.time() - T0
        if self.args.screenshots is not None:
            screen = self.app.primaryScreen()
            screen.grabWindow(0).save(str(self.args.screenshots / f"{name}.png"))

    # -- driving ----------------------------------------------------------------------------------

    def drive(self) -> None:
        window = self.window
        window.activateWindow()
        self.wait_for(window.isActiveWindow, 5.0)
        self.wait(self.args.pace)
        if self.args.switches:
            self.marks["switch_ms"] = [
                self.switch(self.next_key) * 1000 for _ in range(self.args.switches)
            ]
        else:
            for key in (self.next_key, self.previous_key):
                for _ in range(self.args.browse - 1):
                    self.switch(key)
            self.wait(1.0)
            self.marks["rss_mb"] = _rss_mb()
            self.marks["peak_rss_mb"] = (
                resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6
            )
        self.finish()

    def switch(self, key: Any) -> float:
        """Press ``key``; seconds until the next image is painted and its frame flushed.

        Qt paints a window's dirty widgets and flushes the frame in one go, from one queued
        update request, so the first queued event handled after the canvas painted the new
        image marks the frame on screen. A zero-timer posted at that paint makes sure one comes.
        """
        window, canvas = self.window, self.kind.canvas(self.window)
        before = self.kind.ident(window)
        painted: list[float] = []
        done: list[float] = []
        probe = self

        class Frame(probe.qt_core.QObject):  # type: ignore[misc, name-defined]
            def eventFilter(self, obj: Any, event: Any) -> bool:
                if done:
                    return False
                if event.type() in probe.queued:
                    if painted:
                        done.append(time.perf_counter())
                elif event.type() == probe.paint and (
                    obj is canvas
                    and not painted
                    and probe.kind.ident(window) != before
                    and probe.kind.ready(window)
                ):
                    painted.append(time.perf_counter())
                    probe.qt_core.QTimer.singleShot(0, lambda: None)
                return False

        watcher = Frame()
        self.app.installEventFilter(watcher)
        focus = self.app.focusWidget() or window
        start = time.perf_counter()
        self.qt_test.QTest.keyClick(focus, key)
        self.wait_for(lambda: bool(done), 10.0)
        self.app.removeEventFilter(watcher)
        self.wait(self.args.pace)  # the user looks at the picture
        return done[0] - start

    def wait_for(self, condition: Callable[[], bool], timeout: float) -> None:
        """Run the event loop until ``condition`` holds (looked at every millisecond: the loop
        sleeps in between, as the app's own does, leaving the processor to its threads)."""
        if condition():
            return
        loop = self.qt_core.QEventLoop()
        poll = self.qt_core.QTimer()
        poll.timeout.connect(lambda: condition() and loop.quit())
        poll.start(1)
        give_up = self.qt_core.QTimer()
        give_up.setSingleShot(True)
        give_up.timeout.connect(loop.quit)
        give_up.start(int(timeout * 1000))
        loop.exec()
        poll.stop()
        if not condition():
            self.marks["timed_out"] = True
            self.finish()

    def wait(self, seconds: float) -> None:
        loop = self.qt_core.QEventLoop()
        self.qt_core.QTimer.singleShot(int(seconds * 1000), loop.quit)
        loop.exec()

    def finish(self) -> None:
        with open(os.environ["PROBE_OUT"], "w") as f:
            f.write(json.dumps(self.marks) + "\n")
        if os.environ.get("PROBE_GRACEFUL"):  # let a profiler around this process report
            self.app.exit(0)
            return
        os._exit(0)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("binding", choices=["PySide6", "PyQt5"])
    parser.add_argument("app", choices=sorted(APPS))
    parser.add_argument("--switches", type=int, default=0)
    parser.add_argument("--browse", type=int, default=0)
    parser.add_argument("--pace", type=float, default=0.15)
    parser.add_argument("--screenshots", type=Path)
    split = sys.argv.index("--")
    args = parser.parse_args(sys.argv[1:split])
    command = sys.argv[split + 1 :]
    Probe(args.binding, args.app, args).install()
    if command[0] == "-m":
        sys.argv = [command[1], *command[2:]]
        runpy.run_module(command[1], run_name="__main__", alter_sys=True)
    else:
        sys.argv = command
        runpy.run_path(command[0], run_name="__main__")


if __name__ == "__main__":
    main()
