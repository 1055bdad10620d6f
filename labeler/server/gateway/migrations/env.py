"""Alembic environment for the gateway's tables: the caller passes an open connection."""

from __future__ import annotations

from alembic import context

from labeler.server.gateway import schema, tables

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=tables.metadata,
    version_table=schema.VERSION_TABLE,
    # SQLite cannot ALTER most things: batch mode copies the table, keeping the data.
    render_as_batch=True,
)
with context.begin_transaction():
    context.run_migrations()
