"""Sync service throughput: push and pull records/s with 1 and 8 concurrent clients.

The service runs as deployed with its built-in gateway, every check on: a subscription key,
a signed bearer token (JWT validation against a local key set), the sliding-window rate limit
and the aligned quota (both counted in the database, set high enough never to refuse), and the
service's limits (body size, bytes per record, points per polygon, the image's frame, feed
pages bounded by bytes). Each figure is printed beside a bare FastAPI endpoint measured in the
same run on the same kind of database: it validates the same batches with the same wire model
and bulk-inserts them (and pages them back out) with no gateway, limits, conflict checks,
revisions, idempotency or authorship. The ratio is what the service's guarantees cost. Both
servers listen with TCP_NODELAY, as ``labeler serve`` does.

    python -m benchmarks.sync_service [--records 16000] [--batch 500] [--clients 1 8]
                                      [--rounds 3]

The two servers are measured alternately for ``--rounds`` rounds and each keeps its best
round, since other work on a shared machine slows single rounds down. SQLite always;
PostgreSQL too when LABELER_TEST_POSTGRES_URL is set (a scratch schema is made and dropped).
Servers run as separate processes so the clients do not share their GIL.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime as dt
import os
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import requests
import sqlalchemy as sa

from labeler.sync.wire import client as client_mod
from labeler.sync.wire import protocol

CLASS_ID = uuid.UUID("00000000-0000-4000-8000-00000000be01")
IMAGE_WIDTH = 100_000  # wide enough for the boxes ``records`` places along x
WHEN = dt.datetime(2026, 11, 27, tzinfo=dt.UTC)


# --- the bare endpoint ---------------------------------------------------------------------


def bare_app(db_url: str) -> Any:
    """Validate with the protocol's models, insert with one executemany, page by rowid."""
    import fastapi

    from labeler.server.storage import db

    engine = db.create_engine(db_url)
    meta = sa.MetaData()
    table = sa.Table(
        "bench_bare",
        meta,
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("data", sa.Text, nullable=False),
    )
    meta.drop_all(engine)
    meta.create_all(engine)
    app = fastapi.FastAPI()

    @app.post("/bare/push")
    def push(batch: protocol.PushRequest) -> dict[str, int]:
        rows = [
            {
                "id": str(r.id),
                "kind": r.kind.value,
                "data": protocol.parse_data(r.kind, r.data).model_dump_json(),
            }
            for r in batch.records
        ]
        with db.write(engine) as conn:
            conn.execute(sa.insert(table), rows)
        return {"applied": len(rows)}

    @app.get("/bare/head")
    def head() -> dict[str, int]:
        with db.read(engine) as conn:
            return {"head": int(conn.execute(sa.select(sa.func.max(table.c.seq))).scalar() or 0)}

    @app.get("/bare/pull")
    def pull(after: int = 0, limit: int = 1000) -> dict[str, Any]:
        with db.read(engine) as conn:
            rows = conn.execute(
                sa.select(table).where(table.c.seq > after).order_by(table.c.seq).limit(limit)
            ).all()
        return {
            "records": [{"seq": r.seq, "id": r.id, "kind": r.kind, "data": r.data} for r in rows],
            "next": rows[-1].seq if rows else after,
        }

    return app


def serve_bare(db_url: str) -> None:
    import uvicorn

    from labeler.server import listen

    app = bare_app(db_url)
    sock = listen.listening_socket("127.0.0.1", 0)  # TCP_NODELAY, like the service's
    print(f"listening on http://127.0.0.1:{sock.getsockname()[1]}", flush=True)
    uvicorn.Server(uvicorn.Config(app, log_level="warning", ws="none", lifespan="off")).run(
        sockets=[sock]
    )


# --- measuring -----------------------------------------------------------------------------


def records(n: int) -> list[protocol.Record]:
    return [
        protocol.Record(
            id=uuid.uuid4(),
            kind=protocol.RecordKind.ANNOTATION,
            updated_at=WHEN,
            data={
                "image_sha256": f"{i % 1000:064x}",
                "class_id": str(CLASS_ID),
                "kind": "box",
                "geometry": {"x": 1.0 * i, "y": 2.0, "w": 3.0, "h": 4.0},
                "attributes": {"occluded": False},
            },
        )
        for i in range(n)
    ]


def concurrently(clients: int, work: Callable[[int], int]) -> float:
    """Run ``work(i)`` on ``clients`` threads; returns items per second over the wall time."""
    counts = [0] * clients
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            counts[i] = work(i)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    if errors:
        raise errors[0]
    return sum(counts) / elapsed


@dataclasses.dataclass
class Figures:
    push: float
    pull: float


def best(figures: Iterable[Figures]) -> Figures:
    """The highest push and the highest pull of several rounds."""
    found = list(figures)
    return Figures(push=max(f.push for f in found), pull=max(f.pull for f in found))


def measure_service(
    url: str, total: int, batch: int, clients: int, auth: dict[str, str]
) -> Figures:
    project = f"bench-{uuid.uuid4().hex[:8]}"
    with client_mod.SyncClient(url, headers=auth, timeout=120) as admin:
        admin.create_project(project)
        admin.put_schema(
            project,
            protocol.SchemaUpdate(
                base_version=0,
                classes=[protocol.LabelClass(id=CLASS_ID, name="thing", color="#e6194b")],
            ),
        )
        # Labels go on images of the manifest, within their frame.
        admin.upsert_images(
            project,
            [
                protocol.ImageIn(
                    sha256=f"{i:064x}", rel_path=f"{i}.jpg", width=IMAGE_WIDTH, height=1000
                )
                for i in range(1000)
            ],
        )
    per_client = [records(total // clients) for _ in range(clients)]

    def push(i: int) -> int:
        with client_mod.SyncClient(url, headers=auth, timeout=120) as c:
            mine = per_client[i]
            for start in range(0, len(mine), batch):
                c.push(project, mine[start : start + batch], idempotency_key=str(uuid.uuid4()))
            return len(mine)

    def pull(_i: int) -> int:
        # Plain JSON decoding on both sides, so the figures compare the servers.
        with requests.Session() as s:
            s.headers.update(auth)
            params: dict[str, Any] = {"limit": 1000}
            n = 0
            while True:
                page = s.get(f"{url}/v1/projects/{project}/changes", params=params, timeout=120)
                page.raise_for_status()
                body = page.json()
                n += len(body["records"])
                params["cursor"] = body["next_cursor"]
                if not body["has_more"]:
                    return n

    return Figures(push=concurrently(clients, push), pull=concurrently(clients, pull))


def measure_bare(url: str, total: int, batch: int, clients: int) -> Figures:
    per_client = [records(total // clients) for _ in range(clients)]
    with requests.Session() as s:
        start_seq = s.get(f"{url}/bare/head").json()["head"]

    def push(i: int) -> int:
        with requests.Session() as s:
            mine = per_client[i]
            for start in range(0, len(mine), batch):
                body = protocol.PushRequest(records=mine[start : start + batch])
                reply = s.post(
                    f"{url}/bare/push",
                    data=body.model_dump_json(),
                    headers={"Content-Type": "application/json"},
                    timeout=120,
                )
                reply.raise_for_status()
            return len(mine)

    def pull(_i: int) -> int:
        with requests.Session() as s:
            after, n = start_seq, 0
            while True:
                page = s.get(f"{url}/bare/pull", params={"after": after, "limit": 1000}).json()
                n += len(page["records"])
                if not page["records"]:
                    return n
                after = page["next"]

    return Figures(push=concurrently(clients, push), pull=concurrently(clients, pull))


@contextlib.contextmanager
def databases(folder: Path) -> Iterator[list[tuple[str, str, str]]]:
    """(name, service URL, bare URL) per backend."""
    found = [("sqlite", f"sqlite:///{folder / 'service.db'}", f"sqlite:///{folder / 'bare.db'}")]
    pg = os.environ.get("LABELER_TEST_POSTGRES_URL")
    schema = f"lbl_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(pg, isolation_level="AUTOCOMMIT") if pg else None
    if admin is not None and pg:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        url = sa.make_url(pg).update_query_dict({"options": f"-csearch_path={schema}"})
        text = url.render_as_string(hide_password=False)
        found.append(("postgresql", text, text))
    try:
        yield found
    finally:
        if admin is not None:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
            admin.dispose()


@dataclasses.dataclass
class Gateway:
    """Every check of the built-in gateway on: a key, a signed Entra-style token, a rate limit
    and a quota (both high enough never to refuse the benchmark's calls)."""

    config: Path
    issuer: str = "https://login.example/bench/v2.0"
    audience: str = "api://labeler"

    @classmethod
    def make(cls, folder: Path) -> tuple[Gateway, Callable[[], str]]:
        import json

        import jwt
        from cryptography.hazmat.primitives.asymmetric import rsa

        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private.public_key()))
        jwks = folder / "jwks.json"
        jwks.write_text(json.dumps({"keys": [{**public, "kid": "bench", "alg": "RS256"}]}))
        gw = cls(config=folder / "gateway.toml")
        gw.config.write_text(
            "[rate_limit]\ncalls = 1000000\nrenewal_period = 60\n"
            "[quota]\ncalls = 100000000\nrenewal_period = 86400\n"
            f'[jwt]\nenabled = true\nissuer = "{gw.issuer}"\naudience = "{gw.audience}"\n'
            f"jwks_file = {json.dumps(str(jwks))}\n"
        )

        def token() -> str:
            now = int(time.time())
            claims = {
                "iss": gw.issuer,
                "aud": gw.audience,
                "iat": now,
                "nbf": now,
                "exp": now + 3600,
                "preferred_username": "bench@example.org",
                "roles": ["Labeler.Admin"],
            }
            return jwt.encode(claims, private, algorithm="RS256", headers={"kid": "bench"})

        return gw, token


def gateway_auth(db_url: str, token: Callable[[], str]) -> dict[str, str]:
    """Headers of a fresh admin subscription (the server has made the gateway's tables)."""
    from labeler.server import principal
    from labeler.server.gateway import keys

    engine = sa.create_engine(db_url)
    try:
        made = keys.create(engine, f"bench-{uuid.uuid4().hex[:8]}", principal.Role.ADMIN)
    finally:
        engine.dispose()
    return {client_mod.KEY_HEADER: made.primary, "Authorization": f"Bearer {token()}"}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=16_000, help="records per measurement")
    parser.add_argument("--batch", type=int, default=500, help="records per push")
    parser.add_argument(
        "--clients", type=int, nargs="+", default=[1, 8], help="concurrent clients to measure"
    )
    parser.add_argument("--rounds", type=int, default=3, help="rounds per figure (best kept)")
    parser.add_argument("--serve-bare", metavar="DB_URL", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_bare:
        serve_bare(args.serve_bare)
        return 0
    print(
        f"{args.records} records per run, {args.batch} per push, best of {args.rounds} rounds; "
        "records/s (higher is better)"
    )
    print("service: built-in gateway with key, JWT, rate limit and quota checks on")
    print(f"{'database':<11}{'clients':>8}{'push':>10}{'bare push':>11}{'ratio':>7}"
          f"{'pull':>10}{'bare pull':>11}{'ratio':>7}")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp, databases(Path(tmp)) as dbs:
        gw, token = Gateway.make(Path(tmp))
        for name, service_url, bare_url in dbs:
            serve = ["-m", "labeler.server.cli", "serve", "--db", service_url, "--port", "0",
                     "--gateway", "builtin", "--gateway-config", str(gw.config),
                     "--blobs", str(Path(tmp) / "blobs")]  # fmt: skip
            # Imported here: this file also runs as a plain script (the bare server's process).
            from benchmarks import common

            with (
                common.server_process(serve) as url,
                common.server_process([__file__, "--serve-bare", bare_url]) as bare,
            ):
                auth = gateway_auth(service_url, token)
                for clients in args.clients:
                    # Alternate the two servers and keep each one's best round: other work on
                    # the machine slows single rounds down by up to a half.
                    rounds = [
                        (
                            measure_service(url, args.records, args.batch, clients, auth),
                            measure_bare(bare, args.records, args.batch, clients),
                        )
                        for _ in range(args.rounds)
                    ]
                    svc = best(r[0] for r in rounds)
                    raw = best(r[1] for r in rounds)
                    print(
                        f"{name:<11}{clients:>8}{svc.push:>10.0f}{raw.push:>11.0f}"
                        f"{svc.push / raw.push:>7.2f}{svc.pull:>10.0f}{raw.pull:>11.0f}"
                        f"{svc.pull / raw.pull:>7.2f}",
                        flush=True,
                    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
