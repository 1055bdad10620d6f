"""Turning the canvas's requests and the labeling keys into undoable edits."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from PySide6 import QtCore

from labeler.domain import annotation as ann_mod
from labeler.domain import geometry as geo
from labeler.domain import schema as schema_mod
from labeler.domain import status as status_mod
from labeler.services import schema as schema_svc
from ui import commands
from ui import document as document_mod
from ui import settings as settings_mod
from ui.controllers import current as current_mod
from ui.controllers import undo as undo_mod

S = status_mod.ImageStatus

#: Statuses a single-label tag turns into "done": the tag is the answer for the image. Images
#: flagged for review, done or approved keep their status.
_ANSWERED = frozenset({S.NEW, S.IN_PROGRESS, S.SKIPPED, S.REJECTED})


class Labeling(QtCore.QObject):
    """Edits of the current image: shapes, classes, tags, attributes, copy and paste.

    Attributes:
        current_class: the class new shapes get (None until one is chosen).
        ask_classes: asks for class names when a shape is drawn in a project without classes
            (None: it is not asked, and the shape is not stored).

    Signals:
        currentClassChanged(object): the drawing class changed (class id or None).
        advanceRequested(): a single-label tag was set and the user wants to move on.
        message(str): something to tell the user in the status bar.
    """

    currentClassChanged = QtCore.Signal(object)
    advanceRequested = QtCore.Signal()
    message = QtCore.Signal(str)

    def __init__(
        self,
        doc: document_mod.ProjectDocument,
        current: current_mod.CurrentImage,
        undo: undo_mod.UndoHistory,
        canvas: Any,
        parent: QtCore.QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._doc = doc
        self._current = current
        self._undo = undo
        self._canvas = canvas
        self.current_class: str | None = None
        self.ask_classes: Callable[[], str | None] | None = None
        self._clipboard: list[ann_mod.Annotation] = []

    @QtCore.Slot(object)
    def on_schema_changed(self, schema: schema_mod.LabelSchema) -> None:
        """Keep a drawing class that exists: the first class when none is chosen or it was deleted."""
        ids = [c.id for c in schema.classes]
        keep = self.current_class if self.current_class in ids else None
        self.set_current_class(keep or (ids[0] if ids else None))

    # --- undo --------------------------------------------------------------------------------

    def undo(self) -> None:
        # A nudge burst still running is the latest step: store it first so undo takes it back.
        self._current.finish_edits()
        self._undo.undo()

    def redo(self) -> None:
        self._current.finish_edits()
        self._undo.redo()

    # --- canvas requests --------------------------------------------------------------------

    @QtCore.Slot(object)
    def on_shape_drawn(self, shape: ann_mod.NewShape) -> None:
        image_id = self._current.image_id
        if image_id is None:
            return
        if shape.class_id is None and self.current_class is None and not self._ask_first_class():
            self.message.emit(
                "Not stored: a shape needs a class. Add classes in the Classes panel (type their "
                "names), then draw."
            )
            return
        if shape.class_id is None and self.current_class is not None:
            shape = dataclasses.replace(shape, class_id=self.current_class)
        command = commands.AddShapes(self._doc, image_id, [shape])
        self._undo.push(image_id, command)
        # The new shape is selected, so a class key right after drawing gives it its class.
        self._canvas.select(command.ids)

    @QtCore.Slot(object)
    def on_shapes_edited(self, edits: Mapping[str, ann_mod.ShapeEdit]) -> None:
        image_id = self._current.image_id
        if image_id is None or not edits:
            return
        before = {a.id: a for a in self._current.annotations}
        old = {i: _reverse(before[i], e) for i, e in edits.items() if i in before}
        if old:
            new = {i: edits[i] for i in old}
            self._undo.push(image_id, commands.EditShapes(self._doc, old, new))

    @QtCore.Slot(list)
    def on_delete_requested(self, ids: Sequence[str]) -> None:
        image_id = self._current.image_id
        live = [a.id for a in self._current.by_ids(list(ids))]
        if image_id is not None and live:
            self._undo.push(image_id, commands.DeleteShapes(self._doc, live))

    def delete_selected(self) -> None:
        self.on_delete_requested(self._canvas.selected_ids())

    # --- classes ----------------------------------------------------------------------------

    def add_classes(self, text: str) -> bool:
        """Add the classes named in ``text`` (a list typed with commas works); the first becomes
        the drawing class when there was none."""
        names = schema_svc.parse_class_list(text)
        if not names:
            self.message.emit("Type the names of the classes to add, separated by commas")
            return False
        if not self._doc.edit(schema_svc.add_classes, names):
            return False
        keys = [c.hotkey.upper() for c in self._doc.schema.classes if c.name in names and c.hotkey]
        how = (
            "press a class's key to tag the image"
            if self._doc.tag_only()
            else "choose a class with its key, then draw"
        )
        with_keys = f" (keys {', '.join(keys)})" if keys else ""
        self.message.emit(f"Added {len(names)} class{'es' * (len(names) != 1)}{with_keys}: {how}")
        return True

    def _ask_first_class(self) -> bool:
        """A shape was drawn in a project without classes: ask what it is (and add it)."""
        if self._doc.schema.classes or self.ask_classes is None:
            return False
        text = self.ask_classes()
        return bool(text) and self.add_classes(text or "") and self.current_class is not None

    def set_current_class(self, class_id: str | None) -> None:
        self.current_class = class_id
        self._canvas.set_current_class(class_id)
        self.currentClassChanged.emit(class_id)

    def choose_class(self, class_id: str) -> None:
        """What a class hotkey or the class picker does, by project kind.

        Tag-only projects: single-label answers the image with the class (tag set, image done,
        and on to the next one if the user wants that); multi-label toggles the tag. Projects with
        shapes: the class becomes the drawing class, and selected shapes take it (one undo step).
        """
        if self._doc.tag_only():
            if self._doc.tasks.tags is schema_mod.TagMode.SINGLE:
                if self.answer_tag(class_id) and settings_mod.advance_after_tag():
                    self.advanceRequested.emit()
            else:
                self.toggle_tag(class_id)
            self.set_current_class(class_id)
            return
        self.set_current_class(class_id)
        selected = self._current.by_ids(self._canvas.selected_ids())
        self.change_class(selected, class_id)

    def change_class(self, annotations: Sequence[ann_mod.Annotation], class_id: str) -> None:
        image_id = self._current.image_id
        if image_id is not None and annotations:
            stack = self._undo.stack_for(image_id)
            commands.change_class(self._doc, stack, annotations, class_id)

    def change_class_of(self, ids: Sequence[str], class_id: str) -> None:
        self.change_class(self._current.by_ids(list(ids)), class_id)

    # --- tags -------------------------------------------------------------------------------

    def tag_key(self, class_id: str) -> None:
        """Shift and a class key, in projects with shapes and tags: set (single-label) or switch
        (multi-label) that image tag; the drawing class stays."""
        if self._doc.tasks.tags is schema_mod.TagMode.SINGLE:
            self.set_tags([class_id])
        elif self._doc.tasks.tags is schema_mod.TagMode.MULTI:
            self.toggle_tag(class_id)

    def set_tags(self, class_ids: Sequence[str]) -> None:
        single = self._doc.tasks.tags is schema_mod.TagMode.SINGLE
        if self._doc.tag_only() and single and len(class_ids) == 1:
            self.answer_tag(class_ids[0])
            return
        image_id = self._current.image_id
        if image_id is None:
            return
        old = self._current.tags()
        if sorted(old) != sorted(class_ids):
            self._undo.push(image_id, commands.SetTags(self._doc, image_id, old, list(class_ids)))

    def answer_tag(self, class_id: str) -> bool:
        """Single-label tag projects: the class is the image's answer. Its tag is set and the
        image is done, in one undo step (also when the tag was there already, from an import or
        a teammate: pressing its key confirms it). False when nothing could be stored."""
        image = self._current.image
        if image is None:
            return False
        old = self._current.tags()
        status = S.DONE if image.status in _ANSWERED else image.status
        if old == [class_id] and status is image.status:
            return True
        command = commands.SetTags(self._doc, image.id, old, [class_id], (image.status, status))
        self._undo.push(image.id, command)
        return command.stored

    def toggle_tag(self, class_id: str) -> None:
        tags = self._current.tags()
        self.set_tags([t for t in tags if t != class_id] if class_id in tags else [*tags, class_id])

    # --- attributes -------------------------------------------------------------------------

    def set_attributes(self, ids: Sequence[str], values: Mapping[str, Any]) -> None:
        """Set attribute values on shapes (other attributes stay): one undo step."""
        image_id = self._current.image_id
        targets = self._current.by_ids(list(ids))
        if image_id is None or not targets:
            return
        old = {a.id: ann_mod.ShapeEdit(attributes=dict(a.attributes)) for a in targets}
        new = {a.id: ann_mod.ShapeEdit(attributes={**a.attributes, **values}) for a in targets}
        if any(old[i].attributes != new[i].attributes for i in old):
            self._undo.push(image_id, commands.EditShapes(self._doc, old, new, "attributes"))

    def toggle_attribute(self, name: str) -> None:
        """Flip a yes/no attribute on the selected shapes (all on unless all are on already)."""
        targets = self._current.by_ids(self._canvas.selected_ids())
        if not targets:
            self.message.emit("Select a shape first")
            return
        value = not all(bool(a.attributes.get(name)) for a in targets)
        self.set_attributes([a.id for a in targets], {name: value})

    # --- copy and paste ---------------------------------------------------------------------

    def copy(self) -> None:
        self._current.finish_edits()
        self._clipboard = self._current.by_ids(self._canvas.selected_ids())
        n = len(self._clipboard)
        self.message.emit(f"Copied {n} shape{'s' if n != 1 else ''}" if n else "Nothing selected")

    def paste(self) -> None:
        image = self._current.image
        if image is None or not self._clipboard:
            return
        shapes = [_fit(a, image.width, image.height) for a in self._clipboard]
        made = [s for s in shapes if s is not None]
        if not made:
            return
        command = commands.AddShapes(self._doc, image.id, made, f"paste {len(made)}")
        self._undo.push(image.id, command)
        self._canvas.select(command.ids)


def _reverse(before: ann_mod.Annotation, edit: ann_mod.ShapeEdit) -> ann_mod.ShapeEdit:
    """The edit that puts back what ``edit`` changes."""
    return ann_mod.ShapeEdit(
        class_id=before.class_id if edit.class_id is not None else None,
        geometry=before.geometry if edit.geometry is not None else None,
        attributes=dict(before.attributes) if edit.attributes is not None else None,
    )


def _fit(a: ann_mod.Annotation, width: int | None, height: int | None) -> ann_mod.NewShape | None:
    """A copy of ``a`` for another image: new id, boxes cut to that image's frame."""
    geometry = a.geometry
    if isinstance(geometry, geo.Box) and width and height:
        geometry = geometry.clipped(width, height)
        if geometry.area <= 0:
            return None
    return ann_mod.NewShape(a.class_id, a.kind, geometry, dict(a.attributes))
