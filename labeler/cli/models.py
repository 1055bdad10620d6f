"""``labeler models add|list|remove``: the user's models (ONNX files and scoring endpoints)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from labeler.assist import kinds as model_kinds
from labeler.cli import common

if TYPE_CHECKING:
    from labeler.services import assist

# The model service (onnxruntime, OpenCV, the sync client for endpoints) is imported by the
# commands that use it, so that `labeler --help` starts in a moment.


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("models", help="register, list and remove models for pre-labeling")
    msub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    kinds = ", ".join(k.value for k in model_kinds.Kind if k is not model_kinds.Kind.ENDPOINT)
    a = msub.add_parser(
        "add",
        help="register an ONNX model file (copied and pinned by SHA-256) or a scoring endpoint",
        description="Register a model under NAME. An ONNX FILE is copied into the data directory "
        "and pinned by its SHA-256 (--link keeps it where it is, checked against its hash on every "
        "load); its kind is read from the file where it can be (Ultralytics metadata, AutoML's "
        "output names). --endpoint registers an Azure ML online endpoint (AutoML image scoring "
        "contract), called with the key and sign-in sync uses.",
    )
    a.add_argument("name", metavar="NAME")
    a.add_argument("file", metavar="FILE", type=Path, nargs="?", help="the ONNX model file")
    a.add_argument("--kind", choices=[k.value for k in model_kinds.Kind if k is not model_kinds.Kind.ENDPOINT],
                   help=f"the model's kind when the file does not say ({kinds})")  # fmt: skip
    a.add_argument("--decoder", type=Path, help="SAM: the prompt decoder (FILE is the encoder)")
    a.add_argument("--labels", type=Path,
                   help="AutoML: labels.json with the class names (default: next to FILE)")  # fmt: skip
    a.add_argument("--names", help="comma-separated class names, for files that do not carry them")
    a.add_argument("--link", action="store_true", help="reference FILE where it is, do not copy")
    a.add_argument("--endpoint", metavar="URL", help="a scoring URL instead of a FILE")
    a.add_argument("--key", help="the endpoint's subscription key (kept in the keyring)")
    common.json_arg(a)
    a = msub.add_parser("list", help="the registered models")
    common.json_arg(a)
    a = msub.add_parser("remove", help="forget a model (its copied file is deleted)")
    a.add_argument("name", metavar="NAME")
    common.json_arg(a)
    p.set_defaults(handler=cmd_models)


def _row(e: assist.Entry) -> dict[str, Any]:
    return {
        "name": e.name, "kind": e.kind.value, "sha256": e.sha256,
        "files": {k: f.path for k, f in e.files.items()}, "linked": e.linked,
        "classes": list(e.names), "endpoint": e.endpoint, "class_map": dict(e.class_map),
        "added_at": e.added_at,
    }  # fmt: skip


def cmd_models(args: argparse.Namespace) -> int:
    from labeler.services import assist

    if args.action == "add":
        return _add(args)
    if args.action == "remove":
        entry = assist.remove_model(args.name)
        common.emit(args, {"removed": _row(entry)}, f"removed model {entry.name}")
        return 0
    rows = [_row(e) for e in assist.list_models()]
    lines = [
        f"{r['name']}  {r['kind']}  {r['sha256'][:12]}  "
        f"{r['endpoint'] or next(iter(r['files'].values()), '')}  ({len(r['classes'])} classes)"
        for r in rows
    ]
    common.emit(
        args, {"models": rows}, "\n".join(lines) or "(no models; add one with `labeler models add`)"
    )
    return 0


def _add(args: argparse.Namespace) -> int:
    from labeler.services import assist

    if args.endpoint:
        if args.file is not None:
            raise common.CliError("give either FILE or --endpoint URL, not both")
        entry, where = assist.add_endpoint(args.name, args.endpoint, args.key)
        common.emit(args, {"model": _row(entry), "key": where},
                    f"added endpoint {entry.name}: {entry.endpoint} ({where})")  # fmt: skip
        return 0
    if args.file is None:
        raise common.CliError("give the model FILE (or --endpoint URL)")
    if args.key:
        raise common.CliError("--key goes with --endpoint")
    names = [n.strip() for n in args.names.split(",") if n.strip()] if args.names else None
    entry, how = assist.add_model(
        args.name, args.file, kind=assist.Kind(args.kind) if args.kind else None,
        decoder=args.decoder, labels=args.labels, names=names, link=args.link,
    )  # fmt: skip
    text = (
        f"added {entry.name}: {entry.kind.description} ({how}); {len(entry.names)} classes; "
        f"SHA-256 {entry.sha256[:12]}… {'linked' if entry.linked else 'copied'} to "
        f"{entry.path()}"
    )
    common.emit(args, {"model": _row(entry), "recognised_by": how}, text)
    return 0
