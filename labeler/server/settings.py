"""Server-wide settings shared by ``labeler serve``, ``labeler keys`` and ``labeler apim``."""

from __future__ import annotations

import os

from labeler import paths


def default_db_url() -> str:
    """``LABELER_SERVER_DB`` if set, else a SQLite file in the user's data directory."""
    url = os.environ.get("LABELER_SERVER_DB")
    if url:
        return url
    return f"sqlite:///{paths.data_dir() / 'server.db'}"
