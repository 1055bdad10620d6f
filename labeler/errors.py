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
import sys
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


def report(
    exc: BaseException,
    *,
    prog: str,
    log: logging.Logger,
    fixable: tuple[type[BaseException], ...] = (),
    doing: str = "",
) -> int:
    """Tell the user on stderr why a command stopped, and return its exit code.

    What the user can fix — a :class:`UserError`, the machine's own refusal (``OSError``: a
    missing file, no permission, a full disk) or one of ``fixable`` (e.g. a database that does
    not answer) — is one line ``PROG: error: [DOING: ]REASON``, exit code 1. Anything else is a bug:
    logged with its traceback and shown as one, exit code 70 (``EX_SOFTWARE``).
    """
    if isinstance(exc, (UserError, OSError, *fixable)):
        # labeler's own messages are written for the user, whole; another library's first line
        # says what failed, the rest is its own detail (a link, a query).
        text = str(exc) if isinstance(exc, UserError) else (str(exc).splitlines() or [""])[0]
        print(f"{prog}: error: {doing + ': ' if doing else ''}{text or type(exc).__name__}",
              file=sys.stderr)  # fmt: skip
        return 1
    log_bug(log, exc, prog)
    print(f"{prog}: {bug_message(exc)}", file=sys.stderr)
    return 70


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
