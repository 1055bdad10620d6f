"""An import that changes an image's status tells the team, as a status set by hand does."""

from __future__ import annotations

import json
from pathlib import Path

from labeler.services import importing, review
from tests.e2e.conftest import IMAGE_SIZE, WorkstationFactory


def test_a_status_an_import_set_reaches_the_team(
    workstation: WorkstationFactory, tmp_path: Path
) -> None:
    ana, ben = workstation("ana"), workstation("ben")
    ana.link()
    ben.link()
    ana.draw(0, "cat", 1.0)  # ana starts on the image: it is in progress, and the team knows it
    ana.sync()
    ben.sync()
    assert ben.statuses()["img_0000.jpg"] == "in_progress"
    # Ana imports a dataset that says the image is finished (with nothing more on it).
    dataset = tmp_path / "finished.json"
    dataset.write_text(
        json.dumps(
            {
                "images": [
                    {
                        "id": 1,
                        "file_name": "img_0000.jpg",
                        "width": IMAGE_SIZE[0],
                        "height": IMAGE_SIZE[1],
                    }
                ],
                "annotations": [],
                "categories": [{"id": 1, "name": "cat"}],
            }
        )
    )
    plan = importing.import_dataset(ana.project, format="coco", path=dataset)
    assert plan.images_marked_done == 1 and plan.annotations_added == 0

    pushed = ana.sync()
    ben.sync()

    assert pushed.pushed == 2  # the image's status, and its review note "imported"
    assert ana.statuses()["img_0000.jpg"] == "done" == ben.statuses()["img_0000.jpg"]
    (note,) = review.review_log(ben.project, ben.image_id(0))
    assert (note.comment, note.author) == ("imported", "ana")
