"""What every ``labeler`` subcommand shares: the one-line failure, JSON or text output, progress
bars and the common arguments."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from labeler import authors, errors


class CliError(errors.UserError):
    """A failure reported as one line on stderr with a non-zero exit code."""


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


def author_arg(parser: argparse.ArgumentParser, *, default: str | None = None) -> None:
    """``--author NAME``: who the command's changes are signed with."""
    parser.add_argument(
        "--author",
        metavar="NAME",
        default=default,
        help=f"the name changes are signed with (default: {authors.ENV}, else your "
        "operating-system user name); the sync server signs what it accepts with its key's owner",
    )


def author(args: argparse.Namespace) -> str:
    """The author the command signs its changes with: ``--author``, else the default."""
    given: str | None = getattr(args, "author", None)
    return given if given and given.strip() else authors.default_author()


def project_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "project", metavar="PROJECT", type=Path, help="a .labeler file or an image folder"
    )


def json_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the result as JSON for scripts")
