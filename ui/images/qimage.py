"""Wrap decoded buffers as QImages without copying the pixels."""

from __future__ import annotations

import sys

from PySide6 import QtGui

from labeler.imaging import decode

_FORMATS = {
    # The decoder lays pixels out as B, G, R, A bytes: Qt's 32-bit formats on little-endian.
    "BGRX": QtGui.QImage.Format.Format_RGB32,
    "BGRA": QtGui.QImage.Format.Format_ARGB32,
    "L": QtGui.QImage.Format.Format_Grayscale8,
    "I;16": QtGui.QImage.Format.Format_Grayscale16,
}


def to_qimage(decoded: decode.Decoded) -> QtGui.QImage:
    """A QImage over ``decoded.data``; the QImage keeps the bytes alive, no pixel is copied.

    ``QPixmap.fromImage`` of the RGB32 result is free, which is why the decoder packs BGRX.
    """
    fmt = _FORMATS[decoded.mode]
    if sys.byteorder != "little" and decoded.mode in ("BGRX", "BGRA"):  # pragma: no cover
        image = QtGui.QImage(
            decoded.data,
            decoded.width,
            decoded.height,
            decoded.stride,
            QtGui.QImage.Format.Format_RGBA8888,
        )
        return image.rgbSwapped()
    return QtGui.QImage(decoded.data, decoded.width, decoded.height, decoded.stride, fmt)
