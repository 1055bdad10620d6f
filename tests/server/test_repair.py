"""A project poisoned by an older server is repaired by ``labeler maintain``, history kept."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import requests
import sqlalchemy as sa

from labeler.server import cli as server_cli
from labeler.server.storage import db, tables
from labeler.sync.wire import client as client_mod
from labeler.sync.wire import protocol, reading
from tests.server import conftest, live, poison
from tests.server.conftest import CAT, box, sha


def _pages(server: live.LiveServer, project: str) -> Iterator[bytes]:
    cursor = None
    while True:
        raw = requests.get(
            f"{server.url}/v1/projects/{project}/changes",
            params={"cursor": cursor} if cursor else {},
            headers=conftest.caller_headers("alice", "admin"),
            timeout=30,
        )
        yield raw.content
        page = json.loads(raw.content)
        cursor = page["next_cursor"]
        if not page["has_more"]:
            return


def _feed_rows(url: str, project: str) -> int:
    engine = db.create_engine(url)
    try:
        with engine.connect() as conn:
            c = tables.changes
            return int(
                conn.execute(
                    sa.select(sa.func.count()).select_from(c).where(c.c.project == project)
                ).scalar_one()
            )
    finally:
        engine.dispose()


def test_maintain_repairs_what_an_older_server_stored_and_keeps_the_history(
    server: live.LiveServer,
    admin: client_mod.SyncClient,
    project: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = server.settings.db_url
    cat = str(CAT)
    good = admin.push(project, [box(1)]).results[0]
    surrogate, _ = poison.write(
        url, project, poison.box_data(sha(1), cat, attributes={"n": "a\ud800"})
    )
    texts, _ = poison.write(
        url,
        project,
        poison.box_data(sha(2), cat, geometry={"x": "12", "y": 2, "w": 3, "h": 4, "z": 1}),
    )
    hopeless, _ = poison.write(
        url, project, poison.box_data(sha(2), cat, geometry={"x": "abc", "y": 2, "w": 3, "h": 4})
    )
    huge, _ = poison.write(
        url,
        project,
        poison.box_data(
            sha(3), cat, kind="polygon", geometry={"points": [[i % 600, 7] for i in range(25_000)]}
        ),
    )
    # An old version poisoned, its record since edited: the history row is what is bad.
    old, rev = poison.write(url, project, poison.box_data(sha(1), cat, attributes={"k": "\x00"}))
    poison.write(url, project, poison.box_data(sha(1), cat), record_id=old, base=rev)
    nested, _ = poison.write(
        url, project, poison.box_data(sha(2), cat, attributes={"deep": {"a": [1, 2]}, "big": 2**70})
    )

    # Before: a strict reader refuses a page; the tolerant client sets exactly these aside.
    before = list(_pages(server, project))
    with pytest.raises(ValueError):
        for content in before:
            protocol.ChangePage.model_validate_json(content)
            for r in json.loads(content)["records"]:
                protocol.parse_data(protocol.RecordKind(r["kind"]), r["data"])
    aside = {u.id for content in before for u in reading.change_page(content).unreadable}
    assert aside == {surrogate, texts, hopeless, huge, old, nested}
    rows_before = _feed_rows(url, project)

    assert server_cli.main(["maintain", "--db", url]) == 0
    said = capsys.readouterr().out
    assert f"{project}: 6 unreadable versions repaired in place, 5 records given" in said

    # After: every page reads strictly, no row was dropped, and the repairs are in the feed.
    latest: dict[str, protocol.ChangeRecord] = {}
    for content in _pages(server, project):
        page = protocol.ChangePage.model_validate_json(content)
        for r in page.records:
            protocol.parse_data(r.kind, r.data)
            latest[str(r.id)] = r
    assert _feed_rows(url, project) == rows_before + 5  # five current records re-issued
    assert latest[surrogate].data["attributes"] == {"n": "a\ufffd"}
    assert latest[surrogate].author == "labeler maintain"
    assert latest[texts].data["geometry"] == {"x": 12.0, "y": 2.0, "w": 3.0, "h": 4.0}
    assert latest[hopeless].deleted  # beyond saving: the label goes, sync goes on
    assert len(latest[huge].data["geometry"]["points"]) == protocol.MAX_POLYGON_POINTS
    assert latest[nested].data["attributes"] == {"deep": '{"a": [1, 2]}', "big": str(2**70)}
    assert latest[str(good.id)].revision == good.revision  # readable records are left alone
    # A second run finds nothing left to do and adds nothing.
    assert server_cli.main(["maintain", "--db", url]) == 0
    assert "repaired" not in capsys.readouterr().out
    assert _feed_rows(url, project) == rows_before + 5
