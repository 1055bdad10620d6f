"""Subscriptions and call counters.

Revision ID: gw0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "gw0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "labeler_gateway_subscriptions",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("projects", sa.Text, nullable=True),
        sa.Column("team", sa.Boolean, nullable=False),
        sa.Column("primary_hash", sa.String(64), nullable=False),
        sa.Column("secondary_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index(
        "ix_labeler_gateway_subscriptions_primary_hash",
        "labeler_gateway_subscriptions",
        ["primary_hash"],
    )
    op.create_index(
        "ix_labeler_gateway_subscriptions_secondary_hash",
        "labeler_gateway_subscriptions",
        ["secondary_hash"],
    )
    op.create_table(
        "labeler_gateway_counters",
        sa.Column("counter_key", sa.String(100), primary_key=True),
        sa.Column("window_start", sa.Float, nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("labeler_gateway_counters")
    op.drop_index("ix_labeler_gateway_subscriptions_secondary_hash")
    op.drop_index("ix_labeler_gateway_subscriptions_primary_hash")
    op.drop_table("labeler_gateway_subscriptions")
