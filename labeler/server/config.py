"""How one sync service process is configured (``labeler serve`` builds this).

The service's own limits come from the ``[service]`` table of the settings file that
``--gateway-config`` names (the same file as the built-in gateway's; read with ``--gateway off``
too), or their defaults::

    [service]
    max_body_bytes = 16777216     # largest JSON request body: 413 above it
    max_image_bytes = 536870912   # largest image upload: 413 above it
    export_slots = 1              # exports built at once by one process: 503 + Retry-After past it
    export_retry_after = 30       # seconds an export refused for a busy server is told to wait

The protocol's own limits (records per push and per page, bytes per record and per page, points
per polygon) are fixed: clients rely on them (``labeler.sync.wire.fields``).
"""

from __future__ import annotations

import dataclasses
import json
import tomllib
from pathlib import Path
from typing import Any, Literal

from labeler import errors
from labeler.server import settings as settings_mod
from labeler.sync.wire import protocol

Gateway = Literal["builtin", "off"]

#: A body must hold the largest push a client sends (``protocol.MAX_PUSH_BYTES``) with room.
MIN_BODY_BYTES = protocol.MAX_PUSH_BYTES + 1024 * 1024


class SettingsError(errors.UserError, ValueError):
    """A settings file the service cannot use; the message names the file and the field."""


@dataclasses.dataclass(frozen=True, slots=True)
class ServerSettings:
    """Settings of one service process.

    Attributes:
        db_url: SQLAlchemy URL (SQLite file, or ``postgresql+psycopg://...``).
        blobs_dir: where image bytes are kept; None: beside the SQLite file or in the data dir.
        host, port: where ``labeler serve`` listens.
        gateway: ``"builtin"`` runs labeler's own APIM-like gateway in front of the routes;
            ``"off"`` trusts the caller headers set by Azure API Management in front of it.
        gateway_config_path: the settings file (the gateway's tables and ``[service]``).
        max_body_bytes: largest JSON request body (413 above it).
        max_blob_bytes: largest image upload (413 above it).
        export_slots: exports one process builds at a time; more answer 503 with Retry-After
            (and a second export of the same caller at once 429), so exports cannot starve
            the calls that sync.
        export_retry_after: the Retry-After of those answers, in seconds.
    """

    db_url: str = dataclasses.field(default_factory=settings_mod.default_db_url)
    blobs_dir: Path | None = None
    host: str = "127.0.0.1"
    port: int = 8080
    gateway: Gateway = "builtin"
    gateway_config_path: Path | None = None
    max_body_bytes: int = 16 * 1024 * 1024
    max_blob_bytes: int = 512 * 1024 * 1024
    export_slots: int = 1
    export_retry_after: int = 30

    def resolved_blobs_dir(self) -> Path:
        return self.blobs_dir or settings_mod.default_blobs_dir(self.db_url)

    def with_file_limits(self) -> ServerSettings:
        """These settings with the ``[service]`` table of :attr:`gateway_config_path` applied.

        Raises:
            SettingsError: the file is unreadable or a field is wrong.
        """
        if self.gateway_config_path is None:
            return self
        return dataclasses.replace(self, **service_table(self.gateway_config_path))


_FIELDS = {
    "max_body_bytes": ("max_body_bytes", MIN_BODY_BYTES),
    "max_image_bytes": ("max_blob_bytes", 1),
    "export_slots": ("export_slots", 1),
    "export_retry_after": ("export_retry_after", 1),
}


def service_table(path: Path) -> dict[str, Any]:
    """The ``[service]`` settings of a TOML or JSON file, as ``ServerSettings`` field values.

    Raises:
        SettingsError: the file is unreadable, not TOML/JSON, or a field is wrong.
    """
    try:
        text = path.read_text(encoding="utf-8")
        data: Any = json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
    except OSError as exc:
        raise SettingsError(f"{path}: cannot read: {exc.strerror}") from exc
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        raise SettingsError(f"{path}: not valid: {exc}") from exc
    table = data.get("service", {}) if isinstance(data, dict) else None
    if not isinstance(table, dict):
        raise SettingsError(f"{path}: service: expected a table/object")
    out: dict[str, Any] = {}
    for key, value in table.items():
        if key not in _FIELDS:
            known = ", ".join(sorted(_FIELDS))
            raise SettingsError(f"{path}: service.{key}: unknown setting (known: {known})")
        field, low = _FIELDS[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise SettingsError(f"{path}: service.{key}: expected a whole number ≥ {low}")
        out[field] = value
    return out
