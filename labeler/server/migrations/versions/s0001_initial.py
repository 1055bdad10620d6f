"""sync service: initial schema

Revision ID: s0001
Revises: (none)
Create Date: 2026-11-27 04:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "s0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lbl_projects",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("title", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("head", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("min_revision", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("epoch", sa.String(32), nullable=False),
        sa.Column("schema_version", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("tasks", sa.Text, nullable=False),
    )
    op.create_table(
        "lbl_schema_versions",
        sa.Column("project", sa.String(64), primary_key=True),
        sa.Column("version", sa.BigInteger, primary_key=True),
        sa.Column("schema", sa.Text, nullable=False),
        sa.Column("author", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "lbl_records",
        sa.Column("project", sa.String(64), primary_key=True),
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("revision", sa.BigInteger, nullable=False),
        sa.Column("deleted", sa.Boolean, nullable=False),
        sa.Column("updated_at", sa.Text, nullable=False),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("author", sa.Text, nullable=False),
        sa.Column("server_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("image_sha256", sa.String(64), nullable=True),
        sa.Column("class_id", sa.String(36), nullable=True),
        sa.Column("status", sa.String(16), nullable=True),
    )
    op.create_index("ix_lbl_records_kind", "lbl_records", ["project", "kind"])
    op.create_table(
        "lbl_changes",
        sa.Column("project", sa.String(64), primary_key=True),
        sa.Column("revision", sa.BigInteger, primary_key=True),
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("base_revision", sa.BigInteger, nullable=True),
        sa.Column("deleted", sa.Boolean, nullable=False),
        sa.Column("updated_at", sa.Text, nullable=False),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("author", sa.Text, nullable=False),
        sa.Column("server_time", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "lbl_images",
        sa.Column("project", sa.String(64), primary_key=True),
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("rel_path", sa.Text, nullable=False),
        sa.Column("width", sa.Integer, nullable=False),
        sa.Column("height", sa.Integer, nullable=False),
        sa.Column("orientation", sa.Integer, nullable=False),
        sa.Column("format", sa.Text, nullable=True),
        sa.Column("bytes", sa.BigInteger, nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "lbl_idempotency",
        sa.Column("caller", sa.String(200), primary_key=True),
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("body_hash", sa.String(64), nullable=False),
        sa.Column("status_code", sa.Integer, nullable=False),
        sa.Column("response", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    for name in (
        "lbl_idempotency",
        "lbl_images",
        "lbl_changes",
        "lbl_records",
        "lbl_schema_versions",
        "lbl_projects",
    ):
        op.drop_table(name)
