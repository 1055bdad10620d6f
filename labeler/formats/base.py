"""The small interface every format module implements.

Writers take :class:`Sample` objects (an image and its labels, coordinates in the displayed frame)
and write a dataset; readers turn a dataset on disk into samples. Neither knows about the project
store, so the app, the command line and the sync service share them.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from labeler import errors
from labeler.domain import geometry as geo
from labeler.domain import status as status_mod


class FormatError(errors.UserError, ValueError):
    """A dataset file that cannot be read. The message names the file and the place in it."""

    def __init__(self, path: str | Path, where: str, message: str) -> None:
        self.path = str(path)
        self.where = where
        self.reason = message
        super().__init__(f"{path}: {where}: {message}" if where else f"{path}: {message}")


class OptionError(errors.UserError, ValueError):
    """An export or import option a format cannot take (an unknown task, say)."""


class ImageMode(enum.StrEnum):
    """What an export does with the image files."""

    COPY = "copy"  # written upright, EXIF orientation applied
    LINK = "link"  # hard link (falls back to copy across file systems, and says so)
    SYMLINK = "symlink"
    NONE = "none"  # not written; annotation files reference the original paths


@dataclasses.dataclass(frozen=True, slots=True)
class DatasetImage:
    """An image as formats see it.

    Attributes:
        key: stable identity within the export (the project's image UUID, or the file's path
            for readers).
        rel_path: posix path relative to the dataset (or the image root) as the format names it.
        source: absolute path of the file to copy or link; None when bytes are not at hand.
        width, height: size in the displayed (EXIF-corrected) frame.
        orientation: the file's EXIF orientation (1 = upright).
    """

    key: str
    rel_path: str
    width: int
    height: int
    source: str | None = None
    sha256: str | None = None
    orientation: int = 1
    status: status_mod.ImageStatus = status_mod.ImageStatus.DONE


@dataclasses.dataclass(frozen=True, slots=True)
class Label:
    """One label of an image: a tag or a shape of a named class, with attributes."""

    class_name: str
    kind: geo.ShapeKind
    geometry: geo.Geometry = None
    attributes: Mapping[str, Any] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True, slots=True)
class Sample:
    """An image with all its labels; ``split`` is set by the exporter (train/val/test)."""

    image: DatasetImage
    labels: tuple[Label, ...] = ()
    split: str = "train"


@dataclasses.dataclass(slots=True)
class Report:
    """Everything that could not be expressed exactly, counted and listed, never silent.

    Writers also record here, for the manifest: where each image went (``image_files``: the
    image's key → its path in the export), how the files count coordinates when that is a
    choice (``conventions``), and what the user must do before the dataset can be used
    (``next_steps``, e.g. the upload command of an Azure ML export).
    """

    entries: list[tuple[str, str, str]] = dataclasses.field(default_factory=list)
    image_files: dict[str, str] = dataclasses.field(default_factory=dict)
    conventions: dict[str, Any] = dataclasses.field(default_factory=dict)
    next_steps: list[str] = dataclasses.field(default_factory=list)

    def add(self, code: str, where: str, message: str) -> None:
        """Record one inexact conversion (``code`` groups them for counting)."""
        self.entries.append((code, where, message))

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for code, _, _ in self.entries:
            out[code] = out.get(code, 0) + 1
        return out

    def __bool__(self) -> bool:
        return bool(self.entries)


ProgressFn = Callable[[int, int], None]
"""Called with (done, total) as work advances; may raise to cancel."""


@dataclasses.dataclass(frozen=True, slots=True)
class WriteOptions:
    """Options a writer needs beyond the samples."""

    classes: Sequence[str]  # exported classes in order: index i is class id i (YOLO) / i+1 (COCO)
    images: ImageMode = ImageMode.COPY
    task: str | None = None  # detect | segment | obb | classify, for formats that need one
    extra: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    #: The format's own options (``registry.Format.export_options``), checked, defaults filled.
    format_options: Mapping[str, str] = dataclasses.field(default_factory=dict)


class Writer(Protocol):
    """A dataset writer. Returns the paths of the files it wrote (relative to ``out``)."""

    name: str

    def write(
        self,
        samples: Iterable[Sample],
        out: Path,
        options: WriteOptions,
        report: Report,
        progress: ProgressFn | None = None,
    ) -> list[str]: ...


@dataclasses.dataclass(frozen=True, slots=True)
class ReadResult:
    """What a reader found: classes in the dataset's own order, and the samples."""

    classes: tuple[str, ...]
    samples: tuple[Sample, ...]

    @classmethod
    def unlisted(cls, classes: Iterable[str], samples: Iterable[Sample]) -> ReadResult:
        """For a format that keeps no class list (labelme, Azure ML JSONL, CSV): the classes sorted
        by name, so every import of the same data gives the same class ids (first-seen order
        would shift them from one import to the next)."""
        return cls(tuple(sorted(set(classes))), tuple(samples))


class Reader(Protocol):
    """A dataset reader: all of the dataset is read and checked before anything is applied."""

    name: str

    def read(self, path: Path, report: Report) -> ReadResult: ...
