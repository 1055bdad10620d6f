"""A box moved on two workstations at once: a visible conflict, both versions kept, resolvable."""

from __future__ import annotations

import pytest

from labeler.services import annotate, sync
from tests.e2e.conftest import Workstation, WorkstationFactory


def _moved_on_both(workstation: WorkstationFactory) -> tuple[Workstation, Workstation, str]:
    ana, ben = workstation("ana"), workstation("ben")
    ana.link()
    ben.link()
    box = ana.draw(0, "cat", 10.0)
    ana.sync()
    ben.sync()
    ana.move(box, 20.0)
    ben.move(box, 30.0)
    ana.sync()  # ana's move reaches the server first
    return ana, ben, box


def _x(ws: Workstation, box: str) -> float:
    return float(ws.labels()[box][2]["x"])


def test_a_box_moved_on_two_workstations_is_a_visible_conflict(
    workstation: WorkstationFactory,
) -> None:
    ana, ben, box = _moved_on_both(workstation)
    report = ben.sync()
    assert report.conflicts == 1 and report.open_conflicts == 1
    (conflict,) = sync.list_conflicts(ben.project)
    assert conflict.record_id == box and conflict.image_path == "img_0000.jpg"
    assert conflict.local["geometry"]["x"] == 30.0 and conflict.remote["geometry"]["x"] == 20.0
    assert conflict.local_class == conflict.remote_class == "cat"
    assert conflict.remote_author == "ana"
    # Nothing was overwritten: ben still sees his box, and both versions are in its history.
    assert _x(ben, box) == 30.0
    versions = [
        (h.op, h.geometry.x, h.author)  # type: ignore[union-attr]
        for h in annotate.history(ben.project, ben.image_id(0))
        if h.annotation_id == box
    ]
    assert ("update", 30.0, "tester") in versions and ("conflict", 20.0, "ana") in versions
    # Until it is resolved, the local version is not pushed again.
    again = ben.sync()
    assert (again.pushed, again.conflicts, again.open_conflicts) == (0, 0, 1)
    assert _x(ana, box) == 20.0


@pytest.mark.parametrize(
    ("choice", "ben_sees", "ana_sees"),
    [
        (sync.Choice.MINE, [30.0], [30.0]),
        (sync.Choice.THEIRS, [20.0], [20.0]),
        (sync.Choice.BOTH, [20.0, 30.0], [20.0, 30.0]),
    ],
)
def test_each_resolution_ends_the_same_on_both_workstations(
    workstation: WorkstationFactory,
    choice: sync.Choice,
    ben_sees: list[float],
    ana_sees: list[float],
) -> None:
    ana, ben, box = _moved_on_both(workstation)
    ben.sync()
    (conflict,) = sync.list_conflicts(ben.project)
    sync.resolve_conflict(ben.project, conflict.id[:8], choice)
    assert sync.list_conflicts(ben.project) == []
    ben.sync()
    ana.sync()
    assert sorted(g[2]["x"] for g in ben.labels().values()) == ben_sees
    assert sorted(g[2]["x"] for g in ana.labels().values()) == ana_sees
    assert ana.labels() == ben.labels() and box in ben.labels()
    assert ben.dirty() == 0
    # Both versions stay in the history whatever was chosen.
    xs = {h.geometry.x for h in annotate.history(ben.project, ben.image_id(0))}  # type: ignore[union-attr]
    assert {20.0, 30.0} <= xs


def test_both_is_only_for_annotations(workstation: WorkstationFactory) -> None:
    from labeler.domain import status as status_mod
    from labeler.services import review

    ana, ben = workstation("ana"), workstation("ben")
    ana.link()
    ben.link()
    review.set_status(ana.project, [ana.image_id(1)], status_mod.ImageStatus.DONE)
    review.set_status(ben.project, [ben.image_id(1)], status_mod.ImageStatus.SKIPPED)
    ana.sync()
    assert ben.sync().conflicts == 1
    (conflict,) = sync.list_conflicts(ben.project)
    assert conflict.kind == "image_status"
    with pytest.raises(sync.ConflictError):
        sync.resolve_conflict(ben.project, conflict.id, sync.Choice.BOTH)
    sync.resolve_conflict(ben.project, conflict.id, sync.Choice.MINE)
    ben.sync()
    ana.sync()
    assert ana.statuses()["img_0001.jpg"] == "skipped" == ben.statuses()["img_0001.jpg"]
