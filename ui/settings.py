"""The app's own settings (QSettings, per user): your name, shortcuts, workflow options, window
layout.

Project data never lives here; what belongs to a project (the image and view the user left) is kept
in the project through ``labeler.services.project.set_state``.
"""

from __future__ import annotations

from PySide6 import QtCore

ORGANIZATION = "labeler"
APPLICATION = "labeler"

_AUTHOR = "user/author"
_SHORTCUT_GROUP = "shortcuts"
_ADVANCE_AFTER_TAG = "workflow/advance_after_tag"
_FILL_OPACITY = "view/fill_opacity"
_BROWSER_MODE = "view/browser_mode"
_GEOMETRY = "window/geometry"
_STATE = "window/state"
#: Bump when docks are added or renamed, so an old saved layout is not applied to a new window.
LAYOUT_VERSION = 1


def settings() -> QtCore.QSettings:
    """The app's settings store (user scope, named after the application and organisation).

    Made without arguments so it follows ``QSettings.setDefaultFormat``/``setPath`` (tests point
    it at a temporary folder); ``ui.app.application`` sets the names.
    """
    return QtCore.QSettings()


def author() -> str | None:
    """The name the user's changes are signed with, or None before it was ever set."""
    value = settings().value(_AUTHOR, "")
    name = " ".join(str(value or "").split())
    return name or None


def set_author(name: str) -> None:
    settings().setValue(_AUTHOR, " ".join(name.split()))


def shortcut_overrides() -> dict[str, str]:
    """Shortcuts the user changed: action name → key sequences in portable text, ``;``-separated."""
    s = settings()
    s.beginGroup(_SHORTCUT_GROUP)
    try:
        return {key: str(s.value(key, "")) for key in s.childKeys()}
    finally:
        s.endGroup()


def set_shortcut_override(name: str, keys: str | None) -> None:
    """Store (or with ``None`` forget) the user's shortcut for action ``name``."""
    s = settings()
    key = f"{_SHORTCUT_GROUP}/{name}"
    if keys is None:
        s.remove(key)
    else:
        s.setValue(key, keys)


def advance_after_tag() -> bool:
    """Whether a class hotkey in a single-label tag project moves on to the next image."""
    value = settings().value(_ADVANCE_AFTER_TAG, True)
    return value in (True, "true", "1", 1)


def set_advance_after_tag(on: bool) -> None:
    settings().setValue(_ADVANCE_AFTER_TAG, on)


def fill_opacity(default: int) -> int:
    """The opacity (percent) shapes are filled with on the canvas, as the user left it."""
    value = settings().value(_FILL_OPACITY, default)
    try:
        percent = int(str(value))
    except ValueError:
        return default
    return max(0, min(100, percent))


def set_fill_opacity(percent: int) -> None:
    settings().setValue(_FILL_OPACITY, int(percent))


def browser_mode() -> str:
    """How the image browser was left: ``"list"`` (the default) or ``"grid"``."""
    value = str(settings().value(_BROWSER_MODE, "list") or "list")
    return value if value in ("list", "grid") else "list"


def set_browser_mode(mode: str) -> None:
    settings().setValue(_BROWSER_MODE, mode)


def window_layout() -> tuple[QtCore.QByteArray | None, QtCore.QByteArray | None]:
    """Saved window geometry and dock state, or ``None`` where nothing usable is saved."""
    s = settings()
    geometry = s.value(_GEOMETRY)
    state = s.value(_STATE)
    return (
        geometry if isinstance(geometry, QtCore.QByteArray) else None,
        state if isinstance(state, QtCore.QByteArray) else None,
    )


def save_window_layout(geometry: QtCore.QByteArray, state: QtCore.QByteArray) -> None:
    s = settings()
    s.setValue(_GEOMETRY, geometry)
    s.setValue(_STATE, state)


def _entra_group(url: str) -> str:
    import urllib.parse

    return "entra/" + urllib.parse.quote(url.rstrip("/"), safe="")


def entra_for(url: str) -> tuple[str, str, str] | None:
    """(client id, tenant, space-separated scopes) of Entra ID sign-in for the server at
    ``url``, as the user last gave them; None when sign-in is off for it."""
    s = settings()
    s.beginGroup(_entra_group(url))
    try:
        client_id = str(s.value("client_id", "") or "")
        if not client_id:
            return None
        return client_id, str(s.value("tenant", "") or ""), str(s.value("scopes", "") or "")
    finally:
        s.endGroup()


def set_entra_for(url: str, value: tuple[str, str, str] | None) -> None:
    """Remember (or with None forget) Entra ID sign-in settings for the server at ``url``.
    Only identifiers are stored: tokens live in the OS-protected token cache."""
    s = settings()
    s.remove(_entra_group(url))
    if value is not None:
        client_id, tenant, scopes = value
        s.setValue(_entra_group(url) + "/client_id", client_id)
        s.setValue(_entra_group(url) + "/tenant", tenant)
        s.setValue(_entra_group(url) + "/scopes", scopes)
