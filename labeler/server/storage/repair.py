"""Repairing records an older server stored unchecked, so that every client reads the feed again.

Before the wire model was strict, a record could hold text no client reads (a lone surrogate, a
NUL), a geometry of strings or booleans, nested attribute values, a polygon of a million points.
Every client refused the page holding it. ``labeler maintain`` (and the service's own maintenance
rounds) checks each project's feed once, from where the last check stopped, and:

- rewrites each unreadable version in place with its repaired form, so a workstation reading the
  feed from before it (a first sync, a full resync) reads the repair, and the history keeps every
  version;
- when a record's current version was unreadable, appends the repaired form as a new version by
  ``labeler maintain``, so a workstation that had set it aside receives it.

A repair keeps what can be kept: text loses only the characters it cannot carry (each becomes
U+FFFD), numbers written as text become numbers, extra geometry keys go, a polygon past the
point limit keeps evenly spaced vertices, attribute values that are not true/false, a number,
text or null become their JSON text. A geometry beyond saving becomes a tombstone (deleted) with
an empty placeholder shape, so the label disappears instead of stopping sync.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Callable
from typing import Any

import pydantic
import sqlalchemy as sa

from labeler.domain import geometry as geo
from labeler.server.storage import db, tables
from labeler.server.storage import rows as rows_mod
from labeler.sync.wire import fields, protocol

Kind = protocol.RecordKind
AUTHOR = "labeler maintain"
_CHUNK = 1000


@dataclasses.dataclass
class Repaired:
    """What checking one project's feed did."""

    checked: int = 0  # feed rows checked
    history: int = 0  # unreadable versions rewritten in place
    current: int = 0  # records given a new, repaired version
    beyond: list[str] = dataclasses.field(default_factory=list)  # "id: why" left as they were


def problem(kind: str, data: Any, author: str) -> str | None:
    """Why a stored version is unreadable by clients, or None when it is readable."""
    found = fields.text_problem(author)
    if found is not None:
        return f"author: {found}"
    try:
        parsed = protocol.parse_data(Kind(kind), data)
    except (ValueError, pydantic.ValidationError) as exc:
        why = fields.first_error(exc) if isinstance(exc, pydantic.ValidationError) else str(exc)
        return f"{kind} data: {why}"
    if len(rows_mod.dumps(parsed.model_dump(mode="json"))) > protocol.MAX_RECORD_BYTES:
        return f"larger than {protocol.MAX_RECORD_BYTES} bytes"
    return None


def _text(value: str) -> str:
    return "".join("\ufffd" if c == "\x00" or 0xD800 <= ord(c) <= 0xDFFF else c for c in value)


def _clean(value: Any) -> Any:
    """``value`` with every string (keys too) able to travel as text."""
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, dict):
        return {_text(str(k)): _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value) if abs(value) < 1e308 else math.inf
    elif isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def _box(g: Any) -> dict[str, float] | None:
    if not isinstance(g, dict):
        return None
    found = {k: _number(g.get(k)) for k in ("x", "y", "w", "h")}
    if any(v is None for v in found.values()):
        return None
    out = {k: float(v or 0.0) for k, v in found.items()}
    out["w"], out["h"] = abs(out["w"]), abs(out["h"])
    return out


def _rotated_box(g: Any) -> dict[str, float] | None:
    if not isinstance(g, dict):
        return None
    found = {k: _number(g.get(k)) for k in ("cx", "cy", "w", "h", "angle")}
    if any(v is None for v in found.values()):
        return None
    out = {k: float(v or 0.0) for k, v in found.items()}
    out["w"], out["h"] = abs(out["w"]), abs(out["h"])
    return geo.RotatedBox.from_json(out).to_json()  # the angle kept within (-180, 180]


def _polygon(g: Any) -> dict[str, list[list[float]]] | None:
    points = g.get("points") if isinstance(g, dict) else None
    if not isinstance(points, list):
        return None
    kept: list[list[float]] = []
    for p in points:
        if not isinstance(p, list | tuple) or len(p) < 2:
            continue
        x, y = _number(p[0]), _number(p[1])
        if x is not None and y is not None:
            kept.append([x, y])
    if len(kept) > protocol.MAX_POLYGON_POINTS:
        step = len(kept) / protocol.MAX_POLYGON_POINTS
        kept = [kept[int(i * step)] for i in range(protocol.MAX_POLYGON_POINTS)]
    return {"points": kept} if len(kept) >= 3 else None


_GEOMETRIES: dict[str, Callable[[Any], Any]] = {
    geo.ShapeKind.BOX.value: _box,
    geo.ShapeKind.POLYGON.value: _polygon,
    geo.ShapeKind.ROTATED_BOX.value: _rotated_box,
    geo.ShapeKind.TAG.value: lambda _g: None,
}
_PLACEHOLDERS: dict[str, Any] = {
    geo.ShapeKind.BOX.value: {"x": 0.0, "y": 0.0, "w": 0.0, "h": 0.0},
    geo.ShapeKind.POLYGON.value: {"points": [[0.0, 0.0], [0.0, 0.0], [0.0, 0.0]]},
    geo.ShapeKind.ROTATED_BOX.value: {"cx": 0.0, "cy": 0.0, "w": 0.0, "h": 0.0, "angle": 0.0},
    geo.ShapeKind.TAG.value: None,
}


def _attribute(value: Any) -> Any:
    try:
        fields.attribute_value(value)
    except ValueError:
        return json.dumps(value, ensure_ascii=False, default=str)[: protocol.MAX_TEXT]
    return value


def _annotation(data: dict[str, Any], deleted: bool) -> tuple[dict[str, Any], bool]:
    out = dict(data)
    raw = out.get("attributes")
    attributes = raw if isinstance(raw, dict) else {}
    out["attributes"] = {
        k[:200]: _attribute(v) for k, v in list(attributes.items())[: protocol.MAX_ATTRIBUTES] if k
    }
    kind = out.get("kind")
    if not isinstance(kind, str) or kind not in _GEOMETRIES:
        return out, deleted  # a kind this server does not know: left for a newer labeler
    geometry = _GEOMETRIES[kind](out.get("geometry"))
    if geometry is None and kind != geo.ShapeKind.TAG.value:
        out["geometry"], deleted = _PLACEHOLDERS[kind], True  # beyond saving: a tombstone
    else:
        out["geometry"] = geometry
    return out, deleted


def _cut(data: dict[str, Any]) -> dict[str, Any]:
    """Text fields of schema and review records cut to the protocol's lengths."""
    out = dict(data)
    for key, limit in (("name", 200), ("comment", protocol.MAX_TEXT)):
        if isinstance(out.get(key), str):
            out[key] = out[key][:limit]
    if isinstance(out.get("choices"), list):
        out["choices"] = [c[:200] for c in out["choices"] if isinstance(c, str) and c][:200]
    return out


def repaired(kind: str, data: Any, deleted: bool) -> tuple[dict[str, Any], bool] | None:
    """The readable form of a stored version (canonical data, tombstone flag), or None."""
    if not isinstance(data, dict):
        return None
    clean = _clean(data)
    if kind == Kind.ANNOTATION.value:
        clean, deleted = _annotation(clean, deleted)
        if len(rows_mod.dumps(clean)) > protocol.MAX_RECORD_BYTES:
            clean["attributes"] = {}
    else:
        clean = _cut(clean)
    try:
        parsed = protocol.parse_data(Kind(kind), clean)
    except (ValueError, pydantic.ValidationError):
        return None
    canonical = parsed.model_dump(mode="json")
    if len(rows_mod.dumps(canonical)) > protocol.MAX_RECORD_BYTES:
        return None
    return canonical, deleted


def _rewrite_history(engine: sa.Engine, project: str, after: int, head: int, out: Repaired) -> None:
    """Rewrite unreadable feed versions in ``(after, head]`` in place, a chunk at a time."""
    c = tables.changes
    while after < head:
        with db.read(engine) as conn:
            chunk = conn.execute(
                sa.select(c.c.revision, c.c.id, c.c.kind, c.c.data, c.c.author, c.c.deleted)
                .where(c.c.project == project, c.c.revision > after, c.c.revision <= head)
                .order_by(c.c.revision)
                .limit(_CHUNK)
            ).all()
        if not chunk:
            return
        after = int(chunk[-1].revision)
        out.checked += len(chunk)
        fixes = []
        for row in chunk:
            data = json.loads(row.data)
            why = problem(row.kind, data, row.author)
            if why is None:
                continue
            fixed = repaired(row.kind, data, bool(row.deleted))
            if fixed is None:
                out.beyond.append(f"{row.id} (revision {row.revision}): {why}")
                continue
            fixes.append(
                {
                    "rev": row.revision,
                    "new_data": rows_mod.dumps(fixed[0]),
                    "new_deleted": fixed[1],
                    "new_author": _text(row.author) or AUTHOR,
                }
            )
        if fixes:
            with db.write(engine) as conn:
                conn.execute(
                    sa.update(c)
                    .where(c.c.project == project, c.c.revision == sa.bindparam("rev"))
                    .values(
                        data=sa.bindparam("new_data"),
                        deleted=sa.bindparam("new_deleted"),
                        author=sa.bindparam("new_author"),
                    ),
                    fixes,
                )
            out.history += len(fixes)


def _renew_current(engine: sa.Engine, project: str, after: int, out: Repaired) -> int:
    """Give every unreadable current record a repaired version; returns the head after."""
    r = tables.records
    with db.write(engine) as conn:
        proj = rows_mod.lock_project(conn, project)
        found = conn.execute(
            sa.select(r).where(r.c.project == project, r.c.revision > after).order_by(r.c.revision)
        ).all()
        at = rows_mod.now()
        new: list[rows_mod.Row] = []
        for row in found:
            data = json.loads(row.data)
            if problem(row.kind, data, row.author) is None:
                continue
            fixed = repaired(row.kind, data, bool(row.deleted))
            if fixed is None:
                continue  # already listed by the history's check
            new.append(
                rows_mod.Row(
                    id=row.id,
                    kind=Kind(row.kind),
                    deleted=fixed[1],
                    updated_at=at.isoformat(),
                    data=fixed[0],
                    author=AUTHOR,
                    server_time=at,
                    base_revision=int(row.revision),
                )
            )
        head = rows_mod.append(conn, project, int(proj.head), new)
        p = tables.projects
        conn.execute(sa.update(p).where(p.c.name == project).values(checked_revision=head))
        out.current += len(new)
        return head


def check(engine: sa.Engine, project: str) -> Repaired:
    """Check (and repair) the feed of ``project`` written since the last check."""
    out = Repaired()
    p = tables.projects
    with db.read(engine) as conn:
        row = conn.execute(
            sa.select(p.c.head, p.c.checked_revision).where(p.c.name == project)
        ).first()
    if row is None or int(row.checked_revision) >= int(row.head):
        return out
    after, head = int(row.checked_revision), int(row.head)
    _rewrite_history(engine, project, after, head, out)
    _renew_current(engine, project, after, out)
    return out
