"""The gateway's own tables, beside the service's in the same database.

They use their own Alembic history (``labeler_gateway_alembic_version``), so the service and the
gateway upgrade independently and the gateway can be dropped without touching sync data.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

#: One row per subscription: a person (or a team, for automation) with two keys for rotation.
subscriptions = sa.Table(
    "labeler_gateway_subscriptions",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    # JSON list of project names; NULL means every project.
    sa.Column("projects", sa.Text, nullable=True),
    sa.Column("team", sa.Boolean, nullable=False, default=False),
    # SHA-256 hex digests; the keys themselves are shown once and never stored.
    sa.Column("primary_hash", sa.String(64), nullable=False, index=True),
    sa.Column("secondary_hash", sa.String(64), nullable=False, index=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
)

#: Call counters, shared by every server process so limits hold across them: ``quota:<id>`` is a
#: fixed window (its start and count); ``rate:<calls>:<period>:<id>`` counts the calls let through
#: and ``rate:...:<id>:<slot>`` keeps the time of one of them (``window_start``), a ring of
#: ``calls`` slots (see ``limits``).
counters = sa.Table(
    "labeler_gateway_counters",
    metadata,
    sa.Column("counter_key", sa.String(100), primary_key=True),
    sa.Column("window_start", sa.Float, nullable=False),
    sa.Column("count", sa.Integer, nullable=False),
)
