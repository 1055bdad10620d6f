"""``python -m ui PROJECT``: open a project (a ``.labeler`` file or an image folder) in the app."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from labeler import authors
from labeler.services import project as project_svc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ui", description=__doc__)
    parser.add_argument("project", type=Path, help="a .labeler project file or an image folder")
    args = parser.parse_args(argv)
    target: Path = args.project
    from ui import app

    if not target.is_dir():
        return app.run(target)  # a project file that cannot be opened is shown in a message
    # A folder's project is made on first use, here; its names are listed in the app, in the
    # background, once the window is up.
    try:
        opened = app.open_target(target, authors.default_author())
    except project_svc.ProjectError as exc:
        print(f"labeler: {exc}", file=sys.stderr)
        return 1
    return app.run(target, opened)


if __name__ == "__main__":
    sys.exit(main())
