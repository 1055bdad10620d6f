"""Schema versions, the image manifest, image bytes and progress figures."""

from __future__ import annotations

import hashlib
import uuid

import pytest

from labeler.sync.wire import client as client_mod
from labeler.sync.wire import errors as sync_errors
from labeler.sync.wire import protocol
from tests.server import conftest
from tests.server.conftest import CAT, DOG, box, pull_all, sha, status


def test_schema_edits_are_versioned_and_stale_edits_409(
    admin: client_mod.SyncClient, project: str
) -> None:
    schema = admin.get_schema(project)
    assert schema.version == 1
    assert [c.name for c in schema.classes] == ["cat", "dog"]
    bird = uuid.uuid4()
    renamed = [
        schema.classes[0].model_copy(update={"name": "kitten"}),
        protocol.LabelClass(id=bird, name="bird", color="#4363d8", hotkey="3", order=2),
    ]
    newer = admin.put_schema(
        project,
        protocol.SchemaUpdate(base_version=1, classes=renamed, tasks=schema.tasks),
    )
    assert newer.version == 2
    assert {c.id: c.name for c in newer.classes} == {CAT: "kitten", bird: "bird"}
    with pytest.raises(sync_errors.ApiError) as err:
        admin.put_schema(project, protocol.SchemaUpdate(base_version=1, classes=renamed))
    assert err.value.status == 409

    # The edit reached the feed as records: a rename, a new class, a removed one (tombstone).
    edits = [r for r in pull_all(admin, project) if r.kind == "label_class"][2:]
    assert {(r.id, r.deleted) for r in edits} == {(CAT, False), (bird, False), (DOG, True)}
    # Annotations of the removed class are refused now; of the new one, applied.
    answer = admin.push(project, [box(1, DOG), box(1, bird)])
    assert [r.outcome for r in answer.results] == [
        protocol.PushOutcome.REJECTED,
        protocol.PushOutcome.APPLIED,
    ]


def test_duplicate_class_names_are_422(admin: client_mod.SyncClient, project: str) -> None:
    twice = [
        protocol.LabelClass(id=uuid.uuid4(), name="Cat", color="#e6194b"),
        protocol.LabelClass(id=uuid.uuid4(), name="cat", color="#e6194b"),
    ]
    with pytest.raises(sync_errors.ApiError) as err:
        admin.put_schema(project, protocol.SchemaUpdate(base_version=1, classes=twice))
    assert err.value.status == 422


def test_class_records_pushed_by_an_admin_change_the_schema(
    client_for: conftest.ClientFactory, project: str
) -> None:
    admin = client_for("alice", "admin")
    fox = uuid.uuid4()
    record = protocol.Record(
        id=fox,
        kind=protocol.RecordKind.LABEL_CLASS,
        updated_at=conftest.WHEN,
        data={"name": "fox", "color": "#f58231", "hotkey": "f", "order": 5},
    )
    with_ann = client_for("ana", "annotator").push(project, [record])
    assert with_ann.results[0].outcome is protocol.PushOutcome.REJECTED
    assert admin.push(project, [record]).results[0].outcome is protocol.PushOutcome.APPLIED
    schema = admin.get_schema(project)
    assert schema.version == 2
    assert "fox" in [c.name for c in schema.classes]


def test_manifest_pages_and_image_bytes(admin: client_mod.SyncClient, project: str) -> None:
    data = b"\xff\xd8 not really a jpeg"
    digest = hashlib.sha256(data).hexdigest()
    result = admin.upsert_images(
        project,
        [
            protocol.ImageIn(
                sha256=digest, rel_path="new/a.jpg", width=3, height=4, bytes=len(data)
            ),
            protocol.ImageIn(sha256=sha(1), rel_path="moved/img1.jpg", width=640, height=480),
        ],
    )
    assert (result.added, result.updated) == (1, 1)
    assert not admin.has_blob(project, digest)
    stored = admin.upload_blob(project, digest, data)
    assert stored.created and stored.bytes == len(data)
    assert not admin.upload_blob(project, digest, data).created
    assert admin.has_blob(project, digest)
    assert admin.download_blob(project, digest) == data

    with pytest.raises(sync_errors.ApiError) as err:
        admin.upload_blob(project, sha(2), data)  # bytes of another hash
    assert err.value.status == 422
    assert not admin.has_blob(project, sha(2))

    pages, after = [], None
    while True:
        page = admin.list_images(project, after, limit=2)
        pages.append(page.images)
        after = page.next_cursor
        if not page.has_more:
            break
    images = [i for p in pages for i in p]
    assert [len(p) for p in pages] == [2, 2]
    assert sorted(i.sha256 for i in images) == sorted([digest, sha(1), sha(2), sha(3)])
    by_sha = {i.sha256: i for i in images}
    assert by_sha[digest].blob_present and not by_sha[sha(2)].blob_present
    assert by_sha[sha(1)].rel_path == "moved/img1.jpg"


def test_stats_count_statuses_classes_and_contributors(
    client_for: conftest.ClientFactory, project: str
) -> None:
    ana, bob = client_for("ana", "annotator"), client_for("bob", "annotator")
    gone = box(1, DOG)
    ana.push(project, [box(1), box(2), status(1, "done"), gone])
    bob.push(project, [box(3, DOG), status(2, "skipped")])
    head = bob.get_project(project).head
    bob.push(project, [box(1, DOG, rid=gone.id, base=head - 2, deleted=True)])
    stats = ana.stats(project)
    assert stats.images == 3
    assert stats.images_by_status == {
        "new": 1, "in_progress": 0, "done": 1, "skipped": 1,
        "needs_review": 0, "approved": 0, "rejected": 0,
    }  # fmt: skip
    assert [(c.name, c.annotations) for c in stats.annotations_by_class] == [("cat", 2), ("dog", 1)]
    contributors = {c.author: c.changes for c in stats.contributors}
    assert contributors == {"ana": 4, "bob": 3, "alice": 2}
