"""Per-key call limits kept in the database, so every server process sees the same counts.

Two kinds, as Azure API Management has them:

- ``rate-limit-by-key`` is a *sliding* window: a call is let through when fewer than ``calls``
  calls were let through in the ``renewal_period`` seconds before it. The gateway keeps the
  time of each call let through in a ring of ``calls`` slots per key (rows of the counters
  table): the slot the next call would take holds the oldest of the last ``calls`` calls, so
  one look says whether the window is full and, if so, exactly when it frees up.
- ``quota-by-key`` is a *fixed* window whose periods are aligned, not started by a key's first
  call: they follow one another from ``first_period_start`` (APIM's default is
  0001-01-01T00:00:00Z, so a daily quota renews at midnight UTC).

Each step is an ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING`` or a read under the lock
that statement took (SQLite ≥ 3.35, PostgreSQL), so two processes never both see "one call
left". A call refused by the rate limit is not counted, by either limit.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from labeler.server.gateway import config, tables


@dataclasses.dataclass(frozen=True, slots=True)
class Count:
    """A fixed-window counter after one more call."""

    calls: int
    window_start: float
    period: int

    def retry_after(self, now: float) -> int:
        """Whole seconds until the window renews (at least 1)."""
        return max(1, math.ceil(self.window_start + self.period - now))


def aligned_start(now: float, period: int, first: float) -> float:
    """The start of the fixed period holding ``now``: periods of ``period`` seconds follow one
    another from ``first`` (seconds since 1970, possibly far before it)."""
    return first + math.floor((now - first) / period) * period


def hit(connection: sa.Connection, counter_key: str, window_start: float, period: int) -> Count:
    """Count one call against ``counter_key`` in the fixed window starting at ``window_start``
    and return the window's count including it (a newer window starts again at 1)."""
    t = tables.counters
    insert = _insert_for(connection)
    older = t.c.window_start < window_start
    stmt = (
        insert(t)
        .values(counter_key=counter_key, window_start=window_start, count=1)
        .on_conflict_do_update(
            index_elements=[t.c.counter_key],
            set_={
                "count": sa.case((older, 1), else_=t.c.count + 1),
                "window_start": sa.case((older, window_start), else_=t.c.window_start),
            },
        )
        .returning(t.c.count, t.c.window_start)
    )
    row = connection.execute(stmt).one()
    return Count(calls=int(row[0]), window_start=float(row[1]), period=period)


class _Full(Exception):
    """The sliding window is full: roll the call's count back, and wait this long."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


def _slide(connection: sa.Connection, key: str, calls: int, period: int, now: float) -> None:
    """Let one call through the sliding window of ``key``, or raise :class:`_Full`."""
    t = tables.counters
    insert = _insert_for(connection)
    # The ring's position: taking it locks the key's row until the transaction ends.
    taken = connection.execute(
        insert(t)
        .values(counter_key=key, window_start=0.0, count=1)
        .on_conflict_do_update(index_elements=[t.c.counter_key], set_={"count": t.c.count + 1})
        .returning(t.c.count)
    ).scalar_one()
    slot = f"{key}:{(int(taken) - 1) % calls}"
    oldest = connection.execute(
        sa.select(t.c.window_start).where(t.c.counter_key == slot)
    ).scalar_one_or_none()
    if oldest is not None and float(oldest) > now - period:
        raise _Full(max(1, math.ceil(float(oldest) + period - now)))
    connection.execute(
        insert(t)
        .values(counter_key=slot, window_start=now, count=0)
        .on_conflict_do_update(index_elements=[t.c.counter_key], set_={"window_start": now})
    )


def slide(engine: sa.Engine, key: str, calls: int, period: int, now: float) -> int | None:
    """Count one call against a sliding window of ``calls`` per ``period`` seconds kept under
    ``key`` (another limit than the subscription's, such as a model endpoint's); None when it
    fits, else the seconds to wait (the refused call takes no place in the window)."""
    try:
        with engine.begin() as conn:
            _slide(conn, f"{key}:{calls}:{period}", calls, period, now)
    except _Full as full:
        return full.retry_after
    return None


def _insert_for(connection: sa.Connection) -> Any:
    name = connection.dialect.name
    if name == "sqlite":
        return sqlite.insert
    if name == "postgresql":
        return postgresql.insert
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

    The rate limit is checked first, as APIM's policy orders it; a call it refuses uses up
    no quota and takes no place in the window.
    """
    rate, quota = cfg.rate_limit, cfg.quota
    if not (rate.enabled or quota.enabled):
        return None
    # One short transaction for both (one commit, so one fsync on SQLite, per call). Each
    # first statement writes, so SQLite takes the write lock (waiting on its busy timeout)
    # instead of failing a read-to-write upgrade.
    try:
        with engine.begin() as conn:
            if rate.enabled:
                # The limit's numbers are in the key: changed settings start a fresh window.
                key = f"rate:{rate.calls}:{rate.renewal_period}:{subscription_id}"
                _slide(conn, key, rate.calls, rate.renewal_period, now)
            if quota.enabled:
                start = aligned_start(now, quota.renewal_period, quota.first_period_epoch)
                count = hit(conn, f"quota:{subscription_id}", start, quota.renewal_period)
                if count.calls > quota.calls:
                    return Refusal(kind="quota", retry_after=count.retry_after(now))
    except _Full as full:
        return Refusal(kind="rate", retry_after=full.retry_after)
    return None
