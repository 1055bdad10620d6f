"""Bounded work: at most ``slots`` exports at once per process, one per caller.

An export reads a whole project and writes a dataset: seconds of CPU and memory. Without a bound,
a few at once (one reader's script in a loop is enough) starve the small calls that keep a team
in sync. Past the bound the answer is immediate: 429 with Retry-After for a caller who already has
one running, 503 with Retry-After when every slot is taken; clients wait that long and try again.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

import fastapi


class Slots:
    """A counted set of places for one kind of heavy work, shared by a process's threads."""

    def __init__(self, slots: int, retry_after: int, what: str = "export") -> None:
        self.slots = slots
        self.retry_after = retry_after
        self.what = what
        self._lock = threading.Lock()
        self._busy: dict[str, int] = {}

    @contextlib.contextmanager
    def taken(self, caller: str) -> Iterator[None]:
        """Hold a place for ``caller`` for the block.

        Raises:
            fastapi.HTTPException: 429 when ``caller`` holds one already, 503 when all are held
                (both with Retry-After).
        """
        wait = {"Retry-After": str(self.retry_after)}
        with self._lock:
            if self._busy.get(caller):
                raise fastapi.HTTPException(
                    429,
                    f"an {self.what} of yours is still being built; one at a time "
                    f"(try again in {self.retry_after} s)",
                    headers=wait,
                )
            if sum(self._busy.values()) >= self.slots:
                raise fastapi.HTTPException(
                    503,
                    f"the server is building {self.slots} {self.what}s already; "
                    f"try again in {self.retry_after} s",
                    headers=wait,
                )
            self._busy[caller] = 1
        try:
            yield
        finally:
            with self._lock:
                self._busy.pop(caller, None)
