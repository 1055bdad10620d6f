"""Dependencies of the routes: the service's state and who is calling."""

from __future__ import annotations

import dataclasses
from typing import Annotated

import fastapi
import sqlalchemy as sa

from labeler.server import config as config_mod
from labeler.server import principal as principal_mod
from labeler.server import slots as slots_mod
from labeler.server.storage import blobs as blobs_mod

Role = principal_mod.Role


@dataclasses.dataclass(frozen=True, slots=True)
class ServiceState:
    """What every request of one app shares (nothing of it changes between requests)."""

    settings: config_mod.ServerSettings
    engine: sa.Engine
    blobs: blobs_mod.BlobStore
    exports: slots_mod.Slots


# The dependencies are ``async`` although they never wait: FastAPI runs a plain ``def``
# dependency on a worker thread, and the hop costs more than the work on a busy machine.


async def service(request: fastapi.Request) -> ServiceState:
    state: ServiceState = request.app.state.labeler
    return state


async def caller(request: fastapi.Request) -> principal_mod.Principal:
    """The authenticated caller: left by the built-in gateway, or forwarded by APIM.

    Raises:
        fastapi.HTTPException: 401 when no caller is known.
    """
    found = request.scope.get(principal_mod.SCOPE_KEY)
    if isinstance(found, principal_mod.Principal):
        return found
    state: ServiceState = request.app.state.labeler
    if state.settings.gateway == "off":
        from_headers = principal_mod.from_trusted_headers(request.headers)
        if from_headers is not None:
            return from_headers
        raise fastapi.HTTPException(
            401, f"no caller: the {principal_mod.USER_HEADER} header set by the gateway is missing"
        )
    raise fastapi.HTTPException(401, "no caller: the request was not authenticated")


Service = Annotated[ServiceState, fastapi.Depends(service)]
Caller = Annotated[principal_mod.Principal, fastapi.Depends(caller)]


def require(who: principal_mod.Principal, role: Role, project: str | None = None) -> None:
    """Raise 403 unless ``who`` has ``role`` on ``project``."""
    if who.may(role, project):
        return
    if who.may(role):
        raise fastapi.HTTPException(403, f"{who.name} may not use project {project!r}")
    raise fastapi.HTTPException(
        403, f"this needs the {role.value} role; {who.name} is {who.role.value}"
    )
