"""Subscriptions and their keys: create, list, revoke, regenerate, and look a key up.

A subscription belongs to one person (or, for automation, a team), carries a role and a project
scope, and has a primary and a secondary key so a key can be rotated without downtime: hand out
the secondary, regenerate the primary, and so on, one at a time.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import json
import secrets
import uuid
from collections.abc import Iterable
from typing import Literal

import sqlalchemy as sa

from labeler import errors
from labeler.server import principal
from labeler.server.gateway import tables
from labeler.sync.wire import fields

Which = Literal["primary", "secondary"]


class SubscriptionError(errors.UserError, ValueError):
    """A subscription that cannot be made or changed as asked (the message says why)."""


class UnknownSubscription(errors.UserError, LookupError):
    """No subscription has that id."""

    def __str__(self) -> str:
        return f"no subscription with id {self.args[0]}" if self.args else "no such subscription"


class DuplicateSubscription(SubscriptionError):
    """The name already has an active subscription (one per person or team)."""


@dataclasses.dataclass(frozen=True, slots=True)
class Subscription:
    """A subscription as stored (never with its keys)."""

    id: str
    name: str
    role: principal.Role
    projects: frozenset[str] | None
    team: bool
    created_at: datetime.datetime
    revoked_at: datetime.datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def as_principal(self) -> principal.Principal:
        return principal.Principal(
            name=self.name, role=self.role, projects=self.projects, key_id=self.id
        )

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "name": self.name,
            "role": self.role.value,
            "projects": None if self.projects is None else sorted(self.projects),
            "team": self.team,
            "created_at": self.created_at.isoformat(),
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
        }


@dataclasses.dataclass(frozen=True, slots=True)
class NewKeys:
    """Keys just made: shown to the caller once and never again."""

    subscription: Subscription
    primary: str
    secondary: str


def new_key() -> str:
    """A fresh key: 128 random bits as 32 hex digits, the shape of an APIM subscription key."""
    return secrets.token_hex(16)


def hash_key(key: str) -> str:
    """The stored form of a key.

    A plain SHA-256 is enough here, and deliberately so: slow password hashes (bcrypt, argon2)
    exist to stop guessing of low-entropy human passwords, but these keys are 128 random bits,
    which no amount of guessing reaches. A fast, deterministic digest also lets every request find
    its subscription through an index instead of trying each row.
    """
    return hashlib.sha256(key.strip().encode("utf-8")).hexdigest()


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def _row_to_subscription(row: sa.Row[tuple[object, ...]]) -> Subscription:
    m = row._mapping
    raw = m["projects"]
    projects = None if raw is None else frozenset(json.loads(str(raw)))
    created = m["created_at"]
    revoked = m["revoked_at"]
    assert isinstance(created, datetime.datetime)
    return Subscription(
        id=str(m["id"]),
        name=str(m["name"]),
        role=principal.Role(str(m["role"])),
        projects=projects,
        team=bool(m["team"]),
        created_at=_aware(created),
        revoked_at=_aware(revoked) if isinstance(revoked, datetime.datetime) else None,
    )


def _aware(value: datetime.datetime) -> datetime.datetime:
    # SQLite gives naive datetimes back; they were written in UTC.
    return value if value.tzinfo else value.replace(tzinfo=datetime.UTC)


_COLUMNS = [
    c
    for c in tables.subscriptions.c
    if c.name not in ("primary_hash", "secondary_hash")  # keys never leave this module
]


def create(
    engine: sa.Engine,
    name: str,
    role: principal.Role,
    projects: Iterable[str] | None = None,
    team: bool = False,
) -> NewKeys:
    """A new subscription with two fresh keys.

    Args:
        name: the person (or team) stamped as author on what the key writes.
        role: what the key may do.
        projects: project names the key may use; None for every project.
        team: a team key, for automation rather than a person.
    """
    name = name.strip()
    if not name:
        raise SubscriptionError("a subscription needs a name")
    problem = fields.text_problem(name)
    if problem is not None or len(name) > 200:
        # The name is stamped as author on every change: it must travel as text.
        raise SubscriptionError(
            f"a subscription's name must be text of at most 200 characters ({problem or 'too long'})"
        )
    scope = None if projects is None else sorted({p.strip() for p in projects if p.strip()})
    primary, secondary = new_key(), new_key()
    sub_id = uuid.uuid4().hex
    t = tables.subscriptions
    with engine.begin() as conn:
        # One active subscription per name: the name is stamped as author on what the key
        # writes, so two keys for one name could not be told apart or revoked separately.
        existing = conn.execute(
            sa.select(t.c.id).where(t.c.name == name, t.c.revoked_at.is_(None))
        ).first()
        if existing is not None:
            raise DuplicateSubscription(
                f"{name} already has an active subscription ({existing[0]}): "
                "regenerate its keys or revoke it first"
            )
        conn.execute(
            tables.subscriptions.insert().values(
                id=sub_id,
                name=name,
                role=role.value,
                projects=None if scope is None else json.dumps(scope),
                team=team,
                primary_hash=hash_key(primary),
                secondary_hash=hash_key(secondary),
                created_at=_now(),
                revoked_at=None,
            )
        )
    return NewKeys(subscription=get(engine, sub_id), primary=primary, secondary=secondary)


def get(engine: sa.Engine, sub_id: str) -> Subscription:
    with engine.connect() as conn:
        row = conn.execute(sa.select(*_COLUMNS).where(tables.subscriptions.c.id == sub_id)).first()
    if row is None:
        raise UnknownSubscription(sub_id)
    return _row_to_subscription(row)


def list_all(engine: sa.Engine) -> list[Subscription]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(*_COLUMNS).order_by(
                tables.subscriptions.c.created_at, tables.subscriptions.c.name
            )
        ).all()
    return [_row_to_subscription(r) for r in rows]


def revoke(engine: sa.Engine, sub_id: str) -> Subscription:
    """Revoke a subscription: both its keys stop working at once (kept for the record)."""
    t = tables.subscriptions
    with engine.begin() as conn:
        conn.execute(
            t.update().where(t.c.id == sub_id, t.c.revoked_at.is_(None)).values(revoked_at=_now())
        )
    return get(engine, sub_id)  # raises for an unknown id


def regenerate(engine: sa.Engine, sub_id: str, which: Which) -> str:
    """Replace one of the two keys; the old one stops working, the other keeps working."""
    column = {"primary": "primary_hash", "secondary": "secondary_hash"}[which]
    if not get(engine, sub_id).active:  # raises for an unknown id
        raise SubscriptionError(f"subscription {sub_id} is revoked: create a new one instead")
    key = new_key()
    t = tables.subscriptions
    with engine.begin() as conn:
        result = conn.execute(t.update().where(t.c.id == sub_id).values({column: hash_key(key)}))
    if result.rowcount == 0:
        raise UnknownSubscription(sub_id)
    return key


def lookup(connection: sa.Connection, key: str) -> Subscription | None:
    """The subscription one of whose keys is ``key`` (revoked ones included), else None."""
    digest = hash_key(key)
    t = tables.subscriptions
    row = connection.execute(
        sa.select(*_COLUMNS).where(sa.or_(t.c.primary_hash == digest, t.c.secondary_hash == digest))
    ).first()
    return None if row is None else _row_to_subscription(row)
