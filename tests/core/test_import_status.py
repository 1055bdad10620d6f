"""What an import does to the status of images: an image that lost an object is never done, and
an import that changes nothing leaves the project's data revision alone."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from labeler import cli
from labeler.domain import status as status_mod
from labeler.services import images, importing, review
from labeler.services import project as project_mod

S = status_mod.ImageStatus

#: A crowd region as COCO writes it: run-length encoded (pycocotools' uncompressed RLE).
RLE = {"counts": [10, 5, 19185], "size": [120, 160]}


def _coco(tmp_path: Path, annotations: list[dict[str, Any]], names: list[str]) -> Path:
    document = {
        "images": [
            {"id": n + 1, "file_name": name, "width": 160, "height": 120}
            for n, name in enumerate(names)
        ],
        "annotations": [{"id": n + 1, **a} for n, a in enumerate(annotations)],
        "categories": [{"id": 1, "name": "cat"}, {"id": 2, "name": "dog"}],
    }
    path = tmp_path / "instances.json"
    path.write_text(json.dumps(document))
    return path


def _box(image: int, x: float = 2.0) -> dict[str, Any]:
    return {"image_id": image, "category_id": 1, "bbox": [x, 3.0, 10.0, 8.0], "iscrowd": 0}


def _status(project: project_mod.Project, rel_path: str) -> S:
    return next(i.status for i in images.list_images(project, limit=100) if i.rel_path == rel_path)


def test_an_image_that_lost_a_crowd_region_needs_review_and_the_summary_says_so(
    indexed: project_mod.Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    names = ["img_0000.jpg", "img_0001.jpg"]
    crowd = {"image_id": 1, "category_id": 2, "segmentation": RLE, "iscrowd": 1}
    crowd |= {"bbox": [0.0, 0.0, 20.0, 10.0], "area": 15}
    dataset = _coco(tmp_path, [_box(1), crowd, _box(2)], names)
    indexed.close()
    argv = ["import", str(indexed.path), str(dataset), "--format", "coco"]

    assert cli.main(argv) == 0
    text = capsys.readouterr().out
    assert "1 images marked done" in text
    assert "1 images marked needs review: some of their objects were not imported" in text
    with project_mod.open_project(indexed.path, author="tester") as project:
        # The image whose crowd region could not be imported is not finished: exports skip it.
        assert _status(project, "img_0000.jpg") is S.NEEDS_REVIEW
        assert _status(project, "img_0001.jpg") is S.DONE
        log = review.review_log(project, images.list_image_ids(project)[0])
        assert [(e.to_status, e.comment) for e in log] == [(S.NEEDS_REVIEW, "imported")]

    assert cli.main([*argv, "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["images_marked_needs_review"] == 0  # marked already, by the first import
    assert again["annotations_already_there"] == 2


def test_a_labelme_circle_not_taken_leaves_its_image_needing_review(
    indexed: project_mod.Project, image_dir: Path
) -> None:
    shape = {"label": "cat", "points": [[10, 10], [15, 10]], "shape_type": "circle"}
    box = {"label": "cat", "points": [[1, 1], [9, 9]], "shape_type": "rectangle"}
    for name, shapes in (("img_0002", [box, shape]), ("img_0003", [box])):
        doc = {"shapes": shapes, "imagePath": f"{name}.jpg", "imageWidth": 160, "imageHeight": 120}
        (image_dir / f"{name}.json").write_text(json.dumps(doc))

    plan = importing.import_dataset(indexed, format="labelme", path=image_dir)

    assert (plan.images_marked_needs_review, plan.images_marked_done) == (1, 1)
    assert _status(indexed, "img_0002.jpg") is S.NEEDS_REVIEW
    assert _status(indexed, "img_0003.jpg") is S.DONE


def test_a_status_someone_gave_an_image_is_left_as_it_is(
    indexed: project_mod.Project, tmp_path: Path
) -> None:
    first = images.list_image_ids(indexed)[0]
    review.set_status(indexed, [first], S.SKIPPED)
    crowd = {"image_id": 1, "category_id": 2, "segmentation": RLE, "iscrowd": 1}
    dataset = _coco(tmp_path, [_box(1), crowd | {"bbox": [0.0, 0.0, 1.0, 1.0]}], ["img_0000.jpg"])

    plan = importing.import_dataset(indexed, format="coco", path=dataset)

    assert plan.annotations_added == 1 and plan.images_marked_needs_review == 0
    assert _status(indexed, "img_0000.jpg") is S.SKIPPED


def test_an_import_that_adds_nothing_leaves_the_data_revision_alone(
    indexed: project_mod.Project, tmp_path: Path
) -> None:
    dataset = _coco(tmp_path, [_box(1), _box(2, x=5.0)], ["img_0000.jpg", "img_0001.jpg"])
    first = importing.import_dataset(indexed, format="coco", path=dataset)
    before = project_mod.meta(indexed).data_revision
    assert first.changes.data_revision == before

    again = importing.import_dataset(indexed, format="coco", path=dataset)

    assert (again.annotations_added, again.images_marked_done) == (0, 0)
    assert project_mod.meta(indexed).data_revision == before
    assert not again.changes and again.changes.data_revision == before
