"""label kinds: one setting (tag mode and a set of shape kinds) instead of a flag per kind

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 09:00:00

The project's ``tag_mode``, ``boxes`` and ``polygons`` columns become one ``label_kinds`` JSON
column, ``{"tags": "none", "shapes": ["box"]}``, so a new kind of label (the rotated box) needs
no new column. Existing projects keep exactly the kinds they had.
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_OLD = sa.table(
    "project",
    sa.column("id", sa.String),
    sa.column("tag_mode", sa.String),
    sa.column("boxes", sa.Boolean),
    sa.column("polygons", sa.Boolean),
    sa.column("label_kinds", sa.Text),
)


def upgrade() -> None:
    with op.batch_alter_table("project") as batch:
        batch.add_column(sa.Column("label_kinds", sa.Text(), nullable=True))
    conn = op.get_bind()
    rows = conn.execute(sa.select(_OLD.c.id, _OLD.c.tag_mode, _OLD.c.boxes, _OLD.c.polygons))
    for project_id, tag_mode, boxes, polygons in rows.all():
        shapes = [kind for kind, on in (("box", boxes), ("polygon", polygons)) if on]
        kinds = json.dumps({"tags": tag_mode or "none", "shapes": shapes}, separators=(",", ":"))
        conn.execute(sa.update(_OLD).where(_OLD.c.id == project_id).values(label_kinds=kinds))
    with op.batch_alter_table("project") as batch:
        batch.alter_column("label_kinds", existing_type=sa.Text(), nullable=False)
        batch.drop_column("tag_mode")
        batch.drop_column("boxes")
        batch.drop_column("polygons")


def downgrade() -> None:
    """Back to one flag per kind; kinds revision 0003 has no column for (rotated boxes) are
    dropped from the setting, their labels stay."""
    with op.batch_alter_table("project") as batch:
        batch.add_column(sa.Column("tag_mode", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("boxes", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("polygons", sa.Boolean(), nullable=True))
    conn = op.get_bind()
    for project_id, text in conn.execute(sa.select(_OLD.c.id, _OLD.c.label_kinds)).all():
        kinds = json.loads(text)
        shapes = set(kinds.get("shapes", ()))
        conn.execute(
            sa.update(_OLD)
            .where(_OLD.c.id == project_id)
            .values(
                tag_mode=kinds.get("tags", "none"),
                boxes="box" in shapes,
                polygons="polygon" in shapes,
            )
        )
    with op.batch_alter_table("project") as batch:
        batch.alter_column("tag_mode", existing_type=sa.String(length=16), nullable=False)
        batch.alter_column("boxes", existing_type=sa.Boolean(), nullable=False)
        batch.alter_column("polygons", existing_type=sa.Boolean(), nullable=False)
        batch.drop_column("label_kinds")
