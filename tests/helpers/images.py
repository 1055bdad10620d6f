"""Real image files for tests: JPEGs with EXIF orientation, broken files, decompression bombs."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

from PIL import Image


def jpeg(path: Path, size: tuple[int, int] = (64, 48), *, color: tuple[int, int, int] = (200, 30, 30),
         orientation: int | None = None, quality: int = 85) -> Path:  # fmt: skip
    """Write a JPEG of ``size`` (as stored); with ``orientation`` an EXIF tag is added."""
    path.parent.mkdir(parents=True, exist_ok=True)
    img = Image.new("RGB", size, color)
    # A gradient makes every file's bytes differ with its colour and size.
    for x in range(0, size[0], max(1, size[0] // 8)):
        img.paste((x % 256, color[1], color[2]), (x, 0, min(size[0], x + 2), size[1]))
    if orientation is None:
        img.save(path, quality=quality)
    else:
        exif = Image.Exif()
        exif[0x0112] = orientation
        img.save(path, quality=quality, exif=exif.tobytes())
    return path


def distinct_jpegs(
    folder: Path, count: int, size: tuple[int, int] = (48, 32), prefix: str = "img"
) -> list[Path]:
    """``count`` JPEGs with different bytes, named prefix_0000.jpg ...

    The index is drawn in binary as 4-pixel black and white blocks along the top, which JPEG keeps
    apart however similar the colours are.
    """
    paths = []
    for i in range(count):
        path = folder / f"{prefix}_{i:04d}.jpg"
        path.parent.mkdir(parents=True, exist_ok=True)
        img = Image.new("RGB", size, ((i * 37) % 256, (i * 91) % 256, 77))
        for bit in range(min(16, size[0] // 4)):
            shade = 255 if (i >> bit) & 1 else 0
            img.paste((shade, shade, shade), (bit * 4, 0, bit * 4 + 4, 4))
        img.save(path, quality=90)
        paths.append(path)
    return paths


def truncated_jpeg(path: Path) -> Path:
    full = jpeg(path.with_name(path.stem + ".full.jpg"), (320, 240))
    data = full.read_bytes()
    full.unlink()
    path.write_bytes(data[: len(data) // 2])
    return path


def png_bomb(path: Path, width: int = 30_000, height: int = 30_000) -> Path:
    """A real, valid 1-bit PNG of width × height that compresses to a few hundred KB."""
    row = b"\x00" + b"\x00" * ((width + 7) // 8)
    comp = zlib.compressobj(9)
    chunks = [comp.compress(row) for _ in range(height)]
    chunks.append(comp.flush())
    data = b"".join(chunks)

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )
    return path


#: Turns an upright picture into the pixels a camera stores with each EXIF orientation (the
#: inverse of what a viewer applies).
_STORE_AS: dict[int, Image.Transpose] = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}

#: The colour of the upright top-left corner of :func:`phone_photo` pictures.
CORNER = (230, 20, 20)


def phone_photo(path: Path, upright: tuple[int, int] = (48, 64), orientation: int = 6) -> Path:
    """A photo as a phone stores it: an upright ``upright`` (width, height) picture with a red
    top-left quarter, saved turned as ``orientation`` says and tagged with it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    w, h = upright
    img = Image.new("RGB", upright, (30, 90, 200))
    img.paste(CORNER, (0, 0, w // 2, h // 2))
    stored = img.transpose(_STORE_AS[orientation]) if orientation in _STORE_AS else img
    exif = Image.Exif()
    exif[0x0112] = orientation
    stored.save(path, quality=95, exif=exif.tobytes())
    return path
