"""The project's label kinds: one setting, stored, migrated from the older flags, changed by the
service and the command line; rotated boxes stored and read back like any other label."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from alembic import command

from labeler import cli
from labeler.domain import annotation as ann_mod
from labeler.domain import geometry as geo
from labeler.domain import schema as schema_mod
from labeler.services import annotate, images, schema
from labeler.services import project as project_mod
from labeler.store import database

K = geo.ShapeKind


def _first_image(project: project_mod.Project) -> str:
    return images.list_images(project, limit=1)[0].id


@pytest.mark.parametrize(
    ("tag_mode", "boxes", "polygons", "expected"),
    [
        ("none", 1, 0, schema_mod.TaskKinds.of("box")),
        ("multi", 0, 1, schema_mod.TaskKinds.of("polygon", tags=schema_mod.TagMode.MULTI)),
        ("single", 0, 0, schema_mod.TaskKinds(schema_mod.TagMode.SINGLE, frozenset())),
        ("none", 1, 1, schema_mod.TaskKinds.of("box", "polygon")),
    ],
)
def test_a_project_of_revision_0003_keeps_exactly_its_kinds(
    tmp_path: Path, tag_mode: str, boxes: int, polygons: int, expected: schema_mod.TaskKinds
) -> None:
    path = tmp_path / "old.labeler"
    db = database.Database(path)
    with db.engine.begin() as conn:
        command.upgrade(database.alembic_config(conn), "0003")
    db.dispose()
    raw = sqlite3.connect(path)
    raw.execute(
        "INSERT INTO project (id, name, created_at, created_by_version, tag_mode, boxes, polygons, "
        "schema_version, data_revision, max_pixels, settings) VALUES "
        "('p1', 'old', '2026-01-01T00:00:00.000000Z', '0.0.1', ?, ?, ?, 3, 5, 100000000, '{}')",
        (tag_mode, boxes, polygons),
    )
    raw.commit()
    raw.close()
    with project_mod.open_project(path, author="tester") as project:
        assert project.db.schema_revision() == database.SCHEMA_HEAD
        assert schema.get_schema(project).tasks == expected
        assert schema.get_schema(project).version == 3
    # And back: revision 0003's flags come back as they were.
    db = database.Database(path)
    with db.engine.begin() as conn:
        command.downgrade(database.alembic_config(conn), "0003")
    db.dispose()
    raw = sqlite3.connect(path)
    row = raw.execute("SELECT tag_mode, boxes, polygons FROM project").fetchone()
    raw.close()
    assert row == (tag_mode, boxes, polygons)


def test_kinds_are_turned_on_and_off_and_their_labels_counted(
    indexed: project_mod.Project,
) -> None:
    image_id = _first_image(indexed)
    cat = schema.find_class(indexed, "cat").id
    rotated = geo.RotatedBox(40, 30, 20, 8, 30)
    annotate.add_annotations(
        indexed,
        image_id,
        [
            ann_mod.NewShape(cat, K.BOX, geo.Box(1, 1, 5, 5)),
            ann_mod.NewShape(cat, K.ROTATED_BOX, rotated),
        ],
    )
    (stored,) = [a for a in annotate.list_annotations(indexed, image_id) if a.kind is K.ROTATED_BOX]
    assert stored.geometry == rotated
    assert schema.kind_counts(indexed) == {K.BOX: (1, 1), K.ROTATED_BOX: (1, 1)}

    before = schema.get_schema(indexed).version
    changes = schema.set_tasks(indexed, schema_mod.TaskKinds.of("rotated_box", "polygon"))
    assert changes.schema and changes.project
    now = schema.get_schema(indexed)
    assert now.tasks.shapes == {K.ROTATED_BOX, K.POLYGON} and now.version == before + 1
    # Turning boxes off hides them in the app; it never deletes them.
    assert len(annotate.list_annotations(indexed, image_id)) == 2
    with pytest.raises(schema.SchemaError, match="at least one kind"):
        schema.set_tasks(indexed, schema_mod.TaskKinds(schema_mod.TagMode.NONE, frozenset()))


def test_the_command_line_makes_and_changes_a_projects_kinds(
    tmp_path: Path, image_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def kinds_of(path: Path) -> schema_mod.TaskKinds:
        with project_mod.open_project(path, author="tester") as project:
            return schema.get_schema(project).tasks

    older = tmp_path / "older.labeler"
    assert (
        cli.main(["new", str(older), "--images", str(image_dir), "--no-boxes", "--polygons"]) == 0
    )
    assert kinds_of(older) == schema_mod.TaskKinds.of("polygon")
    newer = tmp_path / "newer.labeler"
    args = [
        "new",
        str(newer),
        "--images",
        str(image_dir),
        "--kinds",
        "box,rotated-box",
        "--tags",
        "multi",
    ]
    assert cli.main(args) == 0
    assert kinds_of(newer) == schema_mod.TaskKinds.of(
        "box", "rotated_box", tags=schema_mod.TagMode.MULTI
    )
    capsys.readouterr()

    assert (
        cli.main(
            ["kinds", str(newer), "--shapes", "polygon,rotated_box", "--tags", "none", "--json"]
        )
        == 0
    )
    listed = json.loads(capsys.readouterr().out)
    assert listed["tags"] == "none"
    assert {r["kind"]: r["on"] for r in listed["kinds"]} == {
        "tag": False, "box": False, "rotated_box": True, "polygon": True,
    }  # fmt: skip
    assert cli.main(["kinds", str(newer), "--shapes", "circle"]) == 1
    assert "unknown label kind 'circle'" in capsys.readouterr().err
