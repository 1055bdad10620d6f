"""Natural ordering of file names (``img2`` before ``img10``), computed once per name."""

from __future__ import annotations

import re

_DIGITS = re.compile(r"\d+")


def _pad(match: re.Match[str]) -> str:
    digits = match.group().lstrip("0") or "0"
    # Width-prefixed so a run longer than the padding still orders correctly.
    return f"{len(digits):02d}{digits}" if len(digits) > 20 else digits.rjust(20, "0")


def natural_key(rel_path: str) -> str:
    """A text key whose plain (binary) order is the natural order of ``rel_path``.

    Stored beside each image so the database orders 100,000 names without Python sorting them.
    Digit runs are zero-padded to a fixed width; text is case-folded; ``/`` sorts before any other
    character so a folder's files stay together.
    """
    return _DIGITS.sub(_pad, rel_path.casefold().replace("/", "\x01"))
