"""Where the third-party sample datasets live (``tests/formats/conformance``, MIT-licensed, their
LICENSE files beside them; see its README): files nobody on this project wrote."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def conformance_root() -> Path:
    """The samples: ``LABELER_CONFORMANCE_DIR`` when set, else the copy kept with the tests."""
    env = os.environ.get("LABELER_CONFORMANCE_DIR")
    return Path(env) if env else HERE / "conformance"


def conformance(*parts: str) -> Path:
    """A folder of the samples. They are part of the checkout, so a missing one fails the test
    (a broken checkout, or a LABELER_CONFORMANCE_DIR that holds fewer) rather than skipping it."""
    path = conformance_root().joinpath(*parts)
    if not path.exists():
        pytest.fail(f"third-party samples not found at {path} (see LABELER_CONFORMANCE_DIR)")
    return path
