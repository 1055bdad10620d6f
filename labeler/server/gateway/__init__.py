"""labeler's built-in API gateway: what Azure API Management does, on one machine.

``labeler serve --gateway builtin`` calls :func:`install`. Subscription keys (header or query),
APIM-shaped 401/403/404/429 answers, per-key rate limits and quotas counted in the database (so
they hold across server processes), optional Entra ID token validation and ``x-request-id`` on
every answer. Deployed behind real APIM, the gateway stays off and ``labeler apim policy`` prints
the equivalent policy.
"""

from __future__ import annotations

from typing import Any

import fastapi
import sqlalchemy as sa

from labeler.server.gateway import config as _config
from labeler.server.gateway import middleware, openapi, schema

GatewayConfig = _config.GatewayConfig
GatewayConfigError = _config.GatewayConfigError

__all__ = ["GatewayConfig", "GatewayConfigError", "install"]


def install(app: fastapi.FastAPI, engine: sa.Engine, config: GatewayConfig) -> None:
    """Put the gateway in front of ``app``.

    Upgrades the gateway's tables in ``engine``'s database (own Alembic history), adds the
    middleware and extends ``app.openapi()`` with the gateway's security schemes and answers.
    Call it after adding the app's other middleware, so the gateway is the outermost layer and
    every answer carries an ``x-request-id``.
    """
    schema.upgrade(engine)
    app.add_middleware(
        middleware.GatewayMiddleware, engine=engine, config=config, routes=app.router
    )
    original = app.openapi
    cached: dict[str, dict[str, Any]] = {}

    def openapi_with_gateway() -> dict[str, Any]:
        if "doc" not in cached:
            cached["doc"] = openapi.extend(original(), config)
        app.openapi_schema = cached["doc"]
        return cached["doc"]

    app.openapi = openapi_with_gateway  # type: ignore[method-assign]
