"""``labeler open`` and ``labeler demo``: the desktop app and the bundled sample project."""

from __future__ import annotations

import argparse
import importlib.resources
import json
import shutil
from pathlib import Path

from labeler import paths
from labeler.cli import common
from labeler.domain import annotation as ann_mod
from labeler.domain import geometry as geo
from labeler.domain import schema as schema_mod
from labeler.domain import status as status_mod
from labeler.services import annotate, images, indexing, recent, review, schema
from labeler.services import project as project_mod

#: How many sample images the demo project brings already labeled (and marked done).
DEMO_LABELED = 8


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("open", help="start the desktop app on a project or image folder")
    p.add_argument(
        "project", nargs="?", type=Path, metavar="PROJECT", help="a .labeler file or image folder"
    )
    p.set_defaults(handler=lambda a: open_app(a.project))

    p = sub.add_parser("demo", help="create the bundled sample project and open it in the app")
    p.add_argument(
        "--dir", type=Path, help="where to put the sample (default: the user's data directory)"
    )
    p.add_argument(
        "--no-gui", action="store_true", help="only create the project and say where it is"
    )
    common.json_arg(p)
    p.set_defaults(handler=cmd_demo)


def open_app(target: Path | None) -> int:
    """Start the desktop app (Qt is imported only here).

    Without a target the most recent project opens; a first start opens the sample project.
    """
    if target is None:
        recent_projects = recent.list_recent()
        target = recent_projects[0] if recent_projects else create_demo(paths.data_dir() / "demo")
    # Checked here, so a bad target is a plain message; a folder's names are listed in the app,
    # in the background, once its window is up.
    project, _ = project_mod.open_or_create(target)
    project.close()
    try:
        from ui import app
    except ImportError as exc:
        hint = (
            " (the app is the `app` extra: pip install 'labeler[app]')"
            if exc.name is not None and exc.name.startswith(("PySide6", "shiboken6"))
            else ""
        )
        raise common.CliError(f"the desktop app cannot start: {exc}{hint}") from exc
    return int(app.run(target))


def cmd_demo(args: argparse.Namespace) -> int:
    folder: Path = args.dir or paths.data_dir() / "demo"
    path = create_demo(folder)
    if args.no_gui:
        common.emit(
            args,
            {"project": str(path)},
            f"sample project ready: {path}\nopen it with: labeler open {path}",
        )
        return 0
    return open_app(path)


def create_demo(folder: Path) -> Path:
    """Copy the sample images to ``folder`` and make ``folder/demo.labeler`` (reused if there)."""
    path = folder / "demo.labeler"
    if path.exists():
        project_mod.open_project(path).close()  # upgrades an older one; refuses a newer one
        return path
    folder.mkdir(parents=True, exist_ok=True)
    sample = importlib.resources.files("resources.sample")
    target = folder / "images"
    target.mkdir(exist_ok=True)
    for item in sample.joinpath("images").iterdir():
        if item.name.lower().endswith(".jpg"):
            with importlib.resources.as_file(item) as src:
                shutil.copyfile(src, target / item.name)
    truth = json.loads(sample.joinpath("labels.json").read_text())
    tasks = schema_mod.TaskKinds(tags=schema_mod.TagMode.NONE, boxes=True, polygons=True)
    with project_mod.create_project(
        path, name="sample parts", classes=truth["classes"], tasks=tasks
    ) as project:
        indexing.add_folder(project, target)
        indexing.index_pending(project)
        by_name = {c.name: c.id for c in schema.get_schema(project).classes}
        for image in images.list_images(project, limit=DEMO_LABELED):
            shapes = []
            for shape in truth["images"].get(image.rel_path, []):
                polygon = geo.Polygon(tuple((float(x), float(y)) for x, y in shape["polygon"]))
                if shape["class"] == "bracket":  # brackets as polygons, round parts as boxes
                    shapes.append(
                        ann_mod.NewShape(by_name[shape["class"]], geo.ShapeKind.POLYGON, polygon)
                    )
                else:
                    shapes.append(
                        ann_mod.NewShape(by_name[shape["class"]], geo.ShapeKind.BOX, polygon.bounds)
                    )
            annotate.add_annotations(project, image.id, shapes)
            review.set_status(project, [image.id], status_mod.ImageStatus.DONE)
    return path
