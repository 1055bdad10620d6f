"""The ``labeler`` command: the composition root for headless use.

Headless subcommands never import Qt. ``open`` and ``demo`` start the desktop app (importing ``ui``
lazily); ``serve``, ``keys`` and ``apim`` hand over to the sync service's own command line, imported
only then, so everyday commands stay quick.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence

import labeler
from labeler import errors
from labeler.cli import common

log = logging.getLogger("labeler")

_SERVER_COMMANDS = ("serve", "maintain", "keys", "apim")


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list and args_list[0] in _SERVER_COMMANDS:
        return _server_main(args_list)
    parser = build_parser()
    args = parser.parse_args(args_list)
    handler: Callable[[argparse.Namespace], int] | None = getattr(args, "handler", None)
    if handler is None:
        # `labeler` on its own starts the app.
        from labeler.cli import app as cli_app

        return cli_app.open_app(None, args.author)
    try:
        return handler(args)
    except KeyboardInterrupt:
        print(
            "labeler: interrupted (work done so far is saved; run the command again to continue)",
            file=sys.stderr,
        )
        return 130
    except Exception as exc:
        return errors.report(exc, prog="labeler", log=log)


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
    from labeler.cli import app as cli_app
    from labeler.cli import data as cli_data
    from labeler.cli import models as cli_models
    from labeler.cli import predict as cli_predict
    from labeler.cli import project as cli_project
    from labeler.cli import sync as cli_sync

    parser = argparse.ArgumentParser(
        prog="labeler",
        description="Keyboard-first image labeling. PROJECT is a .labeler file or an image folder "
        "(a folder's project lives in the user's data directory).",
    )
    parser.add_argument("--version", action="version", version=f"labeler {labeler.__version__}")
    common.author_arg(parser)
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")
    cli_project.register(sub)
    cli_data.register(sub)
    cli_app.register(sub)
    cli_sync.register(sub)
    cli_models.register(sub)
    cli_predict.register(sub)
    for command in list(sub.choices.values()):
        # Also after the command's name (``labeler import ... --author NAME``); given there it
        # wins, left out it does not hide one given before the command.
        common.author_arg(command, default=argparse.SUPPRESS)
    for name, text in (
        ("serve", "run the sync service (see `labeler serve --help`)"),
        ("maintain", "expire the sync service's old idempotency keys and feed rows once"),
        ("keys", "manage the sync service's subscription keys (see `labeler keys --help`)"),
        ("apim", "write Azure API Management deployment files (see `labeler apim --help`)"),
    ):
        sub.add_parser(name, help=text, add_help=False)
    return parser
