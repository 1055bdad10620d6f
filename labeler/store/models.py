"""Typed SQLAlchemy models of a project file.

Data rules (DESIGN.md): every row has a UUID; syncable rows carry ``updated_at``, the author, the server
revision (null until pushed), a dirty mark and a tombstone flag; deletes are tombstones; the history of
annotations is append-only. Integer ids exist only in exports.

Every change to these models is an Alembic revision in ``labeler/store/migrations/versions``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm

from labeler.store import types


class Base(orm.DeclarativeBase):
    pass


class SyncMixin:
    """Columns every syncable row carries."""

    created_at: orm.Mapped[dt.datetime] = orm.mapped_column(types.UtcDateTime())
    updated_at: orm.Mapped[dt.datetime] = orm.mapped_column(types.UtcDateTime())
    author: orm.Mapped[str] = orm.mapped_column(sa.String(200))
    revision: orm.Mapped[int | None] = orm.mapped_column(sa.Integer, default=None)
    dirty: orm.Mapped[bool] = orm.mapped_column(sa.Boolean, default=True)
    deleted: orm.Mapped[bool] = orm.mapped_column(sa.Boolean, default=False)


class ProjectMeta(Base):
    """The single row describing the project."""

    __tablename__ = "project"

    id: orm.Mapped[str] = orm.mapped_column(sa.String(36), primary_key=True)
    name: orm.Mapped[str] = orm.mapped_column(sa.String(200))
    created_at: orm.Mapped[dt.datetime] = orm.mapped_column(types.UtcDateTime())
    created_by_version: orm.Mapped[str] = orm.mapped_column(sa.String(40))
    # The label kinds the project uses, as ``labeler.domain.schema.TaskKinds.to_json`` writes
    # them: {"tags": "none" | "single" | "multi", "shapes": ["box", "rotated_box", ...]}.
    label_kinds: orm.Mapped[Any] = orm.mapped_column(types.Json())
    schema_version: orm.Mapped[int] = orm.mapped_column(sa.Integer, default=0)
    data_revision: orm.Mapped[int] = orm.mapped_column(sa.Integer, default=0)
    max_pixels: orm.Mapped[int] = orm.mapped_column(sa.BigInteger)
    settings: orm.Mapped[Any] = orm.mapped_column(types.Json(), default=dict)


class LabelClassRow(SyncMixin, Base):
    __tablename__ = "label_class"

    id: orm.Mapped[str] = orm.mapped_column(sa.String(36), primary_key=True)
    name: orm.Mapped[str] = orm.mapped_column(sa.String(200))
    color: orm.Mapped[str] = orm.mapped_column(sa.String(7))
    hotkey: orm.Mapped[str | None] = orm.mapped_column(sa.String(1))
    sort_order: orm.Mapped[int] = orm.mapped_column(sa.Integer)


class AttributeDefRow(SyncMixin, Base):
    __tablename__ = "attribute_def"

    id: orm.Mapped[str] = orm.mapped_column(sa.String(36), primary_key=True)
    name: orm.Mapped[str] = orm.mapped_column(sa.String(200))
    kind: orm.Mapped[str] = orm.mapped_column(sa.String(16))
    choices: orm.Mapped[Any] = orm.mapped_column(types.Json(), default=list)
    default: orm.Mapped[Any] = orm.mapped_column(types.Json(), default=None, nullable=True)
    sort_order: orm.Mapped[int] = orm.mapped_column(sa.Integer)


class ImageRootRow(Base):
    """A folder the user added; image paths are relative to it so a moved folder can be re-pointed."""

    __tablename__ = "image_root"

    id: orm.Mapped[str] = orm.mapped_column(sa.String(36), primary_key=True)
    path: orm.Mapped[str] = orm.mapped_column(sa.Text, unique=True)
    sort_order: orm.Mapped[int] = orm.mapped_column(sa.Integer)
    added_at: orm.Mapped[dt.datetime] = orm.mapped_column(types.UtcDateTime())
    last_scan_at: orm.Mapped[dt.datetime | None] = orm.mapped_column(types.UtcDateTime())


class ImageRow(SyncMixin, Base):
    __tablename__ = "image"
    __table_args__ = (
        sa.UniqueConstraint("root_id", "rel_path", name="uq_image_root_path"),
        sa.Index("ix_image_order", "root_order", "sort_key"),
        # Partial: rows not hashed yet cost nothing to insert (100,000 names must store in < 1 s).
        sa.Index(
            "ix_image_sha256",
            "sha256",
            sqlite_where=sa.text("sha256 IS NOT NULL"),
        ),  # (a project file is SQLite only: naming another dialect would load it at every start)
        # No index on status or indexed: a handful of values over the table, scanned faster than
        # an index is maintained on every insert.
    )

    id: orm.Mapped[str] = orm.mapped_column(sa.String(36), primary_key=True)
    root_id: orm.Mapped[str] = orm.mapped_column(sa.ForeignKey("image_root.id"))
    root_order: orm.Mapped[int] = orm.mapped_column(sa.Integer)
    rel_path: orm.Mapped[str] = orm.mapped_column(sa.Text)
    # Natural sort key computed once when the name is stored, so listing never sorts in Python.
    sort_key: orm.Mapped[str] = orm.mapped_column(sa.Text)
    sha256: orm.Mapped[str | None] = orm.mapped_column(sa.String(64))
    width: orm.Mapped[int | None] = orm.mapped_column(sa.Integer)
    height: orm.Mapped[int | None] = orm.mapped_column(sa.Integer)
    orientation: orm.Mapped[int] = orm.mapped_column(sa.Integer, default=1)
    format: orm.Mapped[str | None] = orm.mapped_column(sa.String(16))
    bytes: orm.Mapped[int | None] = orm.mapped_column(sa.BigInteger)
    mtime: orm.Mapped[float | None] = orm.mapped_column(sa.Float)
    problem: orm.Mapped[str | None] = orm.mapped_column(sa.String(32))
    problem_detail: orm.Mapped[str | None] = orm.mapped_column(sa.Text)
    missing: orm.Mapped[bool] = orm.mapped_column(sa.Boolean, default=False)
    indexed: orm.Mapped[bool] = orm.mapped_column(sa.Boolean, default=False)
    status: orm.Mapped[str] = orm.mapped_column(sa.String(16), default="new")
    status_by: orm.Mapped[str | None] = orm.mapped_column(sa.String(200))
    status_at: orm.Mapped[dt.datetime | None] = orm.mapped_column(types.UtcDateTime())
    annotation_count: orm.Mapped[int] = orm.mapped_column(sa.Integer, default=0)


class ReviewActionRow(SyncMixin, Base):
    """A status change or a comment on an image, with who and when."""

    __tablename__ = "review_action"
    __table_args__ = (sa.Index("ix_review_image", "image_id"),)

    id: orm.Mapped[str] = orm.mapped_column(sa.String(36), primary_key=True)
    image_id: orm.Mapped[str] = orm.mapped_column(sa.ForeignKey("image.id"))
    action: orm.Mapped[str] = orm.mapped_column(sa.String(16))  # status | comment
    from_status: orm.Mapped[str | None] = orm.mapped_column(sa.String(16))
    to_status: orm.Mapped[str | None] = orm.mapped_column(sa.String(16))
    comment: orm.Mapped[str | None] = orm.mapped_column(sa.Text)


class AnnotationRow(SyncMixin, Base):
    __tablename__ = "annotation"
    __table_args__ = (
        sa.Index("ix_annotation_image", "image_id"),
        sa.Index("ix_annotation_class", "class_id"),
    )

    id: orm.Mapped[str] = orm.mapped_column(sa.String(36), primary_key=True)
    image_id: orm.Mapped[str] = orm.mapped_column(sa.ForeignKey("image.id"))
    class_id: orm.Mapped[str | None] = orm.mapped_column(sa.ForeignKey("label_class.id"))
    kind: orm.Mapped[str] = orm.mapped_column(sa.String(16))
    geometry: orm.Mapped[Any] = orm.mapped_column(types.Json(), nullable=True)
    attributes: orm.Mapped[Any] = orm.mapped_column(types.Json(), default=dict)
    version: orm.Mapped[int] = orm.mapped_column(sa.Integer, default=1)


class AnnotationHistoryRow(Base):
    """Append-only: one row per version of an annotation; never updated, never deleted."""

    __tablename__ = "annotation_history"
    __table_args__ = (sa.Index("ix_history_annotation", "annotation_id", "version"),)

    id: orm.Mapped[str] = orm.mapped_column(sa.String(36), primary_key=True)
    annotation_id: orm.Mapped[str] = orm.mapped_column(sa.String(36))
    image_id: orm.Mapped[str] = orm.mapped_column(sa.String(36), index=True)
    version: orm.Mapped[int] = orm.mapped_column(sa.Integer)
    op: orm.Mapped[str] = orm.mapped_column(sa.String(16))
    class_id: orm.Mapped[str | None] = orm.mapped_column(sa.String(36))
    kind: orm.Mapped[str] = orm.mapped_column(sa.String(16))
    geometry: orm.Mapped[Any] = orm.mapped_column(types.Json(), nullable=True)
    attributes: orm.Mapped[Any] = orm.mapped_column(types.Json())
    deleted: orm.Mapped[bool] = orm.mapped_column(sa.Boolean)
    author: orm.Mapped[str] = orm.mapped_column(sa.String(200))
    at: orm.Mapped[dt.datetime] = orm.mapped_column(types.UtcDateTime())
    # Where a version came from when it was not drawn by hand: an accepted model suggestion's
    # model, its hash and score (added in 0005).
    source: orm.Mapped[Any] = orm.mapped_column(types.Json(), nullable=True, default=None)


class AppStateRow(Base):
    """Small per-project state of the app (the image and view the user left). Added in revision 0002."""

    __tablename__ = "app_state"

    key: orm.Mapped[str] = orm.mapped_column(sa.String(100), primary_key=True)
    value: orm.Mapped[Any] = orm.mapped_column(types.Json(), nullable=True)


class SyncLinkRow(Base):
    """The server a project syncs with (one row at most). Added in revision 0003.

    The subscription key is never stored here: it lives in the OS keyring or ``LABELER_KEY``.
    """

    __tablename__ = "sync_link"

    id: orm.Mapped[int] = orm.mapped_column(sa.Integer, primary_key=True)
    remote_url: orm.Mapped[str] = orm.mapped_column(sa.Text)
    remote_project: orm.Mapped[str] = orm.mapped_column(sa.String(64))
    cursor: orm.Mapped[str | None] = orm.mapped_column(sa.Text)
    schema_version: orm.Mapped[int] = orm.mapped_column(sa.Integer, default=0)
    linked_at: orm.Mapped[dt.datetime] = orm.mapped_column(types.UtcDateTime())
    last_sync_at: orm.Mapped[dt.datetime | None] = orm.mapped_column(types.UtcDateTime())


class SyncOutboxRow(Base):
    """A push batch, stored with its Idempotency-Key before the first send and deleted once
    its answer is applied: a retry after a lost answer re-sends exactly this batch."""

    __tablename__ = "sync_outbox"

    batch_id: orm.Mapped[str] = orm.mapped_column(sa.String(36), primary_key=True)
    idempotency_key: orm.Mapped[str] = orm.mapped_column(sa.String(100))
    records: orm.Mapped[Any] = orm.mapped_column(types.Json())
    created_at: orm.Mapped[dt.datetime] = orm.mapped_column(types.UtcDateTime())


class SyncConflictRow(Base):
    """A record changed both here and on the server; both versions are kept until resolved."""

    __tablename__ = "sync_conflict"
    __table_args__ = (sa.Index("ix_sync_conflict_record", "annotation_id"),)

    id: orm.Mapped[str] = orm.mapped_column(sa.String(36), primary_key=True)
    # The conflicting record's id: an annotation's, or another syncable row's (see ``kind``).
    annotation_id: orm.Mapped[str] = orm.mapped_column(sa.String(36))
    kind: orm.Mapped[str] = orm.mapped_column(sa.String(16))
    local: orm.Mapped[Any] = orm.mapped_column(types.Json())
    remote: orm.Mapped[Any] = orm.mapped_column(types.Json())
    remote_revision: orm.Mapped[int] = orm.mapped_column(sa.Integer)
    remote_author: orm.Mapped[str] = orm.mapped_column(sa.String(200))
    detected_at: orm.Mapped[dt.datetime] = orm.mapped_column(types.UtcDateTime())
    resolution: orm.Mapped[str | None] = orm.mapped_column(sa.String(16))
    resolved_at: orm.Mapped[dt.datetime | None] = orm.mapped_column(types.UtcDateTime())


class SyncShadowRow(Base):
    """The content of a record as last agreed with the server: a dirty row whose content still
    equals it has not really changed (so it is neither pushed nor a conflict)."""

    __tablename__ = "sync_shadow"

    record_id: orm.Mapped[str] = orm.mapped_column(sa.String(36), primary_key=True)
    kind: orm.Mapped[str] = orm.mapped_column(sa.String(16))
    revision: orm.Mapped[int] = orm.mapped_column(sa.Integer)
    content: orm.Mapped[Any] = orm.mapped_column(types.Json())


class SyncRejectionRow(Base):
    """A record the server refused, with its reason; not pushed again until it changes."""

    __tablename__ = "sync_rejection"

    record_id: orm.Mapped[str] = orm.mapped_column(sa.String(36), primary_key=True)
    kind: orm.Mapped[str] = orm.mapped_column(sa.String(16))
    reason: orm.Mapped[str] = orm.mapped_column(sa.Text)
    content: orm.Mapped[Any] = orm.mapped_column(types.Json())
    at: orm.Mapped[dt.datetime] = orm.mapped_column(types.UtcDateTime())


class SyncParkedRow(Base):
    """A pulled record about an image (or class) this workstation does not have yet; applied
    once it appears."""

    __tablename__ = "sync_parked"

    record_id: orm.Mapped[str] = orm.mapped_column(sa.String(36), primary_key=True)
    revision: orm.Mapped[int] = orm.mapped_column(sa.Integer)
    record: orm.Mapped[Any] = orm.mapped_column(types.Json())


class SuggestionRow(Base):
    """A model's prediction, kept apart from the labels until someone accepts it. Added in 0005.

    Never counted, exported or synced as a label: accepting one writes an annotation (whose history
    names the model and score) and records it here; a rejected one stays, so a re-run of the same
    model does not bring it back.
    """

    __tablename__ = "suggestion"
    __table_args__ = (
        sa.Index("ix_suggestion_image", "image_id"),
        sa.Index("ix_suggestion_state_score", "state", "score"),
    )

    id: orm.Mapped[str] = orm.mapped_column(sa.String(36), primary_key=True)
    image_id: orm.Mapped[str] = orm.mapped_column(sa.ForeignKey("image.id"))
    model_name: orm.Mapped[str] = orm.mapped_column(sa.String(200))
    model_sha256: orm.Mapped[str] = orm.mapped_column(sa.String(64))
    label: orm.Mapped[str] = orm.mapped_column(sa.String(200))  # the model's class name
    class_id: orm.Mapped[str | None] = orm.mapped_column(sa.String(36))  # the project class
    kind: orm.Mapped[str] = orm.mapped_column(sa.String(16))
    geometry: orm.Mapped[Any] = orm.mapped_column(types.Json())
    score: orm.Mapped[float] = orm.mapped_column(sa.Float)
    state: orm.Mapped[str] = orm.mapped_column(sa.String(16), default="open")
    created_at: orm.Mapped[dt.datetime] = orm.mapped_column(types.UtcDateTime())
    decided_at: orm.Mapped[dt.datetime | None] = orm.mapped_column(types.UtcDateTime())
    decided_by: orm.Mapped[str | None] = orm.mapped_column(sa.String(200))
    annotation_id: orm.Mapped[str | None] = orm.mapped_column(sa.String(36))


class SuggestionPassRow(Base):
    """An image a model has looked at (found something or not), so pre-labeling resumes where
    it stopped and a re-run skips what is done. Added in 0005."""

    __tablename__ = "suggestion_pass"

    image_id: orm.Mapped[str] = orm.mapped_column(sa.String(36), primary_key=True)
    model_sha256: orm.Mapped[str] = orm.mapped_column(sa.String(64), primary_key=True)
    model_name: orm.Mapped[str] = orm.mapped_column(sa.String(200))
    found: orm.Mapped[int] = orm.mapped_column(sa.Integer)
    at: orm.Mapped[dt.datetime] = orm.mapped_column(types.UtcDateTime())
