"""OpenAPI helpers: documented error answers and shared path parameters.

A Power Platform connector is generated from the OpenAPI document, so every operation carries
an operationId, a summary, a description and examples, and lists the errors it may answer.
"""

from __future__ import annotations

from typing import Annotated, Any

import fastapi

from labeler.sync.wire import protocol

_ERRORS: dict[int, tuple[str, str]] = {
    400: ("The request body could not be read.", "There was an error parsing the body"),
    401: (
        "No caller: missing or invalid subscription key or token.",
        "Access denied due to missing subscription key.",
    ),
    403: (
        "The caller's role or project scope does not allow this (with Retry-After: quota spent).",
        "this needs the admin role; ana is annotator",
    ),
    404: ("No such project, image or blob.", "no project 'street-signs'"),
    409: (
        "The resource changed or exists already.",
        "the schema changed (version 4, edit based on 3); reload it and edit again",
    ),
    410: (
        "The cursor is too old to serve: do a full resync.",
        "cursor is older than the oldest change kept (1200); resync",
    ),
    413: (
        "The request body is larger than the limit.",
        "request body larger than the limit of 16777216 bytes",
    ),
    422: (
        "The request is malformed.",
        "invalid request: records.0.id: Input should be a valid UUID",
    ),
    429: (
        "Rate limit exceeded: wait Retry-After seconds.",
        "Rate limit is exceeded. Try again in 3 seconds.",
    ),
    503: (
        "The database is unavailable: try again after Retry-After seconds.",
        "the database is unavailable; try again shortly",
    ),
}

_RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The error answers of an operation: ``codes`` plus those any call may get."""
    out: dict[int | str, dict[str, Any]] = {}
    for code in sorted({400, 401, 403, 422, 429, 503, *codes}):
        description, message = _ERRORS[code]
        entry: dict[str, Any] = {
            "model": protocol.ErrorBody,
            "description": description,
            "content": {"application/json": {"example": {"statusCode": code, "message": message}}},
        }
        if code in (403, 429, 503):
            entry["headers"] = _RETRY_AFTER
        out[code] = entry
    return out


def example(value: Any) -> dict[int | str, dict[str, Any]]:
    """A documented example of a 200 answer."""
    return {200: {"content": {"application/json": {"example": value}}}}


ProjectPath = Annotated[
    str,
    fastapi.Path(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$",
        description="The project's name.",
        examples=["street-signs"],
    ),
]
ShaPath = Annotated[
    str,
    fastapi.Path(
        pattern=r"^[0-9a-f]{64}$",
        description="SHA-256 of the image's bytes, lower-case hex.",
        examples=["9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"],
    ),
]

SHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
PROJECT_EXAMPLE = {
    "name": "street-signs",
    "title": "Street signs",
    "created_at": "2026-11-27T04:00:00Z",
    "head": 1200,
    "schema_version": 3,
    "images": 5000,
}
