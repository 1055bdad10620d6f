"""The record every service call returns: what it changed, so views refresh only that."""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True, slots=True)
class Changes:
    """What one unit of work changed.

    Views look at the fields they care about (``if changes.annotations: ...``) and never call
    each other. Ids are UUID strings.
    """

    images: frozenset[str] = frozenset()  # image rows changed (status, metadata, path)
    images_added: int = 0
    annotations: frozenset[str] = frozenset()  # annotation ids created, updated or deleted
    annotation_images: frozenset[str] = frozenset()  # images whose annotations changed
    suggestion_images: frozenset[str] = frozenset()  # images whose model suggestions changed
    schema: bool = False
    project: bool = False
    data_revision: int = 0

    def __bool__(self) -> bool:
        return bool(
            self.images
            or self.images_added
            or self.annotations
            or self.annotation_images
            or self.suggestion_images
            or self.schema
            or self.project
        )

    def merged(self, other: Changes) -> Changes:
        return Changes(
            images=self.images | other.images,
            images_added=self.images_added + other.images_added,
            annotations=self.annotations | other.annotations,
            annotation_images=self.annotation_images | other.annotation_images,
            suggestion_images=self.suggestion_images | other.suggestion_images,
            schema=self.schema or other.schema,
            project=self.project or other.project,
            data_revision=max(self.data_revision, other.data_revision),
        )
