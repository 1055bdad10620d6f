"""A day of offline work syncs in one go; random edits, syncs and connection faults on several
workstations always converge, with nothing lost and nothing doubled."""

from __future__ import annotations

import contextlib
import random
import uuid
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from labeler.domain import status as status_mod
from labeler.services import annotate, review, sync
from labeler.sync.wire import client as client_mod
from labeler.sync.wire import errors as sync_errors
from labeler.sync.wire import protocol
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


def edit(me: Workstation, what: str, n: int) -> tuple[set[str], set[str]]:
    """One random edit as a user makes it: draw, move, delete or set a status (``n`` picks
    where). Returns the boxes it drew and the boxes it deleted."""
    live = sorted(me.labels())
    if what == "draw" or (what in ("move", "delete") and not live):
        return {me.draw(n % IMAGES, "cat" if n % 2 else "dog", float(n % 50))}, set()
    if what == "move":
        me.move(live[n % len(live)], float(n % 50) + 0.5)
    elif what == "delete":
        annotate.delete_annotations(me.project, [live[n % len(live)]])
        return set(), {live[n % len(live)]}
    else:
        status = [status_mod.ImageStatus.DONE, status_mod.ImageStatus.SKIPPED][n % 2]
        review.set_status(me.project, [me.image_id(n % IMAGES)], status)
    return set(), set()


def settle(ws: dict[str, Workstation]) -> None:
    """Sync everyone, take the server's side of any conflict, and sync again."""
    for _ in range(2):
        for me in ws.values():
            me.sync()
            for conflict in sync.list_conflicts(me.project):
                sync.resolve_conflict(me.project, conflict.id, sync.Choice.THEIRS)
    for me in ws.values():
        me.sync()


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
        if what == "sync":
            ws[who].sync()
        else:
            edit(ws[who], what, n)
    settle(ws)
    assert ws["ana"].labels() == ws["ben"].labels()
    assert ws["ana"].statuses() == ws["ben"].statuses()
    assert ws["ana"].dirty() == ws["ben"].dirty() == 0


class Faulty(client_mod.SyncClient):
    """A connection that fails as planned, one fault per push or feed call, in order:
    ``cut`` (reset before the request arrives), ``lose`` (the server applied it, the answer is
    lost), ``503`` (a failing service), ``429`` (a rate limit with Retry-After), ``ok``."""

    def __init__(self, url: str, key: str | None, plan: list[str]) -> None:
        super().__init__(url, key=key, timeout=10)
        self.plan = plan

    def _before(self) -> str:
        fault = self.plan.pop(0) if self.plan else "ok"
        if fault == "cut":
            raise sync_errors.ConnectionFailed(0, "ConnectionError: connection reset")
        if fault == "503":
            raise sync_errors.ApiError(503, "Service Unavailable", "req-503")
        if fault == "429":
            raise sync_errors.ApiError(429, "Rate limit is exceeded", "req-429", retry_after=3.0)
        return fault

    def push(self, *args: Any, **kwargs: Any) -> protocol.PushResponse:
        fault = self._before()
        answer = super().push(*args, **kwargs)
        if fault == "lose":
            raise sync_errors.ConnectionFailed(0, "ConnectionError: reset after the answer left")
        return answer

    def changes(self, *args: Any, **kwargs: Any) -> protocol.ChangePage:
        fault = self._before()
        page = super().changes(*args, **kwargs)
        if fault == "lose":
            raise sync_errors.ConnectionFailed(0, "ConnectionError: reset while reading")
        return page


FAULTS = ["ok", "cut", "lose", "503", "429"]
FAULTY_EDITS = st.lists(
    st.tuples(
        st.sampled_from(["ana", "ben", "cleo"]),
        st.sampled_from(["draw", "move", "delete", "status", "sync"]),
        st.integers(0, 1_000),
        st.lists(st.sampled_from(FAULTS), max_size=4),
    ),
    min_size=1,
    max_size=12,
)


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(edits=FAULTY_EDITS)
def test_three_workstations_converge_through_random_faults(
    workstation: WorkstationFactory, edits: list[tuple[str, str, int, list[str]]]
) -> None:
    name = f"f{uuid.uuid4().hex[:10]}"
    ws: dict[str, Workstation] = {
        who: workstation(f"{who}-{name}") for who in ("ana", "ben", "cleo")
    }
    for me in ws.values():
        me.link(name)
    drawn: set[str] = set()
    deleted: set[str] = set()
    for who, what, n, faults in edits:
        me = ws[who]
        if what != "sync":
            made, gone = edit(me, what, n)
            drawn.update(made)
            deleted.update(gone)
            continue
        plan = list(faults)
        # As many faults in a row as retries: OfflineError, and the next round goes on.
        with contextlib.suppress(sync.OfflineError):
            me.sync(make_client=lambda url, key, _t, plan=plan: Faulty(url, key, plan))
    settle(ws)
    labels = [me.labels() for me in ws.values()]
    assert labels[0] == labels[1] == labels[2]
    assert ws["ana"].statuses() == ws["ben"].statuses() == ws["cleo"].statuses()
    assert all(me.dirty() == 0 for me in ws.values())
    # Nothing lost, nothing doubled: every box drawn is there once unless someone deleted it
    # (a deleted box a conflict brought back counts as kept), and no box appeared from nowhere.
    assert set(labels[0]) <= drawn
    assert drawn - deleted <= set(labels[0])
