"""The geometry rules behind handles, moves and hit tests."""

import pytest

from labeler.domain import geometry as geo
from ui.canvas import shapes

BOX = geo.Box(100.0, 100.0, 50.0, 40.0)


def test_handles_sit_outside_the_box():
    for handle, r in shapes.handle_rects(BOX, 5.0).items():
        inside_x = BOX.x < r.x + r.w / 2 < BOX.x1 and not handle.is_corner
        overlap = r.x < BOX.x1 and BOX.x < r.x1 and r.y < BOX.y1 and BOX.y < r.y1
        assert not overlap, (handle, r, inside_x)


def test_dragging_a_side_past_the_opposite_one_flips_the_box():
    flipped = shapes.resize_box(BOX, shapes.Handle.LEFT, 80.0, 0.0, 1000.0, 1000.0)
    assert flipped == geo.Box(150.0, 100.0, 30.0, 40.0)


def test_resizing_is_clamped_to_the_image():
    grown = shapes.resize_box(BOX, shapes.Handle.TOP_LEFT, -500.0, -500.0, 1000.0, 1000.0)
    assert grown == geo.Box(0.0, 0.0, 150.0, 140.0)


def test_moving_shapes_together_stops_when_one_reaches_the_edge():
    other = geo.Polygon(((900.0, 10.0), (990.0, 10.0), (950.0, 60.0)))
    assert shapes.clamp_offset([BOX, other], 50.0, -30.0, 1000.0, 800.0) == (10.0, -10.0)


def test_a_shape_larger_than_the_image_does_not_move():
    big = geo.Box(-10.0, -10.0, 2000.0, 10.0)
    assert shapes.clamp_offset([big], 5.0, 0.0, 1000.0, 800.0) == (0.0, 0.0)


@pytest.mark.parametrize(
    ("point", "hit"),
    [((125.0, 120.0), True), ((153.0, 120.0), True), ((160.0, 120.0), False)],
)
def test_a_click_within_the_slack_of_a_box_hits_it(point, hit):
    assert shapes.geometry_hit(BOX, point, 4.0) is hit


def test_polygon_hits_inside_and_near_its_outline_only():
    tri = geo.Polygon(((0.0, 0.0), (100.0, 0.0), (0.0, 100.0)))
    assert shapes.geometry_hit(tri, (20.0, 20.0), 2.0)
    assert shapes.geometry_hit(tri, (51.0, 51.0), 2.0)
    assert not shapes.geometry_hit(tri, (70.0, 70.0), 2.0)
    assert shapes.edge_at(tri.points, (50.0, -1.0), 2.0) == (0, (50.0, 0.0))
    assert shapes.vertex_at(tri.points, (99.0, 1.0), 3.0) == 1
