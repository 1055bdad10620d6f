"""What a model answers: shapes in the image's displayed frame, with a class name and a score."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

from labeler.domain import geometry as geo


@dataclasses.dataclass(frozen=True, slots=True)
class Prediction:
    """One object a model found.

    Attributes:
        label: the model's own name for the class (mapped to a project class later).
        score: the model's confidence, 0–1.
        geometry: a box or a polygon in the displayed frame, original pixels.
    """

    label: str
    score: float
    geometry: geo.Box | geo.Polygon


def box(x0: float, y0: float, x1: float, y1: float, width: float, height: float) -> geo.Box | None:
    """A box from corners, cut to the ``width`` × ``height`` frame; None when nothing is left."""
    if not all(math.isfinite(v) for v in (x0, y0, x1, y1)):
        return None
    clipped = geo.Box.from_corners(x0, y0, x1, y1).clipped(width, height)
    return clipped if clipped.w > 0 and clipped.h > 0 else None


def polygon(
    points: Sequence[tuple[float, float]], width: float, height: float
) -> geo.Polygon | None:
    """A polygon with its points kept inside the frame; None below three distinct points."""
    kept: list[tuple[float, float]] = []
    for x, y in points:
        if not (math.isfinite(x) and math.isfinite(y)):
            return None
        p = (min(max(float(x), 0.0), width), min(max(float(y), 0.0), height))
        if not kept or kept[-1] != p:
            kept.append(p)
    if len(kept) > 1 and kept[0] == kept[-1]:
        kept.pop()
    if len(set(kept)) < 3:
        return None
    result = geo.Polygon(tuple(kept))
    return result if result.area > 0 else None
