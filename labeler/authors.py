"""The author name a composition root (the command line, the app) signs changes with by default.

Services never look the author up: they are given it, with the project handle
(``labeler.services.project.Project.author``). The command line takes ``--author``, the app the
name in its settings; both start from :func:`default_author` when nothing else was said.
"""

from __future__ import annotations

import getpass
import os

#: Overrides the operating-system user name as the default author (scripts, shared accounts).
ENV = "LABELER_USER"


def os_user() -> str:
    """The operating-system user name, or ``unknown`` where there is none (containers)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry and no LOGNAME/USER variable
        return "unknown"


def default_author() -> str:
    """``LABELER_USER`` if set, else the operating-system user name."""
    return os.environ.get(ENV, "").strip() or os_user()
