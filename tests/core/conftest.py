"""Fixtures for the Qt-free core: fresh project files and folders of real images."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from labeler.domain import schema as schema_mod
from labeler.services import indexing
from labeler.services import project as project_mod
from tests.helpers import images


@pytest.fixture
def image_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "photos"
    images.distinct_jpegs(folder, 12, size=(160, 120))
    return folder


@pytest.fixture
def project(tmp_path: Path) -> Iterator[project_mod.Project]:
    tasks = schema_mod.TaskKinds.of("box", "polygon")
    with project_mod.create_project(
        tmp_path / "p.labeler", classes=["cat", "dog", "bird"], tasks=tasks, author="tester"
    ) as p:
        yield p


@pytest.fixture
def indexed(project: project_mod.Project, image_dir: Path) -> project_mod.Project:
    indexing.add_folder(project, image_dir)
    indexing.index_pending(project)
    return project
