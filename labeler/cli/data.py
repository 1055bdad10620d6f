"""``labeler export|import``: training datasets out of a project, other tools' labels in."""

from __future__ import annotations

import argparse
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from labeler.cli import common
from labeler.domain import status as status_mod
from labeler.formats import azureml_urls, base, registry
from labeler.sync import names as sync_names

# The services (SQLAlchemy, the sync client) and the export machinery are imported by the
# commands that use them, so that `labeler --help` and `labeler open` start in a moment.


def _format_options(parser: argparse.ArgumentParser, direction: str) -> None:
    """One flag per format option of ``direction``, as the registry describes them."""
    for option in registry.options(direction):
        takers = [
            f.name
            for f in registry.FORMATS
            if option in (f.export_options if direction == "export" else f.import_options)
        ]
        default = f" (default {option.default})" if option.default else ""
        parser.add_argument(
            option.flag,
            dest=option.name,
            choices=option.choices or None,
            metavar=None if option.choices else option.metavar,
            help=f"{', '.join(takers)}: {option.help}{default}",
        )


def _given_options(args: argparse.Namespace, direction: str) -> dict[str, str]:
    return {
        o.name: getattr(args, o.name)
        for o in registry.options(direction)
        if getattr(args, o.name, None) is not None
    }


def _task_help() -> str:
    return "; ".join(f"{f.name}: {'|'.join(f.tasks)}" for f in registry.FORMATS if f.tasks)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    names = ", ".join(f.name for f in registry.writable())
    titles = ", ".join(f.title.split(" (")[0] for f in registry.writable())
    p = sub.add_parser("export", help=f"write a training dataset ({titles})")
    p.add_argument(
        "project", metavar="PROJECT", type=Path, nargs="?",
        help="a .labeler file or an image folder (not with --remote)",
    )  # fmt: skip
    p.add_argument(
        "--remote", metavar="URL",
        help="export from a sync server instead of a local project (with --project NAME)",
    )  # fmt: skip
    p.add_argument(
        "--project", dest="remote_project", metavar="NAME", help="the project's name on --remote"
    )
    p.add_argument(
        "--key",
        help=f"subscription key for --remote (default: {sync_names.KEY_ENV}, then the keyring)",
    )
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
    p.add_argument("--images", choices=[m.value for m in base.ImageMode], default=None,
                   help="copy (upright, EXIF applied), link, symlink or none (default copy; "
                   "with --remote: none, or copy when the server holds the image files)")  # fmt: skip
    p.add_argument("--task", choices=registry.ALL_TASKS, help=_task_help())
    _format_options(p, "export")
    p.add_argument("--overwrite", action="store_true", help="replace a previous export at --out")
    common.json_arg(p)
    p.set_defaults(handler=cmd_export)

    readable = ", ".join(f.title.split(" (")[0] for f in registry.readable())
    p = sub.add_parser("import", help=f"import labels from a dataset ({readable})")
    common.project_arg(p)
    p.add_argument("path", type=Path, metavar="PATH", help="the dataset file or folder")
    p.add_argument(
        "--format",
        required=True,
        metavar="F",
        help=f"one of: {', '.join(f.name for f in registry.readable())}",
    )
    _format_options(p, "import")
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
    common.json_arg(p)
    p.set_defaults(handler=cmd_import)


def cmd_export(args: argparse.Namespace) -> int:
    from labeler.formats import export, splits
    from labeler.services import exporting
    from labeler.services import project as project_mod

    if args.remote:
        return export_remote(args)
    if args.project is None:
        raise common.CliError("give a PROJECT to export, or --remote URL --project NAME")
    if args.remote_project or args.key:
        raise common.CliError("--project and --key go with --remote URL")
    statuses = frozenset(status_mod.parse_status(s) for s in args.status.split(",") if s.strip())
    classes = (
        tuple(c.strip() for c in args.classes.split(",") if c.strip()) if args.classes else None
    )
    options = export.ExportOptions(
        ratios=splits.parse_ratios(args.split),
        seed=args.seed,
        statuses=statuses,
        classes=classes,
        images=base.ImageMode(args.images or base.ImageMode.COPY.value),
        task=args.task,
        format_options=_export_options(args),
        overwrite=args.overwrite,
    )
    path = project_mod.resolve_project_path(args.project)
    with project_mod.open_project(path, author=common.author(args)) as project:
        result = exporting.export_project(
            project, format=args.format, out=args.out, options=options,
            progress=common.progress_bar("exporting", args),
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
        "next_steps": list(result.report.next_steps),
    }
    n = result.counts.get("images", 0)
    lines = [f"exported {n} image{'s' * (n != 1)} to {result.out} ({result.format})"]
    lines += [f"  {k}: {v}" for k, v in result.counts.items() if k not in ("images", "kept_out")]
    kept = exporting.kept_out_text(result.counts)
    lines.append(
        f"  kept out: {kept} (--status chooses the statuses exported)"
        if kept
        else "  kept out: none"
    )
    if counts:
        lines.append("not expressed exactly (see manifest.json for the list):")
        lines += [f"  {code}: {n}" for code, n in sorted(counts.items())]
    if result.report.next_steps:
        lines.append("next steps (also in manifest.json):")
        lines += [f"  {step}" for step in result.report.next_steps]
    common.emit(args, payload, "\n".join(lines))
    return 0


def _export_options(args: argparse.Namespace) -> dict[str, str]:
    """The format options given; an Azure ML datastore without the workspace takes the
    workspace's config.json from the current folder or a parent, as the Azure ML SDK does."""
    given = _given_options(args, "export")
    partial = not all(k in given for k in ("subscription", "resource_group", "workspace"))
    if (
        given.get("datastore")
        and partial
        and "azureml_config" not in given
        and (found := azureml_urls.find_config(Path.cwd()))
    ):
        given["azureml_config"] = str(found)
    return given


def cmd_import(args: argparse.Namespace) -> int:
    from labeler.services import importing
    from labeler.services import project as project_mod

    mapping = importing.parse_mapping(args.map)
    path = project_mod.resolve_project_path(args.project)
    with project_mod.open_project(path, author=common.author(args)) as project:
        kwargs = {
            "format": args.format,
            "path": args.path,
            "mapping": mapping,
            "create_classes": not args.no_create,
            "options": _given_options(args, "import"),
        }
        try:
            if args.dry_run:
                plan = importing.dry_run(project, **kwargs)
            else:
                plan = importing.import_dataset(project, **kwargs)
        except base.FormatError as exc:
            raise common.CliError(f"{exc} (nothing was imported)") from exc
    verb = "would add" if plan.dry_run else "added"
    lines = [
        f"{plan.format} dataset {plan.path}: {plan.dataset_images} images",
        f"  matched by path {plan.matched_by_path}, by content {plan.matched_by_hash}, not in the project {len(plan.unmatched)}",
        f"  {verb} {plan.annotations_added} labels ({plan.annotations_already_there} already there), "
        f"{plan.images_marked_done} images marked done",
    ]
    if plan.images_marked_needs_review:
        lines.append(
            f"  {plan.images_marked_needs_review} images marked needs review: some of their "
            "objects were not imported (listed below)"
        )
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
    common.emit(args, plan.to_json(), "\n".join(lines))
    return 0


# --- export --remote ------------------------------------------------------------------------------

#: The server's answers a user can act on, in one line each.
_REMOTE_ERRORS = {
    401: "the server refused the key (401); pass the right one with --key or {env}",
    403: "this key may not read project {project!r} on the server (403); ask its admin",
    404: "no project {project!r} at {url} (404); check --remote and --project",
    409: "the server cannot export this as asked (409): {message}",
    422: "the server refused the options (422): {message}",
}


def _remote_query(args: argparse.Namespace) -> dict[str, Any]:
    from labeler.formats import splits

    images = args.images or base.ImageMode.NONE.value
    if images not in (base.ImageMode.NONE.value, base.ImageMode.COPY.value):
        raise common.CliError(f"--images {images} is not available with --remote (none or copy)")
    query: dict[str, Any] = {
        "format": args.format,
        "images": images,
        "ratios": ",".join(f"{r:g}" for r in splits.parse_ratios(args.split)),
        "seed": args.seed,
        "statuses": ",".join(s.strip() for s in args.status.split(",") if s.strip()),
    }
    if args.task:
        query["task"] = args.task
    if args.classes:
        query["classes"] = args.classes
    given = _export_options(args)
    if given.get("datastore"):
        # The server takes the datastore's URL; the workspace is read here, where the user is.
        target = azureml_urls.Target(given, Path(args.out).absolute())
        given = {"image_url_prefix": target.prefix}
    query.update({k: v for k, v in given.items() if k in _SERVER_OPTIONS})
    return query


#: The format options the server's export takes (the others are resolved before asking it).
_SERVER_OPTIONS = ("image_url_prefix", "voc_coordinates")


def _server_error(exc: Any, args: argparse.Namespace) -> common.CliError:
    """The sync client's error (``sync_errors.ApiError``) in words for ``export --remote``."""
    if exc.status == 0:
        return common.CliError(
            f"cannot reach the server at {args.remote} ({exc.message}); check --remote and the "
            "network"
        )
    template = _REMOTE_ERRORS.get(exc.status, "the server answered {status}: {message}")
    text = template.format(
        env=sync_names.KEY_ENV, project=args.remote_project, url=args.remote,
        status=exc.status, message=exc.message,
    )  # fmt: skip
    return common.CliError(text + (f" (request id {exc.request_id})" if exc.request_id else ""))


def _download(args: argparse.Namespace, into: Path) -> None:
    """The server's zip of the export, written to ``into``, through the sync client (the same
    key lookup, Entra ID tokens and errors as ``labeler sync``)."""
    from labeler.cli import sync as cli_sync
    from labeler.services import sync
    from labeler.sync.wire import client as client_mod
    from labeler.sync.wire import errors as sync_errors

    options = cli_sync.options(args.key)
    key = sync.find_key(args.remote.rstrip("/"), options.key) or sync.find_key(args.remote)
    client = client_mod.SyncClient(
        args.remote, key=key, timeout=(10, 600), token_source=options.token_source
    )
    try:
        with client, into.open("wb") as f:
            client.download_export(args.remote_project, _remote_query(args), f.write)
    except sync_errors.ApiError as exc:
        raise _server_error(exc, args) from exc
    except sync.SyncError as exc:  # Entra ID sign-in failed
        raise common.CliError(str(exc)) from exc


def export_remote(args: argparse.Namespace) -> int:
    """``labeler export --remote URL --project NAME``: the server's export, unpacked into --out.

    All or nothing: the zip is unpacked into a hidden folder beside --out, renamed at the end.
    """
    from labeler.formats import manifest

    if not args.remote_project:
        raise common.CliError("--remote needs --project NAME (the project's name on the server)")
    if args.project is not None:
        raise common.CliError("give either PROJECT or --remote, not both")
    out = Path(args.out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())) and not args.overwrite:
        raise common.CliError(f"{out} exists and is not empty (use --overwrite to replace it)")
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        archive = staging / "export.zip"
        _download(args, archive)
        unpacked = staging / "dataset"
        try:
            with zipfile.ZipFile(archive) as zf:
                zf.extractall(unpacked)  # member names are made safe by zipfile
        except zipfile.BadZipFile as exc:
            raise common.CliError(f"the server's answer is not a zip file ({exc})") from exc
        document = manifest.read(unpacked) or {}
        if out.exists():
            old = staging / "previous"
            out.rename(old)
        unpacked.rename(out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    counts = dict(document.get("counts", {}))
    payload = {
        "out": str(out),
        "format": document.get("format", args.format),
        "remote": args.remote,
        "project": args.remote_project,
        "data_revision": document.get("data_revision"),
        "counts": counts,
        "class_ids": document.get("class_ids", {}),
    }
    lines = [
        f"exported {counts.get('images', '?')} images of {args.remote_project!r} "
        f"(revision {document.get('data_revision', '?')}) to {out} ({payload['format']})"
    ]
    lines += [f"  {k}: {v}" for k, v in counts.items() if k != "images"]
    steps = [str(s) for s in document.get("next_steps") or []]
    if steps:
        lines.append("next steps (also in manifest.json):")
        lines += [f"  {step}" for step in steps]
    common.emit(args, payload, "\n".join(lines))
    return 0
