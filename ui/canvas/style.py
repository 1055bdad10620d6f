"""How the canvas draws: thin cosmetic lines and a faint fill, so the pixels stay visible."""

from __future__ import annotations

import dataclasses

from PySide6 import QtGui

#: Outline colour of shapes whose class is unknown or unset.
NO_CLASS_COLOUR = "#9e9e9e"


@dataclasses.dataclass(frozen=True, slots=True)
class CanvasStyle:
    """Drawing settings. Sizes are screen pixels: they stay the same at any zoom.

    Attributes:
        fill_alpha: opacity (0–255) of the fill inside unselected shapes; very low by default so
            the object under a box stays readable.
        selected_fill_alpha: opacity of the fill inside selected shapes.
        line_width: outline width of unselected shapes (cosmetic pen).
        selected_line_width: outline width of selected or hovered shapes.
        handle_px: edge of a box resize handle; handles sit outside the box.
        vertex_px: edge of a polygon vertex marker.
        hit_px: how far from an outline, handle or vertex a click still counts.
        drag_px: a drag shorter than this (in screen pixels) draws or moves nothing.
        label_point_size: point size of the class name tags.
    """

    fill_alpha: int = 16
    selected_fill_alpha: int = 26
    line_width: float = 1.0
    selected_line_width: float = 2.0
    handle_px: int = 7
    vertex_px: int = 6
    hit_px: float = 5.0
    drag_px: float = 4.0
    label_point_size: float = 8.0

    def __post_init__(self) -> None:
        for name in ("fill_alpha", "selected_fill_alpha"):
            value = getattr(self, name)
            if not 0 <= value <= 255:
                raise ValueError(f"{name} must be within 0..255, got {value}")


def class_colour(colour: str | None) -> QtGui.QColor:
    """A valid QColor for a class colour string (grey when unset or malformed)."""
    c = QtGui.QColor(colour or NO_CLASS_COLOUR)
    return c if c.isValid() else QtGui.QColor(NO_CLASS_COLOUR)


def text_colour_on(background: QtGui.QColor) -> QtGui.QColor:
    """Black or white, whichever reads better on ``background``."""
    luma = 0.299 * background.red() + 0.587 * background.green() + 0.114 * background.blue()
    return QtGui.QColor("#000000") if luma > 150 else QtGui.QColor("#ffffff")
