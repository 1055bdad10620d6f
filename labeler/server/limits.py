"""Request body limits, enforced before a route reads the body (413, never a 5xx).

JSON bodies are read here up to ``max_body`` and handed on whole; a body without a
Content-Length (chunked) is counted as it arrives. Image uploads are streamed by their route,
which counts against ``max_blob``; only the declared Content-Length is checked here.
"""

from __future__ import annotations

import re
from typing import Any

from starlette import types

from labeler.sync.wire import protocol

_BLOB_PATH = re.compile(r"^/v1/projects/[^/]+/blobs/[^/]+$")


def _too_large(limit: int) -> tuple[dict[str, Any], dict[str, Any]]:
    body = (
        protocol.ErrorBody(
            statusCode=413, message=f"request body larger than the limit of {limit} bytes"
        )
        .model_dump_json()
        .encode()
    )
    start = {
        "type": "http.response.start",
        "status": 413,
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ],
    }
    return start, {"type": "http.response.body", "body": body}


class BodyLimit:
    """ASGI middleware answering 413 for bodies past the limit."""

    def __init__(self, app: types.ASGIApp, max_body: int, max_blob: int) -> None:
        self.app = app
        self.max_body = max_body
        self.max_blob = max_blob

    async def __call__(self, scope: types.Scope, receive: types.Receive, send: types.Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        blob = bool(_BLOB_PATH.match(scope.get("path", "")))
        limit = self.max_blob if blob else self.max_body
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            for reply in _too_large(limit):
                await send(reply)
            return
        if blob:
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break  # the client went away; let the app see it
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                for reply in _too_large(limit):
                    await send(reply)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        whole = b"".join(chunks)
        sent = False

        async def replay() -> types.Message:  # the body once, then the client's own messages
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": whole, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)
