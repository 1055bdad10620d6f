"""What storage calls raise for a caller's mistake; the API turns each into its 4xx."""

from __future__ import annotations


class StorageError(Exception):
    """Base: ``status`` is the HTTP status the API answers with."""

    status = 400


class NotFound(StorageError):
    status = 404


class AlreadyExists(StorageError):
    status = 409


class StaleSchema(StorageError):
    status = 409


class Gone(StorageError):
    """A cursor the feed can no longer serve: the client starts a full resync."""

    status = 410


class Invalid(StorageError):
    status = 422
