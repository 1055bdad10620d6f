"""Render the canvas with a photo-like picture, boxes and a polygon to docs/screenshots/canvas.png.

Run with ``QT_QPA_PLATFORM=offscreen python -m tests.ui.canvas.make_screenshot``.
"""

from __future__ import annotations

import os
import pathlib
import random

from PySide6 import QtCore, QtGui, QtWidgets

from labeler.domain import schema
from tests.ui.canvas import helpers as h
from ui.canvas import canvas as canvas_mod

OUT = pathlib.Path(__file__).resolve().parents[3] / "docs" / "screenshots" / "canvas.png"


def street_scene(width: int, height: int) -> QtGui.QImage:
    """A street-like picture: sky, buildings, road, cars and noise, so outlines read as on a photo."""
    rng = random.Random(7)
    image = QtGui.QImage(width, height, QtGui.QImage.Format.Format_RGB32)
    p = QtGui.QPainter(image)
    p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
    sky = QtGui.QLinearGradient(0, 0, 0, height * 0.55)
    sky.setColorAt(0, QtGui.QColor("#6f9fd8"))
    sky.setColorAt(1, QtGui.QColor("#dfe8ef"))
    p.fillRect(0, 0, width, height, sky)
    x = 0
    while x < width:
        w = rng.randint(width // 12, width // 6)
        top = rng.randint(int(height * 0.12), int(height * 0.4))
        shade = rng.randint(90, 170)
        p.fillRect(x, top, w, height, QtGui.QColor(shade, shade - 10, shade - 25))
        for wy in range(top + 12, int(height * 0.55), 26):
            for wx in range(x + 8, x + w - 14, 22):
                p.fillRect(
                    wx,
                    wy,
                    10,
                    14,
                    QtGui.QColor(60, 70, 90) if rng.random() < 0.7 else QtGui.QColor(230, 210, 140),
                )
        x += w
    road = QtGui.QLinearGradient(0, height * 0.55, 0, height)
    road.setColorAt(0, QtGui.QColor("#55565a"))
    road.setColorAt(1, QtGui.QColor("#2f3033"))
    p.fillRect(QtCore.QRectF(0, height * 0.55, width, height * 0.45), road)
    for lx in range(0, width, 140):
        p.fillRect(QtCore.QRectF(lx, height * 0.78, 70, 6), QtGui.QColor("#e8e2c8"))
    for cx, cy, colour in ((260, 0.66, "#b22222"), (820, 0.7, "#2a4d8f"), (1250, 0.64, "#d8d8d0")):
        body = QtCore.QRectF(cx, height * cy, 260, 90)
        p.setBrush(QtGui.QColor(colour))
        p.setPen(QtCore.Qt.PenStyle.NoPen)
        p.drawRoundedRect(body, 24, 24)
        p.setBrush(QtGui.QColor("#9fb8c8"))
        p.drawRoundedRect(body.adjusted(50, -45, -60, -60), 14, 14)
        p.setBrush(QtGui.QColor("#111111"))
        for wx in (body.left() + 45, body.right() - 45):
            p.drawEllipse(QtCore.QPointF(wx, body.bottom()), 26, 26)
    p.setBrush(QtGui.QColor("#2e5d2e"))
    p.drawEllipse(QtCore.QPointF(1500, height * 0.42), 90, 120)
    p.end()
    for _ in range(width * height // 30):
        px, py = rng.randrange(width), rng.randrange(height)
        c = QtGui.QColor(image.pixel(px, py))
        d = rng.randint(-18, 18)
        image.setPixelColor(
            px, py, QtGui.QColor(*(max(0, min(255, v + d)) for v in c.getRgb()[:3]))
        )
    return image


def main() -> None:
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    canvas = canvas_mod.Canvas()
    canvas.resize(1100, 720)
    canvas.show()
    full = QtCore.QSize(1600, 1067)
    # A screen-sized decode drawn over the full-resolution frame, as the image loader sends it.
    canvas.set_image("street", street_scene(full.width(), full.height()).scaled(1100, 733), full)
    canvas.set_annotations(
        [
            h.box("car1", 236, 662, 306, 145, "cat"),
            h.box("car2", 796, 704, 306, 145, "cat"),
            h.box("car3", 1226, 640, 306, 145, "cat"),
            h.box("door", 610, 430, 60, 150, None),
            h.polygon(
                "tree",
                [(1410, 330), (1500, 318), (1592, 420), (1560, 560), (1440, 560), (1405, 430)],
            ),
        ],
        {
            "cat": schema.LabelClass("cat", "car", "#f58231", "1", 0),
            "dog": schema.LabelClass("dog", "tree", "#3cb44b", "2", 1),
        },
    )
    canvas.select(["car2", "tree"])
    app.processEvents()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    canvas.grab().save(str(OUT))
    print(OUT)


if __name__ == "__main__":
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    main()
