"""Server fixtures: a database per test (SQLite, and PostgreSQL when configured) and a real
uvicorn server on loopback in front of it."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from labeler.server import config as config_mod
from labeler.server import principal
from labeler.sync.wire import client as client_mod
from labeler.sync.wire import protocol
from tests.server import live

POSTGRES_URL = os.environ.get("LABELER_TEST_POSTGRES_URL")
BACKENDS = ["sqlite"] + (["postgres"] if POSTGRES_URL else [])


def _postgres_schema_url(base: str, schema: str) -> str:
    url = sa.make_url(base)
    return url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
        hide_password=False
    )


@contextlib.contextmanager
def _database(backend: str, folder: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, or a PostgreSQL schema dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'server.db'}"
        return
    assert POSTGRES_URL is not None
    schema = f"lbl_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        yield _postgres_schema_url(POSTGRES_URL, schema)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of this test's own."""
    with _database(request.param, tmp_path) as url:
        yield url


def _settings(db_url: str, folder: Path) -> config_mod.ServerSettings:
    return config_mod.ServerSettings(
        db_url=db_url, blobs_dir=folder / "blobs", gateway="off", port=0
    )


@pytest.fixture
def make_server(db_url: str, tmp_path: Path) -> Iterator[Callable[..., live.LiveServer]]:
    """Start a server on this test's own database (gateway off, trusted headers), with
    optional settings overrides."""
    started: list[live.LiveServer] = []

    def make(**overrides: Any) -> live.LiveServer:
        settings = dataclasses.replace(_settings(db_url, tmp_path), **overrides)
        server = live.LiveServer.start(settings)
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()


@pytest.fixture(scope="session", params=BACKENDS)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[live.LiveServer]:
    """One server per backend for the session; each test works in projects of its own."""
    folder = tmp_path_factory.mktemp(f"server-{request.param}")
    with _database(request.param, folder) as url:
        running = live.LiveServer.start(_settings(url, folder))
        yield running
        running.stop()


def unique(name: str) -> str:
    """A project name no other test uses (tests share one server)."""
    return f"{name}-{uuid.uuid4().hex[:8]}"


def caller_headers(name: str, role: str, projects: str = "*") -> dict[str, str]:
    return {
        principal.USER_HEADER: name,
        principal.ROLES_HEADER: role,
        principal.PROJECTS_HEADER: projects,
    }


ClientFactory = Callable[..., client_mod.SyncClient]


@pytest.fixture
def client_for(server: live.LiveServer) -> Iterator[ClientFactory]:
    """``client_for(name, role, projects="*")``: a client calling as that person."""
    made: list[client_mod.SyncClient] = []

    def make(name: str, role: str = "admin", projects: str = "*") -> client_mod.SyncClient:
        c = client_mod.SyncClient(
            server.url, timeout=30, headers=caller_headers(name, role, projects)
        )
        made.append(c)
        return c

    yield make
    for c in made:
        c.close()


@pytest.fixture
def admin(client_for: ClientFactory) -> client_mod.SyncClient:
    return client_for("alice", "admin")


CAT = uuid.UUID("00000000-0000-4000-8000-00000000ca75")
DOG = uuid.UUID("00000000-0000-4000-8000-000000000d09")


WHEN = dt.datetime(2026, 11, 27, 4, 0, tzinfo=dt.UTC)


def sha(n: int) -> str:
    return f"{n:064x}"


def image_in(n: int, width: int = 640, height: int = 480) -> protocol.ImageIn:
    """Image ``n`` of a manifest (its SHA-256 is ``sha(n)``)."""
    return protocol.ImageIn(sha256=sha(n), rel_path=f"img{n}.jpg", width=width, height=height)


@pytest.fixture
def project(admin: client_mod.SyncClient) -> str:
    """A project with two classes (cat, dog) and three images."""
    name = unique("pets")
    admin.create_project(name, "Pets")
    admin.put_schema(
        name,
        protocol.SchemaUpdate(
            base_version=0,
            classes=[
                protocol.LabelClass(id=CAT, name="cat", color="#e6194b", hotkey="1", order=0),
                protocol.LabelClass(id=DOG, name="dog", color="#3cb44b", hotkey="2", order=1),
            ],
            tasks=protocol.TaskKinds(shapes=["box", "polygon"]),
        ),
    )
    admin.upsert_images(name, [image_in(i) for i in range(1, 4)])
    return name


def box(
    image: int = 1,
    cls: uuid.UUID | None = CAT,
    *,
    rid: uuid.UUID | None = None,
    base: int | None = None,
    deleted: bool = False,
    x: float = 10.0,
) -> protocol.Record:
    """An annotation record of a box."""
    return protocol.Record(
        id=rid or uuid.uuid4(),
        kind=protocol.RecordKind.ANNOTATION,
        base_revision=base,
        deleted=deleted,
        updated_at=WHEN,
        data={
            "image_sha256": sha(image),
            "class_id": str(cls) if cls else None,
            "kind": "box",
            "geometry": {"x": x, "y": 20.0, "w": 30.0, "h": 40.0},
            "attributes": {"occluded": False},
        },
    )


def status(image: int, value: str, base: int | None = None) -> protocol.Record:
    return protocol.Record(
        id=protocol.image_status_id(sha(image)),
        kind=protocol.RecordKind.IMAGE_STATUS,
        base_revision=base,
        updated_at=WHEN,
        data={"image_sha256": sha(image), "status": value},
    )


def pull_all(
    c: client_mod.SyncClient, project: str, limit: int = 500
) -> list[protocol.ChangeRecord]:
    out: list[protocol.ChangeRecord] = []
    cursor = None
    while True:
        page = c.changes(project, cursor, limit)
        out.extend(page.records)
        cursor = page.next_cursor
        if not page.has_more:
            return out
