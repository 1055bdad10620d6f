"""A service process killed with SIGKILL mid-push loses no acknowledged record."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import pytest

from labeler.sync.wire import client as client_mod
from labeler.sync.wire import errors as sync_errors
from labeler.sync.wire import protocol
from tests.server import conftest
from tests.server.conftest import box, pull_all

pytestmark = pytest.mark.slow


def _start(db_url: str, blobs: Path) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [
            sys.executable, "-m", "labeler.server.cli", "serve", "--db", db_url,
            "--port", "0", "--gateway", "off", "--blobs", str(blobs),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if "listening on" not in line:
        proc.kill()
        raise AssertionError(f"the server did not start: {line}{proc.communicate()[1]}")
    return proc, line.split("listening on ")[1].split()[0]


def test_acknowledged_pushes_survive_sigkill(db_url: str, tmp_path: Path) -> None:
    proc, url = _start(db_url, tmp_path / "blobs")
    headers = conftest.caller_headers("ana", "admin")
    acknowledged: list[uuid.UUID] = []
    enough = threading.Event()
    stopped: list[BaseException] = []
    try:
        admin = client_mod.SyncClient(url, headers=headers, timeout=10)
        admin.create_project("pets")
        admin.put_schema(
            "pets",
            protocol.SchemaUpdate(
                base_version=0,
                classes=[protocol.LabelClass(id=conftest.CAT, name="cat", color="#e6194b")],
            ),
        )
        admin.upsert_images("pets", [conftest.image_in(1)])

        def pusher() -> None:
            c = client_mod.SyncClient(url, headers=headers, timeout=10)
            try:
                while True:
                    batch = [box(1, x=float(i)) for i in range(20)]
                    answer = c.push("pets", batch, idempotency_key=str(uuid.uuid4()))
                    assert all(r.outcome == "applied" for r in answer.results)
                    acknowledged.extend(r.id for r in batch)
                    if len(acknowledged) >= 200:
                        enough.set()
            except sync_errors.ConnectionFailed as exc:
                stopped.append(exc)  # the kill: what was not acknowledged may be lost
            finally:
                enough.set()
                c.close()

        thread = threading.Thread(target=pusher)
        thread.start()
        enough.wait(timeout=60)
        os.kill(proc.pid, signal.SIGKILL)  # while the pusher is still sending
        thread.join(timeout=60)
        assert stopped, "the pusher should have lost its connection"
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()

    proc, url = _start(db_url, tmp_path / "blobs")
    try:
        with client_mod.SyncClient(url, headers=headers, timeout=10) as again:
            feed = pull_all(again, "pets", limit=1000)
    finally:
        proc.kill()
        proc.wait()
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
    ids = [r.id for r in feed]
    assert len(acknowledged) >= 200
    assert set(acknowledged) <= set(ids)
    assert len(ids) == len(set(ids))
    assert [r.revision for r in feed] == list(range(1, len(feed) + 1))
