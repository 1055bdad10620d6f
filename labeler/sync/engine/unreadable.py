"""Feed records this workstation cannot read: set aside by id and reported, never a stop.

A record an older server stored unchecked (a lone surrogate in an attribute, a geometry of
strings), or one a newer labeler wrote, is not applied; the rest of its page is, and the cursor
moves on. The set-aside records are kept in the project's app state (``sync.unreadable``) and
reported by every sync until a readable version of the same record arrives — which is what
``labeler maintain`` on the server sends after repairing it.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy import orm

from labeler.store import models
from labeler.sync.wire import protocol

KEY = "sync.unreadable"


@dataclasses.dataclass(frozen=True, slots=True)
class SetAside:
    """A record of the feed not applied here, and why."""

    record_id: str | None
    revision: int | None
    kind: str | None
    reason: str

    @property
    def text(self) -> str:
        what = f"{self.kind or 'record'} {self.record_id or '(id unreadable)'}"
        at = f" at revision {self.revision}" if self.revision is not None else ""
        return f"{what}{at} cannot be read and was set aside: {self.reason}"


def _held(session: orm.Session) -> dict[str, dict[str, Any]]:
    row = session.get(models.AppStateRow, KEY)
    value = row.value if row is not None else None
    return dict(value) if isinstance(value, dict) else {}


def set_aside(session: orm.Session, page: protocol.ChangePage) -> None:
    """Remember the page's unreadable records, and forget those it brings readable again."""
    if not page.unreadable and session.get(models.AppStateRow, KEY) is None:
        return  # the usual case: nothing held, nothing new
    held = _held(session)
    before = dict(held)
    if held:
        for record in page.records:
            found = held.get(str(record.id))
            if found is not None and (found.get("revision") or 0) < record.revision:
                del held[str(record.id)]
    for item in page.unreadable:
        key = item.id or f"revision {item.revision}"
        held[key] = {
            "id": item.id,
            "revision": item.revision,
            "kind": item.kind,
            "reason": item.reason,
        }
    if held != before:
        session.merge(models.AppStateRow(key=KEY, value=held or None))


def listed(session: orm.Session) -> list[SetAside]:
    """Every record set aside and not yet replaced by a readable version, in feed order."""
    items = [
        SetAside(v.get("id"), v.get("revision"), v.get("kind"), str(v.get("reason", "")))
        for v in _held(session).values()
    ]
    return sorted(items, key=lambda s: (s.revision is None, s.revision or 0, s.record_id or ""))
