"""An in-memory stand-in for the image service's ``get_images``, counting what is fetched."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from labeler.domain import image as image_mod
from labeler.domain import status


class FakeImages:
    """``count`` images named img_00000.jpg ...; ``fetch`` answers like ``images.get_images``."""

    def __init__(self, count: int, root: str = "/nowhere") -> None:
        self.images = {
            f"id{i}": image_mod.Image(
                id=f"id{i}",
                root_id="root",
                rel_path=f"sub/img_{i:05d}.jpg",
                root_path=root,
                status=status.ImageStatus.NEW,
            )
            for i in range(count)
        }
        self.fetched: list[str] = []

    @property
    def ids(self) -> list[str]:
        return list(self.images)

    def fetch(self, ids: Sequence[str]) -> list[image_mod.Image]:
        self.fetched.extend(ids)
        return [self.images[i] for i in ids if i in self.images]

    def change(self, image_id: str, **fields: object) -> None:
        self.images[image_id] = dataclasses.replace(self.images[image_id], **fields)  # type: ignore[arg-type]
