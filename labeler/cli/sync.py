"""``labeler link|sync|conflicts``: sharing a project's labels with a team's server."""

from __future__ import annotations

import argparse
import dataclasses
import random
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from labeler.cli import common
from labeler.sync import names as sync_names

if TYPE_CHECKING:
    from labeler.services import project as project_mod
    from labeler.services import sync

# The sync service (the engine, the HTTP client) is imported by the commands that use it, so that
# `labeler --help` starts in a moment.

#: Seconds between rounds of `labeler sync` without --once, and the longest wait while offline.
DEFAULT_INTERVAL = 5.0
MAX_OFFLINE_WAIT = 120.0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "link", help="publish the project on a sync server, or join the server's project"
    )
    common.project_arg(p)
    p.add_argument("--remote", required=True, metavar="URL", help="the sync service's root URL")
    p.add_argument(
        "--project", dest="remote_project", required=True, metavar="NAME",
        help="the project's name on the server (published there if it does not exist yet)",
    )  # fmt: skip
    p.add_argument(
        "--key",
        help=f"subscription key (kept in the OS keyring when there is one; else set "
        f"{sync_names.KEY_ENV})",
    )
    p.add_argument(
        "--upload-images", action="store_true",
        help="also send the image files the server lacks, so that people who join receive them",
    )  # fmt: skip
    p.add_argument(
        "--no-download", action="store_true",
        help="do not fetch the server's images missing here (they are listed instead)",
    )  # fmt: skip
    p.add_argument(
        "--images-dir", type=Path, metavar="DIR",
        help="where fetched images go (default: the project's first image folder, else "
        "PROJECT-images beside the project file)",
    )  # fmt: skip
    common.json_arg(p)
    p.set_defaults(handler=cmd_link)

    p = sub.add_parser("sync", help="push local edits, then pull the team's (repeats until Ctrl+C)")
    common.project_arg(p)
    p.add_argument("--once", action="store_true", help="one round, then exit")
    p.add_argument(
        "--interval", type=float, default=DEFAULT_INTERVAL, metavar="S",
        help="seconds between rounds (default %(default)s)",
    )  # fmt: skip
    common.json_arg(p)
    p.set_defaults(handler=cmd_sync)

    p = sub.add_parser("conflicts", help="list conflicts, or resolve one: mine, theirs or both")
    common.project_arg(p)
    p.add_argument("action", nargs="?", choices=["list", "resolve"], default="list")
    p.add_argument("id", nargs="?", help="the conflict's id (or its first characters)")
    p.add_argument("choice", nargs="?", choices=[c.value for c in sync_names.Choice])
    common.json_arg(p)
    p.set_defaults(handler=cmd_conflicts)


def _stderr(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def options(key: str | None = None) -> sync.Options:
    """How the command line reaches the server: the key, and Entra ID sign-in when the
    environment sets it up (device-code instructions go to stderr)."""
    from labeler.services import sync

    try:
        return sync.Options(key=key, token_source=sync.entra_sign_in(_stderr))
    except sync.SignInError as exc:
        raise common.CliError(str(exc)) from exc


def _open(args: argparse.Namespace) -> project_mod.Project:
    """The project of a ``.labeler`` file or of an image folder (made and indexed on first use,
    so that its images have the hashes sync recognises them by)."""
    from labeler.services import indexing
    from labeler.services import project as project_mod

    target: Path = args.project
    project, created = project_mod.open_or_create(target, author=common.author(args))
    if created:
        indexing.add_folder(project, target)
        indexing.index_pending(project)
    return project


def _open_for_link(args: argparse.Namespace) -> project_mod.Project:
    """As :func:`_open`, and a ``.labeler`` file that does not exist yet is made empty: joining
    a server project needs nothing local (schema, labels and images come from the server)."""
    from labeler.services import project as project_mod

    target: Path = args.project
    if target.suffix == project_mod.PROJECT_SUFFIX and not target.exists():
        try:
            return project_mod.create_project(target, author=common.author(args))
        except project_mod.ProjectError as exc:
            raise common.CliError(str(exc)) from exc
    return _open(args)


def cmd_link(args: argparse.Namespace) -> int:
    from labeler.services import sync

    lines: list[str] = []
    storage: sync.KeyStorage | None = None
    with _open_for_link(args) as project:
        try:
            bars = {
                stage: common.progress_bar(f"{stage}ing images", args)
                for stage in ("upload", "download")
            }
            result, report = sync.link_project(
                project, args.remote, args.remote_project, options(args.key),
                sync.ImageTransfer(
                    upload=args.upload_images, download=not args.no_download,
                    download_to=args.images_dir,
                ),
                lambda stage, done, total: bars[stage](done, total),
            )  # fmt: skip
        except sync.SyncError as exc:
            raise common.CliError(str(exc)) from exc
    if args.key:  # only a key the service accepted is worth keeping
        storage = sync.store_key(args.remote, args.key)
        lines.append(storage.why)
    verb = "published" if result.published else "joined"
    # Publishing puts the project's classes on the server: they are created there, not matched.
    classes = "created on the server" if result.published else "matched"
    lines.append(
        f"{verb} {result.remote_project} on {args.remote}: {result.images_sent} images sent, "
        f"{result.classes_matched} classes {classes}"
    )
    lines += _image_lines(result)
    if result.missing_here:
        lines.append(f"{len(result.missing_here)} server images are not on this workstation:")
        lines += [f"  {p}" for p in result.missing_here[:50]]
    lines += _report_lines(report)
    payload: dict[str, Any] = {
        "published": result.published,
        "remote": args.remote,
        "project": result.remote_project,
        "images_sent": result.images_sent,
        "classes_matched": result.classes_matched,
        "missing_here": list(result.missing_here),
        "upload": dataclasses.asdict(result.upload) if result.upload else None,
        "download": _download_json(result) if result.download else None,
        "key_stored": storage.stored if storage else None,
        "sync": report.to_json(),
    }
    common.emit(args, payload, "\n".join(lines))
    return 0


def _image_lines(result: Any) -> list[str]:
    lines: list[str] = []
    up = result.upload
    if up is not None:
        lines.append(
            f"image files: {up.uploaded} uploaded ({up.bytes_sent / 1e6:.1f} MB), "
            f"{up.already_there} already on the server, {len(up.skipped)} not sent"
        )
        lines += [f"  not sent {path}: {why}" for path, why in up.skipped[:50]]
    down = result.download
    if down is not None:
        lines.append(
            f"image files: {len(down.downloaded)} fetched into {result.images_dir} "
            f"({down.bytes_received / 1e6:.1f} MB), {len(down.not_on_server)} not held by "
            f"the server"
        )
        lines += [
            f"  left alone {p}: a different file is already there" for p in down.in_the_way[:50]
        ]
        lines += [f"  saved {a} as {b}: its server path was unsafe" for a, b in down.renamed[:50]]
    return lines


def _download_json(result: Any) -> dict[str, Any]:
    out = dataclasses.asdict(result.download)
    out["here"] = sorted(out["here"])
    out["images_dir"] = result.images_dir
    return out


def _report_lines(report: sync.SyncReport) -> list[str]:
    lines = [
        f"pushed {report.pushed}, pulled {report.pulled}, new conflicts {report.conflicts}, "
        f"open conflicts {report.open_conflicts}, rejected {len(report.rejected)}"
        + (" (full resync)" if report.full_resync else "")
    ]
    lines += [f"  rejected {r.kind} {r.record_id}: {r.reason}" for r in report.rejected[:50]]
    lines += [f"  schema: {n.text}" for n in report.schema_notes]
    lines += [f"  {u.text}" for u in report.unreadable[:50]]
    if report.parked:
        lines.append(f"  {report.parked} changes wait for images not on this workstation")
    if report.open_conflicts:
        lines.append("  see them with: labeler conflicts PROJECT")
    return lines


def cmd_sync(args: argparse.Namespace) -> int:
    from labeler.services import sync

    with _open(args) as project:
        if args.once:
            try:
                report = sync.sync_once(project, options())
            except sync.SyncError as exc:
                raise common.CliError(str(exc)) from exc
            common.emit(args, report.to_json(), "\n".join(_report_lines(report)))
            return 0
        return _sync_forever(project, args)


def _pause(seconds: float) -> None:
    time.sleep(seconds)


def _sync_forever(project: project_mod.Project, args: argparse.Namespace) -> int:
    from labeler.services import sync

    interval = max(0.5, float(args.interval))
    wait = interval
    opts = options()  # one sign-in for every round
    while True:
        try:
            report = sync.sync_once(project, opts)
        except sync.ConfigurationError as exc:
            raise common.CliError(str(exc)) from exc
        except sync.NotLinked as exc:
            raise common.CliError(str(exc)) from exc
        except sync.OfflineError as exc:
            # Offline: keep the edits, try again later, waiting longer each time.
            wait = min(MAX_OFFLINE_WAIT, wait * 2) * random.uniform(0.8, 1.0)
            print(f"offline ({exc}); next try in {wait:.0f} s", file=sys.stderr)
        else:
            wait = interval
            if (
                report.pushed
                or report.pulled
                or report.conflicts
                or report.rejected
                or report.unreadable
            ):
                common.emit(args, report.to_json(), "\n".join(_report_lines(report)))
        sys.stdout.flush()
        _pause(wait)


def cmd_conflicts(args: argparse.Namespace) -> int:
    from labeler.services import sync

    with _open(args) as project:
        if args.action == "resolve":
            if not args.id or not args.choice:
                raise common.CliError("say which conflict and how: resolve ID mine|theirs|both")
            try:
                sync.resolve_conflict(project, args.id, sync.Choice(args.choice))
            except sync.ConflictError as exc:
                raise common.CliError(str(exc)) from exc
            common.emit(
                args,
                {"resolved": args.id, "choice": args.choice},
                f"resolved {args.id}: {args.choice}"
                + (" (pushed at the next sync)" if args.choice != "theirs" else ""),
            )
            return 0
        found = sync.list_conflicts(project)
    rows = [
        {
            "id": c.id, "kind": c.kind, "record": c.record_id, "image": c.image_path,
            "mine": {"class": c.local_class, **c.local, "by": c.local_author, "at": c.local_at},
            "theirs": {"class": c.remote_class, **c.remote, "by": c.remote_author,
                       "at": c.remote_at, "revision": c.remote_revision},
        }
        for c in found
    ]  # fmt: skip
    lines = []
    for c in found:
        lines.append(f"{c.id[:8]}  {c.kind}  {c.image_path or '?'}")
        lines.append(
            f"    mine:   {_describe(c.local, c.local_class)}  ({c.local_author}, {c.local_at})"
        )
        lines.append(
            f"    theirs: {_describe(c.remote, c.remote_class)}  ({c.remote_author}, {c.remote_at})"
        )
    common.emit(args, {"conflicts": rows}, "\n".join(lines) or "no conflicts")
    return 0


def _describe(version: dict[str, Any], class_name: str | None) -> str:
    if version.get("deleted"):
        return "deleted"
    if "status" in version:
        return str(version["status"])
    parts = [class_name or "(no class)"]
    if version.get("geometry") is not None:
        parts.append(str(version["geometry"]))
    return " ".join(parts)
