"""The machine's floor for the app's figures: a bare PySide6 window, and the least an image viewer does.

    python benchmarks/bare_window.py [FOLDER [COUNT]]

Without arguments, an empty main window the size of the app's: the floor for start-up. With a
folder of JPEGs, a viewer the size of the app with a list of the file names on the left and a
side panel on the right: its first COUNT pictures are decoded, screen-sized, before it says it is
ready (``ready``), and D / A show the next / previous one: the floor for a switch whose picture
was decoded ahead (select the list row, paint the picture, flush the frame).
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets

SIZE = (1400, 900)


class Picture(QtWidgets.QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.pixmap = QtGui.QPixmap()

    def paintEvent(self, _event: QtGui.QPaintEvent) -> None:
        painter = QtGui.QPainter(self)
        painter.fillRect(self.rect(), QtGui.QColor("#2b2b2b"))
        if not self.pixmap.isNull():
            x = (self.width() - self.pixmap.width()) // 2
            y = (self.height() - self.pixmap.height()) // 2
            painter.drawPixmap(x, y, self.pixmap)
        painter.end()


class Viewer(QtWidgets.QMainWindow):
    """Attributes the benchmark probe reads: ``ready``, ``index``, ``picture``."""

    def __init__(self, files: list[Path]) -> None:
        super().__init__()
        self.setWindowTitle("bare window")
        self.resize(*SIZE)
        self.files = files
        self.index = 0
        self.ready = not files
        self.pixmaps: list[QtGui.QPixmap] = []
        self.picture = Picture()
        self.setCentralWidget(self.picture)
        if not files:
            return
        self.names = QtWidgets.QListWidget()
        self.names.addItems([f.name for f in files])
        for widget, area, width in (
            (self.names, QtCore.Qt.DockWidgetArea.LeftDockWidgetArea, 230),
            (QtWidgets.QWidget(), QtCore.Qt.DockWidgetArea.RightDockWidgetArea, 260),
        ):
            dock = QtWidgets.QDockWidget(self)
            dock.setWidget(widget)
            widget.setMinimumWidth(width)
            self.addDockWidget(area, dock)
        for key, step in (("D", 1), ("A", -1)):
            action = QtGui.QAction(self)
            action.setShortcut(QtGui.QKeySequence(key))
            action.triggered.connect(lambda _=False, s=step: self.go(self.index + s))
            self.addAction(action)
        QtCore.QTimer.singleShot(0, self.decode_all)

    def decode_all(self) -> None:
        box = self.picture.size()
        for path in self.files:
            reader = QtGui.QImageReader(str(path))
            size = reader.size().scaled(box, QtCore.Qt.AspectRatioMode.KeepAspectRatio)
            reader.setScaledSize(size)
            self.pixmaps.append(QtGui.QPixmap.fromImage(reader.read()))
        self.go(0)
        self.ready = True

    def go(self, index: int) -> None:
        self.index = max(0, min(index, len(self.pixmaps) - 1))
        self.names.setCurrentRow(self.index)
        self.picture.pixmap = self.pixmaps[self.index]
        self.picture.update()


def main() -> int:
    app = QtWidgets.QApplication(sys.argv[:1])
    files: list[Path] = []
    if len(sys.argv) > 1:
        count = int(sys.argv[2]) if len(sys.argv) > 2 else 100
        files = sorted(Path(sys.argv[1]).glob("*.jpg"))[:count]
    window = Viewer(files)
    window.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
