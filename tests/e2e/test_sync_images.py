"""Image files travel with a project: published with their bytes, fetched by whoever joins."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from labeler.domain import schema as schema_mod
from labeler.services import project as project_mod
from labeler.services import sync
from labeler.sync.engine import blobs
from labeler.sync.wire import client, retry
from labeler.sync.wire import errors as sync_errors
from tests.e2e.conftest import Service, Waits, Workstation, WorkstationFactory


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_joiner_receives_the_files_and_their_labels_in_one_link(
    workstation: WorkstationFactory, shared_images: Path
) -> None:
    ana = workstation("ana")
    box = ana.draw(5, "cat", 3.0)
    published, _ = ana.link(images=sync.ImageTransfer(upload=True))
    assert published.upload is not None
    assert published.upload.uploaded == 6 and published.upload.skipped == ()
    ben = workstation("ben", without=("img_0004.jpg", "img_0005.jpg"))
    joined, report = ben.link()
    folder = ben.project.path.parent / "photos"
    assert joined.images_dir == str(folder)  # into the folder ben labels from
    assert joined.download is not None
    assert sorted(joined.download.downloaded) == ["img_0004.jpg", "img_0005.jpg"]
    assert joined.missing_here == ()
    assert sha(folder / "img_0005.jpg") == sha(shared_images / "img_0005.jpg")
    # The labels of the fetched image applied in the same round: nothing waits.
    assert report.parked == 0
    assert ben.labels() == ana.labels() and box in ben.labels()
    assert not list(folder.glob(".download-*"))


def test_publishing_again_sends_only_what_the_server_lacks(
    workstation: WorkstationFactory,
) -> None:
    ana = workstation("ana")
    first, _ = ana.link(images=sync.ImageTransfer(upload=True))
    again, _ = ana.link(images=sync.ImageTransfer(upload=True))
    assert first.upload.uploaded == 6
    assert again.upload.uploaded == 0 and again.upload.already_there == 6


def test_a_file_changed_since_indexing_is_not_sent_and_says_why(
    workstation: WorkstationFactory,
) -> None:
    ana = workstation("ana")
    changed = ana.project.path.parent / "photos" / "img_0002.jpg"
    changed.write_bytes(changed.read_bytes() + b"edited")  # the manifest still has the old hash
    published, _ = ana.link(images=sync.ImageTransfer(upload=True))
    assert published.upload.uploaded == 5
    [(path, why)] = published.upload.skipped
    assert path == str(changed) and why.startswith("422")


def test_files_the_server_does_not_hold_stay_listed_as_missing(
    workstation: WorkstationFactory,
) -> None:
    workstation("ana").link()  # labels and manifest, no bytes
    ben = workstation("ben", without=("img_0001.jpg",))
    joined, _ = ben.link()
    assert joined.download.not_on_server == ("img_0001.jpg",)
    assert joined.missing_here == ("img_0001.jpg",)
    assert not (ben.project.path.parent / "photos" / "img_0001.jpg").exists()


def test_a_different_file_under_the_same_name_is_left_alone(
    workstation: WorkstationFactory, shared_images: Path, tmp_path: Path
) -> None:
    workstation("ana").link(images=sync.ImageTransfer(upload=True))
    ben = workstation("ben", without=("img_0003.jpg",))
    elsewhere = tmp_path / "ben-downloads"
    mine = elsewhere / "img_0003.jpg"
    mine.parent.mkdir()
    mine.write_bytes(b"someone else's file")
    joined, _ = ben.link(images=sync.ImageTransfer(download_to=elsewhere))
    assert joined.download.in_the_way == ("img_0003.jpg",)
    assert joined.missing_here == ("img_0003.jpg",)
    assert mine.read_bytes() == b"someone else's file"


def test_no_download_lists_the_missing_files_and_writes_nothing(
    workstation: WorkstationFactory,
) -> None:
    ana = workstation("ana")
    box = ana.draw(0, "cat", 1.0)
    ana.link(images=sync.ImageTransfer(upload=True))
    ben = workstation("ben", without=("img_0000.jpg",))
    joined, report = ben.link(images=sync.ImageTransfer(download=False))
    assert joined.download is None and joined.missing_here == ("img_0000.jpg",)
    assert not (ben.project.path.parent / "photos" / "img_0000.jpg").exists()
    assert report.parked == 2 and box not in ben.labels()  # the box and status wait for the file


def test_a_joiner_with_no_images_at_all_gets_a_folder_beside_the_project(
    workstation: WorkstationFactory, service: Service, shared_images: Path, tmp_path: Path
) -> None:
    ana = workstation("ana")
    ana.draw(0, "dog", 2.0)
    ana.link(images=sync.ImageTransfer(upload=True))
    tasks = schema_mod.TaskKinds.of("box", "polygon")
    (tmp_path / "cleo").mkdir()
    project = project_mod.create_project(
        tmp_path / "cleo" / "cleo.labeler", tasks=tasks, author="tester"
    )
    with project:
        cleo = Workstation("cleo", project, service.key("cleo"), service, Waits())
        joined, _ = cleo.link()
        expected = tmp_path / "cleo" / "cleo-images"
        assert joined.images_dir == str(expected)
        names = sorted(p.name for p in shared_images.iterdir())
        assert sorted(p.name for p in expected.iterdir()) == names
        assert cleo.labels() == ana.labels()


@pytest.mark.parametrize(
    ("given", "safe"),
    [
        ("a/b.jpg", "a/b.jpg"),
        ("b.jpg", "b.jpg"),
        ("../b.jpg", None),
        ("a/../../b.jpg", None),
        ("/etc/b.jpg", None),
        ("C:/b.jpg", None),
        ("a\\..\\b.jpg", None),
        ("a//b.jpg", "a/b.jpg"),
    ],
)
def test_server_paths_never_leave_the_destination(given: str, safe: str | None) -> None:
    found = blobs.safe_relative(given)
    assert (str(found) if found is not None else None) == safe


def test_an_unsafe_server_path_is_saved_under_its_hash(tmp_path: Path, service: Service) -> None:
    data = b"\xff\xd8 not really a jpeg"
    digest = hashlib.sha256(data).hexdigest()

    class OneBlob(client.SyncClient):
        def download_blob_to(self, project: str, sha256: str, write: Any, chunk: int = 0) -> int:
            write(data)
            return len(data)

    with OneBlob(service.url) as c:
        got = blobs.download_images(
            c, retry.Retrier(service.url), "p", [blobs.Wanted(digest, "../../evil.JPG")], tmp_path
        )
    assert got.renamed == (("../../evil.JPG", f"_renamed/{digest}.jpg"),)
    assert (tmp_path / "_renamed" / f"{digest}.jpg").read_bytes() == data
    assert not (tmp_path.parent.parent / "evil.JPG").exists()


def test_bytes_that_do_not_match_their_hash_never_take_the_name(tmp_path: Path) -> None:
    class Mangling(client.SyncClient):
        def download_blob_to(self, project: str, sha256: str, write: Any, chunk: int = 0) -> int:
            write(b"mangled by a proxy")
            return 18

    waits: list[float] = []
    retrier = retry.Retrier("http://127.0.0.1:9", retry.RetryPolicy(attempts=3), sleep=waits.append)
    with (
        Mangling("http://127.0.0.1:9") as c,
        pytest.raises(sync_errors.OfflineError, match="SHA-256"),
    ):
        blobs.download_images(c, retrier, "p", [blobs.Wanted("ab" * 32, "x.jpg")], tmp_path)
    assert len(waits) == 2  # retried, then given up
    assert list(tmp_path.iterdir()) == []  # no x.jpg, no temporary file


def test_the_cli_publishes_with_images_and_joins_into_a_chosen_folder(
    workstation: WorkstationFactory,
    service: Service,
    tmp_path: Path,
    capsys: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from labeler import cli

    ana = workstation("ana")
    ana.draw(1, "cat", 4.0)
    ana.project.close()
    monkeypatch.setenv(sync.KEY_ENV, service.key("cli"))  # headless use: no keyring touched
    code = cli.main(
        ["link", str(ana.project.path), "--remote", service.url, "--project", "team",
         "--upload-images"]
    )  # fmt: skip
    assert code == 0
    assert "image files: 6 uploaded" in capsys.readouterr().out
    # Joining from an empty folder: its project is made on first use, the files land in it.
    into = tmp_path / "dana-photos"
    into.mkdir()
    code = cli.main(["link", str(into), "--remote", service.url, "--project", "team"])
    out = capsys.readouterr().out
    assert code == 0
    assert f"image files: 6 fetched into {into}" in out
    assert "not on this workstation" not in out
    assert len(list(into.glob("*.jpg"))) == 6
    elsewhere = tmp_path / "erin-photos"
    code = cli.main(
        ["link", str(tmp_path / "erin.labeler"), "--remote", service.url, "--project", "team",
         "--images-dir", str(elsewhere), "--json"]
    )  # fmt: skip
    assert code == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["download"]["images_dir"] == str(elsewhere)
    assert len(payload["download"]["downloaded"]) == 6 and payload["missing_here"] == []


def test_publishing_again_asks_the_manifest_not_each_image(workstation: WorkstationFactory) -> None:
    ana = workstation("ana")
    ana.link(images=sync.ImageTransfer(upload=True))
    asked: list[str] = []

    def counting(url: str, key: str | None, timeout: float) -> client.SyncClient:
        c = client.SyncClient(url, key=key, timeout=timeout)
        c._session.hooks["response"].append(lambda r, *_a, **_k: asked.append(r.request.method))
        return c

    again, _ = ana.link(images=sync.ImageTransfer(upload=True), make_client=counting)
    assert again.upload.already_there == 6 and again.upload.uploaded == 0
    assert "HEAD" not in asked and "PUT" not in asked  # one manifest page said it all


def test_a_download_killed_midway_leaves_nothing_behind_after_the_next_join(
    workstation: WorkstationFactory,
) -> None:
    workstation("ana").link(images=sync.ImageTransfer(upload=True))
    ben = workstation("ben", without=("img_0002.jpg",))
    folder = ben.project.path.parent / "photos"
    leftover = folder / ".download-abc123.part"  # what a killed process leaves
    leftover.write_bytes(b"half an image")
    joined, _ = ben.link()
    assert joined.missing_here == () and (folder / "img_0002.jpg").exists()
    assert not leftover.exists()
