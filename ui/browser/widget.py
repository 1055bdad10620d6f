"""The image browser: the project's images as a list or a thumbnail grid, with filter and search."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from PySide6 import QtCore, QtGui, QtWidgets

from ui.browser import filters
from ui.browser import model as model_mod
from ui.images import thumbnails as thumbs_mod

Qt = QtCore.Qt

LIST = "list"
GRID = "grid"

#: Typing in the search box waits this long for the next key before asking for a new list.
SEARCH_DELAY_MS = 250
#: Thumbnail cells small enough for two columns in the Images panel's default width (the
#: panel can be widened for more).
_GRID_ICON = QtCore.QSize(88, 88)
_GRID_CELL = QtCore.QSize(98, 116)
_LIST_ICON = QtCore.QSize(10, 10)
#: The Images panel's width when it first appears.
DEFAULT_WIDTH = 240


def legend_html() -> str:
    """What the status colours mean, as the list's squares and the grid's dots show them."""
    entries = [(model_mod.STATUS_COLOURS[s], label) for s, label in model_mod.STATUS_LABELS.items()]
    entries.append((model_mod.PROBLEM_COLOUR, model_mod.PROBLEM_LABEL))
    return " ".join(
        f"<span style='color:{colour}'>●</span>&nbsp;{label.lower()}" for colour, label in entries
    )


class _ListView(QtWidgets.QListView):
    """A list view without type-to-find: finding a name would read every row of a 100,000-image
    project, and letters and digits are the app's shortcuts (the search box finds names)."""

    def keyboardSearch(self, search: str) -> None:
        pass


class _BadgeDelegate(QtWidgets.QStyledItemDelegate):
    """Draws the status badge over a thumbnail in grid mode (list mode shows it as decoration)."""

    def __init__(self, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.on_icons = False

    def paint(
        self,
        painter: QtGui.QPainter,
        option: QtWidgets.QStyleOptionViewItem,
        index: QtCore.QModelIndex | QtCore.QPersistentModelIndex,
    ) -> None:
        super().paint(painter, option, index)
        if not self.on_icons:
            return
        colour = index.data(model_mod.BADGE_COLOR_ROLE)
        if not isinstance(colour, QtGui.QColor):
            return
        rect: QtCore.QRect = option.rect
        painter.save()
        painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
        painter.setPen(QtGui.QPen(QtGui.QColor("white"), 1.5))
        painter.setBrush(colour)
        painter.drawEllipse(QtCore.QRectF(rect.left() + 6, rect.top() + 6, 14, 14))
        painter.restore()


class ImageBrowser(QtWidgets.QWidget):
    """The image list of a project, in list or grid mode, with a filter combo and a search box.

    The browser shows the ids it is given; which ids match a filter is the main window's
    business (it asks the image service when ``filterChanged`` is emitted).

    Signals:
        currentImageChanged(str): the current image changed (by the user or ``select_id``);
            ``""`` when ``set_ids`` no longer lists the image that was current.
        filterChanged(object): the filter or search text changed: a ``filters.BrowserFilter``.
        viewModeChanged(str): ``"list"`` or ``"grid"``.
        addFolderRequested(): the user wants to add a folder of images (the empty project's
            button).
    """

    currentImageChanged = QtCore.Signal(str)
    filterChanged = QtCore.Signal(object)
    viewModeChanged = QtCore.Signal(str)
    addFolderRequested = QtCore.Signal()

    def __init__(
        self,
        fetch: model_mod.Fetch,
        parent: QtWidgets.QWidget | None = None,
        *,
        thumbnails: thumbs_mod.ThumbnailLoader | None = None,
    ) -> None:
        super().__init__(parent)
        self._model = model_mod.ImageListModel(fetch, self, thumbnails=thumbnails)
        self._quiet = False
        self._last_filter = filters.BrowserFilter()
        self._init_controls()
        self._init_view()
        self._init_layout()
        self._connect_signals()
        self.set_view_mode(LIST)
        self._update_count()

    # -- building ---------------------------------------------------------------------------------

    def _init_controls(self) -> None:
        self._filter_combo = QtWidgets.QComboBox(self)
        self._filter_combo.setObjectName("imageFilter")
        for key, label in filters.CHOICES:
            self._filter_combo.addItem(label, key)
        self._filter_combo.setToolTip("Which images to list")
        self._search = QtWidgets.QLineEdit(self)
        self._search.setObjectName("imageSearch")
        self._search.setPlaceholderText("Search file names")
        self._search.setClearButtonEnabled(True)
        self._search_timer = QtCore.QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._grid_button = QtWidgets.QToolButton(self)
        self._grid_button.setObjectName("gridMode")
        self._grid_button.setText("Grid")
        self._grid_button.setCheckable(True)
        self._grid_button.setToolTip("Show thumbnails")
        self._count = QtWidgets.QLabel(self)
        self._count.setObjectName("imageCount")
        self._legend = QtWidgets.QLabel(legend_html(), self)
        self._legend.setObjectName("statusLegend")
        self._legend.setWordWrap(True)
        self._legend.setToolTip("What the coloured marks beside the images mean")
        font = self._legend.font()
        font.setPointSizeF(font.pointSizeF() * 0.85)
        self._legend.setFont(font)
        self._empty = QtWidgets.QWidget(self)
        self._empty.setObjectName("noImages")
        empty_text = QtWidgets.QLabel("This project has no images yet.", self._empty)
        empty_text.setWordWrap(True)
        self._add_button = QtWidgets.QPushButton("Add image folder…", self._empty)
        self._add_button.setObjectName("addImages")
        self._add_button.setToolTip("Add a folder of images (its sub-folders too) to this project")
        self._add_button.clicked.connect(self.addFolderRequested)
        empty_layout = QtWidgets.QVBoxLayout(self._empty)
        empty_layout.setContentsMargins(6, 12, 6, 6)
        empty_layout.addWidget(empty_text)
        empty_layout.addWidget(self._add_button)
        empty_layout.addStretch(1)

    def _init_view(self) -> None:
        view = _ListView(self)
        view.setObjectName("imageList")
        # 100,000 rows: uniform sizes avoid asking every row its size, batched layout paints
        # the first screen at once (perf-notes: 19 ms instead of seconds).
        view.setUniformItemSizes(True)
        view.setLayoutMode(QtWidgets.QListView.LayoutMode.Batched)
        view.setBatchSize(256)
        view.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.SingleSelection)
        view.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        view.setMovement(QtWidgets.QListView.Movement.Static)
        # Sub-folder paths can be long: keep the file name (the end) in view.
        view.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self._delegate = _BadgeDelegate(view)
        view.setItemDelegate(self._delegate)
        view.setModel(self._model)
        self._view = view

    def _init_layout(self) -> None:
        top = QtWidgets.QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self._filter_combo, 1)
        top.addWidget(self._grid_button)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.setSpacing(2)
        layout.addLayout(top)
        layout.addWidget(self._search)
        layout.addWidget(self._view, 1)
        layout.addWidget(self._empty, 1)
        layout.addWidget(self._count)
        layout.addWidget(self._legend)

    def _connect_signals(self) -> None:
        self._filter_combo.currentIndexChanged.connect(self._on_filter_combo_changed)
        self._search.textChanged.connect(self._on_search_text_changed)
        self._search.returnPressed.connect(self._on_search_timeout)
        self._search_timer.timeout.connect(self._on_search_timeout)
        self._grid_button.toggled.connect(self._on_grid_toggled)
        self._view.selectionModel().currentChanged.connect(self._on_current_changed)
        self._model.modelReset.connect(self._update_count)

    def sizeHint(self) -> QtCore.QSize:
        # Room for two thumbnail columns (or a sub-folder path) when the panel first appears.
        return QtCore.QSize(DEFAULT_WIDTH, 480)

    # -- public -----------------------------------------------------------------------------------

    @property
    def model(self) -> model_mod.ImageListModel:
        return self._model

    @property
    def view(self) -> QtWidgets.QListView:
        return self._view

    def set_ids(self, ids: Sequence[str]) -> None:
        """List these images; the current one stays current if it is still listed."""
        previous = self.current_id()
        self._quiet = True
        try:
            self._model.set_ids(ids)
            if previous is not None:
                self._select_row(self._model.row_of(previous))
        finally:
            self._quiet = False
        if previous is not None and self.current_id() is None:
            self.currentImageChanged.emit("")  # the image shown is no longer listed

    def select_id(self, image_id: str, *, notify: bool = True) -> bool:
        """Make ``image_id`` current and scroll to it. False when it is not listed."""
        row = self._model.row_of(image_id)
        if row is None:
            return False
        self._quiet = not notify
        try:
            self._select_row(row)
        finally:
            self._quiet = False
        return True

    def current_id(self) -> str | None:
        index = self._view.currentIndex()
        return self._model.id_at(index.row()) if index.isValid() else None

    def next(self) -> str | None:
        """Go to the next listed image; returns its id (None at the end)."""
        return self._step(+1)

    def previous(self) -> str | None:
        """Go to the previous listed image; returns its id (None at the start)."""
        return self._step(-1)

    def first(self) -> str | None:
        """Go to the first listed image (scrolled into view); returns its id (None: no images)."""
        return self._go_row(0)

    def last(self) -> str | None:
        """Go to the last listed image (scrolled into view); returns its id (None: no images)."""
        return self._go_row(self._model.rowCount() - 1)

    def neighbour_ids(self, before: int = 1, after: int = 2) -> list[str]:
        """Ids around the current image, nearest first (what to decode ahead of time)."""
        index = self._view.currentIndex()
        if not index.isValid():
            return []
        row, ids = index.row(), self._model.ids()
        out = [ids[row + d] for d in range(1, after + 1) if row + d < len(ids)]
        out += [ids[row - d] for d in range(1, before + 1) if row - d >= 0]
        return out

    def refresh_ids(self, ids: Iterable[str]) -> None:
        """Repaint these images' rows from fresh records (their status or file changed)."""
        self._model.refresh_ids(ids)

    def set_view_mode(self, mode: str) -> None:
        """``"list"`` (names with a status badge) or ``"grid"`` (thumbnails)."""
        if mode not in (LIST, GRID):
            raise ValueError(f"unknown view mode {mode!r}; expected 'list' or 'grid'")
        grid = mode == GRID
        view = self._view
        view.setViewMode(
            QtWidgets.QListView.ViewMode.IconMode if grid else QtWidgets.QListView.ViewMode.ListMode
        )
        view.setIconSize(_GRID_ICON if grid else _LIST_ICON)
        view.setGridSize(_GRID_CELL if grid else QtCore.QSize())
        view.setWrapping(grid)
        view.setResizeMode(QtWidgets.QListView.ResizeMode.Adjust)
        view.setMovement(QtWidgets.QListView.Movement.Static)
        view.setWordWrap(grid)
        self._delegate.on_icons = grid
        self._model.set_thumbnails_visible(grid)
        self._grid_button.blockSignals(True)
        self._grid_button.setChecked(grid)
        self._grid_button.blockSignals(False)
        current = view.currentIndex()
        if current.isValid():
            view.scrollTo(current)
        self.viewModeChanged.emit(mode)

    def view_mode(self) -> str:
        return GRID if self._view.viewMode() == QtWidgets.QListView.ViewMode.IconMode else LIST

    def filter(self) -> filters.BrowserFilter:
        return filters.BrowserFilter(str(self._filter_combo.currentData()), self._search.text())

    def set_filter(self, flt: filters.BrowserFilter, *, notify: bool = False) -> None:
        """Show ``flt`` in the controls (restoring a session); emits only with ``notify``."""
        for w in (self._filter_combo, self._search):
            w.blockSignals(True)
        try:
            self._filter_combo.setCurrentIndex(max(0, self._filter_combo.findData(flt.kind)))
            self._search.setText(flt.text)
        finally:
            for w in (self._filter_combo, self._search):
                w.blockSignals(False)
        self._last_filter = self.filter()
        if notify:
            self.filterChanged.emit(self._last_filter)

    def focus_search(self) -> None:
        self._search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self._search.selectAll()

    # -- internals --------------------------------------------------------------------------------

    def _select_row(self, row: int | None) -> None:
        if row is None:
            return
        index = self._model.index(row)
        self._view.selectionModel().setCurrentIndex(
            index, QtCore.QItemSelectionModel.SelectionFlag.ClearAndSelect
        )
        self._view.scrollTo(index)

    def _go_row(self, row: int) -> str | None:
        if not 0 <= row < self._model.rowCount():
            return None
        self._select_row(row)
        return self._model.id_at(row)

    def _step(self, delta: int) -> str | None:
        count = self._model.rowCount()
        if count == 0:
            return None
        index = self._view.currentIndex()
        row = (index.row() + delta) if index.isValid() else (0 if delta > 0 else count - 1)
        if not 0 <= row < count:
            return None
        self._select_row(row)
        return self._model.id_at(row)

    def _update_count(self) -> None:
        n = self._model.rowCount()
        self._count.setText(f"{n:,} image" + ("" if n == 1 else "s"))
        # An empty project (not an empty filter) offers to add images instead of an empty list.
        nothing = n == 0 and self.filter().is_everything
        self._empty.setVisible(nothing)
        self._view.setVisible(not nothing)

    @QtCore.Slot(QtCore.QModelIndex, QtCore.QModelIndex)
    def _on_current_changed(
        self, current: QtCore.QModelIndex, _previous: QtCore.QModelIndex
    ) -> None:
        if self._quiet or not current.isValid():
            return
        self.currentImageChanged.emit(self._model.id_at(current.row()))

    def _emit_filter(self) -> None:
        self._search_timer.stop()
        flt = self.filter()
        if flt != self._last_filter:  # Return after the pause would ask for the same list again
            self._last_filter = flt
            self.filterChanged.emit(flt)

    @QtCore.Slot(int)
    def _on_filter_combo_changed(self, _index: int) -> None:
        self._emit_filter()

    @QtCore.Slot(str)
    def _on_search_text_changed(self, _text: str) -> None:
        self._search_timer.start()

    @QtCore.Slot()
    def _on_search_timeout(self) -> None:
        self._emit_filter()

    @QtCore.Slot(bool)
    def _on_grid_toggled(self, checked: bool) -> None:
        self.set_view_mode(GRID if checked else LIST)
