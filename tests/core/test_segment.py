"""Click-to-segment embeddings: computed once per image and model, kept on disk."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from PIL import Image

from labeler.assist import prompts
from labeler.domain import geometry as geo
from labeler.services import assist, images, indexing, segment
from labeler.services import project as project_mod
from tests.assist import onnx_models
from tests.assist.conftest import disc_picture


def test_embeddings_are_kept_on_disk_by_image_and_model_hash(
    indexed: project_mod.Project, tmp_path: Path
) -> None:
    encoder = onnx_models.sam_encoder(tmp_path / "enc.onnx")
    decoder = onnx_models.sam_decoder(tmp_path / "dec.onnx", radius=200.0)
    entry, _ = assist.add_model("sam", encoder, decoder=decoder)
    image = images.get_images(indexed, images.list_image_ids(indexed)[:1])[0]
    first = segment.Embeddings("sam", folder=tmp_path / "cache")
    assert not first.ready(image)
    click = prompts.Prompt((prompts.Click(24.0, 16.0),))
    result = first.segment(image, click)
    assert isinstance(result.polygon, geo.Polygon) and result.score == pytest.approx(0.87)
    (kept,) = (tmp_path / "cache").glob("*/*.npz")
    assert kept.name == f"{image.sha256}.npz" and kept.parent.name == entry.sha256[:16]
    # Another session (another process) finds it on disk and never runs the encoder.
    again = segment.Embeddings("sam", folder=tmp_path / "cache")
    assert again.ready(image)
    again.segmenter.embed = None  # type: ignore[method-assign,assignment]
    assert again.segment(image, click).polygon == result.polygon


def test_the_built_in_segmenter_needs_no_model(tmp_path: Path) -> None:
    folder = tmp_path / "parts"
    folder.mkdir()
    Image.fromarray(disc_picture(120, 160, 80, 60, 30)).save(folder / "disc.png")
    with project_mod.create_project(
        tmp_path / "p.labeler", classes=["washer"], author="tester"
    ) as project:
        indexing.add_folder(project, folder)
        indexing.index_pending(project)
        (image,) = images.get_images(project, images.list_image_ids(project))
        seg = segment.Embeddings(None, folder=tmp_path / "cache")
        assert seg.model_id == "classical"
        found = seg.segment(image, prompts.Prompt((prompts.Click(80.0, 60.0),)))
    assert isinstance(found.polygon, geo.Polygon)
    assert found.polygon.area == pytest.approx(math.pi * 30**2, rel=0.1)
