"""Backups and integrity checks of a project file."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from labeler.services import project as project_mod


def backup(project: project_mod.Project, target: Path | str) -> Path:
    """Write a consistent copy of the project to ``target`` while it may be in use.

    Uses SQLite's online backup into a temporary file beside the target, renamed at the end, so a
    failed backup never leaves a half-written file under the target's name.
    """
    target = Path(target)
    if target.is_dir():
        target = target / project.path.name
    if target.resolve() == project.path.resolve():
        raise project_mod.ProjectError("the backup cannot overwrite the project itself")
    tmp = target.with_name(f".{target.name}.part")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    try:
        project.db.backup_to(tmp)
        os.replace(tmp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    return target


def integrity(project: project_mod.Project) -> str:
    """SQLite's ``PRAGMA integrity_check``: "ok" or the first problem found."""
    return project.db.check()
