"""How the canvas draws: cosmetic lines and a translucent class-coloured fill whose opacity the
user chooses (View → Shape fill), so shapes stand out on busy photos and the pixels stay visible."""

from __future__ import annotations

import dataclasses

from PySide6 import QtGui

#: Outline colour of shapes whose class is unknown or unset.
NO_CLASS_COLOUR = "#9e9e9e"


@dataclasses.dataclass(frozen=True, slots=True)
class CanvasStyle:
    """Drawing settings. Sizes are screen pixels: they stay the same at any zoom.

    Attributes:
        fill_alpha: opacity (0–255) of the fill inside unselected shapes; low enough by default
            that the object under a box stays readable (see :func:`with_fill_opacity`).
        selected_fill_alpha: opacity of the fill inside selected shapes.
        line_width: outline width of unselected shapes (cosmetic pen).
        selected_line_width: outline width of selected or hovered shapes.
        handle_px: edge of a box resize handle; handles sit outside the box.
        vertex_px: edge of a polygon vertex marker.
        hit_px: how far from an outline, handle or vertex a click still counts.
        drag_px: a drag shorter than this (in screen pixels) draws or moves nothing.
        label_point_size: point size of the class name tags.
    """

    fill_alpha: int = 51  # DEFAULT_FILL_PERCENT of 255
    selected_fill_alpha: int = 83
    line_width: float = 1.5
    selected_line_width: float = 3.0
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


#: The fill opacity new users get, in percent.
DEFAULT_FILL_PERCENT = 20
#: How much more opaque a selected shape's fill is than the others'.
SELECTED_FILL_EXTRA = 32


def with_fill_opacity(style: CanvasStyle, percent: float) -> CanvasStyle:
    """``style`` with shapes filled at ``percent`` % opacity (0: outlines only); a selected shape
    a little more, so it still stands out."""
    alpha = round(255 * min(max(percent, 0.0), 100.0) / 100.0)
    selected = min(255, alpha + SELECTED_FILL_EXTRA) if alpha else SELECTED_FILL_EXTRA
    return dataclasses.replace(style, fill_alpha=alpha, selected_fill_alpha=selected)


def class_colour(colour: str | None) -> QtGui.QColor:
    """A valid QColor for a class colour string (grey when unset or malformed)."""
    c = QtGui.QColor(colour or NO_CLASS_COLOUR)
    return c if c.isValid() else QtGui.QColor(NO_CLASS_COLOUR)


def text_colour_on(background: QtGui.QColor) -> QtGui.QColor:
    """Black or white, whichever reads better on ``background``."""
    luma = 0.299 * background.red() + 0.587 * background.green() + 0.114 * background.blue()
    return QtGui.QColor("#000000") if luma > 150 else QtGui.QColor("#ffffff")
