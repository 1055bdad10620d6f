"""Identifiers. Every row that can sync carries a UUID (DESIGN.md, data rules)."""

from __future__ import annotations

import uuid


def new_id() -> str:
    """Return a new random UUID in its canonical text form."""
    return str(uuid.uuid4())
