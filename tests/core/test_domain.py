"""Domain rules: geometry checks, natural order of names, stable splits."""

from __future__ import annotations

import math

import pytest

from labeler.domain import geometry as geo
from labeler.domain import kinds, naming, status
from labeler.formats import splits


def test_natural_order_puts_img2_before_img10_and_keeps_folders_together() -> None:
    names = ["img10.jpg", "img2.jpg", "Img1.jpg", "a/b.jpg", "a-b.jpg", "img002b.jpg", "x" + "9" * 30 + ".jpg",
             "x" + "1" * 25 + ".jpg"]  # fmt: skip
    ordered = sorted(names, key=naming.natural_key)
    assert ordered.index("Img1.jpg") < ordered.index("img2.jpg") < ordered.index("img10.jpg")
    assert ordered.index("a/b.jpg") < ordered.index("a-b.jpg")
    assert ordered.index("x" + "1" * 25 + ".jpg") < ordered.index("x" + "9" * 30 + ".jpg")


def test_polygon_needs_three_finite_points_and_an_even_flat_list() -> None:
    with pytest.raises(geo.GeometryError, match="at least 3"):
        geo.Polygon(((0, 0), (1, 1)))
    with pytest.raises(geo.GeometryError, match="odd number"):
        geo.Polygon.from_flat([0, 0, 1, 1, 2])
    with pytest.raises(geo.GeometryError, match="finite"):
        geo.Polygon(((0, 0), (1, math.nan), (2, 2)))
    square = geo.Polygon.from_flat([0, 0, 10, 0, 10, 5, 0, 5])
    assert square.area == 50
    assert square.bounds == geo.Box(0, 0, 10, 5)


def test_box_from_any_corners_and_clipping() -> None:
    box = geo.Box.from_corners(30, 40, 10, 5)
    assert box == geo.Box(10, 5, 20, 35)
    assert box.clipped(20, 20) == geo.Box(10, 5, 10, 15)
    with pytest.raises(geo.GeometryError):
        geo.Box(0, 0, -1, 3)


def test_geometry_json_round_trip_checks_the_kind() -> None:
    poly = geo.Polygon(((1.5, 2), (3, 4), (5, 0.25)))
    assert kinds.parse(geo.ShapeKind.POLYGON, geo.geometry_to_json(poly)) == poly
    with pytest.raises(geo.GeometryError):
        kinds.parse(geo.ShapeKind.BOX, {"points": [[0, 0]]})
    assert kinds.parse(geo.ShapeKind.TAG, None) is None


def test_status_names_are_parsed_as_users_type_them() -> None:
    assert status.parse_status("Needs review") is status.ImageStatus.NEEDS_REVIEW
    assert status.parse_status("in-progress") is status.ImageStatus.IN_PROGRESS
    with pytest.raises(ValueError, match="expected one of"):
        status.parse_status("finished")


def test_split_depends_only_on_the_hash_so_adding_images_moves_none() -> None:
    ratios = splits.parse_ratios("0.8,0.1,0.1")
    keys = [f"{i:064x}" for i in range(2000)]
    before = {k: splits.split_of(k, ratios, seed=3) for k in keys[:1000]}
    after = {k: splits.split_of(k, ratios, seed=3) for k in keys}
    assert all(after[k] == v for k, v in before.items())
    counts = {name: list(after.values()).count(name) for name in ("train", "val", "test")}
    assert 1450 < counts["train"] < 1750 and counts["val"] > 120 and counts["test"] > 120
    assert splits.split_of(keys[0], ratios, seed=4) in {"train", "val", "test"}


def test_split_ratios_reject_nonsense() -> None:
    assert splits.parse_ratios("80,20") == pytest.approx((0.8, 0.2))
    for bad in ("a,b", "-1,2", "0,0", "1,1,1,1"):
        with pytest.raises(ValueError, match="split"):
            splits.parse_ratios(bad)
