"""Thumbnails: small upright JPEGs cached on disk, made once per image content.

The cache key is the image's SHA-256 when the file has been hashed (the same picture under two
paths shares one thumbnail), otherwise a hash of its path, size and modification time, so an
edited file gets a new thumbnail. JPEG because encoding a 256 px JPEG costs ≈ 0.3 ms against
≈ 8 ms for PNG.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from PIL import Image as PILImage

from labeler import paths
from labeler.domain import image as image_mod
from labeler.imaging import decode

#: Longest side of a thumbnail, in pixels.
THUMBNAIL_SIZE = 256

#: Grey behind transparent pixels (JPEG has no alpha).
_BACKGROUND = (128, 128, 128)


def default_cache_dir() -> Path:
    """``<cache dir>/thumbs``, created on first use (``LABELER_CACHE_DIR`` moves it)."""
    path = paths.cache_dir() / "thumbs"
    path.mkdir(parents=True, exist_ok=True)
    return path


def cache_key(image: image_mod.Image) -> str:
    """The name (without ``.jpg``) of ``image``'s thumbnail in the cache."""
    if image.sha256:
        return image.sha256
    stamp = f"{image.abs_path}\0{image.bytes}\0{image.mtime}\0{image.orientation}"
    return hashlib.sha256(stamp.encode("utf-8", "surrogatepass")).hexdigest()


def cached_path(image: image_mod.Image, cache_dir: Path | None = None) -> Path:
    """Where ``image``'s thumbnail lives (whether or not it has been made)."""
    return (cache_dir or default_cache_dir()) / f"{cache_key(image)}.jpg"


def ensure_thumbnail(
    image: image_mod.Image,
    cache_dir: Path | None = None,
    *,
    size: int = THUMBNAIL_SIZE,
    max_pixels: int = decode.DEFAULT_MAX_PIXELS,
) -> tuple[Path, bool]:
    """Return the path of ``image``'s thumbnail, making it if it is not cached yet.

    Returns:
        The thumbnail's path and whether it was made by this call (False: from the cache).

    Raises:
        decode.DecodeError: when the image cannot be decoded (nothing is written).
    """
    dest = cached_path(image, cache_dir)
    if dest.exists():
        return dest, False
    make_thumbnail(
        image.abs_path, dest, orientation=image.known_orientation, size=size, max_pixels=max_pixels
    )
    return dest, True


def make_thumbnail(
    source: str | os.PathLike[str],
    dest: Path,
    *,
    orientation: int | None = None,
    size: int = THUMBNAIL_SIZE,
    max_pixels: int = decode.DEFAULT_MAX_PIXELS,
) -> None:
    """Write an upright JPEG of ``source`` whose longest side is at most ``size`` to ``dest``.

    The file appears atomically: a reader never sees half a thumbnail.
    """
    im, _full = decode.open_upright(
        source, target=(size, size), orientation=orientation, max_pixels=max_pixels
    )
    if im.width > size or im.height > size:  # a DCT-scaled JPEG may be up to 2× the size
        im.thumbnail((size, size), PILImage.Resampling.BILINEAR)
    im = _to_jpeg_mode(im)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            im.save(out, format="JPEG", quality=85)
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _to_jpeg_mode(im: PILImage.Image) -> PILImage.Image:
    if im.mode == "RGBA":
        flat = PILImage.new("RGB", im.size, _BACKGROUND)
        flat.paste(im, mask=im.getchannel("A"))
        return flat
    if im.mode == "I":  # 16-bit grey: the same automatic window the viewer starts with
        packed = decode.Decoded(
            im.width,
            im.height,
            "I;16",
            im.convert("I;16").tobytes(),
            im.width * 2,
            im.width,
            im.height,
        )
        low, high = decode.auto_window(packed)
        level = decode.window_level(packed, low, high)
        return PILImage.frombuffer("L", im.size, level.data, "raw", "L", 0, 1)
    return im
