"""Ids: real UUIDs, unique, and in the order they were made (what keeps inserts cheap)."""

from __future__ import annotations

import threading
import uuid

from labeler.domain import ids


def test_ids_are_version_7_uuids_in_the_order_they_were_made() -> None:
    made = [ids.new_id() for _ in range(1000)] + ids.new_ids(5000) + [ids.new_id()]
    assert made == sorted(made) and len(set(made)) == len(made)
    for text in made[:3] + made[-3:]:
        parsed = uuid.UUID(text)
        assert str(parsed) == text and parsed.version == 7
        assert parsed.variant == uuid.RFC_4122


def test_threads_never_get_the_same_id() -> None:
    out: list[list[str]] = [[] for _ in range(4)]

    def work(mine: list[str]) -> None:
        for _ in range(200):
            mine.extend(ids.new_ids(10))

    threads = [threading.Thread(target=work, args=(o,)) for o in out]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    every = [i for o in out for i in o]
    assert len(set(every)) == len(every) == 8000
    assert all(o == sorted(o) for o in out)


def test_the_timestamp_is_the_time_of_making() -> None:
    import time

    before = time.time_ns() // 1_000_000
    made = uuid.UUID(ids.new_id())
    after = time.time_ns() // 1_000_000
    assert before <= made.int >> 80 <= after + 1
