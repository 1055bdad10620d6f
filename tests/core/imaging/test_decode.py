"""Decoding for display: upright pictures, screen-sized decodes, 16-bit window/level, bad files."""

from __future__ import annotations

import random
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image as PILImage

from labeler.imaging import decode

RED, GREEN, BLUE, WHITE = (255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255)

# The transpose that produces the stored pixels from the upright picture, per orientation
# (the inverse of what a viewer applies).
_STORE = {
    1: None,
    2: PILImage.Transpose.FLIP_LEFT_RIGHT,
    3: PILImage.Transpose.ROTATE_180,
    4: PILImage.Transpose.FLIP_TOP_BOTTOM,
    5: PILImage.Transpose.TRANSPOSE,
    6: PILImage.Transpose.ROTATE_90,
    7: PILImage.Transpose.TRANSVERSE,
    8: PILImage.Transpose.ROTATE_270,
}


def upright_picture() -> PILImage.Image:
    """80 × 40: red top-left, green top-right, blue bottom-left, white bottom-right."""
    im = PILImage.new("RGB", (80, 40))
    im.paste(RED, (0, 0, 40, 20))
    im.paste(GREEN, (40, 0, 80, 20))
    im.paste(BLUE, (0, 20, 40, 40))
    im.paste(WHITE, (40, 20, 80, 40))
    return im


def save_oriented(path: Path, orientation: int) -> Path:
    stored = upright_picture()
    if _STORE[orientation] is not None:
        stored = stored.transpose(_STORE[orientation])
    exif = PILImage.Exif()
    exif[0x0112] = orientation
    stored.save(path, "JPEG", quality=95, exif=exif.tobytes())
    return path


def pixel(d: decode.Decoded, x: int, y: int) -> tuple[int, ...]:
    """The colour at (x, y) of a decoded buffer, as RGB(A) / grey values."""
    if d.mode == "L":
        return (d.data[y * d.stride + x],)
    if d.mode == "I;16":
        (v,) = struct.unpack_from("<H", d.data, y * d.stride + 2 * x)
        return (v,)
    b, g, r, a = d.data[y * d.stride + 4 * x : y * d.stride + 4 * x + 4]
    return (r, g, b, a)


def close(a: tuple[int, ...], b: tuple[int, ...], tol: int = 12) -> bool:
    return all(abs(x - y) <= tol for x, y in zip(a, b, strict=True))


def quadrant_colours(d: decode.Decoded) -> list[tuple[int, ...]]:
    w, h = d.width, d.height
    spots = [(w // 4, h // 4), (3 * w // 4, h // 4), (w // 4, 3 * h // 4), (3 * w // 4, 3 * h // 4)]
    return [pixel(d, x, y)[:3] for x, y in spots]


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_decodes_upright(tmp_path: Path, orientation: int) -> None:
    path = save_oriented(tmp_path / f"o{orientation}.jpg", orientation)

    for recorded in (orientation, None):  # as the store recorded it, and read from the file
        d = decode.decode(path, orientation=recorded)
        assert (d.width, d.height) == (80, 40)
        assert (d.full_width, d.full_height) == (80, 40)
        colours = quadrant_colours(d)
        for got, want in zip(colours, [RED, GREEN, BLUE, WHITE], strict=True):
            assert close(got, want), (orientation, colours)


def test_the_recorded_orientation_wins_over_the_file(tmp_path: Path) -> None:
    # The store recorded 1 (e.g. the user chose to ignore the tag): coordinates are in the stored
    # frame, so the picture must not be turned.
    path = save_oriented(tmp_path / "o6.jpg", 6)
    d = decode.decode(path, orientation=1)
    assert (d.width, d.height) == (40, 80)


def test_screen_sized_decode_keeps_aspect_and_reports_full_size(tmp_path: Path) -> None:
    path = tmp_path / "big.jpg"
    PILImage.linear_gradient("L").resize((4000, 3000)).convert("RGB").save(path, quality=80)

    d = decode.decode(path, target=(1920, 1080))

    assert (d.full_width, d.full_height) == (4000, 3000)
    assert d.width < 4000 and d.height < 3000  # DCT scaling did its work
    assert d.width >= 1440 and d.height >= 1080  # never below what the screen needs
    assert d.width / d.height == pytest.approx(4 / 3, abs=0.01)
    assert d.scale == pytest.approx(d.width / 4000)
    assert len(d.data) == d.stride * d.height


def test_screen_sized_decode_of_a_rotated_photo_fits_the_displayed_frame(tmp_path: Path) -> None:
    path = tmp_path / "portrait.jpg"
    exif = PILImage.Exif()
    exif[0x0112] = 6
    PILImage.new("RGB", (3000, 2000), GREEN).save(path, quality=80, exif=exif.tobytes())

    d = decode.decode(path, target=(500, 500))

    assert (d.full_width, d.full_height) == (2000, 3000)
    assert d.height > d.width
    assert d.width / d.height == pytest.approx(2 / 3, abs=0.01)


def test_png_is_resized_to_fit_the_target_exactly(tmp_path: Path) -> None:
    path = tmp_path / "wide.png"
    PILImage.new("RGB", (1000, 250), BLUE).save(path)

    d = decode.decode(path, target=(400, 400))

    assert (d.width, d.height) == (400, 100)
    assert close(pixel(d, 200, 50), (*BLUE, 255), tol=0)


def test_small_images_are_never_enlarged(tmp_path: Path) -> None:
    path = tmp_path / "small.png"
    PILImage.new("RGB", (30, 20), RED).save(path)
    d = decode.decode(path, target=(1920, 1080))
    assert (d.width, d.height, d.scale) == (30, 20, 1.0)


def test_opaque_pixels_are_laid_out_for_qt_rgb32(tmp_path: Path) -> None:
    path = tmp_path / "c.png"
    PILImage.new("RGB", (300, 200), (10, 20, 30)).save(path)
    for target in (None, (150, 100)):  # straight from the decoder, and resized
        d = decode.decode(path, target=target)
        assert d.mode == "BGRX"
        assert d.data[:8] == bytes([30, 20, 10, 255, 30, 20, 10, 255])
        assert d.data[3::4] == b"\xff" * (d.width * d.height)


def test_alpha_and_grey_images_keep_their_kind(tmp_path: Path) -> None:
    rgba = tmp_path / "a.png"
    PILImage.new("RGBA", (4, 4), (200, 100, 50, 77)).save(rgba)
    grey = tmp_path / "g.png"
    PILImage.new("L", (4, 4), 99).save(grey)
    palette = tmp_path / "p.gif"
    PILImage.new("RGB", (4, 4), RED).convert("P").save(palette)

    a = decode.decode(rgba)
    assert a.mode == "BGRA" and pixel(a, 1, 1) == (200, 100, 50, 77)
    g = decode.decode(grey)
    assert g.mode == "L" and pixel(g, 2, 2) == (99,)
    p = decode.decode(palette)
    assert p.mode == "BGRX" and close(pixel(p, 0, 0), (*RED, 255), tol=0)


def save_16bit(path: Path, values: list[int], size: tuple[int, int]) -> Path:
    im = PILImage.new("I", size)
    im.putdata(values)
    im.convert("I;16").save(path)
    return path


@pytest.mark.parametrize("suffix", [".png", ".tif"])
def test_16bit_grey_stays_16bit(tmp_path: Path, suffix: str) -> None:
    values = [0, 1, 255, 256, 4095, 30000, 65534, 65535]
    path = save_16bit(tmp_path / f"deep{suffix}", values, (8, 1))

    d = decode.decode(path)

    assert d.mode == "I;16" and d.is_16bit
    assert [pixel(d, x, 0)[0] for x in range(8)] == values


def test_window_level_maps_values_as_specified(tmp_path: Path) -> None:
    values = [0, 500, 1000, 1001, 1500, 2000, 2500, 2999, 3000, 3001, 65535]
    path = save_16bit(tmp_path / "w.png", values, (len(values), 1))
    d = decode.decode(path)

    level = decode.window_level(d, 1000, 3000)

    got = [pixel(level, x, 0)[0] for x in range(len(values))]
    # low and below → 0, high and above → 255, linear between, rounded to nearest.
    want = [0, 0, 0, round(1 * 255 / 2000), 64, 128, 191, 255, 255, 255, 255]
    assert got == want
    assert level.mode == "L" and (level.full_width, level.full_height) == (d.width, d.height)
    # The 16-bit buffer is left as it was, so another window starts from the real values.
    assert [pixel(d, x, 0)[0] for x in range(len(values))] == values
    narrow = decode.window_level(d, 0, 1000)
    assert [pixel(narrow, x, 0)[0] for x in range(3)] == [0, 128, 255]


def test_auto_window_uses_percentiles(tmp_path: Path) -> None:
    values = list(range(0, 40000, 4))  # 10,000 distinct values, evenly spread
    random.Random(7).shuffle(values)
    path = save_16bit(tmp_path / "auto.png", values, (100, 100))
    d = decode.decode(path)

    low, high = decode.auto_window(d, 0.5, 99.5)

    assert (low, high) == (50 * 4, 9950 * 4)


def test_window_level_refuses_8bit_pictures(tmp_path: Path) -> None:
    path = tmp_path / "g.png"
    PILImage.new("L", (4, 4), 9).save(path)
    with pytest.raises(ValueError, match="16-bit"):
        decode.window_level(decode.decode(path), 0, 10)


def png_header_only(path: Path, width: int, height: int) -> Path:
    """A PNG whose header claims ``width`` × ``height`` pixels (a decompression bomb's shape)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\0" * 1000)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )
    return path


def test_a_decompression_bomb_is_refused_before_decoding(tmp_path: Path) -> None:
    path = png_header_only(tmp_path / "bomb.png", 100_000, 100_000)
    with pytest.raises(decode.ImageTooLargeError, match="too large"):
        decode.decode(path)


def test_the_pixel_limit_is_checked_before_decoding(tmp_path: Path) -> None:
    path = png_header_only(tmp_path / "wide.png", 5000, 4000)  # 20 MP claimed, no real pixels
    with pytest.raises(decode.ImageTooLargeError) as err:
        decode.decode(path, max_pixels=10_000_000)
    assert "5000 × 4000" in str(err.value) and "10 MP" in str(err.value)


def test_unreadable_files_give_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(decode.DecodeError, match="does not exist"):
        decode.decode(tmp_path / "missing.jpg")

    junk = tmp_path / "junk.jpg"
    junk.write_bytes(bytes(random.Random(1).randrange(256) for _ in range(4000)))
    with pytest.raises(decode.DecodeError, match="not an image"):
        decode.decode(junk)

    whole = tmp_path / "whole.jpg"
    PILImage.effect_noise((400, 300), 50).convert("RGB").save(whole, quality=90)
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    with pytest.raises(decode.DecodeError, match="corrupt or truncated"):
        decode.decode(cut)


def test_size_helpers() -> None:
    assert decode.displayed_size(40, 30, 6) == (30, 40)
    assert decode.displayed_size(40, 30, 3) == (40, 30)
    assert decode.fit_scale((4000, 3000), (2000, 2000)) == 0.5
    assert decode.fit_scale((100, 100), (2000, 2000)) == 1.0
    assert decode.fit_scale((100, 100), None) == 1.0
