"""What can go wrong talking to the sync API, in one place for the client, its retry rules and
sign-in: an error answer or no answer (:class:`ApiError`), and the reasons sync stops
(:class:`SyncError` and its kinds)."""

from __future__ import annotations

import requests

from labeler import errors


class ApiError(Exception):
    """The service answered with an error (or could not be reached: status 0)."""

    def __init__(
        self,
        status: int,
        message: str,
        request_id: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.status = status
        self.message = message
        self.request_id = request_id
        self.retry_after = retry_after
        where = f" (request {request_id})" if request_id else ""
        super().__init__(f"{status}: {message}{where}")


class ConnectionFailed(ApiError):
    """No answer: the service is down, unreachable, or took longer than the timeout."""


class NotTheApi(ConnectionFailed):
    """An answer that is not the sync API's: a login page of a hotel or company network, a proxy's
    error page, or a URL that points at another service. Treated like no answer (retried, then
    "offline"), so sync resumes by itself once the network lets it through."""

    @classmethod
    def from_response(cls, response: requests.Response, method: str, path: str) -> NotTheApi:
        kind = response.headers.get("Content-Type", "no content type").split(";")[0]
        start = response.text[:80].replace("\n", " ").strip()
        return cls(
            0,
            f"the answer to {method} {path} is not the labeler sync API's (HTTP "
            f"{response.status_code}, {kind}, starting {start!r}): check the URL; a network "
            "login page or a proxy may be in the way",
            response.headers.get("x-request-id"),
        )


class SyncError(errors.UserError):
    """Sync could not go on; the message says why, in words a user can act on."""


class UnreadableAnswer(SyncError):
    """The service answered JSON this labeler cannot read: it speaks another version of the
    protocol, or sent something the models refuse. Retrying will not help."""

    def __init__(self, method: str, path: str, why: str, request_id: str | None) -> None:
        where = f" (request id {request_id})" if request_id else ""
        super().__init__(
            f"the service's answer to {method} {path} does not fit the sync protocol of this "
            f"labeler ({why}); the service may run another version of labeler{where}"
        )
        self.request_id = request_id


class ConfigurationError(SyncError):
    """Wrong key, missing permission, wrong URL or API version: retrying will not help."""

    def __init__(self, message: str, status: int, request_id: str | None) -> None:
        super().__init__(message)
        self.status = status
        self.request_id = request_id


class OfflineError(SyncError):
    """The service could not be reached (or kept failing) after every attempt."""
