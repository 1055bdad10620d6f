"""SAM-family click-to-segment: the encoder's pre-processing and the decoder's coordinates."""

from __future__ import annotations

from pathlib import Path

import pytest

from labeler.assist import frames, prompts, runtime, sam
from labeler.domain import geometry as geo
from tests.assist import onnx_models
from tests.assist.conftest import picture


@pytest.mark.parametrize("inside", [False, True])
def test_a_click_gives_the_object_around_it_in_the_images_pixels(
    tmp_path: Path, inside: bool
) -> None:
    encoder = onnx_models.sam_encoder(tmp_path / "enc.onnx", preprocess_inside=inside)
    decoder = onnx_models.sam_decoder(tmp_path / "dec.onnx", radius=64.0)
    seg = sam.SamSegmenter(runtime.Session(encoder), runtime.Session(decoder))
    # A 400×300 decode of a 2000×1500 image: resized to 1024×768 for the model (× 0.512).
    embedding = seg.embed(frames.Frame(picture(300, 400), 2000.0, 1500.0))
    assert embedding.arrays["embedding"].shape == (1, 256, 64, 64)
    assert tuple(embedding.arrays["size"]) == (768, 1024)
    result = seg.segment(embedding, prompts.Prompt((prompts.Click(1000.0, 500.0),)))
    assert result.score == pytest.approx(0.87)
    assert isinstance(result.polygon, geo.Polygon)
    b = result.polygon.bounds
    # The disc has radius 64 in the model's pixels: 125 in the image's, around the click.
    assert (b.x + b.w / 2, b.y + b.h / 2) == (pytest.approx(1000, abs=2), pytest.approx(500, abs=2))
    assert b.w == pytest.approx(250, abs=4)


def test_resized_size_follows_resize_longest_side() -> None:
    assert sam.resized_size(1500, 2000) == (768, 1024)
    assert sam.resized_size(333, 100) == (1024, 308)
