"""Fixtures for format tests: small real images, and the third-party conformance samples."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from tests.formats import samples

MakeImage = Callable[..., Path]


@pytest.fixture
def conformance_dir() -> Path:
    """The conformance folder (kept with the tests; see tests/formats/samples.py)."""
    return samples.conformance()


def write_image(
    path: Path,
    size: tuple[int, int] = (64, 48),
    color: str | tuple[int, int, int] = "red",
    orientation: int = 1,
) -> Path:
    """Write a real image (JPEG unless the suffix says PNG); ``size`` is as stored, before
    the EXIF ``orientation`` is applied."""
    path.parent.mkdir(parents=True, exist_ok=True)
    im = Image.new("RGB", size, color)
    fmt = "PNG" if path.suffix.lower() == ".png" else "JPEG"
    if orientation != 1:
        exif = Image.Exif()
        exif[0x0112] = orientation
        im.save(path, format=fmt, exif=exif.tobytes())
    else:
        im.save(path, format=fmt)
    return path


@pytest.fixture
def make_image(tmp_path: Path) -> MakeImage:
    """``make_image("src/a.jpg", size=(w, h), color=..., orientation=...)`` → a file under
    ``tmp_path`` (or at an absolute path)."""

    def make(
        rel: str | Path,
        size: tuple[int, int] = (64, 48),
        color: str | tuple[int, int, int] = "red",
        orientation: int = 1,
    ) -> Path:
        return write_image(tmp_path / rel, size, color, orientation)

    return make
