"""Indexing real folders: broken files never stop a scan; moved files keep their labels."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from labeler.domain import annotation as ann_mod
from labeler.domain import geometry as geo
from labeler.domain import image as image_mod
from labeler.services import annotate, images, indexing, schema, stats
from labeler.services import project as project_mod
from tests.helpers import images as img_files


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "labeler.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def messy_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "site-visit"
    img_files.distinct_jpegs(folder, 200, prefix="good")
    img_files.distinct_jpegs(folder / "day2", 100, size=(40, 30), prefix="more")
    img_files.jpeg(folder / "rotated.jpg", (60, 20), orientation=6)
    img_files.jpeg(folder / "mirrored.jpg", (60, 20), orientation=2)
    (folder / "empty.jpg").write_bytes(b"")
    img_files.truncated_jpeg(folder / "cut.jpg")
    (folder / "notes.jpg").write_text("field notes, not a picture\n")
    img_files.png_bomb(folder / "bomb.png")
    (folder / "readme.txt").write_text("ignored: not an image extension")
    (folder / ".hidden.jpg").write_bytes(b"")
    return folder


def test_new_on_a_messy_folder_indexes_the_good_and_lists_the_bad(
    tmp_path: Path, messy_folder: Path
) -> None:
    proj = tmp_path / "site.labeler"
    done = _run("new", str(proj), "--images", str(messy_folder), "--classes", "crack,rust")
    assert done.returncode == 0, done.stderr
    assert "4 files cannot be labeled" in done.stdout
    out = _run("stats", str(proj), "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["total"] == 306
    reasons = {Path(p["path"]).name: (p["problem"], p["detail"]) for p in data["problems"]}
    assert set(reasons) == {"empty.jpg", "cut.jpg", "notes.jpg", "bomb.png"}
    assert reasons["empty.jpg"][0] == "empty"
    assert reasons["cut.jpg"][0] == "truncated"
    assert reasons["notes.jpg"] == (
        "not_an_image",
        "not an image: the content is text, not JPEG, PNG, BMP, TIFF or WebP",
    )
    assert reasons["bomb.png"][0] == "too_large" and "30000 × 30000" in reasons["bomb.png"][1]
    assert data["pending_index"] == 0
    with project_mod.open_project(proj, author="tester") as project:
        by_name = {i.rel_path: i for i in images.list_images(project, limit=1000)}
        assert (by_name["rotated.jpg"].width, by_name["rotated.jpg"].height) == (
            20,
            60,
        )  # displayed frame
        assert by_name["rotated.jpg"].orientation == 6
        assert (by_name["mirrored.jpg"].width, by_name["mirrored.jpg"].height) == (60, 20)
        assert (by_name["day2/more_0000.jpg"].width, by_name["day2/more_0000.jpg"].height) == (
            40,
            30,
        )
        assert (
            by_name["good_0000.jpg"].format == "JPEG"
            and len(by_name["good_0000.jpg"].sha256 or "") == 64
        )
        usable = images.count_images(project, images.ImageFilter(problems=False))
        assert usable == 302


def test_names_come_in_natural_order_before_anything_is_indexed(
    project: project_mod.Project, tmp_path: Path
) -> None:
    folder = tmp_path / "f"
    for name in ("p10.jpg", "p9.jpg", "p1.jpg", "sub/p2.jpg"):
        img_files.jpeg(folder / name)
    indexing.add_folder(project, folder)
    page = images.list_images(project, limit=10)
    assert [i.rel_path for i in page] == ["p1.jpg", "p9.jpg", "p10.jpg", "sub/p2.jpg"]
    assert not any(i.indexed for i in page) and page[0].width is None
    assert indexing.pending_count(project) == 4


def test_indexing_resumes_after_cancel(project: project_mod.Project, tmp_path: Path) -> None:
    folder = tmp_path / "many"
    img_files.distinct_jpegs(folder, 600)
    indexing.add_folder(project, folder)
    token = indexing.CancelToken()
    seen: list[int] = []

    def progress(done: int, total: int) -> None:
        seen.append(done)
        token.cancel()  # stop after the first batch

    first = indexing.index_pending(project, progress=progress, cancel=token)
    assert first.cancelled and 0 < first.indexed < 600
    assert indexing.pending_count(project) == 600 - first.indexed
    rest = indexing.index_pending(project)
    assert rest.indexed == 600 - first.indexed and indexing.pending_count(project) == 0


def test_moved_files_are_relinked_with_labels_and_deleted_ones_flagged(
    indexed: project_mod.Project, image_dir: Path
) -> None:
    # Two more files so ten can move and five can go.
    img_files.distinct_jpegs(image_dir / "extra", 3, size=(50, 30), prefix="x")
    indexing.scan(indexed)
    cls = schema.find_class(indexed, "cat").id
    all_images = images.list_images(indexed, limit=100)
    assert len(all_images) == 15
    for image in all_images:
        annotate.add_annotations(
            indexed, image.id, [ann_mod.NewShape(cls, geo.ShapeKind.BOX, geo.Box(1, 1, 5, 5))]
        )
    moved_names = [i.rel_path for i in all_images[:10]]
    deleted = all_images[10:]
    (image_dir / "archive").mkdir()
    for rel in moved_names:
        shutil.move(image_dir / rel, image_dir / "archive" / f"renamed_{Path(rel).name}")
    for image in deleted:
        os.unlink(image_dir / image.rel_path)

    adds, result = indexing.scan(indexed)
    assert result.relinked == 10
    assert sum(a.missing for a in adds) == 15  # all old paths vanished at listing time...
    s = stats.statistics(indexed)
    assert len(s.missing) == 5  # ...but only the deleted ones stay missing
    assert s.annotations == 15  # nothing lost
    for image in images.get_images(indexed, [i.id for i in all_images[:10]]):
        assert image.rel_path.startswith("archive/renamed_") and not image.missing
        assert len(annotate.list_annotations(indexed, image.id)) == 1
    assert images.count_images(indexed) == 15
    for image in images.get_images(indexed, [i.id for i in deleted]):
        assert image.missing and image.annotation_count == 1


def test_same_bytes_under_two_paths_are_reported_as_duplicates(
    project: project_mod.Project, tmp_path: Path
) -> None:
    folder = tmp_path / "dups"
    img_files.jpeg(folder / "a.jpg")
    shutil.copyfile(folder / "a.jpg", folder / "copy of a.jpg")
    img_files.jpeg(folder / "b.jpg", color=(1, 2, 3))
    indexing.add_folder(project, folder)
    indexing.index_pending(project)
    (group,) = indexing.duplicates(project)
    assert sorted(Path(p).name for p in group) == ["a.jpg", "copy of a.jpg"]


def test_a_changed_file_is_indexed_again(indexed: project_mod.Project, image_dir: Path) -> None:
    target = images.list_images(indexed, limit=1)[0]
    img_files.jpeg(image_dir / target.rel_path, (100, 10))
    os.utime(image_dir / target.rel_path, (1_000_000, 1_000_000))
    adds, _ = indexing.scan(indexed)
    assert sum(a.changed for a in adds) == 1
    again = images.get_image(indexed, target.id)
    assert (again.width, again.height) == (100, 10) and again.sha256 != target.sha256


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their permissions")
def test_an_unreadable_file_is_recorded_not_fatal(
    project: project_mod.Project, tmp_path: Path
) -> None:
    folder = tmp_path / "locked"
    img_files.jpeg(folder / "ok.jpg")
    locked = img_files.jpeg(folder / "locked.jpg", color=(9, 9, 9))
    locked.chmod(0)
    indexing.add_folder(project, folder)
    result = indexing.index_pending(project)
    assert result.problems == {"unreadable": 1}


def test_dangling_links_and_folders_named_like_images_are_recorded_not_fatal(
    project: project_mod.Project, tmp_path: Path
) -> None:
    folder = tmp_path / "odd"
    img_files.jpeg(folder / "ok.jpg")
    os.symlink(tmp_path / "nowhere.jpg", folder / "dangling.jpg")
    indexing.add_folder(project, folder)
    result = indexing.index_pending(project)
    assert result.indexed == 2
    bad = images.list_images(project, images.ImageFilter(problems=True))
    assert [i.rel_path for i in bad] == ["dangling.jpg"]
    assert bad[0].missing or bad[0].problem is image_mod.Problem.UNREADABLE


def test_moved_copies_with_the_same_bytes_each_find_their_labels(
    project: project_mod.Project, tmp_path: Path
) -> None:
    folder = tmp_path / "twins"
    img_files.jpeg(folder / "a.jpg")
    shutil.copyfile(folder / "a.jpg", folder / "b.jpg")
    indexing.add_folder(project, folder)
    indexing.index_pending(project)
    cls = schema.find_class(project, "dog").id
    for image in images.list_images(project):
        annotate.add_annotations(
            project, image.id, [ann_mod.NewShape(cls, geo.ShapeKind.BOX, geo.Box(1, 1, 2, 2))]
        )
    (folder / "moved").mkdir()
    shutil.move(folder / "a.jpg", folder / "moved" / "a.jpg")
    shutil.move(folder / "b.jpg", folder / "moved" / "b.jpg")
    _, result = indexing.scan(project)
    assert result.relinked == 2
    assert [(i.rel_path, i.annotation_count, i.missing) for i in images.list_images(project)] == [
        ("moved/a.jpg", 1, False),
        ("moved/b.jpg", 1, False),
    ]


def test_the_first_page_is_listable_before_the_rest_of_a_large_folder_is_stored(
    project: project_mod.Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(indexing, "FIRST_PAGE", 5)
    folder = tmp_path / "big"
    for i in range(12):
        (folder / f"p{i}.jpg").parent.mkdir(exist_ok=True)
        (folder / f"p{i}.jpg").write_bytes(b"x")  # names only: nothing is read yet
    seen: list[list[str]] = []

    def first_page() -> None:
        # Another connection (as the app's view would) sees the first names already.
        with project_mod.open_project(project.path, author="tester") as other:
            seen.append([i.rel_path for i in images.list_images(other, limit=100)])

    result = indexing.add_folder(project, folder, on_first_page=first_page)
    assert seen == [["p0.jpg", "p1.jpg", "p2.jpg", "p3.jpg", "p4.jpg"]]
    assert result.added == 12 and result.changes.images_added == 12
    assert [i.rel_path for i in images.list_images(project, limit=100)][-3:] == [
        "p9.jpg",
        "p10.jpg",
        "p11.jpg",
    ]
