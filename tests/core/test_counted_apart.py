"""Files that cannot be labeled are counted apart, so progress can reach 100 %, and every export
says what each status kept out."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from labeler.domain import status as status_mod
from labeler.formats import export
from labeler.services import exporting, images, indexing, review, stats
from labeler.services import project as project_mod
from tests.helpers import images as img_files

S = status_mod.ImageStatus


def _project_with_bad_files(tmp_path: Path) -> project_mod.Project:
    folder = tmp_path / "photos"
    img_files.distinct_jpegs(folder, 6, size=(64, 48))
    (folder / "empty.jpg").write_bytes(b"")
    (folder / "notes.jpg").write_text("not a picture")
    img_files.truncated_jpeg(folder / "cut.jpg")
    img_files.png_bomb(folder / "huge.png", 4_000, 3_000)  # 12 MP
    project = project_mod.create_project(
        tmp_path / "p.labeler", classes=["cat"], max_pixels=10_000_000, author="tester"
    )
    indexing.add_folder(project, folder)
    indexing.index_pending(project)
    return project


def test_progress_counts_files_that_cannot_be_labeled_apart(tmp_path: Path) -> None:
    with _project_with_bad_files(tmp_path) as project:
        usable = images.list_image_ids(project, images.ImageFilter(problems=False))
        review.set_status(project, usable, S.DONE)
        done = stats.progress(project)
        assert (done.labeled, done.labelable, done.cannot_label) == (6, 6, 4)
        assert done.percent == 100.0  # it can be finished
        assert done.apart() == "4 that cannot be labeled"
        s = stats.statistics(project)
        assert (s.total, s.labeled, s.labelable, s.cannot_label) == (10, 6, 6, 4)
    out = subprocess.run(
        [sys.executable, "-m", "labeler.cli", "stats", str(tmp_path / "p.labeler")],
        capture_output=True, text=True, check=False, timeout=120,
    ).stdout  # fmt: skip
    assert "images: 10 (4 that cannot be labeled)" in out
    assert "labeled: 6 of 6 that can be labeled (100%)" in out


def test_exports_say_what_each_status_kept_out(tmp_path: Path) -> None:
    with _project_with_bad_files(tmp_path) as project:
        usable = images.list_image_ids(project, images.ImageFilter(problems=False))
        review.set_status(project, usable[:3], S.DONE)
        review.set_status(project, usable[3:4], S.SKIPPED)
        review.set_status(project, usable[4:5], S.NEEDS_REVIEW)
        result = exporting.export_project(
            project, format="csv", out=tmp_path / "out", options=export.ExportOptions()
        )
        kept = {"new": 1, "skipped": 1, "needs_review": 1, "cannot_be_labeled": 4}
        assert result.counts["kept_out"] == kept
        manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
        assert manifest["counts"]["kept_out"] == kept
        assert exporting.kept_out_text(result.counts) == (
            "1 new, 1 skipped, 1 needs review, 4 that cannot be labeled"
        )
    out = subprocess.run(
        [sys.executable, "-m", "labeler.cli", "export", str(tmp_path / "p.labeler"),
         "--format", "coco", "--out", str(tmp_path / "coco"), "--status", "done,needs_review"],
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "exported 4 images" in out.stdout
    assert "kept out: 1 new, 1 skipped, 4 that cannot be labeled" in out.stdout
