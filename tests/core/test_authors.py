"""Who signs a change: the name the project was opened with, given by the command line or the app;
never an environment variable read behind the caller's back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from labeler import cli
from labeler.domain import annotation as ann_mod
from labeler.domain import geometry as geo
from labeler.domain import status as status_mod
from labeler.services import annotate, images, review, schema
from labeler.services import project as project_mod


def _box(project: project_mod.Project) -> ann_mod.NewShape:
    cat = schema.find_class(project, "cat").id
    return ann_mod.NewShape(cat, geo.ShapeKind.BOX, geo.Box(1, 2, 3, 4))


def test_changes_are_signed_with_the_name_the_project_was_opened_with(
    indexed: project_mod.Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    image = images.list_image_ids(indexed)[0]
    with project_mod.open_project(indexed.path, author="  Ana  Lima ") as ana:
        # Services read no environment: a variable changed meanwhile signs nothing.
        monkeypatch.setenv("LABELER_USER", "someone else")
        (made,) = annotate.add_annotations(ana, image, [_box(ana)]).annotations
        review.set_status(ana, [image], status_mod.ImageStatus.DONE)
        schema.add_class(ana, "bird-2")
        (box,) = annotate.get_annotations(ana, [made])
        assert box.author == "Ana Lima"
        assert [h.author for h in annotate.history(ana, image)] == ["Ana Lima"]
        assert [e.author for e in review.review_log(ana, image)] == ["Ana Lima"]


def test_an_empty_author_is_refused(tmp_path: Path) -> None:
    with pytest.raises(project_mod.ProjectError, match="author name is empty"):
        project_mod.create_project(tmp_path / "p.labeler", author="  ")


def _authors_of_labels(path: Path) -> list[str]:
    with project_mod.open_project(path, author="reader") as project:
        return sorted(
            a.author
            for i in images.list_image_ids(project)
            for a in annotate.list_annotations(project, i)
        )


def _dataset(path: Path, image: str, x: float) -> Path:
    document = {
        "images": [{"id": 1, "file_name": image, "width": 160, "height": 120}],
        "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [x, 1, 5, 5]}],
        "categories": [{"id": 1, "name": "cat"}],
    }
    path.write_text(json.dumps(document))
    return path


def test_the_command_line_signs_with_author_given_before_or_after_the_command(
    indexed: project_mod.Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    indexed.close()
    dataset = tmp_path / "labels.json"
    base = ["import", str(indexed.path), str(dataset), "--format", "coco"]
    _dataset(dataset, "img_0000.jpg", 1.0)
    assert cli.main(["--author", "bea", *base]) == 0
    _dataset(dataset, "img_0001.jpg", 2.0)
    assert cli.main([*base, "--author", "carl"]) == 0
    _dataset(dataset, "img_0002.jpg", 3.0)
    monkeypatch.setenv("LABELER_USER", "dee")  # the default when --author is not given
    assert cli.main(base) == 0
    assert _authors_of_labels(indexed.path) == ["bea", "carl", "dee"]
