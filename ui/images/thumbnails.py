"""Thumbnails for the image browser, made in the background and kept on disk and in memory."""

from __future__ import annotations

import collections
import functools
from pathlib import Path
from typing import Any

from PySide6 import QtCore, QtGui

from labeler.domain import image as image_mod
from labeler.imaging import thumbnails
from ui import tasks

#: Thumbnails kept in memory: about 170 of 256 × 192 px, a few screens of the grid.
DEFAULT_MEMORY_BYTES = 32 * 1024 * 1024


def _load_thumbnail(image: image_mod.Image, cache_dir: Path | None) -> QtGui.QImage:
    """Runs on a worker thread: make the JPEG if needed, then read it (QImage is thread-safe)."""
    path, _made = thumbnails.ensure_thumbnail(image, cache_dir)
    picture = QtGui.QImage(str(path))
    if picture.isNull():
        raise OSError(f"the thumbnail {path} cannot be read")
    # RGB32 paints without conversion.
    return picture.convertToFormat(QtGui.QImage.Format.Format_RGB32)


class ThumbnailLoader(QtCore.QObject):
    """Asks for thumbnails once each and hands them out from memory afterwards.

    Signals:
        ready(str, QImage): the thumbnail of an image id is available through ``get``.
        unavailable(str, str): no thumbnail can be made for an image id (the reason).
    """

    ready = QtCore.Signal(str, QtGui.QImage)
    unavailable = QtCore.Signal(str, str)

    def __init__(
        self,
        runner: tasks.TaskRunner,
        parent: QtCore.QObject | None = None,
        *,
        cache_dir: Path | None = None,
        memory_bytes: int = DEFAULT_MEMORY_BYTES,
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._cache_dir = cache_dir
        self._memory_bytes = memory_bytes
        self._images: collections.OrderedDict[str, QtGui.QImage] = collections.OrderedDict()
        self._bytes = 0
        self._inflight: dict[str, tasks.CancelToken] = {}
        self._failed: set[str] = set()

    def get(self, image_id: str) -> QtGui.QImage | None:
        """The thumbnail if it is in memory (no work is started)."""
        picture = self._images.get(image_id)
        if picture is not None:
            self._images.move_to_end(image_id)
        return picture

    def request(self, image: image_mod.Image) -> None:
        """Make ``image``'s thumbnail available; ``ready`` is emitted when it is."""
        if image.id in self._images or image.id in self._inflight or image.id in self._failed:
            return
        self._inflight[image.id] = self._runner.run(
            _load_thumbnail,
            image,
            self._cache_dir,
            on_done=functools.partial(self._on_done, image.id),
            on_error=functools.partial(self._on_error, image.id),
            priority=-10,  # below the picture the user is looking at
        )

    def cancel_all(self) -> None:
        """Skip thumbnails not started yet (the list scrolled away or changed)."""
        for token in self._inflight.values():
            token.cancel()
        self._inflight.clear()

    def _on_done(self, image_id: str, result: Any) -> None:
        self._inflight.pop(image_id, None)
        picture: QtGui.QImage = result
        self._images[image_id] = picture
        self._bytes += picture.sizeInBytes()
        while self._bytes > self._memory_bytes and len(self._images) > 1:
            _, old = self._images.popitem(last=False)
            self._bytes -= old.sizeInBytes()
        self.ready.emit(image_id, picture)

    def _on_error(self, image_id: str, error: BaseException) -> None:
        self._inflight.pop(image_id, None)
        self._failed.add(image_id)
        self.unavailable.emit(image_id, str(error))
