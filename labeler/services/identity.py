"""Who is editing. Before a project is linked to a server, the author is the local user's name."""

from __future__ import annotations

import getpass
import os


def current_author() -> str:
    """``LABELER_USER`` if set, else the operating-system user name."""
    name = os.environ.get("LABELER_USER", "").strip()
    if name:
        return name
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (containers) and no LOGNAME
        return "unknown"
