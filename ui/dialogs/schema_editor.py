"""The schema editor: add, rename, recolour, re-key, reorder, merge and delete classes, move the
labels left on removed classes; the project's own attributes are a tab of their own
(:mod:`ui.dialogs.attributes_tab`).

Every change is stored at once through the schema service (no OK/Cancel for the whole dialog);
a change the service refuses (duplicate name, hotkey clash) is shown in the dialog and not made.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from PySide6 import QtCore, QtGui, QtWidgets

from labeler.domain import schema as schema_mod
from labeler.services import schema as schema_svc
from ui import actions as actions_mod
from ui import document as document_mod
from ui.dialogs import attributes_tab

_ID = QtCore.Qt.ItemDataRole.UserRole + 1

#: What to do with the annotations of a class being deleted: ("delete", None) or ("move", target
#: class id); None cancels.
DeleteChoice = tuple[str, str | None] | None
DeleteAsker = Callable[[schema_mod.LabelClass, int, Sequence[schema_mod.LabelClass]], DeleteChoice]


def ask_delete_with_dialogs(
    parent: QtWidgets.QWidget,
) -> DeleteAsker:
    """The real question, asked with message boxes."""

    def ask(
        cls: schema_mod.LabelClass, count: int, others: Sequence[schema_mod.LabelClass]
    ) -> DeleteChoice:
        box = QtWidgets.QMessageBox(parent)
        box.setWindowTitle("Delete class")
        box.setText(f"“{cls.name}” is used by {count:,} annotations. What should happen to them?")
        delete = box.addButton(
            "Delete the annotations", QtWidgets.QMessageBox.ButtonRole.DestructiveRole
        )
        move = box.addButton(
            "Move them to another class…", QtWidgets.QMessageBox.ButtonRole.ActionRole
        )
        move.setEnabled(bool(others))
        box.addButton(QtWidgets.QMessageBox.StandardButton.Cancel)
        box.exec()
        if box.clickedButton() is delete:
            return ("delete", None)
        if box.clickedButton() is move:
            names = [c.name for c in others]
            name, ok = QtWidgets.QInputDialog.getItem(
                parent,
                "Move annotations",
                f"Move the annotations of “{cls.name}” to:",
                names,
                0,
                False,
            )
            if ok:
                return ("move", others[names.index(name)].id)
        return None

    return ask


class SchemaEditor(QtWidgets.QDialog):
    """Edits the project's classes through the document (each change stored when made).

    Attributes:
        ask_delete: asks what to do with the annotations of a class being deleted (replaceable).
        error: the label where refused changes are explained.
    """

    def __init__(
        self,
        doc: document_mod.ProjectDocument,
        app_keys: Mapping[str, str] | None = None,
        parent: QtWidgets.QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Classes")
        self._doc = doc
        self._app_keys = dict(app_keys or {})
        self.ask_delete: DeleteAsker = ask_delete_with_dialogs(self)
        self.error = QtWidgets.QLabel("")
        self.error.setObjectName("schemaError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b00020;")
        classes_tab = self._classes_tab()
        self.tabs = QtWidgets.QTabWidget()
        self.tabs.addTab(classes_tab, "&Classes")
        self.attributes_tab = attributes_tab.AttributesTab(doc, self._edit)
        self.tabs.addTab(self.attributes_tab, "A&ttributes")
        close = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        for button in close.buttons():
            if isinstance(button, QtWidgets.QPushButton):
                button.setAutoDefault(False)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addWidget(self.error)
        layout.addWidget(close)
        doc.errorOccurred.connect(self._on_error)
        doc.schemaChanged.connect(self._on_schema_changed)
        self._fill(doc.schema)
        self.resize(660, 440)

    def _classes_tab(self) -> QtWidgets.QWidget:
        """The class list, the current class's name, key and colour, and the class operations."""
        self.list = QtWidgets.QListWidget()
        self.list.setObjectName("schemaClasses")
        self.list.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.ExtendedSelection)
        self.list.currentItemChanged.connect(self._on_current)
        self.name = QtWidgets.QLineEdit()
        self.name.setObjectName("className")
        self.hotkey = QtWidgets.QLineEdit()
        self.hotkey.setObjectName("classHotkey")
        self.hotkey.setMaxLength(1)
        self.hotkey.setFixedWidth(40)
        self.colour = QtWidgets.QPushButton("Colour…")
        # Enter in a field does that field's job (rename, re-key, add), never a button's.
        self.colour.setAutoDefault(False)
        self.name.editingFinished.connect(self._on_name_edited)
        self.hotkey.editingFinished.connect(self._on_hotkey_edited)
        self.colour.clicked.connect(self._on_colour_clicked)

        buttons = QtWidgets.QVBoxLayout()
        for text, slot in (
            ("Move up", lambda: self._move_selected(-1)),
            ("Move down", lambda: self._move_selected(1)),
            ("Merge into current…", self._on_merge),
            ("Delete", self._on_delete),
        ):
            button = QtWidgets.QPushButton(text)
            button.setAutoDefault(False)
            button.clicked.connect(slot)
            buttons.addWidget(button)
        buttons.addStretch(1)
        selected = QtWidgets.QGroupBox("Selected class")
        form = QtWidgets.QFormLayout(selected)
        form.addRow("Name", self.name)
        form.addRow("Key", self.hotkey)
        form.addRow("", self.colour)
        right = QtWidgets.QVBoxLayout()
        right.addWidget(self._new_class_box())
        right.addWidget(selected)
        right.addLayout(buttons)
        top = QtWidgets.QHBoxLayout()
        top.addWidget(self.list, 1)
        top.addLayout(right)
        classes_tab = QtWidgets.QWidget()
        classes_layout = QtWidgets.QVBoxLayout(classes_tab)
        classes_layout.addLayout(top)
        classes_layout.addWidget(self._removed_box())
        return classes_tab

    def _new_class_box(self) -> QtWidgets.QGroupBox:
        """Name and key of a class to add, and the Add button that adds it (Enter does too)."""
        box = QtWidgets.QGroupBox("New class")
        self.new_name = QtWidgets.QLineEdit()
        self.new_name.setObjectName("newClassName")
        self.new_name.setPlaceholderText("name (several: separate them by commas)")
        self.new_key = QtWidgets.QLineEdit()
        self.new_key.setObjectName("newClassHotkey")
        self.new_key.setMaxLength(1)
        self.new_key.setFixedWidth(40)
        self.new_key.setPlaceholderText("1–9")
        self.new_key.setToolTip("Its key (a digit or a letter); empty: the next free digit")
        self.add_button = QtWidgets.QPushButton("Add")
        self.add_button.setObjectName("addClass")
        self.add_button.setAutoDefault(False)
        self.add_button.clicked.connect(self._on_add)
        self.new_name.returnPressed.connect(self._on_add)
        self.new_key.returnPressed.connect(self._on_add)
        form = QtWidgets.QFormLayout(box)
        form.addRow("Name", self.new_name)
        key_row = QtWidgets.QHBoxLayout()
        key_row.addWidget(self.new_key)
        key_row.addStretch(1)
        key_row.addWidget(self.add_button)
        form.addRow("Key", key_row)
        return box

    # --- operations (also what the buttons do) ----------------------------------------------

    def add_class(self, name: str, color: str | None = None, hotkey: str | None = None) -> bool:
        if not self._hotkey_free(hotkey):
            return False
        return self._edit(schema_svc.add_class, name, color, hotkey)

    def rename(self, class_id: str, name: str) -> bool:
        return self._edit(schema_svc.update_class, class_id, name=name)

    def set_colour(self, class_id: str, colour: str) -> bool:
        return self._edit(schema_svc.update_class, class_id, color=colour)

    def set_hotkey(self, class_id: str, hotkey: str | None) -> bool:
        if not self._hotkey_free(hotkey):
            return False
        return self._edit(schema_svc.update_class, class_id, hotkey=hotkey or None)

    def move_class(self, class_id: str, delta: int) -> bool:
        order = [c.id for c in self._doc.schema.classes]
        i = order.index(class_id)
        j = max(0, min(len(order) - 1, i + delta))
        if i == j:
            return False
        order.insert(j, order.pop(i))
        return self._edit(schema_svc.reorder_classes, order)

    def move_removed(self, removed_id: str, target_id: str) -> bool:
        """Move the labels left on a removed class to a live class (sync sends them again)."""
        done = self._edit(schema_svc.move_labels, removed_id, target_id)
        self._fill(self._doc.schema)
        return done

    def merge(self, source_ids: Sequence[str], target_id: str) -> bool:
        return self._edit(schema_svc.merge_classes, list(source_ids), target_id)

    def delete(self, class_id: str) -> bool:
        """Delete a class; if annotations use it, ask whether to delete or move them."""
        classes = self._doc.schema.by_id()
        cls = classes[class_id]
        count = self._doc.read(schema_svc.class_counts).get(class_id, 0)
        reassign: str | None = None
        if count:
            others = [c for c in self._doc.schema.classes if c.id != class_id]
            choice = self.ask_delete(cls, count, others)
            if choice is None:
                return False
            reassign = choice[1] if choice[0] == "move" else None
        return self._edit(schema_svc.delete_class, class_id, reassign_to=reassign)

    # --- internals --------------------------------------------------------------------------

    def _removed_box(self) -> QtWidgets.QGroupBox:
        """Labels left on classes removed meanwhile (by a teammate, through sync), if any."""
        box = QtWidgets.QGroupBox("Labels on removed classes (the server refuses them until moved)")
        box.setObjectName("removedClasses")
        self.removed = QtWidgets.QListWidget()
        self.removed.setObjectName("removedList")
        self.removed.setMaximumHeight(90)
        move = QtWidgets.QPushButton("Move to the current class")
        move.setAutoDefault(False)
        move.clicked.connect(self._on_move_removed)
        row = QtWidgets.QHBoxLayout(box)
        row.addWidget(self.removed, 1)
        row.addWidget(move)
        self._removed_group = box
        return box

    def _on_move_removed(self) -> None:
        item, target = self.removed.currentItem(), self.current_id()
        if item is None or target is None:
            self._on_error("Select the removed class below and the class to move its labels to")
            return
        self.move_removed(str(item.data(_ID)), target)

    def _hotkey_free(self, hotkey: str | None) -> bool:
        if not hotkey:
            return True
        key = actions_mod.normalise(hotkey.upper())
        owner = self._app_keys.get(key)
        if owner is not None:
            what = (
                actions_mod.BY_NAME[owner].text.replace("&", "")
                if owner in actions_mod.BY_NAME
                else owner
            )
            self._on_error(f"Key {key} is already “{what}”; choose another key for this class")
            return False
        return True

    def _edit(self, fn: Callable[..., object], *args: object, **kwargs: object) -> bool:
        self.error.clear()
        return self._doc.edit(fn, *args, **kwargs)  # type: ignore[arg-type]

    def _on_error(self, text: str) -> None:
        self.error.setText(text)

    def _on_schema_changed(self, schema: schema_mod.LabelSchema) -> None:
        self._fill(schema)

    def _fill(self, schema: schema_mod.LabelSchema) -> None:
        current = self.current_id()
        counts = self._doc.read(schema_svc.class_counts)
        self.list.blockSignals(True)
        self.list.clear()
        for cls in schema.classes:
            key = f"  [{cls.hotkey.upper()}]" if cls.hotkey else ""
            n = counts.get(cls.id, 0)
            item = QtWidgets.QListWidgetItem(f"{cls.name}{key}  — {n:,} annotation{'s' * (n != 1)}")
            pixmap = QtGui.QPixmap(14, 14)
            pixmap.fill(QtGui.QColor(cls.color))
            item.setIcon(QtGui.QIcon(pixmap))
            item.setData(_ID, cls.id)
            self.list.addItem(item)
            if cls.id == current:
                self.list.setCurrentItem(item)
        self.list.blockSignals(False)
        self.attributes_tab.fill(schema)
        removed = self._doc.read(schema_svc.removed_in_use)
        self.removed.clear()
        for class_id, name, n in removed:
            item = QtWidgets.QListWidgetItem(f"{name} — {n:,} label{'s' * (n != 1)}")
            item.setData(_ID, class_id)
            self.removed.addItem(item)
        if removed:
            self.removed.setCurrentRow(0)
        self._removed_group.setVisible(bool(removed))
        if self.list.currentItem() is None and self.list.count():
            self.list.setCurrentRow(0)
        self._on_current(self.list.currentItem(), None)

    def current_id(self) -> str | None:
        item = self.list.currentItem()
        return None if item is None else str(item.data(_ID))

    def selected_ids(self) -> list[str]:
        return [str(i.data(_ID)) for i in self.list.selectedItems()]

    def _on_current(
        self, item: QtWidgets.QListWidgetItem | None, _prev: QtWidgets.QListWidgetItem | None
    ) -> None:
        cls = self._doc.schema.by_id().get("" if item is None else str(item.data(_ID)))
        self.name.setText(cls.name if cls else "")
        self.hotkey.setText(cls.hotkey.upper() if cls and cls.hotkey else "")
        pixmap = QtGui.QPixmap(14, 14)
        pixmap.fill(QtGui.QColor(cls.color if cls else "#00000000"))
        self.colour.setIcon(QtGui.QIcon(pixmap))

    def _on_name_edited(self) -> None:
        cls = self._doc.schema.by_id().get(self.current_id() or "")
        text = self.name.text().strip()
        if cls is None or not text or text == cls.name:
            return
        if not self.rename(cls.id, text):
            self.name.setText(cls.name)

    def _on_hotkey_edited(self) -> None:
        cls = self._doc.schema.by_id().get(self.current_id() or "")
        text = self.hotkey.text().strip().lower() or None
        if cls is not None and text != cls.hotkey and not self.set_hotkey(cls.id, text):
            self.hotkey.setText(cls.hotkey.upper() if cls.hotkey else "")

    def _on_colour_clicked(self) -> None:
        cls = self._doc.schema.by_id().get(self.current_id() or "")
        if cls is None:
            return
        colour = QtWidgets.QColorDialog.getColor(QtGui.QColor(cls.color), self, "Class colour")
        if colour.isValid():
            self.set_colour(cls.id, colour.name())

    def _on_add(self) -> None:
        """Add the class the New class fields describe (or each class of a typed list)."""
        names = schema_svc.parse_class_list(self.new_name.text())
        key = self.new_key.text().strip().lower() or None
        if not names:
            self._on_error("Type the new class's name first")
            self.new_name.setFocus()
            return
        if len(names) > 1 and key:
            self._on_error("Several classes get the next free keys: leave Key empty, or add one")
            return
        if len(names) == 1:
            done = self.add_class(names[0], hotkey=key)
        else:
            done = self._edit(schema_svc.add_classes, names)
        if done:
            self.new_name.clear()
            self.new_key.clear()
            added = self._doc.schema.by_name().get(names[-1])
            if added is not None:
                self._select(added.id)

    def _select(self, class_id: str) -> None:
        for row in range(self.list.count()):
            item = self.list.item(row)
            if item is not None and item.data(_ID) == class_id:
                self.list.setCurrentItem(item)
                return

    def _move_selected(self, delta: int) -> None:
        class_id = self.current_id()
        if class_id is not None:
            self.move_class(class_id, delta)

    def _on_merge(self) -> None:
        target = self.current_id()
        sources = [s for s in self.selected_ids() if s != target]
        if target is None or not sources:
            self._on_error("Select the classes to merge, then make the target the current one")
            return
        self.merge(sources, target)

    def _on_delete(self) -> None:
        class_id = self.current_id()
        if class_id is not None:
            self.delete(class_id)
