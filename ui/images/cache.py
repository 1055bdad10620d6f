"""A least-recently-used cache of decoded pictures, bounded by the bytes they hold."""

from __future__ import annotations

import collections
import dataclasses
from collections.abc import Hashable

from PySide6 import QtGui

from labeler.imaging import decode

#: The cache's size in frames of the canvas: enough for the picture in view, the two after it
#: and the one before (decoded ahead) whatever their shape, and in practice a few more, since a
#: photo letterboxed on the canvas covers only part of a frame. The loader makes first decodes
#: screen-sized, so a frame is what the canvas shows: 2.9 MB on a canvas of 860 × 850 device
#: pixels (a 1080p photo there takes 1.7 MB), 8 MB at 1920 × 1080.
FRAMES = 4
#: Bounds on the cache, whatever the canvas size. The app's resident budget is 200 MB, of which
#: about 150 MB are taken with the first image up (``docs/benchmarks.md``); the ceiling holds
#: three frames of a 4K canvas.
MIN_BYTES = 8 * 1024 * 1024
MAX_BYTES = 96 * 1024 * 1024


def budget_for(width: int, height: int) -> int:
    """Bytes for :data:`FRAMES` frames of ``width`` × ``height`` 32-bit pixels, within bounds."""
    return max(MIN_BYTES, min(MAX_BYTES, FRAMES * max(width, 1) * max(height, 1) * 4))


@dataclasses.dataclass(slots=True)
class Entry:
    """One decoded picture and what is shown of it.

    Attributes:
        decoded: The decoded buffer (16-bit for deep greyscale files).
        image: The QImage shown (for 16-bit files, the window/level rendering).
        level: The window (low, high) the QImage was made with, for 16-bit files.
        shown: The 8-bit rendering behind ``image`` when it is not ``decoded`` itself.
    """

    decoded: decode.Decoded
    image: QtGui.QImage
    level: tuple[int, int] | None = None
    shown: decode.Decoded | None = None

    @property
    def nbytes(self) -> int:
        return self.decoded.nbytes + (self.shown.nbytes if self.shown is not None else 0)


class PictureCache:
    """Entries by key, oldest use evicted first once ``max_bytes`` is passed.

    The entry used last is never evicted, even when it alone is over the bound: it is on screen.
    """

    def __init__(self, max_bytes: int = MIN_BYTES) -> None:
        self.max_bytes = max_bytes
        self._entries: collections.OrderedDict[Hashable, Entry] = collections.OrderedDict()
        self._bytes = 0

    def __contains__(self, key: Hashable) -> bool:
        return key in self._entries

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def nbytes(self) -> int:
        return self._bytes

    def get(self, key: Hashable) -> Entry | None:
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
        return entry

    def peek(self, key: Hashable) -> Entry | None:
        """The entry without counting as a use."""
        return self._entries.get(key)

    def put(self, key: Hashable, entry: Entry) -> None:
        self.discard(key)
        self._entries[key] = entry
        self._bytes += entry.nbytes
        self._evict()

    def discard(self, key: Hashable) -> None:
        old = self._entries.pop(key, None)
        if old is not None:
            self._bytes -= old.nbytes

    def resize(self, max_bytes: int) -> None:
        """A new bound; older entries go at once when the cache is over it."""
        self.max_bytes = max_bytes
        self._evict()

    def keys(self) -> list[Hashable]:
        return list(self._entries)

    def clear(self) -> None:
        self._entries.clear()
        self._bytes = 0

    def _evict(self) -> None:
        while self._bytes > self.max_bytes and len(self._entries) > 1:
            _key, old = self._entries.popitem(last=False)
            self._bytes -= old.nbytes
