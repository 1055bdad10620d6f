"""End-to-end fixtures: a real sync service on loopback (with its built-in gateway and keys) and
workstations, each a real project file over its own copy of the same images."""

from __future__ import annotations

import contextlib
import dataclasses
import shutil
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import uvicorn

from labeler.domain import annotation as ann_mod
from labeler.domain import geometry as geo
from labeler.domain import schema as schema_mod
from labeler.server import app as app_mod
from labeler.server import config as config_mod
from labeler.server import principal
from labeler.server.gateway import keys
from labeler.server.storage import db as server_db
from labeler.services import annotate, indexing, schema, sync
from labeler.services import images as images_svc
from labeler.services import project as project_mod
from labeler.store import models
from labeler.sync.wire import retry
from tests.helpers import images
from tests.server import live

IMAGES = 6


def start_server(settings: config_mod.ServerSettings, port: int = 0) -> live.LiveServer:
    """A real uvicorn server on loopback, like ``live.LiveServer.start`` but on a chosen port
    (so a stopped service can come back where its clients expect it)."""
    app = app_mod.create_app(settings)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="error", ws="none", lifespan="off", access_log=False)
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    started = threading.Event()
    for _ in range(500):
        if server.started:
            break
        started.wait(0.01)
    assert server.started, "the server did not start"
    return live.LiveServer(settings, f"http://127.0.0.1:{port}", server, thread, app)


@dataclasses.dataclass
class Service:
    """The team's sync service and how to reach it."""

    settings: config_mod.ServerSettings
    server: live.LiveServer

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def key(self, name: str, role: principal.Role = principal.Role.ADMIN) -> str:
        engine = server_db.create_engine(self.settings.db_url)
        try:
            return keys.create(engine, name, role).primary
        finally:
            engine.dispose()

    def stop(self) -> None:
        self.server.stop()

    def restart(self) -> None:
        self.server = start_server(self.settings, self.port)


@contextlib.contextmanager
def running_service(
    folder: Path, calls_per_minute: int = 100_000, gateway_extra: str = ""
) -> Iterator[Service]:
    """A sync service on SQLite in ``folder`` behind the built-in gateway (rate limit
    ``calls_per_minute``; ``gateway_extra``: more of its settings, TOML), stopped afterwards."""
    gateway = folder / "gateway.toml"
    gateway.write_text(
        f"[rate_limit]\ncalls = {calls_per_minute}\nrenewal_period = 60\n{gateway_extra}",
        encoding="utf-8",
    )
    settings = config_mod.ServerSettings(
        db_url=f"sqlite:///{folder / 'server.db'}",
        blobs_dir=folder / "blobs",
        gateway="builtin",
        gateway_config_path=gateway,
        port=0,
    )
    svc = Service(settings, start_server(settings))
    try:
        yield svc
    finally:
        if not svc.server._server.should_exit:
            svc.stop()


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    with running_service(tmp_path) as svc:
        yield svc


@pytest.fixture(scope="session")
def shared_images(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("team-images")
    images.distinct_jpegs(folder, IMAGES, size=(320, 64))  # room for boxes drawn up to x 260
    return folder


class Waits:
    """Stands in for time.sleep: records the waits, never waits (tests stay fast)."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@dataclasses.dataclass
class Workstation:
    """One person's project file, linked (or about to be) to the service with their key."""

    name: str
    project: project_mod.Project
    key: str
    service: Service
    waits: Waits
    policy: retry.RetryPolicy = dataclasses.field(
        default_factory=lambda: retry.RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.05)
    )

    def options(self, **overrides: Any) -> sync.Options:
        base = sync.Options(key=self.key, timeout=10, policy=self.policy, sleep=self.waits)
        return dataclasses.replace(base, **overrides)

    def link(
        self,
        remote_project: str = "team",
        images: sync.ImageTransfer | None = None,
        **overrides: Any,
    ) -> Any:
        return sync.link_project(
            self.project, self.service.url, remote_project, self.options(**overrides), images
        )

    def sync(self, **overrides: Any) -> sync.SyncReport:
        return sync.sync_once(self.project, self.options(**overrides))

    # --- labeling, as the app does it ------------------------------------------------------

    def image_id(self, n: int) -> str:
        return images_svc.list_image_ids(self.project)[n]

    def class_id(self, name: str) -> str:
        return schema.find_class(self.project, name).id

    def draw(self, n: int, cls: str, x: float, y: float = 5.0) -> str:
        shape = ann_mod.NewShape(self.class_id(cls), geo.ShapeKind.BOX, geo.Box(x, y, 10.0, 8.0))
        changes = annotate.add_annotations(self.project, self.image_id(n), [shape])
        return next(iter(changes.annotations))

    def move(self, ann_id: str, x: float, y: float = 5.0) -> None:
        edit = ann_mod.ShapeEdit(geometry=geo.Box(x, y, 10.0, 8.0))
        annotate.update_annotations(self.project, {ann_id: edit})

    def labels(self) -> dict[str, tuple[str, str | None, Any]]:
        """Live annotations by id: (image file, class name, geometry) — what a user sees."""
        a, i, c = models.AnnotationRow, models.ImageRow, models.LabelClassRow
        with self.project.read() as session:
            rows = session.execute(
                sa.select(a.id, i.rel_path, c.name, a.geometry)
                .join(i, i.id == a.image_id)
                .outerjoin(c, c.id == a.class_id)
                .where(a.deleted.is_(False))
            ).all()
        return {r[0]: (r[1], r[2], r[3]) for r in rows}

    def statuses(self) -> dict[str, str]:
        with self.project.read() as session:
            rows = session.execute(sa.select(models.ImageRow.rel_path, models.ImageRow.status))
            return {r[0]: r[1] for r in rows}

    def dirty(self) -> int:
        a = models.AnnotationRow
        with self.project.read() as session:
            return int(
                session.execute(sa.select(sa.func.count()).where(a.dirty.is_(True))).scalar_one()
            )


WorkstationFactory = Callable[..., Workstation]


@pytest.fixture
def workstation(
    tmp_path: Path, shared_images: Path, service: Service
) -> Iterator[WorkstationFactory]:
    """``workstation(name, role=ADMIN, classes=("cat", "dog"), without=())``: a project over a
    copy of the team's images (less the files named in ``without``), with a key of its own."""
    made: list[Workstation] = []

    def make(
        name: str,
        role: principal.Role = principal.Role.ADMIN,
        classes: tuple[str, ...] = ("cat", "dog"),
        without: tuple[str, ...] = (),
    ) -> Workstation:
        folder = tmp_path / name / "photos"
        shutil.copytree(shared_images, folder)
        for missing in without:
            (folder / missing).unlink()
        tasks = schema_mod.TaskKinds(boxes=True, polygons=True)
        project = project_mod.create_project(
            tmp_path / name / f"{name}.labeler", classes=list(classes), tasks=tasks
        )
        indexing.add_folder(project, folder)
        indexing.index_pending(project)
        ws = Workstation(name, project, service.key(name, role), service, Waits())
        made.append(ws)
        return ws

    yield make
    for ws in made:
        ws.project.close()
