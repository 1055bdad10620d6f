"""Class name tags: rendered once per (text, colour, size) and blitted at a constant screen size.

Tags used to be text items that ignore the view's transformation; Qt tests those one by one on
every hit test and lays their text out on every frame (≈ 40 ms a frame for 500 boxes), so a
shared pixmap drawn in device coordinates replaced them.
"""

from __future__ import annotations

import functools

from PySide6 import QtCore, QtGui

from ui.canvas import style as st

_PAD = 2


def _font(point_size: float) -> QtGui.QFont:
    font = QtGui.QFont()
    font.setPointSizeF(point_size)
    return font


@functools.lru_cache(maxsize=256)
def tag_size(text: str, point_size: float) -> tuple[int, int]:
    """Width and height of a tag in screen pixels."""
    metrics = QtGui.QFontMetrics(_font(point_size))
    return (metrics.horizontalAdvance(text) + 2 * _PAD, metrics.height() + _PAD)


@functools.lru_cache(maxsize=256)
def tag_pixmap(text: str, colour: str, point_size: float, dpr: float) -> QtGui.QPixmap:
    """The tag as a picture: the class colour behind the name, in black or white text."""
    w, h = tag_size(text, point_size)
    image = QtGui.QImage(
        max(1, round(w * dpr)),
        max(1, round(h * dpr)),
        QtGui.QImage.Format.Format_RGB32,
    )
    image.setDevicePixelRatio(dpr)
    background = st.class_colour(colour)
    painter = QtGui.QPainter(image)
    # Opaque: a blended blit costs more per frame, and the tag sits outside the shape anyway.
    painter.fillRect(QtCore.QRectF(0, 0, w, h), background)
    painter.setFont(_font(point_size))
    painter.setPen(st.text_colour_on(background))
    painter.drawText(QtCore.QPointF(_PAD, QtGui.QFontMetrics(painter.font()).ascent() + 1), text)
    painter.end()
    return QtGui.QPixmap.fromImage(image)
