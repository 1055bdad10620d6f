"""``labeler export|import``: training datasets out of a project, other tools' labels in."""

from __future__ import annotations

import argparse
from pathlib import Path

from labeler import cli
from labeler.domain import status as status_mod
from labeler.formats import base, export, registry, splits
from labeler.services import exporting, importing
from labeler.services import project as project_mod

_TASKS = ("detect", "segment", "classify", "multiclass", "multilabel")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    names = ", ".join(registry.FORMAT_NAMES)
    p = sub.add_parser(
        "export",
        help="write a training dataset (COCO, YOLO, VOC, Azure ML, CSV, labelme, CreateML)",
    )
    cli.project_arg(p)
    p.add_argument("--format", required=True, metavar="F", help=f"one of: {names}")
    p.add_argument(
        "--out",
        required=True,
        type=Path,
        metavar="DIR",
        help="folder to write (created; must be empty)",
    )
    p.add_argument(
        "--split", default="0.8,0.1,0.1", help="train,val,test ratios (default %(default)s)"
    )
    p.add_argument("--seed", type=int, default=0, help="changes the split assignment, reproducibly")
    p.add_argument(
        "--status", default="done,approved",
        help="comma-separated statuses to export (default %(default)s; never images nobody looked at)",
    )  # fmt: skip
    p.add_argument(
        "--classes", help="comma-separated classes to export (renumbered 0..k-1 in project order)"
    )
    p.add_argument("--images", choices=[m.value for m in base.ImageMode], default="copy",
                   help="copy (upright, EXIF applied), link, symlink or none (default %(default)s)")  # fmt: skip
    p.add_argument(
        "--task",
        choices=_TASKS,
        help="YOLO: detect|segment|classify; Azure ML: detect|segment|multiclass|multilabel",
    )
    p.add_argument(
        "--image-url-prefix", default="", help="Azure ML: azureml://.../paths/ datastore prefix"
    )
    p.add_argument("--overwrite", action="store_true", help="replace a previous export at --out")
    cli.json_arg(p)
    p.set_defaults(handler=cmd_export)

    p = sub.add_parser(
        "import", help="import labels from a dataset (COCO, YOLO, VOC, labelme, Azure ML, CSV)"
    )
    cli.project_arg(p)
    p.add_argument("path", type=Path, metavar="PATH", help="the dataset file or folder")
    p.add_argument("--format", required=True, metavar="F", help=f"one of: {names}")
    p.add_argument("--map", action="append", default=[], metavar="OLD=NEW",
                   help="use class NEW for the dataset's class OLD (repeatable)")  # fmt: skip
    p.add_argument(
        "--no-create",
        action="store_true",
        help="fail instead of creating classes the project lacks",
    )
    p.add_argument(
        "--dry-run", action="store_true", help="say what would be added, matched and created"
    )
    cli.json_arg(p)
    p.set_defaults(handler=cmd_import)


def cmd_export(args: argparse.Namespace) -> int:
    statuses = frozenset(status_mod.parse_status(s) for s in args.status.split(",") if s.strip())
    classes = (
        tuple(c.strip() for c in args.classes.split(",") if c.strip()) if args.classes else None
    )
    options = export.ExportOptions(
        ratios=splits.parse_ratios(args.split),
        seed=args.seed,
        statuses=statuses,
        classes=classes,
        images=base.ImageMode(args.images),
        task=args.task,
        image_url_prefix=args.image_url_prefix,
        overwrite=args.overwrite,
    )
    with project_mod.open_project(project_mod.resolve_project_path(args.project)) as project:
        result = exporting.export_project(
            project, format=args.format, out=args.out, options=options,
            progress=cli.progress_bar("exporting", args),
        )  # fmt: skip
    counts = result.report.counts()
    payload = {
        "out": str(result.out),
        "format": result.format,
        "task": result.task,
        "counts": result.counts,
        "class_ids": result.class_ids,
        "manifest": str(result.manifest_path),
        "inexact": [{"code": c, "where": w, "message": m} for c, w, m in result.report.entries],
    }
    lines = [
        f"exported {result.counts.get('images', '?')} images to {result.out} ({result.format})"
    ]
    lines += [f"  {k}: {v}" for k, v in result.counts.items() if k != "images"]
    if counts:
        lines.append("not expressed exactly (see manifest.json for the list):")
        lines += [f"  {code}: {n}" for code, n in sorted(counts.items())]
    cli.emit(args, payload, "\n".join(lines))
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    mapping = importing.parse_mapping(args.map)
    with project_mod.open_project(project_mod.resolve_project_path(args.project)) as project:
        kwargs = {
            "format": args.format,
            "path": args.path,
            "mapping": mapping,
            "create_classes": not args.no_create,
        }
        try:
            if args.dry_run:
                plan = importing.dry_run(project, **kwargs)
            else:
                plan = importing.import_dataset(project, **kwargs)
        except base.FormatError as exc:
            raise cli.CliError(f"{exc} (nothing was imported)") from exc
    verb = "would add" if plan.dry_run else "added"
    lines = [
        f"{plan.format} dataset {plan.path}: {plan.dataset_images} images",
        f"  matched by path {plan.matched_by_path}, by content {plan.matched_by_hash}, not in the project {len(plan.unmatched)}",
        f"  {verb} {plan.annotations_added} labels ({plan.annotations_already_there} already there), "
        f"{plan.images_marked_done} images marked done",
    ]
    if plan.classes_created:
        lines.append(
            f"  classes {'to create' if plan.dry_run else 'created'}: {', '.join(plan.classes_created)}"
        )
    if plan.unmatched:
        lines.append(
            "  not in the project (add their folder to the project first): "
            + ", ".join(plan.unmatched[:10])
        )
    counts: dict[str, int] = {}
    for code, _, _ in plan.report:
        counts[code] = counts.get(code, 0) + 1
    lines += [f"  not taken — {code}: {n}" for code, n in sorted(counts.items())]
    cli.emit(args, plan.to_json(), "\n".join(lines))
    return 0
