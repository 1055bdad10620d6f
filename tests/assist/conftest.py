"""Fixtures of the assist tests: pictures with known content."""

from __future__ import annotations

import numpy as np
import pytest

from labeler.assist import frames


def picture(h: int, w: int, value: int = 255) -> frames.Pixels:
    return np.full((h, w, 3), value, dtype=np.uint8)


@pytest.fixture
def white() -> frames.Frame:
    return frames.Frame.full(picture(64, 64))


def disc_picture(h: int, w: int, cx: int, cy: int, r: int) -> frames.Pixels:
    """A red disc on a grey background (a clear object for the classical segmenter)."""
    yy, xx = np.mgrid[0:h, 0:w]
    img = np.full((h, w, 3), 90, dtype=np.uint8)
    img[(xx - cx) ** 2 + (yy - cy) ** 2 <= r * r] = (220, 40, 30)
    return img
