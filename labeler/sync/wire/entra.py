"""Entra ID sign-in for a sync service behind API Management that asks for tokens.

MSAL does the protocol: a silent token from the cache (refreshed by MSAL when it expires) first;
else an interactive browser sign-in where a browser can be opened; else the device-code flow
(a code to type at https://microsoft.com/devicelogin, on any device). The token cache holds
refresh tokens, so it is kept by msal-extensions: encrypted by the operating system (Keychain,
DPAPI, libsecret) where it can be, else a file only its owner may read, and the user is told.

Settings come from the caller or from ``LABELER_ENTRA_CLIENT_ID`` (the app registration of the
desktop client), ``LABELER_ENTRA_TENANT`` (a tenant id or domain; default ``organizations``) and
``LABELER_ENTRA_SCOPES`` (space-separated, e.g. ``api://labeler/.default``).
"""

from __future__ import annotations

import dataclasses
import os
import sys
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol

from labeler.sync.wire import errors as sync_errors

ENV_CLIENT_ID = "LABELER_ENTRA_CLIENT_ID"
ENV_TENANT = "LABELER_ENTRA_TENANT"
ENV_SCOPES = "LABELER_ENTRA_SCOPES"


class SignInError(sync_errors.ConfigurationError):
    """No token could be had; the message says why (Entra's own description when it gave one).
    Like a refused key, retrying will not help: sync waits for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message, 401, None)


class TokenSource(Protocol):
    """Gives the access token to send; ``refresh`` asks for a new one (the last was refused)."""

    def token(self, *, refresh: bool = False) -> str: ...


@dataclasses.dataclass(frozen=True, slots=True)
class EntraSettings:
    client_id: str
    scopes: tuple[str, ...]
    tenant: str = "organizations"

    @property
    def authority(self) -> str:
        return f"https://login.microsoftonline.com/{self.tenant}"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> EntraSettings | None:
        """The settings in the environment, or None when no client id is set.

        Raises:
            SignInError: a client id without scopes.
        """
        env = os.environ if env is None else env
        client_id = env.get(ENV_CLIENT_ID, "").strip()
        if not client_id:
            return None
        scopes = tuple(env.get(ENV_SCOPES, "").split())
        if not scopes:
            raise SignInError(f"{ENV_CLIENT_ID} is set but {ENV_SCOPES} is not (the API's scope)")
        return cls(client_id, scopes, env.get(ENV_TENANT, "").strip() or "organizations")


def can_open_browser() -> bool:
    """A browser sign-in needs a desktop; over SSH or in a container, device code it is."""
    desktop = bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return desktop or not sys.platform.startswith("linux")


def persisted_cache(path: Path, notice: Callable[[str], None]) -> Any:
    """An MSAL token cache kept at ``path``: encrypted where the OS offers it, else a file
    readable by its owner only (and ``notice`` says so)."""
    import msal_extensions

    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        persistence = msal_extensions.build_encrypted_persistence(str(path))
    except Exception as exc:  # no Keychain, DPAPI or libsecret here: each raises its own error
        notice(
            f"no encrypted storage for sign-in tokens here ({type(exc).__name__}); they are kept "
            f"in {path}, readable by you only"
        )
        persistence = msal_extensions.FilePersistence(str(path))
        if not path.exists():
            path.touch(mode=0o600)
        os.chmod(path, 0o600)
    return msal_extensions.PersistedTokenCache(persistence)


class MsalTokenSource:
    """Tokens for the sync service from Entra ID, through MSAL.

    MSAL's application (which looks the authority up over the network) and the token cache
    (which may ask the OS keyring) are made on the first :meth:`token` call, on the thread that
    syncs: building a token source never blocks the caller, the app's GUI thread included.

    Args:
        settings: the client's app registration and the API's scopes.
        cache: makes the MSAL token cache (:func:`persisted_cache` bound to a path), or None for
            a cache of this process only.
        prompt: shows the device-code instructions (the CLI prints them; the app shows them).
        interactive: try a browser sign-in before the device code (default: when a desktop is
            there).
        app: an MSAL ``PublicClientApplication`` (made from ``settings`` when None; tests give
            one standing in for Entra ID).
    """

    def __init__(
        self,
        settings: EntraSettings,
        *,
        cache: Callable[[], Any] | None = None,
        prompt: Callable[[str], None] = print,
        interactive: bool | None = None,
        app: Any = None,
    ) -> None:
        self.settings = settings
        self.prompt = prompt
        self.interactive = can_open_browser() if interactive is None else interactive
        self._cache = cache
        self._app = app
        self._lock = threading.Lock()

    @property
    def app(self) -> Any:
        with self._lock:
            if self._app is None:
                import msal

                self._app = msal.PublicClientApplication(
                    self.settings.client_id,
                    authority=self.settings.authority,
                    token_cache=self._cache() if self._cache is not None else None,
                )
            return self._app

    def token(self, *, refresh: bool = False) -> str:
        scopes = list(self.settings.scopes)
        result: dict[str, Any] | None = None
        accounts = self.app.get_accounts()
        if accounts:
            # MSAL answers from its cache, or trades the refresh token for a new access token.
            result = self.app.acquire_token_silent(
                scopes, account=accounts[0], force_refresh=refresh
            )
        if not result or "access_token" not in result:
            result = self._sign_in(scopes)
        if "access_token" not in result:
            what = result.get("error_description") or result.get("error") or "no token"
            raise SignInError(f"Entra ID sign-in failed: {what}")
        return str(result["access_token"])

    def _sign_in(self, scopes: list[str]) -> dict[str, Any]:
        if self.interactive:
            try:
                result: dict[str, Any] = self.app.acquire_token_interactive(
                    scopes, prompt="select_account"
                )
                if "access_token" in result:
                    return result
            except Exception:  # no usable browser after all (MSAL raises RuntimeError)
                pass
        flow = self.app.initiate_device_flow(scopes=scopes)
        if "user_code" not in flow:
            what = flow.get("error_description") or flow.get("error") or "no device code"
            raise SignInError(f"Entra ID sign-in could not start: {what}")
        self.prompt(str(flow["message"]))
        answer: dict[str, Any] = self.app.acquire_token_by_device_flow(flow)
        return answer
