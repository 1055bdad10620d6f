"""Helpers every dataset writer shares: safe relative paths, clipping to the image, and a pause of
the garbage collector while 100,000s of small objects are built."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator
from pathlib import PurePosixPath

from labeler.domain import geometry as geo
from labeler.formats import base


def safe_rel_path(rel_path: str) -> str:
    """``rel_path`` as a posix path that stays inside the folder it is joined to.

    Raises:
        base.FormatError: for absolute paths and paths climbing out with ``..``.
    """
    rel = rel_path.replace("\\", "/")
    parts = rel.split("/")
    if rel.startswith("/") or ".." in parts or not rel.strip("/"):
        raise base.FormatError(
            rel_path, "", "an image path must be relative and stay inside the dataset"
        )
    if "" in parts or "." in parts:  # a//b or ./a: rare, so pathlib tidies it off the fast path
        return PurePosixPath(rel).as_posix()
    return rel


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a writer builds 100,000s of small objects.

    The objects are not cyclic; without the pause Python rescans the whole (large) heap many
    times over, which costs more than building the output itself.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def clip_polygon(polygon: geo.Polygon, w: float, h: float) -> tuple[geo.Polygon, bool]:
    """``polygon`` with its points moved into a ``w`` × ``h`` image, and whether any moved."""
    points = tuple((min(max(x, 0.0), w), min(max(y, 0.0), h)) for x, y in polygon.points)
    if points == polygon.points:
        return polygon, False
    return geo.Polygon(points), True
