"""Image files in datasets: their size from the header (readers), and placing them into an export
(copied upright, hard-linked, symlinked or not written)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from PIL import Image, ImageOps

from labeler.formats import base

_EXIF_FORMATS = frozenset({"JPEG", "MPO", "TIFF", "WEBP"})  # PNG EXIF costs a full decode

# Pillow save options that keep quality when an image must be re-encoded to apply EXIF rotation.
_SAVE_OPTIONS: dict[str, dict[str, object]] = {
    "JPEG": {"quality": 95, "subsampling": 0},
    "WEBP": {"quality": 95},
}


def place_image(
    image: base.DatasetImage, dest: Path, mode: base.ImageMode, report: base.Report
) -> bool:
    """Put ``image`` at ``dest`` according to ``mode``.

    With COPY the file is written upright: when its EXIF orientation is not 1 the pixels are
    rotated (re-encoded in the same format) so every loader agrees with the coordinates, which
    are in the displayed frame. LINK falls back to a copy across file systems and reports it.

    Returns:
        True when a file was written at ``dest``; False for ImageMode.NONE.

    Raises:
        FileNotFoundError: when the source is missing (the caller reports which image).
    """
    if mode is base.ImageMode.NONE:
        return False
    if image.source is None:
        raise FileNotFoundError(f"no file at hand for image {image.rel_path}")
    dest.parent.mkdir(parents=True, exist_ok=True)
    if dest.exists() or dest.is_symlink():
        dest.unlink()
    if mode is base.ImageMode.SYMLINK:
        os.symlink(os.path.abspath(image.source), dest)
        return True
    if mode is base.ImageMode.LINK:
        try:
            os.link(image.source, dest)
            return True
        except OSError as exc:
            report.add(
                "link_fell_back_to_copy", image.rel_path, f"hard link failed ({exc}); copied"
            )
    if image.orientation in (0, 1):
        shutil.copyfile(image.source, dest)
    else:
        _copy_upright(Path(image.source), dest)
    return True


def _copy_upright(source: Path, dest: Path) -> None:
    with Image.open(source) as im:
        fmt = im.format or "PNG"
        upright = ImageOps.exif_transpose(im)
        # exif_transpose drops the orientation tag, so no loader rotates the pixels twice.
        upright.save(dest, format=fmt, **_SAVE_OPTIONS.get(fmt, {}))


def header_size(path: Path) -> tuple[int, int, int]:
    """(width, height, orientation) of an image in the displayed frame, from its header.

    Raises:
        FormatError: when the file is not an image Pillow can open.
    """
    try:
        with Image.open(path) as im:
            width, height = im.size
            orientation = 1
            if im.format in _EXIF_FORMATS:
                orientation = int(im.getexif().get(0x0112, 1) or 1)
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise base.FormatError(path, "", f"not an image labeler can read ({exc})") from None
    if orientation in (5, 6, 7, 8):  # rotated a quarter turn: the displayed frame swaps sides
        width, height = height, width
    return width, height, orientation
