"""Do exports starve sync? Push latency while readers ask for exports, with and without the bound.

A project of ``--labels`` boxes is exported (COCO, labels only) by ``--exporters`` callers in a
loop while one annotator pushes small batches (20 records) and times each push. The service runs
in its own process on SQLite: with no exporters (the machine's own push latency in this run),
with exports bounded (``[service] export_slots``; ``--slots`` lists the bounds to try), and with
the bound effectively off (64 slots, what the service did before). Busy answers (503/429) are counted, not
retried.

    python -m benchmarks.export_starvation [--labels 20000] [--exporters 4] [--pushes 60]
                                           [--slots 1 2]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import requests

from benchmarks import common, sync_service
from labeler.sync.wire import client as client_mod
from labeler.sync.wire import protocol


def _serve(folder: Path, slots: int) -> list[str]:
    settings = folder / f"settings-{slots}.toml"
    settings.write_text(
        f"[rate_limit]\ncalls = 1000000\nrenewal_period = 300\n[service]\nexport_slots = {slots}\n",
        encoding="utf-8",
    )
    return ["-m", "labeler.server.cli", "serve", "--db", f"sqlite:///{folder / f'{slots}.db'}",
            "--port", "0", "--gateway", "off", "--gateway-config", str(settings),
            "--blobs", str(folder / "blobs"), "--maintenance-hours", "0"]  # fmt: skip


def _seed(url: str, auth: dict[str, str], labels: int) -> str:
    project = f"exp-{uuid.uuid4().hex[:6]}"
    with client_mod.SyncClient(url, headers=auth, timeout=300) as admin:
        admin.create_project(project)
        admin.put_schema(
            project,
            protocol.SchemaUpdate(
                base_version=0,
                classes=[
                    protocol.LabelClass(id=sync_service.CLASS_ID, name="thing", color="#e6194b")
                ],
            ),
        )
        admin.upsert_images(
            project,
            [
                protocol.ImageIn(
                    sha256=f"{i:064x}",
                    rel_path=f"{i}.jpg",
                    width=sync_service.IMAGE_WIDTH,
                    height=1000,
                )
                for i in range(1000)
            ],
        )
        batch = sync_service.records(labels)
        for start in range(0, len(batch), 1000):
            admin.push(project, batch[start : start + 1000])
    return project


def _run(url: str, project: str, exporters: int, pushes: int) -> tuple[list[float], int, int]:
    auth = {"x-labeler-user": "ana", "x-labeler-roles": "admin", "x-labeler-projects": "*"}
    stop = threading.Event()
    busy = [0]
    done = [0]

    def export(n: int) -> None:
        headers = {**auth, "x-labeler-user": f"reader{n}", "x-labeler-roles": "reader"}
        with requests.Session() as s:
            while not stop.is_set():
                r = s.get(
                    f"{url}/v1/projects/{project}/export",
                    params={"format": "coco", "statuses": "new"},
                    headers=headers,
                    timeout=600,
                )
                if r.status_code in (429, 503):
                    busy[0] += 1
                    stop.wait(float(r.headers.get("Retry-After", "1")) / 10)
                else:
                    done[0] += 1

    threads = [threading.Thread(target=export, args=(n,)) for n in range(exporters)]
    for t in threads:
        t.start()
    time.sleep(2 if exporters else 0)  # let the exports get going
    waits: list[float] = []
    with client_mod.SyncClient(url, headers=auth, timeout=600) as ana:
        for _ in range(pushes):
            batch = sync_service.records(20)
            start = time.perf_counter()
            ana.push(project, batch)
            waits.append(time.perf_counter() - start)
    stop.set()
    for t in threads:
        t.join()
    return waits, done[0], busy[0]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labels", type=int, default=20_000)
    parser.add_argument("--exporters", type=int, default=4)
    parser.add_argument("--pushes", type=int, default=60)
    parser.add_argument("--slots", type=int, nargs="+", default=[1, 2], help="bounds to measure")
    args = parser.parse_args(argv)
    auth = {"x-labeler-user": "alice", "x-labeler-roles": "admin", "x-labeler-projects": "*"}
    print(f"{args.labels} labels, {args.exporters} exporters, {args.pushes} pushes of 20 records")
    print(f"{'service':<26}{'push p50 ms':>12}{'p95 ms':>9}{'max ms':>9}{'exports':>9}{'busy':>6}")
    with tempfile.TemporaryDirectory() as tmp:
        runs = [("no exports (the limit)", 2, 0)]
        runs += [(f"exports bounded ({n})", n, args.exporters) for n in args.slots]
        runs += [("exports unbounded (64)", 64, args.exporters)]
        for label, slots, exporters in runs:
            with common.server_process(_serve(Path(tmp), slots)) as url:
                project = _seed(url, auth, args.labels)
                waits, done, busy = _run(url, project, exporters, args.pushes)
            ms = sorted(w * 1000 for w in waits)
            p95 = ms[int(len(ms) * 0.95) - 1]
            print(
                f"{label:<26}{statistics.median(ms):>12.0f}{p95:>9.0f}{ms[-1]:>9.0f}"
                f"{done:>9}{busy:>6}",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
