"""Undo commands. Each calls one service method through the document and keeps just enough state
to reverse it; none touches a widget (views redraw from the changes the document announces).

A command whose service call is refused, on redo or on undo, makes itself obsolete: the undo stack
drops it instead of keeping a step that never happened (or that cannot be taken back), and the
document has already told the user why.

A step the project file could not store (read-only, disk full, a lock held too long:
``labeler.errors.WriteRefused``) is different when it is undone or redone: nothing changed, and the
same step may work once the file can be written again. The command marks itself ``refused`` and
lets its next call pass without running, so :class:`ui.controllers.undo.UndoHistory` can put the
stack back where it was (see :func:`refused`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

from PySide6 import QtGui

from labeler import errors
from labeler.domain import annotation as ann_mod
from labeler.domain import changes as changes_mod
from labeler.domain import ids
from labeler.domain import status as status_mod
from labeler.services import annotate as annotate_svc
from labeler.services import project as project_svc
from labeler.services import review as review_svc
from labeler.services import suggestions as suggestions_svc
from ui import document as document_mod


class _Command(QtGui.QUndoCommand):
    """A step that calls one service: subclasses write ``_do`` and ``_undo`` (True when stored).

    Attributes:
        stored: the last call (redo, undo) was stored. Read this, not ``isObsolete()``: the stack
            deletes the Qt side of a command refused when pushed.
        refused: the last undo or redo was not stored by the project file (a ``WriteRefused``);
            nothing changed.
    """

    def __init__(self, doc: document_mod.ProjectDocument, text: str) -> None:
        super().__init__(text)
        self._doc = doc
        self._pushed = False
        self._pass_next = False
        self.stored = False
        self.refused = False

    def redo(self) -> None:
        if self._pass_next:  # the stack is being put back after a refused undo: nothing to do
            self._pass_next = False
            return
        first, self._pushed = not self._pushed, True
        self._after(self._do(), first=first)

    def undo(self) -> None:
        if self._pass_next:
            self._pass_next = False
            return
        self._after(self._undo(), first=False)

    def _do(self) -> bool:
        raise NotImplementedError

    def _undo(self) -> bool:
        raise NotImplementedError

    def _after(self, ok: bool, *, first: bool) -> None:
        self.stored = ok
        self.refused = False
        if ok:
            return
        if not first and isinstance(self._doc.last_error, errors.WriteRefused):
            self.refused = True
            self._pass_next = True
        else:
            self.setObsolete(True)


def _steps(command: QtGui.QUndoCommand | None) -> list[_Command]:
    """The service-calling steps of ``command``: itself, or a macro's children."""
    if command is None:
        return []
    if isinstance(command, _Command):
        return [command]
    return [s for i in range(command.childCount()) for s in _steps(command.child(i))]


def refused(command: QtGui.QUndoCommand | None) -> bool:
    """Whether ``command`` (or a step of a macro) was just refused by the project file."""
    return any(s.refused for s in _steps(command))


def stored(command: QtGui.QUndoCommand | None) -> bool:
    """Whether the last undo or redo of ``command`` (every step of a macro) was stored."""
    steps = _steps(command)
    return bool(steps) and all(s.stored for s in steps)


class AddShapes(_Command):
    """Create shapes on an image; undo deletes the same ids, redo restores them."""

    def __init__(
        self,
        doc: document_mod.ProjectDocument,
        image_id: str,
        shapes: Sequence[ann_mod.NewShape],
        text: str = "",
    ) -> None:
        super().__init__(doc, text or (f"add {len(shapes)} shapes" if len(shapes) > 1 else "add"))
        self.image_id = image_id
        # Ids are chosen here so undo, redo and the canvas selection all name the same rows.
        self._shapes = [s if s.id else dataclasses.replace(s, id=ids.new_id()) for s in shapes]
        self._created = False

    @property
    def ids(self) -> list[str]:
        return [s.id for s in self._shapes if s.id is not None]

    def _do(self) -> bool:
        if self._created:
            # The rows exist as tombstones since undo: bring back the very same rows.
            return self._doc.edit(annotate_svc.restore_annotations, self.ids)
        self._created = self._doc.edit(annotate_svc.add_annotations, self.image_id, self._shapes)
        return self._created

    def _undo(self) -> bool:
        return self._doc.edit(annotate_svc.delete_annotations, self.ids)


class DeleteShapes(_Command):
    """Delete (tombstone) annotations; undo restores exactly those rows."""

    def __init__(self, doc: document_mod.ProjectDocument, ids: Sequence[str]) -> None:
        super().__init__(doc, f"delete {len(ids)} shapes" if len(ids) > 1 else "delete")
        self.ids = list(ids)

    def _do(self) -> bool:
        return self._doc.edit(annotate_svc.delete_annotations, self.ids)

    def _undo(self) -> bool:
        return self._doc.edit(annotate_svc.restore_annotations, self.ids)


class EditShapes(_Command):
    """Apply edits to annotations; undo applies the edits that put back the old values."""

    def __init__(
        self,
        doc: document_mod.ProjectDocument,
        old: Mapping[str, ann_mod.ShapeEdit],
        new: Mapping[str, ann_mod.ShapeEdit],
        text: str = "edit",
    ) -> None:
        super().__init__(doc, text)
        self._old = dict(old)
        self._new = dict(new)

    def _do(self) -> bool:
        return self._doc.edit(annotate_svc.update_annotations, self._new)

    def _undo(self) -> bool:
        return self._doc.edit(annotate_svc.update_annotations, self._old)


class SetTags(_Command):
    """Replace an image's tags (and, given statuses, its status in the same step); undo puts the
    previous tags (and status) back."""

    def __init__(
        self,
        doc: document_mod.ProjectDocument,
        image_id: str,
        old: Sequence[str],
        new: Sequence[str],
        statuses: tuple[status_mod.ImageStatus, status_mod.ImageStatus] | None = None,
    ) -> None:
        super().__init__(doc, "tags")
        self.image_id = image_id
        self._old = list(old)
        self._new = list(new)
        changed = statuses is not None and statuses[0] is not statuses[1]
        self._statuses = statuses if changed else None

    def _do(self) -> bool:
        status = self._statuses[1] if self._statuses else None
        return self._doc.edit(annotate_svc.set_tags, self.image_id, self._new, status)

    def _undo(self) -> bool:
        status = self._statuses[0] if self._statuses else None
        return self._doc.edit(annotate_svc.set_tags, self.image_id, self._old, status)


class SetStatus(_Command):
    """Change an image's status (done, skipped, review...); undo restores the previous status."""

    def __init__(
        self,
        doc: document_mod.ProjectDocument,
        image_id: str,
        old: status_mod.ImageStatus,
        new: status_mod.ImageStatus,
        comment: str | None = None,
    ) -> None:
        super().__init__(doc, f"mark {new.value.replace('_', ' ')}")
        self.image_id = image_id
        self._old = old
        self._new = new
        self._comment = comment

    def _do(self) -> bool:
        return self._doc.edit(review_svc.set_status, [self.image_id], self._new, self._comment)

    def _undo(self) -> bool:
        # Going back to "rejected" needs a comment by the service's rule; say it was an undo.
        note = "restored by undo" if self._old is status_mod.ImageStatus.REJECTED else None
        return self._doc.edit(review_svc.set_status, [self.image_id], self._old, note)


def change_class(
    doc: document_mod.ProjectDocument,
    stack: QtGui.QUndoStack,
    annotations: Sequence[ann_mod.Annotation],
    class_id: str,
) -> None:
    """Give every annotation in ``annotations`` the class ``class_id``: one undo step.

    One command with every edit (one service call, one transaction), not a macro of one command
    per shape: a macro's children cannot drop out of the stack when the store refuses them, so a
    refused undo or redo of a macro would leave the stack saying a step happened that did not.
    """
    todo = [a for a in annotations if a.class_id != class_id]
    if not todo:
        return
    stack.push(
        EditShapes(
            doc,
            {
                a.id: ann_mod.ShapeEdit(class_id=a.class_id, no_class=a.class_id is None)
                for a in todo
            },
            {a.id: ann_mod.ShapeEdit(class_id=class_id) for a in todo},
            f"change class of {len(todo)}" if len(todo) > 1 else "change class",
        )
    )


class SettleSuggestions(_Command):
    """Accept or reject a model's suggestions; undo opens them again (the label an accepted one
    made goes), redo settles them again (bringing back that very label)."""

    def __init__(
        self,
        doc: document_mod.ProjectDocument,
        suggestion_ids: Sequence[str],
        *,
        accept: bool,
    ) -> None:
        n = len(suggestion_ids)
        verb = "accept" if accept else "reject"
        super().__init__(doc, f"{verb} {n} suggestions" if n > 1 else f"{verb} suggestion")
        self.ids = list(suggestion_ids)
        self.accept = accept

    def _do(self) -> bool:
        return self._doc.edit(_settle, self.ids, self.accept)

    def _undo(self) -> bool:
        return self._doc.edit(_reopen, self.ids)


def _settle(project: project_svc.Project, ids: list[str], accept: bool) -> changes_mod.Changes:
    fn = suggestions_svc.accept if accept else suggestions_svc.reject
    return fn(project, ids).changes


def _reopen(project: project_svc.Project, ids: list[str]) -> changes_mod.Changes:
    return suggestions_svc.reopen(project, ids).changes
