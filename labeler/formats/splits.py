"""Train/val/test splits decided by the image's content hash.

The split of an image depends only on its hash, the seed and the ratios, so adding images to a
project never moves an existing image to another split (stability wins over per-class balance).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from labeler import errors

SPLIT_NAMES: tuple[str, ...] = ("train", "val", "test")


class SplitError(errors.UserError, ValueError):
    """Split ratios a user gave that cannot be used."""


def parse_ratios(text: str) -> tuple[float, ...]:
    """Parse ``0.8,0.1,0.1`` (or ``80,10,10``) into ratios that add up to 1.

    Raises:
        ValueError: naming the problem, for negative, missing or all-zero ratios.
    """
    try:
        values = tuple(float(v) for v in text.split(","))
    except ValueError:
        raise SplitError(f"split {text!r}: expected numbers like 0.8,0.1,0.1") from None
    if not 1 <= len(values) <= len(SPLIT_NAMES):
        raise SplitError(f"split {text!r}: give 1 to {len(SPLIT_NAMES)} ratios (train,val,test)")
    if any(v < 0 for v in values) or sum(values) <= 0:
        raise SplitError(f"split {text!r}: ratios must be non-negative and not all zero")
    total = sum(values)
    return tuple(v / total for v in values)


def split_of(key: str, ratios: Sequence[float], seed: int = 0) -> str:
    """The split (train/val/test) of the image whose hash (or, unhashed, id) is ``key``."""
    digest = hashlib.sha256(f"{seed}:{key}".encode()).digest()
    # 64 bits of the digest give a uniform position in [0, 1).
    position = int.from_bytes(digest[:8], "big") / 2**64
    edge = 0.0
    for name, ratio in zip(SPLIT_NAMES, ratios, strict=False):
        edge += ratio
        if position < edge:
            return name
    # Rounding can leave position just above the last edge: it belongs to the last split used.
    return SPLIT_NAMES[len(ratios) - 1]
