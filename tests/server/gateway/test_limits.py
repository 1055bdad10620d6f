"""Rate limits and quotas per key, counted in the database and shared by server processes."""

from __future__ import annotations

import concurrent.futures
import json
import os
import random
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from labeler.server import principal
from labeler.server.gateway import answers, config, keys, limits
from tests.server.gateway import standin
from tests.server.gateway.conftest import Database

HEADER = "Ocp-Apim-Subscription-Key"
REPO = Path(__file__).resolve().parents[3]


def _cfg(rate: tuple[int, int], quota: tuple[int, int]) -> dict[str, object]:
    return {
        "rate_limit": {"calls": rate[0], "renewal_period": rate[1]},
        "quota": {"calls": quota[0], "renewal_period": quota[1]},
    }


def _gated(engine: sa.Engine, raw: dict[str, object]) -> standin.fastapi.FastAPI:
    return standin.gated_app(engine, config.from_mapping(raw, "<test>"))


def test_rate_limit_answers_429_with_retry_after(engine: sa.Engine) -> None:
    made = keys.create(engine, "alice", principal.Role.ANNOTATOR)
    other = keys.create(engine, "bob", principal.Role.ANNOTATOR)
    app = _gated(engine, _cfg(rate=(3, 300), quota=(1000, 86_400)))
    with standin.serve(app) as url, httpx.Client(base_url=url, timeout=20) as client:
        codes = [client.get("/v1/whoami", headers={HEADER: made.primary}).status_code]
        # The secondary key counts against the same subscription.
        codes += [client.get("/v1/whoami", headers={HEADER: made.secondary}).status_code]
        codes += [client.get("/v1/whoami", headers={HEADER: made.primary}).status_code]
        assert codes == [200, 200, 200]
        r = client.get("/v1/whoami", headers={HEADER: made.primary})
        assert r.status_code == 429
        retry = int(r.headers["retry-after"])
        assert 1 <= retry <= 300
        assert json.loads(r.content) == {
            "statusCode": 429,
            "message": answers.rate_limited(retry),
        }
        assert r.headers["x-request-id"]
        # Another subscription has its own counter; health is never counted.
        assert client.get("/v1/whoami", headers={HEADER: other.primary}).status_code == 200
        assert client.get("/v1/health").status_code == 200


def test_quota_answers_403_with_retry_after(engine: sa.Engine) -> None:
    made = keys.create(engine, "alice", principal.Role.ANNOTATOR)
    app = _gated(engine, _cfg(rate=(0, 60), quota=(2, 3600)))
    with standin.serve(app) as url, httpx.Client(base_url=url, timeout=20) as client:
        for _ in range(2):
            assert client.get("/v1/whoami", headers={HEADER: made.primary}).status_code == 200
        r = client.get("/v1/whoami", headers={HEADER: made.primary})
        assert r.status_code == 403
        retry = int(r.headers["retry-after"])
        assert 1 <= retry <= 3600
        body = json.loads(r.content)
        assert body["statusCode"] == 403
        match = re.fullmatch(
            r"Out of call volume quota\. Quota will be replenished in (\d\d):(\d\d):(\d\d)\.",
            body["message"],
        )
        assert match, body["message"]
        h, m, s = (int(g) for g in match.groups())
        assert h * 3600 + m * 60 + s == retry


def test_rate_limited_calls_do_not_use_up_quota(engine: sa.Engine) -> None:
    cfg = config.from_mapping(_cfg(rate=(1, 300), quota=(2, 3600)), "<test>")
    now = 3_600_000.0  # on an hour's boundary: the quota's period starts here
    assert limits.charge(engine, "s1", cfg, now) is None
    refused = [limits.charge(engine, "s1", cfg, now + i) for i in range(1, 4)]
    assert [r.kind if r else None for r in refused] == ["rate", "rate", "rate"]
    assert [r.retry_after for r in refused if r] == [299, 298, 297]
    # Once the first call left the window, the second call of the quota is still there.
    assert limits.charge(engine, "s1", cfg, now + 301) is None
    quota = limits.charge(engine, "s1", cfg, now + 602)
    assert quota is not None and quota.kind == "quota"
    assert quota.retry_after == 3600 - 602


def _brute_force(times: list[float], calls: int, period: float) -> list[bool]:
    """What a sliding window lets through, by its definition."""
    passed: list[float] = []
    out = []
    for t in times:
        ok = sum(1 for p in passed if p > t - period) < calls
        out.append(ok)
        if ok:
            passed.append(t)
    return out


def test_the_rate_limit_window_slides_like_apims(engine: sa.Engine) -> None:
    cfg = config.from_mapping(_cfg(rate=(3, 4), quota=(0, 86_400)), "<test>")
    # Three calls at the end of one 4 s stretch, three at the start of the next: a fixed
    # window would let all six through within 0.06 s; a sliding one lets three.
    burst = [3.97, 3.98, 3.99, 4.00, 4.01, 4.03]
    got = [limits.charge(engine, "burst", cfg, 1000.0 + t) is None for t in burst]
    assert got == [True, True, True, False, False, False]
    refused = limits.charge(engine, "burst", cfg, 1000.0 + 5.0)
    assert refused is not None and refused.retry_after == 3  # until 3.97 leaves the window
    rng = random.Random(11)
    times = sorted(rng.uniform(0, 40) for _ in range(120))
    got = [limits.charge(engine, "random", cfg, 5000.0 + t) is None for t in times]
    assert got == _brute_force(times, 3, 4)


def test_quota_periods_are_aligned_not_started_by_the_first_call(engine: sa.Engine) -> None:
    day = config.from_mapping(_cfg(rate=(0, 60), quota=(1, 86_400)), "<test>")
    noon = 20_000 * 86_400.0 + 12 * 3600  # a day's noon, UTC
    assert limits.charge(engine, "q1", day, noon) is None
    refused = limits.charge(engine, "q1", day, noon + 60)
    # Renewed at midnight UTC, as APIM's periods from 0001-01-01T00:00:00Z are.
    assert refused is not None and refused.retry_after == 12 * 3600 - 60
    assert limits.charge(engine, "q1", day, noon + 12 * 3600) is None
    # A first period start of 06:00 moves every renewal to 06:00.
    six = config.from_mapping(
        {**_cfg(rate=(0, 60), quota=(1, 86_400)), "quota": {
            "calls": 1, "renewal_period": 86_400, "first_period_start": "2020-01-01T06:00:00Z"
        }},
        "<test>",
    )  # fmt: skip
    assert limits.charge(engine, "q2", six, noon) is None
    refused = limits.charge(engine, "q2", six, noon + 60)
    assert refused is not None and refused.retry_after == 18 * 3600 - 60


def test_a_new_period_starts_at_the_aligned_boundary(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        counts = [
            limits.hit(conn, "k", limits.aligned_start(t, 60, 0.0), 60).calls
            for t in (100.0, 110.0, 119.0)
        ]
        renewed = limits.hit(conn, "k", limits.aligned_start(120.0, 60, 0.0), 60)
    assert counts == [1, 2, 3]
    assert (renewed.calls, renewed.window_start) == (1, 120.0)
    assert renewed.retry_after(130.0) == 50


def test_answers_format_long_waits_like_apim() -> None:
    assert answers.timespan(59) == "00:00:59"
    assert answers.timespan(3 * 3600 + 23 * 60 + 11) == "03:23:11"
    assert answers.timespan(5 * 86_400 + 3 * 3600 + 23 * 60 + 11) == "5.03:23:11"


@pytest.fixture
def second_process(database: Database) -> Iterator[str]:
    """The same stand-in service in another process, on the same database."""
    raw = _cfg(rate=(4, 300), quota=(1000, 86_400))
    sock = standin.listening_socket()
    fd = sock.fileno()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    argv = [database.url, json.dumps(database.engine_kwargs), json.dumps(raw), str(fd)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.server.gateway.standin", *argv],
        pass_fds=[fd],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    host, port = sock.getsockname()
    try:
        yield f"http://{host}:{port}"
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=20)
        sock.close()
        assert proc.returncode in (0, -15), err.decode(errors="replace")


def test_limits_hold_across_two_server_processes(engine: sa.Engine, second_process: str) -> None:
    made = keys.create(engine, "alice", principal.Role.ANNOTATOR)
    first = _gated(engine, _cfg(rate=(4, 300), quota=(1000, 86_400)))
    headers = {HEADER: made.primary}
    with (
        standin.serve(first) as url,
        httpx.Client(base_url=url, timeout=30) as a,
        httpx.Client(base_url=second_process, timeout=30) as b,
    ):
        assert [b.get("/v1/whoami", headers=headers).status_code for _ in range(2)] == [200, 200]
        assert [a.get("/v1/whoami", headers=headers).status_code for _ in range(2)] == [200, 200]
        # Four calls in all: each process now refuses, though each saw only two.
        assert a.get("/v1/whoami", headers=headers).status_code == 429
        assert b.get("/v1/whoami", headers=headers).status_code == 429


def test_concurrent_calls_are_each_counted_once(engine: sa.Engine) -> None:
    """Many callers at once: every call gets its own count, none lost or doubled."""

    def hits(_: int) -> list[int]:
        seen = []
        for _ in range(10):
            with engine.begin() as conn:
                seen.append(limits.hit(conn, "quota:shared", 4_800.0, 300).calls)
        return seen

    with concurrent.futures.ThreadPoolExecutor(max_workers=6) as pool:
        counts = [c for seen in pool.map(hits, range(6)) for c in seen]
    assert sorted(counts) == list(range(1, 61))


def test_concurrent_calls_fill_the_sliding_window_exactly(engine: sa.Engine) -> None:
    """Callers at once, in several threads: exactly ``calls`` get through, none more."""
    cfg = config.from_mapping(_cfg(rate=(25, 300), quota=(0, 86_400)), "<test>")

    def charges(_: int) -> list[bool]:
        return [limits.charge(engine, "crowd", cfg, 7_000.0) is None for _ in range(10)]

    with concurrent.futures.ThreadPoolExecutor(max_workers=6) as pool:
        passed = [ok for seen in pool.map(charges, range(6)) for ok in seen]
    assert passed.count(True) == 25
