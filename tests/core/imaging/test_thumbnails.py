"""Thumbnails are small upright JPEGs, made once and found again in the disk cache."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PIL import Image as PILImage

from labeler.domain import image as image_mod
from labeler.domain import status
from labeler.imaging import decode, thumbnails


def make_image(path: Path, *, sha256: str | None = None, orientation: int = 1) -> image_mod.Image:
    st = path.stat()
    return image_mod.Image(
        id="img-" + path.stem,
        root_id="root",
        rel_path=path.name,
        root_path=str(path.parent),
        status=status.ImageStatus.NEW,
        sha256=sha256,
        orientation=orientation,
        bytes=st.st_size,
        mtime=st.st_mtime,
    )


def test_thumbnail_is_a_small_upright_jpeg_in_the_cache(tmp_path: Path) -> None:
    src = tmp_path / "photo.jpg"
    exif = PILImage.Exif()
    exif[0x0112] = 6  # stored landscape, shown portrait
    PILImage.new("RGB", (1200, 800), (0, 128, 255)).save(src, quality=90, exif=exif.tobytes())
    cache = tmp_path / "cache"

    path, made = thumbnails.ensure_thumbnail(make_image(src, orientation=6), cache)

    assert made and path.parent == cache and path.suffix == ".jpg"
    with PILImage.open(path) as thumb:
        assert thumb.format == "JPEG"
        assert max(thumb.size) == thumbnails.THUMBNAIL_SIZE
        assert thumb.height > thumb.width  # upright
    assert not list(cache.rglob("*.part"))


def test_a_cached_thumbnail_is_reused_without_decoding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = tmp_path / "a.png"
    PILImage.new("RGB", (600, 300), (9, 9, 9)).save(src)
    image = make_image(src)
    cache = tmp_path / "cache"
    first, made = thumbnails.ensure_thumbnail(image, cache)
    assert made

    def no_decoding(*args: object, **kwargs: object) -> object:
        raise AssertionError("decoded again")

    monkeypatch.setattr(decode, "open_upright", no_decoding)
    again, made_again = thumbnails.ensure_thumbnail(image, cache)

    assert again == first and not made_again


def test_same_content_shares_a_thumbnail_and_edited_files_get_a_new_one(tmp_path: Path) -> None:
    one, two = tmp_path / "one.png", tmp_path / "two.png"
    PILImage.new("RGB", (50, 50), (1, 2, 3)).save(one)
    PILImage.new("RGB", (50, 50), (1, 2, 3)).save(two)

    by_hash_one = thumbnails.cached_path(make_image(one, sha256="ab" * 32), tmp_path)
    by_hash_two = thumbnails.cached_path(make_image(two, sha256="ab" * 32), tmp_path)
    assert by_hash_one == by_hash_two

    before = thumbnails.cached_path(make_image(one), tmp_path)
    os.utime(one, (1_000_000, 1_000_000))
    after = thumbnails.cached_path(make_image(one), tmp_path)
    assert before != after


def test_transparent_and_16bit_images_get_thumbnails(tmp_path: Path) -> None:
    alpha = tmp_path / "alpha.png"
    PILImage.new("RGBA", (300, 300), (255, 0, 0, 0)).save(alpha)
    deep = tmp_path / "deep.png"
    PILImage.linear_gradient("L").convert("I").point(lambda v: v * 200).convert("I;16").save(deep)

    alpha_thumb, _ = thumbnails.ensure_thumbnail(make_image(alpha), tmp_path / "c")
    deep_thumb, _ = thumbnails.ensure_thumbnail(make_image(deep), tmp_path / "c")

    with PILImage.open(alpha_thumb) as im:
        assert im.getpixel((5, 5)) == pytest.approx((128, 128, 128), abs=3)  # grey, not black
    with PILImage.open(deep_thumb) as im:
        low, high = im.convert("L").getextrema()
        assert low < 10 and high > 245  # auto-levelled, not a black square


def test_an_unreadable_image_writes_no_thumbnail(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"not a jpeg at all")
    cache = tmp_path / "cache"
    with pytest.raises(decode.DecodeError):
        thumbnails.ensure_thumbnail(make_image(bad), cache)
    assert not [p for p in cache.rglob("*") if p.is_file()]


def test_default_cache_dir_follows_the_cache_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LABELER_CACHE_DIR", str(tmp_path / "elsewhere"))
    assert thumbnails.default_cache_dir() == tmp_path / "elsewhere" / "thumbs"
    assert thumbnails.default_cache_dir().is_dir()
