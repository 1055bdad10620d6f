"""Content-addressed image bytes on disk: ``<dir>/<sha[:2]>/<sha>``.

A file appears under its final name only once it is complete and its hash checked (written to
a temporary file, fsynced, then renamed), so a reader never sees half an image.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path


class HashMismatch(ValueError):
    """The bytes uploaded do not have the SHA-256 they were sent under."""


class TooLarge(ValueError):
    """The upload passed the size limit."""


class BlobStore:
    """Image bytes by SHA-256 in one folder (shared by every process of the service)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def size(self, sha256: str) -> int | None:
        try:
            return self.path(sha256).stat().st_size
        except FileNotFoundError:
            return None

    def writer(self, sha256: str, limit: int) -> BlobWriter:
        return BlobWriter(self, sha256, limit)


class BlobWriter:
    """Receives an upload chunk by chunk; ``finish`` checks it and puts it in place."""

    def __init__(self, store: BlobStore, sha256: str, limit: int) -> None:
        self.store = store
        self.sha256 = sha256
        self.limit = limit
        self.size = 0
        self._hash = hashlib.sha256()
        final = store.path(sha256)
        final.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=".upload-", dir=final.parent)
        self._file = os.fdopen(fd, "wb")
        self._tmp = Path(name)

    def write(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.limit:
            raise TooLarge(f"the image is larger than the limit of {self.limit} bytes")
        self._hash.update(chunk)
        self._file.write(chunk)

    def finish(self) -> bool:
        """Put the bytes in place. Returns False when the store already had them."""
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        digest = self._hash.hexdigest()
        if digest != self.sha256:
            self._tmp.unlink(missing_ok=True)
            raise HashMismatch(f"the bytes have SHA-256 {digest}, not {self.sha256}")
        final = self.store.path(self.sha256)
        created = not final.exists()
        os.replace(self._tmp, final)
        return created

    def abort(self) -> None:
        if not self._file.closed:
            self._file.close()
        self._tmp.unlink(missing_ok=True)
