"""``python -m ui PROJECT``: open a project (a ``.labeler`` file or an image folder) in the app."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from labeler.services import indexing
from labeler.services import project as project_svc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ui", description=__doc__)
    parser.add_argument("project", type=Path, help="a .labeler project file or an image folder")
    args = parser.parse_args(argv)
    target: Path = args.project
    if target.is_dir():
        # A folder's project is made on first use; listing names is quick, hashing and reading
        # headers is left to the indexer.
        try:
            project, _created = project_svc.open_or_create(target)
            with project:
                indexing.add_folder(project, target)
        except project_svc.ProjectError as exc:
            print(f"labeler: {exc}", file=sys.stderr)
            return 1
    from ui import app  # Qt loads only once the arguments are known to be fine

    return app.run(project_svc.resolve_project_path(target))


if __name__ == "__main__":
    sys.exit(main())
