"""Liveness and readiness."""

from __future__ import annotations

import importlib.metadata

import fastapi
import sqlalchemy as sa

from labeler.server import deps
from labeler.server.routes import docs
from labeler.sync.wire import protocol

router = fastapi.APIRouter(tags=["health"])


def _version() -> str:
    try:
        return importlib.metadata.version("labeler")
    except importlib.metadata.PackageNotFoundError:
        return "0+unknown"


@router.get(
    "/health",
    operation_id="getHealth",
    summary="Is the service up",
    description="Answers 200 while the process runs; does not touch the database.",
    response_model=protocol.Health,
    responses={**docs.example({"status": "ok", "version": "0.1.0"}), **docs.errors()},
)
def health() -> protocol.Health:
    return protocol.Health(version=_version())


@router.get(
    "/ready",
    operation_id="getReadiness",
    summary="Can the service answer requests",
    description="Answers 200 when the database answers a query, 503 when it does not.",
    response_model=protocol.Ready,
    responses={**docs.example({"status": "ok", "database": "postgresql"}), **docs.errors()},
)
def ready(svc: deps.Service) -> protocol.Ready:
    with svc.engine.connect() as conn:
        conn.execute(sa.text("SELECT 1"))
    return protocol.Ready(database=svc.engine.dialect.name)
