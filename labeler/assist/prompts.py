"""Click-to-segment: what the user gives (clicks, a box) and what a segmenter answers."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Protocol

from labeler.domain import geometry as geo

if TYPE_CHECKING:
    # Types only: the app builds prompts on every click, with or without a model loaded.
    import numpy as np
    import numpy.typing as npt

    from labeler.assist import frames


@dataclasses.dataclass(frozen=True, slots=True)
class Click:
    """A click in the image's displayed frame: on the object (positive) or off it (negative)."""

    x: float
    y: float
    positive: bool = True


@dataclasses.dataclass(frozen=True, slots=True)
class Prompt:
    """Everything the user has said about one object so far."""

    clicks: tuple[Click, ...] = ()
    box: geo.Box | None = None

    def __bool__(self) -> bool:
        return bool(self.clicks) or self.box is not None

    def with_click(self, click: Click) -> Prompt:
        return dataclasses.replace(self, clicks=(*self.clicks, click))

    def without_last(self) -> Prompt:
        """The prompt before its last step (the last click, else the box)."""
        if self.clicks:
            return dataclasses.replace(self, clicks=self.clicks[:-1])
        return Prompt()


@dataclasses.dataclass(frozen=True, slots=True)
class Segment:
    """A segmenter's answer: the object's outline (None: nothing found) and its confidence."""

    polygon: geo.Polygon | None
    score: float


@dataclasses.dataclass(frozen=True, slots=True)
class Embedding:
    """What a segmenter computed once per image, to answer each click quickly.

    ``arrays`` are plain numpy arrays so the embedding can be kept on disk between sessions.
    """

    arrays: dict[str, npt.NDArray[np.generic]]
    width: float
    height: float


class Segmenter(Protocol):
    """Click-to-segment: a slow step per image, a fast one per click."""

    def embed(self, frame: frames.Frame) -> Embedding: ...

    def segment(self, embedding: Embedding, prompt: Prompt) -> Segment: ...
