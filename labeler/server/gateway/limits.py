"""Per-key call counters kept in the database, so every server process sees the same counts.

Each counter is one row holding the start of its current window and the calls made in it. A call
is one atomic ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING`` (SQLite ≥ 3.35, PostgreSQL):
either it opens a new window at count 1 or it adds one to the running window, and it reads the
result back in the same statement, so two processes can never both see "one call left".
Windows start at a key's first call after the previous window ended (like APIM's per-key
counters), which also keeps the table at one row per key and limit.
"""

from __future__ import annotations

import dataclasses
import math

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from labeler.server.gateway import config, tables


@dataclasses.dataclass(frozen=True, slots=True)
class Count:
    """A counter after one more call."""

    calls: int
    window_start: float
    period: int

    def retry_after(self, now: float) -> int:
        """Whole seconds until the window renews (at least 1)."""
        return max(1, math.ceil(self.window_start + self.period - now))


def hit(connection: sa.Connection, counter_key: str, period: int, now: float) -> Count:
    """Count one call against ``counter_key`` and return the window's count including it."""
    t = tables.counters
    insert = _insert_for(connection)
    expired = t.c.window_start + period <= now
    stmt = (
        insert(t)
        .values(counter_key=counter_key, window_start=now, count=1)
        .on_conflict_do_update(
            index_elements=[t.c.counter_key],
            set_={
                "count": sa.case((expired, 1), else_=t.c.count + 1),
                "window_start": sa.case((expired, now), else_=t.c.window_start),
            },
        )
        .returning(t.c.count, t.c.window_start)
    )
    row = connection.execute(stmt).one()
    return Count(calls=int(row[0]), window_start=float(row[1]), period=period)


def _insert_for(connection: sa.Connection) -> type[sqlite.Insert] | type[postgresql.Insert]:
    name = connection.dialect.name
    if name == "sqlite":
        return sqlite.Insert
    if name == "postgresql":
        return postgresql.Insert
    raise RuntimeError(f"the gateway's counters need SQLite or PostgreSQL, not {name}")


@dataclasses.dataclass(frozen=True, slots=True)
class Refusal:
    """A call over a limit: which one, and when to come back."""

    kind: str  # "rate" (429) or "quota" (403)
    retry_after: int


def charge(
    engine: sa.Engine, subscription_id: str, cfg: config.GatewayConfig, now: float
) -> Refusal | None:
    """Count one call for a subscription; None when it is within both limits.

    The rate limit is checked first, as APIM's policy orders it; a call refused by the rate
    limit does not use up quota.
    """
    both = (("rate", cfg.rate_limit), ("quota", cfg.quota))
    steps = [(kind, limit) for kind, limit in both if limit.enabled]
    if not steps:
        return None
    # One short transaction for both counters (one commit, so one fsync on SQLite, per call).
    # Each statement writes first, so SQLite takes the write lock (waiting on its busy timeout)
    # instead of failing a read-to-write upgrade. A refusal by the rate limit ends the
    # transaction before the quota's statement, so it does not use up quota.
    with engine.begin() as conn:
        for kind, limit in steps:
            count = hit(conn, f"{kind}:{subscription_id}", limit.renewal_period, now)
            if count.calls > limit.calls:
                return Refusal(kind=kind, retry_after=count.retry_after(now))
    return None
