"""Entra ID sign-in from the app: set in the connect dialog, remembered per server, and a device
code shown until dismissed. Entra ID itself stands in as a token minter (MSAL is tested in
tests/e2e/test_sync_entra.py); the gateway validating the tokens is real."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from PySide6 import QtCore, QtWidgets

from labeler.services import sync
from tests.e2e.conftest import Service
from tests.e2e.test_sync_entra import MintedTokens
from tests.e2e.test_sync_entra import authority as authority
from tests.e2e.test_sync_entra import service as service
from tests.server.gateway.test_tokens import Authority
from tests.ui.helpers import projects, workbench
from ui import settings as settings_mod


@pytest.fixture
def signed_in(monkeypatch: pytest.MonkeyPatch, authority: Authority) -> list[Any]:
    """Entra sign-in as the app asks for it: the settings it was given, tokens from the
    stand-in authority."""
    asked: list[Any] = []

    def sign_in(prompt: Any, notice: Any = None, settings: Any = None) -> Any:
        asked.append(settings)
        return None if settings is None else MintedTokens(authority, "ana@contoso.example")

    monkeypatch.setattr(sync, "entra_sign_in", sign_in)
    return asked


def test_the_connect_dialog_signs_in_with_entra_and_the_app_remembers_it(
    qtbot: Any,
    tmp_path: Path,
    service: Service,
    signed_in: list[Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    project = projects.make_project(tmp_path, images=2)
    key = service.key("ana")
    with workbench.open_workbench(qtbot, project) as bench:
        dialog = bench.open_sync_dialog()
        assert not dialog.entra.isChecked()
        dialog.url.setText(service.url)
        dialog.project.setText("team")
        dialog.key.setText(key)
        dialog.entra.setChecked(True)
        dialog.client_id.setText("11111111-aaaa")
        qtbot.mouseClick(dialog.link_button, QtCore.Qt.MouseButton.LeftButton)
        assert "needs the client id and the API's scopes" in dialog.outcome.text()
        dialog.scopes.setText("api://labeler/.default")
        with qtbot.waitSignal(bench.sync.linkFinished, timeout=15000) as done:
            qtbot.mouseClick(dialog.link_button, QtCore.Qt.MouseButton.LeftButton)
        assert done.args[0], done.args[1]
        assert signed_in[-1] == sync.EntraSettings(
            "11111111-aaaa", ("api://labeler/.default",), "organizations"
        )
        dialog.close()
    stored = settings_mod.entra_for(service.url)
    assert stored == ("11111111-aaaa", "organizations", "api://labeler/.default")

    # Reopened (the key from the environment: no keyring here): the stored sign-in is used
    # again from the start, and the dialog shows it.
    monkeypatch.setenv(sync.KEY_ENV, key)
    signed_in.clear()
    with workbench.open_workbench(qtbot, project) as again:
        # The sign-in runs with the first sync, off the GUI thread: wait for it, not for a turn.
        qtbot.waitUntil(lambda: again.window.status_widgets.sync.text() == "synced", timeout=15000)
        assert signed_in and signed_in[-1].client_id == "11111111-aaaa"
        dialog = again.open_sync_dialog()
        assert dialog.entra.isChecked() and dialog.client_id.text() == "11111111-aaaa"
        dialog.close()
    project.close()


def test_without_a_token_the_entra_gateway_refusal_is_shown(
    qtbot: Any, tmp_path: Path, service: Service, signed_in: list[Any]
) -> None:
    with (
        projects.make_project(tmp_path, images=1) as project,
        workbench.open_workbench(qtbot, project) as bench,
    ):
        bench.sync.options = sync.Options(key=service.key("ana"), timeout=5)
        with qtbot.waitSignal(bench.sync.linkFinished, timeout=15000) as done:
            bench.sync.link(service.url, "team", None)
        ok, text = done.args
        assert not ok and "401" in text


def test_a_device_code_stays_on_screen_until_dismissed(qtbot: Any, tmp_path: Path) -> None:
    with (
        projects.make_project(tmp_path, images=1) as project,
        workbench.open_workbench(qtbot, project) as bench,
    ):
        message = "To sign in, use a web browser to open the page and enter the code ABCD-1234"
        bench.sync.signInPrompt.emit(message)
        box = bench.window.findChild(QtWidgets.QMessageBox, "signInPrompt")
        assert box is not None and box.isVisible() and not box.isModal()
        assert box.text() == message
        assert box.textInteractionFlags() & QtCore.Qt.TextInteractionFlag.TextSelectableByMouse
        box.close()
