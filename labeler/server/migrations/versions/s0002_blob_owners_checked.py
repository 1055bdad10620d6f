"""sync service: which project holds which image bytes; how far each feed is known readable

Revision ID: s0002
Revises: s0001
Create Date: 2026-12-04 04:00:00

``lbl_project_blobs`` records that bytes were uploaded to a project: a project reads only
those, even when the store keeps one copy for several. Existing manifest entries whose bytes
the store holds are granted (when the upgrade is told where the bytes are; every entry when
not), so teams keep what they had.

``lbl_projects.checked_revision``: feed rows up to it are known to fit the strict wire model;
``labeler maintain`` checks (and repairs) the rest, starting from 0 for data stored before.
"""

from __future__ import annotations

import datetime as dt
import pathlib

import sqlalchemy as sa
from alembic import context, op

revision = "s0002"
down_revision = "s0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    owners = op.create_table(
        "lbl_project_blobs",
        sa.Column("project", sa.String(64), primary_key=True),
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    with op.batch_alter_table("lbl_projects") as batch:
        batch.add_column(
            sa.Column("checked_revision", sa.BigInteger, nullable=False, server_default="0")
        )
    blobs = context.config.attributes.get("blobs_dir")
    conn = op.get_bind()
    images = sa.table("lbl_images", sa.column("project"), sa.column("sha256"))
    found = conn.execute(sa.select(images.c.project, images.c.sha256)).all()
    now = dt.datetime.now(dt.UTC)
    rows = [
        {"project": project, "sha256": sha, "created_at": now}
        for project, sha in found
        if blobs is None or (pathlib.Path(blobs) / sha[:2] / sha).is_file()
    ]
    for start in range(0, len(rows), 1000):
        conn.execute(owners.insert(), rows[start : start + 1000])


def downgrade() -> None:
    with op.batch_alter_table("lbl_projects") as batch:
        batch.drop_column("checked_revision")
    op.drop_table("lbl_project_blobs")
