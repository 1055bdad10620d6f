"""The ASGI middleware that stands where Azure API Management stands in production.

Order of checks, as APIM applies them: unknown path or API version (404, before any key check),
open paths (health) pass, subscription key (401, saying whether it is missing or wrong), bearer
token when enabled (401, likewise), rate limit (429), quota (403), project scope (403). A request that passes reaches the routes with a
:class:`~labeler.server.principal.Principal` in its scope and without the key.
"""

from __future__ import annotations

import re
import time
import urllib.parse
import uuid
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from starlette import concurrency, routing
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from labeler.server import principal
from labeler.server.gateway import answers, config, keys, limits, tokens

REQUEST_ID = "x-request-id"
# A client's own id is kept only when it is short and plain, so logs cannot be forged with it.
_SANE_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")
_TRUSTED = {
    principal.USER_HEADER,
    principal.ROLES_HEADER,
    principal.PROJECTS_HEADER,
    principal.SUBSCRIPTION_HEADER,
}


class GatewayMiddleware:
    """APIM's subscription, token and limit checks in front of a Starlette/FastAPI app.

    Args:
        app: the next ASGI app (the service's middleware stack).
        engine: the database holding subscriptions and counters.
        config: the gateway settings.
        routes: the app whose routes decide what exists (unknown paths get APIM's 404).
        clock: seconds since the epoch (the wall clock: counters are shared across processes).
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        engine: sa.Engine,
        config: config.GatewayConfig,
        routes: routing.Router,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.app = app
        self.engine = engine
        self.config = config
        self.routes = routes
        self.clock = clock
        self.validator = tokens.Validator(config.jwt) if config.jwt.enabled else None
        self._header = config.header_name.lower().encode("latin-1")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            # Nothing behind the gateway speaks WebSocket; refuse rather than pass unchecked.
            await send({"type": "websocket.close", "code": 1008})
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope)
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = [
                    (k, v) for k, v in message.get("headers", []) if k.lower() != b"x-request-id"
                ]
                headers.append((b"x-request-id", request_id.encode("latin-1")))
                message = {**message, "headers": headers}
            await send(message)

        scope = _with_headers(scope, drop=_TRUSTED | {REQUEST_ID}, add=[(REQUEST_ID, request_id)])
        try:
            outcome = await self._admit(scope)
            if isinstance(outcome, answers.Answer):
                await _send_answer(send_with_id, outcome)
                return
            await self.app(outcome, receive, send_with_id)
        except Exception:
            # The error still gets an answer carrying its request id; the exception goes on up
            # to be logged. The server then drops the connection, so the answer says so: a
            # client sending its next request on it would otherwise see a reset instead.
            if not started:
                failed = answers.Answer(500, "Internal server error", (("Connection", "close"),))
                await _send_answer(send_with_id, failed)
            raise

    async def _admit(self, scope: Scope) -> Scope | answers.Answer:
        path: str = scope["path"]
        is_open = path in self.config.open_paths
        if not (is_open or path.startswith(self.config.api_prefix)) or not self._exists(scope):
            return answers.not_found()
        if is_open:
            return scope
        key = self._key(scope)
        if not key:
            return answers.missing_key(self._realm(scope), self.config.header_name)
        authorization = _header(scope, b"authorization")
        result = await concurrency.run_in_threadpool(self._authenticate, key, authorization, path)
        if isinstance(result, answers.Answer):
            return result
        scope = _without_key(scope, self._header, self.config.query_name)
        scope[principal.SCOPE_KEY] = result
        return scope

    def _authenticate(
        self, key: str, authorization: str | None, path: str
    ) -> principal.Principal | answers.Answer:
        """The blocking part (database, key fetch): runs in a worker thread."""
        with self.engine.connect() as conn:
            sub = keys.lookup(conn, key)
        if sub is None or not sub.active:
            return answers.invalid_key()
        caller = sub.as_principal()
        if self.validator is not None:
            if not (authorization or "").strip():
                return answers.missing_jwt()
            try:
                caller = tokens.combine(caller, self.validator.validate(authorization))
            except tokens.TokenError:
                return answers.invalid_jwt()
        refusal = limits.charge(self.engine, sub.id, self.config, self.clock())
        if refusal is not None:
            if refusal.kind == "rate":
                return answers.too_many_calls(refusal.retry_after)
            return answers.quota_spent(refusal.retry_after)
        project = self._project(path)
        if project is not None and not caller.may(principal.Role.READER, project):
            return answers.forbidden_project(project)
        return caller

    def _exists(self, scope: Scope) -> bool:
        for route in self.routes.routes:
            match, _ = route.matches(scope)
            if match == routing.Match.FULL:
                return True
        return False

    def _key(self, scope: Scope) -> str | None:
        value = _header(scope, self._header)
        if value and value.strip():
            return value.strip()
        query = bytes(scope.get("query_string", b"")).decode("latin-1")
        for name, val in urllib.parse.parse_qsl(query, keep_blank_values=True):
            if name == self.config.query_name and val.strip():
                return val.strip()
        return None

    def _project(self, path: str) -> str | None:
        prefix = self.config.project_path_prefix
        if not prefix or not path.startswith(prefix):
            return None
        project = path[len(prefix) :].split("/", 1)[0]
        return project or None

    def _realm(self, scope: Scope) -> str:
        if self.config.realm:
            return self.config.realm
        host = _header(scope, b"host")
        if not host and scope.get("server"):
            server_host, port = scope["server"]
            host = f"{server_host}:{port}"
        return f"{scope.get('scheme', 'http')}://{host or 'localhost'}{scope.get('root_path', '')}"


def _request_id(scope: Scope) -> str:
    given = _header(scope, REQUEST_ID.encode())
    if given and _SANE_ID.match(given):
        return given
    return str(uuid.uuid4())


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


def _with_headers(scope: Scope, drop: set[str], add: list[tuple[str, str]]) -> Scope:
    dropped = {d.encode("latin-1") for d in drop}
    headers = [(k, v) for k, v in scope.get("headers", []) if k.lower() not in dropped]
    headers.extend((k.encode("latin-1"), v.encode("latin-1")) for k, v in add)
    return {**scope, "headers": headers}


def _without_key(scope: Scope, header: bytes, query_name: str) -> Scope:
    """The request as forwarded: the key removed from headers and query string."""
    headers = [(k, v) for k, v in scope.get("headers", []) if k.lower() != header]
    raw = bytes(scope.get("query_string", b"")).decode("latin-1")
    pairs = urllib.parse.parse_qsl(raw, keep_blank_values=True)
    kept = [(n, v) for n, v in pairs if n != query_name]
    query = urllib.parse.urlencode(kept).encode("latin-1") if len(kept) != len(pairs) else None
    new: dict[str, Any] = {**scope, "headers": headers}
    if query is not None:
        new["query_string"] = query
    return new


async def _send_answer(send: Send, answer: answers.Answer) -> None:
    body = answer.body()
    headers = [
        (b"content-type", b"application/json; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
    ]
    headers.extend((k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in answer.headers)
    await send({"type": "http.response.start", "status": answer.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
