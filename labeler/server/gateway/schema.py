"""Upgrading the gateway's tables with Alembic (its own migrations and version table)."""

from __future__ import annotations

import pathlib

import sqlalchemy as sa
from alembic import command
from alembic import config as alembic_config

VERSION_TABLE = "labeler_gateway_alembic_version"
_MIGRATIONS = pathlib.Path(__file__).with_name("migrations")


def upgrade(engine: sa.Engine) -> None:
    """Bring the gateway's tables to the newest revision (idempotent)."""
    cfg = alembic_config.Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")
