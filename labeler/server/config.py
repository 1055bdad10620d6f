"""How one sync service process is configured (``labeler serve`` builds this)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Literal

from labeler.server import settings as settings_mod

Gateway = Literal["builtin", "off"]


@dataclasses.dataclass(frozen=True, slots=True)
class ServerSettings:
    """Settings of one service process.

    Attributes:
        db_url: SQLAlchemy URL (SQLite file, or ``postgresql+psycopg://...``).
        blobs_dir: where image bytes are kept; None: beside the SQLite file or in the data dir.
        host, port: where ``labeler serve`` listens.
        gateway: ``"builtin"`` runs labeler's own APIM-like gateway in front of the routes;
            ``"off"`` trusts the caller headers set by Azure API Management in front of it.
        gateway_config_path: the built-in gateway's configuration file (None: its default).
        max_body_bytes: largest JSON request body (413 above it).
        max_blob_bytes: largest image upload (413 above it).
    """

    db_url: str = dataclasses.field(default_factory=settings_mod.default_db_url)
    blobs_dir: Path | None = None
    host: str = "127.0.0.1"
    port: int = 8080
    gateway: Gateway = "builtin"
    gateway_config_path: Path | None = None
    max_body_bytes: int = 16 * 1024 * 1024
    max_blob_bytes: int = 512 * 1024 * 1024

    def resolved_blobs_dir(self) -> Path:
        return self.blobs_dir or settings_mod.default_blobs_dir(self.db_url)
