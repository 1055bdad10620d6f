"""A project that cannot store a change says why, in words, and changes nothing.

Root (as CI runs) ignores file permissions, so the read-only cases use what stops root too: the
immutable flag, a read-only bind mount, a tiny tmpfs, and a subprocess that drops to ``nobody``.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest
import sqlalchemy as sa

from labeler import errors
from labeler.domain import status as status_mod
from labeler.services import images, indexing, review
from labeler.services import project as project_mod
from labeler.store import database
from tests.helpers import readonly

S = status_mod.ImageStatus


def _project_with_images(folder: Path, image_dir: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    with project_mod.create_project(
        folder / "p.labeler", classes=["cat"], author="tester"
    ) as project:
        indexing.add_folder(project, image_dir)
        indexing.index_pending(project)
    return folder / "p.labeler"


def _first_status(path: Path) -> str:
    with sqlite3.connect(path) as raw:
        return str(raw.execute("SELECT status FROM image ORDER BY sort_key LIMIT 1").fetchone()[0])


def test_an_immutable_project_opens_says_it_is_read_only_and_refuses_edits_with_the_reason(
    tmp_path: Path, image_dir: Path
) -> None:
    path = _project_with_images(tmp_path / "p", image_dir)
    with readonly.immutable(path), project_mod.open_project(path, author="tester") as project:
        problem = project_mod.write_problem(project)
        assert isinstance(problem, errors.ProjectReadOnly)
        assert "read-only" in str(problem) and "immutable" in str(problem)
        first = images.list_image_ids(project)[0]
        assert images.count_images(project) == 12  # browsing still works
        with pytest.raises(errors.ProjectReadOnly, match="immutable"):
            review.set_status(project, [first], S.DONE)
    assert _first_status(path) == "new"


def test_a_project_on_a_read_only_mount_opens_for_reading(tmp_path: Path, image_dir: Path) -> None:
    path = _project_with_images(tmp_path / "share", image_dir)
    # A project closed cleanly leaves no -wal/-shm files: SQLite cannot read such a file on
    # read-only media without help, and labeler used to refuse to open it at all.
    assert not Path(f"{path}-shm").exists()
    with (
        readonly.read_only_mount(path.parent, tmp_path / "mnt") as mnt,
        project_mod.open_project(mnt / path.name, author="tester") as project,
    ):
        assert images.count_images(project) == 12
        problem = project_mod.write_problem(project)
        assert isinstance(problem, errors.ProjectReadOnly)
        assert "read-only file system" in str(problem)
        with pytest.raises(errors.ProjectReadOnly):
            review.set_status(project, images.list_image_ids(project)[:1], S.DONE)


@pytest.mark.skipif(not hasattr(os, "setuid"), reason="no users to switch to")
def test_a_project_the_user_may_not_write_is_read_only_for_them(
    tmp_path: Path, image_dir: Path
) -> None:
    # A folder anyone may write (the -wal/-shm files go there), holding a file only root may.
    shared = Path(tempfile.mkdtemp(prefix="labeler-test-"))
    request_cleanup = shutil.rmtree
    try:
        shared.chmod(0o777)
        path = _project_with_images(shared, image_dir)
        path.chmod(0o444)
        _check_refused_as_nobody(path)
    finally:
        request_cleanup(shared, ignore_errors=True)


def _check_refused_as_nobody(path: Path) -> None:
    # Everything is imported before dropping to nobody: the interpreter may live where nobody
    # cannot read (a pyenv under /root).
    script = textwrap.dedent(
        f"""
        import os, pwd
        import sqlalchemy as sa
        from labeler import errors
        from labeler.domain import status
        from labeler.services import images, review, project
        sa.create_engine("sqlite://").connect().close()  # loads the SQLite dialect
        if os.getuid() == 0:
            os.setgid(pwd.getpwnam("nobody").pw_gid)
            os.setuid(pwd.getpwnam("nobody").pw_uid)
        p = project.open_project({str(path)!r}, author="tester")
        print(project.write_problem(p))
        try:
            review.set_status(p, images.list_image_ids(p)[:1], status.ImageStatus.DONE)
        except errors.ProjectReadOnly as exc:
            print("refused:", exc)
        """
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=False
    )
    if os.getuid() == 0 and "nobody" in out.stderr:
        pytest.skip(f"cannot switch to the nobody user: {out.stderr.strip()}")
    assert out.returncode == 0, out.stderr
    assert "no permission to write it" in out.stdout
    assert "refused:" in out.stdout
    assert _first_status(path) == "new"


def test_a_full_disk_is_said_at_open_and_refuses_edits(tmp_path: Path, image_dir: Path) -> None:
    with readonly.tiny_disk(tmp_path / "disk", 4096) as disk:
        path = _project_with_images(disk / "p", image_dir)
        readonly.fill(disk)
        with project_mod.open_project(path, author="tester") as project:
            assert isinstance(project_mod.write_problem(project), errors.DiskFull)
            ids = images.list_image_ids(project)
            with pytest.raises(errors.DiskFull, match="full"):
                # Enough writes that the write-ahead log must grow.
                for image_id in ids:
                    review.set_status(project, [image_id], S.DONE, "a comment " * 200)
        (disk / "filler").unlink()


def test_sqlites_full_database_is_refused_in_words(indexed: project_mod.Project) -> None:
    # The same refusal SQLite gives on a full disk, made by capping the file's size.
    pages = indexed.db.engine.connect().exec_driver_sql("PRAGMA page_count").scalar()
    indexed.db.engine.dispose()
    sa.event.listen(
        indexed.db.engine,
        "connect",
        lambda conn, _rec: conn.execute(f"PRAGMA max_page_count = {pages}"),
    )
    ids = images.list_image_ids(indexed)
    with pytest.raises(errors.DiskFull, match=r"disk holding .* is full"):
        for image_id in ids:
            review.set_status(indexed, [image_id], S.DONE, "a long comment " * 400)


def test_a_lock_held_too_long_is_refused_in_words(
    tmp_path: Path, image_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(database, "BUSY_TIMEOUT_MS", 200)
    path = _project_with_images(tmp_path / "p", image_dir)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another program writing, and writing
    try:
        with project_mod.open_project(path, author="tester") as project:
            assert project_mod.write_problem(project) is None  # not read-only: it may pass
            with pytest.raises(errors.ProjectLocked, match="another program"):
                review.set_status(project, images.list_image_ids(project)[:1], S.DONE)
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_a_writable_project_has_no_write_problem(indexed: project_mod.Project) -> None:
    assert project_mod.write_problem(indexed) is None


def test_other_database_errors_stay_bugs(indexed: project_mod.Project) -> None:
    with pytest.raises(sa.exc.OperationalError), indexed.db.write() as session:
        session.execute(sa.text("SELECT * FROM no_such_table"))


def test_free_space_is_checked_at_open(
    indexed: project_mod.Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    usage = shutil.disk_usage(indexed.path.parent)
    monkeypatch.setattr(
        database.shutil, "disk_usage", lambda _p: usage._replace(free=database.MIN_FREE_BYTES - 1)
    )
    assert isinstance(project_mod.write_problem(indexed), errors.DiskFull)
