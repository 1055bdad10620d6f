"""What the image browser's filter combo and search box ask for, as a plain value.

The browser emits a :class:`BrowserFilter`; the main window turns it into the image service's
filter with :func:`to_image_filter` and gives the browser the ids that match.
"""

from __future__ import annotations

import dataclasses

from labeler.domain import status as status_mod
from labeler.services import images

S = status_mod.ImageStatus

#: The filter combo's entries, in order: (key, label shown).
CHOICES: tuple[tuple[str, str], ...] = (
    ("all", "All images"),
    ("unlabeled", "Unlabeled"),
    ("labeled", "Labeled"),
    ("skipped", "Skipped"),
    ("needs_review", "Needs review"),
    ("approved", "Approved"),
    ("rejected", "Rejected"),
    ("problems", "Problems"),
    ("to_check", "Suggestions"),  # to check, least certain first (see to_check_ids)
)

KEYS: frozenset[str] = frozenset(key for key, _ in CHOICES)


@dataclasses.dataclass(frozen=True, slots=True)
class BrowserFilter:
    """The browser's filter: one of :data:`CHOICES` by key, and the search text (may be empty)."""

    kind: str = "all"
    text: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KEYS:
            raise ValueError(f"unknown image filter {self.kind!r}; expected one of {sorted(KEYS)}")

    @property
    def is_everything(self) -> bool:
        return self.kind == "all" and not self.text.strip()


#: Filters whose images come in their own order rather than the folders' natural order.
ORDERED: frozenset[str] = frozenset({"to_check"})


def to_image_filter(flt: BrowserFilter) -> images.ImageFilter:
    """The image service's filter for ``flt``."""
    text = flt.text.strip() or None
    statuses: dict[str, frozenset[status_mod.ImageStatus]] = {
        "unlabeled": frozenset({S.NEW, S.IN_PROGRESS}),
        "skipped": frozenset({S.SKIPPED}),
        "needs_review": frozenset({S.NEEDS_REVIEW}),
        "approved": frozenset({S.APPROVED}),
        "rejected": frozenset({S.REJECTED}),
    }
    if flt.kind == "unlabeled":
        # Files that cannot be labeled never will be: the Problems filter lists them.
        return images.ImageFilter(statuses=statuses["unlabeled"], problems=False, text=text)
    if flt.kind in statuses:
        return images.ImageFilter(statuses=statuses[flt.kind], text=text)
    if flt.kind == "labeled":
        return images.ImageFilter(labeled=True, text=text)
    if flt.kind == "problems":
        return images.ImageFilter(problems=True, text=text)
    return images.ImageFilter(text=text)
