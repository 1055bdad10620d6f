"""The class panel: colour swatch, hotkey, name and count per class; the drawing class stands out."""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from ui.panels import class_model

R = QtCore.Qt.ItemDataRole


class ClassDelegate(QtWidgets.QStyledItemDelegate):
    """Paints ``[swatch] key  name ........ count`` on one line."""

    def paint(
        self,
        painter: QtGui.QPainter,
        option: QtWidgets.QStyleOptionViewItem,
        index: QtCore.QModelIndex | QtCore.QPersistentModelIndex,
    ) -> None:
        opt = QtWidgets.QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        current = bool(index.data(class_model.CurrentRole))
        style = opt.widget.style() if opt.widget else QtWidgets.QApplication.style()
        # Background and selection from the style, text drawn by us.
        opt.text = ""
        opt.icon = QtGui.QIcon()
        style.drawControl(QtWidgets.QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        rect = opt.rect.adjusted(6, 3, -8, -3)
        painter.save()
        colour = QtGui.QColor(str(index.data(class_model.ColorRole)))
        swatch = QtCore.QRect(rect.left(), rect.top() + 1, rect.height() - 2, rect.height() - 2)
        painter.setPen(QtGui.QPen(colour.darker(150), 1))
        painter.setBrush(colour)
        painter.drawRoundedRect(swatch, 3, 3)
        if current:
            painter.setPen(QtGui.QPen(opt.palette.color(QtGui.QPalette.ColorRole.Highlight), 2))
            painter.setBrush(QtCore.Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(opt.rect.adjusted(1, 1, -1, -1), 4, 4)
        selected = bool(opt.state & QtWidgets.QStyle.StateFlag.State_Selected)
        role = (
            QtGui.QPalette.ColorRole.HighlightedText if selected else QtGui.QPalette.ColorRole.Text
        )
        painter.setPen(opt.palette.color(role))
        x = swatch.right() + 8
        key = str(index.data(class_model.HotkeyRole) or "")
        key_rect = QtCore.QRect(x, rect.top(), 18, rect.height())
        painter.drawText(key_rect, QtCore.Qt.AlignmentFlag.AlignCenter, key)
        count = f"{int(index.data(class_model.CountRole) or 0):,}"
        fm = painter.fontMetrics()
        count_w = fm.horizontalAdvance(count)
        count_rect = QtCore.QRect(rect.right() - count_w, rect.top(), count_w, rect.height())
        painter.drawText(count_rect, QtCore.Qt.AlignmentFlag.AlignVCenter, count)
        font = QtGui.QFont(opt.font)
        font.setBold(current)
        painter.setFont(font)
        name_rect = QtCore.QRect(key_rect.right() + 6, rect.top(), 0, rect.height())
        name_rect.setRight(count_rect.left() - 8)
        name = QtGui.QFontMetrics(font).elidedText(
            str(index.data(R.DisplayRole)), QtCore.Qt.TextElideMode.ElideRight, name_rect.width()
        )
        painter.drawText(name_rect, QtCore.Qt.AlignmentFlag.AlignVCenter, name)
        painter.restore()

    def sizeHint(
        self,
        option: QtWidgets.QStyleOptionViewItem,
        index: QtCore.QModelIndex | QtCore.QPersistentModelIndex,
    ) -> QtCore.QSize:
        return QtCore.QSize(160, max(24, option.fontMetrics.height() + 10))


class ClassPanel(QtWidgets.QWidget):
    """Lists the classes; a click (or Enter) makes a class the current one. Under the list, a
    field takes new class names (a list typed with commas works); while the project has no class
    the panel says so and invites the user to type them.

    Signals:
        classActivated(str): the class id the user picked.
        classesRequested(str): the user typed names of classes to add (as typed).
        classesAdded(): classes the user asked for arrived (the field was cleared).
    """

    classActivated = QtCore.Signal(str)
    classesRequested = QtCore.Signal(str)
    classesAdded = QtCore.Signal()

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = class_model.ClassListModel(self)
        self.view = QtWidgets.QListView()
        self.view.setObjectName("classList")
        self.view.setModel(self.model)
        self.view.setItemDelegate(ClassDelegate(self.view))
        self.view.setUniformItemSizes(True)
        self.view.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.clicked.connect(self._on_clicked)
        self.view.activated.connect(self._on_clicked)
        self.invite = QtWidgets.QLabel(
            "<b>No classes yet.</b> Type the names of the things you will label, separated by "
            "commas, and press Enter. They get the keys 1, 2, 3… in that order."
        )
        self.invite.setObjectName("noClasses")
        self.invite.setWordWrap(True)
        self.invite.setAlignment(QtCore.Qt.AlignmentFlag.AlignTop)
        self.new_names = QtWidgets.QLineEdit()  # its Enter adds them (ui.fields keeps it here)
        self.new_names.setObjectName("newClasses")
        self.new_names.setPlaceholderText("new classes, e.g. crack, rust, dent")
        self.new_names.setToolTip("Type one or more class names separated by commas, then Enter")
        self.new_names.returnPressed.connect(self._on_add)
        self.add_button = QtWidgets.QPushButton("Add classes")
        self.add_button.setObjectName("addClasses")
        self.add_button.setAutoDefault(False)
        self.add_button.setFocusPolicy(QtCore.Qt.FocusPolicy.TabFocus)
        self.add_button.clicked.connect(self._on_add)
        row = QtWidgets.QHBoxLayout()
        row.addWidget(self.new_names, 1)
        row.addWidget(self.add_button)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.invite, 1)
        layout.addWidget(self.view, 1)
        layout.addLayout(row)
        self._asked_with = -1  # how many classes there were when names were last asked for
        self.model.modelReset.connect(self._on_classes_changed)
        self._on_classes_changed()

    def _on_clicked(self, index: QtCore.QModelIndex) -> None:
        if index.isValid():
            self.classActivated.emit(str(index.data(class_model.ClassIdRole)))

    def _on_add(self) -> None:
        text = self.new_names.text().strip()
        if not text:
            self.new_names.setFocus()
            return
        self._asked_with = self.model.rowCount()
        self.classesRequested.emit(text)

    def _on_classes_changed(self) -> None:
        empty = self.model.rowCount() == 0
        self.invite.setVisible(empty)
        self.view.setVisible(not empty)
        if 0 <= self._asked_with < self.model.rowCount():
            self._asked_with = -1
            self.new_names.clear()
            self.classesAdded.emit()

    @QtCore.Slot(object)
    def on_current_class_changed(self, class_id: str | None) -> None:
        self.model.set_current(class_id)
