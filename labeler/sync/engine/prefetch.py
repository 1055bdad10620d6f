"""Loading the local rows a whole batch or page of records touches, in a few queries.

Pushing or pulling thousands of records looked each one up on its own (a row, its shadow, its
image, its open conflict): one query per lookup. :func:`records` loads them all by id list, in
chunks, into the session, and remembers which ids are *not* here, so the per-record code below
(:func:`get`, ``records.images_with_sha``, ``records.open_conflict``) answers from memory.

What is remembered lives in ``session.info`` and so dies with the unit of work. A row the
session adds later is forgotten as absent the moment it is added (``transient_to_pending``), so
a lookup never misses a row this transaction made.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import orm

from labeler.store import models
from labeler.sync.wire import protocol

Kind = protocol.RecordKind
T = TypeVar("T")
CHUNK = 500
_INFO_KEY = "labeler.sync.engine.prefetch"

MODELS: dict[Kind, Any] = {
    Kind.ANNOTATION: models.AnnotationRow,
    Kind.REVIEW_ACTION: models.ReviewActionRow,
    Kind.LABEL_CLASS: models.LabelClassRow,
    Kind.ATTRIBUTE_DEF: models.AttributeDefRow,
}


@dataclasses.dataclass
class _Known:
    absent: dict[type, set[str]] = dataclasses.field(default_factory=dict)
    by_sha: dict[str, list[models.ImageRow]] = dataclasses.field(default_factory=dict)
    no_open_conflict: set[str] = dataclasses.field(default_factory=set)
    # The identity map holds rows weakly: these references keep the loaded rows in it.
    rows: list[Any] = dataclasses.field(default_factory=list)


def _known(session: orm.Session) -> _Known | None:
    found = session.info.get(_INFO_KEY)
    return found if isinstance(found, _Known) else None


def _ensure(session: orm.Session) -> _Known:
    known = _known(session)
    if known is None:
        known = _Known()
        session.info[_INFO_KEY] = known
        sa.event.listen(session, "transient_to_pending", _added)
    return known


def _added(session: orm.Session, instance: Any) -> None:
    known = _known(session)
    if known is None:
        return
    if isinstance(instance, models.SyncConflictRow):
        known.no_open_conflict.discard(instance.annotation_id)
        return
    if isinstance(instance, models.ImageRow):
        known.by_sha.clear()  # a new image may carry a hash already looked up
    absent = known.absent.get(type(instance))
    if absent:
        absent.discard(str(getattr(instance, _key_attribute(type(instance)))))


_KEY_ATTRIBUTES: dict[type, str] = {}


def _key_attribute(model: type) -> str:
    """The name of the attribute that holds a model's (single-column) primary key."""
    found = _KEY_ATTRIBUTES.get(model)
    if found is None:
        mapper: orm.Mapper[Any] = sa.inspect(model)
        found = mapper.get_property_by_column(mapper.primary_key[0]).key
        _KEY_ATTRIBUTES[model] = found
    return found


def _chunks(keys: Iterable[str]) -> Iterator[list[str]]:
    ordered = sorted(set(keys))
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start : start + CHUNK]


def load(session: orm.Session, model: Any, keys: Iterable[str]) -> None:
    """Load the rows of ``model`` with these primary keys; remember the ones not here."""
    known = _ensure(session)
    column = sa.inspect(model).primary_key[0]
    wanted = set(keys)
    found: set[str] = set()
    for chunk in _chunks(wanted):
        rows = session.execute(sa.select(model).where(column.in_(chunk))).scalars().all()
        known.rows.extend(rows)
        attribute = _key_attribute(model)
        found.update(str(getattr(r, attribute)) for r in rows)
    known.absent.setdefault(model, set()).update(wanted - found)


def load_images(session: orm.Session, shas: Iterable[str]) -> None:
    """Load the images with these hashes, in the order ``records.images_with_sha`` gives."""
    known = _ensure(session)
    i = models.ImageRow
    wanted = {s for s in shas if s}
    grouped: dict[str, list[models.ImageRow]] = {s: [] for s in wanted}
    for chunk in _chunks(wanted):
        rows = session.execute(
            sa.select(i).where(i.sha256.in_(chunk)).order_by(i.root_order, i.sort_key)
        ).scalars()
        for image in rows:
            grouped[str(image.sha256)].append(image)
    known.by_sha.update(grouped)


def load_open_conflicts(session: orm.Session, keys: Iterable[str]) -> None:
    """Remember which of these records have no open conflict."""
    known = _ensure(session)
    c = models.SyncConflictRow
    wanted = set(keys)
    having: set[str] = set()
    for chunk in _chunks(wanted):
        having.update(
            session.execute(
                sa.select(c.annotation_id).where(c.annotation_id.in_(chunk), c.resolution.is_(None))
            ).scalars()
        )
    known.no_open_conflict.update(wanted - having)


def values(
    session: orm.Session,
    model: Any,
    keys: Iterable[str],
    attribute: str,
    *,
    column: Any = None,
    open_only: bool = False,
) -> dict[str, Any]:
    """One attribute of the rows with these keys (by primary key, or ``column``), by key,
    in chunked queries; ``open_only`` keeps unresolved conflicts only."""
    column = column if column is not None else sa.inspect(model).primary_key[0]
    out: dict[str, Any] = {}
    for chunk in _chunks(keys):
        query = sa.select(column, getattr(model, attribute)).where(column.in_(chunk))
        if open_only:
            query = query.where(model.resolution.is_(None))
        out.update((str(k), v) for k, v in session.execute(query).all())
    return out


def records(session: orm.Session, batch: Sequence[protocol.Record | protocol.ChangeRecord]) -> None:
    """Load everything the records of one batch or page touch locally: their rows, shadows,
    refusals, open conflicts, images (by hash) and classes."""
    ids: dict[Kind, set[str]] = {}
    shas: set[str] = set()
    classes: set[str] = set()
    for rec in batch:
        ids.setdefault(rec.kind, set()).add(str(rec.id))
        data = rec.data if isinstance(rec.data, dict) else {}
        sha = data.get("image_sha256")
        if sha:
            shas.add(str(sha))
        class_id = data.get("class_id")
        if class_id:
            classes.add(str(class_id))
    everything = {key for keys in ids.values() for key in keys}
    for kind, model in MODELS.items():
        if kind in ids:
            load(session, model, ids[kind])
    if classes:
        load(session, models.LabelClassRow, classes)
    load(session, models.SyncShadowRow, everything)
    load(session, models.SyncRejectionRow, everything)
    load_open_conflicts(session, everything)
    load_images(session, shas)


def added(session: orm.Session, model: Any, keys: Iterable[str]) -> None:
    """Rows of ``model`` with these keys were inserted without the ORM (bulk statements of the
    store): no longer absent."""
    known = _known(session)
    absent = known.absent.get(model) if known is not None else None
    if absent:
        absent.difference_update(keys)


def get(session: orm.Session, model: type[T], key: str) -> T | None:
    """``session.get``, without a query for a row known not to be here."""
    known = _known(session)
    if known is not None and key in known.absent.get(model, ()):
        return None
    return session.get(model, key)


def images(session: orm.Session, sha256: str) -> list[models.ImageRow] | None:
    """The images with this hash when they were loaded, else None (not looked up)."""
    known = _known(session)
    if known is None:
        return None
    found = known.by_sha.get(sha256)
    return list(found) if found is not None else None


def no_open_conflict(session: orm.Session, key: str) -> bool:
    """True when the record is known to have no open conflict (False: not known)."""
    known = _known(session)
    return known is not None and key in known.no_open_conflict
