"""The weight-free segmenter on a clear object: flood fill from clicks, GrabCut from a box."""

from __future__ import annotations

import math

import pytest

from labeler.assist import classical, frames, prompts
from labeler.domain import geometry as geo
from tests.assist.conftest import disc_picture


def embedding() -> prompts.Embedding:
    # A red disc of radius 60 at (200, 150) on a 400 × 300 grey picture of a 800 × 600 image.
    frame = frames.Frame(disc_picture(300, 400, 200, 150, 60), 800.0, 600.0)
    return classical.ClassicalSegmenter().embed(frame)


def test_a_click_on_the_object_outlines_it() -> None:
    result = classical.ClassicalSegmenter().segment(
        embedding(), prompts.Prompt((prompts.Click(400.0, 300.0),))
    )
    assert isinstance(result.polygon, geo.Polygon)
    assert result.polygon.area == pytest.approx(math.pi * 120**2, rel=0.06)
    b = result.polygon.bounds
    assert (b.x + b.w / 2, b.y + b.h / 2) == (pytest.approx(400, abs=4), pytest.approx(300, abs=4))


def test_a_negative_click_takes_its_region_away() -> None:
    seg = classical.ClassicalSegmenter()
    prompt = prompts.Prompt((prompts.Click(400.0, 300.0), prompts.Click(20.0, 20.0, False)))
    assert seg.segment(embedding(), prompt).polygon is not None
    only_negative = prompts.Prompt((prompts.Click(400.0, 300.0, False),))
    assert seg.segment(embedding(), only_negative).polygon is None


def test_a_box_around_the_object_cuts_it_from_the_background() -> None:
    prompt = prompts.Prompt(box=geo.Box(260.0, 160.0, 280.0, 280.0))
    result = classical.ClassicalSegmenter().segment(embedding(), prompt)
    assert isinstance(result.polygon, geo.Polygon)
    assert result.polygon.area == pytest.approx(math.pi * 120**2, rel=0.15)
