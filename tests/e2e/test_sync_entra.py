"""Syncing through a gateway that wants Entra ID tokens as well as keys.

Entra ID itself is out of reach: a locally made RSA key and its JWKS file stand in for it on the
server's side, and a token source minting from that key (or MSAL with a stand-in application
object) on the client's side. Everything between them is real: the gateway, HTTP, the engine.
"""

from __future__ import annotations

import json
import os
import stat
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from labeler.services import annotate, sync
from labeler.sync.wire import entra
from tests.e2e.conftest import Service, WorkstationFactory, running_service
from tests.server.gateway.test_tokens import AUDIENCE, ISSUER, Authority


@pytest.fixture(scope="module")
def authority() -> Authority:
    return Authority()


@pytest.fixture
def service(tmp_path: Path, authority: Authority) -> Iterator[Service]:
    """The team's service with Entra ID token validation on (overrides the plain one)."""
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps(authority.jwks()), encoding="utf-8")
    jwt = f"[jwt]\nenabled = true\nissuer = '{ISSUER}'\naudience = '{AUDIENCE}'\njwks_file = '{jwks}'\n"
    with running_service(tmp_path, gateway_extra=jwt) as svc:
        yield svc


class MintedTokens:
    """A token source standing in for MSAL: the first token it gives has expired already (as a
    cached one does after a laptop slept), later ones are fresh."""

    def __init__(self, authority: Authority, who: str) -> None:
        self.authority = authority
        self.who = who
        self.asked: list[bool] = []

    def token(self, *, refresh: bool = False) -> str:
        self.asked.append(refresh)
        expired = len(self.asked) == 1
        exp = (-60 if expired else 600) + int(time.time())
        return self.authority.token(preferred_username=self.who, roles=["Labeler.Admin"], exp=exp)


def test_labels_carry_the_signed_in_person_and_an_expired_token_is_renewed(
    workstation: WorkstationFactory, authority: Authority
) -> None:
    ana, ben = workstation("ana"), workstation("ben")
    tokens = MintedTokens(authority, "ana@contoso.example")
    box = ana.draw(1, "cat", 3.0)
    ana.link(token_source=tokens)
    assert tokens.asked[:2] == [False, True]  # refused once, renewed once, then fine
    assert all(not refresh for refresh in tokens.asked[2:])
    ben.link(token_source=MintedTokens(authority, "ben@contoso.example"))
    assert box in ben.labels()
    # The server stamps the change with whom the token names, not what the client claims.
    [found] = annotate.get_annotations(ben.project, [box])
    assert found.author == "ana@contoso.example"


def test_without_a_token_the_gateway_refuses_and_sync_says_why(
    workstation: WorkstationFactory,
) -> None:
    ana = workstation("ana")
    with pytest.raises(sync.ConfigurationError, match="401"):
        ana.link()


class StandInEntra:
    """What the client needs of an MSAL PublicClientApplication, scripted."""

    def __init__(
        self,
        accounts: list[dict[str, str]] | None = None,
        silent: dict[str, Any] | None = None,
        interactive: dict[str, Any] | Exception | None = None,
        device: dict[str, Any] | None = None,
    ) -> None:
        self.accounts = accounts or []
        self.silent = silent
        self.interactive = interactive
        self.device = device or {"access_token": "from-device-code"}
        self.calls: list[tuple[str, Any]] = []

    def get_accounts(self) -> list[dict[str, str]]:
        return self.accounts

    def acquire_token_silent(self, scopes: list[str], account: Any, force_refresh: bool) -> Any:
        self.calls.append(("silent", force_refresh))
        return self.silent

    def acquire_token_interactive(self, scopes: list[str], prompt: str) -> dict[str, Any]:
        self.calls.append(("interactive", prompt))
        if isinstance(self.interactive, Exception):
            raise self.interactive
        return self.interactive or {"error": "access_denied"}

    def initiate_device_flow(self, scopes: list[str]) -> dict[str, Any]:
        self.calls.append(("device", scopes))
        return {
            "user_code": "ABCD-1234",
            "message": "To sign in, open the page and enter ABCD-1234",
        }

    def acquire_token_by_device_flow(self, flow: dict[str, Any]) -> dict[str, Any]:
        return self.device


SETTINGS = entra.EntraSettings("client-id", ("api://labeler/.default",), "contoso.example")


def test_a_cached_sign_in_is_used_silently_and_refreshed_on_demand() -> None:
    app = StandInEntra(accounts=[{"username": "ana"}], silent={"access_token": "cached"})
    source = entra.MsalTokenSource(SETTINGS, app=app, interactive=True, prompt=print)
    assert source.token() == "cached"
    assert source.token(refresh=True) == "cached"
    assert app.calls == [("silent", False), ("silent", True)]  # never a browser or a code


def test_without_a_browser_the_device_code_is_shown(capsys: Any) -> None:
    shown: list[str] = []
    app = StandInEntra(interactive=RuntimeError("Found no browser in current environment"))
    source = entra.MsalTokenSource(SETTINGS, app=app, interactive=True, prompt=shown.append)
    assert source.token() == "from-device-code"
    assert [c[0] for c in app.calls] == ["interactive", "device"]
    assert shown == ["To sign in, open the page and enter ABCD-1234"]


def test_a_failed_sign_in_says_what_entra_said() -> None:
    app = StandInEntra(device={"error": "expired_token", "error_description": "code expired"})
    source = entra.MsalTokenSource(SETTINGS, app=app, interactive=False, prompt=lambda _m: None)
    with pytest.raises(entra.SignInError, match="code expired"):
        source.token()
    assert isinstance(entra.SignInError("x"), sync.ConfigurationError)  # sync stops, not retries


def test_settings_come_from_the_environment() -> None:
    assert entra.EntraSettings.from_env({}) is None
    found = entra.EntraSettings.from_env(
        {entra.ENV_CLIENT_ID: "abc", entra.ENV_SCOPES: "api://x/.default api://y/a"}
    )
    assert found == entra.EntraSettings("abc", ("api://x/.default", "api://y/a"), "organizations")
    with pytest.raises(entra.SignInError, match=entra.ENV_SCOPES):
        entra.EntraSettings.from_env({entra.ENV_CLIENT_ID: "abc"})


def test_without_os_encryption_the_token_cache_is_readable_by_its_owner_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import msal_extensions

    def no_encryption(_path: str) -> Any:
        raise ImportError("no libsecret")

    monkeypatch.setattr(msal_extensions, "build_encrypted_persistence", no_encryption)
    notices: list[str] = []
    path = tmp_path / "cache" / "entra.bin"
    cache = entra.persisted_cache(path, notices.append)
    cache.add({"client_id": "c", "scope": ["s"], "token_endpoint": "https://l/t",
               "response": {"access_token": "at", "expires_in": 3600, "token_type": "Bearer"}})  # fmt: skip
    assert path.exists() and stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert "readable by you only" in notices[0]
    assert "at" in path.read_text(encoding="utf-8")  # persisted, so the next run signs in silently


def test_making_a_token_source_reaches_neither_entra_nor_the_keyring(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The app makes its token source on the GUI thread: MSAL (which looks the authority up
    over the network) and the token cache (the OS keyring) wait for the first token, which
    the sync worker asks for."""
    import msal

    made: list[Any] = []

    class RecordingApp(StandInEntra):
        def __init__(self, client_id: str, authority: str, token_cache: Any) -> None:
            super().__init__(accounts=[{"username": "ana"}], silent={"access_token": "t"})
            made.append((client_id, authority, token_cache))

    monkeypatch.setattr(msal, "PublicClientApplication", RecordingApp)
    caches: list[str] = []
    source = entra.MsalTokenSource(
        SETTINGS, cache=lambda: caches.append("made") or "the cache", interactive=False
    )
    assert made == [] and caches == []
    assert source.token() == "t" and source.token() == "t"
    assert made == [("client-id", SETTINGS.authority, "the cache")] and caches == ["made"]


def test_an_unreachable_entra_is_offline_not_a_crash(workstation: WorkstationFactory) -> None:
    class Unreachable:
        def token(self, *, refresh: bool = False) -> str:
            raise requests.ConnectionError("login.microsoftonline.com: Name or service not known")

    ana = workstation("ana")
    with pytest.raises(sync.OfflineError, match="Entra ID sign-in cannot be reached"):
        ana.link(token_source=Unreachable())
    assert len(ana.waits.waits) == 2  # retried like the service not answering
