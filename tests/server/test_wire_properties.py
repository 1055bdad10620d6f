"""Any record the server accepts, every client reads: hypothesis over the one wire model, with
text and numbers at their edges (lone surrogates, NUL, huge and tiny numbers, numbers as text,
booleans, extra keys)."""

from __future__ import annotations

import datetime as dt
import json
import types
import typing
import uuid
from typing import Any

import orjson
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from labeler.domain import geometry as geo
from labeler.server import principal
from labeler.server.storage import records, repair, validate
from labeler.server.storage import rows as rows_mod
from labeler.sync.wire import protocol, reading, shapes
from tests.server.conftest import CAT, sha

SHA = sha(1)
FRAME = (640, 480)
WHEN = dt.datetime(2026, 11, 27, 4, 0, tzinfo=dt.UTC)

# Text at its edges: lone surrogates and NUL among ordinary and astral characters.
texts = st.text(
    alphabet=st.one_of(
        st.characters(codec=None, exclude_categories=()),
        st.sampled_from(["\ud800", "\udfff", "\x00", "é", "😀", "\u2028"]),
    ),
    max_size=12,
)
# Numbers at their edges, and what a careless integrator sends instead of one.
numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 5e-324, 1.7976931348623157e308, 2.0**53, 639.999, 640.5, 641.5]),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([2**53, 2**53 + 1, -(2**53) - 1, 10**400]),
    st.booleans(),
    st.sampled_from(["12", "abc", "1e5", "NaN", ""]),
    st.none(),
)
json_values = st.recursive(
    st.one_of(numbers, texts),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(texts, inner, max_size=3)),
    max_leaves=6,
)
coordinates = st.one_of(st.floats(min_value=-5, max_value=700), numbers)


def _box() -> st.SearchStrategy[dict[str, Any]]:
    base = st.fixed_dictionaries(
        {"x": coordinates, "y": coordinates, "w": coordinates, "h": coordinates}
    )
    return st.one_of(base, base.map(lambda g: {**g, "z": 1}), st.dictionaries(texts, numbers))


def _polygon() -> st.SearchStrategy[Any]:
    point = st.one_of(
        st.tuples(coordinates, coordinates).map(list), st.lists(coordinates, max_size=3), texts
    )
    return st.one_of(
        st.fixed_dictionaries({"points": st.lists(point, min_size=0, max_size=6)}),
        st.dictionaries(texts, json_values, max_size=2),
    )


def _rotated_box() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {"cx": coordinates, "cy": coordinates, "w": coordinates, "h": coordinates},
        optional={"angle": st.one_of(st.floats(min_value=-720, max_value=720), numbers)},
    )


# Mostly plausible annotations (so that many are accepted and the property is exercised), with
# every field free to be hostile.
plausible_text = st.text(max_size=8)
plausible_annotations = st.fixed_dictionaries(
    {
        "image_sha256": st.just(SHA),
        "class_id": st.just(str(CAT)),
        "kind": st.sampled_from(["box", "polygon", "rotated_box", "tag"]),
        "geometry": st.one_of(
            _box(), _polygon(), _rotated_box(), st.none(), st.just({}),
            st.fixed_dictionaries({"x": st.floats(0, 300), "y": st.floats(0, 300),
                                   "w": st.floats(0, 300), "h": st.floats(0, 150)}),
            st.fixed_dictionaries({"cx": st.floats(100, 500), "cy": st.floats(100, 350),
                                   "w": st.floats(0, 150), "h": st.floats(0, 150),
                                   "angle": st.floats(-360, 360)}),
        ),
        "attributes": st.dictionaries(st.one_of(plausible_text, texts), json_values, max_size=3),
    }
)  # fmt: skip

annotations = st.fixed_dictionaries(
    {
        "image_sha256": st.sampled_from([SHA, sha(2), "not a hash"]),
        "class_id": st.sampled_from([str(CAT), None, str(uuid.UUID(int=5)), 7]),
        "kind": st.sampled_from(["box", "polygon", "rotated_box", "tag", "circle", 3]),
        "geometry": st.one_of(
            _box(), _polygon(), _rotated_box(), st.none(), st.just({}), json_values
        ),
        "attributes": st.dictionaries(texts, json_values, max_size=4),
    },
    optional={"extra": json_values},
)
classes = st.fixed_dictionaries(
    {"name": texts, "color": st.sampled_from(["#e6194b", "red"])},
    optional={"hotkey": st.sampled_from(["1", "x", "!", None]), "order": numbers},
)
reviews = st.fixed_dictionaries(
    {
        "image_sha256": st.just(SHA),
        "action": st.sampled_from(["comment", "approve", "shout"]),
        "comment": st.one_of(texts, numbers),
    }
)
pushed = st.one_of(
    st.tuples(st.just(protocol.RecordKind.ANNOTATION), plausible_annotations),
    st.tuples(st.just(protocol.RecordKind.ANNOTATION), annotations),
    st.tuples(st.just(protocol.RecordKind.LABEL_CLASS), classes),
    st.tuples(st.just(protocol.RecordKind.REVIEW_ACTION), reviews),
)


def _accepted(kind: protocol.RecordKind, raw: dict[str, Any]) -> rows_mod.Row | None:
    """What the server stores for a pushed record (the push's own checks), or None."""
    # The body as the service reads it: JSON text, parsed by Python's reader.
    data = json.loads(json.dumps(raw))
    record = protocol.Record(id=uuid.uuid4(), kind=kind, updated_at=WHEN, data=data)
    state = validate.SchemaState(
        classes={str(CAT): protocol.LabelClassData(name="cat", color="#e6194b")},
        attributes={},
        frames={SHA: FRAME},
    )
    try:
        parsed = validate.parse(record, principal.Role.ADMIN)
        canonical, _ = validate.check(record, parsed, state)
    except validate.Rejected:
        return None
    row = rows_mod.from_wire(record, canonical, "ana", WHEN)
    if len(row.data_text) > protocol.MAX_RECORD_BYTES:
        return None
    row.revision = 1
    return row


def _served(row: rows_mod.Row) -> bytes:
    """The feed page the server writes for the stored row (the same code as the service's)."""
    stored = types.SimpleNamespace(
        id=row.id,
        kind=row.kind.value,
        base_revision=row.base_revision,
        deleted=row.deleted,
        updated_at=row.updated_at,
        data=row.data_text,
        revision=row.revision,
        author=row.author,
        server_time=row.server_time,
    )
    page = {"records": [records._feed_record(stored)], "next_cursor": "c", "has_more": False}  # type: ignore[arg-type]
    return orjson.dumps(page)


# Most hostile records are refused by design, so many examples are filtered out (assume): that is
# the point of the test, not a slow strategy.
@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(pushed)
def test_any_record_the_server_accepts_every_client_reads(
    sent: tuple[protocol.RecordKind, dict[str, Any]],
) -> None:
    kind, raw = sent
    row = _accepted(kind, raw)
    assume(row is not None)
    assert row is not None
    served = _served(row)
    # The strict reader takes the page whole (no record needs setting aside) ...
    strict = protocol.ChangePage.model_validate_json(served)
    # ... and the client's reader finds every record readable, with the data as stored.
    page = reading.change_page(served)
    assert page.unreadable == []
    assert [str(r.id) for r in page.records] == [row.id] == [str(r.id) for r in strict.records]
    again = protocol.parse_data(kind, page.records[0].data).model_dump(mode="json")
    assert again == row.data  # the canonical form reads back as itself


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pushed)
def test_a_client_sets_aside_exactly_what_a_server_would_refuse(
    sent: tuple[protocol.RecordKind, dict[str, Any]],
) -> None:
    """A page written by an older server, unchecked: what the client sets aside is what the
    wire model refuses, and the record beside it always arrives."""
    kind, raw = sent
    good = _accepted(
        protocol.RecordKind.ANNOTATION,
        {"image_sha256": SHA, "class_id": str(CAT), "kind": "tag", "attributes": {}},
    )
    assert good is not None
    unchecked = rows_mod.Row(
        id=str(uuid.uuid4()),
        kind=kind,
        deleted=False,
        updated_at=WHEN.isoformat(),
        data=json.loads(json.dumps(raw)),
        author="mallory",
        server_time=WHEN,
        revision=2,
    )
    stored = [
        types.SimpleNamespace(
            id=r.id, kind=r.kind.value, base_revision=None, deleted=False,
            updated_at=r.updated_at, data=r.data_text, revision=r.revision, author=r.author,
            server_time=r.server_time,
        )
        for r in (good, unchecked)
    ]  # fmt: skip
    body = orjson.dumps(
        {
            "records": [records._feed_record(s) for s in stored],
            "next_cursor": "c",
            "has_more": False,
        }  # type: ignore[arg-type]
    )
    page = reading.change_page(body)
    assert good.id in [str(r.id) for r in page.records]
    try:
        protocol.parse_data(kind, unchecked.data)
        readable = True
    except ValueError:
        readable = False
    assert (unchecked.id in [u.id for u in page.unreadable]) is not readable


def test_every_shape_kind_has_its_wire_member_frame_and_repair() -> None:
    """A new shape kind is one more member of the wire union: this names what is missing."""
    members = typing.get_args(typing.get_args(protocol.AnnotationKinds)[0])
    on_the_wire = {typing.get_args(m.model_fields["kind"].annotation)[0] for m in members}
    assert on_the_wire == set(geo.ShapeKind)
    with_geometry = {k for k in geo.ShapeKind if k is not geo.ShapeKind.TAG}
    assert set(shapes.EXTENTS) == with_geometry  # the server checks each one's frame
    assert set(repair._GEOMETRIES) == {k.value for k in geo.ShapeKind}  # and can repair it
