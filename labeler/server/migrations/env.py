"""Alembic environment of the sync service: the caller passes an open connection.

The built-in gateway keeps its own tables and version table in the same database, so this one
uses ``labeler_server_alembic_version`` and only ever looks at its own tables.
"""

from __future__ import annotations

from alembic import context

from labeler.server.storage import tables

VERSION_TABLE = "labeler_server_alembic_version"

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=tables.metadata,
    version_table=VERSION_TABLE,
    render_as_batch=connection.dialect.name == "sqlite",
    include_name=lambda name, type_, _parent: type_ != "table" or str(name).startswith("lbl_"),
)
with context.begin_transaction():
    context.run_migrations()
