"""Test-wide setup: every test runs with its own data directory and a known author name."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _isolated_user_dirs(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """Keep projects of plain folders, caches and server databases out of the real user directories."""
    data = tmp_path_factory.mktemp("labeler-data")
    monkeypatch.setenv("LABELER_DATA_DIR", str(data))
    monkeypatch.setenv("LABELER_CACHE_DIR", str(data / "cache"))
    monkeypatch.setenv("LABELER_USER", os.environ.get("LABELER_TEST_USER", "tester"))
    yield data


_QT_FIXTURES = frozenset({"qapp", "qtbot", "qtmodeltester"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that needs a Qt application as ``gui`` (``-m "not gui"`` runs the rest)."""
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if fixtures & _QT_FIXTURES or item.nodeid.startswith("tests/ui/"):
            item.add_marker(pytest.mark.gui)
