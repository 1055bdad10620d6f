"""Kinds of labels: the rotated box's geometry, the registry every layer asks, the kinds setting."""

from __future__ import annotations

import math

import pytest

from labeler.domain import annotation as ann
from labeler.domain import geometry as geo
from labeler.domain import kinds
from labeler.domain import schema as schema_mod

K = geo.ShapeKind


def _close(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return all(math.isclose(x, y, abs_tol=1e-9) for x, y in zip(a, b, strict=True))


def test_every_kind_is_registered_with_a_name_and_its_geometry() -> None:
    assert set(kinds.KINDS) == set(K)
    assert kinds.SHAPE_KINDS == (K.BOX, K.ROTATED_BOX, K.POLYGON)
    assert kinds.spec(K.ROTATED_BOX).count(1) == "1 rotated box"
    assert kinds.spec(K.ROTATED_BOX).count(3) == "3 rotated boxes"
    shapes = [
        geo.Box(0, 0, 1, 1),
        geo.RotatedBox(5, 5, 4, 2, 30),
        geo.Polygon(((0, 0), (1, 0), (0, 1))),
    ]
    for shape in shapes:
        kind = kinds.kind_of(shape)
        assert kinds.parse(kind, shape.to_json()) == shape
        kinds.check(kind, shape)


def test_a_rotated_box_has_its_corners_clockwise_from_where_its_first_edge_starts() -> None:
    flat = geo.RotatedBox(50, 40, 20, 10, 0)
    assert flat.corners() == ((40, 35), (60, 35), (60, 45), (40, 45))
    assert flat.bounds == geo.Box(40, 35, 20, 10)
    turned = geo.RotatedBox(0, 0, 2, 2, 90)
    corners = turned.corners()
    assert _close(corners[0], (1, -1)) and _close(corners[1], (1, 1))
    diamond = geo.RotatedBox(10, 10, math.sqrt(2), math.sqrt(2), 45)
    assert _close(diamond.bounds.coords(), (9, 9, 2, 2))
    assert math.isclose(diamond.area, 2.0)


def test_a_rotated_box_is_drawn_from_one_edge_and_a_width() -> None:
    # Along the x axis from (10, 10) to (30, 10), then 8 px down: an unturned 20 × 8 box.
    box = geo.RotatedBox.from_edge((10, 10), (30, 10), (25, 18))
    assert _close(box.coords(), (20, 14, 20, 8, 0))
    assert _close(box.corners()[0], (10, 10)) and _close(box.corners()[1], (30, 10))
    # The width on the other side of the edge: the same rectangle, above it.
    above = geo.RotatedBox.from_edge((10, 10), (30, 10), (0, 2))
    assert _close(above.coords(), (20, 6, 20, 8, 0))
    # An edge going down the screen is turned a quarter clockwise.
    down = geo.RotatedBox.from_edge((0, 0), (0, 10), (-4, 3))
    assert _close(down.coords(), (-2, 5, 10, 4, 90))


def test_rotated_box_numbers_are_finite_sizes_non_negative_and_the_angle_kept_in_range() -> None:
    with pytest.raises(geo.GeometryError, match="finite"):
        geo.RotatedBox(0, math.nan, 1, 1, 0)
    with pytest.raises(geo.GeometryError, match="finite"):
        geo.RotatedBox(0, 0, 1, 1, math.inf)
    with pytest.raises(geo.GeometryError, match="negative"):
        geo.RotatedBox(0, 0, -1, 1, 0)
    assert geo.RotatedBox(0, 0, 1, 1, 370).angle == 10
    assert geo.RotatedBox(0, 0, 1, 1, -180).angle == 180
    assert geo.RotatedBox(0, 0, 1, 1, 360) == geo.RotatedBox(0, 0, 1, 1, 0)
    stored = geo.RotatedBox(1.25, 2.5, 3, 4, 33.333333333)
    assert kinds.parse(K.ROTATED_BOX, stored.to_json()) == stored


@pytest.mark.parametrize(
    "data",
    [None, {"cx": 1, "cy": 2, "w": 3, "h": 4}, {"cx": 1, "cy": 2, "w": 3, "h": 4, "angle": "x"},
     {"cx": True, "cy": 2, "w": 3, "h": 4, "angle": 0}, {"x": 0, "y": 0, "w": 1, "h": 1}, [1, 2]],
)  # fmt: skip
def test_malformed_rotated_boxes_are_refused_with_a_geometry_error(data: object) -> None:
    with pytest.raises(geo.GeometryError):
        kinds.parse(K.ROTATED_BOX, data)  # type: ignore[arg-type]


def test_a_shape_must_have_the_geometry_of_its_kind() -> None:
    rotated = geo.RotatedBox(5, 5, 4, 2, 30)
    with pytest.raises(geo.GeometryError, match="rotated box needs a RotatedBox"):
        ann.NewShape("c", K.ROTATED_BOX, geo.Box(0, 0, 1, 1))
    with pytest.raises(geo.GeometryError, match="box needs a Box"):
        ann.NewShape("c", K.BOX, rotated)
    assert ann.NewShape("c", K.ROTATED_BOX, rotated).geometry == rotated


def test_moving_and_scaling_a_rotated_box() -> None:
    box = geo.RotatedBox(10, 10, 4, 2, 30)
    assert box.translated(5, -5) == geo.RotatedBox(15, 5, 4, 2, 30)
    assert box.scaled(2, 2) == geo.RotatedBox(20, 20, 8, 4, 30)
    skewed = geo.RotatedBox(10, 10, 4, 2, 0).scaled(2, 3)
    assert _close(skewed.coords(), (20, 30, 8, 6, 0))
    # Unequal factors on a turned box keep its area as the parallelogram's.
    turned = box.scaled(2, 1)
    assert math.isclose(turned.area, box.area * 2)
    assert box.rotated(200).angle == pytest.approx(-130)


def test_converting_between_kinds_says_whether_anything_was_lost() -> None:
    rotated = geo.RotatedBox(10, 10, math.sqrt(2), math.sqrt(2), 45)
    box, exact = kinds.convert(rotated, K.BOX)
    assert _close(box.coords(), (9, 9, 2, 2)) and not exact
    polygon, exact = kinds.convert(rotated, K.POLYGON)
    assert isinstance(polygon, geo.Polygon) and exact and polygon.points == rotated.corners()
    same, exact = kinds.convert(geo.Box(1, 2, 3, 4), K.ROTATED_BOX)
    assert same == geo.RotatedBox(2.5, 4, 3, 4, 0) and exact
    # A polygon's least rotated box hugs it: a turned rectangle comes back as itself.
    hugged, exact = kinds.convert(geo.Polygon(rotated.corners()), K.ROTATED_BOX)
    assert isinstance(hugged, geo.RotatedBox) and math.isclose(hugged.area, 2.0) and exact
    triangle = geo.Polygon(((0, 0), (10, 0), (0, 10)))
    around, exact = kinds.convert(triangle, K.ROTATED_BOX)
    assert math.isclose(around.area, 100.0) and not exact
    flat, _ = kinds.convert(geo.Polygon(((0, 0), (4, 0), (8, 0))), K.ROTATED_BOX)
    assert flat.area == 0 and flat.w == 8


def test_kind_names_are_read_as_users_type_them() -> None:
    assert kinds.parse_kinds("box, Rotated-Box,polygons") == {K.BOX, K.ROTATED_BOX, K.POLYGON}
    assert kinds.parse_kinds("") == frozenset()
    with pytest.raises(kinds.KindError, match="expected one of: tag, box"):
        kinds.parse_kinds("box,circle")


def test_the_kinds_setting_is_one_value_stored_as_json_and_reads_the_older_flags() -> None:
    tasks = schema_mod.TaskKinds.of("polygon", "rotated_box", tags=schema_mod.TagMode.MULTI)
    assert tasks.to_json() == {"tags": "multi", "shapes": ["rotated_box", "polygon"]}
    assert schema_mod.TaskKinds.from_json(tasks.to_json()) == tasks
    assert tasks.shows(K.TAG) and tasks.shows(K.ROTATED_BOX) and not tasks.shows(K.BOX)
    legacy = schema_mod.TaskKinds.from_json({"tags": "none", "boxes": True, "polygons": True})
    assert legacy == schema_mod.TaskKinds.of("box", "polygon")
    assert schema_mod.TaskKinds.from_json({"tags": "single", "boxes": False}).enabled == {K.TAG}
    with pytest.raises(schema_mod.SchemaError):
        schema_mod.TaskKinds.from_json({"tags": "none", "shapes": ["circle"]})
    with pytest.raises(schema_mod.SchemaError, match="mode"):
        schema_mod.TaskKinds(schema_mod.TagMode.NONE, frozenset({K.TAG}))
