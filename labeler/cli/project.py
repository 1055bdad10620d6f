"""``labeler new|scan|stats|classes|kinds|attributes|backup``: projects and their images from the command line."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from labeler.cli import common
from labeler.domain import geometry as geo
from labeler.domain import image as image_mod
from labeler.domain import kinds
from labeler.domain import schema as schema_mod

if TYPE_CHECKING:
    from labeler.services import indexing, stats
    from labeler.services import project as project_mod

# The services (and SQLAlchemy under them) are imported by the commands that use them, so that
# `labeler --help` and commands that need no project start in a moment.

_KIND_NAMES = ", ".join(k.value for k in kinds.SHAPE_KINDS)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("new", help="create a project from an image folder and index it")
    p.add_argument("project", metavar="PROJECT", type=Path, help="the .labeler file to create")
    p.add_argument(
        "--images", required=True, type=Path, metavar="DIR", help="folder of images (recursive)"
    )
    p.add_argument(
        "--classes", default="", help="comma-separated class names, in order (e.g. cat,dog)"
    )
    p.add_argument(
        "--tags", choices=[m.value for m in schema_mod.TagMode], default="none",
        help="image-level tags: none, single (one class per image) or multi (multi-label)",
    )  # fmt: skip
    p.add_argument(
        "--kinds", metavar="KINDS", default=None,
        help=f"comma-separated shape kinds the project uses: {_KIND_NAMES} (default box)",
    )  # fmt: skip
    p.add_argument("--no-boxes", action="store_true", help="the project does not use boxes")
    p.add_argument("--polygons", action="store_true", help="the project uses polygons too")
    p.add_argument(
        "--max-pixels", type=int, default=image_mod.DEFAULT_MAX_PIXELS,
        help="images with more pixels are recorded as problems, never decoded (default %(default)s)",
    )  # fmt: skip
    common.json_arg(p)
    p.set_defaults(handler=cmd_new)

    p = sub.add_parser(
        "scan", help="rescan the project's folders: add new files, flag missing, re-link moved"
    )
    common.project_arg(p)
    common.json_arg(p)
    p.set_defaults(handler=cmd_scan)

    p = sub.add_parser("stats", help="progress, statuses, classes and problem files")
    common.project_arg(p)
    common.json_arg(p)
    p.set_defaults(handler=cmd_stats)

    _register_schema(sub)

    p = sub.add_parser("backup", help="write a consistent copy of a project, even while it is open")
    common.project_arg(p)
    p.add_argument("file", type=Path, metavar="FILE", help="where to write the copy")
    common.json_arg(p)
    p.set_defaults(handler=cmd_backup)


def _register_schema(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("classes", help="list, add, rename or remove classes")
    common.project_arg(p)
    csub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    c = csub.add_parser("list", help="list the classes in order")
    common.json_arg(c)
    c = csub.add_parser("add", help="add a class")
    c.add_argument("name")
    c.add_argument("--color", help="#rrggbb")
    c.add_argument("--hotkey", help="one letter or digit")
    common.json_arg(c)
    c = csub.add_parser("rename", help="rename a class (its labels stay)")
    c.add_argument("old")
    c.add_argument("new")
    common.json_arg(c)
    c = csub.add_parser("remove", help="remove a class and its labels (or move them with --to)")
    c.add_argument("name")
    c.add_argument("--to", metavar="CLASS", help="move the removed class's labels to this class")
    common.json_arg(c)
    c = csub.add_parser(
        "move",
        help="move every label of a class to another (also labels left on a class that sync "
        "removed)",
    )
    c.add_argument("source", metavar="FROM", help="the class whose labels move (live or removed)")
    c.add_argument("target", metavar="TO", help="the class they move to")
    common.json_arg(c)
    p.set_defaults(handler=cmd_classes)

    p = sub.add_parser("kinds", help="list the kinds of labels and turn them on or off")
    common.project_arg(p)
    p.add_argument(
        "--shapes", metavar="KINDS",
        help=f"the shape kinds to use from now on, comma-separated ({_KIND_NAMES}; '' for none)",
    )  # fmt: skip
    p.add_argument(
        "--tags", choices=[m.value for m in schema_mod.TagMode], help="image-level tags from now on"
    )
    common.json_arg(p)
    p.set_defaults(handler=cmd_kinds)
    p = sub.add_parser("attributes", help="list, add or remove the project's own shape attributes")
    common.project_arg(p)
    asub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    c = asub.add_parser("list", help="list the attributes (the common ones first)")
    common.json_arg(c)
    c = asub.add_parser("add", help="define an attribute shapes can carry")
    c.add_argument("name")
    c.add_argument("--kind", choices=[k.value for k in schema_mod.AttributeKind], default="bool")
    c.add_argument("--choices", default="", help="comma-separated values (choice attributes)")
    c.add_argument("--default", help="the value new shapes start with")
    common.json_arg(c)
    c = asub.add_parser("remove", help="remove an attribute definition")
    c.add_argument("name")
    common.json_arg(c)
    p.set_defaults(handler=cmd_attributes)


def _open(args: argparse.Namespace) -> project_mod.Project:
    from labeler.services import indexing
    from labeler.services import project as project_mod

    target: Path = args.project
    project, created = project_mod.open_or_create(target, author=common.author(args))
    if created:
        indexing.add_folder(project, target)
    return project


def _index(project: project_mod.Project, args: argparse.Namespace) -> indexing.IndexResult:
    from labeler.services import indexing

    return indexing.index_pending(project, progress=common.progress_bar("indexing", args))


def cmd_new(args: argparse.Namespace) -> int:
    from labeler.services import indexing, stats
    from labeler.services import project as project_mod

    path: Path = args.project
    if path.suffix != project_mod.PROJECT_SUFFIX:
        path = path.with_name(path.name + project_mod.PROJECT_SUFFIX)
    if not args.images.is_dir():
        raise common.CliError(f"--images {args.images}: not a folder")
    classes = [c for c in (s.strip() for s in args.classes.split(",")) if c]
    tasks = schema_mod.TaskKinds(schema_mod.TagMode(args.tags), _new_shapes(args))
    with project_mod.create_project(
        path, classes=classes, tasks=tasks, max_pixels=args.max_pixels, author=common.author(args)
    ) as project:
        added = indexing.add_folder(project, args.images)
        result = _index(project, args)
        summary = stats.statistics(project)
    payload = {
        "project": str(path),
        "images": added.added,
        "problems": [dataclasses.asdict(p) for p in summary.problems],
        "duplicates": summary.duplicates,
        "classes": classes,
    }
    lines = [f"created {path}: {added.added} images, {len(classes)} classes"]
    lines += _problem_lines(summary, result)
    common.emit(args, payload, "\n".join(lines))
    return 0


def _new_shapes(args: argparse.Namespace) -> frozenset[geo.ShapeKind]:
    """``--kinds`` (box when not given), with ``--polygons`` added and ``--no-boxes`` taken out."""
    shapes = set(kinds.parse_kinds(args.kinds) if args.kinds is not None else {geo.ShapeKind.BOX})
    if args.polygons:
        shapes.add(geo.ShapeKind.POLYGON)
    if args.no_boxes:
        shapes.discard(geo.ShapeKind.BOX)
    return frozenset(shapes)


def cmd_kinds(args: argparse.Namespace) -> int:
    from labeler.services import schema

    with _open(args) as project:
        before = schema.get_schema(project).tasks
        tasks = before
        if args.shapes is not None:
            tasks = schema_mod.TaskKinds(tasks.tags, kinds.parse_kinds(args.shapes))
        if args.tags is not None:
            tasks = schema_mod.TaskKinds(schema_mod.TagMode(args.tags), tasks.shapes)
        if tasks != before:
            schema.set_tasks(project, tasks)
        counts = schema.kind_counts(project)
    rows: list[dict[str, Any]] = [
        {"kind": k.value, "on": tasks.shows(k), "labels": counts.get(k, (0, 0))[0],
         "images": counts.get(k, (0, 0))[1]}
        for k in kinds.KINDS
    ]  # fmt: skip
    lines = [f"tags: {tasks.tags.value}"]
    for r in rows:
        spec = kinds.spec(geo.ShapeKind(r["kind"]))
        state = "on " if r["on"] else "off"
        hidden = (
            "" if r["on"] or not r["labels"] else " (hidden in the app; kept, synced, exported)"
        )
        where = "1 image" if r["images"] == 1 else f"{r['images']} images"
        lines.append(f"  {state}  {spec.plural}: {r['labels']} on {where}{hidden}")
    common.emit(args, {"tags": tasks.tags.value, "kinds": rows}, "\n".join(lines))
    return 0


def cmd_scan(args: argparse.Namespace) -> int:
    from labeler.services import indexing, stats

    with _open(args) as project:
        adds, result = indexing.scan(project, progress=common.progress_bar("indexing", args))
        summary = stats.statistics(project)
        outside = stats.shapes_outside_frames(project)
    payload = {
        "project": str(project.path),
        "added": sum(a.added for a in adds),
        "missing": len(summary.missing),
        "newly_missing": sum(a.missing for a in adds),
        "returned": sum(a.returned for a in adds),
        "changed": sum(a.changed for a in adds),
        "indexed": result.indexed,
        "relinked": result.relinked,
        "problems": [dataclasses.asdict(p) for p in summary.problems],
        "missing_files": summary.missing,
        "duplicates": summary.duplicates,
        "shapes_outside_frame": [dataclasses.asdict(o) for o in outside],
    }
    lines = [
        f"scanned {project.path}: {payload['added']} new, {result.relinked} moved or renamed (re-linked), "
        f"{len(summary.missing)} missing, {payload['changed']} changed"
    ]
    lines += _problem_lines(summary, result)
    lines += [f"  missing: {m}" for m in summary.missing[:20]]
    lines += _outside_lines(outside)
    common.emit(args, payload, "\n".join(lines))
    return 0


def _problem_lines(summary: stats.ProjectStats, result: indexing.IndexResult) -> list[str]:
    lines = []
    if summary.problems:
        lines.append(f"{len(summary.problems)} files cannot be labeled (skipped):")
        lines += [f"  {p.path}: {p.detail}" for p in summary.problems[:50]]
        if len(summary.problems) > 50:
            lines.append(
                f"  ... and {len(summary.problems) - 50} more (labeler stats --json lists all)"
            )
    for group in summary.duplicates[:20]:
        lines.append("duplicate files (same bytes): " + ", ".join(group))
    return lines


def _outside_lines(outside: list[stats.ShapeOutsideFrame]) -> list[str]:
    if not outside:
        return []
    lines = [
        f"{len(outside)} shapes reach outside their image (fix or delete them in the app; "
        "exports cut them to the image):"
    ]
    lines += [f"  {o.describe()}" for o in outside[:50]]
    if len(outside) > 50:
        lines.append(f"  ... and {len(outside) - 50} more (labeler scan --json lists all)")
    return lines


def cmd_stats(args: argparse.Namespace) -> int:
    from labeler.services import stats

    with _open(args) as project:
        s = stats.statistics(project)
    apart = stats.Progress(s.labeled, s.labelable, s.cannot_label, len(s.missing)).apart()
    pct = 100 * s.labeled / s.labelable if s.labelable else 0
    lines = [
        f"{s.name} ({s.path})",
        f"images: {s.total}" + (f" ({apart})" if apart else ""),
        f"labeled: {s.labeled} of {s.labelable} that can be labeled ({pct:.0f}%)",
        "status: " + ", ".join(f"{k} {v}" for k, v in s.per_status.items() if v),
        f"annotations: {s.annotations}",
    ]
    lines += [f"  {name}: {n}" for name, n in s.per_class.items()]
    if s.pending_index:
        lines.append(f"not indexed yet: {s.pending_index} (run labeler scan)")
    if s.missing:
        lines.append(f"missing files: {len(s.missing)}")
    if s.problems:
        lines.append(f"problem files: {len(s.problems)}")
        lines += [f"  {p.path}: {p.detail}" for p in s.problems[:20]]
    if s.duplicates:
        lines.append(f"duplicate groups: {len(s.duplicates)}")
    common.emit(args, s.to_json(), "\n".join(lines))
    return 0


def cmd_classes(args: argparse.Namespace) -> int:
    from labeler.services import schema

    with _open(args) as project:
        if args.action == "add":
            schema.add_class(project, args.name, color=args.color, hotkey=args.hotkey)
        elif args.action == "rename":
            schema.update_class(project, schema.find_class(project, args.old).id, name=args.new)
        elif args.action == "remove":
            target = schema.find_class(project, args.to).id if args.to else None
            schema.delete_class(
                project, schema.find_class(project, args.name).id, reassign_to=target
            )
        elif args.action == "move":
            target = schema.find_class(project, args.target).id
            changes = schema.move_labels(project, args.source, target)
            print(f"moved {len(changes.annotations)} labels to {args.target}", file=sys.stderr)
        current = schema.get_schema(project)
        counts = schema.class_counts(project)
    rows: list[dict[str, Any]] = [
        {"id": c.id, "name": c.name, "color": c.color, "hotkey": c.hotkey, "order": c.order,
         "annotations": counts.get(c.id, 0)}
        for c in current.classes
    ]  # fmt: skip
    text = "\n".join(
        f"{r['order']:>3}  {r['hotkey'] or ' '}  {r['color']}  {r['name']}  ({r['annotations']})"
        for r in rows
    )
    common.emit(args, {"classes": rows}, text or "(no classes)")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from labeler.services import maintenance

    with _open(args) as project:
        target = maintenance.backup(project, args.file)
    common.emit(args, {"backup": str(target)}, f"backed up {project.path} to {target}")
    return 0


def cmd_attributes(args: argparse.Namespace) -> int:
    from labeler.services import schema

    with _open(args) as project:
        if args.action == "add":
            kind = schema_mod.AttributeKind(args.kind)
            choices = [c for c in args.choices.split(",") if c.strip()]
            schema.add_attribute(project, args.name, kind, choices=choices, default=args.default)
        elif args.action == "remove":
            schema.remove_attribute(project, args.name)
        current = schema.get_schema(project).attributes
    rows: list[dict[str, Any]] = [
        {"name": name, "kind": "bool", "choices": [], "common": True}
        for name in schema_mod.COMMON_ATTRIBUTES
    ] + [
        {"name": a.name, "kind": a.kind.value, "choices": list(a.choices), "common": False}
        for a in current
    ]
    text = "\n".join(
        f"{r['name']}  ({r['kind']}{': ' + ', '.join(r['choices']) if r['choices'] else ''})"
        + ("  [common]" if r["common"] else "")
        for r in rows
    )
    common.emit(args, {"attributes": rows}, text)
    return 0
