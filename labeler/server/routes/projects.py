"""Projects: list, create, get."""

from __future__ import annotations

import fastapi

from labeler.server import deps
from labeler.server.routes import docs
from labeler.server.storage import projects as store
from labeler.sync.wire import protocol

router = fastapi.APIRouter(tags=["projects"])
Role = deps.Role


@router.get(
    "/projects",
    operation_id="listProjects",
    summary="List projects",
    description="The projects the caller may read, by name.",
    response_model=protocol.ProjectList,
    responses={**docs.example({"projects": [docs.PROJECT_EXAMPLE]}), **docs.errors()},
)
def list_projects(svc: deps.Service, who: deps.Caller) -> protocol.ProjectList:
    deps.require(who, Role.READER)
    return protocol.ProjectList(projects=store.list_projects(svc.engine, who.projects))


@router.post(
    "/projects",
    status_code=201,
    operation_id="createProject",
    summary="Create a project",
    description="Creates an empty project with an empty schema. Needs the admin role.",
    response_model=protocol.Project,
    responses={
        201: {"content": {"application/json": {"example": docs.PROJECT_EXAMPLE}}},
        **docs.errors(409, 413),
    },
)
def create_project(
    new: protocol.ProjectCreate, svc: deps.Service, who: deps.Caller
) -> protocol.Project:
    deps.require(who, Role.ADMIN, new.name)
    return store.create(svc.engine, new, who.name)


@router.get(
    "/projects/{project}",
    operation_id="getProject",
    summary="Get a project",
    description="The project's title, feed head, schema version and image count.",
    response_model=protocol.Project,
    responses={**docs.example(docs.PROJECT_EXAMPLE), **docs.errors(404)},
)
def get_project(project: docs.ProjectPath, svc: deps.Service, who: deps.Caller) -> protocol.Project:
    deps.require(who, Role.READER, project)
    return store.get(svc.engine, project)
