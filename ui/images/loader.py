"""Decoding images for the canvas in the background: screen-sized first, neighbours ahead of time.

The loader keeps decoded pictures in a memory-bounded cache, so going to the next image shows a
picture decoded while the user was busy with the current one. A first decode fits the screen
(``set_target_size``); zooming in past that scale asks for the full resolution
(``request_sharp``). Results for an image the user has already left are cached but not shown.
16-bit greyscale images keep their 16-bit values; window/level only changes what is shown.
"""

from __future__ import annotations

import collections
import dataclasses
import functools
from collections.abc import Callable, Sequence
from typing import Any

from PySide6 import QtCore, QtGui

from labeler.domain import image as image_mod
from labeler.imaging import decode
from ui import after_frame, tasks
from ui.images import cache as cache_mod
from ui.images import qimage

#: Type of the decoding function (``labeler.imaging.decode.decode``).
Decoder = Callable[..., decode.Decoded]
Key = tuple[str, bool]  # (image id, full resolution)

_CURRENT_PRIORITY = 10
_SHARP_PRIORITY = 20
_LEVEL_PRIORITY = 30
_PREFETCH_PRIORITY = 0
_FAILURES_KEPT = 256
#: A decoded picture up to this much wider than it is shown is kept as it is.
_SCREEN_SLACK = 1.05


class _Ticket:
    """One decode asked for. ``skip`` is set when the user moved away before it started and
    cleared if they come back; a decode that already started finishes and is cached."""

    __slots__ = ("skip", "started")

    def __init__(self) -> None:
        self.skip = False
        self.started = False


class _Skipped(Exception):
    """The decode was not needed any more when its turn came."""


def _decode_job(
    ticket: _Ticket,
    decoder: Decoder,
    path: str,
    target: tuple[int, int] | None,
    orientation: int | None,
    level: tuple[int, int] | None,
    max_pixels: int,
) -> tuple[decode.Decoded, decode.Decoded | None, tuple[int, int] | None]:
    """Runs on a worker thread: decode, and for 16-bit images, apply the window."""
    if ticket.skip:
        raise _Skipped
    ticket.started = True
    decoded = decoder(path, target=target, orientation=orientation, max_pixels=max_pixels)
    if target is not None:
        decoded = _screen_sized(decoded, target)
    shown, level = _render_level(decoded, level)
    return decoded, shown, level


def _screen_sized(decoded: decode.Decoded, target: tuple[int, int]) -> decode.Decoded:
    """``decoded`` shrunk to the size it is shown at when the decoder left it larger.

    DCT scaling stops at the next power of two above the target, so a 1080p photo on a canvas
    1,100 pixels wide comes back at full size: three times the memory of what is shown, and
    scaled again on every paint. Qt's smooth scaling makes it screen-sized in about 1 ms (Pillow
    takes 10 ms for the same), here on the worker, once.
    """
    full = (decoded.full_width, decoded.full_height)
    scale = decode.fit_scale(full, target)
    width = max(1, round(full[0] * scale))
    height = max(1, round(full[1] * scale))
    # Opaque colour only: 16-bit pictures keep their values for window/level, and Qt's scaler
    # would premultiply straight alpha.
    if decoded.mode != "BGRX" or decoded.width <= width * _SCREEN_SLACK:
        return decoded
    picture = qimage.to_qimage(decoded).scaled(
        width,
        height,
        QtCore.Qt.AspectRatioMode.IgnoreAspectRatio,
        QtCore.Qt.TransformationMode.SmoothTransformation,
    )
    data = bytes(picture.constBits())
    return dataclasses.replace(
        decoded, width=width, height=height, data=data, stride=picture.bytesPerLine()
    )


def _render_level(
    decoded: decode.Decoded, level: tuple[int, int] | None
) -> tuple[decode.Decoded | None, tuple[int, int] | None]:
    if not decoded.is_16bit:
        return None, None
    if level is None:
        level = decode.auto_window(decoded)
    return decode.window_level(decoded, *level), level


class ImageLoader(QtCore.QObject):
    """Background decoding with prefetch, a memory-bounded cache and window/level.

    Attributes:
        decodes_started: how many decodes this loader has asked for (cache misses).

    Signals:
        loaded(str, QImage, QSize): an image to show: id, picture (possibly smaller than the
            image), and the full displayed size the picture stands for.
        failed(str, str): the image cannot be shown: id and a message a user can read.
        windowLevelChanged(str, int, int): the window (low, high) a 16-bit image is shown with.
    """

    loaded = QtCore.Signal(str, QtGui.QImage, QtCore.QSize)
    failed = QtCore.Signal(str, str)
    windowLevelChanged = QtCore.Signal(str, int, int)

    def __init__(
        self,
        runner: tasks.TaskRunner,
        parent: QtCore.QObject | None = None,
        *,
        cache_bytes: int | None = None,
        decoder: Decoder = decode.decode,
        max_pixels: int = decode.DEFAULT_MAX_PIXELS,
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._decoder = decoder
        self._max_pixels = max_pixels
        self._target = QtCore.QSize(1920, 1080)
        self._fixed_budget = cache_bytes is not None
        self._cache = cache_mod.PictureCache(
            cache_bytes if cache_bytes is not None else self._budget()
        )
        self._current: str | None = None
        self._images: dict[str, image_mod.Image] = {}
        # Neighbours are decoded once the frame of the image asked for is painted.
        self._ahead: list[image_mod.Image] = []
        self._after_frame = after_frame.AfterFrame(self._start_ahead, self)
        self._inflight: dict[Key, _Ticket] = {}
        self._failures: collections.OrderedDict[str, str] = collections.OrderedDict()
        self._levels: dict[str, tuple[int, int]] = {}  # chosen by the user, per image
        self._level_jobs: dict[Key, tasks.CancelToken] = {}
        self.decodes_started = 0

    # -- settings ---------------------------------------------------------------------------------

    def set_target_size(self, size: QtCore.QSize) -> None:
        """The size (device pixels) a first decode must fill: usually the canvas viewport."""
        if size.width() <= 0 or size.height() <= 0 or size == self._target:
            return
        self._target = QtCore.QSize(size)
        if not self._fixed_budget:
            self._cache.resize(self._budget())
        current = self._images.get(self._current or "")
        if current is not None and self._best_entry(current.id) is None:
            self._start(current, full=False, priority=_CURRENT_PRIORITY)

    def target_size(self) -> QtCore.QSize:
        return QtCore.QSize(self._target)

    def _budget(self) -> int:
        return cache_mod.budget_for(self._target.width(), self._target.height())

    @property
    def cache(self) -> cache_mod.PictureCache:
        return self._cache

    def current_id(self) -> str | None:
        return self._current

    # -- requests ---------------------------------------------------------------------------------

    def request(self, image: image_mod.Image, neighbours: Sequence[image_mod.Image] = ()) -> None:
        """Show ``image`` and decode ``neighbours`` ahead of time.

        A cached picture is emitted through ``loaded`` before this returns; otherwise it is
        decoded in the background and emitted when ready, unless another image was requested
        in the meantime. The neighbours' decodes start once the frame showing ``image`` is
        painted: started at once, they would compete with it for the processor.
        """
        self._current = image.id
        self._images = {image.id: image}
        for n in neighbours:
            self._images.setdefault(n.id, n)
        self._update_skips()
        waiting = self._inflight.get((image.id, False))
        if waiting is not None and not waiting.started:
            # Queued as a neighbour, behind other work: ask again at the front of the queue.
            waiting.skip = True
            del self._inflight[(image.id, False)]
        entry = self._best_entry(image.id)
        if entry is not None:
            self._emit_entry(image.id, entry)
        elif image.id in self._failures:
            self.failed.emit(image.id, self._failures[image.id])
        else:
            self._start(image, full=False, priority=_CURRENT_PRIORITY)
        self._ahead = [n for n in neighbours if n.id != image.id]
        self._after_frame.post()

    def prefetch(self, neighbours: Sequence[image_mod.Image]) -> None:
        """Decode ``neighbours`` of the image asked for last too (learnt after ``request``)."""
        for n in neighbours:
            self._images.setdefault(n.id, n)
        self._update_skips()
        self._ahead.extend(n for n in neighbours if n.id != self._current)
        self._after_frame.post()

    def _update_skips(self) -> None:
        for key, ticket in self._inflight.items():
            # Skip what the user moved away from, unless it has started already.
            ticket.skip = key[0] not in self._images

    def _start_ahead(self) -> None:
        ahead, self._ahead = self._ahead, []
        for n in ahead:
            if (
                n.id in self._images
                and self._best_entry(n.id) is None
                and n.id not in self._failures
            ):
                self._start(n, full=False, priority=_PREFETCH_PRIORITY)

    def request_sharp(self, image_id: str, scale: float) -> None:
        """The view shows ``image_id`` at ``scale`` screen pixels per image pixel: decode at
        full resolution if the picture at hand is coarser than that."""
        image = self._images.get(image_id)
        if image_id != self._current or image is None:
            return
        entry = self._best_entry(image_id)
        if entry is None or entry.decoded.scale >= min(1.0, scale) - 1e-6:
            return
        self._start(image, full=True, priority=_SHARP_PRIORITY)

    def set_window_level(self, image_id: str, low: int, high: int) -> None:
        """Show the 16-bit image ``image_id`` with values ``low``..``high`` mapped to black..white.

        Only the view changes, never the file. Ignored for 8-bit images.
        """
        low = max(0, min(65534, int(low)))
        high = max(low + 1, min(65535, int(high)))
        self._levels[image_id] = (low, high)
        self._relevel(image_id)

    def reset_window_level(self, image_id: str) -> None:
        """Go back to the automatic window (from the 0.5 and 99.5 percentiles)."""
        self._levels.pop(image_id, None)
        self._relevel(image_id)

    def window_level(self, image_id: str) -> tuple[int, int] | None:
        """The window ``image_id`` is shown with, or None (8-bit, or not decoded yet)."""
        entry = self._best_entry(image_id, any_size=True)
        if image_id in self._levels:
            return self._levels[image_id]
        return entry.level if entry is not None else None

    def forget(self, image_id: str) -> None:
        """Drop what is known of ``image_id`` (its file changed on disk)."""
        for full in (False, True):
            self._cache.discard((image_id, full))
            ticket = self._inflight.pop((image_id, full), None)
            if ticket is not None:
                ticket.skip = True
        self._failures.pop(image_id, None)

    def clear(self) -> None:
        """Forget everything (another project was opened)."""
        for ticket in self._inflight.values():
            ticket.skip = True
        for token in self._level_jobs.values():
            token.cancel()
        self._inflight.clear()
        self._level_jobs.clear()
        self._ahead.clear()
        self._cache.clear()
        self._failures.clear()
        self._levels.clear()
        self._images.clear()
        self._current = None

    def is_cached(self, image_id: str) -> bool:
        return self._best_entry(image_id) is not None

    # -- internals --------------------------------------------------------------------------------

    def _best_entry(self, image_id: str, *, any_size: bool = False) -> cache_mod.Entry | None:
        full = self._cache.get((image_id, True))
        if full is not None:
            return full
        entry = self._cache.get((image_id, False))
        if entry is None or any_size:
            return entry
        d = entry.decoded
        needed = decode.fit_scale(
            (d.full_width, d.full_height), (self._target.width(), self._target.height())
        )
        # A picture decoded for a smaller window is not good enough for this one.
        return entry if d.width + 1 >= d.full_width * needed else None

    def _emit_entry(self, image_id: str, entry: cache_mod.Entry) -> None:
        size = QtCore.QSize(entry.decoded.full_width, entry.decoded.full_height)
        self.loaded.emit(image_id, entry.image, size)
        if entry.level is not None:
            self.windowLevelChanged.emit(image_id, *entry.level)

    def _start(self, image: image_mod.Image, *, full: bool, priority: int) -> None:
        key = (image.id, full)
        if key in self._inflight:
            return
        target = None if full else (self._target.width(), self._target.height())
        level = self._levels.get(image.id)
        coarse = self._cache.peek((image.id, False)) if full else None
        if level is None and coarse is not None:
            level = coarse.level  # sharpening must not change the automatic window on screen
        self.decodes_started += 1
        self._inflight[key] = ticket = _Ticket()
        self._runner.run(
            _decode_job,
            ticket,
            self._decoder,
            image.abs_path,
            target,
            image.known_orientation,  # unknown yet: the decode reads it from the file
            level,
            self._max_pixels,
            on_done=functools.partial(self._on_decoded, key, ticket),
            on_error=functools.partial(self._on_failed, key, ticket, image),
            priority=priority,
        )

    def _on_decoded(self, key: Key, ticket: _Ticket, result: Any) -> None:
        if self._inflight.get(key) is not ticket:
            return  # forgotten or cleared since
        del self._inflight[key]
        decoded, shown, level = result
        image_id, full = key
        entry = cache_mod.Entry(decoded, qimage.to_qimage(shown or decoded), level, shown)
        self._cache.put(key, entry)
        if full:
            self._cache.discard((image_id, False))  # the sharp picture replaces the coarse one
        elif (image_id, True) in self._cache:
            return  # a sharper picture is already shown
        if level is not None and level != self._levels.get(image_id, level):
            self._relevel(image_id)  # the window changed while this was being decoded
        if image_id == self._current:
            self._emit_entry(image_id, entry)

    def _on_failed(
        self, key: Key, ticket: _Ticket, image: image_mod.Image, error: BaseException
    ) -> None:
        if self._inflight.get(key) is not ticket:
            return  # forgotten or cleared since
        del self._inflight[key]
        if isinstance(error, _Skipped):
            if image.id in self._images and self._best_entry(image.id) is None:
                # The user came back after the skip was decided: decode after all.
                priority = _CURRENT_PRIORITY if image.id == self._current else _PREFETCH_PRIORITY
                self._start(image, full=key[1], priority=priority)
            return
        if isinstance(error, decode.DecodeError):
            message = str(error)
        elif isinstance(error, MemoryError):
            message = f"There is not enough memory to show {image.name}."
        else:
            message = f"{image.name} cannot be shown: {error}"
        if key[1] and self._best_entry(image.id, any_size=True) is not None:
            return  # the sharp version failed; the screen-sized picture stays
        self._failures[image.id] = message
        while len(self._failures) > _FAILURES_KEPT:
            self._failures.popitem(last=False)
        if image.id == self._current:
            self.failed.emit(image.id, message)

    def _relevel(self, image_id: str) -> None:
        wanted = self._levels.get(image_id)
        for full in (False, True):
            key = (image_id, full)
            entry = self._cache.peek(key)
            if entry is None or not entry.decoded.is_16bit:
                continue
            if wanted is not None and entry.level == wanted:
                continue
            old = self._level_jobs.pop(key, None)
            if old is not None:
                old.cancel()
            self._level_jobs[key] = self._runner.run(
                _render_level,
                entry.decoded,
                wanted,
                on_done=functools.partial(self._on_relevelled, key, entry.decoded, wanted),
                priority=_LEVEL_PRIORITY,
            )

    def _on_relevelled(
        self,
        key: Key,
        decoded: decode.Decoded,
        wanted: tuple[int, int] | None,
        result: tuple[decode.Decoded | None, tuple[int, int] | None],
    ) -> None:
        self._level_jobs.pop(key, None)
        entry = self._cache.peek(key)
        if entry is None or entry.decoded is not decoded or self._levels.get(key[0]) != wanted:
            return  # replaced or re-levelled since
        shown, level = result
        if shown is None:
            return
        entry = cache_mod.Entry(decoded, qimage.to_qimage(shown), level, shown)
        self._cache.put(key, entry)
        if key[0] == self._current and self._best_entry(key[0], any_size=True) is entry:
            self._emit_entry(key[0], entry)
