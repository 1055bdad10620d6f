"""Editing the label schema: classes (add, rename, recolour, hotkey, reorder, merge, delete), tasks.

Classes are rows with stable UUIDs: renaming and merging are edits, never new classes. Deleting is a
tombstone. Every change bumps the schema version (the sync service versions schema changes).
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm

from labeler.domain import geometry as geo
from labeler.domain import schema as schema_mod
from labeler.domain.changes import Changes
from labeler.services import project as project_mod
from labeler.store import annotations as store_annotations
from labeler.store import images as store_images
from labeler.store import models, types
from labeler.store import schema as store_schema

C = models.LabelClassRow
SchemaError = schema_mod.SchemaError


class _Unset(enum.Enum):
    UNSET = "unset"


UNSET = _Unset.UNSET
"""Marks "leave as it is" where None is a meaningful value (no hotkey)."""


def get_schema(project: project_mod.Project) -> schema_mod.LabelSchema:
    with project.read() as session:
        meta = session.execute(sa.select(models.ProjectMeta)).scalar_one()
        classes = session.execute(
            sa.select(C).where(C.deleted.is_(False)).order_by(C.sort_order, C.name)
        ).scalars()
        attrs = session.execute(
            sa.select(models.AttributeDefRow)
            .where(models.AttributeDefRow.deleted.is_(False))
            .order_by(models.AttributeDefRow.sort_order)
        ).scalars()
        return schema_mod.LabelSchema(
            classes=tuple(
                schema_mod.LabelClass(c.id, c.name, c.color, c.hotkey, i)
                for i, c in enumerate(classes)
            ),
            attributes=tuple(
                schema_mod.AttributeDef(
                    a.id,
                    a.name,
                    schema_mod.AttributeKind(a.kind),
                    tuple(a.choices or ()),
                    a.default,
                    a.sort_order,
                )
                for a in attrs
            ),
            tasks=schema_mod.TaskKinds.from_json(meta.label_kinds),
            version=meta.schema_version,
        )


def add_class(
    project: project_mod.Project, name: str, color: str | None = None, hotkey: str | None = None
) -> Changes:
    """Add a class at the end of the schema. Raises SchemaError on a duplicate name or hotkey clash."""
    clean = schema_mod.check_class_name(name)
    key = schema_mod.check_hotkey(hotkey)
    with project.write() as (session, revision):
        live = store_schema.live_classes(session)
        _add(session, live, clean, color, key, project.author, types.utcnow())
        store_schema.bump_version(session)
    return Changes(schema=True, data_revision=revision)


def add_classes(project: project_mod.Project, names: Sequence[str]) -> Changes:
    """Add several classes at the end of the schema in one step (each gets the next free key
    1–9 and the next colour), e.g. what a user typed as a list.

    Raises:
        SchemaError: for a name the project has already or that is listed twice (nothing is added).
    """
    clean = [schema_mod.check_class_name(n) for n in names]
    if not clean:
        raise SchemaError("type the names of the classes to add, separated by commas")
    now = types.utcnow()
    with project.write() as (session, revision):
        live = list(store_schema.live_classes(session))
        for name in clean:
            live.append(_add(session, live, name, None, None, project.author, now))
        store_schema.bump_version(session)
    return Changes(schema=True, data_revision=revision)


def parse_class_list(text: str) -> list[str]:
    """Class names as a user types a list: separated by commas, semicolons or new lines."""
    return [n.strip() for n in re.split(r"[,;\n]", text) if n.strip()]


def _add(
    session: orm.Session,
    live: Sequence[models.LabelClassRow],
    name: str,
    color: str | None,
    key: str | None,
    author: str,
    now: dt.datetime,
) -> models.LabelClassRow:
    """A new class after ``live`` (the next colour and free key 1–9 unless given)."""
    _check_unique(live, name=name, hotkey=key)
    if color is None:
        color = schema_mod.PALETTE[len(live) % len(schema_mod.PALETTE)]
    if key is None and len(live) < 9:
        used = {c.hotkey for c in live}
        key = next((str(d) for d in range(1, 10) if str(d) not in used), None)
    return store_schema.add_class(
        session, name=name, color=schema_mod.check_colour(color), hotkey=key,
        sort_order=max((c.sort_order for c in live), default=-1) + 1, author=author, at=now,
    )  # fmt: skip


def update_class(
    project: project_mod.Project,
    class_id: str,
    *,
    name: str | None = None,
    color: str | None = None,
    hotkey: str | _Unset | None = UNSET,
) -> Changes:
    """Rename, recolour or re-key a class (its id, and so its annotations, stay)."""
    with project.write() as (session, revision):
        row = _get(session, class_id)
        others = [c for c in store_schema.live_classes(session) if c.id != class_id]
        new_name: str | store_schema.Keep = store_schema.KEEP
        new_key: str | store_schema.Keep | None = store_schema.KEEP
        if name is not None:
            new_name = schema_mod.check_class_name(name)
            _check_unique(others, name=new_name)
        if not isinstance(hotkey, _Unset):
            new_key = schema_mod.check_hotkey(hotkey)
            _check_unique(others, hotkey=new_key)
        store_schema.change_class(
            session, row, author=project.author, at=types.utcnow(), name=new_name,
            color=store_schema.KEEP if color is None else schema_mod.check_colour(color),
            hotkey=new_key,
        )  # fmt: skip
        store_schema.bump_version(session)
    return Changes(schema=True, data_revision=revision)


def reorder_classes(project: project_mod.Project, class_ids: Sequence[str]) -> Changes:
    """Put the classes in this order (it decides export class ids: YOLO 0..n-1, COCO 1..n)."""
    now = types.utcnow()
    with project.write() as (session, revision):
        live = {c.id: c for c in store_schema.live_classes(session)}
        if set(class_ids) != set(live) or len(class_ids) != len(live):
            raise SchemaError("the new order must list every class exactly once")
        for order, class_id in enumerate(class_ids):
            if live[class_id].sort_order != order:
                store_schema.change_class(
                    session, live[class_id], author=project.author, at=now, sort_order=order
                )
        store_schema.bump_version(session)
    return Changes(schema=True, data_revision=revision)


def merge_classes(
    project: project_mod.Project, source_ids: Sequence[str], target_id: str
) -> Changes:
    """Move every annotation of the source classes to the target, then delete the sources."""
    sources = [s for s in source_ids if s != target_id]
    with project.write() as (session, revision):
        _get(session, target_id)
        for s in sources:
            _get(session, s)
        changes = _move_annotations(session, sources, target_id, project.author)
        for s in sources:
            store_schema.change_class(
                session, _get(session, s), author=project.author, at=types.utcnow(), deleted=True
            )
        store_schema.bump_version(session)
    return Changes(
        schema=True,
        annotations=changes[0],
        annotation_images=changes[1],
        data_revision=revision,
    )


def delete_class(
    project: project_mod.Project, class_id: str, *, reassign_to: str | None = None
) -> Changes:
    """Delete a class. Its annotations move to ``reassign_to`` if given, else they are deleted too."""
    author = project.author
    with project.write() as (session, revision):
        row = _get(session, class_id)
        if reassign_to is not None:
            _get(session, reassign_to)
            moved, images = _move_annotations(session, [class_id], reassign_to, author)
        else:
            now = types.utcnow()
            rows = _live_annotations(session, [class_id])
            for ann in rows:
                store_annotations.tombstone(session, ann, author=author, at=now)
            moved = frozenset(a.id for a in rows)
            images = frozenset(a.image_id for a in rows)
            store_images.annotations_changed(session, images, author=author, at=now)
        store_schema.change_class(session, row, author=author, at=types.utcnow(), deleted=True)
        store_schema.bump_version(session)
    return Changes(schema=True, annotations=moved, annotation_images=images, data_revision=revision)


def add_attribute(
    project: project_mod.Project,
    name: str,
    kind: schema_mod.AttributeKind,
    *,
    choices: Sequence[str] = (),
    default: Any = None,
) -> Changes:
    """Define an attribute every shape of the project can carry (beyond difficult, truncated,
    occluded and crowd). Raises SchemaError for a clash or a choice attribute without choices."""
    clean = schema_mod.check_class_name(name)
    if clean.casefold() in {c.casefold() for c in schema_mod.COMMON_ATTRIBUTES}:
        raise SchemaError(f"{clean!r} is one of the common attributes every shape has")
    options = tuple(dict.fromkeys(c.strip() for c in choices if c.strip()))
    if kind is schema_mod.AttributeKind.CHOICE and len(options) < 2:
        raise SchemaError(f"attribute {clean!r} needs at least two choices")
    if kind is not schema_mod.AttributeKind.CHOICE and options:
        raise SchemaError(f"only choice attributes take choices ({clean!r} is {kind.value})")
    if default is not None and kind is schema_mod.AttributeKind.CHOICE and default not in options:
        raise SchemaError(f"default {default!r} of {clean!r} is not one of its choices")
    with project.write() as (session, revision):
        live = store_schema.live_attributes(session)
        if any(a.name.casefold() == clean.casefold() for a in live):
            raise SchemaError(f"an attribute named {clean!r} exists already")
        store_schema.add_attribute(
            session, name=clean, kind=kind.value, choices=options, default=default,
            sort_order=max((a.sort_order for a in live), default=-1) + 1, author=project.author,
            at=types.utcnow(),
        )  # fmt: skip
        store_schema.bump_version(session)
    return Changes(schema=True, data_revision=revision)


def remove_attribute(project: project_mod.Project, name: str) -> Changes:
    """Remove an attribute definition (values already on shapes stay in their history)."""
    attr = models.AttributeDefRow
    with project.write() as (session, revision):
        row = session.execute(
            sa.select(attr).where(attr.deleted.is_(False), sa.func.lower(attr.name) == name.lower())
        ).scalar_one_or_none()
        if row is None:
            raise SchemaError(f"no attribute {name!r}")
        store_schema.change_attribute(
            session, row, author=project.author, at=types.utcnow(), deleted=True
        )
        store_schema.bump_version(session)
    return Changes(schema=True, data_revision=revision)


def class_counts(project: project_mod.Project) -> dict[str, int]:
    """Live annotations per class id (tags and shapes)."""
    a = models.AnnotationRow
    with project.read() as session:
        rows = session.execute(
            sa.select(a.class_id, sa.func.count())
            .where(a.deleted.is_(False), a.class_id.is_not(None))
            .group_by(a.class_id)
        ).all()
    return {str(class_id): int(n) for class_id, n in rows}


def removed_in_use(project: project_mod.Project) -> list[tuple[str, str, int]]:
    """(class id, name, live labels) of removed classes that labels still use: labels made
    offline on a class a teammate removed meanwhile (sync keeps them; the server refuses them
    until :func:`move_labels` gives them a live class)."""
    a = models.AnnotationRow
    with project.read() as session:
        rows = session.execute(
            sa.select(C.id, C.name, sa.func.count(a.id))
            .join(a, a.class_id == C.id)
            .where(C.deleted.is_(True), a.deleted.is_(False))
            .group_by(C.id, C.name)
            .order_by(C.name)
        ).all()
    return [(str(i), str(name), int(n)) for i, name, n in rows]


def set_tasks(project: project_mod.Project, tasks: schema_mod.TaskKinds) -> Changes:
    """Choose the kinds of labels the project uses (its tag mode and shape kinds).

    Labels of a kind turned off are kept (and still synced and exported); the app stops showing
    them and offers no tool for them until the kind is on again (see :func:`kind_counts`).

    Raises:
        SchemaError: when nothing would be left on (a project needs one kind of label).
    """
    if not tasks.enabled:
        raise SchemaError("a project needs at least one kind of label: tags or a shape kind")
    with project.write() as (session, revision):
        store_schema.set_tasks(session, tasks)
        store_schema.bump_version(session)
    return Changes(schema=True, project=True, data_revision=revision)


def kind_counts(project: project_mod.Project) -> dict[geo.ShapeKind, tuple[int, int]]:
    """Live labels of each kind that has any: (labels, images holding them)."""
    a = models.AnnotationRow
    with project.read() as session:
        rows = session.execute(
            sa.select(a.kind, sa.func.count(a.id), sa.func.count(sa.distinct(a.image_id)))
            .where(a.deleted.is_(False))
            .group_by(a.kind)
        ).all()
    return {geo.ShapeKind(kind): (int(n), int(images)) for kind, n, images in rows}


def find_class(project: project_mod.Project, name_or_id: str) -> schema_mod.LabelClass:
    """A live class by name (exact, then case-insensitive) or id. Raises SchemaError if none."""
    classes = get_schema(project).classes
    exact = [c for c in classes if name_or_id in (c.id, c.name)]
    loose = [c for c in classes if c.name.casefold() == name_or_id.casefold()]
    for found in (exact, loose):
        if len(found) == 1:
            return found[0]
    names = ", ".join(c.name for c in classes) or "(none)"
    raise SchemaError(f"no class {name_or_id!r}; classes are: {names}")


def move_labels(project: project_mod.Project, source: str, target_id: str) -> Changes:
    """Move every live label of the class named (or with the id) ``source`` to ``target_id``.

    ``source`` may be a class that no longer exists: labels made offline on a class a teammate
    deleted are moved to a live class this way (sync then sends them again).

    Raises:
        SchemaError: no class of that name or id holds live labels, or the target is not live.
    """
    a = models.AnnotationRow
    with project.write() as (session, revision):
        _get(session, target_id)
        held = sa.select(C.id).where(
            sa.or_(C.id == source, sa.func.lower(C.name) == source.casefold()),
            C.id != target_id,
            sa.exists().where(a.class_id == C.id, a.deleted.is_(False)),
        )
        sources = list(session.execute(held).scalars())
        if not sources:
            raise SchemaError(f"no class {source!r} holds labels")
        moved, images = _move_annotations(session, sources, target_id, project.author)
        # Labels the server refused for their class: they go again with the next sync.
        session.execute(
            sa.delete(models.SyncRejectionRow).where(models.SyncRejectionRow.record_id.in_(moved))
        )
    return Changes(annotations=moved, annotation_images=images, data_revision=revision)


def _move_annotations(
    session: orm.Session, sources: Sequence[str], target_id: str, author: str
) -> tuple[frozenset[str], frozenset[str]]:
    now = types.utcnow()
    rows = _live_annotations(session, sources)
    # An image tagged with both a source and the target keeps one tag of the target.
    tagged_target = set(
        session.execute(
            sa.select(models.AnnotationRow.image_id).where(
                models.AnnotationRow.class_id == target_id,
                models.AnnotationRow.kind == "tag",
                models.AnnotationRow.deleted.is_(False),
            )
        ).scalars()
    )
    for ann in rows:
        if ann.kind == "tag" and ann.image_id in tagged_target:
            store_annotations.tombstone(session, ann, author=author, at=now)
        else:
            store_annotations.update(session, ann, author=author, at=now, class_id=target_id)
            if ann.kind == "tag":
                tagged_target.add(ann.image_id)
    images = frozenset(a.image_id for a in rows)
    store_images.annotations_changed(session, images, author=author, at=now)
    return frozenset(a.id for a in rows), images


def _live_annotations(session: orm.Session, class_ids: Sequence[str]) -> list[models.AnnotationRow]:
    a = models.AnnotationRow
    return list(
        session.execute(
            sa.select(a).where(a.class_id.in_(list(class_ids)), a.deleted.is_(False))
        ).scalars()
    )


def _get(session: orm.Session, class_id: str) -> models.LabelClassRow:
    row = session.get(C, class_id)
    if row is None or row.deleted:
        raise SchemaError(f"no class {class_id}")
    return row


def _check_unique(
    others: Sequence[models.LabelClassRow], *, name: str | None = None, hotkey: str | None = None
) -> None:
    for other in others:
        if name is not None and other.name.casefold() == name.casefold():
            raise SchemaError(f"a class named {other.name!r} exists already")
        if hotkey is not None and other.hotkey == hotkey:
            raise SchemaError(f"hotkey {hotkey!r} is taken by class {other.name!r}")
