"""Images as the project knows them."""

from __future__ import annotations

import dataclasses
import enum

from labeler.domain import status as status_mod

#: File name extensions indexed when a folder is added (lower case, with the dot).
IMAGE_EXTENSIONS: frozenset[str] = frozenset(
    {".jpg", ".jpeg", ".jpe", ".png", ".bmp", ".tif", ".tiff", ".webp"}
)


#: A project records images with more pixels than this as problems and never decodes them
#: (decompression bombs), unless it was made with another limit.
DEFAULT_MAX_PIXELS = 200_000_000


class Problem(enum.StrEnum):
    """Why an image cannot be labeled. The text shown to users lives in ``Image.problem_detail``."""

    EMPTY = "empty"
    UNREADABLE = "unreadable"
    NOT_AN_IMAGE = "not_an_image"
    CORRUPT = "corrupt"
    TRUNCATED = "truncated"
    TOO_LARGE = "too_large"
    UNSUPPORTED = "unsupported"


@dataclasses.dataclass(frozen=True, slots=True)
class Image:
    """One image file of the project.

    ``width``/``height`` are in the displayed frame: EXIF orientations 5–8 swap them.
    ``sha256`` and the header fields are ``None`` until the file has been indexed.
    """

    id: str
    root_id: str
    rel_path: str
    status: status_mod.ImageStatus
    sha256: str | None = None
    width: int | None = None
    height: int | None = None
    orientation: int = 1
    format: str | None = None
    bytes: int | None = None
    mtime: float | None = None
    problem: Problem | None = None
    problem_detail: str | None = None
    missing: bool = False
    indexed: bool = False
    annotation_count: int = 0
    root_path: str = ""

    @property
    def name(self) -> str:
        return self.rel_path.rsplit("/", 1)[-1]

    @property
    def abs_path(self) -> str:
        """Absolute path of the file (``root_path`` + ``rel_path``)."""
        return f"{self.root_path.rstrip('/')}/{self.rel_path}" if self.root_path else self.rel_path

    @property
    def frame_known(self) -> bool:
        """Whether the size and EXIF orientation are recorded (the indexer read the header, or
        there is none to read: the file is missing or cannot be labeled)."""
        return self.width is not None or self.indexed or self.missing or self.problem is not None

    @property
    def known_orientation(self) -> int | None:
        """The recorded EXIF orientation, or None before the header was read: a decoder then
        reads it from the file (``orientation`` is only a placeholder 1 until then)."""
        return self.orientation if self.width is not None else None

    @property
    def usable(self) -> bool:
        """True when the image can be shown and labeled."""
        return self.problem is None and not self.missing
