"""Real temporary projects with a few generated images, for GUI tests."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PIL import Image, ImageDraw

from labeler import authors
from labeler.domain import schema as schema_mod
from labeler.services import indexing
from labeler.services import project as project_svc


def make_images(folder: Path, count: int, size: tuple[int, int] = (160, 120)) -> list[Path]:
    """Write ``count`` small, distinct JPEG files named img1.jpg, img2.jpg, ..."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        im = Image.new("RGB", size, ((40 * i) % 256, 90, 160))
        draw = ImageDraw.Draw(im)
        draw.rectangle((10 + i * 3, 10, 60 + i * 3, 60), outline=(255, 255, 255), width=3)
        draw.ellipse((90, 40, 140, 100), fill=(230, 200, 40))
        path = folder / f"img{i + 1}.jpg"
        im.save(path, quality=85)
        paths.append(path)
    return paths


def make_project(
    root: Path,
    *,
    classes: Sequence[str] = ("cat", "dog", "bird"),
    tasks: schema_mod.TaskKinds | None = None,
    images: int = 4,
    size: tuple[int, int] = (160, 120),
) -> project_svc.Project:
    """A project file in ``root`` with ``images`` indexed JPEGs."""
    project = project_svc.create_project(
        root / "test.labeler", classes=classes, tasks=tasks, author=authors.default_author()
    )
    make_images(root / "images", images, size)
    indexing.add_folder(project, root / "images")
    indexing.index_pending(project, workers=1)
    return project
