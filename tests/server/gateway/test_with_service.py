"""The gateway in front of the real sync service, as ``labeler serve --gateway builtin`` runs it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from labeler.server import principal
from labeler.server.gateway import answers, keys
from tests.server.gateway import standin

server_app = pytest.importorskip("labeler.server.app")
server_config = pytest.importorskip("labeler.server.config")

HEADER = "Ocp-Apim-Subscription-Key"


@pytest.fixture
def service(tmp_path: Path) -> Iterator[tuple[str, str]]:
    db_url = f"sqlite:///{tmp_path / 'server.db'}"
    settings_file = tmp_path / "gateway.toml"
    settings_file.write_text("[rate_limit]\ncalls = 50\nrenewal_period = 60\n", "utf-8")
    settings = server_config.ServerSettings(
        db_url=db_url,
        blobs_dir=tmp_path / "blobs",
        gateway="builtin",
        gateway_config_path=settings_file,
    )
    app = server_app.create_app(settings)
    with standin.serve(app) as url:
        yield url, db_url


def test_service_sees_the_key_holder_as_the_caller(service: tuple[str, str]) -> None:
    url, db_url = service
    engine = sa.create_engine(db_url)
    admin = keys.create(engine, "ana", principal.Role.ADMIN)
    reader = keys.create(engine, "rui", principal.Role.READER, projects=["street-signs"])
    engine.dispose()
    with httpx.Client(base_url=url, timeout=30) as client:
        r = client.get("/v1/projects")
        assert r.status_code == 401
        assert json.loads(r.content)["message"] == answers.MISSING_KEY
        assert client.get("/v1/health").status_code == 200
        r = client.get("/v2/projects", headers={HEADER: admin.primary})
        assert (r.status_code, json.loads(r.content)["message"]) == (404, answers.NOT_FOUND)
        created = client.post(
            "/v1/projects",
            headers={HEADER: admin.primary},
            json={"name": "street-signs", "title": "Street signs"},
        )
        assert created.status_code in (200, 201), created.text
        # A reader may read but not create; the service decides that from the gateway's caller.
        listed = client.get("/v1/projects", headers={HEADER: reader.secondary})
        assert listed.status_code == 200
        assert "street-signs" in listed.text
        refused = client.post(
            "/v1/projects", headers={HEADER: reader.primary}, json={"name": "other"}
        )
        assert refused.status_code == 403
        assert refused.headers["x-request-id"]
        doc = client.get("/v1/openapi.json", headers={HEADER: reader.primary}).json()
        assert "apiKeyHeader" in doc["components"]["securitySchemes"]
        changes = doc["paths"]["/v1/projects/{project}/changes"]["get"]["responses"]
        assert {"401", "403", "404", "429"} <= set(changes)
        # Where the service documents a status itself, the gateway's headers are added to it.
        assert "Retry-After" in changes["403"]["headers"]
        assert "WWW-Authenticate" in changes["401"]["headers"]
        assert all("x-request-id" in r["headers"] for r in changes.values())
