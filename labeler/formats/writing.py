"""Helpers every dataset writer shares: safe relative paths, unique target names, clipping to the
image, and a pause of the garbage collector while 100,000s of small objects are built."""

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
    points, moved = clipped_outline(polygon, w, h)
    return (geo.Polygon(points), True) if moved else (polygon, False)


def clipped_outline(shape: geo.Shape, w: float, h: float) -> tuple[tuple[geo.Point, ...], bool]:
    """The outline of ``shape`` (a polygon's points, a rotated box's corners) with its points
    moved into a ``w`` × ``h`` image, and whether any moved."""
    outline = shape.outline()
    points = tuple((min(max(x, 0.0), w), min(max(y, 0.0), h)) for x, y in outline)
    return points, points != outline


def split_ext(rel: str) -> tuple[str, str]:
    """``("a/b", ".jpg")`` for ``"a/b.jpg"``; string work, as this runs once per image."""
    slash, dot = rel.rfind("/"), rel.rfind(".")
    return (rel[:dot], rel[dot:]) if dot > slash + 1 else (rel, "")


class UniqueNames:
    """Target names inside one folder, renaming (and reporting) on collision."""

    def __init__(self) -> None:
        self._used: set[str] = set()

    def claim(self, rel: str, stem_only: bool, report: base.Report) -> str:
        """``rel``, or ``<stem>_2<ext>`` (and so on) when taken. With ``stem_only``, names that
        differ only in their extension collide (label files share a stem across image types)."""
        stem, ext = split_ext(rel)
        # File systems may ignore case.
        key = (stem if stem_only else rel).lower()
        candidate, n = rel, 1
        while key in self._used:
            n += 1
            candidate = f"{stem}_{n}{ext}"
            key = (candidate[: len(candidate) - len(ext)] if stem_only else candidate).lower()
        self._used.add(key)
        if candidate != rel:
            report.add("renamed_image", rel, f"written as {candidate} (its name was taken)")
        return candidate
