"""Push and pull through real HTTP: round trip, conflicts, rejections, authorship."""

from __future__ import annotations

import uuid

import pytest
import requests

from labeler.sync.wire import client as client_mod
from labeler.sync.wire import errors as sync_errors
from labeler.sync.wire import protocol
from tests.server import conftest
from tests.server.conftest import CAT, DOG, box, pull_all, sha, status

Outcome = protocol.PushOutcome


def test_pushed_records_come_back_in_the_feed_with_revisions_and_author(
    client_for: conftest.ClientFactory, project: str
) -> None:
    ana = client_for("ana", "annotator")
    head0 = ana.get_project(project).head  # the schema's two classes are in the feed already
    records = [box(1), box(2, DOG), status(1, "done"), box(3, deleted=True)]
    answer = ana.push(project, records)
    assert [r.outcome for r in answer.results] == [Outcome.APPLIED] * 4
    assert [r.revision for r in answer.results] == [head0 + 1, head0 + 2, head0 + 3, head0 + 4]
    assert answer.head == head0 + 4

    feed = pull_all(client_for("rita", "reader"), project)
    assert [r.revision for r in feed] == list(range(1, head0 + 5))
    pushed = feed[head0:]
    assert [r.id for r in pushed] == [r.id for r in records]
    assert all(r.author == "ana" for r in pushed)
    assert pushed[0].data["geometry"] == {"x": 10.0, "y": 20.0, "w": 30.0, "h": 40.0}
    assert pushed[2].data == {"image_sha256": sha(1), "status": "done"}
    assert pushed[3].deleted  # tombstones are part of the feed


def test_feed_pages_follow_the_cursor_without_repeats(
    admin: client_mod.SyncClient, project: str
) -> None:
    admin.push(project, [box(1, x=float(i)) for i in range(25)])
    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        page = admin.changes(project, cursor, limit=10)
        seen.extend(r.revision for r in page.records)
        cursor = page.next_cursor
        pages += 1
        if not page.has_more:
            break
    assert seen == list(range(1, 28))
    assert pages == 3
    assert admin.changes(project, cursor).records == []  # nothing new: an empty page


def test_author_comes_from_the_caller_never_from_the_body(
    server: object, client_for: conftest.ClientFactory, project: str
) -> None:
    ana = client_for("ana", "annotator")
    bob = client_for("bob", "annotator")
    ana.push(project, [box(1)])
    bob.push(project, [box(2)])
    authors = [r.author for r in pull_all(ana, project) if r.kind == "annotation"]
    assert authors == ["ana", "bob"]

    body = protocol.PushRequest(records=[box(1)]).model_dump(mode="json")
    body["records"][0]["author"] = "mallory"
    reply = requests.post(
        f"{ana.base_url}/projects/{project}/push",
        json=body,
        headers=conftest.caller_headers("ana", "annotator"),
        timeout=10,
    )
    assert reply.status_code == 422
    assert reply.json()["statusCode"] == 422


def test_edit_on_a_stale_revision_is_a_conflict_carrying_the_servers_copy(
    client_for: conftest.ClientFactory, project: str
) -> None:
    ana, bob = client_for("ana", "annotator"), client_for("bob", "annotator")
    rid = uuid.uuid4()
    first = ana.push(project, [box(1, rid=rid)]).results[0]
    assert first.outcome is Outcome.APPLIED and first.revision is not None
    moved = bob.push(project, [box(1, rid=rid, base=first.revision, x=50.0)]).results[0]
    assert moved.outcome is Outcome.APPLIED

    stale = ana.push(project, [box(1, rid=rid, base=first.revision, x=99.0)]).results[0]
    assert stale.outcome is Outcome.CONFLICT
    assert stale.server is not None
    assert stale.server.revision == moved.revision
    assert stale.server.author == "bob"
    assert stale.server.data["geometry"]["x"] == 50.0

    # A "new" record whose id the server already has is a conflict too: never an overwrite.
    again = ana.push(project, [box(1, rid=rid, x=1.0)]).results[0]
    assert again.outcome is Outcome.CONFLICT
    latest = [r for r in pull_all(ana, project) if r.id == rid][-1]
    assert latest.data["geometry"]["x"] == 50.0

    # Rebased on the server's copy, the edit goes through.
    rebased = ana.push(project, [box(1, rid=rid, base=moved.revision, x=99.0)]).results[0]
    assert rebased.outcome is Outcome.APPLIED


def test_two_edits_of_one_record_in_one_batch_chain_their_revisions(
    admin: client_mod.SyncClient, project: str
) -> None:
    rid = uuid.uuid4()
    head = admin.get_project(project).head
    answer = admin.push(project, [box(1, rid=rid), box(1, rid=rid, base=head + 1, x=5.0)])
    assert [r.outcome for r in answer.results] == [Outcome.APPLIED, Outcome.APPLIED]
    answer = admin.push(project, [box(1, rid=rid, base=head + 1, x=7.0)])
    assert answer.results[0].outcome is Outcome.CONFLICT


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        (box(1, uuid.uuid4()), "not in the project's schema"),
        (
            protocol.Record(
                id=uuid.uuid4(),
                kind=protocol.RecordKind.ANNOTATION,
                updated_at=conftest.WHEN,
                data={
                    "image_sha256": sha(1),
                    "class_id": str(CAT),
                    "kind": "polygon",
                    "geometry": {"points": [[0, 0], [5, 5]]},
                },
            ),
            "at least 3 items",
        ),
        (box(1, rid=uuid.uuid4(), base=3), "not on the server"),
        (
            protocol.Record(
                id=uuid.uuid4(),
                kind=protocol.RecordKind.IMAGE_STATUS,
                updated_at=conftest.WHEN,
                data={"image_sha256": sha(1), "status": "done"},
            ),
            "has the id",
        ),
        (
            protocol.Record(
                id=uuid.uuid4(),
                kind=protocol.RecordKind.ANNOTATION,
                updated_at=conftest.WHEN,
                data={"image_sha256": "not a hash", "kind": "box"},
            ),
            "image_sha256",
        ),
    ],
    ids=["unknown-class", "polygon-2-points", "unknown-base", "status-id", "bad-data"],
)
def test_invalid_records_are_rejected_with_a_reason_and_the_rest_applied(
    admin: client_mod.SyncClient, project: str, record: protocol.Record, reason: str
) -> None:
    head = admin.get_project(project).head
    answer = admin.push(project, [box(2), record, box(3)])
    outcomes = [r.outcome for r in answer.results]
    assert outcomes == [Outcome.APPLIED, Outcome.REJECTED, Outcome.APPLIED]
    assert reason in (answer.results[1].reason or "")
    # Rejected records take no revision: the feed stays gap-free.
    assert answer.head == head + 2
    assert [r.revision for r in pull_all(admin, project)] == list(range(1, head + 3))


def test_unknown_project_is_404(admin: client_mod.SyncClient) -> None:
    with pytest.raises(sync_errors.ApiError) as err:
        admin.push("nowhere", [box(1)])
    assert err.value.status == 404
    with pytest.raises(sync_errors.ApiError) as err:
        admin.changes("nowhere")
    assert err.value.status == 404
