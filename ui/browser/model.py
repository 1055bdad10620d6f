"""The image list as a Qt model: ids in order, rows fetched lazily a block at a time.

A project may hold 100,000 images. The model keeps only their ids; the rows the view paints are
fetched through a callable (``images.get_images`` bound to the project) in blocks, and a few
blocks are kept. Nothing here decides anything: it adapts ids and ``Image`` records for the view.
"""

from __future__ import annotations

import collections
import logging
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from PySide6 import QtCore, QtGui

from labeler.domain import image as image_mod
from labeler.domain import status as status_mod
from ui.images import thumbnails as thumbs_mod

Qt = QtCore.Qt
S = status_mod.ImageStatus
log = logging.getLogger(__name__)

#: ``fetch(ids) -> images`` in the same order; unknown ids may be left out.
Fetch = Callable[[Sequence[str]], list[image_mod.Image]]

ID_ROLE = Qt.ItemDataRole.UserRole + 1
STATUS_ROLE = Qt.ItemDataRole.UserRole + 2  # the ImageStatus value, e.g. "needs_review"
BADGE_COLOR_ROLE = Qt.ItemDataRole.UserRole + 3  # QColor of the status badge
PROBLEM_ROLE = Qt.ItemDataRole.UserRole + 4  # text of the problem, or None
THUMBNAIL_ROLE = Qt.ItemDataRole.UserRole + 5  # QImage when made, else None (no request)

STATUS_LABELS: dict[S, str] = {
    S.NEW: "New",
    S.IN_PROGRESS: "In progress",
    S.DONE: "Done",
    S.SKIPPED: "Skipped",
    S.NEEDS_REVIEW: "Needs review",
    S.APPROVED: "Approved",
    S.REJECTED: "Rejected",
}

STATUS_COLOURS: dict[S, str] = {
    S.NEW: "#9e9e9e",
    S.IN_PROGRESS: "#42a5f5",
    S.DONE: "#43a047",
    S.SKIPPED: "#8d6e63",
    S.NEEDS_REVIEW: "#fb8c00",
    S.APPROVED: "#00897b",
    S.REJECTED: "#e53935",
}
PROBLEM_COLOUR = "#b71c1c"
PROBLEM_LABEL = "Cannot be labeled"
PLACEHOLDER_COLOUR = "#d8d8d8"
THUMBNAIL_SIDE = 256

_ROOT = QtCore.QModelIndex()

#: Roles answered from the image's record (the id role needs no fetch).
_IMAGE_ROLES = frozenset(
    int(role)
    for role in (
        Qt.ItemDataRole.DisplayRole,
        Qt.ItemDataRole.ToolTipRole,
        Qt.ItemDataRole.DecorationRole,
        STATUS_ROLE,
        BADGE_COLOR_ROLE,
        PROBLEM_ROLE,
        THUMBNAIL_ROLE,
    )
)

BLOCK_SIZE = 64
CACHED_BLOCKS = 32
_ICONS_KEPT = 200  # icons share their pixels with the thumbnail loader's pictures


def problem_text(image: image_mod.Image) -> str | None:
    """What is wrong with ``image`` in words, or None when it can be labeled."""
    if image.missing:
        return f"The file {image.rel_path} is missing."
    if image.problem is not None:
        return image.problem_detail or f"This image cannot be used ({image.problem.value})."
    return None


class ImageListModel(QtCore.QAbstractListModel):
    """A flat list of images by id, with rows fetched lazily.

    Attributes:
        rows_fetched: how many rows have been fetched through ``fetch`` so far.
    """

    def __init__(
        self,
        fetch: Fetch,
        parent: QtCore.QObject | None = None,
        *,
        thumbnails: thumbs_mod.ThumbnailLoader | None = None,
        block_size: int = BLOCK_SIZE,
        cached_blocks: int = CACHED_BLOCKS,
    ) -> None:
        super().__init__(parent)
        self._fetch = fetch
        self._ids: list[str] = []
        self._rows: dict[str, int] | None = None  # id → row, built on first need
        self._block_size = block_size
        self._cached_blocks = cached_blocks
        self._blocks: collections.OrderedDict[int, dict[str, image_mod.Image]] = (
            collections.OrderedDict()
        )
        self._unreadable: set[int] = set()  # blocks whose fetch failed
        self._thumbnails = thumbnails
        self._show_thumbnails = False
        self._icons: collections.OrderedDict[str, QtGui.QIcon] = collections.OrderedDict()
        self._placeholder_icon: QtGui.QIcon | None = None
        self._badges = {s: QtGui.QColor(c) for s, c in STATUS_COLOURS.items()}
        self._problem_badge = QtGui.QColor(PROBLEM_COLOUR)
        self.rows_fetched = 0
        if thumbnails is not None:
            thumbnails.ready.connect(self._on_thumbnail_ready)

    # -- ids --------------------------------------------------------------------------------------

    def set_ids(self, ids: Sequence[str]) -> None:
        """Show these images, in this order (resets the model)."""
        if self._thumbnails is not None:
            self._thumbnails.cancel_all()  # rows of the old list need no thumbnails any more
        self.beginResetModel()
        self._ids = list(ids)
        self._rows = None
        self._blocks.clear()
        self._unreadable.clear()
        self.endResetModel()

    def ids(self) -> Sequence[str]:
        return self._ids

    def id_at(self, row: int) -> str:
        return self._ids[row]

    def row_of(self, image_id: str) -> int | None:
        if self._rows is None:
            self._rows = {image_id: row for row, image_id in enumerate(self._ids)}
        return self._rows.get(image_id)

    def image_at(self, row: int) -> image_mod.Image | None:
        """The record of ``row``, fetched with its block if needed (None if it vanished)."""
        if not 0 <= row < len(self._ids):
            return None
        block = row // self._block_size
        images = self._blocks.get(block)
        if images is None:
            images = self._load_block(block)
        else:
            self._blocks.move_to_end(block)
        return images.get(self._ids[row])

    def refresh_ids(self, ids: Iterable[str]) -> None:
        """These images changed (status, problem, file): fetch them again when next painted."""
        rows = sorted(r for r in (self.row_of(i) for i in ids) if r is not None)
        for row in rows:
            self._blocks.pop(row // self._block_size, None)
            self._unreadable.discard(row // self._block_size)
        for first, last in _runs(rows):
            self.dataChanged.emit(self.index(first), self.index(last))

    def set_thumbnails_visible(self, visible: bool) -> None:
        """Grid mode shows thumbnails as decoration; list mode a status badge."""
        if visible == self._show_thumbnails:
            return
        self._show_thumbnails = visible
        if self._ids:
            self.dataChanged.emit(
                self.index(0),
                self.index(len(self._ids) - 1),
                [Qt.ItemDataRole.DecorationRole, Qt.ItemDataRole.DisplayRole],
            )

    # -- Qt model interface -----------------------------------------------------------------------

    def rowCount(self, parent: QtCore.QModelIndex | QtCore.QPersistentModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._ids)

    def flags(self, index: QtCore.QModelIndex | QtCore.QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemNeverHasChildren
        )

    def data(
        self,
        index: QtCore.QModelIndex | QtCore.QPersistentModelIndex,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._ids) or index.column() != 0:
            return None
        row = index.row()
        if role == ID_ROLE:
            return self._ids[row]
        if int(role) not in _IMAGE_ROLES:
            return None
        image = self.image_at(row)
        if image is None:
            if role != Qt.ItemDataRole.DisplayRole:
                return None
            return "(unreadable)" if row // self._block_size in self._unreadable else "(removed)"
        return self._image_data(image, role)

    # -- internals --------------------------------------------------------------------------------

    def _image_data(self, image: image_mod.Image, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            # The path below the image folder: a file in a sub-folder is not taken for missing
            # (the grid's cells are small: the name there, the path in the tooltip).
            return image.name if self._show_thumbnails else image.rel_path
        if role == STATUS_ROLE:
            return image.status.value
        if role == PROBLEM_ROLE:
            return problem_text(image)
        if role == BADGE_COLOR_ROLE:
            return self._badge(image)
        if role == Qt.ItemDataRole.ToolTipRole:
            problem = problem_text(image)
            label = STATUS_LABELS[image.status]
            return f"{image.abs_path}\n{problem}" if problem else f"{image.abs_path}\n{label}"
        if role == THUMBNAIL_ROLE:
            return self._thumbnails.get(image.id) if self._thumbnails is not None else None
        if role == Qt.ItemDataRole.DecorationRole:
            if self._show_thumbnails:
                return self._icon(image)
            return self._badge(image)
        return None

    def _badge(self, image: image_mod.Image) -> QtGui.QColor:
        return self._problem_badge if problem_text(image) else self._badges[image.status]

    def _icon(self, image: image_mod.Image) -> QtGui.QIcon:
        icon = self._icons.get(image.id)
        if icon is not None:
            self._icons.move_to_end(image.id)
            return icon
        if self._thumbnails is None or not image.usable:
            return self._placeholder()
        picture = self._thumbnails.get(image.id)
        if picture is None:
            self._thumbnails.request(image)  # only rows being painted get here
            return self._placeholder()
        icon = QtGui.QIcon(_centred_square(picture))
        self._icons[image.id] = icon
        while len(self._icons) > _ICONS_KEPT:
            self._icons.popitem(last=False)
        return icon

    def _placeholder(self) -> QtGui.QIcon:
        """A plain square where a thumbnail will be. Every row must have an icon of the same
        size: with uniform item sizes the view measures one row and lays out all others alike."""
        if self._placeholder_icon is None:
            square = QtGui.QPixmap(THUMBNAIL_SIDE, THUMBNAIL_SIDE)
            square.fill(QtGui.QColor(PLACEHOLDER_COLOUR))
            self._placeholder_icon = QtGui.QIcon(square)
        return self._placeholder_icon

    def _load_block(self, block: int) -> dict[str, image_mod.Image]:
        start = block * self._block_size
        ids = self._ids[start : start + self._block_size]
        try:
            images = {image.id: image for image in self._fetch(ids)}
        except Exception:
            # Painting must go on (the project may be busy or gone): these rows read
            # "(unreadable)" until refresh_ids or set_ids asks again.
            log.exception("cannot read rows %d..%d of the image list", start, start + len(ids))
            images = {}
            self._unreadable.add(block)
        self.rows_fetched += len(ids)
        self._blocks[block] = images
        while len(self._blocks) > self._cached_blocks:
            self._blocks.popitem(last=False)
        return images

    @QtCore.Slot(str, QtGui.QImage)
    def _on_thumbnail_ready(self, image_id: str, _picture: QtGui.QImage) -> None:
        row = self.row_of(image_id)
        if row is not None and self._show_thumbnails:
            self._icons.pop(image_id, None)
            index = self.index(row)
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole, THUMBNAIL_ROLE])


def _centred_square(picture: QtGui.QImage) -> QtGui.QPixmap:
    """``picture`` in the middle of a transparent square, so every thumbnail sits centred above
    its name whatever its shape."""
    square = QtGui.QPixmap(THUMBNAIL_SIDE, THUMBNAIL_SIDE)
    square.fill(QtCore.Qt.GlobalColor.transparent)
    painter = QtGui.QPainter(square)
    x = (THUMBNAIL_SIDE - picture.width()) // 2
    y = (THUMBNAIL_SIDE - picture.height()) // 2
    painter.drawImage(QtCore.QPoint(x, y), picture)
    painter.end()
    return square


def _runs(rows: Sequence[int]) -> Iterable[tuple[int, int]]:
    """Contiguous runs of sorted row numbers as (first, last) pairs."""
    if not rows:
        return
    start = prev = rows[0]
    for row in rows[1:]:
        if row != prev + 1:
            yield start, prev
            start = row
        prev = row
    yield start, prev
