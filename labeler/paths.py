"""Where labeler keeps its own files (projects of plain folders, caches, the server database).

``LABELER_DATA_DIR`` overrides the per-user data directory; tests and portable installs use it.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs


def data_dir() -> Path:
    """The per-user data directory (created on first use)."""
    override = os.environ.get("LABELER_DATA_DIR")
    path = Path(override) if override else Path(platformdirs.user_data_dir("labeler", False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def cache_dir() -> Path:
    """The per-user cache directory (thumbnails); safe to delete."""
    override = os.environ.get("LABELER_CACHE_DIR")
    if override:
        path = Path(override)
    elif os.environ.get("LABELER_DATA_DIR"):
        path = Path(os.environ["LABELER_DATA_DIR"]) / "cache"
    else:
        path = Path(platformdirs.user_cache_dir("labeler", False))
    path.mkdir(parents=True, exist_ok=True)
    return path
