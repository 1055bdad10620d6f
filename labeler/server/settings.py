"""Server-wide settings shared by ``labeler serve``, ``labeler keys`` and ``labeler apim``."""

from __future__ import annotations

import os
from pathlib import Path

import sqlalchemy as sa

from labeler import paths


def default_db_url() -> str:
    """``LABELER_SERVER_DB`` if set, else a SQLite file in the user's data directory."""
    url = os.environ.get("LABELER_SERVER_DB")
    if url:
        return url
    return f"sqlite:///{paths.data_dir() / 'server.db'}"


def default_blobs_dir(db_url: str) -> Path:
    """Where image bytes go by default: beside a SQLite file, else in the data directory."""
    parsed = sa.make_url(db_url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        db_path = Path(str(parsed.database))
        return db_path.with_name(db_path.stem + "-blobs")
    return paths.data_dir() / "server-blobs"
