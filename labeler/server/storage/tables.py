"""The service's tables (SQLAlchemy Core). Every schema change is an Alembic revision.

JSON is kept as text written by ``json.dumps`` (ASCII, escaped), which both SQLite and
PostgreSQL store as given; ``updated_at`` keeps the client's own text for the same reason.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

projects = sa.Table(
    "lbl_projects",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("title", sa.Text, nullable=False, server_default=""),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    # The per-project revision counter: see records.push for why it is a row, not a sequence.
    sa.Column("head", sa.BigInteger, nullable=False, server_default="0"),
    # Feed rows below this revision may have been compacted away: older cursors get 410.
    sa.Column("min_revision", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("epoch", sa.String(32), nullable=False),
    sa.Column("schema_version", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("tasks", sa.Text, nullable=False),
    # Feed rows up to here are known to fit the wire model (``labeler maintain`` checks on).
    sa.Column("checked_revision", sa.BigInteger, nullable=False, server_default="0"),
)

schema_versions = sa.Table(
    "lbl_schema_versions",
    metadata,
    sa.Column("project", sa.String(64), primary_key=True),
    sa.Column("version", sa.BigInteger, primary_key=True),
    sa.Column("schema", sa.Text, nullable=False),
    sa.Column("author", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

#: The current copy of every record (what conflicts are checked against).
records = sa.Table(
    "lbl_records",
    metadata,
    sa.Column("project", sa.String(64), primary_key=True),
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("revision", sa.BigInteger, nullable=False),
    sa.Column("deleted", sa.Boolean, nullable=False),
    sa.Column("updated_at", sa.Text, nullable=False),
    sa.Column("data", sa.Text, nullable=False),
    sa.Column("author", sa.Text, nullable=False),
    sa.Column("server_time", sa.DateTime(timezone=True), nullable=False),
    # Copied out of ``data`` for stats and exports.
    sa.Column("image_sha256", sa.String(64), nullable=True),
    sa.Column("class_id", sa.String(36), nullable=True),
    sa.Column("status", sa.String(16), nullable=True),
    sa.Index("ix_lbl_records_kind", "project", "kind"),
)

#: The change feed: every applied version of every record, in revision order (append-only
#: until compaction drops superseded versions below ``projects.min_revision``).
changes = sa.Table(
    "lbl_changes",
    metadata,
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

images = sa.Table(
    "lbl_images",
    metadata,
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

#: Which project's manifest image had its bytes uploaded to that project: the blob store keeps
#: one copy of equal bytes, but a project reads only bytes it was sent (or had before).
project_blobs = sa.Table(
    "lbl_project_blobs",
    metadata,
    sa.Column("project", sa.String(64), primary_key=True),
    sa.Column("sha256", sa.String(64), primary_key=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

idempotency = sa.Table(
    "lbl_idempotency",
    metadata,
    sa.Column("caller", sa.String(200), primary_key=True),
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("body_hash", sa.String(64), nullable=False),
    sa.Column("status_code", sa.Integer, nullable=False),
    sa.Column("response", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)
