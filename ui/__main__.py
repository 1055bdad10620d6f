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
    if target.is_dir():
        # A folder's project is made on first use; its names are listed in the app, in the
        # background, once the window is up.
        try:
            project_svc.open_or_create(target, author=authors.default_author())[0].close()
        except project_svc.ProjectError as exc:
            print(f"labeler: {exc}", file=sys.stderr)
            return 1
    from ui import app  # Qt loads only once the arguments are known to be fine

    return app.run(target)


if __name__ == "__main__":
    sys.exit(main())
