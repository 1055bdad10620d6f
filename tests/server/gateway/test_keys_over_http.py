"""The subscription key matrix, over real HTTP to a loopback server behind the gateway."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
import sqlalchemy as sa

from labeler.server import principal
from labeler.server.gateway import answers, config, keys
from tests.server.gateway import standin

HEADER = "Ocp-Apim-Subscription-Key"


@pytest.fixture
def base_url(engine: sa.Engine) -> Iterator[str]:
    with standin.serve(standin.gated_app(engine, config.GatewayConfig())) as url:
        yield url


@pytest.fixture
def client(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=20) as c:
        yield c


def _apim_body(response: httpx.Response) -> dict[str, object]:
    assert response.headers["content-type"].startswith("application/json")
    body = json.loads(response.content)
    assert set(body) == {"statusCode", "message"}
    assert body["statusCode"] == response.status_code
    return body


def test_missing_key_is_refused_like_apim(client: httpx.Client, base_url: str) -> None:
    r = client.get("/v1/whoami")
    assert r.status_code == 401
    assert _apim_body(r)["message"] == answers.MISSING_KEY
    assert r.headers["www-authenticate"] == (
        f'AzureApiManagementKey realm="{base_url}",name="{HEADER}",type="header"'
    )
    assert r.headers["x-request-id"]


def test_wrong_key_is_refused(client: httpx.Client, engine: sa.Engine) -> None:
    keys.create(engine, "alice", principal.Role.ANNOTATOR)
    r = client.get("/v1/whoami", headers={HEADER: keys.new_key()})
    assert r.status_code == 401
    assert _apim_body(r)["message"] == answers.INVALID_KEY
    assert "www-authenticate" not in r.headers


def test_primary_and_secondary_both_work_in_header_and_query(
    client: httpx.Client, engine: sa.Engine
) -> None:
    made = keys.create(engine, "alice", principal.Role.REVIEWER, projects=["roofs"])
    for key in (made.primary, made.secondary):
        r = client.get("/v1/whoami", headers={HEADER: key})
        assert r.status_code == 200, r.text
        me = r.json()
        assert (me["name"], me["role"], me["projects"]) == ("alice", "reviewer", ["roofs"])
        assert me["key_id"] == made.subscription.id
        # The key is not forwarded to the service.
        assert HEADER.lower() not in me["headers"]
    r = client.get("/v1/whoami", params={"subscription-key": made.secondary, "page": "2"})
    assert r.status_code == 200
    assert r.json()["query"] == "page=2"


def test_revoked_key_is_refused(client: httpx.Client, engine: sa.Engine) -> None:
    made = keys.create(engine, "bob", principal.Role.ANNOTATOR)
    assert client.get("/v1/whoami", headers={HEADER: made.primary}).status_code == 200
    keys.revoke(engine, made.subscription.id)
    for key in (made.primary, made.secondary):
        r = client.get("/v1/whoami", headers={HEADER: key})
        assert r.status_code == 401
        assert _apim_body(r)["message"] == answers.INVALID_KEY


def test_regenerated_key_replaces_only_the_old_one(client: httpx.Client, engine: sa.Engine) -> None:
    made = keys.create(engine, "carol", principal.Role.READER)
    new_primary = keys.regenerate(engine, made.subscription.id, "primary")
    assert client.get("/v1/whoami", headers={HEADER: made.primary}).status_code == 401
    assert client.get("/v1/whoami", headers={HEADER: new_primary}).status_code == 200
    assert client.get("/v1/whoami", headers={HEADER: made.secondary}).status_code == 200


def test_key_scoped_to_another_project_is_refused(client: httpx.Client, engine: sa.Engine) -> None:
    made = keys.create(engine, "dave", principal.Role.ANNOTATOR, projects=["roofs"])
    ok = client.get("/v1/projects/roofs/items", headers={HEADER: made.primary})
    assert ok.status_code == 200
    r = client.get("/v1/projects/bridges/items", headers={HEADER: made.primary})
    assert r.status_code == 403
    assert "bridges" in str(_apim_body(r)["message"])
    assert "retry-after" not in r.headers  # no permission: not something to wait out
    everywhere = keys.create(engine, "erin", principal.Role.ANNOTATOR)
    r = client.post(
        "/v1/projects/bridges/items", headers={HEADER: everywhere.primary}, json={"name": "x"}
    )
    assert r.status_code == 200


def test_unknown_paths_and_versions_are_apim_404_before_the_key(client: httpx.Client) -> None:
    for path in ("/v2/whoami", "/v1/nothing-here", "/", "/docs", "/api/v1/whoami"):
        r = client.get(path)
        assert r.status_code == 404, path
        assert _apim_body(r)["message"] == "Resource not found"
        assert r.headers["x-request-id"]


def test_health_needs_no_key(client: httpx.Client) -> None:
    r = client.get("/v1/health")
    assert r.status_code == 200
    assert r.json() == {"ok": True}


def test_every_answer_carries_a_request_id(client: httpx.Client, engine: sa.Engine) -> None:
    made = keys.create(engine, "fay", principal.Role.ADMIN)
    r = client.get("/v1/whoami", headers={HEADER: made.primary, "x-request-id": "abc-123"})
    assert r.headers["x-request-id"] == "abc-123"
    assert r.json()["request_id"] == "abc-123"  # the service sees the same id
    r = client.get("/v1/whoami", headers={"x-request-id": "abc-124"})
    assert (r.status_code, r.headers["x-request-id"]) == (401, "abc-124")
    # An id that could forge log lines is replaced.
    r = client.get("/v1/health", headers={"x-request-id": "bad id\twith spaces"})
    assert r.headers["x-request-id"] not in ("", "bad id\twith spaces")
    r = client.get("/v1/boom", headers={HEADER: made.primary})
    assert r.status_code == 500
    assert r.headers["x-request-id"]
    ids = {client.get("/v1/health").headers["x-request-id"] for _ in range(3)}
    assert len(ids) == 3


def test_trusted_identity_headers_cannot_be_forged_through_the_gateway(
    client: httpx.Client, engine: sa.Engine
) -> None:
    made = keys.create(engine, "gus", principal.Role.READER)
    r = client.get(
        "/v1/whoami",
        headers={HEADER: made.primary, principal.USER_HEADER: "mallory"},
    )
    assert r.status_code == 200
    assert r.json()["trusted_user"] is None
    assert r.json()["name"] == "gus"


def test_gateway_failure_still_answers_with_a_request_id(
    client: httpx.Client, engine: sa.Engine
) -> None:
    made = keys.create(engine, "hal", principal.Role.READER)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE labeler_gateway_subscriptions"))
    r = client.get("/v1/whoami", headers={HEADER: made.primary, "x-request-id": "trace-9"})
    assert r.status_code == 500
    assert r.headers["x-request-id"] == "trace-9"
    assert _apim_body(r)["message"] == "Internal server error"
