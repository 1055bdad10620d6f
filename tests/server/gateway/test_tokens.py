"""Entra ID token validation, with locally made RSA keys and a JWKS file or URL standing in for Entra."""

from __future__ import annotations

import http.server
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric import rsa

from labeler.server import principal
from labeler.server.gateway import answers, config, keys, schema, tokens
from tests.server.gateway import standin

HEADER = "Ocp-Apim-Subscription-Key"
ISSUER = "https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/v2.0"
AUDIENCE = "api://labeler"


class Authority:
    """A fake Entra ID: an RSA signing key, its JWKS, and a token minter."""

    def __init__(self, kid: str = "key-1") -> None:
        self.kid = kid
        self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def jwks(self) -> dict[str, Any]:
        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.private.public_key()))
        return {"keys": [{**public, "kid": self.kid, "use": "sig", "alg": "RS256"}]}

    def token(self, **overrides: Any) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "iat": now,
            "nbf": now,
            "exp": now + 600,
            "preferred_username": "alice@contoso.example",
            "roles": ["Labeler.Reviewer"],
        }
        claims.update(overrides)
        claims = {k: v for k, v in claims.items() if v is not None}
        return jwt.encode(claims, self.private, algorithm="RS256", headers={"kid": self.kid})


@pytest.fixture(scope="module")
def authority() -> Authority:
    return Authority()


@pytest.fixture
def jwks_file(tmp_path: Path, authority: Authority) -> Path:
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(authority.jwks()), encoding="utf-8")
    return path


def _jwt_config(**jwt_settings: Any) -> config.GatewayConfig:
    raw = {"jwt": {"enabled": True, "issuer": ISSUER, "audience": AUDIENCE, **jwt_settings}}
    return config.from_mapping(raw, "<test>")


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[sa.Engine]:
    """Tokens do not touch the database beyond the key: SQLite is enough here."""
    eng = sa.create_engine(f"sqlite:///{tmp_path / 'server.db'}")
    schema.upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def client(engine: sa.Engine, jwks_file: Path) -> Iterator[httpx.Client]:
    app = standin.gated_app(engine, _jwt_config(jwks_file=str(jwks_file)))
    with standin.serve(app) as url, httpx.Client(base_url=url, timeout=20) as c:
        yield c


def _call(client: httpx.Client, key: str, token: str | None) -> httpx.Response:
    headers = {HEADER: key}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return client.get("/v1/whoami", headers=headers)


def _assert_invalid_jwt(response: httpx.Response) -> None:
    assert response.status_code == 401
    assert json.loads(response.content) == {"statusCode": 401, "message": answers.INVALID_JWT}
    assert response.headers["x-request-id"]


def test_valid_token_names_the_person_and_caps_the_role_by_the_key(
    client: httpx.Client, engine: sa.Engine, authority: Authority
) -> None:
    team = keys.create(engine, "qa-team", principal.Role.ANNOTATOR, projects=["roofs"], team=True)
    r = _call(client, team.primary, authority.token())
    assert r.status_code == 200, r.text
    me = r.json()
    # The token says who; the key's role (annotator) caps the token's (reviewer); scope stays.
    assert (me["name"], me["role"], me["projects"]) == (
        "alice@contoso.example",
        "annotator",
        ["roofs"],
    )
    admin = keys.create(engine, "alice", principal.Role.ADMIN)
    r = _call(client, admin.primary, authority.token(roles=["Labeler.Reader", "Labeler.Reviewer"]))
    assert r.json()["role"] == "reviewer"


def test_key_is_still_required_with_a_valid_token(
    client: httpx.Client, authority: Authority
) -> None:
    r = client.get("/v1/whoami", headers={"Authorization": f"Bearer {authority.token()}"})
    assert r.status_code == 401
    assert json.loads(r.content)["message"] == answers.MISSING_KEY


@pytest.mark.parametrize(
    "claims",
    [
        pytest.param({"exp": int(time.time()) - 3600, "nbf": None, "iat": None}, id="expired"),
        pytest.param({"aud": "api://someone-else"}, id="wrong-audience"),
        pytest.param({"iss": "https://login.microsoftonline.com/other/v2.0"}, id="wrong-issuer"),
        pytest.param({"roles": ["Other.Role"]}, id="missing-role"),
        pytest.param({"roles": None}, id="no-roles-claim"),
    ],
)
def test_bad_tokens_are_refused(
    client: httpx.Client, engine: sa.Engine, authority: Authority, claims: dict[str, Any]
) -> None:
    made = keys.create(engine, "alice", principal.Role.ADMIN)
    _assert_invalid_jwt(_call(client, made.primary, authority.token(**claims)))


def test_missing_forged_or_garbled_tokens_are_refused(
    client: httpx.Client, engine: sa.Engine, authority: Authority
) -> None:
    made = keys.create(engine, "alice", principal.Role.ADMIN)
    missing = _call(client, made.primary, None)
    # A missing token is named as missing (a wrong one is "Invalid JWT.", as APIM says).
    assert missing.status_code == 401
    assert json.loads(missing.content) == {"statusCode": 401, "message": answers.MISSING_JWT}
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")
    _assert_invalid_jwt(_call(client, made.primary, "not-a-jwt"))
    stranger = Authority(kid=authority.kid)  # same key id, different key: a forgery
    _assert_invalid_jwt(_call(client, made.primary, stranger.token()))
    r = client.get(
        "/v1/whoami", headers={HEADER: made.primary, "Authorization": f"Basic {authority.token()}"}
    )
    _assert_invalid_jwt(r)


def test_rotated_signing_keys_are_picked_up_from_the_file(
    client: httpx.Client, engine: sa.Engine, jwks_file: Path
) -> None:
    made = keys.create(engine, "alice", principal.Role.ADMIN)
    rotated = Authority(kid="key-2")
    _assert_invalid_jwt(_call(client, made.primary, rotated.token()))
    jwks_file.write_text(json.dumps(rotated.jwks()) + "\n", encoding="utf-8")
    assert _call(client, made.primary, rotated.token()).status_code == 200


class _JwksHandler(http.server.BaseHTTPRequestHandler):
    body = b"{}"
    hits = 0

    def do_GET(self) -> None:
        type(self).hits += 1
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_keys_from_a_jwks_url_are_fetched_once_and_cached(authority: Authority) -> None:
    handler = type("Handler", (_JwksHandler,), {"body": json.dumps(authority.jwks()).encode()})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        cfg = _jwt_config(jwks_url=f"http://{host}:{port}/discovery/v2.0/keys")
        validator = tokens.Validator(cfg.jwt)
        for _ in range(3):
            who = validator.validate(f"Bearer {authority.token()}")
            assert (who.name, who.role) == ("alice@contoso.example", principal.Role.REVIEWER)
        assert handler.hits == 1
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
