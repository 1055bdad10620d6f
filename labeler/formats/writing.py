"""Helpers every dataset writer shares: safe relative paths, unique target names, clipping to the
image, and a pause of the garbage collector while 100,000s of small objects are built."""

from __future__ import annotations

import collections
import contextlib
import gc
from collections.abc import Iterator, Sequence
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


def flat_names(
    rel_paths: Sequence[str], stem_only: bool, report: base.Report | None = None
) -> list[str]:
    """A file name in one flat folder for each of ``rel_paths`` (the loaders' layout).

    An image keeps its own file name unless another image of the group has the same one
    (compared without case, and without the extension when ``stem_only``: label files share a
    stem across image types); then each of those is named by its whole path with ``__`` for
    ``/`` (``batch0__x.jpg``), and ``_2``, ``_3``… follow the stem should that be taken too. The
    names depend only on the group's paths, not on the order images are written in.
    """

    def key(name: str) -> str:
        return (split_ext(name)[0] if stem_only else name).casefold()

    own = [p.rsplit("/", 1)[-1] for p in rel_paths]
    shared = collections.Counter(key(name) for name in own)
    used: set[str] = set()
    out: list[str] = []
    for rel, name in zip(rel_paths, own, strict=True):
        wanted = name if shared[key(name)] == 1 else rel.replace("/", "__")
        candidate, n = wanted, 1
        while key(candidate) in used:
            n += 1
            stem, ext = split_ext(wanted)
            candidate = f"{stem}_{n}{ext}"
        used.add(key(candidate))
        out.append(candidate)
        if candidate != name and report is not None:
            report.add(
                "renamed_image", rel, f"written as {candidate}: another image is also {name}"
            )
    return out


def clip_box(box: geo.Box, image: base.DatasetImage, where: str, report: base.Report) -> geo.Box:
    """``box`` cut to the image, reported when it reached outside (readers refuse such boxes)."""
    if box.x >= 0 and box.y >= 0 and box.x1 <= image.width and box.y1 <= image.height:
        return box  # untouched: recomputing the size could change its last bit
    report.add("box_clipped", where, "box reached outside the image; cut to its edges")
    return box.clipped(image.width, image.height)
