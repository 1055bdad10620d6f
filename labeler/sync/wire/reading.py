"""Reading the service's sync answers record by record, so one bad record never stops sync.

A feed page or a push answer is first read whole, as the strict models say (the fast path, and
all a client meets from a service that validates what it stores). When that fails, the answer is
read again with Python's own JSON reader, which keeps text a strict reader refuses (a lone
surrogate), and each record is checked on its own against the same models the server validates
with: the ones that fit go on, the others are set aside as :class:`protocol.Unreadable` with
their id and the reason. Only an answer whose frame (cursor, results) cannot be read is refused.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pydantic

from labeler.sync.wire import fields, protocol


class NotAnAnswer(ValueError):
    """The body is not JSON of the expected frame at all (the message says what it lacks)."""


def _loads(content: bytes) -> Any:
    try:
        # Not the strict reader: a lone surrogate in one record must not hide the others.
        return json.loads(content.decode("utf-8", "surrogatepass"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise NotAnAnswer(f"not JSON ({type(exc).__name__})") from None


def _text(value: Any) -> str | None:
    return fields.printable(value, 100) if isinstance(value, str) else None


def _unreadable(raw: Any, reason: str) -> protocol.Unreadable:
    found = raw if isinstance(raw, dict) else {}
    rid = found.get("id")
    try:
        rid = str(uuid.UUID(rid)) if isinstance(rid, str) else None
    except ValueError:
        rid = None
    revision = found.get("revision")
    return protocol.Unreadable(
        id=rid,
        revision=revision if type(revision) is int else None,
        kind=_text(found.get("kind")),
        reason=reason,
    )


def _readable(record: protocol.ChangeRecord) -> str | None:
    """Why a record whose frame was read has data no client can read, or None."""
    try:
        protocol.parse_data(record.kind, record.data)
    except pydantic.ValidationError as exc:
        return f"{record.kind.value} data: {fields.first_error(exc)}"
    return None


def change_page(content: bytes) -> protocol.ChangePage:
    """A feed page, its unreadable records in ``page.unreadable`` instead of ``page.records``.

    Raises:
        NotAnAnswer: the body is no feed page (not JSON, or no cursor and list of records).
    """
    try:
        whole = protocol.ChangePage.model_validate_json(content)
    except pydantic.ValidationError:
        return _page_by_record(content)
    good: list[protocol.ChangeRecord] = []
    aside: list[protocol.Unreadable] = []
    for record in whole.records:
        reason = _readable(record)
        if reason is None:
            good.append(record)
        else:
            aside.append(
                protocol.Unreadable(str(record.id), record.revision, record.kind.value, reason)
            )
    if not aside:
        return whole
    return _page(good, whole.next_cursor, whole.has_more, aside)


def _page_by_record(content: bytes) -> protocol.ChangePage:
    raw = _loads(content)
    if not isinstance(raw, dict) or not isinstance(raw.get("records"), list):
        raise NotAnAnswer("no list of records")
    cursor, more = raw.get("next_cursor"), raw.get("has_more")
    if not isinstance(cursor, str) or not isinstance(more, bool):
        raise NotAnAnswer("no next_cursor and has_more")
    good: list[protocol.ChangeRecord] = []
    aside: list[protocol.Unreadable] = []
    for item in raw["records"]:
        try:
            record = protocol.ChangeRecord.model_validate(item)
        except pydantic.ValidationError as exc:
            aside.append(_unreadable(item, fields.first_error(exc)))
            continue
        reason = _readable(record)
        if reason is None:
            good.append(record)
        else:
            aside.append(_unreadable(item, reason))
    return _page(good, fields.printable(cursor, 2000), more, aside)


def _page(
    records: list[protocol.ChangeRecord],
    cursor: str,
    more: bool,
    aside: list[protocol.Unreadable],
) -> protocol.ChangePage:
    page = protocol.ChangePage.model_construct(records=records, next_cursor=cursor, has_more=more)
    page.unreadable.extend(aside)
    return page


def push_response(content: bytes) -> protocol.PushResponse:
    """A push answer. A result whose server copy (a conflict's) cannot be read becomes a
    refusal naming why, so the record waits for the user instead of being sent for ever.

    Raises:
        NotAnAnswer: the body is no push answer (not JSON, or no results and head).
    """
    try:
        return protocol.PushResponse.model_validate_json(content)
    except pydantic.ValidationError:
        pass
    raw = _loads(content)
    if not isinstance(raw, dict) or not isinstance(raw.get("results"), list):
        raise NotAnAnswer("no list of results")
    results: list[protocol.PushResult] = []
    for item in raw["results"]:
        try:
            found = protocol.PushResult.model_validate(item)
            # An older server's reason may quote a lone surrogate it was sent: kept printable.
            reason = fields.printable(found.reason, 2000) if found.reason else found.reason
            results.append(found.model_copy(update={"reason": reason}))
            continue
        except pydantic.ValidationError as exc:
            why = fields.first_error(exc)
        if not isinstance(item, dict):
            raise NotAnAnswer("a result is not an object")
        try:
            bare = protocol.PushResult.model_validate({**item, "server": None})
        except pydantic.ValidationError:
            raise NotAnAnswer(f"a result does not fit ({why})") from None
        results.append(
            protocol.PushResult(
                id=bare.id,
                outcome=protocol.PushOutcome.REJECTED,
                reason=(
                    f"the server's copy of this record cannot be read ({why}); it stays "
                    "here unsent until whoever runs the service repairs it (labeler maintain)"
                ),
            )
        )
    try:
        return protocol.PushResponse.model_validate({"results": results, "head": raw.get("head")})
    except pydantic.ValidationError as exc:
        raise NotAnAnswer(f"no head ({fields.first_error(exc)})") from None
