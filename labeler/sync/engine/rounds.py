"""The offline-first sync engine: push the outbox, then pull the change feed.

One round (:meth:`SyncEngine.sync_once`): batches left from an earlier attempt are resent first
(same Idempotency-Key), then dirty rows go out in new batches, then the feed is read from the
stored cursor, each page applied in the transaction that stores the next cursor (a crash never
skips or doubles a change). A 410 from the feed means a full resync: the cursor is dropped and
everything is read again, matched by id.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, TypeVar

import sqlalchemy as sa

from labeler.domain import changes as changes_mod
from labeler.store import database, models, work
from labeler.sync.engine import apply, conflicts, link, outbox, records, schema_clash, unreadable
from labeler.sync.wire import client as client_mod
from labeler.sync.wire import errors as sync_errors
from labeler.sync.wire import protocol, retry

T = TypeVar("T")


class NotLinked(sync_errors.SyncError):
    """The project has no server yet."""


@dataclasses.dataclass
class SyncReport:
    """What one round did."""

    pushed: int = 0
    pulled: int = 0
    conflicts: int = 0
    open_conflicts: int = 0
    rejected: list[outbox.Rejection] = dataclasses.field(default_factory=list)
    parked: int = 0
    full_resync: bool = False
    changes: changes_mod.Changes = dataclasses.field(default_factory=changes_mod.Changes)
    schema_notes: list[schema_clash.SchemaNote] = dataclasses.field(default_factory=list)
    unreadable: list[unreadable.SetAside] = dataclasses.field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "pushed": self.pushed,
            "pulled": self.pulled,
            "conflicts": self.conflicts,
            "open_conflicts": self.open_conflicts,
            "rejected": [dataclasses.asdict(r) for r in self.rejected],
            "waiting_for_images": self.parked,
            "full_resync": self.full_resync,
            "schema_notes": [{**dataclasses.asdict(n), "text": n.text} for n in self.schema_notes],
            "unreadable": [{**dataclasses.asdict(u), "text": u.text} for u in self.unreadable],
        }


class SyncEngine:
    """Syncs one project file with one service.

    Args:
        db: the project's database.
        client: a client of the service (its key or token set).
        retrier: how calls are retried (defaults: :class:`retry.RetryPolicy`).
    """

    def __init__(
        self,
        db: database.Database,
        client: client_mod.SyncClient,
        retrier: retry.Retrier | None = None,
    ) -> None:
        self.db = db
        self.client = client
        self.retrier = retrier or retry.Retrier(client.base_url)

    def _call(self, fn: Callable[[], T]) -> T:
        return self.retrier.call(fn)

    def link(self, url: str, project: str) -> link.LinkResult:
        """Publish the project as ``project`` on the service, or join it if it exists."""
        return link.link(self.db, self.client, self.retrier, url, project)

    def _remote(self) -> str:
        found = link.current(self.db)
        if found is None:
            raise NotLinked(f"{self.db.path} is not linked to a server (run labeler link first)")
        return found.remote_project

    def sync_once(self) -> SyncReport:
        """Push, then pull.

        Raises:
            NotLinked, sync_errors.ConfigurationError, sync_errors.OfflineError.
        """
        project = self._remote()
        report = SyncReport()
        pushed = self.push(project)
        if link.send_missing_images(self.db, self.client, self.retrier, project, pushed.rejected):
            # Labels on images added here after linking: their images are on the server now.
            pushed = self._push_again(project, pushed)
        pulled, full = self.pull(project)
        with work.unit_of_work(self.db, changes_data=False) as (session, _):
            report.schema_notes = schema_clash.reconcile(session, pulled)
        if any(n.kind != "deleted_in_use" for n in report.schema_notes):
            # A local class merged into the team's, or freed of a taken hotkey: its labels can
            # go now, in this round rather than the next.
            pushed = self._push_again(project, pushed)
        report.pushed = pushed.applied
        report.conflicts = pushed.conflicts + pulled.conflicts
        report.rejected = pushed.rejected
        report.pulled = pulled.applied
        report.full_resync = full
        with self.db.write() as session:
            session.execute(sa.update(models.SyncLinkRow).values(last_sync_at=records.now()))
            report.parked = apply.parked_count(session)
            report.unreadable = unreadable.listed(session)
        report.open_conflicts = len(conflicts.list_open(self.db))
        report.changes = changes_mod.Changes(
            images=frozenset(pulled.images),
            annotations=frozenset(pulled.annotations),
            annotation_images=frozenset(pulled.annotation_images),
            schema=pulled.schema,
        )
        return report

    def _push_again(self, project: str, first: outbox.Pushed) -> outbox.Pushed:
        """Push once more in the same round; the refusals left are those still standing."""
        again = self.push(project)
        first.applied += again.applied
        first.conflicts += again.conflicts
        still = {r.record_id for r in outbox.rejections(self.db)}
        latest = {r.record_id: r for r in first.rejected + again.rejected if r.record_id in still}
        first.rejected = list(latest.values())
        return first

    def push(self, project: str) -> outbox.Pushed:
        out = outbox.Pushed()

        def send(batch: list[protocol.Record], key: str) -> protocol.PushResponse:
            return self._call(lambda: self.client.push(project, batch, idempotency_key=key))

        for stored in outbox.pending(self.db):
            outbox.send(self.db, stored, send, out)
        for batch in outbox.store_batches(self.db):
            outbox.send(self.db, batch, send, out)
        return out

    def _page(self, project: str, cursor: str | None) -> Callable[[], protocol.ChangePage]:
        return lambda: self.client.changes(project, cursor, protocol.MAX_PAGE)

    def pull(self, project: str) -> tuple[apply.Applied, bool]:
        """Read the feed from the stored cursor to its end. Returns what changed and whether
        a full resync was needed."""
        out = apply.Applied()
        full = False
        with self.db.read() as session:
            cursor = session.execute(sa.select(models.SyncLinkRow.cursor)).scalar_one()
            parked = apply.parked_count(session)
        if parked:
            with work.unit_of_work(self.db) as (session, _):
                apply.retry_parked(session, out)
        while True:
            try:
                page = self._call(self._page(project, cursor))
            except sync_errors.ApiError as exc:
                if exc.status != 410 or cursor is None:
                    raise
                cursor, full = None, True
                continue
            with work.unit_of_work(self.db, changes_data=bool(page.records)) as (session, _):
                apply.apply_page(session, page.records, out)
                unreadable.set_aside(session, page)  # the rest of the page is applied
                session.execute(sa.update(models.SyncLinkRow).values(cursor=page.next_cursor))
            cursor = page.next_cursor
            if not page.has_more:
                return out, full
