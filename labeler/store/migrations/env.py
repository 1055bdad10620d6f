"""Alembic environment for project files: the caller passes an open connection."""

from __future__ import annotations

from alembic import context

from labeler.store import models

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=models.Base.metadata,
    # SQLite cannot ALTER most things: batch mode copies the table, keeping the data.
    render_as_batch=True,
)
with context.begin_transaction():
    context.run_migrations()
