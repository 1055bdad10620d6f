"""Bearer token validation for Entra ID (or any OpenID provider), like APIM's ``validate-jwt``.

How a token and a key combine: the subscription key is always required (it is what the limits
count against); with JWT validation on, a valid token is required as well. The token then says
*who* is calling (its name claim becomes the author) and its app roles say *what* they may do,
capped by the key's own role; the key's project scope still applies.

Roles: the ``roles`` claim (Entra app roles) is mapped through ``role_map`` (by default
``Labeler.Reader``/``Annotator``/``Reviewer``/``Admin``); the highest mapped role wins. A token
with none of ``required_roles`` is refused like any invalid token.
"""

from __future__ import annotations

import dataclasses
import json
import os
import pathlib
import threading
from typing import Any

import jwt

from labeler.server import principal
from labeler.server.gateway import config
from labeler.sync.wire import fields


class TokenError(Exception):
    """The token is missing, malformed, unsigned by a known key, expired or lacks a role."""


@dataclasses.dataclass(frozen=True, slots=True)
class TokenIdentity:
    """Who a valid token names, and the highest labeler role its claims map to (if any)."""

    name: str
    role: principal.Role | None


class _FileKeys:
    """A JWKS file, re-read when it changes (keys are rotated by replacing the file)."""

    def __init__(self, path: pathlib.Path) -> None:
        self.path = path
        self._stamp: tuple[int, int] | None = None
        self._keys: jwt.PyJWKSet | None = None
        self._lock = threading.Lock()

    def keys(self) -> jwt.PyJWKSet:
        with self._lock:
            try:
                st = os.stat(self.path)
            except OSError as exc:
                raise TokenError(f"signing keys unavailable: {exc.strerror}") from exc
            stamp = (st.st_mtime_ns, st.st_size)
            if self._keys is None or stamp != self._stamp:
                try:
                    data = json.loads(self.path.read_text(encoding="utf-8"))
                    self._keys = jwt.PyJWKSet.from_dict(data)
                except (OSError, ValueError, jwt.PyJWTError) as exc:
                    raise TokenError(f"signing keys unreadable: {exc}") from exc
                self._stamp = stamp
            return self._keys


class Validator:
    """Checks ``Authorization: Bearer`` tokens against one issuer's signing keys."""

    def __init__(self, cfg: config.JwtConfig) -> None:
        self.cfg = cfg
        self._file = _FileKeys(cfg.jwks_file) if cfg.jwks_file else None
        self._client = (
            jwt.PyJWKClient(
                cfg.jwks_url,
                cache_jwk_set=True,
                lifespan=max(1, cfg.jwks_cache_seconds),
                timeout=10,
            )
            if cfg.jwks_url
            else None
        )

    def _signing_key(self, token: str) -> Any:
        if self._client is not None:
            try:
                return self._client.get_signing_key_from_jwt(token).key
            except jwt.PyJWTError as exc:
                raise TokenError(str(exc)) from exc
        assert self._file is not None
        keyset = self._file.keys()
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.PyJWTError as exc:
            raise TokenError(str(exc)) from exc
        for key in keyset.keys:
            if kid is None or key.key_id == kid:
                return key.key
        raise TokenError(f"no signing key with id {kid!r}")

    def validate(self, authorization: str | None) -> TokenIdentity:
        """The caller named by an ``Authorization`` header value.

        Raises:
            TokenError: for anything but a valid bearer token carrying a required role.
        """
        if not authorization:
            raise TokenError("no bearer token")
        scheme, _, token = authorization.strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise TokenError("not a bearer token")
        key = self._signing_key(token)
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key,
                algorithms=list(self.cfg.algorithms),
                audience=list(self.cfg.audience),
                issuer=list(self.cfg.issuer),
                leeway=self.cfg.leeway_seconds,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.PyJWTError as exc:
            raise TokenError(str(exc)) from exc
        return self._identity(claims)

    def _identity(self, claims: dict[str, Any]) -> TokenIdentity:
        raw = claims.get(self.cfg.roles_claim, [])
        values = raw.split() if isinstance(raw, str) else [str(v) for v in raw or []]
        if self.cfg.required_roles and not set(values) & set(self.cfg.required_roles):
            raise TokenError(f"token has none of the required {self.cfg.roles_claim}")
        mapped = [self.cfg.role_map[v] for v in values if v in self.cfg.role_map]
        role = max(mapped, key=lambda r: r.rank) if mapped else None
        name = ""
        for claim in (self.cfg.name_claim, "preferred_username", "upn", "oid", "sub"):
            value = claims.get(claim)
            # The name is stamped as author: only a claim that travels as text will do.
            if isinstance(value, str) and value.strip() and fields.text_problem(value) is None:
                name = value.strip()[:400]
                break
        if not name:
            raise TokenError("token names nobody")
        return TokenIdentity(name=name, role=role)


def combine(key_holder: principal.Principal, token: TokenIdentity) -> principal.Principal:
    """The caller when both a key and a token authenticated the call (see the module doc)."""
    role = key_holder.role
    if token.role is not None and token.role.rank < role.rank:
        role = token.role
    return dataclasses.replace(key_holder, name=token.name, role=role)
