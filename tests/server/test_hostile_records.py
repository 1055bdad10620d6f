"""Hostile records: each is refused alone with a reason, the rest of its batch applies, nothing
answers 5xx, and what the server stores every client reads back."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
import requests

from labeler.sync.wire import client as client_mod
from labeler.sync.wire import protocol
from tests.server import conftest, live
from tests.server.conftest import CAT, box, sha

Outcome = protocol.PushOutcome


def _record(data: dict[str, Any], kind: str = "annotation", **extra: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "kind": kind,
        "base_revision": None,
        "deleted": False,
        "updated_at": "2026-11-27T04:00:00Z",
        "data": data,
        **extra,
    }


def _annotation(**changes: Any) -> dict[str, Any]:
    data = {
        "image_sha256": sha(1),
        "class_id": str(CAT),
        "kind": "box",
        "geometry": {"x": 10.0, "y": 20.0, "w": 30.0, "h": 40.0},
        "attributes": {},
    }
    data.update(changes)
    return data


def _polygon(points: Any) -> dict[str, Any]:
    return _annotation(kind="polygon", geometry={"points": points})


def _push_raw(server: live.LiveServer, project: str, records: list[Any]) -> requests.Response:
    # Python's json writes a lone surrogate as the escape "\ud800", as a hostile caller would.
    return requests.post(
        f"{server.url}/v1/projects/{project}/push",
        data=json.dumps({"records": records}).encode(),
        headers={**conftest.caller_headers("mallory", "admin"), "Content-Type": "application/json"},
        timeout=60,
    )


GOOD = json.loads(box(2).model_dump_json())

HOSTILE = {
    "lone-surrogate-attribute": (_annotation(attributes={"note": "a\ud800b"}), "Unicode"),
    "lone-surrogate-attribute-key": (_annotation(attributes={"\udfffkey": True}), "Unicode"),
    "nul-attribute": (_annotation(attributes={"note": "a\x00b"}), "NUL"),
    "nested-attribute": (_annotation(attributes={"deep": {"a": [1]}}), "true, false, a number"),
    "huge-integer-attribute": (_annotation(attributes={"n": 10**400}), "whole number"),
    "x-letters": (_annotation(geometry={"x": "abc", "y": 1, "w": 1, "h": 1}), "geometry.x"),
    "x-number-as-text": (_annotation(geometry={"x": "12", "y": 1, "w": 1, "h": 1}), "geometry.x"),
    "x-boolean": (_annotation(geometry={"x": True, "y": 1, "w": 1, "h": 1}), "geometry.x"),
    "x-400-digits": (_annotation(geometry={"x": 10**400, "y": 1, "w": 1, "h": 1}), "geometry.x"),
    "extra-key": (_annotation(geometry={"x": 1, "y": 1, "w": 1, "h": 1, "z": 3}), "geometry.z"),
    "negative-size": (_annotation(geometry={"x": 1, "y": 1, "w": -1, "h": 1}), "geometry.w"),
    "points-of-text": (_polygon(["a", "b"]), "geometry.points"),
    "too-many-points": (
        _polygon([[i % 600, i % 400] for i in range(protocol.MAX_POLYGON_POINTS + 1)]),
        "at most",
    ),
    "outside-the-frame": (_annotation(geometry={"x": 630, "y": 1, "w": 30, "h": 1}), "outside"),
    "image-not-in-manifest": (_annotation(image_sha256=sha(99)), "not in the project's manifest"),
    "unknown-kind": (_annotation(kind="circle"), "kind"),
    "lone-surrogate-class-name": (
        ({"name": "cat\ud800", "color": "#e6194b"}, "label_class"),
        "Unicode",
    ),
    "nul-comment": (
        ({"image_sha256": sha(1), "action": "comment", "comment": "x\x00"}, "review_action"),
        "NUL",
    ),
}


@pytest.mark.parametrize("case", list(HOSTILE), ids=list(HOSTILE))
def test_a_hostile_record_is_refused_alone_and_every_client_reads_the_feed_after(
    server: live.LiveServer, admin: client_mod.SyncClient, project: str, case: str
) -> None:
    data, reason = HOSTILE[case]
    kind = "annotation"
    if isinstance(data, tuple):
        data, kind = data
    reply = _push_raw(
        server, project, [GOOD, _record(data, kind), GOOD | {"id": str(uuid.uuid4())}]
    )
    assert reply.status_code == 200, reply.text
    results = protocol.PushResponse.model_validate_json(reply.content).results
    assert [r.outcome for r in results] == [Outcome.APPLIED, Outcome.REJECTED, Outcome.APPLIED]
    assert reason.lower() in (results[1].reason or "").lower(), results[1].reason
    # The whole feed reads strictly: nothing set aside, the strict model takes every page.
    cursor = None
    while True:
        raw = requests.get(
            f"{server.url}/v1/projects/{project}/changes",
            params={"cursor": cursor} if cursor else {},
            headers=conftest.caller_headers("alice", "admin"),
            timeout=30,
        )
        page = protocol.ChangePage.model_validate_json(raw.content)
        for record in page.records:
            protocol.parse_data(record.kind, record.data)
        cursor = page.next_cursor
        if not page.has_more:
            break


def test_the_server_stores_and_serves_the_canonical_form(
    server: live.LiveServer, admin: client_mod.SyncClient, project: str
) -> None:
    sent = _annotation(
        geometry={"x": 10, "y": 20, "w": 30, "h": 40}, attributes={"n": 3, "ok": True}
    )
    polygon = _polygon([[1, 2], [3, 4], [5, 6]])
    reply = _push_raw(server, project, [_record(sent), _record(polygon)])
    assert [r["outcome"] for r in reply.json()["results"]] == ["applied", "applied"]
    feed = conftest.pull_all(admin, project)
    assert feed[-2].data == {**sent, "geometry": {"x": 10.0, "y": 20.0, "w": 30.0, "h": 40.0}}
    assert feed[-1].data["geometry"] == {"points": [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]}
    # A tag written as {} by an older client is stored as the null it means.
    tag = _annotation(kind="tag", geometry={})
    _push_raw(server, project, [_record(tag)])
    assert conftest.pull_all(admin, project)[-1].data["geometry"] is None


def test_a_record_past_the_byte_limit_is_refused_with_its_size(
    server: live.LiveServer, project: str
) -> None:
    # 100 attributes of 9,000 characters: each fits, together past the limit per record.
    attributes = {f"a{i}": "x" * 9000 for i in range(100)}
    reply = _push_raw(server, project, [_record(_annotation(attributes=attributes)), GOOD])
    results = reply.json()["results"]
    assert [r["outcome"] for r in results] == ["rejected", "applied"]
    assert str(protocol.MAX_RECORD_BYTES) in results[0]["reason"]


def test_feed_pages_are_bounded_by_bytes_as_well_as_count(
    server: live.LiveServer, admin: client_mod.SyncClient, project: str
) -> None:
    # Polygons of the largest size, each close to 200 kB as stored.
    big = [[i * 0.0123456789 % 600, i * 0.0987654321 % 400] for i in range(10_000)]
    records = [_record(_polygon(big)) for _ in range(30)]
    for start in range(0, len(records), 10):
        reply = _push_raw(server, project, records[start : start + 10])
        assert {r["outcome"] for r in reply.json()["results"]} == {"applied"}
    sizes: list[int] = []
    counts: list[int] = []
    cursor = None
    while True:
        raw = requests.get(
            f"{server.url}/v1/projects/{project}/changes",
            params={"limit": protocol.MAX_PAGE, **({"cursor": cursor} if cursor else {})},
            headers=conftest.caller_headers("alice", "admin"),
            timeout=30,
        )
        page = protocol.ChangePage.model_validate_json(raw.content)
        sizes.append(len(raw.content))
        counts.append(len(page.records))
        cursor = page.next_cursor
        if not page.has_more:
            break
    assert sum(counts) == admin.get_project(project).head  # nothing skipped
    assert len(counts) > 1
    assert max(sizes) <= protocol.MAX_PAGE_BYTES + 300_000  # one record past the mark at most


@pytest.mark.parametrize(
    "path",
    ["../../../../etc/passwd", "a/../../b.jpg", "/etc/passwd", "C:\\x.jpg", "c:x.jpg",
     "\\\\server\\share\\x.jpg", "a\\..\\..\\b.jpg", "ok\x00.jpg"],
)  # fmt: skip
def test_image_paths_that_leave_their_folder_are_refused(
    server: live.LiveServer, project: str, path: str
) -> None:
    image = {"sha256": sha(50), "rel_path": path, "width": 4, "height": 3}
    reply = requests.post(
        f"{server.url}/v1/projects/{project}/images",
        data=json.dumps({"images": [image]}).encode(),
        headers={**conftest.caller_headers("alice", "admin"), "Content-Type": "application/json"},
        timeout=30,
    )
    assert reply.status_code == 422, reply.text
    assert "rel_path" in reply.json()["message"]


def test_a_huge_number_in_a_body_is_4xx(server: live.LiveServer, project: str) -> None:
    record = {"id": str(uuid.uuid4()), "kind": "annotation", "data": {"x": "NUMBER"}}
    body = json.dumps({"records": [record]}).replace('"NUMBER"', "1" * 5000)
    reply = requests.post(
        f"{server.url}/v1/projects/{project}/push",
        data=body.encode(),
        headers={**conftest.caller_headers("alice", "admin"), "Content-Type": "application/json"},
        timeout=30,
    )
    assert 400 <= reply.status_code < 500
