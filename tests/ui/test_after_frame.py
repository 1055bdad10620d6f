"""Work for the next image waits until the frame being prepared is painted."""

from __future__ import annotations

from typing import Any

from PySide6 import QtGui, QtWidgets

from ui import after_frame


class _Painted(QtWidgets.QWidget):
    def __init__(self, log: list[str]) -> None:
        super().__init__()
        self.log = log

    def paintEvent(self, _event: QtGui.QPaintEvent) -> None:
        self.log.append("paint")


def test_work_posted_after_a_repaint_request_runs_after_the_paint(qtbot: Any) -> None:
    log: list[str] = []
    widget = _Painted(log)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    qtbot.waitUntil(lambda: "paint" in log)
    later = after_frame.AfterFrame(lambda: log.append("later"), widget)
    log.clear()

    widget.update()  # as showing the next image does
    later.post()
    later.post()  # asked twice before it ran: runs once
    qtbot.waitUntil(lambda: "later" in log)

    assert log == ["paint", "later"]


def test_work_waiting_for_a_new_window_runs_after_its_first_frame(qtbot: Any) -> None:
    log: list[str] = []
    widget = _Painted(log)
    qtbot.addWidget(widget)
    after_frame.after_first_paint(widget, lambda: log.append("counted"))
    widget.show()
    qtbot.waitUntil(lambda: "counted" in log)

    assert log[0] == "paint" and log.count("counted") == 1
