"""``labeler export``/``import`` take each format's tasks and options from its description."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from labeler.domain import geometry as geo
from tests.formats import _loader_project as lp


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return lp.build(tmp_path_factory.mktemp("cli"))


def _run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "labeler.cli", *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
    )


def test_azure_ml_export_with_a_datastore_finds_the_workspace_and_says_how_to_upload(
    project: Path, tmp_path: Path
) -> None:
    workspace = tmp_path / "work"
    (workspace / ".azureml").mkdir(parents=True)
    (workspace / ".azureml" / "config.json").write_text(
        json.dumps({"subscription_id": "s-1", "resource_group": "rg", "workspace_name": "ws"})
    )
    (workspace / "deeper").mkdir()

    refused = _run("export", project, "--format", "azureml", "--out", tmp_path / "no")
    assert refused.returncode == 1
    assert "--datastore NAME" in refused.stderr and not (tmp_path / "no").exists()

    done = _run(
        "export", project, "--format", "azureml", "--out", tmp_path / "aml",
        "--datastore", "lake", "--task", "multilabel", cwd=workspace / "deeper",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    line = json.loads((tmp_path / "aml/train/train_annotations.jsonl").read_text().splitlines()[0])
    assert line["image_url"].startswith(
        "azureml://subscriptions/s-1/resourcegroups/rg/workspaces/ws/datastores/lake/paths/aml/"
    )
    assert "next steps" in done.stdout and "az storage blob upload-batch" in done.stdout
    assert "az ml data create --name conformance-train --type mltable" in done.stdout
    steps = json.loads((tmp_path / "aml" / "manifest.json").read_text())["next_steps"]
    assert steps and steps[0].startswith("Upload the images to the datastore")


def test_an_option_the_format_does_not_take_is_refused_by_name(
    project: Path, tmp_path: Path
) -> None:
    wrong = _run(
        "export", project, "--format", "coco", "--out", tmp_path / "c",
        "--voc-coordinates", "continuous",
    )  # fmt: skip
    assert wrong.returncode == 1 and "coco format does not take --voc-coordinates" in wrong.stderr
    task = _run("export", project, "--format", "voc", "--out", tmp_path / "v", "--task", "detect")
    assert task.returncode == 1 and "voc format takes no task" in task.stderr


def test_voc_pixels_are_chosen_on_export_and_on_import(project: Path, tmp_path: Path) -> None:
    done = _run(
        "export", project, "--format", "voc", "--out", tmp_path / "v",
        "--voc-coordinates", "continuous", "--json",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    manifest = json.loads((tmp_path / "v" / "manifest.json").read_text())
    assert manifest["coordinate_frame"]["voc_coordinates"] == "continuous"
    again = _run(
        "import", project, tmp_path / "v", "--format", "voc", "--voc-coordinates", "continuous",
        "--dry-run", "--json",
    )  # fmt: skip
    assert again.returncode == 0, again.stderr
    plan = json.loads(again.stdout)
    # Every box is recognised as already there (continuous: exact); polygons came out as boxes.
    labels = [g for _, _, _, shapes in lp.IMAGES.values() for _, g in shapes]
    boxes = sum(isinstance(g, geo.Box) for g in labels)
    assert (plan["annotations_already_there"], plan["annotations_added"]) == (
        boxes,
        len(labels) - boxes,
    )
    help_text = _run("export", "--help").stdout
    assert "--datastore NAME" in help_text and "--voc-coordinates {devkit,continuous}" in help_text
