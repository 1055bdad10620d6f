"""What can go wrong with a model, in words a user can act on."""

from __future__ import annotations

from labeler import errors


class AssistError(errors.UserError):
    """A model that cannot be registered, recognised, loaded or run; the message says why."""


class UnknownKind(AssistError):
    """The kind of a model file cannot be told from the file: ``--kind`` is needed."""
