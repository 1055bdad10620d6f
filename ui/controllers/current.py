"""The image in view: choosing it, loading it, keeping its annotations on the canvas current."""

from __future__ import annotations

import dataclasses
import logging
from typing import Any, Protocol

from PySide6 import QtCore, QtGui

from labeler.domain import annotation as ann_mod
from labeler.domain import changes as changes_mod
from labeler.domain import geometry as geo
from labeler.domain import image as image_mod
from labeler.services import images as images_svc
from labeler.services import review as review_svc
from labeler.services import suggestions as suggestions_svc
from ui import after_frame
from ui import document as document_mod
from ui.browser import filters
from ui.controllers import undo as undo_mod

log = logging.getLogger(__name__)

RESUME_KEY = "resume"
RESUME_SAVE_DELAY_MS = 1000
#: How many images after (and one before) the current one the loader decodes ahead.
PREFETCH_AHEAD = 2
#: Images after and before the current one whose rows are kept read: the decode window of the
#: next or the previous image, so that one step either way reads nothing on the way.
VIEWS_AHEAD = PREFETCH_AHEAD + 1
VIEWS_BEHIND = 2


class Browser(Protocol):
    currentImageChanged: QtCore.SignalInstance

    def set_ids(self, ids: list[str]) -> None: ...
    def select_id(self, image_id: str, *, notify: bool = True) -> bool: ...
    def current_id(self) -> str | None: ...
    def next(self) -> str | None: ...
    def previous(self) -> str | None: ...
    def first(self) -> str | None: ...
    def last(self) -> str | None: ...
    def refresh_ids(self, ids: list[str]) -> None: ...


class Loader(Protocol):
    loaded: QtCore.SignalInstance
    failed: QtCore.SignalInstance

    def request(self, image: image_mod.Image, neighbours: list[image_mod.Image]) -> None: ...
    def prefetch(self, neighbours: list[image_mod.Image]) -> None: ...
    def is_cached(self, image_id: str) -> bool: ...


class CurrentImage(QtCore.QObject):
    """Follows the browser's current image and keeps the canvas showing it and its annotations.

    What is shown of an image (its row, annotations and review log) is read for the images
    around the current one after each switch, once its frame is painted, and kept until a change
    touches them or the user moves away: going to the next or previous image reads nothing.

    Attributes:
        image: the current image record, or None before the first one is chosen.
        annotations: the live annotations of the current image, as last read.
        review: the current image's status changes and comments, as last read.

    Signals:
        imageChanged(str): a new image became current (before its pixels arrive).
        annotationsChanged(list): the current image's annotations (of the kinds that are on) were
            re-read.
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
        self.review: list[review_svc.ReviewEntry] = []
        self._views: dict[str, images_svc.ImageView] = {}
        # Frames read before a first paint that the project could not store yet (its lock was
        # held): used until the indexer stores them.
        self._measured: dict[str, image_mod.Image] = {}
        self._read_ahead = after_frame.AfterFrame(self._read_views_ahead, self)
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
            self._canvas.clear_image(
                "This project has no images yet. Add a folder of them: the button on the left, "
                "or File → Add image folder…"
            )
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
        view = self._views.get(image_id) or self._read_view(image_id)
        if view is not None and _unmeasured(view.image):
            # Read in the frame the project records (EXIF orientation known) before the first
            # paint: a phone photo shown sideways would take boxes in the wrong frame. What
            # could not be stored yet (another writer holds the lock) is kept for the session.
            for measured in self._doc.measure(self._window(image_id)):
                if not _unmeasured(measured):
                    self._measured[measured.id] = measured
            view = self._read_view(image_id)
        if view is None:
            log.warning("image %s is not in the project any more", image_id)
            return
        image = view.image
        self.image = image
        self.annotations = list(view.annotations)
        self.review = list(view.review)
        self._save_timer.start()
        # Never leave the previous picture up under the new image's id: a box drawn on it would
        # land on the wrong image. A picture decoded ahead replaces it before this returns.
        self._shown = None
        if not (image.usable and self._loader.is_cached(image_id)):
            self._canvas.clear_image(f"Loading {image.name}…")
        self._undo.activate(image_id)
        self.imageChanged.emit(image_id)
        if image_id in self._index:
            self.positionChanged.emit(self._index[image_id] + 1, len(self.ids))
        self._push_annotations()
        self.annotationsChanged.emit(self.shown())
        # The rows around it are read once this frame is painted.
        self._read_ahead.post()
        if not image.usable:
            reason = image.problem_detail or ("file missing" if image.missing else "unreadable")
            self._canvas.clear_image(f"{image.name}: {reason}")
            return
        self._loader.request(image, self._neighbours(image_id))

    def _read_view(self, image_id: str) -> images_svc.ImageView | None:
        self._keep_views(self._doc.read(images_svc.image_views, [image_id]))
        return self._views.get(image_id)

    def _keep_views(self, views: dict[str, images_svc.ImageView]) -> None:
        """Keep views read from the project, with the frames measured in this session for
        images whose frame the project has not stored yet."""
        for image_id, view in views.items():
            known = self._measured.get(image_id)
            if known is not None and _unmeasured(view.image):
                view = dataclasses.replace(view, image=known)
            elif known is not None:
                del self._measured[image_id]  # stored now: the project's record says it
            self._views[image_id] = view

    def _neighbours(self, image_id: str) -> list[image_mod.Image]:
        """The usable images worth decoding ahead whose rows are at hand."""
        views = (self._views.get(i) for i in self._window(image_id)[1:])
        return [v.image for v in views if v is not None and v.image.usable]

    def _read_views_ahead(self) -> None:
        """Read the rows of the images around the current one (those not at hand already), and
        forget those further away."""
        current = self.image_id
        if current is None:
            return
        i = self._index.get(current)
        if i is None:
            return
        around = self.ids[max(0, i - VIEWS_BEHIND) : i + 1 + VIEWS_AHEAD]
        wanted = set(around)
        self._views = {k: v for k, v in self._views.items() if k in wanted}
        missing = [k for k in around if k not in self._views]
        if not missing:
            return
        known = {n.id for n in self._neighbours(current)}
        self._keep_views(self._doc.read(images_svc.image_views, missing))
        if self.image is not None and self.image.usable:
            self._loader.prefetch([n for n in self._neighbours(current) if n.id not in known])

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
            self._read_ahead.post()  # the list has other neighbours now

    def go_next(self) -> None:
        self._browser.next()

    def go_previous(self) -> None:
        self._browser.previous()

    def go_first(self) -> None:
        self._browser.first()

    def go_last(self) -> None:
        self._browser.last()

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
        if changes.schema:
            self._views.clear()  # classes merged or removed move annotations of any image
        else:
            for image_id in touched:
                self._views.pop(image_id, None)
        if touched:
            self._browser.refresh_ids(sorted(touched))
        if current is None:
            return
        if current in touched or changes.schema:
            before = self.image
            view = self._read_view(current)
            if view is None:
                return
            self.image = view.image
            self.review = list(view.review)
            if before is not None and _frame(before) != _frame(view.image):
                self._show_again(view.image)
            if current in changes.annotation_images or changes.schema:
                self.annotations = list(view.annotations)
                self._push_annotations()
                self.annotationsChanged.emit(self.shown())
        if not self._views.keys() >= set(self._window(current)):
            self._read_ahead.post()

    def _show_again(self, image: image_mod.Image) -> None:
        """The image's recorded frame changed (its file changed, or its EXIF orientation became
        known): show the picture again in that frame, never the old one."""
        self._shown = None
        self._canvas.clear_image(f"Loading {image.name}…")
        forget = getattr(self._loader, "forget", None)
        if callable(forget):
            forget(image.id)
        if image.usable:
            self._loader.request(image, [])

    def _push_annotations(self) -> None:
        if self._shown != self.image_id:
            return
        self._canvas.set_annotations(self.shapes(), self._doc.schema.by_id())

    def shown(self) -> list[ann_mod.Annotation]:
        """The annotations of the kinds the project has on (the others are kept, not shown)."""
        tasks = self._doc.tasks
        return [a for a in self.annotations if tasks.shows(a.kind)]

    def shapes(self) -> list[ann_mod.Annotation]:
        return [a for a in self.shown() if a.kind is not geo.ShapeKind.TAG]

    def tags(self) -> list[str]:
        return [a.class_id for a in self.annotations if a.kind is geo.ShapeKind.TAG and a.class_id]

    def by_ids(self, ids: list[str]) -> list[ann_mod.Annotation]:
        wanted = set(ids)
        return [a for a in self.annotations if a.id in wanted]


def _frame(image: image_mod.Image) -> tuple[int | None, int | None, int]:
    """What decides the frame a picture is shown in."""
    return (image.width, image.height, image.orientation)


def _unmeasured(image: image_mod.Image) -> bool:
    """Not reached by the indexer yet: its size and EXIF orientation are not known."""
    return not image.frame_known
