"""Image bytes on the server: uploaded when a project is published with its images, downloaded
when a workstation joins a project and lacks some of them.

Both directions are content-addressed: the server checks an upload's SHA-256 against the manifest
(422 when a file changed on disk since it was indexed), and a download is hashed while it is
written to a temporary file beside its place, then renamed — an interrupted or corrupt download
never leaves a file under an image's name.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import os
import pathlib
import tempfile
from collections.abc import Callable, Sequence

import sqlalchemy as sa

from labeler.store import database, models
from labeler.sync.wire import client as client_mod
from labeler.sync.wire import errors as sync_errors
from labeler.sync.wire import fields, protocol, retry

#: (done, total) after every image.
Progress = Callable[[int, int], None]


@dataclasses.dataclass(frozen=True, slots=True)
class UploadResult:
    uploaded: int
    already_there: int
    bytes_sent: int
    skipped: tuple[tuple[str, str], ...]  # (path, why) of images whose bytes could not be sent


@dataclasses.dataclass(frozen=True, slots=True)
class Wanted:
    """A server image this workstation lacks (``on_server``: the server holds its bytes)."""

    sha256: str
    rel_path: str
    on_server: bool = True


def server_images(
    client: client_mod.SyncClient, retrier: retry.Retrier, project: str
) -> dict[str, protocol.Image]:
    """The server's image manifest by hash, read page by page (each image says whether the
    server holds its bytes: no request per image is needed to find out)."""
    out: dict[str, protocol.Image] = {}
    after: str | None = None
    while True:
        page = retrier.call(
            functools.partial(client.list_images, project, after, protocol.MAX_PAGE)
        )
        out.update((img.sha256, img) for img in page.images)
        if not page.has_more or page.next_cursor is None:
            return out
        after = page.next_cursor


@dataclasses.dataclass(frozen=True, slots=True)
class DownloadResult:
    downloaded: tuple[str, ...]  # paths (relative to the destination) written
    bytes_received: int
    not_on_server: tuple[str, ...]  # the server lists the image but does not hold its bytes
    in_the_way: tuple[str, ...]  # a different file already has that name here: left alone
    renamed: tuple[tuple[str, str], ...]  # (server path, path used): the server's was unsafe
    here: frozenset[str] = frozenset()  # hashes of the wanted images now in the destination


def _local_files(db: database.Database) -> list[tuple[str, str]]:
    """(sha256, absolute path) of every indexed, present image, one per hash, in browser order."""
    i, r = models.ImageRow, models.ImageRootRow
    seen: dict[str, str] = {}
    with db.read() as session:
        rows = session.execute(
            sa.select(i.sha256, r.path, i.rel_path)
            .join(r, r.id == i.root_id)
            .where(i.sha256.is_not(None), i.missing.is_(False), i.deleted.is_(False))
            .order_by(i.root_order, i.sort_key)
        ).all()
    for sha, root, rel in rows:
        if sha is not None:  # filtered above; typed as optional
            seen.setdefault(sha, os.path.join(root, rel))
    return list(seen.items())


def upload_images(
    db: database.Database,
    client: client_mod.SyncClient,
    retrier: retry.Retrier,
    project: str,
    progress: Progress | None = None,
) -> UploadResult:
    """Send the bytes of every local image the server does not hold yet.

    Raises:
        sync_errors.ConfigurationError: no permission to upload (a reader's key), wrong URL.
        sync_errors.OfflineError: the service went away; what was sent stays sent (a rerun resumes).
    """
    files = _local_files(db)
    held = {sha for sha, img in server_images(client, retrier, project).items() if img.blob_present}
    uploaded = already = sent = 0
    skipped: list[tuple[str, str]] = []
    for n, (sha, path) in enumerate(files, 1):
        if sha in held:
            already += 1
        else:
            try:
                stored = retrier.call(functools.partial(_upload_one, client, project, sha, path))
            except FileNotFoundError:
                skipped.append((path, "the file is gone"))
            except OSError as exc:
                skipped.append((path, f"unreadable ({exc.strerror or exc})"))
            except sync_errors.ApiError as exc:  # 413 too large, 422 changed since it was indexed
                skipped.append((path, f"{exc.status}: {exc.message}"))
            else:
                uploaded += 1
                sent += stored
        if progress is not None:
            progress(n, len(files))
    return UploadResult(uploaded, already, sent, tuple(skipped))


def _upload_one(client: client_mod.SyncClient, project: str, sha: str, path: str) -> int:
    # A fresh file object per attempt: a retry must send the bytes from the start.
    with open(path, "rb") as f:
        return client.upload_blob(project, sha, f).bytes


def safe_relative(rel_path: str) -> pathlib.PurePosixPath | None:
    """``rel_path`` as a path that stays inside its destination, or None when it would not
    (absolute, ``..``, a drive, a backslash): a server's paths are not trusted blindly.

    Stricter than the rule the server applies (``fields.path_problem``): what this file
    system cannot hold under that name is saved under its hash instead."""
    if fields.path_problem(rel_path) is not None:
        return None
    if "\\" in rel_path or "\x00" in rel_path:
        return None
    path = pathlib.PurePosixPath(rel_path)
    if path.is_absolute() or not path.parts:
        return None
    if any(part in ("", ".", "..") or ":" in part for part in path.parts):
        return None
    return path


def _sha256_of(path: pathlib.Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def download_images(
    client: client_mod.SyncClient,
    retrier: retry.Retrier,
    project: str,
    wanted: Sequence[Wanted],
    dest: pathlib.Path,
    progress: Progress | None = None,
) -> DownloadResult:
    """Download ``wanted`` images into ``dest`` under their server paths.

    A file already at that place with the same bytes counts as downloaded; one with other bytes is
    left alone and reported. Each download is checked against its SHA-256 before it takes its name.

    Raises:
        sync_errors.ConfigurationError, sync_errors.OfflineError: as for any call; files written so far stay.
    """
    downloaded: list[str] = []
    not_on_server: list[str] = []
    in_the_way: list[str] = []
    renamed: list[tuple[str, str]] = []
    received = 0
    here: set[str] = set()
    _remove_stale_parts(dest)
    for n, item in enumerate(wanted, 1):
        rel = safe_relative(item.rel_path)
        if rel is None:
            suffix = pathlib.PurePosixPath(item.rel_path.replace("\\", "/")).suffix
            rel = pathlib.PurePosixPath("_renamed", item.sha256 + suffix.lower())
            renamed.append((item.rel_path, str(rel)))
        target = dest.joinpath(*rel.parts)
        if target.exists():
            if target.is_file() and _sha256_of(target) == item.sha256:
                downloaded.append(str(rel))
                here.add(item.sha256)
            else:
                in_the_way.append(str(rel))
        elif not item.on_server:
            not_on_server.append(item.rel_path)  # the manifest says so: no need to ask
        else:
            size = _download_one(client, retrier, project, item.sha256, target)
            if size is None:
                not_on_server.append(item.rel_path)
            else:
                downloaded.append(str(rel))
                here.add(item.sha256)
                received += size
        if progress is not None:
            progress(n, len(wanted))
    return DownloadResult(
        tuple(downloaded), received, tuple(not_on_server), tuple(in_the_way), tuple(renamed),
        frozenset(here),
    )  # fmt: skip


_PART_GLOB = ".download-*.part"


def _remove_stale_parts(dest: pathlib.Path) -> None:
    """Remove what a download killed mid-way left (hidden, so never indexed, but litter)."""
    if dest.is_dir():
        for part in dest.rglob(_PART_GLOB):
            part.unlink(missing_ok=True)


class _Corrupt(sync_errors.ApiError):
    """The bytes received do not have the expected hash (a proxy mangled them, or a cut)."""


def _download_one(
    client: client_mod.SyncClient,
    retrier: retry.Retrier,
    project: str,
    sha: str,
    target: pathlib.Path,
) -> int | None:
    """Bytes written to ``target``, or None when the server does not hold them."""
    target.parent.mkdir(parents=True, exist_ok=True)

    def attempt() -> int | None:
        # Named to match _PART_GLOB, so a run after a killed one clears it away.
        fd, tmp = tempfile.mkstemp(prefix=".download-", suffix=".part", dir=target.parent)
        try:
            digest = hashlib.sha256()
            with os.fdopen(fd, "wb") as out:

                def write(data: bytes) -> None:
                    digest.update(data)
                    out.write(data)

                try:
                    size = client.download_blob_to(project, sha, write)
                except sync_errors.ApiError as exc:
                    if exc.status == 404:
                        return None
                    raise
                out.flush()
                os.fsync(out.fileno())
            if digest.hexdigest() != sha:
                # Counted as a failed connection: retried, then reported as the service failing.
                raise _Corrupt(0, f"the bytes received for {sha} have another SHA-256")
            os.replace(tmp, target)
            tmp = ""
            return size
        finally:
            if tmp:
                os.unlink(tmp)

    return retrier.call(attempt)
