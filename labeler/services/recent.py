"""Recently opened projects, newest first (a small JSON file in the user's data directory)."""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

from labeler import paths

_FILE = "recent-projects.json"
_KEEP = 15


def _file() -> Path:
    return paths.data_dir() / _FILE


def list_recent() -> list[Path]:
    """Recent project files that still exist, newest first."""
    try:
        entries = json.loads(_file().read_text())
    except (OSError, ValueError):
        return []
    if not isinstance(entries, list):
        return []
    return [Path(p) for p in entries if isinstance(p, str) and Path(p).is_file()]


def remember(project_path: Path) -> None:
    """Put ``project_path`` first in the list (written atomically: a crash never corrupts it)."""
    path = str(Path(project_path).resolve())
    entries = [path] + [str(p) for p in list_recent() if str(p) != path]
    target = _file()
    tmp = target.with_name(f".{_FILE}.{os.getpid()}")
    tmp.write_text(json.dumps(entries[:_KEEP], indent=1))
    os.replace(tmp, target)


def forget(project_path: Path) -> None:
    entries = [str(p) for p in list_recent() if p != Path(project_path).resolve()]
    with contextlib.suppress(OSError):
        _file().write_text(json.dumps(entries, indent=1))
