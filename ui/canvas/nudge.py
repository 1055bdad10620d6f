"""Arrow-key nudges (and ``[``/``]`` turns): a burst of key presses becomes one edit (one undo step).

A burst ends after :data:`IDLE_MS` without another arrow key, or at once when the user does
anything else on the canvas (a click, another editing key, a tool or image change). Holding an
arrow key down is one burst, because auto-repeat keeps the idle timer from running out.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6 import QtCore

from labeler.domain import annotation as ann
from labeler.domain import geometry as geo
from ui.canvas import kinds, shapes

IDLE_MS = 400


class NudgeBurst(QtCore.QObject):
    """Accumulates nudges (and turns) of the selected shapes and reports them as one set of edits.

    Signals:
        finished(object): a ``dict[str, ShapeEdit]`` when a burst that moved something ends.
    """

    finished = QtCore.Signal(object)

    def __init__(
        self,
        show: Callable[[dict[str, geo.Shape]], None],
        parent: QtCore.QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._show = show
        self._originals: dict[str, geo.Shape] = {}
        self._offset = (0.0, 0.0)
        self._turn = 0.0  # degrees, clockwise on screen
        self._size = (0.0, 0.0)
        self._timer = QtCore.QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(IDLE_MS)
        self._timer.timeout.connect(self.flush)

    @property
    def active(self) -> bool:
        return bool(self._originals)

    def ids(self) -> set[str]:
        return set(self._originals)

    def nudge(
        self,
        originals: dict[str, geo.Shape],
        dx: float,
        dy: float,
        size: tuple[float, float],
    ) -> None:
        """Move the shapes by (dx, dy) more, kept inside the image of ``size``.

        ``originals`` are the shapes' stored geometries; a different set of shapes than the
        running burst's ends that burst first.
        """
        self._begin(originals, size)
        ox, oy = self._offset
        self._offset = shapes.clamp_offset(
            list(self._originals.values()), ox + dx, oy + dy, size[0], size[1]
        )
        self._show(self.current())
        self._timer.start()

    def turn(
        self, originals: dict[str, geo.Shape], degrees: float, size: tuple[float, float]
    ) -> None:
        """Turn the shapes that can turn (rotated boxes) by ``degrees`` more, clockwise."""
        self._begin(originals, size)
        self._turn += degrees
        self._show(self.current())
        self._timer.start()

    def _begin(self, originals: dict[str, geo.Shape], size: tuple[float, float]) -> None:
        if self._originals and set(originals) != set(self._originals):
            self.flush()
        if not self._originals:
            self._originals = dict(originals)
            self._offset = (0.0, 0.0)
            self._turn = 0.0
        self._size = size

    def current(self) -> dict[str, geo.Shape]:
        dx, dy = self._offset
        out: dict[str, geo.Shape] = {}
        for aid, g in self._originals.items():
            moved = g.translated(dx, dy)
            turn = kinds.of(g).turn
            if self._turn and turn is not None:
                moved = turn(moved, self._turn, *self._size)
            out[aid] = moved
        return out

    def flush(self) -> None:
        """End the burst now, reporting it if it moved anything."""
        self._timer.stop()
        if not self._originals:
            return
        edits = {
            aid: ann.ShapeEdit(geometry=g)
            for aid, g in self.current().items()
            if g != self._originals[aid]
        }
        moved = bool(edits)
        self._originals = {}
        self._offset = (0.0, 0.0)
        self._turn = 0.0
        if moved:
            self.finished.emit(edits)

    def forget(self, keep: set[str]) -> None:
        """Shapes outside ``keep`` are gone: drop them from the burst."""
        self._originals = {k: v for k, v in self._originals.items() if k in keep}
        if not self._originals:
            self._timer.stop()
