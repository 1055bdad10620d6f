"""What a push answers, byte for byte where a client could tell the difference."""

from __future__ import annotations

import json
import socket
import uuid

import requests

from labeler.server import listen
from labeler.sync.wire import client as client_mod
from labeler.sync.wire import protocol
from tests.server import conftest, live
from tests.server.conftest import box

Outcome = protocol.PushOutcome


def _post(server: live.LiveServer, project: str, body: bytes, key: str) -> requests.Response:
    return requests.post(
        f"{server.url}/v1/projects/{project}/push",
        data=body,
        headers={
            **conftest.caller_headers("alice", "admin"),
            "Content-Type": "application/json",
            "Idempotency-Key": key,
        },
        timeout=30,
    )


def test_a_retry_gets_the_first_answer_byte_for_byte(
    server: live.LiveServer, admin: client_mod.SyncClient, project: str
) -> None:
    body = protocol.PushRequest(records=[box(1), box(2, x=5.0)]).model_dump_json().encode()
    key = str(uuid.uuid4())
    first = _post(server, project, body, key)
    # The same batch re-encoded with other whitespace is the same request.
    again = _post(server, project, json.dumps(json.loads(body), indent=2).encode(), key)
    assert first.status_code == again.status_code == 200
    assert again.content == first.content
    answer = protocol.PushResponse.model_validate_json(first.content)
    assert [r.outcome for r in answer.results] == [Outcome.APPLIED, Outcome.APPLIED]
    assert answer.head == admin.get_project(project).head


def test_a_record_with_a_lone_surrogate_is_rejected_not_a_server_error(
    server: live.LiveServer, admin: client_mod.SyncClient, project: str
) -> None:
    good = box(1)
    record = json.loads(box(2).model_dump_json())
    record["data"]["\ud800odd"] = 1  # an unknown field, named with a lone surrogate
    body = {"records": [json.loads(good.model_dump_json()), record]}
    reply = _post(server, project, json.dumps(body).encode(), str(uuid.uuid4()))
    assert reply.status_code == 200
    results = reply.json()["results"]
    assert [r["outcome"] for r in results] == ["applied", "rejected"]
    assert "unicode" in results[1]["reason"]
    assert admin.get_project(project).head == results[0]["revision"]


def test_a_conflict_copy_keeps_the_largest_exact_integer(
    client_for: conftest.ClientFactory, project: str
) -> None:
    ana, bob = client_for("ana", "annotator"), client_for("bob", "annotator")
    rid = uuid.uuid4()
    big = protocol.MAX_SAFE_INT
    first = ana.push(project, [box(1, rid=rid)]).results[0]
    assert first.outcome is Outcome.APPLIED
    edit = box(1, rid=rid, base=first.revision, x=7.0)
    edit = edit.model_copy(update={"data": {**edit.data, "attributes": {"count": big}}})
    assert bob.push(project, [edit]).results[0].outcome is Outcome.APPLIED

    stale = ana.push(project, [box(1, rid=rid, base=first.revision)]).results[0]
    assert stale.outcome is Outcome.CONFLICT and stale.server is not None
    assert stale.server.author == "bob"
    assert stale.server.data["geometry"]["x"] == 7.0
    assert stale.server.data["attributes"]["count"] == big


def test_an_integer_past_what_json_readers_keep_exact_is_refused_not_rounded(
    admin: client_mod.SyncClient, project: str
) -> None:
    record = box(1)
    record = record.model_copy(
        update={"data": {**record.data, "attributes": {"count": protocol.MAX_SAFE_INT + 1}}}
    )
    result = admin.push(project, [record, box(2)]).results
    assert [r.outcome for r in result] == [Outcome.REJECTED, Outcome.APPLIED]
    assert "attributes.count" in (result[0].reason or "")


def test_a_batch_of_the_largest_size_is_applied_in_order(
    admin: client_mod.SyncClient, project: str
) -> None:
    head = admin.get_project(project).head
    batch = [box(1 + i % 3, x=i / 2) for i in range(protocol.MAX_PUSH_RECORDS)]
    answer = admin.push(project, batch, idempotency_key=str(uuid.uuid4()))
    assert [r.revision for r in answer.results] == list(range(head + 1, head + 1 + len(batch)))
    assert answer.head == head + len(batch)
    feed = conftest.pull_all(admin, project)
    assert [r.id for r in feed[-len(batch) :]] == [r.id for r in batch]
    assert [r.data["geometry"]["x"] for r in feed[-len(batch) :]] == [
        i / 2 for i in range(len(batch))
    ]


def test_connections_to_the_service_do_not_wait_on_delayed_acks() -> None:
    # With Nagle's algorithm on, every answer waits ~40 ms for the client's delayed ACK.
    sock = listen.listening_socket("127.0.0.1", 0)
    try:
        with socket.create_connection(sock.getsockname()[:2]):
            accepted, _ = sock.accept()
            with accepted:
                assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    finally:
        sock.close()
