"""Schema changes from the team that clash with local ones are settled or explained, never
applied blindly and never left to be refused forever."""

from __future__ import annotations

import pytest

from labeler import cli
from labeler.services import schema
from tests.e2e.conftest import WorkstationFactory


def class_names(ws: object) -> list[str]:
    return [c.name for c in schema.get_schema(ws.project).classes]  # type: ignore[attr-defined]


def test_the_same_new_class_on_two_workstations_becomes_one(
    workstation: WorkstationFactory,
) -> None:
    ana, ben = workstation("ana"), workstation("ben")
    ana.link()
    ben.link()
    schema.add_class(ana.project, "bird")
    ana.sync()
    schema.add_class(ben.project, "Bird")  # made offline, before Ana's arrived
    box = ben.draw(2, "Bird", 7.0)
    report = ben.sync()
    [note] = report.schema_notes
    assert note.kind == "merged" and note.class_name == "Bird" and "1 labels moved" in note.text
    assert report.rejected == []  # refused once under the local class, sent again merged
    assert class_names(ben).count("bird") == 1 and "Bird" not in class_names(ben)
    assert ben.labels()[box][1] == "bird"
    ana.sync()
    assert ana.labels()[box] == ben.labels()[box]
    assert ben.sync().schema_notes == []  # settled: said once


def test_a_hotkey_taken_by_a_team_class_is_given_up_by_the_local_one(
    workstation: WorkstationFactory,
) -> None:
    ana, ben = workstation("ana"), workstation("ben")
    ana.link()
    ben.link()
    schema.add_class(ana.project, "bird")  # gets the next free hotkey, 3
    ana.sync()
    schema.add_class(ben.project, "fish")  # offline: also 3
    fish = ben.draw(1, "fish", 4.0)
    report = ben.sync()
    [note] = report.schema_notes
    assert note.kind == "hotkey" and "'3'" in note.text and "'bird'" in note.text
    assert report.rejected == []
    hotkeys = {c.name: c.hotkey for c in schema.get_schema(ben.project).classes}
    assert hotkeys["bird"] == "3" and hotkeys["fish"] is None
    ana.sync()
    assert ana.labels()[fish][1] == "fish"
    assert {c.name: c.hotkey for c in schema.get_schema(ana.project).classes} == hotkeys


def test_labels_on_a_class_deleted_by_the_team_are_kept_and_explained(
    workstation: WorkstationFactory,
) -> None:
    ana, ben = workstation("ana"), workstation("ben")
    ana.link()
    ben.link()
    schema.delete_class(ana.project, ana.class_id("dog"))
    ana.sync()
    box = ben.draw(3, "dog", 9.0)  # drawn offline, on the class Ana deleted meanwhile
    report = ben.sync()
    [note] = report.schema_notes
    assert note.kind == "deleted_in_use" and note.class_name == "dog"
    assert "by ana" in note.text and "1 labels" in note.text
    assert box in ben.labels()  # nothing the user drew is thrown away
    assert [r.record_id for r in report.rejected] == [box]
    assert box not in ana.labels()
    assert "dog" not in class_names(ben)


def test_labels_left_on_a_deleted_class_move_to_another_and_then_sync(
    workstation: WorkstationFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    ana, ben = workstation("ana"), workstation("ben")
    ana.link()
    ben.link()
    schema.delete_class(ana.project, ana.class_id("dog"))
    ana.sync()
    box = ben.draw(3, "dog", 9.0)
    [note] = ben.sync().schema_notes
    assert "classes PROJECT move 'dog'" in note.text
    ben.project.close()  # as a user would, from the command line
    assert cli.main(["classes", str(ben.project.path), "move", "dog", "cat"]) == 0
    assert "moved 1 labels to cat" in capsys.readouterr().err
    report = ben.sync()
    assert report.rejected == [] and report.schema_notes == []
    ana.sync()
    assert ana.labels()[box][1] == "cat"
