"""Bad input gets a clear 4xx in APIM's shape (never a 5xx); roles and project scope hold."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
import requests

from labeler.sync.wire import client as client_mod
from labeler.sync.wire import errors as sync_errors
from labeler.sync.wire import protocol
from tests.server import conftest, live
from tests.server.conftest import box, sha, status


def _post(
    server: live.LiveServer, path: str, data: bytes, role: str = "admin"
) -> requests.Response:
    headers = {**conftest.caller_headers("alice", role), "Content-Type": "application/json"}
    return requests.post(f"{server.url}/v1{path}", data=data, headers=headers, timeout=10)


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"[]", b'{"records": []}', b'{"records": [{"id": "x"}]}', b"\xff\xfe", b""],
    ids=["broken-json", "array", "empty-batch", "bad-record", "not-utf8", "empty"],
)
def test_malformed_push_bodies_are_422(server: live.LiveServer, project: str, body: bytes) -> None:
    reply = _post(server, f"/projects/{project}/push", body)
    assert reply.status_code == 422
    assert reply.json()["statusCode"] == 422
    assert reply.json()["message"]


def test_huge_numbers_and_nul_text_are_422_not_a_database_error(
    server: live.LiveServer, project: str
) -> None:
    record = box(1).model_dump(mode="json")
    record["base_revision"] = 2**70
    reply = _post(server, f"/projects/{project}/push", json.dumps({"records": [record]}).encode())
    assert reply.status_code == 422
    reply = _post(server, "/projects", b'{"name": "nul", "title": "a\\u0000b"}')
    assert reply.status_code == 422


def test_bodies_past_the_limit_are_413(make_server: Callable[..., live.LiveServer]) -> None:
    server = make_server(max_body_bytes=2000, max_blob_bytes=1000)
    big = b'{"name": "p", "title": "' + b"x" * 5000 + b'"}'
    reply = _post(server, "/projects", big)
    assert reply.status_code == 413
    assert reply.json() == {
        "statusCode": 413,
        "message": "request body larger than the limit of 2000 bytes",
    }

    def chunks():  # no Content-Length: counted as it arrives
        yield b'{"name": "p", "title": "'
        for _ in range(10):
            yield b"x" * 500
        yield b'"}'

    headers = {**conftest.caller_headers("alice", "admin"), "Content-Type": "application/json"}
    reply = requests.post(f"{server.url}/v1/projects", data=chunks(), headers=headers, timeout=10)
    assert reply.status_code == 413

    admin = client_mod.SyncClient(server.url, headers=conftest.caller_headers("alice", "admin"))
    admin.create_project("p")
    admin.upsert_images("p", [protocol.ImageIn(sha256=sha(1), rel_path="a.jpg", width=1, height=1)])
    with pytest.raises(sync_errors.ApiError) as err:
        admin.upload_blob("p", sha(1), b"x" * 1500)
    assert err.value.status == 413
    with pytest.raises(sync_errors.ApiError) as err:  # streamed, no Content-Length
        admin.upload_blob("p", sha(1), iter([b"x" * 600, b"x" * 600]))  # type: ignore[arg-type]
    assert err.value.status == 413
    assert not admin.has_blob("p", sha(1))


def test_unknown_projects_and_images_are_404(admin: client_mod.SyncClient, project: str) -> None:
    for call in (
        lambda: admin.get_project("nope"),
        lambda: admin.get_schema("nope"),
        lambda: admin.stats("nope"),
        lambda: admin.list_images("nope"),
        lambda: admin.review(project, sha(99), "approve"),
        lambda: admin.download_blob(project, sha(99)),
    ):
        with pytest.raises(sync_errors.ApiError) as err:
            call()
        assert err.value.status == 404


def test_a_call_without_a_caller_is_401(server: live.LiveServer) -> None:
    reply = requests.get(f"{server.url}/v1/projects", timeout=10)
    assert reply.status_code == 401
    assert reply.json()["statusCode"] == 401
    assert requests.get(f"{server.url}/v1/health", timeout=10).status_code == 200


def test_a_reader_cannot_push(client_for: conftest.ClientFactory, project: str) -> None:
    with pytest.raises(sync_errors.ApiError) as err:
        client_for("rita", "reader").push(project, [box(1)])
    assert err.value.status == 403
    assert err.value.retry_after is None  # not a quota: do not retry


def test_an_annotator_cannot_approve(client_for: conftest.ClientFactory, project: str) -> None:
    ana = client_for("ana", "annotator")
    with pytest.raises(sync_errors.ApiError) as err:
        ana.review(project, sha(1), "approve")
    assert err.value.status == 403
    answer = ana.push(project, [status(1, "approved"), status(2, "needs_review")])
    assert answer.results[0].outcome is protocol.PushOutcome.REJECTED
    assert "reviewer" in (answer.results[0].reason or "")
    assert answer.results[1].outcome is protocol.PushOutcome.APPLIED
    assert ana.review(project, sha(1), "comment", "check the left edge").status is None


def test_a_reviewer_approves_and_the_status_follows(
    client_for: conftest.ClientFactory, project: str
) -> None:
    ana, rev = client_for("ana", "annotator"), client_for("rev", "reviewer")
    ana.push(project, [status(1, "needs_review")])
    answer = rev.review(project, sha(1), "approve")
    assert answer.review.author == "rev"
    assert answer.status is not None and answer.status.data["status"] == "approved"
    stats = rev.stats(project)
    assert stats.images_by_status["approved"] == 1
    assert stats.images_by_status["new"] == 2


def test_only_admins_change_the_schema_and_create_projects(
    client_for: conftest.ClientFactory, project: str
) -> None:
    rev = client_for("rev", "reviewer")
    with pytest.raises(sync_errors.ApiError) as err:
        rev.put_schema(project, protocol.SchemaUpdate(base_version=1))
    assert err.value.status == 403
    with pytest.raises(sync_errors.ApiError) as err:
        rev.create_project("mine")
    assert err.value.status == 403


def test_project_scope_limits_what_a_caller_sees(
    client_for: conftest.ClientFactory, project: str
) -> None:
    admin = client_for("alice", "admin")
    secret = conftest.unique("secret")
    admin.create_project(secret)
    scoped = client_for("sam", "annotator", projects=project)
    assert [p.name for p in scoped.list_projects()] == [project]
    with pytest.raises(sync_errors.ApiError) as err:
        scoped.changes(secret)
    assert err.value.status == 403
