"""Databases for gateway tests: a SQLite file always, PostgreSQL when LABELER_TEST_POSTGRES_URL is set.

Each PostgreSQL test gets its own schema, dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from labeler.server.gateway import schema

PG_URL = os.environ.get("LABELER_TEST_POSTGRES_URL")

_BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param(
        "postgresql",
        id="postgresql",
        marks=[
            pytest.mark.postgres,
            pytest.mark.skipif(not PG_URL, reason="LABELER_TEST_POSTGRES_URL is not set"),
        ],
    ),
]


class Database:
    """A database URL (pinned to this test's schema) and engine options."""

    def __init__(self, url: str, engine_kwargs: dict[str, Any]) -> None:
        self.url = url
        self.engine_kwargs = engine_kwargs

    def engine(self) -> sa.Engine:
        return sa.create_engine(self.url, **self.engine_kwargs)


@pytest.fixture(params=_BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "sqlite":
        yield Database(f"sqlite:///{tmp_path / 'server.db'}", {})
        return
    assert PG_URL
    name = f"gw_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{name}"'))
    try:
        # The schema goes into the URL, so every engine made from it (the keys command's, a
        # second server process's) lands in this test's schema too.
        url = sa.make_url(PG_URL).update_query_dict({"options": f"-csearch_path={name}"})
        yield Database(url.render_as_string(hide_password=False), {})
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{name}" CASCADE'))
        admin.dispose()


@pytest.fixture
def engine(database: Database) -> Iterator[sa.Engine]:
    eng = database.engine()
    schema.upgrade(eng)
    yield eng
    eng.dispose()
