"""Eight clients pushing at once: every record once, in one gap-free order, seen by a reader
that pages the feed while the pushes are going on."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable

from labeler.sync.wire import client as client_mod
from labeler.sync.wire import protocol
from tests.server import conftest, live
from tests.server.conftest import box, pull_all

CLIENTS = 8
RECORDS = 200
BATCH = 25


def test_concurrent_pushes_make_one_gap_free_feed(
    client_for: conftest.ClientFactory, project: str
) -> None:
    head0 = client_for("x", "reader").get_project(project).head
    pushed: dict[str, list[uuid.UUID]] = {}
    errors: list[BaseException] = []
    done = threading.Event()

    def writer(n: int) -> None:
        c = client_for(f"user{n}", "annotator")
        mine = [box(1 + (i % 3), x=float(i)) for i in range(RECORDS)]
        pushed[c.base_url + str(n)] = [r.id for r in mine]
        try:
            for start in range(0, RECORDS, BATCH):
                answer = c.push(project, mine[start : start + BATCH])
                assert all(r.outcome is protocol.PushOutcome.APPLIED for r in answer.results)
        except BaseException as exc:
            errors.append(exc)

    seen_live: list[protocol.ChangeRecord] = []

    watcher_client = client_for("watcher", "reader")
    start = watcher_client.changes(project, limit=1000)
    assert not start.has_more

    def reader() -> None:
        c = watcher_client
        cursor = start.next_cursor
        try:
            while True:
                finished = done.is_set()
                page = c.changes(project, cursor, limit=100)
                seen_live.extend(page.records)
                cursor = page.next_cursor
                if finished and not page.has_more:
                    return
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(CLIENTS)]
    watcher = threading.Thread(target=reader)
    watcher.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    done.set()
    watcher.join()
    assert not errors, errors

    all_ids = {i for ids in pushed.values() for i in ids}
    assert len(all_ids) == CLIENTS * RECORDS
    feed = pull_all(client_for("y", "reader"), project, limit=1000)
    assert [r.revision for r in feed] == list(range(1, head0 + CLIENTS * RECORDS + 1))
    assert {r.id for r in feed[head0:]} == all_ids
    # The reader that paged while writers committed missed nothing and saw nothing twice.
    live = [r for r in seen_live if r.revision > head0]
    assert [r.revision for r in live] == list(range(head0 + 1, head0 + CLIENTS * RECORDS + 1))
    assert {r.id for r in live} == all_ids


def test_concurrent_edits_of_one_record_apply_exactly_one(
    client_for: conftest.ClientFactory, project: str
) -> None:
    first = client_for("ana", "annotator")
    rid = uuid.uuid4()
    base = first.push(project, [box(1, rid=rid)]).results[0].revision
    outcomes: list[protocol.PushOutcome] = []
    lock = threading.Lock()

    def edit(n: int) -> None:
        c: client_mod.SyncClient = client_for(f"u{n}", "annotator")
        result = c.push(project, [box(1, rid=rid, base=base, x=float(n))]).results[0]
        with lock:
            outcomes.append(result.outcome)

    threads = [threading.Thread(target=edit, args=(n,)) for n in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == sorted(
        [protocol.PushOutcome.APPLIED] + [protocol.PushOutcome.CONFLICT] * (CLIENTS - 1)
    )


def test_two_service_processes_on_one_database_keep_one_order(
    make_server: Callable[..., live.LiveServer],
) -> None:
    """No state lives in a process: two servers (own engines and pools) share one database."""
    servers = [make_server(), make_server()]
    headers = conftest.caller_headers("alice", "admin")
    project = conftest.unique("shared")
    with client_mod.SyncClient(servers[0].url, headers=headers) as admin:
        admin.create_project(project)
        admin.upsert_images(project, [conftest.image_in(1)])
    ids: list[uuid.UUID] = []
    lock = threading.Lock()
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        mine = [box(1, None, x=float(i)) for i in range(100)]
        with lock:
            ids.extend(r.id for r in mine)
        url = servers[n % 2].url
        try:
            with client_mod.SyncClient(
                url, headers=conftest.caller_headers(f"u{n}", "annotator")
            ) as c:
                for start in range(0, len(mine), 20):
                    c.push(project, mine[start : start + 20])
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    for server in servers:
        with client_mod.SyncClient(server.url, headers=headers) as c:
            feed = pull_all(c, project)
        assert [r.revision for r in feed] == list(range(1, 401))
        assert sorted(r.id for r in feed) == sorted(ids)
