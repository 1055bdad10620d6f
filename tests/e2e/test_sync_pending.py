"""How many edits wait to be pushed, as the status bar shows it."""

from __future__ import annotations

from labeler.domain import status as status_mod
from labeler.server import principal
from labeler.services import annotate, review, schema, sync
from tests.e2e.conftest import WorkstationFactory


def test_edits_made_here_are_pending_until_a_sync_pushes_them(
    workstation: WorkstationFactory,
) -> None:
    ana = workstation("ana")
    ana.link()
    assert sync.pending_count(ana.project) == 0
    first = ana.draw(0, "cat", 10.0)
    ana.draw(1, "dog", 20.0)
    # Two boxes, and the two images they put in progress.
    assert set(ana.statuses().values()) >= {"in_progress"}
    assert sync.pending_count(ana.project) == 4
    ana.move(first, 30.0)  # the same box again: still one edit to push
    assert sync.pending_count(ana.project) == 4
    review.set_status(ana.project, [ana.image_id(2)], status_mod.ImageStatus.DONE)
    schema.add_class(ana.project, "bird")
    assert sync.pending_count(ana.project) == 6  # and a status, a class
    report = ana.sync()
    assert report.pushed == 6
    assert sync.pending_count(ana.project) == 0


def test_a_box_drawn_and_deleted_before_any_push_is_not_pending(
    workstation: WorkstationFactory,
) -> None:
    ana = workstation("ana")
    ana.link()
    box = ana.draw(0, "cat", 10.0)
    annotate.delete_annotations(ana.project, [box])
    # Only the image's new status ("in progress") is left to tell the server.
    assert sync.pending_count(ana.project) == 1
    assert ana.sync().pushed == 1
    assert sync.pending_count(ana.project) == 0


def test_conflicts_and_refused_edits_wait_for_the_user_not_for_a_push(
    workstation: WorkstationFactory,
) -> None:
    ana, ben = workstation("ana"), workstation("ben")
    ana.link()
    ben.link()
    box = ana.draw(0, "cat", 10.0)
    ana.sync()
    ben.sync()
    ana.move(box, 20.0)
    ben.move(box, 30.0)
    ana.sync()
    assert sync.pending_count(ben.project) == 1
    assert ben.sync().open_conflicts == 1
    assert sync.pending_count(ben.project) == 0

    ann = workstation("ann", role=principal.Role.ANNOTATOR)
    ann.link()
    review.set_status(ann.project, [ann.image_id(0)], status_mod.ImageStatus.APPROVED)
    assert sync.pending_count(ann.project) == 2  # the approval and the image's status
    assert len(ann.sync().rejected) == 2
    assert sync.pending_count(ann.project) == 0
    # Changed after the refusal: pending again.
    review.set_status(ann.project, [ann.image_id(0)], status_mod.ImageStatus.DONE)
    assert sync.pending_count(ann.project) >= 1
