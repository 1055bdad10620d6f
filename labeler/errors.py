"""What a user can fix, and what is a bug.

A :class:`UserError` is a condition the person at the keyboard can act on (a wrong path, a class that
does not exist, a refused edit, a server that cannot be reached); ``str(error)`` is the sentence they
read, saying what and where. Every module raises a subclass of it for such conditions, with its own
name for its own kind of refusal.

Anything else that escapes a command or an edit is a bug in labeler: it is logged with its traceback
and shown as "labeler hit a bug", never dressed up as a refusal.
"""

from __future__ import annotations

import logging
import traceback


class UserError(Exception):
    """A condition the user can fix; the message says what, where and, where it helps, what to do."""


def bug_message(exc: BaseException) -> str:
    """The one line a user reads for a bug: that it is one, and what it was."""
    detail = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    what = f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
    return f"labeler hit a bug ({what}); nothing was changed by the failed step"


def log_bug(log: logging.Logger, exc: BaseException, during: str) -> None:
    """Log a bug with its traceback, so a report can quote it."""
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    log.error("bug during %s:\n%s", during, text)


class WriteRefused(UserError):
    """The project file could not store a change (it is read-only, its disk is full, or another
    program held its lock too long). Nothing was changed; the same change may succeed later, so a
    caller keeps what it would need to try again (the app keeps its undo steps)."""


class ProjectReadOnly(WriteRefused):
    """The project file cannot be written here: permissions, an immutable file, a read-only share."""


class DiskFull(WriteRefused):
    """The disk holding the project has no room for the change."""


class ProjectLocked(WriteRefused):
    """Another program held the project's write lock for longer than labeler waits."""
