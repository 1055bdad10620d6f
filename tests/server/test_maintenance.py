"""Maintenance keeps a long-running service's tables bounded without losing anyone's labels."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from labeler.server import cli as server_cli
from labeler.server import maintenance
from labeler.server.storage import db, tables
from labeler.sync.wire import client as client_mod
from labeler.sync.wire import errors as sync_errors
from labeler.sync.wire import protocol
from tests.server import live
from tests.server.conftest import CAT, box, caller_headers, pull_all, sha


@pytest.fixture
def engine(db_url: str) -> Iterator[sa.Engine]:
    eng = db.create_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def admin(make_server: Callable[..., live.LiveServer]) -> Iterator[client_mod.SyncClient]:
    """A client of a server on this test's own database (maintenance touches every project)."""
    server = make_server()
    with client_mod.SyncClient(
        server.url, timeout=30, headers=caller_headers("alice", "admin")
    ) as c:
        yield c


def _project(c: client_mod.SyncClient) -> str:
    c.create_project("pets")
    c.put_schema(
        "pets",
        protocol.SchemaUpdate(
            base_version=0,
            classes=[protocol.LabelClass(id=CAT, name="cat", color="#e6194b", order=0)],
            tasks=protocol.TaskKinds(shapes=["box"]),
        ),
    )
    c.upsert_images(
        "pets", [protocol.ImageIn(sha256=sha(1), rel_path="a.jpg", width=64, height=64)]
    )
    return "pets"


def _age(engine: sa.Engine, project: str, up_to: int, days: float) -> None:
    """Make the feed rows up to revision ``up_to`` look ``days`` old (the feed is in time
    order: the schema's rows before them are older still)."""
    c = tables.changes
    when = dt.datetime.now(dt.UTC) - dt.timedelta(days=days)
    with engine.begin() as conn:
        conn.execute(
            sa.update(c)
            .where(c.c.project == project, c.c.revision <= up_to)
            .values(server_time=when)
        )


def test_old_superseded_versions_go_and_the_newest_of_everything_stays(
    admin: client_mod.SyncClient, engine: sa.Engine
) -> None:
    project = _project(admin)
    before = admin.changes(project).next_cursor
    old, recent = uuid.uuid4(), uuid.uuid4()
    r1 = admin.push(project, [box(rid=old, x=1.0)]).results[0].revision
    r2 = admin.push(project, [box(rid=old, base=r1, x=2.0)]).results[0].revision
    r3 = admin.push(project, [box(rid=recent, x=3.0)]).results[0].revision
    r4 = admin.push(project, [box(rid=recent, base=r3, x=4.0)]).results[0].revision
    assert r1 is not None and r2 is not None and r3 is not None and r4 is not None
    _age(engine, project, r2, days=40)

    report = maintenance.run_once(engine, maintenance.Policy(keep_feed_days=30))

    assert report.feed_rows_removed == {project: 1}  # the old box's first version only
    with pytest.raises(sync_errors.ApiError) as gone:
        admin.changes(project, before)  # a workstation offline for 40 days: full resync
    assert gone.value.status == 410
    feed = [
        (r.id, r.data["geometry"]["x"])
        for r in pull_all(admin, project)
        if r.kind is protocol.RecordKind.ANNOTATION
    ]
    assert feed == [(old, 2.0), (recent, 3.0), (recent, 4.0)]  # recent history kept whole
    again = maintenance.run_once(engine, maintenance.Policy(keep_feed_days=30))
    assert again.feed_rows_removed == {project: 0}


def test_old_idempotency_keys_are_forgotten(
    admin: client_mod.SyncClient, engine: sa.Engine
) -> None:
    project = _project(admin)
    key = str(uuid.uuid4())
    admin.push(project, [box()], idempotency_key=key)
    soon = maintenance.run_once(engine, maintenance.Policy(keep_keys_hours=24))
    assert soon.keys_expired == 0  # still there for a retry
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=25)
    report = maintenance.run_once(engine, maintenance.Policy(keep_keys_hours=24), now=later)
    assert report.keys_expired == 1
    answer = admin.push(project, [box(x=5.0)], idempotency_key=key)  # a new batch, not a 422
    assert answer.results[0].outcome is protocol.PushOutcome.APPLIED


def test_the_service_runs_it_in_the_background(
    admin: client_mod.SyncClient, engine: sa.Engine
) -> None:
    _project(admin)
    reports: list[maintenance.Report] = []
    done = threading.Event()

    def heard(report: maintenance.Report) -> None:
        reports.append(report)
        if len(reports) >= 2:
            done.set()

    keeper = maintenance.Maintainer(
        engine, maintenance.Policy(), interval=0.01, first_after=0.0, on_report=heard
    )
    keeper.start()
    try:
        assert done.wait(30)
    finally:
        keeper.stop()
    assert reports[0].feed_rows_removed == {"pets": 0}


def test_labeler_maintain_runs_it_once(
    admin: client_mod.SyncClient, db_url: str, capsys: Any
) -> None:
    _project(admin)
    assert server_cli.main(["maintain", "--db", db_url, "--keep-feed-days", "7"]) == 0
    assert "0 idempotency keys expired, 0 superseded feed rows removed in 1 projects" in (
        capsys.readouterr().out
    )
    missing = "sqlite:////nonexistent-folder/x.db"
    assert server_cli.main(["maintain", "--db", missing]) == 1
    assert "labeler maintain:" in capsys.readouterr().err


def test_a_failing_round_is_logged_and_the_next_one_still_comes(tmp_path: Any) -> None:
    """The database away (a network cut to PostgreSQL, a file gone): maintenance says so in the
    log and tries again at the next interval; the service is never taken down by it."""
    broken = sa.create_engine(f"sqlite:///{tmp_path / 'missing' / 'server.db'}")
    failures = threading.Event()

    class Counting(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.getMessage() == "maintenance failed" and record.exc_info:
                self.seen = getattr(self, "seen", 0) + 1
                if self.seen >= 2:
                    failures.set()

    handler = Counting()
    logging.getLogger(maintenance.__name__).addHandler(handler)
    keeper = maintenance.Maintainer(broken, maintenance.Policy(), interval=0.01, first_after=0.0)
    keeper.start()
    try:
        assert failures.wait(30)  # two rounds failed, and the loop went on after the first
    finally:
        keeper.stop()
        logging.getLogger(maintenance.__name__).removeHandler(handler)
        broken.dispose()
    assert not keeper._thread.is_alive()
