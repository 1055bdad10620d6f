"""Retried pushes apply once; cursors the feed can no longer serve answer 410."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import requests

from labeler.server.storage import db, records
from labeler.sync.wire import client as client_mod
from labeler.sync.wire import errors as sync_errors
from labeler.sync.wire import protocol
from tests.server import conftest, live
from tests.server.conftest import box, pull_all


def test_a_retried_batch_with_the_same_key_is_applied_once(
    admin: client_mod.SyncClient, project: str
) -> None:
    batch = [box(1), box(2)]
    key = str(uuid.uuid4())
    first = admin.push(project, batch, idempotency_key=key)
    again = admin.push(project, batch, idempotency_key=key)
    assert again == first  # the stored answer, revisions included
    feed = pull_all(admin, project)
    assert [r.id for r in feed].count(batch[0].id) == 1
    assert admin.get_project(project).head == first.head


def test_the_same_key_with_another_body_is_422_and_changes_nothing(
    admin: client_mod.SyncClient, project: str
) -> None:
    key = str(uuid.uuid4())
    admin.push(project, [box(1)], idempotency_key=key)
    head = admin.get_project(project).head
    with pytest.raises(sync_errors.ApiError) as err:
        admin.push(project, [box(2)], idempotency_key=key)
    assert err.value.status == 422
    assert "Idempotency-Key" in err.value.message
    assert admin.get_project(project).head == head


def test_expired_keys_are_forgotten(
    server: live.LiveServer, admin: client_mod.SyncClient, project: str
) -> None:
    key = str(uuid.uuid4())
    admin.push(project, [box(1)], idempotency_key=key)
    engine = db.create_engine(server.settings.db_url)
    try:
        later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)
        assert records.expire_keys(engine, later) >= 1
    finally:
        engine.dispose()
    answer = admin.push(project, [box(2)], idempotency_key=key)  # a new batch now, not a 422
    assert answer.results[0].outcome is protocol.PushOutcome.APPLIED


def test_keys_belong_to_their_caller(client_for: conftest.ClientFactory, project: str) -> None:
    ana, bob = client_for("ana", "annotator"), client_for("bob", "annotator")
    key = str(uuid.uuid4())
    a = ana.push(project, [box(1)], idempotency_key=key)
    b = bob.push(project, [box(2)], idempotency_key=key)
    assert b.head == a.head + 1


def test_a_cursor_older_than_the_retention_horizon_is_gone(
    server: live.LiveServer, admin: client_mod.SyncClient, project: str
) -> None:
    old = admin.changes(project).next_cursor
    rid = box(1).id
    first = admin.push(project, [box(1, rid=rid)]).results[0].revision
    admin.push(project, [box(1, rid=rid, base=first, x=3.0)])
    engine = db.create_engine(server.settings.db_url)
    try:
        removed = records.compact(engine, project, below=admin.get_project(project).head)
    finally:
        engine.dispose()
    assert removed == 1  # the superseded version of the box
    with pytest.raises(sync_errors.ApiError) as err:
        admin.changes(project, old)
    assert err.value.status == 410
    # A full resync (no cursor) still has the newest version of everything.
    latest = [r for r in pull_all(admin, project) if r.id == rid]
    assert [r.data["geometry"]["x"] for r in latest] == [3.0]


def test_cursors_of_another_epoch_project_or_shape_are_refused(
    admin: client_mod.SyncClient, project: str
) -> None:
    other = conftest.unique("other")
    admin.create_project(other)
    with pytest.raises(sync_errors.ApiError) as err:
        admin.changes(project, records.encode_cursor(project, 0, "a-previous-life"))
    assert err.value.status == 410
    with pytest.raises(sync_errors.ApiError) as err:
        admin.changes(project, admin.changes(other).next_cursor)
    assert err.value.status == 422
    with pytest.raises(sync_errors.ApiError) as err:
        admin.changes(project, "not-a-cursor")
    assert err.value.status == 422


def test_a_poller_asking_to_restart_reads_from_the_start_instead_of_410(
    server: live.LiveServer, admin: client_mod.SyncClient, project: str
) -> None:
    stale = records.encode_cursor(project, 0, "a-previous-life")
    reply = requests.get(
        f"{server.url}/v1/projects/{project}/changes",
        params={"cursor": stale, "on_stale_cursor": "restart"},
        headers=conftest.caller_headers("alice", "admin"),
        timeout=30,
    )
    assert reply.status_code == 200
    page = protocol.ChangePage.model_validate_json(reply.content)
    assert [r.revision for r in page.records] == [r.revision for r in pull_all(admin, project)]
    plain = requests.get(
        f"{server.url}/v1/projects/{project}/changes",
        params={"cursor": stale},
        headers=conftest.caller_headers("alice", "admin"),
        timeout=30,
    )
    assert plain.status_code == 410  # the sync client's own resync stays as it was
