"""Format names and the modules that implement them, loaded only when a format is used.

Every format module exposes ``WRITER`` and ``READER`` (either may be None when labeler does not
support that direction). Asking for a direction a format lacks raises :class:`FormatUnavailable`
naming the format, so an unsupported import is never silently ignored.
"""

from __future__ import annotations

import importlib
import types

from labeler import errors
from labeler.formats import base

#: Format name → module inside ``labeler.formats``.
_MODULES: dict[str, str] = {
    "coco": "coco",
    "yolo": "yolo",
    "voc": "voc",
    "azureml": "azureml",
    "csv": "csvtags",
    "labelme": "labelme",
    "createml": "createml",
    "dota": "dota",
}

#: The format names users type, in the order the command line lists them.
FORMAT_NAMES: tuple[str, ...] = tuple(_MODULES)


class FormatUnavailable(errors.UserError, ValueError):
    """The format is unknown, or labeler does not read (or write) it."""


def module(name: str) -> types.ModuleType:
    """The module implementing format ``name``.

    Raises:
        FormatUnavailable: for a name that is not one of :data:`FORMAT_NAMES`.
    """
    key = name.strip().lower()
    if key not in _MODULES:
        raise FormatUnavailable(
            f"unknown format {name!r}; expected one of: {', '.join(FORMAT_NAMES)}"
        )
    return importlib.import_module(f"labeler.formats.{_MODULES[key]}")


def writer(name: str) -> base.Writer:
    """The writer of format ``name``.

    Raises:
        FormatUnavailable: when the format is unknown or labeler cannot write it.
    """
    found: base.Writer | None = getattr(module(name), "WRITER", None)
    if found is None:
        raise FormatUnavailable(f"labeler cannot export to the {name} format")
    return found


def reader(name: str) -> base.Reader:
    """The reader of format ``name``.

    Raises:
        FormatUnavailable: when the format is unknown or labeler cannot read it (for example
            CreateML input), naming the format.
    """
    found: base.Reader | None = getattr(module(name), "READER", None)
    if found is None:
        raise FormatUnavailable(f"labeler cannot import datasets in the {name} format")
    return found
