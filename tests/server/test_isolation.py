"""What one caller can learn of another: image bytes stay in their project, Idempotency-Keys in
their subscription."""

from __future__ import annotations

import hashlib
import io
import uuid
import zipfile
from collections.abc import Callable

import pytest
import requests

from labeler.server import principal
from labeler.server.gateway import keys
from labeler.server.storage import db
from labeler.sync.wire import client as client_mod
from labeler.sync.wire import errors as sync_errors
from labeler.sync.wire import protocol
from tests.server import conftest, live
from tests.server.conftest import box


def _image(digest: str) -> protocol.ImageIn:
    return protocol.ImageIn(sha256=digest, rel_path="secret.jpg", width=64, height=48)


def test_a_project_reads_only_image_bytes_uploaded_to_it(
    server: live.LiveServer, client_for: conftest.ClientFactory
) -> None:
    secret = b"\xff\xd8 the bytes of project A " + uuid.uuid4().bytes
    digest = hashlib.sha256(secret).hexdigest()
    a_name, b_name = conftest.unique("a"), conftest.unique("b")
    owner = client_for("alice", "admin", a_name)
    owner.create_project(a_name)
    owner.upsert_images(a_name, [_image(digest)])
    assert owner.upload_blob(a_name, digest, secret).created

    # A key scoped to B registers A's hash (it is in A's exports) and tries to read the bytes.
    intruder = client_for("bob", "admin", b_name)
    intruder.create_project(b_name)
    intruder.upsert_images(b_name, [_image(digest)])
    with pytest.raises(sync_errors.ApiError) as err:
        intruder.download_blob(b_name, digest)
    assert err.value.status == 404
    assert not intruder.has_blob(b_name, digest)
    assert not intruder.list_images(b_name).images[0].blob_present
    export = requests.get(
        f"{server.url}/v1/projects/{b_name}/export",
        params={"format": "coco", "images": "copy", "statuses": "new"},
        headers=conftest.caller_headers("bob", "admin", b_name),
        timeout=30,
    )
    assert export.status_code == 409  # the export says B lacks the bytes, and copies nothing

    # Uploading the bytes proves B has them: from then on B reads its own copy.
    stored = intruder.upload_blob(b_name, digest, secret)
    assert stored.created  # new to B, although the server kept one copy all along
    assert intruder.download_blob(b_name, digest) == secret
    assert intruder.list_images(b_name).images[0].blob_present
    export = requests.get(
        f"{server.url}/v1/projects/{b_name}/export",
        params={"format": "coco", "images": "copy", "statuses": "new"},
        headers=conftest.caller_headers("bob", "admin", b_name),
        timeout=30,
    )
    assert export.status_code == 200
    with zipfile.ZipFile(io.BytesIO(export.content)) as zf:
        assert any(zf.read(n) == secret for n in zf.namelist() if n.endswith(".jpg"))
    assert owner.download_blob(a_name, digest) == secret  # A never lost anything


def test_idempotency_keys_belong_to_a_subscription_not_a_display_name(
    make_server: Callable[..., live.LiveServer],
) -> None:
    server = make_server(gateway="builtin")
    engine = db.create_engine(server.settings.db_url)
    try:
        admin = keys.create(engine, "alice", principal.Role.ADMIN)
        first = keys.create(engine, "ana", principal.Role.ANNOTATOR)
    finally:
        engine.dispose()
    with client_mod.SyncClient(server.url, key=admin.primary) as c:
        c.create_project("pets")
        c.upsert_images("pets", [conftest.image_in(1)])
        c.put_schema(
            "pets",
            protocol.SchemaUpdate(
                base_version=0,
                classes=[protocol.LabelClass(id=conftest.CAT, name="cat", color="#e6194b")],
            ),
        )
    key = str(uuid.uuid4())
    with client_mod.SyncClient(server.url, key=first.primary) as ana:
        mine = ana.push("pets", [box(1)], idempotency_key=key)
    engine = db.create_engine(server.settings.db_url)
    try:
        keys.revoke(engine, first.subscription.id)
        # Another subscription under the same name: a namesake, or ana's next key.
        second = keys.create(engine, "ana", principal.Role.ANNOTATOR)
    finally:
        engine.dispose()
    with client_mod.SyncClient(server.url, key=second.primary) as namesake:
        # The same key from another subscription is another request: neither a replay of the
        # first subscription's answer nor a 422 for a key "used for a different request".
        theirs = namesake.push("pets", [box(1, x=3.0)], idempotency_key=key)
    assert mine.results[0].outcome is protocol.PushOutcome.APPLIED
    assert theirs.results[0].outcome is protocol.PushOutcome.APPLIED
    assert theirs.results[0].revision != mine.results[0].revision


def test_behind_apim_the_forwarded_subscription_scopes_the_keys(
    server: live.LiveServer, project: str
) -> None:
    key = str(uuid.uuid4())
    answers = []
    for subscription in ("sub-one", "sub-two"):
        headers = {
            **conftest.caller_headers("ana", "annotator"),
            principal.SUBSCRIPTION_HEADER: subscription,
            "Idempotency-Key": key,
            "Content-Type": "application/json",
        }
        body = protocol.PushRequest(records=[box(1)]).model_dump_json()
        reply = requests.post(
            f"{server.url}/v1/projects/{project}/push", data=body, headers=headers, timeout=30
        )
        answers.append(reply.json())
    # Two subscriptions named "ana": two requests, each applied (not one replayed to the other).
    assert [a["results"][0]["outcome"] for a in answers] == ["applied", "applied"]
    assert answers[0]["results"][0]["revision"] != answers[1]["results"][0]["revision"]
