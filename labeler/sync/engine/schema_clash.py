"""Schema changes from the team that clash with this workstation's own, settled or explained.

The server's schema wins for classes it holds (its names and hotkeys are unique there); a class
made here and not yet accepted by the server is the one that gives way:

- same name as a team class: the local class is merged into the team's (its labels move there,
  each move in their history) instead of being refused forever;
- same hotkey as a team class: the local class keeps its name and loses the hotkey;
- a team class deleted on the server while labels made here still use it: nothing is changed
  (the labels stay as drawn), and the user is told which class, by whom, and how many labels, because
  the server refuses those labels until they are moved to another class.

Runs after every pull, in the transaction of the last page, so the notes describe what the user
sees when the round ends.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy import orm

from labeler.store import annotations as store_annotations
from labeler.store import models
from labeler.store import schema as store_schema
from labeler.sync.engine import apply, records


@dataclasses.dataclass(frozen=True, slots=True)
class SchemaNote:
    """One clash and what was done about it, in words for the user.

    ``what`` says what happened; ``cli_fix`` the command that settles what is left, if anything
    (the app names its own place for it instead); ``text`` is both, as the command line says it.
    """

    kind: str  # "merged", "hotkey" or "deleted_in_use"
    class_name: str
    what: str
    cli_fix: str | None = None

    @property
    def text(self) -> str:
        return f"{self.what} ({self.cli_fix})" if self.cli_fix else self.what


def reconcile(session: orm.Session, out: apply.Applied) -> list[SchemaNote]:
    """Settle local classes that clash with the team's, and explain deleted classes in use."""
    c = models.LabelClassRow
    live = list(session.execute(sa.select(c).where(c.deleted.is_(False))).scalars())
    team = [k for k in live if k.revision is not None]
    by_name = {k.name.casefold(): k for k in team}
    notes: list[SchemaNote] = []
    now = records.now()
    for mine in (k for k in live if k.revision is None):
        theirs = by_name.get(mine.name.casefold())
        if theirs is not None:
            moved = _move_labels(session, mine.id, theirs.id, now, out)
            # Never on the server under its own id: a tombstone nobody needs to hear about.
            store_schema.retire_class(session, mine, now)
            session.execute(sa.delete(models.SyncRejectionRow).where(
                models.SyncRejectionRow.record_id == mine.id
            ))  # fmt: skip
            out.schema = True
            notes.append(
                SchemaNote(
                    "merged", mine.name,
                    f"class {mine.name!r} made here is also a team class: merged into the "
                    f"team's (by {theirs.author or 'someone'}); {moved} labels moved to it",
                )
            )  # fmt: skip
            continue
        if not mine.hotkey:
            continue
        holder = next(
            (k for k in team if k.hotkey and k.hotkey.lower() == mine.hotkey.lower()), None
        )
        if holder is not None:
            notes.append(
                SchemaNote(
                    "hotkey", mine.name,
                    f"hotkey {mine.hotkey!r} belongs to the team's class {holder.name!r}: class "
                    f"{mine.name!r} made here has no hotkey now (give it another one)",
                )
            )  # fmt: skip
            # The change goes to the server under the class's author (not a user's edit).
            store_schema.change_class(session, mine, author=mine.author, at=now, hotkey=None)
            _release_labels(session, mine.id)  # refused while their class was: they go with it
            out.schema = True
    notes += _deleted_in_use(session)
    return notes


def _release_labels(session: orm.Session, class_id: str) -> None:
    """Forget the server's refusal of labels of ``class_id`` (their class was not in the
    server's schema then): they are sent again with the next push."""
    a, rej = models.AnnotationRow, models.SyncRejectionRow
    used = sa.select(a.id).where(a.class_id == class_id).scalar_subquery()
    session.execute(sa.delete(rej).where(rej.record_id.in_(used)))


def _move_labels(
    session: orm.Session, old: str, new: str, now: dt.datetime, out: apply.Applied
) -> int:
    a = models.AnnotationRow
    rows = list(session.execute(sa.select(a).where(a.class_id == old)).scalars())
    for row in rows:
        # Each label keeps its author; the move goes to the server with the label.
        store_annotations.update(session, row, author=row.author, at=now, class_id=new)
        out.annotations.add(row.id)
        out.annotation_images.add(row.image_id)
    return sum(1 for r in rows if not r.deleted)


def _deleted_in_use(session: orm.Session) -> Iterable[SchemaNote]:
    c, a = models.LabelClassRow, models.AnnotationRow
    rows = session.execute(
        sa.select(c.name, c.author, sa.func.count(a.id))
        .join(a, a.class_id == c.id)
        .where(
            c.deleted.is_(True), c.revision.is_not(None),
            a.deleted.is_(False), a.dirty.is_(True),
        )
        .group_by(c.id, c.name, c.author)
        .order_by(c.name)
    ).all()  # fmt: skip
    for name, author, count in rows:
        yield SchemaNote(
            "deleted_in_use", name,
            f"class {name!r} was deleted on the server by {author or 'someone'}, but {count} "
            "labels made here still use it: the server refuses them until they are moved to "
            "another class or an admin brings the class back",
            f"labeler classes PROJECT move {name!r} OTHER",
        )  # fmt: skip
