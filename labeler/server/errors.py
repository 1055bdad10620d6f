"""Error answers in Azure API Management's shape: ``{"statusCode": N, "message": "..."}``."""

from __future__ import annotations

import logging

import fastapi
import pydantic
import sqlalchemy as sa
from fastapi import exceptions as fastapi_exc
from starlette import exceptions as starlette_exc

from labeler.server.storage import errors as storage_errors
from labeler.sync.wire import fields, protocol

log = logging.getLogger(__name__)


def body(status: int, message: str) -> fastapi.responses.JSONResponse:
    # A message may quote what the caller sent (a field name, say): escaped to valid text.
    text = fields.printable(message, 2000)
    return fastapi.responses.JSONResponse(
        protocol.ErrorBody(statusCode=status, message=text).model_dump(), status_code=status
    )


def _validation_message(errors: list[dict[str, object]]) -> str:
    parts = []
    for err in errors[:5]:
        loc = ".".join(str(p) for p in err.get("loc", ()) if p != "body") or "body"  # type: ignore[attr-defined]
        parts.append(f"{loc}: {err.get('msg')}")
    more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
    return "invalid request: " + "; ".join(parts) + more


def _allowed(request: fastapi.Request) -> list[str]:
    """Every method some route serves at this path (Starlette names only the first route's)."""
    methods: set[str] = set()
    for route in request.app.router.routes:
        regex = getattr(route, "path_regex", None)
        if regex is not None and regex.match(request.url.path):
            methods.update(getattr(route, "methods", None) or ())
    return sorted(methods)


def install(app: fastapi.FastAPI) -> None:
    """Answer every error in the APIM shape; storage errors become their 4xx."""

    @app.exception_handler(starlette_exc.HTTPException)
    async def _http(req: fastapi.Request, exc: starlette_exc.HTTPException) -> fastapi.Response:
        response = body(exc.status_code, str(exc.detail))
        for k, v in (exc.headers or {}).items():
            response.headers[k] = v
        if exc.status_code == 405:
            response.headers["Allow"] = ", ".join(_allowed(req))
        return response

    @app.exception_handler(fastapi_exc.RequestValidationError)
    async def _invalid(
        _req: fastapi.Request, exc: fastapi_exc.RequestValidationError
    ) -> fastapi.Response:
        return body(422, _validation_message(list(exc.errors())))

    @app.exception_handler(pydantic.ValidationError)
    async def _invalid_model(
        _req: fastapi.Request, exc: pydantic.ValidationError
    ) -> fastapi.Response:
        return body(422, _validation_message([dict(e) for e in exc.errors()]))

    @app.exception_handler(storage_errors.StorageError)
    async def _storage(_req: fastapi.Request, exc: storage_errors.StorageError) -> fastapi.Response:
        return body(exc.status, str(exc))

    @app.exception_handler(sa.exc.OperationalError)
    async def _db_down(_req: fastapi.Request, exc: sa.exc.OperationalError) -> fastapi.Response:
        log.warning("database unavailable: %s", exc.orig)
        response = body(503, "the database is unavailable; try again shortly")
        response.headers["Retry-After"] = "5"
        return response
