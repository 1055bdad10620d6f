"""Decoding image files for display: upright, at the size the screen needs, never a bomb.

The app shows images in the *displayed* frame (EXIF orientation applied), which is the frame
annotations are stored in, so every decode applies the orientation the project recorded for the
image. JPEGs are decoded with DCT scaling (``Image.draft``) when a screen-sized picture is
enough, which skips most of the work on large photos. 16-bit greyscale files (PNG, TIFF) keep
their 16-bit values so window/level can be changed later without decoding again.

The result is a plain buffer laid out the way Qt wants it on a little-endian machine
(``BGRX`` = ``QImage.Format_RGB32``, ``BGRA`` = ``Format_ARGB32``, ``L`` = ``Format_Grayscale8``,
``I;16`` = ``Format_Grayscale16``), so the app can wrap it without copying.
"""

from __future__ import annotations

import dataclasses
import functools
import io
import os
import warnings
from collections.abc import Sequence

from PIL import Image as PILImage
from PIL import UnidentifiedImageError

from labeler import errors

#: Decoding stops before reading pixels of an image larger than this (Pillow's own hard limit).
DEFAULT_MAX_PIXELS = 178_956_970

#: Formats whose EXIF lives in the header; reading EXIF of a PNG would decode the whole file.
_EXIF_FORMATS = frozenset({"JPEG", "MPO", "TIFF", "WEBP"})

#: Pillow transposes that turn the stored pixels upright, by EXIF orientation (2–8).
_TRANSPOSE: dict[int, PILImage.Transpose] = {
    2: PILImage.Transpose.FLIP_LEFT_RIGHT,
    3: PILImage.Transpose.ROTATE_180,
    4: PILImage.Transpose.FLIP_TOP_BOTTOM,
    5: PILImage.Transpose.TRANSPOSE,
    6: PILImage.Transpose.ROTATE_270,
    7: PILImage.Transpose.TRANSVERSE,
    8: PILImage.Transpose.ROTATE_90,
}

#: Modes holding more than 8 bits of greyscale; decoded as 16-bit for window/level.
_DEEP_GREY = frozenset({"I;16", "I;16L", "I;16B", "I;16N", "I"})


class DecodeError(errors.UserError):
    """An image that cannot be shown; ``str(error)`` is a sentence a user can read."""


class ImageTooLargeError(DecodeError):
    """The image has more pixels than the limit; nothing was decoded."""


@dataclasses.dataclass(frozen=True, slots=True)
class Decoded:
    """A decoded picture in the displayed frame, possibly smaller than the file.

    Attributes:
        width: Width of the buffer in pixels.
        height: Height of the buffer in pixels.
        mode: ``"BGRX"`` (opaque, 4 bytes), ``"BGRA"`` (straight alpha, 4 bytes), ``"L"``
            (8-bit grey) or ``"I;16"`` (16-bit grey, little-endian).
        data: The pixels, ``stride`` bytes per row, no padding between rows.
        stride: Bytes per row.
        full_width: Width of the whole image in the displayed frame.
        full_height: Height of the whole image in the displayed frame.
    """

    width: int
    height: int
    mode: str
    data: bytes
    stride: int
    full_width: int
    full_height: int

    @property
    def scale(self) -> float:
        """Buffer pixels per displayed pixel (1.0 for a full-resolution decode)."""
        return self.width / self.full_width if self.full_width else 1.0

    @property
    def nbytes(self) -> int:
        return len(self.data)

    @property
    def is_16bit(self) -> bool:
        return self.mode == "I;16"


def displayed_size(width: int, height: int, orientation: int) -> tuple[int, int]:
    """The size of a ``width`` × ``height`` file once EXIF ``orientation`` is applied."""
    return (height, width) if orientation in (5, 6, 7, 8) else (width, height)


def fit_scale(full: tuple[int, int], target: tuple[int, int] | None) -> float:
    """The scale (≤ 1) at which ``full`` fits inside ``target``; 1.0 when there is no target."""
    if target is None or target[0] <= 0 or target[1] <= 0:
        return 1.0
    return min(1.0, target[0] / full[0], target[1] / full[1])


def decode(
    path: str | os.PathLike[str],
    *,
    target: tuple[int, int] | None = None,
    orientation: int | None = None,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> Decoded:
    """Decode ``path`` upright, scaled down to fit ``target`` (never up).

    Args:
        path: The image file.
        target: Width and height (displayed frame) the picture must fit in; ``None`` decodes
            at full resolution.
        orientation: EXIF orientation 1–8 as the project recorded it; ``None`` reads it from
            the file (JPEG, TIFF and WebP only).
        max_pixels: Refuse files with more pixels than this, before decoding any.

    Returns:
        The decoded buffer; 16-bit greyscale files stay 16-bit (see :func:`window_level`).

    Raises:
        DecodeError: the file is missing, unreadable, corrupt, truncated or of a kind Pillow
            cannot read. ImageTooLargeError (a DecodeError) for images over ``max_pixels``.
    """
    im, full = open_upright(path, target=target, orientation=orientation, max_pixels=max_pixels)
    return _pack(im, full)


def open_upright(
    path: str | os.PathLike[str],
    *,
    target: tuple[int, int] | None = None,
    orientation: int | None = None,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> tuple[PILImage.Image, tuple[int, int]]:
    """Like :func:`decode`, but return a Pillow image and the full displayed size.

    The image's mode is ``RGB``, ``RGBA``, ``L`` or ``I`` (16-bit values held in 32 bits).
    """
    name = os.fspath(path)
    with _opened(name, name) as im:
        return _decode_opened(im, name, target, orientation, max_pixels)


def open_upright_bytes(
    data: bytes,
    *,
    name: str = "the image",
    target: tuple[int, int] | None = None,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> tuple[PILImage.Image, tuple[int, int]]:
    """Like :func:`open_upright` for an image's bytes (a request body); the orientation is read
    from the bytes. ``name`` says which image in messages."""
    with _opened(io.BytesIO(data), name) as im:
        return _decode_opened(im, name, target, None, max_pixels)


def _opened(source: str | io.BytesIO, name: str) -> PILImage.Image:
    try:
        with warnings.catch_warnings():
            # Our own limit below decides; Pillow's warning would only be noise.
            warnings.simplefilter("ignore", PILImage.DecompressionBombWarning)
            return PILImage.open(source)
    except FileNotFoundError:
        raise DecodeError(f"The file {name} does not exist (moved or deleted?).") from None
    except PILImage.DecompressionBombError as exc:
        raise ImageTooLargeError(f"The image {name} is too large to open safely: {exc}") from None
    except UnidentifiedImageError:
        raise DecodeError(f"{name} is not an image file labeler can read.") from None
    except OSError as exc:
        raise DecodeError(f"The file {name} cannot be read: {exc.strerror or exc}.") from None


def _decode_opened(
    im: PILImage.Image,
    name: str,
    target: tuple[int, int] | None,
    orientation: int | None,
    max_pixels: int,
) -> tuple[PILImage.Image, tuple[int, int]]:
    stored_w, stored_h = im.size
    if stored_w <= 0 or stored_h <= 0:
        raise DecodeError(f"The image {name} has no pixels ({stored_w} × {stored_h}).")
    if stored_w * stored_h > max_pixels:
        raise ImageTooLargeError(
            f"The image {name} is too large: {stored_w} × {stored_h} pixels "
            f"({stored_w * stored_h / 1e6:.0f} MP); labeler opens images up to "
            f"{max_pixels / 1e6:.0f} MP."
        )
    if orientation is None:
        orientation = read_orientation(im)
    if orientation not in _TRANSPOSE:
        orientation = 1
    full = displayed_size(stored_w, stored_h, orientation)
    scale = fit_scale(full, target)
    # The target in the stored frame: at least one pixel either way.
    want = (max(1, round(stored_w * scale)), max(1, round(stored_h * scale)))
    drafted = scale < 1.0 and im.format == "JPEG" and im.mode in ("RGB", "L")
    if drafted:
        im.draft(im.mode, want)  # DCT scaling: decodes at 1/2, 1/4 or 1/8 but never below want
    try:
        im.load()
        out = _normalise_mode(im)
        # A DCT-scaled picture less than twice the wanted size is kept as it is: the view
        # scales it anyway, and a resize would cost a third of the decode.
        if out.size != want and not (drafted and out.size[0] < 2 * want[0]):
            out = out.resize(want, PILImage.Resampling.BILINEAR, reducing_gap=2.0)
    except (OSError, SyntaxError, ValueError) as exc:
        raise DecodeError(f"The image {name} is corrupt or truncated: {exc}.") from None
    if orientation != 1:
        out = out.transpose(_TRANSPOSE[orientation])
    return out, full


def read_orientation(im: PILImage.Image) -> int:
    """The EXIF orientation of an opened image (1 when absent or not in the header)."""
    if im.format not in _EXIF_FORMATS:
        return 1
    try:
        value = im.getexif().get(0x0112, 1)
    except (OSError, SyntaxError, ValueError):
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _normalise_mode(im: PILImage.Image) -> PILImage.Image:
    """Bring any Pillow mode to RGB, RGBA, L or I (16-bit values)."""
    mode = im.mode
    if mode in ("RGB", "RGBA", "L"):
        return im
    if mode in _DEEP_GREY:
        return im.convert("I")
    if mode == "P":
        return im.convert("RGBA" if "transparency" in im.info else "RGB")
    if mode in ("LA", "La", "PA", "RGBa"):
        return im.convert("RGBA")
    if mode == "F":
        return im.convert("L")
    if mode == "1":
        return im.convert("L")
    return im.convert("RGB")  # CMYK, YCbCr, LAB, HSV, RGBX...


def _pack(im: PILImage.Image, full: tuple[int, int]) -> Decoded:
    w, h = im.size
    if im.mode == "I":
        data = _raw(im.convert("I;16"), "I;16", "I;16", w * h * 2)
        return Decoded(w, h, "I;16", data, w * 2, full[0], full[1])
    if im.mode == "L":
        return Decoded(w, h, "L", _raw(im, "L", "L", w * h), w, full[0], full[1])
    stride = w * 4
    # Pillow stores RGB pixels as R, G, B, pad. Decoders set the pad to 255, so packing them as
    # if they were RGBA gives the opaque B, G, R, 255 layout of Qt's RGB32 in one pass. Resizing
    # leaves the pad at 0, which Qt would read as transparent: then convert (≈ 2 ms at 1080p).
    data = _raw(im, "RGBA", "BGRA", h * stride)
    if im.mode == "RGB" and not _opaque_rows(data, stride):
        data = _raw(im.convert("RGBA"), "RGBA", "BGRA", h * stride)
    return Decoded(w, h, "BGRX" if im.mode == "RGB" else "BGRA", data, stride, full[0], full[1])


def _opaque_rows(data: bytes, stride: int) -> bool:
    """True when the fourth byte of every pixel of the first and last rows is 255."""
    ends = data[3:stride:4] + data[len(data) - stride + 3 :: 4]
    return not ends.strip(b"\xff")


def _raw(im: PILImage.Image, mode: str, rawmode: str, size: int) -> bytes:
    """``im.tobytes("raw", rawmode)`` in one piece (Image.tobytes joins 64 kB chunks: 3× slower).

    ``mode`` is the mode the packer reads: ``"RGBA"`` also reads RGB pixels (see :func:`_pack`).
    """
    try:
        encoder = PILImage._getencoder(mode, "raw", (rawmode,))
    except (AttributeError, OSError):  # pragma: no cover - a Pillow without the helper
        return _packed_slowly(im, mode, rawmode)
    try:
        encoder.setimage(im.im, (0, 0, *im.size))
        _, status, data = encoder.encode(size + 1)
    finally:
        encoder.cleanup()
    if status < 0 or len(data) != size:  # pragma: no cover - a Pillow change would show here
        return _packed_slowly(im, mode, rawmode)
    return data


def _packed_slowly(im: PILImage.Image, mode: str, rawmode: str) -> bytes:
    return (im if im.mode == mode else im.convert(mode)).tobytes("raw", rawmode)


def window_level(decoded: Decoded, low: int, high: int) -> Decoded:
    """Map a 16-bit greyscale buffer to 8-bit: ``low`` and below → 0, ``high`` and above → 255.

    Values in between map linearly, rounded to the nearest level. The file and the 16-bit
    buffer are left as they are; only the returned picture changes.
    """
    if not decoded.is_16bit:
        raise ValueError(f"window/level needs a 16-bit greyscale image, not {decoded.mode}")
    grey = _as_int_image(decoded).point(_window_lut(low, high), "L")
    w, h = grey.size
    return dataclasses.replace(decoded, mode="L", data=_raw(grey, "L", "L", w * h), stride=w)


def auto_window(
    decoded: Decoded, low_percent: float = 0.5, high_percent: float = 99.5
) -> tuple[int, int]:
    """A window from the ``low_percent`` and ``high_percent`` percentiles of a 16-bit image.

    Exact (no binning): the high byte of every value is counted first, then the low byte inside
    the one high-byte bucket that holds each percentile.
    """
    if not decoded.is_16bit:
        raise ValueError(f"auto window needs a 16-bit greyscale image, not {decoded.mode}")
    im = _as_int_image(decoded)
    total = decoded.width * decoded.height
    high_bytes = im.point(_byte_lut(8), "L").histogram()
    low_byte = im.point(_byte_lut(0), "L")
    lo = _percentile_value(im, low_byte, high_bytes, total, low_percent)
    hi = _percentile_value(im, low_byte, high_bytes, total, high_percent)
    return (lo, max(hi, lo + 1))


def _percentile_value(
    im: PILImage.Image,
    low_byte: PILImage.Image,
    high_bytes: Sequence[int],
    total: int,
    percent: float,
) -> int:
    rank = min(total - 1, max(0, int(total * percent / 100.0)))  # 0-based rank of the value
    below = 0
    for bucket, count in enumerate(high_bytes):
        if below + count > rank:
            mask = im.point(_bucket_mask_lut(bucket), "L")
            low_counts = low_byte.histogram(mask=mask)
            for value, c in enumerate(low_counts):
                below += c
                if below > rank:
                    return bucket * 256 + value
        below += count
    return 65535  # pragma: no cover - the counts always add up to total


def _as_int_image(decoded: Decoded) -> PILImage.Image:
    size = (decoded.width, decoded.height)
    return PILImage.frombuffer("I;16", size, decoded.data, "raw", "I;16", 0, 1).convert("I")


@functools.lru_cache(maxsize=16)
def _window_lut(low: int, high: int) -> list[int]:
    low = max(0, min(65535, int(low)))
    high = max(low + 1, int(high))
    span = high - low
    return [
        0 if v <= low else 255 if v >= high else ((v - low) * 510 + span) // (2 * span)
        for v in range(65536)
    ]


@functools.lru_cache(maxsize=2)
def _byte_lut(shift: int) -> list[int]:
    return [(v >> shift) & 255 for v in range(65536)]


@functools.lru_cache(maxsize=8)
def _bucket_mask_lut(bucket: int) -> list[int]:
    return [255 if v >> 8 == bucket else 0 for v in range(65536)]
