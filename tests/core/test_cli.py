"""The `labeler` command as a user runs it: exit codes, one-line errors, JSON for scripts."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.helpers import images as img_files


def run(*args: str, env_extra: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "labeler.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_headless_commands_never_load_qt(tmp_path: Path) -> None:
    code = (
        "import sys, labeler.cli as c\n"
        "c.main(['--help']) if False else None\n"
        "c.build_parser()\n"
        "from labeler.services import annotate, images, indexing, review, schema, stats, maintenance\n"
        "assert not [m for m in sys.modules if m.startswith(('PySide6', 'shiboken6', 'ui'))], sorted(sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def test_help_and_opening_a_current_project_load_only_what_they_need(tmp_path: Path) -> None:
    """`labeler --help` answers without SQLAlchemy, and opening a project whose schema is
    current never loads Alembic or the sync client (each costs a noticeable part of a second)."""
    folder = tmp_path / "imgs"
    img_files.distinct_jpegs(folder, 2)
    assert run("new", str(tmp_path / "p"), "--images", str(folder)).returncode == 0
    code = (
        "import contextlib, io, sys\n"
        "from labeler import cli\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        "    cli.main(['--help'])\n"
        "heavy = ('sqlalchemy', 'alembic', 'requests', 'pydantic', 'PIL', 'PySide6')\n"
        "assert not [m for m in sys.modules if m.startswith(heavy)], sorted(sys.modules)\n"
        "from labeler.services import project\n"
        f"project.open_project({str(tmp_path / 'p.labeler')!r}, author='tester').close()\n"
        "late = ('alembic', 'requests', 'pydantic', 'labeler.sync.engine', 'labeler.sync.wire')\n"
        "assert not [m for m in sys.modules if m.startswith(late)], sorted(sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def test_new_scan_stats_classes_backup_round_trip(tmp_path: Path) -> None:
    folder = tmp_path / "imgs"
    img_files.distinct_jpegs(folder, 5)
    proj = tmp_path / "proj"  # the .labeler suffix is added
    assert run("new", str(proj), "--images", str(folder), "--classes", "a, b ,c").returncode == 0
    path = tmp_path / "proj.labeler"
    assert path.is_file()
    listed = json.loads(run("classes", str(path), "list", "--json").stdout)["classes"]
    assert [(c["name"], c["hotkey"]) for c in listed] == [("a", "1"), ("b", "2"), ("c", "3")]
    assert run("classes", str(path), "add", "d", "--hotkey", "x").returncode == 0
    clash = run("classes", str(path), "add", "e", "--hotkey", "x")
    assert clash.returncode == 1
    assert clash.stderr.strip() == "labeler: error: hotkey 'x' is taken by class 'd'"
    assert run("classes", str(path), "rename", "a", "alpha").returncode == 0
    assert run("classes", str(path), "remove", "b").returncode == 0
    names = [
        c["name"] for c in json.loads(run("classes", str(path), "list", "--json").stdout)["classes"]
    ]
    assert names == ["alpha", "c", "d"]
    img_files.jpeg(folder / "new.jpg", color=(3, 3, 3))
    scanned = json.loads(run("scan", str(path), "--json").stdout)
    assert scanned["added"] == 1 and scanned["indexed"] == 1
    stats = json.loads(run("stats", str(path), "--json").stdout)
    assert stats["total"] == 6 and stats["per_status"]["new"] == 6
    backup = run("backup", str(path), str(tmp_path / "b.labeler"))
    assert backup.returncode == 0 and (tmp_path / "b.labeler").is_file()


def test_a_plain_folder_is_a_project_in_the_data_directory(tmp_path: Path) -> None:
    folder = tmp_path / "just pictures"
    img_files.distinct_jpegs(folder, 3)
    first = json.loads(run("stats", str(folder), "--json").stdout)
    assert first["total"] == 3 and first["path"].endswith(".labeler")
    assert not str(first["path"]).startswith(str(folder))
    again = json.loads(run("stats", str(folder), "--json").stdout)
    assert again["path"] == first["path"]


def test_failures_give_one_line_and_a_nonzero_exit(tmp_path: Path) -> None:
    missing = run("stats", str(tmp_path / "nope.labeler"))
    assert (
        missing.returncode == 1
        and missing.stderr.count("\n") == 1
        and "no project at" in missing.stderr
    )
    no_images = run("new", str(tmp_path / "x"), "--images", str(tmp_path / "absent"))
    assert no_images.returncode == 1 and "not a folder" in no_images.stderr
    assert run("bogus").returncode == 2


def test_demo_creates_a_labeled_sample_project(tmp_path: Path) -> None:
    done = run("demo", "--dir", str(tmp_path / "demo"), "--no-gui", "--json")
    assert done.returncode == 0, done.stderr
    path = json.loads(done.stdout)["project"]
    stats = json.loads(run("stats", path, "--json").stdout)
    assert stats["total"] == 24 and stats["per_status"]["done"] == 8 and stats["problems"] == []
    assert stats["per_class"]["washer"] > 0 and stats["per_class"]["bracket"] > 0
    # Running it again reuses the project instead of failing or duplicating it.
    again = run("demo", "--dir", str(tmp_path / "demo"), "--no-gui", "--json")
    assert json.loads(again.stdout)["project"] == path
    assert json.loads(run("stats", path, "--json").stdout)["annotations"] == stats["annotations"]


def test_the_command_line_works_where_qt_cannot_load(tmp_path: Path) -> None:
    """A build server or a headless box without Qt's libraries: every headless command runs
    (importing PySide6 fails there, as it does here for this process)."""
    photos = tmp_path / "photos"
    img_files.distinct_jpegs(photos, 3)
    project = tmp_path / "p.labeler"
    blocker = (
        "import sys\n"
        "sys.modules['PySide6'] = None\n"  # any import of it raises ImportError
        "sys.modules['shiboken6'] = None\n"
        "from labeler.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )

    def headless(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-c", blocker, *args], capture_output=True, text=True,
            timeout=120, check=False,
        )  # fmt: skip

    for args in (
        ["new", str(project), "--images", str(photos), "--classes", "cat,dog"],
        ["scan", str(project)],
        ["stats", str(project), "--json"],
        ["export", str(project), "--format", "coco", "--out", str(tmp_path / "coco"),
         "--status", "new", "--images", "none"],
        ["import", str(project), "--format", "coco", str(tmp_path / "coco"), "--dry-run"],
    ):  # fmt: skip
        done = headless(*args)
        assert done.returncode == 0, (args, done.stderr)
    assert json.loads(headless("stats", str(project), "--json").stdout)["total"] == 3
    assert (tmp_path / "coco" / "manifest.json").exists()
    # The app itself says why it cannot start, in one line.
    gui = headless("open", str(project))
    assert gui.returncode != 0 and "the desktop app cannot start" in gui.stderr
