"""Natural ordering of file names (``img2`` before ``img10``), computed once per name."""

from __future__ import annotations

import re

_DIGITS = re.compile(r"(\d+)")


def natural_key(rel_path: str) -> str:
    """A text key whose plain (binary) order is the natural order of ``rel_path``.

    Stored beside each image so the database orders 100,000 names without Python sorting them.
    Digit runs are zero-padded to a fixed width; text is case-folded; ``/`` sorts before any other
    character so a folder's files stay together.
    """
    parts = _DIGITS.split(rel_path.casefold().replace("/", "\x01"))
    out = []
    for i, part in enumerate(parts):
        if i % 2:  # a digit run
            digits = part.lstrip("0") or "0"
            # Width-prefixed so a run longer than the padding still orders correctly.
            out.append(f"{len(digits):02d}{digits}" if len(digits) > 20 else digits.rjust(20, "0"))
        else:
            out.append(part)
    return "".join(out)
