"""Identify an image file without decoding its pixels: hash, format, size, EXIF orientation, problems."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import struct
from typing import BinaryIO

from PIL import Image, UnidentifiedImageError

import labeler.imaging  # noqa: F401  (applies the process-wide pixel-limit policy)
from labeler.domain import image as image_mod

P = image_mod.Problem

#: Pillow format names labeler indexes.
SUPPORTED_FORMATS: frozenset[str] = frozenset({"JPEG", "MPO", "PNG", "BMP", "TIFF", "WEBP"})
_EXIF_FORMATS = frozenset({"JPEG", "MPO", "TIFF", "WEBP"})
_ORIENTATION_TAG = 0x0112
_PNG_IEND = b"\x00\x00\x00\x00IEND\xaeB`\x82"


@dataclasses.dataclass(frozen=True, slots=True)
class FileInfo:
    """What indexing learns about one file. ``problem`` is None for a usable image."""

    bytes: int | None = None
    mtime: float | None = None
    sha256: str | None = None
    format: str | None = None
    width: int | None = None  # displayed frame (EXIF orientation applied)
    height: int | None = None
    orientation: int = 1
    problem: image_mod.Problem | None = None
    problem_detail: str | None = None
    missing: bool = False


def inspect_file(path: str, max_pixels: int, *, hash_bytes: bool = True) -> FileInfo:
    """Read what labeler needs to know about the image at ``path``; never raises for bad files.

    With ``hash_bytes=False`` the bytes are not hashed (``sha256`` stays None): the header alone,
    a millisecond, for showing a picture in its frame before the background indexer gets to it.
    """
    try:
        with open(path, "rb") as fh:
            st = os.fstat(fh.fileno())
            if st.st_size == 0:
                return FileInfo(
                    0, st.st_mtime, problem=P.EMPTY, problem_detail="the file is empty (0 bytes)"
                )
            header = _read_header(fh, max_pixels)
            fh.seek(0)
            digest = hashlib.file_digest(fh, "sha256").hexdigest() if hash_bytes else None
            if header.problem is None and header.format is not None:
                truncated = _truncation(fh, header.format, st.st_size)
                if truncated:
                    header = dataclasses.replace(
                        header, problem=P.TRUNCATED, problem_detail=truncated
                    )
    except FileNotFoundError:
        return FileInfo(missing=True)
    except PermissionError:
        return FileInfo(
            problem=P.UNREADABLE, problem_detail="permission denied: labeler cannot read the file"
        )
    except IsADirectoryError:
        return FileInfo(problem=P.UNREADABLE, problem_detail="this is a folder, not a file")
    except OSError as exc:
        return FileInfo(
            problem=P.UNREADABLE, problem_detail=f"cannot read the file: {exc.strerror or exc}"
        )
    return dataclasses.replace(header, bytes=st.st_size, mtime=st.st_mtime, sha256=digest)


def _read_header(fh: BinaryIO, max_pixels: int) -> FileInfo:
    try:
        im = Image.open(fh)
    except UnidentifiedImageError:
        fh.seek(0)
        head = fh.read(64)
        what = "text" if head and all(32 <= b < 127 or b in (9, 10, 13) for b in head) else "data"
        return FileInfo(
            problem=P.NOT_AN_IMAGE,
            problem_detail=f"not an image: the content is {what}, not JPEG, PNG, BMP, TIFF or WebP",
        )
    except (OSError, SyntaxError, ValueError, struct.error, EOFError) as exc:
        return FileInfo(problem=P.CORRUPT, problem_detail=f"corrupt image header: {exc}")
    with im:
        fmt = im.format or "?"
        width, height = im.size
        if fmt not in SUPPORTED_FORMATS:
            return FileInfo(
                format=fmt, problem=P.UNSUPPORTED, problem_detail=f"{fmt} images are not supported"
            )
        if width <= 0 or height <= 0:
            return FileInfo(
                format=fmt, problem=P.CORRUPT, problem_detail=f"invalid size {width} × {height}"
            )
        if width * height > max_pixels:
            return FileInfo(
                format=fmt,
                width=width,
                height=height,
                problem=P.TOO_LARGE,
                problem_detail=(
                    f"{width} × {height} pixels ({width * height / 1e6:.0f} MP) is more than the "
                    f"project's limit of {max_pixels / 1e6:.0f} MP (a possible decompression bomb)"
                ),
            )
        orientation = _orientation(im, fmt)
    if orientation in (5, 6, 7, 8):  # rotated by 90°: the displayed frame swaps the sides
        width, height = height, width
    return FileInfo(format=_format_name(fmt), width=width, height=height, orientation=orientation)


def _format_name(fmt: str) -> str:
    return "JPEG" if fmt == "MPO" else fmt


def _orientation(im: Image.Image, fmt: str) -> int:
    """EXIF orientation read where it lives, without decoding pixels.

    ``getexif()`` on a PNG decodes the whole image (≈ 40 ms at 1080p), so PNG uses the eXIf chunk
    Pillow already collected, if any.
    """
    try:
        if fmt in _EXIF_FORMATS:
            value = im.getexif().get(_ORIENTATION_TAG, 1)
        elif "exif" in im.info:
            exif = Image.Exif()
            exif.load(im.info["exif"])
            value = exif.get(_ORIENTATION_TAG, 1)
        else:
            return 1
    except (OSError, SyntaxError, ValueError, struct.error, KeyError, TypeError):
        return 1  # unreadable EXIF: show the pixels as stored
    return int(value) if isinstance(value, int) and 1 <= value <= 8 else 1


def _truncation(fh: BinaryIO, fmt: str, size: int) -> str | None:
    """A reason when the file ends early, or None.

    The last bytes tell for almost every file (a JPEG ends with its EOI marker, a PNG with IEND, WebP
    and BMP declare their size). Files whose tail looks wrong are decoded once to be sure, because some
    cameras append data after the image; only a decode that fails marks the file as truncated.
    """
    fh.seek(max(0, size - 64))
    tail = fh.read().rstrip(b"\x00")
    if fmt == "JPEG":
        suspicious = not tail.endswith(b"\xff\xd9")
    elif fmt == "PNG":
        suspicious = not tail.endswith(_PNG_IEND)
    elif fmt == "WEBP":
        fh.seek(4)
        declared = struct.unpack("<I", fh.read(4))[0] + 8
        if declared > size:
            return f"truncated: the WebP declares {declared} bytes but the file has {size}"
        return None
    elif fmt == "BMP":
        fh.seek(2)
        declared = struct.unpack("<I", fh.read(4))[0]
        if declared > size:
            return f"truncated: the BMP declares {declared} bytes but the file has {size}"
        return None
    else:
        return None
    if not suspicious:
        return None
    fh.seek(0)
    try:
        with Image.open(fh) as im:
            if fmt == "JPEG":
                im.draft("RGB", (max(1, im.width // 8), max(1, im.height // 8)))
            im.load()
    except (OSError, SyntaxError, ValueError, struct.error, EOFError) as exc:
        return f"truncated or damaged: the {fmt} data cannot be decoded to the end ({exc})"
    return None
