"""A small FastAPI app standing in for the sync service behind the gateway, and a loopback server.

Run as a script (``python -m tests.server.gateway.standin DB_URL ENGINE_JSON CONFIG_JSON FD``) it serves the
same app from a separate process on an inherited listening socket.
"""

from __future__ import annotations

import contextlib
import json
import socket
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import fastapi
import pydantic
import sqlalchemy as sa
import uvicorn

from labeler.server import gateway, listen, principal
from labeler.server.gateway import config as gateway_config


class Item(pydantic.BaseModel):
    name: str
    note: str | None = None


def caller(request: fastapi.Request) -> principal.Principal:
    who = request.scope.get(principal.SCOPE_KEY)
    if who is None:
        raise fastapi.HTTPException(status_code=401, detail="no caller")
    assert isinstance(who, principal.Principal)
    return who


def make_app() -> fastapi.FastAPI:
    app = fastapi.FastAPI(title="stand-in sync service", version="1")

    @app.get("/v1/health", summary="Health")
    def health() -> dict[str, bool]:
        return {"ok": True}

    @app.get("/v1/whoami", summary="Who am I")
    def whoami(request: fastapi.Request) -> dict[str, Any]:
        who = caller(request)
        return {
            "name": who.name,
            "role": who.role.value,
            "projects": None if who.projects is None else sorted(who.projects),
            "key_id": who.key_id,
            "query": request.url.query,
            "headers": sorted(request.headers.keys()),
            "request_id": request.headers.get("x-request-id"),
            "trusted_user": request.headers.get(principal.USER_HEADER),
        }

    @app.get("/v1/projects/{project}/items", summary="List items")
    def list_items(project: str, request: fastapi.Request) -> list[Item]:
        if not caller(request).may(principal.Role.READER, project):
            raise fastapi.HTTPException(status_code=403, detail="not your project")
        return [Item(name=f"{project}-1")]

    @app.post("/v1/projects/{project}/items", summary="Add an item")
    def add_item(project: str, item: Item, request: fastapi.Request) -> Item:
        if not caller(request).may(principal.Role.ANNOTATOR, project):
            raise fastapi.HTTPException(status_code=403, detail="not allowed")
        return item

    @app.get("/v1/boom", summary="Fails")
    def boom() -> None:
        raise RuntimeError("the stand-in service failed on purpose")

    return app


def gated_app(engine: sa.Engine, cfg: gateway.GatewayConfig) -> fastapi.FastAPI:
    app = make_app()
    gateway.install(app, engine, cfg)
    return app


def listening_socket() -> socket.socket:
    return listen.listening_socket("127.0.0.1", 0, backlog=64)


@contextlib.contextmanager
def serve(app: fastapi.FastAPI) -> Iterator[str]:
    """Serve ``app`` with uvicorn on a loopback port in a thread; yields the base URL."""
    sock = listening_socket()
    server = uvicorn.Server(uvicorn.Config(app, log_level="critical", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    # The socket already listens, so early requests wait in its backlog; this only bounds a
    # server that failed to start.
    deadline = time.monotonic() + 10
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)
    host, port = sock.getsockname()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def _main(argv: list[str]) -> None:  # pragma: no cover - runs in a child process
    db_url, engine_json, cfg_json, fd = argv
    engine = sa.create_engine(db_url, **json.loads(engine_json))
    cfg = gateway_config.from_mapping(json.loads(cfg_json), "<test>")
    uvicorn.run(gated_app(engine, cfg), fd=int(fd), log_level="critical", lifespan="off")


if __name__ == "__main__":  # pragma: no cover
    _main(sys.argv[1:])
