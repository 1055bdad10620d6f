"""Image files and their project records for image pipeline tests."""

from __future__ import annotations

from pathlib import Path

from PIL import Image as PILImage

from labeler.domain import image as image_mod
from labeler.domain import status
from labeler.imaging import decode


def record(path: Path, *, orientation: int = 1, image_id: str | None = None) -> image_mod.Image:
    """The project's record of ``path`` (as the image service returns it): indexed, its size in
    the displayed frame of ``orientation``, when the file is a picture."""
    try:
        with PILImage.open(path) as im:
            width, height = decode.displayed_size(*im.size, orientation)
    except OSError:  # missing or not a picture: no header to record
        return image_mod.Image(
            id=image_id or path.stem, root_id="root", rel_path=path.name,
            root_path=str(path.parent), status=status.ImageStatus.NEW,
        )  # fmt: skip
    return image_mod.Image(
        id=image_id or path.stem,
        root_id="root",
        rel_path=path.name,
        root_path=str(path.parent),
        status=status.ImageStatus.NEW,
        width=width,
        height=height,
        orientation=orientation,
        indexed=True,
    )


def photo(path: Path, size: tuple[int, int], colour: tuple[int, int, int] = (40, 90, 200)) -> Path:
    """A JPEG of ``size`` with a bright band on its left edge (to tell which way is up)."""
    im = PILImage.new("RGB", size, colour)
    im.paste((250, 250, 250), (0, 0, max(1, size[0] // 10), size[1]))
    im.save(path, quality=85)
    return path


def deep_grey(path: Path, values: list[int], size: tuple[int, int]) -> Path:
    """A 16-bit greyscale PNG with these values, row by row."""
    im = PILImage.new("I", size)
    im.putdata(values)
    im.convert("I;16").save(path)
    return path
