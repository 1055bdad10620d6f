"""The labeling canvas: shows one image with its boxes and polygons and turns mouse and keys into
requests (see :class:`ui.canvas.canvas.Canvas`)."""

from ui.canvas.canvas import TOOLS, Canvas
from ui.canvas.style import CanvasStyle

__all__ = ["TOOLS", "Canvas", "CanvasStyle"]
