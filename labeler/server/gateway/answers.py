"""The gateway's own answers, shaped like Azure API Management's.

APIM answers ``{ "statusCode": N, "message": "..." }`` (with those spaces) and the messages
below for a missing or invalid key, a rate limit, a quota and an unknown resource; clients written
against APIM parse these, so the built-in gateway sends the same bytes.
"""

from __future__ import annotations

import dataclasses
import json

MISSING_KEY = (
    "Access denied due to missing subscription key. "
    "Make sure to include subscription key when making requests to an API."
)
INVALID_KEY = (
    "Access denied due to invalid subscription key. "
    "Make sure to provide a valid key for an active subscription."
)
INVALID_JWT = "Invalid JWT."
MISSING_JWT = (
    "Access denied due to missing bearer token. "
    "Make sure to include an access token in the Authorization header (Bearer)."
)
NOT_FOUND = "Resource not found"


def rate_limited(seconds: int) -> str:
    return f"Rate limit is exceeded. Try again in {seconds} seconds."


def out_of_quota(seconds: int) -> str:
    return f"Out of call volume quota. Quota will be replenished in {timespan(seconds)}."


def out_of_scope(project: str) -> str:
    return f"Access denied: this subscription is not allowed to use project '{project}'."


def timespan(seconds: int) -> str:
    """Seconds as .NET's TimeSpan prints them (APIM's format): ``hh:mm:ss`` or ``d.hh:mm:ss``."""
    days, rest = divmod(max(0, seconds), 86_400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    clock = f"{hours:02d}:{minutes:02d}:{secs:02d}"
    return f"{days}.{clock}" if days else clock


@dataclasses.dataclass(frozen=True, slots=True)
class Answer:
    """A finished gateway answer: status, extra headers and the APIM-shaped body."""

    status: int
    message: str
    headers: tuple[tuple[str, str], ...] = ()

    def body(self) -> bytes:
        return f'{{ "statusCode": {self.status}, "message": {json.dumps(self.message)} }}'.encode()


def missing_key(realm: str, header_name: str) -> Answer:
    challenge = f'AzureApiManagementKey realm="{realm}",name="{header_name}",type="header"'
    return Answer(401, MISSING_KEY, (("WWW-Authenticate", challenge),))


def invalid_key() -> Answer:
    return Answer(401, INVALID_KEY)


def invalid_jwt() -> Answer:
    return Answer(401, INVALID_JWT)


def missing_jwt() -> Answer:
    return Answer(401, MISSING_JWT, (("WWW-Authenticate", 'Bearer error="invalid_request"'),))


def not_found() -> Answer:
    return Answer(404, NOT_FOUND)


def too_many_calls(retry_after: int) -> Answer:
    return Answer(429, rate_limited(retry_after), (("Retry-After", str(retry_after)),))


def quota_spent(retry_after: int) -> Answer:
    return Answer(403, out_of_quota(retry_after), (("Retry-After", str(retry_after)),))


def forbidden_project(project: str) -> Answer:
    return Answer(403, out_of_scope(project))
