"""Keeps the side panels showing the current image, and selection in step between list and canvas."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6 import QtCore

from labeler.domain import annotation as ann_mod
from labeler.domain import changes as changes_mod
from ui import document as document_mod
from ui.controllers import current as current_mod
from ui.panels import annotation_panel, attributes_panel, review_panel, tags_panel


class PanelSync(QtCore.QObject):
    """Feeds the annotation list, attributes, tags and review panels from the current image."""

    def __init__(
        self,
        doc: document_mod.ProjectDocument,
        current: current_mod.CurrentImage,
        canvas: Any,
        annotations: annotation_panel.AnnotationPanel,
        attributes: attributes_panel.AttributesPanel,
        tags: tags_panel.TagsPanel,
        review: review_panel.ReviewPanel,
        parent: QtCore.QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._doc = doc
        self._current = current
        self._canvas = canvas
        self._annotations = annotations
        self._attributes = attributes
        self._tags = tags
        self._review = review
        self._selected: list[str] = []

    @QtCore.Slot(object)
    def on_schema_changed(self, schema: Any) -> None:
        self._annotations.set_schema(schema)
        self._attributes.set_schema(schema)
        self._tags.set_schema(schema)
        self._tags.set_tags(self._current.tags())

    @QtCore.Slot(list)
    def on_annotations_changed(self, annotations: Sequence[ann_mod.Annotation]) -> None:
        live = {a.id for a in annotations}
        self._selected = [i for i in self._selected if i in live]
        self._annotations.set_annotations(annotations)
        self._annotations.select(self._selected)
        self._canvas.select(self._selected)
        self._attributes.set_selection(self._current.by_ids(self._selected))
        self._tags.set_tags(self._current.tags())

    @QtCore.Slot(str)
    def on_image_changed(self, _image_id: str) -> None:
        self._selected = []
        self._refresh_review()

    @QtCore.Slot(object)
    def on_changed(self, changes: changes_mod.Changes) -> None:
        # An annotation edit can change the status too (a new image becomes "in progress"), and
        # so can a teammate's edit arriving by sync: either way the panel shows the image's now.
        if self._current.image_id in changes.images | changes.annotation_images:
            self._refresh_review()

    def _refresh_review(self) -> None:
        image = self._current.image
        if image is not None:
            self._review.show_review(image.status, self._current.review)

    # --- selection, both ways ---------------------------------------------------------------

    @QtCore.Slot(list)
    def on_canvas_selection(self, ids: Sequence[str]) -> None:
        self._selected = list(ids)
        self._annotations.select(self._selected)
        self._attributes.set_selection(self._current.by_ids(self._selected))

    @QtCore.Slot(list)
    def on_list_selection(self, ids: Sequence[str]) -> None:
        self._selected = list(ids)
        self._canvas.select(self._selected)
        self._attributes.set_selection(self._current.by_ids(self._selected))

    def selected_ids(self) -> list[str]:
        return list(self._selected)
