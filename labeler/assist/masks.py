"""Masks to polygons: OpenCV's contour tracing, simplified with Douglas–Peucker."""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np
import numpy.typing as npt

from labeler.assist import predictions
from labeler.domain import geometry as geo

#: How far (in mask pixels) the simplified outline may stray from the traced one.
EPSILON_PX = 1.0

Mapper = Callable[
    [npt.NDArray[np.float64], npt.NDArray[np.float64]],
    tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]],
]


def largest_outline(
    mask: npt.NDArray[np.bool_] | npt.NDArray[np.uint8], epsilon: float = EPSILON_PX
) -> npt.NDArray[np.float64] | None:
    """The outer outline of the largest region of ``mask`` as N × 2 (x, y) points, simplified.

    Points are pixel centres (a pixel's centre is at +0.5), so a mask scaled up lands where the
    region is. None when the mask is empty or its largest region is smaller than three pixels.
    """
    m = np.ascontiguousarray(mask, dtype=np.uint8)
    if not m.any():
        return None
    contours, _ = cv2.findContours(m, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None
    biggest = max(contours, key=cv2.contourArea)
    if len(biggest) < 3 or cv2.contourArea(biggest) < 2:
        return None
    simple = cv2.approxPolyDP(biggest, epsilon, True) if epsilon > 0 else biggest
    if len(simple) < 3:
        simple = biggest
    return simple.reshape(-1, 2).astype(np.float64) + 0.5


def to_polygon(
    mask: npt.NDArray[np.bool_] | npt.NDArray[np.uint8],
    to_image: Mapper,
    width: float,
    height: float,
    epsilon: float = EPSILON_PX,
) -> geo.Polygon | None:
    """The largest region of ``mask`` as a polygon in the image's frame.

    ``to_image`` maps mask pixel coordinates (x, y arrays) to the image's displayed frame.
    """
    outline = largest_outline(mask, epsilon)
    if outline is None:
        return None
    xs, ys = to_image(outline[:, 0], outline[:, 1])
    return predictions.polygon(list(zip(xs.tolist(), ys.tolist(), strict=True)), width, height)
