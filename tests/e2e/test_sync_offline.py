"""A day of offline work syncs in one go; random edits on two workstations always converge."""

from __future__ import annotations

import random
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from labeler.domain import status as status_mod
from labeler.services import annotate, review, sync
from labeler.sync import protocol
from tests.e2e.conftest import IMAGES, Workstation, WorkstationFactory


def test_a_day_of_offline_edits_syncs_in_one_go(
    workstation: WorkstationFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    ana, ben = workstation("ana"), workstation("ben")
    ana.link()
    ben.link()
    # Small batches, so that the day's work goes out as several, in order.
    monkeypatch.setattr(protocol, "MAX_PUSH_RECORDS", 40)
    rng = random.Random(7)
    made = [ben.draw(n % IMAGES, rng.choice(["cat", "dog"]), float(n)) for n in range(200)]
    for ann_id in rng.sample(made, 80):
        ben.move(ann_id, rng.uniform(0, 40))
    annotate.delete_annotations(ben.project, rng.sample(made, 30))
    for n in range(1, IMAGES):
        review.set_status(ben.project, [ben.image_id(n)], status_mod.ImageStatus.DONE)
    ana_box = ana.draw(0, "dog", 99.0)  # the rest of the team works meanwhile
    ana.sync()

    report = ben.sync()
    # Every live box and every status; boxes made and deleted offline never need to leave.
    assert report.pushed == 200 - 30 + IMAGES - 1
    assert report.pulled >= 1 and report.conflicts == 0 and ben.dirty() == 0
    ana.sync()
    assert ana.labels() == ben.labels()
    assert len(ana.labels()) == 200 - 30 + 1 and ana_box in ben.labels()
    assert ana.statuses() == ben.statuses()
    assert sorted(ana.statuses().values()) == ["done"] * (IMAGES - 1) + ["in_progress"]


EDITS = st.lists(
    st.tuples(
        st.sampled_from(["ana", "ben"]),
        st.sampled_from(["draw", "move", "delete", "status", "sync"]),
        st.integers(0, 1_000),
    ),
    min_size=1,
    max_size=10,
)


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(edits=EDITS)
def test_random_edits_and_syncs_on_two_workstations_converge(
    workstation: WorkstationFactory, edits: list[tuple[str, str, int]]
) -> None:
    # Fixtures are shared by the examples: each example works on a project of its own.
    name = f"p{uuid.uuid4().hex[:10]}"
    ws: dict[str, Workstation] = {who: workstation(f"{who}-{name}") for who in ("ana", "ben")}
    ws["ana"].link(name)
    ws["ben"].link(name)
    for who, what, n in edits:
        me = ws[who]
        live = sorted(me.labels())
        if what == "draw" or (what in ("move", "delete") and not live):
            me.draw(n % IMAGES, "cat" if n % 2 else "dog", float(n % 50))
        elif what == "move":
            me.move(live[n % len(live)], float(n % 50) + 0.5)
        elif what == "delete":
            annotate.delete_annotations(me.project, [live[n % len(live)]])
        elif what == "status":
            status = [status_mod.ImageStatus.DONE, status_mod.ImageStatus.SKIPPED][n % 2]
            review.set_status(me.project, [me.image_id(n % IMAGES)], status)
        else:
            me.sync()
    # Settle: sync both, take the server's side of any conflict, sync again.
    for _ in range(2):
        for me in ws.values():
            me.sync()
            for conflict in sync.list_conflicts(me.project):
                sync.resolve_conflict(me.project, conflict.id, sync.Choice.THEIRS)
    for me in ws.values():
        me.sync()
    assert ws["ana"].labels() == ws["ben"].labels()
    assert ws["ana"].statuses() == ws["ben"].statuses()
    assert ws["ana"].dirty() == ws["ben"].dirty() == 0
