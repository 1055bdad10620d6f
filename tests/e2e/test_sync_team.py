"""A team of three labeling the same images: everyone's labels reach everyone."""

from __future__ import annotations

import shutil
from pathlib import Path

from labeler.domain import annotation as ann_mod
from labeler.domain import geometry as geo
from labeler.domain import status as status_mod
from labeler.server import principal
from labeler.services import annotate, indexing, review, schema
from tests.e2e.conftest import WorkstationFactory


def test_labels_made_on_each_workstation_appear_on_the_others(
    workstation: WorkstationFactory,
) -> None:
    ana, ben, cy = workstation("ana"), workstation("ben"), workstation("cy")
    first = ana.draw(0, "cat", 1.0)
    published, report = ana.link()
    assert published.published and report.pushed >= 1

    ben_box = ben.draw(1, "dog", 2.0)  # made offline, before joining
    joined, _ = ben.link()
    assert not joined.published and joined.classes_matched == 2
    cy.link()
    cy_box = cy.draw(2, "cat", 3.0)
    review.set_status(cy.project, [cy.image_id(2)], status_mod.ImageStatus.DONE)
    cy.sync()
    ana.sync()
    ben.sync()

    expected = ana.labels()
    assert set(expected) == {first, ben_box, cy_box}
    assert expected[ben_box][1] == "dog"  # matched to the server's class by name
    assert ben.labels() == expected == cy.labels()
    assert ana.statuses()["img_0002.jpg"] == "done" == ben.statuses()["img_0002.jpg"]
    # Nothing is left to push: everyone agrees with the server.
    assert ana.dirty() == ben.dirty() == cy.dirty() == 0
    again = ana.sync()
    assert (again.pushed, again.pulled, again.conflicts) == (0, 0, 0)


def test_polygons_attributes_and_comments_arrive_as_they_were_made(
    workstation: WorkstationFactory,
) -> None:
    ana, ben = workstation("ana"), workstation("ben")
    ana.link()
    ben.link()
    shape = ann_mod.NewShape(
        ana.class_id("dog"),
        geo.ShapeKind.POLYGON,
        geo.Polygon(((1.5, 2.0), (30.25, 4.0), (12.0, 20.0))),
        {"occluded": True, "difficult": False},
    )
    (polygon,) = annotate.add_annotations(ana.project, ana.image_id(3), [shape]).annotations
    review.add_comment(ana.project, ana.image_id(3), "check the left edge")
    ana.sync()
    ben.sync()
    (got,) = annotate.get_annotations(ben.project, [polygon])
    assert got.geometry == shape.geometry and dict(got.attributes) == dict(shape.attributes)
    assert got.author == "ana" and not got.dirty and got.revision is not None
    (comment,) = review.review_log(ben.project, ben.image_id(3))
    assert (comment.comment, comment.author) == ("check the left edge", "ana")


def test_deletes_and_class_changes_travel_as_edits(workstation: WorkstationFactory) -> None:
    ana, ben = workstation("ana"), workstation("ben")
    ana.link()
    ben.link()
    box = ben.draw(0, "cat", 4.0)
    ben.sync()
    ana.sync()
    annotate.delete_annotations(ana.project, [box])
    schema.update_class(ana.project, ana.class_id("dog"), name="puppy")
    schema.add_class(ana.project, "bird")
    ana.sync()
    ben.sync()
    assert box not in ben.labels()
    names = [c.name for c in schema.get_schema(ben.project).classes]
    assert names == ["cat", "puppy", "bird"]
    # The delete is in the annotation's history on the workstation that did not make it.
    ops = [h.op for h in annotate.history(ben.project, ben.image_id(0)) if h.annotation_id == box]
    assert ops == ["create", "delete"]


def test_what_the_server_refuses_is_reported_and_not_resent(
    workstation: WorkstationFactory,
) -> None:
    lead = workstation("lead")
    lead.link()
    ann = workstation("ann", role=principal.Role.ANNOTATOR)
    ann.link()
    review.set_status(ann.project, [ann.image_id(0)], status_mod.ImageStatus.APPROVED)
    report = ann.sync()
    # The approval itself and the image's new status both need the reviewer role.
    assert sorted(r.kind for r in report.rejected) == ["image_status", "review_action"]
    assert all("reviewer" in r.reason for r in report.rejected)
    again = ann.sync()
    assert again.rejected == [] and again.pushed == 0
    assert lead.sync().pulled == 0
    assert lead.statuses()["img_0000.jpg"] != "approved"


def test_labels_of_images_missing_here_arrive_once_the_files_do(
    workstation: WorkstationFactory, shared_images: Path
) -> None:
    ana = workstation("ana")
    box = ana.draw(5, "cat", 3.0)
    ana.link()
    ben = workstation("ben", without=("img_0005.jpg",))
    joined, report = ben.link()
    assert joined.missing_here == ("img_0005.jpg",)
    assert report.parked == 2  # the box and the image's status wait for the file
    assert box not in ben.labels()
    folder = ben.project.path.parent / "photos"
    shutil.copy(shared_images / "img_0005.jpg", folder / "img_0005.jpg")
    indexing.scan(ben.project)
    assert ben.sync().parked == 0
    assert ben.labels() == ana.labels() and box in ben.labels()
    assert ben.statuses()["img_0005.jpg"] == "in_progress"
