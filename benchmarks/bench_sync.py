"""Team sync end to end: the first sync of a big project and an incremental one, beside the
service's own push/pull limit measured in the same run.

    python -m benchmarks.bench_sync [--annotations 50000] [--images 1000] [--changes 100]

The service runs in its own process (``labeler.server.cli serve``, SQLite, the built-in gateway
checking a subscription key and a rate limit high enough never to refuse). "Limit" pushes the
very records the engine sends straight through ``SyncClient.push`` in batches of
``protocol.MAX_PUSH_RECORDS`` and pages them back with ``SyncClient.changes``: the cost of the
engine (collecting dirty rows, the outbox, applying pages, local transactions) is the ratio.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime as dt
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import sqlalchemy as sa
from PIL import Image

from benchmarks import common
from labeler.domain import annotation as ann_mod
from labeler.domain import geometry as geo
from labeler.services import annotate, indexing, sync
from labeler.services import project as project_mod
from labeler.store import models
from labeler.sync.engine import link, outbox
from labeler.sync.wire import client as client_mod
from labeler.sync.wire import protocol

T = TypeVar("T")
REMOTE = "team"


def timed(fn: Callable[[], T]) -> tuple[float, T]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


@contextlib.contextmanager
def service(folder: Path) -> Iterator[tuple[str, str]]:
    """The sync service in a process of its own; yields its URL and an admin key."""
    folder.mkdir(parents=True, exist_ok=True)
    gateway = folder / "gateway.toml"
    gateway.write_text("[rate_limit]\ncalls = 10000000\nrenewal_period = 60\n", encoding="utf-8")
    db_url = f"sqlite:///{folder / 'server.db'}"
    args = ["-m", "labeler.server.cli", "serve", "--db", db_url, "--port", "0",
            "--gateway", "builtin", "--gateway-config", str(gateway),
            "--blobs", str(folder / "blobs")]  # fmt: skip
    with common.server_process(args) as url:
        from labeler.server import principal
        from labeler.server.gateway import keys

        engine = sa.create_engine(db_url)
        try:
            key = keys.create(engine, "bench", principal.Role.ADMIN).primary
        finally:
            engine.dispose()
        yield url, key


def make_images(folder: Path, count: int) -> None:
    """Small, distinct PNG files (distinct bytes: sync recognises images by their hash)."""
    folder.mkdir(parents=True)
    for i in range(count):
        Image.new("RGB", (64, 48), (i % 256, (i // 256) % 256, 77)).save(folder / f"{i:06d}.png")


def make_project(path: Path, images: Path) -> project_mod.Project:
    project = project_mod.create_project(path, classes=["cat", "dog", "bird"], author="bench")
    indexing.add_folder(project, images)
    indexing.index_pending(project)
    return project


def add_annotations(project: project_mod.Project, total: int) -> None:
    """``total`` boxes spread over the images, inserted in one executemany (a fixture, not an
    edit path: no history rows, which sync does not read)."""
    now = dt.datetime.now(dt.UTC)
    with project.read() as session:
        image_ids = list(session.execute(sa.select(models.ImageRow.id)).scalars())
        class_ids = list(session.execute(sa.select(models.LabelClassRow.id)).scalars())
    rows = [
        {
            "id": str(uuid.uuid4()), "image_id": image_ids[i % len(image_ids)],
            "class_id": class_ids[i % len(class_ids)], "kind": "box",
            "geometry": {"x": float(i % 40), "y": 2.0, "w": 10.0, "h": 8.0}, "attributes": {},
            "version": 1, "created_at": now, "updated_at": now, "author": "bench",
            "revision": None, "dirty": True, "deleted": False,
        }
        for i in range(total)
    ]  # fmt: skip
    with project.write() as (session, _revision):
        session.execute(sa.insert(models.AnnotationRow), rows)


@dataclasses.dataclass
class Limit:
    records: int
    push_s: float
    pull_s: float


def raw_push_pull(url: str, key: str, project: project_mod.Project, name: str) -> Limit:
    """The engine's own records (what it would send now) straight through the client, to the
    server project ``name`` (made, with the schema and image manifest, when it does not exist);
    then the feed read back from where it stood before the push."""
    with project.read() as session:
        records = outbox.collect(session)
        manifest = link._manifest(session)
    client = client_mod.SyncClient(url, key=key, timeout=600)
    setup = {protocol.RecordKind.LABEL_CLASS, protocol.RecordKind.ATTRIBUTE_DEF}
    timed_records = [r for r in records if r.kind not in setup]  # labels and statuses
    step = protocol.MAX_PUSH_RECORDS

    def pull(cursor: str | None) -> tuple[int, str | None]:
        n = 0
        while True:
            page = client.changes(name, cursor, protocol.MAX_PAGE)
            n += len(page.records)
            cursor = page.next_cursor
            if not page.has_more:
                return n, cursor

    def push() -> int:
        return sum(
            len(client.push(name, timed_records[s : s + step], str(uuid.uuid4())).results)
            for s in range(0, len(timed_records), step)
        )

    try:
        if name not in {p.name for p in client.list_projects()}:
            client.create_project(name)
            schema = [r for r in records if r.kind in setup]
            if schema:
                client.push(name, schema)
            for start in range(0, len(manifest), step):
                client.upsert_images(name, manifest[start : start + step])
        _, head = pull(None)
        push_s, pushed = timed(push)
        pull_s, (pulled, _) = timed(lambda: pull(head))
        assert timed_records and pushed == len(timed_records) and pulled == pushed, (
            pushed, pulled, len(timed_records),
        )  # fmt: skip
        return Limit(pushed, push_s, pull_s)
    finally:
        client.close()


def move_boxes(project: project_mod.Project, n: int, x: float) -> None:
    """Move ``n`` boxes to ``x`` (10 px wide: inside the 64-pixel-wide images for x ≤ 54)."""
    with project.read() as session:
        ids = list(session.execute(sa.select(models.AnnotationRow.id).limit(n)).scalars())
    edits = {i: ann_mod.ShapeEdit(geometry=geo.Box(x, 3.0, 10.0, 8.0)) for i in ids}
    annotate.update_annotations(project, edits)


def line(what: str, records: int, seconds: float, raw: int, limit: float) -> str:
    """Rates per record (the engine and the raw client may count a few status records apart)."""
    mine, best = records / seconds, raw / limit
    return (
        f"| {what} | {records:,} | {seconds:.2f} s ({mine:,.0f}/s) | "
        f"{limit:.2f} s ({best:,.0f}/s) | {best / mine:.1f}× |"
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--annotations", type=int, default=50_000)
    parser.add_argument("--images", type=int, default=1_000)
    parser.add_argument("--changes", type=int, default=100)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        make_images(tmp / "photos", args.images)
        gen_s, ana = timed(lambda: make_project(tmp / "ana.labeler", tmp / "photos"))
        add_s, _ = timed(lambda: add_annotations(ana, args.annotations))
        ben = make_project(tmp / "ben.labeler", tmp / "photos")
        print(
            f"fixture: {args.images:,} images indexed in {gen_s:.1f} s, "
            f"{args.annotations:,} boxes inserted in {add_s:.1f} s",
            flush=True,
        )
        with service(tmp / "server") as (url, key):
            options = sync.Options(key=key, timeout=600)
            limit = raw_push_pull(url, key, ana, "limit")
            publish_s, (_, published) = timed(lambda: sync.link_project(ana, url, REMOTE, options))
            join_s, (_, joined) = timed(lambda: sync.link_project(ben, url, REMOTE, options))
            assert joined.pulled >= args.annotations, joined.to_json()
            move_boxes(ana, args.changes, 40.0)
            inc_push_s, pushed = timed(lambda: sync.sync_once(ana, options))
            inc_pull_s, pulled = timed(lambda: sync.sync_once(ben, options))
            assert pushed.pushed >= args.changes, pushed.to_json()
            assert pulled.pulled >= args.changes, (pulled.to_json(), joined.to_json())
            move_boxes(ben, args.changes, 50.0)  # the same records, moved again, for the limit
            small = raw_push_pull(url, key, ben, REMOTE)
        ana.close()
        ben.close()
    n, c = args.annotations, args.changes
    print(f"\n{n:,} boxes on {args.images:,} images; SQLite service, built-in gateway (key)")
    print("| sync | records | labeler | limit: client push/pull, same run | limit / labeler |")
    print("|---|---|---|---|---|")
    print(
        line(
            "first sync: link (publish) and push",
            published.pushed,
            publish_s,
            limit.records,
            limit.push_s,
        )
    )
    print(
        line(
            "first sync on a 2nd workstation: link (join) and pull",
            joined.pulled,
            join_s,
            limit.records,
            limit.pull_s,
        )
    )
    # Moving a box also marks its image in progress: those status records travel too.
    print(
        line(
            f"incremental: push {c} moved boxes",
            pushed.pushed,
            inc_push_s,
            small.records,
            small.push_s,
        )
    )
    print(
        line(
            f"incremental: pull {c} moved boxes",
            pulled.pulled,
            inc_pull_s,
            small.records,
            small.pull_s,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
