"""`labeler export --remote`: an ML engineer takes the team's dataset straight from the server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from labeler import cli
from labeler.domain import status as status_mod
from labeler.server import principal
from labeler.services import review, sync
from tests.e2e.conftest import Service, WorkstationFactory


def _export(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(["export", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def team(workstation: WorkstationFactory) -> Service:
    """A project on the server with three boxes on two finished images and one unfinished."""
    ana = workstation("ana")
    ana.link()
    ana.draw(0, "cat", 10.0)
    ana.draw(0, "dog", 40.0)
    ana.draw(1, "dog", 20.0)
    ana.draw(2, "cat", 30.0)  # on an image nobody marked done: not exported
    review.set_status(ana.project, [ana.image_id(0), ana.image_id(1)], status_mod.ImageStatus.DONE)
    ana.sync()
    return ana.service


def test_remote_coco_export_unpacks_the_servers_dataset(
    team: Service, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "data" / "coco"
    key = team.key("ml", principal.Role.READER)
    code, stdout, err = _export(
        capsys, "--remote", team.url, "--project", "team", "--key", key,
        "--format", "coco", "--out", str(out), "--json",
    )  # fmt: skip
    assert code == 0, err
    result = json.loads(stdout)
    assert result["counts"]["images"] == 2
    assert result["counts"]["labels_per_class"] == {"cat": 1, "dog": 2}
    assert result["class_ids"] == {"cat": 1, "dog": 2}
    coco_files = sorted(p.name for p in (out / "annotations").iterdir())
    assert coco_files and all(n.startswith("instances_") for n in coco_files)
    boxes = sum(
        len(json.loads(f.read_text())["annotations"]) for f in (out / "annotations").iterdir()
    )
    assert boxes == 3
    assert (out / "manifest.json").is_file()
    # Nothing but the dataset is left beside it.
    assert sorted(p.name for p in out.parent.iterdir()) == ["coco"]

    code, stdout, err = _export(
        capsys, "--remote", team.url, "--project", "team", "--key", key,
        "--format", "yolo", "--task", "detect", "--out", str(out),
    )  # fmt: skip
    assert code == 1 and "exists and is not empty" in err and (out / "manifest.json").is_file()
    code, stdout, err = _export(
        capsys, "--remote", team.url, "--project", "team", "--key", key,
        "--format", "yolo", "--task", "detect", "--out", str(out), "--overwrite",
    )  # fmt: skip
    assert code == 0, err
    assert stdout.startswith("exported 2 images of 'team'")
    assert (out / "data.yaml").is_file() and not (out / "annotations").exists()


def test_remote_export_errors_are_one_line_and_leave_nothing(
    team: Service,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(sync.KEY_ENV, raising=False)
    out = tmp_path / "out" / "ds"
    base = ["--remote", team.url, "--project", "team", "--format", "coco", "--out", str(out)]

    code, _, err = _export(capsys, *base, "--key", "wrong")
    assert code == 1 and "refused the key (401)" in err and "request id" in err
    assert err.count("\n") == 1

    monkeypatch.setenv(sync.KEY_ENV, team.key("ml"))
    code, _, err = _export(capsys, *base[:3], "nope", *base[4:])
    assert code == 1 and "no project 'nope'" in err and "(404)" in err

    team.stop()
    code, _, err = _export(capsys, *base)
    assert code == 1 and "cannot reach the server" in err and err.count("\n") == 1
    # All or nothing: no dataset and no half-written folder beside it.
    assert list((tmp_path / "out").iterdir()) == []
