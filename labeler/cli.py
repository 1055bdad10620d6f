"""The ``labeler`` command: the composition root for headless use.

Headless subcommands never import Qt. ``open`` and ``demo`` start the desktop app (importing ``ui``
lazily); ``serve``, ``keys`` and ``apim`` hand over to the sync service's own command line, imported
only then, so everyday commands stay quick.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import labeler
from labeler.services import project as project_mod

_SERVER_COMMANDS = ("serve", "maintain", "keys", "apim")


class CliError(Exception):
    """A failure reported as one line on stderr with a non-zero exit code."""


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list and args_list[0] in _SERVER_COMMANDS:
        return _server_main(args_list)
    parser = build_parser()
    args = parser.parse_args(args_list)
    handler: Callable[[argparse.Namespace], int] | None = getattr(args, "handler", None)
    if handler is None:
        # `labeler` on its own starts the app.
        from labeler import cli_app

        return cli_app.open_app(None)
    try:
        return handler(args)
    except KeyboardInterrupt:
        print(
            "labeler: interrupted (work done so far is saved; run the command again to continue)",
            file=sys.stderr,
        )
        return 130
    except (CliError, project_mod.ProjectError, ValueError, OSError) as exc:
        print(f"labeler: error: {exc}", file=sys.stderr)
        return 1


def _server_main(argv: list[str]) -> int:
    try:
        from labeler.server import cli as server_cli
    except ImportError as exc:
        print(
            f"labeler: error: the sync service needs the server extra ({exc.name} is missing): "
            "pip install 'labeler[server]'",
            file=sys.stderr,
        )
        return 1
    return int(server_cli.main(argv))


def build_parser() -> argparse.ArgumentParser:
    from labeler import cli_app, cli_data, cli_project, cli_sync

    parser = argparse.ArgumentParser(
        prog="labeler",
        description="Keyboard-first image labeling. PROJECT is a .labeler file or an image folder "
        "(a folder's project lives in the user's data directory).",
    )
    parser.add_argument("--version", action="version", version=f"labeler {labeler.__version__}")
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")
    cli_project.register(sub)
    cli_data.register(sub)
    cli_app.register(sub)
    cli_sync.register(sub)
    for name, text in (
        ("serve", "run the sync service (see `labeler serve --help`)"),
        ("maintain", "expire the sync service's old idempotency keys and feed rows once"),
        ("keys", "manage the sync service's subscription keys (see `labeler keys --help`)"),
        ("apim", "write Azure API Management deployment files (see `labeler apim --help`)"),
    ):
        sub.add_parser(name, help=text, add_help=False)
    return parser


def emit(args: argparse.Namespace, payload: dict[str, Any], text: str) -> None:
    """Print ``payload`` as JSON with ``--json``, else the human-readable ``text``."""
    if getattr(args, "json", False):
        print(json.dumps(payload, indent=2, default=str))
    else:
        print(text)


def progress_bar(desc: str, args: argparse.Namespace) -> Callable[[int, int], None]:
    """A tqdm progress callback on stderr; silent with --json or when stderr is not a terminal."""
    from tqdm import tqdm

    quiet = getattr(args, "json", False) or not os.isatty(2)
    bar: Any = None

    def update(done: int, total: int) -> None:
        nonlocal bar
        if quiet:
            return
        if bar is None:
            bar = tqdm(total=total, desc=desc, unit="img", file=sys.stderr, leave=False)
        bar.n = done
        bar.refresh()
        if done >= total:
            bar.close()

    return update


def project_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "project", metavar="PROJECT", type=Path, help="a .labeler file or an image folder"
    )


def json_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the result as JSON for scripts")


if __name__ == "__main__":
    raise SystemExit(main())
