"""The unit of work every write of a project goes through.

One user action (or one page of sync, or one import) is one transaction: committed and fsynced
when the block ends, rolled back on error. A unit that changes the project's data also advances
its *data revision*, once, so an export can name exactly the state it came from; a unit that only
keeps books (sync cursors, app state) leaves it alone.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import sqlalchemy as sa
from sqlalchemy import orm

from labeler.store import database, models


@contextlib.contextmanager
def unit_of_work(
    db: database.Database, *, changes_data: bool = True, wait_ms: int | None = None
) -> Iterator[tuple[orm.Session, int | None]]:
    """A write transaction; yields the session and the new data revision (None when
    ``changes_data`` is False: a unit that finds out late whether it changed anything calls
    :func:`bump_data_revision` itself). ``wait_ms``: see ``Database.write``."""
    with db.write(wait_ms=wait_ms) as session:
        yield session, bump_data_revision(session) if changes_data else None


def bump_data_revision(session: orm.Session) -> int:
    """Advance the project's data revision inside the caller's unit of work; returns it."""
    return int(
        session.execute(
            sa.update(models.ProjectMeta)
            .values(data_revision=models.ProjectMeta.data_revision + 1)
            .returning(models.ProjectMeta.data_revision)
        ).scalar_one()
    )


def data_revision(session: orm.Session) -> int:
    """The project's data revision as it stands in this unit of work."""
    return int(session.execute(sa.select(models.ProjectMeta.data_revision)).scalar_one())
