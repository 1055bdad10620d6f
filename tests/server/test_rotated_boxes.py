"""The sync service takes rotated boxes as it takes boxes: checked, stored, sent back unchanged,
and the project's kinds of labels as one setting (older clients' flags read as the same)."""

from __future__ import annotations

import uuid

from labeler.sync.wire import client as client_mod
from labeler.sync.wire import protocol
from tests.server.conftest import CAT, WHEN, pull_all, sha

Outcome = protocol.PushOutcome


def _rotated(geometry: dict[str, object]) -> protocol.Record:
    return protocol.Record(
        id=uuid.uuid4(),
        kind=protocol.RecordKind.ANNOTATION,
        updated_at=WHEN,
        data={
            "image_sha256": sha(1),
            "class_id": str(CAT),
            "kind": "rotated_box",
            "geometry": geometry,
        },
    )


def test_a_rotated_box_is_stored_and_pulled_as_pushed_and_a_malformed_one_refused(
    admin: client_mod.SyncClient, project: str
) -> None:
    good = _rotated({"cx": 100.5, "cy": 80.25, "w": 40.0, "h": 12.0, "angle": -33.5})
    bad = [
        _rotated({"cx": 100.0, "cy": 80.0, "w": -4.0, "h": 12.0, "angle": 0.0}),
        _rotated({"cx": 100.0, "cy": 80.0, "w": 4.0, "h": 12.0}),
        _rotated({"x": 1.0, "y": 2.0, "w": 3.0, "h": 4.0}),
    ]
    answer = admin.push(project, [good, *bad], str(uuid.uuid4()))
    outcomes = [r.outcome for r in answer.results]
    assert outcomes == [Outcome.APPLIED, Outcome.REJECTED, Outcome.REJECTED, Outcome.REJECTED]
    assert "geometry.w" in (answer.results[1].reason or "")  # a negative width, by name
    assert "geometry.angle" in (answer.results[2].reason or "")
    (stored,) = [r for r in pull_all(admin, project) if r.id == good.id]
    assert stored.data["kind"] == "rotated_box" and stored.data["geometry"] == good.data["geometry"]


def test_the_kinds_setting_travels_as_one_value_and_older_flags_still_read(
    admin: client_mod.SyncClient, project: str
) -> None:
    schema = admin.get_schema(project)
    assert schema.tasks.shapes == ["box", "polygon"]
    update = protocol.SchemaUpdate(
        base_version=schema.version,
        classes=schema.classes,
        tasks=protocol.TaskKinds(tags="multi", shapes=["polygon", "rotated_box"]),
    )
    after = admin.put_schema(project, update)
    assert after.tasks.shapes == ["rotated_box", "polygon"] and after.tasks.tags == "multi"
    legacy = protocol.TaskKinds.model_validate({"tags": "none", "boxes": False, "polygons": True})
    assert legacy == protocol.TaskKinds(shapes=["polygon"])
