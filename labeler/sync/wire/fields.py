"""The value types of the sync protocol, each with its check, and the protocol's size limits.

Every text field (names, comments, attribute keys and values, authors, image paths) is
checked here; numbers are finite and bounded. ``protocol`` builds its models from these.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Annotated, Any

import pydantic
from pydantic import Field

from labeler.sync.wire import shapes

#: Largest revision, count or size the protocol carries (fits a signed 64-bit column).
MAX_INT = 2**62

#: Records one push may carry, and records one feed page may hold.
MAX_PUSH_RECORDS = 1000
MAX_PAGE = 1000
DEFAULT_PAGE = 500

#: Largest record: its data as the server stores and serves it (JSON, non-ASCII text escaped).
MAX_RECORD_BYTES = 512 * 1024
#: A feed page stops before its records' data passes this many bytes (it always holds one).
MAX_PAGE_BYTES = 4 * 1024 * 1024
#: A client splits its pushes so that no batch's body passes this many bytes (the service's
#: body limit is larger; see ``labeler.server.config``).
MAX_PUSH_BYTES = 8 * 1024 * 1024
#: Attributes one annotation may carry.
MAX_ATTRIBUTES = 100
#: Longest text field of a record (comments, text attributes).
MAX_TEXT = 10_000
#: Largest whole number an attribute value may be (what a JSON reader in any language keeps exact).
MAX_SAFE_INT = 2**53
MAX_POLYGON_POINTS = shapes.MAX_POLYGON_POINTS


def text_problem(value: str) -> str | None:
    """Why ``value`` cannot travel as text, or None when it can.

    PostgreSQL refuses NUL in text, and UTF-8 (so every strict JSON reader) cannot carry a lone
    surrogate: a record holding either would stop every client reading the feed.
    """
    if "\x00" in value:
        return "text may not contain NUL characters"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "text is not valid Unicode (lone surrogate)"
    return None


def _clean_text(value: str) -> str:
    problem = text_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value


def printable(value: str, limit: int = 500) -> str:
    """``value`` as text any answer can carry: lone surrogates and NUL written as escapes, and
    cut to ``limit`` characters (for reasons and messages that quote what a caller sent)."""
    if len(value) > limit:
        value = value[:limit] + "…"
    return value.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\x00")


def _timestamp_text(value: Any) -> Any:
    # Lax validation would read a number as seconds since 1970; the protocol sends ISO 8601.
    if isinstance(value, (int, float)):  # the tuple form: faster per call than int | float
        raise ValueError("a timestamp is an ISO 8601 string")
    return value


_DRIVE = re.compile(r"^[A-Za-z]:")


def path_problem(rel_path: str) -> str | None:
    """Why an image path could lead a client's download outside its folder, or None.

    Absolute paths (``/etc``, ``C:\\x``, ``\\\\server\\share``) and ``..`` are refused by the
    server; clients check again (and rename what their own file system cannot hold).
    """
    if rel_path.startswith(("/", "\\")) or _DRIVE.match(rel_path):
        return (
            f"image path {printable(rel_path, 200)!r} is absolute; give it relative to the folder"
        )
    if ".." in re.split(r"[/\\]", rel_path):
        return f"image path {printable(rel_path, 200)!r} leaves its folder (..)"
    return None


def _relative_path(value: str) -> str:
    problem = path_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value


def attribute_value(value: Any) -> Any:
    """``value`` when it may be an attribute's value (true, false, a number, text or null).

    One function rather than a union of strict types: the error names what is allowed, and a
    whole number past 2**53 is refused instead of silently becoming a rounded float.

    Raises:
        ValueError: naming what is wrong.
    """
    if value is None or value is True or value is False:
        return value
    if isinstance(value, int):
        if -MAX_SAFE_INT <= value <= MAX_SAFE_INT:
            return value
        raise ValueError(f"a whole number attribute lies within ±{MAX_SAFE_INT}")
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        raise ValueError("a number attribute must be finite")
    if isinstance(value, str):
        if len(value) > MAX_TEXT:
            raise ValueError(f"a text attribute holds at most {MAX_TEXT} characters")
        return _clean_text(value)
    raise ValueError("an attribute value is true, false, a number, text or null")


Timestamp = Annotated[dt.datetime, pydantic.BeforeValidator(_timestamp_text)]
Text = Annotated[str, Field(max_length=MAX_TEXT), pydantic.AfterValidator(_clean_text)]
Name = Annotated[str, Field(min_length=1, max_length=200), pydantic.AfterValidator(_clean_text)]
#: Who made a change, as the server stamps it (a subscription's or a token's name).
Author = Annotated[str, Field(min_length=1, max_length=400), pydantic.AfterValidator(_clean_text)]
ImagePath = Annotated[
    str,
    Field(min_length=1, max_length=4000),
    pydantic.AfterValidator(_clean_text),
    pydantic.AfterValidator(_relative_path),
]
AttributeValue = Annotated[
    Any,
    pydantic.PlainValidator(attribute_value),
    pydantic.WithJsonSchema(
        {
            "anyOf": [
                {"type": "boolean"},
                {"type": "integer", "minimum": -MAX_SAFE_INT, "maximum": MAX_SAFE_INT},
                {"type": "number"},
                {"type": "string", "maxLength": MAX_TEXT},
                {"type": "null"},
            ]
        }
    ),
]
Attributes = Annotated[dict[Name, AttributeValue], Field(max_length=MAX_ATTRIBUTES)]
ProjectName = Annotated[
    str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", examples=["street-signs"])
]
Sha256 = Annotated[
    str,
    Field(
        pattern=r"^[0-9a-f]{64}$",
        examples=["9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"],
    ),
]
# Strict: a JSON body must say 5 and true, not "5" or 1 (the OpenAPI document says so).
Flag = Annotated[bool, pydantic.Strict()]
Revision = Annotated[int, pydantic.Strict(), Field(ge=0, le=MAX_INT)]
Count = Annotated[int, pydantic.Strict(), Field(ge=0, le=MAX_INT)]
Colour = Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$", examples=["#e6194b"])]
Hotkey = Annotated[str, Field(pattern=r"^[0-9A-Za-z]$")]


def first_error(exc: pydantic.ValidationError) -> str:
    """The first thing ``exc`` found, as "where: what" (printable, never the value itself)."""
    errors = exc.errors(include_input=False, include_url=False)
    if not errors:
        return "does not fit"
    first = errors[0]
    where = ".".join(str(p) for p in first["loc"]) or "(the whole value)"
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return printable(f"{where}: {first['msg']}{more}", 300)
