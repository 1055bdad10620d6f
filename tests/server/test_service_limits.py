"""The service's own limits: set in the settings file, and exports that cannot starve the rest."""

from __future__ import annotations

import concurrent.futures
import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests

from labeler.server import app as app_mod
from labeler.server import config as config_mod
from labeler.server.storage import exporting
from tests.server import conftest, live


def _export(server: live.LiveServer, project: str, who: str) -> requests.Response:
    return requests.get(
        f"{server.url}/v1/projects/{project}/export",
        params={"format": "csv", "statuses": "new"},
        headers=conftest.caller_headers(who, "reader"),
        timeout=30,
    )


def test_exports_past_the_bound_are_told_when_to_come_back(
    make_server: Callable[..., live.LiveServer],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = make_server(export_slots=1, export_retry_after=7)
    with requests.Session() as s:
        s.headers.update(conftest.caller_headers("alice", "admin"))
        s.post(f"{server.url}/v1/projects", json={"name": "big"}, timeout=30)
    started, release = threading.Event(), threading.Event()
    original = exporting.load

    def slow_load(*args: Any, **kwargs: Any) -> exporting.ProjectData:
        started.set()
        assert release.wait(30)
        return original(*args, **kwargs)

    monkeypatch.setattr(exporting, "load", slow_load)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        first = pool.submit(_export, server, "big", "ana")
        assert started.wait(30)
        again = _export(server, "big", "ana")  # the same caller, while hers is being built
        other = _export(server, "big", "ben")  # someone else, while the one slot is taken
        health = requests.get(f"{server.url}/v1/health", timeout=5)  # sync calls go on
        release.set()
        assert first.result().status_code == 200
    assert (again.status_code, again.headers["Retry-After"]) == (429, "7")
    assert (other.status_code, other.headers["Retry-After"]) == (503, "7")
    assert other.json()["statusCode"] == 503
    assert health.status_code == 200
    assert _export(server, "big", "ben").status_code == 200  # the slot is free again


def test_the_settings_file_sets_the_services_limits(
    make_server: Callable[..., live.LiveServer], tmp_path: Path
) -> None:
    settings = tmp_path / "gateway.toml"
    limit = config_mod.MIN_BODY_BYTES
    settings.write_text(
        f"[rate_limit]\ncalls = 100\n[service]\nmax_body_bytes = {limit}\nexport_slots = 3\n",
        encoding="utf-8",
    )
    server = make_server(gateway_config_path=settings)
    assert server._app.state.labeler.settings.export_slots == 3  # type: ignore[attr-defined]
    big = json.dumps({"name": "p", "title": "x" * limit}).encode()
    reply = requests.post(
        f"{server.url}/v1/projects",
        data=big,
        headers={**conftest.caller_headers("alice", "admin"), "Content-Type": "application/json"},
        timeout=30,
    )
    assert reply.status_code == 413
    assert str(limit) in reply.json()["message"]


@pytest.mark.parametrize(
    ("table", "field"),
    [
        ("max_body_bytes = 1000", "service.max_body_bytes"),  # below the largest push
        ("export_slots = 0", "service.export_slots"),
        ("exports = 2", "service.exports"),
    ],
)
def test_a_wrong_service_setting_stops_the_start_with_its_name(
    tmp_path: Path, table: str, field: str
) -> None:
    settings = tmp_path / "gateway.toml"
    settings.write_text(f"[service]\n{table}\n", encoding="utf-8")
    with pytest.raises(config_mod.SettingsError) as err:
        app_mod.create_app(
            config_mod.ServerSettings(
                db_url=f"sqlite:///{tmp_path / 's.db'}",
                blobs_dir=tmp_path / "blobs",
                gateway_config_path=settings,
            )
        )
    assert field in str(err.value) and str(settings) in str(err.value)
