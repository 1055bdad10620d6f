"""The client over real HTTP: keys through the built-in gateway, typed errors."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from pathlib import Path

import pydantic
import pytest

from labeler.server import principal
from labeler.server.gateway import keys
from labeler.server.storage import db
from labeler.sync.wire import client as client_mod
from labeler.sync.wire import errors as sync_errors
from labeler.sync.wire import protocol, reading
from tests.server import live
from tests.server.conftest import box, image_in, pull_all


def _keys(server: live.LiveServer, *people: tuple[str, principal.Role]) -> list[str]:
    engine = db.create_engine(server.settings.db_url)
    try:
        return [keys.create(engine, name, role).primary for name, role in people]
    finally:
        engine.dispose()


def test_a_subscription_key_identifies_the_author(
    make_server: Callable[..., live.LiveServer],
) -> None:
    server = make_server(gateway="builtin")
    admin_key, ana_key = _keys(
        server, ("alice", principal.Role.ADMIN), ("ana", principal.Role.ANNOTATOR)
    )
    with client_mod.SyncClient(server.url, key=admin_key) as admin:
        admin.create_project("pets")
        admin.upsert_images("pets", [image_in(1)])
    with client_mod.SyncClient(server.url, key=ana_key) as ana:
        ana.push("pets", [box(1, None)])
        assert [r.author for r in pull_all(ana, "pets")] == ["ana"]
        with pytest.raises(sync_errors.ApiError) as err:
            ana.create_project("mine")
        assert err.value.status == 403

    # Trusted headers mean nothing with the built-in gateway on: only the key counts.
    spoof = {principal.USER_HEADER: "mallory", principal.ROLES_HEADER: "admin"}
    with (
        client_mod.SyncClient(server.url, headers=spoof) as nobody,
        pytest.raises(sync_errors.ApiError) as err,
    ):
        nobody.list_projects()
    assert err.value.status == 401
    assert err.value.request_id  # quoted to whoever runs the service


def test_rate_limited_calls_say_how_long_to_wait(
    make_server: Callable[..., live.LiveServer], tmp_path: Path
) -> None:
    config = tmp_path / "gateway.toml"
    config.write_text("[rate_limit]\ncalls = 2\nrenewal_period = 60\n", encoding="utf-8")
    server = make_server(gateway="builtin", gateway_config_path=config)
    (key,) = _keys(server, ("alice", principal.Role.ADMIN))
    with client_mod.SyncClient(server.url, key=key) as c:
        c.list_projects()
        c.list_projects()
        with pytest.raises(sync_errors.ApiError) as err:
            c.list_projects()
    assert err.value.status == 429
    assert err.value.retry_after is not None and err.value.retry_after > 0


def test_an_unreachable_service_is_a_connection_failure() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with (
        client_mod.SyncClient(f"http://127.0.0.1:{port}", timeout=2) as c,
        pytest.raises(sync_errors.ConnectionFailed) as err,
    ):
        c.health()
    assert err.value.status == 0


def test_errors_carry_the_servers_message(admin: client_mod.SyncClient) -> None:
    with pytest.raises(sync_errors.ApiError) as err:
        admin.get_project("missing")
    assert err.value.status == 404
    assert err.value.message == "no project 'missing'"
    assert admin.health().status == "ok"
    assert admin.ready().database in ("sqlite", "postgresql")


def test_a_push_answer_from_an_older_server_is_read_result_by_result() -> None:
    """A conflict copy no client reads (an older server's) becomes a refusal saying why, and a
    reason quoting a lone surrogate is kept printable; the other results read as sent."""
    copy = {
        "id": "00000000-0000-4000-8000-000000000002", "kind": "annotation",
        "base_revision": None, "deleted": False, "updated_at": "2026-01-01T00:00:00Z",
        "data": {}, "revision": 3, "author": "a\x00", "server_time": "2026-01-01T00:00:00Z",
    }  # fmt: skip
    body = json.dumps(
        {
            "results": [
                {"id": copy["id"], "outcome": "conflict", "server": copy},
                {"id": "00000000-0000-4000-8000-000000000001", "outcome": "rejected",
                 "reason": "bad \ud800"},
                {"id": "00000000-0000-4000-8000-000000000003", "outcome": "applied",
                 "revision": 3},
            ],
            "head": 3,
        }
    ).encode()  # fmt: skip
    with pytest.raises(pydantic.ValidationError):
        protocol.PushResponse.model_validate_json(body)  # the strict reader refuses it whole
    results = reading.push_response(body).results
    assert [r.outcome for r in results] == ["rejected", "rejected", "applied"]
    assert "server's copy of this record cannot be read" in (results[0].reason or "")
    assert results[1].reason == "bad \\ud800"
    assert results[2].revision == 3
