"""File → Sync with a server…: the server's URL, the project's name there, and the person's key."""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from labeler.services import sync


class SyncDialog(QtWidgets.QDialog):
    """Asks where to sync and links the project in the background, showing the outcome.

    Signals:
        linkRequested(str, str, str, bool, object): URL, server project name, key ("" when
            none was typed), whether to upload the image files, and the Entra ID sign-in
            settings (``sync.EntraSettings``, or None when sign-in is off).
    """

    linkRequested = QtCore.Signal(str, str, str, bool, object)

    def __init__(
        self,
        parent: QtWidgets.QWidget | None = None,
        *,
        url: str = "",
        remote_project: str = "",
        entra: tuple[str, str, str] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("syncDialog")
        self.setWindowTitle("Sync with a server" + (" (linked)" if url and remote_project else ""))
        self.url = QtWidgets.QLineEdit(url)
        self.url.setObjectName("url")
        self.url.setPlaceholderText("https://labels.example.com")
        self.project = QtWidgets.QLineEdit(remote_project)
        self.project.setObjectName("remoteProject")
        self.project.setPlaceholderText("the project's name on the server")
        self.key = QtWidgets.QLineEdit()
        self.key.setObjectName("key")
        self.key.setEchoMode(QtWidgets.QLineEdit.EchoMode.Password)
        self.key.setPlaceholderText(f"subscription key (or leave empty to use {sync.KEY_ENV})")
        self.upload = QtWidgets.QCheckBox("&Upload image files the server lacks")
        self.upload.setObjectName("uploadImages")
        self.upload.setToolTip(
            "Teammates who join then receive the images, not only their labels. "
            "Without it, only labels and the image list are shared."
        )
        self.entra = self._entra_box(entra)
        self.outcome = QtWidgets.QLabel(
            "A project the server does not have yet is published; otherwise it is joined, and "
            "server images missing here are fetched into this project's image folder."
        )
        self.outcome.setObjectName("outcome")
        self.outcome.setWordWrap(True)
        self.linked = bool(url and remote_project)
        if self.linked:
            self.outcome.setText(
                f"This project is linked: it syncs with “{remote_project}” on {url}. Link again "
                "to give another key or sign-in; a different server or project needs a copy of "
                "the project."
            )
        self.outcome.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        form = QtWidgets.QFormLayout()
        form.addRow("Server &URL", self.url)
        form.addRow("&Project", self.project)
        form.addRow("&Key", self.key)
        form.addRow("", self.upload)
        self.buttons = QtWidgets.QDialogButtonBox()
        self.link_button = self.buttons.addButton(
            "&Link", QtWidgets.QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.link_button.setObjectName("link")
        if self.linked:
            self.link_button.setText("&Link again")
        self.buttons.addButton(QtWidgets.QDialogButtonBox.StandardButton.Close)
        self.buttons.accepted.connect(self._on_link)
        self.buttons.rejected.connect(self.reject)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.entra)
        layout.addWidget(self.outcome)
        layout.addWidget(self.buttons)
        self.resize(520, self.sizeHint().height())

    def _entra_box(self, entra: tuple[str, str, str] | None) -> QtWidgets.QGroupBox:
        """The optional Entra ID sign-in settings: client id, tenant and scopes."""
        box = QtWidgets.QGroupBox("Sign in with &Entra ID (when the server asks for it)")
        box.setObjectName("entra")
        box.setCheckable(True)
        box.setChecked(entra is not None)
        self.client_id = QtWidgets.QLineEdit(entra[0] if entra else "")
        self.client_id.setObjectName("clientId")
        self.client_id.setPlaceholderText("the desktop client's application (client) id")
        self.tenant = QtWidgets.QLineEdit(entra[1] if entra else "")
        self.tenant.setObjectName("tenant")
        self.tenant.setPlaceholderText("organizations, or your tenant id or domain")
        self.scopes = QtWidgets.QLineEdit(entra[2] if entra else "")
        self.scopes.setObjectName("scopes")
        self.scopes.setPlaceholderText("api://labeler/.default")
        entra_form = QtWidgets.QFormLayout(box)
        entra_form.addRow("Client &id", self.client_id)
        entra_form.addRow("&Tenant", self.tenant)
        entra_form.addRow("S&copes", self.scopes)
        return box

    def entra_settings(self) -> sync.EntraSettings | None:
        """The sign-in settings typed in, or None when sign-in is off.

        Raises:
            ValueError: sign-in is on but the client id or the scopes are missing.
        """
        if not self.entra.isChecked():
            return None
        client_id, scopes = self.client_id.text().strip(), self.scopes.text().split()
        if not client_id or not scopes:
            raise ValueError("Entra ID sign-in needs the client id and the API's scopes.")
        return sync.EntraSettings(
            client_id, tuple(scopes), self.tenant.text().strip() or "organizations"
        )

    def _on_link(self) -> None:
        url, name, key = self.url.text().strip(), self.project.text().strip(), self.key.text()
        if not url or not name:
            self.outcome.setText("Give the server's URL and the project's name on it.")
            return
        try:
            entra = self.entra_settings()
        except ValueError as exc:
            self.outcome.setText(str(exc))
            return
        # The key is kept (in the OS keyring) by the link itself, once the service accepted it.
        self.link_button.setEnabled(False)
        self.outcome.setText("Linking…")
        self.linkRequested.emit(url, name, key, self.upload.isChecked(), entra)

    def show_result(self, ok: bool, text: str) -> None:
        """The link attempt ended: say how (and allow another try after a failure)."""
        self.link_button.setEnabled(True)
        before = self.outcome.text().replace("Linking…", "").strip()
        verdict = text if ok else f"Not linked: {text}"
        self.outcome.setText(f"{before} {verdict}".strip())
        if ok:
            self.link_button.setText("&Link again")
