"""The project file: durability settings, migrations, refusing files from a newer labeler."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command

from labeler.services import annotate, images, indexing, schema
from labeler.services import project as project_mod
from labeler.store import database


def test_schema_head_constant_matches_the_migrations() -> None:
    assert database.alembic_head() == database.SCHEMA_HEAD


def test_project_file_uses_wal_full_sync_and_foreign_keys(project: project_mod.Project) -> None:
    with project.db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_a_project_of_the_first_schema_revision_upgrades_with_its_data(
    tmp_path: Path, image_dir: Path
) -> None:
    path = tmp_path / "old.labeler"
    db = database.Database(path)
    with db.engine.begin() as conn:
        command.upgrade(database.alembic_config(conn), "0001")
    db.dispose()
    # Fill it the way revision 0001 looked, with plain SQL (no model of today's code involved).
    raw = sqlite3.connect(path)
    now = "2026-01-01T00:00:00.000000Z"
    raw.execute(
        "INSERT INTO project (id, name, created_at, created_by_version, tag_mode, boxes, polygons, "
        "schema_version, data_revision, max_pixels, settings) VALUES "
        "('p1', 'old one', ?, '0.0.1', 'none', 1, 0, 1, 5, 100000000, '{}')",
        (now,),
    )
    raw.execute(
        "INSERT INTO label_class (id, name, color, hotkey, sort_order, created_at, updated_at, author, "
        "revision, dirty, deleted) VALUES ('c1', 'crack', '#ff0000', '1', 0, ?, ?, 'ann', NULL, 1, 0)",
        (now, now),
    )
    raw.execute(
        "INSERT INTO image_root (id, path, sort_order, added_at) VALUES ('r1', ?, 0, ?)",
        (str(image_dir), now),
    )
    raw.execute(
        "INSERT INTO image (id, root_id, root_order, rel_path, sort_key, orientation, missing, indexed, "
        "status, annotation_count, created_at, updated_at, author, dirty, deleted) VALUES "
        "('i1', 'r1', 0, 'img_0000.jpg', 'img_0000.jpg', 1, 0, 0, 'done', 1, ?, ?, 'ann', 1, 0)",
        (now, now),
    )
    raw.execute(
        "INSERT INTO annotation (id, image_id, class_id, kind, geometry, attributes, version, created_at, "
        "updated_at, author, dirty, deleted) VALUES ('a1', 'i1', 'c1', 'box', "
        '\'{"x":1,"y":2,"w":3,"h":4}\', \'{}\', 1, ?, ?, \'ann\', 1, 0)',
        (now, now),
    )
    raw.commit()
    raw.close()

    with project_mod.open_project(path, author="tester") as project:
        assert project.db.schema_revision() == database.SCHEMA_HEAD
        assert project.name == "old one"
        assert [c.name for c in schema.get_schema(project).classes] == ["crack"]
        (ann,) = annotate.list_annotations(project, "i1")
        assert ann.geometry is not None and ann.geometry.to_json() == {
            "x": 1,
            "y": 2,
            "w": 3,
            "h": 4,
        }
        # The new table of revision 0002 works on the upgraded file.
        project_mod.set_state(project, "last_image", "i1")
        assert project_mod.get_state(project, "last_image") == "i1"
        assert images.count_images(project) == 1


def test_a_project_from_a_newer_labeler_is_refused_untouched(project: project_mod.Project) -> None:
    path = project.path
    project.close()
    raw = sqlite3.connect(path)
    raw.execute("UPDATE alembic_version SET version_num = '9999_future'")
    raw.commit()
    raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw.close()
    before = path.read_bytes()
    with pytest.raises(project_mod.ProjectError, match="newer labeler"):
        project_mod.open_project(path, author="tester")
    assert path.read_bytes() == before


def test_files_that_are_not_projects_get_a_clear_message(tmp_path: Path) -> None:
    text = tmp_path / "notes.labeler"
    text.write_text("hello")
    with pytest.raises(project_mod.ProjectError, match="not a labeler project"):
        project_mod.open_project(text, author="tester")
    with pytest.raises(project_mod.ProjectError, match="no project"):
        project_mod.open_project(tmp_path / "absent.labeler", author="tester")
    with pytest.raises(project_mod.ProjectError, match="exists already"):
        project_mod.create_project(text, author="tester")


def test_every_write_advances_the_data_revision(indexed: project_mod.Project) -> None:
    before = project_mod.meta(indexed).data_revision
    changes = schema.add_class(indexed, "fish")
    assert changes.data_revision == before + 1
    with indexed.db.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT data_revision FROM project")).scalar() == before + 1
    assert indexing.pending_count(indexed) == 0


def test_the_migrations_build_exactly_the_models(project: project_mod.Project) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from labeler.store import models

    with project.db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), models.Base.metadata)
    assert diff == []
