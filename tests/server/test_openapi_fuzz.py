"""Schemathesis over the OpenAPI document: no input gives a 5xx, answers match the schema."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from labeler.sync.wire import client as client_mod
from labeler.sync.wire import protocol
from tests.server import conftest, live

pytest.importorskip("schemathesis")

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")


def _seed(admin_client: client_mod.SyncClient) -> None:
    """Give the examples of the document something real to hit (the example project/image)."""
    data = b"test"  # the example SHA-256 in the document is this text's
    digest = hashlib.sha256(data).hexdigest()
    admin_client.create_project("street-signs", "Street signs")
    admin_client.upsert_images(
        "street-signs",
        [protocol.ImageIn(sha256=digest, rel_path="a.jpg", width=4, height=3)],
    )
    admin_client.upload_blob("street-signs", digest, data)


# One backend keeps this under a minute; PostgreSQL when there is one, as it refuses more
# (NUL in text, integers past 64 bits) and so finds more.
@pytest.mark.slow
@pytest.mark.parametrize(
    "db_url", ["postgres" if conftest.POSTGRES_URL else "sqlite"], indirect=True
)
def test_no_input_makes_a_server_error_and_answers_follow_the_schema(
    make_server: Callable[..., live.LiveServer], tmp_path: Path
) -> None:
    server = make_server()
    with client_mod.SyncClient(
        server.url, headers=conftest.caller_headers("alice", "admin")
    ) as admin:
        _seed(admin)
    command = [
        str(SCHEMATHESIS),
        "run",
        f"{server.url}/v1/openapi.json",
        "--checks",
        "all",
        # Requests valid by the schema may still be refused for what only the server knows
        # (an unknown cursor, bytes that do not have the hash named): that is not a defect.
        "--exclude-checks",
        "positive_data_acceptance",
        "--max-examples",
        os.environ.get("LABELER_FUZZ_EXAMPLES", "6"),
        "--phases",
        "examples,coverage,fuzzing",
        # A fixed seed keeps CI repeatable; set LABELER_FUZZ_SEED to explore further.
        "--seed",
        os.environ.get("LABELER_FUZZ_SEED", "20261127"),
        "--generation-database",
        "none",
        "--no-color",
        "--workers",
        "2",
        "-H",
        "x-labeler-user: alice",
        "-H",
        "x-labeler-roles: admin",
    ]
    done = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, timeout=240)
    failures = done.stdout.split("=== FAILURES ===")[-1]
    assert done.returncode == 0, failures[:8000] + done.stderr[-2000:]
