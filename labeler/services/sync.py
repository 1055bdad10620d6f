"""Syncing a project with a team's server: link, sync rounds, conflicts.

The subscription key comes from the caller (``--key``), else ``LABELER_KEY``, else the OS
keyring (service ``labeler``, user = the server's URL). It is never written to the project file
or to logs.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from pathlib import Path

from labeler import paths
from labeler.domain import changes as changes_mod
from labeler.services import indexing
from labeler.services import project as project_mod
from labeler.store import work
from labeler.sync import names
from labeler.sync.engine import blobs, conflicts, link, outbox, resolve, rounds
from labeler.sync.wire import client as client_mod
from labeler.sync.wire import entra, retry
from labeler.sync.wire import errors as sync_errors

KEYRING_SERVICE = "labeler"
KEY_ENV = names.KEY_ENV

SyncError = sync_errors.SyncError
ConfigurationError = sync_errors.ConfigurationError
OfflineError = sync_errors.OfflineError
NotLinked = rounds.NotLinked
ConflictError = conflicts.ConflictError
Choice = conflicts.Choice
SyncReport = rounds.SyncReport
Conflict = conflicts.Conflict


@dataclasses.dataclass(frozen=True, slots=True)
class KeyStorage:
    """Where ``--key`` went: ``stored`` in the keyring, or not (``why``)."""

    stored: bool
    why: str


def _keyring_usable() -> bool:
    try:
        import keyring
        from keyring.backends import fail
    except ImportError:
        return False
    return not isinstance(keyring.get_keyring(), fail.Keyring)


def store_key(url: str, key: str) -> KeyStorage:
    """Keep ``key`` in the OS keyring when one is usable; never anywhere else."""
    if not _keyring_usable():
        return KeyStorage(
            False, f"no usable keyring here: the key was not stored; set {KEY_ENV} to sync"
        )
    import keyring
    from keyring import errors

    try:
        keyring.set_password(KEYRING_SERVICE, url, key)
    except errors.KeyringError as exc:
        return KeyStorage(
            False, f"the keyring refused the key ({type(exc).__name__}); set {KEY_ENV}"
        )
    return KeyStorage(True, "the key is stored in the keyring")


def find_key(url: str, given: str | None = None) -> str | None:
    """The key for ``url``: ``given``, else ``LABELER_KEY``, else the keyring's."""
    if given:
        return given
    env = os.environ.get(KEY_ENV, "").strip()
    if env:
        return env
    if not _keyring_usable():
        return None
    import keyring
    from keyring import errors

    try:
        return keyring.get_password(KEYRING_SERVICE, url)
    except errors.KeyringError:
        return None


def _client(url: str, key: str | None, timeout: float) -> client_mod.SyncClient:
    return client_mod.SyncClient(url, key=key, timeout=timeout)


@dataclasses.dataclass
class Options:
    """How to reach the service; tests replace the client factory and the sleep."""

    key: str | None = None
    timeout: float = 30.0
    policy: retry.RetryPolicy = dataclasses.field(default_factory=retry.RetryPolicy)
    sleep: Callable[[float], None] | None = None
    make_client: Callable[[str, str | None, float], client_mod.SyncClient] = _client
    token_source: entra.TokenSource | None = None  # Entra ID tokens, when the API wants them


SignInError = entra.SignInError
EntraSettings = entra.EntraSettings


def entra_sign_in(
    prompt: Callable[[str], None],
    notice: Callable[[str], None] | None = None,
    settings: entra.EntraSettings | None = None,
) -> entra.TokenSource | None:
    """Entra ID sign-in with ``settings``, else as set in the environment
    (``LABELER_ENTRA_CLIENT_ID``, ``..._TENANT``, ``..._SCOPES``), with its token cache in the
    user's data directory; None when neither sets it up.

    ``prompt`` shows the device-code instructions; ``notice`` hears where tokens are kept when
    the OS cannot encrypt them.

    Raises:
        SignInError: the settings are incomplete.
    """
    settings = settings or entra.EntraSettings.from_env()
    if settings is None:
        return None
    path = paths.data_dir() / "entra-token-cache.bin"
    return entra.MsalTokenSource(
        settings, cache=lambda: entra.persisted_cache(path, notice or prompt), prompt=prompt
    )


def _engine(project: project_mod.Project, url: str, options: Options) -> rounds.SyncEngine:
    client = options.make_client(url, find_key(url, options.key), options.timeout)
    client.token_source = options.token_source
    retrier = retry.Retrier(url, options.policy)
    if options.sleep is not None:
        retrier.sleep = options.sleep
    return rounds.SyncEngine(project.db, client, retrier)


@dataclasses.dataclass(frozen=True, slots=True)
class ImageTransfer:
    """What happens to image files when linking.

    Attributes:
        upload: send the bytes of local images the server lacks (publishing or joining), so that
            teammates who join later receive the files, not only their labels.
        download: fetch server images this workstation lacks (when the server holds their bytes).
        download_to: where fetched images go; None: :func:`default_images_dir`.
    """

    upload: bool = False
    download: bool = True
    download_to: Path | None = None


def default_images_dir(project: project_mod.Project) -> Path:
    """Where a join puts the server's images: the project's first image folder, else a folder
    named after the project beside its file."""
    roots = indexing.root_folders(project)
    if roots:
        return roots[0]
    return project.path.with_name(project.path.stem + "-images")


def link_project(
    project: project_mod.Project,
    url: str,
    remote_project: str,
    options: Options | None = None,
    images: ImageTransfer | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> tuple[link.LinkResult, SyncReport]:
    """Publish the project on the server as ``remote_project`` (or join it), move image files as
    ``images`` says, then sync once.

    Downloaded images are indexed before the first sync, so their labels apply in that round.
    ``progress(stage, done, total)`` is called per image, ``stage`` being "upload" or "download".
    """
    options = options or Options()
    images = images or ImageTransfer()
    eng = _engine(project, url, options)

    def stage(name: str) -> Callable[[int, int], None] | None:
        return None if progress is None else lambda done, total: progress(name, done, total)

    try:
        result = eng.link(url, remote_project)
        if images.upload:
            sent = blobs.upload_images(
                project.db, eng.client, eng.retrier, remote_project, stage("upload")
            )
            result = dataclasses.replace(result, upload=sent)
        if images.download and result.missing:
            dest = (images.download_to or default_images_dir(project)).expanduser().resolve()
            got = blobs.download_images(
                eng.client, eng.retrier, remote_project, result.missing, dest, stage("download")
            )
            if got.downloaded:
                indexing.add_folder(project, dest)
                indexing.index_pending(project)
            still = tuple(w for w in result.missing if w.sha256 not in got.here)
            result = dataclasses.replace(
                result,
                download=got,
                images_dir=str(dest),
                missing=still,
                missing_here=tuple(w.rel_path for w in still),
            )
        report = eng.sync_once()
    finally:
        eng.client.close()
    return result, report


def remote(project: project_mod.Project) -> tuple[str, str] | None:
    """(server URL, server project) of a linked project, else None."""
    return project_mod.remote(project)


def sync_once(project: project_mod.Project, options: Options | None = None) -> SyncReport:
    """One round: push, then pull.

    Raises:
        NotLinked, ConfigurationError (not worth retrying), OfflineError.
    """
    where = remote(project)
    if where is None:
        raise NotLinked(f"{project.path} is not linked to a server (run labeler link first)")
    eng = _engine(project, where[0], options or Options())
    try:
        return eng.sync_once()
    finally:
        eng.client.close()


def rejections(project: project_mod.Project) -> list[outbox.Rejection]:
    """Records the server refused (with the reason) that have not changed since."""
    return outbox.rejections(project.db)


def pending_count(project: project_mod.Project) -> int:
    """How many edits wait to be pushed (0 when everything is on the server, or when the
    rest waits for the user: an open conflict, a refused record not changed since)."""
    return outbox.pending_count(project.db)


def list_conflicts(project: project_mod.Project) -> list[Conflict]:
    return conflicts.list_open(project.db)


def resolve_conflict(
    project: project_mod.Project, conflict_id: str, choice: Choice
) -> changes_mod.Changes:
    """Resolve a conflict: ``mine`` pushes at the next sync, ``theirs``/``both`` apply now."""
    from labeler.sync.engine import apply

    found = conflicts.find(project.db, conflict_id)
    out = apply.Applied()
    with work.unit_of_work(project.db) as (session, _):
        row = session.get(type(found), found.id)
        assert row is not None
        made = resolve.resolve(session, row, choice, out)
    annotations = set(out.annotations) | ({made} if made else set())
    if found.kind == "annotation":
        annotations.add(found.annotation_id)
    return changes_mod.Changes(
        images=frozenset(out.images),
        annotations=frozenset(annotations),
        annotation_images=frozenset(out.annotation_images),
        schema=out.schema,
    )
