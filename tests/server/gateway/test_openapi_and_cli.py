"""The gateway in the OpenAPI description, and the ``labeler keys`` command."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from labeler.server import principal
from labeler.server.gateway import cli, config, keys, schema
from tests.server.gateway import standin
from tests.server.gateway.conftest import Database


def test_openapi_describes_keys_and_gateway_answers(engine: sa.Engine) -> None:
    cfg = config.from_mapping(
        {
            "jwt": {
                "enabled": True,
                "issuer": "https://i",
                "audience": "a",
                "jwks_url": "https://i/keys",
            }
        },
        "<test>",
    )
    app = standin.gated_app(engine, cfg)
    doc = app.openapi()
    schemes = doc["components"]["securitySchemes"]
    assert schemes["apiKeyHeader"] == {
        "type": "apiKey",
        "in": "header",
        "name": "Ocp-Apim-Subscription-Key",
        "description": schemes["apiKeyHeader"]["description"],
    }
    assert (schemes["apiKeyQuery"]["in"], schemes["apiKeyQuery"]["name"]) == (
        "query",
        "subscription-key",
    )
    assert schemes["bearerAuth"]["scheme"] == "bearer"
    assert {"apiKeyHeader": [], "bearerAuth": []} in doc["security"]
    error = doc["components"]["schemas"]["GatewayError"]
    assert set(error["required"]) == {"statusCode", "message"}
    operations = [(path, op) for path, item in doc["paths"].items() for op in item.values()]
    assert len(operations) >= 5
    for path, op in operations:
        responses = op["responses"]
        for response in responses.values():
            assert "x-request-id" in response["headers"]
        if path == "/v1/health":
            assert op["security"] == []
            continue
        assert {"401", "403", "404", "429"} <= set(responses), path
        assert "Retry-After" in responses["429"]["headers"]
        assert "Retry-After" in responses["403"]["headers"]
        assert responses["401"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/GatewayError"
        }
    # The service's own answers stay as they were.
    assert "200" in doc["paths"]["/v1/whoami"]["get"]["responses"]
    assert app.openapi() is doc


def test_openapi_document_is_served_only_when_opened(database: Database) -> None:
    engine = database.engine()
    cfg = config.from_mapping({"open_paths": ["/v1/health", "/openapi.json"]}, "<test>")
    with standin.serve(standin.gated_app(engine, cfg)) as url:
        r = httpx.get(f"{url}/openapi.json", timeout=20)
    engine.dispose()
    assert r.status_code == 200
    assert "apiKeyHeader" in r.json()["components"]["securitySchemes"]


def test_keys_command_round_trip(database: Database, capsys: pytest.CaptureFixture[str]) -> None:
    db = ["--db", database.url]
    assert (
        cli.main(["create", "--name", "Ada", "--role", "reviewer", "--projects", "a,b", *db]) == 0
    )
    out = capsys.readouterr().out
    primary = out.split("Primary key:")[1].split()[0]
    secondary = out.split("Secondary key:")[1].split()[0]
    assert len(primary) == 32 and primary != secondary

    assert (
        cli.main(["create", "--name", "Nightly", "--role", "annotator", "--team", "--json", *db])
        == 0
    )
    team = json.loads(capsys.readouterr().out)
    assert team["team"] is True and team["projects"] is None and len(team["primary"]) == 32

    assert cli.main(["list", "--json", *db]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [s["name"] for s in listed] == ["Ada", "Nightly"]
    assert listed[0]["projects"] == ["a", "b"]
    assert cli.main(["list", *db]) == 0
    text = capsys.readouterr().out
    assert "Ada" in text and primary not in text and secondary not in text

    engine = database.engine()
    sub_id = listed[0]["id"]
    assert cli.main(["regenerate", sub_id, "--which", "secondary", *db]) == 0
    new_secondary = capsys.readouterr().out.split(":")[-1].split()[0]
    with engine.connect() as conn:
        assert keys.lookup(conn, secondary) is None
        found = keys.lookup(conn, new_secondary)
        assert found is not None and found.id == sub_id
    assert cli.main(["revoke", sub_id, *db]) == 0
    assert not keys.get(engine, sub_id).active
    capsys.readouterr()
    assert cli.main(["regenerate", sub_id, "--which", "primary", *db]) == 1
    assert "revoked" in capsys.readouterr().err
    engine.dispose()

    assert cli.main(["revoke", "no-such-id", *db]) == 1
    assert "no subscription with id no-such-id" in capsys.readouterr().err
    assert cli.main(["create", "--name", "x", "--role", "boss", *db]) == 2
    assert "invalid choice: 'boss'" in capsys.readouterr().err
    assert cli.main(["--help"]) == 0
    assert "create" in capsys.readouterr().out


def test_keys_command_uses_the_default_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("LABELER_SERVER_DB", raising=False)
    monkeypatch.setenv("LABELER_DATA_DIR", str(tmp_path))
    assert cli.main(["create", "--name", "Ada", "--role", "reader"]) == 0
    capsys.readouterr()
    assert cli.main(["list", "--json"]) == 0
    assert [s["name"] for s in json.loads(capsys.readouterr().out)] == ["Ada"]
    assert (tmp_path / "server.db").exists()


def test_one_active_subscription_per_name(engine: sa.Engine) -> None:
    first = keys.create(engine, "Ada", principal.Role.READER)
    with pytest.raises(keys.DuplicateSubscription, match="already has an active subscription"):
        keys.create(engine, "Ada", principal.Role.ADMIN)
    keys.revoke(engine, first.subscription.id)
    again = keys.create(engine, "Ada", principal.Role.ADMIN)
    assert again.subscription.role is principal.Role.ADMIN
    assert [s.active for s in keys.list_all(engine)] == [False, True]


def test_gateway_tables_keep_their_own_migration_history(engine: sa.Engine) -> None:
    schema.upgrade(engine)  # a second upgrade changes nothing
    with engine.connect() as conn:
        versions = conn.execute(sa.text(f"SELECT version_num FROM {schema.VERSION_TABLE}")).all()
        names = set(sa.inspect(conn).get_table_names())
    assert [v[0] for v in versions] == ["gw0001"]
    assert "alembic_version" not in names  # the service's history is left alone
    assert {"labeler_gateway_subscriptions", "labeler_gateway_counters"} <= names
