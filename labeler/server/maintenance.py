"""Keeping a long-running service's tables from growing without end.

Each round first checks the feed written since the last round against the wire model and
repairs what an older server stored unchecked (``storage.repair``); then it trims what grows.
Two things grow with every push: the Idempotency-Keys (one stored answer per batch) and the
change feed (every version of every record). Keys are needed only while a client may still
retry a batch — minutes — so they are forgotten after ``keep_keys_hours``. Feed rows that a newer
version of the same record has superseded are dropped once they are older than
``keep_feed_days``; a workstation whose cursor points before that (offline for longer) gets 410
and resyncs in full, losing nothing (the newest version of every record is kept).

``labeler serve`` runs this every ``--maintenance-hours`` in a thread of its own; several
processes against one PostgreSQL may all do so (each step locks what it changes and is
idempotent). ``labeler maintain`` runs it once, for cron or a Kubernetes job.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import threading
from collections.abc import Callable

import sqlalchemy as sa

from labeler.server.storage import records, repair, tables

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True, slots=True)
class Policy:
    keep_feed_days: float = 30.0
    keep_keys_hours: float = 24.0


@dataclasses.dataclass(frozen=True, slots=True)
class Report:
    keys_expired: int
    feed_rows_removed: dict[str, int]  # by project
    repaired: dict[str, repair.Repaired] = dataclasses.field(default_factory=dict)

    def text(self) -> str:
        rows = sum(self.feed_rows_removed.values())
        lines = [
            f"{self.keys_expired} idempotency keys expired, {rows} superseded feed rows removed "
            f"in {len(self.feed_rows_removed)} projects"
        ]
        for project, done in self.repaired.items():
            if done.history or done.current or done.beyond:
                lines.append(
                    f"{project}: {done.history} unreadable versions repaired in place, "
                    f"{done.current} records given a repaired version"
                )
            lines += [f"{project}: cannot repair {why}" for why in done.beyond[:50]]
        return "\n".join(lines)


def _horizon(engine: sa.Engine, project: str, cutoff: dt.datetime) -> int | None:
    """The first revision written at or after ``cutoff`` (None: every row is older)."""
    c = tables.changes
    with engine.connect() as conn:
        found = conn.execute(
            sa.select(sa.func.min(c.c.revision)).where(
                c.c.project == project, c.c.server_time >= cutoff
            )
        ).scalar_one()
    return None if found is None else int(found)


def run_once(engine: sa.Engine, policy: Policy, now: dt.datetime | None = None) -> Report:
    """Expire old Idempotency-Keys and compact every project's feed as ``policy`` says."""
    now = now or dt.datetime.now(dt.UTC)
    expired = records.expire_keys(engine, now - dt.timedelta(hours=policy.keep_keys_hours))
    cutoff = now - dt.timedelta(days=policy.keep_feed_days)
    with engine.connect() as conn:
        projects = list(conn.execute(sa.select(tables.projects.c.name)).scalars())
    removed: dict[str, int] = {}
    repaired: dict[str, repair.Repaired] = {}
    for project in projects:
        # Repair first: compaction keeps the newest version of each record, the repaired one.
        repaired[project] = repair.check(engine, project)
        below = _horizon(engine, project, cutoff)
        # Nothing newer than the cutoff: everything older than the head may go (compact keeps
        # the newest version of every record whatever its age).
        removed[project] = records.compact(engine, project, below if below is not None else 2**62)
    return Report(expired, removed, repaired)


class Maintainer:
    """Runs :func:`run_once` every ``interval`` seconds in a daemon thread until stopped.

    A failing round is logged and the next one comes as planned: maintenance must never take
    the service down.
    """

    def __init__(
        self,
        engine: sa.Engine,
        policy: Policy,
        interval: float,
        first_after: float = 60.0,
        on_report: Callable[[Report], None] | None = None,
    ) -> None:
        self._engine = engine
        self._policy = policy
        self._interval = interval
        self._first_after = first_after
        self._on_report = on_report
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="labeler-maintenance", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _loop(self) -> None:
        wait = self._first_after
        while not self._stop.wait(wait):
            wait = self._interval
            try:
                report = run_once(self._engine, self._policy)
            except Exception:  # logged with its traceback; the next round still comes
                log.exception("maintenance failed")
                continue
            log.info("maintenance: %s", report.text())
            if self._on_report is not None:
                self._on_report(report)
