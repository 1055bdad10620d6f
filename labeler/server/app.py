"""The sync service as an ASGI app: ``create_app(settings)``."""

from __future__ import annotations

from typing import Any

import fastapi

from labeler.server import config as config_mod
from labeler.server import deps, errors, limits, slots
from labeler.server.routes import (
    blobs,
    changes,
    export,
    health,
    images,
    projects,
    push,
    review,
    schema,
    stats,
)
from labeler.server.storage import blobs as blobs_mod
from labeler.server.storage import db
from labeler.sync.wire import protocol

DESCRIPTION = """\
Team sync for labeler: projects, label schemas, image manifests and bytes, a change feed
(pull) and batched pushes with per-record conflict answers.

Every call is made by an authenticated caller: a subscription key in `Ocp-Apim-Subscription-Key`
(or an Entra ID token) checked by the gateway in front of the service. Errors answer
`{"statusCode": N, "message": "..."}`.
"""


def _document_record_data(app: fastapi.FastAPI) -> None:
    """List the per-kind models of a record's ``data`` in the OpenAPI components.

    ``Record.data`` is a free object on the wire (a record that does not fit its kind is
    answered ``rejected``, not 422), so the models would otherwise be missing from the document
    clients and the Power Platform connector are generated from.
    """
    original = app.openapi

    def openapi() -> dict[str, Any]:
        doc = original()
        schemas = doc.setdefault("components", {}).setdefault("schemas", {})
        for name, found in protocol.data_schemas("#/components/schemas/{model}").items():
            schemas.setdefault(name, found)
        return doc

    app.openapi = openapi  # type: ignore[method-assign]


def create_app(settings: config_mod.ServerSettings) -> fastapi.FastAPI:
    """Build the service: upgrade the database, mount the routes, install the gateway.

    Raises:
        config_mod.SettingsError: the settings file's ``[service]`` table is wrong.
    """
    settings = settings.with_file_limits()
    engine = db.create_engine(settings.db_url)
    blobs_dir = settings.resolved_blobs_dir()
    db.upgrade(engine, blobs_dir)
    blobs_dir.mkdir(parents=True, exist_ok=True)
    app = fastapi.FastAPI(
        title="labeler sync API",
        version="1.0.0",
        description=DESCRIPTION,
        openapi_url=f"{protocol.API_PREFIX}/openapi.json",
        docs_url=f"{protocol.API_PREFIX}/docs",
        redoc_url=None,
    )
    app.state.labeler = deps.ServiceState(
        settings=settings,
        engine=engine,
        blobs=blobs_mod.BlobStore(blobs_dir),
        exports=slots.Slots(settings.export_slots, settings.export_retry_after),
    )
    errors.install(app)
    for module in (health, projects, schema, images, blobs, changes, push, review, stats, export):
        app.include_router(module.router, prefix=protocol.API_PREFIX)
    _document_record_data(app)
    app.add_middleware(
        limits.BodyLimit, max_body=settings.max_body_bytes, max_blob=settings.max_blob_bytes
    )
    if settings.gateway == "builtin":
        # Imported here: the gateway is optional and brings its own dependencies (JWT).
        from labeler.server import gateway

        gateway.install(app, engine, gateway.GatewayConfig.load(settings.gateway_config_path))
    return app
