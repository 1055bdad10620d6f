"""Project statistics: progress, statuses, classes, problems, duplicates."""

from __future__ import annotations

import dataclasses
import os
from typing import Any

import sqlalchemy as sa

from labeler.domain import status as status_mod
from labeler.services import indexing
from labeler.services import project as project_mod
from labeler.services import schema as schema_svc
from labeler.store import models


@dataclasses.dataclass(frozen=True, slots=True)
class ProblemImage:
    path: str
    problem: str
    detail: str


@dataclasses.dataclass(frozen=True, slots=True)
class ProjectStats:
    """What ``labeler stats`` prints and the app's status bar summarises."""

    name: str
    path: str
    total: int
    labeled: int
    per_status: dict[str, int]
    per_class: dict[str, int]
    annotations: int
    pending_index: int
    missing: list[str]
    problems: list[ProblemImage]
    duplicates: list[list[str]]
    data_revision: int
    schema_version: int

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def statistics(project: project_mod.Project) -> ProjectStats:
    img = models.ImageRow
    root = models.ImageRootRow
    schema = schema_svc.get_schema(project)
    counts = schema_svc.class_counts(project)
    with project.read() as session:
        meta = session.execute(sa.select(models.ProjectMeta)).scalar_one()
        per_status = {s.value: 0 for s in status_mod.ImageStatus}
        for value, n in session.execute(
            sa.select(img.status, sa.func.count()).group_by(img.status)
        ):
            per_status[value] = n
        bad = session.execute(
            sa.select(root.path, img.rel_path, img.problem, img.problem_detail, img.missing)
            .join(root, root.id == img.root_id)
            .where(sa.or_(img.problem.is_not(None), img.missing.is_(True)))
            .order_by(img.root_order, img.sort_key)
        ).all()
        pending = session.execute(
            sa.select(sa.func.count()).where(img.indexed.is_(False), img.missing.is_(False))
        ).scalar_one()
    missing = [os.path.join(r, p) for r, p, _, _, m in bad if m]
    problems = [
        ProblemImage(os.path.join(r, p), prob, detail or prob)
        for r, p, prob, detail, m in bad
        if prob and not m
    ]
    return ProjectStats(
        name=meta.name,
        path=str(project.path),
        total=sum(per_status.values()),
        labeled=sum(per_status[s.value] for s in status_mod.LABELED),
        per_status=per_status,
        per_class={c.name: counts.get(c.id, 0) for c in schema.classes},
        annotations=sum(counts.values()),
        pending_index=int(pending),
        missing=missing,
        problems=problems,
        duplicates=indexing.duplicates(project),
        data_revision=meta.data_revision,
        schema_version=meta.schema_version,
    )
