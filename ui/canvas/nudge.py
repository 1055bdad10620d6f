"""Arrow-key nudges: a burst of key presses becomes one edit (one undo step).

A burst ends after :data:`IDLE_MS` without another arrow key, or at once when the user does
anything else on the canvas (a click, another editing key, a tool or image change). Holding an
arrow key down is one burst, because auto-repeat keeps the idle timer from running out.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6 import QtCore

from labeler.domain import annotation as ann
from labeler.domain import geometry as geo
from ui.canvas import shapes

IDLE_MS = 400


class NudgeBurst(QtCore.QObject):
    """Accumulates nudges of the selected shapes and reports them as one set of edits.

    Signals:
        finished(object): a ``dict[str, ShapeEdit]`` when a burst that moved something ends.
    """

    finished = QtCore.Signal(object)

    def __init__(
        self,
        show: Callable[[dict[str, geo.Box | geo.Polygon]], None],
        parent: QtCore.QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._show = show
        self._originals: dict[str, geo.Box | geo.Polygon] = {}
        self._offset = (0.0, 0.0)
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
        originals: dict[str, geo.Box | geo.Polygon],
        dx: float,
        dy: float,
        size: tuple[float, float],
    ) -> None:
        """Move the shapes by (dx, dy) more, kept inside the image of ``size``.

        ``originals`` are the shapes' stored geometries; a different set of shapes than the
        running burst's ends that burst first.
        """
        if self._originals and set(originals) != set(self._originals):
            self.flush()
        if not self._originals:
            self._originals = dict(originals)
            self._offset = (0.0, 0.0)
        ox, oy = self._offset
        self._offset = shapes.clamp_offset(
            list(self._originals.values()), ox + dx, oy + dy, size[0], size[1]
        )
        self._show(self.current())
        self._timer.start()

    def current(self) -> dict[str, geo.Box | geo.Polygon]:
        dx, dy = self._offset
        out: dict[str, geo.Box | geo.Polygon] = {}
        for aid, g in self._originals.items():
            moved = shapes.translated(g, dx, dy)
            assert isinstance(moved, geo.Box | geo.Polygon)
            out[aid] = moved
        return out

    def flush(self) -> None:
        """End the burst now, reporting it if it moved anything."""
        self._timer.stop()
        if not self._originals:
            return
        edits = {aid: ann.ShapeEdit(geometry=g) for aid, g in self.current().items()}
        moved = self._offset != (0.0, 0.0)
        self._originals = {}
        self._offset = (0.0, 0.0)
        if moved:
            self.finished.emit(edits)

    def forget(self, keep: set[str]) -> None:
        """Shapes outside ``keep`` are gone: drop them from the burst."""
        self._originals = {k: v for k, v in self._originals.items() if k in keep}
        if not self._originals:
            self._timer.stop()
