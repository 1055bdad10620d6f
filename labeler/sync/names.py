"""What a user types for sync: the environment variable holding the key, how to resolve a
conflict. Importing this loads neither the engine nor the HTTP client, so the command line can
build its help from these names in a moment."""

from __future__ import annotations

import enum

#: The environment variable the subscription key is read from when ``--key`` is not given.
KEY_ENV = "LABELER_KEY"


class Choice(enum.StrEnum):
    """How a conflict is resolved: keep this workstation's version, the server's, or both."""

    MINE = "mine"
    THEIRS = "theirs"
    BOTH = "both"
