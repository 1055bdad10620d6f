"""The image in view: choosing it, loading it, keeping its annotations on the canvas current."""

from __future__ import annotations

import logging
from typing import Any, Protocol

from PySide6 import QtCore, QtGui

from labeler.domain import annotation as ann_mod
from labeler.domain import changes as changes_mod
from labeler.domain import geometry as geo
from labeler.domain import image as image_mod
from labeler.services import annotate as annotate_svc
from labeler.services import images as images_svc
from labeler.services import suggestions as suggestions_svc
from ui import document as document_mod
from ui.browser import filters
from ui.controllers import undo as undo_mod

log = logging.getLogger(__name__)

RESUME_KEY = "resume"
RESUME_SAVE_DELAY_MS = 1000
#: How many images after (and one before) the current one the loader decodes ahead.
PREFETCH_AHEAD = 2


class Browser(Protocol):
    currentImageChanged: QtCore.SignalInstance

    def set_ids(self, ids: list[str]) -> None: ...
    def select_id(self, image_id: str, *, notify: bool = True) -> bool: ...
    def current_id(self) -> str | None: ...
    def next(self) -> str | None: ...
    def previous(self) -> str | None: ...
    def refresh_ids(self, ids: list[str]) -> None: ...


class Loader(Protocol):
    loaded: QtCore.SignalInstance
    failed: QtCore.SignalInstance

    def request(self, image: image_mod.Image, neighbours: list[image_mod.Image]) -> None: ...


class CurrentImage(QtCore.QObject):
    """Follows the browser's current image and keeps the canvas showing it and its annotations.

    Attributes:
        image: the current image record, or None before the first one is chosen.
        annotations: the live annotations of the current image, as last read.

    Signals:
        imageChanged(str): a new image became current (before its pixels arrive).
        annotationsChanged(list): the current image's annotations were re-read.
        positionChanged(int, int): 1-based position of the current image and the image count.
    """

    imageChanged = QtCore.Signal(str)
    annotationsChanged = QtCore.Signal(list)
    positionChanged = QtCore.Signal(int, int)

    def __init__(
        self,
        doc: document_mod.ProjectDocument,
        browser: Browser,
        loader: Loader,
        canvas: Any,
        undo: undo_mod.UndoHistory,
        parent: QtCore.QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._doc = doc
        self._browser = browser
        self._loader = loader
        self._canvas = canvas
        self._undo = undo
        self.ids: list[str] = []
        self._index: dict[str, int] = {}
        self.image: image_mod.Image | None = None
        self.annotations: list[ann_mod.Annotation] = []
        self._pending_view: dict[str, Any] | None = None
        self._shown: str | None = None  # the image whose pixels the canvas shows
        # Where the user is gets written once they settle on an image, not on every key press
        # while they flick through (each write is a durable transaction); closing writes it too.
        self._save_timer = QtCore.QTimer(self)
        self._save_timer.setSingleShot(True)
        self._save_timer.setInterval(RESUME_SAVE_DELAY_MS)
        self._save_timer.timeout.connect(self.save_resume_state)

    @property
    def image_id(self) -> str | None:
        return None if self.image is None else self.image.id

    # --- start and resume -------------------------------------------------------------------

    def start(self) -> None:
        """List the project's images and show the one the user left (or the first)."""
        self.ids = self._doc.read(images_svc.list_image_ids)
        self._index = {image_id: i for i, image_id in enumerate(self.ids)}
        self._browser.set_ids(self.ids)
        state = self._doc.get_state(RESUME_KEY) or {}
        wanted = state.get("image_id") if isinstance(state, dict) else None
        if wanted not in self._index:
            wanted = self.ids[0] if self.ids else None
        elif isinstance(state.get("view"), dict):
            self._pending_view = state["view"]
        if wanted is None:
            self._canvas.clear_image("This project has no images yet.")
            return
        self._browser.select_id(wanted)
        if self.image_id != wanted:  # a browser that does not echo programmatic selection
            self.on_current_image_changed(wanted)

    def finish_edits(self) -> None:
        """Have the canvas report an edit still in progress (a nudge burst) now."""
        finish = getattr(self._canvas, "finish_edits", None)
        if callable(finish):
            finish()

    def save_resume_state(self) -> None:
        """Remember the image and view the user is on (called on image switch and on close)."""
        self._save_timer.stop()
        if self.image is None:
            return
        view = self._canvas.view_state()
        self._doc.set_state(RESUME_KEY, {"image_id": self.image.id, "view": view})

    # --- switching --------------------------------------------------------------------------

    @QtCore.Slot(str)
    def on_current_image_changed(self, image_id: str) -> None:
        if not image_id or image_id == self.image_id:
            return
        # A nudge burst still running belongs to the image being left: store it under that image.
        self.finish_edits()
        if self.image is not None:
            self._pending_view = None  # the saved view belongs to the image first shown only
        found = self._doc.read(images_svc.get_images, self._window(image_id))
        by_id = {im.id: im for im in found}
        image = by_id.get(image_id)
        if image is None:
            log.warning("image %s is not in the project any more", image_id)
            return
        self.image = image
        self._save_timer.start()
        # Never leave the previous picture up under the new image's id: a box drawn on it would
        # land on the wrong image. A cached picture replaces this before anything is painted.
        self._shown = None
        self._canvas.clear_image(f"Loading {image.name}…")
        self._undo.activate(image_id)
        self.imageChanged.emit(image_id)
        if image_id in self._index:
            self.positionChanged.emit(self._index[image_id] + 1, len(self.ids))
        self._reload_annotations()
        if not image.usable:
            reason = image.problem_detail or ("file missing" if image.missing else "unreadable")
            self._canvas.clear_image(f"{image.name}: {reason}")
            return
        neighbours = [by_id[i] for i in self._window(image_id)[1:] if i in by_id]
        self._loader.request(image, [n for n in neighbours if n.usable])

    def _window(self, image_id: str) -> list[str]:
        """The image and the neighbours worth decoding ahead (next ones first)."""
        i = self._index.get(image_id)
        if i is None:
            return [image_id]
        after = self.ids[i + 1 : i + 1 + PREFETCH_AHEAD]
        before = self.ids[max(0, i - 1) : i]
        return [image_id, *after, *before]

    @QtCore.Slot(str, QtGui.QImage, QtCore.QSize)
    def on_loaded(self, image_id: str, picture: QtGui.QImage, full_size: QtCore.QSize) -> None:
        if image_id != self.image_id:
            return  # a prefetched neighbour, or an image the user already left
        self._canvas.set_image(image_id, picture, full_size)
        self._shown = image_id
        self._push_annotations()
        if self._pending_view is not None:
            self._canvas.restore_view_state(self._pending_view)
            self._pending_view = None

    @QtCore.Slot(float)
    def on_zoom_changed(self, zoom: float) -> None:
        """Ask for a sharper decode when zooming in past the screen-sized picture."""
        if self.image_id is not None and hasattr(self._loader, "request_sharp"):
            self._loader.request_sharp(self.image_id, zoom)

    @QtCore.Slot(str, str)
    def on_failed(self, image_id: str, message: str) -> None:
        if image_id == self.image_id:
            self._canvas.clear_image(message)

    @QtCore.Slot(object)
    def on_filter_changed(self, flt: filters.BrowserFilter) -> None:
        """List the images the browser's filter asks for; the image in view stays in view."""
        if flt.kind in filters.ORDERED:  # images with open suggestions, least certain first
            self.ids = self._doc.read(suggestions_svc.to_check, filters.to_image_filter(flt))
        else:
            self.ids = self._doc.read(images_svc.list_image_ids, filters.to_image_filter(flt))
        self._index = {image_id: i for i, image_id in enumerate(self.ids)}
        self._browser.set_ids(self.ids)
        current = self.image_id
        if current is not None and current in self._index:
            self._browser.select_id(current, notify=False)
            self.positionChanged.emit(self._index[current] + 1, len(self.ids))

    def go_next(self) -> None:
        self._browser.next()

    def go_previous(self) -> None:
        self._browser.previous()

    def go_to(self, image_id: str) -> None:
        self._browser.select_id(image_id)
        if self.image_id != image_id:
            self.on_current_image_changed(image_id)

    def go_next_matching(self, flt: images_svc.ImageFilter) -> bool:
        """Jump to the next image matching ``flt`` after the current one (wrapping); False if none."""
        target = self._doc.read(images_svc.next_image_id, self.image_id, flt)
        if target is None or target == self.image_id:
            return False
        self.go_to(target)
        return True

    # --- changes ----------------------------------------------------------------------------

    @QtCore.Slot(object)
    def on_changed(self, changes: changes_mod.Changes) -> None:
        """Redraw from what an edit changed: only the current image's rows are re-read."""
        current = self.image_id
        touched = set(changes.images) | set(changes.annotation_images)
        if touched:
            self._browser.refresh_ids(sorted(touched))
        if current is None:
            return
        if current in touched:
            found = self._doc.read(images_svc.get_images, [current])
            if found:
                self.image = found[0]
        if current in changes.annotation_images or changes.schema:
            self._reload_annotations()

    def _reload_annotations(self) -> None:
        assert self.image is not None
        self.annotations = self._doc.read(annotate_svc.list_annotations, self.image.id)
        self._push_annotations()
        self.annotationsChanged.emit(self.annotations)

    def _push_annotations(self) -> None:
        if self._shown != self.image_id:
            return
        shapes = [a for a in self.annotations if a.kind is not geo.ShapeKind.TAG]
        self._canvas.set_annotations(shapes, self._doc.schema.by_id())

    def shapes(self) -> list[ann_mod.Annotation]:
        return [a for a in self.annotations if a.kind is not geo.ShapeKind.TAG]

    def tags(self) -> list[str]:
        return [a.class_id for a in self.annotations if a.kind is geo.ShapeKind.TAG and a.class_id]

    def by_ids(self, ids: list[str]) -> list[ann_mod.Annotation]:
        wanted = set(ids)
        return [a for a in self.annotations if a.id in wanted]
